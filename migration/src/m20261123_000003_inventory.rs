//! Inventory: the location tree, items and their lots, the append-only stock
//! ledger, balances per lot and location (kept in the same transaction as
//! each ledger row, with constraints that stop negatives), and reservations.
//! Quantities are whole numbers in the item's unit: pieces for blanks and
//! finished parts, millimetres of bar for titanium bar.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
#[allow(clippy::enum_variant_names)]
enum Location {
    Table,
    Id,
    Code,
    Name,
    Level,
    LocationType,
    ParentId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Item {
    Table,
    Id,
    Kind,
    Code,
    Name,
    Unit,
    SkuId,
    PlatformId,
    ReorderPoint,
    CreatedAt,
}

#[derive(DeriveIden)]
#[allow(clippy::enum_variant_names)]
enum Lot {
    Table,
    Id,
    ItemId,
    LotNumber,
    State,
    StateReason,
    ProductionDate,
    ExpiryDate,
    HeatNumber,
    Mill,
    Standard,
    Grade,
    BarDiameterUm,
    BarLengthMm,
    CertificateType,
    CertificateRef,
    Chemistry,
    Mechanical,
    SupplierGtin,
    SupplierLot,
    Udi,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StockBalance {
    Table,
    LotId,
    LocationId,
    OnHand,
    Reserved,
}

#[derive(DeriveIden)]
enum StockMovement {
    Table,
    Id,
    At,
    LotId,
    FromLocationId,
    ToLocationId,
    Quantity,
    Reason,
    Reference,
    ActorUserId,
    ActorName,
    IdempotencyKey,
    Note,
}

#[derive(DeriveIden)]
enum Reservation {
    Table,
    Id,
    LotId,
    LocationId,
    Quantity,
    Reference,
    Status,
    CreatedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum AbutmentSku {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Platform {
    Table,
    Id,
}

fn fk(
    from_t: impl IntoIden,
    from_c: impl IntoIden,
    to_t: impl IntoIden,
    to_c: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_t, from_c)
        .to(to_t, to_c)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Location::Table)
                .col(big_pk_auto(Location::Id))
                .col(string_uniq(Location::Code))
                .col(string(Location::Name))
                .col(string(Location::Level))
                .col(string(Location::LocationType))
                .col(big_integer_null(Location::ParentId))
                .col(timestamp_with_time_zone(Location::CreatedAt))
                .foreign_key(&mut fk(
                    Location::Table,
                    Location::ParentId,
                    Location::Table,
                    Location::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Item::Table)
                .col(big_pk_auto(Item::Id))
                .col(string(Item::Kind))
                .col(string_uniq(Item::Code))
                .col(string(Item::Name))
                .col(string(Item::Unit))
                .col(big_integer_null(Item::SkuId))
                .col(big_integer_null(Item::PlatformId))
                .col(big_integer_null(Item::ReorderPoint))
                .col(timestamp_with_time_zone(Item::CreatedAt))
                .foreign_key(&mut fk(
                    Item::Table,
                    Item::SkuId,
                    AbutmentSku::Table,
                    AbutmentSku::Id,
                ))
                .foreign_key(&mut fk(
                    Item::Table,
                    Item::PlatformId,
                    Platform::Table,
                    Platform::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_item_sku")
                .table(Item::Table)
                .col(Item::SkuId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Lot::Table)
                .col(big_pk_auto(Lot::Id))
                .col(big_integer(Lot::ItemId))
                .col(string(Lot::LotNumber))
                .col(string(Lot::State))
                .col(text_null(Lot::StateReason))
                .col(date_null(Lot::ProductionDate))
                .col(date_null(Lot::ExpiryDate))
                .col(string_null(Lot::HeatNumber))
                .col(string_null(Lot::Mill))
                .col(string_null(Lot::Standard))
                .col(string_null(Lot::Grade))
                .col(integer_null(Lot::BarDiameterUm))
                .col(integer_null(Lot::BarLengthMm))
                .col(string_null(Lot::CertificateType))
                .col(string_null(Lot::CertificateRef))
                .col(text_null(Lot::Chemistry))
                .col(text_null(Lot::Mechanical))
                .col(string_null(Lot::SupplierGtin))
                .col(string_null(Lot::SupplierLot))
                .col(string_null(Lot::Udi))
                .col(timestamp_with_time_zone(Lot::CreatedAt))
                .col(timestamp_with_time_zone(Lot::UpdatedAt))
                .foreign_key(&mut fk(Lot::Table, Lot::ItemId, Item::Table, Item::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_lot_item_number")
                .table(Lot::Table)
                .col(Lot::ItemId)
                .col(Lot::LotNumber)
                .unique()
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("ix_lot_number", Lot::LotNumber),
            ("ix_lot_expiry", Lot::ExpiryDate),
            ("ix_lot_heat", Lot::HeatNumber),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(Lot::Table)
                    .col(col)
                    .to_owned(),
            )
            .await?;
        }
        m.create_table(
            Table::create()
                .table(StockBalance::Table)
                .col(big_integer(StockBalance::LotId))
                .col(big_integer(StockBalance::LocationId))
                .col(big_integer(StockBalance::OnHand))
                .col(big_integer(StockBalance::Reserved))
                .primary_key(
                    Index::create()
                        .col(StockBalance::LotId)
                        .col(StockBalance::LocationId),
                )
                .check(Expr::col(StockBalance::OnHand).gte(0))
                .check(Expr::col(StockBalance::Reserved).gte(0))
                .check(Expr::col(StockBalance::Reserved).lte(Expr::col(StockBalance::OnHand)))
                .foreign_key(&mut fk(
                    StockBalance::Table,
                    StockBalance::LotId,
                    Lot::Table,
                    Lot::Id,
                ))
                .foreign_key(&mut fk(
                    StockBalance::Table,
                    StockBalance::LocationId,
                    Location::Table,
                    Location::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_stock_balance_location")
                .table(StockBalance::Table)
                .col(StockBalance::LocationId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(StockMovement::Table)
                .col(big_pk_auto(StockMovement::Id))
                .col(timestamp_with_time_zone(StockMovement::At))
                .col(big_integer(StockMovement::LotId))
                .col(big_integer_null(StockMovement::FromLocationId))
                .col(big_integer_null(StockMovement::ToLocationId))
                .col(big_integer(StockMovement::Quantity))
                .col(string(StockMovement::Reason))
                .col(string(StockMovement::Reference))
                .col(big_integer_null(StockMovement::ActorUserId))
                .col(string(StockMovement::ActorName))
                .col(string_null(StockMovement::IdempotencyKey))
                .col(text_null(StockMovement::Note))
                .check(Expr::col(StockMovement::Quantity).gte(0))
                .foreign_key(&mut fk(
                    StockMovement::Table,
                    StockMovement::LotId,
                    Lot::Table,
                    Lot::Id,
                ))
                .foreign_key(&mut fk(
                    StockMovement::Table,
                    StockMovement::FromLocationId,
                    Location::Table,
                    Location::Id,
                ))
                .foreign_key(&mut fk(
                    StockMovement::Table,
                    StockMovement::ToLocationId,
                    Location::Table,
                    Location::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_stock_movement_lot")
                .table(StockMovement::Table)
                .col(StockMovement::LotId)
                .col(StockMovement::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_stock_movement_reference")
                .table(StockMovement::Table)
                .col(StockMovement::Reference)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Reservation::Table)
                .col(big_pk_auto(Reservation::Id))
                .col(big_integer(Reservation::LotId))
                .col(big_integer(Reservation::LocationId))
                .col(big_integer(Reservation::Quantity))
                .col(string(Reservation::Reference))
                .col(string(Reservation::Status))
                .col(timestamp_with_time_zone(Reservation::CreatedAt))
                .col(timestamp_with_time_zone_null(Reservation::ClosedAt))
                .check(Expr::col(Reservation::Quantity).gt(0))
                .foreign_key(&mut fk(
                    Reservation::Table,
                    Reservation::LotId,
                    Lot::Table,
                    Lot::Id,
                ))
                .foreign_key(&mut fk(
                    Reservation::Table,
                    Reservation::LocationId,
                    Location::Table,
                    Location::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_reservation_lot_status")
                .table(Reservation::Table)
                .col(Reservation::LotId)
                .col(Reservation::Status)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_reservation_reference")
                .table(Reservation::Table)
                .col(Reservation::Reference)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Reservation::Table.into_iden(),
            StockMovement::Table.into_iden(),
            StockBalance::Table.into_iden(),
            Lot::Table.into_iden(),
            Item::Table.into_iden(),
            Location::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
