//! The warehouse seeds: a location tree, three bar heats and three blank lots
//! with certificates, and finished stock for a fifth of the SKUs in
//! realistic states (most released in stock, some in quarantine, one on
//! hold, some near expiry, one expired). Dates are relative to today, so
//! "near expiry" stays near. Loaded through the same service functions
//! users call.

use chrono::{Duration, Months};
use entity::{
    abutment_sku,
    enums::{LocationLevel as L, LocationType as T, LotState, Material, SkuStatus},
    lot,
};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

use crate::{
    error::AppResult,
    inventory::{Actor, service as inv, today},
};

/// Where every seeded receipt arrives.
const DOCK: &str = "MAIN/RECV/DOCK-1";

/// The location tree: code, name, level, type, parent, parents first.
const LOCATIONS: [(&str, &str, L, T, Option<&str>); 19] = [
    ("MAIN", "Main plant", L::Site, T::Stock, None),
    ("MAIN/RECV", "Goods in", L::Zone, T::Receiving, Some("MAIN")),
    (DOCK, "Dock 1", L::Bin, T::Receiving, Some("MAIN/RECV")),
    (
        "MAIN/QC",
        "Quarantine cage",
        L::Zone,
        T::Quarantine,
        Some("MAIN"),
    ),
    (
        "MAIN/QC/Q-01",
        "Quarantine shelf 1",
        L::Bin,
        T::Quarantine,
        Some("MAIN/QC"),
    ),
    (
        "MAIN/STOCK",
        "Finished goods",
        L::Zone,
        T::Stock,
        Some("MAIN"),
    ),
    (
        "MAIN/STOCK/A-01",
        "Shelf A-01",
        L::Bin,
        T::Stock,
        Some("MAIN/STOCK"),
    ),
    (
        "MAIN/STOCK/A-02",
        "Shelf A-02",
        L::Bin,
        T::Stock,
        Some("MAIN/STOCK"),
    ),
    (
        "MAIN/STOCK/B-01",
        "Shelf B-01",
        L::Bin,
        T::Stock,
        Some("MAIN/STOCK"),
    ),
    ("MAIN/RAW", "Raw material", L::Zone, T::Stock, Some("MAIN")),
    (
        "MAIN/RAW/BAR-1",
        "Bar rack 1",
        L::Bin,
        T::Stock,
        Some("MAIN/RAW"),
    ),
    (
        "MAIN/RAW/BLANK-1",
        "Blank cabinet 1",
        L::Bin,
        T::Stock,
        Some("MAIN/RAW"),
    ),
    (
        "MAIN/PROD",
        "Production",
        L::Zone,
        T::Production,
        Some("MAIN"),
    ),
    (
        "MAIN/PROD/SWISS-1",
        "Swiss lathe 1",
        L::Bin,
        T::Production,
        Some("MAIN/PROD"),
    ),
    (
        "MAIN/PROD/MILL-1",
        "5-axis mill 1",
        L::Bin,
        T::Production,
        Some("MAIN/PROD"),
    ),
    ("MAIN/SHIP", "Dispatch", L::Zone, T::Shipping, Some("MAIN")),
    (
        "MAIN/SHIP/OUT-1",
        "Outgoing 1",
        L::Bin,
        T::Shipping,
        Some("MAIN/SHIP"),
    ),
    ("MAIN/SCRAP", "Scrap", L::Zone, T::Scrap, Some("MAIN")),
    (
        "MAIN/SCRAP/BIN-1",
        "Scrap bin",
        L::Bin,
        T::Scrap,
        Some("MAIN/SCRAP"),
    ),
];

/// Bar heats: heat number, mill, grade, diameter (mm), certificate type.
/// The first two are released to the bar rack; the third stays at the dock.
const HEATS: [(&str, &str, Material, i64, &str); 3] = [
    (
        "H-7721-A",
        "Titanium Mill Alpha",
        Material::Ti6Al4VEli,
        12,
        "3.1",
    ),
    (
        "H-7721-B",
        "Titanium Mill Alpha",
        Material::Ti6Al4VEli,
        16,
        "3.2",
    ),
    (
        "H-5590-X",
        "Specialty Bar Works",
        Material::Ti6Al4VGrade5,
        12,
        "3.1",
    ),
];

/// Blank lots: supplier GTIN, supplier lot, system, platform.
const BLANKS: [(&str, &str, &str, &str); 3] = [
    ("04012345000016", "BLK-24-001", "NobelActive", "NP"),
    ("04012345000023", "BLK-24-002", "Bone Level", "RC"),
    ("04012345000030", "BLK-24-003", "NobelActive", "RP"),
];

/// The shelves opening stock is put away on, in turn.
const BINS: [&str; 3] = ["MAIN/STOCK/A-01", "MAIN/STOCK/A-02", "MAIN/STOCK/B-01"];

/// Seeds the warehouse (see the module's description).
pub async fn load(db: &impl ConnectionTrait) -> AppResult<()> {
    let actor = Actor::system();
    for (code, name, level, ty, parent) in LOCATIONS {
        inv::create_location(db, code, name, level, ty, parent).await?;
    }
    bars(db, &actor).await?;
    blanks(db, &actor).await?;
    opening_stock(db, &actor).await
}

/// Releases a lot received at the dock and puts `qty` of it away at `to`.
async fn release(
    db: &impl ConnectionTrait,
    actor: &Actor,
    l: &lot::Model,
    to: &str,
    qty: i64,
) -> AppResult<()> {
    inv::change_state(
        db,
        actor,
        l.id,
        LotState::Released,
        "incoming inspection passed",
    )
    .await?;
    inv::transfer(db, actor, l.id, DOCK, to, qty, "put-away").await?;
    Ok(())
}

/// Receives the bar heats with their certificates.
async fn bars(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<()> {
    for (i, (heat, mill, grade, dia, cert)) in HEATS.into_iter().enumerate() {
        let l = inv::receive_bar(
            db,
            actor,
            &inv::ReceiveBar {
                heat_number: heat.into(),
                lot_number: format!("BAR-{heat}"),
                mill: mill.into(),
                standard: "ASTM F136".into(),
                grade,
                diameter_mm: rust_decimal::Decimal::new(dia, 0),
                bar_length_mm: 3000,
                bars: 20,
                certificate_type: cert.into(),
                certificate_ref: format!("CERT-{heat}"),
                chemistry: Some("Al 6.1, V 4.0, Fe 0.18, O 0.11, N 0.01, C 0.02, H 0.003".into()),
                mechanical: Some("Rm 930 MPa, Rp0.2 860 MPa, A 14 %".into()),
                location: DOCK.into(),
                reference: format!("PO-2026-{:03}", 100 + i),
            },
        )
        .await?;
        if i < 2 {
            release(db, actor, &l, "MAIN/RAW/BAR-1", 60_000).await?;
        }
    }
    Ok(())
}

/// Receives the blank lots and releases them to the blank cabinet.
async fn blanks(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<()> {
    for (gtin, lot, system, platform) in BLANKS {
        let l = inv::receive_blank(
            db,
            actor,
            &inv::ReceiveBlank {
                supplier_gtin: gtin.into(),
                supplier_lot: lot.into(),
                platform: crate::catalog::service::PlatformRef {
                    system: Some(system.into()),
                    platform: Some(platform.into()),
                    ..Default::default()
                },
                quantity: 50,
                location: DOCK.into(),
                reference: "PO-2026-200".into(),
            },
        )
        .await?;
        release(db, actor, &l, "MAIN/RAW/BLANK-1", 50).await?;
    }
    Ok(())
}

/// Finished stock for every fifth active SKU, made 1–24 months ago: every
/// 15th lot still in quarantine at the dock, every 15th (another) on hold,
/// every 9th sterile one near expiry, one expired.
async fn opening_stock(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<()> {
    let skus = abutment_sku::Entity::find()
        .order_by_asc(abutment_sku::Column::Id)
        .all(db)
        .await?;
    let t = today();
    for (n, sku) in skus
        .iter()
        .filter(|s| s.status == SkuStatus::Active)
        .step_by(5)
        .enumerate()
    {
        // Made 1–24 months ago; every 9th near expiry, one already expired.
        let mut made = t - Duration::days(30 + (n as i64 * 37) % 700);
        if sku.sterile && n % 9 == 4 {
            made = t.checked_sub_months(Months::new(35)).unwrap_or(made);
        }
        if sku.sterile && n == 7 {
            made = t.checked_sub_months(Months::new(37)).unwrap_or(made);
        }
        let qty = 5 + (n as i64 * 13) % 36;
        let l = inv::receive_finished(
            db,
            actor,
            &inv::ReceiveFinished {
                article_number: sku.article_number.clone(),
                lot_number: format!("L{}{:04}", made.format("%y%m"), n),
                quantity: qty,
                location: DOCK.into(),
                production_date: made,
                expiry_date: None,
                reference: "opening stock".into(),
            },
        )
        .await?;
        put_away(db, actor, &l, n, qty).await?;
    }
    Ok(())
}

/// Where the `n`th opening lot goes: most released to a shelf, every 15th
/// left in quarantine at the dock, every 15th (another) put on hold, and
/// the expired one segregated in the quarantine cage.
async fn put_away(
    db: &impl ConnectionTrait,
    actor: &Actor,
    l: &lot::Model,
    n: usize,
    qty: i64,
) -> AppResult<()> {
    match n % 15 {
        3 => {} // still in quarantine at the dock
        11 => {
            release(db, actor, l, BINS[n % 3], qty).await?;
            inv::change_state(
                db,
                actor,
                l.id,
                LotState::OnHold,
                "complaint CAPA-2026-014 under review",
            )
            .await?;
        }
        _ if n == 7 => {
            // Expired before it could be released: stays in quarantine.
            inv::transfer(db, actor, l.id, DOCK, "MAIN/QC/Q-01", qty, "segregate").await?;
        }
        _ => release(db, actor, l, BINS[n % 3], qty).await?,
    }
    Ok(())
}
