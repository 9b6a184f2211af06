//! A stock item: a bar specification, a supplier's blank, or one of our SKUs.

use crate::enums::{ItemKind, StockUnit};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "item")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: ItemKind,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub unit: StockUnit,
    pub sku_id: Option<i64>,
    pub platform_id: Option<i64>,
    pub reorder_point: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
