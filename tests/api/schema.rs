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
