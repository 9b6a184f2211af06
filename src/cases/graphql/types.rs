//! The object types of cases: clinics, cases, matching, options, risks, the policy.

use super::*;

/// A clinic: a customer that orders cases.
pub struct Clinic(pub clinic::Model);

/// A clinic (dental practice or lab) that orders abutments for cases.
#[Object]
impl Clinic {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("Clinic", self.0.id)
    }
    /// Short code, e.g. `ZH-SMILE`.
    pub(crate) async fn code(&self) -> &str {
        &self.0.code
    }
    /// Name.
    pub(crate) async fn name(&self) -> &str {
        &self.0.name
    }
    /// Street address.
    pub(crate) async fn address(&self) -> &str {
        &self.0.address
    }
    /// City.
    pub(crate) async fn city(&self) -> &str {
        &self.0.city
    }
    /// ISO 3166 country code.
    pub(crate) async fn country(&self) -> &str {
        &self.0.country
    }
    /// Person to contact.
    pub(crate) async fn contact_name(&self) -> &str {
        &self.0.contact_name
    }
    /// E-mail of the contact.
    pub(crate) async fn email(&self) -> &str {
        &self.0.email
    }
    /// Phone.
    pub(crate) async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
}

/// A clinical case.
pub struct ClinicalCase(pub clinical_case::Model);

/// One abutment ordered by a clinic for one implant of one patient, and how
/// it is served: matched to finished stock (a reserved unit) or to a custom
/// job, then shipped.
#[Object]
impl ClinicalCase {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("ClinicalCase", self.0.id)
    }
    /// Our case number, e.g. `CASE-000012`.
    pub(crate) async fn number(&self) -> &str {
        &self.0.number
    }
    /// The ordering clinic.
    pub(crate) async fn clinic(&self, ctx: &Context<'_>) -> async_graphql::Result<Clinic> {
        Ok(Clinic(
            load::<clinic::Entity>(ctx, self.0.clinic_id, "clinic").await?,
        ))
    }
    /// The clinic's order reference.
    pub(crate) async fn order_reference(&self) -> &str {
        &self.0.order_reference
    }
    /// The patient's pseudonym (never a name).
    pub(crate) async fn patient_pseudonym(&self) -> &str {
        &self.0.patient_pseudonym
    }
    /// Tooth in FDI notation (11–48).
    pub(crate) async fn tooth(&self) -> i32 {
        self.0.tooth
    }
    /// The implant platform the abutment must fit.
    pub(crate) async fn platform(&self, ctx: &Context<'_>) -> async_graphql::Result<Platform> {
        Ok(Platform(
            load::<platform::Entity>(ctx, self.0.platform_id, "platform").await?,
        ))
    }
    /// The restoration it carries.
    pub(crate) async fn restoration(&self) -> Restoration {
        self.0.restoration
    }
    /// Wanted abutment type.
    pub(crate) async fn abutment_type(&self) -> AbutmentType {
        self.0.abutment_type
    }
    /// Wanted gingival height, mm.
    pub(crate) async fn gingival_height_mm(&self) -> Decimal {
        Decimal(from_milli(self.0.gingival_height_um))
    }
    /// Wanted angulation, degrees.
    pub(crate) async fn angulation_deg(&self) -> Decimal {
        Decimal(from_milli(self.0.angulation_mdeg))
    }
    /// Whether the abutment must engage the implant's anti-rotation feature.
    pub(crate) async fn engaging(&self) -> bool {
        self.0.engaging
    }
    /// Preferred material; any when null.
    pub(crate) async fn material(&self) -> Option<Material> {
        self.0.material
    }
    /// When the clinic needs it.
    pub(crate) async fn due_at(&self) -> DateTime<Utc> {
        self.0.due_at
    }
    /// Where it stands.
    pub(crate) async fn status(&self) -> CaseStatus {
        self.0.status
    }
    /// How it is served, once decided.
    pub(crate) async fn decision(&self) -> Option<CaseDecision> {
        self.0.decision
    }
    /// Why it is where it is (e.g. why a batch run left it open).
    pub(crate) async fn status_reason(&self) -> Option<&str> {
        self.0.status_reason.as_deref()
    }
    /// The reservation of its unit (STOCK), open or shipped.
    pub(crate) async fn reservation(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Reservation>> {
        match self.0.reservation_id {
            Some(r) => Ok(Some(Reservation(
                load::<reservation::Entity>(ctx, r, "reservation").await?,
            ))),
            None => Ok(None),
        }
    }
    /// The custom job making its part (CUSTOM).
    pub(crate) async fn job(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<ProductionJob>> {
        match self.0.job_id {
            Some(j) => Ok(Some(ProductionJob(
                load::<production_job::Entity>(ctx, j, "production job").await?,
            ))),
            None => Ok(None),
        }
    }
    /// When it is expected to be ready: now for reserved stock, the job's
    /// planned end for a custom part.
    pub(crate) async fn expected_ready_at(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<DateTime<Utc>>> {
        Ok(match (self.0.status, self.0.job_id) {
            (CaseStatus::Reserved, _) => Some(self.0.updated_at),
            (CaseStatus::InProduction, Some(j)) => {
                let job = load::<production_job::Entity>(ctx, j, "production job").await?;
                job.finished_at.or(job.planned_end)
            }
            _ => None,
        })
    }
    /// The lot its unit shipped from.
    pub(crate) async fn shipped_lot(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Lot>> {
        match self.0.shipped_lot_id {
            Some(l) => Ok(Some(Lot(load::<lot::Entity>(ctx, l, "lot").await?))),
            None => Ok(None),
        }
    }
    /// When it shipped.
    pub(crate) async fn shipped_at(&self) -> Option<DateTime<Utc>> {
        self.0.shipped_at
    }
    /// The ranked options and the candidates turned down, computed now (for
    /// an OPEN case; empty otherwise). Costly: ask for one case at a time.
    pub(crate) async fn matching(&self, ctx: &Context<'_>) -> async_graphql::Result<CaseMatching> {
        if self.0.status != CaseStatus::Open {
            return Ok(CaseMatching::default());
        }
        let conn = db(ctx)?;
        let p = service::policy(conn).await?;
        Ok(CaseMatching::from(
            service::match_case(conn, &self.0, &p, &mut Default::default()).await?,
        ))
    }
    /// Who created it.
    pub(crate) async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    /// When it was created.
    pub(crate) async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// One way to serve a case.
pub struct MatchOption(pub(crate) service::MatchOption);

/// A way to serve a case: a unit of finished stock (SKU and lot, first
/// expired first out) or a custom part (with the scheduler's ETA).
#[Object]
impl MatchOption {
    /// STOCK or CUSTOM.
    pub(crate) async fn decision(&self) -> CaseDecision {
        self.0.decision
    }
    /// STOCK: the SKU.
    pub(crate) async fn sku(&self) -> Option<AbutmentSku> {
        self.0.sku.clone().map(AbutmentSku)
    }
    /// STOCK: the lot to take (confirm with its id).
    pub(crate) async fn lot(&self) -> Option<Lot> {
        self.0.lot.clone().map(Lot)
    }
    /// STOCK: units of the SKU available now.
    pub(crate) async fn available(&self) -> i64 {
        self.0.available
    }
    /// When it could ship: now for stock, the ETA for a custom part.
    pub(crate) async fn ready_at(&self) -> Option<DateTime<Utc>> {
        self.0.ready_at
    }
    /// Whether it is ready by the case's due date.
    pub(crate) async fn meets_due_date(&self) -> bool {
        self.0.meets_due_date
    }
    /// Distance from the wanted part (|Δ height| µm + |Δ angle| mdeg / 10); 0 is exact.
    pub(crate) async fn deviation(&self) -> i64 {
        self.0.deviation
    }
    /// CUSTOM: the machine it would run on.
    pub(crate) async fn machine(&self) -> Option<Machine> {
        self.0
            .eta
            .as_ref()
            .and_then(|e| e.machine.clone())
            .map(Machine)
    }
    /// CUSTOM: whether a released blank is in stock.
    pub(crate) async fn material_available(&self) -> Option<bool> {
        self.0.eta.as_ref().map(|e| e.material_available)
    }
    /// Why it fits, and what to watch.
    pub(crate) async fn notes(&self) -> &[String] {
        &self.0.notes
    }
}

/// A candidate turned down.
#[derive(SimpleObject)]
pub struct Rejection {
    /// STOCK or CUSTOM.
    pub decision: CaseDecision,
    /// The SKU (STOCK).
    pub sku: Option<AbutmentSku>,
    /// Why: incompatible type, height out of tolerance, no available stock, only quarantined stock…
    pub reason: String,
}

/// Options and rejections of one case.
#[derive(SimpleObject, Default)]
pub struct CaseMatching {
    /// Ranked: ships on time first, then closest fit, then earliest expiry.
    pub options: Vec<MatchOption>,
    /// Every candidate turned down, with the reason.
    pub rejected: Vec<Rejection>,
}

impl From<service::Matching> for CaseMatching {
    fn from(m: service::Matching) -> Self {
        CaseMatching {
            options: m.options.into_iter().map(MatchOption).collect(),
            rejected: m
                .rejected
                .into_iter()
                .map(|r| Rejection {
                    decision: r.decision,
                    sku: r.sku.map(AbutmentSku),
                    reason: r.reason,
                })
                .collect(),
        }
    }
}

/// The tolerances of matching.
#[derive(SimpleObject)]
pub struct MatchingPolicy {
    /// How far a SKU's gingival height may be from the wanted one, mm.
    pub gingival_tolerance_mm: Decimal,
    /// How far a SKU's angulation may be from the wanted one, degrees.
    pub angulation_tolerance_deg: Decimal,
}

impl From<Policy> for MatchingPolicy {
    fn from(p: Policy) -> Self {
        MatchingPolicy {
            gingival_tolerance_mm: Decimal(from_milli(p.gingival_tolerance_um)),
            angulation_tolerance_deg: Decimal(from_milli(p.angulation_tolerance_mdeg)),
        }
    }
}

/// A case at risk of missing its due date.
#[derive(SimpleObject)]
pub struct CaseAtRisk {
    /// The case.
    pub case: ClinicalCase,
    /// Why.
    pub reason: String,
}

/// Result of a case mutation.
#[derive(SimpleObject)]
pub struct CasePayload {
    /// The case, on success.
    pub case: Option<ClinicalCase>,
    /// What was wrong; nothing changed when not empty.
    pub user_errors: Vec<UserError>,
}

/// Result of creating a clinic.
#[derive(SimpleObject)]
pub struct ClinicPayload {
    /// The clinic, on success.
    pub clinic: Option<Clinic>,
    /// What was wrong; nothing changed when not empty.
    pub user_errors: Vec<UserError>,
}

/// Result of changing the matching policy.
#[derive(SimpleObject)]
pub struct MatchingPolicyPayload {
    /// The policy in force.
    pub policy: Option<MatchingPolicy>,
    /// What was wrong; nothing changed when not empty.
    pub user_errors: Vec<UserError>,
}

/// One case of a batch run.
#[derive(SimpleObject)]
pub struct BatchMatchLine {
    /// The case after the run.
    pub case: ClinicalCase,
    /// Why it stayed open, when it did.
    pub unmatched_reason: Option<String>,
}

/// Result of matching all open cases.
#[derive(SimpleObject)]
pub struct BatchMatchPayload {
    /// Every case that was open, earliest due first.
    pub lines: Vec<BatchMatchLine>,
    /// Cases reserved from stock.
    pub reserved: i32,
    /// Cases given a custom job.
    pub in_production: i32,
    /// Cases left open.
    pub unmatched: i32,
    /// What was wrong; nothing changed when not empty.
    pub user_errors: Vec<UserError>,
}
