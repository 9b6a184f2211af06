//! GraphQL types and resolvers of manufacturing. Every mutation runs in one
//! write transaction; those that change what must be planned (jobs added or
//! cancelled, calendars, downtime, machine status) reschedule in the same
//! transaction, so the stored plan always matches the shop.

use std::sync::Arc;

use async_graphql::{
    Context, ID, InputObject, Object, SimpleObject,
    dataloader::{DataLoader, HashMapCache, Loader},
};
use chrono::{DateTime, Duration, Utc};
use entity::{
    abutment_sku,
    enums::{
        AbutmentType, DowntimeKind, InspectionResult, JobKind, JobStatus, MachineKind,
        MachineStatus, Material, ToolStatus,
    },
    implant_system, job_material, job_tool, location, lot, lot_genealogy, machine,
    machine_downtime, machine_material, machine_shift, machine_system, platform, production_job,
    schedule_run, tool,
};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    QueryOrder,
};
use std::collections::HashMap;

use super::{
    calendar::{self, Shift},
    planning::{self, MachineTimeline, TimelineSlot},
    service::{
        self, JobFilter, MachinePatch, MaterialPick, NewJob, NewMachine, Requirement, StartJob,
    },
};
use crate::graphql::{loaders::load, write, write::finish};
use crate::{
    catalog::{
        graphql::{AbutmentSku, ImplantSystem, Platform},
        service::PlatformRef,
        units::{from_milli, to_milli},
    },
    connection_type,
    error::{AppError, AppResult, UserError},
    graphql::{
        batch::BatchQueue,
        db, ids,
        loaders::{self, ByIdLoader, ByParent, ByParentLoader, loader_error, required},
        pagination::PageArgs,
        scalars::Decimal,
    },
    impl_by_id,
    inventory::{
        Actor,
        graphql::{Location, Lot},
    },
};

impl_by_id!(machine, production_job, tool);

macro_rules! by_machine {
    ($($m:ident => $order:expr),* $(,)?) => {$(
        impl ByParent for entity::$m::Entity {
            fn parent_column() -> Self::Column {
                entity::$m::Column::MachineId
            }
            fn parent_of(m: &Self::Model) -> i64 {
                m.machine_id
            }
            fn order(q: sea_orm::Select<Self>) -> sea_orm::Select<Self> {
                q.order_by_asc($order)
            }
        }
    )*};
}

by_machine!(
    machine_material => machine_material::Column::Material,
    machine_system => machine_system::Column::SystemId,
    machine_shift => machine_shift::Column::Weekday,
    machine_downtime => machine_downtime::Column::StartsAt,
);

impl ByParent for tool::Entity {
    fn parent_column() -> Self::Column {
        tool::Column::MachineId
    }
    fn parent_of(m: &Self::Model) -> i64 {
        m.machine_id.unwrap_or(-1)
    }
    fn order(q: sea_orm::Select<Self>) -> sea_orm::Select<Self> {
        q.order_by_asc(tool::Column::Code)
    }
}

impl ByParent for job_material::Entity {
    fn parent_column() -> Self::Column {
        job_material::Column::JobId
    }
    fn parent_of(m: &Self::Model) -> i64 {
        m.job_id
    }
    fn order(q: sea_orm::Select<Self>) -> sea_orm::Select<Self> {
        q.order_by_asc(job_material::Column::Id)
    }
}

impl ByParent for job_tool::Entity {
    fn parent_column() -> Self::Column {
        job_tool::Column::JobId
    }
    fn parent_of(m: &Self::Model) -> i64 {
        m.job_id
    }
    fn order(q: sea_orm::Select<Self>) -> sea_orm::Select<Self> {
        q.order_by_asc(job_tool::Column::ToolId)
    }
}

/// Jobs by the lot they made (at most one each).
impl ByParent for production_job::Entity {
    fn parent_column() -> Self::Column {
        production_job::Column::FinishedLotId
    }
    fn parent_of(m: &Self::Model) -> i64 {
        m.finished_lot_id.unwrap_or(-1)
    }
    fn order(q: sea_orm::Select<Self>) -> sea_orm::Select<Self> {
        q.order_by_asc(production_job::Column::Id)
    }
}

/// Genealogy edges by child lot: what a lot was made from.
impl ByParent for lot_genealogy::Entity {
    fn parent_column() -> Self::Column {
        lot_genealogy::Column::ChildLotId
    }
    fn parent_of(m: &Self::Model) -> i64 {
        m.child_lot_id
    }
    fn order(q: sea_orm::Select<Self>) -> sea_orm::Select<Self> {
        q.order_by_asc(lot_genealogy::Column::ParentLotId)
    }
}

/// Genealogy edges by parent lot: what a lot went into.
pub struct UsedInLoader(DatabaseConnection);

impl Loader<i64> for UsedInLoader {
    type Value = Vec<lot_genealogy::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let rows = lot_genealogy::Entity::find()
            .filter(lot_genealogy::Column::ParentLotId.is_in(keys.iter().copied()))
            .order_by_asc(lot_genealogy::Column::ChildLotId)
            .all(&self.0)
            .await?;
        let mut out: HashMap<i64, Vec<_>> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for r in rows {
            out.entry(r.parent_lot_id).or_default().push(r);
        }
        Ok(out)
    }
}

/// Registers the manufacturing loaders on a request.
pub fn attach_loaders(
    r: async_graphql::Request,
    db: &DatabaseConnection,
    q: &BatchQueue,
) -> async_graphql::Request {
    r.data(loaders::by_id::<machine::Entity>(db, q))
        .data(loaders::by_id::<production_job::Entity>(db, q))
        .data(loaders::by_id::<tool::Entity>(db, q))
        .data(loaders::by_parent::<machine_material::Entity>(db, q))
        .data(loaders::by_parent::<machine_system::Entity>(db, q))
        .data(loaders::by_parent::<machine_shift::Entity>(db, q))
        .data(loaders::by_parent::<machine_downtime::Entity>(db, q))
        .data(loaders::by_parent::<tool::Entity>(db, q))
        .data(loaders::by_parent::<job_material::Entity>(db, q))
        .data(loaders::by_parent::<job_tool::Entity>(db, q))
        .data(loaders::by_parent::<production_job::Entity>(db, q))
        .data(loaders::by_parent::<lot_genealogy::Entity>(db, q))
        .data(
            DataLoader::new(UsedInLoader(db.clone()), q.spawner()).delay(std::time::Duration::ZERO),
        )
}

async fn children<E: ByParent>(
    ctx: &Context<'_>,
    parent: i64,
) -> async_graphql::Result<Vec<E::Model>>
where
    E::Model: Sync,
{
    let loader = ctx.data::<DataLoader<ByParentLoader<E>>>()?;
    Ok(loader
        .load_one(parent)
        .await
        .map_err(loader_error)?
        .unwrap_or_default())
}

/// The job that made a lot (through a loader), for the inventory `Lot` type.
pub async fn produced_by(
    ctx: &Context<'_>,
    lot_id: i64,
) -> async_graphql::Result<Option<ProductionJob>> {
    Ok(children::<production_job::Entity>(ctx, lot_id)
        .await?
        .into_iter()
        .next()
        .map(ProductionJob))
}

/// The lots a lot was made from (through a loader).
pub async fn made_from(
    ctx: &Context<'_>,
    lot_id: i64,
) -> async_graphql::Result<Vec<GenealogyLink>> {
    Ok(children::<lot_genealogy::Entity>(ctx, lot_id)
        .await?
        .into_iter()
        .map(|e| GenealogyLink { edge: e, up: true })
        .collect())
}

/// The lots a lot went into (through a loader).
pub async fn used_in(ctx: &Context<'_>, lot_id: i64) -> async_graphql::Result<Vec<GenealogyLink>> {
    let loader = ctx.data::<DataLoader<UsedInLoader>>()?;
    Ok(loader
        .load_one(lot_id)
        .await
        .map_err(loader_error)?
        .unwrap_or_default()
        .into_iter()
        .map(|e| GenealogyLink { edge: e, up: false })
        .collect())
}

fn mm(v: Option<i32>) -> Option<Decimal> {
    v.map(|v| Decimal(from_milli(v)))
}

// ------------------------------------------------------------------ types

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
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Kind: Swiss lathe, 5-axis mill…
    async fn kind(&self) -> MachineKind {
        self.0.kind
    }
    /// Whether it can be planned.
    async fn status(&self) -> MachineStatus {
        self.0.status
    }
    /// IANA time zone its shifts are in.
    async fn time_zone(&self) -> &str {
        &self.0.time_zone
    }
    /// Smallest bar diameter it takes, in mm (lathes).
    async fn bar_min_diameter_mm(&self) -> Option<Decimal> {
        mm(self.0.bar_min_diameter_um)
    }
    /// Largest bar diameter it takes, in mm (lathes).
    async fn bar_max_diameter_mm(&self) -> Option<Decimal> {
        mm(self.0.bar_max_diameter_um)
    }
    /// Free-text notes.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// Materials it is qualified to cut.
    async fn materials(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Material>> {
        Ok(children::<machine_material::Entity>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(|m| m.material)
            .collect())
    }
    /// Implant systems whose pre-milled blanks its holder takes (mills).
    async fn blank_systems(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ImplantSystem>> {
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
    async fn shifts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<MachineShift>> {
        let mut s = children::<machine_shift::Entity>(ctx, self.0.id).await?;
        s.sort_by_key(|s| (s.weekday, s.start_minute));
        Ok(s.into_iter().map(MachineShift).collect())
    }
    /// Downtime windows, by start; only those not yet over unless `all`.
    async fn downtime(
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
    async fn tools(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Tool>> {
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
    async fn weekday(&self) -> i16 {
        self.0.weekday
    }
    /// Start, `HH:MM` local time.
    async fn start(&self) -> String {
        calendar::hhmm(self.0.start_minute)
    }
    /// End, `HH:MM` local time (`24:00` = midnight at the end of the day).
    async fn end(&self) -> String {
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
    async fn kind(&self) -> DowntimeKind {
        self.0.kind
    }
    /// Start.
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    /// End.
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.ends_at
    }
    /// Why.
    async fn reason(&self) -> &str {
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
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Description.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Parts it may cut in its life.
    async fn life_limit(&self) -> i32 {
        self.0.life_limit
    }
    /// Parts it has cut.
    async fn uses(&self) -> i32 {
        self.0.uses
    }
    /// Parts left before its life limit (0 when worn out).
    async fn remaining_uses(&self) -> i32 {
        (self.0.life_limit - self.0.uses).max(0)
    }
    /// Whether it reached its life limit.
    async fn worn_out(&self) -> bool {
        self.0.uses >= self.0.life_limit
    }
    /// In use or retired.
    async fn status(&self) -> ToolStatus {
        self.0.status
    }
    /// The machine it is mounted on.
    async fn machine(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Machine>> {
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
    async fn number(&self) -> &str {
        &self.0.number
    }
    /// STOCK run or CUSTOM part.
    async fn kind(&self) -> JobKind {
        self.0.kind
    }
    /// Where it is in its life.
    async fn status(&self) -> JobStatus {
        self.0.status
    }
    /// Why it is in this status (cancel or scrap reason, or why it is not scheduled).
    async fn status_reason(&self) -> Option<&str> {
        self.0.status_reason.as_deref()
    }
    /// The SKU a STOCK job makes.
    async fn sku(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<AbutmentSku>> {
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
    async fn platform(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Platform>> {
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
    async fn abutment_type(&self) -> AbutmentType {
        self.0.abutment_type
    }
    /// Material.
    async fn material(&self) -> Material {
        self.0.material
    }
    /// Engaging (indexed) connection.
    async fn engaging(&self) -> bool {
        self.0.engaging
    }
    /// Parts to make.
    async fn quantity(&self) -> i32 {
        self.0.quantity
    }
    /// Parts made (after completion).
    async fn quantity_made(&self) -> Option<i32> {
        self.0.quantity_made
    }
    /// Parts accepted at inspection.
    async fn quantity_accepted(&self) -> Option<i32> {
        self.0.quantity_accepted
    }
    /// Setup time, minutes.
    async fn setup_minutes(&self) -> i32 {
        self.0.setup_minutes
    }
    /// Cycle time per part, minutes.
    async fn cycle_minutes(&self) -> i32 {
        self.0.cycle_minutes
    }
    /// Working minutes the job takes on its machine (setup + parts × cycle).
    async fn duration_minutes(&self) -> i64 {
        planning::job_minutes(&self.0)
    }
    /// Bar length per part, cut-off included, mm (STOCK).
    async fn bar_mm_per_part(&self) -> Option<i32> {
        self.0.bar_mm_per_part
    }
    /// Raw material the job consumes: mm of bar (STOCK) or blanks (CUSTOM).
    async fn material_needed(&self) -> i64 {
        service::material_needed(&self.0)
    }
    /// Gingival height, mm.
    async fn gingival_height_mm(&self) -> Option<Decimal> {
        mm(self.0.gingival_height_um)
    }
    /// Angulation, degrees.
    async fn angulation_deg(&self) -> Option<Decimal> {
        mm(self.0.angulation_mdeg)
    }
    /// Post height, mm.
    async fn post_height_mm(&self) -> Option<Decimal> {
        mm(self.0.post_height_um)
    }
    /// Margin height, mm (CUSTOM).
    async fn margin_height_mm(&self) -> Option<Decimal> {
        mm(self.0.margin_height_um)
    }
    /// Screw-channel angle, degrees (CUSTOM).
    async fn screw_channel_angle_deg(&self) -> Option<Decimal> {
        mm(self.0.screw_channel_mdeg)
    }
    /// The case a CUSTOM part is for.
    async fn case_reference(&self) -> Option<&str> {
        self.0.case_reference.as_deref()
    }
    /// When it must be done.
    async fn due_at(&self) -> DateTime<Utc> {
        self.0.due_at
    }
    /// 1 (low) – 10 (urgent): the weight of its lateness in the plan.
    async fn priority(&self) -> i32 {
        self.0.priority
    }
    /// Planned machine, then the one it ran on.
    async fn machine(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Machine>> {
        match self.0.machine_id {
            Some(m) => Ok(Some(Machine(
                load::<machine::Entity>(ctx, m, "machine").await?,
            ))),
            None => Ok(None),
        }
    }
    /// Planned start (for a running job: when it started).
    async fn planned_start(&self) -> Option<DateTime<Utc>> {
        self.0.planned_start
    }
    /// Planned end (for a finished job: when it finished).
    async fn planned_end(&self) -> Option<DateTime<Utc>> {
        self.0.planned_end
    }
    /// Minutes past the due date at the planned (or actual) end; negative = early.
    async fn lateness_minutes(&self) -> Option<i64> {
        self.0
            .finished_at
            .or(self.0.planned_end)
            .map(|e| (e - self.0.due_at).num_minutes())
    }
    /// When it started.
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }
    /// When machining finished.
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
    /// Who ran it.
    async fn operator(&self) -> Option<&str> {
        self.0.operator.as_deref()
    }
    /// CAM program and version.
    async fn cam_program(&self) -> Option<&str> {
        self.0.cam_program.as_deref()
    }
    /// The lot it made (in quarantine until released).
    async fn finished_lot(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Lot>> {
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
    async fn inspection_result(&self) -> Option<InspectionResult> {
        self.0.inspection_result
    }
    /// Inspection notes.
    async fn inspection_note(&self) -> Option<&str> {
        self.0.inspection_note.as_deref()
    }
    /// Who inspected.
    async fn inspected_by(&self) -> Option<&str> {
        self.0.inspected_by.as_deref()
    }
    /// When it was inspected.
    async fn inspected_at(&self) -> Option<DateTime<Utc>> {
        self.0.inspected_at
    }
    /// Material issued to it, lot by lot.
    async fn materials(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<IssuedMaterial>> {
        Ok(children::<job_material::Entity>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(IssuedMaterial)
            .collect())
    }
    /// Tools it used, with the parts cut.
    async fn tools(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ToolUse>> {
        Ok(children::<job_tool::Entity>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(ToolUse)
            .collect())
    }
    /// Who created it.
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
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
    async fn lot(&self, ctx: &Context<'_>) -> async_graphql::Result<Lot> {
        let loader = ctx.data::<DataLoader<ByIdLoader<lot::Entity>, HashMapCache>>()?;
        Ok(Lot(required(
            loader.load_one(self.0.lot_id).await.map_err(loader_error)?,
            "lot",
            self.0.lot_id,
        )?))
    }
    /// Where it was taken from.
    async fn location(&self, ctx: &Context<'_>) -> async_graphql::Result<Location> {
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
    async fn quantity(&self) -> i64 {
        self.0.quantity
    }
    /// When it was issued.
    async fn issued_at(&self) -> DateTime<Utc> {
        self.0.issued_at
    }
}

/// A tool used by a job.
pub struct ToolUse(pub job_tool::Model);

/// A tool a job used and the parts it cut with it.
#[Object]
impl ToolUse {
    /// The tool.
    async fn tool(&self, ctx: &Context<'_>) -> async_graphql::Result<Tool> {
        Ok(Tool(
            load::<tool::Entity>(ctx, self.0.tool_id, "tool").await?,
        ))
    }
    /// Parts cut with it in this job.
    async fn uses(&self) -> i32 {
        self.0.uses
    }
}

/// One edge of the lot genealogy, seen from one end.
pub struct GenealogyLink {
    edge: lot_genealogy::Model,
    /// True when `lot` is the parent (the material), false when the child.
    up: bool,
}

/// A lot at the other end of a genealogy edge, with the quantity and job.
#[Object]
impl GenealogyLink {
    /// The lot at the other end: the material (from `madeFrom`) or the product (from `usedIn`).
    async fn lot(&self, ctx: &Context<'_>) -> async_graphql::Result<Lot> {
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
    async fn quantity(&self) -> i64 {
        self.edge.quantity
    }
    /// The job that joined them.
    async fn job(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ProductionJob>> {
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
    lot: lot::Model,
    job: Option<production_job::Model>,
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
    async fn lot(&self) -> Lot {
        Lot(self.lot.clone())
    }
    /// The job that made it; null for a lot received from outside.
    async fn job(&self) -> Option<ProductionJob> {
        self.job.clone().map(ProductionJob)
    }
    /// Raw-material lots consumed (bar heats, blank lots), with quantities.
    async fn components(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<GenealogyLink>> {
        made_from(ctx, self.lot.id).await
    }
    /// Parts made.
    async fn quantity_made(&self) -> Option<i32> {
        self.job.as_ref().and_then(|j| j.quantity_made)
    }
    /// Parts accepted at final inspection.
    async fn quantity_accepted(&self) -> Option<i32> {
        self.job.as_ref().and_then(|j| j.quantity_accepted)
    }
}

/// One bar of a machine's Gantt chart.
pub struct TimelineEntry(TimelineSlot);

/// A job on a machine's timeline: start, end and lateness.
#[Object]
impl TimelineEntry {
    /// The job.
    async fn job(&self) -> ProductionJob {
        ProductionJob(self.0.job.clone())
    }
    /// Start (actual when it ran, else planned).
    async fn start(&self) -> DateTime<Utc> {
        self.0.start
    }
    /// End (actual when it ran, else planned).
    async fn end(&self) -> DateTime<Utc> {
        self.0.end
    }
    /// Working minutes inside the window asked for.
    async fn working_minutes(&self) -> i64 {
        self.0.working_minutes
    }
    /// Whether it ends after its due date.
    async fn late(&self) -> bool {
        self.0.end > self.0.job.due_at
    }
    /// Tools that would pass their life limit by the end of this job.
    async fn tool_warnings(&self) -> &[String] {
        &self.0.tool_warnings
    }
}

/// A machine's plan in a window.
pub struct MachinePlan(MachineTimeline);

/// A machine's timeline in a window, with its utilisation.
#[Object]
impl MachinePlan {
    /// The machine.
    async fn machine(&self) -> Machine {
        Machine(self.0.machine.clone())
    }
    /// Jobs, by start.
    async fn jobs(&self) -> Vec<TimelineEntry> {
        self.0.slots.iter().cloned().map(TimelineEntry).collect()
    }
    /// Downtime in the window.
    async fn downtime(&self) -> Vec<Downtime> {
        self.0.downtime.iter().cloned().map(Downtime).collect()
    }
    /// Working minutes of its calendar in the window (downtime excluded).
    async fn available_minutes(&self) -> i64 {
        self.0.available_minutes
    }
    /// Working minutes taken by jobs.
    async fn busy_minutes(&self) -> i64 {
        self.0.busy_minutes
    }
    /// busyMinutes / availableMinutes, 0–1.
    async fn utilisation(&self) -> f64 {
        self.0.utilisation()
    }
}

/// A scheduler run.
pub struct ScheduleRun(pub schedule_run::Model);

/// One run of the scheduler and the quality of the plan it made.
#[Object]
impl ScheduleRun {
    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// Algorithm used.
    async fn algorithm(&self) -> &str {
        &self.0.algorithm
    }
    /// What triggered it (e.g. `job added`, `downtime added`, `on demand`).
    async fn trigger(&self) -> &str {
        &self.0.trigger
    }
    /// Who triggered it.
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// Open jobs planned.
    async fn jobs(&self) -> i32 {
        self.0.jobs
    }
    /// Jobs placed on a machine.
    async fn scheduled(&self) -> i32 {
        self.0.scheduled
    }
    /// Jobs no machine could take within the horizon.
    async fn unscheduled(&self) -> i32 {
        self.0.unscheduled
    }
    /// Σ priority × minutes late over all jobs.
    async fn total_weighted_tardiness(&self) -> i64 {
        self.0.total_weighted_tardiness
    }
    /// Minutes from the run to the end of the last job.
    async fn makespan_minutes(&self) -> i64 {
        self.0.makespan_minutes
    }
    /// Scheduler wall time, ms.
    async fn wall_ms(&self) -> i64 {
        self.0.wall_ms
    }
}

/// The production plan over a window.
pub struct ProductionSchedule {
    machines: Vec<MachineTimeline>,
    last_run: Option<schedule_run::Model>,
    unscheduled: Vec<production_job::Model>,
}

/// The production plan: a timeline per machine, the latest scheduler run,
/// and the jobs it could not place.
#[Object]
impl ProductionSchedule {
    /// One timeline per machine, by machine code.
    async fn machines(&self) -> Vec<MachinePlan> {
        self.machines.iter().cloned().map(MachinePlan).collect()
    }
    /// The latest scheduler run.
    async fn last_run(&self) -> Option<ScheduleRun> {
        self.last_run.clone().map(ScheduleRun)
    }
    /// Open jobs without a place in the plan, with the reason in `statusReason`.
    async fn unscheduled_jobs(&self) -> Vec<ProductionJob> {
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

// ------------------------------------------------------------------ inputs

/// A machine to create.
#[derive(InputObject)]
pub struct CreateMachineInput {
    /// Unique code, e.g. `MILL-5`.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Kind of machine.
    pub kind: MachineKind,
    /// IANA time zone of its calendar (default `UTC`).
    pub time_zone: Option<String>,
    /// Materials it is qualified to cut.
    pub materials: Vec<Material>,
    /// Smallest bar diameter it takes, mm (lathes).
    pub bar_min_diameter_mm: Option<Decimal>,
    /// Largest bar diameter it takes, mm (lathes).
    pub bar_max_diameter_mm: Option<Decimal>,
    /// Implant systems whose blanks its holder takes (mills), by global id.
    #[graphql(default)]
    pub blank_system_ids: Vec<ID>,
    /// Free-text notes.
    /// Newlines are allowed; at most 2,000 characters.
    pub notes: Option<String>,
}

/// Changes to a machine; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateMachineInput {
    /// New display name.
    pub name: Option<String>,
    /// New status (OUT_OF_SERVICE takes it out of the plan).
    pub status: Option<MachineStatus>,
    /// New list of materials.
    pub materials: Option<Vec<Material>>,
    /// New smallest bar diameter, mm.
    pub bar_min_diameter_mm: Option<Decimal>,
    /// New largest bar diameter, mm.
    pub bar_max_diameter_mm: Option<Decimal>,
    /// New list of blank-holder systems.
    pub blank_system_ids: Option<Vec<ID>>,
    /// New notes.
    /// Newlines are allowed; at most 2,000 characters.
    pub notes: Option<String>,
}

/// One weekly shift.
#[derive(InputObject)]
pub struct ShiftInput {
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub weekday: i16,
    /// Start, `HH:MM` local time.
    pub start: String,
    /// End, `HH:MM` local time, after the start (`24:00` for midnight).
    pub end: String,
}

/// A machine's weekly calendar.
#[derive(InputObject)]
pub struct MachineCalendarInput {
    /// IANA time zone, e.g. `Europe/Zurich`.
    pub time_zone: String,
    /// Every shift of the week; none may overlap another on its weekday.
    pub shifts: Vec<ShiftInput>,
}

/// A downtime window to book.
#[derive(InputObject)]
pub struct AddDowntimeInput {
    /// The machine.
    pub machine_id: ID,
    /// Maintenance, breakdown or calibration.
    pub kind: DowntimeKind,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End; after the start.
    pub ends_at: DateTime<Utc>,
    /// Why.
    /// Newlines are allowed; at most 2,000 characters.
    pub reason: String,
}

/// A tool to create.
#[derive(InputObject)]
pub struct CreateToolInput {
    /// Unique code.
    pub code: String,
    /// Description, e.g. `Bur set Ø1.0/2.0 mm`.
    pub name: String,
    /// The machine it is mounted on.
    pub machine_id: Option<ID>,
    /// Parts it may cut in its life.
    pub life_limit: i32,
}

/// A production job to create.
#[derive(InputObject)]
pub struct CreateJobInput {
    /// STOCK (a run of one SKU from bar) or CUSTOM (one part for a case, from a blank).
    pub kind: JobKind,
    /// STOCK: the SKU's article number.
    pub article_number: Option<String>,
    /// CUSTOM: the platform by global id (or give system and platform).
    pub platform_id: Option<ID>,
    /// CUSTOM: the implant system's name.
    pub system: Option<String>,
    /// CUSTOM: the platform's name within the system.
    pub platform: Option<String>,
    /// CUSTOM: the system's manufacturer, when two systems share a name.
    pub manufacturer: Option<String>,
    /// CUSTOM: abutment type (default STRAIGHT).
    pub abutment_type: Option<AbutmentType>,
    /// Material (STOCK: the SKU's; CUSTOM default Ti-6Al-4V ELI).
    pub material: Option<Material>,
    /// CUSTOM: engaging connection (default true).
    pub engaging: Option<bool>,
    /// Parts to make (CUSTOM: 1).
    #[graphql(default = 1)]
    pub quantity: i32,
    /// Setup minutes (default 45 STOCK, 10 CUSTOM).
    pub setup_minutes: Option<i32>,
    /// Cycle minutes per part (default 6 STOCK, 20 CUSTOM).
    pub cycle_minutes: Option<i32>,
    /// STOCK: bar length per part with cut-off, mm (default 22).
    pub bar_mm_per_part: Option<i32>,
    /// CUSTOM: gingival height, mm (0.5–5).
    pub gingival_height_mm: Option<Decimal>,
    /// CUSTOM: angulation, degrees (0–30).
    pub angulation_deg: Option<Decimal>,
    /// CUSTOM: post height, mm (4–6).
    pub post_height_mm: Option<Decimal>,
    /// CUSTOM: margin height, mm (0–3).
    pub margin_height_mm: Option<Decimal>,
    /// CUSTOM: screw-channel angle, degrees (0–25).
    pub screw_channel_angle_deg: Option<Decimal>,
    /// The case a CUSTOM part is for.
    pub case_reference: Option<String>,
    /// When it must be done.
    pub due_at: DateTime<Utc>,
    /// 1 (low) – 10 (urgent), default 5.
    #[graphql(default = 5)]
    pub priority: i32,
}

/// A lot to issue to a job.
#[derive(InputObject)]
pub struct MaterialPickInput {
    /// The raw-material lot.
    pub lot_id: ID,
    /// How much (mm of bar, blanks); default what the job still needs.
    pub quantity: Option<i64>,
}

/// Starting a job.
#[derive(InputObject)]
pub struct StartJobInput {
    /// Machine; default the planned one.
    pub machine_id: Option<ID>,
    /// Who runs it.
    pub operator: String,
    /// CAM program and version, e.g. `ABT-ST-45 v3.2`.
    pub cam_program: String,
    /// Tools; default the active tools mounted on the machine.
    pub tool_ids: Option<Vec<ID>>,
    /// Lots to issue; default released lots, oldest first.
    pub material: Option<Vec<MaterialPickInput>>,
}

/// Completing machining.
#[derive(InputObject)]
pub struct CompleteJobInput {
    /// Parts made (1 – the job's quantity).
    pub quantity_made: i32,
    /// QUARANTINE location for the finished lot (default the first by code).
    pub location: Option<String>,
}

/// A final inspection.
#[derive(InputObject)]
pub struct InspectJobInput {
    /// PASS or FAIL.
    pub result: InspectionResult,
    /// PASS: parts accepted (default all made); the rest are scrapped.
    pub quantity_accepted: Option<i32>,
    /// Findings.
    /// Newlines are allowed; at most 2,000 characters.
    pub note: Option<String>,
}

/// A hypothetical job to estimate.
#[derive(InputObject)]
pub struct JobEtaInput {
    /// The platform by global id (or give system and platform).
    pub platform_id: Option<ID>,
    /// The implant system's name.
    pub system: Option<String>,
    /// The platform's name within the system.
    pub platform: Option<String>,
    /// The system's manufacturer, when two systems share a name.
    pub manufacturer: Option<String>,
    /// Material (default Ti-6Al-4V ELI).
    pub material: Option<Material>,
    /// Angulation, degrees.
    pub angulation_deg: Option<Decimal>,
    /// Screw-channel angle, degrees.
    pub screw_channel_angle_deg: Option<Decimal>,
    /// Working minutes (default setup 10 + cycle 20).
    pub minutes: Option<i32>,
    /// Due date to compare with.
    pub due_at: Option<DateTime<Utc>>,
}

/// Filter for job lists.
#[derive(InputObject, Default)]
pub struct JobFilterInput {
    /// Any of these statuses.
    #[graphql(default)]
    pub statuses: Vec<JobStatus>,
    /// Only this kind.
    pub kind: Option<JobKind>,
    /// Only on this machine.
    pub machine_id: Option<ID>,
    /// Only for this case.
    pub case_reference: Option<String>,
}

// ------------------------------------------------------------------ payloads

/// Result of a machine mutation.
#[derive(SimpleObject)]
pub struct MachinePayload {
    /// The machine after the change; null on errors.
    pub machine: Option<Machine>,
    /// What was wrong; nothing changed when non-empty.
    pub user_errors: Vec<UserError>,
}

/// Result of a downtime mutation.
#[derive(SimpleObject)]
pub struct DowntimePayload {
    /// The downtime window; null on errors.
    pub downtime: Option<Downtime>,
    /// What was wrong; nothing changed when non-empty.
    pub user_errors: Vec<UserError>,
}

/// Result of a tool mutation.
#[derive(SimpleObject)]
pub struct ToolPayload {
    /// The tool; null on errors.
    pub tool: Option<Tool>,
    /// What was wrong; nothing changed when non-empty.
    pub user_errors: Vec<UserError>,
}

/// Result of a job mutation.
#[derive(SimpleObject)]
pub struct JobPayload {
    /// The job after the change; null on errors.
    pub job: Option<ProductionJob>,
    /// Things to watch, e.g. a tool that would pass its life limit.
    pub warnings: Vec<String>,
    /// What was wrong; nothing changed when non-empty.
    pub user_errors: Vec<UserError>,
}

/// Result of a scheduler run.
#[derive(SimpleObject)]
pub struct SchedulePayload {
    /// The run; null on errors.
    pub run: Option<ScheduleRun>,
    /// What was wrong; nothing changed when non-empty.
    pub user_errors: Vec<UserError>,
}

macro_rules! payload {
    ($t:ident, $field:ident, $model:ty, $wrap:ident) => {
        impl $t {
            fn of(r: Result<$model, Vec<UserError>>) -> Self {
                match r {
                    Ok(m) => $t {
                        $field: Some($wrap(m)),
                        user_errors: vec![],
                    },
                    Err(e) => $t {
                        $field: None,
                        user_errors: e,
                    },
                }
            }
        }
    };
}

payload!(MachinePayload, machine, machine::Model, Machine);
payload!(DowntimePayload, downtime, machine_downtime::Model, Downtime);
payload!(ToolPayload, tool, tool::Model, Tool);
payload!(SchedulePayload, run, schedule_run::Model, ScheduleRun);

impl JobPayload {
    fn of(r: Result<(production_job::Model, Vec<String>), Vec<UserError>>) -> Self {
        match r {
            Ok((j, w)) => JobPayload {
                job: Some(ProductionJob(j)),
                warnings: w,
                user_errors: vec![],
            },
            Err(e) => JobPayload {
                job: None,
                warnings: vec![],
                user_errors: e,
            },
        }
    }
}

// ------------------------------------------------------------------ helpers

fn parse_hhmm(s: &str, field: &str) -> AppResult<i32> {
    let bad = || AppError::bad_input(field, format!("`{s}` is not a time of day as HH:MM"));
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (i32, i32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(0..=24).contains(&h) || !(0..60).contains(&m) || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

fn opt_milli(v: &Option<Decimal>, field: &str, unit: &str, max: i64) -> AppResult<Option<i32>> {
    v.as_ref()
        .map(|d| {
            to_milli(
                d.0,
                field,
                unit,
                rust_decimal::Decimal::ZERO,
                rust_decimal::Decimal::new(max, 0),
            )
        })
        .transpose()
}

fn id_list(v: &[ID], kind: &str, field: &str) -> AppResult<Vec<i64>> {
    v.iter()
        .enumerate()
        .map(|(i, id)| ids::decode(id, kind, &format!("{field}[{i}]")))
        .collect()
}

fn platform_ref(
    id: &Option<ID>,
    manufacturer: &Option<String>,
    system: &Option<String>,
    platform: &Option<String>,
) -> AppResult<Option<PlatformRef>> {
    let id = id
        .as_ref()
        .map(|i| ids::decode(i, "Platform", "input.platformId"))
        .transpose()?;
    if id.is_none() && system.is_none() && platform.is_none() {
        return Ok(None);
    }
    Ok(Some(PlatformRef {
        id,
        manufacturer: manufacturer.clone(),
        system: system.clone(),
        platform: platform.clone(),
    }))
}

async fn replan(txn: &DatabaseTransaction, a: &Actor, trigger: &str) -> AppResult<()> {
    planning::reschedule(txn, &a.name, trigger)
        .await
        .map(|_| ())
}

// ------------------------------------------------------------------ queries

/// Manufacturing queries.
#[derive(Default)]
pub struct ManufacturingQuery;

/// Machines, tools, jobs, the plan and device history records.
#[Object]
impl ManufacturingQuery {
    /// Every machine, by code.
    #[graphql(
        complexity = "2 + first.or(last).unwrap_or(50).clamp(0, 500) as usize * child_complexity"
    )]
    async fn machines(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 50, capped).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (capped); not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor to continue before, paging backward.")] before: Option<String>,
    ) -> async_graphql::Result<MachineConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_ctx(ctx)?;
        let (rows, total) = service::machines_page(db(ctx)?, &page).await?;
        Ok(MachineConnection::build(
            &page,
            rows,
            total,
            service::machine_key,
            Machine,
        ))
    }

    /// One machine by global id.
    async fn machine(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the machine.")] id: ID,
    ) -> async_graphql::Result<Machine> {
        let id = ids::decode(&id, "Machine", "id")?;
        Ok(Machine(service::machine(db(ctx)?, id).await?))
    }

    /// Every tool, by code.
    #[graphql(
        complexity = "2 + first.or(last).unwrap_or(50).clamp(0, 500) as usize * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn tools(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Include retired tools.", default = false)] retired: bool,
        #[graphql(desc = "Page size (default 50, capped).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (capped); not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor to continue before, paging backward.")] before: Option<String>,
    ) -> async_graphql::Result<ToolConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_ctx(ctx)?;
        let (rows, total) = service::tools_page(db(ctx)?, retired, &page).await?;
        Ok(ToolConnection::build(
            &page,
            rows,
            total,
            service::tool_key,
            Tool,
        ))
    }

    /// Production jobs, earliest due first.
    async fn production_jobs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which jobs.")] filter: Option<JobFilterInput>,
        #[graphql(desc = "Page size.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (capped); not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor to continue before, paging backward.")] before: Option<String>,
    ) -> async_graphql::Result<ProductionJobConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_ctx(ctx)?;
        let f = filter.unwrap_or_default();
        let filter = JobFilter {
            statuses: f.statuses,
            kind: f.kind,
            machine_id: f
                .machine_id
                .as_ref()
                .map(|m| ids::decode(m, "Machine", "filter.machineId"))
                .transpose()?,
            case_reference: f.case_reference,
        };
        let conn = db(ctx)?;
        let rows = service::jobs(conn, &filter, &page).await?;
        let total = service::count_jobs(conn, &filter).await?;
        Ok(ProductionJobConnection::build(
            &page,
            rows,
            total,
            service::job_key,
            ProductionJob,
        ))
    }

    /// One job by global id or number.
    async fn production_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the job.")] id: Option<ID>,
        #[graphql(desc = "Job number, e.g. `JOB-000042`.")] number: Option<String>,
    ) -> async_graphql::Result<ProductionJob> {
        let conn = db(ctx)?;
        match (id, number) {
            (Some(id), _) => {
                let id = ids::decode(&id, "ProductionJob", "id")?;
                Ok(ProductionJob(service::job(conn, id).await?))
            }
            (None, Some(n)) => Ok(ProductionJob(service::job_by_number(conn, &n).await?)),
            (None, None) => Err(AppError::bad_input("id", "give the job's id or number").into()),
        }
    }

    /// The plan between two instants (default: from now, 7 days): a timeline
    /// per machine with utilisation, the latest run, and unplaced jobs.
    async fn production_schedule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Window start (default now).")] from: Option<DateTime<Utc>>,
        #[graphql(desc = "Window end (default 7 days after the start).")] to: Option<DateTime<Utc>>,
        #[graphql(desc = "Only this machine.")] machine_id: Option<ID>,
    ) -> async_graphql::Result<ProductionSchedule> {
        let conn = db(ctx)?;
        let from = from.unwrap_or_else(Utc::now);
        let to = to.unwrap_or(from + Duration::days(7));
        let m = machine_id
            .as_ref()
            .map(|m| ids::decode(m, "Machine", "machineId"))
            .transpose()?;
        let machines = planning::timeline(conn, from, to, m).await?;
        let unscheduled = production_job::Entity::find()
            .filter(production_job::Column::Status.eq(JobStatus::Planned))
            .order_by_asc(production_job::Column::DueAt)
            .all(conn)
            .await
            .map_err(AppError::from)?;
        Ok(ProductionSchedule {
            machines,
            last_run: planning::last_run(conn).await?,
            unscheduled,
        })
    }

    /// When a custom part would be done if its job were added now, fitted
    /// into the current plan without delaying any planned job. Changes nothing.
    async fn custom_job_eta(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The part.")] input: JobEtaInput,
    ) -> async_graphql::Result<JobEta> {
        let conn = db(ctx)?;
        let pref = platform_ref(
            &input.platform_id,
            &input.manufacturer,
            &input.system,
            &input.platform,
        )?
        .ok_or_else(|| {
            AppError::bad_input("input.platform", "give platformId, or system and platform")
        })?;
        let p = crate::catalog::service::resolve_platform(conn, &pref).await?;
        let req = Requirement {
            kind: JobKind::Custom,
            material: input.material.unwrap_or(Material::Ti6Al4VEli),
            part_diameter_um: None,
            system_id: Some(p.system_id),
            angulation_mdeg: opt_milli(&input.angulation_deg, "input.angulationDeg", "°", 45)?
                .unwrap_or(0),
            screw_channel_mdeg: opt_milli(
                &input.screw_channel_angle_deg,
                "input.screwChannelAngleDeg",
                "°",
                45,
            )?
            .unwrap_or(0),
        };
        let minutes = input.minutes.unwrap_or(30);
        if !(1..=24 * 60).contains(&minutes) {
            return Err(AppError::bad_input("input.minutes", "must be 1–1440").into());
        }
        Ok(eta(conn, &req, p.id, i64::from(minutes), input.due_at).await?)
    }

    /// The device history record of a finished lot: job, machine, operator,
    /// program, tools, timing, inspection and raw-material certificates.
    async fn device_history_record(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the finished lot.")] lot_id: ID,
    ) -> async_graphql::Result<DeviceHistoryRecord> {
        let conn = db(ctx)?;
        let id = ids::decode(&lot_id, "Lot", "lotId")?;
        let lot = crate::inventory::service::lot(conn, id).await?;
        let job = service::job_of_lot(conn, id).await?;
        Ok(DeviceHistoryRecord { lot, job })
    }
}

/// The ETA of a custom part on the current plan, as the API shows it.
pub async fn eta(
    conn: &DatabaseConnection,
    req: &Requirement,
    platform_id: i64,
    minutes: i64,
    due: Option<DateTime<Utc>>,
) -> AppResult<JobEta> {
    let e = planning::custom_eta(conn, req, platform_id, minutes, due).await?;
    Ok(JobEta {
        possible: e.possible,
        machine: e.machine.map(Machine),
        start: e.start,
        end: e.end,
        meets_due_date: e.meets_due_date,
        material_available: e.material_available,
        notes: e.notes,
    })
}

// ------------------------------------------------------------------ mutations

/// Manufacturing mutations.
#[derive(Default)]
pub struct ManufacturingMutation;

/// Machines, calendars, downtime, tools and the life of production jobs.
#[Object]
impl ManufacturingMutation {
    /// Creates a machine (give it a calendar next).
    async fn create_machine(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The machine.")] input: CreateMachineInput,
    ) -> async_graphql::Result<MachinePayload> {
        let (txn, _a) = begin(ctx).await?;
        let r = async {
            let m = NewMachine {
                code: input.code,
                name: input.name,
                kind: input.kind,
                time_zone: input.time_zone.unwrap_or_else(|| "UTC".into()),
                materials: input.materials,
                bar_min_diameter_um: opt_milli(
                    &input.bar_min_diameter_mm,
                    "input.barMinDiameterMm",
                    "mm",
                    60,
                )?,
                bar_max_diameter_um: opt_milli(
                    &input.bar_max_diameter_mm,
                    "input.barMaxDiameterMm",
                    "mm",
                    60,
                )?,
                system_ids: id_list(
                    &input.blank_system_ids,
                    "ImplantSystem",
                    "input.blankSystemIds",
                )?,
                notes: input.notes,
            };
            service::create_machine(&txn, &m).await
        }
        .await;
        Ok(MachinePayload::of(finish(txn, r).await?))
    }

    /// Changes a machine; status changes reschedule.
    async fn update_machine(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the machine.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateMachineInput,
    ) -> async_graphql::Result<MachinePayload> {
        let (txn, a) = begin(ctx).await?;
        let r = async {
            let id = ids::decode(&id, "Machine", "id")?;
            let p = MachinePatch {
                name: input.name,
                status: input.status,
                materials: input.materials,
                system_ids: input
                    .blank_system_ids
                    .as_deref()
                    .map(|v| id_list(v, "ImplantSystem", "input.blankSystemIds"))
                    .transpose()?,
                bar_min_diameter_um: opt_milli(
                    &input.bar_min_diameter_mm,
                    "input.barMinDiameterMm",
                    "mm",
                    60,
                )?,
                bar_max_diameter_um: opt_milli(
                    &input.bar_max_diameter_mm,
                    "input.barMaxDiameterMm",
                    "mm",
                    60,
                )?,
                notes: input.notes,
            };
            let m = service::update_machine(&txn, id, &p).await?;
            replan(&txn, &a, "machine changed").await?;
            Ok(m)
        }
        .await;
        Ok(MachinePayload::of(finish(txn, r).await?))
    }

    /// Replaces a machine's weekly calendar, then reschedules.
    async fn set_machine_calendar(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the machine.")] machine_id: ID,
        #[graphql(desc = "Time zone and shifts.")] input: MachineCalendarInput,
    ) -> async_graphql::Result<MachinePayload> {
        let (txn, a) = begin(ctx).await?;
        let r = async {
            let id = ids::decode(&machine_id, "Machine", "machineId")?;
            let mut shifts = Vec::new();
            for (i, s) in input.shifts.iter().enumerate() {
                shifts.push(Shift {
                    weekday: s.weekday,
                    start_minute: parse_hhmm(&s.start, &format!("input.shifts[{i}].start"))?,
                    end_minute: parse_hhmm(&s.end, &format!("input.shifts[{i}].end"))?,
                });
            }
            let m = service::set_calendar(&txn, id, &input.time_zone, &shifts).await?;
            replan(&txn, &a, "calendar changed").await?;
            Ok(m)
        }
        .await;
        Ok(MachinePayload::of(finish(txn, r).await?))
    }

    /// Books a downtime window (maintenance, breakdown), then reschedules.
    async fn add_machine_downtime(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The window.")] input: AddDowntimeInput,
    ) -> async_graphql::Result<DowntimePayload> {
        let (txn, a) = begin(ctx).await?;
        let r = async {
            let id = ids::decode(&input.machine_id, "Machine", "input.machineId")?;
            let d = service::add_downtime(
                &txn,
                id,
                input.kind,
                input.starts_at,
                input.ends_at,
                &input.reason,
            )
            .await?;
            replan(&txn, &a, "downtime added").await?;
            Ok(d)
        }
        .await;
        Ok(DowntimePayload::of(finish(txn, r).await?))
    }

    /// Removes a downtime window, then reschedules.
    async fn remove_machine_downtime(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the window.")] id: ID,
    ) -> async_graphql::Result<DowntimePayload> {
        let (txn, a) = begin(ctx).await?;
        let r = async {
            let id = ids::decode(&id, "Downtime", "id")?;
            let d = service::remove_downtime(&txn, id).await?;
            replan(&txn, &a, "downtime removed").await?;
            Ok(d)
        }
        .await;
        Ok(DowntimePayload::of(finish(txn, r).await?))
    }

    /// Creates a tool.
    async fn create_tool(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tool.")] input: CreateToolInput,
    ) -> async_graphql::Result<ToolPayload> {
        let (txn, _a) = begin(ctx).await?;
        let r = async {
            let m = input
                .machine_id
                .as_ref()
                .map(|m| ids::decode(m, "Machine", "input.machineId"))
                .transpose()?;
            service::create_tool(&txn, &input.code, &input.name, m, input.life_limit).await
        }
        .await;
        Ok(ToolPayload::of(finish(txn, r).await?))
    }

    /// Retires a worn tool and mounts a new one with the same life limit.
    async fn replace_tool(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the tool to retire.")] id: ID,
        #[graphql(desc = "Code of the new tool.")] new_code: String,
    ) -> async_graphql::Result<ToolPayload> {
        let (txn, _a) = begin(ctx).await?;
        let r = async {
            let id = ids::decode(&id, "Tool", "id")?;
            service::replace_tool(&txn, id, &new_code).await
        }
        .await;
        Ok(ToolPayload::of(finish(txn, r).await?))
    }

    /// Creates a production job (refused when no machine can make it), then
    /// reschedules.
    async fn create_production_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The job.")] input: CreateJobInput,
        #[graphql(desc = "Retry key: the same key and input return the first result.")]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<JobPayload> {
        let _ = idempotency_key;
        let (txn, a) = begin(ctx).await?;
        let r = async {
            let j = NewJob {
                kind: input.kind,
                article_number: input.article_number,
                platform: platform_ref(
                    &input.platform_id,
                    &input.manufacturer,
                    &input.system,
                    &input.platform,
                )?,
                abutment_type: input.abutment_type,
                material: input.material,
                engaging: input.engaging,
                quantity: input.quantity,
                setup_minutes: input.setup_minutes,
                cycle_minutes: input.cycle_minutes,
                bar_mm_per_part: input.bar_mm_per_part,
                gingival_height_um: opt_milli(
                    &input.gingival_height_mm,
                    "input.gingivalHeightMm",
                    "mm",
                    20,
                )?,
                angulation_mdeg: opt_milli(&input.angulation_deg, "input.angulationDeg", "°", 45)?,
                post_height_um: opt_milli(&input.post_height_mm, "input.postHeightMm", "mm", 20)?,
                margin_height_um: opt_milli(
                    &input.margin_height_mm,
                    "input.marginHeightMm",
                    "mm",
                    20,
                )?,
                screw_channel_mdeg: opt_milli(
                    &input.screw_channel_angle_deg,
                    "input.screwChannelAngleDeg",
                    "°",
                    45,
                )?,
                case_reference: input.case_reference,
                due_at: input.due_at,
                priority: input.priority,
            };
            let job = service::create_job(&txn, &a, &j).await?;
            replan(&txn, &a, "job added").await?;
            Ok((service::job(&txn, job.id).await?, vec![]))
        }
        .await;
        Ok(JobPayload::of(finish(txn, r).await?))
    }

    /// Cancels a job that has not started, then reschedules.
    async fn cancel_production_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the job.")] id: ID,
        #[graphql(desc = "Why. Newlines are allowed; at most 2,000 characters.")] reason: String,
    ) -> async_graphql::Result<JobPayload> {
        let (txn, a) = begin(ctx).await?;
        let r = async {
            let id = ids::decode(&id, "ProductionJob", "id")?;
            let j = service::cancel_job(&txn, id, &reason).await?;
            replan(&txn, &a, "job cancelled").await?;
            Ok((j, vec![]))
        }
        .await;
        Ok(JobPayload::of(finish(txn, r).await?))
    }

    /// Starts a job: issues released material through the ledger and records
    /// machine, operator, CAM program and tools.
    async fn start_production_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the job.")] id: ID,
        #[graphql(desc = "Who, what program, which material.")] input: StartJobInput,
        #[graphql(desc = "Retry key: the same key and input return the first result.")]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<JobPayload> {
        let _ = idempotency_key;
        let (id, input) = (&id, &input);
        let r = write::run(ctx, |w| {
            Box::pin(async move {
                crate::db::lock(w.txn, crate::db::Lock::Shop).await?;
                let id = ids::decode(id, "ProductionJob", "id")?;
                let s = StartJob {
                    machine_id: input
                        .machine_id
                        .as_ref()
                        .map(|m| ids::decode(m, "Machine", "input.machineId"))
                        .transpose()?,
                    operator: input.operator.clone(),
                    cam_program: input.cam_program.clone(),
                    tool_ids: input
                        .tool_ids
                        .as_deref()
                        .map(|v| id_list(v, "Tool", "input.toolIds"))
                        .transpose()?,
                    material: input
                        .material
                        .as_ref()
                        .map(|v| {
                            v.iter()
                                .enumerate()
                                .map(|(i, p)| {
                                    Ok(MaterialPick {
                                        lot_id: ids::decode(
                                            &p.lot_id,
                                            "Lot",
                                            &format!("input.material[{i}].lotId"),
                                        )?,
                                        quantity: p.quantity,
                                    })
                                })
                                .collect::<AppResult<Vec<_>>>()
                        })
                        .transpose()?,
                };
                let (j, warnings) = service::start_job(w.txn, w.actor, id, &s).await?;
                replan(w.txn, w.actor, "job started").await?;
                Ok((service::job(w.txn, j.id).await?, warnings))
            })
        })
        .await?;
        Ok(JobPayload::of(r))
    }

    /// Completes machining: the finished lot goes to quarantine with its
    /// genealogy; the job waits for inspection.
    async fn complete_production_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the job.")] id: ID,
        #[graphql(desc = "Parts made, where they go.")] input: CompleteJobInput,
        #[graphql(desc = "Retry key: the same key and input return the first result.")]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<JobPayload> {
        let _ = idempotency_key;
        let (id, input) = (&id, &input);
        let r = write::run(ctx, |w| {
            Box::pin(async move {
                crate::db::lock(w.txn, crate::db::Lock::Shop).await?;
                let id = ids::decode(id, "ProductionJob", "id")?;
                let (j, _lot) = service::complete_job(
                    w.txn,
                    w.actor,
                    id,
                    input.quantity_made,
                    input.location.as_deref(),
                )
                .await?;
                replan(w.txn, w.actor, "job completed").await?;
                Ok((j, vec![]))
            })
        })
        .await?;
        Ok(JobPayload::of(r))
    }

    /// Records the final inspection: PASS → DONE (lot stays in quarantine
    /// until quality releases it); FAIL → SCRAPPED and the lot REJECTED.
    async fn record_job_inspection(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the job.")] id: ID,
        #[graphql(desc = "Result and findings.")] input: InspectJobInput,
    ) -> async_graphql::Result<JobPayload> {
        let (txn, a) = begin(ctx).await?;
        let r = async {
            let id = ids::decode(&id, "ProductionJob", "id")?;
            let j = service::inspect_job(
                &txn,
                &a,
                id,
                input.result,
                input.quantity_accepted,
                input.note.as_deref(),
            )
            .await?;
            Ok((j, vec![]))
        }
        .await;
        Ok(JobPayload::of(finish(txn, r).await?))
    }

    /// Scraps a running job (material stays consumed), then reschedules.
    async fn scrap_production_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the job.")] id: ID,
        #[graphql(desc = "Why. Newlines are allowed; at most 2,000 characters.")] reason: String,
    ) -> async_graphql::Result<JobPayload> {
        let (txn, a) = begin(ctx).await?;
        let r = async {
            let id = ids::decode(&id, "ProductionJob", "id")?;
            let j = service::scrap_job(&txn, id, &reason).await?;
            replan(&txn, &a, "job scrapped").await?;
            Ok((j, vec![]))
        }
        .await;
        Ok(JobPayload::of(finish(txn, r).await?))
    }

    /// Plans every open job again now.
    async fn reschedule_production(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<SchedulePayload> {
        let (txn, a) = begin(ctx).await?;
        let r = planning::reschedule(&txn, &a.name, "on demand").await;
        Ok(SchedulePayload::of(finish(txn, r).await?))
    }
}

/// A write transaction holding the shop lock ([`crate::db::Lock::Shop`]).
async fn begin(ctx: &Context<'_>) -> async_graphql::Result<(DatabaseTransaction, Actor)> {
    let (txn, a) = write::begin(ctx).await?;
    crate::db::lock(&txn, crate::db::Lock::Shop).await?;
    Ok((txn, a))
}

crate::connection_type!(MachineConnection, MachineEdge, Machine, "machines");
crate::connection_type!(ToolConnection, ToolEdge, Tool, "tools");
