//! The append-only stock ledger: every change of stock is one row.

use crate::enums::MovementReason;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_movement")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub lot_id: i64,
    pub from_location_id: Option<i64>,
    pub to_location_id: Option<i64>,
    pub quantity: i64,
    pub reason: MovementReason,
    pub reference: String,
    pub actor_user_id: Option<i64>,
    pub actor_name: String,
    pub idempotency_key: Option<String>,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
