//! Users and tokens: creating them, and turning an `Authorization` header into
//! a [`Caller`]. Tokens are 256-bit random values shown once; only their
//! SHA-256 is stored, so a copy of the database reveals none.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use entity::{api_token, app_user};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::{
    Caller, Principal, Role,
    roles::{format_roles, parse_roles, require_roles},
};
use crate::error::{AppError, AppResult};

/// Every token starts with this, so leaked tokens are easy to spot.
pub const TOKEN_PREFIX: &str = "abt_";

/// `last_used_at` is written at most this often per token.
const LAST_USED_GRANULARITY: i64 = 60;

pub use super::hash_token;

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Creates a user with roles; the name must be new.
pub async fn create_user(
    db: &impl ConnectionTrait,
    name: &str,
    roles: &[Role],
) -> AppResult<app_user::Model> {
    let name = name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(AppError::bad_input("name", "must be 1–100 characters"));
    }
    require_roles(roles, "roles")?;
    if app_user::Entity::find()
        .filter(app_user::Column::Name.eq(name))
        .one(db)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(format!("a user named `{name}` exists")));
    }
    Ok(app_user::ActiveModel {
        name: Set(name.to_owned()),
        roles: Set(format_roles(roles)),
        active: Set(true),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Changes a user's roles and/or active flag (and bumps the authentication
/// epoch: every server instance sees the change within its staleness bound).
pub async fn update_user(
    db: &impl ConnectionTrait,
    user_id: i64,
    roles: Option<&[Role]>,
    active: Option<bool>,
) -> AppResult<app_user::Model> {
    let user = app_user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("user", user_id.to_string()))?;
    if let Some(r) = roles {
        require_roles(r, "roles")?;
    }
    let is_admin = |roles: &[Role], active: bool| active && roles.contains(&Role::Admin);
    let stays_admin = is_admin(
        roles
            .map_or_else(|| parse_roles(&user.roles), <[Role]>::to_vec)
            .as_slice(),
        active.unwrap_or(user.active),
    );
    if is_admin(&parse_roles(&user.roles), user.active) && !stays_admin {
        ensure_another_admin(db, user.id, &user.name).await?;
    }
    let mut am: app_user::ActiveModel = user.into();
    if let Some(r) = roles {
        am.roles = Set(format_roles(r));
    }
    if let Some(a) = active {
        am.active = Set(a);
    }
    let user = am.update(db).await?;
    super::epoch::bump(db).await?;
    Ok(user)
}

/// Refuses to take the last active ADMIN away: without one nobody can
/// manage users or tokens through the API. The active admins' rows are
/// locked (PostgreSQL; SQLite's write transaction already serialises), so
/// two admins demoting each other at once cannot both succeed.
async fn ensure_another_admin(
    db: &impl ConnectionTrait,
    user_id: i64,
    name: &str,
) -> AppResult<()> {
    let admins = app_user::Entity::find()
        .filter(app_user::Column::Active.eq(true))
        .order_by_asc(app_user::Column::Id)
        .lock_exclusive()
        .all(db)
        .await?;
    let others = admins
        .iter()
        .filter(|u| u.id != user_id && parse_roles(&u.roles).contains(&Role::Admin))
        .count();
    if others == 0 {
        return Err(AppError::Conflict(format!(
            "{name} is the last active ADMIN; make another user ADMIN first, or nobody could manage users and tokens"
        )));
    }
    Ok(())
}

/// A user by name.
pub async fn user_by_name(db: &impl ConnectionTrait, name: &str) -> AppResult<app_user::Model> {
    app_user::Entity::find()
        .filter(app_user::Column::Name.eq(name.trim()))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("user", name))
}

/// All users by name.
pub async fn users(db: &impl ConnectionTrait) -> AppResult<Vec<app_user::Model>> {
    Ok(app_user::Entity::find()
        .order_by_asc(app_user::Column::Name)
        .all(db)
        .await?)
}

/// One page of users by name, and how many there are.
pub async fn users_page(
    db: &impl ConnectionTrait,
    page: &crate::paging::Page,
) -> AppResult<(Vec<app_user::Model>, u64)> {
    let q = app_user::Entity::find();
    let e = app_user::Entity;
    let order = [
        (
            crate::paging::col((e, app_user::Column::Name)),
            sea_orm::Order::Asc,
        ),
        (
            crate::paging::col((e, app_user::Column::Id)),
            sea_orm::Order::Asc,
        ),
    ];
    Ok(page.fetch(db, q, &order).await?)
}

/// The sort key of a user in [`users_page`]' order (by name).
pub fn user_key(u: &app_user::Model) -> crate::paging::Key {
    use crate::paging::KeyVal;
    vec![KeyVal::S(u.name.clone()), KeyVal::I(u.id)]
}

/// The tokens of a user, newest first.
pub async fn tokens_of(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> AppResult<Vec<api_token::Model>> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await?)
}

/// Creates a token; returns its row and the token itself (shown only now).
pub async fn create_token(
    db: &impl ConnectionTrait,
    user_id: i64,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
) -> AppResult<(api_token::Model, String)> {
    let user = app_user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("user", user_id.to_string()))?;
    if let Some(e) = expires_at
        && e <= Utc::now()
    {
        return Err(AppError::bad_input("expiresAt", "must be in the future"));
    }
    let token = new_token();
    let row = api_token::ActiveModel {
        user_id: Set(user.id),
        name: Set(if name.trim().is_empty() {
            "token".into()
        } else {
            name.trim().to_owned()
        }),
        token_hash: Set(hash_token(&token)),
        prefix: Set(token.chars().take(10).collect()),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((row, token))
}

/// Revokes a token by id; revoking twice is a conflict. Bumps the
/// authentication epoch: every server instance refuses the token within its
/// staleness bound, this process at once.
pub async fn revoke_token(db: &impl ConnectionTrait, token_id: i64) -> AppResult<api_token::Model> {
    let t = api_token::Entity::find_by_id(token_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("token", token_id.to_string()))?;
    if t.revoked_at.is_some() {
        return Err(AppError::Conflict(format!(
            "token {token_id} is already revoked"
        )));
    }
    let mut am: api_token::ActiveModel = t.into();
    am.revoked_at = Set(Some(Utc::now()));
    let t = am.update(db).await?;
    super::epoch::bump(db).await?;
    Ok(t)
}

/// Parses a duration such as `90d`, `12h` or `30m`, or an RFC 3339 / `YYYY-MM-DD` date.
pub fn parse_expiry(text: &str) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    let (num, unit) = t.split_at(t.len().saturating_sub(1));
    if let Ok(n) = num.parse::<i64>() {
        let d = match unit {
            "d" => Some(Duration::days(n)),
            "h" => Some(Duration::hours(n)),
            "m" => Some(Duration::minutes(n)),
            _ => None,
        };
        if let Some(d) = d {
            return Ok(Utc::now() + d);
        }
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        && let Some(dt) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(dt.and_utc());
    }
    Err(format!(
        "`{t}` is neither a duration (90d, 12h, 30m) nor a date (2027-01-31)"
    ))
}

/// The bearer token of an `Authorization` header value, or why there is
/// none usable (no SQL is needed to tell).
pub fn bearer(header: Option<&str>) -> Result<&str, Caller> {
    let Some(h) = header else {
        return Err(Caller::Anonymous);
    };
    let Some(token) = h
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
    else {
        return Err(Caller::Invalid(
            "malformed Authorization header: expected `Bearer <token>`".into(),
        ));
    };
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
        return Err(Caller::Invalid("unknown token".into()));
    }
    Ok(token)
}

/// A token found valid in the database, with what a cache needs to keep
/// checking it without the database: its expiry and when its use was last
/// written.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The token's user.
    pub principal: Principal,
    /// The token's expiry, if it has one.
    pub expires_at: Option<DateTime<Utc>>,
    /// `last_used_at` as stored now (after this use was written).
    pub last_used_at: DateTime<Utc>,
}

/// Checks a token against the database: its row (unknown, revoked,
/// expired) and its user (deactivated); writes `last_used_at` when it is a
/// minute old or more.
pub async fn verify_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> AppResult<Result<Verified, Caller>> {
    let Some(t) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash_token(token)))
        .one(db)
        .await?
    else {
        return Ok(Err(Caller::Invalid("unknown token".into())));
    };
    let now = Utc::now();
    if t.revoked_at.is_some() {
        return Ok(Err(Caller::Invalid("token revoked".into())));
    }
    if t.expires_at.is_some_and(|e| e <= now) {
        return Ok(Err(Caller::Invalid("token expired".into())));
    }
    let Some(user) = app_user::Entity::find_by_id(t.user_id).one(db).await? else {
        return Ok(Err(Caller::Invalid("unknown token".into())));
    };
    if !user.active {
        return Ok(Err(Caller::Invalid("user deactivated".into())));
    }
    let last_used_at = match t.last_used_at {
        Some(l) if (now - l).num_seconds() < LAST_USED_GRANULARITY => l,
        _ => {
            touch_token(db, t.id, now).await?;
            now
        }
    };
    Ok(Ok(Verified {
        principal: Principal {
            user_id: user.id,
            name: user.name,
            roles: parse_roles(&user.roles),
            token_id: Some(t.id),
        },
        expires_at: t.expires_at,
        last_used_at,
    }))
}

/// Whether a token's `last_used_at` of `last` is due to be written again at `now`.
pub fn last_use_due(last: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    (now - last).num_seconds() >= LAST_USED_GRANULARITY
}

/// Writes a token's `last_used_at`.
pub async fn touch_token(
    db: &impl ConnectionTrait,
    token_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    api_token::Entity::update_many()
        .col_expr(
            api_token::Column::LastUsedAt,
            sea_orm::sea_query::Expr::value(Some(now)),
        )
        .filter(api_token::Column::Id.eq(token_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Establishes the caller from an `Authorization` header value, from the
/// database (the HTTP surface asks the cache of verified tokens instead).
pub async fn authenticate(db: &impl ConnectionTrait, header: Option<&str>) -> AppResult<Caller> {
    let token = match bearer(header) {
        Ok(t) => t,
        Err(caller) => return Ok(caller),
    };
    Ok(match verify_token(db, token).await? {
        Ok(v) => Caller::User(v.principal),
        Err(caller) => caller,
    })
}

/// One demo user as created: name, role, bearer token, console password.
#[derive(Debug, Clone)]
pub struct DemoUser {
    /// The user's name, e.g. `demo-sales`.
    pub name: String,
    /// The user's one role.
    pub role: Role,
    /// A bearer token for the API.
    pub token: String,
    /// A random password for the console.
    pub password: String,
}

/// Creates one demo user per role, each with a token and a random console
/// password (both shown only now).
pub async fn create_demo_users(db: &sea_orm::DatabaseConnection) -> AppResult<Vec<DemoUser>> {
    let mut out = Vec::new();
    for role in Role::ALL {
        let name = format!("demo-{}", role.as_str().to_lowercase());
        let user = create_user(db, &name, &[role]).await?;
        let (_, token) = create_token(db, user.id, "demo", None).await?;
        let password = super::session::random_password();
        super::session::set_password(db, user.id, &password).await?;
        out.push(DemoUser {
            name,
            role,
            token,
            password,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() >= 40);
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), hash_token(&b));
    }

    #[test]
    fn expiries_parse_as_durations_or_dates() {
        assert!(parse_expiry("90d").unwrap() > Utc::now());
        assert!(parse_expiry("2030-01-31").is_ok());
        assert!(parse_expiry("soon").is_err());
    }
}
