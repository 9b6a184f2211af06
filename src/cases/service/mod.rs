//! Rules of clinical cases: validation, matching a case to finished stock or
//! a custom job (with the reason for every candidate turned down), deciding
//! (reserve a unit or create the job), batch matching, shipping and
//! cancelling.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    abutment_sku, clinic, clinical_case,
    enums::{
        AbutmentType, CaseDecision, CaseStatus, JobKind, JobStatus, LocationType, LotState,
        Material, MovementReason, Restoration, SkuStatus,
    },
    item, location, lot, production_job, setting, sku_platform, stock_balance,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, JoinType,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::{
    catalog::service::{self as catalog, PlatformRef},
    error::{AppError, AppResult, ErrorCode, Refusal},
    inventory::{
        Actor, EffectiveState, effective_state, effective_state_of, ledger,
        service::{self as inventory, ReserveRequest},
        today,
    },
    manufacturing::{
        planning::{Eta, EtaBoard},
        service::{self as mfg, NewJob, Requirement},
    },
};

mod batch;
mod clinics;
mod deciding;
mod fulfilment;
mod matching;
mod policy;
mod register;
mod risk;

pub use batch::*;
pub use clinics::*;
pub use deciding::*;
pub use fulfilment::*;
pub use matching::*;
pub use policy::*;
pub use register::*;
pub use risk::*;
