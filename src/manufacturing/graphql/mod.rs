//! GraphQL types and resolvers of manufacturing. Every mutation runs in one
//! write transaction; those that change what must be planned (jobs added or
//! cancelled, calendars, downtime, machine status) reschedule in the same
//! transaction, so the stored plan always matches the shop.

use std::sync::Arc;

use async_graphql::{
    Context, ID, InputObject, Object, SimpleObject,
    dataloader::{DataLoader, HashMapCache, Loader},
};
use chrono::{DateTime, Duration, Utc};
use entity::{
    abutment_sku,
    enums::{
        AbutmentType, DowntimeKind, InspectionResult, JobKind, JobStatus, MachineKind,
        MachineStatus, Material, ToolStatus,
    },
    implant_system, job_material, job_tool, location, lot, lot_genealogy, machine,
    machine_downtime, machine_material, machine_shift, machine_system, platform, production_job,
    schedule_run, tool,
};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

use super::{
    calendar::{self, Shift},
    planning::{self, MachineTimeline, TimelineSlot},
    service::{
        self, JobFilter, MachinePatch, MaterialPick, NewJob, NewMachine, Requirement, StartJob,
    },
};
use crate::graphql::{loaders::load, write, write::finish};
use crate::{
    catalog::{
        graphql::{AbutmentSku, ImplantSystem, Platform},
        service::PlatformRef,
        units::{from_milli, to_milli},
    },
    connection_type,
    error::{AppError, AppResult, Under, UserError},
    graphql::{
        batch::BatchQueue,
        db, ids,
        loaders::{self, ByIdLoader, ByParent, ByParentLoader, loader_error, required},
        pagination::PageArgs,
        scalars::Decimal,
    },
    impl_by_id,
    inventory::graphql::{Location, Lot},
};

mod inputs;
mod loading;
mod mutation;
mod query;
mod types;

pub use inputs::*;
pub use loading::*;
pub use mutation::*;
pub use query::*;
pub use types::*;

pub(crate) fn mm(v: Option<i32>) -> Option<Decimal> {
    v.map(|v| Decimal(from_milli(v)))
}

// ------------------------------------------------------------------ helpers

pub(crate) fn parse_hhmm(s: &str, field: &str) -> AppResult<i32> {
    let bad = || AppError::bad_input(field, format!("`{s}` is not a time of day as HH:MM"));
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (i32, i32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(0..=24).contains(&h) || !(0..60).contains(&m) || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

pub(crate) fn opt_milli(
    v: &Option<Decimal>,
    field: &str,
    unit: &str,
    max: i64,
) -> AppResult<Option<i32>> {
    v.as_ref()
        .map(|d| {
            to_milli(
                d.0,
                field,
                unit,
                rust_decimal::Decimal::ZERO,
                rust_decimal::Decimal::new(max, 0),
            )
        })
        .transpose()
}

pub(crate) fn id_list(v: &[ID], kind: &str, field: &str) -> AppResult<Vec<i64>> {
    v.iter()
        .enumerate()
        .map(|(i, id)| ids::decode(id, kind, &format!("{field}[{i}]")))
        .collect()
}

pub(crate) fn platform_ref(
    id: &Option<ID>,
    manufacturer: &Option<String>,
    system: &Option<String>,
    platform: &Option<String>,
) -> AppResult<Option<PlatformRef>> {
    let id = id
        .as_ref()
        .map(|i| ids::decode(i, "Platform", "input.platformId"))
        .transpose()?;
    if id.is_none() && system.is_none() && platform.is_none() {
        return Ok(None);
    }
    Ok(Some(PlatformRef {
        id,
        manufacturer: manufacturer.clone(),
        system: system.clone(),
        platform: platform.clone(),
    }))
}

crate::connection_type!(MachineConnection, MachineEdge, Machine, "machines");
crate::connection_type!(ToolConnection, ToolEdge, Tool, "tools");
