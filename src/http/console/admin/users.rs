//! Users: the list with the form of a new user (`createUser`); a user's
//! page with their roles (`updateUser`), deactivation and reactivation
//! (`updateUser`), a password reset (`setUserPassword`: the user's open
//! sessions end), the console sessions (`User.sessions`) and the API
//! tokens (`createApiToken`, whose secret this page shows once and never
//! again; `revokeApiToken`).

use axum::{http::StatusCode, response::Response};
use maud::{Markup, html};
use serde_json::{Value, json};

use super::super::quality::{mutate, redirect};
use super::super::warehouse::{
    Fields, Get, Post, Problems, Req, hidden, input, link, status_of, text, when,
};
use crate::access::Role;

const CREATE_MAP: &[(&str, &str)] = &[("input.name", "name"), ("input.roles", "roles")];

/// The role checkboxes of a form, `checked` those ticked.
fn role_boxes(prefix: &str, checked: &[String], p: &Problems) -> Markup {
    html! {
        fieldset id=(format!("{prefix}roles")) {
            legend { "Roles" }
            @for r in Role::ALL {
                @let id = format!("{prefix}role-{}", r.as_str());
                div.field.check {
                    input type="checkbox" id=(id) name=(format!("role-{}", r.as_str())) value="on"
                        checked[checked.iter().any(|c| c == r.as_str())];
                    label for=(id) { (r.as_str()) }
                }
            }
            @if let Some(m) = p.of("roles") { p.error id="roles-error" { (m) } }
        }
    }
}

/// The roles ticked on a posted form.
fn ticked(f: &Fields) -> Vec<String> {
    Role::ALL
        .iter()
        .filter(|r| f.get(&format!("role-{}", r.as_str())) == "on")
        .map(|r| r.as_str().to_owned())
        .collect()
}

fn when_or(v: &Value, none: &str) -> String {
    if v.is_null() {
        none.to_owned()
    } else {
        when(v)
    }
}

/// `GET /admin/users`: every user, and the form of a new one.
pub(in crate::http::console) async fn list(g: Get) -> Response {
    let (req, f) = match g.open("GET /admin/users").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    list_page(&req, &f, &Problems::default()).await
}

async fn list_page(req: &Req<'_>, f: &Fields, p: &Problems) -> Response {
    let q = "query U { users(first: 500) { edges { node { id name roles active hasPassword createdAt \
        sessions { open } tokens { revokedAt } } } } }";
    let d = match req.gql(q, Value::Null).await {
        Ok(Ok(d)) => d,
        Ok(Err(_)) => Value::Null,
        Err(r) => return r,
    };
    let body = html! {
        h1 { "Users" }
        div.scroll { table id="users" {
            thead { tr { th { "Name" } th { "Roles" } th { "Active" } th { "Password" } th { "Open sessions" } th { "Live tokens" } th { "Created (UTC)" } } }
            tbody { @for e in d["users"]["edges"].as_array().into_iter().flatten() { @let u = &e["node"]; tr {
                td { a href=(link("/admin/user", &[("id", &text(&u["id"]))])) { (text(&u["name"])) } }
                td { (roles_text(&u["roles"])) }
                td { @if u["active"] == true { "yes" } @else { span.late { "deactivated" } } }
                td { @if u["hasPassword"] == true { "set" } @else { "none" } }
                td.num { (u["sessions"].as_array().map(|s| s.iter().filter(|x| x["open"] == true).count()).unwrap_or(0)) }
                td.num { (u["tokens"].as_array().map(|s| s.iter().filter(|x| x["revokedAt"].is_null()).count()).unwrap_or(0)) }
                td.when { (when(&u["createdAt"])) }
            } } }
        } }
        h2 { "New user" }
        form id="user-form" method="post" action="/admin/users" {
            (hidden(req))
            (p.notice())
            (input("name", "User name", "text", f.get("name"), p, None))
            (role_boxes("", &ticked(f), p))
            button type="submit" id="create-user" { "Create the user" }
        }
    };
    req.respond(status_of(p), "Users", body)
}

fn roles_text(v: &Value) -> String {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `POST /admin/users`: `createUser`, then the user's page.
pub(in crate::http::console) async fn create(post: Post) -> Response {
    let (req, f) = match post.open("POST /admin/users").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let m = "mutation C($input: CreateUserInput!) { createUser(input: $input) { user { id name } userErrors { code field message } } }";
    let vars = json!({ "input": { "name": f.get("name"), "roles": ticked(&f) } });
    match mutate(&req, m, vars, CREATE_MAP).await {
        Err(r) => r,
        Ok(Ok(pl)) => redirect(&link(
            "/admin/user",
            &[
                ("id", &text(&pl["user"]["id"])),
                (
                    "done",
                    &format!(
                        "User {} created; set a password or create a token.",
                        text(&pl["user"]["name"])
                    ),
                ),
            ],
        )),
        Ok(Err(p)) => list_page(&req, &f, &p).await,
    }
}

const USER: &str = "query U($id: ID!) { node(id: $id) { ... on User { id name roles active hasPassword createdAt \
    sessions { createdAt lastUsedAt expiresAt revokedAt open } \
    tokens { id name prefix createdAt lastUsedAt expiresAt revokedAt } } } }";

/// Which form of the user page shows problems, and a secret to show once.
enum Shown {
    Nothing,
    Problems(&'static str, Problems),
    Secret(String),
}

/// `GET /admin/user?id=`: a user's page.
pub(in crate::http::console) async fn page(g: Get) -> Response {
    let (req, f) = match g.open("GET /admin/user").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    user_page(&req, &f, f.get("id"), &Shown::Nothing).await
}

async fn user_page(req: &Req<'_>, f: &Fields, id: &str, shown: &Shown) -> Response {
    let u = match req.gql(USER, json!({ "id": id })).await {
        Err(r) => return r,
        Ok(Ok(d)) if d["node"]["name"].is_string() => d["node"].clone(),
        Ok(_) => {
            let body = html! { h1 { "User" } p.notice role="alert" id="form-notice" { "`" (id) "` is not a user." } };
            return req.respond(StatusCode::NOT_FOUND, "User", body);
        }
    };
    let none = Problems::default();
    let pr = |k: &str| match shown {
        Shown::Problems(n, p) if *n == k => p,
        _ => &none,
    };
    let failed = matches!(shown, Shown::Problems(..));
    let roles: Vec<String> = if failed && matches!(shown, Shown::Problems("roles", _)) {
        ticked(f)
    } else {
        u["roles"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    let active = u["active"] == true;
    let body = html! {
        h1 { "User " span id="user-name" { (text(&u["name"])) } }
        @if !f.get("done").is_empty() && !failed { p.ok role="status" id="user-done" { (f.get("done")) } }
        @if let Shown::Secret(s) = shown {
            div.ok role="status" id="token-secret" {
                p { strong { "The new token — copy it now; it is not shown again:" } }
                p { code id="secret" { (s) } }
            }
        }
        dl.facts {
            dt { "Roles" } dd id="user-roles" { (roles_text(&u["roles"])) }
            dt { "Active" } dd id="user-active" { @if active { "yes" } @else { "deactivated" } }
            dt { "Password" } dd { @if u["hasPassword"] == true { "set" } @else { "none" } }
            dt { "Created" } dd { (when(&u["createdAt"])) }
        }
        form id="roles-form" method="post" action="/admin/user/roles" {
            (hidden(req)) input type="hidden" name="user" value=(id);
            (pr("roles").notice())
            (role_boxes("edit-", &roles, pr("roles")))
            button type="submit" id="save-roles" { "Save the roles" }
        }
        form id="active-form" method="post" action="/admin/user/active" {
            (hidden(req)) input type="hidden" name="user" value=(id);
            input type="hidden" name="active" value=(if active { "false" } else { "true" });
            (pr("active").notice())
            button type="submit" id="toggle-active" { @if active { "Deactivate (tokens and sessions refused at once)" } @else { "Reactivate" } }
        }
        h2 { "Password" }
        form id="password-form" method="post" action="/admin/user/password" {
            (hidden(req)) input type="hidden" name="user" value=(id);
            (pr("password").notice())
            (input("password", "New password (10–200 characters; the user's open sessions end)", "password", "", pr("password"), None))
            button type="submit" id="set-password" { "Set the password" }
        }
        (sessions(&u))
        (tokens(req, &u, id, pr("token"), pr("revoke"), f))
    };
    let code = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    req.respond(code, &format!("User {}", text(&u["name"])), body)
}

fn sessions(u: &Value) -> Markup {
    html! {
        h2 { "Console sessions" }
        div.scroll { table id="sessions" {
            thead { tr { th { "Signed in (UTC)" } th { "Last used" } th { "Expires" } th { "Ended" } th { "Open" } } }
            tbody { @for s in u["sessions"].as_array().into_iter().flatten() { tr {
                td.when { (when(&s["createdAt"])) } td.when { (when(&s["lastUsedAt"])) } td.when { (when(&s["expiresAt"])) }
                td.when { (when_or(&s["revokedAt"], "—")) } td { @if s["open"] == true { "open" } @else { "no" } } } } }
        } }
    }
}

fn tokens(req: &Req<'_>, u: &Value, id: &str, pt: &Problems, pv: &Problems, f: &Fields) -> Markup {
    html! {
        h2 { "API tokens" }
        (pv.notice())
        div.scroll { table id="tokens" {
            thead { tr { th { "Name" } th { "Starts with" } th { "Created (UTC)" } th { "Last used" } th { "Expires" } th { "Revoked" } th {} } }
            tbody { @for t in u["tokens"].as_array().into_iter().flatten() { tr data-token=(text(&t["name"])) {
                td { (text(&t["name"])) } td { code { (text(&t["prefix"])) } } td.when { (when(&t["createdAt"])) }
                td.when { (when_or(&t["lastUsedAt"], "never")) } td.when { (when_or(&t["expiresAt"], "never")) }
                td.when.revoked { (when_or(&t["revokedAt"], "—")) }
                td { @if t["revokedAt"].is_null() {
                    form method="post" action="/admin/user/revoke" {
                        (hidden(req)) input type="hidden" name="user" value=(id);
                        input type="hidden" name="token" value=(text(&t["id"]));
                        button type="submit" aria-label=(format!("Revoke token {}", text(&t["name"]))) { "Revoke" }
                    }
                } }
            } } }
        } }
        form id="token-form" method="post" action="/admin/user/token" {
            (hidden(req)) input type="hidden" name="user" value=(id);
            (pt.notice())
            div.fields {
                (input("token-name", "New token's label (the script using it)", "text", if pt.is_empty() { "" } else { f.get("token-name") }, pt, None))
                (input("expires", "Expires (UTC date; never if empty)", "date", if pt.is_empty() { "" } else { f.get("expires") }, pt, None))
            }
            button type="submit" id="create-token" { "Create the token" }
        }
    }
}

/// Back to the user's page saying what was done.
fn back(id: &str, done: &str) -> Response {
    redirect(&link("/admin/user", &[("id", id), ("done", done)]))
}

/// `POST /admin/user/roles`: `updateUser` with the roles ticked.
pub(in crate::http::console) async fn roles(post: Post) -> Response {
    let (req, f) = match post.open("POST /admin/user/roles").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let id = f.get("user");
    let m = "mutation R($input: UpdateUserInput!) { updateUser(input: $input) { user { roles } userErrors { code field message } } }";
    let vars = json!({ "input": { "userId": id, "roles": ticked(&f) } });
    match mutate(&req, m, vars, &[("input.roles", "roles")]).await {
        Err(r) => r,
        Ok(Ok(pl)) => back(
            id,
            &format!("Roles saved: {}.", roles_text(&pl["user"]["roles"])),
        ),
        Ok(Err(p)) => user_page(&req, &f, id, &Shown::Problems("roles", p)).await,
    }
}

/// `POST /admin/user/active`: `updateUser` deactivating or reactivating.
pub(in crate::http::console) async fn active(post: Post) -> Response {
    let (req, f) = match post.open("POST /admin/user/active").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let id = f.get("user");
    let on = f.get("active") == "true";
    let m = "mutation A($input: UpdateUserInput!) { updateUser(input: $input) { user { active } userErrors { code field message } } }";
    let vars = json!({ "input": { "userId": id, "active": on } });
    match mutate(&req, m, vars, &[]).await {
        Err(r) => r,
        Ok(Ok(_)) => back(
            id,
            if on {
                "Reactivated."
            } else {
                "Deactivated: their tokens and sessions are refused."
            },
        ),
        Ok(Err(p)) => user_page(&req, &f, id, &Shown::Problems("active", p)).await,
    }
}

/// `POST /admin/user/password`: `setUserPassword`.
pub(in crate::http::console) async fn password(post: Post) -> Response {
    let (req, f) = match post.open("POST /admin/user/password").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let id = f.get("user");
    let m = "mutation P($input: SetUserPasswordInput!) { setUserPassword(input: $input) { user { name } userErrors { code field message } } }";
    // Not trimmed: a password is taken as typed.
    let pw = f.raw("password");
    let vars = json!({ "input": { "userId": id, "password": pw } });
    match mutate(&req, m, vars, &[("input.password", "password")]).await {
        Err(r) => r,
        Ok(Ok(_)) => back(id, "Password set; the user's open sessions have ended."),
        Ok(Err(p)) => user_page(&req, &f, id, &Shown::Problems("password", p)).await,
    }
}

/// `POST /admin/user/token`: `createApiToken`; the page shows the secret
/// this once (never stored, never in a link).
pub(in crate::http::console) async fn token(post: Post) -> Response {
    let (req, f) = match post.open("POST /admin/user/token").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let id = f.get("user");
    let m = "mutation T($input: CreateApiTokenInput!) { createApiToken(input: $input) { token userErrors { code field message } } }";
    let expires = match f.get("expires") {
        "" => Value::Null,
        d if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok() => {
            Value::String(format!("{d}T00:00:00Z"))
        }
        d => {
            let mut p = Problems::default();
            p.place(
                super::super::warehouse::Problem::on(
                    "expires",
                    format!("`{d}` is not a date (YYYY-MM-DD)"),
                ),
                &[("expires", "expires")],
            );
            return user_page(&req, &f, id, &Shown::Problems("token", p)).await;
        }
    };
    let vars =
        json!({ "input": { "userId": id, "name": f.get("token-name"), "expiresAt": expires } });
    let map = &[("input.name", "token-name"), ("input.expiresAt", "expires")];
    match mutate(&req, m, vars, map).await {
        Err(r) => r,
        Ok(Ok(pl)) => {
            user_page(
                &req,
                &Fields::default(),
                id,
                &Shown::Secret(text(&pl["token"])),
            )
            .await
        }
        Ok(Err(p)) => user_page(&req, &f, id, &Shown::Problems("token", p)).await,
    }
}

/// `POST /admin/user/revoke`: `revokeApiToken`.
pub(in crate::http::console) async fn revoke(post: Post) -> Response {
    let (req, f) = match post.open("POST /admin/user/revoke").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let id = f.get("user");
    let m = "mutation V($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) { apiToken { name } userErrors { code field message } } }";
    let vars = json!({ "input": { "tokenId": f.get("token") } });
    match mutate(&req, m, vars, &[]).await {
        Err(r) => r,
        Ok(Ok(pl)) => back(
            id,
            &format!("Token {} revoked.", text(&pl["apiToken"]["name"])),
        ),
        Ok(Err(p)) => user_page(&req, &f, id, &Shown::Problems("revoke", p)).await,
    }
}
