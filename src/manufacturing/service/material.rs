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

/// Free units of a usable lot of raw material at one location.
pub(crate) type Candidate = crate::inventory::allocation::Usable;

/// Usable stock of matching raw material, in allocation order
/// ([`crate::inventory::allocation`]: lots without expiry oldest first).
pub(crate) async fn raw_candidates(
    db: &impl ConnectionTrait,
    items: &[i64],
) -> AppResult<Vec<Candidate>> {
    let need = crate::inventory::allocation::Need {
        items: Some(items.to_vec()),
        lot: None,
    };
    crate::inventory::allocation::usable(db, &need).await
}

/// The usable material of these items, read again after its lots are
/// locked (in id order, like every path that changes stock): what is issued
/// cannot be reserved, shipped or blocked by another transaction before the
/// issue is written.
pub(crate) async fn locked_candidates(
    db: &impl ConnectionTrait,
    items: &[i64],
) -> AppResult<Vec<Candidate>> {
    let mut ids: Vec<i64> = raw_candidates(db, items)
        .await?
        .iter()
        .map(|c| c.lot.id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    inv::lock_lots(db, &ids).await?;
    raw_candidates(db, items).await
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
                .filter(item::Column::Code.starts_with(inv::bar_code_prefix(j.material)))
                .all(db)
                .await?;
            // Keep the diameters that fit.
            let min = req
                .part_diameter_um
                .unwrap_or(0)
                .max(m.bar_min_diameter_um.unwrap_or(0));
            let max = m.bar_max_diameter_um.unwrap_or(i32::MAX);
            let ids = items
                .iter()
                .filter(|i| inv::bar_diameter_um(&i.code).is_some_and(|um| um >= min && um <= max))
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
