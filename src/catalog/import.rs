//! CSV import of the catalogue: systems, platforms, SKUs and compatibility.
//!
//! Rules shared by every importer of the project: the header is checked; each
//! cell is parsed to its type; rows are upserted by their natural key, so
//! importing the same file again changes nothing; the whole file is one
//! transaction, all rows or none; `dry_run` checks and reports without
//! writing; and every bad line is reported in one pass (not only the first)
//! with file, line, column and reason: `skus.csv line 42, column gtin: check
//! digit should be 3` — at most [`MAX_LISTED_ERRORS`] of them, the rest
//! counted. Lines are physical lines of the file (see `catalog::csv_text`);
//! a quote left open, bytes that are not UTF-8 and control characters in a
//! cell are refused here, once, for every importer.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::{
    abutment_sku, enums::ConnectionType, implant_system, manufacturer, platform, sku_platform,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    Iterable, Set,
};

use super::{
    csv_text, name_key,
    service::{SkuInput, SkuValues},
    units,
};
use crate::{error::AppError, inventory::Actor};

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

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, async_graphql::SimpleObject)]
pub struct ImportReport {
    /// The file's name as given.
    pub file: String,
    /// Data rows read (the header not counted).
    pub rows: u64,
    /// Rows that made a new record.
    pub created: u64,
    /// Rows that changed an existing record.
    pub updated: u64,
    /// Rows whose record already held these values.
    pub unchanged: u64,
    /// True when nothing was written because this was a dry run.
    pub dry_run: bool,
}

/// One problem in one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The file's name.
    pub file: String,
    /// Physical line in the file where the row starts (1 is the header line),
    /// counted the same for LF, CRLF and CR line ends and across line breaks
    /// inside quoted cells.
    pub line: u64,
    /// The column at fault, when one is.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(c) => write!(
                f,
                "{} line {}, column {}: {}",
                self.file, self.line, c, self.message
            ),
            None => write!(f, "{} line {}: {}", self.file, self.line, self.message),
        }
    }
}

/// At most this many problems of one file are listed; the rest are counted.
pub const MAX_LISTED_ERRORS: usize = 1_000;

/// Every problem of a file: the first [`MAX_LISTED_ERRORS`] in line order,
/// and how many more there are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowErrors {
    /// The problems listed, by line (then in the order they were found).
    pub listed: Vec<RowError>,
    /// Problems found but not listed.
    pub unlisted: u64,
}

impl RowErrors {
    /// Every problem found, listed or not.
    pub fn total(&self) -> u64 {
        self.listed.len() as u64 + self.unlisted
    }

    /// The sentence that counts the problems left out, when any were.
    pub fn unlisted_note(&self) -> Option<String> {
        (self.unlisted > 0).then(|| {
            format!(
                "{}{} more problem(s) not listed ({} in all; only the first {MAX_LISTED_ERRORS} are)",
                self.listed
                    .first()
                    .map(|e| format!("{}: ", e.file))
                    .unwrap_or_default(),
                self.unlisted,
                self.total()
            )
        })
    }
}

/// Collects a file's problems in whatever order the checks find them,
/// keeping the [`MAX_LISTED_ERRORS`] first by line and counting the rest, so
/// a file bad on every line costs no more memory than one with 1,000 errors.
#[derive(Default)]
pub(crate) struct Problems {
    kept: std::collections::BinaryHeap<Ranked>,
    total: u64,
}

struct Ranked {
    line: u64,
    seq: u64,
    error: RowError,
}

impl Ranked {
    fn key(&self) -> (u64, u64) {
        (self.line, self.seq)
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl Problems {
    pub(crate) fn push(&mut self, error: RowError) {
        let r = Ranked {
            line: error.line,
            seq: self.total,
            error,
        };
        self.total += 1;
        if self.kept.len() < MAX_LISTED_ERRORS {
            self.kept.push(r);
        } else if self.kept.peek().is_some_and(|worst| r < *worst) {
            self.kept.pop();
            self.kept.push(r);
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Problems found so far.
    pub(crate) fn count(&self) -> u64 {
        self.total
    }

    pub(crate) fn into_errors(self) -> RowErrors {
        let listed: Vec<RowError> = self
            .kept
            .into_sorted_vec()
            .into_iter()
            .map(|r| r.error)
            .collect();
        RowErrors {
            unlisted: self.total - listed.len() as u64,
            listed,
        }
    }
}

impl Extend<RowError> for Problems {
    fn extend<I: IntoIterator<Item = RowError>>(&mut self, iter: I) {
        iter.into_iter().for_each(|e| self.push(e));
    }
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file has bad rows; all are counted, the first 1,000 listed.
    #[error("{} problem(s) in the file; nothing was imported", .0.total())]
    Rows(RowErrors),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<AppError> for ImportError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Db(d) => ImportError::Db(d),
            other => ImportError::Db(DbErr::Custom(other.to_string())),
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
    let txn = crate::inventory::service::begin_write(db).await?;
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
    let (table, problems) = read_table(kind, file, data)?;
    let mut report = ImportReport {
        file: file.to_owned(),
        rows: table.rows.len() as u64,
        dry_run,
        ..Default::default()
    };
    match kind {
        ImportKind::Systems => import_systems(db, &table, problems, &mut report).await?,
        ImportKind::Platforms => import_platforms(db, &table, problems, &mut report).await?,
        ImportKind::Skus => import_skus(db, &table, problems, &mut report).await?,
        ImportKind::Compatibility => {
            import_compatibility(db, &table, problems, &mut report).await?
        }
        ImportKind::Stock => {
            crate::inventory::import::import_stock(db, actor, &table, problems, &mut report).await?
        }
    }
    Ok(report)
}

/// A parsed CSV: the header's column positions and the data rows with lines.
pub(crate) struct Table {
    pub(crate) file: String,
    columns: HashMap<&'static str, usize>,
    /// The rows whose text is sound, each with its physical line.
    pub(crate) rows: Vec<(u64, csv::StringRecord)>,
}

/// Reads the header and the rows. Header problems end the reading (the rows
/// cannot be understood without it); a row whose text is unsound — wrong
/// number of cells, not UTF-8, a control character, an unclosed quote — is
/// reported and left out, and reading goes on, so every bad line is found.
fn read_table(kind: ImportKind, file: &str, data: &[u8]) -> Result<(Table, Problems), ImportError> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let lines = csv_text::LineIndex::new(data);
    let line_at = |reported: u64| {
        lines.line_of(csv_text::record_start(
            data,
            usize::try_from(reported).unwrap_or(usize::MAX),
        ))
    };
    let open_quote = csv_text::open_quote(data);
    let err = |line: u64, column: Option<&str>, message: String| RowError {
        file: file.to_owned(),
        line,
        column: column.map(str::to_owned),
        message,
    };
    let unclosed = |q: csv_text::OpenQuote, column: Option<&str>| {
        let last = data
            .iter()
            .rposition(|b| !matches!(b, b'\r' | b'\n'))
            .unwrap_or(q.offset);
        let (from, to) = (lines.line_of(q.offset), lines.line_of(last));
        let swallowed = if to > from {
            format!(", so lines {from}–{to} would all be read into this one cell")
        } else {
            String::new()
        };
        err(
            from,
            column,
            format!(
                "the quote that opens this cell is never closed{swallowed}; add the closing `\"`"
            ),
        )
    };
    let fail = |e: RowError| {
        let mut p = Problems::default();
        p.push(e);
        ImportError::Rows(p.into_errors())
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(data);
    let mut header = csv::StringRecord::new();
    match rdr.read_record(&mut header) {
        Ok(_) => {}
        Err(e) => {
            let line = line_at(e.position().map_or(0, |p| p.byte()));
            return Err(fail(err(line, None, unreadable(&e))));
        }
    }
    let header_line = line_at(header.position().map_or(0, |p| p.byte()));
    if let Some(q) = open_quote.filter(|q| (q.offset as u64) < rdr.position().byte()) {
        return Err(fail(unclosed(q, None)));
    }
    let (required, optional) = kind.columns();
    let mut errors = Problems::default();
    let mut columns = HashMap::new();
    let mut names = Vec::with_capacity(header.len());
    for (i, h) in header.iter().enumerate() {
        let h = h.to_lowercase();
        if let Some(m) = csv_text::forbidden_char(&h, false) {
            errors.push(err(header_line, None, format!("header cell {} {m}", i + 1)));
            names.push(format!("{}", i + 1));
            continue;
        }
        match required.iter().chain(optional).find(|c| **c == h) {
            Some(c) if columns.contains_key(c) => {
                errors.push(err(header_line, Some(c), "column appears twice".into()))
            }
            Some(c) => {
                columns.insert(*c, i);
            }
            None => errors.push(err(
                header_line,
                Some(&h),
                format!(
                    "unknown column; {} expects {}",
                    kind.file_name(),
                    required
                        .iter()
                        .chain(optional)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            )),
        }
        names.push(h);
    }
    for c in required {
        if !columns.contains_key(c) {
            errors.push(err(
                header_line,
                Some(c),
                "required column is missing from the header".into(),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows(errors.into_errors()));
    }
    let free: Vec<bool> = names
        .iter()
        .map(|n| kind.free_text().contains(&n.as_str()))
        .collect();
    let name_of = |i: usize| names.get(i).map(String::as_str);
    let mut rows = Vec::new();
    let mut rec = csv::StringRecord::new();
    loop {
        let before = rdr.position().byte();
        let read = rdr.read_record(&mut rec);
        let line = line_at(before);
        let (start, end) = (
            csv_text::record_start(data, usize::try_from(before).unwrap_or(usize::MAX)),
            rdr.position().byte(),
        );
        if let Some(q) = open_quote.filter(|q| q.offset >= start && (q.offset as u64) < end) {
            // The rest of the file is this one row; nothing after it can be read.
            errors.push(unclosed(q, name_of(q.field)));
            break;
        }
        match read {
            Ok(false) => break,
            Ok(true) => {
                if rec.iter().all(str::is_empty) {
                    continue;
                }
                if rec.len() != header.len() {
                    errors.push(err(
                        line,
                        None,
                        format!("has {} fields, the header has {}", rec.len(), header.len()),
                    ));
                    continue;
                }
                let before = errors.count();
                for (i, cell) in rec.iter().enumerate() {
                    if let Some(m) = csv_text::forbidden_char(cell, free[i]) {
                        errors.push(err(line, name_of(i), m));
                    }
                }
                if errors.count() > before {
                    continue;
                }
                rows.push((line, rec.clone()));
            }
            Err(e) => {
                let column = match e.kind() {
                    csv::ErrorKind::Utf8 { err, .. } => name_of(err.field()),
                    _ => None,
                };
                errors.push(err(line, column, unreadable(&e)));
            }
        }
    }
    Ok((
        Table {
            file: file.to_owned(),
            columns,
            rows,
        },
        errors,
    ))
}

/// A record the `csv` crate could not read, said without its own (wrong)
/// line numbers.
fn unreadable(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "is not UTF-8 text; save the file as UTF-8".into(),
        _ => format!("unreadable row: {e}"),
    }
}

/// Typed access to the cells of one row, collecting every error.
pub(crate) struct Cells<'a> {
    table: &'a Table,
    line: u64,
    rec: &'a csv::StringRecord,
    errors: &'a mut Problems,
}

impl Cells<'_> {
    pub(crate) fn fail(&mut self, column: &str, message: impl Into<String>) {
        self.errors.push(RowError {
            file: self.table.file.clone(),
            line: self.line,
            column: Some(column.to_owned()),
            message: message.into(),
        });
    }

    pub(crate) fn opt(&self, column: &str) -> Option<&str> {
        self.table
            .columns
            .get(column)
            .and_then(|i| self.rec.get(*i))
            .filter(|s| !s.is_empty())
    }

    pub(crate) fn req(&mut self, column: &str) -> Option<String> {
        let v = self.opt(column).map(str::to_owned);
        if v.is_none() {
            self.fail(column, "is required");
        }
        v
    }

    fn decimal(&mut self, column: &str) -> Option<Decimal> {
        let text = self.opt(column)?.to_owned();
        match units::parse_decimal(&text, column) {
            Ok(d) => Some(d),
            Err(e) => {
                self.fail(column, message_of(e));
                None
            }
        }
    }

    fn req_decimal(&mut self, column: &str) -> Option<Decimal> {
        if self.opt(column).is_none() {
            self.fail(column, "is required");
            return None;
        }
        self.decimal(column)
    }

    /// Checks a parsed length or angle against its limits, reporting the cell.
    fn in_range(
        &mut self,
        column: &str,
        unit: &str,
        v: Option<Decimal>,
        (lo, hi): (Decimal, Decimal),
    ) -> Option<Decimal> {
        let v = v?;
        match units::to_milli(v, column, unit, lo, hi) {
            Ok(_) => Some(v),
            Err(e) => {
                self.fail(column, message_of(e));
                None
            }
        }
    }

    pub(crate) fn int(&mut self, column: &str, lo: i32, hi: i32) -> Option<i32> {
        let text = self.opt(column)?.to_owned();
        match text.parse::<i32>() {
            Ok(n) if (lo..=hi).contains(&n) => Some(n),
            Ok(n) => {
                self.fail(column, format!("must be {lo}–{hi}, got {n}"));
                None
            }
            Err(_) => {
                self.fail(column, format!("`{text}` is not a whole number"));
                None
            }
        }
    }

    /// A required whole number in one of the ranges of [`crate::quantity`],
    /// refused with the same message as the API's.
    pub(crate) fn quantity(&mut self, column: &str, range: crate::quantity::Range) -> Option<i64> {
        let text = self.req(column)?.to_owned();
        match text.parse::<i64>() {
            Ok(n) if (range.min..=range.max).contains(&n) => Some(n),
            Ok(n) => {
                self.fail(column, range.message(n));
                None
            }
            Err(_) => {
                self.fail(column, format!("`{text}` is not a whole number"));
                None
            }
        }
    }

    fn boolean(&mut self, column: &str) -> Option<bool> {
        let text = self.req(column)?;
        match text.to_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => Some(true),
            "false" | "no" | "n" | "0" => Some(false),
            _ => {
                self.fail(column, format!("`{text}` is not true or false"));
                None
            }
        }
    }

    fn enumeration<E>(&mut self, column: &str, default: Option<E>) -> Option<E>
    where
        E: ActiveEnum<Value = String> + Iterable,
    {
        let Some(text) = self.opt(column).map(str::to_owned) else {
            if default.is_none() {
                self.fail(column, "is required");
            }
            return default;
        };
        match parse_enum::<E>(&text) {
            Ok(v) => Some(v),
            Err(m) => {
                self.fail(column, m);
                None
            }
        }
    }
}

pub(crate) fn message_of(e: AppError) -> String {
    match e {
        AppError::BadInput { message, .. } => message,
        other => other.to_string(),
    }
}

/// Parses an enum from its stored name, forgiving case, spaces and dashes.
pub fn parse_enum<E>(text: &str) -> Result<E, String>
where
    E: ActiveEnum<Value = String> + Iterable,
{
    let want = text.trim().to_uppercase().replace([' ', '-'], "_");
    E::iter().find(|e| e.to_value() == want).ok_or_else(|| {
        format!(
            "`{}` is not one of {}",
            text.trim(),
            E::iter()
                .map(|e| e.to_value())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// Runs `f` over each row with typed cell access; returns the rows `f`
/// produced a record for, adding every bad cell's error to `errors`.
pub(crate) fn parse_rows<T>(
    table: &Table,
    errors: &mut Problems,
    mut f: impl FnMut(&mut Cells<'_>) -> Option<T>,
) -> Vec<(u64, T)> {
    let mut out = Vec::with_capacity(table.rows.len());
    for (line, rec) in &table.rows {
        let before = errors.count();
        let mut cells = Cells {
            table,
            line: *line,
            rec,
            errors,
        };
        let v = f(&mut cells);
        if errors.count() == before
            && let Some(v) = v
        {
            out.push((*line, v));
        }
    }
    out
}

/// Reports a second row with the same natural key; returns the lines so reported.
pub(crate) fn check_unique<K: std::hash::Hash + Eq + Clone>(
    table: &Table,
    rows: impl Iterator<Item = (u64, K)>,
    column: &str,
    errors: &mut Problems,
) -> HashSet<u64> {
    let mut seen: HashMap<K, u64> = HashMap::new();
    let mut duplicates = HashSet::new();
    for (line, key) in rows {
        if let Some(first) = seen.get(&key) {
            errors.push(RowError {
                file: table.file.clone(),
                line,
                column: Some(column.to_owned()),
                message: format!("duplicate of line {first}"),
            });
            duplicates.insert(line);
        } else {
            seen.insert(key, line);
        }
    }
    duplicates
}

/// Ends an import that found any problem, before anything is written.
pub(crate) fn fail_if_any(errors: Problems) -> Result<(), ImportError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ImportError::Rows(errors.into_errors()))
    }
}

struct SystemRow {
    manufacturer: String,
    system: String,
    connection: ConnectionType,
    notes: Option<String>,
}

async fn import_systems(
    db: &impl ConnectionTrait,
    table: &Table,
    mut errors: Problems,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let rows = parse_rows(table, &mut errors, |c| {
        let manufacturer = c.req("manufacturer");
        let system = c.req("system");
        let connection = c.enumeration::<ConnectionType>("connection", None);
        let notes = c.opt("notes").map(str::to_owned);
        Some(SystemRow {
            manufacturer: manufacturer?,
            system: system?,
            connection: connection?,
            notes,
        })
    });
    check_unique(
        table,
        rows.iter()
            .map(|(l, r)| (*l, (name_key(&r.manufacturer), name_key(&r.system)))),
        "system",
        &mut errors,
    );
    fail_if_any(errors)?;

    let now = Utc::now();
    let mut makers: HashMap<String, manufacturer::Model> = manufacturer::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.name_key.clone(), m))
        .collect();
    let existing: HashMap<(i64, String), implant_system::Model> = implant_system::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| ((s.manufacturer_id, s.name_key.clone()), s))
        .collect();
    for (_, r) in rows {
        let mkey = name_key(&r.manufacturer);
        let maker = match makers.get(&mkey) {
            Some(m) => m.clone(),
            None => {
                let m = manufacturer::ActiveModel {
                    name: Set(r.manufacturer.trim().to_owned()),
                    name_key: Set(mkey.clone()),
                    country: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(db)
                .await?;
                makers.insert(mkey, m.clone());
                m
            }
        };
        let skey = name_key(&r.system);
        let name = r.system.trim().to_owned();
        match existing.get(&(maker.id, skey.clone())) {
            Some(s) if s.name == name && s.connection == r.connection && s.notes == r.notes => {
                report.unchanged += 1
            }
            Some(s) => {
                let mut am: implant_system::ActiveModel = s.clone().into();
                am.name = Set(name);
                am.connection = Set(r.connection);
                am.notes = Set(r.notes);
                am.updated_at = Set(now);
                am.update(db).await?;
                report.updated += 1;
            }
            None => {
                implant_system::ActiveModel {
                    manufacturer_id: Set(maker.id),
                    name: Set(name),
                    name_key: Set(skey),
                    connection: Set(r.connection),
                    notes: Set(r.notes),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(db)
                .await?;
                report.created += 1;
            }
        }
    }
    Ok(())
}

/// Systems by (manufacturer key, system key), for resolving references.
async fn system_index(
    db: &impl ConnectionTrait,
) -> Result<HashMap<(String, String), implant_system::Model>, DbErr> {
    let makers: HashMap<i64, String> = manufacturer::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m.name_key))
        .collect();
    Ok(implant_system::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|s| {
            makers
                .get(&s.manufacturer_id)
                .map(|mk| ((mk.clone(), s.name_key.clone()), s))
        })
        .collect())
}

struct PlatformRow {
    manufacturer: String,
    system: String,
    platform: String,
    diameter_um: i32,
    index_positions: Option<i32>,
}

async fn import_platforms(
    db: &impl ConnectionTrait,
    table: &Table,
    mut errors: Problems,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let (lo, hi) = units::limits::diameter();
    let rows = parse_rows(table, &mut errors, |c| {
        let manufacturer = c.req("manufacturer");
        let system = c.req("system");
        let platform = c.req("platform");
        let diameter = c.req_decimal("diameter_mm").and_then(|d| {
            units::to_milli(d, "diameter_mm", "mm", lo, hi)
                .map_err(|e| c.fail("diameter_mm", message_of(e)))
                .ok()
        });
        let index_positions = c.int("index_positions", 1, 12);
        Some(PlatformRow {
            manufacturer: manufacturer?,
            system: system?,
            platform: platform?,
            diameter_um: diameter?,
            index_positions,
        })
    });
    let systems = system_index(db).await?;
    check_unique(
        table,
        rows.iter().map(|(l, r)| {
            (
                *l,
                (
                    name_key(&r.manufacturer),
                    name_key(&r.system),
                    name_key(&r.platform),
                ),
            )
        }),
        "platform",
        &mut errors,
    );
    let mut resolved = Vec::with_capacity(rows.len());
    for (line, r) in rows {
        match systems.get(&(name_key(&r.manufacturer), name_key(&r.system))) {
            Some(s) => resolved.push((s.id, r)),
            None => errors.push(RowError {
                file: table.file.clone(),
                line,
                column: Some("system".into()),
                message: format!(
                    "unknown implant system `{}` of `{}`; import it in systems.csv first",
                    r.system, r.manufacturer
                ),
            }),
        }
    }
    fail_if_any(errors)?;

    let now = Utc::now();
    let existing: HashMap<(i64, String), platform::Model> = platform::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| ((p.system_id, p.name_key.clone()), p))
        .collect();
    for (system_id, r) in resolved {
        let key = name_key(&r.platform);
        let name = r.platform.trim().to_owned();
        match existing.get(&(system_id, key.clone())) {
            Some(p)
                if p.name == name
                    && p.diameter_um == r.diameter_um
                    && p.index_positions == r.index_positions =>
            {
                report.unchanged += 1
            }
            Some(p) => {
                let mut am: platform::ActiveModel = p.clone().into();
                am.name = Set(name);
                am.diameter_um = Set(r.diameter_um);
                am.index_positions = Set(r.index_positions);
                am.updated_at = Set(now);
                am.update(db).await?;
                report.updated += 1;
            }
            None => {
                platform::ActiveModel {
                    system_id: Set(system_id),
                    name: Set(name),
                    name_key: Set(key),
                    diameter_um: Set(r.diameter_um),
                    index_positions: Set(r.index_positions),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(db)
                .await?;
                report.created += 1;
            }
        }
    }
    Ok(())
}

/// The CSV column behind a SKU input field, for error messages.
fn sku_column(field: &str) -> &'static str {
    match field {
        "articleNumber" => "article_number",
        "gtin" => "gtin",
        "name" => "name",
        "gingivalHeight" => "gingival_height_mm",
        "angulation" => "angulation_deg",
        "postHeight" => "post_height_mm",
        "diameter" => "diameter_mm",
        "shelfLifeMonths" => "shelf_life_months",
        _ => "row",
    }
}

/// Rows inserted per statement: well under both stores' bind-parameter limits.
const BATCH: usize = 500;

async fn import_skus(
    db: &impl ConnectionTrait,
    table: &Table,
    mut errors: Problems,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let mut values: Vec<(u64, SkuValues)> = Vec::with_capacity(table.rows.len());
    let parsed = parse_rows(table, &mut errors, |c| {
        let article_number = c.req("article_number");
        let gtin = c.req("gtin");
        let name = c.req("name");
        let abutment_type = c.enumeration("type", None);
        let material = c.enumeration("material", None);
        // Range checks here too, so a row with several bad cells reports them all.
        let gingival = c.req_decimal("gingival_height_mm");
        let gingival = c.in_range(
            "gingival_height_mm",
            "mm",
            gingival,
            units::limits::gingival(),
        );
        let angulation = c.req_decimal("angulation_deg");
        let angulation = c.in_range(
            "angulation_deg",
            "°",
            angulation,
            units::limits::angulation(),
        );
        let post = c.decimal("post_height_mm");
        let post = c.in_range("post_height_mm", "mm", post, units::limits::post_height());
        let diameter = c.decimal("diameter_mm");
        let diameter = c.in_range("diameter_mm", "mm", diameter, units::limits::diameter());
        if let Some(g) = c.opt("gtin").map(str::to_owned)
            && let Err(m) = super::gtin::normalize(&g)
        {
            c.fail("gtin", m);
        }
        let engaging = c.boolean("engaging");
        let sterile = c.boolean("sterile");
        let shelf = c.int("shelf_life_months", i32::MIN, i32::MAX);
        let status = c.enumeration("status", Some(entity::enums::SkuStatus::Active));
        Some(SkuInput {
            article_number: article_number?,
            gtin: gtin?,
            name: name?,
            abutment_type: abutment_type?,
            material: material?,
            gingival_height_mm: gingival?,
            angulation_deg: angulation?,
            post_height_mm: post,
            diameter_mm: diameter,
            engaging: engaging?,
            sterile: sterile?,
            shelf_life_months: shelf,
            status: status?,
        })
    });
    for (line, input) in parsed {
        match input.validate("") {
            Ok(v) => values.push((line, v)),
            Err(errs) => errors.extend(errs.into_iter().map(|e| RowError {
                file: table.file.clone(),
                line,
                column: e.field().map(|f| sku_column(f).to_owned()),
                message: message_of(e),
            })),
        }
    }
    check_unique(
        table,
        values.iter().map(|(l, v)| (*l, v.article_number.clone())),
        "article_number",
        &mut errors,
    );
    check_unique(
        table,
        values.iter().map(|(l, v)| (*l, v.gtin.clone())),
        "gtin",
        &mut errors,
    );

    let existing: HashMap<String, abutment_sku::Model> = abutment_sku::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.article_number.clone(), m))
        .collect();
    let gtin_owner: HashMap<&str, &str> = existing
        .values()
        .map(|m| (m.gtin.as_str(), m.article_number.as_str()))
        .collect();
    for (line, v) in &values {
        if let Some(owner) = gtin_owner.get(v.gtin.as_str())
            && *owner != v.article_number
        {
            errors.push(RowError {
                file: table.file.clone(),
                line: *line,
                column: Some("gtin".into()),
                message: format!("GTIN {} already belongs to SKU {owner}", v.gtin),
            });
        }
    }
    fail_if_any(errors)?;

    let mut new_rows = Vec::new();
    for (_, v) in values {
        match existing.get(&v.article_number) {
            Some(m) if v.same_as(m) => report.unchanged += 1,
            Some(m) => {
                let mut am: abutment_sku::ActiveModel = m.clone().into();
                v.apply(&mut am);
                let m = am.update(db).await?;
                super::service::sync_fit_keys(db, &m).await?;
                report.updated += 1;
            }
            None => {
                new_rows.push(v.into_new());
                report.created += 1;
            }
        }
    }
    insert_batched::<abutment_sku::Entity, _>(db, new_rows).await?;
    Ok(())
}

/// Inserts rows in batches of [`BATCH`].
pub(crate) async fn insert_batched<E, A>(
    db: &impl ConnectionTrait,
    rows: Vec<A>,
) -> Result<(), DbErr>
where
    E: EntityTrait,
    A: ActiveModelTrait<Entity = E>,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(BATCH).collect();
        E::insert_many(chunk).exec(db).await?;
    }
    Ok(())
}

struct CompatRow {
    sku: abutment_sku::Model,
    sku_id: i64,
    platform_id: i64,
    source: String,
    notes: Option<String>,
}

async fn import_compatibility(
    db: &impl ConnectionTrait,
    table: &Table,
    mut errors: Problems,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    type Raw = (String, String, String, String, String, Option<String>);
    let rows: Vec<(u64, Raw)> = parse_rows(table, &mut errors, |c| {
        let a = c.req("article_number");
        let m = c.req("manufacturer");
        let s = c.req("system");
        let p = c.req("platform");
        let src = c.req("source");
        let notes = c.opt("notes").map(str::to_owned);
        Some((a?, m?, s?, p?, src?.to_uppercase(), notes))
    });
    let skus: HashMap<String, abutment_sku::Model> = abutment_sku::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.article_number.clone(), m))
        .collect();
    let systems = system_index(db).await?;
    let platforms: HashMap<(i64, String), i64> = platform::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| ((p.system_id, p.name_key), p.id))
        .collect();
    let mut resolved = Vec::with_capacity(rows.len());
    let fail = |errors: &mut Problems, line, column: &str, message: String| {
        errors.push(RowError {
            file: table.file.clone(),
            line,
            column: Some(column.to_owned()),
            message,
        })
    };
    for (line, (a, m, s, p, source, notes)) in rows {
        let sku = skus.get(&a).cloned();
        if sku.is_none() {
            fail(
                &mut errors,
                line,
                "article_number",
                format!("unknown SKU `{a}`; import it in skus.csv first"),
            );
        }
        let platform = match systems.get(&(name_key(&m), name_key(&s))) {
            None => {
                fail(
                    &mut errors,
                    line,
                    "system",
                    format!("unknown implant system `{s}` of `{m}`"),
                );
                None
            }
            Some(sys) => {
                let pid = platforms.get(&(sys.id, name_key(&p))).copied();
                if pid.is_none() {
                    fail(
                        &mut errors,
                        line,
                        "platform",
                        format!("unknown platform `{p}` of {}", sys.name),
                    );
                }
                pid
            }
        };
        if let (Some(sku), Some(platform_id)) = (sku, platform) {
            resolved.push((
                line,
                CompatRow {
                    sku_id: sku.id,
                    sku,
                    platform_id,
                    source,
                    notes,
                },
            ));
        }
    }
    check_unique(
        table,
        resolved
            .iter()
            .map(|(l, r)| (*l, (r.sku_id, r.platform_id))),
        "platform",
        &mut errors,
    );
    fail_if_any(errors)?;

    let wanted: HashSet<i64> = resolved.iter().map(|(_, r)| r.sku_id).collect();
    let existing: HashMap<(i64, i64), sku_platform::Model> = if wanted.is_empty() {
        HashMap::new()
    } else {
        sku_platform::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .filter(|f| wanted.contains(&f.sku_id))
            .map(|f| ((f.sku_id, f.platform_id), f))
            .collect()
    };
    let now = Utc::now();
    let mut new_rows = Vec::new();
    for (_, r) in resolved {
        match existing.get(&(r.sku_id, r.platform_id)) {
            Some(f) if f.source == r.source && f.notes == r.notes => report.unchanged += 1,
            Some(f) => {
                let mut am: sku_platform::ActiveModel = f.clone().into();
                am.source = Set(r.source);
                am.notes = Set(r.notes);
                am.updated_at = Set(now);
                am.update(db).await?;
                report.updated += 1;
            }
            None => {
                let mut am = sku_platform::ActiveModel {
                    sku_id: Set(r.sku_id),
                    platform_id: Set(r.platform_id),
                    source: Set(r.source),
                    notes: Set(r.notes),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                };
                super::service::set_fit_keys(&mut am, &r.sku);
                new_rows.push(am);
                report.created += 1;
            }
        }
    }
    insert_batched::<sku_platform::Entity, _>(db, new_rows).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_parse_forgivingly_and_name_the_choices() {
        assert_eq!(
            parse_enum::<ConnectionType>("internal hex").unwrap(),
            ConnectionType::InternalHex
        );
        let e = parse_enum::<ConnectionType>("hexagon").unwrap_err();
        assert!(e.contains("INTERNAL_HEX"), "{e}");
    }

    #[test]
    fn a_header_with_unknown_and_missing_columns_reports_both() {
        let Err(ImportError::Rows(errs)) = read_table(
            ImportKind::Systems,
            "systems.csv",
            b"manufacturer,sistem,connection\n",
        ) else {
            panic!("expected header errors");
        };
        let text: Vec<String> = errs.listed.iter().map(ToString::to_string).collect();
        assert!(
            text.iter()
                .any(|t| t.contains("column sistem: unknown column")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("column system: required column")),
            "{text:?}"
        );
    }

    #[test]
    fn row_errors_read_as_file_line_column_reason() {
        let e = RowError {
            file: "skus.csv".into(),
            line: 42,
            column: Some("gtin".into()),
            message: "check digit should be 3".into(),
        };
        assert_eq!(
            e.to_string(),
            "skus.csv line 42, column gtin: check digit should be 3"
        );
    }
}
