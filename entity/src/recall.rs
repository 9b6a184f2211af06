//! A recall (field safety corrective action): its class, reason, scope and
//! where it is in its life.

use crate::enums::{RecallClass, RecallScopeKind, RecallStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recall")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub number: String,
    pub class: RecallClass,
    pub reason: String,
    pub scope_kind: RecallScopeKind,
    /// JSON array of lot ids, for a LOTS scope.
    pub scope_lot_ids: Option<String>,
    pub heat_number: Option<String>,
    pub blank_lot_id: Option<i64>,
    pub machine_id: Option<i64>,
    pub window_from: Option<DateTimeUtc>,
    pub window_to: Option<DateTimeUtc>,
    pub tool_id: Option<i64>,
    pub status: RecallStatus,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub activated_by: Option<String>,
    pub activated_at: Option<DateTimeUtc>,
    pub closed_by: Option<String>,
    pub closed_at: Option<DateTimeUtc>,
    pub closure_note: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
