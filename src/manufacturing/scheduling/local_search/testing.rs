//! Test instances shared by the tests of the search's parts.

use rand::{Rng, SeedableRng, rngs::StdRng};

use super::state::State;
use crate::manufacturing::scheduling::{Instance, Job, Machine};

/// One machine with two shifts a day, `n` jobs of mixed lengths and due
/// dates, in the order given.
pub(super) fn one_machine(n: usize, seed: u64) -> Instance {
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

pub(super) fn twt(st: &State) -> i64 {
    st.cost(0).1
}
