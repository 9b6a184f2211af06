//! The search's state: the per-machine sequences with their prefix sums
//! (end times, accumulated cost, weight of the late jobs), and the walk that
//! prices a changed sequence from them.

use std::cell::Cell;

use super::super::{Instance, completion};

/// Cost of one machine's sequence, or of a set of machines: (jobs that do
/// not fit, weighted tardiness, end of the last job).
pub(super) type Cost = (i64, i64, i64);

/// Cost accumulated along a sequence: (jobs that do not fit, weighted
/// tardiness).
pub(super) type Acc = (i64, i64);

pub(super) fn plus(a: Acc, b: Acc) -> Acc {
    (a.0 + b.0, a.1 + b.1)
}

pub(super) fn minus(a: Acc, b: Acc) -> Acc {
    (a.0 - b.0, a.1 - b.1)
}

/// A move's change of objective: (unfit, tardiness) change, then change of
/// the later end of the machines it touches.
pub(super) type Delta = (i64, i64, i64);

pub(super) const NO_MOVE: Delta = (0, 0, 0);

pub(super) struct State<'a> {
    pub(super) inst: &'a Instance,
    pub(super) seqs: Vec<Vec<usize>>,
    /// Pinned jobs at the head of each machine, never moved.
    pub(super) head: Vec<usize>,
    /// Per machine, per position: end time and cumulative (unfit, twt).
    pub(super) ends: Vec<Vec<i64>>,
    pub(super) acc: Vec<Vec<Acc>>,
    /// Per machine, per position: the weight of the late jobs up to and
    /// including it (for estimating moves on big shops).
    pub(super) late_w: Vec<Vec<i64>>,
    /// Where each job in a sequence sits: (machine, position).
    pub(super) place: Vec<Option<(usize, usize)>>,
    /// Per machine, the first position changed since its windows were last
    /// re-sequenced (`usize::MAX`: none).
    pub(super) dirty: Vec<usize>,
    /// Job placements computed so far.
    pub(super) work: Cell<u64>,
    /// Moves counted for [`super::Stats`]: estimated, priced (walked), applied.
    pub(super) moves: Cell<Moves>,
    /// Scratch buffers.
    pub(super) buf: Vec<usize>,
    pub(super) cands: Vec<(i64, usize, usize, usize)>,
    pub(super) dp: Dp,
}

/// How many moves the search estimated, priced and applied (see
/// [`super::Stats`]).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Moves {
    /// Moves estimated in constant time (big shops only).
    pub estimated: u64,
    /// Tails walked to price a move (a swap walks two).
    pub priced: u64,
    /// Improving moves applied in descents.
    pub applied: u64,
    /// Jobs a descent skipped: nothing at or after them on their machine
    /// is late, so no move of theirs can lower the tardiness.
    pub skipped: u64,
}

#[derive(Default)]
pub(super) struct Dp {
    pub(super) sum: Vec<i64>,
    pub(super) end: Vec<i64>,
    pub(super) best: Vec<i64>,
    pub(super) last: Vec<u8>,
}

impl<'a> State<'a> {
    pub(super) fn new(inst: &'a Instance, seqs: Vec<Vec<usize>>) -> Self {
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
            moves: Cell::new(Moves::default()),
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
    pub(super) fn finish(&self, m: usize, t: i64, j: usize) -> Option<i64> {
        self.work.set(self.work.get() + 1);
        let job = &self.inst.jobs[j];
        completion(
            &self.inst.machines[m].windows,
            t.max(job.release),
            job.duration,
        )
        .map(|c| c.1)
    }

    pub(super) fn late(&self, j: usize, end: i64) -> i64 {
        let job = &self.inst.jobs[j];
        (end - job.due).max(0) * job.weight
    }

    /// Updates the move counters.
    pub(super) fn tally(&self, f: impl FnOnce(&mut Moves)) {
        let mut c = self.moves.get();
        f(&mut c);
        self.moves.set(c);
    }

    /// Whether job `j`, on machine `m` at `p`, has nothing late at or after
    /// it: no move of it can then lower the objective's tardiness (moving
    /// it away cannot help its machine, inserting it elsewhere cannot help
    /// the other; a swap is found from the other job's side).
    pub(super) fn nothing_late_from(&self, j: usize) -> bool {
        match self.place[j] {
            Some((m, p)) => {
                let before = self.before(m, p).1;
                self.acc[m].last().is_some_and(|a| *a == before)
            }
            None => true,
        }
    }

    /// Time and accumulated cost before position `pos` of machine `m`.
    pub(super) fn before(&self, m: usize, pos: usize) -> (i64, Acc) {
        if pos == 0 {
            (self.inst.now, (0, 0))
        } else {
            (self.ends[m][pos - 1], self.acc[m][pos - 1])
        }
    }

    pub(super) fn cost(&self, m: usize) -> Cost {
        let (t, a) = self.before(m, self.seqs[m].len());
        (a.0, a.1, t)
    }

    /// The cost of machine `m` when, from time `t` with `acc` so far, it
    /// runs the jobs `mid` and then its current jobs from position `resume`
    /// on. `None` as soon as the cost is sure to exceed `limit`.
    pub(super) fn walk(
        &self,
        m: usize,
        mut t: i64,
        mut acc: Acc,
        mid: &[usize],
        resume: usize,
        limit: Acc,
    ) -> Option<Cost> {
        self.tally(|c| c.priced += 1);
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
    pub(super) fn refresh(&mut self, m: usize, from: usize) {
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

    pub(super) fn total(&self) -> Cost {
        (0..self.seqs.len()).fold((0, 0, self.inst.now), |a, m| {
            let c = self.cost(m);
            (a.0 + c.0, a.1 + c.1, a.2.max(c.2))
        })
    }

    /// Index at which `j` would sit in `m`'s sequence by due date.
    pub(super) fn due_position(&self, m: usize, j: usize) -> usize {
        let due = self.inst.jobs[j].due;
        let s = &self.seqs[m];
        let h = self.head[m];
        h + s[h..].partition_point(|&x| self.inst.jobs[x].due <= due)
    }

    /// Positions `[lo, hi]` worth trying on a machine with positions
    /// `h..=len` around `centre`: all of them on short sequences.
    pub(super) fn span(h: usize, len: usize, centre: usize, reach: usize) -> (usize, usize) {
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
    pub(super) fn position_at(&self, m: usize, t: i64) -> usize {
        self.ends[m].partition_point(|&e| e <= t).max(self.head[m])
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::one_machine;
    use crate::manufacturing::scheduling::{build, evaluate};

    use super::*;

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

    #[test]
    fn a_job_is_skippable_only_when_nothing_from_it_on_is_late() {
        let mut inst = one_machine(12, 9);
        // The last two jobs are due late enough to be on time.
        inst.jobs[10].due = 1_000_000;
        inst.jobs[11].due = 1_000_000;
        let st = State::new(&inst, vec![(0..12).collect()]);
        let late: Vec<bool> = (0..12).map(|p| st.acc[0][p] != st.before(0, p).1).collect();
        let expected: Vec<bool> = (0..12).map(|p| !late[p..].contains(&true)).collect();
        // Both answers occur.
        assert!(expected.contains(&true) && expected.contains(&false));
        for (p, e) in expected.iter().enumerate() {
            assert_eq!(st.nothing_late_from(st.seqs[0][p]), *e, "position {p}");
        }
    }
}
