//! Exact branch and bound for small instances.
//!
//! Every plan the service can produce is a set of per-machine sequences with
//! each job started as early as possible, and for a regular objective such as
//! ours (tardiness and makespan never improve when a job ends later) one of
//! those is optimal. The search builds machine 0's sequence, then closes it
//! and builds machine 1's, and so on, so each set of sequences is met once.
//! A node is cut when its weighted tardiness so far plus, for every job
//! left, the tardiness it would have alone on its best remaining machine
//! cannot beat the best plan found, seeded by the better dispatch rule (or
//! by a plan the caller gives, [`BranchAndBound::solve_from`]). Seeded by
//! dispatch alone, a proved optimum owes nothing to the local search, so
//! tests and the benchmark can check the local search against it.

use super::{
    Instance, Schedule, Scheduler, build, completion,
    dispatch::{Atc, Edd, pinned_start},
    evaluate,
};

/// Depth-first branch and bound with a node budget.
pub struct BranchAndBound {
    /// Give up (and say so) after this many nodes.
    pub node_limit: u64,
}

impl Default for BranchAndBound {
    fn default() -> Self {
        BranchAndBound {
            node_limit: 50_000_000,
        }
    }
}

struct Search<'a> {
    inst: &'a Instance,
    /// Free time of each machine once its pinned jobs are done.
    base: Vec<i64>,
    seqs: Vec<Vec<usize>>,
    left: Vec<usize>,
    best: (i64, i64),
    best_seqs: Option<Vec<Vec<usize>>>,
    nodes: u64,
    limit: u64,
}

impl Search<'_> {
    /// Machine `k` is being filled, free at `t`; `twt` and `end` so far.
    fn dfs(&mut self, k: usize, t: i64, twt: i64, end: i64) {
        self.nodes += 1;
        if self.nodes > self.limit {
            return;
        }
        if self.left.is_empty() {
            let key = (twt, end - self.inst.now);
            if key < self.best {
                self.best = key;
                self.best_seqs = Some(self.seqs.clone());
            }
            return;
        }
        // Bound: each job left, alone, on its best machine from k on.
        let mut lb_twt = twt;
        let mut lb_end = end;
        for &j in &self.left {
            let job = &self.inst.jobs[j];
            let best = job
                .eligible
                .iter()
                .filter(|&&x| x >= k)
                .filter_map(|&x| {
                    let from = if x == k { t } else { self.base[x] };
                    completion(
                        &self.inst.machines[x].windows,
                        from.max(job.release),
                        job.duration,
                    )
                    .map(|c| c.1)
                })
                .min();
            let Some(e) = best else { return };
            lb_twt += (e - job.due).max(0) * job.weight;
            lb_end = lb_end.max(e);
        }
        if (lb_twt, lb_end - self.inst.now) >= self.best {
            return;
        }
        // Branch: append a job left to machine k, in due-date order.
        let mut order: Vec<usize> = self
            .left
            .iter()
            .copied()
            .filter(|&j| self.inst.jobs[j].eligible.contains(&k))
            .collect();
        order.sort_by_key(|&j| (self.inst.jobs[j].due, j));
        for j in order {
            let job = &self.inst.jobs[j];
            let Some((_, e)) = completion(
                &self.inst.machines[k].windows,
                t.max(job.release),
                job.duration,
            ) else {
                continue;
            };
            let pos = self.left.iter().position(|&x| x == j).unwrap_or(0);
            self.left.swap_remove(pos);
            self.seqs[k].push(j);
            self.dfs(k, e, twt + (e - job.due).max(0) * job.weight, end.max(e));
            self.seqs[k].pop();
            self.left.push(j);
            let last = self.left.len() - 1;
            self.left.swap(pos, last);
        }
        // Or close machine k and go on to the next.
        if k + 1 < self.inst.machines.len() {
            self.dfs(k + 1, self.base[k + 1], twt, end);
        }
    }
}

impl BranchAndBound {
    /// The best plan found and whether it is proved optimal (the search
    /// finished within the node limit), starting from the better of the
    /// EDD and ATC plans.
    pub fn solve(&self, inst: &Instance) -> (Schedule, bool) {
        let edd = Edd.schedule(inst);
        let atc = Atc.schedule(inst);
        let start = if evaluate(inst, &atc).key() <= evaluate(inst, &edd).key() {
            atc
        } else {
            edd
        };
        self.solve_from(inst, start)
    }

    /// The same, starting from `start`: only a strictly better plan replaces
    /// it. Jobs that fit nowhere in `start` are left out of the search.
    pub fn solve_from(&self, inst: &Instance, start: Schedule) -> (Schedule, bool) {
        let metrics = evaluate(inst, &start);
        let (seqs, base) = pinned_start(inst);
        let left: Vec<usize> = (0..inst.jobs.len())
            .filter(|&j| inst.jobs[j].pinned.is_none() && !start.unscheduled.contains(&j))
            .collect();
        let pinned_twt: i64 = seqs
            .iter()
            .flatten()
            .filter_map(|&j| start.slots.iter().find(|s| s.job == j))
            .map(|s| (s.end - inst.jobs[s.job].due).max(0) * inst.jobs[s.job].weight)
            .sum();
        let pinned_end = base.iter().copied().max().unwrap_or(inst.now);
        let mut s = Search {
            inst,
            base: base.clone(),
            seqs,
            left,
            // A plan must beat the heuristic's to be recorded.
            best: (metrics.total_weighted_tardiness, metrics.makespan),
            best_seqs: None,
            nodes: 0,
            limit: self.node_limit,
        };
        if !inst.machines.is_empty() {
            s.dfs(0, base[0], pinned_twt, pinned_end);
        }
        let proved = s.nodes <= s.limit;
        match s.best_seqs {
            Some(seqs) => (build(inst, &seqs, start.unscheduled.clone()), proved),
            None => (start, proved),
        }
    }
}

impl Scheduler for BranchAndBound {
    fn name(&self) -> &'static str {
        "branch and bound"
    }
    fn schedule(&self, inst: &Instance) -> Schedule {
        self.solve(inst).0
    }
}

/// Every assignment of jobs to machines in every order; for tests on tiny
/// instances only (n! · mⁿ plans).
pub fn brute_force(inst: &Instance) -> super::Metrics {
    fn permute(
        inst: &Instance,
        order: &mut Vec<usize>,
        rest: &mut Vec<usize>,
        best: &mut Option<super::Metrics>,
    ) {
        if rest.is_empty() {
            let n = order.len();
            let m = inst.machines.len();
            let total = m.pow(n as u32);
            for code in 0..total {
                let mut c = code;
                let mut seqs = vec![Vec::new(); m];
                let mut ok = true;
                for &j in order.iter() {
                    let k = c % m;
                    c /= m;
                    ok &= inst.jobs[j].eligible.contains(&k);
                    seqs[k].push(j);
                }
                if !ok {
                    continue;
                }
                let plan = build(inst, &seqs, Vec::new());
                if !plan.unscheduled.is_empty() {
                    continue;
                }
                let e = evaluate(inst, &plan);
                if best.is_none_or(|b| e.key() < b.key()) {
                    *best = Some(e);
                }
            }
            return;
        }
        for i in 0..rest.len() {
            let j = rest.remove(i);
            order.push(j);
            permute(inst, order, rest, best);
            order.pop();
            rest.insert(i, j);
        }
    }
    let mut best = None;
    permute(
        inst,
        &mut Vec::new(),
        &mut (0..inst.jobs.len()).collect(),
        &mut best,
    );
    best.expect("a tiny instance has a plan")
}
