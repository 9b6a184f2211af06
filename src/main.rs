//! The `abutment-erp` binary: parse the configuration, set up tracing, and
//! run one subcommand (`serve` by default).

use anyhow::Context;
use clap::Parser;

use abutment_erp::{
    catalog::import::{self, ImportError},
    config::{Cli, Command, ServeArgs},
    db, graphql, seed, telemetry,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
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
            for r in seed::load(&conn, dir.as_deref()).await? {
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
        } => {
            let conn = db::connect(&cli.db).await?;
            db::migrate(&conn).await?;
            let data =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| kind.file_name().to_owned());
            match import::import_csv(&conn, kind, &name, &data, dry_run).await {
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
                    for r in &rows {
                        eprintln!("{r}");
                    }
                    anyhow::bail!("{} problem(s); nothing was imported", rows.len())
                }
                Err(ImportError::Db(e)) => Err(e.into()),
            }
        }
        Command::ExportSchema { out } => {
            std::fs::write(&out, graphql::sdl())
                .with_context(|| format!("writing {}", out.display()))?;
            println!("wrote {}", out.display());
            Ok(())
        }
    }
}

async fn serve(cfg: &abutment_erp::config::DbConfig, args: ServeArgs) -> anyhow::Result<()> {
    let conn = db::connect(cfg).await?;
    let fresh = db::migrate(&conn).await?;
    if fresh && !args.no_seed {
        let reports = seed::load(&conn, None).await?;
        let rows: u64 = reports.iter().map(|r| r.created).sum();
        tracing::info!(rows, "new database: seed data loaded");
    }
    let schema = abutment_erp::schema(conn.clone(), &args.limits);
    let app = abutment_erp::app(schema, conn.clone(), &args.limits);
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("binding {}", args.bind))?;
    let addr = listener.local_addr()?;
    tracing::info!(
        store = db::backend_name(&conn),
        "GraphQL (and GraphiQL in a browser) at http://{addr}/graphql ; health at http://{addr}/health"
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    conn.close().await?;
    tracing::info!("stopped");
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
