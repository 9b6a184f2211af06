//! The object types of recalls: scope, impact, consignees, actions, events, the report.

use super::*;

// ------------------------------------------------------------------ recall types

/// A lot frozen into a recall at activation.
pub struct RecallLot(pub(crate) recall_lot::Model);

/// A lot a recall affects, with what it had when the recall was activated.
#[Object]
impl RecallLot {
    /// The lot as it is now.
    pub(crate) async fn lot(&self, ctx: &Context<'_>) -> async_graphql::Result<Lot> {
        Ok(Lot(
            load::<entity::lot::Entity>(ctx, self.0.lot_id, "lot").await?
        ))
    }
    /// Genealogy steps from the scope.
    pub(crate) async fn depth(&self) -> i32 {
        self.0.depth
    }
    /// Its state before the recall.
    pub(crate) async fn previous_state(&self) -> entity::enums::LotState {
        self.0.previous_state
    }
    /// Units on hand at activation, all locations.
    pub(crate) async fn on_hand_at_activation(&self) -> i64 {
        self.0.on_hand
    }
    /// Units of open reservations released at activation.
    pub(crate) async fn reservations_released(&self) -> i64 {
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
    pub(crate) async fn consignee(&self) -> &str {
        &self.0.consignee.consignee
    }
    /// The clinic, when the consignee is one.
    pub(crate) async fn clinic(&self) -> Option<Clinic> {
        self.0.clinic.clone().map(Clinic)
    }
    /// Where to send the notice: the clinic's address on file, or the
    /// address a named consignee was given at shipping.
    pub(crate) async fn address(&self) -> Option<String> {
        service::consignee_address(
            self.0.clinic.as_ref(),
            self.0.consignee.consignee_address.as_deref(),
        )
    }
    /// Whom to reach: the clinic's contact on file, or the contact a named
    /// consignee was given at shipping.
    pub(crate) async fn contact(&self) -> Option<String> {
        service::consignee_contact(
            self.0.clinic.as_ref(),
            self.0.consignee.consignee_contact.as_deref(),
        )
    }
    /// Units of affected lots shipped to it.
    pub(crate) async fn shipped(&self) -> i64 {
        self.0.tally.shipped
    }
    /// Units it returned.
    pub(crate) async fn returned(&self) -> i64 {
        self.0.tally.returned
    }
    /// Units it confirmed used (implanted).
    pub(crate) async fn used(&self) -> i64 {
        self.0.tally.used
    }
    /// shipped − returned − used.
    pub(crate) async fn outstanding(&self) -> i64 {
        self.0.tally.outstanding()
    }
    /// When it was notified; null until then.
    pub(crate) async fn notified_at(&self) -> Option<DateTime<Utc>> {
        self.0.consignee.notified_at
    }
    /// How.
    pub(crate) async fn notified_via(&self) -> Option<NotificationChannel> {
        self.0.consignee.notified_via
    }
    /// Who recorded the notification.
    pub(crate) async fn notified_by(&self) -> Option<&str> {
        self.0.consignee.notified_by.as_deref()
    }
    /// Notification note.
    pub(crate) async fn notification_note(&self) -> Option<&str> {
        self.0.consignee.notification_note.as_deref()
    }
    /// Per lot: shipped, returned and used.
    pub(crate) async fn lots(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<RecallConsigneeLot>> {
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
    pub(crate) lot: Lot,
    /// Units shipped.
    pub(crate) shipped: i64,
    /// Units returned.
    pub(crate) returned: i64,
    /// Units confirmed used.
    pub(crate) used: i64,
    /// shipped − returned − used.
    pub(crate) outstanding: i64,
}

/// A step of a recall.
pub struct RecallEvent(pub(crate) recall_event::Model);

/// One step of a recall's own trail (created, activated, notified, returned, closed …).
#[Object]
impl RecallEvent {
    /// When.
    pub(crate) async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// Who.
    pub(crate) async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// What: CREATED, ACTIVATED, LOT_ADDED (a lot a job made later joined the recall), CASE_REOPENED, NOTIFIED, RETURNED, CONFIRMED_USED, CLOSED or CANCELLED.
    pub(crate) async fn action(&self) -> &str {
        &self.0.action
    }
    /// The figures of the step.
    pub(crate) async fn detail(&self) -> &str {
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
    pub(crate) async fn number(&self) -> &str {
        &self.0.number
    }
    /// FDA class.
    pub(crate) async fn class(&self) -> RecallClass {
        self.0.class
    }
    /// Why.
    pub(crate) async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// What the scope names.
    pub(crate) async fn scope_kind(&self) -> RecallScopeKind {
        self.0.scope_kind
    }
    /// The scope in words.
    pub(crate) async fn scope(&self) -> async_graphql::Result<String> {
        Ok(Scope::of_recall(&self.0)?.describe())
    }
    /// Heat number, for a HEAT scope.
    pub(crate) async fn heat_number(&self) -> Option<&str> {
        self.0.heat_number.as_deref()
    }
    /// Machine, for a MACHINE_WINDOW scope.
    pub(crate) async fn machine(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Machine>> {
        Ok(match self.0.machine_id {
            Some(id) => Some(Machine(load::<machine::Entity>(ctx, id, "machine").await?)),
            None => None,
        })
    }
    /// Start of the window, for a MACHINE_WINDOW scope.
    pub(crate) async fn window_from(&self) -> Option<DateTime<Utc>> {
        self.0.window_from
    }
    /// End of the window, for a MACHINE_WINDOW scope.
    pub(crate) async fn window_to(&self) -> Option<DateTime<Utc>> {
        self.0.window_to
    }
    /// Tool, for a TOOL scope.
    pub(crate) async fn tool(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Tool>> {
        Ok(match self.0.tool_id {
            Some(id) => Some(Tool(load::<tool::Entity>(ctx, id, "tool").await?)),
            None => None,
        })
    }
    /// Status.
    pub(crate) async fn status(&self) -> RecallStatus {
        self.0.status
    }
    /// Created by.
    pub(crate) async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    /// Created at.
    pub(crate) async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Activated by.
    pub(crate) async fn activated_by(&self) -> Option<&str> {
        self.0.activated_by.as_deref()
    }
    /// Activated at.
    pub(crate) async fn activated_at(&self) -> Option<DateTime<Utc>> {
        self.0.activated_at
    }
    /// Closed by.
    pub(crate) async fn closed_by(&self) -> Option<&str> {
        self.0.closed_by.as_deref()
    }
    /// Closed at.
    pub(crate) async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
    /// The reconciliation at closing (and its justification), or why a draft was cancelled.
    pub(crate) async fn closure_note(&self) -> Option<&str> {
        self.0.closure_note.as_deref()
    }
    /// The impact: for a DRAFT, a live trace of the scope (the preview);
    /// once active, the lots frozen at activation as they are now.
    pub(crate) async fn impact(&self, ctx: &Context<'_>) -> async_graphql::Result<ForwardTraceObj> {
        Ok(ForwardTraceObj(service::impact(db(ctx)?, &self.0).await?))
    }
    /// Lots frozen at activation, with their state and stock then.
    pub(crate) async fn affected_lots(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<RecallLot>> {
        Ok(service::lots(db(ctx)?, self.0.id)
            .await?
            .into_iter()
            .map(RecallLot)
            .collect())
    }
    /// Consignees (from activation on) with notification and reconciliation.
    pub(crate) async fn consignees(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<RecallConsignee>> {
        Ok(service::reconciliation(db(ctx)?, &self.0)
            .await?
            .into_iter()
            .map(RecallConsignee)
            .collect())
    }
    /// Every step, oldest first.
    pub(crate) async fn events(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<RecallEvent>> {
        Ok(service::events(db(ctx)?, self.0.id)
            .await?
            .into_iter()
            .map(RecallEvent)
            .collect())
    }
    /// The recall report as CSV (rows `recall`, `lot`, `stock_action`,
    /// `consignee`, `event`), ready to send to a regulator or a distributor.
    pub(crate) async fn report_csv(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(service::report_csv(db(ctx)?, &self.0).await?)
    }
}

/// A mock recall: the trace of a scope, nothing changed, and how long it took.
pub struct MockRecall {
    pub(crate) trace: ForwardTrace,
    pub(crate) elapsed_ms: f64,
    pub(crate) scope: String,
}

/// What an ISO 13485 audit asks to be shown: how fast and how completely a
/// scope is traced to stock, consignees and cases. Nothing is changed.
#[Object]
impl MockRecall {
    /// The scope in words.
    pub(crate) async fn scope(&self) -> &str {
        &self.scope
    }
    /// Milliseconds the trace took on the server.
    pub(crate) async fn elapsed_ms(&self) -> f64 {
        self.elapsed_ms
    }
    /// Lots reached.
    pub(crate) async fn lots(&self) -> i64 {
        self.trace.totals.lots
    }
    /// Pieces on hand that a recall would stop.
    pub(crate) async fn pieces_on_hand(&self) -> i64 {
        self.trace.totals.pieces_on_hand
    }
    /// Pieces shipped out.
    pub(crate) async fn pieces_shipped(&self) -> i64 {
        self.trace.totals.pieces_shipped
    }
    /// Consignees to notify.
    pub(crate) async fn consignees(&self) -> i64 {
        self.trace.totals.consignees
    }
    /// Of those, known clinics.
    pub(crate) async fn clinics(&self) -> i64 {
        self.trace.totals.clinics
    }
    /// Cases reached.
    pub(crate) async fn cases(&self) -> i64 {
        self.trace.totals.cases
    }
    /// The full trace.
    pub(crate) async fn trace(&self) -> ForwardTraceObj {
        ForwardTraceObj(self.trace.clone())
    }
}
