//! Test harness: each test gets a fresh database (a temporary SQLite file by
//! default; a new, uniquely named PostgreSQL database dropped afterwards when
//! `TEST_DATABASE_URL` names a server), migrated and seeded, and a schema
//! built exactly as the server builds it. Every SQL statement is counted.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use abutment_erp::{
    AppSchema,
    access::{Caller, Principal, Role, service},
    config::ApiLimits,
    db,
};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::Value;

enum Store {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

/// A fresh database with the schema on top.
pub struct TestApp {
    pub db: DatabaseConnection,
    pub schema: AppSchema,
    pub url: String,
    /// One user per role, with a token: (principal, bearer token).
    pub users: Vec<(Principal, String)>,
    statements: Arc<AtomicUsize>,
    store: Store,
}

async fn create_database() -> (String, Store) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            static N: AtomicUsize = AtomicUsize::new(0);
            let name = format!(
                "abutment_test_{}_{}_{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst),
                rand_suffix()
            );
            let admin = Database::connect(&admin_url)
                .await
                .expect("connect to TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let base = admin_url.split('?').next().unwrap_or(&admin_url);
            let prefix = &base[..base.rfind('/').expect("database URL has a path")];
            (
                format!("{prefix}/{name}"),
                Store::Postgres { admin_url, name },
            )
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            (url, Store::Sqlite(dir))
        }
    }
}

fn rand_suffix() -> u32 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
}

impl TestApp {
    /// A migrated database with the seed data.
    pub async fn new() -> Self {
        Self::build(true).await
    }

    /// A migrated, empty database.
    pub async fn empty() -> Self {
        Self::build(false).await
    }

    async fn build(seed: bool) -> Self {
        let (url, store) = create_database().await;
        let mut conn = db::connect_url(&url, 8)
            .await
            .expect("connect test database");
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        conn.set_metric_callback(move |info| {
            if std::env::var("TEST_PRINT_SQL").is_ok() {
                eprintln!(
                    "SQL: {}",
                    info.statement.sql.chars().take(150).collect::<String>()
                );
            }
            counter.fetch_add(1, Ordering::SeqCst);
        });
        db::migrate(&conn).await.expect("migrate");
        if seed {
            abutment_erp::seed::load(&conn, None).await.expect("seed");
        }
        let mut users = Vec::new();
        for role in Role::ALL {
            let name = format!("test-{}", role.as_str().to_lowercase());
            let u = service::create_user(&conn, &name, &[role])
                .await
                .expect("user");
            let (t, token) = service::create_token(&conn, u.id, "test", None)
                .await
                .expect("token");
            users.push((
                Principal {
                    user_id: u.id,
                    name,
                    roles: vec![role],
                    token_id: Some(t.id),
                },
                token,
            ));
        }
        let schema = abutment_erp::schema(conn.clone(), &ApiLimits::default());
        Self {
            db: conn,
            schema,
            url,
            users,
            statements,
            store,
        }
    }

    /// SQL statements run so far.
    pub fn statements(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }

    /// The test user holding `role`.
    pub fn user(&self, role: Role) -> &(Principal, String) {
        self.users
            .iter()
            .find(|(p, _)| p.roles == [role])
            .expect("a user per role")
    }

    /// Runs a request as an admin and returns the whole response as JSON.
    pub async fn run(&self, query: &str, vars: Value) -> Value {
        self.run_as(Some(Role::Admin), query, vars).await
    }

    /// Runs a request as the test user of `role` (anonymous for `None`).
    pub async fn run_as(&self, role: Option<Role>, query: &str, vars: Value) -> Value {
        let caller = match role {
            Some(r) => Caller::User(self.user(r).0.clone()),
            None => Caller::Anonymous,
        };
        let req = async_graphql::Request::new(query)
            .variables(async_graphql::Variables::from_json(vars))
            .data(caller);
        let resp = abutment_erp::graphql::execute(&self.schema, &self.db, req).await;
        serde_json::to_value(&resp).expect("response serialises")
    }

    /// Runs a request that must succeed; returns `data`.
    pub async fn data(&self, query: &str, vars: Value) -> Value {
        let resp = self.run(query, vars).await;
        assert!(
            resp.get("errors")
                .is_none_or(|e| e.as_array().is_none_or(Vec::is_empty)),
            "unexpected errors: {resp:#}"
        );
        resp["data"].clone()
    }

    /// Runs a request that must fail; returns the errors as (code, message).
    pub async fn errors(&self, query: &str, vars: Value) -> Vec<(String, String)> {
        let resp = self.run(query, vars).await;
        let errs = resp["errors"].as_array().cloned().unwrap_or_default();
        assert!(!errs.is_empty(), "expected errors, got {resp:#}");
        errs.iter()
            .map(|e| {
                (
                    e["extensions"]["code"].as_str().unwrap_or("").to_owned(),
                    e["message"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    }

    /// Number of rows in a table.
    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count query")
            .expect("a row");
        row.try_get::<i64>("", "n").expect("count")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Store::Postgres { admin_url, name } = &self.store {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // The test's runtime may be shutting down: drop the database from
            // a runtime of our own on another thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async {
                        if let Ok(admin) = Database::connect(&admin_url).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                                ))
                                .await;
                            let _ = admin.close().await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

/// The user errors of a payload, or of the only field of a `data` object.
pub fn user_errors(v: &Value) -> Vec<(String, String, String)> {
    let payload = if v.get("userErrors").is_some() {
        Some(v)
    } else {
        v.as_object().and_then(|o| o.values().next())
    };
    payload
        .and_then(|p| p["userErrors"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|e| {
            (
                e["code"].as_str().unwrap_or("").to_owned(),
                e["field"]
                    .as_array()
                    .map(|f| {
                        f.iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(".")
                    })
                    .unwrap_or_default(),
                e["message"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// `v` with every connection (`{ edges: [{ node }] … }`) replaced by the
/// list of its nodes, for tests that read a whole list.
pub fn flat(v: &Value) -> Value {
    match v {
        Value::Object(o) => {
            if let Some(Value::Array(edges)) = o.get("edges") {
                return Value::Array(edges.iter().map(|e| flat(&e["node"])).collect());
            }
            Value::Object(o.iter().map(|(k, v)| (k.clone(), flat(v))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(flat).collect()),
        other => other.clone(),
    }
}

/// Serves the app's schema over HTTP on a free loopback port, as the server
/// does; returns the base URL.
pub async fn serve(app: &TestApp, limits: ApiLimits) -> String {
    let schema = abutment_erp::schema(app.db.clone(), &limits);
    serve_router(abutment_erp::app(schema, app.db.clone(), &limits)).await
}

/// Serves a router on a free loopback port; returns the base URL.
pub async fn serve_router(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    format!("http://{addr}")
}
