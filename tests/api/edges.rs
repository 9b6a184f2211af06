//! Trust at the edges: documents that would crash the parser, what an
//! anonymous caller may learn, and the shape of internal errors.

use abutment_erp::{access::Role, config::ApiLimits};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::{
    http::{post, serve},
    support::TestApp,
};

fn nested(depth: usize, open: &str, close: &str, inner: &str) -> String {
    format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
}

#[tokio::test]
async fn an_anonymous_deeply_nested_argument_is_refused_and_the_server_lives() {
    let app = TestApp::new().await;
    let base = serve(&app, ApiLimits::default()).await;
    let sales = format!("Bearer {}", app.user(Role::Sales).1);
    // The 4 kB document of the report, in three argument positions.
    for doc in [
        format!(
            "{{ scan(code: {}) {{ gtin }} }}",
            nested(2000, "[", "]", "\"x\"")
        ),
        format!(
            "{{ compatibleAbutments(system: \"x\", platform: \"y\", filter: {}) {{ totalCount }} }}",
            nested(2000, "{a: ", "}", "1")
        ),
        format!(
            "query($v: Int = {}) {{ __typename }}",
            nested(3000, "[", "]", "1")
        ),
        nested(3000, "{ a ", "}", ""),
    ] {
        // Anonymous: refused before the document is read at all.
        let (status, v) = post(&base, None, json!({ "query": doc })).await;
        assert_eq!(status, 401, "{v}");
        assert_eq!(v["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
        {
            let auth = Some(sales.as_str());
            let (status, v) = post(&base, auth, json!({ "query": doc })).await;
            assert_eq!(status, 422, "{v}");
            assert_eq!(
                v["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
                "{v}"
            );
            assert!(
                v["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains("nests brackets more than"),
                "{v}"
            );
        }
    }
    // Still serving.
    let (_, v) = post(
        &base,
        Some(&sales),
        json!({"query": "{ manufacturers { totalCount } }"}),
    )
    .await;
    assert!(
        v["data"]["manufacturers"]["totalCount"].as_i64().unwrap() > 0,
        "{v}"
    );
}

#[tokio::test]
async fn deeply_nested_variables_are_refused_without_a_crash() {
    let app = TestApp::new().await;
    let base = serve(&app, ApiLimits::default()).await;
    let sales = format!("Bearer {}", app.user(Role::Sales).1);
    let mut deep = json!("x");
    for _ in 0..100 {
        deep = json!([deep]);
    }
    // serde_json's own limit (128) refuses deeper JSON before any of ours.
    let body = format!(
        "{{\"query\":\"query($c: String!) {{ scan(code: $c) {{ gtin }} }}\",\"variables\":{{\"c\":{}}}}}",
        nested(5000, "[", "]", "1")
    );
    let resp = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .header("authorization", &sales)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_client_error(), "{}", resp.status());
    let (status, v) = post(
        &base,
        Some(&sales),
        json!({"query": "query($c: String!) { scan(code: $c) { gtin } }", "variables": {"c": deep}}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        v["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{v}"
    );
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("\"code\""),
        "{v}"
    );
}

#[tokio::test]
async fn anonymous_callers_learn_no_field_names_from_any_document_shape() {
    let app = TestApp::new().await;
    for (doc, op) in [
        (
            "query A { manufacturrs { id } } query B { lotz { id } }",
            None,
        ),
        (
            "query A { manufacturrs { id } } query B { lotz { id } }",
            Some("C"),
        ),
        ("query A { manufacturrs { id } }", Some("B")),
        ("{ manufacturrs { id } }", None),
        ("mutation { receiveFinishedLott { id } }", None),
        ("{ __schema { types { name } } }", None),
        ("{ __type(name: \"Lot\") { fields { name } } }", None),
    ] {
        let mut req = async_graphql::Request::new(doc);
        if let Some(op) = op {
            req = req.operation_name(op);
        }
        let req = req.data(abutment_erp::access::Caller::Anonymous);
        let resp = abutment_erp::graphql::execute(&app.schema, &app.db, req).await;
        let v = serde_json::to_value(&resp).unwrap();
        let errors = v["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{doc}: {v}");
        assert_eq!(
            errors[0]["extensions"]["code"], "UNAUTHENTICATED",
            "{doc}: {v}"
        );
        let text = v.to_string();
        for leak in [
            "Did you mean",
            "manufacturers",
            "lots",
            "Unknown",
            "__schema",
        ] {
            assert!(!text.contains(leak), "{doc} leaks `{leak}`: {v}");
        }
        assert!(v["data"].is_null(), "{v}");
    }
    // Signed in, the same mistake gets its suggestion.
    let v = app
        .run_as(
            Some(Role::Sales),
            "{ manufacturers { totalCont } }",
            json!({}),
        )
        .await;
    assert!(v.to_string().contains("Did you mean"), "{v}");
}

#[tokio::test]
async fn an_internal_error_carries_the_request_id_of_its_log_lines() {
    let app = TestApp::new().await;
    let base = serve(&app, ApiLimits::default()).await;
    // A store that fails underneath the service.
    sea_orm::ConnectionTrait::execute_unprepared(
        &app.db,
        "ALTER TABLE clinic RENAME COLUMN code TO code_gone",
    )
    .await
    .unwrap();
    let resp = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(&app.user(Role::Sales).1)
        .json(&json!({"query": "{ clinics { edges { node { code } } } }"}))
        .send()
        .await
        .unwrap();
    let header = resp
        .headers()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let v: Value = resp.json().await.unwrap();
    let e = &v["errors"][0];
    assert_eq!(e["extensions"]["code"], "INTERNAL", "{v}");
    assert_eq!(e["message"], "internal error", "{v}");
    assert_eq!(e["extensions"]["requestId"], header.as_str(), "{v}");
    // Through the schema with a request id in its data, too.
    let req = async_graphql::Request::new("{ clinics { edges { node { code } } } }")
        .data(abutment_erp::access::Caller::User(
            app.user(Role::Sales).0.clone(),
        ))
        .data(abutment_erp::access::RequestId("r-1".into()));
    let v = serde_json::to_value(abutment_erp::graphql::execute(&app.schema, &app.db, req).await)
        .unwrap();
    assert_eq!(v["errors"][0]["extensions"]["requestId"], "r-1", "{v}");
}

/// Tokens that documents are made of: brackets, names of real fields and
/// arguments, literals, variables, directives, fragments, junk.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "{", "}", "[", "]", "(", ")", ":", ",", "...", "@skip(if: true)", "$v", "=",
            "query", "mutation", "fragment F on Query", "on", "scan", "code", "gtin",
            "compatibleAbutments", "system", "platform", "first", "filter", "types",
            "edges", "node", "lot", "lots", "__typename", "__schema", "__type", "Int!",
            "String", "[String!]!", "receiveFinishedLot", "input", "quantity", "null",
            "true", "-0", "1e999", "2147483648", "\"\"\"", "#", "\n", "\u{0}", "\\",
        ]).prop_map(str::to_owned),
        1 => "\"[^\"\\\\]{0,12}\"",
        1 => "[a-zA-Z_][a-zA-Z0-9_]{0,8}",
        1 => any::<char>().prop_map(|c| c.to_string()),
    ]
}

fn document() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(token(), 0..80).prop_map(|t| t.join(" ")),
        1 => (0usize..4000, prop::sample::select(vec![("[", "]"), ("{a:", "}"), ("{ a ", "}"), ("(", ")")]))
            .prop_map(|(d, (o, c))| format!("{{ scan(code: {}) {{ gtin }} }}", nested(d, o, c, "1"))),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(8, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::hash_map("[a-z]{1,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn no_document_or_variables_make_the_request_path_panic() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let app = rt.block_on(TestApp::new());
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases: 300,
        failure_persistence: None,
        ..Default::default()
    });
    runner
        .run(
            &(document(), json_value(), any::<bool>()),
            |(doc, vars, signed_in)| {
                let caller = if signed_in {
                    abutment_erp::access::Caller::User(app.user(Role::Admin).0.clone())
                } else {
                    abutment_erp::access::Caller::Anonymous
                };
                let req = async_graphql::Request::new(doc)
                    .variables(async_graphql::Variables::from_json(vars))
                    .data(caller);
                let resp = rt.block_on(abutment_erp::graphql::execute(&app.schema, &app.db, req));
                // Every error has a code: nothing escapes unshaped.
                for e in &resp.errors {
                    prop_assert!(
                        e.extensions
                            .as_ref()
                            .is_some_and(|x| x.get("code").is_some()),
                        "{e:?}"
                    );
                }
                prop_assert!(serde_json::to_value(&resp).is_ok());
                Ok(())
            },
        )
        .unwrap();
}

const RECEIVE: &str = "mutation($i: ReceiveFinishedLotInput!) { receiveFinishedLot(input: $i) { lot { id } userErrors { field message } } }";

fn receipt(overrides: Value) -> Value {
    let mut i = json!({
        "articleNumber": "AB-ST-NBA-NP-E-15", "lotNumber": "L-EDGE-1", "quantity": 5,
        "location": "MAIN/RECV/DOCK-1", "productionDate": "2026-01-15", "reference": "PO-1"
    });
    for (k, v) in overrides.as_object().unwrap() {
        i[k] = v.clone();
    }
    json!({ "i": i })
}

/// The one error of a refused request: (code, field, message).
fn refusal(v: &Value) -> (String, String, String) {
    let errors = v["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {v}"));
    let e = &errors[0];
    (
        e["extensions"]["code"].as_str().unwrap_or("").to_owned(),
        e["extensions"]["field"].as_str().unwrap_or("").to_owned(),
        e["message"].as_str().unwrap_or("").to_owned(),
    )
}

#[tokio::test]
async fn a_control_character_in_any_text_is_refused_naming_the_field_and_nothing_is_stored() {
    let app = TestApp::new().await;
    let lots = app.count("lot").await;
    for (field, value) in [
        ("reference", "PO\u{0}1"),
        ("lotNumber", "L\u{0}"),
        ("location", "MAIN/RECV/DOCK-1\u{7}"),
        ("reference", "PO-1\nPO-2"),
        ("reference", "PO-\u{9b}1"),
    ] {
        let v = app
            .run_as(
                Some(Role::Warehouse),
                RECEIVE,
                receipt(json!({ field: value })),
            )
            .await;
        let (code, f, msg) = refusal(&v);
        assert_eq!(code, "BAD_USER_INPUT", "{v}");
        assert_eq!(f, format!("input.{field}"), "{v}");
        assert!(msg.contains("control character U+"), "{msg}");
    }
    // In a literal argument, and in a list element.
    let v = app
        .run_as(Some(Role::Sales), "{ compatibleAbutments(system: \"Nobel\\u0000Active\", platform: \"NP\") { totalCount } }", json!({}))
        .await;
    assert_eq!(refusal(&v).1, "system", "{v}");
    assert_eq!(app.count("lot").await, lots);
    // A field documented to take several lines takes them.
    let r = app
        .data(
            "mutation($i: CreateMachineInput!) { createMachine(input: $i) { machine { notes } userErrors { message } } }",
            json!({"i": {"code": "MILL-EDGE", "name": "Edge mill", "kind": "MILL_5_AXIS", "materials": ["TI_6AL_4V_ELI"],
                          "timeZone": "Europe/Zurich", "notes": "line one\nline two\ttabbed"}}),
        )
        .await;
    assert_eq!(
        r["createMachine"]["machine"]["notes"], "line one\nline two\ttabbed",
        "{r}"
    );
    let v = app
        .run(
            "mutation($i: CreateMachineInput!) { createMachine(input: $i) { machine { id } } }",
            json!({"i": {"code": "MILL-EDGE-2", "name": "Edge mill", "kind": "MILL_5_AXIS", "materials": ["TI_6AL_4V_ELI"],
                          "timeZone": "Europe/Zurich", "notes": "nul \u{0} here"}}),
        )
        .await;
    assert_eq!(refusal(&v).1, "input.notes", "{v}");
    // The scanner's group separator is text a scan may carry.
    let v = app
        .run_as(
            Some(Role::Warehouse),
            "query($c: String!) { scan(code: $c) { gtin } }",
            json!({"c": "]d2010952481710133617290531\u{1d}10L24A017"}),
        )
        .await;
    assert_ne!(refusal_or_ok(&v), "BAD_USER_INPUT", "{v}");
}

fn refusal_or_ok(v: &Value) -> String {
    v["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("OK")
        .to_owned()
}

#[tokio::test]
async fn scalar_parse_failures_name_the_argument_path() {
    let app = TestApp::new().await;
    let lots = app.count("lot").await;
    for (overrides, field, text) in [
        (
            json!({"productionDate": "2026-02-30"}),
            "input.productionDate",
            "is not a date",
        ),
        (
            json!({"productionDate": "30.01.2026"}),
            "input.productionDate",
            "YYYY-MM-DD",
        ),
        (
            json!({"quantity": 2147483648u64}),
            "input.quantity",
            "32-bit",
        ),
        (
            json!({"quantity": -2147483649i64}),
            "input.quantity",
            "32-bit",
        ),
    ] {
        let v = app
            .run_as(Some(Role::Warehouse), RECEIVE, receipt(overrides))
            .await;
        let (code, f, msg) = refusal(&v);
        assert_eq!(
            (code.as_str(), f.as_str()),
            ("BAD_USER_INPUT", field),
            "{v}"
        );
        assert!(msg.contains(text), "{msg}");
    }
    // Literal arguments, nested input objects and other scalars.
    let literal = "mutation { receiveFinishedLot(input: { articleNumber: \"AB-ST-NBA-NP-E-15\", lotNumber: \"L9\", quantity: 2, location: \"MAIN/RECV/DOCK-1\", productionDate: \"2026-02-30\", reference: \"x\" }) { lot { id } } }";
    let v = app.run_as(Some(Role::Warehouse), literal, json!({})).await;
    assert_eq!(refusal(&v).1, "input.productionDate", "{v}");
    let v = app
        .run_as(
            Some(Role::Sales),
            "{ compatibleAbutments(system: \"NobelActive\", platform: \"NP\", filter: { gingivalHeightMin: \"abc\" }) { totalCount } }",
            json!({}),
        )
        .await;
    let (code, f, msg) = refusal(&v);
    assert_eq!(
        (code.as_str(), f.as_str()),
        ("BAD_USER_INPUT", "filter.gingivalHeightMin"),
        "{v}"
    );
    assert!(msg.contains("not a decimal"), "{msg}");
    let m = app
        .data("{ machines { edges { node { id } } } }", json!({}))
        .await["machines"]["edges"][0]["node"]["id"]
        .clone();
    let v = app
        .run_as(
            Some(Role::Planner),
            "mutation($i: AddDowntimeInput!) { addMachineDowntime(input: $i) { userErrors { message } } }",
            json!({"i": {"machineId": m, "startsAt": "2026-13-01T00:00:00Z", "endsAt": "2026-12-02T00:00:00Z", "kind": "BREAKDOWN", "reason": "service"}}),
        )
        .await;
    let (code, f, msg) = refusal(&v);
    assert_eq!(
        (code.as_str(), f.as_str()),
        ("BAD_USER_INPUT", "input.startsAt"),
        "{v}"
    );
    assert!(msg.contains("RFC 3339"), "{msg}");
    assert_eq!(app.count("lot").await, lots);
}

#[tokio::test]
async fn blank_required_text_and_text_over_its_maximum_are_refused() {
    let app = TestApp::new().await;
    let lots = app.count("lot").await;
    for (overrides, field, text) in [
        (
            json!({"reference": "   "}),
            "input.reference",
            "empty or blank",
        ),
        (
            json!({"reference": ""}),
            "input.reference",
            "empty or blank",
        ),
        (json!({"location": " "}), "input.location", "empty or blank"),
        (
            json!({"reference": "R".repeat(201)}),
            "input.reference",
            "at most 200",
        ),
    ] {
        let v = app
            .run_as(Some(Role::Warehouse), RECEIVE, receipt(overrides))
            .await;
        let (code, f, msg) = refusal(&v);
        assert_eq!(
            (code.as_str(), f.as_str()),
            ("BAD_USER_INPUT", field),
            "{v}"
        );
        assert!(msg.contains(text), "{msg}");
    }
    // A documented maximum of its own.
    let v = app
        .run_as(
            Some(Role::Warehouse),
            "mutation($i: ScrapStockInput!) { scrapStock(input: $i) { userErrors { message } } }",
            json!({"i": {"lotId": "TG90OjE", "location": "MAIN/STOCK/A-01", "quantity": 1, "reason": "x".repeat(2001)}}),
        )
        .await;
    let (_, f, msg) = refusal(&v);
    assert_eq!(f, "input.reason", "{v}");
    assert!(msg.contains("at most 2000"), "{msg}");
    // Names of tokens and locations, and the fields of a bar receipt.
    let v = app
        .run_as(
            Some(Role::Admin),
            "mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { token } }",
            json!({"i": {"userId": "VXNlcjox", "name": " "}}),
        )
        .await;
    assert_eq!(refusal(&v).0, "BAD_USER_INPUT", "{v}");
    assert_eq!(app.count("lot").await, lots);
}

#[tokio::test]
async fn each_kind_of_quantity_has_one_range_in_graphql_and_csv() {
    let app = TestApp::new().await;
    let lots = app.count("lot").await;
    let ue = |v: &Value, key: &str| {
        let e = &v["data"][key]["userErrors"][0];
        (
            e["field"]
                .as_array()
                .map(|f| {
                    f.iter()
                        .map(|s| s.as_str().unwrap())
                        .collect::<Vec<_>>()
                        .join(".")
                })
                .unwrap_or_default(),
            e["message"].as_str().unwrap_or("").to_owned(),
        )
    };
    let v = app
        .run_as(
            Some(Role::Warehouse),
            RECEIVE,
            receipt(json!({"quantity": 10_000_001})),
        )
        .await;
    let (field, msg) = ue(&v, "receiveFinishedLot");
    assert_eq!(field, "input.quantity", "{v}");
    assert_eq!(
        msg,
        "input.quantity: must be 1–10000000 units, got 10000001"
    );
    // The stock CSV says the same of the same value.
    let csv = "article_number,lot_number,quantity,location,production_date\nAB-ST-NBA-NP-E-15,L-EDGE-9,10000001,MAIN/RECV/DOCK-1,2026-01-15\n";
    let v = app
        .run_as(
            Some(Role::Warehouse),
            "mutation($csv: String!) { importStockCsv(csv: $csv) { userErrors { line field message } } }",
            json!({"csv": csv}),
        )
        .await;
    let e = &v["data"]["importStockCsv"]["userErrors"][0];
    assert_eq!(e["line"], 2, "{v}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("must be 1–10000000 units, got 10000001"),
        "{v}"
    );
    let v = app
        .run_as(
            Some(Role::Warehouse),
            "mutation($i: ReceiveBarLotInput!) { receiveBarLot(input: $i) { userErrors { field message } } }",
            json!({"i": {"barLengthMm": 3000, "bars": 10001, "certificateRef": "C-1", "certificateType": "3.1",
                         "diameterMm": "12", "grade": "TI_6AL_4V_ELI", "heatNumber": "H-EDGE", "location": "MAIN/RAW/BAR-1", "reference": "PO-9",
                         "lotNumber": "B-EDGE", "mill": "Mill", "standard": "ASTM F136"}}),
        )
        .await;
    let (field, msg) = ue(&v, "receiveBarLot");
    assert_eq!(field, "input.bars", "{v}");
    assert!(msg.contains("1–10000 bars"), "{msg}");
    let v = app
        .run_as(
            Some(Role::Warehouse),
            "mutation($a: String!, $p: Int) { setReorderPoint(input: {articleNumber: $a, reorderPoint: $p}) { userErrors { field message } } }",
            json!({"a": "AB-ST-NBA-NP-E-15", "p": 1_000_001}),
        )
        .await;
    assert_eq!(ue(&v, "setReorderPoint").0, "input.reorderPoint", "{v}");
    assert_eq!(app.count("lot").await, lots);
}

#[tokio::test]
async fn conflicting_platform_identifiers_are_refused_not_silently_resolved() {
    let app = TestApp::new().await;
    let d = app
        .data(
            r#"{ compatibleAbutments(system: "NobelActive", platform: "NP", first: 1) { platform { id } } }"#,
            json!({}),
        )
        .await;
    let np = d["compatibleAbutments"]["platform"]["id"].clone();
    let cases = app.count("clinical_case").await;
    let create = r#"mutation($input: CreateCaseInput!) { createCase(input: $input) { case { id } userErrors { field message } } }"#;
    let mut input = json!({"clinic": "ZH-SMILE", "orderReference": "ORD-EDGE-1", "patientPseudonym": "P-0001",
        "tooth": 36, "platformId": np, "restoration": "SINGLE_CROWN", "abutmentType": "STRAIGHT",
        "gingivalHeightMm": "2.5", "dueAt": (chrono::Utc::now() + chrono::Duration::days(9)).to_rfc3339()});
    for (names, word) in [
        (
            json!({"system": "NobelActive", "platform": "RP"}),
            "platform `RP`",
        ),
        (
            json!({"system": "Bone Level", "platform": "NP"}),
            "system `Bone Level`",
        ),
        (
            json!({"system": "NobelActive", "platform": "NP", "manufacturer": "Straumann"}),
            "manufacturer `Straumann`",
        ),
    ] {
        for (k, v) in names.as_object().unwrap() {
            input[k] = v.clone();
        }
        let v = app
            .run_as(Some(Role::Sales), create, json!({ "input": input.clone() }))
            .await;
        let e = &v["data"]["createCase"]["userErrors"][0];
        assert_eq!(e["field"], json!(["input", "platform"]), "{v}");
        assert!(e["message"].as_str().unwrap().contains(word), "{v}");
        input.as_object_mut().unwrap().remove("manufacturer");
    }
    assert_eq!(app.count("clinical_case").await, cases);
    // The same names in agreement are fine.
    input["system"] = json!("nobelactive");
    input["platform"] = json!("np");
    let v = app
        .run_as(Some(Role::Sales), create, json!({ "input": input }))
        .await;
    assert!(v["data"]["createCase"]["case"]["id"].is_string(), "{v}");
    // The lookup applies the same rule.
    let v = app
        .run_as(
            Some(Role::Sales),
            "query($p: ID!) { compatibleAbutments(platformId: $p, system: \"NobelActive\", platform: \"WP\") { totalCount } }",
            json!({ "p": np }),
        )
        .await;
    assert!(v.to_string().contains("make them agree"), "{v}");
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_demoted_or_deactivated() {
    let app = TestApp::empty().await;
    let update = r#"mutation($i: UpdateUserInput!) { updateUser(input: $i) { user { roles active } userErrors { code message } } }"#;
    let users = crate::support::flat(
        &app.data(
            "{ users { edges { node { id name roles active } } } }",
            json!({}),
        )
        .await,
    );
    let admin = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "test-admin")
        .unwrap()["id"]
        .clone();
    for change in [json!({"roles": ["SALES"]}), json!({"active": false})] {
        let mut i = change.clone();
        i["userId"] = admin.clone();
        let v = app.data(update, json!({ "i": i })).await;
        let e = &v["updateUser"]["userErrors"][0];
        assert_eq!(e["code"], "CONFLICT", "{v}");
        assert!(
            e["message"].as_str().unwrap().contains("last active ADMIN"),
            "{v}"
        );
    }
    let v = app
        .data(
            "{ users { edges { node { name roles active } } } }",
            json!({}),
        )
        .await;
    assert!(v.to_string().contains("\"ADMIN\""), "{v}");
    // With a second admin, one of them may step down.
    let sales = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "test-sales")
        .unwrap()["id"]
        .clone();
    let v = app
        .data(
            update,
            json!({"i": {"userId": sales, "roles": ["ADMIN", "SALES"]}}),
        )
        .await;
    assert!(
        v["updateUser"]["userErrors"].as_array().unwrap().is_empty(),
        "{v}"
    );
    let v = app
        .data(update, json!({"i": {"userId": admin, "active": false}}))
        .await;
    assert_eq!(v["updateUser"]["user"]["active"], false, "{v}");
    let v = app
        .data(update, json!({"i": {"userId": sales, "roles": ["SALES"]}}))
        .await;
    assert_eq!(v["updateUser"]["userErrors"][0]["code"], "CONFLICT", "{v}");
}

#[tokio::test]
async fn a_future_production_date_and_a_past_job_due_date_are_refused() {
    let app = TestApp::new().await;
    let lots = app.count("lot").await;
    let tomorrow2 = (chrono::Utc::now() + chrono::Duration::days(2))
        .date_naive()
        .to_string();
    let v = app
        .run_as(
            Some(Role::Warehouse),
            RECEIVE,
            receipt(json!({"productionDate": tomorrow2})),
        )
        .await;
    let e = &v["data"]["receiveFinishedLot"]["userErrors"][0];
    assert_eq!(e["field"], json!(["input", "productionDate"]), "{v}");
    assert!(
        e["message"].as_str().unwrap().contains("in the future"),
        "{v}"
    );
    let csv = format!(
        "article_number,lot_number,quantity,location,production_date\nAB-ST-NBA-NP-E-15,L-EDGE-F,3,MAIN/RECV/DOCK-1,{tomorrow2}\n"
    );
    let v = app
        .run_as(
            Some(Role::Warehouse),
            "mutation($csv: String!) { importStockCsv(csv: $csv) { userErrors { line message } } }",
            json!({ "csv": csv }),
        )
        .await;
    assert!(v.to_string().contains("in the future"), "{v}");
    assert_eq!(app.count("lot").await, lots);
    let jobs = app.count("production_job").await;
    let v = app
        .run_as(
            Some(Role::Planner),
            "mutation($i: CreateJobInput!) { createProductionJob(input: $i) { job { id } userErrors { field message } } }",
            json!({"i": {"kind": "STOCK", "articleNumber": "AB-ST-NBA-NP-E-15", "quantity": 10, "dueAt": "2001-01-01T00:00:00Z"}}),
        )
        .await;
    let e = &v["data"]["createProductionJob"]["userErrors"][0];
    assert_eq!(e["field"], json!(["input", "dueAt"]), "{v}");
    assert!(
        e["message"].as_str().unwrap().contains("in the past"),
        "{v}"
    );
    assert_eq!(app.count("production_job").await, jobs);
}

const BUCKETS: &str = "onHand available reserved releasedElsewhere quarantine onHold expired rejected recalled reservedBlocked";

async fn sku_quantities(app: &TestApp, article: &str) -> Value {
    app.data(
        &format!(
            "query($a: String!) {{ skuStock(articleNumber: $a) {{ quantities {{ {BUCKETS} }} }} }}"
        ),
        json!({ "a": article }),
    )
    .await["skuStock"]["quantities"]
        .clone()
}

fn assert_buckets_add_up(q: &Value, what: &str) {
    let n = |k: &str| q[k].as_i64().unwrap_or_else(|| panic!("{k} missing: {q}"));
    let sum: i64 = [
        "available",
        "reserved",
        "releasedElsewhere",
        "quarantine",
        "onHold",
        "expired",
        "rejected",
        "recalled",
    ]
    .iter()
    .map(|k| n(k))
    .sum();
    assert_eq!(sum, n("onHand"), "{what}: buckets do not add up: {q}");
}

#[tokio::test]
async fn every_unit_on_hand_is_in_exactly_one_stock_bucket_in_every_state() {
    let app = TestApp::new().await;
    let articles: Vec<String> = app
        .data(
            "{ stock(first: 500) { edges { node { lot { item { code kind } } } } } }",
            json!({}),
        )
        .await["stock"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .filter(|l| l["lot"]["item"]["kind"] == "FINISHED")
        .filter(|l| {
            !l["lot"]["item"]["code"]
                .as_str()
                .unwrap()
                .starts_with("CUSTOM/")
        })
        .filter_map(|l| l["lot"]["item"]["code"].as_str().map(str::to_owned))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(articles.len() > 5, "{articles:?}");
    for a in &articles {
        assert_buckets_add_up(&sku_quantities(&app, a).await, a);
    }
    // One SKU's lots through every state: quarantine at the dock, released
    // at the dock, on hold with a reservation, rejected, recalled.
    let article = "AB-ST-NBA-NP-E-15";
    let mut lots = Vec::new();
    for n in 0..5 {
        let v = app
            .run_as(
                Some(Role::Warehouse),
                RECEIVE,
                receipt(json!({"lotNumber": format!("L-BKT-{n}"), "quantity": 10 + n})),
            )
            .await;
        lots.push(
            v["data"]["receiveFinishedLot"]["lot"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let state = "mutation($i: ChangeLotStateInput!) { changeLotState(input: $i) { userErrors { message } } }";
    let set =
        |lot: &str, s: &str| json!({"i": {"lotId": lot, "state": s, "reason": "bucket test"}});
    for (lot, s) in [
        (&lots[1], "RELEASED"),
        (&lots[2], "RELEASED"),
        (&lots[3], "REJECTED"),
        (&lots[4], "RELEASED"),
    ] {
        let v = app.run_as(Some(Role::Quality), state, set(lot, s)).await;
        assert!(
            v["data"]["changeLotState"]["userErrors"]
                .as_array()
                .unwrap()
                .is_empty(),
            "{v}"
        );
    }
    let put =
        "mutation($i: TransferStockInput!) { transferStock(input: $i) { userErrors { message } } }";
    let v = app
        .run_as(
            Some(Role::Warehouse),
            put,
            json!({"i": {"lotId": lots[2], "from": "MAIN/RECV/DOCK-1", "to": "MAIN/STOCK/A-01", "quantity": 12, "reference": "put-away"}}),
        )
        .await;
    assert!(
        v["data"]["transferStock"]["userErrors"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{v}"
    );
    let v = app
        .run_as(
            Some(Role::Sales),
            "mutation($i: ReserveStockInput!) { reserveStock(input: $i) { userErrors { message } } }",
            json!({"i": {"reference": "BKT-1", "quantity": 5, "lotId": lots[2]}}),
        )
        .await;
    assert!(
        v["data"]["reserveStock"]["userErrors"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{v}"
    );
    let before = sku_quantities(&app, article).await;
    assert_buckets_add_up(&before, "released and reserved");
    let v = app
        .run_as(Some(Role::Quality), state, set(&lots[2], "ON_HOLD"))
        .await;
    assert!(
        v["data"]["changeLotState"]["userErrors"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{v}"
    );
    let held = sku_quantities(&app, article).await;
    assert_buckets_add_up(&held, "on hold with a reservation");
    assert_eq!(held["reservedBlocked"], 5, "{held}");
    // A recall of one lot.
    let v = app
        .run_as(
            Some(Role::Quality),
            "mutation($v: CreateRecallInput!) { createRecall(input: $v) { recall { id } userErrors { message } } }",
            json!({"v": {"class": "CLASS_II", "reason": "bucket test", "scope": {"lotIds": [lots[4]]}}}),
        )
        .await;
    let id = v["data"]["createRecall"]["recall"]["id"].clone();
    let v = app
        .run_as(
            Some(Role::Quality),
            "mutation($id: ID!) { activateRecall(recallId: $id) { userErrors { message } } }",
            json!({ "id": id }),
        )
        .await;
    assert!(v.get("errors").is_none(), "{v}");
    let q = sku_quantities(&app, article).await;
    assert_buckets_add_up(&q, "after a recall");
    assert!(q["recalled"].as_i64().unwrap() >= 14, "{q}");
    assert!(q["rejected"].as_i64().unwrap() >= 13, "{q}");
    assert!(q["quarantine"].as_i64().unwrap() >= 10, "{q}");
    assert!(q["releasedElsewhere"].as_i64().unwrap() >= 11, "{q}");
    for a in &articles {
        assert_buckets_add_up(&sku_quantities(&app, a).await, a);
    }
}

/// Leaves `keep` released blanks of NobelActive NP on the raw-material shelf.
async fn keep_blanks(app: &TestApp, keep: i64) {
    let d = app
        .data(
            r#"{ stock(filter: { location: "MAIN/RAW/BLANK-1" }) { edges { node { lot { id lotNumber } onHand } } } }"#,
            json!({}),
        )
        .await;
    let line = crate::support::flat(&d["stock"])
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["lot"]["lotNumber"] == "BLK-24-001")
        .unwrap_or_else(|| panic!("{d}"))
        .clone();
    let scrap = line["onHand"].as_i64().unwrap() - keep;
    let v = app
        .run_as(
            Some(Role::Warehouse),
            "mutation($i: ScrapStockInput!) { scrapStock(input: $i) { userErrors { message } } }",
            json!({"i": {"lotId": line["lot"]["id"], "location": "MAIN/RAW/BLANK-1", "quantity": scrap, "reason": "blank test"}}),
        )
        .await;
    assert!(
        v["data"]["scrapStock"]["userErrors"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{v}"
    );
}

#[tokio::test]
async fn a_custom_part_without_a_free_blank_is_not_possible_and_its_case_is_at_risk() {
    let app = TestApp::new().await;
    let due = (chrono::Utc::now() + chrono::Duration::days(20)).to_rfc3339();
    let eta = "query($due: DateTime) { customJobEta(input: { system: \"NobelActive\", platform: \"NP\", dueAt: $due }) { possible materialAvailable notes machine { code } } }";
    let e = app.data(eta, json!({ "due": due })).await["customJobEta"].clone();
    assert_eq!(e["possible"], true, "{e}");
    // A case booked as a custom part takes one blank.
    let create = r#"mutation($input: CreateCaseInput!) { createCase(input: $input) { case { id } userErrors { message } } }"#;
    let case = |order: &str| {
        json!({"input": {"clinic": "ZH-SMILE", "orderReference": order, "patientPseudonym": "P-0001",
        "tooth": 21, "system": "NobelActive", "platform": "NP", "restoration": "SINGLE_CROWN", "abutmentType": "STRAIGHT",
        "gingivalHeightMm": "4.5", "angulationDeg": "20", "dueAt": due}})
    };
    let id = app
        .run_as(Some(Role::Sales), create, case("ORD-BLANK-1"))
        .await["data"]["createCase"]["case"]["id"]
        .clone();
    let confirm = "mutation($id: ID!) { confirmCaseMatch(input: { caseId: $id, custom: true }) { case { status job { number } } userErrors { code message } } }";
    let v = app
        .run_as(Some(Role::Sales), confirm, json!({ "id": id }))
        .await;
    assert_eq!(
        v["data"]["confirmCaseMatch"]["case"]["status"], "IN_PRODUCTION",
        "{v}"
    );
    let job = v["data"]["confirmCaseMatch"]["case"]["job"]["number"]
        .as_str()
        .unwrap()
        .to_owned();
    // Leave fewer blanks than the booked jobs will take (ours and the
    // seeded custom job): 1 in stock.
    keep_blanks(&app, 1).await;
    let e = app.data(eta, json!({ "due": due })).await["customJobEta"].clone();
    assert_eq!(
        (e["possible"].clone(), e["materialAvailable"].clone()),
        (json!(false), json!(false)),
        "{e}"
    );
    let notes = e["notes"].to_string();
    assert!(
        notes.contains("1 in stock") && notes.contains("promised to booked jobs"),
        "{e}"
    );
    // Matching says so, and a custom confirmation books nothing.
    let other = app
        .run_as(Some(Role::Sales), create, case("ORD-BLANK-2"))
        .await["data"]["createCase"]["case"]["id"]
        .clone();
    let m = app
        .data(
            "query($id: ID!) { clinicalCase(id: $id) { matching { options { decision } rejected { decision reason } } } }",
            json!({ "id": other }),
        )
        .await;
    let rejected = m["clinicalCase"]["matching"]["rejected"]
        .as_array()
        .unwrap();
    let custom = rejected
        .iter()
        .find(|r| r["decision"] == "CUSTOM")
        .unwrap_or_else(|| panic!("{m}"));
    assert!(
        custom["reason"]
            .as_str()
            .unwrap()
            .contains("no released blank"),
        "{m}"
    );
    let jobs = app.count("production_job").await;
    let v = app
        .run_as(Some(Role::Sales), confirm, json!({ "id": other }))
        .await;
    assert_eq!(
        v["data"]["confirmCaseMatch"]["userErrors"][0]["code"], "CONFLICT",
        "{v}"
    );
    assert_eq!(app.count("production_job").await, jobs);
    let v = app
        .run_as(
            Some(Role::Sales),
            "mutation { matchOpenCases { inProduction } }",
            json!({}),
        )
        .await;
    assert!(v.get("errors").is_none(), "{v}");
    let st = app
        .data(
            "query($id: ID!) { clinicalCase(id: $id) { status job { id } } }",
            json!({ "id": other }),
        )
        .await;
    assert_eq!(st["clinicalCase"]["status"], "OPEN", "{st}");
    assert!(st["clinicalCase"]["job"].is_null(), "{st}");
    // The booked job planned last among those awaiting blanks finds none:
    // its case is at risk, with the reason (which job that is depends on
    // the plan, ours or a seeded one).
    let risk = app
        .data("{ casesAtRisk { case { id } reason } }", json!({}))
        .await;
    let short: Vec<&str> = risk["casesAtRisk"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["reason"].as_str())
        .filter(|r| r.contains("has no blank"))
        .collect();
    assert!(
        !short.is_empty(),
        "no case at risk for want of a blank: {risk}"
    );
    assert!(
        short
            .iter()
            .all(|r| r.contains("1 released for this platform")),
        "{short:?}"
    );
    let _ = (id, job);
}

#[tokio::test]
async fn logs_to_a_pipe_carry_no_colour_codes() {
    let app = TestApp::empty().await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_abutment-erp"))
        .arg("migrate")
        .env("DATABASE_URL", &app.url)
        .env("RUST_LOG", "debug")
        .output()
        .expect("run abutment-erp");
    assert!(out.status.success());
    let logs = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(logs.lines().count() > 0, "nothing logged");
    assert!(
        !logs.contains('\u{1b}'),
        "ANSI escape in piped logs: {logs:?}"
    );
}
