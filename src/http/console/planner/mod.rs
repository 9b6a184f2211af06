//! The planner's console: the plan as a Gantt chart per machine with the
//! week's utilisation and the tool life warnings ([`board`]), a downtime or
//! breakdown and the promises it moved, the plan before and after side by
//! side ([`downtime`]), and the jobs: a job's page with its material, tools,
//! genealogy and lateness, and the forms that create, start (a scanned bar
//! or blank lot, or the oldest released), complete, inspect and cancel it
//! ([`jobs`]). The charts are SVG drawn on the server ([`chart`]). Like
//! every console page, each reads the schema as the signed-in user, each
//! form runs one mutation and shows its `userErrors`, and each page and form
//! is an entry of the permission matrix (`GET /planner`, `POST
//! /planner/jobs/{number}/start` …). The plumbing (sessions, CSRF, fields,
//! problems) is the warehouse console's.

mod board;
mod chart;
mod downtime;
mod jobs;

use axum::{Router, routing::get};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use super::AppState;
use super::warehouse::{Req, text};
use crate::manufacturing::calendar::{Shift, minute_of, working_windows};
use chart::{Bar, Lane, minute};

/// The planner routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/planner", get(board::page))
        .route(
            "/planner/downtime",
            get(downtime::form).post(downtime::submit),
        )
        .route("/planner/jobs/new", get(jobs::new_form).post(jobs::create))
        .route("/planner/jobs/{number}", get(jobs::page))
        .route(
            "/planner/jobs/{number}/{action}",
            axum::routing::post(jobs::act),
        )
}

/// The chart's zoom: a day or a week from the start of a day (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zoom {
    Day,
    Week,
}

impl Zoom {
    fn parse(v: &str) -> Zoom {
        if v == "day" { Zoom::Day } else { Zoom::Week }
    }
    fn as_str(self) -> &'static str {
        match self {
            Zoom::Day => "day",
            Zoom::Week => "week",
        }
    }
    fn days(self) -> i64 {
        match self {
            Zoom::Day => 1,
            Zoom::Week => 7,
        }
    }
}

/// The window a chart shows: `days` from the start of `start` (UTC).
fn window(start: NaiveDate, zoom: Zoom) -> (DateTime<Utc>, DateTime<Utc>) {
    let from = start.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    (from, from + Duration::days(zoom.days()))
}

const SCHEDULE: &str = "query Plan($from: DateTime!, $to: DateTime!) { productionSchedule(from: $from, to: $to) { \
    lastRun { algorithm trigger at jobs scheduled unscheduled totalWeightedTardiness } \
    machines { utilisation busyMinutes availableMinutes \
      machine { id code name kind status timeZone shifts { weekday start end } } \
      downtime { kind reason startsAt endsAt } \
      jobs { start end late toolWarnings job { number status dueAt latenessMinutes caseReference } } } \
    unscheduledJobs { number dueAt statusReason } } }";

/// The plan in `[from, to)` as the schema gives it (`productionSchedule`).
async fn schedule(
    req: &Req<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Value, axum::response::Response> {
    match req
        .gql(
            SCHEDULE,
            json!({ "from": from.to_rfc3339(), "to": to.to_rfc3339() }),
        )
        .await?
    {
        Ok(d) => Ok(d["productionSchedule"].clone()),
        Err(p) => {
            tracing::error!(?p, "console: the plan could not be read");
            Err(super::internal())
        }
    }
}

/// `HH:MM` as minutes of the day (`24:00` is 1440).
fn minutes_of_day(v: &Value) -> Option<i32> {
    let (h, m) = v.as_str()?.split_once(':')?;
    Some(h.parse::<i32>().ok()? * 60 + m.parse::<i32>().ok()?)
}

/// A machine's working windows in `[from, to)` from its weekly shifts.
fn shift_windows(machine: &Value, from: i64, to: i64) -> Vec<(i64, i64)> {
    let tz: Tz = text(&machine["timeZone"]).parse().unwrap_or(Tz::UTC);
    let shifts: Vec<Shift> = machine["shifts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| {
            Some(Shift {
                weekday: s["weekday"].as_i64()? as i16,
                start_minute: minutes_of_day(&s["start"])?,
                end_minute: minutes_of_day(&s["end"])?,
            })
        })
        .collect();
    working_windows(&tz, &shifts, &[], from, to)
}

/// The lanes of the chart from a `productionSchedule` answer.
fn lanes(plan: &Value, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Lane> {
    let (from, to) = (minute_of(from), minute_of(to));
    plan["machines"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| Lane {
            code: text(&m["machine"]["code"]),
            shifts: shift_windows(&m["machine"], from, to),
            downtime: m["downtime"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| {
                    Some((
                        minute(&d["startsAt"])?,
                        minute(&d["endsAt"])?,
                        format!("{} {}", text(&d["kind"]), text(&d["reason"])),
                    ))
                })
                .collect(),
            bars: m["jobs"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| {
                    Some(Bar {
                        number: text(&e["job"]["number"]),
                        start: minute(&e["start"])?,
                        end: minute(&e["end"])?,
                        late: e["late"].as_bool().unwrap_or(false),
                        status: text(&e["job"]["status"]),
                        tool_warning: e["toolWarnings"].as_array().is_some_and(|w| !w.is_empty()),
                    })
                })
                .collect(),
        })
        .collect()
}

/// The link to a job's page.
fn job_link(number: &str) -> String {
    format!(
        "/planner/jobs/{}",
        form_urlencoded::byte_serialize(number.as_bytes()).collect::<String>()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_read_as_local_hours_become_utc_windows_and_24_00_ends_the_day() {
        let m = json!({ "timeZone": "Europe/Zurich",
            "shifts": [{ "weekday": 1, "start": "06:00", "end": "14:00" }, { "weekday": 1, "start": "14:00", "end": "24:00" }] });
        // Monday 2026-12-07, Zurich is UTC+1 in winter.
        let from = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let (a, b) = window(from, Zoom::Day);
        let w = shift_windows(&m, minute_of(a), minute_of(b));
        assert_eq!(w, vec![(minute_of(a) + 5 * 60, minute_of(a) + 23 * 60)]);
        assert_eq!(minutes_of_day(&json!("24:00")), Some(1440));
        assert_eq!(Zoom::parse("day"), Zoom::Day);
        assert_eq!(Zoom::parse("anything"), Zoom::Week);
    }
}
