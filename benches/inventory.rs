//! Benchmark: inventory on a synthetic warehouse of 1,000,000 finished lots
//! and 5,000,000 ledger rows (over 50,000 SKUs).
//!
//! Run: `cargo bench --bench inventory` (SQLite, a temporary file), or on
//! PostgreSQL: `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench inventory`.
//! `BENCH_LOTS` / `BENCH_MOVEMENTS` scale the data (defaults 1,000,000 / 5,000,000),
//! `BENCH_ITERATIONS` the measured requests (default 2,000), `BENCH_SECONDS`
//! the reservation run (default 5).
//!
//! Measures p50/p99 of: available stock of one SKU through the service layer
//! and through the schema (`skuStock`); one lot's detail with its first 50
//! movements through the schema; and reservation throughput with 16
//! concurrent clients on one hot SKU (FEFO, one unit each), checking that
//! nothing is oversold and the ledger reconciles. Targets: available stock
//! p50 < 2 ms; ≥ 1,500 reservations/s on PostgreSQL.
//!
//! Measured on the project's 2-core machine (2026-11-23, full size):
//! SQLite (generation 153 s): available stock service p50 1.45 ms / p99 2.30 ms,
//! schema p50 1.79 ms / p99 4.03 ms; lot detail p50 1.27 ms / p99 2.49 ms
//! (5 movements per lot); 490 reservations/s, none oversold, ledger reconciles.
//! PostgreSQL (generation 298 s): service p50 3.14 ms / p99 9.92 ms, schema
//! p50 4.51 ms / p99 14.0 ms; lot detail p50 2.92 ms / p99 10.9 ms;
//! 372 reservations/s, none oversold, ledger reconciles. The PostgreSQL
//! targets are missed.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use abutment_erp::{
    access::{Caller, Principal, Role},
    config::ApiLimits,
    db, graphql,
    inventory::{Actor, service},
    synthetic,
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, TransactionTrait};
use serde_json::json;

use synthetic::{env_usize as env, report};

fn main() -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let bench_db = synthetic::BenchDb::create("abutment_bench_inv").await?;
    let url = bench_db.url.clone();
    let conn = db::connect_url(&url, 20).await?;
    db::migrate(&conn).await?;
    let t = Instant::now();
    let txn = conn.begin().await?;
    let cat = synthetic::generate_catalogue(
        &txn,
        synthetic::CatalogueSpec {
            fits: 50_000,
            ..synthetic::CatalogueSpec::benchmark()
        },
    )
    .await?;
    let spec = synthetic::StockSpec {
        lots: env("BENCH_LOTS", 1_000_000),
        movements: env("BENCH_MOVEMENTS", 5_000_000),
        seed: 7,
    };
    let stock = synthetic::generate_stock(&txn, &cat, spec).await?;
    txn.commit().await?;
    conn.execute_unprepared("ANALYZE").await?;
    let movements = entity::stock_movement::Entity::find().count(&conn).await?;
    println!(
        "store={} generated {} lots, {} movements in {:.1?}",
        db::backend_name(&conn),
        stock.lot_ids.len(),
        movements,
        t.elapsed()
    );

    let skus: Vec<String> = entity::abutment_sku::Entity::find()
        .all(&conn)
        .await?
        .into_iter()
        .map(|s| s.article_number)
        .collect();
    // `BENCH_ITERATIONS=0` skips the read measurements (1–3).
    let iterations = env("BENCH_ITERATIONS", 2_000);
    let mut rng = StdRng::seed_from_u64(1);

    // 1. Available stock of one SKU, service layer.
    let mut times = Vec::new();
    for _ in 0..iterations {
        let a = &skus[rng.random_range(0..skus.len())];
        let s = Instant::now();
        let f = service::StockFilter {
            article_number: Some(a.clone()),
            ..Default::default()
        };
        let lines = service::stock(&conn, &f).await?;
        let q = service::sum(&lines, abutment_erp::inventory::today());
        std::hint::black_box(q);
        times.push(s.elapsed());
    }
    report("available stock of one SKU (service)", times);

    // 2. The same through the schema.
    let schema = abutment_erp::schema(conn.clone(), &ApiLimits::default());
    let admin_user =
        abutment_erp::access::service::create_user(&conn, "bench", &[Role::Admin, Role::Sales])
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    let caller = Caller::User(Principal {
        user_id: admin_user.id,
        name: "bench".into(),
        roles: vec![Role::Admin, Role::Sales],
        token_id: None,
    });
    let exec = async |q: &str, vars: serde_json::Value| {
        let req = async_graphql::Request::new(q)
            .variables(async_graphql::Variables::from_json(vars))
            .data(caller.clone());
        let r = graphql::execute(&schema, &conn, req).await;
        assert!(r.errors.is_empty(), "{:?}", r.errors);
    };
    let mut times = Vec::new();
    for _ in 0..iterations {
        let a = &skus[rng.random_range(0..skus.len())];
        let s = Instant::now();
        exec("query($a: String!) { skuStock(articleNumber: $a) { quantities { onHand reserved available quarantine onHold } } }", json!({"a": a})).await;
        times.push(s.elapsed());
    }
    report("available stock of one SKU (schema, skuStock)", times);

    // 3. One lot's detail with its first 50 movements.
    let mut times = Vec::new();
    for _ in 0..iterations {
        let id = stock.lot_ids[rng.random_range(0..stock.lot_ids.len())];
        let gid = graphql::ids::encode("Lot", id);
        let s = Instant::now();
        exec(
            "query($id: ID) { lot(id: $id) { lotNumber effectiveState expiryDate udi quantities { onHand available } movements(first: 50) { totalCount edges { node { at reason quantity reference actorName fromLocation { code } toLocation { code } } } } } }",
            json!({"id": gid.to_string()}),
        )
        .await;
        times.push(s.elapsed());
    }
    report("lot detail with first 50 movements (schema)", times);

    // 4. Reservation throughput: 16 clients, one hot SKU, one unit each.
    let hot = skus[0].clone();
    {
        // A deep lot so the run measures throughput, not running out.
        let txn = abutment_erp::db::begin_write(&conn).await?;
        let sys = Actor::system();
        let r = service::ReceiveFinished {
            article_number: hot.clone(),
            lot_number: "HOT-1".into(),
            quantity: 10_000_000,
            location: "SYN/DOCK".into(),
            production_date: abutment_erp::inventory::today(),
            expiry_date: Some(abutment_erp::inventory::today() + chrono::Duration::days(3000)),
            reference: "bench".into(),
        };
        let l = service::receive_finished(&txn, &sys, &r)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        service::change_state(&txn, &sys, l.id, entity::enums::LotState::Released, "bench")
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        service::transfer(
            &txn,
            &sys,
            l.id,
            "SYN/DOCK",
            "SYN/STOCK",
            10_000_000,
            "bench",
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        txn.commit().await?;
    }
    let before = service::stock(
        &conn,
        &service::StockFilter {
            article_number: Some(hot.clone()),
            ..Default::default()
        },
    )
    .await?;
    let available = service::sum(&before, abutment_erp::inventory::today()).available;
    let seconds = env("BENCH_SECONDS", 5) as u64;
    let ok = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..16 {
        let conn = conn.clone();
        let (ok, refused, hot) = (ok.clone(), refused.clone(), hot.clone());
        tasks.push(tokio::spawn(async move {
            let actor = Actor::system();
            let mut i = 0;
            while Instant::now() < deadline {
                i += 1;
                let txn = abutment_erp::db::begin_write(&conn).await.expect("begin");
                let r = service::ReserveRequest {
                    reference: format!("B-{c}-{i}"),
                    quantity: 1,
                    lot_id: None,
                    article_number: Some(hot.clone()),
                };
                match service::reserve(&txn, &actor, &r).await {
                    Ok(_) => {
                        txn.commit().await.expect("commit");
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => {
                        let _ = txn.rollback().await;
                        refused.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    let start = Instant::now();
    for t in tasks {
        t.await?;
    }
    let el = start.elapsed();
    let ok = ok.load(Ordering::Relaxed);
    let diffs = service::verify(&conn)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "reservations, 16 clients on one hot SKU ({available} units available): {ok} made, {} refused in {el:.1?} = {:.0} reservations/s; oversold: {}; ledger differences: {}",
        refused.load(Ordering::Relaxed),
        ok as f64 / el.as_secs_f64(),
        ok as i64 > available,
        diffs.len()
    );
    let floor = floor_updates(&conn, seconds).await?;
    println!(
        "floor: bare conditional UPDATE of one row, 16 clients, one statement each (autocommit): {floor:.0} updates/s; reservations reach {:.0} % of it",
        100.0 * ok as f64 / el.as_secs_f64() / floor
    );
    conn.close().await?;
    bench_db.finish().await?;
    Ok(())
}

/// The store's floor for one hot row: 16 clients each running
/// `UPDATE … SET n = n - 1 WHERE id = 1 AND n >= 1` on a one-row table
/// (autocommit) for `seconds`; updates per second.
async fn floor_updates(conn: &sea_orm::DatabaseConnection, seconds: u64) -> anyhow::Result<f64> {
    conn.execute_unprepared("CREATE TABLE bench_floor (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)")
        .await?;
    conn.execute_unprepared("INSERT INTO bench_floor (id, n) VALUES (1, 1000000000)")
        .await?;
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (conn, done) = (conn.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let r = conn
                    .execute_unprepared("UPDATE bench_floor SET n = n - 1 WHERE id = 1 AND n >= 1")
                    .await
                    .expect("floor update");
                done.fetch_add(r.rows_affected(), Ordering::Relaxed);
            }
        }));
    }
    let start = Instant::now();
    for t in tasks {
        t.await?;
    }
    let rate = done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();
    conn.execute_unprepared("DROP TABLE bench_floor").await?;
    Ok(rate)
}
