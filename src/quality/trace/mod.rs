//! Forward and backward traceability through the lot genealogy.
//!
//! The walk itself is one recursive SQL query (`WITH RECURSIVE`) that runs
//! the same on SQLite and PostgreSQL over the two covering indexes of
//! `lot_genealogy` (parent → child and child → parent); nothing loads the
//! graph into memory. A forward trace reads what hangs off the lots it finds
//! (stock, open reservations, shipments with their consignees, returns,
//! cases, jobs still running on the material) in the same statement, one
//! arm per kind of fact over the walk's result (`facts`), then only the
//! full rows those name, by id; so a trace costs the same few statements
//! for ten lots or ten thousand.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{
    clinic, clinical_case,
    enums::{ItemKind, JobStatus, MovementReason, ReservationStatus},
    item, job_tool, location, lot, lot_genealogy, production_job, recall, reservation,
    stock_balance, stock_movement,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Statement,
};

use crate::error::{AppError, AppResult};

mod backward;
mod consignees;
mod facts;
mod forward;
mod scope;
mod walk;

pub use backward::*;
pub(crate) use consignees::*;
use facts::*;
pub use forward::*;
pub use scope::*;
pub use walk::*;
