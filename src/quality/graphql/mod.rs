//! GraphQL types and resolvers of quality: forward and backward traces,
//! mock recalls, and recalls from creation to closure. Mutations run in one
//! write transaction each.

use async_graphql::{Context, ID, InputObject, Object, OneofObject, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{
    clinic,
    enums::{ItemKind, NotificationChannel, RecallClass, RecallScopeKind, RecallStatus},
    machine, recall, recall_event, recall_lot, tool,
};

use super::{
    recall::{self as service, Accounting, Activation, NewRecall, ReconciliationLine},
    trace::{self, Ancestor, Dispatch, Exposure, ForwardTrace, Origin, Scope, TracedLot},
};
use crate::{
    cases::graphql::{Clinic, ClinicalCase},
    error::{AppError, AppResult, Under, UserError},
    graphql::{db, ids, loaders::load, write::run},
    inventory::graphql::{Location, Lot, Reservation},
    manufacturing::graphql::{DeviceHistoryRecord, Machine, ProductionJob, Tool},
};

mod inputs;
mod mutation;
mod query;
mod recall_types;
mod trace_types;

pub use inputs::*;
pub use mutation::*;
pub use query::*;
pub use recall_types::*;
pub use trace_types::*;

pub(crate) fn consignee_id(id: &ID) -> AppResult<i64> {
    ids::decode(id, "RecallConsignee", "input.consigneeId")
}

pub(crate) fn accounting(input: &RecallAccountingInput) -> AppResult<Accounting> {
    Ok(Accounting {
        recall_id: recall_id(&input.recall_id)?,
        consignee_id: consignee_id(&input.consignee_id)?,
        lot_id: ids::decode(&input.lot_id, "Lot", "input.lotId")?,
        quantity: input.quantity,
        location: input.location.clone(),
        note: input.note.clone(),
    })
}

crate::connection_type!(RecallConnection, RecallEdge, Recall, "recalls");
