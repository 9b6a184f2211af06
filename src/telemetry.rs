//! Tracing set-up: `RUST_LOG` filters (default `info`), text or JSON lines.
//!
//! Every HTTP request runs in a span with its request id (target
//! [`REQUEST_TARGET`]). That span is enabled whatever `RUST_LOG` says, so a
//! line logged during a request — a warning, sqlx's slow-statement warning,
//! the trace layer's lines — always carries the request id.
//!
//! OpenTelemetry trace export over OTLP (HTTP/protobuf) is off by default and
//! switched on by the standard variables `OTEL_EXPORTER_OTLP_ENDPOINT` (the
//! collector's base URL; `/v1/traces` is appended) or
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as it is); the exporter reads
//! the other `OTEL_EXPORTER_OTLP_*` and `OTEL_BSP_*` variables itself, and
//! `OTEL_SDK_DISABLED=true` keeps it off. Each request's span joins the
//! caller's trace when it sends a W3C `traceparent`.

use std::sync::OnceLock;

use opentelemetry::{propagation::TextMapPropagator, trace::TracerProvider as _};
use opentelemetry_sdk::{Resource, propagation::TraceContextPropagator, trace::SdkTracerProvider};
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
    let otel = otlp_provider()
        .map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer(env!("CARGO_PKG_NAME"))));
    let registry = tracing_subscriber::registry().with(filter).with(otel);
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

static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();

/// Whether the environment asks for OTLP trace export.
pub fn otlp_enabled() -> bool {
    let set = |v: &str| std::env::var(v).is_ok_and(|s| !s.trim().is_empty());
    (set("OTEL_EXPORTER_OTLP_ENDPOINT") || set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
        && !std::env::var("OTEL_SDK_DISABLED").is_ok_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// The tracer provider exporting to the configured collector, when export
/// is on and the exporter can be built (else a line on stderr says why).
fn otlp_provider() -> Option<&'static SdkTracerProvider> {
    if !otlp_enabled() {
        return None;
    }
    let exporter = match opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
    {
        Ok(e) => e,
        Err(e) => {
            eprintln!("OpenTelemetry export is off: {e}");
            return None;
        }
    };
    let mut resource = Resource::builder().with_attribute(opentelemetry::KeyValue::new(
        "service.version",
        env!("CARGO_PKG_VERSION"),
    ));
    if std::env::var("OTEL_SERVICE_NAME").is_err() {
        resource = resource.with_service_name(env!("CARGO_PKG_NAME"));
    }
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource.build())
        .build();
    Some(PROVIDER.get_or_init(|| provider))
}

/// Sends the spans not exported yet and stops the exporter (blocking: call
/// it off the async workers, at shutdown).
pub fn shutdown() {
    if let Some(p) = PROVIDER.get()
        && let Err(e) = p.shutdown()
    {
        tracing::warn!(error = %e, "OpenTelemetry export did not shut down cleanly");
    }
}

/// The OpenTelemetry context of a W3C `traceparent` (and `tracestate`)
/// header, to be the parent of a request's span.
pub fn remote_context(headers: &axum::http::HeaderMap) -> opentelemetry::Context {
    struct Headers<'a>(&'a axum::http::HeaderMap);
    impl opentelemetry::propagation::Extractor for Headers<'_> {
        fn get(&self, key: &str) -> Option<&str> {
            self.0.get(key).and_then(|v| v.to_str().ok())
        }
        fn keys(&self) -> Vec<&str> {
            self.0.keys().map(|k| k.as_str()).collect()
        }
    }
    TraceContextPropagator::new().extract(&Headers(headers))
}
