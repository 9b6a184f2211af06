//! A material a machine is qualified to cut.

use crate::enums::Material;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "machine_material")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub machine_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub material: Material,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
