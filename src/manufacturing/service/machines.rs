//! Machines, their calendars, downtime and tools.

use super::*;

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
    let q = machine::Entity::find();
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
    Ok(page.fetch(db, q, &order).await?)
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
    let mut q = tool::Entity::find();
    if !retired {
        q = q.filter(tool::Column::Status.eq(entity::enums::ToolStatus::Active));
    }
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
    Ok(page.fetch(db, q, &order).await?)
}

/// The sort key of a tool in [`tools_page`]' order (by code).
pub fn tool_key(t: &tool::Model) -> crate::paging::Key {
    use crate::paging::KeyVal;
    vec![KeyVal::S(t.code.clone()), KeyVal::I(t.id)]
}

pub(crate) fn check_bar_range(min: Option<i32>, max: Option<i32>) -> AppResult<()> {
    if let (Some(a), Some(b)) = (min, max)
        && a > b
    {
        return Err(AppError::bad_input(
            "barMaxDiameterMm",
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
        return Err(AppError::bad_input("code", "must be 1–40 characters"));
    }
    if m.name.trim().is_empty() {
        return Err(AppError::bad_input("name", "is required"));
    }
    calendar::time_zone(&m.time_zone, "timeZone")?;
    check_bar_range(m.bar_min_diameter_um, m.bar_max_diameter_um)?;
    if machine::Entity::find()
        .filter(machine::Column::Code.eq(code))
        .one(db)
        .await?
        .is_some()
    {
        return Err(AppError::bad_input(
            "code",
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
pub(crate) async fn set_capabilities(
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
                    format!("systemIds[{i}]"),
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
            return Err(AppError::bad_input("name", "must not be empty"));
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
    calendar::time_zone(time_zone, "timeZone")?;
    calendar::validate_shifts(shifts, "shifts")?;
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
            "endsAt",
            format!("must be after the start ({starts_at}), got {ends_at}"),
        ));
    }
    if reason.trim().is_empty() {
        return Err(AppError::bad_input("reason", "say why the machine is down"));
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
        return Err(AppError::bad_input("code", "is required"));
    }
    crate::quantity::TOOL_LIFE.check(i64::from(life_limit), "lifeLimit")?;
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
            "code",
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
