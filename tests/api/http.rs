//! Over real HTTP: the router the server runs, on a loopback port.

use abutment_erp::config::ApiLimits;
use serde_json::{Value, json};

use crate::support::TestApp;

pub async fn serve(app: &TestApp, limits: ApiLimits) -> String {
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
async fn a_sales_lookup_over_http_returns_json_and_health_is_open() {
    let app = TestApp::new().await;
    let base = serve(&app, ApiLimits::default()).await;
    let client = reqwest::Client::new();
    let health: Value = client
        .get(format!("{base}/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let resp: Value = client
        .post(format!("{base}/graphql"))
        .bearer_auth(app.user(abutment_erp::access::Role::Sales).1.clone())
        .json(&json!({"query": r#"{ compatibleAbutments(system: "Certain", platform: "4.1", first: 5) { totalCount edges { node { articleNumber } } } }"#}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(resp.get("errors").is_none(), "{resp}");
    assert_eq!(
        resp["data"]["compatibleAbutments"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
}

#[tokio::test]
async fn graphiql_is_served_in_a_browser_and_can_be_switched_off() {
    let app = TestApp::empty().await;
    let base = serve(&app, ApiLimits::default()).await;
    let page = reqwest::get(format!("{base}/graphql"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.to_lowercase().contains("graphiql"));
    let off = serve(
        &app,
        ApiLimits {
            graphiql: false,
            ..ApiLimits::default()
        },
    )
    .await;
    assert_eq!(
        reqwest::get(format!("{off}/graphql"))
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_without_work() {
    let app = TestApp::empty().await;
    let base = serve(
        &app,
        ApiLimits {
            max_body_bytes: 64 * 1024,
            ..ApiLimits::default()
        },
    )
    .await;
    let big = "x".repeat(200 * 1024);
    let status = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .header("content-type", "application/json")
        .body(format!(r#"{{"query":"{{ __typename }}","x":"{big}"}}"#))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 413);
}

pub async fn post(base: &str, auth: Option<&str>, body: Value) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&body);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn code(v: &Value) -> &str {
    v["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn over_http_bad_credentials_are_unauthenticated_with_the_reason() {
    let app = TestApp::new().await;
    let base = serve(&app, ApiLimits::default()).await;
    let q = json!({"query": "{ manufacturers { totalCount } }"});
    let (_, v) = post(&base, None, q.clone()).await;
    assert_eq!(code(&v), "UNAUTHENTICATED");
    let (_, v) = post(&base, Some("Token abc"), q.clone()).await;
    assert_eq!(code(&v), "UNAUTHENTICATED");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("malformed"),
        "{v}"
    );
    let (_, v) = post(&base, Some("Bearer abt_nope"), q.clone()).await;
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("unknown token"),
        "{v}"
    );

    let (admin, token) = app.user(abutment_erp::access::Role::Admin).clone();
    let (status, v) = post(&base, Some(&format!("Bearer {token}")), q.clone()).await;
    assert_eq!(status, 200);
    assert!(
        v["data"]["manufacturers"]["totalCount"].as_u64().unwrap() > 5,
        "{v}"
    );

    // Expired and revoked tokens are refused.
    let (t, expiring) = abutment_erp::access::service::create_token(
        &app.db,
        admin.user_id,
        "short",
        Some(chrono::Utc::now() + chrono::Duration::seconds(1)),
    )
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let (_, v) = post(&base, Some(&format!("Bearer {expiring}")), q.clone()).await;
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{v}"
    );
    abutment_erp::access::service::revoke_token(&app.db, t.id)
        .await
        .unwrap();
    abutment_erp::access::service::revoke_token(&app.db, admin.token_id.unwrap())
        .await
        .unwrap();
    let (_, v) = post(&base, Some(&format!("Bearer {token}")), q).await;
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("revoked"),
        "{v}"
    );
}

#[tokio::test]
async fn over_http_a_token_over_its_rate_gets_429() {
    let app = TestApp::empty().await;
    let base = serve(
        &app,
        ApiLimits {
            rate_limit_per_second: 1,
            rate_limit_burst: 3,
            ..ApiLimits::default()
        },
    )
    .await;
    let token = app.user(abutment_erp::access::Role::Sales).1.clone();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            post(
                &base,
                Some(&format!("Bearer {token}")),
                json!({"query": "{ me { name } }"}),
            )
            .await
            .0,
        );
    }
    assert!(statuses[..3].iter().all(|s| *s == 200), "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
}

#[tokio::test]
async fn over_http_a_10_mb_body_is_refused_before_parsing() {
    let app = TestApp::empty().await;
    let base = serve(&app, ApiLimits::default()).await;
    let big = "x".repeat(10 * 1024 * 1024);
    let status = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .header("content-type", "application/json")
        .body(format!(r#"{{"query":"{{ __typename }}","x":"{big}"}}"#))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 413);
}

#[tokio::test]
async fn stock_and_ledger_export_as_streamed_csv_for_the_allowed_roles() {
    let app = TestApp::new().await;
    let base = serve(&app, ApiLimits::default()).await;
    let get = |path: &str, token: Option<String>| {
        let mut r = reqwest::Client::new().get(format!("{base}{path}"));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    let wh = app.user(abutment_erp::access::Role::Warehouse).1.clone();
    let sales = app.user(abutment_erp::access::Role::Sales).1.clone();
    let resp = get("/export/stock.csv", Some(sales.clone())).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = resp.text().await.unwrap();
    assert!(text.starts_with(
        "lot_id,lot_number,item_id,state,effective_state,expiry_date,location,on_hand,reserved"
    ));
    let balances = app.count("stock_balance WHERE on_hand > 0").await;
    assert_eq!(text.lines().count() as i64, balances + 1);
    assert_eq!(
        get("/export/ledger.csv", Some(sales))
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(get("/export/ledger.csv", None).await.unwrap().status(), 401);
    let ledger = get("/export/ledger.csv", Some(wh))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        ledger.lines().count() as i64,
        app.count("stock_movement").await + 1
    );
}
