//! Null propagation after a field error, as the GraphQL specification says
//! (§6.4.4 "Handling Execution Errors"): the failed field's response key is
//! `null`, and a `null` in a non-null position makes its parent `null`, up
//! to `data` itself.
//!
//! async-graphql leaves a failed field's key out of its object and a failed
//! list item as `null` whatever the item type. [`propagate`] repairs a
//! response from each error's path, the document and the field types read
//! once from the schema's SDL.
//!
//! What async-graphql has already nulled stays null: a nullable field that
//! fails inside an inline fragment nulls the fragment's object there (one
//! level too high), and that cannot be undone afterwards.

use std::{
    collections::HashMap,
    sync::{Arc, OnceLock},
};

use async_graphql::{
    Name, PathSegment, Response, Value,
    parser::types::{
        BaseType, DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
        ServiceDocument, Type, TypeKind, TypeSystemDefinition,
    },
};

/// Field types of every object and interface type, and the root types.
#[derive(Debug, Default)]
pub struct FieldTypes {
    fields: HashMap<String, HashMap<String, Type>>,
    query: String,
    mutation: String,
}

impl FieldTypes {
    /// Reads the types from a schema's SDL.
    pub fn from_sdl(sdl: &str) -> Self {
        let mut out = FieldTypes {
            query: "Query".into(),
            mutation: "Mutation".into(),
            ..Default::default()
        };
        let Ok(doc): Result<ServiceDocument, _> = async_graphql::parser::parse_schema(sdl) else {
            return out;
        };
        for d in doc.definitions {
            match d {
                TypeSystemDefinition::Schema(s) => {
                    if let Some(q) = &s.node.query {
                        out.query = q.node.to_string();
                    }
                    if let Some(m) = &s.node.mutation {
                        out.mutation = m.node.to_string();
                    }
                }
                TypeSystemDefinition::Type(t) => {
                    let fields = match &t.node.kind {
                        TypeKind::Object(o) => &o.fields,
                        TypeKind::Interface(i) => &i.fields,
                        _ => continue,
                    };
                    out.fields.insert(
                        t.node.name.node.to_string(),
                        fields
                            .iter()
                            .map(|f| (f.node.name.node.to_string(), f.node.ty.node.clone()))
                            .collect(),
                    );
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        out
    }

    fn field(&self, parent: &str, name: &str) -> Option<&Type> {
        self.fields.get(parent)?.get(name)
    }
}

/// The field types of the application schema, read once.
pub fn app_types(schema: &crate::AppSchema) -> Arc<FieldTypes> {
    static TYPES: OnceLock<Arc<FieldTypes>> = OnceLock::new();
    TYPES
        .get_or_init(|| Arc::new(FieldTypes::from_sdl(&schema.sdl())))
        .clone()
}

/// Applies null propagation to `resp` for every field error it carries.
pub fn propagate(types: &FieldTypes, query: &str, operation: Option<&str>, resp: &mut Response) {
    if resp.errors.iter().all(|e| e.path.is_empty()) || matches!(resp.data, Value::Null) {
        return;
    }
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return;
    };
    let Some((kind, root)) = operation_of(&doc, operation) else {
        return;
    };
    let root_type = match kind {
        OperationType::Mutation => types.mutation.as_str(),
        _ => types.query.as_str(),
    };
    let paths: Vec<Vec<PathSegment>> = resp
        .errors
        .iter()
        .filter(|e| !e.path.is_empty())
        .map(|e| e.path.clone())
        .collect();
    for path in paths {
        let Some(non_null) = positions(types, &doc, root, root_type, &path) else {
            continue;
        };
        null_out(&mut resp.data, &path, &non_null);
    }
}

fn operation_of<'a>(
    doc: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<(OperationType, &'a SelectionSet)> {
    let op = match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(n)) => ops.get(n)?,
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next()?,
        _ => return None,
    };
    Some((op.node.ty, &op.node.selection_set.node))
}

/// Every selection of response key `key` reachable from `sets` (through
/// fragments), with the type it is a field of.
fn collect<'a>(
    doc: &'a ExecutableDocument,
    sets: &[(&'a SelectionSet, String)],
    key: &str,
    out: &mut Vec<(&'a async_graphql::parser::types::Field, String)>,
    depth: usize,
) {
    if depth > 32 {
        return;
    }
    for (set, parent) in sets {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    let k = f.node.alias.as_ref().map_or(&f.node.name.node, |a| &a.node);
                    if k.as_str() == key {
                        out.push((&f.node, parent.clone()));
                    }
                }
                Selection::FragmentSpread(s) => {
                    if let Some(frag) = doc.fragments.get(&s.node.fragment_name.node) {
                        let on = frag.node.type_condition.node.on.node.to_string();
                        collect(
                            doc,
                            &[(&frag.node.selection_set.node, on)],
                            key,
                            out,
                            depth + 1,
                        );
                    }
                }
                Selection::InlineFragment(i) => {
                    let on = i
                        .node
                        .type_condition
                        .as_ref()
                        .map_or_else(|| parent.clone(), |c| c.node.on.node.to_string());
                    collect(
                        doc,
                        &[(&i.node.selection_set.node, on)],
                        key,
                        out,
                        depth + 1,
                    );
                }
            }
        }
    }
}

fn named(t: &Type) -> &str {
    match &t.base {
        BaseType::Named(n) => n.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

/// For each segment of `path`, whether the value there must not be null;
/// `None` when the path cannot be typed (introspection, say).
fn positions(
    types: &FieldTypes,
    doc: &ExecutableDocument,
    root: &SelectionSet,
    root_type: &str,
    path: &[PathSegment],
) -> Option<Vec<bool>> {
    let mut out = Vec::with_capacity(path.len());
    let mut sets: Vec<(&SelectionSet, String)> = vec![(root, root_type.to_owned())];
    let mut current: Option<Type> = None;
    for seg in path {
        match seg {
            PathSegment::Field(key) => {
                let mut found = Vec::new();
                collect(doc, &sets, key, &mut found, 0);
                let (first, parent) = found.first()?;
                let ty = types.field(parent, first.name.node.as_str())?.clone();
                out.push(!ty.nullable);
                let child = named(&ty).to_owned();
                sets = found
                    .iter()
                    .map(|(f, _)| (&f.selection_set.node, child.clone()))
                    .collect();
                current = Some(ty);
            }
            PathSegment::Index(_) => {
                let item = match current.as_ref().map(|t| &t.base) {
                    Some(BaseType::List(item)) => (**item).clone(),
                    _ => return None,
                };
                out.push(!item.nullable);
                current = Some(item);
            }
        }
    }
    Some(out)
}

/// Sets the value at `path` to null and nulls each parent of a non-null
/// position that became null; nothing happens below a parent already null.
fn null_out(data: &mut Value, path: &[PathSegment], non_null: &[bool]) {
    // The deepest position that stays (or becomes) null: walk up from the
    // error while the position may not be null.
    let mut level = path.len();
    while level > 0 && non_null[level - 1] {
        level -= 1;
    }
    if level == 0 {
        *data = Value::Null;
        return;
    }
    let (last, parents) = path[..level].split_last().expect("level > 0");
    let mut v = data;
    for seg in parents {
        v = match (seg, v) {
            (PathSegment::Field(k), Value::Object(m)) => match m.get_mut(k.as_str()) {
                Some(next) => next,
                None => return,
            },
            (PathSegment::Index(i), Value::List(l)) => match l.get_mut(*i) {
                Some(next) => next,
                None => return,
            },
            _ => return,
        };
    }
    match (last, v) {
        (PathSegment::Field(k), Value::Object(m)) => {
            m.insert(Name::new(k), Value::Null);
        }
        (PathSegment::Index(i), Value::List(l)) => {
            if let Some(item) = l.get_mut(*i) {
                *item = Value::Null;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Result, Schema};

    struct Q;
    struct Mid;

    #[Object]
    impl Mid {
        async fn bad(&self) -> Result<i32> {
            Err("boom".into())
        }
        async fn good(&self) -> i32 {
            1
        }
        async fn opt_bad(&self) -> Result<Option<i32>> {
            Err("boom".into())
        }
    }

    #[Object]
    impl Q {
        async fn mid(&self) -> Mid {
            Mid
        }
        async fn mid_opt(&self) -> Option<Mid> {
            Some(Mid)
        }
        async fn list(&self) -> Vec<Mid> {
            vec![Mid, Mid]
        }
        async fn list_opt(&self) -> Vec<Option<Mid>> {
            vec![Some(Mid)]
        }
        async fn fail(&self) -> Result<i32> {
            Err("root".into())
        }
        async fn fail_opt(&self) -> Result<Option<i32>> {
            Err("root".into())
        }
        async fn ok(&self) -> i32 {
            7
        }
    }

    async fn run(query: &str) -> serde_json::Value {
        let schema = Schema::new(Q, EmptyMutation, EmptySubscription);
        let types = FieldTypes::from_sdl(&schema.sdl());
        let mut resp = schema.execute(query).await;
        propagate(&types, query, None, &mut resp);
        serde_json::to_value(&resp.data).unwrap()
    }

    #[tokio::test]
    async fn a_failed_non_null_root_field_nulls_data() {
        assert_eq!(run("{ a: fail b: ok }").await, serde_json::Value::Null);
        assert_eq!(
            run("{ mid { bad good } ok }").await,
            serde_json::Value::Null
        );
        assert_eq!(run("{ list { bad } ok }").await, serde_json::Value::Null);
    }

    #[tokio::test]
    async fn a_failed_nullable_field_is_null_and_keeps_its_key() {
        assert_eq!(
            run("{ a: failOpt b: ok }").await,
            serde_json::json!({"b": 7, "a": null})
        );
        assert_eq!(
            run("{ midOpt { optBad good } }").await,
            serde_json::json!({"midOpt": {"good": 1, "optBad": null}})
        );
    }

    #[tokio::test]
    async fn null_stops_at_the_nearest_nullable_parent() {
        assert_eq!(
            run("{ midOpt { bad good } ok }").await,
            serde_json::json!({"midOpt": null, "ok": 7})
        );
        assert_eq!(
            run("{ listOpt { bad } ok }").await,
            serde_json::json!({"listOpt": [null], "ok": 7})
        );
        assert_eq!(
            run("{ midOpt { ...F } ok } fragment F on Mid { x: bad }").await,
            serde_json::json!({"midOpt": null, "ok": 7})
        );
    }
}
