//! The backward trace: from a unit, shipment or case up to the bar and its certificate.

use super::*;

/// A lot upstream of where a backward trace started.
#[derive(Debug, Clone)]
pub struct Ancestor {
    pub lot: lot::Model,
    pub item: item::Model,
    /// Steps from the start (0 = the start itself).
    pub depth: i32,
    /// The job that made it; none for material received from outside.
    pub job: Option<production_job::Model>,
    /// The edges to the lots it was made from.
    pub made_from: Vec<lot_genealogy::Model>,
}

/// Where a backward trace starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A lot.
    Lot(i64),
    /// A shipment: its SHIPMENT ledger row.
    Shipment(i64),
    /// A case: the lot shipped or reserved for it, or made by its job.
    Case(i64),
}

/// The lot a backward trace starts from.
pub async fn origin_lot(db: &impl ConnectionTrait, origin: Origin) -> AppResult<i64> {
    match origin {
        Origin::Lot(id) => Ok(crate::inventory::service::lot(db, id).await?.id),
        Origin::Shipment(id) => {
            let m = stock_movement::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| AppError::not_found("shipment", id.to_string()))?;
            if m.reason != MovementReason::Shipment {
                return Err(AppError::bad_input(
                    "shipmentId",
                    format!("movement {id} is a {}, not a SHIPMENT", m.reason),
                ));
            }
            Ok(m.lot_id)
        }
        Origin::Case(id) => {
            let c = clinical_case::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| AppError::not_found("case", id.to_string()))?;
            if let Some(l) = c.shipped_lot_id {
                return Ok(l);
            }
            if let Some(r) = c.reservation_id
                && let Some(r) = reservation::Entity::find_by_id(r).one(db).await?
            {
                return Ok(r.lot_id);
            }
            if let Some(j) = c.job_id
                && let Some(l) = production_job::Entity::find_by_id(j)
                    .one(db)
                    .await?
                    .and_then(|j| j.finished_lot_id)
            {
                return Ok(l);
            }
            Err(AppError::bad_input(
                "caseId",
                format!(
                    "case {} has no lot yet (it is {}): nothing to trace",
                    c.number, c.status
                ),
            ))
        }
    }
}

/// Traces backward from a lot: it and every lot upstream, each with the job
/// that made it and the edges to its material, nearest first.
pub async fn backward(db: &impl ConnectionTrait, start: i64) -> AppResult<Vec<Ancestor>> {
    let backend = db.get_database_backend();
    let roots = lot::Entity::find()
        .select_only()
        .column(lot::Column::Id)
        .filter(lot::Column::Id.eq(start))
        .build(backend);
    let reached = walk(db, roots, Direction::Backward).await?;
    let ids: Vec<i64> = reached.iter().map(|(id, _)| *id).collect();
    let depth: HashMap<i64, i32> = reached.iter().copied().collect();
    let lots = lot::Entity::find()
        .filter(lot::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?;
    let items: HashMap<i64, item::Model> = item::Entity::find()
        .filter(item::Column::Id.is_in(lots.iter().map(|l| l.item_id).collect::<HashSet<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let mut jobs: HashMap<i64, production_job::Model> = production_job::Entity::find()
        .filter(production_job::Column::FinishedLotId.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|j| Some((j.finished_lot_id?, j)))
        .collect();
    let mut edges: HashMap<i64, Vec<lot_genealogy::Model>> = HashMap::new();
    for e in lot_genealogy::Entity::find()
        .filter(lot_genealogy::Column::ChildLotId.is_in(ids))
        .order_by_asc(lot_genealogy::Column::Id)
        .all(db)
        .await?
    {
        edges.entry(e.child_lot_id).or_default().push(e);
    }
    let mut out: Vec<Ancestor> = lots
        .into_iter()
        .filter_map(|l| {
            Some(Ancestor {
                item: items.get(&l.item_id)?.clone(),
                depth: depth.get(&l.id).copied().unwrap_or_default(),
                job: jobs.remove(&l.id),
                made_from: edges.remove(&l.id).unwrap_or_default(),
                lot: l,
            })
        })
        .collect();
    out.sort_by_key(|a| (a.depth, a.lot.id));
    Ok(out)
}
