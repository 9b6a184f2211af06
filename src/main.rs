//! The `abutment-erp` binary: parse the configuration, set up tracing, and
//! run one subcommand (`serve` by default).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Parser;
use serde_json::{Value, json};

use abutment_erp::{
    access::{
        self,
        audit::{self, CliEntry},
    },
    cli::{Cli, Command, RecallCommand, TokenCommand, UserCommand},
    config::{DbConfig, ServeArgs},
    db,
    error::AppError,
    graphql::{self, ids},
    import::{self, ImportError, ImportKind},
    seed, telemetry,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    match cli
        .command
        .unwrap_or_else(|| Command::Serve(ServeArgs::from_env()))
    {
        Command::Serve(args) => serve(&cli.db, args).await,
        Command::Migrate => {
            let conn = db::connect(&cli.db).await?;
            db::migrate(&conn).await?;
            tracing::info!(store = db::backend_name(&conn), "migrations applied");
            Ok(())
        }
        Command::Seed { dir } => {
            let conn = db::connect(&cli.db).await?;
            db::migrate(&conn).await?;
            let input =
                json!({"command": "seed", "dir": dir.as_ref().map(|d| d.display().to_string())});
            let loaded = seed::load(&conn, dir.as_deref()).await;
            let entry = match &loaded {
                Ok(_) => CliEntry::ok("loadSeeds", input, vec![]),
                Err(e) => CliEntry::error("loadSeeds", input, None, format!("{e:#}")),
            };
            record(&conn, entry).await;
            for r in loaded? {
                println!(
                    "{}: {} rows, {} created, {} updated, {} unchanged",
                    r.file, r.rows, r.created, r.updated, r.unchanged
                );
            }
            Ok(())
        }
        Command::Import {
            kind,
            file,
            dry_run,
        } => import_file(&cli.db, kind, file, dry_run).await,
        Command::User(cmd) => user(&cli.db, cmd).await,
        Command::Token(cmd) => token(&cli.db, cmd).await,
        Command::Verify => verify(&cli.db).await,
        Command::Recall(cmd) => recall(&cli.db, cmd).await,
        Command::Backup { file } => {
            let conn = db::connect(&cli.db).await?;
            let bytes = abutment_erp::ops::backup::backup(&conn, &cli.db, &file).await?;
            conn.close().await?;
            println!(
                "backed up to {} ({bytes} bytes; integrity checked)",
                file.display()
            );
            Ok(())
        }
        Command::Restore { file } => restore(&cli.db, &file).await,
        Command::ExportSchema { out } => {
            std::fs::write(&out, graphql::sdl())
                .with_context(|| format!("writing {}", out.display()))?;
            println!("wrote {}", out.display());
            Ok(())
        }
    }
}

/// Imports one CSV file (`abutment-erp import`), audited like a mutation.
async fn import_file(
    cfg: &DbConfig,
    kind: ImportKind,
    file: PathBuf,
    dry_run: bool,
) -> anyhow::Result<()> {
    let conn = db::connect(cfg).await?;
    db::migrate(&conn).await?;
    let data = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| kind.file_name().to_owned());
    let actor = abutment_erp::access::Actor {
        user_id: None,
        name: audit::cli_actor_name(),
        idempotency_key: None,
    };
    let operation = match kind {
        ImportKind::Stock => "importStockCsv",
        _ => "importCatalogCsv",
    };
    let input = json!({
        "command": "import",
        "kind": async_graphql::resolver_utils::enum_value(kind).to_string(),
        "file": file.display().to_string(),
        "bytes": data.len(),
        "sha256": sha256_hex(&data),
        "dryRun": dry_run,
    });
    let result = import::import_csv(&conn, &actor, kind, &name, &data, dry_run).await;
    let entry = match &result {
        Ok(_) => CliEntry::ok(operation, input, vec![]),
        Err(ImportError::Rows(rows)) => {
            let mut listed: Vec<String> = rows
                .listed
                .iter()
                .take(20)
                .map(ToString::to_string)
                .collect();
            if rows.total() > 20 {
                listed.push(format!("… {} problem(s) in all", rows.total()));
            }
            CliEntry::refused(operation, input, "BAD_USER_INPUT", listed.join("; "))
        }
        Err(ImportError::Db(e)) => {
            CliEntry::error(operation, input, Some("INTERNAL"), e.to_string())
        }
    };
    record(&conn, entry).await;
    match result {
        Ok(r) => {
            println!(
                "{}{}: {} rows, {} created, {} updated, {} unchanged",
                r.file,
                if dry_run {
                    " (dry run, nothing written)"
                } else {
                    ""
                },
                r.rows,
                r.created,
                r.updated,
                r.unchanged
            );
            Ok(())
        }
        Err(ImportError::Rows(rows)) => {
            for r in &rows.listed {
                eprintln!("{r}");
            }
            if let Some(note) = rows.unlisted_note() {
                eprintln!("{note}");
            }
            anyhow::bail!("{} problem(s); nothing was imported", rows.total())
        }
        Err(ImportError::Db(e)) => Err(e.into()),
    }
}

/// `abutment-erp user …`.
async fn user(cfg: &DbConfig, cmd: UserCommand) -> anyhow::Result<()> {
    let conn = db::connect(cfg).await?;
    db::migrate(&conn).await?;
    let err = |e: abutment_erp::error::AppError| anyhow::anyhow!("{e}");
    match cmd {
        UserCommand::Add { name, roles } => {
            let input = json!({
                "command": "user add",
                "name": name,
                "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            });
            let created = access::service::create_user(&conn, &name, &roles).await;
            let u = audited(&conn, "createUser", input, created, |u| {
                vec![gid("User", u.id)]
            })
            .await
            .map_err(err)?;
            println!(
                "created user {} (id {}) with roles {}",
                u.name, u.id, u.roles
            );
        }
        UserCommand::Passwd { name } => {
            // The password is never recorded: the audit row names the user only.
            let input = json!({"command": "user passwd", "name": name});
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("reading the password from stdin")?;
            let password = line.trim_end_matches(['\r', '\n']);
            let set = async {
                let u = access::service::user_by_name(&conn, &name).await?;
                access::session::check_password(password, "password")?;
                access::session::set_password(&conn, u.id, password).await
            }
            .await;
            let u = audited(&conn, "setUserPassword", input, set, |u| {
                vec![gid("User", u.id)]
            })
            .await
            .map_err(err)?;
            println!("set the password of {}; their sessions ended", u.name);
        }
        UserCommand::List => {
            for u in access::service::users(&conn).await.map_err(err)? {
                let state = if u.active { "active" } else { "inactive" };
                println!("{}\t{}\t{}\t{state}", u.id, u.name, u.roles);
            }
        }
    }
    Ok(())
}

/// `abutment-erp token …`.
async fn token(cfg: &DbConfig, cmd: TokenCommand) -> anyhow::Result<()> {
    let conn = db::connect(cfg).await?;
    db::migrate(&conn).await?;
    let err = |e: abutment_erp::error::AppError| anyhow::anyhow!("{e}");
    match cmd {
        TokenCommand::Create {
            user,
            name,
            expires,
        } => {
            // The secret is printed once and never recorded.
            let input = json!({
                "command": "token create",
                "user": user,
                "name": name,
                "expires": expires,
            });
            let made = async {
                let u = access::service::user_by_name(&conn, &user).await?;
                let exp = expires
                    .as_deref()
                    .map(|e| {
                        access::service::parse_expiry(e)
                            .map_err(|m| AppError::bad_input("--expires", m))
                    })
                    .transpose()?;
                let (t, secret) = access::service::create_token(&conn, u.id, &name, exp).await?;
                Ok((u, t, secret))
            }
            .await;
            let (u, t, secret) = audited(&conn, "createApiToken", input, made, |(u, t, _)| {
                vec![gid("ApiToken", t.id), gid("User", u.id)]
            })
            .await
            .map_err(err)?;
            eprintln!(
                "token {} for {} (shown once; keep it secret):",
                t.id, u.name
            );
            println!("{secret}");
        }
        TokenCommand::Revoke { id } => {
            let input = json!({"command": "token revoke", "id": id});
            let revoked = access::service::revoke_token(&conn, id).await;
            let t = audited(&conn, "revokeApiToken", input, revoked, |t| {
                vec![gid("ApiToken", t.id)]
            })
            .await
            .map_err(err)?;
            println!("revoked token {} ({})", t.id, t.prefix);
        }
        TokenCommand::List { user } => {
            let u = access::service::user_by_name(&conn, &user)
                .await
                .map_err(err)?;
            println!("id\tname\tprefix\tstate\texpires");
            for t in access::service::tokens_of(&conn, u.id).await.map_err(err)? {
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                let exp = t
                    .expires_at
                    .map(|e| e.to_rfc3339())
                    .unwrap_or_else(|| "never".into());
                println!(
                    "{}\t{}\t{}…\t{state}\texpires {exp}",
                    t.id, t.name, t.prefix
                );
            }
        }
    }
    Ok(())
}

/// Recomputes every balance from the ledger (`abutment-erp verify`).
async fn verify(cfg: &DbConfig) -> anyhow::Result<()> {
    let conn = db::connect(cfg).await?;
    let diffs = abutment_erp::inventory::service::verify(&conn)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if diffs.is_empty() {
        println!("ledger and balances agree");
        return Ok(());
    }
    for d in &diffs {
        println!(
            "lot {} at location {}: {} stored {}, ledger says {}",
            d.lot_id, d.location_id, d.what, d.stored, d.from_ledger
        );
    }
    anyhow::bail!("{} difference(s) between ledger and balances", diffs.len())
}

/// `abutment-erp recall …`.
async fn recall(cfg: &DbConfig, cmd: RecallCommand) -> anyhow::Result<()> {
    let conn = db::connect(cfg).await?;
    db::migrate(&conn).await?;
    let (operation, input) = match &cmd {
        RecallCommand::Report { number, out } => (
            "recallReport",
            json!({"command": "recall report", "number": number,
                   "out": out.as_ref().map(|p| p.display().to_string())}),
        ),
        RecallCommand::Mock {
            heat,
            lots,
            blank_lot,
            machine,
            from,
            to,
            tool,
        } => (
            "mockRecall",
            json!({"command": "recall mock", "heat": heat, "lots": lots,
                   "blankLot": blank_lot, "machine": machine, "from": from, "to": to,
                   "tool": tool}),
        ),
    };
    let done = recall_command(&conn, cmd).await;
    let entry = match &done {
        Ok(()) => CliEntry::ok(operation, input, vec![]),
        Err(e) => match e.downcast_ref::<AppError>() {
            Some(app) => CliEntry::failed(operation, input, app),
            None => CliEntry::error(operation, input, None, format!("{e:#}")),
        },
    };
    record(&conn, entry).await;
    done
}

/// Puts a backup back (`abutment-erp restore`), audited in the restored database.
async fn restore(cfg: &DbConfig, file: &Path) -> anyhow::Result<()> {
    let mut input = json!({"command": "restore", "file": file.display().to_string()});
    match abutment_erp::ops::backup::restore(cfg, file).await {
        Ok(kept) => {
            // The audit row goes into the restored database, after the
            // swap: that is the database which lives on, and its trail
            // must say that, when and by whom it was put back (the
            // replaced one is only kept aside as a file). Written
            // before the swap it would land in the file moved aside or
            // alter the backup before it is checked.
            input["keptAs"] = json!(kept.as_ref().map(|k| k.display().to_string()));
            let conn = db::connect(cfg).await?;
            record(&conn, CliEntry::ok("restoreDatabase", input, vec![])).await;
            conn.close().await?;
            println!("restored {}", file.display());
            if let Some(k) = kept {
                println!("the previous database is kept as {}", k.display());
            }
            Ok(())
        }
        Err(e) => {
            // Refused: nothing was replaced, so the attempt is recorded
            // in the database as it is (when there is one to write to).
            let present = abutment_erp::ops::backup::sqlite_path(cfg).is_none_or(|p| p.is_file());
            if present && let Ok(conn) = db::connect(cfg).await {
                let entry = CliEntry::error("restoreDatabase", input, None, format!("{e:#}"));
                record(&conn, entry).await;
                let _ = conn.close().await;
            }
            Err(e)
        }
    }
}

/// Appends the audit row of one command-line change, by `cli:<OS user>`. As
/// for a GraphQL mutation, a row that cannot be written is told (here on
/// stderr too) but does not undo or fail the change.
async fn record(conn: &sea_orm::DatabaseConnection, entry: CliEntry) {
    let actor = audit::cli_actor_name();
    if let Err(e) = audit::record_cli(conn, &actor, &entry).await {
        tracing::error!(error = %e, operation = %entry.operation, "could not write the audit row");
        eprintln!(
            "warning: the audit row of {} could not be written: {e}",
            entry.operation
        );
    }
}

/// Records a service call's outcome (with the global ids `ids` picks from
/// its result) and hands the result on.
async fn audited<T>(
    conn: &sea_orm::DatabaseConnection,
    operation: &str,
    input: Value,
    result: Result<T, AppError>,
    ids: impl FnOnce(&T) -> Vec<String>,
) -> Result<T, AppError> {
    let entry = match &result {
        Ok(v) => CliEntry::ok(operation, input, ids(v)),
        Err(e) => CliEntry::failed(operation, input, e),
    };
    record(conn, entry).await;
    result
}

fn gid(kind: &str, id: i64) -> String {
    ids::encode(kind, id).0
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn recall_command(
    conn: &sea_orm::DatabaseConnection,
    cmd: RecallCommand,
) -> anyhow::Result<()> {
    use abutment_erp::quality::recall;
    let err = anyhow::Error::from;
    match cmd {
        RecallCommand::Report { number, out } => {
            let rc = recall::by_number(conn, &number).await.map_err(err)?;
            let csv = recall::report_csv(conn, &rc).await.map_err(err)?;
            match out {
                Some(path) => {
                    std::fs::write(&path, csv)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("wrote the report of {} to {}", rc.number, path.display());
                }
                None => print!("{csv}"),
            }
        }
        RecallCommand::Mock {
            heat,
            lots,
            blank_lot,
            machine,
            from,
            to,
            tool,
        } => {
            let named = abutment_erp::cli::NamedScope {
                heat,
                lots,
                blank_lot,
                machine,
                from,
                to,
                tool,
            };
            let scope = abutment_erp::cli::resolve_scope(conn, &named)
                .await
                .map_err(err)?;
            let (t, took) = recall::mock(conn, &scope).await.map_err(err)?;
            let n = &t.totals;
            println!("mock recall of {} (nothing changed)", scope.describe());
            println!(
                "traced in {:.1} ms: {} lot(s) ({} finished); on hand {} piece(s) and {} mm of bar, {} reserved; \
                 {} shipped to {} consignee(s) ({} known clinics), {} returned; {} case(s); {} open job(s)",
                took.as_secs_f64() * 1000.0,
                n.lots,
                n.finished_lots,
                n.pieces_on_hand,
                n.bar_mm_on_hand,
                n.pieces_reserved,
                n.pieces_shipped,
                n.consignees,
                n.clinics,
                n.pieces_returned,
                n.cases,
                n.open_jobs
            );
            for e in &t.exposure {
                println!(
                    "  consignee {:<14} {:<32} shipped {:>5} returned {:>4} last {}",
                    e.consignee.key,
                    e.clinic
                        .as_ref()
                        .map(|c| c.name.as_str())
                        .unwrap_or("(no clinic on record)"),
                    e.shipped,
                    e.returned,
                    e.last_shipped.format("%Y-%m-%d")
                );
            }
        }
    }
    Ok(())
}

async fn serve(cfg: &DbConfig, args: ServeArgs) -> anyhow::Result<()> {
    // Held until the process ends: `restore` refuses while it is held.
    let _lock = abutment_erp::ops::backup::lock_for_serving(cfg)?;
    let conn = db::connect(cfg).await?;
    let fresh = db::migrate(&conn).await?;
    if fresh && !args.no_seed {
        let reports = seed::load(&conn, None).await?;
        let rows: u64 = reports.iter().map(|r| r.created).sum();
        tracing::info!(rows, "new database: seed data loaded");
        let embedded = conn.get_database_backend() == sea_orm::DbBackend::Sqlite;
        if embedded && !args.no_demo_users {
            let demo = access::service::create_demo_users(&conn)
                .await
                .map_err(|e| anyhow::anyhow!("creating demo users: {e}"))?;
            println!(
                "\nDEMO TOKENS AND PASSWORDS: shown this once, for trying the API and the console on this machine; not for production."
            );
            println!(
                "API: paste a token into the explorer at http://{}/graphql (or send Authorization: Bearer <token>)",
                args.bind
            );
            println!(
                "Console: sign in at http://{}/ with the user name and password\n",
                args.bind
            );
            println!("  {:<10} {:<16} {:<26} token", "role", "user", "password");
            for d in demo {
                println!(
                    "  {:<10} {:<16} {:<26} {}",
                    d.role.as_str(),
                    d.name,
                    d.password,
                    d.token
                );
            }
            println!();
        }
    }
    let schema = abutment_erp::schema(conn.clone(), &args.limits);
    let app = abutment_erp::app(schema, conn.clone(), &args.limits);
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("binding {}", args.bind))?;
    let addr = listener.local_addr()?;
    tracing::info!(
        store = db::backend_name(&conn),
        otlp_export = telemetry::otlp_enabled(),
        "GraphQL (and the API explorer in a browser) at http://{addr}/graphql ; health at http://{addr}/health"
    );
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    conn.close().await?;
    tracing::info!("stopped");
    tokio::task::spawn_blocking(telemetry::shutdown).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
