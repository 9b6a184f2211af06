//! On hand and reserved per lot and location, kept with each ledger row.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_balance")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub lot_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub location_id: i64,
    pub on_hand: i64,
    pub reserved: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
