//! The warehouse's short forms. Each `GET` draws the form (filled in from
//! the scan station's link), each `POST` runs one mutation as the
//! signed-in user — `receiveFinishedLot`, `transferStock` (put away,
//! transfer, move to quarantine), `countStock`, `pickReservation`,
//! `shipReservation` — and shows either the ledger row it made or the
//! API's `userErrors` beside the fields they name, with nothing changed.

use axum::{
    body::Bytes,
    extract::{Extension, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use maud::{Markup, html};
use serde_json::{Value, json};

use super::{
    Fields, LEDGER_ROW, Problem, Problems, Req, done, gs1_script, hidden, input, link, locations,
    num, select, state_band, status_of, text,
};
use crate::access::RequestId;
use crate::http::AppState;

type Rid = Option<Extension<RequestId>>;

fn rid(r: Rid) -> Option<RequestId> {
    r.map(|Extension(r)| r)
}

/// A whole number as the API's `Int`, else the text as typed (the API
/// names the field when it is not one).
fn int(v: &str) -> Value {
    v.parse::<i64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::String(v.to_owned()))
}

/// The first payload field of a mutation's data.
fn payload(d: &Value) -> &Value {
    d.as_object()
        .and_then(|o| o.values().next())
        .unwrap_or(&Value::Null)
}

// ---------------------------------------------------------------- receive

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

/// `GET /warehouse/receive`.
pub(super) async fn receive_form(
    State(s): State<AppState>,
    r: Rid,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let req = match Req::page(&s, &headers, rid(r), "GET /warehouse/receive").await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let f = Fields::query(raw.as_deref());
    let receiving = match locations(&req, &["RECEIVING"]).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let body = html! {
        h1 { "Receive a lot" }
        p { "Scan the lot's label into the first field; the SKU, lot and dates come from it. "
            "Received lots go into quarantine until quality releases them." }
        (receive_markup(&req, &f, &Problems::default(), &receiving, None, None))
        (gs1_script())
    };
    req.respond(StatusCode::OK, "Receive", body)
}

/// `POST /warehouse/receive`: `receiveFinishedLot`.
pub(super) async fn receive(
    State(s): State<AppState>,
    r: Rid,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (req, f) = match Req::post(&s, &headers, rid(r), "POST /warehouse/receive", &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let m = format!(
        "mutation Receive($input: ReceiveFinishedLotInput!, $key: String) {{ \
           receiveFinishedLot(input: $input, idempotencyKey: $key) {{ \
             lot {{ id lotNumber effectiveState stateReason expiryDate sku {{ articleNumber name }} \
                    movements(first: 1) {{ edges {{ node {{ {LEDGER_ROW} }} }} }} }} \
             userErrors {{ code field message }} }} }}"
    );
    let vars = json!({
        "input": {
            "code": f.opt("code"),
            "quantity": int(f.get("quantity")),
            "location": f.get("location"),
            "productionDate": f.opt("productionDate"),
            "reference": f.get("reference"),
        },
        "key": f.opt("key"),
    });
    let p = match req.gql(&m, vars).await {
        Ok(Ok(d)) => {
            let pl = payload(&d);
            let p = Problems::user_errors(pl, RECEIVE_MAP);
            if p.is_empty() {
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
                return req.respond(StatusCode::OK, "Received", body);
            }
            p
        }
        Ok(Err(e)) => problems_of(e, RECEIVE_MAP),
        Err(r) => return r,
    };
    let receiving = match locations(&req, &["RECEIVING"]).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let body = html! {
        h1 { "Receive a lot" }
        p { "Nothing was received." }
        (receive_markup(&req, &f, &p, &receiving, None, None))
        (gs1_script())
    };
    req.respond(status_of(&p), "Receive", body)
}

fn problems_of(e: Problem, map: &[(&str, &str)]) -> Problems {
    let mut p = Problems::default();
    p.place(e, map);
    p
}

// ------------------------------------------------------- move (transfer)

const LOT: &str = "query Lot($id: ID!) { node(id: $id) { ... on Lot { id lotNumber effectiveState stateReason \
    sku { articleNumber name } item { code } stock { location { code locationType } onHand reserved } } } }";

/// The lot a form is about, or a problem to show.
async fn lot_of(req: &Req<'_>, id: &str) -> Result<Result<Value, Problem>, Response> {
    if id.is_empty() {
        return Ok(Err(Problem::on(
            "",
            "No lot chosen: scan the lot at the scan station and choose the action there.",
        )));
    }
    Ok(match req.gql(LOT, json!({ "id": id })).await? {
        Ok(d) if d["node"]["lotNumber"].is_string() => Ok(d["node"].clone()),
        Ok(_) => Err(Problem::on("", format!("`{id}` is not a lot."))),
        Err(p) => Err(Problem::on("", p.message)),
    })
}

/// A lot's heading and state band.
fn lot_head(l: &Value) -> Markup {
    html! {
        p.lot-head { "Lot " strong id="form-lot" { (text(&l["lotNumber"])) } " of "
            (text(&l["item"]["code"]))
            @if let Some(n) = l["sku"]["name"].as_str() { " — " (n) } }
        (state_band(&text(&l["effectiveState"]), l["stateReason"].as_str()))
    }
}

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

async fn move_page(req: &Req<'_>, f: &Fields, mut p: Problems) -> Response {
    let (purpose, title, types) = purpose(f);
    let lot = match lot_of(req, f.get("lot")).await {
        Ok(Ok(l)) => Some(l),
        Ok(Err(e)) => {
            p.place(e, &[]);
            None
        }
        Err(r) => return r,
    };
    let to = match locations(req, types).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let from: Vec<(String, String)> = lot
        .as_ref()
        .and_then(|l| l["stock"].as_array().cloned())
        .unwrap_or_default()
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
    req.respond(status_of(&p), title, body)
}

/// `GET /warehouse/move`: put away, transfer or move to quarantine.
pub(super) async fn move_form(
    State(s): State<AppState>,
    r: Rid,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let req = match Req::page(&s, &headers, rid(r), "GET /warehouse/move").await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let f = Fields::query(raw.as_deref());
    let mut p = Problems::default();
    if f.get("lot").is_empty() {
        p.place(
            Problem::on(
                "",
                "No lot chosen: scan the lot at the scan station and choose the action there.",
            ),
            &[],
        );
        let body = html! { h1 { "Move stock" } (p.notice()) p { a href="/warehouse/scan" { "Go to the scan station" } } };
        return req.respond(StatusCode::OK, "Move stock", body);
    }
    move_page(&req, &f, p).await
}

/// `POST /warehouse/move`: `transferStock`.
pub(super) async fn transfer(
    State(s): State<AppState>,
    r: Rid,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (req, f) = match Req::post(&s, &headers, rid(r), "POST /warehouse/move", &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let m = format!(
        "mutation Move($input: TransferStockInput!, $key: String) {{ \
           transferStock(input: $input, idempotencyKey: $key) {{ movement {{ {LEDGER_ROW} }} userErrors {{ code field message }} }} }}"
    );
    let vars = json!({
        "input": {
            "lotId": f.get("lot"),
            "from": f.get("from"),
            "to": f.get("to"),
            "quantity": int(f.get("quantity")),
            "reference": f.get("reference"),
        },
        "key": f.opt("key"),
    });
    let p = match req.gql(&m, vars).await {
        Ok(Ok(d)) => {
            let pl = payload(&d);
            let p = Problems::user_errors(pl, MOVE_MAP);
            if p.is_empty() {
                let (_, title, _) = purpose(&f);
                let body = html! {
                    h1 { (title) ": done" }
                    (done("Moved", Some(&pl["movement"])))
                    p { a href="/warehouse/scan" { "Scan the next label" } " · "
                        a href=(link("/warehouse/lot", &[("id", f.get("lot"))])) { "The lot's ledger" } }
                };
                return req.respond(StatusCode::OK, title, body);
            }
            p
        }
        Ok(Err(e)) => problems_of(e, MOVE_MAP),
        Err(r) => return r,
    };
    move_page(&req, &f, p).await
}

// ------------------------------------------------------------------ count

const COUNT_MAP: &[(&str, &str)] = &[
    ("input.location", "location"),
    ("input.counted", "counted"),
    ("input.reference", "reference"),
];

async fn count_page(req: &Req<'_>, f: &Fields, mut p: Problems) -> Response {
    let lot = match lot_of(req, f.get("lot")).await {
        Ok(Ok(l)) => Some(l),
        Ok(Err(e)) => {
            p.place(e, &[]);
            None
        }
        Err(r) => return r,
    };
    let at = f.get("location");
    // What the system holds there now: the count is checked against it.
    let expected = lot
        .as_ref()
        .and_then(|l| l["stock"].as_array().cloned())
        .unwrap_or_default()
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
    req.respond(status_of(&p), "Count", body)
}

/// `GET /warehouse/count`.
pub(super) async fn count_form(
    State(s): State<AppState>,
    r: Rid,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let req = match Req::page(&s, &headers, rid(r), "GET /warehouse/count").await {
        Ok(r) => r,
        Err(r) => return r,
    };
    count_page(&req, &Fields::query(raw.as_deref()), Problems::default()).await
}

/// `POST /warehouse/count`: `countStock`.
pub(super) async fn count(
    State(s): State<AppState>,
    r: Rid,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (req, f) = match Req::post(&s, &headers, rid(r), "POST /warehouse/count", &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let m = format!(
        "mutation Count($input: CountStockInput!, $key: String) {{ \
           countStock(input: $input, idempotencyKey: $key) {{ movement {{ {LEDGER_ROW} }} userErrors {{ code field message }} }} }}"
    );
    let vars = json!({
        "input": {
            "lotId": f.get("lot"),
            "location": f.get("location"),
            "expected": int(f.get("expected")),
            "counted": int(f.get("counted")),
            "reference": f.get("reference"),
        },
        "key": f.opt("key"),
    });
    let p = match req.gql(&m, vars).await {
        Ok(Ok(d)) => {
            let pl = payload(&d);
            let p = Problems::user_errors(pl, COUNT_MAP);
            if p.is_empty() {
                let row = pl["movement"].is_object().then_some(&pl["movement"]);
                let body = html! {
                    h1 { "Count recorded" }
                    @if row.is_none() { p id="count-matched" { "The count matches the system: nothing to adjust." } }
                    (done("Counted", row))
                    p { a href="/warehouse/scan" { "Scan the next label" } }
                };
                return req.respond(StatusCode::OK, "Count", body);
            }
            p
        }
        Ok(Err(e)) => problems_of(e, COUNT_MAP),
        Err(r) => return r,
    };
    // A stale count shows the new figure: the form is drawn afresh.
    let mut again = Fields::default();
    for k in ["lot", "location", "reference"] {
        again.0.insert(k.into(), f.get(k).to_owned());
    }
    count_page(&req, &again, p).await
}

// ------------------------------------------------------------------- pick

const RESERVATION: &str = "query Reservation($id: ID!) { node(id: $id) { ... on Reservation { id reference quantity status \
    location { code } lot { id lotNumber effectiveState stateReason expiryDate item { code } sku { articleNumber name } } } } }";

async fn reservation_of(req: &Req<'_>, id: &str) -> Result<Result<Value, Problem>, Response> {
    if id.is_empty() {
        return Ok(Err(Problem::on("", "No reservation chosen.")));
    }
    Ok(match req.gql(RESERVATION, json!({ "id": id })).await? {
        Ok(d) if d["node"]["reference"].is_string() => Ok(d["node"].clone()),
        Ok(_) => Err(Problem::on("", format!("`{id}` is not a reservation."))),
        Err(p) => Err(Problem::on("", p.message)),
    })
}

fn reservation_head(v: &Value) -> Markup {
    html! {
        dl.facts id="reservation" {
            dt { "For" } dd id="reservation-reference" { (text(&v["reference"])) }
            dt { "Quantity" } dd { (num(&v["quantity"])) }
            dt { "Lot" } dd id="reservation-lot" { (text(&v["lot"]["lotNumber"])) " of " (text(&v["lot"]["item"]["code"])) }
            dt { "At" } dd { (text(&v["location"]["code"])) }
            dt { "Status" } dd { (text(&v["status"])) }
        }
        (state_band(&text(&v["lot"]["effectiveState"]), v["lot"]["stateReason"].as_str()))
    }
}

const PICK_MAP: &[(&str, &str)] = &[("input.code", "code")];

async fn pick_page(req: &Req<'_>, f: &Fields, mut p: Problems) -> Response {
    let reference = f.get("reference");
    let id = f.get("reservation");
    if id.is_empty() {
        // Choose a reservation by its reference.
        let mut rows = vec![];
        if !reference.is_empty() {
            match req
                .gql(
                    "query Reserved($r: String!) { reservations(reference: $r, first: 100) { edges { node { id quantity status location { code } lot { lotNumber item { code } } } } } }",
                    json!({ "r": reference }),
                )
                .await
            {
                Ok(Ok(d)) => {
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
                Ok(Err(e)) => p.place(e, &[("reference", "reference")]),
                Err(r) => return r,
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
        return req.respond(status_of(&p), "Pick", body);
    }
    let v = match reservation_of(req, id).await {
        Ok(Ok(v)) => Some(v),
        Ok(Err(e)) => {
            p.place(e, &[]);
            None
        }
        Err(r) => return r,
    };
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
    req.respond(status_of(&p), "Pick", body)
}

/// `GET /warehouse/pick`: reservations of a reference, or the pick form of one.
pub(super) async fn pick_form(
    State(s): State<AppState>,
    r: Rid,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let req = match Req::page(&s, &headers, rid(r), "GET /warehouse/pick").await {
        Ok(r) => r,
        Err(r) => return r,
    };
    pick_page(&req, &Fields::query(raw.as_deref()), Problems::default()).await
}

/// `POST /warehouse/pick`: `pickReservation`, refused for a unit of another lot.
pub(super) async fn pick(
    State(s): State<AppState>,
    r: Rid,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (req, f) = match Req::post(&s, &headers, rid(r), "POST /warehouse/pick", &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let m = format!(
        "mutation Pick($input: PickReservationInput!, $key: String) {{ \
           pickReservation(input: $input, idempotencyKey: $key) {{ movement {{ {LEDGER_ROW} }} userErrors {{ code field message }} }} }}"
    );
    // Not trimmed: a GS separator may end the label.
    let code = f.0.get("code").cloned().unwrap_or_default();
    let vars = json!({
        "input": { "reservationId": f.get("reservation"), "code": code },
        "key": f.opt("key"),
    });
    let p = match req.gql(&m, vars).await {
        Ok(Ok(d)) => {
            let pl = payload(&d);
            let p = Problems::user_errors(pl, PICK_MAP);
            if p.is_empty() {
                let id = f.get("reservation");
                let body = html! {
                    h1 { "Picked" }
                    (done("Pick recorded", Some(&pl["movement"])))
                    @if req.may(crate::access::permissions::OpKind::Http, "GET /warehouse/ship") {
                        p { a.action href=(link("/warehouse/ship", &[("reservation", id)])) { "Ship it" } }
                    }
                };
                return req.respond(StatusCode::OK, "Picked", body);
            }
            p
        }
        Ok(Err(e)) => problems_of(e, PICK_MAP),
        Err(r) => return r,
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

async fn ship_page(req: &Req<'_>, f: &Fields, mut p: Problems) -> Response {
    let v = match reservation_of(req, f.get("reservation")).await {
        Ok(Ok(v)) => Some(v),
        Ok(Err(e)) => {
            p.place(e, &[]);
            None
        }
        Err(r) => return r,
    };
    let clinics: Vec<(String, String)> = match req
        .gql(
            "query Clinics { clinics(first: 500) { edges { node { code name } } } }",
            Value::Null,
        )
        .await
    {
        Ok(Ok(d)) => d["clinics"]["edges"]
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
        Ok(Err(_)) => vec![],
        Err(r) => return r,
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
    req.respond(status_of(&p), "Ship", body)
}

/// `GET /warehouse/ship`.
pub(super) async fn ship_form(
    State(s): State<AppState>,
    r: Rid,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let req = match Req::page(&s, &headers, rid(r), "GET /warehouse/ship").await {
        Ok(r) => r,
        Err(r) => return r,
    };
    ship_page(&req, &Fields::query(raw.as_deref()), Problems::default()).await
}

/// `POST /warehouse/ship`: `shipReservation` to the consignee named.
pub(super) async fn ship(
    State(s): State<AppState>,
    r: Rid,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (req, f) = match Req::post(&s, &headers, rid(r), "POST /warehouse/ship", &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let m = format!(
        "mutation Ship($input: ShipReservationInput!, $key: String) {{ \
           shipReservation(input: $input, idempotencyKey: $key) {{ \
             reservations {{ id status reference quantity lot {{ movements(last: 5) {{ edges {{ node {{ {LEDGER_ROW} }} }} }} }} }} \
             userErrors {{ code field message }} }} }}"
    );
    let given = ["clinic", "name", "address", "contact"]
        .iter()
        .any(|k| !f.get(k).is_empty());
    let consignee = if given {
        json!({ "clinic": f.opt("clinic"), "name": f.opt("name"), "address": f.opt("address"), "contact": f.opt("contact") })
    } else {
        Value::Null
    };
    let vars = json!({
        "input": { "reservationId": f.get("reservation"), "consignee": consignee },
        "key": f.opt("key"),
    });
    let p = match req.gql(&m, vars).await {
        Ok(Ok(d)) => {
            let pl = payload(&d);
            let p = Problems::user_errors(pl, SHIP_MAP);
            if p.is_empty() {
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
                return req.respond(StatusCode::OK, "Shipped", body);
            }
            p
        }
        Ok(Err(e)) => problems_of(e, SHIP_MAP),
        Err(r) => return r,
    };
    ship_page(&req, &f, p).await
}
