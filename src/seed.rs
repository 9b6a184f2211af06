//! Seed data: the CSVs in `seeds/`, built into the binary, loaded through the
//! same importer users use, in foreign-key order and in one transaction.

use std::path::Path;

use anyhow::Context;
use sea_orm::{DatabaseConnection, TransactionTrait};

use crate::catalog::import::{self, ImportError, ImportKind, ImportReport};

/// The seed files built into the binary, in load order.
pub const BUILT_IN: [(ImportKind, &str); 4] = [
    (ImportKind::Systems, include_str!("../seeds/systems.csv")),
    (
        ImportKind::Platforms,
        include_str!("../seeds/platforms.csv"),
    ),
    (ImportKind::Skus, include_str!("../seeds/skus.csv")),
    (
        ImportKind::Compatibility,
        include_str!("../seeds/compatibility.csv"),
    ),
];

/// Loads the seeds (built in, or from `dir`) in one transaction.
pub async fn load(
    db: &DatabaseConnection,
    dir: Option<&Path>,
) -> anyhow::Result<Vec<ImportReport>> {
    let mut files = Vec::new();
    for (kind, text) in BUILT_IN {
        let data = match dir {
            Some(d) => {
                let path = d.join(kind.file_name());
                std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?
            }
            None => text.to_owned(),
        };
        files.push((kind, data));
    }
    let txn = db.begin().await?;
    let mut reports = Vec::new();
    for (kind, data) in files {
        match import::import_in(&txn, kind, kind.file_name(), data.as_bytes(), false).await {
            Ok(r) => reports.push(r),
            Err(ImportError::Rows(rows)) => {
                let lines: Vec<String> = rows.iter().map(ToString::to_string).collect();
                anyhow::bail!(
                    "seed file {} is invalid:\n{}",
                    kind.file_name(),
                    lines.join("\n")
                );
            }
            Err(ImportError::Db(e)) => return Err(e.into()),
        }
    }
    txn.commit().await?;
    Ok(reports)
}
