//! The permission matrix: which roles may run which root query or mutation.
//! This table is the only place permissions are decided; the guard checks it
//! before any work is done, an operation missing from it is refused (fail
//! closed), and a test runs every root field of the schema as every role
//! against it. The README's table is generated from it.

use super::Role::{self, *};

/// Every role.
const ALL: &[Role] = &[Admin, Warehouse, Sales, Quality, Planner];
const ADMIN: &[Role] = &[Admin];
const ADMIN_QUALITY: &[Role] = &[Admin, Quality];
const ADMIN_WAREHOUSE: &[Role] = &[Admin, Warehouse];
const ADMIN_WAREHOUSE_SALES: &[Role] = &[Admin, Warehouse, Sales];
const ADMIN_WAREHOUSE_SALES_PLANNER: &[Role] = &[Admin, Warehouse, Sales, Planner];
const ADMIN_WAREHOUSE_QUALITY: &[Role] = &[Admin, Warehouse, Quality];
const ADMIN_PLANNER: &[Role] = &[Admin, Planner];
const ADMIN_QUALITY_PLANNER: &[Role] = &[Admin, Quality, Planner];
const ADMIN_SALES: &[Role] = &[Admin, Sales];
const ADMIN_SALES_PLANNER: &[Role] = &[Admin, Sales, Planner];
const ADMIN_QUALITY_SALES: &[Role] = &[Admin, Quality, Sales];
const ADMIN_QUALITY_WAREHOUSE: &[Role] = &[Admin, Quality, Warehouse];
const ADMIN_QUALITY_WAREHOUSE_SALES: &[Role] = &[Admin, Quality, Warehouse, Sales];

/// Kind of root operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// A read.
    Query,
    /// A write.
    Mutation,
    /// A plain HTTP endpoint (CSV exports).
    Http,
}

/// (kind, root field, roles allowed). ADMIN is listed explicitly where it
/// is allowed.
pub const MATRIX: &[(OpKind, &str, &[Role])] = &[
    // Any signed-in user
    (OpKind::Query, "__schema", ALL),
    (OpKind::Query, "__type", ALL),
    (OpKind::Query, "me", ALL),
    (OpKind::Query, "node", ALL),
    (OpKind::Query, "nodes", ALL),
    // Catalogue: everyone reads, admins maintain
    (OpKind::Query, "compatibleAbutments", ALL),
    (OpKind::Query, "abutmentSkus", ALL),
    (OpKind::Query, "abutmentSku", ALL),
    (OpKind::Query, "implantSystems", ALL),
    (OpKind::Query, "implantSystem", ALL),
    (OpKind::Query, "platform", ALL),
    (OpKind::Query, "manufacturers", ALL),
    (OpKind::Mutation, "importCatalogCsv", ADMIN),
    (OpKind::Mutation, "upsertAbutmentSku", ADMIN),
    // Inventory: everyone reads stock; the warehouse moves it; quality
    // decides lot states; sales and the warehouse reserve.
    (OpKind::Query, "locations", ALL),
    (OpKind::Query, "stock", ALL),
    (OpKind::Query, "skuStock", ALL),
    (OpKind::Query, "lot", ALL),
    (OpKind::Query, "lotsExpiring", ALL),
    (OpKind::Query, "reservations", ALL),
    (OpKind::Query, "scan", ALL),
    (OpKind::Query, "belowReorderPoint", ALL),
    (OpKind::Query, "stockTotals", ALL),
    (OpKind::Mutation, "setReorderPoint", ADMIN_WAREHOUSE),
    (OpKind::Mutation, "importStockCsv", ADMIN_WAREHOUSE),
    (OpKind::Http, "GET /export/stock.csv", ALL),
    (
        OpKind::Http,
        "GET /export/ledger.csv",
        ADMIN_WAREHOUSE_QUALITY,
    ),
    (OpKind::Mutation, "createLocation", ADMIN_WAREHOUSE),
    (OpKind::Mutation, "receiveFinishedLot", ADMIN_WAREHOUSE),
    (OpKind::Mutation, "receiveBarLot", ADMIN_WAREHOUSE),
    (OpKind::Mutation, "receiveBlankLot", ADMIN_WAREHOUSE),
    (OpKind::Mutation, "transferStock", ADMIN_WAREHOUSE),
    (OpKind::Mutation, "countStock", ADMIN_WAREHOUSE),
    (OpKind::Mutation, "scrapStock", ADMIN_WAREHOUSE),
    (OpKind::Mutation, "changeLotState", ADMIN_QUALITY),
    (OpKind::Mutation, "reserveStock", ADMIN_WAREHOUSE_SALES),
    (
        OpKind::Mutation,
        "releaseReservation",
        ADMIN_WAREHOUSE_SALES,
    ),
    (OpKind::Mutation, "shipReservation", ADMIN_WAREHOUSE),
    (OpKind::Mutation, "pickReservation", ADMIN_WAREHOUSE),
    // Manufacturing: everyone reads the shop and the plan; planners run it;
    // quality records inspections and reads device history records.
    (OpKind::Query, "machines", ALL),
    (OpKind::Query, "machine", ALL),
    (OpKind::Query, "tools", ALL),
    (OpKind::Query, "productionJobs", ALL),
    (OpKind::Query, "productionJob", ALL),
    (OpKind::Query, "productionSchedule", ALL),
    (OpKind::Query, "customJobEta", ALL),
    (OpKind::Query, "deviceHistoryRecord", ADMIN_QUALITY_PLANNER),
    (OpKind::Mutation, "createMachine", ADMIN_PLANNER),
    (OpKind::Mutation, "updateMachine", ADMIN_PLANNER),
    (OpKind::Mutation, "setMachineCalendar", ADMIN_PLANNER),
    (OpKind::Mutation, "addMachineDowntime", ADMIN_PLANNER),
    (OpKind::Mutation, "removeMachineDowntime", ADMIN_PLANNER),
    (OpKind::Mutation, "createTool", ADMIN_PLANNER),
    (OpKind::Mutation, "replaceTool", ADMIN_PLANNER),
    (OpKind::Mutation, "createProductionJob", ADMIN_PLANNER),
    (OpKind::Mutation, "cancelProductionJob", ADMIN_PLANNER),
    (OpKind::Mutation, "startProductionJob", ADMIN_PLANNER),
    (OpKind::Mutation, "completeProductionJob", ADMIN_PLANNER),
    (OpKind::Mutation, "scrapProductionJob", ADMIN_PLANNER),
    (OpKind::Mutation, "recordJobInspection", ADMIN_QUALITY),
    (OpKind::Mutation, "rescheduleProduction", ADMIN_PLANNER),
    // Clinical cases
    (OpKind::Query, "clinics", ALL),
    (OpKind::Query, "clinicalCases", ALL),
    (OpKind::Query, "clinicalCase", ALL),
    (OpKind::Query, "casesAtRisk", ALL),
    (OpKind::Query, "matchingPolicy", ALL),
    (OpKind::Mutation, "createClinic", ADMIN_SALES),
    (OpKind::Mutation, "createCase", ADMIN_SALES),
    (OpKind::Mutation, "confirmCaseMatch", ADMIN_SALES),
    (OpKind::Mutation, "matchOpenCases", ADMIN_SALES_PLANNER),
    (OpKind::Mutation, "shipCase", ADMIN_WAREHOUSE),
    (OpKind::Mutation, "cancelCase", ADMIN_SALES),
    (OpKind::Mutation, "returnCase", ADMIN_WAREHOUSE),
    (OpKind::Mutation, "closeCase", ADMIN_SALES),
    (OpKind::Mutation, "setMatchingPolicy", ADMIN),
    // Quality: traces and recalls are quality's; sales reps read recalls and
    // record notifications, the warehouse reads them and takes returns in.
    (OpKind::Query, "traceForward", ADMIN_QUALITY),
    (OpKind::Query, "traceBackward", ADMIN_QUALITY),
    (OpKind::Query, "mockRecall", ADMIN_QUALITY),
    (OpKind::Query, "recalls", ADMIN_QUALITY_WAREHOUSE_SALES),
    (OpKind::Query, "recall", ADMIN_QUALITY_WAREHOUSE_SALES),
    (OpKind::Mutation, "createRecall", ADMIN_QUALITY),
    (OpKind::Mutation, "activateRecall", ADMIN_QUALITY),
    (OpKind::Mutation, "cancelRecall", ADMIN_QUALITY),
    (
        OpKind::Mutation,
        "recordRecallNotification",
        ADMIN_QUALITY_SALES,
    ),
    (
        OpKind::Mutation,
        "recordRecallReturn",
        ADMIN_QUALITY_WAREHOUSE,
    ),
    (OpKind::Mutation, "recordRecallUsage", ADMIN_QUALITY),
    (OpKind::Mutation, "closeRecall", ADMIN_QUALITY),
    // Users, tokens, audit
    (OpKind::Query, "users", ADMIN),
    (OpKind::Query, "auditLog", ADMIN_QUALITY),
    (OpKind::Query, "auditLogCsv", ADMIN_QUALITY),
    (OpKind::Mutation, "createUser", ADMIN),
    (OpKind::Mutation, "updateUser", ADMIN),
    (OpKind::Mutation, "createApiToken", ADMIN),
    (OpKind::Mutation, "revokeApiToken", ADMIN),
    (OpKind::Mutation, "setUserPassword", ADMIN),
    // Console pages (the data on them is checked again, field by field,
    // when the page runs its GraphQL as the signed-in user).
    (OpKind::Http, "GET /home", ALL),
    (OpKind::Http, "GET /sales/finder", ADMIN_SALES),
    (OpKind::Http, "GET /sales/sku", ADMIN_SALES),
    // Cases pages: reading them as anyone who works on cases; each form as
    // its mutation allows.
    (OpKind::Http, "GET /cases", ADMIN_WAREHOUSE_SALES_PLANNER),
    (
        OpKind::Http,
        "GET /cases/{number}",
        ADMIN_WAREHOUSE_SALES_PLANNER,
    ),
    (
        OpKind::Http,
        "GET /cases/at-risk",
        ADMIN_WAREHOUSE_SALES_PLANNER,
    ),
    (OpKind::Http, "GET /cases/new", ADMIN_SALES),
    (OpKind::Http, "POST /cases/new", ADMIN_SALES),
    (OpKind::Http, "POST /cases/{number}/confirm", ADMIN_SALES),
    (OpKind::Http, "POST /cases/{number}/ship", ADMIN_WAREHOUSE),
    (OpKind::Http, "GET /cases/match", ADMIN_SALES_PLANNER),
    (OpKind::Http, "POST /cases/match", ADMIN_SALES_PLANNER),
    // The warehouse console: the scan station, its forms, the stock pages.
    (OpKind::Http, "GET /warehouse/scan", ADMIN_WAREHOUSE),
    (OpKind::Http, "GET /warehouse/receive", ADMIN_WAREHOUSE),
    (OpKind::Http, "POST /warehouse/receive", ADMIN_WAREHOUSE),
    (OpKind::Http, "GET /warehouse/move", ADMIN_WAREHOUSE),
    (OpKind::Http, "POST /warehouse/move", ADMIN_WAREHOUSE),
    (OpKind::Http, "GET /warehouse/count", ADMIN_WAREHOUSE),
    (OpKind::Http, "POST /warehouse/count", ADMIN_WAREHOUSE),
    (OpKind::Http, "GET /warehouse/pick", ADMIN_WAREHOUSE),
    (OpKind::Http, "POST /warehouse/pick", ADMIN_WAREHOUSE),
    (OpKind::Http, "GET /warehouse/ship", ADMIN_WAREHOUSE),
    (OpKind::Http, "POST /warehouse/ship", ADMIN_WAREHOUSE),
    (OpKind::Http, "GET /warehouse/stock", ADMIN_WAREHOUSE),
    (OpKind::Http, "GET /warehouse/expiring", ADMIN_WAREHOUSE),
    (OpKind::Http, "GET /warehouse/reorder", ADMIN_WAREHOUSE),
    (OpKind::Http, "GET /warehouse/lot", ADMIN_WAREHOUSE),
    // The quality console: the release desk, the trace viewer, the recall
    // cockpit (its forms as their mutations allow quality), the drill.
    (OpKind::Http, "GET /quality/release", ADMIN_QUALITY),
    (OpKind::Http, "POST /quality/release", ADMIN_QUALITY),
    (OpKind::Http, "POST /quality/inspect", ADMIN_QUALITY),
    (OpKind::Http, "GET /quality/lot", ADMIN_QUALITY),
    (OpKind::Http, "GET /quality/trace", ADMIN_QUALITY),
    (OpKind::Http, "GET /quality/drill", ADMIN_QUALITY),
    (OpKind::Http, "GET /quality/recalls", ADMIN_QUALITY),
    (OpKind::Http, "POST /quality/recalls", ADMIN_QUALITY),
    (OpKind::Http, "GET /quality/recall", ADMIN_QUALITY),
    (OpKind::Http, "POST /quality/recall/activate", ADMIN_QUALITY),
    (OpKind::Http, "POST /quality/recall/cancel", ADMIN_QUALITY),
    (OpKind::Http, "POST /quality/recall/notify", ADMIN_QUALITY),
    (OpKind::Http, "POST /quality/recall/return", ADMIN_QUALITY),
    (OpKind::Http, "POST /quality/recall/usage", ADMIN_QUALITY),
    (OpKind::Http, "POST /quality/recall/close", ADMIN_QUALITY),
    (OpKind::Http, "GET /quality/recall/report", ADMIN_QUALITY),
    // Administration: users, their sessions and tokens, the audit trail.
    (OpKind::Http, "GET /admin/users", ADMIN),
    (OpKind::Http, "POST /admin/users", ADMIN),
    (OpKind::Http, "GET /admin/user", ADMIN),
    (OpKind::Http, "POST /admin/user/roles", ADMIN),
    (OpKind::Http, "POST /admin/user/active", ADMIN),
    (OpKind::Http, "POST /admin/user/password", ADMIN),
    (OpKind::Http, "POST /admin/user/token", ADMIN),
    (OpKind::Http, "POST /admin/user/revoke", ADMIN),
    (OpKind::Http, "GET /admin/audit", ADMIN),
    // The planner's console: the plan, downtime, jobs (each form as its
    // mutation allows: inspection is quality's); a job's page is read by
    // quality too, to inspect.
    (OpKind::Http, "GET /planner", ADMIN_PLANNER),
    (OpKind::Http, "GET /planner/downtime", ADMIN_PLANNER),
    (OpKind::Http, "POST /planner/downtime", ADMIN_PLANNER),
    (OpKind::Http, "GET /planner/jobs/new", ADMIN_PLANNER),
    (OpKind::Http, "POST /planner/jobs/new", ADMIN_PLANNER),
    (
        OpKind::Http,
        "GET /planner/jobs/{number}",
        ADMIN_QUALITY_PLANNER,
    ),
    (
        OpKind::Http,
        "POST /planner/jobs/{number}/start",
        ADMIN_PLANNER,
    ),
    (
        OpKind::Http,
        "POST /planner/jobs/{number}/complete",
        ADMIN_PLANNER,
    ),
    (
        OpKind::Http,
        "POST /planner/jobs/{number}/inspect",
        ADMIN_QUALITY,
    ),
    (
        OpKind::Http,
        "POST /planner/jobs/{number}/cancel",
        ADMIN_PLANNER,
    ),
    // UDI labels: printed by the warehouse and quality.
    (OpKind::Http, "GET /labels/lot", ADMIN_WAREHOUSE_QUALITY),
    (OpKind::Http, "GET /labels/lot.svg", ADMIN_WAREHOUSE_QUALITY),
];

/// The roles allowed to run a root field; `None` when the matrix has no entry.
pub fn allowed_roles(kind: OpKind, field: &str) -> Option<&'static [Role]> {
    MATRIX
        .iter()
        .find(|(k, f, _)| *k == kind && *f == field)
        .map(|(_, _, r)| *r)
}

/// Whether a user with `roles` may run the field.
pub fn is_allowed(kind: OpKind, field: &str, roles: &[Role]) -> bool {
    allowed_roles(kind, field).is_some_and(|allowed| roles.iter().any(|r| allowed.contains(r)))
}

/// The matrix as a Markdown table (as in the README).
pub fn markdown_table() -> String {
    let mut out = String::from("| operation | kind |");
    for r in Role::ALL {
        out.push_str(&format!(" {} |", r.as_str()));
    }
    out.push_str("\n|---|---|");
    for _ in Role::ALL {
        out.push_str("---|");
    }
    out.push('\n');
    for (kind, field, roles) in MATRIX {
        let k = match kind {
            OpKind::Query => "query",
            OpKind::Mutation => "mutation",
            OpKind::Http => "http",
        };
        out.push_str(&format!("| `{field}` | {k} |"));
        for r in Role::ALL {
            out.push_str(if roles.contains(&r) {
                " ✓ |"
            } else {
                " · |"
            });
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_operations_are_refused_to_everyone() {
        assert!(!is_allowed(OpKind::Query, "noSuchField", &Role::ALL));
    }

    #[test]
    fn a_sales_rep_reads_the_catalogue_but_does_not_change_it() {
        assert!(is_allowed(OpKind::Query, "compatibleAbutments", &[Sales]));
        assert!(!is_allowed(OpKind::Mutation, "upsertAbutmentSku", &[Sales]));
        assert!(!is_allowed(OpKind::Query, "auditLog", &[Sales]));
    }
}
