//! What the product issues and accepts: single values checked as a label would carry them, the bracketed form, UDIs, the sliding window.

use super::*;

/// Checks one value against the table entry of `ai`, as if it had been
/// scanned (positions are 0-based offsets into `value`). This is the rule
/// for anything the ERP writes into a GS1 code, e.g. a lot number (AI 10).
///
/// # Errors
///
/// What [`parse`] would say about that element; an AI not in the table.
pub fn check_value(ai: &str, value: &str) -> Result<(), Gs1Error> {
    let Some(def) = table::lookup(ai) else {
        return Err(ai_error(0, ai, "not in the GS1 AI table"));
    };
    let value: Vec<char> = value.chars().collect();
    let f = Field {
        code: ai.to_string(),
        code_pos: 0,
        pos: (0..value.len()).collect(),
        end: value.len(),
        value,
    };
    check_field(def, &f, chrono::Utc::now().year()).map(|_| ())
}

/// Writes a value in the bracketed form: a `(` that would read as the start
/// of an element (`(` 2–4 digits `)`) is written `\(`.
#[must_use]
pub fn bracketed_value(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let mut out = String::with_capacity(value.len());
    for (i, &c) in chars.iter().enumerate() {
        if starts_element(&chars, i) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The UDI the ERP issues for a lot, in bracketed (human-readable) form:
/// `(01)GTIN(10)LOT` and `(17)YYMMDD` when the lot expires. [`parse`] reads
/// it back to the same GTIN, lot and expiry, for every lot number
/// [`check_value`] accepts for AI 10 and an expiry within the sliding
/// window (at most 50 years ahead).
#[must_use]
pub fn udi(gtin: &str, lot: &str, expiry: Option<NaiveDate>) -> String {
    format!(
        "(01){gtin}(10){}{}",
        bracketed_value(lot),
        expiry
            .map(|e| format!("(17){}", e.format("%y%m%d")))
            .unwrap_or_default()
    )
}

/// Whether `date` can be written as `YYMMDD` and read back by the sliding
/// window in `current_year`: from 49 years back to 50 years ahead.
#[must_use]
pub fn fits_sliding_window(date: NaiveDate, current_year: i32) -> bool {
    (current_year - 49..=current_year + 50).contains(&date.year())
}
