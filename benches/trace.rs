//! Benchmark: traceability on a large genealogy, through the service layer,
//! each beside the same recursive query run directly in SQL (the floor).
//!
//! The generator (`synthetic::generate_genealogy`) writes four layers with
//! merges: 260 heats × 50 bars → 26,000 machined lots (every second one also
//! from a second bar) → 104,000 finished lots (each from two machined lots of
//! its heat) → 2,496,000 shipped units (a lot of one each, produced and
//! shipped to one of 500 clinics through the ledger): 2.64 M lots, 2.74 M
//! edges, about 10,150 lots downstream of a heat.
//!
//! ```text
//! cargo bench --bench trace                 # SQLite (a temporary file)
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench trace
//! BENCH_HEATS=26 cargo bench --bench trace  # a tenth of the data
//! ```
//!
//! Measures (targets from the issue): forward trace from one bar (p95 ≤ 10
//! ms), backward trace from one unit (p95 ≤ 5 ms), full recall preview by
//! heat number (~10,000 lots; p95 ≤ 150 ms). "service" is
//! `quality::trace::forward` / `backward`: the recursive walk plus stock,
//! reservations, shipments with their clinics, returns, cases and open jobs
//! of every lot reached; "SQL floor" is the walk alone.
//!
//! Measured on the project's 2-core machine (2026-11-24, release build, 300
//! iterations each, 100 for the heat; generation 71 s on SQLite, 131 s on
//! PostgreSQL):
//!
//! | trace | SQLite service p50 / p95 | SQLite floor p95 | PostgreSQL service p50 / p95 | PostgreSQL floor p95 | target (p95) |
//! |---|---|---|---|---|---|
//! | forward from one bar (~600 lots) | 8.1 / 11.3 ms | 2.2 ms | 9.6 / 16.8 ms | 1.7 ms | ≤ 10 ms: **missed** |
//! | backward from one unit | 0.83 / 1.06 ms | 0.23 ms | 1.49 / 2.59 ms | 0.52 ms | ≤ 5 ms: met |
//! | recall preview by heat (~10,150 lots) | 79.8 / 89.5 ms | 23.7 ms | 78.9 / 95.0 ms | 21.2 ms | ≤ 150 ms: met |
//!
//! The walk itself is a few milliseconds; the rest of a forward trace was
//! reading what hangs off each lot (stock, ledger rows, clinics, cases,
//! jobs), one statement per table: from one bar about a dozen statements of
//! ~600 bound ids each, in three rounds. The table above is from that code.
//! Since issue 17 the walk and every lot's facts are one statement (one
//! arm per kind of fact over the materialised walk, `quality::trace::facts`),
//! then only the clinics, locations, reservations, cases and jobs it names,
//! by id, side by side. `BENCH_SQL_PROFILE=1` prints each statement shape's
//! count and time per trace.

use std::time::Instant;

use abutment_erp::{
    db,
    quality::trace::{self, Direction, Scope},
    synthetic,
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    TransactionTrait,
};

use synthetic::{env_usize as env, report};

fn main() -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run())
}

/// The roots statement of a set of lot ids, as the service builds it.
fn roots(conn: &impl ConnectionTrait, ids: Vec<i64>) -> sea_orm::Statement {
    entity::lot::Entity::find()
        .select_only()
        .column(entity::lot::Column::Id)
        .filter(entity::lot::Column::Id.is_in(ids))
        .build(conn.get_database_backend())
}

fn heat_roots(conn: &impl ConnectionTrait, heat: &str) -> sea_orm::Statement {
    entity::lot::Entity::find()
        .select_only()
        .column(entity::lot::Column::Id)
        .filter(entity::lot::Column::HeatNumber.eq(heat))
        .build(conn.get_database_backend())
}

async fn run() -> anyhow::Result<()> {
    let bench_db = synthetic::BenchDb::create("abutment_bench_trace").await?;
    let mut conn = db::connect_url(&bench_db.url, 10).await?;
    // BENCH_SQL_PROFILE=1: statements per trace, each shape's count and time.
    let profile = synthetic::SqlProfile::attach(&mut conn);
    db::migrate(&conn).await?;
    let t = Instant::now();
    let spec = synthetic::GenealogySpec {
        heats: env("BENCH_HEATS", 260),
        ..synthetic::GenealogySpec::benchmark()
    };
    let txn = conn.begin().await?;
    let g = synthetic::generate_genealogy(&txn, spec).await?;
    txn.commit().await?;
    conn.execute_unprepared("ANALYZE").await?;
    let lots = g.bars.len() + g.machined.len() + g.finished.len() + g.units.len();
    println!(
        "store={} generated {lots} lots ({} bars, {} machined, {} finished, {} units), {} edges in {:.1?}",
        db::backend_name(&conn),
        g.bars.len(),
        g.machined.len(),
        g.finished.len(),
        g.units.len(),
        g.edges,
        t.elapsed()
    );
    let iterations = env("BENCH_ITERATIONS", 300);
    let profiled = |label: &str, n: usize| {
        if let Some(p) = &profile {
            p.print(label, n);
            p.reset();
        }
    };
    if let Some(p) = &profile {
        p.reset();
    }
    let mut rng = StdRng::seed_from_u64(3);

    // 1. Forward from one bar.
    let (mut svc, mut floor, mut size) = (Vec::new(), Vec::new(), 0usize);
    for _ in 0..iterations {
        let bar = g.bars[rng.random_range(0..g.bars.len())];
        let s = Instant::now();
        let tr = trace::forward(&conn, &Scope::Lots(vec![bar])).await?;
        svc.push(s.elapsed());
        size += tr.lots.len();
        let s = Instant::now();
        let w = trace::walk(&conn, roots(&conn, vec![bar]), Direction::Forward).await?;
        floor.push(s.elapsed());
        std::hint::black_box(w);
    }
    println!(
        "forward from one bar: {:.0} lots on average",
        size as f64 / iterations as f64
    );
    report("forward from one bar (service)", svc);
    report("forward from one bar (SQL floor)", floor);
    profiled("forward from one bar (service and floor)", iterations);

    // 2. Backward from one unit.
    let (mut svc, mut floor) = (Vec::new(), Vec::new());
    for _ in 0..iterations {
        let unit = g.units[rng.random_range(0..g.units.len())];
        let s = Instant::now();
        let tr = trace::backward(&conn, unit).await?;
        svc.push(s.elapsed());
        std::hint::black_box(tr);
        let s = Instant::now();
        let w = trace::walk(&conn, roots(&conn, vec![unit]), Direction::Backward).await?;
        floor.push(s.elapsed());
        std::hint::black_box(w);
    }
    report("backward from one unit (service)", svc);
    report("backward from one unit (SQL floor)", floor);
    profiled("backward from one unit (service and floor)", iterations);

    // 3. Recall preview by heat number.
    let (mut svc, mut floor, mut size, mut clinics) = (Vec::new(), Vec::new(), 0usize, 0i64);
    let n = (iterations / 3).max(10);
    for _ in 0..n {
        let heat = &g.heats[rng.random_range(0..g.heats.len())];
        let s = Instant::now();
        let tr = trace::forward(&conn, &Scope::Heat(heat.clone())).await?;
        svc.push(s.elapsed());
        size += tr.lots.len();
        clinics += tr.totals.clinics;
        let s = Instant::now();
        let w = trace::walk(&conn, heat_roots(&conn, heat), Direction::Forward).await?;
        floor.push(s.elapsed());
        std::hint::black_box(w);
    }
    println!(
        "recall preview by heat: {:.0} lots and {:.0} clinics on average",
        size as f64 / n as f64,
        clinics as f64 / n as f64
    );
    report("recall preview by heat (service)", svc);
    report("recall preview by heat (SQL floor)", floor);
    profiled("recall preview by heat (service and floor)", n);

    drop(conn);
    bench_db.finish().await?;
    Ok(())
}
