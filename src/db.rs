//! Connecting to the store and migrating it.
//!
//! Embedded SQLite is the default: one file in the data directory, created on
//! first start, in WAL mode with foreign keys enforced and a busy timeout so
//! concurrent writers wait instead of failing. `DATABASE_URL=postgres://…`
//! selects PostgreSQL; both run the same migrations and the same code.

use std::{future::Future, marker::PhantomData, pin::Pin, time::Duration};

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::SchemaManager;
use sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};

use crate::{config::DbConfig, error::AppResult};

/// File name of the embedded database inside the data directory.
pub const SQLITE_FILE: &str = "abutment-erp.db";

/// The URL the configuration points at (the embedded file when none is set).
pub fn database_url(cfg: &DbConfig) -> anyhow::Result<String> {
    if let Some(url) = &cfg.database_url {
        return Ok(url.clone());
    }
    std::fs::create_dir_all(&cfg.data_dir)
        .with_context(|| format!("creating data directory {}", cfg.data_dir.display()))?;
    let path = cfg.data_dir.join(SQLITE_FILE);
    Ok(format!("sqlite://{}?mode=rwc", path.display()))
}

/// Default threshold of the slow-statement warning.
pub const DEFAULT_SLOW_QUERY: Duration = Duration::from_millis(200);

/// Connects with the project's settings for either store (slow statements
/// warned about above [`DEFAULT_SLOW_QUERY`]).
pub async fn connect_url(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    connect_url_with(url, max_connections, Some(DEFAULT_SLOW_QUERY)).await
}

/// Connects with the project's settings; every statement slower than
/// `slow` is logged as a warning by sqlx (target `sqlx::query`, inside the
/// span of the request that ran it, so it carries the request id). Other
/// statements are not logged.
pub async fn connect_url_with(
    url: &str,
    max_connections: u32,
    slow: Option<Duration>,
) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(max_connections.max(1))
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30));
    match slow {
        Some(threshold) if !threshold.is_zero() => {
            opts.sqlx_logging(true)
                .sqlx_logging_level(log::LevelFilter::Off)
                .sqlx_slow_statements_logging_settings(log::LevelFilter::Warn, threshold);
        }
        _ => {
            opts.sqlx_logging(false);
        }
    }
    opts.map_sqlx_sqlite_opts(|o| {
        o.journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            .create_if_missing(true)
            // Read through a memory map and keep a 32 MiB page cache per
            // connection: lookups then cost no system calls.
            .pragma("mmap_size", "268435456")
            .pragma("cache_size", "-32768")
    });
    Database::connect(opts).await
}

/// Connects as configured.
pub async fn connect(cfg: &DbConfig) -> anyhow::Result<DatabaseConnection> {
    let url = database_url(cfg)?;
    let slow = Duration::from_millis(cfg.slow_query_ms);
    connect_url_with(&url, cfg.db_max_connections, Some(slow))
        .await
        .with_context(|| format!("connecting to {}", redact(&url)))
}

/// Applies pending migrations. Returns `true` when the database was new
/// (no migration had ever run), which is when seeds are loaded.
pub async fn migrate(db: &DatabaseConnection) -> Result<bool, DbErr> {
    let fresh = !SchemaManager::new(db).has_table("seaql_migrations").await?;
    Migrator::up(db, None).await?;
    Ok(fresh)
}

/// Begins a write transaction. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`), so concurrent writers queue instead of failing when a
/// read turns into a write.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Named transaction-scoped advisory locks (PostgreSQL; SQLite write
/// transactions are serial already, `BEGIN IMMEDIATE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// Manufacturing writes: each may reschedule, rewriting the planned
    /// times of every open job, so two at once could deadlock or act on a
    /// job status the other has just changed. Recall activation takes it
    /// too, so a job completing meanwhile sees the recall.
    Shop,
    /// Recall numbers are the year's count + 1: one creator at a time.
    RecallNumbers,
}

impl Lock {
    /// The key of the lock (unique within the database).
    pub fn key(self) -> i64 {
        match self {
            Lock::Shop => 4_242_005,
            Lock::RecallNumbers => 4_242_007,
        }
    }
}

/// Takes `lock` until the end of the transaction `db` is in.
pub async fn lock(db: &impl ConnectionTrait, lock: Lock) -> AppResult<()> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // The key is one of ours, an integer: no text reaches the SQL.
        db.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({})", lock.key()))
            .await?;
    }
    Ok(())
}

/// Attempts [`write_tx`] makes before it gives up on transient refusals.
pub const WRITE_ATTEMPTS: u32 = 5;

/// One attempt of [`write_tx`]: its transaction, and which attempt it is.
/// The lifetime `'a` is the caller's: the body may use what the caller
/// borrows (the transaction lives no longer than that).
pub struct Tx<'c, 'a> {
    /// The attempt's transaction: every statement of the body runs in it.
    pub txn: &'c DatabaseTransaction,
    /// 1 for the first attempt.
    pub attempt: u32,
    _borrows: PhantomData<&'c &'a ()>,
}

/// The future a [`write_tx`] body returns.
pub type TxFuture<'c, T> = Pin<Box<dyn Future<Output = AppResult<T>> + Send + 'c>>;

/// Runs `body` in a write transaction and commits it; on an error it rolls
/// back. When the store refused it only because of concurrent transactions
/// (a deadlock, a serialization failure, SQLite busy or locked: see
/// [`crate::error::is_transient`]), it rolls back and runs the whole body again, after a
/// short jittered pause, at most [`WRITE_ATTEMPTS`] times; a refusal that
/// persists is returned, and reaches the client as a `CONFLICT` that says
/// to retry. The body must do nothing outside the transaction that a rerun
/// would repeat.
///
/// ```ignore
/// db::write_tx(&db, |tx| Box::pin(async move { service::ship(tx.txn, &actor, id).await })).await
/// ```
pub async fn write_tx<'a, T, F>(db: &DatabaseConnection, mut body: F) -> AppResult<T>
where
    F: for<'c> FnMut(Tx<'c, 'a>) -> TxFuture<'c, T> + Send,
    T: Send,
{
    let mut attempt = 1;
    loop {
        let r = async {
            let txn = begin_write(db).await?;
            let r = body(Tx {
                txn: &txn,
                attempt,
                _borrows: PhantomData,
            })
            .await;
            match r {
                Ok(v) => {
                    txn.commit().await?;
                    Ok(v)
                }
                Err(e) => {
                    if let Err(re) = txn.rollback().await {
                        tracing::warn!(error = %re, "rollback failed");
                    }
                    Err(e)
                }
            }
        }
        .await;
        match r {
            Err(e) if e.is_transient() && attempt < WRITE_ATTEMPTS => {
                tracing::debug!(attempt, error = %e, "write transaction refused; retrying");
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
            r => return r,
        }
    }
}

/// The pause before attempt `attempt + 1`: 5 ms doubling per attempt (at
/// most 160 ms), half of it fixed and half random, so the transactions that
/// collided do not meet again in step.
fn backoff(attempt: u32) -> Duration {
    let base = 5u64 << attempt.min(5).saturating_sub(1);
    Duration::from_millis(base / 2 + rand::random_range(0..=base / 2 + 1))
}

/// Which store a connection talks to, for logs.
pub fn backend_name(db: &impl ConnectionTrait) -> &'static str {
    match db.get_database_backend() {
        DbBackend::Sqlite => "sqlite",
        DbBackend::Postgres => "postgres",
        _ => "other",
    }
}

/// A URL without its password, for logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redact_hides_only_the_password() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            redact("sqlite://data/x.db?mode=rwc"),
            "sqlite://data/x.db?mode=rwc"
        );
    }
}
