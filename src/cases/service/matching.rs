//! Matching a case: finished stock first-expired-first-out or a custom job with its completion date, and why every candidate is turned down.

use super::*;
use crate::inventory::allocation;

/// A way to serve a case.
#[derive(Debug, Clone)]
pub struct MatchOption {
    pub decision: CaseDecision,
    /// STOCK: the SKU.
    pub sku: Option<abutment_sku::Model>,
    /// STOCK: the lot picked first-expired-first-out (its row: read by
    /// [`match_case`] for the options it returns; `None` in batch runs).
    pub lot: Option<lot::Model>,
    /// STOCK: that lot's id.
    pub lot_id: Option<i64>,
    /// STOCK: that lot's expiry date.
    pub expiry: Option<NaiveDate>,
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

/// Why a SKU does not fit a case (its `Display` is the reason a user reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misfit {
    Discontinued,
    WrongType {
        sku: AbutmentType,
        wanted: AbutmentType,
    },
    WrongMaterial {
        sku: Material,
        wanted: Material,
    },
    GingivalHeight {
        sku: i32,
        wanted: i32,
        tolerance: i32,
    },
    Angulation {
        sku: i32,
        wanted: i32,
        tolerance: i32,
    },
    NonEngaging,
    EngagingDiffers,
}

impl std::fmt::Display for Misfit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Misfit::Discontinued => f.write_str("discontinued"),
            Misfit::WrongType { sku, wanted } => {
                write!(
                    f,
                    "wrong type: {}, wanted {}",
                    api_name(sku),
                    api_name(wanted)
                )
            }
            Misfit::WrongMaterial { sku, wanted } => {
                write!(f, "material {}, wanted {}", api_name(sku), api_name(wanted))
            }
            Misfit::GingivalHeight {
                sku,
                wanted,
                tolerance,
            } => write!(
                f,
                "gingival height {} out of tolerance (wanted {} ± {})",
                mm(sku),
                mm(wanted),
                mm(tolerance)
            ),
            Misfit::Angulation {
                sku,
                wanted,
                tolerance,
            } => write!(
                f,
                "angulation {} out of tolerance (wanted {} ± {})",
                deg(sku),
                deg(wanted),
                deg(tolerance)
            ),
            Misfit::NonEngaging => {
                f.write_str("non-engaging: a single crown needs an engaging abutment")
            }
            Misfit::EngagingDiffers => f.write_str("engaging does not match"),
        }
    }
}

/// Why a SKU does not fit the case, or None when it does. Allocates
/// nothing: batch matching asks it for every SKU of every case's platform.
pub fn misfit(c: &clinical_case::Model, s: &abutment_sku::Model, p: &Policy) -> Option<Misfit> {
    if s.status != SkuStatus::Active {
        return Some(Misfit::Discontinued);
    }
    if s.abutment_type != c.abutment_type {
        return Some(Misfit::WrongType {
            sku: s.abutment_type,
            wanted: c.abutment_type,
        });
    }
    if let Some(m) = c.material
        && m != s.material
    {
        return Some(Misfit::WrongMaterial {
            sku: s.material,
            wanted: m,
        });
    }
    if (s.gingival_height_um - c.gingival_height_um).abs() > p.gingival_tolerance_um {
        return Some(Misfit::GingivalHeight {
            sku: s.gingival_height_um,
            wanted: c.gingival_height_um,
            tolerance: p.gingival_tolerance_um,
        });
    }
    if (s.angulation_mdeg - c.angulation_mdeg).abs() > p.angulation_tolerance_mdeg {
        return Some(Misfit::Angulation {
            sku: s.angulation_mdeg,
            wanted: c.angulation_mdeg,
            tolerance: p.angulation_tolerance_mdeg,
        });
    }
    if c.restoration == Restoration::SingleCrown && !s.engaging {
        return Some(Misfit::NonEngaging);
    }
    if c.restoration == Restoration::SingleCrown && c.engaging != s.engaging {
        return Some(Misfit::EngagingDiffers);
    }
    None
}

/// One lot of a SKU with stock: its state today and units usable now.
#[derive(Debug, Clone)]
pub(crate) struct LotStock {
    pub(crate) lot_id: i64,
    pub(crate) lot_number: String,
    pub(crate) expiry: Option<NaiveDate>,
    pub(crate) state: EffectiveState,
    pub(crate) on_hand: i64,
    /// Released, unexpired, in STOCK locations, not reserved.
    pub(crate) usable: i64,
    /// Usable units per location, in location id order (the order a
    /// reservation of the lot takes them in).
    pub(crate) places: Vec<(i64, i64)>,
}

/// One balance row with its lot's facts, as [`stock_of`] reads it.
type BalanceRow = (
    Option<i64>,
    i64,
    String,
    LotState,
    Option<NaiveDate>,
    i64,
    LocationType,
    i64,
    i64,
);

/// Lots with stock of the given SKUs, in allocation order
/// ([`crate::inventory::allocation`]): one statement per 2,000 SKUs.
pub(crate) async fn stock_of(
    db: &impl ConnectionTrait,
    sku_ids: &[i64],
    day: NaiveDate,
) -> AppResult<HashMap<i64, Vec<LotStock>>> {
    let mut out: HashMap<i64, Vec<LotStock>> = HashMap::new();
    for chunk in sku_ids.chunks(2_000) {
        let rows: Vec<BalanceRow> = stock_balance::Entity::find()
            .join(JoinType::InnerJoin, allocation::balance_lot())
            .join(JoinType::InnerJoin, allocation::lot_item())
            .join(JoinType::InnerJoin, allocation::balance_location())
            .filter(item::Column::SkuId.is_in(chunk.iter().copied()))
            .filter(stock_balance::Column::OnHand.gt(0))
            .select_only()
            .column(item::Column::SkuId)
            .column(lot::Column::Id)
            .column(lot::Column::LotNumber)
            .column(lot::Column::State)
            .column(lot::Column::ExpiryDate)
            .column(stock_balance::Column::LocationId)
            .column(location::Column::LocationType)
            .column(stock_balance::Column::OnHand)
            .column(stock_balance::Column::Reserved)
            .order_by_asc(lot::Column::Id)
            .order_by_asc(stock_balance::Column::LocationId)
            .into_tuple()
            .all(db)
            .await?;
        for (sku, lot_id, number, state, expiry, location_id, kind, on_hand, reserved) in rows {
            let Some(sku) = sku else { continue };
            let lots = out.entry(sku).or_default();
            if lots.last().is_none_or(|l| l.lot_id != lot_id) {
                lots.push(LotStock {
                    lot_id,
                    lot_number: number,
                    expiry,
                    state: effective_state_of(state, expiry, day),
                    on_hand: 0,
                    usable: 0,
                    places: Vec::new(),
                });
            }
            let Some(l) = lots.last_mut() else { continue };
            let usable = allocation::usable_units_of(
                l.state,
                kind == LocationType::Stock,
                on_hand,
                reserved,
            );
            l.on_hand += on_hand;
            l.usable += usable;
            if usable > 0 {
                l.places.push((location_id, usable));
            }
        }
    }
    for v in out.values_mut() {
        v.sort_by(|a, b| allocation::fefo_order(a.expiry, a.lot_id, b.expiry, b.lot_id));
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
/// reasons. Availability is read from the ledger's balances. Three
/// statements when stock ships in time (the platform's SKUs, their stock,
/// the offered lots); a custom part adds the shop's plan.
pub async fn match_case(
    db: &impl ConnectionTrait,
    c: &clinical_case::Model,
    p: &Policy,
    board: &mut EtaBoard,
) -> AppResult<Matching> {
    let now = Utc::now();
    let skus = platform_skus(db, &[c.platform_id])
        .await?
        .remove(&c.platform_id)
        .unwrap_or_default();
    let fitting: Vec<i64> = skus
        .iter()
        .filter(|s| misfit(c, s, p).is_none())
        .map(|s| s.id)
        .collect();
    let stock = stock_of(db, &fitting, today()).await?;
    let mut m = stock_matching(c, p, &skus, &stock, now, true);
    consider_custom(db, &mut m, c, &mut HashMap::new(), board).await?;
    rank(&mut m.options);
    read_option_lots(db, &mut m).await?;
    Ok(m)
}

/// The SKUs made for each of these platforms, in SKU id order (the order
/// equally good options keep): one statement per 1,000 platforms.
pub(crate) async fn platform_skus(
    db: &impl ConnectionTrait,
    platform_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<abutment_sku::Model>>> {
    let mut out: HashMap<i64, Vec<abutment_sku::Model>> = HashMap::new();
    for chunk in platform_ids.chunks(1_000) {
        let fits: Vec<(sku_platform::Model, Option<abutment_sku::Model>)> =
            sku_platform::Entity::find()
                .filter(sku_platform::Column::PlatformId.is_in(chunk.iter().copied()))
                .find_also_related(abutment_sku::Entity)
                .order_by_asc(sku_platform::Column::SkuId)
                .all(db)
                .await?;
        for (f, s) in fits {
            if let Some(s) = s {
                out.entry(f.platform_id).or_default().push(s);
            }
        }
    }
    Ok(out)
}

/// The stock side of a case's matching, from its platform's SKUs and their
/// lots (read or kept in memory): each SKU that fits is offered from its
/// first usable lot. With `explain`, every SKU turned down is listed with
/// why (batch matching explains only the cases left without an option).
pub(crate) fn stock_matching(
    c: &clinical_case::Model,
    p: &Policy,
    skus: &[abutment_sku::Model],
    stock: &HashMap<i64, Vec<LotStock>>,
    now: DateTime<Utc>,
    explain: bool,
) -> Matching {
    let mut m = Matching::default();
    let mut fitting = Vec::new();
    for s in skus {
        match misfit(c, s, p) {
            Some(why) if explain => m.rejected.push(Rejection {
                decision: CaseDecision::Stock,
                sku: Some(s.clone()),
                reason: why.to_string(),
            }),
            Some(_) => {}
            None => fitting.push(s),
        }
    }
    for s in fitting {
        let lots = stock.get(&s.id).map(Vec::as_slice).unwrap_or(&[]);
        offer_stock(&mut m, c, s, lots, now, explain);
    }
    m
}

/// Reads the rows of the lots the options offer (one statement).
async fn read_option_lots(db: &impl ConnectionTrait, m: &mut Matching) -> AppResult<()> {
    let ids: Vec<i64> = m.options.iter().filter_map(|o| o.lot_id).collect();
    if ids.is_empty() {
        return Ok(());
    }
    let lots: HashMap<i64, lot::Model> = lot::Entity::find()
        .filter(lot::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    for o in &mut m.options {
        o.lot = o.lot_id.and_then(|id| lots.get(&id).cloned());
    }
    Ok(())
}

/// Offers a fitting SKU as a stock option: its first usable lot in
/// allocation order, ready now; turned down (with `explain`) when no lot of
/// it is usable.
fn offer_stock(
    m: &mut Matching,
    c: &clinical_case::Model,
    s: &abutment_sku::Model,
    lots: &[LotStock],
    now: DateTime<Utc>,
    explain: bool,
) {
    let Some(first) = lots.iter().find(|l| l.usable > 0) else {
        if explain {
            m.rejected.push(Rejection {
                decision: CaseDecision::Stock,
                sku: Some(s.clone()),
                reason: no_stock_reason(lots),
            });
        }
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
        first.lot_number
    )];
    if let Some(e) = first.expiry {
        notes.push(format!("expires {e}"));
    }
    m.options.push(MatchOption {
        decision: CaseDecision::Stock,
        sku: Some(s.clone()),
        lot: None,
        lot_id: Some(first.lot_id),
        expiry: first.expiry,
        available: lots.iter().map(|l| l.usable).sum(),
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

/// The custom side of a case's matching: a custom part is offered when no
/// finished stock ships in time, the design is within the custom limits and
/// the shop can mill it; else it is turned down saying why. `platforms`
/// keeps the platforms read (batch matching reads each once).
pub(crate) async fn consider_custom(
    db: &impl ConnectionTrait,
    m: &mut Matching,
    c: &clinical_case::Model,
    platforms: &mut HashMap<i64, entity::platform::Model>,
    board: &mut EtaBoard,
) -> AppResult<()> {
    if m.options.iter().any(|o| o.meets_due_date) {
        m.rejected.push(custom_rejected(
            "not needed: finished stock ships in time".into(),
        ));
        return Ok(());
    }
    if let Err(e) = mfg::check_design(&custom_job(c)) {
        m.rejected.push(custom_rejected(format!(
            "outside the custom design limits: {e}"
        )));
        return Ok(());
    }
    let platform = match platforms.get(&c.platform_id) {
        Some(p) => p.clone(),
        None => {
            let p = catalog::platform(db, c.platform_id)
                .await?
                .ok_or_else(|| AppError::not_found("platform", c.platform_id.to_string()))?;
            platforms.insert(p.id, p.clone());
            p
        }
    };
    offer_custom(db, m, c, &platform, board).await
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
        lot_id: None,
        expiry: None,
        available: 0,
        ready_at: eta.end,
        meets_due_date: eta.meets_due_date.unwrap_or(false),
        deviation: 0,
        eta: Some(eta),
        notes,
    });
    Ok(())
}

/// On time first, then closest fit, then earliest expiry; equally good
/// options keep their order (SKU id, custom last).
pub(crate) fn rank(options: &mut [MatchOption]) {
    options.sort_by(|a, b| {
        let exp = |o: &MatchOption| o.expiry.unwrap_or(NaiveDate::MAX);
        (!a.meets_due_date, a.deviation, exp(a), a.ready_at).cmp(&(
            !b.meets_due_date,
            b.deviation,
            exp(b),
            b.ready_at,
        ))
    });
}
