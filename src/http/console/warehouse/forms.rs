//! What the warehouse's short forms share. Each form (receive, moves,
//! outgoing) draws itself on `GET` (filled in from the scan station's
//! link) and on `POST` runs one mutation as the signed-in user —
//! `receiveFinishedLot`, `transferStock` (put away, transfer, move to
//! quarantine), `countStock`, `pickReservation`, `shipReservation` —
//! through [`mutate`], and shows either the ledger row it made or the
//! API's `userErrors` beside the fields they name, with nothing changed.

use axum::response::Response;
use maud::{Markup, html};
use serde_json::{Value, json};

use super::{Fields, Problem, Problems, Req, num, state_band, text};

/// A whole number as the API's `Int`, else the text as typed (the API
/// names the field when it is not one).
pub(in crate::http::console) fn int(v: &str) -> Value {
    v.parse::<i64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::String(v.to_owned()))
}

/// The text of a form's mutation: `field(input: $input, idempotencyKey:
/// $key)` of input type `input`, selecting `selection` and the
/// `userErrors`.
pub(in crate::http::console) fn mutation(
    name: &str,
    input: &str,
    field: &str,
    selection: &str,
) -> String {
    format!(
        "mutation {name}($input: {input}!, $key: String) {{ \
           {field}(input: $input, idempotencyKey: $key) {{ {selection} \
             userErrors {{ code field message }} }} }}"
    )
}

/// Runs a form's one mutation `m` as the user with `input` and the form's
/// idempotency key: its payload when it made its change, else the problems
/// to show beside the fields `map` names (the payload's `userErrors`, or
/// the refused input), with nothing changed. A refusal or an internal
/// error is the page to send instead.
pub(in crate::http::console) async fn mutate(
    req: &Req<'_>,
    f: &Fields,
    m: &str,
    input: Value,
    map: &[(&str, &str)],
) -> Result<Result<Value, Problems>, Response> {
    let vars = json!({ "input": input, "key": f.opt("key") });
    Ok(match req.gql(m, vars).await? {
        Ok(d) => {
            let pl = d
                .as_object()
                .and_then(|o| o.values().next())
                .cloned()
                .unwrap_or(Value::Null);
            let p = Problems::user_errors(&pl, map);
            if p.is_empty() { Ok(pl) } else { Err(p) }
        }
        Err(e) => {
            let mut p = Problems::default();
            p.place(e, map);
            Err(p)
        }
    })
}

/// The thing a form is about, or none with its problem placed in `p`.
fn or_place(r: Result<Value, Problem>, p: &mut Problems) -> Option<Value> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            p.place(e, &[]);
            None
        }
    }
}

const LOT: &str = "query Lot($id: ID!) { node(id: $id) { ... on Lot { id lotNumber effectiveState stateReason \
    sku { articleNumber name } item { code } stock { location { code locationType } onHand reserved } } } }";

/// The words shown when a form about a lot comes without one.
pub(super) const NO_LOT: &str =
    "No lot chosen: scan the lot at the scan station and choose the action there.";

/// The lot a form is about, or none with the problem placed in `p`.
pub(super) async fn lot_of(
    req: &Req<'_>,
    id: &str,
    p: &mut Problems,
) -> Result<Option<Value>, Response> {
    if id.is_empty() {
        return Ok(or_place(Err(Problem::on("", NO_LOT)), p));
    }
    let r = match req.gql(LOT, json!({ "id": id })).await? {
        Ok(d) if d["node"]["lotNumber"].is_string() => Ok(d["node"].clone()),
        Ok(_) => Err(Problem::on("", format!("`{id}` is not a lot."))),
        Err(e) => Err(Problem::on("", e.message)),
    };
    Ok(or_place(r, p))
}

/// A lot's heading and state band.
pub(super) fn lot_head(l: &Value) -> Markup {
    html! {
        p.lot-head { "Lot " strong id="form-lot" { (text(&l["lotNumber"])) } " of "
            (text(&l["item"]["code"]))
            @if let Some(n) = l["sku"]["name"].as_str() { " — " (n) } }
        (state_band(&text(&l["effectiveState"]), l["stateReason"].as_str()))
    }
}

/// A lot's stock lines (`Lot.stock`).
pub(super) fn stock_lines(lot: Option<&Value>) -> Vec<Value> {
    lot.and_then(|l| l["stock"].as_array().cloned())
        .unwrap_or_default()
}

const RESERVATION: &str = "query Reservation($id: ID!) { node(id: $id) { ... on Reservation { id reference quantity status \
    location { code } lot { id lotNumber effectiveState stateReason expiryDate item { code } sku { articleNumber name } } } } }";

/// The reservation a form is about, or none with the problem placed in `p`.
pub(super) async fn reservation_of(
    req: &Req<'_>,
    id: &str,
    p: &mut Problems,
) -> Result<Option<Value>, Response> {
    if id.is_empty() {
        return Ok(or_place(Err(Problem::on("", "No reservation chosen.")), p));
    }
    let r = match req.gql(RESERVATION, json!({ "id": id })).await? {
        Ok(d) if d["node"]["reference"].is_string() => Ok(d["node"].clone()),
        Ok(_) => Err(Problem::on("", format!("`{id}` is not a reservation."))),
        Err(e) => Err(Problem::on("", e.message)),
    };
    Ok(or_place(r, p))
}

/// A reservation's facts and its lot's state band.
pub(super) fn reservation_head(v: &Value) -> Markup {
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
