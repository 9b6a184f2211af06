//! Administration (ADMIN only): the users ([`users`]: create with roles;
//! a user's page with roles, deactivation, a password reset, the console
//! sessions and the API tokens — create, the secret shown once, revoke)
//! and the audit trail with filters and its CSV ([`audit`]). Like every
//! console page, each gets its data by running the schema as the signed-in
//! admin (so each change is itself in the audit trail), each form runs one
//! mutation and shows its `userErrors`, and each page and form is an entry
//! of the permission matrix (`GET /admin/…`, `POST /admin/…`).

mod audit;
mod users;

use axum::{
    Router,
    routing::{get, post},
};

use super::AppState;

/// The administration routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users::list).post(users::create))
        .route("/admin/user", get(users::page))
        .route("/admin/user/roles", post(users::roles))
        .route("/admin/user/active", post(users::active))
        .route("/admin/user/password", post(users::password))
        .route("/admin/user/token", post(users::token))
        .route("/admin/user/revoke", post(users::revoke))
        .route("/admin/audit", get(audit::page))
}
