//! One run of the scheduler: when, why, by whom, and the plan's quality.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "schedule_run")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub algorithm: String,
    pub trigger: String,
    pub actor: String,
    pub jobs: i32,
    pub scheduled: i32,
    pub unscheduled: i32,
    pub total_weighted_tardiness: i64,
    pub makespan_minutes: i64,
    pub wall_ms: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
