//! The HTTP surface: POST /graphql (and GraphiQL on GET), /health, with
//! tracing, CORS, body-size and timeout layers.

use std::time::Duration;

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::{
    Json, Router,
    extract::State,
    http::{HeaderValue, Method, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::get,
};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::json;
use tower_http::{
    cors::{AllowOrigin, CorsLayer},
    limit::RequestBodyLimitLayer,
    timeout::TimeoutLayer,
    trace::TraceLayer,
};

use crate::{AppSchema, config::ApiLimits};

#[derive(Clone)]
struct AppState {
    schema: AppSchema,
    db: DatabaseConnection,
    graphiql: bool,
}

/// The router: `/graphql` and `/health`.
pub fn app(schema: AppSchema, db: DatabaseConnection, limits: &ApiLimits) -> Router {
    let state = AppState {
        schema,
        db,
        graphiql: limits.graphiql,
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

async fn graphql(State(s): State<AppState>, req: GraphQLRequest) -> GraphQLResponse {
    crate::graphql::execute(&s.schema, &s.db, req.into_inner())
        .await
        .into()
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
