//! Blanks for custom jobs: how many are in stock, and how many booked jobs will take.

use super::*;

/// Free blanks for a platform in released, unexpired lots at stock locations.
pub async fn blanks_available(db: &impl ConnectionTrait, platform_id: i64) -> AppResult<i64> {
    blanks_in_stock(db, platform_id).await
}

/// Open custom jobs of a platform that have not issued their blank yet
/// (PLANNED or SCHEDULED), in the order they will take blanks: planned
/// start first (unplanned last), then id.
pub async fn jobs_awaiting_blanks(
    db: &impl ConnectionTrait,
    platform_id: i64,
) -> AppResult<Vec<production_job::Model>> {
    let mut jobs = production_job::Entity::find()
        .filter(production_job::Column::Kind.eq(JobKind::Custom))
        .filter(production_job::Column::PlatformId.eq(platform_id))
        .filter(production_job::Column::Status.is_in([JobStatus::Planned, JobStatus::Scheduled]))
        .all(db)
        .await?;
    jobs.sort_by_key(|j| (j.planned_start.is_none(), j.planned_start, j.id));
    Ok(jobs)
}

/// Blanks of a platform that no booked job has a claim on yet: released
/// blanks in stock, minus what open jobs that have not started will take.
pub async fn blanks_free(db: &impl ConnectionTrait, platform_id: i64) -> AppResult<BlankSupply> {
    let in_stock = blanks_in_stock(db, platform_id).await?;
    let promised: i64 = jobs_awaiting_blanks(db, platform_id)
        .await?
        .iter()
        .map(material_needed)
        .sum();
    Ok(BlankSupply { in_stock, promised })
}

/// Released blanks of a platform and the share booked jobs will take.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BlankSupply {
    /// Released, unexpired blanks in STOCK locations, not reserved.
    pub in_stock: i64,
    /// Taken by open jobs that have not started yet.
    pub promised: i64,
}

impl BlankSupply {
    /// Blanks a new job could still have.
    pub fn free(&self) -> i64 {
        self.in_stock - self.promised
    }

    /// Why a new job has none, for messages.
    pub fn shortage(&self) -> String {
        format!(
            "no released blank for this platform is free: {} in stock, {} promised to booked jobs",
            self.in_stock, self.promised
        )
    }
}

pub(crate) async fn blanks_in_stock(db: &impl ConnectionTrait, platform_id: i64) -> AppResult<i64> {
    let items: Vec<i64> = item::Entity::find()
        .filter(item::Column::Kind.eq(ItemKind::Blank))
        .filter(item::Column::PlatformId.eq(platform_id))
        .all(db)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    Ok(raw_candidates(db, &items)
        .await?
        .iter()
        .map(|c| c.free)
        .sum())
}
