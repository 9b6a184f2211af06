//! Rules of clinical cases: validation, matching a case to finished stock or
//! a custom job (with the reason for every candidate turned down), deciding
//! (reserve a unit or create the job), batch matching, shipping and
//! cancelling.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    abutment_sku, clinic, clinical_case,
    enums::{
        AbutmentType, CaseDecision, CaseStatus, JobKind, JobStatus, LocationType, Material,
        MovementReason, Restoration, SkuStatus,
    },
    item, location, lot, production_job, setting, sku_platform, stock_balance,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::{
    catalog::service::{self as catalog, PlatformRef},
    error::{AppError, AppResult},
    inventory::{
        Actor, EffectiveState, effective_state, ledger,
        service::{self as inventory, ReserveRequest},
        today,
    },
    manufacturing::{
        planning::{Eta, EtaBoard},
        service::{self as mfg, NewJob, Requirement},
    },
};

// ------------------------------------------------------------------ policy

/// Tolerances of matching, stored as settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// How far a SKU's gingival height may be from the wanted one, µm.
    pub gingival_tolerance_um: i32,
    /// How far a SKU's angulation may be from the wanted one, millidegrees.
    pub angulation_tolerance_mdeg: i32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            gingival_tolerance_um: 500,
            angulation_tolerance_mdeg: 5_000,
        }
    }
}

const GH_KEY: &str = "matching.gingival_tolerance_um";
const ANG_KEY: &str = "matching.angulation_tolerance_mdeg";

/// The matching policy in force.
pub async fn policy(db: &impl ConnectionTrait) -> AppResult<Policy> {
    let mut p = Policy::default();
    for s in setting::Entity::find()
        .filter(setting::Column::Key.is_in([GH_KEY, ANG_KEY]))
        .all(db)
        .await?
    {
        let v: i32 = s
            .value
            .parse()
            .map_err(|_| AppError::Internal(format!("setting {} is not a number", s.key)))?;
        match s.key.as_str() {
            GH_KEY => p.gingival_tolerance_um = v,
            _ => p.angulation_tolerance_mdeg = v,
        }
    }
    Ok(p)
}

/// Changes the matching policy.
pub async fn set_policy(db: &impl ConnectionTrait, actor: &Actor, p: Policy) -> AppResult<Policy> {
    if !(0..=3_000).contains(&p.gingival_tolerance_um) {
        return Err(AppError::bad_input(
            "input.gingivalToleranceMm",
            "must be 0–3 mm",
        ));
    }
    if !(0..=15_000).contains(&p.angulation_tolerance_mdeg) {
        return Err(AppError::bad_input(
            "input.angulationToleranceDeg",
            "must be 0–15°",
        ));
    }
    for (k, v) in [
        (GH_KEY, p.gingival_tolerance_um),
        (ANG_KEY, p.angulation_tolerance_mdeg),
    ] {
        let am = setting::ActiveModel {
            key: Set(k.to_owned()),
            value: Set(v.to_string()),
            updated_by: Set(actor.name.clone()),
            updated_at: Set(Utc::now()),
        };
        if setting::Entity::find_by_id(k.to_owned())
            .one(db)
            .await?
            .is_some()
        {
            am.update(db).await?;
        } else {
            am.insert(db).await?;
        }
    }
    Ok(p)
}

// ------------------------------------------------------------------ clinics

/// A clinic to create.
#[derive(Debug, Clone)]
pub struct NewClinic {
    pub code: String,
    pub name: String,
    pub address: String,
    pub city: String,
    pub country: String,
    pub contact_name: String,
    pub email: String,
    pub phone: Option<String>,
}

fn required(v: &str, field: &str) -> AppResult<String> {
    let t = v.trim();
    if t.is_empty() {
        return Err(AppError::bad_input(field, "is required"));
    }
    Ok(t.to_owned())
}

/// Creates a clinic; its code is unique.
pub async fn create_clinic(db: &impl ConnectionTrait, c: &NewClinic) -> AppResult<clinic::Model> {
    let code = required(&c.code, "input.code")?.to_uppercase();
    let email = required(&c.email, "input.email")?;
    if !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
        return Err(AppError::bad_input(
            "input.email",
            format!("`{email}` is not an e-mail address"),
        ));
    }
    let country = required(&c.country, "input.country")?.to_uppercase();
    if country.len() != 2 || !country.chars().all(|ch| ch.is_ascii_alphabetic()) {
        return Err(AppError::bad_input(
            "input.country",
            "an ISO 3166 two-letter code, e.g. CH",
        ));
    }
    if clinic_by_code(db, &code).await.is_ok() {
        return Err(AppError::Conflict(format!("clinic {code} exists")));
    }
    Ok(clinic::ActiveModel {
        code: Set(code),
        name: Set(required(&c.name, "input.name")?),
        address: Set(required(&c.address, "input.address")?),
        city: Set(required(&c.city, "input.city")?),
        country: Set(country),
        contact_name: Set(required(&c.contact_name, "input.contactName")?),
        email: Set(email),
        phone: Set(c
            .phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// One page of clinics by code, and how many there are.
pub async fn clinics_page(
    db: &impl ConnectionTrait,
    page: &crate::paging::Page,
) -> AppResult<(Vec<clinic::Model>, u64)> {
    use crate::paging::col;
    use sea_orm::PaginatorTrait;
    let q = clinic::Entity::find();
    let total = q.clone().count(db).await?;
    let order = [
        (
            col((clinic::Entity, clinic::Column::Code)),
            sea_orm::Order::Asc,
        ),
        (
            col((clinic::Entity, clinic::Column::Id)),
            sea_orm::Order::Asc,
        ),
    ];
    Ok((page.apply(q, &order).all(db).await?, total))
}

/// The sort key of a clinic in [`clinics_page`]' order.
pub fn clinic_key(c: &clinic::Model) -> crate::paging::Key {
    use crate::paging::KeyVal;
    vec![KeyVal::S(c.code.clone()), KeyVal::I(c.id)]
}

/// A clinic by its code.
pub async fn clinic_by_code(db: &impl ConnectionTrait, code: &str) -> AppResult<clinic::Model> {
    clinic::Entity::find()
        .filter(clinic::Column::Code.eq(code.trim().to_uppercase()))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("clinic", code.trim()))
}

// ------------------------------------------------------------------ cases

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
            "input.clinic",
            format!("unknown clinic `{}`", c.clinic_code.trim()),
        )
    })?;
    let order = required(&c.order_reference, "input.orderReference")?;
    let pseudonym = c.patient_pseudonym.trim();
    if !valid_pseudonym(pseudonym) {
        return Err(AppError::bad_input(
            "input.patientPseudonym",
            "a pseudonym of 4–32 letters, digits or '-' with at least one digit; never the patient's name",
        ));
    }
    if !valid_fdi(c.tooth) {
        return Err(AppError::bad_input(
            "input.tooth",
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
                AppError::bad_input("input.platform", format!("{what} not found: {key}"))
            }
            AppError::BadInput { message, .. } => AppError::bad_input("input.platform", message),
            e => e,
        })?;
    if !(0..=8_000).contains(&c.gingival_height_um) {
        return Err(AppError::bad_input(
            "input.gingivalHeightMm",
            "must be 0–8 mm",
        ));
    }
    if !(0..=45_000).contains(&c.angulation_mdeg) {
        return Err(AppError::bad_input("input.angulationDeg", "must be 0–45°"));
    }
    if c.due_at <= Utc::now() {
        return Err(AppError::bad_input(
            "input.dueAt",
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
    use sea_orm::PaginatorTrait;
    let mut q = clinical_case::Entity::find();
    if !statuses.is_empty() {
        q = q.filter(clinical_case::Column::Status.is_in(statuses.iter().copied()));
    }
    if let Some(c) = clinic_id {
        q = q.filter(clinical_case::Column::ClinicId.eq(c));
    }
    let total = q.clone().count(db).await?;
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
    Ok((page.apply(q, &order).all(db).await?, total))
}

/// The sort key of a case in [`cases_page`]' order (earliest due first).
pub fn case_key(c: &clinical_case::Model) -> crate::paging::Key {
    use crate::paging::KeyVal;
    vec![KeyVal::T(c.due_at), KeyVal::I(c.id)]
}

// ------------------------------------------------------------------ matching

/// A way to serve a case.
#[derive(Debug, Clone)]
pub struct MatchOption {
    pub decision: CaseDecision,
    /// STOCK: the SKU.
    pub sku: Option<abutment_sku::Model>,
    /// STOCK: the lot picked first-expired-first-out.
    pub lot: Option<lot::Model>,
    /// STOCK: units of that SKU available now.
    pub available: i64,
    /// When it could leave: now for stock, the job's ETA for a custom part.
    pub ready_at: Option<DateTime<Utc>>,
    pub meets_due_date: bool,
    /// How far from the wanted part: |Δ gingival height| in µm plus
    /// |Δ angulation| in millidegrees / 10; 0 is exact, custom is 0.
    pub deviation: i64,
    /// CUSTOM: the scheduler's estimate.
    pub eta: Option<Eta>,
    /// Why it fits, or what to watch.
    pub notes: Vec<String>,
}

/// A candidate turned down, and why.
#[derive(Debug, Clone)]
pub struct Rejection {
    pub decision: CaseDecision,
    pub sku: Option<abutment_sku::Model>,
    pub reason: String,
}

/// Ranked options and the rejected candidates of one case.
#[derive(Debug, Clone, Default)]
pub struct Matching {
    pub options: Vec<MatchOption>,
    pub rejected: Vec<Rejection>,
}

fn mm(um: i32) -> String {
    format!("{:.1} mm", f64::from(um) / 1000.0)
}

fn deg(mdeg: i32) -> String {
    format!("{}°", f64::from(mdeg) / 1000.0)
}

/// An enum value as the API and the database spell it (`MULTI_UNIT`).
fn api_name<T: sea_orm::ActiveEnum<Value = String>>(v: T) -> String {
    v.to_value()
}

/// Why a SKU does not fit the case, or None when it does.
pub fn misfit(c: &clinical_case::Model, s: &abutment_sku::Model, p: &Policy) -> Option<String> {
    if s.status != SkuStatus::Active {
        return Some("discontinued".into());
    }
    if s.abutment_type != c.abutment_type {
        return Some(format!(
            "wrong type: {}, wanted {}",
            api_name(s.abutment_type),
            api_name(c.abutment_type)
        ));
    }
    if let Some(m) = c.material
        && m != s.material
    {
        return Some(format!(
            "material {}, wanted {}",
            api_name(s.material),
            api_name(m)
        ));
    }
    if (s.gingival_height_um - c.gingival_height_um).abs() > p.gingival_tolerance_um {
        return Some(format!(
            "gingival height {} out of tolerance (wanted {} ± {})",
            mm(s.gingival_height_um),
            mm(c.gingival_height_um),
            mm(p.gingival_tolerance_um)
        ));
    }
    if (s.angulation_mdeg - c.angulation_mdeg).abs() > p.angulation_tolerance_mdeg {
        return Some(format!(
            "angulation {} out of tolerance (wanted {} ± {})",
            deg(s.angulation_mdeg),
            deg(c.angulation_mdeg),
            deg(p.angulation_tolerance_mdeg)
        ));
    }
    if c.restoration == Restoration::SingleCrown && !s.engaging {
        return Some("non-engaging: a single crown needs an engaging abutment".into());
    }
    if c.restoration == Restoration::SingleCrown && c.engaging != s.engaging {
        return Some("engaging does not match".into());
    }
    None
}

/// One lot of a SKU with stock: its state today and units usable now.
#[derive(Debug, Clone)]
struct LotStock {
    lot: lot::Model,
    state: EffectiveState,
    on_hand: i64,
    /// Released, unexpired, in STOCK locations, not reserved.
    usable: i64,
}

/// Lots with stock of the given SKUs, FEFO order, in four queries.
async fn stock_of(
    db: &impl ConnectionTrait,
    sku_ids: &[i64],
    day: NaiveDate,
) -> AppResult<HashMap<i64, Vec<LotStock>>> {
    let mut out: HashMap<i64, Vec<LotStock>> = HashMap::new();
    if sku_ids.is_empty() {
        return Ok(out);
    }
    let items: HashMap<i64, i64> = item::Entity::find()
        .filter(item::Column::SkuId.is_in(sku_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|i| i.sku_id.map(|s| (i.id, s)))
        .collect();
    if items.is_empty() {
        return Ok(out);
    }
    let stock_locations: std::collections::HashSet<i64> = location::Entity::find()
        .filter(location::Column::LocationType.eq(LocationType::Stock))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.id)
        .collect();
    let balances = stock_balance::Entity::find()
        .join(
            sea_orm::JoinType::InnerJoin,
            sea_orm::RelationDef::from(
                stock_balance::Entity::belongs_to(lot::Entity)
                    .from(stock_balance::Column::LotId)
                    .to(lot::Column::Id),
            ),
        )
        .filter(lot::Column::ItemId.is_in(items.keys().copied()))
        .filter(stock_balance::Column::OnHand.gt(0))
        .all(db)
        .await?;
    let lot_ids: Vec<i64> = balances.iter().map(|b| b.lot_id).collect();
    let lots: HashMap<i64, lot::Model> = lot::Entity::find()
        .filter(lot::Column::Id.is_in(lot_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let mut per_lot: HashMap<i64, (i64, i64)> = HashMap::new();
    for b in &balances {
        let e = per_lot.entry(b.lot_id).or_default();
        e.0 += b.on_hand;
        if stock_locations.contains(&b.location_id) {
            e.1 += b.on_hand - b.reserved;
        }
    }
    for (lot_id, (on_hand, free)) in per_lot {
        let Some(l) = lots.get(&lot_id) else { continue };
        let Some(&sku) = items.get(&l.item_id) else {
            continue;
        };
        let state = effective_state(l, day);
        out.entry(sku).or_default().push(LotStock {
            lot: l.clone(),
            state,
            on_hand,
            usable: if state == EffectiveState::Released {
                free.max(0)
            } else {
                0
            },
        });
    }
    for v in out.values_mut() {
        v.sort_by(|a, b| {
            (
                a.lot.expiry_date.is_none(),
                a.lot.expiry_date,
                &a.lot.lot_number,
            )
                .cmp(&(
                    b.lot.expiry_date.is_none(),
                    b.lot.expiry_date,
                    &b.lot.lot_number,
                ))
        });
    }
    Ok(out)
}

/// Why a fitting SKU cannot be served from stock now.
fn no_stock_reason(lots: &[LotStock]) -> String {
    let mut by: Vec<(EffectiveState, i64)> = Vec::new();
    for l in lots {
        match by.iter_mut().find(|(s, _)| *s == l.state) {
            Some(e) => e.1 += l.on_hand,
            None => by.push((l.state, l.on_hand)),
        }
    }
    if by.is_empty() {
        return "no stock".into();
    }
    let parts: Vec<String> = by
        .iter()
        .map(|(s, n)| {
            let what = match s {
                EffectiveState::Quarantine => "in quarantine",
                EffectiveState::OnHold => "on hold",
                EffectiveState::Expired => "expired",
                EffectiveState::Rejected => "rejected",
                EffectiveState::Recalled => "recalled",
                EffectiveState::Released => "released but reserved or off the stock shelves",
            };
            format!("{n} {what}")
        })
        .collect();
    if by.iter().all(|(s, _)| *s == EffectiveState::Released) {
        format!(
            "no available stock: all {} released units are reserved or not on a stock shelf",
            by[0].1
        )
    } else {
        format!("no available stock: only {}", parts.join(", "))
    }
}

/// What a custom part for the case needs from a machine.
pub fn requirement(c: &clinical_case::Model, system_id: i64) -> Requirement {
    Requirement {
        kind: JobKind::Custom,
        material: c.material.unwrap_or(Material::Ti6Al4VEli),
        part_diameter_um: None,
        system_id: Some(system_id),
        angulation_mdeg: c.angulation_mdeg,
        screw_channel_mdeg: 0,
    }
}

/// The custom job that would make a case's part.
pub fn custom_job(c: &clinical_case::Model) -> NewJob {
    let days_left = (c.due_at - Utc::now()).num_days();
    NewJob {
        kind: JobKind::Custom,
        article_number: None,
        platform: Some(PlatformRef {
            id: Some(c.platform_id),
            ..Default::default()
        }),
        abutment_type: Some(c.abutment_type),
        material: c.material,
        engaging: Some(c.engaging),
        quantity: 1,
        setup_minutes: None,
        cycle_minutes: None,
        bar_mm_per_part: None,
        gingival_height_um: Some(c.gingival_height_um),
        angulation_mdeg: Some(c.angulation_mdeg),
        post_height_um: None,
        margin_height_um: None,
        screw_channel_mdeg: None,
        case_reference: Some(c.number.clone()),
        due_at: c.due_at,
        // The sooner it is due, the more a minute late weighs.
        priority: (9 - days_left).clamp(3, 9) as i32,
    }
}

/// Minutes a custom part takes by default (setup + one cycle).
const CUSTOM_MINUTES: i64 = 30;

/// The ranked options of a case and every candidate turned down, with
/// reasons. Availability is read from the ledger's balances, so units
/// reserved earlier in the same transaction (batch matching) are not
/// offered again.
pub async fn match_case(
    db: &impl ConnectionTrait,
    c: &clinical_case::Model,
    p: &Policy,
    board: &mut EtaBoard,
) -> AppResult<Matching> {
    let now = Utc::now();
    let fits: Vec<(sku_platform::Model, Option<abutment_sku::Model>)> =
        sku_platform::Entity::find()
            .filter(sku_platform::Column::PlatformId.eq(c.platform_id))
            .find_also_related(abutment_sku::Entity)
            .all(db)
            .await?;
    let mut m = Matching::default();
    let mut fitting = Vec::new();
    for (_, s) in fits {
        let Some(s) = s else { continue };
        match misfit(c, &s, p) {
            Some(reason) => m.rejected.push(Rejection {
                decision: CaseDecision::Stock,
                sku: Some(s),
                reason,
            }),
            None => fitting.push(s),
        }
    }
    let ids: Vec<i64> = fitting.iter().map(|s| s.id).collect();
    let stock = stock_of(db, &ids, today()).await?;
    for s in fitting {
        let lots = stock.get(&s.id).map(Vec::as_slice).unwrap_or(&[]);
        let usable: Vec<&LotStock> = lots.iter().filter(|l| l.usable > 0).collect();
        let Some(&first) = usable.first() else {
            m.rejected.push(Rejection {
                decision: CaseDecision::Stock,
                sku: Some(s),
                reason: no_stock_reason(lots),
            });
            continue;
        };
        let deviation = i64::from((s.gingival_height_um - c.gingival_height_um).abs())
            + i64::from((s.angulation_mdeg - c.angulation_mdeg).abs()) / 10;
        let mut notes = vec![format!(
            "{} fits {}; lot {} first-expired-first-out",
            s.article_number,
            if deviation == 0 {
                "exactly"
            } else {
                "within tolerance"
            },
            first.lot.lot_number
        )];
        if let Some(e) = first.lot.expiry_date {
            notes.push(format!("expires {e}"));
        }
        m.options.push(MatchOption {
            decision: CaseDecision::Stock,
            sku: Some(s),
            lot: Some(first.lot.clone()),
            available: usable.iter().map(|l| l.usable).sum(),
            ready_at: Some(now),
            meets_due_date: now <= c.due_at,
            deviation,
            eta: None,
            notes,
        });
    }
    let on_time_stock = m.options.iter().any(|o| o.meets_due_date);
    // A custom part: when no finished SKU fits or none ships in time.
    let platform = catalog::platform(db, c.platform_id)
        .await?
        .ok_or_else(|| AppError::not_found("platform", c.platform_id.to_string()))?;
    if on_time_stock {
        m.rejected.push(Rejection {
            decision: CaseDecision::Custom,
            sku: None,
            reason: "not needed: finished stock ships in time".into(),
        });
    } else if let Err(e) = mfg::check_design(&custom_job(c)) {
        m.rejected.push(Rejection {
            decision: CaseDecision::Custom,
            sku: None,
            reason: format!("outside the custom design limits: {e}"),
        });
    } else {
        let req = requirement(c, platform.system_id);
        let eta = board
            .eta(db, &req, platform.id, CUSTOM_MINUTES, Some(c.due_at))
            .await?;
        if eta.possible {
            let notes = eta.notes.clone();
            m.options.push(MatchOption {
                decision: CaseDecision::Custom,
                sku: None,
                lot: None,
                available: 0,
                ready_at: eta.end,
                meets_due_date: eta.meets_due_date.unwrap_or(false),
                deviation: 0,
                eta: Some(eta),
                notes,
            });
        } else {
            m.rejected.push(Rejection {
                decision: CaseDecision::Custom,
                sku: None,
                reason: if eta.material_available {
                    format!("no machine can mill it: {}", eta.notes.join("; "))
                } else {
                    format!("not possible now: {}", eta.notes.join("; "))
                },
            });
        }
    }
    // On time first, then closest fit, then earliest expiry.
    m.options.sort_by(|a, b| {
        let exp = |o: &MatchOption| {
            o.lot
                .as_ref()
                .and_then(|l| l.expiry_date)
                .unwrap_or(NaiveDate::MAX)
        };
        (!a.meets_due_date, a.deviation, exp(a), a.ready_at).cmp(&(
            !b.meets_due_date,
            b.deviation,
            exp(b),
            b.ready_at,
        ))
    });
    Ok(m)
}

// ------------------------------------------------------------------ deciding

/// The option a caller confirms.
#[derive(Debug, Clone, Copy)]
pub enum Choice {
    /// Reserve a unit of this lot.
    Lot(i64),
    /// Mill a custom part.
    Custom,
}

fn check_open(c: &clinical_case::Model) -> AppResult<()> {
    if c.status != CaseStatus::Open {
        return Err(AppError::Conflict(format!(
            "case {} is {}; only an OPEN case can be matched",
            c.number, c.status
        )));
    }
    Ok(())
}

/// Confirms an option: reserves one unit of the lot through the ledger, or
/// creates the custom job (the caller reschedules). An option no longer
/// valid (stock taken meanwhile) is `CONFLICT`; confirming the same lot
/// again for a case already reserved from it returns the case unchanged.
pub async fn confirm(
    db: &impl ConnectionTrait,
    actor: &Actor,
    c: clinical_case::Model,
    choice: Choice,
) -> AppResult<clinical_case::Model> {
    if let (Choice::Lot(l), CaseStatus::Reserved, Some(r)) = (choice, c.status, c.reservation_id) {
        let res = entity::reservation::Entity::find_by_id(r).one(db).await?;
        if res.is_some_and(|r| r.lot_id == l) {
            return Ok(c);
        }
    }
    check_open(&c)?;
    let p = policy(db).await?;
    let mut board = EtaBoard::default();
    let m = match_case(db, &c, &p, &mut board).await?;
    apply(db, actor, c, &m, choice, &mut board).await
}

async fn apply(
    db: &impl ConnectionTrait,
    actor: &Actor,
    c: clinical_case::Model,
    m: &Matching,
    choice: Choice,
    board: &mut EtaBoard,
) -> AppResult<clinical_case::Model> {
    let now = Utc::now();
    match choice {
        Choice::Lot(lot_id) => {
            let valid = m
                .options
                .iter()
                .any(|o| o.lot.as_ref().is_some_and(|l| l.id == lot_id));
            if !valid {
                let l = inventory::lot(db, lot_id).await?;
                return Err(AppError::Conflict(format!(
                    "lot {} is no longer an option for case {}: no unit of it is available and fitting now; match again",
                    l.lot_number, c.number
                )));
            }
            let res = inventory::reserve(
                db,
                actor,
                &ReserveRequest {
                    reference: c.number.clone(),
                    quantity: 1,
                    lot_id: Some(lot_id),
                    article_number: None,
                },
                None,
            )
            .await
            .map_err(|e| match e {
                AppError::BadInput { message, .. } => {
                    AppError::Conflict(format!("stock was taken meanwhile: {message}; match again"))
                }
                e => e,
            })?;
            let mut am = c.into_active_model();
            am.status = Set(CaseStatus::Reserved);
            am.decision = Set(Some(CaseDecision::Stock));
            am.reservation_id = Set(res.first().map(|r| r.id));
            am.status_reason = Set(None);
            am.updated_at = Set(now);
            Ok(am.update(db).await?)
        }
        Choice::Custom => {
            if !m.options.iter().any(|o| o.decision == CaseDecision::Custom) {
                let why = m
                    .rejected
                    .iter()
                    .find(|r| r.decision == CaseDecision::Custom)
                    .map_or("not offered".to_owned(), |r| r.reason.clone());
                return Err(AppError::Conflict(format!(
                    "a custom part is not an option for case {}: {why}",
                    c.number
                )));
            }
            let mut job = mfg::create_job(db, actor, &custom_job(&c)).await?;
            // Book the slot its ETA promised, so the next case's ETA (in a
            // batch) sees it; the next reschedule may improve the plan.
            let eta = m
                .options
                .iter()
                .find(|o| o.decision == CaseDecision::Custom)
                .and_then(|o| o.eta.clone());
            if let Some(e) = &eta {
                board.book(e);
            }
            if let Some(Eta {
                machine: Some(machine),
                start: Some(start),
                end: Some(end),
                ..
            }) = eta
            {
                let mut am = job.into_active_model();
                am.machine_id = Set(Some(machine.id));
                am.planned_start = Set(Some(start));
                am.planned_end = Set(Some(end));
                am.status = Set(JobStatus::Scheduled);
                job = am.update(db).await?;
            }
            let mut am = c.into_active_model();
            am.status = Set(CaseStatus::InProduction);
            am.decision = Set(Some(CaseDecision::Custom));
            am.job_id = Set(Some(job.id));
            am.status_reason = Set(None);
            am.updated_at = Set(now);
            Ok(am.update(db).await?)
        }
    }
}

/// What a batch run did with one case.
#[derive(Debug, Clone)]
pub struct BatchLine {
    pub case: clinical_case::Model,
    /// Why it stayed open, when it did.
    pub unmatched: Option<String>,
}

/// Matches every OPEN case, earliest due first, with the same rules as one
/// case at a time; each reservation is written before the next case is
/// matched, so a unit promised to an earlier case is not offered again. Takes each case's best option; a case with none stays OPEN
/// with the reason.
pub async fn match_open_cases(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> AppResult<Vec<BatchLine>> {
    let p = policy(db).await?;
    let mut board = EtaBoard::default();
    let mut out = Vec::new();
    for c in cases(db, &[CaseStatus::Open], None).await? {
        let m = match_case(db, &c, &p, &mut board).await?;
        let Some(best) = m.options.first() else {
            let why = m
                .rejected
                .iter()
                .map(|r| match &r.sku {
                    Some(s) => format!("{}: {}", s.article_number, r.reason),
                    None => format!("custom: {}", r.reason),
                })
                .collect::<Vec<_>>()
                .join("; ");
            let why = if why.is_empty() {
                "no SKU is compatible with the platform and no machine can mill it".to_owned()
            } else {
                why
            };
            let mut am = c.clone().into_active_model();
            am.status_reason = Set(Some(format!("no option: {why}")));
            am.updated_at = Set(Utc::now());
            let c = am.update(db).await?;
            out.push(BatchLine {
                case: c,
                unmatched: Some(why),
            });
            continue;
        };
        let choice = match &best.lot {
            Some(l) => Choice::Lot(l.id),
            None => Choice::Custom,
        };
        let c = apply(db, actor, c, &m, choice, &mut board).await?;
        out.push(BatchLine {
            case: c,
            unmatched: None,
        });
    }
    Ok(out)
}

// ------------------------------------------------------------------ fulfilment

/// Ships a case: its reserved unit, or its custom job's released part,
/// leaves through the ledger as a SHIPMENT referencing the case.
pub async fn ship_case(
    db: &impl ConnectionTrait,
    actor: &Actor,
    c: clinical_case::Model,
) -> AppResult<clinical_case::Model> {
    let (reservation_id, lot_id) = match (c.status, c.reservation_id, c.job_id) {
        (CaseStatus::Reserved, Some(r), _) => {
            let res = entity::reservation::Entity::find_by_id(r)
                .one(db)
                .await?
                .ok_or_else(|| AppError::not_found("reservation", r.to_string()))?;
            (r, res.lot_id)
        }
        (CaseStatus::InProduction, _, Some(j)) => {
            let job = production_job::Entity::find_by_id(j)
                .one(db)
                .await?
                .ok_or_else(|| AppError::not_found("production job", j.to_string()))?;
            let Some(lot_id) = job
                .finished_lot_id
                .filter(|_| job.status == JobStatus::Done)
            else {
                return Err(AppError::bad_input(
                    "caseId",
                    format!(
                        "case {}'s part is not made yet (job {} is {})",
                        c.number, job.number, job.status
                    ),
                ));
            };
            let l = inventory::lot(db, lot_id).await?;
            if effective_state(&l, today()) != EffectiveState::Released {
                return Err(AppError::bad_input(
                    "caseId",
                    format!(
                        "lot {} is {}: release it before shipping",
                        l.lot_number,
                        effective_state(&l, today())
                    ),
                ));
            }
            let res = inventory::reserve(
                db,
                actor,
                &ReserveRequest {
                    reference: c.number.clone(),
                    quantity: 1,
                    lot_id: Some(lot_id),
                    article_number: None,
                },
                None,
            )
            .await
            .map_err(|e| match e {
                AppError::BadInput { message, .. } => AppError::bad_input(
                    "caseId",
                    format!(
                        "lot {} cannot ship: {message} (is it on a stock shelf?)",
                        l.lot_number
                    ),
                ),
                e => e,
            })?;
            let r = res
                .first()
                .ok_or_else(|| AppError::Internal("reservation not made".into()))?;
            (r.id, lot_id)
        }
        _ => {
            return Err(AppError::Conflict(format!(
                "case {} is {}; only a RESERVED case or one IN_PRODUCTION with its part released ships",
                c.number, c.status
            )));
        }
    };
    inventory::ship_reservation(
        db,
        actor,
        reservation_id,
        &inventory::ShipTo::Clinic(c.clinic_id),
        None,
    )
    .await
    .map_err(|e| match e {
        AppError::BadInput { message, .. } => AppError::bad_input("caseId", message),
        e => e,
    })?;
    let now = Utc::now();
    let mut am = c.into_active_model();
    am.status = Set(CaseStatus::Shipped);
    am.reservation_id = Set(Some(reservation_id));
    am.shipped_lot_id = Set(Some(lot_id));
    am.shipped_at = Set(Some(now));
    am.updated_at = Set(now);
    Ok(am.update(db).await?)
}

/// Takes a shipped case's unit back: one unit of the shipped lot enters the
/// first QUARANTINE location through the ledger (RETURN, reference = case
/// number, linked to the shipment's reservation), where it cannot be
/// promised until quality decides. The case is CLOSED with the reason.
pub async fn return_case(
    db: &impl ConnectionTrait,
    actor: &Actor,
    c: clinical_case::Model,
    reason: &str,
) -> AppResult<clinical_case::Model> {
    let reason = required(reason, "reason")?;
    let (CaseStatus::Shipped, Some(lot_id)) = (c.status, c.shipped_lot_id) else {
        return Err(AppError::Conflict(format!(
            "case {} is {}; only a SHIPPED case can be returned",
            c.number, c.status
        )));
    };
    // The unit may already have come back (or been confirmed implanted)
    // under a recall: it cannot come back twice.
    let clinic = clinic::Entity::find_by_id(c.clinic_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("clinic", c.clinic_id.to_string()))?;
    if crate::quality::recall::units_out(db, &clinic.code, lot_id).await? < 1 {
        return Err(AppError::Conflict(format!(
            "case {}'s unit is already returned or confirmed used under a recall",
            c.number
        )));
    }
    let cage = location::Entity::find()
        .filter(location::Column::LocationType.eq(LocationType::Quarantine))
        .order_by_asc(location::Column::Code)
        .one(db)
        .await?
        .ok_or_else(|| AppError::Conflict("no QUARANTINE location to take returns into".into()))?;
    ledger::apply(
        db,
        actor,
        ledger::Move {
            lot_id,
            from: None,
            to: Some(cage.id),
            quantity: 1,
            reason: MovementReason::Return,
            reference: &c.number,
            note: Some(format!(
                "return of the shipment of case {} (reservation {}): {reason}",
                c.number,
                c.reservation_id.unwrap_or_default()
            )),
            idempotency_key: None,
        },
    )
    .await?;
    let mut am = c.into_active_model();
    am.status = Set(CaseStatus::Closed);
    am.status_reason = Set(Some(format!("returned: {reason}")));
    am.updated_at = Set(Utc::now());
    Ok(am.update(db).await?)
}

/// Closes a shipped case (delivered, nothing more expected).
pub async fn close_case(
    db: &impl ConnectionTrait,
    c: clinical_case::Model,
) -> AppResult<clinical_case::Model> {
    if c.status != CaseStatus::Shipped {
        return Err(AppError::Conflict(format!(
            "case {} is {}; only a SHIPPED case can be closed",
            c.number, c.status
        )));
    }
    let mut am = c.into_active_model();
    am.status = Set(CaseStatus::Closed);
    am.updated_at = Set(Utc::now());
    Ok(am.update(db).await?)
}

/// Cancels a case: releases its reservation or cancels its job if it has
/// not started.
pub async fn cancel_case(
    db: &impl ConnectionTrait,
    actor: &Actor,
    c: clinical_case::Model,
    reason: &str,
) -> AppResult<clinical_case::Model> {
    let reason = required(reason, "reason")?;
    match (c.status, c.reservation_id, c.job_id) {
        (CaseStatus::Open, _, _) => {}
        (CaseStatus::Reserved, Some(r), _) => {
            inventory::release_reservation(db, actor, r, None).await?;
        }
        (CaseStatus::InProduction, _, Some(j)) => {
            mfg::cancel_job(db, j, &format!("case {} cancelled: {reason}", c.number)).await?;
        }
        _ => {
            return Err(AppError::Conflict(format!(
                "case {} is {} and cannot be cancelled",
                c.number, c.status
            )));
        }
    }
    let mut am = c.into_active_model();
    am.status = Set(CaseStatus::Cancelled);
    am.status_reason = Set(Some(reason));
    am.updated_at = Set(Utc::now());
    Ok(am.update(db).await?)
}

/// Why a case may miss its due date, or None when it is on track.
pub async fn risk(
    db: &impl ConnectionTrait,
    c: &clinical_case::Model,
    p: &Policy,
    board: &mut EtaBoard,
) -> AppResult<Option<String>> {
    let now = Utc::now();
    match c.status {
        CaseStatus::Open if c.due_at <= now => Ok(Some("due date passed, not matched".into())),
        CaseStatus::Open => {
            let m = match_case(db, c, p, board).await?;
            Ok(match m.options.first() {
                None => Some("no option: nothing fits and no machine can mill it".into()),
                Some(o) if !o.meets_due_date => Some(format!(
                    "best option is ready {}, after the due date",
                    o.ready_at
                        .map_or("never".into(), |t| t.format("%Y-%m-%d %H:%M").to_string())
                )),
                _ => None,
            })
        }
        CaseStatus::InProduction => {
            let Some(j) = c.job_id else { return Ok(None) };
            let job = mfg::job(db, j).await?;
            let late = match (job.status, job.planned_end) {
                (JobStatus::Done | JobStatus::Inspection, _) if c.due_at < now => {
                    Some("due date passed, part not shipped".into())
                }
                (JobStatus::Scrapped | JobStatus::Cancelled, _) => {
                    Some(format!("its job {} is {}", job.number, job.status))
                }
                (_, Some(end)) if end > c.due_at => Some(format!(
                    "job {} is planned to end {}, after the due date",
                    job.number,
                    end.format("%Y-%m-%d %H:%M")
                )),
                (_, None) if job.status.is_open() => {
                    Some(format!("job {} is not planned", job.number))
                }
                _ => None,
            };
            // A job that has not started may also lack its blank: say both.
            let blank = match job.status {
                JobStatus::Planned | JobStatus::Scheduled => lacks_blank(db, &job).await?,
                _ => None,
            };
            Ok(match (late, blank) {
                (Some(l), Some(b)) => Some(format!("{l}; {b}")),
                (l, b) => l.or(b),
            })
        }
        CaseStatus::Reserved if c.due_at < now => Ok(Some("due date passed, not shipped".into())),
        _ => Ok(None),
    }
}

/// Why a booked custom job will not get a blank: the released blanks of its
/// platform go to the jobs planned before it, and none is left for it.
async fn lacks_blank(
    db: &impl ConnectionTrait,
    job: &production_job::Model,
) -> AppResult<Option<String>> {
    let Some(platform) = job.platform_id else {
        return Ok(None);
    };
    let in_stock = mfg::blanks_available(db, platform).await?;
    let mut ahead = 0;
    for j in mfg::jobs_awaiting_blanks(db, platform).await? {
        if j.id == job.id {
            break;
        }
        ahead += mfg::material_needed(&j);
    }
    Ok((ahead + mfg::material_needed(job) > in_stock).then(|| {
        format!(
            "job {} has no blank: {in_stock} released for this platform, {ahead} promised to jobs planned before it",
            job.number
        )
    }))
}

/// Open, reserved and in-production cases that may miss their due date,
/// with the reason, earliest due first.
pub async fn at_risk(db: &impl ConnectionTrait) -> AppResult<Vec<(clinical_case::Model, String)>> {
    let p = policy(db).await?;
    let mut board = EtaBoard::default();
    let mut out = Vec::new();
    for c in cases(
        db,
        &[
            CaseStatus::Open,
            CaseStatus::Reserved,
            CaseStatus::InProduction,
        ],
        None,
    )
    .await?
    {
        if let Some(r) = risk(db, &c, &p, &mut board).await? {
            out.push((c, r));
        }
    }
    Ok(out)
}
