//! The command line: one clap tree of commands over the settings of
//! [`crate::config`]. It sits above the domains (imports name their kinds,
//! users their roles).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use entity::{lot, machine, tool};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::{
    config::{DbConfig, LogFormat, ServeArgs},
    error::{AppError, AppResult},
    quality::trace::Scope,
};

/// Inventory and manufacturing ERP for dental implant abutments (GraphQL).
#[derive(Debug, Parser)]
#[command(name = "abutment-erp", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub db: DbConfig,
    /// Log format: human-readable text or one JSON object per line.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do; `serve` when none is given.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate, seed a new database, and serve GraphQL (the default).
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate,
    /// Load the seed CSVs (catalogue) into the database, through the importer.
    Seed {
        /// Read seeds from this directory instead of the ones built in.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Import a CSV file; all rows or none.
    Import {
        /// What the file holds.
        #[arg(value_enum)]
        kind: crate::import::ImportKind,
        /// The CSV file (UTF-8, header line first).
        file: PathBuf,
        /// Check and report, but write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Recompute every balance from the ledger; exit non-zero on any difference.
    Verify,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Recalls: the report of one, and mock recalls for audits.
    #[command(subcommand)]
    Recall(RecallCommand),
    /// Copy the embedded SQLite database, consistently, to a new file while
    /// the server may be running (`VACUUM INTO`); PostgreSQL: use pg_dump.
    Backup {
        /// The backup file to write; it must not exist.
        file: PathBuf,
    },
    /// Replace the embedded SQLite database with a backup, after checking
    /// it; refused while a server uses the database. The old file is kept.
    Restore {
        /// The backup file to restore.
        file: PathBuf,
    },
    /// Write the GraphQL schema (SDL) to a file.
    ExportSchema {
        /// Output path.
        #[arg(long, default_value = "schema.graphql")]
        out: PathBuf,
    },
}

/// Recall commands.
#[derive(Debug, Subcommand)]
pub enum RecallCommand {
    /// Write a recall's report (scope, affected lots, stock actions,
    /// per-consignee reconciliation, trail) as CSV.
    Report {
        /// The recall's number, e.g. RC-2026-0001.
        number: String,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Trace a scope as a recall would, changing nothing, and report how
    /// long it took and what it found. Give exactly one scope.
    Mock {
        /// Every lot of this heat number.
        #[arg(long)]
        heat: Option<String>,
        /// Lots by number (repeat for several).
        #[arg(long = "lot")]
        lots: Vec<String>,
        /// A blank lot by number.
        #[arg(long)]
        blank_lot: Option<String>,
        /// Lots made on this machine (code), with --from and --to.
        #[arg(long)]
        machine: Option<String>,
        /// Start of the machine window (RFC 3339).
        #[arg(long)]
        from: Option<chrono::DateTime<chrono::Utc>>,
        /// End of the machine window (RFC 3339).
        #[arg(long)]
        to: Option<chrono::DateTime<chrono::Utc>>,
        /// Lots made by jobs that used this tool (code).
        #[arg(long)]
        tool: Option<String>,
    },
}

/// `abutment-erp user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user with one or more roles.
    Add {
        /// Unique user name.
        name: String,
        /// A role (repeat for several).
        #[arg(long = "role", value_enum, required = true)]
        roles: Vec<crate::access::Role>,
    },
    /// List users and their roles.
    List,
    /// Set a user's console password, read from the first line of stdin
    /// (10–200 characters); the user's open sessions end.
    Passwd {
        /// The user's name.
        name: String,
    },
}

/// `abutment-erp token …`
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token for a user and print it (once).
    Create {
        /// The user's name.
        user: String,
        /// A label for the token.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Expiry: a duration (90d, 12h) or a date (2027-01-31); default never.
        #[arg(long)]
        expires: Option<String>,
    },
    /// Revoke a token by its id (as listed by `token list`).
    Revoke {
        /// The token's row id.
        id: i64,
    },
    /// List a user's tokens.
    List {
        /// The user's name.
        user: String,
    },
}

// ------------------------------------------------------------------ recall scopes

/// A scope named the way people name things: lot numbers, machine and
/// tool codes (the command line's `recall mock`).
#[derive(Debug, Clone, Default)]
pub struct NamedScope {
    pub heat: Option<String>,
    pub lots: Vec<String>,
    pub blank_lot: Option<String>,
    pub machine: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub tool: Option<String>,
}

/// Resolves a named scope to ids; exactly one kind must be given.
pub async fn resolve_scope(db: &impl ConnectionTrait, n: &NamedScope) -> AppResult<Scope> {
    let given = [
        n.heat.is_some(),
        !n.lots.is_empty(),
        n.blank_lot.is_some(),
        n.machine.is_some(),
        n.tool.is_some(),
    ]
    .iter()
    .filter(|g| **g)
    .count();
    if given != 1 {
        return Err(AppError::bad_input(
            "scope",
            format!(
                "give exactly one of --heat, --lot, --blank-lot, --machine (with --from and --to) or --tool; got {given}"
            ),
        ));
    }
    let lots_named = |numbers: &[String], field: &'static str| {
        let numbers = numbers.to_vec();
        async move {
            let mut ids = Vec::new();
            for number in &numbers {
                let found = lot::Entity::find()
                    .filter(lot::Column::LotNumber.eq(number.trim()))
                    .all(db)
                    .await?;
                if found.is_empty() {
                    return Err(AppError::bad_input(field, format!("no lot {number}")));
                }
                ids.extend(found.into_iter().map(|l| l.id));
            }
            Ok::<_, AppError>(ids)
        }
    };
    if let Some(h) = &n.heat {
        return Ok(Scope::Heat(h.clone()));
    }
    if !n.lots.is_empty() {
        return Ok(Scope::Lots(lots_named(&n.lots, "--lot").await?));
    }
    if let Some(b) = &n.blank_lot {
        let ids = lots_named(std::slice::from_ref(b), "--blank-lot").await?;
        return Ok(Scope::BlankLot(ids[0]));
    }
    if let Some(code) = &n.machine {
        let m = machine::Entity::find()
            .filter(machine::Column::Code.eq(code.trim()))
            .one(db)
            .await?
            .ok_or_else(|| AppError::bad_input("--machine", format!("no machine {code}")))?;
        let (Some(from), Some(to)) = (n.from, n.to) else {
            return Err(AppError::bad_input(
                "--from",
                "a machine scope needs both --from and --to",
            ));
        };
        return Ok(Scope::MachineWindow {
            machine_id: m.id,
            from,
            to,
        });
    }
    let code = n.tool.clone().unwrap_or_default();
    let t = tool::Entity::find()
        .filter(tool::Column::Code.eq(code.trim()))
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input("--tool", format!("no tool {code}")))?;
    Ok(Scope::Tool(t.id))
}
