//! GraphQL types and resolvers of clinical cases. Mutations run in one write
//! transaction each; those that create custom jobs reschedule production in
//! the same transaction.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{
    clinic, clinical_case,
    enums::{AbutmentType, CaseDecision, CaseStatus, Material, Restoration},
    lot, platform, production_job, reservation,
};
use sea_orm::DatabaseConnection;

use super::service::{self, Choice, NewCase, NewClinic, Policy};
use crate::graphql::{loaders::load, write, write::finish};
use crate::{
    catalog::{
        graphql::{AbutmentSku, Platform},
        service::PlatformRef,
        units::{from_milli, to_milli},
    },
    error::{AppError, AppResult, Under, UserError},
    graphql::{batch::BatchQueue, db, ids, loaders, scalars::Decimal},
    impl_by_id,
    inventory::graphql::{Lot, Reservation},
    manufacturing::graphql::{Machine, ProductionJob},
};

impl_by_id!(clinic, reservation);

/// Loaders of this domain, attached to every request.
pub fn attach_loaders(
    r: async_graphql::Request,
    db: &DatabaseConnection,
    q: &BatchQueue,
) -> async_graphql::Request {
    r.data(loaders::by_id::<clinic::Entity>(db, q))
        .data(loaders::by_id::<reservation::Entity>(db, q))
}

mod inputs;
mod mutation;
mod query;
mod types;

pub use inputs::*;
pub use mutation::*;
pub use query::*;
pub use types::*;

// ------------------------------------------------------------------ helpers

pub(crate) fn case_payload(r: Result<clinical_case::Model, Vec<UserError>>) -> CasePayload {
    match r {
        Ok(c) => CasePayload {
            case: Some(ClinicalCase(c)),
            user_errors: vec![],
        },
        Err(e) => CasePayload {
            case: None,
            user_errors: e,
        },
    }
}

pub(crate) fn milli(d: &Decimal, field: &str, unit: &str, max: i64) -> AppResult<i32> {
    to_milli(
        d.0,
        field,
        unit,
        rust_decimal::Decimal::ZERO,
        rust_decimal::Decimal::from(max),
    )
}

pub(crate) async fn case_of(
    db: &impl sea_orm::ConnectionTrait,
    id: &ID,
) -> AppResult<clinical_case::Model> {
    service::case(db, ids::decode(id, "ClinicalCase", "caseId")?).await
}

crate::connection_type!(ClinicConnection, ClinicEdge, Clinic, "clinics");
crate::connection_type!(
    ClinicalCaseConnection,
    ClinicalCaseEdge,
    ClinicalCase,
    "clinical cases"
);
