//! The authentication epoch: one counter row that every change to who may
//! call (a token revoked, a user deactivated or given other roles) bumps.
//! Each server instance keeps verified tokens in memory and reads this row
//! at most once per staleness bound; when it has moved, the instance forgets
//! what it had verified. See `access::auth_cache`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuthEpoch {
    Table,
    Id,
    Epoch,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuthEpoch::Table)
                .col(integer(AuthEpoch::Id).primary_key())
                .col(big_integer(AuthEpoch::Epoch))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(AuthEpoch::Table)
                .columns([AuthEpoch::Id, AuthEpoch::Epoch])
                .values_panic([1.into(), 0i64.into()])
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AuthEpoch::Table).to_owned())
            .await
    }
}
