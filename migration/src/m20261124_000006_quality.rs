//! Quality: recalls run to closure. A recall has a scope (lots, a heat, a
//! blank lot, a machine and time window, or a tool); on activation the lots
//! it reaches through the genealogy are frozen in `recall_lot`, the
//! consignees that received them in `recall_consignee`; notifications,
//! returns and confirmed uses are recorded per consignee, and every step is
//! an event. Also indexes that keep forward traces from lots to cases fast.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Recall {
    Table,
    Id,
    Number,
    Class,
    Reason,
    ScopeKind,
    ScopeLotIds,
    HeatNumber,
    BlankLotId,
    MachineId,
    WindowFrom,
    WindowTo,
    ToolId,
    Status,
    CreatedBy,
    CreatedAt,
    ActivatedBy,
    ActivatedAt,
    ClosedBy,
    ClosedAt,
    ClosureNote,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RecallLot {
    Table,
    RecallId,
    LotId,
    Depth,
    PreviousState,
    OnHand,
    Reserved,
}

#[derive(DeriveIden)]
enum RecallConsignee {
    Table,
    Id,
    RecallId,
    ClinicId,
    Consignee,
    Shipped,
    NotifiedAt,
    NotifiedVia,
    NotifiedBy,
    NotificationNote,
}

#[derive(DeriveIden)]
enum RecallAction {
    Table,
    Id,
    RecallId,
    ConsigneeId,
    Kind,
    LotId,
    Quantity,
    MovementId,
    Note,
    Actor,
    At,
}

#[derive(DeriveIden)]
enum RecallEvent {
    Table,
    Id,
    RecallId,
    At,
    Actor,
    Action,
    Detail,
}

#[derive(DeriveIden)]
enum Lot {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Clinic {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StockMovement {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ClinicalCase {
    Table,
    ShippedLotId,
    ReservationId,
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

fn index(name: &str, table: impl IntoIden, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(c);
    }
    i.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Recall::Table)
                .col(big_pk_auto(Recall::Id))
                .col(string_uniq(Recall::Number))
                .col(string(Recall::Class))
                .col(text(Recall::Reason))
                .col(string(Recall::ScopeKind))
                .col(text_null(Recall::ScopeLotIds))
                .col(string_null(Recall::HeatNumber))
                .col(big_integer_null(Recall::BlankLotId))
                .col(big_integer_null(Recall::MachineId))
                .col(timestamp_with_time_zone_null(Recall::WindowFrom))
                .col(timestamp_with_time_zone_null(Recall::WindowTo))
                .col(big_integer_null(Recall::ToolId))
                .col(string(Recall::Status))
                .col(string(Recall::CreatedBy))
                .col(timestamp_with_time_zone(Recall::CreatedAt))
                .col(string_null(Recall::ActivatedBy))
                .col(timestamp_with_time_zone_null(Recall::ActivatedAt))
                .col(string_null(Recall::ClosedBy))
                .col(timestamp_with_time_zone_null(Recall::ClosedAt))
                .col(text_null(Recall::ClosureNote))
                .col(timestamp_with_time_zone(Recall::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RecallLot::Table)
                .col(big_integer(RecallLot::RecallId))
                .col(big_integer(RecallLot::LotId))
                .col(integer(RecallLot::Depth))
                .col(string(RecallLot::PreviousState))
                .col(big_integer(RecallLot::OnHand))
                .col(big_integer(RecallLot::Reserved))
                .primary_key(
                    Index::create()
                        .col(RecallLot::RecallId)
                        .col(RecallLot::LotId),
                )
                .foreign_key(&mut fk(
                    RecallLot::Table,
                    RecallLot::RecallId,
                    Recall::Table,
                    Recall::Id,
                ))
                .foreign_key(&mut fk(
                    RecallLot::Table,
                    RecallLot::LotId,
                    Lot::Table,
                    Lot::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_recall_lot_lot",
            RecallLot::Table,
            vec![RecallLot::LotId.into_iden()],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(RecallConsignee::Table)
                .col(big_pk_auto(RecallConsignee::Id))
                .col(big_integer(RecallConsignee::RecallId))
                .col(big_integer_null(RecallConsignee::ClinicId))
                .col(string(RecallConsignee::Consignee))
                .col(big_integer(RecallConsignee::Shipped))
                .col(timestamp_with_time_zone_null(RecallConsignee::NotifiedAt))
                .col(string_null(RecallConsignee::NotifiedVia))
                .col(string_null(RecallConsignee::NotifiedBy))
                .col(text_null(RecallConsignee::NotificationNote))
                .check(Expr::col(RecallConsignee::Shipped).gte(0))
                .foreign_key(&mut fk(
                    RecallConsignee::Table,
                    RecallConsignee::RecallId,
                    Recall::Table,
                    Recall::Id,
                ))
                .foreign_key(&mut fk(
                    RecallConsignee::Table,
                    RecallConsignee::ClinicId,
                    Clinic::Table,
                    Clinic::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                "ux_recall_consignee",
                RecallConsignee::Table,
                vec![
                    RecallConsignee::RecallId.into_iden(),
                    RecallConsignee::Consignee.into_iden(),
                ],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RecallAction::Table)
                .col(big_pk_auto(RecallAction::Id))
                .col(big_integer(RecallAction::RecallId))
                .col(big_integer(RecallAction::ConsigneeId))
                .col(string(RecallAction::Kind))
                .col(big_integer(RecallAction::LotId))
                .col(big_integer(RecallAction::Quantity))
                .col(big_integer_null(RecallAction::MovementId))
                .col(text_null(RecallAction::Note))
                .col(string(RecallAction::Actor))
                .col(timestamp_with_time_zone(RecallAction::At))
                .check(Expr::col(RecallAction::Quantity).gt(0))
                .foreign_key(&mut fk(
                    RecallAction::Table,
                    RecallAction::RecallId,
                    Recall::Table,
                    Recall::Id,
                ))
                .foreign_key(&mut fk(
                    RecallAction::Table,
                    RecallAction::ConsigneeId,
                    RecallConsignee::Table,
                    RecallConsignee::Id,
                ))
                .foreign_key(&mut fk(
                    RecallAction::Table,
                    RecallAction::LotId,
                    Lot::Table,
                    Lot::Id,
                ))
                .foreign_key(&mut fk(
                    RecallAction::Table,
                    RecallAction::MovementId,
                    StockMovement::Table,
                    StockMovement::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_recall_action_recall",
            RecallAction::Table,
            vec![
                RecallAction::RecallId.into_iden(),
                RecallAction::ConsigneeId.into_iden(),
            ],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(RecallEvent::Table)
                .col(big_pk_auto(RecallEvent::Id))
                .col(big_integer(RecallEvent::RecallId))
                .col(timestamp_with_time_zone(RecallEvent::At))
                .col(string(RecallEvent::Actor))
                .col(string(RecallEvent::Action))
                .col(text(RecallEvent::Detail))
                .foreign_key(&mut fk(
                    RecallEvent::Table,
                    RecallEvent::RecallId,
                    Recall::Table,
                    Recall::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_recall_event_recall",
            RecallEvent::Table,
            vec![
                RecallEvent::RecallId.into_iden(),
                RecallEvent::Id.into_iden(),
            ],
        ))
        .await?;
        // A forward trace ends at the cases that received or hold a lot.
        m.create_index(index(
            "ix_case_shipped_lot",
            ClinicalCase::Table,
            vec![ClinicalCase::ShippedLotId.into_iden()],
        ))
        .await?;
        m.create_index(index(
            "ix_case_reservation",
            ClinicalCase::Table,
            vec![ClinicalCase::ReservationId.into_iden()],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, t) in [
            ("ix_case_shipped_lot", ClinicalCase::Table.into_iden()),
            ("ix_case_reservation", ClinicalCase::Table.into_iden()),
        ] {
            m.drop_index(Index::drop().name(name).table(t).to_owned())
                .await?;
        }
        for t in [
            RecallEvent::Table.into_iden(),
            RecallAction::Table.into_iden(),
            RecallConsignee::Table.into_iden(),
            RecallLot::Table.into_iden(),
            Recall::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
