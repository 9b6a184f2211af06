//! Finding jobs: by lot, by filter, in pages, by number.

use super::*;

/// The job that made a lot, if any.
pub async fn job_of_lot(
    db: &impl ConnectionTrait,
    lot_id: i64,
) -> AppResult<Option<production_job::Model>> {
    Ok(production_job::Entity::find()
        .filter(production_job::Column::FinishedLotId.eq(lot_id))
        .one(db)
        .await?)
}

/// Filter for job lists.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub statuses: Vec<JobStatus>,
    pub kind: Option<JobKind>,
    pub machine_id: Option<i64>,
    pub case_reference: Option<String>,
}

/// Jobs matching a filter, earliest due first.
pub async fn jobs(
    db: &impl ConnectionTrait,
    f: &JobFilter,
    page: &crate::paging::Page,
) -> AppResult<Vec<production_job::Model>> {
    use production_job::Column as C;
    let mut q = production_job::Entity::find();
    if !f.statuses.is_empty() {
        q = q.filter(C::Status.is_in(f.statuses.iter().copied()));
    }
    if let Some(k) = f.kind {
        q = q.filter(C::Kind.eq(k));
    }
    if let Some(m) = f.machine_id {
        q = q.filter(C::MachineId.eq(m));
    }
    if let Some(c) = &f.case_reference {
        q = q.filter(C::CaseReference.eq(c.trim()));
    }
    let e = production_job::Entity;
    let order = [
        (crate::paging::col((e, C::DueAt)), sea_orm::Order::Asc),
        (crate::paging::col((e, C::Id)), sea_orm::Order::Asc),
    ];
    Ok(page.apply(q, &order).all(db).await?)
}

/// The sort key of a job in [`jobs`]' order (earliest due first).
pub fn job_key(j: &production_job::Model) -> crate::paging::Key {
    use crate::paging::KeyVal;
    vec![KeyVal::T(j.due_at), KeyVal::I(j.id)]
}

/// How many jobs match a filter.
pub async fn count_jobs(db: &impl ConnectionTrait, f: &JobFilter) -> AppResult<u64> {
    use production_job::Column as C;
    use sea_orm::PaginatorTrait;
    let mut q = production_job::Entity::find();
    if !f.statuses.is_empty() {
        q = q.filter(C::Status.is_in(f.statuses.iter().copied()));
    }
    if let Some(k) = f.kind {
        q = q.filter(C::Kind.eq(k));
    }
    if let Some(m) = f.machine_id {
        q = q.filter(C::MachineId.eq(m));
    }
    if let Some(c) = &f.case_reference {
        q = q.filter(C::CaseReference.eq(c.trim()));
    }
    Ok(q.count(db).await?)
}

/// A job by its number.
pub async fn job_by_number(
    db: &impl ConnectionTrait,
    number: &str,
) -> AppResult<production_job::Model> {
    production_job::Entity::find()
        .filter(production_job::Column::Number.eq(number.trim()))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("production job", number.trim().to_owned()))
}
