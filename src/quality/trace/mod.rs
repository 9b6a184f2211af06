//! Forward and backward traceability through the lot genealogy.
//!
//! The walk itself is one recursive SQL query (`WITH RECURSIVE`) that runs
//! the same on SQLite and PostgreSQL over the two covering indexes of
//! `lot_genealogy` (parent → child and child → parent); nothing loads the
//! graph into memory. What hangs off the lots it finds (stock, open
//! reservations, shipments, returns, cases, jobs still running on the
//! material) is then read with one query per table over the lot ids, in
//! chunks, so a trace costs the same number of statements for ten lots or
//! ten thousand.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{
    clinic, clinical_case,
    enums::{ItemKind, JobStatus, MovementReason, ReservationStatus},
    item, job_material, job_tool, location, lot, lot_genealogy, production_job, recall,
    recall_action, reservation, shipment, stock_balance, stock_movement,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Statement,
};

use crate::error::{AppError, AppResult};

mod backward;
mod consignees;
mod forward;
mod scope;
mod walk;

pub use backward::*;
pub(crate) use consignees::*;
pub use forward::*;
pub use scope::*;
pub use walk::*;
