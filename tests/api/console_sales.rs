//! The sales and cases pages of the console over HTTP: the finder with its
//! filters and availability, the SKU page, creating, confirming and
//! shipping a case, the cases at risk, batch matching, refusals by role
//! (GET and POST) and by CSRF token, and the clean-up of expired sessions.
//! Every answer is checked against the schema's.

use abutment_erp::access::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    console::{Console, PASSWORD, csrf_of, location, with_password},
    support::TestApp,
};

impl Console {
    async fn post(&self, path: &str, session: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .header("cookie", format!("abt_session={session}"))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// The page's HTML, asserting its status.
    async fn html(&self, path: &str, session: &str, status: StatusCode) -> String {
        let r = self.get(path, Some(session)).await;
        assert_eq!(r.status(), status, "{path}");
        r.text().await.unwrap()
    }
}

/// The text of the element with `id` (up to its closing tag's start).
fn element<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest[start..].find('<').unwrap() + start;
    &rest[start..end]
}

async fn signed(app: &TestApp, c: &Console, role: Role) -> String {
    let name = with_password(app, role).await;
    c.session(&name, PASSWORD).await
}

fn in_three_days() -> String {
    (chrono::Utc::now() + chrono::Duration::days(3))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

#[tokio::test]
async fn the_finder_in_stock_lists_what_the_schema_says_is_in_stock_with_expiry_and_fit() {
    let app = TestApp::new().await;
    let c = Console::start(&app).await;
    let s = signed(&app, &c, Role::Sales).await;
    let expected = app
        .run_as(
            Some(Role::Sales),
            "{ compatibleAbutments(system: \"NobelActive\", platform: \"NP\", filter: {inStock: true}, first: 25) {
                totalCount edges { fit { source } node { articleNumber availability { available earliestExpiry } } } } }",
            json!({}),
        )
        .await;
    let conn = &expected["data"]["compatibleAbutments"];
    let total = conn["totalCount"].as_i64().unwrap();
    assert!(total > 0, "{expected}");
    let html = c
        .html(
            "/sales/finder?system=NobelActive&platform=NP&instock=yes",
            &s,
            StatusCode::OK,
        )
        .await;
    assert!(
        html.contains(&format!("{total} SKU(s) in stock now")),
        "{html}"
    );
    for e in conn["edges"].as_array().unwrap() {
        let article = e["node"]["articleNumber"].as_str().unwrap();
        let at = html.find(&format!(r#"data-article="{article}""#)).unwrap();
        let row = &html[at..at + html[at..].find("</tr>").unwrap()];
        let a = &e["node"]["availability"];
        assert!(
            row.contains(&format!("{} available now", a["available"])),
            "{row}"
        );
        if let Some(x) = a["earliestExpiry"].as_str() {
            assert!(row.contains(&format!("earliest expiry {x}")), "{row}");
        }
        assert!(row.contains(e["fit"]["source"].as_str().unwrap()), "{row}");
        assert!(row.contains("/sales/sku?article="), "{row}");
        assert!(!row.contains("custom only"), "{row}");
    }
    assert!(html.contains(r#"name="instock" type="checkbox" value="yes" checked"#));
    // The other filters go to the schema too.
    let narrowed = app
        .run_as(
            Some(Role::Sales),
            "{ compatibleAbutments(system: \"NobelActive\", platform: \"NP\", filter: {gingivalHeightMin: \"1.5\", gingivalHeightMax: \"3\", angulation: \"0\", materials: [TI_6AL_4V_ELI]}) { totalCount } }",
            json!({}),
        )
        .await;
    let n = narrowed["data"]["compatibleAbutments"]["totalCount"]
        .as_i64()
        .unwrap();
    let html = c
        .html(
            "/sales/finder?manufacturer=Nobel+Biocare&system=NobelActive&platform=NP&ghmin=1%2C5&ghmax=3&angulation=0&material=TI_6AL_4V_ELI",
            &s,
            StatusCode::OK,
        )
        .await;
    assert!(html.contains(&format!("{n} SKU(s)")), "{html}");
}

#[tokio::test]
async fn the_finder_names_a_bad_height_beside_its_field_whether_we_or_the_api_refuse_it() {
    let app = TestApp::new().await;
    let c = Console::start(&app).await;
    let s = signed(&app, &c, Role::Sales).await;
    let html = c
        .html(
            "/sales/finder?system=NobelActive&platform=NP&ghmin=tall",
            &s,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(element(&html, "ghmin-error").contains("tall"), "{html}");
    // Out of range: the API's message, beside the field it names.
    let html = c
        .html(
            "/sales/finder?system=NobelActive&platform=NP&ghmin=3&ghmax=1",
            &s,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(
        element(&html, "ghmax-error").contains("must not be below gingivalHeightMin"),
        "{html}"
    );
    assert!(!html.contains(r#"id="results""#));
    let html = c
        .html(
            "/sales/finder?system=NobelActive&platform=NP&material=GLASS",
            &s,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(element(&html, "material-error").contains("GLASS"));
}

#[tokio::test]
async fn the_sku_page_lists_every_platform_the_sku_fits_and_its_stock() {
    let app = TestApp::new().await;
    let c = Console::start(&app).await;
    let s = signed(&app, &c, Role::Sales).await;
    let article = "AB-ST-NBA-NP-E-15";
    let d = app
        .run_as(
            Some(Role::Sales),
            "query($a: String!) { abutmentSku(articleNumber: $a) { fits { platform { name system { name } } } availability { available } }
               skuStock(articleNumber: $a) { quantities { onHand } lines { lot { lotNumber } } } }",
            json!({"a": article}),
        )
        .await;
    let fits = d["data"]["abutmentSku"]["fits"].as_array().unwrap();
    assert!(!fits.is_empty());
    let html = c
        .html(&format!("/sales/sku?article={article}"), &s, StatusCode::OK)
        .await;
    assert!(
        html.contains(&format!("Fits {} platform(s)", fits.len())),
        "{html}"
    );
    let table = &html[html.find(r#"id="fits""#).unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr>").count(), fits.len() + 1, "{table}");
    for f in fits {
        assert!(table.contains(f["platform"]["system"]["name"].as_str().unwrap()));
    }
    let available = d["data"]["abutmentSku"]["availability"]["available"]
        .as_i64()
        .unwrap();
    let shown = element(&html, "availability").to_owned();
    let shown = if available > 0 {
        html[html.find(r#"id="availability""#).unwrap()..]
            .split("</p>")
            .next()
            .unwrap()
            .to_owned()
    } else {
        shown
    };
    if available > 0 {
        assert!(
            shown.contains(&format!("{available} available now")),
            "{shown}"
        );
    } else {
        assert!(shown.contains("custom only"), "{shown}");
    }
    for l in d["data"]["skuStock"]["lines"].as_array().unwrap() {
        assert!(html.contains(l["lot"]["lotNumber"].as_str().unwrap()));
    }
    // An unknown article is said so; other roles do not get the page.
    let html = c
        .html("/sales/sku?article=NO-SUCH-SKU", &s, StatusCode::NOT_FOUND)
        .await;
    assert!(
        element(&html, "sku-error").contains("NO-SUCH-SKU"),
        "{html}"
    );
    let wh = signed(&app, &c, Role::Warehouse).await;
    c.html(
        &format!("/sales/sku?article={article}"),
        &wh,
        StatusCode::FORBIDDEN,
    )
    .await;
}

/// The fields of a valid new case.
fn new_case<'a>(csrf: &'a str, due: &'a str, order: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("clinic", "ZH-SMILE"),
        ("orderReference", order),
        ("patientPseudonym", "P-7Q2X9"),
        ("tooth", "21"),
        ("manufacturer", ""),
        ("system", "NobelActive"),
        ("platform", "NP"),
        ("restoration", "SINGLE_CROWN"),
        ("abutmentType", "STRAIGHT"),
        ("gingivalHeightMm", "1.5"),
        ("angulationDeg", ""),
        ("engaging", ""),
        ("material", ""),
        ("dueAt", due),
    ]
}

/// The number of the first case (earliest due) in `status`.
async fn first_case(app: &TestApp, status: &str) -> String {
    let d = app
        .data(
            "query($s: CaseStatus!) { clinicalCases(statuses: [$s], first: 1) { edges { node { number } } } }",
            json!({"s": status}),
        )
        .await;
    d["clinicalCases"]["edges"][0]["node"]["number"]
        .as_str()
        .unwrap_or_else(|| panic!("no seeded {status} case"))
        .to_owned()
}

/// How many cases are OPEN.
async fn open_cases(app: &TestApp) -> i64 {
    app.data(
        "{ clinicalCases(statuses: [OPEN]) { totalCount } }",
        json!({}),
    )
    .await["clinicalCases"]["totalCount"]
        .as_i64()
        .unwrap()
}

/// Where a successful new-case post sent the browser, and the case's number.
fn created(r: &reqwest::Response) -> (String, String) {
    let to = location(r).to_owned();
    let number = to["/cases/".len()..to.find('?').unwrap_or(to.len())].to_owned();
    (to, number)
}

async fn case_by_number(app: &TestApp, number: &str) -> Value {
    app.data(
        "query($n: String) { clinicalCase(number: $n) { id status decision reservation { lot { lotNumber } } job { number }
            matching { options { decision lot { id lotNumber } } rejected { decision sku { articleNumber } reason } } } }",
        json!({"n": number}),
    )
    .await["clinicalCase"]
        .clone()
}

#[tokio::test]
async fn a_sales_rep_creates_a_case_sees_every_option_and_rejection_and_confirms_a_stock_lot() {
    let app = TestApp::new().await;
    let c = Console::start(&app).await;
    let s = signed(&app, &c, Role::Sales).await;
    let form = c.html("/cases/new", &s, StatusCode::OK).await;
    for id in [
        "clinic",
        "tooth",
        "system",
        "platform",
        "gingivalHeightMm",
        "dueAt",
    ] {
        assert!(
            form.contains(&format!(r#"<label for="{id}">"#)),
            "{id} unlabelled"
        );
    }
    let csrf = csrf_of(&form);
    let due = in_three_days();
    let before = app.count("clinical_case").await;
    let r = c
        .post("/cases/new", &s, &new_case(&csrf, &due, "ZS-CONSOLE-1"))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let (to, number) = created(&r);
    assert!(
        to.starts_with("/cases/CASE-") && to.ends_with("?done=created"),
        "{to}"
    );
    assert_eq!(app.count("clinical_case").await, before + 1);

    let case = case_by_number(&app, &number).await;
    assert_eq!(case["status"], "OPEN");
    let options = case["matching"]["options"].as_array().unwrap().clone();
    let rejected = case["matching"]["rejected"].as_array().unwrap().clone();
    let html = c.html(&to, &s, StatusCode::OK).await;
    assert!(html.contains("Case created."), "{html}");
    assert!(
        html.contains(&format!("Options ({})", options.len())),
        "{html}"
    );
    assert!(
        html.contains(&format!("Turned down ({})", rejected.len())),
        "{html}"
    );
    for r in &rejected {
        assert!(
            html.contains(&maud::html! { (r["reason"].as_str().unwrap()) }.into_string()),
            "{r}"
        );
    }
    let first_stock = options
        .iter()
        .find(|o| o["decision"] == "STOCK")
        .expect("a stock option for NobelActive NP, 1.5 mm");
    let lot = first_stock["lot"]["lotNumber"].as_str().unwrap();
    assert!(html.contains(&format!("Reserve lot {lot}")), "{html}");

    // Confirm it: the button posts the lot's id.
    let lot_id = first_stock["lot"]["id"].as_str().unwrap();
    let r = c
        .post(
            &format!("/cases/{number}/confirm"),
            &s,
            &[("csrf", &csrf), ("lot", lot_id)],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    assert_eq!(location(&r), format!("/cases/{number}?done=confirmed"));
    let case = case_by_number(&app, &number).await;
    assert_eq!(case["status"], "RESERVED");
    assert_eq!(case["reservation"]["lot"]["lotNumber"], lot);
    let html = c.html(location(&r), &s, StatusCode::OK).await;
    assert!(element(&html, "case-status").contains("RESERVED"));
    // A sales rep does not ship.
    assert!(!html.contains(r#"id="ship""#));
}

#[tokio::test]
async fn bad_case_input_is_named_beside_its_field_and_nothing_is_created() {
    let app = TestApp::new().await;
    let c = Console::start(&app).await;
    let s = signed(&app, &c, Role::Sales).await;
    let csrf = csrf_of(&c.html("/cases/new", &s, StatusCode::OK).await);
    let due = in_three_days();
    let before = app.count("clinical_case").await;
    let with = |k: &'static str, v: &'static str| {
        let mut f = new_case(&csrf, &due, "ZS-BAD-1");
        for x in f.iter_mut() {
            if x.0 == k {
                x.1 = v;
            }
        }
        f
    };
    for (field, value, says) in [
        ("tooth", "19", "FDI"),
        ("tooth", "a molar", "number"),
        ("clinic", "NO-SUCH", "unknown clinic"),
        ("platform", "XL", "XL"),
        ("patientPseudonym", "Jane Doe", "pseudonym"),
        ("gingivalHeightMm", "12", "gingivalHeightMm"),
        ("dueAt", "tomorrow", "date"),
        ("dueAt", "2020-01-01T10:00", "in the past"),
    ] {
        let r = c.post("/cases/new", &s, &with(field, value)).await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value}"
        );
        let html = r.text().await.unwrap();
        let err = element(&html, &format!("{field}-error"));
        assert!(err.contains(says), "{field}={value}: {err}");
        // The form keeps what was typed.
        assert!(
            html.contains(&format!(r#"value="{value}""#)) || field == "dueAt",
            "{html}"
        );
    }
    assert_eq!(app.count("clinical_case").await, before);
}

#[tokio::test]
async fn confirming_a_custom_part_books_a_job_with_its_eta() {
    let app = TestApp::new().await;
    let c = Console::start(&app).await;
    let s = signed(&app, &c, Role::Sales).await;
    let csrf = csrf_of(&c.html("/cases/new", &s, StatusCode::OK).await);
    let due = in_three_days();
    // Nothing in stock fits NobelActive RP, 2.5 mm (the README's example).
    let mut f = new_case(&csrf, &due, "ZS-CUSTOM-1");
    for x in f.iter_mut() {
        match x.0 {
            "platform" => x.1 = "RP",
            "gingivalHeightMm" => x.1 = "2.5",
            _ => {}
        }
    }
    let r = c.post("/cases/new", &s, &f).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (to, number) = created(&r);
    let html = c.html(&to, &s, StatusCode::OK).await;
    assert!(html.contains("Mill custom part"), "{html}");
    assert!(html.contains("ETA "), "{html}");
    let r = c
        .post(
            &format!("/cases/{number}/confirm"),
            &s,
            &[("csrf", &csrf), ("custom", "yes")],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let case = case_by_number(&app, &number).await;
    assert_eq!(case["status"], "IN_PRODUCTION");
    let job = case["job"]["number"].as_str().unwrap();
    let html = c.html(location(&r), &s, StatusCode::OK).await;
    assert!(html.contains(job), "{html}");
    // Confirming again: the API's conflict, shown at the top; nothing changes.
    let r = c
        .post(
            &format!("/cases/{number}/confirm"),
            &s,
            &[("csrf", &csrf), ("custom", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"id="form-errors""#), "{html}");
    assert_eq!(case_by_number(&app, &number).await["job"]["number"], job);
}

#[tokio::test]
async fn a_bad_lot_is_named_beside_the_options_and_nothing_is_reserved() {
    let app = TestApp::new().await;
    let c = Console::start(&app).await;
    let s = signed(&app, &c, Role::Sales).await;
    let csrf = csrf_of(&c.html("/cases/new", &s, StatusCode::OK).await);
    let due = in_three_days();
    let r = c
        .post("/cases/new", &s, &new_case(&csrf, &due, "ZS-BADLOT-1"))
        .await;
    let (_, number) = created(&r);
    let reservations = app.count("reservation").await;
    let r = c
        .post(
            &format!("/cases/{number}/confirm"),
            &s,
            &[("csrf", &csrf), ("lot", "not-a-lot-id")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(element(&html, "option-error").contains("lotId"), "{html}");
    assert_eq!(app.count("reservation").await, reservations);
    assert_eq!(case_by_number(&app, &number).await["status"], "OPEN");
}

#[tokio::test]
async fn the_warehouse_ships_a_reserved_case_and_a_sales_rep_may_not() {
    let app = TestApp::new().await;
    let c = Console::start(&app).await;
    let number = first_case(&app, "RESERVED").await;
    let path = format!("/cases/{number}");

    let sales = signed(&app, &c, Role::Sales).await;
    let sales_csrf = csrf_of(&c.html("/cases/new", &sales, StatusCode::OK).await);
    let r = c
        .post(&format!("{path}/ship"), &sales, &[("csrf", &sales_csrf)])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(case_by_number(&app, &number).await["status"], "RESERVED");

    let wh = signed(&app, &c, Role::Warehouse).await;
    let html = c.html(&path, &wh, StatusCode::OK).await;
    assert!(html.contains(r#"id="ship""#), "{html}");
    let csrf = csrf_of(&html);
    // Without the session's token: refused, nothing shipped.
    let r = c
        .post(&format!("{path}/ship"), &wh, &[("csrf", "forged")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(case_by_number(&app, &number).await["status"], "RESERVED");
    let r = c
        .post(&format!("{path}/ship"), &wh, &[("csrf", &csrf)])
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    assert_eq!(case_by_number(&app, &number).await["status"], "SHIPPED");
    let html = c.html(location(&r), &wh, StatusCode::OK).await;
    assert!(html.contains("Shipped: the unit left"), "{html}");
    // Shipping again: the API's conflict at the top of the page.
    let r = c
        .post(&format!("{path}/ship"), &wh, &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains(r#"id="form-errors""#));
}

#[tokio::test]
async fn a_custom_part_not_ready_to_ship_is_named_beside_the_ship_button() {
    let app = TestApp::new().await;
    let c = Console::start(&app).await;
    // The seeded custom part is not released yet (made or not).
    let number = first_case(&app, "IN_PRODUCTION").await;
    let wh = signed(&app, &c, Role::Warehouse).await;
    let path = format!("/cases/{number}");
    let csrf = csrf_of(&c.html(&path, &wh, StatusCode::OK).await);
    let r = c
        .post(&format!("{path}/ship"), &wh, &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    let err = element(&html, "ship-error");
    assert!(
        err.contains("not made yet") || err.contains("release it before shipping"),
        "{html}"
    );
    assert_eq!(
        case_by_number(&app, &number).await["status"],
        "IN_PRODUCTION"
    );
}

#[tokio::test]
async fn the_cases_list_and_the_cases_at_risk_show_what_the_schema_lists() {
    let app = TestApp::new().await;
    let c = Console::start(&app).await;
    let s = signed(&app, &c, Role::Sales).await;
    let d = app
        .data(
            "{ open: clinicalCases(statuses: [OPEN]) { totalCount } all: clinicalCases { totalCount }
               casesAtRisk { case { number } reason } }",
            json!({}),
        )
        .await;
    let html = c.html("/cases", &s, StatusCode::OK).await;
    assert_eq!(
        element(&html, "cases-count"),
        format!("{} case(s)", d["all"]["totalCount"])
    );
    let html = c.html("/cases?status=OPEN", &s, StatusCode::OK).await;
    assert_eq!(
        element(&html, "cases-count"),
        format!("{} case(s)", d["open"]["totalCount"])
    );
    let html = c
        .html("/cases?status=LOST", &s, StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(element(&html, "status-error").contains("LOST"));

    let risks = d["casesAtRisk"].as_array().unwrap();
    assert!(!risks.is_empty(), "the seeds have a late case");
    let html = c.html("/cases/at-risk", &s, StatusCode::OK).await;
    assert_eq!(
        element(&html, "at-risk-count"),
        format!("{} case(s) at risk", risks.len())
    );
    for r in risks {
        let number = r["case"]["number"].as_str().unwrap();
        assert!(html.contains(&format!(r#"data-case="{number}""#)), "{html}");
    }
}

#[tokio::test]
async fn batch_matching_shows_how_many_cases_were_reserved_given_a_job_or_left_open() {
    let app = TestApp::new().await;
    let c = Console::start(&app).await;
    let planner = signed(&app, &c, Role::Planner).await;
    let html = c.html("/cases/match", &planner, StatusCode::OK).await;
    let open = open_cases(&app).await;
    assert!(open > 0);
    assert_eq!(
        element(&html, "open-count"),
        format!("{open} case(s) open now.")
    );
    let csrf = csrf_of(&html);
    let r = c.post("/cases/match", &planner, &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let n = |id: &str| element(&html, id).parse::<i64>().unwrap();
    let (reserved, in_production, unmatched) = (n("reserved"), n("in-production"), n("unmatched"));
    assert_eq!(reserved + in_production + unmatched, open, "{html}");
    let left = open_cases(&app).await;
    assert_eq!(left, unmatched);
    assert_eq!(
        element(&html, "open-count"),
        format!("{left} case(s) open now.")
    );
}

#[tokio::test]
async fn other_roles_are_refused_every_cases_page_and_form_and_nothing_changes() {
    let app = TestApp::new().await;
    let c = Console::start(&app).await;
    let number = first_case(&app, "OPEN").await;
    let case = format!("/cases/{number}");
    let confirm = format!("{case}/confirm");
    let ship = format!("{case}/ship");
    let quality = signed(&app, &c, Role::Quality).await;
    let wh = signed(&app, &c, Role::Warehouse).await;
    let planner = signed(&app, &c, Role::Planner).await;
    let cases = app.count("clinical_case").await;
    let reservations = app.count("reservation").await;
    let jobs = app.count("production_job").await;
    // The session's own token, so only the role is wrong.
    let token = abutment_erp::access::session::csrf_token;
    let (quality, wh, planner) = (quality.as_str(), wh.as_str(), planner.as_str());
    let refused: &[(&str, &str, &str)] = &[
        (quality, "GET", "/cases"),
        (quality, "GET", &case),
        (quality, "GET", "/cases/at-risk"),
        (quality, "GET", "/cases/new"),
        (quality, "GET", "/cases/match"),
        (quality, "GET", "/sales/sku?article=AB-ST-NBA-NP-E-15"),
        (quality, "POST", "/cases/new"),
        (quality, "POST", &confirm),
        (quality, "POST", &ship),
        (quality, "POST", "/cases/match"),
        (wh, "GET", "/cases/new"),
        (wh, "POST", "/cases/new"),
        (wh, "POST", &confirm),
        (wh, "GET", "/cases/match"),
        (wh, "POST", "/cases/match"),
        (planner, "POST", "/cases/new"),
        (planner, "POST", &confirm),
        (planner, "POST", &ship),
    ];
    let due = in_three_days();
    for (s, method, path) in refused {
        let csrf = token(s);
        let r = if *method == "GET" {
            c.get(path, Some(s)).await
        } else {
            let mut form = new_case(&csrf, &due, "REFUSED-1");
            form.push(("custom", "yes"));
            c.post(path, s, &form).await
        };
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{method} {path}");
        let html = r.text().await.unwrap();
        assert!(html.contains("is not allowed for your role(s)"), "{html}");
    }
    assert_eq!(app.count("clinical_case").await, cases);
    assert_eq!(app.count("reservation").await, reservations);
    assert_eq!(app.count("production_job").await, jobs);
    // Their headers do not offer what they may not open.
    let home = c.html("/home", quality, StatusCode::OK).await;
    assert!(!home.contains(r#"href="/cases""#), "{home}");
    let home = c.html("/home", wh, StatusCode::OK).await;
    assert!(home.contains(r#"href="/cases""#) && !home.contains(r#"href="/cases/new""#));
    // Signed out: to the sign-in page, for a form post too.
    let r = c.post("/cases/new", "no-session", &[("csrf", "x")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/signin");
}

#[tokio::test]
async fn a_form_post_without_the_sessions_token_is_refused_and_changes_nothing() {
    let app = TestApp::new().await;
    let c = Console::start(&app).await;
    let s = signed(&app, &c, Role::Sales).await;
    let due = in_three_days();
    let before = app.count("clinical_case").await;
    for token in ["", "forged"] {
        let r = c
            .post("/cases/new", &s, &new_case(token, &due, "ZS-CSRF-1"))
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = c.post("/cases/match", &s, &[("csrf", token)]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(app.count("clinical_case").await, before);
    assert!(open_cases(&app).await > 0);
}

#[tokio::test]
async fn expired_session_rows_are_deleted_at_the_next_sign_in_and_live_ones_are_kept() {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let app = TestApp::empty().await;
    let c = Console::start(&app).await;
    let old = signed(&app, &c, Role::Sales).await;
    let live = signed(&app, &c, Role::Planner).await;
    assert_eq!(app.count("web_session").await, 2);
    // The sales session expires (as it would after 12 hours).
    let hash = abutment_erp::access::hash_token(&old);
    let row = entity::web_session::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.session_hash == hash)
        .unwrap();
    let mut am: entity::web_session::ActiveModel = row.into();
    am.expires_at = Set(chrono::Utc::now() - chrono::Duration::minutes(1));
    am.update(&app.db).await.unwrap();
    assert_eq!(app.count("web_session").await, 2, "kept until a sign-in");

    let again = signed(&app, &c, Role::Warehouse).await;
    let hashes: Vec<String> = entity::web_session::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.session_hash)
        .collect();
    assert_eq!(hashes.len(), 2, "{hashes:?}");
    assert!(!hashes.contains(&hash), "the expired row is gone");
    for s in [&live, &again] {
        assert!(hashes.contains(&abutment_erp::access::hash_token(s)));
        assert_eq!(c.get("/home", Some(s)).await.status(), StatusCode::OK);
    }
}
