//! Connecting to the store and migrating it.
//!
//! Embedded SQLite is the default: one file in the data directory, created on
//! first start, in WAL mode with foreign keys enforced and a busy timeout so
//! concurrent writers wait instead of failing. `DATABASE_URL=postgres://…`
//! selects PostgreSQL; both run the same migrations and the same code.

use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};
use sea_orm_migration::SchemaManager;
use sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};

use crate::config::DbConfig;

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
