//! Closing a recall: returns and confirmed uses, the reconciliation, closure with justification, events, mock recalls.

use super::*;

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

pub(crate) async fn account(
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
            "quantity",
            format!("must be above 0, got {}", a.quantity),
        ));
    }
    let c = consignee_of(db, &rc, a.consignee_id).await?;
    let open = open_units(db, &rc, &c, a.lot_id).await?;
    if a.quantity > open {
        let l = inventory::lot(db, a.lot_id).await?;
        return Err(AppError::bad_input(
            "quantity",
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
                Some(code) => inventory::location_by_code(db, code, "location").await?,
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
                    "location",
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
            "justification",
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
