//! `GET /planner`: the plan as a Gantt chart (a day or a week, `?zoom=day`,
//! `?from=YYYY-MM-DD`), the week's utilisation per machine, the tool life
//! warnings and the jobs no machine could take.

use axum::response::Response;
use chrono::{Duration, NaiveDate, Utc};
use maud::{Markup, html};
use serde_json::Value;

use super::super::warehouse::{Get, Req, link, num, text, when};
use super::chart::{self, Window};
use super::{Zoom, job_link, lanes, schedule, window};
use crate::access::permissions::OpKind::Http;
use crate::manufacturing::calendar::minute_of;

const TOOLS: &str = "{ tools(first: 500) { edges { node { code name uses lifeLimit remainingUses wornOut machine { code } } } } }";

/// `GET /planner`.
pub(in crate::http::console) async fn page(g: Get) -> Result<Response, Response> {
    let (req, f) = g.open("GET /planner").await?;
    let zoom = Zoom::parse(f.get("zoom"));
    let today = Utc::now().date_naive();
    let start = match f.get("from") {
        "" => today,
        v => match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            Ok(d) => d,
            Err(_) => {
                return Ok(req.respond(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    "Plan",
                    html! {
                        h1 { "The plan" }
                        p.notice role="alert" id="form-notice" { "from: give a date as YYYY-MM-DD, got `" (v) "`." }
                        p { a href="/planner" { "This week's plan" } }
                    },
                ));
            }
        },
    };
    let (from, to) = window(start, zoom);
    let plan = schedule(&req, from, to).await?;
    // Utilisation is always the week's, whatever the zoom.
    let week = if zoom == Zoom::Week {
        plan.clone()
    } else {
        let (wf, wt) = window(start, Zoom::Week);
        schedule(&req, wf, wt).await?
    };
    let tools = match req.gql(TOOLS, Value::Null).await? {
        Ok(d) => d["tools"]["edges"].as_array().cloned().unwrap_or_default(),
        Err(_) => vec![],
    };
    let w = Window {
        from: minute_of(from),
        to: minute_of(to),
        now: minute_of(Utc::now()),
    };
    let caption = format!(
        "Plan per machine, {} – {} (UTC)",
        from.format("%a %Y-%m-%d"),
        (to - Duration::minutes(1)).format("%a %Y-%m-%d")
    );
    let body = html! {
        h1 { "The plan" }
        (nav(&req, zoom, start))
        (chart::gantt("plan", &caption, &lanes(&plan, from, to), w))
        (job_table(&plan))
        h2 { "Machine utilisation, week of " (window(start, Zoom::Week).0.format("%Y-%m-%d")) }
        (chart::utilisation(&util_rows(&week)))
        (tool_warnings(&plan, &tools))
        (unscheduled(&plan))
        (last_run(&plan["lastRun"]))
    };
    Ok(req.respond(axum::http::StatusCode::OK, "Plan", body))
}

fn nav(req: &Req<'_>, zoom: Zoom, start: NaiveDate) -> Markup {
    let step = Duration::days(zoom.days());
    let d = |x: NaiveDate| x.format("%Y-%m-%d").to_string();
    html! {
        nav.plan-nav aria-label="Plan window" {
            a.action href=(link("/planner", &[("zoom", zoom.as_str()), ("from", &d(start - step))])) id="earlier" { "← Earlier" }
            a.action href=(link("/planner", &[("zoom", zoom.as_str())])) id="today" { "Today" }
            a.action href=(link("/planner", &[("zoom", zoom.as_str()), ("from", &d(start + step))])) id="later" { "Later →" }
            " Zoom: "
            @if zoom == Zoom::Week { strong { "week" } } @else {
                a.action href=(link("/planner", &[("zoom", "week"), ("from", &d(start))])) id="zoom-week" { "week" } }
            " "
            @if zoom == Zoom::Day { strong { "day" } } @else {
                a.action href=(link("/planner", &[("zoom", "day"), ("from", &d(start))])) id="zoom-day" { "day" } }
            @if req.may(Http, "GET /planner/downtime") {
                " " a.button href="/planner/downtime" id="add-downtime" { "Add downtime or a breakdown" }
            }
            @if req.may(Http, "GET /planner/jobs/new") {
                " " a.button href="/planner/jobs/new" id="new-job" { "New job" }
            }
        }
    }
}

/// The chart's text alternative: every bar as a row.
fn job_table(plan: &Value) -> Markup {
    html! {
        details.plan-table {
            summary { "The plan as a table" }
            div.scroll {
                table id="plan-jobs" {
                    thead { tr { th { "Machine" } th { "Job" } th { "Status" } th { "Start (UTC)" } th { "End (UTC)" } th { "Due (UTC)" } th { "Late" } } }
                    tbody {
                        @for m in plan["machines"].as_array().into_iter().flatten() {
                            @for e in m["jobs"].as_array().into_iter().flatten() {
                                tr {
                                    td { (text(&m["machine"]["code"])) }
                                    td { a href=(job_link(&text(&e["job"]["number"]))) { (text(&e["job"]["number"])) } }
                                    td { (text(&e["job"]["status"])) }
                                    td.when { (when(&e["start"])) }
                                    td.when { (when(&e["end"])) }
                                    td.when { (when(&e["job"]["dueAt"])) }
                                    td { @if e["late"] == true { span.late { "late " (num(&e["job"]["latenessMinutes"])) " min" } } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn util_rows(plan: &Value) -> Vec<(String, f64, i64, i64)> {
    plan["machines"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            (
                text(&m["machine"]["code"]),
                m["utilisation"].as_f64().unwrap_or(0.0),
                num(&m["busyMinutes"]),
                num(&m["availableMinutes"]),
            )
        })
        .collect()
}

/// Tools that a planned job would take past their life, and tools with a
/// tenth of their life or less left.
fn tool_warnings(plan: &Value, tools: &[Value]) -> Markup {
    let planned: Vec<(String, String)> = plan["machines"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|m| m["jobs"].as_array().cloned().unwrap_or_default())
        .flat_map(|e| {
            let n = text(&e["job"]["number"]);
            e["toolWarnings"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |w| (n.clone(), text(&w)))
        })
        .collect();
    let low: Vec<&Value> = tools
        .iter()
        .map(|e| &e["node"])
        .filter(|t| num(&t["remainingUses"]) * 10 <= num(&t["lifeLimit"]))
        .collect();
    html! {
        section id="tool-warnings" aria-labelledby="tools-heading" {
            h2 id="tools-heading" { "Tool life" }
            @if planned.is_empty() && low.is_empty() { p { "No tool is near its life limit." } }
            @if !planned.is_empty() {
                ul.warning {
                    @for (job, w) in &planned { li { a href=(job_link(job)) { (job) } ": " (w) } }
                }
            }
            @if !low.is_empty() {
                table id="tools-low" {
                    thead { tr { th { "Tool" } th { "Machine" } th { "Uses" } th { "Life" } th { "Left" } } }
                    tbody {
                        @for t in &low {
                            tr {
                                td { (text(&t["code"])) " — " (text(&t["name"])) }
                                td { (text(&t["machine"]["code"])) }
                                td.num { (num(&t["uses"])) }
                                td.num { (num(&t["lifeLimit"])) }
                                td.num { @if t["wornOut"] == true { span.late { "worn out" } } @else { (num(&t["remainingUses"])) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn unscheduled(plan: &Value) -> Markup {
    let jobs = plan["unscheduledJobs"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    html! {
        @if !jobs.is_empty() {
            section id="unscheduled" {
                h2 { "Not placed on any machine" }
                ul { @for j in &jobs { li { a href=(job_link(&text(&j["number"]))) { (text(&j["number"])) } " — due " (when(&j["dueAt"])) ": " (text(&j["statusReason"])) } } }
            }
        }
    }
}

fn last_run(r: &Value) -> Markup {
    html! {
        @if r.is_object() {
            p.hint id="last-run" {
                "Planned " (when(&r["at"])) " UTC by " (text(&r["algorithm"])) " (" (text(&r["trigger"])) "): "
                (num(&r["scheduled"])) " of " (num(&r["jobs"])) " jobs placed, total weighted tardiness "
                (num(&r["totalWeightedTardiness"])) "."
            }
        }
    }
}
