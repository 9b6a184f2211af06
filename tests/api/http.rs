//! Over real HTTP: the router the server runs, on a loopback port.

use abutment_erp::config::ApiLimits;
use serde_json::{Value, json};

use crate::support::TestApp;

async fn serve(app: &TestApp, limits: ApiLimits) -> String {
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
