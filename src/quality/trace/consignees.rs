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
    let (cases, mut clinics) = by_references(db, moves).await?;
    let by_code: HashMap<String, i64> = clinics.values().map(|c| (c.code.clone(), c.id)).collect();
    let (recall_returns, recall_consignees) = recall_returns(db, moves).await?;
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
    // Clinics known only through a case, a recall consignee or a shipment.
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
    let known = Known {
        cases,
        clinics,
        by_code,
        recall_returns,
        recall_consignees,
        shipped_to,
    };
    let out = moves.iter().map(|m| (m.id, known.resolve(m))).collect();
    Ok((out, known.clinics))
}

/// The cases (id, clinic id) whose number, and the clinics whose code, is
/// a movement's reference.
async fn by_references(
    db: &impl ConnectionTrait,
    moves: &[Movement],
) -> AppResult<(HashMap<String, (i64, i64)>, HashMap<i64, clinic::Model>)> {
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
    Ok((cases, clinics))
}

/// The recall consignee of each RETURN movement a recall recorded: the
/// consignee id by movement id, and the consignees by id.
async fn recall_returns(
    db: &impl ConnectionTrait,
    moves: &[Movement],
) -> AppResult<(
    HashMap<i64, i64>,
    HashMap<i64, entity::recall_consignee::Model>,
)> {
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
    if recall_returns.is_empty() {
        return Ok((recall_returns, HashMap::new()));
    }
    let consignees = entity::recall_consignee::Entity::find()
        .filter(
            entity::recall_consignee::Column::Id
                .is_in(recall_returns.values().copied().collect::<HashSet<_>>()),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    Ok((recall_returns, consignees))
}

/// What is known about the movements' references, shipments and recall
/// returns.
struct Known {
    /// Case (id, clinic id) by case number.
    cases: HashMap<String, (i64, i64)>,
    clinics: HashMap<i64, clinic::Model>,
    /// Clinic id by a reference that is a clinic's code.
    by_code: HashMap<String, i64>,
    /// Recall consignee id by RETURN movement id.
    recall_returns: HashMap<i64, i64>,
    recall_consignees: HashMap<i64, entity::recall_consignee::Model>,
    /// Shipment record by SHIPMENT movement id.
    shipped_to: HashMap<i64, shipment::Model>,
}

impl Known {
    fn of_clinic(&self, id: i64) -> Consignee {
        Consignee {
            key: self
                .clinics
                .get(&id)
                .map(|c| c.code.clone())
                .unwrap_or_else(|| format!("clinic#{id}")),
            clinic_id: Some(id),
        }
    }

    /// Who a movement went to (came from), the case it was for, and a
    /// named consignee's address and contact.
    fn resolve(&self, m: &Movement) -> (Consignee, Option<i64>, Option<Named>) {
        if let Some(s) = self.shipped_to.get(&m.id) {
            let case = self.cases.get(&m.reference).map(|(case_id, _)| *case_id);
            match (s.clinic_id, &s.consignee_name, &s.consignee_address) {
                (Some(id), _, _) => (self.of_clinic(id), case, None),
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
        } else if let Some(c) = self
            .recall_returns
            .get(&m.id)
            .and_then(|cid| self.recall_consignees.get(cid))
        {
            let consignee = match c.clinic_id {
                Some(id) => self.of_clinic(id),
                None => Consignee {
                    key: c.consignee.clone(),
                    clinic_id: None,
                },
            };
            (consignee, None, None)
        } else if let Some((case_id, clinic_id)) = self.cases.get(&m.reference) {
            (self.of_clinic(*clinic_id), Some(*case_id), None)
        } else if let Some(clinic_id) = self.by_code.get(&m.reference) {
            (self.of_clinic(*clinic_id), None, None)
        } else {
            (by_reference(&m.reference), None, None)
        }
    }
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
