//! Failed sign-ins, counted in memory per user name and per client address:
//! after [`PER_USER`] failures for one name, or [`PER_ADDRESS`] from one
//! address, within [`WINDOW`] of the first, further attempts are refused
//! (`429`, with `Retry-After`) until the window ends. A success clears the
//! name's count. The counts are per process and start empty at restart.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Failures allowed per user name within the window.
pub const PER_USER: u32 = 5;
/// Failures allowed per client address within the window.
pub const PER_ADDRESS: u32 = 20;
/// How long failures are remembered, from the first.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Entries kept before expired ones are swept.
const SWEEP_AT: usize = 10_000;

/// The failure counts.
#[derive(Default)]
pub struct Limiter {
    counts: Mutex<HashMap<String, (u32, Instant)>>,
}

/// What is counted.
pub enum Key<'a> {
    /// A user name (case-insensitive).
    User(&'a str),
    /// A client address.
    Address(&'a str),
}

impl Key<'_> {
    fn text(&self) -> String {
        match self {
            Key::User(u) => format!("user:{}", u.trim().to_lowercase()),
            Key::Address(a) => format!("addr:{a}"),
        }
    }
    fn limit(&self) -> u32 {
        match self {
            Key::User(_) => PER_USER,
            Key::Address(_) => PER_ADDRESS,
        }
    }
}

impl Limiter {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u32, Instant)>> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How long until `key` may try again; `None`: it may now.
    pub fn blocked(&self, key: &Key<'_>) -> Option<Duration> {
        let now = Instant::now();
        let map = self.lock();
        let (n, since) = map.get(&key.text())?;
        let ends = *since + WINDOW;
        (*n >= key.limit() && ends > now).then(|| ends - now)
    }

    /// Counts one failure of `key`.
    pub fn fail(&self, key: &Key<'_>) {
        let now = Instant::now();
        let mut map = self.lock();
        if map.len() >= SWEEP_AT {
            map.retain(|_, (_, since)| *since + WINDOW > now);
        }
        let e = map.entry(key.text()).or_insert((0, now));
        if e.1 + WINDOW <= now {
            *e = (0, now);
        }
        e.0 += 1;
    }

    /// Forgets the failures of `key`.
    pub fn clear(&self, key: &Key<'_>) {
        self.lock().remove(&key.text());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_blocked_after_its_limit_of_failures_and_freed_by_success() {
        let l = Limiter::default();
        let k = Key::User("Demo-Sales");
        for _ in 0..PER_USER {
            assert!(l.blocked(&k).is_none());
            l.fail(&k);
        }
        assert!(l.blocked(&Key::User("demo-sales ")).is_some());
        assert!(l.blocked(&Key::User("someone-else")).is_none());
        l.clear(&k);
        assert!(l.blocked(&k).is_none());
    }

    #[test]
    fn an_address_has_its_own_higher_limit() {
        let l = Limiter::default();
        let k = Key::Address("10.0.0.1");
        for _ in 0..PER_USER {
            l.fail(&k);
        }
        assert!(l.blocked(&k).is_none());
        for _ in PER_USER..PER_ADDRESS {
            l.fail(&k);
        }
        assert!(l.blocked(&k).is_some());
    }
}
