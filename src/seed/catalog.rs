//! The catalogue seeds: systems, platforms, SKUs and their compatibility,
//! read from CSV through the importer users use.

use std::path::Path;

use anyhow::Context;
use sea_orm::ConnectionTrait;

use crate::import::{self, ImportError, ImportKind, ImportReport};

/// The seed files built into the binary, in load order.
pub const BUILT_IN: [(ImportKind, &str); 4] = [
    (ImportKind::Systems, include_str!("../../seeds/systems.csv")),
    (
        ImportKind::Platforms,
        include_str!("../../seeds/platforms.csv"),
    ),
    (ImportKind::Skus, include_str!("../../seeds/skus.csv")),
    (
        ImportKind::Compatibility,
        include_str!("../../seeds/compatibility.csv"),
    ),
];

/// The catalogue files in load order: the built-in ones, or the files of the
/// same names in `dir`.
pub fn files(dir: Option<&Path>) -> anyhow::Result<Vec<(ImportKind, String)>> {
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
    Ok(files)
}

/// Imports the catalogue files in order; a file with bad lines stops the
/// seeding with every bad line listed.
pub async fn load(
    db: &impl ConnectionTrait,
    files: Vec<(ImportKind, String)>,
) -> anyhow::Result<Vec<ImportReport>> {
    let mut reports = Vec::new();
    for (kind, data) in files {
        let system = crate::access::Actor::system();
        match import::import_in(db, &system, kind, kind.file_name(), data.as_bytes(), false).await {
            Ok(r) => reports.push(r),
            Err(ImportError::Rows(rows)) => {
                let mut lines: Vec<String> = rows.listed.iter().map(ToString::to_string).collect();
                lines.extend(rows.unlisted_note());
                anyhow::bail!(
                    "seed file {} is invalid:\n{}",
                    kind.file_name(),
                    lines.join("\n")
                );
            }
            Err(ImportError::Db(e)) => return Err(e.into()),
        }
    }
    Ok(reports)
}
