//! GS1 scanning through the schema: every element of a real label, labels
//! not received yet, receipt from the label or by GTIN, the character set 82
//! at receipt (GraphQL and CSV), symbology identifiers and Digital Link URIs,
//! errors that name the AI, and UDIs that scan back.

use abutment_erp::access::Role;
use serde_json::{Value, json};

use crate::support::{TestApp, user_errors};

const ARTICLE: &str = "AB-ST-NBA-NP-E-15";
const RECEIVE: &str = r#"mutation($input: ReceiveFinishedLotInput!) {
  receiveFinishedLot(input: $input) {
    lot { lotNumber expiryDate productionDate udi } userErrors { code field message } } }"#;
const SCAN: &str = r#"query($c: String!) { scan(code: $c) {
  status gtin lotNumber serial expiryDate productionDate
  elements { ai title value } sku { articleNumber } lot { lotNumber } warnings } }"#;

async fn gtin(app: &TestApp) -> String {
    app.data(
        r#"query($a: String!) { abutmentSku(articleNumber: $a) { gtin } }"#,
        json!({"a": ARTICLE}),
    )
    .await["abutmentSku"]["gtin"]
        .as_str()
        .expect("seeded SKU has a GTIN")
        .to_owned()
}

fn receipt(extra: Value) -> Value {
    let mut input = json!({"quantity": 4, "location": "MAIN/RECV/DOCK-1", "reference": "PO-GS1"});
    if let (Some(i), Some(e)) = (input.as_object_mut(), extra.as_object()) {
        i.extend(e.clone());
    }
    json!({ "input": input })
}

async fn scan(app: &TestApp, code: &str) -> Value {
    let r = app
        .run_as(Some(Role::Warehouse), SCAN, json!({"c": code}))
        .await;
    assert!(r.get("errors").is_none(), "{code:?}: {r:#}");
    r["data"]["scan"].clone()
}

async fn scan_error(app: &TestApp, code: &str) -> (String, String) {
    let r = app
        .run_as(Some(Role::Warehouse), SCAN, json!({"c": code}))
        .await;
    (
        r["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or("")
            .to_owned(),
        r["errors"][0]["message"].as_str().unwrap_or("").to_owned(),
    )
}

#[tokio::test]
async fn gs1_scan_returns_every_element_of_a_label_with_more_ais_than_we_use() {
    let app = TestApp::new().await;
    let g = gtin(&app).await;
    let code = format!(
        "]C101{g}3103000123240ADD-1\u{1d}7003290531123010L-GS1-1\u{1d}8020REF/9\u{1d}91Intern(al)"
    );
    let s = scan(&app, &code).await;
    assert_eq!(s["status"], "NOT_RECEIVED", "{s:#}");
    assert_eq!(
        s["elements"],
        json!([
            {"ai": "01", "title": "GTIN", "value": g},
            {"ai": "3103", "title": "NET WEIGHT (kg)", "value": "000123"},
            {"ai": "240", "title": "ADDITIONAL ID", "value": "ADD-1"},
            {"ai": "7003", "title": "EXPIRY TIME", "value": "2905311230"},
            {"ai": "10", "title": "BATCH/LOT", "value": "L-GS1-1"},
            {"ai": "8020", "title": "REF No.", "value": "REF/9"},
            {"ai": "91", "title": "INTERNAL", "value": "Intern(al)"},
        ])
    );
    assert_eq!(s["lotNumber"], "L-GS1-1");
    // An unknown but well-formed AI in the bracketed form is returned untitled.
    let s = scan(&app, &format!("(01){g}(7099)X")).await;
    assert_eq!(
        s["elements"][1],
        json!({"ai": "7099", "title": null, "value": "X"})
    );
    assert_eq!(s["status"], "NO_LOT");
}

#[tokio::test]
async fn gs1_a_label_not_yet_received_is_read_and_received_from_the_code() {
    let app = TestApp::new().await;
    let g = gtin(&app).await;
    let code = format!("]d201{g}11260110172901002110\u{1d}10DLV-7");
    let s = scan(&app, &code).await;
    assert_eq!(s["status"], "NOT_RECEIVED", "{s:#}");
    assert_eq!(s["lot"], Value::Null);
    assert_eq!(s["sku"]["articleNumber"], ARTICLE);
    assert_eq!(s["lotNumber"], "DLV-7");
    assert_eq!(s["serial"], "10");
    assert_eq!(s["expiryDate"], "2029-01-31");
    assert_eq!(s["productionDate"], "2026-01-10");
    assert!(
        s["warnings"][0]
            .as_str()
            .unwrap_or("")
            .contains("not been received"),
        "{s}"
    );

    // The warehouse receives from the label: no article, lot or dates typed.
    let r = app
        .run_as(
            Some(Role::Warehouse),
            RECEIVE,
            receipt(json!({"code": code})),
        )
        .await;
    let lot = &r["data"]["receiveFinishedLot"]["lot"];
    assert_eq!(lot["lotNumber"], "DLV-7", "{r:#}");
    assert_eq!(lot["expiryDate"], "2029-01-31");
    assert_eq!(lot["productionDate"], "2026-01-10");
    assert_eq!(lot["udi"], format!("(01){g}(10)DLV-7(17)290131"));
    let s = scan(&app, &code).await;
    assert_eq!(s["status"], "RECEIVED");
    assert_eq!(s["lot"]["lotNumber"], "DLV-7");
    assert_eq!(s["warnings"], json!([]));
}

#[tokio::test]
async fn gs1_receive_finished_lot_by_gtin_and_a_conflicting_identity_names_the_field() {
    let app = TestApp::new().await;
    let g = gtin(&app).await;
    let by_gtin = app
        .data(
            RECEIVE,
            receipt(json!({"gtin": g, "lotNumber": "BYGTIN-1", "productionDate": "2026-02-01"})),
        )
        .await;
    assert_eq!(
        by_gtin["receiveFinishedLot"]["lot"]["lotNumber"], "BYGTIN-1",
        "{by_gtin}"
    );
    // GTIN-13 form of the same GTIN, with the article number: they agree.
    let both = app
        .data(
            RECEIVE,
            receipt(
                json!({"gtin": g.trim_start_matches('0'), "articleNumber": ARTICLE,
                           "lotNumber": "BYGTIN-2", "productionDate": "2026-02-01"}),
            ),
        )
        .await;
    if g.starts_with('0') {
        assert_eq!(
            both["receiveFinishedLot"]["lot"]["lotNumber"], "BYGTIN-2",
            "{both}"
        );
    }
    let other = "09521234543213";
    let cases = [
        (
            json!({"gtin": other, "articleNumber": ARTICLE, "lotNumber": "X1", "productionDate": "2026-02-01"}),
            "input.gtin",
            "is not the GTIN of article",
        ),
        (
            json!({"gtin": other, "lotNumber": "X1", "productionDate": "2026-02-01"}),
            "input.gtin",
            "no SKU has GTIN 09521234543213",
        ),
        (
            json!({"lotNumber": "X1", "productionDate": "2026-02-01"}),
            "input.articleNumber",
            "give articleNumber, gtin or code",
        ),
        (
            json!({"code": format!("(01){g}(10)LBL"), "lotNumber": "TYPED", "productionDate": "2026-02-01"}),
            "input.lotNumber",
            "differs from the label's lot `LBL`",
        ),
        (
            json!({"code": format!("(01){g}(10)LBL"), "gtin": other}),
            "input.gtin",
            "differs from the GTIN",
        ),
        (
            json!({"code": format!("(01){g}(10)LBL")}),
            "input.productionDate",
            "is required unless the code carries",
        ),
        (
            json!({"code": format!("(01){g}(10)LBL(17)290100"), "expiryDate": "2029-01-30", "productionDate": "2026-02-01"}),
            "input.expiryDate",
            "differs from the label's 2029-01-31",
        ),
        (
            json!({"code": "(01)09521234543210(10)LBL", "productionDate": "2026-02-01"}),
            "input.code",
            "check digit should be 3",
        ),
    ];
    for (extra, field, message) in cases {
        let r = app.data(RECEIVE, receipt(extra.clone())).await;
        let errs = user_errors(&r);
        assert_eq!(errs.len(), 1, "{extra}: {r}");
        assert_eq!(errs[0].1, field, "{extra}: {errs:?}");
        assert!(errs[0].2.contains(message), "{extra}: {errs:?}");
    }
}

#[tokio::test]
async fn gs1_lot_numbers_outside_character_set_82_are_refused_at_receipt_naming_the_character() {
    let app = TestApp::new().await;
    let lots = app.count("lot").await;
    for (lot, shown, position) in [
        ("AB#1", "'#'", 2),
        ("L~", "'~'", 1),
        ("{X", "'{'", 0),
        ("A\\B", "'\\'", 1),
    ] {
        let r = app
            .data(
                RECEIVE,
                receipt(json!({"articleNumber": ARTICLE, "lotNumber": lot, "productionDate": "2026-02-01"})),
            )
            .await;
        let errs = user_errors(&r);
        assert_eq!(errs.len(), 1, "{r}");
        assert_eq!(errs[0].1, "input.lotNumber");
        assert!(
            errs[0].2.contains(&format!(
                "{shown} is not in GS1 character set 82 at position {position}"
            )),
            "{errs:?}"
        );
    }
    // The CSV import goes through the same receipt.
    let csv = format!(
        "article_number,lot_number,quantity,location,production_date,expiry_date,reference\n\
         {ARTICLE},CSV-OK,1,MAIN/RECV/DOCK-1,2026-02-01,,PO 1\n\
         {ARTICLE},CSV#2,1,MAIN/RECV/DOCK-1,2026-02-01,,PO 2\n"
    );
    let r = app
        .data(
            r#"mutation($csv: String!) { importStockCsv(csv: $csv) { userErrors { field line message } } }"#,
            json!({"csv": csv}),
        )
        .await;
    let errs = &r["importStockCsv"]["userErrors"];
    assert_eq!(errs.as_array().map(Vec::len), Some(1), "{r}");
    assert_eq!(errs[0]["line"], 3);
    assert!(
        errs[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("'#' is not in GS1 character set 82 at position 3"),
        "{r}"
    );
    // An expiry a YYMMDD date cannot carry is refused too.
    let r = app
        .data(
            RECEIVE,
            receipt(json!({"articleNumber": ARTICLE, "lotNumber": "FAR", "productionDate": "2026-02-01", "expiryDate": "2099-01-01"})),
        )
        .await;
    assert_eq!(user_errors(&r)[0].1, "input.expiryDate", "{r}");
    assert_eq!(app.count("lot").await, lots);
    // Scans refuse them as well, naming AI and position.
    let g = gtin(&app).await;
    let (code, message) = scan_error(&app, &format!("01{g}10AB#1")).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(
        message,
        "code: at 20, AI 10 (BATCH/LOT): '#' is not in GS1 character set 82"
    );
}

#[tokio::test]
async fn gs1_an_issued_udi_with_parentheses_in_the_lot_scans_back_to_the_lot() {
    let app = TestApp::new().await;
    let r = app
        .data(
            RECEIVE,
            receipt(json!({"articleNumber": ARTICLE, "lotNumber": "A(17)B", "productionDate": "2026-02-01", "expiryDate": "2030-06-30"})),
        )
        .await;
    let udi = r["receiveFinishedLot"]["lot"]["udi"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(udi.ends_with("(10)A\\(17)B(17)300630"), "{r}");
    let s = scan(&app, &udi).await;
    assert_eq!(s["status"], "RECEIVED", "{s}");
    assert_eq!(s["lot"]["lotNumber"], "A(17)B");
    assert_eq!(s["expiryDate"], "2030-06-30");
}

#[tokio::test]
async fn gs1_symbology_identifiers_e0_and_j1_and_digital_link_uris_are_read() {
    let app = TestApp::new().await;
    let g = gtin(&app).await;
    app.data(
        RECEIVE,
        receipt(json!({"articleNumber": ARTICLE, "lotNumber": "SYM-1", "productionDate": "2026-02-01", "expiryDate": "2029-05-31"})),
    )
    .await;
    for code in [
        format!("]e001{g}1729053110SYM-1"),
        format!("]J101{g}1729053110SYM-1"),
        format!("https://id.gs1.org/01/{g}/10/SYM-1?17=290531"),
        format!("]Q1https://labels.example.com/dl/01/{g}/10/SYM-1?linkType=all&17=290531"),
    ] {
        let s = scan(&app, &code).await;
        assert_eq!(s["status"], "RECEIVED", "{code}: {s}");
        assert_eq!(s["lot"]["lotNumber"], "SYM-1");
        assert_eq!(s["warnings"], json!([]), "{code}: {s}");
    }
    // Two-digit years by GS1's sliding window: 80 is 1980, not 2080.
    let s = scan(&app, &format!("(01){g}(17)800715")).await;
    assert_eq!(s["expiryDate"], "1980-07-15");
}

#[tokio::test]
async fn gs1_scan_errors_name_the_ai_and_position_and_non_gs1_payloads_are_refused() {
    let app = TestApp::new().await;
    let g = gtin(&app).await;
    let (code, m) = scan_error(&app, &format!("(01){g}(7003)2905312460")).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(
        m,
        "code: at 30, AI 7003 (EXPIRY TIME): part 2 of N4+N6+N4: hour 24 is not an hour (HHMM)"
    );
    let (_, m) = scan_error(&app, &format!("01{g}8020{}", "R".repeat(26))).await;
    assert!(
        m.starts_with("code: at 45, AI 8020 (REF No.): is 26 characters long, at most 25"),
        "{m}"
    );
    let (_, m) = scan_error(&app, "hello").await;
    assert_eq!(
        m,
        "code: at 0: not a GS1 element string or GS1 Digital Link URI (it starts with 'h')"
    );
    let (_, m) = scan_error(&app, "https://example.com/about").await;
    assert!(m.contains("no GS1 primary key"), "{m}");
    let (_, m) = scan_error(&app, &format!("]d101{g}")).await;
    assert!(m.contains("only a GS1 Digital Link URI"), "{m}");
    // Other people's GTINs and SSCC-only labels are read, not refused.
    let s = scan(&app, "(01)09521234543213(10)X").await;
    assert_eq!(s["status"], "UNKNOWN_GTIN");
    assert_eq!(s["sku"], Value::Null);
    let s = scan(&app, "(00)123456789012345675").await;
    assert_eq!(s["status"], "NO_GTIN");
    assert_eq!(s["elements"][0]["title"], "SSCC");
}
