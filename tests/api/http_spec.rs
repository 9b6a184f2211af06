//! GraphQL over HTTP as the specification says (media types, methods,
//! status codes, no `data` entry on request errors), checked with the
//! requests of the `graphql-http` audit suite; credentials and rate limits
//! as RFC 6750 and RFC 9110 say; null propagation after a field error.

use abutment_erp::{access::Role, config::ApiLimits};
use reqwest::{Client, RequestBuilder};
use serde_json::{Value, json};

use crate::{http::serve, support::TestApp};

const GRJ: &str = "application/graphql-response+json";

struct Answer {
    status: u16,
    content_type: String,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn send(req: RequestBuilder) -> Answer {
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = r.text().await.unwrap();
    Answer {
        status,
        content_type,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

struct Client2 {
    base: String,
    token: String,
    http: Client,
}

impl Client2 {
    async fn new(app: &TestApp) -> Self {
        Client2 {
            base: serve(app, ApiLimits::default()).await,
            token: app.user(Role::Admin).1.clone(),
            http: Client::new(),
        }
    }
    fn post(&self, accept: Option<&str>, body: Value) -> RequestBuilder {
        let mut r = self
            .http
            .post(format!("{}/graphql", self.base))
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(a) = accept {
            r = r.header("accept", a);
        }
        r
    }
    fn get(&self, accept: Option<&str>, params: &[(&str, &str)]) -> RequestBuilder {
        let mut r = self
            .http
            .get(format!("{}/graphql", self.base))
            .bearer_auth(&self.token)
            .query(params);
        if let Some(a) = accept {
            r = r.header("accept", a);
        }
        r
    }
}

#[tokio::test]
async fn over_http_the_accept_header_chooses_the_response_media_type() {
    let app = TestApp::empty().await;
    let c = Client2::new(&app).await;
    let q = json!({"query": "{ __typename }"});
    for (accept, media) in [
        (Some(GRJ), GRJ),
        (Some("application/json"), "application/json"),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            GRJ,
        ),
        (Some("*/*"), "application/json"),
        (None, "application/json"),
    ] {
        let a = send(c.post(accept, q.clone())).await;
        assert_eq!(a.status, 200, "{accept:?}: {}", a.body);
        assert!(
            a.content_type.starts_with(media) && a.content_type.contains("charset=utf-8"),
            "{accept:?}: {}",
            a.content_type
        );
        assert_eq!(a.body["data"]["__typename"], "QueryRoot");
    }
    let a = send(c.post(Some("text/html"), q)).await;
    assert_eq!(a.status, 406, "{}", a.body);
}

#[tokio::test]
async fn over_http_requests_refused_before_execution_get_4xx_and_no_data() {
    let app = TestApp::empty().await;
    let c = Client2::new(&app).await;
    for accept in [GRJ, "application/json"] {
        // Document parsing failure.
        let a = send(c.post(Some(accept), json!({"query": "{"}))).await;
        assert_eq!(a.status, 400, "{}", a.body);
        assert!(a.body.get("data").is_none(), "{}", a.body);
        assert!(a.content_type.starts_with(GRJ), "{}", a.content_type);
        // The audit suite's "unknown field" starts with a digit: it does not
        // parse, so it is a 400 too.
        let a = send(c.post(
            Some(accept),
            json!({"query": "{ 8f31403dfe404bccbb0e835f2629c6a7 }"}),
        ))
        .await;
        assert_eq!(a.status, 400, "{}", a.body);
        // Validation failure.
        let a = send(c.post(Some(accept), json!({"query": "{ noSuchField }"}))).await;
        assert_eq!(a.status, 422, "{}", a.body);
        assert!(a.body.get("data").is_none(), "{}", a.body);
        assert_eq!(
            a.body["errors"][0]["extensions"]["code"],
            "GRAPHQL_VALIDATION_FAILED"
        );
        // Variable coercion failure.
        let a = send(c.post(
            Some(accept),
            json!({"query": "query CoerceFailure($id: ID!){ __typename }", "variables": {"id": null}}),
        ))
        .await;
        assert_eq!(a.status, 422, "{}", a.body);
        assert!(a.body.get("data").is_none(), "{}", a.body);
        // Input checks of the service (a control character).
        let a = send(c.post(
            Some(accept),
            json!({"query": "query($s: String) { abutmentSkus(filter: {search: $s}) { totalCount } }", "variables": {"s": "a\u{7}b"}}),
        ))
        .await;
        assert_eq!(a.status, 422, "{}", a.body);
        assert!(a.body.get("data").is_none(), "{}", a.body);
    }
}

#[tokio::test]
async fn over_http_post_needs_a_json_content_type_and_a_well_formed_request() {
    let app = TestApp::empty().await;
    let c = Client2::new(&app).await;
    let url = format!("{}/graphql", c.base);
    let bare = || c.http.post(&url).bearer_auth(&c.token);
    let a = send(bare().body(r#"{"query":"{ __typename }"}"#)).await;
    assert_eq!(a.status, 415, "no content type: {}", a.body);
    let a = send(
        bare()
            .header("content-type", "text/plain")
            .body(r#"{"query":"{ __typename }"}"#),
    )
    .await;
    assert_eq!(a.status, 415);
    let a = send(
        bare()
            .header("content-type", "application/json; charset=utf-8")
            .body(r#"{"query":"{ __typename }"}"#),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = send(
        bare()
            .header("content-type", "application/json")
            .body(r#"{ "not a JSON"#),
    )
    .await;
    assert_eq!(a.status, 400, "{}", a.body);
    let a = send(bare().header("content-type", "application/json")).await;
    assert_eq!(a.status, 400, "no body: {}", a.body);
    for body in [
        json!({"notquery": "{ __typename }"}),
        json!({"query": {}}),
        json!({"query": 1}),
        json!({"query": "{ __typename }", "operationName": 7}),
        json!({"query": "{ __typename }", "variables": [7]}),
        json!({"query": "{ __typename }", "extensions": "x"}),
        json!([{"query": "{ __typename }"}]),
    ] {
        let a = send(c.post(Some(GRJ), body.clone())).await;
        assert_eq!(a.status, 422, "{body}: {}", a.body);
    }
    // Null optional parameters and a map of extensions are fine.
    let a = send(c.post(
        Some(GRJ),
        json!({"query": "query Q { __typename }", "operationName": "Q", "variables": null, "extensions": {"x": 1}}),
    ))
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
}

#[tokio::test]
async fn over_http_get_runs_queries_never_mutations_and_gives_browsers_the_explorer() {
    let app = TestApp::new().await;
    let c = Client2::new(&app).await;
    let a = send(c.get(
        Some(GRJ),
        &[
            (
                "query",
                "query($s: String) { abutmentSkus(filter: {search: $s}) { totalCount } }",
            ),
            ("variables", r#"{"s": "AB-ST-NBA"}"#),
        ],
    ))
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.content_type.starts_with(GRJ));
    assert!(
        a.body["data"]["abutmentSkus"]["totalCount"]
            .as_i64()
            .unwrap()
            > 0
    );
    let a = send(c.get(Some("application/json"), &[("query", "{ __typename }")])).await;
    assert_eq!(
        (a.status, a.body["data"]["__typename"].as_str()),
        (200, Some("QueryRoot"))
    );
    let movements = app.count("stock_movement").await;
    for accept in [GRJ, "application/json"] {
        let a = send(c.get(
            Some(accept),
            &[("query", r#"mutation { setReorderPoint(articleNumber: "AB-ST-NBA-NP-E-15", reorderPoint: 3) { userErrors { message } } }"#)],
        ))
        .await;
        assert_eq!(a.status, 405, "{}", a.body);
        assert_eq!(a.headers["allow"], "POST");
    }
    assert_eq!(app.count("stock_movement").await, movements);
    let a = send(c.get(
        Some(GRJ),
        &[("query", "{ __typename }"), ("variables", "[1]")],
    ))
    .await;
    assert_eq!(a.status, 422, "{}", a.body);
    let a = send(c.get(Some(GRJ), &[])).await;
    assert_eq!(a.status, 422, "no query: {}", a.body);
    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let a = send(
        c.http
            .get(format!("{}/graphql", c.base))
            .header("accept", browser),
    )
    .await;
    assert_eq!(a.status, 200);
    assert!(
        a.content_type.starts_with("text/html"),
        "{}",
        a.content_type
    );
}

#[tokio::test]
async fn over_http_missing_or_bad_credentials_are_401_with_a_bearer_challenge() {
    let app = TestApp::empty().await;
    let c = Client2::new(&app).await;
    let url = format!("{}/graphql", c.base);
    let body = r#"{"query":"{ __typename }"}"#;
    let post = || {
        c.http
            .post(&url)
            .header("content-type", "application/json")
            .header("accept", GRJ)
            .body(body)
    };
    let a = send(post()).await;
    assert_eq!(a.status, 401, "{}", a.body);
    assert_eq!(
        a.headers["www-authenticate"],
        "Bearer realm=\"abutment-erp\""
    );
    assert_eq!(a.body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert!(a.body.get("data").is_none());
    let a = send(post().bearer_auth("abt_nope")).await;
    assert_eq!(a.status, 401);
    assert!(
        a.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("error=\"invalid_token\""),
        "{:?}",
        a.headers
    );
    // Anonymous callers learn nothing about the schema, by GET either.
    let a = send(
        c.http
            .get(&url)
            .query(&[("query", "{ __schema { types { name } } }")]),
    )
    .await;
    assert_eq!(a.status, 401, "{}", a.body);
    assert!(!a.body.to_string().contains("QueryRoot"));
    let a = send(c.http.get(format!("{}/export/stock.csv", c.base))).await;
    assert_eq!(a.status, 401);
    assert!(a.headers.contains_key("www-authenticate"));
}

#[tokio::test]
async fn over_http_a_token_over_its_rate_gets_429_with_retry_after_and_ratelimit_fields() {
    let app = TestApp::empty().await;
    let base = serve(
        &app,
        ApiLimits {
            rate_limit_per_second: 1,
            rate_limit_burst: 2,
            ..ApiLimits::default()
        },
    )
    .await;
    let token = app.user(Role::Sales).1.clone();
    let mut last = None;
    for _ in 0..4 {
        let a = send(
            Client::new()
                .post(format!("{base}/graphql"))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(r#"{"query":"{ me { name } }"}"#),
        )
        .await;
        last = Some(a);
    }
    let a = last.unwrap();
    assert_eq!(a.status, 429, "{}", a.body);
    let retry: u64 = a.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    assert_eq!(a.headers["ratelimit-policy"], "\"token\";q=2;w=2");
    assert!(
        a.headers["ratelimit"]
            .to_str()
            .unwrap()
            .starts_with("\"token\";r=0;t="),
        "{:?}",
        a.headers
    );
    assert_eq!(a.body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
}

#[tokio::test]
async fn a_failing_non_null_root_field_nulls_data_and_a_nullable_one_keeps_its_key() {
    let app = TestApp::new().await;
    let c = Client2::new(&app).await;
    // `lot` is `Lot!`: its null propagates to `data`.
    let a = send(c.post(
        Some(GRJ),
        json!({"query": r#"{ a: lot(lotNumber: "NOPE") { id } b: manufacturers { totalCount } }"#}),
    ))
    .await;
    assert_eq!(a.status, 294, "partial success: {}", a.body);
    assert_eq!(a.body["data"], Value::Null, "{}", a.body);
    assert_eq!(a.body["errors"][0]["path"], json!(["a"]));
    // `node` is nullable: `a` is null, `b` is there.
    let a = send(c.post(
        Some("application/json"),
        json!({"query": r#"{ a: node(id: "bm9wZQ") { id } b: manufacturers { totalCount } }"#}),
    ))
    .await;
    assert_eq!(a.status, 200, "a legacy client gets 200: {}", a.body);
    assert_eq!(a.body["data"]["a"], Value::Null, "{}", a.body);
    assert!(a.body["data"].as_object().unwrap().contains_key("a"));
    assert!(a.body["data"]["b"]["totalCount"].as_i64().unwrap() > 0);
    // Through the schema, the same.
    let r = app
        .run(
            r#"{ b: manufacturers { totalCount } a: abutmentSku(articleNumber: "NOPE") { name } }"#,
            json!({}),
        )
        .await;
    assert_eq!(r["data"], Value::Null, "{r}");
}

#[tokio::test]
async fn the_caller_s_request_id_is_kept_and_a_forged_one_replaced() {
    let app = TestApp::empty().await;
    let c = Client2::new(&app).await;
    let a = send(
        c.post(Some(GRJ), json!({"query": "{ __typename }"}))
            .header("x-request-id", "lb-7f3a9c.1"),
    )
    .await;
    assert_eq!(a.headers["x-request-id"], "lb-7f3a9c.1");
    let a = send(
        c.post(Some(GRJ), json!({"query": "{ __typename }"}))
            .header("x-request-id", "x\" forged=1"),
    )
    .await;
    let id = a.headers["x-request-id"].to_str().unwrap();
    assert!(
        id.len() == 16 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "{id}"
    );
}

#[tokio::test]
async fn liveness_is_the_process_and_readiness_the_database() {
    let app = TestApp::empty().await;
    let base = serve(&app, ApiLimits::default()).await;
    for path in ["/livez", "/readyz", "/health"] {
        let a = send(Client::new().get(format!("{base}{path}"))).await;
        assert_eq!((a.status, &a.body["status"]), (200, &json!("ok")), "{path}");
    }
    let a = send(Client::new().get(format!("{base}/readyz"))).await;
    assert_eq!(a.body["database"], "ok");
    app.db.clone().close().await.unwrap();
    let a = send(Client::new().get(format!("{base}/readyz"))).await;
    assert_eq!(a.status, 503, "{}", a.body);
    let a = send(Client::new().get(format!("{base}/livez"))).await;
    assert_eq!(a.status, 200);
}
