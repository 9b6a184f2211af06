//! The cases pages: the list of cases, a new case, one case with its
//! matching options (and the reason for every candidate turned down), its
//! confirmation (a stock lot or a custom job with its ETA) and its
//! shipment, the cases at risk, and batch matching. Every page reads
//! through the schema as the signed-in user; every form posts to a handler
//! that checks the session's CSRF token, runs one mutation and shows its
//! `userErrors` beside the field each names (nothing changed then). Each
//! page and form is an entry of the permission matrix (`GET /cases`,
//! `POST /cases/{number}/confirm` …), refused outside its roles.

mod batch;
mod case;
mod list;
mod new;

use std::collections::HashMap;

use axum::{
    Router,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::Value;

use super::{AppState, Signed, csrf, finder::refused, forbidden, refusal, signed_in};
use crate::access::permissions;

/// The cases routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list::page))
        .route("/cases/at-risk", get(list::at_risk))
        .route("/cases/new", get(new::form).post(new::submit))
        .route("/cases/match", get(batch::form).post(batch::submit))
        .route("/cases/{number}", get(case::page))
        .route(
            "/cases/{number}/confirm",
            axum::routing::post(case::confirm),
        )
        .route("/cases/{number}/ship", axum::routing::post(case::ship))
}

/// The fields of a posted form.
pub(super) type Fields = HashMap<String, String>;

/// A form post from a signed-in user whose roles allow `op` and whose
/// form carries the session's CSRF token; else the response to send
/// (nothing done).
async fn posted(
    s: &AppState,
    headers: &HeaderMap,
    body: &[u8],
    op: &str,
) -> Result<(Signed, Fields), Response> {
    let signed = signed_in(s, headers).await?;
    if let Some(r) = refusal(&signed, op) {
        return Err(r);
    }
    let fields: Fields = form_urlencoded::parse(body).into_owned().collect();
    let given = fields.get("csrf").map(String::as_str).unwrap_or("");
    if !csrf::same(given, &signed.csrf) {
        return Err(forbidden(
            &signed,
            "The form came without this session's token (from another site, or an old page); nothing was done.",
        ));
    }
    Ok((signed, fields))
}

/// A page request from a signed-in user whose roles allow `op`.
async fn viewing(s: &AppState, headers: &HeaderMap, op: &str) -> Result<Signed, Response> {
    let signed = signed_in(s, headers).await?;
    match refusal(&signed, op) {
        Some(r) => Err(r),
        None => Ok(signed),
    }
}

/// Whether the signed-in user's roles allow `op` (to offer its form).
fn may(signed: &Signed, op: &str) -> bool {
    permissions::is_allowed(permissions::OpKind::Http, op, &signed.principal.roles)
}

/// The data of a response as JSON, or the response to send when the
/// schema refused it outright (forbidden, internal).
fn data_of(signed: &Signed, resp: &async_graphql::Response) -> Result<Value, Box<Response>> {
    if let Some(r) = refused(signed, &resp.errors) {
        return Err(Box::new(r));
    }
    Ok(serde_json::to_value(&resp.data).unwrap_or(Value::Null))
}

/// `303 See Other` to a path of ours.
fn see(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(v) => (StatusCode::SEE_OTHER, [(header::LOCATION, v)]).into_response(),
        Err(_) => super::internal(),
    }
}

/// The link to a case's page.
fn case_link(number: &str) -> String {
    format!(
        "/cases/{}",
        form_urlencoded::byte_serialize(number.as_bytes()).collect::<String>()
    )
}

/// The user errors of a mutation payload (or the request's errors), by the
/// last part of the field each names; errors without a field under `""`.
#[derive(Default)]
pub(super) struct Errors(Vec<(String, String)>);

impl Errors {
    /// The `userErrors` of `payload`, and any request error.
    fn of(payload: &Value, resp: &async_graphql::Response) -> Errors {
        let mut v: Vec<(String, String)> = payload["userErrors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                let field = e["field"]
                    .as_array()
                    .and_then(|f| f.last())
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                (field, e["message"].as_str().unwrap_or("").to_owned())
            })
            .collect();
        v.extend(
            resp.errors
                .iter()
                .map(|e| (String::new(), e.message.clone())),
        );
        Errors(v)
    }

    fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_owned(), message.into()));
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The messages about `field`.
    fn on(&self, field: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect()
    }

    /// The messages about none of `fields` (shown at the top of the form).
    fn others(&self, fields: &[&str]) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(f, _)| !fields.contains(&f.as_str()))
            .map(|(_, m)| m.as_str())
            .collect()
    }
}

/// A date and time as the API sends it, shortened to the minute (UTC).
fn when(v: &Value) -> String {
    v.as_str()
        .map(|t| {
            chrono::DateTime::parse_from_rfc3339(t)
                .map(|d| {
                    d.with_timezone(&chrono::Utc)
                        .format("%Y-%m-%d %H:%M UTC")
                        .to_string()
                })
                .unwrap_or_else(|_| t.to_owned())
        })
        .unwrap_or_default()
}
