//! Access control and accountability: users with roles, API tokens (stored
//! only as hashes), the append-only audit trail, and idempotency keys.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
    Name,
    Roles,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    Prefix,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    RequestId,
    ActorUserId,
    ActorName,
    Roles,
    Operation,
    Input,
    AffectedIds,
    Outcome,
    ErrorCode,
    Message,
}

#[derive(DeriveIden)]
enum IdempotencyKey {
    Table,
    Id,
    ActorUserId,
    Key,
    Operation,
    RequestHash,
    Response,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AppUser::Table)
                .col(big_pk_auto(AppUser::Id))
                .col(string_uniq(AppUser::Name))
                .col(string(AppUser::Roles))
                .col(boolean(AppUser::Active))
                .col(timestamp_with_time_zone(AppUser::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ApiToken::Table)
                .col(big_pk_auto(ApiToken::Id))
                .col(big_integer(ApiToken::UserId))
                .col(string(ApiToken::Name))
                .col(string_uniq(ApiToken::TokenHash))
                .col(string(ApiToken::Prefix))
                .col(timestamp_with_time_zone(ApiToken::CreatedAt))
                .col(timestamp_with_time_zone_null(ApiToken::LastUsedAt))
                .col(timestamp_with_time_zone_null(ApiToken::ExpiresAt))
                .col(timestamp_with_time_zone_null(ApiToken::RevokedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ApiToken::Table, ApiToken::UserId)
                        .to(AppUser::Table, AppUser::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(big_pk_auto(AuditLog::Id))
                .col(timestamp_with_time_zone(AuditLog::At))
                .col(string(AuditLog::RequestId))
                .col(big_integer_null(AuditLog::ActorUserId))
                .col(string_null(AuditLog::ActorName))
                .col(string(AuditLog::Roles))
                .col(string(AuditLog::Operation))
                .col(text(AuditLog::Input))
                .col(text(AuditLog::AffectedIds))
                .col(string(AuditLog::Outcome))
                .col(string_null(AuditLog::ErrorCode))
                .col(text_null(AuditLog::Message))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("ix_audit_log_at", AuditLog::At),
            ("ix_audit_log_actor", AuditLog::ActorUserId),
            ("ix_audit_log_operation", AuditLog::Operation),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(AuditLog::Table)
                    .col(col)
                    .to_owned(),
            )
            .await?;
        }
        m.create_table(
            Table::create()
                .table(IdempotencyKey::Table)
                .col(big_pk_auto(IdempotencyKey::Id))
                .col(big_integer(IdempotencyKey::ActorUserId))
                .col(string(IdempotencyKey::Key))
                .col(string(IdempotencyKey::Operation))
                .col(string(IdempotencyKey::RequestHash))
                .col(text_null(IdempotencyKey::Response))
                .col(timestamp_with_time_zone(IdempotencyKey::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_idempotency_actor_key")
                .table(IdempotencyKey::Table)
                .col(IdempotencyKey::ActorUserId)
                .col(IdempotencyKey::Key)
                .unique()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            IdempotencyKey::Table.into_iden(),
            AuditLog::Table.into_iden(),
            ApiToken::Table.into_iden(),
            AppUser::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
