//! Stock leaving: picking a reservation's unit by scanning it
//! (`pickReservation`, refused for a unit of another lot) and shipping it
//! to a consignee (`shipReservation`).

use axum::{http::StatusCode, response::Response};
use maud::html;
use serde_json::{Value, json};

use super::forms::{mutate, mutation, reservation_head, reservation_of};
use super::{
    Fields, Get, LEDGER_ROW, Post, Problem, Problems, Req, done, gs1_script, hidden, input, link,
    num, select, status_of, text,
};

// ------------------------------------------------------------------- pick

const PICK_MAP: &[(&str, &str)] = &[("input.code", "code")];

/// The open reservations of a reference to choose from.
async fn pick_list(req: &Req<'_>, reference: &str, mut p: Problems) -> Result<Response, Response> {
    let mut rows = vec![];
    if !reference.is_empty() {
        match req
            .gql(
                "query Reserved($r: String!) { reservations(reference: $r, first: 100) { edges { node { id quantity status location { code } lot { lotNumber item { code } } } } } }",
                json!({ "r": reference }),
            )
            .await?
        {
            Ok(d) => {
                rows = d["reservations"]["edges"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|e| e["node"].clone())
                    .filter(|n| n["status"] == "OPEN")
                    .collect();
                if rows.is_empty() {
                    p.place(
                        Problem::on("reference", format!("No open reservation for `{reference}`.")),
                        &[("reference", "reference")],
                    );
                }
            }
            Err(e) => p.place(e, &[("reference", "reference")]),
        }
    }
    let body = html! {
        h1 { "Pick" }
        form.action-form method="get" action="/warehouse/pick" {
            div.fields {
                (input("reference", "Reservation reference (case or order)", "text", reference, &p, None))
            }
            button type="submit" { "Find reservations" }
        }
        (p.notice())
        @if !rows.is_empty() {
            div.scroll {
                table id="pick-list" {
                    thead { tr { th scope="col" { "Lot" } th scope="col" { "Item" } th scope="col" { "Quantity" } th scope="col" { "At" } th scope="col" { "" } } }
                    tbody {
                        @for n in &rows {
                            tr {
                                td { (text(&n["lot"]["lotNumber"])) } td { (text(&n["lot"]["item"]["code"])) }
                                td.num { (num(&n["quantity"])) } td { (text(&n["location"]["code"])) }
                                td { a.action href=(link("/warehouse/pick", &[("reservation", &text(&n["id"]))])) { "Pick" } }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(req.respond(status_of(&p), "Pick", body))
}

async fn pick_page(req: &Req<'_>, f: &Fields, mut p: Problems) -> Result<Response, Response> {
    let id = f.get("reservation");
    if id.is_empty() {
        // Choose a reservation by its reference.
        return pick_list(req, f.get("reference"), p).await;
    }
    let v = reservation_of(req, id, &mut p).await?;
    let body = html! {
        h1 { "Pick" }
        @if let Some(v) = &v {
            (reservation_head(v))
            form.action-form id="pick-form" method="post" action="/warehouse/pick" {
                (hidden(req))
                input type="hidden" name="reservation" value=(text(&v["id"]));
                (p.notice())
                div.fields {
                    div.field {
                        label for="code" { "Scan the unit you took" }
                        input id="code" name="code" type="text" autofocus autocomplete="off" spellcheck="false" data-gs1
                            aria-invalid=[p.of("code").map(|_| "true")]
                            aria-describedby=[p.of("code").map(|_| "code-error")];
                        @if let Some(m) = p.of("code") { p.error id="code-error" { (m) } }
                    }
                }
                button type="submit" id="pick" { "Pick" }
            }
            (gs1_script())
        } @else {
            (p.notice())
        }
    };
    Ok(req.respond(status_of(&p), "Pick", body))
}

/// `GET /warehouse/pick`: reservations of a reference, or the pick form of one.
pub(super) async fn pick_form(g: Get) -> Result<Response, Response> {
    let (req, f) = g.open("GET /warehouse/pick").await?;
    pick_page(&req, &f, Problems::default()).await
}

/// `POST /warehouse/pick`: `pickReservation`, refused for a unit of another lot.
pub(super) async fn pick(post: Post) -> Result<Response, Response> {
    let (req, f) = post.open("POST /warehouse/pick").await?;
    let m = mutation(
        "Pick",
        "PickReservationInput",
        "pickReservation",
        &format!("movement {{ {LEDGER_ROW} }}"),
    );
    // Not trimmed: a GS separator may end the label.
    let code = f.0.get("code").cloned().unwrap_or_default();
    let input = json!({ "reservationId": f.get("reservation"), "code": code });
    let p = match mutate(&req, &f, &m, input, PICK_MAP).await? {
        Ok(pl) => {
            let id = f.get("reservation");
            let body = html! {
                h1 { "Picked" }
                (done("Pick recorded", Some(&pl["movement"])))
                @if req.may(crate::access::permissions::OpKind::Http, "GET /warehouse/ship") {
                    p { a.action href=(link("/warehouse/ship", &[("reservation", id)])) { "Ship it" } }
                }
            };
            return Ok(req.respond(StatusCode::OK, "Picked", body));
        }
        Err(p) => p,
    };
    // A fresh key: the refused pick did nothing, the next scan is a new try.
    let mut again = Fields::default();
    again
        .0
        .insert("reservation".into(), f.get("reservation").to_owned());
    pick_page(&req, &again, p).await
}

// ------------------------------------------------------------------- ship

const SHIP_MAP: &[(&str, &str)] = &[
    ("input.consignee", "clinic"),
    ("input.consignee.clinic", "clinic"),
    ("input.consignee.name", "name"),
    ("input.consignee.address", "address"),
    ("input.consignee.contact", "contact"),
];

async fn ship_page(req: &Req<'_>, f: &Fields, mut p: Problems) -> Result<Response, Response> {
    let v = reservation_of(req, f.get("reservation"), &mut p).await?;
    let clinics: Vec<(String, String)> = match req
        .gql(
            "query Clinics { clinics(first: 500) { edges { node { code name } } } }",
            Value::Null,
        )
        .await?
    {
        Ok(d) => d["clinics"]["edges"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    text(&e["node"]["code"]),
                    format!(
                        "{} — {}",
                        text(&e["node"]["code"]),
                        text(&e["node"]["name"])
                    ),
                )
            })
            .collect(),
        Err(_) => vec![],
    };
    let body = html! {
        h1 { "Ship" }
        @if let Some(v) = &v {
            (reservation_head(v))
            form.action-form id="ship-form" method="post" action="/warehouse/ship" {
                (hidden(req))
                input type="hidden" name="reservation" value=(text(&v["id"]));
                (p.notice())
                fieldset {
                    legend { "Who receives it: a clinic of the register…" }
                    div.fields { (select("clinic", "Clinic", f.get("clinic"), &clinics, "— none —", &p)) }
                }
                fieldset {
                    legend { "…or another consignee, by name and address" }
                    div.fields {
                        (input("name", "Consignee name", "text", f.get("name"), &p, None))
                        (input("address", "Address", "text", f.get("address"), &p, None))
                        (input("contact", "Contact (e-mail or phone)", "text", f.get("contact"), &p, None))
                    }
                }
                button type="submit" id="ship" { "Ship" }
            }
        } @else {
            (p.notice())
            p { a href="/warehouse/pick" { "Find a reservation" } }
        }
    };
    Ok(req.respond(status_of(&p), "Ship", body))
}

/// `GET /warehouse/ship`.
pub(super) async fn ship_form(g: Get) -> Result<Response, Response> {
    let (req, f) = g.open("GET /warehouse/ship").await?;
    ship_page(&req, &f, Problems::default()).await
}

/// `POST /warehouse/ship`: `shipReservation` to the consignee named.
pub(super) async fn ship(post: Post) -> Result<Response, Response> {
    let (req, f) = post.open("POST /warehouse/ship").await?;
    let m = mutation(
        "Ship",
        "ShipReservationInput",
        "shipReservation",
        &format!(
            "reservations {{ id status reference quantity lot {{ movements(last: 5) {{ edges {{ node {{ {LEDGER_ROW} }} }} }} }} }}"
        ),
    );
    let given = ["clinic", "name", "address", "contact"]
        .iter()
        .any(|k| !f.get(k).is_empty());
    let consignee = if given {
        json!({ "clinic": f.opt("clinic"), "name": f.opt("name"), "address": f.opt("address"), "contact": f.opt("contact") })
    } else {
        Value::Null
    };
    let input = json!({ "reservationId": f.get("reservation"), "consignee": consignee });
    let p = match mutate(&req, &f, &m, input, SHIP_MAP).await? {
        Ok(pl) => {
            let res = &pl["reservations"][0];
            // The shipment row: the lot's latest SHIPMENT for this reference.
            let rows = res["lot"]["movements"]["edges"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let row = rows
                .iter()
                .rev()
                .map(|e| &e["node"])
                .find(|n| n["reason"] == "SHIPMENT" && n["reference"] == res["reference"]);
            let body = html! {
                h1 { "Shipped" }
                p id="shipped" { (num(&res["quantity"])) " unit(s) for " (text(&res["reference"])) " shipped." }
                (done("Shipment booked", row))
                p { a href="/warehouse/scan" { "Scan the next label" } }
            };
            return Ok(req.respond(StatusCode::OK, "Shipped", body));
        }
        Err(p) => p,
    };
    ship_page(&req, &f, p).await
}
