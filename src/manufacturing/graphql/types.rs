//! The manufacturing object types: machines, calendars, tools, jobs, genealogy, the plan.

use super::*;

/// A machine tool.
pub struct Machine(pub machine::Model);

/// A machine: what it is, what it can make, when it works.
#[Object]
impl Machine {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("Machine", self.0.id)
    }
    /// Short code, e.g. `SWISS-1`.
    pub(crate) async fn code(&self) -> &str {
        &self.0.code
    }
    /// Display name.
    pub(crate) async fn name(&self) -> &str {
        &self.0.name
    }
    /// Kind: Swiss lathe, 5-axis mill…
    pub(crate) async fn kind(&self) -> MachineKind {
        self.0.kind
    }
    /// Whether it can be planned.
    pub(crate) async fn status(&self) -> MachineStatus {
        self.0.status
    }
    /// IANA time zone its shifts are in.
    pub(crate) async fn time_zone(&self) -> &str {
        &self.0.time_zone
    }
    /// Smallest bar diameter it takes, in mm (lathes).
    pub(crate) async fn bar_min_diameter_mm(&self) -> Option<Decimal> {
        mm(self.0.bar_min_diameter_um)
    }
    /// Largest bar diameter it takes, in mm (lathes).
    pub(crate) async fn bar_max_diameter_mm(&self) -> Option<Decimal> {
        mm(self.0.bar_max_diameter_um)
    }
    /// Free-text notes.
    pub(crate) async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// Materials it is qualified to cut.
    pub(crate) async fn materials(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<Material>> {
        Ok(children::<machine_material::Entity>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(|m| m.material)
            .collect())
    }
    /// Implant systems whose pre-milled blanks its holder takes (mills).
    pub(crate) async fn blank_systems(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<ImplantSystem>> {
        let mut out = Vec::new();
        for s in children::<machine_system::Entity>(ctx, self.0.id).await? {
            let loader =
                ctx.data::<DataLoader<ByIdLoader<implant_system::Entity>, HashMapCache>>()?;
            out.push(ImplantSystem(required(
                loader.load_one(s.system_id).await.map_err(loader_error)?,
                "implant system",
                s.system_id,
            )?));
        }
        Ok(out)
    }
    /// Its weekly shifts, by weekday and start.
    pub(crate) async fn shifts(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<MachineShift>> {
        let mut s = children::<machine_shift::Entity>(ctx, self.0.id).await?;
        s.sort_by_key(|s| (s.weekday, s.start_minute));
        Ok(s.into_iter().map(MachineShift).collect())
    }
    /// Downtime windows, by start; only those not yet over unless `all`.
    pub(crate) async fn downtime(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Include windows that are over.", default = false)] all: bool,
    ) -> async_graphql::Result<Vec<Downtime>> {
        let now = Utc::now();
        Ok(children::<machine_downtime::Entity>(ctx, self.0.id)
            .await?
            .into_iter()
            .filter(|d| all || d.ends_at > now)
            .map(Downtime)
            .collect())
    }
    /// Tools mounted on it.
    pub(crate) async fn tools(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Tool>> {
        Ok(children::<tool::Entity>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(Tool)
            .collect())
    }
}

/// One weekly shift.
pub struct MachineShift(pub machine_shift::Model);

/// One weekly shift of a machine, in its time zone.
#[Object]
impl MachineShift {
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub(crate) async fn weekday(&self) -> i16 {
        self.0.weekday
    }
    /// Start, `HH:MM` local time.
    pub(crate) async fn start(&self) -> String {
        calendar::hhmm(self.0.start_minute)
    }
    /// End, `HH:MM` local time (`24:00` = midnight at the end of the day).
    pub(crate) async fn end(&self) -> String {
        calendar::hhmm(self.0.end_minute)
    }
}

/// A window in which a machine cannot run.
pub struct Downtime(pub machine_downtime::Model);

/// A window in which a machine cannot run.
#[Object]
impl Downtime {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("Downtime", self.0.id)
    }
    /// Maintenance, breakdown or calibration.
    pub(crate) async fn kind(&self) -> DowntimeKind {
        self.0.kind
    }
    /// Start.
    pub(crate) async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    /// End.
    pub(crate) async fn ends_at(&self) -> DateTime<Utc> {
        self.0.ends_at
    }
    /// Why.
    pub(crate) async fn reason(&self) -> &str {
        &self.0.reason
    }
}

/// A cutting tool.
pub struct Tool(pub tool::Model);

/// A cutting tool with a use counter and a life limit.
#[Object]
impl Tool {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("Tool", self.0.id)
    }
    /// Code, e.g. `BUR-M1-07`.
    pub(crate) async fn code(&self) -> &str {
        &self.0.code
    }
    /// Description.
    pub(crate) async fn name(&self) -> &str {
        &self.0.name
    }
    /// Parts it may cut in its life.
    pub(crate) async fn life_limit(&self) -> i32 {
        self.0.life_limit
    }
    /// Parts it has cut.
    pub(crate) async fn uses(&self) -> i32 {
        self.0.uses
    }
    /// Parts left before its life limit (0 when worn out).
    pub(crate) async fn remaining_uses(&self) -> i32 {
        (self.0.life_limit - self.0.uses).max(0)
    }
    /// Whether it reached its life limit.
    pub(crate) async fn worn_out(&self) -> bool {
        self.0.uses >= self.0.life_limit
    }
    /// In use or retired.
    pub(crate) async fn status(&self) -> ToolStatus {
        self.0.status
    }
    /// The machine it is mounted on.
    pub(crate) async fn machine(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Machine>> {
        match self.0.machine_id {
            Some(m) => Ok(Some(Machine(
                load::<machine::Entity>(ctx, m, "machine").await?,
            ))),
            None => Ok(None),
        }
    }
}

/// A production job.
pub struct ProductionJob(pub production_job::Model);

/// A production job: what it makes, how, where and when, and what happened.
#[Object]
impl ProductionJob {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("ProductionJob", self.0.id)
    }
    /// Job number, e.g. `JOB-000042`; also the finished lot's number.
    pub(crate) async fn number(&self) -> &str {
        &self.0.number
    }
    /// STOCK run or CUSTOM part.
    pub(crate) async fn kind(&self) -> JobKind {
        self.0.kind
    }
    /// Where it is in its life.
    pub(crate) async fn status(&self) -> JobStatus {
        self.0.status
    }
    /// Why it is in this status (cancel or scrap reason, or why it is not scheduled).
    pub(crate) async fn status_reason(&self) -> Option<&str> {
        self.0.status_reason.as_deref()
    }
    /// The SKU a STOCK job makes.
    pub(crate) async fn sku(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<AbutmentSku>> {
        match self.0.sku_id {
            Some(id) => {
                let loader =
                    ctx.data::<DataLoader<ByIdLoader<abutment_sku::Entity>, HashMapCache>>()?;
                Ok(Some(AbutmentSku(required(
                    loader.load_one(id).await.map_err(loader_error)?,
                    "SKU",
                    id,
                )?)))
            }
            None => Ok(None),
        }
    }
    /// The platform a CUSTOM part fits.
    pub(crate) async fn platform(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Platform>> {
        match self.0.platform_id {
            Some(id) => {
                let loader =
                    ctx.data::<DataLoader<ByIdLoader<platform::Entity>, HashMapCache>>()?;
                Ok(Some(Platform(required(
                    loader.load_one(id).await.map_err(loader_error)?,
                    "platform",
                    id,
                )?)))
            }
            None => Ok(None),
        }
    }
    /// Abutment type.
    pub(crate) async fn abutment_type(&self) -> AbutmentType {
        self.0.abutment_type
    }
    /// Material.
    pub(crate) async fn material(&self) -> Material {
        self.0.material
    }
    /// Engaging (indexed) connection.
    pub(crate) async fn engaging(&self) -> bool {
        self.0.engaging
    }
    /// Parts to make.
    pub(crate) async fn quantity(&self) -> i32 {
        self.0.quantity
    }
    /// Parts made (after completion).
    pub(crate) async fn quantity_made(&self) -> Option<i32> {
        self.0.quantity_made
    }
    /// Parts accepted at inspection.
    pub(crate) async fn quantity_accepted(&self) -> Option<i32> {
        self.0.quantity_accepted
    }
    /// Setup time, minutes.
    pub(crate) async fn setup_minutes(&self) -> i32 {
        self.0.setup_minutes
    }
    /// Cycle time per part, minutes.
    pub(crate) async fn cycle_minutes(&self) -> i32 {
        self.0.cycle_minutes
    }
    /// Working minutes the job takes on its machine (setup + parts × cycle).
    pub(crate) async fn duration_minutes(&self) -> i64 {
        planning::job_minutes(&self.0)
    }
    /// Bar length per part, cut-off included, mm (STOCK).
    pub(crate) async fn bar_mm_per_part(&self) -> Option<i32> {
        self.0.bar_mm_per_part
    }
    /// Raw material the job consumes: mm of bar (STOCK) or blanks (CUSTOM).
    pub(crate) async fn material_needed(&self) -> i64 {
        service::material_needed(&self.0)
    }
    /// Gingival height, mm.
    pub(crate) async fn gingival_height_mm(&self) -> Option<Decimal> {
        mm(self.0.gingival_height_um)
    }
    /// Angulation, degrees.
    pub(crate) async fn angulation_deg(&self) -> Option<Decimal> {
        mm(self.0.angulation_mdeg)
    }
    /// Post height, mm.
    pub(crate) async fn post_height_mm(&self) -> Option<Decimal> {
        mm(self.0.post_height_um)
    }
    /// Margin height, mm (CUSTOM).
    pub(crate) async fn margin_height_mm(&self) -> Option<Decimal> {
        mm(self.0.margin_height_um)
    }
    /// Screw-channel angle, degrees (CUSTOM).
    pub(crate) async fn screw_channel_angle_deg(&self) -> Option<Decimal> {
        mm(self.0.screw_channel_mdeg)
    }
    /// The case a CUSTOM part is for.
    pub(crate) async fn case_reference(&self) -> Option<&str> {
        self.0.case_reference.as_deref()
    }
    /// When it must be done.
    pub(crate) async fn due_at(&self) -> DateTime<Utc> {
        self.0.due_at
    }
    /// 1 (low) – 10 (urgent): the weight of its lateness in the plan.
    pub(crate) async fn priority(&self) -> i32 {
        self.0.priority
    }
    /// Planned machine, then the one it ran on.
    pub(crate) async fn machine(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Machine>> {
        match self.0.machine_id {
            Some(m) => Ok(Some(Machine(
                load::<machine::Entity>(ctx, m, "machine").await?,
            ))),
            None => Ok(None),
        }
    }
    /// Planned start (for a running job: when it started).
    pub(crate) async fn planned_start(&self) -> Option<DateTime<Utc>> {
        self.0.planned_start
    }
    /// Planned end (for a finished job: when it finished).
    pub(crate) async fn planned_end(&self) -> Option<DateTime<Utc>> {
        self.0.planned_end
    }
    /// Minutes past the due date at the planned (or actual) end; negative = early.
    pub(crate) async fn lateness_minutes(&self) -> Option<i64> {
        self.0
            .finished_at
            .or(self.0.planned_end)
            .map(|e| (e - self.0.due_at).num_minutes())
    }
    /// When it started.
    pub(crate) async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }
    /// When machining finished.
    pub(crate) async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
    /// Who ran it.
    pub(crate) async fn operator(&self) -> Option<&str> {
        self.0.operator.as_deref()
    }
    /// CAM program and version.
    pub(crate) async fn cam_program(&self) -> Option<&str> {
        self.0.cam_program.as_deref()
    }
    /// The lot it made (in quarantine until released).
    pub(crate) async fn finished_lot(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Lot>> {
        match self.0.finished_lot_id {
            Some(id) => {
                let loader = ctx.data::<DataLoader<ByIdLoader<lot::Entity>, HashMapCache>>()?;
                Ok(Some(Lot(required(
                    loader.load_one(id).await.map_err(loader_error)?,
                    "lot",
                    id,
                )?)))
            }
            None => Ok(None),
        }
    }
    /// Final inspection result.
    pub(crate) async fn inspection_result(&self) -> Option<InspectionResult> {
        self.0.inspection_result
    }
    /// Inspection notes.
    pub(crate) async fn inspection_note(&self) -> Option<&str> {
        self.0.inspection_note.as_deref()
    }
    /// Who inspected.
    pub(crate) async fn inspected_by(&self) -> Option<&str> {
        self.0.inspected_by.as_deref()
    }
    /// When it was inspected.
    pub(crate) async fn inspected_at(&self) -> Option<DateTime<Utc>> {
        self.0.inspected_at
    }
    /// Material issued to it, lot by lot.
    pub(crate) async fn materials(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<IssuedMaterial>> {
        Ok(children::<job_material::Entity>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(IssuedMaterial)
            .collect())
    }
    /// Tools it used, with the parts cut.
    pub(crate) async fn tools(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ToolUse>> {
        Ok(children::<job_tool::Entity>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(ToolUse)
            .collect())
    }
    /// Who created it.
    pub(crate) async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    /// When it was created.
    pub(crate) async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

connection_type!(
    ProductionJobConnection,
    ProductionJobEdge,
    ProductionJob,
    "production jobs"
);

/// Material issued to a job.
pub struct IssuedMaterial(pub job_material::Model);

/// A lot issued to a job: from where, how much, when.
#[Object]
impl IssuedMaterial {
    /// The raw-material lot (bar heat or blank lot, with its certificate).
    pub(crate) async fn lot(&self, ctx: &Context<'_>) -> async_graphql::Result<Lot> {
        let loader = ctx.data::<DataLoader<ByIdLoader<lot::Entity>, HashMapCache>>()?;
        Ok(Lot(required(
            loader.load_one(self.0.lot_id).await.map_err(loader_error)?,
            "lot",
            self.0.lot_id,
        )?))
    }
    /// Where it was taken from.
    pub(crate) async fn location(&self, ctx: &Context<'_>) -> async_graphql::Result<Location> {
        let loader = ctx.data::<DataLoader<ByIdLoader<location::Entity>, HashMapCache>>()?;
        Ok(Location(required(
            loader
                .load_one(self.0.location_id)
                .await
                .map_err(loader_error)?,
            "location",
            self.0.location_id,
        )?))
    }
    /// Quantity in the lot's unit (mm of bar, pieces).
    pub(crate) async fn quantity(&self) -> i64 {
        self.0.quantity
    }
    /// When it was issued.
    pub(crate) async fn issued_at(&self) -> DateTime<Utc> {
        self.0.issued_at
    }
}

/// A tool used by a job.
pub struct ToolUse(pub job_tool::Model);

/// A tool a job used and the parts it cut with it.
#[Object]
impl ToolUse {
    /// The tool.
    pub(crate) async fn tool(&self, ctx: &Context<'_>) -> async_graphql::Result<Tool> {
        Ok(Tool(
            load::<tool::Entity>(ctx, self.0.tool_id, "tool").await?,
        ))
    }
    /// Parts cut with it in this job.
    pub(crate) async fn uses(&self) -> i32 {
        self.0.uses
    }
}

/// One edge of the lot genealogy, seen from one end.
pub struct GenealogyLink {
    pub(crate) edge: lot_genealogy::Model,
    /// True when `lot` is the parent (the material), false when the child.
    pub(crate) up: bool,
}

/// A lot at the other end of a genealogy edge, with the quantity and job.
#[Object]
impl GenealogyLink {
    /// The lot at the other end: the material (from `madeFrom`) or the product (from `usedIn`).
    pub(crate) async fn lot(&self, ctx: &Context<'_>) -> async_graphql::Result<Lot> {
        let id = if self.up {
            self.edge.parent_lot_id
        } else {
            self.edge.child_lot_id
        };
        let loader = ctx.data::<DataLoader<ByIdLoader<lot::Entity>, HashMapCache>>()?;
        Ok(Lot(required(
            loader.load_one(id).await.map_err(loader_error)?,
            "lot",
            id,
        )?))
    }
    /// Quantity of the material lot consumed, in its unit.
    pub(crate) async fn quantity(&self) -> i64 {
        self.edge.quantity
    }
    /// The job that joined them.
    pub(crate) async fn job(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<ProductionJob>> {
        match self.edge.job_id {
            Some(j) => Ok(Some(ProductionJob(
                load::<production_job::Entity>(ctx, j, "job").await?,
            ))),
            None => Ok(None),
        }
    }
}

/// The device history record of a finished lot.
pub struct DeviceHistoryRecord {
    pub(crate) lot: lot::Model,
    pub(crate) job: Option<production_job::Model>,
}

impl DeviceHistoryRecord {
    /// The record of a lot and the job that made it (none for bought-in material).
    pub fn new(lot: lot::Model, job: Option<production_job::Model>) -> Self {
        Self { lot, job }
    }
}

/// Everything about how a finished lot was made (ISO 13485 §7.5.9): the
/// lot, the job, its machine, operator, CAM program, tools, timing and
/// inspection, and the raw-material lots with their certificates.
#[Object]
impl DeviceHistoryRecord {
    /// The finished lot (UDI, dates, state, stock, ledger).
    pub(crate) async fn lot(&self) -> Lot {
        Lot(self.lot.clone())
    }
    /// The job that made it; null for a lot received from outside.
    pub(crate) async fn job(&self) -> Option<ProductionJob> {
        self.job.clone().map(ProductionJob)
    }
    /// Raw-material lots consumed (bar heats, blank lots), with quantities.
    pub(crate) async fn components(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<GenealogyLink>> {
        made_from(ctx, self.lot.id).await
    }
    /// Parts made.
    pub(crate) async fn quantity_made(&self) -> Option<i32> {
        self.job.as_ref().and_then(|j| j.quantity_made)
    }
    /// Parts accepted at final inspection.
    pub(crate) async fn quantity_accepted(&self) -> Option<i32> {
        self.job.as_ref().and_then(|j| j.quantity_accepted)
    }
}

/// One bar of a machine's Gantt chart.
pub struct TimelineEntry(pub(crate) TimelineSlot);

/// A job on a machine's timeline: start, end and lateness.
#[Object]
impl TimelineEntry {
    /// The job.
    pub(crate) async fn job(&self) -> ProductionJob {
        ProductionJob(self.0.job.clone())
    }
    /// Start (actual when it ran, else planned).
    pub(crate) async fn start(&self) -> DateTime<Utc> {
        self.0.start
    }
    /// End (actual when it ran, else planned).
    pub(crate) async fn end(&self) -> DateTime<Utc> {
        self.0.end
    }
    /// Working minutes inside the window asked for.
    pub(crate) async fn working_minutes(&self) -> i64 {
        self.0.working_minutes
    }
    /// Whether it ends after its due date.
    pub(crate) async fn late(&self) -> bool {
        self.0.end > self.0.job.due_at
    }
    /// Tools that would pass their life limit by the end of this job.
    pub(crate) async fn tool_warnings(&self) -> &[String] {
        &self.0.tool_warnings
    }
}

/// A machine's plan in a window.
pub struct MachinePlan(pub(crate) MachineTimeline);

/// A machine's timeline in a window, with its utilisation.
#[Object]
impl MachinePlan {
    /// The machine.
    pub(crate) async fn machine(&self) -> Machine {
        Machine(self.0.machine.clone())
    }
    /// Jobs, by start.
    pub(crate) async fn jobs(&self) -> Vec<TimelineEntry> {
        self.0.slots.iter().cloned().map(TimelineEntry).collect()
    }
    /// Downtime in the window.
    pub(crate) async fn downtime(&self) -> Vec<Downtime> {
        self.0.downtime.iter().cloned().map(Downtime).collect()
    }
    /// Working minutes of its calendar in the window (downtime excluded).
    pub(crate) async fn available_minutes(&self) -> i64 {
        self.0.available_minutes
    }
    /// Working minutes taken by jobs.
    pub(crate) async fn busy_minutes(&self) -> i64 {
        self.0.busy_minutes
    }
    /// busyMinutes / availableMinutes, 0–1.
    pub(crate) async fn utilisation(&self) -> f64 {
        self.0.utilisation()
    }
}

/// A scheduler run.
pub struct ScheduleRun(pub schedule_run::Model);

/// One run of the scheduler and the quality of the plan it made.
#[Object]
impl ScheduleRun {
    /// When.
    pub(crate) async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// Algorithm used.
    pub(crate) async fn algorithm(&self) -> &str {
        &self.0.algorithm
    }
    /// What triggered it (e.g. `job added`, `downtime added`, `on demand`).
    pub(crate) async fn trigger(&self) -> &str {
        &self.0.trigger
    }
    /// Who triggered it.
    pub(crate) async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// Open jobs planned.
    pub(crate) async fn jobs(&self) -> i32 {
        self.0.jobs
    }
    /// Jobs placed on a machine.
    pub(crate) async fn scheduled(&self) -> i32 {
        self.0.scheduled
    }
    /// Jobs no machine could take within the horizon.
    pub(crate) async fn unscheduled(&self) -> i32 {
        self.0.unscheduled
    }
    /// Σ priority × minutes late over all jobs.
    pub(crate) async fn total_weighted_tardiness(&self) -> i64 {
        self.0.total_weighted_tardiness
    }
    /// Minutes from the run to the end of the last job.
    pub(crate) async fn makespan_minutes(&self) -> i64 {
        self.0.makespan_minutes
    }
    /// Scheduler wall time, ms.
    pub(crate) async fn wall_ms(&self) -> i64 {
        self.0.wall_ms
    }
}

/// The production plan over a window.
pub struct ProductionSchedule {
    pub(crate) machines: Vec<MachineTimeline>,
    pub(crate) last_run: Option<schedule_run::Model>,
    pub(crate) unscheduled: Vec<production_job::Model>,
}

/// The production plan: a timeline per machine, the latest scheduler run,
/// and the jobs it could not place.
#[Object]
impl ProductionSchedule {
    /// One timeline per machine, by machine code.
    pub(crate) async fn machines(&self) -> Vec<MachinePlan> {
        self.machines.iter().cloned().map(MachinePlan).collect()
    }
    /// The latest scheduler run.
    pub(crate) async fn last_run(&self) -> Option<ScheduleRun> {
        self.last_run.clone().map(ScheduleRun)
    }
    /// Open jobs without a place in the plan, with the reason in `statusReason`.
    pub(crate) async fn unscheduled_jobs(&self) -> Vec<ProductionJob> {
        self.unscheduled
            .iter()
            .cloned()
            .map(ProductionJob)
            .collect()
    }
}

/// When a job would be done if it were added now.
#[derive(SimpleObject)]
pub struct JobEta {
    /// Whether it can be made now: a capable machine has time within the
    /// planning horizon, and a released blank for it is free (in stock and
    /// not promised to a job booked before). When not, `notes` say why.
    pub possible: bool,
    /// The machine it would run on.
    pub machine: Option<Machine>,
    /// When it would start.
    pub start: Option<DateTime<Utc>>,
    /// When it would be done.
    pub end: Option<DateTime<Utc>>,
    /// Whether that is by the due date given (null without one).
    pub meets_due_date: Option<bool>,
    /// Whether a released blank for it is in stock and not promised to a
    /// job booked before.
    pub material_available: bool,
    /// Why it is not possible, or what to watch.
    pub notes: Vec<String>,
}
