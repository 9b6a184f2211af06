//! Signing in and out. `GET /signin` draws a nonce for the `abt_signin`
//! cookie and signs it into the form's CSRF token; `POST /signin` checks
//! the token against the cookie, the failure limits, then the password,
//! and on success opens a session and sends the user to their home.
//! `POST /signout` checks the session's CSRF token and revokes the session.

use std::{collections::HashMap, net::SocketAddr};

use axum::{
    body::Bytes,
    extract::{ConnectInfo, Extension, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::Response,
};
use maud::html;

use super::{
    AppState, cookies, csrf, home_of, internal, layout,
    limiter::{self, Key},
    respond, see_other, signed_in,
};
use crate::access::{Principal, roles::parse_roles, session};

/// What the sign-in form shows besides its fields.
#[derive(Default)]
struct FormState<'a> {
    name: &'a str,
    name_error: Option<&'a str>,
    password_error: Option<&'a str>,
    notice: Option<String>,
}

/// The sign-in page with a fresh CSRF nonce (cookie) and token (form).
fn render(s: &AppState, headers: &HeaderMap, status: StatusCode, f: FormState<'_>) -> Response {
    let (nonce, token) = s.console.key.reuse(cookies::get(headers, cookies::SIGNIN));
    let body = html! {
        div.signin {
            h1 { "Sign in" }
            @if let Some(n) = &f.notice {
                p.notice role="alert" id="signin-notice" { (n) }
            }
            form method="post" action="/signin" {
                input type="hidden" name="csrf" value=(token);
                div.field {
                    label for="name" { "User name" }
                    input id="name" name="name" type="text" autocomplete="username" required autofocus value=(f.name)
                        aria-describedby=[f.name_error.map(|_| "name-error")];
                    @if let Some(e) = f.name_error { p.error id="name-error" { (e) } }
                }
                div.field {
                    label for="password" { "Password" }
                    input id="password" name="password" type="password" autocomplete="current-password" required
                        aria-describedby=[f.password_error.map(|_| "password-error")];
                    @if let Some(e) = f.password_error { p.error id="password-error" { (e) } }
                }
                button type="submit" { "Sign in" }
            }
        }
    };
    let mut r = respond(status, layout::page("Sign in", None, body));
    let secure = cookies::over_tls(headers);
    // Lives as long as a sign-in form may sit open.
    r.headers_mut().append(
        header::SET_COOKIE,
        cookies::set(cookies::SIGNIN, &nonce, 3600, secure),
    );
    r
}

/// `GET /signin`; a signed-in user goes to their home.
pub(super) async fn form(State(s): State<AppState>, headers: HeaderMap) -> Response {
    if let Ok(signed) = signed_in(&s, &headers).await {
        return see_other(home_of(&signed.principal), None);
    }
    render(&s, &headers, StatusCode::OK, FormState::default())
}

fn form_fields(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// `POST /signin`.
pub(super) async fn submit(
    State(s): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = form_fields(&body);
    let field = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    let name = field("name").trim();
    let password = field("password");
    let csrf_ok = cookies::get(&headers, cookies::SIGNIN)
        .is_some_and(|nonce| s.console.key.verify(&nonce, field("csrf")));
    if !csrf_ok {
        return render(
            &s,
            &headers,
            StatusCode::FORBIDDEN,
            FormState {
                name,
                notice: Some(
                    "The sign-in form had expired or came from another site; nothing was done. Sign in again with this form.".into(),
                ),
                ..Default::default()
            },
        );
    }
    if name.is_empty() || password.is_empty() {
        return render(
            &s,
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            FormState {
                name,
                name_error: name.is_empty().then_some("Enter your user name."),
                password_error: password.is_empty().then_some("Enter your password."),
                ..Default::default()
            },
        );
    }
    let address = peer
        .map(|Extension(ConnectInfo(a))| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    let keys = [Key::User(name), Key::Address(&address)];
    if let Some(wait) = keys.iter().find_map(|k| s.console.failures.blocked(k)) {
        let minutes = wait.as_secs().div_ceil(60);
        let mut r = render(
            &s,
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            FormState {
                name,
                notice: Some(format!(
                    "Too many failed sign-ins ({} per user name, {} per address, in {} minutes); try again in {minutes} minute(s).",
                    limiter::PER_USER,
                    limiter::PER_ADDRESS,
                    limiter::WINDOW.as_secs() / 60
                )),
                ..Default::default()
            },
        );
        if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return r;
    }
    let user = match session::check_credentials(&s.db, name, password).await {
        Ok(u) => u,
        Err(e) => {
            tracing::error!(error = %e, "console: checking a password failed on our side");
            return internal();
        }
    };
    let Some(user) = user else {
        for k in &keys {
            s.console.failures.fail(k);
        }
        tracing::info!(user = name, address, "console: sign-in refused");
        return render(
            &s,
            &headers,
            StatusCode::UNAUTHORIZED,
            FormState {
                name,
                notice: Some("Wrong user name or password (or the user is deactivated).".into()),
                ..Default::default()
            },
        );
    };
    s.console.failures.clear(&keys[0]);
    let (_, secret) = match session::open(&s.db, user.id).await {
        Ok(x) => x,
        Err(e) => {
            tracing::error!(error = %e, "console: opening a session failed on our side");
            return internal();
        }
    };
    tracing::info!(user = %user.name, "console: signed in");
    let principal = Principal {
        user_id: user.id,
        name: user.name,
        roles: parse_roles(&user.roles),
        token_id: None,
    };
    let secure = cookies::over_tls(&headers);
    let mut r = see_other(
        home_of(&principal),
        Some(cookies::set(
            cookies::SESSION,
            &secret,
            session::SESSION_HOURS * 3600,
            secure,
        )),
    );
    r.headers_mut()
        .append(header::SET_COOKIE, cookies::clear(cookies::SIGNIN, secure));
    r
}

/// `POST /signout`: with the session's CSRF token, ends the session.
pub(super) async fn signout(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let secure = cookies::over_tls(&headers);
    let Some(secret) = cookies::get(&headers, cookies::SESSION) else {
        return see_other("/signin", None);
    };
    let fields = form_fields(&body);
    let given = fields.get("csrf").map(String::as_str).unwrap_or("");
    if !csrf::same(given, &session::csrf_token(&secret)) {
        return match signed_in(&s, &headers).await {
            Ok(signed) => super::forbidden(
                &signed,
                "The form came without this session's token (from another site, or an old page); you are still signed in.",
            ),
            Err(r) => r,
        };
    }
    if let Err(e) = session::revoke(&s.db, &secret).await {
        tracing::error!(error = %e, "console: ending a session failed on our side");
        return internal();
    }
    see_other("/signin", Some(cookies::clear(cookies::SESSION, secure)))
}
