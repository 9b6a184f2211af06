//! Manufacturing rules: machines and what they can make, calendars and
//! downtime, tools, and the life of a production job — create, start (issue
//! material through the ledger), complete (the finished lot in quarantine,
//! with its genealogy), inspect, scrap or cancel. Every transition is checked
//! against the job's status; every function runs in the caller's transaction.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Months, Utc};
use entity::{
    abutment_sku,
    enums::{
        AbutmentType, DowntimeKind, InspectionResult, ItemKind, JobKind, JobStatus, LocationType,
        LotState, MachineKind, MachineStatus, Material, MovementReason, StockUnit, ToolStatus,
    },
    item, job_material, job_tool, location, lot, lot_genealogy, machine, machine_downtime,
    machine_material, machine_shift, machine_system, platform, production_job, stock_balance, tool,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::calendar::{self, Shift};
use crate::{
    catalog::service as catalog,
    error::{AppError, AppResult, Refusal},
    inventory::{
        Actor, EffectiveState, effective_state,
        ledger::{self, Move},
        service as inv, today,
    },
};

mod blanks;
mod capability;
mod execution;
mod jobs;
mod listing;
mod machines;
mod material;

pub use blanks::*;
pub use capability::*;
pub use execution::*;
pub use jobs::*;
pub use listing::*;
pub use machines::*;
pub use material::*;

// ---------------------------------------------------------------- capability

// ---------------------------------------------------------------- jobs
