//! Batch matching: every OPEN case, earliest due first, decided with the
//! single-case rules ([`super::matching`]: `misfit`, `stock_matching`,
//! `consider_custom`, `rank`) on stock read once and kept in memory, then
//! written in bulk (reservations and their ledger rows a thousand per
//! statement, the reserved cases in a few statements).

use std::collections::HashSet;

use super::*;

/// What a batch run did with one case.
#[derive(Debug, Clone)]
pub struct BatchLine {
    pub case: clinical_case::Model,
    /// Why it stayed open, when it did.
    pub unmatched: Option<String>,
}

/// What a case gets in a batch run.
#[derive(Debug, Clone)]
pub enum BatchDecision {
    /// One unit of this lot, from this location.
    Lot { lot_id: i64, location_id: i64 },
    /// A custom part, in the slot of this estimate.
    Custom(Box<Option<Eta>>),
    /// Nothing: it stays OPEN, for this reason.
    Unmatched(String),
}

/// Matches every OPEN case, earliest due first, with the same rules as one
/// case at a time: a unit promised to an earlier case is not offered again,
/// a custom slot booked for an earlier case is not offered again. Takes each
/// case's best option; a case with none stays OPEN with the reason. Runs in
/// the caller's transaction (the caller replans the shop once, after).
pub async fn match_open_cases(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> AppResult<Vec<BatchLine>> {
    let p = policy(db).await?;
    let open = cases(db, &[CaseStatus::Open], None).await?;
    let decided = plan_open_cases(db, &p, open).await?;
    write_decisions(db, actor, decided).await
}

/// Decides cases in the order given, without writing anything: the
/// planning pass of [`match_open_cases`]. Stock is read once (one statement
/// per 2,000 SKUs that fit some case) and each decision takes its unit
/// from it before the next case is matched.
pub async fn plan_open_cases(
    db: &impl ConnectionTrait,
    p: &Policy,
    open: Vec<clinical_case::Model>,
) -> AppResult<Vec<(clinical_case::Model, BatchDecision)>> {
    let mut platform_ids: Vec<i64> = open.iter().map(|c| c.platform_id).collect();
    platform_ids.sort_unstable();
    platform_ids.dedup();
    let skus = platform_skus(db, &platform_ids).await?;
    let mut wanted = HashSet::new();
    for c in &open {
        for s in skus.get(&c.platform_id).map(Vec::as_slice).unwrap_or(&[]) {
            if misfit(c, s, p).is_none() {
                wanted.insert(s.id);
            }
        }
    }
    let wanted: Vec<i64> = wanted.into_iter().collect();
    let mut stock = stock_of(db, &wanted, today()).await?;
    let mut board = EtaBoard::default();
    let mut platforms = HashMap::new();
    let mut out = Vec::with_capacity(open.len());
    for c in open {
        let now = Utc::now();
        let skus = skus.get(&c.platform_id).map(Vec::as_slice).unwrap_or(&[]);
        let mut m = stock_matching(&c, p, skus, &stock, now, false);
        consider_custom(db, &mut m, &c, &mut platforms, &mut board).await?;
        rank(&mut m.options);
        let decision = match m.options.first() {
            Some(o) if o.decision == CaseDecision::Stock => {
                let (Some(sku), Some(lot_id)) = (&o.sku, o.lot_id) else {
                    return Err(AppError::Internal("a stock option without its lot".into()));
                };
                let location_id = take_unit(&mut stock, sku.id, lot_id)?;
                BatchDecision::Lot {
                    lot_id,
                    location_id,
                }
            }
            Some(o) => {
                if let Some(e) = &o.eta {
                    board.book(e);
                }
                BatchDecision::Custom(Box::new(o.eta.clone()))
            }
            None => {
                // Explained the way one case's matching lists it: every
                // SKU turned down, then the custom part.
                let mut e = stock_matching(&c, p, skus, &stock, now, true);
                e.rejected.append(&mut m.rejected);
                BatchDecision::Unmatched(unmatched_reason(&e))
            }
        };
        out.push((c, decision));
    }
    Ok(out)
}

/// Takes one unit of a lot from the stock kept in memory: from its first
/// location with units (location id order, as a reservation of the lot
/// takes them); returns that location.
fn take_unit(stock: &mut HashMap<i64, Vec<LotStock>>, sku_id: i64, lot_id: i64) -> AppResult<i64> {
    let lot = stock
        .get_mut(&sku_id)
        .and_then(|lots| lots.iter_mut().find(|l| l.lot_id == lot_id))
        .filter(|l| l.usable > 0);
    let place = lot.and_then(|l| {
        l.usable -= 1;
        l.places.iter_mut().find(|(_, n)| *n > 0)
    });
    let Some((location_id, units)) = place else {
        return Err(AppError::Internal(format!(
            "lot {lot_id} was offered without a usable unit"
        )));
    };
    *units -= 1;
    Ok(*location_id)
}

/// Why a case has no option: every candidate turned down, with its reason.
fn unmatched_reason(m: &Matching) -> String {
    let why = m
        .rejected
        .iter()
        .map(|r| match &r.sku {
            Some(s) => format!("{}: {}", s.article_number, r.reason),
            None => format!("custom: {}", r.reason),
        })
        .collect::<Vec<_>>()
        .join("; ");
    if why.is_empty() {
        "no SKU is compatible with the platform and no machine can mill it".to_owned()
    } else {
        why
    }
}

/// Writes the decisions: the reservations (and their ledger rows) in bulk,
/// the reserved cases in bulk, each custom job, each unmatched case's
/// reason. Lines come back in the decisions' order.
async fn write_decisions(
    db: &impl ConnectionTrait,
    actor: &Actor,
    decided: Vec<(clinical_case::Model, BatchDecision)>,
) -> AppResult<Vec<BatchLine>> {
    let now = Utc::now();
    let promises: Vec<inventory::Promise> = decided
        .iter()
        .filter_map(|(c, d)| match d {
            BatchDecision::Lot {
                lot_id,
                location_id,
            } => Some(inventory::Promise {
                lot_id: *lot_id,
                location_id: *location_id,
                quantity: 1,
                reference: c.number.clone(),
            }),
            _ => None,
        })
        .collect();
    let made = inventory::reserve_exact(db, actor, &promises).await?;
    let reserved: Vec<(i64, i64)> = decided
        .iter()
        .filter(|(_, d)| matches!(d, BatchDecision::Lot { .. }))
        .zip(&made)
        .map(|((c, _), r)| (c.id, r.id))
        .collect();
    mark_reserved(db, &reserved, now).await?;
    let mut by_case: HashMap<i64, i64> = reserved.into_iter().collect();
    let mut out = Vec::with_capacity(decided.len());
    for (c, d) in decided {
        let line = match d {
            BatchDecision::Lot { .. } => {
                let mut c = c;
                c.status = CaseStatus::Reserved;
                c.decision = Some(CaseDecision::Stock);
                c.reservation_id = by_case.remove(&c.id);
                c.status_reason = None;
                c.updated_at = now;
                BatchLine {
                    case: c,
                    unmatched: None,
                }
            }
            BatchDecision::Custom(eta) => BatchLine {
                case: book_custom(db, actor, c, *eta, now).await?,
                unmatched: None,
            },
            BatchDecision::Unmatched(why) => {
                let mut am = c.into_active_model();
                am.status_reason = Set(Some(format!("no option: {why}")));
                am.updated_at = Set(now);
                BatchLine {
                    case: am.update(db).await?,
                    unmatched: Some(why),
                }
            }
        };
        out.push(line);
    }
    Ok(out)
}

/// Puts cases RESERVED (decision STOCK) with their reservation: `(case,
/// reservation)` pairs, 500 per statement.
async fn mark_reserved(
    db: &impl ConnectionTrait,
    pairs: &[(i64, i64)],
    now: DateTime<Utc>,
) -> AppResult<()> {
    use sea_orm::sea_query::{CaseStatement, Expr};
    for chunk in pairs.chunks(500) {
        let mut which = CaseStatement::new();
        for (case_id, reservation_id) in chunk {
            which = which.case(
                clinical_case::Column::Id.eq(*case_id),
                Expr::val(*reservation_id),
            );
        }
        clinical_case::Entity::update_many()
            .set(clinical_case::ActiveModel {
                status: Set(CaseStatus::Reserved),
                decision: Set(Some(CaseDecision::Stock)),
                status_reason: Set(None),
                updated_at: Set(now),
                ..Default::default()
            })
            .col_expr(clinical_case::Column::ReservationId, which.into())
            .filter(clinical_case::Column::Id.is_in(chunk.iter().map(|p| p.0)))
            .exec(db)
            .await?;
    }
    Ok(())
}
