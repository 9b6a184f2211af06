//! Moves of one job: relocating it to another position of any machine that
//! can make it, or swapping it with a job of another machine, each priced
//! exactly by walking the changed tails ([`State::improve_job`]), or, on big
//! shops, estimated first ([`State::improve_job_estimated`]).

use super::state::{Acc, Cost, Delta, NO_MOVE, State, minus, plus};

/// Job `j` at position `p` of machine `m`, as the moves of
/// [`State::improve_job`] see it.
#[derive(Clone, Copy)]
struct Source {
    j: usize,
    m: usize,
    p: usize,
    /// Time and accumulated cost before `p`.
    t_p: i64,
    a_p: Acc,
    /// Cost of `m` with `j`, and without it.
    old_m: Cost,
    without: Cost,
}

/// The best move found so far: its change of objective, and the target
/// machine, position (in its sequence without `j`) and swap partner.
struct Best {
    delta: Delta,
    chosen: Option<(usize, usize, Option<usize>)>,
}

impl Best {
    /// Keeps the move when it strictly beats the best so far.
    fn offer(&mut self, d: Delta, chosen: (usize, usize, Option<usize>)) {
        if d < self.delta {
            self.delta = d;
            self.chosen = Some(chosen);
        }
    }
}

impl State<'_> {
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
    pub(super) fn improve_job(&mut self, j: usize, reach: usize) -> bool {
        let Some((m, p)) = self.place[j] else {
            return false;
        };
        let inst = self.inst;
        let old_m = self.cost(m);
        let (t_p, a_p) = self.before(m, p);
        // Machine m without j.
        let Some(c1) = self.walk(m, t_p, a_p, &[], p + 1, (i64::MAX, i64::MAX)) else {
            return false;
        };
        let from = Source {
            j,
            m,
            p,
            t_p,
            a_p,
            old_m,
            without: c1,
        };
        let mut best = Best {
            delta: NO_MOVE,
            chosen: None,
        };
        for &m2 in &inst.jobs[j].eligible {
            if m2 == m {
                self.relocate_within(&from, reach, &mut best);
                continue;
            }
            let old2 = self.cost(m2);
            let old = (old_m.0 + old2.0, old_m.1 + old2.1, old_m.2.max(old2.2));
            let len2 = self.seqs[m2].len();
            let h2 = self.head[m2];
            let centre = self.position_at(m2, t_p);
            let span = Self::span(h2, len2, centre, reach);
            self.relocate_to(&from, m2, old2, old, span, &mut best);
            self.swap_with(&from, m2, old, span, &mut best);
        }
        let Some(chosen) = best.chosen else {
            return false;
        };
        self.apply(&from, chosen);
        self.tally(|c| c.applied += 1);
        true
    }

    /// Prices relocating `from.j` to the other positions of its own
    /// machine (`reach` around it on long sequences).
    fn relocate_within(&mut self, from: &Source, reach: usize, best: &mut Best) {
        let Source { j, m, p, old_m, .. } = *from;
        // q is the position in the sequence without j.
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
            let limit = plus((old_m.0, old_m.1), (best.delta.0, best.delta.1));
            let new = self.walk(m, t, a, &buf, resume, limit);
            self.buf = buf;
            if let Some(new) = new {
                let d = (new.0 - old_m.0, new.1 - old_m.1, new.2 - old_m.2);
                best.offer(d, (m, q, None));
            }
        }
    }

    /// Prices relocating `from.j` to positions `span` of machine `m2`,
    /// whose cost is `old2`; `old` is the cost of both machines.
    fn relocate_to(
        &self,
        from: &Source,
        m2: usize,
        old2: Cost,
        old: Cost,
        (lo, hi): (usize, usize),
        best: &mut Best,
    ) {
        let Source { j, without: c1, .. } = *from;
        // Relocate j to m2 at q. Cost of m2 ≥ its old cost plus j's own
        // tardiness there, which only grows with q.
        for q in lo..=hi {
            let (t, a) = self.before(m2, q);
            let own = match self.finish(m2, t, j) {
                Some(e) => (0, self.late(j, e)),
                None => (1, 0),
            };
            let limit2 = minus(
                plus((old.0, old.1), (best.delta.0, best.delta.1)),
                (c1.0, c1.1),
            );
            if plus((old2.0, old2.1), own) > limit2 {
                break;
            }
            if let Some(c2) = self.walk(m2, t, a, &[j], q, limit2) {
                let d = (
                    c1.0 + c2.0 - old.0,
                    c1.1 + c2.1 - old.1,
                    c1.2.max(c2.2) - old.2,
                );
                best.offer(d, (m2, q, None));
            }
        }
    }

    /// Prices swapping `from.j` with a job of machine `m2` at positions
    /// `span` that `from.m` can make; `old` is the cost of both machines.
    fn swap_with(
        &self,
        from: &Source,
        m2: usize,
        old: Cost,
        (lo, hi): (usize, usize),
        best: &mut Best,
    ) {
        let Source {
            j, m, p, t_p, a_p, ..
        } = *from;
        let len2 = self.seqs[m2].len();
        // Swap j with a job o of m2 that m can make.
        for q in lo..hi.min(len2) {
            let o = self.seqs[m2][q];
            if !self.inst.jobs[o].eligible.contains(&m) {
                continue;
            }
            let limit = plus((old.0, old.1), (best.delta.0, best.delta.1));
            let lb1 = self.bound_at(m, p, o, true);
            let lb2 = self.bound_at(m2, q, j, true);
            if plus(lb1, lb2) > limit {
                continue;
            }
            let (t, a) = self.before(m2, q);
            let Some(n2) = self.walk(m2, t, a, &[j], q + 1, minus(limit, lb1)) else {
                continue;
            };
            let Some(n1) = self.walk(m, t_p, a_p, &[o], p + 1, minus(limit, (n2.0, n2.1))) else {
                continue;
            };
            let d = (
                n1.0 + n2.0 - old.0,
                n1.1 + n2.1 - old.1,
                n1.2.max(n2.2) - old.2,
            );
            best.offer(d, (m2, q, Some(o)));
        }
    }

    /// Applies the move `(m2, q, swap)` of `from.j` chosen by
    /// [`State::improve_job`].
    fn apply(&mut self, from: &Source, (m2, q, swap): (usize, usize, Option<usize>)) {
        let Source { j, m, p, .. } = *from;
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
    pub(super) fn improve_job_estimated(&mut self, j: usize, reach: usize, tries: usize) -> bool {
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
        self.tally(|c| c.estimated += cands.len() as u64);
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
        self.tally(|c| c.applied += 1);
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
}
