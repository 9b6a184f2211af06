//! The web console: server-rendered pages (maud) for the people who do not
//! use GraphQL. Sign-in with user name and password opens a server-side
//! session behind an HttpOnly, SameSite=Strict cookie; every form carries a
//! CSRF token and every POST checks it. A page gets its data by executing
//! the GraphQL schema in-process as the signed-in user
//! ([`crate::graphql::execute`]), so the permission matrix, the audit trail
//! and the limits apply unchanged; a page itself is also an entry of the
//! matrix (`GET /sales/finder`), refused with a `403` page outside its
//! roles. The API's bearer tokens are not read here, and the session cookie
//! is not read by `/graphql`.

mod admin;
mod cases;
pub mod cookies;
pub mod csrf;
mod finder;
mod labels;
pub mod layout;
pub mod limiter;
mod planner;
mod quality;
mod signin;
mod sku;
mod warehouse;

use axum::{
    Router,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use maud::{Markup, html};
use serde_json::Value;

use super::AppState;
use crate::access::{Caller, Principal, RequestId, Role, permissions};

/// What the console keeps in memory: the sign-in forms' signing key and
/// the failed sign-in counts.
pub struct ConsoleState {
    /// Signs the sign-in forms' CSRF tokens.
    pub key: csrf::Key,
    /// Failed sign-ins per user name and address.
    pub failures: limiter::Limiter,
}

impl Default for ConsoleState {
    fn default() -> Self {
        ConsoleState {
            key: csrf::Key::random(),
            failures: limiter::Limiter::default(),
        }
    }
}

/// The console's routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(root))
        .route("/signin", get(signin::form).post(signin::submit))
        .route("/signout", post(signin::signout))
        .route("/home", get(home))
        .route("/sales/finder", get(finder::page))
        .route("/sales/sku", get(sku::page))
        .merge(cases::routes())
        .merge(warehouse::routes())
        .merge(quality::routes())
        .merge(admin::routes())
        // Planner and labels (issue 19).
        .merge(planner::routes())
        .merge(labels::routes())
}

/// The page a user lands on after sign-in.
pub fn home_of(p: &Principal) -> &'static str {
    if p.roles.contains(&Role::Sales) {
        "/sales/finder"
    } else if p.roles.contains(&Role::Warehouse) {
        "/warehouse/scan"
    } else if p.roles.contains(&Role::Quality) {
        "/quality/release"
    } else if p.roles.contains(&Role::Planner) {
        "/planner"
    } else {
        "/home"
    }
}

/// A signed-in page request: who, and the session's CSRF token.
pub(super) struct Signed {
    principal: Principal,
    csrf: String,
}

impl Signed {
    fn viewer(&self) -> layout::Viewer<'_> {
        layout::Viewer {
            principal: &self.principal,
            csrf: &self.csrf,
        }
    }
}

/// The session of a page request, or the response to send instead: to the
/// sign-in page when signed out (the cookie removed when it no longer
/// opens a session).
pub(super) async fn signed_in(s: &AppState, headers: &HeaderMap) -> Result<Signed, Response> {
    let secure = cookies::over_tls(headers);
    let Some(secret) = cookies::get(headers, cookies::SESSION) else {
        return Err(see_other("/signin", None));
    };
    match crate::access::session::authenticate(&s.db, &secret).await {
        Ok(Caller::User(principal)) => Ok(Signed {
            csrf: crate::access::session::csrf_token(&secret),
            principal,
        }),
        Ok(_) => Err(see_other(
            "/signin",
            Some(cookies::clear(cookies::SESSION, secure)),
        )),
        Err(e) => {
            tracing::error!(error = %e, "console: reading the session failed on our side");
            Err(internal())
        }
    }
}

/// The `403` page for a page outside the caller's roles, as the API
/// refuses a field; `None` when the roles allow it.
pub(super) fn refusal(signed: &Signed, op: &str) -> Option<Response> {
    (!permissions::is_allowed(permissions::OpKind::Http, op, &signed.principal.roles))
        .then(|| forbidden(signed, &format!("`{op}` is not allowed for your role(s)")))
}

/// Runs one GraphQL request as the signed-in user, as `/graphql` would.
pub(super) async fn run(
    s: &AppState,
    signed: &Signed,
    request_id: RequestId,
    query: &str,
    variables: Value,
) -> async_graphql::Response {
    let request = async_graphql::Request::new(query)
        .variables(async_graphql::Variables::from_json(variables))
        .data(Caller::User(signed.principal.clone()))
        .data(request_id.clone());
    let mut resp = crate::graphql::execute(&s.schema, &s.db, request).await;
    crate::graphql::errors::tag_internal(&mut resp.errors, &request_id.0);
    resp
}

/// The `extensions.code` of a GraphQL error.
pub(super) fn code_of(e: &async_graphql::ServerError) -> &str {
    e.extensions
        .as_ref()
        .and_then(|x| x.get("code"))
        .and_then(|v| match v {
            async_graphql::Value::String(c) => Some(c.as_str()),
            _ => None,
        })
        .unwrap_or("")
}

/// An HTML response with the console's security headers, never cached.
pub(super) fn respond(status: StatusCode, markup: Markup) -> Response {
    let mut r = (status, axum::response::Html(markup.into_string())).into_response();
    super::explorer::secure(&mut r);
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `303 See Other` to `to`, optionally setting a cookie.
pub(super) fn see_other(to: &'static str, cookie: Option<HeaderValue>) -> Response {
    let mut r = (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, HeaderValue::from_static(to))],
    )
        .into_response();
    if let Some(c) = cookie {
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    r
}

/// The `403` page.
pub(super) fn forbidden(signed: &Signed, why: &str) -> Response {
    respond(
        StatusCode::FORBIDDEN,
        layout::page(
            "Not allowed",
            Some(&signed.viewer()),
            html! {
                h1 { "Not allowed" }
                p.notice role="alert" { (why) }
                p { a href=(home_of(&signed.principal)) { "Back to your home page" } }
            },
        ),
    )
}

/// The `500` page (the cause is in the server log, never on the page).
pub(super) fn internal() -> Response {
    respond(
        StatusCode::INTERNAL_SERVER_ERROR,
        layout::page(
            "Error",
            None,
            html! {
                h1 { "Something went wrong on our side" }
                p { "Nothing was changed. Try again; if it persists, the server log has the cause." }
            },
        ),
    )
}

/// `GET /`: the user's home, or the sign-in page.
async fn root(
    axum::extract::State(s): axum::extract::State<AppState>,
    headers: HeaderMap,
) -> Response {
    match signed_in(&s, &headers).await {
        Ok(signed) => see_other(home_of(&signed.principal), None),
        Err(r) => r,
    }
}

/// `GET /home`: who is signed in and the pages they may open.
async fn home(
    axum::extract::State(s): axum::extract::State<AppState>,
    headers: HeaderMap,
) -> Response {
    let signed = match signed_in(&s, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Some(r) = refusal(&signed, "GET /home") {
        return r;
    }
    let body = html! {
        h1 { "Welcome, " (signed.principal.name) }
        p { "The console pages open to your role(s):" }
        ul {
            @for (_, href, label) in layout::pages_for(&signed.principal) {
                li { a href=(href) { (label) } }
            }
        }
        p { "Everything else is in the API; its explorer is at " a href="/graphql" { "/graphql" } " (with a bearer token)." }
    };
    respond(
        StatusCode::OK,
        layout::page("Home", Some(&signed.viewer()), body),
    )
}
