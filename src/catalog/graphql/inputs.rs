//! The catalogue mutations' inputs and payloads.

use super::*;

/// A catalogue CSV to import.
#[derive(InputObject)]
pub struct ImportCatalogCsvInput {
    /// What the CSV holds.
    pub kind: ImportKind,
    /// The CSV text, header line first. Newlines are allowed; at most
    /// 2,000,000 characters (the request body limit applies too).
    /// Control characters are refused cell by cell, each with its line and column.
    pub csv: String,
    /// File name used in error messages (default: the kind's usual name, e.g. `skus.csv`).
    pub file_name: Option<String>,
    /// Check and report without writing anything.
    #[graphql(default)]
    pub dry_run: bool,
}

/// Result of a catalogue import: a report, or every bad row.
#[derive(SimpleObject)]
pub struct ImportCatalogCsvPayload {
    /// What was (or in a dry run would be) created, updated or left unchanged; null on errors.
    pub report: Option<ImportReport>,
    /// The problems found, each naming line and column, in line order: at most
    /// the first 1,000, then one entry without a line counting the rest.
    /// Nothing was written when non-empty.
    pub user_errors: Vec<UserError>,
    /// How many problems the file has in all, listed in `userErrors` or not; 0 on success.
    pub error_count: u64,
}

/// A SKU to create or update (matched by article number).
#[derive(InputObject)]
pub struct UpsertAbutmentSkuInput {
    /// Our article number (the natural key).
    pub article_number: String,
    /// GTIN; 8, 12, 13 or 14 digits with a valid check digit; stored as GTIN-14.
    pub gtin: String,
    /// Human-readable name.
    pub name: String,
    /// Kind of abutment.
    pub abutment_type: AbutmentType,
    /// Material.
    pub material: Material,
    /// Gingival (cuff) height, 0–10 mm.
    pub gingival_height_mm: Decimal,
    /// Angulation, 0–45°.
    pub angulation_deg: Decimal,
    /// Post height, 0–20 mm.
    pub post_height_mm: Option<Decimal>,
    /// Diameter, 0.5–15 mm.
    pub diameter_mm: Option<Decimal>,
    /// Engaging (indexed) part.
    pub engaging: bool,
    /// Sterile-packed; then `shelfLifeMonths` is required.
    pub sterile: bool,
    /// Shelf life of a sterile part, 1–120 months.
    pub shelf_life_months: Option<i32>,
    /// Sold or discontinued (default ACTIVE).
    #[graphql(default_with = "SkuStatus::Active")]
    pub status: SkuStatus,
}

/// Result of a SKU upsert.
#[derive(SimpleObject)]
pub struct UpsertAbutmentSkuPayload {
    /// The SKU as stored; null on errors.
    pub sku: Option<AbutmentSku>,
    /// Whether the SKU was created, changed or already so; null on errors.
    pub outcome: Option<UpsertOutcome>,
    /// Every problem with the input; nothing was written when non-empty.
    pub user_errors: Vec<UserError>,
}

/// An import's result as a payload: the report, or every bad row as a user error.
pub fn import_payload(
    r: Result<ImportReport, ImportError>,
) -> async_graphql::Result<ImportCatalogCsvPayload> {
    match r {
        Ok(report) => Ok(ImportCatalogCsvPayload {
            report: Some(report),
            user_errors: vec![],
            error_count: 0,
        }),
        Err(ImportError::Rows(rows)) => {
            let error_count = rows.total();
            let note = rows.unlisted_note();
            let mut user_errors: Vec<UserError> = rows
                .listed
                .into_iter()
                .map(|r| UserError {
                    code: ErrorCode::BadUserInput,
                    field: r.column.iter().cloned().collect(),
                    line: Some(r.line),
                    message: r.to_string(),
                })
                .collect();
            user_errors.extend(note.map(|message| UserError {
                code: ErrorCode::BadUserInput,
                field: vec![],
                line: None,
                message,
            }));
            Ok(ImportCatalogCsvPayload {
                report: None,
                user_errors,
                error_count,
            })
        }
        Err(ImportError::Db(e)) => Err(AppError::Db(e).into()),
    }
}
