//! Parsing of GS1 data as warehouse barcode scanners send it.
//!
//! A scan of a GS1 DataMatrix, GS1-128, GS1 DataBar, GS1 QR Code or GS1
//! DotCode label arrives as text such as
//!
//! ```text
//! ]d201095212345432131727013110L24A017            raw, with symbology identifier
//! (01)09521234543213(17)270131(10)L24A017          bracketed (human-readable) form
//! https://id.gs1.org/01/09520123456788/10/ABC123?17=201231   GS1 Digital Link URI
//! ```
//!
//! [`parse`] turns such a string into a [`Gs1Scan`]: every element read
//! ([`Gs1Scan::elements`], AI, data title and value) and the fields this ERP
//! uses (GTIN, lot, serial, production and expiry date), or a [`Gs1Error`]
//! saying what is wrong, where, and in which AI.
//!
//! # The AI table
//!
//! Every AI of the GS1 General Specifications is in [`table::TABLE`], as
//! data: its data title and the format of its data field (character set and
//! length of each component, check digit, date and time rules). Whether an
//! FNC1 separator must follow an AI comes from the specifications'
//! "predefined length" table ([`table::PREDEFINED_LENGTH`]).
//!
//! Checked for each element: digits where the format says `N`, GS1 character
//! set 82 where it says `X` (set 39 for `Y`, set 64 for `Z`), lengths, the
//! mod-10 check digit of GTIN, SSCC, GLN, GRAI, GDTI, GCN, GSIN, ITIP and
//! GSRN, dates (`YYMMDD`; day `00` where the specifications allow it, read as
//! the last day of the month) and times (`HH`, `HHMM`, `MM[SS]`). Not
//! checked: the GMN/MUDI check-character pair (AIs 8013, 8014), code lists
//! (ISO 3166, ISO 4217, …) beyond their digits, and which AIs must or must
//! not appear together.
//!
//! # Accepted input
//!
//! * Surrounding whitespace is ignored. Error positions are 0-based
//!   **character** offsets into the input *as given*.
//! * An optional AIM symbology identifier comes first. `]d2` (GS1
//!   DataMatrix), `]C1` (GS1-128), `]e0` (GS1 DataBar and composite),
//!   `]Q3` (GS1 QR Code) and `]J1` (GS1 DotCode) announce a GS1 element
//!   string. `]d1` and `]Q1` (plain DataMatrix / QR Code) are accepted only
//!   in front of a GS1 Digital Link URI, which is how those symbols carry
//!   GS1 data. Any other identifier is refused, naming it.
//! * **Raw element string**: each element is an AI followed directly by its
//!   data. The AI's length (2, 3 or 4 digits) follows from its first two
//!   digits. A field of predefined length never needs a GS (ASCII 0x1D,
//!   what scanners send for FNC1); a variable-length field ends at a GS or
//!   at the end of the input. A fixed-length field that the specifications
//!   want followed by FNC1 (e.g. AI 8005) is read by its length, so a missing
//!   GS after it is tolerated. One GS after any element, one leading GS and
//!   one trailing GS are tolerated; two in a row are an error. Only the real
//!   0x1D counts: `<GS>`, `\x1d` or `^` are data.
//!   An AI that is not in the table is an error here: where its data ends
//!   cannot be known.
//! * **Bracketed form**: `(01)09521234543213 (17)270131 (10)L24A017`.
//!   Whitespace is allowed between elements and after `)`; a field's data
//!   ends at whitespace or at a `(` that starts the next element, i.e. a
//!   `(` followed by 2–4 digits and `)`. Any other `(` is data (character set
//!   82 contains `(` and `)`), and `\(` is always a literal `(`: that is how
//!   [`udi`] writes a lot such as `A(17)B`, which would otherwise read as
//!   lot `A` and AI 17. An AI not in the table but well-formed (2–4 digits,
//!   as many as its first two digits imply) is read, checked as 1–90
//!   characters of set 82, and returned without title.
//! * **GS1 Digital Link URI**: `http(s)://{any host}/{optional path
//!   prefix}/{primary key AI}/{value}/{qualifier AI}/{value}…?{AI}={value}&…`.
//!   The primary key is one of [`digital_link::PRIMARY_KEYS`]; values are
//!   percent-decoded; query parameters whose name is not 2–4 digits (e.g.
//!   `linkType`) and the fragment are ignored; a GTIN-8, -12 or -13 in AI 01
//!   is padded to 14 digits. Unknown well-formed AIs are returned as in the
//!   bracketed form.
//! * Anything else (plain text, another URI) is refused: "not a GS1 element
//!   string or GS1 Digital Link URI".
//!
//! # Two-digit years
//!
//! `YY` is placed in a century by the sliding window of the General
//! Specifications (section 7.12): with `d = YY − (current year mod 100)`,
//! `d` in 51…99 means the previous century, `d` in −99…−50 the next one,
//! anything else the current one. In 2026 `(17)800715` is 1980-07-15 and
//! `(17)760715` is 2076-07-15. [`parse_at`] takes the current year, for tests.
//!
//! # Missing GS separators
//!
//! Without a GS, a variable-length field **always extends to the end of the
//! string**: `10ABC17270131` is lot `ABC17270131`. Real labels put the
//! fixed-length AIs first and at most one variable-length AI last.
//!
//! # Repeated AIs
//!
//! An AI given twice with the same value is read once; with different values
//! it is an error. Dates are compared by value (`17270100` = `17270131`).

pub mod digital_link;
pub mod table;

use chrono::{Datelike, NaiveDate};
use std::fmt;

pub use table::{AiDef, Charset, Rule};

mod checks;
mod issuing;
mod reading;

pub(crate) use checks::*;
pub use issuing::*;
pub(crate) use reading::*;

/// The GS (group separator) character, ASCII 0x1D, which scanners send for FNC1.
pub const GS: char = '\u{1d}';

/// A parsed scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gs1Scan {
    /// AI 01: 14 digits, check digit verified.
    pub gtin: Option<String>,
    /// AI 10: 1–20 characters of set 82.
    pub lot: Option<String>,
    /// AI 21: 1–20 characters of set 82.
    pub serial: Option<String>,
    /// AI 11: YYMMDD, day 00 = last day of that month.
    pub production_date: Option<NaiveDate>,
    /// AI 17: YYMMDD, day 00 = last day of that month.
    pub expiry_date: Option<NaiveDate>,
    /// From the AIM prefix, if any.
    pub symbology: Option<Symbology>,
    /// How the data was written.
    pub syntax: Syntax,
    /// Every element read, in input order (a repeated AI once).
    pub elements: Vec<Element>,
}

/// One element read: its AI, the data title of the table (none for an AI
/// that is not in it) and its value as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// The AI, e.g. `"3103"`.
    pub ai: String,
    /// Its data title, e.g. `"NET WEIGHT (kg)"`; `None` for an unknown AI.
    pub title: Option<&'static str>,
    /// The data, as read (percent-decoded in a Digital Link URI).
    pub value: String,
}

/// The symbology announced by the AIM symbology identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symbology {
    /// `]d2`: GS1 DataMatrix.
    DataMatrix,
    /// `]C1`: GS1-128.
    Gs1_128,
    /// `]e0`: GS1 DataBar (or GS1 composite).
    DataBar,
    /// `]Q3`: GS1 QR Code.
    QrCode,
    /// `]J1`: GS1 DotCode.
    DotCode,
    /// `]d1`: plain DataMatrix (a GS1 Digital Link URI).
    PlainDataMatrix,
    /// `]Q1`: plain QR Code (a GS1 Digital Link URI).
    PlainQrCode,
}

impl Symbology {
    /// The identifier, e.g. `"]d2"`.
    #[must_use]
    pub fn identifier(self) -> &'static str {
        match self {
            Self::DataMatrix => "]d2",
            Self::Gs1_128 => "]C1",
            Self::DataBar => "]e0",
            Self::QrCode => "]Q3",
            Self::DotCode => "]J1",
            Self::PlainDataMatrix => "]d1",
            Self::PlainQrCode => "]Q1",
        }
    }

    pub(crate) fn from_identifier(id: &str) -> Option<Self> {
        [
            Self::DataMatrix,
            Self::Gs1_128,
            Self::DataBar,
            Self::QrCode,
            Self::DotCode,
            Self::PlainDataMatrix,
            Self::PlainQrCode,
        ]
        .into_iter()
        .find(|s| &s.identifier()[1..] == id)
    }

    /// Whether the symbol carries a GS1 element string (FNC1 mode), as
    /// opposed to plain text that may be a Digital Link URI.
    pub(crate) fn is_gs1_mode(self) -> bool {
        !matches!(self, Self::PlainDataMatrix | Self::PlainQrCode)
    }
}

/// How the GS1 data was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// AIs and data run together, GS between fields.
    Raw,
    /// `(AI)data…`.
    Bracketed,
    /// A GS1 Digital Link URI.
    DigitalLink,
}

/// What is wrong, and where (0-based char offset into the input as given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gs1Error {
    /// 0-based character offset into the untrimmed input.
    pub position: usize,
    /// The AI whose element is at fault, if the error belongs to one.
    pub ai: Option<String>,
    /// That AI's data title, when it is in the table.
    pub title: Option<&'static str>,
    /// Human-readable description of the problem.
    pub message: String,
}

impl fmt::Display for Gs1Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.ai, self.title) {
            (Some(ai), Some(t)) => {
                write!(f, "at {}, AI {ai} ({t}): {}", self.position, self.message)
            }
            (Some(ai), None) => write!(f, "at {}, AI {ai}: {}", self.position, self.message),
            _ => write!(f, "at {}: {}", self.position, self.message),
        }
    }
}

impl std::error::Error for Gs1Error {}

/// Computes the GS1 mod-10 check digit of `body`, the digits before the
/// check digit, given as values 0–9 (not ASCII).
///
/// Weights 3, 1, 3, 1, … are applied from the right, and the result is
/// `(10 - sum % 10) % 10`; the same function serves GTIN-8 to -14, SSCC,
/// GLN and the other keys. It never panics: a value above 9 counts as its
/// last decimal digit.
#[must_use]
pub fn gtin_check_digit(body: &[u8]) -> u8 {
    let sum = body.iter().rev().enumerate().fold(0u8, |acc, (k, &d)| {
        let weight = if k % 2 == 0 { 3 } else { 1 };
        (acc + weight * (d % 10)) % 10
    });
    (10 - sum) % 10
}

/// The year of a two-digit `yy` by GS1's sliding window around `current_year`.
#[must_use]
pub fn century_year(yy: u32, current_year: i32) -> i32 {
    let yy = i32::try_from(yy % 100).unwrap_or(0);
    let now = current_year.rem_euclid(100);
    let century = current_year - now;
    match yy - now {
        51..=99 => century - 100 + yy,
        -99..=-50 => century + 100 + yy,
        _ => century + yy,
    }
}

/// Whether `c` is in GS1 AI encodable character set 82.
#[must_use]
pub fn is_cs82(c: char) -> bool {
    matches!(c, '!' | '"' | '%'..='?' | 'A'..='Z' | '_' | 'a'..='z')
}

pub(crate) fn in_charset(charset: Charset, c: char) -> bool {
    match charset {
        Charset::Numeric => c.is_ascii_digit(),
        Charset::Cs82 => is_cs82(c),
        Charset::Cs39 => matches!(c, '#' | '-' | '/' | '0'..='9' | 'A'..='Z'),
        Charset::Cs64 => c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '='),
    }
}

/// Parses one scanned GS1 string with today's year for two-digit years.
///
/// # Errors
///
/// See [`parse_at`].
pub fn parse(input: &str) -> Result<Gs1Scan, Gs1Error> {
    parse_at(input, chrono::Utc::now().year())
}

/// Parses one scanned GS1 string (raw, bracketed or Digital Link), placing
/// two-digit years around `current_year`. See the module documentation.
///
/// # Errors
///
/// A [`Gs1Error`] for the first problem found: empty input, a symbology
/// identifier that is not GS1's, a non-GS1 payload, a malformed or (in raw
/// form) unknown AI, a field of the wrong length or with characters its
/// format does not allow, a wrong check digit, an impossible date or time,
/// or an AI repeated with a different value.
pub fn parse_at(input: &str, current_year: i32) -> Result<Gs1Scan, Gs1Error> {
    let chars: Vec<char> = input.chars().collect();
    let Some(start) = chars.iter().position(|c| !c.is_whitespace()) else {
        return Err(error(0, "empty input"));
    };
    let end = chars
        .iter()
        .rposition(|c| !c.is_whitespace())
        .map_or(start, |k| k + 1);
    // `s` is the input with trailing whitespace removed; indices into it are
    // indices into the original input.
    let s = chars.get(..end).unwrap_or_default();

    let mut i = start;
    let mut symbology = None;
    if s.get(i) == Some(&']') {
        let Some(id) = s.get(i + 1..i + 3) else {
            let got: String = s.get(i..).unwrap_or_default().iter().collect();
            return Err(error(i, format!("incomplete symbology identifier {got:?}")));
        };
        let id: String = id.iter().collect();
        let Some(sym) = Symbology::from_identifier(&id) else {
            return Err(error(
                i,
                format!(
                    "]{id} is not a GS1 symbology identifier (GS1 element strings come \
                     with ]d2, ]C1, ]e0, ]Q3 or ]J1; a Digital Link URI with ]d1 or ]Q1)"
                ),
            ));
        };
        symbology = Some(sym);
        i += 3;
        if i >= end {
            return Err(error(
                i,
                format!("no data after symbology identifier ]{id}"),
            ));
        }
    }

    let is_uri =
        starts_with_ignore_case(s, i, "https://") || starts_with_ignore_case(s, i, "http://");
    let mut fields = Vec::new();
    let (syntax, split) = match (s.get(i), symbology) {
        _ if is_uri => {
            if let Some(sym) = symbology.filter(|s| s.is_gs1_mode()) {
                return Err(error(
                    i,
                    format!(
                        "{} announces a GS1 element string, but a URI follows",
                        sym.identifier()
                    ),
                ));
            }
            (Syntax::DigitalLink, digital_link::fields(s, i, &mut fields))
        }
        (_, Some(sym)) if !sym.is_gs1_mode() => {
            return Err(error(
                i,
                format!(
                    "{} is a plain symbol without GS1 data; only a GS1 Digital Link URI is read from it",
                    sym.identifier()
                ),
            ));
        }
        (Some('('), _) => (Syntax::Bracketed, bracketed_fields(s, i, &mut fields)),
        (Some(&c), _) if c.is_ascii_digit() || c == GS => {
            (Syntax::Raw, raw_fields(s, i, &mut fields))
        }
        (Some(&c), _) => {
            return Err(error(
                i,
                format!(
                    "not a GS1 element string or GS1 Digital Link URI (it starts with {})",
                    describe(c)
                ),
            ));
        }
        (None, _) => return Err(error(i, "empty input")),
    };
    // The first problem in input order: a bad element before the point
    // where splitting stopped comes first.
    match split {
        Ok(()) => assemble(fields, syntax, symbology, current_year),
        Err(e) => match assemble(fields, syntax, symbology, current_year) {
            Err(first)
                if first.position < e.position && !first.message.starts_with("no GS1 element") =>
            {
                Err(first)
            }
            _ => Err(e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const GTIN: &str = "09521234543213";
    /// The year the fixed-year tests run "in".
    const YEAR: i32 = 2026;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn ok(input: &str) -> Gs1Scan {
        match parse_at(input, YEAR) {
            Ok(scan) => scan,
            Err(e) => panic!("{input:?} should parse, got: {e}"),
        }
    }

    fn err(input: &str) -> Gs1Error {
        match parse_at(input, YEAR) {
            Ok(scan) => panic!("{input:?} should fail, got: {scan:?}"),
            Err(e) => e,
        }
    }

    fn elements(input: &str) -> Vec<(String, Option<&'static str>, String)> {
        ok(input)
            .elements
            .into_iter()
            .map(|e| (e.ai, e.title, e.value))
            .collect()
    }

    fn el(
        ai: &str,
        title: Option<&'static str>,
        value: &str,
    ) -> (String, Option<&'static str>, String) {
        (ai.to_string(), title, value.to_string())
    }

    fn with_check_digit(body: &str) -> String {
        let d: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
        format!("{body}{}", gtin_check_digit(&d))
    }

    #[test]
    fn check_digit() {
        assert_eq!(
            gtin_check_digit(&[0, 9, 5, 2, 1, 2, 3, 4, 5, 4, 3, 2, 1]),
            3
        );
        // The GS1 examples 09520123456788 and 12345678901231.
        assert_eq!(with_check_digit("0952012345678"), "09520123456788");
        assert_eq!(with_check_digit("1234567890123"), "12345678901231");
        // EAN-13 4006381333931: weights from the right make GTIN-13 work too.
        assert_eq!(gtin_check_digit(&[4, 0, 0, 6, 3, 8, 1, 3, 3, 3, 9, 3]), 1);
        assert_eq!(gtin_check_digit(&[0; 13]), 0);
        assert_eq!(gtin_check_digit(&[]), 0);
    }

    #[test]
    fn the_published_examples_read_every_element() {
        // GS1 General Specifications: GTIN with net weight 0.123 kg.
        assert_eq!(
            elements("(01)09521234543213(3103)000123"),
            [
                el("01", Some("GTIN"), GTIN),
                el("3103", Some("NET WEIGHT (kg)"), "000123")
            ]
        );
        let s = ok("(01)09520123456788(10)ABC123(17)210630");
        assert_eq!(s.gtin.as_deref(), Some("09520123456788"));
        assert_eq!(s.lot.as_deref(), Some("ABC123"));
        assert_eq!(s.expiry_date, Some(ymd(2021, 6, 30)));
        assert_eq!(s.syntax, Syntax::Bracketed);
        // GS1 DataMatrix as the scanner sends it.
        let s = ok("]d2011234567890123110ABC123\u{1d}17210630");
        assert_eq!(s.symbology, Some(Symbology::DataMatrix));
        assert_eq!(s.gtin.as_deref(), Some("12345678901231"));
        assert_eq!(s.lot.as_deref(), Some("ABC123"));
        assert_eq!(s.expiry_date, Some(ymd(2021, 6, 30)));
        assert_eq!(s.syntax, Syntax::Raw);
    }

    #[test]
    fn real_label_ais_are_read_in_raw_form() {
        // 01, 3103 (predefined), 240 and 30 (FNC1), 7003 (fixed, FNC1),
        // 8020, 37, 91.
        let raw = format!(
            "]C101{GTIN}3103000123240ADD-1\u{1d}3012\u{1d}700327013112308020REF/9\u{1d}3750\u{1d}91Intern(al)"
        );
        assert_eq!(
            elements(&raw),
            [
                el("01", Some("GTIN"), GTIN),
                el("3103", Some("NET WEIGHT (kg)"), "000123"),
                el("240", Some("ADDITIONAL ID"), "ADD-1"),
                el("30", Some("VAR. COUNT"), "12"),
                el("7003", Some("EXPIRY TIME"), "2701311230"),
                el("8020", Some("REF No."), "REF/9"),
                el("37", Some("COUNT"), "50"),
                el("91", Some("INTERNAL"), "Intern(al)"),
            ]
        );
        assert_eq!(ok(&raw).symbology, Some(Symbology::Gs1_128));
    }

    #[test]
    fn errors_name_the_ai_that_exists_and_why() {
        let e = err("(01)09521234543213(7003)2701312460");
        assert_eq!((e.position, e.ai.as_deref()), (30, Some("7003")));
        assert_eq!(
            e.to_string(),
            "at 30, AI 7003 (EXPIRY TIME): part 2 of N4+N6+N4: hour 24 is not an hour (HHMM)"
        );
        let e = err("(8020)ABCDEFGHIJKLMNOPQRSTUVWXYZ");
        assert_eq!((e.position, e.ai.as_deref()), (31, Some("8020")));
        assert!(
            e.to_string()
                .contains("AI 8020 (REF No.): is 26 characters long, at most 25"),
            "{e}"
        );
        let e = err(&format!("01{GTIN}240AB#C"));
        assert_eq!((e.position, e.ai.as_deref()), (21, Some("240")));
        assert_eq!(e.title, Some("ADDITIONAL ID"));
        assert!(
            e.message.contains("'#' is not in GS1 character set 82"),
            "{e}"
        );
        let e = err("(7003)27013112");
        assert!(
            e.message.contains("needs exactly 10 digits, found 8"),
            "{e}"
        );
        let e = err("(7006)270100");
        assert!(e.message.contains("day 00 is not allowed"), "{e}");
        assert_eq!(
            err("(00)123456789012345678").message,
            "check digit should be 5, found 8"
        );
        assert!(ok("(00)123456789012345675").elements[0].title == Some("SSCC"));
    }

    #[test]
    fn two_digit_years_follow_the_sliding_window() {
        assert_eq!(ok("(17)800715").expiry_date, Some(ymd(1980, 7, 15)));
        assert_eq!(ok("(17)760715").expiry_date, Some(ymd(2076, 7, 15)));
        assert_eq!(ok("(17)770715").expiry_date, Some(ymd(1977, 7, 15)));
        assert_eq!(ok("(11)000101").production_date, Some(ymd(2000, 1, 1)));
        assert_eq!(century_year(26, 2026), 2026);
        assert_eq!(century_year(76, 2026), 2076); // d = 50: this century
        assert_eq!(century_year(77, 2026), 1977); // d = 51: previous
        assert_eq!(century_year(10, 2060), 2110); // d = -50: next
        assert_eq!(century_year(11, 2060), 2011); // d = -49: this
        assert_eq!(century_year(0, 2099), 2100);
        assert_eq!(century_year(99, 2000), 1999);
        let s = parse_at("(17)800715", 2040).expect("parses");
        assert_eq!(s.expiry_date, Some(ymd(2080, 7, 15)));
        assert!(fits_sliding_window(ymd(2076, 12, 31), 2026));
        assert!(!fits_sliding_window(ymd(2077, 1, 1), 2026));
    }

    #[test]
    fn every_gs1_symbology_identifier_is_accepted() {
        for (id, sym) in [
            ("]d2", Symbology::DataMatrix),
            ("]C1", Symbology::Gs1_128),
            ("]e0", Symbology::DataBar),
            ("]Q3", Symbology::QrCode),
            ("]J1", Symbology::DotCode),
        ] {
            let s = ok(&format!("{id}01{GTIN}3103000123"));
            assert_eq!(s.symbology, Some(sym), "{id}");
            assert_eq!(s.elements.len(), 2, "{id}");
        }
        let e = err("]X90109521234543213");
        assert_eq!(e.position, 0);
        assert!(
            e.message.contains("]X9 is not a GS1 symbology identifier"),
            "{e}"
        );
        assert!(err("]d").message.contains("incomplete"));
        // Plain DataMatrix / QR Code carry GS1 data only as a Digital Link URI.
        let e = err("]Q10109521234543213");
        assert_eq!(e.position, 3);
        assert!(e.message.contains("only a GS1 Digital Link URI"), "{e}");
        let s = ok("]Q1https://id.gs1.org/01/09520123456788");
        assert_eq!(s.symbology, Some(Symbology::PlainQrCode));
        assert!(
            err("]d2https://id.gs1.org/01/09520123456788")
                .message
                .contains("URI follows")
        );
    }

    #[test]
    fn digital_link_uris_on_any_domain() {
        let s = ok("https://id.gs1.org/01/09520123456788/10/ABC123?17=201231");
        assert_eq!(s.syntax, Syntax::DigitalLink);
        assert_eq!(s.gtin.as_deref(), Some("09520123456788"));
        assert_eq!(s.lot.as_deref(), Some("ABC123"));
        assert_eq!(s.expiry_date, Some(ymd(2020, 12, 31)));
        // Another host, a path prefix, GTIN-13, percent-encoding, a serial,
        // a non-AI parameter and a fragment.
        let s = ok(
            "HTTPS://example.com/shop/p/01/9520123456788/10/A%2FB/21/S1?3103=000123&linkType=gs1:pip#x",
        );
        assert_eq!(s.gtin.as_deref(), Some("09520123456788"));
        assert_eq!(s.lot.as_deref(), Some("A/B"));
        assert_eq!(s.serial.as_deref(), Some("S1"));
        assert_eq!(
            s.elements.last().map(|e| (e.ai.as_str(), e.value.as_str())),
            Some(("3103", "000123"))
        );
        // Unknown but well-formed AIs are read and returned without title.
        let s = ok("https://id.gs1.org/01/09520123456788?7099=X");
        assert_eq!(
            s.elements[1],
            Element {
                ai: "7099".into(),
                title: None,
                value: "X".into()
            }
        );
        let e = err("https://example.com/products/123");
        assert!(e.message.contains("no GS1 primary key"), "{e}");
        assert_eq!(e.position, 19);
        let e = err("https://id.gs1.org/01/09520123456780");
        assert_eq!((e.position, e.ai.as_deref()), (35, Some("01")));
        assert!(
            err("https://id.gs1.org/01/09520123456788/10/A%zz")
                .message
                .contains("percent")
        );
    }

    #[test]
    fn non_gs1_payloads_are_refused_with_a_reason() {
        let e = err("hello world");
        assert_eq!(e.position, 0);
        assert!(
            e.message
                .starts_with("not a GS1 element string or GS1 Digital Link URI"),
            "{e}"
        );
        assert!(
            err("  ftp://x/01/1")
                .message
                .contains("not a GS1 element string")
        );
        assert_eq!(err("").message, "empty input");
        assert_eq!(err(" \r\n\t").message, "empty input");
        assert!(err("]d2\r\n").message.contains("no data"));
        assert!(err("\u{1d}").message.contains("no data"));
        assert!(err("]C1\u{1d}").message.contains("no data"));
    }

    #[test]
    fn unknown_ais_are_read_where_their_end_is_known() {
        assert_eq!(
            elements(&format!("(01){GTIN}(7099)XYZ")),
            [el("01", Some("GTIN"), GTIN), el("7099", None, "XYZ")]
        );
        // Raw: its length cannot be known, so it is an error naming it.
        let e = err(&format!("01{GTIN}7099XYZ"));
        assert_eq!((e.position, e.ai.as_deref()), (16, Some("7099")));
        assert!(e.message.contains("unknown AI 7099"), "{e}");
        let e = err(&format!("01{GTIN}05XYZ"));
        assert_eq!(e.position, 16);
        assert!(
            e.message
                .contains("no GS1 Application Identifier starts with 05"),
            "{e}"
        );
        // Not well-formed: AIs starting with 10 have 2 digits.
        assert!(err("(100)X").message.contains("cannot exist"));
        assert!(err("(12345)X").message.contains("2 to 4 digits"));
        // The old "unsupported" AIs are now simply read.
        assert_eq!(elements("(99)ABC"), [el("99", Some("INTERNAL"), "ABC")]);
    }

    #[test]
    fn lots_and_serials_outside_character_set_82_are_refused() {
        for (bad, at) in [
            ("#", 4),
            ("~", 4),
            ("{", 4),
            ("\\", 4),
            (" ", 4),
            ("\u{e9}", 4),
        ] {
            let e = err(&format!("10AB{bad}CD"));
            assert_eq!((e.position, e.ai.as_deref()), (at, Some("10")), "{bad:?}");
            assert!(e.message.contains("character set 82"), "{e}");
        }
        let e = err(&format!("(01){GTIN}(21)SN~1"));
        assert_eq!((e.position, e.ai.as_deref()), (24, Some("21")));
        // Everything of set 82 is fine.
        let all82: String = (0x21u8..0x7f)
            .map(char::from)
            .filter(|&c| is_cs82(c))
            .collect();
        assert_eq!(all82.len(), 82);
        for chunk in all82.as_bytes().chunks(20) {
            let lot = std::str::from_utf8(chunk).unwrap_or_default();
            assert_eq!(ok(&format!("10{lot}")).lot.as_deref(), Some(lot));
            assert_eq!(check_value("10", lot), Ok(()));
        }
        assert!(check_value("10", "L#1").is_err());
        assert_eq!(check_value("10", "L#1").unwrap_err().position, 1);
    }

    #[test]
    fn parentheses_in_bracketed_data() {
        // A '(' that does not start "(digits)" is data.
        assert_eq!(ok("(10)A(B)C(17)270131").lot.as_deref(), Some("A(B)C"));
        // "\(" is a literal '('.
        let s = ok("(10)A\\(17)B(17)270131");
        assert_eq!(s.lot.as_deref(), Some("A(17)B"));
        assert_eq!(s.expiry_date, Some(ymd(2027, 1, 31)));
        assert_eq!(bracketed_value("A(17)B"), "A\\(17)B");
        assert_eq!(bracketed_value("A(B"), "A(B");
        let u = udi(GTIN, "X(10)(", Some(ymd(2029, 5, 31)));
        assert_eq!(u, "(01)09521234543213(10)X\\(10)((17)290531");
        assert_eq!(ok(&u).lot.as_deref(), Some("X(10)("));
    }

    #[test]
    fn raw_gs1_128_with_gs_and_day_00() {
        let scan = ok("]C1010952123454321310ABC123\u{1d}17270100");
        assert_eq!(scan.gtin.as_deref(), Some(GTIN));
        assert_eq!(scan.lot.as_deref(), Some("ABC123"));
        assert_eq!(scan.expiry_date, Some(ymd(2027, 1, 31)));
    }

    #[test]
    fn human_readable_with_spaces_and_line_ending() {
        let s = ok("  (01) 09521234543213 (17) 270131  (10) L24A017\r\n");
        assert_eq!(s.gtin.as_deref(), Some(GTIN));
        assert_eq!(s.lot.as_deref(), Some("L24A017"));
        assert_eq!(s.expiry_date, Some(ymd(2027, 1, 31)));
    }

    #[test]
    fn production_date_and_day_00() {
        let scan = ok("(01)09521234543213(11)240315(17)290314");
        assert_eq!(scan.production_date, Some(ymd(2024, 3, 15)));
        assert_eq!(scan.expiry_date, Some(ymd(2029, 3, 14)));
        assert_eq!(ok("11240200").production_date, Some(ymd(2024, 2, 29)));
        assert_eq!(ok("17280200").expiry_date, Some(ymd(2028, 2, 29)));
        assert_eq!(ok("17270200").expiry_date, Some(ymd(2027, 2, 28)));
        assert_eq!(ok("17271200").expiry_date, Some(ymd(2027, 12, 31)));
    }

    #[test]
    fn bad_check_digit() {
        let e = err("(01)09521234543210");
        assert_eq!(e.message, "check digit should be 3, found 0");
        assert_eq!(e.ai.as_deref(), Some("01"));
        assert_eq!(e.position, 17);
        assert_eq!(err("0109521234543210").position, 15);
    }

    #[test]
    fn gtin_wrong_length_or_not_digits() {
        let e = err("(01)0952123454321");
        assert_eq!((e.position, e.ai.as_deref()), (17, Some("01")));
        assert!(e.message.contains("14 digits"), "{e}");
        assert_eq!(err("(01)095212345432130").position, 18);
        let e = err("010952123X543213");
        assert_eq!(e.position, 9);
        assert!(e.message.contains("'X'"), "{e}");
        assert_eq!(err("0109521").position, 7);
    }

    #[test]
    fn impossible_dates() {
        let e = err("010952123454321317271331");
        assert_eq!((e.position, e.ai.as_deref()), (20, Some("17")));
        assert_eq!(
            e.to_string(),
            "at 20, AI 17 (USE BY OR EXPIRY): month 13 is not a month"
        );
        assert!(err("(17)270031").message.contains("month 00"));
        let e = err("17310231");
        assert_eq!((e.position, e.ai.as_deref()), (6, Some("17")));
        assert!(e.message.contains("day 31"), "{e}");
        assert!(err("(11)270230").message.contains("day 30"));
        assert!(ok("17280229").expiry_date.is_some());
        assert!(parse_at("17270229", YEAR).is_err());
    }

    #[test]
    fn too_long_or_empty_lot() {
        let e = err("10ABCDEFGHIJKLMNOPQRSTU");
        assert_eq!((e.position, e.ai.as_deref()), (22, Some("10")));
        assert!(e.message.contains("21 characters"), "{e}");
        let twenty = "ABCDEFGHIJKLMNOPQRST";
        assert_eq!(ok(&format!("10{twenty}")).lot.as_deref(), Some(twenty));
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
        assert_eq!(ok("(10)A(10)A").elements.len(), 1);
        assert!(ok("1727010017270131").expiry_date.is_some());
        assert!(parse_at("0109521234543213\u{1d}0109521234543220", YEAR).is_err());
    }

    #[test]
    fn gs_handling() {
        let s = ok("\u{1d}0109521234543213\u{1d}17270131\u{1d}10L24A017\u{1d}\r\n");
        assert_eq!(s.lot.as_deref(), Some("L24A017"));
        let e = err("10L24A017\u{1d}\u{1d}17270131");
        assert_eq!(e.position, 10);
        assert!(e.message.contains("GS"), "{e}");
        assert_eq!(err("17270\u{1d}131").position, 5);
        // Textual stand-ins for GS are data (and '<', '>' are in set 82).
        assert_eq!(
            ok("10ABC<GS>17270131").lot.as_deref(),
            Some("ABC<GS>17270131")
        );
        // Without GS a variable field runs to the end.
        assert_eq!(ok("10ABC17270131").lot.as_deref(), Some("ABC17270131"));
        // A fixed-length AI that wants FNC1 after it is read by its length.
        let s = ok(&format!("01{GTIN}8005000150\u{1d}10L1"));
        assert_eq!(s.elements[1].value, "000150");
        assert_eq!(
            ok(&format!("01{GTIN}800500015010L1")).lot.as_deref(),
            Some("L1")
        );
    }

    #[test]
    fn positions_count_chars_of_untrimmed_input() {
        assert_eq!(err("  \u{e9}").position, 2);
        assert_eq!(err(" \t010952123454321317271331").position, 22);
    }

    #[test]
    fn malformed_bracketed() {
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
        assert!(
            err(&format!("01{GTIN}700"))
                .message
                .contains("middle of an AI")
        );
    }

    #[test]
    fn error_display_and_trait() {
        let e = error(0, "empty input");
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

    /// (YYMMDD text, expected date in YEAR's window); day 00 included.
    fn date_strategy() -> impl Strategy<Value = (String, NaiveDate)> {
        (0u32..100, 1u32..=12)
            .prop_flat_map(|(yy, mm)| {
                let year = century_year(yy, YEAR);
                let dim = days_in_month(year, mm);
                (Just(yy), Just(year), Just(mm), 0..=dim, Just(dim))
            })
            .prop_map(|(yy, year, mm, dd, dim)| {
                let day = if dd == 0 { dim } else { dd };
                (format!("{yy:02}{mm:02}{dd:02}"), ymd(year, mm, day))
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
        let alphabet: Vec<char> = "0123456789()]\u{1d} dCQ123XL/:?=%htps".chars().collect();
        proptest::collection::vec(proptest::sample::select(alphabet), 0..60)
            .prop_map(|v| v.into_iter().collect())
    }

    /// Any printable ASCII (and a few others), as a user might type a lot.
    fn typed_lot() -> impl Strategy<Value = String> {
        "[\\x20-\\x7e\u{e9}]{0,22}"
    }

    proptest! {
        #[test]
        fn never_panics_on_anything(s in ".*") {
            if let Err(e) = parse(&s) {
                prop_assert!(e.position <= s.chars().count());
            }
        }

        #[test]
        fn never_panics_on_gs1_like_noise(
            s in noisy_string(),
            prefix in prop_oneof![Just(""), Just("]d2"), Just("(01)"), Just("0109521234543213"),
                                  Just("https://x/01/09521234543213"), Just("]Q1http://a/")],
        ) {
            let input = format!("{prefix}{s}");
            if let Err(e) = parse(&input) {
                prop_assert!(e.position <= input.chars().count());
            }
        }

        /// Every UDI the ERP issues parses back to the same values, for every
        /// lot number it accepts; and what it accepts is valid per the table.
        #[test]
        fn every_issued_udi_reads_back(
            gtin in gtin_strategy(),
            lot in typed_lot(),
            expiry in proptest::option::of(0i64..(100 * 366)),
        ) {
            let expiry = expiry
                .and_then(|d| ymd(YEAR - 49, 1, 1).checked_add_signed(chrono::Duration::days(d)))
                .filter(|d| fits_sliding_window(*d, YEAR));
            let trimmed = lot.trim();
            if check_value("10", trimmed).is_ok() {
                prop_assert!(trimmed.chars().all(is_cs82));
                prop_assert!((1..=20).contains(&trimmed.chars().count()));
                let u = udi(&gtin, trimmed, expiry);
                let s = parse_at(&u, YEAR).map_err(|e| TestCaseError::fail(format!("{u}: {e}")))?;
                prop_assert_eq!(s.gtin.as_deref(), Some(gtin.as_str()));
                prop_assert_eq!(s.lot.as_deref(), Some(trimmed));
                prop_assert_eq!(s.expiry_date, expiry);
                // And in raw form, as a printer would encode it.
                let raw = format!("]d201{gtin}{}10{trimmed}",
                    expiry.map(|e| format!("17{}", e.format("%y%m%d"))).unwrap_or_default());
                let s = parse_at(&raw, YEAR).map_err(|e| TestCaseError::fail(format!("{raw}: {e}")))?;
                prop_assert_eq!(s.lot.as_deref(), Some(trimmed));
            } else {
                prop_assert!(trimmed.is_empty() || trimmed.chars().count() > 20
                    || !trimmed.chars().all(is_cs82));
            }
        }

        #[test]
        fn round_trip(
            gtin in gtin_strategy(),
            expiry in date_strategy(),
            production in proptest::option::of(date_strategy()),
            lot in "[A-Za-z0-9!\"%&'()*+,./:;<=>?_-]{1,20}",
            serial in proptest::option::of("[A-Z0-9]{1,20}"),
            order_seed in proptest::collection::vec(any::<u8>(), 5),
            prefix in prop_oneof![Just(""), Just("]d2"), Just("]C1"), Just("]e0"), Just("]Q3"), Just("]J1")],
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
            let mut keyed: Vec<_> = elements.into_iter().zip(order_seed).map(|(e, k)| (k, e)).collect();
            keyed.sort_by_key(|(k, _)| *k);
            let elements: Vec<_> = keyed.into_iter().map(|(_, e)| e).collect();

            let check = |s: &Gs1Scan| {
                s.gtin.as_deref() == Some(gtin.as_str())
                    && s.lot.as_deref() == Some(lot.as_str())
                    && s.serial == serial
                    && s.production_date == production.as_ref().map(|(_, d)| *d)
                    && s.expiry_date == Some(expiry.1)
            };
            let separator = if spaced { " " } else { "" };
            let human: Vec<String> = elements
                .iter()
                .map(|(ai, data, _)| format!("({ai}){}", bracketed_value(data)))
                .collect();
            let human = human.join(separator);
            let parsed = parse_at(&human, YEAR);
            prop_assert!(parsed.as_ref().is_ok_and(check), "{human}: {parsed:?}");

            let mut raw = prefix.to_string();
            for (k, (ai, data, variable)) in elements.iter().enumerate() {
                raw.push_str(ai);
                raw.push_str(data);
                if *variable && k + 1 < elements.len() {
                    raw.push(GS);
                }
            }
            let parsed = parse_at(&raw, YEAR);
            prop_assert!(parsed.as_ref().is_ok_and(check), "{raw:?}: {parsed:?}");
        }
    }
}
