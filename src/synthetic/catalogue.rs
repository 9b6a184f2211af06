//! The synthetic catalogue: manufacturers, systems, platforms, SKUs and
//! their compatibility rows.

use chrono::{DateTime, Utc};
use entity::{
    abutment_sku,
    enums::{AbutmentType, ConnectionType, Material, SkuStatus},
    implant_system, manufacturer, platform, sku_platform,
};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Iterable, QueryOrder, Set};

use super::{CHUNK, ids_of};
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
    let maker_ids = manufacturers(db, spec.manufacturers, now).await?;
    let system_ids = systems(db, &mut rng, spec.systems, &maker_ids, now).await?;
    let (platform_ids, platform_names) = platforms(db, spec.platforms, &system_ids, now).await?;
    let types: Vec<AbutmentType> = AbutmentType::iter().collect();
    let materials: Vec<Material> = Material::iter().collect();
    let skus: Vec<abutment_sku::ActiveModel> = (0..spec.skus)
        .map(|i| sku(&mut rng, i, (&types, &materials), now))
        .collect();
    insert_batched::<abutment_sku::Entity, _>(db, skus).await?;
    // Ids come back in insertion order on a fresh table; the fit rows copy
    // each SKU's keys, so read the SKUs back in that order.
    let sku_rows = abutment_sku::Entity::find()
        .order_by_asc(abutment_sku::Column::Id)
        .all(db)
        .await?;
    fits(db, &mut rng, spec.fits, &sku_rows, &platform_ids, now).await?;
    Ok(Catalogue {
        platform_ids,
        sku_ids: sku_rows.iter().map(|s| s.id).collect(),
        platform_names,
    })
}

/// `n` manufacturers; returns their ids.
async fn manufacturers(
    db: &impl ConnectionTrait,
    n: usize,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, DbErr> {
    insert_batched::<manufacturer::Entity, _>(
        db,
        (0..n)
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
    ids_of::<manufacturer::Entity>(db, manufacturer::Column::Id).await
}

/// `n` systems, dealt round the manufacturers, each with a random
/// connection; returns their ids.
async fn systems(
    db: &impl ConnectionTrait,
    rng: &mut StdRng,
    n: usize,
    maker_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<Vec<i64>, DbErr> {
    let conns: Vec<ConnectionType> = ConnectionType::iter().collect();
    insert_batched::<implant_system::Entity, _>(
        db,
        (0..n)
            .map(|i| implant_system::ActiveModel {
                manufacturer_id: Set(maker_ids[i % maker_ids.len()]),
                name: Set(format!("Synth System {i:04}")),
                name_key: Set(format!("synth system {i:04}")),
                connection: Set(*conns.choose(rng).unwrap_or(&ConnectionType::Other)),
                notes: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .collect(),
    )
    .await?;
    ids_of::<implant_system::Entity>(db, implant_system::Column::Id).await
}

/// `n` platforms, dealt round the systems; returns their ids and their
/// (system, platform) names.
async fn platforms(
    db: &impl ConnectionTrait,
    n: usize,
    system_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<(Vec<i64>, Vec<(String, String)>), DbErr> {
    let mut platform_names = Vec::with_capacity(n);
    let mut platforms = Vec::with_capacity(n);
    for i in 0..n {
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
    let ids = ids_of::<platform::Entity>(db, platform::Column::Id).await?;
    Ok((ids, platform_names))
}

/// The `i`th SKU, with a valid GTIN and random attributes.
fn sku(
    rng: &mut StdRng,
    i: usize,
    (types, materials): (&[AbutmentType], &[Material]),
    now: DateTime<Utc>,
) -> abutment_sku::ActiveModel {
    let heights = [800, 1500, 2500, 3500, 4500, 5500];
    let angles = [0, 15_000, 17_000, 25_000, 30_000];
    let t = *types.choose(rng).unwrap_or(&AbutmentType::Straight);
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
        material: Set(*materials.choose(rng).unwrap_or(&Material::Ti6Al4VEli)),
        gingival_height_um: Set(*heights.choose(rng).unwrap_or(&1500)),
        angulation_mdeg: Set(if t == AbutmentType::Angled {
            *angles[1..].choose(rng).unwrap_or(&15_000)
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
}

/// `total` compatibility rows: each SKU fits `total / skus` distinct random
/// platforms, the remainder spread one extra over the first SKUs.
async fn fits(
    db: &impl ConnectionTrait,
    rng: &mut StdRng,
    total: usize,
    sku_rows: &[abutment_sku::Model],
    platform_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let per = total / sku_rows.len().max(1);
    let extra = total % sku_rows.len().max(1);
    let mut fits = Vec::with_capacity(total);
    for (i, sku) in sku_rows.iter().enumerate() {
        let n = (per + usize::from(i < extra)).min(platform_ids.len());
        for pid in platform_ids.choose_multiple(rng, n) {
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
        if fits.len() >= CHUNK {
            insert_batched::<sku_platform::Entity, _>(db, std::mem::take(&mut fits)).await?;
        }
    }
    insert_batched::<sku_platform::Entity, _>(db, fits).await
}
