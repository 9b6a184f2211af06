//! A recall's life up to activation: create (the scope must reach a lot), list, preview, activate, cancel.

use super::*;

/// A recall to create.
#[derive(Debug, Clone)]
pub struct NewRecall {
    pub class: RecallClass,
    pub reason: String,
    pub scope: Scope,
}

pub(crate) fn required(v: &str, field: &str) -> AppResult<String> {
    let v = v.trim();
    if v.is_empty() {
        return Err(AppError::bad_input(field, "must not be empty"));
    }
    Ok(v.to_owned())
}

/// Appends a step to the recall's own trail.
pub(crate) async fn event(
    db: &impl ConnectionTrait,
    recall_id: i64,
    actor: &Actor,
    action: &str,
    detail: String,
) -> AppResult<()> {
    recall_event::ActiveModel {
        recall_id: Set(recall_id),
        at: Set(Utc::now()),
        actor: Set(actor.name.clone()),
        action: Set(action.to_owned()),
        detail: Set(detail),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Checks that what the scope names exists, and that it reaches at least
/// one lot; returns the trace so the caller can report its size.
pub(crate) async fn check_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> AppResult<ForwardTrace> {
    scope.validate()?;
    match scope {
        Scope::Lots(ids) => {
            let found: HashSet<i64> = lot::Entity::find()
                .filter(lot::Column::Id.is_in(ids.iter().copied()))
                .all(db)
                .await?
                .into_iter()
                .map(|l| l.id)
                .collect();
            if let Some(missing) = ids.iter().find(|i| !found.contains(i)) {
                return Err(AppError::bad_input(
                    "scope.lotIds",
                    format!("no lot #{missing}"),
                ));
            }
        }
        Scope::BlankLot(id) => {
            let l = inventory::lot(db, *id).await?;
            let item = entity::item::Entity::find_by_id(l.item_id).one(db).await?;
            if item.is_none_or(|i| i.kind != entity::enums::ItemKind::Blank) {
                return Err(AppError::bad_input(
                    "scope.blankLotId",
                    format!("lot {} is not a blank lot", l.lot_number),
                ));
            }
        }
        Scope::MachineWindow { machine_id, .. } => {
            machine::Entity::find_by_id(*machine_id)
                .one(db)
                .await?
                .ok_or_else(|| AppError::not_found("machine", machine_id.to_string()))?;
        }
        Scope::Tool(id) => {
            tool::Entity::find_by_id(*id)
                .one(db)
                .await?
                .ok_or_else(|| AppError::not_found("tool", id.to_string()))?;
        }
        Scope::Heat(_) => {}
    }
    trace::forward(db, scope).await
}

/// Creates a DRAFT recall after checking its scope reaches at least one lot.
pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    r: &NewRecall,
) -> AppResult<recall::Model> {
    let reason = required(&r.reason, "reason")?;
    let t = check_scope(db, &r.scope).await?;
    crate::db::lock(db, crate::db::Lock::RecallNumbers).await?;
    let now = Utc::now();
    let year = now.year();
    let prefix = format!("RC-{year}-");
    let n = recall::Entity::find()
        .filter(recall::Column::Number.starts_with(&prefix))
        .count(db)
        .await?;
    let mut am = recall::ActiveModel {
        number: Set(format!("{prefix}{:04}", n + 1)),
        class: Set(r.class),
        reason: Set(reason),
        status: Set(RecallStatus::Draft),
        created_by: Set(actor.name.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    match &r.scope {
        Scope::Lots(ids) => {
            am.scope_kind = Set(RecallScopeKind::Lots);
            am.scope_lot_ids = Set(Some(
                serde_json::to_string(ids).map_err(|e| AppError::Internal(e.to_string()))?,
            ));
        }
        Scope::Heat(h) => {
            am.scope_kind = Set(RecallScopeKind::Heat);
            am.heat_number = Set(Some(h.trim().to_owned()));
        }
        Scope::BlankLot(id) => {
            am.scope_kind = Set(RecallScopeKind::BlankLot);
            am.blank_lot_id = Set(Some(*id));
        }
        Scope::MachineWindow {
            machine_id,
            from,
            to,
        } => {
            am.scope_kind = Set(RecallScopeKind::MachineWindow);
            am.machine_id = Set(Some(*machine_id));
            am.window_from = Set(Some(*from));
            am.window_to = Set(Some(*to));
        }
        Scope::Tool(id) => {
            am.scope_kind = Set(RecallScopeKind::Tool);
            am.tool_id = Set(Some(*id));
        }
    }
    let rc = am.insert(db).await?;
    event(
        db,
        rc.id,
        actor,
        "CREATED",
        format!(
            "{}, scope {}: {} lot(s), {} consignee(s) at creation",
            rc.class,
            r.scope.describe(),
            t.totals.lots,
            t.totals.consignees
        ),
    )
    .await?;
    Ok(rc)
}

/// A recall by id.
pub async fn get(db: &impl ConnectionTrait, id: i64) -> AppResult<recall::Model> {
    recall::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("recall", id.to_string()))
}

/// A recall by its number (`RC-2026-0001`).
pub async fn by_number(db: &impl ConnectionTrait, number: &str) -> AppResult<recall::Model> {
    recall::Entity::find()
        .filter(recall::Column::Number.eq(number.trim()))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("recall", number.to_owned()))
}

/// Recalls, newest first, optionally of one status.
pub async fn list(
    db: &impl ConnectionTrait,
    status: Option<RecallStatus>,
    page: &crate::paging::Page,
) -> AppResult<(Vec<recall::Model>, u64)> {
    let mut q = recall::Entity::find();
    if let Some(s) = status {
        q = q.filter(recall::Column::Status.eq(s));
    }
    let order = [(
        crate::paging::col((recall::Entity, recall::Column::Id)),
        sea_orm::Order::Desc,
    )];
    Ok(page.fetch(db, q, &order).await?)
}

/// The sort key of a recall in [`list`]'s order (newest first).
pub fn recall_key(r: &recall::Model) -> crate::paging::Key {
    vec![crate::paging::KeyVal::I(r.id)]
}

/// The lots frozen at activation.
pub async fn lots(db: &impl ConnectionTrait, recall_id: i64) -> AppResult<Vec<recall_lot::Model>> {
    Ok(recall_lot::Entity::find()
        .filter(recall_lot::Column::RecallId.eq(recall_id))
        .order_by_asc(recall_lot::Column::Depth)
        .order_by_asc(recall_lot::Column::LotId)
        .all(db)
        .await?)
}

/// The impact: for a DRAFT, a live trace of its scope; once activated, the
/// frozen lots as they are now.
pub async fn impact(db: &impl ConnectionTrait, r: &recall::Model) -> AppResult<ForwardTrace> {
    match r.status {
        RecallStatus::Draft | RecallStatus::Cancelled => {
            trace::forward(db, &Scope::of_recall(r)?).await
        }
        RecallStatus::Active | RecallStatus::Closed => {
            let frozen: Vec<(i64, i32)> = lots(db, r.id)
                .await?
                .iter()
                .map(|l| (l.lot_id, l.depth))
                .collect();
            let mut t = trace::forward_of(db, trace::briefs(db, &frozen).await?).await?;
            trace::add_open_jobs(&mut t, trace::scope_jobs(db, &Scope::of_recall(r)?).await?);
            Ok(t)
        }
    }
}

/// Takes the recall's row lock (PostgreSQL) so its mutations run one at a
/// time, and checks its status.
pub(crate) async fn lock(
    db: &impl ConnectionTrait,
    id: i64,
    expect: RecallStatus,
    doing: &str,
) -> AppResult<recall::Model> {
    let r = recall::Entity::update_many()
        .col_expr(recall::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(recall::Column::Id.eq(id))
        .exec(db)
        .await?;
    if r.rows_affected == 0 {
        return Err(AppError::not_found("recall", id.to_string()));
    }
    let rc = get(db, id).await?;
    if rc.status != expect {
        return Err(AppError::refused(Refusal::StateNotAllowed {
            what: "recall",
            name: rc.number,
            state: rc.status.to_string(),
            rule: format!("; only a {expect} recall can be {doing}"),
        }));
    }
    Ok(rc)
}

/// What activation did.
#[derive(Debug, Clone)]
pub struct Activation {
    pub recall: recall::Model,
    pub lots: usize,
    pub lots_recalled: usize,
    pub reservations_released: usize,
    pub cases_reopened: Vec<clinical_case::Model>,
    pub consignees: usize,
}

/// Activates a DRAFT recall in the caller's transaction: every affected lot
/// becomes RECALLED (a ledger row each), open reservations on them are
/// released and their cases re-opened for matching, cases whose custom
/// part is affected and not shipped are re-opened, and the consignees that
/// received units are listed. Activating twice is `CONFLICT`.
pub async fn activate(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> AppResult<Activation> {
    // One at a time with the shop: a job completing meanwhile either sees
    // the recall active (its lot joins) or is seen by this trace.
    crate::db::lock(db, crate::db::Lock::Shop).await?;
    let rc = lock(db, id, RecallStatus::Draft, "activated").await?;
    let scope = Scope::of_recall(&rc)?;
    let reached = trace::reach(db, &scope).await.map_err(|e| match e.code() {
        ErrorCode::BadUserInput => AppError::Conflict(e.reason()),
        _ => e,
    })?;
    let why = format!("recall {}: {}", rc.number, rc.reason);
    let (before, lots_recalled) = hold_and_recall(db, actor, &reached, &why).await?;
    // Then what hangs off them, read again now that they are held.
    let frozen_ids: Vec<(i64, i32)> = before.iter().map(|l| (l.id, l.depth)).collect();
    let mut t = trace::forward_of(db, trace::briefs(db, &frozen_ids).await?).await?;
    trace::add_open_jobs(&mut t, trace::scope_jobs(db, &scope).await?);
    let mut reserved: HashMap<i64, i64> = HashMap::new();
    let released: HashSet<i64> = t.reservations.iter().map(|r| r.id).collect();
    for r in &t.reservations {
        inventory::release_reservation_because(db, actor, r.id, Some(&why)).await?;
        *reserved.entry(r.lot_id).or_default() += r.quantity;
    }
    freeze_lots(db, rc.id, &t, &before, &reserved).await?;
    let to_reopen = cases_to_reopen(db, &t, &released).await?;
    list_consignees(db, rc.id, &t).await?;

    let now = Utc::now();
    let mut am = rc.into_active_model();
    am.status = Set(RecallStatus::Active);
    am.activated_by = Set(Some(actor.name.clone()));
    am.activated_at = Set(Some(now));
    am.updated_at = Set(now);
    let rc = am.update(db).await?;
    let counts = (lots_recalled, released.len(), to_reopen.len());
    event(db, rc.id, actor, "ACTIVATED", activation_note(&t, counts)).await?;
    let mut reopened = Vec::with_capacity(to_reopen.len());
    for (c, lost) in to_reopen {
        reopened.push(reopen_case(db, actor, &rc, c, lost).await?);
    }
    Ok(Activation {
        recall: rc,
        lots: t.lots.len(),
        lots_recalled,
        reservations_released: released.len(),
        cases_reopened: reopened,
        consignees: t.exposure.len(),
    })
}

/// Holds the reached lots in id order (the order every path takes lot rows
/// in: no reservation or shipment of them can start after this), reads
/// their states again (another recall may have recalled some meanwhile)
/// and sets each RECALLED. Returns the lots as they were when held, and how
/// many this set RECALLED.
async fn hold_and_recall(
    db: &impl ConnectionTrait,
    actor: &Actor,
    reached: &[trace::LotBrief],
    why: &str,
) -> AppResult<(Vec<trace::LotBrief>, usize)> {
    let depths: Vec<(i64, i32)> = reached.iter().map(|l| (l.id, l.depth)).collect();
    inventory::lock_lots(db, &depths.iter().map(|(id, _)| *id).collect::<Vec<_>>()).await?;
    let before = trace::briefs(db, &depths).await?;
    let mut lots_recalled = 0;
    for l in &before {
        if l.state != LotState::Recalled {
            inventory::change_state(db, actor, l.id, LotState::Recalled, why).await?;
            lots_recalled += 1;
        }
    }
    Ok((before, lots_recalled))
}

/// Freezes the trace's lots in the recall: depth, the state each had when
/// held, what was on hand and what reservations the activation released.
async fn freeze_lots(
    db: &impl ConnectionTrait,
    recall_id: i64,
    t: &ForwardTrace,
    before: &[trace::LotBrief],
    reserved: &HashMap<i64, i64>,
) -> AppResult<()> {
    let previous: HashMap<i64, LotState> = before.iter().map(|l| (l.id, l.state)).collect();
    let mut frozen = Vec::with_capacity(t.lots.len());
    for tl in &t.lots {
        frozen.push(recall_lot::ActiveModel {
            recall_id: Set(recall_id),
            lot_id: Set(tl.lot.id),
            depth: Set(tl.lot.depth),
            previous_state: Set(previous.get(&tl.lot.id).copied().unwrap_or(tl.lot.state)),
            on_hand: Set(tl.on_hand()),
            reserved: Set(reserved.get(&tl.lot.id).copied().unwrap_or_default()),
        });
    }
    for chunk in frozen.chunks(1_000) {
        recall_lot::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Cases that counted on an affected unit and go back to matching: a
/// released reservation, or a custom part made (DONE or still in
/// inspection) into an affected lot.
async fn cases_to_reopen(
    db: &impl ConnectionTrait,
    t: &ForwardTrace,
    released: &HashSet<i64>,
) -> AppResult<Vec<(clinical_case::Model, Lost)>> {
    let affected: HashSet<i64> = t.lots.iter().map(|l| l.lot.id).collect();
    let mut to_reopen = Vec::new();
    for c in &t.cases {
        let lost_reservation = c.status == CaseStatus::Reserved
            && c.reservation_id.is_some_and(|r| released.contains(&r));
        let lost_part = c.status == CaseStatus::InProduction
            && match c.job_id {
                Some(j) => production_job::Entity::find_by_id(j)
                    .one(db)
                    .await?
                    .is_some_and(|j| {
                        matches!(j.status, JobStatus::Done | JobStatus::Inspection)
                            && j.finished_lot_id.is_some_and(|l| affected.contains(&l))
                    }),
                None => false,
            };
        if lost_reservation {
            to_reopen.push((c.clone(), Lost::ReservedUnit));
        } else if lost_part {
            to_reopen.push((c.clone(), Lost::CustomPart));
        }
    }
    Ok(to_reopen)
}

/// Lists every consignee of the trace in the recall, with what it was
/// shipped (and a named consignee's address and contact).
async fn list_consignees(
    db: &impl ConnectionTrait,
    recall_id: i64,
    t: &ForwardTrace,
) -> AppResult<()> {
    for e in &t.exposure {
        recall_consignee::ActiveModel {
            recall_id: Set(recall_id),
            clinic_id: Set(e.consignee.clinic_id),
            consignee: Set(e.consignee.key.clone()),
            shipped: Set(e.shipped),
            consignee_address: Set(e.named.as_ref().map(|n| n.address.clone())),
            consignee_contact: Set(e.named.as_ref().and_then(|n| n.contact.clone())),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// The ACTIVATED event's detail: what the activation stopped, released,
/// re-opened and listed, given (lots set RECALLED, reservations released,
/// cases to re-open), and the jobs still running on affected material.
fn activation_note(
    t: &ForwardTrace,
    (recalled, released, reopened): (usize, usize, usize),
) -> String {
    let running = if t.open_jobs.is_empty() {
        String::new()
    } else {
        format!(
            "; jobs still running on affected material (stop or scrap them): {}",
            t.open_jobs
                .iter()
                .map(|j| j.number.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        "{} lot(s) affected, {recalled} set RECALLED; {} piece(s) and {} mm of bar on hand stopped; {released} reservation(s) released; {reopened} case(s) re-opened; {} consignee(s) received {} piece(s){running}",
        t.lots.len(),
        t.totals.pieces_on_hand,
        t.totals.bar_mm_on_hand,
        t.exposure.len(),
        t.totals.pieces_shipped,
    )
}

/// Cancels a DRAFT recall.
pub async fn cancel(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    reason: &str,
) -> AppResult<recall::Model> {
    let reason = required(reason, "reason")?;
    let rc = lock(db, id, RecallStatus::Draft, "cancelled").await?;
    let mut am = rc.into_active_model();
    am.status = Set(RecallStatus::Cancelled);
    am.closure_note = Set(Some(reason.clone()));
    am.updated_at = Set(Utc::now());
    let rc = am.update(db).await?;
    event(db, rc.id, actor, "CANCELLED", reason).await?;
    Ok(rc)
}
