//! A generator of large synthetic data sets, for benchmarks and scale tests.
//! Deterministic for a given seed. Later domains extend [`CatalogueSpec`]'s
//! output with their own generators (lots, movements, genealogy).

use chrono::Utc;
use entity::{
    abutment_sku,
    enums::{AbutmentType, ConnectionType, Material, SkuStatus},
    implant_system, manufacturer, platform, sku_platform,
};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Iterable, QueryOrder, QuerySelect, Set};

use crate::{
    catalog::{gtin, service::set_fit_keys},
    csv_import::insert_batched,
};

/// Size of a synthetic catalogue.
#[derive(Debug, Clone, Copy)]
pub struct CatalogueSpec {
    /// Manufacturers.
    pub manufacturers: usize,
    /// Implant systems, spread over the manufacturers.
    pub systems: usize,
    /// Platforms, spread over the systems (at least one each).
    pub platforms: usize,
    /// SKUs.
    pub skus: usize,
    /// Compatibility rows, spread over SKUs (each SKU fits at least one platform).
    pub fits: usize,
    /// RNG seed.
    pub seed: u64,
}

impl CatalogueSpec {
    /// The benchmark's size: 200 systems, 800 platforms, 50,000 SKUs, 500,000 fits.
    pub fn benchmark() -> Self {
        Self {
            manufacturers: 40,
            systems: 200,
            platforms: 800,
            skus: 50_000,
            fits: 500_000,
            seed: 42,
        }
    }
}

/// Ids of what was generated, for later generators and benches.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    /// Platform ids.
    pub platform_ids: Vec<i64>,
    /// SKU ids.
    pub sku_ids: Vec<i64>,
    /// (system name, platform name) of every platform, for name lookups.
    pub platform_names: Vec<(String, String)>,
}

/// Generates a catalogue into an empty (migrated) database.
pub async fn generate_catalogue(
    db: &impl ConnectionTrait,
    spec: CatalogueSpec,
) -> Result<Catalogue, DbErr> {
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let now = Utc::now();
    let conns: Vec<ConnectionType> = ConnectionType::iter().collect();
    let types: Vec<AbutmentType> = AbutmentType::iter().collect();
    let materials: Vec<Material> = Material::iter().collect();

    insert_batched::<manufacturer::Entity, _>(
        db,
        (0..spec.manufacturers)
            .map(|i| manufacturer::ActiveModel {
                name: Set(format!("Synth Maker {i:03}")),
                name_key: Set(format!("synth maker {i:03}")),
                country: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .collect(),
    )
    .await?;
    let maker_ids = ids_of::<manufacturer::Entity>(db, manufacturer::Column::Id).await?;

    insert_batched::<implant_system::Entity, _>(
        db,
        (0..spec.systems)
            .map(|i| implant_system::ActiveModel {
                manufacturer_id: Set(maker_ids[i % maker_ids.len()]),
                name: Set(format!("Synth System {i:04}")),
                name_key: Set(format!("synth system {i:04}")),
                connection: Set(*conns.choose(&mut rng).unwrap_or(&ConnectionType::Other)),
                notes: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .collect(),
    )
    .await?;
    let system_ids = ids_of::<implant_system::Entity>(db, implant_system::Column::Id).await?;

    let mut platform_names = Vec::with_capacity(spec.platforms);
    let mut platforms = Vec::with_capacity(spec.platforms);
    for i in 0..spec.platforms {
        let s = i % system_ids.len();
        let n = i / system_ids.len();
        platform_names.push((format!("Synth System {s:04}"), format!("P{n}")));
        platforms.push(platform::ActiveModel {
            system_id: Set(system_ids[s]),
            name: Set(format!("P{n}")),
            name_key: Set(format!("p{n}")),
            diameter_um: Set(3000 + 300 * n as i32),
            index_positions: Set(Some(6)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
    }
    insert_batched::<platform::Entity, _>(db, platforms).await?;
    let platform_ids = ids_of::<platform::Entity>(db, platform::Column::Id).await?;

    let heights = [800, 1500, 2500, 3500, 4500, 5500];
    let angles = [0, 15_000, 17_000, 25_000, 30_000];
    let skus: Vec<abutment_sku::ActiveModel> = (0..spec.skus)
        .map(|i| {
            let t = *types.choose(&mut rng).unwrap_or(&AbutmentType::Straight);
            let body: Vec<u8> = format!("0952{:09}", 100_000_000 + i)
                .bytes()
                .map(|b| b - b'0')
                .collect();
            let check = gtin::check_digit(&body);
            let sterile = rng.random_bool(0.7);
            abutment_sku::ActiveModel {
                article_number: Set(format!("SYN-{i:06}")),
                gtin: Set(format!("0952{:09}{check}", 100_000_000 + i)),
                name: Set(format!("Synthetic abutment {i}")),
                abutment_type: Set(t),
                material: Set(*materials.choose(&mut rng).unwrap_or(&Material::Ti6Al4VEli)),
                gingival_height_um: Set(*heights.choose(&mut rng).unwrap_or(&1500)),
                angulation_mdeg: Set(if t == AbutmentType::Angled {
                    *angles[1..].choose(&mut rng).unwrap_or(&15_000)
                } else {
                    0
                }),
                post_height_um: Set(Some(4000 + 1000 * rng.random_range(0..3))),
                diameter_um: Set(Some(4000 + 500 * rng.random_range(0..4))),
                engaging: Set(rng.random_bool(0.6)),
                sterile: Set(sterile),
                shelf_life_months: Set(sterile.then_some(36)),
                status: Set(if rng.random_bool(0.98) {
                    SkuStatus::Active
                } else {
                    SkuStatus::Discontinued
                }),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
        })
        .collect();
    insert_batched::<abutment_sku::Entity, _>(db, skus).await?;
    // Ids come back in insertion order on a fresh table; the fit rows copy
    // each SKU's keys, so read the SKUs back in that order.
    let sku_rows = abutment_sku::Entity::find()
        .order_by_asc(abutment_sku::Column::Id)
        .all(db)
        .await?;
    let sku_ids: Vec<i64> = sku_rows.iter().map(|s| s.id).collect();

    // Each SKU fits `per` distinct platforms; the remainder is spread one
    // extra over the first SKUs.
    let per = spec.fits / sku_ids.len().max(1);
    let extra = spec.fits % sku_ids.len().max(1);
    let mut fits = Vec::with_capacity(spec.fits);
    for (i, sku) in sku_rows.iter().enumerate() {
        let n = (per + usize::from(i < extra)).min(platform_ids.len());
        for pid in platform_ids.choose_multiple(&mut rng, n) {
            let mut am = sku_platform::ActiveModel {
                sku_id: Set(sku.id),
                platform_id: Set(*pid),
                source: Set("MANUFACTURER_SPEC".into()),
                notes: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            set_fit_keys(&mut am, sku);
            fits.push(am);
        }
        if fits.len() >= 20_000 {
            insert_batched::<sku_platform::Entity, _>(db, std::mem::take(&mut fits)).await?;
        }
    }
    insert_batched::<sku_platform::Entity, _>(db, fits).await?;
    Ok(Catalogue {
        platform_ids,
        sku_ids,
        platform_names,
    })
}

async fn ids_of<E: EntityTrait>(
    db: &impl ConnectionTrait,
    id: E::Column,
) -> Result<Vec<i64>, DbErr> {
    E::find()
        .select_only()
        .column(id)
        .order_by_asc(id)
        .into_tuple::<i64>()
        .all(db)
        .await
}

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
    cat: &Catalogue,
    spec: StockSpec,
) -> Result<Stock, DbErr> {
    use entity::{
        enums::{ItemKind, LocationLevel, LocationType, LotState, MovementReason, StockUnit},
        item, location, lot, stock_balance, stock_movement,
    };
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let now = Utc::now();
    let today = now.date_naive();
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
        locs.push(sea_orm::ActiveModelTrait::insert(m, db).await?.id);
    }
    let (dock, bin) = (locs[1], locs[2]);
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
    let item_ids = ids_of::<item::Entity>(db, item::Column::Id).await?;
    let _ = cat;
    let per_lot = (spec.movements / spec.lots.max(1)).max(1);
    let mut lots = Vec::with_capacity(20_000);
    let mut n = 0usize;
    while n < spec.lots {
        let item_id = item_ids[n % item_ids.len()];
        let expiry = today + chrono::Duration::days(rng.random_range(-60..1500));
        let state = match rng.random_range(0..100) {
            0..=89 => LotState::Released,
            90..=95 => LotState::Quarantine,
            _ => LotState::OnHold,
        };
        lots.push(lot::ActiveModel {
            item_id: Set(item_id),
            lot_number: Set(format!("S{n:08}")),
            state: Set(state),
            state_reason: Set(None),
            production_date: Set(Some(expiry - chrono::Duration::days(1095))),
            expiry_date: Set(Some(expiry)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        n += 1;
        if lots.len() == 20_000 || n == spec.lots {
            insert_batched::<lot::Entity, _>(db, std::mem::take(&mut lots)).await?;
        }
    }
    let lot_ids = ids_of::<lot::Entity>(db, lot::Column::Id).await?;
    let mut balances = Vec::with_capacity(20_000);
    let mut moves = Vec::with_capacity(20_000);
    let mv = |lot_id: i64, from: Option<i64>, to: Option<i64>, q: i64, reason: MovementReason| {
        stock_movement::ActiveModel {
            at: Set(now),
            lot_id: Set(lot_id),
            from_location_id: Set(from),
            to_location_id: Set(to),
            quantity: Set(q),
            reason: Set(reason),
            reference: Set("synthetic".into()),
            actor_user_id: Set(None),
            actor_name: Set("system".into()),
            idempotency_key: Set(None),
            note: Set(None),
            ..Default::default()
        }
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
        if balances.len() >= 20_000 || i + 1 == lot_ids.len() {
            insert_batched::<stock_balance::Entity, _>(db, std::mem::take(&mut balances)).await?;
            insert_batched::<stock_movement::Entity, _>(db, std::mem::take(&mut moves)).await?;
        }
    }
    Ok(Stock {
        bin_id: bin,
        dock_id: dock,
        lot_ids,
    })
}

/// Size of a synthetic lot genealogy: bar heats → machined lots → finished
/// lots → shipped units, with merges inside each heat.
#[derive(Debug, Clone, Copy)]
pub struct GenealogySpec {
    /// Heat numbers.
    pub heats: usize,
    /// Bar lots per heat.
    pub bars_per_heat: usize,
    /// Machined lots per bar; every second one also takes bar from the next bar of its heat.
    pub machined_per_bar: usize,
    /// Finished lots per machined lot; each also takes from another machined lot of its heat.
    pub finished_per_machined: usize,
    /// Shipped units (serialised lots of one) per finished lot.
    pub units_per_finished: usize,
    /// Clinics the units are shipped to.
    pub clinics: usize,
    /// RNG seed.
    pub seed: u64,
}

impl GenealogySpec {
    /// The benchmark's size: 260 heats × 50 bars → 26,000 machined →
    /// 104,000 finished → 2,496,000 units: 2.64 M lots, 2.74 M edges,
    /// about 10,150 lots downstream of each heat.
    pub fn benchmark() -> Self {
        Self {
            heats: 260,
            bars_per_heat: 50,
            machined_per_bar: 2,
            finished_per_machined: 4,
            units_per_finished: 24,
            clinics: 500,
            seed: 11,
        }
    }
}

/// Ids of a generated genealogy.
#[derive(Debug, Clone, Default)]
pub struct Genealogy {
    /// Heat numbers.
    pub heats: Vec<String>,
    /// Bar lot ids.
    pub bars: Vec<i64>,
    /// Machined lot ids.
    pub machined: Vec<i64>,
    /// Finished lot ids.
    pub finished: Vec<i64>,
    /// Unit lot ids.
    pub units: Vec<i64>,
    /// Genealogy edges written.
    pub edges: usize,
}

/// Generates a four-layer genealogy into a migrated database: bar lots
/// (with heat numbers), machined lots, finished lots with stock on a shelf,
/// and units each produced and shipped to a clinic (by its code) through a
/// consistent ledger, so `verify` finds no difference.
pub async fn generate_genealogy(
    db: &impl ConnectionTrait,
    spec: GenealogySpec,
) -> Result<Genealogy, DbErr> {
    use entity::{
        clinic,
        enums::{ItemKind, LocationLevel, LocationType, LotState, MovementReason, StockUnit},
        item, location, lot, lot_genealogy, stock_balance, stock_movement,
    };
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let now = Utc::now();
    let today = now.date_naive();
    let loc = location::ActiveModel {
        code: Set("GEN/STOCK".into()),
        name: Set("GEN/STOCK".into()),
        level: Set(LocationLevel::Bin),
        location_type: Set(LocationType::Stock),
        parent_id: Set(None),
        created_at: Set(now),
        ..Default::default()
    };
    let bin = sea_orm::ActiveModelTrait::insert(loc, db).await?.id;
    insert_batched::<clinic::Entity, _>(
        db,
        (0..spec.clinics)
            .map(|i| clinic::ActiveModel {
                code: Set(format!("GEN-CL-{i:04}")),
                name: Set(format!("Synthetic clinic {i}")),
                address: Set(format!("{i} Main Street")),
                city: Set("Zurich".into()),
                country: Set("CH".into()),
                contact_name: Set("Dr. Synthetic".into()),
                email: Set(format!("clinic{i}@example.org")),
                phone: Set(None),
                created_at: Set(now),
                ..Default::default()
            })
            .collect(),
    )
    .await?;
    let mut item_ids = Vec::new();
    for (code, kind, unit) in [
        ("GEN-BAR", ItemKind::Bar, StockUnit::Mm),
        ("GEN-MACHINED", ItemKind::Blank, StockUnit::Pcs),
        ("GEN-FINISHED", ItemKind::Finished, StockUnit::Pcs),
        ("GEN-UNIT", ItemKind::Finished, StockUnit::Pcs),
    ] {
        let m = item::ActiveModel {
            kind: Set(kind),
            code: Set(code.into()),
            name: Set(code.into()),
            unit: Set(unit),
            sku_id: Set(None),
            platform_id: Set(None),
            reorder_point: Set(None),
            created_at: Set(now),
            ..Default::default()
        };
        item_ids.push(sea_orm::ActiveModelTrait::insert(m, db).await?.id);
    }
    let new_lot = |item_id: i64, number: String, heat: Option<String>| lot::ActiveModel {
        item_id: Set(item_id),
        lot_number: Set(number),
        state: Set(LotState::Released),
        state_reason: Set(None),
        production_date: Set(Some(today)),
        expiry_date: Set(None),
        heat_number: Set(heat),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    // Lots of one layer, inserted in order; returns their ids in that order.
    async fn layer(
        db: &impl ConnectionTrait,
        item_id: i64,
        rows: Vec<lot::ActiveModel>,
    ) -> Result<Vec<i64>, DbErr> {
        for chunk in rows.chunks(20_000) {
            insert_batched::<lot::Entity, _>(db, chunk.to_vec()).await?;
        }
        lot::Entity::find()
            .select_only()
            .column(lot::Column::Id)
            .filter(sea_orm::ColumnTrait::eq(&lot::Column::ItemId, item_id))
            .order_by_asc(lot::Column::Id)
            .into_tuple::<i64>()
            .all(db)
            .await
    }
    use sea_orm::QueryFilter;
    let heats: Vec<String> = (0..spec.heats).map(|h| format!("GH-{h:05}")).collect();
    let mut bar_rows = Vec::with_capacity(spec.heats * spec.bars_per_heat);
    for (h, heat) in heats.iter().enumerate() {
        for b in 0..spec.bars_per_heat {
            let mut l = new_lot(item_ids[0], format!("GB-{h:05}-{b:03}"), Some(heat.clone()));
            l.certificate_type = Set(Some("EN 10204 3.1".into()));
            l.grade = Set(Some("Grade 23".into()));
            bar_rows.push(l);
        }
    }
    let bars = layer(db, item_ids[0], bar_rows).await?;
    let per_heat_m = spec.bars_per_heat * spec.machined_per_bar;
    let machined = layer(
        db,
        item_ids[1],
        (0..bars.len() * spec.machined_per_bar)
            .map(|i| new_lot(item_ids[1], format!("GM-{i:07}"), None))
            .collect(),
    )
    .await?;
    let finished = layer(
        db,
        item_ids[2],
        (0..machined.len() * spec.finished_per_machined)
            .map(|i| new_lot(item_ids[2], format!("GF-{i:07}"), None))
            .collect(),
    )
    .await?;
    let mut edges = Vec::with_capacity(20_000);
    let mut edge_count = 0usize;
    let edge = |parent: i64, child: i64, quantity: i64| lot_genealogy::ActiveModel {
        parent_lot_id: Set(parent),
        child_lot_id: Set(child),
        quantity: Set(quantity),
        job_id: Set(None),
        created_at: Set(now),
        ..Default::default()
    };
    // Machined lots: from their bar, every second one also from the heat's next bar.
    for (i, m) in machined.iter().enumerate() {
        let b = i / spec.machined_per_bar;
        edges.push(edge(bars[b], *m, 400));
        if i % 2 == 1 {
            let heat = b / spec.bars_per_heat;
            let next = heat * spec.bars_per_heat + (b + 1) % spec.bars_per_heat;
            edges.push(edge(bars[next], *m, 100));
        }
        if edges.len() >= 20_000 {
            edge_count += edges.len();
            insert_batched::<lot_genealogy::Entity, _>(db, std::mem::take(&mut edges)).await?;
        }
    }
    // Finished lots: from their machined lot and a random other one of the same heat.
    for (i, f) in finished.iter().enumerate() {
        let m = i / spec.finished_per_machined;
        edges.push(edge(machined[m], *f, 20));
        let heat = m / per_heat_m;
        let other = heat * per_heat_m + rng.random_range(0..per_heat_m);
        if other != m {
            edges.push(edge(machined[other], *f, 4));
        }
        if edges.len() >= 20_000 {
            edge_count += edges.len();
            insert_batched::<lot_genealogy::Entity, _>(db, std::mem::take(&mut edges)).await?;
        }
    }
    // Finished stock on a shelf, received through the ledger.
    let mv = |lot_id: i64,
              from: Option<i64>,
              to: Option<i64>,
              reason: MovementReason,
              q: i64,
              r: String| {
        stock_movement::ActiveModel {
            at: Set(now),
            lot_id: Set(lot_id),
            from_location_id: Set(from),
            to_location_id: Set(to),
            quantity: Set(q),
            reason: Set(reason),
            reference: Set(r),
            actor_user_id: Set(None),
            actor_name: Set("system".into()),
            idempotency_key: Set(None),
            note: Set(None),
            ..Default::default()
        }
    };
    let mut balances = Vec::with_capacity(20_000);
    let mut moves = Vec::with_capacity(20_000);
    for f in &finished {
        let q = rng.random_range(1..8_i64);
        balances.push(stock_balance::ActiveModel {
            lot_id: Set(*f),
            location_id: Set(bin),
            on_hand: Set(q),
            reserved: Set(0),
        });
        moves.push(mv(
            *f,
            None,
            Some(bin),
            MovementReason::ProductionOutput,
            q,
            "synthetic".into(),
        ));
        if balances.len() >= 20_000 {
            insert_batched::<stock_balance::Entity, _>(db, std::mem::take(&mut balances)).await?;
            insert_batched::<stock_movement::Entity, _>(db, std::mem::take(&mut moves)).await?;
        }
    }
    insert_batched::<stock_balance::Entity, _>(db, std::mem::take(&mut balances)).await?;
    insert_batched::<stock_movement::Entity, _>(db, std::mem::take(&mut moves)).await?;
    // Units: a lot of one each, made from its finished lot, produced and shipped.
    let mut units = Vec::with_capacity(finished.len() * spec.units_per_finished);
    let mut rows = Vec::with_capacity(20_000);
    let mut n = 0usize;
    let total = finished.len() * spec.units_per_finished;
    while n < total {
        rows.push(new_lot(item_ids[3], format!("GU-{n:08}"), None));
        n += 1;
        if rows.len() == 200_000 || n == total {
            let first = units.len();
            for chunk in rows.chunks(20_000) {
                insert_batched::<lot::Entity, _>(db, chunk.to_vec()).await?;
            }
            rows.clear();
            let after = units.last().copied().unwrap_or(0);
            let ids: Vec<i64> = lot::Entity::find()
                .select_only()
                .column(lot::Column::Id)
                .filter(sea_orm::ColumnTrait::eq(&lot::Column::ItemId, item_ids[3]))
                .filter(sea_orm::ColumnTrait::gt(&lot::Column::Id, after))
                .order_by_asc(lot::Column::Id)
                .into_tuple::<i64>()
                .all(db)
                .await?;
            units.extend(ids);
            for (k, u) in units[first..].iter().enumerate() {
                let f = finished[(first + k) / spec.units_per_finished];
                edges.push(edge(f, *u, 1));
                let clinic = format!("GEN-CL-{:04}", rng.random_range(0..spec.clinics.max(1)));
                moves.push(mv(
                    *u,
                    None,
                    Some(bin),
                    MovementReason::ProductionOutput,
                    1,
                    "synthetic".into(),
                ));
                moves.push(mv(*u, Some(bin), None, MovementReason::Shipment, 1, clinic));
                if edges.len() >= 20_000 {
                    edge_count += edges.len();
                    insert_batched::<lot_genealogy::Entity, _>(db, std::mem::take(&mut edges))
                        .await?;
                    insert_batched::<stock_movement::Entity, _>(db, std::mem::take(&mut moves))
                        .await?;
                }
            }
        }
    }
    edge_count += edges.len();
    insert_batched::<lot_genealogy::Entity, _>(db, edges).await?;
    insert_batched::<stock_movement::Entity, _>(db, moves).await?;
    Ok(Genealogy {
        heats,
        bars,
        machined,
        finished,
        units,
        edges: edge_count,
    })
}

/// A database for a benchmark: a new SQLite file under the system's temporary
/// directory (or `BENCH_SQLITE_DIR`), or, when `BENCH_DATABASE_URL` names a
/// PostgreSQL server, a fresh database `name` there. [`BenchDb::finish`]
/// removes it.
pub struct BenchDb {
    /// URL of the benchmark's database.
    pub url: String,
    admin: Option<sea_orm::DatabaseConnection>,
    name: String,
    file: Option<std::path::PathBuf>,
}

impl BenchDb {
    /// Creates the database.
    pub async fn create(name: &str) -> Result<Self, DbErr> {
        match std::env::var("BENCH_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let admin = sea_orm::Database::connect(&admin_url).await?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await?;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await?;
                let base = admin_url.split('?').next().unwrap_or(&admin_url);
                let prefix = &base[..base.rfind('/').unwrap_or(base.len())];
                Ok(Self {
                    url: format!("{prefix}/{name}"),
                    admin: Some(admin),
                    name: name.to_owned(),
                    file: None,
                })
            }
            _ => {
                let dir = std::env::var("BENCH_SQLITE_DIR")
                    .map(std::path::PathBuf::from)
                    .unwrap_or_else(|_| std::env::temp_dir());
                std::fs::create_dir_all(&dir).map_err(|e| DbErr::Custom(e.to_string()))?;
                let file = dir.join(format!("{name}-{}.db", std::process::id()));
                let _ = std::fs::remove_file(&file);
                Ok(Self {
                    url: format!("sqlite://{}?mode=rwc", file.display()),
                    admin: None,
                    name: name.to_owned(),
                    file: Some(file),
                })
            }
        }
    }

    /// Drops the database (PostgreSQL) or deletes the file (SQLite).
    pub async fn finish(self) -> Result<(), DbErr> {
        if let Some(a) = self.admin {
            a.execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .await?;
        }
        if let Some(f) = self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", f.display()));
            }
        }
        Ok(())
    }
}

/// A bench setting from the environment, or its default.
pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Prints the count and p50/p90/p95/p99 of a bench's timings.
pub fn report(label: &str, mut t: Vec<std::time::Duration>) {
    if t.is_empty() {
        println!("{label}: n=0");
        return;
    }
    t.sort();
    let p = |q: f64| t[((t.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{label}: n={} p50 {:.3?} p90 {:.3?} p95 {:.3?} p99 {:.3?}",
        t.len(),
        p(0.5),
        p(0.9),
        p(0.95),
        p(0.99)
    );
}
