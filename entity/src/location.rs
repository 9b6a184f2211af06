//! A place where stock lies: a tree of site → zone → bin.

use crate::enums::{LocationLevel, LocationType};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "location")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Unique code such as `MAIN/STOCK/A-01`.
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub level: LocationLevel,
    pub location_type: LocationType,
    pub parent_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
