//! Cases: creation with its checks (FDI tooth, pseudonym), lookup, lists.

use super::*;

/// A case to create.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub clinic_code: String,
    pub order_reference: String,
    pub patient_pseudonym: String,
    pub tooth: i32,
    pub platform: PlatformRef,
    pub restoration: Restoration,
    pub abutment_type: AbutmentType,
    pub gingival_height_um: i32,
    pub angulation_mdeg: i32,
    /// Default: engaging for a single crown, non-engaging otherwise.
    pub engaging: Option<bool>,
    pub material: Option<Material>,
    pub due_at: DateTime<Utc>,
}

/// Whether `t` is a permanent tooth in FDI notation: quadrant 1–4, tooth 1–8.
pub fn valid_fdi(t: i32) -> bool {
    (1..=4).contains(&(t / 10)) && (1..=8).contains(&(t % 10))
}

/// A pseudonym, not a name: 4–32 letters, digits or `-`, with a digit.
pub fn valid_pseudonym(p: &str) -> bool {
    (4..=32).contains(&p.len())
        && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && p.chars().any(|c| c.is_ascii_digit())
}

/// Creates a case after checking every field; nothing is written on error.
pub async fn create_case(
    db: &impl ConnectionTrait,
    actor: &Actor,
    c: &NewCase,
) -> AppResult<clinical_case::Model> {
    let clinic = clinic_by_code(db, &c.clinic_code).await.map_err(|_| {
        AppError::bad_input(
            "clinic",
            format!("unknown clinic `{}`", c.clinic_code.trim()),
        )
    })?;
    let order = required(&c.order_reference, "orderReference")?;
    let pseudonym = c.patient_pseudonym.trim();
    if !valid_pseudonym(pseudonym) {
        return Err(AppError::bad_input(
            "patientPseudonym",
            "a pseudonym of 4–32 letters, digits or '-' with at least one digit; never the patient's name",
        ));
    }
    if !valid_fdi(c.tooth) {
        return Err(AppError::bad_input(
            "tooth",
            format!(
                "{} is not a permanent tooth in FDI notation (11–18, 21–28, 31–38, 41–48)",
                c.tooth
            ),
        ));
    }
    let platform = catalog::resolve_platform(db, &c.platform)
        .await
        .map_err(|e| match e {
            AppError::NotFound { what, key } => {
                AppError::bad_input("platform", format!("{what} not found: {key}"))
            }
            e => e.at("platform"),
        })?;
    if !(0..=8_000).contains(&c.gingival_height_um) {
        return Err(AppError::bad_input("gingivalHeightMm", "must be 0–8 mm"));
    }
    if !(0..=45_000).contains(&c.angulation_mdeg) {
        return Err(AppError::bad_input("angulationDeg", "must be 0–45°"));
    }
    if c.due_at <= Utc::now() {
        return Err(AppError::bad_input(
            "dueAt",
            format!("{} is in the past", c.due_at.format("%Y-%m-%d %H:%M UTC")),
        ));
    }
    if clinical_case::Entity::find()
        .filter(clinical_case::Column::ClinicId.eq(clinic.id))
        .filter(clinical_case::Column::OrderReference.eq(order.clone()))
        .one(db)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(format!(
            "{} already has a case for order {order}",
            clinic.code
        )));
    }
    let last = clinical_case::Entity::find()
        .order_by_desc(clinical_case::Column::Id)
        .one(db)
        .await?;
    let now = Utc::now();
    Ok(clinical_case::ActiveModel {
        number: Set(format!("CASE-{:06}", last.map_or(0, |c| c.id) + 1)),
        clinic_id: Set(clinic.id),
        order_reference: Set(order),
        patient_pseudonym: Set(pseudonym.to_owned()),
        tooth: Set(c.tooth),
        platform_id: Set(platform.id),
        restoration: Set(c.restoration),
        abutment_type: Set(c.abutment_type),
        gingival_height_um: Set(c.gingival_height_um),
        angulation_mdeg: Set(c.angulation_mdeg),
        engaging: Set(c
            .engaging
            .unwrap_or(c.restoration == Restoration::SingleCrown)),
        material: Set(c.material),
        due_at: Set(c.due_at),
        status: Set(CaseStatus::Open),
        decision: Set(None),
        reservation_id: Set(None),
        job_id: Set(None),
        shipped_lot_id: Set(None),
        shipped_at: Set(None),
        status_reason: Set(None),
        created_by: Set(actor.name.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// A case by id.
pub async fn case(db: &impl ConnectionTrait, id: i64) -> AppResult<clinical_case::Model> {
    clinical_case::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("case", id.to_string()))
}

/// A case by number.
pub async fn case_by_number(
    db: &impl ConnectionTrait,
    number: &str,
) -> AppResult<clinical_case::Model> {
    clinical_case::Entity::find()
        .filter(clinical_case::Column::Number.eq(number.trim().to_uppercase()))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("case", number.trim()))
}

/// Cases in some statuses (all when empty), earliest due first.
pub async fn cases(
    db: &impl ConnectionTrait,
    statuses: &[CaseStatus],
    clinic_id: Option<i64>,
) -> AppResult<Vec<clinical_case::Model>> {
    let mut q = clinical_case::Entity::find();
    if !statuses.is_empty() {
        q = q.filter(clinical_case::Column::Status.is_in(statuses.iter().copied()));
    }
    if let Some(c) = clinic_id {
        q = q.filter(clinical_case::Column::ClinicId.eq(c));
    }
    Ok(q.order_by_asc(clinical_case::Column::DueAt)
        .order_by_asc(clinical_case::Column::Id)
        .all(db)
        .await?)
}

/// One page of cases in [`cases`]' order, and how many match.
pub async fn cases_page(
    db: &impl ConnectionTrait,
    statuses: &[CaseStatus],
    clinic_id: Option<i64>,
    page: &crate::paging::Page,
) -> AppResult<(Vec<clinical_case::Model>, u64)> {
    let mut q = clinical_case::Entity::find();
    if !statuses.is_empty() {
        q = q.filter(clinical_case::Column::Status.is_in(statuses.iter().copied()));
    }
    if let Some(c) = clinic_id {
        q = q.filter(clinical_case::Column::ClinicId.eq(c));
    }
    let e = clinical_case::Entity;
    let order = [
        (
            crate::paging::col((e, clinical_case::Column::DueAt)),
            sea_orm::Order::Asc,
        ),
        (
            crate::paging::col((e, clinical_case::Column::Id)),
            sea_orm::Order::Asc,
        ),
    ];
    Ok(page.fetch(db, q, &order).await?)
}

/// The sort key of a case in [`cases_page`]' order (earliest due first).
pub fn case_key(c: &clinical_case::Model) -> crate::paging::Key {
    use crate::paging::KeyVal;
    vec![KeyVal::T(c.due_at), KeyVal::I(c.id)]
}
