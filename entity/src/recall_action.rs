//! Units of a recalled lot a consignee returned (with the ledger movement)
//! or confirmed as used.

use crate::enums::RecallActionKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recall_action")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub recall_id: i64,
    pub consignee_id: i64,
    pub kind: RecallActionKind,
    pub lot_id: i64,
    pub quantity: i64,
    /// The RETURN movement, for a return.
    pub movement_id: Option<i64>,
    pub note: Option<String>,
    pub actor: String,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
