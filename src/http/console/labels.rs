//! UDI labels: a lot's (or, with a serial, one unit's) GS1 DataMatrix in GS1
//! mode (FNC1 first; the `datamatrix` crate encodes it) with the
//! human-readable interpretation beneath, `(01)…(17)…(10)…(21)…`.
//! `GET /labels/lot.svg?id=…` is the label as an SVG image; `GET
//! /labels/lot?id=…&size=50x25` the page that prints it, sized for the label
//! (50×25 mm or 100×50 mm) by `@page` rules in `/assets/labels.css`. The
//! element string is `inventory::gs1::label_data`'s; the lot is read through
//! the schema as the signed-in user (the warehouse and quality print).

use axum::{
    Router,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use datamatrix::{DataMatrix, SymbolList};
use maud::{DOCTYPE, Markup, html};
use serde_json::json;

use super::AppState;
use super::warehouse::{Get, Req, text};
use crate::inventory::gs1::{LabelData, label_data};

/// The label routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/labels/lot", get(page))
        .route("/labels/lot.svg", get(svg))
}

/// A label stock: name, width and height in mm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Size {
    name: &'static str,
    w: f64,
    h: f64,
}

const SIZES: &[Size] = &[
    Size {
        name: "50x25",
        w: 50.0,
        h: 25.0,
    },
    Size {
        name: "100x50",
        w: 100.0,
        h: 50.0,
    },
];

const LOT: &str = "query Lot($id: ID!) { node(id: $id) { ... on Lot { id lotNumber expiryDate \
    sku { gtin articleNumber name } item { code name } } } }";

/// What a label shows: its data, the SKU's article number and name.
struct Label {
    data: LabelData,
    article: String,
    name: String,
    lot: String,
}

/// The label asked for, or the page that says why there is none (`404`
/// for no such lot, `422` for a lot or serial a label cannot carry).
async fn label(
    req: &Req<'_>,
    id: &str,
    serial: &str,
) -> Result<Result<Label, (StatusCode, String)>, Response> {
    if id.is_empty() {
        return Ok(Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            "id: name the lot (its global id)".into(),
        )));
    }
    let lot = match req.gql(LOT, json!({ "id": id })).await? {
        Ok(d) if d["node"]["lotNumber"].is_string() => d["node"].clone(),
        Ok(_) => {
            return Ok(Err((
                StatusCode::NOT_FOUND,
                format!("id: `{id}` is not a lot"),
            )));
        }
        Err(_) => {
            return Ok(Err((
                StatusCode::NOT_FOUND,
                format!("id: `{id}` names no lot"),
            )));
        }
    };
    let Some(gtin) = lot["sku"]["gtin"].as_str() else {
        return Ok(Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "id: lot {} is raw material ({}); only finished devices carry a UDI",
                text(&lot["lotNumber"]),
                text(&lot["item"]["code"])
            ),
        )));
    };
    let expiry = lot["expiryDate"]
        .as_str()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let serial = (!serial.is_empty()).then_some(serial);
    Ok(
        match label_data(gtin, &text(&lot["lotNumber"]), expiry, serial) {
            Ok(data) => Ok(Label {
                data,
                article: text(&lot["sku"]["articleNumber"]),
                name: text(&lot["sku"]["name"]),
                lot: text(&lot["lotNumber"]),
            }),
            Err(e) => Err((StatusCode::UNPROCESSABLE_ENTITY, format!("serial: {e}"))),
        },
    )
}

/// The DataMatrix of `raw` as SVG rectangles in module units (one per run
/// of dark modules in a row), inside a nested `<svg class="dm">` placed at
/// `(x, y)` with side `side` (mm), its quiet zone one module wide.
pub(super) fn symbol(raw: &str, x: f64, y: f64, side: f64) -> Option<Markup> {
    let dm = DataMatrix::encode_gs1(raw.as_bytes(), SymbolList::default().enforce_square()).ok()?;
    let bm = dm.bitmap();
    let (w, h) = (bm.width(), bm.height());
    let dark: std::collections::HashSet<(usize, usize)> = bm.pixels().collect();
    let mut runs = Vec::new();
    for row in 0..h {
        let mut col = 0;
        while col < w {
            if dark.contains(&(col, row)) {
                let start = col;
                while col < w && dark.contains(&(col, row)) {
                    col += 1;
                }
                runs.push((start + 1, row + 1, col - start));
            } else {
                col += 1;
            }
        }
    }
    Some(html! {
        svg.dm x=(format!("{x:.2}")) y=(format!("{y:.2}")) width=(format!("{side:.2}")) height=(format!("{side:.2}"))
            viewBox=(format!("0 0 {} {}", w + 2, h + 2)) shape-rendering="crispEdges" data-modules=(w) {
            rect x="0" y="0" width=(w + 2) height=(h + 2) fill="#ffffff" {}
            @for (cx, cy, len) in runs { rect x=(cx) y=(cy) width=(len) height="1" fill="#000000" {} }
        }
    })
}

/// The whole label as an SVG of `size` (mm): the symbol, the article and
/// name beside it, the human-readable interpretation beneath.
fn label_svg(l: &Label, size: Size) -> Option<Markup> {
    let side = size.h * 0.62;
    let pad = size.h * 0.05;
    let font = size.h * 0.075;
    let sym = symbol(&l.data.raw, pad, pad, side)?;
    let right = pad * 2.0 + side;
    // The name as far as it fits beside the symbol (a sans-serif character
    // is about 0.55 of its size wide).
    let fits = ((size.w - right - pad) / (font * 0.85 * 0.55)).max(4.0) as usize;
    let name = if l.name.chars().count() > fits {
        format!("{}…", l.name.chars().take(fits - 1).collect::<String>())
    } else {
        l.name.clone()
    };
    Some(html! {
        svg.udi-label xmlns="http://www.w3.org/2000/svg" width=(format!("{}mm", size.w)) height=(format!("{}mm", size.h))
            viewBox=(format!("0 0 {} {}", size.w, size.h)) role="img" aria-label=(format!("UDI label of lot {}", l.lot)) {
            rect x="0" y="0" width=(size.w) height=(size.h) fill="#ffffff" {}
            (sym)
            text x=(format!("{right:.2}")) y=(format!("{:.2}", pad + font)) font-family="sans-serif" font-size=(format!("{:.2}", font * 1.1)) font-weight="700" { (l.article) }
            text x=(format!("{right:.2}")) y=(format!("{:.2}", pad + font * 2.4)) font-family="sans-serif" font-size=(format!("{:.2}", font * 0.85)) { (name) }
            text.hri x=(format!("{pad:.2}")) y=(format!("{:.2}", pad * 2.0 + side + font)) font-family="monospace" font-size=(format!("{font:.2}")) {
                @for (i, line) in l.data.lines.iter().enumerate() {
                    @if i > 0 && i % 2 == 0 {
                        tspan x=(format!("{pad:.2}")) dy=(format!("{:.2}", font * 1.15)) { (line) }
                    } @else { tspan { (line) } }
                }
            }
        }
    })
}

fn size_of(v: &str) -> Size {
    SIZES
        .iter()
        .copied()
        .find(|s| s.name == v)
        .unwrap_or(SIZES[0])
}

fn refused(req: &Req<'_>, status: StatusCode, why: &str) -> Response {
    req.respond(
        status,
        "Label",
        html! { h1 { "No label" } p.notice role="alert" id="form-notice" { (why) } },
    )
}

/// `GET /labels/lot.svg?id=…[&serial=…][&size=…]`: the label as an image.
async fn svg(g: Get) -> Result<Response, Response> {
    let (req, f) = g.open("GET /labels/lot.svg").await?;
    let l = match label(&req, f.get("id"), f.get("serial")).await? {
        Ok(l) => l,
        Err((status, why)) => return Ok(refused(&req, status, &why)),
    };
    let Some(markup) = label_svg(&l, size_of(f.get("size"))) else {
        return Err(super::internal());
    };
    let mut r = (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("image/svg+xml"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>{}",
            markup.into_string()
        ),
    )
        .into_response();
    super::super::explorer::secure(&mut r);
    Ok(r)
}

/// `GET /labels/lot?id=…[&serial=…][&size=…]`: the print page, one label
/// on a page of the label's size; the sizes and the per-unit form above it
/// are not printed.
async fn page(g: Get) -> Result<Response, Response> {
    let (req, f) = g.open("GET /labels/lot").await?;
    let l = match label(&req, f.get("id"), f.get("serial")).await? {
        Ok(l) => l,
        Err((status, why)) => return Ok(refused(&req, status, &why)),
    };
    let size = size_of(f.get("size"));
    let Some(markup) = label_svg(&l, size) else {
        return Err(super::internal());
    };
    let id = f.get("id");
    let link = |s: &str| {
        super::warehouse::link(
            "/labels/lot",
            &[("id", id), ("serial", f.get("serial")), ("size", s)],
        )
    };
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "UDI label " (l.lot) " · abutment-erp" }
                link rel="stylesheet" href="/assets/console.css";
                link rel="stylesheet" href="/assets/labels.css";
            }
            body class=(format!("label-page size-{}", size.name)) {
                div.no-print {
                    p { a href="/" { "abutment-erp" } " · UDI label of lot " strong { (l.lot) } " — print with your browser (Ctrl+P); the page is the label's size." }
                    p { "Size: " @for s in SIZES { @if *s == size { strong { (s.name) " mm" } } @else { a.action href=(link(s.name)) id=(format!("size-{}", s.name)) { (s.name) " mm" } } " " } }
                    form method="get" action="/labels/lot" {
                        input type="hidden" name="id" value=(id);
                        input type="hidden" name="size" value=(size.name);
                        label for="serial" { "Serial (AI 21) for one unit's label" }
                        input id="serial" name="serial" type="text" value=(f.get("serial"));
                        " " button type="submit" { "Show" }
                    }
                    p.hint { "Element string: " code id="label-hri" { @for line in &l.data.lines { (line) } } }
                }
                div.label id="label" { (markup) }
            }
        }
    };
    Ok(super::respond(StatusCode::OK, page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_symbol_has_a_white_quiet_zone_and_only_whole_module_rectangles() {
        let m = symbol("0107612345000121", 0.0, 0.0, 10.0)
            .unwrap()
            .into_string();
        assert!(m.contains(r#"class="dm""#) && m.contains(r##"fill="#ffffff""##));
        assert!(!m.contains(".5"), "{m}");
    }

    #[test]
    fn an_unknown_size_is_the_small_label() {
        assert_eq!(size_of("7x7").name, "50x25");
        assert_eq!(size_of("100x50").w, 100.0);
    }
}
