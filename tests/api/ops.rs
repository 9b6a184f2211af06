//! Operations, against real server processes (the built binary) on the
//! test's database: scale-out over one database, graceful shutdown, backup
//! and restore, crash safety; and `/metrics` and request ids over HTTP.
//! Every spawned server is killed when its guard drops, panics included.

use std::{
    io::Read,
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use abutment_erp::{
    access::Role,
    config::ApiLimits,
    inventory::{Actor, service},
};
use entity::enums::LotState;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::TestApp;

const BIN: &str = env!("CARGO_BIN_EXE_abutment-erp");

fn is_postgres(app: &TestApp) -> bool {
    app.url.starts_with("postgres")
}

/// A server process on a free loopback port; killed (SIGKILL) on drop.
struct Server {
    child: Child,
    base: String,
    addr: String,
    log: tempfile::NamedTempFile,
}

impl Server {
    /// Starts `serve` on the database and waits until `/health` answers.
    async fn start(url: &str, env: &[(&str, &str)]) -> Server {
        Self::start_with(Some(url), &["--no-demo-users"], env).await
    }

    /// Starts `serve` with these arguments; `url: None` is the embedded
    /// database in the data directory.
    async fn start_with(url: Option<&str>, args: &[&str], env: &[(&str, &str)]) -> Server {
        // A port found free may be taken by another test before the server
        // binds it: then try another one.
        for attempt in 0.. {
            let mut s = Self::spawn(url, args, env);
            match s.wait_ready().await {
                Ok(()) => return s,
                Err(log) if log.contains("binding") && attempt < 5 => continue,
                Err(log) => panic!("server did not start: {log}"),
            }
        }
        unreachable!()
    }

    fn spawn(url: Option<&str>, args: &[&str], env: &[(&str, &str)]) -> Server {
        let log = tempfile::NamedTempFile::new().expect("log file");
        // stdout (logs) and stderr into one file, both appending.
        let out = || {
            std::fs::OpenOptions::new()
                .append(true)
                .open(log.path())
                .expect("log file")
        };
        // Bind port 0 to learn a free port, then hand it to the server.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let addr = format!("127.0.0.1:{port}");
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--bind", &addr])
            .args(args)
            .env_remove("DATABASE_URL")
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
            .env("RUST_LOG", "warn")
            .env("ABUTMENT_RATE_LIMIT_PER_SECOND", "100000")
            .env("ABUTMENT_RATE_LIMIT_BURST", "100000")
            .stdout(out())
            .stderr(out());
        if let Some(url) = url {
            cmd.env("DATABASE_URL", url);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start abutment-erp serve");
        Server {
            child,
            base: format!("http://{addr}"),
            addr,
            log,
        }
    }

    /// Waits until `/health` answers; the log when the server exits or
    /// never answers.
    async fn wait_ready(&mut self) -> Result<(), String> {
        let client = reqwest::Client::new();
        for _ in 0..600 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited early ({status}): {}", self.log_text()));
            }
            if let Ok(r) = client.get(format!("{}/health", self.base)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!("not ready after 60 s: {}", self.log_text()))
    }

    fn log_text(&self) -> String {
        let mut s = String::new();
        let _ = std::fs::File::open(self.log.path()).map(|mut f| f.read_to_string(&mut s));
        s
    }

    fn sigterm(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill")
            .success();
        assert!(ok, "kill -TERM failed");
    }

    /// Waits (bounded) for the process to exit and returns whether it exited 0.
    async fn wait_exit(&mut self) -> bool {
        for _ in 0..600 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("server did not exit: {}", self.log_text());
    }

    fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Runs the binary as a one-off command on the database.
fn cli(url: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run abutment-erp");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A released lot of `units` of the first seeded SKU on a stock shelf;
/// returns its global id.
async fn stock_lot(app: &TestApp, lot_number: &str, units: i64) -> (i64, String) {
    let sku = entity::abutment_sku::Entity::find()
        .order_by_asc(entity::abutment_sku::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("a seeded SKU");
    let txn = abutment_erp::db::begin_write(&app.db).await.unwrap();
    let sys = Actor::system();
    let lot = service::receive_finished(
        &txn,
        &sys,
        &service::ReceiveFinished {
            article_number: sku.article_number.clone(),
            lot_number: lot_number.into(),
            quantity: units,
            location: "MAIN/RECV/DOCK-1".into(),
            production_date: abutment_erp::inventory::today(),
            expiry_date: None,
            reference: "ops test".into(),
        },
    )
    .await
    .unwrap();
    service::change_state(&txn, &sys, lot.id, LotState::Released, "ops test")
        .await
        .unwrap();
    service::transfer(
        &txn,
        &sys,
        lot.id,
        "MAIN/RECV/DOCK-1",
        "MAIN/STOCK/A-01",
        units,
        "ops test",
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    (
        lot.id,
        abutment_erp::graphql::ids::encode("Lot", lot.id).to_string(),
    )
}

const RESERVE_LOT: &str = "mutation($l: ID!, $r: String!) { reserveStock(input: { lotId: $l, quantity: 1, reference: $r }) { reservations { id } userErrors { code message } } }";

enum Reply {
    /// Acknowledged: the reservation ids.
    Made(Vec<String>),
    /// userErrors (e.g. the lot ran dry).
    Refused,
    /// GraphQL errors or a non-200 answer: a bug.
    Failed(String),
    /// No answer (connection closed, server killed).
    NoAnswer,
}

async fn reserve(client: &reqwest::Client, base: &str, token: &str, lot: &str, r: &str) -> Reply {
    let resp = client
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({"query": RESERVE_LOT, "variables": {"l": lot, "r": r}}))
        .send()
        .await;
    let Ok(resp) = resp else {
        return Reply::NoAnswer;
    };
    let status = resp.status();
    let Ok(body) = resp.json::<Value>().await else {
        return Reply::NoAnswer;
    };
    if status != 200 || body.get("errors").is_some() {
        return Reply::Failed(format!("{status}: {body}"));
    }
    let p = &body["data"]["reserveStock"];
    if p["userErrors"].as_array().is_some_and(|e| !e.is_empty()) {
        return Reply::Refused;
    }
    Reply::Made(
        p["reservations"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["id"].as_str().map(str::to_owned))
            .collect(),
    )
}

async fn scalar(db: &impl ConnectionTrait, sql: &str) -> i64 {
    db.query_one_raw(sea_orm::Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .await
    .unwrap()
    .and_then(|r| r.try_get_by_index::<i64>(0).ok())
    .unwrap_or(0)
}

async fn assert_ledger_reconciles(url: &str) {
    let (ok, out, err) = cli(url, &["verify"]);
    assert!(ok, "verify found differences: {out}{err}");
}

#[tokio::test]
async fn the_first_start_on_a_new_data_directory_creates_the_database_and_prints_demo_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("new").join("data");
    let mut server =
        Server::start_with(None, &[], &[("ABUTMENT_DATA_DIR", data.to_str().unwrap())]).await;
    assert!(data.join("abutment-erp.db").is_file());
    server.sigterm();
    assert!(server.wait_exit().await);
    let log = server.log_text();
    assert!(log.contains("DEMO TOKENS AND PASSWORDS"), "{log}");
    // Each demo user's console password is printed beside its token.
    let sales = log
        .lines()
        .find(|l| l.contains("demo-sales"))
        .unwrap_or_else(|| panic!("no demo-sales line: {log}"));
    let cols: Vec<&str> = sales.split_whitespace().collect();
    assert_eq!(cols.len(), 4, "{sales}");
    assert_eq!(cols[2].len(), 24, "a 24-character password: {sales}");
    assert!(cols[3].starts_with("abt_"), "{sales}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_on_one_database_never_oversell_and_the_ledger_reconciles() {
    let app = TestApp::new().await;
    if !is_postgres(&app) {
        eprintln!(
            "note: on SQLite both processes share one database file (one writer at a time); \
             the scale-out case proper runs with TEST_DATABASE_URL=postgres://…"
        );
    }
    let (lot_id, lot) = stock_lot(&app, "OPS-SCALE-1", 30).await;
    let (a, b) = tokio::join!(Server::start(&app.url, &[]), Server::start(&app.url, &[]));
    let token = app.user(Role::Sales).1.clone();
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for c in 0..16 {
        let base = if c % 2 == 0 {
            a.base.clone()
        } else {
            b.base.clone()
        };
        let (client, token, lot) = (client.clone(), token.clone(), lot.clone());
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            for i in 0..4 {
                out.push(reserve(&client, &base, &token, &lot, &format!("SCALE-{c}-{i}")).await);
            }
            out
        }));
    }
    let (mut made, mut refused) = (0, 0);
    for t in tasks {
        for r in t.await.unwrap() {
            match r {
                Reply::Made(ids) => made += ids.len(),
                Reply::Refused => refused += 1,
                Reply::Failed(e) => panic!("a reservation failed: {e}"),
                Reply::NoAnswer => panic!("a server did not answer"),
            }
        }
    }
    assert_eq!(made, 30, "exactly the lot's 30 units are promised");
    assert_eq!(refused, 34);
    let reserved = scalar(
        &app.db,
        &format!("SELECT CAST(SUM(reserved) AS BIGINT) FROM stock_balance WHERE lot_id = {lot_id}"),
    )
    .await;
    assert_eq!(reserved, 30);
    assert!(service::verify(&app.db).await.unwrap().is_empty());
}

/// Reads from the socket until `needle` has arrived (or the peer closes).
async fn read_until(s: &mut tokio::net::TcpStream, needle: &str) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains(needle) {
        let n = s.read(&mut buf).await.expect("read");
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&got).into_owned()
}

#[tokio::test]
async fn on_sigterm_the_server_stops_accepting_finishes_the_request_in_flight_and_exits_0() {
    let app = TestApp::new().await;
    let mut server = Server::start(&app.url, &[]).await;
    let token = app.user(Role::Sales).1.clone();
    let body = json!({"query": "{ me { name } }"}).to_string();
    let mut s = tokio::net::TcpStream::connect(&server.addr).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
        server.addr,
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    // The server asks for the body once the handler reads it: the request is in flight.
    let cont = read_until(&mut s, "\r\n\r\n").await;
    assert!(cont.starts_with("HTTP/1.1 100"), "{cont}");
    server.sigterm();
    // New connections are refused once shutdown has begun.
    let mut refused = false;
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(&server.addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "still accepting after SIGTERM");
    s.write_all(body.as_bytes()).await.unwrap();
    let resp = read_until(&mut s, "\u{0}never").await;
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.contains("test-sales"), "{resp}");
    assert!(
        server.wait_exit().await,
        "exit status 0: {}",
        server.log_text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_writes_restores_to_a_database_that_verifies_and_holds_the_data() {
    let app = TestApp::new().await;
    if is_postgres(&app) {
        let (ok, _, err) = cli(&app.url, &["backup", "/tmp/never-written.db"]);
        assert!(!ok && err.contains("pg_dump"), "{err}");
        let (ok, _, err) = cli(&app.url, &["restore", "/tmp/never-read.db"]);
        assert!(!ok && err.contains("pg_restore"), "{err}");
        eprintln!(
            "backup/restore copy the embedded SQLite database; on PostgreSQL they refuse and point to pg_dump/pg_restore (README): checked that only"
        );
        return;
    }
    let (lot_id, lot) = stock_lot(&app, "OPS-BACKUP-1", 100_000).await;
    let mut server = Server::start(&app.url, &[]).await;
    let token = app.user(Role::Sales).1.clone();
    let acked = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (acked, stop, base) = (acked.clone(), stop.clone(), server.base.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                i += 1;
                match reserve(&client, &base, &token, &lot, &format!("BK-{i}")).await {
                    Reply::Made(_) => {
                        acked.fetch_add(1, Ordering::SeqCst);
                    }
                    Reply::Refused => panic!("refused with stock left"),
                    Reply::Failed(e) => panic!("{e}"),
                    Reply::NoAnswer => panic!("no answer"),
                }
            }
        })
    };
    while acked.load(Ordering::SeqCst) < 10 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.db");
    let before = acked.load(Ordering::SeqCst);
    let (url, f) = (app.url.clone(), file.clone());
    let (ok, out, err) =
        tokio::task::spawn_blocking(move || cli(&url, &["backup", f.to_str().unwrap()]))
            .await
            .unwrap();
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    let after = acked.load(Ordering::SeqCst);
    assert!(ok, "backup failed: {out}{err}");
    assert!(out.contains("backed up"), "{out}");
    let (ok, _, err) = cli(&app.url, &["backup", file.to_str().unwrap()]);
    assert!(
        !ok && err.contains("exists"),
        "a backup never overwrites: {err}"
    );

    // The copy is one consistent snapshot: it reconciles and holds every
    // reservation acknowledged before the backup began.
    let copy_url = format!("sqlite://{}?mode=rwc", file.display());
    assert_ledger_reconciles(&copy_url).await;
    let copy = abutment_erp::db::connect_url(&copy_url, 1).await.unwrap();
    let in_copy = scalar(
        &copy,
        &format!("SELECT COUNT(*) FROM reservation WHERE lot_id = {lot_id}"),
    )
    .await as usize;
    copy.close().await.unwrap();
    assert!(
        (before..=after).contains(&in_copy),
        "{before} ≤ {in_copy} ≤ {after}"
    );

    // Not while a server uses the database; not from a file that is no database.
    let (ok, _, err) = cli(&app.url, &["restore", file.to_str().unwrap()]);
    assert!(!ok && err.contains("a server is using"), "{err}");
    server.sigterm();
    assert!(server.wait_exit().await);
    let junk = dir.path().join("notes.db");
    std::fs::write(&junk, "not a database").unwrap();
    let (ok, _, err) = cli(&app.url, &["restore", junk.to_str().unwrap()]);
    assert!(
        !ok && err.contains("notes.db: not an SQLite database"),
        "{err}"
    );
    // A database from a newer version (a migration this binary does not know).
    let newer = dir.path().join("newer.db");
    std::fs::copy(&file, &newer).unwrap();
    let n = abutment_erp::db::connect_url(&format!("sqlite://{}", newer.display()), 1)
        .await
        .unwrap();
    n.execute_unprepared(
        "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m20991231_000001_future', 0)",
    )
    .await
    .unwrap();
    n.close().await.unwrap();
    let (ok, _, err) = cli(&app.url, &["restore", newer.to_str().unwrap()]);
    assert!(!ok && err.contains("made by a newer version"), "{err}");
    let live = abutment_erp::db::connect_url(&app.url, 1).await.unwrap();
    let now = scalar(
        &live,
        &format!("SELECT COUNT(*) FROM reservation WHERE lot_id = {lot_id}"),
    )
    .await as usize;
    live.close().await.unwrap();
    assert_eq!(now, after, "a refused restore changes nothing");

    let (ok, out, err) = cli(&app.url, &["restore", file.to_str().unwrap()]);
    assert!(ok, "restore failed: {out}{err}");
    assert!(out.contains("previous database is kept"), "{out}");
    assert_ledger_reconciles(&app.url).await;
    let restored = abutment_erp::db::connect_url(&app.url, 1).await.unwrap();
    let n = scalar(
        &restored,
        &format!("SELECT COUNT(*) FROM reservation WHERE lot_id = {lot_id}"),
    )
    .await as usize;
    restored.close().await.unwrap();
    assert_eq!(n, in_copy, "the restored database is the backup");
    // And a server runs on it.
    let _server = Server::start(&app.url, &[]).await;
}

/// Whether another connection holds an open write transaction on the
/// database right now (SQLite: the write lock is taken; PostgreSQL: another
/// session is inside a transaction).
async fn someone_is_writing(probe: &sea_orm::DatabaseConnection) -> bool {
    if probe.get_database_backend() == sea_orm::DbBackend::Sqlite {
        match probe.execute_unprepared("BEGIN IMMEDIATE").await {
            Ok(_) => {
                let _ = probe.execute_unprepared("ROLLBACK").await;
                false
            }
            Err(_) => true,
        }
    } else {
        scalar(
            probe,
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND pid <> pg_backend_pid() AND xact_start IS NOT NULL",
        )
        .await
            > 0
    }
}

/// A single connection that fails at once instead of waiting for a lock.
async fn probe(url: &str) -> sea_orm::DatabaseConnection {
    let p = abutment_erp::db::connect_url(url, 1).await.unwrap();
    if p.get_database_backend() == sea_orm::DbBackend::Sqlite {
        p.execute_unprepared("PRAGMA busy_timeout = 0")
            .await
            .unwrap();
    }
    p
}

/// Waits until a write transaction is open (seen twice in a row, so not a
/// passing audit row) or `done()` says the work already finished.
async fn wait_for_writer(
    probe: &sea_orm::DatabaseConnection,
    mut done: impl FnMut() -> bool,
) -> bool {
    let mut seen = 0;
    for _ in 0..3000 {
        if done() {
            return false;
        }
        if someone_is_writing(probe).await {
            seen += 1;
            if seen == 2 {
                return true;
            }
        } else {
            seen = 0;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the import never started");
}

fn stock_csv(articles: &[String], rows: usize, prefix: &str) -> String {
    let mut csv = String::from("article_number,lot_number,quantity,location,production_date\n");
    for i in 0..rows {
        csv.push_str(&format!(
            "{},{prefix}-{i:05},5,MAIN/RECV/DOCK-1,2026-11-01\n",
            articles[i % articles.len()]
        ));
    }
    csv
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_keeps_every_acknowledged_mutation_and_no_half_import() {
    let app = TestApp::new().await;
    let (_, lot) = stock_lot(&app, "OPS-CRASH-1", 100_000).await;
    let mut server = Server::start(&app.url, &[]).await;
    let base = server.base.clone();
    let token = app.user(Role::Sales).1.clone();

    // 1. SIGKILL in the middle of a stream of reservations from 4 clients.
    let acked = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut clients = Vec::new();
    for c in 0..4 {
        let (acked, base, token, lot) = (acked.clone(), base.clone(), token.clone(), lot.clone());
        clients.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            for i in 0.. {
                match reserve(&client, &base, &token, &lot, &format!("CR-{c}-{i}")).await {
                    Reply::Made(ids) => acked.lock().unwrap().extend(ids),
                    Reply::NoAnswer => return,
                    Reply::Refused => panic!("refused with stock left"),
                    Reply::Failed(e) => panic!("{e}"),
                }
            }
        }));
    }
    while acked.lock().unwrap().len() < 40 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill9();
    for c in clients {
        c.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert_ledger_reconciles(&app.url).await;
    let db = abutment_erp::db::connect_url(&app.url, 1).await.unwrap();
    for gid in &acked {
        let id = abutment_erp::graphql::ids::decode(
            &async_graphql::ID(gid.clone()),
            "Reservation",
            "id",
        )
        .expect("a reservation id");
        let status = scalar(
            &db,
            &format!("SELECT COUNT(*) FROM reservation WHERE id = {id} AND status = 'OPEN'"),
        )
        .await;
        assert_eq!(status, 1, "acknowledged reservation {id} is kept");
    }

    // 2. SIGKILL in the middle of a large stock import over HTTP.
    let articles: Vec<String> = entity::abutment_sku::Entity::find()
        .order_by_asc(entity::abutment_sku::Column::Id)
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .take(50)
        .map(|s| s.article_number)
        .collect();
    let rows = 4000;
    let csv = stock_csv(&articles, rows, "CRASH-HTTP");
    let mut server = Server::start(&app.url, &[]).await;
    let wh = app.user(Role::Warehouse).1.clone();
    let import = {
        let base = server.base.clone();
        tokio::spawn(async move {
            reqwest::Client::new()
                .post(format!("{base}/graphql"))
                .bearer_auth(wh)
                .json(&json!({"query": "mutation($c: String!) { importStockCsv(csv: $c) { userErrors { message } } }", "variables": {"c": csv}}))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        })
    };
    let p = probe(&app.url).await;
    let mid_http = wait_for_writer(&p, || import.is_finished()).await;
    server.kill9();
    let answered = import.await.unwrap();
    // 3. The same for the CLI import.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stock.csv");
    std::fs::write(&file, stock_csv(&articles, rows, "CRASH-CLI")).unwrap();
    let mut child = Command::new(BIN)
        .args(["import", "stock", file.to_str().unwrap()])
        .env("DATABASE_URL", &app.url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mid_cli = wait_for_writer(&p, || child.try_wait().is_ok_and(|s| s.is_some())).await;
    let _ = child.kill();
    let cli_done = child.wait().unwrap().success();
    p.close().await.unwrap();

    assert_ledger_reconciles(&app.url).await;
    for (prefix, acknowledged, mid) in [
        ("CRASH-HTTP", answered, mid_http),
        ("CRASH-CLI", cli_done, mid_cli),
    ] {
        let n = scalar(
            &db,
            &format!("SELECT COUNT(*) FROM lot WHERE lot_number LIKE '{prefix}-%'"),
        )
        .await as usize;
        eprintln!(
            "{prefix}: {n} of {rows} lots visible after the kill (killed mid-import: {mid}; acknowledged: {acknowledged})"
        );
        if acknowledged {
            assert_eq!(n, rows);
        } else {
            assert!(
                n == 0 || n == rows,
                "{prefix}: half an import is visible: {n} of {rows}"
            );
        }
    }
    db.close().await.unwrap();
    // The server comes back on the same database.
    let _server = Server::start(&app.url, &[]).await;
}

async fn serve_in_process(app: &TestApp, limits: ApiLimits) -> String {
    let schema = abutment_erp::schema(app.db.clone(), &limits);
    let router = abutment_erp::app(schema, app.db.clone(), &limits);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn metrics_count_requests_by_operation_errors_by_code_pool_and_ledger_in_prometheus_text() {
    let app = TestApp::new().await;
    let base = serve_in_process(&app, ApiLimits::default()).await;
    let client = reqwest::Client::new();
    let token = app.user(Role::Sales).1.clone();
    let q = |query: &str| {
        client
            .post(format!("{base}/graphql"))
            .bearer_auth(&token)
            .json(&json!({"query": query}))
            .send()
    };
    let r = q(
        r#"{ compatibleAbutments(system: "Certain", platform: "4.1", first: 5) { totalCount } }"#,
    )
    .await
    .unwrap();
    assert!(r.headers().contains_key("x-request-id"));
    q("{ noSuchField }").await.unwrap();
    q("{ me { noSuchField } }").await.unwrap();
    q("{ auditLog { totalCount } }").await.unwrap();
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "abutment_graphql_request_duration_seconds_count{kind=\"query\",operation=\"compatibleAbutments\"} 1",
        "abutment_graphql_request_duration_seconds_count{kind=\"query\",operation=\"unknown\"} 1",
        "abutment_graphql_errors_total{code=\"GRAPHQL_VALIDATION_FAILED\"} 2",
        "abutment_graphql_errors_total{code=\"FORBIDDEN\"} 1",
        "abutment_graphql_request_duration_seconds_count{kind=\"query\",operation=\"me\"} 1",
        "abutment_http_requests_total{route=\"/graphql\",status=\"200\"} 1",
        "abutment_http_requests_total{route=\"/graphql\",status=\"422\"} 2",
        "abutment_http_requests_total{route=\"/graphql\",status=\"403\"} 1",
        "abutment_db_pool_connections{state=\"max\"} 8",
        "# TYPE process_cpu_seconds_total counter",
        "# TYPE process_resident_memory_bytes gauge",
        "# TYPE process_open_fds gauge",
        "# TYPE process_max_fds gauge",
        "# TYPE process_start_time_seconds gauge",
        "abutment_build_info{version=\"",
    ] {
        assert!(text.contains(line), "missing `{line}` in\n{text}");
    }
    let value = |name: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert!(value("process_cpu_seconds_total") > 0.0);
    assert!(value("process_resident_memory_bytes") > 1e6);
    assert!(value("process_open_fds") >= 3.0);
    let started = value("process_start_time_seconds");
    let now = chrono::Utc::now().timestamp() as f64;
    assert!(
        started <= now + 1.0 && started > now - 3600.0,
        "{started} vs {now}"
    );
    let receipts = scalar(
        &app.db,
        "SELECT COUNT(*) FROM stock_movement WHERE reason = 'RECEIPT'",
    )
    .await;
    assert!(
        text.contains(&format!(
            "abutment_stock_movements_total{{reason=\"RECEIPT\"}} {receipts}"
        )),
        "{text}"
    );
    assert!(text.contains("le=\"+Inf\""));
}

#[tokio::test]
async fn with_a_metrics_token_metrics_need_it() {
    let app = TestApp::empty().await;
    let base = serve_in_process(
        &app,
        ApiLimits {
            metrics_token: Some("s3cret-scraper".into()),
            ..ApiLimits::default()
        },
    )
    .await;
    let client = reqwest::Client::new();
    let get = |t: Option<&str>| {
        let mut r = client.get(format!("{base}/metrics"));
        if let Some(t) = t {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    assert_eq!(get(None).await.unwrap().status(), 401);
    assert_eq!(get(Some("wrong")).await.unwrap().status(), 401);
    assert_eq!(get(Some("s3cret-scraper")).await.unwrap().status(), 200);
}

#[tokio::test]
async fn json_logs_carry_the_request_id_on_every_line_of_a_request() {
    let app = TestApp::new().await;
    let mut server = Server::start(
        &app.url,
        &[
            ("LOG_FORMAT", "json"),
            ("RUST_LOG", "warn,tower_http=debug"),
            // Statements over 1 ms are warned about: a debug build makes some.
            ("ABUTMENT_SLOW_QUERY_MS", "1"),
        ],
    )
    .await;
    let resp = reqwest::Client::new()
        .post(format!("{}/graphql", server.base))
        .bearer_auth(app.user(Role::Sales).1.clone())
        .json(&json!({"query": "{ me { name } stock { edges { node { onHand lot { lotNumber sku { articleNumber } } location { code } } } } }"}))
        .send()
        .await
        .unwrap();
    let rid = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    resp.text().await.unwrap();
    server.sigterm();
    assert!(server.wait_exit().await);
    let log = server.log_text();
    let lines: Vec<Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| {
            v["target"]
                .as_str()
                .is_some_and(|t| t.starts_with("tower_http") || t.starts_with("sqlx"))
        })
        .collect();
    let slow: Vec<&Value> = lines
        .iter()
        .filter(|v| v["target"] == json!("sqlx::query"))
        .collect();
    eprintln!(
        "{} slow-statement warning(s) logged, {} of them in the request",
        slow.len(),
        slow.iter().filter(|v| v.to_string().contains(&rid)).count()
    );
    assert!(!lines.is_empty(), "no request log lines in:\n{log}");
    let of_request: Vec<&Value> = lines
        .iter()
        .filter(|v| v["span"]["request_id"] == json!(rid) || v.to_string().contains(&rid))
        .collect();
    assert!(
        of_request.len() >= 2,
        "the request's start and end lines carry its id {rid}:\n{log}"
    );
    // Every line from the first request on carries an id (start-up, with
    // its migration checks, runs before any request).
    let first = lines
        .iter()
        .filter(|v| v["target"] != json!("sqlx::query"))
        .filter_map(|v| v["timestamp"].as_str())
        .min()
        .unwrap_or_default()
        .to_owned();
    for l in lines
        .iter()
        .filter(|l| l["timestamp"].as_str().is_some_and(|t| t >= first.as_str()))
    {
        assert!(
            l.to_string().contains("request_id"),
            "a line without a request id: {l}"
        );
    }
}

/// A stand-in OTLP/HTTP collector on a loopback port: keeps every body
/// POSTed to `/v1/traces`.
async fn collector() -> (String, Arc<std::sync::Mutex<Vec<Vec<u8>>>>) {
    let got: Arc<std::sync::Mutex<Vec<Vec<u8>>>> = Arc::default();
    let keep = got.clone();
    let router = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |body: axum::body::Bytes| {
            let keep = keep.clone();
            async move {
                keep.lock().unwrap().push(body.to_vec());
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{addr}"), got)
}

fn hex_bytes(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[tokio::test]
async fn with_otlp_on_a_request_span_joins_the_callers_trace_and_reaches_the_collector() {
    let app = TestApp::empty().await;
    let (endpoint, got) = collector().await;
    let mut server = Server::start(
        &app.url,
        &[
            ("LOG_FORMAT", "json"),
            ("RUST_LOG", "info,tower_http=debug"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
    )
    .await;
    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let parent = "00f067aa0ba902b7";
    let resp = reqwest::Client::new()
        .get(format!("{}/livez", server.base))
        .header("traceparent", format!("00-{trace}-{parent}-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    server.sigterm();
    assert!(server.wait_exit().await, "{}", server.log_text());
    // The log lines of the request carry the caller's trace id.
    let log = server.log_text();
    assert!(
        log.lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .any(|v| v["spans"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| s["trace_id"] == json!(trace)))),
        "no log line with the trace id:\n{log}"
    );
    // The exported span has the caller's trace id and its span as parent.
    let bodies = got.lock().unwrap().clone();
    let all: Vec<u8> = bodies.concat();
    let has = |needle: &[u8]| all.windows(needle.len()).any(|w| w == needle);
    assert!(!bodies.is_empty(), "nothing exported:\n{log}");
    assert!(has(&hex_bytes(trace)), "trace id not exported");
    assert!(has(&hex_bytes(parent)), "parent span id not exported");
    assert!(has(b"abutment-erp"), "service name not exported");
    assert!(has(b"request"), "request span not exported");
}

#[tokio::test]
async fn without_otlp_settings_nothing_is_exported() {
    let app = TestApp::empty().await;
    let (endpoint, got) = collector().await;
    // The collector runs, but nothing names it: export stays off.
    let mut server = Server::start(&app.url, &[("OTEL_BSP_SCHEDULE_DELAY", "100")]).await;
    let resp = reqwest::Client::new()
        .get(format!("{}/livez", server.base))
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    server.sigterm();
    assert!(server.wait_exit().await);
    assert!(got.lock().unwrap().is_empty(), "exported to {endpoint}");
}
