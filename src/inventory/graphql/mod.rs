//! GraphQL types and resolvers of inventory. Every mutation runs in one
//! write transaction: all of it happens, or none of it.

use async_graphql::{
    ComplexObject, Context, ID, InputObject, Object, SimpleObject,
    dataloader::{DataLoader, HashMapCache},
};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    abutment_sku,
    enums::{
        ItemKind, LocationLevel, LocationType, LotState, Material, MovementReason,
        ReservationStatus, StockUnit,
    },
    item, location, lot, reservation, stock_balance, stock_movement,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{
    EffectiveState, effective_state,
    service::{
        self, Quantities, ReceiveBar, ReceiveBlank, ReceiveFinished, ReserveRequest, StockFilter,
        StockLine,
    },
    today,
};
use crate::graphql::{
    loaders::load,
    write::{actor, begin, finish, run},
};
use crate::{
    catalog::{graphql::AbutmentSku, service::PlatformRef, units::from_milli},
    connection_type,
    error::{AppError, AppResult, Under, UserError},
    graphql::{
        db, ids,
        loaders::{ByIdLoader, ByParent, ByParentLoader, loader_error, required},
        pagination::PageArgs,
        scalars::{Date, Decimal},
    },
    impl_by_id,
};

mod inputs;
mod mutation;
mod query;
mod types;

pub use inputs::*;
pub use mutation::*;
pub use query::*;
pub use types::*;

#[ComplexObject]
impl ScanResult {
    /// The production date read (AI 11; day 00 = end of month).
    async fn production_date(&self) -> Option<Date> {
        self.production_date.map(Date)
    }
    /// The expiry date read (AI 17; day 00 = end of month).
    async fn expiry_date(&self) -> Option<Date> {
        self.expiry_date.map(Date)
    }
}
