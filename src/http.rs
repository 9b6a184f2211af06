//! The HTTP surface: POST /graphql (and GraphiQL on GET), /health,
//! /metrics, CSV exports, with tracing, CORS, body-size, timeout and
//! per-token rate-limit layers.
//!
//! The outermost layer gives every request its id: one `request` span with
//! the id covers everything the request logs — the handler, the database
//! (sqlx's slow-statement warnings), the trace layer, a streamed body — and
//! the id is sent back in `x-request-id`.

use std::{
    pin::Pin,
    task::{Context, Poll},
    time::{Duration, Instant},
};

use async_graphql::http::GraphiQLSource;
use std::{num::NonZeroU32, sync::Arc};

use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::{
    Extension, Json, Router,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header::AUTHORIZATION},
    middleware::{self, Next},
    response::{Html, IntoResponse, Response},
    routing::get,
};
use futures_util::Stream;
use governor::Quota;
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
    access::RequestId,
    config::ApiLimits,
    ops::metrics::{Metrics, Operation},
};

type Limiter = governor::DefaultKeyedRateLimiter<String>;

#[derive(Clone)]
struct AppState {
    schema: AppSchema,
    db: DatabaseConnection,
    graphiql: bool,
    limiter: Arc<Limiter>,
    metrics: Arc<Metrics>,
    metrics_token: Option<Arc<str>>,
    max_query_bytes: usize,
}

/// The router: `/graphql`, `/health`, `/metrics` and the CSV exports.
pub fn app(schema: AppSchema, db: DatabaseConnection, limits: &ApiLimits) -> Router {
    let rate = NonZeroU32::new(limits.rate_limit_per_second.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(limits.rate_limit_burst.max(1)).unwrap_or(NonZeroU32::MIN);
    let state = AppState {
        schema,
        db,
        graphiql: limits.graphiql,
        limiter: Arc::new(governor::RateLimiter::keyed(
            Quota::per_second(rate).allow_burst(burst),
        )),
        metrics: Arc::new(Metrics::default()),
        metrics_token: limits
            .metrics_token
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(Arc::from),
        max_query_bytes: limits.max_query_bytes,
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
        .route("/graphql", get(graphiql).post(graphql))
        .route("/health", get(health))
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

/// The outermost layer: the request id, the request's span, the HTTP count.
async fn observe(State(metrics): State<Arc<Metrics>>, mut req: Request, next: Next) -> Response {
    let request_id = RequestId::new();
    let route = Metrics::route(req.uri().path());
    let span = tracing::info_span!(
        target: crate::telemetry::REQUEST_TARGET,
        "request",
        request_id = %request_id.0,
        method = %req.method(),
        route
    );
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

/// One GraphQL request: the caller from the `Authorization` header, the
/// per-token rate limit, then execution. Authorisation itself is the
/// schema's guard, so the same rules hold in tests and over HTTP. Runs in the
/// request's span (see [`observe`]).
async fn graphql(
    State(s): State<AppState>,
    request_id: Option<Extension<RequestId>>,
    headers: HeaderMap,
    req: GraphQLRequest,
) -> Response {
    let request_id = request_id.map(|Extension(r)| r).unwrap_or_default();
    let auth = match headers.get(AUTHORIZATION).map(|v| v.to_str()) {
        None => None,
        Some(Ok(v)) => Some(v.to_owned()),
        Some(Err(_)) => Some(String::new()),
    };
    let key = match auth.as_deref() {
        Some(a) if a.starts_with("Bearer ") => {
            format!("token:{}", crate::access::service::hash_token(a))
        }
        _ => "anonymous".to_owned(),
    };
    if s.limiter.check_key(&key).is_err() {
        s.metrics.error("RATE_LIMITED");
        return (
            StatusCode::TOO_MANY_REQUESTS,
            Json(json!({"errors": [{"message": "rate limit exceeded; slow down and retry", "extensions": {"code": "RATE_LIMITED"}}]})),
        )
            .into_response();
    }
    let caller = match crate::access::service::authenticate(&s.db, auth.as_deref()).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "authentication failed on our side");
            s.metrics.error("INTERNAL");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"errors": [{"message": "internal error", "extensions": {"code": "INTERNAL", "requestId": request_id.0}}]})),
            )
                .into_response();
        }
    };
    let mut request = req.into_inner();
    // Parsed here once (the schema reuses it) to label the metrics; a
    // document over the size or nesting limit is left for the guard to
    // refuse unparsed (the parser recurses: a deep document would overflow).
    let op = if request.query.len() <= s.max_query_bytes
        && crate::graphql::nesting::check(&request.query, crate::graphql::nesting::MAX_NESTING)
            .is_ok()
    {
        let name = request.operation_name.clone();
        match request.parsed_query() {
            Ok(doc) => Operation::of(doc, name.as_deref()),
            Err(_) => Operation::invalid(),
        }
    } else {
        Operation::invalid()
    };
    let request = request.data(caller).data(request_id.clone());
    let started = Instant::now();
    let mut resp = crate::graphql::execute(&s.schema, &s.db, request).await;
    crate::graphql::errors::tag_internal(&mut resp.errors, &request_id.0);
    s.metrics.graphql(
        op,
        started.elapsed(),
        resp.errors.iter().map(|e| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .and_then(|v| match v {
                    async_graphql::Value::String(c) => Some(c.as_str()),
                    _ => None,
                })
        }),
    );
    GraphQLResponse::from(resp).into_response()
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

async fn graphiql(State(s): State<AppState>) -> Response {
    if s.graphiql {
        Html(GraphiQLSource::build().endpoint("/graphql").finish()).into_response()
    } else {
        (StatusCode::NOT_FOUND, "GraphiQL is switched off").into_response()
    }
}

async fn health(State(s): State<AppState>) -> Response {
    match s.db.execute_unprepared("SELECT 1").await {
        Ok(_) => Json(json!({"status": "ok", "database": "ok"})).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable", "database": "unreachable"})),
            )
                .into_response()
        }
    }
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
    match crate::access::service::authenticate(&s.db, auth).await {
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
        Ok(crate::access::Caller::Invalid(r)) => Err(refuse(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            format!("not authenticated: {r}"),
        )),
        Ok(crate::access::Caller::Anonymous) => Err(refuse(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "authentication required: send `Authorization: Bearer <token>`".into(),
        )),
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
