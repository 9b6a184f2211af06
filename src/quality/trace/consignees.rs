//! Who received what: shipments resolved to clinics or named consignees, and the exposure per consignee.

use super::*;

/// The consignee of a reference no case, clinic or recall explains.
pub(crate) fn by_reference(reference: &str) -> Consignee {
    Consignee {
        key: format!("ref:{reference}"),
        clinic_id: None,
    }
}

impl MoveFacts {
    /// The clinics a movement's consignee may be.
    pub(crate) fn clinic_ids(&self) -> impl Iterator<Item = i64> + '_ {
        let shipment = self.shipment.as_ref().and_then(|s| s.clinic_id);
        let recall = self.recall.as_ref().and_then(|r| r.0);
        let case = self.case.map(|c| c.1);
        [shipment, recall, case, self.code_clinic]
            .into_iter()
            .flatten()
    }
}

/// The consignee of a clinic, by its code.
fn of_clinic(clinics: &HashMap<i64, clinic::Model>, id: i64) -> Consignee {
    Consignee {
        key: clinics
            .get(&id)
            .map(|c| c.code.clone())
            .unwrap_or_else(|| format!("clinic#{id}")),
        clinic_id: Some(id),
    }
}

/// Who a shipment went to or a return came from, the case it was for, and
/// a named consignee's address and contact. A shipment's consignee is
/// recorded with it (a clinic, or a name and address), and so is a recall
/// return's; otherwise (a shipment recorded before shipments named their
/// consignee, a case return) the reference is a case number (→ its clinic)
/// or a clinic's code, else it stands for itself.
pub(crate) fn resolve(
    m: &Movement,
    f: &MoveFacts,
    clinics: &HashMap<i64, clinic::Model>,
) -> (Consignee, Option<i64>, Option<Named>) {
    let case = f.case.map(|(case_id, _)| case_id);
    if let Some(s) = &f.shipment {
        match (s.clinic_id, &s.name, &s.address) {
            (Some(id), _, _) => (of_clinic(clinics, id), case, None),
            (None, Some(name), Some(address)) => (
                Consignee {
                    key: name.clone(),
                    clinic_id: None,
                },
                case,
                Some(Named {
                    name: name.clone(),
                    address: address.clone(),
                    contact: s.contact.clone(),
                }),
            ),
            _ => (by_reference(&m.reference), case, None),
        }
    } else if let Some((clinic_id, name)) = &f.recall {
        let consignee = match clinic_id {
            Some(id) => of_clinic(clinics, *id),
            None => Consignee {
                key: name.clone(),
                clinic_id: None,
            },
        };
        (consignee, None, None)
    } else if let Some((case_id, clinic_id)) = f.case {
        (of_clinic(clinics, clinic_id), Some(case_id), None)
    } else if let Some(clinic_id) = f.code_clinic {
        (of_clinic(clinics, clinic_id), None, None)
    } else {
        (by_reference(&m.reference), None, None)
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
