//! The list of cases (by status, earliest due first, in pages) and the
//! cases at risk of missing their due date.

use axum::{
    extract::{Extension, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use maud::{Markup, html};
use serde_json::{Value, json};

use super::{case_link, data_of, may, viewing, when};
use crate::{
    access::RequestId,
    http::{
        AppState,
        console::{layout, respond, run},
    },
};

const PAGE: i64 = 50;

/// The statuses of the schema's `CaseStatus`, with their labels.
const STATUSES: &[(&str, &str)] = &[
    ("OPEN", "Open"),
    ("RESERVED", "Reserved"),
    ("IN_PRODUCTION", "In production"),
    ("SHIPPED", "Shipped"),
    ("CLOSED", "Closed"),
    ("CANCELLED", "Cancelled"),
];

const CASES: &str = "query CaseList($statuses: [CaseStatus!]!, $first: Int, $after: String) { \
    clinicalCases(statuses: $statuses, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } \
      edges { node { number clinic { code } tooth abutmentType gingivalHeightMm \
        platform { name system { name } } dueAt status decision expectedReadyAt } } } }";

const AT_RISK: &str = "query AtRisk { casesAtRisk { reason case { number clinic { code } \
    platform { name system { name } } dueAt status decision expectedReadyAt } } }";

/// `GET /cases[?status=…&after=…]`.
pub(in crate::http::console) async fn page(
    State(s): State<AppState>,
    request_id: Option<Extension<RequestId>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let signed = match viewing(&s, &headers, "GET /cases").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let rid = request_id.map(|Extension(r)| r).unwrap_or_default();
    let mut status = String::new();
    let mut after = String::new();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "status" => status = v.trim().to_owned(),
            "after" => after = v.trim().to_owned(),
            _ => {}
        }
    }
    let known = status.is_empty() || STATUSES.iter().any(|(s, _)| *s == status);
    let mut code = StatusCode::OK;
    let list = if known {
        let vars = json!({
            "statuses": if status.is_empty() { json!([]) } else { json!([status]) },
            "first": PAGE,
            "after": if after.is_empty() { Value::Null } else { json!(after) },
        });
        let resp = run(&s, &signed, rid, CASES, vars).await;
        let d = match data_of(&signed, &resp) {
            Ok(d) => d,
            Err(r) => return *r,
        };
        if let Some(e) = resp.errors.first() {
            code = StatusCode::UNPROCESSABLE_ENTITY;
            html! { p.notice role="alert" { (e.message) } }
        } else {
            table(&d["clinicalCases"], &status)
        }
    } else {
        code = StatusCode::UNPROCESSABLE_ENTITY;
        html! {}
    };
    let body = html! {
        h1 { "Cases" }
        @if may(&signed, "GET /cases/new") { p { a.button href="/cases/new" { "New case" } } }
        form method="get" action="/cases" {
            div.fields {
                div.field {
                    label for="status" { "Status" }
                    select id="status" name="status" aria-describedby=[(!known).then_some("status-error")] {
                        option value="" selected[status.is_empty()] { "Any" }
                        @for (v, l) in STATUSES { option value=(v) selected[status == *v] { (l) } }
                    }
                    @if !known { p.error id="status-error" { "`" (status) "` is not a case status." } }
                }
                div.field { button type="submit" { "Show" } }
            }
        }
        (list)
    };
    respond(code, layout::page("Cases", Some(&signed.viewer()), body))
}

/// One row per case.
fn rows(cases: &[&Value], reasons: Option<&[&str]>) -> Markup {
    html! {
        @for (i, c) in cases.iter().enumerate() {
            @let number = c["number"].as_str().unwrap_or("");
            tr data-case=(number) {
                td { a href=(case_link(number)) { (number) } }
                td { (c["clinic"]["code"].as_str().unwrap_or("")) }
                td { (c["platform"]["system"]["name"].as_str().unwrap_or("")) " " (c["platform"]["name"].as_str().unwrap_or("")) }
                td.when { (when(&c["dueAt"])) }
                td { (c["status"].as_str().unwrap_or("")) @if let Some(d) = c["decision"].as_str() { " (" (d) ")" } }
                td.when { (when(&c["expectedReadyAt"])) }
                @if let Some(r) = reasons { td { (r.get(i).copied().unwrap_or("")) } }
            }
        }
    }
}

fn head(with_reason: bool) -> Markup {
    html! {
        thead { tr {
            th scope="col" { "Case" } th scope="col" { "Clinic" } th scope="col" { "Implant" }
            th scope="col" { "Due" } th scope="col" { "Status" } th scope="col" { "Expected ready" }
            @if with_reason { th scope="col" { "Why at risk" } }
        } }
    }
}

fn table(conn: &Value, status: &str) -> Markup {
    let cases: Vec<&Value> = conn["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["node"])
        .collect();
    let next = conn["pageInfo"]["endCursor"]
        .as_str()
        .filter(|_| conn["pageInfo"]["hasNextPage"].as_bool() == Some(true));
    html! {
        p id="cases-count" { (conn["totalCount"].as_i64().unwrap_or(0)) " case(s)" }
        @if !cases.is_empty() {
            div.scroll { table id="cases" { (head(false)) tbody { (rows(&cases, None)) } } }
        }
        @if let Some(after) = next {
            p { a rel="next" href={ "/cases?" (form_urlencoded::Serializer::new(String::new()).append_pair("status", status).append_pair("after", after).finish()) } { "Next " (PAGE) } }
        }
    }
}

/// `GET /cases/at-risk`.
pub(in crate::http::console) async fn at_risk(
    State(s): State<AppState>,
    request_id: Option<Extension<RequestId>>,
    headers: HeaderMap,
) -> Response {
    let signed = match viewing(&s, &headers, "GET /cases/at-risk").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let rid = request_id.map(|Extension(r)| r).unwrap_or_default();
    let resp = run(&s, &signed, rid, AT_RISK, json!({})).await;
    let d = match data_of(&signed, &resp) {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let risks: Vec<&Value> = d["casesAtRisk"].as_array().into_iter().flatten().collect();
    let cases: Vec<&Value> = risks.iter().map(|r| &r["case"]).collect();
    let reasons: Vec<&str> = risks
        .iter()
        .map(|r| r["reason"].as_str().unwrap_or(""))
        .collect();
    let body = html! {
        h1 { "Cases at risk" }
        p { "Open, reserved and in-production cases that may miss their due date, with why." }
        @if cases.is_empty() {
            p id="at-risk-count" { "No case is at risk." }
        } @else {
            p id="at-risk-count" { (cases.len()) " case(s) at risk" }
            div.scroll { table id="at-risk" { (head(true)) tbody { (rows(&cases, Some(&reasons))) } } }
        }
    };
    respond(
        StatusCode::OK,
        layout::page("Cases at risk", Some(&signed.viewer()), body),
    )
}
