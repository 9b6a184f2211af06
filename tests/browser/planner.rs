//! The planner's console in a real browser: the demo planner signs in and
//! lands on this week's plan (an SVG Gantt chart per machine, utilisation,
//! tool life), zooms to a day, books a breakdown on the machine of a case in
//! production and sees the case's ETA move in the before/after page (and
//! through the schema), then creates a job, starts it (material issued) and
//! completes it through the job's forms. A sales rep is refused the plan.

use abutment_erp::{
    access::{Role, service},
    config::ApiLimits,
};
use fantoccini::{Client, Locator};
use serde_json::json;

use crate::{Browser, support};

const ENTER: char = '\u{E007}';

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

async fn fill(c: &Client, css: &str, text: &str) {
    let e = c.find(Locator::Css(css)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

/// Sets a field's value as a picker would (date-time fields take no typed text
/// in a locale-independent way).
async fn set(c: &Client, id: &str, value: &str) {
    c.execute(
        "document.getElementById(arguments[0]).value = arguments[1];",
        vec![json!(id), json!(value)],
    )
    .await
    .unwrap();
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// A case in production: its number, ETA and its job's machine id.
async fn case_in_production(app: &support::TestApp) -> (String, String, String) {
    let d = app
        .data(
            "{ clinicalCases(statuses: [IN_PRODUCTION], first: 50) { edges { node { number expectedReadyAt job { machine { id } } } } } }",
            json!({}),
        )
        .await;
    let n = d["clinicalCases"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["job"]["machine"]["id"].is_string())
        .expect("a seeded case in production")
        .clone();
    (
        n["number"].as_str().unwrap().to_owned(),
        n["expectedReadyAt"].as_str().unwrap().to_owned(),
        n["job"]["machine"]["id"].as_str().unwrap().to_owned(),
    )
}

async fn eta(app: &support::TestApp, case: &str) -> String {
    let d = app
        .data(
            "query($n: String!) { clinicalCase(number: $n) { expectedReadyAt } }",
            json!({ "n": case }),
        )
        .await;
    d["clinicalCase"]["expectedReadyAt"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// Breakdowns on every machine but `except`, through the schema: the job on
/// `except` then has nowhere else to go when it breaks down too.
async fn down_elsewhere(app: &support::TestApp, except: &str, from: &str, to: &str) {
    let d = app
        .data(
            "{ machines(first: 50) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    for e in d["machines"]["edges"].as_array().unwrap() {
        let id = e["node"]["id"].as_str().unwrap();
        if id != except {
            let r = app
                .run_as(
                    Some(Role::Planner),
                    "mutation($i: AddDowntimeInput!) { addMachineDowntime(input: $i) { userErrors { message } } }",
                    json!({ "i": { "machineId": id, "kind": "MAINTENANCE", "startsAt": from, "endsAt": to, "reason": "overhaul" } }),
                )
                .await;
            assert_eq!(
                r["data"]["addMachineDowntime"]["userErrors"],
                json!([]),
                "{r}"
            );
        }
    }
}

#[tokio::test]
async fn the_planner_sees_the_week_books_a_breakdown_that_moves_a_promise_and_runs_a_job() {
    let app = support::TestApp::new().await;
    let demo = service::create_demo_users(&app.db).await.unwrap();
    let planner = demo.iter().find(|d| d.role == Role::Planner).unwrap();
    let rep = demo.iter().find(|d| d.role == Role::Sales).unwrap();
    let (case, _, machine) = case_in_production(&app).await;
    let base = support::serve(&app, ApiLimits::default()).await;
    let b = Browser::start().await;
    let c = &b.client;
    c.set_window_size(1400, 1000).await.unwrap();

    // Signed in, the planner lands on this week's plan.
    sign_in(&b, &base, &planner.name, &planner.password).await;
    b.wait_text("h1", |t| t == "The plan").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/planner");
    let bars = c.find_all(Locator::Css("svg.gantt a.job")).await.unwrap();
    assert!(bars.len() > 3, "{} bars", bars.len());
    c.find(Locator::Css("svg.gantt g.now")).await.unwrap();
    c.find(Locator::Css("#utilisation svg")).await.unwrap();
    b.screenshot("planner-plan").await;
    click(c, "#zoom-day").await;
    b.wait_text("#plan figcaption", |t| t.contains("Plan per machine"))
        .await;
    assert!(
        c.current_url()
            .await
            .unwrap()
            .query()
            .unwrap_or("")
            .contains("zoom=day")
    );
    b.screenshot("planner-day").await;

    let now = chrono::Utc::now();
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M").to_string();
    // A new stock run: created, started (material issued), completed.
    c.goto(&format!("{base}/planner/jobs/new")).await.unwrap();
    fill(c, "#articleNumber", "AB-ST-NBA-NP-E-15").await;
    fill(c, "#quantity", "20").await;
    set(c, "dueAt", &fmt(now + chrono::Duration::days(6))).await;
    click(c, "#create").await;
    b.wait_text("#job-done", |t| t.contains("Created")).await;
    let number = b.wait_text("#job-number", |t| t.starts_with("JOB-")).await;
    fill(c, "#operator", "A. Rossi").await;
    fill(c, "#camProgram", "ABT-ST-NBA v3.3").await;
    click(c, "#start").await;
    b.wait_text("#job-done", |t| t.contains("Started")).await;
    b.wait_text("#job-status", |t| t.starts_with("IN_PROGRESS"))
        .await;
    b.screenshot("planner-job").await;
    fill(c, "#quantityMade", "19").await;
    click(c, "#complete").await;
    b.wait_text("#job-status", |t| t.starts_with("INSPECTION"))
        .await;
    let j = app
        .data(
            "query($n: String!) { productionJob(number: $n) { status quantityMade materials { quantity } finishedLot { state } } }",
            json!({ "n": number }),
        )
        .await;
    assert_eq!(j["productionJob"]["status"], "INSPECTION", "{j}");
    assert_eq!(j["productionJob"]["quantityMade"], 19);
    assert_eq!(j["productionJob"]["finishedLot"]["state"], "QUARANTINE");
    assert!(
        !j["productionJob"]["materials"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Every other machine is down for overhaul (booked through the schema);
    // then a breakdown on the case's machine, from now for four days.
    c.goto(&format!("{base}/planner")).await.unwrap();
    click(c, "#add-downtime").await;
    b.wait_text("h1", |t| t.starts_with("Add downtime")).await;
    let (from, to) = (
        now + chrono::Duration::minutes(5),
        now + chrono::Duration::days(4),
    );
    down_elsewhere(&app, &machine, &from.to_rfc3339(), &to.to_rfc3339()).await;
    let eta_before = eta(&app, &case).await;
    c.find(Locator::Css(&format!("#machine option[value='{machine}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    set(c, "startsAt", &fmt(from)).await;
    set(c, "endsAt", &fmt(to)).await;
    fill(c, "#reason", "spindle bearing").await;
    click(c, "#book-downtime").await;
    b.wait_text("h1", |t| t.starts_with("Downtime booked"))
        .await;
    let moved = b.wait_text("#moved", |t| t.contains(&case)).await;
    assert!(moved.contains("Cases whose ETA changed"), "{moved}");
    c.find(Locator::Css("#plan-before svg")).await.unwrap();
    c.find(Locator::Css("#plan-after svg")).await.unwrap();
    b.screenshot("planner-breakdown").await;
    // Through the schema: the ETA moved.
    assert_ne!(eta(&app, &case).await, eta_before);

    // A sales rep is refused the plan.
    c.goto(&format!("{base}/signin")).await.unwrap();
    c.delete_all_cookies().await.unwrap();
    sign_in(&b, &base, &rep.name, &rep.password).await;
    b.wait_text("h1", |t| !t.is_empty()).await;
    c.goto(&format!("{base}/planner")).await.unwrap();
    b.wait_text("h1", |t| t == "Not allowed").await;
    b.close().await;
}
