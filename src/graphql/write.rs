//! The shape every mutation shares: who is calling, one write transaction,
//! and commit-or-rollback with a caller's mistake turned into a user error.
//!
//! [`run`] is the form to use: the whole body runs in one write
//! transaction and is run again when the store refused it only because of
//! concurrent transactions (see [`crate::db::write_tx`]); what is still
//! refused after that is a `CONFLICT` user error saying to retry.
//! [`begin`] and [`finish`] are the older two-step form (no rerun; a
//! transient refusal is a `CONFLICT` too).

use std::marker::PhantomData;

use async_graphql::Context;
use sea_orm::DatabaseTransaction;

use crate::{
    access::Actor,
    access::Caller,
    access::idempotency,
    db::begin_write,
    db::{TxFuture, write_tx},
    error::{AppError, AppResult, UserError},
    graphql::db,
};

/// The signed-in caller as the ledger's actor, with the request's
/// idempotency key.
pub fn actor(ctx: &Context<'_>) -> async_graphql::Result<Actor> {
    match ctx.data::<Caller>()?.principal() {
        Some(p) => Ok(Actor {
            idempotency_key: idempotency_key(ctx),
            ..p.into()
        }),
        None => Err(AppError::Unauthenticated.into()),
    }
}

/// The `idempotencyKey` argument of the mutation being resolved, if given
/// (see [`crate::access::idempotency`]: the guard has claimed it).
fn idempotency_key(ctx: &Context<'_>) -> Option<String> {
    let args = ctx.field().arguments().ok()?;
    args.into_iter()
        .find(|(name, _)| name.as_str() == idempotency::ARGUMENT)
        .and_then(|(_, v)| match v {
            async_graphql::Value::String(k) => Some(k),
            _ => None,
        })
}

/// One attempt of a mutation's body: the transaction and the caller. `'a`
/// is the resolver's: the body may use what the resolver borrows.
pub struct Write<'c, 'a> {
    /// The attempt's write transaction.
    pub txn: &'c DatabaseTransaction,
    /// The caller.
    pub actor: &'c Actor,
    _borrows: PhantomData<&'c &'a ()>,
}

/// Runs a mutation's body in one write transaction, run again (whole) when
/// concurrent transactions made the store refuse it; commits on success,
/// rolls back on error. A caller's mistake becomes a user error, anything
/// else a GraphQL error.
///
/// ```ignore
/// let input = &input;
/// Ok(Payload::of(run(ctx, |w| Box::pin(async move { service::x(w.txn, w.actor, input).await })).await?))
/// ```
pub async fn run<'a, T, F>(
    ctx: &Context<'_>,
    mut body: F,
) -> async_graphql::Result<Result<T, Vec<UserError>>>
where
    F: for<'c> FnMut(Write<'c, 'a>) -> TxFuture<'c, T> + Send,
    T: Send,
{
    let actor = actor(ctx)?;
    let r = write_tx(db(ctx)?, |tx| {
        body(Write {
            txn: tx.txn,
            actor: &actor,
            _borrows: PhantomData,
        })
    })
    .await;
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(e) => Ok(Err(vec![e.into_user_error()?])),
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
