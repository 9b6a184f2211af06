//! GraphQL types and resolvers of quality: forward and backward traces,
//! mock recalls, and recalls from creation to closure. Mutations run in one
//! write transaction each.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{
    clinic,
    enums::{ItemKind, NotificationChannel, RecallClass, RecallScopeKind, RecallStatus},
    machine, recall, recall_event, recall_lot, tool,
};

use super::{
    recall::{self as service, Accounting, Activation, NewRecall, ReconciliationLine},
    trace::{self, Ancestor, Dispatch, Exposure, ForwardTrace, Origin, Scope, TracedLot},
};
use crate::{
    cases::graphql::{Clinic, ClinicalCase},
    error::{AppError, AppResult, UserError},
    graphql::{db, ids, loaders::load, write::run},
    inventory::graphql::{Location, Lot, Reservation},
    manufacturing::graphql::{DeviceHistoryRecord, Machine, ProductionJob, Tool},
};

// ------------------------------------------------------------------ trace types

/// Units of a traced lot at one location.
#[derive(SimpleObject)]
pub struct TracedStock {
    /// The location.
    location: Location,
    /// Units (mm for bar) physically there.
    on_hand: i64,
    /// Of those, promised by open reservations.
    reserved: i64,
}

/// A lot a forward trace reached.
pub struct TracedLotObj(TracedLot);

/// A lot downstream of the trace's scope, with where its stock lies now.
#[Object(name = "TracedLot")]
impl TracedLotObj {
    /// The lot (state, dates, certificate data, UDI).
    async fn lot(&self, ctx: &Context<'_>) -> async_graphql::Result<Lot> {
        Ok(Lot(
            load::<entity::lot::Entity>(ctx, self.0.lot.id, "lot").await?
        ))
    }
    /// The lot's number.
    async fn lot_number(&self) -> &str {
        &self.0.lot.lot_number
    }
    /// The lot's stored state.
    async fn state(&self) -> entity::enums::LotState {
        self.0.lot.state
    }
    /// Heat number, for bar.
    async fn heat_number(&self) -> Option<&str> {
        self.0.lot.heat_number.as_deref()
    }
    /// Genealogy steps from the nearest lot the scope named (0 = one of them).
    async fn depth(&self) -> i32 {
        self.0.lot.depth
    }
    /// Bar, blank or finished.
    async fn kind(&self) -> ItemKind {
        self.0.lot.kind
    }
    /// Units on hand now, all locations and states (mm for bar).
    async fn on_hand(&self) -> i64 {
        self.0.on_hand()
    }
    /// Where those units lie.
    async fn stock(&self) -> Vec<TracedStock> {
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
pub struct TraceDispatch(Dispatch);

/// A SHIPMENT or RETURN ledger row of a traced lot, with who received (or sent back) the units.
#[Object]
impl TraceDispatch {
    /// Global id of the ledger row (a shipment's id is what `traceBackward(shipmentId:)` takes).
    async fn movement_id(&self) -> ID {
        ids::encode("StockMovement", self.0.movement.id)
    }
    /// The ledger row's reference (a case number, a clinic's code, an order, a recall).
    async fn reference(&self) -> &str {
        &self.0.movement.reference
    }
    /// The lot.
    async fn lot(&self, ctx: &Context<'_>) -> async_graphql::Result<Lot> {
        Ok(Lot(load::<entity::lot::Entity>(
            ctx,
            self.0.movement.lot_id,
            "lot",
        )
        .await?))
    }
    /// Units.
    async fn quantity(&self) -> i64 {
        self.0.movement.quantity
    }
    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.movement.at
    }
    /// The consignee named at shipping: a clinic's code or a named
    /// consignee's name (for an old shipment that named none: `ref:` and its
    /// reference, or the clinic its reference names).
    async fn consignee(&self) -> &str {
        &self.0.consignee.key
    }
    /// The clinic, when the consignee is one.
    async fn clinic(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Clinic>> {
        Ok(match self.0.consignee.clinic_id {
            Some(id) => Some(Clinic(load::<clinic::Entity>(ctx, id, "clinic").await?)),
            None => None,
        })
    }
    /// A consignee outside the clinic register, as named at shipping.
    async fn named_consignee(&self) -> Option<NamedConsignee> {
        self.0.named.clone().map(NamedConsignee::from)
    }
    /// Global id of the case it was shipped for, when the reference is a case number.
    async fn case_id(&self) -> Option<ID> {
        self.0.case_id.map(|id| ids::encode("ClinicalCase", id))
    }
}

/// A consignee outside the clinic register (a distributor, a lab, a
/// hospital), as named at shipping.
#[derive(SimpleObject)]
pub struct NamedConsignee {
    /// Its name.
    name: String,
    /// Its postal address.
    address: String,
    /// How to reach it (e-mail or phone), when given.
    contact: Option<String>,
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
    lot: Lot,
    /// Units.
    quantity: i64,
}

/// What one consignee received of the traced lots.
pub struct ConsigneeExposure(Exposure);

/// A clinic or a named consignee (or, for old shipments that named none, a
/// reference) that received traced units.
#[Object]
impl ConsigneeExposure {
    /// The clinic's code, the named consignee's name, or `ref:` and the
    /// reference of an old shipment that named none.
    async fn consignee(&self) -> &str {
        &self.0.consignee.key
    }
    /// The clinic, when the consignee is one.
    async fn clinic(&self) -> Option<Clinic> {
        self.0.clinic.clone().map(Clinic)
    }
    /// A consignee outside the clinic register, as named at its last shipment.
    async fn named_consignee(&self) -> Option<NamedConsignee> {
        self.0.named.clone().map(NamedConsignee::from)
    }
    /// Where to send a notice: the clinic's address, or the named consignee's.
    async fn address(&self) -> Option<String> {
        service::consignee_address(
            self.0.clinic.as_ref(),
            self.0.named.as_ref().map(|n| n.address.as_str()),
        )
    }
    /// Whom to reach: the clinic's contact, or the named consignee's.
    async fn contact(&self) -> Option<String> {
        service::consignee_contact(
            self.0.clinic.as_ref(),
            self.0.named.as_ref().and_then(|n| n.contact.as_deref()),
        )
    }
    /// Units shipped to it.
    async fn shipped(&self) -> i64 {
        self.0.shipped
    }
    /// Units it sent back.
    async fn returned(&self) -> i64 {
        self.0.returned
    }
    /// First shipment.
    async fn first_shipped_at(&self) -> DateTime<Utc> {
        self.0.first_shipped
    }
    /// Last shipment.
    async fn last_shipped_at(&self) -> DateTime<Utc> {
        self.0.last_shipped
    }
    /// Units shipped, per lot.
    async fn lots(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<LotQuantity>> {
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
    lots: i64,
    /// Of those, finished lots.
    finished_lots: i64,
    /// Pieces (blanks, finished parts) on hand, every state and location.
    pieces_on_hand: i64,
    /// Millimetres of bar on hand.
    bar_mm_on_hand: i64,
    /// Pieces promised by open reservations.
    pieces_reserved: i64,
    /// Pieces shipped.
    pieces_shipped: i64,
    /// Pieces returned.
    pieces_returned: i64,
    /// Consignees that received pieces.
    consignees: i64,
    /// Of those, known clinics.
    clinics: i64,
    /// Cases that received, hold or had made a traced unit.
    cases: i64,
    /// Jobs still running on traced material or in the scope.
    open_jobs: i64,
}

/// A forward trace's result.
pub struct ForwardTraceObj(ForwardTrace);

/// Everything downstream of a scope: every descendant lot at any depth, its
/// stock per location and state, open reservations, shipments per clinic,
/// returns, cases, and jobs still running on the material.
#[Object(name = "ForwardTrace")]
impl ForwardTraceObj {
    /// Sums.
    async fn totals(&self) -> TraceTotals {
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
    async fn root_lot_ids(&self) -> Vec<ID> {
        self.0
            .roots
            .iter()
            .map(|id| ids::encode("Lot", *id))
            .collect()
    }
    /// Every lot reached, by depth.
    async fn lots(&self) -> Vec<TracedLotObj> {
        self.0.lots.iter().cloned().map(TracedLotObj).collect()
    }
    /// Open reservations on traced lots.
    async fn reservations(&self) -> Vec<Reservation> {
        self.0
            .reservations
            .iter()
            .cloned()
            .map(Reservation)
            .collect()
    }
    /// Shipments of traced lots, oldest first.
    async fn shipments(&self) -> Vec<TraceDispatch> {
        self.0
            .shipments
            .iter()
            .cloned()
            .map(TraceDispatch)
            .collect()
    }
    /// Returns of traced lots, oldest first.
    async fn returns(&self) -> Vec<TraceDispatch> {
        self.0.returns.iter().cloned().map(TraceDispatch).collect()
    }
    /// Per consignee: what it received and returned, most units first.
    async fn consignees(&self) -> Vec<ConsigneeExposure> {
        self.0
            .exposure
            .iter()
            .cloned()
            .map(ConsigneeExposure)
            .collect()
    }
    /// Cases that received, hold a reservation of, or had made a traced unit.
    async fn cases(&self) -> Vec<ClinicalCase> {
        self.0.cases.iter().cloned().map(ClinicalCase).collect()
    }
    /// Jobs not yet done that consumed traced material, and jobs running
    /// in the scope itself (on its machine before the window ends, or with
    /// its tool): their lots are not made yet.
    async fn open_jobs(&self) -> Vec<ProductionJob> {
        self.0
            .open_jobs
            .iter()
            .cloned()
            .map(ProductionJob)
            .collect()
    }
}

/// One lot of a backward trace.
pub struct TraceAncestor(Ancestor);

/// A lot upstream of (or at) where a backward trace started, with its device history record.
#[Object]
impl TraceAncestor {
    /// Steps from the start (0 = the start itself).
    async fn depth(&self) -> i32 {
        self.0.depth
    }
    /// Bar, blank or finished.
    async fn kind(&self) -> ItemKind {
        self.0.item.kind
    }
    /// The lot with its job (machine, operator, program, tools, timing,
    /// inspection) and the lots it was made from; for bar, its heat and
    /// certificate on the lot.
    async fn record(&self) -> DeviceHistoryRecord {
        DeviceHistoryRecord::new(self.0.lot.clone(), self.0.job.clone())
    }
}

/// A backward trace's result.
#[derive(SimpleObject)]
pub struct BackwardTrace {
    /// The lot the trace started from.
    start: Lot,
    /// It and every lot upstream, nearest first.
    lots: Vec<TraceAncestor>,
}

// ------------------------------------------------------------------ recall types

/// A lot frozen into a recall at activation.
pub struct RecallLot(recall_lot::Model);

/// A lot a recall affects, with what it had when the recall was activated.
#[Object]
impl RecallLot {
    /// The lot as it is now.
    async fn lot(&self, ctx: &Context<'_>) -> async_graphql::Result<Lot> {
        Ok(Lot(
            load::<entity::lot::Entity>(ctx, self.0.lot_id, "lot").await?
        ))
    }
    /// Genealogy steps from the scope.
    async fn depth(&self) -> i32 {
        self.0.depth
    }
    /// Its state before the recall.
    async fn previous_state(&self) -> entity::enums::LotState {
        self.0.previous_state
    }
    /// Units on hand at activation, all locations.
    async fn on_hand_at_activation(&self) -> i64 {
        self.0.on_hand
    }
    /// Units of open reservations released at activation.
    async fn reservations_released(&self) -> i64 {
        self.0.reserved
    }
}

/// One consignee's line of a recall's reconciliation.
pub struct RecallConsignee(pub ReconciliationLine);

/// A consignee of an active or closed recall: notification, and shipped −
/// returned − used = outstanding.
#[Object]
impl RecallConsignee {
    /// Global id, for the notification, return and usage mutations.
    pub async fn id(&self) -> ID {
        ids::encode("RecallConsignee", self.0.consignee.id)
    }
    /// The clinic's code, the named consignee's name, or `ref:` and the
    /// reference of an old shipment that named none.
    async fn consignee(&self) -> &str {
        &self.0.consignee.consignee
    }
    /// The clinic, when the consignee is one.
    async fn clinic(&self) -> Option<Clinic> {
        self.0.clinic.clone().map(Clinic)
    }
    /// Where to send the notice: the clinic's address on file, or the
    /// address a named consignee was given at shipping.
    async fn address(&self) -> Option<String> {
        service::consignee_address(
            self.0.clinic.as_ref(),
            self.0.consignee.consignee_address.as_deref(),
        )
    }
    /// Whom to reach: the clinic's contact on file, or the contact a named
    /// consignee was given at shipping.
    async fn contact(&self) -> Option<String> {
        service::consignee_contact(
            self.0.clinic.as_ref(),
            self.0.consignee.consignee_contact.as_deref(),
        )
    }
    /// Units of affected lots shipped to it.
    async fn shipped(&self) -> i64 {
        self.0.tally.shipped
    }
    /// Units it returned.
    async fn returned(&self) -> i64 {
        self.0.tally.returned
    }
    /// Units it confirmed used (implanted).
    async fn used(&self) -> i64 {
        self.0.tally.used
    }
    /// shipped − returned − used.
    async fn outstanding(&self) -> i64 {
        self.0.tally.outstanding()
    }
    /// When it was notified; null until then.
    async fn notified_at(&self) -> Option<DateTime<Utc>> {
        self.0.consignee.notified_at
    }
    /// How.
    async fn notified_via(&self) -> Option<NotificationChannel> {
        self.0.consignee.notified_via
    }
    /// Who recorded the notification.
    async fn notified_by(&self) -> Option<&str> {
        self.0.consignee.notified_by.as_deref()
    }
    /// Notification note.
    async fn notification_note(&self) -> Option<&str> {
        self.0.consignee.notification_note.as_deref()
    }
    /// Per lot: shipped, returned and used.
    async fn lots(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RecallConsigneeLot>> {
        let mut out = Vec::with_capacity(self.0.by_lot.len());
        for (id, t) in &self.0.by_lot {
            out.push(RecallConsigneeLot {
                lot: Lot(load::<entity::lot::Entity>(ctx, *id, "lot").await?),
                shipped: t.shipped,
                returned: t.returned,
                used: t.used,
                outstanding: t.outstanding(),
            });
        }
        Ok(out)
    }
}

/// One lot of a consignee's reconciliation.
#[derive(SimpleObject)]
pub struct RecallConsigneeLot {
    /// The lot.
    lot: Lot,
    /// Units shipped.
    shipped: i64,
    /// Units returned.
    returned: i64,
    /// Units confirmed used.
    used: i64,
    /// shipped − returned − used.
    outstanding: i64,
}

/// A step of a recall.
pub struct RecallEvent(recall_event::Model);

/// One step of a recall's own trail (created, activated, notified, returned, closed …).
#[Object]
impl RecallEvent {
    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// Who.
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// What: CREATED, ACTIVATED, LOT_ADDED (a lot a job made later joined the recall), CASE_REOPENED, NOTIFIED, RETURNED, CONFIRMED_USED, CLOSED or CANCELLED.
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The figures of the step.
    async fn detail(&self) -> &str {
        &self.0.detail
    }
}

/// A recall.
pub struct Recall(pub recall::Model);

/// A recall (field safety corrective action): class, reason, scope, impact,
/// consignees with their reconciliation, and its trail.
#[Object]
impl Recall {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode("Recall", self.0.id)
    }
    /// Number, e.g. `RC-2026-0001`.
    async fn number(&self) -> &str {
        &self.0.number
    }
    /// FDA class.
    async fn class(&self) -> RecallClass {
        self.0.class
    }
    /// Why.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// What the scope names.
    async fn scope_kind(&self) -> RecallScopeKind {
        self.0.scope_kind
    }
    /// The scope in words.
    async fn scope(&self) -> async_graphql::Result<String> {
        Ok(Scope::of_recall(&self.0)?.describe())
    }
    /// Heat number, for a HEAT scope.
    async fn heat_number(&self) -> Option<&str> {
        self.0.heat_number.as_deref()
    }
    /// Machine, for a MACHINE_WINDOW scope.
    async fn machine(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Machine>> {
        Ok(match self.0.machine_id {
            Some(id) => Some(Machine(load::<machine::Entity>(ctx, id, "machine").await?)),
            None => None,
        })
    }
    /// Start of the window, for a MACHINE_WINDOW scope.
    async fn window_from(&self) -> Option<DateTime<Utc>> {
        self.0.window_from
    }
    /// End of the window, for a MACHINE_WINDOW scope.
    async fn window_to(&self) -> Option<DateTime<Utc>> {
        self.0.window_to
    }
    /// Tool, for a TOOL scope.
    async fn tool(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Tool>> {
        Ok(match self.0.tool_id {
            Some(id) => Some(Tool(load::<tool::Entity>(ctx, id, "tool").await?)),
            None => None,
        })
    }
    /// Status.
    async fn status(&self) -> RecallStatus {
        self.0.status
    }
    /// Created by.
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    /// Created at.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Activated by.
    async fn activated_by(&self) -> Option<&str> {
        self.0.activated_by.as_deref()
    }
    /// Activated at.
    async fn activated_at(&self) -> Option<DateTime<Utc>> {
        self.0.activated_at
    }
    /// Closed by.
    async fn closed_by(&self) -> Option<&str> {
        self.0.closed_by.as_deref()
    }
    /// Closed at.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
    /// The reconciliation at closing (and its justification), or why a draft was cancelled.
    async fn closure_note(&self) -> Option<&str> {
        self.0.closure_note.as_deref()
    }
    /// The impact: for a DRAFT, a live trace of the scope (the preview);
    /// once active, the lots frozen at activation as they are now.
    async fn impact(&self, ctx: &Context<'_>) -> async_graphql::Result<ForwardTraceObj> {
        Ok(ForwardTraceObj(service::impact(db(ctx)?, &self.0).await?))
    }
    /// Lots frozen at activation, with their state and stock then.
    async fn affected_lots(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RecallLot>> {
        Ok(service::lots(db(ctx)?, self.0.id)
            .await?
            .into_iter()
            .map(RecallLot)
            .collect())
    }
    /// Consignees (from activation on) with notification and reconciliation.
    async fn consignees(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RecallConsignee>> {
        Ok(service::reconciliation(db(ctx)?, &self.0)
            .await?
            .into_iter()
            .map(RecallConsignee)
            .collect())
    }
    /// Every step, oldest first.
    async fn events(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RecallEvent>> {
        Ok(service::events(db(ctx)?, self.0.id)
            .await?
            .into_iter()
            .map(RecallEvent)
            .collect())
    }
    /// The recall report as CSV (rows `recall`, `lot`, `stock_action`,
    /// `consignee`, `event`), ready to send to a regulator or a distributor.
    async fn report_csv(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(service::report_csv(db(ctx)?, &self.0).await?)
    }
}

/// A mock recall: the trace of a scope, nothing changed, and how long it took.
pub struct MockRecall {
    trace: ForwardTrace,
    elapsed_ms: f64,
    scope: String,
}

/// What an ISO 13485 audit asks to be shown: how fast and how completely a
/// scope is traced to stock, consignees and cases. Nothing is changed.
#[Object]
impl MockRecall {
    /// The scope in words.
    async fn scope(&self) -> &str {
        &self.scope
    }
    /// Milliseconds the trace took on the server.
    async fn elapsed_ms(&self) -> f64 {
        self.elapsed_ms
    }
    /// Lots reached.
    async fn lots(&self) -> i64 {
        self.trace.totals.lots
    }
    /// Pieces on hand that a recall would stop.
    async fn pieces_on_hand(&self) -> i64 {
        self.trace.totals.pieces_on_hand
    }
    /// Pieces shipped out.
    async fn pieces_shipped(&self) -> i64 {
        self.trace.totals.pieces_shipped
    }
    /// Consignees to notify.
    async fn consignees(&self) -> i64 {
        self.trace.totals.consignees
    }
    /// Of those, known clinics.
    async fn clinics(&self) -> i64 {
        self.trace.totals.clinics
    }
    /// Cases reached.
    async fn cases(&self) -> i64 {
        self.trace.totals.cases
    }
    /// The full trace.
    async fn trace(&self) -> ForwardTraceObj {
        ForwardTraceObj(self.trace.clone())
    }
}

// ------------------------------------------------------------------ inputs

/// What a trace or recall starts from: give exactly one of `lotIds`,
/// `heatNumber`, `blankLotId`, `machineId` (with `from` and `to`) or `toolId`.
#[derive(InputObject, Clone, Default)]
pub struct RecallScopeInput {
    /// Lots (any kind) by global id.
    lot_ids: Option<Vec<ID>>,
    /// Every lot of this heat number.
    heat_number: Option<String>,
    /// One pre-milled blank lot.
    blank_lot_id: Option<ID>,
    /// Lots made on this machine by jobs that ran between `from` and `to`.
    machine_id: Option<ID>,
    /// Start of the machine window.
    from: Option<DateTime<Utc>>,
    /// End of the machine window.
    to: Option<DateTime<Utc>>,
    /// Lots made by jobs that used this tool.
    tool_id: Option<ID>,
}

impl RecallScopeInput {
    fn scope(&self) -> AppResult<Scope> {
        let given = [
            self.lot_ids.is_some(),
            self.heat_number.is_some(),
            self.blank_lot_id.is_some(),
            self.machine_id.is_some(),
            self.tool_id.is_some(),
        ]
        .iter()
        .filter(|g| **g)
        .count();
        if given != 1 {
            return Err(AppError::bad_input(
                "scope",
                format!(
                    "give exactly one of lotIds, heatNumber, blankLotId, machineId (with from and to) or toolId; got {given}"
                ),
            ));
        }
        if let Some(l) = &self.lot_ids {
            return Ok(Scope::Lots(
                l.iter()
                    .map(|i| ids::decode(i, "Lot", "scope.lotIds"))
                    .collect::<AppResult<_>>()?,
            ));
        }
        if let Some(h) = &self.heat_number {
            return Ok(Scope::Heat(h.clone()));
        }
        if let Some(b) = &self.blank_lot_id {
            return Ok(Scope::BlankLot(ids::decode(b, "Lot", "scope.blankLotId")?));
        }
        if let Some(m) = &self.machine_id {
            let (Some(from), Some(to)) = (self.from, self.to) else {
                return Err(AppError::bad_input(
                    "scope.from",
                    "a machine scope needs both from and to",
                ));
            };
            return Ok(Scope::MachineWindow {
                machine_id: ids::decode(m, "Machine", "scope.machineId")?,
                from,
                to,
            });
        }
        match &self.tool_id {
            Some(t) => Ok(Scope::Tool(ids::decode(t, "Tool", "scope.toolId")?)),
            None => Err(AppError::bad_input("scope", "no scope given")),
        }
    }
}

/// A recall to create (as DRAFT).
#[derive(InputObject)]
pub struct CreateRecallInput {
    /// FDA class.
    class: RecallClass,
    /// Why: the defect and how it was found.
    /// Newlines are allowed; at most 2,000 characters.
    reason: String,
    /// What it covers.
    scope: RecallScopeInput,
}

/// A notification made to a consignee.
#[derive(InputObject)]
pub struct RecallNotificationInput {
    /// The recall.
    recall_id: ID,
    /// The consignee (from `recall { consignees { id } }`).
    consignee_id: ID,
    /// How.
    via: NotificationChannel,
    /// When (now when omitted; not in the future).
    at: Option<DateTime<Utc>>,
    /// Note (who was reached, the notice's reference…).
    /// Newlines are allowed; at most 2,000 characters.
    note: Option<String>,
}

/// Units a consignee returned, or confirmed used.
#[derive(InputObject)]
pub struct RecallAccountingInput {
    /// The recall.
    recall_id: ID,
    /// The consignee.
    consignee_id: ID,
    /// The affected lot.
    lot_id: ID,
    /// Units (at most what it received of the lot and has not yet accounted for).
    quantity: i64,
    /// For a return: the QUARANTINE location code to receive into (the first one when omitted).
    location: Option<String>,
    /// Note.
    /// Newlines are allowed; at most 2,000 characters.
    note: Option<String>,
}

/// Closing a recall.
#[derive(InputObject)]
pub struct CloseRecallInput {
    /// The recall.
    recall_id: ID,
    /// Required when units are still outstanding: why the recall can close anyway.
    /// Newlines are allowed; at most 2,000 characters.
    justification: Option<String>,
}

/// Cancelling a draft recall.
#[derive(InputObject)]
pub struct CancelRecallInput {
    /// The recall.
    recall_id: ID,
    /// Why.
    /// Newlines are allowed; at most 2,000 characters.
    reason: String,
}

// ------------------------------------------------------------------ payloads

/// The result of a recall mutation.
#[derive(SimpleObject)]
pub struct RecallPayload {
    /// The recall, when it worked.
    recall: Option<Recall>,
    /// What was wrong with the input; nothing was changed.
    user_errors: Vec<UserError>,
}

/// The result of activating a recall.
#[derive(SimpleObject)]
pub struct ActivateRecallPayload {
    /// The recall, now ACTIVE.
    recall: Option<Recall>,
    /// Lots affected.
    lots: i32,
    /// Of those, set RECALLED now (the rest already were).
    lots_recalled: i32,
    /// Open reservations released.
    reservations_released: i32,
    /// Cases re-opened for matching because their unit or part is recalled.
    cases_reopened: Vec<ClinicalCase>,
    /// Consignees to notify.
    consignees: i32,
    /// What was wrong; nothing was changed.
    user_errors: Vec<UserError>,
}

/// The result of recording a notification.
#[derive(SimpleObject)]
pub struct RecallConsigneePayload {
    /// The recall, with its consignees.
    recall: Option<Recall>,
    /// What was wrong; nothing was changed.
    user_errors: Vec<UserError>,
}

fn recall_payload(r: Result<recall::Model, Vec<UserError>>) -> RecallPayload {
    match r {
        Ok(r) => RecallPayload {
            recall: Some(Recall(r)),
            user_errors: vec![],
        },
        Err(e) => RecallPayload {
            recall: None,
            user_errors: e,
        },
    }
}

fn recall_id(id: &ID) -> AppResult<i64> {
    ids::decode(id, "Recall", "input.recallId")
}

// ------------------------------------------------------------------ roots

/// Traceability and recalls.
#[derive(Default)]
pub struct QualityQuery;

#[Object]
impl QualityQuery {
    /// Traces forward from a scope: every descendant lot at any depth, its
    /// stock, open reservations, shipments per clinic and the cases.
    async fn trace_forward(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Where to start.")] scope: RecallScopeInput,
    ) -> async_graphql::Result<ForwardTraceObj> {
        let scope = scope.scope()?;
        Ok(ForwardTraceObj(trace::forward(db(ctx)?, &scope).await?))
    }

    /// Traces backward from a finished lot, a shipment or a case (give one):
    /// every lot upstream with its device history record, down to the bar
    /// heats and blank lots with their certificates.
    async fn trace_backward(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A lot.")] lot_id: Option<ID>,
        #[graphql(desc = "A shipment: the global id of its SHIPMENT ledger row.")]
        shipment_id: Option<ID>,
        #[graphql(desc = "A case.")] case_id: Option<ID>,
    ) -> async_graphql::Result<BackwardTrace> {
        let conn = db(ctx)?;
        let origin = match (&lot_id, &shipment_id, &case_id) {
            (Some(l), None, None) => Origin::Lot(ids::decode(l, "Lot", "lotId")?),
            (None, Some(s), None) => {
                Origin::Shipment(ids::decode(s, "StockMovement", "shipmentId")?)
            }
            (None, None, Some(c)) => Origin::Case(ids::decode(c, "ClinicalCase", "caseId")?),
            _ => {
                return Err(AppError::bad_input(
                    "lotId",
                    "give exactly one of lotId, shipmentId or caseId",
                )
                .into());
            }
        };
        let start = trace::origin_lot(conn, origin).await?;
        let lots = trace::backward(conn, start).await?;
        let first = lots
            .iter()
            .find(|a| a.lot.id == start)
            .map(|a| a.lot.clone())
            .ok_or_else(|| AppError::not_found("lot", start.to_string()))?;
        Ok(BackwardTrace {
            start: Lot(first),
            lots: lots.into_iter().map(TraceAncestor).collect(),
        })
    }

    /// A mock recall: traces a scope without changing anything and says how
    /// long it took and what it found.
    async fn mock_recall(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What a recall would cover.")] scope: RecallScopeInput,
    ) -> async_graphql::Result<MockRecall> {
        let scope = scope.scope()?;
        let (trace, took) = service::mock(db(ctx)?, &scope).await?;
        Ok(MockRecall {
            trace,
            elapsed_ms: took.as_secs_f64() * 1000.0,
            scope: scope.describe(),
        })
    }

    /// Recalls, newest first.
    #[graphql(
        complexity = "2 + first.or(last).unwrap_or(50).clamp(0, 500) as usize * child_complexity"
    )]
    async fn recalls(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only recalls in this status.")] status: Option<RecallStatus>,
        #[graphql(desc = "Page size (default 50, capped).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (capped); not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor to continue before, paging backward.")] before: Option<String>,
    ) -> async_graphql::Result<RecallConnection> {
        let page = crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_ctx(ctx)?;
        let (rows, total) = service::list(db(ctx)?, status, &page).await?;
        Ok(RecallConnection::build(
            &page,
            rows,
            total,
            service::recall_key,
            Recall,
        ))
    }

    /// A recall by global id or number.
    async fn recall(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id.")] id: Option<ID>,
        #[graphql(desc = "Number, e.g. `RC-2026-0001`.")] number: Option<String>,
    ) -> async_graphql::Result<Recall> {
        let conn = db(ctx)?;
        Ok(Recall(match (&id, &number) {
            (Some(i), None) => service::get(conn, ids::decode(i, "Recall", "id")?).await?,
            (None, Some(n)) => service::by_number(conn, n).await?,
            _ => {
                return Err(AppError::bad_input("id", "give exactly one of id or number").into());
            }
        }))
    }
}

/// Recalls: create, activate, notify, account for returns and uses, close.
#[derive(Default)]
pub struct QualityMutation;

#[Object]
impl QualityMutation {
    /// Creates a DRAFT recall; a scope that matches no lot is refused and nothing is created.
    async fn create_recall(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The recall.")] input: CreateRecallInput,
    ) -> async_graphql::Result<RecallPayload> {
        let input = &input;
        let r = run(ctx, |w| {
            Box::pin(async move {
                let scope = input.scope.scope().map_err(in_input)?;
                service::create(
                    w.txn,
                    w.actor,
                    &NewRecall {
                        class: input.class,
                        reason: input.reason.clone(),
                        scope,
                    },
                )
                .await
                .map_err(in_input)
            })
        })
        .await?;
        Ok(recall_payload(r))
    }

    /// Activates a DRAFT recall in one transaction: every affected lot
    /// RECALLED, open reservations released and their cases re-opened, the
    /// consignees listed. Activating twice is `CONFLICT`.
    async fn activate_recall(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The recall.")] recall_id: ID,
    ) -> async_graphql::Result<ActivateRecallPayload> {
        let recall_id = &recall_id;
        let r = run(ctx, |w| {
            Box::pin(
                async move { service::activate(w.txn, w.actor, recall_id_of(recall_id)?).await },
            )
        })
        .await?;
        Ok(match r {
            Ok(Activation {
                recall,
                lots,
                lots_recalled,
                reservations_released,
                cases_reopened,
                consignees,
            }) => ActivateRecallPayload {
                recall: Some(Recall(recall)),
                lots: lots as i32,
                lots_recalled: lots_recalled as i32,
                reservations_released: reservations_released as i32,
                cases_reopened: cases_reopened.into_iter().map(ClinicalCase).collect(),
                consignees: consignees as i32,
                user_errors: vec![],
            },
            Err(e) => ActivateRecallPayload {
                recall: None,
                lots: 0,
                lots_recalled: 0,
                reservations_released: 0,
                cases_reopened: vec![],
                consignees: 0,
                user_errors: e,
            },
        })
    }

    /// Cancels a DRAFT recall.
    async fn cancel_recall(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The recall and why.")] input: CancelRecallInput,
    ) -> async_graphql::Result<RecallPayload> {
        let input = &input;
        let r = run(ctx, |w| {
            Box::pin(async move {
                service::cancel(w.txn, w.actor, recall_id(&input.recall_id)?, &input.reason).await
            })
        })
        .await?;
        Ok(recall_payload(r))
    }

    /// Records that a consignee of an ACTIVE recall was notified.
    async fn record_recall_notification(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notification.")] input: RecallNotificationInput,
    ) -> async_graphql::Result<RecallConsigneePayload> {
        let input = &input;
        let r = run(ctx, |w| {
            Box::pin(async move {
                let id = recall_id(&input.recall_id)?;
                service::notify(
                    w.txn,
                    w.actor,
                    id,
                    consignee_id(&input.consignee_id)?,
                    input.via,
                    input.at,
                    input.note.clone(),
                )
                .await?;
                service::get(w.txn, id).await
            })
        })
        .await?;
        Ok(match r {
            Ok(r) => RecallConsigneePayload {
                recall: Some(Recall(r)),
                user_errors: vec![],
            },
            Err(e) => RecallConsigneePayload {
                recall: None,
                user_errors: e,
            },
        })
    }

    /// Records units a consignee returned: a RETURN into quarantine through
    /// the ledger, linked to the recall. More than it received and has not
    /// accounted for is refused.
    async fn record_recall_return(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What came back.")] input: RecallAccountingInput,
    ) -> async_graphql::Result<RecallPayload> {
        let input = &input;
        let r = run(ctx, |w| {
            Box::pin(async move {
                let acc = accounting(input)?;
                service::record_return(w.txn, w.actor, &acc).await?;
                service::get(w.txn, acc.recall_id).await
            })
        })
        .await?;
        Ok(recall_payload(r))
    }

    /// Records units a consignee confirms were used (implanted).
    async fn record_recall_usage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What was used.")] input: RecallAccountingInput,
    ) -> async_graphql::Result<RecallPayload> {
        let input = &input;
        let r = run(ctx, |w| {
            Box::pin(async move {
                let acc = accounting(input)?;
                service::record_usage(w.txn, w.actor, &acc).await?;
                service::get(w.txn, acc.recall_id).await
            })
        })
        .await?;
        Ok(recall_payload(r))
    }

    /// Closes an ACTIVE recall on its reconciliation: every consignee
    /// notified, no job still running on affected material or in the scope
    /// (`CONFLICT` naming them: complete or scrap them first), and
    /// outstanding units zero or justified.
    async fn close_recall(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The recall and, if needed, the justification.")] input: CloseRecallInput,
    ) -> async_graphql::Result<RecallPayload> {
        let input = &input;
        let r = run(ctx, |w| {
            Box::pin(async move {
                service::close(
                    w.txn,
                    w.actor,
                    recall_id(&input.recall_id)?,
                    input.justification.as_deref(),
                )
                .await
            })
        })
        .await?;
        Ok(recall_payload(r))
    }
}

/// A scope error inside `createRecall` names the field under `input`.
fn in_input(e: AppError) -> AppError {
    match e {
        AppError::BadInput { field, message } if field.starts_with("scope") => {
            AppError::bad_input(format!("input.{field}"), message)
        }
        e => e,
    }
}

fn recall_id_of(id: &ID) -> AppResult<i64> {
    ids::decode(id, "Recall", "recallId")
}

fn consignee_id(id: &ID) -> AppResult<i64> {
    ids::decode(id, "RecallConsignee", "input.consigneeId")
}

fn accounting(input: &RecallAccountingInput) -> AppResult<Accounting> {
    Ok(Accounting {
        recall_id: recall_id(&input.recall_id)?,
        consignee_id: consignee_id(&input.consignee_id)?,
        lot_id: ids::decode(&input.lot_id, "Lot", "input.lotId")?,
        quantity: input.quantity,
        location: input.location.clone(),
        note: input.note.clone(),
    })
}

crate::connection_type!(RecallConnection, RecallEdge, Recall, "recalls");
