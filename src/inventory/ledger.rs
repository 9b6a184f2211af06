//! The ledger primitive: one movement row and the balance change it implies,
//! in the caller's transaction. Removals are conditional updates that only
//! succeed when enough *unreserved* units are there, so concurrent writers
//! can never take the same unit twice, on SQLite or PostgreSQL.

use chrono::Utc;
use entity::{
    enums::{LotState, MovementReason},
    lot, stock_balance, stock_movement,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, ExprTrait,
    QueryFilter, Set, Statement, Value,
    sea_query::{Expr, OnConflict},
};

use super::Actor;
use crate::error::{AppError, AppResult, Refusal};

/// One movement to write.
#[derive(Debug, Clone)]
pub struct Move<'a> {
    pub lot_id: i64,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub quantity: i64,
    pub reason: MovementReason,
    pub reference: &'a str,
    pub note: Option<String>,
}

/// The balance of a lot at a location (zero when none is recorded).
pub async fn balance(
    db: &impl ConnectionTrait,
    lot_id: i64,
    location_id: i64,
) -> AppResult<(i64, i64)> {
    Ok(stock_balance::Entity::find_by_id((lot_id, location_id))
        .one(db)
        .await?
        .map(|b| (b.on_hand, b.reserved))
        .unwrap_or((0, 0)))
}

/// Takes `qty` unreserved units off a balance, or fails saying what is there.
pub async fn take(
    db: &impl ConnectionTrait,
    lot_id: i64,
    location_id: i64,
    qty: i64,
    field: &str,
) -> AppResult<()> {
    use stock_balance::Column as B;
    let r = stock_balance::Entity::update_many()
        .col_expr(B::OnHand, Expr::col(B::OnHand).sub(qty))
        .filter(B::LotId.eq(lot_id))
        .filter(B::LocationId.eq(location_id))
        .filter(Expr::col(B::OnHand).sub(Expr::col(B::Reserved)).gte(qty))
        .exec(db)
        .await?;
    if r.rows_affected == 1 {
        return Ok(());
    }
    let (on_hand, reserved) = balance(db, lot_id, location_id).await?;
    Err(AppError::refused_at(
        field,
        Refusal::InsufficientStock {
            wanted: qty,
            available: on_hand - reserved,
            on_hand: Some(on_hand),
        },
    ))
}

/// Adds `qty` units to a balance, creating it when needed.
pub async fn put(
    db: &impl ConnectionTrait,
    lot_id: i64,
    location_id: i64,
    qty: i64,
) -> AppResult<()> {
    use stock_balance::Column as B;
    stock_balance::Entity::insert(stock_balance::ActiveModel {
        lot_id: Set(lot_id),
        location_id: Set(location_id),
        on_hand: Set(qty),
        reserved: Set(0),
    })
    .on_conflict(
        OnConflict::columns([B::LotId, B::LocationId])
            .value(
                B::OnHand,
                Expr::col((stock_balance::Entity, B::OnHand)).add(qty),
            )
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Reserves `qty` free units of a balance; false when fewer are free now.
pub async fn reserve(
    db: &impl ConnectionTrait,
    lot_id: i64,
    location_id: i64,
    qty: i64,
) -> AppResult<bool> {
    use stock_balance::Column as B;
    let r = stock_balance::Entity::update_many()
        .col_expr(B::Reserved, Expr::col(B::Reserved).add(qty))
        .filter(B::LotId.eq(lot_id))
        .filter(B::LocationId.eq(location_id))
        .filter(Expr::col(B::OnHand).sub(Expr::col(B::Reserved)).gte(qty))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Reserves `qty` free units of a balance if its lot is released; false
/// when the lot is not released or fewer units are free now. For stores
/// whose write transactions are serial (SQLite): the lot's state cannot
/// change between this statement and the commit.
pub async fn reserve_if_released(
    db: &impl ConnectionTrait,
    lot_id: i64,
    location_id: i64,
    qty: i64,
) -> AppResult<bool> {
    use stock_balance::Column as B;
    let released = sea_orm::sea_query::Query::select()
        .expr(Expr::val(1))
        .from(lot::Entity)
        .and_where(Expr::col((lot::Entity, lot::Column::Id)).eq(lot_id))
        .and_where(Expr::col((lot::Entity, lot::Column::State)).eq(LotState::Released.to_value()))
        .to_owned();
    let r = stock_balance::Entity::update_many()
        .col_expr(B::Reserved, Expr::col(B::Reserved).add(qty))
        .filter(B::LotId.eq(lot_id))
        .filter(B::LocationId.eq(location_id))
        .filter(Expr::col(B::OnHand).sub(Expr::col(B::Reserved)).gte(qty))
        .filter(Expr::exists(released))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Reserves units of many balances, all or nothing: `((lot, location),
/// units)` each, at most one entry per balance. One statement; a balance
/// with fewer units free is `CONFLICT` (the caller's transaction is then
/// rolled back).
pub async fn reserve_many(
    db: &impl ConnectionTrait,
    balances: &[((i64, i64), i64)],
) -> AppResult<()> {
    if balances.is_empty() {
        return Ok(());
    }
    let backend = db.get_database_backend();
    let mut values = Vec::with_capacity(balances.len() * 3);
    let mut rows = Vec::with_capacity(balances.len());
    for ((lot, location), n) in balances {
        let k = values.len();
        rows.push(match backend {
            DbBackend::Postgres => format!("(${}, ${}, ${})", k + 1, k + 2, k + 3),
            _ => "(?, ?, ?)".to_owned(),
        });
        values.extend([Value::from(*lot), Value::from(*location), Value::from(*n)]);
    }
    let sql = format!(
        "WITH v(lot_id, location_id, n) AS (VALUES {}) \
         UPDATE stock_balance SET reserved = stock_balance.reserved + v.n FROM v \
         WHERE stock_balance.lot_id = v.lot_id AND stock_balance.location_id = v.location_id \
         AND stock_balance.on_hand - stock_balance.reserved >= v.n",
        rows.join(", ")
    );
    let r = db
        .execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    if r.rows_affected() != balances.len() as u64 {
        return Err(AppError::Conflict(format!(
            "{} of {} balances no longer have the units to promise: stock was taken meanwhile; match again",
            balances.len() as u64 - r.rows_affected(),
            balances.len()
        )));
    }
    Ok(())
}

/// Gives back reserved units; with `ship`, they also leave on hand.
pub async fn unreserve(
    db: &impl ConnectionTrait,
    lot_id: i64,
    location_id: i64,
    qty: i64,
    ship: bool,
) -> AppResult<()> {
    use stock_balance::Column as B;
    let mut u =
        stock_balance::Entity::update_many().col_expr(B::Reserved, Expr::col(B::Reserved).sub(qty));
    if ship {
        u = u.col_expr(B::OnHand, Expr::col(B::OnHand).sub(qty));
    }
    let r = u
        .filter(B::LotId.eq(lot_id))
        .filter(B::LocationId.eq(location_id))
        .filter(Expr::col(B::Reserved).gte(qty))
        .exec(db)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Internal(format!(
            "balance of lot {lot_id} at {location_id} holds less reserved than a reservation of {qty}"
        )));
    }
    Ok(())
}

/// Appends the movement row (balances are the caller's, through the
/// functions above), with the actor's request idempotency key.
pub async fn record(
    db: &impl ConnectionTrait,
    actor: &Actor,
    m: &Move<'_>,
) -> AppResult<stock_movement::Model> {
    Ok(stock_movement::ActiveModel {
        at: Set(Utc::now()),
        lot_id: Set(m.lot_id),
        from_location_id: Set(m.from),
        to_location_id: Set(m.to),
        quantity: Set(m.quantity),
        reason: Set(m.reason),
        reference: Set(m.reference.to_owned()),
        actor_user_id: Set(actor.user_id),
        actor_name: Set(actor.name.clone()),
        idempotency_key: Set(actor.idempotency_key.clone()),
        note: Set(m.note.clone()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Appends many movement rows in one statement, all at `at`.
pub async fn record_many(
    db: &impl ConnectionTrait,
    actor: &Actor,
    moves: &[Move<'_>],
    at: chrono::DateTime<Utc>,
) -> AppResult<()> {
    if moves.is_empty() {
        return Ok(());
    }
    stock_movement::Entity::insert_many(moves.iter().map(|m| stock_movement::ActiveModel {
        at: Set(at),
        lot_id: Set(m.lot_id),
        from_location_id: Set(m.from),
        to_location_id: Set(m.to),
        quantity: Set(m.quantity),
        reason: Set(m.reason),
        reference: Set(m.reference.to_owned()),
        actor_user_id: Set(actor.user_id),
        actor_name: Set(actor.name.clone()),
        idempotency_key: Set(actor.idempotency_key.clone()),
        note: Set(m.note.clone()),
        ..Default::default()
    }))
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Moves stock: takes from `from`, puts to `to`, records the row.
pub async fn apply(
    db: &impl ConnectionTrait,
    actor: &Actor,
    m: Move<'_>,
) -> AppResult<stock_movement::Model> {
    if m.quantity <= 0 && m.reason != MovementReason::StateChange {
        return Err(AppError::bad_input(
            "quantity",
            format!("must be above 0, got {}", m.quantity),
        ));
    }
    if let Some(from) = m.from {
        take(db, m.lot_id, from, m.quantity, "quantity").await?;
    }
    if let Some(to) = m.to {
        put(db, m.lot_id, to, m.quantity).await?;
    }
    record(db, actor, &m).await
}
