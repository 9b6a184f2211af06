//! The clinic and case seeds: three clinics and cases covering each path —
//! a stock hit reserved, one shipped, a custom job, one whose stock is only
//! quarantined, one nothing fits, and one that cannot be made in time — and
//! the seeded stock run's lot shipped to a case at each clinic. Loaded
//! through the same service functions users call, as one manufacturing
//! write (custom jobs are planned).

use chrono::{DateTime, Duration, Utc};
use entity::{
    clinical_case,
    enums::{AbutmentType, AbutmentType::*, JobStatus, Restoration, Restoration::*},
    production_job,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::{
    access::Actor,
    cases::service::{self as cs, Choice, NewCase, NewClinic},
    catalog::service::PlatformRef,
    error::{AppError, AppResult},
    manufacturing::planning,
};

/// The clinics: code, name, address, city, country, contact, email.
const CLINICS: [(&str, &str, &str, &str, &str, &str, &str); 3] = [
    (
        "ZH-SMILE",
        "Smile Dental Zürich",
        "Bahnhofstrasse 12",
        "Zürich",
        "CH",
        "Dr. A. Meier",
        "orders@smile-zh.example",
    ),
    (
        "BE-IMPLANT",
        "Implantatzentrum Bern",
        "Marktgasse 4",
        "Bern",
        "CH",
        "Dr. L. Roth",
        "lab@iz-bern.example",
    ),
    (
        "MI-DENTALAB",
        "Dentalab Milano",
        "Via Torino 88",
        "Milano",
        "IT",
        "G. Ferri",
        "ordini@dentalab-mi.example",
    ),
];

/// Seeds the clinics and cases (see the module's description).
pub async fn load(db: &impl ConnectionTrait) -> AppResult<()> {
    let shop = planning::ShopWrite::begin(db, "system").await?;
    let actor = Actor::system();
    clinics(db).await?;
    let now = Utc::now();
    decided_cases(db, &actor, now).await?;
    open_cases(db, &actor, now).await?;
    shipped_chain(db, &actor, now).await?;
    shop.finish("seed cases").await?;
    Ok(())
}

async fn clinics(db: &impl ConnectionTrait) -> AppResult<()> {
    for (code, name, address, city, country, contact, email) in CLINICS {
        cs::create_clinic(
            db,
            &NewClinic {
                code: code.into(),
                name: name.into(),
                address: address.into(),
                city: city.into(),
                country: country.into(),
                contact_name: contact.into(),
                email: email.into(),
                phone: None,
            },
        )
        .await?;
    }
    Ok(())
}

/// A seeded case, before it is registered.
struct Case {
    clinic: &'static str,
    order: &'static str,
    patient: &'static str,
    tooth: i32,
    /// System and platform names.
    platform: (&'static str, &'static str),
    restoration: Restoration,
    kind: AbutmentType,
    /// Gingival height, µm.
    gh: i32,
    /// Angulation, millidegrees.
    angle: i32,
    /// Due this long after `now`.
    due: Duration,
}

impl Case {
    /// The case as the service takes it, due `self.due` after `now`.
    fn new_case(&self, now: DateTime<Utc>) -> NewCase {
        NewCase {
            clinic_code: self.clinic.into(),
            order_reference: self.order.into(),
            patient_pseudonym: self.patient.into(),
            tooth: self.tooth,
            platform: PlatformRef {
                system: Some(self.platform.0.into()),
                platform: Some(self.platform.1.into()),
                ..Default::default()
            },
            restoration: self.restoration,
            abutment_type: self.kind,
            gingival_height_um: self.gh,
            angulation_mdeg: self.angle,
            engaging: None,
            material: None,
            due_at: now + self.due,
        }
    }

    /// Registers the case.
    async fn create(
        &self,
        db: &impl ConnectionTrait,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> AppResult<clinical_case::Model> {
        cs::create_case(db, actor, &self.new_case(now)).await
    }
}

/// The first lot a case's matching offers, if any.
async fn first_lot(db: &impl ConnectionTrait, c: &clinical_case::Model) -> AppResult<Option<i64>> {
    let m = cs::match_case(db, c, &cs::Policy::default(), &mut Default::default()).await?;
    Ok(m.options.first().and_then(|o| o.lot.as_ref()).map(|l| l.id))
}

/// Cases with a decision: a stock hit reserved (first expired first out), a
/// stock hit shipped, and a custom job where nothing in stock fits.
async fn decided_cases(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let reserved = Case {
        clinic: "ZH-SMILE",
        order: "ZS-2026-311",
        patient: "P-7Q2K9",
        tooth: 14,
        platform: ("Bone Level", "RC"),
        restoration: SingleCrown,
        kind: Angled,
        gh: 2_500,
        angle: 15_000,
        due: Duration::days(5),
    };
    let c = reserved.create(db, actor, now).await?;
    if let Some(l) = first_lot(db, &c).await? {
        cs::confirm(db, actor, c, Choice::Lot(l)).await?;
    }
    let shipped = Case {
        clinic: "BE-IMPLANT",
        order: "IZB-8841",
        patient: "BE-0419-22",
        tooth: 25,
        platform: ("Bone Level", "NC"),
        restoration: SingleCrown,
        kind: Angled,
        gh: 2_500,
        angle: 15_000,
        due: Duration::days(2),
    };
    let c = shipped.create(db, actor, now).await?;
    if let Some(l) = first_lot(db, &c).await? {
        let c = cs::confirm(db, actor, c, Choice::Lot(l)).await?;
        cs::ship_case(db, actor, c).await?;
    }
    let custom = Case {
        clinic: "MI-DENTALAB",
        order: "DL-55120",
        patient: "MI-5521",
        tooth: 36,
        platform: ("Bone Level", "RC"),
        restoration: SingleCrown,
        kind: Angled,
        gh: 4_000,
        angle: 20_000,
        due: Duration::days(6),
    };
    let c = custom.create(db, actor, now).await?;
    cs::confirm(db, actor, c, Choice::Custom).await?;
    Ok(())
}

/// Open cases: one with only quarantined stock of the fitting SKU; one
/// nothing fits (the platform's SKUs are of another type or height, and
/// 6 mm is beyond the custom design limits); and one late, a custom part
/// due in 20 minutes, less than the 30 minutes milling one takes, whatever
/// the time of day.
async fn open_cases(db: &impl ConnectionTrait, actor: &Actor, now: DateTime<Utc>) -> AppResult<()> {
    let quarantined = Case {
        clinic: "ZH-SMILE",
        order: "ZS-2026-315",
        patient: "P-3F81A",
        tooth: 33,
        platform: ("Bone Level", "NC"),
        restoration: BarOverdenture,
        kind: Locator,
        gh: 3_000,
        angle: 0,
        due: Duration::days(9),
    };
    let nothing_fits = Case {
        clinic: "BE-IMPLANT",
        order: "IZB-8850",
        patient: "BE-0420-07",
        tooth: 46,
        platform: ("SHORT Implant", "3.0"),
        restoration: SingleCrown,
        kind: Straight,
        gh: 6_000,
        angle: 0,
        due: Duration::days(4),
    };
    let late = Case {
        clinic: "MI-DENTALAB",
        order: "DL-55131",
        patient: "MI-5530",
        tooth: 12,
        platform: ("Bone Level", "RC"),
        restoration: SingleCrown,
        kind: Angled,
        gh: 4_000,
        angle: 20_000,
        due: Duration::minutes(20),
    };
    for c in [quarantined, nothing_fits, late] {
        c.create(db, actor, now).await?;
    }
    Ok(())
}

/// The whole chain: the seeded stock run (bar of heat H-7721-A) shipped to
/// a case at each clinic, so a recall of the heat has consignees.
async fn shipped_chain(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let made = made_lot(db).await?;
    for (clinic, order, patient, tooth) in [
        ("ZH-SMILE", "ZS-2026-298", "P-1M4T7", 21),
        ("BE-IMPLANT", "IZB-8802", "BE-0411-03", 12),
        ("MI-DENTALAB", "DL-55087", "MI-5490", 22),
    ] {
        let case = Case {
            clinic,
            order,
            patient,
            tooth,
            platform: ("NobelActive", "NP"),
            restoration: SingleCrown,
            kind: Straight,
            gh: 1_500,
            angle: 0,
            due: Duration::days(3),
        };
        let c = case.create(db, actor, now).await?;
        let c = cs::confirm(db, actor, c, Choice::Lot(made)).await?;
        cs::ship_case(db, actor, c).await?;
    }
    Ok(())
}

/// The finished lot of the seeded stock run (the job the manufacturing
/// seeder ran to completion from bar of heat H-7721-A).
async fn made_lot(db: &impl ConnectionTrait) -> AppResult<i64> {
    production_job::Entity::find()
        .filter(production_job::Column::Status.eq(JobStatus::Done))
        .filter(production_job::Column::FinishedLotId.is_not_null())
        .order_by_asc(production_job::Column::Id)
        .one(db)
        .await?
        .and_then(|j| j.finished_lot_id)
        .ok_or_else(|| AppError::Internal("the seeded stock run has no lot".into()))
}
