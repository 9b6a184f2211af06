//! Verified bearer tokens kept in memory, so that a request costs no SQL to
//! authenticate, with a bounded staleness.
//!
//! Each server instance (one [`AuthCache`] per router) remembers the tokens
//! it has verified against the database ([`service::verify_token`]): the
//! user, roles and expiry, keyed by the token's SHA-256. What it remembers
//! is dropped, and checked against the database again at the next use, when
//!
//! - **anything changed who may call**: revoking a token and changing a
//!   user's roles or active flag bump one shared counter row, the
//!   *authentication epoch* ([`super::epoch::bump`], in the same service call as the
//!   change). Each instance reads that row at most once per staleness bound
//!   (`--auth-staleness-ms`, default 2 s) and forgets every entry when it has
//!   moved. So a change made through any instance, or the command line,
//!   takes effect on **every instance sharing the database within the
//!   bound** (plus the time of one read of that row). In the process that
//!   made it, the change takes effect at once: `bump` also tells every
//!   cache of the process (a request racing with the change's commit may
//!   still be let through until the next epoch read, within the bound);
//! - **the entry is older than [`MAX_ENTRY_AGE`]** (60 s): a change written
//!   to the tables by hand, without the epoch, takes effect within that.
//!
//! Expiry is checked on every request, from the remembered expiry, so an
//! expired token is refused at once. `last_used_at` is still written at most
//! once a minute per token. Refused tokens are not remembered: each costs
//! the lookup, as before. At most [`MAX_ENTRIES`] tokens are kept; past that
//! the cache starts again empty.
//!
//! Console sessions are not cached (`access::session` reads the session and
//! its user on every page, as before): pages are few and human-paced.

use std::{
    collections::HashMap,
    sync::{Mutex, RwLock},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use super::{
    Caller, Principal,
    epoch::{process_changes, read_epoch},
    service,
};
use crate::error::AppResult;

/// The staleness bound when none is configured.
pub const DEFAULT_STALENESS: Duration = Duration::from_secs(2);

/// An entry is checked against the database again when it is this old,
/// whatever the epoch says.
pub const MAX_ENTRY_AGE: Duration = Duration::from_secs(60);

/// Most tokens kept at once.
pub const MAX_ENTRIES: usize = 10_000;

struct Entry {
    principal: Principal,
    expires_at: Option<DateTime<Utc>>,
    last_used_at: DateTime<Utc>,
    fetched_at: Instant,
    generation: u64,
}

/// What the cache knows of the epoch.
struct EpochState {
    /// The epoch row's value at the last read.
    stored: Option<i64>,
    /// When the row was last read (or a read claimed).
    checked_at: Option<Instant>,
    /// [`process_changes`] as last seen.
    process_seen: u64,
    /// Bumped whenever entries must be forgotten; an entry of another
    /// generation is not used.
    generation: u64,
}

/// One server instance's verified tokens (see the module's documentation).
pub struct AuthCache {
    staleness: Duration,
    follow_process: bool,
    entries: RwLock<HashMap<[u8; 32], Entry>>,
    epoch: Mutex<EpochState>,
}

impl AuthCache {
    /// A cache with this staleness bound, told at once of the changes this
    /// process makes.
    pub fn new(staleness: Duration) -> Self {
        Self::build(staleness, true)
    }

    /// A cache that learns of changes only from the shared epoch, as a
    /// server in another process does (for tests of several instances in
    /// one process).
    pub fn isolated(staleness: Duration) -> Self {
        Self::build(staleness, false)
    }

    fn build(staleness: Duration, follow_process: bool) -> Self {
        AuthCache {
            staleness,
            follow_process,
            entries: RwLock::new(HashMap::new()),
            epoch: Mutex::new(EpochState {
                stored: None,
                checked_at: None,
                process_seen: process_changes(),
                generation: 0,
            }),
        }
    }

    /// The staleness bound.
    pub fn staleness(&self) -> Duration {
        self.staleness
    }

    /// The current generation, after reading the epoch row when the last
    /// read is older than the bound.
    async fn generation(&self, db: &impl ConnectionTrait) -> AppResult<u64> {
        let (generation, claimed) = {
            let mut st = self.epoch.lock().unwrap_or_else(|p| p.into_inner());
            if self.follow_process {
                let seen = process_changes();
                if seen != st.process_seen {
                    st.process_seen = seen;
                    st.generation += 1;
                }
            }
            let due = st.checked_at.is_none_or(|t| t.elapsed() >= self.staleness);
            let previous = st.checked_at;
            if due {
                st.checked_at = Some(Instant::now());
            }
            (st.generation, due.then_some(previous))
        };
        let Some(previous) = claimed else {
            return Ok(generation);
        };
        match read_epoch(db).await {
            Ok(epoch) => {
                let mut st = self.epoch.lock().unwrap_or_else(|p| p.into_inner());
                if st.stored != Some(epoch) {
                    st.stored = Some(epoch);
                    st.generation += 1;
                }
                Ok(st.generation)
            }
            Err(e) => {
                let mut st = self.epoch.lock().unwrap_or_else(|p| p.into_inner());
                st.checked_at = previous;
                Err(e)
            }
        }
    }

    /// Establishes the caller from an `Authorization` header value: from
    /// memory when the token was verified in this generation, else from the
    /// database.
    pub async fn authenticate(
        &self,
        db: &impl ConnectionTrait,
        header: Option<&str>,
    ) -> AppResult<Caller> {
        let token = match service::bearer(header) {
            Ok(t) => t,
            Err(caller) => return Ok(caller),
        };
        let key = digest(token);
        let generation = self.generation(db).await?;
        let now = Utc::now();
        let hit = {
            let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
            entries
                .get(&key)
                .filter(|e| e.generation == generation && e.fetched_at.elapsed() < MAX_ENTRY_AGE)
                .map(|e| (e.principal.clone(), e.expires_at, e.last_used_at))
        };
        if let Some((principal, expires_at, last_used_at)) = hit {
            if expires_at.is_some_and(|e| e <= now) {
                return Ok(Caller::Invalid("token expired".into()));
            }
            if service::last_use_due(last_used_at, now) {
                if let Some(id) = principal.token_id {
                    service::touch_token(db, id, now).await?;
                }
                let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
                if let Some(e) = entries.get_mut(&key) {
                    e.last_used_at = now;
                }
            }
            return Ok(Caller::User(principal));
        }
        let verified = match service::verify_token(db, token).await? {
            Ok(v) => v,
            Err(refused) => {
                self.entries
                    .write()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&key);
                return Ok(refused);
            }
        };
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            key,
            Entry {
                principal: verified.principal.clone(),
                expires_at: verified.expires_at,
                last_used_at: verified.last_used_at,
                fetched_at: Instant::now(),
                generation,
            },
        );
        Ok(Caller::User(verified.principal))
    }
}

/// The SHA-256 of a token, as the cache's key.
fn digest(token: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes()).into()
}
