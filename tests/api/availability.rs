//! What can be promised of a SKU now (`AbutmentSku.availability`) and the
//! `inStock` filter of `compatibleAbutments` and `abutmentSkus`: the same
//! answers as the stock lines, applied before paging, and loaded without
//! one query per SKU.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::support::TestApp;

/// Per article number: (available, reserved of usable lots, earliest expiry
/// of lots with available units), summed from every stock line.
async fn expected_from_stock_lines(app: &TestApp) -> HashMap<String, (i64, i64, Option<String>)> {
    let mut out: HashMap<String, (i64, i64, Option<String>)> = HashMap::new();
    let mut after = Value::Null;
    loop {
        let d = app
            .data(
                "query($after: String) { stock(first: 500, after: $after) { pageInfo { hasNextPage endCursor }
                   edges { node { available reserved location { locationType }
                     lot { effectiveState expiryDate sku { articleNumber } } } } } }",
                json!({"after": after}),
            )
            .await;
        for e in d["stock"]["edges"].as_array().unwrap() {
            let n = &e["node"];
            let Some(article) = n["lot"]["sku"]["articleNumber"].as_str() else {
                continue;
            };
            let entry = out.entry(article.to_owned()).or_default();
            let available = n["available"].as_i64().unwrap();
            entry.0 += available;
            if n["lot"]["effectiveState"] == "RELEASED" && n["location"]["locationType"] == "STOCK"
            {
                entry.1 += n["reserved"].as_i64().unwrap();
            }
            if available > 0
                && let Some(x) = n["lot"]["expiryDate"].as_str()
                && entry.2.as_deref().is_none_or(|e| x < e)
            {
                entry.2 = Some(x.to_owned());
            }
        }
        if d["stock"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = d["stock"]["pageInfo"]["endCursor"].clone();
    }
    out
}

#[tokio::test]
async fn every_skus_availability_agrees_with_its_stock_lines_and_custom_only_means_none_available()
{
    let app = TestApp::new().await;
    let expected = expected_from_stock_lines(&app).await;
    let mut skus = Vec::new();
    let mut after = Value::Null;
    loop {
        let d = app
            .data(
                "query($after: String) { abutmentSkus(first: 500, after: $after, filter: {includeDiscontinued: true}) {
                    totalCount pageInfo { hasNextPage endCursor } edges { node {
                    articleNumber availability { available reserved earliestExpiry customOnly } } } } }",
                json!({"after": after}),
            )
            .await;
        let c = &d["abutmentSkus"];
        skus.extend(c["edges"].as_array().unwrap().iter().cloned());
        if c["pageInfo"]["hasNextPage"] != true {
            assert_eq!(skus.len() as i64, c["totalCount"].as_i64().unwrap());
            break;
        }
        after = c["pageInfo"]["endCursor"].clone();
    }
    let (mut with, mut without, mut blocked_only) = (0, 0, 0);
    for e in &skus {
        let article = e["node"]["articleNumber"].as_str().unwrap();
        let a = &e["node"]["availability"];
        let (available, reserved, expiry) = expected.get(article).cloned().unwrap_or_default();
        assert_eq!(a["available"], available, "{article}: {a}");
        assert_eq!(a["reserved"], reserved, "{article}: {a}");
        assert_eq!(a["earliestExpiry"], json!(expiry), "{article}: {a}");
        assert_eq!(a["customOnly"], available == 0, "{article}: {a}");
        if available > 0 {
            with += 1;
        } else {
            without += 1;
            if expected.contains_key(article) {
                blocked_only += 1;
            }
        }
    }
    // The seeds hold both kinds, and SKUs whose only stock is blocked
    // (quarantine, on hold, expired) count as custom only.
    assert!(with > 10 && without > 10, "{with} with, {without} without");
    assert!(blocked_only > 0, "no SKU with only blocked stock");
}

#[tokio::test]
async fn a_reservation_moves_units_from_available_to_reserved_and_the_last_unit_makes_it_custom_only()
 {
    let app = TestApp::new().await;
    let q = "query($a: String!) { abutmentSku(articleNumber: $a) { availability { available reserved customOnly } } }";
    // A SKU with stock available now.
    let d = app
        .data(
            "{ abutmentSkus(first: 500, filter: {inStock: true}) { edges { node { articleNumber availability { available } } } } }",
            json!({}),
        )
        .await;
    let (article, before) = d["abutmentSkus"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["articleNumber"].as_str().unwrap().to_owned(),
                e["node"]["availability"]["available"].as_i64().unwrap(),
            )
        })
        .min_by_key(|(_, n)| *n)
        .unwrap();
    let reserve = "mutation($a: String!, $n: Int!) { reserveStock(input: {articleNumber: $a, quantity: $n, reference: \"ORDER-77\"}) { userErrors { message } } }";
    let r = app.data(reserve, json!({"a": article, "n": 1})).await;
    assert_eq!(r["reserveStock"]["userErrors"], json!([]), "{r}");
    let a = app.data(q, json!({"a": article})).await["abutmentSku"]["availability"].clone();
    assert_eq!(a["available"], before - 1, "{a}");
    assert!(a["reserved"].as_i64().unwrap() >= 1, "{a}");
    if before > 1 {
        let r = app
            .data(reserve, json!({"a": article, "n": before - 1}))
            .await;
        assert_eq!(r["reserveStock"]["userErrors"], json!([]), "{r}");
    }
    let a = app.data(q, json!({"a": article})).await["abutmentSku"]["availability"].clone();
    assert_eq!(a["available"], 0, "{a}");
    assert_eq!(a["customOnly"], true, "{a}");
    // No longer listed in stock.
    let d = app
        .data(
            "query($a: String!) { abutmentSkus(filter: {inStock: true, search: $a}) { totalCount } }",
            json!({"a": article}),
        )
        .await;
    assert_eq!(d["abutmentSkus"]["totalCount"], 0, "{d}");
}

const FITS: &str = "query($s: Boolean, $first: Int, $after: String) {
  compatibleAbutments(system: \"NobelActive\", platform: \"NP\", filter: {inStock: $s}, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { articleNumber availability { available } } } } }";

/// Every article of the filtered list, walked two at a time, and its total.
async fn walk(app: &TestApp, in_stock: Value) -> (Vec<String>, i64) {
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let d = app
            .data(FITS, json!({"s": in_stock, "first": 2, "after": after}))
            .await;
        let c = &d["compatibleAbutments"];
        let total = c["totalCount"].as_i64().unwrap();
        for e in c["edges"].as_array().unwrap() {
            seen.push(e["node"]["articleNumber"].as_str().unwrap().to_owned());
        }
        if c["pageInfo"]["hasNextPage"] != true {
            return (seen, total);
        }
        after = c["pageInfo"]["endCursor"].clone();
    }
}

#[tokio::test]
async fn in_stock_filters_compatible_abutments_before_paging_so_totals_and_pages_agree() {
    let app = TestApp::new().await;
    let all = app
        .data(FITS, json!({"s": null, "first": 500, "after": null}))
        .await;
    let edges = all["compatibleAbutments"]["edges"].as_array().unwrap();
    let stocked: Vec<String> = edges
        .iter()
        .filter(|e| e["node"]["availability"]["available"].as_i64().unwrap() > 0)
        .map(|e| e["node"]["articleNumber"].as_str().unwrap().to_owned())
        .collect();
    let unstocked: Vec<String> = edges
        .iter()
        .filter(|e| e["node"]["availability"]["available"] == 0)
        .map(|e| e["node"]["articleNumber"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        stocked.len() >= 2 && !unstocked.is_empty(),
        "{stocked:?} {unstocked:?}"
    );

    let (seen, total) = walk(&app, json!(true)).await;
    assert_eq!(total, stocked.len() as i64);
    assert_eq!(seen, stocked, "pages of two, in catalogue order");
    let (seen, total) = walk(&app, json!(false)).await;
    assert_eq!(total, unstocked.len() as i64);
    assert_eq!(seen, unstocked);

    // The other filters still apply beside it.
    let d = app
        .data(
            "{ compatibleAbutments(system: \"NobelActive\", platform: \"NP\", filter: {inStock: true, types: [ANGLED]}) { totalCount edges { node { abutmentType } } } }",
            json!({}),
        )
        .await;
    for e in d["compatibleAbutments"]["edges"].as_array().unwrap() {
        assert_eq!(e["node"]["abutmentType"], "ANGLED");
    }
}

#[tokio::test]
async fn in_stock_filters_the_catalogue_list_too() {
    let app = TestApp::new().await;
    let d = app
        .data(
            "{ all: abutmentSkus(first: 500) { totalCount edges { node { availability { available } } } }
               yes: abutmentSkus(first: 500, filter: {inStock: true}) { totalCount edges { node { availability { available customOnly } } } }
               no: abutmentSkus(first: 500, filter: {inStock: false}) { totalCount edges { node { availability { customOnly } } } } }",
            json!({}),
        )
        .await;
    let n = |k: &str| d[k]["totalCount"].as_i64().unwrap();
    assert_eq!(n("yes") + n("no"), n("all"));
    assert!(n("yes") > 0 && n("no") > 0);
    for e in d["yes"]["edges"].as_array().unwrap() {
        assert_eq!(e["node"]["availability"]["customOnly"], false);
    }
    for e in d["no"]["edges"].as_array().unwrap() {
        assert_eq!(e["node"]["availability"]["customOnly"], true);
    }
}

const NESTED: &str =
    "query($n: Int) { abutmentSkus(first: $n, filter: {includeDiscontinued: true}) {
    edges { node { articleNumber availability { available reserved earliestExpiry customOnly }
      fits { platform { name } sku { availability { available } } } } } } }";

async fn statements_for(app: &TestApp, n: usize) -> usize {
    let before = app.statements();
    let d = app.data(NESTED, json!({"n": n})).await;
    assert_eq!(d["abutmentSkus"]["edges"].as_array().unwrap().len(), n);
    app.statements() - before
}

#[tokio::test]
async fn availability_of_a_list_costs_the_same_statements_for_5_and_500_skus() {
    let app = TestApp::new().await;
    let five = statements_for(&app, 5).await;
    let five_hundred = statements_for(&app, 500).await;
    assert_eq!(
        five, five_hundred,
        "statement count grew with the number of SKUs"
    );
    assert!(
        five <= 8,
        "{five} statements for one list with availability"
    );
}

#[tokio::test]
async fn the_in_stock_filter_of_compatible_abutments_costs_the_same_statements_whatever_the_page() {
    let app = TestApp::new().await;
    let count = |first: i64| {
        let app = &app;
        async move {
            let before = app.statements();
            let d = app
                .data(FITS, json!({"s": true, "first": first, "after": null}))
                .await;
            assert!(d["compatibleAbutments"]["totalCount"].as_i64().unwrap() > 1);
            app.statements() - before
        }
    };
    let one = count(1).await;
    let all = count(500).await;
    assert_eq!(one, all);
}
