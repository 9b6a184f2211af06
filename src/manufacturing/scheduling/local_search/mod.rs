//! Iterated local search over per-machine sequences, started from the best
//! of the EDD plan and the ATC plans with look-aheads 1 to 4.
//!
//! One *descent* takes each job in turn and applies its best improving
//! move: relocating it to another position of any machine that can make
//! it, or swapping it with a job of another machine (on long sequences,
//! positions near the job's current time only); then, on every machine
//! changed since, windows of up to [`WINDOW`] consecutive jobs are
//! re-sequenced exactly (see [`State::optimise_windows`]). It repeats until
//! no move improves. On shops of over 500 jobs every move is first
//! estimated in constant time and only a job's few best estimates are
//! priced ([`State::improve_job_estimated`]), and a job with nothing late
//! at or after it on its machine is skipped (no move of it can lower the
//! tardiness; [`Stats::moves`] counts where the work goes). Each *round* then ruins the
//! plan (takes out a few random, due-date-related or consecutive jobs),
//! recreates it (puts each back where it costs least), descends again over
//! the jobs of the machines that changed, and keeps the result when it is
//! no worse than the current plan, or within 0.5 % of the best plan's
//! tardiness (record-to-record travel); every 200 rounds without a new
//! best the search goes back to the best plan. Objective throughout: jobs
//! that no longer fit, then weighted tardiness, then the later end of the
//! machines a move touches.
//!
//! Moves are priced from the machines' prefix sums: only the changed tails
//! are walked, a walk stops as soon as it cannot beat the best move so far
//! (a job started later never ends earlier, so a tail pushed later costs at
//! least what it cost before), and it stops early, exactly, once its time
//! meets the old schedule's time at the same point.
//!
//! Determinism: the search is a pure function of the instance, [`seed`] and
//! its budgets counted in work (job placements computed, see [`work`]) and
//! rounds; the wall-clock [`time_limit`] is only an outer cap. A run that
//! ends by its work budget, its stall limit or a proved optimum (the
//! objective equals [`super::lower_bound`]) gives the same plan on any
//! machine; only a run cut by the time cap depends on the machine's speed
//! ([`LocalSearch::run`] says which ended it).
//!
//! [`seed`]: LocalSearch::seed
//! [`work`]: LocalSearch::work
//! [`time_limit`]: LocalSearch::time_limit

mod moves;
mod ruin;
mod state;
mod window;

use std::time::{Duration, Instant};

use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};

use super::{
    Instance, Schedule, Scheduler, build,
    dispatch::{Atc, Edd},
    evaluate, lower_bound,
};
pub use state::Moves;
use state::{Cost, State};

/// Look-aheads of the ATC plans the search may start from.
const START_LOOK_AHEADS: [f64; 4] = [1.0, 2.0, 3.0, 4.0];

/// Above this many jobs, moves are estimated before they are priced
/// ([`State::improve_job_estimated`]), and the exact pricing of every move
/// ([`State::improve_job`]) is kept for smaller shops.
const BIG: usize = 500;

/// How many of the best estimated moves of a job are priced exactly.
const ESTIMATED_TRIES: usize = 8;

/// Largest window the exact re-sequencing takes (2^WINDOW subsets).
pub const WINDOW: usize = 10;

/// ATC/EDD start plus iterated local search, bounded by work, rounds
/// without improvement and wall time.
#[derive(Debug, Clone)]
pub struct LocalSearch {
    /// Upper bound on the work: job placements computed (each is one walk
    /// of a job over its machine's working windows). The deterministic
    /// budget.
    pub work: u64,
    /// Stop after this many rounds in a row without a new best plan (at
    /// least; it grows with the instance: 20 per job).
    pub stall: u64,
    /// Outer cap on wall time.
    pub time_limit: Duration,
    /// Seed of the random choices; the same seed gives the same plan unless
    /// the time limit cuts the search.
    pub seed: u64,
}

impl Default for LocalSearch {
    fn default() -> Self {
        LocalSearch {
            work: 20_000_000,
            stall: 500,
            time_limit: Duration::from_millis(2_000),
            seed: 0x9E37_79B9_7F4A_7C15,
        }
    }
}

/// What ended a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The plan's objective equals the lower bound: nothing can beat it.
    Optimal,
    /// [`LocalSearch::stall`] rounds without a new best plan.
    Stalled,
    /// [`LocalSearch::work`] spent.
    Work,
    /// [`LocalSearch::time_limit`] reached (the only machine-dependent end).
    Time,
    /// Nothing to move.
    Nothing,
}

/// What a search did.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub rounds: u64,
    /// The round that found the plan returned.
    pub best_round: u64,
    pub work: u64,
    /// Work spent by the first descent, from the dispatch plan to its
    /// first local optimum.
    pub descent_work: u64,
    /// Moves estimated, priced and applied, and jobs skipped.
    pub moves: Moves,
    pub stop: Stop,
}

/// The search's state between rounds: the plan it is working on and the
/// machines a round changed.
struct Search<'a, 'b> {
    st: State<'a>,
    cfg: &'b LocalSearch,
    t0: Instant,
    movable: Vec<usize>,
    /// Movable jobs by due date, for related removals.
    by_due: Vec<usize>,
    rng: StdRng,
    reach: usize,
    /// Estimate moves before pricing them (big shops).
    estimate: bool,
    out_of_time: bool,
}

impl Search<'_, '_> {
    fn spent(&mut self) -> bool {
        if self.st.work.get() >= self.cfg.work {
            return true;
        }
        if !self.out_of_time && self.t0.elapsed() >= self.cfg.time_limit {
            self.out_of_time = true;
        }
        self.out_of_time
    }

    /// Descends from the current plan until no move of a job of `jobs`
    /// improves, then re-sequences windows on every machine; repeats while
    /// either improves.
    fn descend(&mut self, jobs: &mut [usize]) {
        loop {
            jobs.shuffle(&mut self.rng);
            let mut improved = false;
            for (i, &j) in jobs.iter().enumerate() {
                if i % 16 == 0 && self.spent() {
                    return;
                }
                // On big shops, a job with nothing late at or after it has
                // no improving move (the small shops' search, tuned on
                // them, still tries every job).
                if self.estimate && self.st.nothing_late_from(j) {
                    self.st.tally(|c| c.skipped += 1);
                    continue;
                }
                let moved = if self.estimate {
                    self.st
                        .improve_job_estimated(j, self.reach, ESTIMATED_TRIES)
                } else {
                    self.st.improve_job(j, self.reach)
                };
                if moved {
                    improved = true;
                }
            }
            for m in 0..self.st.seqs.len() {
                if self.st.optimise_windows(m) {
                    improved = true;
                }
            }
            if !improved || self.spent() {
                return;
            }
        }
    }

    fn restore(&mut self, seqs: &[Vec<usize>]) {
        for (m, s) in seqs.iter().enumerate() {
            if self.st.seqs[m] != *s {
                let from = self.st.seqs[m]
                    .iter()
                    .zip(s)
                    .position(|(a, b)| a != b)
                    .unwrap_or(0);
                self.st.seqs[m].clone_from(s);
                self.st.refresh(m, from);
            }
        }
    }
}

impl LocalSearch {
    /// The plan and what the search did.
    pub fn run(&self, inst: &Instance) -> (Schedule, Stats) {
        let t0 = Instant::now();
        // The best start among EDD and ATC with a few look-aheads.
        let mut starts = vec![Edd::sequences(inst)];
        for look in START_LOOK_AHEADS {
            starts.push(Atc::sequences_with(inst, look));
        }
        let (seqs, unscheduled) = starts
            .into_iter()
            .map(|s| (evaluate(inst, &build(inst, &s.0, s.1.clone())).key(), s))
            .min_by_key(|x| x.0)
            .map(|x| x.1)
            .unwrap_or_default();
        let st = State::new(inst, seqs);
        let movable: Vec<usize> = (0..inst.jobs.len())
            .filter(|&j| inst.jobs[j].pinned.is_none() && st.place[j].is_some())
            .collect();
        let mut by_due = movable.clone();
        by_due.sort_by_key(|&j| (inst.jobs[j].due, j));
        let bound = lower_bound(inst);
        let mut stats = Stats {
            rounds: 0,
            best_round: 0,
            work: 0,
            descent_work: 0,
            moves: Moves::default(),
            stop: Stop::Nothing,
        };
        let mut s = Search {
            st,
            cfg: self,
            t0,
            movable,
            by_due,
            rng: StdRng::seed_from_u64(self.seed),
            // Positions tried around a job's due-date place on long
            // sequences: fewer on big shops, to leave time for rounds.
            reach: if inst.jobs.len() > BIG { 25 } else { 40 },
            estimate: inst.jobs.len() > BIG,
            out_of_time: false,
        };
        let optimal = |c: Cost| {
            c.0 == 0 && c.1 <= bound.weighted_tardiness && c.2 - inst.now <= bound.makespan
        };
        if !s.movable.is_empty() {
            let mut all = s.movable.clone();
            s.descend(&mut all);
            stats.descent_work = s.st.work.get();
            let mut cur = s.st.total();
            let mut best = cur;
            let mut best_seqs = s.st.seqs.clone();
            let mut cur_seqs = best_seqs.clone();
            let stall_limit = self.stall.max(20 * s.movable.len() as u64);
            let mut stall = 0u64;
            stats.stop = loop {
                if optimal(best) {
                    break Stop::Optimal;
                }
                if s.spent() {
                    break if s.out_of_time {
                        Stop::Time
                    } else {
                        Stop::Work
                    };
                }
                if stall >= stall_limit {
                    break Stop::Stalled;
                }
                stats.rounds += 1;
                stall += 1;
                // Ruin and recreate, then descend over every job of the
                // machines that changed.
                let moved = s.ruin_and_recreate();
                let mut machines: Vec<usize> = moved
                    .iter()
                    .filter_map(|&j| s.st.place[j].map(|p| p.0))
                    .collect();
                machines.sort_unstable();
                machines.dedup();
                let mut touched = Vec::new();
                for m in machines {
                    let h = s.st.head[m];
                    touched.extend_from_slice(&s.st.seqs[m][h..]);
                }
                s.descend(&mut touched);
                let new = s.st.total();
                // Record-to-record travel: keep a plan no worse than the
                // current one, or within 0.5 % of the best's tardiness.
                let threshold = best.1 + best.1 / 200;
                if new < best {
                    best = new;
                    best_seqs.clone_from(&s.st.seqs);
                    stall = 0;
                    stats.best_round = stats.rounds;
                }
                if new <= cur || (new.0 == best.0 && new.1 <= threshold) {
                    cur = new;
                    cur_seqs.clone_from(&s.st.seqs);
                } else {
                    s.restore(&cur_seqs);
                }
                // Back to the best after a while without progress.
                if stall > 0 && stall.is_multiple_of(200) {
                    s.restore(&best_seqs);
                    cur = best;
                    cur_seqs.clone_from(&best_seqs);
                }
            };
            s.restore(&best_seqs);
        }
        stats.work = s.st.work.get();
        stats.moves = s.st.moves.get();
        (build(inst, &s.st.seqs, unscheduled), stats)
    }
}

impl Scheduler for LocalSearch {
    fn name(&self) -> &'static str {
        "ATC/EDD + iterated local search"
    }

    fn schedule(&self, inst: &Instance) -> Schedule {
        self.run(inst).0
    }
}

#[cfg(test)]
mod testing;
