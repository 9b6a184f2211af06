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
