//! An edge of the lot genealogy: `quantity` of the parent lot went into the child.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lot_genealogy")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub parent_lot_id: i64,
    pub child_lot_id: i64,
    /// In the parent's unit (mm of bar, pieces of blank or finished parts).
    pub quantity: i64,
    pub job_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
