//! An implant system (product line) of a manufacturer, with its connection.

use crate::enums::ConnectionType;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "implant_system")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub manufacturer_id: i64,
    pub name: String,
    /// Lower-case, space-collapsed name; unique per manufacturer.
    pub name_key: String,
    pub connection: ConnectionType,
    pub notes: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::manufacturer::Entity",
        from = "Column::ManufacturerId",
        to = "super::manufacturer::Column::Id"
    )]
    Manufacturer,
}

impl Related<super::manufacturer::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Manufacturer.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
