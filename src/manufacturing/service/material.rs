//! Material for a job: the bar or blank lots that can be issued, and how much a job needs.

use super::*;

/// Material the caller picks for a job: a lot and, optionally, how much.
#[derive(Debug, Clone)]
pub struct MaterialPick {
    pub lot_id: i64,
    pub quantity: Option<i64>,
}

/// What starting a job needs.
#[derive(Debug, Clone)]
pub struct StartJob {
    /// Defaults to the planned machine.
    pub machine_id: Option<i64>,
    pub operator: String,
    pub cam_program: String,
    /// Tools to use; defaults to the active tools mounted on the machine.
    pub tool_ids: Option<Vec<i64>>,
    /// Lots to issue; defaults to released lots, oldest first.
    pub material: Option<Vec<MaterialPick>>,
}

/// Free units of released, unexpired lots of one item kind, by lot.
pub(crate) struct Candidate {
    pub(crate) lot: lot::Model,
    pub(crate) location_id: i64,
    pub(crate) free: i64,
}

/// Released, unexpired stock of matching raw material at stock locations,
/// oldest lot first.
pub(crate) async fn raw_candidates(
    db: &impl ConnectionTrait,
    items: &[i64],
) -> AppResult<Vec<Candidate>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let lots = lot::Entity::find()
        .filter(lot::Column::ItemId.is_in(items.iter().copied()))
        .filter(lot::Column::State.eq(LotState::Released))
        .order_by_asc(lot::Column::Id)
        .all(db)
        .await?;
    let t = today();
    let lots: Vec<lot::Model> = lots
        .into_iter()
        .filter(|l| effective_state(l, t) == EffectiveState::Released)
        .collect();
    let stock_locs: HashSet<i64> = location::Entity::find()
        .filter(location::Column::LocationType.eq(LocationType::Stock))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.id)
        .collect();
    let balances = stock_balance::Entity::find()
        .filter(stock_balance::Column::LotId.is_in(lots.iter().map(|l| l.id)))
        .order_by_asc(stock_balance::Column::LocationId)
        .all(db)
        .await?;
    let mut by_lot: BTreeMap<i64, Vec<stock_balance::Model>> = BTreeMap::new();
    for b in balances {
        if stock_locs.contains(&b.location_id) && b.on_hand > b.reserved {
            by_lot.entry(b.lot_id).or_default().push(b);
        }
    }
    let mut out = Vec::new();
    for l in lots {
        for b in by_lot.remove(&l.id).unwrap_or_default() {
            out.push(Candidate {
                lot: l.clone(),
                location_id: b.location_id,
                free: b.on_hand - b.reserved,
            });
        }
    }
    Ok(out)
}

/// The raw-material items a job can use, and a description of them.
pub(crate) async fn raw_items(
    db: &impl ConnectionTrait,
    j: &production_job::Model,
    m: &machine::Model,
    req: &Requirement,
) -> AppResult<(Vec<i64>, String)> {
    match j.kind {
        JobKind::Stock => {
            let grade = sea_orm::ActiveEnum::to_value(&j.material);
            let items = item::Entity::find()
                .filter(item::Column::Kind.eq(ItemKind::Bar))
                .filter(item::Column::Code.starts_with(format!("BAR/{grade}/")))
                .all(db)
                .await?;
            // Bar code is BAR/<grade>/<Ø mm>: keep the diameters that fit.
            let min = req
                .part_diameter_um
                .unwrap_or(0)
                .max(m.bar_min_diameter_um.unwrap_or(0));
            let max = m.bar_max_diameter_um.unwrap_or(i32::MAX);
            let ids = items
                .iter()
                .filter(|i| {
                    i.code
                        .rsplit('/')
                        .next()
                        .and_then(|d| d.parse::<rust_decimal::Decimal>().ok())
                        .and_then(|d| {
                            crate::catalog::units::to_milli(
                                d,
                                "",
                                "mm",
                                rust_decimal::Decimal::ZERO,
                                rust_decimal::Decimal::new(1000, 0),
                            )
                            .ok()
                        })
                        .is_some_and(|um| um >= min && um <= max)
                })
                .map(|i| i.id)
                .collect();
            Ok((
                ids,
                format!(
                    "released {grade} bar of Ø{}–{} mm",
                    f64::from(min) / 1000.0,
                    if max == i32::MAX {
                        "any".to_owned()
                    } else {
                        (f64::from(max) / 1000.0).to_string()
                    }
                ),
            ))
        }
        JobKind::Custom => {
            let platform = j.platform_id.ok_or_else(|| {
                AppError::Internal(format!("custom job {} has no platform", j.number))
            })?;
            let items = item::Entity::find()
                .filter(item::Column::Kind.eq(ItemKind::Blank))
                .filter(item::Column::PlatformId.eq(platform))
                .all(db)
                .await?;
            Ok((
                items.into_iter().map(|i| i.id).collect(),
                "a released pre-milled blank for this platform".into(),
            ))
        }
    }
}

/// How much raw material a job consumes (mm of bar, or blanks).
pub fn material_needed(j: &production_job::Model) -> i64 {
    match j.kind {
        JobKind::Stock => i64::from(j.quantity) * i64::from(j.bar_mm_per_part.unwrap_or(0)),
        JobKind::Custom => i64::from(j.quantity),
    }
}
