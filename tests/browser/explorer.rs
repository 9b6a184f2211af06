//! The API explorer works with no internet: everything it loads comes from
//! the server, it reads the schema with a token and runs requests.

use abutment_erp::{access::Role, config::ApiLimits};
use fantoccini::Locator;
use serde_json::Value;

use crate::{Browser, support};

#[tokio::test]
async fn the_explorer_reads_the_schema_and_runs_a_query_with_the_network_cut_off() {
    let app = support::TestApp::new().await;
    let base = support::serve(&app, ApiLimits::default()).await;
    let b = Browser::start().await;
    let c = &b.client;

    // The cut is real: from a blank page, another host cannot be reached.
    c.goto("about:blank").await.unwrap();
    let outside = b
        .run_async(
            "fetch('http://93.184.215.14/', {mode: 'no-cors'}).then(() => done('reached'), e => done('blocked: ' + e))",
        )
        .await;
    assert!(
        outside.as_str().unwrap().starts_with("blocked"),
        "{outside}"
    );
    let outside = b
        .run_async(
            "fetch('https://unpkg.com/graphiql/graphiql.min.js', {mode: 'no-cors'}).then(() => done('reached'), e => done('blocked: ' + e))",
        )
        .await;
    assert!(
        outside.as_str().unwrap().starts_with("blocked"),
        "{outside}"
    );

    c.goto(&format!("{base}/graphql")).await.unwrap();
    assert_eq!(c.title().await.unwrap(), "abutment-erp · API explorer");
    // Signed out, the schema is not shown and a request is refused.
    b.wait_text("#docs-body", |t| t.contains("Use a token"))
        .await;
    c.find(Locator::Css("#run"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("#status", |t| t.starts_with("HTTP 401")).await;

    // With a token it reads the schema.
    let token = app.user(Role::Sales).1.clone();
    c.find(Locator::Css("#token"))
        .await
        .unwrap()
        .send_keys(&token)
        .await
        .unwrap();
    c.find(Locator::Css("#use-token"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("#auth-state", |t| t.starts_with("Signed in"))
        .await;
    let search = c.find(Locator::Css("#docs-search")).await.unwrap();
    search.send_keys("compatibleAbutments").await.unwrap();
    let docs = b
        .wait_text("#docs-body", |t| t.contains("compatibleAbutments"))
        .await;
    assert!(docs.contains("QueryRoot"), "{docs}");

    // A query with variables runs and its answer is shown.
    let q = c.find(Locator::Css("#query")).await.unwrap();
    q.clear().await.unwrap();
    q.send_keys(
        "query Fits($s: String, $p: String) { compatibleAbutments(system: $s, platform: $p, first: 3) { totalCount edges { node { articleNumber } } } }",
    )
    .await
    .unwrap();
    let v = c.find(Locator::Css("#variables")).await.unwrap();
    v.send_keys(r#"{"s": "NobelActive", "p": "NP"}"#)
        .await
        .unwrap();
    c.find(Locator::Css("#run"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("#status", |t| t.starts_with("HTTP 200")).await;
    let shown = b.wait_text("#response", |t| t.contains("totalCount")).await;
    let shown: Value = serde_json::from_str(&shown).unwrap();
    let total = shown["data"]["compatibleAbutments"]["totalCount"]
        .as_i64()
        .unwrap();
    assert!(total > 0, "{shown}");
    assert_eq!(
        shown["data"]["compatibleAbutments"]["edges"]
            .as_array()
            .unwrap()
            .len() as i64,
        total.min(3)
    );

    // Bad variables are caught before anything is sent.
    v.clear().await.unwrap();
    v.send_keys("{not json").await.unwrap();
    c.find(Locator::Css("#run"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("#status", |t| t.starts_with("Variables:"))
        .await;

    // Everything the page loaded came from the server.
    let loaded = b.loaded().await;
    assert!(loaded.len() >= 3, "{loaded:?}");
    assert!(
        loaded.iter().all(|u| u.starts_with(&base)),
        "loaded from elsewhere: {loaded:?}"
    );
    b.screenshot("explorer").await;
    b.close().await;
}
