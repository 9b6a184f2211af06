//! The plan read back as a timeline per machine: its jobs (planned, running
//! and run), downtime, working time and utilisation, and tool wear.

use super::*;

/// One bar of the Gantt chart.
#[derive(Debug, Clone)]
pub struct TimelineSlot {
    pub job: production_job::Model,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Working minutes inside the window asked for.
    pub working_minutes: i64,
    /// Tools on the machine that would pass their life before the job ends.
    pub tool_warnings: Vec<String>,
}

/// A machine's plan between two instants.
#[derive(Debug, Clone)]
pub struct MachineTimeline {
    pub machine: machine::Model,
    pub slots: Vec<TimelineSlot>,
    pub downtime: Vec<machine_downtime::Model>,
    pub available_minutes: i64,
    pub busy_minutes: i64,
}

impl MachineTimeline {
    /// Busy share of the working time, 0–1 (0 when there is none).
    pub fn utilisation(&self) -> f64 {
        if self.available_minutes == 0 {
            0.0
        } else {
            self.busy_minutes as f64 / self.available_minutes as f64
        }
    }
}

/// The timeline of every machine (or one) in `[from, to)`: planned and
/// running jobs, plus what ran there (actual start and end), downtime, and
/// utilisation = busy working minutes / working minutes. Four queries.
pub async fn timeline(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    machine_id: Option<i64>,
) -> AppResult<Vec<MachineTimeline>> {
    if to <= from {
        return Err(AppError::bad_input("to", "must be after `from`"));
    }
    if to - from > Duration::days(HORIZON_DAYS + 31) {
        return Err(AppError::bad_input(
            "to",
            format!("a timeline covers at most {} days", HORIZON_DAYS + 31),
        ));
    }
    let mut ms = service::machines(db).await?;
    if let Some(id) = machine_id {
        ms.retain(|m| m.id == id);
        if ms.is_empty() {
            return Err(AppError::not_found("machine", id.to_string()));
        }
    }
    let shop = ShopPlan::read(db, from, to).await?;
    Ok(ms
        .into_iter()
        .map(|m| shop.machine_timeline(m, from, to))
        .collect())
}

/// What every machine's timeline is made of: calendars, downtime in the
/// window, the jobs placed on machines and the tools mounted on them.
struct ShopPlan {
    shifts: HashMap<i64, Vec<Shift>>,
    /// Downtime overlapping the window, by start.
    downtime: Vec<machine_downtime::Model>,
    /// The same, in minutes, by machine.
    down: HashMap<i64, Vec<(i64, i64)>>,
    /// Jobs placed on a machine, by planned start.
    jobs: Vec<production_job::Model>,
    /// ACTIVE tools mounted on a machine.
    tools: Vec<tool::Model>,
}

impl ShopPlan {
    async fn read(
        db: &impl ConnectionTrait,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> AppResult<Self> {
        let shifts = shifts_by_machine(db).await?;
        let downtime = machine_downtime::Entity::find()
            .filter(machine_downtime::Column::EndsAt.gt(from))
            .filter(machine_downtime::Column::StartsAt.lt(to))
            .order_by_asc(machine_downtime::Column::StartsAt)
            .all(db)
            .await?;
        let mut down: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
        for d in &downtime {
            down.entry(d.machine_id).or_default().push((
                calendar::minute_of(d.starts_at),
                calendar::minute_of(d.ends_at),
            ));
        }
        let jobs = production_job::Entity::find()
            .filter(production_job::Column::MachineId.is_not_null())
            .filter(production_job::Column::Status.is_in([
                JobStatus::Scheduled,
                JobStatus::InProgress,
                JobStatus::Inspection,
                JobStatus::Done,
                JobStatus::Scrapped,
            ]))
            .order_by_asc(production_job::Column::PlannedStart)
            .all(db)
            .await?;
        let tools = tool::Entity::find()
            .filter(tool::Column::Status.eq(entity::enums::ToolStatus::Active))
            .filter(tool::Column::MachineId.is_not_null())
            .all(db)
            .await?;
        Ok(Self {
            shifts,
            downtime,
            down,
            jobs,
            tools,
        })
    }

    /// One machine's jobs, downtime and working time between `from` and `to`.
    fn machine_timeline(
        &self,
        m: machine::Model,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> MachineTimeline {
        let (f, t) = (calendar::minute_of(from), calendar::minute_of(to));
        // Utilisation counts the calendar as it stands (an ACTIVE machine's shifts).
        let mut active = m.clone();
        active.status = MachineStatus::Active;
        let windows = windows_of(&active, &self.shifts, &self.down, f, t);
        let slots = self.slots(&m, &windows, from, to);
        let busy: i64 = slots.iter().map(|s| s.working_minutes).sum();
        let available = calendar::working_minutes(&windows, f, t);
        MachineTimeline {
            downtime: self
                .downtime
                .iter()
                .filter(|d| d.machine_id == m.id)
                .cloned()
                .collect(),
            machine: m,
            slots,
            available_minutes: available,
            busy_minutes: busy.min(available),
        }
    }

    /// The machine's jobs that overlap the window, in plan order, each with
    /// its working minutes in `windows` and the tools it would wear out:
    /// parts still to cut on the machine count from the first job on.
    fn slots(
        &self,
        m: &machine::Model,
        windows: &[(i64, i64)],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<TimelineSlot> {
        let mut mine: Vec<(&production_job::Model, DateTime<Utc>, DateTime<Utc>)> = self
            .jobs
            .iter()
            .filter(|j| j.machine_id == Some(m.id))
            .filter_map(|j| {
                let start = j.started_at.or(j.planned_start)?;
                let end = j.finished_at.or(j.planned_end)?;
                Some((j, start, end))
            })
            .collect();
        mine.sort_by_key(|(j, s, _)| (*s, j.id));
        let mounted: Vec<&tool::Model> = self
            .tools
            .iter()
            .filter(|x| x.machine_id == Some(m.id))
            .collect();
        let mut pending = 0i64;
        let mut slots = Vec::new();
        for (j, s, e) in mine {
            let warns = if matches!(j.status, JobStatus::Scheduled | JobStatus::InProgress) {
                if j.status == JobStatus::Scheduled {
                    pending += i64::from(j.quantity);
                }
                wear_warnings(&mounted, pending)
            } else {
                Vec::new()
            };
            if e <= from || s >= to {
                continue;
            }
            slots.push(TimelineSlot {
                job: j.clone(),
                start: s,
                end: e,
                working_minutes: calendar::working_minutes(
                    windows,
                    calendar::minute_of(s),
                    calendar::minute_of(e),
                ),
                tool_warnings: warns,
            });
        }
        slots
    }
}

/// The mounted tools that `pending` more uses would take past their life.
fn wear_warnings(mounted: &[&tool::Model], pending: i64) -> Vec<String> {
    mounted
        .iter()
        .filter(|x| i64::from(x.uses) + pending > i64::from(x.life_limit))
        .map(|x| {
            format!(
                "tool {} would reach {} of its {} uses",
                x.code,
                i64::from(x.uses) + pending,
                x.life_limit
            )
        })
        .collect()
}
