//! Benchmark: how cost grows with the data. The compatibility lookup, one
//! forward trace and batch matching, each on the synthetic data at three
//! sizes, each figure beside its floor measured in the same run; the
//! figures go to `docs/bench/growth.csv` (a run replaces its store's rows
//! and keeps the other store's) and a chart per workload to
//! `docs/bench/growth-<workload>.svg` (p95 against size, log–log).
//!
//! ```text
//! cargo bench --features synthetic --bench growth            # SQLite, ×1, ×10, ×100
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --features synthetic --bench growth
//! GROWTH_SCALES=1,10 cargo bench --features synthetic --bench growth   # skip ×100
//! GROWTH_WORKLOADS=trace cargo bench --features synthetic --bench growth
//! ```
//!
//! ×100 is each single-workload bench's own size, ×1 a hundredth of it:
//!
//! | workload | ×1 | ×100 (= the workload's bench) | floor |
//! |---|---|---|---|
//! | `compat_lookup`: first 50 SKUs of a random platform, through the schema (the lean query of `benches/compat_lookup.rs`) | 8 platforms, 500 SKUs, 5,000 fits | 800 platforms, 50,000 SKUs, 500,000 fits | `{ __typename }` through the same schema |
//! | `trace_forward`: `quality::trace::forward` from a random bar (~600 lots reached at every size) | 3 heats, 30,600 lots | 260 heats, 2.64 M lots | the bare recursive walk from the same bar |
//! | `batch_match`: `match_open_cases`, every open case in one transaction | 10,000 lots, 100 open cases | 1,000,000 lots, 10,000 open cases | one statement counting the open cases' same-type fits |
//!
//! `GROWTH_ITERATIONS` sets the timed requests per size (default 300).

use std::{path::Path, time::Instant};

use abutment_erp::{
    cases::service as cases,
    config::ApiLimits,
    db, graphql,
    inventory::Actor,
    quality::trace::{self, Direction, Scope},
    synthetic::{
        self, BenchDb,
        chart::{self, GrowthRow},
        env_usize as env,
    },
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    QueryTrait, TransactionTrait,
};
use serde_json::json;

/// The lookup of `benches/compat_lookup.rs`, lean form.
const LOOKUP: &str = r#"query($pid: ID!) {
  compatibleAbutments(platformId: $pid, first: 50) {
    totalCount
    platform { name system { name manufacturer { name } } }
    edges { node { articleNumber name abutmentType gingivalHeightMm angulationDeg engaging } }
    pageInfo { hasNextPage endCursor }
  }
}"#;

fn main() -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let list = |name: &str, default: &str| -> Vec<String> {
        std::env::var(name)
            .unwrap_or_else(|_| default.into())
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let scales: Vec<usize> = list("GROWTH_SCALES", "1,10,100")
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let workloads = list("GROWTH_WORKLOADS", "compat,trace,batch");
    let mut rows = Vec::new();
    for w in &workloads {
        for &s in &scales {
            let t = Instant::now();
            let new = match w.as_str() {
                "compat" => compat(s).await?,
                "trace" => trace_forward(s).await?,
                "batch" => batch(s).await?,
                other => anyhow::bail!("unknown workload {other} (compat, trace, batch)"),
            };
            for r in &new {
                println!(
                    "{} {} ×{} ({} {}): {} n={} p50 {:.3} ms p95 {:.3} ms",
                    r.store,
                    r.workload,
                    r.scale,
                    r.size,
                    r.size_unit,
                    r.measure,
                    r.n,
                    r.p50_ms,
                    r.p95_ms
                );
            }
            println!("({w} ×{s} took {:.1?} with generation)", t.elapsed());
            rows.extend(new);
        }
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/bench");
    let csv = dir.join("growth.csv");
    let mut all = chart::merge(chart::read_csv(&csv)?, &rows);
    chart::write_csv(&csv, &mut all)?;
    for (w, title) in [
        (
            "compat_lookup",
            "Compatibility lookup (first 50) vs catalogue size",
        ),
        (
            "trace_forward",
            "Forward trace from one bar vs genealogy size",
        ),
        (
            "batch_match",
            "Batch matching of every open case vs warehouse size",
        ),
    ] {
        let of: Vec<GrowthRow> = all.iter().filter(|r| r.workload == w).cloned().collect();
        chart::chart(&dir.join(format!("growth-{w}.svg")), title, &of)?;
    }
    println!("wrote {} and the charts beside it", csv.display());
    Ok(())
}

/// A fresh database of the bench's store, migrated, with its connection.
async fn fresh(name: &str) -> anyhow::Result<(BenchDb, DatabaseConnection)> {
    let bench_db = BenchDb::create(name).await?;
    let conn = db::connect_url(&bench_db.url, 10).await?;
    db::migrate(&conn).await?;
    Ok((bench_db, conn))
}

/// p50 and p95 of timings, in ms.
fn p50_p95(mut t: Vec<std::time::Duration>) -> (f64, f64) {
    t.sort();
    let p = |q: f64| t[((t.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e3;
    (p(0.5), p(0.95))
}

/// A row of this run.
fn row(conn: &DatabaseConnection, workload: &str, scale: usize, size: (u64, &str)) -> GrowthRow {
    GrowthRow {
        store: db::backend_name(conn).to_owned(),
        workload: workload.into(),
        scale,
        size: size.0,
        size_unit: size.1.into(),
        measure: String::new(),
        n: 0,
        p50_ms: 0.0,
        p95_ms: 0.0,
    }
}

/// `base` with a measure's timings.
fn timed(base: &GrowthRow, measure: &str, t: Vec<std::time::Duration>) -> GrowthRow {
    let n = t.len();
    let (p50_ms, p95_ms) = p50_p95(t);
    GrowthRow {
        measure: measure.into(),
        n,
        p50_ms,
        p95_ms,
        ..base.clone()
    }
}

/// The lookup through the schema beside a trivial query through it.
async fn compat(scale: usize) -> anyhow::Result<Vec<GrowthRow>> {
    let (bench_db, conn) = fresh(&format!("abutment_bench_growth_compat_{scale}")).await?;
    let spec = synthetic::CatalogueSpec {
        manufacturers: (40 * scale / 100).max(1),
        systems: (2 * scale).max(2),
        platforms: 8 * scale,
        skus: 500 * scale,
        fits: 5_000 * scale,
        seed: 42,
    };
    let txn = conn.begin().await?;
    let cat = synthetic::generate_catalogue(&txn, spec).await?;
    txn.commit().await?;
    conn.execute_unprepared("ANALYZE").await?;
    let schema = abutment_erp::schema(conn.clone(), &ApiLimits::default());
    let mut rng = StdRng::seed_from_u64(7);
    let iterations = env("GROWTH_ITERATIONS", 300);
    let (mut lookup, mut floor) = (Vec::new(), Vec::new());
    for i in 0..iterations + 50 {
        let pid = cat.platform_ids[rng.random_range(0..cat.platform_ids.len())];
        let id = graphql::ids::encode("Platform", pid);
        let vars = async_graphql::Variables::from_json(json!({"pid": id.to_string()}));
        let s = Instant::now();
        let resp = graphql::execute(
            &schema,
            &conn,
            async_graphql::Request::new(LOOKUP).variables(vars),
        )
        .await;
        let el = s.elapsed();
        anyhow::ensure!(resp.errors.is_empty(), "{:?}", resp.errors);
        let s = Instant::now();
        let resp = graphql::execute(
            &schema,
            &conn,
            async_graphql::Request::new("{ __typename }"),
        )
        .await;
        let fl = s.elapsed();
        anyhow::ensure!(resp.errors.is_empty(), "{:?}", resp.errors);
        if i >= 50 {
            lookup.push(el);
            floor.push(fl);
        }
    }
    let base = row(&conn, "compat_lookup", scale, (spec.fits as u64, "fits"));
    let out = vec![
        timed(&base, "lookup (schema)", lookup),
        timed(&base, "floor: { __typename } (schema)", floor),
    ];
    drop(schema);
    conn.close().await?;
    bench_db.finish().await?;
    Ok(out)
}

/// One forward trace from a random bar beside the bare walk from it.
async fn trace_forward(scale: usize) -> anyhow::Result<Vec<GrowthRow>> {
    let (bench_db, conn) = fresh(&format!("abutment_bench_growth_trace_{scale}")).await?;
    let spec = synthetic::GenealogySpec {
        heats: (260 * scale).div_ceil(100),
        ..synthetic::GenealogySpec::benchmark()
    };
    let txn = conn.begin().await?;
    let g = synthetic::generate_genealogy(&txn, spec).await?;
    txn.commit().await?;
    conn.execute_unprepared("ANALYZE").await?;
    let lots = (g.bars.len() + g.machined.len() + g.finished.len() + g.units.len()) as u64;
    let mut rng = StdRng::seed_from_u64(3);
    let iterations = env("GROWTH_ITERATIONS", 300);
    let (mut svc, mut floor) = (Vec::new(), Vec::new());
    let backend = conn.get_database_backend();
    for i in 0..iterations + 20 {
        let bar = g.bars[rng.random_range(0..g.bars.len())];
        let s = Instant::now();
        std::hint::black_box(trace::forward(&conn, &Scope::Lots(vec![bar])).await?);
        let el = s.elapsed();
        let roots = entity::lot::Entity::find()
            .select_only()
            .column(entity::lot::Column::Id)
            .filter(entity::lot::Column::Id.eq(bar))
            .build(backend);
        let s = Instant::now();
        std::hint::black_box(trace::walk(&conn, roots, Direction::Forward).await?);
        let fl = s.elapsed();
        if i >= 20 {
            svc.push(el);
            floor.push(fl);
        }
    }
    let base = row(&conn, "trace_forward", scale, (lots, "lots"));
    let out = vec![
        timed(&base, "forward from one bar (service)", svc),
        timed(&base, "floor: bare recursive walk", floor),
    ];
    conn.close().await?;
    bench_db.finish().await?;
    Ok(out)
}

/// Every open case matched in one transaction, beside one statement
/// reading the open cases' same-type fits.
async fn batch(scale: usize) -> anyhow::Result<Vec<GrowthRow>> {
    let (bench_db, conn) = fresh(&format!("abutment_bench_growth_batch_{scale}")).await?;
    let txn = conn.begin().await?;
    let cat = synthetic::generate_catalogue(
        &txn,
        synthetic::CatalogueSpec {
            manufacturers: (40 * scale / 100).max(1),
            systems: (2 * scale).max(2),
            platforms: 8 * scale,
            skus: 500 * scale,
            fits: 1_000 * scale,
            seed: 42,
        },
    )
    .await?;
    let lots = 10_000 * scale;
    let stock = synthetic::generate_stock(
        &txn,
        &cat,
        synthetic::StockSpec {
            lots,
            movements: lots,
            seed: 11,
        },
    )
    .await?;
    synthetic::generate_shop(&txn).await?;
    let n = synthetic::generate_open_cases(&txn, &stock, 100 * scale, 3)
        .await?
        .len();
    txn.commit().await?;
    conn.execute_unprepared("ANALYZE").await?;
    let s = Instant::now();
    let floor_rows = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT COUNT(*) AS n FROM clinical_case c JOIN sku_platform f \
             ON f.platform_id = c.platform_id AND f.sku_type = c.abutment_type \
             WHERE c.status = 'OPEN'",
        ))
        .await?;
    let floor = s.elapsed();
    std::hint::black_box(floor_rows);
    let s = Instant::now();
    let txn = db::begin_write(&conn).await?;
    let lines = cases::match_open_cases(&txn, &Actor::system()).await?;
    txn.commit().await?;
    let wall = s.elapsed();
    anyhow::ensure!(lines.len() == n, "{} of {n} cases matched", lines.len());
    let diff = abutment_erp::inventory::service::verify(&conn).await?;
    anyhow::ensure!(diff.is_empty(), "ledger differences: {}", diff.len());
    let base = row(
        &conn,
        "batch_match",
        scale,
        (stock.lot_ids.len() as u64, "lots"),
    );
    let out = vec![
        timed(&base, "batch: every open case (1 per 100 lots)", vec![wall]),
        timed(
            &base,
            "floor: one statement over the open cases' fits",
            vec![floor],
        ),
    ];
    conn.close().await?;
    bench_db.finish().await?;
    Ok(out)
}
