//! The binary's import and recall subcommands on a test database.

use std::process::Command;

use crate::support::TestApp;

fn run(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_abutment-erp"))
        .args(args)
        .env("DATABASE_URL", &app.url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run abutment-erp");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn cli_import_dry_run_reports_and_a_bad_file_exits_non_zero_listing_rows() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("systems.csv");
    std::fs::write(
        &good,
        "manufacturer,system,connection\nAcme,Alpha,INTERNAL_HEX\n",
    )
    .unwrap();
    let (ok, stdout, _) = run(
        &app,
        &["import", "systems", good.to_str().unwrap(), "--dry-run"],
    );
    assert!(ok);
    assert!(
        stdout.contains("dry run") && stdout.contains("1 created"),
        "{stdout}"
    );
    assert_eq!(
        app.count("implant_system").await,
        17,
        "dry run wrote nothing"
    );

    let bad = dir.path().join("platforms.csv");
    std::fs::write(
        &bad,
        "manufacturer,system,platform,diameter_mm\nAcme,Nope,NP,abc\nAcme,Nope,RP,-3\n",
    )
    .unwrap();
    let (ok, _, stderr) = run(&app, &["import", "platforms", bad.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        stderr.contains("platforms.csv line 2, column diameter_mm"),
        "{stderr}"
    );
    assert!(
        stderr.contains("platforms.csv line 3, column diameter_mm"),
        "{stderr}"
    );
}

#[tokio::test]
async fn cli_adds_a_user_and_creates_a_token_that_authenticates_then_revokes_it() {
    let app = TestApp::empty().await;
    let (ok, out, err) = run(
        &app,
        &[
            "user",
            "add",
            "carol",
            "--role",
            "quality",
            "--role",
            "warehouse",
        ],
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("WAREHOUSE") && out.contains("QUALITY"),
        "{out}"
    );
    let (ok, token, err) = run(
        &app,
        &[
            "token",
            "create",
            "carol",
            "--name",
            "bench",
            "--expires",
            "30d",
        ],
    );
    assert!(ok, "{err}");
    let token = token.trim().to_owned();
    let caller =
        abutment_erp::access::service::authenticate(&app.db, Some(&format!("Bearer {token}")))
            .await
            .unwrap();
    let p = caller.principal().expect("the new token authenticates");
    assert_eq!(p.name, "carol");
    let id = err.split_whitespace().nth(1).unwrap().to_owned();
    let (ok, _, _) = run(&app, &["token", "revoke", &id]);
    assert!(ok);
    let caller =
        abutment_erp::access::service::authenticate(&app.db, Some(&format!("Bearer {token}")))
            .await
            .unwrap();
    assert!(caller.principal().is_none(), "revoked");
    let (ok, _, err) = run(&app, &["user", "add", "dave", "--role", "janitor"]);
    assert!(!ok && err.contains("janitor"), "{err}");
}

#[tokio::test]
async fn cli_mock_recall_reports_the_trace_and_the_report_is_written_as_csv() {
    let app = TestApp::new().await;
    let movements = app.count("stock_movement").await;
    let (ok, stdout, stderr) = run(&app, &["recall", "mock", "--heat", "H-7721-A"]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("mock recall of heat number H-7721-A (nothing changed)"),
        "{stdout}"
    );
    assert!(stdout.contains("traced in"), "{stdout}");
    assert_eq!(app.count("stock_movement").await, movements);
    let (ok, _, stderr) = run(&app, &["recall", "mock", "--heat", "H-NOPE"]);
    assert!(!ok);
    assert!(stderr.contains("matches no lot"), "{stderr}");
    let (ok, _, stderr) = run(
        &app,
        &["recall", "mock", "--heat", "H-7721-A", "--tool", "X"],
    );
    assert!(!ok);
    assert!(stderr.contains("exactly one"), "{stderr}");

    let r = app
        .run_as(
            Some(abutment_erp::access::Role::Quality),
            r#"mutation { createRecall(input: {class: CLASS_III, reason: "label misprint", scope: {heatNumber: "H-7721-A"}}) { recall { number } userErrors { message } } }"#,
            serde_json::json!({}),
        )
        .await;
    let number = r["data"]["createRecall"]["recall"]["number"]
        .as_str()
        .unwrap_or_else(|| panic!("{r}"))
        .to_owned();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.csv");
    let (ok, _, stderr) = run(
        &app,
        &["recall", "report", &number, "--out", out.to_str().unwrap()],
    );
    assert!(ok, "{stderr}");
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.starts_with("record,recall,lot,"), "{csv}");
    assert!(csv.contains(&format!("recall,{number},")), "{csv}");
    assert!(csv.contains("BAR-H-7721-A"), "{csv}");
    let (ok, _, stderr) = run(&app, &["recall", "report", "RC-1999-0001"]);
    assert!(!ok);
    assert!(stderr.contains("RC-1999-0001"), "{stderr}");
}
