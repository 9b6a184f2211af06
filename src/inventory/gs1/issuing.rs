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

/// What a UDI label carries, in the order printed: `(01)` GTIN, `(17)`
/// expiry when the lot expires, `(10)` lot, `(21)` serial for a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelData {
    /// The element string as a GS1 DataMatrix encodes it after its leading
    /// FNC1: fixed-length elements first, a group separator (GS, U+001D)
    /// after the lot when a serial follows it.
    pub raw: String,
    /// The human-readable interpretation, one `(AI)value` per element.
    pub lines: Vec<String>,
}

/// The label of a lot, or of one unit of it with `serial`. Each value is
/// checked as [`check_value`] would read it from a label.
///
/// # Errors
///
/// The first value a label could not carry, with its AI.
pub fn label_data(
    gtin: &str,
    lot: &str,
    expiry: Option<NaiveDate>,
    serial: Option<&str>,
) -> Result<LabelData, Gs1Error> {
    let expiry = expiry.map(|e| e.format("%y%m%d").to_string());
    let mut elements: Vec<(&str, &str)> = vec![("01", gtin)];
    if let Some(e) = &expiry {
        elements.push(("17", e));
    }
    elements.push(("10", lot));
    if let Some(s) = serial {
        elements.push(("21", s));
    }
    let mut raw = String::new();
    let mut lines = Vec::with_capacity(elements.len());
    for (i, (ai, value)) in elements.iter().enumerate() {
        check_value(ai, value)?;
        if i > 0 && table::predefined_length(elements[i - 1].0).is_none() {
            raw.push('\u{1d}');
        }
        raw.push_str(ai);
        raw.push_str(value);
        lines.push(format!("({ai}){value}"));
    }
    Ok(LabelData { raw, lines })
}

#[cfg(test)]
mod label_tests {
    use super::*;

    #[test]
    fn a_unit_label_reads_back_to_its_gtin_expiry_lot_and_serial_with_a_separator_after_the_lot() {
        let expiry = NaiveDate::from_ymd_opt(2031, 5, 31);
        let l = label_data("07612345000121", "JOB-000042", expiry, Some("0007")).unwrap();
        assert_eq!(l.raw, "01076123450001211731053110JOB-000042\u{1d}210007");
        assert_eq!(
            l.lines,
            [
                "(01)07612345000121",
                "(17)310531",
                "(10)JOB-000042",
                "(21)0007"
            ]
        );
        let s = parse(&l.raw).unwrap();
        assert_eq!(s.gtin.as_deref(), Some("07612345000121"));
        assert_eq!(s.lot.as_deref(), Some("JOB-000042"));
        assert_eq!(s.serial.as_deref(), Some("0007"));
        assert_eq!(s.expiry_date, expiry);
        // A lot without expiry or serial: no separator at all.
        assert_eq!(
            label_data("07612345000121", "L1", None, None).unwrap().raw,
            "010761234500012110L1"
        );
        // A value a label cannot carry is refused, naming its AI.
        assert!(label_data("07612345000121", "L 1", None, None).is_err());
    }
}
