//! GraphQL types and resolvers of clinical cases. Mutations run in one write
//! transaction each; those that create custom jobs reschedule production in
//! the same transaction.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{
    clinic, clinical_case,
    enums::{AbutmentType, CaseDecision, CaseStatus, Material, Restoration},
    lot, platform, production_job, reservation,
};
use sea_orm::{DatabaseConnection, DatabaseTransaction};

use super::service::{self, Choice, NewCase, NewClinic, Policy};
use crate::graphql::{loaders::load, write, write::finish};
use crate::{
    catalog::{
        graphql::{AbutmentSku, Platform},
        service::PlatformRef,
        units::{from_milli, to_milli},
    },
    error::{AppError, AppResult, UserError},
    graphql::{batch::BatchQueue, db, ids, loaders, scalars::Decimal},
    impl_by_id,
    inventory::{
        Actor,
        graphql::{Lot, Reservation},
    },
    manufacturing::{
        graphql::{Machine, ProductionJob},
        planning,
    },
};

impl_by_id!(clinic, reservation);

/// Loaders of this domain, attached to every request.
pub fn attach_loaders(
    r: async_graphql::Request,
    db: &DatabaseConnection,
    q: &BatchQueue,
) -> async_graphql::Request {
    r.data(loaders::by_id::<clinic::Entity>(db, q))
        .data(loaders::by_id::<reservation::Entity>(db, q))
}

// ------------------------------------------------------------------ types

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
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Street address.
    async fn address(&self) -> &str {
        &self.0.address
    }
    /// City.
    async fn city(&self) -> &str {
        &self.0.city
    }
    /// ISO 3166 country code.
    async fn country(&self) -> &str {
        &self.0.country
    }
    /// Person to contact.
    async fn contact_name(&self) -> &str {
        &self.0.contact_name
    }
    /// E-mail of the contact.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// Phone.
    async fn phone(&self) -> Option<&str> {
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
    async fn number(&self) -> &str {
        &self.0.number
    }
    /// The ordering clinic.
    async fn clinic(&self, ctx: &Context<'_>) -> async_graphql::Result<Clinic> {
        Ok(Clinic(
            load::<clinic::Entity>(ctx, self.0.clinic_id, "clinic").await?,
        ))
    }
    /// The clinic's order reference.
    async fn order_reference(&self) -> &str {
        &self.0.order_reference
    }
    /// The patient's pseudonym (never a name).
    async fn patient_pseudonym(&self) -> &str {
        &self.0.patient_pseudonym
    }
    /// Tooth in FDI notation (11–48).
    async fn tooth(&self) -> i32 {
        self.0.tooth
    }
    /// The implant platform the abutment must fit.
    async fn platform(&self, ctx: &Context<'_>) -> async_graphql::Result<Platform> {
        Ok(Platform(
            load::<platform::Entity>(ctx, self.0.platform_id, "platform").await?,
        ))
    }
    /// The restoration it carries.
    async fn restoration(&self) -> Restoration {
        self.0.restoration
    }
    /// Wanted abutment type.
    async fn abutment_type(&self) -> AbutmentType {
        self.0.abutment_type
    }
    /// Wanted gingival height, mm.
    async fn gingival_height_mm(&self) -> Decimal {
        Decimal(from_milli(self.0.gingival_height_um))
    }
    /// Wanted angulation, degrees.
    async fn angulation_deg(&self) -> Decimal {
        Decimal(from_milli(self.0.angulation_mdeg))
    }
    /// Whether the abutment must engage the implant's anti-rotation feature.
    async fn engaging(&self) -> bool {
        self.0.engaging
    }
    /// Preferred material; any when null.
    async fn material(&self) -> Option<Material> {
        self.0.material
    }
    /// When the clinic needs it.
    async fn due_at(&self) -> DateTime<Utc> {
        self.0.due_at
    }
    /// Where it stands.
    async fn status(&self) -> CaseStatus {
        self.0.status
    }
    /// How it is served, once decided.
    async fn decision(&self) -> Option<CaseDecision> {
        self.0.decision
    }
    /// Why it is where it is (e.g. why a batch run left it open).
    async fn status_reason(&self) -> Option<&str> {
        self.0.status_reason.as_deref()
    }
    /// The reservation of its unit (STOCK), open or shipped.
    async fn reservation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Reservation>> {
        match self.0.reservation_id {
            Some(r) => Ok(Some(Reservation(
                load::<reservation::Entity>(ctx, r, "reservation").await?,
            ))),
            None => Ok(None),
        }
    }
    /// The custom job making its part (CUSTOM).
    async fn job(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ProductionJob>> {
        match self.0.job_id {
            Some(j) => Ok(Some(ProductionJob(
                load::<production_job::Entity>(ctx, j, "production job").await?,
            ))),
            None => Ok(None),
        }
    }
    /// When it is expected to be ready: now for reserved stock, the job's
    /// planned end for a custom part.
    async fn expected_ready_at(
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
    async fn shipped_lot(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Lot>> {
        match self.0.shipped_lot_id {
            Some(l) => Ok(Some(Lot(load::<lot::Entity>(ctx, l, "lot").await?))),
            None => Ok(None),
        }
    }
    /// When it shipped.
    async fn shipped_at(&self) -> Option<DateTime<Utc>> {
        self.0.shipped_at
    }
    /// The ranked options and the candidates turned down, computed now (for
    /// an OPEN case; empty otherwise). Costly: ask for one case at a time.
    async fn matching(&self, ctx: &Context<'_>) -> async_graphql::Result<CaseMatching> {
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
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// One way to serve a case.
pub struct MatchOption(service::MatchOption);

/// A way to serve a case: a unit of finished stock (SKU and lot, first
/// expired first out) or a custom part (with the scheduler's ETA).
#[Object]
impl MatchOption {
    /// STOCK or CUSTOM.
    async fn decision(&self) -> CaseDecision {
        self.0.decision
    }
    /// STOCK: the SKU.
    async fn sku(&self) -> Option<AbutmentSku> {
        self.0.sku.clone().map(AbutmentSku)
    }
    /// STOCK: the lot to take (confirm with its id).
    async fn lot(&self) -> Option<Lot> {
        self.0.lot.clone().map(Lot)
    }
    /// STOCK: units of the SKU available now.
    async fn available(&self) -> i64 {
        self.0.available
    }
    /// When it could ship: now for stock, the ETA for a custom part.
    async fn ready_at(&self) -> Option<DateTime<Utc>> {
        self.0.ready_at
    }
    /// Whether it is ready by the case's due date.
    async fn meets_due_date(&self) -> bool {
        self.0.meets_due_date
    }
    /// Distance from the wanted part (|Δ height| µm + |Δ angle| mdeg / 10); 0 is exact.
    async fn deviation(&self) -> i64 {
        self.0.deviation
    }
    /// CUSTOM: the machine it would run on.
    async fn machine(&self) -> Option<Machine> {
        self.0
            .eta
            .as_ref()
            .and_then(|e| e.machine.clone())
            .map(Machine)
    }
    /// CUSTOM: whether a released blank is in stock.
    async fn material_available(&self) -> Option<bool> {
        self.0.eta.as_ref().map(|e| e.material_available)
    }
    /// Why it fits, and what to watch.
    async fn notes(&self) -> &[String] {
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

// ------------------------------------------------------------------ inputs

/// A clinic to create.
#[derive(InputObject)]
pub struct CreateClinicInput {
    /// Unique short code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Street address.
    /// Newlines are allowed; at most 2,000 characters.
    pub address: String,
    /// City.
    pub city: String,
    /// ISO 3166 two-letter country code.
    pub country: String,
    /// Person to contact.
    pub contact_name: String,
    /// E-mail of the contact.
    pub email: String,
    /// Phone.
    pub phone: Option<String>,
}

/// A case to create.
#[derive(InputObject)]
pub struct CreateCaseInput {
    /// The ordering clinic's code.
    pub clinic: String,
    /// The clinic's order reference (unique per clinic).
    pub order_reference: String,
    /// A pseudonym for the patient: 4–32 letters, digits or '-', with a digit. Never a name.
    pub patient_pseudonym: String,
    /// Tooth in FDI notation: 11–18, 21–28, 31–38, 41–48.
    pub tooth: i32,
    /// Implant system name.
    pub system: Option<String>,
    /// The system's manufacturer, when two systems share a name.
    pub manufacturer: Option<String>,
    /// Platform name within the system.
    pub platform: Option<String>,
    /// The platform by global id (with `system`, it must belong to it).
    pub platform_id: Option<ID>,
    /// The restoration.
    pub restoration: Restoration,
    /// Wanted abutment type.
    pub abutment_type: AbutmentType,
    /// Wanted gingival height, mm (0–8).
    pub gingival_height_mm: Decimal,
    /// Wanted angulation, degrees (0–45; default 0).
    pub angulation_deg: Option<Decimal>,
    /// Engaging (default: yes for a single crown, no otherwise).
    pub engaging: Option<bool>,
    /// Preferred material (default: any).
    pub material: Option<Material>,
    /// When the clinic needs it; must be in the future.
    pub due_at: DateTime<Utc>,
}

/// The option to confirm: a lot (from `matching.options[].lot.id`) or a custom part.
#[derive(InputObject)]
pub struct ConfirmCaseInput {
    /// Global id of the case.
    pub case_id: ID,
    /// Reserve one unit of this lot.
    pub lot_id: Option<ID>,
    /// Or mill a custom part (true).
    pub custom: Option<bool>,
}

/// New matching tolerances.
#[derive(InputObject)]
pub struct MatchingPolicyInput {
    /// Gingival height tolerance, mm (0–3).
    pub gingival_tolerance_mm: Decimal,
    /// Angulation tolerance, degrees (0–15).
    pub angulation_tolerance_deg: Decimal,
}

// ------------------------------------------------------------------ helpers

fn case_payload(r: Result<clinical_case::Model, Vec<UserError>>) -> CasePayload {
    match r {
        Ok(c) => CasePayload {
            case: Some(ClinicalCase(c)),
            user_errors: vec![],
        },
        Err(e) => CasePayload {
            case: None,
            user_errors: e,
        },
    }
}

fn milli(d: &Decimal, field: &str, unit: &str, max: i64) -> AppResult<i32> {
    to_milli(
        d.0,
        field,
        unit,
        rust_decimal::Decimal::ZERO,
        rust_decimal::Decimal::from(max),
    )
}

async fn case_of(db: &impl sea_orm::ConnectionTrait, id: &ID) -> AppResult<clinical_case::Model> {
    service::case(db, ids::decode(id, "ClinicalCase", "caseId")?).await
}

// ------------------------------------------------------------------ queries

/// Clinical case queries.
#[derive(Default)]
pub struct CasesQuery;

/// Clinics, cases, their matching and the cases at risk.
#[Object]
impl CasesQuery {
    /// Clinics, by code.
    #[graphql(
        complexity = "2 + first.or(last).unwrap_or(50).clamp(0, 500) as usize * child_complexity"
    )]
    async fn clinics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 50, capped).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (capped); not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor to continue before, paging backward.")] before: Option<String>,
    ) -> async_graphql::Result<ClinicConnection> {
        let page = crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_ctx(ctx)?;
        let (rows, total) = service::clinics_page(db(ctx)?, &page).await?;
        Ok(ClinicConnection::build(
            &page,
            rows,
            total,
            service::clinic_key,
            Clinic,
        ))
    }

    /// Cases, earliest due first; filter by status and clinic.
    #[graphql(
        complexity = "2 + first.or(last).unwrap_or(50).clamp(0, 500) as usize * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn clinical_cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Any of these statuses (all when empty).", default)] statuses: Vec<
            CaseStatus,
        >,
        #[graphql(desc = "Only this clinic's (code).")] clinic: Option<String>,
        #[graphql(desc = "Page size (default 50, capped).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (capped); not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor to continue before, paging backward.")] before: Option<String>,
    ) -> async_graphql::Result<ClinicalCaseConnection> {
        let page = crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_ctx(ctx)?;

        let conn = db(ctx)?;
        let clinic_id = match clinic {
            Some(c) => Some(service::clinic_by_code(conn, &c).await?.id),
            None => None,
        };
        let (rows, total) = service::cases_page(conn, &statuses, clinic_id, &page).await?;
        Ok(ClinicalCaseConnection::build(
            &page,
            rows,
            total,
            service::case_key,
            ClinicalCase,
        ))
    }

    /// One case by global id or by number.
    async fn clinical_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id.")] id: Option<ID>,
        #[graphql(desc = "Case number, e.g. `CASE-000012`.")] number: Option<String>,
    ) -> async_graphql::Result<ClinicalCase> {
        let conn = db(ctx)?;
        let c = match (id, number) {
            (Some(id), None) => case_of(conn, &id).await?,
            (None, Some(n)) => service::case_by_number(conn, &n).await?,
            _ => return Err(AppError::bad_input("id", "give exactly one of id or number").into()),
        };
        Ok(ClinicalCase(c))
    }

    /// Open, reserved and in-production cases that may miss their due date, with why.
    async fn cases_at_risk(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CaseAtRisk>> {
        Ok(service::at_risk(db(ctx)?)
            .await?
            .into_iter()
            .map(|(c, reason)| CaseAtRisk {
                case: ClinicalCase(c),
                reason,
            })
            .collect())
    }

    /// The tolerances of matching in force.
    async fn matching_policy(&self, ctx: &Context<'_>) -> async_graphql::Result<MatchingPolicy> {
        Ok(service::policy(db(ctx)?).await?.into())
    }
}

// ------------------------------------------------------------------ mutations

/// Clinical case mutations.
#[derive(Default)]
pub struct CasesMutation;

/// Clinics, cases, matching decisions, shipping and cancelling.
#[Object]
impl CasesMutation {
    /// Creates a clinic.
    async fn create_clinic(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The clinic.")] input: CreateClinicInput,
    ) -> async_graphql::Result<ClinicPayload> {
        let (txn, _) = begin(ctx).await?;
        let r = service::create_clinic(
            &txn,
            &NewClinic {
                code: input.code,
                name: input.name,
                address: input.address,
                city: input.city,
                country: input.country,
                contact_name: input.contact_name,
                email: input.email,
                phone: input.phone,
            },
        )
        .await;
        Ok(match finish(txn, r).await? {
            Ok(c) => ClinicPayload {
                clinic: Some(Clinic(c)),
                user_errors: vec![],
            },
            Err(e) => ClinicPayload {
                clinic: None,
                user_errors: e,
            },
        })
    }

    /// Creates a case (OPEN) after checking tooth, platform, pseudonym and due date.
    async fn create_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case.")] input: CreateCaseInput,
    ) -> async_graphql::Result<CasePayload> {
        let (txn, a) = begin(ctx).await?;
        let r = async {
            let id = input
                .platform_id
                .as_ref()
                .map(|i| ids::decode(i, "Platform", "input.platformId"))
                .transpose()?;
            let c = NewCase {
                clinic_code: input.clinic.clone(),
                order_reference: input.order_reference.clone(),
                patient_pseudonym: input.patient_pseudonym.clone(),
                tooth: input.tooth,
                platform: PlatformRef {
                    id,
                    manufacturer: input.manufacturer.clone(),
                    system: input.system.clone(),
                    platform: input.platform.clone(),
                },
                restoration: input.restoration,
                abutment_type: input.abutment_type,
                gingival_height_um: milli(
                    &input.gingival_height_mm,
                    "input.gingivalHeightMm",
                    "mm",
                    8,
                )?,
                angulation_mdeg: match &input.angulation_deg {
                    Some(d) => milli(d, "input.angulationDeg", "°", 45)?,
                    None => 0,
                },
                engaging: input.engaging,
                material: input.material,
                due_at: input.due_at,
            };
            service::create_case(&txn, &a, &c).await
        }
        .await;
        Ok(case_payload(finish(txn, r).await?))
    }

    /// Confirms an option of an OPEN case: reserves one unit of the lot
    /// through the ledger, or creates the custom job and reschedules. An
    /// option no longer valid is `CONFLICT`, nothing changed; confirming the
    /// same lot again returns the case as it is.
    async fn confirm_case_match(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Case and option.")] input: ConfirmCaseInput,
    ) -> async_graphql::Result<CasePayload> {
        let input = &input;
        let r = write::run(ctx, |w| {
            Box::pin(async move {
                crate::db::lock(w.txn, crate::db::Lock::Shop).await?;
                let c = case_of(w.txn, &input.case_id).await?;
                let choice = match (&input.lot_id, input.custom) {
                    (Some(l), None | Some(false)) => {
                        Choice::Lot(ids::decode(l, "Lot", "input.lotId")?)
                    }
                    (None, Some(true)) => Choice::Custom,
                    _ => {
                        return Err(AppError::bad_input(
                            "input.lotId",
                            "give a lotId from the case's options, or custom: true",
                        ));
                    }
                };
                let c = service::confirm(w.txn, w.actor, c, choice).await?;
                if matches!(choice, Choice::Custom) {
                    planning::reschedule(w.txn, &w.actor.name, "case job added").await?;
                }
                Ok(c)
            })
        })
        .await?;
        Ok(case_payload(r))
    }

    /// Matches every OPEN case at once, earliest due first, with the same
    /// rules: each takes its best option; no unit is promised twice. All or
    /// nothing.
    async fn match_open_cases(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<BatchMatchPayload> {
        let (txn, a) = begin(ctx).await?;
        let r = async {
            let lines = service::match_open_cases(&txn, &a).await?;
            if lines
                .iter()
                .any(|l| l.case.status == CaseStatus::InProduction)
            {
                planning::reschedule(&txn, &a.name, "cases matched").await?;
            }
            Ok(lines)
        }
        .await;
        Ok(match finish(txn, r).await? {
            Ok(lines) => {
                let count =
                    |s: CaseStatus| lines.iter().filter(|l| l.case.status == s).count() as i32;
                BatchMatchPayload {
                    reserved: count(CaseStatus::Reserved),
                    in_production: count(CaseStatus::InProduction),
                    unmatched: count(CaseStatus::Open),
                    lines: lines
                        .into_iter()
                        .map(|l| BatchMatchLine {
                            case: ClinicalCase(l.case),
                            unmatched_reason: l.unmatched,
                        })
                        .collect(),
                    user_errors: vec![],
                }
            }
            Err(e) => BatchMatchPayload {
                lines: vec![],
                reserved: 0,
                in_production: 0,
                unmatched: 0,
                user_errors: e,
            },
        })
    }

    /// Ships a case: its reserved unit, or its custom part once released,
    /// leaves through the ledger (SHIPMENT, reference = case number).
    async fn ship_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the case.")] case_id: ID,
    ) -> async_graphql::Result<CasePayload> {
        let case_id = &case_id;
        let r = write::run(ctx, |w| {
            Box::pin(async move {
                crate::db::lock(w.txn, crate::db::Lock::Shop).await?;
                let c = case_of(w.txn, case_id).await?;
                service::ship_case(w.txn, w.actor, c).await
            })
        })
        .await?;
        Ok(case_payload(r))
    }

    /// Takes a shipped case's unit back into quarantine through the ledger
    /// (RETURN, linked to the shipment) and closes the case.
    async fn return_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the case.")] case_id: ID,
        #[graphql(desc = "Why it came back. Newlines are allowed; at most 2,000 characters.")]
        reason: String,
    ) -> async_graphql::Result<CasePayload> {
        let (txn, a) = begin(ctx).await?;
        let r = async {
            let c = case_of(&txn, &case_id).await?;
            service::return_case(&txn, &a, c, &reason).await
        }
        .await;
        Ok(case_payload(finish(txn, r).await?))
    }

    /// Closes a shipped case: delivered, nothing more expected.
    async fn close_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the case.")] case_id: ID,
    ) -> async_graphql::Result<CasePayload> {
        let (txn, _) = begin(ctx).await?;
        let r = async {
            let c = case_of(&txn, &case_id).await?;
            service::close_case(&txn, c).await
        }
        .await;
        Ok(case_payload(finish(txn, r).await?))
    }

    /// Cancels a case: releases its reservation, or cancels its job if not started.
    async fn cancel_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the case.")] case_id: ID,
        #[graphql(desc = "Why. Newlines are allowed; at most 2,000 characters.")] reason: String,
    ) -> async_graphql::Result<CasePayload> {
        let (txn, a) = begin(ctx).await?;
        let r = async {
            let c = case_of(&txn, &case_id).await?;
            let had_job = c.status == CaseStatus::InProduction;
            let c = service::cancel_case(&txn, &a, c, &reason).await?;
            if had_job {
                planning::reschedule(&txn, &a.name, "case cancelled").await?;
            }
            Ok(c)
        }
        .await;
        Ok(case_payload(finish(txn, r).await?))
    }

    /// Sets the matching tolerances.
    async fn set_matching_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tolerances.")] input: MatchingPolicyInput,
    ) -> async_graphql::Result<MatchingPolicyPayload> {
        let (txn, a) = begin(ctx).await?;
        let r = async {
            let p = Policy {
                gingival_tolerance_um: milli(
                    &input.gingival_tolerance_mm,
                    "input.gingivalToleranceMm",
                    "mm",
                    3,
                )?,
                angulation_tolerance_mdeg: milli(
                    &input.angulation_tolerance_deg,
                    "input.angulationToleranceDeg",
                    "°",
                    15,
                )?,
            };
            service::set_policy(&txn, &a, p).await
        }
        .await;
        Ok(match finish(txn, r).await? {
            Ok(p) => MatchingPolicyPayload {
                policy: Some(p.into()),
                user_errors: vec![],
            },
            Err(e) => MatchingPolicyPayload {
                policy: None,
                user_errors: e,
            },
        })
    }
}

/// A write transaction holding the shop lock ([`crate::db::Lock::Shop`]).
async fn begin(ctx: &Context<'_>) -> async_graphql::Result<(DatabaseTransaction, Actor)> {
    let (txn, a) = write::begin(ctx).await?;
    crate::db::lock(&txn, crate::db::Lock::Shop).await?;
    Ok((txn, a))
}

crate::connection_type!(ClinicConnection, ClinicEdge, Clinic, "clinics");
crate::connection_type!(
    ClinicalCaseConnection,
    ClinicalCaseEdge,
    ClinicalCase,
    "clinical cases"
);
