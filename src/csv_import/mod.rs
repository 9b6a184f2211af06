//! The CSV import framework every importer of the project uses.
//!
//! The rules: the header is checked; each cell is parsed to its type; rows
//! are upserted by their natural key, so importing the same file again
//! changes nothing; the whole file is one transaction, all rows or none;
//! `dry_run` checks and reports without writing; and every bad line is
//! reported in one pass (not only the first) with file, line, column and
//! reason: `skus.csv line 42, column gtin: check digit should be 3` — at most
//! [`MAX_LISTED_ERRORS`] of them, the rest counted. Lines are physical lines
//! of the file (see [`text`]); a quote left open, bytes that are not UTF-8
//! and control characters in a cell are refused here, once, for every
//! importer.
//!
//! This module sits below the domains: the importers of each domain use it,
//! and the dispatcher `import` (above them) hands a file to its importer.

pub(crate) mod text;

use std::collections::{HashMap, HashSet};

use sea_orm::{ActiveEnum, ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Iterable};

use rust_decimal::Decimal;

use crate::{catalog::units, error::AppError};

/// The columns of one kind of file.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// The conventional file name (used in error messages).
    pub file_name: &'static str,
    /// Columns the header must have.
    pub required: &'static [&'static str],
    /// Columns the header may leave out.
    pub optional: &'static [&'static str],
    /// Free-text columns: the only ones whose cells may hold tabs and line
    /// breaks (quoted). Every other cell is one line of printable text.
    pub free_text: &'static [&'static str],
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
pub(crate) fn read_table(
    layout: &Layout,
    file: &str,
    data: &[u8],
) -> Result<(Table, Problems), ImportError> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let src = Source {
        file,
        data,
        lines: text::LineIndex::new(data),
        open_quote: text::open_quote(data),
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(data);
    let mut header = csv::StringRecord::new();
    if let Err(e) = rdr.read_record(&mut header) {
        let line = src.line_at(e.position().map_or(0, |p| p.byte()));
        return Err(fail(src.err(line, None, unreadable(&e))));
    }
    if let Some(q) = src
        .open_quote
        .filter(|q| (q.offset as u64) < rdr.position().byte())
    {
        return Err(fail(src.unclosed(q, None)));
    }
    let (columns, names) = src.header(layout, &header)?;
    let (rows, errors) = src.rows(layout, &mut rdr, &names);
    Ok((
        Table {
            file: file.to_owned(),
            columns,
            rows,
        },
        errors,
    ))
}

/// An import error of one problem.
fn fail(e: RowError) -> ImportError {
    let mut p = Problems::default();
    p.push(e);
    ImportError::Rows(p.into_errors())
}

/// The text of a CSV file being read, for finding lines and naming
/// problems.
struct Source<'a> {
    file: &'a str,
    data: &'a [u8],
    lines: text::LineIndex,
    /// A quote the file leaves open, if any.
    open_quote: Option<text::OpenQuote>,
}

impl Source<'_> {
    /// The physical line of a record the `csv` crate reports at `reported`.
    fn line_at(&self, reported: u64) -> u64 {
        self.lines.line_of(text::record_start(
            self.data,
            usize::try_from(reported).unwrap_or(usize::MAX),
        ))
    }

    fn err(&self, line: u64, column: Option<&str>, message: String) -> RowError {
        RowError {
            file: self.file.to_owned(),
            line,
            column: column.map(str::to_owned),
            message,
        }
    }

    /// The problem of a quote left open: the lines it would swallow.
    fn unclosed(&self, q: text::OpenQuote, column: Option<&str>) -> RowError {
        let last = self
            .data
            .iter()
            .rposition(|b| !matches!(b, b'\r' | b'\n'))
            .unwrap_or(q.offset);
        let (from, to) = (self.lines.line_of(q.offset), self.lines.line_of(last));
        let swallowed = if to > from {
            format!(", so lines {from}–{to} would all be read into this one cell")
        } else {
            String::new()
        };
        self.err(
            from,
            column,
            format!(
                "the quote that opens this cell is never closed{swallowed}; add the closing `\"`"
            ),
        )
    }

    /// Checks the header against the layout: each column known and once,
    /// every required one there. Returns the columns' positions and every
    /// header cell's name (lowercased; its number where the cell is
    /// unsound), or every header problem.
    fn header(
        &self,
        layout: &Layout,
        header: &csv::StringRecord,
    ) -> Result<(HashMap<&'static str, usize>, Vec<String>), ImportError> {
        let line = self.line_at(header.position().map_or(0, |p| p.byte()));
        let (required, optional) = (layout.required, layout.optional);
        let mut errors = Problems::default();
        let mut columns = HashMap::new();
        let mut names = Vec::with_capacity(header.len());
        for (i, h) in header.iter().enumerate() {
            let h = h.to_lowercase();
            if let Some(m) = text::forbidden_char(&h, false) {
                errors.push(self.err(line, None, format!("header cell {} {m}", i + 1)));
                names.push(format!("{}", i + 1));
                continue;
            }
            match required.iter().chain(optional).find(|c| **c == h) {
                Some(c) if columns.contains_key(c) => {
                    errors.push(self.err(line, Some(c), "column appears twice".into()))
                }
                Some(c) => {
                    columns.insert(*c, i);
                }
                None => errors.push(self.err(
                    line,
                    Some(&h),
                    format!(
                        "unknown column; {} expects {}",
                        layout.file_name,
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
                errors.push(self.err(
                    line,
                    Some(c),
                    "required column is missing from the header".into(),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(ImportError::Rows(errors.into_errors()));
        }
        Ok((columns, names))
    }

    /// Reads the data rows after the header: the sound ones with their
    /// lines, and the problems of the others. Blank rows are skipped; an
    /// unclosed quote ends the reading (the rest of the file is its cell).
    fn rows(
        &self,
        layout: &Layout,
        rdr: &mut csv::Reader<&[u8]>,
        names: &[String],
    ) -> (Vec<(u64, csv::StringRecord)>, Problems) {
        let free: Vec<bool> = names
            .iter()
            .map(|n| layout.free_text.contains(&n.as_str()))
            .collect();
        let name_of = |i: usize| names.get(i).map(String::as_str);
        let mut errors = Problems::default();
        let mut rows = Vec::new();
        let mut rec = csv::StringRecord::new();
        loop {
            let before = rdr.position().byte();
            let read = rdr.read_record(&mut rec);
            let line = self.line_at(before);
            let (start, end) = (
                text::record_start(self.data, usize::try_from(before).unwrap_or(usize::MAX)),
                rdr.position().byte(),
            );
            if let Some(q) = self
                .open_quote
                .filter(|q| q.offset >= start && (q.offset as u64) < end)
            {
                // The rest of the file is this one row; nothing after it can be read.
                errors.push(self.unclosed(q, name_of(q.field)));
                break;
            }
            match read {
                Ok(false) => break,
                Ok(true) if rec.iter().all(str::is_empty) => {}
                Ok(true) if rec.len() != names.len() => errors.push(self.err(
                    line,
                    None,
                    format!("has {} fields, the header has {}", rec.len(), names.len()),
                )),
                Ok(true) => {
                    let before = errors.count();
                    for (i, cell) in rec.iter().enumerate() {
                        if let Some(m) = text::forbidden_char(cell, free[i]) {
                            errors.push(self.err(line, name_of(i), m));
                        }
                    }
                    if errors.count() == before {
                        rows.push((line, rec.clone()));
                    }
                }
                Err(e) => {
                    let column = match e.kind() {
                        csv::ErrorKind::Utf8 { err, .. } => name_of(err.field()),
                        _ => None,
                    };
                    errors.push(self.err(line, column, unreadable(&e)));
                }
            }
        }
        (rows, errors)
    }
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

    pub(crate) fn decimal(&mut self, column: &str) -> Option<Decimal> {
        let text = self.opt(column)?.to_owned();
        match units::parse_decimal(&text, column) {
            Ok(d) => Some(d),
            Err(e) => {
                self.fail(column, message_of(e));
                None
            }
        }
    }

    pub(crate) fn req_decimal(&mut self, column: &str) -> Option<Decimal> {
        if self.opt(column).is_none() {
            self.fail(column, "is required");
            return None;
        }
        self.decimal(column)
    }

    /// Checks a parsed length or angle against its limits, reporting the cell.
    pub(crate) fn in_range(
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

    pub(crate) fn boolean(&mut self, column: &str) -> Option<bool> {
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

    pub(crate) fn enumeration<E>(&mut self, column: &str, default: Option<E>) -> Option<E>
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
    e.reason()
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

/// Rows inserted per statement: well under both stores' bind-parameter limits.
pub const BATCH: usize = 500;

/// Inserts rows in batches of [`BATCH`].
pub async fn insert_batched<E, A>(db: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), DbErr>
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

#[cfg(test)]
mod tests {
    use super::*;
    use entity::enums::ConnectionType;

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
            &Layout {
                file_name: "systems.csv",
                required: &["manufacturer", "system", "connection"],
                optional: &["notes"],
                free_text: &["notes"],
            },
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
