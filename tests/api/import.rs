//! CSV import through the GraphQL mutation: all or nothing, every bad row
//! reported, idempotent re-import, dry run.

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
