//! Fulfilment: ship, return, close, cancel.

use super::*;

/// Ships a case: its reserved unit, or its custom job's released part,
/// leaves through the ledger as a SHIPMENT referencing the case.
pub async fn ship_case(
    db: &impl ConnectionTrait,
    actor: &Actor,
    c: clinical_case::Model,
) -> AppResult<clinical_case::Model> {
    let (reservation_id, lot_id) = match (c.status, c.reservation_id, c.job_id) {
        (CaseStatus::Reserved, Some(r), _) => {
            let res = entity::reservation::Entity::find_by_id(r)
                .one(db)
                .await?
                .ok_or_else(|| AppError::not_found("reservation", r.to_string()))?;
            (r, res.lot_id)
        }
        (CaseStatus::InProduction, _, Some(j)) => {
            let job = production_job::Entity::find_by_id(j)
                .one(db)
                .await?
                .ok_or_else(|| AppError::not_found("production job", j.to_string()))?;
            let Some(lot_id) = job
                .finished_lot_id
                .filter(|_| job.status == JobStatus::Done)
            else {
                return Err(AppError::bad_input(
                    "caseId",
                    format!(
                        "case {}'s part is not made yet (job {} is {})",
                        c.number, job.number, job.status
                    ),
                ));
            };
            let l = inventory::lot(db, lot_id).await?;
            if effective_state(&l, today()) != EffectiveState::Released {
                return Err(AppError::bad_input(
                    "caseId",
                    format!(
                        "lot {} is {}: release it before shipping",
                        l.lot_number,
                        effective_state(&l, today())
                    ),
                ));
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
                ErrorCode::BadUserInput => AppError::bad_input(
                    "caseId",
                    format!(
                        "lot {} cannot ship: {} (is it on a stock shelf?)",
                        l.lot_number,
                        e.reason()
                    ),
                ),
                _ => e,
            })?;
            let r = res
                .first()
                .ok_or_else(|| AppError::Internal("reservation not made".into()))?;
            (r.id, lot_id)
        }
        _ => {
            return Err(AppError::refused(Refusal::StateNotAllowed {
                what: "case",
                name: c.number,
                state: c.status.to_string(),
                rule: "; only a RESERVED case or one IN_PRODUCTION with its part released ships"
                    .into(),
            }));
        }
    };
    inventory::ship_reservation(
        db,
        actor,
        reservation_id,
        &inventory::ShipTo::Clinic(c.clinic_id),
    )
    .await
    .map_err(|e| e.at("caseId"))?;
    let now = Utc::now();
    let mut am = c.into_active_model();
    am.status = Set(CaseStatus::Shipped);
    am.reservation_id = Set(Some(reservation_id));
    am.shipped_lot_id = Set(Some(lot_id));
    am.shipped_at = Set(Some(now));
    am.updated_at = Set(now);
    Ok(am.update(db).await?)
}

/// Takes a shipped case's unit back: one unit of the shipped lot enters the
/// first QUARANTINE location through the ledger (RETURN, reference = case
/// number, linked to the shipment's reservation), where it cannot be
/// promised until quality decides. The case is CLOSED with the reason.
pub async fn return_case(
    db: &impl ConnectionTrait,
    actor: &Actor,
    c: clinical_case::Model,
    reason: &str,
) -> AppResult<clinical_case::Model> {
    let reason = required(reason, "reason")?;
    let (CaseStatus::Shipped, Some(lot_id)) = (c.status, c.shipped_lot_id) else {
        return Err(AppError::refused(Refusal::StateNotAllowed {
            what: "case",
            name: c.number,
            state: c.status.to_string(),
            rule: "; only a SHIPPED case can be returned".into(),
        }));
    };
    // The unit may already have come back (or been confirmed implanted)
    // under a recall: it cannot come back twice.
    let clinic = clinic::Entity::find_by_id(c.clinic_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("clinic", c.clinic_id.to_string()))?;
    if crate::quality::recall::units_out(db, &clinic.code, lot_id).await? < 1 {
        return Err(AppError::Conflict(format!(
            "case {}'s unit is already returned or confirmed used under a recall",
            c.number
        )));
    }
    let cage = location::Entity::find()
        .filter(location::Column::LocationType.eq(LocationType::Quarantine))
        .order_by_asc(location::Column::Code)
        .one(db)
        .await?
        .ok_or_else(|| AppError::Conflict("no QUARANTINE location to take returns into".into()))?;
    ledger::apply(
        db,
        actor,
        ledger::Move {
            lot_id,
            from: None,
            to: Some(cage.id),
            quantity: 1,
            reason: MovementReason::Return,
            reference: &c.number,
            note: Some(format!(
                "return of the shipment of case {} (reservation {}): {reason}",
                c.number,
                c.reservation_id.unwrap_or_default()
            )),
        },
    )
    .await?;
    let mut am = c.into_active_model();
    am.status = Set(CaseStatus::Closed);
    am.status_reason = Set(Some(format!("returned: {reason}")));
    am.updated_at = Set(Utc::now());
    Ok(am.update(db).await?)
}

/// Closes a shipped case (delivered, nothing more expected).
pub async fn close_case(
    db: &impl ConnectionTrait,
    c: clinical_case::Model,
) -> AppResult<clinical_case::Model> {
    if c.status != CaseStatus::Shipped {
        return Err(AppError::refused(Refusal::StateNotAllowed {
            what: "case",
            name: c.number,
            state: c.status.to_string(),
            rule: "; only a SHIPPED case can be closed".into(),
        }));
    }
    let mut am = c.into_active_model();
    am.status = Set(CaseStatus::Closed);
    am.updated_at = Set(Utc::now());
    Ok(am.update(db).await?)
}

/// Cancels a case: releases its reservation or cancels its job if it has
/// not started.
pub async fn cancel_case(
    db: &impl ConnectionTrait,
    actor: &Actor,
    c: clinical_case::Model,
    reason: &str,
) -> AppResult<clinical_case::Model> {
    let reason = required(reason, "reason")?;
    match (c.status, c.reservation_id, c.job_id) {
        (CaseStatus::Open, _, _) => {}
        (CaseStatus::Reserved, Some(r), _) => {
            inventory::release_reservation(db, actor, r).await?;
        }
        (CaseStatus::InProduction, _, Some(j)) => {
            mfg::cancel_job(db, j, &format!("case {} cancelled: {reason}", c.number)).await?;
        }
        _ => {
            return Err(AppError::refused(Refusal::StateNotAllowed {
                what: "case",
                name: c.number,
                state: c.status.to_string(),
                rule: " and cannot be cancelled".into(),
            }));
        }
    }
    let mut am = c.into_active_model();
    am.status = Set(CaseStatus::Cancelled);
    am.status_reason = Set(Some(reason));
    am.updated_at = Set(Utc::now());
    Ok(am.update(db).await?)
}
