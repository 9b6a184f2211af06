//! `/graphql` as the GraphQL-over-HTTP specification (draft of 2026-08)
//! says, checked against the `graphql-http` audit suite:
//!
//! - **POST** takes `application/json` (UTF-8; another charset is `415`); no
//!   `Content-Type` or another type is `415 Unsupported Media Type`. A body
//!   that is not JSON is `400`; JSON that is not a request (no string
//!   `query`, `variables` or `extensions` not a map, `operationName` not a
//!   string, a batch) is `422`.
//! - **GET** runs queries from the URL's `query`, `operationName`,
//!   `variables` and `extensions` (JSON) parameters; a mutation is `405` with
//!   `Allow: POST`. A browser (HTML preferred to JSON) without `query` gets
//!   the API explorer.
//! - **Accept**: `application/graphql-response+json` is the server's media
//!   type; a client accepting only `application/json` (or nothing, or only
//!   wildcards) is a legacy client and gets `application/json` on a `2xx`;
//!   a client accepting neither gets `406`.
//! - **Status**: a request refused before execution has no `data` entry and
//!   a `4xx`: `400` when the document does not parse, `401` (with
//!   `WWW-Authenticate: Bearer`) without valid credentials, `403` when the
//!   role may not, `409` for a clash (idempotency), `422` when validation,
//!   variables or input checks fail; `429` (with `Retry-After` and
//!   `RateLimit` headers) over the rate. An executed one is `200`, or `294`
//!   (partial success) when it also has errors and the client speaks
//!   `application/graphql-response+json`.

use std::collections::HashMap;

use async_graphql::{Response as GqlResponse, Variables};
use axum::{
    body::Bytes,
    extract::{Extension, RawQuery, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::AppState;
use crate::{access::RequestId, ops::metrics::Operation};

/// The server's media type for GraphQL responses.
pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
/// The legacy media type.
pub const JSON: &str = "application/json";

/// The response media type a client accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Media {
    /// `application/graphql-response+json`.
    GraphqlResponse,
    /// `application/json`: a legacy client.
    Json,
}

/// What an `Accept` header asks for.
#[derive(Debug, PartialEq)]
pub struct Negotiated {
    /// The media type to answer in; `None`: nothing we serve is acceptable.
    pub media: Option<Media>,
    /// Whether HTML is preferred to JSON (a browser).
    pub html: bool,
}

/// One media range of an `Accept` header: type, subtype, q.
fn ranges(accept: &str) -> Vec<(String, String, f32)> {
    accept
        .split(',')
        .filter_map(|part| {
            let mut params = part.split(';');
            let range = params.next()?.trim().to_ascii_lowercase();
            let (t, s) = range.split_once('/')?;
            let q = params
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
                .and_then(|(_, v)| v.trim().parse::<f32>().ok())
                .unwrap_or(1.0)
                .clamp(0.0, 1.0);
            Some((t.trim().to_owned(), s.trim().to_owned(), q))
        })
        .collect()
}

/// The q of `ty/sub` under `ranges`, from the most specific matching range
/// (RFC 9110 §12.5.1), with that range's specificity (2 exact, 1 `ty/*`, 0 `*/*`).
fn quality(ranges: &[(String, String, f32)], ty: &str, sub: &str) -> Option<(f32, u8)> {
    ranges
        .iter()
        .filter_map(|(t, s, q)| match (t.as_str(), s.as_str()) {
            (a, b) if a == ty && b == sub => Some((*q, 2)),
            (a, "*") if a == ty => Some((*q, 1)),
            ("*", "*") => Some((*q, 0)),
            _ => None,
        })
        .max_by_key(|(_, spec)| *spec)
}

/// Negotiates the response media type from an `Accept` header.
pub fn negotiate(accept: Option<&str>) -> Negotiated {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Negotiated {
            media: Some(Media::Json),
            html: false,
        };
    };
    let r = ranges(accept);
    let grj = quality(&r, "application", "graphql-response+json").filter(|(q, _)| *q > 0.0);
    let json = quality(&r, "application", "json").filter(|(q, _)| *q > 0.0);
    let media = match (grj, json) {
        (None, None) => None,
        (Some(_), None) => Some(Media::GraphqlResponse),
        (None, Some(_)) => Some(Media::Json),
        (Some((qg, sg)), Some((qj, _))) => {
            if qg > qj || (qg == qj && sg == 2) {
                Some(Media::GraphqlResponse)
            } else {
                Some(Media::Json)
            }
        }
    };
    let best_json = grj.map_or(0.0, |g| g.0).max(json.map_or(0.0, |j| j.0));
    let html = quality(&r, "text", "html")
        .filter(|(_, spec)| *spec == 2)
        .is_some_and(|(q, _)| q > 0.0 && (q > best_json || media.is_none()));
    Negotiated { media, html }
}

/// A refusal before any GraphQL work, in the legacy media type (the
/// request may not have asked for ours).
fn http_error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(JSON))],
        json!({"errors": [{"message": message.into(), "extensions": {"code": code}}]}).to_string(),
    )
        .into_response()
}

/// The parameters of a GraphQL-over-HTTP request.
struct Params {
    query: String,
    operation_name: Option<String>,
    variables: Option<serde_json::Map<String, Value>>,
    extensions: Option<serde_json::Map<String, Value>>,
}

/// Reads the parameters from a JSON object; `Err` names what is wrong.
fn params_from_json(v: Value) -> Result<Params, String> {
    let Value::Object(mut m) = v else {
        return Err(match v {
            Value::Array(_) => "batched requests are not supported; send one request".into(),
            _ => "the body must be a JSON object with a `query`".into(),
        });
    };
    let query = match m.remove("query") {
        Some(Value::String(q)) => q,
        Some(_) => return Err("`query` must be a string".into()),
        None => return Err("`query` is missing".into()),
    };
    let operation_name = match m.remove("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => return Err("`operationName` must be a string".into()),
    };
    let map = |name: &str, v: Option<Value>| match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(_) => Err(format!("`{name}` must be a map")),
    };
    let variables = map("variables", m.remove("variables"))?;
    let extensions = map("extensions", m.remove("extensions"))?;
    Ok(Params {
        query,
        operation_name,
        variables,
        extensions,
    })
}

/// Reads the parameters from a URL query string (GET).
fn params_from_url(raw: Option<&str>) -> Result<Option<Params>, String> {
    let pairs: HashMap<String, String> = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let Some(query) = pairs.get("query").cloned() else {
        return Ok(None);
    };
    let json = |name: &str| -> Result<Option<serde_json::Map<String, Value>>, String> {
        match pairs.get(name).map(String::as_str) {
            None | Some("") => Ok(None),
            Some(text) => match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(o)) => Ok(Some(o)),
                Ok(Value::Null) => Ok(None),
                _ => Err(format!("`{name}` must be a JSON-encoded map")),
            },
        }
    };
    Ok(Some(Params {
        query,
        operation_name: pairs
            .get("operationName")
            .filter(|s| !s.is_empty())
            .cloned(),
        variables: json("variables")?,
        extensions: json("extensions")?,
    }))
}

/// Whether `content_type` is JSON we can read (UTF-8 or no charset).
fn json_content_type(content_type: &str) -> Result<(), String> {
    let mut parts = content_type.split(';');
    let essence = parts.next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case(JSON) {
        return Err(format!(
            "`Content-Type: {essence}` is not supported; send `Content-Type: application/json`"
        ));
    }
    for p in parts {
        if let Some((k, v)) = p.split_once('=')
            && k.trim().eq_ignore_ascii_case("charset")
            && !v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        {
            return Err(format!("charset {} is not supported; send UTF-8", v.trim()));
        }
    }
    Ok(())
}

/// `GET /graphql`: the API explorer for a browser, else a query from the URL.
pub(super) async fn get(
    State(s): State<AppState>,
    request_id: Option<Extension<RequestId>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let neg = negotiate(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()));
    let params = match params_from_url(raw.as_deref()) {
        Ok(p) => p,
        Err(msg) => return http_error(StatusCode::UNPROCESSABLE_ENTITY, "BAD_REQUEST", msg),
    };
    match params {
        None if neg.html || neg.media.is_none() => super::explorer::page(&s),
        None => http_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "BAD_REQUEST",
            "`query` is missing: pass it as a URL parameter, or POST the request",
        ),
        Some(p) => run(&s, request_id, &headers, neg, p, true).await,
    }
}

/// `POST /graphql`.
pub(super) async fn post(
    State(s): State<AppState>,
    request_id: Option<Extension<RequestId>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return http_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_REQUEST",
            "no Content-Type: send `Content-Type: application/json`",
        );
    };
    if let Err(msg) = json_content_type(ct) {
        return http_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "BAD_REQUEST", msg);
    }
    let neg = negotiate(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()));
    if neg.media.is_none() {
        return http_error(
            StatusCode::NOT_ACCEPTABLE,
            "BAD_REQUEST",
            "accept `application/graphql-response+json` or `application/json`",
        );
    }
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return http_error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                format!("the body is not JSON: {e}"),
            );
        }
    };
    match params_from_json(v) {
        Ok(p) => run(&s, request_id, &headers, neg, p, false).await,
        Err(msg) => http_error(StatusCode::UNPROCESSABLE_ENTITY, "BAD_REQUEST", msg),
    }
}

/// Authenticates, rate-limits and executes one request, and answers it.
async fn run(
    s: &AppState,
    request_id: Option<Extension<RequestId>>,
    headers: &HeaderMap,
    neg: Negotiated,
    p: Params,
    via_get: bool,
) -> Response {
    let media = match neg.media {
        Some(m) => m,
        None => {
            return http_error(
                StatusCode::NOT_ACCEPTABLE,
                "BAD_REQUEST",
                "accept `application/graphql-response+json` or `application/json`",
            );
        }
    };
    let request_id = request_id.map(|Extension(r)| r).unwrap_or_default();
    let auth = match headers.get(header::AUTHORIZATION).map(|v| v.to_str()) {
        None => None,
        Some(Ok(v)) => Some(v.to_owned()),
        Some(Err(_)) => Some(String::new()),
    };
    if let Some(refused) = super::limit::check(s, auth.as_deref()) {
        return refused;
    }
    let caller = match s.auth.authenticate(&s.db, auth.as_deref()).await {
        Ok(crate::access::Caller::User(p)) => crate::access::Caller::User(p),
        Ok(other) => {
            s.metrics.error("UNAUTHENTICATED");
            return super::unauthenticated(&other, media);
        }
        Err(e) => {
            tracing::error!(error = %e, "authentication failed on our side");
            s.metrics.error("INTERNAL");
            return answer(
                media,
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"errors": [{"message": "internal error", "extensions": {"code": "INTERNAL", "requestId": request_id.0}}]}),
                None,
            );
        }
    };
    let mut request = async_graphql::Request::new(p.query);
    if let Some(name) = p.operation_name {
        request = request.operation_name(name);
    }
    if let Some(v) = p.variables {
        request = request.variables(Variables::from_json(Value::Object(v)));
    }
    if let Some(ext) = p.extensions {
        for (k, v) in ext {
            if let Ok(v) = async_graphql::Value::from_json(v) {
                request.extensions.insert(k, v);
            }
        }
    }
    // Parsed here once (the schema reuses it) to label the metrics and to
    // refuse a mutation sent by GET; a document over the size or nesting
    // limit is left for the guard to refuse unparsed (the parser recurses).
    let parsable = request.query.len() <= s.max_query_bytes
        && crate::graphql::nesting::check(&request.query, crate::graphql::nesting::MAX_NESTING)
            .is_ok();
    let mut parse_failed = false;
    let op = if parsable {
        let name = request.operation_name.clone();
        match request.parsed_query() {
            Ok(doc) => {
                if via_get && is_mutation(doc, name.as_deref()) {
                    return (
                        StatusCode::METHOD_NOT_ALLOWED,
                        [
                            (header::ALLOW, HeaderValue::from_static("POST")),
                            (header::CONTENT_TYPE, HeaderValue::from_static(JSON)),
                        ],
                        json!({"errors": [{"message": "mutations are not run from GET; send them with POST", "extensions": {"code": "BAD_REQUEST"}}]}).to_string(),
                    )
                        .into_response();
                }
                Operation::of(doc, name.as_deref())
            }
            Err(_) => {
                parse_failed = true;
                Operation::invalid()
            }
        }
    } else {
        Operation::invalid()
    };
    let started = crate::graphql::started::Started::default();
    let request = request
        .data(caller)
        .data(request_id.clone())
        .data(started.clone());
    let at = std::time::Instant::now();
    let mut resp = crate::graphql::execute(&s.schema, &s.db, request).await;
    crate::graphql::errors::tag_internal(&mut resp.errors, &request_id.0);
    s.metrics.graphql(
        op,
        at.elapsed(),
        resp.errors.iter().map(|e| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .and_then(|v| match v {
                    async_graphql::Value::String(c) => Some(c.as_str()),
                    _ => None,
                })
        }),
    );
    respond(media, resp, started.get(), parse_failed)
}

fn is_mutation(doc: &async_graphql::parser::types::ExecutableDocument, name: Option<&str>) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => op.node.ty == OperationType::Mutation,
        (DocumentOperations::Multiple(ops), Some(n)) => ops
            .get(n)
            .is_some_and(|op| op.node.ty == OperationType::Mutation),
        // Ambiguous: validation refuses it, whatever the method.
        (DocumentOperations::Multiple(_), None) => false,
    }
}

/// The status of a response refused before execution, from its first error.
fn refusal_status(resp: &GqlResponse, parse_failed: bool) -> StatusCode {
    if parse_failed {
        return StatusCode::BAD_REQUEST;
    }
    let code = resp
        .errors
        .first()
        .and_then(|e| e.extensions.as_ref())
        .and_then(|x| x.get("code"))
        .map(|v| match v {
            async_graphql::Value::String(c) => c.clone(),
            _ => String::new(),
        })
        .unwrap_or_default();
    match code.as_str() {
        "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
        "FORBIDDEN" => StatusCode::FORBIDDEN,
        "CONFLICT" => StatusCode::CONFLICT,
        "INTERNAL" => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// Partial success: data and errors (the specification's `294`).
fn partial_success() -> StatusCode {
    StatusCode::from_u16(294).unwrap_or(StatusCode::OK)
}

fn respond(media: Media, resp: GqlResponse, started: bool, parse_failed: bool) -> Response {
    let headers = resp.http_headers.clone();
    if started {
        // Executed: the response as it is, serialised once.
        let status = if resp.errors.is_empty() || media == Media::Json {
            StatusCode::OK
        } else {
            partial_success()
        };
        let body = serde_json::to_string(&resp).unwrap_or_else(|_| "{}".into());
        return answer_text(media, status, body, Some(headers));
    }
    let mut body = serde_json::to_value(&resp).unwrap_or_else(|_| json!({}));
    let status = if !started {
        // Refused before execution: no `data` entry.
        if let Value::Object(m) = &mut body {
            m.remove("data");
        }
        refusal_status(&resp, parse_failed)
    } else if resp.errors.is_empty() {
        StatusCode::OK
    } else if media == Media::GraphqlResponse {
        partial_success()
    } else {
        StatusCode::OK
    };
    answer(media, status, body, Some(headers))
}

/// Writes a GraphQL response body in `media`, with `status`: a legacy client
/// gets `application/json` on a `2xx`, the GraphQL media type otherwise.
pub(super) fn answer(
    media: Media,
    status: StatusCode,
    body: Value,
    extra: Option<HeaderMap>,
) -> Response {
    answer_text(media, status, body.to_string(), extra)
}

/// [`answer`] with the body already serialised.
fn answer_text(
    media: Media,
    status: StatusCode,
    body: String,
    extra: Option<HeaderMap>,
) -> Response {
    let ct = if media == Media::Json && status.is_success() {
        "application/json; charset=utf-8"
    } else {
        "application/graphql-response+json; charset=utf-8"
    };
    let mut r = (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(ct))],
        body,
    )
        .into_response();
    if let Some(h) = extra {
        for (k, v) in h.iter() {
            r.headers_mut().insert(k.clone(), v.clone());
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(accept: Option<&str>) -> Option<Media> {
        negotiate(accept).media
    }

    #[test]
    fn the_accept_header_picks_the_media_type() {
        use Media::*;
        assert_eq!(media(Some(GRAPHQL_RESPONSE_JSON)), Some(GraphqlResponse));
        assert_eq!(media(Some("application/json")), Some(Json));
        assert_eq!(media(None), Some(Json));
        assert_eq!(media(Some("*/*")), Some(Json));
        assert_eq!(media(Some("application/*")), Some(Json));
        assert_eq!(
            media(Some(
                "application/graphql-response+json, application/json;q=0.9"
            )),
            Some(GraphqlResponse)
        );
        assert_eq!(
            media(Some(
                "application/json, application/graphql-response+json;q=0.5"
            )),
            Some(Json)
        );
        assert_eq!(
            media(Some("application/graphql-response+json;q=0, */*")),
            Some(Json)
        );
        assert_eq!(media(Some("text/html")), None);
        assert_eq!(media(Some("application/xml, text/plain;q=0.5")), None);
    }

    #[test]
    fn a_browser_prefers_html() {
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8";
        assert!(negotiate(Some(browser)).html);
        assert!(!negotiate(Some("application/json")).html);
        assert!(!negotiate(Some("*/*")).html);
        assert!(!negotiate(None).html);
    }

    #[test]
    fn request_parameters_are_checked_by_type() {
        assert!(params_from_json(json!({"query": "{ a }"})).is_ok());
        assert!(params_from_json(json!({"query": "{ a }", "variables": null, "operationName": null, "extensions": null})).is_ok());
        for bad in [
            json!({"notquery": "{ a }"}),
            json!({"query": {}}),
            json!({"query": 1}),
            json!({"query": true}),
            json!({"query": ["{ a }"]}),
            json!({"query": "{ a }", "operationName": 1}),
            json!({"query": "{ a }", "variables": "{}"}),
            json!({"query": "{ a }", "variables": [7]}),
            json!({"query": "{ a }", "extensions": "x"}),
            json!([{"query": "{ a }"}]),
            json!("{ a }"),
        ] {
            assert!(params_from_json(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_utf8_json_is_read() {
        assert!(json_content_type("application/json").is_ok());
        assert!(json_content_type("application/json; charset=utf-8").is_ok());
        assert!(json_content_type("Application/JSON; charset=\"UTF-8\"").is_ok());
        assert!(json_content_type("application/json; charset=latin1").is_err());
        assert!(json_content_type("text/plain").is_err());
        assert!(json_content_type("application/graphql").is_err());
    }
}
