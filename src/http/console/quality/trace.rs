//! The trace viewer: forward (`traceForward`) from a heat, lot, blank lot,
//! machine window or tool — every lot reached, level by level, each
//! expandable to its stock and shipments, with every consignee and what
//! it received — and backward (`traceBackward`) from a unit (lot), a
//! shipment or a case to the bar and its certificate. Each view also as
//! CSV (`&format=csv`).

use std::collections::BTreeMap;

use axum::response::Response;
use maud::{Markup, html};
use serde_json::{Value, json};

use super::super::warehouse::stock::csv;
use super::super::warehouse::{
    Fields, Get, Problem, Problems, Req, input, link, num, select, state_tag, status_of, text,
};
use super::{SCOPE_MAP, at, lot_id, scope_fields, scope_input};

/// What the viewer and the recall cockpit read of a forward trace.
pub(super) const FORWARD: &str = "totals { lots finishedLots piecesOnHand barMmOnHand piecesReserved piecesShipped piecesReturned consignees clinics cases openJobs } \
    lots { depth kind lotNumber heatNumber state onHand lot { id effectiveState udi expiryDate sku { gtin articleNumber name } item { code } } \
      stock { onHand reserved location { code } } } \
    consignees { consignee clinic { name } address contact shipped returned firstShippedAt lastShippedAt lots { quantity lot { lotNumber } } } \
    reservations { reference quantity lot { lotNumber } location { code } } \
    shipments { at consignee quantity reference movementId lot { lotNumber } } \
    cases { number status } \
    openJobs { number status machine { code } }";

const BACKWARD: &str = "query B($lotId: ID, $shipmentId: ID, $caseId: ID) { traceBackward(lotId: $lotId, shipmentId: $shipmentId, caseId: $caseId) { \
    start { lotNumber } lots { depth kind record { quantityMade quantityAccepted \
      lot { id lotNumber heatNumber certificateType certificateRef mill grade standard udi effectiveState sku { gtin } item { code } } \
      job { number machine { code } operator camProgram startedAt finishedAt inspectionResult inspectedBy inspectedAt tools { uses tool { code } } } \
      components { quantity lot { lotNumber } } } } } }";

/// What a backward trace can start from.
const FROM: &[(&str, &str)] = &[
    ("lot", "A unit: its lot number"),
    ("shipment", "A shipment: its ledger row's id"),
    ("case", "A case: its number"),
];

/// `GET /quality/trace`: the forms, and the trace asked for.
pub(in crate::http::console) async fn page(g: Get) -> Response {
    let (req, f) = match g.open("GET /quality/trace").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut p = Problems::default();
    let csv_wanted = f.get("format") == "csv";
    let body = match f.get("dir") {
        "forward" => match forward(&req, &f).await {
            Ok(Ok(t)) if csv_wanted => return csv("trace-forward.csv", forward_rows(&t)),
            Ok(Ok(t)) => Some(forward_markup(&t)),
            Ok(Err(e)) => {
                p.place(e, SCOPE_MAP);
                None
            }
            Err(r) => return r,
        },
        "backward" => match backward(&req, &f).await {
            Ok(Ok(t)) if csv_wanted => return csv("trace-backward.csv", backward_rows(&t)),
            Ok(Ok(t)) => Some(backward_markup(&t)),
            Ok(Err(e)) => {
                p.place(e, &[("back", "back"), ("start", "start")]);
                None
            }
            Err(r) => return r,
        },
        _ => None,
    };
    let csv_link = link(
        "/quality/trace",
        &[
            ("dir", f.get("dir")),
            ("scope", f.get("scope")),
            ("value", f.get("value")),
            ("from", f.get("from")),
            ("to", f.get("to")),
            ("start", f.get("start")),
            ("back", f.get("back")),
            ("format", "csv"),
        ],
    );
    let none = Problems::default();
    let page = html! {
        h1 { "Trace" }
        (p.notice())
        div.fields {
            form id="forward-form" method="get" action="/quality/trace" {
                input type="hidden" name="dir" value="forward";
                fieldset { legend { "Forward: where did it go?" }
                    (scope_fields(&f, if f.get("dir") == "forward" { &p } else { &none }))
                    button type="submit" id="trace-forward" { "Trace forward" }
                }
            }
            form id="backward-form" method="get" action="/quality/trace" {
                input type="hidden" name="dir" value="backward";
                fieldset { legend { "Backward: where did it come from?" }
                    div.fields {
                        (select("start", "Start from", match f.get("start") { "" => "lot", s => s }, &options(FROM), "— choose —", &p))
                        (input("back", "Lot number, shipment id or case number", "text", f.get("back"), &p, None))
                    }
                    button type="submit" id="trace-backward" { "Trace backward" }
                }
            }
        }
        @if let Some(b) = body {
            p { a href=(csv_link) id="trace-csv" { "Download this trace as CSV" } }
            (b)
        }
    };
    req.respond(status_of(&p), "Trace", page)
}

fn options(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, t)| ((*k).to_owned(), (*t).to_owned()))
        .collect()
}

/// The forward trace of the form's scope.
async fn forward(req: &Req<'_>, f: &Fields) -> Result<Result<Value, Problem>, Response> {
    let scope = match scope_input(req, f).await? {
        Ok(s) => s,
        Err(p) => return Ok(Err(p)),
    };
    let q = format!(
        "query F($scope: RecallScopeInput!) {{ traceForward(scope: $scope) {{ {FORWARD} }} }}"
    );
    Ok(req
        .gql(&q, json!({ "scope": scope }))
        .await?
        .map(|d| d["traceForward"].clone()))
}

/// The backward trace of the form's start.
async fn backward(req: &Req<'_>, f: &Fields) -> Result<Result<Value, Problem>, Response> {
    let v = f.get("back");
    if v.is_empty() {
        return Ok(Err(Problem::on(
            "back",
            "name where to start: a lot number, a shipment id or a case number",
        )));
    }
    let vars = match f.get("start") {
        "" | "lot" => match lot_id(req, v, "back").await? {
            Ok(id) => json!({ "lotId": id }),
            Err(p) => return Ok(Err(p)),
        },
        "shipment" => json!({ "shipmentId": v }),
        "case" => {
            let q = "query C($n: String!) { clinicalCase(number: $n) { id } }";
            match req.gql(q, json!({ "n": v })).await? {
                Ok(d) => json!({ "caseId": d["clinicalCase"]["id"] }),
                Err(e) => return Ok(Err(Problem::on("back", e.message()))),
            }
        }
        other => {
            return Ok(Err(Problem::on(
                "start",
                format!("`{other}` is not a start"),
            )));
        }
    };
    Ok(match req.gql(BACKWARD, vars).await? {
        Ok(d) => Ok(d["traceBackward"].clone()),
        Err(e) => Err(Problem::on("back", e.message())),
    })
}

fn arr(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// A forward trace: the totals, the lots level by level (each level and
/// each lot expandable), every consignee with what it received, the open
/// reservations, cases and running jobs.
pub(super) fn forward_markup(t: &Value) -> Markup {
    let tot = &t["totals"];
    let mut levels: BTreeMap<i64, Vec<&Value>> = BTreeMap::new();
    for l in arr(&t["lots"]) {
        levels.entry(num(&l["depth"])).or_default().push(l);
    }
    html! {
        section aria-labelledby="totals-heading" {
            h2 id="totals-heading" { "What it reaches" }
            dl.facts id="trace-totals" {
                dt { "Lots" } dd id="total-lots" { (num(&tot["lots"])) " (" (num(&tot["finishedLots"])) " finished)" }
                dt { "Pieces on hand" } dd id="total-on-hand" { (num(&tot["piecesOnHand"])) }
                dt { "Bar on hand" } dd { (num(&tot["barMmOnHand"])) " mm" }
                dt { "Pieces reserved" } dd { (num(&tot["piecesReserved"])) }
                dt { "Pieces shipped" } dd id="total-shipped" { (num(&tot["piecesShipped"])) }
                dt { "Pieces returned" } dd { (num(&tot["piecesReturned"])) }
                dt { "Consignees" } dd id="total-consignees" { (num(&tot["consignees"])) " (" (num(&tot["clinics"])) " clinics)" }
                dt { "Cases" } dd { (num(&tot["cases"])) }
                dt { "Jobs still running" } dd { (num(&tot["openJobs"])) }
            }
        }
        section aria-labelledby="levels-heading" {
            h2 id="levels-heading" { "Lots, level by level" }
            @for (depth, lots) in &levels {
                details.level open[*depth == 0] {
                    summary { "Level " (depth) ": " (lots.len()) " lot(s), "
                        (lots.iter().map(|l| num(&l["onHand"])).sum::<i64>()) " on hand" }
                    @for l in lots { (lot_details(l, t)) }
                }
            }
        }
        (consignees_table(t))
        @if !arr(&t["reservations"]).is_empty() {
            h2 { "Open reservations" }
            table id="trace-reservations" {
                thead { tr { th { "For" } th { "Lot" } th { "At" } th { "Quantity" } } }
                tbody { @for r in arr(&t["reservations"]) {
                    tr { td { (text(&r["reference"])) } td { (text(&r["lot"]["lotNumber"])) }
                         td { (text(&r["location"]["code"])) } td.num { (num(&r["quantity"])) } }
                } }
            }
        }
        @if !arr(&t["cases"]).is_empty() {
            h2 { "Cases" }
            p id="trace-cases" { @for (i, c) in arr(&t["cases"]).iter().enumerate() {
                @if i > 0 { ", " } (text(&c["number"])) " (" (text(&c["status"])) ")" } }
        }
        @if !arr(&t["openJobs"]).is_empty() {
            h2 { "Jobs still running on this material" }
            p.warning id="trace-open-jobs" { @for (i, j) in arr(&t["openJobs"]).iter().enumerate() {
                @if i > 0 { ", " } (text(&j["number"])) " on " (text(&j["machine"]["code"])) " (" (text(&j["status"])) ")" } }
        }
    }
}

/// One lot of a forward trace: its facts in the summary, its stock and
/// shipments inside.
fn lot_details(l: &Value, t: &Value) -> Markup {
    let number = text(&l["lotNumber"]);
    let ships: Vec<&Value> = arr(&t["shipments"])
        .iter()
        .filter(|s| s["lot"]["lotNumber"].as_str() == Some(number.as_str()))
        .collect();
    html! {
        details.lot {
            summary { strong { (number) } " " (text(&l["kind"])) " "
                @if let Some(h) = l["heatNumber"].as_str() { "heat " (h) " " }
                (state_tag(&text(&l["lot"]["effectiveState"]))) " " (num(&l["onHand"])) " on hand"
                @if !ships.is_empty() { ", " (ships.len()) " shipment(s)" } }
            dl.facts {
                dt { "Item" } dd { (text(&l["lot"]["item"]["code"])) }
                dt { "GTIN" } dd { (text(&l["lot"]["sku"]["gtin"])) }
                dt { "UDI" } dd { (text(&l["lot"]["udi"])) }
                dt { "Expiry" } dd { (text(&l["lot"]["expiryDate"])) }
            }
            p { a href=(link("/quality/trace", &[("dir", "backward"), ("start", "lot"), ("back", &number)])) { "Trace back" }
                " · " a href=(link("/quality/lot", &[("id", &text(&l["lot"]["id"]))])) { "Device history record" } }
            @if !arr(&l["stock"]).is_empty() {
                table { thead { tr { th { "Location" } th { "On hand" } th { "Reserved" } } }
                    tbody { @for s in arr(&l["stock"]) { tr { td { (text(&s["location"]["code"])) }
                        td.num { (num(&s["onHand"])) } td.num { (num(&s["reserved"])) } } } } }
            }
            @if !ships.is_empty() {
                table { thead { tr { th { "Shipped (UTC)" } th { "To" } th { "Units" } th { "Reference" } th { "Shipment id" } } }
                    tbody { @for s in &ships { tr { td.when { (at(&s["at"])) } td { (text(&s["consignee"])) }
                        td.num { (num(&s["quantity"])) } td { (text(&s["reference"])) } td { code { (text(&s["movementId"])) } } } } } }
            }
        }
    }
}

/// Every consignee of a forward trace with what it received.
fn consignees_table(t: &Value) -> Markup {
    html! {
        h2 { "Consignees" }
        @if arr(&t["consignees"]).is_empty() { p { "Nothing was shipped." } }
        @else {
            div.scroll { table id="trace-consignees" {
                thead { tr { th { "Consignee" } th { "Address" } th { "Contact" } th { "Received (per lot)" }
                    th { "Shipped" } th { "Returned" } th { "Last shipped (UTC)" } } }
                tbody { @for c in arr(&t["consignees"]) { tr {
                    td { (text(&c["consignee"])) @if let Some(n) = c["clinic"]["name"].as_str() { br; small { (n) } } }
                    td { (text(&c["address"])) } td { (text(&c["contact"])) }
                    td { @for (i, q) in arr(&c["lots"]).iter().enumerate() { @if i > 0 { ", " }
                        (num(&q["quantity"])) " × " (text(&q["lot"]["lotNumber"])) } }
                    td.num { (num(&c["shipped"])) } td.num { (num(&c["returned"])) } td.when { (at(&c["lastShippedAt"])) }
                } } }
            } }
        }
    }
}

fn cells(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// A forward trace as CSV rows: lots, their stock, shipments,
/// consignees, reservations, running jobs.
fn forward_rows(t: &Value) -> Vec<Vec<String>> {
    let mut rows = vec![cells(&[
        "section",
        "depth",
        "kind",
        "lot",
        "heat",
        "state",
        "quantity",
        "reserved",
        "where_or_whom",
        "at",
        "reference",
    ])];
    for l in arr(&t["lots"]) {
        let (d, k, n) = (
            num(&l["depth"]).to_string(),
            text(&l["kind"]),
            text(&l["lotNumber"]),
        );
        rows.push(vec![
            "lot".into(),
            d.clone(),
            k.clone(),
            n.clone(),
            text(&l["heatNumber"]),
            text(&l["lot"]["effectiveState"]),
            num(&l["onHand"]).to_string(),
            String::new(),
            String::new(),
            String::new(),
            text(&l["lot"]["udi"]),
        ]);
        for s in arr(&l["stock"]) {
            rows.push(vec![
                "stock".into(),
                d.clone(),
                k.clone(),
                n.clone(),
                String::new(),
                String::new(),
                num(&s["onHand"]).to_string(),
                num(&s["reserved"]).to_string(),
                text(&s["location"]["code"]),
                String::new(),
                String::new(),
            ]);
        }
    }
    for s in arr(&t["shipments"]) {
        rows.push(vec![
            "shipment".into(),
            String::new(),
            String::new(),
            text(&s["lot"]["lotNumber"]),
            String::new(),
            String::new(),
            num(&s["quantity"]).to_string(),
            String::new(),
            text(&s["consignee"]),
            text(&s["at"]),
            text(&s["reference"]),
        ]);
    }
    for c in arr(&t["consignees"]) {
        let lots: Vec<String> = arr(&c["lots"])
            .iter()
            .map(|q| format!("{}x{}", num(&q["quantity"]), text(&q["lot"]["lotNumber"])))
            .collect();
        rows.push(vec![
            "consignee".into(),
            String::new(),
            String::new(),
            lots.join(" "),
            String::new(),
            String::new(),
            num(&c["shipped"]).to_string(),
            String::new(),
            text(&c["consignee"]),
            text(&c["lastShippedAt"]),
            text(&c["address"]),
        ]);
    }
    for r in arr(&t["reservations"]) {
        rows.push(vec![
            "reservation".into(),
            String::new(),
            String::new(),
            text(&r["lot"]["lotNumber"]),
            String::new(),
            String::new(),
            num(&r["quantity"]).to_string(),
            String::new(),
            text(&r["location"]["code"]),
            String::new(),
            text(&r["reference"]),
        ]);
    }
    for j in arr(&t["openJobs"]) {
        rows.push(vec![
            "open_job".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            text(&j["status"]),
            String::new(),
            String::new(),
            text(&j["machine"]["code"]),
            String::new(),
            text(&j["number"]),
        ]);
    }
    rows
}

/// A backward trace: the start, and every lot upstream with its record.
fn backward_markup(t: &Value) -> Markup {
    html! {
        h2 { "From " span id="backward-start" { (text(&t["start"]["lotNumber"])) } " back to the bar" }
        @for a in arr(&t["lots"]) {
            @let r = &a["record"];
            @let l = &r["lot"];
            details.level open {
                summary { "Level " (num(&a["depth"])) ": " strong { (text(&l["lotNumber"])) } " " (text(&a["kind"]))
                    @if let Some(h) = l["heatNumber"].as_str() { " — heat " span.heat { (h) } } }
                dl.facts {
                    dt { "Item" } dd { (text(&l["item"]["code"])) }
                    dt { "State" } dd { (state_tag(&text(&l["effectiveState"]))) }
                    @if !l["udi"].is_null() { dt { "UDI" } dd { (text(&l["udi"])) } }
                    @if !l["certificateRef"].is_null() {
                        dt { "Certificate" } dd.certificate { (text(&l["certificateType"])) " " (text(&l["certificateRef"])) }
                        dt { "Mill, grade, standard" } dd { (text(&l["mill"])) ", " (text(&l["grade"])) ", " (text(&l["standard"])) }
                    }
                    @if !r["job"].is_null() {
                        @let j = &r["job"];
                        dt { "Job" } dd { (text(&j["number"])) " on " (text(&j["machine"]["code"])) ", operator " (text(&j["operator"])) }
                        dt { "Program" } dd { (text(&j["camProgram"])) }
                        dt { "Ran (UTC)" } dd { (at(&j["startedAt"])) " – " (at(&j["finishedAt"])) }
                        dt { "Tools" } dd { @for (i, u) in arr(&j["tools"]).iter().enumerate() { @if i > 0 { ", " }
                            (text(&u["tool"]["code"])) " (" (num(&u["uses"])) ")" } }
                        dt { "Inspection" } dd { (text(&j["inspectionResult"])) " by " (text(&j["inspectedBy"])) " at " (at(&j["inspectedAt"]))
                            ", " (num(&r["quantityAccepted"])) " of " (num(&r["quantityMade"])) " accepted" }
                    }
                    @if !arr(&r["components"]).is_empty() {
                        dt { "Made from" } dd { @for (i, c) in arr(&r["components"]).iter().enumerate() { @if i > 0 { ", " }
                            (num(&c["quantity"])) " of " (text(&c["lot"]["lotNumber"])) } }
                    }
                }
            }
        }
    }
}

/// A backward trace as CSV rows, one per lot.
fn backward_rows(t: &Value) -> Vec<Vec<String>> {
    let mut rows = vec![cells(&[
        "depth",
        "kind",
        "lot",
        "item",
        "udi",
        "heat",
        "certificate",
        "job",
        "machine",
        "operator",
        "program",
        "inspection",
        "made_from",
    ])];
    for a in arr(&t["lots"]) {
        let r = &a["record"];
        let (l, j) = (&r["lot"], &r["job"]);
        let from: Vec<String> = arr(&r["components"])
            .iter()
            .map(|c| format!("{}x{}", num(&c["quantity"]), text(&c["lot"]["lotNumber"])))
            .collect();
        rows.push(vec![
            num(&a["depth"]).to_string(),
            text(&a["kind"]),
            text(&l["lotNumber"]),
            text(&l["item"]["code"]),
            text(&l["udi"]),
            text(&l["heatNumber"]),
            format!(
                "{} {}",
                text(&l["certificateType"]),
                text(&l["certificateRef"])
            )
            .trim()
            .to_owned(),
            text(&j["number"]),
            text(&j["machine"]["code"]),
            text(&j["operator"]),
            text(&j["camProgram"]),
            text(&j["inspectionResult"]),
            from.join(" "),
        ]);
    }
    rows
}
