//! A lot a recall reached, frozen at activation with the state and stock it had.

use crate::enums::LotState;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recall_lot")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub recall_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub lot_id: i64,
    /// Genealogy steps from the scope's nearest root (0 = a root).
    pub depth: i32,
    pub previous_state: LotState,
    /// On hand at activation, all locations.
    pub on_hand: i64,
    /// Units of open reservations released at activation.
    pub reserved: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
