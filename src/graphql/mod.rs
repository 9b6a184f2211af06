//! The GraphQL API: root query and mutation merged from the domains, global
//! ids, pagination and DataLoaders.

pub mod batch;
pub mod errors;
pub mod execute;
pub mod ids;
pub mod input_check;
pub mod loaders;
pub mod nesting;
pub mod node;
pub mod nulls;
pub mod pagination;
pub mod scalars;
pub mod started;
pub mod write;

use async_graphql::{EmptySubscription, MergedObject, Schema, SchemaBuilder};
use sea_orm::DatabaseConnection;

use crate::{access, cases, catalog, config::ApiLimits, inventory, manufacturing, quality};

pub use execute::execute;

/// Every query of the API.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    node::NodeQuery,
    access::graphql::AccessQuery,
    catalog::graphql::CatalogQuery,
    inventory::graphql::InventoryQuery,
    manufacturing::graphql::ManufacturingQuery,
    cases::graphql::CasesQuery,
    quality::graphql::QualityQuery,
);

/// Every mutation of the API.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    access::graphql::AccessMutation,
    catalog::graphql::CatalogMutation,
    inventory::graphql::InventoryMutation,
    manufacturing::graphql::ManufacturingMutation,
    cases::graphql::CasesMutation,
    quality::graphql::QualityMutation,
);

/// The executable schema.
pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, EmptySubscription> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .override_output_type_description::<chrono::DateTime<chrono::Utc>>(
        scalars::DATE_TIME_DESCRIPTION,
    )
}

/// Builds the schema over a database, with the given limits.
pub fn schema(db: DatabaseConnection, limits: &ApiLimits) -> AppSchema {
    let mut b = builder()
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .extension(errors::ErrorPolicy)
        .extension(access::guard::Guard {
            max_aliases: limits.max_aliases,
            max_query_bytes: limits.max_query_bytes,
        })
        .extension(input_check::InputCheck)
        .extension(started::MarkStarted)
        .data(limits.clone());
    if !limits.introspection {
        b = b.disable_introspection();
    }
    b.data(db).finish()
}

/// The schema in SDL, fields sorted, as committed in `schema.graphql`.
pub fn sdl() -> String {
    let opts = async_graphql::SDLExportOptions::new()
        .sorted_fields()
        .sorted_enum_items()
        .include_specified_by();
    builder().finish().sdl_with_options(opts)
}

/// The database connection from the GraphQL context.
pub fn db<'a>(ctx: &async_graphql::Context<'a>) -> async_graphql::Result<&'a DatabaseConnection> {
    ctx.data::<DatabaseConnection>()
}
