//! The sales tour in a real browser, with the keyboard: the seeded demo
//! sales rep asks the finder what fits an implant and is in stock now,
//! opens a SKU's page, creates a case and confirms its best option; the
//! results are checked through the schema, another role is refused, and
//! each page is saved as a screenshot (`SCREENSHOTS=dir`), at 1280 and at
//! 768 pixels wide.

use abutment_erp::{
    access::{Role, service},
    config::ApiLimits,
};
use fantoccini::{Client, Locator};
use serde_json::json;

use crate::{Browser, support};

const ENTER: &str = "\u{E007}";
const TAB: &str = "\u{E004}";
const SPACE: &str = "\u{E00D}";

async fn type_into(c: &Client, css: &str, text: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// The id of the element that has the keyboard focus.
async fn focused(c: &Client) -> String {
    c.active_element()
        .await
        .unwrap()
        .attr("id")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn sign_in(b: &Browser, base: &str, name: &str, password: &str) {
    let c = &b.client;
    c.goto(&format!("{base}/signin")).await.unwrap();
    // The name field has the focus: type, Tab to the password, Enter.
    assert_eq!(focused(c).await, "name");
    c.active_element()
        .await
        .unwrap()
        .send_keys(&format!("{name}{TAB}"))
        .await
        .unwrap();
    assert_eq!(focused(c).await, "password");
    c.active_element()
        .await
        .unwrap()
        .send_keys(&format!("{password}{ENTER}"))
        .await
        .unwrap();
}

#[tokio::test]
async fn the_demo_sales_rep_finds_what_fits_in_stock_opens_a_sku_and_creates_and_confirms_a_case() {
    let app = support::TestApp::new().await;
    let demo = service::create_demo_users(&app.db).await.unwrap();
    let rep = demo.iter().find(|d| d.role == Role::Sales).unwrap();
    let quality = demo.iter().find(|d| d.role == Role::Quality).unwrap();
    let base = support::serve(&app, ApiLimits::default()).await;
    let b = Browser::start().await;
    let c = &b.client;

    sign_in(&b, &base, &rep.name, &rep.password).await;
    b.wait_text("h1", |t| t == "Compatibility finder").await;

    // What fits NobelActive NP and is in stock now? Keyboard only: type,
    // Tab from field to field, Space ticks the box, Enter submits.
    type_into(c, "#system", "NobelActive").await;
    c.active_element()
        .await
        .unwrap()
        .send_keys(TAB)
        .await
        .unwrap();
    assert_eq!(focused(c).await, "platform");
    // The optional script narrows the platforms offered to the system typed.
    let offered = b
        .run_async(
            "done(Array.from(document.querySelectorAll('#platforms option')).map(o => o.dataset.system))",
        )
        .await;
    let offered = offered.as_array().unwrap();
    assert!(!offered.is_empty());
    assert!(offered.iter().all(|s| s == "NobelActive"), "{offered:?}");
    c.active_element()
        .await
        .unwrap()
        .send_keys("NP")
        .await
        .unwrap();
    type_into(c, "#instock", SPACE).await;
    assert!(
        c.find(Locator::Css("#instock"))
            .await
            .unwrap()
            .is_selected()
            .await
            .unwrap()
    );
    type_into(c, "#platform", ENTER).await;
    let count = b
        .wait_text("#results-count", |t| t.contains("in stock now"))
        .await;
    let expected = app
        .run_as(
            Some(Role::Sales),
            "{ compatibleAbutments(system: \"NobelActive\", platform: \"NP\", filter: {inStock: true}, first: 25) {
                totalCount edges { node { articleNumber availability { available earliestExpiry } } } } }",
            json!({}),
        )
        .await;
    let conn = &expected["data"]["compatibleAbutments"];
    let total = conn["totalCount"].as_i64().unwrap();
    assert!(total > 0);
    assert!(
        count.starts_with(&format!("{total} SKU(s) in stock now")),
        "{count}"
    );
    let first = &conn["edges"][0]["node"];
    let article = first["articleNumber"].as_str().unwrap();
    let cell = c
        .find(Locator::Css(&format!(
            "tr[data-article=\"{article}\"] td.available"
        )))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        cell.contains(&format!(
            "{} available now",
            first["availability"]["available"]
        )),
        "{cell}"
    );
    let loaded = b.loaded().await;
    assert!(loaded.iter().all(|u| u.starts_with(&base)), "{loaded:?}");
    c.execute(
        "document.getElementById('results-heading').scrollIntoView()",
        vec![],
    )
    .await
    .unwrap();
    b.screenshot("sales-finder-in-stock").await;
    c.set_window_size(768, 1024).await.unwrap();
    b.screenshot("sales-finder-768").await;
    c.set_window_size(1280, 900).await.unwrap();

    // The SKU's page: every platform it fits and its stock.
    c.find(Locator::Css(&format!("tr[data-article=\"{article}\"] a")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("h1", |t| t == format!("SKU {article}")).await;
    let fits = app
        .run_as(
            Some(Role::Sales),
            "query($a: String!) { abutmentSku(articleNumber: $a) { fits { source } } }",
            json!({"a": article}),
        )
        .await;
    let n = fits["data"]["abutmentSku"]["fits"]
        .as_array()
        .unwrap()
        .len();
    b.wait_text("#fits-heading", |t| t == format!("Fits {n} platform(s)"))
        .await;
    b.screenshot("sales-sku").await;

    // A new case, typed in and sent with Enter.
    c.goto(&format!("{base}/cases/new")).await.unwrap();
    b.wait_text("h1", |t| t == "New case").await;
    for (id, v) in [
        ("clinic", "ZH-SMILE"),
        ("orderReference", "ZS-BROWSER-1"),
        ("patientPseudonym", "P-4X7Q2"),
        ("tooth", "21"),
        ("system", "NobelActive"),
        ("platform", "NP"),
        ("gingivalHeightMm", "1.5"),
    ] {
        type_into(c, &format!("#{id}"), v).await;
    }
    // Restoration and type keep their first choice (single crown, straight).
    let due = (chrono::Utc::now() + chrono::Duration::days(3))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    c.execute(
        "document.getElementById('dueAt').value = arguments[0];",
        vec![json!(due)],
    )
    .await
    .unwrap();
    b.screenshot("cases-new").await;
    type_into(c, "#gingivalHeightMm", ENTER).await;
    b.wait_text("#done", |t| t.starts_with("Case created"))
        .await;
    let path = c.current_url().await.unwrap().path().to_owned();
    let number = path.trim_start_matches("/cases/").to_owned();
    assert!(number.starts_with("CASE-"), "{path}");
    let options = b
        .wait_text("#options-heading", |t| t.starts_with("Options"))
        .await;
    assert!(!options.starts_with("Options (0)"), "{options}");
    b.wait_text("#rejected-heading", |t| t.starts_with("Turned down"))
        .await;
    b.screenshot("cases-case").await;

    // Confirm the best option (the first row) with the keyboard.
    let decision = c
        .find(Locator::Css("tr[data-option=\"0\"]"))
        .await
        .unwrap()
        .attr("data-decision")
        .await
        .unwrap()
        .unwrap();
    type_into(c, "#confirm-0", ENTER).await;
    b.wait_text("#done", |t| t.starts_with("Confirmed")).await;
    let status = b
        .wait_text("#case-status", |t| !t.starts_with("OPEN"))
        .await;
    let case = app
        .run_as(
            Some(Role::Sales),
            "query($n: String) { clinicalCase(number: $n) { status decision reservation { lot { lotNumber } } job { number } } }",
            json!({"n": number}),
        )
        .await;
    let case = &case["data"]["clinicalCase"];
    assert_eq!(case["decision"], decision.as_str());
    if decision == "STOCK" {
        assert_eq!(case["status"], "RESERVED");
        assert!(case["reservation"]["lot"]["lotNumber"].is_string());
    } else {
        assert_eq!(case["status"], "IN_PRODUCTION");
        assert!(case["job"]["number"].is_string());
    }
    assert!(
        status.starts_with(case["status"].as_str().unwrap()),
        "{status}"
    );
    b.screenshot("cases-confirmed").await;

    c.goto(&format!("{base}/cases/at-risk")).await.unwrap();
    b.wait_text("#at-risk-count", |t| t.contains("at risk"))
        .await;
    b.screenshot("cases-at-risk").await;
    c.goto(&format!("{base}/cases/match")).await.unwrap();
    b.wait_text("#match-progress", |t| t.is_empty()).await;
    type_into(c, "#match", ENTER).await;
    b.wait_text("#outcome", |t| t.contains("reserved from stock"))
        .await;
    b.screenshot("cases-match").await;
    let loaded = b.loaded().await;
    assert!(loaded.iter().all(|u| u.starts_with(&base)), "{loaded:?}");

    // Another role: the quality demo user is refused the cases pages.
    c.find(Locator::Css("form.signout button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("h1", |t| t == "Sign in").await;
    sign_in(&b, &base, &quality.name, &quality.password).await;
    b.wait_text("h1", |t| t == "Release desk").await;
    c.goto(&format!("{base}/cases/new")).await.unwrap();
    b.wait_text("h1", |t| t == "Not allowed").await;
    let why = b.wait_text("main .notice", |t| !t.is_empty()).await;
    assert!(why.contains("is not allowed for your role(s)"), "{why}");
    c.goto(&format!("{base}/cases/{number}")).await.unwrap();
    b.wait_text("h1", |t| t == "Not allowed").await;
    b.close().await;
}
