//! Seed data: the CSVs in `seeds/`, built into the binary, loaded through the
//! same importer users use, in foreign-key order and in one transaction.

use std::path::Path;

use anyhow::Context;
use sea_orm::{DatabaseConnection, TransactionTrait};

use crate::import::{self, ImportError, ImportKind, ImportReport};

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
        let system = crate::access::Actor::system();
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
                let mut lines: Vec<String> = rows.listed.iter().map(ToString::to_string).collect();
                lines.extend(rows.unlisted_note());
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
    manufacturing(&txn)
        .await
        .map_err(|e| anyhow::anyhow!("seeding manufacturing: {e}"))?;
    cases(&txn)
        .await
        .map_err(|e| anyhow::anyhow!("seeding cases: {e}"))?;
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
            inv::transfer(db, &actor, l.id, dock, to, qty, "put-away").await?;
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
        )
        .await?;
        if i < 2 {
            release(&l, "MAIN/RAW/BAR-1", 60_000).await?;
        }
    }
    for (gtin, lot, system, platform) in [
        ("04012345000016", "BLK-24-001", "NobelActive", "NP"),
        ("04012345000023", "BLK-24-002", "Bone Level", "RC"),
        ("04012345000030", "BLK-24-003", "NobelActive", "RP"),
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
                inv::transfer(db, &actor, l.id, dock, "MAIN/QC/Q-01", qty, "segregate").await?;
            }
            _ => release(&l, bins[n % 3], qty).await?,
        }
    }
    Ok(())
}

/// The shop: 3 Swiss lathes and 4 five-axis mills with calendars in
/// Europe/Zurich and one maintenance window, tools (one bur set near its
/// life limit), and jobs in each state — one stock run done and released
/// (bar heat H-7721-A → finished lot), one custom part awaiting inspection
/// (blank lot BLK-24-001 → custom lot), one run in progress, one cancelled,
/// and open stock and custom jobs the scheduler then plans. Loaded through
/// the same service functions users call.
pub async fn manufacturing(db: &impl sea_orm::ConnectionTrait) -> crate::error::AppResult<()> {
    use crate::{
        catalog::service::{PlatformRef, system_by_name},
        inventory::service as inv,
        manufacturing::{
            calendar::Shift,
            planning,
            service::{self as mfg, NewJob, NewMachine, StartJob},
        },
    };
    use chrono::{Datelike, TimeZone, Utc};
    use entity::enums::{DowntimeKind, InspectionResult, JobKind, LotState, MachineKind, Material};

    let shop = planning::ShopWrite::begin(db, "system").await?;
    let actor = crate::access::Actor::system();
    let shifts = |days: std::ops::RangeInclusive<i16>, spans: &[(i32, i32)]| -> Vec<Shift> {
        days.flat_map(|d| {
            spans.iter().map(move |&(a, b)| Shift {
                weekday: d,
                start_minute: a,
                end_minute: b,
            })
        })
        .collect()
    };
    let two_shifts = [(6 * 60, 14 * 60), (14 * 60, 22 * 60)];
    let day_shift = [(7 * 60, 16 * 60)];
    let mut systems = Vec::new();
    for name in [
        "NobelActive",
        "Bone Level",
        "Tissue Level",
        "Astra Tech EV",
        "Certain",
    ] {
        systems.push(system_by_name(db, None, name).await?.id);
    }
    let titanium = vec![
        Material::Ti6Al4VEli,
        Material::Ti6Al4VGrade5,
        Material::CpTiGrade4,
    ];
    let mut machines = Vec::new();
    for (code, name, kind, saturday) in [
        (
            "SWISS-1",
            "Citizen L20 Swiss lathe",
            MachineKind::SwissLathe,
            false,
        ),
        (
            "SWISS-2",
            "Tornos SwissNano lathe",
            MachineKind::SwissLathe,
            false,
        ),
        (
            "SWISS-3",
            "Star SR-20 Swiss lathe",
            MachineKind::SwissLathe,
            true,
        ),
        (
            "MILL-1",
            "imes-icore 5-axis mill",
            MachineKind::Mill5Axis,
            false,
        ),
        (
            "MILL-2",
            "DATRON D5 5-axis mill",
            MachineKind::Mill5Axis,
            false,
        ),
        (
            "MILL-3",
            "Roland DWX 5-axis mill",
            MachineKind::Mill5Axis,
            false,
        ),
        ("MILL-4", "vhf K5 5-axis mill", MachineKind::Mill5Axis, true),
    ] {
        let lathe = kind.takes_bar();
        let m = mfg::create_machine(
            db,
            &NewMachine {
                code: code.into(),
                name: name.into(),
                kind,
                time_zone: "Europe/Zurich".into(),
                materials: titanium.clone(),
                bar_min_diameter_um: lathe.then_some(6_000),
                bar_max_diameter_um: lathe.then_some(20_000),
                // MILL-3 takes the Nobel and Straumann holders only.
                system_ids: match code {
                    _ if lathe => vec![],
                    "MILL-3" => systems[..3].to_vec(),
                    _ => systems.clone(),
                },
                notes: None,
            },
        )
        .await?;
        let mut week = if lathe {
            shifts(1..=5, &two_shifts)
        } else {
            shifts(1..=5, &day_shift)
        };
        if saturday {
            week.extend(shifts(6..=6, &[(6 * 60, 14 * 60)]));
        }
        mfg::set_calendar(db, m.id, "Europe/Zurich", &week).await?;
        machines.push(m);
    }
    // Maintenance on MILL-2 next Tuesday 08:00–12:00 UTC.
    let now = Utc::now();
    let days_to_tuesday = (8 - now.weekday().number_from_monday() as i64) % 7 + 1;
    let tuesday = (now + chrono::Duration::days(days_to_tuesday)).date_naive();
    let start = Utc.from_utc_datetime(&tuesday.and_hms_opt(8, 0, 0).unwrap_or_default());
    mfg::add_downtime(
        db,
        machines[4].id,
        DowntimeKind::Maintenance,
        start,
        start + chrono::Duration::hours(4),
        "spindle service, 2,000 h interval",
    )
    .await?;
    for (i, m) in machines.iter().enumerate() {
        if m.kind.takes_bar() {
            mfg::create_tool(
                db,
                &format!("INS-{}", m.code),
                "Carbide insert set",
                Some(m.id),
                2_000,
            )
            .await?;
        } else {
            let t = mfg::create_tool(
                db,
                &format!("BUR-{}", m.code),
                "Bur set Ø0.6/1.0/2.0 mm",
                Some(m.id),
                40,
            )
            .await?;
            // MILL-1's bur set is near the end of its life.
            let uses = if i == 3 { 38 } else { 5 * i as i32 };
            use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
            let mut am = t.into_active_model();
            am.uses = Set(uses);
            am.update(db).await?;
        }
    }
    let days = |d: i64| now + chrono::Duration::days(d);
    let stock = |article: &str, qty: i32, due: i64, priority: i32| NewJob {
        kind: JobKind::Stock,
        article_number: Some(article.into()),
        platform: None,
        abutment_type: None,
        material: None,
        engaging: None,
        quantity: qty,
        setup_minutes: None,
        cycle_minutes: None,
        bar_mm_per_part: None,
        gingival_height_um: None,
        angulation_mdeg: None,
        post_height_um: None,
        margin_height_um: None,
        screw_channel_mdeg: None,
        case_reference: None,
        due_at: days(due),
        priority,
    };
    let custom = |system: &str, platform: &str, case: &str, due: i64, gh: i32, angle: i32| NewJob {
        kind: JobKind::Custom,
        article_number: None,
        platform: Some(PlatformRef {
            system: Some(system.into()),
            platform: Some(platform.into()),
            ..Default::default()
        }),
        abutment_type: None,
        material: None,
        engaging: Some(true),
        quantity: 1,
        setup_minutes: None,
        cycle_minutes: None,
        bar_mm_per_part: None,
        gingival_height_um: Some(gh),
        angulation_mdeg: Some(angle),
        post_height_um: Some(5_000),
        margin_height_um: Some(800),
        screw_channel_mdeg: Some(0),
        case_reference: Some(case.into()),
        due_at: days(due),
        priority: 8,
    };
    let start = |machine: i64, program: &str| StartJob {
        machine_id: Some(machine),
        operator: "M. Keller".into(),
        cam_program: program.into(),
        tool_ids: None,
        material: None,
    };
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    // Done: a stock run from bar, inspected and released to stock. It was
    // due two days ago (set by `backdate`: a new job's due date is never past).
    let j = mfg::create_job(db, &actor, &stock("AB-ST-NBA-NP-E-15", 120, 1, 5)).await?;
    mfg::start_job(db, &actor, j.id, &start(machines[0].id, "ABT-ST-NBA v3.2")).await?;
    let (_, done_lot) = mfg::complete_job(db, &actor, j.id, 118, None).await?;
    mfg::inspect_job(
        db,
        &actor,
        j.id,
        InspectionResult::Pass,
        Some(116),
        Some("CMM 5/5 in tolerance"),
    )
    .await?;
    inv::change_state(
        db,
        &actor,
        done_lot.id,
        LotState::Released,
        "batch record reviewed",
    )
    .await?;
    inv::transfer(
        db,
        &actor,
        done_lot.id,
        "MAIN/QC/Q-01",
        "MAIN/STOCK/A-01",
        116,
        "put-away",
    )
    .await?;
    backdate(
        db,
        j.id,
        chrono::Duration::days(6),
        Some(chrono::Duration::days(5)),
    )
    .await?;
    let mut due = crate::manufacturing::service::job(db, j.id)
        .await?
        .into_active_model();
    due.due_at = Set(now - chrono::Duration::days(2));
    due.update(db).await?;
    // Awaiting inspection: a custom part from a blank.
    let j = mfg::create_job(
        db,
        &actor,
        &custom("NobelActive", "NP", "CASE-2026-0412", 1, 2_500, 15_000),
    )
    .await?;
    mfg::start_job(db, &actor, j.id, &start(machines[3].id, "CUSTOM-0412 v1")).await?;
    mfg::complete_job(db, &actor, j.id, 1, None).await?;
    // Running: a stock run on SWISS-2.
    let j = mfg::create_job(db, &actor, &stock("AB-ST-SBL-NC-E-15", 300, 3, 6)).await?;
    mfg::start_job(db, &actor, j.id, &start(machines[1].id, "ABT-ST-SBL v2.7")).await?;
    backdate(db, j.id, chrono::Duration::hours(3), None).await?;
    // Cancelled.
    let j = mfg::create_job(db, &actor, &stock("AB-ST-SBL-NC-E-08", 50, 20, 2)).await?;
    mfg::cancel_job(db, j.id, "order withdrawn by distributor").await?;
    // Open: stock runs and custom parts for the scheduler to plan.
    for (article, qty, due, prio) in [
        ("AB-ST-NBA-NP-E-15", 400, 6, 5),
        ("AB-ST-SBL-NC-E-08", 250, 4, 7),
        ("AB-ST-SBL-NC-E-15", 150, 10, 3),
        ("AB-ST-NBA-NP-E-15", 80, 1, 9),
    ] {
        mfg::create_job(db, &actor, &stock(article, qty, due, prio)).await?;
    }
    for (sys, pf, case, due, gh, angle) in [
        ("NobelActive", "NP", "CASE-2026-0415", 2, 1_500, 0),
        ("Bone Level", "RC", "CASE-2026-0416", 3, 3_000, 20_000),
        ("Bone Level", "RC", "CASE-2026-0417", 1, 2_000, 25_000),
        ("NobelActive", "NP", "CASE-2026-0418", 5, 4_000, 10_000),
    ] {
        mfg::create_job(db, &actor, &custom(sys, pf, case, due, gh, angle)).await?;
    }
    shop.finish("seed").await?;
    Ok(())
}

/// Moves a seeded job's start (and finish and inspection) into the past, as
/// if the shop had run it then.
async fn backdate(
    db: &impl sea_orm::ConnectionTrait,
    id: i64,
    started_ago: chrono::Duration,
    finished_ago: Option<chrono::Duration>,
) -> crate::error::AppResult<()> {
    use chrono::{Duration, Utc};
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    let now = Utc::now();
    let mut j = crate::manufacturing::service::job(db, id)
        .await?
        .into_active_model();
    j.started_at = Set(Some(now - started_ago));
    if let Some(f) = finished_ago {
        j.finished_at = Set(Some(now - f));
        j.inspected_at = Set(Some(now - f + Duration::hours(20)));
    }
    j.update(db).await?;
    Ok(())
}

/// Clinics and cases covering each path: a stock hit reserved, one shipped,
/// a custom job, one whose stock is only quarantined, one nothing fits, and
/// one that cannot be made in time, and the stock run's lot shipped to a
/// case at each clinic.
pub async fn cases(db: &impl sea_orm::ConnectionTrait) -> crate::error::AppResult<()> {
    use crate::{
        cases::service::{self as cs, Choice, NewCase, NewClinic},
        catalog::service::PlatformRef,
        manufacturing::planning,
    };
    use chrono::{Duration, Utc};
    use entity::enums::{AbutmentType, Restoration};

    let shop = planning::ShopWrite::begin(db, "system").await?;
    let actor = crate::access::Actor::system();
    for (code, name, address, city, country, contact, email) in [
        (
            "ZH-SMILE",
            "Smile Dental Zürich",
            "Bahnhofstrasse 12",
            "Zürich",
            "CH",
            "Dr. A. Meier",
            "orders@smile-zh.example",
        ),
        (
            "BE-IMPLANT",
            "Implantatzentrum Bern",
            "Marktgasse 4",
            "Bern",
            "CH",
            "Dr. L. Roth",
            "lab@iz-bern.example",
        ),
        (
            "MI-DENTALAB",
            "Dentalab Milano",
            "Via Torino 88",
            "Milano",
            "IT",
            "G. Ferri",
            "ordini@dentalab-mi.example",
        ),
    ] {
        cs::create_clinic(
            db,
            &NewClinic {
                code: code.into(),
                name: name.into(),
                address: address.into(),
                city: city.into(),
                country: country.into(),
                contact_name: contact.into(),
                email: email.into(),
                phone: None,
            },
        )
        .await?;
    }
    let now = Utc::now();
    let case = |clinic: &str,
                order: &str,
                patient: &str,
                tooth: i32,
                system: &str,
                platform: &str,
                restoration: Restoration,
                t: AbutmentType,
                gh: i32,
                angle: i32,
                due: Duration| NewCase {
        clinic_code: clinic.into(),
        order_reference: order.into(),
        patient_pseudonym: patient.into(),
        tooth,
        platform: PlatformRef {
            system: Some(system.into()),
            platform: Some(platform.into()),
            ..Default::default()
        },
        restoration,
        abutment_type: t,
        gingival_height_um: gh,
        angulation_mdeg: angle,
        engaging: None,
        material: None,
        due_at: now + due,
    };
    use AbutmentType::*;
    use Restoration::*;
    // Stock hit, reserved (first expired first out).
    let c = cs::create_case(
        db,
        &actor,
        &case(
            "ZH-SMILE",
            "ZS-2026-311",
            "P-7Q2K9",
            14,
            "Bone Level",
            "RC",
            SingleCrown,
            Angled,
            2_500,
            15_000,
            Duration::days(5),
        ),
    )
    .await?;
    let m = cs::match_case(db, &c, &cs::Policy::default(), &mut Default::default()).await?;
    if let Some(l) = m.options.first().and_then(|o| o.lot.as_ref()) {
        cs::confirm(db, &actor, c, Choice::Lot(l.id)).await?;
    }
    // Stock hit, shipped.
    let c = cs::create_case(
        db,
        &actor,
        &case(
            "BE-IMPLANT",
            "IZB-8841",
            "BE-0419-22",
            25,
            "Bone Level",
            "NC",
            SingleCrown,
            Angled,
            2_500,
            15_000,
            Duration::days(2),
        ),
    )
    .await?;
    let m = cs::match_case(db, &c, &cs::Policy::default(), &mut Default::default()).await?;
    if let Some(l) = m.options.first().and_then(|o| o.lot.as_ref()) {
        let c = cs::confirm(db, &actor, c, Choice::Lot(l.id)).await?;
        cs::ship_case(db, &actor, c).await?;
    }
    // Nothing in stock fits: a custom job.
    let c = cs::create_case(
        db,
        &actor,
        &case(
            "MI-DENTALAB",
            "DL-55120",
            "MI-5521",
            36,
            "Bone Level",
            "RC",
            SingleCrown,
            Angled,
            4_000,
            20_000,
            Duration::days(6),
        ),
    )
    .await?;
    cs::confirm(db, &actor, c, Choice::Custom).await?;
    // Open: only quarantined stock of the fitting SKU.
    cs::create_case(
        db,
        &actor,
        &case(
            "ZH-SMILE",
            "ZS-2026-315",
            "P-3F81A",
            33,
            "Bone Level",
            "NC",
            BarOverdenture,
            Locator,
            3_000,
            0,
            Duration::days(9),
        ),
    )
    .await?;
    // Open: nothing fits: the platform's SKUs are of another type or height,
    // and 6 mm is beyond the custom design limits.
    cs::create_case(
        db,
        &actor,
        &case(
            "BE-IMPLANT",
            "IZB-8850",
            "BE-0420-07",
            46,
            "SHORT Implant",
            "3.0",
            SingleCrown,
            Straight,
            6_000,
            0,
            Duration::days(4),
        ),
    )
    .await?;
    // Open and late: a custom part due in 20 minutes, less than the
    // 30 minutes milling one takes, whatever the time of day.
    cs::create_case(
        db,
        &actor,
        &case(
            "MI-DENTALAB",
            "DL-55131",
            "MI-5530",
            12,
            "Bone Level",
            "RC",
            SingleCrown,
            Angled,
            4_000,
            20_000,
            Duration::minutes(20),
        ),
    )
    .await?;
    // The whole chain: the seeded stock run (bar of heat H-7721-A) shipped
    // to a case at each clinic, so a recall of the heat has consignees.
    let made = made_lot(db).await?;
    for (clinic, order, patient, tooth) in [
        ("ZH-SMILE", "ZS-2026-298", "P-1M4T7", 21),
        ("BE-IMPLANT", "IZB-8802", "BE-0411-03", 12),
        ("MI-DENTALAB", "DL-55087", "MI-5490", 22),
    ] {
        let new = case(
            clinic,
            order,
            patient,
            tooth,
            "NobelActive",
            "NP",
            SingleCrown,
            Straight,
            1_500,
            0,
            Duration::days(3),
        );
        let c = cs::create_case(db, &actor, &new).await?;
        let c = cs::confirm(db, &actor, c, Choice::Lot(made)).await?;
        cs::ship_case(db, &actor, c).await?;
    }
    shop.finish("seed cases").await?;
    Ok(())
}

/// The finished lot of the seeded stock run (the job `manufacturing` ran
/// to completion from bar of heat H-7721-A).
async fn made_lot(db: &impl sea_orm::ConnectionTrait) -> crate::error::AppResult<i64> {
    use entity::{enums::JobStatus, production_job};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    production_job::Entity::find()
        .filter(production_job::Column::Status.eq(JobStatus::Done))
        .filter(production_job::Column::FinishedLotId.is_not_null())
        .order_by_asc(production_job::Column::Id)
        .one(db)
        .await?
        .and_then(|j| j.finished_lot_id)
        .ok_or_else(|| crate::error::AppError::Internal("the seeded stock run has no lot".into()))
}
