//! Inventory rules: receipts, transfers, counts, scrap, lot states,
//! reservations (a given lot, or first-expired-first-out) and shipments, the
//! quantities users see, and `verify`, which recomputes every balance from
//! the ledger. Every function runs in the caller's transaction.

use std::collections::HashMap;

use chrono::{Months, NaiveDate, Utc};
use entity::{
    abutment_sku,
    enums::{
        ItemKind, LocationLevel, LocationType, LotState, Material, MovementReason,
        ReservationStatus, StockUnit,
    },
    item, location, lot, reservation, stock_balance, stock_movement,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait, JoinType,
    Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, RelationDef, Set,
    sea_query::Expr,
};

use super::{
    Actor, EffectiveState, effective_state,
    ledger::{self, Move},
    today,
};
use crate::{
    catalog::{gtin, service as catalog, units},
    error::{AppError, AppResult},
};

/// A location by its code.
pub async fn location_by_code(
    db: &impl ConnectionTrait,
    code: &str,
    field: &str,
) -> AppResult<location::Model> {
    location::Entity::find()
        .filter(location::Column::Code.eq(code.trim()))
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input(field, format!("unknown location `{}`", code.trim())))
}

/// Creates a location under an optional parent (by code).
pub async fn create_location(
    db: &impl ConnectionTrait,
    code: &str,
    name: &str,
    level: LocationLevel,
    location_type: LocationType,
    parent: Option<&str>,
) -> AppResult<location::Model> {
    let code = code.trim();
    if code.is_empty() || code.len() > 60 {
        return Err(AppError::bad_input("input.code", "must be 1–60 characters"));
    }
    if location::Entity::find()
        .filter(location::Column::Code.eq(code))
        .one(db)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(format!("location `{code}` exists")));
    }
    let parent_id = match parent {
        Some(p) => {
            let p = location_by_code(db, p, "input.parent").await?;
            let ok = matches!(
                (p.level, level),
                (LocationLevel::Site, LocationLevel::Zone)
                    | (LocationLevel::Zone, LocationLevel::Bin)
            );
            if !ok {
                return Err(AppError::bad_input(
                    "input.level",
                    format!(
                        "a {level} cannot sit under a {}; the tree is site → zone → bin",
                        p.level
                    ),
                ));
            }
            Some(p.id)
        }
        None if level != LocationLevel::Site => {
            return Err(AppError::bad_input(
                "input.parent",
                "only a site has no parent",
            ));
        }
        None => None,
    };
    Ok(location::ActiveModel {
        code: Set(code.to_owned()),
        name: Set(name.trim().to_owned()),
        level: Set(level),
        location_type: Set(location_type),
        parent_id: Set(parent_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Every location, by code.
pub async fn locations(
    db: &impl ConnectionTrait,
    page: &crate::paging::Page,
) -> AppResult<(Vec<location::Model>, u64)> {
    use sea_orm::PaginatorTrait;
    let q = location::Entity::find();
    let total = q.clone().count(db).await?;
    let e = location::Entity;
    let order = [
        (
            crate::paging::col((e, location::Column::Code)),
            sea_orm::Order::Asc,
        ),
        (
            crate::paging::col((e, location::Column::Id)),
            sea_orm::Order::Asc,
        ),
    ];
    Ok((page.apply(q, &order).all(db).await?, total))
}

/// The sort key of a location in [`locations`]' order (by code).
pub fn location_key(l: &location::Model) -> crate::paging::Key {
    use crate::paging::KeyVal;
    vec![KeyVal::S(l.code.clone()), KeyVal::I(l.id)]
}

/// The item with `code`, created by `make` when there is none.
pub async fn get_or_create_item(
    db: &impl ConnectionTrait,
    code: &str,
    make: impl FnOnce() -> item::ActiveModel,
) -> AppResult<item::Model> {
    if let Some(i) = item::Entity::find()
        .filter(item::Column::Code.eq(code))
        .one(db)
        .await?
    {
        return Ok(i);
    }
    Ok(make().insert(db).await?)
}

/// The stock item of a SKU (made on first use).
pub async fn finished_item(
    db: &impl ConnectionTrait,
    sku: &abutment_sku::Model,
) -> AppResult<item::Model> {
    if let Some(i) = item::Entity::find()
        .filter(item::Column::SkuId.eq(sku.id))
        .one(db)
        .await?
    {
        return Ok(i);
    }
    get_or_create_item(db, &sku.article_number, || item::ActiveModel {
        kind: Set(ItemKind::Finished),
        code: Set(sku.article_number.clone()),
        name: Set(sku.name.clone()),
        unit: Set(StockUnit::Pcs),
        sku_id: Set(Some(sku.id)),
        platform_id: Set(None),
        reorder_point: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .await
}

/// A SKU by article number, for inventory inputs.
pub async fn sku_by_article(
    db: &impl ConnectionTrait,
    article: &str,
    field: &str,
) -> AppResult<abutment_sku::Model> {
    catalog::sku_by_code(db, Some(article), None)
        .await?
        .ok_or_else(|| AppError::bad_input(field, format!("unknown SKU `{article}`")))
}

fn check_qty(q: i64, field: &str) -> AppResult<()> {
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

fn check_lot_number(n: &str) -> AppResult<String> {
    let n = n.trim();
    if n.is_empty() || n.len() > 20 || !n.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(AppError::bad_input(
            "input.lotNumber",
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
    super::gs1::check_value("10", n).map_err(|e| {
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
fn check_gs1_expiry(e: NaiveDate, field: &str) -> AppResult<()> {
    use chrono::Datelike;
    let year = Utc::now().year();
    if !super::gs1::fits_sliding_window(e, year) {
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

async fn receiving_location(db: &impl ConnectionTrait, code: &str) -> AppResult<location::Model> {
    let loc = location_by_code(db, code, "input.location").await?;
    if loc.location_type != LocationType::Receiving {
        return Err(AppError::bad_input(
            "input.location",
            format!(
                "`{}` is a {} location; lots are received into a RECEIVING location",
                loc.code, loc.location_type
            ),
        ));
    }
    Ok(loc)
}

async fn new_lot(
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
            "input.lotNumber",
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
struct Receipt<'a> {
    reason: MovementReason,
    location_id: i64,
    quantity: i64,
    reference: &'a str,
    note: Option<String>,
    key: Option<&'a str>,
}

/// Creates a lot in quarantine and books its receipt.
async fn receive_lot(
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
            idempotency_key: r.key,
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
        key: None,
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
    key: Option<&str>,
) -> AppResult<lot::Model> {
    let sku = sku_by_article(db, &r.article_number, "input.articleNumber").await?;
    let number = check_gs1_lot_number(&r.lot_number, "input.lotNumber")?;
    check_qty(r.quantity, "input.quantity")?;
    check_production_date(r.production_date, "input.productionDate")?;
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
            "input.expiryDate",
            "must be after the production date",
        ));
    }
    if let Some(e) = expiry {
        check_gs1_expiry(e, "input.expiryDate")?;
    }
    let item = finished_item(db, &sku).await?;
    let udi = super::gs1::udi(&sku.gtin, &number, expiry);
    let receipt = Receipt {
        reason: MovementReason::Receipt,
        location_id: loc.id,
        quantity: r.quantity,
        reference: &r.reference,
        note: None,
        key,
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
    key: Option<&str>,
) -> AppResult<lot::Model> {
    let number = check_lot_number(&r.lot_number)?;
    if r.heat_number.trim().is_empty() {
        return Err(AppError::bad_input("input.heatNumber", "is required"));
    }
    crate::quantity::BARS.check(r.bars, "input.bars")?;
    crate::quantity::BAR_LENGTH_MM.check(i64::from(r.bar_length_mm), "input.barLengthMm")?;
    if !(10..=6000).contains(&r.bar_length_mm) {
        return Err(AppError::bad_input(
            "input.barLengthMm",
            "must be 10–6000 mm",
        ));
    }
    let diameter_um = units::to_milli(
        r.diameter_mm,
        "input.diameterMm",
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
            "input.certificateType",
            "must be EN 10204 3.1 or 3.2",
        ));
    }
    let loc = receiving_location(db, &r.location).await?;
    let grade = sea_orm::ActiveEnum::to_value(&r.grade);
    let dia = units::from_milli(diameter_um);
    let code = format!("BAR/{grade}/{dia}");
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
        key,
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
    key: Option<&str>,
) -> AppResult<lot::Model> {
    let g = gtin::normalize(&r.supplier_gtin)
        .map_err(|m| AppError::bad_input("input.supplierGtin", m))?;
    let number = check_gs1_lot_number(&r.supplier_lot, "input.supplierLot")?;
    check_qty(r.quantity, "input.quantity")?;
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
            "input.platform",
            "this blank GTIN was received for another platform before",
        ));
    }
    let receipt = Receipt {
        reason: MovementReason::Receipt,
        location_id: loc.id,
        quantity: r.quantity,
        reference: &r.reference,
        note: None,
        key,
    };
    receive_lot(
        db,
        actor,
        &item,
        &number,
        lot::ActiveModel {
            supplier_gtin: Set(Some(g.clone())),
            supplier_lot: Set(Some(number.clone())),
            udi: Set(Some(super::gs1::udi(&g, &number, None))),
            ..Default::default()
        },
        receipt,
    )
    .await
}

/// A lot by row id.
pub async fn lot(db: &impl ConnectionTrait, id: i64) -> AppResult<lot::Model> {
    lot::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("lot", id.to_string()))
}

/// Moves free units of a lot between locations.
#[allow(clippy::too_many_arguments)] // one per input field of the mutation
pub async fn transfer(
    db: &impl ConnectionTrait,
    actor: &Actor,
    lot_id: i64,
    from: &str,
    to: &str,
    qty: i64,
    reference: &str,
    key: Option<&str>,
) -> AppResult<stock_movement::Model> {
    lock_lots(db, &[lot_id]).await?;
    let l = lot(db, lot_id).await?;
    check_qty(qty, "input.quantity")?;
    let from = location_by_code(db, from, "input.from").await?;
    let to = location_by_code(db, to, "input.to").await?;
    if from.id == to.id {
        return Err(AppError::bad_input(
            "input.to",
            "is the same location as `from`",
        ));
    }
    if to.location_type == LocationType::Stock && l.state != LotState::Released {
        return Err(AppError::bad_input(
            "input.to",
            format!(
                "lot {} is {}: only released lots go into STOCK locations",
                l.lot_number, l.state
            ),
        ));
    }
    ledger::apply(
        db,
        actor,
        Move {
            lot_id,
            from: Some(from.id),
            to: Some(to.id),
            quantity: qty,
            reason: MovementReason::Transfer,
            reference,
            note: None,
            idempotency_key: key,
        },
    )
    .await
}

/// Records a cycle count. `expected` is what the counter was shown; when the
/// location holds something else now, the count is stale (`CONFLICT`).
#[allow(clippy::too_many_arguments)] // one per input field of the mutation
pub async fn count(
    db: &impl ConnectionTrait,
    actor: &Actor,
    lot_id: i64,
    location: &str,
    expected: i64,
    counted: i64,
    reference: &str,
    key: Option<&str>,
) -> AppResult<Option<stock_movement::Model>> {
    lock_lots(db, &[lot_id]).await?;
    lot(db, lot_id).await?;
    crate::quantity::COUNT.check(expected, "input.expected")?;
    crate::quantity::COUNT.check(counted, "input.counted")?;
    let loc = location_by_code(db, location, "input.location").await?;
    let (on_hand, reserved) = ledger::balance(db, lot_id, loc.id).await?;
    if on_hand != expected {
        return Err(AppError::Conflict(format!(
            "stale count: you expected {expected} but the location now holds {on_hand}; count again"
        )));
    }
    if counted < reserved {
        return Err(AppError::bad_input(
            "input.counted",
            format!(
                "{reserved} units here are reserved; release or ship those reservations before counting fewer"
            ),
        ));
    }
    let diff = counted - on_hand;
    if diff == 0 {
        return Ok(None);
    }
    let (from, to) = if diff < 0 {
        (Some(loc.id), None)
    } else {
        (None, Some(loc.id))
    };
    let note = Some(format!("counted {counted}, system had {on_hand}"));
    Ok(Some(
        ledger::apply(
            db,
            actor,
            Move {
                lot_id,
                from,
                to,
                quantity: diff.abs(),
                reason: MovementReason::Adjustment,
                reference,
                note,
                idempotency_key: key,
            },
        )
        .await?,
    ))
}

/// Scraps free units of a lot at a location.
pub async fn scrap(
    db: &impl ConnectionTrait,
    actor: &Actor,
    lot_id: i64,
    location: &str,
    qty: i64,
    reason_text: &str,
    key: Option<&str>,
) -> AppResult<stock_movement::Model> {
    lock_lots(db, &[lot_id]).await?;
    lot(db, lot_id).await?;
    check_qty(qty, "input.quantity")?;
    if reason_text.trim().is_empty() {
        return Err(AppError::bad_input(
            "input.reason",
            "say why the units are scrapped",
        ));
    }
    let loc = location_by_code(db, location, "input.location").await?;
    ledger::apply(
        db,
        actor,
        Move {
            lot_id,
            from: Some(loc.id),
            to: None,
            quantity: qty,
            reason: MovementReason::Scrap,
            reference: reason_text.trim(),
            note: None,
            idempotency_key: key,
        },
    )
    .await
}

/// Allowed state changes (EXPIRED is derived, never set).
fn transition_allowed(from: LotState, to: LotState) -> bool {
    use LotState::*;
    matches!(
        (from, to),
        (Quarantine, Released | OnHold | Rejected | Recalled)
            | (Released, OnHold | Rejected | Recalled)
            | (OnHold, Released | Rejected | Recalled)
            | (Rejected, Recalled)
    )
}

/// Changes a lot's state with a reason; a ledger row records it.
pub async fn change_state(
    db: &impl ConnectionTrait,
    actor: &Actor,
    lot_id: i64,
    to: LotState,
    reason: &str,
) -> AppResult<lot::Model> {
    let l = lot(db, lot_id).await?;
    if reason.trim().is_empty() {
        return Err(AppError::bad_input(
            "input.reason",
            "say why the state changes",
        ));
    }
    if !transition_allowed(l.state, to) {
        return Err(AppError::bad_input(
            "input.state",
            format!("a {} lot cannot become {to}", l.state),
        ));
    }
    if to == LotState::Released && effective_state(&l, today()) == EffectiveState::Expired {
        return Err(AppError::bad_input(
            "input.state",
            format!(
                "lot {} expired on {}: an expired lot cannot be released",
                l.lot_number,
                l.expiry_date.map(|d| d.to_string()).unwrap_or_default()
            ),
        ));
    }
    // Summed here: SUM(bigint) is NUMERIC on PostgreSQL but INTEGER on SQLite.
    let total: i64 = stock_balance::Entity::find()
        .filter(stock_balance::Column::LotId.eq(lot_id))
        .all(db)
        .await?
        .iter()
        .map(|b| b.on_hand)
        .sum();
    let from = l.state;
    // Conditional on the state read above: a concurrent change (another
    // recall, a release) makes this one a conflict instead of a lost update.
    let changed = lot::Entity::update_many()
        .col_expr(lot::Column::State, Expr::value(to))
        .col_expr(lot::Column::StateReason, Expr::value(reason.trim()))
        .col_expr(lot::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(lot::Column::Id.eq(lot_id))
        .filter(lot::Column::State.eq(from))
        .exec(db)
        .await?;
    if changed.rows_affected != 1 {
        return Err(AppError::Conflict(format!(
            "lot {} changed state meanwhile; read it again",
            l.lot_number
        )));
    }
    let l = lot(db, lot_id).await?;
    ledger::record(
        db,
        actor,
        &Move {
            lot_id,
            from: None,
            to: None,
            quantity: total,
            reason: MovementReason::StateChange,
            reference: reason.trim(),
            note: Some(format!("{from} → {to}")),
            idempotency_key: None,
        },
    )
    .await?;
    Ok(l)
}

/// Holds the lot's row (PostgreSQL row lock, until the transaction ends) if
/// it is still RELEASED, so a state change such as a recall cannot slip
/// between the check and a reservation or shipment; false when it is no
/// longer released.
pub async fn hold_released(db: &impl ConnectionTrait, lot_id: i64) -> AppResult<bool> {
    let r = lot::Entity::update_many()
        .col_expr(lot::Column::UpdatedAt, Expr::col(lot::Column::UpdatedAt))
        .filter(lot::Column::Id.eq(lot_id))
        .filter(lot::Column::State.eq(LotState::Released))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Holds the rows of these lots until the transaction ends (PostgreSQL),
/// taken in ascending id order: every path that holds several lot rows (an
/// activation, a reservation over several lots) takes them in this one
/// order, so two of them wait for each other instead of deadlocking.
/// SQLite write transactions are serial already.
pub async fn lock_lots(db: &impl ConnectionTrait, ids: &[i64]) -> AppResult<()> {
    if db.get_database_backend() != sea_orm::DbBackend::Postgres || ids.is_empty() {
        return Ok(());
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(10_000) {
        lot::Entity::find()
            .select_only()
            .column(lot::Column::Id)
            .filter(lot::Column::Id.is_in(chunk.iter().copied()))
            .order_by_asc(lot::Column::Id)
            .lock(sea_orm::sea_query::LockType::NoKeyUpdate)
            .into_tuple::<i64>()
            .all(db)
            .await?;
    }
    Ok(())
}

/// What to reserve: a given lot, or a SKU picked first-expired-first-out.
#[derive(Debug, Clone)]
pub struct ReserveRequest {
    pub reference: String,
    pub quantity: i64,
    pub lot_id: Option<i64>,
    pub article_number: Option<String>,
}

/// One free balance that can be promised.
#[derive(Debug, Clone)]
struct Candidate {
    lot_id: i64,
    location_id: i64,
    /// Units free when it was read.
    free: i64,
}

/// Usable stock: released, unexpired lots in STOCK locations, FEFO order
/// (earliest expiry first, lots without expiry last, then lot number).
async fn candidates(
    db: &impl ConnectionTrait,
    item_id: Option<i64>,
    lot_id: Option<i64>,
) -> AppResult<Vec<Candidate>> {
    let mut q = stock_balance::Entity::find()
        .join(JoinType::InnerJoin, balance_lot())
        .join(JoinType::InnerJoin, balance_location())
        .filter(lot::Column::State.eq(LotState::Released))
        .filter(
            Condition::any()
                .add(lot::Column::ExpiryDate.is_null())
                .add(lot::Column::ExpiryDate.gte(today())),
        )
        .filter(location::Column::LocationType.eq(LocationType::Stock))
        .filter(
            Expr::col((stock_balance::Entity, stock_balance::Column::OnHand)).gt(Expr::col((
                stock_balance::Entity,
                stock_balance::Column::Reserved,
            ))),
        );
    if let Some(i) = item_id {
        q = q.filter(lot::Column::ItemId.eq(i));
    }
    if let Some(l) = lot_id {
        q = q.filter(stock_balance::Column::LotId.eq(l));
    }
    let rows: Vec<(i64, i64, i64, i64)> = q
        .select_only()
        .column(stock_balance::Column::LotId)
        .column(stock_balance::Column::LocationId)
        .column(stock_balance::Column::OnHand)
        .column(stock_balance::Column::Reserved)
        .order_by_asc(Expr::cust(
            "CASE WHEN lot.expiry_date IS NULL THEN 1 ELSE 0 END",
        ))
        .order_by_asc(lot::Column::ExpiryDate)
        .order_by_asc(lot::Column::LotNumber)
        .order_by_asc(stock_balance::Column::LocationId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(lot_id, location_id, on_hand, reserved)| Candidate {
            lot_id,
            location_id,
            free: on_hand - reserved,
        })
        .collect())
}

fn balance_lot() -> RelationDef {
    stock_balance::Entity::belongs_to(lot::Entity)
        .from(stock_balance::Column::LotId)
        .to(lot::Column::Id)
        .into()
}

fn balance_location() -> RelationDef {
    stock_balance::Entity::belongs_to(location::Entity)
        .from(stock_balance::Column::LocationId)
        .to(location::Column::Id)
        .into()
}

/// Reserves units for a reference, from one lot or FEFO over a SKU's lots;
/// all or nothing. Insufficient usable stock is `BAD_USER_INPUT` on
/// `input.quantity` saying how many are available.
pub async fn reserve(
    db: &impl ConnectionTrait,
    actor: &Actor,
    r: &ReserveRequest,
    key: Option<&str>,
) -> AppResult<Vec<reservation::Model>> {
    check_qty(r.quantity, "input.quantity")?;
    let reference = r.reference.trim();
    if reference.is_empty() {
        return Err(AppError::bad_input(
            "input.reference",
            "name what the units are reserved for (a case, an order)",
        ));
    }
    let (item_id, lot_id) = match (&r.article_number, r.lot_id) {
        (Some(a), None) => {
            let sku = sku_by_article(db, a, "input.articleNumber").await?;
            (Some(finished_item(db, &sku).await?.id), None)
        }
        (None, Some(l)) => {
            let l = lot(db, l).await?;
            match effective_state(&l, today()) {
                EffectiveState::Released => {}
                s => {
                    return Err(AppError::bad_input(
                        "input.lotId",
                        format!(
                            "lot {} is {s}: only released, unexpired stock can be promised",
                            l.lot_number
                        ),
                    ));
                }
            }
            (None, Some(l.id))
        }
        _ => {
            return Err(AppError::bad_input(
                "input.lotId",
                "give exactly one of lotId or articleNumber",
            ));
        }
    };
    let cands = candidates(db, item_id, lot_id).await?;
    // The lots the free units read now would come from, held in id order
    // (the one order every path takes lot rows in) before any is taken; a
    // lot taken beyond that plan (others took units meanwhile) is held when
    // it is reached.
    let mut plan = Vec::new();
    let mut want = r.quantity;
    for c in &cands {
        if want <= 0 {
            break;
        }
        plan.push(c.lot_id);
        want -= c.free;
    }
    lock_lots(db, &plan).await?;
    let mut left = r.quantity;
    let mut made = Vec::new();
    for c in cands {
        if !hold_released(db, c.lot_id).await? {
            continue;
        }
        // Another writer may take units between the read and the update:
        // re-read and retry this balance until it is settled.
        loop {
            if left == 0 {
                break;
            }
            let (on_hand, reserved) = ledger::balance(db, c.lot_id, c.location_id).await?;
            let take = std::cmp::min(left, on_hand - reserved);
            if take <= 0 {
                break;
            }
            if ledger::reserve(db, c.lot_id, c.location_id, take).await? {
                let res = reservation::ActiveModel {
                    lot_id: Set(c.lot_id),
                    location_id: Set(c.location_id),
                    quantity: Set(take),
                    reference: Set(reference.to_owned()),
                    status: Set(ReservationStatus::Open),
                    created_at: Set(Utc::now()),
                    closed_at: Set(None),
                    ..Default::default()
                }
                .insert(db)
                .await?;
                ledger::record(
                    db,
                    actor,
                    &Move {
                        lot_id: c.lot_id,
                        from: Some(c.location_id),
                        to: Some(c.location_id),
                        quantity: take,
                        reason: MovementReason::Reservation,
                        reference,
                        note: Some(format!("reservation {}", res.id)),
                        idempotency_key: key,
                    },
                )
                .await?;
                made.push(res);
                left -= take;
            }
        }
        if left == 0 {
            break;
        }
    }
    if left > 0 {
        return Err(AppError::bad_input(
            "input.quantity",
            format!(
                "insufficient available stock: {} wanted, {} available",
                r.quantity,
                r.quantity - left
            ),
        ));
    }
    Ok(made)
}

async fn open_reservation(db: &impl ConnectionTrait, id: i64) -> AppResult<reservation::Model> {
    let r = reservation::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("reservation", id.to_string()))?;
    if r.status != ReservationStatus::Open {
        return Err(AppError::Conflict(format!(
            "reservation {id} is {}, not open",
            r.status
        )));
    }
    // Claim it: only one concurrent caller closes a reservation.
    let claimed = reservation::Entity::update_many()
        .col_expr(reservation::Column::ClosedAt, Expr::value(Some(Utc::now())))
        .filter(reservation::Column::Id.eq(id))
        .filter(reservation::Column::Status.eq(ReservationStatus::Open))
        .filter(reservation::Column::ClosedAt.is_null())
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(AppError::Conflict(format!(
            "reservation {id} was closed meanwhile"
        )));
    }
    Ok(r)
}

async fn close(
    db: &impl ConnectionTrait,
    r: reservation::Model,
    status: ReservationStatus,
) -> AppResult<reservation::Model> {
    let mut am: reservation::ActiveModel = r.into();
    am.status = Set(status);
    am.closed_at = Set(Some(Utc::now()));
    Ok(am.update(db).await?)
}

/// Gives a reservation's units back.
pub async fn release_reservation(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    key: Option<&str>,
) -> AppResult<reservation::Model> {
    release_reservation_because(db, actor, id, key, None).await
}

/// Gives a reservation's units back, saying why in the ledger row's note
/// (e.g. the recall that released it).
pub async fn release_reservation_because(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    key: Option<&str>,
    why: Option<&str>,
) -> AppResult<reservation::Model> {
    // The lot's row first, then the reservation's: the order of every path.
    if let Some(r) = reservation::Entity::find_by_id(id).one(db).await? {
        lock_lots(db, &[r.lot_id]).await?;
    }
    let r = open_reservation(db, id).await?;
    ledger::unreserve(db, r.lot_id, r.location_id, r.quantity, false).await?;
    ledger::record(
        db,
        actor,
        &Move {
            lot_id: r.lot_id,
            from: Some(r.location_id),
            to: Some(r.location_id),
            quantity: r.quantity,
            reason: MovementReason::ReservationRelease,
            reference: &r.reference.clone(),
            note: Some(match why {
                Some(w) => format!("reservation {id}: {w}"),
                None => format!("reservation {id}"),
            }),
            idempotency_key: key,
        },
    )
    .await?;
    close(db, r, ReservationStatus::Released).await
}

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

fn given(v: &Option<String>) -> Option<String> {
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
    key: Option<&str>,
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
            "input.reservationId",
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
            idempotency_key: key,
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

/// Quantities of one SKU (or of any set of balances), as users see them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quantities {
    /// Physically present, any state, any location.
    pub on_hand: i64,
    /// Promised by open reservations, of usable stock (released, unexpired,
    /// in a STOCK location).
    pub reserved: i64,
    /// Can be promised now: released, unexpired, in a STOCK location, minus reserved.
    pub available: i64,
    /// Released and unexpired, but not in a STOCK location (inspection,
    /// production, dispatch): usable once put away.
    pub released_elsewhere: i64,
    /// In lots awaiting inspection.
    pub quarantine: i64,
    /// In lots on hold.
    pub on_hold: i64,
    /// In lots past their expiry date.
    pub expired: i64,
    /// In lots that failed inspection.
    pub rejected: i64,
    /// In lots under a recall.
    pub recalled: i64,
    /// Promised by open reservations of lots that are blocked now (on hold,
    /// expired…): these units are counted in their lot's state, and the
    /// reservations cannot ship until the lot is released again.
    pub reserved_blocked: i64,
}

/// One balance with its lot and location.
#[derive(Debug, Clone)]
pub struct StockLine {
    pub lot: lot::Model,
    pub location: location::Model,
    pub on_hand: i64,
    pub reserved: i64,
}

impl StockLine {
    /// Units of this line that can be promised now.
    pub fn available(&self, today: NaiveDate) -> i64 {
        if effective_state(&self.lot, today) == EffectiveState::Released
            && self.location.location_type == LocationType::Stock
        {
            self.on_hand - self.reserved
        } else {
            0
        }
    }
}

/// Adds up stock lines: every unit on hand lands in exactly one of
/// available, reserved, released elsewhere, quarantine, on hold, expired,
/// rejected and recalled.
pub fn sum(lines: &[StockLine], today: NaiveDate) -> Quantities {
    let mut q = Quantities::default();
    for l in lines {
        q.on_hand += l.on_hand;
        let state = effective_state(&l.lot, today);
        if state != EffectiveState::Released {
            q.reserved_blocked += l.reserved;
        }
        match state {
            EffectiveState::Released if l.location.location_type == LocationType::Stock => {
                let promised = l.reserved.clamp(0, l.on_hand);
                q.reserved += promised;
                q.available += l.on_hand - promised;
            }
            EffectiveState::Released => {
                q.released_elsewhere += l.on_hand;
                q.reserved_blocked += l.reserved;
            }
            EffectiveState::Quarantine => q.quarantine += l.on_hand,
            EffectiveState::OnHold => q.on_hold += l.on_hand,
            EffectiveState::Expired => q.expired += l.on_hand,
            EffectiveState::Rejected => q.rejected += l.on_hand,
            EffectiveState::Recalled => q.recalled += l.on_hand,
        }
    }
    q
}

/// Filters on stock lines.
#[derive(Debug, Clone, Default)]
pub struct StockFilter {
    pub article_number: Option<String>,
    pub lot_number: Option<String>,
    pub location: Option<String>,
    pub state: Option<LotState>,
    pub include_empty: bool,
}

/// Stock lines matching the filter, by lot number then location code.
pub async fn stock(db: &impl ConnectionTrait, f: &StockFilter) -> AppResult<Vec<StockLine>> {
    let balances = stock_query(db, f)
        .await?
        .order_by_asc(lot::Column::LotNumber)
        .order_by_asc(location::Column::Code)
        .limit(10_000)
        .all(db)
        .await?;
    lines(db, balances).await
}

/// One page of stock lines by lot number and location code, and how many
/// lines match.
pub async fn stock_page(
    db: &impl ConnectionTrait,
    f: &StockFilter,
    page: &crate::paging::Page,
) -> AppResult<(Vec<StockLine>, u64)> {
    use crate::paging::col;
    let q = stock_query(db, f).await?;
    let total = q.clone().count(db).await?;
    let order = [
        (col((lot::Entity, lot::Column::LotNumber)), Order::Asc),
        (col((location::Entity, location::Column::Code)), Order::Asc),
        (
            col((stock_balance::Entity, stock_balance::Column::LotId)),
            Order::Asc,
        ),
        (
            col((stock_balance::Entity, stock_balance::Column::LocationId)),
            Order::Asc,
        ),
    ];
    let balances = page.apply(q, &order).all(db).await?;
    Ok((lines(db, balances).await?, total))
}

/// The sort key of a stock line in [`stock_page`]'s order.
pub fn stock_line_key(l: &StockLine) -> crate::paging::Key {
    use crate::paging::KeyVal;
    vec![
        KeyVal::S(l.lot.lot_number.clone()),
        KeyVal::S(l.location.code.clone()),
        KeyVal::I(l.lot.id),
        KeyVal::I(l.location.id),
    ]
}

/// The balances a stock filter selects, joined to their lot and location.
async fn stock_query(
    db: &impl ConnectionTrait,
    f: &StockFilter,
) -> AppResult<sea_orm::Select<stock_balance::Entity>> {
    let mut q = stock_balance::Entity::find()
        .join(JoinType::InnerJoin, balance_lot())
        .join(JoinType::InnerJoin, balance_location());
    if let Some(a) = &f.article_number {
        let sku = sku_by_article(db, a, "filter.articleNumber").await?;
        let item = finished_item(db, &sku).await?;
        q = q.filter(lot::Column::ItemId.eq(item.id));
    }
    if let Some(n) = &f.lot_number {
        q = q.filter(lot::Column::LotNumber.eq(n.trim()));
    }
    if let Some(c) = &f.location {
        let loc = location_by_code(db, c, "filter.location").await?;
        q = q.filter(stock_balance::Column::LocationId.eq(loc.id));
    }
    if let Some(s) = f.state {
        q = q.filter(lot::Column::State.eq(s));
    }
    if !f.include_empty {
        q = q.filter(stock_balance::Column::OnHand.gt(0));
    }
    Ok(q)
}

async fn lines(
    db: &impl ConnectionTrait,
    balances: Vec<stock_balance::Model>,
) -> AppResult<Vec<StockLine>> {
    let lot_ids: Vec<i64> = balances.iter().map(|b| b.lot_id).collect();
    let loc_ids: Vec<i64> = balances.iter().map(|b| b.location_id).collect();
    let lots: HashMap<i64, lot::Model> = lot::Entity::find()
        .filter(lot::Column::Id.is_in(lot_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let locs: HashMap<i64, location::Model> = location::Entity::find()
        .filter(location::Column::Id.is_in(loc_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    balances
        .into_iter()
        .map(|b| {
            Ok(StockLine {
                lot: lots
                    .get(&b.lot_id)
                    .cloned()
                    .ok_or_else(|| AppError::Internal("balance without lot".into()))?,
                location: locs
                    .get(&b.location_id)
                    .cloned()
                    .ok_or_else(|| AppError::Internal("balance without location".into()))?,
                on_hand: b.on_hand,
                reserved: b.reserved,
            })
        })
        .collect()
}

/// A lot's ledger, oldest first, one page.
pub async fn movements(
    db: &impl ConnectionTrait,
    lot_id: i64,
    page: &crate::paging::Page,
) -> AppResult<(Vec<stock_movement::Model>, u64)> {
    let q = stock_movement::Entity::find().filter(stock_movement::Column::LotId.eq(lot_id));
    let total = q.clone().count(db).await?;
    let order = [(
        crate::paging::col((stock_movement::Entity, stock_movement::Column::Id)),
        sea_orm::Order::Asc,
    )];
    let rows = page.apply(q, &order).all(db).await?;
    Ok((rows, total))
}

/// The sort key of a ledger row in [`movements`]' order.
pub fn movement_key(m: &stock_movement::Model) -> crate::paging::Key {
    vec![crate::paging::KeyVal::I(m.id)]
}

/// Lots with stock whose expiry falls within `days` from today (already expired ones included).
pub async fn lots_expiring(
    db: &impl ConnectionTrait,
    days: i64,
    page: &crate::paging::Page,
) -> AppResult<(Vec<lot::Model>, u64)> {
    use crate::paging::col;
    let until = today() + chrono::Duration::days(days);
    let with_stock = stock_balance::Entity::find()
        .select_only()
        .column(stock_balance::Column::LotId)
        .filter(stock_balance::Column::OnHand.gt(0))
        .into_query();
    let q = lot::Entity::find()
        .filter(lot::Column::ExpiryDate.lte(until))
        .filter(lot::Column::Id.in_subquery(with_stock));
    let total = q.clone().count(db).await?;
    let order = [
        (col((lot::Entity, lot::Column::ExpiryDate)), Order::Asc),
        (col((lot::Entity, lot::Column::LotNumber)), Order::Asc),
        (col((lot::Entity, lot::Column::Id)), Order::Asc),
    ];
    Ok((page.apply(q, &order).all(db).await?, total))
}

/// The sort key of a lot in [`lots_expiring`]' order (only lots with an
/// expiry date are listed there).
pub fn expiring_key(l: &lot::Model) -> crate::paging::Key {
    use crate::paging::KeyVal;
    vec![
        KeyVal::D(l.expiry_date.unwrap_or_default()),
        KeyVal::S(l.lot_number.clone()),
        KeyVal::I(l.id),
    ]
}

/// One page of the reservations of a reference, oldest first, and how many.
pub async fn reservations_page(
    db: &impl ConnectionTrait,
    reference: &str,
    page: &crate::paging::Page,
) -> AppResult<(Vec<reservation::Model>, u64)> {
    use crate::paging::col;
    let q = reservation::Entity::find().filter(reservation::Column::Reference.eq(reference.trim()));
    let total = q.clone().count(db).await?;
    let order = [(
        col((reservation::Entity, reservation::Column::Id)),
        Order::Asc,
    )];
    Ok((page.apply(q, &order).all(db).await?, total))
}

/// The sort key of a reservation in [`reservations_page`]' order.
pub fn reservation_key(r: &reservation::Model) -> crate::paging::Key {
    vec![crate::paging::KeyVal::I(r.id)]
}

/// One difference found by [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub lot_id: i64,
    pub location_id: i64,
    pub what: &'static str,
    pub stored: i64,
    pub from_ledger: i64,
}

/// Recomputes on hand from the ledger and reserved from open reservations,
/// and lists every balance that differs.
pub async fn verify(db: &impl ConnectionTrait) -> AppResult<Vec<Difference>> {
    let mut ledger_on_hand: HashMap<(i64, i64), i64> = HashMap::new();
    let moving = [
        MovementReason::Receipt,
        MovementReason::Transfer,
        MovementReason::IssueToProduction,
        MovementReason::ProductionOutput,
        MovementReason::Shipment,
        MovementReason::Return,
        MovementReason::Adjustment,
        MovementReason::Scrap,
    ];
    let rows: Vec<(i64, Option<i64>, Option<i64>, i64)> = stock_movement::Entity::find()
        .select_only()
        .column(stock_movement::Column::LotId)
        .column(stock_movement::Column::FromLocationId)
        .column(stock_movement::Column::ToLocationId)
        .column(stock_movement::Column::Quantity)
        .filter(stock_movement::Column::Reason.is_in(moving))
        .into_tuple()
        .all(db)
        .await?;
    for (lot_id, from, to, q) in rows {
        if let Some(f) = from {
            *ledger_on_hand.entry((lot_id, f)).or_default() -= q;
        }
        if let Some(t) = to {
            *ledger_on_hand.entry((lot_id, t)).or_default() += q;
        }
    }
    let mut reserved: HashMap<(i64, i64), i64> = HashMap::new();
    for r in reservation::Entity::find()
        .filter(reservation::Column::Status.eq(ReservationStatus::Open))
        .all(db)
        .await?
    {
        *reserved.entry((r.lot_id, r.location_id)).or_default() += r.quantity;
    }
    let mut diffs = Vec::new();
    let balances = stock_balance::Entity::find().all(db).await?;
    let mut seen = std::collections::HashSet::new();
    for b in &balances {
        let key = (b.lot_id, b.location_id);
        seen.insert(key);
        let l = ledger_on_hand.get(&key).copied().unwrap_or(0);
        if l != b.on_hand {
            diffs.push(Difference {
                lot_id: b.lot_id,
                location_id: b.location_id,
                what: "on_hand",
                stored: b.on_hand,
                from_ledger: l,
            });
        }
        let r = reserved.get(&key).copied().unwrap_or(0);
        if r != b.reserved {
            diffs.push(Difference {
                lot_id: b.lot_id,
                location_id: b.location_id,
                what: "reserved",
                stored: b.reserved,
                from_ledger: r,
            });
        }
    }
    for (key, l) in ledger_on_hand {
        if l != 0 && !seen.contains(&key) {
            diffs.push(Difference {
                lot_id: key.0,
                location_id: key.1,
                what: "on_hand",
                stored: 0,
                from_ledger: l,
            });
        }
    }
    Ok(diffs)
}

/// Sets (or with `None` removes) a SKU's reorder point.
pub async fn set_reorder_point(
    db: &impl ConnectionTrait,
    article: &str,
    point: Option<i64>,
) -> AppResult<item::Model> {
    if let Some(p) = point {
        crate::quantity::REORDER_POINT.check(p, "input.reorderPoint")?;
    }
    let sku = sku_by_article(db, article, "input.articleNumber").await?;
    let item = finished_item(db, &sku).await?;
    let mut am: item::ActiveModel = item.into();
    am.reorder_point = Set(point);
    Ok(am.update(db).await?)
}

/// SKUs whose available stock is below their reorder point, with that stock.
pub async fn below_reorder_point(
    db: &impl ConnectionTrait,
) -> AppResult<Vec<(abutment_sku::Model, item::Model, Quantities)>> {
    let items = item::Entity::find()
        .filter(item::Column::ReorderPoint.is_not_null())
        .filter(item::Column::SkuId.is_not_null())
        .order_by_asc(item::Column::Code)
        .all(db)
        .await?;
    let t = today();
    let mut out = Vec::new();
    for it in items {
        let balances = stock_balance::Entity::find()
            .join(JoinType::InnerJoin, balance_lot())
            .filter(lot::Column::ItemId.eq(it.id))
            .filter(stock_balance::Column::OnHand.gt(0))
            .all(db)
            .await?;
        let q = sum(&lines(db, balances).await?, t);
        if q.available < it.reorder_point.unwrap_or(0)
            && let Some(sid) = it.sku_id
            && let Some(sku) = abutment_sku::Entity::find_by_id(sid).one(db).await?
        {
            out.push((sku, it, q));
        }
    }
    Ok(out)
}
