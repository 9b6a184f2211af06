//! The recall cockpit's pages and forms: the list of recalls with the
//! form of a new one (`createRecall`) and the mock-recall drill
//! (`mockRecall`, timed); a recall's page ([`super::cockpit`]) and the
//! forms of each step — activate (`activateRecall`), cancel a draft
//! (`cancelRecall`), per consignee notified (`recordRecallNotification`),
//! units returned (`recordRecallReturn`) and confirmed used
//! (`recordRecallUsage`), and close on the reconciliation (`closeRecall`).
//! Each form runs one mutation and goes back to the recall's page with
//! what it did, or shows the API's `userErrors` beside its fields.

use std::time::Instant;

use axum::response::Response;
use maud::html;
use serde_json::{Value, json};

use super::super::warehouse::{
    Fields, Get, Post, Problem, Problems, Req, hidden, input, link, num, select, status_of, text,
};
use super::cockpit::{Focus, cockpit_page};
use super::trace::{FORWARD, forward_markup};
use super::{SCOPE_MAP, at, mutate, redirect, scope_fields, scope_input, unchosen};

const CREATE_MAP: &[(&str, &str)] = &[
    ("input.class", "class"),
    ("input.reason", "reason"),
    ("input.scope", "value"),
    ("input.scope.machineWindow.from", "from"),
    ("input.scope.machineWindow.to", "to"),
    ("value", "value"),
    ("from", "from"),
    ("to", "to"),
];

/// The FDA classes, for the form's choice.
fn classes() -> Vec<(String, String)> {
    [
        ("CLASS_I", "Class I: serious harm or death likely"),
        ("CLASS_II", "Class II: temporary or reversible harm"),
        ("CLASS_III", "Class III: harm unlikely"),
    ]
    .iter()
    .map(|(k, t)| ((*k).to_owned(), (*t).to_owned()))
    .collect()
}

/// `GET /quality/recalls`: the recalls, a new one, the drill.
pub(in crate::http::console) async fn list(g: Get) -> Response {
    let (req, f) = match g.open("GET /quality/recalls").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    list_page(&req, &f, &Problems::default()).await
}

async fn list_page(req: &Req<'_>, f: &Fields, p: &Problems) -> Response {
    let q = "query L { recalls(first: 100) { edges { node { number status class scope reason createdAt createdBy closedAt } } } }";
    let d = match req.gql(q, Value::Null).await {
        Ok(Ok(d)) => d,
        Ok(Err(_)) => Value::Null,
        Err(r) => return r,
    };
    let body = html! {
        h1 { "Recalls" }
        section aria-labelledby="drill-heading" {
            h2 id="drill-heading" { "Mock-recall drill" }
            p { "Traces a scope as a recall would, changes nothing, and says how long it took. The seeded drill starts from heat H-7721-A." }
            form id="drill-form" method="get" action="/quality/drill" {
                input type="hidden" name="scope" value="heat";
                input type="hidden" name="value" value="H-7721-A";
                button type="submit" id="drill" { "Run the mock recall of heat H-7721-A" }
            }
            p { a href="/quality/drill" { "Another scope…" } }
        }
        section aria-labelledby="recalls-heading" {
            h2 id="recalls-heading" { "Recalls" }
            div.scroll { table id="recalls" {
                thead { tr { th { "Number" } th { "Status" } th { "Class" } th { "Scope" } th { "Reason" } th { "Created (UTC)" } th { "By" } th { "Closed (UTC)" } } }
                tbody { @for e in d["recalls"]["edges"].as_array().into_iter().flatten() { @let r = &e["node"]; tr {
                    td { a href=(link("/quality/recall", &[("number", &text(&r["number"]))])) { (text(&r["number"])) } }
                    td { (text(&r["status"])) } td { (text(&r["class"])) } td { (text(&r["scope"])) }
                    td { (text(&r["reason"])) } td.when { (at(&r["createdAt"])) } td { (text(&r["createdBy"])) }
                    td.when { (at(&r["closedAt"])) }
                } } }
            } }
        }
        section aria-labelledby="new-heading" {
            h2 id="new-heading" { "New recall" }
            p.hint { "Makes a draft: its preview shows what it would stop and whom to notify; nothing is stopped until you activate it." }
            form id="recall-form" method="post" action="/quality/recalls" {
                (hidden(req))
                (p.notice())
                (scope_fields(f, p))
                div.fields {
                    (select("class", "Class", f.get("class"), &classes(), "— choose —", p))
                    (input("reason", "Reason: the defect and how it was found", "text", f.get("reason"), p, None))
                }
                button type="submit" id="create-recall" { "Create the draft and preview it" }
            }
        }
    };
    req.respond(status_of(p), "Recalls", body)
}

/// `POST /quality/recalls`: `createRecall`, then its page (the preview).
pub(in crate::http::console) async fn create(post: Post) -> Response {
    let (req, f) = match post.open("POST /quality/recalls").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut p = unchosen(&f, &[("class", "the recall's class")], &[]);
    let scope = match scope_input(&req, &f).await {
        Err(r) => return r,
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            p.place(e, SCOPE_MAP);
            Value::Null
        }
    };
    if !p.is_empty() {
        return list_page(&req, &f, &p).await;
    }
    let m = "mutation Create($input: CreateRecallInput!) { createRecall(input: $input) { recall { number } userErrors { code field message } } }";
    let input = json!({ "class": f.opt("class"), "reason": f.get("reason"), "scope": scope });
    match mutate(&req, m, json!({ "input": input }), CREATE_MAP).await {
        Err(r) => r,
        Ok(Ok(pl)) => {
            let n = text(&pl["recall"]["number"]);
            redirect(&link(
                "/quality/recall",
                &[
                    ("number", &n),
                    (
                        "done",
                        &format!("Draft {n} created: check its preview, then activate it."),
                    ),
                ],
            ))
        }
        Ok(Err(p)) => list_page(&req, &f, &p).await,
    }
}

/// `GET /quality/drill`: the mock recall of a scope, timed.
pub(in crate::http::console) async fn drill(g: Get) -> Response {
    let (req, f) = match g.open("GET /quality/drill").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut p = Problems::default();
    let mut result = None;
    if !f.get("value").is_empty() {
        let started = Instant::now();
        match scope_input(&req, &f).await {
            Err(r) => return r,
            Ok(Err(e)) => p.place(e, SCOPE_MAP),
            Ok(Ok(scope)) => {
                let q = format!(
                    "query D($scope: RecallScopeInput!) {{ mockRecall(scope: $scope) {{ elapsedMs lots piecesOnHand piecesShipped consignees clinics cases scope trace {{ {FORWARD} }} }} }}"
                );
                match req.gql(&q, json!({ "scope": scope })).await {
                    Err(r) => return r,
                    Ok(Err(e)) => p.place(e, SCOPE_MAP),
                    Ok(Ok(d)) => result = Some((d["mockRecall"].clone(), started.elapsed())),
                }
            }
        }
    }
    let body = html! {
        h1 { "Mock-recall drill" }
        form id="drill-form" method="get" action="/quality/drill" {
            (p.notice())
            (scope_fields(&f, &p))
            button type="submit" id="drill" { "Run the drill" }
        }
        @if let Some((m, whole)) = &result {
            section.done aria-labelledby="drill-result" {
                h2 id="drill-result" { "Drill: " (text(&m["scope"])) }
                p.drill-time role="status" {
                    "The trace took " strong id="drill-ms" { (format!("{:.1}", m["elapsedMs"].as_f64().unwrap_or(0.0))) " ms" }
                    " on the server (" (format!("{:.1}", whole.as_secs_f64() * 1000.0)) " ms for the whole drill, lookups included)."
                }
                p { "It reaches " strong id="drill-lots" { (num(&m["lots"])) } " lot(s), "
                    (num(&m["piecesOnHand"])) " piece(s) on hand, " (num(&m["piecesShipped"])) " shipped to "
                    strong id="drill-consignees" { (num(&m["consignees"])) } " consignee(s) (" (num(&m["clinics"])) " clinics), "
                    (num(&m["cases"])) " case(s). Nothing was changed." }
            }
            (forward_markup(&m["trace"]))
        }
    };
    req.respond(status_of(&p), "Mock-recall drill", body)
}

/// `GET /quality/recall?number=`: a recall's page.
pub(in crate::http::console) async fn cockpit(g: Get) -> Response {
    let (req, f) = match g.open("GET /quality/recall").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    cockpit_page(&req, &f, f.get("number"), &Focus::None).await
}

/// The recall a form is about: (global id, number).
fn which(f: &Fields) -> (&str, &str) {
    (f.get("recall"), f.get("number"))
}

/// Back to the recall's page saying what was done.
fn back(number: &str, done: &str) -> Response {
    redirect(&link(
        "/quality/recall",
        &[("number", number), ("done", done)],
    ))
}

/// `POST /quality/recall/activate`: `activateRecall`.
pub(in crate::http::console) async fn activate(post: Post) -> Response {
    let (req, f) = match post.open("POST /quality/recall/activate").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (id, number) = which(&f);
    let m = "mutation A($id: ID!) { activateRecall(recallId: $id) { lots lotsRecalled reservationsReleased consignees \
        userErrors { code field message } } }";
    match mutate(&req, m, json!({ "id": id }), &[]).await {
        Err(r) => r,
        Ok(Ok(pl)) => back(
            number,
            &format!(
                "Activated: {} lot(s) affected, {} set RECALLED now, {} reserved unit(s) released, {} consignee(s) to notify.",
                num(&pl["lots"]),
                num(&pl["lotsRecalled"]),
                num(&pl["reservationsReleased"]),
                num(&pl["consignees"])
            ),
        ),
        Ok(Err(p)) => cockpit_page(&req, &f, number, &Focus::Step("activate", p)).await,
    }
}

/// `POST /quality/recall/cancel`: `cancelRecall` of a draft.
pub(in crate::http::console) async fn cancel(post: Post) -> Response {
    let (req, f) = match post.open("POST /quality/recall/cancel").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (id, number) = which(&f);
    let m = "mutation C($input: CancelRecallInput!) { cancelRecall(input: $input) { recall { status } userErrors { code field message } } }";
    let vars = json!({ "input": { "recallId": id, "reason": f.get("reason") } });
    match mutate(&req, m, vars, &[("input.reason", "cancel-reason")]).await {
        Err(r) => r,
        Ok(Ok(_)) => back(number, "The draft was cancelled."),
        Ok(Err(p)) => cockpit_page(&req, &f, number, &Focus::Step("cancel", p)).await,
    }
}

/// `POST /quality/recall/notify`: `recordRecallNotification`.
pub(in crate::http::console) async fn notify(post: Post) -> Response {
    let (req, f) = match post.open("POST /quality/recall/notify").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (id, number) = which(&f);
    let consignee = f.get("consignee");
    let mut p = unchosen(&f, &[("via", "how it was notified")], &[]);
    let at = match f.get("at") {
        "" => Value::Null,
        v => match super::instant(v, "at") {
            Ok(t) => Value::String(t),
            Err(e) => {
                p.place(e, &[("at", "at")]);
                Value::Null
            }
        },
    };
    if p.is_empty() {
        let m = "mutation N($input: RecallNotificationInput!) { recordRecallNotification(input: $input) { \
            recall { number } userErrors { code field message } } }";
        let vars = json!({ "input": { "recallId": id, "consigneeId": consignee, "via": f.opt("via"),
            "at": at, "note": f.opt("note") } });
        let map = &[
            ("input.via", "via"),
            ("input.at", "at"),
            ("input.note", "note"),
        ];
        match mutate(&req, m, vars, map).await {
            Err(r) => return r,
            Ok(Ok(_)) => {
                return back(
                    number,
                    &format!("Notification of {} recorded.", f.get("name")),
                );
            }
            Ok(Err(e)) => p = e,
        }
    }
    cockpit_page(
        &req,
        &f,
        number,
        &Focus::Consignee(consignee.to_owned(), "notify", p),
    )
    .await
}

/// The accounting forms' map: API paths to fields.
const ACCOUNT_MAP: &[(&str, &str)] = &[
    ("input.lotId", "lot"),
    ("input.quantity", "quantity"),
    ("input.location", "location"),
    ("input.note", "note"),
];

/// Units a consignee accounted for (`recordRecallReturn` or
/// `recordRecallUsage`): the form's input.
fn accounting(f: &Fields) -> Value {
    json!({ "input": { "recallId": f.get("recall"), "consigneeId": f.get("consignee"),
        "lotId": f.get("lot"), "quantity": super::super::warehouse::forms::int(f.get("quantity")),
        "location": f.opt("location"), "note": f.opt("note") } })
}

/// `POST /quality/recall/return`: `recordRecallReturn`.
pub(in crate::http::console) async fn give_back(post: Post) -> Response {
    let (req, f) = match post.open("POST /quality/recall/return").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let m = "mutation R($input: RecallAccountingInput!) { recordRecallReturn(input: $input) { recall { number } userErrors { code field message } } }";
    account(&req, &f, m, "return", "returned into quarantine").await
}

/// `POST /quality/recall/usage`: `recordRecallUsage`.
pub(in crate::http::console) async fn used(post: Post) -> Response {
    let (req, f) = match post.open("POST /quality/recall/usage").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let m = "mutation U($input: RecallAccountingInput!) { recordRecallUsage(input: $input) { recall { number } userErrors { code field message } } }";
    account(&req, &f, m, "usage", "confirmed used").await
}

async fn account(req: &Req<'_>, f: &Fields, m: &str, form: &'static str, words: &str) -> Response {
    let number = f.get("number");
    let mut p = unchosen(f, &[("lot", "the lot")], &["quantity"]);
    if f.get("quantity").is_empty() {
        p.place(
            Problem::on("quantity", "how many units?"),
            &[("quantity", "quantity")],
        );
    }
    if !p.is_empty() {
        return cockpit_page(
            req,
            f,
            number,
            &Focus::Consignee(f.get("consignee").to_owned(), form, p),
        )
        .await;
    }
    match mutate(req, m, accounting(f), ACCOUNT_MAP).await {
        Err(r) => r,
        Ok(Ok(_)) => back(
            number,
            &format!(
                "{} unit(s) of {} {words} recorded.",
                f.get("quantity"),
                f.get("name")
            ),
        ),
        Ok(Err(p)) => {
            cockpit_page(
                req,
                f,
                number,
                &Focus::Consignee(f.get("consignee").to_owned(), form, p),
            )
            .await
        }
    }
}

/// `POST /quality/recall/close`: `closeRecall` on the reconciliation.
pub(in crate::http::console) async fn close(post: Post) -> Response {
    let (req, f) = match post.open("POST /quality/recall/close").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (id, number) = which(&f);
    let m = "mutation X($input: CloseRecallInput!) { closeRecall(input: $input) { recall { status } userErrors { code field message } } }";
    let vars = json!({ "input": { "recallId": id, "justification": f.opt("justification") } });
    match mutate(&req, m, vars, &[("input.justification", "justification")]).await {
        Err(r) => r,
        Ok(Ok(_)) => back(number, "The recall is closed."),
        Ok(Err(p)) => cockpit_page(&req, &f, number, &Focus::Step("close", p)).await,
    }
}
