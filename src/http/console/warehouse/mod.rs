//! The warehouse console: the scan station ([`scan`]), the short forms that
//! receive ([`receive`]), put away, transfer, count ([`moves`]), pick and
//! ship ([`outgoing`]), sharing one mutation runner ([`forms`]), and the
//! stock pages with their CSV downloads ([`stock`]). Like every console
//! page, each gets its data by running the schema as the signed-in user,
//! each form posts to a handler that runs one mutation and shows its
//! `userErrors` beside the field each names, and each page and form is an
//! entry of the permission matrix (`GET /warehouse/…`, `POST /warehouse/…`).

pub(in crate::http::console) mod forms;
mod moves;
mod outgoing;
mod receive;
mod scan;
pub(in crate::http::console) mod stock;

use std::collections::HashMap;

use axum::{
    Router,
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request, rejection::BytesRejection},
    http::{HeaderMap, StatusCode, request::Parts},
    response::Response,
    routing::get,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use maud::{Markup, html};
use rand::RngCore;
use serde_json::Value;

use super::{AppState, Signed, code_of, csrf, forbidden, internal, refusal, run, signed_in};
use crate::access::RequestId;

/// The warehouse routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/warehouse/scan", get(scan::page))
        .route(
            "/warehouse/receive",
            get(receive::receive_form).post(receive::receive),
        )
        .route(
            "/warehouse/move",
            get(moves::move_form).post(moves::transfer),
        )
        .route(
            "/warehouse/count",
            get(moves::count_form).post(moves::count),
        )
        .route(
            "/warehouse/pick",
            get(outgoing::pick_form).post(outgoing::pick),
        )
        .route(
            "/warehouse/ship",
            get(outgoing::ship_form).post(outgoing::ship),
        )
        .route("/warehouse/stock", get(stock::stock))
        .route("/warehouse/expiring", get(stock::expiring))
        .route("/warehouse/reorder", get(stock::reorder))
        .route("/warehouse/lot", get(stock::ledger))
}

/// Fields of a query string or a posted form, trimmed.
#[derive(Default)]
pub(in crate::http::console) struct Fields(HashMap<String, String>);

impl Fields {
    fn parse(raw: &[u8]) -> Fields {
        Fields(form_urlencoded::parse(raw).into_owned().collect())
    }
    fn query(raw: Option<&str>) -> Fields {
        Fields::parse(raw.unwrap_or("").as_bytes())
    }
    /// The field's value, trimmed; empty when absent.
    pub(in crate::http::console) fn get(&self, k: &str) -> &str {
        self.0.get(k).map(|v| v.trim()).unwrap_or("")
    }
    /// The field's value as sent (not trimmed: a password).
    pub(in crate::http::console) fn raw(&self, k: &str) -> &str {
        self.0.get(k).map(String::as_str).unwrap_or("")
    }
    /// The field's value, or JSON null when empty.
    pub(in crate::http::console) fn opt(&self, k: &str) -> Value {
        match self.get(k) {
            "" => Value::Null,
            v => Value::String(v.to_owned()),
        }
    }
}

/// What a warehouse page handler reads of its request: the state, the
/// headers (session), the request id and the query string.
pub(in crate::http::console) struct Get {
    s: AppState,
    headers: HeaderMap,
    rid: Option<RequestId>,
    raw: Option<String>,
}

impl FromRequestParts<AppState> for Get {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Get, Self::Rejection> {
        Ok(Get {
            s: s.clone(),
            headers: parts.headers.clone(),
            rid: parts.extensions.get::<RequestId>().cloned(),
            raw: parts.uri.query().map(str::to_owned),
        })
    }
}

impl Get {
    /// The session of the page `op`, refused outside its roles, and the
    /// query's fields.
    pub(in crate::http::console) async fn open(
        &self,
        op: &str,
    ) -> Result<(Req<'_>, Fields), Response> {
        let req = Req::page(&self.s, &self.headers, self.rid.clone(), op).await?;
        Ok((req, Fields::query(self.raw.as_deref())))
    }
}

/// What a warehouse form post handler reads of its request: as [`Get`],
/// with the posted body instead of the query.
pub(in crate::http::console) struct Post {
    s: AppState,
    headers: HeaderMap,
    rid: Option<RequestId>,
    body: Bytes,
}

impl FromRequest<AppState> for Post {
    type Rejection = BytesRejection;

    async fn from_request(r: Request, s: &AppState) -> Result<Post, Self::Rejection> {
        let headers = r.headers().clone();
        let rid = r.extensions().get::<RequestId>().cloned();
        let body = Bytes::from_request(r, s).await?;
        Ok(Post {
            s: s.clone(),
            headers,
            rid,
            body,
        })
    }
}

impl Post {
    /// The session of the form `op` with its fields, refused outside its
    /// roles and without the session's CSRF token.
    pub(in crate::http::console) async fn open(
        &self,
        op: &str,
    ) -> Result<(Req<'_>, Fields), Response> {
        Req::post(&self.s, &self.headers, self.rid.clone(), op, &self.body).await
    }
}

/// A signed-in request allowed to open this page, with its request id.
pub(in crate::http::console) struct Req<'a> {
    s: &'a AppState,
    signed: Signed,
    rid: RequestId,
}

impl<'a> Req<'a> {
    /// The session of a page request, refused outside the page's roles.
    async fn page(
        s: &'a AppState,
        headers: &HeaderMap,
        rid: Option<RequestId>,
        op: &str,
    ) -> Result<Req<'a>, Response> {
        let signed = signed_in(s, headers).await?;
        if let Some(r) = refusal(&signed, op) {
            return Err(r);
        }
        Ok(Req {
            s,
            signed,
            rid: rid.unwrap_or_default(),
        })
    }

    /// The session of a form post, refused outside the form's roles and
    /// without the session's CSRF token; nothing is done then.
    async fn post(
        s: &'a AppState,
        headers: &HeaderMap,
        rid: Option<RequestId>,
        op: &str,
        body: &Bytes,
    ) -> Result<(Req<'a>, Fields), Response> {
        let req = Req::page(s, headers, rid, op).await?;
        let f = Fields::parse(body);
        if !csrf::same(f.get("csrf"), &req.signed.csrf) {
            return Err(forbidden(
                &req.signed,
                "The form came without this session's token (from another site, or an old page); nothing was done.",
            ));
        }
        Ok((req, f))
    }

    /// Whether the signed-in user's roles allow this root operation.
    pub(in crate::http::console) fn may(
        &self,
        kind: crate::access::permissions::OpKind,
        op: &str,
    ) -> bool {
        crate::access::permissions::is_allowed(kind, op, &self.signed.principal.roles)
    }

    /// Runs a GraphQL request as the user: its data, or the caller's
    /// mistake (`BAD_USER_INPUT`, `NOT_FOUND`, `CONFLICT`) as a problem on
    /// the field it names; a refusal or an internal error is the page to
    /// send instead.
    pub(in crate::http::console) async fn gql(
        &self,
        query: &str,
        vars: Value,
    ) -> Result<Result<Value, Problem>, Response> {
        let resp = run(self.s, &self.signed, self.rid.clone(), query, vars).await;
        if let Some(e) = resp.errors.first() {
            return match code_of(e) {
                "FORBIDDEN" | "UNAUTHENTICATED" => Err(forbidden(&self.signed, &e.message)),
                "BAD_USER_INPUT" | "NOT_FOUND" | "CONFLICT" => {
                    let path = e
                        .extensions
                        .as_ref()
                        .and_then(|x| x.get("field"))
                        .and_then(|v| match v {
                            async_graphql::Value::String(f) => Some(f.clone()),
                            _ => None,
                        })
                        .unwrap_or_default();
                    Ok(Err(Problem::new(&path, &e.message)))
                }
                _ => Err(internal()),
            };
        }
        Ok(Ok(serde_json::to_value(&resp.data).unwrap_or(Value::Null)))
    }

    fn viewer(&self) -> super::layout::Viewer<'_> {
        self.signed.viewer()
    }

    /// A whole page in the layout.
    pub(in crate::http::console) fn respond(
        &self,
        status: StatusCode,
        title: &str,
        body: Markup,
    ) -> Response {
        super::respond(
            status,
            super::layout::page(title, Some(&self.viewer()), body),
        )
    }
}

/// Status of a page with a form: `422` when it shows problems.
pub(in crate::http::console) fn status_of(p: &Problems) -> StatusCode {
    if p.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// A caller's mistake: the API's field path (`input.quantity`; empty when
/// no single field is at fault) and its message.
#[derive(Debug, Clone)]
pub(in crate::http::console) struct Problem {
    path: String,
    message: String,
}

impl Problem {
    fn new(path: &str, message: &str) -> Problem {
        // The API's messages start with the path; beside the field it is noise.
        let message = message
            .strip_prefix(&format!("{path}: "))
            .unwrap_or(message)
            .to_owned();
        Problem {
            path: path.to_owned(),
            message,
        }
    }

    /// What is wrong, in words.
    pub(in crate::http::console) fn message(&self) -> &str {
        &self.message
    }

    /// A problem of the page itself (not the API's), on form field `path`.
    pub(in crate::http::console) fn on(path: &str, message: impl Into<String>) -> Problem {
        Problem {
            path: path.to_owned(),
            message: message.into(),
        }
    }
}

/// The problems of a form: each on the form field its API path maps to,
/// the rest in a general notice.
#[derive(Default)]
pub(in crate::http::console) struct Problems {
    by_field: Vec<(String, String)>,
    general: Vec<String>,
}

impl Problems {
    /// Places `p` beside the form field `map` gives for its API path (the
    /// longest path prefix listed wins), else in the general notice.
    pub(in crate::http::console) fn place(&mut self, p: Problem, map: &[(&str, &str)]) {
        let hit = map
            .iter()
            .filter(|(api, _)| {
                !p.path.is_empty() && (p.path == *api || p.path.starts_with(&format!("{api}.")))
            })
            .max_by_key(|(api, _)| api.len());
        match hit {
            Some((_, field)) => self.by_field.push(((*field).to_owned(), p.message)),
            None => self.general.push(p.message),
        }
    }

    /// The userErrors of a mutation payload.
    pub(in crate::http::console) fn user_errors(payload: &Value, map: &[(&str, &str)]) -> Problems {
        let mut out = Problems::default();
        for e in payload["userErrors"].as_array().into_iter().flatten() {
            let path = e["field"]
                .as_array()
                .map(|f| {
                    f.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(".")
                })
                .unwrap_or_default();
            out.place(
                Problem::new(&path, e["message"].as_str().unwrap_or("")),
                map,
            );
        }
        out
    }

    pub(in crate::http::console) fn is_empty(&self) -> bool {
        self.by_field.is_empty() && self.general.is_empty()
    }

    pub(in crate::http::console) fn of(&self, field: &str) -> Option<&str> {
        self.by_field
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// The general notice, when there is one.
    pub(in crate::http::console) fn notice(&self) -> Markup {
        html! {
            @if !self.general.is_empty() {
                div.notice role="alert" id="form-notice" {
                    @for m in &self.general { p { (m) } }
                }
            }
        }
    }
}

/// A labelled input; its problem (if any) right below it, tied to it by
/// `aria-describedby`.
pub(in crate::http::console) fn input(
    id: &str,
    label: &str,
    kind: &str,
    value: &str,
    problems: &Problems,
    extra: Option<&str>,
) -> Markup {
    let err = problems.of(id);
    let err_id = format!("{id}-error");
    html! {
        div.field {
            label for=(id) { (label) }
            input id=(id) name=(id) type=(kind) value=(value)
                data-gs1=[(id == "code").then_some("")]
                aria-invalid=[err.map(|_| "true")]
                aria-describedby=[err.map(|_| err_id.as_str())];
            @if let Some(h) = extra { small.hint { (h) } }
            @if let Some(m) = err { p.error id=(err_id) { (m) } }
        }
    }
}

/// A labelled choice among `options` (value, text); `value` selected,
/// `none` the text of choosing nothing.
pub(in crate::http::console) fn select(
    id: &str,
    label: &str,
    value: &str,
    options: &[(String, String)],
    none: &str,
    problems: &Problems,
) -> Markup {
    let err = problems.of(id);
    let err_id = format!("{id}-error");
    html! {
        div.field {
            label for=(id) { (label) }
            select id=(id) name=(id)
                aria-invalid=[err.map(|_| "true")]
                aria-describedby=[err.map(|_| err_id.as_str())] {
                option value="" selected[value.is_empty()] { (none) }
                @for (v, t) in options {
                    option value=(v) selected[v == value] { (t) }
                }
            }
            @if let Some(m) = err { p.error id=(err_id) { (m) } }
        }
    }
}

/// The hidden fields every posted form carries: the session's CSRF token
/// and an idempotency key drawn for this form, so the same form sent twice
/// (a reload, a double click) does its work once. A form drawn again after
/// a refusal gets a new key: the API keeps the refused answer under the old
/// one, and the corrected input is another request.
pub(in crate::http::console) fn hidden(req: &Req<'_>) -> Markup {
    html! {
        input type="hidden" name="csrf" value=(req.signed.csrf);
        input type="hidden" name="key" value=(new_key());
    }
}

/// The optional script that turns a scanner's Ctrl+] into the GS1 group
/// separator in the fields marked `data-gs1`.
pub(super) fn gs1_script() -> Markup {
    html! { script src="/assets/scan.js" defer {} }
}

fn new_key() -> String {
    let mut k = [0u8; 18];
    rand::rng().fill_bytes(&mut k);
    format!("console-{}", URL_SAFE_NO_PAD.encode(k))
}

/// The fields of a ledger row, as the pages show it.
const LEDGER_ROW: &str =
    "id at reason quantity fromLocation { code } toLocation { code } reference actorName note";

/// Ledger rows as a table.
fn ledger_table(id: &str, rows: &[Value]) -> Markup {
    html! {
        div.scroll {
            table id=(id) {
                thead {
                    tr {
                        th scope="col" { "When (UTC)" }
                        th scope="col" { "Reason" }
                        th scope="col" { "Quantity" }
                        th scope="col" { "From" }
                        th scope="col" { "To" }
                        th scope="col" { "Reference" }
                        th scope="col" { "By" }
                        th scope="col" { "Note" }
                    }
                }
                tbody {
                    @for m in rows {
                        tr {
                            td { (when(&m["at"])) }
                            td.reason { (text(&m["reason"])) }
                            td.num { (num(&m["quantity"])) }
                            td { (text(&m["fromLocation"]["code"])) }
                            td { (text(&m["toLocation"]["code"])) }
                            td { (text(&m["reference"])) }
                            td { (text(&m["actorName"])) }
                            td { (text(&m["note"])) }
                        }
                    }
                }
            }
        }
    }
}

/// What an action wrote to the ledger, under a heading.
fn done(what: &str, row: Option<&Value>) -> Markup {
    html! {
        section.done aria-labelledby="done-heading" {
            h2 id="done-heading" { (what) }
            @match row {
                Some(m) => {
                    p { "The ledger row it made:" }
                    (ledger_table("ledger-row", std::slice::from_ref(m)))
                }
                None => p { "No ledger row was needed." },
            }
        }
    }
}

pub(in crate::http::console) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

pub(in crate::http::console) fn num(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// An RFC 3339 time as `YYYY-MM-DD HH:MM`.
pub(in crate::http::console) fn when(v: &Value) -> String {
    let t = text(v);
    match chrono::DateTime::parse_from_rfc3339(&t) {
        Ok(d) => d
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        Err(_) => t,
    }
}

/// The lot states that block use, and what each means, in words.
fn state_words(effective: &str) -> (&'static str, &'static str) {
    match effective {
        "RELEASED" => ("ok", "Released: usable"),
        "QUARANTINE" => (
            "blocked",
            "Quarantine: awaiting inspection, do not use or ship",
        ),
        "ON_HOLD" => (
            "blocked",
            "On hold: blocked pending a decision, do not use or ship",
        ),
        "RECALLED" => ("blocked", "Recalled: under a recall, do not use or ship"),
        "REJECTED" => ("blocked", "Rejected: failed inspection, do not use or ship"),
        "EXPIRED" => (
            "blocked",
            "Expired: past its expiry date, do not use or ship",
        ),
        _ => ("blocked", "Unknown state"),
    }
}

/// A lot's state, unmistakable: the state in words, on a coloured band
/// (green usable, red blocked).
pub(in crate::http::console) fn state_band(effective: &str, reason: Option<&str>) -> Markup {
    let (class, words) = state_words(effective);
    html! {
        div class=(format!("state state-{class}")) id="lot-state" role="status" {
            strong { (effective) }
            " — " (words)
            @if let Some(r) = reason.filter(|r| !r.is_empty()) { br; small { "Reason: " (r) } }
        }
    }
}

/// A short state tag for table cells.
pub(in crate::http::console) fn state_tag(effective: &str) -> Markup {
    let (class, _) = state_words(effective);
    html! { span class=(format!("tag tag-{class}")) { (effective) } }
}

/// `path?k=v&…` with the pairs given (empty values left out).
pub(in crate::http::console) fn link(path: &str, pairs: &[(&str, &str)]) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (k, v) in pairs {
        if !v.is_empty() {
            q.append_pair(k, v);
            any = true;
        }
    }
    if any {
        format!("{path}?{}", q.finish())
    } else {
        path.to_owned()
    }
}

/// Locations (code, "code — name (TYPE)") of the types given, for choices;
/// every location when `types` is empty.
async fn locations(req: &Req<'_>, types: &[&str]) -> Result<Vec<(String, String)>, Response> {
    let d = match req
        .gql(
            "query Locations { locations(first: 500) { edges { node { code name locationType level } } } }",
            Value::Null,
        )
        .await?
    {
        Ok(d) => d,
        Err(_) => return Ok(vec![]),
    };
    Ok(d["locations"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["node"])
        .filter(|n| n["level"] == "BIN")
        .filter(|n| types.is_empty() || types.contains(&n["locationType"].as_str().unwrap_or("")))
        .map(|n| {
            (
                text(&n["code"]),
                format!(
                    "{} — {} ({})",
                    text(&n["code"]),
                    text(&n["name"]),
                    text(&n["locationType"])
                ),
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_goes_beside_the_field_of_its_longest_listed_path_without_the_path_in_its_message()
    {
        let map = &[
            ("input.consignee", "clinic"),
            ("input.consignee.address", "address"),
        ];
        let mut p = Problems::default();
        p.place(
            Problem::new(
                "input.consignee.address",
                "input.consignee.address: a consignee that is not a clinic needs its address",
            ),
            map,
        );
        p.place(
            Problem::new("input.consignee", "name who receives the units"),
            map,
        );
        p.place(
            Problem::new("input.reservationId", "reservation 9 not found"),
            map,
        );
        p.place(Problem::new("", "stale count"), map);
        assert_eq!(
            p.of("address"),
            Some("a consignee that is not a clinic needs its address")
        );
        assert_eq!(p.of("clinic"), Some("name who receives the units"));
        assert_eq!(p.general, ["reservation 9 not found", "stale count"]);
        // A path that only starts like a listed one is not it.
        let mut q = Problems::default();
        q.place(Problem::new("input.consigneeX", "x"), map);
        assert!(q.of("clinic").is_none() && q.general.len() == 1);
    }

    #[test]
    fn every_blocking_state_reads_as_blocked_and_only_released_as_usable() {
        for s in [
            "QUARANTINE",
            "ON_HOLD",
            "RECALLED",
            "REJECTED",
            "EXPIRED",
            "???",
        ] {
            let (class, words) = state_words(s);
            assert_eq!(class, "blocked", "{s}");
            assert!(s == "???" || words.contains("do not use or ship"), "{s}");
        }
        assert_eq!(state_words("RELEASED").0, "ok");
    }
}
