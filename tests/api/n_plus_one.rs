//! N+1 is a bug: a list with nested relations costs the same number of SQL
//! statements whatever its length.

use serde_json::json;

use crate::support::TestApp;

const NESTED: &str = r#"query($n: Int) {
  abutmentSkus(first: $n, filter: {includeDiscontinued: true}) {
    edges { node { articleNumber
      fits { source platform { name diameterMm system { name connection manufacturer { name }
             platforms { name } } } sku { articleNumber } } } }
  }
}"#;

async fn statements_for(app: &TestApp, n: usize) -> usize {
    let before = app.statements();
    let d = app.data(NESTED, json!({"n": n})).await;
    assert_eq!(d["abutmentSkus"]["edges"].as_array().unwrap().len(), n);
    app.statements() - before
}

#[tokio::test]
async fn a_nested_list_issues_the_same_statements_for_5_and_500_results() {
    let app = TestApp::new().await;
    let five = statements_for(&app, 5).await;
    let five_hundred = statements_for(&app, 500).await;
    assert_eq!(
        five, five_hundred,
        "statement count grew with the result size"
    );
    assert!(five <= 10, "{five} statements for one nested list");
}

const LOTS: &str = r#"query($d: Int!) {
  lotsExpiring(withinDays: $d, first: 500) { edges { node {
    lotNumber item { code } sku { articleNumber }
    quantities { onHand available }
    stock { location { code parent { code } } onHand }
  } } }
}"#;

async fn lot_statements(app: &TestApp, days: i32) -> (usize, usize) {
    let before = app.statements();
    let d = app.data(LOTS, json!({"d": days})).await;
    let n = d["lotsExpiring"]["edges"].as_array().unwrap().len();
    (n, app.statements() - before)
}

#[tokio::test]
async fn a_list_of_lots_with_their_stock_costs_the_same_statements_whatever_its_length() {
    let app = TestApp::new().await;
    let (few, few_sql) = lot_statements(&app, 45).await;
    let (many, many_sql) = lot_statements(&app, 3650).await;
    assert!(few >= 2 && many > 5 * few, "{few} vs {many} lots");
    assert_eq!(few_sql, many_sql, "statements grew with the number of lots");
}

const JOBS: &str = r#"query($n: Int) {
  productionJobs(first: $n) { edges { node {
    number sku { articleNumber } platform { name system { name } }
    machine { code materials tools { code } shifts { weekday } }
    finishedLot { lotNumber producedBy { number } madeFrom { quantity lot { heatNumber } } quantities { onHand } }
    materials { quantity lot { lotNumber usedIn { lot { lotNumber } } } location { code } }
    tools { uses tool { code machine { code } } }
  } } }
}"#;

async fn job_statements(app: &TestApp, n: usize) -> usize {
    let before = app.statements();
    let d = app.data(JOBS, json!({"n": n})).await;
    assert_eq!(d["productionJobs"]["edges"].as_array().unwrap().len(), n);
    app.statements() - before
}

#[tokio::test]
async fn a_list_of_jobs_with_machines_material_and_lots_costs_the_same_statements_whatever_its_length()
 {
    let app = TestApp::new().await;
    let two = job_statements(&app, 2).await;
    let twelve = job_statements(&app, 12).await;
    // Which rows the per-request caches already hold varies with the data
    // (±1 statement); a query per job would add at least ten.
    assert!(
        twelve <= two + 2 && two <= twelve + 2,
        "statements grew with the number of jobs: {two} for 2, {twelve} for 12"
    );
    assert!(
        twelve <= 25,
        "{twelve} statements for one nested list of jobs"
    );
}

const CASES: &str = r#"{ clinicalCases(first: 500) { edges { node { number clinic { code } platform { name system { name } }
    reservation { quantity lot { lotNumber } } job { number machine { code } } shippedLot { lotNumber } expectedReadyAt } } } }"#;

async fn case_statements(app: &TestApp) -> (usize, usize) {
    let before = app.statements();
    let d = crate::support::flat(&app.data(CASES, json!({})).await);
    (
        d["clinicalCases"].as_array().unwrap().len(),
        app.statements() - before,
    )
}

#[tokio::test]
async fn a_list_of_cases_with_clinic_platform_reservation_and_job_costs_the_same_statements_whatever_its_length()
 {
    let app = TestApp::new().await;
    let (few, few_sql) = case_statements(&app).await;
    for i in 0..12 {
        let r = app
            .run(
                r#"mutation($input: CreateCaseInput!) { createCase(input: $input) { userErrors { message } } }"#,
                json!({"input": {"clinic": if i % 2 == 0 { "BE-IMPLANT" } else { "ZH-SMILE" },
                       "orderReference": format!("NP1-{i}"), "patientPseudonym": format!("NP-{i:04}"),
                       "tooth": 21, "system": "NobelActive", "platform": if i % 3 == 0 { "RP" } else { "NP" },
                       "restoration": "SINGLE_CROWN", "abutmentType": "STRAIGHT", "gingivalHeightMm": "2.5",
                       "dueAt": "2030-01-01T00:00:00Z"}}),
            )
            .await;
        assert_eq!(r["data"]["createCase"]["userErrors"], json!([]), "{r}");
    }
    let (many, many_sql) = case_statements(&app).await;
    assert!(many >= few + 12);
    assert!(
        many_sql <= few_sql + 2,
        "statements grew with the number of cases: {few_sql} for {few}, {many_sql} for {many}"
    );
}
