//! The manufacturing queries.

use super::*;

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
    pub(crate) async fn machines(
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
    pub(crate) async fn machine(
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
    pub(crate) async fn tools(
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
    pub(crate) async fn production_jobs(
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
    pub(crate) async fn production_job(
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
    pub(crate) async fn production_schedule(
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
    pub(crate) async fn custom_job_eta(
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
    pub(crate) async fn device_history_record(
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
