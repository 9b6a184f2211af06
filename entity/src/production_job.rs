//! A production job: what to make, its routing, its plan, and what happened.

use crate::enums::{AbutmentType, InspectionResult, JobKind, JobStatus, Material};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "production_job")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub number: String,
    pub kind: JobKind,
    pub status: JobStatus,
    /// The SKU a STOCK job makes.
    pub sku_id: Option<i64>,
    /// The platform a CUSTOM part fits (a STOCK job: none).
    pub platform_id: Option<i64>,
    pub abutment_type: AbutmentType,
    pub material: Material,
    pub engaging: bool,
    pub quantity: i32,
    pub quantity_made: Option<i32>,
    pub quantity_accepted: Option<i32>,
    pub setup_minutes: i32,
    pub cycle_minutes: i32,
    /// Bar length a part consumes, cut-off included (STOCK jobs).
    pub bar_mm_per_part: Option<i32>,
    pub gingival_height_um: Option<i32>,
    pub angulation_mdeg: Option<i32>,
    pub post_height_um: Option<i32>,
    pub margin_height_um: Option<i32>,
    pub screw_channel_mdeg: Option<i32>,
    pub case_reference: Option<String>,
    pub due_at: DateTimeUtc,
    /// 1 (low) – 10 (urgent): the weight of its tardiness.
    pub priority: i32,
    /// Planned machine, then the machine it ran on.
    pub machine_id: Option<i64>,
    pub planned_start: Option<DateTimeUtc>,
    pub planned_end: Option<DateTimeUtc>,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub operator: Option<String>,
    pub cam_program: Option<String>,
    pub finished_lot_id: Option<i64>,
    pub inspection_result: Option<InspectionResult>,
    pub inspection_note: Option<String>,
    pub inspected_by: Option<String>,
    pub inspected_at: Option<DateTimeUtc>,
    pub status_reason: Option<String>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
