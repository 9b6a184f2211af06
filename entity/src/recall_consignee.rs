//! Who received units of a recall's lots (a clinic, a named consignee with
//! its address, or the reference of an old shipment no one is known for),
//! and how they were notified.

use crate::enums::NotificationChannel;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recall_consignee")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub recall_id: i64,
    pub clinic_id: Option<i64>,
    /// The clinic's code, the name of a consignee outside the clinic
    /// register, or `ref:` and the reference of a shipment recorded before
    /// shipments named their consignee.
    pub consignee: String,
    /// Units of affected lots shipped to it, as of activation.
    pub shipped: i64,
    pub notified_at: Option<DateTimeUtc>,
    pub notified_via: Option<NotificationChannel>,
    pub notified_by: Option<String>,
    pub notification_note: Option<String>,
    /// A named consignee's address, as given at its last shipment.
    pub consignee_address: Option<String>,
    /// How to reach a named consignee, as given at its last shipment.
    pub consignee_contact: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
