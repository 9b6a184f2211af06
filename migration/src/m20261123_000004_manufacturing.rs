//! Manufacturing: machines with their capabilities (materials, bar diameter
//! range, implant systems their blank holders take), weekly shift calendars in
//! a named time zone, downtime windows, tools with use counters, production
//! jobs with their routing, plan and device-history data, the material each
//! job consumed, the tools it used, the lot genealogy (which lots went into
//! which), and a log of scheduler runs.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Machine {
    Table,
    Id,
    Code,
    Name,
    Kind,
    Status,
    TimeZone,
    BarMinDiameterUm,
    BarMaxDiameterUm,
    Notes,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MachineMaterial {
    Table,
    MachineId,
    Material,
}

#[derive(DeriveIden)]
enum MachineSystem {
    Table,
    MachineId,
    SystemId,
}

#[derive(DeriveIden)]
enum MachineShift {
    Table,
    Id,
    MachineId,
    Weekday,
    StartMinute,
    EndMinute,
}

#[derive(DeriveIden)]
enum MachineDowntime {
    Table,
    Id,
    MachineId,
    Kind,
    StartsAt,
    EndsAt,
    Reason,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tool {
    Table,
    Id,
    Code,
    Name,
    MachineId,
    LifeLimit,
    Uses,
    Status,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProductionJob {
    Table,
    Id,
    Number,
    Kind,
    Status,
    SkuId,
    PlatformId,
    AbutmentType,
    Material,
    Engaging,
    Quantity,
    QuantityMade,
    QuantityAccepted,
    SetupMinutes,
    CycleMinutes,
    BarMmPerPart,
    GingivalHeightUm,
    AngulationMdeg,
    PostHeightUm,
    MarginHeightUm,
    ScrewChannelMdeg,
    CaseReference,
    DueAt,
    Priority,
    MachineId,
    PlannedStart,
    PlannedEnd,
    StartedAt,
    FinishedAt,
    Operator,
    CamProgram,
    FinishedLotId,
    InspectionResult,
    InspectionNote,
    InspectedBy,
    InspectedAt,
    StatusReason,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum JobMaterial {
    Table,
    Id,
    JobId,
    LotId,
    LocationId,
    Quantity,
    IssuedAt,
}

#[derive(DeriveIden)]
enum JobTool {
    Table,
    JobId,
    ToolId,
    Uses,
}

#[derive(DeriveIden)]
enum LotGenealogy {
    Table,
    Id,
    ParentLotId,
    ChildLotId,
    Quantity,
    JobId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ScheduleRun {
    Table,
    Id,
    At,
    Algorithm,
    Trigger,
    Actor,
    Jobs,
    Scheduled,
    Unscheduled,
    TotalWeightedTardiness,
    MakespanMinutes,
    WallMs,
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

#[derive(DeriveIden)]
enum ImplantSystem {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Lot {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Location {
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
                .table(Machine::Table)
                .col(big_pk_auto(Machine::Id))
                .col(string_uniq(Machine::Code))
                .col(string(Machine::Name))
                .col(string(Machine::Kind))
                .col(string(Machine::Status))
                .col(string(Machine::TimeZone))
                .col(integer_null(Machine::BarMinDiameterUm))
                .col(integer_null(Machine::BarMaxDiameterUm))
                .col(text_null(Machine::Notes))
                .col(timestamp_with_time_zone(Machine::CreatedAt))
                .col(timestamp_with_time_zone(Machine::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(MachineMaterial::Table)
                .col(big_integer(MachineMaterial::MachineId))
                .col(string(MachineMaterial::Material))
                .primary_key(
                    Index::create()
                        .col(MachineMaterial::MachineId)
                        .col(MachineMaterial::Material),
                )
                .foreign_key(&mut fk(
                    MachineMaterial::Table,
                    MachineMaterial::MachineId,
                    Machine::Table,
                    Machine::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(MachineSystem::Table)
                .col(big_integer(MachineSystem::MachineId))
                .col(big_integer(MachineSystem::SystemId))
                .primary_key(
                    Index::create()
                        .col(MachineSystem::MachineId)
                        .col(MachineSystem::SystemId),
                )
                .foreign_key(&mut fk(
                    MachineSystem::Table,
                    MachineSystem::MachineId,
                    Machine::Table,
                    Machine::Id,
                ))
                .foreign_key(&mut fk(
                    MachineSystem::Table,
                    MachineSystem::SystemId,
                    ImplantSystem::Table,
                    ImplantSystem::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(MachineShift::Table)
                .col(big_pk_auto(MachineShift::Id))
                .col(big_integer(MachineShift::MachineId))
                .col(small_integer(MachineShift::Weekday))
                .col(integer(MachineShift::StartMinute))
                .col(integer(MachineShift::EndMinute))
                .check(Expr::col(MachineShift::Weekday).between(1, 7))
                .check(Expr::col(MachineShift::StartMinute).gte(0))
                .check(Expr::col(MachineShift::EndMinute).lte(1440))
                .check(Expr::col(MachineShift::StartMinute).lt(Expr::col(MachineShift::EndMinute)))
                .foreign_key(&mut fk(
                    MachineShift::Table,
                    MachineShift::MachineId,
                    Machine::Table,
                    Machine::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_machine_shift_machine",
            MachineShift::Table,
            vec![MachineShift::MachineId.into_iden()],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(MachineDowntime::Table)
                .col(big_pk_auto(MachineDowntime::Id))
                .col(big_integer(MachineDowntime::MachineId))
                .col(string(MachineDowntime::Kind))
                .col(timestamp_with_time_zone(MachineDowntime::StartsAt))
                .col(timestamp_with_time_zone(MachineDowntime::EndsAt))
                .col(text(MachineDowntime::Reason))
                .col(timestamp_with_time_zone(MachineDowntime::CreatedAt))
                .check(Expr::col(MachineDowntime::StartsAt).lt(Expr::col(MachineDowntime::EndsAt)))
                .foreign_key(&mut fk(
                    MachineDowntime::Table,
                    MachineDowntime::MachineId,
                    Machine::Table,
                    Machine::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_machine_downtime_machine",
            MachineDowntime::Table,
            vec![
                MachineDowntime::MachineId.into_iden(),
                MachineDowntime::StartsAt.into_iden(),
            ],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(Tool::Table)
                .col(big_pk_auto(Tool::Id))
                .col(string_uniq(Tool::Code))
                .col(string(Tool::Name))
                .col(big_integer_null(Tool::MachineId))
                .col(integer(Tool::LifeLimit))
                .col(integer(Tool::Uses))
                .col(string(Tool::Status))
                .col(timestamp_with_time_zone(Tool::CreatedAt))
                .check(Expr::col(Tool::LifeLimit).gt(0))
                .check(Expr::col(Tool::Uses).gte(0))
                .foreign_key(&mut fk(
                    Tool::Table,
                    Tool::MachineId,
                    Machine::Table,
                    Machine::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProductionJob::Table)
                .col(big_pk_auto(ProductionJob::Id))
                .col(string_uniq(ProductionJob::Number))
                .col(string(ProductionJob::Kind))
                .col(string(ProductionJob::Status))
                .col(big_integer_null(ProductionJob::SkuId))
                .col(big_integer_null(ProductionJob::PlatformId))
                .col(string(ProductionJob::AbutmentType))
                .col(string(ProductionJob::Material))
                .col(boolean(ProductionJob::Engaging))
                .col(integer(ProductionJob::Quantity))
                .col(integer_null(ProductionJob::QuantityMade))
                .col(integer_null(ProductionJob::QuantityAccepted))
                .col(integer(ProductionJob::SetupMinutes))
                .col(integer(ProductionJob::CycleMinutes))
                .col(integer_null(ProductionJob::BarMmPerPart))
                .col(integer_null(ProductionJob::GingivalHeightUm))
                .col(integer_null(ProductionJob::AngulationMdeg))
                .col(integer_null(ProductionJob::PostHeightUm))
                .col(integer_null(ProductionJob::MarginHeightUm))
                .col(integer_null(ProductionJob::ScrewChannelMdeg))
                .col(string_null(ProductionJob::CaseReference))
                .col(timestamp_with_time_zone(ProductionJob::DueAt))
                .col(integer(ProductionJob::Priority))
                .col(big_integer_null(ProductionJob::MachineId))
                .col(timestamp_with_time_zone_null(ProductionJob::PlannedStart))
                .col(timestamp_with_time_zone_null(ProductionJob::PlannedEnd))
                .col(timestamp_with_time_zone_null(ProductionJob::StartedAt))
                .col(timestamp_with_time_zone_null(ProductionJob::FinishedAt))
                .col(string_null(ProductionJob::Operator))
                .col(string_null(ProductionJob::CamProgram))
                .col(big_integer_null(ProductionJob::FinishedLotId))
                .col(string_null(ProductionJob::InspectionResult))
                .col(text_null(ProductionJob::InspectionNote))
                .col(string_null(ProductionJob::InspectedBy))
                .col(timestamp_with_time_zone_null(ProductionJob::InspectedAt))
                .col(text_null(ProductionJob::StatusReason))
                .col(string(ProductionJob::CreatedBy))
                .col(timestamp_with_time_zone(ProductionJob::CreatedAt))
                .col(timestamp_with_time_zone(ProductionJob::UpdatedAt))
                .check(Expr::col(ProductionJob::Quantity).gt(0))
                .check(Expr::col(ProductionJob::SetupMinutes).gte(0))
                .check(Expr::col(ProductionJob::CycleMinutes).gt(0))
                .check(Expr::col(ProductionJob::Priority).between(1, 10))
                .foreign_key(&mut fk(
                    ProductionJob::Table,
                    ProductionJob::SkuId,
                    AbutmentSku::Table,
                    AbutmentSku::Id,
                ))
                .foreign_key(&mut fk(
                    ProductionJob::Table,
                    ProductionJob::PlatformId,
                    Platform::Table,
                    Platform::Id,
                ))
                .foreign_key(&mut fk(
                    ProductionJob::Table,
                    ProductionJob::MachineId,
                    Machine::Table,
                    Machine::Id,
                ))
                .foreign_key(&mut fk(
                    ProductionJob::Table,
                    ProductionJob::FinishedLotId,
                    Lot::Table,
                    Lot::Id,
                ))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            (
                "ix_production_job_status",
                vec![
                    ProductionJob::Status.into_iden(),
                    ProductionJob::DueAt.into_iden(),
                ],
            ),
            (
                "ix_production_job_machine",
                vec![
                    ProductionJob::MachineId.into_iden(),
                    ProductionJob::PlannedStart.into_iden(),
                ],
            ),
            (
                "ix_production_job_lot",
                vec![ProductionJob::FinishedLotId.into_iden()],
            ),
            (
                "ix_production_job_case",
                vec![ProductionJob::CaseReference.into_iden()],
            ),
        ] {
            m.create_index(index(name, ProductionJob::Table, cols))
                .await?;
        }
        m.create_table(
            Table::create()
                .table(JobMaterial::Table)
                .col(big_pk_auto(JobMaterial::Id))
                .col(big_integer(JobMaterial::JobId))
                .col(big_integer(JobMaterial::LotId))
                .col(big_integer(JobMaterial::LocationId))
                .col(big_integer(JobMaterial::Quantity))
                .col(timestamp_with_time_zone(JobMaterial::IssuedAt))
                .check(Expr::col(JobMaterial::Quantity).gt(0))
                .foreign_key(&mut fk(
                    JobMaterial::Table,
                    JobMaterial::JobId,
                    ProductionJob::Table,
                    ProductionJob::Id,
                ))
                .foreign_key(&mut fk(
                    JobMaterial::Table,
                    JobMaterial::LotId,
                    Lot::Table,
                    Lot::Id,
                ))
                .foreign_key(&mut fk(
                    JobMaterial::Table,
                    JobMaterial::LocationId,
                    Location::Table,
                    Location::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_job_material_job",
            JobMaterial::Table,
            vec![JobMaterial::JobId.into_iden()],
        ))
        .await?;
        m.create_index(index(
            "ix_job_material_lot",
            JobMaterial::Table,
            vec![JobMaterial::LotId.into_iden()],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(JobTool::Table)
                .col(big_integer(JobTool::JobId))
                .col(big_integer(JobTool::ToolId))
                .col(integer(JobTool::Uses))
                .primary_key(Index::create().col(JobTool::JobId).col(JobTool::ToolId))
                .check(Expr::col(JobTool::Uses).gt(0))
                .foreign_key(&mut fk(
                    JobTool::Table,
                    JobTool::JobId,
                    ProductionJob::Table,
                    ProductionJob::Id,
                ))
                .foreign_key(&mut fk(
                    JobTool::Table,
                    JobTool::ToolId,
                    Tool::Table,
                    Tool::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_job_tool_tool",
            JobTool::Table,
            vec![JobTool::ToolId.into_iden()],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(LotGenealogy::Table)
                .col(big_pk_auto(LotGenealogy::Id))
                .col(big_integer(LotGenealogy::ParentLotId))
                .col(big_integer(LotGenealogy::ChildLotId))
                .col(big_integer(LotGenealogy::Quantity))
                .col(big_integer_null(LotGenealogy::JobId))
                .col(timestamp_with_time_zone(LotGenealogy::CreatedAt))
                .check(Expr::col(LotGenealogy::Quantity).gt(0))
                .foreign_key(&mut fk(
                    LotGenealogy::Table,
                    LotGenealogy::ParentLotId,
                    Lot::Table,
                    Lot::Id,
                ))
                .foreign_key(&mut fk(
                    LotGenealogy::Table,
                    LotGenealogy::ChildLotId,
                    Lot::Table,
                    Lot::Id,
                ))
                .foreign_key(&mut fk(
                    LotGenealogy::Table,
                    LotGenealogy::JobId,
                    ProductionJob::Table,
                    ProductionJob::Id,
                ))
                .to_owned(),
        )
        .await?;
        // Both directions of the graph are index-only walks for recursive queries.
        m.create_index(index(
            "ix_lot_genealogy_parent",
            LotGenealogy::Table,
            vec![
                LotGenealogy::ParentLotId.into_iden(),
                LotGenealogy::ChildLotId.into_iden(),
            ],
        ))
        .await?;
        m.create_index(index(
            "ix_lot_genealogy_child",
            LotGenealogy::Table,
            vec![
                LotGenealogy::ChildLotId.into_iden(),
                LotGenealogy::ParentLotId.into_iden(),
            ],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(ScheduleRun::Table)
                .col(big_pk_auto(ScheduleRun::Id))
                .col(timestamp_with_time_zone(ScheduleRun::At))
                .col(string(ScheduleRun::Algorithm))
                .col(string(ScheduleRun::Trigger))
                .col(string(ScheduleRun::Actor))
                .col(integer(ScheduleRun::Jobs))
                .col(integer(ScheduleRun::Scheduled))
                .col(integer(ScheduleRun::Unscheduled))
                .col(big_integer(ScheduleRun::TotalWeightedTardiness))
                .col(big_integer(ScheduleRun::MakespanMinutes))
                .col(big_integer(ScheduleRun::WallMs))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            ScheduleRun::Table.into_iden(),
            LotGenealogy::Table.into_iden(),
            JobTool::Table.into_iden(),
            JobMaterial::Table.into_iden(),
            ProductionJob::Table.into_iden(),
            Tool::Table.into_iden(),
            MachineDowntime::Table.into_iden(),
            MachineShift::Table.into_iden(),
            MachineSystem::Table.into_iden(),
            MachineMaterial::Table.into_iden(),
            Machine::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
