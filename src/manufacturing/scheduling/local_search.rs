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
//! priced ([`State::improve_job_estimated`]). Each *round* then ruins the
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

use std::cell::Cell;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};

use super::{
    Instance, Schedule, Scheduler, build, completion,
    dispatch::{Atc, Edd},
    evaluate, lower_bound,
};

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
    pub stop: Stop,
}

/// Cost of one machine's sequence, or of a set of machines: (jobs that do
/// not fit, weighted tardiness, end of the last job).
type Cost = (i64, i64, i64);

/// Cost accumulated along a sequence: (jobs that do not fit, weighted
/// tardiness).
type Acc = (i64, i64);

fn plus(a: Acc, b: Acc) -> Acc {
    (a.0 + b.0, a.1 + b.1)
}

fn minus(a: Acc, b: Acc) -> Acc {
    (a.0 - b.0, a.1 - b.1)
}

/// A move's change of objective: (unfit, tardiness) change, then change of
/// the later end of the machines it touches.
type Delta = (i64, i64, i64);

const NO_MOVE: Delta = (0, 0, 0);

struct State<'a> {
    inst: &'a Instance,
    seqs: Vec<Vec<usize>>,
    /// Pinned jobs at the head of each machine, never moved.
    head: Vec<usize>,
    /// Per machine, per position: end time and cumulative (unfit, twt).
    ends: Vec<Vec<i64>>,
    acc: Vec<Vec<Acc>>,
    /// Per machine, per position: the weight of the late jobs up to and
    /// including it (for estimating moves on big shops).
    late_w: Vec<Vec<i64>>,
    /// Where each job in a sequence sits: (machine, position).
    place: Vec<Option<(usize, usize)>>,
    /// Per machine, the first position changed since its windows were last
    /// re-sequenced (`usize::MAX`: none).
    dirty: Vec<usize>,
    /// Job placements computed so far.
    work: Cell<u64>,
    /// Scratch buffers.
    buf: Vec<usize>,
    cands: Vec<(i64, usize, usize, usize)>,
    dp: Dp,
}

#[derive(Default)]
struct Dp {
    sum: Vec<i64>,
    end: Vec<i64>,
    best: Vec<i64>,
    last: Vec<u8>,
}

impl<'a> State<'a> {
    fn new(inst: &'a Instance, seqs: Vec<Vec<usize>>) -> Self {
        let m = seqs.len();
        let head = seqs
            .iter()
            .map(|s| {
                s.iter()
                    .take_while(|&&j| inst.jobs[j].pinned.is_some())
                    .count()
            })
            .collect();
        let mut st = State {
            inst,
            seqs,
            head,
            ends: vec![Vec::new(); m],
            acc: vec![Vec::new(); m],
            late_w: vec![Vec::new(); m],
            place: vec![None; inst.jobs.len()],
            dirty: vec![0; m],
            work: Cell::new(0),
            buf: Vec::new(),
            cands: Vec::new(),
            dp: Dp::default(),
        };
        for k in 0..m {
            st.refresh(k, 0);
        }
        st
    }

    /// Where job `j` ends when started at or after `t` on machine `m`.
    fn finish(&self, m: usize, t: i64, j: usize) -> Option<i64> {
        self.work.set(self.work.get() + 1);
        let job = &self.inst.jobs[j];
        completion(
            &self.inst.machines[m].windows,
            t.max(job.release),
            job.duration,
        )
        .map(|c| c.1)
    }

    fn late(&self, j: usize, end: i64) -> i64 {
        let job = &self.inst.jobs[j];
        (end - job.due).max(0) * job.weight
    }

    /// Time and accumulated cost before position `pos` of machine `m`.
    fn before(&self, m: usize, pos: usize) -> (i64, Acc) {
        if pos == 0 {
            (self.inst.now, (0, 0))
        } else {
            (self.ends[m][pos - 1], self.acc[m][pos - 1])
        }
    }

    fn cost(&self, m: usize) -> Cost {
        let (t, a) = self.before(m, self.seqs[m].len());
        (a.0, a.1, t)
    }

    /// The cost of machine `m` when, from time `t` with `acc` so far, it
    /// runs the jobs `mid` and then its current jobs from position `resume`
    /// on. `None` as soon as the cost is sure to exceed `limit`.
    fn walk(
        &self,
        m: usize,
        mut t: i64,
        mut acc: Acc,
        mid: &[usize],
        resume: usize,
        limit: Acc,
    ) -> Option<Cost> {
        for &j in mid {
            match self.finish(m, t, j) {
                Some(e) => {
                    acc.1 += self.late(j, e);
                    t = e;
                }
                None => acc.0 += 1,
            }
            if acc > limit {
                return None;
            }
        }
        let seq = &self.seqs[m];
        let total = self.before(m, seq.len());
        for (r, &j) in seq.iter().enumerate().skip(resume) {
            let (old_t, old_acc) = self.before(m, r);
            if t == old_t {
                // Back in step with the current plan: the rest costs
                // exactly what it did.
                let a = plus(acc, minus(total.1, old_acc));
                return (a <= limit).then_some((a.0, a.1, total.0));
            }
            if t > old_t && plus(acc, minus(total.1, old_acc)) > limit {
                // Started later: the rest costs at least what it did.
                return None;
            }
            match self.finish(m, t, j) {
                Some(e) => {
                    acc.1 += self.late(j, e);
                    t = e;
                }
                None => acc.0 += 1,
            }
            if acc > limit {
                return None;
            }
        }
        Some((acc.0, acc.1, t))
    }

    /// Recomputes prefix data and positions of machine `m` from `from` on.
    fn refresh(&mut self, m: usize, from: usize) {
        let (mut t, mut acc) = self.before(m, from);
        let len = self.seqs[m].len();
        self.dirty[m] = self.dirty[m].min(from);
        self.ends[m].truncate(from);
        self.acc[m].truncate(from);
        self.late_w[m].truncate(from);
        let mut lw = if from == 0 {
            0
        } else {
            self.late_w[m][from - 1]
        };
        for pos in from..len {
            let j = self.seqs[m][pos];
            match self.finish(m, t, j) {
                Some(e) => {
                    acc.1 += self.late(j, e);
                    t = e;
                }
                None => acc.0 += 1,
            }
            let job = &self.inst.jobs[j];
            if t > job.due {
                lw += job.weight;
            }
            self.ends[m].push(t);
            self.acc[m].push(acc);
            self.late_w[m].push(lw);
            self.place[j] = Some((m, pos));
        }
    }

    fn total(&self) -> Cost {
        (0..self.seqs.len()).fold((0, 0, self.inst.now), |a, m| {
            let c = self.cost(m);
            (a.0 + c.0, a.1 + c.1, a.2.max(c.2))
        })
    }

    /// Index at which `j` would sit in `m`'s sequence by due date.
    fn due_position(&self, m: usize, j: usize) -> usize {
        let due = self.inst.jobs[j].due;
        let s = &self.seqs[m];
        let h = self.head[m];
        h + s[h..].partition_point(|&x| self.inst.jobs[x].due <= due)
    }

    /// Positions `[lo, hi]` worth trying on a machine with positions
    /// `h..=len` around `centre`: all of them on short sequences.
    fn span(h: usize, len: usize, centre: usize, reach: usize) -> (usize, usize) {
        if len - h <= 2 * reach {
            (h, len)
        } else {
            (
                centre.saturating_sub(reach).max(h),
                (centre + reach).min(len),
            )
        }
    }

    /// Position in `m`'s sequence of the first job that ends after `t`
    /// (where a job starting at `t` would go), at least the head.
    fn position_at(&self, m: usize, t: i64) -> usize {
        self.ends[m].partition_point(|&e| e <= t).max(self.head[m])
    }

    /// The cost, as a lower bound, of machine `m` when job `x` takes
    /// position `q` (replacing what is there when `replace`): the cost
    /// before `q`, `x`'s own tardiness, and, when `x` then ends no earlier
    /// than the job at `q` did, the old cost of the rest.
    fn bound_at(&self, m: usize, q: usize, x: usize, replace: bool) -> Acc {
        let (t, a) = self.before(m, q);
        let (own, end) = match self.finish(m, t, x) {
            Some(e) => ((0, self.late(x, e)), e),
            None => ((1, 0), t),
        };
        let mut lb = plus(a, own);
        let len = self.seqs[m].len();
        let rest_from = if replace { q + 1 } else { q };
        if rest_from < len {
            let (old_t, old_a) = self.before(m, rest_from);
            if end >= old_t {
                lb = plus(lb, minus(self.before(m, len).1, old_a));
            }
        }
        lb
    }

    /// Applies the best strictly improving relocation or swap of job `j`;
    /// whether one was found. `reach` bounds how far from a job's current
    /// time moves are tried on long sequences.
    fn improve_job(&mut self, j: usize, reach: usize) -> bool {
        let Some((m, p)) = self.place[j] else {
            return false;
        };
        let inst = self.inst;
        let job = &inst.jobs[j];
        let old_m = self.cost(m);
        let (t_p, a_p) = self.before(m, p);
        // Machine m without j.
        let Some(c1) = self.walk(m, t_p, a_p, &[], p + 1, (i64::MAX, i64::MAX)) else {
            return false;
        };
        let mut best = NO_MOVE;
        // (target machine, position in its sequence without j, swap partner)
        let mut chosen: Option<(usize, usize, Option<usize>)> = None;
        for &m2 in &job.eligible {
            if m2 == m {
                // Relocate within m: q is the position in the sequence without j.
                let len = self.seqs[m].len() - 1;
                let (lo, hi) = Self::span(self.head[m], len, p, reach);
                for q in lo..=hi {
                    if q == p {
                        continue;
                    }
                    let mut buf = std::mem::take(&mut self.buf);
                    buf.clear();
                    let (from, resume) = if q < p {
                        buf.push(j);
                        buf.extend_from_slice(&self.seqs[m][q..p]);
                        (q, p + 1)
                    } else {
                        buf.extend_from_slice(&self.seqs[m][p + 1..=q]);
                        buf.push(j);
                        (p, q + 1)
                    };
                    let (t, a) = self.before(m, from);
                    let limit = plus((old_m.0, old_m.1), (best.0, best.1));
                    let new = self.walk(m, t, a, &buf, resume, limit);
                    self.buf = buf;
                    if let Some(new) = new {
                        let d = (new.0 - old_m.0, new.1 - old_m.1, new.2 - old_m.2);
                        if d < best {
                            best = d;
                            chosen = Some((m, q, None));
                        }
                    }
                }
                continue;
            }
            let old2 = self.cost(m2);
            let old = (old_m.0 + old2.0, old_m.1 + old2.1, old_m.2.max(old2.2));
            let len2 = self.seqs[m2].len();
            let h2 = self.head[m2];
            let centre = self.position_at(m2, t_p);
            let (lo, hi) = Self::span(h2, len2, centre, reach);
            // Relocate j to m2 at q. Cost of m2 ≥ its old cost plus j's own
            // tardiness there, which only grows with q.
            for q in lo..=hi {
                let (t, a) = self.before(m2, q);
                let own = match self.finish(m2, t, j) {
                    Some(e) => (0, self.late(j, e)),
                    None => (1, 0),
                };
                let limit2 = minus(plus((old.0, old.1), (best.0, best.1)), (c1.0, c1.1));
                if plus((old2.0, old2.1), own) > limit2 {
                    break;
                }
                if let Some(c2) = self.walk(m2, t, a, &[j], q, limit2) {
                    let d = (
                        c1.0 + c2.0 - old.0,
                        c1.1 + c2.1 - old.1,
                        c1.2.max(c2.2) - old.2,
                    );
                    if d < best {
                        best = d;
                        chosen = Some((m2, q, None));
                    }
                }
            }
            // Swap j with a job o of m2 that m can make.
            for q in lo..hi.min(len2) {
                let o = self.seqs[m2][q];
                if !inst.jobs[o].eligible.contains(&m) {
                    continue;
                }
                let limit = plus((old.0, old.1), (best.0, best.1));
                let lb1 = self.bound_at(m, p, o, true);
                let lb2 = self.bound_at(m2, q, j, true);
                if plus(lb1, lb2) > limit {
                    continue;
                }
                let (t, a) = self.before(m2, q);
                let Some(n2) = self.walk(m2, t, a, &[j], q + 1, minus(limit, lb1)) else {
                    continue;
                };
                let Some(n1) = self.walk(m, t_p, a_p, &[o], p + 1, minus(limit, (n2.0, n2.1)))
                else {
                    continue;
                };
                let d = (
                    n1.0 + n2.0 - old.0,
                    n1.1 + n2.1 - old.1,
                    n1.2.max(n2.2) - old.2,
                );
                if d < best {
                    best = d;
                    chosen = Some((m2, q, Some(o)));
                }
            }
        }
        let Some((m2, q, swap)) = chosen else {
            return false;
        };
        match swap {
            Some(o) => {
                self.seqs[m][p] = o;
                self.seqs[m2][q] = j;
                self.refresh(m, p);
                self.refresh(m2, q);
            }
            None => {
                self.seqs[m].remove(p);
                self.seqs[m2].insert(q, j);
                if m == m2 {
                    self.refresh(m, p.min(q));
                } else {
                    self.refresh(m, p);
                    self.refresh(m2, q);
                }
            }
        }
        true
    }

    /// Weight of the late jobs of machine `m` from position `pos` on.
    fn late_weight_from(&self, m: usize, pos: usize) -> i64 {
        let lw = &self.late_w[m];
        match (lw.last(), pos) {
            (None, _) => 0,
            (Some(&all), 0) => all,
            (Some(&all), p) => all - lw[p - 1],
        }
    }

    /// Like [`State::improve_job`], for big shops: every relocation and
    /// swap of `j` is first estimated in constant time (its own tardiness
    /// where it lands, plus how far it pushes the rest times the weight of
    /// the late jobs there, minus the same where it leaves), and only the
    /// few best estimates are priced exactly. Applies the best strictly
    /// improving one.
    fn improve_job_estimated(&mut self, j: usize, reach: usize, tries: usize) -> bool {
        let Some((m, p)) = self.place[j] else {
            return false;
        };
        let inst = self.inst;
        let job = &inst.jobs[j];
        let (t_p, a_p) = self.before(m, p);
        let end_j = self.ends[m][p];
        let own_j = self.acc[m][p].1 - a_p.1;
        // Removing j pulls m's rest forward by about this much.
        let gain_out = own_j + (end_j - t_p) * self.late_weight_from(m, p + 1);
        let mut cands = std::mem::take(&mut self.cands);
        cands.clear();
        for &m2 in &job.eligible {
            if m2 == m {
                continue;
            }
            let len2 = self.seqs[m2].len();
            let centre = self.position_at(m2, t_p);
            let (lo, hi) = Self::span(self.head[m2], len2, centre, reach);
            for q in lo..=hi {
                let (t, _) = self.before(m2, q);
                let Some(e) = self.finish(m2, t, j) else {
                    break;
                };
                let est = self.late(j, e) + (e - t) * self.late_weight_from(m2, q) - gain_out;
                cands.push((est, m2, q, usize::MAX));
                if q < len2 {
                    // Swap with the job o at q when m can make it.
                    let o = self.seqs[m2][q];
                    if !inst.jobs[o].eligible.contains(&m) {
                        continue;
                    }
                    let Some(e_o) = self.finish(m, t_p, o) else {
                        continue;
                    };
                    let own_o = self.acc[m2][q].1 - self.before(m2, q).1.1;
                    let end_o = self.ends[m2][q];
                    let est = self.late(o, e_o) - own_j
                        + (e_o - end_j) * self.late_weight_from(m, p + 1)
                        + self.late(j, e)
                        - own_o
                        + (e - end_o) * self.late_weight_from(m2, q + 1);
                    cands.push((est, m2, q, o));
                }
            }
        }
        // Estimating a move costs about as much as two placements.
        self.work.set(self.work.get() + 2 * cands.len() as u64);
        let k = tries.min(cands.len());
        if k == 0 {
            self.cands = cands;
            return false;
        }
        cands.select_nth_unstable_by_key(k - 1, |c| (c.0, c.1, c.2));
        cands.truncate(k);
        cands.sort_unstable_by_key(|c| (c.0, c.1, c.2));
        let old_m = self.cost(m);
        let mut best = NO_MOVE;
        let mut chosen = None;
        for &(_, m2, q, o) in &cands {
            let old2 = self.cost(m2);
            let old = (old_m.0 + old2.0, old_m.1 + old2.1, old_m.2.max(old2.2));
            let limit = plus((old.0, old.1), (best.0, best.1));
            let (n1, n2) = if o == usize::MAX {
                let Some(n1) = self.walk(m, t_p, a_p, &[], p + 1, limit) else {
                    continue;
                };
                let (t, a) = self.before(m2, q);
                let Some(n2) = self.walk(m2, t, a, &[j], q, minus(limit, (n1.0, n1.1))) else {
                    continue;
                };
                (n1, n2)
            } else {
                let (t, a) = self.before(m2, q);
                let Some(n2) = self.walk(m2, t, a, &[j], q + 1, limit) else {
                    continue;
                };
                let Some(n1) = self.walk(m, t_p, a_p, &[o], p + 1, minus(limit, (n2.0, n2.1)))
                else {
                    continue;
                };
                (n1, n2)
            };
            let d = (
                n1.0 + n2.0 - old.0,
                n1.1 + n2.1 - old.1,
                n1.2.max(n2.2) - old.2,
            );
            if d < best {
                best = d;
                chosen = Some((m2, q, o));
            }
        }
        self.cands = cands;
        let Some((m2, q, o)) = chosen else {
            return false;
        };
        if o == usize::MAX {
            self.seqs[m].remove(p);
            self.seqs[m2].insert(q, j);
            self.refresh(m, p);
            self.refresh(m2, q);
        } else {
            self.seqs[m][p] = o;
            self.seqs[m2][q] = j;
            self.refresh(m, p);
            self.refresh(m2, q);
        }
        true
    }

    /// Re-sequences windows of up to [`WINDOW`] consecutive jobs of machine
    /// `m` exactly. A job that may pause over a night and resume needs the
    /// same working minutes whatever precedes it, so a set of jobs run back
    /// to back from `t` ends at the same instant in any order: each window
    /// is an exact subset dynamic program (the order of least weighted
    /// tardiness; the tail after it does not move). Windows with a job
    /// released after the window's start, or that does not fit, are left
    /// alone. Whether anything improved.
    fn optimise_windows(&mut self, m: usize) -> bool {
        let h = self.head[m];
        let len = self.seqs[m].len();
        let dirty = std::mem::replace(&mut self.dirty[m], usize::MAX);
        if len - h < 2 || dirty >= len {
            return false;
        }
        let k = WINDOW.min(len - h);
        let stride = (k / 2).max(1);
        let mut improved = false;
        // From the window before the first change on (the jobs before it
        // kept their times).
        let mut a = dirty.saturating_sub(k).max(h).min(len - k);
        loop {
            let b = (a + k).min(len);
            if self.optimise_window(m, a, b) {
                improved = true;
            }
            if b == len {
                break;
            }
            a += stride;
        }
        improved
    }

    fn optimise_window(&mut self, m: usize, a: usize, b: usize) -> bool {
        let k = b - a;
        let (t0, acc0) = self.before(m, a);
        let jobs: Vec<usize> = self.seqs[m][a..b].to_vec();
        let inst = self.inst;
        if jobs.iter().any(|&j| inst.jobs[j].release > t0) || self.acc[m][b - 1].0 != acc0.0 {
            return false;
        }
        let current = self.acc[m][b - 1].1 - acc0.1;
        if current == 0 {
            return false;
        }
        let n = 1usize << k;
        let mut dp = std::mem::take(&mut self.dp);
        dp.sum.clear();
        dp.sum.resize(n, 0);
        dp.end.clear();
        dp.end.resize(n, 0);
        dp.best.clear();
        dp.best.resize(n, i64::MAX);
        dp.last.clear();
        dp.last.resize(n, 0);
        dp.best[0] = 0;
        let w = &inst.machines[m].windows;
        let mut ok = true;
        // A subset's transitions cost about a quarter of a placement each.
        self.work.set(self.work.get() + (n * k / 4) as u64);
        for s in 1..n {
            let low = s.trailing_zeros() as usize;
            dp.sum[s] = dp.sum[s & (s - 1)] + inst.jobs[jobs[low]].duration;
            self.work.set(self.work.get() + 1);
            match completion(w, t0, dp.sum[s]) {
                Some((_, e)) => dp.end[s] = e,
                None => {
                    ok = false;
                    break;
                }
            }
            let e = dp.end[s];
            let mut rest = s;
            while rest != 0 {
                let i = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                let prev = dp.best[s & !(1 << i)];
                if prev == i64::MAX {
                    continue;
                }
                let v = prev + self.late(jobs[i], e);
                if v < dp.best[s] {
                    dp.best[s] = v;
                    dp.last[s] = i as u8;
                }
            }
        }
        let improved = ok && dp.best[n - 1] < current;
        if improved {
            let mut s = n - 1;
            let mut pos = b;
            while s != 0 {
                let i = dp.last[s] as usize;
                pos -= 1;
                self.seqs[m][pos] = jobs[i];
                s &= !(1 << i);
            }
            self.refresh(m, a);
        }
        self.dp = dp;
        improved
    }

    /// Takes job `j` out of its sequence.
    fn remove(&mut self, j: usize) {
        if let Some((m, p)) = self.place[j] {
            self.seqs[m].remove(p);
            self.place[j] = None;
            self.refresh(m, p);
        }
    }

    /// Puts job `j` (in no sequence) where it costs least, on a machine
    /// that can make it (where it may not fit: it then counts as unfit);
    /// the machine, or `None` when no machine can make it.
    fn insert_best(&mut self, j: usize, reach: usize) -> Option<usize> {
        let job = &self.inst.jobs[j];
        let mut best: Option<((i64, i64, i64), usize, usize)> = None;
        for &m2 in &job.eligible {
            let old = self.cost(m2);
            let len = self.seqs[m2].len();
            let h = self.head[m2];
            let centre = self.due_position(m2, j);
            let (lo, hi) = Self::span(h, len, centre, reach);
            for q in lo..=hi {
                let (t, a) = self.before(m2, q);
                let own = match self.finish(m2, t, j) {
                    Some(e) => (0, self.late(j, e)),
                    None => (1, 0),
                };
                let limit = match best {
                    Some((d, _, _)) => plus((old.0, old.1), (d.0, d.1)),
                    None => (i64::MAX, i64::MAX),
                };
                if plus((old.0, old.1), own) > limit {
                    break;
                }
                if let Some(c) = self.walk(m2, t, a, &[j], q, limit) {
                    let d = (c.0 - old.0, c.1 - old.1, c.2.max(old.2) - old.2);
                    if best.is_none_or(|b| d < b.0) {
                        best = Some((d, m2, q));
                    }
                }
            }
        }
        let (_, m2, q) = best?;
        self.seqs[m2].insert(q, j);
        self.refresh(m2, q);
        Some(m2)
    }
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

    /// Takes some jobs out and puts them back where each costs least;
    /// returns them.
    fn ruin_and_recreate(&mut self) -> Vec<usize> {
        let n = self.movable.len();
        let most = (n / 4).clamp(2, 40).min(n);
        let count = self.rng.random_range(2.min(most)..=most);
        let mut out: Vec<usize> = Vec::with_capacity(count);
        match self.rng.random_range(0..3) {
            0 => {
                // Random jobs.
                while out.len() < count {
                    let j = self.movable[self.rng.random_range(0..n)];
                    if !out.contains(&j) {
                        out.push(j);
                    }
                }
            }
            1 => {
                // Jobs due about the same time.
                let at = self.rng.random_range(0..n);
                let lo = at.saturating_sub(count / 2).min(n - count);
                out.extend_from_slice(&self.by_due[lo..lo + count]);
            }
            _ => {
                // A run of consecutive jobs on one machine (plus random ones
                // when it is short).
                let j = self.movable[self.rng.random_range(0..n)];
                if let Some((m, p)) = self.st.place[j] {
                    let h = self.st.head[m];
                    let len = self.st.seqs[m].len();
                    let lo = p.saturating_sub(count / 2).max(h);
                    let hi = (lo + count).min(len);
                    out.extend_from_slice(&self.st.seqs[m][lo..hi]);
                }
                while out.len() < count {
                    let j = self.movable[self.rng.random_range(0..n)];
                    if !out.contains(&j) {
                        out.push(j);
                    }
                }
            }
        }
        for &j in &out {
            self.st.remove(j);
        }
        out.shuffle(&mut self.rng);
        if self.rng.random_range(0..2) == 0 {
            out.sort_by_key(|&j| self.st.inst.jobs[j].due);
        }
        for &j in &out {
            if self.st.insert_best(j, self.reach).is_none() {
                // Cannot happen (a job in a sequence has a machine that can
                // make it), but never lose a job: back where it can go, last.
                if let Some(&m) = self.st.inst.jobs[j].eligible.first() {
                    self.st.seqs[m].push(j);
                    let p = self.st.seqs[m].len() - 1;
                    self.st.refresh(m, p);
                }
            }
        }
        out
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
mod tests {
    use super::*;
    use crate::manufacturing::scheduling::{Job, Machine};

    /// One machine with two shifts a day, `n` jobs of mixed lengths and due
    /// dates, in the order given.
    fn one_machine(n: usize, seed: u64) -> Instance {
        let mut rng = StdRng::seed_from_u64(seed);
        let windows = (0..60)
            .map(|d| (d * 1_440 + 360, d * 1_440 + 1_320))
            .collect();
        let jobs = (0..n)
            .map(|i| Job {
                id: i as i64,
                eligible: vec![0],
                duration: rng.random_range(30..=700),
                release: 0,
                due: rng.random_range(500..6_000),
                weight: rng.random_range(1..=10),
                pinned: None,
            })
            .collect();
        Instance {
            now: 0,
            machines: vec![Machine { id: 1, windows }],
            jobs,
        }
    }

    fn twt(st: &State) -> i64 {
        st.cost(0).1
    }

    fn best_by_permutation(inst: &Instance) -> i64 {
        fn go(inst: &Instance, seq: &mut Vec<usize>, rest: &mut Vec<usize>, best: &mut i64) {
            if rest.is_empty() {
                let st = State::new(inst, vec![seq.clone()]);
                *best = (*best).min(twt(&st));
                return;
            }
            for i in 0..rest.len() {
                let j = rest.remove(i);
                seq.push(j);
                go(inst, seq, rest, best);
                seq.pop();
                rest.insert(i, j);
            }
        }
        let mut best = i64::MAX;
        go(
            inst,
            &mut Vec::new(),
            &mut (0..inst.jobs.len()).collect(),
            &mut best,
        );
        best
    }

    #[test]
    fn a_window_is_resequenced_to_its_optimum_across_nights() {
        for seed in 1..6 {
            let inst = one_machine(7, seed);
            let mut st = State::new(&inst, vec![(0..7).collect()]);
            let before = twt(&st);
            st.optimise_windows(0);
            assert_eq!(twt(&st), best_by_permutation(&inst), "seed {seed}");
            assert!(twt(&st) <= before);
            // The prefix data is the plan's own.
            let plan = build(&inst, &st.seqs, Vec::new());
            assert_eq!(evaluate(&inst, &plan).total_weighted_tardiness, twt(&st));
        }
    }

    #[test]
    fn walking_a_move_prices_it_exactly() {
        let inst = one_machine(12, 9);
        let st = State::new(&inst, vec![(0..12).collect()]);
        // Move job 9 to position 2 and compare with a plan built from scratch.
        let (t, a) = st.before(0, 2);
        let mid = [9, 2, 3, 4, 5, 6, 7, 8];
        let priced = st.walk(0, t, a, &mid, 10, (i64::MAX, i64::MAX)).unwrap();
        let seq = vec![0, 1, 9, 2, 3, 4, 5, 6, 7, 8, 10, 11];
        let plan = build(&inst, &[seq], Vec::new());
        let m = evaluate(&inst, &plan);
        assert_eq!(priced.1, m.total_weighted_tardiness);
        assert_eq!(priced.2 - inst.now, m.makespan);
        // A limit below the cost stops the walk.
        assert_eq!(st.walk(0, t, a, &mid, 10, (0, priced.1 - 1)), None);
    }
}
