//! Inventory rules: receipts, transfers, counts, scrap, lot states,
//! reservations (a given lot, or first-expired-first-out) and shipments, the
//! quantities users see, and `verify`, which recomputes every balance from
//! the ledger. Every function runs in the caller's transaction.

use std::collections::HashMap;

use chrono::{Months, NaiveDate, Utc};
use entity::{
    abutment_sku,
    enums::{
        ItemKind, LocationLevel, LocationType, LotState, Material, MovementReason,
        ReservationStatus, StockUnit,
    },
    item, location, lot, reservation, stock_balance, stock_movement,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, Order, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Set, sea_query::Expr,
};

use super::{
    Actor, EffectiveState,
    allocation::{self, balance_location, balance_lot},
    effective_state,
    ledger::{self, Move},
    today,
};
use crate::{
    catalog::{gtin, service as catalog, units},
    error::{AppError, AppResult, Refusal},
};

mod items;
mod locations;
mod moves;
mod picking;
mod receipts;
mod reservations;
mod shipments;
mod stock;

pub use items::*;
pub use locations::*;
pub use moves::*;
pub use picking::*;
pub use receipts::*;
pub use reservations::*;
pub use shipments::*;
pub use stock::*;
