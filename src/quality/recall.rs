//! Recalls run to closure: create with a scope (nothing is created when it
//! matches no lot), preview the impact, activate (every affected lot
//! RECALLED, open reservations released and their cases re-opened, the
//! consignees listed, all in the caller's one transaction), record per
//! consignee the notification, units returned (a RETURN in the ledger) and
//! units confirmed used, then close on a reconciliation: shipped − returned
//! − used = outstanding, zero or justified. Every step is a `recall_event`.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, Utc};
use entity::{
    clinic, clinical_case,
    enums::{
        CaseStatus, JobStatus, LocationType, LotState, MovementReason, NotificationChannel,
        RecallActionKind, RecallClass, RecallScopeKind, RecallStatus,
    },
    location, lot, machine, production_job, recall, recall_action, recall_consignee, recall_event,
    recall_lot, tool,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, Set, sea_query::Expr,
};

use super::trace::{self, ForwardTrace, Scope};
use crate::{
    error::{AppError, AppResult},
    inventory::{Actor, ledger, service as inventory},
};

/// A recall to create.
#[derive(Debug, Clone)]
pub struct NewRecall {
    pub class: RecallClass,
    pub reason: String,
    pub scope: Scope,
}

fn required(v: &str, field: &str) -> AppResult<String> {
    let v = v.trim();
    if v.is_empty() {
        return Err(AppError::bad_input(field, "must not be empty"));
    }
    Ok(v.to_owned())
}

/// Appends a step to the recall's own trail.
async fn event(
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
async fn check_scope(db: &impl ConnectionTrait, scope: &Scope) -> AppResult<ForwardTrace> {
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
    let reason = required(&r.reason, "input.reason")?;
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
    use sea_orm::PaginatorTrait;
    let mut q = recall::Entity::find();
    if let Some(s) = status {
        q = q.filter(recall::Column::Status.eq(s));
    }
    let total = q.clone().count(db).await?;
    let order = [(
        crate::paging::col((recall::Entity, recall::Column::Id)),
        sea_orm::Order::Desc,
    )];
    Ok((page.apply(q, &order).all(db).await?, total))
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
async fn lock(
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
        return Err(AppError::Conflict(format!(
            "recall {} is {}; only a {expect} recall can be {doing}",
            rc.number, rc.status
        )));
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
    let before = trace::reach(db, &scope).await.map_err(|e| match e {
        AppError::BadInput { message, .. } => AppError::Conflict(message),
        e => e,
    })?;
    let why = format!("recall {}: {}", rc.number, rc.reason);

    // First the lots, held in id order (the order every path takes lot
    // rows in): no reservation or shipment of them can start after this.
    let depths: Vec<(i64, i32)> = before.iter().map(|l| (l.id, l.depth)).collect();
    inventory::lock_lots(db, &depths.iter().map(|(id, _)| *id).collect::<Vec<_>>()).await?;
    // Their states as they are now that they are held (another recall may
    // have recalled some meanwhile).
    let before = trace::briefs(db, &depths).await?;
    let mut lots_recalled = 0;
    for l in &before {
        if l.state != LotState::Recalled {
            inventory::change_state(db, actor, l.id, LotState::Recalled, &why).await?;
            lots_recalled += 1;
        }
    }
    // Then what hangs off them, read again now that they are held.
    let frozen_ids: Vec<(i64, i32)> = before.iter().map(|l| (l.id, l.depth)).collect();
    let mut t = trace::forward_of(db, trace::briefs(db, &frozen_ids).await?).await?;
    trace::add_open_jobs(&mut t, trace::scope_jobs(db, &scope).await?);
    let mut reserved: HashMap<i64, i64> = HashMap::new();
    let released: HashSet<i64> = t.reservations.iter().map(|r| r.id).collect();
    for r in &t.reservations {
        inventory::release_reservation_because(db, actor, r.id, None, Some(&why)).await?;
        *reserved.entry(r.lot_id).or_default() += r.quantity;
    }
    let previous: HashMap<i64, LotState> = before.iter().map(|l| (l.id, l.state)).collect();
    let mut frozen = Vec::with_capacity(t.lots.len());
    for tl in &t.lots {
        frozen.push(recall_lot::ActiveModel {
            recall_id: Set(rc.id),
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

    // Cases that counted on an affected unit go back to matching: a
    // released reservation, or a custom part made (DONE or still in
    // inspection) into an affected lot.
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
        if !(lost_reservation || lost_part) {
            continue;
        }
        let lost = if lost_reservation {
            Lost::ReservedUnit
        } else {
            Lost::CustomPart
        };
        to_reopen.push((c.clone(), lost));
    }

    for e in &t.exposure {
        recall_consignee::ActiveModel {
            recall_id: Set(rc.id),
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

    let now = Utc::now();
    let mut am = rc.into_active_model();
    am.status = Set(RecallStatus::Active);
    am.activated_by = Set(Some(actor.name.clone()));
    am.activated_at = Set(Some(now));
    am.updated_at = Set(now);
    let rc = am.update(db).await?;
    event(
        db,
        rc.id,
        actor,
        "ACTIVATED",
        format!(
            "{} lot(s) affected, {} set RECALLED; {} piece(s) and {} mm of bar on hand stopped; {} reservation(s) released; {} case(s) re-opened; {} consignee(s) received {} piece(s){}",
            t.lots.len(),
            lots_recalled,
            t.totals.pieces_on_hand,
            t.totals.bar_mm_on_hand,
            released.len(),
            to_reopen.len(),
            t.exposure.len(),
            t.totals.pieces_shipped,
            if t.open_jobs.is_empty() {
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
            }
        ),
    )
    .await?;
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

/// Cancels a DRAFT recall.
pub async fn cancel(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    reason: &str,
) -> AppResult<recall::Model> {
    let reason = required(reason, "input.reason")?;
    let rc = lock(db, id, RecallStatus::Draft, "cancelled").await?;
    let mut am = rc.into_active_model();
    am.status = Set(RecallStatus::Cancelled);
    am.closure_note = Set(Some(reason.clone()));
    am.updated_at = Set(Utc::now());
    let rc = am.update(db).await?;
    event(db, rc.id, actor, "CANCELLED", reason).await?;
    Ok(rc)
}

/// The recall's consignees.
pub async fn consignees(
    db: &impl ConnectionTrait,
    recall_id: i64,
) -> AppResult<Vec<recall_consignee::Model>> {
    Ok(recall_consignee::Entity::find()
        .filter(recall_consignee::Column::RecallId.eq(recall_id))
        .order_by_desc(recall_consignee::Column::Shipped)
        .order_by_asc(recall_consignee::Column::Consignee)
        .all(db)
        .await?)
}

async fn consignee_of(
    db: &impl ConnectionTrait,
    rc: &recall::Model,
    consignee_id: i64,
) -> AppResult<recall_consignee::Model> {
    recall_consignee::Entity::find_by_id(consignee_id)
        .one(db)
        .await?
        .filter(|c| c.recall_id == rc.id)
        .ok_or_else(|| {
            AppError::bad_input(
                "input.consigneeId",
                format!(
                    "consignee #{consignee_id} is not one of recall {}",
                    rc.number
                ),
            )
        })
}

/// Records that a consignee was notified (again: the latest counts).
pub async fn notify(
    db: &impl ConnectionTrait,
    actor: &Actor,
    recall_id: i64,
    consignee_id: i64,
    via: NotificationChannel,
    at: Option<DateTime<Utc>>,
    note: Option<String>,
) -> AppResult<recall_consignee::Model> {
    let rc = lock(db, recall_id, RecallStatus::Active, "notified").await?;
    let c = consignee_of(db, &rc, consignee_id).await?;
    let now = Utc::now();
    let at = at.unwrap_or(now);
    if at > now + chrono::Duration::minutes(5) {
        return Err(AppError::bad_input(
            "input.at",
            format!("{at} is in the future: record a notification once it is made"),
        ));
    }
    if rc
        .activated_at
        .is_some_and(|a| at < a - chrono::Duration::days(1))
    {
        return Err(AppError::bad_input(
            "input.at",
            format!("{at} is before the recall was activated"),
        ));
    }
    let key = c.consignee.clone();
    let mut am = c.into_active_model();
    am.notified_at = Set(Some(at));
    am.notified_via = Set(Some(via));
    am.notified_by = Set(Some(actor.name.clone()));
    am.notification_note = Set(note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()));
    let c = am.update(db).await?;
    event(
        db,
        rc.id,
        actor,
        "NOTIFIED",
        format!("{key} by {via} at {}", at.format("%Y-%m-%d %H:%M")),
    )
    .await?;
    Ok(c)
}

/// Per consignee and lot: shipped, returned, confirmed used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub shipped: i64,
    pub returned: i64,
    pub used: i64,
}

impl Tally {
    /// Units still out there, unaccounted for.
    pub fn outstanding(&self) -> i64 {
        self.shipped - self.returned - self.used
    }
}

/// Tallies of the recall per consignee key and lot, from the ledger (shipments
/// and returns of its lots) and the confirmed uses.
async fn tallies(
    db: &impl ConnectionTrait,
    ids: &[(i64, i32)],
) -> AppResult<HashMap<(String, i64), Tally>> {
    let t = trace::forward_of(db, trace::briefs(db, ids).await?).await?;
    let mut out: HashMap<(String, i64), Tally> = HashMap::new();
    for d in &t.shipments {
        out.entry((d.consignee.key.clone(), d.movement.lot_id))
            .or_default()
            .shipped += d.movement.quantity;
    }
    for d in &t.returns {
        out.entry((d.consignee.key.clone(), d.movement.lot_id))
            .or_default()
            .returned += d.movement.quantity;
    }
    // Uses confirmed under any recall count: a unit implanted is gone.
    let lot_ids: Vec<i64> = ids.iter().map(|(id, _)| *id).collect();
    let mut used = Vec::new();
    for c in lot_ids.chunks(10_000) {
        used.extend(
            recall_action::Entity::find()
                .filter(recall_action::Column::LotId.is_in(c.to_vec()))
                .filter(recall_action::Column::Kind.eq(RecallActionKind::Used))
                .all(db)
                .await?,
        );
    }
    let keys: HashMap<i64, String> = if used.is_empty() {
        HashMap::new()
    } else {
        recall_consignee::Entity::find()
            .filter(
                recall_consignee::Column::Id
                    .is_in(used.iter().map(|a| a.consignee_id).collect::<HashSet<_>>()),
            )
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c.consignee))
            .collect()
    };
    for a in used {
        if let Some(k) = keys.get(&a.consignee_id) {
            out.entry((k.clone(), a.lot_id)).or_default().used += a.quantity;
        }
    }
    Ok(out)
}

/// Holds a lot's row until the transaction ends (PostgreSQL), so returns
/// and confirmed uses of it, under any recall or a case, are counted one at
/// a time.
pub async fn hold_lot(db: &impl ConnectionTrait, lot_id: i64) -> AppResult<()> {
    lot::Entity::update_many()
        .col_expr(lot::Column::UpdatedAt, Expr::col(lot::Column::UpdatedAt))
        .filter(lot::Column::Id.eq(lot_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Units of a lot shipped to a consignee (a clinic's code) that it has
/// neither returned nor confirmed used, under any recall, from the ledger.
pub async fn units_out(db: &impl ConnectionTrait, consignee: &str, lot_id: i64) -> AppResult<i64> {
    hold_lot(db, lot_id).await?;
    Ok(tallies(db, &[(lot_id, 0)])
        .await?
        .get(&(consignee.to_owned(), lot_id))
        .map(Tally::outstanding)
        .unwrap_or_default())
}

/// Units a consignee may still return or confirm of a lot.
async fn open_units(
    db: &impl ConnectionTrait,
    rc: &recall::Model,
    c: &recall_consignee::Model,
    lot_id: i64,
) -> AppResult<i64> {
    let frozen = recall_lot::Entity::find_by_id((rc.id, lot_id))
        .one(db)
        .await?;
    if frozen.is_none() {
        let l = inventory::lot(db, lot_id).await?;
        return Err(AppError::bad_input(
            "input.lotId",
            format!(
                "lot {} is not affected by recall {}",
                l.lot_number, rc.number
            ),
        ));
    }
    units_out(db, &c.consignee, lot_id).await
}

/// A return or a confirmed use to record.
#[derive(Debug, Clone)]
pub struct Accounting {
    pub recall_id: i64,
    pub consignee_id: i64,
    pub lot_id: i64,
    pub quantity: i64,
    /// Where returned units go (a location code); the first QUARANTINE
    /// location when none is given.
    pub location: Option<String>,
    pub note: Option<String>,
}

/// Records units a consignee sent back: a RETURN into quarantine through the
/// ledger, linked to the recall. More than it received and has not yet
/// returned or confirmed used is `BAD_USER_INPUT`.
pub async fn record_return(
    db: &impl ConnectionTrait,
    actor: &Actor,
    a: &Accounting,
) -> AppResult<recall_action::Model> {
    account(db, actor, a, RecallActionKind::Return).await
}

/// Records units a consignee confirms were used (implanted).
pub async fn record_usage(
    db: &impl ConnectionTrait,
    actor: &Actor,
    a: &Accounting,
) -> AppResult<recall_action::Model> {
    account(db, actor, a, RecallActionKind::Used).await
}

async fn account(
    db: &impl ConnectionTrait,
    actor: &Actor,
    a: &Accounting,
    kind: RecallActionKind,
) -> AppResult<recall_action::Model> {
    let doing = match kind {
        RecallActionKind::Return => "returned to",
        RecallActionKind::Used => "accounted for",
    };
    let rc = lock(db, a.recall_id, RecallStatus::Active, doing).await?;
    if a.quantity <= 0 {
        return Err(AppError::bad_input(
            "input.quantity",
            format!("must be above 0, got {}", a.quantity),
        ));
    }
    let c = consignee_of(db, &rc, a.consignee_id).await?;
    let open = open_units(db, &rc, &c, a.lot_id).await?;
    if a.quantity > open {
        let l = inventory::lot(db, a.lot_id).await?;
        return Err(AppError::bad_input(
            "input.quantity",
            format!(
                "{} has {open} unit(s) of lot {} not yet returned or confirmed used; {} is more than that",
                c.consignee, l.lot_number, a.quantity
            ),
        ));
    }
    let note = a
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    let movement_id = match kind {
        RecallActionKind::Return => {
            let cage = match &a.location {
                Some(code) => inventory::location_by_code(db, code, "input.location").await?,
                None => location::Entity::find()
                    .filter(location::Column::LocationType.eq(LocationType::Quarantine))
                    .order_by_asc(location::Column::Code)
                    .one(db)
                    .await?
                    .ok_or_else(|| {
                        AppError::Conflict("no QUARANTINE location to take returns into".into())
                    })?,
            };
            if cage.location_type != LocationType::Quarantine {
                return Err(AppError::bad_input(
                    "input.location",
                    format!(
                        "{} is a {} location: recalled returns go to quarantine",
                        cage.code, cage.location_type
                    ),
                ));
            }
            let m = ledger::apply(
                db,
                actor,
                ledger::Move {
                    lot_id: a.lot_id,
                    from: None,
                    to: Some(cage.id),
                    quantity: a.quantity,
                    reason: MovementReason::Return,
                    reference: &rc.number,
                    note: Some(format!("recall return from {}", c.consignee)),
                    idempotency_key: None,
                },
            )
            .await?;
            Some(m.id)
        }
        RecallActionKind::Used => None,
    };
    let action = recall_action::ActiveModel {
        recall_id: Set(rc.id),
        consignee_id: Set(c.id),
        kind: Set(kind),
        lot_id: Set(a.lot_id),
        quantity: Set(a.quantity),
        movement_id: Set(movement_id),
        note: Set(note),
        actor: Set(actor.name.clone()),
        at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let l = inventory::lot(db, a.lot_id).await?;
    event(
        db,
        rc.id,
        actor,
        match kind {
            RecallActionKind::Return => "RETURNED",
            RecallActionKind::Used => "CONFIRMED_USED",
        },
        format!("{}: {} of lot {}", c.consignee, a.quantity, l.lot_number),
    )
    .await?;
    Ok(action)
}

/// One consignee's line of the reconciliation.
#[derive(Debug, Clone)]
pub struct ReconciliationLine {
    pub consignee: recall_consignee::Model,
    pub clinic: Option<clinic::Model>,
    pub tally: Tally,
    /// Per lot id.
    pub by_lot: BTreeMap<i64, Tally>,
}

/// Shipped − returned − used = outstanding, per consignee.
pub async fn reconciliation(
    db: &impl ConnectionTrait,
    rc: &recall::Model,
) -> AppResult<Vec<ReconciliationLine>> {
    let frozen: Vec<(i64, i32)> = lots(db, rc.id)
        .await?
        .iter()
        .map(|l| (l.lot_id, l.depth))
        .collect();
    let tallies = tallies(db, &frozen).await?;
    let cons = consignees(db, rc.id).await?;
    let clinics: HashMap<i64, clinic::Model> = clinic::Entity::find()
        .filter(clinic::Column::Id.is_in(cons.iter().filter_map(|c| c.clinic_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    Ok(cons
        .into_iter()
        .map(|c| {
            let by_lot: BTreeMap<i64, Tally> = tallies
                .iter()
                .filter(|((k, _), _)| *k == c.consignee)
                .map(|((_, lot), t)| (*lot, t.clone()))
                .collect();
            let tally = by_lot.values().fold(Tally::default(), |s, t| Tally {
                shipped: s.shipped + t.shipped,
                returned: s.returned + t.returned,
                used: s.used + t.used,
            });
            ReconciliationLine {
                clinic: c.clinic_id.and_then(|id| clinics.get(&id).cloned()),
                consignee: c,
                tally,
                by_lot,
            }
        })
        .collect())
}

/// Closes an ACTIVE recall: every consignee must have been notified, and
/// every outstanding unit accounted for, or the closure justified.
pub async fn close(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    justification: Option<&str>,
) -> AppResult<recall::Model> {
    crate::db::lock(db, crate::db::Lock::Shop).await?;
    let rc = lock(db, id, RecallStatus::Active, "closed").await?;
    let justification = justification.map(str::trim).filter(|j| !j.is_empty());
    let lines = reconciliation(db, &rc).await?;
    let unnotified: Vec<&str> = lines
        .iter()
        .filter(|l| l.consignee.notified_at.is_none())
        .map(|l| l.consignee.consignee.as_str())
        .collect();
    if !unnotified.is_empty() {
        return Err(AppError::Conflict(format!(
            "recall {} cannot close: not notified yet: {}",
            rc.number,
            unnotified.join(", ")
        )));
    }
    let running: Vec<String> = impact(db, &rc)
        .await?
        .open_jobs
        .into_iter()
        .filter(|j| {
            matches!(
                j.status,
                JobStatus::Planned | JobStatus::Scheduled | JobStatus::InProgress
            )
        })
        .map(|j| j.number)
        .collect();
    if !running.is_empty() {
        return Err(AppError::Conflict(format!(
            "recall {} cannot close: job(s) still running on affected material or in its scope: {}; complete them (their lots join the recall) or scrap them first",
            rc.number,
            running.join(", ")
        )));
    }
    let outstanding: Vec<String> = lines
        .iter()
        .filter(|l| l.tally.outstanding() != 0)
        .map(|l| format!("{} {}", l.consignee.consignee, l.tally.outstanding()))
        .collect();
    if !outstanding.is_empty() && justification.is_none() {
        return Err(AppError::bad_input(
            "input.justification",
            format!(
                "recall {} has outstanding units ({}): account for them or justify closing",
                rc.number,
                outstanding.join(", ")
            ),
        ));
    }
    let shipped: i64 = lines.iter().map(|l| l.tally.shipped).sum();
    let returned: i64 = lines.iter().map(|l| l.tally.returned).sum();
    let used: i64 = lines.iter().map(|l| l.tally.used).sum();
    let summary = format!(
        "shipped {shipped} − returned {returned} − used {used} = outstanding {}",
        shipped - returned - used
    );
    let note = match justification {
        Some(j) => format!("{summary}; justified: {j}"),
        None => summary,
    };
    let now = Utc::now();
    let mut am = rc.into_active_model();
    am.status = Set(RecallStatus::Closed);
    am.closed_by = Set(Some(actor.name.clone()));
    am.closed_at = Set(Some(now));
    am.closure_note = Set(Some(note.clone()));
    am.updated_at = Set(now);
    let rc = am.update(db).await?;
    event(db, rc.id, actor, "CLOSED", note).await?;
    Ok(rc)
}

/// The recall's trail, oldest first.
pub async fn events(
    db: &impl ConnectionTrait,
    recall_id: i64,
) -> AppResult<Vec<recall_event::Model>> {
    Ok(recall_event::Entity::find()
        .filter(recall_event::Column::RecallId.eq(recall_id))
        .order_by_asc(recall_event::Column::Id)
        .all(db)
        .await?)
}

/// A mock recall: the trace of a scope, changing nothing, and how long it took.
pub async fn mock(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> AppResult<(ForwardTrace, std::time::Duration)> {
    let t0 = std::time::Instant::now();
    let t = trace::forward(db, scope).await?;
    Ok((t, t0.elapsed()))
}

/// The recall report as CSV: one table whose first column says what each
/// row is (`recall`, `lot`, `stock_action`, `consignee`, `event`), ready for
/// a regulator or a distributor.
pub async fn report_csv(db: &impl ConnectionTrait, rc: &recall::Model) -> AppResult<String> {
    let t = impact(db, rc).await?;
    let frozen: HashMap<i64, recall_lot::Model> = lots(db, rc.id)
        .await?
        .into_iter()
        .map(|l| (l.lot_id, l))
        .collect();
    // Article number per item, for the lots of finished parts.
    let item_skus: HashMap<i64, i64> = entity::item::Entity::find()
        .filter(
            entity::item::Column::Id
                .is_in(t.lots.iter().map(|l| l.lot.item_id).collect::<HashSet<_>>()),
        )
        .all(db)
        .await?
        .into_iter()
        .filter_map(|i| Some((i.id, i.sku_id?)))
        .collect();
    let articles: HashMap<i64, String> = entity::abutment_sku::Entity::find()
        .filter(
            entity::abutment_sku::Column::Id
                .is_in(item_skus.values().copied().collect::<HashSet<_>>()),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.article_number))
        .collect();
    let lot_numbers: HashMap<i64, String> = t
        .lots
        .iter()
        .map(|l| (l.lot.id, l.lot.lot_number.clone()))
        .collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "record",
        "recall",
        "lot",
        "item",
        "sku",
        "heat_number",
        "consignee",
        "clinic",
        "country",
        "address",
        "contact",
        "quantity",
        "shipped",
        "returned",
        "used",
        "outstanding",
        "state",
        "at",
        "detail",
    ];
    w.write_record(header).map_err(csv_err)?;
    let row = |vals: &[(&str, String)]| -> Vec<String> {
        header
            .iter()
            .map(|h| {
                vals.iter()
                    .find(|(k, _)| k == h)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            })
            .collect()
    };
    let ts = |d: DateTime<Utc>| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let scope = Scope::of_recall(rc)?;
    w.write_record(row(&[
        ("record", "recall".into()),
        ("recall", rc.number.clone()),
        ("state", rc.status.to_value()),
        ("at", rc.activated_at.map(ts).unwrap_or_default()),
        (
            "detail",
            format!(
                "class {}; scope: {}; reason: {}{}",
                rc.class.to_value(),
                scope.describe(),
                rc.reason,
                rc.closure_note
                    .as_deref()
                    .map(|n| format!("; closure: {n}"))
                    .unwrap_or_default()
            ),
        ),
    ]))
    .map_err(csv_err)?;
    for l in &t.lots {
        let f = frozen.get(&l.lot.id);
        w.write_record(row(&[
            ("record", "lot".into()),
            ("recall", rc.number.clone()),
            ("lot", l.lot.lot_number.clone()),
            ("item", l.lot.kind.to_value()),
            (
                "sku",
                item_skus
                    .get(&l.lot.item_id)
                    .and_then(|s| articles.get(s).cloned())
                    .unwrap_or_default(),
            ),
            ("heat_number", l.lot.heat_number.clone().unwrap_or_default()),
            ("quantity", l.on_hand().to_string()),
            ("state", l.lot.state.to_value()),
            (
                "detail",
                match f {
                    Some(f) => format!(
                        "depth {}; was {} with {} on hand and {} reserved at activation",
                        f.depth, f.previous_state, f.on_hand, f.reserved
                    ),
                    None => format!("depth {}", l.lot.depth),
                },
            ),
        ]))
        .map_err(csv_err)?;
    }
    // Stock actions: every ledger row that references the recall, oldest first.
    let actions = entity::stock_movement::Entity::find()
        .filter(
            entity::stock_movement::Column::Reference
                .eq(rc.number.clone())
                .or(entity::stock_movement::Column::Reference
                    .eq(format!("recall {}: {}", rc.number, rc.reason)))
                .or(entity::stock_movement::Column::Note
                    .contains(format!(": recall {}: ", rc.number))),
        )
        .order_by_asc(entity::stock_movement::Column::Id)
        .all(db)
        .await?;
    for m in actions {
        w.write_record(row(&[
            ("record", "stock_action".into()),
            ("recall", rc.number.clone()),
            (
                "lot",
                lot_numbers
                    .get(&m.lot_id)
                    .cloned()
                    .unwrap_or_else(|| m.lot_id.to_string()),
            ),
            ("quantity", m.quantity.to_string()),
            ("state", m.reason.to_value()),
            ("at", ts(m.at)),
            (
                "detail",
                format!("{} by {}", m.note.unwrap_or_default(), m.actor_name),
            ),
        ]))
        .map_err(csv_err)?;
    }
    if rc.status == RecallStatus::Draft || rc.status == RecallStatus::Cancelled {
        for e in &t.exposure {
            w.write_record(row(&[
                ("record", "consignee".into()),
                ("recall", rc.number.clone()),
                ("consignee", e.consignee.key.clone()),
                (
                    "clinic",
                    e.clinic
                        .as_ref()
                        .map(|c| c.name.clone())
                        .unwrap_or_default(),
                ),
                (
                    "country",
                    e.clinic
                        .as_ref()
                        .map(|c| c.country.clone())
                        .unwrap_or_default(),
                ),
                (
                    "address",
                    consignee_address(
                        e.clinic.as_ref(),
                        e.named.as_ref().map(|n| n.address.as_str()),
                    )
                    .unwrap_or_default(),
                ),
                (
                    "contact",
                    consignee_contact(
                        e.clinic.as_ref(),
                        e.named.as_ref().and_then(|n| n.contact.as_deref()),
                    )
                    .unwrap_or_default(),
                ),
                ("shipped", e.shipped.to_string()),
                ("returned", e.returned.to_string()),
                ("outstanding", (e.shipped - e.returned).to_string()),
                ("at", ts(e.last_shipped)),
                ("detail", "preview: not notified (recall not active)".into()),
            ]))
            .map_err(csv_err)?;
        }
    } else {
        for l in reconciliation(db, rc).await? {
            let c = l.clinic.as_ref();
            w.write_record(row(&[
                ("record", "consignee".into()),
                ("recall", rc.number.clone()),
                ("consignee", l.consignee.consignee.clone()),
                ("clinic", c.map(|c| c.name.clone()).unwrap_or_default()),
                ("country", c.map(|c| c.country.clone()).unwrap_or_default()),
                (
                    "address",
                    consignee_address(c, l.consignee.consignee_address.as_deref())
                        .unwrap_or_default(),
                ),
                (
                    "contact",
                    consignee_contact(c, l.consignee.consignee_contact.as_deref())
                        .unwrap_or_default(),
                ),
                ("shipped", l.tally.shipped.to_string()),
                ("returned", l.tally.returned.to_string()),
                ("used", l.tally.used.to_string()),
                ("outstanding", l.tally.outstanding().to_string()),
                ("at", l.consignee.notified_at.map(ts).unwrap_or_default()),
                (
                    "detail",
                    match (l.consignee.notified_via, &l.consignee.notified_by) {
                        (Some(v), Some(by)) => format!(
                            "notified by {v} ({by}); lots: {}",
                            lot_list(&l.by_lot, &lot_numbers)
                        ),
                        _ => format!("NOT NOTIFIED; lots: {}", lot_list(&l.by_lot, &lot_numbers)),
                    },
                ),
            ]))
            .map_err(csv_err)?;
        }
    }
    for e in events(db, rc.id).await? {
        w.write_record(row(&[
            ("record", "event".into()),
            ("recall", rc.number.clone()),
            ("state", e.action),
            ("at", ts(e.at)),
            ("detail", format!("{} by {}", e.detail, e.actor)),
        ]))
        .map_err(csv_err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(e.to_string()))
}

fn lot_list(by_lot: &BTreeMap<i64, Tally>, numbers: &HashMap<i64, String>) -> String {
    by_lot
        .iter()
        .map(|(id, t)| {
            format!(
                "{} shipped {} returned {} used {}",
                numbers.get(id).cloned().unwrap_or_else(|| id.to_string()),
                t.shipped,
                t.returned,
                t.used
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Where a consignee is: the clinic's address on file, or the address a
/// named consignee was given at shipping.
pub fn consignee_address(clinic: Option<&clinic::Model>, named: Option<&str>) -> Option<String> {
    match clinic {
        Some(c) => Some(format!("{}, {}, {}", c.address, c.city, c.country)),
        None => named.map(str::to_owned),
    }
}

/// How to reach a consignee: the clinic's contact on file, or what a named
/// consignee was given at shipping.
pub fn consignee_contact(clinic: Option<&clinic::Model>, named: Option<&str>) -> Option<String> {
    match clinic {
        Some(c) => Some(format!("{} <{}>", c.contact_name, c.email)),
        None => named.map(str::to_owned),
    }
}

fn csv_err(e: csv::Error) -> AppError {
    AppError::Internal(format!("writing the recall report: {e}"))
}

/// A scope named the way people name things: lot numbers, machine and
/// tool codes (the command line's `recall mock`).
#[derive(Debug, Clone, Default)]
pub struct NamedScope {
    pub heat: Option<String>,
    pub lots: Vec<String>,
    pub blank_lot: Option<String>,
    pub machine: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub tool: Option<String>,
}

/// Resolves a named scope to ids; exactly one kind must be given.
pub async fn resolve_scope(db: &impl ConnectionTrait, n: &NamedScope) -> AppResult<Scope> {
    let given = [
        n.heat.is_some(),
        !n.lots.is_empty(),
        n.blank_lot.is_some(),
        n.machine.is_some(),
        n.tool.is_some(),
    ]
    .iter()
    .filter(|g| **g)
    .count();
    if given != 1 {
        return Err(AppError::bad_input(
            "scope",
            format!(
                "give exactly one of --heat, --lot, --blank-lot, --machine (with --from and --to) or --tool; got {given}"
            ),
        ));
    }
    let lots_named = |numbers: &[String], field: &'static str| {
        let numbers = numbers.to_vec();
        async move {
            let mut ids = Vec::new();
            for number in &numbers {
                let found = lot::Entity::find()
                    .filter(lot::Column::LotNumber.eq(number.trim()))
                    .all(db)
                    .await?;
                if found.is_empty() {
                    return Err(AppError::bad_input(field, format!("no lot {number}")));
                }
                ids.extend(found.into_iter().map(|l| l.id));
            }
            Ok::<_, AppError>(ids)
        }
    };
    if let Some(h) = &n.heat {
        return Ok(Scope::Heat(h.clone()));
    }
    if !n.lots.is_empty() {
        return Ok(Scope::Lots(lots_named(&n.lots, "--lot").await?));
    }
    if let Some(b) = &n.blank_lot {
        let ids = lots_named(std::slice::from_ref(b), "--blank-lot").await?;
        return Ok(Scope::BlankLot(ids[0]));
    }
    if let Some(code) = &n.machine {
        let m = machine::Entity::find()
            .filter(machine::Column::Code.eq(code.trim()))
            .one(db)
            .await?
            .ok_or_else(|| AppError::bad_input("--machine", format!("no machine {code}")))?;
        let (Some(from), Some(to)) = (n.from, n.to) else {
            return Err(AppError::bad_input(
                "--from",
                "a machine scope needs both --from and --to",
            ));
        };
        return Ok(Scope::MachineWindow {
            machine_id: m.id,
            from,
            to,
        });
    }
    let code = n.tool.clone().unwrap_or_default();
    let t = tool::Entity::find()
        .filter(tool::Column::Code.eq(code.trim()))
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input("--tool", format!("no tool {code}")))?;
    Ok(Scope::Tool(t.id))
}

/// What a re-opened case lost to a recall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lost {
    ReservedUnit,
    CustomPart,
}

/// Sends a case back to matching because a recall took its reserved unit
/// or its custom part, and lists it in the recall's trail (CASE_REOPENED).
async fn reopen_case(
    db: &impl ConnectionTrait,
    actor: &Actor,
    rc: &recall::Model,
    c: clinical_case::Model,
    lost: Lost,
) -> AppResult<clinical_case::Model> {
    let what = match lost {
        Lost::ReservedUnit => "reserved unit",
        Lost::CustomPart => "custom part",
    };
    let mut am = c.into_active_model();
    am.status = Set(CaseStatus::Open);
    am.decision = Set(None);
    am.reservation_id = Set(None);
    if lost == Lost::CustomPart {
        am.job_id = Set(None);
    }
    am.status_reason = Set(Some(format!(
        "recall {}: its {what} is recalled; match it again",
        rc.number
    )));
    am.updated_at = Set(Utc::now());
    let c = am.update(db).await?;
    event(
        db,
        rc.id,
        actor,
        "CASE_REOPENED",
        format!(
            "case {}: its {what} is recalled; re-opened for matching",
            c.number
        ),
    )
    .await?;
    Ok(c)
}

/// Why a lot made by a job joins a recall.
#[derive(Debug, Clone)]
struct Joining {
    recall: recall::Model,
    depth: i32,
    why: String,
}

/// A lot a job has just made joins every recall that covers it, so a job
/// running at activation can never release what the recall stops:
/// - made from material frozen in an ACTIVE or CLOSED recall (recalled
///   material stays recalled after closure): one step deeper than its
///   nearest parent;
/// - made on an ACTIVE recall's machine by a job that ran in its window, or
///   with an ACTIVE recall's tool: a root of that scope (depth 0).
///
/// It is frozen with the recall's lots (`LOT_ADDED`) and set RECALLED at
/// once; a case waiting for it as its custom part is re-opened
/// (`CASE_REOPENED`). Made from a RECALLED lot that no recall holds, it is
/// set RECALLED too.
pub async fn inherit_recalls(
    db: &impl ConnectionTrait,
    actor: &Actor,
    made: lot::Model,
    parents: &[i64],
    job: &production_job::Model,
    finished_at: DateTime<Utc>,
) -> AppResult<lot::Model> {
    let mut joining: BTreeMap<i64, Joining> = BTreeMap::new();
    // Through the material.
    let frozen = recall_lot::Entity::find()
        .filter(recall_lot::Column::LotId.is_in(parents.iter().copied()))
        .all(db)
        .await?;
    if !frozen.is_empty() {
        let mut depth: BTreeMap<i64, i32> = BTreeMap::new();
        for f in &frozen {
            let d = depth.entry(f.recall_id).or_insert(f.depth + 1);
            *d = std::cmp::min(*d, f.depth + 1);
        }
        for rc in recall::Entity::find()
            .filter(recall::Column::Id.is_in(depth.keys().copied()))
            .filter(recall::Column::Status.is_in([RecallStatus::Active, RecallStatus::Closed]))
            .all(db)
            .await?
        {
            let d = depth.get(&rc.id).copied().unwrap_or(1);
            let why = if rc.status == RecallStatus::Closed {
                "from affected material of the closed recall"
            } else {
                "from affected material"
            };
            joining.insert(
                rc.id,
                Joining {
                    recall: rc,
                    depth: d,
                    why: why.to_owned(),
                },
            );
        }
    }
    // Through the machine and its window, or a tool.
    let tools: HashSet<i64> = entity::job_tool::Entity::find()
        .filter(entity::job_tool::Column::JobId.eq(job.id))
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.tool_id)
        .collect();
    for rc in recall::Entity::find()
        .filter(recall::Column::Status.eq(RecallStatus::Active))
        .filter(
            recall::Column::ScopeKind
                .is_in([RecallScopeKind::MachineWindow, RecallScopeKind::Tool]),
        )
        .all(db)
        .await?
    {
        let why = match Scope::of_recall(&rc)? {
            Scope::MachineWindow {
                machine_id,
                from,
                to,
            } if job.machine_id == Some(machine_id)
                && job.started_at.is_some_and(|s| s < to)
                && finished_at >= from =>
            {
                "made on the recalled machine in its window"
            }
            Scope::Tool(t) if tools.contains(&t) => "made with the recalled tool",
            _ => continue,
        };
        joining.insert(
            rc.id,
            Joining {
                recall: rc,
                depth: 0,
                why: why.to_owned(),
            },
        );
    }

    if joining.is_empty() {
        // Recalled material no recall holds (set RECALLED by hand) still
        // makes recalled parts.
        let recalled = lot::Entity::find()
            .filter(lot::Column::Id.is_in(parents.iter().copied()))
            .filter(lot::Column::State.eq(LotState::Recalled))
            .order_by_asc(lot::Column::Id)
            .one(db)
            .await?;
        return match recalled {
            Some(p) if made.state != LotState::Recalled => {
                inventory::change_state(
                    db,
                    actor,
                    made.id,
                    LotState::Recalled,
                    &format!("made from recalled lot {}", p.lot_number),
                )
                .await
            }
            _ => Ok(made),
        };
    }
    let on_hand: i64 = entity::stock_balance::Entity::find()
        .filter(entity::stock_balance::Column::LotId.eq(made.id))
        .all(db)
        .await?
        .iter()
        .map(|b| b.on_hand)
        .sum();
    let cases = clinical_case::Entity::find()
        .filter(clinical_case::Column::JobId.eq(job.id))
        .filter(clinical_case::Column::Status.eq(CaseStatus::InProduction))
        .order_by_asc(clinical_case::Column::Id)
        .all(db)
        .await?;
    let mut reopened = false;
    for j in joining.values() {
        recall_lot::ActiveModel {
            recall_id: Set(j.recall.id),
            lot_id: Set(made.id),
            depth: Set(j.depth),
            previous_state: Set(made.state),
            on_hand: Set(on_hand),
            reserved: Set(0),
        }
        .insert(db)
        .await?;
        event(
            db,
            j.recall.id,
            actor,
            "LOT_ADDED",
            format!(
                "lot {} ({on_hand} made by job {}) {} joined the recall",
                made.lot_number, job.number, j.why
            ),
        )
        .await?;
        if !reopened {
            for c in &cases {
                reopen_case(db, actor, &j.recall, c.clone(), Lost::CustomPart).await?;
            }
            reopened = true;
        }
    }
    let Some(Joining { recall: first, .. }) = joining.values().next() else {
        return Ok(made);
    };
    if made.state == LotState::Recalled {
        return Ok(made);
    }
    inventory::change_state(
        db,
        actor,
        made.id,
        LotState::Recalled,
        &format!("recall {}: {}", first.number, first.reason),
    )
    .await
}
