//! Checking fields against the AI table: format, length, character set, check digits, dates, repeated AIs.

use super::{table::Part, *};

/// Checks every field and builds the scan.
pub(crate) fn assemble(
    fields: Vec<Field>,
    syntax: Syntax,
    symbology: Option<Symbology>,
    current_year: i32,
) -> Result<Gs1Scan, Gs1Error> {
    let mut scan = Gs1Scan {
        gtin: None,
        lot: None,
        serial: None,
        production_date: None,
        expiry_date: None,
        symbology,
        syntax,
        elements: Vec::new(),
    };
    // (AI, value compared for repeats)
    let mut seen: Vec<(String, String)> = Vec::new();
    for f in fields {
        let def = table::lookup(&f.code);
        let date = match def {
            Some(def) => check_field(def, &f, current_year)?,
            None => {
                check_unknown(&f)?;
                None
            }
        };
        let value: String = f.value.iter().collect();
        let canon = date.map_or_else(|| value.clone(), |d| d.to_string());
        if let Some((_, old)) = seen.iter().find(|(c, _)| *c == f.code) {
            if *old != canon {
                return Err(ai_error(
                    f.code_pos,
                    &f.code,
                    format!("repeated with a different value: {old:?}, then {canon:?}"),
                ));
            }
            continue;
        }
        seen.push((f.code.clone(), canon));
        match f.code.as_str() {
            "01" => scan.gtin = Some(value.clone()),
            "10" => scan.lot = Some(value.clone()),
            "21" => scan.serial = Some(value.clone()),
            "11" => scan.production_date = date,
            "17" => scan.expiry_date = date,
            _ => {}
        }
        scan.elements.push(Element {
            ai: f.code,
            title: def.map(|d| d.title),
            value,
        });
    }
    if scan.elements.is_empty() {
        return Err(error(0, "no GS1 element in the input"));
    }
    Ok(scan)
}

/// An AI not in the table: 1–90 characters of set 82.
pub(crate) fn check_unknown(f: &Field) -> Result<(), Gs1Error> {
    if f.value.is_empty() {
        return Err(ai_error(f.end, &f.code, "is empty"));
    }
    if let Some((k, &c)) = f.value.iter().enumerate().find(|(_, c)| !is_cs82(**c)) {
        return Err(ai_error(
            f.at(k),
            &f.code,
            format!("{} is not in GS1 character set 82", describe(c)),
        ));
    }
    if f.value.len() > 90 {
        return Err(ai_error(
            f.at(90),
            &f.code,
            "is longer than 90 characters, the longest any AI allows",
        ));
    }
    Ok(())
}

/// Checks a field against its table entry. Returns the date of a single
/// `YYMMDD` field (AIs 11–17, …), for the derived fields and repeats.
pub(crate) fn check_field(
    def: &AiDef,
    f: &Field,
    current_year: i32,
) -> Result<Option<NaiveDate>, Gs1Error> {
    let len = f.value.len();
    let single = def.parts.len() == 1;
    let mut k = 0;
    let mut date = None;
    for (n, part) in def.parts.iter().enumerate() {
        let remaining = len - k;
        let max = usize::from(part.max);
        let take = if part.optional {
            if remaining == 0 {
                continue;
            }
            max
        } else if part.min == part.max {
            max
        } else {
            remaining.min(max)
        };
        let what = if single {
            String::new()
        } else {
            format!("part {} of {}: ", n + 1, def.format())
        };
        let at = PartAt {
            f,
            start: k,
            take,
            what: &what,
        };
        at.check_charset(part.charset)?;
        at.check_length(def, part)?;
        let d = at.check_rule(part.rule, current_year)?;
        if single {
            date = d;
        }
        k += take;
    }
    if k < len {
        return Err(ai_error(f.at(k), &f.code, too_long(def, len)));
    }
    Ok(date)
}

/// What is wrong with a field of `len` characters longer than `def` allows.
fn too_long(def: &AiDef, len: usize) -> String {
    match def.fixed_len() {
        Some(total) => {
            let unit = if def.parts.iter().all(|p| p.charset == Charset::Numeric) {
                "digits"
            } else {
                "characters"
            };
            format!("needs exactly {total} {unit}, found {len}")
        }
        None => format!(
            "is {len} characters long, at most {} allowed",
            def.max_len()
        ),
    }
}

/// One part of a field: `take` characters from `start` (fewer when the
/// field ends first), named `what` in messages (empty for a field of one
/// part).
struct PartAt<'a> {
    f: &'a Field,
    start: usize,
    take: usize,
    what: &'a str,
}

impl PartAt<'_> {
    /// An error at offset `k` of the field's value.
    fn err(&self, k: usize, m: String) -> Gs1Error {
        ai_error(self.f.at(k), &self.f.code, m)
    }

    /// Every character of the part is in its character set.
    fn check_charset(&self, charset: Charset) -> Result<(), Gs1Error> {
        let what = self.what;
        let end = (self.start + self.take).min(self.f.value.len());
        for j in self.start..end {
            let c = self.f.value[j];
            if in_charset(charset, c) {
                continue;
            }
            let set = match charset {
                Charset::Numeric => {
                    return Err(
                        self.err(j, format!("{what}expected a digit, found {}", describe(c)))
                    );
                }
                Charset::Cs82 => 82,
                Charset::Cs39 => 39,
                Charset::Cs64 => 64,
            };
            let m = format!("{what}{} is not in GS1 character set {set}", describe(c));
            return Err(self.err(j, m));
        }
        Ok(())
    }

    /// The field has all the part's characters, and the part its fewest.
    fn check_length(&self, def: &AiDef, part: &Part) -> Result<(), Gs1Error> {
        let (what, take) = (self.what, self.take);
        let len = self.f.value.len();
        let remaining = len - self.start;
        if remaining < take {
            let unit = if part.charset == Charset::Numeric {
                "digits"
            } else {
                "characters"
            };
            let m = match def.fixed_len() {
                Some(total) => format!("needs exactly {total} {unit}, found {len}"),
                None => format!("{what}needs {take} {unit}, found {remaining}"),
            };
            return Err(self.err(len, m));
        }
        if take < usize::from(part.min) {
            return Err(self.err(self.start, format!("{what}is empty")));
        }
        Ok(())
    }

    /// The part's content obeys its rule; returns the date of a `YYMMDD`
    /// part.
    fn check_rule(&self, rule: Rule, current_year: i32) -> Result<Option<NaiveDate>, Gs1Error> {
        let (what, k, take) = (self.what, self.start, self.take);
        let digits: Vec<u32> = self.f.value[k..k + take]
            .iter()
            .map(|c| c.to_digit(10).unwrap_or(0))
            .collect();
        let two = |i: usize| digits[i] * 10 + digits[i + 1];
        match rule {
            Rule::None => {}
            Rule::CheckDigit => {
                if let Some((&check, body)) = digits.split_last() {
                    let body: Vec<u8> = body.iter().map(|&d| d as u8).collect();
                    let expected = u32::from(gtin_check_digit(&body));
                    if check != expected {
                        return Err(self.err(
                            k + take - 1,
                            format!("{what}check digit should be {expected}, found {check}"),
                        ));
                    }
                }
            }
            Rule::Yymmdd | Rule::YymmddDay00 => {
                let year = century_year(two(0), current_year);
                let d = ymd(year, &digits[2..6], rule == Rule::YymmddDay00)
                    .map_err(|(off, m)| self.err(k + off, format!("{what}{m}")))?;
                return Ok(Some(d));
            }
            Rule::Yyyymmdd => {
                let year = digits[..4].iter().fold(0, |a, d| a * 10 + d);
                ymd(year as i32, &digits[4..8], false)
                    .map_err(|(off, m)| self.err(k + 2 + off, format!("{what}{m}")))?;
            }
            Rule::Hh if two(0) > 23 => {
                return Err(self.err(k, format!("{what}hour {:02} is not an hour", two(0))));
            }
            Rule::Hh => {}
            Rule::Hhmm => {
                let (hh, mm) = (two(0), two(2));
                if hh > 23 {
                    return Err(self.err(k, format!("{what}hour {hh:02} is not an hour (HHMM)")));
                }
                if mm > 59 {
                    return Err(self.err(
                        k + 2,
                        format!("{what}minute {mm:02} is not a minute (HHMM)"),
                    ));
                }
            }
            Rule::MmOptSs => self.check_minutes_seconds(&digits)?,
            Rule::Hyphen => {
                let c = self.f.value[k];
                if c != '-' {
                    return Err(self.err(k, format!("{what}expected '-', found {}", describe(c))));
                }
            }
        }
        Ok(None)
    }

    /// `MM` or `MMSS`, each pair 00–59.
    fn check_minutes_seconds(&self, digits: &[u32]) -> Result<(), Gs1Error> {
        let (what, k, take) = (self.what, self.start, self.take);
        if !take.is_multiple_of(2) {
            return Err(self.err(k, format!("{what}expected MM or MMSS, found {take} digits")));
        }
        for (p, pair) in digits.chunks(2).enumerate() {
            let v = pair[0] * 10 + pair[1];
            if v > 59 {
                return Err(self.err(k + 2 * p, format!("{what}{v:02} is not a minute or second")));
            }
        }
        Ok(())
    }
}

/// A date from `MMDD` digit values in `year`; day 00 (when allowed) is the
/// last day of the month. The error carries the offset of the bad part
/// (2 = month, 4 = day, counted from the start of `YYMMDD`).
pub(crate) fn ymd(year: i32, mmdd: &[u32], day00: bool) -> Result<NaiveDate, (usize, String)> {
    let month = mmdd[0] * 10 + mmdd[1];
    let day = mmdd[2] * 10 + mmdd[3];
    if !(1..=12).contains(&month) {
        return Err((2, format!("month {month:02} is not a month")));
    }
    if day == 0 && !day00 {
        return Err((4, "day 00 is not allowed in this date".to_string()));
    }
    let found = if day == 0 {
        (28..=31)
            .rev()
            .find_map(|d| NaiveDate::from_ymd_opt(year, month, d))
    } else {
        NaiveDate::from_ymd_opt(year, month, day)
    };
    found.ok_or_else(|| {
        (
            4,
            format!("day {day:02} does not exist in {year}-{month:02}"),
        )
    })
}
