//! One case: what was ordered and where it stands; for an OPEN case its
//! ranked options (each with a button to confirm it: a stock lot, or a
//! custom job with its ETA) and every candidate turned down with the
//! reason; for a RESERVED case or one in production, the button to ship.

use axum::{
    body::Bytes,
    extract::{Extension, Path, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use maud::{Markup, html};
use serde_json::{Value, json};

use super::{Errors, case_link, data_of, may, posted, see, viewing, when};
use crate::{
    access::RequestId,
    http::{
        AppState,
        console::{Signed, finder::decimal, layout, respond, run},
    },
};

const CASE: &str = "query CasePage($n: String) { clinicalCase(number: $n) { id number orderReference patientPseudonym tooth \
    clinic { code name } platform { name system { name manufacturer { name } } } restoration abutmentType \
    gingivalHeightMm angulationDeg engaging material dueAt status decision statusReason expectedReadyAt shippedAt \
    reservation { quantity lot { lotNumber expiryDate } } job { number status plannedEnd machine { code } } \
    shippedLot { lotNumber } \
    matching { options { decision sku { articleNumber name } lot { id lotNumber expiryDate } available readyAt \
        meetsDueDate deviation machine { code } materialAvailable notes } \
      rejected { decision sku { articleNumber } reason } } } }";

const CONFIRM: &str = "mutation ConfirmCase($input: ConfirmCaseInput!) { confirmCaseMatch(input: $input) { \
    case { number status } userErrors { code field message } } }";

const SHIP: &str = "mutation ShipCase($id: ID!) { shipCase(caseId: $id) { \
    case { number status } userErrors { code field message } } }";

/// What a finished form did, told at the top of the page it led to.
fn done_message(done: &str) -> Option<&'static str> {
    match done {
        "created" => Some("Case created. Its matching options are below: confirm one."),
        "confirmed" => Some("Confirmed: the option is booked."),
        "shipped" => Some("Shipped: the unit left through the ledger."),
        _ => None,
    }
}

/// `GET /cases/{number}`.
pub(in crate::http::console) async fn page(
    State(s): State<AppState>,
    request_id: Option<Extension<RequestId>>,
    headers: HeaderMap,
    Path(number): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let signed = match viewing(&s, &headers, "GET /cases/{number}").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let rid = request_id.map(|Extension(r)| r).unwrap_or_default();
    let done = form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "done")
        .and_then(|(_, v)| done_message(&v));
    show(&s, &signed, rid, &number, done, &Errors::default()).await
}

/// The case page, with a notice or the errors of a form.
async fn show(
    s: &AppState,
    signed: &Signed,
    rid: RequestId,
    number: &str,
    done: Option<&str>,
    errors: &Errors,
) -> Response {
    let resp = run(s, signed, rid, CASE, json!({ "n": number })).await;
    let d = match data_of(signed, &resp) {
        Ok(d) => d,
        Err(r) => return *r,
    };
    if let Some(e) = resp.errors.first() {
        let body = html! {
            h1 { "Case " (number) }
            p.notice role="alert" { (e.message) }
            p { a href="/cases" { "All cases" } }
        };
        return respond(
            StatusCode::NOT_FOUND,
            layout::page("Case", Some(&signed.viewer()), body),
        );
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = format!("Case {number}");
    respond(
        status,
        layout::page(
            &title,
            Some(&signed.viewer()),
            body(signed, &d["clinicalCase"], done, errors),
        ),
    )
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn body(signed: &Signed, c: &Value, done: Option<&str>, errors: &Errors) -> Markup {
    let number = text(&c["number"]);
    let status = text(&c["status"]);
    let general = errors.others(&["lotId", "custom", "caseId"]);
    html! {
        h1 { "Case " (number) }
        @if let Some(m) = done { p.ok role="status" id="done" { (m) } }
        @if !general.is_empty() {
            div.notice role="alert" id="form-errors" { @for m in &general { p { (m) } } }
        }
        dl.facts {
            dt { "Status" } dd id="case-status" { (status) @if let Some(d) = c["decision"].as_str() { " (" (d) ")" } }
            @if let Some(r) = c["statusReason"].as_str() { dt { "Why" } dd { (r) } }
            dt { "Clinic" } dd { (text(&c["clinic"]["code"])) " · " (text(&c["clinic"]["name"])) }
            dt { "Order reference" } dd { (text(&c["orderReference"])) }
            dt { "Patient pseudonym" } dd { (text(&c["patientPseudonym"])) }
            dt { "Tooth" } dd { (c["tooth"].as_i64().unwrap_or(0)) }
            dt { "Implant" } dd {
                (text(&c["platform"]["system"]["manufacturer"]["name"])) " "
                (text(&c["platform"]["system"]["name"])) " " (text(&c["platform"]["name"]))
            }
            dt { "Wanted" } dd {
                (text(&c["abutmentType"])) ", gingival height " (decimal(&c["gingivalHeightMm"])) " mm, "
                (decimal(&c["angulationDeg"])) "°, "
                @if c["engaging"].as_bool() == Some(true) { "engaging" } @else { "non-engaging" }
                ", " (text(&c["restoration"]))
                @if let Some(m) = c["material"].as_str() { ", " (m) }
            }
            dt { "Due" } dd { (when(&c["dueAt"])) }
            @if !c["expectedReadyAt"].is_null() { dt { "Expected ready" } dd { (when(&c["expectedReadyAt"])) } }
            @if let Some(l) = c["reservation"]["lot"]["lotNumber"].as_str() {
                dt { "Reserved" } dd { (c["reservation"]["quantity"].as_i64().unwrap_or(1)) " of lot " (l)
                    @if let Some(e) = c["reservation"]["lot"]["expiryDate"].as_str() { " (expires " (e) ")" } }
            }
            @if let Some(j) = c["job"]["number"].as_str() {
                dt { "Custom job" } dd { (j) " · " (text(&c["job"]["status"]))
                    @if let Some(m) = c["job"]["machine"]["code"].as_str() { " on " (m) }
                    @if !c["job"]["plannedEnd"].is_null() { ", planned end " (when(&c["job"]["plannedEnd"])) } }
            }
            @if let Some(l) = c["shippedLot"]["lotNumber"].as_str() {
                dt { "Shipped" } dd { "lot " (l) ", " (when(&c["shippedAt"])) }
            }
        }
        @if status == "OPEN" { (matching(signed, c, errors)) }
        @if (status == "RESERVED" || status == "IN_PRODUCTION") && may(signed, "POST /cases/{number}/ship") {
            (ship_form(signed, number, errors))
        }
        p { a href="/cases" { "All cases" } }
    }
}

fn matching(signed: &Signed, c: &Value, errors: &Errors) -> Markup {
    let number = text(&c["number"]);
    let options: Vec<&Value> = c["matching"]["options"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let rejected: Vec<&Value> = c["matching"]["rejected"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let can_confirm = may(signed, "POST /cases/{number}/confirm");
    let lot_errors: Vec<&str> = errors
        .on("lotId")
        .into_iter()
        .chain(errors.on("custom"))
        .chain(errors.on("caseId"))
        .collect();
    html! {
        section aria-labelledby="options-heading" {
            h2 id="options-heading" { "Options (" (options.len()) ")" }
            p { "Ranked: ready by the due date first, then the closest fit, then the earliest expiry." }
            @for m in &lot_errors { p.error id="option-error" role="alert" { (m) } }
            @if options.is_empty() {
                p id="no-options" { "Nothing can serve this case now; the reasons are below." }
            } @else {
                div.scroll {
                table id="options" {
                    thead { tr {
                        th scope="col" { "Option" } th scope="col" { "SKU" } th scope="col" { "Lot (expiry)" }
                        th scope="col" { "Available" } th scope="col" { "Ready" } th scope="col" { "On time" }
                        th scope="col" { "Deviation" } th scope="col" { "Notes" }
                        @if can_confirm { th scope="col" { "Confirm" } }
                    } }
                    tbody {
                        @for (i, o) in options.iter().enumerate() {
                            @let custom = text(&o["decision"]) == "CUSTOM";
                            tr data-option=(i) data-decision=(text(&o["decision"])) {
                                td { (text(&o["decision"])) }
                                td { @if let Some(a) = o["sku"]["articleNumber"].as_str() { (a) br; small { (text(&o["sku"]["name"])) } } }
                                td {
                                    @if let Some(l) = o["lot"]["lotNumber"].as_str() {
                                        (l) @if let Some(e) = o["lot"]["expiryDate"].as_str() { " (" (e) ")" }
                                    }
                                    @if custom {
                                        @if let Some(m) = o["machine"]["code"].as_str() { "on " (m) }
                                        @if o["materialAvailable"].as_bool() == Some(false) { br; small { "no released blank in stock" } }
                                    }
                                }
                                td.num { @if !custom { (o["available"].as_i64().unwrap_or(0)) } }
                                td { @if custom { "ETA " } (when(&o["readyAt"])) }
                                td { @if o["meetsDueDate"].as_bool() == Some(true) { "yes" } @else { strong.late { "late" } } }
                                td.num { (o["deviation"].as_i64().unwrap_or(0)) }
                                td { @for n in o["notes"].as_array().into_iter().flatten() { (text(n)) br; } }
                                @if can_confirm {
                                    td {
                                        form method="post" action={ (case_link(number)) "/confirm" } {
                                            input type="hidden" name="csrf" value=(signed.csrf);
                                            @if custom {
                                                input type="hidden" name="custom" value="yes";
                                                button type="submit" id=(format!("confirm-{i}")) { "Mill custom part" }
                                            } @else {
                                                input type="hidden" name="lot" value=(text(&o["lot"]["id"]));
                                                button type="submit" id=(format!("confirm-{i}")) { "Reserve lot " (text(&o["lot"]["lotNumber"])) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                }
            }
        }
        section aria-labelledby="rejected-heading" {
            h2 id="rejected-heading" { "Turned down (" (rejected.len()) ")" }
            @if !rejected.is_empty() {
                div.scroll {
                table id="rejected" {
                    thead { tr { th scope="col" { "Option" } th scope="col" { "SKU" } th scope="col" { "Why not" } } }
                    tbody {
                        @for r in &rejected {
                            tr {
                                td { (text(&r["decision"])) }
                                td { (r["sku"]["articleNumber"].as_str().unwrap_or("custom part")) }
                                td { (text(&r["reason"])) }
                            }
                        }
                    }
                }
                }
            }
        }
    }
}

fn ship_form(signed: &Signed, number: &str, errors: &Errors) -> Markup {
    let errs = errors.on("caseId");
    html! {
        section aria-labelledby="ship-heading" {
            h2 id="ship-heading" { "Ship" }
            form method="post" action={ (case_link(number)) "/ship" } {
                input type="hidden" name="csrf" value=(signed.csrf);
                p { "Ships the reserved unit (or the custom part once its lot is released) to the clinic, out through the ledger." }
                button type="submit" id="ship" aria-describedby=[(!errs.is_empty()).then_some("ship-error")] { "Ship case " (number) }
                @for m in &errs { p.error id="ship-error" { (m) } }
            }
        }
    }
}

/// One action on a case's page.
struct Action {
    /// Its matrix entry.
    op: &'static str,
    /// The mutation, and the name of its payload.
    mutation: &'static str,
    payload: &'static str,
    /// The notice on the case's page afterwards (`done=`).
    done: &'static str,
}

/// Runs an action posted from a case's page: checks the role and the CSRF
/// token, looks the case up, runs the one mutation with the variables
/// `vars` makes of the case's id and the form, then shows the case again —
/// with the action's notice (after a redirect) or beside its form the
/// errors (nothing changed).
async fn act(
    s: &AppState,
    rid: RequestId,
    headers: &HeaderMap,
    body: &[u8],
    number: &str,
    a: Action,
    vars: impl FnOnce(String, &super::Fields) -> Value,
) -> Response {
    let (signed, f) = match posted(s, headers, body, a.op).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let resp = run(
        s,
        &signed,
        rid.clone(),
        "query CaseId($n: String) { clinicalCase(number: $n) { id } }",
        json!({ "n": number }),
    )
    .await;
    let id = match data_of(&signed, &resp) {
        Ok(d) => d["clinicalCase"]["id"].as_str().map(str::to_owned),
        Err(r) => return *r,
    };
    let Some(id) = id else {
        // Unknown case: its page says so.
        return show(s, &signed, rid, number, None, &Errors::default()).await;
    };
    let resp = run(s, &signed, rid.clone(), a.mutation, vars(id, &f)).await;
    let d = match data_of(&signed, &resp) {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let errors = Errors::of(&d[a.payload], &resp);
    if errors.is_empty() {
        see(&format!("{}?done={}", case_link(number), a.done))
    } else {
        show(s, &signed, rid, number, None, &errors).await
    }
}

/// `POST /cases/{number}/confirm` with `lot` (a lot's global id) or
/// `custom`: runs `confirmCaseMatch`.
pub(in crate::http::console) async fn confirm(
    State(s): State<AppState>,
    request_id: Option<Extension<RequestId>>,
    headers: HeaderMap,
    Path(number): Path<String>,
    body: Bytes,
) -> Response {
    let rid = request_id.map(|Extension(r)| r).unwrap_or_default();
    let a = Action {
        op: "POST /cases/{number}/confirm",
        mutation: CONFIRM,
        payload: "confirmCaseMatch",
        done: "confirmed",
    };
    act(&s, rid, &headers, &body, &number, a, |id, f| {
        let lot = f.get("lot").map(|l| l.trim()).filter(|l| !l.is_empty());
        let custom = f.get("custom").is_some_and(|c| c == "yes");
        json!({ "input": {
            "caseId": id,
            "lotId": lot,
            "custom": if custom { json!(true) } else { Value::Null },
        } })
    })
    .await
}

/// `POST /cases/{number}/ship`: runs `shipCase`.
pub(in crate::http::console) async fn ship(
    State(s): State<AppState>,
    request_id: Option<Extension<RequestId>>,
    headers: HeaderMap,
    Path(number): Path<String>,
    body: Bytes,
) -> Response {
    let rid = request_id.map(|Extension(r)| r).unwrap_or_default();
    let a = Action {
        op: "POST /cases/{number}/ship",
        mutation: SHIP,
        payload: "shipCase",
        done: "shipped",
    };
    act(
        &s,
        rid,
        &headers,
        &body,
        &number,
        a,
        |id, _| json!({ "id": id }),
    )
    .await
}
