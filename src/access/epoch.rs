//! The authentication epoch: a counter row (`auth_epoch`) bumped by every
//! change to who may call, read by each server instance's
//! cache of verified tokens at most once per staleness bound.

use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::{ConnectionTrait, Statement};

use crate::error::{AppError, AppResult};

/// Changes to who may call made by this process (see [`bump`]).
static PROCESS_CHANGES: AtomicU64 = AtomicU64::new(0);

/// How many changes this process has made (see [`bump`]).
pub fn process_changes() -> u64 {
    PROCESS_CHANGES.load(Ordering::SeqCst)
}

/// Records that who may call has changed: bumps the shared epoch row (in
/// `db`'s transaction, when it is one) and tells every cache of this
/// process. Call it after the change, on the same connection.
pub async fn bump(db: &impl ConnectionTrait) -> AppResult<()> {
    PROCESS_CHANGES.fetch_add(1, Ordering::SeqCst);
    let r = db
        .execute_raw(Statement::from_string(
            db.get_database_backend(),
            "UPDATE auth_epoch SET epoch = epoch + 1 WHERE id = 1",
        ))
        .await;
    // Once more after the write: a request that re-read the token between
    // the first signal and the change forgets it too.
    PROCESS_CHANGES.fetch_add(1, Ordering::SeqCst);
    r?;
    Ok(())
}

/// The shared epoch as stored.
pub async fn read_epoch(db: &impl ConnectionTrait) -> AppResult<i64> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT epoch FROM auth_epoch WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| AppError::Internal("auth_epoch has no row".into()))?;
    Ok(row.try_get::<i64>("", "epoch")?)
}
