//! The append-only audit trail: one row per mutation attempt. The code only
//! ever inserts here.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub request_id: String,
    pub actor_user_id: Option<i64>,
    pub actor_name: Option<String>,
    pub roles: String,
    pub operation: String,
    /// The operation's arguments as JSON, secrets removed.
    pub input: String,
    /// Global ids found in the result, comma-separated.
    pub affected_ids: String,
    /// OK, USER_ERROR, ERROR or DENIED.
    pub outcome: String,
    pub error_code: Option<String>,
    pub message: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
