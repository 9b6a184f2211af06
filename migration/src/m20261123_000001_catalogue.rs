//! The implant catalogue: manufacturers, implant systems, platforms, our
//! abutment SKUs and which SKU fits which platform.
//!
//! Lengths are stored as whole micrometres and angles as whole millidegrees:
//! exact, sortable and identical on SQLite and PostgreSQL (SQLite has no exact
//! decimal type). The API shows them as decimal millimetres and degrees.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Manufacturer {
    Table,
    Id,
    Name,
    NameKey,
    Country,
}

#[derive(DeriveIden)]
enum ImplantSystem {
    Table,
    Id,
    ManufacturerId,
    Name,
    NameKey,
    Connection,
    Notes,
}

#[derive(DeriveIden)]
enum Platform {
    Table,
    Id,
    SystemId,
    Name,
    NameKey,
    DiameterUm,
    IndexPositions,
}

#[derive(DeriveIden)]
enum AbutmentSku {
    Table,
    Id,
    ArticleNumber,
    Gtin,
    Name,
    AbutmentType,
    Material,
    GingivalHeightUm,
    AngulationMdeg,
    PostHeightUm,
    DiameterUm,
    Engaging,
    Sterile,
    ShelfLifeMonths,
    Status,
}

#[derive(DeriveIden)]
enum SkuPlatform {
    Table,
    Id,
    SkuId,
    PlatformId,
    Source,
    Notes,
    SkuStatus,
    SkuType,
    SkuGingivalHeightUm,
    SkuAngulationMdeg,
    SkuEngaging,
    SkuArticleNumber,
}

/// A text column compared byte-wise on every store: PostgreSQL's default
/// collation may follow a locale (ignoring punctuation), SQLite compares bytes;
/// sorting and paging must agree on both.
fn sort_text(col: impl IntoIden, backend: sea_orm::DbBackend) -> ColumnDef {
    let mut c = string(col);
    if backend == sea_orm::DbBackend::Postgres {
        c.extra("COLLATE \"C\"");
    }
    c
}

fn timestamps(t: &mut TableCreateStatement) -> &mut TableCreateStatement {
    t.col(timestamp_with_time_zone(Alias::new("created_at")))
        .col(timestamp_with_time_zone(Alias::new("updated_at")))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let be = m.get_database_backend();
        m.create_table(
            timestamps(
                Table::create()
                    .table(Manufacturer::Table)
                    .col(big_pk_auto(Manufacturer::Id))
                    .col(string(Manufacturer::Name))
                    .col(sort_text(Manufacturer::NameKey, be).unique_key())
                    .col(string_null(Manufacturer::Country)),
            )
            .to_owned(),
        )
        .await?;

        m.create_table(
            timestamps(
                Table::create()
                    .table(ImplantSystem::Table)
                    .col(big_pk_auto(ImplantSystem::Id))
                    .col(big_integer(ImplantSystem::ManufacturerId))
                    .col(string(ImplantSystem::Name))
                    .col(sort_text(ImplantSystem::NameKey, be))
                    .col(string(ImplantSystem::Connection))
                    .col(text_null(ImplantSystem::Notes))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ImplantSystem::Table, ImplantSystem::ManufacturerId)
                            .to(Manufacturer::Table, Manufacturer::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    ),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_implant_system_manufacturer_name")
                .table(ImplantSystem::Table)
                .col(ImplantSystem::ManufacturerId)
                .col(ImplantSystem::NameKey)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_implant_system_name_key")
                .table(ImplantSystem::Table)
                .col(ImplantSystem::NameKey)
                .to_owned(),
        )
        .await?;

        m.create_table(
            timestamps(
                Table::create()
                    .table(Platform::Table)
                    .col(big_pk_auto(Platform::Id))
                    .col(big_integer(Platform::SystemId))
                    .col(string(Platform::Name))
                    .col(sort_text(Platform::NameKey, be))
                    .col(integer(Platform::DiameterUm))
                    .col(integer_null(Platform::IndexPositions))
                    .check(Expr::col(Platform::DiameterUm).gt(0))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Platform::Table, Platform::SystemId)
                            .to(ImplantSystem::Table, ImplantSystem::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    ),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_platform_system_name")
                .table(Platform::Table)
                .col(Platform::SystemId)
                .col(Platform::NameKey)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            timestamps(
                Table::create()
                    .table(AbutmentSku::Table)
                    .col(big_pk_auto(AbutmentSku::Id))
                    .col(sort_text(AbutmentSku::ArticleNumber, be).unique_key())
                    .col(string_len_uniq(AbutmentSku::Gtin, 14))
                    .col(string(AbutmentSku::Name))
                    .col(sort_text(AbutmentSku::AbutmentType, be))
                    .col(string(AbutmentSku::Material))
                    .col(integer(AbutmentSku::GingivalHeightUm))
                    .col(integer(AbutmentSku::AngulationMdeg))
                    .col(integer_null(AbutmentSku::PostHeightUm))
                    .col(integer_null(AbutmentSku::DiameterUm))
                    .col(boolean(AbutmentSku::Engaging))
                    .col(boolean(AbutmentSku::Sterile))
                    .col(integer_null(AbutmentSku::ShelfLifeMonths))
                    .col(string(AbutmentSku::Status))
                    .check(Expr::col(AbutmentSku::GingivalHeightUm).gte(0))
                    .check(
                        Expr::col(AbutmentSku::AngulationMdeg)
                            .gte(0)
                            .and(Expr::col(AbutmentSku::AngulationMdeg).lte(45_000)),
                    ),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_abutment_sku_sort")
                .table(AbutmentSku::Table)
                .col(AbutmentSku::AbutmentType)
                .col(AbutmentSku::GingivalHeightUm)
                .col(AbutmentSku::AngulationMdeg)
                .col(AbutmentSku::ArticleNumber)
                .to_owned(),
        )
        .await?;

        m.create_table(
            timestamps(
                Table::create()
                    .table(SkuPlatform::Table)
                    .col(big_pk_auto(SkuPlatform::Id))
                    .col(big_integer(SkuPlatform::SkuId))
                    .col(big_integer(SkuPlatform::PlatformId))
                    .col(string(SkuPlatform::Source))
                    .col(text_null(SkuPlatform::Notes))
                    // Copies of the SKU's sort and filter keys, kept in step by
                    // the catalogue service: the lookup "first 50 SKUs fitting a
                    // platform, in catalogue order" then reads one index range
                    // and stops after 50, instead of sorting every fitting SKU.
                    .col(sort_text(SkuPlatform::SkuStatus, be))
                    .col(sort_text(SkuPlatform::SkuType, be))
                    .col(integer(SkuPlatform::SkuGingivalHeightUm))
                    .col(integer(SkuPlatform::SkuAngulationMdeg))
                    .col(boolean(SkuPlatform::SkuEngaging))
                    .col(sort_text(SkuPlatform::SkuArticleNumber, be))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SkuPlatform::Table, SkuPlatform::SkuId)
                            .to(AbutmentSku::Table, AbutmentSku::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SkuPlatform::Table, SkuPlatform::PlatformId)
                            .to(Platform::Table, Platform::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    ),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_sku_platform_platform_sku")
                .table(SkuPlatform::Table)
                .col(SkuPlatform::PlatformId)
                .col(SkuPlatform::SkuId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_sku_platform_lookup")
                .table(SkuPlatform::Table)
                .col(SkuPlatform::PlatformId)
                .col(SkuPlatform::SkuStatus)
                .col(SkuPlatform::SkuType)
                .col(SkuPlatform::SkuGingivalHeightUm)
                .col(SkuPlatform::SkuAngulationMdeg)
                .col((SkuPlatform::SkuEngaging, IndexOrder::Desc))
                .col(SkuPlatform::SkuArticleNumber)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_sku_platform_sku")
                .table(SkuPlatform::Table)
                .col(SkuPlatform::SkuId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            SkuPlatform::Table.into_iden(),
            AbutmentSku::Table.into_iden(),
            Platform::Table.into_iden(),
            ImplantSystem::Table.into_iden(),
            Manufacturer::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
