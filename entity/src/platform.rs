//! A platform of an implant system (NP, RP, WP, 3.5 …): the key of fit.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "platform")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub system_id: i64,
    pub name: String,
    /// Lower-case, space-collapsed name; unique per system.
    pub name_key: String,
    /// Platform diameter in micrometres.
    pub diameter_um: i32,
    /// Seating positions of the index (hex 6, octagon 8 …); none when not indexed.
    pub index_positions: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::implant_system::Entity",
        from = "Column::SystemId",
        to = "super::implant_system::Column::Id"
    )]
    System,
}

impl Related<super::implant_system::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::System.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
