//! The HTTP surface: the web console at `/` ([`console`]), `/graphql` (GraphQL over HTTP, [`graphql`]; the API
//! explorer for browsers, its files under `/assets/`), the probes `/livez`, `/readyz` and `/health`, `/metrics`,
//! CSV exports, with tracing, CORS, body-size, timeout and per-token
//! rate-limit ([`limit`]) layers.
//!
//! The outermost layer gives every request its id — the caller's
//! `x-request-id` when it sends a sane one, else a new one: one `request`
//! span with the id (and the W3C `traceparent` trace id, when sent) covers
//! everything the request logs — the handler, the database (sqlx's
//! slow-statement warnings), the trace layer, a streamed body — and the id
//! is sent back in `x-request-id`.

pub mod console;
mod explorer;
pub mod graphql;
mod limit;

use std::{
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header::AUTHORIZATION},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use futures_util::Stream;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::json;
use tower_http::{
    cors::{AllowOrigin, CorsLayer},
    limit::RequestBodyLimitLayer,
    timeout::TimeoutLayer,
    trace::TraceLayer,
};
use tracing::Instrument;

use crate::{
    AppSchema,
    access::{RequestId, auth_cache::AuthCache},
    config::ApiLimits,
    ops::metrics::Metrics,
};

#[derive(Clone)]
struct AppState {
    schema: AppSchema,
    db: DatabaseConnection,
    graphiql: bool,
    limiter: Arc<limit::Limiter>,
    metrics: Arc<Metrics>,
    metrics_token: Option<Arc<str>>,
    max_query_bytes: usize,
    console: Arc<console::ConsoleState>,
    auth: Arc<AuthCache>,
}

/// The router: `/graphql`, `/health`, `/metrics` and the CSV exports.
pub fn app(schema: AppSchema, db: DatabaseConnection, limits: &ApiLimits) -> Router {
    let auth = Arc::new(AuthCache::new(limits.auth_staleness()));
    app_with_auth(schema, db, limits, auth)
}

/// The router with the given cache of verified tokens (one per server
/// instance; see [`crate::access::auth_cache`]).
pub fn app_with_auth(
    schema: AppSchema,
    db: DatabaseConnection,
    limits: &ApiLimits,
    auth: Arc<AuthCache>,
) -> Router {
    let state = AppState {
        schema,
        db,
        auth,
        graphiql: limits.graphiql,
        limiter: Arc::new(limit::limiter(
            limits.rate_limit_per_second,
            limits.rate_limit_burst,
        )),
        metrics: Arc::new(Metrics::default()),
        metrics_token: limits
            .metrics_token
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(Arc::from),
        max_query_bytes: limits.max_query_bytes,
        console: Arc::new(console::ConsoleState::default()),
    };
    let metrics = state.metrics.clone();
    let origins: Vec<HeaderValue> = limits
        .cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim()).ok())
        .collect();
    let cors = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            axum::http::header::CONTENT_TYPE,
            axum::http::header::AUTHORIZATION,
        ])
        .allow_origin(AllowOrigin::list(origins));
    Router::new()
        .merge(console::routes())
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/assets/{name}", get(explorer::asset))
        .route("/health", get(readyz))
        .route("/readyz", get(readyz))
        .route("/livez", get(livez))
        .route("/export/stock.csv", get(export_stock))
        .route("/export/ledger.csv", get(export_ledger))
        .route("/metrics", get(metrics_endpoint))
        .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(limits.request_timeout_secs),
        ))
        .layer(cors)
        .layer(TraceLayer::new_for_http())
        .layer(middleware::from_fn_with_state(metrics, observe))
        .with_state(state)
}

/// The caller's request id, when it is 1–128 characters of letters,
/// digits, `-`, `_`, `.`, `:` or `/` (anything else could forge log lines).
fn incoming_request_id(headers: &HeaderMap) -> Option<RequestId> {
    let v = headers.get("x-request-id")?.to_str().ok()?.trim();
    let sane = (1..=128).contains(&v.len())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/".contains(c));
    sane.then(|| RequestId(v.to_owned()))
}

/// The trace id of a W3C `traceparent` header (version 00:
/// `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`), when valid.
pub fn trace_id(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("traceparent")?.to_str().ok()?.trim();
    let parts: Vec<&str> = v.split('-').collect();
    let hex = |s: &str, n: usize| {
        s.len() == n
            && s.chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    };
    let [version, trace, parent, flags] = parts[..] else {
        return None;
    };
    let ok = hex(version, 2)
        && version != "ff"
        && hex(trace, 32)
        && trace.chars().any(|c| c != '0')
        && hex(parent, 16)
        && parent.chars().any(|c| c != '0')
        && hex(flags, 2);
    ok.then(|| trace.to_owned())
}

/// The outermost layer: the request id, the request's span, the HTTP count.
async fn observe(State(metrics): State<Arc<Metrics>>, mut req: Request, next: Next) -> Response {
    let request_id = incoming_request_id(req.headers()).unwrap_or_default();
    let route = Metrics::route(req.uri().path());
    let trace = trace_id(req.headers());
    let span = tracing::info_span!(
        target: crate::telemetry::REQUEST_TARGET,
        "request",
        request_id = %request_id.0,
        trace_id = trace.as_deref().unwrap_or(""),
        method = %req.method(),
        route
    );
    if trace.is_some() {
        // Join the caller's trace (a no-op unless OTLP export is on).
        use tracing_opentelemetry::OpenTelemetrySpanExt;
        let _ = span.set_parent(crate::telemetry::remote_context(req.headers()));
    }
    req.extensions_mut().insert(request_id.clone());
    let mut resp = next.run(req).instrument(span.clone()).await;
    metrics.http(route, resp.status().as_u16());
    if let Ok(v) = HeaderValue::from_str(&request_id.0) {
        resp.headers_mut().insert("x-request-id", v);
    }
    // A streamed body is produced after the handler returns: keep it in the span.
    use axum::body::HttpBody;
    if resp.body().size_hint().exact().is_some() {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let body = axum::body::Body::from_stream(InSpan {
        inner: body.into_data_stream(),
        span,
    });
    Response::from_parts(parts, body)
}

/// A stream polled inside a span.
struct InSpan<S> {
    inner: S,
    span: tracing::Span,
}

impl<S: Stream + Unpin> Stream for InSpan<S> {
    type Item = S::Item;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = &mut *self;
        let _entered = this.span.enter();
        Pin::new(&mut this.inner).poll_next(cx)
    }
}

/// `401` for a caller without valid credentials, with the reason and
/// `WWW-Authenticate: Bearer` (RFC 6750): `error="invalid_token"` when a
/// token was sent but is not valid.
fn unauthenticated(caller: &crate::access::Caller, media: graphql::Media) -> Response {
    let (message, challenge) = match caller {
        crate::access::Caller::Invalid(reason) => (
            format!("not authenticated: {reason}"),
            "Bearer realm=\"abutment-erp\", error=\"invalid_token\"",
        ),
        _ => (
            "authentication required: send `Authorization: Bearer <token>`".to_owned(),
            "Bearer realm=\"abutment-erp\"",
        ),
    };
    let mut r = graphql::answer(
        media,
        StatusCode::UNAUTHORIZED,
        json!({"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}),
        None,
    );
    r.headers_mut().insert(
        axum::http::header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    r
}

/// Prometheus metrics; with `--metrics-token` set, only for that bearer token.
async fn metrics_endpoint(State(s): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(expected) = &s.metrics_token {
        let given = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let ok = given.is_some_and(|g| {
            // Compare digests, so the time taken says nothing about the token.
            use sha2::{Digest, Sha256};
            Sha256::digest(g.as_bytes()) == Sha256::digest(expected.as_bytes())
        });
        if !ok {
            return (
                StatusCode::UNAUTHORIZED,
                [(
                    axum::http::header::WWW_AUTHENTICATE,
                    "Bearer realm=\"abutment-erp metrics\"",
                )],
                "metrics: send `Authorization: Bearer <metrics token>`\n",
            )
                .into_response();
        }
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        s.metrics.render(&s.db).await,
    )
        .into_response()
}

/// Liveness: the process answers; nothing else is checked.
async fn livez() -> Response {
    Json(json!({"status": "ok"})).into_response()
}

/// Readiness (also `/health`): the database answers `SELECT 1` within 2 s.
async fn readyz(State(s): State<AppState>) -> Response {
    let check = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        s.db.execute_unprepared("SELECT 1"),
    )
    .await;
    match check {
        Ok(Ok(_)) => Json(json!({"status": "ok", "database": "ok"})).into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "readiness: database unreachable");
            unready("unreachable")
        }
        Err(_) => {
            tracing::error!("readiness: database did not answer within 2 s");
            unready("timeout")
        }
    }
}

fn unready(database: &str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({"status": "unavailable", "database": database})),
    )
        .into_response()
}

/// Authenticates a plain HTTP request and checks it against the permission
/// matrix; the error response says why it is refused.
async fn authorize(s: &AppState, headers: &HeaderMap, op: &str) -> Result<(), Response> {
    let auth = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let refuse = |status: StatusCode, code: &str, msg: String| {
        (
            status,
            Json(json!({"errors": [{"message": msg, "extensions": {"code": code}}]})),
        )
            .into_response()
    };
    match s.auth.authenticate(&s.db, auth).await {
        Ok(crate::access::Caller::User(p)) => {
            if crate::access::permissions::is_allowed(
                crate::access::permissions::OpKind::Http,
                op,
                &p.roles,
            ) {
                Ok(())
            } else {
                Err(refuse(
                    StatusCode::FORBIDDEN,
                    "FORBIDDEN",
                    format!("`{op}` is not allowed for your role(s)"),
                ))
            }
        }
        Ok(other) => Err(unauthenticated(&other, graphql::Media::Json)),
        Err(e) => {
            tracing::error!(error = %e, "authentication failed on our side");
            Err(refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal error".into(),
            ))
        }
    }
}

fn csv_response(body: axum::body::Body, name: &str) -> Response {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

async fn export_stock(State(s): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(r) = authorize(&s, &headers, "GET /export/stock.csv").await {
        return r;
    }
    csv_response(
        axum::body::Body::from_stream(crate::inventory::export::stock_csv(s.db.clone())),
        "stock.csv",
    )
}

async fn export_ledger(State(s): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(r) = authorize(&s, &headers, "GET /export/ledger.csv").await {
        return r;
    }
    csv_response(
        axum::body::Body::from_stream(crate::inventory::export::ledger_csv(s.db.clone())),
        "ledger.csv",
    )
}
