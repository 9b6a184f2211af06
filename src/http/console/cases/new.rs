//! A new case: the form (clinics and implant systems offered as you type)
//! and its post, which runs `createCase` and, on success, opens the case
//! with its matching options.

use axum::{
    body::Bytes,
    extract::{Extension, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use maud::{Markup, html};
use serde_json::{Value, json};

use super::{Errors, Fields, case_link, data_of, posted, see, viewing};
use crate::{
    access::RequestId,
    http::{
        AppState,
        console::{
            Signed,
            finder::{MATERIALS, TYPES, decimal_text},
            layout, respond, run,
        },
    },
};

const LISTS: &str = "query NewCaseLists { clinics(first: 200) { edges { node { code name } } } \
    implantSystems(first: 100) { edges { node { name manufacturer { name } platforms { name } } } } }";

const CREATE: &str = "mutation NewCase($input: CreateCaseInput!) { createCase(input: $input) { \
    case { number } userErrors { code field message } } }";

const RESTORATIONS: &[(&str, &str)] = &[
    ("SINGLE_CROWN", "Single crown"),
    ("BRIDGE", "Bridge"),
    ("BAR_OVERDENTURE", "Bar or overdenture"),
];

/// The form's inputs: (id, API field, label, hint).
const INPUTS: &[(&str, &str, &str, &str)] = &[
    ("clinic", "clinic", "Clinic (code)", ""),
    (
        "orderReference",
        "orderReference",
        "Clinic's order reference",
        "",
    ),
    (
        "patientPseudonym",
        "patientPseudonym",
        "Patient pseudonym",
        "4–32 letters, digits or '-', with a digit; never a name",
    ),
    (
        "tooth",
        "tooth",
        "Tooth (FDI)",
        "11–18, 21–28, 31–38, 41–48",
    ),
    (
        "manufacturer",
        "manufacturer",
        "Manufacturer (optional)",
        "",
    ),
    ("system", "system", "Implant system", ""),
    ("platform", "platform", "Platform", ""),
    ("restoration", "restoration", "Restoration", ""),
    ("abutmentType", "abutmentType", "Abutment type", ""),
    (
        "gingivalHeightMm",
        "gingivalHeightMm",
        "Gingival height (mm)",
        "0–8",
    ),
    (
        "angulationDeg",
        "angulationDeg",
        "Angulation (°)",
        "0–45; empty is 0",
    ),
    ("engaging", "engaging", "Engaging", ""),
    ("material", "material", "Material", ""),
    ("dueAt", "dueAt", "Due (UTC)", "when the clinic needs it"),
];

/// `GET /cases/new`.
pub(in crate::http::console) async fn form(
    State(s): State<AppState>,
    request_id: Option<Extension<RequestId>>,
    headers: HeaderMap,
) -> Response {
    let signed = match viewing(&s, &headers, "GET /cases/new").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let rid = request_id.map(|Extension(r)| r).unwrap_or_default();
    page(&s, &signed, rid, &Fields::new(), &Errors::default()).await
}

/// The form, filled with `f`, with `errors` beside their fields.
async fn page(
    s: &AppState,
    signed: &Signed,
    rid: RequestId,
    f: &Fields,
    errors: &Errors,
) -> Response {
    let lists = run(s, signed, rid, LISTS, json!({})).await;
    let lists = match data_of(signed, &lists) {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = html! {
        h1 { "New case" }
        p { "One abutment for one implant of one patient. Once created, the case opens with its matching options." }
        (body(signed, f, errors, &lists))
    };
    respond(
        status,
        layout::page("New case", Some(&signed.viewer()), body),
    )
}

fn body(signed: &Signed, f: &Fields, errors: &Errors, lists: &Value) -> Markup {
    let v = |k: &str| f.get(k).cloned().unwrap_or_default();
    let fields: Vec<&str> = INPUTS.iter().map(|(_, api, _, _)| *api).collect();
    let general = errors.others(&fields);
    let systems: Vec<&Value> = lists["implantSystems"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["node"])
        .collect();
    // (platform, its system), for the platform field's type-ahead.
    let mut platforms: Vec<(&str, &str)> = systems
        .iter()
        .flat_map(|s| {
            let system = s["name"].as_str().unwrap_or("");
            s["platforms"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(move |p| p["name"].as_str().map(|n| (n, system)))
        })
        .collect();
    platforms.sort_unstable();
    platforms.dedup();
    let mut makers: Vec<&str> = systems
        .iter()
        .filter_map(|s| s["manufacturer"]["name"].as_str())
        .collect();
    makers.sort_unstable();
    makers.dedup();
    let control = |id: &str, api: &str| -> Markup {
        let errs = errors.on(api);
        let described = (!errs.is_empty()).then(|| format!("{id}-error"));
        let value = v(id);
        let select = |options: &[(&str, &str)], any: Option<&str>| {
            html! {
                select id=(id) name=(id) aria-describedby=[described.as_deref()] aria-invalid=[described.as_ref().map(|_| "true")] {
                    @if let Some(a) = any { option value="" selected[value.is_empty()] { (a) } }
                    @for (o, l) in options { option value=(o) selected[value == *o] { (l) } }
                }
            }
        };
        let text = |kind: &str, list: Option<&str>, extra: &str| {
            html! {
                input id=(id) name=(id) type=(kind) value=(value) list=[list] inputmode=[(!extra.is_empty()).then_some(extra)]
                    autocomplete="off" aria-describedby=[described.as_deref()] aria-invalid=[described.as_ref().map(|_| "true")];
            }
        };
        let input = match id {
            "clinic" => text("text", Some("clinics"), ""),
            "manufacturer" => text("text", Some("makers"), ""),
            "system" => text("text", Some("systems"), ""),
            "platform" => text("text", Some("platforms"), ""),
            "tooth" => text("text", None, "numeric"),
            "gingivalHeightMm" | "angulationDeg" => text("text", None, "decimal"),
            "restoration" => select(RESTORATIONS, None),
            "abutmentType" => select(TYPES, None),
            "engaging" => select(
                &[("yes", "Engaging"), ("no", "Non-engaging")],
                Some("As the restoration needs"),
            ),
            "material" => select(MATERIALS, Some("Any")),
            "dueAt" => text("datetime-local", None, ""),
            _ => text("text", None, ""),
        };
        html! {
            (input)
            @for m in &errs { p.error id=(format!("{id}-error")) { (m) } }
        }
    };
    html! {
        @if !general.is_empty() {
            div.notice role="alert" id="form-errors" { @for m in &general { p { (m) } } }
        }
        form method="post" action="/cases/new" {
            input type="hidden" name="csrf" value=(signed.csrf);
            datalist id="clinics" {
                @for c in lists["clinics"]["edges"].as_array().into_iter().flatten() {
                    option value=(c["node"]["code"].as_str().unwrap_or("")) { (c["node"]["name"].as_str().unwrap_or("")) }
                }
            }
            datalist id="makers" { @for m in &makers { option value=(m) {} } }
            datalist id="systems" {
                @for s in &systems {
                    @let maker = s["manufacturer"]["name"].as_str().unwrap_or("");
                    option value=(s["name"].as_str().unwrap_or("")) data-maker=(maker) { (maker) }
                }
            }
            datalist id="platforms" { @for (p, system) in &platforms { option value=(p) data-system=(system) { (system) } } }
            div.fields {
                @for (id, api, label, hint) in INPUTS {
                    div.field {
                        label for=(id) { (label) @if !hint.is_empty() { " " small.hint { "(" (hint) ")" } } }
                        (control(id, api))
                    }
                }
            }
            button type="submit" id="create" { "Create case" }
        }
        script src="/assets/sales.js" defer {}
    }
}

/// The mutation's input from the form, or the fields that are not even of
/// the right kind (nothing is run then).
fn input_of(f: &Fields) -> Result<Value, Errors> {
    let v = |k: &str| f.get(k).map(|s| s.trim().to_owned()).unwrap_or_default();
    let opt = |k: &str| {
        let x = v(k);
        if x.is_empty() { Value::Null } else { json!(x) }
    };
    let mut errors = Errors::default();
    let tooth = v("tooth");
    let tooth = match tooth.parse::<i32>() {
        Ok(t) => json!(t),
        Err(_) => {
            errors.add(
                "tooth",
                "Enter the tooth as a number in FDI notation, e.g. 36.",
            );
            Value::Null
        }
    };
    let gh = v("gingivalHeightMm");
    let gh = match decimal_text(&gh) {
        Some(d) => json!(d),
        None => {
            errors.add(
                "gingivalHeightMm",
                "Enter the gingival height in mm, e.g. 2.5.",
            );
            Value::Null
        }
    };
    let ang = v("angulationDeg");
    let ang = if ang.is_empty() {
        Value::Null
    } else {
        match decimal_text(&ang) {
            Some(d) => json!(d),
            None => {
                errors.add("angulationDeg", "Enter the angulation in degrees, e.g. 15.");
                Value::Null
            }
        }
    };
    let due = v("dueAt");
    let due = match chrono::NaiveDateTime::parse_from_str(&due, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(&due, "%Y-%m-%dT%H:%M:%S"))
    {
        Ok(d) => json!(d.and_utc().to_rfc3339()),
        Err(_) => {
            errors.add(
                "dueAt",
                "Enter the date and time the clinic needs it (UTC).",
            );
            Value::Null
        }
    };
    let engaging = match v("engaging").as_str() {
        "yes" => json!(true),
        "no" => json!(false),
        "" => Value::Null,
        _ => {
            errors.add(
                "engaging",
                "Choose engaging, non-engaging or as the restoration needs.",
            );
            Value::Null
        }
    };
    for (id, list) in [
        ("restoration", RESTORATIONS),
        ("abutmentType", TYPES),
        ("material", MATERIALS),
    ] {
        let x = v(id);
        let optional = id == "material";
        if (x.is_empty() && !optional) || (!x.is_empty() && !list.iter().any(|(o, _)| *o == x)) {
            errors.add(id, "Choose one of the list.");
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(json!({
        "clinic": v("clinic"),
        "orderReference": v("orderReference"),
        "patientPseudonym": v("patientPseudonym"),
        "tooth": tooth,
        "manufacturer": opt("manufacturer"),
        "system": opt("system"),
        "platform": opt("platform"),
        "restoration": v("restoration"),
        "abutmentType": v("abutmentType"),
        "gingivalHeightMm": gh,
        "angulationDeg": ang,
        "engaging": engaging,
        "material": opt("material"),
        "dueAt": due,
    }))
}

/// `POST /cases/new`: runs `createCase`; on success opens the case.
pub(in crate::http::console) async fn submit(
    State(s): State<AppState>,
    request_id: Option<Extension<RequestId>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (signed, f) = match posted(&s, &headers, &body, "POST /cases/new").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let rid = request_id.map(|Extension(r)| r).unwrap_or_default();
    let input = match input_of(&f) {
        Ok(i) => i,
        Err(errors) => return page(&s, &signed, rid, &f, &errors).await,
    };
    let resp = run(&s, &signed, rid.clone(), CREATE, json!({ "input": input })).await;
    let d = match data_of(&signed, &resp) {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let payload = &d["createCase"];
    let errors = Errors::of(payload, &resp);
    match payload["case"]["number"].as_str() {
        Some(n) if errors.is_empty() => see(&format!("{}?done=created", case_link(n))),
        _ => page(&s, &signed, rid, &f, &errors).await,
    }
}
