//! Planning: turns the shop as stored (machines, calendars, downtime, open
//! jobs) into a scheduling instance, runs the scheduler behind its one
//! interface, and writes the plan back; answers "when would a new job be
//! done?" without committing it; and reads the plan as a timeline per
//! machine with utilisation.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use entity::{
    abutment_sku, enums::JobStatus, enums::MachineStatus, machine, machine_downtime, machine_shift,
    platform, production_job, schedule_run, tool,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};

use super::{
    calendar::{self, Shift},
    scheduling::{self, Instance, Schedule, Scheduler, Slot},
    service::{self, Capable, Requirement},
};
use crate::error::{AppError, AppResult};

mod timeline;

pub use timeline::*;

/// How far ahead the scheduler plans.
pub const HORIZON_DAYS: i64 = 120;

/// The shop as the scheduler sees it, with the rows behind each index.
pub struct Shop {
    /// Planning starts here (UTC minutes).
    pub now: i64,
    /// Machines, aligned with `instance.machines`.
    pub machines: Vec<Capable>,
    /// Open jobs, aligned with `instance.jobs`.
    pub jobs: Vec<production_job::Model>,
    /// Why a job has no eligible machine, by job index.
    pub no_machine: HashMap<usize, String>,
    pub instance: Instance,
}

async fn shifts_by_machine(db: &impl ConnectionTrait) -> AppResult<HashMap<i64, Vec<Shift>>> {
    let mut out: HashMap<i64, Vec<Shift>> = HashMap::new();
    for s in machine_shift::Entity::find().all(db).await? {
        out.entry(s.machine_id).or_default().push(Shift {
            weekday: s.weekday,
            start_minute: s.start_minute,
            end_minute: s.end_minute,
        });
    }
    Ok(out)
}

async fn downtime_by_machine(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<HashMap<i64, Vec<(i64, i64)>>> {
    let mut out: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    for d in machine_downtime::Entity::find()
        .filter(machine_downtime::Column::EndsAt.gt(from))
        .filter(machine_downtime::Column::StartsAt.lt(to))
        .all(db)
        .await?
    {
        out.entry(d.machine_id).or_default().push((
            calendar::minute_of(d.starts_at),
            calendar::minute_of(d.ends_at) + i64::from(d.ends_at.timestamp() % 60 != 0),
        ));
    }
    Ok(out)
}

/// Working windows of one machine between two instants (none unless ACTIVE).
fn windows_of(
    m: &machine::Model,
    shifts: &HashMap<i64, Vec<Shift>>,
    downtime: &HashMap<i64, Vec<(i64, i64)>>,
    from: i64,
    to: i64,
) -> Vec<(i64, i64)> {
    if m.status != MachineStatus::Active {
        return Vec::new();
    }
    let Ok(tz) = m.time_zone.parse::<chrono_tz::Tz>() else {
        return Vec::new();
    };
    calendar::working_windows(
        &tz,
        shifts.get(&m.id).map_or(&[][..], Vec::as_slice),
        downtime.get(&m.id).map_or(&[][..], Vec::as_slice),
        from,
        to,
    )
}

/// Minutes a job occupies its machine: setup plus every part.
pub fn job_minutes(j: &production_job::Model) -> i64 {
    i64::from(j.setup_minutes) + i64::from(j.quantity) * i64::from(j.cycle_minutes)
}

/// The requirements of many jobs, with two queries (SKUs, platforms).
async fn requirements(
    db: &impl ConnectionTrait,
    jobs: &[production_job::Model],
) -> AppResult<Vec<Requirement>> {
    let sku_ids: HashSet<i64> = jobs.iter().filter_map(|j| j.sku_id).collect();
    let pf_ids: HashSet<i64> = jobs.iter().filter_map(|j| j.platform_id).collect();
    let skus: HashMap<i64, abutment_sku::Model> = abutment_sku::Entity::find()
        .filter(abutment_sku::Column::Id.is_in(sku_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let pfs: HashMap<i64, platform::Model> = platform::Entity::find()
        .filter(platform::Column::Id.is_in(pf_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    Ok(jobs
        .iter()
        .map(|j| Requirement {
            kind: j.kind,
            material: j.material,
            part_diameter_um: j
                .sku_id
                .and_then(|s| skus.get(&s))
                .and_then(|s| s.diameter_um),
            system_id: j.platform_id.and_then(|p| pfs.get(&p)).map(|p| p.system_id),
            angulation_mdeg: j.angulation_mdeg.unwrap_or(0),
            screw_channel_mdeg: j.screw_channel_mdeg.unwrap_or(0),
        })
        .collect())
}

/// Loads the shop: machines with windows from `now` over the horizon, and
/// every open job (PLANNED, SCHEDULED, IN_PROGRESS). Jobs in progress are
/// pinned to their machine with the work that remains.
pub async fn load_shop(db: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<Shop> {
    let now_m = calendar::minute_of(now) + 1;
    let end = now + Duration::days(HORIZON_DAYS);
    let end_m = calendar::minute_of(end);
    let machines = service::capable_machines(db).await?;
    let jobs = production_job::Entity::find()
        .filter(production_job::Column::Status.is_in([
            JobStatus::Planned,
            JobStatus::Scheduled,
            JobStatus::InProgress,
        ]))
        .order_by_asc(production_job::Column::Id)
        .all(db)
        .await?;
    let earliest = jobs
        .iter()
        .filter_map(|j| j.started_at)
        .min()
        .unwrap_or(now)
        .min(now);
    let shifts = shifts_by_machine(db).await?;
    let downtime = downtime_by_machine(db, earliest, end).await?;
    let from_m = calendar::minute_of(earliest);
    let full: Vec<Vec<(i64, i64)>> = machines
        .iter()
        .map(|c| windows_of(&c.machine, &shifts, &downtime, from_m, end_m))
        .collect();
    let index: HashMap<i64, usize> = machines
        .iter()
        .enumerate()
        .map(|(i, c)| (c.machine.id, i))
        .collect();
    let reqs = requirements(db, &jobs).await?;
    let mut no_machine = HashMap::new();
    let mut sjobs = Vec::with_capacity(jobs.len());
    for (i, (j, r)) in jobs.iter().zip(&reqs).enumerate() {
        let eligible: Vec<usize> = machines
            .iter()
            .enumerate()
            .filter(|(_, c)| c.refusal(r).is_none() && c.machine.status == MachineStatus::Active)
            .map(|(k, _)| k)
            .collect();
        let mut duration = job_minutes(j);
        let mut pinned = None;
        if j.status == JobStatus::InProgress
            && let Some(k) = j.machine_id.and_then(|m| index.get(&m).copied())
        {
            let started = j.started_at.map_or(now_m, calendar::minute_of);
            let worked = calendar::working_minutes(&full[k], started, now_m);
            // A running job keeps at least a minute of work until it is completed.
            duration = (duration - worked).max(1);
            pinned = Some(k);
        }
        if eligible.is_empty() && pinned.is_none() {
            no_machine.insert(i, "no active machine can make it".to_owned());
        }
        sjobs.push(scheduling::Job {
            id: j.id,
            eligible: match pinned {
                Some(k) => vec![k],
                None => eligible,
            },
            duration,
            release: now_m,
            due: calendar::minute_of(j.due_at),
            weight: i64::from(j.priority),
            pinned,
        });
    }
    let smachines = machines
        .iter()
        .zip(full)
        .map(|(c, w)| scheduling::Machine {
            id: c.machine.id,
            windows: w
                .into_iter()
                .filter_map(|(a, b)| (b > now_m).then_some((a.max(now_m), b)))
                .collect(),
        })
        .collect();
    Ok(Shop {
        now: now_m,
        machines,
        jobs,
        no_machine,
        instance: Instance {
            now: now_m,
            machines: smachines,
            jobs: sjobs,
        },
    })
}

impl Shop {
    /// The plan as stored: a slot for every open job with a machine and times.
    pub fn stored_plan(&self) -> Schedule {
        let index: HashMap<i64, usize> = self
            .machines
            .iter()
            .enumerate()
            .map(|(i, c)| (c.machine.id, i))
            .collect();
        let mut slots = Vec::new();
        let mut unscheduled = Vec::new();
        for (i, j) in self.jobs.iter().enumerate() {
            match (
                j.machine_id.and_then(|m| index.get(&m)),
                j.planned_start,
                j.planned_end,
            ) {
                (Some(&k), Some(s), Some(e)) => slots.push(Slot {
                    job: i,
                    machine: k,
                    start: calendar::minute_of(s),
                    end: calendar::minute_of(e),
                }),
                _ => unscheduled.push(i),
            }
        }
        Schedule { slots, unscheduled }
    }

    /// When a new job would be done if added now, fitted into the gaps of
    /// `plan` without moving anything already planned: the machine index and
    /// slot with the earliest end, or `None` when no capable machine has time
    /// within the horizon.
    pub fn eta(
        &self,
        plan: &Schedule,
        req: &Requirement,
        duration: i64,
        due: i64,
        weight: i64,
    ) -> Option<Slot> {
        let eligible: Vec<usize> = self
            .machines
            .iter()
            .enumerate()
            .filter(|(_, c)| c.refusal(req).is_none() && c.machine.status == MachineStatus::Active)
            .map(|(k, _)| k)
            .collect();
        if eligible.is_empty() {
            return None;
        }
        let job = scheduling::Job {
            id: -1,
            eligible,
            duration,
            release: self.now,
            due,
            weight,
            pinned: None,
        };
        scheduling::earliest_insertion(&self.instance, plan, &job)
    }
}

/// One manufacturing write, the unit every caller uses (resolvers, the
/// case service's callers, the seeder): [`ShopWrite::begin`] takes the shop
/// lock ([`crate::db::Lock::Shop`]) in the caller's transaction, and
/// [`ShopWrite::finish`] replans every open job before the caller commits,
/// so the stored plan always matches the shop.
#[must_use = "a shop write replans only when finished"]
pub struct ShopWrite<'c, C> {
    db: &'c C,
    actor: String,
}

impl<'c, C: ConnectionTrait> ShopWrite<'c, C> {
    /// Takes the shop lock for the rest of the transaction `db` is in.
    pub async fn begin(db: &'c C, actor: &str) -> AppResult<Self> {
        crate::db::lock(db, crate::db::Lock::Shop).await?;
        Ok(ShopWrite {
            db,
            actor: actor.to_owned(),
        })
    }

    /// Takes the shop lock for a write that changes nothing the plan
    /// depends on (a tool added, a job inspected): no replan follows.
    pub async fn lock_only(db: &'c C) -> AppResult<()> {
        crate::db::lock(db, crate::db::Lock::Shop).await
    }

    /// Replans for `trigger` (e.g. "job added"); the caller then commits.
    pub async fn finish(self, trigger: &str) -> AppResult<schedule_run::Model> {
        reschedule(self.db, &self.actor, trigger).await
    }
}

/// Plans every open job again and stores the plan; returns the run's record.
pub async fn reschedule(
    db: &impl ConnectionTrait,
    actor: &str,
    trigger: &str,
) -> AppResult<schedule_run::Model> {
    let now = Utc::now();
    let shop = load_shop(db, now).await?;
    let scheduler = scheduling::default_scheduler();
    // The search is CPU-bound for up to its time budget: it runs on the
    // blocking pool, not on an async worker serving other requests.
    let (shop, plan, wall_ms) = tokio::task::spawn_blocking(move || {
        let t0 = Instant::now();
        let plan = scheduling::default_scheduler().schedule(&shop.instance);
        (shop, plan, t0.elapsed().as_millis() as i64)
    })
    .await
    .map_err(|e| AppError::Internal(format!("scheduler task failed: {e}")))?;
    if let Err(e) = scheduling::validate(&shop.instance, &plan) {
        return Err(AppError::Internal(format!(
            "scheduler produced an invalid plan: {e}"
        )));
    }
    let metrics = scheduling::evaluate(&shop.instance, &plan);
    let mut placed: HashMap<usize, &Slot> = HashMap::new();
    for s in &plan.slots {
        placed.insert(s.job, s);
    }
    for (i, j) in shop.jobs.iter().enumerate() {
        let (machine_id, start, end, status, reason) = match placed.get(&i) {
            Some(s) => (
                Some(shop.machines[s.machine].machine.id),
                Some(calendar::instant(s.start)),
                Some(calendar::instant(s.end)),
                if j.status == JobStatus::InProgress {
                    JobStatus::InProgress
                } else {
                    JobStatus::Scheduled
                },
                None,
            ),
            None if j.status == JobStatus::InProgress => (
                j.machine_id,
                j.planned_start,
                None,
                JobStatus::InProgress,
                Some("its machine has no working time left within the horizon".to_owned()),
            ),
            None => (
                None,
                None,
                None,
                JobStatus::Planned,
                Some(shop.no_machine.get(&i).cloned().unwrap_or_else(|| {
                    format!("no capable machine has time within {HORIZON_DAYS} days")
                })),
            ),
        };
        let start = if j.status == JobStatus::InProgress {
            j.started_at.or(start)
        } else {
            start
        };
        if j.machine_id == machine_id
            && j.planned_start == start
            && j.planned_end == end
            && j.status == status
            && j.status_reason == reason
        {
            continue;
        }
        let mut am = j.clone().into_active_model();
        am.machine_id = Set(machine_id);
        am.planned_start = Set(start);
        am.planned_end = Set(end);
        am.status = Set(status);
        am.status_reason = Set(reason);
        am.updated_at = Set(now);
        am.update(db).await?;
    }
    Ok(schedule_run::ActiveModel {
        at: Set(now),
        algorithm: Set(scheduler.name().to_owned()),
        trigger: Set(trigger.to_owned()),
        actor: Set(actor.to_owned()),
        jobs: Set(shop.jobs.len() as i32),
        scheduled: Set(metrics.scheduled as i32),
        unscheduled: Set((shop.jobs.len() - metrics.scheduled) as i32),
        total_weighted_tardiness: Set(metrics.total_weighted_tardiness),
        makespan_minutes: Set(metrics.makespan),
        wall_ms: Set(wall_ms),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The latest scheduler run, if any.
pub async fn last_run(db: &impl ConnectionTrait) -> AppResult<Option<schedule_run::Model>> {
    Ok(schedule_run::Entity::find()
        .order_by_desc(schedule_run::Column::Id)
        .one(db)
        .await?)
}

/// A custom part's estimated slot (see [`custom_eta`]).
#[derive(Debug, Clone)]
pub struct Eta {
    /// Whether a capable machine has time within the planning horizon.
    pub possible: bool,
    pub machine: Option<machine::Model>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// Whether `end` is by the due date given (None without one).
    pub meets_due_date: Option<bool>,
    /// Whether a released blank for the platform is in stock and not yet
    /// promised to another booked job.
    pub material_available: bool,
    /// The platform whose blank it takes.
    pub platform_id: i64,
    /// Why it is not possible, or what to watch.
    pub notes: Vec<String>,
}

/// The shop and its stored plan, loaded on first use and kept, to estimate
/// many custom parts in a row (batch matching): each accepted estimate is
/// booked so the next one sees it.
#[derive(Default)]
pub struct EtaBoard {
    loaded: Option<(Shop, Schedule)>,
    blanks: HashMap<i64, super::service::BlankSupply>,
}

impl EtaBoard {
    /// When a custom part would be done if added now, fitted into the plan
    /// without moving anything, and whether blanks for it are in stock.
    pub async fn eta(
        &mut self,
        conn: &impl ConnectionTrait,
        req: &Requirement,
        platform_id: i64,
        minutes: i64,
        due: Option<DateTime<Utc>>,
    ) -> AppResult<Eta> {
        if self.loaded.is_none() {
            let shop = load_shop(conn, Utc::now()).await?;
            let plan = shop.stored_plan();
            self.loaded = Some((shop, plan));
        }
        let blanks = match self.blanks.get(&platform_id) {
            Some(b) => *b,
            None => {
                let b = super::service::blanks_free(conn, platform_id).await?;
                self.blanks.insert(platform_id, b);
                b
            }
        };
        let material = blanks.free() > 0;
        let Some((shop, plan)) = self.loaded.as_ref() else {
            return Err(AppError::Internal("shop not loaded".into()));
        };
        let due_m = due.map_or(i64::MAX / 4, calendar::minute_of);
        let slot = shop.eta(plan, req, minutes, due_m, 5);
        let mut notes = Vec::new();
        if !material {
            notes.push(blanks.shortage());
        }
        Ok(match slot {
            Some(s) if material => {
                let end = calendar::instant(s.end);
                Eta {
                    possible: true,
                    machine: Some(shop.machines[s.machine].machine.clone()),
                    start: Some(calendar::instant(s.start)),
                    end: Some(end),
                    meets_due_date: due.map(|d| end <= d),
                    material_available: true,
                    platform_id,
                    notes,
                }
            }
            Some(_) => Eta {
                possible: false,
                machine: None,
                start: None,
                end: None,
                meets_due_date: due.map(|_| false),
                material_available: false,
                platform_id,
                notes,
            },
            None => {
                let why: Vec<String> = shop
                    .machines
                    .iter()
                    .map(|c| match c.refusal(req) {
                        Some(r) => format!("{}: {r}", c.machine.code),
                        None if c.machine.status != MachineStatus::Active => {
                            format!("{}: {}", c.machine.code, c.machine.status)
                        }
                        None => format!(
                            "{}: no free time within {} days",
                            c.machine.code, HORIZON_DAYS
                        ),
                    })
                    .collect();
                notes.extend(why);
                Eta {
                    possible: false,
                    machine: None,
                    start: None,
                    end: None,
                    meets_due_date: due.map(|_| false),
                    material_available: material,
                    platform_id,
                    notes,
                }
            }
        })
    }

    /// Books an accepted estimate into the plan kept here, and its blank.
    pub fn book(&mut self, eta: &Eta) {
        if let Some(b) = self.blanks.get_mut(&eta.platform_id) {
            b.promised += 1;
        }
        let (Some((shop, plan)), Some(m), Some(start), Some(end)) =
            (self.loaded.as_mut(), &eta.machine, eta.start, eta.end)
        else {
            return;
        };
        if let Some(k) = shop.machines.iter().position(|c| c.machine.id == m.id) {
            plan.slots.push(Slot {
                job: usize::MAX,
                machine: k,
                start: calendar::minute_of(start),
                end: calendar::minute_of(end),
            });
        }
    }
}

/// When a custom part would be done if added now, fitted into the stored
/// plan without moving anything — not possible without a free blank for it
/// (released, in stock, not promised to a job booked before).
pub async fn custom_eta(
    conn: &impl ConnectionTrait,
    req: &Requirement,
    platform_id: i64,
    minutes: i64,
    due: Option<DateTime<Utc>>,
) -> AppResult<Eta> {
    EtaBoard::default()
        .eta(conn, req, platform_id, minutes, due)
        .await
}
