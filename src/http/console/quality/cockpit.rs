//! A recall's page, the cockpit: its steps with who did each and when;
//! as a draft, the preview (affected lots, units by location,
//! reservations, consignees with what each received) with *Activate* and
//! *Cancel*; once active, the affected lots and a checklist per consignee
//! (notified when and how, returned, confirmed used, outstanding) with
//! its forms, the reconciliation and *Close*; the trail; the report.

use axum::{http::StatusCode, response::Response};
use maud::{Markup, html};
use serde_json::{Value, json};

use super::super::warehouse::{Fields, Problems, Req, hidden, link, num, state_tag, text};
use super::trace::{FORWARD, forward_markup};
use super::{at, choice, field};

/// Which form of the page shows problems.
pub(super) enum Focus {
    /// None: the page as it is.
    None,
    /// A step's form (`activate`, `cancel`, `close`).
    Step(&'static str, Problems),
    /// A consignee's form (`notify`, `return`, `usage`), by consignee id.
    Consignee(String, &'static str, Problems),
}

impl Focus {
    fn step(&self, name: &str) -> Option<&Problems> {
        match self {
            Focus::Step(n, p) if *n == name => Some(p),
            _ => None,
        }
    }
    fn consignee(&self, id: &str, form: &str) -> Option<&Problems> {
        match self {
            Focus::Consignee(c, n, p) if c == id && *n == form => Some(p),
            _ => None,
        }
    }
    fn failed(&self) -> bool {
        !matches!(self, Focus::None)
    }
}

fn recall_query() -> String {
    format!(
        "query R($n: String!) {{ recall(number: $n) {{ id number status class reason scope createdAt createdBy \
         activatedAt activatedBy closedAt closedBy closureNote \
         consignees {{ id consignee address contact clinic {{ name }} notifiedAt notifiedBy notifiedVia notificationNote \
           shipped returned used outstanding lots {{ shipped returned used outstanding lot {{ id lotNumber }} }} }} \
         affectedLots {{ depth previousState onHandAtActivation reservationsReleased lot {{ lotNumber effectiveState }} }} \
         events {{ at actor action detail }} \
         impact {{ {FORWARD} }} }} }}"
    )
}

fn arr(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// The recall's page; `focus` the form whose problems to show (then the
/// fields as posted in `f`).
pub(super) async fn cockpit_page(
    req: &Req<'_>,
    f: &Fields,
    number: &str,
    focus: &Focus,
) -> Response {
    let r = match req.gql(&recall_query(), json!({ "n": number })).await {
        Err(resp) => return resp,
        Ok(Err(e)) => {
            let body = html! { h1 { "Recall" } p.notice role="alert" id="form-notice" { (e.message()) } p { a href="/quality/recalls" { "All recalls" } } };
            return req.respond(StatusCode::NOT_FOUND, "Recall", body);
        }
        Ok(Ok(d)) => d["recall"].clone(),
    };
    let status = text(&r["status"]);
    let body = html! {
        h1 { "Recall " span id="recall-number" { (text(&r["number"])) } " " span.tag id="recall-status" { (status) } }
        @if !f.get("done").is_empty() && !focus.failed() { p.ok role="status" id="recall-done" { (f.get("done")) } }
        dl.facts {
            dt { "Class" } dd { (text(&r["class"])) }
            dt { "Scope" } dd id="recall-scope" { (text(&r["scope"])) }
            dt { "Reason" } dd { (text(&r["reason"])) }
            dt { "Report" } dd { a href=(link("/quality/recall/report", &[("number", number)])) id="report-link" { "Printable report" }
                " · " a href=(link("/quality/recall/report", &[("number", number), ("format", "csv")])) id="report-csv" { "CSV" } }
        }
        (steps(&r))
        @match status.as_str() {
            "DRAFT" => {
                (draft_actions(req, &r, focus))
                section aria-labelledby="preview-heading" {
                    h2 id="preview-heading" { "Preview: what activation would stop and whom to notify" }
                    (forward_markup(&r["impact"]))
                }
            }
            "ACTIVE" | "CLOSED" => {
                (affected(&r))
                (checklist(req, &r, f, focus))
                (reconcile(req, &r, f, focus))
            }
            _ => {}
        }
        (trail(&r))
    };
    let code = if focus.failed() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    req.respond(code, &format!("Recall {number}"), body)
}

/// The steps, each with who and when.
fn steps(r: &Value) -> Markup {
    let cs = arr(&r["consignees"]);
    let notified = cs.iter().filter(|c| !c["notifiedAt"].is_null()).count();
    let outstanding: i64 = cs.iter().map(|c| num(&c["outstanding"])).sum();
    let active = !r["activatedAt"].is_null();
    html! {
        h2 { "Steps" }
        ol.steps id="recall-steps" {
            li { "Scope and draft: " (text(&r["createdBy"])) ", " (at(&r["createdAt"])) }
            li { "Preview: " @if active { "seen before activation" } @else { "below" } }
            li { "Activated: " @if active { (text(&r["activatedBy"])) ", " (at(&r["activatedAt"])) } @else { "not yet" } }
            li id="step-notified" { "Consignees notified: " (notified) " of " (cs.len()) }
            li id="step-outstanding" { "Reconciliation: " (outstanding) " unit(s) outstanding" }
            li id="step-closed" { "Closed: " @if r["closedAt"].is_null() { "not yet" }
                @else { (text(&r["closedBy"])) ", " (at(&r["closedAt"])) " — " (text(&r["closureNote"])) } }
        }
    }
}

/// A draft's forms: activate, or cancel with a reason.
fn draft_actions(req: &Req<'_>, r: &Value, focus: &Focus) -> Markup {
    let none = Problems::default();
    let pa = focus.step("activate").unwrap_or(&none);
    let pc = focus.step("cancel").unwrap_or(&none);
    html! {
        section aria-labelledby="activate-heading" {
            h2 id="activate-heading" { "Activate" }
            p { "In one transaction: every affected lot becomes RECALLED, open reservations on them are released and their cases re-opened, the consignees are listed." }
            form method="post" action="/quality/recall/activate" {
                (hidden(req)) (ids(r))
                (pa.notice())
                button type="submit" id="activate" { "Activate the recall" }
            }
            form method="post" action="/quality/recall/cancel" {
                (hidden(req)) (ids(r))
                (pc.notice())
                (field("cancel-reason", "reason", "Or cancel the draft, because", "text", "", pc.of("cancel-reason")))
                button type="submit" id="cancel" { "Cancel the draft" }
            }
        }
    }
}

/// The hidden fields naming the recall.
fn ids(r: &Value) -> Markup {
    html! {
        input type="hidden" name="recall" value=(text(&r["id"]));
        input type="hidden" name="number" value=(text(&r["number"]));
    }
}

/// The lots frozen at activation.
fn affected(r: &Value) -> Markup {
    html! {
        h2 { "Affected lots" }
        div.scroll { table id="affected-lots" {
            thead { tr { th { "Lot" } th { "Level" } th { "Before" } th { "Now" } th { "On hand at activation" } th { "Reserved units released" } } }
            tbody { @for l in arr(&r["affectedLots"]) { tr {
                td { (text(&l["lot"]["lotNumber"])) } td.num { (num(&l["depth"])) } td { (text(&l["previousState"])) }
                td { (state_tag(&text(&l["lot"]["effectiveState"]))) } td.num { (num(&l["onHandAtActivation"])) }
                td.num { (num(&l["reservationsReleased"])) } } } }
        } }
    }
}

const CHANNELS: &[(&str, &str)] = &[
    ("EMAIL", "E-mail"),
    ("PHONE", "Telephone"),
    ("LETTER", "Registered letter"),
    ("VISIT", "Visit"),
    ("PORTAL", "Portal / EDI"),
];

/// The checklist: per consignee, notified when and how, returned, used,
/// outstanding; while active, its forms.
fn checklist(req: &Req<'_>, r: &Value, f: &Fields, focus: &Focus) -> Markup {
    let active = r["status"] == "ACTIVE";
    html! {
        h2 { "Consignees" }
        div.scroll { table id="checklist" {
            thead { tr { th { "Consignee" } th { "Address, contact" } th { "Shipped" } th { "Notified (UTC)" } th { "Returned" } th { "Used" } th { "Outstanding" } } }
            tbody { @for c in arr(&r["consignees"]) { tr data-consignee=(text(&c["consignee"])) {
                td { (text(&c["consignee"])) @if let Some(n) = c["clinic"]["name"].as_str() { br; small { (n) } } }
                td { (text(&c["address"])) br; small { (text(&c["contact"])) } }
                td.num { (num(&c["shipped"])) }
                td.notified { @if c["notifiedAt"].is_null() { span.late { "not yet" } }
                    @else { (at(&c["notifiedAt"])) " by " (text(&c["notifiedVia"])) ", " (text(&c["notifiedBy"]))
                        @if let Some(n) = c["notificationNote"].as_str() { br; small { (n) } } } }
                td.num { (num(&c["returned"])) } td.num { (num(&c["used"])) } td.num.outstanding { (num(&c["outstanding"])) }
            } } }
        } }
        @if active {
            @for (i, c) in arr(&r["consignees"]).iter().enumerate() {
                (consignee_forms(req, r, c, i, f, focus))
            }
        }
    }
}

/// A consignee's three forms, in one expandable block (open when one of
/// them has problems).
fn consignee_forms(
    req: &Req<'_>,
    r: &Value,
    c: &Value,
    i: usize,
    f: &Fields,
    focus: &Focus,
) -> Markup {
    let id = text(&c["id"]);
    let name = text(&c["consignee"]);
    let none = Problems::default();
    let pn = focus.consignee(&id, "notify");
    let pr = focus.consignee(&id, "return");
    let pu = focus.consignee(&id, "usage");
    let open = pn.is_some() || pr.is_some() || pu.is_some();
    let v = |p: Option<&Problems>, k: &str| {
        if p.is_some() {
            f.get(k).to_owned()
        } else {
            String::new()
        }
    };
    let lots: Vec<(String, String)> = arr(&c["lots"])
        .iter()
        .map(|l| {
            (
                text(&l["lot"]["id"]),
                format!(
                    "{} ({} outstanding)",
                    text(&l["lot"]["lotNumber"]),
                    num(&l["outstanding"])
                ),
            )
        })
        .collect();
    let lot_opts: Vec<(&str, &str)> = lots.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    html! {
        details.consignee open[open] id=(format!("consignee-{i}")) {
            summary { "Record for " strong { (name) } }
            form method="post" action="/quality/recall/notify" aria-label=(format!("Notified: {name}")) {
                (hidden(req)) (ids(r))
                input type="hidden" name="consignee" value=(id);
                input type="hidden" name="name" value=(name);
                (pn.unwrap_or(&none).notice())
                div.fields {
                    (choice(&format!("via-{i}"), "via", "Notified how", &v(pn, "via"), CHANNELS, pn.and_then(|p| p.of("via"))))
                    (field(&format!("at-{i}"), "at", "When (UTC; now if empty)", "datetime-local", &v(pn, "at"), pn.and_then(|p| p.of("at"))))
                    (field(&format!("note-{i}"), "note", "Note (who, notice reference)", "text", &v(pn, "note"), pn.and_then(|p| p.of("note"))))
                }
                button type="submit" id=(format!("notify-{i}")) { "Record the notification" }
            }
            @for (form, action, label, p) in [("return", "/quality/recall/return", "Units returned", pr), ("usage", "/quality/recall/usage", "Units confirmed used", pu)] {
                form method="post" action=(action) aria-label=(format!("{label}: {name}")) {
                    (hidden(req)) (ids(r))
                    input type="hidden" name="consignee" value=(id);
                    input type="hidden" name="name" value=(name);
                    (p.unwrap_or(&none).notice())
                    div.fields {
                        (choice(&format!("{form}-lot-{i}"), "lot", "Lot", &v(p, "lot"), &lot_opts, p.and_then(|p| p.of("lot"))))
                        (field(&format!("{form}-quantity-{i}"), "quantity", label, "number", &v(p, "quantity"), p.and_then(|p| p.of("quantity"))))
                        @if form == "return" {
                            (field(&format!("return-location-{i}"), "location", "Into quarantine location (first if empty)", "text", &v(p, "location"), p.and_then(|p| p.of("location"))))
                        }
                        (field(&format!("{form}-note-{i}"), "note", "Note", "text", &v(p, "note"), p.and_then(|p| p.of("note"))))
                    }
                    button type="submit" id=(format!("{form}-{i}")) { "Record: " (label.to_lowercase()) }
                }
            }
        }
    }
}

/// The reconciliation and, while active, the close form.
fn reconcile(req: &Req<'_>, r: &Value, f: &Fields, focus: &Focus) -> Markup {
    let cs = arr(&r["consignees"]);
    let sum = |k: &str| cs.iter().map(|c| num(&c[k])).sum::<i64>();
    let unnotified: Vec<String> = cs
        .iter()
        .filter(|c| c["notifiedAt"].is_null())
        .map(|c| text(&c["consignee"]))
        .collect();
    let jobs = arr(&r["impact"]["openJobs"]);
    let none = Problems::default();
    let p = focus.step("close").unwrap_or(&none);
    html! {
        h2 { "Reconciliation" }
        dl.facts id="reconciliation" {
            dt { "Shipped" } dd { (sum("shipped")) }
            dt { "Returned" } dd { (sum("returned")) }
            dt { "Confirmed used" } dd { (sum("used")) }
            dt { "Outstanding" } dd id="outstanding" { (sum("outstanding")) }
            dt { "Not yet notified" } dd { @if unnotified.is_empty() { "none" } @else { (unnotified.join(", ")) } }
            dt { "Jobs still running" } dd { @if jobs.is_empty() { "none" } @else {
                @for (i, j) in jobs.iter().enumerate() { @if i > 0 { ", " } (text(&j["number"])) } } }
        }
        @if r["status"] == "ACTIVE" {
            form method="post" action="/quality/recall/close" id="close-form" {
                (hidden(req)) (ids(r))
                (p.notice())
                (field("justification", "justification", "Justification (required while units are outstanding)", "text",
                    if focus.failed() { f.get("justification") } else { "" }, p.of("justification")))
                button type="submit" id="close" { "Close the recall" }
            }
        }
    }
}

/// Every step of the recall, oldest first.
fn trail(r: &Value) -> Markup {
    html! {
        h2 { "Trail" }
        div.scroll { table id="trail" {
            thead { tr { th { "When (UTC)" } th { "Who" } th { "What" } th { "Detail" } } }
            tbody { @for e in arr(&r["events"]) { tr {
                td.when { (at(&e["at"])) } td { (text(&e["actor"])) } td { (text(&e["action"])) } td { (text(&e["detail"])) } } } }
        } }
    }
}
