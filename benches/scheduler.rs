//! Scheduler benchmark: the service's scheduler (EDD/ATC start plus
//! iterated local search) against plain EDD, ATC, a simple lower bound, the
//! exact branch and bound on small instances, and the best value known for
//! each instance (see `REFERENCES`).
//!
//! ```text
//! cargo bench --bench scheduler                    # every size, both instance sets
//! cargo bench --bench scheduler -- 30x5            # one size
//! cargo bench --bench scheduler -- 30x5 issue21    # one size of one set
//! SCHEDULER_WORK_M=20 cargo bench --bench scheduler   # the default work budget, no time cap
//! SCHEDULER_BUDGET_MS=5000 cargo bench --bench scheduler -- 2000x20   # a time budget only
//! SCHEDULER_SEED=7 cargo bench --bench scheduler   # another seed for the search
//! SCHEDULER_NO_EXACT=1 cargo bench --bench scheduler   # without the branch and bound
//! SCHEDULER_DUMP=/tmp/inst cargo bench --bench scheduler   # also write the instances as text
//! ```
//!
//! **Instances.** Two sets with the same jobs and machines for a seed; only
//! the due dates differ (`generator::DueDates`). `working`, the generator's
//! default: a job is due after its own duration plus a random share of the
//! spread, both counted in the working minutes of the two weekday shifts
//! from the first shift on, so every due date falls inside a shift and none
//! before the job could end if it started first thing (the tardiness lower
//! bound is 0 on all of them). `issue21`: the instances of issue 21, whose
//! due dates were drawn in calendar minutes from Monday 00:00, six hours
//! before the first shift, so some jobs were late before any machine
//! started; kept so that the figures compare with the issue's.
//!
//! **Columns.** Per seed: wall time of the service's scheduler and its CPU
//! time (the thread's own: what the wall time would be on an idle core;
//! this 2-core machine is shared by several builds, so wall times are
//! noisy and often several times the CPU time); what ended the search
//! (`work` budget, `stalled` = 500 rounds or 20 per job without a better
//! plan, `optimal` = the lower bound is met, `time` cap) with the round
//! that found the plan, the rounds and the work done (millions of job
//! placements); where the work went (`local_search::Stats`): the first
//! descent's work, the moves estimated (big shops only), the tails walked
//! to price a move, the improving moves applied (window re-sequencing not
//! counted), and the jobs a big shop's descents skipped (nothing late at
//! or after them on their machine); total weighted tardiness (TWT, weighted minutes) of the
//! scheduler, EDD, ATC and the lower bound; the branch and bound's value
//! (started from the better dispatch plan, independent of the local search;
//! 50 M nodes) and whether it proved it optimal; the best value known (the
//! least of every figure here and of `REFERENCES`) with its source, marked
//! `optimal` only when proved, and the scheduler's gap to it. The summary
//! gives the medians and maxima of the times, means of the values and the
//! mean and largest gap.
//!
//! **Determinism.** The search's budget is counted in work (job placements
//! computed, see `local_search`), not time, so a plan is a function of the
//! instance and the seed; 500 ms of wall time is an outer cap. Run as
//! `cargo bench`, a busy machine can reach that cap (`time` in the stop
//! column), and that plan depends on the machine's speed. The figures below
//! are from `SCHEDULER_WORK_M=20` (the default work budget with the cap
//! lifted), which gives the same plans on any machine.
//!
//! Measured 2026-12-08 on this 2-core machine (release build; load average
//! 12–16 from other builds during the run, 17–19 for the 2,000×20 rows,
//! re-measured after the descents started skipping jobs with nothing late
//! after them, where wall times were 10–25× the CPU times; 5 seeds per size; generator
//! defaults: 35 % lathes, 25 % stock batches, tightness 0.8):
//!
//! | set | instance | CPU (median, max) | TWT scheduler | TWT EDD | TWT ATC | TWT LB | best known (proved) | gap (mean, max) | at best known | makespan scheduler / LB |
//! |---|---|---|---|---|---|---|---|---|---|---|
//! | working | 8x3 | 0 ms, 0 ms | 310 | 310 | 412 | 0 | 310 (5/5) | 0 %, 0 % | 5/5 | 1125 / 1123 |
//! | working | 12x3 | 0 ms, 10 ms | 2403 | 2866 | 2492 | 0 | 2403 (5/5) | 0 %, 0 % | 5/5 | 2326 / 2326 |
//! | working | 30x5 | 30 ms, 30 ms | 5968 | 9380 | 7234 | 0 | 5968 (3/5) | 0 %, 0 % | 5/5 | 3068 / 2926 |
//! | working | 100x10 | 420 ms, 430 ms | 24812 | 46405 | 30696 | 0 | 24812 (0/5) | 0 %, 0 % | 5/5 | 4973 / 4799 |
//! | working | 2000x20 | 570 ms, 590 ms | 15275918 | 32183099 | 15486299 | 0 | 15275918 (0/5) | 0 %, 0 % | 5/5 | 72426 / 72131 |
//! | issue21 | 8x3 | 0 ms, 0 ms | 2051 | 2228 | 2528 | 1436 | 2051 (5/5) | 0 %, 0 % | 5/5 | 1125 / 1123 |
//! | issue21 | 12x3 | 0 ms, 10 ms | 5278 | 6687 | 5813 | 2417 | 5278 (5/5) | 0 %, 0 % | 5/5 | 2326 / 2326 |
//! | issue21 | 30x5 | 30 ms, 50 ms | 16095 | 21655 | 17969 | 8241 | 16095 (5/5, CP-SAT) | 0 %, 0 % | 5/5 | 3080 / 2926 |
//! | issue21 | 100x10 | 330 ms, 330 ms | 39419 | 66448 | 46701 | 12888 | 39419 (0/5) | 0 %, 0 % | 5/5 | 4963 / 4799 |
//! | issue21 | 2000x20 | 530 ms, 530 ms | 14762768 | 31452606 | 15118081 | 22126 | 14762768 (0/5) | 0 %, 0 % | 5/5 | 73044 / 72131 |
//!
//! (CPU times in steps of 10 ms; wall times in that run were 2–5× the CPU
//! times on 100×10 and 2,000×20 because of the load.) Against issue 21's
//! figures, per seed:
//!
//! | issue21 instance | before (issue) | now | reference | |
//! |---|---|---|---|---|
//! | 30x5 seed 1 | 24,538 | 24,490 | 24,490 optimal (CP-SAT) | equal |
//! | 30x5 seed 2 | 15,836 | 15,284 | 15,284 optimal | equal |
//! | 30x5 seed 3 | 9,562 | 8,483 | 8,483 optimal | equal |
//! | 30x5 seed 4 | 20,113 | 20,085 | 20,085 optimal | equal |
//! | 30x5 seed 5 | 12,133 | 12,133 | 12,133 optimal | equal |
//! | 100x10 seed 1 | 32,939 | 31,878 | 32,367 (CP-SAT, not proved) | 1.5 % better |
//! | 100x10 seed 2 | 39,644 | 37,599 | 37,766 | 0.4 % better |
//! | 100x10 seed 3 | 51,207 | 48,440 | 50,024 | 3.2 % better |
//! | 2000x20 mean of 5 | 14.83 M | 14.76 M | target ≤ 14.09 M | **missed** (−0.5 %) |
//!
//! Reading it:
//! - 30×5 reaches the proven optimum on all five seeds of issue 21, found
//!   within the first 95 rounds (about 30–50 ms of CPU); with four other
//!   search seeds (`SCHEDULER_SEED=1…4`) too, every time. The branch and
//!   bound proves every 8×3 and 12×3 optimum and 3 of the 5 `working` 30×5
//!   ones; on issue 21's 30×5 it uses its 50 M nodes without a proof, so
//!   those optima are CP-SAT's (recorded in `REFERENCES`).
//! - 100×10: better than the constraint solver's issue-21 figures on seeds
//!   1–3 with the service's seed, in about 330 ms of CPU. Seed 2 is the
//!   narrow one: with other search seeds it ends at 37,303 (better) or
//!   37,983–38,257 (0.6–1.3 % worse than 37,766), while seeds 1 and 3 stay
//!   below the reference with every search seed tried.
//! - 2,000×20 is missed: 14.76 M against 14.83 M before, not the 5 % asked
//!   (≤ 14.09 M). Of its tardiness, 99.8 % is on the 7 lathes (seed 1:
//!   15.44 M of 15.46 M; each lathe 70–84 stock batches of 90–900 minutes,
//!   about 37,000 working minutes, running to day 52 while every due
//!   date falls within the first 21.5 days); the 13 mills end on day 10 with
//!   2–3 late jobs each. Where the work goes, per seed: the first descent
//!   takes 5.8–7.8 M placements (before, all 20 M: it stopped mid-descent
//!   with 0 rounds); it and the rounds estimate about 3 M moves, walk
//!   about 0.2 M tails to price the best few, and apply only 150–200
//!   improving moves: the dispatch start (ATC, look-ahead 3–4) is already
//!   nearly a local optimum of these moves. 23,000–28,000 job visits are
//!   skipped (nothing late at or after the job: the mills' jobs). The
//!   7–9 rounds that the freed budget buys find a better plan on 2 of 5
//!   seeds, by little (mean 14,767,415 → 14,762,768).
//! - Experiments outside the product on seed 1's lathes (the plan above,
//!   15,438,537 on the lathes), not part of the scheduler: (a) a full
//!   insertion and swap descent per lathe, every position, priced exactly:
//!   15,409,661 (−0.2 %), so each lathe's sequence is close to a local
//!   optimum; (b) simulated annealing with relocations and swaps across
//!   the lathes, 12 M moves (about a minute of CPU, 100× the budget):
//!   15,245,989 (−1.25 %); (c) the same moves annealed inside the
//!   scheduler's remaining budget (about 0.5 M priced moves): −0.1 to
//!   −0.4 % on seeds 1–2, not kept; (d) ATC with look-aheads 0.25–12:
//!   none better than 3–4; (e) ruins limited to jobs with something late
//!   after them: no better plan (fewer, costlier rounds), not kept. So a
//!   5 % gain would need a stronger method than moves of one or two jobs
//!   (an exact or LP-based sub-solver for the lathes' selection of on-time
//!   batches), not more budget; and no lower bound here shows whether 5 %
//!   below 14.83 M exists at all (the bound is 22,126: each job alone).
//! - The `working` instances' lower bound is 0 on every one: no job is due
//!   before it could be done; their tardiness comes from contention only.
//! - Small shops end early: 500 rounds without a better plan (or the lower
//!   bound met) takes at most a few tens of milliseconds up to 30 jobs.

use std::time::{Duration, Instant};

use abutment_erp::manufacturing::scheduling::{
    Atc, Edd, Instance, LocalSearch, Scheduler, default_scheduler, evaluate,
    exact::BranchAndBound,
    generator::{self, DueDates},
    local_search::{Moves, Stop},
    lower_bound, validate,
};

/// Best values known from outside this bench, for the gap column: (set,
/// jobs, machines, seed, total weighted tardiness, proved optimal, source).
/// CP-SAT is Google OR-Tools' constraint solver, run on a model of the same
/// problem (calendars with pauses, eligibility); it is not part of the
/// product or of CI.
const REFERENCES: &[(&str, usize, usize, u64, i64, bool, &str)] = &[
    ("issue21", 30, 5, 1, 24_490, true, "CP-SAT, issue 21"),
    ("issue21", 30, 5, 2, 15_284, true, "CP-SAT, issue 21"),
    ("issue21", 30, 5, 3, 8_483, true, "CP-SAT, issue 21"),
    ("issue21", 30, 5, 4, 20_085, true, "CP-SAT, issue 21"),
    ("issue21", 30, 5, 5, 12_133, true, "CP-SAT, issue 21"),
    ("issue21", 100, 10, 1, 32_367, false, "CP-SAT, issue 21"),
    ("issue21", 100, 10, 2, 37_766, false, "CP-SAT, issue 21"),
    ("issue21", 100, 10, 3, 50_024, false, "CP-SAT, issue 21"),
];

/// The service's scheduler; `SCHEDULER_BUDGET_MS` overrides its time limit
/// (and lifts its work budget) to show what more search time would buy.
fn scheduler() -> LocalSearch {
    let mut s = default_scheduler();
    if let Some(v) = std::env::var("SCHEDULER_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        s.seed = v;
    }
    if let Some(ms) = std::env::var("SCHEDULER_BUDGET_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        s.time_limit = Duration::from_millis(ms);
        s.work = u64::MAX;
        s.stall = u64::MAX;
    }
    if let Some(m) = std::env::var("SCHEDULER_WORK_M")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        s.time_limit = Duration::from_secs(3600);
        s.work = m * 1_000_000;
    }
    s
}

struct Seed {
    wall: Duration,
    /// CPU time of the search's thread: what the wall time would be on an
    /// idle core (this machine is shared).
    cpu: Duration,
    stop: Stop,
    rounds: u64,
    best_round: u64,
    work: u64,
    descent_work: u64,
    moves: Moves,
    /// Scheduler, EDD, ATC, lower bound.
    twt: [i64; 4],
    makespan: [i64; 2],
    exact: Option<(i64, bool)>,
    best: i64,
    source: String,
}

fn dump(dir: &str, name: &str, inst: &Instance) {
    use std::fmt::Write;
    let mut out = format!("now {}\n", inst.now);
    for m in &inst.machines {
        let _ = write!(out, "machine {}", m.id);
        for (a, b) in &m.windows {
            let _ = write!(out, " {a} {b}");
        }
        out.push('\n');
    }
    for j in &inst.jobs {
        let _ = write!(
            out,
            "job {} {} {} {} {}",
            j.id, j.duration, j.release, j.due, j.weight
        );
        for e in &j.eligible {
            let _ = write!(out, " {e}");
        }
        out.push('\n');
    }
    let _ = std::fs::create_dir_all(dir);
    let _ = std::fs::write(format!("{dir}/{name}.txt"), out);
}

fn run_seed(
    set: &str,
    due: DueDates,
    jobs: usize,
    machines: usize,
    seed: u64,
    exact: bool,
) -> Seed {
    let inst = generator::generate(&generator::Params {
        jobs,
        machines,
        seed,
        due_dates: due,
        ..generator::Params::default()
    });
    if let Ok(dir) = std::env::var("SCHEDULER_DUMP") {
        dump(&dir, &format!("{set}-{jobs}x{machines}-s{seed}"), &inst);
    }
    let c0 = thread_cpu();
    let t0 = Instant::now();
    let (plan, stats) = scheduler().run(&inst);
    let wall = t0.elapsed();
    let cpu = thread_cpu().saturating_sub(c0);
    validate(&inst, &plan).expect("feasible plan");
    let mut twt = [0; 4];
    let mut makespan = [0; 2];
    for (i, p) in [plan, Edd.schedule(&inst), Atc.schedule(&inst)]
        .iter()
        .enumerate()
    {
        let m = evaluate(&inst, p);
        assert_eq!(m.scheduled, jobs, "every job fits the generated horizon");
        twt[i] = m.total_weighted_tardiness;
        if i == 0 {
            makespan[0] = m.makespan;
        }
    }
    let lb = lower_bound(&inst);
    twt[3] = lb.weighted_tardiness;
    makespan[1] = lb.makespan;
    let exact = exact.then(|| {
        let (p, proved) = BranchAndBound::default().solve(&inst);
        validate(&inst, &p).expect("feasible exact plan");
        (evaluate(&inst, &p).total_weighted_tardiness, proved)
    });
    let mut best = twt[0].min(twt[1]).min(twt[2]);
    let mut source = if best == twt[0] {
        "this scheduler".to_owned()
    } else {
        "dispatch".to_owned()
    };
    if let Some((v, proved)) = exact
        && (v < best || proved)
    {
        best = v;
        source = if proved { "B&B, optimal" } else { "B&B" }.to_owned();
    }
    for &(s, n, m, sd, v, proved, src) in REFERENCES {
        if (s, n, m, sd) == (set, jobs, machines, seed) && (v < best || (proved && v == best)) {
            best = v;
            source = if proved {
                format!("{src}, optimal")
            } else {
                src.to_owned()
            };
        }
    }
    Seed {
        wall,
        cpu,
        stop: stats.stop,
        rounds: stats.rounds,
        best_round: stats.best_round,
        work: stats.work,
        descent_work: stats.descent_work,
        moves: stats.moves,
        twt,
        makespan,
        exact,
        best,
        source,
    }
}

/// CPU time of the calling thread so far (user and system, from
/// `/proc/thread-self/stat`, in clock ticks of 10 ms); zero where there is
/// no such file.
fn thread_cpu() -> Duration {
    let ticks = std::fs::read_to_string("/proc/thread-self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the command name, which is in parentheses.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn gap(v: i64, best: i64) -> f64 {
    if best == 0 {
        if v == 0 { 0.0 } else { f64::INFINITY }
    } else {
        (v - best) as f64 / best as f64 * 100.0
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let size_filter = args.iter().find(|a| a.contains('x'));
    let set_filter = args.iter().find(|a| !a.contains('x'));
    let sizes: [(usize, usize, u64, bool); 5] = [
        (8, 3, 5, true),
        (12, 3, 5, true),
        (30, 5, 5, true),
        (100, 10, 5, false),
        (2000, 20, 5, false),
    ];
    let sets = [
        ("working", DueDates::WorkingTime),
        ("issue21", DueDates::Issue21),
    ];
    let mut summary = Vec::new();
    println!(
        "| set | instance | seed | wall (CPU) | stop (best at round / rounds, work) | first descent's work; moves estimated / priced / applied; jobs skipped | TWT scheduler | TWT EDD | TWT ATC | TWT LB | B&B (proved) | best known | gap |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (set, due) in sets {
        if set_filter.is_some_and(|f| f != set) {
            continue;
        }
        for (jobs, machines, seeds, exact) in sizes {
            let name = format!("{jobs}x{machines}");
            if size_filter.is_some_and(|f| *f != name) {
                continue;
            }
            let exact = exact && std::env::var_os("SCHEDULER_NO_EXACT").is_none();
            let mut rows = Vec::new();
            for seed in 1..=seeds {
                let r = run_seed(set, due, jobs, machines, seed, exact);
                let stop = match r.stop {
                    Stop::Optimal => "optimal",
                    Stop::Stalled => "stalled",
                    Stop::Work => "work",
                    Stop::Time => "time",
                    Stop::Nothing => "–",
                };
                let bnb = match r.exact {
                    Some((v, true)) => format!("{v} (yes)"),
                    Some((v, false)) => format!("{v} (no)"),
                    None => "–".to_owned(),
                };
                println!(
                    "| {set} | {name} | {seed} | {:.0} ms ({:.0} ms) | {stop} ({}/{}, {:.1} M) | {:.1} M; {} / {} / {}; {} | {} | {} | {} | {} | {bnb} | {} ({}) | {:+.2} % |",
                    r.wall.as_secs_f64() * 1e3,
                    r.cpu.as_secs_f64() * 1e3,
                    r.best_round,
                    r.rounds,
                    r.work as f64 / 1e6,
                    r.descent_work as f64 / 1e6,
                    r.moves.estimated,
                    r.moves.priced,
                    r.moves.applied,
                    r.moves.skipped,
                    r.twt[0],
                    r.twt[1],
                    r.twt[2],
                    r.twt[3],
                    r.best,
                    r.source,
                    gap(r.twt[0], r.best),
                );
                rows.push(r);
            }
            summary.push((set, name, rows));
        }
    }
    println!();
    println!(
        "| set | instance | wall (median, max) | CPU (median, max) | TWT scheduler | TWT EDD | TWT ATC | TWT LB | best known | gap (mean, max) | at best known | makespan scheduler / LB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (set, name, rows) in &summary {
        let n = rows.len() as i64;
        let mean = |f: &dyn Fn(&Seed) -> i64| rows.iter().map(f).sum::<i64>() / n;
        let mut walls: Vec<Duration> = rows.iter().map(|r| r.wall).collect();
        walls.sort();
        let mut cpus: Vec<Duration> = rows.iter().map(|r| r.cpu).collect();
        cpus.sort();
        let gaps: Vec<f64> = rows.iter().map(|r| gap(r.twt[0], r.best)).collect();
        let hits = rows.iter().filter(|r| r.twt[0] == r.best).count();
        let proved = rows
            .iter()
            .filter(|r| r.source.ends_with("optimal"))
            .count();
        println!(
            "| {set} | {name} | {:.0} ms, {:.0} ms | {:.0} ms, {:.0} ms | {} | {} | {} | {} | {} ({proved}/{n} proved) | {:+.2} %, {:+.2} % | {hits}/{n} | {} / {} |",
            walls[walls.len() / 2].as_secs_f64() * 1e3,
            walls[walls.len() - 1].as_secs_f64() * 1e3,
            cpus[cpus.len() / 2].as_secs_f64() * 1e3,
            cpus[cpus.len() - 1].as_secs_f64() * 1e3,
            mean(&|r| r.twt[0]),
            mean(&|r| r.twt[1]),
            mean(&|r| r.twt[2]),
            mean(&|r| r.twt[3]),
            mean(&|r| r.best),
            gaps.iter().sum::<f64>() / gaps.len() as f64,
            gaps.iter().copied().fold(f64::MIN, f64::max),
            mean(&|r| r.makespan[0]),
            mean(&|r| r.makespan[1]),
        );
    }
}
