//! The recall report as CSV: device identification, lots, quantities, consignees, actions, dates.

use super::*;

/// The recall report as CSV: one table whose first column says what each
/// row is (`recall`, `lot`, `stock_action`, `consignee`, `event`), ready for
/// a regulator or a distributor.
pub async fn report_csv(db: &impl ConnectionTrait, rc: &recall::Model) -> AppResult<String> {
    let t = impact(db, rc).await?;
    let frozen: HashMap<i64, recall_lot::Model> = lots(db, rc.id)
        .await?
        .into_iter()
        .map(|l| (l.lot_id, l))
        .collect();
    // Article number per item, for the lots of finished parts.
    let item_skus: HashMap<i64, i64> = entity::item::Entity::find()
        .filter(
            entity::item::Column::Id
                .is_in(t.lots.iter().map(|l| l.lot.item_id).collect::<HashSet<_>>()),
        )
        .all(db)
        .await?
        .into_iter()
        .filter_map(|i| Some((i.id, i.sku_id?)))
        .collect();
    let articles: HashMap<i64, String> = entity::abutment_sku::Entity::find()
        .filter(
            entity::abutment_sku::Column::Id
                .is_in(item_skus.values().copied().collect::<HashSet<_>>()),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.article_number))
        .collect();
    let lot_numbers: HashMap<i64, String> = t
        .lots
        .iter()
        .map(|l| (l.lot.id, l.lot.lot_number.clone()))
        .collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "record",
        "recall",
        "lot",
        "item",
        "sku",
        "heat_number",
        "consignee",
        "clinic",
        "country",
        "address",
        "contact",
        "quantity",
        "shipped",
        "returned",
        "used",
        "outstanding",
        "state",
        "at",
        "detail",
    ];
    w.write_record(header).map_err(csv_err)?;
    let row = |vals: &[(&str, String)]| -> Vec<String> {
        header
            .iter()
            .map(|h| {
                vals.iter()
                    .find(|(k, _)| k == h)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            })
            .collect()
    };
    let ts = |d: DateTime<Utc>| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let scope = Scope::of_recall(rc)?;
    w.write_record(row(&[
        ("record", "recall".into()),
        ("recall", rc.number.clone()),
        ("state", rc.status.to_value()),
        ("at", rc.activated_at.map(ts).unwrap_or_default()),
        (
            "detail",
            format!(
                "class {}; scope: {}; reason: {}{}",
                rc.class.to_value(),
                scope.describe(),
                rc.reason,
                rc.closure_note
                    .as_deref()
                    .map(|n| format!("; closure: {n}"))
                    .unwrap_or_default()
            ),
        ),
    ]))
    .map_err(csv_err)?;
    for l in &t.lots {
        let f = frozen.get(&l.lot.id);
        w.write_record(row(&[
            ("record", "lot".into()),
            ("recall", rc.number.clone()),
            ("lot", l.lot.lot_number.clone()),
            ("item", l.lot.kind.to_value()),
            (
                "sku",
                item_skus
                    .get(&l.lot.item_id)
                    .and_then(|s| articles.get(s).cloned())
                    .unwrap_or_default(),
            ),
            ("heat_number", l.lot.heat_number.clone().unwrap_or_default()),
            ("quantity", l.on_hand().to_string()),
            ("state", l.lot.state.to_value()),
            (
                "detail",
                match f {
                    Some(f) => format!(
                        "depth {}; was {} with {} on hand and {} reserved at activation",
                        f.depth, f.previous_state, f.on_hand, f.reserved
                    ),
                    None => format!("depth {}", l.lot.depth),
                },
            ),
        ]))
        .map_err(csv_err)?;
    }
    // Stock actions: every ledger row that references the recall, oldest first.
    let actions = entity::stock_movement::Entity::find()
        .filter(
            entity::stock_movement::Column::Reference
                .eq(rc.number.clone())
                .or(entity::stock_movement::Column::Reference
                    .eq(format!("recall {}: {}", rc.number, rc.reason)))
                .or(entity::stock_movement::Column::Note
                    .contains(format!(": recall {}: ", rc.number))),
        )
        .order_by_asc(entity::stock_movement::Column::Id)
        .all(db)
        .await?;
    for m in actions {
        w.write_record(row(&[
            ("record", "stock_action".into()),
            ("recall", rc.number.clone()),
            (
                "lot",
                lot_numbers
                    .get(&m.lot_id)
                    .cloned()
                    .unwrap_or_else(|| m.lot_id.to_string()),
            ),
            ("quantity", m.quantity.to_string()),
            ("state", m.reason.to_value()),
            ("at", ts(m.at)),
            (
                "detail",
                format!("{} by {}", m.note.unwrap_or_default(), m.actor_name),
            ),
        ]))
        .map_err(csv_err)?;
    }
    if rc.status == RecallStatus::Draft || rc.status == RecallStatus::Cancelled {
        for e in &t.exposure {
            w.write_record(row(&[
                ("record", "consignee".into()),
                ("recall", rc.number.clone()),
                ("consignee", e.consignee.key.clone()),
                (
                    "clinic",
                    e.clinic
                        .as_ref()
                        .map(|c| c.name.clone())
                        .unwrap_or_default(),
                ),
                (
                    "country",
                    e.clinic
                        .as_ref()
                        .map(|c| c.country.clone())
                        .unwrap_or_default(),
                ),
                (
                    "address",
                    consignee_address(
                        e.clinic.as_ref(),
                        e.named.as_ref().map(|n| n.address.as_str()),
                    )
                    .unwrap_or_default(),
                ),
                (
                    "contact",
                    consignee_contact(
                        e.clinic.as_ref(),
                        e.named.as_ref().and_then(|n| n.contact.as_deref()),
                    )
                    .unwrap_or_default(),
                ),
                ("shipped", e.shipped.to_string()),
                ("returned", e.returned.to_string()),
                ("outstanding", (e.shipped - e.returned).to_string()),
                ("at", ts(e.last_shipped)),
                ("detail", "preview: not notified (recall not active)".into()),
            ]))
            .map_err(csv_err)?;
        }
    } else {
        for l in reconciliation(db, rc).await? {
            let c = l.clinic.as_ref();
            w.write_record(row(&[
                ("record", "consignee".into()),
                ("recall", rc.number.clone()),
                ("consignee", l.consignee.consignee.clone()),
                ("clinic", c.map(|c| c.name.clone()).unwrap_or_default()),
                ("country", c.map(|c| c.country.clone()).unwrap_or_default()),
                (
                    "address",
                    consignee_address(c, l.consignee.consignee_address.as_deref())
                        .unwrap_or_default(),
                ),
                (
                    "contact",
                    consignee_contact(c, l.consignee.consignee_contact.as_deref())
                        .unwrap_or_default(),
                ),
                ("shipped", l.tally.shipped.to_string()),
                ("returned", l.tally.returned.to_string()),
                ("used", l.tally.used.to_string()),
                ("outstanding", l.tally.outstanding().to_string()),
                ("at", l.consignee.notified_at.map(ts).unwrap_or_default()),
                (
                    "detail",
                    match (l.consignee.notified_via, &l.consignee.notified_by) {
                        (Some(v), Some(by)) => format!(
                            "notified by {v} ({by}); lots: {}",
                            lot_list(&l.by_lot, &lot_numbers)
                        ),
                        _ => format!("NOT NOTIFIED; lots: {}", lot_list(&l.by_lot, &lot_numbers)),
                    },
                ),
            ]))
            .map_err(csv_err)?;
        }
    }
    for e in events(db, rc.id).await? {
        w.write_record(row(&[
            ("record", "event".into()),
            ("recall", rc.number.clone()),
            ("state", e.action),
            ("at", ts(e.at)),
            ("detail", format!("{} by {}", e.detail, e.actor)),
        ]))
        .map_err(csv_err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(e.to_string()))
}

pub(crate) fn lot_list(by_lot: &BTreeMap<i64, Tally>, numbers: &HashMap<i64, String>) -> String {
    by_lot
        .iter()
        .map(|(id, t)| {
            format!(
                "{} shipped {} returned {} used {}",
                numbers.get(id).cloned().unwrap_or_else(|| id.to_string()),
                t.shipped,
                t.returned,
                t.used
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Where a consignee is: the clinic's address on file, or the address a
/// named consignee was given at shipping.
pub fn consignee_address(clinic: Option<&clinic::Model>, named: Option<&str>) -> Option<String> {
    match clinic {
        Some(c) => Some(format!("{}, {}, {}", c.address, c.city, c.country)),
        None => named.map(str::to_owned),
    }
}

/// How to reach a consignee: the clinic's contact on file, or what a named
/// consignee was given at shipping.
pub fn consignee_contact(clinic: Option<&clinic::Model>, named: Option<&str>) -> Option<String> {
    match clinic {
        Some(c) => Some(format!("{} <{}>", c.contact_name, c.email)),
        None => named.map(str::to_owned),
    }
}

pub(crate) fn csv_err(e: csv::Error) -> AppError {
    AppError::Internal(format!("writing the recall report: {e}"))
}
