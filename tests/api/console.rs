//! The web console over HTTP: passwords, sign-in and sign-out, the session
//! cookie, CSRF tokens, the failed sign-in limits, refusals by role, and the
//! compatibility finder's answers against the schema's.

use abutment_erp::{
    access::{Role, session},
    config::ApiLimits,
};
use reqwest::{StatusCode, redirect::Policy};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::support::{self, TestApp, user_errors};

pub(crate) const PASSWORD: &str = "a long test password";

/// A browser-less client of the console: no redirects followed, cookies by hand.
pub(crate) struct Console {
    pub(crate) base: String,
    pub(crate) http: reqwest::Client,
}

/// The value of cookie `name` in the response's `Set-Cookie` headers, and
/// the whole header.
pub(crate) fn set_cookie(r: &reqwest::Response, name: &str) -> Option<(String, String)> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| {
            let value = v[name.len() + 1..]
                .split(';')
                .next()
                .unwrap_or("")
                .to_owned();
            (value, v.to_owned())
        })
}

/// The value of the hidden `csrf` field of the first form on the page.
pub(crate) fn csrf_of(html: &str) -> String {
    let at = html.find(r#"name="csrf" value=""#).expect("a csrf field") + 19;
    html[at..].split('"').next().unwrap().to_owned()
}

impl Console {
    pub(crate) async fn start(app: &TestApp) -> Console {
        Console {
            base: support::serve(app, ApiLimits::default()).await,
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
        }
    }

    /// The sign-in form's nonce cookie and CSRF token.
    pub(crate) async fn signin_form(&self) -> (String, String) {
        let r = self
            .http
            .get(format!("{}/signin", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let (nonce, _) = set_cookie(&r, "abt_signin").expect("a sign-in cookie");
        (nonce, csrf_of(&r.text().await.unwrap()))
    }

    pub(crate) async fn post_signin(
        &self,
        nonce: &str,
        csrf: &str,
        name: &str,
        pw: &str,
    ) -> reqwest::Response {
        self.http
            .post(format!("{}/signin", self.base))
            .header("cookie", format!("abt_signin={nonce}"))
            .form(&[("csrf", csrf), ("name", name), ("password", pw)])
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn sign_in(&self, name: &str, pw: &str) -> reqwest::Response {
        let (nonce, csrf) = self.signin_form().await;
        self.post_signin(&nonce, &csrf, name, pw).await
    }

    /// Signs in and returns the session cookie's value.
    pub(crate) async fn session(&self, name: &str, pw: &str) -> String {
        let r = self.sign_in(name, pw).await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{}",
            r.text().await.unwrap()
        );
        set_cookie(&r, "abt_session").expect("a session cookie").0
    }

    pub(crate) async fn get(&self, path: &str, session: Option<&str>) -> reqwest::Response {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(s) = session {
            req = req.header("cookie", format!("abt_session={s}"));
        }
        req.send().await.unwrap()
    }
}

pub(crate) fn location(r: &reqwest::Response) -> &str {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

pub(crate) async fn with_password(app: &TestApp, role: Role) -> String {
    let p = &app.user(role).0;
    session::set_password(&app.db, p.user_id, PASSWORD)
        .await
        .unwrap();
    p.name.clone()
}

#[tokio::test]
async fn signing_in_opens_a_session_behind_a_strict_http_only_cookie_and_lands_on_the_role_home() {
    let app = TestApp::new().await;
    let sales = with_password(&app, Role::Sales).await;
    let c = Console::start(&app).await;

    let r = c.sign_in(&sales, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/sales/finder");
    let (secret, header) = set_cookie(&r, "abt_session").unwrap();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(header.contains(part), "{header}");
    }
    assert!(!header.contains("Secure"), "plain HTTP: {header}");
    assert!(secret.len() >= 40, "{secret}");
    // Only the hash is stored.
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT session_hash FROM web_session",
        ))
        .await
        .unwrap()
        .unwrap();
    let hash: String = row.try_get("", "session_hash").unwrap();
    assert_ne!(hash, secret);
    assert!(!hash.contains(&secret));

    // The cookie opens the pages; the header names the user and role.
    let page = c.get("/sales/finder", Some(&secret)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(html.contains(&sales) && html.contains("SALES"), "{html}");
    assert!(html.contains("Sign out"));
    // `/` sends a signed-in user home, a signed-out one to the sign-in page.
    assert_eq!(location(&c.get("/", Some(&secret)).await), "/sales/finder");
    assert_eq!(location(&c.get("/", None).await), "/signin");
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_the_request_came_over_tls() {
    let app = TestApp::empty().await;
    let name = with_password(&app, Role::Warehouse).await;
    let c = Console::start(&app).await;
    let r = c
        .http
        .get(format!("{}/signin", c.base))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    let (nonce, header) = set_cookie(&r, "abt_signin").unwrap();
    assert!(header.contains("Secure"), "{header}");
    let csrf = csrf_of(&r.text().await.unwrap());
    let r = c
        .http
        .post(format!("{}/signin", c.base))
        .header("x-forwarded-proto", "https")
        .header("cookie", format!("abt_signin={nonce}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", &name),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/warehouse/scan");
    let (_, header) = set_cookie(&r, "abt_session").unwrap();
    assert!(
        header.contains("Secure") && header.contains("HttpOnly"),
        "{header}"
    );
}

#[tokio::test]
async fn a_wrong_password_an_unknown_user_or_no_password_is_refused_and_opens_no_session() {
    let app = TestApp::empty().await;
    let sales = with_password(&app, Role::Sales).await;
    let c = Console::start(&app).await;
    for (name, pw) in [
        (sales.as_str(), "not the password"),
        ("nobody-by-this-name", PASSWORD),
        (app.user(Role::Planner).0.name.as_str(), PASSWORD),
    ] {
        let r = c.sign_in(name, pw).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{name}");
        assert!(set_cookie(&r, "abt_session").is_none());
        let html = r.text().await.unwrap();
        assert!(html.contains("Wrong user name or password"), "{html}");
    }
    // Empty fields are named and count as no attempt.
    let r = c.sign_in("", "").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"id="name-error""#) && html.contains(r#"id="password-error""#));
    assert_eq!(app.count("web_session").await, 0);
}

#[tokio::test]
async fn failed_sign_ins_are_limited_per_user_name() {
    let app = TestApp::empty().await;
    let sales = with_password(&app, Role::Sales).await;
    let planner = with_password(&app, Role::Planner).await;
    let c = Console::start(&app).await;
    for _ in 0..5 {
        assert_eq!(
            c.sign_in(&sales, "wrong wrong").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // The sixth attempt is refused before the password is looked at, even the right one.
    let r = c.sign_in(&sales, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 0 && wait <= 15 * 60, "{wait}");
    assert!(set_cookie(&r, "abt_session").is_none());
    // Another user is not held back by it.
    assert_eq!(
        c.sign_in(&planner, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn failed_sign_ins_are_limited_per_client_address() {
    let app = TestApp::empty().await;
    let sales = with_password(&app, Role::Sales).await;
    let c = Console::start(&app).await;
    for i in 0..20 {
        let r = c.sign_in(&format!("guess-{i}"), "wrong wrong").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = c.sign_in(&sales, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_sign_in_without_the_forms_csrf_token_is_refused() {
    let app = TestApp::empty().await;
    let sales = with_password(&app, Role::Sales).await;
    let c = Console::start(&app).await;
    let (nonce, csrf) = c.signin_form().await;
    let (other_nonce, _) = c.signin_form().await;
    // No cookie, a token of another form, a made-up token, no token.
    for (n, t) in [
        ("", csrf.as_str()),
        (other_nonce.as_str(), csrf.as_str()),
        (nonce.as_str(), "forged"),
        (nonce.as_str(), ""),
    ] {
        let r = c.post_signin(n, t, &sales, PASSWORD).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "nonce {n:?} token {t:?}");
        assert!(set_cookie(&r, "abt_session").is_none());
    }
    assert_eq!(app.count("web_session").await, 0);
    // The form's own token works.
    assert_eq!(
        c.post_signin(&nonce, &csrf, &sales, PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn sign_out_checks_the_session_csrf_token_and_ends_the_session() {
    let app = TestApp::empty().await;
    let sales = with_password(&app, Role::Sales).await;
    let c = Console::start(&app).await;
    let secret = c.session(&sales, PASSWORD).await;
    let page = c
        .get("/sales/finder", Some(&secret))
        .await
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);

    let signout = |token: &'static str| {
        c.http
            .post(format!("{}/signout", c.base))
            .header("cookie", format!("abt_session={secret}"))
            .form(&[("csrf", token)])
            .send()
    };
    let r = signout("forged").await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        c.get("/sales/finder", Some(&secret)).await.status(),
        StatusCode::OK
    );

    let r = c
        .http
        .post(format!("{}/signout", c.base))
        .header("cookie", format!("abt_session={secret}"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/signin");
    let (value, header) = set_cookie(&r, "abt_session").unwrap();
    assert!(value.is_empty() && header.contains("Max-Age=0"), "{header}");
    // The old cookie no longer opens anything.
    let r = c.get("/sales/finder", Some(&secret)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/signin");
}

#[tokio::test]
async fn a_deactivated_users_session_and_a_revoked_session_are_refused_at_once() {
    let app = TestApp::empty().await;
    let sales = with_password(&app, Role::Sales).await;
    let c = Console::start(&app).await;
    let secret = c.session(&sales, PASSWORD).await;
    assert_eq!(
        c.get("/sales/finder", Some(&secret)).await.status(),
        StatusCode::OK
    );
    let id = abutment_erp::graphql::ids::encode("User", app.user(Role::Sales).0.user_id);
    let d = app
        .data(
            "mutation($id: ID!) { updateUser(input: {userId: $id, active: false}) { userErrors { message } } }",
            json!({"id": id.0}),
        )
        .await;
    assert!(user_errors(&d).is_empty(), "{d}");
    let r = c.get("/sales/finder", Some(&secret)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/signin");
    // Nor can the user sign in again.
    assert_eq!(
        c.sign_in(&sales, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // A new password revokes the sessions opened with the old one.
    let planner = with_password(&app, Role::Planner).await;
    let secret = c.session(&planner, PASSWORD).await;
    assert_eq!(c.get("/home", Some(&secret)).await.status(), StatusCode::OK);
    session::set_password(
        &app.db,
        app.user(Role::Planner).0.user_id,
        "another long password",
    )
    .await
    .unwrap();
    assert_eq!(
        c.get("/home", Some(&secret)).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_page_outside_the_role_is_refused_with_403_and_signed_out_visitors_go_to_sign_in() {
    let app = TestApp::empty().await;
    let wh = with_password(&app, Role::Warehouse).await;
    let c = Console::start(&app).await;
    let r = c.get("/sales/finder", None).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/signin");
    let r = c.get("/sales/finder", Some("made-up-session")).await;
    assert_eq!(location(&r), "/signin");

    let secret = c.session(&wh, PASSWORD).await;
    assert_eq!(
        location(&c.get("/", Some(&secret)).await),
        "/warehouse/scan"
    );
    let r = c
        .get(
            "/sales/finder?system=NobelActive&platform=NP",
            Some(&secret),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let html = r.text().await.unwrap();
    assert!(html.contains("is not allowed for your role(s)"), "{html}");
    // The home page does not offer it either.
    let home = c.get("/home", Some(&secret)).await.text().await.unwrap();
    assert!(!home.contains("/sales/finder"), "{home}");
}

#[tokio::test]
async fn the_session_cookie_does_not_open_the_api_and_bearer_tokens_still_do() {
    let app = TestApp::empty().await;
    let sales = with_password(&app, Role::Sales).await;
    let c = Console::start(&app).await;
    let secret = c.session(&sales, PASSWORD).await;
    let q = json!({"query": "{ me { name } }"});
    let r = c
        .http
        .post(format!("{}/graphql", c.base))
        .header("cookie", format!("abt_session={secret}"))
        .json(&q)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c
        .http
        .post(format!("{}/graphql", c.base))
        .bearer_auth(&app.user(Role::Sales).1)
        .json(&q)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["data"]["me"]["name"], sales);
}

#[tokio::test]
async fn the_finder_shows_what_the_schema_says_fits_with_the_stock_available() {
    let app = TestApp::new().await;
    let sales = with_password(&app, Role::Sales).await;
    let c = Console::start(&app).await;
    let secret = c.session(&sales, PASSWORD).await;

    let expected = app
        .run_as(
            Some(Role::Sales),
            "{ compatibleAbutments(system: \"NobelActive\", platform: \"NP\", first: 25) { totalCount edges { node { articleNumber } } } }",
            json!({}),
        )
        .await;
    let total = expected["data"]["compatibleAbutments"]["totalCount"]
        .as_i64()
        .unwrap();
    assert!(total > 0, "{expected}");
    let first = expected["data"]["compatibleAbutments"]["edges"][0]["node"]["articleNumber"]
        .as_str()
        .unwrap()
        .to_owned();
    let stock = app
        .run_as(
            Some(Role::Sales),
            "query($a: String!) { skuStock(articleNumber: $a) { quantities { available } } }",
            json!({"a": first}),
        )
        .await;
    let available = stock["data"]["skuStock"]["quantities"]["available"]
        .as_i64()
        .unwrap();

    let r = c
        .get(
            "/sales/finder?system=NobelActive&platform=NP",
            Some(&secret),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("{total} SKU(s)")), "{html}");
    let row_at = html
        .find(&format!(r#"data-article="{first}""#))
        .unwrap_or_else(|| panic!("{first} is not listed: {html}"));
    let row = &html[row_at..html[row_at..].find("</tr>").unwrap() + row_at];
    if available > 0 {
        assert!(row.contains(&format!("{available} available")), "{row}");
    } else {
        assert!(row.contains("custom only"), "{row}");
    }
    // The form offers the catalogue's systems for type-ahead.
    assert!(
        html.contains(r#"<option value="NobelActive" data-maker="Nobel Biocare">"#),
        "{html}"
    );
}

#[tokio::test]
async fn the_finder_names_the_field_of_an_unknown_system_or_a_missing_platform() {
    let app = TestApp::new().await;
    let sales = with_password(&app, Role::Sales).await;
    let c = Console::start(&app).await;
    let secret = c.session(&sales, PASSWORD).await;
    let r = c
        .get(
            "/sales/finder?system=NoSuchSystem&platform=NP",
            Some(&secret),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"id="system-error""#), "{html}");
    assert!(!html.contains(r#"id="results""#));
    let r = c
        .get("/sales/finder?system=NobelActive", Some(&secret))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains(r#"id="platform-error""#));
}

#[tokio::test]
async fn admins_set_passwords_through_the_api_and_the_password_never_reaches_the_audit_trail() {
    let app = TestApp::empty().await;
    let target = &app.user(Role::Warehouse).0;
    let id = abutment_erp::graphql::ids::encode("User", target.user_id);
    let m = "mutation($id: ID!, $pw: String!) { setUserPassword(input: {userId: $id, password: $pw}) { user { name hasPassword } userErrors { code field message } } }";

    // Too short: the field is named and nothing changes.
    let d = app.data(m, json!({"id": id.0, "pw": "short"})).await;
    let errs = user_errors(&d);
    assert_eq!(errs.len(), 1, "{d}");
    assert_eq!(errs[0].1, "input.password");
    let me = app
        .data(
            "{ users { edges { node { name hasPassword } } } }",
            json!({}),
        )
        .await;
    assert!(me.to_string().contains("\"hasPassword\":false"));
    assert!(!me.to_string().contains("\"hasPassword\":true"), "{me}");

    // Not an admin: refused before any work.
    let r = app
        .run_as(
            Some(Role::Sales),
            m,
            json!({"id": id.0, "pw": "sales sets a password"}),
        )
        .await;
    assert_eq!(r["errors"][0]["extensions"]["code"], "FORBIDDEN", "{r}");

    let d = app
        .data(m, json!({"id": id.0, "pw": "the new long password"}))
        .await;
    assert!(user_errors(&d).is_empty(), "{d}");
    assert_eq!(d["setUserPassword"]["user"]["hasPassword"], true);

    let c = Console::start(&app).await;
    assert_eq!(
        c.sign_in(&target.name, "the new long password")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let audit = app
        .data(
            "{ auditLog(filter: {operation: \"setUserPassword\"}) { edges { node { outcome input } } } }",
            json!({}),
        )
        .await;
    let text = audit.to_string();
    assert!(text.contains("OK") && text.contains("USER_ERROR"), "{text}");
    assert!(
        !text.contains("the new long password") && !text.contains("short"),
        "{text}"
    );
}

#[tokio::test]
async fn demo_users_get_random_passwords_that_sign_in() {
    let app = TestApp::empty().await;
    let demo = abutment_erp::access::service::create_demo_users(&app.db)
        .await
        .unwrap();
    assert_eq!(demo.len(), Role::ALL.len());
    assert_ne!(demo[0].password, demo[1].password);
    let sales = demo.iter().find(|d| d.role == Role::Sales).unwrap();
    let c = Console::start(&app).await;
    let r = c.sign_in(&sales.name, &sales.password).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/sales/finder");
}

#[tokio::test]
async fn the_cli_sets_a_password_read_from_stdin_and_refuses_a_short_one() {
    use std::{io::Write, process::Stdio};
    let app = TestApp::empty().await;
    let name = app.user(Role::Quality).0.name.clone();
    let passwd = |pw: &'static str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_abutment-erp"))
            .args(["user", "passwd", &name])
            .env("DATABASE_URL", &app.url)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run abutment-erp");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{pw}\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = passwd("short");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("password: must be 10–200 characters"), "{err}");

    let out = passwd("set from the command line");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = Console::start(&app).await;
    let r = c.sign_in(&name, "set from the command line").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The audit row names the user, never the password.
    let audit = app
        .data(
            "{ auditLog(filter: {operation: \"setUserPassword\"}) { edges { node { actorName outcome input } } } }",
            json!({}),
        )
        .await;
    let text = audit.to_string();
    assert!(text.contains("cli:") && text.contains(&name), "{text}");
    assert!(!text.contains("set from the command line"), "{text}");
}

#[tokio::test]
async fn two_sign_in_forms_open_in_one_browser_both_work() {
    let app = TestApp::empty().await;
    let sales = with_password(&app, Role::Sales).await;
    let c = Console::start(&app).await;
    let (nonce, first_csrf) = c.signin_form().await;
    // A second tab sends the cookie the first one set.
    let r = c
        .http
        .get(format!("{}/signin", c.base))
        .header("cookie", format!("abt_signin={nonce}"))
        .send()
        .await
        .unwrap();
    let (again, _) = set_cookie(&r, "abt_signin").unwrap();
    assert_eq!(again, nonce);
    let second_csrf = csrf_of(&r.text().await.unwrap());
    for csrf in [&first_csrf, &second_csrf] {
        let r = c.post_signin(&nonce, csrf, &sales, PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn an_expired_session_is_refused_and_its_cookie_removed() {
    let app = TestApp::empty().await;
    let sales = with_password(&app, Role::Sales).await;
    let c = Console::start(&app).await;
    let secret = c.session(&sales, PASSWORD).await;
    assert_eq!(c.get("/home", Some(&secret)).await.status(), StatusCode::OK);
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let row = entity::web_session::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut am: entity::web_session::ActiveModel = row.into();
    am.expires_at = Set(chrono::Utc::now() - chrono::Duration::minutes(1));
    am.update(&app.db).await.unwrap();
    let r = c.get("/home", Some(&secret)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/signin");
    let (value, header) = set_cookie(&r, "abt_session").expect("the cookie is removed");
    assert!(value.is_empty() && header.contains("Max-Age=0"), "{header}");
}

#[tokio::test]
async fn the_finder_narrows_by_type_and_engaging_as_the_schema_does_and_names_a_bad_type() {
    let app = TestApp::new().await;
    let sales = with_password(&app, Role::Sales).await;
    let c = Console::start(&app).await;
    let secret = c.session(&sales, PASSWORD).await;
    let expected = app
        .run_as(
            Some(Role::Sales),
            "{ compatibleAbutments(system: \"NobelActive\", platform: \"NP\", filter: {types: [STRAIGHT], engaging: true}) { totalCount } }",
            json!({}),
        )
        .await;
    let total = expected["data"]["compatibleAbutments"]["totalCount"]
        .as_i64()
        .unwrap();
    assert!(total > 0, "{expected}");
    let html = c
        .get(
            "/sales/finder?system=NobelActive&platform=NP&type=STRAIGHT&engaging=yes",
            Some(&secret),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("{total} SKU(s)")), "{html}");
    assert!(!html.contains("<td>ANGLED</td>"), "{html}");
    assert!(
        html.contains(r#"<option value="STRAIGHT" selected>"#),
        "{html}"
    );

    let r = c
        .get(
            "/sales/finder?system=NobelActive&platform=NP&type=WOBBLY",
            Some(&secret),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(r#"id="type-error""#) && html.contains("WOBBLY"),
        "{html}"
    );
    assert!(!html.contains(r#"id="results""#));
}
