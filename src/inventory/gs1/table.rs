//! The GS1 Application Identifier table, as data.
//!
//! One [`AiDef`] per AI (or per family: a code ending in `n`, such as `310n`,
//! stands for the ten AIs whose last digit is the decimal-point indicator,
//! or the sequence digit of `703s` / `723s`). Each entry gives the data
//! title of the GS1 General Specifications (section 3.2) and the format of
//! the data field as a list of [`Part`]s — `N2+N13+X..17` for AI 253 is two
//! parts, `N13` with a check digit and `X..17` — each with its character set,
//! length and the rule its content must satisfy (check digit, date, time).
//!
//! Whether an FNC1 separator must follow an AI is not written per entry but
//! derived, as the specifications do, from [`PREDEFINED_LENGTH`]: the AIs
//! whose first two digits are listed there have a predefined length and
//! need no separator; every other AI does, even when its data has a fixed
//! length (e.g. AI 8005, `N4+N6`).
//!
//! Not checked (documented in the parser's module docs): the GMN / MUDI
//! alphanumeric check-character pair (AIs 8013, 8014), code lists such as
//! ISO 3166 countries or ISO 4217 currencies (only their digits are checked),
//! and the associations between AIs (mandatory pairs, exclusions).

/// Character set of a part of a data field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// `N`: digits 0–9.
    Numeric,
    /// `X`: GS1 AI encodable character set 82.
    Cs82,
    /// `Y`: GS1 AI encodable character set 39 (`#`, `-`, `/`, 0–9, A–Z).
    Cs39,
    /// `Z`: GS1 AI encodable character set 64 (file-safe base64: A–Z,
    /// a–z, 0–9, `-`, `_`, and `=` padding).
    Cs64,
}

/// What the content of a part must satisfy beyond its character set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Nothing more.
    None,
    /// The last digit is a GS1 mod-10 check digit over the digits before it.
    CheckDigit,
    /// `YYMMDD`, a real date (century by the sliding window).
    Yymmdd,
    /// `YYMMDD` where day `00` means "the month, no day given" (read as the
    /// last day of that month).
    YymmddDay00,
    /// `YYYYMMDD`, a real date.
    Yyyymmdd,
    /// `HH`, 00–23.
    Hh,
    /// `HHMM`, 00:00–23:59.
    Hhmm,
    /// `MM` or `MMSS` (minutes, optional seconds), each 00–59.
    MmOptSs,
    /// The single character `-`.
    Hyphen,
}

/// One component of an AI's data field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// Its characters.
    pub charset: Charset,
    /// Fewest characters (equal to `max` for a fixed-length part).
    pub min: u8,
    /// Most characters.
    pub max: u8,
    /// An optional part (`[N6]` of AI 7007): absent, or exactly `max`.
    pub optional: bool,
    /// The rule its content obeys.
    pub rule: Rule,
}

/// One AI, or a family of ten (code ending in `n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AiDef {
    /// The AI, e.g. `"01"`, `"7003"`, or `"310n"` for 3100–3109.
    pub code: &'static str,
    /// The data title of the GS1 General Specifications.
    pub title: &'static str,
    /// The data field's components, in order.
    pub parts: &'static [Part],
}

impl AiDef {
    /// Number of digits of the AI itself.
    #[must_use]
    pub fn ai_len(&self) -> usize {
        self.code.len()
    }

    /// Whether `code` (all digits) is this AI or one of its family.
    #[must_use]
    pub fn matches(&self, code: &str) -> bool {
        self.code.len() == code.len()
            && self
                .code
                .bytes()
                .zip(code.bytes())
                .all(|(p, c)| p == c || (p == b'n' && c.is_ascii_digit()))
    }

    /// Number of data characters when the field has a fixed length.
    #[must_use]
    pub fn fixed_len(&self) -> Option<usize> {
        self.parts
            .iter()
            .all(|p| p.min == p.max && !p.optional)
            .then(|| self.parts.iter().map(|p| usize::from(p.max)).sum())
    }

    /// Most data characters.
    #[must_use]
    pub fn max_len(&self) -> usize {
        self.parts.iter().map(|p| usize::from(p.max)).sum()
    }

    /// Whether an FNC1 (GS) must follow this AI's data when another element
    /// comes after it: every AI but those of [`PREDEFINED_LENGTH`].
    #[must_use]
    pub fn fnc1_required(&self) -> bool {
        predefined_length(self.code).is_none()
    }

    /// The format as the specifications write it, e.g. `N2+N13+X..17`.
    #[must_use]
    pub fn format(&self) -> String {
        let mut s = format!("N{}", self.code.len());
        for p in self.parts {
            let c = match p.charset {
                Charset::Numeric => 'N',
                Charset::Cs82 => 'X',
                Charset::Cs39 => 'Y',
                Charset::Cs64 => 'Z',
            };
            s.push('+');
            if p.optional {
                s.push_str(&format!("[{c}{}]", p.max));
            } else if p.min == p.max {
                s.push_str(&format!("{c}{}", p.max));
            } else {
                s.push_str(&format!("{c}..{}", p.max));
            }
        }
        s
    }
}

/// The "predefined length" table of the GS1 General Specifications: the
/// first two digits of an AI and the length of AI plus data. These AIs never
/// need an FNC1 separator after them.
pub const PREDEFINED_LENGTH: &[(&str, usize)] = &[
    ("00", 20),
    ("01", 16),
    ("02", 16),
    ("03", 16),
    ("04", 18),
    ("11", 8),
    ("12", 8),
    ("13", 8),
    ("14", 8),
    ("15", 8),
    ("16", 8),
    ("17", 8),
    ("18", 8),
    ("19", 8),
    ("20", 4),
    ("31", 10),
    ("32", 10),
    ("33", 10),
    ("34", 10),
    ("35", 10),
    ("36", 10),
    ("41", 16),
];

/// The predefined length (AI + data) of an AI by its first two digits.
#[must_use]
pub fn predefined_length(code: &str) -> Option<usize> {
    let prefix = code.get(..2)?;
    PREDEFINED_LENGTH
        .iter()
        .find(|(p, _)| *p == prefix)
        .map(|&(_, n)| n)
}

/// The table entry of an AI, if it is in the table.
#[must_use]
pub fn lookup(code: &str) -> Option<&'static AiDef> {
    TABLE.iter().find(|d| d.matches(code))
}

/// The length of the AIs that start with these two digits, as the table
/// has it (every AI sharing its first two digits has the same length).
#[must_use]
pub fn ai_len_for_prefix(prefix: &str) -> Option<usize> {
    TABLE
        .iter()
        .find(|d| d.code.starts_with(prefix))
        .map(AiDef::ai_len)
}

/// Number of AIs in the table, each family counted as its ten AIs.
#[must_use]
pub fn ai_count() -> usize {
    TABLE
        .iter()
        .map(|d| if d.code.ends_with('n') { 10 } else { 1 })
        .sum()
}

const fn part(charset: Charset, min: u8, max: u8, rule: Rule) -> Part {
    Part {
        charset,
        min,
        max,
        optional: false,
        rule,
    }
}

/// `N<len>`, fixed length.
const fn n(len: u8) -> Part {
    part(Charset::Numeric, len, len, Rule::None)
}
/// `N<len>` ending in a check digit.
const fn ncd(len: u8) -> Part {
    part(Charset::Numeric, len, len, Rule::CheckDigit)
}
/// `N..<max>`.
const fn nv(max: u8) -> Part {
    part(Charset::Numeric, 1, max, Rule::None)
}
/// `X<len>`, fixed length.
const fn x(len: u8) -> Part {
    part(Charset::Cs82, len, len, Rule::None)
}
/// `X..<max>`.
const fn xv(max: u8) -> Part {
    part(Charset::Cs82, 1, max, Rule::None)
}
/// `N6` `YYMMDD`.
const fn date() -> Part {
    part(Charset::Numeric, 6, 6, Rule::Yymmdd)
}
/// `N6` `YYMMDD`, day 00 allowed.
const fn date00() -> Part {
    part(Charset::Numeric, 6, 6, Rule::YymmddDay00)
}
/// `N4` `HHMM`.
const fn hhmm() -> Part {
    part(Charset::Numeric, 4, 4, Rule::Hhmm)
}
const fn optional(mut p: Part) -> Part {
    p.optional = true;
    p
}

const fn ai(code: &'static str, title: &'static str, parts: &'static [Part]) -> AiDef {
    AiDef { code, title, parts }
}

/// Every AI of the GS1 General Specifications (release 25), in AI order.
pub static TABLE: &[AiDef] = &[
    ai("00", "SSCC", &[ncd(18)]),
    ai("01", "GTIN", &[ncd(14)]),
    ai("02", "CONTENT", &[ncd(14)]),
    ai("03", "MTO GTIN", &[ncd(14)]),
    ai("10", "BATCH/LOT", &[xv(20)]),
    ai("11", "PROD DATE", &[date00()]),
    ai("12", "DUE DATE", &[date00()]),
    ai("13", "PACK DATE", &[date00()]),
    ai("15", "BEST BEFORE or BEST BY", &[date00()]),
    ai("16", "SELL BY", &[date00()]),
    ai("17", "USE BY OR EXPIRY", &[date00()]),
    ai("20", "VARIANT", &[n(2)]),
    ai("21", "SERIAL", &[xv(20)]),
    ai("22", "CPV", &[xv(20)]),
    ai("235", "TPX", &[xv(28)]),
    ai("240", "ADDITIONAL ID", &[xv(30)]),
    ai("241", "CUST. PART No.", &[xv(30)]),
    ai("242", "MTO VARIANT", &[nv(6)]),
    ai("243", "PCN", &[xv(20)]),
    ai("250", "SECONDARY SERIAL", &[xv(30)]),
    ai("251", "REF. TO SOURCE", &[xv(30)]),
    ai(
        "253",
        "GDTI",
        &[ncd(13), part(Charset::Cs82, 0, 17, Rule::None)],
    ),
    ai("254", "GLN EXTENSION COMPONENT", &[xv(20)]),
    ai(
        "255",
        "GCN",
        &[ncd(13), part(Charset::Numeric, 0, 12, Rule::None)],
    ),
    ai("30", "VAR. COUNT", &[nv(8)]),
    ai("310n", "NET WEIGHT (kg)", &[n(6)]),
    ai("311n", "LENGTH (m)", &[n(6)]),
    ai("312n", "WIDTH (m)", &[n(6)]),
    ai("313n", "HEIGHT (m)", &[n(6)]),
    ai("314n", "AREA (m²)", &[n(6)]),
    ai("315n", "NET VOLUME (l)", &[n(6)]),
    ai("316n", "NET VOLUME (m³)", &[n(6)]),
    ai("320n", "NET WEIGHT (lb)", &[n(6)]),
    ai("321n", "LENGTH (in)", &[n(6)]),
    ai("322n", "LENGTH (ft)", &[n(6)]),
    ai("323n", "LENGTH (yd)", &[n(6)]),
    ai("324n", "WIDTH (in)", &[n(6)]),
    ai("325n", "WIDTH (ft)", &[n(6)]),
    ai("326n", "WIDTH (yd)", &[n(6)]),
    ai("327n", "HEIGHT (in)", &[n(6)]),
    ai("328n", "HEIGHT (ft)", &[n(6)]),
    ai("329n", "HEIGHT (yd)", &[n(6)]),
    ai("330n", "GROSS WEIGHT (kg)", &[n(6)]),
    ai("331n", "LENGTH (m), log", &[n(6)]),
    ai("332n", "WIDTH (m), log", &[n(6)]),
    ai("333n", "HEIGHT (m), log", &[n(6)]),
    ai("334n", "AREA (m²), log", &[n(6)]),
    ai("335n", "VOLUME (l), log", &[n(6)]),
    ai("336n", "VOLUME (m³), log", &[n(6)]),
    ai("337n", "KG PER m²", &[n(6)]),
    ai("340n", "GROSS WEIGHT (lb)", &[n(6)]),
    ai("341n", "LENGTH (in), log", &[n(6)]),
    ai("342n", "LENGTH (ft), log", &[n(6)]),
    ai("343n", "LENGTH (yd), log", &[n(6)]),
    ai("344n", "WIDTH (in), log", &[n(6)]),
    ai("345n", "WIDTH (ft), log", &[n(6)]),
    ai("346n", "WIDTH (yd), log", &[n(6)]),
    ai("347n", "HEIGHT (in), log", &[n(6)]),
    ai("348n", "HEIGHT (ft), log", &[n(6)]),
    ai("349n", "HEIGHT (yd), log", &[n(6)]),
    ai("350n", "AREA (in²)", &[n(6)]),
    ai("351n", "AREA (ft²)", &[n(6)]),
    ai("352n", "AREA (yd²)", &[n(6)]),
    ai("353n", "AREA (in²), log", &[n(6)]),
    ai("354n", "AREA (ft²), log", &[n(6)]),
    ai("355n", "AREA (yd²), log", &[n(6)]),
    ai("356n", "NET WEIGHT (t oz)", &[n(6)]),
    ai("357n", "NET VOLUME (oz)", &[n(6)]),
    ai("360n", "NET VOLUME (qt)", &[n(6)]),
    ai("361n", "NET VOLUME (gal.)", &[n(6)]),
    ai("362n", "VOLUME (qt), log", &[n(6)]),
    ai("363n", "VOLUME (gal.), log", &[n(6)]),
    ai("364n", "VOLUME (in³)", &[n(6)]),
    ai("365n", "VOLUME (ft³)", &[n(6)]),
    ai("366n", "VOLUME (yd³)", &[n(6)]),
    ai("367n", "VOLUME (in³), log", &[n(6)]),
    ai("368n", "VOLUME (ft³), log", &[n(6)]),
    ai("369n", "VOLUME (yd³), log", &[n(6)]),
    ai("37", "COUNT", &[nv(8)]),
    ai("390n", "AMOUNT", &[nv(15)]),
    ai("391n", "AMOUNT", &[n(3), nv(15)]),
    ai("392n", "PRICE", &[nv(15)]),
    ai("393n", "PRICE", &[n(3), nv(15)]),
    ai("394n", "PRCNT OFF", &[n(4)]),
    ai("395n", "PRICE/UoM", &[n(6)]),
    ai("400", "ORDER NUMBER", &[xv(30)]),
    ai("401", "GINC", &[xv(30)]),
    ai("402", "GSIN", &[ncd(17)]),
    ai("403", "ROUTE", &[xv(30)]),
    ai("410", "SHIP TO LOC", &[ncd(13)]),
    ai("411", "BILL TO", &[ncd(13)]),
    ai("412", "PURCHASE FROM", &[ncd(13)]),
    ai("413", "SHIP FOR LOC", &[ncd(13)]),
    ai("414", "LOC No.", &[ncd(13)]),
    ai("415", "PAY TO", &[ncd(13)]),
    ai("416", "PROD/SERV LOC", &[ncd(13)]),
    ai("417", "PARTY", &[ncd(13)]),
    ai("420", "SHIP TO POST", &[xv(20)]),
    ai("421", "SHIP TO POST", &[n(3), xv(9)]),
    ai("422", "ORIGIN", &[n(3)]),
    ai(
        "423",
        "COUNTRY - INITIAL PROCESS.",
        &[n(3), part(Charset::Numeric, 0, 12, Rule::None)],
    ),
    ai("424", "COUNTRY - PROCESS.", &[n(3)]),
    ai(
        "425",
        "COUNTRY - DISASSEMBLY",
        &[n(3), part(Charset::Numeric, 0, 12, Rule::None)],
    ),
    ai("426", "COUNTRY - FULL PROCESS", &[n(3)]),
    ai("427", "ORIGIN SUBDIVISION", &[xv(3)]),
    ai("4300", "SHIP TO COMP", &[xv(35)]),
    ai("4301", "SHIP TO NAME", &[xv(35)]),
    ai("4302", "SHIP TO ADD1", &[xv(70)]),
    ai("4303", "SHIP TO ADD2", &[xv(70)]),
    ai("4304", "SHIP TO SUB", &[xv(70)]),
    ai("4305", "SHIP TO LOC", &[xv(70)]),
    ai("4306", "SHIP TO REG", &[xv(70)]),
    ai("4307", "SHIP TO COUNTRY", &[x(2)]),
    ai("4308", "SHIP TO PHONE", &[xv(30)]),
    ai("4309", "SHIP TO GEO", &[n(20)]),
    ai("4310", "RTN TO COMP", &[xv(35)]),
    ai("4311", "RTN TO NAME", &[xv(35)]),
    ai("4312", "RTN TO ADD1", &[xv(70)]),
    ai("4313", "RTN TO ADD2", &[xv(70)]),
    ai("4314", "RTN TO SUB", &[xv(70)]),
    ai("4315", "RTN TO LOC", &[xv(70)]),
    ai("4316", "RTN TO REG", &[xv(70)]),
    ai("4317", "RTN TO COUNTRY", &[x(2)]),
    ai("4318", "RTN TO POST", &[xv(20)]),
    ai("4319", "RTN TO PHONE", &[xv(30)]),
    ai("4320", "SRV DESCRIPTION", &[xv(35)]),
    ai("4321", "DANGEROUS GOODS", &[n(1)]),
    ai("4322", "AUTH TO LEAVE", &[n(1)]),
    ai("4323", "SIG REQUIRED", &[n(1)]),
    ai("4324", "NBEF DEL DT", &[date00(), hhmm()]),
    ai("4325", "NAFT DEL DT", &[date00(), hhmm()]),
    ai("4326", "REL DATE", &[date()]),
    ai(
        "4330",
        "MAX TEMP F.",
        &[n(6), optional(part(Charset::Cs82, 1, 1, Rule::Hyphen))],
    ),
    ai(
        "4331",
        "MAX TEMP C.",
        &[n(6), optional(part(Charset::Cs82, 1, 1, Rule::Hyphen))],
    ),
    ai(
        "4332",
        "MIN TEMP F.",
        &[n(6), optional(part(Charset::Cs82, 1, 1, Rule::Hyphen))],
    ),
    ai(
        "4333",
        "MIN TEMP C.",
        &[n(6), optional(part(Charset::Cs82, 1, 1, Rule::Hyphen))],
    ),
    ai("7001", "NSN", &[n(13)]),
    ai("7002", "MEAT CUT", &[xv(30)]),
    ai("7003", "EXPIRY TIME", &[date(), hhmm()]),
    ai("7004", "ACTIVE POTENCY", &[nv(4)]),
    ai("7005", "CATCH AREA", &[xv(12)]),
    ai("7006", "FIRST FREEZE DATE", &[date()]),
    ai("7007", "HARVEST DATE", &[date(), optional(date())]),
    ai("7008", "AQUATIC SPECIES", &[xv(3)]),
    ai("7009", "FISHING GEAR TYPE", &[xv(10)]),
    ai("7010", "PROD METHOD", &[xv(2)]),
    ai("7011", "TEST BY DATE", &[date(), optional(hhmm())]),
    ai("7020", "REFURB LOT", &[xv(20)]),
    ai("7021", "FUNC STAT", &[xv(20)]),
    ai("7022", "REV STAT", &[xv(20)]),
    ai("7023", "GIAI - ASSEMBLY", &[xv(30)]),
    ai("703n", "PROCESSOR # s", &[n(3), xv(27)]),
    ai("7040", "UIC+EXT", &[n(1), x(1), x(1), x(1)]),
    ai("7041", "UFRGT UNIT TYPE", &[xv(4)]),
    ai("710", "NHRN PZN", &[xv(20)]),
    ai("711", "NHRN CIP", &[xv(20)]),
    ai("712", "NHRN CN", &[xv(20)]),
    ai("713", "NHRN DRN", &[xv(20)]),
    ai("714", "NHRN AIM", &[xv(20)]),
    ai("715", "NHRN NDC", &[xv(20)]),
    ai("716", "NHRN AIC", &[xv(20)]),
    ai("717", "NHRN SRN", &[xv(20)]),
    ai("723n", "CERT # s", &[x(2), xv(28)]),
    ai("7240", "PROTOCOL", &[xv(20)]),
    ai("7241", "AIDC MEDIA TYPE", &[n(2)]),
    ai("7242", "VCN", &[xv(25)]),
    ai(
        "7250",
        "DOB",
        &[part(Charset::Numeric, 8, 8, Rule::Yyyymmdd)],
    ),
    ai(
        "7251",
        "DOB TIME",
        &[part(Charset::Numeric, 8, 8, Rule::Yyyymmdd), hhmm()],
    ),
    ai("7252", "BIO SEX", &[n(1)]),
    ai("7253", "FAMILY NAME", &[xv(40)]),
    ai("7254", "GIVEN NAME", &[xv(40)]),
    ai("7255", "SUFFIX", &[xv(10)]),
    ai("7256", "FULL NAME", &[xv(90)]),
    ai("7257", "PERSON ADDR", &[xv(70)]),
    ai("7258", "BIRTH SEQUENCE", &[n(1), x(1), n(1)]),
    ai("7259", "BABY", &[xv(40)]),
    ai("8001", "DIMENSIONS", &[n(14)]),
    ai("8002", "CMT No.", &[xv(20)]),
    ai(
        "8003",
        "GRAI",
        &[n(1), ncd(13), part(Charset::Cs82, 0, 16, Rule::None)],
    ),
    ai("8004", "GIAI", &[xv(30)]),
    ai("8005", "PRICE PER UNIT", &[n(6)]),
    ai("8006", "ITIP", &[ncd(14), n(2), n(2)]),
    ai("8007", "IBAN", &[xv(34)]),
    ai(
        "8008",
        "PROD TIME",
        &[
            date(),
            part(Charset::Numeric, 2, 2, Rule::Hh),
            part(Charset::Numeric, 0, 4, Rule::MmOptSs),
        ],
    ),
    ai("8009", "OPTSEN", &[xv(50)]),
    ai("8010", "CPID", &[part(Charset::Cs39, 1, 30, Rule::None)]),
    ai("8011", "CPID SERIAL", &[nv(12)]),
    ai("8012", "VERSION", &[xv(20)]),
    ai("8013", "GMN", &[xv(25)]),
    ai("8014", "MUDI", &[xv(25)]),
    ai("8017", "GSRN - PROVIDER", &[ncd(18)]),
    ai("8018", "GSRN - RECIPIENT", &[ncd(18)]),
    ai("8019", "SRIN", &[nv(10)]),
    ai("8020", "REF No.", &[xv(25)]),
    ai("8026", "ITIP CONTENT", &[ncd(14), n(2), n(2)]),
    ai("8030", "DIGSIG", &[part(Charset::Cs64, 1, 90, Rule::None)]),
    ai("8110", "COUPON CODE", &[xv(70)]),
    ai("8111", "POINTS", &[n(4)]),
    ai("8112", "COUPON OFFER", &[xv(70)]),
    ai("8200", "PRODUCT URL", &[xv(70)]),
    ai("90", "INTERNAL", &[xv(30)]),
    ai("91", "INTERNAL", &[xv(90)]),
    ai("92", "INTERNAL", &[xv(90)]),
    ai("93", "INTERNAL", &[xv(90)]),
    ai("94", "INTERNAL", &[xv(90)]),
    ai("95", "INTERNAL", &[xv(90)]),
    ai("96", "INTERNAL", &[xv(90)]),
    ai("97", "INTERNAL", &[xv(90)]),
    ai("98", "INTERNAL", &[xv(90)]),
    ai("99", "INTERNAL", &[xv(90)]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_prefix_free_and_two_to_four_digits() {
        for (i, a) in TABLE.iter().enumerate() {
            assert!((2..=4).contains(&a.code.len()), "{}", a.code);
            assert!(
                a.code
                    .bytes()
                    .enumerate()
                    .all(|(k, b)| b.is_ascii_digit() || (b == b'n' && k + 1 == a.code.len())),
                "{}",
                a.code
            );
            for b in TABLE.iter().skip(i + 1) {
                let n = a.code.len().min(b.code.len());
                let clash = a
                    .code
                    .bytes()
                    .zip(b.code.bytes())
                    .take(n)
                    .all(|(p, q)| p == q || p == b'n' || q == b'n');
                assert!(!clash, "{} and {} overlap", a.code, b.code);
            }
        }
    }

    #[test]
    fn all_ais_sharing_two_digits_have_the_same_length() {
        for a in TABLE {
            assert_eq!(
                ai_len_for_prefix(&a.code[..2]),
                Some(a.ai_len()),
                "{}",
                a.code
            );
        }
    }

    #[test]
    fn predefined_lengths_agree_with_the_formats() {
        for a in TABLE {
            if let Some(total) = predefined_length(a.code) {
                assert_eq!(
                    a.fixed_len().map(|n| n + a.ai_len()),
                    Some(total),
                    "{}",
                    a.code
                );
                assert!(!a.fnc1_required());
            } else {
                assert!(a.fnc1_required(), "{}", a.code);
            }
        }
    }

    #[test]
    fn formats_read_as_in_the_specifications() {
        let f = |c: &str| lookup(c).map(AiDef::format);
        assert_eq!(f("01").as_deref(), Some("N2+N14"));
        assert_eq!(f("10").as_deref(), Some("N2+X..20"));
        assert_eq!(f("3103").as_deref(), Some("N4+N6"));
        assert_eq!(f("253").as_deref(), Some("N3+N13+X..17"));
        assert_eq!(f("8020").as_deref(), Some("N4+X..25"));
        assert_eq!(f("7003").as_deref(), Some("N4+N6+N4"));
        assert_eq!(f("7007").as_deref(), Some("N4+N6+[N6]"));
        assert_eq!(f("8010").as_deref(), Some("N4+Y..30"));
        assert_eq!(lookup("3103").map(|d| d.title), Some("NET WEIGHT (kg)"));
        assert_eq!(lookup("7036").map(|d| d.title), Some("PROCESSOR # s"));
        assert!(lookup("7099").is_none());
        assert!(lookup("05").is_none());
        assert_eq!(ai_len_for_prefix("70"), Some(4));
        assert_eq!(ai_len_for_prefix("05"), None);
    }

    #[test]
    fn the_table_counts_every_ai() {
        // 210 entries, 61 of them families of ten (310n–369n, 390n–395n,
        // 703s, 723s): 759 AIs.
        let families = TABLE.iter().filter(|d| d.code.ends_with('n')).count();
        assert_eq!((TABLE.len(), families), (210, 61));
        assert_eq!(ai_count(), 759);
    }
}
