//! The planner's console and the UDI labels over HTTP, through the router
//! the server runs: the plan as an SVG Gantt chart (zoom by day and week,
//! the now line, late jobs marked, utilisation), a breakdown that moves a
//! case's promise shown before and after and checked through the schema, a
//! job created, started (a scan naming no lot refused), completed and inspected through
//! its forms, bad input named beside its field with nothing changed, the
//! CSRF token, and the refusal of every page and form to other roles; a
//! label's DataMatrix decoded by an independent reader (rxing) and read
//! back by `scan` to the same GTIN, lot, expiry and serial.

use abutment_erp::access::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::console::{Console, PASSWORD, csrf_of, location, with_password};
use crate::support::TestApp;

/// A signed-in console client and its session.
struct Signed {
    c: Console,
    secret: String,
}

impl Signed {
    async fn new(app: &TestApp, role: Role) -> Signed {
        let name = with_password(app, role).await;
        let c = Console::start(app).await;
        let secret = c.session(&name, PASSWORD).await;
        Signed { c, secret }
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = self.c.get(path, Some(&self.secret)).await;
        (r.status(), r.text().await.unwrap())
    }

    /// Posts a form with the session's CSRF token: status, location, page.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, String) {
        let csrf = csrf_of(&self.get("/home").await.1);
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, String) {
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

fn q(v: &str) -> String {
    form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

fn minute(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M").to_string()
}

async fn job(app: &TestApp, number: &str) -> Value {
    app.data(
        "query($n: String!) { productionJob(number: $n) { id number status plannedEnd latenessMinutes quantity \
           machine { id code } materials { quantity lot { lotNumber } } finishedLot { id lotNumber } } }",
        json!({ "n": number }),
    )
    .await["productionJob"]
        .clone()
}

/// The seeded custom cases in production: (case, job number, ETA, machine id).
async fn cases_in_production(app: &TestApp) -> Vec<(String, String, String, String)> {
    let d = app
        .data(
            "{ clinicalCases(statuses: [IN_PRODUCTION], first: 50) { edges { node { number expectedReadyAt \
               job { number plannedStart machine { id } } } } } }",
            json!({}),
        )
        .await;
    d["clinicalCases"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .filter(|n| n["job"]["machine"]["id"].is_string())
        .map(|n| {
            (
                n["number"].as_str().unwrap().to_owned(),
                n["job"]["number"].as_str().unwrap().to_owned(),
                n["expectedReadyAt"].as_str().unwrap_or("").to_owned(),
                n["job"]["machine"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Breakdowns from `from` to `to` on every machine but `except`, booked
/// through the schema as the planner: the job on `except` then has nowhere
/// else to go.
pub(crate) async fn down_elsewhere(app: &TestApp, except: &str, from: &str, to: &str) {
    let d = app
        .data(
            "{ machines(first: 50) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    for e in d["machines"]["edges"].as_array().unwrap() {
        let id = e["node"]["id"].as_str().unwrap();
        if id == except {
            continue;
        }
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

#[tokio::test]
async fn the_plan_is_an_svg_gantt_chart_per_machine_with_shifts_now_line_bars_linked_and_zoom() {
    let app = TestApp::new().await;
    let p = Signed::new(&app, Role::Planner).await;
    let (status, html) = p.get("/planner").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains(r#"<svg xmlns="http://www.w3.org/2000/svg" class="gantt""#),
        "{html}"
    );
    for m in ["SWISS-1", "SWISS-2", "MILL-1", "MILL-4"] {
        assert!(html.contains(&format!(r#"data-machine="{m}""#)), "{m}");
    }
    assert!(html.contains(r#"class="shift""#) && html.contains(">now</text>"));
    // Every planned job of the week is a bar linked to its page.
    let sched = app
        .data(
            "{ productionSchedule { machines { jobs { job { number } late } } } }",
            json!({}),
        )
        .await;
    let mut bars = 0;
    for m in sched["productionSchedule"]["machines"].as_array().unwrap() {
        for e in m["jobs"].as_array().unwrap() {
            let n = e["job"]["number"].as_str().unwrap();
            assert!(
                html.contains(&format!(r#"data-job="{n}""#)),
                "{n} not on the chart"
            );
            bars += 1;
        }
    }
    assert!(bars > 3, "{sched}");
    assert!(html.contains(r#"id="utilisation""#) && html.contains(" %</text>"));
    assert!(html.contains(r#"id="tool-warnings""#) && html.contains("MILL-1"));
    // Day zoom: ticks every two hours; a bad date is named.
    let (status, day) = p.get("/planner?zoom=day").await;
    assert_eq!(status, StatusCode::OK);
    assert!(day.contains(">02:00</text>") && !html.contains(">02:00</text>"));
    let (status, bad) = p.get("/planner?from=yesterday").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("from: give a date as YYYY-MM-DD"), "{bad}");
}

#[tokio::test]
async fn a_breakdown_shows_the_promises_it_moved_before_and_after_and_the_schema_agrees() {
    let app = TestApp::new().await;
    let p = Signed::new(&app, Role::Planner).await;
    let cases = cases_in_production(&app).await;
    let (case, job_no, _, machine) = cases.first().expect("a seeded case in production").clone();
    let now = chrono::Utc::now();
    let (from, to) = (
        now + chrono::Duration::minutes(5),
        now + chrono::Duration::days(4),
    );
    down_elsewhere(&app, &machine, &from.to_rfc3339(), &to.to_rfc3339()).await;
    let eta_before = cases_in_production(&app)
        .await
        .into_iter()
        .find(|c| c.0 == case)
        .unwrap()
        .2;
    let (status, _, html) = p
        .post(
            "/planner/downtime",
            &[
                ("machine", &machine),
                ("kind", "BREAKDOWN"),
                ("startsAt", &minute(from)),
                ("endsAt", &minute(to)),
                ("reason", "spindle bearing"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(r#"id="plan-before""#) && html.contains(r#"id="plan-after""#));
    assert!(html.contains("BREAKDOWN") && html.contains("spindle bearing"));
    // Through the schema: the case's ETA moved, and the page lists it with both.
    let after = cases_in_production(&app).await;
    let (_, _, eta_after, _) = after.iter().find(|c| c.0 == case).unwrap();
    assert_ne!(
        eta_after, &eta_before,
        "{case}: the breakdown did not move its ETA"
    );
    let row_at = html
        .find(&format!(r#"data-case="{case}""#))
        .expect("the case in the moved table");
    let row = &html[row_at..row_at + html[row_at..].find("</tr>").unwrap()];
    let short = |t: &str| t.get(..16).unwrap_or("").replace('T', " ");
    assert!(
        row.contains(&short(&eta_before)) && row.contains(&short(eta_after)),
        "{row}"
    );
    assert!(html.contains(&format!(r#"data-job="{job_no}""#)));
    let dt = app
        .data(
            "query($id: ID!) { machine(id: $id) { downtime { kind reason } } }",
            json!({ "id": machine }),
        )
        .await;
    assert!(dt.to_string().contains("spindle bearing"), "{dt}");
}

#[tokio::test]
async fn a_downtime_with_bad_input_is_named_beside_its_field_and_books_nothing() {
    let app = TestApp::new().await;
    let p = Signed::new(&app, Role::Planner).await;
    let before = app.count("machine_downtime").await;
    let machine = cases_in_production(&app).await[0].3.clone();
    let now = chrono::Utc::now();
    let (status, _, html) = p
        .post(
            "/planner/downtime",
            &[
                ("machine", &machine),
                ("kind", "BREAKDOWN"),
                ("startsAt", &minute(now + chrono::Duration::days(2))),
                ("endsAt", &minute(now + chrono::Duration::days(1))),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains(r#"id="endsAt-error""#) || html.contains(r#"id="form-notice""#),
        "{html}"
    );
    let (status, _, html) = p
        .post(
            "/planner/downtime",
            &[
                ("machine", &machine),
                ("kind", "BREAKDOWN"),
                ("startsAt", "soon"),
                ("endsAt", "later"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert_eq!(app.count("machine_downtime").await, before);
}

#[tokio::test]
async fn a_job_is_created_started_completed_and_inspected_through_its_forms_and_a_scan_of_no_lot_is_refused()
 {
    let app = TestApp::new().await;
    let p = Signed::new(&app, Role::Planner).await;
    let due = minute(chrono::Utc::now() + chrono::Duration::days(5));
    // Bad input first: named beside the field, nothing created.
    let jobs_before = app.count("production_job").await;
    let (status, _, html) = p
        .post(
            "/planner/jobs/new",
            &[
                ("kind", "STOCK"),
                ("articleNumber", "AB-ST-NBA-NP-E-15"),
                ("quantity", "0"),
                ("dueAt", &due),
                ("priority", "5"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains(r#"id="quantity-error""#), "{html}");
    assert_eq!(app.count("production_job").await, jobs_before);
    let (status, to, _) = p
        .post(
            "/planner/jobs/new",
            &[
                ("kind", "STOCK"),
                ("articleNumber", "AB-ST-NBA-NP-E-15"),
                ("quantity", "20"),
                ("dueAt", &due),
                ("priority", "6"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let number = to
        .trim_start_matches("/planner/jobs/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let j = job(&app, &number).await;
    assert_eq!(j["status"], "SCHEDULED", "{j}");
    let (_, page) = p.get(&to).await;
    assert!(
        page.contains("Created and planned") && page.contains(r#"id="start-form""#),
        "{page}"
    );

    // A label that names no lot we hold is named beside the scan field.
    let (status, _, html) = p
        .post(
            &format!("/planner/jobs/{number}/start"),
            &[
                ("code", "(01)09999999999999(10)NOPE"),
                ("operator", "A. Rossi"),
                ("camProgram", "ABT v3"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains(r#"id="code-error""#), "{html}");
    assert_eq!(job(&app, &number).await["status"], "SCHEDULED");
    let (status, to, html) = p
        .post(
            &format!("/planner/jobs/{number}/start"),
            &[
                ("code", ""),
                ("operator", "A. Rossi"),
                ("camProgram", "ABT v3"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let j = job(&app, &number).await;
    assert_eq!(j["status"], "IN_PROGRESS", "{j}");
    assert!(!j["materials"].as_array().unwrap().is_empty(), "{j}");
    let (_, page) = p.get(&to).await;
    assert!(page.contains(r#"id="job-material""#) && page.contains(r#"id="complete-form""#));
    let issued = j["materials"][0]["lot"]["lotNumber"].as_str().unwrap();
    assert!(page.contains(issued), "{page}");

    let (status, _, _) = p
        .post(
            &format!("/planner/jobs/{number}/complete"),
            &[("quantityMade", "19")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let j = job(&app, &number).await;
    assert_eq!(j["status"], "INSPECTION");
    let (_, page) = p.get(&format!("/planner/jobs/{number}")).await;
    assert!(
        page.contains(r#"id="job-genealogy""#) && page.contains(issued),
        "{page}"
    );
    // Inspection is quality's: the planner gets no form and is refused.
    assert!(!page.contains(r#"id="inspect-form""#));
    let (status, _, _) = p
        .post(
            &format!("/planner/jobs/{number}/inspect"),
            &[("result", "PASS"), ("quantityAccepted", "19")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let qa = Signed::new(&app, Role::Quality).await;
    let (status, _, _) = qa
        .post(
            &format!("/planner/jobs/{number}/inspect"),
            &[("result", "PASS"), ("quantityAccepted", "19")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(job(&app, &number).await["status"], "DONE");
}

#[tokio::test]
async fn a_job_is_cancelled_with_a_reason_and_without_one_nothing_changes() {
    let app = TestApp::new().await;
    let p = Signed::new(&app, Role::Planner).await;
    let number = cases_in_production(&app).await[0].1.clone();
    let (status, _, html) = p
        .post(&format!("/planner/jobs/{number}/cancel"), &[("reason", "")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains(r#"id="reason-error""#) || html.contains(r#"id="form-notice""#),
        "{html}"
    );
    assert_ne!(job(&app, &number).await["status"], "CANCELLED");
    let (status, _, _) = p
        .post(
            &format!("/planner/jobs/{number}/cancel"),
            &[("reason", "clinic withdrew")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(job(&app, &number).await["status"], "CANCELLED");
    let (status, _) = p.get("/planner/jobs/JOB-999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

const PAGES: &[&str] = &["/planner", "/planner/downtime", "/planner/jobs/new"];

#[tokio::test]
async fn other_roles_are_refused_every_planner_page_and_form_and_a_forged_form_does_nothing() {
    let app = TestApp::new().await;
    let (_, number, _, machine) = cases_in_production(&app).await[0].clone();
    let downtime = app.count("machine_downtime").await;
    let jobs = app.count("production_job").await;
    for role in [Role::Sales, Role::Warehouse, Role::Quality] {
        let s = Signed::new(&app, role).await;
        for p in PAGES {
            let (status, html) = s.get(p).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role:?} GET {p}");
            assert!(html.contains("is not allowed for your role(s)"), "{html}");
        }
        let home = s.get("/home").await.1;
        assert!(!home.contains(r#"href="/planner""#), "{role:?}: {home}");
        for (path, fields) in [
            (
                "/planner/downtime".to_owned(),
                vec![
                    ("machine", machine.as_str()),
                    ("kind", "BREAKDOWN"),
                    ("startsAt", "2030-01-01T08:00"),
                    ("endsAt", "2030-01-01T09:00"),
                    ("reason", "x"),
                ],
            ),
            (
                "/planner/jobs/new".to_owned(),
                vec![
                    ("kind", "STOCK"),
                    ("articleNumber", "AB-ST-NBA-NP-E-15"),
                    ("quantity", "1"),
                    ("dueAt", "2030-01-01T08:00"),
                ],
            ),
            (
                format!("/planner/jobs/{number}/cancel"),
                vec![("reason", "x")],
            ),
            (
                format!("/planner/jobs/{number}/start"),
                vec![("operator", "x"), ("camProgram", "y")],
            ),
        ] {
            let (status, _, _) = s.post(&path, &fields).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role:?} POST {path}");
        }
    }
    // Quality reads a job's page (to inspect); sales does not.
    let qa = Signed::new(&app, Role::Quality).await;
    assert_eq!(
        qa.get(&format!("/planner/jobs/{number}")).await.0,
        StatusCode::OK
    );
    let sales = Signed::new(&app, Role::Sales).await;
    assert_eq!(
        sales.get(&format!("/planner/jobs/{number}")).await.0,
        StatusCode::FORBIDDEN
    );
    // The planner without the session's token: refused, nothing done.
    let p = Signed::new(&app, Role::Planner).await;
    let (status, _, _) = p
        .post_raw(
            &format!("/planner/jobs/{number}/cancel"),
            &[("csrf", "forged"), ("reason", "x")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = p
        .post_raw(
            "/planner/downtime",
            &[
                ("csrf", "forged"),
                ("machine", &machine),
                ("kind", "BREAKDOWN"),
                ("startsAt", "2030-01-01T08:00"),
                ("endsAt", "2030-01-01T09:00"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("machine_downtime").await, downtime);
    assert_eq!(app.count("production_job").await, jobs);
    assert_ne!(job(&app, &number).await["status"], "CANCELLED");
    // Signed out: to the sign-in page.
    let r = p.c.get("/planner", None).await;
    assert_eq!(location(&r), "/signin");
}

/// The dark modules of the label's DataMatrix: the rectangles of its
/// `<svg class="dm">` (module units, quiet zone included) drawn into a grid.
fn modules(svg: &str) -> (usize, Vec<bool>) {
    let at = svg.find(r#"class="dm""#).expect("a symbol");
    let dm = &svg[at..at + svg[at..].find("</svg>").unwrap()];
    let attr = |tag: &str, name: &str| -> usize {
        let k = format!(r#" {name}=""#);
        let i = tag.find(&k).unwrap() + k.len();
        tag[i..].split('"').next().unwrap().parse().unwrap()
    };
    let mut rects = dm.split("<rect").skip(1);
    let bg = rects.next().unwrap();
    let n = attr(bg, "width");
    let mut grid = vec![false; n * n];
    for r in rects {
        let (x, y, w) = (attr(r, "x"), attr(r, "y"), attr(r, "width"));
        for c in x..x + w {
            grid[y * n + c] = true;
        }
    }
    (n, grid)
}

/// Decodes a grid of modules with rxing, drawn 8 pixels a module with a
/// wide white margin: the text and the symbology identifier.
pub(crate) fn decode_modules(n: usize, grid: &[bool]) -> (String, String) {
    let scale = 8;
    let margin = 4 * scale;
    let side = n * scale + 2 * margin;
    let mut luma = vec![255u8; side * side];
    for y in 0..side {
        for x in 0..side {
            if x >= margin
                && y >= margin
                && x < margin + n * scale
                && y < margin + n * scale
                && grid[((y - margin) / scale) * n + (x - margin) / scale]
            {
                luma[y * side + x] = 0;
            }
        }
    }
    let r = rxing::helpers::detect_in_luma(
        luma,
        side as u32,
        side as u32,
        Some(rxing::BarcodeFormat::DATA_MATRIX),
    )
    .expect("rxing reads the symbol");
    let symbology = match r
        .getRXingResultMetadata()
        .get(&rxing::RXingResultMetadataType::SYMBOLOGY_IDENTIFIER)
    {
        Some(rxing::RXingResultMetadataValue::SymbologyIdentifier(s)) => s.clone(),
        _ => String::new(),
    };
    (r.getText().to_owned(), symbology)
}

#[tokio::test]
async fn a_lot_label_decoded_by_an_independent_reader_scans_back_to_its_gtin_lot_expiry_and_serial()
{
    let app = TestApp::new().await;
    let lot = app
        .data(
            "{ stock(filter: {state: RELEASED}, first: 200) { edges { node { lot { id lotNumber expiryDate sku { gtin } } } } } }",
            json!({}),
        )
        .await["stock"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["lot"].clone())
        .find(|l| l["sku"]["gtin"].is_string() && l["expiryDate"].is_string())
        .expect("a released finished lot with an expiry");
    let id = lot["id"].as_str().unwrap();
    let w = Signed::new(&app, Role::Warehouse).await;
    for serial in ["", "SN-0007"] {
        let (status, svg) = w
            .get(&format!("/labels/lot.svg?id={}&serial={serial}", q(id)))
            .await;
        assert_eq!(status, StatusCode::OK, "{svg}");
        assert!(
            svg.starts_with("<?xml")
                && svg.contains("(01)")
                && svg.contains("(17)")
                && svg.contains("(10)")
        );
        let (n, grid) = modules(&svg);
        let (text, symbology) = decode_modules(n, &grid);
        // GS1 mode: FNC1 first, which a reader reports as `]d2`.
        assert_eq!(symbology, "]d2", "{text:?}");
        let s = app
            .data(
                "query($c: String!) { scan(code: $c) { gtin lotNumber expiryDate serial lot { id } } }",
                json!({ "c": text }),
            )
            .await["scan"]
            .clone();
        assert_eq!(s["gtin"], lot["sku"]["gtin"], "{s}");
        assert_eq!(s["lotNumber"], lot["lotNumber"]);
        assert_eq!(s["expiryDate"], lot["expiryDate"]);
        assert_eq!(s["lot"]["id"], lot["id"]);
        if serial.is_empty() {
            assert!(s["serial"].is_null());
        } else {
            assert_eq!(s["serial"], serial);
            assert!(svg.contains("(21)SN-0007"));
        }
    }
    // The print page, both sizes; a serial a label cannot carry is refused.
    for size in ["50x25", "100x50"] {
        let (status, page) = w
            .get(&format!("/labels/lot?id={}&size={size}", q(id)))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(&format!("size-{size}")) && page.contains("/assets/labels.css"));
    }
    let (status, page) = w
        .get(&format!("/labels/lot?id={}&serial=a%20b", q(id)))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("serial:"), "{page}");
    // Quality prints too; sales and the planner do not.
    let qa = Signed::new(&app, Role::Quality).await;
    assert_eq!(
        qa.get(&format!("/labels/lot?id={}", q(id))).await.0,
        StatusCode::OK
    );
    for role in [Role::Sales, Role::Planner] {
        let s = Signed::new(&app, role).await;
        assert_eq!(
            s.get(&format!("/labels/lot.svg?id={}", q(id))).await.0,
            StatusCode::FORBIDDEN
        );
    }
}
