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
/// ([`crate::inventory::allocation`]): one statement.
pub(crate) async fn candidates(
    db: &impl ConnectionTrait,
    item_id: Option<i64>,
    lot_id: Option<i64>,
) -> AppResult<Vec<Candidate>> {
    let need = allocation::Need {
        items: item_id.map(|i| vec![i]),
        lot: lot_id,
    };
    Ok(allocation::usable_balances(db, &need)
        .await?
        .into_iter()
        .map(|(lot_id, location_id, free)| Candidate {
            lot_id,
            location_id,
            free,
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
    let at = Reserving { actor, reference };
    for c in cands {
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
            // The SKU's finished item in one statement; else the lookups
            // that say what is wrong (or make the item).
            let item: Option<i64> = item::Entity::find()
                .join(JoinType::InnerJoin, item_sku())
                .filter(abutment_sku::Column::ArticleNumber.eq(a.trim()))
                .select_only()
                .column(item::Column::Id)
                .order_by_asc(item::Column::Id)
                .into_tuple()
                .one(db)
                .await?;
            if let Some(i) = item {
                return Ok((Some(i), None));
            }
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
/// lots the free units read now would come from, when they are more than
/// one (a single lot is held by the statement that reserves from it); a lot
/// taken beyond that plan (others took units meanwhile) is held when it is
/// reached.
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
    plan.sort_unstable();
    plan.dedup();
    if plan.len() < 2 {
        return Ok(());
    }
    lock_lots(db, &plan).await
}

/// The SKU of an item, for joins.
fn item_sku() -> sea_orm::RelationDef {
    item::Entity::belongs_to(abutment_sku::Entity)
        .from(item::Column::SkuId)
        .to(abutment_sku::Column::Id)
        .into()
}

/// Who reserves, and for what.
struct Reserving<'a> {
    actor: &'a Actor,
    reference: &'a str,
}

/// What one attempt on a balance did.
enum Attempt {
    /// Reserved: the reservation (its ledger row is written).
    Made(reservation::Model),
    /// The lot is no longer released: none of it can be promised.
    NotReleased,
    /// Fewer units are free than read: read the balance again.
    Short,
}

impl Reserving<'_> {
    /// Reserves up to `left` units of one balance (reservations and their
    /// ledger rows), lowering `left`. Another writer may take units between
    /// the read and the update: the balance is read again until settled.
    async fn reserve_at(
        &self,
        db: &impl ConnectionTrait,
        c: &Candidate,
        left: &mut i64,
    ) -> AppResult<Vec<reservation::Model>> {
        let mut made = Vec::new();
        let mut free = c.free;
        while *left > 0 {
            let take = std::cmp::min(*left, free);
            if take <= 0 {
                break;
            }
            match self.attempt(db, c, take).await? {
                Attempt::Made(r) => {
                    made.push(r);
                    *left -= take;
                    free -= take;
                }
                Attempt::NotReleased => break,
                Attempt::Short => {
                    let (on_hand, reserved) = ledger::balance(db, c.lot_id, c.location_id).await?;
                    free = on_hand - reserved;
                }
            }
        }
        Ok(made)
    }

    /// Takes `take` units of a balance for a reservation if its lot is
    /// released and that many are free: the lot row held (PostgreSQL), the
    /// balance raised, the reservation and its ledger row written, all in
    /// one statement on PostgreSQL, three on SQLite (whose write
    /// transactions are serial).
    async fn attempt(
        &self,
        db: &impl ConnectionTrait,
        c: &Candidate,
        take: i64,
    ) -> AppResult<Attempt> {
        if db.get_database_backend() == sea_orm::DbBackend::Postgres {
            return self.attempt_pg(db, c, take).await;
        }
        if !ledger::reserve_if_released(db, c.lot_id, c.location_id, take).await? {
            return Ok(if hold_released(db, c.lot_id).await? {
                Attempt::Short
            } else {
                Attempt::NotReleased
            });
        }
        let now = Utc::now();
        let p = Promise {
            lot_id: c.lot_id,
            location_id: c.location_id,
            quantity: take,
            reference: self.reference.to_owned(),
        };
        let r = insert_reservations(db, std::slice::from_ref(&p), now)
            .await?
            .pop()
            .ok_or_else(|| AppError::Internal("reservation not inserted".into()))?;
        let m = Move {
            lot_id: c.lot_id,
            from: Some(c.location_id),
            to: Some(c.location_id),
            quantity: take,
            reason: MovementReason::Reservation,
            reference: self.reference,
            note: Some(format!("reservation {}", r.id)),
        };
        ledger::record_many(db, self.actor, &[m], now).await?;
        Ok(Attempt::Made(r))
    }

    /// [`Self::attempt`] on PostgreSQL: one statement, so the lot row and
    /// the balance row are held for one round trip and the commit.
    async fn attempt_pg(
        &self,
        db: &impl ConnectionTrait,
        c: &Candidate,
        take: i64,
    ) -> AppResult<Attempt> {
        use sea_orm::{ActiveEnum, Statement, Value};
        let now = Utc::now();
        let values: Vec<Value> = vec![
            c.lot_id.into(),
            c.location_id.into(),
            take.into(),
            self.reference.into(),
            now.into(),
            self.actor.user_id.into(),
            self.actor.name.clone().into(),
            self.actor.idempotency_key.clone().into(),
            LotState::Released.to_value().into(),
            ReservationStatus::Open.to_value().into(),
            MovementReason::Reservation.to_value().into(),
        ];
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                RESERVE_PG,
                values,
            ))
            .await?
            .ok_or_else(|| AppError::Internal("reservation statement returned no row".into()))?;
        let held: i64 = row.try_get("", "held")?;
        let id: Option<i64> = row.try_get("", "id")?;
        Ok(match (held, id) {
            (0, _) => Attempt::NotReleased,
            (_, None) => Attempt::Short,
            (_, Some(id)) => Attempt::Made(reservation::Model {
                id,
                lot_id: c.lot_id,
                location_id: c.location_id,
                quantity: take,
                reference: self.reference.to_owned(),
                status: ReservationStatus::Open,
                created_at: now,
                closed_at: None,
            }),
        })
    }
}

/// One reservation on PostgreSQL in one statement: the lot row held (in the
/// lock mode of [`lock_lots`]) if the lot is released, the balance raised
/// only if that many units are free, then the reservation and its ledger
/// row. `held` is 0 when the lot is not released; `id` is null when nothing
/// was reserved. Parameters: lot, location, units, reference, time, actor
/// id, actor name, idempotency key, RELEASED, OPEN, RESERVATION.
const RESERVE_PG: &str = "WITH l AS ( \
  SELECT id FROM lot WHERE id = $1 AND state = $9 FOR NO KEY UPDATE \
), b AS ( \
  UPDATE stock_balance SET reserved = stock_balance.reserved + $3 FROM l \
  WHERE stock_balance.lot_id = l.id AND stock_balance.location_id = $2 \
    AND stock_balance.on_hand - stock_balance.reserved >= $3 \
  RETURNING stock_balance.lot_id \
), r AS ( \
  INSERT INTO reservation (lot_id, location_id, quantity, reference, status, created_at) \
  SELECT $1, $2, $3, $4, $10, $5 FROM b RETURNING id \
), m AS ( \
  INSERT INTO stock_movement (at, lot_id, from_location_id, to_location_id, quantity, reason, \
    reference, actor_user_id, actor_name, idempotency_key, note) \
  SELECT $5, $1, $2, $2, $3, $11, $4, $6, $7, $8, 'reservation ' || r.id FROM r \
) SELECT (SELECT count(*) FROM l) AS held, (SELECT id FROM r) AS id";

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

/// One promise of a bulk reservation: units of a lot at a location, for a
/// reference.
#[derive(Debug, Clone)]
pub struct Promise {
    pub lot_id: i64,
    pub location_id: i64,
    pub quantity: i64,
    pub reference: String,
}

/// Rows per multi-row statement of [`reserve_exact`] (bind parameters stay
/// far below either store's limit).
const BULK_ROWS: usize = 1_000;

/// Reserves exactly the given units, all or nothing, in a few statements per
/// thousand promises (batch matching, which decided them from stock read in
/// this transaction): the lots held in id order and checked still released,
/// each balance raised only where that many units are free, one reservation
/// and one ledger row per promise. Returns the reservations in the
/// promises' order. A lot no longer released or a balance short of units
/// (another writer came first) is `CONFLICT`.
pub async fn reserve_exact(
    db: &impl ConnectionTrait,
    actor: &Actor,
    promises: &[Promise],
) -> AppResult<Vec<reservation::Model>> {
    if promises.is_empty() {
        return Ok(Vec::new());
    }
    if let Some(p) = promises.iter().find(|p| p.quantity <= 0) {
        return Err(AppError::Internal(format!(
            "a promise of {} units of lot {}",
            p.quantity, p.lot_id
        )));
    }
    let lots: Vec<i64> = promises.iter().map(|p| p.lot_id).collect();
    let held = hold_released_lots(db, &lots).await?;
    if let Some(p) = promises.iter().find(|p| !held.contains(&p.lot_id)) {
        return Err(AppError::Conflict(format!(
            "lot {} is no longer released; match again",
            p.lot_id
        )));
    }
    let mut per_balance: std::collections::BTreeMap<(i64, i64), i64> = Default::default();
    for p in promises {
        *per_balance.entry((p.lot_id, p.location_id)).or_default() += p.quantity;
    }
    let per_balance: Vec<((i64, i64), i64)> = per_balance.into_iter().collect();
    for chunk in per_balance.chunks(BULK_ROWS) {
        ledger::reserve_many(db, chunk).await?;
    }
    let now = Utc::now();
    let mut made = Vec::with_capacity(promises.len());
    for chunk in promises.chunks(BULK_ROWS) {
        let rows = insert_reservations(db, chunk, now).await?;
        let moves: Vec<Move> = rows
            .iter()
            .map(|r| Move {
                lot_id: r.lot_id,
                from: Some(r.location_id),
                to: Some(r.location_id),
                quantity: r.quantity,
                reason: MovementReason::Reservation,
                reference: &r.reference,
                note: Some(format!("reservation {}", r.id)),
            })
            .collect();
        ledger::record_many(db, actor, &moves, now).await?;
        made.extend(rows);
    }
    Ok(made)
}

/// Inserts one open reservation per promise (one statement), returned in
/// the promises' order.
async fn insert_reservations(
    db: &impl ConnectionTrait,
    promises: &[Promise],
    now: chrono::DateTime<Utc>,
) -> AppResult<Vec<reservation::Model>> {
    let mut q =
        reservation::Entity::insert_many(promises.iter().map(|p| reservation::ActiveModel {
            lot_id: Set(p.lot_id),
            location_id: Set(p.location_id),
            quantity: Set(p.quantity),
            reference: Set(p.reference.clone()),
            status: Set(ReservationStatus::Open),
            created_at: Set(now),
            closed_at: Set(None),
            ..Default::default()
        }))
        .into_query();
    q.returning_col(reservation::Column::Id);
    let stmt = db.get_database_backend().build(&q);
    let mut ids: Vec<i64> = Vec::with_capacity(promises.len());
    for row in db.query_all_raw(stmt).await? {
        ids.push(row.try_get("", "id")?);
    }
    // Ids are handed out in the order of the rows inserted.
    ids.sort_unstable();
    if ids.len() != promises.len() {
        return Err(AppError::Internal(format!(
            "{} reservations inserted for {} promises",
            ids.len(),
            promises.len()
        )));
    }
    Ok(ids
        .into_iter()
        .zip(promises)
        .map(|(id, p)| reservation::Model {
            id,
            lot_id: p.lot_id,
            location_id: p.location_id,
            quantity: p.quantity,
            reference: p.reference.clone(),
            status: ReservationStatus::Open,
            created_at: now,
            closed_at: None,
        })
        .collect())
}
