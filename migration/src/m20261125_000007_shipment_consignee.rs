//! Every shipment names who received it: `shipment` holds, per SHIPMENT
//! ledger row, the consignee — a clinic, or a named consignee outside the
//! clinic register with its address (and how to reach it). Recall
//! consignees keep that address and contact as of activation, so a recall
//! can notify whoever received the units.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Shipment {
    Table,
    Id,
    MovementId,
    ReservationId,
    ClinicId,
    ConsigneeName,
    ConsigneeAddress,
    ConsigneeContact,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StockMovement {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Reservation {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Clinic {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RecallConsignee {
    Table,
    ConsigneeAddress,
    ConsigneeContact,
}

fn fk(
    from_c: impl IntoIden,
    to_t: impl IntoIden,
    to_c: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(Shipment::Table, from_c)
        .to(to_t, to_c)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Shipment::Table)
                .col(big_pk_auto(Shipment::Id))
                .col(big_integer_uniq(Shipment::MovementId))
                .col(big_integer_null(Shipment::ReservationId))
                .col(big_integer_null(Shipment::ClinicId))
                .col(string_null(Shipment::ConsigneeName))
                .col(text_null(Shipment::ConsigneeAddress))
                .col(string_null(Shipment::ConsigneeContact))
                .col(timestamp_with_time_zone(Shipment::CreatedAt))
                // A clinic, or a name with an address: never nobody.
                .check(
                    Expr::col(Shipment::ClinicId).is_not_null().or(Expr::col(
                        Shipment::ConsigneeName,
                    )
                    .is_not_null()
                    .and(Expr::col(Shipment::ConsigneeAddress).is_not_null())),
                )
                .foreign_key(&mut fk(
                    Shipment::MovementId,
                    StockMovement::Table,
                    StockMovement::Id,
                ))
                .foreign_key(&mut fk(
                    Shipment::ReservationId,
                    Reservation::Table,
                    Reservation::Id,
                ))
                .foreign_key(&mut fk(Shipment::ClinicId, Clinic::Table, Clinic::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_shipment_clinic")
                .table(Shipment::Table)
                .col(Shipment::ClinicId)
                .to_owned(),
        )
        .await?;
        // One column per statement: SQLite alters one at a time.
        m.alter_table(
            Table::alter()
                .table(RecallConsignee::Table)
                .add_column(text_null(RecallConsignee::ConsigneeAddress))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(RecallConsignee::Table)
                .add_column(string_null(RecallConsignee::ConsigneeContact))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for c in [
            RecallConsignee::ConsigneeContact,
            RecallConsignee::ConsigneeAddress,
        ] {
            m.alter_table(
                Table::alter()
                    .table(RecallConsignee::Table)
                    .drop_column(c)
                    .to_owned(),
            )
            .await?;
        }
        m.drop_index(
            Index::drop()
                .name("ix_shipment_clinic")
                .table(Shipment::Table)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(Shipment::Table).to_owned())
            .await
    }
}
