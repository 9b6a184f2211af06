//! The binary's import and recall subcommands on a test database.

use std::process::Command;

use serde_json::json;

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

    // Each run is in the audit trail, refusals too.
    let admin = app.user(abutment_erp::access::Role::Admin).0.clone();
    let outcomes = |rows: Vec<serde_json::Value>| -> Vec<String> {
        rows.iter()
            .map(|r| r["outcome"].as_str().unwrap().to_owned())
            .collect()
    };
    let mock = audit_rows(
        &app.schema,
        &app.db,
        &admin,
        json!({"operation": "mockRecall"}),
    )
    .await;
    assert_eq!(outcomes(mock.clone()), ["USER_ERROR", "USER_ERROR", "OK"]);
    assert!(mock[2]["input"].as_str().unwrap().contains("H-7721-A"));
    assert!(
        mock.iter()
            .all(|r| r["actorName"].as_str().unwrap().starts_with("cli:"))
    );
    let report = audit_rows(
        &app.schema,
        &app.db,
        &admin,
        json!({"operation": "recallReport"}),
    )
    .await;
    assert_eq!(outcomes(report.clone()), ["USER_ERROR", "OK"]);
    assert!(
        report[0]["message"]
            .as_str()
            .unwrap()
            .contains("RC-1999-0001")
    );
}

/// Runs the binary with some environment variables set (`Some`) or removed (`None`).
fn run_env(app: &TestApp, args: &[&str], env: &[(&str, Option<&str>)]) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_abutment-erp"));
    cmd.args(args)
        .env("DATABASE_URL", &app.url)
        .env("RUST_LOG", "warn");
    for (k, v) in env {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let out = cmd.output().expect("run abutment-erp");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const AUDIT: &str = r#"query($f: AuditFilterInput) { auditLog(filter: $f, first: 50) { totalCount
  edges { node { requestId actorName roles operation outcome errorCode affectedIds input message } } } }"#;

/// The audit rows matching `filter`, newest first, through the `auditLog` query.
async fn audit_rows(
    schema: &abutment_erp::AppSchema,
    db: &sea_orm::DatabaseConnection,
    admin: &abutment_erp::access::Principal,
    filter: serde_json::Value,
) -> Vec<serde_json::Value> {
    let req = async_graphql::Request::new(AUDIT)
        .variables(async_graphql::Variables::from_json(
            serde_json::json!({ "f": filter }),
        ))
        .data(abutment_erp::access::Caller::User(admin.clone()));
    let resp = serde_json::to_value(abutment_erp::graphql::execute(schema, db, req).await).unwrap();
    assert!(resp.get("errors").is_none(), "{resp:#}");
    resp["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

#[tokio::test]
async fn cli_imports_users_and_tokens_are_audited_like_mutations_with_the_os_user_as_actor() {
    let app = TestApp::new().await;
    let alice = [("USER", Some("ops-alice"))];
    let dir = tempfile::tempdir().unwrap();
    let systems = dir.path().join("systems.csv");
    std::fs::write(
        &systems,
        "manufacturer,system,connection\nAcme,Alpha,INTERNAL_HEX\n",
    )
    .unwrap();
    let platforms = dir.path().join("platforms.csv");
    std::fs::write(
        &platforms,
        "manufacturer,system,platform,diameter_mm\nAcme,Nope,NP,abc\n",
    )
    .unwrap();
    let stock = dir.path().join("stock.csv");
    std::fs::write(
        &stock,
        "article_number,lot_number,quantity,location,production_date,expiry_date,reference\n\
         AB-ST-NBA-NP-E-15,CLI-AUDIT-1,4,MAIN/RECV/DOCK-1,2026-02-01,,CLI-AUDIT\n",
    )
    .unwrap();
    let path = |p: &std::path::Path| p.to_str().unwrap().to_owned();
    let (ok, _, err) = run_env(&app, &["import", "systems", &path(&systems)], &alice);
    assert!(ok, "{err}");
    let (ok, _, _) = run_env(&app, &["import", "platforms", &path(&platforms)], &alice);
    assert!(!ok);
    let (ok, _, err) = run_env(&app, &["user", "add", "carol", "--role", "quality"], &alice);
    assert!(ok, "{err}");
    let (ok, secret, err) = run_env(
        &app,
        &["token", "create", "carol", "--name", "bench"],
        &alice,
    );
    assert!(ok, "{err}");
    let token_id = err.split_whitespace().nth(1).unwrap().to_owned();
    let (ok, _, err) = run_env(&app, &["token", "revoke", &token_id], &alice);
    assert!(ok, "{err}");
    let (ok, _, _) = run_env(&app, &["token", "revoke", "987654"], &alice);
    assert!(!ok);
    let (ok, _, err) = run_env(&app, &["import", "stock", &path(&stock)], &alice);
    assert!(ok, "{err}");

    let admin = app.user(abutment_erp::access::Role::Admin).0.clone();
    let rows = audit_rows(
        &app.schema,
        &app.db,
        &admin,
        json!({"actor": "cli:ops-alice"}),
    )
    .await;
    let seen: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["operation"].as_str().unwrap(),
                r["outcome"].as_str().unwrap(),
                r["errorCode"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("importStockCsv", "OK", ""),
            ("revokeApiToken", "USER_ERROR", "NOT_FOUND"),
            ("revokeApiToken", "OK", ""),
            ("createApiToken", "OK", ""),
            ("createUser", "OK", ""),
            ("importCatalogCsv", "USER_ERROR", "BAD_USER_INPUT"),
            ("importCatalogCsv", "OK", ""),
        ],
        "newest first: {rows:#?}"
    );
    for r in &rows {
        assert_eq!(r["actorName"], "cli:ops-alice");
        assert_eq!(r["roles"], json!([]));
        assert!(r["requestId"].as_str().unwrap().starts_with("cli-"), "{r}");
    }
    let carol = abutment_erp::access::service::user_by_name(&app.db, "carol")
        .await
        .unwrap();
    let user_gid = abutment_erp::graphql::ids::encode("User", carol.id).0;
    let token_gid = abutment_erp::graphql::ids::encode("ApiToken", token_id.parse().unwrap()).0;
    assert_eq!(rows[4]["affectedIds"], json!([user_gid]));
    assert_eq!(rows[3]["affectedIds"], json!([token_gid, user_gid]));
    assert_eq!(rows[2]["affectedIds"], json!([token_gid]));
    let token_input = rows[3]["input"].as_str().unwrap();
    assert!(
        token_input.contains("\"name\":\"bench\"") && !token_input.contains(secret.trim()),
        "the secret is never recorded: {token_input}"
    );
    assert!(
        rows[5]["message"]
            .as_str()
            .unwrap()
            .contains("platforms.csv line 2, column diameter_mm"),
        "{}",
        rows[5]
    );
    let import_input: serde_json::Value =
        serde_json::from_str(rows[6]["input"].as_str().unwrap()).unwrap();
    assert_eq!(import_input["kind"], "SYSTEMS");
    assert_eq!(import_input["file"], path(&systems));
    assert_eq!(import_input["dryRun"], false);
    assert_eq!(import_input["sha256"].as_str().unwrap().len(), 64);
    // The stock the CLI received is booked in the ledger by the same actor.
    use sea_orm::ConnectionTrait;
    let actor = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT actor_name FROM stock_movement WHERE reference = 'CLI-AUDIT'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<String>("", "actor_name")
        .unwrap();
    assert_eq!(actor, "cli:ops-alice");

    // Without $USER, $LOGNAME and $USERNAME the actor is still the OS user.
    let (ok, _, err) = run_env(
        &app,
        &["user", "add", "dave", "--role", "sales"],
        &[("USER", None), ("LOGNAME", None), ("USERNAME", None)],
    );
    assert!(ok, "{err}");
    let rows = audit_rows(
        &app.schema,
        &app.db,
        &admin,
        json!({"operation": "createUser"}),
    )
    .await;
    let name = rows[0]["actorName"].as_str().unwrap();
    assert!(
        name.starts_with("cli:") && name.len() > 4 && name != "cli:ops-alice",
        "{name}"
    );
    if cfg!(target_os = "linux") {
        assert!(name.starts_with("cli:uid-"), "{name}");
    }
}

#[tokio::test]
async fn cli_restore_is_audited_in_the_restored_database_and_a_refused_one_where_it_was_refused() {
    let app = TestApp::new().await;
    let bob = [("USER", Some("ops-bob"))];
    let admin = app.user(abutment_erp::access::Role::Admin).0.clone();
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, "not a database").unwrap();
    let (ok, _, err) = run_env(&app, &["restore", junk.to_str().unwrap()], &bob);
    assert!(!ok, "{err}");
    let refused = audit_rows(
        &app.schema,
        &app.db,
        &admin,
        json!({"operation": "restoreDatabase"}),
    )
    .await;
    assert_eq!(refused.len(), 1, "{refused:#?}");
    assert_eq!(refused[0]["outcome"], "ERROR");
    assert_eq!(refused[0]["actorName"], "cli:ops-bob");
    let expected = if app.url.starts_with("postgres") {
        "pg_restore"
    } else {
        "junk.db: not an SQLite database"
    };
    assert!(
        refused[0]["message"].as_str().unwrap().contains(expected),
        "{}",
        refused[0]
    );
    if app.url.starts_with("postgres") {
        eprintln!(
            "restore replaces the embedded SQLite database; on PostgreSQL only the refusal is audited"
        );
        return;
    }

    let backup = dir.path().join("backup.db");
    let (ok, _, err) = run_env(&app, &["backup", backup.to_str().unwrap()], &bob);
    assert!(ok, "{err}");
    let (ok, _, err) = run_env(&app, &["user", "add", "erin", "--role", "sales"], &bob);
    assert!(ok, "{err}");
    let (ok, out, err) = run_env(&app, &["restore", backup.to_str().unwrap()], &bob);
    assert!(ok, "{out}{err}");

    // The restored file is the live database now: open it afresh.
    let restored = abutment_erp::db::connect_url(&app.url, 2).await.unwrap();
    let schema = abutment_erp::schema(
        restored.clone(),
        &abutment_erp::config::ApiLimits::default(),
    );
    let rows = audit_rows(
        &schema,
        &restored,
        &admin,
        json!({"operation": "restoreDatabase"}),
    )
    .await;
    // The refusal before the backup is in it, and the restore itself.
    assert_eq!(rows.len(), 2, "{rows:#?}");
    assert_eq!(rows[0]["outcome"], "OK", "{rows:#?}");
    assert_eq!(rows[0]["actorName"], "cli:ops-bob");
    let input: serde_json::Value =
        serde_json::from_str(rows[0]["input"].as_str().unwrap()).unwrap();
    assert_eq!(input["file"], backup.to_str().unwrap());
    assert!(
        input["keptAs"]
            .as_str()
            .is_some_and(|k| k.contains(".before-restore-")),
        "{input}"
    );
    // What happened after the backup is gone with the database it was in.
    let erin = audit_rows(
        &schema,
        &restored,
        &admin,
        json!({"operation": "createUser"}),
    )
    .await;
    assert!(erin.is_empty(), "{erin:#?}");
    restored.close().await.unwrap();
}

#[tokio::test]
async fn cli_import_of_a_crlf_file_with_bytes_that_are_not_utf8_reports_every_bad_line_where_it_is()
{
    let app = TestApp::empty().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("systems.csv");
    let mut data = b"manufacturer,system,connection,notes\r\n\
        Acme,Alpha,INTERNAL_HEX,\"two\r\nlines\"\r\n\
        Acme,B"
        .to_vec();
    data.extend_from_slice(&[0xE9, 0x74, 0x61]); // Latin-1 "éta"
    data.extend_from_slice(
        b",INTERNAL_HEX,\r\n\
          Acme,Gamma,INTERNAL_HEX,\r\n\
          Acme,Delta,HEXAGON,\r\n",
    );
    std::fs::write(&file, data).unwrap();
    let (ok, _, stderr) = run(&app, &["import", "systems", file.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        stderr.contains("systems.csv line 4, column system: is not UTF-8 text"),
        "{stderr}"
    );
    assert!(
        stderr.contains("systems.csv line 6, column connection: `HEXAGON` is not one of"),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 problem(s); nothing was imported"),
        "{stderr}"
    );
    assert_eq!(app.count("implant_system").await, 0);
}
