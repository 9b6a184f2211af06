//! The sales rep's compatibility lookup and the catalogue queries.

use serde_json::{Value, json};

use crate::support::TestApp;

const LOOKUP: &str = r#"
query($system: String, $platform: String, $platformId: ID, $filter: SkuFilterInput, $first: Int, $after: String) {
  compatibleAbutments(system: $system, platform: $platform, platformId: $platformId,
                      filter: $filter, first: $first, after: $after) {
    totalCount
    platform { id name system { name } }
    pageInfo { hasNextPage endCursor }
    edges { node { articleNumber abutmentType gingivalHeightMm angulationDeg engaging material
                   fits { platform { name system { name } } } }
            fit { source } }
  }
}"#;

fn nodes(data: &Value) -> Vec<Value> {
    data["compatibleAbutments"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

fn dec(v: &Value) -> f64 {
    v.as_str()
        .expect("decimal as string")
        .parse()
        .expect("decimal")
}

#[tokio::test]
async fn sales_rep_finds_what_fits_nobelactive_np_by_names_in_any_case() {
    let app = TestApp::new().await;
    let d = app
        .data(
            LOOKUP,
            json!({"system": "nobelACTIVE", "platform": "np", "first": 200}),
        )
        .await;
    let c = &d["compatibleAbutments"];
    assert_eq!(c["platform"]["name"], "NP");
    assert_eq!(c["platform"]["system"]["name"], "NobelActive");
    let list = nodes(&d);
    assert!(
        list.len() >= 10,
        "expected a real assortment, got {}",
        list.len()
    );
    assert_eq!(c["totalCount"].as_u64().unwrap() as usize, list.len());
    for n in &list {
        let fits_np = n["fits"].as_array().unwrap().iter().any(|f| {
            f["platform"]["name"] == "NP" && f["platform"]["system"]["name"] == "NobelActive"
        });
        assert!(
            fits_np,
            "{} listed but does not fit NobelActive NP",
            n["articleNumber"]
        );
    }
    let types: std::collections::HashSet<_> = list
        .iter()
        .map(|n| n["abutmentType"].as_str().unwrap().to_owned())
        .collect();
    for t in ["STRAIGHT", "ANGLED", "TEMPORARY"] {
        assert!(types.contains(t), "no {t} part for NobelActive NP");
    }
}

#[tokio::test]
async fn results_are_sorted_by_type_then_height_then_angle() {
    let app = TestApp::new().await;
    let d = app
        .data(
            LOOKUP,
            json!({"system": "Bone Level", "platform": "RC", "first": 500}),
        )
        .await;
    let keys: Vec<(String, f64, f64)> = nodes(&d)
        .iter()
        .map(|n| {
            (
                n["abutmentType"].as_str().unwrap().to_owned(),
                dec(&n["gingivalHeightMm"]),
                dec(&n["angulationDeg"]),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(keys, sorted);
}

#[tokio::test]
async fn lookup_by_platform_id_equals_lookup_by_names() {
    let app = TestApp::new().await;
    let by_name = app
        .data(
            LOOKUP,
            json!({"system": "Tapered Screw-Vent", "platform": "3.5", "first": 500}),
        )
        .await;
    let id = by_name["compatibleAbutments"]["platform"]["id"].clone();
    let by_id = app
        .data(LOOKUP, json!({"platformId": id, "first": 500}))
        .await;
    assert_eq!(nodes(&by_name), nodes(&by_id));
}

#[tokio::test]
async fn filters_narrow_by_type_height_angulation_engaging_and_material() {
    let app = TestApp::new().await;
    let all = app
        .data(
            LOOKUP,
            json!({"system": "NobelActive", "platform": "RP", "first": 500}),
        )
        .await;
    let filtered = app
        .data(
            LOOKUP,
            json!({"system": "NobelActive", "platform": "RP", "first": 500,
                   "filter": {"types": ["ANGLED"], "angulation": "25", "gingivalHeightMin": "1.5",
                              "gingivalHeightMax": "3.5", "engaging": true, "materials": ["TI_6AL_4V_ELI"]}}),
        )
        .await;
    let f = nodes(&filtered);
    assert!(
        !f.is_empty(),
        "seed has 25° angled parts for NobelActive RP"
    );
    assert!(f.len() < nodes(&all).len());
    for n in &f {
        assert_eq!(n["abutmentType"], "ANGLED");
        assert_eq!(dec(&n["angulationDeg"]), 25.0);
        let h = dec(&n["gingivalHeightMm"]);
        assert!((1.5..=3.5).contains(&h), "height {h}");
        assert_eq!(n["engaging"], true);
        assert_eq!(n["material"], "TI_6AL_4V_ELI");
    }
    // The filter finds every matching part, not a subset.
    let expected = nodes(&all)
        .iter()
        .filter(|n| {
            n["abutmentType"] == "ANGLED"
                && dec(&n["angulationDeg"]) == 25.0
                && (1.5..=3.5).contains(&dec(&n["gingivalHeightMm"]))
                && n["engaging"] == true
                && n["material"] == "TI_6AL_4V_ELI"
        })
        .count();
    assert_eq!(f.len(), expected);
}

#[tokio::test]
async fn paging_walks_every_result_once() {
    let app = TestApp::new().await;
    let mut after: Option<String> = None;
    let mut seen = Vec::new();
    let total;
    loop {
        let d = app
            .data(
                LOOKUP,
                json!({"system": "Bone Level", "platform": "RC", "first": 7, "after": after}),
            )
            .await;
        let c = &d["compatibleAbutments"];
        seen.extend(
            nodes(&d)
                .iter()
                .map(|n| n["articleNumber"].as_str().unwrap().to_owned()),
        );
        if !c["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            total = c["totalCount"].as_u64().unwrap() as usize;
            break;
        }
        after = c["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(seen.len(), total);
    assert_eq!(unique.len(), total);
    assert!(total > 7, "needs several pages");
}

#[tokio::test]
async fn unknown_system_or_platform_is_not_found_naming_it() {
    let app = TestApp::new().await;
    let errs = app
        .errors(LOOKUP, json!({"system": "NobelActiv", "platform": "NP"}))
        .await;
    assert_eq!(errs[0].0, "NOT_FOUND");
    assert!(errs[0].1.contains("NobelActiv"), "{errs:?}");
    let errs = app
        .errors(LOOKUP, json!({"system": "NobelActive", "platform": "XXL"}))
        .await;
    assert_eq!(errs[0].0, "NOT_FOUND");
    assert!(errs[0].1.contains("XXL"), "{errs:?}");
    let errs = app.errors(LOOKUP, json!({"platform": "NP"})).await;
    assert_eq!(errs[0].0, "BAD_USER_INPUT");
}

#[tokio::test]
async fn negative_height_and_angle_over_45_are_refused_naming_the_field() {
    let app = TestApp::new().await;
    let q = r#"query($f: SkuFilterInput) { abutmentSkus(filter: $f) { totalCount } }"#;
    let resp = app.run(q, json!({"f": {"gingivalHeightMin": "-1"}})).await;
    let e = &resp["errors"][0];
    assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(e["extensions"]["field"], "filter.gingivalHeightMin");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("must not be negative")
    );
    let resp = app.run(q, json!({"f": {"angulation": "46"}})).await;
    let e = &resp["errors"][0];
    assert_eq!(e["extensions"]["field"], "filter.angulation");
    assert!(e["message"].as_str().unwrap().contains("between 0 and 45"));
}

#[tokio::test]
async fn a_page_size_over_the_cap_is_refused_clearly() {
    let app = TestApp::new().await;
    let errs = app
        .errors("{ abutmentSkus(first: 100000) { totalCount } }", json!({}))
        .await;
    assert_eq!(errs[0].0, "BAD_USER_INPUT");
    assert!(errs[0].1.contains("cap of 500"), "{errs:?}");
}

#[tokio::test]
async fn a_sku_lists_every_system_and_platform_it_fits() {
    let app = TestApp::new().await;
    let d = app
        .data(
            r#"{ abutmentSku(articleNumber: "AB-ST-NBA-NP-E-15") { gtin fits { source platform { name system { name manufacturer { name } } } } } }"#,
            json!({}),
        )
        .await;
    let fits: Vec<String> = d["abutmentSku"]["fits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["platform"]["system"]["name"].as_str().unwrap(),
                f["platform"]["name"].as_str().unwrap()
            )
        })
        .collect();
    assert!(fits.contains(&"NobelActive NP".to_owned()), "{fits:?}");
    assert!(fits.contains(&"NobelParallel CC NP".to_owned()), "{fits:?}");
    // The same SKU by its GTIN.
    let gtin = d["abutmentSku"]["gtin"].as_str().unwrap().to_owned();
    let by_gtin = app
        .data(
            r#"query($g: String) { abutmentSku(gtin: $g) { articleNumber } }"#,
            json!({"g": gtin}),
        )
        .await;
    assert_eq!(by_gtin["abutmentSku"]["articleNumber"], "AB-ST-NBA-NP-E-15");
}

#[tokio::test]
async fn systems_are_searched_by_maker_or_by_name() {
    let app = TestApp::new().await;
    let q = r#"query($s: String) { implantSystems(search: $s) { totalCount edges { node { name connection manufacturer { name } platforms { name diameterMm indexPositions } } } } }"#;
    let d = app.data(q, json!({"s": "straumann"})).await;
    let edges = d["implantSystems"]["edges"].as_array().unwrap();
    assert!(edges.len() >= 3);
    assert!(
        edges
            .iter()
            .all(|e| e["node"]["manufacturer"]["name"] == "Straumann")
    );
    let d = app.data(q, json!({"s": "TAPERED"})).await;
    let names: Vec<&str> = d["implantSystems"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Tapered Screw-Vent") && names.contains(&"Tapered Internal"),
        "{names:?}"
    );
    let d = app.data(q, json!({"s": "no such maker"})).await;
    assert_eq!(d["implantSystems"]["totalCount"], 0);
}

#[tokio::test]
async fn node_fetches_any_object_by_its_global_id() {
    let app = TestApp::new().await;
    let d = app
        .data(
            r#"{ platform(system: "NobelReplace", name: "WP") { id system { id } } }"#,
            json!({}),
        )
        .await;
    for id in [&d["platform"]["id"], &d["platform"]["system"]["id"]] {
        let n = app
            .data(
                r#"query($id: ID!) { node(id: $id) { id ... on Platform { name } ... on ImplantSystem { name } } }"#,
                json!({"id": id}),
            )
            .await;
        assert_eq!(&n["node"]["id"], id);
    }
    let errs = app
        .errors(r#"{ node(id: "garbage") { id } }"#, json!({}))
        .await;
    assert_eq!(errs[0].0, "BAD_USER_INPUT");
}

#[tokio::test]
async fn discontinued_skus_are_hidden_unless_asked_for() {
    let app = TestApp::new().await;
    let q = r#"query($f: SkuFilterInput) { abutmentSkus(filter: $f, first: 1) { totalCount } }"#;
    let active = app.data(q, json!({"f": {}})).await["abutmentSkus"]["totalCount"]
        .as_i64()
        .unwrap();
    let all = app
        .data(q, json!({"f": {"includeDiscontinued": true}}))
        .await["abutmentSkus"]["totalCount"]
        .as_i64()
        .unwrap();
    assert_eq!(all, app.count("abutment_sku").await);
    assert!(active < all, "seed has discontinued SKUs");
}

#[tokio::test]
async fn a_query_nested_too_deep_is_refused_before_running() {
    let app = TestApp::new().await;
    let mut q = String::from("{ implantSystem(name: \"NobelActive\") { ");
    for _ in 0..10 {
        q.push_str("platforms { system { ");
    }
    q.push_str("name");
    for _ in 0..10 {
        q.push_str(" } }");
    }
    q.push_str(" } }");
    let before = app.statements();
    let errs = app.errors(&q, json!({})).await;
    assert!(
        errs[0].1.to_lowercase().contains("nested too deep"),
        "{errs:?}"
    );
    assert_eq!(app.statements(), before, "no SQL ran");
}

const UPSERT: &str = r#"mutation($input: UpsertAbutmentSkuInput!) {
  upsertAbutmentSku(input: $input) { outcome sku { articleNumber gtin gingivalHeightMm } userErrors { code field message } }
}"#;

fn sku_input() -> Value {
    json!({"articleNumber": "AB-TEST-1", "gtin": "09521234543213", "name": "Test straight",
           "abutmentType": "STRAIGHT", "material": "TI_6AL_4V_ELI", "gingivalHeightMm": "2.5",
           "angulationDeg": "0", "engaging": true, "sterile": true, "shelfLifeMonths": 36})
}

#[tokio::test]
async fn upserting_a_sku_creates_then_leaves_unchanged_then_updates() {
    let app = TestApp::new().await;
    let d = app.data(UPSERT, json!({"input": sku_input()})).await;
    assert_eq!(d["upsertAbutmentSku"]["outcome"], "CREATED");
    let d = app.data(UPSERT, json!({"input": sku_input()})).await;
    assert_eq!(d["upsertAbutmentSku"]["outcome"], "UNCHANGED");
    let mut changed = sku_input();
    changed["gingivalHeightMm"] = json!("3.5");
    let d = app.data(UPSERT, json!({"input": changed})).await;
    assert_eq!(d["upsertAbutmentSku"]["outcome"], "UPDATED");
    assert_eq!(d["upsertAbutmentSku"]["sku"]["gingivalHeightMm"], "3.5");
}

#[tokio::test]
async fn an_invalid_sku_reports_every_bad_field_and_writes_nothing() {
    let app = TestApp::new().await;
    let before = app.count("abutment_sku").await;
    let mut bad = sku_input();
    bad["gtin"] = json!("09521234543210");
    bad["gingivalHeightMm"] = json!("-0.5");
    bad["angulationDeg"] = json!("50");
    bad["shelfLifeMonths"] = Value::Null;
    let d = app.data(UPSERT, json!({"input": bad})).await;
    let p = &d["upsertAbutmentSku"];
    assert!(p["sku"].is_null());
    let errs = p["userErrors"].as_array().unwrap();
    let fields: Vec<String> = errs
        .iter()
        .map(|e| {
            e["field"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect();
    for f in [
        "input.gtin",
        "input.gingivalHeight",
        "input.angulation",
        "input.shelfLifeMonths",
    ] {
        assert!(fields.contains(&f.to_owned()), "missing {f} in {fields:?}");
    }
    assert!(errs.iter().all(|e| e["code"] == "BAD_USER_INPUT"));
    let gtin_msg = errs.iter().find(|e| e["field"][1] == "gtin").unwrap()["message"]
        .as_str()
        .unwrap();
    assert!(gtin_msg.contains("check digit should be 3"), "{gtin_msg}");
    assert_eq!(app.count("abutment_sku").await, before);
}

#[tokio::test]
async fn a_gtin_owned_by_another_sku_is_a_conflict() {
    let app = TestApp::new().await;
    let taken = app
        .data(
            r#"{ abutmentSku(articleNumber: "AB-ST-NBA-NP-E-15") { gtin } }"#,
            json!({}),
        )
        .await["abutmentSku"]["gtin"]
        .clone();
    let mut input = sku_input();
    input["gtin"] = taken;
    let d = app.data(UPSERT, json!({"input": input})).await;
    assert_eq!(d["upsertAbutmentSku"]["userErrors"][0]["code"], "CONFLICT");
}

#[tokio::test]
async fn a_changed_sku_is_found_under_its_new_values_in_the_lookup() {
    let app = TestApp::new().await;
    let q = r#"query($f: SkuFilterInput) { compatibleAbutments(system: "NobelActive", platform: "NP", filter: $f, first: 500) { totalCount edges { node { articleNumber } } } }"#;
    let has = |d: &Value, art: &str| {
        d["compatibleAbutments"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["node"]["articleNumber"] == art)
    };
    let tall = json!({"f": {"gingivalHeightMin": "5.0"}});
    assert!(!has(&app.data(q, tall.clone()).await, "AB-ST-NBA-NP-E-15"));
    let sku = app
        .data(r#"{ abutmentSku(articleNumber: "AB-ST-NBA-NP-E-15") { gtin name abutmentType material engaging sterile shelfLifeMonths angulationDeg } }"#, json!({}))
        .await["abutmentSku"]
        .clone();
    let mut input = sku.clone();
    input["articleNumber"] = json!("AB-ST-NBA-NP-E-15");
    input["gingivalHeightMm"] = json!("5.5");
    app.data(UPSERT, json!({"input": input.clone()})).await;
    assert!(
        has(&app.data(q, tall).await, "AB-ST-NBA-NP-E-15"),
        "taller part found by height"
    );
    input["status"] = json!("DISCONTINUED");
    app.data(UPSERT, json!({"input": input})).await;
    assert!(
        !has(&app.data(q, json!({"f": {}})).await, "AB-ST-NBA-NP-E-15"),
        "discontinued part hidden"
    );
}
