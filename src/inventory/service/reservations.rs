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
/// `quantity` saying how many are available.
pub async fn reserve(
    db: &impl ConnectionTrait,
    actor: &Actor,
    r: &ReserveRequest,
) -> AppResult<Vec<reservation::Model>> {
    check_qty(r.quantity, "quantity")?;
    let reference = r.reference.trim();
    if reference.is_empty() {
        return Err(AppError::bad_input(
            "reference",
            "name what the units are reserved for (a case, an order)",
        ));
    }
    let (item_id, lot_id) = source(db, r).await?;
    let cands = candidates(db, item_id, lot_id).await?;
    lock_planned(db, &cands, r.quantity).await?;
    let mut left = r.quantity;
    let mut made = Vec::new();
    for c in cands {
        if !hold_released(db, c.lot_id).await? {
            continue;
        }
        let at = Reserving { actor, reference };
        made.extend(at.reserve_at(db, &c, &mut left).await?);
        if left == 0 {
            break;
        }
    }
    if left > 0 {
        return Err(AppError::refused_at(
            "quantity",
            Refusal::InsufficientStock {
                wanted: r.quantity,
                available: r.quantity - left,
                on_hand: None,
            },
        ));
    }
    Ok(made)
}

/// The item (a SKU's finished item) or the lot to reserve from; a lot must
/// be released and unexpired.
async fn source(
    db: &impl ConnectionTrait,
    r: &ReserveRequest,
) -> AppResult<(Option<i64>, Option<i64>)> {
    match (&r.article_number, r.lot_id) {
        (Some(a), None) => {
            let sku = sku_by_article(db, a, "articleNumber").await?;
            Ok((Some(finished_item(db, &sku).await?.id), None))
        }
        (None, Some(l)) => {
            let l = lot(db, l).await?;
            match effective_state(&l, today()) {
                EffectiveState::Released => Ok((None, Some(l.id))),
                s => Err(AppError::refused_at(
                    "lotId",
                    Refusal::StateNotAllowed {
                        what: "lot",
                        name: l.lot_number,
                        state: s.to_string(),
                        rule: ": only released, unexpired stock can be promised".into(),
                    },
                )),
            }
        }
        _ => Err(AppError::bad_input(
            "lotId",
            "give exactly one of lotId or articleNumber",
        )),
    }
}

/// Holds, in id order (the one order every path takes lot rows in), the
/// lots the free units read now would come from; a lot taken beyond that
/// plan (others took units meanwhile) is held when it is reached.
async fn lock_planned(db: &impl ConnectionTrait, cands: &[Candidate], qty: i64) -> AppResult<()> {
    let mut plan = Vec::new();
    let mut want = qty;
    for c in cands {
        if want <= 0 {
            break;
        }
        plan.push(c.lot_id);
        want -= c.free;
    }
    lock_lots(db, &plan).await
}

/// Who reserves, and for what.
struct Reserving<'a> {
    actor: &'a Actor,
    reference: &'a str,
}

impl Reserving<'_> {
    /// Reserves up to `left` units of one balance (a reservation and its
    /// ledger row), lowering `left`. Another writer may take units between
    /// the read and the update: the balance is read again until settled.
    async fn reserve_at(
        &self,
        db: &impl ConnectionTrait,
        c: &Candidate,
        left: &mut i64,
    ) -> AppResult<Vec<reservation::Model>> {
        let mut made = Vec::new();
        while *left > 0 {
            let (on_hand, reserved) = ledger::balance(db, c.lot_id, c.location_id).await?;
            let take = std::cmp::min(*left, on_hand - reserved);
            if take <= 0 {
                break;
            }
            if !ledger::reserve(db, c.lot_id, c.location_id, take).await? {
                continue;
            }
            let res = reservation::ActiveModel {
                lot_id: Set(c.lot_id),
                location_id: Set(c.location_id),
                quantity: Set(take),
                reference: Set(self.reference.to_owned()),
                status: Set(ReservationStatus::Open),
                created_at: Set(Utc::now()),
                closed_at: Set(None),
                ..Default::default()
            }
            .insert(db)
            .await?;
            ledger::record(
                db,
                self.actor,
                &Move {
                    lot_id: c.lot_id,
                    from: Some(c.location_id),
                    to: Some(c.location_id),
                    quantity: take,
                    reason: MovementReason::Reservation,
                    reference: self.reference,
                    note: Some(format!("reservation {}", res.id)),
                },
            )
            .await?;
            made.push(res);
            *left -= take;
        }
        Ok(made)
    }
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
        return Err(AppError::refused(Refusal::StateNotAllowed {
            what: "reservation",
            name: id.to_string(),
            state: r.status.to_string(),
            rule: ", not open".into(),
        }));
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
        return Err(AppError::refused(Refusal::ChangedMeanwhile {
            what: "reservation",
            name: id.to_string(),
            change: "was closed meanwhile",
        }));
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
) -> AppResult<reservation::Model> {
    release_reservation_because(db, actor, id, None).await
}

/// Gives a reservation's units back, saying why in the ledger row's note
/// (e.g. the recall that released it).
pub async fn release_reservation_because(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
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
        },
    )
    .await?;
    close(db, r, ReservationStatus::Released).await
}
