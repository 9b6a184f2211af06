//! Running one GraphQL request: every caller (HTTP handler, pages, tests,
//! benches) goes through [`execute`]. This sits above the domains: it
//! attaches each domain's loaders to the request.

use async_graphql::{Request, Response};
use sea_orm::DatabaseConnection;

use super::{
    batch::{self, BatchQueue},
    loaders::{by_id, by_parent},
    nulls,
};
use crate::AppSchema;

/// Executes a request with per-request loaders and deterministic batching
/// ([`batch`]). A failed field's null propagates as the GraphQL
/// specification says ([`nulls`]).
pub async fn execute(schema: &AppSchema, db: &DatabaseConnection, request: Request) -> Response {
    let queue = BatchQueue::default();
    let query = request.query.clone();
    let operation = request.operation_name.clone();
    let request = attach(request, db, &queue);
    let mut resp = batch::drive(schema.execute(request), queue).await;
    if resp.errors.iter().any(|e| !e.path.is_empty()) {
        let types = nulls::app_types(schema);
        nulls::propagate(&types, &query, operation.as_deref(), &mut resp);
    }
    resp
}

/// Attaches the loaders of every domain to a request.
pub fn attach(request: Request, db: &DatabaseConnection, queue: &BatchQueue) -> Request {
    let request = request
        .data(by_parent::<entity::api_token::Entity>(db, queue))
        .data(by_parent::<entity::web_session::Entity>(db, queue))
        .data(by_id::<entity::location::Entity>(db, queue))
        .data(by_id::<entity::item::Entity>(db, queue))
        .data(by_id::<entity::lot::Entity>(db, queue))
        .data(by_parent::<entity::stock_balance::Entity>(db, queue))
        .data(by_parent::<entity::reservation::Entity>(db, queue));
    let request = crate::manufacturing::graphql::attach_loaders(request, db, queue);
    let request = crate::cases::graphql::attach_loaders(request, db, queue);
    let request = crate::catalog::graphql::attach_loaders(request, db, queue);
    // The catalogue's stock figures, answered by inventory (see `catalog::stock`).
    crate::catalog::stock::attach(
        request,
        db,
        queue,
        std::sync::Arc::new(crate::inventory::allocation::CatalogStock),
    )
}
