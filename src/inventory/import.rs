//! CSV import of finished stock (opening stock and receipts), with the rules
//! of every importer: header checked, cells typed, all rows or none, every
//! bad row reported with line and column, dry run. Each row is a receipt
//! through the same service function as the `receiveFinishedLot` mutation,
//! so the lot lands in quarantine in a RECEIVING location.

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;

use super::{Actor, service};
use crate::csv_import::{
    Cells, ImportError, ImportReport, Problems, RowError, Table, check_unique, fail_if_any,
    message_of, parse_rows,
};

fn date(c: &mut Cells<'_>, column: &str, required: bool) -> Option<NaiveDate> {
    let Some(text) = c.opt(column).map(str::to_owned) else {
        if required {
            c.fail(column, "is required");
        }
        return None;
    };
    match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            c.fail(column, format!("`{text}` is not a date (YYYY-MM-DD)"));
            None
        }
    }
}

/// The CSV column behind a receipt's field.
fn column_of(field: Option<&str>) -> Option<String> {
    let c = match field? {
        "articleNumber" => "article_number",
        "lotNumber" => "lot_number",
        "quantity" => "quantity",
        "location" => "location",
        "productionDate" => "production_date",
        "expiryDate" => "expiry_date",
        other => other,
    };
    Some(c.to_owned())
}

pub(crate) async fn stock(
    db: &impl ConnectionTrait,
    actor: &Actor,
    table: &Table,
    mut errors: Problems,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let rows = parse_rows(table, &mut errors, |c| {
        let article_number = c.req("article_number");
        let lot_number = c.req("lot_number");
        let quantity = c.quantity("quantity", crate::quantity::STOCK);
        let location = c.req("location");
        let production_date = date(c, "production_date", true);
        let expiry_date = date(c, "expiry_date", false);
        let reference = c.opt("reference").unwrap_or("CSV import").to_owned();
        Some(service::ReceiveFinished {
            article_number: article_number?,
            lot_number: lot_number?,
            quantity: quantity?,
            location: location?,
            production_date: production_date?,
            expiry_date,
            reference,
        })
    });
    let duplicates = check_unique(
        table,
        rows.iter()
            .map(|(l, r)| (*l, (r.article_number.clone(), r.lot_number.clone()))),
        "lot_number",
        &mut errors,
    );
    // Each receipt checks the row's references (SKU, location, lot number)
    // against the database; rows are received even when other lines are bad,
    // so that every bad line is found, and the caller rolls them back.
    for (line, r) in rows {
        if duplicates.contains(&line) {
            continue;
        }
        match service::receive_finished(db, actor, &r).await {
            Ok(_) => report.created += 1,
            Err(crate::error::AppError::Db(e)) => return Err(ImportError::Db(e)),
            Err(e) => errors.push(RowError {
                file: table.file.clone(),
                line,
                column: column_of(e.field()),
                message: message_of(e),
            }),
        }
    }
    fail_if_any(errors)
}
