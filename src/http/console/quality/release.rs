//! The release desk: jobs whose finished lot waits for inspection
//! (`recordJobInspection`), and every lot in quarantine or on hold with
//! its inspection record and a link to its device history record, each
//! with a decision form — release, hold or reject with a reason
//! (`changeLotState`). `GET /quality/lot` shows a lot's device history
//! record (`deviceHistoryRecord`) with the same decision form.

use std::collections::BTreeMap;

use axum::response::Response;
use maud::{Markup, html};
use serde_json::{Value, json};

use super::super::warehouse::forms::int;
use super::super::warehouse::{
    Fields, Get, Post, Problems, Req, hidden, link, num, state_band, state_tag, status_of, text,
};
use super::{at, choice, field, mutate, redirect, unchosen};

const DESK: &str = "query Desk { productionJobs(filter: {statuses: [INSPECTION]}, first: 100) { edges { node { \
      id number quantity quantityMade finishedAt machine { code } sku { articleNumber name } finishedLot { id lotNumber } } } } \
    quarantine: stock(filter: {state: QUARANTINE}, first: 100) { edges { node { onHand location { code } lot { ...L } } } } \
    held: stock(filter: {state: ON_HOLD}, first: 100) { edges { node { onHand location { code } lot { ...L } } } } } \
  fragment L on Lot { id lotNumber state effectiveState stateReason expiryDate item { code kind } sku { articleNumber name gtin } \
    producedBy { number status inspectionResult inspectedBy inspectedAt inspectionNote quantityMade quantityAccepted } }";

const DECIDE_MAP: &[(&str, &str)] = &[
    ("input.state", "state"),
    ("input.reason", "reason"),
    ("input.lotId", "state"),
    ("input", "state"),
];

const INSPECT_MAP: &[(&str, &str)] = &[
    ("input.result", "result"),
    ("input.quantityAccepted", "accepted"),
    ("input.note", "note"),
    ("id", "result"),
];

/// The decisions a quality engineer takes at the desk.
const DECISIONS: &[(&str, &str)] = &[
    ("RELEASED", "Release: usable"),
    ("ON_HOLD", "Hold pending a decision"),
    ("REJECTED", "Reject"),
];

/// `GET /quality/release`: the desk.
pub(in crate::http::console) async fn desk(g: Get) -> Response {
    let (req, f) = match g.open("GET /quality/release").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    desk_page(&req, &f, &Problems::default(), "").await
}

/// The desk, with the problems of the form for `focus` (a lot or job id).
async fn desk_page(req: &Req<'_>, f: &Fields, p: &Problems, focus: &str) -> Response {
    let d = match req.gql(DESK, Value::Null).await {
        Ok(Ok(d)) => d,
        Ok(Err(e)) => {
            return req.respond(
                axum::http::StatusCode::BAD_REQUEST,
                "Release desk",
                html! { p.notice { (e.message()) } },
            );
        }
        Err(r) => return r,
    };
    let jobs: Vec<&Value> = edges(&d["productionJobs"]);
    let mut lots: BTreeMap<String, (Value, Vec<(String, i64)>)> = BTreeMap::new();
    for n in edges(&d["quarantine"]).into_iter().chain(edges(&d["held"])) {
        let e = lots
            .entry(text(&n["lot"]["lotNumber"]))
            .or_insert_with(|| (n["lot"].clone(), vec![]));
        e.1.push((text(&n["location"]["code"]), num(&n["onHand"])));
    }
    let none = Problems::default();
    let blank = Fields::default();
    let body = html! {
        h1 { "Release desk" }
        @if let Some(done) = Some(f.get("done")).filter(|d| !d.is_empty()) {
            p.ok role="status" id="desk-done" { (done) }
        }
        h2 { "Jobs awaiting final inspection (" (jobs.len()) ")" }
        @if jobs.is_empty() { p { "None." } }
        @for j in &jobs {
            @let id = text(&j["id"]);
            (inspect_form(req, j, if focus == id { p } else { &none }, f))
        }
        h2 { "Lots awaiting release (" (lots.len()) ")" }
        p.hint { "Lots in quarantine or on hold, with where they lie; the device history record has the job, the material and its certificates." }
        @if lots.is_empty() { p { "None." } }
        @for (number, (lot, places)) in &lots {
            @let id = text(&lot["id"]);
            section.lot-card id=(format!("lot-{number}")) {
                h3 { (number) " " (state_tag(&text(&lot["effectiveState"]))) }
                dl.facts {
                    dt { "Item" } dd { (text(&lot["item"]["code"])) " (" (text(&lot["item"]["kind"])) ")"
                        @if let Some(n) = lot["sku"]["name"].as_str() { " — " (n) } }
                    dt { "Where" } dd { @for (i, (loc, q)) in places.iter().enumerate() { @if i > 0 { ", " } (q) " at " (loc) } }
                    dt { "Expiry" } dd { (text(&lot["expiryDate"])) }
                    @if let Some(r) = lot["stateReason"].as_str() { dt { "Reason" } dd { (r) } }
                    (inspection_facts(&lot["producedBy"]))
                }
                p { a href=(link("/quality/lot", &[("id", &id)])) { "Device history record" } }
                (decide_form(req, &id, number, if focus == id { p } else { &none }, if focus == id { f } else { &blank }, "desk"))
            }
        }
    };
    req.respond(status_of(p), "Release desk", body)
}

fn edges(conn: &Value) -> Vec<&Value> {
    conn["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["node"])
        .collect()
}

/// What the job that made a lot says of its inspection.
fn inspection_facts(job: &Value) -> Markup {
    html! {
        @if job.is_null() {
            dt { "Made by" } dd { "received from outside (no job)" }
        } @else {
            dt { "Made by" } dd { (text(&job["number"])) " (" (text(&job["status"])) ")" }
            (inspection(job))
        }
    }
}

/// The job's final inspection, in words.
fn inspection(job: &Value) -> Markup {
    html! {
        dt { "Inspection" } dd.inspection {
            @if job["inspectionResult"].is_null() { "not inspected yet" }
            @else { (text(&job["inspectionResult"])) " by " (text(&job["inspectedBy"])) " at " (at(&job["inspectedAt"]))
                ", " (num(&job["quantityAccepted"])) " of " (num(&job["quantityMade"])) " accepted"
                @if let Some(n) = job["inspectionNote"].as_str() { " — " (n) } }
        }
    }
}

/// The decision form of a lot: release, hold or reject, with a reason;
/// `from` the page to come back to (`record` or the desk).
fn decide_form(
    req: &Req<'_>,
    lot_id: &str,
    number: &str,
    p: &Problems,
    f: &Fields,
    from: &str,
) -> Markup {
    html! {
        form.decide method="post" action="/quality/release" aria-label=(format!("Decide on lot {number}")) {
            (hidden(req))
            input type="hidden" name="lot" value=(lot_id);
            input type="hidden" name="from" value=(from);
            (p.notice())
            div.fields {
                (choice(&format!("state-{number}"), "state", "Decision", f.get("state"), DECISIONS, p.of("state")))
                (field(&format!("reason-{number}"), "reason", "Reason (inspection report, deviation)", "text", f.get("reason"), p.of("reason")))
            }
            button type="submit" id=(format!("decide-{number}")) { "Record the decision" }
        }
    }
}

/// The inspection form of a job awaiting it.
fn inspect_form(req: &Req<'_>, j: &Value, p: &Problems, f: &Fields) -> Markup {
    let n = text(&j["number"]);
    html! {
        section.job-card {
            h3 { (text(&j["number"])) ": " (num(&j["quantityMade"])) " made"
                @if let Some(a) = j["sku"]["articleNumber"].as_str() { " of " (a) } @else { " (custom part)" }
                " on " (text(&j["machine"]["code"])) ", lot " (text(&j["finishedLot"]["lotNumber"])) }
            form method="post" action="/quality/inspect" aria-label=(format!("Inspect job {n}")) {
                (hidden(req))
                input type="hidden" name="job" value=(text(&j["id"]));
                (p.notice())
                div.fields {
                    (choice(&format!("result-{n}"), "result", "Result", f.get("result"),
                        &[("PASS", "Pass"), ("FAIL", "Fail: scrap, lot rejected")], p.of("result")))
                    (field(&format!("accepted-{n}"), "accepted", "Parts accepted (default all)", "number", f.get("accepted"), p.of("accepted")))
                    (field(&format!("note-{n}"), "note", "Findings", "text", f.get("note"), p.of("note")))
                }
                button type="submit" id=(format!("inspect-{n}")) { "Record the inspection" }
            }
        }
    }
}

/// `POST /quality/release`: `changeLotState` on a lot, back to the page
/// it came from.
pub(in crate::http::console) async fn decide(post: Post) -> Response {
    let (req, f) = match post.open("POST /quality/release").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let p = unchosen(&f, &[("state", "a decision")], &[]);
    if !p.is_empty() {
        return if f.get("from") == "record" {
            record_page(&req, &f, f.get("lot"), &p).await
        } else {
            desk_page(&req, &f, &p, f.get("lot")).await
        };
    }
    let m = "mutation Decide($input: ChangeLotStateInput!) { changeLotState(input: $input) { \
        lot { lotNumber effectiveState } userErrors { code field message } } }";
    let input =
        json!({ "lotId": f.get("lot"), "state": f.opt("state"), "reason": f.get("reason") });
    match mutate(&req, m, json!({ "input": input }), DECIDE_MAP).await {
        Err(r) => r,
        Ok(Ok(pl)) => {
            let done = format!(
                "Lot {} is now {}.",
                text(&pl["lot"]["lotNumber"]),
                text(&pl["lot"]["effectiveState"])
            );
            let back = if f.get("from") == "record" {
                link("/quality/lot", &[("id", f.get("lot")), ("done", &done)])
            } else {
                link("/quality/release", &[("done", &done)])
            };
            redirect(&back)
        }
        Ok(Err(p)) if f.get("from") == "record" => record_page(&req, &f, f.get("lot"), &p).await,
        Ok(Err(p)) => desk_page(&req, &f, &p, f.get("lot")).await,
    }
}

/// `POST /quality/inspect`: `recordJobInspection` on a job.
pub(in crate::http::console) async fn inspect(post: Post) -> Response {
    let (req, f) = match post.open("POST /quality/inspect").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let p = unchosen(&f, &[("result", "the result")], &["accepted"]);
    if !p.is_empty() {
        return desk_page(&req, &f, &p, f.get("job")).await;
    }
    let m = "mutation Inspect($id: ID!, $input: InspectJobInput!) { recordJobInspection(id: $id, input: $input) { \
        job { number status finishedLot { lotNumber } } userErrors { code field message } } }";
    let mut input = json!({ "result": f.opt("result"), "note": f.opt("note") });
    if !f.get("accepted").is_empty() {
        input["quantityAccepted"] = int(f.get("accepted"));
    }
    let vars = json!({ "id": f.get("job"), "input": input });
    let p = match mutate(&req, m, vars, INSPECT_MAP).await {
        Err(r) => return r,
        Ok(Ok(pl)) => {
            let done = format!(
                "Job {} is {}; its lot {} waits for your decision.",
                text(&pl["job"]["number"]),
                text(&pl["job"]["status"]),
                text(&pl["job"]["finishedLot"]["lotNumber"])
            );
            return redirect(&link("/quality/release", &[("done", &done)]));
        }
        Ok(Err(p)) => p,
    };
    desk_page(&req, &f, &p, f.get("job")).await
}

const RECORD: &str = "query R($id: ID!) { deviceHistoryRecord(lotId: $id) { quantityMade quantityAccepted \
    lot { id lotNumber udi state effectiveState stateReason productionDate expiryDate item { code kind } sku { gtin articleNumber name } \
      stock { onHand reserved location { code } } } \
    job { number status machine { code } operator camProgram startedAt finishedAt inspectionResult inspectedBy inspectedAt inspectionNote \
      quantityMade quantityAccepted tools { uses tool { code } } } \
    components { quantity lot { lotNumber heatNumber certificateType certificateRef mill grade standard } } } }";

/// `GET /quality/lot?id=`: a lot's device history record and the
/// decision form.
pub(in crate::http::console) async fn record(g: Get) -> Response {
    let (req, f) = match g.open("GET /quality/lot").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    record_page(&req, &f, f.get("id"), &Problems::default()).await
}

async fn record_page(req: &Req<'_>, f: &Fields, id: &str, p: &Problems) -> Response {
    let r = match req.gql(RECORD, json!({ "id": id })).await {
        Err(resp) => return resp,
        Ok(Err(e)) => {
            let body =
                html! { h1 { "Device history record" } p.notice role="alert" { (e.message()) } };
            return req.respond(
                axum::http::StatusCode::NOT_FOUND,
                "Device history record",
                body,
            );
        }
        Ok(Ok(d)) => d["deviceHistoryRecord"].clone(),
    };
    let (l, j) = (&r["lot"], &r["job"]);
    let number = text(&l["lotNumber"]);
    let body = html! {
        h1 { "Device history record: " span id="dhr-lot" { (number) } }
        @if !f.get("done").is_empty() { p.ok role="status" id="desk-done" { (f.get("done")) } }
        (state_band(&text(&l["effectiveState"]), l["stateReason"].as_str()))
        dl.facts id="dhr" {
            dt { "Item" } dd { (text(&l["item"]["code"])) @if let Some(n) = l["sku"]["name"].as_str() { " — " (n) } }
            dt { "GTIN" } dd { (text(&l["sku"]["gtin"])) }
            dt { "UDI" } dd { (text(&l["udi"])) }
            dt { "Produced" } dd { (text(&l["productionDate"])) }
            dt { "Expiry" } dd { (text(&l["expiryDate"])) }
            dt { "Stock" } dd { @for (i, s) in l["stock"].as_array().into_iter().flatten().enumerate() { @if i > 0 { ", " }
                (num(&s["onHand"])) " at " (text(&s["location"]["code"])) } }
            @if j.is_null() { dt { "Made by" } dd { "received from outside (no job)" } }
            @else {
                dt { "Job" } dd { (text(&j["number"])) " (" (text(&j["status"])) ") on " (text(&j["machine"]["code"])) }
                dt { "Operator, program" } dd { (text(&j["operator"])) ", " (text(&j["camProgram"])) }
                dt { "Ran (UTC)" } dd { (at(&j["startedAt"])) " – " (at(&j["finishedAt"])) }
                dt { "Tools" } dd { @for (i, u) in j["tools"].as_array().into_iter().flatten().enumerate() { @if i > 0 { ", " }
                    (text(&u["tool"]["code"])) " (" (num(&u["uses"])) " uses)" } }
                (inspection(j))
            }
        }
        h2 { "Material" }
        @if r["components"].as_array().is_none_or(Vec::is_empty) { p { "No material recorded." } }
        @else { table id="dhr-components" {
            thead { tr { th { "Lot" } th { "Quantity" } th { "Heat" } th { "Certificate" } th { "Mill, grade, standard" } } }
            tbody { @for c in r["components"].as_array().into_iter().flatten() { @let m = &c["lot"]; tr {
                td { (text(&m["lotNumber"])) } td.num { (num(&c["quantity"])) } td { (text(&m["heatNumber"])) }
                td { (text(&m["certificateType"])) " " (text(&m["certificateRef"])) }
                td { (text(&m["mill"])) " " (text(&m["grade"])) " " (text(&m["standard"])) } } } }
        } }
        p { a href=(link("/quality/trace", &[("dir", "backward"), ("start", "lot"), ("back", &number)])) { "Trace back to the bar" } }
        h2 { "Decision" }
        (decide_form(req, &text(&l["id"]), &number, p, f, "record"))
    };
    req.respond(status_of(p), "Device history record", body)
}
