//! Manufacturing through the schema: machines and calendars, jobs through
//! their life (material issued through the ledger, finished lot in quarantine
//! with its genealogy, device history record), the scheduler's plan, the ETA
//! of a hypothetical job, and every bad-input case of the issue.

use abutment_erp::access::Role;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::support::{TestApp, user_errors};

const JOB_FIELDS: &str = "id number kind status statusReason quantity quantityMade plannedStart plannedEnd \
    latenessMinutes machine { code } finishedLot { id lotNumber state quantities { onHand quarantine } } \
    materials { quantity lot { lotNumber heatNumber } } tools { uses tool { code uses } }";

fn job_mutation(name: &str, args: &str, vars: &str) -> String {
    format!(
        "mutation({vars}) {{ {name}({args}) {{ job {{ {JOB_FIELDS} }} warnings userErrors {{ code field message }} }} }}"
    )
}

async fn as_planner(app: &TestApp, q: &str, vars: Value) -> Value {
    let r = app.run_as(Some(Role::Planner), q, vars).await;
    assert!(r.get("errors").is_none(), "{r}");
    r["data"].clone()
}

async fn machine_id(app: &TestApp, code: &str) -> String {
    let d = app
        .data("{ machines { edges { node { id code } } } }", json!({}))
        .await;
    crate::support::flat(&d["machines"])
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["code"] == code)
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no machine {code}"))
}

async fn create_job(app: &TestApp, input: Value) -> Value {
    as_planner(
        app,
        &job_mutation(
            "createProductionJob",
            "input: $input",
            "$input: CreateJobInput!",
        ),
        json!({ "input": input }),
    )
    .await["createProductionJob"]
        .clone()
}

fn due(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339()
}

fn ts(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_seeded_shop_has_machines_calendars_and_jobs_in_every_state() {
    let app = TestApp::new().await;
    let d = app
        .data(
            "{ machines { edges { node { code kind status materials shifts { weekday start end } tools { code uses lifeLimit } downtime { kind } } } }
               productionJobs(first: 100) { totalCount edges { node { status } } } }",
            json!({}),
        )
        .await;
    let machines = crate::support::flat(&d["machines"]);
    let machines = machines.as_array().unwrap();
    assert_eq!(machines.len(), 7);
    assert!(
        machines
            .iter()
            .all(|m| !m["shifts"].as_array().unwrap().is_empty())
    );
    assert!(
        machines
            .iter()
            .any(|m| !m["downtime"].as_array().unwrap().is_empty())
    );
    let statuses: Vec<&str> = d["productionJobs"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["status"].as_str().unwrap())
        .collect();
    for s in [
        "SCHEDULED",
        "IN_PROGRESS",
        "INSPECTION",
        "DONE",
        "CANCELLED",
    ] {
        assert!(statuses.contains(&s), "no {s} job in {statuses:?}");
    }
}

#[tokio::test]
async fn a_finished_lot_traces_back_to_its_bar_heat_in_one_query() {
    let app = TestApp::new().await;
    let d = app
        .data(
            r#"{ productionJobs(filter: {statuses: [DONE]}) { edges { node { finishedLot { id } } } } }"#,
            json!({}),
        )
        .await;
    let lot = d["productionJobs"]["edges"][0]["node"]["finishedLot"]["id"].clone();
    let r = app
        .run_as(
            Some(Role::Quality),
            r#"query($lot: ID!) { deviceHistoryRecord(lotId: $lot) {
                 lot { lotNumber state udi sku { articleNumber } }
                 job { number operator camProgram startedAt finishedAt inspectionResult quantityMade quantityAccepted
                       machine { code } tools { uses tool { code } } }
                 components { quantity lot { lotNumber heatNumber certificateType certificateRef chemistry } }
                 quantityMade quantityAccepted } }"#,
            json!({ "lot": lot }),
        )
        .await;
    let dhr = &r["data"]["deviceHistoryRecord"];
    assert_eq!(dhr["job"]["machine"]["code"], "SWISS-1", "{r}");
    assert_eq!(dhr["job"]["operator"], "M. Keller");
    assert_eq!(dhr["job"]["inspectionResult"], "PASS");
    assert_eq!(dhr["quantityMade"], 118);
    assert_eq!(dhr["quantityAccepted"], 116);
    assert_eq!(dhr["job"]["tools"][0]["uses"], 118);
    let c = &dhr["components"][0];
    assert_eq!(c["lot"]["heatNumber"], "H-7721-A");
    assert_eq!(c["lot"]["certificateType"], "EN 10204 3.1");
    assert_eq!(c["quantity"], 120 * 22);
    assert!(dhr["lot"]["udi"].as_str().unwrap().contains("(10)JOB-"));
    // Forward one level from the bar lot.
    let f = app
        .data(
            r#"{ lot(lotNumber: "BAR-H-7721-A") { usedIn { quantity lot { lotNumber } job { number } } } }"#,
            json!({}),
        )
        .await;
    assert!(!f["lot"]["usedIn"].as_array().unwrap().is_empty(), "{f}");
}

#[tokio::test]
async fn a_stock_job_issues_bar_makes_a_quarantined_lot_and_cannot_complete_twice() {
    let app = TestApp::new().await;
    let created = create_job(
        &app,
        json!({"kind": "STOCK", "articleNumber": "AB-ST-NBA-NP-E-15", "quantity": 10,
               "barMmPerPart": 20, "dueAt": due(5), "priority": 6}),
    )
    .await;
    assert!(user_errors(&created).is_empty(), "{created}");
    let job = &created["job"];
    assert_eq!(job["status"], "SCHEDULED", "{created}");
    let id = job["id"].clone();
    let bar_before = app
        .data(
            r#"{ lot(lotNumber: "BAR-H-7721-A") { quantities { onHand } } }"#,
            json!({}),
        )
        .await["lot"]["quantities"]["onHand"]
        .as_i64()
        .unwrap();
    let movements = app.count("stock_movement").await;
    // SWISS-2 is busy with a running job; start on SWISS-3.
    let swiss3 = machine_id(&app, "SWISS-3").await;
    let started = as_planner(
        &app,
        &job_mutation(
            "startProductionJob",
            "id: $id, input: {machineId: $m, operator: \"A. Rossi\", camProgram: \"ABT-ST-NBA v3.3\"}",
            "$id: ID!, $m: ID!",
        ),
        json!({ "id": id, "m": swiss3 }),
    )
    .await["startProductionJob"]
        .clone();
    assert!(user_errors(&started).is_empty(), "{started}");
    assert_eq!(started["job"]["status"], "IN_PROGRESS");
    let issued: i64 = started["job"]["materials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["quantity"].as_i64().unwrap())
        .sum();
    assert_eq!(issued, 200, "10 parts × 20 mm");
    assert_eq!(app.count("stock_movement").await, movements + 1);
    let bar_after = app
        .data(
            r#"{ lot(lotNumber: "BAR-H-7721-A") { quantities { onHand } } }"#,
            json!({}),
        )
        .await["lot"]["quantities"]["onHand"]
        .as_i64()
        .unwrap();
    assert_eq!(bar_before - bar_after, 200);

    let complete = job_mutation(
        "completeProductionJob",
        "id: $id, input: {quantityMade: 9}",
        "$id: ID!",
    );
    let done =
        as_planner(&app, &complete, json!({ "id": id })).await["completeProductionJob"].clone();
    assert!(user_errors(&done).is_empty(), "{done}");
    assert_eq!(done["job"]["status"], "INSPECTION");
    let lot = &done["job"]["finishedLot"];
    assert_eq!(lot["state"], "QUARANTINE");
    assert_eq!(lot["quantities"]["onHand"], 9);
    assert_eq!(lot["quantities"]["quarantine"], 9);
    let lots = app.count("lot").await;
    let edges = app.count("lot_genealogy").await;
    let again =
        as_planner(&app, &complete, json!({ "id": id })).await["completeProductionJob"].clone();
    let errs = user_errors(&again);
    assert_eq!(errs[0].0, "CONFLICT", "{again}");
    assert!(errs[0].2.contains("INSPECTION"), "{errs:?}");
    assert_eq!(
        app.count("lot").await,
        lots,
        "completing twice made nothing"
    );
    assert_eq!(app.count("lot_genealogy").await, edges);

    // Inspection: 8 of 9 accepted; one scrapped from the lot.
    let r = app
        .run_as(
            Some(Role::Quality),
            &job_mutation(
                "recordJobInspection",
                "id: $id, input: {result: PASS, quantityAccepted: 8, note: \"1 part with a burr\"}",
                "$id: ID!",
            ),
            json!({ "id": id }),
        )
        .await;
    let p = &r["data"]["recordJobInspection"];
    assert_eq!(p["job"]["status"], "DONE", "{r}");
    assert_eq!(p["job"]["finishedLot"]["quantities"]["onHand"], 8);
}

#[tokio::test]
async fn a_job_no_machine_can_make_is_refused_and_nothing_is_created() {
    let app = TestApp::new().await;
    let jobs = app.count("production_job").await;
    // Zirconia: no lathe is qualified for it.
    let r = create_job(
        &app,
        json!({"kind": "STOCK", "articleNumber": "AB-ST-NBA-NP-E-15-ZR", "quantity": 10, "dueAt": due(5)}),
    )
    .await;
    let errs = user_errors(&r);
    assert_eq!(errs[0].1, "input.articleNumber", "{r}");
    assert!(errs[0].2.contains("no machine can make"), "{errs:?}");
    assert!(errs[0].2.contains("SWISS-1: not qualified for"), "{errs:?}");
    // A custom part for a system no mill's holder takes.
    let r = create_job(
        &app,
        json!({"kind": "CUSTOM", "system": "SHORT Implant", "platform": "3.0", "dueAt": due(5)}),
    )
    .await;
    let errs = user_errors(&r);
    assert!(!errs.is_empty(), "{r}");
    assert_eq!(app.count("production_job").await, jobs);
}

#[tokio::test]
async fn bad_calendars_and_downtime_are_refused_naming_the_field() {
    let app = TestApp::new().await;
    let m = machine_id(&app, "MILL-1").await;
    let cal = r#"mutation($id: ID!, $input: MachineCalendarInput!) {
        setMachineCalendar(machineId: $id, input: $input) { machine { shifts { weekday start end } } userErrors { code field message } } }"#;
    let shifts_before = app.count("machine_shift").await;
    let r = as_planner(
        &app,
        cal,
        json!({"id": m, "input": {"timeZone": "Europe/Zurich", "shifts": [
            {"weekday": 1, "start": "06:00", "end": "14:00"},
            {"weekday": 1, "start": "13:00", "end": "22:00"}]}}),
    )
    .await;
    let errs = user_errors(&r);
    assert_eq!(errs[0].1, "input.shifts[1]", "{r}");
    assert!(errs[0].2.contains("overlaps shift 0"), "{errs:?}");
    let r = as_planner(
        &app,
        cal,
        json!({"id": m, "input": {"timeZone": "Mars/Olympus", "shifts": []}}),
    )
    .await;
    assert_eq!(user_errors(&r)[0].1, "input.timeZone");
    assert_eq!(app.count("machine_shift").await, shifts_before);

    let down = r#"mutation($input: AddDowntimeInput!) { addMachineDowntime(input: $input) { downtime { id } userErrors { code field message } } }"#;
    let r = as_planner(
        &app,
        down,
        json!({"input": {"machineId": m, "kind": "BREAKDOWN", "startsAt": due(2), "endsAt": due(1), "reason": "spindle"}}),
    )
    .await;
    let errs = user_errors(&r);
    assert_eq!(errs[0].1, "input.endsAt", "{r}");
    assert!(errs[0].2.contains("must be after the start"));
}

#[tokio::test]
async fn starting_a_job_without_released_material_changes_nothing() {
    let app = TestApp::new().await;
    // Astra Tech EV blanks: the mills take them, but none are in stock.
    let created = create_job(
        &app,
        json!({"kind": "CUSTOM", "system": "Astra Tech EV", "platform": "4.2", "dueAt": due(3),
               "gingivalHeightMm": "2.0", "angulationDeg": "10", "caseReference": "CASE-T-1"}),
    )
    .await;
    assert!(user_errors(&created).is_empty(), "{created}");
    let id = created["job"]["id"].clone();
    let movements = app.count("stock_movement").await;
    let r = as_planner(
        &app,
        &job_mutation(
            "startProductionJob",
            "id: $id, input: {operator: \"A. Rossi\", camProgram: \"C-1 v1\"}",
            "$id: ID!",
        ),
        json!({ "id": id }),
    )
    .await;
    let errs = user_errors(&r);
    assert_eq!(errs[0].1, "input.material", "{r}");
    assert!(
        errs[0].2.contains("not enough released material"),
        "{errs:?}"
    );
    assert_eq!(app.count("stock_movement").await, movements);
    let j = app
        .data(
            r#"query($id: ID!) { productionJob(id: $id) { status } }"#,
            json!({ "id": id }),
        )
        .await;
    assert_eq!(j["productionJob"]["status"], "SCHEDULED");
}

#[tokio::test]
async fn design_parameters_outside_the_limits_are_refused() {
    let app = TestApp::new().await;
    let r = create_job(
        &app,
        json!({"kind": "CUSTOM", "system": "NobelActive", "platform": "NP", "dueAt": due(3),
               "gingivalHeightMm": "7.5"}),
    )
    .await;
    let errs = user_errors(&r);
    assert_eq!(errs[0].1, "input.gingivalHeightMm", "{r}");
    assert!(errs[0].2.contains("0.5–5"), "{errs:?}");
}

fn overlaps(a: (DateTime<Utc>, DateTime<Utc>), b: (DateTime<Utc>, DateTime<Utc>)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

#[tokio::test]
async fn the_plan_keeps_jobs_apart_off_downtime_and_on_capable_machines() {
    let app = TestApp::new().await;
    let m2 = machine_id(&app, "MILL-2").await;
    // A breakdown on MILL-2 across the next two days; custom parts must avoid it.
    let (from, to) = (Utc::now(), Utc::now() + Duration::days(2));
    let r = as_planner(
        &app,
        r#"mutation($input: AddDowntimeInput!) { addMachineDowntime(input: $input) { downtime { id } userErrors { message } } }"#,
        json!({"input": {"machineId": m2, "kind": "BREAKDOWN", "startsAt": from.to_rfc3339(), "endsAt": to.to_rfc3339(), "reason": "axis fault"}}),
    )
    .await;
    assert!(user_errors(&r).is_empty(), "{r}");
    let d = app
        .data(
            r#"{ productionSchedule(from: "2020-01-01T00:00:00Z", to: "2020-01-02T00:00:00Z") { lastRun { trigger scheduled unscheduled } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        d["productionSchedule"]["lastRun"]["trigger"],
        "downtime added"
    );
    let window_to = (Utc::now() + Duration::days(60)).to_rfc3339();
    let d = app
        .data(
            r#"query($to: DateTime!) { productionSchedule(to: $to) {
                 machines { machine { code kind } availableMinutes busyMinutes utilisation
                   downtime { startsAt endsAt }
                   jobs { start end job { number kind status } } }
                 unscheduledJobs { number } } }"#,
            json!({ "to": window_to }),
        )
        .await;
    let plan = &d["productionSchedule"];
    assert!(
        plan["unscheduledJobs"].as_array().unwrap().is_empty(),
        "{plan}"
    );
    let mut placed = 0;
    for m in plan["machines"].as_array().unwrap() {
        let u = m["utilisation"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&u), "{m}");
        let lathe = m["machine"]["kind"] == "SWISS_LATHE";
        let jobs = m["jobs"].as_array().unwrap();
        let spans: Vec<_> = jobs
            .iter()
            .filter(|j| matches!(j["job"]["status"].as_str(), Some("SCHEDULED")))
            .map(|j| (ts(&j["start"]), ts(&j["end"])))
            .collect();
        for j in jobs {
            if j["job"]["status"] == "SCHEDULED" {
                placed += 1;
                assert_eq!(
                    j["job"]["kind"] == "STOCK",
                    lathe,
                    "{} on {}",
                    j["job"]["number"],
                    m["machine"]["code"]
                );
            }
        }
        for (i, a) in spans.iter().enumerate() {
            assert!(a.0 < a.1);
            for b in &spans[i + 1..] {
                assert!(!overlaps(*a, *b), "overlap on {}", m["machine"]["code"]);
            }
            for dt in m["downtime"].as_array().unwrap() {
                let w = (ts(&dt["startsAt"]), ts(&dt["endsAt"]));
                // A job may pause over downtime, never start inside it.
                assert!(
                    !(a.0 >= w.0 && a.0 < w.1),
                    "starts in downtime on {}",
                    m["machine"]["code"]
                );
            }
        }
    }
    assert!(placed >= 8, "{placed} jobs placed");
}

#[tokio::test]
async fn the_eta_of_a_custom_part_commits_nothing_and_compares_with_the_due_date() {
    let app = TestApp::new().await;
    let jobs = app.count("production_job").await;
    let q = r#"query($input: JobEtaInput!) { customJobEta(input: $input) {
        possible machine { code kind } start end meetsDueDate materialAvailable notes } }"#;
    let r = app
        .run_as(
            Some(Role::Sales),
            q,
            json!({"input": {"system": "NobelActive", "platform": "NP", "dueAt": due(30)}}),
        )
        .await;
    let e = &r["data"]["customJobEta"];
    assert_eq!(e["possible"], true, "{r}");
    assert_eq!(e["machine"]["kind"], "MILL_5_AXIS");
    assert_eq!(e["meetsDueDate"], true);
    assert_eq!(e["materialAvailable"], true);
    assert!(ts(&e["end"]) > ts(&e["start"]));
    let r = app
        .run_as(
            Some(Role::Sales),
            q,
            json!({"input": {"system": "NobelActive", "platform": "NP",
                             "dueAt": (Utc::now() + Duration::minutes(1)).to_rfc3339()}}),
        )
        .await;
    assert_eq!(r["data"]["customJobEta"]["meetsDueDate"], false, "{r}");
    // No machine takes SHORT Implant blanks: impossible, with reasons.
    let r = app
        .run_as(
            Some(Role::Sales),
            q,
            json!({"input": {"system": "SHORT Implant", "platform": "3.0"}}),
        )
        .await;
    let e = &r["data"]["customJobEta"];
    assert_eq!(e["possible"], false, "{r}");
    assert!(e["notes"].to_string().contains("blank holder"), "{e}");
    assert_eq!(app.count("production_job").await, jobs);
}

#[tokio::test]
async fn a_tool_past_its_life_is_flagged_when_a_job_starts() {
    let app = TestApp::new().await;
    // MILL-1's bur set has 38 of 40 uses; a custom part on it is fine, but
    // a tool with 1 use left flags a 2-part job.
    let m1 = machine_id(&app, "MILL-1").await;
    let t = as_planner(
        &app,
        r#"mutation($m: ID!) { createTool(input: {code: "BUR-TEST", name: "test bur", machineId: $m, lifeLimit: 1}) { tool { id } userErrors { message } } }"#,
        json!({ "m": m1 }),
    )
    .await;
    let tool = t["createTool"]["tool"]["id"].clone();
    let created = create_job(
        &app,
        json!({"kind": "CUSTOM", "system": "NobelActive", "platform": "NP", "dueAt": due(3)}),
    )
    .await;
    let id = created["job"]["id"].clone();
    let r = as_planner(
        &app,
        &job_mutation(
            "startProductionJob",
            "id: $id, input: {machineId: $m, operator: \"A. Rossi\", camProgram: \"C-2 v1\", toolIds: [$t]}",
            "$id: ID!, $m: ID!, $t: ID!",
        ),
        json!({ "id": id, "m": m1, "t": tool }),
    )
    .await;
    let p = &r["startProductionJob"];
    assert!(user_errors(&r).is_empty(), "{r}");
    // One part against a limit of 1: no warning; the counter moves at completion.
    assert!(p["warnings"].as_array().unwrap().is_empty(), "{p}");
    let done = as_planner(
        &app,
        &job_mutation(
            "completeProductionJob",
            "id: $id, input: {quantityMade: 1}",
            "$id: ID!",
        ),
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        done["completeProductionJob"]["job"]["tools"][0]["tool"]["uses"], 1,
        "{done}"
    );
    // The next job with the worn tool is flagged.
    let created = create_job(
        &app,
        json!({"kind": "CUSTOM", "system": "NobelActive", "platform": "NP", "dueAt": due(3)}),
    )
    .await;
    let r = as_planner(
        &app,
        &job_mutation(
            "startProductionJob",
            "id: $id, input: {machineId: $m, operator: \"A. Rossi\", camProgram: \"C-3 v1\", toolIds: [$t]}",
            "$id: ID!, $m: ID!, $t: ID!",
        ),
        json!({ "id": created["job"]["id"], "m": m1, "t": tool }),
    )
    .await;
    let w = r["startProductionJob"]["warnings"].to_string();
    assert!(w.contains("BUR-TEST would reach 2 of its 1 uses"), "{r}");
}

#[tokio::test]
async fn cancelling_a_running_job_is_refused_and_a_cancelled_job_leaves_the_plan() {
    let app = TestApp::new().await;
    let d = app
        .data(
            r#"{ productionJobs(filter: {statuses: [IN_PROGRESS, SCHEDULED]}, first: 100) { edges { node { id status } } } }"#,
            json!({}),
        )
        .await;
    let edges = d["productionJobs"]["edges"].as_array().unwrap().clone();
    let running = edges
        .iter()
        .find(|e| e["node"]["status"] == "IN_PROGRESS")
        .unwrap();
    let scheduled = edges
        .iter()
        .find(|e| e["node"]["status"] == "SCHEDULED")
        .unwrap();
    let cancel = job_mutation(
        "cancelProductionJob",
        "id: $id, reason: \"customer changed the order\"",
        "$id: ID!",
    );
    let r = as_planner(&app, &cancel, json!({ "id": running["node"]["id"] })).await;
    assert_eq!(user_errors(&r)[0].0, "CONFLICT", "{r}");
    let r = as_planner(&app, &cancel, json!({ "id": scheduled["node"]["id"] })).await;
    let j = &r["cancelProductionJob"]["job"];
    assert_eq!(j["status"], "CANCELLED", "{r}");
    assert!(j["plannedStart"].is_null());
    // The running job stays pinned where it started after a reschedule.
    let before = app
        .data(
            r#"query($id: ID!) { productionJob(id: $id) { machine { code } plannedStart } }"#,
            json!({ "id": running["node"]["id"] }),
        )
        .await;
    as_planner(
        &app,
        "mutation { rescheduleProduction { run { scheduled } userErrors { message } } }",
        json!({}),
    )
    .await;
    let after = app
        .data(
            r#"query($id: ID!) { productionJob(id: $id) { machine { code } plannedStart } }"#,
            json!({ "id": running["node"]["id"] }),
        )
        .await;
    assert_eq!(before, after);
}

#[tokio::test]
async fn eight_clients_starting_one_job_at_once_issue_its_material_once() {
    let app = std::sync::Arc::new(TestApp::new().await);
    let created = create_job(
        &app,
        json!({"kind": "CUSTOM", "system": "NobelActive", "platform": "NP", "dueAt": due(4),
               "gingivalHeightMm": "2.5", "angulationDeg": "15", "caseReference": "CASE-RACE"}),
    )
    .await;
    assert!(user_errors(&created).is_empty(), "{created}");
    let id = created["job"]["id"].clone();
    let blank = r#"{ lot(lotNumber: "BLK-24-001") { quantities { onHand } } }"#;
    let blanks = app.data(blank, json!({})).await["lot"]["quantities"]["onHand"]
        .as_i64()
        .unwrap();
    let movements = app.count("stock_movement").await;
    let start = job_mutation(
        "startProductionJob",
        "id: $id, input: {operator: \"A. Rossi\", camProgram: \"CASE-RACE v1\"}",
        "$id: ID!",
    );
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (app, start, id) = (app.clone(), start.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            app.run_as(Some(Role::Planner), &start, json!({ "id": id }))
                .await
        }));
    }
    let (mut started, mut refused) = (0, 0);
    for t in tasks {
        let r = t.await.unwrap();
        assert!(r.get("errors").is_none(), "no request may fail: {r}");
        let errs = user_errors(&r["data"]);
        if errs.is_empty() {
            started += 1;
        } else {
            assert_eq!(errs[0].0, "CONFLICT", "{errs:?}");
            refused += 1;
        }
    }
    assert_eq!((started, refused), (1, 7));
    assert_eq!(app.count("stock_movement").await, movements + 1);
    let after = app.data(blank, json!({})).await["lot"]["quantities"]["onHand"]
        .as_i64()
        .unwrap();
    assert_eq!(blanks - after, 1, "one blank issued");
    assert!(
        abutment_erp::inventory::service::verify(&app.db)
            .await
            .unwrap()
            .is_empty(),
        "ledger reconciles"
    );
}

#[tokio::test]
async fn the_material_a_job_start_with_an_idempotency_key_issues_is_booked_under_that_key() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = TestApp::new().await;
    let created = create_job(
        &app,
        json!({"kind": "STOCK", "articleNumber": "AB-ST-NBA-NP-E-15", "quantity": 10,
               "barMmPerPart": 20, "dueAt": due(5), "priority": 6}),
    )
    .await;
    assert!(user_errors(&created).is_empty(), "{created}");
    let swiss3 = machine_id(&app, "SWISS-3").await;
    let started = as_planner(
        &app,
        &job_mutation(
            "startProductionJob",
            "id: $id, input: {machineId: $m, operator: \"A. Rossi\", camProgram: \"ABT-ST-NBA v3.3\"}, idempotencyKey: $k",
            "$id: ID!, $m: ID!, $k: String",
        ),
        json!({ "id": created["job"]["id"], "m": swiss3, "k": "start-job-4711" }),
    )
    .await["startProductionJob"]
        .clone();
    assert!(user_errors(&started).is_empty(), "{started}");
    let number = started["job"]["number"].as_str().unwrap();
    let issued = entity::stock_movement::Entity::find()
        .filter(entity::stock_movement::Column::Reference.eq(number))
        .all(&app.db)
        .await
        .unwrap();
    assert!(!issued.is_empty(), "no movement references {number}");
    for m in &issued {
        assert_eq!(
            m.idempotency_key.as_deref(),
            Some("start-job-4711"),
            "{m:?}"
        );
    }
}
