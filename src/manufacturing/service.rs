//! Manufacturing rules: machines and what they can make, calendars and
//! downtime, tools, and the life of a production job — create, start (issue
//! material through the ledger), complete (the finished lot in quarantine,
//! with its genealogy), inspect, scrap or cancel. Every transition is checked
//! against the job's status; every function runs in the caller's transaction.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Months, Utc};
use entity::{
    abutment_sku,
    enums::{
        AbutmentType, DowntimeKind, InspectionResult, ItemKind, JobKind, JobStatus, LocationType,
        LotState, MachineKind, MachineStatus, Material, MovementReason, StockUnit, ToolStatus,
    },
    item, job_material, job_tool, location, lot, lot_genealogy, machine, machine_downtime,
    machine_material, machine_shift, machine_system, platform, production_job, stock_balance, tool,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::calendar::{self, Shift};
use crate::{
    catalog::service as catalog,
    error::{AppError, AppResult},
    inventory::{
        Actor, EffectiveState, effective_state,
        ledger::{self, Move},
        service as inv, today,
    },
};

/// A machine to create.
#[derive(Debug, Clone)]
pub struct NewMachine {
    pub code: String,
    pub name: String,
    pub kind: MachineKind,
    pub time_zone: String,
    pub materials: Vec<Material>,
    pub bar_min_diameter_um: Option<i32>,
    pub bar_max_diameter_um: Option<i32>,
    pub system_ids: Vec<i64>,
    pub notes: Option<String>,
}

/// A machine by row id.
pub async fn machine(db: &impl ConnectionTrait, id: i64) -> AppResult<machine::Model> {
    machine::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("machine", id.to_string()))
}

/// Every machine, by code.
pub async fn machines(db: &impl ConnectionTrait) -> AppResult<Vec<machine::Model>> {
    Ok(machine::Entity::find()
        .order_by_asc(machine::Column::Code)
        .all(db)
        .await?)
}

/// One page of machines by code, and how many there are.
pub async fn machines_page(
    db: &impl ConnectionTrait,
    page: &crate::paging::Page,
) -> AppResult<(Vec<machine::Model>, u64)> {
    use sea_orm::PaginatorTrait;
    let q = machine::Entity::find();
    let total = q.clone().count(db).await?;
    let e = machine::Entity;
    let order = [
        (
            crate::paging::col((e, machine::Column::Code)),
            sea_orm::Order::Asc,
        ),
        (
            crate::paging::col((e, machine::Column::Id)),
            sea_orm::Order::Asc,
        ),
    ];
    Ok((page.apply(q, &order).all(db).await?, total))
}

/// The sort key of a machine in [`machines_page`]' order (by code).
pub fn machine_key(m: &machine::Model) -> crate::paging::Key {
    use crate::paging::KeyVal;
    vec![KeyVal::S(m.code.clone()), KeyVal::I(m.id)]
}

/// One page of tools by code (active ones unless `retired`), and how many.
pub async fn tools_page(
    db: &impl ConnectionTrait,
    retired: bool,
    page: &crate::paging::Page,
) -> AppResult<(Vec<tool::Model>, u64)> {
    use sea_orm::PaginatorTrait;
    let mut q = tool::Entity::find();
    if !retired {
        q = q.filter(tool::Column::Status.eq(entity::enums::ToolStatus::Active));
    }
    let total = q.clone().count(db).await?;
    let e = tool::Entity;
    let order = [
        (
            crate::paging::col((e, tool::Column::Code)),
            sea_orm::Order::Asc,
        ),
        (
            crate::paging::col((e, tool::Column::Id)),
            sea_orm::Order::Asc,
        ),
    ];
    Ok((page.apply(q, &order).all(db).await?, total))
}

/// The sort key of a tool in [`tools_page`]' order (by code).
pub fn tool_key(t: &tool::Model) -> crate::paging::Key {
    use crate::paging::KeyVal;
    vec![KeyVal::S(t.code.clone()), KeyVal::I(t.id)]
}

fn check_bar_range(min: Option<i32>, max: Option<i32>) -> AppResult<()> {
    if let (Some(a), Some(b)) = (min, max)
        && a > b
    {
        return Err(AppError::bad_input(
            "input.barMaxDiameterMm",
            "must not be below the minimum bar diameter",
        ));
    }
    Ok(())
}

/// Creates a machine with its capabilities (no shifts yet: give it a calendar).
pub async fn create_machine(
    db: &impl ConnectionTrait,
    m: &NewMachine,
) -> AppResult<machine::Model> {
    let code = m.code.trim();
    if code.is_empty() || code.len() > 40 {
        return Err(AppError::bad_input("input.code", "must be 1–40 characters"));
    }
    if m.name.trim().is_empty() {
        return Err(AppError::bad_input("input.name", "is required"));
    }
    calendar::time_zone(&m.time_zone, "input.timeZone")?;
    check_bar_range(m.bar_min_diameter_um, m.bar_max_diameter_um)?;
    if machine::Entity::find()
        .filter(machine::Column::Code.eq(code))
        .one(db)
        .await?
        .is_some()
    {
        return Err(AppError::bad_input(
            "input.code",
            format!("machine `{code}` exists already"),
        ));
    }
    let now = Utc::now();
    let row = machine::ActiveModel {
        code: Set(code.to_owned()),
        name: Set(m.name.trim().to_owned()),
        kind: Set(m.kind),
        status: Set(MachineStatus::Active),
        time_zone: Set(m.time_zone.trim().to_owned()),
        bar_min_diameter_um: Set(m.bar_min_diameter_um),
        bar_max_diameter_um: Set(m.bar_max_diameter_um),
        notes: Set(m.notes.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    set_capabilities(db, row.id, Some(&m.materials), Some(&m.system_ids)).await?;
    Ok(row)
}

/// Replaces a machine's materials and/or blank-holder systems.
async fn set_capabilities(
    db: &impl ConnectionTrait,
    machine_id: i64,
    materials: Option<&[Material]>,
    systems: Option<&[i64]>,
) -> AppResult<()> {
    if let Some(mats) = materials {
        machine_material::Entity::delete_many()
            .filter(machine_material::Column::MachineId.eq(machine_id))
            .exec(db)
            .await?;
        let set: HashSet<Material> = mats.iter().copied().collect();
        for m in set {
            machine_material::ActiveModel {
                machine_id: Set(machine_id),
                material: Set(m),
            }
            .insert(db)
            .await?;
        }
    }
    if let Some(ids) = systems {
        machine_system::Entity::delete_many()
            .filter(machine_system::Column::MachineId.eq(machine_id))
            .exec(db)
            .await?;
        let set: HashSet<i64> = ids.iter().copied().collect();
        for (i, id) in set.into_iter().enumerate() {
            if catalog::system(db, id).await?.is_none() {
                return Err(AppError::bad_input(
                    format!("input.systemIds[{i}]"),
                    "unknown implant system",
                ));
            }
            machine_system::ActiveModel {
                machine_id: Set(machine_id),
                system_id: Set(id),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

/// Changes to a machine; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct MachinePatch {
    pub name: Option<String>,
    pub status: Option<MachineStatus>,
    pub materials: Option<Vec<Material>>,
    pub system_ids: Option<Vec<i64>>,
    pub bar_min_diameter_um: Option<i32>,
    pub bar_max_diameter_um: Option<i32>,
    pub notes: Option<String>,
}

/// Updates a machine. A machine running a job cannot be retired.
pub async fn update_machine(
    db: &impl ConnectionTrait,
    id: i64,
    p: &MachinePatch,
) -> AppResult<machine::Model> {
    let m = machine(db, id).await?;
    let min = p.bar_min_diameter_um.or(m.bar_min_diameter_um);
    let max = p.bar_max_diameter_um.or(m.bar_max_diameter_um);
    check_bar_range(min, max)?;
    if p.status == Some(MachineStatus::Retired)
        && production_job::Entity::find()
            .filter(production_job::Column::MachineId.eq(id))
            .filter(production_job::Column::Status.eq(JobStatus::InProgress))
            .one(db)
            .await?
            .is_some()
    {
        return Err(AppError::Conflict(format!(
            "machine {} is running a job; finish or scrap it before retiring the machine",
            m.code
        )));
    }
    let mut am = m.into_active_model();
    if let Some(n) = &p.name {
        if n.trim().is_empty() {
            return Err(AppError::bad_input("input.name", "must not be empty"));
        }
        am.name = Set(n.trim().to_owned());
    }
    if let Some(s) = p.status {
        am.status = Set(s);
    }
    am.bar_min_diameter_um = Set(min);
    am.bar_max_diameter_um = Set(max);
    if let Some(n) = &p.notes {
        am.notes = Set(Some(n.clone()));
    }
    am.updated_at = Set(Utc::now());
    let m = am.update(db).await?;
    set_capabilities(db, id, p.materials.as_deref(), p.system_ids.as_deref()).await?;
    Ok(m)
}

/// Replaces a machine's weekly calendar (and its time zone).
pub async fn set_calendar(
    db: &impl ConnectionTrait,
    machine_id: i64,
    time_zone: &str,
    shifts: &[Shift],
) -> AppResult<machine::Model> {
    let m = machine(db, machine_id).await?;
    calendar::time_zone(time_zone, "input.timeZone")?;
    calendar::validate_shifts(shifts, "input.shifts")?;
    machine_shift::Entity::delete_many()
        .filter(machine_shift::Column::MachineId.eq(machine_id))
        .exec(db)
        .await?;
    for s in shifts {
        machine_shift::ActiveModel {
            machine_id: Set(machine_id),
            weekday: Set(s.weekday),
            start_minute: Set(s.start_minute),
            end_minute: Set(s.end_minute),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    let mut am = m.into_active_model();
    am.time_zone = Set(time_zone.trim().to_owned());
    am.updated_at = Set(Utc::now());
    Ok(am.update(db).await?)
}

/// A machine's shifts, by weekday and start.
pub async fn shifts(db: &impl ConnectionTrait, machine_id: i64) -> AppResult<Vec<Shift>> {
    Ok(machine_shift::Entity::find()
        .filter(machine_shift::Column::MachineId.eq(machine_id))
        .order_by_asc(machine_shift::Column::Weekday)
        .order_by_asc(machine_shift::Column::StartMinute)
        .all(db)
        .await?
        .into_iter()
        .map(|s| Shift {
            weekday: s.weekday,
            start_minute: s.start_minute,
            end_minute: s.end_minute,
        })
        .collect())
}

/// Books a downtime window on a machine.
pub async fn add_downtime(
    db: &impl ConnectionTrait,
    machine_id: i64,
    kind: DowntimeKind,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    reason: &str,
) -> AppResult<machine_downtime::Model> {
    machine(db, machine_id).await?;
    if ends_at <= starts_at {
        return Err(AppError::bad_input(
            "input.endsAt",
            format!("must be after the start ({starts_at}), got {ends_at}"),
        ));
    }
    if reason.trim().is_empty() {
        return Err(AppError::bad_input(
            "input.reason",
            "say why the machine is down",
        ));
    }
    Ok(machine_downtime::ActiveModel {
        machine_id: Set(machine_id),
        kind: Set(kind),
        starts_at: Set(starts_at),
        ends_at: Set(ends_at),
        reason: Set(reason.trim().to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Removes a downtime window (e.g. maintenance moved or cancelled).
pub async fn remove_downtime(
    db: &impl ConnectionTrait,
    id: i64,
) -> AppResult<machine_downtime::Model> {
    let d = machine_downtime::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("downtime", id.to_string()))?;
    machine_downtime::Entity::delete_by_id(id).exec(db).await?;
    Ok(d)
}

/// Creates a tool, optionally mounted on a machine.
pub async fn create_tool(
    db: &impl ConnectionTrait,
    code: &str,
    name: &str,
    machine_id: Option<i64>,
    life_limit: i32,
) -> AppResult<tool::Model> {
    let code = code.trim();
    if code.is_empty() {
        return Err(AppError::bad_input("input.code", "is required"));
    }
    crate::quantity::TOOL_LIFE.check(i64::from(life_limit), "input.lifeLimit")?;
    if let Some(m) = machine_id {
        machine(db, m).await?;
    }
    if tool::Entity::find()
        .filter(tool::Column::Code.eq(code))
        .one(db)
        .await?
        .is_some()
    {
        return Err(AppError::bad_input(
            "input.code",
            format!("tool `{code}` exists already"),
        ));
    }
    Ok(tool::ActiveModel {
        code: Set(code.to_owned()),
        name: Set(name.trim().to_owned()),
        machine_id: Set(machine_id),
        life_limit: Set(life_limit),
        uses: Set(0),
        status: Set(ToolStatus::Active),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Replaces a worn tool: the old one is retired, a new one with the same
/// life limit is mounted in its place.
pub async fn replace_tool(
    db: &impl ConnectionTrait,
    id: i64,
    new_code: &str,
) -> AppResult<tool::Model> {
    let old = tool_by_id(db, id).await?;
    if old.status == ToolStatus::Retired {
        return Err(AppError::Conflict(format!(
            "tool {} is retired already",
            old.code
        )));
    }
    let (machine_id, limit, name) = (old.machine_id, old.life_limit, old.name.clone());
    let mut am = old.into_active_model();
    am.status = Set(ToolStatus::Retired);
    am.machine_id = Set(None);
    am.update(db).await?;
    create_tool(db, new_code, &name, machine_id, limit).await
}

/// A tool by row id.
pub async fn tool_by_id(db: &impl ConnectionTrait, id: i64) -> AppResult<tool::Model> {
    tool::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("tool", id.to_string()))
}

// ---------------------------------------------------------------- capability

/// What a job needs of a machine.
#[derive(Debug, Clone)]
pub struct Requirement {
    pub kind: JobKind,
    pub material: Material,
    /// Largest diameter of the part (STOCK): the bar must be at least this.
    pub part_diameter_um: Option<i32>,
    /// The implant system of a CUSTOM part's blank.
    pub system_id: Option<i64>,
    pub angulation_mdeg: i32,
    pub screw_channel_mdeg: i32,
}

/// A machine with the capabilities the rules look at.
#[derive(Debug, Clone)]
pub struct Capable {
    pub machine: machine::Model,
    pub materials: HashSet<Material>,
    pub systems: HashSet<i64>,
}

/// Largest angulation a 4-axis mill can cut, in millidegrees.
const MILL_4_AXIS_MAX_ANGLE: i32 = 20_000;

impl Capable {
    /// Why this machine cannot make the part, or `None` when it can.
    pub fn refusal(&self, r: &Requirement) -> Option<String> {
        let m = &self.machine;
        if m.status == MachineStatus::Retired {
            return Some("retired".into());
        }
        match r.kind {
            JobKind::Stock if !m.kind.takes_bar() => {
                return Some("mills blanks; stock parts are turned from bar".into());
            }
            JobKind::Custom if m.kind.takes_bar() => {
                return Some("turns bar; custom parts are milled from blanks".into());
            }
            _ => {}
        }
        if !self.materials.contains(&r.material) {
            return Some(format!("not qualified for {}", r.material));
        }
        if r.kind == JobKind::Stock
            && let (Some(d), Some(max)) = (r.part_diameter_um, m.bar_max_diameter_um)
            && d > max
        {
            return Some(format!(
                "part Ø{} mm exceeds its largest bar Ø{} mm",
                f64::from(d) / 1000.0,
                f64::from(max) / 1000.0
            ));
        }
        if r.kind == JobKind::Custom {
            if !r.system_id.is_some_and(|s| self.systems.contains(&s)) {
                return Some("its blank holder does not take this implant system".into());
            }
            if m.kind == MachineKind::Mill4Axis
                && (r.angulation_mdeg > MILL_4_AXIS_MAX_ANGLE || r.screw_channel_mdeg > 0)
            {
                return Some("a 4-axis mill cuts up to 20° and no angled screw channel".into());
            }
        }
        None
    }
}

/// Every non-retired machine with its capabilities (three queries).
pub async fn capable_machines(db: &impl ConnectionTrait) -> AppResult<Vec<Capable>> {
    let ms = machine::Entity::find()
        .filter(machine::Column::Status.ne(MachineStatus::Retired))
        .order_by_asc(machine::Column::Code)
        .all(db)
        .await?;
    let mut mats: HashMap<i64, HashSet<Material>> = HashMap::new();
    for r in machine_material::Entity::find().all(db).await? {
        mats.entry(r.machine_id).or_default().insert(r.material);
    }
    let mut systems: HashMap<i64, HashSet<i64>> = HashMap::new();
    for r in machine_system::Entity::find().all(db).await? {
        systems.entry(r.machine_id).or_default().insert(r.system_id);
    }
    Ok(ms
        .into_iter()
        .map(|m| Capable {
            materials: mats.remove(&m.id).unwrap_or_default(),
            systems: systems.remove(&m.id).unwrap_or_default(),
            machine: m,
        })
        .collect())
}

/// The requirement of a stored job.
pub async fn requirement(
    db: &impl ConnectionTrait,
    j: &production_job::Model,
) -> AppResult<Requirement> {
    let (part_diameter_um, system_id) = match j.kind {
        JobKind::Stock => {
            let sku = match j.sku_id {
                Some(id) => catalog::sku(db, id).await?,
                None => None,
            };
            (sku.and_then(|s| s.diameter_um), None)
        }
        JobKind::Custom => {
            let p = match j.platform_id {
                Some(id) => catalog::platform(db, id).await?,
                None => None,
            };
            (None, p.map(|p| p.system_id))
        }
    };
    Ok(Requirement {
        kind: j.kind,
        material: j.material,
        part_diameter_um,
        system_id,
        angulation_mdeg: j.angulation_mdeg.unwrap_or(0),
        screw_channel_mdeg: j.screw_channel_mdeg.unwrap_or(0),
    })
}

// ---------------------------------------------------------------- jobs

/// A job to create.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: JobKind,
    /// STOCK: the SKU to make, by article number.
    pub article_number: Option<String>,
    /// CUSTOM: the platform the part fits.
    pub platform: Option<catalog::PlatformRef>,
    /// CUSTOM: the abutment type (defaults to TI_BASE... no: STRAIGHT).
    pub abutment_type: Option<AbutmentType>,
    /// CUSTOM: the material (STOCK: the SKU's).
    pub material: Option<Material>,
    pub engaging: Option<bool>,
    pub quantity: i32,
    pub setup_minutes: Option<i32>,
    pub cycle_minutes: Option<i32>,
    pub bar_mm_per_part: Option<i32>,
    pub gingival_height_um: Option<i32>,
    pub angulation_mdeg: Option<i32>,
    pub post_height_um: Option<i32>,
    pub margin_height_um: Option<i32>,
    pub screw_channel_mdeg: Option<i32>,
    pub case_reference: Option<String>,
    pub due_at: DateTime<Utc>,
    pub priority: i32,
}

/// Routing defaults: (setup, cycle per part, bar per part) by kind.
fn default_routing(kind: JobKind) -> (i32, i32, Option<i32>) {
    match kind {
        JobKind::Stock => (45, 6, Some(22)),
        JobKind::Custom => (10, 20, None),
    }
}

fn range(v: Option<i32>, lo: i32, hi: i32, field: &str, unit: &str, scale: f64) -> AppResult<()> {
    if let Some(v) = v
        && !(lo..=hi).contains(&v)
    {
        return Err(AppError::bad_input(
            field,
            format!(
                "must be {}–{} {unit}, got {}",
                f64::from(lo) / scale,
                f64::from(hi) / scale,
                f64::from(v) / scale
            ),
        ));
    }
    Ok(())
}

/// Checks a custom part against the design limits of a Ti-base/custom
/// abutment (gingival 0.5–5 mm, post 4–6 mm, angle ≤ 30°, channel ≤ 25°).
pub fn check_design(j: &NewJob) -> AppResult<()> {
    range(
        j.gingival_height_um,
        500,
        5_000,
        "input.gingivalHeightMm",
        "mm",
        1000.0,
    )?;
    range(
        j.post_height_um,
        4_000,
        6_000,
        "input.postHeightMm",
        "mm",
        1000.0,
    )?;
    range(
        j.angulation_mdeg,
        0,
        30_000,
        "input.angulationDeg",
        "°",
        1000.0,
    )?;
    range(
        j.screw_channel_mdeg,
        0,
        25_000,
        "input.screwChannelAngleDeg",
        "°",
        1000.0,
    )?;
    range(
        j.margin_height_um,
        0,
        3_000,
        "input.marginHeightMm",
        "mm",
        1000.0,
    )?;
    Ok(())
}

/// Next job number, `JOB-000001` upward.
async fn next_number(db: &impl ConnectionTrait) -> AppResult<String> {
    let last = production_job::Entity::find()
        .order_by_desc(production_job::Column::Id)
        .limit(1)
        .one(db)
        .await?;
    Ok(format!("JOB-{:06}", last.map_or(0, |j| j.id) + 1))
}

/// Creates a job in PLANNED after checking a machine exists that can make it.
pub async fn create_job(
    db: &impl ConnectionTrait,
    actor: &Actor,
    j: &NewJob,
) -> AppResult<production_job::Model> {
    crate::quantity::JOB_PARTS.check(i64::from(j.quantity), "input.quantity")?;
    if j.due_at < Utc::now() - chrono::Duration::minutes(5) {
        return Err(AppError::bad_input(
            "input.dueAt",
            format!(
                "{} is in the past; a new job is due now or later",
                j.due_at.format("%Y-%m-%d %H:%M UTC")
            ),
        ));
    }
    if !(1..=10).contains(&j.priority) {
        return Err(AppError::bad_input(
            "input.priority",
            format!("must be 1 (low) to 10 (urgent), got {}", j.priority),
        ));
    }
    let (d_setup, d_cycle, d_bar) = default_routing(j.kind);
    let setup = j.setup_minutes.unwrap_or(d_setup);
    let cycle = j.cycle_minutes.unwrap_or(d_cycle);
    range(Some(setup), 0, 24 * 60, "input.setupMinutes", "min", 1.0)?;
    range(Some(cycle), 1, 24 * 60, "input.cycleMinutes", "min", 1.0)?;
    let mut am = production_job::ActiveModel {
        kind: Set(j.kind),
        status: Set(JobStatus::Planned),
        quantity: Set(j.quantity),
        setup_minutes: Set(setup),
        cycle_minutes: Set(cycle),
        due_at: Set(j.due_at),
        priority: Set(j.priority),
        case_reference: Set(j.case_reference.clone().filter(|c| !c.trim().is_empty())),
        created_by: Set(actor.name.clone()),
        ..Default::default()
    };
    let req = match j.kind {
        JobKind::Stock => {
            let Some(article) = j.article_number.as_deref() else {
                return Err(AppError::bad_input(
                    "input.articleNumber",
                    "a STOCK job makes one of our SKUs: give its article number",
                ));
            };
            let sku: abutment_sku::Model =
                inv::sku_by_article(db, article, "input.articleNumber").await?;
            if j.material.is_some_and(|m| m != sku.material) {
                return Err(AppError::bad_input(
                    "input.material",
                    format!("{} is made of {}", sku.article_number, sku.material),
                ));
            }
            let bar = j.bar_mm_per_part.or(d_bar);
            range(bar, 1, 500, "input.barMmPerPart", "mm", 1.0)?;
            am.sku_id = Set(Some(sku.id));
            am.platform_id = Set(None);
            am.abutment_type = Set(sku.abutment_type);
            am.material = Set(sku.material);
            am.engaging = Set(sku.engaging);
            am.bar_mm_per_part = Set(bar);
            am.gingival_height_um = Set(Some(sku.gingival_height_um));
            am.angulation_mdeg = Set(Some(sku.angulation_mdeg));
            am.post_height_um = Set(sku.post_height_um);
            Requirement {
                kind: JobKind::Stock,
                material: sku.material,
                part_diameter_um: sku.diameter_um,
                system_id: None,
                angulation_mdeg: sku.angulation_mdeg,
                screw_channel_mdeg: 0,
            }
        }
        JobKind::Custom => {
            let Some(pref) = &j.platform else {
                return Err(AppError::bad_input(
                    "input.platform",
                    "a CUSTOM job is for one platform: give system and platform",
                ));
            };
            if j.quantity != 1 {
                return Err(AppError::bad_input(
                    "input.quantity",
                    "a custom abutment is one part for one case",
                ));
            }
            let p: platform::Model = catalog::resolve_platform(db, pref).await?;
            check_design(j)?;
            let material = j.material.unwrap_or(Material::Ti6Al4VEli);
            am.sku_id = Set(None);
            am.platform_id = Set(Some(p.id));
            am.abutment_type = Set(j.abutment_type.unwrap_or(AbutmentType::Straight));
            am.material = Set(material);
            am.engaging = Set(j.engaging.unwrap_or(true));
            am.bar_mm_per_part = Set(None);
            am.gingival_height_um = Set(j.gingival_height_um);
            am.angulation_mdeg = Set(j.angulation_mdeg);
            am.post_height_um = Set(j.post_height_um);
            am.margin_height_um = Set(j.margin_height_um);
            am.screw_channel_mdeg = Set(j.screw_channel_mdeg);
            Requirement {
                kind: JobKind::Custom,
                material,
                part_diameter_um: None,
                system_id: Some(p.system_id),
                angulation_mdeg: j.angulation_mdeg.unwrap_or(0),
                screw_channel_mdeg: j.screw_channel_mdeg.unwrap_or(0),
            }
        }
    };
    let machines = capable_machines(db).await?;
    if !machines.iter().any(|c| c.refusal(&req).is_none()) {
        let why: Vec<String> = machines
            .iter()
            .filter_map(|c| c.refusal(&req).map(|r| format!("{}: {r}", c.machine.code)))
            .collect();
        let field = if j.kind == JobKind::Stock {
            "input.articleNumber"
        } else {
            "input.platform"
        };
        return Err(AppError::bad_input(
            field,
            format!(
                "no machine can make this part ({})",
                if why.is_empty() {
                    "there are no machines".to_owned()
                } else {
                    why.join("; ")
                }
            ),
        ));
    }
    let now = Utc::now();
    am.number = Set(next_number(db).await?);
    am.created_at = Set(now);
    am.updated_at = Set(now);
    Ok(am.insert(db).await?)
}

/// A job by row id.
pub async fn job(db: &impl ConnectionTrait, id: i64) -> AppResult<production_job::Model> {
    production_job::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("production job", id.to_string()))
}

/// Checks a status transition; a wrong one is CONFLICT naming both states.
pub fn check_transition(j: &production_job::Model, to: JobStatus) -> AppResult<()> {
    use JobStatus::*;
    let ok = matches!(
        (j.status, to),
        (Planned, Scheduled)
            | (Scheduled, Planned)
            | (Scheduled, Scheduled)
            | (Planned | Scheduled, InProgress)
            | (InProgress, Inspection)
            | (Inspection, Done)
            | (Inspection, Scrapped)
            | (InProgress, Scrapped)
            | (Planned | Scheduled, Cancelled)
    );
    if ok {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "job {} is {}; it cannot go to {}",
            j.number,
            status_name(j.status),
            status_name(to)
        )))
    }
}

/// A status as the API spells it, e.g. `IN_PROGRESS`.
pub fn status_name(s: JobStatus) -> String {
    sea_orm::ActiveEnum::to_value(&s)
}

/// Cancels a job that has not started.
pub async fn cancel_job(
    db: &impl ConnectionTrait,
    id: i64,
    reason: &str,
) -> AppResult<production_job::Model> {
    let j = job(db, id).await?;
    check_transition(&j, JobStatus::Cancelled)?;
    if reason.trim().is_empty() {
        return Err(AppError::bad_input(
            "input.reason",
            "say why the job is cancelled",
        ));
    }
    let mut am = j.into_active_model();
    am.status = Set(JobStatus::Cancelled);
    am.status_reason = Set(Some(reason.trim().to_owned()));
    am.planned_start = Set(None);
    am.planned_end = Set(None);
    am.updated_at = Set(Utc::now());
    Ok(am.update(db).await?)
}

/// Material the caller picks for a job: a lot and, optionally, how much.
#[derive(Debug, Clone)]
pub struct MaterialPick {
    pub lot_id: i64,
    pub quantity: Option<i64>,
}

/// What starting a job needs.
#[derive(Debug, Clone)]
pub struct StartJob {
    /// Defaults to the planned machine.
    pub machine_id: Option<i64>,
    pub operator: String,
    pub cam_program: String,
    /// Tools to use; defaults to the active tools mounted on the machine.
    pub tool_ids: Option<Vec<i64>>,
    /// Lots to issue; defaults to released lots, oldest first.
    pub material: Option<Vec<MaterialPick>>,
}

/// Free units of released, unexpired lots of one item kind, by lot.
struct Candidate {
    lot: lot::Model,
    location_id: i64,
    free: i64,
}

/// Released, unexpired stock of matching raw material at stock locations,
/// oldest lot first.
async fn raw_candidates(db: &impl ConnectionTrait, items: &[i64]) -> AppResult<Vec<Candidate>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let lots = lot::Entity::find()
        .filter(lot::Column::ItemId.is_in(items.iter().copied()))
        .filter(lot::Column::State.eq(LotState::Released))
        .order_by_asc(lot::Column::Id)
        .all(db)
        .await?;
    let t = today();
    let lots: Vec<lot::Model> = lots
        .into_iter()
        .filter(|l| effective_state(l, t) == EffectiveState::Released)
        .collect();
    let stock_locs: HashSet<i64> = location::Entity::find()
        .filter(location::Column::LocationType.eq(LocationType::Stock))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.id)
        .collect();
    let balances = stock_balance::Entity::find()
        .filter(stock_balance::Column::LotId.is_in(lots.iter().map(|l| l.id)))
        .order_by_asc(stock_balance::Column::LocationId)
        .all(db)
        .await?;
    let mut by_lot: BTreeMap<i64, Vec<stock_balance::Model>> = BTreeMap::new();
    for b in balances {
        if stock_locs.contains(&b.location_id) && b.on_hand > b.reserved {
            by_lot.entry(b.lot_id).or_default().push(b);
        }
    }
    let mut out = Vec::new();
    for l in lots {
        for b in by_lot.remove(&l.id).unwrap_or_default() {
            out.push(Candidate {
                lot: l.clone(),
                location_id: b.location_id,
                free: b.on_hand - b.reserved,
            });
        }
    }
    Ok(out)
}

/// The raw-material items a job can use, and a description of them.
async fn raw_items(
    db: &impl ConnectionTrait,
    j: &production_job::Model,
    m: &machine::Model,
    req: &Requirement,
) -> AppResult<(Vec<i64>, String)> {
    match j.kind {
        JobKind::Stock => {
            let grade = sea_orm::ActiveEnum::to_value(&j.material);
            let items = item::Entity::find()
                .filter(item::Column::Kind.eq(ItemKind::Bar))
                .filter(item::Column::Code.starts_with(format!("BAR/{grade}/")))
                .all(db)
                .await?;
            // Bar code is BAR/<grade>/<Ø mm>: keep the diameters that fit.
            let min = req
                .part_diameter_um
                .unwrap_or(0)
                .max(m.bar_min_diameter_um.unwrap_or(0));
            let max = m.bar_max_diameter_um.unwrap_or(i32::MAX);
            let ids = items
                .iter()
                .filter(|i| {
                    i.code
                        .rsplit('/')
                        .next()
                        .and_then(|d| d.parse::<rust_decimal::Decimal>().ok())
                        .and_then(|d| {
                            crate::catalog::units::to_milli(
                                d,
                                "",
                                "mm",
                                rust_decimal::Decimal::ZERO,
                                rust_decimal::Decimal::new(1000, 0),
                            )
                            .ok()
                        })
                        .is_some_and(|um| um >= min && um <= max)
                })
                .map(|i| i.id)
                .collect();
            Ok((
                ids,
                format!(
                    "released {grade} bar of Ø{}–{} mm",
                    f64::from(min) / 1000.0,
                    if max == i32::MAX {
                        "any".to_owned()
                    } else {
                        (f64::from(max) / 1000.0).to_string()
                    }
                ),
            ))
        }
        JobKind::Custom => {
            let items = item::Entity::find()
                .filter(item::Column::Kind.eq(ItemKind::Blank))
                .filter(item::Column::PlatformId.eq(j.platform_id.unwrap_or(-1)))
                .all(db)
                .await?;
            Ok((
                items.into_iter().map(|i| i.id).collect(),
                "a released pre-milled blank for this platform".into(),
            ))
        }
    }
}

/// How much raw material a job consumes (mm of bar, or blanks).
pub fn material_needed(j: &production_job::Model) -> i64 {
    match j.kind {
        JobKind::Stock => i64::from(j.quantity) * i64::from(j.bar_mm_per_part.unwrap_or(0)),
        JobKind::Custom => i64::from(j.quantity),
    }
}

/// Starts a job: checks the machine can make it, issues the material from
/// released lots through the ledger (ISSUE_TO_PRODUCTION), records the tools,
/// operator and CAM program. Returns the job and any tool-life warnings.
pub async fn start_job(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    s: &StartJob,
) -> AppResult<(production_job::Model, Vec<String>)> {
    let j = job(db, id).await?;
    check_transition(&j, JobStatus::InProgress)?;
    if s.operator.trim().is_empty() {
        return Err(AppError::bad_input(
            "input.operator",
            "who runs the job is required",
        ));
    }
    if s.cam_program.trim().is_empty() {
        return Err(AppError::bad_input(
            "input.camProgram",
            "the CAM program and version are required",
        ));
    }
    let Some(machine_id) = s.machine_id.or(j.machine_id) else {
        return Err(AppError::bad_input(
            "input.machineId",
            "the job is not scheduled on a machine: name one",
        ));
    };
    let caps = capable_machines(db).await?;
    let Some(cap) = caps.iter().find(|c| c.machine.id == machine_id) else {
        return Err(AppError::bad_input(
            "input.machineId",
            "unknown or retired machine",
        ));
    };
    let req = requirement(db, &j).await?;
    if let Some(why) = cap.refusal(&req) {
        return Err(AppError::bad_input(
            "input.machineId",
            format!("{} cannot make this job: {why}", cap.machine.code),
        ));
    }
    if cap.machine.status != MachineStatus::Active {
        return Err(AppError::Conflict(format!(
            "machine {} is {}",
            cap.machine.code, cap.machine.status
        )));
    }
    if let Some(other) = production_job::Entity::find()
        .filter(production_job::Column::MachineId.eq(machine_id))
        .filter(production_job::Column::Status.eq(JobStatus::InProgress))
        .one(db)
        .await?
    {
        return Err(AppError::Conflict(format!(
            "machine {} is running {}",
            cap.machine.code, other.number
        )));
    }
    // Tools.
    let tools: Vec<tool::Model> = match &s.tool_ids {
        Some(ids) => {
            let mut out = Vec::new();
            for (i, t) in ids.iter().enumerate() {
                let t = tool::Entity::find_by_id(*t).one(db).await?.ok_or_else(|| {
                    AppError::bad_input(format!("input.toolIds[{i}]"), "unknown tool")
                })?;
                if t.status != ToolStatus::Active {
                    return Err(AppError::bad_input(
                        format!("input.toolIds[{i}]"),
                        format!("tool {} is retired", t.code),
                    ));
                }
                out.push(t);
            }
            out
        }
        None => {
            tool::Entity::find()
                .filter(tool::Column::MachineId.eq(machine_id))
                .filter(tool::Column::Status.eq(ToolStatus::Active))
                .order_by_asc(tool::Column::Code)
                .all(db)
                .await?
        }
    };
    let warnings = tool_warnings(&tools, i64::from(j.quantity));
    // Material.
    let need = material_needed(&j);
    let (items, what) = raw_items(db, &j, &cap.machine, &req).await?;
    let picks: Vec<(Candidate, i64)> = match &s.material {
        Some(picks) => {
            let mut out = Vec::new();
            let mut left = need;
            let cands = raw_candidates(db, &items).await?;
            for (i, p) in picks.iter().enumerate() {
                let f = format!("input.material[{i}]");
                let l = inv::lot(db, p.lot_id).await?;
                if !items.contains(&l.item_id) {
                    return Err(AppError::bad_input(
                        f,
                        format!("lot {} is not {what}", l.lot_number),
                    ));
                }
                let st = effective_state(&l, today());
                if st != EffectiveState::Released {
                    return Err(AppError::bad_input(
                        f,
                        format!(
                            "lot {} is {st}; only released material can be issued",
                            l.lot_number
                        ),
                    ));
                }
                let mut want = p.quantity.unwrap_or(left).min(left);
                if want <= 0 {
                    return Err(AppError::bad_input(
                        f,
                        "nothing left to issue from this lot",
                    ));
                }
                for c in cands.iter().filter(|c| c.lot.id == l.id) {
                    let q = want.min(c.free);
                    if q > 0 {
                        out.push((
                            Candidate {
                                lot: c.lot.clone(),
                                location_id: c.location_id,
                                free: c.free,
                            },
                            q,
                        ));
                        want -= q;
                        left -= q;
                    }
                }
                if want > 0 {
                    return Err(AppError::bad_input(
                        f,
                        format!(
                            "lot {} has not enough free stock at stock locations",
                            l.lot_number
                        ),
                    ));
                }
            }
            if left > 0 {
                return Err(AppError::bad_input(
                    "input.material",
                    format!("the job needs {need}, the lots given cover {}", need - left),
                ));
            }
            out
        }
        None => {
            let mut out = Vec::new();
            let mut left = need;
            let cands = raw_candidates(db, &items).await?;
            let total: i64 = cands.iter().map(|c| c.free).sum();
            for c in cands {
                if left == 0 {
                    break;
                }
                let q = left.min(c.free);
                left -= q;
                out.push((c, q));
            }
            if left > 0 {
                return Err(AppError::bad_input(
                    "input.material",
                    format!(
                        "not enough released material: the job needs {need} {} of {what}, {total} free",
                        if j.kind == JobKind::Stock {
                            "mm"
                        } else {
                            "pieces"
                        }
                    ),
                ));
            }
            out
        }
    };
    let now = Utc::now();
    inv::lock_lots(db, &picks.iter().map(|(c, _)| c.lot.id).collect::<Vec<_>>()).await?;
    for (c, q) in &picks {
        ledger::apply(
            db,
            actor,
            Move {
                lot_id: c.lot.id,
                from: Some(c.location_id),
                to: None,
                quantity: *q,
                reason: MovementReason::IssueToProduction,
                reference: &j.number,
                note: Some(format!("issued to {} on {}", j.number, cap.machine.code)),
                idempotency_key: None,
            },
        )
        .await?;
        job_material::ActiveModel {
            job_id: Set(j.id),
            lot_id: Set(c.lot.id),
            location_id: Set(c.location_id),
            quantity: Set(*q),
            issued_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    for t in &tools {
        job_tool::ActiveModel {
            job_id: Set(j.id),
            tool_id: Set(t.id),
            uses: Set(j.quantity),
        }
        .insert(db)
        .await?;
    }
    let mut am = j.into_active_model();
    am.status = Set(JobStatus::InProgress);
    am.machine_id = Set(Some(machine_id));
    am.started_at = Set(Some(now));
    am.operator = Set(Some(s.operator.trim().to_owned()));
    am.cam_program = Set(Some(s.cam_program.trim().to_owned()));
    am.updated_at = Set(now);
    Ok((am.update(db).await?, warnings))
}

/// Warnings for tools that would pass their life limit cutting `parts` more.
pub fn tool_warnings(tools: &[tool::Model], parts: i64) -> Vec<String> {
    tools
        .iter()
        .filter(|t| i64::from(t.uses) + parts > i64::from(t.life_limit))
        .map(|t| {
            format!(
                "tool {} would reach {} of its {} uses",
                t.code,
                i64::from(t.uses) + parts,
                t.life_limit
            )
        })
        .collect()
}

/// Completes machining: the finished lot is created in QUARANTINE with
/// `quantity_made` parts (reason PRODUCTION_OUTPUT), genealogy edges link it
/// to every lot consumed, and the tools' use counters advance.
pub async fn complete_job(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    quantity_made: i32,
    location: Option<&str>,
) -> AppResult<(production_job::Model, lot::Model)> {
    let j = job(db, id).await?;
    check_transition(&j, JobStatus::Inspection)?;
    if quantity_made < 1 || quantity_made > j.quantity {
        return Err(AppError::bad_input(
            "input.quantityMade",
            format!(
                "must be 1–{} (the job's quantity); scrap the job if nothing good was made",
                j.quantity
            ),
        ));
    }
    let loc = match location {
        Some(code) => inv::location_by_code(db, code, "input.location").await?,
        None => {
            // The first QUARANTINE bin (a leaf of the tree), by code.
            let all = location::Entity::find()
                .order_by_asc(location::Column::Code)
                .all(db)
                .await?;
            let parents: HashSet<i64> = all.iter().filter_map(|l| l.parent_id).collect();
            all.into_iter()
                .find(|l| l.location_type == LocationType::Quarantine && !parents.contains(&l.id))
                .ok_or_else(|| {
                    AppError::bad_input("input.location", "there is no QUARANTINE location")
                })?
        }
    };
    if loc.location_type != LocationType::Quarantine {
        return Err(AppError::bad_input(
            "input.location",
            format!("`{}` is not a QUARANTINE location", loc.code),
        ));
    }
    let now = Utc::now();
    let made = today();
    let (item, am) = match j.kind {
        JobKind::Stock => {
            let sku = catalog::sku(db, j.sku_id.unwrap_or(-1))
                .await?
                .ok_or_else(|| AppError::Internal(format!("job {} has no SKU", j.number)))?;
            let item = inv::finished_item(db, &sku).await?;
            let expiry = match (sku.sterile, sku.shelf_life_months) {
                (true, Some(m)) => made.checked_add_months(Months::new(m as u32)),
                _ => None,
            };
            let udi = crate::inventory::gs1::udi(&sku.gtin, &j.number, expiry);
            (
                item,
                lot::ActiveModel {
                    production_date: Set(Some(made)),
                    expiry_date: Set(expiry),
                    udi: Set(Some(udi)),
                    ..Default::default()
                },
            )
        }
        JobKind::Custom => {
            let pid = j.platform_id.unwrap_or(-1);
            let p = catalog::platform(db, pid)
                .await?
                .ok_or_else(|| AppError::Internal(format!("job {} has no platform", j.number)))?;
            let grade = sea_orm::ActiveEnum::to_value(&j.material);
            let code = format!("CUSTOM/{}/{grade}", p.id);
            let item = inv::get_or_create_item(db, &code, || item::ActiveModel {
                kind: Set(ItemKind::Finished),
                code: Set(code.clone()),
                name: Set(format!("Custom abutment, {grade}, platform {}", p.name)),
                unit: Set(StockUnit::Pcs),
                sku_id: Set(None),
                platform_id: Set(Some(p.id)),
                reorder_point: Set(None),
                created_at: Set(now),
                ..Default::default()
            })
            .await?;
            (
                item,
                lot::ActiveModel {
                    production_date: Set(Some(made)),
                    expiry_date: Set(None),
                    ..Default::default()
                },
            )
        }
    };
    let l = inv::produce_lot(
        db,
        actor,
        &item,
        &j.number,
        am,
        loc.id,
        i64::from(quantity_made),
        &j.number,
    )
    .await?;
    // Genealogy: one edge per consumed lot.
    let mut consumed: BTreeMap<i64, i64> = BTreeMap::new();
    for m in job_material::Entity::find()
        .filter(job_material::Column::JobId.eq(j.id))
        .all(db)
        .await?
    {
        *consumed.entry(m.lot_id).or_default() += m.quantity;
    }
    let parents: Vec<i64> = consumed.keys().copied().collect();
    for (parent, qty) in consumed {
        lot_genealogy::ActiveModel {
            parent_lot_id: Set(parent),
            child_lot_id: Set(l.id),
            quantity: Set(qty),
            job_id: Set(Some(j.id)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    // Made from recalled material, or in a recalled machine window or with
    // a recalled tool: the new lot joins the recall.
    let l = crate::quality::recall::inherit_recalls(db, actor, l, &parents, &j, now).await?;
    // Tools: record what was cut and advance the counters.
    for jt in job_tool::Entity::find()
        .filter(job_tool::Column::JobId.eq(j.id))
        .all(db)
        .await?
    {
        let t = tool_by_id(db, jt.tool_id).await?;
        let uses = t.uses + quantity_made;
        let mut tam = t.into_active_model();
        tam.uses = Set(uses);
        tam.update(db).await?;
        let mut jam = jt.into_active_model();
        jam.uses = Set(quantity_made);
        jam.update(db).await?;
    }
    let mut am = j.into_active_model();
    am.status = Set(JobStatus::Inspection);
    am.quantity_made = Set(Some(quantity_made));
    am.finished_at = Set(Some(now));
    am.finished_lot_id = Set(Some(l.id));
    am.planned_end = Set(Some(now));
    am.updated_at = Set(now);
    Ok((am.update(db).await?, l))
}

/// Records the final inspection. PASS: DONE with `accepted` parts (the rest
/// are scrapped from the lot); the lot stays in quarantine until quality
/// releases it. FAIL: the job is SCRAPPED and the lot REJECTED.
pub async fn inspect_job(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    result: InspectionResult,
    accepted: Option<i32>,
    note: Option<&str>,
) -> AppResult<production_job::Model> {
    let j = job(db, id).await?;
    let to = match result {
        InspectionResult::Pass => JobStatus::Done,
        InspectionResult::Fail => JobStatus::Scrapped,
    };
    check_transition(&j, to)?;
    let made = j.quantity_made.unwrap_or(0);
    let lot_id = j
        .finished_lot_id
        .ok_or_else(|| AppError::Internal(format!("job {} has no finished lot", j.number)))?;
    let accepted = match result {
        InspectionResult::Pass => {
            let a = accepted.unwrap_or(made);
            if !(1..=made).contains(&a) {
                return Err(AppError::bad_input(
                    "input.quantityAccepted",
                    format!("must be 1–{made} (parts made); record FAIL if none passed"),
                ));
            }
            a
        }
        InspectionResult::Fail => 0,
    };
    if result == InspectionResult::Pass && accepted < made {
        let bal = stock_balance::Entity::find()
            .filter(stock_balance::Column::LotId.eq(lot_id))
            .filter(stock_balance::Column::OnHand.gt(0))
            .one(db)
            .await?
            .ok_or_else(|| AppError::Conflict("the finished lot holds no stock any more".into()))?;
        ledger::apply(
            db,
            actor,
            Move {
                lot_id,
                from: Some(bal.location_id),
                to: None,
                quantity: i64::from(made - accepted),
                reason: MovementReason::Scrap,
                reference: &j.number,
                note: Some("rejected at final inspection".into()),
                idempotency_key: None,
            },
        )
        .await?;
    }
    // A recalled lot stays RECALLED: the recall already blocks it.
    if result == InspectionResult::Fail && inv::lot(db, lot_id).await?.state != LotState::Recalled {
        inv::change_state(
            db,
            actor,
            lot_id,
            LotState::Rejected,
            note.filter(|n| !n.trim().is_empty())
                .unwrap_or("failed final inspection"),
        )
        .await?;
    }
    let now = Utc::now();
    let mut am = j.into_active_model();
    am.status = Set(to);
    am.inspection_result = Set(Some(result));
    am.quantity_accepted = Set(Some(accepted));
    am.inspection_note = Set(note.map(str::to_owned));
    am.inspected_by = Set(Some(actor.name.clone()));
    am.inspected_at = Set(Some(now));
    am.updated_at = Set(now);
    Ok(am.update(db).await?)
}

/// Scraps a job that is running (material stays consumed).
pub async fn scrap_job(
    db: &impl ConnectionTrait,
    id: i64,
    reason: &str,
) -> AppResult<production_job::Model> {
    let j = job(db, id).await?;
    if j.status != JobStatus::InProgress {
        return Err(AppError::Conflict(format!(
            "job {} is {}; only a running job is scrapped (cancel a job that has not started, record FAIL at inspection)",
            j.number,
            status_name(j.status)
        )));
    }
    if reason.trim().is_empty() {
        return Err(AppError::bad_input(
            "input.reason",
            "say why the job is scrapped",
        ));
    }
    let now = Utc::now();
    let mut am = j.into_active_model();
    am.status = Set(JobStatus::Scrapped);
    am.status_reason = Set(Some(reason.trim().to_owned()));
    am.finished_at = Set(Some(now));
    am.updated_at = Set(now);
    Ok(am.update(db).await?)
}

/// The job that made a lot, if any.
pub async fn job_of_lot(
    db: &impl ConnectionTrait,
    lot_id: i64,
) -> AppResult<Option<production_job::Model>> {
    Ok(production_job::Entity::find()
        .filter(production_job::Column::FinishedLotId.eq(lot_id))
        .one(db)
        .await?)
}

/// Filter for job lists.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub statuses: Vec<JobStatus>,
    pub kind: Option<JobKind>,
    pub machine_id: Option<i64>,
    pub case_reference: Option<String>,
}

/// Jobs matching a filter, earliest due first.
pub async fn jobs(
    db: &impl ConnectionTrait,
    f: &JobFilter,
    page: &crate::paging::Page,
) -> AppResult<Vec<production_job::Model>> {
    use production_job::Column as C;
    let mut q = production_job::Entity::find();
    if !f.statuses.is_empty() {
        q = q.filter(C::Status.is_in(f.statuses.iter().copied()));
    }
    if let Some(k) = f.kind {
        q = q.filter(C::Kind.eq(k));
    }
    if let Some(m) = f.machine_id {
        q = q.filter(C::MachineId.eq(m));
    }
    if let Some(c) = &f.case_reference {
        q = q.filter(C::CaseReference.eq(c.trim()));
    }
    let e = production_job::Entity;
    let order = [
        (crate::paging::col((e, C::DueAt)), sea_orm::Order::Asc),
        (crate::paging::col((e, C::Id)), sea_orm::Order::Asc),
    ];
    Ok(page.apply(q, &order).all(db).await?)
}

/// The sort key of a job in [`jobs`]' order (earliest due first).
pub fn job_key(j: &production_job::Model) -> crate::paging::Key {
    use crate::paging::KeyVal;
    vec![KeyVal::T(j.due_at), KeyVal::I(j.id)]
}

/// How many jobs match a filter.
pub async fn count_jobs(db: &impl ConnectionTrait, f: &JobFilter) -> AppResult<u64> {
    use production_job::Column as C;
    use sea_orm::PaginatorTrait;
    let mut q = production_job::Entity::find();
    if !f.statuses.is_empty() {
        q = q.filter(C::Status.is_in(f.statuses.iter().copied()));
    }
    if let Some(k) = f.kind {
        q = q.filter(C::Kind.eq(k));
    }
    if let Some(m) = f.machine_id {
        q = q.filter(C::MachineId.eq(m));
    }
    if let Some(c) = &f.case_reference {
        q = q.filter(C::CaseReference.eq(c.trim()));
    }
    Ok(q.count(db).await?)
}

/// A job by its number.
pub async fn job_by_number(
    db: &impl ConnectionTrait,
    number: &str,
) -> AppResult<production_job::Model> {
    production_job::Entity::find()
        .filter(production_job::Column::Number.eq(number.trim()))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("production job", number.trim().to_owned()))
}

/// Free blanks for a platform in released, unexpired lots at stock locations.
pub async fn blanks_available(db: &impl ConnectionTrait, platform_id: i64) -> AppResult<i64> {
    blanks_in_stock(db, platform_id).await
}

/// Open custom jobs of a platform that have not issued their blank yet
/// (PLANNED or SCHEDULED), in the order they will take blanks: planned
/// start first (unplanned last), then id.
pub async fn jobs_awaiting_blanks(
    db: &impl ConnectionTrait,
    platform_id: i64,
) -> AppResult<Vec<production_job::Model>> {
    let mut jobs = production_job::Entity::find()
        .filter(production_job::Column::Kind.eq(JobKind::Custom))
        .filter(production_job::Column::PlatformId.eq(platform_id))
        .filter(production_job::Column::Status.is_in([JobStatus::Planned, JobStatus::Scheduled]))
        .all(db)
        .await?;
    jobs.sort_by_key(|j| (j.planned_start.is_none(), j.planned_start, j.id));
    Ok(jobs)
}

/// Blanks of a platform that no booked job has a claim on yet: released
/// blanks in stock, minus what open jobs that have not started will take.
pub async fn blanks_free(db: &impl ConnectionTrait, platform_id: i64) -> AppResult<BlankSupply> {
    let in_stock = blanks_in_stock(db, platform_id).await?;
    let promised: i64 = jobs_awaiting_blanks(db, platform_id)
        .await?
        .iter()
        .map(material_needed)
        .sum();
    Ok(BlankSupply { in_stock, promised })
}

/// Released blanks of a platform and the share booked jobs will take.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BlankSupply {
    /// Released, unexpired blanks in STOCK locations, not reserved.
    pub in_stock: i64,
    /// Taken by open jobs that have not started yet.
    pub promised: i64,
}

impl BlankSupply {
    /// Blanks a new job could still have.
    pub fn free(&self) -> i64 {
        self.in_stock - self.promised
    }

    /// Why a new job has none, for messages.
    pub fn shortage(&self) -> String {
        format!(
            "no released blank for this platform is free: {} in stock, {} promised to booked jobs",
            self.in_stock, self.promised
        )
    }
}

async fn blanks_in_stock(db: &impl ConnectionTrait, platform_id: i64) -> AppResult<i64> {
    let items: Vec<i64> = item::Entity::find()
        .filter(item::Column::Kind.eq(ItemKind::Blank))
        .filter(item::Column::PlatformId.eq(platform_id))
        .all(db)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    Ok(raw_candidates(db, &items)
        .await?
        .iter()
        .map(|c| c.free)
        .sum())
}
