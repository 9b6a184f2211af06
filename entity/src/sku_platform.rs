//! Compatibility: SKU fits platform. A third-party SKU can fit another
//! maker's system, so fit is a relation, not a property of the SKU.
//! The `sku_*` columns copy the SKU's sort and filter keys so the lookup is
//! one index range; the catalogue service keeps them in step.

use crate::enums::{AbutmentType, SkuStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sku_platform")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub sku_id: i64,
    pub platform_id: i64,
    /// Where the fit claim comes from (MANUFACTURER_SPEC, FIT_TEST …).
    pub source: String,
    pub notes: Option<String>,
    /// Copy of the SKU's status (for the lookup index).
    pub sku_status: SkuStatus,
    /// Copy of the SKU's type.
    pub sku_type: AbutmentType,
    /// Copy of the SKU's gingival height, µm.
    pub sku_gingival_height_um: i32,
    /// Copy of the SKU's angulation, m°.
    pub sku_angulation_mdeg: i32,
    /// Copy of the SKU's engaging flag.
    pub sku_engaging: bool,
    /// Copy of the SKU's article number.
    pub sku_article_number: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::abutment_sku::Entity",
        from = "Column::SkuId",
        to = "super::abutment_sku::Column::Id"
    )]
    Sku,
    #[sea_orm(
        belongs_to = "super::platform::Entity",
        from = "Column::PlatformId",
        to = "super::platform::Column::Id"
    )]
    Platform,
}

impl Related<super::abutment_sku::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Sku.def()
    }
}

impl Related<super::platform::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Platform.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
