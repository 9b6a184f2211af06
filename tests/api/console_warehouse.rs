//! The warehouse console over HTTP, through the router the server runs:
//! the scan station (GS1 with group separators, bracketed, Digital Link),
//! receiving from an unknown label, put away, count, picking that refuses
//! a unit of another lot, shipping to a consignee, the stock pages and
//! their CSV, every form's field-named errors with nothing changed, and
//! the refusal of every page and form to other roles.

use abutment_erp::access::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::console::{Console, PASSWORD, csrf_of, location, with_password};
use crate::support::TestApp;

const GS: char = '\u{1d}';

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

    async fn csrf(&self) -> String {
        csrf_of(&self.get("/home").await.1)
    }

    /// Posts a form with the session's CSRF token.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
        let csrf = self.csrf().await;
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
        let r = self
            .c
            .http
            .post(format!("{}{path}", self.c.base))
            .header("cookie", format!("abt_session={}", self.secret))
            .form(fields)
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }
}

fn q(v: &str) -> String {
    form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// A seeded lot: released, unexpired, with free units on a stock shelf.
struct Shelf {
    id: String,
    number: String,
    gtin: String,
    article: String,
    expiry: Option<String>,
    location: String,
    free: i64,
}

async fn released_lots(app: &TestApp) -> Vec<Shelf> {
    let d = app
        .data(
            "{ stock(filter: {state: RELEASED}, first: 200) { edges { node { onHand reserved location { code locationType }
               lot { id lotNumber effectiveState expiryDate sku { gtin articleNumber } } } } } }",
            json!({}),
        )
        .await;
    d["stock"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .filter(|n| {
            n["lot"]["effectiveState"] == "RELEASED"
                && n["location"]["locationType"] == "STOCK"
                && n["lot"]["sku"].is_object()
                && n["onHand"].as_i64() > n["reserved"].as_i64()
        })
        .map(|n| Shelf {
            id: n["lot"]["id"].as_str().unwrap().to_owned(),
            number: n["lot"]["lotNumber"].as_str().unwrap().to_owned(),
            gtin: n["lot"]["sku"]["gtin"].as_str().unwrap().to_owned(),
            article: n["lot"]["sku"]["articleNumber"]
                .as_str()
                .unwrap()
                .to_owned(),
            expiry: n["lot"]["expiryDate"].as_str().map(str::to_owned),
            location: n["location"]["code"].as_str().unwrap().to_owned(),
            free: n["onHand"].as_i64().unwrap() - n["reserved"].as_i64().unwrap(),
        })
        .collect()
}

/// The label of a lot as a scanner types it: GTIN, lot, a group
/// separator after the variable-length lot, then the expiry.
fn raw_label(gtin: &str, lot: &str, expiry: Option<&str>) -> String {
    let mut s = format!("01{gtin}10{lot}");
    if let Some(e) = expiry {
        let d = chrono::NaiveDate::parse_from_str(e, "%Y-%m-%d").unwrap();
        s.push(GS);
        s.push_str(&format!("17{}", d.format("%y%m%d")));
    }
    s
}

async fn movements(app: &TestApp, lot_id: &str) -> Vec<Value> {
    let d = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Lot { movements(first: 500) { edges { node { reason quantity reference note } } } } } }",
            json!({ "id": lot_id }),
        )
        .await;
    d["node"]["movements"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

async fn reserve(app: &TestApp, lot_id: &str, reference: &str) -> String {
    let d = app
        .data(
            "mutation($l: ID!, $r: String!) { reserveStock(input: {lotId: $l, quantity: 1, reference: $r}) { reservations { id } userErrors { message } } }",
            json!({ "l": lot_id, "r": reference }),
        )
        .await;
    d["reserveStock"]["reservations"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no reservation: {d}"))
        .to_owned()
}

#[tokio::test]
async fn a_scanned_lot_shows_its_state_stock_reservations_and_the_actions_allowed_now() {
    let app = TestApp::new().await;
    let lots = released_lots(&app).await;
    let lot = &lots[0];
    let reservation = reserve(&app, &lot.id, "CASE-SCAN-1").await;
    let w = Signed::new(&app, Role::Warehouse).await;

    // Each form a scanner or a person may send names the same lot.
    let udi = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Lot { udi } } }",
            json!({ "id": lot.id }),
        )
        .await["node"]["udi"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut link = format!("https://id.example.com/01/{}/10/{}", lot.gtin, lot.number);
    if let Some(e) = &lot.expiry {
        let d = chrono::NaiveDate::parse_from_str(e, "%Y-%m-%d").unwrap();
        link.push_str(&format!("?17={}", d.format("%y%m%d")));
    }
    for code in [
        raw_label(&lot.gtin, &lot.number, lot.expiry.as_deref()),
        format!(
            "]d2{}",
            raw_label(&lot.gtin, &lot.number, lot.expiry.as_deref())
        ),
        udi,
        link,
    ] {
        let (status, html) = w.get(&format!("/warehouse/scan?code={}", q(&code))).await;
        assert_eq!(status, StatusCode::OK, "{code:?}: {html}");
        assert!(
            html.contains(&format!(r#"<dd id="lot-number">{}</dd>"#, lot.number)),
            "{code:?}: {html}"
        );
        assert!(html.contains("state state-ok") && html.contains("Released: usable"));
        assert!(html.contains(&lot.article));
        // Stock by location with its actions; the reservation with pick and ship.
        let row_at = html
            .find(&format!(r#"data-location="{}""#, lot.location))
            .expect("the lot's shelf is listed");
        let row = &html[row_at..row_at + html[row_at..].find("</tr>").unwrap()];
        assert!(
            row.contains("Transfer") && row.contains("Count") && row.contains("Move to quarantine"),
            "{row}"
        );
        assert!(!row.contains("Put away"), "already on a shelf: {row}");
        assert!(html.contains("CASE-SCAN-1"), "{html}");
        assert!(html.contains(&format!("/warehouse/pick?reservation={}", q(&reservation))));
        assert!(html.contains(&format!("/warehouse/ship?reservation={}", q(&reservation))));
    }
}

#[tokio::test]
async fn a_lot_in_a_blocking_state_is_shown_blocked_in_words_and_colour_without_pick_or_put_away() {
    let app = TestApp::new().await;
    let d = app
        .data(
            "{ q: stock(filter: {state: QUARANTINE}, first: 50) { edges { node { lot { lotNumber udi effectiveState } } } }
               h: stock(filter: {state: ON_HOLD}, first: 50) { edges { node { lot { lotNumber udi effectiveState } } } } }",
            json!({}),
        )
        .await;
    let w = Signed::new(&app, Role::Warehouse).await;
    let mut seen = Vec::new();
    for key in ["q", "h"] {
        for e in d[key]["edges"].as_array().unwrap() {
            let l = &e["node"]["lot"];
            let Some(udi) = l["udi"].as_str() else {
                continue;
            };
            let state = l["effectiveState"].as_str().unwrap();
            let (status, html) = w.get(&format!("/warehouse/scan?code={}", q(udi))).await;
            assert_eq!(status, StatusCode::OK);
            assert!(html.contains("state state-blocked"), "{html}");
            assert!(html.contains("do not use or ship"), "{html}");
            assert!(
                html.contains(&format!("<strong>{state}</strong>")),
                "{html}"
            );
            assert!(!html.contains("Put away"), "{html}");
            seen.push(state.to_owned());
        }
    }
    for s in ["QUARANTINE", "ON_HOLD", "EXPIRED"] {
        assert!(seen.iter().any(|x| x == s), "no seeded {s} lot: {seen:?}");
    }
}

#[tokio::test]
async fn an_unknown_lot_of_a_known_gtin_opens_a_filled_receipt_form_that_receives_it_into_quarantine()
 {
    let app = TestApp::new().await;
    let lot = &released_lots(&app).await[0];
    let w = Signed::new(&app, Role::Warehouse).await;
    let label = raw_label(&lot.gtin, "NEW-LOT-7", Some("2030-06-30"));
    let label = format!("{label}{GS}11250101");
    let (status, html) = w.get(&format!("/warehouse/scan?code={}", q(&label))).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Not received yet: lot NEW-LOT-7"), "{html}");
    assert!(html.contains(r#"id="receive-form""#), "{html}");
    // The label travels in bracketed form; the receiving dock is chosen.
    let code = "(01)".to_owned() + &lot.gtin + "(10)NEW-LOT-7(17)300630(11)250101";
    assert!(html.contains(&format!(r#"value="{code}""#)), "{html}");
    assert!(
        html.contains(r#"<option value="MAIN/RECV/DOCK-1" selected>"#),
        "{html}"
    );

    // A bad quantity and a location that is not for receiving: named, nothing received.
    let before = app.count("lot").await;
    let (status, html) = w
        .post(
            "/warehouse/receive",
            &[
                ("code", &code),
                ("quantity", "0"),
                ("location", "MAIN/STOCK/A-01"),
                ("reference", "PO-1"),
                ("key", "receive-bad"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains(r#"id="quantity-error""#) || html.contains(r#"id="location-error""#),
        "{html}"
    );
    assert_eq!(app.count("lot").await, before);
    let (status, html) = w
        .post(
            "/warehouse/receive",
            &[
                ("code", &code),
                ("quantity", "12"),
                ("location", "MAIN/STOCK/A-01"),
                ("reference", "PO-1"),
                ("key", "receive-bad-2"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"id="location-error""#), "{html}");
    assert!(html.contains("RECEIVING"), "{html}");
    assert_eq!(app.count("lot").await, before);

    // Received; sent twice (a reload), it is received once.
    for _ in 0..2 {
        let (status, html) = w
            .post(
                "/warehouse/receive",
                &[
                    ("code", &code),
                    ("quantity", "12"),
                    ("location", "MAIN/RECV/DOCK-1"),
                    ("reference", "PO-4711"),
                    ("key", "receive-ok"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("Receipt booked") && html.contains(r#"id="ledger-row""#));
        assert!(
            html.contains("RECEIPT") && html.contains("PO-4711"),
            "{html}"
        );
        assert!(html.contains("QUARANTINE"), "{html}");
    }
    let d = app
        .data(
            "query($a: String!) { lot(lotNumber: \"NEW-LOT-7\", articleNumber: $a) { state expiryDate productionDate quantities { onHand quarantine } } }",
            json!({ "a": lot.article }),
        )
        .await;
    assert_eq!(d["lot"]["state"], "QUARANTINE");
    assert_eq!(d["lot"]["expiryDate"], "2030-06-30");
    assert_eq!(d["lot"]["productionDate"], "2025-01-01");
    assert_eq!(d["lot"]["quantities"]["onHand"], 12);
    assert_eq!(app.count("lot").await, before + 1);
}

#[tokio::test]
async fn picking_refuses_a_unit_of_another_lot_and_records_the_right_one_then_ships_to_the_consignee()
 {
    let app = TestApp::new().await;
    let lots = released_lots(&app).await;
    let (lot, other) = (&lots[0], lots.iter().find(|l| l.id != lots[0].id).unwrap());
    let reservation = reserve(&app, &lot.id, "CASE-PICK-1").await;
    let w = Signed::new(&app, Role::Warehouse).await;

    // Found by its reference, opened, and the wrong unit scanned.
    let (status, html) = w.get("/warehouse/pick?reference=CASE-PICK-1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&lot.number), "{html}");
    let (status, html) = w
        .get(&format!("/warehouse/pick?reservation={}", q(&reservation)))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"id="pick-form""#), "{html}");
    let wrong = raw_label(&other.gtin, &other.number, other.expiry.as_deref());
    let (status, html) = w
        .post(
            "/warehouse/pick",
            &[
                ("reservation", &reservation),
                ("code", &wrong),
                ("key", "pick-1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let at = html
        .find(r#"id="code-error""#)
        .expect("the error is beside the scan field");
    let error = &html[at..at + html[at..].find("</p>").unwrap()];
    assert!(
        error.contains(&other.number)
            && error.contains(&lot.number)
            && error.contains("put it back"),
        "{error}"
    );
    assert!(
        !movements(&app, &lot.id)
            .await
            .iter()
            .any(|m| m["reason"] == "PICK"),
        "a refused pick records nothing"
    );

    // The right unit, with its group separator, as the scanner sends it.
    let right = raw_label(&lot.gtin, &lot.number, lot.expiry.as_deref());
    let (status, html) = w
        .post(
            "/warehouse/pick",
            &[
                ("reservation", &reservation),
                ("code", &right),
                ("key", "pick-2"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains(r#"id="ledger-row""#) && html.contains("PICK"),
        "{html}"
    );
    let picks: Vec<Value> = movements(&app, &lot.id)
        .await
        .into_iter()
        .filter(|m| m["reason"] == "PICK")
        .collect();
    assert_eq!(picks.len(), 1, "{picks:?}");
    assert_eq!(picks[0]["reference"], "CASE-PICK-1");

    // Shipping asks who receives it: none is named beside the field.
    let (status, html) = w
        .post(
            "/warehouse/ship",
            &[("reservation", &reservation), ("key", "ship-1")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains(r#"id="clinic-error""#), "{html}");
    let (status, html) = w
        .post(
            "/warehouse/ship",
            &[
                ("reservation", &reservation),
                ("clinic", "NO-SUCH-CLINIC"),
                ("key", "ship-2"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"id="clinic-error""#), "{html}");
    let (status, html) = w
        .post(
            "/warehouse/ship",
            &[
                ("reservation", &reservation),
                ("name", "Dentalhandel Meier AG"),
                ("key", "ship-3"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"id="address-error""#), "{html}");
    let open = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Reservation { status } } }",
            json!({ "id": reservation }),
        )
        .await;
    assert_eq!(open["node"]["status"], "OPEN");

    let (status, html) = w
        .post(
            "/warehouse/ship",
            &[
                ("reservation", &reservation),
                ("name", "Dentalhandel Meier AG"),
                ("address", "Industriestrasse 12, 8305 Dietlikon, CH"),
                ("contact", "recall@meier-dental.example"),
                ("key", "ship-4"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("SHIPMENT") && html.contains(r#"id="ledger-row""#),
        "{html}"
    );
    let shipped = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Reservation { status } } }",
            json!({ "id": reservation }),
        )
        .await;
    assert_eq!(shipped["node"]["status"], "SHIPPED");
}

#[tokio::test]
async fn put_away_and_count_show_their_ledger_rows_and_bad_input_changes_nothing() {
    let app = TestApp::new().await;
    let lot = &released_lots(&app).await[0];
    let w = Signed::new(&app, Role::Warehouse).await;
    let stock_of = async |code: &str| -> i64 {
        let d = app
            .data(
                "query($id: ID!) { node(id: $id) { ... on Lot { stock { location { code } onHand } } } }",
                json!({ "id": lot.id }),
            )
            .await;
        d["node"]["stock"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["location"]["code"] == code)
            .map(|s| s["onHand"].as_i64().unwrap())
            .unwrap_or(0)
    };
    let here = stock_of(&lot.location).await;

    let (status, html) = w
        .get(&format!(
            "/warehouse/move?lot={}&from={}&purpose=quarantine",
            q(&lot.id),
            q(&lot.location)
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Move to quarantine") && html.contains("MAIN/QC/Q-01"),
        "{html}"
    );

    // More than is free: named beside the quantity, nothing moves.
    let too_many = (lot.free + 1).to_string();
    let (status, html) = w
        .post(
            "/warehouse/move",
            &[
                ("lot", &lot.id),
                ("from", &lot.location),
                ("to", "MAIN/QC/Q-01"),
                ("quantity", &too_many),
                ("reference", "segregate"),
                ("purpose", "quarantine"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains(r#"id="quantity-error""#), "{html}");
    assert_eq!(stock_of(&lot.location).await, here);

    let (status, html) = w
        .post(
            "/warehouse/move",
            &[
                ("lot", &lot.id),
                ("from", &lot.location),
                ("to", "MAIN/QC/Q-01"),
                ("quantity", "1"),
                ("reference", "segregate"),
                ("purpose", "quarantine"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("TRANSFER") && html.contains("MAIN/QC/Q-01"),
        "{html}"
    );
    assert_eq!(stock_of("MAIN/QC/Q-01").await, 1);

    // Put back on the shelf.
    let (status, html) = w
        .post(
            "/warehouse/move",
            &[
                ("lot", &lot.id),
                ("from", "MAIN/QC/Q-01"),
                ("to", &lot.location),
                ("quantity", "1"),
                ("reference", "put-away"),
                ("purpose", "putaway"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(stock_of(&lot.location).await, here);

    // A count: what the system holds is shown; a difference is an adjustment.
    let (status, html) = w
        .get(&format!(
            "/warehouse/count?lot={}&location={}",
            q(&lot.id),
            q(&lot.location)
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!(r#"<strong id="expected">{here}</strong>"#)),
        "{html}"
    );
    let (status, html) = w
        .post(
            "/warehouse/count",
            &[
                ("lot", &lot.id),
                ("location", &lot.location),
                ("expected", &here.to_string()),
                ("counted", "-3"),
                ("reference", "CC-1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains(r#"id="counted-error""#), "{html}");
    assert_eq!(stock_of(&lot.location).await, here);
    // Stale: the shelf changed since the form was drawn.
    let (status, html) = w
        .post(
            "/warehouse/count",
            &[
                ("lot", &lot.id),
                ("location", &lot.location),
                ("expected", &(here + 5).to_string()),
                ("counted", "1"),
                ("reference", "CC-1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains(r#"id="form-notice""#) && html.contains("count again"),
        "{html}"
    );
    assert_eq!(stock_of(&lot.location).await, here);
    let (status, html) = w
        .post(
            "/warehouse/count",
            &[
                ("lot", &lot.id),
                ("location", &lot.location),
                ("expected", &here.to_string()),
                ("counted", &(here - 1).to_string()),
                ("reference", "CC-1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("ADJUSTMENT") && html.contains(&format!("system had {here}")),
        "{html}"
    );
    assert_eq!(stock_of(&lot.location).await, here - 1);
}

#[tokio::test]
async fn the_stock_page_agrees_with_the_schema_and_downloads_the_same_view_as_csv() {
    let app = TestApp::new().await;
    let lot = &released_lots(&app).await[0];
    let w = Signed::new(&app, Role::Warehouse).await;
    let expected = app
        .data(
            "query($a: String!) { skuStock(articleNumber: $a) { quantities { onHand available quarantine } }
               stock(filter: {articleNumber: $a}) { totalCount } all: stock { totalCount } }",
            json!({ "a": lot.article }),
        )
        .await;
    let (status, html) = w
        .get(&format!("/warehouse/stock?sku={}", q(&lot.article)))
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for k in ["onHand", "available", "quarantine"] {
        let v = &expected["skuStock"]["quantities"][k];
        assert!(
            html.contains(&format!(r#"<td class="num" data-total="{k}">{v}</td>"#)),
            "{k} = {v}: {html}"
        );
    }
    let lines = expected["stock"]["totalCount"].as_i64().unwrap();
    assert!(html.contains(&format!("{lines} line(s)")), "{html}");

    // The whole store pages by 50 and downloads every line.
    let all = expected["all"]["totalCount"].as_i64().unwrap();
    assert!(all > 50, "{all}");
    let (_, html) = w.get("/warehouse/stock").await;
    assert!(html.contains(r#"id="next-page""#), "{html}");
    let r =
        w.c.get("/warehouse/stock?format=csv", Some(&w.secret))
            .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = r.text().await.unwrap();
    let mut rows = body.lines();
    assert_eq!(
        rows.next().unwrap(),
        "article_number,lot_number,effective_state,expiry_date,location_code,location_type,on_hand,reserved,available,unit"
    );
    assert_eq!(rows.count() as i64, all);

    // Filters the schema refuses are named beside their field.
    let (status, html) = w.get("/warehouse/stock?sku=NO-SUCH-SKU").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"id="sku-error""#), "{html}");
    let (status, html) = w.get("/warehouse/stock?state=WOBBLY").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"id="state-error""#), "{html}");
    let (status, html) = w.get("/warehouse/stock?location=NOWHERE").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"id="location-error""#), "{html}");
    // A cursor that is not one is said in the page's notice.
    let (status, html) = w.get("/warehouse/stock?after=garbage").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"id="form-notice""#), "{html}");
}

#[tokio::test]
async fn expiring_lots_below_reorder_point_and_a_lots_ledger_match_the_schema_with_csv() {
    let app = TestApp::new().await;
    let lot = &released_lots(&app).await[0];
    app.data(
        "mutation($a: String!) { setReorderPoint(input: {articleNumber: $a, reorderPoint: 100000}) { userErrors { message } } }",
        json!({ "a": lot.article }),
    )
    .await;
    let expected = app
        .data(
            "query($id: ID!) { lotsExpiring(withinDays: 400) { totalCount } belowReorderPoint { sku { articleNumber } }
               node(id: $id) { ... on Lot { movements { totalCount } } } }",
            json!({ "id": lot.id }),
        )
        .await;
    let w = Signed::new(&app, Role::Warehouse).await;

    let n = expected["lotsExpiring"]["totalCount"].as_i64().unwrap();
    let (status, html) = w.get("/warehouse/expiring?days=400").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("{n} lot(s) with stock expire within 400 days")),
        "{html}"
    );
    let csv =
        w.c.get("/warehouse/expiring?days=400&format=csv", Some(&w.secret))
            .await
            .text()
            .await
            .unwrap();
    assert_eq!(csv.lines().count() as i64, n + 1, "{csv}");
    for bad in ["abc", "-1", "5000"] {
        let (status, html) = w.get(&format!("/warehouse/expiring?days={bad}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(html.contains(r#"id="days-error""#), "{bad}: {html}");
    }

    let below = expected["belowReorderPoint"].as_array().unwrap().len();
    let (_, html) = w.get("/warehouse/reorder").await;
    assert!(html.contains(&format!("{below} SKU(s)")), "{html}");
    assert!(html.contains(&lot.article), "{html}");
    let csv =
        w.c.get("/warehouse/reorder?format=csv", Some(&w.secret))
            .await
            .text()
            .await
            .unwrap();
    assert_eq!(csv.lines().count(), below + 1, "{csv}");

    let rows = expected["node"]["movements"]["totalCount"]
        .as_i64()
        .unwrap();
    let (_, html) = w.get(&format!("/warehouse/lot?id={}", q(&lot.id))).await;
    assert!(html.contains(&format!("{rows} ledger row(s)")), "{html}");
    assert_eq!(
        html.matches(r#"<td class="reason">"#).count() as i64,
        rows.min(50),
        "{html}"
    );
    let csv =
        w.c.get(
            &format!("/warehouse/lot?id={}&format=csv", q(&lot.id)),
            Some(&w.secret),
        )
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count() as i64, rows + 1, "{csv}");
}

/// Every warehouse page, and every form with what it would post.
const PAGES: &[&str] = &[
    "/warehouse/scan",
    "/warehouse/receive",
    "/warehouse/move",
    "/warehouse/count",
    "/warehouse/pick",
    "/warehouse/ship",
    "/warehouse/stock",
    "/warehouse/expiring",
    "/warehouse/reorder",
    "/warehouse/lot",
    "/warehouse/stock?format=csv",
];
const FORMS: &[&str] = &[
    "/warehouse/receive",
    "/warehouse/move",
    "/warehouse/count",
    "/warehouse/pick",
    "/warehouse/ship",
];

#[tokio::test]
async fn other_roles_are_refused_every_warehouse_page_and_form_and_nothing_changes() {
    let app = TestApp::new().await;
    let lot = &released_lots(&app).await[0];
    let reservation = reserve(&app, &lot.id, "CASE-REFUSE-1").await;
    let label = raw_label(&lot.gtin, &lot.number, lot.expiry.as_deref());
    let before = app.count("stock_movement").await;
    for role in [Role::Sales, Role::Quality, Role::Planner] {
        let s = Signed::new(&app, role).await;
        for p in PAGES {
            let (status, html) = s.get(p).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role:?} GET {p}");
            assert!(html.contains("is not allowed for your role(s)"), "{html}");
        }
        let home = s.get("/home").await.1;
        assert!(!home.contains("/warehouse/"), "{role:?}: {home}");
        for p in FORMS {
            let (status, _) = s
                .post(
                    p,
                    &[
                        ("code", &label),
                        ("reservation", &reservation),
                        ("lot", &lot.id),
                        ("from", &lot.location),
                        ("to", "MAIN/QC/Q-01"),
                        ("location", &lot.location),
                        ("quantity", "1"),
                        ("expected", "1"),
                        ("counted", "0"),
                        ("clinic", "ZH-SMILE"),
                        ("reference", "x"),
                    ],
                )
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role:?} POST {p}");
        }
    }
    assert_eq!(app.count("stock_movement").await, before);

    // The warehouse itself: a post without the session's token does nothing.
    let w = Signed::new(&app, Role::Warehouse).await;
    let (status, _) = w
        .post_raw(
            "/warehouse/pick",
            &[
                ("csrf", "forged"),
                ("reservation", &reservation),
                ("code", &label),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("stock_movement").await, before);
    // Signed out: to the sign-in page.
    let r = w.c.get("/warehouse/scan", None).await;
    assert_eq!(location(&r), "/signin");
}

#[tokio::test]
async fn a_scan_the_api_refuses_is_named_beside_the_scan_field() {
    let app = TestApp::new().await;
    let w = Signed::new(&app, Role::Warehouse).await;
    let (status, html) = w.get("/warehouse/scan?code=hello%20world").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"id="code-error""#), "{html}");
    assert!(html.contains("not a GS1"), "{html}");
    let (status, html) = w.get("/warehouse/scan?code=0109521234543213").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Not one of our products"), "{html}");
}
