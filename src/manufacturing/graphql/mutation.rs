//! The manufacturing mutations.

use super::*;
use crate::manufacturing::planning::ShopWrite;

/// Manufacturing mutations.
#[derive(Default)]
pub struct ManufacturingMutation;

/// Machines, calendars, downtime, tools and the life of production jobs.
#[Object]
impl ManufacturingMutation {
    /// Creates a machine (give it a calendar next).
    pub(crate) async fn create_machine(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The machine.")] input: CreateMachineInput,
    ) -> async_graphql::Result<MachinePayload> {
        let (txn, _a) = write::begin(ctx).await?;
        ShopWrite::lock_only(&txn).await?;
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
            service::create_machine(&txn, &m).await.under("input")
        }
        .await;
        Ok(MachinePayload::of(finish(txn, r).await?))
    }

    /// Changes a machine; status changes reschedule.
    pub(crate) async fn update_machine(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the machine.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateMachineInput,
    ) -> async_graphql::Result<MachinePayload> {
        let (txn, a) = write::begin(ctx).await?;
        let shop = ShopWrite::begin(&txn, &a.name).await?;
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
            let m = service::update_machine(&txn, id, &p).await.under("input")?;
            shop.finish("machine changed").await?;
            Ok(m)
        }
        .await;
        Ok(MachinePayload::of(finish(txn, r).await?))
    }

    /// Replaces a machine's weekly calendar, then reschedules.
    pub(crate) async fn set_machine_calendar(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the machine.")] machine_id: ID,
        #[graphql(desc = "Time zone and shifts.")] input: MachineCalendarInput,
    ) -> async_graphql::Result<MachinePayload> {
        let (txn, a) = write::begin(ctx).await?;
        let shop = ShopWrite::begin(&txn, &a.name).await?;
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
            let m = service::set_calendar(&txn, id, &input.time_zone, &shifts)
                .await
                .under("input")?;
            shop.finish("calendar changed").await?;
            Ok(m)
        }
        .await;
        Ok(MachinePayload::of(finish(txn, r).await?))
    }

    /// Books a downtime window (maintenance, breakdown), then reschedules.
    pub(crate) async fn add_machine_downtime(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The window.")] input: AddDowntimeInput,
    ) -> async_graphql::Result<DowntimePayload> {
        let (txn, a) = write::begin(ctx).await?;
        let shop = ShopWrite::begin(&txn, &a.name).await?;
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
            .await
            .under("input")?;
            shop.finish("downtime added").await?;
            Ok(d)
        }
        .await;
        Ok(DowntimePayload::of(finish(txn, r).await?))
    }

    /// Removes a downtime window, then reschedules.
    pub(crate) async fn remove_machine_downtime(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the window.")] id: ID,
    ) -> async_graphql::Result<DowntimePayload> {
        let (txn, a) = write::begin(ctx).await?;
        let shop = ShopWrite::begin(&txn, &a.name).await?;
        let r = async {
            let id = ids::decode(&id, "Downtime", "id")?;
            let d = service::remove_downtime(&txn, id).await?;
            shop.finish("downtime removed").await?;
            Ok(d)
        }
        .await;
        Ok(DowntimePayload::of(finish(txn, r).await?))
    }

    /// Creates a tool.
    pub(crate) async fn create_tool(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tool.")] input: CreateToolInput,
    ) -> async_graphql::Result<ToolPayload> {
        let (txn, _a) = write::begin(ctx).await?;
        ShopWrite::lock_only(&txn).await?;
        let r = async {
            let m = input
                .machine_id
                .as_ref()
                .map(|m| ids::decode(m, "Machine", "input.machineId"))
                .transpose()?;
            service::create_tool(&txn, &input.code, &input.name, m, input.life_limit)
                .await
                .under("input")
        }
        .await;
        Ok(ToolPayload::of(finish(txn, r).await?))
    }

    /// Retires a worn tool and mounts a new one with the same life limit.
    pub(crate) async fn replace_tool(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the tool to retire.")] id: ID,
        #[graphql(desc = "Code of the new tool.")] new_code: String,
    ) -> async_graphql::Result<ToolPayload> {
        let (txn, _a) = write::begin(ctx).await?;
        ShopWrite::lock_only(&txn).await?;
        let r = async {
            let id = ids::decode(&id, "Tool", "id")?;
            service::replace_tool(&txn, id, &new_code)
                .await
                .map_err(|e| e.at("newCode"))
        }
        .await;
        Ok(ToolPayload::of(finish(txn, r).await?))
    }

    /// Creates a production job (refused when no machine can make it), then
    /// reschedules.
    pub(crate) async fn create_production_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The job.")] input: CreateJobInput,
        #[graphql(
            name = "idempotencyKey",
            desc = "Retry key: the same key and input return the first result."
        )]
        _idempotency_key: Option<String>,
    ) -> async_graphql::Result<JobPayload> {
        let (txn, a) = write::begin(ctx).await?;
        let shop = ShopWrite::begin(&txn, &a.name).await?;
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
            let job = service::create_job(&txn, &a, &j).await.under("input")?;
            shop.finish("job added").await?;
            Ok((service::job(&txn, job.id).await?, vec![]))
        }
        .await;
        Ok(JobPayload::of(finish(txn, r).await?))
    }

    /// Cancels a job that has not started, then reschedules.
    pub(crate) async fn cancel_production_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the job.")] id: ID,
        #[graphql(desc = "Why. Newlines are allowed; at most 2,000 characters.")] reason: String,
    ) -> async_graphql::Result<JobPayload> {
        let (txn, a) = write::begin(ctx).await?;
        let shop = ShopWrite::begin(&txn, &a.name).await?;
        let r = async {
            let id = ids::decode(&id, "ProductionJob", "id")?;
            let j = service::cancel_job(&txn, id, &reason).await?;
            shop.finish("job cancelled").await?;
            Ok((j, vec![]))
        }
        .await;
        Ok(JobPayload::of(finish(txn, r).await?))
    }

    /// Starts a job: issues released material through the ledger and records
    /// machine, operator, CAM program and tools.
    pub(crate) async fn start_production_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the job.")] id: ID,
        #[graphql(desc = "Who, what program, which material.")] input: StartJobInput,
        #[graphql(
            name = "idempotencyKey",
            desc = "Retry key: the same key and input return the first result."
        )]
        _idempotency_key: Option<String>,
    ) -> async_graphql::Result<JobPayload> {
        let (id, input) = (&id, &input);
        let r = write::run(ctx, |w| {
            Box::pin(async move {
                let shop = ShopWrite::begin(w.txn, &w.actor.name).await?;
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
                let (j, warnings) = service::start_job(w.txn, w.actor, id, &s)
                    .await
                    .under("input")?;
                shop.finish("job started").await?;
                Ok((service::job(w.txn, j.id).await?, warnings))
            })
        })
        .await?;
        Ok(JobPayload::of(r))
    }

    /// Completes machining: the finished lot goes to quarantine with its
    /// genealogy; the job waits for inspection.
    pub(crate) async fn complete_production_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the job.")] id: ID,
        #[graphql(desc = "Parts made, where they go.")] input: CompleteJobInput,
        #[graphql(
            name = "idempotencyKey",
            desc = "Retry key: the same key and input return the first result."
        )]
        _idempotency_key: Option<String>,
    ) -> async_graphql::Result<JobPayload> {
        let (id, input) = (&id, &input);
        let r = write::run(ctx, |w| {
            Box::pin(async move {
                let shop = ShopWrite::begin(w.txn, &w.actor.name).await?;
                let id = ids::decode(id, "ProductionJob", "id")?;
                let (j, _lot) = service::complete_job(
                    w.txn,
                    w.actor,
                    id,
                    input.quantity_made,
                    input.location.as_deref(),
                )
                .await
                .under("input")?;
                shop.finish("job completed").await?;
                Ok((j, vec![]))
            })
        })
        .await?;
        Ok(JobPayload::of(r))
    }

    /// Records the final inspection: PASS → DONE (lot stays in quarantine
    /// until quality releases it); FAIL → SCRAPPED and the lot REJECTED.
    pub(crate) async fn record_job_inspection(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the job.")] id: ID,
        #[graphql(desc = "Result and findings.")] input: InspectJobInput,
    ) -> async_graphql::Result<JobPayload> {
        let (txn, a) = write::begin(ctx).await?;
        ShopWrite::lock_only(&txn).await?;
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
            .await
            .under("input")?;
            Ok((j, vec![]))
        }
        .await;
        Ok(JobPayload::of(finish(txn, r).await?))
    }

    /// Scraps a running job (material stays consumed), then reschedules.
    pub(crate) async fn scrap_production_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the job.")] id: ID,
        #[graphql(desc = "Why. Newlines are allowed; at most 2,000 characters.")] reason: String,
    ) -> async_graphql::Result<JobPayload> {
        let (txn, a) = write::begin(ctx).await?;
        let shop = ShopWrite::begin(&txn, &a.name).await?;
        let r = async {
            let id = ids::decode(&id, "ProductionJob", "id")?;
            let j = service::scrap_job(&txn, id, &reason).await?;
            shop.finish("job scrapped").await?;
            Ok((j, vec![]))
        }
        .await;
        Ok(JobPayload::of(finish(txn, r).await?))
    }

    /// Plans every open job again now.
    pub(crate) async fn reschedule_production(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<SchedulePayload> {
        let (txn, a) = write::begin(ctx).await?;
        let shop = ShopWrite::begin(&txn, &a.name).await?;
        let r = shop.finish("on demand").await;
        Ok(SchedulePayload::of(finish(txn, r).await?))
    }
}
