//! The web console's sign-in: a password hash on each user (argon2id, in
//! PHC string form; null until a password is set) and server-side sessions.
//! A session's id is a random secret held only in the browser's cookie; the
//! table keeps its SHA-256, so a copy of the database opens no session.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
    PasswordHash,
}

#[derive(DeriveIden)]
enum WebSession {
    Table,
    Id,
    UserId,
    SessionHash,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(AppUser::Table)
                .add_column(text_null(AppUser::PasswordHash))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebSession::Table)
                .col(big_pk_auto(WebSession::Id))
                .col(big_integer(WebSession::UserId))
                .col(string_uniq(WebSession::SessionHash))
                .col(timestamp_with_time_zone(WebSession::CreatedAt))
                .col(timestamp_with_time_zone(WebSession::ExpiresAt))
                .col(timestamp_with_time_zone(WebSession::LastUsedAt))
                .col(timestamp_with_time_zone_null(WebSession::RevokedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(WebSession::Table, WebSession::UserId)
                        .to(AppUser::Table, AppUser::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_web_session_user")
                .table(WebSession::Table)
                .col(WebSession::UserId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(WebSession::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(AppUser::Table)
                .drop_column(AppUser::PasswordHash)
                .to_owned(),
        )
        .await
    }
}
