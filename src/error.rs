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
    /// One of the refusals services share, typed so that a caller can act
    /// on it; `field` names the input at fault, when one is.
    #[error("{}{refusal}", field.as_deref().map(|f| format!("{f}: ")).unwrap_or_default())]
    Refused {
        field: Option<String>,
        refusal: Refusal,
    },
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

    /// `refusal`, about the input `field`.
    pub fn refused_at(field: impl Into<String>, refusal: Refusal) -> Self {
        AppError::Refused {
            field: Some(field.into()),
            refusal,
        }
    }

    /// `refusal`, about no single input field.
    pub fn refused(refusal: Refusal) -> Self {
        AppError::Refused {
            field: None,
            refusal,
        }
    }

    /// This error with its field put under `prefix` (`gtin` under `input`
    /// is `input.gtin`). A service names fields relative to its own input;
    /// its caller, who knows where that input sits (an argument, a CSV
    /// column), adds the prefix.
    pub fn under(self, prefix: &str) -> Self {
        let join = |field: String| match (prefix.is_empty(), field.is_empty()) {
            (true, _) => field,
            (false, true) => prefix.to_owned(),
            (false, false) => format!("{prefix}.{field}"),
        };
        match self {
            AppError::BadInput { field, message } => AppError::BadInput {
                field: join(field),
                message,
            },
            AppError::Refused {
                field: Some(field),
                refusal,
            } => AppError::Refused {
                field: Some(join(field)),
                refusal,
            },
            e => e,
        }
    }

    /// This error with its field, if any, replaced by `field` (a service
    /// called for one field of its caller's input).
    pub fn at(self, field: &str) -> Self {
        match self {
            AppError::BadInput { message, .. } => AppError::bad_input(field, message),
            AppError::Refused {
                field: Some(_),
                refusal,
            } => AppError::refused_at(field, refusal),
            e => e,
        }
    }

    /// What is wrong, without the field it is about (for a CSV cell, or to
    /// be quoted in another message).
    pub fn reason(&self) -> String {
        match self {
            AppError::BadInput { message, .. } => message.clone(),
            AppError::Refused { refusal, .. } => refusal.to_string(),
            e => e.to_string(),
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
            AppError::Refused { field, refusal } => refusal.code(field.is_some()),
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
            AppError::Refused { field, .. } => field.as_deref(),
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

/// The refusals several services share. Each prints as the message a
/// client sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Fewer units are free than wanted. `on_hand` is set when the refusal
    /// is about one lot at one location (then `available` is what of it is
    /// not reserved); without it, `available` is the usable stock of an
    /// item over all its lots.
    #[error("{}", insufficient(*wanted, *available, *on_hand))]
    InsufficientStock {
        /// Units asked for.
        wanted: i64,
        /// Units free to take.
        available: i64,
        /// Units on hand at the location, reserved ones included.
        on_hand: Option<i64>,
    },
    /// A count against a quantity the location no longer holds: stock
    /// moved since the counter was shown `expected`.
    #[error(
        "stale count: you expected {expected} but the location now holds {on_hand}; count again"
    )]
    StaleCount {
        /// What the counter was shown.
        expected: i64,
        /// What the location holds now.
        on_hand: i64,
    },
    /// The object changed between the caller's read and this write:
    /// `{what} {name} {change}`.
    #[error("{what} {name} {change}")]
    ChangedMeanwhile {
        /// The kind of object (`lot`, `reservation`).
        what: &'static str,
        /// Its number or id.
        name: String,
        /// What happened, and what to do now.
        change: &'static str,
    },
    /// An object's state does not allow the change: `{what} {name} is
    /// {state}` and then the rule (`; only a SHIPPED case can be returned`).
    #[error("{what} {name} is {state}{rule}")]
    StateNotAllowed {
        /// The kind of object (`case`, `lot`, `job`).
        what: &'static str,
        /// Its number or code.
        name: String,
        /// Its state, as its API name.
        state: String,
        /// The rule, as it follows the state in the message (starting with
        /// its own punctuation), or empty.
        rule: String,
    },
}

fn insufficient(wanted: i64, available: i64, on_hand: Option<i64>) -> String {
    match on_hand {
        Some(on_hand) => format!(
            "insufficient stock: {wanted} wanted, the location holds {on_hand} of this lot ({} reserved, {available} free)",
            on_hand - available
        ),
        None => format!("insufficient available stock: {wanted} wanted, {available} available"),
    }
}

impl Refusal {
    /// The code: a stale expectation (a count, a read) is a `CONFLICT`; missing stock or a
    /// state that does not allow the change is the caller's mistake
    /// (`BAD_USER_INPUT`) when it is about something the caller's input
    /// picked (`at_field`), else a `CONFLICT` with the object's state.
    pub fn code(&self, at_field: bool) -> ErrorCode {
        match self {
            Refusal::StaleCount { .. } | Refusal::ChangedMeanwhile { .. } => ErrorCode::Conflict,
            Refusal::InsufficientStock { .. } | Refusal::StateNotAllowed { .. } if at_field => {
                ErrorCode::BadUserInput
            }
            Refusal::InsufficientStock { .. } | Refusal::StateNotAllowed { .. } => {
                ErrorCode::Conflict
            }
        }
    }
}

/// `Result` with [`AppError::under`].
pub trait Under {
    /// Puts the error's field under `prefix` (see [`AppError::under`]).
    fn under(self, prefix: &str) -> Self;
}

impl<T> Under for AppResult<T> {
    fn under(self, prefix: &str) -> Self {
        self.map_err(|e| e.under(prefix))
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
    fn a_caller_puts_a_service_field_under_its_own_prefix() {
        let e = AppError::bad_input("lines.3.quantity", "must be above 0").under("input");
        assert_eq!(e.field(), Some("input.lines.3.quantity"));
        assert_eq!(e.to_string(), "input.lines.3.quantity: must be above 0");
        let e = AppError::refused_at(
            "quantity",
            Refusal::InsufficientStock {
                wanted: 5,
                available: 2,
                on_hand: None,
            },
        )
        .under("input");
        assert_eq!(e.field(), Some("input.quantity"));
        let e = AppError::Conflict("x".into()).under("input");
        assert_eq!(e.field(), None);
    }

    #[test]
    fn typed_refusals_keep_their_codes_and_messages() {
        let short = AppError::refused_at(
            "input.quantity",
            Refusal::InsufficientStock {
                wanted: 7,
                available: 3,
                on_hand: Some(5),
            },
        );
        assert_eq!(short.code(), ErrorCode::BadUserInput);
        assert_eq!(
            short.public_message(),
            "input.quantity: insufficient stock: 7 wanted, the location holds 5 of this lot (2 reserved, 3 free)"
        );
        assert_eq!(
            short.reason(),
            "insufficient stock: 7 wanted, the location holds 5 of this lot (2 reserved, 3 free)"
        );
        let stale = AppError::refused(Refusal::StaleCount {
            expected: 4,
            on_hand: 6,
        });
        assert_eq!(stale.code(), ErrorCode::Conflict);
        assert_eq!(
            stale.public_message(),
            "stale count: you expected 4 but the location now holds 6; count again"
        );
        let state = AppError::refused(Refusal::StateNotAllowed {
            what: "case",
            name: "C-1".into(),
            state: "SHIPPED".into(),
            rule: "; only an OPEN case can be matched".into(),
        });
        assert_eq!(state.code(), ErrorCode::Conflict);
        assert_eq!(
            state.public_message(),
            "case C-1 is SHIPPED; only an OPEN case can be matched"
        );
        let ue = state.into_user_error().expect("a user error");
        assert!(ue.field.is_empty());
    }

    #[test]
    fn internal_errors_are_not_user_errors() {
        assert!(AppError::Internal("x".into()).into_user_error().is_err());
    }
}
