//! CSV import through the GraphQL mutation: all or nothing, every bad row
//! reported, idempotent re-import, dry run.

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::support::TestApp;

const IMPORT: &str = r#"mutation($input: ImportCatalogCsvInput!) {
  importCatalogCsv(input: $input) {
    report { file rows created updated unchanged dryRun }
    userErrors { code field line message }
  }
}"#;

async fn import(app: &TestApp, kind: &str, csv: &str, dry_run: bool) -> Value {
    app.data(
        IMPORT,
        json!({"input": {"kind": kind, "csv": csv, "dryRun": dry_run}}),
    )
    .await["importCatalogCsv"]
        .clone()
}

const SKU_HEADER: &str = "article_number,gtin,name,type,material,gingival_height_mm,angulation_deg,post_height_mm,diameter_mm,engaging,sterile,shelf_life_months,status\n";

#[tokio::test]
async fn a_malformed_file_reports_every_bad_row_and_writes_nothing() {
    let app = TestApp::new().await;
    let before = app.count("abutment_sku").await;
    let csv = format!(
        "{SKU_HEADER}\
         NEW-1,09521234543213,Good one,STRAIGHT,TI_6AL_4V_ELI,1.5,0,4,4.5,true,true,36,ACTIVE\n\
         NEW-2,09521234543210,Bad GTIN,STRAIGHT,TI_6AL_4V_ELI,1.5,0,4,4.5,true,true,36,ACTIVE\n\
         NEW-3,09521234543220,Negative,STRAIGHT,TI_6AL_4V_ELI,-1,0,4,4.5,true,true,36,ACTIVE\n\
         NEW-4,09521234543237,Unknown type,HEXAGONAL,TI_6AL_4V_ELI,1.5,0,4,4.5,true,true,36,ACTIVE\n\
         NEW-5,09521234543244,Steep,ANGLED,TI_6AL_4V_ELI,1.5,60,4,4.5,true,maybe,36,ACTIVE\n"
    );
    let p = import(&app, "SKUS", &csv, false).await;
    assert!(p["report"].is_null());
    let errs = p["userErrors"].as_array().unwrap();
    let msgs: Vec<&str> = errs
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(
        msgs.contains(&"skus.csv line 3, column gtin: check digit should be 3"),
        "{msgs:#?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m
                .starts_with("skus.csv line 4, column gingival_height_mm: must not be negative")),
        "{msgs:#?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("skus.csv line 5, column type: `HEXAGONAL` is not one of")),
        "{msgs:#?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("skus.csv line 6, column sterile:")),
        "{msgs:#?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("skus.csv line 6, column angulation_deg:")),
        "{msgs:#?}"
    );
    assert!(
        errs.iter()
            .all(|e| e["code"] == "BAD_USER_INPUT" && e["line"].as_u64().is_some())
    );
    assert_eq!(
        app.count("abutment_sku").await,
        before,
        "the good row was not written either"
    );
}

#[tokio::test]
async fn reimporting_the_seed_files_changes_nothing() {
    let app = TestApp::new().await;
    let counts = (
        app.count("implant_system").await,
        app.count("platform").await,
        app.count("abutment_sku").await,
        app.count("sku_platform").await,
    );
    for (kind, text) in abutment_erp::seed::BUILT_IN {
        let name = format!("{kind:?}").to_uppercase();
        let p = import(&app, &name, text, false).await;
        let r = &p["report"];
        assert_eq!(p["userErrors"], json!([]), "{name}");
        assert_eq!(r["created"], 0, "{name}");
        assert_eq!(r["updated"], 0, "{name}");
        assert_eq!(r["unchanged"], r["rows"], "{name}");
    }
    let after = (
        app.count("implant_system").await,
        app.count("platform").await,
        app.count("abutment_sku").await,
        app.count("sku_platform").await,
    );
    assert_eq!(counts, after);
}

#[tokio::test]
async fn a_dry_run_reports_what_would_change_and_writes_nothing() {
    let app = TestApp::new().await;
    let before = app.count("abutment_sku").await;
    let csv = format!(
        "{SKU_HEADER}NEW-1,09521234543213,Good one,STRAIGHT,TI_6AL_4V_ELI,1.5,0,4,4.5,true,true,36,ACTIVE\n"
    );
    let p = import(&app, "SKUS", &csv, true).await;
    assert_eq!(p["report"]["created"], 1);
    assert_eq!(p["report"]["dryRun"], true);
    assert_eq!(app.count("abutment_sku").await, before);
    let p = import(&app, "SKUS", &csv, false).await;
    assert_eq!(p["report"]["created"], 1);
    assert_eq!(app.count("abutment_sku").await, before + 1);
}

#[tokio::test]
async fn a_changed_row_updates_its_record_by_natural_key() {
    let app = TestApp::empty().await;
    let systems = "manufacturer,system,connection,notes\nAcme,Alpha,INTERNAL_HEX,first\n";
    assert_eq!(
        import(&app, "SYSTEMS", systems, false).await["report"]["created"],
        1
    );
    let changed = "manufacturer,system,connection,notes\nACME, alpha ,EXTERNAL_HEX,second\n";
    let r = import(&app, "SYSTEMS", changed, false).await;
    assert_eq!(r["report"]["updated"], 1, "{r}");
    assert_eq!(app.count("implant_system").await, 1);
    assert_eq!(app.count("manufacturer").await, 1);
}

#[tokio::test]
async fn references_to_unknown_systems_platforms_and_skus_name_their_column() {
    let app = TestApp::new().await;
    let csv = "article_number,manufacturer,system,platform,source,notes\n\
               NO-SUCH-SKU,Nobel Biocare,NobelActive,NP,FIT_TEST,\n\
               AB-ST-NBA-NP-E-15,Nobel Biocare,NobelActive,XXL,FIT_TEST,\n\
               AB-ST-NBA-NP-E-15,Nobel Biocare,Nobel Passive,NP,FIT_TEST,\n";
    let p = import(&app, "COMPATIBILITY", csv, false).await;
    let msgs: Vec<&str> = p["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("compatibility.csv line 2, column article_number: unknown SKU")),
        "{msgs:#?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m
                .starts_with("compatibility.csv line 3, column platform: unknown platform `XXL`")),
        "{msgs:#?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m
                .starts_with("compatibility.csv line 4, column system: unknown implant system")),
        "{msgs:#?}"
    );
}

#[tokio::test]
async fn a_bad_header_and_duplicate_rows_are_reported() {
    let app = TestApp::empty().await;
    let p = import(&app, "PLATFORMS", "maker,system,platform\n", false).await;
    let msgs: Vec<&str> = p["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("line 1, column maker: unknown column")),
        "{msgs:#?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("line 1, column diameter_mm: required column is missing")),
        "{msgs:#?}"
    );
    let systems =
        "manufacturer,system,connection\nAcme,Alpha,INTERNAL_HEX\nAcme,ALPHA,INTERNAL_HEX\n";
    let p = import(&app, "SYSTEMS", systems, false).await;
    assert_eq!(
        p["userErrors"][0]["message"],
        "systems.csv line 3, column system: duplicate of line 2"
    );
    assert_eq!(app.count("implant_system").await, 0);
}

const IMPORT_COUNTED: &str = r#"mutation($input: ImportCatalogCsvInput!) {
  importCatalogCsv(input: $input) {
    report { rows created }
    userErrors { code field line message }
    errorCount
  }
}"#;

const IMPORT_STOCK: &str = r#"mutation($csv: String!) {
  importStockCsv(csv: $csv) { report { rows created } userErrors { code field line message } errorCount }
}"#;

async fn import_stock(app: &TestApp, csv: &str) -> Value {
    app.data(IMPORT_STOCK, json!({"csv": csv})).await["importStockCsv"].clone()
}

/// (line, first field, message) of each user error.
fn problems(p: &Value) -> Vec<(Option<u64>, String, String)> {
    p["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("no userErrors in {p}"))
        .iter()
        .map(|e| {
            (
                e["line"].as_u64(),
                e["field"][0].as_str().unwrap_or("").to_owned(),
                e["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn lines_of(p: &Value) -> Vec<u64> {
    let mut l: Vec<u64> = problems(p).iter().filter_map(|(l, _, _)| *l).collect();
    l.dedup();
    l
}

const ARTICLE: &str = "AB-ST-NBA-NP-E-15";

#[tokio::test]
async fn line_numbers_are_physical_lines_for_lf_crlf_and_cr_files_with_quoted_line_breaks() {
    let app = TestApp::empty().await;
    for (name, nl) in [("LF", "\n"), ("CRLF", "\r\n"), ("CR", "\r")] {
        // Line 1 header; 2–3 one row whose notes span two lines; 4 bad
        // connection; 5 blank; 6 one field too many; 7–9 a row whose notes
        // span three lines; 10 bad connection.
        let csv = [
            "manufacturer,system,connection,notes",
            "Acme,Alpha,INTERNAL_HEX,\"two",
            "lines\"",
            "Acme,Beta,HEXAGON,",
            "",
            "Acme,Gamma,INTERNAL_HEX,x,extra",
            "Acme,Delta,INTERNAL_HEX,\"three",
            "",
            "lines, \"\"quoted\"\"\"",
            "Acme,Epsilon,HEXAGON,",
        ]
        .join(nl);
        let p = import(&app, "SYSTEMS", &csv, false).await;
        let got = problems(&p);
        assert_eq!(lines_of(&p), vec![4, 6, 10], "{name}: {got:#?}");
        assert!(
            got[0]
                .2
                .starts_with("systems.csv line 4, column connection: `HEXAGON`"),
            "{name}: {got:#?}"
        );
        assert_eq!(
            got[1].2, "systems.csv line 6: has 5 fields, the header has 4",
            "{name}"
        );

        let stock = [
            "article_number,lot_number,quantity,location,production_date,expiry_date,reference",
            &format!("{ARTICLE},L-{name}-1,5,MAIN/RECV/DOCK-1,2026-02-01,,\"PO 1"),
            "line two\"",
            &format!("{ARTICLE},L-{name}-2,0,MAIN/RECV/DOCK-1,2026-02-01,,PO 2"),
        ]
        .join(nl);
        // The stock importer reads its file through the same framework; a
        // line break in `reference` (not free text) is refused on its line.
        let p = import_stock(&app, &stock).await;
        assert_eq!(lines_of(&p), vec![2, 4], "{name}: {:#?}", problems(&p));
        assert!(
            problems(&p)[0]
                .2
                .starts_with("stock.csv line 2, column reference: holds a line break"),
            "{name}: {:#?}",
            problems(&p)
        );
    }
    assert_eq!(app.count("implant_system").await, 0);
}

#[tokio::test]
async fn a_quote_left_open_is_an_error_at_its_line_and_nothing_is_imported() {
    let app = TestApp::new().await;
    let systems = app.count("implant_system").await;
    for nl in ["\n", "\r\n", "\r"] {
        let csv = [
            "manufacturer,system,connection,notes",
            "Acme,Alpha,INTERNAL_HEX,fine",
            "Acme,Beta,INTERNAL_HEX,\"never closed",
            "Acme,Gamma,INTERNAL_HEX,swallowed",
            "Acme,Delta,INTERNAL_HEX,swallowed too",
            "",
        ]
        .join(nl);
        let p = import(&app, "SYSTEMS", &csv, false).await;
        assert!(p["report"].is_null(), "{p}");
        assert_eq!(
            problems(&p),
            vec![(
                Some(3),
                "notes".to_owned(),
                "systems.csv line 3, column notes: the quote that opens this cell is never closed, \
                 so lines 3–5 would all be read into this one cell; add the closing `\"`"
                    .to_owned()
            )],
            "{nl:?}"
        );
    }
    // In the stock importer too, and together with the bad lines before it.
    let stock = format!(
        "article_number,lot_number,quantity,location,production_date,expiry_date,reference\n\
         {ARTICLE},Q-1,0,MAIN/RECV/DOCK-1,2026-02-01,,PO 1\n\
         {ARTICLE},Q-2,5,MAIN/RECV/DOCK-1,2026-02-01,,\"PO 2\n\
         {ARTICLE},Q-3,5,MAIN/RECV/DOCK-1,2026-02-01,,PO 3\n"
    );
    let lots = app.count("lot").await;
    let p = import_stock(&app, &stock).await;
    let got = problems(&p);
    assert_eq!(lines_of(&p), vec![2, 3], "{got:#?}");
    assert!(
        got[1].2.starts_with(
            "stock.csv line 3, column reference: the quote that opens this cell is never closed"
        ),
        "{got:#?}"
    );
    assert_eq!(app.count("lot").await, lots);
    assert_eq!(app.count("implant_system").await, systems);
}

#[tokio::test]
async fn every_bad_line_of_every_importer_is_reported_in_one_pass_and_nothing_is_imported() {
    let app = TestApp::new().await;
    let tables = [
        "implant_system",
        "platform",
        "abutment_sku",
        "sku_platform",
        "lot",
        "stock_movement",
    ];
    let mut before = Vec::new();
    for t in tables {
        before.push(app.count(t).await);
    }
    // Each file: line 2 a bad cell, line 3 good, line 4 a broken row,
    // line 5 bad against the rest of the file or the database.
    let files = [
        (
            "SYSTEMS",
            "manufacturer,system,connection\n\
             Acme,Alpha,HEXAGON\n\
             Acme,Beta,INTERNAL_HEX\n\
             Acme,Gamma\n\
             Acme,BETA,INTERNAL_HEX\n"
                .to_owned(),
        ),
        (
            "PLATFORMS",
            "manufacturer,system,platform,diameter_mm\n\
             Nobel Biocare,NobelActive,XX,abc\n\
             Nobel Biocare,NobelActive,YY,4.1\n\
             Nobel Biocare,NobelActive,ZZ,4.1,4,extra\n\
             Acme,Nope,NP,3.5\n"
                .to_owned(),
        ),
        (
            "SKUS",
            format!(
                "{SKU_HEADER}\
                 NEW-1,09521234543210,Bad GTIN,STRAIGHT,TI_6AL_4V_ELI,1.5,0,4,4.5,true,true,36,ACTIVE\n\
                 NEW-2,09521234543213,Good one,STRAIGHT,TI_6AL_4V_ELI,1.5,0,4,4.5,true,true,36,ACTIVE\n\
                 NEW-3,broken\n\
                 NEW-4,09524817100018,Seeded GTIN,STRAIGHT,TI_6AL_4V_ELI,1.5,0,4,4.5,true,true,36,ACTIVE\n"
            ),
        ),
        (
            "COMPATIBILITY",
            format!(
                "article_number,manufacturer,system,platform,source,notes\n\
                 {ARTICLE},Nobel Biocare,NobelActive,NP,,\n\
                 {ARTICLE},Nobel Biocare,NobelActive,RP,FIT_TEST,\n\
                 {ARTICLE},Nobel\u{0}Biocare,NobelActive,RP,FIT_TEST,\n\
                 NO-SUCH-SKU,Nobel Biocare,NobelActive,NP,FIT_TEST,\n"
            ),
        ),
    ];
    for (kind, csv) in &files {
        let p = import(&app, kind, csv, false).await;
        assert!(p["report"].is_null(), "{kind}: {p}");
        assert_eq!(lines_of(&p), vec![2, 4, 5], "{kind}: {:#?}", problems(&p));
    }
    let stock = format!(
        "article_number,lot_number,quantity,location,production_date\n\
         {ARTICLE},E-1,0,MAIN/RECV/DOCK-1,2026-02-01\n\
         {ARTICLE},E-2,5,MAIN/RECV/DOCK-1,2026-02-01\n\
         {ARTICLE},E-3,5\n\
         NO-SUCH,E-4,5,MAIN/RECV/DOCK-1,2026-02-01\n\
         {ARTICLE},E-5,5,MAIN/STOCK/A-01,2026-02-01\n\
         {ARTICLE},E-2,5,MAIN/RECV/DOCK-1,2026-02-01\n"
    );
    let p = import_stock(&app, &stock).await;
    let got = problems(&p);
    assert_eq!(lines_of(&p), vec![2, 4, 5, 6, 7], "{got:#?}");
    assert_eq!(got[2].1, "article_number", "{got:#?}");
    assert_eq!(got[3].1, "location", "{got:#?}");
    assert_eq!(
        got[4].2,
        "stock.csv line 7, column lot_number: duplicate of line 3"
    );
    assert_eq!(p["errorCount"], 5);
    for (t, n) in tables.iter().zip(before) {
        assert_eq!(app.count(t).await, n, "{t}: nothing imported");
    }
}

#[tokio::test]
async fn more_than_a_thousand_bad_lines_list_the_first_thousand_and_count_the_rest() {
    let app = TestApp::empty().await;
    let mut csv = String::from("manufacturer,system,connection\n");
    for i in 0..1_500 {
        csv.push_str(&format!("Acme,S{i},HEXAGON\n"));
    }
    let p = app
        .data(
            IMPORT_COUNTED,
            json!({"input": {"kind": "SYSTEMS", "csv": csv}}),
        )
        .await["importCatalogCsv"]
        .clone();
    assert_eq!(p["errorCount"], 1_500);
    let got = problems(&p);
    assert_eq!(got.len(), 1_001);
    assert_eq!(got[0].0, Some(2));
    assert_eq!(got[999].0, Some(1_001), "the first thousand, in line order");
    assert_eq!(
        got[1_000],
        (
            None,
            String::new(),
            "systems.csv: 500 more problem(s) not listed (1500 in all; only the first 1000 are)"
                .to_owned()
        )
    );
    assert_eq!(app.count("implant_system").await, 0);
}

#[tokio::test]
async fn control_characters_in_cells_are_refused_naming_line_and_column() {
    let app = TestApp::new().await;
    let skus = app.count("abutment_sku").await;
    let csv = format!(
        "{SKU_HEADER}\
         NUL-1,09521234543213,Null\u{0}byte,STRAIGHT,TI_6AL_4V_ELI,1.5,0,4,4.5,true,true,36,ACTIVE\n\
         BEL\u{7}-2,09521234543220,Bell,STRAIGHT,TI_6AL_4V_ELI,1.5,0,4,4.5,true,true,36,ACTIVE\n\
         TAB-3,09521234543237,Tab\tinside,STRAIGHT,TI_6AL_4V_ELI,1.5,0,4,4.5,true,true,36,ACTIVE\n\
         NL-4,09521234543244,\"Two\nlines\",STRAIGHT,TI_6AL_4V_ELI,1.5,0,4,4.5,true,true,36,ACTIVE\n\
         C1-6,09521234543251,Csi\u{9b},STRAIGHT,TI_6AL_4V_ELI,1.5,0,4,4.5,true,true,36,ACTIVE\n"
    );
    let p = import(&app, "SKUS", &csv, false).await;
    let got = problems(&p);
    assert_eq!(
        got.iter()
            .map(|(l, f, _)| (l.unwrap(), f.as_str()))
            .collect::<Vec<_>>(),
        vec![
            (2, "name"),
            (3, "article_number"),
            (4, "name"),
            (5, "name"),
            (7, "name")
        ],
        "{got:#?}"
    );
    assert!(
        got[0]
            .2
            .ends_with("holds a NUL character (U+0000); remove it"),
        "{got:#?}"
    );
    assert!(got[1].2.contains("U+0007"), "{got:#?}");
    assert!(got[2].2.contains("tab"), "{got:#?}");
    assert!(got[3].2.contains("line break"), "{got:#?}");
    assert!(got[4].2.contains("U+009B"), "{got:#?}");
    assert_eq!(app.count("abutment_sku").await, skus, "nothing stored");

    // NUL in a stock cell is refused the same way (PostgreSQL would fail on it).
    let stock = format!(
        "article_number,lot_number,quantity,location,production_date,expiry_date,reference\n\
         {ARTICLE},NUL\u{0}LOT,5,MAIN/RECV/DOCK-1,2026-02-01,,PO 1\n"
    );
    let p = import_stock(&app, &stock).await;
    assert_eq!(
        problems(&p)[0].2,
        "stock.csv line 2, column lot_number: holds a NUL character (U+0000); remove it"
    );

    // Free text (notes) may span lines and hold tabs; the physical lines after it still count.
    let csv = "manufacturer,system,connection,notes\n\
               Acme,Alpha,INTERNAL_HEX,\"first line\n\tsecond line\"\n\
               Acme,Beta,INTERNAL_HEX,NUL\u{0}\n";
    let p = import(&app, "SYSTEMS", csv, false).await;
    assert_eq!(
        problems(&p)[0].2,
        "systems.csv line 4, column notes: holds a NUL character (U+0000); remove it"
    );
    let p = import(&app, "SYSTEMS", &csv.replace("NUL\u{0}", "ok"), false).await;
    assert_eq!(p["report"]["created"], 2, "{p}");
    let notes = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT notes FROM implant_system WHERE name = 'Alpha'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<String>("", "notes")
        .unwrap();
    assert_eq!(notes, "first line\n\tsecond line");
}
