//! One of our abutment articles (a stock-keeping unit).

use crate::enums::{AbutmentType, Material, SkuStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "abutment_sku")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub article_number: String,
    /// GTIN-14, check digit validated on the way in.
    #[sea_orm(unique)]
    pub gtin: String,
    pub name: String,
    pub abutment_type: AbutmentType,
    pub material: Material,
    /// Gingival (cuff) height in micrometres.
    pub gingival_height_um: i32,
    /// Angulation in millidegrees (0–45 000).
    pub angulation_mdeg: i32,
    pub post_height_um: Option<i32>,
    pub diameter_um: Option<i32>,
    pub engaging: bool,
    pub sterile: bool,
    pub shelf_life_months: Option<i32>,
    pub status: SkuStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::sku_platform::Entity")]
    SkuPlatform,
}

impl Related<super::sku_platform::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SkuPlatform.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
