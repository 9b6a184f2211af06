//! The recall report a regulator can read: device identification (GTIN,
//! UDI-DI, UDI), lots and quantities, consignees with what each received,
//! was told and gave back, the actions and their dates — as a printable
//! page (the stylesheet's print rules drop the console's header and
//! links) and as CSV (`&format=csv`, `Recall.reportCsv`).

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use maud::html;
use serde_json::{Value, json};

use super::super::warehouse::{Get, num, text};
use super::at;

const REPORT: &str = "query R($n: String!) { recall(number: $n) { number status class reason scope createdAt createdBy \
    activatedAt activatedBy closedAt closedBy closureNote \
    affectedLots { depth previousState onHandAtActivation reservationsReleased \
      lot { lotNumber udi productionDate expiryDate effectiveState item { code } sku { gtin articleNumber name } } } \
    consignees { consignee address contact clinic { name } notifiedAt notifiedVia notifiedBy shipped returned used outstanding \
      lots { shipped returned used outstanding lot { lotNumber } } } \
    events { at actor action detail } } }";

fn arr(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// The UDI-DI of a GTIN: the GTIN as a 14-digit GS1 element `(01)`.
fn udi_di(gtin: &str) -> String {
    if gtin.is_empty() {
        String::new()
    } else {
        format!("(01){gtin:0>14}")
    }
}

/// `GET /quality/recall/report?number=`: the printable report, or its CSV.
pub(in crate::http::console) async fn page(g: Get) -> Response {
    let (req, f) = match g.open("GET /quality/recall/report").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let number = f.get("number");
    if f.get("format") == "csv" {
        let q = "query C($n: String!) { recall(number: $n) { reportCsv } }";
        return match req.gql(q, json!({ "n": number })).await {
            Err(r) => r,
            Ok(Err(e)) => req.respond(
                StatusCode::NOT_FOUND,
                "Recall report",
                html! { p.notice role="alert" { (e.message()) } },
            ),
            Ok(Ok(d)) => {
                let mut r = (StatusCode::OK, text(&d["recall"]["reportCsv"])).into_response();
                let h = r.headers_mut();
                h.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/csv; charset=utf-8"),
                );
                if let Ok(v) =
                    HeaderValue::from_str(&format!("attachment; filename=\"{number}.csv\""))
                {
                    h.insert(header::CONTENT_DISPOSITION, v);
                }
                h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                crate::http::explorer::secure(&mut r);
                r
            }
        };
    }
    let r = match req.gql(REPORT, json!({ "n": number })).await {
        Err(resp) => return resp,
        Ok(Err(e)) => {
            return req.respond(
                StatusCode::NOT_FOUND,
                "Recall report",
                html! { p.notice role="alert" { (e.message()) } },
            );
        }
        Ok(Ok(d)) => d["recall"].clone(),
    };
    let body = html! {
        article.report id="recall-report" {
            h1 { "Recall report " (text(&r["number"])) }
            p.print-only { "Printed from abutment-erp." }
            dl.facts {
                dt { "Status" } dd id="report-status" { (text(&r["status"])) }
                dt { "Class" } dd { (text(&r["class"])) }
                dt { "Scope" } dd { (text(&r["scope"])) }
                dt { "Reason" } dd { (text(&r["reason"])) }
                dt { "Opened" } dd { (at(&r["createdAt"])) " by " (text(&r["createdBy"])) }
                dt { "Activated" } dd { (at(&r["activatedAt"])) " by " (text(&r["activatedBy"])) }
                dt { "Closed" } dd { (at(&r["closedAt"])) " by " (text(&r["closedBy"])) }
                dt { "Closure" } dd { (text(&r["closureNote"])) }
            }
            h2 { "Devices and lots" }
            table id="report-lots" {
                thead { tr { th { "Device (article, name)" } th { "GTIN / UDI-DI" } th { "UDI" } th { "Lot" } th { "Produced" } th { "Expiry" }
                    th { "On hand at activation" } th { "Reserved units released" } th { "State before → now" } } }
                tbody { @for a in arr(&r["affectedLots"]) { @let l = &a["lot"]; tr {
                    td { (text(&l["item"]["code"])) @if let Some(n) = l["sku"]["name"].as_str() { br; small { (n) } } }
                    td { (text(&l["sku"]["gtin"])) br; small { (udi_di(&text(&l["sku"]["gtin"]))) } }
                    td { (text(&l["udi"])) } td { (text(&l["lotNumber"])) } td { (text(&l["productionDate"])) } td { (text(&l["expiryDate"])) }
                    td.num { (num(&a["onHandAtActivation"])) } td.num { (num(&a["reservationsReleased"])) }
                    td { (text(&a["previousState"])) " → " (text(&l["effectiveState"])) } } } }
            }
            h2 { "Consignees" }
            table id="report-consignees" {
                thead { tr { th { "Consignee" } th { "Address, contact" } th { "Received (per lot)" } th { "Notified" }
                    th { "Shipped" } th { "Returned" } th { "Used" } th { "Outstanding" } } }
                tbody { @for c in arr(&r["consignees"]) { tr {
                    td { (text(&c["consignee"])) @if let Some(n) = c["clinic"]["name"].as_str() { br; small { (n) } } }
                    td { (text(&c["address"])) br; small { (text(&c["contact"])) } }
                    td { @for (i, l) in arr(&c["lots"]).iter().enumerate() { @if i > 0 { br; }
                        (num(&l["shipped"])) " × " (text(&l["lot"]["lotNumber"])) } }
                    td { @if c["notifiedAt"].is_null() { "not yet" } @else { (at(&c["notifiedAt"])) ", " (text(&c["notifiedVia"])) ", " (text(&c["notifiedBy"])) } }
                    td.num { (num(&c["shipped"])) } td.num { (num(&c["returned"])) } td.num { (num(&c["used"])) } td.num { (num(&c["outstanding"])) } } } }
            }
            h2 { "Actions" }
            table id="report-actions" {
                thead { tr { th { "When (UTC)" } th { "Who" } th { "Action" } th { "Detail" } } }
                tbody { @for e in arr(&r["events"]) { tr {
                    td.when { (at(&e["at"])) } td { (text(&e["actor"])) } td { (text(&e["action"])) } td { (text(&e["detail"])) } } } }
            }
            p.no-print { a href=(super::super::warehouse::link("/quality/recall", &[("number", number)])) { "Back to the recall" } }
        }
    };
    req.respond(StatusCode::OK, &format!("Recall report {number}"), body)
}
