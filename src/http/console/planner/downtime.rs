//! `GET`/`POST /planner/downtime`: book a downtime or a breakdown
//! (`addMachineDowntime`, which replans) and see what it moved. The page
//! reads the plan and the promises (open jobs' planned ends and lateness,
//! the cases in production and their ETA) just before the mutation and
//! just after it, and shows the two charts side by side with the
//! differences: cases whose ETA changed, jobs that became late (or on time),
//! jobs whose end moved.

use std::collections::BTreeMap;

use axum::{http::StatusCode, response::Response};
use chrono::{DateTime, NaiveDateTime, Utc};
use maud::{Markup, html};
use serde_json::{Value, json};

use super::super::warehouse::forms::{mutate, mutation};
use super::super::warehouse::{
    Fields, Get, Post, Problems, Req, hidden, input, num, select, status_of, text, when,
};
use super::chart::{self, Window};
use super::{Zoom, job_link, lanes, schedule, window};
use crate::manufacturing::calendar::minute_of;

const MAP: &[(&str, &str)] = &[
    ("input.machineId", "machine"),
    ("input.kind", "kind"),
    ("input.startsAt", "startsAt"),
    ("input.endsAt", "endsAt"),
    ("input.reason", "reason"),
];

const MACHINES: &str = "{ machines(first: 500) { edges { node { id code name } } } }";

const PROMISES: &str = "{ \
    productionJobs(filter: { statuses: [PLANNED, SCHEDULED, IN_PROGRESS] }, first: 500) { edges { node { \
      number plannedEnd latenessMinutes dueAt caseReference machine { code } } } } \
    clinicalCases(statuses: [IN_PRODUCTION], first: 500) { edges { node { number dueAt expectedReadyAt job { number } } } } }";

async fn machines(req: &Req<'_>) -> Result<Vec<(String, String)>, Response> {
    Ok(match req.gql(MACHINES, Value::Null).await? {
        Ok(d) => d["machines"]["edges"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    text(&e["node"]["id"]),
                    format!(
                        "{} — {}",
                        text(&e["node"]["code"]),
                        text(&e["node"]["name"])
                    ),
                )
            })
            .collect(),
        Err(_) => vec![],
    })
}

fn form_markup(req: &Req<'_>, f: &Fields, p: &Problems, machines: &[(String, String)]) -> Markup {
    let kinds: Vec<(String, String)> = [
        ("BREAKDOWN", "Breakdown"),
        ("MAINTENANCE", "Maintenance"),
        ("CALIBRATION", "Calibration"),
    ]
    .iter()
    .map(|(v, t)| ((*v).to_owned(), (*t).to_owned()))
    .collect();
    let kind = match f.get("kind") {
        "" => "BREAKDOWN",
        k => k,
    };
    html! {
        form.action-form id="downtime-form" method="post" action="/planner/downtime" {
            (hidden(req))
            (p.notice())
            div.fields {
                (select("machine", "Machine", f.get("machine"), machines, "— choose —", p))
                (select("kind", "Kind", kind, &kinds, "— choose —", p))
                (input("startsAt", "From (UTC)", "datetime-local", f.get("startsAt"), p, None))
                (input("endsAt", "To (UTC)", "datetime-local", f.get("endsAt"), p, None))
                (input("reason", "Reason", "text", f.get("reason"), p, None))
            }
            button type="submit" id="book-downtime" { "Book it and replan" }
        }
    }
}

/// `GET /planner/downtime`.
pub(in crate::http::console) async fn form(g: Get) -> Result<Response, Response> {
    let (req, f) = g.open("GET /planner/downtime").await?;
    let machines = machines(&req).await?;
    let body = html! {
        h1 { "Add downtime or a breakdown" }
        p { "The machine is taken out of the plan for the window; the plan is made again and this page shows what moved." }
        (form_markup(&req, &f, &Problems::default(), &machines))
    };
    Ok(req.respond(StatusCode::OK, "Add downtime", body))
}

/// A `datetime-local` value (UTC) as RFC 3339; else the text as typed, for
/// the API to name.
fn instant(v: &str) -> Value {
    for fmt in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(v, fmt) {
            return json!(t.and_utc().to_rfc3339());
        }
    }
    json!(v)
}

/// The promises at one moment: open jobs (planned end, lateness, due) and
/// the cases in production (ETA, due).
#[derive(Default)]
struct Promises {
    jobs: BTreeMap<String, Value>,
    cases: BTreeMap<String, Value>,
}

async fn promises(req: &Req<'_>) -> Result<Promises, Response> {
    let d = match req.gql(PROMISES, Value::Null).await? {
        Ok(d) => d,
        Err(_) => return Err(super::super::internal()),
    };
    let by = |v: &Value, key: &str| -> BTreeMap<String, Value> {
        v["edges"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| (text(&e["node"][key]), e["node"].clone()))
            .collect()
    };
    Ok(Promises {
        jobs: by(&d["productionJobs"], "number"),
        cases: by(&d["clinicalCases"], "number"),
    })
}

/// `POST /planner/downtime`: capture, book, capture, compare.
pub(in crate::http::console) async fn submit(p: Post) -> Result<Response, Response> {
    let (req, f) = p.open("POST /planner/downtime").await?;
    let input = json!({
        "machineId": f.get("machine"),
        "kind": f.get("kind"),
        "startsAt": instant(f.get("startsAt")),
        "endsAt": instant(f.get("endsAt")),
        "reason": f.get("reason"),
    });
    let start = DateTime::<Utc>::from_timestamp(
        instant(f.get("startsAt"))
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.timestamp())
            .unwrap_or_else(|| Utc::now().timestamp()),
        0,
    )
    .unwrap_or_else(Utc::now);
    // The week from today when the downtime starts in it, else from its day.
    let today = Utc::now().date_naive();
    let day = match start.date_naive() {
        d if (today..today + chrono::Duration::days(7)).contains(&d) => today,
        d => d,
    };
    let (from, to) = window(day, Zoom::Week);
    let before_plan = schedule(&req, from, to).await?;
    let before = promises(&req).await?;
    let m = mutation(
        "AddDowntime",
        "AddDowntimeInput",
        "addMachineDowntime",
        "downtime { id kind startsAt endsAt reason }",
    );
    // addMachineDowntime takes no idempotency key; the helper sends it unused.
    let m = m
        .replace(", $key: String", "")
        .replace(", idempotencyKey: $key", "");
    match mutate(&req, &f, &m, input, MAP).await? {
        Err(problems) => {
            let machines = machines(&req).await?;
            let body = html! {
                h1 { "Add downtime or a breakdown" }
                (form_markup(&req, &f, &problems, &machines))
            };
            Ok(req.respond(status_of(&problems), "Add downtime", body))
        }
        Ok(payload) => {
            let after_plan = schedule(&req, from, to).await?;
            let after = promises(&req).await?;
            let w = Window {
                from: minute_of(from),
                to: minute_of(to),
                now: minute_of(Utc::now()),
            };
            let d = &payload["downtime"];
            let body = html! {
                h1 { "Downtime booked; the plan was made again" }
                p.ok role="status" id="downtime-done" {
                    (text(&d["kind"])) " " (when(&d["startsAt"])) " – " (when(&d["endsAt"])) " UTC: " (text(&d["reason"]))
                }
                (moved(&before, &after))
                div.side-by-side {
                    div { h2 { "Before" } (chart::gantt("plan-before", "The plan before", &lanes(&before_plan, from, to), w)) }
                    div { h2 { "After" } (chart::gantt("plan-after", "The plan after", &lanes(&after_plan, from, to), w)) }
                }
                p { a href="/planner" { "Back to the plan" } " · " a href="/planner/downtime" { "Add another" } }
            };
            Ok(req.respond(StatusCode::OK, "Downtime booked", body))
        }
    }
}

fn late(j: &Value) -> bool {
    num(&j["latenessMinutes"]) > 0
}

/// The promises that moved between `b` and `a`.
fn moved(b: &Promises, a: &Promises) -> Markup {
    let cases: Vec<(&String, &Value, &Value)> = a
        .cases
        .iter()
        .filter_map(|(n, after)| {
            let before = b.cases.get(n)?;
            (before["expectedReadyAt"] != after["expectedReadyAt"]).then_some((n, before, after))
        })
        .collect();
    let jobs: Vec<(&String, &Value, &Value)> = a
        .jobs
        .iter()
        .filter_map(|(n, after)| {
            let before = b.jobs.get(n)?;
            (before["plannedEnd"] != after["plannedEnd"] || late(before) != late(after))
                .then_some((n, before, after))
        })
        .collect();
    let newly_late: Vec<&&String> = jobs
        .iter()
        .filter(|(_, b, a)| !late(b) && late(a))
        .map(|(n, _, _)| n)
        .collect();
    html! {
        section id="moved" aria-labelledby="moved-heading" {
            h2 id="moved-heading" { "Promises that moved" }
            @if cases.is_empty() && jobs.is_empty() { p id="nothing-moved" { "Nothing moved: no case's ETA changed and no job's end." } }
            @if !newly_late.is_empty() {
                p.notice role="alert" id="newly-late" { "Now late: " @for (i, n) in newly_late.iter().enumerate() { @if i > 0 { ", " } a href=(job_link(n)) { (n) } } }
            }
            @if !cases.is_empty() {
                h3 { "Cases whose ETA changed" }
                table id="moved-cases" {
                    thead { tr { th { "Case" } th { "Job" } th { "Due (UTC)" } th { "ETA before" } th { "ETA after" } th { "On time after?" } } }
                    tbody {
                        @for (n, b, a) in &cases {
                            tr data-case=(n) {
                                td { a href=(format!("/cases/{}", form_urlencoded::byte_serialize(n.as_bytes()).collect::<String>())) { (n) } }
                                td { (text(&a["job"]["number"])) }
                                td.when { (when(&a["dueAt"])) }
                                td.when { (when(&b["expectedReadyAt"])) }
                                td.when { (when(&a["expectedReadyAt"])) }
                                td { (on_time(a)) }
                            }
                        }
                    }
                }
            }
            @if !jobs.is_empty() {
                h3 { "Jobs whose end moved" }
                table id="moved-jobs" {
                    thead { tr { th { "Job" } th { "Machine" } th { "Due (UTC)" } th { "End before" } th { "End after" } th { "Late before" } th { "Late after" } } }
                    tbody {
                        @for (n, b, a) in &jobs {
                            tr data-job=(n) {
                                td { a href=(job_link(n)) { (n) } }
                                td { (text(&a["machine"]["code"])) }
                                td.when { (when(&a["dueAt"])) }
                                td.when { (when(&b["plannedEnd"])) }
                                td.when { (when(&a["plannedEnd"])) }
                                td { (lateness(b)) }
                                td { (lateness(a)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn lateness(j: &Value) -> Markup {
    html! { @if late(j) { span.late { (num(&j["latenessMinutes"])) " min late" } } @else { "on time" } }
}

fn on_time(c: &Value) -> Markup {
    let eta = c["expectedReadyAt"].as_str();
    let due = c["dueAt"].as_str();
    let late = match (
        eta.map(DateTime::parse_from_rfc3339),
        due.map(DateTime::parse_from_rfc3339),
    ) {
        (Some(Ok(e)), Some(Ok(d))) => e > d,
        _ => false,
    };
    html! { @if late { span.late { "late" } } @else { "yes" } }
}
