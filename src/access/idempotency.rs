//! Idempotency keys, for any mutation that takes an `idempotencyKey`
//! argument. The first call claims the key (a unique row per user and key)
//! before doing the work and stores its result; a retry with the same key and
//! the same input gets that result back without the work being done again;
//! the same key with other input, or while the first call still runs, is a
//! `CONFLICT`. Keys are kept for 48 hours.
//!
//! This is the one mechanism: the guard (`access::guard`) claims,
//! replays and stores before and after the mutation runs; the mutation's
//! resolver only declares the argument, the same way everywhere:
//!
//! ```ignore
//! #[graphql(name = "idempotencyKey", desc = "Retry key: the same key and input return the first result.")]
//! _idempotency_key: Option<String>,
//! ```
//!
//! and the request's `Actor` carries the key
//! (`graphql::write::actor`) to the ledger, which records it on every
//! movement the request writes.

use chrono::{Duration, Utc};
use entity::idempotency_key;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The name of the argument.
pub const ARGUMENT: &str = "idempotencyKey";

/// How long a key is remembered.
pub const KEEP_HOURS: i64 = 48;

/// What a claim found.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// The key is ours; do the work, then `complete` or `abandon` this row.
    Fresh(i64),
    /// The same request ran before: its result.
    Replay(Value),
    /// The key cannot be used now; the message says why.
    Conflict(String),
}

/// A hash of the operation and its arguments (without the key itself).
pub fn request_hash(operation: &str, args: &Value) -> String {
    let mut args = args.clone();
    if let Value::Object(m) = &mut args {
        m.remove(ARGUMENT);
    }
    let digest = Sha256::digest(format!("{operation}\n{args}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn judge(row: &idempotency_key::Model, operation: &str, hash: &str) -> Claim {
    if row.operation != operation || row.request_hash != hash {
        return Claim::Conflict("this idempotency key was used before with different input".into());
    }
    match &row.response {
        Some(r) => serde_json::from_str(r)
            .map(Claim::Replay)
            .unwrap_or_else(|_| {
                Claim::Conflict("the stored result of this key is unreadable".into())
            }),
        None => Claim::Conflict("a request with this idempotency key is still running".into()),
    }
}

async fn find(
    db: &impl ConnectionTrait,
    actor: i64,
    key: &str,
) -> Result<Option<idempotency_key::Model>, DbErr> {
    idempotency_key::Entity::find()
        .filter(idempotency_key::Column::ActorUserId.eq(actor))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(db)
        .await
}

/// Claims `key` for `actor`'s call of `operation` with this input hash.
pub async fn claim(
    db: &impl ConnectionTrait,
    actor: i64,
    key: &str,
    operation: &str,
    hash: &str,
) -> Result<Claim, DbErr> {
    let cutoff = Utc::now() - Duration::hours(KEEP_HOURS);
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?;
    if let Some(row) = find(db, actor, key).await? {
        return Ok(judge(&row, operation, hash));
    }
    let inserted = idempotency_key::ActiveModel {
        actor_user_id: Set(actor),
        key: Set(key.to_owned()),
        operation: Set(operation.to_owned()),
        request_hash: Set(hash.to_owned()),
        response: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await;
    match inserted {
        Ok(row) => Ok(Claim::Fresh(row.id)),
        // A concurrent call claimed it first (unique key): judge its row.
        Err(e) => match find(db, actor, key).await? {
            Some(row) => Ok(judge(&row, operation, hash)),
            None => Err(e),
        },
    }
}

/// Stores the result of a claimed key.
pub async fn complete(db: &impl ConnectionTrait, row_id: i64, result: &Value) -> Result<(), DbErr> {
    idempotency_key::Entity::update_many()
        .col_expr(
            idempotency_key::Column::Response,
            sea_orm::sea_query::Expr::value(Some(result.to_string())),
        )
        .filter(idempotency_key::Column::Id.eq(row_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Releases a claimed key after a failure, so the call can be retried.
pub async fn abandon(db: &impl ConnectionTrait, row_id: i64) -> Result<(), DbErr> {
    idempotency_key::Entity::delete_by_id(row_id)
        .exec(db)
        .await?;
    Ok(())
}
