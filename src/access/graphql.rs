//! GraphQL types and resolvers of access control: the current user, users
//! and tokens (admins), and the audit trail (admins and quality).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, dataloader::DataLoader};
use chrono::{DateTime, Utc};
use entity::{api_token, app_user, audit_log, web_session};
use sea_orm::{EntityTrait, QueryOrder, Select};

use super::{Caller, Role, audit, roles::parse_roles, service};
use crate::{
    connection_type,
    error::{AppError, Under, UserError},
    graphql::{
        db, ids,
        loaders::{ByParent, ByParentLoader, loader_error},
        pagination::PageArgs,
    },
};

impl ByParent for api_token::Entity {
    fn parent_column() -> Self::Column {
        api_token::Column::UserId
    }
    fn parent_of(m: &Self::Model) -> Option<i64> {
        Some(m.user_id)
    }
    fn order(q: Select<Self>) -> Select<Self> {
        q.order_by_desc(api_token::Column::Id)
    }
}

impl ByParent for web_session::Entity {
    fn parent_column() -> Self::Column {
        web_session::Column::UserId
    }
    fn parent_of(m: &Self::Model) -> Option<i64> {
        Some(m.user_id)
    }
    fn order(q: Select<Self>) -> Select<Self> {
        q.order_by_desc(web_session::Column::Id)
    }
}

/// A person or system that uses the API.
pub struct User(pub app_user::Model);

/// A person or system that uses the API.
#[Object]
impl User {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("User", self.0.id)
    }
    /// Unique user name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The user's roles.
    async fn roles(&self) -> Vec<Role> {
        parse_roles(&self.0.roles)
    }
    /// False when the user was deactivated: their tokens and console
    /// sessions are refused.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// Whether the user has a console password (the password itself is
    /// never shown).
    async fn has_password(&self) -> bool {
        self.0.password_hash.is_some()
    }
    /// When the user was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The user's API tokens, newest first (never the secret itself).
    async fn tokens(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ApiToken>> {
        let loader = ctx.data::<DataLoader<ByParentLoader<api_token::Entity>>>()?;
        Ok(loader
            .load_one(self.0.id)
            .await
            .map_err(loader_error)?
            .unwrap_or_default()
            .into_iter()
            .map(ApiToken)
            .collect())
    }
    /// The user's console sessions, newest first: open, signed out or
    /// expired (rows of expired sessions are deleted at the next sign-in).
    /// Never the session's secret.
    async fn sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ConsoleSession>> {
        let loader = ctx.data::<DataLoader<ByParentLoader<web_session::Entity>>>()?;
        Ok(loader
            .load_one(self.0.id)
            .await
            .map_err(loader_error)?
            .unwrap_or_default()
            .into_iter()
            .map(ConsoleSession)
            .collect())
    }
}

/// A console session of a user (signed in with a password).
pub struct ConsoleSession(pub web_session::Model);

/// A console session of a user (signed in with a password).
#[Object]
impl ConsoleSession {
    /// When the user signed in.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was last used (to the minute).
    async fn last_used_at(&self) -> DateTime<Utc> {
        self.0.last_used_at
    }
    /// When it ends by itself.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
    /// When it was ended (signed out, a new password); null: not ended.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
    /// Open now: neither ended nor expired.
    async fn open(&self) -> bool {
        self.0.revoked_at.is_none() && self.0.expires_at > Utc::now()
    }
}

/// An API token of a user; the secret is shown only when it is created.
pub struct ApiToken(pub api_token::Model);

/// An API token of a user; the secret is shown only when it is created.
#[Object]
impl ApiToken {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("ApiToken", self.0.id)
    }
    /// A label, e.g. the machine or script using it.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The token's first characters, to recognise it.
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was last used (to the minute).
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
    /// When it stops working; null: never.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    /// When it was revoked; null: not revoked.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}

/// One mutation attempt in the audit trail.
pub struct AuditEntry(pub audit_log::Model);

/// One mutation attempt in the audit trail.
#[Object]
impl AuditEntry {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("AuditEntry", self.0.id)
    }
    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// The HTTP request it belonged to (also in the server log).
    async fn request_id(&self) -> &str {
        &self.0.request_id
    }
    /// Who did it; null when the caller was not authenticated.
    async fn actor_name(&self) -> Option<&str> {
        self.0.actor_name.as_deref()
    }
    /// The actor's roles at the time.
    async fn roles(&self) -> Vec<Role> {
        parse_roles(&self.0.roles)
    }
    /// The mutation's name.
    async fn operation(&self) -> &str {
        &self.0.operation
    }
    /// The mutation's arguments as JSON, secrets removed and long text cut.
    async fn input(&self) -> &str {
        &self.0.input
    }
    /// Global ids of the objects in the result.
    async fn affected_ids(&self) -> Vec<String> {
        self.0
            .affected_ids
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
    /// How it ended.
    async fn outcome(&self) -> audit::Outcome {
        match self.0.outcome.as_str() {
            "OK" => audit::Outcome::Ok,
            "USER_ERROR" => audit::Outcome::UserError,
            "DENIED" => audit::Outcome::Denied,
            _ => audit::Outcome::Error,
        }
    }
    /// The error code when it did not succeed.
    async fn error_code(&self) -> Option<&str> {
        self.0.error_code.as_deref()
    }
    /// What went wrong, when something did.
    async fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }
}

connection_type!(UserConnection, UserEdge, User, "users");
connection_type!(
    AuditEntryConnection,
    AuditEntryEdge,
    AuditEntry,
    "audit trail entries"
);

/// Filters on the audit trail.
#[derive(InputObject, Default)]
pub struct AuditFilterInput {
    /// The actor's user name.
    pub actor: Option<String>,
    /// The mutation's name, e.g. `upsertAbutmentSku`.
    pub operation: Option<String>,
    /// A global id the entry affected.
    pub object_id: Option<ID>,
    /// From this time on (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Before this time.
    pub to: Option<DateTime<Utc>>,
}

impl From<AuditFilterInput> for audit::Filter {
    fn from(f: AuditFilterInput) -> Self {
        audit::Filter {
            actor: f.actor,
            operation: f.operation,
            object_id: f.object_id.map(|i| i.0),
            from: f.from,
            to: f.to,
        }
    }
}

/// Access-control queries.
#[derive(Default)]
pub struct AccessQuery;

#[Object]
impl AccessQuery {
    /// The signed-in user.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        let p = ctx
            .data::<Caller>()?
            .principal()
            .ok_or(AppError::Unauthenticated)?
            .clone();
        let u = entity::app_user::Entity::find_by_id(p.user_id)
            .one(db(ctx)?)
            .await
            .map_err(AppError::from)?
            .ok_or_else(|| AppError::not_found("user", p.name))?;
        Ok(User(u))
    }

    /// Every user, by name.
    #[graphql(
        complexity = "2 + first.or(last).unwrap_or(50).clamp(0, 500) as usize * child_complexity"
    )]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 50, capped).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (capped); not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor to continue before, paging backward.")] before: Option<String>,
    ) -> async_graphql::Result<UserConnection> {
        let page = crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_ctx(ctx)?;
        let (rows, total) = service::users_page(db(ctx)?, &page).await?;
        Ok(UserConnection::build(
            &page,
            rows,
            total,
            service::user_key,
            User,
        ))
    }

    /// The audit trail, newest first.
    #[graphql(
        complexity = "2 + first.or(last).unwrap_or(50).clamp(0, 500) as usize * child_complexity"
    )]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Optional filters.")] filter: Option<AuditFilterInput>,
        #[graphql(desc = "Page size (default 50, capped).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (capped); not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor to continue before, paging backward.")] before: Option<String>,
    ) -> async_graphql::Result<AuditEntryConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_ctx(ctx)?;
        let f: audit::Filter = filter.map(Into::into).unwrap_or_default();
        let (rows, total) = audit::list(db(ctx)?, &f, &page).await?;
        Ok(AuditEntryConnection::build(
            &page,
            rows,
            total,
            audit::key,
            AuditEntry,
        ))
    }

    /// The audit trail as CSV (oldest first), for export.
    async fn audit_log_csv(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Optional filters.")] filter: Option<AuditFilterInput>,
    ) -> async_graphql::Result<String> {
        let f: audit::Filter = filter.map(Into::into).unwrap_or_default();
        Ok(audit::csv(db(ctx)?, &f).await?)
    }
}

/// A new user.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// Unique user name.
    pub name: String,
    /// One or more roles.
    pub roles: Vec<Role>,
}

/// Changes to a user.
#[derive(InputObject)]
pub struct UpdateUserInput {
    /// The user's global id.
    pub user_id: ID,
    /// New roles (replacing the old ones), if given.
    pub roles: Option<Vec<Role>>,
    /// Deactivate (false) or reactivate (true), if given.
    pub active: Option<bool>,
}

/// Result of a user mutation.
#[derive(SimpleObject)]
pub struct UserPayload {
    /// The user; null on errors.
    pub user: Option<User>,
    /// What was wrong; nothing was written when non-empty.
    pub user_errors: Vec<UserError>,
}

/// A new console password for a user.
#[derive(InputObject)]
pub struct SetUserPasswordInput {
    /// The user's global id.
    pub user_id: ID,
    /// The new password, 10–200 characters. Never stored or audited as
    /// given: only its argon2id hash is kept.
    pub password: String,
}

/// A new API token.
#[derive(InputObject)]
pub struct CreateApiTokenInput {
    /// The user's global id.
    pub user_id: ID,
    /// A label, e.g. the script using it.
    pub name: String,
    /// When it stops working; null: never.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Result of creating a token.
#[derive(SimpleObject)]
pub struct CreateApiTokenPayload {
    /// The token's record; null on errors.
    pub api_token: Option<ApiToken>,
    /// The secret bearer token. Shown this once; only its hash is kept.
    pub token: Option<String>,
    /// What was wrong; nothing was written when non-empty.
    pub user_errors: Vec<UserError>,
}

/// A token to revoke.
#[derive(InputObject)]
pub struct RevokeApiTokenInput {
    /// The token's global id.
    pub token_id: ID,
}

/// Result of revoking a token.
#[derive(SimpleObject)]
pub struct RevokeApiTokenPayload {
    /// The revoked token; null on errors.
    pub api_token: Option<ApiToken>,
    /// What was wrong; nothing was written when non-empty.
    pub user_errors: Vec<UserError>,
}

fn user_errors(e: AppError) -> async_graphql::Result<Vec<UserError>> {
    Ok(vec![e.into_user_error()?])
}

impl UserPayload {
    fn of(r: Result<app_user::Model, AppError>) -> async_graphql::Result<Self> {
        Ok(match r {
            Ok(u) => UserPayload {
                user: Some(User(u)),
                user_errors: vec![],
            },
            Err(e) => UserPayload {
                user: None,
                user_errors: user_errors(e)?,
            },
        })
    }
}

/// Access-control mutations (admins).
#[derive(Default)]
pub struct AccessMutation;

#[Object]
impl AccessMutation {
    /// Creates a user with roles.
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Name and roles.")] input: CreateUserInput,
    ) -> async_graphql::Result<UserPayload> {
        UserPayload::of(
            service::create_user(db(ctx)?, &input.name, &input.roles)
                .await
                .under("input"),
        )
    }

    /// Changes a user's roles or deactivates them.
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user and the changes.")] input: UpdateUserInput,
    ) -> async_graphql::Result<UserPayload> {
        let db = db(ctx)?;
        let r = match ids::decode(&input.user_id, "User", "input.userId") {
            Ok(id) => service::update_user(db, id, input.roles.as_deref(), input.active)
                .await
                .under("input"),
            Err(e) => Err(e),
        };
        UserPayload::of(r)
    }

    /// Sets a user's console password; the user's open console sessions end.
    async fn set_user_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user and the new password.")] input: SetUserPasswordInput,
    ) -> async_graphql::Result<UserPayload> {
        let db = db(ctx)?;
        let r = match ids::decode(&input.user_id, "User", "input.userId") {
            Ok(id) => super::session::set_password(db, id, &input.password)
                .await
                .under("input"),
            Err(e) => Err(e),
        };
        UserPayload::of(r)
    }

    /// Creates an API token for a user; the secret is in the payload, once.
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user, a label and an optional expiry.")] input: CreateApiTokenInput,
    ) -> async_graphql::Result<CreateApiTokenPayload> {
        let db = db(ctx)?;
        let r = match ids::decode(&input.user_id, "User", "input.userId") {
            Ok(id) => service::create_token(db, id, &input.name, input.expires_at)
                .await
                .under("input"),
            Err(e) => Err(e),
        };
        Ok(match r {
            Ok((t, secret)) => CreateApiTokenPayload {
                api_token: Some(ApiToken(t)),
                token: Some(secret),
                user_errors: vec![],
            },
            Err(e) => CreateApiTokenPayload {
                api_token: None,
                token: None,
                user_errors: user_errors(e)?,
            },
        })
    }

    /// Revokes an API token at once.
    async fn revoke_api_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token.")] input: RevokeApiTokenInput,
    ) -> async_graphql::Result<RevokeApiTokenPayload> {
        let db = db(ctx)?;
        let r = match ids::decode(&input.token_id, "ApiToken", "input.tokenId") {
            Ok(id) => service::revoke_token(db, id).await,
            Err(e) => Err(e),
        };
        Ok(match r {
            Ok(t) => RevokeApiTokenPayload {
                api_token: Some(ApiToken(t)),
                user_errors: vec![],
            },
            Err(e) => RevokeApiTokenPayload {
                api_token: None,
                user_errors: user_errors(e)?,
            },
        })
    }
}
