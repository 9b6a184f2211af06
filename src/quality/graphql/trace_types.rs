//! The object types of traces: forward and backward, lots, stock, shipments, consignees.

use super::*;

// ------------------------------------------------------------------ trace types

/// Units of a traced lot at one location.
#[derive(SimpleObject)]
pub struct TracedStock {
    /// The location.
    pub(crate) location: Location,
    /// Units (mm for bar) physically there.
    pub(crate) on_hand: i64,
    /// Of those, promised by open reservations.
    pub(crate) reserved: i64,
}

/// A lot a forward trace reached.
pub struct TracedLotObj(pub(crate) TracedLot);

/// A lot downstream of the trace's scope, with where its stock lies now.
#[Object(name = "TracedLot")]
impl TracedLotObj {
    /// The lot (state, dates, certificate data, UDI).
    pub(crate) async fn lot(&self, ctx: &Context<'_>) -> async_graphql::Result<Lot> {
        Ok(Lot(
            load::<entity::lot::Entity>(ctx, self.0.lot.id, "lot").await?
        ))
    }
    /// The lot's number.
    pub(crate) async fn lot_number(&self) -> &str {
        &self.0.lot.lot_number
    }
    /// The lot's stored state.
    pub(crate) async fn state(&self) -> entity::enums::LotState {
        self.0.lot.state
    }
    /// Heat number, for bar.
    pub(crate) async fn heat_number(&self) -> Option<&str> {
        self.0.lot.heat_number.as_deref()
    }
    /// Genealogy steps from the nearest lot the scope named (0 = one of them).
    pub(crate) async fn depth(&self) -> i32 {
        self.0.lot.depth
    }
    /// Bar, blank or finished.
    pub(crate) async fn kind(&self) -> ItemKind {
        self.0.lot.kind
    }
    /// Units on hand now, all locations and states (mm for bar).
    pub(crate) async fn on_hand(&self) -> i64 {
        self.0.on_hand()
    }
    /// Where those units lie.
    pub(crate) async fn stock(&self) -> Vec<TracedStock> {
        self.0
            .stock
            .iter()
            .map(|s| TracedStock {
                location: Location(s.location.clone()),
                on_hand: s.on_hand,
                reserved: s.reserved,
            })
            .collect()
    }
}

/// A shipment or a return of a traced lot.
pub struct TraceDispatch(pub(crate) Dispatch);

/// A SHIPMENT or RETURN ledger row of a traced lot, with who received (or sent back) the units.
#[Object]
impl TraceDispatch {
    /// Global id of the ledger row (a shipment's id is what `traceBackward(shipmentId:)` takes).
    pub(crate) async fn movement_id(&self) -> ID {
        ids::encode("StockMovement", self.0.movement.id)
    }
    /// The ledger row's reference (a case number, a clinic's code, an order, a recall).
    pub(crate) async fn reference(&self) -> &str {
        &self.0.movement.reference
    }
    /// The lot.
    pub(crate) async fn lot(&self, ctx: &Context<'_>) -> async_graphql::Result<Lot> {
        Ok(Lot(load::<entity::lot::Entity>(
            ctx,
            self.0.movement.lot_id,
            "lot",
        )
        .await?))
    }
    /// Units.
    pub(crate) async fn quantity(&self) -> i64 {
        self.0.movement.quantity
    }
    /// When.
    pub(crate) async fn at(&self) -> DateTime<Utc> {
        self.0.movement.at
    }
    /// The consignee named at shipping: a clinic's code or a named
    /// consignee's name (for an old shipment that named none: `ref:` and its
    /// reference, or the clinic its reference names).
    pub(crate) async fn consignee(&self) -> &str {
        &self.0.consignee.key
    }
    /// The clinic, when the consignee is one.
    pub(crate) async fn clinic(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Clinic>> {
        Ok(match self.0.consignee.clinic_id {
            Some(id) => Some(Clinic(load::<clinic::Entity>(ctx, id, "clinic").await?)),
            None => None,
        })
    }
    /// A consignee outside the clinic register, as named at shipping.
    pub(crate) async fn named_consignee(&self) -> Option<NamedConsignee> {
        self.0.named.clone().map(NamedConsignee::from)
    }
    /// Global id of the case it was shipped for, when the reference is a case number.
    pub(crate) async fn case_id(&self) -> Option<ID> {
        self.0.case_id.map(|id| ids::encode("ClinicalCase", id))
    }
}

/// A consignee outside the clinic register (a distributor, a lab, a
/// hospital), as named at shipping.
#[derive(SimpleObject)]
pub struct NamedConsignee {
    /// Its name.
    pub(crate) name: String,
    /// Its postal address.
    pub(crate) address: String,
    /// How to reach it (e-mail or phone), when given.
    pub(crate) contact: Option<String>,
}

impl From<trace::Named> for NamedConsignee {
    fn from(n: trace::Named) -> Self {
        NamedConsignee {
            name: n.name,
            address: n.address,
            contact: n.contact,
        }
    }
}

/// Units of one lot.
#[derive(SimpleObject)]
pub struct LotQuantity {
    /// The lot.
    pub(crate) lot: Lot,
    /// Units.
    pub(crate) quantity: i64,
}

/// What one consignee received of the traced lots.
pub struct ConsigneeExposure(pub(crate) Exposure);

/// A clinic or a named consignee (or, for old shipments that named none, a
/// reference) that received traced units.
#[Object]
impl ConsigneeExposure {
    /// The clinic's code, the named consignee's name, or `ref:` and the
    /// reference of an old shipment that named none.
    pub(crate) async fn consignee(&self) -> &str {
        &self.0.consignee.key
    }
    /// The clinic, when the consignee is one.
    pub(crate) async fn clinic(&self) -> Option<Clinic> {
        self.0.clinic.clone().map(Clinic)
    }
    /// A consignee outside the clinic register, as named at its last shipment.
    pub(crate) async fn named_consignee(&self) -> Option<NamedConsignee> {
        self.0.named.clone().map(NamedConsignee::from)
    }
    /// Where to send a notice: the clinic's address, or the named consignee's.
    pub(crate) async fn address(&self) -> Option<String> {
        service::consignee_address(
            self.0.clinic.as_ref(),
            self.0.named.as_ref().map(|n| n.address.as_str()),
        )
    }
    /// Whom to reach: the clinic's contact, or the named consignee's.
    pub(crate) async fn contact(&self) -> Option<String> {
        service::consignee_contact(
            self.0.clinic.as_ref(),
            self.0.named.as_ref().and_then(|n| n.contact.as_deref()),
        )
    }
    /// Units shipped to it.
    pub(crate) async fn shipped(&self) -> i64 {
        self.0.shipped
    }
    /// Units it sent back.
    pub(crate) async fn returned(&self) -> i64 {
        self.0.returned
    }
    /// First shipment.
    pub(crate) async fn first_shipped_at(&self) -> DateTime<Utc> {
        self.0.first_shipped
    }
    /// Last shipment.
    pub(crate) async fn last_shipped_at(&self) -> DateTime<Utc> {
        self.0.last_shipped
    }
    /// Units shipped, per lot.
    pub(crate) async fn lots(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<LotQuantity>> {
        let mut out = Vec::with_capacity(self.0.by_lot.len());
        for (id, q) in &self.0.by_lot {
            out.push(LotQuantity {
                lot: Lot(load::<entity::lot::Entity>(ctx, *id, "lot").await?),
                quantity: *q,
            });
        }
        Ok(out)
    }
}

/// Sums of a forward trace.
#[derive(SimpleObject)]
pub struct TraceTotals {
    /// Lots reached, the scope's own included.
    pub(crate) lots: i64,
    /// Of those, finished lots.
    pub(crate) finished_lots: i64,
    /// Pieces (blanks, finished parts) on hand, every state and location.
    pub(crate) pieces_on_hand: i64,
    /// Millimetres of bar on hand.
    pub(crate) bar_mm_on_hand: i64,
    /// Pieces promised by open reservations.
    pub(crate) pieces_reserved: i64,
    /// Pieces shipped.
    pub(crate) pieces_shipped: i64,
    /// Pieces returned.
    pub(crate) pieces_returned: i64,
    /// Consignees that received pieces.
    pub(crate) consignees: i64,
    /// Of those, known clinics.
    pub(crate) clinics: i64,
    /// Cases that received, hold or had made a traced unit.
    pub(crate) cases: i64,
    /// Jobs still running on traced material or in the scope.
    pub(crate) open_jobs: i64,
}

/// A forward trace's result.
pub struct ForwardTraceObj(pub(crate) ForwardTrace);

/// Everything downstream of a scope: every descendant lot at any depth, its
/// stock per location and state, open reservations, shipments per clinic,
/// returns, cases, and jobs still running on the material.
#[Object(name = "ForwardTrace")]
impl ForwardTraceObj {
    /// Sums.
    pub(crate) async fn totals(&self) -> TraceTotals {
        let t = &self.0.totals;
        TraceTotals {
            lots: t.lots,
            finished_lots: t.finished_lots,
            pieces_on_hand: t.pieces_on_hand,
            bar_mm_on_hand: t.bar_mm_on_hand,
            pieces_reserved: t.pieces_reserved,
            pieces_shipped: t.pieces_shipped,
            pieces_returned: t.pieces_returned,
            consignees: t.consignees,
            clinics: t.clinics,
            cases: t.cases,
            open_jobs: t.open_jobs,
        }
    }
    /// Global ids of the lots the scope named.
    pub(crate) async fn root_lot_ids(&self) -> Vec<ID> {
        self.0
            .roots
            .iter()
            .map(|id| ids::encode("Lot", *id))
            .collect()
    }
    /// Every lot reached, by depth.
    pub(crate) async fn lots(&self) -> Vec<TracedLotObj> {
        self.0.lots.iter().cloned().map(TracedLotObj).collect()
    }
    /// Open reservations on traced lots.
    pub(crate) async fn reservations(&self) -> Vec<Reservation> {
        self.0
            .reservations
            .iter()
            .cloned()
            .map(Reservation)
            .collect()
    }
    /// Shipments of traced lots, oldest first.
    pub(crate) async fn shipments(&self) -> Vec<TraceDispatch> {
        self.0
            .shipments
            .iter()
            .cloned()
            .map(TraceDispatch)
            .collect()
    }
    /// Returns of traced lots, oldest first.
    pub(crate) async fn returns(&self) -> Vec<TraceDispatch> {
        self.0.returns.iter().cloned().map(TraceDispatch).collect()
    }
    /// Per consignee: what it received and returned, most units first.
    pub(crate) async fn consignees(&self) -> Vec<ConsigneeExposure> {
        self.0
            .exposure
            .iter()
            .cloned()
            .map(ConsigneeExposure)
            .collect()
    }
    /// Cases that received, hold a reservation of, or had made a traced unit.
    pub(crate) async fn cases(&self) -> Vec<ClinicalCase> {
        self.0.cases.iter().cloned().map(ClinicalCase).collect()
    }
    /// Jobs not yet done that consumed traced material, and jobs running
    /// in the scope itself (on its machine before the window ends, or with
    /// its tool): their lots are not made yet.
    pub(crate) async fn open_jobs(&self) -> Vec<ProductionJob> {
        self.0
            .open_jobs
            .iter()
            .cloned()
            .map(ProductionJob)
            .collect()
    }
}

/// One lot of a backward trace.
pub struct TraceAncestor(pub(crate) Ancestor);

/// A lot upstream of (or at) where a backward trace started, with its device history record.
#[Object]
impl TraceAncestor {
    /// Steps from the start (0 = the start itself).
    pub(crate) async fn depth(&self) -> i32 {
        self.0.depth
    }
    /// Bar, blank or finished.
    pub(crate) async fn kind(&self) -> ItemKind {
        self.0.item.kind
    }
    /// The lot with its job (machine, operator, program, tools, timing,
    /// inspection) and the lots it was made from; for bar, its heat and
    /// certificate on the lot.
    pub(crate) async fn record(&self) -> DeviceHistoryRecord {
        DeviceHistoryRecord::new(self.0.lot.clone(), self.0.job.clone())
    }
}

/// A backward trace's result.
#[derive(SimpleObject)]
pub struct BackwardTrace {
    /// The lot the trace started from.
    pub(crate) start: Lot,
    /// It and every lot upstream, nearest first.
    pub(crate) lots: Vec<TraceAncestor>,
}
