//! Units of a lot at a location promised to a reference (a case, an order).

use crate::enums::ReservationStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reservation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub lot_id: i64,
    pub location_id: i64,
    pub quantity: i64,
    pub reference: String,
    pub status: ReservationStatus,
    pub created_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
