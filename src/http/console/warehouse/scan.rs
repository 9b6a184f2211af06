//! The scan station: one focused field that takes what a scanner types —
//! a GS1 element string with group separators, the bracketed form, or a
//! Digital Link URI — and Enter. It runs `scan` as the signed-in user: a
//! lot we hold shows its SKU, state (a blocking one in words and red),
//! expiry, stock by location, open reservations and the actions allowed
//! now; an unknown lot of one of our GTINs opens the receipt form filled
//! in from the label.

use axum::{http::StatusCode, response::Response};
use maud::{Markup, html};
use serde_json::{Value, json};

use super::{Fields, Get, Problems, Req, link, num, receive, state_band, text};
use crate::access::permissions::OpKind::{Http, Mutation};

const SCAN: &str = "query Scan($code: String!) { scan(code: $code) { \
    status gtin lotNumber serial productionDate expiryDate warnings \
    elements { ai title value } \
    sku { articleNumber name } \
    lot { id lotNumber state effectiveState stateReason expiryDate productionDate udi \
      item { code name unit } \
      quantities { onHand available reserved releasedElsewhere quarantine onHold expired rejected recalled } \
      stock { location { code locationType } onHand reserved available } \
      openReservations { id reference quantity createdAt location { code } } } } }";

/// `GET /warehouse/scan`.
pub(super) async fn page(g: Get) -> Result<Response, Response> {
    let (req, f) = g.open("GET /warehouse/scan").await?;
    // Not trimmed: a GS separator may end the text.
    let code = f.0.get("code").cloned().unwrap_or_default();
    let mut problems = Problems::default();
    let mut found = None;
    if !code.trim().is_empty() {
        match req.gql(SCAN, json!({ "code": code })).await? {
            Ok(d) => found = Some(d["scan"].clone()),
            Err(p) => problems.place(p, &[("code", "code")]),
        }
    }
    let receiving = match &found {
        Some(r) if r["status"] == "NOT_RECEIVED" => super::locations(&req, &["RECEIVING"]).await?,
        _ => vec![],
    };
    let body = html! {
        h1 { "Scan station" }
        form.scan method="get" action="/warehouse/scan" role="search" {
            div.field {
                label for="code" { "Scan a label" }
                input id="code" name="code" type="text" autofocus autocomplete="off"
                    spellcheck="false" data-gs1
                    aria-invalid=[problems.of("code").map(|_| "true")]
                    aria-describedby=(if problems.of("code").is_some() { "code-error code-hint" } else { "code-hint" });
                small.hint id="code-hint" {
                    "A scanner types the label and Enter. By hand: the bracketed form "
                    code { "(01)…(17)…(10)…" } " or a GS1 Digital Link URI."
                }
                @if let Some(m) = problems.of("code") { p.error id="code-error" { (m) } }
            }
            button type="submit" { "Look up" }
        }
        @if let Some(r) = &found { (result(&req, r, &receiving)) }
        (super::gs1_script())
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(req.respond(status, "Scan station", body))
}

/// The label in bracketed form, from the elements read, to carry into the
/// receipt form (a GS separator does not belong in a page).
fn bracketed(scan: &Value) -> String {
    scan["elements"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            format!(
                "({}){}",
                text(&e["ai"]),
                crate::inventory::gs1::bracketed_value(&text(&e["value"]))
            )
        })
        .collect()
}

fn result(req: &Req<'_>, r: &Value, receiving: &[(String, String)]) -> Markup {
    let status = text(&r["status"]);
    html! {
        section.scanned aria-labelledby="scan-heading" {
            h2 id="scan-heading" {
                @match status.as_str() {
                    "RECEIVED" => { "Lot " (text(&r["lot"]["lotNumber"])) }
                    "NOT_RECEIVED" => { "Not received yet: lot " (text(&r["lotNumber"])) }
                    "NO_LOT" => "A label without lot",
                    "UNKNOWN_GTIN" => "Not one of our products",
                    _ => "No product on this label",
                }
            }
            p.hint id="scan-status" { "Scan status: " code { (status) } }
            @for w in r["warnings"].as_array().into_iter().flatten() {
                p.warning role="alert" { (text(w)) }
            }
            @match status.as_str() {
                "RECEIVED" => { (lot(req, r)) }
                "NOT_RECEIVED" => {
                    p { "Our SKU " strong { (text(&r["sku"]["articleNumber"])) } " (" (text(&r["sku"]["name"])) "), lot "
                        strong { (text(&r["lotNumber"])) } " has not been received. Receive it into quarantine:" }
                    (receive::receive_markup(req, &Fields::default(), &Problems::default(), receiving, Some(&bracketed(r)), Some(r)))
                }
                "NO_LOT" => { p { "GTIN " (text(&r["gtin"])) " is our SKU " (text(&r["sku"]["articleNumber"])) ", but the label carries no lot (10): scan the unit's own label." } }
                "UNKNOWN_GTIN" => { p { "GTIN " (text(&r["gtin"])) " is not one of our SKUs nor a blank we have received." } }
                _ => { p { "The code carries no GTIN (01), e.g. a pallet label with only an SSCC: scan a unit's label." } }
            }
            details {
                summary { "Every element read" }
                div.scroll {
                    table id="elements" {
                        thead { tr { th scope="col" { "AI" } th scope="col" { "Title" } th scope="col" { "Value" } } }
                        tbody {
                            @for e in r["elements"].as_array().into_iter().flatten() {
                                tr { td { (text(&e["ai"])) } td { (text(&e["title"])) } td { (text(&e["value"])) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A received lot: what it is, its state, its stock and reservations, and
/// what may be done with it now.
fn lot(req: &Req<'_>, r: &Value) -> Markup {
    let l = &r["lot"];
    let id = text(&l["id"]);
    let effective = text(&l["effectiveState"]);
    let released = effective == "RELEASED";
    let may_move = req.may(Mutation, "transferStock") && req.may(Http, "GET /warehouse/move");
    let may_count = req.may(Mutation, "countStock") && req.may(Http, "GET /warehouse/count");
    let may_pick = req.may(Mutation, "pickReservation") && req.may(Http, "GET /warehouse/pick");
    let may_ship = req.may(Mutation, "shipReservation") && req.may(Http, "GET /warehouse/ship");
    let q = &l["quantities"];
    let lines = l["stock"].as_array().cloned().unwrap_or_default();
    let reservations = l["openReservations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    html! {
        (state_band(&effective, l["stateReason"].as_str()))
        dl.facts {
            dt { "SKU" } dd id="lot-sku" { (text(&r["sku"]["articleNumber"])) " — " (text(&r["sku"]["name"])) }
            dt { "Lot" } dd id="lot-number" { (text(&l["lotNumber"])) }
            dt { "Expiry" } dd id="lot-expiry" { @if l["expiryDate"].is_null() { "none" } @else { (text(&l["expiryDate"])) } }
            dt { "Produced" } dd { (text(&l["productionDate"])) }
            dt { "On hand" } dd id="lot-on-hand" { (num(&q["onHand"])) " " (text(&l["item"]["unit"])) }
            dt { "Available now" } dd { (num(&q["available"])) }
            dt { "Reserved" } dd { (num(&q["reserved"])) }
        }
        h3 { "Stock by location" }
        @if lines.is_empty() {
            p { "None on hand." }
        } @else {
            div.scroll {
                table id="lot-stock" {
                    thead { tr {
                        th scope="col" { "Location" } th scope="col" { "Type" }
                        th scope="col" { "On hand" } th scope="col" { "Reserved" } th scope="col" { "Free" }
                        th scope="col" { "Actions" }
                    } }
                    tbody {
                        @for s in &lines {
                            @let code = text(&s["location"]["code"]);
                            @let kind = text(&s["location"]["locationType"]);
                            @let free = num(&s["onHand"]) - num(&s["reserved"]);
                            @let free_s = free.to_string();
                            tr data-location=(code) {
                                td { (code) } td { (kind) }
                                td.num { (num(&s["onHand"])) } td.num { (num(&s["reserved"])) } td.num { (free) }
                                td.actions {
                                    @if may_move && free > 0 && released && kind != "STOCK" {
                                        a.action href=(link("/warehouse/move", &[("lot", &id), ("from", &code), ("quantity", &free_s), ("purpose", "putaway")])) { "Put away" }
                                    }
                                    @if may_move && free > 0 {
                                        a.action href=(link("/warehouse/move", &[("lot", &id), ("from", &code), ("purpose", "transfer")])) { "Transfer" }
                                    }
                                    @if may_move && free > 0 && kind != "QUARANTINE" {
                                        a.action href=(link("/warehouse/move", &[("lot", &id), ("from", &code), ("quantity", &free_s), ("purpose", "quarantine")])) { "Move to quarantine" }
                                    }
                                    @if may_count {
                                        a.action href=(link("/warehouse/count", &[("lot", &id), ("location", &code)])) { "Count" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h3 { "Open reservations" }
        @if reservations.is_empty() {
            p id="no-reservations" { "None." }
        } @else {
            div.scroll {
                table id="lot-reservations" {
                    thead { tr {
                        th scope="col" { "Reference" } th scope="col" { "Quantity" } th scope="col" { "At" }
                        th scope="col" { "Since (UTC)" } th scope="col" { "Actions" }
                    } }
                    tbody {
                        @for v in &reservations {
                            @let rid = text(&v["id"]);
                            tr {
                                td { (text(&v["reference"])) } td.num { (num(&v["quantity"])) }
                                td { (text(&v["location"]["code"])) } td { (super::when(&v["createdAt"])) }
                                td.actions {
                                    @if !released {
                                        span.blocked-note { "Cannot be picked or shipped while " (effective) }
                                    } @else {
                                        @if may_pick { a.action href=(link("/warehouse/pick", &[("reservation", &rid)])) { "Pick" } }
                                        @if may_ship { a.action href=(link("/warehouse/ship", &[("reservation", &rid)])) { "Ship" } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        p { a href=(link("/warehouse/lot", &[("id", &id)])) { "The ledger of lot " (text(&l["lotNumber"])) } }
    }
}
