//! The shape every mutation shares: who is calling, one write transaction,
//! and commit-or-rollback with a caller's mistake turned into a user error.

use async_graphql::Context;
use sea_orm::DatabaseTransaction;

use crate::{
    access::Caller,
    error::{AppError, AppResult, UserError},
    graphql::db,
    inventory::{Actor, service::begin_write},
};

/// The signed-in caller as the ledger's actor.
pub fn actor(ctx: &Context<'_>) -> async_graphql::Result<Actor> {
    match ctx.data::<Caller>()?.principal() {
        Some(p) => Ok(p.into()),
        None => Err(AppError::Unauthenticated.into()),
    }
}

/// The caller and a new write transaction.
pub async fn begin(ctx: &Context<'_>) -> async_graphql::Result<(DatabaseTransaction, Actor)> {
    let a = actor(ctx)?;
    let txn = begin_write(db(ctx)?).await.map_err(AppError::from)?;
    Ok((txn, a))
}

/// Commits on success, rolls back on error; a caller's mistake becomes a
/// user error, anything else a GraphQL error.
pub async fn finish<T>(
    txn: DatabaseTransaction,
    r: AppResult<T>,
) -> async_graphql::Result<Result<T, Vec<UserError>>> {
    match r {
        Ok(v) => {
            txn.commit().await.map_err(AppError::from)?;
            Ok(Ok(v))
        }
        Err(e) => {
            txn.rollback().await.map_err(AppError::from)?;
            Ok(Err(vec![e.into_user_error()?]))
        }
    }
}
