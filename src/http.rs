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
