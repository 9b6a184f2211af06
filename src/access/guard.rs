//! The guard: a schema extension that, for every request,
//! 1. refuses query documents that are too long or use too many aliases;
//! 2. finds the operation's root fields and checks each against the
//!    permission matrix before anything is validated or run — no token is
//!    `UNAUTHENTICATED`, a role without the entry is `FORBIDDEN`;
//! 3. for mutations, applies idempotency keys and writes one audit row per
//!    root field, whatever the outcome (refusals included).

use std::{collections::HashSet, sync::Arc};

use async_graphql::{
    ErrorExtensionValues, Name, Positioned, Request, Response, ServerError, ServerResult,
    Value as GqlValue, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery,
        NextPrepareRequest,
    },
    parser::types::{
        DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
    },
};
use sea_orm::DatabaseConnection;
use serde_json::Value;
use tokio::sync::Mutex;

use super::{
    Caller, Principal, RequestId, audit,
    idempotency::{self, Claim},
    permissions::{OpKind, is_allowed},
};

/// The guard's factory; `max_aliases` caps aliases per document.
pub struct Guard {
    /// Most aliases a document may use.
    pub max_aliases: usize,
    /// Longest query document, in bytes.
    pub max_query_bytes: usize,
}

impl ExtensionFactory for Guard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(GuardExt {
            max_aliases: self.max_aliases,
            max_query_bytes: self.max_query_bytes,
            state: Mutex::new(State::default()),
        })
    }
}

#[derive(Default)]
struct State {
    operation_name: Option<String>,
    kind: Option<OpKind>,
    fields: Vec<RootField>,
}

#[derive(Debug, Clone)]
struct RootField {
    key: String,
    name: String,
    args: Value,
}

struct GuardExt {
    max_aliases: usize,
    max_query_bytes: usize,
    state: Mutex<State>,
}

fn error(code: &str, message: impl Into<String>) -> ServerError {
    let mut e = ServerError::new(message, None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", code);
    e.extensions = Some(ext);
    e
}

/// The refusal for a caller who is not signed in.
fn unauthenticated(caller: &Caller) -> ServerError {
    match caller {
        Caller::Invalid(reason) => error("UNAUTHENTICATED", format!("not authenticated: {reason}")),
        _ => error(
            "UNAUTHENTICATED",
            "authentication required: send `Authorization: Bearer <token>`",
        ),
    }
}

fn walk_aliases(
    doc: &ExecutableDocument,
    set: &SelectionSet,
    seen: &mut HashSet<String>,
    n: &mut usize,
) {
    for s in &set.items {
        match &s.node {
            Selection::Field(f) => {
                if f.node.alias.is_some() {
                    *n += 1;
                }
                walk_aliases(doc, &f.node.selection_set.node, seen, n);
            }
            Selection::InlineFragment(i) => walk_aliases(doc, &i.node.selection_set.node, seen, n),
            Selection::FragmentSpread(fs) => {
                let name = fs.node.fragment_name.node.to_string();
                if seen.insert(name.clone())
                    && let Some(frag) = doc.fragments.get(&fs.node.fragment_name.node)
                {
                    walk_aliases(doc, &frag.node.selection_set.node, seen, n);
                }
            }
        }
    }
}

fn count_aliases(doc: &ExecutableDocument) -> usize {
    let mut n = 0;
    let mut seen = HashSet::new();
    for (_, op) in doc.operations.iter() {
        walk_aliases(doc, &op.node.selection_set.node, &mut seen, &mut n);
    }
    n
}

fn root_fields(
    doc: &ExecutableDocument,
    set: &SelectionSet,
    vars: &Variables,
    seen: &mut HashSet<String>,
    out: &mut Vec<RootField>,
) {
    for s in &set.items {
        match &s.node {
            Selection::Field(f) => {
                let f = &f.node;
                let mut args = serde_json::Map::new();
                for (name, value) in &f.arguments {
                    let v = value
                        .node
                        .clone()
                        .into_const_with(|n: Name| vars.get(&n).cloned().ok_or(()))
                        .ok()
                        .and_then(|v| v.into_json().ok())
                        .unwrap_or(Value::Null);
                    args.insert(name.node.to_string(), v);
                }
                out.push(RootField {
                    key: f.response_key().node.to_string(),
                    name: f.name.node.to_string(),
                    args: Value::Object(args),
                });
            }
            Selection::InlineFragment(i) => {
                root_fields(doc, &i.node.selection_set.node, vars, seen, out)
            }
            Selection::FragmentSpread(fs) => {
                if seen.insert(fs.node.fragment_name.node.to_string())
                    && let Some(frag) = doc.fragments.get(&fs.node.fragment_name.node)
                {
                    root_fields(doc, &frag.node.selection_set.node, vars, seen, out);
                }
            }
        }
    }
}

fn pick_operation<'a>(
    doc: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a Positioned<async_graphql::parser::types::OperationDefinition>> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(map), Some(n)) => map.get(&Name::new(n)),
        (DocumentOperations::Multiple(map), None) if map.len() == 1 => map.values().next(),
        _ => None,
    }
}

fn request_id(ctx: &ExtensionContext<'_>) -> String {
    ctx.data_opt::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_else(|| "-".into())
}

async fn audit_one(
    ctx: &ExtensionContext<'_>,
    actor: Option<&Principal>,
    f: &RootField,
    e: AuditOutcome,
) {
    let Some(db) = ctx.data_opt::<DatabaseConnection>() else {
        tracing::error!("audit: no database in schema data");
        return;
    };
    let rid = request_id(ctx);
    let entry = audit::Entry {
        request_id: &rid,
        actor,
        operation: &f.name,
        input: &f.args,
        affected_ids: e.ids,
        outcome: e.outcome,
        error_code: e.code,
        message: e.message,
    };
    if let Err(err) = audit::record(db, entry).await {
        tracing::error!(request_id = %rid, error = %err, operation = %f.name, "could not write the audit row");
    }
}

struct AuditOutcome {
    outcome: audit::Outcome,
    code: Option<String>,
    message: Option<String>,
    ids: Vec<String>,
}

fn code_of(e: &ServerError) -> Option<String> {
    e.extensions
        .as_ref()
        .and_then(|x| x.get("code"))
        .and_then(|v| match v {
            GqlValue::String(s) => Some(s.clone()),
            _ => None,
        })
}

/// How one root field of a mutation response ended.
fn outcome_of(resp: &Response, data: &Value, key: &str) -> AuditOutcome {
    let err = resp.errors.iter().find(|e| {
        e.path
            .first()
            .is_none_or(|p| matches!(p, async_graphql::PathSegment::Field(n) if n == key))
    });
    if let Some(e) = err {
        return AuditOutcome {
            outcome: audit::Outcome::Error,
            code: code_of(e).or_else(|| Some("INTERNAL".into())),
            message: Some(e.message.clone()),
            ids: vec![],
        };
    }
    let field = &data[key];
    let mut ids = Vec::new();
    audit::collect_ids(field, &mut ids);
    match field.get("userErrors").and_then(Value::as_array) {
        Some(errs) if !errs.is_empty() => AuditOutcome {
            outcome: audit::Outcome::UserError,
            code: errs[0]
                .get("code")
                .and_then(Value::as_str)
                .map(str::to_owned),
            message: Some(
                errs.iter()
                    .filter_map(|e| e.get("message").and_then(Value::as_str))
                    .take(20)
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            ids,
        },
        _ => AuditOutcome {
            outcome: audit::Outcome::Ok,
            code: None,
            message: None,
            ids,
        },
    }
}

#[async_trait::async_trait]
impl Extension for GuardExt {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if request.query.len() > self.max_query_bytes {
            return Err(error(
                "GRAPHQL_VALIDATION_FAILED",
                format!(
                    "the query document has {} bytes; at most {} are allowed",
                    request.query.len(),
                    self.max_query_bytes
                ),
            ));
        }
        if let Err(msg) =
            crate::graphql::nesting::check(&request.query, crate::graphql::nesting::MAX_NESTING)
        {
            return Err(error("GRAPHQL_VALIDATION_FAILED", msg));
        }
        self.state.lock().await.operation_name = request.operation_name.clone();
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let aliases = count_aliases(&doc);
        if aliases > self.max_aliases {
            return Err(error(
                "GRAPHQL_VALIDATION_FAILED",
                format!(
                    "the query uses {aliases} aliases; at most {} are allowed",
                    self.max_aliases
                ),
            ));
        }
        let op_name = self.state.lock().await.operation_name.clone();
        let caller = ctx
            .data_opt::<Caller>()
            .cloned()
            .unwrap_or(Caller::Anonymous);
        let Some(op) = pick_operation(&doc, op_name.as_deref()) else {
            // Validation reports the missing or ambiguous operation — to a
            // signed-in caller only: its messages may suggest field names.
            return match &caller {
                Caller::User(_) => Ok(doc),
                other => Err(unauthenticated(other)),
            };
        };
        let kind = match op.node.ty {
            OperationType::Query => OpKind::Query,
            OperationType::Mutation => OpKind::Mutation,
            OperationType::Subscription => {
                return Err(error("FORBIDDEN", "subscriptions are not offered"));
            }
        };
        let mut fields = Vec::new();
        root_fields(
            &doc,
            &op.node.selection_set.node,
            variables,
            &mut HashSet::new(),
            &mut fields,
        );
        {
            let mut st = self.state.lock().await;
            st.kind = Some(kind);
            st.fields = fields.clone();
        }
        let denial = match &caller {
            Caller::Anonymous | Caller::Invalid(_) => Some(unauthenticated(&caller)),
            Caller::User(p) => fields
                .iter()
                .filter(|f| f.name != "__typename")
                // A name the matrix does not know is no field of the schema
                // (a test holds every root field to an entry): validation
                // refuses it, as the specification says.
                .filter(|f| crate::access::permissions::allowed_roles(kind, &f.name).is_some())
                .find(|f| !is_allowed(kind, &f.name, &p.roles))
                .map(|f| {
                    let roles: Vec<&str> = p.roles.iter().map(|r| r.as_str()).collect();
                    error(
                        "FORBIDDEN",
                        format!(
                            "`{}` is not allowed for role(s) {}",
                            f.name,
                            roles.join(", ")
                        ),
                    )
                }),
        };
        if let Some(err) = denial {
            if kind == OpKind::Mutation {
                for f in &fields {
                    audit_one(
                        ctx,
                        caller.principal(),
                        f,
                        AuditOutcome {
                            outcome: audit::Outcome::Denied,
                            code: code_of(&err),
                            message: Some(err.message.clone()),
                            ids: vec![],
                        },
                    )
                    .await;
                }
            }
            return Err(err);
        }
        Ok(doc)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let (kind, fields) = {
            let st = self.state.lock().await;
            (st.kind, st.fields.clone())
        };
        if kind != Some(OpKind::Mutation) {
            return next.run(ctx, operation_name).await;
        }
        let principal = ctx
            .data_opt::<Caller>()
            .and_then(|c| c.principal().cloned());
        let keyed: Vec<&RootField> = fields
            .iter()
            .filter(|f| {
                f.args
                    .get(idempotency::ARGUMENT)
                    .is_some_and(|k| !k.is_null())
            })
            .collect();
        let mut claimed = None;
        if let (Some(f), Some(p), Some(db)) = (
            keyed.first(),
            &principal,
            ctx.data_opt::<DatabaseConnection>(),
        ) {
            let refuse = |code: &str, msg: String| {
                let e = error(code, msg);
                (e.clone(), Response::from_errors(vec![e]))
            };
            let failure = if fields.len() != 1 {
                Some(refuse(
                    "BAD_USER_INPUT",
                    "a mutation with an idempotencyKey must be the only one in its request".into(),
                ))
            } else {
                let key = f.args[idempotency::ARGUMENT]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                if key.is_empty() || key.len() > 200 {
                    Some(refuse(
                        "BAD_USER_INPUT",
                        "idempotencyKey must be 1–200 characters".into(),
                    ))
                } else {
                    let hash = idempotency::request_hash(&f.name, &f.args);
                    match idempotency::claim(db, p.user_id, &key, &f.name, &hash).await {
                        Ok(Claim::Fresh(row)) => {
                            claimed = Some(row);
                            None
                        }
                        Ok(Claim::Replay(v)) => {
                            let value = GqlValue::from_json(v).unwrap_or(GqlValue::Null);
                            let mut map = async_graphql::indexmap::IndexMap::new();
                            map.insert(Name::new(&f.key), value);
                            let resp = Response::new(GqlValue::Object(map));
                            let data = resp.data.clone().into_json().unwrap_or(Value::Null);
                            let mut o = outcome_of(&resp, &data, &f.key);
                            o.message =
                                Some("replayed the first result of this idempotency key".into());
                            audit_one(ctx, Some(p), f, o).await;
                            return resp;
                        }
                        Ok(Claim::Conflict(msg)) => Some(refuse("CONFLICT", msg)),
                        Err(e) => {
                            tracing::error!(request_id = %request_id(ctx), error = %e, "idempotency claim failed");
                            Some(refuse("INTERNAL", "internal error".into()))
                        }
                    }
                }
            };
            if let Some((err, resp)) = failure {
                for f in &fields {
                    audit_one(
                        ctx,
                        Some(p),
                        f,
                        AuditOutcome {
                            outcome: audit::Outcome::Error,
                            code: code_of(&err),
                            message: Some(err.message.clone()),
                            ids: vec![],
                        },
                    )
                    .await;
                }
                return resp;
            }
        }
        let resp = next.run(ctx, operation_name).await;
        let data = resp.data.clone().into_json().unwrap_or(Value::Null);
        if let (Some(row), Some(db), Some(f)) =
            (claimed, ctx.data_opt::<DatabaseConnection>(), keyed.first())
        {
            let stored = if resp.errors.is_empty() {
                idempotency::complete(db, row, &data[f.key.as_str()]).await
            } else {
                idempotency::abandon(db, row).await
            };
            if let Err(e) = stored {
                tracing::error!(request_id = %request_id(ctx), error = %e, "idempotency: could not store the result");
            }
        }
        for f in &fields {
            audit_one(ctx, principal.as_ref(), f, outcome_of(&resp, &data, &f.key)).await;
        }
        resp
    }
}
