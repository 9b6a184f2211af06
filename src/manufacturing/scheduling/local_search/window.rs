//! Exact re-sequencing of windows of consecutive jobs on one machine.

use super::super::completion;
use super::WINDOW;
use super::state::State;

impl State<'_> {
    /// Re-sequences windows of up to [`WINDOW`] consecutive jobs of machine
    /// `m` exactly. A job that may pause over a night and resume needs the
    /// same working minutes whatever precedes it, so a set of jobs run back
    /// to back from `t` ends at the same instant in any order: each window
    /// is an exact subset dynamic program (the order of least weighted
    /// tardiness; the tail after it does not move). Windows with a job
    /// released after the window's start, or that does not fit, are left
    /// alone. Whether anything improved.
    pub(super) fn optimise_windows(&mut self, m: usize) -> bool {
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
}

#[cfg(test)]
mod tests {
    use super::super::testing::{one_machine, twt};
    use crate::manufacturing::scheduling::{Instance, build, evaluate};

    use super::*;

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
}
