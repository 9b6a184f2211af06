//! Reproducible scheduling instances shaped like our shop: Swiss lathes
//! running stock batches of hours, 5-axis mills milling custom parts of tens
//! of minutes, two shifts on weekdays (some machines also Saturday
//! morning), a maintenance window on some machines, due dates spread over
//! the time the load needs.

use rand::{Rng, SeedableRng, rngs::StdRng};

use super::{Instance, Job, Machine};

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
    for j in &mut jobs {
        j.due = MONDAY + j.duration + rng.random_range(0..=spread);
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
