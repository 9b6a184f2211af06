//! The plan drawn as SVG on the server (no script, no chart library): a
//! Gantt chart with one lane per machine — its shifts shaded, its downtime
//! hatched, each job a bar labelled with its number and linked to its page,
//! a late job red with a `!` at its end, a job whose tools would pass their
//! life outlined — and a "now" line; and the week's utilisation per machine
//! as horizontal bars. Both read plain figures (UTC minutes) that the pages
//! take from `productionSchedule`; every mark has a `<title>` and the
//! charts carry a text alternative.

use chrono::{DateTime, Datelike, Utc};
use maud::{Markup, html};

use crate::manufacturing::calendar::{instant, minute_of};

/// One job on a lane.
#[derive(Debug, Clone)]
pub(super) struct Bar {
    pub number: String,
    pub start: i64,
    pub end: i64,
    pub late: bool,
    pub status: String,
    pub tool_warning: bool,
}

/// One machine's lane: its working windows, downtime (kind, reason) and jobs.
#[derive(Debug, Clone, Default)]
pub(super) struct Lane {
    pub code: String,
    pub shifts: Vec<(i64, i64)>,
    pub downtime: Vec<(i64, i64, String)>,
    pub bars: Vec<Bar>,
}

/// What a chart shows: `[from, to)` in UTC minutes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    pub from: i64,
    pub to: i64,
    pub now: i64,
}

const WIDTH: f64 = 1200.0;
const LABEL: f64 = 90.0;
const HEAD: f64 = 26.0;
const LANE: f64 = 34.0;

impl Window {
    fn x(&self, m: i64) -> f64 {
        let m = m.clamp(self.from, self.to);
        LABEL + (m - self.from) as f64 * (WIDTH - LABEL - 4.0) / (self.to - self.from).max(1) as f64
    }

    /// Tick marks: every day for a week or more, every two hours within a day.
    fn ticks(&self) -> Vec<(i64, String)> {
        let day = self.to - self.from <= 24 * 60;
        let step = if day { 120 } else { 24 * 60 };
        let first = self.from.div_euclid(step) * step;
        let mut out = Vec::new();
        let mut m = first;
        while m < self.to {
            if m >= self.from {
                let t: DateTime<Utc> = instant(m);
                out.push((
                    m,
                    if day {
                        t.format("%H:%M").to_string()
                    } else {
                        format!("{} {:02}", t.weekday(), t.day())
                    },
                ));
            }
            m += step;
        }
        out
    }
}

fn f(v: f64) -> String {
    format!("{v:.1}")
}

fn hhmm(m: i64) -> String {
    instant(m).format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The Gantt chart of `lanes` over `w`; `id` names it on the page.
pub(super) fn gantt(id: &str, caption: &str, lanes: &[Lane], w: Window) -> Markup {
    let height = HEAD + LANE * lanes.len() as f64 + 6.0;
    let title_id = format!("{id}-title");
    html! {
        figure.chart id=(id) {
            svg xmlns="http://www.w3.org/2000/svg" class="gantt" viewBox=(format!("0 0 {WIDTH} {}", f(height)))
                role="img" aria-labelledby=(title_id) {
                title id=(title_id) { (caption) }
                defs {
                    pattern id=(format!("{id}-hatch")) width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)" {
                        rect width="6" height="6" fill="#fbe3e6" {}
                        line x1="0" y1="0" x2="0" y2="6" stroke="#a40e26" stroke-width="2" {}
                    }
                }
                @for (m, label) in w.ticks() {
                    line.tick x1=(f(w.x(m))) y1=(f(HEAD - 4.0)) x2=(f(w.x(m))) y2=(f(height)) stroke="#c9d1d9" {}
                    text x=(f(w.x(m) + 3.0)) y="16" font-size="12" fill="#4a5560" { (label) }
                }
                @for (i, lane) in lanes.iter().enumerate() {
                    (lane_marks(id, i, lane, w))
                }
                @if (w.from..w.to).contains(&w.now) {
                    g.now {
                        line x1=(f(w.x(w.now))) y1=(f(HEAD - 6.0)) x2=(f(w.x(w.now))) y2=(f(height))
                            stroke="#d35400" stroke-width="2" stroke-dasharray="5 3" {}
                        text x=(f(w.x(w.now) + 3.0)) y=(f(height - 2.0)) font-size="11" fill="#d35400" { "now" }
                        title { "Now: " (hhmm(w.now)) }
                    }
                }
            }
            figcaption { (caption) " — shaded: shifts; hatched: downtime; red with !: late; thick outline: a tool would pass its life." }
        }
    }
}

fn lane_marks(id: &str, i: usize, lane: &Lane, w: Window) -> Markup {
    let y = HEAD + LANE * i as f64;
    html! {
        g.lane data-machine=(lane.code) {
            text x="4" y=(f(y + LANE / 2.0 + 4.0)) font-size="13" font-weight="600" fill="#1b1f23" { (lane.code) }
            line x1=(f(LABEL)) y1=(f(y + LANE)) x2=(f(WIDTH)) y2=(f(y + LANE)) stroke="#e3e8ee" {}
            @for (a, b) in lane.shifts.iter().filter(|(a, b)| *b > w.from && *a < w.to) {
                rect.shift x=(f(w.x(*a))) y=(f(y + 2.0)) width=(f(w.x(*b) - w.x(*a))) height=(f(LANE - 4.0)) fill="#e6eef7" {
                    title { (lane.code) " shift " (hhmm(*a)) " – " (hhmm(*b)) }
                }
            }
            @for (a, b, what) in lane.downtime.iter().filter(|(a, b, _)| *b > w.from && *a < w.to) {
                rect.downtime x=(f(w.x(*a))) y=(f(y + 2.0)) width=(f((w.x(*b) - w.x(*a)).max(2.0))) height=(f(LANE - 4.0))
                    fill=(format!("url(#{id}-hatch)")) {
                    title { (lane.code) " downtime " (what) ": " (hhmm(*a)) " – " (hhmm(*b)) }
                }
            }
            @for bar in lane.bars.iter().filter(|b| b.end > w.from && b.start < w.to) {
                (bar_mark(bar, y, w))
            }
        }
    }
}

fn bar_mark(bar: &Bar, y: f64, w: Window) -> Markup {
    let (x0, x1) = (w.x(bar.start), w.x(bar.end));
    let width = (x1 - x0).max(3.0);
    let fill = match (bar.late, bar.status.as_str()) {
        (true, _) => "#a40e26",
        (_, "IN_PROGRESS") => "#1a6b2f",
        (_, "DONE" | "INSPECTION") => "#6b7785",
        _ => "#0b5cad",
    };
    let href = format!(
        "/planner/jobs/{}",
        form_urlencoded::byte_serialize(bar.number.as_bytes()).collect::<String>()
    );
    html! {
        a href=(href) class=(if bar.late { "job late" } else { "job" }) data-job=(bar.number) {
            rect x=(f(x0)) y=(f(y + 6.0)) width=(f(width)) height=(f(LANE - 12.0)) rx="3" fill=(fill)
                stroke=(if bar.tool_warning { "#f0b429" } else { "#ffffff" })
                stroke-width=(if bar.tool_warning { "3" } else { "1" }) {}
            @if width > 64.0 {
                text x=(f(x0 + 4.0)) y=(f(y + LANE / 2.0 + 4.0)) font-size="11" fill="#ffffff" { (bar.number) }
            }
            @if bar.late {
                text x=(f(x0 + width + 2.0)) y=(f(y + LANE / 2.0 + 5.0)) font-size="14" font-weight="700" fill="#a40e26" { "!" }
            }
            title {
                (bar.number) " (" (bar.status) "): " (hhmm(bar.start)) " – " (hhmm(bar.end))
                @if bar.late { " — LATE" }
                @if bar.tool_warning { " — a tool would pass its life" }
            }
        }
    }
}

/// The week's utilisation per machine (code, share of available minutes
/// busy, busy and available minutes) as horizontal bars.
pub(super) fn utilisation(rows: &[(String, f64, i64, i64)]) -> Markup {
    let height = 24.0 * rows.len() as f64 + 8.0;
    html! {
        figure.chart id="utilisation" {
            svg xmlns="http://www.w3.org/2000/svg" class="utilisation" viewBox=(format!("0 0 640 {}", f(height)))
                role="img" aria-labelledby="utilisation-title" {
                title id="utilisation-title" { "Machine utilisation for the week" }
                @for (i, (code, u, busy, avail)) in rows.iter().enumerate() {
                    @let y = 4.0 + 24.0 * i as f64;
                    g.util data-machine=(code) {
                        text x="4" y=(f(y + 15.0)) font-size="13" font-weight="600" fill="#1b1f23" { (code) }
                        rect x="90" y=(f(y + 2.0)) width="460" height="18" fill="#e6eef7" {}
                        rect x="90" y=(f(y + 2.0)) width=(f(460.0 * u.clamp(0.0, 1.0))) height="18" fill="#0b5cad" {}
                        text x="556" y=(f(y + 15.0)) font-size="12" fill="#1b1f23" { (format!("{:.0} %", u * 100.0)) }
                        title { (code) ": " (busy) " of " (avail) " available minutes busy" }
                    }
                }
            }
        }
    }
}

/// RFC 3339 text as UTC minutes.
pub(super) fn minute(v: &serde_json::Value) -> Option<i64> {
    v.as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|d| minute_of(d.with_timezone(&Utc)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w() -> Window {
        Window {
            from: 0,
            to: 7 * 24 * 60,
            now: 60,
        }
    }

    #[test]
    fn a_late_job_is_red_with_a_mark_and_links_to_its_page_and_the_now_line_is_drawn() {
        let lane = Lane {
            code: "MILL-1".into(),
            shifts: vec![(0, 600)],
            downtime: vec![(700, 900, "BREAKDOWN spindle".into())],
            bars: vec![Bar {
                number: "JOB-000007".into(),
                start: 100,
                end: 2000,
                late: true,
                status: "SCHEDULED".into(),
                tool_warning: false,
            }],
        };
        let svg = gantt("plan", "The plan", &[lane], w()).into_string();
        assert!(svg.contains(r#"href="/planner/jobs/JOB-000007""#), "{svg}");
        assert!(svg.contains("JOB-000007 (SCHEDULED)") && svg.contains("LATE"));
        assert!(svg.contains(r##"fill="#a40e26""##) && svg.contains(">!</text>"));
        assert!(svg.contains("downtime BREAKDOWN spindle"));
        assert!(svg.contains(">now</text>"));
    }

    #[test]
    fn marks_outside_the_window_are_left_out_and_bars_are_clamped_to_it() {
        let lane = Lane {
            code: "SWISS-1".into(),
            bars: vec![
                Bar {
                    number: "JOB-1".into(),
                    start: -500,
                    end: -10,
                    late: false,
                    status: "DONE".into(),
                    tool_warning: false,
                },
                Bar {
                    number: "JOB-2".into(),
                    start: -500,
                    end: 100,
                    late: false,
                    status: "IN_PROGRESS".into(),
                    tool_warning: true,
                },
            ],
            ..Lane::default()
        };
        let svg = gantt("p", "c", &[lane], w()).into_string();
        assert!(!svg.contains("JOB-1"));
        assert!(svg.contains("JOB-2") && svg.contains(r#"x="90.0""#));
        assert!(svg.contains("a tool would pass its life"));
    }
}
