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

use crate::catalog::{gtin, import::insert_batched, service::set_fit_keys};

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

/// Prints the count and p50/p90/p99 of a bench's timings.
pub fn report(label: &str, mut t: Vec<std::time::Duration>) {
    if t.is_empty() {
        println!("{label}: n=0");
        return;
    }
    t.sort();
    let p = |q: f64| t[((t.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{label}: n={} p50 {:.3?} p90 {:.3?} p99 {:.3?}",
        t.len(),
        p(0.5),
        p(0.9),
        p(0.99)
    );
}
