//! Recalls run to closure: create with a scope (nothing is created when it
//! matches no lot), preview the impact, activate (every affected lot
//! RECALLED, open reservations released and their cases re-opened, the
//! consignees listed, all in the caller's one transaction), record per
//! consignee the notification, units returned (a RETURN in the ledger) and
//! units confirmed used, then close on a reconciliation: shipped − returned
//! − used = outstanding, zero or justified. Every step is a `recall_event`.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, Utc};
use entity::{
    clinic, clinical_case,
    enums::{
        CaseStatus, JobStatus, LocationType, LotState, MovementReason, NotificationChannel,
        RecallActionKind, RecallClass, RecallScopeKind, RecallStatus,
    },
    location, lot, machine, production_job, recall, recall_action, recall_consignee, recall_event,
    recall_lot, tool,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, Set, sea_query::Expr,
};

use super::trace::{self, ForwardTrace, Scope};
use crate::{
    error::{AppError, AppResult, ErrorCode, Refusal},
    inventory::{Actor, ledger, service as inventory},
};

mod closure;
mod consignees;
mod joining;
mod lifecycle;
mod report;

pub use closure::*;
pub use consignees::*;
pub use joining::*;
pub use lifecycle::*;
pub use report::*;
