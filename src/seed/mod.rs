//! Seed data: the catalogue CSVs in `seeds/`, built into the binary and
//! loaded through the same importer users use, then a warehouse, a shop and
//! clinics with their cases, made through the same service functions users
//! call. Everything in one transaction, in foreign-key order.
//!
//! One file per domain: [`catalog`] (the CSVs), [`inventory`],
//! [`manufacturing`], [`cases`].

use std::path::Path;

use sea_orm::{DatabaseConnection, TransactionTrait};

use crate::import::ImportReport;

pub mod cases;
pub mod catalog;
pub mod inventory;
pub mod manufacturing;

pub use catalog::BUILT_IN;

/// Loads the seeds (the catalogue built in, or from `dir`) in one transaction.
pub async fn load(
    db: &DatabaseConnection,
    dir: Option<&Path>,
) -> anyhow::Result<Vec<ImportReport>> {
    let files = catalog::files(dir)?;
    let txn = db.begin().await?;
    let reports = catalog::load(&txn, files).await?;
    inventory::load(&txn)
        .await
        .map_err(|e| anyhow::anyhow!("seeding inventory: {e}"))?;
    manufacturing::load(&txn)
        .await
        .map_err(|e| anyhow::anyhow!("seeding manufacturing: {e}"))?;
    cases::load(&txn)
        .await
        .map_err(|e| anyhow::anyhow!("seeding cases: {e}"))?;
    txn.commit().await?;
    Ok(reports)
}
