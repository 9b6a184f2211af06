//! Consignees of a recall: who received what, notification, and the units still out.

use super::*;

/// The recall's consignees.
pub async fn consignees(
    db: &impl ConnectionTrait,
    recall_id: i64,
) -> AppResult<Vec<recall_consignee::Model>> {
    Ok(recall_consignee::Entity::find()
        .filter(recall_consignee::Column::RecallId.eq(recall_id))
        .order_by_desc(recall_consignee::Column::Shipped)
        .order_by_asc(recall_consignee::Column::Consignee)
        .all(db)
        .await?)
}

pub(crate) async fn consignee_of(
    db: &impl ConnectionTrait,
    rc: &recall::Model,
    consignee_id: i64,
) -> AppResult<recall_consignee::Model> {
    recall_consignee::Entity::find_by_id(consignee_id)
        .one(db)
        .await?
        .filter(|c| c.recall_id == rc.id)
        .ok_or_else(|| {
            AppError::bad_input(
                "consigneeId",
                format!(
                    "consignee #{consignee_id} is not one of recall {}",
                    rc.number
                ),
            )
        })
}

/// Records that a consignee was notified (again: the latest counts).
pub async fn notify(
    db: &impl ConnectionTrait,
    actor: &Actor,
    recall_id: i64,
    consignee_id: i64,
    via: NotificationChannel,
    at: Option<DateTime<Utc>>,
    note: Option<String>,
) -> AppResult<recall_consignee::Model> {
    let rc = lock(db, recall_id, RecallStatus::Active, "notified").await?;
    let c = consignee_of(db, &rc, consignee_id).await?;
    let now = Utc::now();
    let at = at.unwrap_or(now);
    if at > now + chrono::Duration::minutes(5) {
        return Err(AppError::bad_input(
            "at",
            format!("{at} is in the future: record a notification once it is made"),
        ));
    }
    if rc
        .activated_at
        .is_some_and(|a| at < a - chrono::Duration::days(1))
    {
        return Err(AppError::bad_input(
            "at",
            format!("{at} is before the recall was activated"),
        ));
    }
    let key = c.consignee.clone();
    let mut am = c.into_active_model();
    am.notified_at = Set(Some(at));
    am.notified_via = Set(Some(via));
    am.notified_by = Set(Some(actor.name.clone()));
    am.notification_note = Set(note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()));
    let c = am.update(db).await?;
    event(
        db,
        rc.id,
        actor,
        "NOTIFIED",
        format!("{key} by {via} at {}", at.format("%Y-%m-%d %H:%M")),
    )
    .await?;
    Ok(c)
}

/// Per consignee and lot: shipped, returned, confirmed used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub shipped: i64,
    pub returned: i64,
    pub used: i64,
}

impl Tally {
    /// Units still out there, unaccounted for.
    pub fn outstanding(&self) -> i64 {
        self.shipped - self.returned - self.used
    }
}

/// Tallies of the recall per consignee key and lot, from the ledger (shipments
/// and returns of its lots) and the confirmed uses.
pub(crate) async fn tallies(
    db: &impl ConnectionTrait,
    ids: &[(i64, i32)],
) -> AppResult<HashMap<(String, i64), Tally>> {
    let t = trace::forward_of(db, trace::briefs(db, ids).await?).await?;
    let mut out: HashMap<(String, i64), Tally> = HashMap::new();
    for d in &t.shipments {
        out.entry((d.consignee.key.clone(), d.movement.lot_id))
            .or_default()
            .shipped += d.movement.quantity;
    }
    for d in &t.returns {
        out.entry((d.consignee.key.clone(), d.movement.lot_id))
            .or_default()
            .returned += d.movement.quantity;
    }
    // Uses confirmed under any recall count: a unit implanted is gone.
    let lot_ids: Vec<i64> = ids.iter().map(|(id, _)| *id).collect();
    let mut used = Vec::new();
    for c in lot_ids.chunks(10_000) {
        used.extend(
            recall_action::Entity::find()
                .filter(recall_action::Column::LotId.is_in(c.to_vec()))
                .filter(recall_action::Column::Kind.eq(RecallActionKind::Used))
                .all(db)
                .await?,
        );
    }
    let keys: HashMap<i64, String> = if used.is_empty() {
        HashMap::new()
    } else {
        recall_consignee::Entity::find()
            .filter(
                recall_consignee::Column::Id
                    .is_in(used.iter().map(|a| a.consignee_id).collect::<HashSet<_>>()),
            )
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c.consignee))
            .collect()
    };
    for a in used {
        if let Some(k) = keys.get(&a.consignee_id) {
            out.entry((k.clone(), a.lot_id)).or_default().used += a.quantity;
        }
    }
    Ok(out)
}

/// Holds a lot's row until the transaction ends (PostgreSQL), so returns
/// and confirmed uses of it, under any recall or a case, are counted one at
/// a time.
pub async fn hold_lot(db: &impl ConnectionTrait, lot_id: i64) -> AppResult<()> {
    lot::Entity::update_many()
        .col_expr(lot::Column::UpdatedAt, Expr::col(lot::Column::UpdatedAt))
        .filter(lot::Column::Id.eq(lot_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Units of a lot shipped to a consignee (a clinic's code) that it has
/// neither returned nor confirmed used, under any recall, from the ledger.
pub async fn units_out(db: &impl ConnectionTrait, consignee: &str, lot_id: i64) -> AppResult<i64> {
    hold_lot(db, lot_id).await?;
    Ok(tallies(db, &[(lot_id, 0)])
        .await?
        .get(&(consignee.to_owned(), lot_id))
        .map(Tally::outstanding)
        .unwrap_or_default())
}

/// Units a consignee may still return or confirm of a lot.
pub(crate) async fn open_units(
    db: &impl ConnectionTrait,
    rc: &recall::Model,
    c: &recall_consignee::Model,
    lot_id: i64,
) -> AppResult<i64> {
    let frozen = recall_lot::Entity::find_by_id((rc.id, lot_id))
        .one(db)
        .await?;
    if frozen.is_none() {
        let l = inventory::lot(db, lot_id).await?;
        return Err(AppError::bad_input(
            "lotId",
            format!(
                "lot {} is not affected by recall {}",
                l.lot_number, rc.number
            ),
        ));
    }
    units_out(db, &c.consignee, lot_id).await
}
