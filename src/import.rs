//! Which importer reads which kind of CSV file: the dispatcher above the
//! domains' importers (the framework they share is [`crate::csv_import`]).

use sea_orm::{ConnectionTrait, DatabaseConnection};

pub use crate::csv_import::{ImportError, ImportReport, RowError};
use crate::{
    access::Actor,
    catalog::import as catalog,
    csv_import::{Layout, read_table},
};

/// What a CSV file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, async_graphql::Enum)]
pub enum ImportKind {
    /// Implant systems: `manufacturer,system,connection,notes`.
    Systems,
    /// Platforms: `manufacturer,system,platform,diameter_mm,index_positions`.
    Platforms,
    /// Abutment SKUs: `article_number,gtin,name,type,material,gingival_height_mm,
    /// angulation_deg,post_height_mm,diameter_mm,engaging,sterile,shelf_life_months,status`.
    Skus,
    /// Which SKU fits which platform: `article_number,manufacturer,system,platform,source,notes`.
    Compatibility,
    /// Finished stock received (opening stock, receipts) into quarantine:
    /// `article_number,lot_number,quantity,location,production_date,expiry_date,reference`.
    Stock,
}

impl ImportKind {
    /// The columns of this kind's files.
    pub fn layout(self) -> Layout {
        let (required, optional) = self.columns();
        Layout {
            file_name: self.file_name(),
            required,
            optional,
            free_text: self.free_text(),
        }
    }

    /// Catalogue kinds in foreign-key order, as seeds are loaded.
    pub const ALL: [ImportKind; 4] = [
        ImportKind::Systems,
        ImportKind::Platforms,
        ImportKind::Skus,
        ImportKind::Compatibility,
    ];

    /// The conventional file name (used in seeds/ and in error messages).
    pub fn file_name(self) -> &'static str {
        match self {
            ImportKind::Systems => "systems.csv",
            ImportKind::Platforms => "platforms.csv",
            ImportKind::Skus => "skus.csv",
            ImportKind::Compatibility => "compatibility.csv",
            ImportKind::Stock => "stock.csv",
        }
    }

    /// Columns: (required, optional). Optional columns may be left out of the header.
    fn columns(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            ImportKind::Systems => (&["manufacturer", "system", "connection"], &["notes"]),
            ImportKind::Platforms => (
                &["manufacturer", "system", "platform", "diameter_mm"],
                &["index_positions"],
            ),
            ImportKind::Skus => (
                &[
                    "article_number",
                    "gtin",
                    "name",
                    "type",
                    "material",
                    "gingival_height_mm",
                    "angulation_deg",
                    "engaging",
                    "sterile",
                ],
                &[
                    "post_height_mm",
                    "diameter_mm",
                    "shelf_life_months",
                    "status",
                ],
            ),
            ImportKind::Compatibility => (
                &[
                    "article_number",
                    "manufacturer",
                    "system",
                    "platform",
                    "source",
                ],
                &["notes"],
            ),
            ImportKind::Stock => (
                &[
                    "article_number",
                    "lot_number",
                    "quantity",
                    "location",
                    "production_date",
                ],
                &["expiry_date", "reference"],
            ),
        }
    }

    /// Free-text columns: the only ones whose cells may hold tabs and line
    /// breaks (quoted). Every other cell is one line of printable text.
    fn free_text(self) -> &'static [&'static str] {
        match self {
            ImportKind::Systems | ImportKind::Compatibility => &["notes"],
            ImportKind::Platforms | ImportKind::Skus | ImportKind::Stock => &[],
        }
    }
}

/// Imports one CSV file in its own transaction.
pub async fn import_csv(
    db: &DatabaseConnection,
    actor: &Actor,
    kind: ImportKind,
    file: &str,
    data: &[u8],
    dry_run: bool,
) -> Result<ImportReport, ImportError> {
    let txn = crate::db::begin_write(db).await?;
    let report = import_in(&txn, actor, kind, file, data, dry_run).await?;
    if dry_run {
        txn.rollback().await?;
    } else {
        txn.commit().await?;
    }
    Ok(report)
}

/// Imports one CSV file on a connection the caller controls (a transaction:
/// an error leaves partial writes that the caller must roll back).
pub async fn import_in(
    db: &impl ConnectionTrait,
    actor: &Actor,
    kind: ImportKind,
    file: &str,
    data: &[u8],
    dry_run: bool,
) -> Result<ImportReport, ImportError> {
    let (table, problems) = read_table(&kind.layout(), file, data)?;
    let mut report = ImportReport {
        file: file.to_owned(),
        rows: table.rows.len() as u64,
        dry_run,
        ..Default::default()
    };
    match kind {
        ImportKind::Systems => catalog::systems(db, &table, problems, &mut report).await?,
        ImportKind::Platforms => catalog::platforms(db, &table, problems, &mut report).await?,
        ImportKind::Skus => catalog::skus(db, &table, problems, &mut report).await?,
        ImportKind::Compatibility => {
            catalog::compatibility(db, &table, problems, &mut report).await?
        }
        ImportKind::Stock => {
            crate::inventory::import::stock(db, actor, &table, problems, &mut report).await?
        }
    }
    Ok(report)
}
