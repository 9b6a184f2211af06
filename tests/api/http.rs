//! Over real HTTP: the router the server runs, on a loopback port.

use abutment_erp::config::ApiLimits;
use serde_json::{Value, json};

use crate::support::TestApp;
pub use crate::support::serve;

#[tokio::test]
async fn a_sales_lookup_over_http_returns_json_and_health_is_open() {
    let app = TestApp::new().await;
    let base = serve(&app, ApiLimits::default()).await;
    let client = reqwest::Client::new();
    let health: Value = client
        .get(format!("{base}/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let resp: Value = client
        .post(format!("{base}/graphql"))
        .bearer_auth(app.user(abutment_erp::access::Role::Sales).1.clone())
        .json(&json!({"query": r#"{ compatibleAbutments(system: "Certain", platform: "4.1", first: 5) { totalCount edges { node { articleNumber } } } }"#}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(resp.get("errors").is_none(), "{resp}");
    assert_eq!(
        resp["data"]["compatibleAbutments"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
}

#[tokio::test]
async fn the_api_explorer_is_served_from_the_binary_to_browsers_and_can_be_switched_off() {
    let app = TestApp::empty().await;
    let base = serve(&app, ApiLimits::default()).await;
    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let get = |url: String| {
        reqwest::Client::new()
            .get(url)
            .header("accept", browser)
            .send()
    };
    let resp = get(format!("{base}/graphql")).await.unwrap();
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    let page = resp.text().await.unwrap();
    assert!(page.contains("API explorer"), "{page}");
    assert!(
        !page.contains("://"),
        "the page loads from this server only"
    );
    for (asset, media) in [
        ("explorer.js", "text/javascript"),
        ("explorer.css", "text/css"),
    ] {
        assert!(page.contains(&format!("/assets/{asset}")), "{page}");
        let r = get(format!("{base}/assets/{asset}")).await.unwrap();
        assert_eq!(r.status(), 200, "{asset}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(media),
            "{asset}"
        );
    }
    assert_eq!(
        get(format!("{base}/assets/../Cargo.toml"))
            .await
            .unwrap()
            .status(),
        404
    );
    let off = serve(
        &app,
        ApiLimits {
            graphiql: false,
            ..ApiLimits::default()
        },
    )
    .await;
    assert_eq!(get(format!("{off}/graphql")).await.unwrap().status(), 404);
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_without_work() {
    let app = TestApp::empty().await;
    let base = serve(
        &app,
        ApiLimits {
            max_body_bytes: 64 * 1024,
            ..ApiLimits::default()
        },
    )
    .await;
    let big = "x".repeat(200 * 1024);
    let status = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .header("content-type", "application/json")
        .body(format!(r#"{{"query":"{{ __typename }}","x":"{big}"}}"#))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 413);
}

pub async fn post(base: &str, auth: Option<&str>, body: Value) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&body);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn code(v: &Value) -> &str {
    v["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn over_http_bad_credentials_are_unauthenticated_with_the_reason() {
    let app = TestApp::new().await;
    let base = serve(&app, ApiLimits::default()).await;
    let q = json!({"query": "{ manufacturers { totalCount } }"});
    let (_, v) = post(&base, None, q.clone()).await;
    assert_eq!(code(&v), "UNAUTHENTICATED");
    let (_, v) = post(&base, Some("Token abc"), q.clone()).await;
    assert_eq!(code(&v), "UNAUTHENTICATED");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("malformed"),
        "{v}"
    );
    let (_, v) = post(&base, Some("Bearer abt_nope"), q.clone()).await;
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("unknown token"),
        "{v}"
    );

    let (admin, token) = app.user(abutment_erp::access::Role::Admin).clone();
    let (status, v) = post(&base, Some(&format!("Bearer {token}")), q.clone()).await;
    assert_eq!(status, 200);
    assert!(
        v["data"]["manufacturers"]["totalCount"].as_u64().unwrap() > 5,
        "{v}"
    );

    // Expired and revoked tokens are refused.
    let (t, expiring) = abutment_erp::access::service::create_token(
        &app.db,
        admin.user_id,
        "short",
        Some(chrono::Utc::now() + chrono::Duration::seconds(1)),
    )
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let (_, v) = post(&base, Some(&format!("Bearer {expiring}")), q.clone()).await;
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{v}"
    );
    abutment_erp::access::service::revoke_token(&app.db, t.id)
        .await
        .unwrap();
    abutment_erp::access::service::revoke_token(&app.db, admin.token_id.unwrap())
        .await
        .unwrap();
    let (_, v) = post(&base, Some(&format!("Bearer {token}")), q).await;
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("revoked"),
        "{v}"
    );
}

#[tokio::test]
async fn over_http_a_token_over_its_rate_gets_429() {
    let app = TestApp::empty().await;
    let base = serve(
        &app,
        ApiLimits {
            rate_limit_per_second: 1,
            rate_limit_burst: 3,
            ..ApiLimits::default()
        },
    )
    .await;
    let token = app.user(abutment_erp::access::Role::Sales).1.clone();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            post(
                &base,
                Some(&format!("Bearer {token}")),
                json!({"query": "{ me { name } }"}),
            )
            .await
            .0,
        );
    }
    assert!(statuses[..3].iter().all(|s| *s == 200), "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
}

#[tokio::test]
async fn over_http_a_10_mb_body_is_refused_before_parsing() {
    let app = TestApp::empty().await;
    let base = serve(&app, ApiLimits::default()).await;
    let big = "x".repeat(10 * 1024 * 1024);
    let status = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .header("content-type", "application/json")
        .body(format!(r#"{{"query":"{{ __typename }}","x":"{big}"}}"#))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 413);
}

/// The rows of a CSV text, each as a map from header to cell.
fn csv_rows(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

/// One row of a query as strings, by column name.
async fn sql_row(app: &TestApp, sql: &str, columns: &[&str]) -> Vec<String> {
    use sea_orm::ConnectionTrait;
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no row: {sql}"));
    columns
        .iter()
        .map(|c| {
            row.try_get::<String>("", c)
                .or_else(|_| row.try_get::<i64>("", c).map(|n| n.to_string()))
                .unwrap_or_else(|e| panic!("{c}: {e}"))
        })
        .collect()
}

#[tokio::test]
async fn stock_and_ledger_export_as_streamed_readable_csv_for_the_allowed_roles() {
    let app = TestApp::new().await;
    let base = serve(&app, ApiLimits::default()).await;
    let get = |path: &str, token: Option<String>| {
        let mut r = reqwest::Client::new().get(format!("{base}{path}"));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    let wh = app.user(abutment_erp::access::Role::Warehouse).1.clone();
    let sales = app.user(abutment_erp::access::Role::Sales).1.clone();
    let resp = get("/export/stock.csv", Some(sales.clone())).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = resp.text().await.unwrap();
    assert!(
        text.starts_with(
            "article_number,item_kind,item_name,lot_number,lot_state,effective_state,expiry_date,\
             location_code,on_hand,reserved,unit,lot_id,location_id\n"
        ),
        "{text}"
    );
    let balances = app.count("stock_balance WHERE on_hand > 0").await;
    let stock = csv_rows(&text);
    assert_eq!(stock.len() as i64, balances);
    // A line reads without looking anything up: the SKU's article number,
    // the lot, its state and the location's code.
    let want = sql_row(
        &app,
        "SELECT i.code AS article, l.lot_number AS lot, l.state AS state, c.code AS location, \
         b.on_hand AS on_hand FROM stock_balance b JOIN lot l ON l.id = b.lot_id \
         JOIN item i ON i.id = l.item_id JOIN location c ON c.id = b.location_id \
         WHERE b.on_hand > 0 AND i.kind = 'FINISHED' AND l.state = 'ON_HOLD' ORDER BY b.lot_id LIMIT 1",
        &["article", "lot", "state", "location", "on_hand"],
    )
    .await;
    let line = stock
        .iter()
        .find(|r| r["lot_number"] == want[1] && r["location_code"] == want[3])
        .unwrap_or_else(|| panic!("{want:?} in {text}"));
    assert_eq!(line["article_number"], want[0]);
    assert!(line["article_number"].starts_with("AB-"), "{line:?}");
    assert_eq!(line["item_kind"], "FINISHED");
    assert_eq!(
        line["lot_state"], "ON_HOLD",
        "the stored name, not Debug text"
    );
    assert!(
        ["ON_HOLD", "EXPIRED"].contains(&line["effective_state"].as_str()),
        "{line:?}"
    );
    assert_eq!(line["on_hand"], want[4]);
    assert_eq!(line["unit"], "PCS");
    assert!(
        stock
            .iter()
            .all(|r| !r["article_number"].is_empty() && !r["location_code"].is_empty())
    );

    assert_eq!(
        get("/export/ledger.csv", Some(sales))
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(get("/export/ledger.csv", None).await.unwrap().status(), 401);
    let ledger = get("/export/ledger.csv", Some(wh))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        ledger.starts_with(
            "id,at,reason,article_number,lot_number,lot_state,from_location_code,to_location_code,\
             quantity,unit,reference,actor,note,idempotency_key,lot_id,from_location_id,to_location_id\n"
        ),
        "{ledger}"
    );
    let moves = csv_rows(&ledger);
    assert_eq!(moves.len() as i64, app.count("stock_movement").await);
    let want = sql_row(
        &app,
        "SELECT m.id AS id, i.code AS article, l.lot_number AS lot, f.code AS from_code, \
         t.code AS to_code, m.reference AS reference, m.actor_name AS actor \
         FROM stock_movement m JOIN lot l ON l.id = m.lot_id JOIN item i ON i.id = l.item_id \
         JOIN location f ON f.id = m.from_location_id JOIN location t ON t.id = m.to_location_id \
         WHERE m.reason = 'TRANSFER' ORDER BY m.id LIMIT 1",
        &[
            "id",
            "article",
            "lot",
            "from_code",
            "to_code",
            "reference",
            "actor",
        ],
    )
    .await;
    let line = moves
        .iter()
        .find(|r| r["id"] == want[0])
        .unwrap_or_else(|| panic!("{want:?}"));
    assert_eq!(
        [
            &line["article_number"],
            &line["lot_number"],
            &line["from_location_code"],
            &line["to_location_code"],
            &line["reference"],
            &line["actor"],
        ],
        [&want[1], &want[2], &want[3], &want[4], &want[5], &want[6]]
    );
    assert_eq!(line["reason"], "TRANSFER");
    assert!(
        moves
            .iter()
            .filter(|r| r["reason"] == "RECEIPT")
            .all(|r| r["from_location_code"].is_empty() && !r["to_location_code"].is_empty()),
        "a receipt comes from nowhere"
    );
    assert!(
        moves
            .windows(2)
            .all(|w| { w[0]["id"].parse::<i64>().unwrap() < w[1]["id"].parse::<i64>().unwrap() })
    );
}

#[tokio::test]
async fn the_exports_read_each_page_of_lines_in_one_joined_statement() {
    use futures_util::StreamExt;
    let app = TestApp::new().await;
    let lines = |text: &str| text.lines().count() as i64 - 1;
    for (name, rows) in [
        ("stock", app.count("stock_balance WHERE on_hand > 0").await),
        ("ledger", app.count("stock_movement").await),
    ] {
        assert!(
            rows > 20 && rows < 1_000,
            "{name}: one page of {rows} lines"
        );
        let before = app.statements();
        let body: Vec<_> = if name == "stock" {
            abutment_erp::inventory::export::stock_csv(app.db.clone())
                .collect()
                .await
        } else {
            abutment_erp::inventory::export::ledger_csv(app.db.clone())
                .collect()
                .await
        };
        let text: String = body
            .into_iter()
            .map(|c| String::from_utf8(c.unwrap().to_vec()).unwrap())
            .collect();
        assert_eq!(lines(&text), rows, "{name}");
        assert_eq!(
            app.statements() - before,
            1,
            "{name}: one statement for the page"
        );
    }
    // Over several pages: every line once, in key order, one statement a page.
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared(
            "INSERT INTO stock_balance (lot_id, location_id, on_hand, reserved) \
             SELECT l.id, c.id, 1, 0 FROM lot l CROSS JOIN location c WHERE NOT EXISTS \
             (SELECT 1 FROM stock_balance b WHERE b.lot_id = l.id AND b.location_id = c.id)",
        )
        .await
        .unwrap();
    while app.count("stock_movement").await < 2_100 {
        app.db
            .execute_unprepared(
                "INSERT INTO stock_movement (at, lot_id, from_location_id, to_location_id, quantity, \
                 reason, reference, actor_user_id, actor_name) SELECT at, lot_id, from_location_id, \
                 to_location_id, quantity, reason, 'BULK', actor_user_id, actor_name FROM stock_movement",
            )
            .await
            .unwrap();
    }
    for name in ["stock", "ledger"] {
        let rows = if name == "stock" {
            app.count("stock_balance WHERE on_hand > 0").await
        } else {
            app.count("stock_movement").await
        };
        assert!(rows > 2_000, "{name}: {rows}");
        let before = app.statements();
        let body: Vec<_> = if name == "stock" {
            abutment_erp::inventory::export::stock_csv(app.db.clone())
                .collect()
                .await
        } else {
            abutment_erp::inventory::export::ledger_csv(app.db.clone())
                .collect()
                .await
        };
        let text: String = body
            .into_iter()
            .map(|c| String::from_utf8(c.unwrap().to_vec()).unwrap())
            .collect();
        let keys: Vec<(i64, i64)> = csv_rows(&text)
            .iter()
            .map(|r| {
                if name == "stock" {
                    (
                        r["lot_id"].parse().unwrap(),
                        r["location_id"].parse().unwrap(),
                    )
                } else {
                    (r["id"].parse().unwrap(), 0)
                }
            })
            .collect();
        assert_eq!(keys.len() as i64, rows, "{name}");
        assert!(
            keys.windows(2).all(|w| w[0] < w[1]),
            "{name}: in key order, each once"
        );
        let pages = rows as usize / 1_000 + 1;
        assert_eq!(
            app.statements() - before,
            pages,
            "{name}: a statement a page"
        );
    }
}
