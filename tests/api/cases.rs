//! Clinical cases through the schema: validation, matching with reasons,
//! FEFO, confirming (reserve or custom job), stale options, batch matching,
//! shipping, and the seeded paths.

use abutment_erp::access::Role;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::support::{TestApp, user_errors as errors};

const ARTICLE: &str = "AB-ST-NBA-RP-E-25";

const CREATE: &str = r#"mutation($input: CreateCaseInput!) {
  createCase(input: $input) { case { id number status engaging } userErrors { code field message } } }"#;
const MATCHING: &str = r#"query($id: ID!) { clinicalCase(id: $id) { status matching {
  options { decision sku { articleNumber } lot { id lotNumber expiryDate } available meetsDueDate deviation notes }
  rejected { decision sku { articleNumber } reason } } } }"#;
const CONFIRM: &str = r#"mutation($input: ConfirmCaseInput!) {
  confirmCaseMatch(input: $input) { case { id status decision reservation { lot { lotNumber } } job { number status caseReference plannedEnd } }
  userErrors { code field message } } }"#;
const SHIP: &str = r#"mutation($id: ID!) { shipCase(caseId: $id) {
  case { status shippedAt shippedLot { lotNumber } } userErrors { code field message } } }"#;

fn case_input(order: &str, due_days: i64) -> Value {
    json!({"clinic": "ZH-SMILE", "orderReference": order, "patientPseudonym": "P-0001",
           "tooth": 36, "system": "NobelActive", "platform": "RP", "restoration": "SINGLE_CROWN",
           "abutmentType": "STRAIGHT", "gingivalHeightMm": "2.5",
           "dueAt": (Utc::now() + Duration::days(due_days)).to_rfc3339()})
}

async fn create_case(app: &TestApp, input: Value) -> Value {
    let r = app
        .run_as(Some(Role::Sales), CREATE, json!({ "input": input }))
        .await;
    assert!(r.get("errors").is_none(), "{r}");
    r["data"]["createCase"].clone()
}

async fn new_case(app: &TestApp, order: &str, due_days: i64) -> String {
    let p = create_case(app, case_input(order, due_days)).await;
    assert!(errors(&p).is_empty(), "{p}");
    p["case"]["id"].as_str().unwrap().to_owned()
}

/// Receives a lot of `ARTICLE`, releases it and puts it on a stock shelf.
async fn stocked_lot(app: &TestApp, lot: &str, qty: i64, expiry: &str) -> String {
    let d = app
        .data(
            r#"mutation($input: ReceiveFinishedLotInput!) { receiveFinishedLot(input: $input) { lot { id } userErrors { message } } }"#,
            json!({"input": {"articleNumber": ARTICLE, "lotNumber": lot, "quantity": qty,
                   "location": "MAIN/RECV/DOCK-1", "productionDate": "2026-01-10",
                   "expiryDate": expiry, "reference": "PO-TEST"}}),
        )
        .await;
    let id = d["receiveFinishedLot"]["lot"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{d}"))
        .to_owned();
    app.data(
        r#"mutation($input: ChangeLotStateInput!) { changeLotState(input: $input) { lot { state } } }"#,
        json!({"input": {"lotId": id, "state": "RELEASED", "reason": "inspected"}}),
    )
    .await;
    app.data(
        r#"mutation($input: TransferStockInput!) { transferStock(input: $input) { movement { id } } }"#,
        json!({"input": {"lotId": id, "from": "MAIN/RECV/DOCK-1", "to": "MAIN/STOCK/A-01",
               "quantity": qty, "reference": "put-away"}}),
    )
    .await;
    id
}

async fn matching(app: &TestApp, id: &str) -> Value {
    app.data(MATCHING, json!({ "id": id })).await["clinicalCase"]["matching"].clone()
}

async fn confirm(app: &TestApp, input: Value) -> Value {
    let r = app
        .run_as(Some(Role::Sales), CONFIRM, json!({ "input": input }))
        .await;
    assert!(r.get("errors").is_none(), "{r}");
    r["data"]["confirmCaseMatch"].clone()
}

#[tokio::test]
async fn the_seeded_cases_cover_stock_custom_shipped_no_fit_and_late() {
    let app = TestApp::new().await;
    let d = app
        .data(
            "{ clinicalCases(first: 500) { edges { node { number status decision } } } casesAtRisk { case { number status } reason } }",
            json!({}),
        )
        .await;
    let d = crate::support::flat(&d);
    let statuses: Vec<&str> = d["clinicalCases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    for s in ["RESERVED", "SHIPPED", "IN_PRODUCTION", "OPEN"] {
        assert!(statuses.contains(&s), "no seeded case is {s}: {statuses:?}");
    }
    let reasons: Vec<&str> = d["casesAtRisk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("after the due date")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("nothing fits")),
        "{reasons:?}"
    );
}

#[tokio::test]
async fn fitting_stock_is_offered_first_expired_first_out_and_reserving_it_is_idempotent() {
    let app = TestApp::new().await;
    stocked_lot(&app, "T-LATE", 3, "2031-06-30").await;
    let early = stocked_lot(&app, "T-EARLY", 2, "2029-03-31").await;
    let id = new_case(&app, "ZS-T-1", 5).await;
    let m = matching(&app, &id).await;
    let first = &m["options"][0];
    assert_eq!(first["decision"], "STOCK", "{m}");
    assert_eq!(first["sku"]["articleNumber"], ARTICLE);
    assert_eq!(
        first["lot"]["lotNumber"], "T-EARLY",
        "first expired first out"
    );
    assert_eq!(first["available"], 5);
    assert_eq!(first["deviation"], 0);
    assert_eq!(first["meetsDueDate"], true);
    // Stock ships in time, so a custom part is turned down with the reason.
    let custom = m["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["decision"] == "CUSTOM")
        .unwrap();
    assert!(custom["reason"].as_str().unwrap().contains("ships in time"));

    let movements = app.count("stock_movement").await;
    let c = confirm(&app, json!({"caseId": id, "lotId": early})).await;
    assert!(errors(&c).is_empty(), "{c}");
    assert_eq!(c["case"]["status"], "RESERVED");
    assert_eq!(c["case"]["reservation"]["lot"]["lotNumber"], "T-EARLY");
    assert_eq!(app.count("stock_movement").await, movements + 1);
    // The same confirmation again changes nothing.
    let again = confirm(&app, json!({"caseId": id, "lotId": early})).await;
    assert!(errors(&again).is_empty(), "{again}");
    assert_eq!(again["case"]["status"], "RESERVED");
    assert_eq!(app.count("stock_movement").await, movements + 1);
    assert_eq!(
        app.count("reservation").await,
        1 + seeded_reservations(&app).await
    );
}

async fn seeded_reservations(app: &TestApp) -> i64 {
    crate::support::flat(
        &app.data(
            "{ clinicalCases(statuses: [RESERVED, SHIPPED], first: 500) { edges { node { number } } } }",
            json!({}),
        )
        .await,
    )["clinicalCases"]
        .as_array()
        .unwrap()
        .len() as i64
        - 1
}

#[tokio::test]
async fn every_rejected_candidate_says_why() {
    let app = TestApp::new().await;
    let id = new_case(&app, "ZS-T-2", 5).await;
    let m = matching(&app, &id).await;
    let reason = |article: &str| -> String {
        m["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["sku"]["articleNumber"] == article)
            .map(|r| r["reason"].as_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("{article} not rejected: {m}"))
    };
    assert_eq!(reason(ARTICLE), "no stock");
    assert!(reason("AB-ST-NBA-RP-E-35").contains("gingival height 3.5 mm out of tolerance"));
    assert!(reason("AB-AN-NBA-RP-E-25-A25").contains("wrong type: ANGLED, wanted STRAIGHT"));
    assert!(reason("AB-ST-NBA-RP-N-25").contains("single crown needs an engaging"));
    // Only a quarantined lot: said so.
    app.data(
        r#"mutation($input: ReceiveFinishedLotInput!) { receiveFinishedLot(input: $input) { lot { id } } }"#,
        json!({"input": {"articleNumber": ARTICLE, "lotNumber": "T-Q", "quantity": 4,
               "location": "MAIN/RECV/DOCK-1", "productionDate": "2026-01-10",
               "expiryDate": "2030-01-31", "reference": "PO-TEST"}}),
    )
    .await;
    let m = matching(&app, &id).await;
    let r = m["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["sku"]["articleNumber"] == ARTICLE)
        .unwrap()
        .clone();
    assert_eq!(r["reason"], "no available stock: only 4 in quarantine");
    // With nothing in stock, the custom part is the option, with its ETA.
    assert_eq!(m["options"][0]["decision"], "CUSTOM", "{m}");
}

#[tokio::test]
async fn bad_cases_are_refused_naming_the_field_and_nothing_is_created() {
    let app = TestApp::new().await;
    let before = app.count("clinical_case").await;
    let cases = [
        ("tooth", json!(19), "input.tooth"),
        ("tooth", json!(51), "input.tooth"),
        ("platform", json!("NP-X"), "input.platform"),
        (
            "dueAt",
            json!((Utc::now() - Duration::days(1)).to_rfc3339()),
            "input.dueAt",
        ),
        (
            "patientPseudonym",
            json!("John Smith"),
            "input.patientPseudonym",
        ),
        ("clinic", json!("NOWHERE"), "input.clinic"),
    ];
    for (key, value, field) in cases {
        let mut input = case_input("ZS-BAD", 5);
        input[key] = value.clone();
        let p = create_case(&app, input).await;
        let e = errors(&p);
        assert_eq!(e.len(), 1, "{key}={value}: {p}");
        assert_eq!(e[0].1, field, "{key}={value}: {e:?}");
    }
    // A platform of another system.
    let mut input = case_input("ZS-BAD", 5);
    input["system"] = json!("Bone Level");
    let p = create_case(&app, input).await;
    assert_eq!(errors(&p)[0].1, "input.platform", "{p}");
    assert_eq!(app.count("clinical_case").await, before);
}

#[tokio::test]
async fn confirming_stock_taken_meanwhile_is_a_conflict_and_changes_nothing() {
    let app = TestApp::new().await;
    let lot = stocked_lot(&app, "T-ONE", 1, "2030-01-31").await;
    let a = new_case(&app, "ZS-T-A", 5).await;
    let b = new_case(&app, "ZS-T-B", 6).await;
    // Both were offered the same unit; A takes it.
    assert_eq!(matching(&app, &b).await["options"][0]["lot"]["id"], lot);
    let ra = confirm(&app, json!({"caseId": a, "lotId": lot})).await;
    assert!(errors(&ra).is_empty(), "{ra}");
    let movements = app.count("stock_movement").await;
    let rb = confirm(&app, json!({"caseId": b, "lotId": lot})).await;
    let e = errors(&rb);
    assert_eq!(e[0].0, "CONFLICT", "{rb}");
    assert!(e[0].2.contains("no longer an option"), "{e:?}");
    assert_eq!(app.count("stock_movement").await, movements);
    let status = app
        .data(
            "query($id: ID!) { clinicalCase(id: $id) { status } }",
            json!({ "id": b }),
        )
        .await;
    assert_eq!(status["clinicalCase"]["status"], "OPEN");
}

#[tokio::test]
async fn batch_matching_serves_earlier_due_dates_first_and_promises_no_unit_twice() {
    let app = TestApp::new().await;
    let lot = stocked_lot(&app, "T-TWO", 2, "2030-01-31").await;
    let late = new_case(&app, "ZS-B-3", 9).await;
    let first = new_case(&app, "ZS-B-1", 3).await;
    let second = new_case(&app, "ZS-B-2", 4).await;
    let r = app
        .run_as(
            Some(Role::Sales),
            "mutation { matchOpenCases { reserved inProduction unmatched lines { case { id status decision } unmatchedReason } userErrors { message } } }",
            json!({}),
        )
        .await;
    let p = &r["data"]["matchOpenCases"];
    assert!(errors(p).is_empty(), "{r}");
    let status = |id: &str| -> String {
        p["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["case"]["id"] == id)
            .map(|l| l["case"]["status"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert_eq!(status(&first), "RESERVED", "{p:#}");
    assert_eq!(status(&second), "RESERVED");
    assert_ne!(status(&late), "RESERVED", "{p}");
    let q = app
        .data(
            "query($id: ID) { lot(id: $id) { quantities { onHand reserved available } } }",
            json!({ "id": lot }),
        )
        .await;
    assert_eq!(
        q["lot"]["quantities"],
        json!({"onHand": 2, "reserved": 2, "available": 0})
    );
    assert!(
        abutment_erp::inventory::service::verify(&app.db)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_reserved_case_ships_and_returns_through_the_ledger_and_an_unmade_custom_part_does_not_ship()
 {
    let app = TestApp::new().await;
    let lot = stocked_lot(&app, "T-SHIP", 1, "2030-01-31").await;
    let id = new_case(&app, "ZS-S-1", 5).await;
    confirm(&app, json!({"caseId": id, "lotId": lot})).await;
    let r = app
        .run_as(Some(Role::Warehouse), SHIP, json!({ "id": id }))
        .await;
    let p = &r["data"]["shipCase"];
    assert!(errors(p).is_empty(), "{r}");
    assert_eq!(p["case"]["status"], "SHIPPED");
    assert_eq!(p["case"]["shippedLot"]["lotNumber"], "T-SHIP");
    let q = app
        .data(
            "query($id: ID) { lot(id: $id) { quantities { onHand } movements(first: 10) { edges { node { reason reference } } } } }",
            json!({ "id": lot }),
        )
        .await;
    assert_eq!(q["lot"]["quantities"]["onHand"], 0);
    assert!(
        q["lot"]["movements"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["node"]["reason"] == "SHIPMENT"),
        "{q}"
    );
    // It comes back: one unit into quarantine, not available, case closed.
    let ret = r#"mutation($id: ID!) { returnCase(caseId: $id, reason: "wrong tooth ordered") {
      case { status statusReason } userErrors { code field message } } }"#;
    let r = app
        .run_as(Some(Role::Warehouse), ret, json!({ "id": id }))
        .await;
    let p = &r["data"]["returnCase"];
    assert!(errors(p).is_empty(), "{r}");
    assert_eq!(p["case"]["status"], "CLOSED");
    let q = app
        .data(
            "query($id: ID) { lot(id: $id) { quantities { onHand available } stock { location { locationType } onHand } } }",
            json!({ "id": lot }),
        )
        .await;
    assert_eq!(q["lot"]["quantities"]["onHand"], 1, "{q}");
    assert_eq!(q["lot"]["quantities"]["available"], 0, "{q}");
    assert!(
        q["lot"]["stock"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["location"]["locationType"] == "QUARANTINE" && s["onHand"] == 1),
        "{q}"
    );
    // Twice is refused.
    let again = app
        .run_as(Some(Role::Warehouse), ret, json!({ "id": id }))
        .await;
    assert_eq!(errors(&again["data"]["returnCase"])[0].0, "CONFLICT");
    assert!(
        abutment_erp::inventory::service::verify(&app.db)
            .await
            .unwrap()
            .is_empty()
    );
    // A custom case whose part is not made: refused, nothing changed.
    let c = new_case(&app, "ZS-S-2", 5).await;
    let conf = confirm(&app, json!({"caseId": c, "custom": true})).await;
    assert!(errors(&conf).is_empty(), "{conf}");
    assert_eq!(conf["case"]["status"], "IN_PRODUCTION");
    assert_eq!(conf["case"]["job"]["status"], "SCHEDULED");
    assert!(conf["case"]["job"]["plannedEnd"].is_string());
    let movements = app.count("stock_movement").await;
    let r = app
        .run_as(Some(Role::Warehouse), SHIP, json!({ "id": c }))
        .await;
    let e = errors(&r["data"]["shipCase"]);
    assert_eq!(e[0].1, "caseId", "{r}");
    assert!(e[0].2.contains("not made yet"), "{e:?}");
    assert_eq!(app.count("stock_movement").await, movements);
}

#[tokio::test]
async fn six_clients_confirming_one_unit_for_six_cases_reserve_it_once() {
    let app = std::sync::Arc::new(TestApp::new().await);
    let lot = stocked_lot(&app, "T-RACE", 1, "2030-01-31").await;
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(new_case(&app, &format!("ZS-R-{i}"), 5).await);
    }
    let mut tasks = Vec::new();
    for id in ids {
        let (app, lot) = (app.clone(), lot.clone());
        tasks.push(tokio::spawn(async move {
            app.run_as(
                Some(Role::Sales),
                CONFIRM,
                json!({"input": {"caseId": id, "lotId": lot}}),
            )
            .await
        }));
    }
    let (mut reserved, mut conflicts) = (0, 0);
    for t in tasks {
        let r = t.await.unwrap();
        assert!(r.get("errors").is_none(), "no request may fail: {r}");
        let p = &r["data"]["confirmCaseMatch"];
        match errors(p).first() {
            None => reserved += 1,
            Some(e) => {
                assert_eq!(e.0, "CONFLICT", "{p}");
                conflicts += 1;
            }
        }
    }
    assert_eq!((reserved, conflicts), (1, 5));
    let q = app
        .data(
            "query($id: ID) { lot(id: $id) { quantities { onHand reserved } } }",
            json!({ "id": lot }),
        )
        .await;
    assert_eq!(q["lot"]["quantities"], json!({"onHand": 1, "reserved": 1}));
    assert!(
        abutment_erp::inventory::service::verify(&app.db)
            .await
            .unwrap()
            .is_empty()
    );
}
