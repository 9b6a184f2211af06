//! The HTTP surface: POST /graphql (and GraphiQL on GET), /health, with
//! tracing, CORS, body-size, timeout and per-token rate-limit layers.

use std::time::Duration;

use async_graphql::http::GraphiQLSource;
use std::{num::NonZeroU32, sync::Arc};

use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header::AUTHORIZATION},
    response::{Html, IntoResponse, Response},
    routing::get,
};
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

use crate::{AppSchema, access::RequestId, config::ApiLimits};

type Limiter = governor::DefaultKeyedRateLimiter<String>;

#[derive(Clone)]
struct AppState {
    schema: AppSchema,
    db: DatabaseConnection,
    graphiql: bool,
    limiter: Arc<Limiter>,
}

/// The router: `/graphql` and `/health`.
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
    };
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
        .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(limits.request_timeout_secs),
        ))
        .layer(cors)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// One GraphQL request: a request id, the caller from the `Authorization`
/// header, the per-token rate limit, then execution. Authorisation itself is
/// the schema's guard, so the same rules hold in tests and over HTTP.
async fn graphql(State(s): State<AppState>, headers: HeaderMap, req: GraphQLRequest) -> Response {
    let request_id = RequestId::new();
    let span = tracing::info_span!("graphql", request_id = %request_id.0);
    async move {
        let auth = match headers.get(AUTHORIZATION).map(|v| v.to_str()) {
            None => None,
            Some(Ok(v)) => Some(v.to_owned()),
            Some(Err(_)) => Some(String::new()),
        };
        let key = match auth.as_deref() {
            Some(a) if a.starts_with("Bearer ") => format!("token:{}", crate::access::service::hash_token(a)),
            _ => "anonymous".to_owned(),
        };
        if s.limiter.check_key(&key).is_err() {
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
                return (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(json!({"errors": [{"message": "internal error", "extensions": {"code": "INTERNAL", "requestId": request_id.0}}]})),
                )
                    .into_response();
            }
        };
        let request = req.into_inner().data(caller).data(request_id.clone());
        let resp = crate::graphql::execute(&s.schema, &s.db, request).await;
        let mut out = GraphQLResponse::from(resp).into_response();
        if let Ok(v) = HeaderValue::from_str(&request_id.0) {
            out.headers_mut().insert("x-request-id", v);
        }
        out
    }
    .instrument(span)
    .await
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
