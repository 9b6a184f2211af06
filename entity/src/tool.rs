//! A cutting tool (e.g. a bur set on a mill) with a use counter and life limit.

use crate::enums::ToolStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tool")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub machine_id: Option<i64>,
    /// Parts it may cut before it must be replaced.
    pub life_limit: i32,
    /// Parts it has cut.
    pub uses: i32,
    pub status: ToolStatus,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
