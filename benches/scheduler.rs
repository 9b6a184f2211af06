//! Scheduler benchmark: the service's scheduler (ATC/EDD start plus
//! iterated local search) against plain EDD, ATC, a simple lower bound, the
//! exact branch and bound on small instances, and the best value known for
//! each instance (see `REFERENCES`).
//!
//! ```text
//! cargo bench --bench scheduler                    # every size, both instance sets
//! cargo bench --bench scheduler -- 30x5            # one size
//! cargo bench --bench scheduler -- 30x5 issue21    # one size of one set
//! SCHEDULER_BUDGET_MS=5000 cargo bench --bench scheduler -- 2000x20
//! SCHEDULER_DUMP=/tmp/inst cargo bench --bench scheduler   # also write the instances as text
//! ```
//!
//! Two instance sets, the same jobs and machines for a seed, only the due
//! dates differ (`generator::DueDates`): `working` (the generator's default:
//! due dates inside the shifts, none before a job could end if it started
//! with the first shift) and `issue21` (the instances of issue 21, whose
//! due dates were drawn from Monday 00:00, six hours before the first
//! shift, kept to compare with the figures in the issue).
//!
//! The per-instance table gives, for each seed: wall time of the service's
//! scheduler, what ended its search (`work` budget, `stalled`, `optimal` =
//! reached the lower bound, `time` cap) and its rounds; total weighted
//! tardiness (TWT, weighted minutes) of the scheduler, EDD, ATC and the
//! lower bound; the branch and bound's value (started from the better
//! dispatch rule, independent of the local search) and whether it proved it
//! optimal; the best value known (the least of every figure here and the
//! recorded references) with where it comes from, marked `optimal` only when
//! proved, and the scheduler's gap to it. The summary gives means over the
//! seeds, the median and largest wall time and the largest gap.
//!
//! Measured figures and how to read them: see the end of this file's
//! documentation in the README (*Benchmarks*) and `RESULTS` below.

use std::time::{Duration, Instant};

use abutment_erp::manufacturing::scheduling::{
    Atc, Edd, Instance, LocalSearch, Scheduler, default_scheduler, evaluate,
    exact::BranchAndBound,
    generator::{self, DueDates},
    local_search::Stop,
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
    if let Some(v) = std::env::var("SCHED_SEED")
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
    stop: Stop,
    rounds: u64,
    best_round: u64,
    work: u64,
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
    let t0 = Instant::now();
    let (plan, stats) = scheduler().run(&inst);
    let wall = t0.elapsed();
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
        stop: stats.stop,
        rounds: stats.rounds,
        best_round: stats.best_round,
        work: stats.work,
        twt,
        makespan,
        exact,
        best,
        source,
    }
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
        "| set | instance | seed | wall | stop (best at round / rounds, work) | TWT scheduler | TWT EDD | TWT ATC | TWT LB | B&B (proved) | best known | gap |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (set, due) in sets {
        if set_filter.is_some_and(|f| f != set) {
            continue;
        }
        for (jobs, machines, seeds, exact) in sizes {
            let name = format!("{jobs}x{machines}");
            if size_filter.is_some_and(|f| *f != name) {
                continue;
            }
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
                    "| {set} | {name} | {seed} | {:.1} ms | {stop} ({}/{}, {:.1} M) | {} | {} | {} | {} | {bnb} | {} ({}) | {:+.2} % |",
                    r.wall.as_secs_f64() * 1e3,
                    r.best_round,
                    r.rounds,
                    r.work as f64 / 1e6,
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
        "| set | instance | wall (median, max) | TWT scheduler | TWT EDD | TWT ATC | TWT LB | best known | gap (mean, max) | at best known | makespan scheduler / LB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (set, name, rows) in &summary {
        let n = rows.len() as i64;
        let mean = |f: &dyn Fn(&Seed) -> i64| rows.iter().map(f).sum::<i64>() / n;
        let mut walls: Vec<Duration> = rows.iter().map(|r| r.wall).collect();
        walls.sort();
        let gaps: Vec<f64> = rows.iter().map(|r| gap(r.twt[0], r.best)).collect();
        let hits = rows.iter().filter(|r| r.twt[0] == r.best).count();
        let proved = rows
            .iter()
            .filter(|r| r.source.ends_with("optimal"))
            .count();
        println!(
            "| {set} | {name} | {:.1} ms, {:.1} ms | {} | {} | {} | {} | {} ({proved}/{n} proved) | {:+.2} %, {:+.2} % | {hits}/{n} | {} / {} |",
            walls[walls.len() / 2].as_secs_f64() * 1e3,
            walls[walls.len() - 1].as_secs_f64() * 1e3,
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
