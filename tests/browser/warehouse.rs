//! The warehouse console in a real browser: the demo warehouse user signs
//! in and lands on the scan station, scans a label whose group separator
//! is typed as a scanner types it, sees a blocked lot in red, receives a
//! lot from a label not received yet, picks a reservation (refused for a
//! unit of another lot) and ships it, opens the stock pages, and the pages
//! still fit at tablet width; the results are read back through the
//! schema. A sales rep is refused the scan station.

use abutment_erp::{
    access::{Role, service},
    config::ApiLimits,
};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use crate::{Browser, support};

/// WebDriver's Enter key, as a scanner ends a label.
const ENTER: char = '\u{E007}';
/// The GS1 group separator (ASCII 29), as a scanner sends it.
const GS: char = '\u{1d}';
/// WebDriver's Control key, and the key that releases held modifiers.
const CONTROL: char = '\u{E009}';
const RELEASE: char = '\u{E000}';

async fn sign_in(b: &Browser, base: &str, name: &str, password: &str) {
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

/// Types into the focused element, as a keyboard-wedge scanner does: the
/// characters of the label, the group separator as Ctrl+] (ASCII 29 is
/// Ctrl+] on a keyboard), and Enter.
async fn scan(c: &Client, text: &str) {
    let keys: String = text
        .chars()
        .map(|ch| {
            if ch == GS {
                format!("{CONTROL}]{RELEASE}")
            } else {
                ch.to_string()
            }
        })
        .collect();
    let focused = c.active_element().await.unwrap();
    assert_eq!(
        focused.attr("id").await.unwrap().as_deref(),
        Some("code"),
        "the scan field has the focus"
    );
    focused.send_keys(&format!("{keys}{ENTER}")).await.unwrap();
}

async fn fill(c: &Client, css: &str, text: &str) {
    let e = c.find(Locator::Css(css)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

/// Released, unexpired lots of finished parts on a stock shelf.
async fn shelf_lots(app: &support::TestApp) -> Vec<Value> {
    let d = app
        .data(
            "{ stock(filter: {state: RELEASED, location: \"MAIN/STOCK/A-01\"}, first: 50) { edges { node {
                 lot { id lotNumber effectiveState expiryDate sku { gtin articleNumber } } } } } }",
            json!({}),
        )
        .await;
    d["stock"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["lot"].clone())
        // With an expiry, so that the label has a group separator to type.
        .filter(|l| l["effectiveState"] == "RELEASED" && l["expiryDate"].is_string())
        .collect()
}

/// A lot's label as the scanner types it: GTIN, lot, GS, expiry.
fn label(l: &Value) -> String {
    let mut s = format!(
        "01{}10{}",
        l["sku"]["gtin"].as_str().unwrap(),
        l["lotNumber"].as_str().unwrap()
    );
    if let Some(e) = l["expiryDate"].as_str() {
        let d = chrono::NaiveDate::parse_from_str(e, "%Y-%m-%d").unwrap();
        s.push(GS);
        s.push_str(&format!("17{}", d.format("%y%m%d")));
    }
    s
}

#[tokio::test]
async fn the_demo_warehouse_user_scans_receives_picks_and_ships_by_keyboard_and_scanner() {
    let app = support::TestApp::new().await;
    let demo = service::create_demo_users(&app.db).await.unwrap();
    let wh = demo.iter().find(|d| d.role == Role::Warehouse).unwrap();
    let rep = demo.iter().find(|d| d.role == Role::Sales).unwrap();
    let lots = shelf_lots(&app).await;
    let (lot, other) = (&lots[0], &lots[1]);
    let base = support::serve(&app, ApiLimits::default()).await;
    let b = Browser::start().await;
    let c = &b.client;
    c.set_window_size(1280, 800).await.unwrap();

    // Signed in, the warehouse lands on the scan station, its field focused.
    sign_in(&b, &base, &wh.name, &wh.password).await;
    b.wait_text("h1", |t| t == "Scan station").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/warehouse/scan");
    b.screenshot("warehouse-scan").await;

    // A known lot, its group separator typed as a scanner types it.
    scan(c, &label(lot)).await;
    let number = lot["lotNumber"].as_str().unwrap();
    b.wait_text("#lot-number", |t| t == number).await;
    let band = c.find(Locator::Css("#lot-state")).await.unwrap();
    assert_eq!(
        band.attr("class").await.unwrap().as_deref(),
        Some("state state-ok")
    );
    assert!(band.text().await.unwrap().contains("Released: usable"));
    let actions = b.wait_text("#lot-stock", |t| t.contains("Transfer")).await;
    assert!(
        actions.contains("Count") && actions.contains("Move to quarantine"),
        "{actions}"
    );
    b.run_async("document.getElementById('scan-heading').scrollIntoView(); done(1)")
        .await;
    b.screenshot("warehouse-lot").await;

    // A lot in quarantine: blocked, in words and in red.
    let q = app
        .data(
            "{ stock(filter: {state: QUARANTINE, location: \"MAIN/RECV/DOCK-1\"}, first: 50) { edges { node { lot { udi } } } } }",
            json!({}),
        )
        .await;
    let udi = q["stock"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|e| e["node"]["lot"]["udi"].as_str())
        .expect("a seeded finished lot in quarantine at the dock");
    scan(c, udi).await;
    let words = b
        .wait_text("#lot-state", |t| t.starts_with("QUARANTINE"))
        .await;
    assert!(words.contains("do not use or ship"), "{words}");
    let band = c.find(Locator::Css("#lot-state")).await.unwrap();
    assert_eq!(
        band.attr("class").await.unwrap().as_deref(),
        Some("state state-blocked")
    );
    let colour = b
        .run_async("done(getComputedStyle(document.getElementById('lot-state')).backgroundColor)")
        .await;
    assert_eq!(colour, json!("rgb(164, 14, 38)"));
    b.screenshot("warehouse-blocked").await;

    // A label not received yet: the receipt form, filled in from it.
    let gtin = lot["sku"]["gtin"].as_str().unwrap();
    scan(c, &format!("01{gtin}10BR-NEW-1{GS}17300630{GS}11260101")).await;
    b.wait_text("#scan-heading", |t| {
        t.contains("Not received yet: lot BR-NEW-1")
    })
    .await;
    let dock = c
        .find(Locator::Css("#location"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(dock.as_deref(), Some("MAIN/RECV/DOCK-1"));
    fill(c, "#quantity", "0").await;
    fill(c, "#reference", "PO-BROWSER-1").await;
    b.screenshot("warehouse-receive").await;
    c.find(Locator::Css("#receive"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Zero pieces: named beside the field, nothing received.
    b.wait_text("#quantity-error", |t| !t.is_empty()).await;
    let before = app.count("lot").await;
    fill(c, "#quantity", "15").await;
    c.find(Locator::Css("#receive"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("h1", |t| t == "Received").await;
    let row = b.wait_text("#ledger-row", |t| t.contains("RECEIPT")).await;
    assert!(row.contains("PO-BROWSER-1") && row.contains("15"), "{row}");
    b.screenshot("warehouse-received").await;
    let got = app
        .data(
            "query($a: String!) { lot(lotNumber: \"BR-NEW-1\", articleNumber: $a) { state expiryDate quantities { onHand } } }",
            json!({ "a": lot["sku"]["articleNumber"] }),
        )
        .await;
    assert_eq!(got["lot"]["state"], "QUARANTINE");
    assert_eq!(got["lot"]["expiryDate"], "2030-06-30");
    assert_eq!(got["lot"]["quantities"]["onHand"], 15);
    assert_eq!(app.count("lot").await, before + 1);

    // A reservation to pick, found by its reference with the keyboard.
    let r = app
        .data(
            "mutation($l: ID!) { reserveStock(input: {lotId: $l, quantity: 1, reference: \"CASE-BROWSER-1\"}) { reservations { id } } }",
            json!({ "l": lot["id"] }),
        )
        .await;
    let reservation = r["reserveStock"]["reservations"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    c.find(Locator::LinkText("Pick"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("h1", |t| t == "Pick").await;
    c.find(Locator::Css("#reference"))
        .await
        .unwrap()
        .send_keys(&format!("CASE-BROWSER-1{ENTER}"))
        .await
        .unwrap();
    b.wait_text("#pick-list", |t| t.contains(number)).await;
    c.find(Locator::Css("#pick-list a.action"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("#reservation-reference", |t| t == "CASE-BROWSER-1")
        .await;

    // The wrong unit is refused beside the scan field; nothing is recorded.
    scan(c, &label(other)).await;
    let refusal = b
        .wait_text("#code-error", |t| t.contains("put it back"))
        .await;
    assert!(
        refusal.contains(other["lotNumber"].as_str().unwrap()),
        "{refusal}"
    );
    b.screenshot("warehouse-pick-refused").await;
    let picks = async || {
        let d = app
            .data(
                "query($id: ID!) { node(id: $id) { ... on Lot { movements(first: 500) { edges { node { reason reference } } } } } }",
                json!({ "id": lot["id"] }),
            )
            .await;
        d["node"]["movements"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["node"]["reason"] == "PICK")
            .count()
    };
    assert_eq!(picks().await, 0);

    // The right unit is picked: the PICK row is shown and in the ledger.
    scan(c, &label(lot)).await;
    b.wait_text("h1", |t| t == "Picked").await;
    b.wait_text("#ledger-row", |t| t.contains("PICK")).await;
    assert_eq!(picks().await, 1);
    b.screenshot("warehouse-picked").await;

    // Shipping asks for the consignee.
    c.find(Locator::LinkText("Ship it"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("h1", |t| t == "Ship").await;
    c.find(Locator::Css("#clinic"))
        .await
        .unwrap()
        .select_by_value("ZH-SMILE")
        .await
        .unwrap();
    b.screenshot("warehouse-ship").await;
    c.find(Locator::Css("#ship"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("h1", |t| t == "Shipped").await;
    b.wait_text("#ledger-row", |t| t.contains("SHIPMENT")).await;
    let shipped = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Reservation { status } } }",
            json!({ "id": reservation }),
        )
        .await;
    assert_eq!(shipped["node"]["status"], "SHIPPED");

    // The stock pages.
    c.goto(&format!(
        "{base}/warehouse/stock?sku={}",
        lot["sku"]["articleNumber"].as_str().unwrap()
    ))
    .await
    .unwrap();
    b.wait_text("#lines-count", |t| t.contains("line(s)")).await;
    b.screenshot("warehouse-stock").await;
    c.goto(&format!("{base}/warehouse/expiring?days=400"))
        .await
        .unwrap();
    b.wait_text("#lines-count", |t| t.contains("lot(s)")).await;
    b.screenshot("warehouse-expiring").await;
    c.goto(&format!(
        "{base}/warehouse/lot?id={}",
        lot["id"].as_str().unwrap()
    ))
    .await
    .unwrap();
    b.wait_text("#ledger", |t| t.contains("SHIPMENT")).await;
    b.screenshot("warehouse-ledger").await;

    // Everything the pages loaded came from the server.
    let loaded = b.loaded().await;
    assert!(
        loaded.iter().all(|u| u.starts_with(&base)),
        "loaded from elsewhere: {loaded:?}"
    );

    // At tablet width the scan station still fits: nothing scrolls sideways.
    c.set_window_size(768, 1024).await.unwrap();
    c.goto(&format!("{base}/warehouse/scan")).await.unwrap();
    scan(c, &label(lot)).await;
    b.wait_text("#lot-number", |t| t == number).await;
    let fits = b
        .run_async("done(document.documentElement.scrollWidth <= window.innerWidth)")
        .await;
    assert_eq!(fits, json!(true));
    b.screenshot("warehouse-tablet").await;
    c.set_window_size(1280, 800).await.unwrap();

    // Another role: the scan station is refused.
    c.find(Locator::Css("form.signout button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("h1", |t| t == "Sign in").await;
    sign_in(&b, &base, &rep.name, &rep.password).await;
    b.wait_text("h1", |t| t == "Compatibility finder").await;
    c.goto(&format!("{base}/warehouse/scan")).await.unwrap();
    let why = b.wait_text("h1", |t| t == "Not allowed").await;
    assert_eq!(why, "Not allowed");
    let nav = c
        .find(Locator::Css("header.top nav"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!nav.contains("Scan station"), "{nav}");
    b.close().await;
}
