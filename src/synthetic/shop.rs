//! Synthetic open cases on top of a warehouse: a shop of four 5-axis mills
//! that hold every system's blanks, one clinic, and open cases drawn from
//! SKUs with stock (a quarter asking for an 8° angled part no SKU is, so
//! their best option is a custom job).

use chrono::Utc;
use entity::enums::{AbutmentType, MachineKind, Material, Restoration};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::Stock;
use crate::{
    cases::service as cases,
    catalog::service::PlatformRef,
    error::AppResult,
    inventory::Actor,
    manufacturing::{
        calendar::Shift,
        service::{self as mfg, NewMachine},
    },
};

/// Four mills holding every system's blanks, two shifts a weekday, and the
/// clinic `BENCH` the cases come from.
pub async fn generate_shop(db: &impl ConnectionTrait) -> AppResult<()> {
    let systems: Vec<i64> = entity::implant_system::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    for k in 1..=4 {
        let m = mfg::create_machine(
            db,
            &NewMachine {
                code: format!("MILL-{k}"),
                name: format!("5-axis mill {k}"),
                kind: MachineKind::Mill5Axis,
                time_zone: "Europe/Zurich".into(),
                materials: vec![Material::Ti6Al4VEli, Material::Ti6Al4VGrade5],
                bar_min_diameter_um: None,
                bar_max_diameter_um: None,
                system_ids: systems.clone(),
                notes: None,
            },
        )
        .await?;
        let shifts: Vec<Shift> = (1..=5)
            .map(|d| Shift {
                weekday: d,
                start_minute: 6 * 60,
                end_minute: 22 * 60,
            })
            .collect();
        mfg::set_calendar(db, m.id, "Europe/Zurich", &shifts).await?;
    }
    cases::create_clinic(
        db,
        &cases::NewClinic {
            code: "BENCH".into(),
            name: "Bench clinic".into(),
            address: "1 Main St".into(),
            city: "Zürich".into(),
            country: "CH".into(),
            contact_name: "Bench".into(),
            email: "bench@example.org".into(),
            phone: None,
        },
    )
    .await?;
    Ok(())
}

/// `n` open cases of clinic `BENCH`, each from a random lot's SKU and one
/// of its platforms, due in 1–30 days; a quarter ask for an 8° angled part.
/// Returns their ids.
pub async fn generate_open_cases(
    db: &impl ConnectionTrait,
    stock: &Stock,
    n: usize,
    seed: u64,
) -> AppResult<Vec<i64>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let actor = Actor::system();
    let mut ids = Vec::with_capacity(n);
    while ids.len() < n && !stock.lot_ids.is_empty() {
        let lot_id = stock.lot_ids[rng.random_range(0..stock.lot_ids.len())];
        let Some(l) = entity::lot::Entity::find_by_id(lot_id).one(db).await? else {
            continue;
        };
        let Some(item) = entity::item::Entity::find_by_id(l.item_id).one(db).await? else {
            continue;
        };
        let Some(sku_id) = item.sku_id else { continue };
        let Some(sku) = entity::abutment_sku::Entity::find_by_id(sku_id)
            .one(db)
            .await?
        else {
            continue;
        };
        let Some(fit) = entity::sku_platform::Entity::find()
            .filter(entity::sku_platform::Column::SkuId.eq(sku_id))
            .one(db)
            .await?
        else {
            continue;
        };
        let custom = rng.random_range(0..4) == 0;
        let i = ids.len();
        let c = cases::create_case(
            db,
            &actor,
            &cases::NewCase {
                clinic_code: "BENCH".into(),
                order_reference: format!("B-{i}"),
                patient_pseudonym: format!("BP-{i:06}"),
                tooth: [11, 16, 21, 26, 36, 46][i % 6],
                platform: PlatformRef {
                    id: Some(fit.platform_id),
                    ..Default::default()
                },
                restoration: if sku.engaging {
                    Restoration::SingleCrown
                } else {
                    Restoration::Bridge
                },
                abutment_type: if custom {
                    AbutmentType::Angled
                } else {
                    sku.abutment_type
                },
                gingival_height_um: if custom {
                    sku.gingival_height_um.clamp(500, 5_000)
                } else {
                    sku.gingival_height_um
                },
                angulation_mdeg: if custom { 8_000 } else { sku.angulation_mdeg },
                engaging: Some(sku.engaging),
                material: None,
                due_at: Utc::now() + chrono::Duration::days(rng.random_range(1..=30)),
            },
        )
        .await?;
        ids.push(c.id);
    }
    Ok(ids)
}
