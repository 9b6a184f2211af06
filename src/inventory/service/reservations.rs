//! Reservations: a given lot or first-expired-first-out, holding the lot rows; release.

use super::*;

/// What to reserve: a given lot, or a SKU picked first-expired-first-out.
#[derive(Debug, Clone)]
pub struct ReserveRequest {
    pub reference: String,
    pub quantity: i64,
    pub lot_id: Option<i64>,
    pub article_number: Option<String>,
}

/// One free balance that can be promised.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub(crate) lot_id: i64,
    pub(crate) location_id: i64,
    /// Units free when it was read.
    pub(crate) free: i64,
}

/// Usable stock of an item or a lot, in allocation order
/// ([`crate::inventory::allocation`]).
pub(crate) async fn candidates(
    db: &impl ConnectionTrait,
    item_id: Option<i64>,
    lot_id: Option<i64>,
) -> AppResult<Vec<Candidate>> {
    let need = allocation::Need {
        items: item_id.map(|i| vec![i]),
        lot: lot_id,
    };
    Ok(allocation::usable(db, &need)
        .await?
        .into_iter()
        .map(|u| Candidate {
            lot_id: u.lot.id,
            location_id: u.location_id,
            free: u.free,
        })
        .collect())
}

/// Reserves units for a reference, from one lot or FEFO over a SKU's lots;
/// all or nothing. Insufficient usable stock is `BAD_USER_INPUT` on
/// `input.quantity` saying how many are available.
pub async fn reserve(
    db: &impl ConnectionTrait,
    actor: &Actor,
    r: &ReserveRequest,
    key: Option<&str>,
) -> AppResult<Vec<reservation::Model>> {
    check_qty(r.quantity, "input.quantity")?;
    let reference = r.reference.trim();
    if reference.is_empty() {
        return Err(AppError::bad_input(
            "input.reference",
            "name what the units are reserved for (a case, an order)",
        ));
    }
    let (item_id, lot_id) = match (&r.article_number, r.lot_id) {
        (Some(a), None) => {
            let sku = sku_by_article(db, a, "input.articleNumber").await?;
            (Some(finished_item(db, &sku).await?.id), None)
        }
        (None, Some(l)) => {
            let l = lot(db, l).await?;
            match effective_state(&l, today()) {
                EffectiveState::Released => {}
                s => {
                    return Err(AppError::bad_input(
                        "input.lotId",
                        format!(
                            "lot {} is {s}: only released, unexpired stock can be promised",
                            l.lot_number
                        ),
                    ));
                }
            }
            (None, Some(l.id))
        }
        _ => {
            return Err(AppError::bad_input(
                "input.lotId",
                "give exactly one of lotId or articleNumber",
            ));
        }
    };
    let cands = candidates(db, item_id, lot_id).await?;
    // The lots the free units read now would come from, held in id order
    // (the one order every path takes lot rows in) before any is taken; a
    // lot taken beyond that plan (others took units meanwhile) is held when
    // it is reached.
    let mut plan = Vec::new();
    let mut want = r.quantity;
    for c in &cands {
        if want <= 0 {
            break;
        }
        plan.push(c.lot_id);
        want -= c.free;
    }
    lock_lots(db, &plan).await?;
    let mut left = r.quantity;
    let mut made = Vec::new();
    for c in cands {
        if !hold_released(db, c.lot_id).await? {
            continue;
        }
        // Another writer may take units between the read and the update:
        // re-read and retry this balance until it is settled.
        loop {
            if left == 0 {
                break;
            }
            let (on_hand, reserved) = ledger::balance(db, c.lot_id, c.location_id).await?;
            let take = std::cmp::min(left, on_hand - reserved);
            if take <= 0 {
                break;
            }
            if ledger::reserve(db, c.lot_id, c.location_id, take).await? {
                let res = reservation::ActiveModel {
                    lot_id: Set(c.lot_id),
                    location_id: Set(c.location_id),
                    quantity: Set(take),
                    reference: Set(reference.to_owned()),
                    status: Set(ReservationStatus::Open),
                    created_at: Set(Utc::now()),
                    closed_at: Set(None),
                    ..Default::default()
                }
                .insert(db)
                .await?;
                ledger::record(
                    db,
                    actor,
                    &Move {
                        lot_id: c.lot_id,
                        from: Some(c.location_id),
                        to: Some(c.location_id),
                        quantity: take,
                        reason: MovementReason::Reservation,
                        reference,
                        note: Some(format!("reservation {}", res.id)),
                        idempotency_key: key,
                    },
                )
                .await?;
                made.push(res);
                left -= take;
            }
        }
        if left == 0 {
            break;
        }
    }
    if left > 0 {
        return Err(AppError::bad_input(
            "input.quantity",
            format!(
                "insufficient available stock: {} wanted, {} available",
                r.quantity,
                r.quantity - left
            ),
        ));
    }
    Ok(made)
}

pub(crate) async fn open_reservation(
    db: &impl ConnectionTrait,
    id: i64,
) -> AppResult<reservation::Model> {
    let r = reservation::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("reservation", id.to_string()))?;
    if r.status != ReservationStatus::Open {
        return Err(AppError::Conflict(format!(
            "reservation {id} is {}, not open",
            r.status
        )));
    }
    // Claim it: only one concurrent caller closes a reservation.
    let claimed = reservation::Entity::update_many()
        .col_expr(reservation::Column::ClosedAt, Expr::value(Some(Utc::now())))
        .filter(reservation::Column::Id.eq(id))
        .filter(reservation::Column::Status.eq(ReservationStatus::Open))
        .filter(reservation::Column::ClosedAt.is_null())
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(AppError::Conflict(format!(
            "reservation {id} was closed meanwhile"
        )));
    }
    Ok(r)
}

pub(crate) async fn close(
    db: &impl ConnectionTrait,
    r: reservation::Model,
    status: ReservationStatus,
) -> AppResult<reservation::Model> {
    let mut am: reservation::ActiveModel = r.into();
    am.status = Set(status);
    am.closed_at = Set(Some(Utc::now()));
    Ok(am.update(db).await?)
}

/// Gives a reservation's units back.
pub async fn release_reservation(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    key: Option<&str>,
) -> AppResult<reservation::Model> {
    release_reservation_because(db, actor, id, key, None).await
}

/// Gives a reservation's units back, saying why in the ledger row's note
/// (e.g. the recall that released it).
pub async fn release_reservation_because(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    key: Option<&str>,
    why: Option<&str>,
) -> AppResult<reservation::Model> {
    // The lot's row first, then the reservation's: the order of every path.
    if let Some(r) = reservation::Entity::find_by_id(id).one(db).await? {
        lock_lots(db, &[r.lot_id]).await?;
    }
    let r = open_reservation(db, id).await?;
    ledger::unreserve(db, r.lot_id, r.location_id, r.quantity, false).await?;
    ledger::record(
        db,
        actor,
        &Move {
            lot_id: r.lot_id,
            from: Some(r.location_id),
            to: Some(r.location_id),
            quantity: r.quantity,
            reason: MovementReason::ReservationRelease,
            reference: &r.reference.clone(),
            note: Some(match why {
                Some(w) => format!("reservation {id}: {w}"),
                None => format!("reservation {id}"),
            }),
            idempotency_key: key,
        },
    )
    .await?;
    close(db, r, ReservationStatus::Released).await
}
