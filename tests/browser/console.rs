//! The console in a real browser: the seeded demo sales rep signs in with
//! the password printed at first start, asks the compatibility finder what
//! fits an implant and whether it is in stock, and signs out; everything
//! the pages load comes from the server.

use abutment_erp::{
    access::{Role, service},
    config::ApiLimits,
};
use fantoccini::Locator;
use serde_json::json;

use crate::{Browser, support};

#[tokio::test]
async fn the_demo_sales_rep_signs_in_finds_what_fits_an_implant_with_its_stock_and_signs_out() {
    let app = support::TestApp::new().await;
    let demo = service::create_demo_users(&app.db).await.unwrap();
    let rep = demo.iter().find(|d| d.role == Role::Sales).unwrap();
    let base = support::serve(&app, ApiLimits::default()).await;
    let b = Browser::start().await;
    let c = &b.client;

    // Signed out, `/` is the sign-in page.
    c.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(c.current_url().await.unwrap().path(), "/signin");
    assert_eq!(c.title().await.unwrap(), "Sign in · abutment-erp");
    b.screenshot("signin").await;
    c.find(Locator::Css("#name"))
        .await
        .unwrap()
        .send_keys(&rep.name)
        .await
        .unwrap();
    c.find(Locator::Css("#password"))
        .await
        .unwrap()
        .send_keys(&rep.password)
        .await
        .unwrap();
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // The sales home is the finder; the header names the rep.
    b.wait_text("h1", |t| t == "Compatibility finder").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/sales/finder");
    let who = b.wait_text(".who", |t| t.contains(&rep.name)).await;
    assert!(who.contains("SALES"), "{who}");

    // What fits NobelActive NP, and is it in stock?
    c.find(Locator::Css("#system"))
        .await
        .unwrap()
        .send_keys("NobelActive")
        .await
        .unwrap();
    c.find(Locator::Css("#platform"))
        .await
        .unwrap()
        .send_keys("NP")
        .await
        .unwrap();
    c.find(Locator::Css("#find"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let count = b
        .wait_text("#results-count", |t| t.contains("SKU(s)"))
        .await;

    // The page agrees with the schema.
    let expected = app
        .run_as(
            Some(Role::Sales),
            "{ compatibleAbutments(system: \"NobelActive\", platform: \"NP\", first: 1) { totalCount edges { node { articleNumber } } } }",
            json!({}),
        )
        .await;
    let total = expected["data"]["compatibleAbutments"]["totalCount"]
        .as_i64()
        .unwrap();
    assert!(count.starts_with(&format!("{total} SKU(s)")), "{count}");
    let first = expected["data"]["compatibleAbutments"]["edges"][0]["node"]["articleNumber"]
        .as_str()
        .unwrap();
    let row = c
        .find(Locator::Css(&format!(
            "tr[data-article=\"{first}\"] td.available"
        )))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        row.contains("available") || row.contains("custom only"),
        "{row}"
    );

    // Everything the page loaded came from the server.
    let loaded = b.loaded().await;
    assert!(
        loaded.iter().all(|u| u.starts_with(&base)),
        "loaded from elsewhere: {loaded:?}"
    );
    b.screenshot("sales-finder").await;

    // Signing out ends the session: the finder sends back to sign-in.
    c.find(Locator::Css("form.signout button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("h1", |t| t == "Sign in").await;
    c.goto(&format!("{base}/sales/finder")).await.unwrap();
    assert_eq!(c.current_url().await.unwrap().path(), "/signin");
    b.close().await;
}
