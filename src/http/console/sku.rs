//! A SKU's page for sales: what it is, what can be promised of it now,
//! every platform it fits (with the fit's source and notes), and its stock
//! by lot and location — one query through the schema as the signed-in
//! user.

use axum::{
    extract::{Extension, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use maud::html;
use serde_json::{Value, json};

use super::{
    AppState,
    finder::{availability, decimal, refused},
    layout, refusal, respond, run, signed_in,
};
use crate::access::RequestId;

const SKU: &str = "query SkuPage($a: String!) { \
    abutmentSku(articleNumber: $a) { articleNumber gtin name abutmentType material gingivalHeightMm angulationDeg \
      postHeightMm diameterMm engaging sterile shelfLifeMonths status \
      availability { available reserved earliestExpiry customOnly } \
      fits { source notes platform { name diameterMm system { name connection manufacturer { name } } } } } \
    skuStock(articleNumber: $a) { quantities { onHand available reserved releasedElsewhere quarantine onHold expired rejected recalled } \
      lines { lot { lotNumber effectiveState expiryDate } location { code } onHand reserved available } } }";

/// `GET /sales/sku?article=…`.
pub(super) async fn page(
    State(s): State<AppState>,
    request_id: Option<Extension<RequestId>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let signed = match signed_in(&s, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Some(r) = refusal(&signed, "GET /sales/sku") {
        return r;
    }
    let rid = request_id.map(|Extension(r)| r).unwrap_or_default();
    let article = form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "article")
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    let (status, body) = if article.is_empty() {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            html! {
                h1 { "SKU" }
                p.notice role="alert" { "Give an article number: open a SKU from the " a href="/sales/finder" { "compatibility finder" } "." }
            },
        )
    } else {
        let resp = run(&s, &signed, rid, SKU, json!({"a": article})).await;
        if let Some(r) = refused(&signed, &resp.errors) {
            return r;
        }
        if let Some(e) = resp.errors.first() {
            (
                StatusCode::NOT_FOUND,
                html! {
                    h1 { "SKU " (article) }
                    p.notice role="alert" id="sku-error" { (e.message) }
                    p { a href="/sales/finder" { "Back to the compatibility finder" } }
                },
            )
        } else {
            let d = serde_json::to_value(&resp.data).unwrap_or(Value::Null);
            (StatusCode::OK, body(&d))
        }
    };
    respond(
        status,
        layout::page(&format!("SKU {article}"), Some(&signed.viewer()), body),
    )
}

fn body(d: &Value) -> maud::Markup {
    let sku = &d["abutmentSku"];
    let q = &d["skuStock"]["quantities"];
    let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let fits = sku["fits"].as_array().cloned().unwrap_or_default();
    let lines = d["skuStock"]["lines"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let buckets = [
        ("onHand", "On hand"),
        ("available", "Available now"),
        ("reserved", "Reserved"),
        ("releasedElsewhere", "Released, not on a stock shelf"),
        ("quarantine", "Quarantine"),
        ("onHold", "On hold"),
        ("expired", "Expired"),
        ("rejected", "Rejected"),
        ("recalled", "Recalled"),
    ];
    html! {
        h1 { "SKU " (text(&sku["articleNumber"])) }
        p.lead { (text(&sku["name"])) }
        section aria-labelledby="availability-heading" {
            h2 id="availability-heading" { "Availability" }
            p id="availability" { (availability(&sku["availability"])) }
        }
        dl.facts {
            dt { "GTIN" } dd { (text(&sku["gtin"])) }
            dt { "Type" } dd { (text(&sku["abutmentType"])) }
            dt { "Material" } dd { (text(&sku["material"])) }
            dt { "Gingival height" } dd { (decimal(&sku["gingivalHeightMm"])) " mm" }
            dt { "Angulation" } dd { (decimal(&sku["angulationDeg"])) "°" }
            @if !sku["postHeightMm"].is_null() { dt { "Post height" } dd { (decimal(&sku["postHeightMm"])) " mm" } }
            @if !sku["diameterMm"].is_null() { dt { "Diameter" } dd { (decimal(&sku["diameterMm"])) " mm" } }
            dt { "Engaging" } dd { @if sku["engaging"].as_bool() == Some(true) { "yes" } @else { "no" } }
            dt { "Sterile" } dd {
                @if sku["sterile"].as_bool() == Some(true) {
                    "yes" @if let Some(m) = sku["shelfLifeMonths"].as_i64() { " (shelf life " (m) " months)" }
                } @else { "no" }
            }
            dt { "Status" } dd { (text(&sku["status"])) }
        }
        section aria-labelledby="fits-heading" {
            h2 id="fits-heading" { "Fits " (fits.len()) " platform(s)" }
            div.scroll {
            table id="fits" {
                thead { tr {
                    th scope="col" { "Manufacturer" } th scope="col" { "System" } th scope="col" { "Connection" }
                    th scope="col" { "Platform" } th scope="col" { "Ø (mm)" } th scope="col" { "Source and notes" }
                } }
                tbody {
                    @for f in &fits {
                        @let p = &f["platform"];
                        tr {
                            td { (text(&p["system"]["manufacturer"]["name"])) }
                            td { (text(&p["system"]["name"])) }
                            td { (text(&p["system"]["connection"])) }
                            td { (text(&p["name"])) }
                            td.num { (decimal(&p["diameterMm"])) }
                            td { (text(&f["source"])) @if let Some(n) = f["notes"].as_str() { br; small { (n) } } }
                        }
                    }
                }
            }
            }
        }
        section aria-labelledby="stock-heading" {
            h2 id="stock-heading" { "Stock" }
            div.scroll {
            table id="stock-totals" {
                thead { tr { @for (_, l) in &buckets { th scope="col" { (l) } } } }
                tbody { tr { @for (k, _) in &buckets { td.num { (q[*k].as_i64().unwrap_or(0)) } } } }
            }
            }
            @if lines.is_empty() {
                p { "No units of this SKU are on hand." }
            } @else {
                div.scroll {
                table id="stock-lines" {
                    thead { tr {
                        th scope="col" { "Lot" } th scope="col" { "State" } th scope="col" { "Expiry" }
                        th scope="col" { "Location" } th scope="col" { "On hand" } th scope="col" { "Reserved" } th scope="col" { "Available" }
                    } }
                    tbody {
                        @for l in &lines {
                            tr {
                                td { (text(&l["lot"]["lotNumber"])) }
                                td { (text(&l["lot"]["effectiveState"])) }
                                td { (text(&l["lot"]["expiryDate"])) }
                                td { (text(&l["location"]["code"])) }
                                td.num { (l["onHand"].as_i64().unwrap_or(0)) }
                                td.num { (l["reserved"].as_i64().unwrap_or(0)) }
                                td.num { (l["available"].as_i64().unwrap_or(0)) }
                            }
                        }
                    }
                }
                }
            }
        }
        p { a href="/sales/finder" { "Back to the compatibility finder" } }
    }
}
