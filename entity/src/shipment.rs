//! Who received a shipment: one row per SHIPMENT ledger row, naming a
//! clinic or a consignee outside the clinic register with its address.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shipment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The SHIPMENT row of the ledger.
    #[sea_orm(unique)]
    pub movement_id: i64,
    /// The reservation shipped.
    pub reservation_id: Option<i64>,
    /// The clinic that received it; none for a named consignee.
    pub clinic_id: Option<i64>,
    /// A consignee that is not a clinic: its name …
    pub consignee_name: Option<String>,
    /// … its postal address …
    pub consignee_address: Option<String>,
    /// … and how to reach it (e-mail, phone), when given.
    pub consignee_contact: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
