//! A SKU as a user enters it (API units), its validation into stored
//! units, and the upsert that writes it with its compatibility keys.

use super::*;

/// A SKU as entered by a user (API units), before validation.
#[derive(Debug, Clone)]
pub struct SkuInput {
    pub article_number: String,
    pub gtin: String,
    pub name: String,
    pub abutment_type: AbutmentType,
    pub material: Material,
    pub gingival_height_mm: Decimal,
    pub angulation_deg: Decimal,
    pub post_height_mm: Option<Decimal>,
    pub diameter_mm: Option<Decimal>,
    pub engaging: bool,
    pub sterile: bool,
    pub shelf_life_months: Option<i32>,
    pub status: SkuStatus,
}

/// A validated SKU, in storage units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuValues {
    pub article_number: String,
    pub gtin: String,
    pub name: String,
    pub abutment_type: AbutmentType,
    pub material: Material,
    pub gingival_height_um: i32,
    pub angulation_mdeg: i32,
    pub post_height_um: Option<i32>,
    pub diameter_um: Option<i32>,
    pub engaging: bool,
    pub sterile: bool,
    pub shelf_life_months: Option<i32>,
    pub status: SkuStatus,
}

impl SkuInput {
    /// Validates every field and returns every problem (field, message), not
    /// only the first. Field names are the API's (`gtin`, `angulation` …);
    /// `prefix` is put before them (`input.`).
    pub fn validate(&self, prefix: &str) -> Result<SkuValues, Vec<AppError>> {
        let mut errs = Vec::new();
        let f = |n: &str| format!("{prefix}{n}");
        let article_number = self.article_number.trim().to_owned();
        if article_number.is_empty() || article_number.len() > 40 {
            errs.push(AppError::bad_input(
                f("articleNumber"),
                "must be 1–40 characters",
            ));
        }
        let gtin = gtin::normalize(&self.gtin).unwrap_or_else(|m| {
            errs.push(AppError::bad_input(f("gtin"), m));
            String::new()
        });
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            errs.push(AppError::bad_input(f("name"), "is required"));
        }
        let mut milli = |v: Decimal, field: &str, unit: &str, (lo, hi): (Decimal, Decimal)| {
            units::to_milli(v, &f(field), unit, lo, hi).unwrap_or_else(|e| {
                errs.push(e);
                0
            })
        };
        let gingival_height_um = milli(
            self.gingival_height_mm,
            "gingivalHeight",
            "mm",
            units::limits::gingival(),
        );
        let angulation_mdeg = milli(
            self.angulation_deg,
            "angulation",
            "°",
            units::limits::angulation(),
        );
        let post_height_um = self
            .post_height_mm
            .map(|v| milli(v, "postHeight", "mm", units::limits::post_height()));
        let diameter_um = self
            .diameter_mm
            .map(|v| milli(v, "diameter", "mm", units::limits::diameter()));
        match (self.sterile, self.shelf_life_months) {
            (true, None) => errs.push(AppError::bad_input(
                f("shelfLifeMonths"),
                "is required for a sterile SKU",
            )),
            (_, Some(m)) => {
                if let Err(e) =
                    crate::quantity::SHELF_LIFE_MONTHS.check(i64::from(m), &f("shelfLifeMonths"))
                {
                    errs.push(e);
                }
            }
            _ => {}
        }
        if self.abutment_type == AbutmentType::Angled && angulation_mdeg == 0 {
            errs.push(AppError::bad_input(
                f("angulation"),
                "an ANGLED abutment needs an angulation above 0°",
            ));
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(SkuValues {
            article_number,
            gtin,
            name,
            abutment_type: self.abutment_type,
            material: self.material,
            gingival_height_um,
            angulation_mdeg,
            post_height_um,
            diameter_um,
            engaging: self.engaging,
            sterile: self.sterile,
            shelf_life_months: self.shelf_life_months,
            status: self.status,
        })
    }
}

impl SkuValues {
    /// Whether a stored row already holds these values.
    pub fn same_as(&self, m: &abutment_sku::Model) -> bool {
        self.article_number == m.article_number
            && self.gtin == m.gtin
            && self.name == m.name
            && self.abutment_type == m.abutment_type
            && self.material == m.material
            && self.gingival_height_um == m.gingival_height_um
            && self.angulation_mdeg == m.angulation_mdeg
            && self.post_height_um == m.post_height_um
            && self.diameter_um == m.diameter_um
            && self.engaging == m.engaging
            && self.sterile == m.sterile
            && self.shelf_life_months == m.shelf_life_months
            && self.status == m.status
    }

    /// These values on an active model (new or existing row).
    pub fn apply(self, am: &mut abutment_sku::ActiveModel) {
        am.article_number = Set(self.article_number);
        am.gtin = Set(self.gtin);
        am.name = Set(self.name);
        am.abutment_type = Set(self.abutment_type);
        am.material = Set(self.material);
        am.gingival_height_um = Set(self.gingival_height_um);
        am.angulation_mdeg = Set(self.angulation_mdeg);
        am.post_height_um = Set(self.post_height_um);
        am.diameter_um = Set(self.diameter_um);
        am.engaging = Set(self.engaging);
        am.sterile = Set(self.sterile);
        am.shelf_life_months = Set(self.shelf_life_months);
        am.status = Set(self.status);
        am.updated_at = Set(Utc::now());
    }

    /// A new row with these values.
    pub fn into_new(self) -> abutment_sku::ActiveModel {
        let mut am = abutment_sku::ActiveModel {
            created_at: Set(Utc::now()),
            ..Default::default()
        };
        self.apply(&mut am);
        am
    }
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum UpsertOutcome {
    /// A new row was made.
    Created,
    /// An existing row was changed.
    Updated,
    /// The row already held these values; nothing was written.
    Unchanged,
}

/// Creates or updates one SKU by article number. A GTIN already used by
/// another SKU is a `CONFLICT`. Fields in errors are relative to `input`.
pub async fn upsert_sku(
    db: &impl ConnectionTrait,
    input: &SkuInput,
) -> Result<(abutment_sku::Model, UpsertOutcome), Vec<AppError>> {
    let values = input.validate("")?;
    let one = |e: sea_orm::DbErr| vec![AppError::from(e)];
    let existing = abutment_sku::Entity::find()
        .filter(abutment_sku::Column::ArticleNumber.eq(values.article_number.clone()))
        .one(db)
        .await
        .map_err(one)?;
    let gtin_owner = abutment_sku::Entity::find()
        .filter(abutment_sku::Column::Gtin.eq(values.gtin.clone()))
        .one(db)
        .await
        .map_err(one)?;
    if let Some(o) = &gtin_owner
        && o.article_number != values.article_number
    {
        return Err(vec![AppError::Conflict(format!(
            "GTIN {} already belongs to SKU {}",
            values.gtin, o.article_number
        ))]);
    }
    match existing {
        Some(m) if values.same_as(&m) => Ok((m, UpsertOutcome::Unchanged)),
        Some(m) => {
            let mut am: abutment_sku::ActiveModel = m.into();
            values.apply(&mut am);
            let m = am.update(db).await.map_err(one)?;
            sync_fit_keys(db, &m).await.map_err(one)?;
            Ok((m, UpsertOutcome::Updated))
        }
        None => Ok((
            values.into_new().insert(db).await.map_err(one)?,
            UpsertOutcome::Created,
        )),
    }
}
