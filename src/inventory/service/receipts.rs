//! Receipts: finished lots, bar and blanks received into quarantine, and lots made by production; the checks of lot numbers and dates.

use super::*;

pub(crate) fn check_qty(q: i64, field: &str) -> AppResult<()> {
    crate::quantity::STOCK.check(q, field).map(|_| ())
}

/// A production date is not in the future. "Today" is taken in the zone
/// furthest ahead of UTC (UTC+14), so a lot made today anywhere passes.
pub fn check_production_date(d: NaiveDate, field: &str) -> AppResult<()> {
    let latest = (Utc::now() + chrono::Duration::hours(14)).date_naive();
    if d > latest {
        return Err(AppError::bad_input(
            field,
            format!("{d} is in the future; a lot cannot have been made yet"),
        ));
    }
    Ok(())
}

pub(crate) fn check_lot_number(n: &str) -> AppResult<String> {
    let n = n.trim();
    if n.is_empty() || n.len() > 20 || !n.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(AppError::bad_input(
            "lotNumber",
            "must be 1–20 printable characters without spaces (it goes into the GS1 barcode)",
        ));
    }
    Ok(n.to_owned())
}

/// A lot number that goes into a GS1 code (AI 10 of the UDI): 1–20
/// characters of GS1 character set 82. The refusal names the first
/// offending character and its 0-based position.
pub fn check_gs1_lot_number(n: &str, field: &str) -> AppResult<String> {
    let n = n.trim();
    crate::inventory::gs1::check_value("10", n).map_err(|e| {
        let at = if n.is_empty() || e.message.contains("long") {
            String::new()
        } else {
            format!(" at position {} (counted from 0)", e.position)
        };
        AppError::bad_input(
            field,
            format!(
                "{}{at}: a lot number goes into the GS1 barcode (AI 10), which allows 1–20 characters of GS1 character set 82: A–Z a–z 0–9 and ! \" % & ' ( ) * + , - . / : ; < = > ? _",
                e.message
            ),
        )
    })?;
    Ok(n.to_owned())
}

/// An expiry date that a GS1 label can carry: `YYMMDD` read back by the
/// sliding window, i.e. at most 50 years ahead.
pub(crate) fn check_gs1_expiry(e: NaiveDate, field: &str) -> AppResult<()> {
    use chrono::Datelike;
    let year = Utc::now().year();
    if !crate::inventory::gs1::fits_sliding_window(e, year) {
        return Err(AppError::bad_input(
            field,
            format!(
                "{e} cannot be written on a GS1 label: a YYMMDD date is read within {} to {}",
                year - 49,
                year + 50
            ),
        ));
    }
    Ok(())
}

pub(crate) async fn receiving_location(
    db: &impl ConnectionTrait,
    code: &str,
) -> AppResult<location::Model> {
    let loc = location_by_code(db, code, "location").await?;
    if loc.location_type != LocationType::Receiving {
        return Err(AppError::bad_input(
            "location",
            format!(
                "`{}` is a {} location; lots are received into a RECEIVING location",
                loc.code, loc.location_type
            ),
        ));
    }
    Ok(loc)
}

pub(crate) async fn new_lot(
    db: &impl ConnectionTrait,
    item: &item::Model,
    number: &str,
    mut am: lot::ActiveModel,
) -> AppResult<lot::Model> {
    if lot::Entity::find()
        .filter(lot::Column::ItemId.eq(item.id))
        .filter(lot::Column::LotNumber.eq(number))
        .one(db)
        .await?
        .is_some()
    {
        return Err(AppError::bad_input(
            "lotNumber",
            format!("lot `{number}` of {} exists already", item.code),
        ));
    }
    let now = Utc::now();
    am.item_id = Set(item.id);
    am.lot_number = Set(number.to_owned());
    am.state = Set(LotState::Quarantine);
    am.created_at = Set(now);
    am.updated_at = Set(now);
    Ok(am.insert(db).await?)
}

/// Where a new lot goes and why.
pub(crate) struct Receipt<'a> {
    pub(crate) reason: MovementReason,
    pub(crate) location_id: i64,
    pub(crate) quantity: i64,
    pub(crate) reference: &'a str,
    pub(crate) note: Option<String>,
}

/// Creates a lot in quarantine and books its receipt.
pub(crate) async fn receive_lot(
    db: &impl ConnectionTrait,
    actor: &Actor,
    item: &item::Model,
    number: &str,
    am: lot::ActiveModel,
    r: Receipt<'_>,
) -> AppResult<lot::Model> {
    let l = new_lot(db, item, number, am).await?;
    ledger::apply(
        db,
        actor,
        Move {
            lot_id: l.id,
            from: None,
            to: Some(r.location_id),
            quantity: r.quantity,
            reason: r.reason,
            reference: r.reference,
            note: r.note,
        },
    )
    .await?;
    Ok(l)
}

/// Creates a lot made by a production job, in quarantine, and books its
/// output into `location_id` (reason `PRODUCTION_OUTPUT`, reference the job).
#[allow(clippy::too_many_arguments)] // the lot, where it goes and why
pub async fn produce_lot(
    db: &impl ConnectionTrait,
    actor: &Actor,
    item: &item::Model,
    number: &str,
    am: lot::ActiveModel,
    location_id: i64,
    quantity: i64,
    reference: &str,
) -> AppResult<lot::Model> {
    let receipt = Receipt {
        reason: MovementReason::ProductionOutput,
        location_id,
        quantity,
        reference,
        note: None,
    };
    receive_lot(db, actor, item, number, am, receipt).await
}

/// A finished lot to receive (opening stock or a purchase).
#[derive(Debug, Clone)]
pub struct ReceiveFinished {
    pub article_number: String,
    pub lot_number: String,
    pub quantity: i64,
    pub location: String,
    pub production_date: NaiveDate,
    /// Defaults, for a sterile SKU, to production date + shelf life.
    pub expiry_date: Option<NaiveDate>,
    pub reference: String,
}

/// Receives a finished lot into quarantine; its UDI is GTIN + lot.
pub async fn receive_finished(
    db: &impl ConnectionTrait,
    actor: &Actor,
    r: &ReceiveFinished,
) -> AppResult<lot::Model> {
    let sku = sku_by_article(db, &r.article_number, "articleNumber").await?;
    let number = check_gs1_lot_number(&r.lot_number, "lotNumber")?;
    check_qty(r.quantity, "quantity")?;
    check_production_date(r.production_date, "productionDate")?;
    let loc = receiving_location(db, &r.location).await?;
    let expiry = match (r.expiry_date, sku.sterile, sku.shelf_life_months) {
        (Some(e), _, _) => Some(e),
        (None, true, Some(m)) => r.production_date.checked_add_months(Months::new(m as u32)),
        _ => None,
    };
    if let Some(e) = expiry
        && e <= r.production_date
    {
        return Err(AppError::bad_input(
            "expiryDate",
            "must be after the production date",
        ));
    }
    if let Some(e) = expiry {
        check_gs1_expiry(e, "expiryDate")?;
    }
    let item = finished_item(db, &sku).await?;
    let udi = crate::inventory::gs1::udi(&sku.gtin, &number, expiry);
    let receipt = Receipt {
        reason: MovementReason::Receipt,
        location_id: loc.id,
        quantity: r.quantity,
        reference: &r.reference,
        note: None,
    };
    receive_lot(
        db,
        actor,
        &item,
        &number,
        lot::ActiveModel {
            production_date: Set(Some(r.production_date)),
            expiry_date: Set(expiry),
            udi: Set(Some(udi)),
            ..Default::default()
        },
        receipt,
    )
    .await
}

/// A titanium bar lot to receive, with its mill certificate.
#[derive(Debug, Clone)]
pub struct ReceiveBar {
    pub heat_number: String,
    pub lot_number: String,
    pub mill: String,
    pub standard: String,
    pub grade: Material,
    pub diameter_mm: rust_decimal::Decimal,
    pub bar_length_mm: i32,
    pub bars: i64,
    pub certificate_type: String,
    pub certificate_ref: String,
    pub chemistry: Option<String>,
    pub mechanical: Option<String>,
    pub location: String,
    pub reference: String,
}

/// Receives bar stock into quarantine; quantity is bars × length in mm.
pub async fn receive_bar(
    db: &impl ConnectionTrait,
    actor: &Actor,
    r: &ReceiveBar,
) -> AppResult<lot::Model> {
    let number = check_lot_number(&r.lot_number)?;
    if r.heat_number.trim().is_empty() {
        return Err(AppError::bad_input("heatNumber", "is required"));
    }
    crate::quantity::BARS.check(r.bars, "bars")?;
    crate::quantity::BAR_LENGTH_MM.check(i64::from(r.bar_length_mm), "barLengthMm")?;
    if !(10..=6000).contains(&r.bar_length_mm) {
        return Err(AppError::bad_input("barLengthMm", "must be 10–6000 mm"));
    }
    let diameter_um = units::to_milli(
        r.diameter_mm,
        "diameterMm",
        "mm",
        rust_decimal::Decimal::new(3, 0),
        rust_decimal::Decimal::new(40, 0),
    )?;
    let cert = r
        .certificate_type
        .trim()
        .to_uppercase()
        .replace("EN 10204 ", "");
    if cert != "3.1" && cert != "3.2" {
        return Err(AppError::bad_input(
            "certificateType",
            "must be EN 10204 3.1 or 3.2",
        ));
    }
    let loc = receiving_location(db, &r.location).await?;
    let grade = sea_orm::ActiveEnum::to_value(&r.grade);
    let dia = units::from_milli(diameter_um);
    let code = bar_code(r.grade, diameter_um);
    let item = get_or_create_item(db, &code, || item::ActiveModel {
        kind: Set(ItemKind::Bar),
        code: Set(code.clone()),
        name: Set(format!("{grade} bar Ø{dia} mm")),
        unit: Set(StockUnit::Mm),
        sku_id: Set(None),
        platform_id: Set(None),
        reorder_point: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .await?;
    let receipt = Receipt {
        reason: MovementReason::Receipt,
        location_id: loc.id,
        quantity: r.bars * i64::from(r.bar_length_mm),
        reference: &r.reference,
        note: Some(format!("{} bars × {} mm", r.bars, r.bar_length_mm)),
    };
    receive_lot(
        db,
        actor,
        &item,
        &number,
        lot::ActiveModel {
            heat_number: Set(Some(r.heat_number.trim().to_owned())),
            mill: Set(Some(r.mill.trim().to_owned())),
            standard: Set(Some(r.standard.trim().to_owned())),
            grade: Set(Some(grade.clone())),
            bar_diameter_um: Set(Some(diameter_um)),
            bar_length_mm: Set(Some(r.bar_length_mm)),
            certificate_type: Set(Some(format!("EN 10204 {cert}"))),
            certificate_ref: Set(Some(r.certificate_ref.trim().to_owned())),
            chemistry: Set(r.chemistry.clone()),
            mechanical: Set(r.mechanical.clone()),
            ..Default::default()
        },
        receipt,
    )
    .await
}

/// A lot of pre-milled blanks to receive.
#[derive(Debug, Clone)]
pub struct ReceiveBlank {
    pub supplier_gtin: String,
    pub supplier_lot: String,
    pub platform: catalog::PlatformRef,
    pub quantity: i64,
    pub location: String,
    pub reference: String,
}

/// Receives blanks into quarantine; the lot number is the supplier's lot.
pub async fn receive_blank(
    db: &impl ConnectionTrait,
    actor: &Actor,
    r: &ReceiveBlank,
) -> AppResult<lot::Model> {
    let g =
        gtin::normalize(&r.supplier_gtin).map_err(|m| AppError::bad_input("supplierGtin", m))?;
    let number = check_gs1_lot_number(&r.supplier_lot, "supplierLot")?;
    check_qty(r.quantity, "quantity")?;
    let platform = catalog::resolve_platform(db, &r.platform).await?;
    let loc = receiving_location(db, &r.location).await?;
    let code = format!("BLANK/{g}");
    let item = get_or_create_item(db, &code, || item::ActiveModel {
        kind: Set(ItemKind::Blank),
        code: Set(code.clone()),
        name: Set(format!("Pre-milled blank {g}")),
        unit: Set(StockUnit::Pcs),
        sku_id: Set(None),
        platform_id: Set(Some(platform.id)),
        reorder_point: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .await?;
    if item.platform_id != Some(platform.id) {
        return Err(AppError::bad_input(
            "platform",
            "this blank GTIN was received for another platform before",
        ));
    }
    let receipt = Receipt {
        reason: MovementReason::Receipt,
        location_id: loc.id,
        quantity: r.quantity,
        reference: &r.reference,
        note: None,
    };
    receive_lot(
        db,
        actor,
        &item,
        &number,
        lot::ActiveModel {
            supplier_gtin: Set(Some(g.clone())),
            supplier_lot: Set(Some(number.clone())),
            udi: Set(Some(crate::inventory::gs1::udi(&g, &number, None))),
            ..Default::default()
        },
        receipt,
    )
    .await
}
