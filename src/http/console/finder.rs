//! The sales compatibility finder: an implant system and platform (with
//! type-ahead from the catalogue), optionally narrowed by article number or
//! name, or a search alone. It runs `compatibleAbutments` (or
//! `abutmentSkus` for a search alone) and `skuStock` for each SKU shown,
//! through the schema as the signed-in user, and shows what fits with what
//! can be promised now.

use std::collections::HashMap;

use axum::{
    extract::{Extension, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use maud::{Markup, html};
use serde_json::{Value, json};

use super::{
    AppState, Signed, code_of, forbidden, internal, layout, refusal, respond, run, signed_in,
};
use crate::access::RequestId;

/// SKUs per page (each needs one alias for its stock; the schema allows 30).
const PAGE: i64 = 25;

const SYSTEMS: &str = "query FinderSystems { implantSystems(first: 100) { edges { node { name manufacturer { name } platforms { name } } } } }";

/// The abutment types of the schema's `AbutmentType`, with their labels.
const TYPES: &[(&str, &str)] = &[
    ("STRAIGHT", "Straight"),
    ("ANGLED", "Angled"),
    ("MULTI_UNIT", "Multi-unit"),
    ("TI_BASE", "Titanium base"),
    ("TEMPORARY", "Temporary"),
    ("CASTABLE", "Castable"),
    ("BALL", "Ball"),
    ("LOCATOR", "Locator"),
];

const SKU_FIELDS: &str =
    "articleNumber name abutmentType gingivalHeightMm angulationDeg engaging material";

/// The form's fields as sent.
#[derive(Default)]
struct Ask {
    system: String,
    platform: String,
    search: String,
    kind: String,
    engaging: String,
    after: String,
}

impl Ask {
    fn from_query(raw: Option<&str>) -> Ask {
        let m: HashMap<String, String> = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .into_owned()
            .collect();
        let get = |k: &str| m.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
        Ask {
            system: get("system"),
            platform: get("platform"),
            search: get("search"),
            kind: get("type"),
            engaging: get("engaging"),
            after: get("after"),
        }
    }
    fn opt(v: &str) -> Value {
        if v.is_empty() { Value::Null } else { json!(v) }
    }
}

/// Field-named problems and a general one, shown beside the form.
#[derive(Default)]
struct Problems {
    system: Option<String>,
    platform: Option<String>,
    kind: Option<String>,
    engaging: Option<String>,
    general: Option<String>,
}

/// One SKU row.
struct Row {
    sku: Value,
    fit: Option<Value>,
    available: Option<i64>,
    reserved: Option<i64>,
}

/// What was found.
struct Found {
    heading: String,
    total: i64,
    rows: Vec<Row>,
    next: Option<String>,
}

/// `GET /sales/finder`.
pub(super) async fn page(
    State(s): State<AppState>,
    request_id: Option<Extension<RequestId>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let signed = match signed_in(&s, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Some(r) = refusal(&signed, "GET /sales/finder") {
        return r;
    }
    let rid = request_id.map(|Extension(r)| r).unwrap_or_default();
    let ask = Ask::from_query(raw.as_deref());

    let systems = run(&s, &signed, rid.clone(), SYSTEMS, json!({})).await;
    if let Some(r) = refused(&signed, &systems.errors) {
        return r;
    }
    let systems = serde_json::to_value(&systems.data).unwrap_or(Value::Null);
    let systems = systems["implantSystems"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();

    let mut problems = Problems::default();
    let asked = !(ask.system.is_empty() && ask.platform.is_empty() && ask.search.is_empty());
    if !ask.kind.is_empty() && !TYPES.iter().any(|(t, _)| *t == ask.kind) {
        problems.kind = Some(format!("`{}` is not an abutment type.", ask.kind));
    }
    if !["", "yes", "no"].contains(&ask.engaging.as_str()) {
        problems.engaging = Some("Choose yes, no or either.".into());
    }
    let found = if !asked || problems.kind.is_some() || problems.engaging.is_some() {
        None
    } else if ask.system.is_empty() && !ask.platform.is_empty() {
        problems.system = Some("Choose the implant system of this platform.".into());
        None
    } else if !ask.system.is_empty() && ask.platform.is_empty() {
        problems.platform = Some(format!("Choose a platform of {}.", ask.system));
        None
    } else {
        match find(&s, &signed, &rid, &ask, &mut problems).await {
            Ok(f) => f,
            Err(r) => return r,
        }
    };

    let status = if problems.system.is_some()
        || problems.platform.is_some()
        || problems.kind.is_some()
        || problems.engaging.is_some()
        || problems.general.is_some()
    {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let body = html! {
        h1 { "Compatibility finder" }
        p { "What fits this implant, and is it in stock? Choose the implant system and platform (and narrow by article number or name), or search the catalogue by article number or name alone." }
        (form(&ask, &problems, &systems))
        @if let Some(f) = &found { (results(&ask, f)) }
    };
    respond(
        status,
        layout::page("Compatibility finder", Some(&signed.viewer()), body),
    )
}

/// The response to send when the schema refused the request outright.
fn refused(signed: &Signed, errors: &[async_graphql::ServerError]) -> Option<Response> {
    let e = errors.first()?;
    match code_of(e) {
        "FORBIDDEN" => Some(forbidden(signed, &e.message)),
        "INTERNAL" => Some(internal()),
        _ => None,
    }
}

/// Runs the search and the stock look-ups; user mistakes go to `problems`.
async fn find(
    s: &AppState,
    signed: &Signed,
    rid: &RequestId,
    ask: &Ask,
    problems: &mut Problems,
) -> Result<Option<Found>, Response> {
    let by_platform = !ask.system.is_empty();
    let query = if by_platform {
        format!(
            "query Finder($s: String, $p: String, $search: String, $types: [AbutmentType!]!, $engaging: Boolean, $first: Int, $after: String) {{ \
               compatibleAbutments(system: $s, platform: $p, filter: {{search: $search, types: $types, engaging: $engaging}}, first: $first, after: $after) {{ \
                 totalCount platform {{ name }} system {{ name manufacturer {{ name }} }} \
                 pageInfo {{ hasNextPage endCursor }} \
                 edges {{ fit {{ source notes }} node {{ {SKU_FIELDS} }} }} }} }}"
        )
    } else {
        format!(
            "query FinderSearch($search: String, $types: [AbutmentType!]!, $engaging: Boolean, $first: Int, $after: String) {{ \
               abutmentSkus(filter: {{search: $search, types: $types, engaging: $engaging}}, first: $first, after: $after) {{ \
                 totalCount pageInfo {{ hasNextPage endCursor }} \
                 edges {{ node {{ {SKU_FIELDS} fits {{ platform {{ name system {{ name }} }} }} }} }} }} }}"
        )
    };
    let vars = json!({
        "s": Ask::opt(&ask.system),
        "p": Ask::opt(&ask.platform),
        "search": Ask::opt(&ask.search),
        "types": if ask.kind.is_empty() { json!([]) } else { json!([ask.kind]) },
        "engaging": match ask.engaging.as_str() { "yes" => json!(true), "no" => json!(false), _ => Value::Null },
        "first": PAGE,
        "after": Ask::opt(&ask.after),
    });
    let resp = run(s, signed, rid.clone(), &query, vars).await;
    if let Some(r) = refused(signed, &resp.errors) {
        return Err(r);
    }
    if let Some(e) = resp.errors.first() {
        // Name the field the message is about, as the API's message does.
        let m = e.message.clone();
        if m.starts_with("implant system") {
            problems.system = Some(m);
        } else if m.starts_with("platform") && by_platform {
            problems.platform = Some(m);
        } else {
            problems.general = Some(m);
        }
        return Ok(None);
    }
    let data = serde_json::to_value(&resp.data).unwrap_or(Value::Null);
    let conn = if by_platform {
        &data["compatibleAbutments"]
    } else {
        &data["abutmentSkus"]
    };
    let heading = if by_platform {
        format!(
            "Fits {} {} {}",
            conn["system"]["manufacturer"]["name"]
                .as_str()
                .unwrap_or(""),
            conn["system"]["name"].as_str().unwrap_or(&ask.system),
            conn["platform"]["name"].as_str().unwrap_or(&ask.platform)
        )
    } else {
        format!("Catalogue entries matching “{}”", ask.search)
    };
    let mut rows: Vec<Row> = conn["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|e| Row {
            sku: e["node"].clone(),
            fit: by_platform.then(|| e["fit"].clone()),
            available: None,
            reserved: None,
        })
        .collect();
    stock(s, signed, rid, &mut rows).await?;
    let next = (conn["pageInfo"]["hasNextPage"].as_bool() == Some(true))
        .then(|| conn["pageInfo"]["endCursor"].as_str().map(str::to_owned))
        .flatten();
    Ok(Some(Found {
        heading,
        total: conn["totalCount"].as_i64().unwrap_or(0),
        rows,
        next,
    }))
}

/// Fills in what can be promised now of each row's SKU: one request, one
/// aliased `skuStock` per SKU.
async fn stock(
    s: &AppState,
    signed: &Signed,
    rid: &RequestId,
    rows: &mut [Row],
) -> Result<(), Response> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut params = Vec::new();
    let mut fields = Vec::new();
    let mut vars = serde_json::Map::new();
    for (i, r) in rows.iter().enumerate() {
        params.push(format!("$a{i}: String!"));
        fields.push(format!(
            "s{i}: skuStock(articleNumber: $a{i}) {{ quantities {{ available reserved }} }}"
        ));
        vars.insert(format!("a{i}"), r.sku["articleNumber"].clone());
    }
    let query = format!(
        "query FinderStock({}) {{ {} }}",
        params.join(", "),
        fields.join(" ")
    );
    let resp = run(s, signed, rid.clone(), &query, Value::Object(vars)).await;
    if let Some(r) = refused(signed, &resp.errors) {
        return Err(r);
    }
    let data = serde_json::to_value(&resp.data).unwrap_or(Value::Null);
    for (i, r) in rows.iter_mut().enumerate() {
        let q = &data[format!("s{i}")]["quantities"];
        r.available = q["available"].as_i64();
        r.reserved = q["reserved"].as_i64();
    }
    Ok(())
}

fn form(ask: &Ask, p: &Problems, systems: &[Value]) -> Markup {
    let mut platforms: Vec<String> = systems
        .iter()
        .filter(|e| {
            ask.system.is_empty()
                || e["node"]["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(&ask.system))
        })
        .flat_map(|e| {
            e["node"]["platforms"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect();
    platforms.sort();
    platforms.dedup();
    html! {
        form.finder method="get" action="/sales/finder" role="search" {
            div.fields {
                div.field {
                    label for="system" { "Implant system" }
                    input id="system" name="system" type="text" list="systems" value=(ask.system)
                        autocomplete="off" aria-describedby=[p.system.as_ref().map(|_| "system-error")];
                    datalist id="systems" {
                        @for e in systems {
                            option value=(e["node"]["name"].as_str().unwrap_or("")) {
                                (e["node"]["manufacturer"]["name"].as_str().unwrap_or(""))
                            }
                        }
                    }
                    @if let Some(m) = &p.system { p.error id="system-error" { (m) } }
                }
                div.field {
                    label for="platform" { "Platform" }
                    input id="platform" name="platform" type="text" list="platforms" value=(ask.platform)
                        autocomplete="off" aria-describedby=[p.platform.as_ref().map(|_| "platform-error")];
                    datalist id="platforms" {
                        @for name in &platforms { option value=(name) {} }
                    }
                    @if let Some(m) = &p.platform { p.error id="platform-error" { (m) } }
                }
                div.field {
                    label for="search" { "Article number or name" }
                    input id="search" name="search" type="search" value=(ask.search);
                }
                div.field {
                    label for="type" { "Type" }
                    select id="type" name="type" aria-describedby=[p.kind.as_ref().map(|_| "type-error")] {
                        option value="" selected[ask.kind.is_empty()] { "Any" }
                        @for (t, label) in TYPES {
                            option value=(t) selected[ask.kind == *t] { (label) }
                        }
                    }
                    @if let Some(m) = &p.kind { p.error id="type-error" { (m) } }
                }
                div.field {
                    label for="engaging" { "Engaging" }
                    select id="engaging" name="engaging" aria-describedby=[p.engaging.as_ref().map(|_| "engaging-error")] {
                        option value="" selected[ask.engaging.is_empty()] { "Either" }
                        option value="yes" selected[ask.engaging == "yes"] { "Engaging" }
                        option value="no" selected[ask.engaging == "no"] { "Non-engaging" }
                    }
                    @if let Some(m) = &p.engaging { p.error id="engaging-error" { (m) } }
                }
                div.field { button type="submit" id="find" { "Find" } }
            }
            @if let Some(m) = &p.general { p.notice role="alert" { (m) } }
        }
    }
}

fn decimal(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

fn results(ask: &Ask, f: &Found) -> Markup {
    let by_platform = !ask.system.is_empty();
    html! {
        section aria-labelledby="results-heading" {
            h2 id="results-heading" { (f.heading) }
            p id="results-count" { (f.total) " SKU(s)" @if f.total > f.rows.len() as i64 { ", " (f.rows.len()) " shown" } }
            @if !f.rows.is_empty() {
                table id="results" {
                    thead {
                        tr {
                            th scope="col" { "Article" }
                            th scope="col" { "Name" }
                            th scope="col" { "Type" }
                            th scope="col" { "Gingival height (mm)" }
                            th scope="col" { "Angulation (°)" }
                            th scope="col" { "Engaging" }
                            th scope="col" { "Material" }
                            th scope="col" { "Available now" }
                            @if by_platform { th scope="col" { "Fit source and notes" } }
                            @else { th scope="col" { "Fits" } }
                        }
                    }
                    tbody {
                        @for r in &f.rows {
                            tr data-article=(r.sku["articleNumber"].as_str().unwrap_or("")) {
                                td { (r.sku["articleNumber"].as_str().unwrap_or("")) }
                                td { (r.sku["name"].as_str().unwrap_or("")) }
                                td { (r.sku["abutmentType"].as_str().unwrap_or("")) }
                                td.num { (decimal(&r.sku["gingivalHeightMm"])) }
                                td.num { (decimal(&r.sku["angulationDeg"])) }
                                td { @if r.sku["engaging"].as_bool() == Some(true) { "yes" } @else { "no" } }
                                td { (r.sku["material"].as_str().unwrap_or("")) }
                                td.num.available {
                                    @match r.available {
                                        Some(n) if n > 0 => span.in-stock { (n) " available" },
                                        Some(_) => span.no-stock { "none in stock" },
                                        None => span.no-stock { "unknown" },
                                    }
                                    @if let Some(res) = r.reserved.filter(|n| *n > 0) { br; small { (res) " reserved" } }
                                }
                                @if let Some(fit) = &r.fit {
                                    td {
                                        (fit["source"].as_str().unwrap_or(""))
                                        @if let Some(n) = fit["notes"].as_str() { br; small { (n) } }
                                    }
                                } @else {
                                    td {
                                        @for (i, p) in r.sku["fits"].as_array().cloned().unwrap_or_default().iter().enumerate() {
                                            @if i > 0 { ", " }
                                            (p["platform"]["system"]["name"].as_str().unwrap_or("")) " " (p["platform"]["name"].as_str().unwrap_or(""))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(after) = &f.next {
                p {
                    a rel="next" href=(next_link(ask, after)) { "Next " (PAGE) }
                }
            }
        }
    }
}

fn next_link(ask: &Ask, after: &str) -> String {
    let q: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("system", &ask.system)
        .append_pair("platform", &ask.platform)
        .append_pair("search", &ask.search)
        .append_pair("type", &ask.kind)
        .append_pair("engaging", &ask.engaging)
        .append_pair("after", after)
        .finish();
    format!("/sales/finder?{q}")
}
