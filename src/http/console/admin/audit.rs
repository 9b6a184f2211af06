//! The audit trail (`auditLog`), newest first, filtered by actor,
//! operation, object and time, 50 entries a page; the same filter as CSV
//! (`auditLogCsv`, oldest first) with `&format=csv`.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use maud::html;
use serde_json::{Value, json};

use super::super::warehouse::{Fields, Get, Problem, Problems, input, link, status_of, text, when};

const PAGE: &str = "query A($filter: AuditFilterInput, $after: String) { auditLog(filter: $filter, first: 50, after: $after) { \
    totalCount pageInfo { hasNextPage endCursor } \
    edges { node { at actorName roles operation outcome errorCode message input requestId affectedIds } } } }";

const MAP: &[(&str, &str)] = &[
    ("filter.actor", "actor"),
    ("filter.operation", "operation"),
    ("filter.objectId", "object"),
    ("filter.from", "from"),
    ("filter.to", "to"),
    ("from", "from"),
    ("to", "to"),
];

/// A date filter as the API's `DateTime` (start of that day, UTC).
fn day(f: &Fields, k: &str) -> Result<Value, Problem> {
    match f.get(k) {
        "" => Ok(Value::Null),
        d => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(|_| Value::String(format!("{d}T00:00:00Z")))
            .map_err(|_| Problem::on(k, format!("`{d}` is not a date (YYYY-MM-DD)"))),
    }
}

/// The filter of the form, or the problem of a date.
fn filter(f: &Fields) -> Result<Value, Problem> {
    Ok(
        json!({ "actor": f.opt("actor"), "operation": f.opt("operation"), "objectId": f.opt("object"),
        "from": day(f, "from")?, "to": day(f, "to")? }),
    )
}

/// `GET /admin/audit`: the trail, filtered; its CSV with `format=csv`.
pub(in crate::http::console) async fn page(g: Get) -> Response {
    let (req, f) = match g.open("GET /admin/audit").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut p = Problems::default();
    let flt = match filter(&f) {
        Ok(x) => Some(x),
        Err(e) => {
            p.place(e, MAP);
            None
        }
    };
    if let (Some(flt), "csv") = (&flt, f.get("format")) {
        let q = "query C($filter: AuditFilterInput) { auditLogCsv(filter: $filter) }";
        match req.gql(q, json!({ "filter": flt })).await {
            Err(r) => return r,
            Ok(Err(e)) => p.place(e, MAP),
            Ok(Ok(d)) => {
                let mut r = (StatusCode::OK, text(&d["auditLogCsv"])).into_response();
                let h = r.headers_mut();
                h.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/csv; charset=utf-8"),
                );
                h.insert(
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_static("attachment; filename=\"audit.csv\""),
                );
                h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                crate::http::explorer::secure(&mut r);
                return r;
            }
        }
    }
    let mut d = Value::Null;
    if let Some(flt) = flt.filter(|_| p.is_empty()) {
        match req
            .gql(PAGE, json!({ "filter": flt, "after": f.opt("after") }))
            .await
        {
            Err(r) => return r,
            Ok(Err(e)) => p.place(e, MAP),
            Ok(Ok(x)) => d = x,
        }
    }
    let pairs = |extra: &[(&'static str, String)]| {
        let mut v: Vec<(&str, String)> = ["actor", "operation", "object", "from", "to"]
            .iter()
            .map(|k| (*k, f.get(k).to_owned()))
            .collect();
        v.extend(extra.iter().cloned());
        v
    };
    let href = |extra: &[(&'static str, String)]| {
        let v = pairs(extra);
        let refs: Vec<(&str, &str)> = v.iter().map(|(k, x)| (*k, x.as_str())).collect();
        link("/admin/audit", &refs)
    };
    let log = &d["auditLog"];
    let body = html! {
        h1 { "Audit trail" }
        form id="audit-filter" method="get" action="/admin/audit" {
            (p.notice())
            div.fields {
                (input("actor", "User", "text", f.get("actor"), &p, None))
                (input("operation", "Operation (e.g. createUser)", "text", f.get("operation"), &p, None))
                (input("object", "Object id", "text", f.get("object"), &p, None))
                (input("from", "From (date, UTC)", "date", f.get("from"), &p, None))
                (input("to", "Before (date, UTC)", "date", f.get("to"), &p, None))
            }
            button type="submit" id="filter" { "Filter" }
        }
        @if !log.is_null() {
            p { (log["totalCount"].as_i64().unwrap_or(0)) " entries. "
                a href=(href(&[("format", "csv".to_owned())])) id="audit-csv" { "Download them as CSV" } }
            div.scroll { table id="audit" {
                thead { tr { th { "When (UTC)" } th { "Who" } th { "Operation" } th { "Outcome" } th { "Input" } th { "Message" } th { "Request" } } }
                tbody { @for e in log["edges"].as_array().into_iter().flatten() { @let a = &e["node"]; tr {
                    td.when { (when(&a["at"])) } td { (text(&a["actorName"])) } td.operation { (text(&a["operation"])) }
                    td { (text(&a["outcome"])) @if !a["errorCode"].is_null() { " (" (text(&a["errorCode"])) ")" } }
                    td { code { (text(&a["input"])) } } td { (text(&a["message"])) } td { small { (text(&a["requestId"])) } } } } }
            } }
            @if log["pageInfo"]["hasNextPage"] == true {
                p.paging { a href=(href(&[("after", text(&log["pageInfo"]["endCursor"]))])) { "Older entries" } }
            }
        }
    };
    req.respond(status_of(&p), "Audit trail", body)
}
