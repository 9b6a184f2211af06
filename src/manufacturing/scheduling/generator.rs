//! Reproducible scheduling instances shaped like our shop: Swiss lathes
//! running stock batches of hours, 5-axis mills milling custom parts of tens
//! of minutes, two shifts on weekdays (some machines also Saturday
//! morning), a maintenance window on some machines, due dates spread over
//! the time the load needs.
//!
//! Due dates ([`DueDates`]): by default each falls inside the shop's
//! working time, no earlier than the job could end if it started with the
//! first shift ([`DueDates::WorkingTime`]). The instances of issue 21 drew
//! them in calendar minutes from Monday 00:00, six hours before the first
//! shift, so some were due before any machine could have finished them;
//! [`DueDates::Issue21`] keeps those instances for comparison. Both draw the
//! same random numbers, so the jobs and machines of a seed are the same and
//! only the due dates differ.

use rand::{Rng, SeedableRng, rngs::StdRng};

use super::{Instance, Job, Machine, completion};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Params {
    pub jobs: usize,
    pub machines: usize,
    pub seed: u64,
    /// Share of machines that are Swiss lathes (the rest are mills).
    pub lathe_share: f64,
    /// Share of jobs that are stock batches (the rest are custom parts).
    pub stock_share: f64,
    /// Due dates fall within `tightness` × the calendar time the whole load
    /// needs; below 1 many jobs must be late.
    pub tightness: f64,
    /// How due dates are placed in time.
    pub due_dates: DueDates,
}

/// How [`generate`] places due dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DueDates {
    /// The job's duration plus a random share of the spread, both counted
    /// in the working minutes of two weekday shifts (06:00–22:00) from the
    /// first shift: due dates fall inside shifts, and none before the job
    /// could end if it started first thing.
    #[default]
    WorkingTime,
    /// As filed in issue 21: Monday 00:00 plus the duration plus a random
    /// share of the spread, in calendar minutes; some are due before the
    /// first shift has even begun (unavoidable lateness).
    Issue21,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            jobs: 100,
            machines: 5,
            seed: 1,
            lathe_share: 0.35,
            stock_share: 0.25,
            tightness: 0.8,
            due_dates: DueDates::WorkingTime,
        }
    }
}

/// Monday 2026-01-05 00:00 UTC in minutes since the epoch.
const MONDAY: i64 = 29_438_640;
const DAY: i64 = 1_440;

/// Generates an instance; the same parameters give the same instance.
pub fn generate(p: &Params) -> Instance {
    let mut rng = StdRng::seed_from_u64(p.seed);
    let machines_n = p.machines.max(1);
    let lathes = ((machines_n as f64 * p.lathe_share).round() as usize).clamp(1, machines_n);
    let lathes = if machines_n > 1 {
        lathes.min(machines_n - 1)
    } else {
        lathes
    };
    // Jobs first, to size the horizon.
    let mut jobs = Vec::with_capacity(p.jobs);
    let mut work = 0;
    for i in 0..p.jobs {
        let stock = (rng.random_range(0..1000) as f64) < p.stock_share * 1000.0;
        let (duration, weight, eligible) = if stock || machines_n == 1 {
            let e: Vec<usize> = (0..lathes)
                .filter(|_| rng.random_range(0..10) < 8)
                .collect();
            let e = if e.is_empty() {
                vec![rng.random_range(0..lathes)]
            } else {
                e
            };
            (rng.random_range(90..=900), rng.random_range(1..=5), e)
        } else {
            let mills = machines_n - lathes;
            let e: Vec<usize> = (lathes..machines_n)
                .filter(|_| rng.random_range(0..10) < 7)
                .collect();
            let e = if e.is_empty() {
                vec![lathes + rng.random_range(0..mills)]
            } else {
                e
            };
            (rng.random_range(20..=120), rng.random_range(3..=10), e)
        };
        work += duration;
        jobs.push(Job {
            id: i as i64 + 1,
            eligible,
            duration,
            release: MONDAY,
            due: 0,
            weight,
            pinned: None,
        });
    }
    // Two 8-hour shifts on weekdays: 80 working hours a week per machine.
    let weekly = 80 * 60;
    let weeks_needed = work as f64 / (weekly as f64 * machines_n as f64);
    let spread = (weeks_needed * 7.0 * DAY as f64 * p.tightness).max(DAY as f64) as i64;
    // The two weekday shifts every machine works, for due dates in working time.
    let shifts: Vec<(i64, i64)> = (0..2 * 366)
        .filter(|d| d % 7 < 5)
        .map(|d| (MONDAY + d * DAY + 6 * 60, MONDAY + d * DAY + 22 * 60))
        .collect();
    for j in &mut jobs {
        let offset = rng.random_range(0..=spread);
        j.due = match p.due_dates {
            DueDates::Issue21 => MONDAY + j.duration + offset,
            DueDates::WorkingTime => {
                // The calendar offset in the shifts' working minutes: 80 of
                // a week's 168 hours.
                let work = j.duration + offset * 80 / 168;
                completion(&shifts, MONDAY, work).map_or(MONDAY + j.duration + offset, |c| c.1)
            }
        };
    }
    let days = ((weeks_needed * 7.0 * 4.0).ceil() as i64).max(28);
    let machines = (0..machines_n)
        .map(|k| {
            let saturday = rng.random_range(0..4) == 0;
            let maintenance = (rng.random_range(0..5) == 0).then(|| {
                let day = rng.random_range(1..=days.min(20) - 1);
                (MONDAY + day * DAY + 6 * 60, MONDAY + day * DAY + 14 * 60)
            });
            let mut windows = Vec::new();
            for d in 0..days {
                let day = MONDAY + d * DAY;
                match d % 7 {
                    0..=4 => windows.push((day + 6 * 60, day + 22 * 60)),
                    5 if saturday => windows.push((day + 6 * 60, day + 12 * 60)),
                    _ => {}
                }
            }
            if let Some((a, b)) = maintenance {
                windows = windows
                    .into_iter()
                    .flat_map(|(s, e)| {
                        let mut out = Vec::new();
                        if s < a.min(e) {
                            out.push((s, a.min(e)));
                        }
                        if b.max(s) < e {
                            out.push((b.max(s), e));
                        }
                        if e <= a || s >= b {
                            out.clear();
                            out.push((s, e));
                        }
                        out
                    })
                    .collect();
            }
            Machine {
                id: k as i64 + 1,
                windows,
            }
        })
        .collect();
    Instance {
        now: MONDAY,
        machines,
        jobs,
    }
}
