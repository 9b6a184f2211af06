//! The committed `schema.graphql` matches the code, and every type, field,
//! argument and enum value of the API is described.

#[test]
fn schema_file_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let generated = abutment_erp::graphql::sdl();
    assert!(
        committed == generated,
        "schema.graphql is stale: regenerate it with `cargo run -- export-schema` and commit it"
    );
}

#[tokio::test]
async fn every_type_field_argument_and_enum_value_has_a_description() {
    let app = crate::support::TestApp::empty().await;
    let d = app
        .data(
            r#"{ __schema { types { name kind description
                 fields(includeDeprecated: true) { name description args { name description } }
                 inputFields { name description }
                 enumValues(includeDeprecated: true) { name description } } } }"#,
            serde_json::json!({}),
        )
        .await;
    let builtin = ["String", "Int", "Float", "Boolean", "ID"];
    let mut missing = Vec::new();
    let empty = |v: &serde_json::Value| v.as_str().is_none_or(|s| s.trim().is_empty());
    for t in d["__schema"]["types"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        if name.starts_with("__") || builtin.contains(&name) {
            continue;
        }
        if empty(&t["description"]) {
            missing.push(name.to_owned());
        }
        for f in t["fields"].as_array().into_iter().flatten() {
            if empty(&f["description"]) {
                missing.push(format!("{name}.{}", f["name"]));
            }
            for a in f["args"].as_array().into_iter().flatten() {
                if empty(&a["description"]) {
                    missing.push(format!("{name}.{}({})", f["name"], a["name"]));
                }
            }
        }
        for f in t["inputFields"].as_array().into_iter().flatten() {
            if empty(&f["description"]) {
                missing.push(format!("{name}.{}", f["name"]));
            }
        }
        for v in t["enumValues"].as_array().into_iter().flatten() {
            if empty(&v["description"]) {
                missing.push(format!("{name}.{}", v["name"]));
            }
        }
    }
    assert!(missing.is_empty(), "undocumented: {missing:#?}");
}

#[tokio::test]
async fn date_scalars_are_named_date_and_datetime_with_their_specifications() {
    let app = crate::support::TestApp::empty().await;
    let d = app
        .data(
            r#"{ __schema { types { name kind description specifiedByURL } } }"#,
            serde_json::json!({}),
        )
        .await;
    let types = d["__schema"]["types"].as_array().unwrap();
    let scalar = |name: &str| {
        types
            .iter()
            .find(|t| t["name"] == name && t["kind"] == "SCALAR")
            .cloned()
    };
    assert!(
        scalar("NaiveDate").is_none(),
        "NaiveDate leaks a Rust type name"
    );
    let date = scalar("Date").expect("a Date scalar");
    assert!(
        date["specifiedByURL"]
            .as_str()
            .unwrap()
            .starts_with("https://datatracker.ietf.org/doc/html/rfc3339")
    );
    let dt = scalar("DateTime").expect("a DateTime scalar");
    assert_eq!(
        dt["specifiedByURL"],
        "https://datatracker.ietf.org/doc/html/rfc3339"
    );
    for s in [&date, &dt] {
        let desc = s["description"].as_str().unwrap();
        assert!(
            !desc.contains("Implement") && !desc.contains("Utc>") && desc.contains("RFC 3339"),
            "{desc}"
        );
    }
    let sdl = abutment_erp::graphql::sdl();
    assert!(sdl.contains("scalar Date @specifiedBy(url:"), "{sdl}");
    assert!(sdl.contains("scalar DateTime @specifiedBy(url:"));
}

#[tokio::test]
async fn a_date_argument_is_read_and_a_bad_one_is_refused_naming_the_field() {
    let app = crate::support::TestApp::new().await;
    let q = r#"mutation($d: Date!) { receiveFinishedLot(input: { articleNumber: "AB-ST-NBA-NP-E-15",
        lotNumber: "LDATE1", quantity: 1, location: "MAIN/RECV/DOCK-1", productionDate: $d,
        reference: "test" }) { lot { productionDate } userErrors { field message } } }"#;
    let bad = app.run(q, serde_json::json!({ "d": "2026-02-30" })).await;
    let e = &bad["errors"][0];
    assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{bad:#}");
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let ok = app.data(q, serde_json::json!({ "d": today })).await;
    let lot = &ok["receiveFinishedLot"];
    assert!(
        lot["userErrors"].as_array().unwrap().is_empty()
            && lot["lot"]["productionDate"] == today.as_str(),
        "{ok:#}"
    );
}
