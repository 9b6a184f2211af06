//! The input boundary: every argument of the operation about to run is
//! checked against its declared type before any resolver sees it, and a
//! refusal names the argument's path (`input.productionDate`,
//! `input.lines.2.quantity`) in `extensions.field`, as a service's own input
//! errors do. async-graphql's coercion errors say only "Failed to parse
//! \"Date\"" without the field; and some values it accepts would be
//! stored as given (a NUL byte, which PostgreSQL refuses as INTERNAL).
//!
//! The rules, for every value at every depth of every argument:
//! - text (`String`, `ID`) carries no control character — NUL, the other C0
//!   controls, DEL, C1 — except a newline, carriage return or tab in fields
//!   whose description says "Newlines are allowed", and the GS1 group
//!   separator in fields whose description names it (`U+001D`); CSV text
//!   ([`CSV_CELLS_CHECKED`]) is left to the importer, which names the line
//!   and column of the cell;
//! - text is at most [`DEFAULT_MAX_CHARS`] characters, or the maximum its
//!   description documents ("At most 4,000 characters");
//! - required text (`String!`) is not empty or blank;
//! - `Int` is a 32-bit signed integer, as the GraphQL spec defines it;
//! - `Date` is a real calendar date `YYYY-MM-DD`, `DateTime` an RFC
//!   3339 timestamp, `Decimal` a decimal number;
//! - a oneOf input object (`@oneOf`) gives exactly one of its fields, not
//!   null: the refusal names the choices and what was given.
//!
//! The errors are found while the document is parsed (after the guard let
//! the caller in) and returned in place of execution, so a mutation refused
//! here is audited like any other refusal and changes nothing.

use std::{collections::HashSet, sync::Arc};

use async_graphql::{
    ErrorExtensionValues, Name, PathSegment, Response, ServerError, ServerResult, ValidationResult,
    Value, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextValidation,
    },
    parser::types::{
        DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
        SelectionSet,
    },
    registry::{MetaInputValue, MetaType, Registry},
};
use tokio::sync::Mutex;

/// Longest text value, in characters, where a field documents no other.
pub const DEFAULT_MAX_CHARS: usize = 200;

/// Said in the description of a CSV text argument: its control characters
/// are left to the CSV importer, which reports each with line and column.
pub const CSV_CELLS_CHECKED: &str = "Control characters are refused cell by cell";

/// The extension factory to put on the schema.
pub struct InputCheck;

impl ExtensionFactory for InputCheck {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(InputCheckExt {
            errors: Mutex::new(Vec::new()),
        })
    }
}

struct InputCheckExt {
    errors: Mutex<Vec<ServerError>>,
}

#[async_trait::async_trait]
impl Extension for InputCheckExt {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let found = check_document(&ctx.schema_env.registry, &doc, variables);
        *self.errors.lock().await = found;
        Ok(doc)
    }

    /// A oneOf input without exactly one field is refused by validation
    /// with a message that names neither the field nor the choices. When
    /// that is all validation found, this check's own error (field path,
    /// choices) is returned in place of execution, like every other input
    /// error, so that a mutation refused for it is audited too.
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        match next.run(ctx).await {
            Err(errors)
                if errors.iter().all(oneof_refusal) && !self.errors.lock().await.is_empty() =>
            {
                Ok(ValidationResult {
                    cache_control: Default::default(),
                    complexity: 0,
                    depth: 0,
                })
            }
            r => r,
        }
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let errors = std::mem::take(&mut *self.errors.lock().await);
        if errors.is_empty() {
            next.run(ctx, operation_name).await
        } else {
            Response::from_errors(errors)
        }
    }
}

/// Every input error of the operation the request will run (all of them,
/// at most 50), for the operation picked as async-graphql picks it.
pub fn check_document(
    registry: &Registry,
    doc: &ExecutableDocument,
    variables: &Variables,
) -> Vec<ServerError> {
    let op = match &doc.operations {
        DocumentOperations::Single(op) => &op.node,
        DocumentOperations::Multiple(map) if map.len() == 1 => match map.values().next() {
            Some(op) => &op.node,
            None => return vec![],
        },
        // Several operations: the guard has already settled which one (or
        // refused); check them all, errors are keyed by root field.
        DocumentOperations::Multiple(map) => {
            let mut out = Vec::new();
            for op in map.values() {
                out.extend(check_operation(registry, doc, &op.node, variables));
            }
            return out;
        }
    };
    check_operation(registry, doc, op, variables)
}

fn check_operation(
    registry: &Registry,
    doc: &ExecutableDocument,
    op: &OperationDefinition,
    variables: &Variables,
) -> Vec<ServerError> {
    let root = match op.ty {
        OperationType::Query => Some(registry.query_type.as_str()),
        OperationType::Mutation => registry.mutation_type.as_deref(),
        OperationType::Subscription => None,
    };
    let Some(root) = root else { return vec![] };
    // Variables with a default in the document, where the request gives none.
    let mut vars = variables.clone();
    for def in &op.variable_definitions {
        let name = &def.node.name.node;
        if !vars.contains_key(name)
            && let Some(d) = &def.node.default_value
        {
            vars.insert(name.clone(), d.node.clone());
        }
    }
    let mut walk = Walk {
        registry,
        doc,
        vars: &vars,
        seen: HashSet::new(),
        errors: Vec::new(),
    };
    walk.selection_set(&op.selection_set.node, root, None);
    walk.errors
}

struct Walk<'a> {
    registry: &'a Registry,
    doc: &'a ExecutableDocument,
    vars: &'a Variables,
    seen: HashSet<Name>,
    errors: Vec<ServerError>,
}

const MAX_ERRORS: usize = 50;

impl Walk<'_> {
    /// `root_key` is the response key of the root field the selection set
    /// is under (None at the root).
    fn selection_set(&mut self, set: &SelectionSet, type_name: &str, root_key: Option<&str>) {
        let Some(ty) = self.registry.types.get(type_name) else {
            return;
        };
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    let key = root_key.unwrap_or(f.response_key().node.as_str());
                    let Some(meta) = ty.field_by_name(f.name.node.as_str()) else {
                        continue;
                    };
                    let prefix = match root_key {
                        None => String::new(),
                        Some(_) => format!("{}.", f.name.node),
                    };
                    for (name, value) in &f.arguments {
                        let Some(arg) = meta.args.get(name.node.as_str()) else {
                            continue;
                        };
                        let Ok(value) = value
                            .node
                            .clone()
                            .into_const_with(|n: Name| self.vars.get(&n).cloned().ok_or(()))
                        else {
                            continue;
                        };
                        let path = format!("{prefix}{}", name.node);
                        self.value(key, &path, arg, &arg.ty, &value);
                    }
                    let inner = named(&meta.ty).to_owned();
                    self.selection_set(&f.selection_set.node, &inner, Some(key));
                }
                Selection::InlineFragment(i) => {
                    let cond = i
                        .node
                        .type_condition
                        .as_ref()
                        .map(|c| c.node.on.node.to_string())
                        .unwrap_or_else(|| type_name.to_owned());
                    self.selection_set(&i.node.selection_set.node, &cond, root_key);
                }
                Selection::FragmentSpread(s) => {
                    let name = &s.node.fragment_name.node;
                    if !self.seen.insert(name.clone()) {
                        continue;
                    }
                    if let Some(frag) = self.doc.fragments.get(name) {
                        let cond = frag.node.type_condition.node.on.node.to_string();
                        self.selection_set(&frag.node.selection_set.node, &cond, root_key);
                    }
                }
            }
            if self.errors.len() >= MAX_ERRORS {
                return;
            }
        }
    }

    /// Checks `value` against the type `ty` (with its `!` and `[]`) of the
    /// input value `meta` (whose description holds the documented limits).
    fn value(&mut self, root: &str, path: &str, meta: &MetaInputValue, ty: &str, value: &Value) {
        if self.errors.len() >= MAX_ERRORS {
            return;
        }
        let (ty, required) = match ty.strip_suffix('!') {
            Some(t) => (t, true),
            None => (ty, false),
        };
        if matches!(value, Value::Null) {
            return;
        }
        if let Some(inner) = ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            match value {
                Value::List(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.value(root, &format!("{path}.{i}"), meta, inner, item);
                    }
                }
                // A single value where a list is expected is a list of one.
                v => self.value(root, path, meta, inner, v),
            }
            return;
        }
        match self.registry.types.get(ty) {
            Some(MetaType::InputObject {
                input_fields,
                oneof,
                ..
            }) => {
                if let Value::Object(fields) = value {
                    if *oneof && let Some(msg) = one_of(input_fields.keys(), fields) {
                        self.errors.push(error(root, path, msg));
                        return;
                    }
                    for (name, v) in fields {
                        if let Some(f) = input_fields.get(name.as_str()) {
                            self.value(root, &format!("{path}.{name}"), f, &f.ty, v);
                        }
                    }
                }
            }
            Some(MetaType::Scalar { name, .. }) => {
                if let Err(msg) = scalar(name, required, meta, value) {
                    self.errors.push(error(root, path, msg));
                }
            }
            _ => {}
        }
    }
}

/// Why a value of a oneOf input object does not give exactly one of its
/// fields, not null (as the specification says), naming them all.
fn one_of<'a>(
    names: impl Iterator<Item = &'a String>,
    value: &async_graphql::indexmap::IndexMap<Name, Value>,
) -> Option<String> {
    let given: Vec<&str> = value.keys().map(Name::as_str).collect();
    let null = value.values().any(|v| matches!(v, Value::Null));
    if given.len() == 1 && !null {
        return None;
    }
    let names: Vec<&str> = names.map(String::as_str).collect();
    let choices = match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    Some(if given.is_empty() {
        format!("give exactly one of {choices}; got none")
    } else if given.len() == 1 {
        format!(
            "give exactly one of {choices}, not null; got {} null",
            given[0]
        )
    } else {
        format!(
            "give exactly one of {choices}; got {} ({})",
            given.len(),
            given.join(", ")
        )
    })
}

/// Whether async-graphql's validation refused a oneOf input object for not
/// giving exactly one field: [`one_of`] says the same, naming the field and
/// the choices, and is what the client gets.
fn oneof_refusal(e: &ServerError) -> bool {
    e.message
        .contains("Oneof input objects requires have exactly one field")
        || e.message
            .contains("Oneof Input Objects require that exactly one field must be supplied")
}

/// The named type of a type reference: `[Lot!]!` → `Lot`.
fn named(ty: &str) -> &str {
    ty.trim_matches(|c| c == '[' || c == ']' || c == '!')
}

fn error(root: &str, path: &str, message: String) -> ServerError {
    let mut e = ServerError::new(format!("{path}: {message}"), None);
    e.path = vec![PathSegment::Field(root.to_owned())];
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", "BAD_USER_INPUT");
    ext.set("field", path);
    e.extensions = Some(ext);
    e
}

fn scalar(name: &str, required: bool, meta: &MetaInputValue, value: &Value) -> Result<(), String> {
    match (name, value) {
        ("String" | "ID", Value::String(s)) => text(s, required, meta),
        ("Int", Value::Number(n)) => match n.as_i64() {
            Some(i) if i32::try_from(i).is_ok() => Ok(()),
            _ => Err(format!(
                "{n} is not an Int: GraphQL's Int is a 32-bit signed integer ({} to {})",
                i32::MIN,
                i32::MAX
            )),
        },
        ("Date", Value::String(s)) => chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map(|_| ())
            .map_err(|e| format!("`{}` is not a date (YYYY-MM-DD): {e}", show(s))),
        ("DateTime", Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s.trim())
            .map(|_| ())
            .map_err(|e| {
                format!(
                    "`{}` is not a date and time (RFC 3339, e.g. 2026-12-01T08:00:00Z): {e}",
                    show(s)
                )
            }),
        ("Decimal", Value::String(s)) => s
            .trim()
            .parse::<rust_decimal::Decimal>()
            .map(|_| ())
            .map_err(|_| format!("`{}` is not a decimal number", show(s))),
        _ => Ok(()),
    }
}

/// A value as quoted in a message: at most 40 characters, controls escaped.
fn show(s: &str) -> String {
    let mut out: String = s.chars().take(40).flat_map(char::escape_default).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

fn text(s: &str, required: bool, meta: &MetaInputValue) -> Result<(), String> {
    let doc = meta.description.as_deref().unwrap_or("");
    let newlines = doc.contains("Newlines are allowed");
    let gs = doc.contains("U+001D");
    // CSV text: the importer refuses control characters itself, naming the
    // line and column of the cell (a position in the whole text would not help).
    let scanned = if doc.contains(CSV_CELLS_CHECKED) {
        ""
    } else {
        s
    };
    if let Some((i, c)) = scanned.char_indices().find(|&(_, c)| {
        c.is_control() && !(newlines && matches!(c, '\n' | '\r' | '\t')) && !(gs && c == '\u{1d}')
    }) {
        return Err(format!(
            "control character U+{:04X} at position {} is not allowed{}",
            c as u32,
            s[..i].chars().count() + 1,
            if newlines {
                ""
            } else {
                " (this field is one line of text)"
            }
        ));
    }
    let max = documented_max(doc).unwrap_or(DEFAULT_MAX_CHARS);
    let n = s.chars().count();
    if n > max {
        return Err(format!("{n} characters; at most {max} are allowed"));
    }
    if required && s.trim().is_empty() {
        return Err("must not be empty or blank".into());
    }
    Ok(())
}

/// The maximum length a description documents: "… at most 4,000 characters …".
pub fn documented_max(doc: &str) -> Option<usize> {
    let lower = doc
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    lower.match_indices("at most ").find_map(|(at, m)| {
        let rest = &lower[at + m.len()..];
        let digits: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ',')
            .collect();
        let after = rest[digits.len()..].trim_start();
        if after.starts_with("characters") {
            digits.replace(',', "").parse().ok()
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_oneof_value_names_the_choices_and_what_was_given() {
        let names = ["lotIds".to_owned(), "heatNumber".into(), "toolId".into()];
        let value = |pairs: &[(&str, Value)]| {
            pairs
                .iter()
                .map(|(n, v)| (Name::new(n), v.clone()))
                .collect::<async_graphql::indexmap::IndexMap<_, _>>()
        };
        let h = Value::String("H-1".into());
        assert_eq!(
            one_of(names.iter(), &value(&[("heatNumber", h.clone())])),
            None
        );
        assert_eq!(
            one_of(names.iter(), &value(&[])).as_deref(),
            Some("give exactly one of lotIds, heatNumber or toolId; got none")
        );
        assert_eq!(
            one_of(
                names.iter(),
                &value(&[("heatNumber", h), ("toolId", Value::Null)])
            )
            .as_deref(),
            Some("give exactly one of lotIds, heatNumber or toolId; got 2 (heatNumber, toolId)")
        );
        assert_eq!(
            one_of(names.iter(), &value(&[("toolId", Value::Null)])).as_deref(),
            Some("give exactly one of lotIds, heatNumber or toolId, not null; got toolId null")
        );
    }

    #[test]
    fn a_documented_maximum_is_read_from_the_description() {
        assert_eq!(
            documented_max("Free text. At most 4,000 characters."),
            Some(4000)
        );
        assert_eq!(documented_max("at most 20 characters"), Some(20));
        assert_eq!(documented_max("at most\n  2,000 characters"), Some(2000));
        assert_eq!(documented_max("At most 3 lots."), None);
        assert_eq!(
            documented_max("At most 3 lots, at most 80 characters."),
            Some(80)
        );
        assert_eq!(documented_max("No limit given."), None);
    }
}
