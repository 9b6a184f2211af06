//! Batch matching: every OPEN case matched at once (`matchOpenCases`, one
//! transaction, all or nothing), and its outcome — how many were reserved,
//! given a custom job or left open, each case with why it stayed open.

use axum::{
    body::Bytes,
    extract::{Extension, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use maud::{Markup, html};
use serde_json::{Value, json};

use super::{Errors, case_link, data_of, posted, viewing, when};
use crate::{
    access::RequestId,
    http::{
        AppState,
        console::{Signed, layout, respond, run},
    },
};

const OPEN: &str = "query OpenCases { clinicalCases(statuses: [OPEN], first: 1) { totalCount } }";

const MATCH: &str = "mutation MatchOpen { matchOpenCases { reserved inProduction unmatched \
    lines { case { number status decision dueAt expectedReadyAt } unmatchedReason } \
    userErrors { code field message } } }";

/// `GET /cases/match`.
pub(in crate::http::console) async fn form(
    State(s): State<AppState>,
    request_id: Option<Extension<RequestId>>,
    headers: HeaderMap,
) -> Response {
    let signed = match viewing(&s, &headers, "GET /cases/match").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let rid = request_id.map(|Extension(r)| r).unwrap_or_default();
    page(&s, &signed, rid, html! {}, StatusCode::OK).await
}

async fn page(
    s: &AppState,
    signed: &Signed,
    rid: RequestId,
    outcome: Markup,
    status: StatusCode,
) -> Response {
    let resp = run(s, signed, rid, OPEN, json!({})).await;
    let d = match data_of(signed, &resp) {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let open = d["clinicalCases"]["totalCount"].as_i64().unwrap_or(0);
    let body = html! {
        h1 { "Match open cases" }
        (outcome)
        p id="open-count" { (open) " case(s) open now." }
        p { "Matches every open case at once, earliest due first, by the same rules as one case: each takes its best option (a unit of stock, or a custom job) and no unit is promised twice. All or nothing: on an error nothing changes." }
        form id="match-form" method="post" action="/cases/match" {
            input type="hidden" name="csrf" value=(signed.csrf);
            button type="submit" id="match" { "Match all open cases" }
            p id="match-progress" role="status" {}
        }
        script src="/assets/sales.js" defer {}
    };
    respond(
        status,
        layout::page("Match open cases", Some(&signed.viewer()), body),
    )
}

/// `POST /cases/match`: runs `matchOpenCases` and shows its outcome.
pub(in crate::http::console) async fn submit(
    State(s): State<AppState>,
    request_id: Option<Extension<RequestId>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (signed, _) = match posted(&s, &headers, &body, "POST /cases/match").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let rid = request_id.map(|Extension(r)| r).unwrap_or_default();
    let resp = run(&s, &signed, rid.clone(), MATCH, json!({})).await;
    let d = match data_of(&signed, &resp) {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let payload = &d["matchOpenCases"];
    let errors = Errors::of(payload, &resp);
    let (outcome, status) = if errors.is_empty() {
        (outcome(payload), StatusCode::OK)
    } else {
        (
            html! {
                div.notice role="alert" id="match-errors" {
                    p { "Nothing was changed:" }
                    @for m in errors.others(&[]) { p { (m) } }
                }
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    page(&s, &signed, rid, outcome, status).await
}

fn outcome(p: &Value) -> Markup {
    let n = |k: &str| p[k].as_i64().unwrap_or(0);
    let lines: Vec<&Value> = p["lines"].as_array().into_iter().flatten().collect();
    html! {
        section.outcome aria-labelledby="outcome-heading" role="status" {
            h2 id="outcome-heading" { "Outcome" }
            ul id="outcome" {
                li { strong { (lines.len()) } " case(s) matched" }
                li { strong id="reserved" { (n("reserved")) } " reserved from stock" }
                li { strong id="in-production" { (n("inProduction")) } " given a custom job" }
                li { strong id="unmatched" { (n("unmatched")) } " left open" }
            }
            @if !lines.is_empty() {
                div.scroll {
                table id="lines" {
                    thead { tr {
                        th scope="col" { "Case" } th scope="col" { "Status" } th scope="col" { "Due" }
                        th scope="col" { "Expected ready" } th scope="col" { "Why still open" }
                    } }
                    tbody {
                        @for l in &lines {
                            @let c = &l["case"];
                            @let number = c["number"].as_str().unwrap_or("");
                            tr {
                                td { a href=(case_link(number)) { (number) } }
                                td { (c["status"].as_str().unwrap_or("")) }
                                td.when { (when(&c["dueAt"])) }
                                td.when { (when(&c["expectedReadyAt"])) }
                                td { (l["unmatchedReason"].as_str().unwrap_or("")) }
                            }
                        }
                    }
                }
                }
            }
        }
    }
}
