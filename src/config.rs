//! Configuration: one clap tree; every setting is a flag and an environment
//! variable, documented here and in the README's table.

use std::{net::SocketAddr, path::PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

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

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct DbConfig {
    /// Database URL. Unset: the embedded SQLite file in `--data-dir`.
    /// `postgres://user@host:5432/db` selects PostgreSQL.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Directory of the embedded SQLite database (created on first start).
    #[arg(long, env = "ABUTMENT_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,
    /// Largest number of pooled database connections.
    #[arg(
        long,
        env = "ABUTMENT_DB_MAX_CONNECTIONS",
        default_value_t = 10,
        global = true
    )]
    pub db_max_connections: u32,
    /// Log a warning for every SQL statement slower than this many
    /// milliseconds (with the request id of the request that ran it); 0: off.
    #[arg(
        long,
        env = "ABUTMENT_SLOW_QUERY_MS",
        default_value_t = 200,
        global = true
    )]
    pub slow_query_ms: u64,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
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
        kind: crate::catalog::import::ImportKind,
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

/// Settings of the HTTP server.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "ABUTMENT_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Do not load the seed data into a new database.
    #[arg(long, env = "ABUTMENT_NO_SEED")]
    pub no_seed: bool,
    /// Do not create demo users when a new embedded database is seeded.
    #[arg(long, env = "ABUTMENT_NO_DEMO_USERS")]
    pub no_demo_users: bool,
    #[command(flatten)]
    pub limits: ApiLimits,
}

impl ServeArgs {
    /// Serve's settings when no subcommand is given: from the environment
    /// variables, else the defaults (as `serve` with no flags).
    pub fn from_env() -> Self {
        #[derive(Parser)]
        struct ServeOnly {
            #[command(flatten)]
            serve: ServeArgs,
        }
        ServeOnly::parse_from(["abutment-erp"]).serve
    }
}

impl Default for ServeArgs {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            no_seed: false,
            no_demo_users: false,
            limits: ApiLimits::default(),
        }
    }
}

/// Limits that protect the API; shared by the server, the tests and the benches.
#[derive(Debug, Clone, Args)]
pub struct ApiLimits {
    /// Largest `first` a list query accepts.
    #[arg(long, env = "ABUTMENT_MAX_PAGE_SIZE", default_value_t = 500)]
    pub max_page_size: u32,
    /// Page size when `first` is not given.
    #[arg(long, env = "ABUTMENT_DEFAULT_PAGE_SIZE", default_value_t = 50)]
    pub default_page_size: u32,
    /// Deepest nesting a query may have.
    #[arg(long, env = "ABUTMENT_MAX_DEPTH", default_value_t = 15)]
    pub max_depth: usize,
    /// Highest complexity (fields, multiplied by page sizes) a query may have.
    #[arg(long, env = "ABUTMENT_MAX_COMPLEXITY", default_value_t = 20_000)]
    pub max_complexity: usize,
    /// Largest request body in bytes.
    #[arg(long, env = "ABUTMENT_MAX_BODY_BYTES", default_value_t = 2 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Seconds a request may take before it is cut off.
    #[arg(long, env = "ABUTMENT_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Most aliases one query document may use.
    #[arg(long, env = "ABUTMENT_MAX_ALIASES", default_value_t = 30)]
    pub max_aliases: usize,
    /// Longest query document, in bytes.
    #[arg(long, env = "ABUTMENT_MAX_QUERY_BYTES", default_value_t = 100_000)]
    pub max_query_bytes: usize,
    /// Requests per second allowed per token (anonymous callers share one budget).
    #[arg(long, env = "ABUTMENT_RATE_LIMIT_PER_SECOND", default_value_t = 200)]
    pub rate_limit_per_second: u32,
    /// Burst above the rate a token may use.
    #[arg(long, env = "ABUTMENT_RATE_LIMIT_BURST", default_value_t = 400)]
    pub rate_limit_burst: u32,
    /// Answer introspection queries (`__schema`, `__type`).
    #[arg(long, env = "ABUTMENT_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub introspection: bool,
    /// Serve the API explorer at GET /graphql (for browsers).
    #[arg(long, env = "ABUTMENT_GRAPHIQL", default_value_t = true, action = clap::ArgAction::Set)]
    pub graphiql: bool,
    /// Allowed CORS origins (comma separated); empty: same-origin only.
    #[arg(long, env = "ABUTMENT_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Bearer token `GET /metrics` requires; unset: `/metrics` is open
    /// (it shows counts and timings, no business data).
    #[arg(long, env = "ABUTMENT_METRICS_TOKEN")]
    pub metrics_token: Option<String>,
}

impl Default for ApiLimits {
    fn default() -> Self {
        Self {
            max_page_size: 500,
            default_page_size: 50,
            max_depth: 15,
            max_complexity: 20_000,
            max_body_bytes: 2 * 1024 * 1024,
            request_timeout_secs: 30,
            max_aliases: 30,
            max_query_bytes: 100_000,
            rate_limit_per_second: 200,
            rate_limit_burst: 400,
            introspection: true,
            graphiql: true,
            cors_origins: Vec::new(),
            metrics_token: None,
        }
    }
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
