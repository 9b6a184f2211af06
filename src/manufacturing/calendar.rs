//! Machine calendars: weekly shifts in a named time zone become working
//! windows in UTC minutes, with downtime cut out. Daylight-saving changes are
//! honoured (a shift is its wall-clock hours on that day); shifts that touch
//! (06:00–14:00, 14:00–22:00, or 22:00–24:00 then 00:00–06:00 next day) merge
//! into one window, so a job runs through them without a pause.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::{AppError, AppResult};

/// One weekly shift: ISO weekday (1 = Monday) and minutes of the local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    pub weekday: i16,
    pub start_minute: i32,
    pub end_minute: i32,
}

/// Minutes since the Unix epoch.
pub fn minute_of(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(60)
}

/// The instant of a minute since the Unix epoch.
pub fn instant(minute: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(minute * 60, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Parses an IANA time zone name; `field` names the input on error.
pub fn time_zone(name: &str, field: &str) -> AppResult<Tz> {
    name.trim().parse::<Tz>().map_err(|_| {
        AppError::bad_input(
            field,
            format!(
                "unknown time zone `{}`; use an IANA name such as Europe/Zurich",
                name.trim()
            ),
        )
    })
}

/// Checks a week of shifts: weekdays 1–7, 0 ≤ start < end ≤ 1440, and no two
/// shifts of one weekday overlapping. Errors name the offending shift.
pub fn validate_shifts(shifts: &[Shift], field: &str) -> AppResult<()> {
    for (i, s) in shifts.iter().enumerate() {
        let f = format!("{field}[{i}]");
        if !(1..=7).contains(&s.weekday) {
            return Err(AppError::bad_input(
                f,
                format!(
                    "weekday must be 1 (Monday) to 7 (Sunday), got {}",
                    s.weekday
                ),
            ));
        }
        if s.start_minute < 0 || s.end_minute > 1440 || s.start_minute >= s.end_minute {
            return Err(AppError::bad_input(
                f,
                format!(
                    "a shift runs from a start to a later end within the day (00:00–24:00), got {}–{}",
                    hhmm(s.start_minute),
                    hhmm(s.end_minute)
                ),
            ));
        }
    }
    for (i, a) in shifts.iter().enumerate() {
        for (j, b) in shifts.iter().enumerate().skip(i + 1) {
            if a.weekday == b.weekday
                && a.start_minute < b.end_minute
                && b.start_minute < a.end_minute
            {
                return Err(AppError::bad_input(
                    format!("{field}[{j}]"),
                    format!(
                        "overlaps shift {i} on weekday {}: {}–{} and {}–{}",
                        a.weekday,
                        hhmm(a.start_minute),
                        hhmm(a.end_minute),
                        hhmm(b.start_minute),
                        hhmm(b.end_minute)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// `HH:MM` of a minute of the day.
pub fn hhmm(m: i32) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// The UTC instant of a local wall-clock time; in a DST gap, the first valid
/// instant after it; in a fold, the earlier one.
fn local_to_utc(tz: &Tz, t: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&t) {
        LocalResult::Single(d) => d.with_timezone(&Utc),
        LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
        LocalResult::None => {
            // Spring forward: step until the clock exists again.
            let mut probe = t;
            for _ in 0..180 {
                probe += Duration::minutes(1);
                if let Some(d) = tz.from_local_datetime(&probe).earliest() {
                    return d.with_timezone(&Utc);
                }
            }
            Utc.from_utc_datetime(&t)
        }
    }
}

/// Working windows `[start, end)` in UTC minutes between `from` and `to`,
/// sorted, disjoint and merged, with every downtime window removed.
pub fn working_windows(
    tz: &Tz,
    shifts: &[Shift],
    downtime: &[(i64, i64)],
    from: i64,
    to: i64,
) -> Vec<(i64, i64)> {
    if shifts.is_empty() || from >= to {
        return Vec::new();
    }
    let first = instant(from).with_timezone(tz).date_naive() - Duration::days(1);
    let last = instant(to).with_timezone(tz).date_naive() + Duration::days(1);
    let mut raw = Vec::new();
    let mut day: NaiveDate = first;
    while day <= last {
        let wd = chrono::Datelike::weekday(&day).number_from_monday() as i16;
        for s in shifts.iter().filter(|s| s.weekday == wd) {
            let at = |m: i32| {
                let base = day.and_hms_opt(0, 0, 0).unwrap_or_default();
                minute_of(local_to_utc(tz, base + Duration::minutes(i64::from(m))))
            };
            let (a, b) = (at(s.start_minute), at(s.end_minute));
            let (a, b) = (a.max(from), b.min(to));
            if a < b {
                raw.push((a, b));
            }
        }
        day += Duration::days(1);
    }
    raw.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(raw.len());
    for (a, b) in raw {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    subtract(&merged, downtime)
}

/// `windows` minus every interval of `cut` (both `[start, end)`).
pub fn subtract(windows: &[(i64, i64)], cut: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut cut: Vec<(i64, i64)> = cut.iter().copied().filter(|(a, b)| a < b).collect();
    cut.sort_unstable();
    let mut out = Vec::with_capacity(windows.len());
    for &(mut a, b) in windows {
        for &(c, d) in &cut {
            if d <= a || c >= b {
                continue;
            }
            if c > a {
                out.push((a, c));
            }
            a = a.max(d);
            if a >= b {
                break;
            }
        }
        if a < b {
            out.push((a, b));
        }
    }
    out
}

/// Working minutes of `windows` inside `[from, to)`.
pub fn working_minutes(windows: &[(i64, i64)], from: i64, to: i64) -> i64 {
    windows
        .iter()
        .map(|&(a, b)| (b.min(to) - a.max(from)).max(0))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        minute_of(s.parse::<DateTime<Utc>>().expect("time"))
    }

    fn weekdays(start: i32, end: i32) -> Vec<Shift> {
        (1..=5)
            .map(|d| Shift {
                weekday: d,
                start_minute: start,
                end_minute: end,
            })
            .collect()
    }

    #[test]
    fn overlapping_shifts_on_one_weekday_are_refused_naming_the_shift() {
        let mut s = weekdays(360, 840);
        s.push(Shift {
            weekday: 3,
            start_minute: 800,
            end_minute: 1320,
        });
        let e = validate_shifts(&s, "input.shifts").unwrap_err().to_string();
        assert!(
            e.contains("input.shifts[5]") && e.contains("overlaps shift 2"),
            "{e}"
        );
        assert!(validate_shifts(&weekdays(360, 840), "s").is_ok());
    }

    #[test]
    fn a_shift_ending_before_it_starts_is_refused() {
        let s = [Shift {
            weekday: 1,
            start_minute: 600,
            end_minute: 300,
        }];
        assert!(validate_shifts(&s, "s").is_err());
    }

    #[test]
    fn shifts_are_local_wall_clock_hours_across_a_dst_change() {
        let tz: Tz = "Europe/Zurich".parse().expect("tz");
        // Week of the switch to summer time (Sunday 2026-03-29).
        let w = working_windows(
            &tz,
            &weekdays(360, 840),
            &[],
            at("2026-03-23T00:00:00Z"),
            at("2026-04-04T00:00:00Z"),
        );
        assert_eq!(w.len(), 10);
        // Friday before: 06:00 CET = 05:00 UTC; Monday after: 06:00 CEST = 04:00 UTC.
        assert_eq!(w[4].0, at("2026-03-27T05:00:00Z"));
        assert_eq!(w[5].0, at("2026-03-30T04:00:00Z"));
        assert!(w.iter().all(|(a, b)| b - a == 480));
    }

    #[test]
    fn touching_shifts_merge_and_downtime_is_cut_out() {
        let tz: Tz = "UTC".parse().expect("tz");
        let mut s = weekdays(360, 840);
        s.extend(weekdays(840, 1320));
        let down = [(at("2026-11-24T10:00:00Z"), at("2026-11-24T12:00:00Z"))];
        let w = working_windows(
            &tz,
            &s,
            &down,
            at("2026-11-23T00:00:00Z"),
            at("2026-11-25T00:00:00Z"),
        );
        assert_eq!(
            w,
            vec![
                (at("2026-11-23T06:00:00Z"), at("2026-11-23T22:00:00Z")),
                (at("2026-11-24T06:00:00Z"), at("2026-11-24T10:00:00Z")),
                (at("2026-11-24T12:00:00Z"), at("2026-11-24T22:00:00Z")),
            ]
        );
        assert_eq!(
            working_minutes(&w, at("2026-11-24T00:00:00Z"), at("2026-11-25T00:00:00Z")),
            14 * 60
        );
    }
}
