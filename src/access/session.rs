//! Console sign-in: passwords (argon2id hashes in PHC string form) and
//! server-side sessions. A session id is 256 random bits, held only in the
//! browser's cookie; the table keeps its SHA-256. Every request re-reads the
//! session and its user, so a revoked session or a deactivated user is
//! refused at once. The CSRF token of a session is derived from its secret
//! id, so it needs no storage and cannot be guessed without the cookie.

use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{Duration, Utc};
use entity::{app_user, web_session};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use sha2::{Digest, Sha256};

use super::{Caller, Principal, hash_token, roles::parse_roles};
use crate::error::{AppError, AppResult};

/// Shortest and longest password accepted.
pub const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 10..=200;

/// How long a session lasts after sign-in.
pub const SESSION_HOURS: i64 = 12;

/// `last_used_at` is written at most this often per session.
const LAST_USED_GRANULARITY: i64 = 60;

/// A password hashed with argon2id (the crate's default parameters:
/// 19 MiB, 2 passes), with a fresh random salt.
pub fn hash_password(password: &str) -> AppResult<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| AppError::Internal(format!("password salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("hashing a password: {e}")))
}

/// Whether `password` matches the stored hash (false for a damaged hash).
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Refuses a password that is too short or too long; `field` names it.
pub fn check_password(password: &str, field: &str) -> AppResult<()> {
    let n = password.chars().count();
    if !PASSWORD_CHARS.contains(&n) {
        return Err(AppError::bad_input(
            field,
            format!(
                "must be {}–{} characters (got {n})",
                PASSWORD_CHARS.start(),
                PASSWORD_CHARS.end()
            ),
        ));
    }
    Ok(())
}

/// Sets a user's password and ends the user's open sessions (whoever knew
/// the old password is signed out), in one write transaction; the hash is
/// computed before it, on the blocking pool.
pub async fn set_password(
    db: &DatabaseConnection,
    user_id: i64,
    password: &str,
) -> AppResult<app_user::Model> {
    check_password(password, "password")?;
    let pw = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(|e| AppError::Internal(format!("hashing a password: {e}")))??;
    let txn = crate::db::begin_write(db).await?;
    let user = app_user::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("user", user_id.to_string()))?;
    let mut am: app_user::ActiveModel = user.into();
    am.password_hash = Set(Some(hash));
    let user = am.update(&txn).await?;
    web_session::Entity::update_many()
        .col_expr(
            web_session::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Some(Utc::now())),
        )
        .filter(web_session::Column::UserId.eq(user.id))
        .filter(web_session::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(user)
}

/// A hash to verify against when the user does not exist, so that an
/// unknown name takes as long to refuse as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default())
}

/// The active user with this name and password, if any. Unknown user,
/// wrong password, no password set and deactivated user all answer `None`.
pub async fn check_credentials(
    db: &impl ConnectionTrait,
    name: &str,
    password: &str,
) -> AppResult<Option<app_user::Model>> {
    let user = app_user::Entity::find()
        .filter(app_user::Column::Name.eq(name.trim()))
        .one(db)
        .await?;
    let stored = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| decoy_hash().to_owned());
    let pw = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &stored))
        .await
        .map_err(|e| AppError::Internal(format!("password check: {e}")))?;
    Ok(user.filter(|u| ok && u.active && u.password_hash.is_some()))
}

/// Deletes the rows of sessions that have expired (signed out or not):
/// they open nothing any more. Run at every sign-in, so the table holds
/// at most the sessions of the last [`SESSION_HOURS`]. Returns how many
/// rows went.
pub async fn purge_expired(db: &impl ConnectionTrait) -> AppResult<u64> {
    let r = web_session::Entity::delete_many()
        .filter(web_session::Column::ExpiresAt.lte(Utc::now()))
        .exec(db)
        .await?;
    Ok(r.rows_affected)
}

/// Opens a session for a user, after clearing out expired sessions
/// ([`purge_expired`]); returns its row and its secret id (for the cookie
/// only).
pub async fn open(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> AppResult<(web_session::Model, String)> {
    purge_expired(db).await?;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    let now = Utc::now();
    let row = web_session::ActiveModel {
        user_id: Set(user_id),
        session_hash: Set(hash_token(&secret)),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(SESSION_HOURS)),
        last_used_at: Set(now),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((row, secret))
}

/// Establishes the caller from a session cookie's value.
pub async fn authenticate(db: &impl ConnectionTrait, secret: &str) -> AppResult<Caller> {
    if secret.is_empty() || secret.len() > 100 {
        return Ok(Caller::Invalid("unknown session".into()));
    }
    let Some(s) = web_session::Entity::find()
        .filter(web_session::Column::SessionHash.eq(hash_token(secret)))
        .one(db)
        .await?
    else {
        return Ok(Caller::Invalid("unknown session".into()));
    };
    let now = Utc::now();
    if s.revoked_at.is_some() {
        return Ok(Caller::Invalid("signed out".into()));
    }
    if s.expires_at <= now {
        return Ok(Caller::Invalid("session expired".into()));
    }
    let Some(user) = app_user::Entity::find_by_id(s.user_id).one(db).await? else {
        return Ok(Caller::Invalid("unknown session".into()));
    };
    if !user.active {
        return Ok(Caller::Invalid("user deactivated".into()));
    }
    if (now - s.last_used_at).num_seconds() >= LAST_USED_GRANULARITY {
        web_session::Entity::update_many()
            .col_expr(
                web_session::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(web_session::Column::Id.eq(s.id))
            .exec(db)
            .await?;
    }
    Ok(Caller::User(Principal {
        user_id: user.id,
        name: user.name,
        roles: parse_roles(&user.roles),
        token_id: None,
    }))
}

/// Ends the session with this secret id (nothing when there is none).
pub async fn revoke(db: &impl ConnectionTrait, secret: &str) -> AppResult<()> {
    web_session::Entity::update_many()
        .col_expr(
            web_session::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Some(Utc::now())),
        )
        .filter(web_session::Column::SessionHash.eq(hash_token(secret)))
        .filter(web_session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// The CSRF token of the session with this secret id.
pub fn csrf_token(secret: &str) -> String {
    let d = Sha256::digest(format!("csrf\0{secret}").as_bytes());
    URL_SAFE_NO_PAD.encode(d)
}

/// A random password that reads aloud: five groups of four letters and
/// digits (about 100 bits).
pub fn random_password() -> String {
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    bytes
        .chunks(4)
        .map(|c| {
            c.iter()
                .map(|b| CHARS[*b as usize % CHARS.len()] as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_salted_argon2id_hashes() {
        let a = hash_password("correct horse battery").unwrap();
        let b = hash_password("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify_password("correct horse battery", &a));
        assert!(!verify_password("correct horse battery!", &a));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn short_and_long_passwords_are_refused_naming_the_field() {
        let e = check_password("short", "input.password").unwrap_err();
        assert!(e.to_string().starts_with("input.password:"), "{e}");
        assert!(check_password(&"x".repeat(201), "input.password").is_err());
        assert!(check_password("long enough pw", "input.password").is_ok());
    }

    #[test]
    fn random_passwords_are_long_enough_and_differ() {
        let a = random_password();
        assert_eq!(a.len(), 24);
        assert!(check_password(&a, "p").is_ok());
        assert_ne!(a, random_password());
    }

    #[test]
    fn the_csrf_token_depends_on_the_session() {
        assert_ne!(csrf_token("a"), csrf_token("b"));
        assert_eq!(csrf_token("a"), csrf_token("a"));
    }
}
