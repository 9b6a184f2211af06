//! Production jobs: creation with its design checks and number, status transitions, cancellation.

use super::*;

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
pub(crate) fn default_routing(kind: JobKind) -> (i32, i32, Option<i32>) {
    match kind {
        JobKind::Stock => (45, 6, Some(22)),
        JobKind::Custom => (10, 20, None),
    }
}

pub(crate) fn range(
    v: Option<i32>,
    lo: i32,
    hi: i32,
    field: &str,
    unit: &str,
    scale: f64,
) -> AppResult<()> {
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
        "gingivalHeightMm",
        "mm",
        1000.0,
    )?;
    range(j.post_height_um, 4_000, 6_000, "postHeightMm", "mm", 1000.0)?;
    range(j.angulation_mdeg, 0, 30_000, "angulationDeg", "°", 1000.0)?;
    range(
        j.screw_channel_mdeg,
        0,
        25_000,
        "screwChannelAngleDeg",
        "°",
        1000.0,
    )?;
    range(j.margin_height_um, 0, 3_000, "marginHeightMm", "mm", 1000.0)?;
    Ok(())
}

/// Next job number, `JOB-000001` upward.
pub(crate) async fn next_number(db: &impl ConnectionTrait) -> AppResult<String> {
    let last = production_job::Entity::find()
        .order_by_desc(production_job::Column::Id)
        .limit(1)
        .one(db)
        .await?;
    Ok(format!("JOB-{:06}", last.map_or(0, |j| j.id) + 1))
}

/// Creates a job in PLANNED after checking a machine exists that can make
/// it. Fields in errors are relative to `j` (`dueAt`, `platform`).
pub async fn create_job(
    db: &impl ConnectionTrait,
    actor: &Actor,
    j: &NewJob,
) -> AppResult<production_job::Model> {
    crate::quantity::JOB_PARTS.check(i64::from(j.quantity), "quantity")?;
    if j.due_at < Utc::now() - chrono::Duration::minutes(5) {
        return Err(AppError::bad_input(
            "dueAt",
            format!(
                "{} is in the past; a new job is due now or later",
                j.due_at.format("%Y-%m-%d %H:%M UTC")
            ),
        ));
    }
    if !(1..=10).contains(&j.priority) {
        return Err(AppError::bad_input(
            "priority",
            format!("must be 1 (low) to 10 (urgent), got {}", j.priority),
        ));
    }
    let (d_setup, d_cycle, d_bar) = default_routing(j.kind);
    let setup = j.setup_minutes.unwrap_or(d_setup);
    let cycle = j.cycle_minutes.unwrap_or(d_cycle);
    range(Some(setup), 0, 24 * 60, "setupMinutes", "min", 1.0)?;
    range(Some(cycle), 1, 24 * 60, "cycleMinutes", "min", 1.0)?;
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
        JobKind::Stock => stock_part(db, j, j.bar_mm_per_part.or(d_bar), &mut am).await?,
        JobKind::Custom => custom_part(db, j, &mut am).await?,
    };
    check_some_machine(db, j.kind, &req).await?;
    let now = Utc::now();
    am.number = Set(next_number(db).await?);
    am.created_at = Set(now);
    am.updated_at = Set(now);
    Ok(am.insert(db).await?)
}

/// A STOCK job's part: the SKU named by article number sets the design
/// and material (a material given must agree); `bar` mm of bar per part.
async fn stock_part(
    db: &impl ConnectionTrait,
    j: &NewJob,
    bar: Option<i32>,
    am: &mut production_job::ActiveModel,
) -> AppResult<Requirement> {
    let Some(article) = j.article_number.as_deref() else {
        return Err(AppError::bad_input(
            "articleNumber",
            "a STOCK job makes one of our SKUs: give its article number",
        ));
    };
    let sku: abutment_sku::Model = inv::sku_by_article(db, article, "articleNumber").await?;
    if j.material.is_some_and(|m| m != sku.material) {
        return Err(AppError::bad_input(
            "material",
            format!("{} is made of {}", sku.article_number, sku.material),
        ));
    }
    range(bar, 1, 500, "barMmPerPart", "mm", 1.0)?;
    am.sku_id = Set(Some(sku.id));
    am.platform_id = Set(None);
    am.abutment_type = Set(sku.abutment_type);
    am.material = Set(sku.material);
    am.engaging = Set(sku.engaging);
    am.bar_mm_per_part = Set(bar);
    am.gingival_height_um = Set(Some(sku.gingival_height_um));
    am.angulation_mdeg = Set(Some(sku.angulation_mdeg));
    am.post_height_um = Set(sku.post_height_um);
    Ok(Requirement {
        kind: JobKind::Stock,
        material: sku.material,
        part_diameter_um: sku.diameter_um,
        system_id: None,
        angulation_mdeg: sku.angulation_mdeg,
        screw_channel_mdeg: 0,
    })
}

/// A CUSTOM job's part: one piece for one platform, within the design
/// limits ([`check_design`]).
async fn custom_part(
    db: &impl ConnectionTrait,
    j: &NewJob,
    am: &mut production_job::ActiveModel,
) -> AppResult<Requirement> {
    let Some(pref) = &j.platform else {
        return Err(AppError::bad_input(
            "platform",
            "a CUSTOM job is for one platform: give system and platform",
        ));
    };
    if j.quantity != 1 {
        return Err(AppError::bad_input(
            "quantity",
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
    Ok(Requirement {
        kind: JobKind::Custom,
        material,
        part_diameter_um: None,
        system_id: Some(p.system_id),
        angulation_mdeg: j.angulation_mdeg.unwrap_or(0),
        screw_channel_mdeg: j.screw_channel_mdeg.unwrap_or(0),
    })
}

/// Refuses a part no machine can make, saying why for each machine (on
/// the field that named the part).
async fn check_some_machine(
    db: &impl ConnectionTrait,
    kind: JobKind,
    req: &Requirement,
) -> AppResult<()> {
    let machines = capable_machines(db).await?;
    if machines.iter().any(|c| c.refusal(req).is_none()) {
        return Ok(());
    }
    let why: Vec<String> = machines
        .iter()
        .filter_map(|c| c.refusal(req).map(|r| format!("{}: {r}", c.machine.code)))
        .collect();
    let field = if kind == JobKind::Stock {
        "articleNumber"
    } else {
        "platform"
    };
    Err(AppError::bad_input(
        field,
        format!(
            "no machine can make this part ({})",
            if why.is_empty() {
                "there are no machines".to_owned()
            } else {
                why.join("; ")
            }
        ),
    ))
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
        Err(AppError::refused(Refusal::StateNotAllowed {
            what: "job",
            name: j.number.clone(),
            state: status_name(j.status),
            rule: format!("; it cannot go to {}", status_name(to)),
        }))
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
            "reason",
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
