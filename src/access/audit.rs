//! The audit trail: one row per mutation attempt (succeeded, failed, or
//! refused), with actor, roles, operation, input with secrets removed,
//! affected ids, outcome and request id. This module only ever inserts rows;
//! nothing in the code updates or deletes them.

use chrono::{DateTime, Utc};
use entity::audit_log;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::Value;

use super::{Principal, roles::format_roles};
use crate::{
    error::AppResult,
    paging::{Key, KeyVal, Page, col},
};

/// How a mutation attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum Outcome {
    /// Done.
    Ok,
    /// Refused for bad input; nothing changed.
    UserError,
    /// Failed; nothing changed.
    Error,
    /// Refused by access control before any work.
    Denied,
}

impl Outcome {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "OK",
            Outcome::UserError => "USER_ERROR",
            Outcome::Error => "ERROR",
            Outcome::Denied => "DENIED",
        }
    }
}

/// One attempt to record.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub request_id: &'a str,
    pub actor: Option<&'a Principal>,
    pub operation: &'a str,
    pub input: &'a Value,
    pub affected_ids: Vec<String>,
    pub outcome: Outcome,
    pub error_code: Option<String>,
    pub message: Option<String>,
}

/// Keys whose values never reach the audit trail.
const SECRET_KEYS: [&str; 4] = ["token", "secret", "password", "authorization"];
/// Longer strings (a CSV file, say) are cut to this many characters.
const MAX_STRING: usize = 2_000;

/// The input with secrets replaced and long strings cut.
pub fn redact(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let lower = k.to_lowercase();
                    if SECRET_KEYS.iter().any(|s| lower.contains(s)) {
                        (k.clone(), Value::String("[redacted]".into()))
                    } else {
                        (k.clone(), redact(v))
                    }
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(redact).collect()),
        Value::String(s) if s.chars().count() > MAX_STRING => Value::String(format!(
            "{}… [{} characters in all]",
            s.chars().take(MAX_STRING).collect::<String>(),
            s.chars().count()
        )),
        other => other.clone(),
    }
}

/// Every `id` string inside a result, in order, without repeats.
pub fn collect_ids(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                if k == "id"
                    && let Value::String(s) = v
                {
                    if !out.contains(s) {
                        out.push(s.clone());
                    }
                } else {
                    collect_ids(v, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect_ids(v, out)),
        _ => {}
    }
}

/// Appends one row.
pub async fn record(db: &impl ConnectionTrait, e: Entry<'_>) -> Result<(), DbErr> {
    audit_log::ActiveModel {
        at: Set(Utc::now()),
        request_id: Set(e.request_id.to_owned()),
        actor_user_id: Set(e.actor.map(|p| p.user_id)),
        actor_name: Set(e.actor.map(|p| p.name.clone())),
        roles: Set(e.actor.map(|p| format_roles(&p.roles)).unwrap_or_default()),
        operation: Set(e.operation.to_owned()),
        input: Set(redact(e.input).to_string()),
        affected_ids: Set(e.affected_ids.join(",")),
        outcome: Set(e.outcome.as_str().to_owned()),
        error_code: Set(e.error_code),
        message: Set(e.message),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The actor of a change made through the command line: `cli:` and the
/// operating-system user running it — `$USER`, else `$LOGNAME`, else
/// `$USERNAME` (Windows), else on Unix the process's user id (`cli:uid-1000`),
/// else `cli:unknown`. The command line holds the database's credentials
/// already, so this names who ran it rather than proving it, as a shell
/// history would.
pub fn cli_actor_name() -> String {
    let from_env = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .map(|v| v.trim().to_owned())
        .find(|v| !v.is_empty() && !v.chars().any(char::is_control));
    let user = from_env
        .or_else(process_uid)
        .unwrap_or_else(|| "unknown".into());
    format!("cli:{user}")
}

#[cfg(unix)]
fn process_uid() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    // The owner of /proc/self is the process's (real) user on Linux.
    std::fs::metadata("/proc/self")
        .ok()
        .map(|m| format!("uid-{}", m.uid()))
}

#[cfg(not(unix))]
fn process_uid() -> Option<String> {
    None
}

/// One change made through the command line (an import, a user, a token, a
/// restore …), recorded in the same table and shape as a GraphQL mutation:
/// operation, input (secrets removed), affected global ids, outcome, error
/// code and message. The actor has no user row and no roles; its name is
/// [`cli_actor_name`], the request id `cli-…`.
#[derive(Debug, Clone)]
pub struct CliEntry {
    /// The operation, named as the GraphQL mutation doing the same where
    /// there is one (`importCatalogCsv`, `createUser` …).
    pub operation: String,
    /// The command's arguments as JSON.
    pub input: Value,
    /// Global ids of what it made or changed.
    pub affected_ids: Vec<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// The error code when it did not succeed.
    pub error_code: Option<String>,
    /// What went wrong, when something did.
    pub message: Option<String>,
}

impl CliEntry {
    /// A command that did its work.
    pub fn ok(operation: &str, input: Value, affected_ids: Vec<String>) -> Self {
        CliEntry {
            operation: operation.to_owned(),
            input,
            affected_ids,
            outcome: Outcome::Ok,
            error_code: None,
            message: None,
        }
    }

    /// A command refused for bad input (`code` as in `extensions.code`).
    pub fn refused(operation: &str, input: Value, code: &str, message: String) -> Self {
        CliEntry {
            outcome: Outcome::UserError,
            error_code: Some(code.to_owned()),
            message: Some(message),
            ..Self::ok(operation, input, vec![])
        }
    }

    /// A command that failed with a service error: a caller's mistake is a
    /// user error with its code, anything else an error.
    pub fn failed(operation: &str, input: Value, e: &crate::error::AppError) -> Self {
        use crate::error::ErrorCode;
        let code = e.code();
        let mut entry = Self::refused(operation, input, code.as_str(), e.to_string());
        if !matches!(
            code,
            ErrorCode::BadUserInput | ErrorCode::NotFound | ErrorCode::Conflict
        ) {
            entry.outcome = Outcome::Error;
        }
        entry
    }

    /// A command that failed: a database error (`INTERNAL`), or a reason
    /// without a code (a file that is no database, a lock held …).
    pub fn error(operation: &str, input: Value, code: Option<&str>, message: String) -> Self {
        CliEntry {
            outcome: Outcome::Error,
            error_code: code.map(str::to_owned),
            message: Some(message),
            ..Self::ok(operation, input, vec![])
        }
    }
}

/// Appends the row of one command-line change, by `actor` (see [`cli_actor_name`]).
pub async fn record_cli(db: &impl ConnectionTrait, actor: &str, e: &CliEntry) -> Result<(), DbErr> {
    // Text columns refuse NUL on PostgreSQL; a message may quote a bad value.
    let clean = |s: &str| s.replace('\0', "\u{fffd}");
    audit_log::ActiveModel {
        at: Set(Utc::now()),
        request_id: Set(format!("cli-{}", super::RequestId::new().0)),
        actor_user_id: Set(None),
        actor_name: Set(Some(clean(actor))),
        roles: Set(String::new()),
        operation: Set(e.operation.clone()),
        input: Set(redact(&e.input).to_string()),
        affected_ids: Set(e.affected_ids.join(",")),
        outcome: Set(e.outcome.as_str().to_owned()),
        error_code: Set(e.error_code.clone()),
        message: Set(e.message.as_deref().map(clean)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Filters on the audit trail.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Actor's user name.
    pub actor: Option<String>,
    /// Operation (root mutation field) name.
    pub operation: Option<String>,
    /// A global id among the affected ids.
    pub object_id: Option<String>,
    /// From this time on (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Before this time.
    pub to: Option<DateTime<Utc>>,
}

impl Filter {
    fn condition(&self) -> Condition {
        let mut c = Condition::all();
        if let Some(a) = &self.actor {
            c = c.add(audit_log::Column::ActorName.eq(a.clone()));
        }
        if let Some(o) = &self.operation {
            c = c.add(audit_log::Column::Operation.eq(o.clone()));
        }
        if let Some(id) = &self.object_id {
            c = c.add(audit_log::Column::AffectedIds.contains(id.replace(['%', '_'], "")));
        }
        if let Some(f) = self.from {
            c = c.add(audit_log::Column::At.gte(f));
        }
        if let Some(t) = self.to {
            c = c.add(audit_log::Column::At.lt(t));
        }
        c
    }
}

/// One page of audit rows, newest first, and the total.
pub async fn list(
    db: &impl ConnectionTrait,
    f: &Filter,
    page: &Page,
) -> AppResult<(Vec<audit_log::Model>, u64)> {
    let q = audit_log::Entity::find().filter(f.condition());
    let order = [(
        col((audit_log::Entity, audit_log::Column::Id)),
        sea_orm::Order::Desc,
    )];
    Ok(page.fetch(db, q, &order).await?)
}

/// The sort key of an audit row in [`list`]'s order.
pub fn key(m: &audit_log::Model) -> Key {
    vec![KeyVal::I(m.id)]
}

/// Column names of the CSV export.
pub const CSV_HEADER: [&str; 12] = [
    "id",
    "at",
    "request_id",
    "actor_user_id",
    "actor_name",
    "roles",
    "operation",
    "input",
    "affected_ids",
    "outcome",
    "error_code",
    "message",
];

/// The filtered trail as CSV, oldest first.
pub async fn csv(db: &impl ConnectionTrait, f: &Filter) -> AppResult<String> {
    let rows = audit_log::Entity::find()
        .filter(f.condition())
        .order_by_asc(audit_log::Column::Id)
        .all(db)
        .await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| crate::error::AppError::Internal(format!("csv: {e}"));
    w.write_record(CSV_HEADER).map_err(io)?;
    for r in rows {
        w.write_record([
            r.id.to_string(),
            r.at.to_rfc3339(),
            r.request_id,
            r.actor_user_id.map(|v| v.to_string()).unwrap_or_default(),
            r.actor_name.unwrap_or_default(),
            r.roles,
            r.operation,
            r.input,
            r.affected_ids,
            r.outcome,
            r.error_code.unwrap_or_default(),
            r.message.unwrap_or_default(),
        ])
        .map_err(io)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| crate::error::AppError::Internal(format!("csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| crate::error::AppError::Internal(format!("csv: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_removed_and_long_text_cut() {
        let v = redact(
            &json!({"input": {"name": "x", "apiToken": "abt_secret", "csv": "a".repeat(5000)}}),
        );
        assert_eq!(v["input"]["apiToken"], "[redacted]");
        assert!(
            v["input"]["csv"]
                .as_str()
                .unwrap()
                .contains("[5000 characters in all]")
        );
        assert_eq!(v["input"]["name"], "x");
    }

    #[test]
    fn affected_ids_are_collected_once_each() {
        let mut ids = Vec::new();
        collect_ids(
            &json!({"sku": {"id": "A", "fits": [{"id": "B"}, {"id": "A"}]}}),
            &mut ids,
        );
        ids.sort();
        assert_eq!(ids, vec!["A", "B"]);
    }
}
