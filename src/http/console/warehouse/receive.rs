//! Receiving a finished lot from its label (`receiveFinishedLot`): the lot
//! goes into quarantine at a receiving location.

use axum::{http::StatusCode, response::Response};
use maud::{Markup, html};
use serde_json::{Value, json};

use super::forms::{int, mutate, mutation};
use super::{
    Fields, Get, LEDGER_ROW, Post, Problems, Req, done, gs1_script, hidden, input, link, locations,
    select, state_band, status_of, text,
};

const RECEIVE_MAP: &[(&str, &str)] = &[
    ("input.code", "code"),
    ("input.gtin", "code"),
    ("input.articleNumber", "code"),
    ("input.lotNumber", "code"),
    ("input.expiryDate", "code"),
    ("input.quantity", "quantity"),
    ("input.location", "location"),
    ("input.productionDate", "productionDate"),
    ("input.reference", "reference"),
];

/// The receipt form; `code` and `label` (what `scan` read) when it comes
/// from a scanned label.
pub(super) fn receive_markup(
    req: &Req<'_>,
    f: &Fields,
    p: &Problems,
    receiving: &[(String, String)],
    code: Option<&str>,
    label: Option<&Value>,
) -> Markup {
    let code = code.unwrap_or(f.get("code"));
    let location = match f.get("location") {
        "" if receiving.len() == 1 => receiving[0].0.as_str(),
        l => l,
    };
    html! {
        form.action-form id="receive-form" method="post" action="/warehouse/receive" {
            (hidden(req))
            @if let Some(l) = label {
                dl.facts {
                    dt { "SKU" } dd { (text(&l["sku"]["articleNumber"])) " — " (text(&l["sku"]["name"])) }
                    dt { "Lot" } dd { (text(&l["lotNumber"])) }
                    dt { "Produced" } dd { @if l["productionDate"].is_null() { "not on the label" } @else { (text(&l["productionDate"])) } }
                    dt { "Expiry" } dd { @if l["expiryDate"].is_null() { "not on the label" } @else { (text(&l["expiryDate"])) } }
                }
            }
            (p.notice())
            div.fields {
                (input("code", "Label (as scanned)", "text", code, p, None))
                (input("quantity", "Quantity (pieces)", "number", f.get("quantity"), p, None))
                (select("location", "Receiving location", location, receiving, "— choose —", p))
                (input("productionDate", "Production date (if not on the label)", "date", f.get("productionDate"), p, None))
                (input("reference", "Reference (delivery note)", "text", f.get("reference"), p, None))
            }
            button type="submit" id="receive" { "Receive into quarantine" }
        }
    }
}

/// The receipt form page, with `intro` above it.
async fn receive_page(
    req: &Req<'_>,
    f: &Fields,
    p: &Problems,
    intro: Markup,
) -> Result<Response, Response> {
    let receiving = locations(req, &["RECEIVING"]).await?;
    let body = html! {
        h1 { "Receive a lot" }
        (intro)
        (receive_markup(req, f, p, &receiving, None, None))
        (gs1_script())
    };
    Ok(req.respond(status_of(p), "Receive", body))
}

/// `GET /warehouse/receive`.
pub(super) async fn receive_form(g: Get) -> Result<Response, Response> {
    let (req, f) = g.open("GET /warehouse/receive").await?;
    let intro = html! {
        p { "Scan the lot's label into the first field; the SKU, lot and dates come from it. "
            "Received lots go into quarantine until quality releases them." }
    };
    receive_page(&req, &f, &Problems::default(), intro).await
}

/// `POST /warehouse/receive`: `receiveFinishedLot`.
pub(super) async fn receive(post: Post) -> Result<Response, Response> {
    let (req, f) = post.open("POST /warehouse/receive").await?;
    let m = mutation(
        "Receive",
        "ReceiveFinishedLotInput",
        "receiveFinishedLot",
        &format!(
            "lot {{ id lotNumber effectiveState stateReason expiryDate sku {{ articleNumber name }} \
               movements(first: 1) {{ edges {{ node {{ {LEDGER_ROW} }} }} }} }}"
        ),
    );
    let input = json!({
        "code": f.opt("code"),
        "quantity": int(f.get("quantity")),
        "location": f.get("location"),
        "productionDate": f.opt("productionDate"),
        "reference": f.get("reference"),
    });
    let p = match mutate(&req, &f, &m, input, RECEIVE_MAP).await? {
        Ok(pl) => {
            let l = &pl["lot"];
            let row = &l["movements"]["edges"][0]["node"];
            let body = html! {
                h1 { "Received" }
                p id="received" { "Lot " strong { (text(&l["lotNumber"])) } " of "
                    (text(&l["sku"]["articleNumber"])) " — " (text(&l["sku"]["name"])) " is in." }
                (state_band(&text(&l["effectiveState"]), l["stateReason"].as_str()))
                (done("Receipt booked", Some(row)))
                p { a href="/warehouse/scan" { "Scan the next label" } " · "
                    a href=(link("/warehouse/lot", &[("id", &text(&l["id"]))])) { "The lot's ledger" } }
            };
            return Ok(req.respond(StatusCode::OK, "Received", body));
        }
        Err(p) => p,
    };
    receive_page(&req, &f, &p, html! { p { "Nothing was received." } }).await
}
