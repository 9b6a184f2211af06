//! The recall report as CSV: device identification, lots, quantities, consignees, actions, dates.

use super::*;

/// The recall report as CSV: one table whose first column says what each
/// row is (`recall`, `lot`, `stock_action`, `consignee`, `event`), ready for
/// a regulator or a distributor.
pub async fn report_csv(db: &impl ConnectionTrait, rc: &recall::Model) -> AppResult<String> {
    let t = impact(db, rc).await?;
    let mut w = Report::new(rc)?;
    w.recall(rc)?;
    w.lots(db, rc, &t).await?;
    w.stock_actions(db, rc, &t).await?;
    if rc.status == RecallStatus::Draft || rc.status == RecallStatus::Cancelled {
        w.preview_consignees(&t)?;
    } else {
        w.consignees(db, rc, &t).await?;
    }
    for e in events(db, rc.id).await? {
        w.row(&[
            ("record", "event".into()),
            ("state", e.action),
            ("at", ts(e.at)),
            ("detail", format!("{} by {}", e.detail, e.actor)),
        ])?;
    }
    let bytes = w
        .out
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(e.to_string()))
}

/// The report's columns, in order.
const COLUMNS: [&str; 19] = [
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

/// A report's timestamps: UTC, to the second.
fn ts(d: DateTime<Utc>) -> String {
    d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The report being written: every row names the recall.
struct Report {
    out: csv::Writer<Vec<u8>>,
    number: String,
}

impl Report {
    fn new(rc: &recall::Model) -> AppResult<Self> {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(COLUMNS).map_err(csv_err)?;
        Ok(Self {
            out,
            number: rc.number.clone(),
        })
    }

    /// Writes a row of the recall with the cells given by column name, the
    /// others empty.
    fn row(&mut self, vals: &[(&str, String)]) -> AppResult<()> {
        let row = COLUMNS.iter().map(|h| match *h {
            "recall" => self.number.as_str(),
            h => vals
                .iter()
                .find(|(k, _)| *k == h)
                .map_or("", |(_, v)| v.as_str()),
        });
        self.out.write_record(row).map_err(csv_err)
    }

    /// The recall itself: state, activation, class, scope, reason, closure.
    fn recall(&mut self, rc: &recall::Model) -> AppResult<()> {
        let scope = Scope::of_recall(rc)?;
        self.row(&[
            ("record", "recall".into()),
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
        ])
    }

    /// Every affected lot: item, article number, heat, on hand, state, and
    /// (once frozen) what it was at activation.
    async fn lots(
        &mut self,
        db: &impl ConnectionTrait,
        rc: &recall::Model,
        t: &ForwardTrace,
    ) -> AppResult<()> {
        let frozen: HashMap<i64, recall_lot::Model> = lots(db, rc.id)
            .await?
            .into_iter()
            .map(|l| (l.lot_id, l))
            .collect();
        let articles = articles_by_item(db, t).await?;
        for l in &t.lots {
            self.row(&[
                ("record", "lot".into()),
                ("lot", l.lot.lot_number.clone()),
                ("item", l.lot.kind.to_value()),
                (
                    "sku",
                    articles.get(&l.lot.item_id).cloned().unwrap_or_default(),
                ),
                ("heat_number", l.lot.heat_number.clone().unwrap_or_default()),
                ("quantity", l.on_hand().to_string()),
                ("state", l.lot.state.to_value()),
                (
                    "detail",
                    match frozen.get(&l.lot.id) {
                        Some(f) => format!(
                            "depth {}; was {} with {} on hand and {} reserved at activation",
                            f.depth, f.previous_state, f.on_hand, f.reserved
                        ),
                        None => format!("depth {}", l.lot.depth),
                    },
                ),
            ])?;
        }
        Ok(())
    }

    /// Stock actions: every ledger row that references the recall, oldest
    /// first.
    async fn stock_actions(
        &mut self,
        db: &impl ConnectionTrait,
        rc: &recall::Model,
        t: &ForwardTrace,
    ) -> AppResult<()> {
        use entity::stock_movement::{Column as M, Entity as Movements};
        let actions = Movements::find()
            .filter(
                M::Reference
                    .eq(rc.number.clone())
                    .or(M::Reference.eq(format!("recall {}: {}", rc.number, rc.reason)))
                    .or(M::Note.contains(format!(": recall {}: ", rc.number))),
            )
            .order_by_asc(M::Id)
            .all(db)
            .await?;
        let numbers = lot_numbers(t);
        for m in actions {
            self.row(&[
                ("record", "stock_action".into()),
                (
                    "lot",
                    numbers
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
            ])?;
        }
        Ok(())
    }

    /// Before activation (or after cancelling): who would be notified, from
    /// the trace.
    fn preview_consignees(&mut self, t: &ForwardTrace) -> AppResult<()> {
        for e in &t.exposure {
            let clinic = e.clinic.as_ref();
            self.row(&[
                ("record", "consignee".into()),
                ("consignee", e.consignee.key.clone()),
                ("clinic", clinic.map(|c| c.name.clone()).unwrap_or_default()),
                (
                    "country",
                    clinic.map(|c| c.country.clone()).unwrap_or_default(),
                ),
                (
                    "address",
                    consignee_address(clinic, e.named.as_ref().map(|n| n.address.as_str()))
                        .unwrap_or_default(),
                ),
                (
                    "contact",
                    consignee_contact(clinic, e.named.as_ref().and_then(|n| n.contact.as_deref()))
                        .unwrap_or_default(),
                ),
                ("shipped", e.shipped.to_string()),
                ("returned", e.returned.to_string()),
                ("outstanding", (e.shipped - e.returned).to_string()),
                ("at", ts(e.last_shipped)),
                ("detail", "preview: not notified (recall not active)".into()),
            ])?;
        }
        Ok(())
    }

    /// Once active: each listed consignee's reconciliation and whether and
    /// how it was notified.
    async fn consignees(
        &mut self,
        db: &impl ConnectionTrait,
        rc: &recall::Model,
        t: &ForwardTrace,
    ) -> AppResult<()> {
        let numbers = lot_numbers(t);
        for l in reconciliation(db, rc).await? {
            let c = l.clinic.as_ref();
            let lots = lot_list(&l.by_lot, &numbers);
            self.row(&[
                ("record", "consignee".into()),
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
                        (Some(v), Some(by)) => format!("notified by {v} ({by}); lots: {lots}"),
                        _ => format!("NOT NOTIFIED; lots: {lots}"),
                    },
                ),
            ])?;
        }
        Ok(())
    }
}

/// Lot numbers of the trace's lots, by id.
fn lot_numbers(t: &ForwardTrace) -> HashMap<i64, String> {
    t.lots
        .iter()
        .map(|l| (l.lot.id, l.lot.lot_number.clone()))
        .collect()
}

/// The article number of each item of the trace's lots that is a SKU's.
async fn articles_by_item(
    db: &impl ConnectionTrait,
    t: &ForwardTrace,
) -> AppResult<HashMap<i64, String>> {
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
    Ok(item_skus
        .into_iter()
        .filter_map(|(item, sku)| Some((item, articles.get(&sku)?.clone())))
        .collect())
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
