//! Online backup and offline restore of the embedded SQLite database.
//!
//! `backup FILE` runs `VACUUM INTO`, which copies one consistent snapshot
//! (a read transaction) while the server keeps serving and writing.
//! `restore FILE` checks the file first — it opens as SQLite, passes
//! `PRAGMA integrity_check`, and is an abutment-erp database whose
//! migrations this binary knows — and only then swaps it in, keeping the
//! old database beside it. It refuses while a server holds the database's
//! lock file (every `serve` on SQLite holds a shared lock on
//! `<database>.lock` for its lifetime; `restore` needs it exclusively).
//! PostgreSQL is backed up with `pg_dump` / `pg_restore` (see the README).

use std::{
    fs::File,
    path::{Path, PathBuf},
};

use anyhow::{Context, bail};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

use crate::{config::DbConfig, db};

/// The embedded database's file, or `None` when the store is PostgreSQL.
pub fn sqlite_path(cfg: &DbConfig) -> Option<PathBuf> {
    match &cfg.database_url {
        None => Some(cfg.data_dir.join(db::SQLITE_FILE)),
        Some(url) => {
            let rest = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))?;
            let path = rest.split('?').next().unwrap_or(rest);
            (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
        }
    }
}

fn lock_path(db_file: &Path) -> PathBuf {
    let mut p = db_file.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

/// Held by a running server: a shared lock on the database's lock file.
/// Several servers may share one file; `restore` cannot take it meanwhile.
pub struct ServerLock(#[allow(dead_code)] File);

/// Takes the server's shared lock (when the store is an SQLite file).
pub fn lock_for_serving(cfg: &DbConfig) -> anyhow::Result<Option<ServerLock>> {
    let Some(path) = sqlite_path(cfg) else {
        return Ok(None);
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let lp = lock_path(&path);
    let f = File::create(&lp).with_context(|| format!("creating lock file {}", lp.display()))?;
    f.lock_shared()
        .with_context(|| format!("locking {}", lp.display()))?;
    Ok(Some(ServerLock(f)))
}

fn quote(path: &Path) -> anyhow::Result<String> {
    let s = path
        .to_str()
        .with_context(|| format!("{}: the path is not valid UTF-8", path.display()))?;
    Ok(format!("'{}'", s.replace('\'', "''")))
}

/// Writes a consistent copy of the live database to `out` (which must not
/// exist), then checks the copy. Returns the copy's size in bytes.
pub async fn backup(conn: &DatabaseConnection, cfg: &DbConfig, out: &Path) -> anyhow::Result<u64> {
    if conn.get_database_backend() != DbBackend::Sqlite || sqlite_path(cfg).is_none() {
        bail!(
            "backup copies the embedded SQLite database; for PostgreSQL use pg_dump (see the README)"
        );
    }
    if out.exists() {
        bail!(
            "{}: the file exists; backup does not overwrite",
            out.display()
        );
    }
    conn.execute_unprepared(&format!("VACUUM INTO {}", quote(out)?))
        .await
        .with_context(|| format!("writing backup to {}", out.display()))?;
    check_file(out).await?;
    Ok(std::fs::metadata(out)?.len())
}

/// Checks that `file` is an intact abutment-erp database this binary can run.
pub async fn check_file(file: &Path) -> anyhow::Result<()> {
    let name = file.display();
    if !file.is_file() {
        bail!("{name}: no such file");
    }
    let mut header = [0u8; 16];
    {
        use std::io::Read;
        let mut f = File::open(file).with_context(|| format!("{name}: cannot open"))?;
        if f.read_exact(&mut header).is_err() || &header != b"SQLite format 3\0" {
            bail!("{name}: not an SQLite database");
        }
    }
    let url = format!("sqlite://{}?mode=ro", file.display());
    let conn = Database::connect(&url)
        .await
        .with_context(|| format!("{name}: cannot open as SQLite"))?;
    let result = async {
        let ok = conn
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA integrity_check",
            ))
            .await
            .with_context(|| format!("{name}: integrity check failed to run"))?
            .and_then(|r| r.try_get_by_index::<String>(0).ok())
            .unwrap_or_default();
        if ok != "ok" {
            bail!("{name}: integrity check failed: {ok}");
        }
        let applied: Vec<String> = conn
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT version FROM seaql_migrations",
            ))
            .await
            .with_context(|| format!("{name}: not an abutment-erp database (no migration table)"))?
            .iter()
            .filter_map(|r| r.try_get::<String>("", "version").ok())
            .collect();
        use migration::MigratorTrait;
        let known: Vec<String> = migration::Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        if applied.is_empty() {
            bail!("{name}: not an abutment-erp database (no migration applied)");
        }
        if let Some(unknown) = applied.iter().find(|v| !known.contains(v)) {
            bail!(
                "{name}: made by a newer version (migration {unknown} is unknown to this binary)"
            );
        }
        Ok(())
    }
    .await;
    let _ = conn.close().await;
    result
}

/// Replaces the embedded database with `file` after checking it. The old
/// database is kept as `<database>.before-restore-<time>`. Returns that path
/// (None when there was no database yet).
pub async fn restore(cfg: &DbConfig, file: &Path) -> anyhow::Result<Option<PathBuf>> {
    let Some(target) = sqlite_path(cfg) else {
        bail!(
            "restore replaces the embedded SQLite database; for PostgreSQL use pg_restore (see the README)"
        );
    };
    check_file(file).await?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let lp = lock_path(&target);
    let lock = File::create(&lp).with_context(|| format!("creating lock file {}", lp.display()))?;
    if lock.try_lock().is_err() {
        bail!(
            "{}: a server is using this database; stop it before restoring",
            target.display()
        );
    }
    // Copy next to the target first, so the swap is a rename on one file system.
    let mut staged = target.as_os_str().to_owned();
    staged.push(".restoring");
    let staged = PathBuf::from(staged);
    std::fs::copy(file, &staged)
        .with_context(|| format!("copying {} to {}", file.display(), staged.display()))?;
    if let Err(e) = check_file(&staged).await {
        let _ = std::fs::remove_file(&staged);
        return Err(e);
    }
    let kept = if target.exists() {
        // Fold the old database's WAL into it so the kept copy is whole.
        let url = format!("sqlite://{}", target.display());
        if let Ok(old) = Database::connect(&url).await {
            let _ = old
                .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await;
            let _ = old.close().await;
        }
        let mut k = target.as_os_str().to_owned();
        k.push(format!(
            ".before-restore-{}",
            chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
        ));
        let k = PathBuf::from(k);
        std::fs::rename(&target, &k)
            .with_context(|| format!("moving {} aside", target.display()))?;
        Some(k)
    } else {
        None
    };
    for ext in ["-wal", "-shm"] {
        let mut side = target.as_os_str().to_owned();
        side.push(ext);
        let side = PathBuf::from(side);
        if side.exists() {
            std::fs::remove_file(&side).with_context(|| format!("removing {}", side.display()))?;
        }
    }
    std::fs::rename(&staged, &target)
        .with_context(|| format!("moving {} into place", staged.display()))?;
    drop(lock);
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(url: Option<&str>) -> DbConfig {
        DbConfig {
            database_url: url.map(str::to_owned),
            data_dir: PathBuf::from("data"),
            db_max_connections: 1,
            slow_query_ms: 0,
        }
    }

    #[test]
    fn the_sqlite_file_comes_from_the_url_or_the_data_dir() {
        assert_eq!(
            sqlite_path(&cfg(None)),
            Some(PathBuf::from("data/abutment-erp.db"))
        );
        assert_eq!(
            sqlite_path(&cfg(Some("sqlite:///tmp/x/test.db?mode=rwc"))),
            Some(PathBuf::from("/tmp/x/test.db"))
        );
        assert_eq!(sqlite_path(&cfg(Some("postgres://u@h/db"))), None);
    }
}
