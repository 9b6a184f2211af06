//! The synthetic warehouse: lots of the catalogue's SKUs on one shelf, their
//! balances and a ledger that agrees with them.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    abutment_sku,
    enums::{ItemKind, LocationLevel, LocationType, LotState, MovementReason, StockUnit},
    item, location, lot, stock_balance, stock_movement,
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, QueryOrder, Set};

use super::{CHUNK, Catalogue, ids_of, movement};
use crate::csv_import::insert_batched;

/// Size of a synthetic warehouse on top of a catalogue.
#[derive(Debug, Clone, Copy)]
pub struct StockSpec {
    /// Finished lots, spread evenly over the catalogue's SKUs.
    pub lots: usize,
    /// Ledger rows, spread over the lots (a receipt each, then transfers and
    /// reservation pairs that leave the balances as the ledger says).
    pub movements: usize,
    /// RNG seed.
    pub seed: u64,
}

impl StockSpec {
    /// The benchmark's size: 1,000,000 lots and 5,000,000 movements.
    pub fn benchmark() -> Self {
        Self {
            lots: 1_000_000,
            movements: 5_000_000,
            seed: 42,
        }
    }
}

/// Ids of the generated warehouse.
#[derive(Debug, Clone, Default)]
pub struct Stock {
    /// The stock bin every lot lies in.
    pub bin_id: i64,
    /// The receiving location.
    pub dock_id: i64,
    /// Lot ids.
    pub lot_ids: Vec<i64>,
}

/// Generates lots, balances and a consistent ledger (so `verify` finds no
/// difference) for the catalogue's SKUs, into a migrated database.
pub async fn generate_stock(
    db: &impl ConnectionTrait,
    _cat: &Catalogue,
    spec: StockSpec,
) -> Result<Stock, DbErr> {
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let now = Utc::now();
    let (dock, bin) = locations(db, now).await?;
    let item_ids = items(db, now).await?;
    lots(db, &mut rng, spec.lots, &item_ids, now).await?;
    let lot_ids = ids_of::<lot::Entity>(db, lot::Column::Id).await?;
    let per_lot = (spec.movements / spec.lots.max(1)).max(1);
    ledger(db, &mut rng, &lot_ids, per_lot, (dock, bin), now).await?;
    Ok(Stock {
        bin_id: bin,
        dock_id: dock,
        lot_ids,
    })
}

/// A site with a receiving dock and a stock zone; returns (dock, stock).
async fn locations(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(i64, i64), DbErr> {
    let mut locs = Vec::new();
    for (code, level, ty) in [
        ("SYN", LocationLevel::Site, LocationType::Stock),
        ("SYN/DOCK", LocationLevel::Zone, LocationType::Receiving),
        ("SYN/STOCK", LocationLevel::Zone, LocationType::Stock),
    ] {
        let m = location::ActiveModel {
            code: Set(code.into()),
            name: Set(code.into()),
            level: Set(level),
            location_type: Set(ty),
            parent_id: Set(None),
            created_at: Set(now),
            ..Default::default()
        };
        locs.push(m.insert(db).await?.id);
    }
    Ok((locs[1], locs[2]))
}

/// A finished-goods item for every SKU; returns their ids in SKU order.
async fn items(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Vec<i64>, DbErr> {
    let skus = abutment_sku::Entity::find()
        .order_by_asc(abutment_sku::Column::Id)
        .all(db)
        .await?;
    insert_batched::<item::Entity, _>(
        db,
        skus.iter()
            .map(|s| item::ActiveModel {
                kind: Set(ItemKind::Finished),
                code: Set(s.article_number.clone()),
                name: Set(s.name.clone()),
                unit: Set(StockUnit::Pcs),
                sku_id: Set(Some(s.id)),
                platform_id: Set(None),
                reorder_point: Set(None),
                created_at: Set(now),
                ..Default::default()
            })
            .collect(),
    )
    .await?;
    ids_of::<item::Entity>(db, item::Column::Id).await
}

/// `n` lots dealt round the items, with random expiry (some already past)
/// and state: nine in ten released, the rest in quarantine or on hold.
async fn lots(
    db: &impl ConnectionTrait,
    rng: &mut StdRng,
    n: usize,
    item_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let today: NaiveDate = now.date_naive();
    let mut lots = Vec::with_capacity(CHUNK);
    for i in 0..n {
        let expiry = today + chrono::Duration::days(rng.random_range(-60..1500));
        let state = match rng.random_range(0..100) {
            0..=89 => LotState::Released,
            90..=95 => LotState::Quarantine,
            _ => LotState::OnHold,
        };
        lots.push(lot::ActiveModel {
            item_id: Set(item_ids[i % item_ids.len()]),
            lot_number: Set(format!("S{i:08}")),
            state: Set(state),
            state_reason: Set(None),
            production_date: Set(Some(expiry - chrono::Duration::days(1095))),
            expiry_date: Set(Some(expiry)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        if lots.len() == CHUNK || i + 1 == n {
            insert_batched::<lot::Entity, _>(db, std::mem::take(&mut lots)).await?;
        }
    }
    Ok(())
}

/// A random balance on the shelf for every lot and `per_lot` ledger rows
/// that arrive at it: a receipt (at the dock, then a transfer, when there
/// is room for both), then reservation / release pairs that leave the
/// balance as it is.
async fn ledger(
    db: &impl ConnectionTrait,
    rng: &mut StdRng,
    lot_ids: &[i64],
    per_lot: usize,
    (dock, bin): (i64, i64),
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut balances = Vec::with_capacity(CHUNK);
    let mut moves = Vec::with_capacity(CHUNK);
    let mv = |lot_id: i64, from: Option<i64>, to: Option<i64>, q: i64, reason: MovementReason| {
        movement(now, lot_id, (from, to), q, reason, "synthetic".into())
    };
    for (i, lot_id) in lot_ids.iter().enumerate() {
        let qty = rng.random_range(5..60_i64);
        balances.push(stock_balance::ActiveModel {
            lot_id: Set(*lot_id),
            location_id: Set(bin),
            on_hand: Set(qty),
            reserved: Set(0),
        });
        // With one movement per lot the receipt goes straight to the bin.
        let received_at = if per_lot > 1 { dock } else { bin };
        moves.push(mv(
            *lot_id,
            None,
            Some(received_at),
            qty,
            MovementReason::Receipt,
        ));
        if per_lot > 1 {
            moves.push(mv(
                *lot_id,
                Some(dock),
                Some(bin),
                qty,
                MovementReason::Transfer,
            ));
        }
        // The rest in reservation / release pairs, which leave the balance as is.
        for k in 2..per_lot {
            let reason = if k % 2 == 0 {
                MovementReason::Reservation
            } else {
                MovementReason::ReservationRelease
            };
            moves.push(mv(*lot_id, Some(bin), Some(bin), 1, reason));
        }
        if balances.len() >= CHUNK || i + 1 == lot_ids.len() {
            insert_batched::<stock_balance::Entity, _>(db, std::mem::take(&mut balances)).await?;
            insert_batched::<stock_movement::Entity, _>(db, std::mem::take(&mut moves)).await?;
        }
    }
    Ok(())
}
