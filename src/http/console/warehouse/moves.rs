//! Moving and counting a lot's stock: put away, transfer and move to
//! quarantine (`transferStock`), and a count at one location
//! (`countStock`).

use axum::{http::StatusCode, response::Response};
use maud::html;
use serde_json::json;

use super::forms::{NO_LOT, int, lot_head, lot_of, mutate, mutation, stock_lines};
use super::{
    Fields, Get, LEDGER_ROW, Post, Problem, Problems, Req, done, hidden, input, link, locations,
    num, select, status_of, text,
};

// ------------------------------------------------------- move (transfer)

const MOVE_MAP: &[(&str, &str)] = &[
    ("input.from", "from"),
    ("input.to", "to"),
    ("input.quantity", "quantity"),
    ("input.reference", "reference"),
];

fn purpose(f: &Fields) -> (&'static str, &'static str, &'static [&'static str]) {
    match f.get("purpose") {
        "putaway" => ("putaway", "Put away", &["STOCK"]),
        "quarantine" => ("quarantine", "Move to quarantine", &["QUARANTINE"]),
        _ => ("transfer", "Transfer", &[]),
    }
}

async fn move_page(req: &Req<'_>, f: &Fields, mut p: Problems) -> Result<Response, Response> {
    let (purpose, title, types) = purpose(f);
    let lot = lot_of(req, f.get("lot"), &mut p).await?;
    let to = locations(req, types).await?;
    let from: Vec<(String, String)> = stock_lines(lot.as_ref())
        .iter()
        .map(|s| {
            let free = num(&s["onHand"]) - num(&s["reserved"]);
            (
                text(&s["location"]["code"]),
                format!(
                    "{} ({}, {free} free)",
                    text(&s["location"]["code"]),
                    text(&s["location"]["locationType"])
                ),
            )
        })
        .collect();
    let to_value = match f.get("to") {
        "" if to.len() == 1 => to[0].0.clone(),
        v => v.to_owned(),
    };
    let body = html! {
        h1 { (title) }
        @if let Some(l) = &lot { (lot_head(l)) }
        @if purpose == "putaway" { p { "Put the lot's free units on a stock shelf, where they can be promised." } }
        @if purpose == "quarantine" { p { "Move the units into the quarantine cage, apart from usable stock." } }
        @if let Some(l) = &lot {
            form.action-form id="move-form" method="post" action="/warehouse/move" {
                (hidden(req))
                input type="hidden" name="lot" value=(text(&l["id"]));
                input type="hidden" name="purpose" value=(purpose);
                (p.notice())
                div.fields {
                    (select("from", "From", f.get("from"), &from, "— choose —", &p))
                    (select("to", "To", &to_value, &to, "— choose —", &p))
                    (input("quantity", "Quantity", "number", f.get("quantity"), &p, None))
                    (input("reference", "Reference", "text", match f.get("reference") { "" => purpose, r => r }, &p, None))
                }
                button type="submit" id="move" { (title) }
            }
        } @else {
            (p.notice())
            p { a href="/warehouse/scan" { "Go to the scan station" } }
        }
    };
    Ok(req.respond(status_of(&p), title, body))
}

/// `GET /warehouse/move`: put away, transfer or move to quarantine.
pub(super) async fn move_form(g: Get) -> Result<Response, Response> {
    let (req, f) = g.open("GET /warehouse/move").await?;
    if f.get("lot").is_empty() {
        let mut p = Problems::default();
        p.place(Problem::on("", NO_LOT), &[]);
        let body = html! { h1 { "Move stock" } (p.notice()) p { a href="/warehouse/scan" { "Go to the scan station" } } };
        return Ok(req.respond(StatusCode::OK, "Move stock", body));
    }
    move_page(&req, &f, Problems::default()).await
}

/// `POST /warehouse/move`: `transferStock`.
pub(super) async fn transfer(post: Post) -> Result<Response, Response> {
    let (req, f) = post.open("POST /warehouse/move").await?;
    let m = mutation(
        "Move",
        "TransferStockInput",
        "transferStock",
        &format!("movement {{ {LEDGER_ROW} }}"),
    );
    let input = json!({
        "lotId": f.get("lot"),
        "from": f.get("from"),
        "to": f.get("to"),
        "quantity": int(f.get("quantity")),
        "reference": f.get("reference"),
    });
    let p = match mutate(&req, &f, &m, input, MOVE_MAP).await? {
        Ok(pl) => {
            let (_, title, _) = purpose(&f);
            let body = html! {
                h1 { (title) ": done" }
                (done("Moved", Some(&pl["movement"])))
                p { a href="/warehouse/scan" { "Scan the next label" } " · "
                    a href=(link("/warehouse/lot", &[("id", f.get("lot"))])) { "The lot's ledger" } }
            };
            return Ok(req.respond(StatusCode::OK, title, body));
        }
        Err(p) => p,
    };
    move_page(&req, &f, p).await
}

// ------------------------------------------------------------------ count

const COUNT_MAP: &[(&str, &str)] = &[
    ("input.location", "location"),
    ("input.counted", "counted"),
    ("input.reference", "reference"),
];

async fn count_page(req: &Req<'_>, f: &Fields, mut p: Problems) -> Result<Response, Response> {
    let lot = lot_of(req, f.get("lot"), &mut p).await?;
    let at = f.get("location");
    // What the system holds there now: the count is checked against it.
    let expected = stock_lines(lot.as_ref())
        .iter()
        .find(|s| s["location"]["code"] == at)
        .map(|s| num(&s["onHand"]))
        .unwrap_or(0);
    let body = html! {
        h1 { "Count" }
        @if let Some(l) = &lot {
            (lot_head(l))
            form.action-form id="count-form" method="post" action="/warehouse/count" {
                (hidden(req))
                input type="hidden" name="lot" value=(text(&l["id"]));
                input type="hidden" name="expected" value=(expected);
                (p.notice())
                p { "At " strong { (at) } " the system holds " strong id="expected" { (expected) } ". Count what is there." }
                div.fields {
                    input type="hidden" name="location" value=(at);
                    @if let Some(m) = p.of("location") { p.error id="location-error" { (m) } }
                    (input("counted", "Counted", "number", f.get("counted"), &p, None))
                    (input("reference", "Reference (count sheet)", "text", f.get("reference"), &p, None))
                }
                button type="submit" id="count" { "Record the count" }
            }
        } @else {
            (p.notice())
            p { a href="/warehouse/scan" { "Go to the scan station" } }
        }
    };
    Ok(req.respond(status_of(&p), "Count", body))
}

/// `GET /warehouse/count`.
pub(super) async fn count_form(g: Get) -> Result<Response, Response> {
    let (req, f) = g.open("GET /warehouse/count").await?;
    count_page(&req, &f, Problems::default()).await
}

/// `POST /warehouse/count`: `countStock`.
pub(super) async fn count(post: Post) -> Result<Response, Response> {
    let (req, f) = post.open("POST /warehouse/count").await?;
    let m = mutation(
        "Count",
        "CountStockInput",
        "countStock",
        &format!("movement {{ {LEDGER_ROW} }}"),
    );
    let input = json!({
        "lotId": f.get("lot"),
        "location": f.get("location"),
        "expected": int(f.get("expected")),
        "counted": int(f.get("counted")),
        "reference": f.get("reference"),
    });
    let p = match mutate(&req, &f, &m, input, COUNT_MAP).await? {
        Ok(pl) => {
            let row = pl["movement"].is_object().then_some(&pl["movement"]);
            let body = html! {
                h1 { "Count recorded" }
                @if row.is_none() { p id="count-matched" { "The count matches the system: nothing to adjust." } }
                (done("Counted", row))
                p { a href="/warehouse/scan" { "Scan the next label" } }
            };
            return Ok(req.respond(StatusCode::OK, "Count", body));
        }
        Err(p) => p,
    };
    // A stale count shows the new figure: the form is drawn afresh.
    let mut again = Fields::default();
    for k in ["lot", "location", "reference"] {
        again.0.insert(k.into(), f.get(k).to_owned());
    }
    count_page(&req, &again, p).await
}
