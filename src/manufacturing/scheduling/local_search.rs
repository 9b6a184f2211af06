//! Local search over per-machine sequences, started from the better of the
//! ATC and EDD dispatch plans.
//!
//! Moves: relocate a job to another place (same or other machine) and swap
//! two jobs. The job to move is picked by a small tournament that favours
//! the most weighted-tardy of a few random jobs; the place to insert it is
//! near its due-date position on the target machine, sometimes anywhere. A
//! move is kept when it does not worsen (jobs that no longer fit, weighted
//! tardiness, then the later end of the machines it touches): the search
//! never leaves a plan worse than where it started. Each move is priced
//! from the machines' prefix sums, so only the changed tails are walked.

use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng, rngs::StdRng};

use super::{
    Instance, Schedule, Scheduler, build, completion,
    dispatch::{Atc, Edd},
    evaluate,
};

/// ATC/EDD start plus local search, bounded by iterations, time and stall.
pub struct LocalSearch {
    /// Upper bound on moves tried.
    pub iterations: u64,
    /// Upper bound on wall time.
    pub time_limit: Duration,
    /// Stop after this many moves in a row that improved nothing strictly
    /// (at least; it grows with the instance: 100 per job).
    pub stall: u64,
    /// Seed of the move generator; the same seed gives the same plan when
    /// the time limit is not reached.
    pub seed: u64,
}

impl Default for LocalSearch {
    fn default() -> Self {
        LocalSearch {
            iterations: 5_000_000,
            time_limit: Duration::from_millis(800),
            stall: 20_000,
            seed: 0x9E37_79B9_7F4A_7C15,
        }
    }
}

/// Cost of one machine's sequence: (jobs that do not fit, weighted
/// tardiness, end of its last job).
type Cost = (i64, i64, i64);

fn add(a: Cost, b: Cost) -> Cost {
    (a.0 + b.0, a.1 + b.1, a.2.max(b.2))
}

struct State<'a> {
    inst: &'a Instance,
    seqs: Vec<Vec<usize>>,
    /// Pinned jobs at the head of each machine, never moved.
    head: Vec<usize>,
    /// Per machine, per position: end time and cumulative (unfit, twt).
    ends: Vec<Vec<i64>>,
    acc: Vec<Vec<(i64, i64)>>,
    /// Where each scheduled job sits: (machine, position).
    place: Vec<Option<(usize, usize)>>,
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
            place: vec![None; inst.jobs.len()],
        };
        for k in 0..m {
            st.refresh(k, 0);
        }
        st
    }

    /// Time and accumulated cost before position `pos` of machine `m`.
    fn before(&self, m: usize, pos: usize) -> (i64, (i64, i64)) {
        if pos == 0 {
            (self.inst.now, (0, 0))
        } else {
            (self.ends[m][pos - 1], self.acc[m][pos - 1])
        }
    }

    /// Walks `jobs` on machine `m` from time `t` with cost `acc` so far.
    fn walk(
        &self,
        m: usize,
        mut t: i64,
        mut acc: (i64, i64),
        jobs: impl Iterator<Item = usize>,
    ) -> Cost {
        let w = &self.inst.machines[m].windows;
        for j in jobs {
            let job = &self.inst.jobs[j];
            match completion(w, t.max(job.release), job.duration) {
                Some((_, e)) => {
                    acc.1 += (e - job.due).max(0) * job.weight;
                    t = e;
                }
                None => acc.0 += 1,
            }
        }
        (acc.0, acc.1, t)
    }

    fn cost(&self, m: usize) -> Cost {
        let (t, a) = self.before(m, self.seqs[m].len());
        (a.0, a.1, t)
    }

    /// Recomputes prefix data and positions of machine `m` from `from` on.
    fn refresh(&mut self, m: usize, from: usize) {
        let (mut t, mut acc) = self.before(m, from);
        let len = self.seqs[m].len();
        self.ends[m].truncate(from);
        self.acc[m].truncate(from);
        let w = &self.inst.machines[m].windows;
        for pos in from..len {
            let j = self.seqs[m][pos];
            let job = &self.inst.jobs[j];
            match completion(w, t.max(job.release), job.duration) {
                Some((_, e)) => {
                    acc.1 += (e - job.due).max(0) * job.weight;
                    t = e;
                }
                None => acc.0 += 1,
            }
            self.ends[m].push(t);
            self.acc[m].push(acc);
            self.place[j] = Some((m, pos));
        }
    }

    fn tardiness(&self, j: usize) -> i64 {
        match self.place[j] {
            Some((m, p)) => {
                let job = &self.inst.jobs[j];
                (self.ends[m][p] - job.due).max(0) * job.weight
            }
            None => 0,
        }
    }

    /// Index at which `j` would sit in `m`'s sequence by due date.
    fn due_position(&self, m: usize, j: usize) -> usize {
        let due = self.inst.jobs[j].due;
        let s = &self.seqs[m];
        let h = self.head[m];
        h + s[h..].partition_point(|&x| self.inst.jobs[x].due <= due)
    }
}

impl Scheduler for LocalSearch {
    fn name(&self) -> &'static str {
        "ATC/EDD + local search"
    }

    fn schedule(&self, inst: &Instance) -> Schedule {
        let t0 = Instant::now();
        let edd = Edd::sequences(inst);
        let atc = Atc::sequences(inst);
        let edd_plan = build(inst, &edd.0, edd.1.clone());
        let atc_plan = build(inst, &atc.0, atc.1.clone());
        let (seqs, unscheduled) =
            if evaluate(inst, &atc_plan).key() <= evaluate(inst, &edd_plan).key() {
                atc
            } else {
                edd
            };
        let mut st = State::new(inst, seqs);
        let movable: Vec<usize> = (0..inst.jobs.len())
            .filter(|&j| inst.jobs[j].pinned.is_none() && st.place[j].is_some())
            .collect();
        let mut rng = StdRng::seed_from_u64(self.seed);
        let stall_limit = self.stall.max(100 * inst.jobs.len() as u64);
        let mut stall = 0u64;
        let mut buf: Vec<usize> = Vec::new();
        if !movable.is_empty() {
            for it in 0..self.iterations {
                if it % 128 == 0 && t0.elapsed() >= self.time_limit {
                    break;
                }
                if stall >= stall_limit {
                    break;
                }
                stall += 1;
                // Tournament of three: the most tardy goes.
                let mut j = movable[rng.random_range(0..movable.len())];
                for _ in 0..2 {
                    let c = movable[rng.random_range(0..movable.len())];
                    if st.tardiness(c) > st.tardiness(j) {
                        j = c;
                    }
                }
                let Some((m, p)) = st.place[j] else { continue };
                let job = &inst.jobs[j];
                let m2 = job.eligible[rng.random_range(0..job.eligible.len())];
                let old = if m == m2 {
                    st.cost(m)
                } else {
                    add(st.cost(m), st.cost(m2))
                };
                if rng.random_range(0..3) > 0 {
                    // Relocate j into m2 at q (q counts positions without j when m2 == m).
                    let len2 = st.seqs[m2].len() - usize::from(m == m2);
                    let h = st.head[m2];
                    let q = if rng.random_range(0..5) == 0 {
                        h + rng.random_range(0..len2 - h + 1)
                    } else {
                        let base = st.due_position(m2, j);
                        let base = if m == m2 && base > p { base - 1 } else { base };
                        let jitter = rng.random_range(0..7) as isize - 3;
                        (base as isize + jitter).clamp(h as isize, len2 as isize) as usize
                    };
                    if m == m2 {
                        if q == p {
                            continue;
                        }
                        let from = p.min(q);
                        buf.clear();
                        buf.extend(st.seqs[m][from..].iter().copied().filter(|&x| x != j));
                        buf.insert(q - from, j);
                        let (t, a) = st.before(m, from);
                        let new = st.walk(m, t, a, buf.iter().copied());
                        if new <= old {
                            if (new.0, new.1) < (old.0, old.1) || new.2 < old.2 {
                                stall = 0;
                            }
                            st.seqs[m].truncate(from);
                            st.seqs[m].extend_from_slice(&buf);
                            st.refresh(m, from);
                        }
                    } else {
                        let (t, a) = st.before(m, p);
                        let c1 = st.walk(m, t, a, st.seqs[m][p + 1..].iter().copied());
                        let (t, a) = st.before(m2, q);
                        let c2 = st.walk(
                            m2,
                            t,
                            a,
                            std::iter::once(j).chain(st.seqs[m2][q..].iter().copied()),
                        );
                        let new = add(c1, c2);
                        if new <= old {
                            if (new.0, new.1) < (old.0, old.1) || new.2 < old.2 {
                                stall = 0;
                            }
                            st.seqs[m].remove(p);
                            st.seqs[m2].insert(q, j);
                            st.refresh(m, p);
                            st.refresh(m2, q);
                        }
                    }
                } else {
                    // Swap j with another job of m2 that m can make.
                    let h = st.head[m2];
                    let len2 = st.seqs[m2].len();
                    if len2 <= h {
                        continue;
                    }
                    let q = h + rng.random_range(0..len2 - h);
                    let o = st.seqs[m2][q];
                    if o == j || !inst.jobs[o].eligible.contains(&m) {
                        continue;
                    }
                    let new = if m == m2 {
                        let from = p.min(q);
                        buf.clear();
                        buf.extend_from_slice(&st.seqs[m][from..]);
                        buf.swap(p - from, q - from);
                        let (t, a) = st.before(m, from);
                        st.walk(m, t, a, buf.iter().copied())
                    } else {
                        let (t, a) = st.before(m, p);
                        let c1 = st.walk(
                            m,
                            t,
                            a,
                            std::iter::once(o).chain(st.seqs[m][p + 1..].iter().copied()),
                        );
                        let (t, a) = st.before(m2, q);
                        let c2 = st.walk(
                            m2,
                            t,
                            a,
                            std::iter::once(j).chain(st.seqs[m2][q + 1..].iter().copied()),
                        );
                        add(c1, c2)
                    };
                    if new <= old {
                        if (new.0, new.1) < (old.0, old.1) || new.2 < old.2 {
                            stall = 0;
                        }
                        st.seqs[m][p] = o;
                        st.seqs[m2][q] = j;
                        if m == m2 {
                            st.refresh(m, p.min(q));
                        } else {
                            st.refresh(m, p);
                            st.refresh(m2, q);
                        }
                    }
                }
            }
        }
        let plan = build(inst, &st.seqs, unscheduled);
        // Never return worse than the baselines (it cannot be, but cheap to be sure).
        [plan, atc_plan, edd_plan]
            .into_iter()
            .min_by_key(|p| evaluate(inst, p).key())
            .unwrap_or_default()
    }
}
