//! Who received what: shipments resolved to clinics or named consignees, and the exposure per consignee.

use super::*;

/// The consignee of a reference no case, clinic or recall explains.
pub(crate) fn by_reference(reference: &str) -> Consignee {
    Consignee {
        key: format!("ref:{reference}"),
        clinic_id: None,
    }
}

/// Who each shipment went to and each return came from: a shipment's
/// consignee is recorded with it (a clinic, or a name and address), and so
/// is a recall return's; otherwise (a shipment recorded before shipments
/// named their consignee, a case return) the reference is a case number
/// (→ its clinic) or a clinic's code, else it stands for itself.
pub(crate) type Resolved = HashMap<i64, (Consignee, Option<i64>, Option<Named>)>;

pub(crate) async fn resolve_consignees(
    db: &impl ConnectionTrait,
    moves: &[Movement],
) -> AppResult<(Resolved, HashMap<i64, clinic::Model>)> {
    let refs: Vec<String> = moves
        .iter()
        .map(|m| m.reference.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut cases: HashMap<String, (i64, i64)> = HashMap::new();
    let mut clinics: HashMap<i64, clinic::Model> = HashMap::new();
    for c in refs.chunks(CHUNK) {
        for (id, number, clinic_id) in clinical_case::Entity::find()
            .select_only()
            .column(clinical_case::Column::Id)
            .column(clinical_case::Column::Number)
            .column(clinical_case::Column::ClinicId)
            .filter(clinical_case::Column::Number.is_in(c.iter().cloned()))
            .into_tuple::<(i64, String, i64)>()
            .all(db)
            .await?
        {
            cases.insert(number, (id, clinic_id));
        }
        for cl in clinic::Entity::find()
            .filter(clinic::Column::Code.is_in(c.iter().cloned()))
            .all(db)
            .await?
        {
            clinics.insert(cl.id, cl);
        }
    }
    let by_code: HashMap<String, i64> = clinics.values().map(|c| (c.code.clone(), c.id)).collect();
    let return_ids: Vec<i64> = moves
        .iter()
        .filter(|m| m.reason == MovementReason::Return)
        .map(|m| m.id)
        .collect();
    let recall_returns: HashMap<i64, i64> = chunked(&return_ids, |c| {
        recall_action::Entity::find()
            .filter(recall_action::Column::MovementId.is_in(c))
            .all(db)
    })
    .await?
    .into_iter()
    .filter_map(|a| Some((a.movement_id?, a.consignee_id)))
    .collect();
    let shipment_ids: Vec<i64> = moves
        .iter()
        .filter(|m| m.reason == MovementReason::Shipment)
        .map(|m| m.id)
        .collect();
    let shipped_to: HashMap<i64, shipment::Model> = chunked(&shipment_ids, |c| {
        shipment::Entity::find()
            .filter(shipment::Column::MovementId.is_in(c))
            .all(db)
    })
    .await?
    .into_iter()
    .map(|s| (s.movement_id, s))
    .collect();
    let recall_consignees: HashMap<i64, entity::recall_consignee::Model> =
        if recall_returns.is_empty() {
            HashMap::new()
        } else {
            entity::recall_consignee::Entity::find()
                .filter(
                    entity::recall_consignee::Column::Id
                        .is_in(recall_returns.values().copied().collect::<HashSet<_>>()),
                )
                .all(db)
                .await?
                .into_iter()
                .map(|c| (c.id, c))
                .collect()
        };
    // Clinics known only through a case or a recall consignee.
    let missing: HashSet<i64> = cases
        .values()
        .map(|(_, c)| *c)
        .chain(recall_consignees.values().filter_map(|c| c.clinic_id))
        .chain(shipped_to.values().filter_map(|s| s.clinic_id))
        .filter(|id| !clinics.contains_key(id))
        .collect();
    if !missing.is_empty() {
        for cl in clinic::Entity::find()
            .filter(clinic::Column::Id.is_in(missing))
            .all(db)
            .await?
        {
            clinics.insert(cl.id, cl);
        }
    }
    let of_clinic = |id: i64| Consignee {
        key: clinics
            .get(&id)
            .map(|c| c.code.clone())
            .unwrap_or_else(|| format!("clinic#{id}")),
        clinic_id: Some(id),
    };
    let mut out = HashMap::new();
    for m in moves {
        let r = if let Some(s) = shipped_to.get(&m.id) {
            let case = cases.get(&m.reference).map(|(case_id, _)| *case_id);
            match (s.clinic_id, &s.consignee_name, &s.consignee_address) {
                (Some(id), _, _) => (of_clinic(id), case, None),
                (None, Some(name), Some(address)) => (
                    Consignee {
                        key: name.clone(),
                        clinic_id: None,
                    },
                    case,
                    Some(Named {
                        name: name.clone(),
                        address: address.clone(),
                        contact: s.consignee_contact.clone(),
                    }),
                ),
                _ => (by_reference(&m.reference), case, None),
            }
        } else if let Some(c) = recall_returns
            .get(&m.id)
            .and_then(|cid| recall_consignees.get(cid))
        {
            let consignee = match c.clinic_id {
                Some(id) => of_clinic(id),
                None => Consignee {
                    key: c.consignee.clone(),
                    clinic_id: None,
                },
            };
            (consignee, None, None)
        } else if let Some((case_id, clinic_id)) = cases.get(&m.reference) {
            (of_clinic(*clinic_id), Some(*case_id), None)
        } else if let Some(clinic_id) = by_code.get(&m.reference) {
            (of_clinic(*clinic_id), None, None)
        } else {
            (by_reference(&m.reference), None, None)
        };
        out.insert(m.id, r);
    }
    Ok((out, clinics))
}

/// Shipped and returned units per consignee, most shipped first.
pub(crate) fn exposure(
    shipments: &[Dispatch],
    returns: &[Dispatch],
    clinics: &HashMap<i64, clinic::Model>,
) -> Vec<Exposure> {
    let mut by: BTreeMap<Consignee, Exposure> = BTreeMap::new();
    for d in shipments {
        let at = d.movement.at;
        let e = by.entry(d.consignee.clone()).or_insert_with(|| Exposure {
            consignee: d.consignee.clone(),
            clinic: None,
            shipped: 0,
            returned: 0,
            first_shipped: at,
            last_shipped: at,
            by_lot: BTreeMap::new(),
            named: None,
        });
        if d.named.is_some() && at >= e.last_shipped {
            e.named = d.named.clone();
        }
        e.shipped += d.movement.quantity;
        e.first_shipped = e.first_shipped.min(at);
        e.last_shipped = e.last_shipped.max(at);
        *e.by_lot.entry(d.movement.lot_id).or_default() += d.movement.quantity;
    }
    for d in returns {
        if let Some(e) = by.get_mut(&d.consignee) {
            e.returned += d.movement.quantity;
        }
    }
    let mut out: Vec<Exposure> = by
        .into_values()
        .map(|mut e| {
            e.clinic = e
                .consignee
                .clinic_id
                .and_then(|id| clinics.get(&id).cloned());
            e
        })
        .collect();
    out.sort_by(|a, b| {
        b.shipped
            .cmp(&a.shipped)
            .then_with(|| a.consignee.key.cmp(&b.consignee.key))
    });
    out
}
