//! One place where every error of a GraphQL response is put into its public
//! shape. Resolvers return `AppError` through `?`; async-graphql keeps the
//! original error as the `source` of the response error, and this extension
//! reads it back:
//! - an `AppError` gets its `extensions.code` (and `field`), and an internal
//!   one has its message replaced (the cause is logged);
//! - any other error with a source (a database error that slipped through)
//!   is internal: logged, replaced;
//! - an error without a source comes from async-graphql itself: parsing,
//!   validation, limits (`GRAPHQL_VALIDATION_FAILED`) or argument coercion
//!   during execution (`BAD_USER_INPUT`).

use std::sync::Arc;

use async_graphql::{
    ErrorExtensionValues, Response, ServerError,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextRequest},
};

use crate::error::{AppError, ErrorCode};

/// The extension factory to put on the schema.
pub struct ErrorPolicy;

impl ExtensionFactory for ErrorPolicy {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorPolicyExtension)
    }
}

struct ErrorPolicyExtension;

#[async_trait::async_trait]
impl Extension for ErrorPolicyExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut resp = next.run(ctx).await;
        for e in &mut resp.errors {
            shape(e);
        }
        resp
    }

    /// Errors of execution are shaped here, where the request's data (its
    /// id) is in reach; the request hook runs before it is attached.
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut resp = next.run(ctx, operation_name).await;
        for e in &mut resp.errors {
            shape(e);
        }
        if let Some(rid) = ctx.data_opt::<crate::access::RequestId>() {
            tag_internal(&mut resp.errors, &rid.0);
        }
        resp
    }
}

/// Gives every `INTERNAL` error without one the request's id as
/// `extensions.requestId`, the key to its cause in the server log.
pub fn tag_internal(errors: &mut [ServerError], request_id: &str) {
    for e in errors {
        let ext = e
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default);
        let internal =
            matches!(ext.get("code"), Some(async_graphql::Value::String(c)) if c == "INTERNAL");
        if internal && ext.get("requestId").is_none() {
            ext.set("requestId", request_id);
        }
    }
}

fn set(e: &mut ServerError, key: &str, value: &str) {
    e.extensions
        .get_or_insert_with(ErrorExtensionValues::default)
        .set(key, value);
}

/// Puts one error into its public shape (see the module doc).
pub fn shape(e: &mut ServerError) {
    if e.extensions
        .as_ref()
        .is_some_and(|x| x.get("code").is_some())
    {
        return;
    }
    if let Some(app) = e.source::<AppError>() {
        let code = app.code();
        let field = app.field().map(str::to_owned);
        e.message = app.public_message();
        set(e, "code", code.as_str());
        if let Some(f) = field {
            set(e, "field", &f);
        }
    } else if e.source.is_some() {
        tracing::error!(error = %e.message, path = ?e.path, "internal error");
        e.message = "internal error".into();
        set(e, "code", ErrorCode::Internal.as_str());
    } else if e.path.is_empty() {
        set(e, "code", "GRAPHQL_VALIDATION_FAILED");
    } else {
        set(e, "code", ErrorCode::BadUserInput.as_str());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shaped(err: async_graphql::Error, with_path: bool) -> ServerError {
        let mut e = err.into_server_error(async_graphql::Pos::default());
        if with_path {
            e.path.push(async_graphql::PathSegment::Field("f".into()));
        }
        shape(&mut e);
        e
    }

    fn code(e: &ServerError) -> String {
        e.extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .map(|v| v.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn app_errors_get_their_code_and_field() {
        let e = shaped(AppError::bad_input("input.gtin", "bad").into(), true);
        assert_eq!(code(&e), "\"BAD_USER_INPUT\"");
        assert!(e.extensions.unwrap().get("field").is_some());
        let e = shaped(AppError::not_found("platform", "XP").into(), true);
        assert_eq!(code(&e), "\"NOT_FOUND\"");
        assert_eq!(e.message, "platform not found: XP");
    }

    #[test]
    fn internal_causes_never_reach_the_client() {
        let e = shaped(AppError::Internal("secret /etc/passwd".into()).into(), true);
        assert_eq!(e.message, "internal error");
        assert_eq!(code(&e), "\"INTERNAL\"");
        let e = shaped(sea_orm::DbErr::Custom("password=x".into()).into(), true);
        assert_eq!(e.message, "internal error");
        assert_eq!(code(&e), "\"INTERNAL\"");
    }

    #[test]
    fn errors_of_graphql_itself_are_classified() {
        let e = shaped(async_graphql::Error::new("Unknown field"), false);
        assert_eq!(code(&e), "\"GRAPHQL_VALIDATION_FAILED\"");
        let e = shaped(
            async_graphql::Error::new("Failed to parse \"Decimal\""),
            true,
        );
        assert_eq!(code(&e), "\"BAD_USER_INPUT\"");
    }
}
