//! The quality console in a real browser: the demo quality engineer signs
//! in and lands on the release desk, inspects a job and releases its lot,
//! traces the seeded heat forward, runs the seeded mock-recall drill, and
//! runs a real recall from scope to closure through the pages — preview,
//! activation, every consignee notified, a return and a confirmed use,
//! closure refused without and accepted with a justification — and opens
//! its printable report; each result is read back through the schema. The
//! warehouse is refused the quality pages.

use abutment_erp::{
    access::{Role, service},
    config::ApiLimits,
};
use fantoccini::{Client, Locator};
use serde_json::json;

use crate::{Browser, support};

const ENTER: char = '\u{E007}';

pub(crate) async fn sign_in(b: &Browser, base: &str, name: &str, password: &str) {
    let c = &b.client;
    c.goto(&format!("{base}/signin")).await.unwrap();
    c.find(Locator::Css("#name"))
        .await
        .unwrap()
        .send_keys(name)
        .await
        .unwrap();
    c.find(Locator::Css("#password"))
        .await
        .unwrap()
        .send_keys(&format!("{password}{ENTER}"))
        .await
        .unwrap();
}

pub(crate) async fn fill(c: &Client, css: &str, text: &str) {
    let e = c.find(Locator::Css(css)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

pub(crate) async fn choose(c: &Client, css: &str, value: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

pub(crate) async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

pub(crate) async fn sign_out(b: &Browser) {
    click(&b.client, "form.signout button").await;
    b.wait_text("h1", |t| t == "Sign in").await;
}

async fn lot(app: &support::TestApp, number: &str) -> serde_json::Value {
    app.data(
        "query($n: String!) { lot(lotNumber: $n) { id state effectiveState } }",
        json!({ "n": number }),
    )
    .await["lot"]
        .clone()
}

#[tokio::test]
async fn the_quality_engineer_releases_a_lot_traces_a_heat_drills_and_runs_a_recall_to_closure() {
    let app = support::TestApp::new().await;
    let demo = service::create_demo_users(&app.db).await.unwrap();
    let qe = demo.iter().find(|d| d.role == Role::Quality).unwrap();
    let wh = demo.iter().find(|d| d.role == Role::Warehouse).unwrap();
    let base = support::serve(&app, ApiLimits::default()).await;
    let b = Browser::start().await;
    let c = &b.client;
    c.set_window_size(1280, 900).await.unwrap();

    // The release desk: inspect the seeded job, then release its lot.
    sign_in(&b, &base, &qe.name, &qe.password).await;
    b.wait_text("h1", |t| t == "Release desk").await;
    b.screenshot("quality-release").await;
    choose(c, "#result-JOB-000002", "PASS").await;
    fill(c, "#note-JOB-000002", "CMM 5/5 in tolerance").await;
    click(c, "#inspect-JOB-000002").await;
    b.wait_text("#desk-done", |t| t.contains("JOB-000002 is DONE"))
        .await;
    choose(c, "#state-JOB-000002", "RELEASED").await;
    fill(c, "#reason-JOB-000002", "IR-2026-311 passed").await;
    click(c, "#decide-JOB-000002").await;
    b.wait_text("#desk-done", |t| t.contains("JOB-000002 is now RELEASED"))
        .await;
    assert_eq!(lot(&app, "JOB-000002").await["state"], "RELEASED");

    // The seeded heat, traced forward: every level and consignee.
    c.goto(&format!("{base}/quality/trace")).await.unwrap();
    choose(c, "#scope", "heat").await;
    fill(c, "#value", "H-7721-A").await;
    click(c, "#trace-forward").await;
    let lots = b.wait_text("#total-lots", |t| !t.is_empty()).await;
    let t = app
        .data(
            "{ traceForward(scope: {heatNumber: \"H-7721-A\"}) { totals { lots consignees } } }",
            json!({}),
        )
        .await;
    assert!(
        lots.starts_with(&t["traceForward"]["totals"]["lots"].to_string()),
        "{lots}"
    );
    click(c, "details.level:nth-of-type(2) > summary").await;
    b.screenshot("quality-trace").await;

    // The seeded mock recall: timed, nothing changed.
    let recalls = app.count("recall").await;
    c.goto(&format!("{base}/quality/recalls")).await.unwrap();
    click(c, "#drill").await;
    let ms = b.wait_text("#drill-ms", |t| t.ends_with(" ms")).await;
    assert!(
        ms.trim_end_matches(" ms").parse::<f64>().unwrap() >= 0.0,
        "{ms}"
    );
    b.screenshot("quality-drill").await;
    assert_eq!(app.count("recall").await, recalls);

    // A real recall of the stock lot JOB-000001, scope to closure.
    c.goto(&format!("{base}/quality/recalls")).await.unwrap();
    choose(c, "#scope", "lot").await;
    fill(c, "#value", "JOB-000001").await;
    choose(c, "#class", "CLASS_II").await;
    fill(c, "#reason", "Burr on the screw seat found at a clinic").await;
    click(c, "#create-recall").await;
    b.wait_text("#recall-status", |t| t == "DRAFT").await;
    let number = b
        .wait_text("#recall-number", |t| t.starts_with("RC-"))
        .await;
    b.screenshot("quality-recall-preview").await;
    click(c, "#activate").await;
    b.wait_text("#recall-status", |t| t == "ACTIVE").await;
    assert_eq!(lot(&app, "JOB-000001").await["effectiveState"], "RECALLED");
    let lot_id = lot(&app, "JOB-000001").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for i in 0..3 {
        click(c, &format!("#consignee-{i} > summary")).await;
        choose(c, &format!("#via-{i}"), "EMAIL").await;
        fill(c, &format!("#note-{i}"), "field safety notice FSN-31").await;
        click(c, &format!("#notify-{i}")).await;
        b.wait_text("#recall-done", |t| t.starts_with("Notification"))
            .await;
    }
    click(c, "#consignee-0 > summary").await;
    choose(c, "#return-lot-0", &lot_id).await;
    fill(c, "#return-quantity-0", "1").await;
    click(c, "#return-0").await;
    b.wait_text("#recall-done", |t| t.contains("returned"))
        .await;
    click(c, "#consignee-1 > summary").await;
    choose(c, "#usage-lot-1", &lot_id).await;
    fill(c, "#usage-quantity-1", "1").await;
    click(c, "#usage-1").await;
    b.wait_text("#recall-done", |t| t.contains("used")).await;
    b.wait_text("#outstanding", |t| t == "1").await;
    b.screenshot("quality-recall-checklist").await;
    // One unit outstanding: closing wants a justification.
    click(c, "#close").await;
    b.wait_text("#justification-error", |t| t.contains("outstanding"))
        .await;
    fill(
        c,
        "#justification",
        "third clinic: patient not reachable, CAPA-2026-031",
    )
    .await;
    click(c, "#close").await;
    b.wait_text("#recall-status", |t| t == "CLOSED").await;
    let r = app
        .data("query($n: String!) { recall(number: $n) { status consignees { notifiedVia returned used outstanding } } }", json!({ "n": number }))
        .await;
    assert_eq!(r["recall"]["status"], "CLOSED");
    let cs = r["recall"]["consignees"].as_array().unwrap();
    assert!(cs.iter().all(|c| c["notifiedVia"] == "EMAIL"));
    assert_eq!(
        cs.iter()
            .map(|c| c["outstanding"].as_i64().unwrap())
            .sum::<i64>(),
        1
    );
    click(c, "#report-link").await;
    b.wait_text("h1", |t| t.starts_with("Recall report")).await;
    b.wait_text("#report-status", |t| t == "CLOSED").await;
    b.screenshot("quality-recall-report").await;
    let loaded = b.loaded().await;
    assert!(loaded.iter().all(|u| u.starts_with(&base)), "{loaded:?}");

    // The warehouse is refused the quality pages.
    sign_out(&b).await;
    sign_in(&b, &base, &wh.name, &wh.password).await;
    b.wait_text("h1", |t| t == "Scan station").await;
    c.goto(&format!("{base}/quality/recalls")).await.unwrap();
    b.wait_text("h1", |t| t == "Not allowed").await;
    b.close().await;
}
