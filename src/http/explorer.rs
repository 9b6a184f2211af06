//! The API explorer a browser gets on `GET /graphql`.

use async_graphql::http::GraphiQLSource;
use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

use super::AppState;

/// GraphiQL, or `404` when switched off.
pub(super) fn page(s: &AppState) -> Response {
    if s.graphiql {
        super::graphql::html(GraphiQLSource::build().endpoint("/graphql").finish())
    } else {
        (StatusCode::NOT_FOUND, "GraphiQL is switched off").into_response()
    }
}
