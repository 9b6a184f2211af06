//! GraphQL types and resolvers of the catalogue. Resolvers are thin: read the
//! context, call one service function, convert the error.

use async_graphql::{
    ComplexObject, Context, ID, InputObject, Object, SimpleObject,
    dataloader::{DataLoader, HashMapCache},
};
use entity::{
    abutment_sku,
    enums::{AbutmentType, ConnectionType, Material, SkuStatus},
    implant_system, manufacturer, platform, sku_platform,
};
use sea_orm::{DatabaseConnection, QueryOrder, Select};

use super::{
    service::{self, InStock, PlatformRef, SkuFilter, SkuInput, UpsertOutcome},
    stock::{Availability, AvailabilityLoader, Stock},
    units::from_milli,
};
use crate::{
    connection_type,
    error::{AppError, ErrorCode, UserError},
    graphql::{
        batch::BatchQueue,
        db, ids,
        loaders::{self, ById, ByIdLoader, ByParent, ByParentLoader, loader_error, required},
        pagination::PageArgs,
        scalars::{Date, Decimal},
    },
    impl_by_id,
    import::{self, ImportError, ImportKind, ImportReport},
};

impl_by_id!(manufacturer, implant_system, platform, abutment_sku);

impl ByParent for platform::Entity {
    fn parent_column() -> Self::Column {
        platform::Column::SystemId
    }
    fn parent_of(m: &Self::Model) -> Option<i64> {
        Some(m.system_id)
    }
    fn order(q: Select<Self>) -> Select<Self> {
        q.order_by_asc(platform::Column::DiameterUm)
            .order_by_asc(platform::Column::NameKey)
    }
}

impl ByParent for sku_platform::Entity {
    fn parent_column() -> Self::Column {
        sku_platform::Column::SkuId
    }
    fn parent_of(m: &Self::Model) -> Option<i64> {
        Some(m.sku_id)
    }
    fn order(q: Select<Self>) -> Select<Self> {
        q.order_by_asc(sku_platform::Column::PlatformId)
    }
}

/// Attaches the catalogue's DataLoaders to a request.
pub fn attach_loaders(
    r: async_graphql::Request,
    db: &DatabaseConnection,
    q: &BatchQueue,
) -> async_graphql::Request {
    r.data(loaders::by_id::<manufacturer::Entity>(db, q))
        .data(loaders::by_id::<implant_system::Entity>(db, q))
        .data(loaders::by_id::<platform::Entity>(db, q))
        .data(loaders::by_id::<abutment_sku::Entity>(db, q))
        .data(loaders::by_parent::<platform::Entity>(db, q))
        .data(loaders::by_parent::<sku_platform::Entity>(db, q))
}

async fn load_one<E: ById>(
    ctx: &Context<'_>,
    id: i64,
    what: &str,
) -> async_graphql::Result<E::Model>
where
    E::Model: Sync,
{
    let loader = ctx.data::<DataLoader<ByIdLoader<E>, HashMapCache>>()?;
    required(loader.load_one(id).await.map_err(loader_error)?, what, id)
}

async fn load_children<E: ByParent>(
    ctx: &Context<'_>,
    parent: i64,
) -> async_graphql::Result<Vec<E::Model>>
where
    E::Model: Sync,
{
    let loader = ctx.data::<DataLoader<ByParentLoader<E>>>()?;
    Ok(loader
        .load_one(parent)
        .await
        .map_err(loader_error)?
        .unwrap_or_default())
}

mod inputs;
mod mutation;
mod query;
mod types;

pub use inputs::*;
pub use mutation::*;
pub use query::*;
pub use types::*;
