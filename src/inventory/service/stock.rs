//! What users see: quantities and stock lines, lists and pages, the ledger of a lot, expiring lots, reorder points, and verify, which recomputes every balance from the ledger.

use super::*;

/// Quantities of one SKU (or of any set of balances), as users see them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quantities {
    /// Physically present, any state, any location.
    pub on_hand: i64,
    /// Promised by open reservations, of usable stock (released, unexpired,
    /// in a STOCK location).
    pub reserved: i64,
    /// Can be promised now: released, unexpired, in a STOCK location, minus reserved.
    pub available: i64,
    /// Released and unexpired, but not in a STOCK location (inspection,
    /// production, dispatch): usable once put away.
    pub released_elsewhere: i64,
    /// In lots awaiting inspection.
    pub quarantine: i64,
    /// In lots on hold.
    pub on_hold: i64,
    /// In lots past their expiry date.
    pub expired: i64,
    /// In lots that failed inspection.
    pub rejected: i64,
    /// In lots under a recall.
    pub recalled: i64,
    /// Promised by open reservations of lots that are blocked now (on hold,
    /// expired…): these units are counted in their lot's state, and the
    /// reservations cannot ship until the lot is released again.
    pub reserved_blocked: i64,
}

/// One balance with its lot and location.
#[derive(Debug, Clone)]
pub struct StockLine {
    pub lot: lot::Model,
    pub location: location::Model,
    pub on_hand: i64,
    pub reserved: i64,
}

impl StockLine {
    /// Units of this line that can be promised now.
    pub fn available(&self, today: NaiveDate) -> i64 {
        if effective_state(&self.lot, today) == EffectiveState::Released
            && self.location.location_type == LocationType::Stock
        {
            self.on_hand - self.reserved
        } else {
            0
        }
    }
}

/// Adds up stock lines: every unit on hand lands in exactly one of
/// available, reserved, released elsewhere, quarantine, on hold, expired,
/// rejected and recalled.
pub fn sum(lines: &[StockLine], today: NaiveDate) -> Quantities {
    let mut q = Quantities::default();
    for l in lines {
        q.add(
            effective_state(&l.lot, today),
            l.location.location_type,
            l.on_hand,
            l.reserved,
        );
    }
    q
}

impl Quantities {
    /// Counts `on_hand` units (`reserved` of them promised) of a lot in
    /// `state` at a location of type `at` into their bucket.
    fn add(&mut self, state: EffectiveState, at: LocationType, on_hand: i64, reserved: i64) {
        self.on_hand += on_hand;
        if state != EffectiveState::Released {
            self.reserved_blocked += reserved;
        }
        match state {
            EffectiveState::Released if at == LocationType::Stock => {
                let promised = reserved.clamp(0, on_hand);
                self.reserved += promised;
                self.available += on_hand - promised;
            }
            EffectiveState::Released => {
                self.released_elsewhere += on_hand;
                self.reserved_blocked += reserved;
            }
            EffectiveState::Quarantine => self.quarantine += on_hand,
            EffectiveState::OnHold => self.on_hold += on_hand,
            EffectiveState::Expired => self.expired += on_hand,
            EffectiveState::Rejected => self.rejected += on_hand,
            EffectiveState::Recalled => self.recalled += on_hand,
        }
    }
}

/// The quantities of every balance a stock filter selects (all of them, not
/// one page), summed by the database per lot state, expiry date and
/// location type, so the work does not grow with the number of lines.
pub async fn stock_totals(db: &impl ConnectionTrait, f: &StockFilter) -> AppResult<Quantities> {
    // SUM(bigint) is NUMERIC on PostgreSQL and INTEGER on SQLite: cast.
    let rows: Vec<(LotState, Option<NaiveDate>, LocationType, i64, i64)> = stock_query(db, f)
        .await?
        .select_only()
        .column(lot::Column::State)
        .column(lot::Column::ExpiryDate)
        .column(location::Column::LocationType)
        .column_as(
            Expr::cust("CAST(SUM(stock_balance.on_hand) AS BIGINT)"),
            "on_hand",
        )
        .column_as(
            Expr::cust("CAST(SUM(stock_balance.reserved) AS BIGINT)"),
            "reserved",
        )
        .group_by(lot::Column::State)
        .group_by(lot::Column::ExpiryDate)
        .group_by(location::Column::LocationType)
        .into_tuple()
        .all(db)
        .await?;
    let t = today();
    let mut q = Quantities::default();
    for (state, expiry, at, on_hand, reserved) in rows {
        q.add(
            crate::inventory::effective_state_of(state, expiry, t),
            at,
            on_hand,
            reserved,
        );
    }
    Ok(q)
}

/// Filters on stock lines.
#[derive(Debug, Clone, Default)]
pub struct StockFilter {
    pub article_number: Option<String>,
    pub lot_number: Option<String>,
    pub location: Option<String>,
    pub state: Option<LotState>,
    pub include_empty: bool,
}

/// Stock lines matching the filter, by lot number then location code.
pub async fn stock(db: &impl ConnectionTrait, f: &StockFilter) -> AppResult<Vec<StockLine>> {
    let balances = stock_query(db, f)
        .await?
        .order_by_asc(lot::Column::LotNumber)
        .order_by_asc(location::Column::Code)
        .limit(10_000)
        .all(db)
        .await?;
    lines(db, balances).await
}

/// The stock lines of one item with units on hand, by lot number then
/// location code (as [`stock`] with the item's article number): the
/// balances with their lots in one statement, their locations in a second.
pub async fn stock_of_item(db: &impl ConnectionTrait, item_id: i64) -> AppResult<Vec<StockLine>> {
    let rows = stock_balance::Entity::find()
        .join(JoinType::InnerJoin, balance_lot())
        .join(JoinType::InnerJoin, balance_location())
        .filter(lot::Column::ItemId.eq(item_id))
        .filter(stock_balance::Column::OnHand.gt(0))
        .order_by_asc(lot::Column::LotNumber)
        .order_by_asc(location::Column::Code)
        .limit(10_000)
        .select_also(lot::Entity)
        .all(db)
        .await?;
    let loc_ids: Vec<i64> = rows.iter().map(|(b, _)| b.location_id).collect();
    let locs: HashMap<i64, location::Model> = if loc_ids.is_empty() {
        HashMap::new()
    } else {
        location::Entity::find()
            .filter(location::Column::Id.is_in(loc_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|l| (l.id, l))
            .collect()
    };
    rows.into_iter()
        .map(|(b, lot)| {
            Ok(StockLine {
                lot: lot.ok_or_else(|| AppError::Internal("balance without lot".into()))?,
                location: locs
                    .get(&b.location_id)
                    .cloned()
                    .ok_or_else(|| AppError::Internal("balance without location".into()))?,
                on_hand: b.on_hand,
                reserved: b.reserved,
            })
        })
        .collect()
}

/// One page of stock lines by lot number and location code, and how many
/// lines match.
pub async fn stock_page(
    db: &impl ConnectionTrait,
    f: &StockFilter,
    page: &crate::paging::Page,
) -> AppResult<(Vec<StockLine>, u64)> {
    use crate::paging::col;
    let q = stock_query(db, f).await?;
    let order = [
        (col((lot::Entity, lot::Column::LotNumber)), Order::Asc),
        (col((location::Entity, location::Column::Code)), Order::Asc),
        (
            col((stock_balance::Entity, stock_balance::Column::LotId)),
            Order::Asc,
        ),
        (
            col((stock_balance::Entity, stock_balance::Column::LocationId)),
            Order::Asc,
        ),
    ];
    let (balances, total) = page.fetch(db, q, &order).await?;
    Ok((lines(db, balances).await?, total))
}

/// The sort key of a stock line in [`stock_page`]'s order.
pub fn stock_line_key(l: &StockLine) -> crate::paging::Key {
    use crate::paging::KeyVal;
    vec![
        KeyVal::S(l.lot.lot_number.clone()),
        KeyVal::S(l.location.code.clone()),
        KeyVal::I(l.lot.id),
        KeyVal::I(l.location.id),
    ]
}

/// The balances a stock filter selects, joined to their lot and location.
pub(crate) async fn stock_query(
    db: &impl ConnectionTrait,
    f: &StockFilter,
) -> AppResult<sea_orm::Select<stock_balance::Entity>> {
    let mut q = stock_balance::Entity::find()
        .join(JoinType::InnerJoin, balance_lot())
        .join(JoinType::InnerJoin, balance_location());
    if let Some(a) = &f.article_number {
        let sku = sku_by_article(db, a, "filter.articleNumber").await?;
        let item = finished_item(db, &sku).await?;
        q = q.filter(lot::Column::ItemId.eq(item.id));
    }
    if let Some(n) = &f.lot_number {
        q = q.filter(lot::Column::LotNumber.eq(n.trim()));
    }
    if let Some(c) = &f.location {
        let loc = location_by_code(db, c, "filter.location").await?;
        q = q.filter(stock_balance::Column::LocationId.eq(loc.id));
    }
    if let Some(s) = f.state {
        q = q.filter(lot::Column::State.eq(s));
    }
    if !f.include_empty {
        q = q.filter(stock_balance::Column::OnHand.gt(0));
    }
    Ok(q)
}

pub(crate) async fn lines(
    db: &impl ConnectionTrait,
    balances: Vec<stock_balance::Model>,
) -> AppResult<Vec<StockLine>> {
    let lot_ids: Vec<i64> = balances.iter().map(|b| b.lot_id).collect();
    let loc_ids: Vec<i64> = balances.iter().map(|b| b.location_id).collect();
    let lots: HashMap<i64, lot::Model> = lot::Entity::find()
        .filter(lot::Column::Id.is_in(lot_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let locs: HashMap<i64, location::Model> = location::Entity::find()
        .filter(location::Column::Id.is_in(loc_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    balances
        .into_iter()
        .map(|b| {
            Ok(StockLine {
                lot: lots
                    .get(&b.lot_id)
                    .cloned()
                    .ok_or_else(|| AppError::Internal("balance without lot".into()))?,
                location: locs
                    .get(&b.location_id)
                    .cloned()
                    .ok_or_else(|| AppError::Internal("balance without location".into()))?,
                on_hand: b.on_hand,
                reserved: b.reserved,
            })
        })
        .collect()
}

/// A lot's ledger, oldest first, one page.
pub async fn movements(
    db: &impl ConnectionTrait,
    lot_id: i64,
    page: &crate::paging::Page,
) -> AppResult<(Vec<stock_movement::Model>, u64)> {
    let q = stock_movement::Entity::find().filter(stock_movement::Column::LotId.eq(lot_id));
    let order = [(
        crate::paging::col((stock_movement::Entity, stock_movement::Column::Id)),
        sea_orm::Order::Asc,
    )];
    Ok(page.fetch(db, q, &order).await?)
}

/// The sort key of a ledger row in [`movements`]' order.
pub fn movement_key(m: &stock_movement::Model) -> crate::paging::Key {
    vec![crate::paging::KeyVal::I(m.id)]
}

/// Lots with stock whose expiry falls within `days` from today (already expired ones included).
pub async fn lots_expiring(
    db: &impl ConnectionTrait,
    days: i64,
    page: &crate::paging::Page,
) -> AppResult<(Vec<lot::Model>, u64)> {
    use crate::paging::col;
    let until = today() + chrono::Duration::days(days);
    let with_stock = stock_balance::Entity::find()
        .select_only()
        .column(stock_balance::Column::LotId)
        .filter(stock_balance::Column::OnHand.gt(0))
        .into_query();
    let q = lot::Entity::find()
        .filter(lot::Column::ExpiryDate.lte(until))
        .filter(lot::Column::Id.in_subquery(with_stock));
    let order = [
        (col((lot::Entity, lot::Column::ExpiryDate)), Order::Asc),
        (col((lot::Entity, lot::Column::LotNumber)), Order::Asc),
        (col((lot::Entity, lot::Column::Id)), Order::Asc),
    ];
    Ok(page.fetch(db, q, &order).await?)
}

/// The sort key of a lot in [`lots_expiring`]' order (only lots with an
/// expiry date are listed there).
pub fn expiring_key(l: &lot::Model) -> crate::paging::Key {
    use crate::paging::KeyVal;
    vec![
        KeyVal::D(l.expiry_date.unwrap_or_default()),
        KeyVal::S(l.lot_number.clone()),
        KeyVal::I(l.id),
    ]
}

/// One page of the reservations of a reference, oldest first, and how many.
pub async fn reservations_page(
    db: &impl ConnectionTrait,
    reference: &str,
    page: &crate::paging::Page,
) -> AppResult<(Vec<reservation::Model>, u64)> {
    use crate::paging::col;
    let q = reservation::Entity::find().filter(reservation::Column::Reference.eq(reference.trim()));
    let order = [(
        col((reservation::Entity, reservation::Column::Id)),
        Order::Asc,
    )];
    Ok(page.fetch(db, q, &order).await?)
}

/// The sort key of a reservation in [`reservations_page`]' order.
pub fn reservation_key(r: &reservation::Model) -> crate::paging::Key {
    vec![crate::paging::KeyVal::I(r.id)]
}

/// One difference found by [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub lot_id: i64,
    pub location_id: i64,
    pub what: &'static str,
    pub stored: i64,
    pub from_ledger: i64,
}

/// Recomputes on hand from the ledger and reserved from open reservations,
/// and lists every balance that differs.
pub async fn verify(db: &impl ConnectionTrait) -> AppResult<Vec<Difference>> {
    let mut ledger_on_hand: HashMap<(i64, i64), i64> = HashMap::new();
    let moving = [
        MovementReason::Receipt,
        MovementReason::Transfer,
        MovementReason::IssueToProduction,
        MovementReason::ProductionOutput,
        MovementReason::Shipment,
        MovementReason::Return,
        MovementReason::Adjustment,
        MovementReason::Scrap,
    ];
    let rows: Vec<(i64, Option<i64>, Option<i64>, i64)> = stock_movement::Entity::find()
        .select_only()
        .column(stock_movement::Column::LotId)
        .column(stock_movement::Column::FromLocationId)
        .column(stock_movement::Column::ToLocationId)
        .column(stock_movement::Column::Quantity)
        .filter(stock_movement::Column::Reason.is_in(moving))
        .into_tuple()
        .all(db)
        .await?;
    for (lot_id, from, to, q) in rows {
        if let Some(f) = from {
            *ledger_on_hand.entry((lot_id, f)).or_default() -= q;
        }
        if let Some(t) = to {
            *ledger_on_hand.entry((lot_id, t)).or_default() += q;
        }
    }
    let mut reserved: HashMap<(i64, i64), i64> = HashMap::new();
    for r in reservation::Entity::find()
        .filter(reservation::Column::Status.eq(ReservationStatus::Open))
        .all(db)
        .await?
    {
        *reserved.entry((r.lot_id, r.location_id)).or_default() += r.quantity;
    }
    let mut diffs = Vec::new();
    let balances = stock_balance::Entity::find().all(db).await?;
    let mut seen = std::collections::HashSet::new();
    for b in &balances {
        let key = (b.lot_id, b.location_id);
        seen.insert(key);
        let l = ledger_on_hand.get(&key).copied().unwrap_or(0);
        if l != b.on_hand {
            diffs.push(Difference {
                lot_id: b.lot_id,
                location_id: b.location_id,
                what: "on_hand",
                stored: b.on_hand,
                from_ledger: l,
            });
        }
        let r = reserved.get(&key).copied().unwrap_or(0);
        if r != b.reserved {
            diffs.push(Difference {
                lot_id: b.lot_id,
                location_id: b.location_id,
                what: "reserved",
                stored: b.reserved,
                from_ledger: r,
            });
        }
    }
    for (key, l) in ledger_on_hand {
        if l != 0 && !seen.contains(&key) {
            diffs.push(Difference {
                lot_id: key.0,
                location_id: key.1,
                what: "on_hand",
                stored: 0,
                from_ledger: l,
            });
        }
    }
    Ok(diffs)
}

/// Sets (or with `None` removes) a SKU's reorder point.
pub async fn set_reorder_point(
    db: &impl ConnectionTrait,
    article: &str,
    point: Option<i64>,
) -> AppResult<item::Model> {
    if let Some(p) = point {
        crate::quantity::REORDER_POINT.check(p, "reorderPoint")?;
    }
    let sku = sku_by_article(db, article, "articleNumber").await?;
    let item = finished_item(db, &sku).await?;
    let mut am: item::ActiveModel = item.into();
    am.reorder_point = Set(point);
    Ok(am.update(db).await?)
}

/// SKUs whose available stock is below their reorder point, with that stock.
pub async fn below_reorder_point(
    db: &impl ConnectionTrait,
) -> AppResult<Vec<(abutment_sku::Model, item::Model, Quantities)>> {
    let items = item::Entity::find()
        .filter(item::Column::ReorderPoint.is_not_null())
        .filter(item::Column::SkuId.is_not_null())
        .order_by_asc(item::Column::Code)
        .all(db)
        .await?;
    let t = today();
    let mut out = Vec::new();
    for it in items {
        let balances = stock_balance::Entity::find()
            .join(JoinType::InnerJoin, balance_lot())
            .filter(lot::Column::ItemId.eq(it.id))
            .filter(stock_balance::Column::OnHand.gt(0))
            .all(db)
            .await?;
        let q = sum(&lines(db, balances).await?, t);
        if q.available < it.reorder_point.unwrap_or(0)
            && let Some(sid) = it.sku_id
            && let Some(sku) = abutment_sku::Entity::find_by_id(sid).one(db).await?
        {
            out.push((sku, it, q));
        }
    }
    Ok(out)
}
