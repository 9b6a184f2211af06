//! The inventory mutations' inputs and payloads, and how a receipt's input becomes a receipt.

use super::*;

/// Result of a mutation that changes a lot.
#[derive(SimpleObject)]
pub struct LotPayload {
    /// The lot after the change; null on errors.
    pub lot: Option<Lot>,
    /// What was wrong; nothing changed when non-empty.
    pub user_errors: Vec<UserError>,
}

impl LotPayload {
    pub(crate) fn of(r: Result<lot::Model, Vec<UserError>>) -> Self {
        match r {
            Ok(l) => LotPayload {
                lot: Some(Lot(l)),
                user_errors: vec![],
            },
            Err(e) => LotPayload {
                lot: None,
                user_errors: e,
            },
        }
    }
}

/// Result of a stock movement.
#[derive(SimpleObject)]
pub struct MovementPayload {
    /// The ledger row written; null on errors (and for a count that matched).
    pub movement: Option<StockMovement>,
    /// What was wrong; nothing changed when non-empty.
    pub user_errors: Vec<UserError>,
}

impl MovementPayload {
    pub(crate) fn of(r: Result<Option<stock_movement::Model>, Vec<UserError>>) -> Self {
        match r {
            Ok(m) => MovementPayload {
                movement: m.map(StockMovement),
                user_errors: vec![],
            },
            Err(e) => MovementPayload {
                movement: None,
                user_errors: e,
            },
        }
    }
}

/// Result of a reservation mutation.
#[derive(SimpleObject)]
pub struct ReservationPayload {
    /// The reservations made or changed (FEFO may split over lots); empty on errors.
    pub reservations: Vec<Reservation>,
    /// What was wrong; nothing changed when non-empty.
    pub user_errors: Vec<UserError>,
}

impl ReservationPayload {
    pub(crate) fn of(r: Result<Vec<reservation::Model>, Vec<UserError>>) -> Self {
        match r {
            Ok(v) => ReservationPayload {
                reservations: v.into_iter().map(Reservation).collect(),
                user_errors: vec![],
            },
            Err(e) => ReservationPayload {
                reservations: vec![],
                user_errors: e,
            },
        }
    }
}

/// A new location.
#[derive(InputObject)]
pub struct CreateLocationInput {
    /// Unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Site, zone or bin.
    pub level: LocationLevel,
    /// Its use.
    pub location_type: LocationType,
    /// Code of the enclosing location (none for a site).
    pub parent: Option<String>,
}

/// Result of creating a location.
#[derive(SimpleObject)]
pub struct LocationPayload {
    /// The new location; null on errors.
    pub location: Option<Location>,
    /// What was wrong; nothing changed when non-empty.
    pub user_errors: Vec<UserError>,
}

/// A finished lot to receive.
#[derive(InputObject)]
pub struct ReceiveFinishedLotInput {
    /// The SKU's article number; or give `gtin` or `code`.
    pub article_number: Option<String>,
    /// The SKU's GTIN (8, 12, 13 or 14 digits), instead of the article number.
    pub gtin: Option<String>,
    /// The scanned label, as `scan` reads it (the group separator GS, U+001D, is allowed; at most 500 characters): its GTIN names the SKU, its lot (AI 10), production date (AI 11) and expiry (AI 17) fill the fields not given; a field given that disagrees with the label is refused.
    pub code: Option<String>,
    /// Lot number: 1–20 characters of GS1 character set 82 (it goes into the
    /// UDI); required unless `code` carries one.
    pub lot_number: Option<String>,
    /// Pieces.
    pub quantity: i64,
    /// Code of a RECEIVING location.
    pub location: String,
    /// Production date; required unless `code` carries one (AI 11).
    pub production_date: Option<Date>,
    /// Expiry date; default: the label's (AI 17), else for a sterile SKU
    /// production date + shelf life.
    pub expiry_date: Option<Date>,
    /// Reference document (delivery note, opening stock).
    pub reference: String,
}

/// Turns the mutation's input into a receipt: the SKU from exactly one
/// identity (article number, GTIN or scanned code; several only when they
/// agree), the lot and dates from the input or the label.
pub(crate) async fn receipt_of(
    db: &impl sea_orm::ConnectionTrait,
    input: ReceiveFinishedLotInput,
) -> AppResult<ReceiveFinished> {
    let scan = match &input.code {
        Some(c) => Some(
            crate::inventory::gs1::parse(c)
                .map_err(|e| AppError::bad_input("input.code", e.to_string()))?,
        ),
        None => None,
    };
    let code_gtin =
        match &scan {
            Some(s) => Some(s.gtin.clone().ok_or_else(|| {
                AppError::bad_input("input.code", "the code has no GTIN (AI 01)")
            })?),
            None => None,
        };
    let gtin = match (&input.gtin, code_gtin) {
        (Some(g), from_code) => {
            let g = crate::catalog::gtin::normalize(g)
                .map_err(|m| AppError::bad_input("input.gtin", m))?;
            if let Some(c) = from_code
                && c != g
            {
                return Err(AppError::bad_input(
                    "input.gtin",
                    format!("GTIN {g} differs from the GTIN {c} of the code"),
                ));
            }
            Some((g, "input.gtin"))
        }
        (None, from_code) => from_code.map(|c| (c, "input.code")),
    };
    let article_number = match (&input.article_number, gtin) {
        (Some(a), None) => a.clone(),
        (None, Some((g, field))) => {
            crate::catalog::service::sku_by_code(db, None, Some(&g))
                .await?
                .ok_or_else(|| AppError::bad_input(field, format!("no SKU has GTIN {g}")))?
                .article_number
        }
        (Some(a), Some((g, field))) => {
            let sku = service::sku_by_article(db, a, "input.articleNumber").await?;
            if sku.gtin != g {
                return Err(AppError::bad_input(
                    field,
                    format!(
                        "GTIN {g} is not the GTIN of article {} ({})",
                        sku.article_number, sku.gtin
                    ),
                ));
            }
            a.clone()
        }
        (None, None) => {
            return Err(AppError::bad_input(
                "input.articleNumber",
                "give articleNumber, gtin or code (the scanned label)",
            ));
        }
    };
    let label_lot = scan.as_ref().and_then(|s| s.lot.clone());
    let lot_number = match (input.lot_number, label_lot) {
        (Some(n), Some(l)) if n.trim() != l => {
            return Err(AppError::bad_input(
                "input.lotNumber",
                format!("`{}` differs from the label's lot `{l}`", n.trim()),
            ));
        }
        (Some(n), _) => n,
        (None, Some(l)) => l,
        (None, None) => {
            return Err(AppError::bad_input(
                "input.lotNumber",
                "is required unless the code carries a lot (AI 10)",
            ));
        }
    };
    let pick = |given: Option<NaiveDate>, label: Option<NaiveDate>, field: &str, ai: &str| match (
        given, label,
    ) {
        (Some(g), Some(l)) if g != l => Err(AppError::bad_input(
            field,
            format!("{g} differs from the label's {l} (AI {ai})"),
        )),
        (Some(g), _) => Ok(Some(g)),
        (None, l) => Ok(l),
    };
    let expiry_date = pick(
        input.expiry_date.map(NaiveDate::from),
        scan.as_ref().and_then(|s| s.expiry_date),
        "input.expiryDate",
        "17",
    )?;
    let production_date = pick(
        input.production_date.map(NaiveDate::from),
        scan.as_ref().and_then(|s| s.production_date),
        "input.productionDate",
        "11",
    )?
    .ok_or_else(|| {
        AppError::bad_input(
            "input.productionDate",
            "is required unless the code carries a production date (AI 11)",
        )
    })?;
    Ok(ReceiveFinished {
        article_number,
        lot_number,
        quantity: input.quantity,
        location: input.location,
        production_date,
        expiry_date,
        reference: input.reference,
    })
}

/// A titanium bar lot to receive.
#[derive(InputObject)]
pub struct ReceiveBarLotInput {
    /// The mill's heat number.
    pub heat_number: String,
    /// Our lot number for this delivery.
    pub lot_number: String,
    /// The mill.
    pub mill: String,
    /// Standard, e.g. `ASTM F136`.
    pub standard: String,
    /// Material grade.
    pub grade: Material,
    /// Bar diameter, mm (3–40).
    pub diameter_mm: Decimal,
    /// Length of each bar, mm.
    pub bar_length_mm: i32,
    /// Number of bars; the lot's quantity is bars × length in mm.
    pub bars: i64,
    /// EN 10204 certificate type: `3.1` or `3.2`.
    pub certificate_type: String,
    /// Certificate number or document reference.
    pub certificate_ref: String,
    /// Chemistry results, as on the certificate.
    /// Newlines are allowed; at most 2,000 characters.
    pub chemistry: Option<String>,
    /// Mechanical results, as on the certificate.
    /// Newlines are allowed; at most 2,000 characters.
    pub mechanical: Option<String>,
    /// Code of a RECEIVING location.
    pub location: String,
    /// Reference document (delivery note, purchase order).
    pub reference: String,
}

/// A lot of pre-milled blanks to receive.
#[derive(InputObject)]
pub struct ReceiveBlankLotInput {
    /// The blank maker's GTIN.
    pub supplier_gtin: String,
    /// The blank maker's lot (becomes our lot number).
    pub supplier_lot: String,
    /// Implant system of the pre-machined connection.
    pub system: String,
    /// Platform of the pre-machined connection.
    pub platform: String,
    /// Maker of the system, when the system name is ambiguous.
    pub manufacturer: Option<String>,
    /// Pieces.
    pub quantity: i64,
    /// Code of a RECEIVING location.
    pub location: String,
    /// Reference document.
    pub reference: String,
}

/// Units of a lot to move.
#[derive(InputObject)]
pub struct TransferStockInput {
    /// The lot.
    pub lot_id: ID,
    /// From this location (code).
    pub from: String,
    /// To this location (code).
    pub to: String,
    /// How many.
    pub quantity: i64,
    /// Reference document.
    pub reference: String,
}

/// A cycle count of one lot at one location.
#[derive(InputObject)]
pub struct CountStockInput {
    /// The lot.
    pub lot_id: ID,
    /// The location (code).
    pub location: String,
    /// The quantity the counter was shown; if stock moved since, the count is stale.
    pub expected: i64,
    /// The quantity counted.
    pub counted: i64,
    /// Reference (count sheet).
    pub reference: String,
}

/// Units to scrap.
#[derive(InputObject)]
pub struct ScrapStockInput {
    /// The lot.
    pub lot_id: ID,
    /// The location (code).
    pub location: String,
    /// How many.
    pub quantity: i64,
    /// Why.
    /// Newlines are allowed; at most 2,000 characters.
    pub reason: String,
}

/// A lot state change.
#[derive(InputObject)]
pub struct ChangeLotStateInput {
    /// The lot.
    pub lot_id: ID,
    /// The new state.
    pub state: LotState,
    /// Why (inspection report, deviation number).
    /// Newlines are allowed; at most 2,000 characters.
    pub reason: String,
}

/// Units to reserve.
#[derive(InputObject)]
pub struct ReserveStockInput {
    /// What for: a case or order reference.
    pub reference: String,
    /// How many.
    pub quantity: i64,
    /// Reserve from this lot…
    pub lot_id: Option<ID>,
    /// …or from this SKU's stock, first-expired-first-out.
    pub article_number: Option<String>,
}

/// A reservation to act on.
#[derive(InputObject)]
pub struct ReservationInput {
    /// The reservation.
    pub reservation_id: ID,
}

/// A reservation to pick, and the label of the unit in hand.
#[derive(InputObject)]
pub struct PickReservationInput {
    /// The reservation.
    pub reservation_id: ID,
    /// The label of the unit picked, as the scanner types it (the group separator GS, U+001D, is allowed; at most 500 characters): raw GS1, bracketed or a Digital Link URI. Its GTIN and lot must be the reservation's.
    pub code: String,
}

/// Who receives a shipment: a clinic by its code, or a consignee outside
/// the clinic register (a distributor, a lab, a hospital) by name and
/// address. Give one of the two.
#[derive(InputObject)]
pub struct ShipmentConsigneeInput {
    /// A clinic's code; its name, address and contact are on file.
    pub clinic: Option<String>,
    /// The name of a consignee that is not a clinic (with `address`).
    pub name: Option<String>,
    /// The postal address of a named consignee.
    pub address: Option<String>,
    /// How to reach a named consignee (e-mail or phone), for recall notices.
    pub contact: Option<String>,
}

/// A reservation to ship, and who receives it.
#[derive(InputObject)]
pub struct ShipReservationInput {
    /// The reservation.
    pub reservation_id: ID,
    /// Who receives the units. Required: a shipment without one, or to an
    /// unknown clinic, is refused (`BAD_USER_INPUT` naming the field).
    pub consignee: Option<ShipmentConsigneeInput>,
}

/// A reorder point.
#[derive(InputObject)]
pub struct SetReorderPointInput {
    /// The SKU.
    pub article_number: String,
    /// Pieces; null removes it.
    pub reorder_point: Option<i64>,
}

/// Result of setting a reorder point.
#[derive(SimpleObject)]
pub struct ReorderPointPayload {
    /// The SKU's stock item; null on errors.
    pub item: Option<Item>,
    /// What was wrong; nothing changed when non-empty.
    pub user_errors: Vec<UserError>,
}
