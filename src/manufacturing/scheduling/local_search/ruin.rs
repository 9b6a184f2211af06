//! Ruin and recreate: taking jobs out of the plan and putting each back
//! where it costs least.

use rand::{Rng, seq::SliceRandom};

use super::Search;
use super::state::{State, plus};

impl State<'_> {
    /// Takes job `j` out of its sequence.
    pub(super) fn remove(&mut self, j: usize) {
        if let Some((m, p)) = self.place[j] {
            self.seqs[m].remove(p);
            self.place[j] = None;
            self.refresh(m, p);
        }
    }

    /// Puts job `j` (in no sequence) where it costs least, on a machine
    /// that can make it (where it may not fit: it then counts as unfit);
    /// the machine, or `None` when no machine can make it.
    pub(super) fn insert_best(&mut self, j: usize, reach: usize) -> Option<usize> {
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

impl Search<'_, '_> {
    /// Takes some jobs out and puts them back where each costs least;
    /// returns them.
    pub(super) fn ruin_and_recreate(&mut self) -> Vec<usize> {
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
}
