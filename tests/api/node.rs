//! Global object identification: every type with an `id` implements `Node`
//! and resolves through `node(id:)` and `nodes(ids:)`, with the access rule
//! of its own query.

use std::collections::{BTreeMap, BTreeSet};

use abutment_erp::access::Role;
use serde_json::{Value, json};

use crate::support::{TestApp, user_errors};

/// Object types of the schema that have an `id` field, by introspection, and
/// the possible types of `Node`.
async fn id_types(app: &TestApp) -> (BTreeSet<String>, BTreeSet<String>) {
    let d = app
        .data(
            r#"{ __schema { types { name kind fields { name type { kind ofType { name } } } } }
                 node: __type(name: "Node") { possibleTypes { name } } }"#,
            json!({}),
        )
        .await;
    let mut with_id = BTreeSet::new();
    for t in d["__schema"]["types"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        if t["kind"] != "OBJECT" || name.starts_with("__") {
            continue;
        }
        let has_id = t["fields"].as_array().into_iter().flatten().any(|f| {
            f["name"] == "id"
                && f["type"]["kind"] == "NON_NULL"
                && f["type"]["ofType"]["name"] == "ID"
        });
        if has_id {
            with_id.insert(name.to_owned());
        }
    }
    let nodes = d["node"]["possibleTypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    (with_id, nodes)
}

/// Makes an audit entry and an active recall (so recall consignees exist),
/// then collects one id of every type with an `id`.
async fn one_id_of_each(app: &TestApp) -> BTreeMap<String, String> {
    let p = app
        .run_as(
            Some(Role::Quality),
            r#"mutation { createRecall(input: { class: CLASS_II, reason: "node test",
                 scope: { heatNumber: "H-7721-A" } }) { recall { id } userErrors { message } } }"#,
            json!({}),
        )
        .await;
    let rc = p["data"]["createRecall"]["recall"]["id"].clone();
    assert!(rc.is_string(), "{p}");
    let a = app
        .run_as(
            Some(Role::Quality),
            "mutation($id: ID!) { activateRecall(recallId: $id) { userErrors { message } } }",
            json!({ "id": rc }),
        )
        .await;
    assert!(user_errors(&a["data"]).is_empty(), "{a}");
    let d = app
        .data(
            r#"query($rc: ID) {
              manufacturers(first: 1) { edges { node { id } } }
              implantSystems(first: 1) { edges { node { id } } }
              platform: compatibleAbutments(system: "NobelActive", platform: "NP", first: 1) {
                edges { node { id } fit { platform { id } } } }
              productionJobs(first: 1, filter: { statuses: [DONE] }) { edges { node { id
                finishedLot { id movements(first: 1) { edges { node { id } } } } } } }
              machines(first: 500) { edges { node { id downtime(all: true) { id } tools { id } } } }
              clinicalCases(first: 500) { edges { node { id clinic { id } reservation { id } } } }
              locations(first: 1) { edges { node { id } } }
              recall(id: $rc) { id consignees { id } }
              me { id tokens { id } }
              auditLog(first: 1) { edges { node { id } } }
            }"#,
            json!({ "rc": rc }),
        )
        .await;
    let mut out = BTreeMap::new();
    let mut put = |t: &str, v: &Value| {
        if let Some(s) = v.as_str() {
            out.entry(t.to_owned()).or_insert_with(|| s.to_owned());
        }
    };
    put(
        "Manufacturer",
        &d["manufacturers"]["edges"][0]["node"]["id"],
    );
    put(
        "ImplantSystem",
        &d["implantSystems"]["edges"][0]["node"]["id"],
    );
    let fit = &d["platform"]["edges"][0]["node"];
    put("AbutmentSku", &fit["id"]);
    put(
        "Platform",
        &d["platform"]["edges"][0]["fit"]["platform"]["id"],
    );
    let job = &d["productionJobs"]["edges"][0]["node"];
    put("ProductionJob", &job["id"]);
    put("Lot", &job["finishedLot"]["id"]);
    put(
        "StockMovement",
        &job["finishedLot"]["movements"]["edges"][0]["node"]["id"],
    );
    for e in d["machines"]["edges"].as_array().unwrap() {
        let m = &e["node"];
        put("Machine", &m["id"]);
        put("Downtime", &m["downtime"][0]["id"]);
        put("Tool", &m["tools"][0]["id"]);
    }
    for e in d["clinicalCases"]["edges"].as_array().unwrap() {
        let c = &e["node"];
        put("ClinicalCase", &c["id"]);
        put("Clinic", &c["clinic"]["id"]);
        put("Reservation", &c["reservation"]["id"]);
    }
    put("Location", &d["locations"]["edges"][0]["node"]["id"]);
    put("Recall", &d["recall"]["id"]);
    put("RecallConsignee", &d["recall"]["consignees"][0]["id"]);
    put("User", &d["me"]["id"]);
    put("ApiToken", &d["me"]["tokens"][0]["id"]);
    put("AuditEntry", &d["auditLog"]["edges"][0]["node"]["id"]);
    out
}

#[tokio::test]
async fn every_object_type_with_an_id_is_a_node_and_resolves_by_node_and_nodes() {
    let app = TestApp::new().await;
    let (with_id, nodes) = id_types(&app).await;
    assert_eq!(
        with_id, nodes,
        "types with an id that do not implement Node, or back"
    );
    assert_eq!(with_id.len(), 19, "{with_id:?}");
    let samples = one_id_of_each(&app).await;
    let missing: Vec<_> = with_id
        .iter()
        .filter(|t| !samples.contains_key(*t))
        .collect();
    assert!(missing.is_empty(), "no sample id for {missing:?}");
    for (ty, id) in &samples {
        let d = app
            .data(
                "query($id: ID!) { node(id: $id) { __typename id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(d["node"]["__typename"], ty.as_str(), "{ty}: {d}");
        assert_eq!(d["node"]["id"], id.as_str(), "{ty}: {d}");
    }
    let ids: Vec<&String> = samples.values().collect();
    let before = app.statements();
    let d = app
        .data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
            json!({ "ids": ids }),
        )
        .await;
    let statements = app.statements() - before;
    let got: Vec<&str> = d["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["__typename"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = samples.keys().map(String::as_str).collect();
    assert_eq!(got, want, "nodes answers in the order asked");
    // One statement per type, plus the recall consignee's reconciliation
    // (about 20 statements per recall); `nodes_reads_each_type_in_one_statement…`
    // pins that the count does not grow with the ids.
    assert!(statements <= 45, "{statements} statements for 19 types");
}

#[tokio::test]
async fn nodes_reads_each_type_in_one_statement_whatever_the_number_of_ids() {
    let app = TestApp::new().await;
    let d = crate::support::flat(
        &app.data("{ locations { edges { node { id } } } }", json!({}))
            .await,
    );
    let all: Vec<Value> = d["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].clone())
        .collect();
    assert!(all.len() >= 3);
    let q = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Location { code } } }";
    let before = app.statements();
    app.data(q, json!({ "ids": &all[..1] })).await;
    let one = app.statements() - before;
    let before = app.statements();
    let d = app.data(q, json!({ "ids": all })).await;
    let many = app.statements() - before;
    assert_eq!(one, many, "statements grow with the number of ids");
    assert_eq!(d["nodes"].as_array().unwrap().len(), all.len());
}

#[tokio::test]
async fn an_unknown_row_is_null_and_more_than_100_ids_are_refused() {
    let app = TestApp::new().await;
    let d = crate::support::flat(
        &app.data("{ locations { edges { node { id } } } }", json!({}))
            .await,
    );
    let real = d["locations"][0]["id"].clone();
    // A well-formed id of a row that does not exist.
    let ghost = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("Location:999999")
    };
    let d = app
        .data(
            "query($ids: [ID!]!, $g: ID!) { nodes(ids: $ids) { id } one: node(id: $g) { id } }",
            json!({ "ids": [real, ghost], "g": ghost }),
        )
        .await;
    assert_eq!(d["nodes"][0]["id"], real);
    assert!(d["nodes"][1].is_null(), "{d}");
    assert!(d["one"].is_null(), "{d}");
    let many: Vec<Value> = (0..101).map(|_| real.clone()).collect();
    let r = app
        .run(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": many }),
        )
        .await;
    assert_eq!(
        r["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{r}"
    );
    assert_eq!(r["errors"][0]["extensions"]["field"], "ids", "{r}");
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 100")
    );
}

#[tokio::test]
async fn garbage_and_unknown_types_are_refused_naming_the_argument() {
    let app = TestApp::new().await;
    use base64::Engine;
    let unknown = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("Spaceship:1");
    for (q, vars, field) in [
        (
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": "%%" }),
            "id",
        ),
        (
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": unknown }),
            "id",
        ),
        (
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ["%%"] }),
            "ids[0]",
        ),
    ] {
        let r = app.run(q, vars).await;
        assert_eq!(
            r["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{r}"
        );
        assert_eq!(r["errors"][0]["extensions"]["field"], field, "{r}");
    }
}

#[tokio::test]
async fn an_id_of_one_type_is_refused_where_another_is_expected_naming_the_field() {
    let app = TestApp::new().await;
    let loc = app
        .data("{ locations { edges { node { id } } } }", json!({}))
        .await["locations"]["edges"][0]["node"]["id"]
        .clone();
    let r = app
        .run(
            "query($id: ID!) { machine(id: $id) { code } }",
            json!({ "id": loc }),
        )
        .await;
    assert_eq!(
        r["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{r}"
    );
    assert_eq!(r["errors"][0]["extensions"]["field"], "id", "{r}");
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expected an id of a Machine, got one of a Location"),
        "{r}"
    );
}

#[tokio::test]
async fn node_applies_the_role_check_of_the_types_own_query() {
    let app = TestApp::new().await;
    let samples = one_id_of_each(&app).await;
    let q = "query($id: ID!) { node(id: $id) { __typename } }";
    // A planner may not read recalls, nor the audit log, nor other users.
    for ty in [
        "Recall",
        "RecallConsignee",
        "AuditEntry",
        "User",
        "ApiToken",
    ] {
        let r = app
            .run_as(Some(Role::Planner), q, json!({ "id": samples[ty] }))
            .await;
        assert_eq!(
            r["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{ty}: {r}"
        );
        assert!(r["data"]["node"].is_null(), "{ty}: {r}");
        assert!(
            r["errors"][0]["message"].as_str().unwrap().contains(ty),
            "{ty}: {r}"
        );
    }
    // The same refusal when the row does not exist: nothing is told.
    use base64::Engine;
    let ghost = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("Recall:999999");
    let r = app
        .run_as(Some(Role::Planner), q, json!({ "id": ghost }))
        .await;
    assert_eq!(r["errors"][0]["extensions"]["code"], "FORBIDDEN", "{r}");
    // nodes refuses as a whole when one id is not readable.
    let r = app
        .run_as(
            Some(Role::Planner),
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename } }",
            json!({ "ids": [samples["Machine"], samples["Recall"]] }),
        )
        .await;
    assert_eq!(r["errors"][0]["extensions"]["code"], "FORBIDDEN", "{r}");
    // Those allowed to read recalls can.
    for role in [Role::Sales, Role::Warehouse, Role::Quality] {
        let r = app
            .run_as(Some(role), q, json!({ "id": samples["Recall"] }))
            .await;
        assert_eq!(r["data"]["node"]["__typename"], "Recall", "{role:?}: {r}");
    }
    // Everyone reads their own user and tokens, as `me` does.
    let me = app
        .run_as(
            Some(Role::Planner),
            "{ me { id tokens { id } } }",
            json!({}),
        )
        .await;
    for id in [
        &me["data"]["me"]["id"],
        &me["data"]["me"]["tokens"][0]["id"],
    ] {
        let r = app
            .run_as(Some(Role::Planner), q, json!({ "id": id }))
            .await;
        assert!(r.get("errors").is_none(), "{r}");
        assert!(r["data"]["node"]["__typename"].is_string(), "{r}");
    }
    // Readable by everyone: a machine for a planner, a lot for sales.
    let r = app
        .run_as(Some(Role::Sales), q, json!({ "id": samples["Lot"] }))
        .await;
    assert_eq!(r["data"]["node"]["__typename"], "Lot", "{r}");
}
