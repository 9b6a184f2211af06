//! A lot of an item, with its state and, for raw material, its certificate data.

use crate::enums::LotState;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lot")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub item_id: i64,
    pub lot_number: String,
    pub state: LotState,
    pub state_reason: Option<String>,
    pub production_date: Option<Date>,
    pub expiry_date: Option<Date>,
    pub heat_number: Option<String>,
    pub mill: Option<String>,
    pub standard: Option<String>,
    pub grade: Option<String>,
    pub bar_diameter_um: Option<i32>,
    pub bar_length_mm: Option<i32>,
    pub certificate_type: Option<String>,
    pub certificate_ref: Option<String>,
    pub chemistry: Option<String>,
    pub mechanical: Option<String>,
    pub supplier_gtin: Option<String>,
    pub supplier_lot: Option<String>,
    pub udi: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
