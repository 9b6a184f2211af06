//! Clinics: the customers that order cases.

use super::*;

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

pub(crate) fn required(v: &str, field: &str) -> AppResult<String> {
    let t = v.trim();
    if t.is_empty() {
        return Err(AppError::bad_input(field, "is required"));
    }
    Ok(t.to_owned())
}

/// Creates a clinic; its code is unique.
pub async fn create_clinic(db: &impl ConnectionTrait, c: &NewClinic) -> AppResult<clinic::Model> {
    let code = required(&c.code, "code")?.to_uppercase();
    let email = required(&c.email, "email")?;
    if !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
        return Err(AppError::bad_input(
            "email",
            format!("`{email}` is not an e-mail address"),
        ));
    }
    let country = required(&c.country, "country")?.to_uppercase();
    if country.len() != 2 || !country.chars().all(|ch| ch.is_ascii_alphabetic()) {
        return Err(AppError::bad_input(
            "country",
            "an ISO 3166 two-letter code, e.g. CH",
        ));
    }
    if clinic_by_code(db, &code).await.is_ok() {
        return Err(AppError::Conflict(format!("clinic {code} exists")));
    }
    Ok(clinic::ActiveModel {
        code: Set(code),
        name: Set(required(&c.name, "name")?),
        address: Set(required(&c.address, "address")?),
        city: Set(required(&c.city, "city")?),
        country: Set(country),
        contact_name: Set(required(&c.contact_name, "contactName")?),
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
    let q = clinic::Entity::find();
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
    Ok(page.fetch(db, q, &order).await?)
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
