//! The sales compatibility finder: manufacturer → implant system → platform
//! (type-ahead from the catalogue), narrowed by the filters of
//! `compatibleAbutments` (article number or name, type, gingival height,
//! angulation, engaging, material, in stock), or a search of the catalogue
//! alone. One query through the schema as the signed-in user answers it,
//! each SKU with its availability (available now, earliest expiry, or
//! custom only) and the fit's source and notes.

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

/// SKUs per page.
const PAGE: i64 = 25;

const SYSTEMS: &str = "query FinderSystems { implantSystems(first: 100) { edges { node { name manufacturer { name } platforms { name } } } } }";

/// The abutment types of the schema's `AbutmentType`, with their labels.
pub(super) const TYPES: &[(&str, &str)] = &[
    ("STRAIGHT", "Straight"),
    ("ANGLED", "Angled"),
    ("MULTI_UNIT", "Multi-unit"),
    ("TI_BASE", "Titanium base"),
    ("TEMPORARY", "Temporary"),
    ("CASTABLE", "Castable"),
    ("BALL", "Ball"),
    ("LOCATOR", "Locator"),
];

/// The materials of the schema's `Material`, with their labels.
pub(super) const MATERIALS: &[(&str, &str)] = &[
    ("TI_6AL_4V_ELI", "Ti-6Al-4V ELI (grade 23)"),
    ("TI_6AL_4V_GRADE_5", "Ti-6Al-4V grade 5"),
    ("CP_TI_GRADE_4", "CP titanium grade 4"),
    ("TI_6AL_7NB", "Ti-6Al-7Nb"),
    ("PEEK", "PEEK"),
    ("GOLD_ALLOY", "Gold alloy"),
    ("CO_CR", "Cobalt-chromium"),
];

/// What the finder asks of each SKU.
pub(super) const SKU_FIELDS: &str = "articleNumber name abutmentType gingivalHeightMm angulationDeg engaging material \
     availability { available reserved earliestExpiry customOnly }";

/// The form's fields as sent.
#[derive(Default)]
struct Ask {
    manufacturer: String,
    system: String,
    platform: String,
    search: String,
    kind: String,
    gh_min: String,
    gh_max: String,
    angulation: String,
    engaging: String,
    material: String,
    in_stock: bool,
    after: String,
}

impl Ask {
    fn from_query(raw: Option<&str>) -> Ask {
        let m: HashMap<String, String> = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .into_owned()
            .collect();
        let get = |k: &str| m.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
        Ask {
            manufacturer: get("manufacturer"),
            system: get("system"),
            platform: get("platform"),
            search: get("search"),
            kind: get("type"),
            gh_min: get("ghmin"),
            gh_max: get("ghmax"),
            angulation: get("angulation"),
            engaging: get("engaging"),
            material: get("material"),
            in_stock: !get("instock").is_empty(),
            after: get("after"),
        }
    }

    fn opt(v: &str) -> Value {
        if v.is_empty() { Value::Null } else { json!(v) }
    }

    fn pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("manufacturer", self.manufacturer.clone()),
            ("system", self.system.clone()),
            ("platform", self.platform.clone()),
            ("search", self.search.clone()),
            ("type", self.kind.clone()),
            ("ghmin", self.gh_min.clone()),
            ("ghmax", self.gh_max.clone()),
            ("angulation", self.angulation.clone()),
            ("engaging", self.engaging.clone()),
            ("material", self.material.clone()),
            ("instock", if self.in_stock { "yes" } else { "" }.to_owned()),
        ]
    }
}

/// A decimal as typed (a decimal comma is taken as a point), or `None`
/// when it is not a number.
pub(super) fn decimal_text(v: &str) -> Option<String> {
    let t = v.trim().replace(',', ".");
    t.parse::<rust_decimal::Decimal>().ok().map(|_| t)
}

/// Field-named problems and a general one, shown beside the form; keyed by
/// the input's id.
#[derive(Default)]
struct Problems(HashMap<&'static str, String>);

impl Problems {
    fn set(&mut self, field: &'static str, m: impl Into<String>) {
        self.0.insert(field, m.into());
    }
    fn get(&self, field: &str) -> Option<&String> {
        self.0.get(field)
    }
    fn any(&self) -> bool {
        !self.0.is_empty()
    }
}

/// One SKU row.
struct Row {
    sku: Value,
    fit: Option<Value>,
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
        problems.set("type", format!("`{}` is not an abutment type.", ask.kind));
    }
    if !ask.material.is_empty() && !MATERIALS.iter().any(|(t, _)| *t == ask.material) {
        problems.set("material", format!("`{}` is not a material.", ask.material));
    }
    if !["", "yes", "no"].contains(&ask.engaging.as_str()) {
        problems.set("engaging", "Choose yes, no or either.");
    }
    for (id, v) in [
        ("ghmin", &ask.gh_min),
        ("ghmax", &ask.gh_max),
        ("angulation", &ask.angulation),
    ] {
        if !v.is_empty() && decimal_text(v).is_none() {
            problems.set(id, format!("`{v}` is not a number."));
        }
    }
    let found = if !asked || problems.any() {
        None
    } else if ask.system.is_empty() && !ask.platform.is_empty() {
        problems.set("system", "Choose the implant system of this platform.");
        None
    } else if !ask.system.is_empty() && ask.platform.is_empty() {
        problems.set("platform", format!("Choose a platform of {}.", ask.system));
        None
    } else {
        match find(&s, &signed, &rid, &ask, &mut problems).await {
            Ok(f) => f,
            Err(r) => return r,
        }
    };

    let status = if problems.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let body = html! {
        h1 { "Compatibility finder" }
        p { "What fits this implant, and is it in stock? Choose the implant system and platform (the maker only when two share a system name) and narrow the list, or search the catalogue by article number or name alone." }
        (form(&ask, &problems, &systems))
        @if let Some(f) = &found { (results(&ask, f)) }
        script src="/assets/sales.js" defer {}
    };
    respond(
        status,
        layout::page("Compatibility finder", Some(&signed.viewer()), body),
    )
}

/// The response to send when the schema refused the request outright.
pub(super) fn refused(signed: &Signed, errors: &[async_graphql::ServerError]) -> Option<Response> {
    let e = errors.first()?;
    match code_of(e) {
        "FORBIDDEN" => Some(forbidden(signed, &e.message)),
        "INTERNAL" => Some(internal()),
        _ => None,
    }
}

/// The input a query error's message is about (the API prefixes a bad
/// input with its field, e.g. `filter.gingivalHeightMin: …`).
fn field_of(message: &str, by_platform: bool) -> &'static str {
    const FILTER: &[(&str, &str)] = &[
        ("filter.gingivalHeightMin", "ghmin"),
        ("filter.gingivalHeightMax", "ghmax"),
        ("filter.angulation", "angulation"),
        ("manufacturer", "manufacturer"),
    ];
    if let Some((_, id)) = FILTER.iter().find(|(f, _)| message.starts_with(f)) {
        return id;
    }
    if message.starts_with("implant system") {
        "system"
    } else if message.starts_with("platform") && by_platform {
        "platform"
    } else {
        "general"
    }
}

/// Runs the search; user mistakes go to `problems`.
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
            "query Finder($m: String, $s: String, $p: String, $filter: SkuFilterInput, $first: Int, $after: String) {{ \
               compatibleAbutments(manufacturer: $m, system: $s, platform: $p, filter: $filter, first: $first, after: $after) {{ \
                 totalCount platform {{ name }} system {{ name manufacturer {{ name }} }} \
                 pageInfo {{ hasNextPage endCursor }} \
                 edges {{ fit {{ source notes }} node {{ {SKU_FIELDS} }} }} }} }}"
        )
    } else {
        format!(
            "query FinderSearch($filter: SkuFilterInput, $first: Int, $after: String) {{ \
               abutmentSkus(filter: $filter, first: $first, after: $after) {{ \
                 totalCount pageInfo {{ hasNextPage endCursor }} \
                 edges {{ node {{ {SKU_FIELDS} fits {{ platform {{ name system {{ name }} }} }} }} }} }} }}"
        )
    };
    let dec = |v: &str| decimal_text(v).map_or(Value::Null, Value::String);
    let vars = json!({
        "m": Ask::opt(&ask.manufacturer),
        "s": Ask::opt(&ask.system),
        "p": Ask::opt(&ask.platform),
        "filter": {
            "search": Ask::opt(&ask.search),
            "types": if ask.kind.is_empty() { json!([]) } else { json!([ask.kind]) },
            "materials": if ask.material.is_empty() { json!([]) } else { json!([ask.material]) },
            "gingivalHeightMin": dec(&ask.gh_min),
            "gingivalHeightMax": dec(&ask.gh_max),
            "angulation": dec(&ask.angulation),
            "engaging": match ask.engaging.as_str() { "yes" => json!(true), "no" => json!(false), _ => Value::Null },
            "inStock": if ask.in_stock { json!(true) } else { Value::Null },
        },
        "first": PAGE,
        "after": Ask::opt(&ask.after),
    });
    let resp = run(s, signed, rid.clone(), &query, vars).await;
    if let Some(r) = refused(signed, &resp.errors) {
        return Err(r);
    }
    if let Some(e) = resp.errors.first() {
        problems.set(field_of(&e.message, by_platform), e.message.clone());
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
    let rows = conn["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|e| Row {
            sku: e["node"].clone(),
            fit: by_platform.then(|| e["fit"].clone()),
        })
        .collect();
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

/// A labelled text input with its error beside it.
fn text_field(
    id: &'static str,
    label: &str,
    value: &str,
    list: Option<&str>,
    p: &Problems,
    extra: Markup,
) -> Markup {
    let err = p.get(id);
    let err_id = format!("{id}-error");
    html! {
        div.field {
            label for=(id) { (label) }
            input id=(id) name=(id) type="text" list=[list] value=(value) autocomplete="off"
                aria-invalid=[err.map(|_| "true")]
                aria-describedby=[err.map(|_| err_id.as_str())];
            (extra)
            @if let Some(m) = err { p.error id=(err_id) { (m) } }
        }
    }
}

/// A labelled select with its error beside it.
fn select_field(
    id: &'static str,
    label: &str,
    value: &str,
    any: &str,
    options: &[(&str, &str)],
    p: &Problems,
) -> Markup {
    let err = p.get(id);
    let err_id = format!("{id}-error");
    html! {
        div.field {
            label for=(id) { (label) }
            select id=(id) name=(id) aria-describedby=[err.map(|_| err_id.as_str())] {
                option value="" selected[value.is_empty()] { (any) }
                @for (v, l) in options {
                    option value=(v) selected[value == *v] { (l) }
                }
            }
            @if let Some(m) = err { p.error id=(err_id) { (m) } }
        }
    }
}

fn form(ask: &Ask, p: &Problems, systems: &[Value]) -> Markup {
    let name = |e: &Value, k: &str| e["node"][k].as_str().unwrap_or("").to_owned();
    let maker = |e: &Value| {
        e["node"]["manufacturer"]["name"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    let mut makers: Vec<String> = systems.iter().map(maker).collect();
    makers.sort();
    makers.dedup();
    let of_maker: Vec<&Value> = systems
        .iter()
        .filter(|e| ask.manufacturer.is_empty() || maker(e).eq_ignore_ascii_case(&ask.manufacturer))
        .collect();
    // (platform, its system), for the platform field's type-ahead.
    let mut platforms: Vec<(String, String)> = of_maker
        .iter()
        .filter(|e| ask.system.is_empty() || name(e, "name").eq_ignore_ascii_case(&ask.system))
        .flat_map(|e| {
            let system = name(e, "name");
            e["node"]["platforms"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(move |p| p["name"].as_str().map(|n| (n.to_owned(), system.clone())))
        })
        .collect();
    platforms.sort();
    platforms.dedup();
    let engaging = [("yes", "Engaging"), ("no", "Non-engaging")];
    html! {
        form.finder method="get" action="/sales/finder" role="search" {
            fieldset {
                legend { "Implant" }
                div.fields {
                    (text_field("manufacturer", "Manufacturer (optional)", &ask.manufacturer, Some("makers"), p, html! {
                        datalist id="makers" { @for m in &makers { option value=(m) {} } }
                    }))
                    (text_field("system", "Implant system", &ask.system, Some("systems"), p, html! {
                        datalist id="systems" {
                            @for e in &of_maker { option value=(name(e, "name")) data-maker=(maker(e)) { (maker(e)) } }
                        }
                    }))
                    (text_field("platform", "Platform", &ask.platform, Some("platforms"), p, html! {
                        datalist id="platforms" { @for (n, system) in &platforms { option value=(n) data-system=(system) { (system) } } }
                    }))
                    div.field {
                        label for="search" { "Article number or name" }
                        input id="search" name="search" type="search" value=(ask.search);
                    }
                }
            }
            fieldset {
                legend { "Abutment" }
                div.fields {
                    (select_field("type", "Type", &ask.kind, "Any", TYPES, p))
                    (text_field("ghmin", "Gingival height from (mm)", &ask.gh_min, None, p, html! {}))
                    (text_field("ghmax", "Gingival height to (mm)", &ask.gh_max, None, p, html! {}))
                    (text_field("angulation", "Angulation (°)", &ask.angulation, None, p, html! {}))
                    (select_field("engaging", "Engaging", &ask.engaging, "Either", &engaging, p))
                    (select_field("material", "Material", &ask.material, "Any", MATERIALS, p))
                    div.field.check {
                        input id="instock" name="instock" type="checkbox" value="yes" checked[ask.in_stock];
                        label for="instock" { "In stock now only" }
                    }
                    div.field { button type="submit" id="find" { "Find" } }
                }
            }
            @if let Some(m) = p.get("general") { p.notice role="alert" { (m) } }
        }
    }
}

/// A decimal as the API sends it.
pub(super) fn decimal(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// The link to a SKU's page.
pub(super) fn sku_link(article: &str) -> String {
    let q: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("article", article)
        .finish();
    format!("/sales/sku?{q}")
}

/// A SKU's availability, in words: units available now and the earliest
/// expiry, or custom only.
pub(super) fn availability(a: &Value) -> Markup {
    let available = a["available"].as_i64();
    html! {
        @match available {
            Some(n) if n > 0 => {
                span.in-stock { (n) " available now" }
                @if let Some(e) = a["earliestExpiry"].as_str() { br; small { "earliest expiry " (e) } }
            },
            Some(_) => span.no-stock { "custom only" },
            None => span.no-stock { "unknown" },
        }
        @if let Some(res) = a["reserved"].as_i64().filter(|n| *n > 0) { br; small { (res) " reserved" } }
    }
}

fn results(ask: &Ask, f: &Found) -> Markup {
    let by_platform = !ask.system.is_empty();
    html! {
        section aria-labelledby="results-heading" {
            h2 id="results-heading" { (f.heading) }
            p id="results-count" {
                (f.total) " SKU(s)"
                @if ask.in_stock { " in stock now" }
                @if f.total > f.rows.len() as i64 { ", " (f.rows.len()) " shown" }
            }
            @if !f.rows.is_empty() {
                div.scroll {
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
                            th scope="col" { "Availability" }
                            @if by_platform { th scope="col" { "Fit source and notes" } }
                            @else { th scope="col" { "Fits" } }
                        }
                    }
                    tbody {
                        @for r in &f.rows {
                            @let article = r.sku["articleNumber"].as_str().unwrap_or("");
                            tr data-article=(article) {
                                td { a href=(sku_link(article)) { (article) } }
                                td { (r.sku["name"].as_str().unwrap_or("")) }
                                td { (r.sku["abutmentType"].as_str().unwrap_or("")) }
                                td.num { (decimal(&r.sku["gingivalHeightMm"])) }
                                td.num { (decimal(&r.sku["angulationDeg"])) }
                                td { @if r.sku["engaging"].as_bool() == Some(true) { "yes" } @else { "no" } }
                                td { (r.sku["material"].as_str().unwrap_or("")) }
                                td.available { (availability(&r.sku["availability"])) }
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
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in ask.pairs() {
        q.append_pair(k, &v);
    }
    q.append_pair("after", after);
    format!("/sales/finder?{}", q.finish())
}
