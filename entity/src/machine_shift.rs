//! One weekly shift of a machine: weekday (1 = Monday) and minutes of the day.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "machine_shift")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub machine_id: i64,
    /// ISO weekday, 1 = Monday … 7 = Sunday.
    pub weekday: i16,
    /// Minutes after local midnight, 0–1439.
    pub start_minute: i32,
    /// Minutes after local midnight, 1–1440; after the start.
    pub end_minute: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
