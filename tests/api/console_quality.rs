//! The quality console over HTTP, through the router the server runs: a
//! recall from scope to closure through the pages alone (checked through
//! the schema), the seeded mock-recall drill, the trace viewer forward and
//! backward with its CSV, the release desk (inspect, release, a missing
//! reason named), a bad scope named beside its field with nothing created,
//! and the refusal of every page and form to other roles and of a form
//! without the session's token.

use abutment_erp::access::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::console::{Console, PASSWORD, csrf_of, location, with_password};
use crate::support::TestApp;

/// A signed-in console client and its session.
pub(crate) struct Signed {
    pub(crate) c: Console,
    secret: String,
}

impl Signed {
    pub(crate) async fn new(app: &TestApp, role: Role) -> Signed {
        let name = with_password(app, role).await;
        Signed::named(app, &name, PASSWORD).await
    }

    pub(crate) async fn named(app: &TestApp, name: &str, password: &str) -> Signed {
        let c = Console::start(app).await;
        let secret = c.session(name, password).await;
        Signed { c, secret }
    }

    pub(crate) async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = self.c.get(path, Some(&self.secret)).await;
        (r.status(), r.text().await.unwrap())
    }

    /// Posts a form with the session's CSRF token: the status, the
    /// `Location` (after a redirect) and the page.
    pub(crate) async fn post(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String, String) {
        let csrf = csrf_of(&self.get("/home").await.1);
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    pub(crate) async fn post_raw(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String, String) {
        let r = self
            .c
            .http
            .post(format!("{}{path}", self.c.base))
            .header("cookie", format!("abt_session={}", self.secret))
            .form(fields)
            .send()
            .await
            .unwrap();
        let to = location(&r).to_owned();
        (r.status(), to, r.text().await.unwrap())
    }
}

pub(crate) fn q(v: &str) -> String {
    form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// The value of the hidden field `name` of the first form having it.
fn hidden_value(html: &str, name: &str) -> String {
    let key = format!(r#"name="{name}" value=""#);
    let at = html
        .find(&key)
        .unwrap_or_else(|| panic!("no hidden {name}: {html}"))
        + key.len();
    html[at..].split('"').next().unwrap().to_owned()
}

/// The values of every hidden field `name`, in page order, deduplicated.
fn hidden_values(html: &str, name: &str) -> Vec<String> {
    let key = format!(r#"name="{name}" value=""#);
    let mut out: Vec<String> = Vec::new();
    for part in html.split(&key).skip(1) {
        let v = part.split('"').next().unwrap().to_owned();
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

async fn recall(app: &TestApp, number: &str) -> Value {
    app.data(
        "query($n: String!) { recall(number: $n) { id status closureNote
            consignees { consignee notifiedAt notifiedVia returned used outstanding }
            affectedLots { lot { lotNumber effectiveState } } } }",
        json!({ "n": number }),
    )
    .await["recall"]
        .clone()
}

async fn lot_state(app: &TestApp, id: &str) -> Value {
    app.data(
        "query($id: ID!) { node(id: $id) { ... on Lot { state stateReason } } }",
        json!({ "id": id }),
    )
    .await["node"]
        .clone()
}

async fn lot_id(app: &TestApp, number: &str) -> String {
    app.data(
        "query($n: String!) { lot(lotNumber: $n) { id } }",
        json!({ "n": number }),
    )
    .await["lot"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_recall_runs_from_scope_to_closure_through_the_pages_and_the_schema_agrees() {
    let app = TestApp::new().await;
    let qe = Signed::new(&app, Role::Quality).await;
    // Scope → a draft, and its page previews what it would stop.
    let (status, to, _) = qe
        .post(
            "/quality/recalls",
            &[
                ("scope", "lot"),
                ("value", "JOB-000001"),
                ("class", "CLASS_II"),
                ("reason", "Burr on the screw seat"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(to.starts_with("/quality/recall?number=RC-"), "{to}");
    let number = to["/quality/recall?number=".len()..]
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let (status, html) = qe.get(&to).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"id="recall-status">DRAFT"#), "{html}");
    let lot = lot_id(&app, "JOB-000001").await;
    let expected = app
        .data(
            "query($l: ID!) { traceForward(scope: { lotIds: [$l] }) { totals { consignees piecesOnHand } consignees { consignee } } }",
            json!({ "l": lot }),
        )
        .await;
    for c in expected["traceForward"]["consignees"].as_array().unwrap() {
        assert!(
            html.contains(c["consignee"].as_str().unwrap()),
            "{c} in the preview"
        );
    }
    let recall_id = hidden_value(&html, "recall");
    let base = [("recall", recall_id.as_str()), ("number", number.as_str())];

    // Activate: the lot is RECALLED.
    let (status, to, _) = qe.post("/quality/recall/activate", &base).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    let r = recall(&app, &number).await;
    assert_eq!(r["status"], "ACTIVE");
    assert_eq!(r["affectedLots"][0]["lot"]["effectiveState"], "RECALLED");

    // The checklist: every consignee notified.
    let html = qe.get(&to).await.1;
    let consignees = hidden_values(&html, "consignee");
    assert_eq!(
        consignees.len(),
        expected["traceForward"]["totals"]["consignees"]
            .as_u64()
            .unwrap() as usize
    );
    for c in &consignees {
        let mut f = base.to_vec();
        f.extend([
            ("consignee", c.as_str()),
            ("name", "x"),
            ("via", "EMAIL"),
            ("note", "FSN-1"),
        ]);
        let (status, _, html) = qe.post("/quality/recall/notify", &f).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    }
    // More returned than received: refused beside the quantity, nothing changed.
    let movements = app.count("stock_movement").await;
    let mut f = base.to_vec();
    f.extend([
        ("consignee", consignees[0].as_str()),
        ("name", "x"),
        ("lot", lot.as_str()),
        ("quantity", "5"),
    ]);
    let (status, _, html) = qe.post("/quality/recall/return", &f).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"id="return-quantity-0-error""#), "{html}");
    assert_eq!(app.count("stock_movement").await, movements);
    // One returned by the first, one confirmed used by the second.
    f.pop();
    f.push(("quantity", "1"));
    assert_eq!(
        qe.post("/quality/recall/return", &f).await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.count("stock_movement").await, movements + 1);
    let mut u = base.to_vec();
    u.extend([
        ("consignee", consignees[1].as_str()),
        ("name", "y"),
        ("lot", lot.as_str()),
        ("quantity", "1"),
    ]);
    assert_eq!(
        qe.post("/quality/recall/usage", &u).await.0,
        StatusCode::SEE_OTHER
    );

    // Close: refused while a unit is outstanding without a justification.
    let (status, _, html) = qe.post("/quality/recall/close", &base).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"id="justification-error""#), "{html}");
    assert_eq!(recall(&app, &number).await["status"], "ACTIVE");
    let mut c = base.to_vec();
    c.push((
        "justification",
        "the third clinic cannot be reached; CAPA-9",
    ));
    assert_eq!(
        qe.post("/quality/recall/close", &c).await.0,
        StatusCode::SEE_OTHER
    );
    let r = recall(&app, &number).await;
    assert_eq!(r["status"], "CLOSED");
    assert!(r["closureNote"].as_str().unwrap().contains("CAPA-9"));
    for c in r["consignees"].as_array().unwrap() {
        assert_eq!(c["notifiedVia"], "EMAIL", "{c}");
    }
    let returned: i64 = r["consignees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["returned"].as_i64().unwrap())
        .sum();
    assert_eq!(returned, 1);

    // The report: printable with the device identification, and its CSV.
    let gtin = app
        .data(
            "query($n: String!) { lot(lotNumber: $n) { sku { gtin } } }",
            json!({ "n": "JOB-000001" }),
        )
        .await["lot"]["sku"]["gtin"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, html) = qe
        .get(&format!("/quality/recall/report?number={number}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&gtin) && html.contains(&format!("(01){gtin:0>14}")),
        "{html}"
    );
    assert!(html.contains("JOB-000001") && html.contains("CLOSED") && html.contains("CAPA-9"));
    let r =
        qe.c.get(
            &format!("/quality/recall/report?number={number}&format=csv"),
            Some(&qe.secret),
        )
        .await;
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.text().await.unwrap();
    let api = app
        .data(
            "query($n: String!) { recall(number: $n) { reportCsv } }",
            json!({ "n": number }),
        )
        .await;
    assert_eq!(csv, api["recall"]["reportCsv"].as_str().unwrap());
}

#[tokio::test]
async fn the_seeded_mock_recall_drill_shows_its_time_and_what_it_reaches_and_changes_nothing() {
    let app = TestApp::new().await;
    let qe = Signed::new(&app, Role::Quality).await;
    let (movements, recalls) = (app.count("stock_movement").await, app.count("recall").await);
    let list = qe.get("/quality/recalls").await.1;
    assert!(
        list.contains(r#"action="/quality/drill""#) && list.contains("H-7721-A"),
        "{list}"
    );
    let (status, html) = qe.get("/quality/drill?scope=heat&value=H-7721-A").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let m = app
        .data(
            "{ mockRecall(scope: { heatNumber: \"H-7721-A\" }) { lots consignees } }",
            json!({}),
        )
        .await;
    assert!(
        html.contains(r#"<strong id="drill-ms">"#) && html.contains(" ms</strong>"),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            r#"<strong id="drill-lots">{}</strong>"#,
            m["mockRecall"]["lots"]
        )),
        "{html}"
    );
    assert!(html.contains(&format!(
        r#"<strong id="drill-consignees">{}</strong>"#,
        m["mockRecall"]["consignees"]
    )));
    assert_eq!(app.count("stock_movement").await, movements);
    assert_eq!(app.count("recall").await, recalls);
}

#[tokio::test]
async fn the_trace_viewer_follows_a_heat_forward_and_a_case_back_to_the_bar_with_csv() {
    let app = TestApp::new().await;
    let qe = Signed::new(&app, Role::Quality).await;
    let t = app
        .data(
            "{ traceForward(scope: { heatNumber: \"H-7721-A\" }) { totals { lots } lots { lotNumber }
               consignees { consignee } shipments { caseId } } }",
            json!({}),
        )
        .await["traceForward"]
        .clone();
    let (status, html) = qe
        .get("/quality/trace?dir=forward&scope=heat&value=H-7721-A")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!(r#"<dd id="total-lots">{} ("#, t["totals"]["lots"])),
        "{html}"
    );
    for l in t["lots"].as_array().unwrap() {
        assert!(html.contains(l["lotNumber"].as_str().unwrap()));
    }
    for c in t["consignees"].as_array().unwrap() {
        assert!(html.contains(c["consignee"].as_str().unwrap()));
    }
    assert!(html.contains("<details"), "levels expand");
    let r =
        qe.c.get(
            "/quality/trace?dir=forward&scope=heat&value=H-7721-A&format=csv",
            Some(&qe.secret),
        )
        .await;
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("section,depth,kind,lot"), "{csv}");
    assert_eq!(
        csv.lines().filter(|l| l.starts_with("lot,")).count(),
        t["lots"].as_array().unwrap().len()
    );

    // Backward from a case it reached: to the bar and its certificate.
    let case_id = t["shipments"][0]["caseId"].as_str().unwrap();
    let number = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on ClinicalCase { number } } }",
            json!({ "id": case_id }),
        )
        .await["node"]["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, html) = qe
        .get(&format!(
            "/quality/trace?dir=backward&start=case&back={number}"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("H-7721-A") && html.contains("CERT-H-7721-A"),
        "{html}"
    );
    // An unknown lot is named beside the field.
    let (status, html) = qe
        .get("/quality/trace?dir=backward&start=lot&back=NOPE")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"id="back-error""#), "{html}");
}

#[tokio::test]
async fn the_release_desk_inspects_a_job_and_releases_its_lot_and_names_a_missing_reason() {
    let app = TestApp::new().await;
    let qe = Signed::new(&app, Role::Quality).await;
    let job = app
        .data(
            "{ productionJobs(filter: {statuses: [INSPECTION]}, first: 1) { edges { node { id number finishedLot { id lotNumber } } } } }",
            json!({}),
        )
        .await["productionJobs"]["edges"][0]["node"]
        .clone();
    let (job_id, lot, lot_number) = (
        job["id"].as_str().unwrap(),
        job["finishedLot"]["id"].as_str().unwrap(),
        job["finishedLot"]["lotNumber"].as_str().unwrap(),
    );
    let (status, html) = qe.get("/quality/release").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(job["number"].as_str().unwrap()) && html.contains(lot_number),
        "{html}"
    );

    let (status, _, _) = qe
        .post(
            "/quality/inspect",
            &[("job", job_id), ("result", "PASS"), ("note", "CMM ok")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(lot_state(&app, lot).await["state"], "QUARANTINE");
    // No reason: named beside the field, the lot unchanged.
    let (status, _, html) = qe
        .post(
            "/quality/release",
            &[("lot", lot), ("state", "RELEASED"), ("reason", " ")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains(&format!(r#"id="reason-{lot_number}-error""#)),
        "{html}"
    );
    assert_eq!(lot_state(&app, lot).await["state"], "QUARANTINE");
    // No decision chosen: named beside the choice.
    let (status, _, html) = qe
        .post(
            "/quality/release",
            &[("lot", lot), ("state", ""), ("reason", "IR-77")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains(&format!(r#"id="state-{lot_number}-error""#)),
        "{html}"
    );
    let (status, to, _) = qe
        .post(
            "/quality/release",
            &[
                ("lot", lot),
                ("state", "RELEASED"),
                ("reason", "IR-77 passed"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(to.starts_with("/quality/release?done="), "{to}");
    let s = lot_state(&app, lot).await;
    assert_eq!(
        (s["state"].as_str(), s["stateReason"].as_str()),
        (Some("RELEASED"), Some("IR-77 passed"))
    );
    // The device history record page of the lot.
    let (status, html) = qe.get(&format!("/quality/lot?id={}", q(lot))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(lot_number) && html.contains("PASS"), "{html}");
}

#[tokio::test]
async fn a_bad_scope_is_named_beside_its_field_and_creates_nothing() {
    let app = TestApp::new().await;
    let qe = Signed::new(&app, Role::Quality).await;
    let before = app.count("recall").await;
    for (fields, field) in [
        (
            vec![
                ("scope", "heat"),
                ("value", "NO-SUCH-HEAT"),
                ("class", "CLASS_II"),
                ("reason", "x"),
            ],
            "value",
        ),
        (
            vec![
                ("scope", "tool"),
                ("value", "NO-TOOL"),
                ("class", "CLASS_II"),
                ("reason", "x"),
            ],
            "value",
        ),
        (
            vec![
                ("scope", "machine"),
                ("value", "SWISS-1"),
                ("from", "yesterday"),
                ("to", "2026-01-01T00:00"),
                ("class", "CLASS_II"),
                ("reason", "x"),
            ],
            "from",
        ),
        (
            vec![("scope", "heat"), ("value", "H-7721-A"), ("reason", "x")],
            "class",
        ),
        (
            vec![
                ("scope", "heat"),
                ("value", "H-7721-A"),
                ("class", "CLASS_II"),
                ("reason", ""),
            ],
            "reason",
        ),
    ] {
        let (status, _, html) = qe.post("/quality/recalls", &fields).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{fields:?}: {html}"
        );
        assert!(
            html.contains(&format!(r#"id="{field}-error""#)),
            "{fields:?}: {html}"
        );
    }
    assert_eq!(app.count("recall").await, before);
}

const PAGES: &[&str] = &[
    "/quality/release",
    "/quality/lot?id=x",
    "/quality/trace",
    "/quality/drill",
    "/quality/recalls",
    "/quality/recall?number=RC-2026-0001",
    "/quality/recall/report?number=RC-2026-0001",
];

const FORMS: &[&str] = &[
    "/quality/release",
    "/quality/inspect",
    "/quality/recalls",
    "/quality/recall/activate",
    "/quality/recall/cancel",
    "/quality/recall/notify",
    "/quality/recall/return",
    "/quality/recall/usage",
    "/quality/recall/close",
];

#[tokio::test]
async fn other_roles_are_refused_every_quality_page_and_form_and_a_forged_token_does_nothing() {
    let app = TestApp::new().await;
    let lot = lot_id(&app, "JOB-000001").await;
    let before = (app.count("recall").await, app.count("stock_movement").await);
    for role in [Role::Sales, Role::Warehouse, Role::Planner] {
        let s = Signed::new(&app, role).await;
        for p in PAGES {
            let (status, html) = s.get(p).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role:?} GET {p}");
            assert!(html.contains("is not allowed for your role(s)"), "{html}");
        }
        assert!(!s.get("/home").await.1.contains("/quality/"), "{role:?}");
        for p in FORMS {
            let fields = [
                ("scope", "lot"),
                ("value", "JOB-000001"),
                ("class", "CLASS_I"),
                ("reason", "x"),
                ("lot", lot.as_str()),
                ("state", "REJECTED"),
            ];
            assert_eq!(
                s.post(p, &fields).await.0,
                StatusCode::FORBIDDEN,
                "{role:?} POST {p}"
            );
        }
    }
    let qe = Signed::new(&app, Role::Quality).await;
    let (status, _, _) = qe
        .post_raw(
            "/quality/recalls",
            &[
                ("csrf", "forged"),
                ("scope", "lot"),
                ("value", "JOB-000001"),
                ("class", "CLASS_I"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = qe
        .post_raw(
            "/quality/release",
            &[
                ("lot", lot.as_str()),
                ("state", "REJECTED"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        (app.count("recall").await, app.count("stock_movement").await),
        before
    );
    let r = qe.c.get("/quality/recalls", None).await;
    assert_eq!(location(&r), "/signin");
}
