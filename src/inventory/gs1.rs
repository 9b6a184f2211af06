//! Parsing of GS1 element strings as sent by warehouse barcode scanners.
//!
//! A scan of a GS1 DataMatrix, GS1-128 or GS1 QR Code label on an implant box
//! arrives as text such as
//!
//! ```text
//! ]d201095212345432131727013110L24A017        (raw, with AIM prefix)
//! (01)09521234543213(17)270131(10)L24A017      (human-readable form)
//! ```
//!
//! [`parse`] turns such a string into a [`Gs1Scan`] (GTIN, lot, serial,
//! production date, expiry date and the symbology, if known), or a
//! [`Gs1Error`] saying what is wrong and where.
//!
//! # Accepted input
//!
//! * Surrounding whitespace (spaces, tabs, CR, LF) is ignored. Error positions
//!   are 0-based **character** (not byte) offsets into the input *as given*,
//!   i.e. before that trimming.
//! * An optional AIM symbology identifier comes first: `]d2` (GS1 DataMatrix),
//!   `]C1` (GS1-128) or `]Q3` (GS1 QR Code). Any other `]xx` (e.g. `]d1`,
//!   `]e0`, `]J1`) is rejected with an error naming it.
//! * **Raw element string**: each element is a 2-digit AI followed directly by
//!   its data. A variable-length field (AI 10, 21) ends at the GS character
//!   (ASCII 0x1D, what scanners send for FNC1) or at the end of the input.
//!   Fixed-length fields (AI 01 = 14 digits, AI 11 / 17 = 6 digits) never
//!   need a GS, but a single GS after any element is tolerated, as is one
//!   leading GS (FNC1 in first position, sent by scanners not configured for
//!   AIM prefixes) and one trailing GS. A GS anywhere else (e.g. two in a row)
//!   is an error. Only the real 0x1D character counts as GS: textual stand-ins
//!   such as `<GS>`, `\x1d` or `^` are *not* recognised.
//! * **Human-readable form**: `(01)09521234543213 (17)270131 (10)L24A017`.
//!   The parentheses delimit the AIs, no GS is needed, and whitespace is
//!   allowed between elements and between `)` and the data. In this form a
//!   field's data ends at the next `(` or whitespace, so a lot or serial
//!   containing `(` can only be sent in raw form.
//!
//! # Missing GS separators
//!
//! Some scanners drop the GS. Without a GS, a variable-length field (AI 10 or
//! 21) **always extends to the end of the string**: there is no way to know
//! whether `10ABC17270131` is lot `ABC` plus expiry `270131` or lot
//! `ABC17270131`, and this parser always reads the latter. Real labels put the
//! fixed-length AIs first and at most one variable-length AI last, which
//! parses correctly with or without GS.
//!
//! # Supported AIs and their rules
//!
//! | AI | field | rule |
//! |----|-------|------|
//! | 01 | GTIN | exactly 14 digits, check digit verified ([`gtin_check_digit`]) |
//! | 10 | lot / batch | 1–20 characters in 0x21–0x7E |
//! | 11 | production date | `YYMMDD` |
//! | 17 | expiry date | `YYMMDD` |
//! | 21 | serial number | 1–20 characters in 0x21–0x7E |
//!
//! * Any other AI is rejected (`unsupported AI xx`).
//! * Dates: the year is simply `2000 + YY` (GS1's own rule is a sliding
//!   window around the current year; for the years this ERP deals with the two
//!   agree until 2049). The month must be 01–12. Day `00` means the last day
//!   of that month, for AI 17 as GS1 specifies and, leniently, for AI 11 too.
//!   A day that does not exist in that month (e.g. `310231`) is an error.
//! * Lots and serials: GS1 restricts them to "character set 82", a subset of
//!   printable ASCII; this parser accepts all of 0x21–0x7E.
//! * An AI given twice with the same value is accepted; with different values
//!   it is an error. Dates are compared by value, so `17270100` and
//!   `17270131` agree.
//! * Empty input, or a symbology identifier with no data after it, is an
//!   error.

use chrono::NaiveDate;
use std::fmt;

/// The GS (group separator) character, ASCII 0x1D, which scanners send for FNC1.
const GS: char = '\u{1d}';

/// Maximum length of a lot (AI 10) or serial (AI 21).
const MAX_VARIABLE_LEN: usize = 20;

/// A parsed scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gs1Scan {
    /// AI 01: 14 digits, check digit verified.
    pub gtin: Option<String>,
    /// AI 10: 1–20 chars.
    pub lot: Option<String>,
    /// AI 21: 1–20 chars.
    pub serial: Option<String>,
    /// AI 11: YYMMDD.
    pub production_date: Option<NaiveDate>,
    /// AI 17: YYMMDD, day 00 = last day of that month.
    pub expiry_date: Option<NaiveDate>,
    /// From the AIM prefix, if any.
    pub symbology: Option<Symbology>,
}

/// The symbology announced by the AIM symbology identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symbology {
    /// `]d2`: GS1 DataMatrix.
    DataMatrix,
    /// `]C1`: GS1-128.
    Gs1_128,
    /// `]Q3`: GS1 QR Code.
    QrCode,
}

/// What is wrong, and where (0-based char offset into the input as given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gs1Error {
    /// 0-based character offset into the untrimmed input.
    pub position: usize,
    /// The AI whose element is at fault, if the error belongs to one.
    pub ai: Option<String>,
    /// Human-readable description of the problem.
    pub message: String,
}

impl fmt::Display for Gs1Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.ai {
            Some(ai) => write!(f, "at {}, AI {}: {}", self.position, ai, self.message),
            None => write!(f, "at {}: {}", self.position, self.message),
        }
    }
}

impl std::error::Error for Gs1Error {}

/// Computes the GTIN check digit of `body13`, the digits before the check
/// digit, given as values 0–9 (not ASCII).
///
/// Weights 3, 1, 3, 1, … are applied from the right, and the result is
/// `(10 - sum % 10) % 10`. Because the weights start from the right, the same
/// function works for GTIN-8, -12, -13 and -14 bodies. It never panics: a
/// value above 9 counts as its last decimal digit.
#[must_use]
pub fn gtin_check_digit(body13: &[u8]) -> u8 {
    let sum = body13.iter().rev().enumerate().fold(0u8, |acc, (k, &d)| {
        let weight = if k % 2 == 0 { 3 } else { 1 };
        (acc + weight * (d % 10)) % 10
    });
    (10 - sum) % 10
}

/// Parses one scanned GS1 element string (raw or human-readable form).
///
/// See the module documentation for the accepted syntax and the rules.
///
/// # Errors
///
/// Returns a [`Gs1Error`] for the first problem found: empty input, an
/// unknown symbology identifier, a malformed or unsupported AI, a field of
/// the wrong length or with invalid characters, a wrong GTIN check digit, an
/// impossible date, or an AI repeated with a different value.
pub fn parse(input: &str) -> Result<Gs1Scan, Gs1Error> {
    let chars: Vec<char> = input.chars().collect();
    let Some(start) = chars.iter().position(|c| !c.is_whitespace()) else {
        return Err(error(0, None, "empty input"));
    };
    let end = chars
        .iter()
        .rposition(|c| !c.is_whitespace())
        .map_or(start, |k| k + 1);
    // From here on `s` is the input with trailing whitespace removed; indices
    // into it are indices into the original input.
    let s = chars.get(..end).unwrap_or_default();

    let mut scan = Gs1Scan {
        gtin: None,
        lot: None,
        serial: None,
        production_date: None,
        expiry_date: None,
        symbology: None,
    };

    let mut i = start;
    if s.get(i) == Some(&']') {
        let Some(id) = s.get(i + 1..i + 3) else {
            let got: String = s.get(i..).unwrap_or_default().iter().collect();
            return Err(error(
                i,
                None,
                format!("incomplete symbology identifier {got:?}"),
            ));
        };
        let id: String = id.iter().collect();
        scan.symbology = Some(match id.as_str() {
            "d2" => Symbology::DataMatrix,
            "C1" => Symbology::Gs1_128,
            "Q3" => Symbology::QrCode,
            _ => {
                return Err(error(
                    i,
                    None,
                    format!("unsupported symbology identifier ]{id} (expected ]d2, ]C1 or ]Q3)"),
                ));
            }
        });
        i += 3;
        if i >= end {
            return Err(error(
                i,
                None,
                format!("no data after symbology identifier ]{id}"),
            ));
        }
    }

    if s.get(i) == Some(&'(') {
        parse_human_readable(s, i, &mut scan)?;
    } else {
        parse_raw(s, i, &mut scan)?;
    }
    Ok(scan)
}

/// The supported application identifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ai {
    Gtin,
    Lot,
    ProductionDate,
    ExpiryDate,
    Serial,
}

impl Ai {
    fn from_code(code: &str) -> Option<Self> {
        match code {
            "01" => Some(Self::Gtin),
            "10" => Some(Self::Lot),
            "11" => Some(Self::ProductionDate),
            "17" => Some(Self::ExpiryDate),
            "21" => Some(Self::Serial),
            _ => None,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Self::Gtin => "01",
            Self::Lot => "10",
            Self::ProductionDate => "11",
            Self::ExpiryDate => "17",
            Self::Serial => "21",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Gtin => "GTIN",
            Self::Lot => "lot",
            Self::ProductionDate => "production date",
            Self::ExpiryDate => "expiry date",
            Self::Serial => "serial",
        }
    }

    /// Number of data characters of a fixed-length AI, `None` if variable.
    fn fixed_len(self) -> Option<usize> {
        match self {
            Self::Gtin => Some(14),
            Self::ProductionDate | Self::ExpiryDate => Some(6),
            Self::Lot | Self::Serial => None,
        }
    }
}

/// One parsed element.
enum Element {
    Gtin(String),
    Lot(String),
    Serial(String),
    Production(NaiveDate),
    Expiry(NaiveDate),
}

fn error(position: usize, ai: Option<Ai>, message: impl Into<String>) -> Gs1Error {
    Gs1Error {
        position,
        ai: ai.map(|a| a.code().to_string()),
        message: message.into(),
    }
}

/// Describes a character for an error message.
fn describe(c: char) -> String {
    match c {
        GS => "GS (U+001D)".to_string(),
        ' ' => "a space".to_string(),
        c if c.is_ascii_graphic() => format!("'{c}'"),
        c => format!("U+{:04X}", u32::from(c)),
    }
}

/// Parses the raw form starting at `i`; `s` ends where the data ends.
fn parse_raw(s: &[char], mut i: usize, scan: &mut Gs1Scan) -> Result<(), Gs1Error> {
    // FNC1 in first position, as sent by scanners without AIM prefixes.
    if s.get(i) == Some(&GS) {
        i += 1;
        if i >= s.len() {
            return Err(error(i, None, "no data after the leading GS"));
        }
    }
    while i < s.len() {
        let ai_pos = i;
        let ai = read_raw_ai(s, i)?;
        i += 2;
        let data_end = match ai.fixed_len() {
            Some(n) => (i + n).min(s.len()),
            None => s
                .get(i..)
                .unwrap_or_default()
                .iter()
                .position(|&c| c == GS)
                .map_or(s.len(), |k| i + k),
        };
        let data = s.get(i..data_end).unwrap_or_default();
        let element = parse_value(ai, data, i)?;
        store(scan, element, ai, ai_pos)?;
        i = data_end;
        // The separator after an element: required after a variable-length
        // field that is not last, tolerated after anything else.
        if s.get(i) == Some(&GS) {
            i += 1;
        }
    }
    Ok(())
}

/// Reads the 2-digit AI at `i` in the raw form.
fn read_raw_ai(s: &[char], i: usize) -> Result<Ai, Gs1Error> {
    match (s.get(i), s.get(i + 1)) {
        (Some(&a), Some(&b)) if a.is_ascii_digit() && b.is_ascii_digit() => {
            let code: String = [a, b].iter().collect();
            Ai::from_code(&code).ok_or_else(|| Gs1Error {
                position: i,
                ai: Some(code.clone()),
                message: format!("unsupported AI {code}"),
            })
        }
        (Some(&a), _) if !a.is_ascii_digit() => Err(error(
            i,
            None,
            format!("expected an AI (2 digits), found {}", describe(a)),
        )),
        (Some(_), Some(&b)) => Err(error(
            i + 1,
            None,
            format!("expected an AI (2 digits), found {}", describe(b)),
        )),
        _ => Err(error(i, None, "input ends in the middle of an AI")),
    }
}

/// Parses the human-readable form starting at `i` (which holds a `(`); `s`
/// ends where the data ends.
fn parse_human_readable(s: &[char], mut i: usize, scan: &mut Gs1Scan) -> Result<(), Gs1Error> {
    while i < s.len() {
        match s.get(i) {
            Some('(') => i += 1,
            Some(&c) => {
                return Err(error(
                    i,
                    None,
                    format!(
                        "expected '(' to start the next element, found {}",
                        describe(c)
                    ),
                ));
            }
            None => break,
        }
        let code_start = i;
        while s.get(i).is_some_and(char::is_ascii_digit) {
            i += 1;
        }
        let code: String = s.get(code_start..i).unwrap_or_default().iter().collect();
        match s.get(i) {
            Some(')') => {}
            Some(&c) if code.is_empty() => {
                return Err(error(
                    i,
                    None,
                    format!("expected AI digits after '(', found {}", describe(c)),
                ));
            }
            Some(&c) => {
                return Err(error(
                    i,
                    None,
                    format!("expected ')' after AI {code}, found {}", describe(c)),
                ));
            }
            None => {
                return Err(error(i, None, "input ends before the ')' closing the AI"));
            }
        }
        if code.is_empty() {
            return Err(error(code_start, None, "empty AI in parentheses"));
        }
        let Some(ai) = Ai::from_code(&code) else {
            return Err(Gs1Error {
                position: code_start,
                message: format!("unsupported AI {code}"),
                ai: Some(code),
            });
        };
        i += 1;
        i = skip_whitespace(s, i);
        let data_start = i;
        while s.get(i).is_some_and(|&c| c != '(' && !c.is_whitespace()) {
            i += 1;
        }
        let data = s.get(data_start..i).unwrap_or_default();
        let element = parse_value(ai, data, data_start)?;
        store(scan, element, ai, code_start)?;
        i = skip_whitespace(s, i);
    }
    Ok(())
}

fn skip_whitespace(s: &[char], mut i: usize) -> usize {
    while s.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    i
}

/// Validates and converts the data of one element; `pos` is the offset of
/// `data`'s first character in the input.
fn parse_value(ai: Ai, data: &[char], pos: usize) -> Result<Element, Gs1Error> {
    match ai {
        Ai::Gtin => {
            let digits = fixed_digits(ai, data, pos, 14)?;
            if let Some((&check, body)) = digits.split_last() {
                let expected = gtin_check_digit(body);
                if check != expected {
                    return Err(error(
                        pos + body.len(),
                        Some(ai),
                        format!("GTIN check digit should be {expected}"),
                    ));
                }
            }
            Ok(Element::Gtin(data.iter().collect()))
        }
        Ai::ProductionDate => {
            let digits = fixed_digits(ai, data, pos, 6)?;
            Ok(Element::Production(date(ai, &digits, pos)?))
        }
        Ai::ExpiryDate => {
            let digits = fixed_digits(ai, data, pos, 6)?;
            Ok(Element::Expiry(date(ai, &digits, pos)?))
        }
        Ai::Lot => Ok(Element::Lot(variable_text(ai, data, pos)?)),
        Ai::Serial => Ok(Element::Serial(variable_text(ai, data, pos)?)),
    }
}

/// Checks that `data` is exactly `n` ASCII digits and returns their values.
fn fixed_digits(ai: Ai, data: &[char], pos: usize, n: usize) -> Result<Vec<u8>, Gs1Error> {
    let mut digits = Vec::with_capacity(n);
    for (k, &c) in data.iter().enumerate() {
        match c {
            '0'..='9' => digits.push(c as u8 - b'0'),
            _ => {
                return Err(error(
                    pos + k,
                    Some(ai),
                    format!("expected a digit in {}, found {}", ai.name(), describe(c)),
                ));
            }
        }
    }
    if digits.len() != n {
        return Err(error(
            pos + digits.len().min(n),
            Some(ai),
            format!(
                "{} needs exactly {n} digits, found {}",
                ai.name(),
                digits.len()
            ),
        ));
    }
    Ok(digits)
}

/// Converts the six digit values `YYMMDD` into a date (year 2000 + YY, day 00
/// = last day of the month).
fn date(ai: Ai, digits: &[u8], pos: usize) -> Result<NaiveDate, Gs1Error> {
    let &[y1, y2, m1, m2, d1, d2] = digits else {
        return Err(error(pos, Some(ai), "a date needs exactly 6 digits"));
    };
    let year = 2000 + i32::from(y1 * 10 + y2);
    let month = u32::from(m1 * 10 + m2);
    let day = u32::from(d1 * 10 + d2);
    if !(1..=12).contains(&month) {
        return Err(error(
            pos + 2,
            Some(ai),
            format!("month {m1}{m2} is not a month"),
        ));
    }
    let found = if day == 0 {
        (28..=31)
            .rev()
            .find_map(|d| NaiveDate::from_ymd_opt(year, month, d))
    } else {
        NaiveDate::from_ymd_opt(year, month, day)
    };
    found.ok_or_else(|| {
        error(
            pos + 4,
            Some(ai),
            format!("day {d1}{d2} does not exist in {year}-{m1}{m2}"),
        )
    })
}

/// Checks a lot or serial: 1–20 characters in 0x21–0x7E.
fn variable_text(ai: Ai, data: &[char], pos: usize) -> Result<String, Gs1Error> {
    if data.is_empty() {
        return Err(error(pos, Some(ai), format!("{} is empty", ai.name())));
    }
    if let Some((k, &c)) = data
        .iter()
        .enumerate()
        .find(|&(_, c)| !('\u{21}'..='\u{7e}').contains(c))
    {
        return Err(error(
            pos + k,
            Some(ai),
            format!("{} may not contain {}", ai.name(), describe(c)),
        ));
    }
    if data.len() > MAX_VARIABLE_LEN {
        return Err(error(
            pos + MAX_VARIABLE_LEN,
            Some(ai),
            format!(
                "{} is {} characters long, at most {MAX_VARIABLE_LEN} allowed",
                ai.name(),
                data.len()
            ),
        ));
    }
    Ok(data.iter().collect())
}

/// Stores an element, rejecting a repeated AI with a different value.
fn store(scan: &mut Gs1Scan, element: Element, ai: Ai, ai_pos: usize) -> Result<(), Gs1Error> {
    match element {
        Element::Gtin(v) => put(&mut scan.gtin, v, ai, ai_pos),
        Element::Lot(v) => put(&mut scan.lot, v, ai, ai_pos),
        Element::Serial(v) => put(&mut scan.serial, v, ai, ai_pos),
        Element::Production(v) => put(&mut scan.production_date, v, ai, ai_pos),
        Element::Expiry(v) => put(&mut scan.expiry_date, v, ai, ai_pos),
    }
}

fn put<T: PartialEq + fmt::Debug>(
    slot: &mut Option<T>,
    value: T,
    ai: Ai,
    ai_pos: usize,
) -> Result<(), Gs1Error> {
    match slot {
        Some(old) if *old != value => Err(error(
            ai_pos,
            Some(ai),
            format!("repeated with a different value: {old:?}, then {value:?}"),
        )),
        Some(_) => Ok(()),
        None => {
            *slot = Some(value);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const GTIN: &str = "09521234543213";

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn ok(input: &str) -> Gs1Scan {
        match parse(input) {
            Ok(scan) => scan,
            Err(e) => panic!("{input:?} should parse, got: {e}"),
        }
    }

    fn err(input: &str) -> Gs1Error {
        match parse(input) {
            Ok(scan) => panic!("{input:?} should fail, got: {scan:?}"),
            Err(e) => e,
        }
    }

    fn published_example(symbology: Option<Symbology>) -> Gs1Scan {
        Gs1Scan {
            gtin: Some(GTIN.to_string()),
            lot: Some("L24A017".to_string()),
            serial: None,
            production_date: None,
            expiry_date: Some(ymd(2027, 1, 31)),
            symbology,
        }
    }

    #[test]
    fn check_digit() {
        assert_eq!(
            gtin_check_digit(&[0, 9, 5, 2, 1, 2, 3, 4, 5, 4, 3, 2, 1]),
            3
        );
        // EAN-13 4006381333931: weights from the right make GTIN-13 work too.
        assert_eq!(gtin_check_digit(&[4, 0, 0, 6, 3, 8, 1, 3, 3, 3, 9, 3]), 1);
        assert_eq!(gtin_check_digit(&[0; 13]), 0);
        assert_eq!(gtin_check_digit(&[]), 0);
    }

    #[test]
    fn human_readable_published_example() {
        assert_eq!(
            ok("(01)09521234543213(17)270131(10)L24A017"),
            published_example(None)
        );
    }

    #[test]
    fn raw_with_datamatrix_prefix_and_no_gs() {
        let input = format!("]d20109521234543213{}{}", "17270131", "10L24A017");
        assert_eq!(ok(&input), published_example(Some(Symbology::DataMatrix)));
    }

    #[test]
    fn raw_gs1_128_with_gs_and_day_00() {
        let scan = ok("]C1010952123454321310ABC123\u{1d}17270100");
        assert_eq!(scan.symbology, Some(Symbology::Gs1_128));
        assert_eq!(scan.gtin.as_deref(), Some(GTIN));
        assert_eq!(scan.lot.as_deref(), Some("ABC123"));
        assert_eq!(scan.expiry_date, Some(ymd(2027, 1, 31)));
    }

    #[test]
    fn human_readable_with_spaces_and_line_ending() {
        assert_eq!(
            ok("  (01) 09521234543213 (17) 270131  (10) L24A017\r\n"),
            published_example(None)
        );
        assert_eq!(
            ok("(01)09521234543213 (17)270131 (10)L24A017"),
            published_example(None)
        );
    }

    #[test]
    fn serial_and_qr_prefix() {
        let scan = ok("]Q3010952123454321321SN-0001/A\u{1d}10LOT1");
        assert_eq!(scan.symbology, Some(Symbology::QrCode));
        assert_eq!(scan.serial.as_deref(), Some("SN-0001/A"));
        assert_eq!(scan.lot.as_deref(), Some("LOT1"));
        assert_eq!(ok("(21)12345").serial.as_deref(), Some("12345"));
    }

    #[test]
    fn production_date() {
        let scan = ok("(01)09521234543213(11)240315(17)290314");
        assert_eq!(scan.production_date, Some(ymd(2024, 3, 15)));
        assert_eq!(scan.expiry_date, Some(ymd(2029, 3, 14)));
        // Day 00 is accepted for AI 11 as well.
        assert_eq!(ok("11240200").production_date, Some(ymd(2024, 2, 29)));
    }

    #[test]
    fn bad_check_digit() {
        let e = err("(01)09521234543210");
        assert_eq!(e.message, "GTIN check digit should be 3");
        assert_eq!(e.ai.as_deref(), Some("01"));
        assert_eq!(e.position, 17);
        let e = err("0109521234543210");
        assert_eq!(e.message, "GTIN check digit should be 3");
        assert_eq!(e.position, 15);
    }

    #[test]
    fn gtin_wrong_length_or_not_digits() {
        let e = err("(01)0952123454321");
        assert_eq!((e.position, e.ai.as_deref()), (17, Some("01")));
        assert!(e.message.contains("14 digits"), "{e}");
        let e = err("(01)095212345432130");
        assert_eq!(e.position, 18);
        let e = err("010952123X543213");
        assert_eq!(e.position, 9);
        assert!(e.message.contains("'X'"), "{e}");
        let e = err("0109521");
        assert_eq!(e.position, 7);
    }

    #[test]
    fn month_13() {
        let e = err("010952123454321317271331");
        assert_eq!(e.position, 20);
        assert_eq!(e.ai.as_deref(), Some("17"));
        assert_eq!(e.message, "month 13 is not a month");
        assert_eq!(e.to_string(), "at 20, AI 17: month 13 is not a month");
        assert!(err("(17)270031").message.contains("month 00"));
    }

    #[test]
    fn day_00_is_last_day_of_month() {
        assert_eq!(ok("17280200").expiry_date, Some(ymd(2028, 2, 29)));
        assert_eq!(ok("17270200").expiry_date, Some(ymd(2027, 2, 28)));
        assert_eq!(ok("17271200").expiry_date, Some(ymd(2027, 12, 31)));
        assert_eq!(ok("17270400").expiry_date, Some(ymd(2027, 4, 30)));
    }

    #[test]
    fn invalid_day() {
        let e = err("17310231");
        assert_eq!((e.position, e.ai.as_deref()), (6, Some("17")));
        assert!(e.message.contains("day 31"), "{e}");
        assert!(err("(11)270230").message.contains("day 30"));
        assert!(ok("17280229").expiry_date.is_some());
        assert!(parse("17270229").is_err());
    }

    #[test]
    fn unknown_ai() {
        let e = err("010952123454321399ABC");
        assert_eq!(e.position, 16);
        assert_eq!(e.ai.as_deref(), Some("99"));
        assert_eq!(e.message, "unsupported AI 99");
        let e = err("(01)09521234543213(99)ABC");
        assert_eq!((e.position, e.ai.as_deref()), (19, Some("99")));
        let e = err("(7003)2501011200");
        assert_eq!(e.message, "unsupported AI 7003");
    }

    #[test]
    fn too_long_lot() {
        let e = err("10ABCDEFGHIJKLMNOPQRSTU");
        assert_eq!(e.position, 22);
        assert_eq!(e.ai.as_deref(), Some("10"));
        assert!(e.message.contains("21 characters"), "{e}");
        let twenty = "ABCDEFGHIJKLMNOPQRST";
        assert_eq!(ok(&format!("10{twenty}")).lot.as_deref(), Some(twenty));
    }

    #[test]
    fn invalid_or_empty_lot() {
        let e = err("10AB\u{e9}CD");
        assert_eq!((e.position, e.ai.as_deref()), (4, Some("10")));
        let e = err("10AB CD");
        assert_eq!(e.position, 4);
        assert!(e.message.contains("space"), "{e}");
        let e = err("10\u{1d}17270131");
        assert_eq!(e.position, 2);
        assert!(e.message.contains("empty"), "{e}");
        assert!(err("(10)(17)270131").message.contains("empty"));
    }

    #[test]
    fn duplicate_ai() {
        let e = err("(10)A(10)B");
        assert_eq!((e.position, e.ai.as_deref()), (6, Some("10")));
        assert!(e.message.contains("different"), "{e}");
        // Same value twice, or the same date spelt differently, is fine.
        assert_eq!(ok("(10)A(10)A").lot.as_deref(), Some("A"));
        assert!(ok("1727010017270131").expiry_date.is_some());
        assert!(parse("0109521234543213\u{1d}0109521234543220").is_err());
    }

    #[test]
    fn unknown_aim_prefix() {
        let e = err("]X90109521234543213");
        assert_eq!(e.position, 0);
        assert!(e.message.contains("]X9"), "{e}");
        assert!(err("]d10109521234543213").message.contains("]d1"));
        assert!(err("]d").message.contains("incomplete"));
    }

    #[test]
    fn empty_input_and_prefix_without_data() {
        assert_eq!(err("").message, "empty input");
        assert_eq!(err(" \r\n\t").message, "empty input");
        let e = err("]d2\r\n");
        assert_eq!(e.position, 3);
        assert!(e.message.contains("no data"), "{e}");
        assert!(err("\u{1d}").message.contains("no data"));
        assert!(err("]C1\u{1d}").message.contains("no data"));
    }

    #[test]
    fn without_gs_a_variable_field_runs_to_the_end() {
        // Documented rule: cannot tell "ABC" + AI 17 from a lot "ABC17270131".
        let scan = ok("10ABC17270131");
        assert_eq!(scan.lot.as_deref(), Some("ABC17270131"));
        assert_eq!(scan.expiry_date, None);
    }

    #[test]
    fn gs_handling() {
        let expected = published_example(None);
        // Leading GS (FNC1), GS after fixed fields, trailing GS: all tolerated.
        assert_eq!(
            ok("\u{1d}0109521234543213\u{1d}17270131\u{1d}10L24A017\u{1d}\r\n"),
            expected
        );
        let e = err("10L24A017\u{1d}\u{1d}17270131");
        assert_eq!(e.position, 10);
        assert!(e.message.contains("GS"), "{e}");
        // A GS in the middle of a fixed-length field.
        let e = err("17270\u{1d}131");
        assert_eq!(e.position, 5);
        // Textual stand-ins for GS are not separators.
        assert_eq!(
            ok("10ABC<GS>17270131").lot.as_deref(),
            Some("ABC<GS>17270131")
        );
    }

    #[test]
    fn positions_count_chars_of_untrimmed_input() {
        let e = err("  \u{e9}");
        assert_eq!(e.position, 2);
        let e = err(" \t010952123454321317271331");
        assert_eq!(e.position, 22);
    }

    #[test]
    fn malformed_human_readable() {
        assert_eq!(err("(01").position, 3);
        assert_eq!(err("()123").position, 1);
        assert!(err("(ab)1").message.contains("AI digits"));
        assert!(err("(01)09521234543213 17270131").message.contains("'('"));
        assert_eq!(err("(10)AB CD").position, 7);
        assert_eq!(err("(10)ABC\u{1d}(17)270131").position, 7);
    }

    #[test]
    fn raw_truncated_ai() {
        let e = err("01095212345432131");
        assert_eq!(e.position, 16);
        assert!(e.message.contains("middle of an AI"), "{e}");
        assert_eq!(err("1X").position, 1);
    }

    #[test]
    fn error_display_and_trait() {
        let e = Gs1Error {
            position: 0,
            ai: None,
            message: "empty input".to_string(),
        };
        assert_eq!(e.to_string(), "at 0: empty input");
        let dynamic: &dyn std::error::Error = &e;
        assert_eq!(dynamic.to_string(), "at 0: empty input");
    }

    fn days_in_month(year: i32, month: u32) -> u32 {
        (28..=31)
            .rev()
            .find(|&d| NaiveDate::from_ymd_opt(year, month, d).is_some())
            .unwrap_or(28)
    }

    /// (YYMMDD text, expected date); day 00 included.
    fn date_strategy() -> impl Strategy<Value = (String, NaiveDate)> {
        (0u32..100, 1u32..=12)
            .prop_flat_map(|(yy, mm)| {
                let dim = days_in_month(2000 + yy as i32, mm);
                (Just(yy), Just(mm), 0..=dim, Just(dim))
            })
            .prop_map(|(yy, mm, dd, dim)| {
                let day = if dd == 0 { dim } else { dd };
                (
                    format!("{yy:02}{mm:02}{dd:02}"),
                    ymd(2000 + yy as i32, mm, day),
                )
            })
    }

    fn gtin_strategy() -> impl Strategy<Value = String> {
        proptest::collection::vec(0u8..10, 13).prop_map(|body| {
            let check = gtin_check_digit(&body);
            body.iter()
                .chain(std::iter::once(&check))
                .map(|d| char::from(b'0' + d))
                .collect()
        })
    }

    fn noisy_string() -> impl Strategy<Value = String> {
        let alphabet: Vec<char> = "0123456789()]\u{1d} dCQ123XL".chars().collect();
        proptest::collection::vec(proptest::sample::select(alphabet), 0..60)
            .prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #[test]
        fn never_panics_on_anything(s in ".*") {
            if let Err(e) = parse(&s) {
                prop_assert!(e.position <= s.chars().count());
            }
        }

        #[test]
        fn never_panics_on_gs1_like_noise(s in noisy_string()) {
            if let Err(e) = parse(&s) {
                prop_assert!(e.position <= s.chars().count());
            }
        }

        #[test]
        fn never_panics_on_gs1_like_noise_after_valid_start(
            s in noisy_string(),
            prefix in prop_oneof![Just(""), Just("]d2"), Just("(01)"), Just("0109521234543213")],
        ) {
            let input = format!("{prefix}{s}");
            if let Err(e) = parse(&input) {
                prop_assert!(e.position <= input.chars().count());
            }
        }

        #[test]
        fn round_trip(
            gtin in gtin_strategy(),
            expiry in date_strategy(),
            production in proptest::option::of(date_strategy()),
            lot in "[A-Z0-9]{1,20}",
            serial in proptest::option::of("[A-Z0-9]{1,20}"),
            order_seed in proptest::collection::vec(any::<u8>(), 5),
            prefix in prop_oneof![Just(None), Just(Some(Symbology::DataMatrix)),
                                  Just(Some(Symbology::Gs1_128)), Just(Some(Symbology::QrCode))],
            spaced in any::<bool>(),
        ) {
            // (AI, data, variable-length?)
            let mut elements = vec![
                ("01", gtin.clone(), false),
                ("17", expiry.0.clone(), false),
                ("10", lot.clone(), true),
            ];
            if let Some((text, _)) = &production {
                elements.push(("11", text.clone(), false));
            }
            if let Some(s) = &serial {
                elements.push(("21", s.clone(), true));
            }
            // Deterministic shuffle from the generated seed.
            let mut keyed: Vec<_> = elements
                .into_iter()
                .zip(order_seed)
                .map(|(e, k)| (k, e))
                .collect();
            keyed.sort_by_key(|(k, _)| *k);
            let elements: Vec<_> = keyed.into_iter().map(|(_, e)| e).collect();

            let expected = Gs1Scan {
                gtin: Some(gtin),
                lot: Some(lot),
                serial,
                production_date: production.map(|(_, d)| d),
                expiry_date: Some(expiry.1),
                symbology: None,
            };

            let separator = if spaced { " " } else { "" };
            let human: Vec<String> = elements
                .iter()
                .map(|(ai, data, _)| format!("({ai}){data}"))
                .collect();
            let human = human.join(separator);
            prop_assert_eq!(parse(&human), Ok(expected.clone()));

            let mut raw = match prefix {
                None => String::new(),
                Some(Symbology::DataMatrix) => "]d2".to_string(),
                Some(Symbology::Gs1_128) => "]C1".to_string(),
                Some(Symbology::QrCode) => "]Q3".to_string(),
            };
            for (k, (ai, data, variable)) in elements.iter().enumerate() {
                raw.push_str(ai);
                raw.push_str(data);
                if *variable && k + 1 < elements.len() {
                    raw.push(GS);
                }
            }
            prop_assert_eq!(parse(&raw), Ok(Gs1Scan { symbology: prefix, ..expected }));
        }
    }
}
