//! A machine tool: kind, status, time zone of its calendar, bar range.

use crate::enums::{MachineKind, MachineStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "machine")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub kind: MachineKind,
    pub status: MachineStatus,
    /// IANA time zone its shifts are given in.
    pub time_zone: String,
    pub bar_min_diameter_um: Option<i32>,
    pub bar_max_diameter_um: Option<i32>,
    pub notes: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
