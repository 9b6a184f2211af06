//! An implant system whose pre-milled blanks a mill's holder takes.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "machine_system")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub machine_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub system_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
