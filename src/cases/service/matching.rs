//! Matching a case: finished stock first-expired-first-out or a custom job with its completion date, and why every candidate is turned down.

use super::*;
use crate::inventory::allocation;

/// A way to serve a case.
#[derive(Debug, Clone)]
pub struct MatchOption {
    pub decision: CaseDecision,
    /// STOCK: the SKU.
    pub sku: Option<abutment_sku::Model>,
    /// STOCK: the lot picked first-expired-first-out.
    pub lot: Option<lot::Model>,
    /// STOCK: units of that SKU available now.
    pub available: i64,
    /// When it could leave: now for stock, the job's ETA for a custom part.
    pub ready_at: Option<DateTime<Utc>>,
    pub meets_due_date: bool,
    /// How far from the wanted part: |Δ gingival height| in µm plus
    /// |Δ angulation| in millidegrees / 10; 0 is exact, custom is 0.
    pub deviation: i64,
    /// CUSTOM: the scheduler's estimate.
    pub eta: Option<Eta>,
    /// Why it fits, or what to watch.
    pub notes: Vec<String>,
}

/// A candidate turned down, and why.
#[derive(Debug, Clone)]
pub struct Rejection {
    pub decision: CaseDecision,
    pub sku: Option<abutment_sku::Model>,
    pub reason: String,
}

/// Ranked options and the rejected candidates of one case.
#[derive(Debug, Clone, Default)]
pub struct Matching {
    pub options: Vec<MatchOption>,
    pub rejected: Vec<Rejection>,
}

pub(crate) fn mm(um: i32) -> String {
    format!("{:.1} mm", f64::from(um) / 1000.0)
}

pub(crate) fn deg(mdeg: i32) -> String {
    format!("{}°", f64::from(mdeg) / 1000.0)
}

/// An enum value as the API and the database spell it (`MULTI_UNIT`).
pub(crate) fn api_name<T: sea_orm::ActiveEnum<Value = String>>(v: T) -> String {
    v.to_value()
}

/// Why a SKU does not fit the case, or None when it does.
pub fn misfit(c: &clinical_case::Model, s: &abutment_sku::Model, p: &Policy) -> Option<String> {
    if s.status != SkuStatus::Active {
        return Some("discontinued".into());
    }
    if s.abutment_type != c.abutment_type {
        return Some(format!(
            "wrong type: {}, wanted {}",
            api_name(s.abutment_type),
            api_name(c.abutment_type)
        ));
    }
    if let Some(m) = c.material
        && m != s.material
    {
        return Some(format!(
            "material {}, wanted {}",
            api_name(s.material),
            api_name(m)
        ));
    }
    if (s.gingival_height_um - c.gingival_height_um).abs() > p.gingival_tolerance_um {
        return Some(format!(
            "gingival height {} out of tolerance (wanted {} ± {})",
            mm(s.gingival_height_um),
            mm(c.gingival_height_um),
            mm(p.gingival_tolerance_um)
        ));
    }
    if (s.angulation_mdeg - c.angulation_mdeg).abs() > p.angulation_tolerance_mdeg {
        return Some(format!(
            "angulation {} out of tolerance (wanted {} ± {})",
            deg(s.angulation_mdeg),
            deg(c.angulation_mdeg),
            deg(p.angulation_tolerance_mdeg)
        ));
    }
    if c.restoration == Restoration::SingleCrown && !s.engaging {
        return Some("non-engaging: a single crown needs an engaging abutment".into());
    }
    if c.restoration == Restoration::SingleCrown && c.engaging != s.engaging {
        return Some("engaging does not match".into());
    }
    None
}

/// One lot of a SKU with stock: its state today and units usable now.
#[derive(Debug, Clone)]
pub(crate) struct LotStock {
    pub(crate) lot: lot::Model,
    pub(crate) state: EffectiveState,
    pub(crate) on_hand: i64,
    /// Released, unexpired, in STOCK locations, not reserved.
    pub(crate) usable: i64,
}

/// Lots with stock of the given SKUs, in allocation order
/// ([`crate::inventory::allocation`]), in four queries.
pub(crate) async fn stock_of(
    db: &impl ConnectionTrait,
    sku_ids: &[i64],
    day: NaiveDate,
) -> AppResult<HashMap<i64, Vec<LotStock>>> {
    let mut out: HashMap<i64, Vec<LotStock>> = HashMap::new();
    if sku_ids.is_empty() {
        return Ok(out);
    }
    let items: HashMap<i64, i64> = item::Entity::find()
        .filter(item::Column::SkuId.is_in(sku_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|i| i.sku_id.map(|s| (i.id, s)))
        .collect();
    if items.is_empty() {
        return Ok(out);
    }
    let stock_locations: std::collections::HashSet<i64> = location::Entity::find()
        .filter(location::Column::LocationType.eq(LocationType::Stock))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.id)
        .collect();
    let balances = stock_balance::Entity::find()
        .join(
            sea_orm::JoinType::InnerJoin,
            sea_orm::RelationDef::from(
                stock_balance::Entity::belongs_to(lot::Entity)
                    .from(stock_balance::Column::LotId)
                    .to(lot::Column::Id),
            ),
        )
        .filter(lot::Column::ItemId.is_in(items.keys().copied()))
        .filter(stock_balance::Column::OnHand.gt(0))
        .all(db)
        .await?;
    let lot_ids: Vec<i64> = balances.iter().map(|b| b.lot_id).collect();
    let lots: HashMap<i64, lot::Model> = lot::Entity::find()
        .filter(lot::Column::Id.is_in(lot_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    // On hand and usable units per lot, the usable ones by the allocation rule.
    let mut per_lot: HashMap<i64, (i64, i64)> = HashMap::new();
    for b in &balances {
        let Some(l) = lots.get(&b.lot_id) else {
            continue;
        };
        let e = per_lot.entry(b.lot_id).or_default();
        e.0 += b.on_hand;
        e.1 += allocation::usable_units(
            l,
            stock_locations.contains(&b.location_id),
            b.on_hand,
            b.reserved,
            day,
        );
    }
    for (lot_id, (on_hand, usable)) in per_lot {
        let Some(l) = lots.get(&lot_id) else { continue };
        let Some(&sku) = items.get(&l.item_id) else {
            continue;
        };
        out.entry(sku).or_default().push(LotStock {
            lot: l.clone(),
            state: effective_state(l, day),
            on_hand,
            usable,
        });
    }
    for v in out.values_mut() {
        v.sort_by(|a, b| allocation::fefo(&a.lot, &b.lot));
    }
    Ok(out)
}

/// Why a fitting SKU cannot be served from stock now.
pub(crate) fn no_stock_reason(lots: &[LotStock]) -> String {
    let mut by: Vec<(EffectiveState, i64)> = Vec::new();
    for l in lots {
        match by.iter_mut().find(|(s, _)| *s == l.state) {
            Some(e) => e.1 += l.on_hand,
            None => by.push((l.state, l.on_hand)),
        }
    }
    if by.is_empty() {
        return "no stock".into();
    }
    let parts: Vec<String> = by
        .iter()
        .map(|(s, n)| {
            let what = match s {
                EffectiveState::Quarantine => "in quarantine",
                EffectiveState::OnHold => "on hold",
                EffectiveState::Expired => "expired",
                EffectiveState::Rejected => "rejected",
                EffectiveState::Recalled => "recalled",
                EffectiveState::Released => "released but reserved or off the stock shelves",
            };
            format!("{n} {what}")
        })
        .collect();
    if by.iter().all(|(s, _)| *s == EffectiveState::Released) {
        format!(
            "no available stock: all {} released units are reserved or not on a stock shelf",
            by[0].1
        )
    } else {
        format!("no available stock: only {}", parts.join(", "))
    }
}

/// What a custom part for the case needs from a machine.
pub fn requirement(c: &clinical_case::Model, system_id: i64) -> Requirement {
    Requirement {
        kind: JobKind::Custom,
        material: c.material.unwrap_or(Material::Ti6Al4VEli),
        part_diameter_um: None,
        system_id: Some(system_id),
        angulation_mdeg: c.angulation_mdeg,
        screw_channel_mdeg: 0,
    }
}

/// The custom job that would make a case's part.
pub fn custom_job(c: &clinical_case::Model) -> NewJob {
    let days_left = (c.due_at - Utc::now()).num_days();
    NewJob {
        kind: JobKind::Custom,
        article_number: None,
        platform: Some(PlatformRef {
            id: Some(c.platform_id),
            ..Default::default()
        }),
        abutment_type: Some(c.abutment_type),
        material: c.material,
        engaging: Some(c.engaging),
        quantity: 1,
        setup_minutes: None,
        cycle_minutes: None,
        bar_mm_per_part: None,
        gingival_height_um: Some(c.gingival_height_um),
        angulation_mdeg: Some(c.angulation_mdeg),
        post_height_um: None,
        margin_height_um: None,
        screw_channel_mdeg: None,
        case_reference: Some(c.number.clone()),
        due_at: c.due_at,
        // The sooner it is due, the more a minute late weighs.
        priority: (9 - days_left).clamp(3, 9) as i32,
    }
}

/// Minutes a custom part takes by default (setup + one cycle).
pub(crate) const CUSTOM_MINUTES: i64 = 30;

/// The ranked options of a case and every candidate turned down, with
/// reasons. Availability is read from the ledger's balances, so units
/// reserved earlier in the same transaction (batch matching) are not
/// offered again.
pub async fn match_case(
    db: &impl ConnectionTrait,
    c: &clinical_case::Model,
    p: &Policy,
    board: &mut EtaBoard,
) -> AppResult<Matching> {
    let now = Utc::now();
    let mut m = Matching::default();
    let fitting = fitting_skus(db, c, p, &mut m.rejected).await?;
    let ids: Vec<i64> = fitting.iter().map(|s| s.id).collect();
    let stock = stock_of(db, &ids, today()).await?;
    for s in fitting {
        let lots = stock.get(&s.id).map(Vec::as_slice).unwrap_or(&[]);
        offer_stock(&mut m, c, s, lots, now);
    }
    let on_time_stock = m.options.iter().any(|o| o.meets_due_date);
    // A custom part: when no finished SKU fits or none ships in time.
    let platform = catalog::platform(db, c.platform_id)
        .await?
        .ok_or_else(|| AppError::not_found("platform", c.platform_id.to_string()))?;
    if on_time_stock {
        m.rejected.push(custom_rejected(
            "not needed: finished stock ships in time".into(),
        ));
    } else if let Err(e) = mfg::check_design(&custom_job(c)) {
        m.rejected.push(custom_rejected(format!(
            "outside the custom design limits: {e}"
        )));
    } else {
        offer_custom(db, &mut m, c, &platform, board).await?;
    }
    rank(&mut m.options);
    Ok(m)
}

/// The SKUs made for the case's platform that fit the case within the
/// policy's tolerances; the others go to `rejected`, each with why.
async fn fitting_skus(
    db: &impl ConnectionTrait,
    c: &clinical_case::Model,
    p: &Policy,
    rejected: &mut Vec<Rejection>,
) -> AppResult<Vec<abutment_sku::Model>> {
    let fits: Vec<(sku_platform::Model, Option<abutment_sku::Model>)> =
        sku_platform::Entity::find()
            .filter(sku_platform::Column::PlatformId.eq(c.platform_id))
            .find_also_related(abutment_sku::Entity)
            .all(db)
            .await?;
    let mut fitting = Vec::new();
    for (_, s) in fits {
        let Some(s) = s else { continue };
        match misfit(c, &s, p) {
            Some(reason) => rejected.push(Rejection {
                decision: CaseDecision::Stock,
                sku: Some(s),
                reason,
            }),
            None => fitting.push(s),
        }
    }
    Ok(fitting)
}

/// Offers a fitting SKU as a stock option: its first usable lot in
/// allocation order, ready now; turned down when no lot of it is usable.
fn offer_stock(
    m: &mut Matching,
    c: &clinical_case::Model,
    s: abutment_sku::Model,
    lots: &[LotStock],
    now: DateTime<Utc>,
) {
    let usable: Vec<&LotStock> = lots.iter().filter(|l| l.usable > 0).collect();
    let Some(&first) = usable.first() else {
        m.rejected.push(Rejection {
            decision: CaseDecision::Stock,
            sku: Some(s),
            reason: no_stock_reason(lots),
        });
        return;
    };
    let deviation = i64::from((s.gingival_height_um - c.gingival_height_um).abs())
        + i64::from((s.angulation_mdeg - c.angulation_mdeg).abs()) / 10;
    let mut notes = vec![format!(
        "{} fits {}; lot {} first-expired-first-out",
        s.article_number,
        if deviation == 0 {
            "exactly"
        } else {
            "within tolerance"
        },
        first.lot.lot_number
    )];
    if let Some(e) = first.lot.expiry_date {
        notes.push(format!("expires {e}"));
    }
    m.options.push(MatchOption {
        decision: CaseDecision::Stock,
        sku: Some(s),
        lot: Some(first.lot.clone()),
        available: usable.iter().map(|l| l.usable).sum(),
        ready_at: Some(now),
        meets_due_date: now <= c.due_at,
        deviation,
        eta: None,
        notes,
    });
}

fn custom_rejected(reason: String) -> Rejection {
    Rejection {
        decision: CaseDecision::Custom,
        sku: None,
        reason,
    }
}

/// Offers a custom part when the shop can mill it, ready at the earliest
/// completion the board finds; else turns it down saying why.
async fn offer_custom(
    db: &impl ConnectionTrait,
    m: &mut Matching,
    c: &clinical_case::Model,
    platform: &entity::platform::Model,
    board: &mut EtaBoard,
) -> AppResult<()> {
    let req = requirement(c, platform.system_id);
    let eta = board
        .eta(db, &req, platform.id, CUSTOM_MINUTES, Some(c.due_at))
        .await?;
    if !eta.possible {
        m.rejected.push(custom_rejected(if eta.material_available {
            format!("no machine can mill it: {}", eta.notes.join("; "))
        } else {
            format!("not possible now: {}", eta.notes.join("; "))
        }));
        return Ok(());
    }
    let notes = eta.notes.clone();
    m.options.push(MatchOption {
        decision: CaseDecision::Custom,
        sku: None,
        lot: None,
        available: 0,
        ready_at: eta.end,
        meets_due_date: eta.meets_due_date.unwrap_or(false),
        deviation: 0,
        eta: Some(eta),
        notes,
    });
    Ok(())
}

/// On time first, then closest fit, then earliest expiry.
fn rank(options: &mut [MatchOption]) {
    options.sort_by(|a, b| {
        let exp = |o: &MatchOption| {
            o.lot
                .as_ref()
                .and_then(|l| l.expiry_date)
                .unwrap_or(NaiveDate::MAX)
        };
        (!a.meets_due_date, a.deviation, exp(a), a.ready_at).cmp(&(
            !b.meets_due_date,
            b.deviation,
            exp(b),
            b.ready_at,
        ))
    });
}
