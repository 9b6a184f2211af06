//! Quality through the schema: forward traces from a heat to shipments,
//! reservations and cases; backward traces from a shipment to the bar
//! certificate; recalls from draft to closure with every bad-input case of
//! the issue; mock recalls that change nothing; concurrent activations and
//! returns; and the statement count of a trace.

use std::sync::Arc;

use abutment_erp::access::Role;
use chrono::{Duration, Utc};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::support::{TestApp, user_errors};

/// The seeded stock run's lot: made on SWISS-1 from bar of heat H-7721-A,
/// released, 116 put on MAIN/STOCK/A-01, one shipped by the seeds to a case
/// at each of ZH-SMILE, BE-IMPLANT and MI-DENTALAB (113 left).
const HEAT: &str = "H-7721-A";
const ARTICLE: &str = "AB-ST-NBA-NP-E-15";

const TRACE: &str = r#"query($scope: RecallScopeInput!) { traceForward(scope: $scope) {
  totals { lots finishedLots piecesOnHand barMmOnHand piecesReserved piecesShipped piecesReturned consignees clinics cases openJobs }
  rootLotIds
  lots { depth kind onHand lot { id lotNumber state heatNumber } stock { onHand reserved location { code } } }
  reservations { id quantity reference }
  shipments { quantity consignee clinic { code } caseId movementId reference lot { lotNumber } }
  consignees { consignee shipped returned clinic { code name } lots { quantity lot { lotNumber } } }
  cases { number status }
  openJobs { number status }
} }"#;

const RECALL_FIELDS: &str = "id number status class scope scopeKind closureNote
  consignees { id consignee shipped returned used outstanding notifiedAt notifiedVia clinic { code } }
  affectedLots { previousState onHandAtActivation reservationsReleased lot { lotNumber state } }
  events { action detail actor }";

fn recall_mutation(name: &str, arg: &str, ty: &str) -> String {
    format!(
        "mutation($v: {ty}) {{ {name}({arg}: $v) {{ recall {{ {RECALL_FIELDS} }} userErrors {{ code field message }} }} }}"
    )
}

async fn as_quality(app: &TestApp, q: &str, vars: Value) -> Value {
    let r = app.run_as(Some(Role::Quality), q, vars).await;
    assert!(r.get("errors").is_none(), "{r}");
    r["data"].clone()
}

/// The seeded lot made from the heat.
async fn made_lot(app: &TestApp) -> String {
    let d = app
        .data(
            r#"{ productionJobs(filter: {statuses: [DONE]}) { edges { node { finishedLot { id sku { articleNumber } } } } } }"#,
            json!({}),
        )
        .await;
    d["productionJobs"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"]["finishedLot"])
        .find(|l| l["sku"]["articleNumber"] == ARTICLE)
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .expect("the seeded stock run")
}

/// A case for the seeded part, confirmed on the made lot.
async fn case_on(app: &TestApp, order: &str, lot: &str) -> String {
    let r = app
        .run_as(
            Some(Role::Sales),
            r#"mutation($input: CreateCaseInput!) { createCase(input: $input) { case { id } userErrors { message } } }"#,
            json!({"input": {"clinic": "ZH-SMILE", "orderReference": order, "patientPseudonym": "P-9Q1",
                   "tooth": 21, "system": "NobelActive", "platform": "NP", "restoration": "SINGLE_CROWN",
                   "abutmentType": "STRAIGHT", "gingivalHeightMm": "1.5", "engaging": true,
                   "dueAt": (Utc::now() + Duration::days(10)).to_rfc3339()}}),
        )
        .await;
    let id = r["data"]["createCase"]["case"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{r}"))
        .to_owned();
    let r = app
        .run_as(
            Some(Role::Sales),
            r#"mutation($input: ConfirmCaseInput!) { confirmCaseMatch(input: $input) { case { status } userErrors { code message } } }"#,
            json!({"input": {"caseId": id, "lotId": lot}}),
        )
        .await;
    assert_eq!(
        r["data"]["confirmCaseMatch"]["case"]["status"], "RESERVED",
        "{r}"
    );
    id
}

/// Downstream of the heat, beside the seeded shipments: 3 units shipped to a
/// clinic by its code, one case shipped, one case reserved.
struct World {
    lot: String,
    shipped_case: String,
    reserved_case: String,
}

async fn world(app: &TestApp) -> World {
    let lot = made_lot(app).await;
    let r = app
        .data(
            r#"mutation($lot: ID!) { reserveStock(input: {reference: "MI-DENTALAB", quantity: 3, lotId: $lot}) { reservations { id } userErrors { message } } }"#,
            json!({ "lot": lot }),
        )
        .await;
    let res = r["reserveStock"]["reservations"][0]["id"].clone();
    assert!(res.is_string(), "{r}");
    let r = app
        .data(
            r#"mutation($id: ID!) { shipReservation(input: {reservationId: $id, consignee: {clinic: "MI-DENTALAB"}}) { reservations { status } userErrors { message } } }"#,
            json!({ "id": res }),
        )
        .await;
    assert_eq!(
        r["shipReservation"]["reservations"][0]["status"], "SHIPPED",
        "{r}"
    );
    let shipped_case = case_on(app, "ZS-RC-1", &lot).await;
    let r = app
        .run_as(
            Some(Role::Warehouse),
            r#"mutation($id: ID!) { shipCase(caseId: $id) { case { status } userErrors { message } } }"#,
            json!({ "id": shipped_case }),
        )
        .await;
    assert_eq!(r["data"]["shipCase"]["case"]["status"], "SHIPPED", "{r}");
    let reserved_case = case_on(app, "ZS-RC-2", &lot).await;
    World {
        lot,
        shipped_case,
        reserved_case,
    }
}

fn find<'a>(list: &'a Value, key: &str, value: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|v| v[key] == value)
        .unwrap_or_else(|| panic!("no {key} = {value} in {list}"))
}

#[tokio::test]
async fn the_seeded_heat_traces_through_bar_job_and_lot_to_a_case_at_every_clinic() {
    let app = TestApp::new().await;
    let t = as_quality(&app, TRACE, json!({"scope": {"heatNumber": HEAT}})).await["traceForward"]
        .clone();
    let kinds: Vec<(i64, &str)> = t["lots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["depth"].as_i64().unwrap(), l["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [(0, "BAR"), (1, "FINISHED")], "{t}");
    assert_eq!(t["lots"][1]["onHand"], 113);
    let clinics: Vec<(&str, i64)> = t["consignees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["clinic"]["code"].as_str().unwrap(),
                c["shipped"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        clinics,
        [("BE-IMPLANT", 1), ("MI-DENTALAB", 1), ("ZH-SMILE", 1)],
        "{t}"
    );
    assert!(
        t["cases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "SHIPPED")
    );
    assert_eq!(t["totals"]["cases"], 3);
    assert_eq!(t["totals"]["piecesShipped"], 3);
    assert_eq!(t["totals"]["openJobs"], 1, "the run on SWISS-2");
    // Each shipment leads back to the heat's mill certificate.
    for s in t["shipments"].as_array().unwrap() {
        let b = as_quality(
            &app,
            "query($id: ID) { traceBackward(caseId: $id) { lots { depth record { lot { heatNumber certificateRef } } } } }",
            json!({ "id": s["caseId"] }),
        )
        .await;
        let heats: Vec<&Value> = b["traceBackward"]["lots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| &l["record"]["lot"]["heatNumber"])
            .collect();
        assert!(heats.contains(&&json!(HEAT)), "{b}");
    }
}

#[tokio::test]
async fn a_heat_traces_forward_to_every_lot_shipment_reservation_and_case() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let t = as_quality(&app, TRACE, json!({"scope": {"heatNumber": HEAT}})).await["traceForward"]
        .clone();
    let lots = t["lots"].as_array().unwrap();
    let bar = lots
        .iter()
        .find(|l| l["kind"] == "BAR")
        .expect("the bar lot");
    assert_eq!(bar["depth"], 0);
    assert_eq!(bar["lot"]["heatNumber"], HEAT);
    let made = lots
        .iter()
        .find(|l| l["lot"]["id"] == w.lot.as_str())
        .expect("the made lot");
    assert_eq!(made["depth"], 1);
    assert_eq!(made["kind"], "FINISHED");
    // 116 put away, 3 shipped to seeded cases, 3 to the clinic, 1 to a
    // case; 1 reserved.
    assert_eq!(made["onHand"], 109, "{made}");
    assert_eq!(made["stock"][0]["reserved"], 1);
    assert_eq!(t["reservations"].as_array().unwrap().len(), 1);
    let by_code = find(&t["consignees"], "consignee", "MI-DENTALAB");
    assert_eq!(by_code["shipped"], 4);
    assert_eq!(by_code["clinic"]["code"], "MI-DENTALAB");
    let by_case = find(&t["consignees"], "consignee", "ZH-SMILE");
    assert_eq!(by_case["shipped"], 2);
    assert_eq!(
        find(&t["consignees"], "consignee", "BE-IMPLANT")["shipped"],
        1
    );
    let case_shipment = find(&t["shipments"], "caseId", &w.shipped_case);
    assert_eq!(case_shipment["consignee"], "ZH-SMILE");
    let cases: Vec<&str> = t["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert!(
        cases.contains(&"SHIPPED") && cases.contains(&"RESERVED"),
        "{cases:?}"
    );
    assert_eq!(t["totals"]["piecesShipped"], 7);
    assert_eq!(t["totals"]["clinics"], 3);
    assert_eq!(t["totals"]["piecesReserved"], 1);
    assert!(t["totals"]["barMmOnHand"].as_i64().unwrap() > 0);
    // The bar also feeds a job still running: it is listed, not lost.
    assert!(
        t["totals"]["openJobs"].as_i64().unwrap() >= 1,
        "{}",
        t["openJobs"]
    );
}

#[tokio::test]
async fn a_shipment_and_a_case_trace_back_to_the_machine_job_and_bar_certificate() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let t = as_quality(&app, TRACE, json!({"scope": {"lotIds": [w.lot]}})).await["traceForward"]
        .clone();
    let shipment = find(&t["shipments"], "consignee", "ZH-SMILE")["movementId"].clone();
    const BACK: &str = r#"query($s: ID, $c: ID) { traceBackward(shipmentId: $s, caseId: $c) {
      start { lotNumber }
      lots { depth kind record {
        lot { lotNumber heatNumber certificateType certificateRef chemistry }
        job { number operator camProgram inspectionResult machine { code } tools { uses tool { code } } }
        components { quantity lot { heatNumber } } } } } }"#;
    for vars in [json!({ "s": shipment }), json!({ "c": w.shipped_case })] {
        let b = as_quality(&app, BACK, vars).await["traceBackward"].clone();
        let lots = b["lots"].as_array().unwrap();
        assert_eq!(lots[0]["depth"], 0);
        let job = &lots[0]["record"]["job"];
        assert_eq!(job["machine"]["code"], "SWISS-1", "{b}");
        assert_eq!(job["operator"], "M. Keller");
        assert_eq!(job["inspectionResult"], "PASS");
        assert_eq!(
            lots[0]["record"]["components"][0]["lot"]["heatNumber"],
            HEAT
        );
        let bar = lots
            .iter()
            .find(|l| l["kind"] == "BAR")
            .expect("bar upstream");
        assert_eq!(bar["depth"], 1);
        assert_eq!(bar["record"]["lot"]["certificateType"], "EN 10204 3.1");
        assert!(bar["record"]["job"].is_null(), "bar is bought in");
    }
    // A case with nothing made or shipped yet has nothing to trace.
    let open = app
        .data(
            r#"{ clinicalCases(statuses: [OPEN]) { edges { node { id } } } }"#,
            json!({}),
        )
        .await["clinicalCases"]["edges"][0]["node"]["id"]
        .clone();
    let r = app
        .run_as(
            Some(Role::Quality),
            "query($c: ID) { traceBackward(caseId: $c) { start { lotNumber } } }",
            json!({ "c": open }),
        )
        .await;
    assert_eq!(
        r["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{r}"
    );
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no lot yet")
    );
}

#[tokio::test]
async fn a_recall_by_heat_runs_from_draft_to_closure_with_a_reconciliation() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let create = recall_mutation("createRecall", "input", "CreateRecallInput!");
    let p = as_quality(
        &app,
        &create,
        json!({"v": {"class": "CLASS_II", "reason": "mill certificate shows grade 5, not ELI",
                     "scope": {"heatNumber": HEAT}}}),
    )
    .await["createRecall"]
        .clone();
    assert!(user_errors(&p).is_empty(), "{p}");
    let rc = p["recall"].clone();
    assert_eq!(rc["status"], "DRAFT");
    assert!(rc["number"].as_str().unwrap().starts_with("RC-20"));
    let id = rc["id"].clone();
    // The preview changes nothing.
    let preview = as_quality(
        &app,
        "query($id: ID) { recall(id: $id) { impact { totals { lots piecesShipped consignees } } } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(preview["recall"]["impact"]["totals"]["piecesShipped"], 7);
    let movements = app.count("stock_movement").await;

    let activate = format!(
        "mutation($id: ID!) {{ activateRecall(recallId: $id) {{ lots lotsRecalled reservationsReleased consignees
           casesReopened {{ id status statusReason }} recall {{ {RECALL_FIELDS} }} userErrors {{ code field message }} }} }}"
    );
    let a = as_quality(&app, &activate, json!({ "id": id })).await["activateRecall"].clone();
    assert!(user_errors(&a).is_empty(), "{a}");
    assert_eq!(a["recall"]["status"], "ACTIVE");
    assert_eq!(a["reservationsReleased"], 1);
    assert_eq!(a["consignees"], 3);
    assert_eq!(a["casesReopened"][0]["id"], w.reserved_case.as_str());
    assert_eq!(a["casesReopened"][0]["status"], "OPEN");
    assert!(
        a["casesReopened"][0]["statusReason"]
            .as_str()
            .unwrap()
            .contains("match it again")
    );
    for l in a["recall"]["affectedLots"].as_array().unwrap() {
        assert_eq!(l["lot"]["state"], "RECALLED", "{l}");
    }
    let made = app
        .data(
            "query($id: ID) { lot(id: $id) { state quantities { onHand reserved available } } }",
            json!({ "id": w.lot }),
        )
        .await;
    assert_eq!(
        made["lot"],
        json!({"state": "RECALLED", "quantities": {"onHand": 109, "reserved": 0, "available": 0}})
    );
    // One ledger row per lot state change and one for the released reservation.
    let lots = a["lotsRecalled"].as_i64().unwrap();
    assert_eq!(app.count("stock_movement").await, movements + lots + 1);

    // Activating twice is a conflict and changes nothing.
    let again = as_quality(&app, &activate, json!({ "id": id })).await["activateRecall"].clone();
    assert_eq!(user_errors(&again)[0].0, "CONFLICT", "{again}");
    assert_eq!(app.count("stock_movement").await, movements + lots + 1);

    let consignees = a["recall"]["consignees"].clone();
    let dentalab = find(&consignees, "consignee", "MI-DENTALAB")["id"].clone();
    let smile = find(&consignees, "consignee", "ZH-SMILE")["id"].clone();
    let bern = find(&consignees, "consignee", "BE-IMPLANT")["id"].clone();
    let ret = recall_mutation("recordRecallReturn", "input", "RecallAccountingInput!");
    let used = recall_mutation("recordRecallUsage", "input", "RecallAccountingInput!");
    // More than the clinic received: refused, nothing written.
    let before = app.count("stock_movement").await;
    let r = as_quality(
        &app,
        &ret,
        json!({"v": {"recallId": id, "consigneeId": dentalab, "lotId": w.lot, "quantity": 5}}),
    )
    .await["recordRecallReturn"]
        .clone();
    let e = user_errors(&r);
    assert_eq!(
        (e[0].0.as_str(), e[0].1.as_str()),
        ("BAD_USER_INPUT", "input.quantity"),
        "{r}"
    );
    assert!(e[0].2.contains("MI-DENTALAB has 4 unit(s)"), "{e:?}");
    assert_eq!(app.count("stock_movement").await, before);
    // Two back into quarantine, two confirmed implanted.
    let r = app
        .run_as(
            Some(Role::Warehouse),
            &ret,
            json!({"v": {"recallId": id, "consigneeId": dentalab, "lotId": w.lot, "quantity": 2, "note": "box 17"}}),
        )
        .await;
    assert!(
        user_errors(&r["data"]["recordRecallReturn"]).is_empty(),
        "{r}"
    );
    assert_eq!(app.count("stock_movement").await, before + 1);
    let r = as_quality(
        &app,
        &used,
        json!({"v": {"recallId": id, "consigneeId": dentalab, "lotId": w.lot, "quantity": 2}}),
    )
    .await["recordRecallUsage"]
        .clone();
    let line = find(&r["recall"]["consignees"], "consignee", "MI-DENTALAB");
    assert_eq!(
        (
            &line["shipped"],
            &line["returned"],
            &line["used"],
            &line["outstanding"]
        ),
        (&json!(4), &json!(2), &json!(2), &json!(0)),
        "{line}"
    );
    // Nothing left to account for at that clinic.
    let r = as_quality(
        &app,
        &used,
        json!({"v": {"recallId": id, "consigneeId": dentalab, "lotId": w.lot, "quantity": 1}}),
    )
    .await["recordRecallUsage"]
        .clone();
    assert_eq!(user_errors(&r)[0].1, "input.quantity", "{r}");
    let quarantine = app
        .data(
            "query($id: ID) { lot(id: $id) { stock { onHand location { locationType } } } }",
            json!({ "id": w.lot }),
        )
        .await;
    assert!(
        quarantine["lot"]["stock"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["location"]["locationType"] == "QUARANTINE" && s["onHand"] == 2),
        "{quarantine}"
    );

    // Closing: first every consignee must be notified …
    let close = recall_mutation("closeRecall", "input", "CloseRecallInput!");
    let r = as_quality(&app, &close, json!({"v": {"recallId": id}})).await["closeRecall"].clone();
    let e = user_errors(&r);
    assert!(e[0].2.contains("not notified yet"), "{e:?}");
    let notify = recall_mutation(
        "recordRecallNotification",
        "input",
        "RecallNotificationInput!",
    );
    for c in [&dentalab, &smile, &bern] {
        let r = app
            .run_as(
                Some(Role::Sales),
                &notify,
                json!({"v": {"recallId": id, "consigneeId": c, "via": "EMAIL", "note": "FSN-2026-03 sent"}}),
            )
            .await;
        assert!(
            user_errors(&r["data"]["recordRecallNotification"]).is_empty(),
            "{r}"
        );
    }
    // … then no job may still run on the heat's bar (the seeded run on
    // SWISS-2 is scrapped) …
    let r = as_quality(&app, &close, json!({"v": {"recallId": id}})).await["closeRecall"].clone();
    let e = user_errors(&r);
    assert_eq!(e[0].0, "CONFLICT", "{r}");
    assert!(e[0].2.contains("still running"), "{e:?}");
    let running = app
        .data(
            r#"{ productionJobs(filter: {statuses: [IN_PROGRESS]}) { edges { node { id } } } }"#,
            json!({}),
        )
        .await;
    for j in running["productionJobs"]["edges"].as_array().unwrap() {
        let r = app
            .run_as(
                Some(Role::Planner),
                r#"mutation($id: ID!) { scrapProductionJob(id: $id, reason: "bar recalled") { job { status } } }"#,
                json!({ "id": j["node"]["id"] }),
            )
            .await;
        assert_eq!(
            r["data"]["scrapProductionJob"]["job"]["status"], "SCRAPPED",
            "{r}"
        );
    }
    // … then outstanding units (ZH-SMILE's two, BE-IMPLANT's one) need a
    // justification.
    let r = as_quality(&app, &close, json!({"v": {"recallId": id}})).await["closeRecall"].clone();
    let e = user_errors(&r);
    assert_eq!(e[0].1, "input.justification", "{r}");
    assert!(e[0].2.contains("ZH-SMILE 2"), "{e:?}");
    assert!(e[0].2.contains("BE-IMPLANT 1"), "{e:?}");
    let r = as_quality(
        &app,
        &close,
        json!({"v": {"recallId": id, "justification": "clinic confirms the unit was implanted on 2026-11-02; patient followed up"}}),
    )
    .await["closeRecall"]
        .clone();
    assert_eq!(r["recall"]["status"], "CLOSED", "{r}");
    let note = r["recall"]["closureNote"].as_str().unwrap();
    assert!(
        note.contains("shipped 7 − returned 2 − used 2 = outstanding 3"),
        "{note}"
    );
    let actions: Vec<&str> = r["recall"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "CREATED",
            "ACTIVATED",
            "CASE_REOPENED",
            "RETURNED",
            "CONFIRMED_USED",
            "NOTIFIED",
            "NOTIFIED",
            "NOTIFIED",
            "CLOSED"
        ]
    );

    // The report, as a regulator gets it.
    let csv = as_quality(
        &app,
        "query($id: ID) { recall(id: $id) { reportCsv } }",
        json!({ "id": id }),
    )
    .await["recall"]["reportCsv"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    let kind = |k: &str| rows.iter().filter(|r| &r[0] == k).count();
    assert_eq!(kind("recall"), 1);
    assert!(kind("lot") >= 2);
    assert!(kind("stock_action") >= 2, "state changes and the return");
    assert_eq!(kind("consignee"), 3);
    assert_eq!(kind("event"), 9);
    let h = rd.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let dl = rows
        .iter()
        .find(|r| &r[0] == "consignee" && &r[col("consignee")] == "MI-DENTALAB")
        .unwrap();
    assert_eq!(
        (
            &dl[col("shipped")],
            &dl[col("returned")],
            &dl[col("used")],
            &dl[col("outstanding")]
        ),
        ("4", "2", "2", "0")
    );
    assert!(
        abutment_erp::inventory::service::verify(&app.db)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_scope_that_matches_nothing_creates_no_recall() {
    let app = TestApp::new().await;
    let create = recall_mutation("createRecall", "input", "CreateRecallInput!");
    let recalls = app.count("recall").await;
    let r = as_quality(
        &app,
        &create,
        json!({"v": {"class": "CLASS_III", "reason": "label misprint", "scope": {"heatNumber": "H-NOPE"}}}),
    )
    .await["createRecall"]
        .clone();
    let e = user_errors(&r);
    assert_eq!(e[0].1, "input.scope.heatNumber", "{r}");
    assert!(e[0].2.contains("matches no lot"), "{e:?}");
    // No scope, or two: the scope is a oneOf input, refused at the input
    // boundary naming the field, the choices and what was given.
    for (scope, text) in [
        (json!({}), "got none"),
        (
            json!({"heatNumber": HEAT, "toolId": "VG9vbDox"}),
            "got 2 (heatNumber, toolId)",
        ),
        (json!({"toolId": null}), "got toolId null"),
    ] {
        let r = app
            .run_as(
                Some(Role::Quality),
                &create,
                json!({"v": {"class": "CLASS_III", "reason": "label misprint", "scope": scope}}),
            )
            .await;
        let e = &r["errors"][0];
        assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{r}");
        assert_eq!(e["extensions"]["field"], "input.scope", "{r}");
        let m = e["message"].as_str().unwrap();
        assert!(
            m.contains(
                "give exactly one of lotIds, heatNumber, blankLotId, machineWindow or toolId"
            ) && m.contains(text),
            "{m}"
        );
    }
    // Blank required text is refused at the input boundary, naming the field.
    let r = app
        .run_as(
            Some(Role::Quality),
            &create,
            json!({"v": {"class": "CLASS_III", "reason": "  ", "scope": {"heatNumber": HEAT}}}),
        )
        .await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "input.reason", "{r}");
    assert_eq!(app.count("recall").await, recalls);
    // A machine window that ends before it starts.
    let m = app
        .data("{ machines { edges { node { id } } } }", json!({}))
        .await["machines"]["edges"][0]["node"]["id"]
        .clone();
    let now = Utc::now();
    let r = as_quality(
        &app,
        &create,
        json!({"v": {"class": "CLASS_II", "reason": "spindle runout", "scope": {"machineWindow": {"machineId": m,
               "from": now.to_rfc3339(), "to": (now - Duration::days(1)).to_rfc3339()}}}}),
    )
    .await["createRecall"]
        .clone();
    assert_eq!(user_errors(&r)[0].1, "input.scope.machineWindow.to", "{r}");
    assert_eq!(app.count("recall").await, recalls);
    assert_eq!(app.count("recall_event").await, 0);
}

#[tokio::test]
async fn machine_and_tool_scopes_reach_the_lots_their_jobs_made() {
    let app = TestApp::new().await;
    let lot = made_lot(&app).await;
    let d = app
        .data(
            r#"{ productionJobs(filter: {statuses: [DONE]}) { edges { node { finishedLot { id } startedAt finishedAt
                 machine { id } tools { tool { id } } } } } }"#,
            json!({}),
        )
        .await;
    let job = d["productionJobs"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["finishedLot"]["id"] == lot.as_str())
        .unwrap()
        .clone();
    let started: chrono::DateTime<Utc> = job["startedAt"].as_str().unwrap().parse().unwrap();
    let window = json!({"machineWindow": {"machineId": job["machine"]["id"],
        "from": (started - Duration::hours(1)).to_rfc3339(), "to": (started + Duration::hours(1)).to_rfc3339()}});
    let tool = json!({"toolId": job["tools"][0]["tool"]["id"]});
    for scope in [window, tool] {
        let t = as_quality(&app, TRACE, json!({ "scope": scope })).await["traceForward"].clone();
        assert!(
            t["rootLotIds"].as_array().unwrap().contains(&json!(lot)),
            "{scope}: {t}"
        );
    }
    // A blank lot: the seeded custom part milled from it is downstream.
    let d = app
        .data(
            r#"{ stock(filter: {}, first: 500) { edges { node { lot { id lotNumber item { kind } } } } } }"#,
            json!({}),
        )
        .await;
    let blank = crate::support::flat(&d["stock"])
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["lot"]["item"]["kind"] == "BLANK")
        .map(|l| l["lot"]["id"].clone())
        .expect("a seeded blank lot");
    let t = as_quality(&app, TRACE, json!({"scope": {"blankLotId": blank}})).await["traceForward"]
        .clone();
    assert_eq!(t["lots"][0]["kind"], "BLANK", "{t}");
    // A finished lot is no blank lot.
    let r = app
        .run_as(
            Some(Role::Quality),
            TRACE,
            json!({"scope": {"blankLotId": lot}}),
        )
        .await;
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("matches no lot"),
        "{r}"
    );
    // A window in which the machine made nothing.
    let r = app
        .run_as(
            Some(Role::Quality),
            TRACE,
            json!({"scope": {"machineWindow": {"machineId": job["machine"]["id"],
                   "from": (Utc::now() + Duration::days(300)).to_rfc3339(),
                   "to": (Utc::now() + Duration::days(301)).to_rfc3339()}}}),
        )
        .await;
    assert_eq!(
        r["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{r}"
    );
}

#[tokio::test]
async fn a_mock_recall_reports_what_it_found_and_changes_nothing() {
    let app = TestApp::new().await;
    world(&app).await;
    let before = counts(&app).await;
    let m = as_quality(
        &app,
        "query($s: RecallScopeInput!) { mockRecall(scope: $s) { scope elapsedMs lots piecesOnHand piecesShipped consignees clinics cases trace { lots { lot { state } } } } }",
        json!({"s": {"heatNumber": HEAT}}),
    )
    .await["mockRecall"]
        .clone();
    assert_eq!(m["scope"], format!("heat number {HEAT}"));
    assert!(m["elapsedMs"].as_f64().unwrap() >= 0.0);
    assert_eq!(m["piecesShipped"], 7);
    assert_eq!(m["clinics"], 3);
    assert!(m["lots"].as_i64().unwrap() >= 2);
    assert!(
        m["trace"]["lots"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["lot"]["state"] != "RECALLED")
    );
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn concurrent_activations_and_returns_never_double_count() {
    let app = Arc::new(TestApp::new().await);
    let w = world(&app).await;
    let create = recall_mutation("createRecall", "input", "CreateRecallInput!");
    let id = as_quality(
        &app,
        &create,
        json!({"v": {"class": "CLASS_I", "reason": "connection out of tolerance", "scope": {"lotIds": [w.lot]}}}),
    )
    .await["createRecall"]["recall"]["id"]
        .clone();
    let activate = "mutation($id: ID!) { activateRecall(recallId: $id) { recall { status } userErrors { code } } }";
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (app, id) = (app.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            app.run_as(Some(Role::Quality), activate, json!({ "id": id }))
                .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        let r = t.await.unwrap();
        assert!(r.get("errors").is_none(), "{r}");
        match user_errors(&r["data"]["activateRecall"]).first() {
            None => ok += 1,
            Some(e) => assert_eq!(e.0, "CONFLICT", "{r}"),
        }
    }
    assert_eq!(ok, 1, "exactly one activation");
    assert_eq!(app.count("recall_consignee").await, 3);
    let c = app
        .data(
            "query($id: ID) { recall(id: $id) { consignees { id consignee } } }",
            json!({ "id": id }),
        )
        .await;
    let dentalab = find(&c["recall"]["consignees"], "consignee", "MI-DENTALAB")["id"].clone();
    // Six clients each return 1 of the 4 units the clinic received.
    let ret = recall_mutation("recordRecallReturn", "input", "RecallAccountingInput!");
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (app, id, c, lot, ret) = (
            app.clone(),
            id.clone(),
            dentalab.clone(),
            w.lot.clone(),
            ret.clone(),
        );
        tasks.push(tokio::spawn(async move {
            app.run_as(
                Some(Role::Warehouse),
                &ret,
                json!({"v": {"recallId": id, "consigneeId": c, "lotId": lot, "quantity": 1}}),
            )
            .await
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        let r = t.await.unwrap();
        assert!(r.get("errors").is_none(), "{r}");
        if user_errors(&r["data"]["recordRecallReturn"]).is_empty() {
            accepted += 1;
        }
    }
    assert_eq!(accepted, 4, "only what was shipped comes back");
    assert_eq!(app.count("recall_action").await, 4);
    assert!(
        abutment_erp::inventory::service::verify(&app.db)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn counts(app: &TestApp) -> (i64, i64, i64) {
    (
        app.count("stock_movement").await,
        app.count("recall").await,
        app.count("audit_log").await,
    )
}

const WIDE: &str = r#"query($scope: RecallScopeInput!) { traceForward(scope: $scope) {
  lots { depth onHand lot { lotNumber sku { articleNumber } } stock { onHand location { code } } }
  shipments { quantity clinic { name } lot { lotNumber } }
  consignees { clinic { name } lots { quantity lot { lotNumber } } }
  cases { number clinic { name } } reservations { quantity }
} }"#;

#[tokio::test]
async fn a_trace_costs_the_same_statements_for_one_lot_or_forty() {
    let app = TestApp::new().await;
    // The heat's bar reaches the made lot (shipments, a reservation, cases)
    // and feeds a running job; then the same with 39 more lots.
    world(&app).await;
    let d = app
        .data(
            r#"{ stock(first: 500) { edges { node { lot { id lotNumber } } } } }"#,
            json!({}),
        )
        .await;
    let stock = crate::support::flat(&d["stock"]);
    let stock = stock.as_array().unwrap();
    let bar = stock
        .iter()
        .find(|l| l["lot"]["lotNumber"] == "BAR-H-7721-A")
        .map(|l| l["lot"]["id"].clone())
        .unwrap();
    let mut ids: Vec<Value> = vec![bar];
    for l in stock {
        if !ids.contains(&l["lot"]["id"]) {
            ids.push(l["lot"]["id"].clone());
        }
    }
    assert!(ids.len() >= 40, "{} lots seeded", ids.len());
    let mut cost = Vec::new();
    let mut sizes = Vec::new();
    for n in [1, 40] {
        let before = app.statements();
        let t = as_quality(&app, WIDE, json!({"scope": {"lotIds": ids[..n]}})).await;
        sizes.push(t["traceForward"]["lots"].as_array().unwrap().len());
        cost.push(app.statements() - before);
    }
    assert!(sizes[1] >= sizes[0] + 30, "{sizes:?}");
    assert_eq!(cost[0], cost[1], "statements grew with the number of lots");
}

#[tokio::test]
async fn a_unit_returned_under_a_recall_cannot_come_back_again_as_a_case_return() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let create = recall_mutation("createRecall", "input", "CreateRecallInput!");
    let id = as_quality(
        &app,
        &create,
        json!({"v": {"class": "CLASS_II", "reason": "burr on the hex", "scope": {"lotIds": [w.lot]}}}),
    )
    .await["createRecall"]["recall"]["id"]
        .clone();
    let a = as_quality(
        &app,
        &format!("mutation($id: ID!) {{ activateRecall(recallId: $id) {{ recall {{ {RECALL_FIELDS} }} userErrors {{ code }} }} }}"),
        json!({ "id": id }),
    )
    .await["activateRecall"]
        .clone();
    let smile = find(&a["recall"]["consignees"], "consignee", "ZH-SMILE")["id"].clone();
    // The events say what activation did, and the report lists the release.
    assert!(
        a["recall"]["events"][1]["detail"]
            .as_str()
            .unwrap()
            .contains("1 reservation(s) released"),
        "{a}"
    );
    let csv = as_quality(
        &app,
        "query($id: ID) { recall(id: $id) { reportCsv } }",
        json!({ "id": id }),
    )
    .await["recall"]["reportCsv"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(csv.contains("RESERVATION_RELEASE"), "{csv}");
    // Nothing of a recalled lot can be reserved any more.
    let r = app
        .data(
            r#"mutation($lot: ID!) { reserveStock(input: {reference: "X-1", quantity: 1, lotId: $lot}) { userErrors { field message } } }"#,
            json!({ "lot": w.lot }),
        )
        .await;
    assert!(
        r["reserveStock"]["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("is RECALLED"),
        "{r}"
    );

    let ret = recall_mutation("recordRecallReturn", "input", "RecallAccountingInput!");
    let r = as_quality(
        &app,
        &ret,
        json!({"v": {"recallId": id, "consigneeId": smile, "lotId": w.lot, "quantity": 2}}),
    )
    .await["recordRecallReturn"]
        .clone();
    assert!(user_errors(&r).is_empty(), "{r}");
    let movements = app.count("stock_movement").await;
    let r = app
        .run_as(
            Some(Role::Warehouse),
            r#"mutation($id: ID!) { returnCase(caseId: $id, reason: "loose screw") { case { status } userErrors { code message } } }"#,
            json!({ "id": w.shipped_case }),
        )
        .await;
    let e = user_errors(&r["data"]["returnCase"]);
    assert_eq!(e[0].0, "CONFLICT", "{r}");
    assert!(e[0].2.contains("already returned"), "{e:?}");
    assert_eq!(app.count("stock_movement").await, movements);
}

#[tokio::test]
async fn a_job_running_on_recalled_bar_completes_into_the_recall() {
    let app = TestApp::new().await;
    let create = recall_mutation("createRecall", "input", "CreateRecallInput!");
    let id = as_quality(
        &app,
        &create,
        json!({"v": {"class": "CLASS_II", "reason": "wrong grade on the certificate", "scope": {"heatNumber": HEAT}}}),
    )
    .await["createRecall"]["recall"]["id"]
        .clone();
    let a = as_quality(
        &app,
        "mutation($id: ID!) { activateRecall(recallId: $id) { recall { events { detail } } userErrors { code } } }",
        json!({ "id": id }),
    )
    .await;
    let detail = a["activateRecall"]["recall"]["events"][1]["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        detail.contains("jobs still running on affected material"),
        "{detail}"
    );
    let d = app
        .data(
            r#"{ productionJobs(filter: {statuses: [IN_PROGRESS]}) { edges { node { id materials { lot { heatNumber } } } } } }"#,
            json!({}),
        )
        .await;
    let job = d["productionJobs"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["materials"][0]["lot"]["heatNumber"] == HEAT)
        .expect("the seeded run on the heat's bar")["id"]
        .clone();
    let r = app
        .run_as(
            Some(Role::Planner),
            r#"mutation($id: ID!) { completeProductionJob(id: $id, input: {quantityMade: 5}) {
                 job { finishedLot { lotNumber state } } userErrors { message } } }"#,
            json!({ "id": job }),
        )
        .await;
    let lot = &r["data"]["completeProductionJob"]["job"]["finishedLot"];
    assert_eq!(lot["state"], "RECALLED", "{r}");
    let rc = as_quality(
        &app,
        "query($id: ID) { recall(id: $id) { affectedLots { depth lot { lotNumber } } events { action } } }",
        json!({ "id": id }),
    )
    .await;
    assert!(
        rc["recall"]["affectedLots"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["lot"]["lotNumber"] == lot["lotNumber"] && l["depth"] == 1),
        "{rc}"
    );
    assert_eq!(
        rc["recall"]["events"].as_array().unwrap().last().unwrap()["action"],
        "LOT_ADDED"
    );
}

// ------------------------------------------------------------------ jobs in a recall's scope

async fn as_planner(app: &TestApp, q: &str, vars: Value) -> Value {
    let r = app.run_as(Some(Role::Planner), q, vars).await;
    assert!(r.get("errors").is_none(), "{r}");
    r["data"].clone()
}

async fn machine_id(app: &TestApp, code: &str) -> Value {
    let d = app
        .data("{ machines { edges { node { id code } } } }", json!({}))
        .await;
    crate::support::flat(&d["machines"])
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["code"] == code)
        .map(|m| m["id"].clone())
        .unwrap_or_else(|| panic!("no machine {code}"))
}

/// A small stock run of the seeded part, started on `machine` with its
/// mounted tools and released bar: (job id, job number).
async fn running_stock_job(app: &TestApp, machine: &str) -> (Value, String) {
    let r = as_planner(
        app,
        r#"mutation($input: CreateJobInput!) { createProductionJob(input: $input) { job { id number } userErrors { message } } }"#,
        json!({"input": {"kind": "STOCK", "articleNumber": ARTICLE, "quantity": 2, "barMmPerPart": 20,
               "dueAt": (Utc::now() + Duration::days(5)).to_rfc3339(), "priority": 5}}),
    )
    .await;
    let job = r["createProductionJob"]["job"].clone();
    assert!(job["id"].is_string(), "{r}");
    start_job(app, &job["id"], Some(machine_id(app, machine).await)).await;
    (
        job["id"].clone(),
        job["number"].as_str().unwrap().to_owned(),
    )
}

async fn start_job(app: &TestApp, id: &Value, machine: Option<Value>) -> Value {
    let r = as_planner(
        app,
        r#"mutation($id: ID!, $m: ID) { startProductionJob(id: $id, input: {machineId: $m, operator: "A. Rossi", camProgram: "T v1"}) {
             job { status materials { lot { id lotNumber } } } userErrors { message } } }"#,
        json!({ "id": id, "m": machine }),
    )
    .await;
    assert_eq!(
        r["startProductionJob"]["job"]["status"], "IN_PROGRESS",
        "{r}"
    );
    r["startProductionJob"]["job"].clone()
}

async fn complete_job(app: &TestApp, id: &Value, made: i32) -> Value {
    let r = as_planner(
        app,
        r#"mutation($id: ID!, $n: Int!) { completeProductionJob(id: $id, input: {quantityMade: $n}) {
             job { status finishedLot { id lotNumber state } } userErrors { message } } }"#,
        json!({ "id": id, "n": made }),
    )
    .await;
    let lot = r["completeProductionJob"]["job"]["finishedLot"].clone();
    assert!(lot["id"].is_string(), "{r}");
    lot
}

async fn create_and_activate(app: &TestApp, reason: &str, scope: Value) -> Value {
    let create = recall_mutation("createRecall", "input", "CreateRecallInput!");
    let p = as_quality(
        app,
        &create,
        json!({"v": {"class": "CLASS_II", "reason": reason, "scope": scope}}),
    )
    .await["createRecall"]
        .clone();
    assert!(user_errors(&p).is_empty(), "{p}");
    let id = p["recall"]["id"].clone();
    let a = as_quality(
        app,
        "mutation($id: ID!) { activateRecall(recallId: $id) { recall { status } userErrors { code message } } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(a["activateRecall"]["recall"]["status"], "ACTIVE", "{a}");
    id
}

fn numbers(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| {
            key.split('.')
                .fold(v, |v, k| &v[k])
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_job_running_in_a_recalled_machine_window_or_with_a_recalled_tool_completes_into_the_recall()
 {
    for kind in ["machine", "tool"] {
        let app = TestApp::new().await;
        let lot = made_lot(&app).await;
        // The seeded run that made the lot ran on SWISS-1 with its inserts;
        // a second run starts there now and is still running at activation.
        let d = app
            .data(
                r#"{ productionJobs(filter: {statuses: [DONE]}) { edges { node { finishedLot { id } startedAt tools { tool { id } } } } } }"#,
                json!({}),
            )
            .await;
        let done = d["productionJobs"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["node"])
            .find(|n| n["finishedLot"]["id"] == lot.as_str())
            .unwrap()
            .clone();
        let started: chrono::DateTime<Utc> = done["startedAt"].as_str().unwrap().parse().unwrap();
        let (job, number) = running_stock_job(&app, "SWISS-1").await;
        let scope = match kind {
            "machine" => json!({"machineWindow": {"machineId": machine_id(&app, "SWISS-1").await,
                "from": (started - Duration::hours(1)).to_rfc3339(),
                "to": (Utc::now() + Duration::days(1)).to_rfc3339()}}),
            _ => json!({"toolId": done["tools"][0]["tool"]["id"]}),
        };
        // The preview names the running job, though it consumes no traced material.
        let t = as_quality(&app, TRACE, json!({ "scope": scope })).await["traceForward"].clone();
        assert!(
            numbers(&t["openJobs"], "number").contains(&number),
            "{kind}: {}",
            t["openJobs"]
        );
        assert_eq!(
            t["totals"]["openJobs"].as_i64().unwrap() as usize,
            t["openJobs"].as_array().unwrap().len()
        );
        let id = create_and_activate(&app, "spindle runout out of tolerance", scope.clone()).await;
        let rc = as_quality(
            &app,
            "query($id: ID) { recall(id: $id) { impact { openJobs { number } } events { action detail } } }",
            json!({ "id": id }),
        )
        .await;
        assert!(
            numbers(&rc["recall"]["impact"]["openJobs"], "number").contains(&number),
            "{kind}: {rc}"
        );
        assert!(
            rc["recall"]["events"][1]["detail"]
                .as_str()
                .unwrap()
                .contains(&number),
            "{kind}: the activation names the running job: {rc}"
        );

        let made = complete_job(&app, &job, 2).await;
        assert_eq!(made["state"], "RECALLED", "{kind}: {made}");
        let rc = as_quality(
            &app,
            "query($id: ID) { recall(id: $id) { affectedLots { depth previousState lot { id state } } events { action detail } } }",
            json!({ "id": id }),
        )
        .await;
        let joined = rc["recall"]["affectedLots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["lot"]["id"] == made["id"])
            .unwrap_or_else(|| panic!("{kind}: {made} is not in the recall: {rc}"));
        assert_eq!(joined["depth"], 0, "{kind}: a root of the scope");
        assert_eq!(joined["previousState"], "QUARANTINE");
        let last = rc["recall"]["events"].as_array().unwrap().last().unwrap();
        assert_eq!(last["action"], "LOT_ADDED", "{kind}: {rc}");
        assert!(last["detail"].as_str().unwrap().contains(&number), "{last}");
        // The mock recall of the same scope and the recall agree.
        let m = as_quality(
            &app,
            "query($s: RecallScopeInput!) { mockRecall(scope: $s) { trace { lots { lot { id } } } } }",
            json!({ "s": scope }),
        )
        .await;
        let mocked = numbers(&m["mockRecall"]["trace"]["lots"], "lot.id");
        let recalled = numbers(&rc["recall"]["affectedLots"], "lot.id");
        assert!(
            mocked.contains(&made["id"].as_str().unwrap().to_owned()),
            "{m}"
        );
        for l in &mocked {
            assert!(recalled.contains(l), "{kind}: {l} traced but not recalled");
        }
    }
}

const CLOSE_FIELDS: &str = "recall { status } userErrors { code field message }";

async fn notify_all(app: &TestApp, id: &Value) {
    let c = as_quality(
        app,
        "query($id: ID) { recall(id: $id) { consignees { id } } }",
        json!({ "id": id }),
    )
    .await;
    let notify = recall_mutation(
        "recordRecallNotification",
        "input",
        "RecallNotificationInput!",
    );
    for c in c["recall"]["consignees"].as_array().unwrap() {
        let r = as_quality(
            app,
            &notify,
            json!({"v": {"recallId": id, "consigneeId": c["id"], "via": "PHONE"}}),
        )
        .await;
        assert!(
            user_errors(&r["recordRecallNotification"]).is_empty(),
            "{r}"
        );
    }
}

#[tokio::test]
async fn a_recall_cannot_close_while_a_job_runs_on_its_material_and_a_lot_made_of_it_is_never_releasable()
 {
    let app = TestApp::new().await;
    // The seeded run on SWISS-2 consumes the heat's bar; a second run on
    // SWISS-1 takes more of it.
    let d = app
        .data(
            r#"{ productionJobs(filter: {statuses: [IN_PROGRESS]}) { edges { node { id number materials { lot { heatNumber } } } } } }"#,
            json!({}),
        )
        .await;
    let seeded = d["productionJobs"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .find(|n| n["materials"][0]["lot"]["heatNumber"] == HEAT)
        .expect("the seeded run on the heat's bar");
    let (second, second_number) = running_stock_job(&app, "SWISS-1").await;
    let id = create_and_activate(
        &app,
        "wrong grade on the certificate",
        json!({ "heatNumber": HEAT }),
    )
    .await;
    notify_all(&app, &id).await;
    let close = format!(
        "mutation($v: CloseRecallInput!) {{ closeRecall(input: $v) {{ {CLOSE_FIELDS} }} }}"
    );
    let justified =
        json!({"v": {"recallId": id, "justification": "units implanted, patients followed up"}});
    let r = as_quality(&app, &close, justified.clone()).await["closeRecall"].clone();
    let e = user_errors(&r);
    assert_eq!(e[0].0, "CONFLICT", "{r}");
    for n in [seeded["number"].as_str().unwrap(), &second_number] {
        assert!(e[0].2.contains(n), "the refusal names {n}: {e:?}");
    }
    // Scrapping one and completing the other ends the refusal.
    let r = as_planner(
        &app,
        r#"mutation($id: ID!) { scrapProductionJob(id: $id, reason: "material recalled") { job { status } userErrors { message } } }"#,
        json!({ "id": second }),
    )
    .await;
    assert_eq!(r["scrapProductionJob"]["job"]["status"], "SCRAPPED", "{r}");
    let r = as_quality(&app, &close, justified.clone()).await["closeRecall"].clone();
    let e = user_errors(&r);
    assert!(
        e[0].2.contains(seeded["number"].as_str().unwrap()) && !e[0].2.contains(&second_number),
        "{e:?}"
    );
    let made = complete_job(&app, &seeded["id"], 5).await;
    assert_eq!(made["state"], "RECALLED", "{made}");
    // Passing inspection does not release it.
    let r = app
        .run_as(
            Some(Role::Quality),
            r#"mutation($id: ID!) { recordJobInspection(id: $id, input: {result: PASS}) { job { status finishedLot { state } } userErrors { message } } }"#,
            json!({ "id": seeded["id"] }),
        )
        .await;
    let job = &r["data"]["recordJobInspection"]["job"];
    assert_eq!(
        (&job["status"], &job["finishedLot"]["state"]),
        (&json!("DONE"), &json!("RECALLED")),
        "{r}"
    );
    notify_all(&app, &id).await;
    let r = as_quality(&app, &close, justified).await["closeRecall"].clone();
    assert_eq!(r["recall"]["status"], "CLOSED", "{r}");
    // Closed or not, the lot made of the recalled bar stays stopped: it
    // cannot be released, shelved or reserved.
    let r = as_quality(
        &app,
        r#"mutation($id: ID!) { changeLotState(input: {lotId: $id, state: RELEASED, reason: "recall closed"}) { lot { state } userErrors { code field message } } }"#,
        json!({ "id": made["id"] }),
    )
    .await;
    assert_eq!(
        user_errors(&r["changeLotState"])[0].0,
        "BAD_USER_INPUT",
        "{r}"
    );
    let r = app
        .data(
            r#"mutation($id: ID!) { transferStock(input: {lotId: $id, from: "MAIN/QC/Q-01", to: "MAIN/STOCK/A-01", quantity: 1, reference: "put-away"}) { userErrors { code field message } } }"#,
            json!({ "id": made["id"] }),
        )
        .await;
    assert!(!user_errors(&r["transferStock"]).is_empty(), "{r}");
    let r = app
        .data(
            r#"mutation($id: ID!) { reserveStock(input: {reference: "X-2", quantity: 1, lotId: $id}) { userErrors { code message } } }"#,
            json!({ "id": made["id"] }),
        )
        .await;
    assert!(
        user_errors(&r["reserveStock"])[0].2.contains("is RECALLED"),
        "{r}"
    );
    let l = app
        .data(
            "query($id: ID) { lot(id: $id) { state quantities { available } } }",
            json!({ "id": made["id"] }),
        )
        .await;
    assert_eq!(
        l["lot"],
        json!({"state": "RECALLED", "quantities": {"available": 0}})
    );
}

#[tokio::test]
async fn a_custom_case_whose_part_joins_the_recall_after_activation_is_reopened() {
    let app = TestApp::new().await;
    // The seeded custom case: its job is planned on a mill; it starts now,
    // taking a blank, and is still running when the blank lot is recalled.
    let d = app
        .data(
            r#"{ clinicalCases(statuses: [IN_PRODUCTION]) { edges { node { id number job { id number status } } } } }"#,
            json!({}),
        )
        .await;
    let d = crate::support::flat(&d);
    let case = d["clinicalCases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["job"]["status"] != "INSPECTION" && c["job"]["status"] != "DONE")
        .expect("a seeded custom case not yet milled")
        .clone();
    let started = start_job(&app, &case["job"]["id"], None).await;
    let blank = started["materials"][0]["lot"]["id"].clone();
    let id = create_and_activate(
        &app,
        "blank connection out of tolerance",
        json!({ "blankLotId": blank }),
    )
    .await;
    let c = app
        .data(
            "query($id: ID) { clinicalCase(id: $id) { status } }",
            json!({ "id": case["id"] }),
        )
        .await;
    assert_eq!(
        c["clinicalCase"]["status"], "IN_PRODUCTION",
        "its part is not made yet"
    );
    let made = complete_job(&app, &case["job"]["id"], 1).await;
    assert_eq!(made["state"], "RECALLED", "{made}");
    let c = app
        .data(
            "query($id: ID) { clinicalCase(id: $id) { status statusReason job { id } } }",
            json!({ "id": case["id"] }),
        )
        .await;
    assert_eq!(c["clinicalCase"]["status"], "OPEN", "{c}");
    assert!(c["clinicalCase"]["job"].is_null(), "{c}");
    assert!(
        c["clinicalCase"]["statusReason"]
            .as_str()
            .unwrap()
            .contains("match it again"),
        "{c}"
    );
    let rc = as_quality(
        &app,
        "query($id: ID) { recall(id: $id) { events { action detail } } }",
        json!({ "id": id }),
    )
    .await;
    let ev = rc["recall"]["events"].as_array().unwrap();
    let reopened = ev
        .iter()
        .find(|e| e["action"] == "CASE_REOPENED")
        .unwrap_or_else(|| panic!("no CASE_REOPENED in {rc}"));
    assert!(
        reopened["detail"]
            .as_str()
            .unwrap()
            .contains(case["number"].as_str().unwrap()),
        "{reopened}"
    );
    let actions: Vec<&str> = ev.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["CREATED", "ACTIVATED", "LOT_ADDED", "CASE_REOPENED"],
        "{rc}"
    );
}

// ------------------------------------------------------------------ consignees of shipments

const SHIP: &str = r#"mutation($id: ID!, $to: ShipmentConsigneeInput) { shipReservation(input: {reservationId: $id, consignee: $to}) {
    reservations { status } userErrors { code field message } } }"#;

async fn reserve_one(app: &TestApp, lot: &str, reference: &str) -> Value {
    let r = app
        .data(
            r#"mutation($lot: ID!, $r: String!) { reserveStock(input: {reference: $r, quantity: 1, lotId: $lot}) { reservations { id } userErrors { message } } }"#,
            json!({ "lot": lot, "r": reference }),
        )
        .await;
    let id = r["reserveStock"]["reservations"][0]["id"].clone();
    assert!(id.is_string(), "{r}");
    id
}

#[tokio::test]
async fn every_shipment_names_its_consignee_and_the_recall_knows_whom_to_notify() {
    let app = TestApp::new().await;
    let lot = made_lot(&app).await;
    let res = reserve_one(&app, &lot, "PO-77").await;
    let movements = app.count("stock_movement").await;
    // No consignee, an unknown clinic, a name without an address, both kinds
    // at once, a clinic's code given as a name: refused, nothing shipped.
    for (to, field) in [
        (Value::Null, "input.consignee"),
        (json!({}), "input.consignee"),
        (json!({"clinic": "NOWHERE"}), "input.consignee.clinic"),
        (
            json!({"name": "Dentalhandel Meier AG"}),
            "input.consignee.address",
        ),
        (
            json!({"clinic": "ZH-SMILE", "name": "Meier", "address": "x"}),
            "input.consignee",
        ),
        (
            json!({"name": "ZH-SMILE", "address": "x"}),
            "input.consignee.name",
        ),
    ] {
        let r = app
            .run_as(Some(Role::Warehouse), SHIP, json!({ "id": res, "to": to }))
            .await;
        let e = user_errors(&r["data"]["shipReservation"]);
        assert_eq!(
            (e[0].0.as_str(), e[0].1.as_str()),
            ("BAD_USER_INPUT", field),
            "{to}: {r}"
        );
    }
    assert_eq!(app.count("stock_movement").await, movements);
    assert_eq!(
        app.count("shipment").await,
        4,
        "the seeded case shipments only"
    );
    // To a distributor outside the clinic register, and to a clinic under an
    // order reference that is not its code.
    let meier = json!({"name": "Dentalhandel Meier AG", "address": "Industriestrasse 12, 8305 Dietlikon, CH",
                       "contact": "recall@meier-dental.example"});
    for (id, to) in [
        (res.clone(), meier.clone()),
        (
            reserve_one(&app, &lot, "ORDER-5531").await,
            json!({"clinic": "mi-dentalab"}),
        ),
    ] {
        let r = app
            .run_as(Some(Role::Warehouse), SHIP, json!({ "id": id, "to": to }))
            .await;
        assert_eq!(
            r["data"]["shipReservation"]["reservations"][0]["status"], "SHIPPED",
            "{r}"
        );
    }
    const SHIPPED: &str = r#"query($scope: RecallScopeInput!) { traceForward(scope: $scope) {
      shipments { reference consignee clinic { code } namedConsignee { name address contact } }
      consignees { consignee clinic { code } namedConsignee { name } address contact shipped } } }"#;
    let t = as_quality(&app, SHIPPED, json!({"scope": {"lotIds": [lot]}})).await["traceForward"]
        .clone();
    let to_meier = find(&t["shipments"], "reference", "PO-77");
    assert_eq!(to_meier["consignee"], "Dentalhandel Meier AG", "{t}");
    assert!(to_meier["clinic"].is_null());
    assert_eq!(to_meier["namedConsignee"], meier);
    let to_clinic = find(&t["shipments"], "reference", "ORDER-5531");
    assert_eq!(to_clinic["consignee"], "MI-DENTALAB", "{t}");
    assert_eq!(to_clinic["clinic"]["code"], "MI-DENTALAB");
    for s in t["shipments"].as_array().unwrap() {
        assert!(!s["consignee"].as_str().unwrap().starts_with("ref:"), "{s}");
    }
    let line = find(&t["consignees"], "consignee", "Dentalhandel Meier AG");
    assert_eq!(line["address"], meier["address"]);
    assert_eq!(line["contact"], meier["contact"]);
    assert!(
        find(&t["consignees"], "consignee", "MI-DENTALAB")["address"]
            .as_str()
            .unwrap()
            .len()
            > 5
    );

    // The recall lists both, with where to send the notice, and reports it.
    let id = create_and_activate(&app, "burr on the hex", json!({"lotIds": [lot]})).await;
    let rc = as_quality(
        &app,
        "query($id: ID) { recall(id: $id) { consignees { consignee clinic { code } address contact shipped } reportCsv } }",
        json!({ "id": id }),
    )
    .await["recall"]
        .clone();
    let c = find(&rc["consignees"], "consignee", "Dentalhandel Meier AG");
    assert_eq!(
        (&c["address"], &c["contact"], &c["shipped"]),
        (&meier["address"], &meier["contact"], &json!(1)),
        "{rc}"
    );
    assert!(c["clinic"].is_null());
    assert_eq!(
        find(&rc["consignees"], "consignee", "MI-DENTALAB")["shipped"],
        2,
        "the seeded case and the order"
    );
    let mut rd = csv::Reader::from_reader(rc["reportCsv"].as_str().unwrap().as_bytes());
    let h = rd.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    let row = rows
        .iter()
        .find(|r| &r[0] == "consignee" && &r[col("consignee")] == "Dentalhandel Meier AG")
        .expect("the distributor in the report");
    assert_eq!(&row[col("address")], meier["address"].as_str().unwrap());
    assert_eq!(&row[col("contact")], meier["contact"].as_str().unwrap());
    // It can be notified, and return what it received.
    notify_all(&app, &id).await;
    let cid = as_quality(
        &app,
        "query($id: ID) { recall(id: $id) { consignees { id consignee } } }",
        json!({ "id": id }),
    )
    .await;
    let meier_id = find(
        &cid["recall"]["consignees"],
        "consignee",
        "Dentalhandel Meier AG",
    )["id"]
        .clone();
    let ret = recall_mutation("recordRecallReturn", "input", "RecallAccountingInput!");
    let r = as_quality(
        &app,
        &ret,
        json!({"v": {"recallId": id, "consigneeId": meier_id, "lotId": lot, "quantity": 1}}),
    )
    .await["recordRecallReturn"]
        .clone();
    let line = find(
        &r["recall"]["consignees"],
        "consignee",
        "Dentalhandel Meier AG",
    );
    assert_eq!(
        (&line["returned"], &line["outstanding"]),
        (&json!(1), &json!(0)),
        "{r}"
    );
}

// ------------------------------------------------------------------ concurrent writers

/// Receives a lot of the seeded part, releases it and shelves it.
async fn shelved_lot(app: &TestApp, number: &str, qty: i64) -> String {
    let d = app
        .data(
            r#"mutation($input: ReceiveFinishedLotInput!) { receiveFinishedLot(input: $input) { lot { id } userErrors { message } } }"#,
            json!({"input": {"articleNumber": ARTICLE, "lotNumber": number, "quantity": qty,
                   "location": "MAIN/RECV/DOCK-1", "productionDate": Utc::now().date_naive().to_string(),
                   "reference": "PO-RACE"}}),
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

/// What one concurrent request came to.
#[derive(Debug, Default)]
struct Outcomes {
    ok: usize,
    conflict: usize,
    refused: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn activations_shipments_and_reservations_racing_on_the_same_lots_end_in_success_or_conflict_never_internal()
 {
    let app = Arc::new(TestApp::new().await);
    let first = made_lot(&app).await;
    let create = recall_mutation("createRecall", "input", "CreateRecallInput!");
    let mut tally: std::collections::BTreeMap<&str, Outcomes> = Default::default();
    let mut recalls = Vec::new();
    for round in 0..3 {
        // Four lots on the shelf (the seeded one in the first round), 5
        // reservations of one on each, to ship or release while three
        // overlapping recalls cover three of the lots.
        let mut lots = Vec::new();
        if round == 0 {
            lots.push(first.clone());
        }
        while lots.len() < 4 {
            lots.push(shelved_lot(&app, &format!("RACE-{round}-{}", lots.len()), 40).await);
        }
        let mut to_ship = Vec::new();
        for (i, l) in lots.iter().enumerate() {
            for k in 0..5 {
                to_ship.push(reserve_one(&app, l, &format!("ORD-{round}-{i}-{k}")).await);
            }
        }
        let mut drafts = Vec::new();
        for scope in [
            vec![&lots[0], &lots[1]],
            vec![&lots[2], &lots[1]],
            vec![&lots[2], &lots[0]],
        ] {
            let r = as_quality(
                &app,
                &create,
                json!({"v": {"class": "CLASS_II", "reason": "seal failure", "scope": {"lotIds": scope}}}),
            )
            .await;
            drafts.push(r["createRecall"]["recall"]["id"].clone());
        }
        let mut tasks: Vec<(&str, tokio::task::JoinHandle<Value>)> = Vec::new();
        let spawn = |role: Role, q: String, vars: Value| {
            let app = app.clone();
            tokio::spawn(async move { app.run_as(Some(role), &q, vars).await })
        };
        for k in 0..20 {
            if k < 3 {
                tasks.push((
                    "activateRecall",
                    spawn(
                        Role::Quality,
                        "mutation($id: ID!) { activateRecall(recallId: $id) { userErrors { code message } } }".into(),
                        json!({ "id": drafts[k] }),
                    ),
                ));
            }
            tasks.push((
                "shipReservation",
                spawn(
                    Role::Warehouse,
                    SHIP.into(),
                    json!({ "id": to_ship[k], "to": {"clinic": "ZH-SMILE"} }),
                ),
            ));
            let (q, vars) = if k % 2 == 0 {
                (
                    r#"mutation($a: String!) { reserveStock(input: {reference: "FEFO", quantity: 3, articleNumber: $a}) { userErrors { code message } } }"#,
                    json!({ "a": ARTICLE }),
                )
            } else {
                (
                    r#"mutation($l: ID!) { reserveStock(input: {reference: "BY-LOT", quantity: 1, lotId: $l}) { userErrors { code message } } }"#,
                    json!({ "l": lots[k % 4] }),
                )
            };
            tasks.push(("reserveStock", spawn(Role::Sales, q.into(), vars)));
            if k % 4 == 3 {
                tasks.push((
                    "releaseReservation",
                    spawn(
                        Role::Sales,
                        r#"mutation($id: ID!) { releaseReservation(input: {reservationId: $id}) { userErrors { code message } } }"#.into(),
                        json!({ "id": to_ship[k - 1] }),
                    ),
                ));
            }
        }
        for (op, t) in tasks {
            let r = t.await.unwrap();
            assert!(
                r.get("errors").is_none(),
                "{op}: a loser must be a CONFLICT user error, never an error: {r}"
            );
            let o = tally.entry(op).or_default();
            match user_errors(&r["data"][op]).first() {
                None => o.ok += 1,
                Some((code, _, msg)) if code == "CONFLICT" => {
                    o.conflict += 1;
                    let _ = msg;
                }
                Some((code, _, msg)) => {
                    assert_eq!(code, "BAD_USER_INPUT", "{op}: {r}");
                    assert!(
                        msg.contains("is RECALLED") || msg.contains("insufficient available"),
                        "{op}: only a business refusal: {msg}"
                    );
                    o.refused += 1;
                }
            }
        }
        recalls.extend(drafts);
    }
    eprintln!("outcomes: {tally:#?}");
    assert!(tally["shipReservation"].ok > 0 && tally["reserveStock"].ok > 0);

    // Whatever won, the books hold: the ledger reconciles, no balance is
    // negative, every shipment names its consignee …
    assert!(
        abutment_erp::inventory::service::verify(&app.db)
            .await
            .unwrap()
            .is_empty(),
        "the ledger reconciles"
    );
    let one = |sql: &str| {
        let app = app.clone();
        let sql = sql.to_owned();
        async move {
            app.db
                .query_one_raw(sea_orm::Statement::from_string(
                    app.db.get_database_backend(),
                    sql,
                ))
                .await
                .unwrap()
                .unwrap()
                .try_get::<i64>("", "n")
                .unwrap()
        }
    };
    assert_eq!(
        one("SELECT COUNT(*) AS n FROM stock_balance WHERE on_hand < 0 OR reserved < 0 OR reserved > on_hand").await,
        0
    );
    assert_eq!(
        one("SELECT COUNT(*) AS n FROM shipment").await,
        one("SELECT COUNT(*) AS n FROM stock_movement WHERE reason = 'SHIPMENT'").await
    );
    // … and an active recall stopped all of its lots: nothing of them was
    // reserved or shipped after it recalled them, nothing stays reserved.
    let mut active = 0;
    for id in &recalls {
        let rc = as_quality(
            &app,
            "query($id: ID) { recall(id: $id) { status affectedLots { lot { id state } } } }",
            json!({ "id": id }),
        )
        .await;
        if rc["recall"]["status"] != "ACTIVE" {
            assert_eq!(rc["recall"]["status"], "DRAFT", "{rc}");
            continue;
        }
        active += 1;
        for l in rc["recall"]["affectedLots"].as_array().unwrap() {
            assert_eq!(l["lot"]["state"], "RECALLED", "{rc}");
        }
    }
    assert!(
        active >= recalls.len() / 2,
        "{active} of {} activated",
        recalls.len()
    );
    assert_eq!(
        one("SELECT COUNT(*) AS n FROM reservation r JOIN lot l ON l.id = r.lot_id WHERE l.state = 'RECALLED' AND r.status = 'OPEN'").await,
        0
    );
    assert_eq!(
        one(
            "SELECT COUNT(*) AS n FROM stock_movement m JOIN lot l ON l.id = m.lot_id
             WHERE l.state = 'RECALLED' AND m.reason IN ('SHIPMENT', 'RESERVATION')
               AND m.id > (SELECT MIN(s.id) FROM stock_movement s WHERE s.lot_id = m.lot_id
                           AND s.reason = 'STATE_CHANGE' AND s.note LIKE '%→ Recalled')"
        )
        .await,
        0,
        "nothing of a lot was reserved or shipped after it was recalled"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_write_helper_reruns_a_transaction_the_store_chose_as_a_deadlock_victim() {
    let app = Arc::new(TestApp::new().await);
    let ids: Vec<i64> = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT id FROM lot ORDER BY id LIMIT 2",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<i64>("", "id").unwrap())
        .collect();
    // Two writers take the same two rows in opposite orders, each waiting
    // (on its first attempt) until the other holds its first row: on
    // PostgreSQL one of them is chosen as the deadlock victim (40P01), and
    // the helper runs it again; on SQLite writers queue and never meet.
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let mut tasks = Vec::new();
    for (first, second) in [(ids[0], ids[1]), (ids[1], ids[0])] {
        let (app, barrier) = (app.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            let touch = |id: i64| format!("UPDATE lot SET updated_at = updated_at WHERE id = {id}");
            abutment_erp::db::write_tx(&app.db, |tx| {
                let (barrier, a, b) = (barrier.clone(), touch(first), touch(second));
                Box::pin(async move {
                    tx.txn.execute_unprepared(&a).await?;
                    if tx.attempt == 1 {
                        let _ =
                            tokio::time::timeout(std::time::Duration::from_secs(2), barrier.wait())
                                .await;
                    }
                    tx.txn.execute_unprepared(&b).await?;
                    Ok(tx.attempt)
                })
            })
            .await
        }));
    }
    let mut attempts = Vec::new();
    for t in tasks {
        attempts.push(t.await.unwrap().expect("both writers commit"));
    }
    attempts.sort_unstable();
    match app.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => assert_eq!(attempts, [1, 2], "the victim ran twice"),
        _ => assert_eq!(attempts, [1, 1]),
    }
}

#[tokio::test]
async fn a_lot_made_from_bar_recalled_by_hand_comes_out_recalled() {
    let app = TestApp::new().await;
    // The seeded run on SWISS-2 consumes the heat's bar; quality recalls the
    // bar lot by hand (no recall holds it) while the run goes on.
    let d = app
        .data(
            r#"{ productionJobs(filter: {statuses: [IN_PROGRESS]}) { edges { node { id materials { lot { id heatNumber } } } } } }"#,
            json!({}),
        )
        .await;
    let job = d["productionJobs"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .find(|n| n["materials"][0]["lot"]["heatNumber"] == HEAT)
        .expect("the seeded run on the heat's bar");
    let r = as_quality(
        &app,
        r#"mutation($id: ID!) { changeLotState(input: {lotId: $id, state: RECALLED, reason: "mill certificate withdrawn"}) { lot { state } userErrors { message } } }"#,
        json!({ "id": job["materials"][0]["lot"]["id"] }),
    )
    .await;
    assert_eq!(r["changeLotState"]["lot"]["state"], "RECALLED", "{r}");
    let made = complete_job(&app, &job["id"], 3).await;
    assert_eq!(made["state"], "RECALLED", "{made}");
    let l = app
        .data(
            "query($id: ID) { lot(id: $id) { stateReason } }",
            json!({ "id": made["id"] }),
        )
        .await;
    assert!(
        l["lot"]["stateReason"]
            .as_str()
            .unwrap_or_default()
            .contains("made from recalled lot"),
        "{l}"
    );
}
