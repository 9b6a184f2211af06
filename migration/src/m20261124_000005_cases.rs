//! Clinical cases: clinics (our customers), the cases they order (one
//! abutment for one implant of one patient, named only by a pseudonym), how
//! each was matched (a reserved unit of finished stock or a custom job), its
//! shipment, and the matching policy (tolerances) as settings.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Clinic {
    Table,
    Id,
    Code,
    Name,
    Address,
    City,
    Country,
    ContactName,
    Email,
    Phone,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ClinicalCase {
    Table,
    Id,
    Number,
    ClinicId,
    OrderReference,
    PatientPseudonym,
    Tooth,
    PlatformId,
    Restoration,
    AbutmentType,
    GingivalHeightUm,
    AngulationMdeg,
    Engaging,
    Material,
    DueAt,
    Status,
    Decision,
    ReservationId,
    JobId,
    ShippedLotId,
    ShippedAt,
    StatusReason,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Setting {
    Table,
    Key,
    Value,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Platform {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Reservation {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ProductionJob {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Lot {
    Table,
    Id,
}

fn fk(
    from_c: impl IntoIden,
    to_t: impl IntoIden,
    to_c: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(ClinicalCase::Table, from_c)
        .to(to_t, to_c)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Clinic::Table)
                .col(big_pk_auto(Clinic::Id))
                .col(string_uniq(Clinic::Code))
                .col(string(Clinic::Name))
                .col(string(Clinic::Address))
                .col(string(Clinic::City))
                .col(string(Clinic::Country))
                .col(string(Clinic::ContactName))
                .col(string(Clinic::Email))
                .col(string_null(Clinic::Phone))
                .col(timestamp_with_time_zone(Clinic::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ClinicalCase::Table)
                .col(big_pk_auto(ClinicalCase::Id))
                .col(string_uniq(ClinicalCase::Number))
                .col(big_integer(ClinicalCase::ClinicId))
                .col(string(ClinicalCase::OrderReference))
                .col(string(ClinicalCase::PatientPseudonym))
                .col(integer(ClinicalCase::Tooth))
                .col(big_integer(ClinicalCase::PlatformId))
                .col(string(ClinicalCase::Restoration))
                .col(string(ClinicalCase::AbutmentType))
                .col(integer(ClinicalCase::GingivalHeightUm))
                .col(integer(ClinicalCase::AngulationMdeg))
                .col(boolean(ClinicalCase::Engaging))
                .col(string_null(ClinicalCase::Material))
                .col(timestamp_with_time_zone(ClinicalCase::DueAt))
                .col(string(ClinicalCase::Status))
                .col(string_null(ClinicalCase::Decision))
                .col(big_integer_null(ClinicalCase::ReservationId))
                .col(big_integer_null(ClinicalCase::JobId))
                .col(big_integer_null(ClinicalCase::ShippedLotId))
                .col(timestamp_with_time_zone_null(ClinicalCase::ShippedAt))
                .col(text_null(ClinicalCase::StatusReason))
                .col(string(ClinicalCase::CreatedBy))
                .col(timestamp_with_time_zone(ClinicalCase::CreatedAt))
                .col(timestamp_with_time_zone(ClinicalCase::UpdatedAt))
                .check(Expr::col(ClinicalCase::Tooth).between(11, 48))
                .check(Expr::col(ClinicalCase::GingivalHeightUm).gte(0))
                .check(Expr::col(ClinicalCase::AngulationMdeg).between(0, 45_000))
                .foreign_key(
                    ForeignKey::create()
                        .from(ClinicalCase::Table, ClinicalCase::ClinicId)
                        .to(Clinic::Table, Clinic::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .foreign_key(&mut fk(
                    ClinicalCase::PlatformId,
                    Platform::Table,
                    Platform::Id,
                ))
                .foreign_key(&mut fk(
                    ClinicalCase::ReservationId,
                    Reservation::Table,
                    Reservation::Id,
                ))
                .foreign_key(&mut fk(
                    ClinicalCase::JobId,
                    ProductionJob::Table,
                    ProductionJob::Id,
                ))
                .foreign_key(&mut fk(ClinicalCase::ShippedLotId, Lot::Table, Lot::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_case_clinic_order")
                .table(ClinicalCase::Table)
                .col(ClinicalCase::ClinicId)
                .col(ClinicalCase::OrderReference)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_case_status_due")
                .table(ClinicalCase::Table)
                .col(ClinicalCase::Status)
                .col(ClinicalCase::DueAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Setting::Table)
                .col(string(Setting::Key).primary_key())
                .col(string(Setting::Value))
                .col(string(Setting::UpdatedBy))
                .col(timestamp_with_time_zone(Setting::UpdatedAt))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Setting::Table.into_iden(),
            ClinicalCase::Table.into_iden(),
            Clinic::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
