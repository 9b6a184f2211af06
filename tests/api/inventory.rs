//! Inventory through the schema: receipts, lot states, reservations (FEFO),
//! shipments, counts, scanning, bad input, and no oversell under concurrency.

use std::sync::Arc;

use abutment_erp::access::Role;
use serde_json::{Value, json};

use crate::support::TestApp;

const RECEIVE: &str = r#"mutation($input: ReceiveFinishedLotInput!, $key: String) {
  receiveFinishedLot(input: $input, idempotencyKey: $key) {
    lot { id lotNumber state effectiveState expiryDate udi quantities { onHand available quarantine } }
    userErrors { code field message } } }"#;
const STATE: &str = r#"mutation($input: ChangeLotStateInput!) {
  changeLotState(input: $input) { lot { state effectiveState } userErrors { code field message } } }"#;
const TRANSFER: &str = r#"mutation($input: TransferStockInput!) {
  transferStock(input: $input) { movement { reason quantity } userErrors { code field message } } }"#;
const RESERVE: &str = r#"mutation($input: ReserveStockInput!) {
  reserveStock(input: $input) { reservations { id quantity lot { lotNumber expiryDate } } userErrors { code field message } } }"#;
const ARTICLE: &str = "AB-ST-NBA-NP-E-15";

fn receive_input(lot: &str, qty: i64, made: &str, expiry: Option<&str>) -> Value {
    json!({"articleNumber": ARTICLE, "lotNumber": lot, "quantity": qty, "location": "MAIN/RECV/DOCK-1",
           "productionDate": made, "expiryDate": expiry, "reference": "PO-TEST"})
}

fn errors(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .and_then(|o| o.values().next())
        .and_then(|p| p["userErrors"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|e| {
            (
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

/// Receives a lot, releases it and puts it away into a stock bin; returns its id.
async fn stocked_lot(app: &TestApp, lot: &str, qty: i64, expiry: &str) -> String {
    let d = app
        .data(
            RECEIVE,
            json!({"input": receive_input(lot, qty, "2026-01-10", Some(expiry))}),
        )
        .await;
    let id = d["receiveFinishedLot"]["lot"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .run_as(
            Some(Role::Quality),
            STATE,
            json!({"input": {"lotId": id, "state": "RELEASED", "reason": "inspected"}}),
        )
        .await;
    assert_eq!(
        r["data"]["changeLotState"]["lot"]["state"], "RELEASED",
        "{r}"
    );
    let t = app
        .run_as(Some(Role::Warehouse), TRANSFER, json!({"input": {"lotId": id, "from": "MAIN/RECV/DOCK-1", "to": "MAIN/STOCK/A-01", "quantity": qty, "reference": "put-away"}}))
        .await;
    assert_eq!(
        t["data"]["transferStock"]["movement"]["reason"], "TRANSFER",
        "{t}"
    );
    id
}

async fn available(app: &TestApp) -> i64 {
    let d = app
        .data(r#"query($a: String!) { skuStock(articleNumber: $a) { quantities { onHand reserved available quarantine onHold } } }"#, json!({"a": ARTICLE}))
        .await;
    d["skuStock"]["quantities"]["available"].as_i64().unwrap()
}

#[tokio::test]
async fn a_received_lot_is_quarantined_and_only_counts_once_released_and_in_stock() {
    let app = TestApp::new().await;
    let before = available(&app).await;
    let d = app
        .data(
            RECEIVE,
            json!({"input": receive_input("T-100", 12, "2026-06-01", None)}),
        )
        .await;
    let lot = &d["receiveFinishedLot"]["lot"];
    assert_eq!(lot["state"], "QUARANTINE");
    assert_eq!(lot["quantities"]["onHand"], 12);
    assert_eq!(lot["quantities"]["quarantine"], 12);
    assert_eq!(lot["quantities"]["available"], 0);
    assert_eq!(
        lot["expiryDate"], "2029-06-01",
        "sterile SKU: production + 36 months"
    );
    assert!(
        lot["udi"].as_str().unwrap().starts_with("(01)0952"),
        "{lot}"
    );
    assert_eq!(
        available(&app).await,
        before,
        "quarantined stock is not available"
    );
    let id = lot["id"].as_str().unwrap();
    app.run_as(
        Some(Role::Quality),
        STATE,
        json!({"input": {"lotId": id, "state": "RELEASED", "reason": "ok"}}),
    )
    .await;
    assert_eq!(
        available(&app).await,
        before,
        "released but still at the dock: not in a stock location"
    );
    app.run_as(Some(Role::Warehouse), TRANSFER, json!({"input": {"lotId": id, "from": "MAIN/RECV/DOCK-1", "to": "MAIN/STOCK/B-01", "quantity": 12, "reference": "put-away"}})).await;
    assert_eq!(available(&app).await, before + 12);
    let h = app
        .run_as(
            Some(Role::Quality),
            STATE,
            json!({"input": {"lotId": id, "state": "ON_HOLD", "reason": "complaint"}}),
        )
        .await;
    assert_eq!(h["data"]["changeLotState"]["lot"]["state"], "ON_HOLD");
    assert_eq!(
        available(&app).await,
        before,
        "a hold is enforced, not only displayed"
    );
}

#[tokio::test]
async fn fefo_reserves_the_earliest_expiring_released_lot_and_shipping_leaves_the_ledger_balanced()
{
    let app = TestApp::empty().await;
    abutment_erp::seed::load(&app.db, None).await.ok();
    // Only our own lots of a fresh SKU, so FEFO has a clear answer.
    let later = stocked_lot(&app, "T-LATE", 5, "2030-01-31").await;
    let _sooner = stocked_lot(&app, "T-SOON", 3, "2029-03-31").await;
    let d = app
        .run_as(
            Some(Role::Sales),
            RESERVE,
            json!({"input": {"reference": "CASE-1", "quantity": 4, "articleNumber": ARTICLE}}),
        )
        .await;
    let res = d["data"]["reserveStock"]["reservations"]
        .as_array()
        .unwrap()
        .clone();
    let lots: Vec<&str> = res
        .iter()
        .map(|r| r["lot"]["lotNumber"].as_str().unwrap())
        .collect();
    assert!(
        lots.iter()
            .all(|l| l.starts_with("L") || l.starts_with("T-") || l.starts_with("JOB-"))
    );
    // Seeded lots of this SKU may expire earlier still; the order must be by expiry.
    let expiries: Vec<&str> = res
        .iter()
        .map(|r| r["lot"]["expiryDate"].as_str().unwrap_or("9999"))
        .collect();
    let mut sorted = expiries.clone();
    sorted.sort();
    assert_eq!(expiries, sorted, "first expired, first out");
    let total: i64 = res.iter().map(|r| r["quantity"].as_i64().unwrap()).sum();
    assert_eq!(total, 4);
    // Too many: refused, nothing reserved.
    let before = available(&app).await;
    let d = app
        .run_as(
            Some(Role::Sales),
            RESERVE,
            json!({"input": {"reference": "CASE-2", "quantity": 100000, "articleNumber": ARTICLE}}),
        )
        .await;
    let errs = errors(&d["data"]);
    assert_eq!(errs[0].0, "input.quantity");
    assert!(errs[0].1.contains("insufficient available"), "{errs:?}");
    assert_eq!(available(&app).await, before);
    // Ship the first reservation.
    let rid = res[0]["id"].clone();
    let s = app
        .run_as(Some(Role::Warehouse), r#"mutation($id: ID!) { shipReservation(input: {reservationId: $id, consignee: {clinic: "ZH-SMILE"}}) { reservations { status } userErrors { message } } }"#, json!({"id": rid}))
        .await;
    assert_eq!(
        s["data"]["shipReservation"]["reservations"][0]["status"], "SHIPPED",
        "{s}"
    );
    let again = app
        .run_as(Some(Role::Warehouse), r#"mutation($id: ID!) { shipReservation(input: {reservationId: $id, consignee: {clinic: "ZH-SMILE"}}) { userErrors { code } } }"#, json!({"id": rid}))
        .await;
    assert_eq!(
        again["data"]["shipReservation"]["userErrors"][0]["code"],
        "CONFLICT"
    );
    assert!(
        abutment_erp::inventory::service::verify(&app.db)
            .await
            .unwrap()
            .is_empty()
    );
    let _ = later;
}

#[tokio::test]
async fn bad_stock_input_is_refused_naming_the_field_and_changes_nothing() {
    let app = TestApp::new().await;
    let movements = app.count("stock_movement").await;
    let zero = app
        .data(
            RECEIVE,
            json!({"input": receive_input("T-0", 0, "2026-06-01", None)}),
        )
        .await;
    assert_eq!(errors(&zero)[0].0, "input.quantity");
    let mut wrong_place = receive_input("T-1", 5, "2026-06-01", None);
    wrong_place["location"] = json!("MAIN/STOCK/A-01");
    let e = errors(&app.data(RECEIVE, json!({"input": wrong_place})).await);
    assert_eq!(e[0].0, "input.location");
    assert!(e[0].1.contains("RECEIVING"), "{e:?}");
    app.data(
        RECEIVE,
        json!({"input": receive_input("T-DUP", 5, "2026-06-01", None)}),
    )
    .await;
    let movements_after_one = app.count("stock_movement").await;
    let e = errors(
        &app.data(
            RECEIVE,
            json!({"input": receive_input("T-DUP", 5, "2026-06-01", None)}),
        )
        .await,
    );
    assert_eq!(e[0].0, "input.lotNumber");
    assert!(e[0].1.contains("exists"), "{e:?}");
    // Moving more than the location holds.
    let id = stocked_lot(&app, "T-MOVE", 4, "2030-01-31").await;
    let t = app
        .run_as(Some(Role::Warehouse), TRANSFER, json!({"input": {"lotId": id, "from": "MAIN/STOCK/A-01", "to": "MAIN/STOCK/A-02", "quantity": 5, "reference": "x"}}))
        .await;
    let e = errors(&t["data"]);
    assert_eq!(e[0].0, "input.quantity");
    assert!(e[0].1.contains("holds 4"), "{e:?}");
    // Releasing an expired lot.
    let d = app
        .data(
            RECEIVE,
            json!({"input": receive_input("T-OLD", 5, "2020-01-01", Some("2021-01-01"))}),
        )
        .await;
    let old = d["receiveFinishedLot"]["lot"]["id"].clone();
    assert_eq!(d["receiveFinishedLot"]["lot"]["effectiveState"], "EXPIRED");
    let r = app
        .run_as(
            Some(Role::Quality),
            STATE,
            json!({"input": {"lotId": old, "state": "RELEASED", "reason": "x"}}),
        )
        .await;
    let e = errors(&r["data"]);
    assert_eq!(e[0].0, "input.state");
    assert!(e[0].1.contains("expired"), "{e:?}");
    // An unknown lot number.
    let r = app
        .run(r#"{ lot(lotNumber: "NO-SUCH-LOT") { id } }"#, json!({}))
        .await;
    assert_eq!(r["errors"][0]["extensions"]["code"], "NOT_FOUND");
    // Only the good receipts, the put-away and the expired receipt wrote rows.
    assert!(app.count("stock_movement").await > movements_after_one);
    assert_eq!(movements_after_one, movements + 1);
    assert!(
        abutment_erp::inventory::service::verify(&app.db)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_stale_cycle_count_is_a_conflict_and_a_fresh_one_books_the_difference() {
    let app = TestApp::new().await;
    let id = stocked_lot(&app, "T-CNT", 10, "2030-01-31").await;
    let q = r#"mutation($input: CountStockInput!) { countStock(input: $input) { movement { reason quantity note } userErrors { code message } } }"#;
    let stale = app
        .run_as(Some(Role::Warehouse), q, json!({"input": {"lotId": id, "location": "MAIN/STOCK/A-01", "expected": 9, "counted": 8, "reference": "CC-1"}}))
        .await;
    assert_eq!(
        stale["data"]["countStock"]["userErrors"][0]["code"], "CONFLICT",
        "{stale}"
    );
    let ok = app
        .run_as(Some(Role::Warehouse), q, json!({"input": {"lotId": id, "location": "MAIN/STOCK/A-01", "expected": 10, "counted": 8, "reference": "CC-1"}}))
        .await;
    assert_eq!(ok["data"]["countStock"]["movement"]["reason"], "ADJUSTMENT");
    assert_eq!(ok["data"]["countStock"]["movement"]["quantity"], 2);
    assert!(
        abutment_erp::inventory::service::verify(&app.db)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn scanning_a_label_finds_the_lot_and_a_bad_code_says_what_is_wrong() {
    let app = TestApp::new().await;
    let d = app
        .data(
            RECEIVE,
            json!({"input": receive_input("T-SCAN", 3, "2026-06-01", Some("2029-05-31"))}),
        )
        .await;
    let gtin = app
        .data(
            r#"query($a: String!) { abutmentSku(articleNumber: $a) { gtin } }"#,
            json!({"a": ARTICLE}),
        )
        .await["abutmentSku"]["gtin"]
        .as_str()
        .unwrap()
        .to_owned();
    let q = r#"query($c: String!) { scan(code: $c) { gtin lotNumber expiryDate sku { articleNumber } lot { state stock { location { code } onHand } } warnings } }"#;
    for code in [
        format!("]d201{gtin}17290531") + "10T-SCAN",
        format!("(01){gtin}(17)290500(10)T-SCAN"),
        format!("01{gtin}10T-SCAN\u{1d}17290531"),
    ] {
        let r = app.data(q, json!({"c": code})).await;
        assert_eq!(r["scan"]["lotNumber"], "T-SCAN", "{code}");
        assert_eq!(r["scan"]["sku"]["articleNumber"], ARTICLE);
        assert_eq!(r["scan"]["lot"]["state"], "QUARANTINE");
        assert_eq!(r["scan"]["lot"]["stock"][0]["onHand"], 3);
        assert_eq!(r["scan"]["warnings"], json!([]), "{r}");
    }
    let _ = d;
    let bad = app.run(q, json!({"c": "(01)09521234543210(10)X"})).await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(
        bad["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("check digit should be 3"),
        "{bad}"
    );
    let bad = app
        .run(q, json!({"c": format!("(01){gtin}(17)291301(10)T-SCAN")}))
        .await;
    assert!(
        bad["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("month 13"),
        "{bad}"
    );
    // A label whose lot has not been received is read, not refused.
    let unknown = app
        .data(
            r#"query($c: String!) { scan(code: $c) { status lotNumber sku { articleNumber } lot { id } } }"#,
            json!({"c": format!("(01){gtin}(10)NOPE")}),
        )
        .await;
    assert_eq!(unknown["scan"]["status"], "NOT_RECEIVED", "{unknown}");
    assert_eq!(unknown["scan"]["lotNumber"], "NOPE");
    assert_eq!(unknown["scan"]["sku"]["articleNumber"], ARTICLE);
    assert_eq!(unknown["scan"]["lot"], Value::Null);
}

#[tokio::test]
async fn thirty_two_concurrent_clients_never_oversell_a_lot() {
    let app = Arc::new(TestApp::new().await);
    const N: i64 = 10;
    let id = stocked_lot(&app, "T-HOT", N, "2030-01-31").await;
    let mut tasks = Vec::new();
    for i in 0..32 {
        let app = app.clone();
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            app.run_as(
                Some(Role::Sales),
                RESERVE,
                json!({"input": {"reference": format!("CASE-C{i}"), "quantity": 1, "lotId": id}}),
            )
            .await
        }));
    }
    let (mut ok, mut refused) = (0, 0);
    for t in tasks {
        let r = t.await.unwrap();
        assert!(r.get("errors").is_none(), "no request may fail: {r}");
        let p = &r["data"]["reserveStock"];
        if p["reservations"].as_array().unwrap().len() == 1 {
            ok += 1;
        } else {
            assert!(
                p["userErrors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains("insufficient available"),
                "{p}"
            );
            refused += 1;
        }
    }
    assert_eq!((ok, refused), (N, 32 - N));
    let lot = app
        .data(
            r#"query($id: ID) { lot(id: $id) { quantities { onHand reserved available } } }"#,
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        lot["lot"]["quantities"],
        json!({"onHand": N, "reserved": N, "available": 0})
    );
    assert!(
        abutment_erp::inventory::service::verify(&app.db)
            .await
            .unwrap()
            .is_empty(),
        "ledger reconciles"
    );
}

#[tokio::test]
async fn a_sku_below_its_reorder_point_is_listed() {
    let app = TestApp::new().await;
    let set = r#"mutation($a: String!, $p: Int) { setReorderPoint(input: {articleNumber: $a, reorderPoint: $p}) { item { reorderPoint } userErrors { field } } }"#;
    let avail = available(&app).await;
    app.run_as(
        Some(Role::Warehouse),
        set,
        json!({"a": ARTICLE, "p": avail + 1}),
    )
    .await;
    let q = "{ belowReorderPoint { sku { articleNumber } reorderPoint quantities { available } } }";
    let d = app.data(q, json!({})).await;
    let list = d["belowReorderPoint"].as_array().unwrap();
    assert!(
        list.iter().any(|s| s["sku"]["articleNumber"] == ARTICLE),
        "{d}"
    );
    app.run_as(
        Some(Role::Warehouse),
        set,
        json!({"a": ARTICLE, "p": avail}),
    )
    .await;
    let d = app.data(q, json!({})).await;
    assert!(
        !d["belowReorderPoint"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["sku"]["articleNumber"] == ARTICLE)
    );
    let neg = app
        .run_as(Some(Role::Warehouse), set, json!({"a": ARTICLE, "p": -1}))
        .await;
    assert_eq!(
        neg["data"]["setReorderPoint"]["userErrors"][0]["field"],
        json!(["input", "reorderPoint"])
    );
}

const IMPORT_STOCK: &str = r#"mutation($csv: String!, $dry: Boolean! = false) { importStockCsv(csv: $csv, dryRun: $dry) { report { rows created dryRun } userErrors { line field message } } }"#;

#[tokio::test]
async fn stock_csv_imports_all_rows_or_none_and_reports_every_bad_line() {
    let app = TestApp::new().await;
    let lots = app.count("lot").await;
    let good = format!(
        "article_number,lot_number,quantity,location,production_date,expiry_date,reference\n\
         {ARTICLE},CSV-1,5,MAIN/RECV/DOCK-1,2026-02-01,,opening\n\
         {ARTICLE},CSV-2,7,MAIN/RECV/DOCK-1,2026-03-01,2029-02-28,opening\n"
    );
    let dry = app
        .run_as(
            Some(Role::Warehouse),
            IMPORT_STOCK,
            json!({"csv": good, "dry": true}),
        )
        .await;
    assert_eq!(
        dry["data"]["importStockCsv"]["report"]["created"], 2,
        "{dry}"
    );
    assert_eq!(app.count("lot").await, lots, "dry run wrote nothing");
    let bad = format!(
        "article_number,lot_number,quantity,location,production_date\n\
         {ARTICLE},CSV-3,5,MAIN/RECV/DOCK-1,2026-02-01\n\
         {ARTICLE},CSV-4,0,MAIN/RECV/DOCK-1,2026-02-01\n\
         NO-SUCH,CSV-5,5,MAIN/RECV/DOCK-1,2026-02-01\n\
         {ARTICLE},CSV-6,5,MAIN/STOCK/A-01,2026-13-01\n"
    );
    let r = app
        .run_as(Some(Role::Warehouse), IMPORT_STOCK, json!({"csv": bad}))
        .await;
    let msgs: Vec<String> = r["data"]["importStockCsv"]["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("stock.csv line 3, column quantity")),
        "{msgs:#?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("stock.csv line 5, column production_date")),
        "{msgs:#?}"
    );
    assert_eq!(
        app.count("lot").await,
        lots,
        "nothing imported, not even line 2"
    );
    let bad_refs = format!(
        "article_number,lot_number,quantity,location,production_date\n\
         {ARTICLE},CSV-7,5,MAIN/RECV/DOCK-1,2026-02-01\n\
         NO-SUCH,CSV-8,5,MAIN/RECV/DOCK-1,2026-02-01\n\
         {ARTICLE},CSV-9,5,MAIN/STOCK/A-01,2026-02-01\n"
    );
    let r = app
        .run_as(
            Some(Role::Warehouse),
            IMPORT_STOCK,
            json!({"csv": bad_refs}),
        )
        .await;
    let msgs: Vec<String> = r["data"]["importStockCsv"]["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("stock.csv line 3, column article_number")),
        "{msgs:#?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("stock.csv line 4, column location")),
        "{msgs:#?}"
    );
    assert_eq!(app.count("lot").await, lots);
    let ok = app
        .run_as(Some(Role::Warehouse), IMPORT_STOCK, json!({"csv": good}))
        .await;
    assert_eq!(ok["data"]["importStockCsv"]["report"]["created"], 2);
    assert_eq!(app.count("lot").await, lots + 2);
    assert!(
        abutment_erp::inventory::service::verify(&app.db)
            .await
            .unwrap()
            .is_empty()
    );
}
