//! Authentication without SQL on the hot path (`access::auth_cache`): each
//! server instance keeps the tokens it verified in memory; a revocation,
//! deactivation or role change made through one instance reaches every
//! other instance on the same database within the staleness bound, and the
//! instance that made it at once. Expiry is checked from memory on every
//! request.
//!
//! The second instance has its own connection pool on the same database
//! (SQLite: the same file; PostgreSQL: the same database) and a cache that
//! hears of changes only through the database, as a server in another
//! process does.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use abutment_erp::{
    access::{Role, auth_cache::AuthCache, service},
    config::ApiLimits,
    db,
    graphql::ids,
};
use serde_json::{Value, json};

use crate::support::{TestApp, serve, serve_router};

fn limits(bound_ms: u64) -> ApiLimits {
    ApiLimits {
        auth_staleness_ms: bound_ms,
        ..ApiLimits::default()
    }
}

/// Another server instance on the app's database; returns its base URL and
/// the count of SQL statements its pool has run.
async fn second_instance(app: &TestApp, bound_ms: u64) -> (String, Arc<AtomicUsize>) {
    let mut conn = db::connect_url(&app.url, 4)
        .await
        .expect("second pool on the same database");
    let n = Arc::new(AtomicUsize::new(0));
    let counter = n.clone();
    conn.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let limits = limits(bound_ms);
    let schema = abutment_erp::schema(conn.clone(), &limits);
    let cache = Arc::new(AuthCache::isolated(limits.auth_staleness()));
    let router = abutment_erp::http::app_with_auth(schema, conn, &limits, cache);
    (serve_router(router).await, n)
}

/// POSTs a query with a bearer token; returns the status and the body.
async fn post(base: &str, token: &str, query: &str, vars: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({"query": query, "variables": vars}))
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.expect("JSON body"))
}

fn message(v: &Value) -> String {
    v["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

const TRIVIAL: &str = "{ __typename }";

#[tokio::test]
async fn a_token_revoked_on_one_instance_is_refused_there_at_once_and_on_another_after_the_bound() {
    let app = TestApp::empty().await;
    let bound = 500;
    let a = serve(&app, limits(bound)).await;
    let (b, _) = second_instance(&app, bound).await;
    let sales = app.user(Role::Sales).0.clone();
    let (row, token) = service::create_token(&app.db, sales.user_id, "scanner", None)
        .await
        .unwrap();
    for base in [&a, &b] {
        let (status, v) = post(base, &token, TRIVIAL, json!({})).await;
        assert_eq!(status, 200, "{v}");
    }
    let admin = app.user(Role::Admin).1.clone();
    let (_, v) = post(
        &a,
        &admin,
        "mutation($id: ID!) { revokeApiToken(input: {tokenId: $id}) { apiToken { revokedAt } userErrors { message } } }",
        json!({"id": ids::encode("ApiToken", row.id).0}),
    )
    .await;
    assert!(
        v["data"]["revokeApiToken"]["apiToken"]["revokedAt"].is_string(),
        "{v}"
    );
    // The instance that revoked it refuses it at once.
    let (status, v) = post(&a, &token, TRIVIAL, json!({})).await;
    assert_eq!(status, 401, "{v}");
    assert!(message(&v).contains("revoked"), "{v}");
    // The other one within the bound: its next request after the bound
    // reads the epoch, finds it moved and checks the token again.
    tokio::time::sleep(Duration::from_millis(bound + 100)).await;
    let (status, v) = post(&b, &token, TRIVIAL, json!({})).await;
    assert_eq!(status, 401, "{v}");
    assert!(message(&v).contains("revoked"), "{v}");
}

#[tokio::test]
async fn a_role_change_and_a_deactivation_reach_another_instance_within_the_bound() {
    let app = TestApp::empty().await;
    let bound = 500;
    let (b, _) = second_instance(&app, bound).await;
    let (planner, token) = app.user(Role::Planner).clone();
    let users = "{ users(first: 1) { totalCount } }";
    service::update_user(
        &app.db,
        planner.user_id,
        Some(&[Role::Planner, Role::Admin]),
        None,
    )
    .await
    .unwrap();
    let (status, v) = post(&b, &token, users, json!({})).await;
    assert_eq!(status, 200, "as ADMIN: {v}");
    // ADMIN taken away (here, as the command line would: another process).
    service::update_user(&app.db, planner.user_id, Some(&[Role::Planner]), None)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(bound + 100)).await;
    let (status, v) = post(&b, &token, users, json!({})).await;
    assert_eq!(status, 403, "ADMIN was taken away: {v}");
    let (status, _) = post(&b, &token, TRIVIAL, json!({})).await;
    assert_eq!(status, 200);
    service::update_user(&app.db, planner.user_id, None, Some(false))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(bound + 100)).await;
    let (status, v) = post(&b, &token, TRIVIAL, json!({})).await;
    assert_eq!(status, 401, "{v}");
    assert!(message(&v).contains("deactivated"), "{v}");
}

#[tokio::test]
async fn a_cached_token_costs_no_sql_and_its_expiry_is_checked_from_memory() {
    let app = TestApp::empty().await;
    // A bound far longer than the test: only memory can answer.
    let (b, statements) = second_instance(&app, 60_000).await;
    let sales = app.user(Role::Sales).0.clone();
    let (_, token) = service::create_token(
        &app.db,
        sales.user_id,
        "short",
        Some(chrono::Utc::now() + chrono::Duration::milliseconds(1500)),
    )
    .await
    .unwrap();
    let (status, v) = post(&b, &token, TRIVIAL, json!({})).await;
    assert_eq!(status, 200, "{v}");
    let before = statements.load(Ordering::SeqCst);
    for _ in 0..5 {
        let (status, v) = post(&b, &token, TRIVIAL, json!({})).await;
        assert_eq!(status, 200, "{v}");
    }
    assert_eq!(
        statements.load(Ordering::SeqCst),
        before,
        "a token verified moments ago is taken from memory"
    );
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let (status, v) = post(&b, &token, TRIVIAL, json!({})).await;
    assert_eq!(status, 401, "{v}");
    assert!(message(&v).contains("expired"), "{v}");
    assert_eq!(
        statements.load(Ordering::SeqCst),
        before,
        "the expiry is known without the database"
    );
}
