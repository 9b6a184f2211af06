//! The `Node` interface, `node(id:)` and `nodes(ids:)`: every object with a
//! global id can be fetched again by that id (Relay Global Object
//! Identification).
//!
//! Reading an object by id is allowed exactly when reading it through its own
//! root query is ([`KINDS`] names that query; the permission matrix decides):
//! an id of a type the caller may not read is `FORBIDDEN`, naming the type
//! and the query, whether or not the row exists, so a refusal tells nothing
//! about the row. A user may always read their own `User` and `ApiToken`s
//! (as `me` does). An id that names no row is `null`.
//!
//! `nodes(ids:)` takes at most [`MAX_NODES`] ids and reads each type's rows in
//! one statement (a `RecallConsignee` is computed per recall it belongs to).

use std::collections::{BTreeMap, HashMap};

use async_graphql::{Context, ID, Interface, Object};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter};

use crate::access::graphql::{ApiToken, AuditEntry, User};
use crate::access::{
    Caller,
    permissions::{OpKind, is_allowed},
};
use crate::cases::graphql::{Clinic, ClinicalCase};
use crate::catalog::graphql::{AbutmentSku, ImplantSystem, Manufacturer, Platform};
use crate::error::{AppError, AppResult};
use crate::graphql::loaders::ById;
use crate::graphql::{db, ids};
use crate::impl_by_id;
use crate::inventory::graphql::{Location, Lot, Reservation, StockMovement};
use crate::manufacturing::graphql::{Downtime, Machine, ProductionJob, Tool};
use crate::quality::graphql::{Recall, RecallConsignee};

impl_by_id!(
    app_user,
    api_token,
    audit_log,
    clinical_case,
    machine_downtime,
    recall,
    recall_consignee,
    stock_movement
);

/// An object with a global id.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "Opaque global id; pass it to `node(id:)`."
))]
pub enum Node {
    /// An implant maker.
    Manufacturer(Manufacturer),
    /// An implant system.
    ImplantSystem(ImplantSystem),
    /// A platform of an implant system.
    Platform(Platform),
    /// One of our abutment SKUs.
    AbutmentSku(AbutmentSku),
    /// A storage location.
    Location(Location),
    /// A lot of an item.
    Lot(Lot),
    /// A ledger row.
    StockMovement(StockMovement),
    /// A reservation of stock.
    Reservation(Reservation),
    /// A machine.
    Machine(Machine),
    /// A machine's downtime.
    Downtime(Downtime),
    /// A tool.
    Tool(Tool),
    /// A production job.
    ProductionJob(ProductionJob),
    /// A clinic.
    Clinic(Clinic),
    /// A clinical case.
    ClinicalCase(ClinicalCase),
    /// A recall.
    Recall(Recall),
    /// A consignee of a recall.
    RecallConsignee(RecallConsignee),
    /// A user.
    User(User),
    /// An API token.
    ApiToken(ApiToken),
    /// An audit trail entry.
    AuditEntry(AuditEntry),
}

/// Every type with a global id, and the root query whose permission governs
/// reading it by id.
pub const KINDS: &[(&str, &str)] = &[
    ("Manufacturer", "manufacturers"),
    ("ImplantSystem", "implantSystem"),
    ("Platform", "platform"),
    ("AbutmentSku", "abutmentSku"),
    ("Location", "locations"),
    ("Lot", "lot"),
    ("StockMovement", "lot"),
    ("Reservation", "reservations"),
    ("Machine", "machine"),
    ("Downtime", "machine"),
    ("Tool", "tools"),
    ("ProductionJob", "productionJob"),
    ("Clinic", "clinics"),
    ("ClinicalCase", "clinicalCase"),
    ("Recall", "recall"),
    ("RecallConsignee", "recall"),
    ("User", "users"),
    ("ApiToken", "users"),
    ("AuditEntry", "auditLog"),
];

/// Most ids one `nodes(ids:)` takes.
pub const MAX_NODES: usize = 100;

/// Root queries for global ids.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any object by its global id; null when no such object exists.
    /// `FORBIDDEN` when the caller may not read objects of that type (the
    /// same rule as the type's own query, e.g. `recall` for a `Recall`).
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id from any object's `id` field.")] id: ID,
    ) -> async_graphql::Result<Option<Node>> {
        Ok(fetch(ctx, &[id], "id").await?.pop().flatten())
    }

    /// Fetches objects by their global ids, in the order given (at most
    /// 100): null where no such object exists. `FORBIDDEN` as a whole when
    /// any id is of a type the caller may not read. Each type's rows are
    /// read in one statement.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids from objects' `id` fields; at most 100.")] ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(AppError::bad_input(
                "ids",
                format!("{} ids asked for; at most {MAX_NODES} at a time", ids.len()),
            )
            .into());
        }
        Ok(fetch(ctx, &ids, "ids").await?)
    }
}

/// Decodes, checks access and loads; one result per id, in order.
async fn fetch(ctx: &Context<'_>, given: &[ID], field: &str) -> AppResult<Vec<Option<Node>>> {
    let conn = db(ctx).map_err(|e| AppError::Internal(e.message))?;
    let caller = ctx.data::<Caller>().ok().and_then(Caller::principal);
    let Some(caller) = caller else {
        return Err(AppError::Unauthenticated);
    };
    let mut decoded = Vec::with_capacity(given.len());
    for (i, id) in given.iter().enumerate() {
        let f = if given.len() == 1 && field == "id" {
            field.to_owned()
        } else {
            format!("{field}[{i}]")
        };
        let (kind, n) = ids::decode_any(id, &f)?;
        let Some((kind, query)) = KINDS.iter().find(|(k, _)| *k == kind) else {
            return Err(AppError::bad_input(
                f,
                format!("`{kind}` is not a type with a global id"),
            ));
        };
        decoded.push((*kind, *query, n));
    }
    let mut by_kind: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for (kind, _, n) in &decoded {
        by_kind.entry(kind).or_default().push(*n);
    }
    // Access first: a refusal must not depend on whether the rows exist.
    for (kind, query, _) in &decoded {
        let own = matches!(*kind, "User" | "ApiToken");
        if !own && !is_allowed(OpKind::Query, query, &caller.roles) {
            return Err(forbidden(kind, query, &caller.roles));
        }
    }
    let mut found: HashMap<(&str, i64), Node> = HashMap::new();
    for (kind, wanted) in by_kind {
        for (n, node) in load_kind(conn, kind, &wanted).await? {
            found.insert((kind, n), node);
        }
    }
    // Users and tokens: admins read any, everyone their own.
    if !is_allowed(OpKind::Query, "users", &caller.roles) {
        for ((kind, _), node) in &found {
            let owner = match node {
                Node::User(u) => u.0.id,
                Node::ApiToken(t) => t.0.user_id,
                _ => continue,
            };
            if owner != caller.user_id {
                return Err(forbidden(kind, "users", &caller.roles));
            }
        }
    }
    Ok(decoded
        .iter()
        .map(|(kind, _, n)| found.remove(&(*kind, *n)))
        .collect())
}

fn forbidden(kind: &str, query: &str, roles: &[crate::access::Role]) -> AppError {
    let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    AppError::Forbidden(format!(
        "a `{kind}` is read through `{query}`, which is not allowed for role(s) {}",
        roles.join(", ")
    ))
}

/// Rows of `E` with the given ids, in one statement.
async fn rows<E: ById>(db: &impl ConnectionTrait, wanted: &[i64]) -> AppResult<Vec<E::Model>> {
    Ok(E::find()
        .filter(E::id_column().is_in(wanted.iter().copied()))
        .all(db)
        .await?)
}

/// The objects of one type with the given row ids (those that exist).
async fn load_kind(
    db: &impl ConnectionTrait,
    kind: &str,
    wanted: &[i64],
) -> AppResult<Vec<(i64, Node)>> {
    macro_rules! plain {
        ($m:ident, $variant:ident, $ty:ident) => {
            rows::<entity::$m::Entity>(db, wanted)
                .await?
                .into_iter()
                .map(|m| (m.id, Node::$variant($ty(m))))
                .collect()
        };
    }
    Ok(match kind {
        "Manufacturer" => plain!(manufacturer, Manufacturer, Manufacturer),
        "ImplantSystem" => plain!(implant_system, ImplantSystem, ImplantSystem),
        "Platform" => plain!(platform, Platform, Platform),
        "AbutmentSku" => plain!(abutment_sku, AbutmentSku, AbutmentSku),
        "Location" => plain!(location, Location, Location),
        "Lot" => plain!(lot, Lot, Lot),
        "StockMovement" => plain!(stock_movement, StockMovement, StockMovement),
        "Reservation" => plain!(reservation, Reservation, Reservation),
        "Machine" => plain!(machine, Machine, Machine),
        "Downtime" => plain!(machine_downtime, Downtime, Downtime),
        "Tool" => plain!(tool, Tool, Tool),
        "ProductionJob" => plain!(production_job, ProductionJob, ProductionJob),
        "Clinic" => plain!(clinic, Clinic, Clinic),
        "ClinicalCase" => plain!(clinical_case, ClinicalCase, ClinicalCase),
        "Recall" => plain!(recall, Recall, Recall),
        "User" => plain!(app_user, User, User),
        "ApiToken" => plain!(api_token, ApiToken, ApiToken),
        "AuditEntry" => plain!(audit_log, AuditEntry, AuditEntry),
        "RecallConsignee" => {
            let consignees = rows::<entity::recall_consignee::Entity>(db, wanted).await?;
            let mut recall_ids: Vec<i64> = consignees.iter().map(|c| c.recall_id).collect();
            recall_ids.sort_unstable();
            recall_ids.dedup();
            let mut out = Vec::new();
            for rc in rows::<entity::recall::Entity>(db, &recall_ids).await? {
                for line in crate::quality::recall::reconciliation(db, &rc).await? {
                    if wanted.contains(&line.consignee.id) {
                        out.push((
                            line.consignee.id,
                            Node::RecallConsignee(RecallConsignee(line)),
                        ));
                    }
                }
            }
            out
        }
        other => {
            return Err(AppError::Internal(format!(
                "no loader for global id type {other}"
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::permissions::allowed_roles;

    #[test]
    fn every_kind_is_governed_by_a_query_of_the_matrix() {
        for (kind, query) in KINDS {
            assert!(
                allowed_roles(OpKind::Query, query).is_some(),
                "{kind}: {query} is not in the matrix"
            );
        }
    }
}
