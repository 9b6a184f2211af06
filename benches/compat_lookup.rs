//! Benchmark: the sales rep's compatibility lookup, in-process through the
//! GraphQL schema, on a synthetic catalogue of 200 systems, 800 platforms,
//! 50,000 SKUs and 500,000 compatibility rows.
//!
//! Run: `cargo bench --bench compat_lookup` (SQLite, a temporary file;
//! `BENCH_SQLITE_DIR` puts it elsewhere).
//! On PostgreSQL: `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench compat_lookup`
//! (a database `abutment_bench` is created there, filled, and dropped).
//! `BENCH_ITERATIONS` sets the measured requests (default 3000).
//!
//! Each request asks for the first page of 50 SKUs fitting a random platform,
//! with the platform, system and maker, and each edge's fit with its platform
//! and system. It reports p50, p90, p99 and mean latency; the target is
//! p50 under 2 ms on SQLite.
//!
//! Measured on the project's 2-core machine (2026-11-23): full query SQLite
//! p50 7.3 ms / p99 15.4 ms, PostgreSQL p50 7.8 ms / p99 13.0 ms; lean query
//! SQLite p50 3.9 ms / p99 9.7 ms, PostgreSQL p50 6.0 ms / p99 9.2 ms. The
//! 2 ms target is missed: SQL is about 1.9 ms of it, GraphQL execution of
//! about 700 fields the rest.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use abutment_erp::{config::ApiLimits, db, graphql, synthetic};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;

const QUERY: &str = r#"query($pid: ID!) {
  compatibleAbutments(platformId: $pid, first: 50) {
    totalCount
    platform { name diameterMm system { name connection manufacturer { name } } }
    edges { node { articleNumber gtin name abutmentType material gingivalHeightMm angulationDeg engaging }
            fit { source platform { name system { name } } } }
    pageInfo { hasNextPage endCursor }
  }
}"#;

/// The same lookup with the platform and system asked once for the page, not per edge.
const LEAN_QUERY: &str = r#"query($pid: ID!) {
  compatibleAbutments(platformId: $pid, first: 50) {
    totalCount
    platform { name system { name manufacturer { name } } }
    edges { node { articleNumber name abutmentType gingivalHeightMm angulationDeg engaging } }
    pageInfo { hasNextPage endCursor }
  }
}"#;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let iterations: usize = std::env::var("BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let bench_db = synthetic::BenchDb::create("abutment_bench").await?;
    let url = bench_db.url.clone();
    let mut conn = db::connect_url(&url, 8).await?;
    // BENCH_SQL_PROFILE=1: time per SQL statement shape, printed at the end.
    let profile: Arc<Mutex<HashMap<String, (u32, Duration)>>> = Arc::default();
    if std::env::var("BENCH_SQL_PROFILE").is_ok() {
        let p = profile.clone();
        conn.set_metric_callback(move |info| {
            if let Ok(mut m) = p.lock() {
                let key: String = info.statement.sql.chars().take(160).collect();
                let e = m.entry(key).or_default();
                e.0 += 1;
                e.1 += info.elapsed;
            }
        });
    }
    db::migrate(&conn).await?;
    let spec = synthetic::CatalogueSpec::benchmark();
    let t = Instant::now();
    let txn = conn.begin().await?;
    let cat = synthetic::generate_catalogue(&txn, spec).await?;
    txn.commit().await?;
    conn.execute_unprepared("ANALYZE").await?;
    println!(
        "store={} generated {} systems, {} platforms, {} SKUs, {} fits in {:.1?}",
        db::backend_name(&conn),
        spec.systems,
        spec.platforms,
        spec.skus,
        spec.fits,
        t.elapsed()
    );

    let schema = abutment_erp::schema(conn.clone(), &ApiLimits::default());
    for (label, query) in [
        ("full (fit platform/system per edge)", QUERY),
        ("lean (platform/system once)", LEAN_QUERY),
    ] {
        let mut rng = StdRng::seed_from_u64(7);
        let one = async |pid: i64| {
            let id = graphql::ids::encode("Platform", pid);
            let req = async_graphql::Request::new(query).variables(
                async_graphql::Variables::from_json(json!({"pid": id.to_string()})),
            );
            let t = Instant::now();
            let resp = graphql::execute(&schema, &conn, req).await;
            let el = t.elapsed();
            assert!(resp.errors.is_empty(), "{:?}", resp.errors);
            el
        };
        for _ in 0..300 {
            let pid = cat.platform_ids[rng.random_range(0..cat.platform_ids.len())];
            one(pid).await;
        }
        let mut times = Vec::with_capacity(iterations);
        let wall = Instant::now();
        for _ in 0..iterations {
            let pid = cat.platform_ids[rng.random_range(0..cat.platform_ids.len())];
            times.push(one(pid).await);
        }
        let wall = wall.elapsed();
        times.sort();
        let mean = times.iter().sum::<Duration>() / times.len() as u32;
        println!(
            "compatibility lookup, first 50, {label}, {iterations} requests: p50 {:.3?}  p90 {:.3?}  p99 {:.3?}  mean {:.3?}  ({:.0} req/s, one client)",
            percentile(&times, 0.50),
            percentile(&times, 0.90),
            percentile(&times, 0.99),
            mean,
            iterations as f64 / wall.as_secs_f64()
        );
    }
    if let Ok(m) = profile.lock() {
        let mut rows: Vec<_> = m.iter().filter(|(_, (n, _))| *n > 100).collect();
        rows.sort_by_key(|(_, (_, t))| std::cmp::Reverse(*t));
        for (sql, (n, t)) in rows.iter().take(8) {
            println!("{n:>6} x {:>9.3?} avg  {sql}", *t / *n);
        }
    }
    conn.close().await?;
    bench_db.finish().await?;
    Ok(())
}
