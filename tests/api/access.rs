//! Access control: the permission matrix over every root operation, the audit
//! trail, idempotency keys, and the API's limits.

use abutment_erp::access::{
    Role,
    permissions::{OpKind, allowed_roles, markdown_table},
};
use serde_json::{Value, json};

use crate::support::TestApp;

fn code(resp: &Value) -> String {
    resp["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn every_root_operation_is_allowed_or_refused_exactly_as_the_matrix_says() {
    let app = TestApp::empty().await;
    let d = app
        .data(
            r#"{ q: __type(name: "QueryRoot") { fields { name } } m: __type(name: "MutationRoot") { fields { name } } }"#,
            json!({}),
        )
        .await;
    let mut checked = 0;
    for (kind, key, keyword) in [
        (OpKind::Query, "q", "query"),
        (OpKind::Mutation, "m", "mutation"),
    ] {
        for f in d[key]["fields"].as_array().unwrap() {
            let name = f["name"].as_str().unwrap();
            let allowed = allowed_roles(kind, name)
                .unwrap_or_else(|| panic!("`{name}` has no entry in the permission matrix"));
            // The guard decides before validation, so a bare selection is enough.
            let doc = format!("{keyword} {{ {name} }}");
            let anon = app.run_as(None, &doc, json!({})).await;
            assert_eq!(
                code(&anon),
                "UNAUTHENTICATED",
                "{keyword} {name} as anonymous: {anon}"
            );
            for role in Role::ALL {
                let resp = app.run_as(Some(role), &doc, json!({})).await;
                let c = code(&resp);
                if allowed.contains(&role) {
                    assert!(
                        c != "FORBIDDEN" && c != "UNAUTHENTICATED",
                        "{name} should be allowed for {role:?}: {resp}"
                    );
                } else {
                    assert_eq!(
                        c, "FORBIDDEN",
                        "{name} should be refused to {role:?}: {resp}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "checked {checked} operation×role pairs");
}

#[test]
fn the_readme_shows_the_permission_matrix() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(
        readme.contains(&markdown_table()),
        "README's permission table is stale; paste abutment_erp::access::permissions::markdown_table():\n{}",
        markdown_table()
    );
}

#[tokio::test]
async fn a_forbidden_mutation_does_no_work() {
    let app = TestApp::new().await;
    let before = app.count("abutment_sku").await;
    let resp = app
        .run_as(
            Some(Role::Sales),
            r#"mutation { upsertAbutmentSku(input: {articleNumber: "X-1", gtin: "09521234543213", name: "x", abutmentType: STRAIGHT, material: PEEK, gingivalHeightMm: "1", angulationDeg: "0", engaging: true, sterile: false}) { outcome } }"#,
            json!({}),
        )
        .await;
    assert_eq!(code(&resp), "FORBIDDEN");
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("SALES")
    );
    assert_eq!(app.count("abutment_sku").await, before);
}

const UPSERT: &str = r#"mutation($input: UpsertAbutmentSkuInput!, $key: String) {
  upsertAbutmentSku(input: $input, idempotencyKey: $key) { outcome sku { id articleNumber } userErrors { code message } }
}"#;

fn sku(article: &str, height: &str) -> Value {
    json!({"articleNumber": article, "gtin": "09521234543213", "name": "Audit test", "abutmentType": "STRAIGHT",
           "material": "TI_6AL_4V_ELI", "gingivalHeightMm": height, "angulationDeg": "0", "engaging": true,
           "sterile": false})
}

#[tokio::test]
async fn the_audit_trail_records_every_mutation_with_actor_and_outcome() {
    let app = TestApp::new().await;
    app.run(UPSERT, json!({"input": sku("AUD-1", "1.5")})).await;
    app.run(UPSERT, json!({"input": sku("AUD-2", "-1")})).await;
    app.run_as(
        Some(Role::Sales),
        UPSERT,
        json!({"input": sku("AUD-3", "1.5")}),
    )
    .await;
    app.run_as(None, UPSERT, json!({"input": sku("AUD-4", "1.5")}))
        .await;
    let q = r#"query($f: AuditFilterInput) { auditLog(filter: $f) { totalCount edges { node { actorName roles operation outcome errorCode input affectedIds requestId } } } }"#;
    let d = app.run_as(Some(Role::Quality), q, json!({})).await;
    let rows: Vec<&Value> = d["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .collect();
    assert_eq!(rows.len(), 4, "{d:#}");
    // Newest first.
    assert_eq!(rows[0]["outcome"], "DENIED");
    assert_eq!(rows[0]["errorCode"], "UNAUTHENTICATED");
    assert!(rows[0]["actorName"].is_null());
    assert_eq!(rows[1]["outcome"], "DENIED");
    assert_eq!(rows[1]["actorName"], "test-sales");
    assert_eq!(rows[1]["errorCode"], "FORBIDDEN");
    assert_eq!(rows[2]["outcome"], "USER_ERROR");
    assert_eq!(rows[2]["errorCode"], "BAD_USER_INPUT");
    assert_eq!(rows[3]["outcome"], "OK");
    assert_eq!(rows[3]["actorName"], "test-admin");
    assert_eq!(rows[3]["roles"], json!(["ADMIN"]));
    assert_eq!(rows[3]["operation"], "upsertAbutmentSku");
    assert!(rows[3]["input"].as_str().unwrap().contains("AUD-1"));
    assert_eq!(rows[3]["affectedIds"].as_array().unwrap().len(), 1);
    // Filters and CSV export.
    let mine = app
        .run_as(Some(Role::Admin), q, json!({"f": {"actor": "test-admin"}}))
        .await;
    assert_eq!(mine["data"]["auditLog"]["totalCount"], 2);
    let by_obj = app
        .run_as(
            Some(Role::Admin),
            q,
            json!({"f": {"objectId": rows[3]["affectedIds"][0]}}),
        )
        .await;
    assert_eq!(by_obj["data"]["auditLog"]["totalCount"], 1);
    let csv = app
        .run_as(Some(Role::Quality), "{ auditLogCsv }", json!({}))
        .await;
    let text = csv["data"]["auditLogCsv"].as_str().unwrap();
    assert!(text.starts_with("id,at,request_id,actor_user_id,actor_name"));
    assert_eq!(text.lines().count(), 5);
    // Warehouse staff may not read it.
    let denied = app.run_as(Some(Role::Warehouse), q, json!({})).await;
    assert_eq!(code(&denied), "FORBIDDEN");
}

#[tokio::test]
async fn a_retry_with_the_same_idempotency_key_returns_the_first_result_without_redoing_it() {
    let app = TestApp::new().await;
    let first = app
        .data(UPSERT, json!({"input": sku("IDEM-1", "1.5"), "key": "k-1"}))
        .await;
    assert_eq!(first["upsertAbutmentSku"]["outcome"], "CREATED");
    let again = app
        .data(UPSERT, json!({"input": sku("IDEM-1", "1.5"), "key": "k-1"}))
        .await;
    assert_eq!(again, first, "the first result, replayed");
    // Without the key the same call is a new call: it now finds the SKU unchanged.
    let fresh = app
        .data(UPSERT, json!({"input": sku("IDEM-1", "1.5")}))
        .await;
    assert_eq!(fresh["upsertAbutmentSku"]["outcome"], "UNCHANGED");
    let other = app
        .run(UPSERT, json!({"input": sku("IDEM-1", "2.5"), "key": "k-1"}))
        .await;
    assert_eq!(code(&other), "CONFLICT");
    let unchanged = app
        .data(
            r#"{ abutmentSku(articleNumber: "IDEM-1") { gingivalHeightMm } }"#,
            json!({}),
        )
        .await;
    assert_eq!(unchanged["abutmentSku"]["gingivalHeightMm"], "1.5");
}

#[tokio::test]
async fn a_query_with_200_aliases_is_refused_before_any_sql() {
    let app = TestApp::new().await;
    let mut q = String::from("{");
    for i in 0..200 {
        q.push_str(&format!(" a{i}: manufacturers(first: 1) {{ totalCount }}"));
    }
    q.push('}');
    let before = app.statements();
    let resp = app.run(&q, json!({})).await;
    assert_eq!(code(&resp), "GRAPHQL_VALIDATION_FAILED");
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("200 aliases")
    );
    assert_eq!(app.statements(), before);
}

#[tokio::test]
async fn a_50_deep_query_is_refused() {
    let app = TestApp::new().await;
    let mut q = String::from("{ implantSystem(name: \"NobelActive\") { ");
    for _ in 0..25 {
        q.push_str("platforms { system { ");
    }
    q.push_str("name");
    for _ in 0..25 {
        q.push_str(" } }");
    }
    q.push_str(" } }");
    let resp = app.run(&q, json!({})).await;
    assert!(!code(&resp).is_empty(), "{resp}");
    assert!(resp["data"].is_null());
}

#[tokio::test]
async fn me_names_the_caller_and_their_roles() {
    let app = TestApp::empty().await;
    let d = app
        .run_as(
            Some(Role::Planner),
            "{ me { name roles active } }",
            json!({}),
        )
        .await;
    assert_eq!(d["data"]["me"]["name"], "test-planner");
    assert_eq!(d["data"]["me"]["roles"], json!(["PLANNER"]));
}

#[tokio::test]
async fn admins_create_users_and_tokens_and_the_token_secret_is_stored_only_as_a_hash() {
    let app = TestApp::empty().await;
    let u = app
        .data(r#"mutation { createUser(input: {name: "alice", roles: [WAREHOUSE, QUALITY]}) { user { id roles } userErrors { code } } }"#, json!({}))
        .await;
    let id = u["createUser"]["user"]["id"].clone();
    assert_eq!(
        u["createUser"]["user"]["roles"],
        json!(["WAREHOUSE", "QUALITY"])
    );
    let t = app
        .data(r#"mutation($id: ID!) { createApiToken(input: {userId: $id, name: "scanner"}) { token apiToken { id prefix } } }"#, json!({"id": id}))
        .await;
    let secret = t["createApiToken"]["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("abt_") && secret.len() > 40);
    let stored: i64 = app
        .count(&format!(
            "api_token WHERE token_hash = '{}'",
            abutment_erp::access::service::hash_token(&secret)
        ))
        .await;
    assert_eq!(stored, 1);
    let plain: i64 = app
        .count(&format!(
            "api_token WHERE token_hash = '{secret}' OR prefix = '{secret}'"
        ))
        .await;
    assert_eq!(plain, 0, "the secret itself is not stored");
    let dup = app
        .data(r#"mutation { createUser(input: {name: "alice", roles: [SALES]}) { userErrors { code } } }"#, json!({}))
        .await;
    assert_eq!(dup["createUser"]["userErrors"][0]["code"], "CONFLICT");
    let none = app
        .data(r#"mutation { createUser(input: {name: "bob", roles: []}) { userErrors { code field } } }"#, json!({}))
        .await;
    assert_eq!(
        none["createUser"]["userErrors"][0]["field"],
        json!(["input", "roles"])
    );
}

#[tokio::test]
async fn concurrent_retries_with_one_idempotency_key_do_the_work_once() {
    let app = std::sync::Arc::new(TestApp::new().await);
    let before = app.count("audit_log WHERE outcome = 'OK'").await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            app.run(
                UPSERT,
                json!({"input": sku("IDEM-C", "1.5"), "key": "same"}),
            )
            .await
        }));
    }
    let mut created = 0;
    for t in tasks {
        let r = t.await.unwrap();
        match code(&r).as_str() {
            "" => {
                assert_eq!(r["data"]["upsertAbutmentSku"]["outcome"], "CREATED", "{r}");
                created += 1;
            }
            "CONFLICT" => {}
            other => panic!("unexpected {other}: {r}"),
        }
    }
    assert!(created >= 1);
    assert_eq!(
        app.count("abutment_sku WHERE article_number = 'IDEM-C'")
            .await,
        1
    );
    // The work ran once: one OK row that is not a replay.
    let ok_rows = app
        .count(
            "audit_log WHERE outcome = 'OK' AND (message IS NULL OR message NOT LIKE 'replayed%')",
        )
        .await;
    assert_eq!(ok_rows - before, 1);
}
