//! Administration in a real browser: the demo admin creates a user with a
//! role, sets her password, creates an API token (the secret shown once)
//! and revokes it, and finds the revocation in the audit trail; the
//! results are read back through the schema. The quality engineer is
//! refused the administration pages.

use abutment_erp::{
    access::{Role, service},
    config::ApiLimits,
};
use fantoccini::Locator;
use serde_json::json;

use crate::quality::{click, fill, sign_in, sign_out};
use crate::{Browser, support};

#[tokio::test]
async fn the_admin_creates_a_user_resets_her_password_and_revokes_a_token_seen_in_the_audit_trail()
{
    let app = support::TestApp::new().await;
    let demo = service::create_demo_users(&app.db).await.unwrap();
    let admin = demo.iter().find(|d| d.role == Role::Admin).unwrap();
    let qe = demo.iter().find(|d| d.role == Role::Quality).unwrap();
    let base = support::serve(&app, ApiLimits::default()).await;
    let b = Browser::start().await;
    let c = &b.client;
    c.set_window_size(1280, 900).await.unwrap();

    sign_in(&b, &base, &admin.name, &admin.password).await;
    b.wait_text("h1", |t| t.starts_with("Welcome")).await;
    c.goto(&format!("{base}/admin/users")).await.unwrap();
    b.wait_text("h1", |t| t == "Users").await;
    b.screenshot("admin-users").await;
    fill(c, "#name", "erika").await;
    click(c, "#role-QUALITY").await;
    click(c, "#create-user").await;
    b.wait_text("#user-name", |t| t == "erika").await;
    fill(c, "#password", "erika's long password").await;
    click(c, "#set-password").await;
    b.wait_text("#user-done", |t| t.starts_with("Password set"))
        .await;

    fill(c, "#token-name", "label-printer").await;
    click(c, "#create-token").await;
    let secret = b.wait_text("#secret", |t| t.starts_with("abt_")).await;
    b.screenshot("admin-token").await;
    click(c, "button[aria-label='Revoke token label-printer']").await;
    b.wait_text("#user-done", |t| t.contains("revoked")).await;
    let page = c.source().await.unwrap();
    assert!(!page.contains(&secret), "the secret is shown once");
    let u = app
        .data("{ users(first: 50) { edges { node { name roles hasPassword tokens { name revokedAt } } } } }", json!({}))
        .await;
    let erika = u["users"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["name"] == "erika")
        .unwrap()
        .clone();
    assert_eq!(erika["roles"], json!(["QUALITY"]));
    assert_eq!(erika["hasPassword"], true);
    assert!(erika["tokens"][0]["revokedAt"].is_string(), "{erika}");

    c.goto(&format!("{base}/admin/audit")).await.unwrap();
    c.find(Locator::Css("#operation"))
        .await
        .unwrap()
        .send_keys("revokeApiToken")
        .await
        .unwrap();
    click(c, "#filter").await;
    b.wait_text("#audit tbody", |t| t.contains("revokeApiToken"))
        .await;
    b.screenshot("admin-audit").await;

    sign_out(&b).await;
    sign_in(&b, &base, &qe.name, &qe.password).await;
    b.wait_text("h1", |t| t == "Release desk").await;
    c.goto(&format!("{base}/admin/users")).await.unwrap();
    b.wait_text("h1", |t| t == "Not allowed").await;
    b.close().await;
}
