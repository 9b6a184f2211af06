//! Shipments: a reservation or a lot shipped to a consignee (a clinic or an address).

use super::*;

/// Who receives a shipment, as the caller names it: a clinic by code, or a
/// consignee outside the clinic register by name and address.
#[derive(Debug, Clone, Default)]
pub struct ConsigneeInput {
    pub clinic: Option<String>,
    pub name: Option<String>,
    pub address: Option<String>,
    pub contact: Option<String>,
}

/// Who receives a shipment, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShipTo {
    /// A clinic of the register (its name, address and contact are on file).
    Clinic(i64),
    /// A consignee outside the register: a distributor, a lab, a hospital.
    Named {
        name: String,
        address: String,
        contact: Option<String>,
    },
}

pub(crate) fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Checks who a shipment goes to; `field` is the input's path (e.g.
/// `input.consignee`). Missing, both kinds at once, an unknown clinic, a
/// name without an address, or a name that is a clinic's code is
/// `BAD_USER_INPUT` naming the field.
pub async fn ship_to(
    db: &impl ConnectionTrait,
    c: Option<&ConsigneeInput>,
    field: &str,
) -> AppResult<ShipTo> {
    let missing = || {
        AppError::bad_input(
            field,
            "name who receives the units: a clinic by its code, or a name and address",
        )
    };
    let c = c.ok_or_else(missing)?;
    let (clinic, name, address, contact) = (
        given(&c.clinic),
        given(&c.name),
        given(&c.address),
        given(&c.contact),
    );
    let by_code = |code: String| async move {
        entity::clinic::Entity::find()
            .filter(entity::clinic::Column::Code.eq(code.to_uppercase()))
            .one(db)
            .await
    };
    match (clinic, name) {
        (Some(_), Some(_)) => Err(AppError::bad_input(
            field,
            "give a clinic or a name and address, not both",
        )),
        (Some(code), None) => match by_code(code.clone()).await? {
            Some(cl) => Ok(ShipTo::Clinic(cl.id)),
            None => Err(AppError::bad_input(
                format!("{field}.clinic"),
                format!("no clinic with code `{code}`"),
            )),
        },
        (None, Some(name)) => {
            if name.chars().count() > 200 {
                return Err(AppError::bad_input(
                    format!("{field}.name"),
                    "at most 200 characters",
                ));
            }
            if let Some(cl) = by_code(name.clone()).await? {
                return Err(AppError::bad_input(
                    format!("{field}.name"),
                    format!(
                        "`{name}` is the code of clinic {}: give it as `clinic`",
                        cl.name
                    ),
                ));
            }
            let Some(address) = address else {
                return Err(AppError::bad_input(
                    format!("{field}.address"),
                    "a consignee that is not a clinic needs its address",
                ));
            };
            if address.chars().count() > 500 {
                return Err(AppError::bad_input(
                    format!("{field}.address"),
                    "at most 500 characters",
                ));
            }
            Ok(ShipTo::Named {
                name,
                address,
                contact,
            })
        }
        (None, None) => Err(missing()),
    }
}

/// Ships a reservation's units out to a consignee; the lot must be released
/// and unexpired. The lot's row is held first, then the reservation's, then
/// the balance's: the order every path takes them in.
pub async fn ship_reservation(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    to: &ShipTo,
) -> AppResult<reservation::Model> {
    let r = reservation::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("reservation", id.to_string()))?;
    lock_lots(db, &[r.lot_id]).await?;
    let r = open_reservation(db, id).await?;
    let l = lot(db, r.lot_id).await?;
    let mut s = effective_state(&l, today());
    if s == EffectiveState::Released && !hold_released(db, l.id).await? {
        s = effective_state(&lot(db, l.id).await?, today());
    }
    if s != EffectiveState::Released {
        return Err(AppError::bad_input(
            "reservationId",
            format!(
                "lot {} is {s}: only released, unexpired stock ships",
                l.lot_number
            ),
        ));
    }
    ledger::unreserve(db, r.lot_id, r.location_id, r.quantity, true).await?;
    let m = ledger::record(
        db,
        actor,
        &Move {
            lot_id: r.lot_id,
            from: Some(r.location_id),
            to: None,
            quantity: r.quantity,
            reason: MovementReason::Shipment,
            reference: &r.reference.clone(),
            note: Some(format!("reservation {id}")),
        },
    )
    .await?;
    let (clinic_id, name, address, contact) = match to {
        ShipTo::Clinic(c) => (Some(*c), None, None, None),
        ShipTo::Named {
            name,
            address,
            contact,
        } => (
            None,
            Some(name.clone()),
            Some(address.clone()),
            contact.clone(),
        ),
    };
    entity::shipment::ActiveModel {
        movement_id: Set(m.id),
        reservation_id: Set(Some(r.id)),
        clinic_id: Set(clinic_id),
        consignee_name: Set(name),
        consignee_address: Set(address),
        consignee_contact: Set(contact),
        created_at: Set(m.at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    close(db, r, ReservationStatus::Shipped).await
}
