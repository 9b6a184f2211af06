//! Running a job: start (issue material, mount tools), complete (the finished lot and its genealogy), inspect, scrap.

use super::*;

/// Starts a job: checks the machine can make it, issues the material from
/// released lots through the ledger (ISSUE_TO_PRODUCTION), records the tools,
/// operator and CAM program. Returns the job and any tool-life warnings.
/// Fields in errors are relative to `s` (`machineId`, `material[2]`).
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
            "operator",
            "who runs the job is required",
        ));
    }
    if s.cam_program.trim().is_empty() {
        return Err(AppError::bad_input(
            "camProgram",
            "the CAM program and version are required",
        ));
    }
    let (cap, req) = start_machine(db, &j, s.machine_id).await?;
    let machine_id = cap.machine.id;
    let tools = start_tools(db, s.tool_ids.as_deref(), machine_id).await?;
    let warnings = tool_warnings(&tools, i64::from(j.quantity));
    let (items, what) = raw_items(db, &j, &cap.machine, &req).await?;
    let cands = locked_candidates(db, &items).await?;
    let picks = match &s.material {
        Some(given) => picks_given(db, &j, &items, &what, &cands, given).await?,
        None => picks_fefo(&j, &what, cands)?,
    };
    let now = Utc::now();
    issue(db, actor, &j, &cap.machine, &picks, now).await?;
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

/// The machine a job starts on (the one named, else the planned one) and
/// what the job requires of it: it must be able to make the job, be
/// active and run nothing else.
async fn start_machine(
    db: &impl ConnectionTrait,
    j: &production_job::Model,
    named: Option<i64>,
) -> AppResult<(Capable, Requirement)> {
    let Some(machine_id) = named.or(j.machine_id) else {
        return Err(AppError::bad_input(
            "machineId",
            "the job is not scheduled on a machine: name one",
        ));
    };
    let caps = capable_machines(db).await?;
    let Some(cap) = caps.into_iter().find(|c| c.machine.id == machine_id) else {
        return Err(AppError::bad_input(
            "machineId",
            "unknown or retired machine",
        ));
    };
    let req = requirement(db, j).await?;
    if let Some(why) = cap.refusal(&req) {
        return Err(AppError::bad_input(
            "machineId",
            format!("{} cannot make this job: {why}", cap.machine.code),
        ));
    }
    if cap.machine.status != MachineStatus::Active {
        return Err(AppError::refused(Refusal::StateNotAllowed {
            what: "machine",
            name: cap.machine.code.clone(),
            state: cap.machine.status.to_string(),
            rule: String::new(),
        }));
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
    Ok((cap, req))
}

/// The tools named (each must exist and be active), else the active tools
/// mounted on the machine.
async fn start_tools(
    db: &impl ConnectionTrait,
    named: Option<&[i64]>,
    machine_id: i64,
) -> AppResult<Vec<tool::Model>> {
    let Some(ids) = named else {
        return Ok(tool::Entity::find()
            .filter(tool::Column::MachineId.eq(machine_id))
            .filter(tool::Column::Status.eq(ToolStatus::Active))
            .order_by_asc(tool::Column::Code)
            .all(db)
            .await?);
    };
    let mut out = Vec::new();
    for (i, t) in ids.iter().enumerate() {
        let t = tool::Entity::find_by_id(*t)
            .one(db)
            .await?
            .ok_or_else(|| AppError::bad_input(format!("toolIds[{i}]"), "unknown tool"))?;
        if t.status != ToolStatus::Active {
            return Err(AppError::bad_input(
                format!("toolIds[{i}]"),
                format!("tool {} is retired", t.code),
            ));
        }
        out.push(t);
    }
    Ok(out)
}

/// The material the caller picked, lot by lot, from the usable `cands`
/// (locked): each lot must be `what` and released, have the units asked
/// for free, and the picks together must cover the job.
async fn picks_given(
    db: &impl ConnectionTrait,
    j: &production_job::Model,
    items: &[i64],
    what: &str,
    cands: &[Candidate],
    given: &[MaterialPick],
) -> AppResult<Vec<(Candidate, i64)>> {
    let need = material_needed(j);
    let mut out = Vec::new();
    let mut left = need;
    for (i, p) in given.iter().enumerate() {
        let f = format!("material[{i}]");
        let l = inv::lot(db, p.lot_id).await?;
        if !items.contains(&l.item_id) {
            return Err(AppError::bad_input(
                f,
                format!("lot {} is not {what}", l.lot_number),
            ));
        }
        let st = effective_state(&l, today());
        if st != EffectiveState::Released {
            return Err(AppError::refused_at(
                f,
                Refusal::StateNotAllowed {
                    what: "lot",
                    name: l.lot_number,
                    state: st.to_string(),
                    rule: "; only released material can be issued".into(),
                },
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
                out.push((c.clone(), q));
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
            "material",
            format!("the job needs {need}, the lots given cover {}", need - left),
        ));
    }
    Ok(out)
}

/// The material for a job taken from the usable `cands` in allocation
/// order, until the job is covered.
fn picks_fefo(
    j: &production_job::Model,
    what: &str,
    cands: Vec<Candidate>,
) -> AppResult<Vec<(Candidate, i64)>> {
    let need = material_needed(j);
    let mut out = Vec::new();
    let mut left = need;
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
            "material",
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
    Ok(out)
}

/// Issues the picked material to the job through the ledger, lots locked
/// in id order first.
async fn issue(
    db: &impl ConnectionTrait,
    actor: &Actor,
    j: &production_job::Model,
    m: &machine::Model,
    picks: &[(Candidate, i64)],
    now: DateTime<Utc>,
) -> AppResult<()> {
    inv::lock_lots(db, &picks.iter().map(|(c, _)| c.lot.id).collect::<Vec<_>>()).await?;
    for (c, q) in picks {
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
                note: Some(format!("issued to {} on {}", j.number, m.code)),
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
    Ok(())
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
            "quantityMade",
            format!(
                "must be 1–{} (the job's quantity); scrap the job if nothing good was made",
                j.quantity
            ),
        ));
    }
    let loc = output_location(db, location).await?;
    let now = Utc::now();
    let (item, am) = output_item(db, &j, now).await?;
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
    let parents = link_genealogy(db, &j, l.id, now).await?;
    // Made from recalled material, or in a recalled machine window or with
    // a recalled tool: the new lot joins the recall.
    let l = crate::quality::recall::inherit_recalls(db, actor, l, &parents, &j, now).await?;
    count_tool_uses(db, j.id, quantity_made).await?;
    let mut am = j.into_active_model();
    am.status = Set(JobStatus::Inspection);
    am.quantity_made = Set(Some(quantity_made));
    am.finished_at = Set(Some(now));
    am.finished_lot_id = Set(Some(l.id));
    am.planned_end = Set(Some(now));
    am.updated_at = Set(now);
    Ok((am.update(db).await?, l))
}

/// Where a finished lot goes: the QUARANTINE location named, else the
/// first QUARANTINE bin (a leaf of the tree) by code.
async fn output_location(
    db: &impl ConnectionTrait,
    named: Option<&str>,
) -> AppResult<location::Model> {
    let loc = match named {
        Some(code) => inv::location_by_code(db, code, "location").await?,
        None => {
            let all = location::Entity::find()
                .order_by_asc(location::Column::Code)
                .all(db)
                .await?;
            let parents: HashSet<i64> = all.iter().filter_map(|l| l.parent_id).collect();
            all.into_iter()
                .find(|l| l.location_type == LocationType::Quarantine && !parents.contains(&l.id))
                .ok_or_else(|| AppError::bad_input("location", "there is no QUARANTINE location"))?
        }
    };
    if loc.location_type != LocationType::Quarantine {
        return Err(AppError::bad_input(
            "location",
            format!("`{}` is not a QUARANTINE location", loc.code),
        ));
    }
    Ok(loc)
}

/// The stock item a job makes (its SKU's finished item, or a custom item of
/// its platform and grade) and the new lot's dates and UDI.
async fn output_item(
    db: &impl ConnectionTrait,
    j: &production_job::Model,
    now: DateTime<Utc>,
) -> AppResult<(item::Model, lot::ActiveModel)> {
    let made = today();
    match j.kind {
        JobKind::Stock => {
            let no_sku = || AppError::Internal(format!("job {} has no SKU", j.number));
            let sku = catalog::sku(db, j.sku_id.ok_or_else(no_sku)?)
                .await?
                .ok_or_else(no_sku)?;
            let item = inv::finished_item(db, &sku).await?;
            let expiry = match (sku.sterile, sku.shelf_life_months) {
                (true, Some(m)) => made.checked_add_months(Months::new(m as u32)),
                _ => None,
            };
            let udi = crate::inventory::gs1::udi(&sku.gtin, &j.number, expiry);
            Ok((
                item,
                lot::ActiveModel {
                    production_date: Set(Some(made)),
                    expiry_date: Set(expiry),
                    udi: Set(Some(udi)),
                    ..Default::default()
                },
            ))
        }
        JobKind::Custom => {
            let no_platform = || AppError::Internal(format!("job {} has no platform", j.number));
            let p = catalog::platform(db, j.platform_id.ok_or_else(no_platform)?)
                .await?
                .ok_or_else(no_platform)?;
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
            Ok((
                item,
                lot::ActiveModel {
                    production_date: Set(Some(made)),
                    expiry_date: Set(None),
                    ..Default::default()
                },
            ))
        }
    }
}

/// Genealogy: one edge from each lot the job consumed to the lot it made.
/// Returns the consumed lots.
async fn link_genealogy(
    db: &impl ConnectionTrait,
    j: &production_job::Model,
    made: i64,
    now: DateTime<Utc>,
) -> AppResult<Vec<i64>> {
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
            child_lot_id: Set(made),
            quantity: Set(qty),
            job_id: Set(Some(j.id)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(parents)
}

/// Tools: records what each of the job's tools cut and advances its counter.
async fn count_tool_uses(db: &impl ConnectionTrait, job_id: i64, parts: i32) -> AppResult<()> {
    for jt in job_tool::Entity::find()
        .filter(job_tool::Column::JobId.eq(job_id))
        .all(db)
        .await?
    {
        let t = tool_by_id(db, jt.tool_id).await?;
        let uses = t.uses + parts;
        let mut tam = t.into_active_model();
        tam.uses = Set(uses);
        tam.update(db).await?;
        let mut jam = jt.into_active_model();
        jam.uses = Set(parts);
        jam.update(db).await?;
    }
    Ok(())
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
                    "quantityAccepted",
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
        return Err(AppError::refused(Refusal::StateNotAllowed {
            what: "job",
            name: j.number,
            state: status_name(j.status),
            rule: "; only a running job is scrapped (cancel a job that has not started, record FAIL at inspection)".into(),
        }));
    }
    if reason.trim().is_empty() {
        return Err(AppError::bad_input("reason", "say why the job is scrapped"));
    }
    let now = Utc::now();
    let mut am = j.into_active_model();
    am.status = Set(JobStatus::Scrapped);
    am.status_reason = Set(Some(reason.trim().to_owned()));
    am.finished_at = Set(Some(now));
    am.updated_at = Set(now);
    Ok(am.update(db).await?)
}
