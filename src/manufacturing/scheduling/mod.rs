//! The production scheduler, independent of the database.
//!
//! A scheduling [`Instance`] is a set of machines, each with its working
//! windows (shifts minus downtime, in minutes since the Unix epoch), and a
//! set of jobs, each with the machines able to make it, its duration in
//! working minutes, a release time, a due time and a weight (the job's
//! priority). A job runs on one machine; it may pause at the end of a shift
//! and resume at the start of the next (a bar-fed lathe or a mill simply
//! stops), so a job's end is found by walking the machine's windows.
//!
//! The objective is lexicographic: total weighted tardiness first, then
//! makespan. Every algorithm sits behind [`Scheduler`]; the service uses
//! [`default_scheduler`], a dispatch rule (EDD or ATC, the best plan)
//! improved by an iterated local search ([`local_search`]).
//! [`exact::BranchAndBound`] proves optimality on small instances,
//! [`lower_bound`] bounds the rest, and [`generator::generate`] makes
//! reproducible instances for tests and for `benches/scheduler.rs`.

pub mod dispatch;
pub mod exact;
pub mod generator;
pub mod local_search;

use std::time::Duration;

pub use dispatch::{Atc, Edd};
pub use local_search::LocalSearch;

/// A scheduling problem.
#[derive(Debug, Clone)]
pub struct Instance {
    /// The planning instant; nothing starts before it.
    pub now: i64,
    pub machines: Vec<Machine>,
    pub jobs: Vec<Job>,
}

/// A machine and the windows in which it works.
#[derive(Debug, Clone)]
pub struct Machine {
    /// The caller's identifier (a database id).
    pub id: i64,
    /// Sorted, disjoint `[start, end)` working windows.
    pub windows: Vec<(i64, i64)>,
}

/// A job to place.
#[derive(Debug, Clone)]
pub struct Job {
    /// The caller's identifier (a database id).
    pub id: i64,
    /// Indexes into [`Instance::machines`] of the machines able to make it.
    pub eligible: Vec<usize>,
    /// Working minutes needed (setup plus cycle time per part).
    pub duration: i64,
    /// Earliest start.
    pub release: i64,
    pub due: i64,
    /// Weight of a minute of tardiness (the job's priority, 1–10).
    pub weight: i64,
    /// A job already running: it stays on this machine, first in its queue.
    pub pinned: Option<usize>,
}

/// A job placed on a machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// Index into [`Instance::jobs`].
    pub job: usize,
    /// Index into [`Instance::machines`].
    pub machine: usize,
    pub start: i64,
    pub end: i64,
}

/// A plan: every job is either in a slot or unscheduled (no eligible
/// machine, or no room within the machines' windows).
#[derive(Debug, Clone, Default)]
pub struct Schedule {
    pub slots: Vec<Slot>,
    pub unscheduled: Vec<usize>,
}

/// How good a plan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metrics {
    /// Σ weight × max(0, end − due), in weighted minutes.
    pub total_weighted_tardiness: i64,
    /// Minutes from `now` to the last end.
    pub makespan: i64,
    pub late_jobs: usize,
    pub scheduled: usize,
}

impl Metrics {
    /// A key that sorts better plans first: more jobs placed, then less
    /// weighted tardiness, then a shorter makespan.
    pub fn key(&self) -> (std::cmp::Reverse<usize>, i64, i64) {
        (
            std::cmp::Reverse(self.scheduled),
            self.total_weighted_tardiness,
            self.makespan,
        )
    }
}

/// One interface for every scheduling algorithm.
pub trait Scheduler {
    /// A short name for reports.
    fn name(&self) -> &'static str;
    /// A feasible plan for `inst` (see [`validate`]).
    fn schedule(&self, inst: &Instance) -> Schedule;
}

/// The scheduler the service runs: the best of EDD and ATC (four
/// look-aheads), improved by iterated local search. Its budget is counted in work, so that a plan
/// depends only on the shop and the seed: about 0.3–0.45 s of CPU time on
/// 100 to 2,000 jobs on this project's machine, less on a small shop, where the
/// search also ends after [`LocalSearch::stall`] rounds without a better
/// plan or once the plan meets the lower bound. 500 ms of wall time is an
/// outer cap, reached only on a slower or busy machine.
pub fn default_scheduler() -> LocalSearch {
    LocalSearch {
        time_limit: Duration::from_millis(500),
        ..LocalSearch::default()
    }
}

/// Where a job of `duration` working minutes started at or after `at` on a
/// machine with these windows starts and ends; `None` when the windows run
/// out first.
pub fn completion(windows: &[(i64, i64)], at: i64, duration: i64) -> Option<(i64, i64)> {
    let mut i = windows.partition_point(|w| w.1 <= at);
    let start = windows.get(i).map(|w| w.0.max(at))?;
    let mut left = duration;
    while let Some(&(a, b)) = windows.get(i) {
        let from = a.max(start);
        if b - from >= left {
            return Some((start, from + left));
        }
        left -= b - from;
        i += 1;
    }
    None
}

/// The metrics of a plan.
pub fn evaluate(inst: &Instance, s: &Schedule) -> Metrics {
    let mut m = Metrics {
        total_weighted_tardiness: 0,
        makespan: 0,
        late_jobs: 0,
        scheduled: s.slots.len(),
    };
    for sl in &s.slots {
        let j = &inst.jobs[sl.job];
        let late = (sl.end - j.due).max(0);
        m.total_weighted_tardiness += late * j.weight;
        m.late_jobs += usize::from(late > 0);
        m.makespan = m.makespan.max(sl.end - inst.now);
    }
    m
}

/// Checks that a plan is feasible: each job exactly once, on an eligible
/// machine, not before `now` or its release, its working minutes inside the
/// machine's windows, no two jobs overlapping on a machine, pinned jobs on
/// their machine.
pub fn validate(inst: &Instance, s: &Schedule) -> Result<(), String> {
    let mut seen = vec![0u32; inst.jobs.len()];
    for sl in &s.slots {
        let j = inst
            .jobs
            .get(sl.job)
            .ok_or_else(|| format!("slot for unknown job index {}", sl.job))?;
        seen[sl.job] += 1;
        if !j.eligible.contains(&sl.machine) {
            return Err(format!(
                "job {} is on machine {} which cannot make it",
                j.id, sl.machine
            ));
        }
        if j.pinned.is_some_and(|p| p != sl.machine) {
            return Err(format!("job {} left the machine it is running on", j.id));
        }
        if sl.start < inst.now.max(j.release) {
            return Err(format!("job {} starts before it may", j.id));
        }
        let w = &inst.machines[sl.machine].windows;
        if completion(w, sl.start, j.duration) != Some((sl.start, sl.end)) {
            return Err(format!(
                "job {} does not fit its machine's working windows",
                j.id
            ));
        }
    }
    for &u in &s.unscheduled {
        seen[u] += 1;
    }
    if let Some(i) = seen.iter().position(|c| *c != 1) {
        return Err(format!(
            "job {} is in the plan {} times",
            inst.jobs[i].id, seen[i]
        ));
    }
    let mut by: Vec<Vec<(i64, i64, usize)>> = vec![Vec::new(); inst.machines.len()];
    for sl in &s.slots {
        by[sl.machine].push((sl.start, sl.end, sl.job));
    }
    for v in &mut by {
        v.sort_unstable();
        if let Some(p) = v.windows(2).find(|p| p[0].1 > p[1].0) {
            return Err(format!(
                "jobs {} and {} overlap",
                inst.jobs[p[0].2].id, inst.jobs[p[1].2].id
            ));
        }
    }
    Ok(())
}

/// Turns per-machine sequences into a plan: each job starts as soon as its
/// machine is free, it is released and a window is open. Jobs that no longer
/// fit the horizon join `unscheduled`.
pub fn build(inst: &Instance, seqs: &[Vec<usize>], mut unscheduled: Vec<usize>) -> Schedule {
    let mut slots = Vec::with_capacity(inst.jobs.len());
    for (m, seq) in seqs.iter().enumerate() {
        let mut t = inst.now;
        for &j in seq {
            let job = &inst.jobs[j];
            match completion(&inst.machines[m].windows, t.max(job.release), job.duration) {
                Some((start, end)) => {
                    slots.push(Slot {
                        job: j,
                        machine: m,
                        start,
                        end,
                    });
                    t = end;
                }
                None => unscheduled.push(j),
            }
        }
    }
    unscheduled.sort_unstable();
    Schedule { slots, unscheduled }
}

/// A lower bound on any feasible plan's objective.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    pub weighted_tardiness: i64,
    pub makespan: i64,
}

/// A simple lower bound. Tardiness: each job alone on its best machine,
/// started at its release (no job can end earlier). Makespan: the larger of
/// the latest such single-job end and, for each set of machines that some
/// job is limited to, the first instant by which those machines have offered
/// as many working minutes as the jobs limited to them need.
/// Jobs that fit nowhere are left out, as they are from plans.
pub fn lower_bound(inst: &Instance) -> Bound {
    let mut b = Bound {
        weighted_tardiness: 0,
        makespan: 0,
    };
    let mut fits = Vec::with_capacity(inst.jobs.len());
    for j in &inst.jobs {
        let best = j
            .eligible
            .iter()
            .filter_map(|&m| {
                completion(
                    &inst.machines[m].windows,
                    inst.now.max(j.release),
                    j.duration,
                )
                .map(|x| x.1)
            })
            .min();
        if let Some(end) = best {
            b.weighted_tardiness += (end - j.due).max(0) * j.weight;
            b.makespan = b.makespan.max(end - inst.now);
        }
        fits.push(best.is_some());
    }
    // Capacity: the jobs that only machines of a set E can make need E's
    // working minutes. For every distinct eligibility set E (and all
    // machines), the first instant by which E offers that much bounds the
    // makespan.
    let mut sets: Vec<Vec<usize>> = inst
        .jobs
        .iter()
        .filter(|j| !j.eligible.is_empty())
        .map(|j| {
            let mut e = j.eligible.clone();
            e.sort_unstable();
            e.dedup();
            e
        })
        .collect();
    sets.push((0..inst.machines.len()).collect());
    sets.sort_unstable();
    sets.dedup();
    for set in &sets {
        let mut inside = vec![false; inst.machines.len()];
        for &m in set {
            inside[m] = true;
        }
        let work: i64 = inst
            .jobs
            .iter()
            .zip(&fits)
            .filter(|(j, f)| **f && j.eligible.iter().all(|&m| inside[m]))
            .map(|(j, _)| j.duration)
            .sum();
        if let Some(t) = capacity_reached(inst, set, work) {
            b.makespan = b.makespan.max(t - inst.now);
        }
    }
    b
}

/// The first instant by which the machines of `set` together offer `work`
/// working minutes after `now`; `None` if they never do.
fn capacity_reached(inst: &Instance, set: &[usize], work: i64) -> Option<i64> {
    if work == 0 {
        return Some(inst.now);
    }
    let capacity = |t: i64| -> i64 {
        set.iter()
            .map(|&m| {
                inst.machines[m]
                    .windows
                    .iter()
                    .take_while(|w| w.0 < t)
                    .map(|&(a, e)| (e.min(t) - a.max(inst.now)).max(0))
                    .sum::<i64>()
            })
            .sum()
    };
    let mut hi = set
        .iter()
        .filter_map(|&m| inst.machines[m].windows.last().map(|w| w.1))
        .max()?;
    if capacity(hi) < work {
        return None;
    }
    let mut lo = inst.now;
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if capacity(mid) >= work {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Some(lo)
}

/// Where a new job would go if added to `existing` without moving anything:
/// the earliest-ending gap on any eligible machine. `None` when no eligible
/// machine has room within its windows.
pub fn earliest_insertion(inst: &Instance, existing: &Schedule, job: &Job) -> Option<Slot> {
    let mut best: Option<Slot> = None;
    for &m in &job.eligible {
        let mut busy: Vec<(i64, i64)> = existing
            .slots
            .iter()
            .filter(|s| s.machine == m)
            .map(|s| (s.start, s.end))
            .collect();
        busy.sort_unstable();
        let w = &inst.machines[m].windows;
        let mut t = inst.now.max(job.release);
        while let Some((s, e)) = completion(w, t, job.duration) {
            match busy.iter().find(|b| b.0 < e && s < b.1) {
                Some(b) => t = b.1,
                None => {
                    if best.is_none_or(|x| e < x.end) {
                        best = Some(Slot {
                            job: usize::MAX,
                            machine: m,
                            start: s,
                            end: e,
                        });
                    }
                    break;
                }
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(seed: u64, jobs: usize, machines: usize) -> Instance {
        generator::generate(&generator::Params {
            jobs,
            machines,
            seed,
            ..generator::Params::default()
        })
    }

    /// The local search with a small work budget and a time limit it never
    /// reaches in a test, so that its plan depends on the seed only.
    fn quick(seed: u64) -> LocalSearch {
        LocalSearch {
            work: 400_000,
            time_limit: Duration::from_secs(600),
            seed,
            ..LocalSearch::default()
        }
    }

    #[test]
    fn completion_walks_across_windows() {
        let w = [(0, 10), (20, 30), (40, 50)];
        assert_eq!(completion(&w, 5, 3), Some((5, 8)));
        assert_eq!(completion(&w, 5, 10), Some((5, 25)));
        assert_eq!(completion(&w, 12, 10), Some((20, 30)));
        assert_eq!(completion(&w, 0, 30), Some((0, 50)));
        assert_eq!(completion(&w, 0, 31), None);
        assert_eq!(completion(&w, 50, 1), None);
    }

    #[test]
    fn every_scheduler_returns_a_feasible_plan() {
        for seed in 1..6 {
            for due_dates in [
                generator::DueDates::WorkingTime,
                generator::DueDates::Issue21,
            ] {
                let inst = generator::generate(&generator::Params {
                    jobs: 60,
                    machines: 6,
                    seed,
                    due_dates,
                    ..generator::Params::default()
                });
                let algos: Vec<Box<dyn Scheduler>> =
                    vec![Box::new(Edd), Box::new(Atc), Box::new(quick(seed))];
                for a in algos {
                    let plan = a.schedule(&inst);
                    validate(&inst, &plan)
                        .unwrap_or_else(|e| panic!("{} seed {seed}: {e}", a.name()));
                    assert!(plan.unscheduled.is_empty(), "{} seed {seed}", a.name());
                }
            }
        }
    }

    #[test]
    fn a_big_shop_gets_a_feasible_plan_from_the_estimated_moves() {
        // Over 500 jobs the search estimates moves before pricing them.
        let inst = small(2, 600, 8);
        let (plan, stats) = quick(2).run(&inst);
        validate(&inst, &plan).unwrap();
        assert!(plan.unscheduled.is_empty());
        assert_eq!(stats.stop, local_search::Stop::Work);
        // Where the work went: the first descent, then rounds; some jobs
        // skipped, moves estimated, a few of them priced and applied.
        assert!(stats.descent_work > 0 && stats.descent_work <= stats.work);
        let mv = stats.moves;
        assert!(mv.skipped > 0, "{mv:?}");
        assert!(mv.estimated > mv.priced && mv.priced > mv.applied && mv.applied > 0);
        let atc = evaluate(&inst, &Atc.schedule(&inst));
        assert!(evaluate(&inst, &plan).key() <= atc.key());
    }

    #[test]
    fn validate_rejects_overlaps_wrong_machines_and_calendar_breaches() {
        let inst = small(1, 12, 3);
        let plan = quick(1).schedule(&inst);
        validate(&inst, &plan).unwrap();
        let on = |m: usize| plan.slots.iter().filter(move |s| s.machine == m);
        // Two jobs on one machine moved to start together.
        let m = (0..3).find(|&m| on(m).count() >= 2).unwrap();
        let mut bad = plan.clone();
        let ids: Vec<usize> = on(m).map(|s| s.job).take(2).collect();
        let first = *plan.slots.iter().find(|s| s.job == ids[0]).unwrap();
        for s in &mut bad.slots {
            if s.job == ids[1] {
                let d = inst.jobs[s.job].duration;
                let (a, e) = completion(&inst.machines[m].windows, first.start, d).unwrap();
                s.start = a;
                s.end = e;
            }
        }
        assert!(validate(&inst, &bad).unwrap_err().contains("overlap"));
        // A job on a machine that cannot make it.
        let mut bad = plan.clone();
        let s = bad
            .slots
            .iter_mut()
            .find(|s| inst.jobs[s.job].eligible.len() < 3)
            .unwrap();
        s.machine = (0..3)
            .find(|k| !inst.jobs[s.job].eligible.contains(k))
            .unwrap();
        assert!(
            validate(&inst, &bad)
                .unwrap_err()
                .contains("cannot make it")
        );
        // A job that runs through the night instead of pausing.
        let mut bad = plan.clone();
        bad.slots[0].end = bad.slots[0].start + inst.jobs[bad.slots[0].job].duration + 1;
        assert!(
            validate(&inst, &bad)
                .unwrap_err()
                .contains("working windows")
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_plan() {
        for (jobs, machines) in [(30, 5), (100, 10), (600, 8)] {
            let inst = small(3, jobs, machines);
            let a = quick(7).run(&inst);
            let b = quick(7).run(&inst);
            assert_eq!(a.0.slots, b.0.slots, "{jobs}x{machines}");
            assert_eq!(a.0.unscheduled, b.0.unscheduled);
            assert_eq!((a.1.rounds, a.1.work), (b.1.rounds, b.1.work));
        }
    }

    #[test]
    fn local_search_is_never_worse_than_dispatch_and_never_better_than_the_bound() {
        for seed in 1..6 {
            let inst = small(seed, 120, 8);
            let edd = evaluate(&inst, &Edd.schedule(&inst));
            let atc = evaluate(&inst, &Atc.schedule(&inst));
            let ls = evaluate(&inst, &quick(seed).schedule(&inst));
            let lb = lower_bound(&inst);
            assert!(ls.key() <= edd.key(), "seed {seed}: {ls:?} vs EDD {edd:?}");
            assert!(ls.key() <= atc.key(), "seed {seed}: {ls:?} vs ATC {atc:?}");
            assert!(
                lb.weighted_tardiness <= ls.total_weighted_tardiness,
                "seed {seed}"
            );
            assert!(lb.makespan <= ls.makespan, "seed {seed}");
        }
    }

    #[test]
    fn a_running_job_stays_first_on_its_machine() {
        let mut inst = small(3, 40, 4);
        inst.jobs[7].pinned = Some(2);
        inst.jobs[7].eligible = vec![2];
        inst.jobs[7].due = inst.now + 100_000;
        let plan = quick(3).schedule(&inst);
        validate(&inst, &plan).unwrap();
        let pinned = plan.slots.iter().find(|s| s.job == 7).unwrap();
        assert_eq!(pinned.machine, 2);
        let first = plan
            .slots
            .iter()
            .filter(|s| s.machine == 2)
            .map(|s| s.start)
            .min();
        assert_eq!(first, Some(pinned.start));
    }

    #[test]
    fn a_job_no_machine_can_make_is_left_unscheduled() {
        let mut inst = small(4, 20, 3);
        inst.jobs[5].eligible.clear();
        let plan = quick(4).schedule(&inst);
        validate(&inst, &plan).unwrap();
        assert_eq!(plan.unscheduled, vec![5]);
    }

    #[test]
    fn branch_and_bound_matches_brute_force() {
        // Two interchangeable machines, and three machines with the
        // generator's eligibility (lathes and mills, not every machine for
        // every job) and calendars with pauses.
        for seed in 1..8 {
            let mut two = small(seed, 6, 2);
            for j in &mut two.jobs {
                j.eligible = vec![0, 1];
            }
            let three = small(seed, 5, 3);
            for inst in [two, three] {
                let (plan, proved) = exact::BranchAndBound::default().solve(&inst);
                assert!(proved, "seed {seed}");
                validate(&inst, &plan).unwrap();
                let opt = evaluate(&inst, &plan);
                assert!(lower_bound(&inst).weighted_tardiness <= opt.total_weighted_tardiness);
                assert_eq!(opt.key(), exact::brute_force(&inst).key(), "seed {seed}");
            }
        }
    }

    #[test]
    fn the_local_search_never_beats_a_proved_optimum_and_finds_it_on_small_shops() {
        // The branch and bound starts from a dispatch rule, not from the
        // local search, so a local search plan better than a "proved"
        // optimum would show a wrong proof (and one worse, a weak search).
        for seed in 1..6 {
            for (jobs, machines) in [(8, 3), (10, 3)] {
                let inst = small(seed, jobs, machines);
                let (plan, proved) = exact::BranchAndBound::default().solve(&inst);
                assert!(proved, "{jobs}x{machines} seed {seed}");
                let opt = evaluate(&inst, &plan);
                let ls = evaluate(&inst, &quick(seed).schedule(&inst));
                assert!(
                    ls.key() >= opt.key(),
                    "{jobs}x{machines} seed {seed}: local search {ls:?} beats the proved {opt:?}"
                );
                assert_eq!(
                    ls.total_weighted_tardiness, opt.total_weighted_tardiness,
                    "{jobs}x{machines} seed {seed}"
                );
            }
        }
    }

    #[test]
    fn generated_due_dates_fall_in_working_time_unless_the_issue_21_set_is_asked_for() {
        for seed in 1..4 {
            let working = small(seed, 200, 5);
            let issue = generator::generate(&generator::Params {
                jobs: 200,
                machines: 5,
                seed,
                due_dates: generator::DueDates::Issue21,
                ..generator::Params::default()
            });
            let first_shift = working.now + 6 * 60;
            for (w, i) in working.jobs.iter().zip(&issue.jobs) {
                // Same jobs, only the due dates differ.
                assert_eq!(
                    (w.duration, w.weight, &w.eligible),
                    (i.duration, i.weight, &i.eligible)
                );
                assert!(
                    w.due >= first_shift + w.duration,
                    "job {} seed {seed}",
                    w.id
                );
                let minute = (w.due - working.now).rem_euclid(1_440);
                let weekday = (w.due - working.now).div_euclid(1_440) % 7;
                assert!((6 * 60 + 1..=22 * 60).contains(&minute) && weekday < 5);
            }
            assert!(
                issue.jobs.iter().any(|j| j.due < first_shift + j.duration),
                "seed {seed}: the issue's set keeps its impossible due dates"
            );
        }
    }

    #[test]
    fn insertion_fits_a_gap_without_overlap() {
        let inst = small(5, 50, 4);
        let plan = quick(5).schedule(&inst);
        let job = Job {
            id: -1,
            eligible: vec![0, 1, 2, 3],
            duration: 45,
            release: inst.now,
            due: inst.now,
            weight: 1,
            pinned: None,
        };
        let slot = earliest_insertion(&inst, &plan, &job).unwrap();
        assert!(
            plan.slots
                .iter()
                .filter(|s| s.machine == slot.machine)
                .all(|s| s.end <= slot.start || slot.end <= s.start)
        );
        assert_eq!(
            completion(&inst.machines[slot.machine].windows, slot.start, 45),
            Some((slot.start, slot.end))
        );
    }
}
