//! Settings: the database, the server and the API's limits, each a flag and
//! an environment variable (documented here and in the README's table). The
//! command line that holds them is the `cli` module.

use std::{net::SocketAddr, path::PathBuf};

use clap::{Args, Parser, ValueEnum};

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
    /// Milliseconds a verified token may be used from memory before a
    /// revocation, deactivation or role change made elsewhere takes effect
    /// (see `access::auth_cache`).
    #[arg(long, env = "ABUTMENT_AUTH_STALENESS_MS", default_value_t = 2000)]
    pub auth_staleness_ms: u64,
}

impl ApiLimits {
    /// The authentication cache's staleness bound.
    pub fn auth_staleness(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.auth_staleness_ms)
    }
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
            auth_staleness_ms: 2000,
        }
    }
}
