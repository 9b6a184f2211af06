//! Locations: the site → zone → bin tree, by code.

use super::*;

/// A location by its code.
pub async fn location_by_code(
    db: &impl ConnectionTrait,
    code: &str,
    field: &str,
) -> AppResult<location::Model> {
    location::Entity::find()
        .filter(location::Column::Code.eq(code.trim()))
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input(field, format!("unknown location `{}`", code.trim())))
}

/// Creates a location under an optional parent (by code).
pub async fn create_location(
    db: &impl ConnectionTrait,
    code: &str,
    name: &str,
    level: LocationLevel,
    location_type: LocationType,
    parent: Option<&str>,
) -> AppResult<location::Model> {
    let code = code.trim();
    if code.is_empty() || code.len() > 60 {
        return Err(AppError::bad_input("code", "must be 1–60 characters"));
    }
    if location::Entity::find()
        .filter(location::Column::Code.eq(code))
        .one(db)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(format!("location `{code}` exists")));
    }
    let parent_id = match parent {
        Some(p) => {
            let p = location_by_code(db, p, "parent").await?;
            let ok = matches!(
                (p.level, level),
                (LocationLevel::Site, LocationLevel::Zone)
                    | (LocationLevel::Zone, LocationLevel::Bin)
            );
            if !ok {
                return Err(AppError::bad_input(
                    "level",
                    format!(
                        "a {level} cannot sit under a {}; the tree is site → zone → bin",
                        p.level
                    ),
                ));
            }
            Some(p.id)
        }
        None if level != LocationLevel::Site => {
            return Err(AppError::bad_input("parent", "only a site has no parent"));
        }
        None => None,
    };
    Ok(location::ActiveModel {
        code: Set(code.to_owned()),
        name: Set(name.trim().to_owned()),
        level: Set(level),
        location_type: Set(location_type),
        parent_id: Set(parent_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Every location, by code.
pub async fn locations(
    db: &impl ConnectionTrait,
    page: &crate::paging::Page,
) -> AppResult<(Vec<location::Model>, u64)> {
    let q = location::Entity::find();
    let e = location::Entity;
    let order = [
        (
            crate::paging::col((e, location::Column::Code)),
            sea_orm::Order::Asc,
        ),
        (
            crate::paging::col((e, location::Column::Id)),
            sea_orm::Order::Asc,
        ),
    ];
    Ok(page.fetch(db, q, &order).await?)
}

/// The sort key of a location in [`locations`]' order (by code).
pub fn location_key(l: &location::Model) -> crate::paging::Key {
    use crate::paging::KeyVal;
    vec![KeyVal::S(l.code.clone()), KeyVal::I(l.id)]
}
