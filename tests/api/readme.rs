//! The README's GraphQL examples run as written. Every ```graphql block is
//! preceded by an HTML comment that says who runs it and where its variables
//! come from:
//!
//! ```text
//! <!-- example
//! as WAREHOUSE                      every operation of the block, by default
//! as QUALITY: changeLotState        operations whose root field is listed
//! $dueAt = now + 3 days             an RFC 3339 time relative to the run
//! $from = today - 2 days            a date relative to the run
//! $lotId = receiveFinishedLot.lot.id   a value an earlier operation returned
//! $qty = 20                         a JSON literal
//! -->
//! ```
//!
//! A path starts with the root field of an earlier operation in the block
//! (the latest that has it); an array on the way is searched for the first
//! element that has the rest of the path. Each block runs on a fresh seeded
//! database, its operations in order; each must answer without `errors` and
//! with every `userErrors` empty.

use abutment_erp::access::Role;
use chrono::{Duration, Utc};
use serde_json::{Map, Value};

use crate::support::TestApp;

/// One ```graphql block with its annotation.
struct Example {
    line: usize,
    role: Role,
    overrides: Vec<(String, Role)>,
    variables: Vec<(String, String)>,
    operations: Vec<String>,
}

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md")
}

fn role(name: &str, line: usize) -> Role {
    Role::ALL
        .into_iter()
        .find(|r| r.as_str().eq_ignore_ascii_case(name.trim()))
        .unwrap_or_else(|| panic!("README line {line}: no role {name}"))
}

fn examples(text: &str) -> Vec<Example> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() != "```graphql" {
            i += 1;
            continue;
        }
        let fence = i + 1;
        // The annotation ends on the line before the fence.
        let end = i.checked_sub(1).filter(|&e| lines[e].trim() == "-->");
        let end = end.unwrap_or_else(|| {
            panic!("README line {fence}: a ```graphql block without an <!-- example … --> comment right above it")
        });
        let start = (0..end)
            .rev()
            .find(|&s| lines[s].trim_start().starts_with("<!-- example"))
            .unwrap_or_else(|| panic!("README line {fence}: unterminated example comment"));
        let mut ex = Example {
            line: fence,
            role: Role::Admin,
            overrides: Vec::new(),
            variables: Vec::new(),
            operations: Vec::new(),
        };
        let mut has_role = false;
        for (n, l) in lines[start + 1..end].iter().enumerate() {
            let l = l.trim();
            let at = start + n + 2;
            if let Some(rest) = l.strip_prefix("as ") {
                match rest.split_once(':') {
                    Some((r, fields)) => {
                        let r = role(r, at);
                        for f in fields.split(',') {
                            ex.overrides.push((f.trim().to_owned(), r));
                        }
                    }
                    None => {
                        ex.role = role(rest, at);
                        has_role = true;
                    }
                }
            } else if let Some(rest) = l.strip_prefix('$') {
                let (name, expr) = rest
                    .split_once('=')
                    .unwrap_or_else(|| panic!("README line {at}: `$name = value` expected"));
                ex.variables
                    .push((name.trim().to_owned(), expr.trim().to_owned()));
            } else if !l.is_empty() {
                panic!("README line {at}: cannot read {l:?} in an example comment");
            }
        }
        assert!(has_role, "README line {fence}: the example names no role");
        i += 1;
        let mut body = String::new();
        while lines[i].trim() != "```" {
            body.push_str(lines[i]);
            body.push('\n');
            i += 1;
        }
        ex.operations = operations(&body);
        assert!(
            !ex.operations.is_empty(),
            "README line {fence}: empty block"
        );
        out.push(ex);
        i += 1;
    }
    out
}

/// Splits a block into its top-level operations, comments removed.
fn operations(body: &str) -> Vec<String> {
    let mut ops = Vec::new();
    let mut current = String::new();
    let (mut depth, mut in_string) = (0i32, false);
    for line in body.lines() {
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if in_string {
                current.push(c);
                if c == '\\' {
                    if let Some(n) = chars.next() {
                        current.push(n);
                    }
                } else if c == '"' {
                    in_string = false;
                }
                continue;
            }
            match c {
                '#' => break,
                '"' => in_string = true,
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            current.push(c);
            if c == '}' && depth == 0 {
                ops.push(std::mem::take(&mut current).trim().to_owned());
            }
        }
        current.push('\n');
    }
    assert!(
        current.trim().is_empty() && depth == 0,
        "unbalanced example: {body}"
    );
    ops
}

/// The operation's root field (the first selection), alias removed.
fn root_field(op: &str) -> String {
    let body = &op[op.find('{').expect("a selection set") + 1..];
    let name: String = body
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':' || c.is_whitespace())
        .collect();
    let name = name.split('(').next().unwrap_or(&name);
    let name = name.rsplit(':').next().unwrap_or(name);
    name.split_whitespace().next().unwrap_or("").to_owned()
}

/// The variables an operation declares: `query($a: ID!, $b: Int)`.
fn declared(op: &str) -> Vec<String> {
    let head = &op[..op.find('{').unwrap_or(0)];
    head.split('$')
        .skip(1)
        .map(|v| {
            v.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

/// Follows `path` into `v`; an array yields its first element that has the rest.
fn follow<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    match v {
        _ if path.is_empty() => Some(v).filter(|v| !v.is_null()),
        Value::Array(items) => items.iter().find_map(|i| follow(i, path)),
        Value::Object(m) => follow(m.get(path[0])?, &path[1..]),
        _ => None,
    }
}

fn relative(expr: &str) -> Option<Value> {
    let (base, rest) = if let Some(r) = expr.strip_prefix("now") {
        ("now", r)
    } else if let Some(r) = expr.strip_prefix("today") {
        ("today", r)
    } else {
        return None;
    };
    let rest = rest.trim();
    let offset = if rest.is_empty() {
        Duration::zero()
    } else {
        let (sign, rest) = rest.split_at(1);
        let mut words = rest.split_whitespace();
        let n: i64 = words.next()?.parse().ok()?;
        let d = match words.next()?.trim_end_matches('s') {
            "minute" => Duration::minutes(n),
            "hour" => Duration::hours(n),
            "day" => Duration::days(n),
            _ => return None,
        };
        if sign == "-" { -d } else { d }
    };
    let t = Utc::now() + offset;
    Some(Value::String(match base {
        "now" => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        _ => t.date_naive().to_string(),
    }))
}

fn value(ex: &Example, name: &str, results: &[(String, Value)]) -> Value {
    let expr = &ex
        .variables
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| {
            panic!(
                "README line {}: ${name} is used but the comment does not say what it is",
                ex.line
            )
        })
        .1;
    if let Some(v) = relative(expr) {
        return v;
    }
    if let Ok(v) = serde_json::from_str::<Value>(expr) {
        return v;
    }
    let path: Vec<&str> = expr.split('.').collect();
    results
        .iter()
        .rev()
        .filter_map(|(_, data)| data.get(path[0]).and_then(|v| follow(v, &path[1..])))
        .next()
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "README line {}: ${name} = {expr}: no earlier result has it",
                ex.line
            )
        })
}

/// Every `userErrors` list anywhere in `v`.
fn user_errors(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match v {
                    Value::Array(a) if k == "userErrors" => out.extend(a.iter().cloned()),
                    _ => user_errors(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| user_errors(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn every_graphql_example_in_the_readme_runs_as_written() {
    let examples = examples(&readme());
    assert!(examples.len() >= 10, "found {} examples", examples.len());
    let mut ran = 0;
    for ex in &examples {
        let app = TestApp::new().await;
        let mut results: Vec<(String, Value)> = Vec::new();
        for op in &ex.operations {
            let root = root_field(op);
            let role = ex
                .overrides
                .iter()
                .find(|(f, _)| *f == root)
                .map_or(ex.role, |(_, r)| *r);
            let vars: Map<String, Value> = declared(op)
                .into_iter()
                .map(|n| {
                    let v = value(ex, &n, &results);
                    (n, v)
                })
                .collect();
            let r = app
                .run_as(Some(role), op, Value::Object(vars.clone()))
                .await;
            assert!(
                r.get("errors").is_none() && r["data"].is_object(),
                "README line {}: `{root}` as {} with {vars:?} failed: {r:#}",
                ex.line,
                role.as_str()
            );
            let mut errs = Vec::new();
            user_errors(&r["data"], &mut errs);
            assert!(
                errs.is_empty(),
                "README line {}: `{root}` as {} answered userErrors: {errs:?}",
                ex.line,
                role.as_str()
            );
            results.push((root, r["data"].clone()));
            ran += 1;
        }
    }
    eprintln!("{} README examples, {ran} operations", examples.len());
}

#[tokio::test]
async fn the_readme_names_every_mutation_that_takes_an_idempotency_key() {
    let app = TestApp::new().await;
    let d = app
        .data(
            r#"{ __type(name: "MutationRoot") { fields { name args { name } } } }"#,
            serde_json::json!({}),
        )
        .await;
    let keyed: Vec<String> = d["__type"]["fields"]
        .as_array()
        .expect("the mutation type")
        .iter()
        .filter(|f| {
            f["args"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["name"] == "idempotencyKey")
        })
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(keyed.len() > 5, "{keyed:?}");
    let text = readme();
    let para = text
        .split("### Idempotency")
        .nth(1)
        .and_then(|s| s.split("\n### ").next())
        .expect("an Idempotency section");
    for m in &keyed {
        assert!(
            para.contains(&format!("`{m}`")),
            "README's Idempotency section does not name {m}"
        );
    }
    let named = para.matches("`").count() / 2;
    assert!(
        named >= keyed.len(),
        "{named} names for {} mutations",
        keyed.len()
    );
}

#[tokio::test]
async fn the_seeded_cases_are_the_ones_the_readme_describes() {
    let app = TestApp::new().await;
    let d = app
        .data(
            r#"{ clinicalCases { edges { node { number status orderReference
                 matching { options { decision } rejected { decision reason } } } } } }"#,
            serde_json::json!({}),
        )
        .await;
    let d = crate::support::flat(&d);
    let cases = d["clinicalCases"].as_array().unwrap();
    let status = |s: &str| cases.iter().filter(|c| c["status"] == s).count();
    assert_eq!(cases.len(), 9, "three clinics and nine cases");
    assert_eq!(
        (
            status("RESERVED"),
            status("SHIPPED"),
            status("IN_PRODUCTION"),
            status("OPEN")
        ),
        (1, 4, 1, 3),
        "{d}"
    );
    let by_order = |o: &str| {
        cases
            .iter()
            .find(|c| c["orderReference"] == o)
            .unwrap_or_else(|| panic!("no case {o}"))
    };
    // Only quarantined stock fits.
    let quarantined = &by_order("ZS-2026-315")["matching"];
    assert!(
        quarantined["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["reason"].as_str().unwrap().contains("quarantine")),
        "{quarantined}"
    );
    // Nothing fits: the platform's SKUs are of another type or height, and
    // 6 mm is beyond the custom design limits.
    let nothing = &by_order("IZB-8850")["matching"];
    assert!(
        nothing["options"].as_array().unwrap().is_empty(),
        "{nothing}"
    );
    let reasons: Vec<&str> = nothing["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("wrong type"))
            && reasons.iter().any(|r| r.contains("gingival height"))
            && reasons
                .iter()
                .any(|r| r.contains("outside the custom design limits")),
        "{reasons:?}"
    );
}
