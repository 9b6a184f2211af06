//! A clinical case: one abutment ordered by a clinic for one implant of one
//! patient (named only by a pseudonym), and how it was served.

use crate::enums::{AbutmentType, CaseDecision, CaseStatus, Material, Restoration};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clinical_case")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Our case number, e.g. `CASE-000012`.
    #[sea_orm(unique)]
    pub number: String,
    pub clinic_id: i64,
    /// The clinic's order reference (unique per clinic).
    pub order_reference: String,
    /// Never a name: a code the clinic can map back to its patient.
    pub patient_pseudonym: String,
    /// FDI tooth number (11–48).
    pub tooth: i32,
    pub platform_id: i64,
    pub restoration: Restoration,
    pub abutment_type: AbutmentType,
    pub gingival_height_um: i32,
    pub angulation_mdeg: i32,
    pub engaging: bool,
    /// Preferred material; any when null.
    pub material: Option<Material>,
    pub due_at: DateTimeUtc,
    pub status: CaseStatus,
    pub decision: Option<CaseDecision>,
    pub reservation_id: Option<i64>,
    pub job_id: Option<i64>,
    pub shipped_lot_id: Option<i64>,
    pub shipped_at: Option<DateTimeUtc>,
    pub status_reason: Option<String>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
