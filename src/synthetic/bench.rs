//! The benches' harness: a throw-away database on either store, settings
//! from the environment, and the timing report.

use sea_orm::{ConnectionTrait, DbErr};

/// A database for a benchmark: a new SQLite file under the system's temporary
/// directory (or `BENCH_SQLITE_DIR`), or, when `BENCH_DATABASE_URL` names a
/// PostgreSQL server, a fresh database `name` there. [`BenchDb::finish`]
/// removes it.
pub struct BenchDb {
    /// URL of the benchmark's database.
    pub url: String,
    admin: Option<sea_orm::DatabaseConnection>,
    name: String,
    file: Option<std::path::PathBuf>,
}

impl BenchDb {
    /// Creates the database.
    pub async fn create(name: &str) -> Result<Self, DbErr> {
        match std::env::var("BENCH_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let admin = sea_orm::Database::connect(&admin_url).await?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await?;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await?;
                let base = admin_url.split('?').next().unwrap_or(&admin_url);
                let prefix = &base[..base.rfind('/').unwrap_or(base.len())];
                Ok(Self {
                    url: format!("{prefix}/{name}"),
                    admin: Some(admin),
                    name: name.to_owned(),
                    file: None,
                })
            }
            _ => {
                let dir = std::env::var("BENCH_SQLITE_DIR")
                    .map(std::path::PathBuf::from)
                    .unwrap_or_else(|_| std::env::temp_dir());
                std::fs::create_dir_all(&dir).map_err(|e| DbErr::Custom(e.to_string()))?;
                let file = dir.join(format!("{name}-{}.db", std::process::id()));
                let _ = std::fs::remove_file(&file);
                Ok(Self {
                    url: format!("sqlite://{}?mode=rwc", file.display()),
                    admin: None,
                    name: name.to_owned(),
                    file: Some(file),
                })
            }
        }
    }

    /// Drops the database (PostgreSQL) or deletes the file (SQLite).
    pub async fn finish(self) -> Result<(), DbErr> {
        if let Some(a) = self.admin {
            a.execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .await?;
        }
        if let Some(f) = self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", f.display()));
            }
        }
        Ok(())
    }
}

/// A bench setting from the environment, or its default.
pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Prints the count and p50/p90/p95/p99 of a bench's timings.
pub fn report(label: &str, mut t: Vec<std::time::Duration>) {
    if t.is_empty() {
        println!("{label}: n=0");
        return;
    }
    t.sort();
    let p = |q: f64| t[((t.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{label}: n={} p50 {:.3?} p90 {:.3?} p95 {:.3?} p99 {:.3?}",
        t.len(),
        p(0.5),
        p(0.9),
        p(0.95),
        p(0.99)
    );
}

/// Time per SQL statement shape, for `BENCH_SQL_PROFILE=1`: attached to a
/// connection, it counts every statement by its first 160 characters.
#[derive(Clone, Default)]
pub struct SqlProfile(
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, (u32, std::time::Duration)>>>,
);

impl SqlProfile {
    /// Attaches a profile to `conn` when `BENCH_SQL_PROFILE` is set.
    pub fn attach(conn: &mut sea_orm::DatabaseConnection) -> Option<Self> {
        std::env::var("BENCH_SQL_PROFILE").ok()?;
        let p = Self::default();
        let m = p.0.clone();
        conn.set_metric_callback(move |info| {
            if let Ok(mut m) = m.lock() {
                let key: String = info.statement.sql.chars().take(160).collect();
                let e = m.entry(key).or_default();
                e.0 += 1;
                e.1 += info.elapsed;
            }
        });
        Some(p)
    }

    /// Forgets what was counted so far.
    pub fn reset(&self) {
        if let Ok(mut m) = self.0.lock() {
            m.clear();
        }
    }

    /// Prints the statement shapes, most total time first, per `per`
    /// operations (statements per operation, average time each).
    pub fn print(&self, label: &str, per: usize) {
        let Ok(m) = self.0.lock() else { return };
        let mut rows: Vec<_> = m.iter().collect();
        rows.sort_by_key(|(_, (_, t))| std::cmp::Reverse(*t));
        let per = per.max(1) as f64;
        println!("SQL profile of {label} (per operation):");
        for (sql, (n, t)) in rows.iter().take(16) {
            println!(
                "  {:>5.1} x {:>9.3?} avg = {:>9.3?}  {}",
                *n as f64 / per,
                *t / *n,
                t.div_f64(per),
                sql.replace(char::is_whitespace, " ")
            );
        }
    }
}
