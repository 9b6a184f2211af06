//! Seed data: the CSVs in `seeds/`, built into the binary, loaded through the
//! same importer users use, in foreign-key order and in one transaction.

use std::path::Path;

use anyhow::Context;
use sea_orm::{DatabaseConnection, TransactionTrait};

use crate::catalog::import::{self, ImportError, ImportKind, ImportReport};

/// The seed files built into the binary, in load order.
pub const BUILT_IN: [(ImportKind, &str); 4] = [
    (ImportKind::Systems, include_str!("../seeds/systems.csv")),
    (
        ImportKind::Platforms,
        include_str!("../seeds/platforms.csv"),
    ),
    (ImportKind::Skus, include_str!("../seeds/skus.csv")),
    (
        ImportKind::Compatibility,
        include_str!("../seeds/compatibility.csv"),
    ),
];

/// Loads the seeds (built in, or from `dir`) in one transaction.
pub async fn load(
    db: &DatabaseConnection,
    dir: Option<&Path>,
) -> anyhow::Result<Vec<ImportReport>> {
    let mut files = Vec::new();
    for (kind, text) in BUILT_IN {
        let data = match dir {
            Some(d) => {
                let path = d.join(kind.file_name());
                std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?
            }
            None => text.to_owned(),
        };
        files.push((kind, data));
    }
    let txn = db.begin().await?;
    let mut reports = Vec::new();
    for (kind, data) in files {
        let system = crate::inventory::Actor::system();
        match import::import_in(
            &txn,
            &system,
            kind,
            kind.file_name(),
            data.as_bytes(),
            false,
        )
        .await
        {
            Ok(r) => reports.push(r),
            Err(ImportError::Rows(rows)) => {
                let lines: Vec<String> = rows.iter().map(ToString::to_string).collect();
                anyhow::bail!(
                    "seed file {} is invalid:\n{}",
                    kind.file_name(),
                    lines.join("\n")
                );
            }
            Err(ImportError::Db(e)) => return Err(e.into()),
        }
    }
    inventory(&txn)
        .await
        .map_err(|e| anyhow::anyhow!("seeding inventory: {e}"))?;
    txn.commit().await?;
    Ok(reports)
}

/// The warehouse: a location tree, three bar heats and two blank lots with
/// certificates, and finished stock for a fifth of the SKUs in realistic
/// states (most released in stock, some in quarantine, one on hold, some
/// near expiry, one expired). Dates are relative to today, so "near expiry"
/// stays near. Loaded through the same service functions users call.
pub async fn inventory(db: &impl sea_orm::ConnectionTrait) -> crate::error::AppResult<()> {
    use chrono::{Duration, Months};
    use entity::{
        abutment_sku,
        enums::{LocationLevel as L, LocationType as T, LotState, Material, SkuStatus},
    };
    use sea_orm::{EntityTrait, QueryOrder};

    use crate::inventory::{Actor, service as inv, today};

    let actor = Actor::system();
    for (code, name, level, ty, parent) in [
        ("MAIN", "Main plant", L::Site, T::Stock, None),
        ("MAIN/RECV", "Goods in", L::Zone, T::Receiving, Some("MAIN")),
        (
            "MAIN/RECV/DOCK-1",
            "Dock 1",
            L::Bin,
            T::Receiving,
            Some("MAIN/RECV"),
        ),
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
    ] {
        inv::create_location(db, code, name, level, ty, parent).await?;
    }
    let dock = "MAIN/RECV/DOCK-1";
    let release =
        async |l: &entity::lot::Model, to: &str, qty: i64| -> crate::error::AppResult<()> {
            inv::change_state(
                db,
                &actor,
                l.id,
                LotState::Released,
                "incoming inspection passed",
            )
            .await?;
            inv::transfer(db, &actor, l.id, dock, to, qty, "put-away", None).await?;
            Ok(())
        };
    for (i, (heat, mill, grade, dia, cert)) in [
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
    ]
    .into_iter()
    .enumerate()
    {
        let l = inv::receive_bar(
            db,
            &actor,
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
                location: dock.into(),
                reference: format!("PO-2026-{:03}", 100 + i),
            },
            None,
        )
        .await?;
        if i < 2 {
            release(&l, "MAIN/RAW/BAR-1", 60_000).await?;
        }
    }
    for (gtin, lot, system, platform) in [
        ("04012345000016", "BLK-24-001", "NobelActive", "NP"),
        ("04012345000023", "BLK-24-002", "Bone Level", "RC"),
    ] {
        let l = inv::receive_blank(
            db,
            &actor,
            &inv::ReceiveBlank {
                supplier_gtin: gtin.into(),
                supplier_lot: lot.into(),
                platform: crate::catalog::service::PlatformRef {
                    system: Some(system.into()),
                    platform: Some(platform.into()),
                    ..Default::default()
                },
                quantity: 50,
                location: dock.into(),
                reference: "PO-2026-200".into(),
            },
            None,
        )
        .await?;
        release(&l, "MAIN/RAW/BLANK-1", 50).await?;
    }
    let skus = abutment_sku::Entity::find()
        .order_by_asc(abutment_sku::Column::Id)
        .all(db)
        .await?;
    let bins = ["MAIN/STOCK/A-01", "MAIN/STOCK/A-02", "MAIN/STOCK/B-01"];
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
            &actor,
            &inv::ReceiveFinished {
                article_number: sku.article_number.clone(),
                lot_number: format!("L{}{:04}", made.format("%y%m"), n),
                quantity: qty,
                location: dock.into(),
                production_date: made,
                expiry_date: None,
                reference: "opening stock".into(),
            },
            None,
        )
        .await?;
        match n % 15 {
            3 => {} // still in quarantine at the dock
            11 => {
                release(&l, bins[n % 3], qty).await?;
                inv::change_state(
                    db,
                    &actor,
                    l.id,
                    LotState::OnHold,
                    "complaint CAPA-2026-014 under review",
                )
                .await?;
            }
            _ if n == 7 => {
                // Expired before it could be released: stays in quarantine.
                inv::transfer(
                    db,
                    &actor,
                    l.id,
                    dock,
                    "MAIN/QC/Q-01",
                    qty,
                    "segregate",
                    None,
                )
                .await?;
            }
            _ => release(&l, bins[n % 3], qty).await?,
        }
    }
    Ok(())
}
