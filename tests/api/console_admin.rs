//! Administration over HTTP: an admin creates a user with roles, sets a
//! password, creates an API token (the secret shown once, and it works on
//! the API) and revokes it (refused at once), changes roles, deactivates
//! the user (their console session refused at once), sees the user's
//! sessions, and finds all of it in the audit trail and its CSV; bad input
//! is named beside its field with nothing changed; every other role is
//! refused every page and form, and a form without the session's token
//! does nothing.

use abutment_erp::access::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::console::location;
use crate::console_quality::{Signed, q};
use crate::support::TestApp;

/// The user's global id from the `Location` of their page.
fn id_of(to: &str) -> String {
    let raw = to.split("id=").nth(1).unwrap().split('&').next().unwrap();
    form_urlencoded::parse(format!("id={raw}").as_bytes())
        .next()
        .unwrap()
        .1
        .into_owned()
}

async fn graphql_status(base: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": "{ me { name } }" }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn an_admin_creates_a_user_sets_a_password_creates_and_revokes_a_token_and_the_audit_trail_shows_it()
 {
    let app = TestApp::new().await;
    let admin = Signed::new(&app, Role::Admin).await;
    let (status, to, _) = admin
        .post("/admin/users", &[("name", "erika"), ("role-QUALITY", "on")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id = id_of(&to);
    let u = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on User { name roles active hasPassword } } }",
            json!({ "id": id }),
        )
        .await["node"]
        .clone();
    assert_eq!(
        u,
        json!({ "name": "erika", "roles": ["QUALITY"], "active": true, "hasPassword": false })
    );

    // A password: she signs in, and her session is listed on her page.
    let (status, _, _) = admin
        .post(
            "/admin/user/password",
            &[
                ("user", id.as_str()),
                ("password", "a long enough password"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let erika = Signed::named(&app, "erika", "a long enough password").await;
    assert_eq!(erika.get("/quality/recalls").await.0, StatusCode::OK);
    let page = admin.get(&format!("/admin/user?id={}", q(&id))).await.1;
    let sessions = &page[page.find(r#"id="sessions""#).unwrap()..];
    assert!(
        sessions[..sessions.find("</table>").unwrap()].contains(">open<"),
        "{page}"
    );

    // A token: the secret shown once, it opens the API; revoked, it does not.
    let (status, _, html) = admin
        .post(
            "/admin/user/token",
            &[("user", id.as_str()), ("token-name", "script-1")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let at = html.find(r#"<code id="secret">"#).expect("the secret") + 18;
    let secret = html[at..].split('<').next().unwrap().to_owned();
    assert!(secret.starts_with("abt_"), "{secret}");
    assert_eq!(graphql_status(&admin.c.base, &secret).await, 200);
    let again = admin.get(&format!("/admin/user?id={}", q(&id))).await.1;
    assert!(!again.contains(&secret), "the secret is shown once");
    let token_id = {
        let key = r#"name="token" value=""#;
        let at = again.find(key).unwrap() + key.len();
        again[at..].split('"').next().unwrap().to_owned()
    };
    let (status, _, _) = admin
        .post(
            "/admin/user/revoke",
            &[("user", id.as_str()), ("token", token_id.as_str())],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(graphql_status(&admin.c.base, &secret).await, 401);

    // The audit trail has each step; filtered by operation, and as CSV.
    let (status, html) = admin.get("/admin/audit?operation=revokeApiToken").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"<td class="operation">revokeApiToken</td>"#),
        "{html}"
    );
    assert!(
        !html.contains(r#"<td class="operation">createUser</td>"#),
        "{html}"
    );
    let r = admin
        .c
        .get("/admin/audit?actor=demo-admin&format=csv", None)
        .await;
    assert_eq!(location(&r), "/signin", "the CSV wants a session too");
    let csv = admin.get("/admin/audit?format=csv").await.1;
    for op in [
        "createUser",
        "setUserPassword",
        "createApiToken",
        "revokeApiToken",
    ] {
        assert!(csv.contains(&format!(",{op},")), "{op}: {csv}");
    }
    assert!(!csv.contains("a long enough password") && !csv.contains(&secret));
}

#[tokio::test]
async fn new_roles_and_deactivation_take_effect_at_once_for_the_users_session() {
    let app = TestApp::new().await;
    let admin = Signed::new(&app, Role::Admin).await;
    let (_, to, _) = admin
        .post("/admin/users", &[("name", "sam"), ("role-SALES", "on")])
        .await;
    let id = id_of(&to);
    admin
        .post(
            "/admin/user/password",
            &[("user", id.as_str()), ("password", "another long password")],
        )
        .await;
    let sam = Signed::named(&app, "sam", "another long password").await;
    assert_eq!(sam.get("/quality/recalls").await.0, StatusCode::FORBIDDEN);
    let (status, _, _) = admin
        .post(
            "/admin/user/roles",
            &[("user", id.as_str()), ("role-QUALITY", "on")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(sam.get("/quality/recalls").await.0, StatusCode::OK);
    let (status, _, _) = admin
        .post(
            "/admin/user/active",
            &[("user", id.as_str()), ("active", "false")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let r = sam.c.get("/quality/recalls", None).await;
    assert_eq!(location(&r), "/signin");
    let (status, _) = sam.get("/quality/recalls").await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the deactivated user's session is refused"
    );
    let u = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on User { active roles } } }",
            json!({ "id": id }),
        )
        .await["node"]
        .clone();
    assert_eq!(u, json!({ "active": false, "roles": ["QUALITY"] }));
}

#[tokio::test]
async fn bad_input_on_the_admin_forms_is_named_beside_its_field_and_changes_nothing() {
    let app = TestApp::new().await;
    let admin = Signed::new(&app, Role::Admin).await;
    let users = app.count("app_user").await;
    let (status, _, html) = admin.post("/admin/users", &[("name", "nobody")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"id="roles-error""#), "{html}");
    let taken = app.user(Role::Sales).0.name.clone();
    let (status, _, html) = admin
        .post(
            "/admin/users",
            &[("name", taken.as_str()), ("role-SALES", "on")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains(r#"id="name-error""#) || html.contains(r#"id="form-notice""#),
        "{html}"
    );
    assert_eq!(app.count("app_user").await, users);

    let id = app
        .data(
            "{ users(first: 50) { edges { node { id name } } } }",
            json!({}),
        )
        .await["users"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["name"] == taken.as_str())
        .unwrap()["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _, html) = admin
        .post(
            "/admin/user/password",
            &[("user", id.as_str()), ("password", "short")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"id="password-error""#), "{html}");
    let (status, _, html) = admin
        .post(
            "/admin/user/token",
            &[
                ("user", id.as_str()),
                ("token-name", "x"),
                ("expires", "soon"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"id="expires-error""#), "{html}");
    let (status, html) = admin.get("/admin/audit?from=yesterday").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"id="from-error""#), "{html}");
}

const PAGES: &[&str] = &[
    "/admin/users",
    "/admin/user?id=VXNlcjox",
    "/admin/audit",
    "/admin/audit?format=csv",
];
const FORMS: &[&str] = &[
    "/admin/users",
    "/admin/user/roles",
    "/admin/user/active",
    "/admin/user/password",
    "/admin/user/token",
    "/admin/user/revoke",
];

#[tokio::test]
async fn only_admins_open_the_administration_pages_and_forms_and_a_forged_token_does_nothing() {
    let app = TestApp::new().await;
    let before = (app.count("app_user").await, app.count("api_token").await);
    for role in [Role::Sales, Role::Warehouse, Role::Quality, Role::Planner] {
        let s = Signed::new(&app, role).await;
        for p in PAGES {
            assert_eq!(s.get(p).await.0, StatusCode::FORBIDDEN, "{role:?} GET {p}");
        }
        assert!(!s.get("/home").await.1.contains("/admin/"), "{role:?}");
        for p in FORMS {
            let fields = [
                ("name", "mallory"),
                ("role-ADMIN", "on"),
                ("user", "VXNlcjox"),
                ("password", "a long enough password"),
                ("token-name", "x"),
                ("active", "false"),
            ];
            assert_eq!(
                s.post(p, &fields).await.0,
                StatusCode::FORBIDDEN,
                "{role:?} POST {p}"
            );
        }
    }
    let admin = Signed::new(&app, Role::Admin).await;
    let (status, _, _) = admin
        .post_raw(
            "/admin/users",
            &[
                ("csrf", "forged"),
                ("name", "mallory"),
                ("role-ADMIN", "on"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        (app.count("app_user").await, app.count("api_token").await),
        before
    );
}
