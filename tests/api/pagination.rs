//! Keyset cursors: pages of a connection neither repeat nor skip rows
//! written between them, `last`/`before` page backward, and `pageInfo`
//! follows the Relay cursor connections spec.

use abutment_erp::access::Role;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};

use crate::support::TestApp;

fn ids(conn: &Value) -> Vec<String> {
    conn["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].to_string())
        .collect()
}

/// Writes `n` audit entries (each mutation attempt is one).
async fn audited_writes(app: &TestApp, n: usize) {
    for _ in 0..n {
        app.run_as(
            Some(Role::Admin),
            r#"mutation { setReorderPoint(input: { articleNumber: "AB-ST-NBA-NP-E-15", reorderPoint: 3 }) { userErrors { message } } }"#,
            json!({}),
        )
        .await;
    }
}

const AUDIT: &str = "query($first: Int, $after: String, $last: Int, $before: String) {
    auditLog(first: $first, after: $after, last: $last, before: $before) {
      totalCount edges { cursor node { id } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";

#[tokio::test]
async fn audit_log_pages_neither_repeat_nor_skip_when_entries_are_written_between_pages() {
    let app = TestApp::new().await;
    audited_writes(&app, 7).await;
    let all = ids(&app.data(AUDIT, json!({ "first": 500 })).await["auditLog"]);
    assert!(all.len() >= 7);
    let p1 = app.data(AUDIT, json!({ "first": 3 })).await["auditLog"].clone();
    // Newest first: new entries land before the first page, not inside the next.
    audited_writes(&app, 2).await;
    let mut seen = ids(&p1);
    let mut after = p1["pageInfo"]["endCursor"].clone();
    loop {
        let p = app.data(AUDIT, json!({ "first": 3, "after": after })).await["auditLog"].clone();
        assert_eq!(p["pageInfo"]["hasPreviousPage"], true);
        seen.extend(ids(&p));
        if p["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = p["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, all, "every entry once, in order");
}

#[tokio::test]
async fn last_and_before_page_backward_through_the_audit_log() {
    let app = TestApp::new().await;
    audited_writes(&app, 5).await;
    let all = ids(&app.data(AUDIT, json!({ "first": 500 })).await["auditLog"]);
    let tail = app.data(AUDIT, json!({ "last": 2 })).await["auditLog"].clone();
    assert_eq!(
        ids(&tail),
        all[all.len() - 2..].to_vec(),
        "the last two, in list order"
    );
    assert_eq!(tail["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(tail["pageInfo"]["hasNextPage"], false);
    let mut seen = ids(&tail);
    let mut before = tail["pageInfo"]["startCursor"].clone();
    loop {
        let p = app
            .data(AUDIT, json!({ "last": 2, "before": before }))
            .await["auditLog"]
            .clone();
        assert_eq!(p["pageInfo"]["hasNextPage"], true);
        let mut page = ids(&p);
        page.extend(seen);
        seen = page;
        if p["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = p["pageInfo"]["startCursor"].clone();
    }
    assert_eq!(seen, all);
    // after and before together: the rows strictly between.
    let first = app.data(AUDIT, json!({ "first": 500 })).await["auditLog"]["edges"].clone();
    let between = app
        .data(
            AUDIT,
            json!({ "after": first[0]["cursor"], "before": first[3]["cursor"] }),
        )
        .await;
    assert_eq!(ids(&between["auditLog"]), all[1..3].to_vec());
}

#[tokio::test]
async fn manufacturers_pages_neither_repeat_nor_skip_when_makers_are_added_between_pages() {
    let app = TestApp::new().await;
    let q = "query($after: String) { manufacturers(first: 4, after: $after) {
        edges { node { id name } } pageInfo { hasNextPage endCursor } } }";
    let p1 = app.data(q, json!({})).await["manufacturers"].clone();
    // One maker sorting before the cursor, one after it.
    let now = chrono::Utc::now();
    for name in ["AAA Early", "ZZZ Late"] {
        entity::manufacturer::ActiveModel {
            name: Set(name.to_owned()),
            name_key: Set(abutment_erp::catalog::name_key(name)),
            country: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .expect("insert maker");
    }
    let mut names: Vec<String> = p1["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
        .collect();
    let mut after = p1["pageInfo"]["endCursor"].clone();
    loop {
        let p = app.data(q, json!({ "after": after })).await["manufacturers"].clone();
        names.extend(
            p["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["name"].as_str().unwrap().to_owned()),
        );
        if p["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = p["pageInfo"]["endCursor"].clone();
    }
    let ids_all = ids(&app
        .data(
            "{ manufacturers(first: 500) { edges { node { id } } } }",
            json!({}),
        )
        .await["manufacturers"]);
    assert!(
        !names.contains(&"AAA Early".to_owned()),
        "a row before the cursor is not shown later"
    );
    assert!(names.contains(&"ZZZ Late".to_owned()));
    let mut dedup = names.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), names.len(), "no maker twice: {names:?}");
    assert_eq!(
        names.len() + 1,
        ids_all.len(),
        "everything but AAA Early, once"
    );
}

#[tokio::test]
async fn bad_cursors_name_after_or_before_and_first_with_last_is_refused() {
    let app = TestApp::new().await;
    for (vars, field) in [
        (json!({ "after": "bm90LWEtY3Vyc29y" }), "after"),
        (json!({ "before": "garbage!" }), "before"),
        (json!({ "first": 2, "last": 2 }), "last"),
        (json!({ "last": 0 }), "last"),
    ] {
        let r = app.run(AUDIT, vars.clone()).await;
        assert_eq!(
            r["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{vars}: {r}"
        );
        assert_eq!(r["errors"][0]["extensions"]["field"], field, "{vars}: {r}");
    }
    // An old offset cursor is not a cursor any more.
    use base64::Engine;
    let offset = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("offset:3");
    let r = app.run(AUDIT, json!({ "after": offset })).await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "after", "{r}");
}

#[tokio::test]
async fn catalogue_and_compatibility_pages_walked_both_ways_agree() {
    let app = TestApp::new().await;
    for (field, args, node) in [
        ("abutmentSkus", "", "id"),
        (
            "compatibleAbutments",
            r#"system: "NobelActive", platform: "NP", "#,
            "id",
        ),
        ("implantSystems", "", "id"),
        ("productionJobs", "", "id"),
        ("stock", "", "lot { id } location { id }"),
        ("lotsExpiring", "withinDays: 3650, ", "id"),
        ("machines", "", "id"),
        ("tools", "retired: true, ", "id"),
        ("clinics", "", "id"),
        ("locations", "", "id"),
    ] {
        let q = format!(
            "query($first: Int, $after: String, $last: Int, $before: String) {{ c: {field}({args}first: $first, after: $after, last: $last, before: $before) {{
               totalCount edges {{ node {{ {node} }} }} pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} }}"
        );
        let head = app.data(&q, json!({ "first": 500 })).await["c"].clone();
        let total = head["totalCount"].as_u64().unwrap() as usize;
        let all = ids(&head);
        assert!(all.len() >= 3, "{field}: {all:?}");
        let mut fwd = Vec::new();
        let mut after = Value::Null;
        loop {
            let p = app.data(&q, json!({ "first": 7, "after": after })).await["c"].clone();
            fwd.extend(ids(&p));
            if p["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = p["pageInfo"]["endCursor"].clone();
        }
        let mut back: Vec<String> = Vec::new();
        let mut before = Value::Null;
        loop {
            let p = app.data(&q, json!({ "last": 7, "before": before })).await["c"].clone();
            let mut page = ids(&p);
            page.extend(back);
            back = page;
            if p["pageInfo"]["hasPreviousPage"] == false {
                break;
            }
            before = p["pageInfo"]["startCursor"].clone();
        }
        assert_eq!(fwd.len(), total, "{field}: forward walk is every row once");
        assert!(
            fwd[..all.len()] == all[..],
            "{field}: forward pages agree with one big page"
        );
        assert!(back == fwd, "{field}: the backward walk is the same list");
    }
}

#[tokio::test]
async fn lists_that_grow_with_the_business_are_capped_connections_with_a_total() {
    let app = TestApp::new().await;
    for (field, role) in [
        ("locations", Role::Warehouse),
        ("clinicalCases", Role::Sales),
        ("users", Role::Admin),
        ("recalls", Role::Quality),
        ("stock", Role::Warehouse),
        ("lotsExpiring(withinDays: 3650, ", Role::Warehouse),
        (r#"reservations(reference: "CASE-000001", "#, Role::Sales),
        ("clinics", Role::Sales),
        ("machines", Role::Planner),
        ("tools", Role::Planner),
    ] {
        let open = if field.ends_with(", ") {
            field.to_owned()
        } else {
            format!("{field}(")
        };
        let q = format!(
            "{{ a: {open}first: 1) {{ totalCount edges {{ cursor }} pageInfo {{ hasNextPage endCursor }} }} }}"
        );
        let r = app.run_as(Some(role), &q, json!({})).await;
        assert!(r.get("errors").is_none(), "{field}: {r}");
        let c = &r["data"]["a"];
        let total = c["totalCount"].as_u64().unwrap();
        assert!(
            c["edges"].as_array().unwrap().len() as u64 <= total.min(1),
            "{field}: {c}"
        );
        assert_eq!(c["pageInfo"]["hasNextPage"], total > 1, "{field}: {c}");
        let over = format!("{{ {open}first: 501) {{ totalCount }} }}");
        let r = app.run_as(Some(role), &over, json!({})).await;
        assert_eq!(
            r["errors"][0]["extensions"]["field"], "first",
            "{field}: {r}"
        );
    }
}
