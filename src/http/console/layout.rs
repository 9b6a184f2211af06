//! The shared layout of console pages: a header with the product, the
//! pages the user's roles may open, the user's name and roles and the
//! sign-out button; the page's own content below. Only our stylesheet is
//! loaded here; a page may add one small optional script of ours (the sales
//! pages `/assets/sales.js`, the warehouse's scan fields `/assets/scan.js`),
//! and works without it.

use maud::{DOCTYPE, Markup, html};

use crate::access::{Principal, permissions};

/// The console's pages: (matrix entry, link, label), in menu order.
pub const PAGES: &[(&str, &str, &str)] = &[
    ("GET /home", "/home", "Home"),
    ("GET /sales/finder", "/sales/finder", "Compatibility finder"),
    ("GET /cases", "/cases", "Cases"),
    ("GET /cases/new", "/cases/new", "New case"),
    ("GET /cases/at-risk", "/cases/at-risk", "Cases at risk"),
    ("GET /cases/match", "/cases/match", "Match open cases"),
    ("GET /warehouse/scan", "/warehouse/scan", "Scan station"),
    ("GET /warehouse/receive", "/warehouse/receive", "Receive"),
    ("GET /warehouse/pick", "/warehouse/pick", "Pick"),
    ("GET /warehouse/stock", "/warehouse/stock", "Stock"),
    ("GET /warehouse/expiring", "/warehouse/expiring", "Expiring"),
    ("GET /warehouse/reorder", "/warehouse/reorder", "Reorder"),
    ("GET /quality/release", "/quality/release", "Release desk"),
    ("GET /quality/trace", "/quality/trace", "Trace"),
    ("GET /quality/recalls", "/quality/recalls", "Recalls"),
    ("GET /admin/users", "/admin/users", "Users"),
    ("GET /admin/audit", "/admin/audit", "Audit trail"),
    // Planner (issue 19).
    ("GET /planner", "/planner", "Plan"),
    ("GET /planner/downtime", "/planner/downtime", "Downtime"),
];

/// The pages `p` may open.
pub fn pages_for(
    p: &Principal,
) -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    PAGES
        .iter()
        .filter(|(op, _, _)| permissions::is_allowed(permissions::OpKind::Http, op, &p.roles))
}

/// The signed-in user of a page and the session's CSRF token.
pub struct Viewer<'a> {
    /// Who is signed in.
    pub principal: &'a Principal,
    /// The token every form of the page carries.
    pub csrf: &'a str,
}

/// A whole page: `title`, and `body` inside the layout.
pub fn page(title: &str, viewer: Option<&Viewer<'_>>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · abutment-erp" }
                link rel="stylesheet" href="/assets/console.css";
            }
            body {
                header.top {
                    a.brand href="/" { "abutment-erp" }
                    @if let Some(v) = viewer {
                        nav aria-label="Console pages" {
                            ul {
                                @for (_, href, label) in pages_for(v.principal) {
                                    li { a href=(href) { (label) } }
                                }
                            }
                        }
                        div.who {
                            span.user { (v.principal.name) }
                            " "
                            span.roles {
                                @for (i, r) in v.principal.roles.iter().enumerate() {
                                    @if i > 0 { ", " }
                                    (r.as_str())
                                }
                            }
                            form.signout method="post" action="/signout" {
                                input type="hidden" name="csrf" value=(v.csrf);
                                button type="submit" { "Sign out" }
                            }
                        }
                    }
                }
                main id="main" { (body) }
            }
        }
    }
}
