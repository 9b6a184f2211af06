//! The shop seeds: 3 Swiss lathes and 4 five-axis mills with calendars in
//! Europe/Zurich and one maintenance window, tools (one bur set near its
//! life limit), and jobs in each state — one stock run done and released
//! (bar heat H-7721-A → finished lot), one custom part awaiting inspection
//! (blank lot BLK-24-001 → custom lot), one run in progress, one cancelled,
//! and open stock and custom jobs the scheduler then plans. Loaded through
//! the same service functions users call, as one manufacturing write.

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use entity::{
    enums::{DowntimeKind, InspectionResult, JobKind, LotState, MachineKind, Material},
    machine,
};
use sea_orm::{ActiveModelTrait, ConnectionTrait, IntoActiveModel, Set};

use crate::{
    access::Actor,
    catalog::service::{PlatformRef, system_by_name},
    error::AppResult,
    inventory::service as inv,
    manufacturing::{
        calendar::Shift,
        planning,
        service::{self as mfg, NewJob, NewMachine, StartJob},
    },
};

/// The machines: code, name, kind, whether it also runs a Saturday shift.
const MACHINES: [(&str, &str, MachineKind, bool); 7] = [
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
];

/// The systems whose holders the mills take (MILL-3 only the first three).
const SYSTEMS: [&str; 5] = [
    "NobelActive",
    "Bone Level",
    "Tissue Level",
    "Astra Tech EV",
    "Certain",
];

/// Seeds the shop (see the module's description).
pub async fn load(db: &impl ConnectionTrait) -> AppResult<()> {
    let shop = planning::ShopWrite::begin(db, "system").await?;
    let actor = Actor::system();
    let machines = machines(db).await?;
    let now = Utc::now();
    maintenance(db, &machines[4], now).await?;
    tools(db, &machines).await?;
    past_jobs(db, &actor, &machines, now).await?;
    open_jobs(db, &actor, now).await?;
    shop.finish("seed").await?;
    Ok(())
}

/// Shifts on each day of `days` (1 = Monday), one per span of minutes.
fn shifts(days: std::ops::RangeInclusive<i16>, spans: &[(i32, i32)]) -> Vec<Shift> {
    days.flat_map(|d| {
        spans.iter().map(move |&(a, b)| Shift {
            weekday: d,
            start_minute: a,
            end_minute: b,
        })
    })
    .collect()
}

/// Makes the machines with their calendars: lathes run two shifts on
/// weekdays, mills a day shift, and two machines a Saturday shift too.
async fn machines(db: &impl ConnectionTrait) -> AppResult<Vec<machine::Model>> {
    let two_shifts = [(6 * 60, 14 * 60), (14 * 60, 22 * 60)];
    let day_shift = [(7 * 60, 16 * 60)];
    let mut systems = Vec::new();
    for name in SYSTEMS {
        systems.push(system_by_name(db, None, name).await?.id);
    }
    let titanium = vec![
        Material::Ti6Al4VEli,
        Material::Ti6Al4VGrade5,
        Material::CpTiGrade4,
    ];
    let mut machines = Vec::new();
    for (code, name, kind, saturday) in MACHINES {
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
    Ok(machines)
}

/// Maintenance on `mill` (MILL-2) next Tuesday 08:00–12:00 UTC.
async fn maintenance(
    db: &impl ConnectionTrait,
    mill: &machine::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let days_to_tuesday = (8 - now.weekday().number_from_monday() as i64) % 7 + 1;
    let tuesday = (now + Duration::days(days_to_tuesday)).date_naive();
    let start = Utc.from_utc_datetime(&tuesday.and_hms_opt(8, 0, 0).unwrap_or_default());
    mfg::add_downtime(
        db,
        mill.id,
        DowntimeKind::Maintenance,
        start,
        start + Duration::hours(4),
        "spindle service, 2,000 h interval",
    )
    .await?;
    Ok(())
}

/// An insert set on each lathe and a bur set on each mill, MILL-1's near
/// the end of its life.
async fn tools(db: &impl ConnectionTrait, machines: &[machine::Model]) -> AppResult<()> {
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
            let mut am = t.into_active_model();
            am.uses = Set(uses);
            am.update(db).await?;
        }
    }
    Ok(())
}

/// A stock run of `qty` of `article`, due in `due` days.
fn stock_job(now: DateTime<Utc>, article: &str, qty: i32, due: i64, priority: i32) -> NewJob {
    NewJob {
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
        due_at: now + Duration::days(due),
        priority,
    }
}

/// A custom part for `case` on a system's platform, due in `due` days, with
/// gingival height `gh` (µm) and angulation `angle` (millidegrees).
fn custom_job(
    now: DateTime<Utc>,
    (system, platform, case): (&str, &str, &str),
    due: i64,
    gh: i32,
    angle: i32,
) -> NewJob {
    NewJob {
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
        due_at: now + Duration::days(due),
        priority: 8,
    }
}

/// Starting a job on `machine` with a CAM program.
fn start_on(machine: &machine::Model, program: &str) -> StartJob {
    StartJob {
        machine_id: Some(machine.id),
        operator: "M. Keller".into(),
        cam_program: program.into(),
        tool_ids: None,
        material: None,
    }
}

/// The jobs the shop has run or is running: a stock run done and released,
/// a custom part awaiting inspection, a stock run in progress, and one
/// cancelled.
async fn past_jobs(
    db: &impl ConnectionTrait,
    actor: &Actor,
    machines: &[machine::Model],
    now: DateTime<Utc>,
) -> AppResult<()> {
    done_run(db, actor, &machines[0], now).await?;
    // Awaiting inspection: a custom part from a blank.
    let job = custom_job(
        now,
        ("NobelActive", "NP", "CASE-2026-0412"),
        1,
        2_500,
        15_000,
    );
    let j = mfg::create_job(db, actor, &job).await?;
    mfg::start_job(db, actor, j.id, &start_on(&machines[3], "CUSTOM-0412 v1")).await?;
    mfg::complete_job(db, actor, j.id, 1, None).await?;
    // Running: a stock run on SWISS-2.
    let job = stock_job(now, "AB-ST-SBL-NC-E-15", 300, 3, 6);
    let j = mfg::create_job(db, actor, &job).await?;
    mfg::start_job(db, actor, j.id, &start_on(&machines[1], "ABT-ST-SBL v2.7")).await?;
    backdate(db, j.id, Duration::hours(3), None).await?;
    // Cancelled.
    let job = stock_job(now, "AB-ST-SBL-NC-E-08", 50, 20, 2);
    let j = mfg::create_job(db, actor, &job).await?;
    mfg::cancel_job(db, j.id, "order withdrawn by distributor").await?;
    Ok(())
}

/// Done: a stock run from bar on `lathe`, inspected and released to stock.
/// It was due two days ago (set afterwards: a new job's due date is never
/// past).
async fn done_run(
    db: &impl ConnectionTrait,
    actor: &Actor,
    lathe: &machine::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let job = stock_job(now, "AB-ST-NBA-NP-E-15", 120, 1, 5);
    let j = mfg::create_job(db, actor, &job).await?;
    mfg::start_job(db, actor, j.id, &start_on(lathe, "ABT-ST-NBA v3.2")).await?;
    let (_, done_lot) = mfg::complete_job(db, actor, j.id, 118, None).await?;
    mfg::inspect_job(
        db,
        actor,
        j.id,
        InspectionResult::Pass,
        Some(116),
        Some("CMM 5/5 in tolerance"),
    )
    .await?;
    inv::change_state(
        db,
        actor,
        done_lot.id,
        LotState::Released,
        "batch record reviewed",
    )
    .await?;
    inv::transfer(
        db,
        actor,
        done_lot.id,
        "MAIN/QC/Q-01",
        "MAIN/STOCK/A-01",
        116,
        "put-away",
    )
    .await?;
    backdate(db, j.id, Duration::days(6), Some(Duration::days(5))).await?;
    let mut due = mfg::job(db, j.id).await?.into_active_model();
    due.due_at = Set(now - Duration::days(2));
    due.update(db).await?;
    Ok(())
}

/// Open: stock runs and custom parts for the scheduler to plan.
async fn open_jobs(db: &impl ConnectionTrait, actor: &Actor, now: DateTime<Utc>) -> AppResult<()> {
    for (article, qty, due, prio) in [
        ("AB-ST-NBA-NP-E-15", 400, 6, 5),
        ("AB-ST-SBL-NC-E-08", 250, 4, 7),
        ("AB-ST-SBL-NC-E-15", 150, 10, 3),
        ("AB-ST-NBA-NP-E-15", 80, 1, 9),
    ] {
        mfg::create_job(db, actor, &stock_job(now, article, qty, due, prio)).await?;
    }
    for (sys, pf, case, due, gh, angle) in [
        ("NobelActive", "NP", "CASE-2026-0415", 2, 1_500, 0),
        ("Bone Level", "RC", "CASE-2026-0416", 3, 3_000, 20_000),
        ("Bone Level", "RC", "CASE-2026-0417", 1, 2_000, 25_000),
        ("NobelActive", "NP", "CASE-2026-0418", 5, 4_000, 10_000),
    ] {
        let job = custom_job(now, (sys, pf, case), due, gh, angle);
        mfg::create_job(db, actor, &job).await?;
    }
    Ok(())
}

/// Moves a seeded job's start (and finish and inspection) into the past, as
/// if the shop had run it then.
async fn backdate(
    db: &impl ConnectionTrait,
    id: i64,
    started_ago: Duration,
    finished_ago: Option<Duration>,
) -> AppResult<()> {
    let now = Utc::now();
    let mut j = mfg::job(db, id).await?.into_active_model();
    j.started_at = Set(Some(now - started_ago));
    if let Some(f) = finished_ago {
        j.finished_at = Set(Some(now - f));
        j.inspected_at = Set(Some(now - f + Duration::hours(20)));
    }
    j.update(db).await?;
    Ok(())
}
