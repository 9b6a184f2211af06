//! The quality console: the release desk ([`release`]: lots awaiting
//! release with their inspection and device history record; inspect,
//! release, hold, reject), the trace viewer ([`trace`]: forward from a
//! heat, lot, blank lot, machine window or tool, backward from a unit, a
//! shipment or a case, each as CSV too), the recall cockpit ([`recall`]:
//! scope → preview → activate → per-consignee checklist → reconcile →
//! close; the mock-recall drill) and the recall report ([`report`]: CSV
//! and a printable page). Like every console page, each gets its data by
//! running the schema as the signed-in user, each form runs one mutation
//! and shows its `userErrors`, and each page and form is an entry of the
//! permission matrix (`GET /quality/…`, `POST /quality/…`).

mod cockpit;
mod recall;
mod release;
mod report;
mod trace;

use axum::{
    Router,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use maud::{Markup, html};
use serde_json::{Value, json};

use super::AppState;
use super::warehouse::{Fields, Problem, Problems, Req, input, select, text};

/// The quality routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/quality/release", get(release::desk).post(release::decide))
        .route("/quality/inspect", post(release::inspect))
        .route("/quality/lot", get(release::record))
        .route("/quality/trace", get(trace::page))
        .route("/quality/drill", get(recall::drill))
        .route("/quality/recalls", get(recall::list).post(recall::create))
        .route("/quality/recall", get(recall::cockpit))
        .route("/quality/recall/activate", post(recall::activate))
        .route("/quality/recall/cancel", post(recall::cancel))
        .route("/quality/recall/notify", post(recall::notify))
        .route("/quality/recall/return", post(recall::give_back))
        .route("/quality/recall/usage", post(recall::used))
        .route("/quality/recall/close", post(recall::close))
        .route("/quality/recall/report", get(report::page))
}

/// `303 See Other` to a path built at run time (after a form did its work).
pub(in crate::http::console) fn redirect(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(v) => (StatusCode::SEE_OTHER, [(header::LOCATION, v)]).into_response(),
        Err(_) => super::internal(),
    }
}

/// What a trace or a recall can start from, as the scope form offers it.
const SCOPES: &[(&str, &str)] = &[
    ("heat", "Heat number"),
    ("lot", "Lot number"),
    ("blank", "Blank lot number"),
    ("machine", "Machine (code) and window"),
    ("tool", "Tool (code)"),
];

/// The scope's fields: what it names, its value, and the window (for a
/// machine).
fn scope_fields(f: &Fields, p: &Problems) -> Markup {
    let options: Vec<(String, String)> = SCOPES
        .iter()
        .map(|(k, t)| ((*k).to_owned(), (*t).to_owned()))
        .collect();
    let kind = match f.get("scope") {
        "" => "heat",
        k => k,
    };
    html! {
        div.fields {
            (select("scope", "Start from", kind, &options, "— choose —", p))
            (input("value", "Heat, lot number, machine or tool code", "text", f.get("value"), p, None))
            (input("from", "Window from (UTC, machine)", "datetime-local", f.get("from"), p, None))
            (input("to", "Window to (UTC, machine)", "datetime-local", f.get("to"), p, None))
        }
    }
}

/// Where the API's scope paths go on the scope form.
const SCOPE_MAP: &[(&str, &str)] = &[
    ("value", "value"),
    ("from", "from"),
    ("to", "to"),
    ("scope", "value"),
    ("scope.machineWindow.from", "from"),
    ("scope.machineWindow.to", "to"),
    ("input.scope", "value"),
    ("input.scope.machineWindow.from", "from"),
    ("input.scope.machineWindow.to", "to"),
];

/// A window bound as the API's `DateTime`: a browser's `datetime-local`
/// (read as UTC) or RFC 3339 as typed.
fn instant(v: &str, field: &str) -> Result<String, Problem> {
    if chrono::DateTime::parse_from_rfc3339(v).is_ok() {
        return Ok(v.to_owned());
    }
    for fmt in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(v, fmt) {
            return Ok(t
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        }
    }
    Err(Problem::on(
        field,
        format!("`{v}` is not a date and time (YYYY-MM-DDTHH:MM, UTC)"),
    ))
}

/// The global id of a lot by its number, or the problem on `field`.
async fn lot_id(
    req: &Req<'_>,
    number: &str,
    field: &str,
) -> Result<Result<String, Problem>, Response> {
    let q = "query L($n: String!) { lot(lotNumber: $n) { id item { kind } } }";
    Ok(match req.gql(q, json!({ "n": number })).await? {
        Ok(d) => Ok(text(&d["lot"]["id"])),
        Err(e) => Err(Problem::on(field, e.message())),
    })
}

/// The global id of the machine or tool with `code` in the list at
/// `query`'s `key`, or the problem on `value`.
async fn id_by_code(
    req: &Req<'_>,
    query: &str,
    key: &str,
    code: &str,
    what: &str,
) -> Result<Result<String, Problem>, Response> {
    let d = match req.gql(query, Value::Null).await? {
        Ok(d) => d,
        Err(e) => return Ok(Err(e)),
    };
    let hit = d[key]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["node"])
        .find(|n| {
            n["code"]
                .as_str()
                .is_some_and(|c| c.eq_ignore_ascii_case(code))
        })
        .map(|n| text(&n["id"]));
    Ok(hit.ok_or_else(|| Problem::on("value", format!("no {what} has the code `{code}`"))))
}

/// The scope form's fields as the API's `RecallScopeInput`, numbers and
/// codes looked up as the user; or the problem on the field at fault.
async fn scope_input(req: &Req<'_>, f: &Fields) -> Result<Result<Value, Problem>, Response> {
    let value = f.get("value");
    if value.is_empty() {
        return Ok(Err(Problem::on(
            "value",
            "name where to start: a heat, a lot, a blank lot, a machine or a tool",
        )));
    }
    Ok(Ok(match f.get("scope") {
        "" | "heat" => json!({ "heatNumber": value }),
        "lot" => match lot_id(req, value, "value").await? {
            Ok(id) => json!({ "lotIds": [id] }),
            Err(p) => return Ok(Err(p)),
        },
        "blank" => match lot_id(req, value, "value").await? {
            Ok(id) => json!({ "blankLotId": id }),
            Err(p) => return Ok(Err(p)),
        },
        "machine" => {
            let q = "query M { machines(first: 500) { edges { node { id code } } } }";
            let id = match id_by_code(req, q, "machines", value, "machine").await? {
                Ok(id) => id,
                Err(p) => return Ok(Err(p)),
            };
            let (from, to) = match (instant(f.get("from"), "from"), instant(f.get("to"), "to")) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(p), _) | (_, Err(p)) => return Ok(Err(p)),
            };
            json!({ "machineWindow": { "machineId": id, "from": from, "to": to } })
        }
        "tool" => {
            let q = "query T { tools(retired: true, first: 500) { edges { node { id code } } } }";
            match id_by_code(req, q, "tools", value, "tool").await? {
                Ok(id) => json!({ "toolId": id }),
                Err(p) => return Ok(Err(p)),
            }
        }
        other => {
            return Ok(Err(Problem::on(
                "scope",
                format!("`{other}` is not a scope"),
            )));
        }
    }))
}

/// A time as `YYYY-MM-DD HH:MM`, or a dash.
fn at(v: &Value) -> String {
    if v.is_null() {
        "—".to_owned()
    } else {
        super::warehouse::when(v)
    }
}

/// A labelled input whose id is unique on a page of many forms (`id`)
/// while its name is the form's (`name`); its problem right below it.
fn field(id: &str, name: &str, label: &str, kind: &str, value: &str, err: Option<&str>) -> Markup {
    let err_id = format!("{id}-error");
    html! {
        div.field {
            label for=(id) { (label) }
            input id=(id) name=(name) type=(kind) value=(value)
                aria-invalid=[err.map(|_| "true")]
                aria-describedby=[err.map(|_| err_id.as_str())];
            @if let Some(m) = err { p.error id=(err_id) { (m) } }
        }
    }
}

/// A labelled choice, as [`field`]; `value` selected.
fn choice(
    id: &str,
    name: &str,
    label: &str,
    value: &str,
    options: &[(&str, &str)],
    err: Option<&str>,
) -> Markup {
    let err_id = format!("{id}-error");
    html! {
        div.field {
            label for=(id) { (label) }
            select id=(id) name=(name)
                aria-invalid=[err.map(|_| "true")]
                aria-describedby=[err.map(|_| err_id.as_str())] {
                option value="" selected[value.is_empty()] { "— choose —" }
                @for (v, t) in options {
                    option value=(v) selected[*v == value] { (t) }
                }
            }
            @if let Some(m) = err { p.error id=(err_id) { (m) } }
        }
    }
}

/// Runs a form's one mutation `m` (no idempotency key: these mutations
/// take none; every form redirects after its work, so a reload does not
/// send it again) as the user: its payload when it made its change, else
/// the problems placed by `map` (the payload's `userErrors`, or the
/// refused input), nothing changed. A refusal or an internal error is the
/// page to send instead.
pub(in crate::http::console) async fn mutate(
    req: &Req<'_>,
    m: &str,
    vars: Value,
    map: &[(&str, &str)],
) -> Result<Result<Value, Problems>, Response> {
    Ok(match req.gql(m, vars).await? {
        Ok(d) => {
            let pl = d
                .as_object()
                .and_then(|o| o.values().next())
                .cloned()
                .unwrap_or(Value::Null);
            let p = Problems::user_errors(&pl, map);
            if p.is_empty() { Ok(pl) } else { Err(p) }
        }
        Err(e) => {
            let mut p = Problems::default();
            p.place(e, map);
            Err(p)
        }
    })
}

/// The problems of choices left empty and whole numbers that are not:
/// the page names them itself, since the API cannot take such a value at
/// all (its input types would refuse the request as a whole).
fn unchosen(f: &Fields, choices: &[(&str, &str)], numbers: &[&str]) -> Problems {
    let mut p = Problems::default();
    for (k, what) in choices {
        if f.get(k).is_empty() {
            p.place(Problem::on(k, format!("choose {what}")), &[(k, k)]);
        }
    }
    for k in numbers {
        let v = f.get(k);
        if !v.is_empty() && v.parse::<i64>().is_err() {
            p.place(
                Problem::on(k, format!("`{v}` is not a whole number")),
                &[(k, k)],
            );
        }
    }
    p
}
