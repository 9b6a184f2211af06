//! Deciding: reserve a unit or book a custom job, for one case or every open one.

use super::*;

/// The option a caller confirms.
#[derive(Debug, Clone, Copy)]
pub enum Choice {
    /// Reserve a unit of this lot.
    Lot(i64),
    /// Mill a custom part.
    Custom,
}

pub(crate) fn check_open(c: &clinical_case::Model) -> AppResult<()> {
    if c.status != CaseStatus::Open {
        return Err(AppError::refused(Refusal::StateNotAllowed {
            what: "case",
            name: c.number.clone(),
            state: c.status.to_string(),
            rule: "; only an OPEN case can be matched".into(),
        }));
    }
    Ok(())
}

/// Confirms an option: reserves one unit of the lot through the ledger, or
/// creates the custom job (the caller reschedules). An option no longer
/// valid (stock taken meanwhile) is `CONFLICT`; confirming the same lot
/// again for a case already reserved from it returns the case unchanged.
pub async fn confirm(
    db: &impl ConnectionTrait,
    actor: &Actor,
    c: clinical_case::Model,
    choice: Choice,
) -> AppResult<clinical_case::Model> {
    if let (Choice::Lot(l), CaseStatus::Reserved, Some(r)) = (choice, c.status, c.reservation_id) {
        let res = entity::reservation::Entity::find_by_id(r).one(db).await?;
        if res.is_some_and(|r| r.lot_id == l) {
            return Ok(c);
        }
    }
    check_open(&c)?;
    let p = policy(db).await?;
    let mut board = EtaBoard::default();
    let m = match_case(db, &c, &p, &mut board).await?;
    apply(db, actor, c, &m, choice, &mut board).await
}

pub(crate) async fn apply(
    db: &impl ConnectionTrait,
    actor: &Actor,
    c: clinical_case::Model,
    m: &Matching,
    choice: Choice,
    board: &mut EtaBoard,
) -> AppResult<clinical_case::Model> {
    let now = Utc::now();
    match choice {
        Choice::Lot(lot_id) => {
            let valid = m
                .options
                .iter()
                .any(|o| o.lot.as_ref().is_some_and(|l| l.id == lot_id));
            if !valid {
                let l = inventory::lot(db, lot_id).await?;
                return Err(AppError::Conflict(format!(
                    "lot {} is no longer an option for case {}: no unit of it is available and fitting now; match again",
                    l.lot_number, c.number
                )));
            }
            let res = inventory::reserve(
                db,
                actor,
                &ReserveRequest {
                    reference: c.number.clone(),
                    quantity: 1,
                    lot_id: Some(lot_id),
                    article_number: None,
                },
            )
            .await
            .map_err(|e| match e.code() {
                ErrorCode::BadUserInput => AppError::Conflict(format!(
                    "stock was taken meanwhile: {}; match again",
                    e.reason()
                )),
                _ => e,
            })?;
            let mut am = c.into_active_model();
            am.status = Set(CaseStatus::Reserved);
            am.decision = Set(Some(CaseDecision::Stock));
            am.reservation_id = Set(res.first().map(|r| r.id));
            am.status_reason = Set(None);
            am.updated_at = Set(now);
            Ok(am.update(db).await?)
        }
        Choice::Custom => {
            if !m.options.iter().any(|o| o.decision == CaseDecision::Custom) {
                let why = m
                    .rejected
                    .iter()
                    .find(|r| r.decision == CaseDecision::Custom)
                    .map_or("not offered".to_owned(), |r| r.reason.clone());
                return Err(AppError::Conflict(format!(
                    "a custom part is not an option for case {}: {why}",
                    c.number
                )));
            }
            // Book the slot its ETA promised, so the next case's ETA (in a
            // batch) sees it; the next reschedule may improve the plan.
            let eta = m
                .options
                .iter()
                .find(|o| o.decision == CaseDecision::Custom)
                .and_then(|o| o.eta.clone());
            if let Some(e) = &eta {
                board.book(e);
            }
            book_custom(db, actor, c, eta, now).await
        }
    }
}

/// Creates a case's custom job, scheduled in the slot its ETA found (when
/// it found one), and puts the case IN_PRODUCTION.
pub(crate) async fn book_custom(
    db: &impl ConnectionTrait,
    actor: &Actor,
    c: clinical_case::Model,
    eta: Option<Eta>,
    now: DateTime<Utc>,
) -> AppResult<clinical_case::Model> {
    let mut job = mfg::create_job(db, actor, &custom_job(&c)).await?;
    if let Some(Eta {
        machine: Some(machine),
        start: Some(start),
        end: Some(end),
        ..
    }) = eta
    {
        let mut am = job.into_active_model();
        am.machine_id = Set(Some(machine.id));
        am.planned_start = Set(Some(start));
        am.planned_end = Set(Some(end));
        am.status = Set(JobStatus::Scheduled);
        job = am.update(db).await?;
    }
    let mut am = c.into_active_model();
    am.status = Set(CaseStatus::InProduction);
    am.decision = Set(Some(CaseDecision::Custom));
    am.job_id = Set(Some(job.id));
    am.status_reason = Set(None);
    am.updated_at = Set(now);
    Ok(am.update(db).await?)
}
