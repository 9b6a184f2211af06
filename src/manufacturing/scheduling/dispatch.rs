//! Dispatch rules: build a plan in one pass, no backtracking.

use super::{Instance, Schedule, Scheduler, build, completion};

/// Per-machine sequences with every pinned job first on its machine, the
/// time each machine is free after them, and jobs that fit nowhere.
pub(super) fn pinned_start(inst: &Instance) -> (Vec<Vec<usize>>, Vec<i64>) {
    let mut seqs = vec![Vec::new(); inst.machines.len()];
    let mut free = vec![inst.now; inst.machines.len()];
    for (i, j) in inst.jobs.iter().enumerate() {
        if let Some(m) = j.pinned {
            seqs[m].push(i);
            if let Some((_, e)) = completion(&inst.machines[m].windows, free[m], j.duration) {
                free[m] = e;
            }
        }
    }
    (seqs, free)
}

/// List scheduling: takes jobs in `order`, each to the eligible machine where
/// it would end first. Returns per-machine sequences and the jobs that fit
/// nowhere.
pub(super) fn list(inst: &Instance, order: &[usize]) -> (Vec<Vec<usize>>, Vec<usize>) {
    let (mut seqs, mut free) = pinned_start(inst);
    let mut unscheduled = Vec::new();
    for &i in order {
        let j = &inst.jobs[i];
        if j.pinned.is_some() {
            continue;
        }
        let best = j
            .eligible
            .iter()
            .filter_map(|&m| {
                completion(
                    &inst.machines[m].windows,
                    free[m].max(j.release),
                    j.duration,
                )
                .map(|(_, e)| (e, m))
            })
            .min();
        match best {
            Some((e, m)) => {
                seqs[m].push(i);
                free[m] = e;
            }
            None => unscheduled.push(i),
        }
    }
    (seqs, unscheduled)
}

/// Earliest due date first (ties: heavier first), each job to the machine
/// where it ends first. The baseline the benchmark compares against.
pub struct Edd;

impl Edd {
    pub(super) fn sequences(inst: &Instance) -> (Vec<Vec<usize>>, Vec<usize>) {
        let mut order: Vec<usize> = (0..inst.jobs.len()).collect();
        order.sort_by_key(|&i| (inst.jobs[i].due, -inst.jobs[i].weight, i));
        list(inst, &order)
    }
}

impl Scheduler for Edd {
    fn name(&self) -> &'static str {
        "EDD"
    }
    fn schedule(&self, inst: &Instance) -> Schedule {
        let (seqs, un) = Edd::sequences(inst);
        build(inst, &seqs, un)
    }
}

/// Apparent Tardiness Cost (Vepsalainen and Morton): whenever a machine
/// frees up, it takes the waiting job with the highest
/// `w/p · exp(−max(d − p − t, 0) / (k · p̄))`, where `t` is the time the
/// machine is free, `p̄` the mean duration of the jobs that machine can
/// make (a lathe's batches run hours, a mill's parts minutes) and `k` the
/// look-ahead (2; [`Atc::sequences_with`] takes another).
pub struct Atc;

impl Atc {
    const K: f64 = 2.0;

    pub(super) fn sequences(inst: &Instance) -> (Vec<Vec<usize>>, Vec<usize>) {
        Self::sequences_with(inst, Self::K)
    }

    /// Per-machine sequences and the jobs that fit nowhere, with look-ahead
    /// `look` in place of 2.
    pub fn sequences_with(inst: &Instance, look: f64) -> (Vec<Vec<usize>>, Vec<usize>) {
        let (mut seqs, mut free) = pinned_start(inst);
        let n = inst.jobs.len();
        let m = inst.machines.len();
        let mut eligible = vec![false; n * m];
        let mut waiting: Vec<usize> = Vec::with_capacity(n);
        let mut unscheduled = Vec::new();
        for (i, j) in inst.jobs.iter().enumerate() {
            if j.pinned.is_some() {
                continue;
            }
            if j.eligible.is_empty() {
                unscheduled.push(i);
                continue;
            }
            for &k in &j.eligible {
                eligible[i * m + k] = true;
            }
            waiting.push(i);
        }
        // The mean duration of the jobs each machine can make.
        let mut sum = vec![(0.0f64, 0usize); m];
        for &i in &waiting {
            for &x in &inst.jobs[i].eligible {
                sum[x].0 += inst.jobs[i].duration as f64;
                sum[x].1 += 1;
            }
        }
        let scale: Vec<f64> = sum
            .iter()
            .map(|&(s, c)| look * (s / c.max(1) as f64).max(1.0))
            .collect();
        // Machines that may still take work; a machine whose windows are used
        // up, or with no eligible job left, drops out.
        let mut open: Vec<bool> = vec![true; m];
        while !waiting.is_empty() {
            let Some(k) = (0..m).filter(|&k| open[k]).min_by_key(|&k| (free[k], k)) else {
                unscheduled.append(&mut waiting);
                break;
            };
            let t = free[k];
            let pick = waiting
                .iter()
                .enumerate()
                .filter(|&(_, &i)| eligible[i * m + k])
                .map(|(pos, &i)| {
                    let j = &inst.jobs[i];
                    let p = j.duration.max(1) as f64;
                    let slack = (j.due - p as i64 - t.max(j.release)).max(0);
                    let urgency = if slack == 0 {
                        1.0
                    } else {
                        (-(slack as f64) / scale[k]).exp()
                    };
                    (j.weight as f64 / p * urgency, pos)
                })
                .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
            let Some((_, pos)) = pick else {
                open[k] = false;
                continue;
            };
            let i = waiting[pos];
            let j = &inst.jobs[i];
            match completion(&inst.machines[k].windows, t.max(j.release), j.duration) {
                Some((_, e)) => {
                    waiting.remove(pos);
                    seqs[k].push(i);
                    free[k] = e;
                }
                None => {
                    // It does not fit here; if it fits no open machine, give up on it.
                    eligible[i * m + k] = false;
                    if !j.eligible.iter().any(|&x| eligible[i * m + x]) {
                        waiting.remove(pos);
                        unscheduled.push(i);
                    }
                }
            }
        }
        (seqs, unscheduled)
    }
}

impl Scheduler for Atc {
    fn name(&self) -> &'static str {
        "ATC"
    }
    fn schedule(&self, inst: &Instance) -> Schedule {
        let (seqs, un) = Atc::sequences(inst);
        build(inst, &seqs, un)
    }
}
