//! The stock pages: balances by SKU, lot and location with filters, paging
//! and totals per state (`stock`, `stockTotals`); lots expiring within N
//! days (`lotsExpiring`); SKUs below their reorder point
//! (`belowReorderPoint`); the ledger of a lot (`Lot.movements`). Each
//! offers its current view as CSV (`&format=csv`): every page of it,
//! fetched through the schema as the signed-in user.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use maud::{Markup, html};
use serde_json::{Value, json};

use super::{
    Get, LEDGER_ROW, Problem, Problems, Req, input, ledger_table, link, num, select, state_tag,
    text,
};

/// Rows per page on screen.
const PAGE: i64 = 50;
/// Rows per request while writing a CSV download (the API's cap).
const CSV_PAGE: i64 = 500;
/// The most rows a CSV download writes.
const CSV_MAX: usize = 50_000;

const STATES: &[&str] = &["QUARANTINE", "RELEASED", "ON_HOLD", "REJECTED", "RECALLED"];

/// The stored states, for the filter's choices.
fn state_options() -> Vec<(String, String)> {
    STATES
        .iter()
        .map(|s| ((*s).to_owned(), (*s).to_owned()))
        .collect()
}

/// A CSV download; `rows` already include the header line.
pub(in crate::http::console) fn csv(name: &str, rows: Vec<Vec<String>>) -> Response {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        if w.write_record(&r).is_err() {
            return super::internal();
        }
    }
    let body = match w.into_inner() {
        Ok(b) => b,
        Err(_) => return super::internal(),
    };
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    crate::http::explorer::secure(&mut r);
    r
}

/// Walks every page of the connection at `path` (a key of `data`), as
/// the user: the nodes, up to [`CSV_MAX`].
async fn all_nodes(
    req: &Req<'_>,
    query: &str,
    mut vars: Value,
    path: &str,
) -> Result<Result<Vec<Value>, Problem>, Response> {
    let mut out = Vec::new();
    let mut after = Value::Null;
    loop {
        vars["first"] = json!(CSV_PAGE);
        vars["after"] = after;
        let d = match req.gql(query, vars.clone()).await? {
            Ok(d) => d,
            Err(p) => return Ok(Err(p)),
        };
        let conn = &d[path];
        for e in conn["edges"].as_array().into_iter().flatten() {
            out.push(e["node"].clone());
        }
        if conn["pageInfo"]["hasNextPage"] != true || out.len() >= CSV_MAX {
            out.truncate(CSV_MAX);
            return Ok(Ok(out));
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
}

/// The "next page" and "download" links of a view.
fn paging(path: &str, pairs: &[(&str, &str)], next: Option<&str>) -> Markup {
    let mut csv_pairs: Vec<(&str, &str)> = pairs.to_vec();
    csv_pairs.push(("format", "csv"));
    let mut next_pairs: Vec<(&str, &str)> = pairs.to_vec();
    if let Some(n) = next {
        next_pairs.push(("after", n));
    }
    html! {
        p.paging {
            @if next.is_some() { a rel="next" id="next-page" href=(link(path, &next_pairs)) { "Next " (PAGE) } " · " }
            a id="csv" href=(link(path, &csv_pairs)) download { "Download this view as CSV" }
        }
    }
}

fn next_cursor(conn: &Value) -> Option<String> {
    (conn["pageInfo"]["hasNextPage"] == true)
        .then(|| conn["pageInfo"]["endCursor"].as_str().map(str::to_owned))
        .flatten()
}

// ------------------------------------------------------------------ stock

const STOCK_MAP: &[(&str, &str)] = &[
    ("filter.articleNumber", "sku"),
    ("filter.lotNumber", "lot"),
    ("filter.location", "location"),
    ("filter.state", "state"),
];

const STOCK_LINE: &str = "lot { id lotNumber effectiveState expiryDate item { code unit } } \
    location { code locationType } onHand reserved available";

/// `GET /warehouse/stock`: balances with filters, paging and totals.
pub(super) async fn stock(g: Get) -> Result<Response, Response> {
    let (req, f) = g.open("GET /warehouse/stock").await?;
    let mut p = Problems::default();
    if !f.get("state").is_empty() && !STATES.contains(&f.get("state")) {
        p.place(
            Problem::on("state", format!("`{}` is not a lot state.", f.get("state"))),
            &[("state", "state")],
        );
    }
    let filter = json!({
        "articleNumber": f.opt("sku"),
        "lotNumber": f.opt("lot"),
        "location": f.opt("location"),
        "state": f.opt("state"),
    });
    let pairs = [
        ("sku", f.get("sku")),
        ("lot", f.get("lot")),
        ("location", f.get("location")),
        ("state", f.get("state")),
    ];
    if p.is_empty() && f.get("format") == "csv" {
        match stock_csv(&req, filter.clone()).await? {
            Ok(r) => return Ok(r),
            Err(e) => p.place(e, STOCK_MAP),
        }
    }
    let mut found = None;
    if p.is_empty() {
        let q = format!(
            "query Stock($filter: StockFilterInput, $first: Int, $after: String) {{ \
               stockTotals(filter: $filter) {{ onHand available reserved releasedElsewhere quarantine onHold expired rejected recalled }} \
               stock(filter: $filter, first: $first, after: $after) {{ totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {STOCK_LINE} }} }} }} }}"
        );
        match req
            .gql(
                &q,
                json!({ "filter": filter, "first": PAGE, "after": f.opt("after") }),
            )
            .await
        {
            Ok(Ok(d)) => found = Some(d),
            Ok(Err(e)) => p.place(e, STOCK_MAP),
            Err(r) => return Err(r),
        }
    }
    let body = html! {
        h1 { "Stock" }
        form.filters method="get" action="/warehouse/stock" role="search" {
            div.fields {
                (input("sku", "Article number", "text", f.get("sku"), &p, None))
                (input("lot", "Lot number", "text", f.get("lot"), &p, None))
                (input("location", "Location code", "text", f.get("location"), &p, None))
                (select("state", "Lot state", f.get("state"), &state_options(), "Any", &p))
                div.field { button type="submit" id="filter" { "Show" } }
            }
        }
        (p.notice())
        @if let Some(d) = &found {
            @let t = &d["stockTotals"];
            @let conn = &d["stock"];
            (totals(t))
            section aria-labelledby="lines-heading" {
                h2 id="lines-heading" { "Lines" }
                p id="lines-count" { (num(&conn["totalCount"])) " line(s)" }
                (stock_table(conn))
                (paging("/warehouse/stock", &pairs, next_cursor(conn).as_deref()))
            }
        }
    };
    Ok(req.respond(super::status_of(&p), "Stock", body))
}

/// The whole stock view as CSV, or the problem with its filter.
async fn stock_csv(req: &Req<'_>, filter: Value) -> Result<Result<Response, Problem>, Response> {
    let q = format!(
        "query StockCsv($filter: StockFilterInput, $first: Int, $after: String) {{ \
           stock(filter: $filter, first: $first, after: $after) {{ pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {STOCK_LINE} }} }} }} }}"
    );
    let nodes = match all_nodes(req, &q, json!({ "filter": filter }), "stock").await? {
        Ok(n) => n,
        Err(e) => return Ok(Err(e)),
    };
    let mut rows = vec![
        [
            "article_number",
            "lot_number",
            "effective_state",
            "expiry_date",
            "location_code",
            "location_type",
            "on_hand",
            "reserved",
            "available",
            "unit",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for n in nodes {
        rows.push(vec![
            text(&n["lot"]["item"]["code"]),
            text(&n["lot"]["lotNumber"]),
            text(&n["lot"]["effectiveState"]),
            text(&n["lot"]["expiryDate"]),
            text(&n["location"]["code"]),
            text(&n["location"]["locationType"]),
            num(&n["onHand"]).to_string(),
            num(&n["reserved"]).to_string(),
            num(&n["available"]).to_string(),
            text(&n["lot"]["item"]["unit"]),
        ]);
    }
    Ok(Ok(csv("stock.csv", rows)))
}

/// The totals per state of a stock view.
fn totals(t: &Value) -> Markup {
    html! {
        section aria-labelledby="totals-heading" {
            h2 id="totals-heading" { "Totals of this view" }
            div.scroll {
                table id="totals" {
                    thead { tr {
                        th scope="col" { "On hand" } th scope="col" { "Available" } th scope="col" { "Reserved" }
                        th scope="col" { "Released elsewhere" } th scope="col" { "Quarantine" } th scope="col" { "On hold" }
                        th scope="col" { "Expired" } th scope="col" { "Rejected" } th scope="col" { "Recalled" }
                    } }
                    tbody { tr {
                        @for k in ["onHand", "available", "reserved", "releasedElsewhere", "quarantine", "onHold", "expired", "rejected", "recalled"] {
                            td.num data-total=(k) { (num(&t[k])) }
                        }
                    } }
                }
            }
        }
    }
}

fn stock_table(conn: &Value) -> Markup {
    html! {
        div.scroll {
            table id="stock-lines" {
                thead { tr {
                    th scope="col" { "Article" } th scope="col" { "Lot" } th scope="col" { "State" } th scope="col" { "Expiry" }
                    th scope="col" { "Location" } th scope="col" { "On hand" } th scope="col" { "Reserved" } th scope="col" { "Available" }
                } }
                tbody {
                    @for e in conn["edges"].as_array().into_iter().flatten() {
                        @let n = &e["node"];
                        tr {
                            td { (text(&n["lot"]["item"]["code"])) }
                            td { a href=(link("/warehouse/lot", &[("id", &text(&n["lot"]["id"]))])) { (text(&n["lot"]["lotNumber"])) } }
                            td { (state_tag(&text(&n["lot"]["effectiveState"]))) }
                            td { (text(&n["lot"]["expiryDate"])) }
                            td { (text(&n["location"]["code"])) }
                            td.num { (num(&n["onHand"])) } td.num { (num(&n["reserved"])) } td.num { (num(&n["available"])) }
                        }
                    }
                }
            }
        }
    }
}

// --------------------------------------------------------------- expiring

const EXPIRING_LOT: &str = "id lotNumber expiryDate effectiveState item { code unit } quantities { onHand available reserved }";

/// `GET /warehouse/expiring`: lots with stock expiring within N days.
pub(super) async fn expiring(g: Get) -> Result<Response, Response> {
    let (req, f) = g.open("GET /warehouse/expiring").await?;
    let days_s = match f.get("days") {
        "" => "60",
        d => d,
    };
    let mut p = Problems::default();
    let map = &[("withinDays", "days"), ("days", "days")];
    let days = match days_s.parse::<i64>() {
        Ok(d) => json!(d),
        Err(_) => {
            p.place(
                Problem::on("days", "Enter a whole number of days (0–3650)."),
                map,
            );
            Value::Null
        }
    };
    if p.is_empty() && f.get("format") == "csv" {
        match expiring_csv(&req, days.clone()).await? {
            Ok(r) => return Ok(r),
            Err(e) => p.place(e, map),
        }
    }
    let mut found = None;
    if p.is_empty() {
        let q = format!(
            "query Expiring($days: Int!, $first: Int, $after: String) {{ \
               lotsExpiring(withinDays: $days, first: $first, after: $after) {{ totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {EXPIRING_LOT} }} }} }} }}"
        );
        match req
            .gql(
                &q,
                json!({ "days": days, "first": PAGE, "after": f.opt("after") }),
            )
            .await
        {
            Ok(Ok(d)) => found = Some(d["lotsExpiring"].clone()),
            Ok(Err(e)) => p.place(e, map),
            Err(r) => return Err(r),
        }
    }
    let body = html! {
        h1 { "Lots expiring" }
        form.filters method="get" action="/warehouse/expiring" {
            div.fields {
                (input("days", "Within days", "number", days_s, &p, None))
                div.field { button type="submit" id="filter" { "Show" } }
            }
        }
        (p.notice())
        @if let Some(conn) = &found {
            p id="lines-count" { (num(&conn["totalCount"])) " lot(s) with stock expire within " (days_s) " days (or have expired)" }
            (expiring_table(conn))
            (paging("/warehouse/expiring", &[("days", days_s)], next_cursor(conn).as_deref()))
        }
    };
    Ok(req.respond(super::status_of(&p), "Lots expiring", body))
}

/// The whole expiring view as CSV, or the problem with its days.
async fn expiring_csv(req: &Req<'_>, days: Value) -> Result<Result<Response, Problem>, Response> {
    let q = format!(
        "query ExpiringCsv($days: Int!, $first: Int, $after: String) {{ \
           lotsExpiring(withinDays: $days, first: $first, after: $after) {{ pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {EXPIRING_LOT} }} }} }} }}"
    );
    let nodes = match all_nodes(req, &q, json!({ "days": days }), "lotsExpiring").await? {
        Ok(n) => n,
        Err(e) => return Ok(Err(e)),
    };
    let mut rows = vec![
        [
            "article_number",
            "lot_number",
            "expiry_date",
            "effective_state",
            "on_hand",
            "available",
            "reserved",
            "unit",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for n in nodes {
        rows.push(vec![
            text(&n["item"]["code"]),
            text(&n["lotNumber"]),
            text(&n["expiryDate"]),
            text(&n["effectiveState"]),
            num(&n["quantities"]["onHand"]).to_string(),
            num(&n["quantities"]["available"]).to_string(),
            num(&n["quantities"]["reserved"]).to_string(),
            text(&n["item"]["unit"]),
        ]);
    }
    Ok(Ok(csv("expiring.csv", rows)))
}

/// The lots of an expiring view.
fn expiring_table(conn: &Value) -> Markup {
    html! {
        div.scroll {
            table id="expiring" {
                thead { tr {
                    th scope="col" { "Expiry" } th scope="col" { "Article" } th scope="col" { "Lot" } th scope="col" { "State" }
                    th scope="col" { "On hand" } th scope="col" { "Available" } th scope="col" { "Reserved" }
                } }
                tbody {
                    @for e in conn["edges"].as_array().into_iter().flatten() {
                        @let n = &e["node"];
                        tr {
                            td { (text(&n["expiryDate"])) }
                            td { (text(&n["item"]["code"])) }
                            td { a href=(link("/warehouse/lot", &[("id", &text(&n["id"]))])) { (text(&n["lotNumber"])) } }
                            td { (state_tag(&text(&n["effectiveState"]))) }
                            td.num { (num(&n["quantities"]["onHand"])) }
                            td.num { (num(&n["quantities"]["available"])) }
                            td.num { (num(&n["quantities"]["reserved"])) }
                        }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------- reorder

/// `GET /warehouse/reorder`: SKUs whose available stock is below their
/// reorder point.
pub(super) async fn reorder(g: Get) -> Result<Response, Response> {
    let (req, f) = g.open("GET /warehouse/reorder").await?;
    let d = match req
        .gql(
            "query Reorder { belowReorderPoint { sku { articleNumber name } reorderPoint quantities { available reserved onHand } } }",
            Value::Null,
        )
        .await
    {
        Ok(Ok(d)) => d,
        Ok(Err(e)) => {
            let mut p = Problems::default();
            p.place(e, &[]);
            return Ok(req.respond(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Below reorder point",
                p.notice(),
            ));
        }
        Err(r) => return Err(r),
    };
    let list = d["belowReorderPoint"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if f.get("format") == "csv" {
        let mut rows = vec![
            [
                "article_number",
                "name",
                "reorder_point",
                "available",
                "reserved",
                "on_hand",
            ]
            .map(str::to_owned)
            .to_vec(),
        ];
        for n in &list {
            rows.push(vec![
                text(&n["sku"]["articleNumber"]),
                text(&n["sku"]["name"]),
                num(&n["reorderPoint"]).to_string(),
                num(&n["quantities"]["available"]).to_string(),
                num(&n["quantities"]["reserved"]).to_string(),
                num(&n["quantities"]["onHand"]).to_string(),
            ]);
        }
        return Ok(csv("below-reorder-point.csv", rows));
    }
    let body = html! {
        h1 { "Below reorder point" }
        p id="lines-count" { (list.len()) " SKU(s) have less available than their reorder point." }
        @if !list.is_empty() {
            div.scroll {
                table id="reorder" {
                    thead { tr {
                        th scope="col" { "Article" } th scope="col" { "Name" } th scope="col" { "Reorder point" }
                        th scope="col" { "Available" } th scope="col" { "Short by" } th scope="col" { "Reserved" } th scope="col" { "On hand" }
                    } }
                    tbody {
                        @for n in &list {
                            tr {
                                td { a href=(link("/warehouse/stock", &[("sku", &text(&n["sku"]["articleNumber"]))])) { (text(&n["sku"]["articleNumber"])) } }
                                td { (text(&n["sku"]["name"])) }
                                td.num { (num(&n["reorderPoint"])) }
                                td.num { (num(&n["quantities"]["available"])) }
                                td.num { (num(&n["reorderPoint"]) - num(&n["quantities"]["available"])) }
                                td.num { (num(&n["quantities"]["reserved"])) }
                                td.num { (num(&n["quantities"]["onHand"])) }
                            }
                        }
                    }
                }
            }
        }
        (paging("/warehouse/reorder", &[], None))
    };
    Ok(req.respond(StatusCode::OK, "Below reorder point", body))
}

// ----------------------------------------------------------------- ledger

/// `GET /warehouse/lot?id=…`: the ledger of a lot, oldest first.
pub(super) async fn ledger(g: Get) -> Result<Response, Response> {
    let (req, f) = g.open("GET /warehouse/lot").await?;
    let id = f.get("id");
    let mut p = Problems::default();
    if id.is_empty() {
        p.place(
            Problem::on(
                "",
                "No lot chosen: open a lot from the scan station or the stock pages.",
            ),
            &[],
        );
    }
    if p.is_empty() && f.get("format") == "csv" {
        let q = format!(
            "query LedgerCsv($id: ID!, $first: Int, $after: String) {{ node(id: $id) {{ ... on Lot {{ lotNumber item {{ code }} \
               movements(first: $first, after: $after) {{ pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {LEDGER_ROW} }} }} }} }} }} }}"
        );
        // Walk the lot's pages: the connection sits under `node`.
        let mut out: Vec<Vec<String>> = vec![
            [
                "id",
                "at",
                "reason",
                "article_number",
                "lot_number",
                "from_location_code",
                "to_location_code",
                "quantity",
                "reference",
                "actor",
                "note",
            ]
            .map(str::to_owned)
            .to_vec(),
        ];
        let mut after = Value::Null;
        loop {
            let d = match req
                .gql(&q, json!({ "id": id, "first": CSV_PAGE, "after": after }))
                .await
            {
                Ok(Ok(d)) => d,
                Ok(Err(e)) => {
                    p.place(e, &[]);
                    break;
                }
                Err(r) => return Err(r),
            };
            let lot = &d["node"];
            let conn = &lot["movements"];
            for e in conn["edges"].as_array().into_iter().flatten() {
                let m = &e["node"];
                out.push(vec![
                    text(&m["id"]),
                    text(&m["at"]),
                    text(&m["reason"]),
                    text(&lot["item"]["code"]),
                    text(&lot["lotNumber"]),
                    text(&m["fromLocation"]["code"]),
                    text(&m["toLocation"]["code"]),
                    num(&m["quantity"]).to_string(),
                    text(&m["reference"]),
                    text(&m["actorName"]),
                    text(&m["note"]),
                ]);
            }
            if conn["pageInfo"]["hasNextPage"] != true || out.len() > CSV_MAX {
                return Ok(csv("ledger.csv", out));
            }
            after = conn["pageInfo"]["endCursor"].clone();
        }
    }
    let mut found = None;
    if p.is_empty() {
        let q = format!(
            "query Ledger($id: ID!, $first: Int, $after: String) {{ node(id: $id) {{ ... on Lot {{ id lotNumber effectiveState stateReason \
               item {{ code name kind }} movements(first: $first, after: $after) {{ totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {LEDGER_ROW} }} }} }} }} }} }}"
        );
        match req
            .gql(
                &q,
                json!({ "id": id, "first": PAGE, "after": f.opt("after") }),
            )
            .await
        {
            Ok(Ok(d)) if d["node"]["lotNumber"].is_string() => found = Some(d["node"].clone()),
            Ok(Ok(_)) => p.place(Problem::on("", format!("`{id}` is not a lot.")), &[]),
            Ok(Err(e)) => p.place(e, &[]),
            Err(r) => return Err(r),
        }
    }
    let body = html! {
        @match &found {
            Some(l) => {
                h1 { "Ledger of lot " (text(&l["lotNumber"])) }
                p { (text(&l["item"]["code"])) " — " (text(&l["item"]["name"]))
                    // Finished lots carry a UDI: their label (issue 19).
                    @if l["item"]["kind"] == "FINISHED" {
                        " · " a href=(super::link("/labels/lot", &[("id", id)])) id="lot-label" { "Print the UDI label" } } }
                (super::state_band(&text(&l["effectiveState"]), l["stateReason"].as_str()))
                p id="lines-count" { (num(&l["movements"]["totalCount"])) " ledger row(s), oldest first" }
                @let rows: Vec<Value> = l["movements"]["edges"].as_array().into_iter().flatten().map(|e| e["node"].clone()).collect();
                (ledger_table("ledger", &rows))
                (paging("/warehouse/lot", &[("id", id)], next_cursor(&l["movements"]).as_deref()))
            }
            None => {
                h1 { "Ledger of a lot" }
                (p.notice())
            }
        }
    };
    Ok(req.respond(super::status_of(&p), "Ledger", body))
}
