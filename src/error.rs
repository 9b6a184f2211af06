//! The service's error type and its one conversion to GraphQL errors.
//!
//! Policy: a caller's mistake (bad input, unknown name, conflict) carries a
//! message meant for the caller and a machine-readable `extensions.code`;
//! anything else is logged with its cause and reaches the client only as
//! `INTERNAL` with no detail.

use async_graphql::SimpleObject;
use sea_orm::DbErr;

/// Machine-readable error codes, sent as `extensions.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum ErrorCode {
    /// The input is malformed or breaks a rule; `field` names the culprit.
    BadUserInput,
    /// A named or identified object does not exist.
    NotFound,
    /// The request clashes with the current state (stale data, duplicate).
    Conflict,
    /// The caller may not do this.
    Forbidden,
    /// No valid credentials were given.
    Unauthenticated,
    /// Something failed on our side; details are in the server log.
    Internal,
}

impl ErrorCode {
    /// The code as sent in `extensions.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

/// Everything a service function can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad input in one field.
    #[error("{field}: {message}")]
    BadInput { field: String, message: String },
    /// An object named by the caller does not exist.
    #[error("{what} not found: {key}")]
    NotFound { what: &'static str, key: String },
    /// The request clashes with the current state.
    #[error("{0}")]
    Conflict(String),
    /// The caller lacks the permission.
    #[error("{0}")]
    Forbidden(String),
    /// No valid credentials.
    #[error("authentication required")]
    Unauthenticated,
    /// A database failure.
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    /// Any other internal failure.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// Bad input in `field`.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// `what` with key `key` does not exist.
    pub fn not_found(what: &'static str, key: impl Into<String>) -> Self {
        AppError::NotFound {
            what,
            key: key.into(),
        }
    }

    /// The error's code.
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::BadInput { .. } => ErrorCode::BadUserInput,
            AppError::NotFound { .. } => ErrorCode::NotFound,
            AppError::Conflict(_) => ErrorCode::Conflict,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::Unauthenticated => ErrorCode::Unauthenticated,
            // Refused only because of concurrent transactions: the client may retry.
            AppError::Db(e) if is_transient(e) => ErrorCode::Conflict,
            AppError::Db(_) | AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// Whether the store refused this only because of concurrent
    /// transactions (a deadlock, a serialization failure, SQLite busy), so
    /// running the transaction again can succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, AppError::Db(e) if is_transient(e))
    }

    /// The message meant for the caller (for a transient refusal: to retry).
    fn message(&self) -> String {
        if self.is_transient() {
            return TRANSIENT_MESSAGE.to_owned();
        }
        self.to_string()
    }

    /// The field the error is about, as a path such as `input.gtin`.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::BadInput { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The message a client may see: internal causes are replaced, and logged.
    pub fn public_message(&self) -> String {
        match self.code() {
            ErrorCode::Internal => {
                tracing::error!(error = %self, "internal error");
                "internal error".to_owned()
            }
            _ => self.message(),
        }
    }

    /// This error as a typed user error, for mutation payloads. Internal
    /// failures are not user errors: they are returned as `Err` unchanged.
    pub fn into_user_error(self) -> Result<UserError, AppError> {
        match self.code() {
            ErrorCode::BadUserInput | ErrorCode::NotFound | ErrorCode::Conflict => Ok(UserError {
                code: self.code(),
                field: self
                    .field()
                    .map(|f| f.split('.').map(str::to_owned).collect())
                    .unwrap_or_default(),
                message: self.message(),
                line: None,
            }),
            _ => Err(self),
        }
    }
}

/// What a client is told when concurrent changes kept the store from
/// committing a write even after it was retried.
pub const TRANSIENT_MESSAGE: &str = "the change collided with concurrent changes to the same records and was rolled back (nothing was written); retry it";

/// A caller's mistake reported inside a mutation payload.
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
pub struct UserError {
    /// What kind of mistake.
    pub code: ErrorCode,
    /// Path to the input field at fault (e.g. `["input", "gtin"]`), or the CSV
    /// column as `["line", "<column>"]`; empty when no single field is at fault.
    pub field: Vec<String>,
    /// What is wrong and how to put it right.
    pub message: String,
    /// For CSV input: the line (1 = header line).
    pub line: Option<u64>,
}

/// Result of a service call.
pub type AppResult<T> = Result<T, AppError>;

/// Whether the store refused a statement only because of concurrent
/// transactions, so running the whole transaction again can succeed:
/// PostgreSQL serialization failures (SQLSTATE 40001) and deadlocks
/// (40P01), SQLite `SQLITE_BUSY` and `SQLITE_LOCKED` (with their extended
/// codes, e.g. `BUSY_SNAPSHOT`).
pub fn is_transient(e: &sea_orm::DbErr) -> bool {
    let (sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e))
    | sea_orm::DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e))
    | sea_orm::DbErr::Query(sea_orm::RuntimeErr::SqlxError(e))) = e
    else {
        return false;
    };
    let sqlx::Error::Database(d) = e.as_ref() else {
        return false;
    };
    let Some(code) = d.code() else {
        return false;
    };
    if d.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .is_some()
    {
        return matches!(code.as_ref(), "40001" | "40P01");
    }
    if d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        // The primary result code is the low byte of the extended one.
        return code.parse::<i32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_becomes_a_user_error_with_a_field_path() {
        let ue = AppError::bad_input("input.gtin", "check digit should be 3")
            .into_user_error()
            .expect("a user error");
        assert_eq!(ue.field, vec!["input", "gtin"]);
        assert_eq!(ue.code, ErrorCode::BadUserInput);
    }

    #[test]
    fn internal_errors_are_not_user_errors() {
        assert!(AppError::Internal("x".into()).into_user_error().is_err());
    }
}
