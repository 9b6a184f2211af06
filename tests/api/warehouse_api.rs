//! What the warehouse console needed from the API, for every client:
//! `pickReservation` (the unit's label checked against the reservation's
//! lot), `Lot.openReservations` and `stockTotals`.

use abutment_erp::access::Role;
use serde_json::{Value, json};

use crate::support::{TestApp, user_errors};

const PICK: &str = "mutation($r: ID!, $code: String!) { pickReservation(input: {reservationId: $r, code: $code}) {
    movement { reason quantity reference note fromLocation { code } toLocation { code } } userErrors { code field message } } }";

/// Two released lots of finished parts on stock shelves: (id, lot number, GTIN, expiry).
async fn two_lots(app: &TestApp) -> Vec<(String, String, String, Option<String>)> {
    let d = app
        .data(
            "{ stock(filter: {state: RELEASED, location: \"MAIN/STOCK/A-01\"}, first: 50) { edges { node {
                 lot { id lotNumber effectiveState expiryDate sku { gtin } } } } } }",
            json!({}),
        )
        .await;
    d["stock"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"]["lot"])
        .filter(|l| l["effectiveState"] == "RELEASED")
        .map(|l| {
            (
                l["id"].as_str().unwrap().to_owned(),
                l["lotNumber"].as_str().unwrap().to_owned(),
                l["sku"]["gtin"].as_str().unwrap().to_owned(),
                l["expiryDate"].as_str().map(str::to_owned),
            )
        })
        .take(2)
        .collect()
}

fn label(gtin: &str, lot: &str) -> String {
    format!("01{gtin}10{lot}\u{1d}21SN-1")
}

async fn reserve(app: &TestApp, lot: &str, reference: &str) -> String {
    let d = app
        .data(
            "mutation($l: ID!, $r: String!) { reserveStock(input: {lotId: $l, quantity: 2, reference: $r}) { reservations { id } userErrors { message } } }",
            json!({ "l": lot, "r": reference }),
        )
        .await;
    d["reserveStock"]["reservations"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{d}"))
        .to_owned()
}

async fn quantities(app: &TestApp, lot: &str) -> Value {
    app.data(
        "query($id: ID!) { node(id: $id) { ... on Lot { quantities { onHand reserved available } stock { location { code } onHand reserved } } } }",
        json!({ "id": lot }),
    )
    .await["node"]
        .clone()
}

#[tokio::test]
async fn a_pick_checks_the_scanned_label_against_the_reservations_lot_and_moves_nothing() {
    let app = TestApp::new().await;
    let lots = two_lots(&app).await;
    let [(lot, number, gtin, _), (_, other, other_gtin, _)] = &lots[..] else {
        panic!("two released lots on MAIN/STOCK/A-01: {lots:?}");
    };
    let r = reserve(&app, lot, "CASE-P-1").await;
    let before = quantities(&app, lot).await;
    let rows = app.count("stock_movement").await;

    // Another lot, a label without a lot, text that is not GS1: refused on input.code.
    for (code, says) in [
        (label(other_gtin, other), format!("lot {other}")),
        (
            format!("01{gtin}"),
            "must carry the GTIN (01) and the lot (10)".into(),
        ),
        ("not a label".to_owned(), "GS1".into()),
    ] {
        let d = app
            .run_as(Some(Role::Warehouse), PICK, json!({ "r": r, "code": code }))
            .await;
        let errs = user_errors(&d["data"]);
        assert_eq!(errs.len(), 1, "{d}");
        assert_eq!(errs[0].1, "input.code", "{d}");
        assert!(errs[0].2.contains(&says), "{code}: {}", errs[0].2);
        if code.contains(other.as_str()) {
            assert!(errs[0].2.contains("reservation") && errs[0].2.contains(number.as_str()));
        }
    }
    assert_eq!(app.count("stock_movement").await, rows, "nothing recorded");

    // The reservation's own lot: a PICK row at its location, no stock moved.
    let d = app
        .run_as(
            Some(Role::Warehouse),
            PICK,
            json!({ "r": r, "code": label(gtin, number) }),
        )
        .await;
    let m = &d["data"]["pickReservation"]["movement"];
    assert_eq!(m["reason"], "PICK", "{d}");
    assert_eq!(m["quantity"], 2);
    assert_eq!(m["reference"], "CASE-P-1");
    assert_eq!(m["fromLocation"]["code"], "MAIN/STOCK/A-01");
    assert_eq!(m["toLocation"]["code"], "MAIN/STOCK/A-01");
    assert_eq!(quantities(&app, lot).await, before);
    assert!(
        abutment_erp::inventory::service::verify(&app.db)
            .await
            .unwrap()
            .is_empty(),
        "the ledger still explains every balance"
    );

    // Only open reservations of usable lots are picked; only the warehouse picks.
    app.data(
        "mutation($r: ID!) { shipReservation(input: {reservationId: $r, consignee: {clinic: \"ZH-SMILE\"}}) { userErrors { message } } }",
        json!({ "r": r }),
    )
    .await;
    let d = app
        .run_as(
            Some(Role::Warehouse),
            PICK,
            json!({ "r": r, "code": label(gtin, number) }),
        )
        .await;
    let errs = user_errors(&d["data"]);
    assert_eq!(errs[0].1, "input.reservationId", "{d}");
    assert!(errs[0].2.contains("SHIPPED"), "{d}");
    let d = app
        .run_as(
            Some(Role::Sales),
            PICK,
            json!({ "r": r, "code": label(gtin, number) }),
        )
        .await;
    assert_eq!(d["errors"][0]["extensions"]["code"], "FORBIDDEN", "{d}");
}

#[tokio::test]
async fn a_reservation_of_a_lot_put_on_hold_is_not_picked() {
    let app = TestApp::new().await;
    let (lot, number, gtin, _) = two_lots(&app).await.remove(0);
    let r = reserve(&app, &lot, "CASE-P-2").await;
    app.data(
        "mutation($l: ID!) { changeLotState(input: {lotId: $l, state: ON_HOLD, reason: \"complaint\"}) { userErrors { message } } }",
        json!({ "l": lot }),
    )
    .await;
    let d = app
        .run_as(
            Some(Role::Warehouse),
            PICK,
            json!({ "r": r, "code": label(&gtin, &number) }),
        )
        .await;
    let errs = user_errors(&d["data"]);
    assert_eq!(errs.len(), 1, "{d}");
    assert_eq!(errs[0].1, "input.reservationId");
    assert!(errs[0].2.contains("ON_HOLD"), "{}", errs[0].2);
}

#[tokio::test]
async fn a_lot_lists_its_open_reservations_until_they_ship_or_are_released() {
    let app = TestApp::new().await;
    let (lot, ..) = two_lots(&app).await.remove(0);
    let a = reserve(&app, &lot, "CASE-O-1").await;
    let b = reserve(&app, &lot, "CASE-O-2").await;
    let open = async || -> Vec<String> {
        let d = app
            .run_as(
                Some(Role::Warehouse),
                "query($id: ID!) { node(id: $id) { ... on Lot { openReservations { id reference quantity } } } }",
                json!({ "id": lot }),
            )
            .await;
        d["data"]["node"]["openReservations"]
            .as_array()
            .unwrap_or_else(|| panic!("{d}"))
            .iter()
            .map(|r| r["reference"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(open().await, ["CASE-O-1", "CASE-O-2"]);
    app.data(
        "mutation($r: ID!) { releaseReservation(input: {reservationId: $r}) { userErrors { message } } }",
        json!({ "r": a }),
    )
    .await;
    assert_eq!(open().await, ["CASE-O-2"]);
    app.data(
        "mutation($r: ID!) { shipReservation(input: {reservationId: $r, consignee: {clinic: \"ZH-SMILE\"}}) { userErrors { message } } }",
        json!({ "r": b }),
    )
    .await;
    assert!(open().await.is_empty());
}

#[tokio::test]
async fn stock_totals_add_up_every_page_of_the_same_filter() {
    let app = TestApp::new().await;
    const Q: &str = "{ onHand reserved available releasedElsewhere quarantine onHold expired rejected recalled reservedBlocked }";
    let filters = [
        json!({}),
        json!({ "state": "RELEASED" }),
        json!({ "state": "QUARANTINE" }),
        json!({ "location": "MAIN/STOCK/A-01" }),
        json!({ "location": "MAIN/QC/Q-01" }),
    ];
    for f in filters {
        let d = app
            .run_as(
                Some(Role::Warehouse),
                &format!(
                    "query($f: StockFilterInput) {{ stockTotals(filter: $f) {Q}
                       stock(filter: $f, first: 500) {{ totalCount edges {{ node {{ onHand reserved available }} }} }} }}"
                ),
                json!({ "f": f }),
            )
            .await;
        let t = &d["data"]["stockTotals"];
        let lines = d["data"]["stock"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{d}"));
        assert_eq!(
            lines.len() as i64,
            d["data"]["stock"]["totalCount"].as_i64().unwrap()
        );
        let sum = |k: &str| {
            lines
                .iter()
                .map(|e| e["node"][k].as_i64().unwrap())
                .sum::<i64>()
        };
        assert_eq!(t["onHand"].as_i64().unwrap(), sum("onHand"), "{f}: {t}");
        assert_eq!(
            t["available"].as_i64().unwrap(),
            sum("available"),
            "{f}: {t}"
        );
        // Every unit on hand is in exactly one bucket.
        let buckets: i64 = [
            "available",
            "reserved",
            "releasedElsewhere",
            "quarantine",
            "onHold",
            "expired",
            "rejected",
            "recalled",
        ]
        .iter()
        .map(|k| t[k].as_i64().unwrap())
        .sum();
        assert_eq!(buckets, t["onHand"].as_i64().unwrap(), "{f}: {t}");
    }
    // With a SKU, the totals are the SKU's quantities.
    let a = app
        .data(
            "{ stock(filter: {state: RELEASED, location: \"MAIN/STOCK/A-01\"}, first: 1) { edges { node { lot { sku { articleNumber } } } } } }",
            json!({}),
        )
        .await["stock"]["edges"][0]["node"]["lot"]["sku"]["articleNumber"]
        .as_str()
        .unwrap()
        .to_owned();
    let d = app
        .data(
            &format!(
                "query($a: String!) {{ stockTotals(filter: {{articleNumber: $a}}) {Q} skuStock(articleNumber: $a) {{ quantities {Q} }} }}"
            ),
            json!({ "a": a }),
        )
        .await;
    assert_eq!(d["stockTotals"], d["skuStock"]["quantities"], "{d}");
    // A filter naming what does not exist is named.
    let d = app
        .run(
            "{ stockTotals(filter: {location: \"NOWHERE\"}) { onHand } }",
            json!({}),
        )
        .await;
    assert_eq!(
        d["errors"][0]["extensions"]["field"], "filter.location",
        "{d}"
    );
}
