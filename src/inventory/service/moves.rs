//! Stock moves and lot states: transfers, counts, scrap, state changes, and the lot-row locks taken in one global order.

use super::*;

/// A lot by row id.
pub async fn lot(db: &impl ConnectionTrait, id: i64) -> AppResult<lot::Model> {
    lot::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("lot", id.to_string()))
}

/// Moves free units of a lot between locations.
#[allow(clippy::too_many_arguments)] // one per input field of the mutation
pub async fn transfer(
    db: &impl ConnectionTrait,
    actor: &Actor,
    lot_id: i64,
    from: &str,
    to: &str,
    qty: i64,
    reference: &str,
) -> AppResult<stock_movement::Model> {
    lock_lots(db, &[lot_id]).await?;
    let l = lot(db, lot_id).await?;
    check_qty(qty, "quantity")?;
    let from = location_by_code(db, from, "from").await?;
    let to = location_by_code(db, to, "to").await?;
    if from.id == to.id {
        return Err(AppError::bad_input("to", "is the same location as `from`"));
    }
    if to.location_type == LocationType::Stock && l.state != LotState::Released {
        return Err(AppError::refused_at(
            "to",
            Refusal::StateNotAllowed {
                what: "lot",
                name: l.lot_number,
                state: l.state.to_string(),
                rule: ": only released lots go into STOCK locations".into(),
            },
        ));
    }
    ledger::apply(
        db,
        actor,
        Move {
            lot_id,
            from: Some(from.id),
            to: Some(to.id),
            quantity: qty,
            reason: MovementReason::Transfer,
            reference,
            note: None,
        },
    )
    .await
}

/// Records a cycle count. `expected` is what the counter was shown; when the
/// location holds something else now, the count is stale (`CONFLICT`).
#[allow(clippy::too_many_arguments)] // one per input field of the mutation
pub async fn count(
    db: &impl ConnectionTrait,
    actor: &Actor,
    lot_id: i64,
    location: &str,
    expected: i64,
    counted: i64,
    reference: &str,
) -> AppResult<Option<stock_movement::Model>> {
    lock_lots(db, &[lot_id]).await?;
    lot(db, lot_id).await?;
    crate::quantity::COUNT.check(expected, "expected")?;
    crate::quantity::COUNT.check(counted, "counted")?;
    let loc = location_by_code(db, location, "location").await?;
    let (on_hand, reserved) = ledger::balance(db, lot_id, loc.id).await?;
    if on_hand != expected {
        return Err(AppError::refused(Refusal::StaleCount { expected, on_hand }));
    }
    if counted < reserved {
        return Err(AppError::bad_input(
            "counted",
            format!(
                "{reserved} units here are reserved; release or ship those reservations before counting fewer"
            ),
        ));
    }
    let diff = counted - on_hand;
    if diff == 0 {
        return Ok(None);
    }
    let (from, to) = if diff < 0 {
        (Some(loc.id), None)
    } else {
        (None, Some(loc.id))
    };
    let note = Some(format!("counted {counted}, system had {on_hand}"));
    Ok(Some(
        ledger::apply(
            db,
            actor,
            Move {
                lot_id,
                from,
                to,
                quantity: diff.abs(),
                reason: MovementReason::Adjustment,
                reference,
                note,
            },
        )
        .await?,
    ))
}

/// Scraps free units of a lot at a location.
pub async fn scrap(
    db: &impl ConnectionTrait,
    actor: &Actor,
    lot_id: i64,
    location: &str,
    qty: i64,
    reason_text: &str,
) -> AppResult<stock_movement::Model> {
    lock_lots(db, &[lot_id]).await?;
    lot(db, lot_id).await?;
    check_qty(qty, "quantity")?;
    if reason_text.trim().is_empty() {
        return Err(AppError::bad_input(
            "reason",
            "say why the units are scrapped",
        ));
    }
    let loc = location_by_code(db, location, "location").await?;
    ledger::apply(
        db,
        actor,
        Move {
            lot_id,
            from: Some(loc.id),
            to: None,
            quantity: qty,
            reason: MovementReason::Scrap,
            reference: reason_text.trim(),
            note: None,
        },
    )
    .await
}

/// Allowed state changes (EXPIRED is derived, never set).
pub(crate) fn transition_allowed(from: LotState, to: LotState) -> bool {
    use LotState::*;
    matches!(
        (from, to),
        (Quarantine, Released | OnHold | Rejected | Recalled)
            | (Released, OnHold | Rejected | Recalled)
            | (OnHold, Released | Rejected | Recalled)
            | (Rejected, Recalled)
    )
}

/// Changes a lot's state with a reason; a ledger row records it.
pub async fn change_state(
    db: &impl ConnectionTrait,
    actor: &Actor,
    lot_id: i64,
    to: LotState,
    reason: &str,
) -> AppResult<lot::Model> {
    let l = lot(db, lot_id).await?;
    if reason.trim().is_empty() {
        return Err(AppError::bad_input("reason", "say why the state changes"));
    }
    if !transition_allowed(l.state, to) {
        return Err(AppError::bad_input(
            "state",
            format!("a {} lot cannot become {to}", l.state),
        ));
    }
    if to == LotState::Released && effective_state(&l, today()) == EffectiveState::Expired {
        return Err(AppError::bad_input(
            "state",
            format!(
                "lot {} expired on {}: an expired lot cannot be released",
                l.lot_number,
                l.expiry_date.map(|d| d.to_string()).unwrap_or_default()
            ),
        ));
    }
    // Summed here: SUM(bigint) is NUMERIC on PostgreSQL but INTEGER on SQLite.
    let total: i64 = stock_balance::Entity::find()
        .filter(stock_balance::Column::LotId.eq(lot_id))
        .all(db)
        .await?
        .iter()
        .map(|b| b.on_hand)
        .sum();
    let from = l.state;
    // Conditional on the state read above: a concurrent change (another
    // recall, a release) makes this one a conflict instead of a lost update.
    let changed = lot::Entity::update_many()
        .col_expr(lot::Column::State, Expr::value(to))
        .col_expr(lot::Column::StateReason, Expr::value(reason.trim()))
        .col_expr(lot::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(lot::Column::Id.eq(lot_id))
        .filter(lot::Column::State.eq(from))
        .exec(db)
        .await?;
    if changed.rows_affected != 1 {
        return Err(AppError::refused(Refusal::ChangedMeanwhile {
            what: "lot",
            name: l.lot_number,
            change: "changed state meanwhile; read it again",
        }));
    }
    let l = lot(db, lot_id).await?;
    ledger::record(
        db,
        actor,
        &Move {
            lot_id,
            from: None,
            to: None,
            quantity: total,
            reason: MovementReason::StateChange,
            reference: reason.trim(),
            note: Some(format!("{from} → {to}")),
        },
    )
    .await?;
    Ok(l)
}

/// Holds the lot's row (PostgreSQL row lock, until the transaction ends) if
/// it is still RELEASED, so a state change such as a recall cannot slip
/// between the check and a reservation or shipment; false when it is no
/// longer released.
pub async fn hold_released(db: &impl ConnectionTrait, lot_id: i64) -> AppResult<bool> {
    let r = lot::Entity::update_many()
        .col_expr(lot::Column::UpdatedAt, Expr::col(lot::Column::UpdatedAt))
        .filter(lot::Column::Id.eq(lot_id))
        .filter(lot::Column::State.eq(LotState::Released))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Holds the rows of these lots until the transaction ends (PostgreSQL),
/// taken in ascending id order: every path that holds several lot rows (an
/// activation, a reservation over several lots) takes them in this one
/// order, so two of them wait for each other instead of deadlocking.
/// SQLite write transactions are serial already.
pub async fn lock_lots(db: &impl ConnectionTrait, ids: &[i64]) -> AppResult<()> {
    if db.get_database_backend() != sea_orm::DbBackend::Postgres || ids.is_empty() {
        return Ok(());
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(10_000) {
        lot::Entity::find()
            .select_only()
            .column(lot::Column::Id)
            .filter(lot::Column::Id.is_in(chunk.iter().copied()))
            .order_by_asc(lot::Column::Id)
            .lock(sea_orm::sea_query::LockType::NoKeyUpdate)
            .into_tuple::<i64>()
            .all(db)
            .await?;
    }
    Ok(())
}

/// Of these lots, the ones released now; on PostgreSQL their rows are held
/// until the transaction ends, taken in id order like [`lock_lots`] (a lot
/// whose state changes meanwhile is read after that change commits). One
/// statement per 10,000 lots.
pub async fn hold_released_lots(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> AppResult<std::collections::HashSet<i64>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut out = std::collections::HashSet::with_capacity(ids.len());
    let pg = db.get_database_backend() == sea_orm::DbBackend::Postgres;
    for chunk in ids.chunks(10_000) {
        let mut q = lot::Entity::find()
            .select_only()
            .column(lot::Column::Id)
            .filter(lot::Column::Id.is_in(chunk.iter().copied()))
            .filter(lot::Column::State.eq(LotState::Released))
            .order_by_asc(lot::Column::Id);
        if pg {
            q = q.lock(sea_orm::sea_query::LockType::NoKeyUpdate);
        }
        out.extend(q.into_tuple::<i64>().all(db).await?);
    }
    Ok(out)
}
