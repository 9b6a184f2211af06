//! Tracing set-up: `RUST_LOG` filters (default `info`), text or JSON lines.
//!
//! Every HTTP request runs in a span with its request id (target
//! [`REQUEST_TARGET`]). That span is enabled whatever `RUST_LOG` says, so a
//! line logged during a request — a warning, sqlx's slow-statement warning,
//! the trace layer's lines — always carries the request id.

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::LogFormat;

/// Target of the per-request span.
pub const REQUEST_TARGET: &str = "abutment_erp::request";

/// The log filter: `RUST_LOG` or the default, with the request span enabled.
pub fn filter() -> EnvFilter {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    match format!("{REQUEST_TARGET}=info").parse() {
        Ok(d) => filter.add_directive(d),
        Err(_) => filter,
    }
}

/// Installs the global subscriber; later calls are no-ops. Text lines are
/// coloured only when standard output is a terminal: a file or a pipe gets
/// no ANSI escape codes.
pub fn init(format: LogFormat) {
    use std::io::IsTerminal;
    let filter = filter();
    let registry = tracing_subscriber::registry().with(filter);
    let ansi = std::io::stdout().is_terminal();
    let _ = match format {
        LogFormat::Text => registry
            .with(fmt::layer().with_target(false).with_ansi(ansi))
            .try_init(),
        LogFormat::Json => registry
            .with(fmt::layer().json().flatten_event(true))
            .try_init(),
    };
}
