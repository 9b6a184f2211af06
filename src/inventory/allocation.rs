//! Which units are usable for a need, and in which order. Every allocation
//! asks here: reserving stock (`service::reserve`), issuing bar or blanks to
//! a job at its start (`manufacturing::service::start_job`), and matching a
//! clinical case to stock (`cases::service::match_case`).
//!
//! - **Usable**: units of a RELEASED lot that has not expired (a lot is
//!   usable through its expiry day), in a STOCK location, not reserved.
//! - **Order**: first expired, first out — the earliest expiry first, lots
//!   without expiry last; between equal expiries (and among lots without
//!   one) the oldest lot first (received or made first); then by location.
//!
//! The catalogue's stock figures (`AbutmentSku.availability`, the `inStock`
//! filter) are answered here too, by the same rule ([`CatalogStock`]).

use std::{cmp::Ordering, collections::HashMap};

use chrono::NaiveDate;
use entity::{
    enums::{LocationType, LotState},
    item, location, lot, stock_balance,
};
use futures_util::future::BoxFuture;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, ExprTrait, JoinType,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, RelationDef,
    sea_query::{Expr, SelectStatement},
};

use super::{EffectiveState, effective_state, today};
use crate::{
    catalog::stock::{Availability, StockFacts},
    error::AppResult,
};

/// What is needed: units of some items, or of one lot (or both: that lot,
/// if it is of one of the items).
#[derive(Debug, Clone, Default)]
pub struct Need {
    /// Any lot of these items.
    pub items: Option<Vec<i64>>,
    /// Only this lot.
    pub lot: Option<i64>,
}

/// Free units of one lot at one location.
#[derive(Debug, Clone)]
pub struct Usable {
    /// The lot.
    pub lot: lot::Model,
    /// Where the units lie (a STOCK location).
    pub location_id: i64,
    /// Units not reserved when they were read.
    pub free: i64,
}

/// The allocation order of two lots (see the module's documentation).
pub fn fefo(a: &lot::Model, b: &lot::Model) -> Ordering {
    fefo_order(a.expiry_date, a.id, b.expiry_date, b.id)
}

/// The allocation order of two lots given by expiry and id.
pub fn fefo_order(
    a_expiry: Option<NaiveDate>,
    a_id: i64,
    b_expiry: Option<NaiveDate>,
    b_id: i64,
) -> Ordering {
    (a_expiry.is_none(), a_expiry, a_id).cmp(&(b_expiry.is_none(), b_expiry, b_id))
}

/// Units of a balance usable on `day`: on hand less reserved when its lot is
/// released and unexpired and it lies in a STOCK location, else none.
pub fn usable_units(
    l: &lot::Model,
    in_stock_location: bool,
    on_hand: i64,
    reserved: i64,
    day: NaiveDate,
) -> i64 {
    usable_units_of(
        effective_state(l, day),
        in_stock_location,
        on_hand,
        reserved,
    )
}

/// Units of a balance usable, its lot's effective state given.
pub fn usable_units_of(
    state: EffectiveState,
    in_stock_location: bool,
    on_hand: i64,
    reserved: i64,
) -> i64 {
    if in_stock_location && state == EffectiveState::Released {
        Ord::max(on_hand - reserved, 0)
    } else {
        0
    }
}

/// The usable balances for `need`, in allocation order, as `(lot, location,
/// free units)`: one statement.
pub async fn usable_balances(
    db: &impl ConnectionTrait,
    need: &Need,
) -> AppResult<Vec<(i64, i64, i64)>> {
    if need.items.as_ref().is_some_and(Vec::is_empty) {
        return Ok(Vec::new());
    }
    let mut q = promisable_balances().filter(free_units());
    if let Some(items) = &need.items {
        q = q.filter(lot::Column::ItemId.is_in(items.iter().copied()));
    }
    if let Some(l) = need.lot {
        q = q.filter(stock_balance::Column::LotId.eq(l));
    }
    let rows: Vec<(i64, i64, i64, i64)> = q
        .select_only()
        .column(stock_balance::Column::LotId)
        .column(stock_balance::Column::LocationId)
        .column(stock_balance::Column::OnHand)
        .column(stock_balance::Column::Reserved)
        .order_by_asc(Expr::cust(
            "CASE WHEN lot.expiry_date IS NULL THEN 1 ELSE 0 END",
        ))
        .order_by_asc(lot::Column::ExpiryDate)
        .order_by_asc(lot::Column::Id)
        .order_by_asc(stock_balance::Column::LocationId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(lot, location, on_hand, reserved)| (lot, location, on_hand - reserved))
        .collect())
}

/// The usable balances for `need`, in allocation order, with their lots:
/// two statements whatever their number.
pub async fn usable(db: &impl ConnectionTrait, need: &Need) -> AppResult<Vec<Usable>> {
    let rows = usable_balances(db, need).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let lots: std::collections::HashMap<i64, lot::Model> = lot::Entity::find()
        .filter(lot::Column::Id.is_in(rows.iter().map(|r| r.0)))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|(lot_id, location_id, free)| {
            Some(Usable {
                lot: lots.get(&lot_id)?.clone(),
                location_id,
                free,
            })
        })
        .collect())
}

/// Balances of released, unexpired lots in STOCK locations (joined to
/// their lot and location): the units a reservation may take, once their
/// reserved part is set aside. The SQL form of [`usable_units`].
fn promisable_balances() -> sea_orm::Select<stock_balance::Entity> {
    stock_balance::Entity::find()
        .join(JoinType::InnerJoin, balance_lot())
        .join(JoinType::InnerJoin, balance_location())
        .filter(lot::Column::State.eq(LotState::Released))
        .filter(
            Condition::any()
                .add(lot::Column::ExpiryDate.is_null())
                .add(lot::Column::ExpiryDate.gte(today())),
        )
        .filter(location::Column::LocationType.eq(LocationType::Stock))
}

/// Balances with units not reserved.
fn free_units() -> sea_orm::sea_query::SimpleExpr {
    Expr::col((stock_balance::Entity, stock_balance::Column::OnHand)).gt(Expr::col((
        stock_balance::Entity,
        stock_balance::Column::Reserved,
    )))
}

/// The item behind a balance's lot, for joins.
pub(crate) fn lot_item() -> RelationDef {
    lot::Entity::belongs_to(item::Entity)
        .from(lot::Column::ItemId)
        .to(item::Column::Id)
        .into()
}

/// `SELECT item.sku_id` of every SKU with usable units now, for `IN (…)`
/// filters (the catalogue's `inStock`).
pub fn skus_with_usable_units() -> SelectStatement {
    promisable_balances()
        .filter(free_units())
        .join(JoinType::InnerJoin, lot_item())
        .filter(item::Column::SkuId.is_not_null())
        .select_only()
        .column(item::Column::SkuId)
        .distinct()
        .into_query()
}

/// What can be promised of each SKU now: usable units, the units of usable
/// lots under open reservations, and the earliest expiry among lots with
/// usable units. One statement for any number of SKUs; every id given gets
/// an entry.
pub async fn availability(
    db: &impl ConnectionTrait,
    sku_ids: &[i64],
) -> AppResult<HashMap<i64, Availability>> {
    let mut out: HashMap<i64, Availability> = sku_ids
        .iter()
        .map(|id| (*id, Availability::default()))
        .collect();
    if sku_ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(Option<i64>, i64, i64, Option<NaiveDate>)> = promisable_balances()
        .join(JoinType::InnerJoin, lot_item())
        .filter(item::Column::SkuId.is_in(sku_ids.iter().copied()))
        .filter(stock_balance::Column::OnHand.gt(0))
        .select_only()
        .column(item::Column::SkuId)
        .column(stock_balance::Column::OnHand)
        .column(stock_balance::Column::Reserved)
        .column(lot::Column::ExpiryDate)
        .into_tuple()
        .all(db)
        .await?;
    for (sku, on_hand, reserved, expiry) in rows {
        let Some(a) = sku.and_then(|s| out.get_mut(&s)) else {
            continue;
        };
        let promised = reserved.clamp(0, on_hand);
        a.reserved += promised;
        a.available += on_hand - promised;
        if on_hand > promised
            && let Some(e) = expiry
        {
            a.earliest_expiry = Some(a.earliest_expiry.map_or(e, |x| Ord::min(x, e)));
        }
    }
    Ok(out)
}

/// The inventory's answers to the catalogue's stock questions
/// ([`crate::catalog::stock`]).
pub struct CatalogStock;

impl StockFacts for CatalogStock {
    fn availability(
        &self,
        db: DatabaseConnection,
        sku_ids: Vec<i64>,
    ) -> BoxFuture<'static, AppResult<HashMap<i64, Availability>>> {
        Box::pin(async move { availability(&db, &sku_ids).await })
    }

    fn skus_in_stock(&self) -> SelectStatement {
        skus_with_usable_units()
    }
}

/// A balance's lot, for joins.
pub(crate) fn balance_lot() -> RelationDef {
    stock_balance::Entity::belongs_to(lot::Entity)
        .from(stock_balance::Column::LotId)
        .to(lot::Column::Id)
        .into()
}

/// A balance's location, for joins.
pub(crate) fn balance_location() -> RelationDef {
    stock_balance::Entity::belongs_to(location::Entity)
        .from(stock_balance::Column::LocationId)
        .to(location::Column::Id)
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lot(id: i64, expiry: Option<&str>, state: LotState) -> lot::Model {
        lot::Model {
            id,
            item_id: 1,
            lot_number: format!("L{id}"),
            state,
            state_reason: None,
            production_date: None,
            expiry_date: expiry.map(|e| e.parse().unwrap()),
            heat_number: None,
            mill: None,
            standard: None,
            grade: None,
            bar_diameter_um: None,
            bar_length_mm: None,
            certificate_type: None,
            certificate_ref: None,
            chemistry: None,
            mechanical: None,
            supplier_gtin: None,
            supplier_lot: None,
            udi: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn earliest_expiry_goes_first_then_the_oldest_lot_and_lots_without_expiry_last() {
        let mut lots = [
            lot(1, None, LotState::Released),
            lot(7, None, LotState::Released),
            lot(5, Some("2027-01-01"), LotState::Released),
            lot(3, Some("2027-01-01"), LotState::Released),
            lot(9, Some("2026-12-31"), LotState::Released),
        ];
        lots.sort_by(fefo);
        let order: Vec<i64> = lots.iter().map(|l| l.id).collect();
        assert_eq!(order, [9, 3, 5, 1, 7]);
    }

    #[test]
    fn only_released_unexpired_units_in_stock_locations_are_usable() {
        let day: NaiveDate = "2027-01-01".parse().unwrap();
        let ok = lot(1, Some("2027-01-01"), LotState::Released);
        assert_eq!(
            usable_units(&ok, true, 10, 3, day),
            7,
            "usable on its expiry day"
        );
        assert_eq!(
            usable_units(&ok, false, 10, 3, day),
            0,
            "not in a STOCK location"
        );
        let expired = lot(2, Some("2026-12-31"), LotState::Released);
        assert_eq!(usable_units(&expired, true, 10, 0, day), 0);
        for s in [
            LotState::Quarantine,
            LotState::OnHold,
            LotState::Rejected,
            LotState::Recalled,
        ] {
            assert_eq!(usable_units(&lot(3, None, s), true, 10, 0, day), 0, "{s}");
        }
    }
}
