//! A job's page (`GET /planner/jobs/{number}`: its facts and lateness, the
//! material issued with heats and certificates, the tools and their life,
//! the genealogy of its lot) with the forms its state allows, each running
//! one mutation: start (`startProductionJob`; a scanned bar or blank lot is
//! the material to issue, none issues the oldest released), complete,
//! inspect (`recordJobInspection`, quality's) and cancel; and a new job
//! (`GET`/`POST /planner/jobs/new`, `createProductionJob`).

use axum::{
    extract::Path,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use maud::{Markup, html};
use serde_json::{Value, json};

use super::super::warehouse::forms::int;
use super::super::warehouse::{
    Fields, Get, Post, Problem, Problems, Req, hidden, input, num, select, state_tag, status_of,
    text, when,
};
use super::job_link;
use crate::access::permissions::OpKind::Http;

const JOB: &str = "query Job($n: String!) { productionJob(number: $n) { id number kind status statusReason priority quantity \
    dueAt plannedStart plannedEnd latenessMinutes startedAt finishedAt operator camProgram material materialNeeded \
    caseReference durationMinutes quantityMade quantityAccepted inspectionResult inspectedBy inspectedAt inspectionNote \
    machine { id code name } sku { articleNumber name } \
    tools { uses tool { code name uses lifeLimit remainingUses wornOut } } \
    materials { quantity issuedAt location { code } lot { lotNumber heatNumber certificateRef item { code } } } \
    finishedLot { id lotNumber effectiveState udi madeFrom { quantity lot { lotNumber heatNumber certificateRef item { code } } } } } }";

const WARNINGS: &str = "query W($from: DateTime!, $to: DateTime!, $m: ID!) { productionSchedule(from: $from, to: $to, machineId: $m) { \
    machines { jobs { job { number } toolWarnings } } } }";

/// `303 See Other` to a path of ours.
fn see(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(v) => (StatusCode::SEE_OTHER, [(header::LOCATION, v)]).into_response(),
        Err(_) => super::super::internal(),
    }
}

/// The job numbered `n`, or `None` when there is none.
async fn job(req: &Req<'_>, n: &str) -> Result<Option<Value>, Response> {
    Ok(match req.gql(JOB, json!({ "n": n })).await? {
        Ok(d) if d["productionJob"].is_object() => Some(d["productionJob"].clone()),
        _ => None,
    })
}

/// The plan's tool warnings for this job (tools that it would take past
/// their life), as the timeline computes them.
async fn tool_warnings(req: &Req<'_>, j: &Value) -> Result<Vec<String>, Response> {
    let (Some(from), Some(to), Some(m)) = (
        j["plannedStart"].as_str(),
        j["plannedEnd"].as_str(),
        j["machine"]["id"].as_str(),
    ) else {
        return Ok(vec![]);
    };
    let d = match req
        .gql(WARNINGS, json!({ "from": from, "to": to, "m": m }))
        .await?
    {
        Ok(d) => d,
        Err(_) => return Ok(vec![]),
    };
    Ok(d["productionSchedule"]["machines"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|m| m["jobs"].as_array().cloned().unwrap_or_default())
        .filter(|e| e["job"]["number"] == j["number"])
        .flat_map(|e| e["toolWarnings"].as_array().cloned().unwrap_or_default())
        .map(|w| text(&w))
        .collect())
}

fn not_found(req: &Req<'_>, n: &str) -> Response {
    req.respond(
        StatusCode::NOT_FOUND,
        "No such job",
        html! { h1 { "No such job" } p.notice role="alert" { "There is no job " code { (n) } "." } p { a href="/planner" { "Back to the plan" } } },
    )
}

/// `GET /planner/jobs/{number}`.
pub(in crate::http::console) async fn page(
    Path(n): Path<String>,
    g: Get,
) -> Result<Response, Response> {
    let (req, f) = g.open("GET /planner/jobs/{number}").await?;
    let Some(j) = job(&req, &n).await? else {
        return Ok(not_found(&req, &n));
    };
    let warnings = tool_warnings(&req, &j).await?;
    let done = match f.get("done") {
        "start" => Some("Started: the material was issued."),
        "complete" => Some("Completed: the lot is in quarantine, awaiting inspection."),
        "inspect" => Some("Inspection recorded."),
        "cancel" => Some("Cancelled."),
        "create" => Some("Created and planned."),
        _ => None,
    };
    let body = html! {
        @if let Some(d) = done { p.ok role="status" id="job-done" { (d) } }
        (job_markup(&j, &warnings))
        (actions(&req, &j, &Fields::default(), None))
    };
    Ok(req.respond(StatusCode::OK, &text(&j["number"]), body))
}

fn job_markup(j: &Value, warnings: &[String]) -> Markup {
    let late = num(&j["latenessMinutes"]);
    html! {
        h1 { "Job " span id="job-number" { (text(&j["number"])) } }
        @if late > 0 {
            p.notice role="alert" id="job-late" { "Late: planned to end " (late) " minutes after its due date." }
        }
        dl.facts id="job-facts" {
            dt { "Status" } dd id="job-status" { (text(&j["status"])) @if let Some(r) = j["statusReason"].as_str() { " — " (r) } }
            dt { "Kind" } dd { (text(&j["kind"])) @if let Some(c) = j["caseReference"].as_str() { " for case " (c) } }
            dt { "Part" } dd { @if j["sku"].is_object() { (text(&j["sku"]["articleNumber"])) " — " (text(&j["sku"]["name"])) } @else { "custom part" } }
            dt { "Quantity" } dd { (num(&j["quantity"])) }
            dt { "Machine" } dd id="job-machine" { (text(&j["machine"]["code"])) }
            dt { "Priority" } dd { (num(&j["priority"])) }
            dt { "Due (UTC)" } dd { (when(&j["dueAt"])) }
            dt { "Planned (UTC)" } dd { (when(&j["plannedStart"])) " – " (when(&j["plannedEnd"])) }
            dt { "Lateness" } dd id="job-lateness" { @if late > 0 { span.late { (late) " min late" } } @else { "on time" } }
            dt { "Ran (UTC)" } dd { (when(&j["startedAt"])) " – " (when(&j["finishedAt"])) }
            dt { "Operator" } dd { (text(&j["operator"])) }
            dt { "CAM program" } dd { (text(&j["camProgram"])) }
        }
        h2 { "Material" }
        p { (text(&j["material"])) ", " (num(&j["materialNeeded"])) " needed (mm of bar or blanks)." }
        table id="job-material" {
            thead { tr { th { "Lot" } th { "Item" } th { "Heat" } th { "Certificate" } th { "Quantity" } th { "From" } th { "Issued (UTC)" } } }
            tbody {
                @for m in j["materials"].as_array().into_iter().flatten() {
                    tr {
                        td { (text(&m["lot"]["lotNumber"])) } td { (text(&m["lot"]["item"]["code"])) }
                        td { (text(&m["lot"]["heatNumber"])) } td { (text(&m["lot"]["certificateRef"])) }
                        td.num { (num(&m["quantity"])) } td { (text(&m["location"]["code"])) } td.when { (when(&m["issuedAt"])) }
                    }
                }
            }
        }
        h2 { "Tools" }
        @if !warnings.is_empty() {
            ul.warning id="job-tool-warnings" { @for w in warnings { li { (w) } } }
        }
        table id="job-tools" {
            thead { tr { th { "Tool" } th { "Uses by this job" } th { "Uses" } th { "Life" } th { "Left" } } }
            tbody {
                @for t in j["tools"].as_array().into_iter().flatten() {
                    tr {
                        td { (text(&t["tool"]["code"])) " — " (text(&t["tool"]["name"])) }
                        td.num { (num(&t["uses"])) } td.num { (num(&t["tool"]["uses"])) } td.num { (num(&t["tool"]["lifeLimit"])) }
                        td.num { @if t["tool"]["wornOut"] == true { span.late { "worn out" } } @else { (num(&t["tool"]["remainingUses"])) } }
                    }
                }
            }
        }
        (genealogy(j))
    }
}

fn genealogy(j: &Value) -> Markup {
    let lot = &j["finishedLot"];
    html! {
        h2 { "Genealogy" }
        @if lot.is_object() {
            p id="job-lot" {
                "Made lot " strong { (text(&lot["lotNumber"])) } " " (state_tag(&text(&lot["effectiveState"])))
                @if let Some(u) = lot["udi"].as_str() { " — UDI " code { (u) } }
                " · " a href=(format!("/labels/lot?id={}", text(&lot["id"]))) id="job-label" { "UDI label" }
            }
            ul id="job-genealogy" {
                @for l in lot["madeFrom"].as_array().into_iter().flatten() {
                    li { (num(&l["quantity"])) " of " (text(&l["lot"]["item"]["code"])) " lot " (text(&l["lot"]["lotNumber"]))
                        @if let Some(h) = l["lot"]["heatNumber"].as_str() { ", heat " (h) }
                        @if let Some(c) = l["lot"]["certificateRef"].as_str() { ", certificate " (c) } }
                }
            }
        } @else {
            p { "No lot made yet." }
        }
    }
}

/// The forms the job's state and the user's roles allow.
fn actions(req: &Req<'_>, j: &Value, f: &Fields, p: Option<(&str, &Problems)>) -> Markup {
    let n = text(&j["number"]);
    let status = text(&j["status"]);
    let none = Problems::default();
    let on = |a: &str| match p {
        Some((x, pr)) if x == a => pr,
        _ => &none,
    };
    let may = |a: &str| req.may(Http, &format!("POST /planner/jobs/{{number}}/{a}"));
    let results = [
        ("PASS".to_owned(), "Pass".to_owned()),
        ("FAIL".to_owned(), "Fail".to_owned()),
    ];
    html! {
        @if matches!(status.as_str(), "PLANNED" | "SCHEDULED") && may("start") {
            form.action-form id="start-form" method="post" action=(format!("{}/start", job_link(&n))) {
                h2 { "Start" }
                (hidden(req)) (on("start").notice())
                div.fields {
                    (input("code", "Scan the bar or blank to issue", "text", f.get("code"), on("start"), Some("A blank's GS1 label or a bar's lot number; leave blank to issue the oldest released lots.")))
                    (input("operator", "Operator", "text", f.get("operator"), on("start"), None))
                    (input("camProgram", "CAM program", "text", f.get("camProgram"), on("start"), None))
                }
                button type="submit" id="start" { "Start and issue material" }
            }
        }
        @if status == "IN_PROGRESS" && may("complete") {
            form.action-form id="complete-form" method="post" action=(format!("{}/complete", job_link(&n))) {
                h2 { "Complete" }
                (hidden(req)) (on("complete").notice())
                div.fields {
                    (input("quantityMade", "Parts made", "number", f.get("quantityMade"), on("complete"), None))
                    (input("location", "Quarantine location (optional)", "text", f.get("location"), on("complete"), None))
                }
                button type="submit" id="complete" { "Complete" }
            }
        }
        @if status == "INSPECTION" && may("inspect") {
            form.action-form id="inspect-form" method="post" action=(format!("{}/inspect", job_link(&n))) {
                h2 { "Inspect" }
                (hidden(req)) (on("inspect").notice())
                div.fields {
                    (select("result", "Result", f.get("result"), &results, "— choose —", on("inspect")))
                    (input("quantityAccepted", "Parts accepted", "number", f.get("quantityAccepted"), on("inspect"), None))
                    (input("note", "Findings", "text", f.get("note"), on("inspect"), None))
                }
                button type="submit" id="inspect" { "Record inspection" }
            }
        }
        @if matches!(status.as_str(), "PLANNED" | "SCHEDULED") && may("cancel") {
            form.action-form id="cancel-form" method="post" action=(format!("{}/cancel", job_link(&n))) {
                h2 { "Cancel" }
                (hidden(req)) (on("cancel").notice())
                div.fields { (input("reason", "Why", "text", f.get("reason"), on("cancel"), None)) }
                button type="submit" id="cancel" { "Cancel the job" }
            }
        }
        p { a href="/planner" { "Back to the plan" } }
    }
}

/// Runs one mutation with `vars` and the form's idempotency key: its
/// payload, or the problems placed by `map` (nothing changed then).
pub(super) async fn run_one(
    req: &Req<'_>,
    f: &Fields,
    m: &str,
    mut vars: Value,
    map: &[(&str, &str)],
) -> Result<Result<Value, Problems>, Response> {
    vars["key"] = f.opt("key");
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

const ERRS: &str = "job { number } userErrors { code field message }";

/// The mutation and its variables for `action`, or the page's own problem
/// (a scan that names no lot we hold).
async fn action_of(
    req: &Req<'_>,
    action: &str,
    id: &str,
    f: &Fields,
) -> Result<Result<(String, Value), Problems>, Response> {
    let m = |name: &str, args: &str, call: &str| {
        format!("mutation {name}({args}) {{ {call} {{ {ERRS} }} }}")
    };
    Ok(Ok(match action {
        "start" => {
            let mut material = Value::Null;
            if !f.get("code").is_empty() {
                let scan = req
                    .gql(
                        "query S($c: String!) { scan(code: $c) { status lot { id } } }",
                        json!({ "c": f.get("code") }),
                    )
                    .await?;
                match scan {
                    Ok(d) if d["scan"]["lot"]["id"].is_string() => {
                        material = json!([{ "lotId": d["scan"]["lot"]["id"] }])
                    }
                    Ok(d) => {
                        let mut p = Problems::default();
                        p.place(
                            Problem::on(
                                "code",
                                format!(
                                    "the scanned label names no lot we hold ({})",
                                    text(&d["scan"]["status"])
                                ),
                            ),
                            &[("code", "code")],
                        );
                        return Ok(Err(p));
                    }
                    // Not GS1: a bar's label carries its lot number alone.
                    Err(e) => match req
                        .gql(
                            "query L($n: String!) { lot(lotNumber: $n) { id } }",
                            json!({ "n": f.get("code") }),
                        )
                        .await?
                    {
                        Ok(d) if d["lot"]["id"].is_string() => {
                            material = json!([{ "lotId": d["lot"]["id"] }])
                        }
                        _ => {
                            let mut p = Problems::default();
                            p.place(e, &[("code", "code")]);
                            return Ok(Err(p));
                        }
                    },
                }
            }
            let input = json!({ "operator": f.get("operator"), "camProgram": f.get("camProgram"), "material": material });
            (
                m(
                    "Start",
                    "$id: ID!, $input: StartJobInput!, $key: String",
                    "startProductionJob(id: $id, input: $input, idempotencyKey: $key)",
                ),
                json!({ "id": id, "input": input }),
            )
        }
        "complete" => (
            m(
                "Complete",
                "$id: ID!, $input: CompleteJobInput!, $key: String",
                "completeProductionJob(id: $id, input: $input, idempotencyKey: $key)",
            ),
            json!({ "id": id, "input": { "quantityMade": int(f.get("quantityMade")), "location": f.opt("location") } }),
        ),
        "inspect" => (
            m(
                "Inspect",
                "$id: ID!, $input: InspectJobInput!",
                "recordJobInspection(id: $id, input: $input)",
            ),
            json!({ "id": id, "input": { "result": f.get("result"), "note": f.opt("note"),
                "quantityAccepted": if f.get("quantityAccepted").is_empty() { Value::Null } else { int(f.get("quantityAccepted")) } } }),
        ),
        _ => (
            m(
                "Cancel",
                "$id: ID!, $reason: String!",
                "cancelProductionJob(id: $id, reason: $reason)",
            ),
            json!({ "id": id, "reason": f.get("reason") }),
        ),
    }))
}

const ACTION_MAP: &[(&str, &str)] = &[
    ("input.operator", "operator"),
    ("input.camProgram", "camProgram"),
    ("input.material", "code"),
    ("input.quantityMade", "quantityMade"),
    ("input.location", "location"),
    ("input.result", "result"),
    ("input.quantityAccepted", "quantityAccepted"),
    ("input.note", "note"),
    ("reason", "reason"),
];

/// `POST /planner/jobs/{number}/{action}`: start, complete, inspect, cancel.
pub(in crate::http::console) async fn act(
    Path((n, action)): Path<(String, String)>,
    p: Post,
) -> Result<Response, Response> {
    if !matches!(action.as_str(), "start" | "complete" | "inspect" | "cancel") {
        return Ok((StatusCode::NOT_FOUND, "no such action").into_response());
    }
    let (req, f) = p
        .open(&format!("POST /planner/jobs/{{number}}/{action}"))
        .await?;
    let Some(j) = job(&req, &n).await? else {
        return Ok(not_found(&req, &n));
    };
    let outcome = match action_of(&req, &action, &text(&j["id"]), &f).await? {
        Ok((m, vars)) => run_one(&req, &f, &m, vars, ACTION_MAP).await?,
        Err(p) => Err(p),
    };
    match outcome {
        Ok(_) => Ok(see(&format!("{}?done={action}", job_link(&n)))),
        Err(problems) => {
            let warnings = tool_warnings(&req, &j).await?;
            let body = html! {
                (job_markup(&j, &warnings))
                (actions(&req, &j, &f, Some((&action, &problems))))
            };
            Ok(req.respond(status_of(&problems), &text(&j["number"]), body))
        }
    }
}

const CREATE_MAP: &[(&str, &str)] = &[
    ("input.kind", "kind"),
    ("input.articleNumber", "articleNumber"),
    ("input.system", "system"),
    ("input.platform", "platform"),
    ("input.quantity", "quantity"),
    ("input.dueAt", "dueAt"),
    ("input.priority", "priority"),
    ("input.caseReference", "caseReference"),
];

fn create_markup(req: &Req<'_>, f: &Fields, p: &Problems) -> Markup {
    let kinds = [
        ("STOCK".to_owned(), "Stock run (an SKU)".to_owned()),
        ("CUSTOM".to_owned(), "Custom part (a case)".to_owned()),
    ];
    html! {
        h1 { "New production job" }
        form.action-form id="job-form" method="post" action="/planner/jobs/new" {
            (hidden(req)) (p.notice())
            div.fields {
                (select("kind", "Kind", match f.get("kind") { "" => "STOCK", k => k }, &kinds, "— choose —", p))
                (input("articleNumber", "Article number (stock run)", "text", f.get("articleNumber"), p, None))
                (input("system", "Implant system (custom)", "text", f.get("system"), p, None))
                (input("platform", "Platform (custom)", "text", f.get("platform"), p, None))
                (input("caseReference", "Case (custom)", "text", f.get("caseReference"), p, None))
                (input("quantity", "Quantity", "number", match f.get("quantity") { "" => "1", q => q }, p, None))
                (input("dueAt", "Due (UTC)", "datetime-local", f.get("dueAt"), p, None))
                (input("priority", "Priority (1–10)", "number", match f.get("priority") { "" => "5", q => q }, p, None))
            }
            button type="submit" id="create" { "Create and plan" }
        }
    }
}

/// `GET /planner/jobs/new`.
pub(in crate::http::console) async fn new_form(g: Get) -> Result<Response, Response> {
    let (req, f) = g.open("GET /planner/jobs/new").await?;
    Ok(req.respond(
        StatusCode::OK,
        "New job",
        create_markup(&req, &f, &Problems::default()),
    ))
}

/// `POST /planner/jobs/new`.
pub(in crate::http::console) async fn create(p: Post) -> Result<Response, Response> {
    let (req, f) = p.open("POST /planner/jobs/new").await?;
    let due = match chrono::NaiveDateTime::parse_from_str(f.get("dueAt"), "%Y-%m-%dT%H:%M") {
        Ok(t) => json!(t.and_utc().to_rfc3339()),
        Err(_) => json!(f.get("dueAt")),
    };
    let input = json!({
        "kind": f.get("kind"), "articleNumber": f.opt("articleNumber"), "system": f.opt("system"),
        "platform": f.opt("platform"), "caseReference": f.opt("caseReference"),
        "quantity": int(f.get("quantity")), "priority": int(f.get("priority")), "dueAt": due,
    });
    let m = format!(
        "mutation Create($input: CreateJobInput!, $key: String) {{ createProductionJob(input: $input, idempotencyKey: $key) {{ {ERRS} }} }}"
    );
    match run_one(&req, &f, &m, json!({ "input": input }), CREATE_MAP).await? {
        Ok(pl) => Ok(see(&format!(
            "{}?done=create",
            job_link(&text(&pl["job"]["number"]))
        ))),
        Err(problems) => Ok(req.respond(
            status_of(&problems),
            "New job",
            create_markup(&req, &f, &problems),
        )),
    }
}
