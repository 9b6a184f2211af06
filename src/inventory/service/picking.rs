//! Picking: a reservation's units taken from their location for packing,
//! checked against the label of the unit in hand. A unit of another lot is
//! refused, so what leaves the shelf is what was promised; the pick is a
//! ledger row (PICK) and moves nothing — the units stay on hand and
//! reserved at their location until the reservation ships.

use super::*;

/// Picks an open reservation: `code` is the scanned label of a unit in
/// hand (raw GS1 with GS separators, bracketed, or a Digital Link URI). A
/// label of another lot or SKU, or one without GTIN or lot, is
/// `BAD_USER_INPUT` on `code` naming both lots; a reservation that is not
/// open, or whose lot is not released and unexpired now, is
/// `BAD_USER_INPUT` on `reservationId` (fields relative to the caller's
/// input). Returns the PICK row.
pub async fn pick_reservation(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    code: &str,
) -> AppResult<stock_movement::Model> {
    let r = reservation::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("reservation", id.to_string()))?;
    lock_lots(db, &[r.lot_id]).await?;
    let r = reservation::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("reservation", id.to_string()))?;
    if r.status != ReservationStatus::Open {
        return Err(AppError::bad_input(
            "reservationId",
            format!(
                "reservation {id} is {}: only open reservations are picked",
                r.status
            ),
        ));
    }
    let l = lot(db, r.lot_id).await?;
    let s = effective_state(&l, today());
    if s != EffectiveState::Released {
        return Err(AppError::bad_input(
            "reservationId",
            format!(
                "lot {} is {s}: a blocked lot is not picked (it cannot ship)",
                l.lot_number
            ),
        ));
    }
    let scan = crate::inventory::gs1::parse(code)
        .map_err(|e| AppError::bad_input("code", e.to_string()))?;
    let (Some(gtin), Some(number)) = (scan.gtin.as_deref(), scan.lot.as_deref()) else {
        return Err(AppError::bad_input(
            "code",
            "scan the unit's label: it must carry the GTIN (01) and the lot (10)",
        ));
    };
    let it = item::Entity::find_by_id(l.item_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::Internal(format!("lot {} has no item", l.id)))?;
    let sku = match it.sku_id {
        Some(s) => abutment_sku::Entity::find_by_id(s).one(db).await?,
        None => None,
    };
    let ours = sku.as_ref().map(|s| s.gtin.as_str());
    if ours != Some(gtin) || number != l.lot_number {
        let what = match ours {
            Some(g) if g == gtin => format!("lot {number}"),
            _ => format!("lot {number} of GTIN {gtin}"),
        };
        return Err(AppError::bad_input(
            "code",
            format!(
                "the unit scanned is {what}, but reservation {id} is for lot {} of {}: put it back and take a unit of lot {}",
                l.lot_number, it.code, l.lot_number
            ),
        ));
    }
    ledger::record(
        db,
        actor,
        &Move {
            lot_id: r.lot_id,
            from: Some(r.location_id),
            to: Some(r.location_id),
            quantity: r.quantity,
            reason: MovementReason::Pick,
            reference: &r.reference,
            note: Some(format!("reservation {id}: label of lot {number} scanned")),
        },
    )
    .await
}
