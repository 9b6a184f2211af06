//! Indexes for the forward trace's one statement: the cases a job made a
//! part for (`clinical_case.job_id`) and the recall action that recorded a
//! RETURN (`recall_action.movement_id`), so neither is a table scan.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ClinicalCase {
    Table,
    JobId,
}

#[derive(DeriveIden)]
enum RecallAction {
    Table,
    MovementId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("ix_case_job")
                .table(ClinicalCase::Table)
                .col(ClinicalCase::JobId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_recall_action_movement")
                .table(RecallAction::Table)
                .col(RecallAction::MovementId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_recall_action_movement")
                .table(RecallAction::Table)
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("ix_case_job")
                .table(ClinicalCase::Table)
                .to_owned(),
        )
        .await
    }
}
