//! The project's own API explorer, which a browser gets on `GET /graphql`:
//! a page, a script and a stylesheet compiled into the binary, so it works
//! on a shop network without internet. The page's Content-Security-Policy
//! lets it load and call nothing but this server.

use axum::{
    extract::Path,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::AppState;

const PAGE: &str = include_str!("assets/explorer.html");

/// The assets served under `/assets/`: name, media type, content.
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "explorer.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/explorer.js"),
    ),
    (
        "explorer.css",
        "text/css; charset=utf-8",
        include_str!("assets/explorer.css"),
    ),
    (
        "console.css",
        "text/css; charset=utf-8",
        include_str!("assets/console.css"),
    ),
    (
        "sales.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/sales.js"),
    ),
    (
        "scan.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/scan.js"),
    ),
    (
        "labels.css",
        "text/css; charset=utf-8",
        include_str!("assets/labels.css"),
    ),
];

/// Same-origin only: no script, style, font, image or request elsewhere,
/// and no framing.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
                   frame-ancestors 'none'";

/// The explorer page, or `404` when switched off.
pub(super) fn page(s: &AppState) -> Response {
    if !s.graphiql {
        return (StatusCode::NOT_FOUND, "the API explorer is switched off").into_response();
    }
    let mut r = axum::response::Html(PAGE).into_response();
    secure(&mut r);
    r
}

/// `GET /assets/{name}`: a file compiled into the binary.
pub(super) async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, media, body)) => {
            let mut r = (
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static(media)),
                    (
                        header::CACHE_CONTROL,
                        HeaderValue::from_static("public, max-age=300"),
                    ),
                ],
                *body,
            )
                .into_response();
            secure(&mut r);
            r
        }
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

/// The same-origin CSP and the headers every page and asset carries.
pub(super) fn secure(r: &mut Response) {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_only_assets_the_binary_serves() {
        for src in PAGE
            .split(['"', '\''])
            .filter(|s| s.starts_with('/') || s.contains("://"))
        {
            let name = src.strip_prefix("/assets/").unwrap_or_else(|| {
                panic!("the page refers to {src}, which is not one of our assets")
            });
            assert!(ASSETS.iter().any(|(n, _, _)| *n == name), "{src}");
        }
        for (_, _, body) in ASSETS {
            assert!(
                !body.contains("https://"),
                "an asset refers to another origin"
            );
        }
    }
}
