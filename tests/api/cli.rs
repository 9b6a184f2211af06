//! The binary's import subcommand on a test database.

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
