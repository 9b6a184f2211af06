//! Checking fields against the AI table: format, length, character set, check digits, dates, repeated AIs.

use super::*;

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
    let err = |k: usize, m: String| ai_error(f.at(k), &f.code, m);
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
        for j in k..(k + take).min(len) {
            let c = f.value[j];
            if !in_charset(part.charset, c) {
                let m = match part.charset {
                    Charset::Numeric => format!("{what}expected a digit, found {}", describe(c)),
                    Charset::Cs82 => {
                        format!("{what}{} is not in GS1 character set 82", describe(c))
                    }
                    Charset::Cs39 => {
                        format!("{what}{} is not in GS1 character set 39", describe(c))
                    }
                    Charset::Cs64 => {
                        format!("{what}{} is not in GS1 character set 64", describe(c))
                    }
                };
                return Err(err(j, m));
            }
        }
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
            return Err(err(len, m));
        }
        if take < usize::from(part.min) {
            return Err(err(k, format!("{what}is empty")));
        }
        let digits: Vec<u32> = f.value[k..k + take]
            .iter()
            .map(|c| c.to_digit(10).unwrap_or(0))
            .collect();
        match part.rule {
            Rule::None => {}
            Rule::CheckDigit => {
                if let Some((&check, body)) = digits.split_last() {
                    let body: Vec<u8> = body.iter().map(|&d| d as u8).collect();
                    let expected = u32::from(gtin_check_digit(&body));
                    if check != expected {
                        return Err(err(
                            k + take - 1,
                            format!("{what}check digit should be {expected}, found {check}"),
                        ));
                    }
                }
            }
            Rule::Yymmdd | Rule::YymmddDay00 => {
                let year = century_year(digits[0] * 10 + digits[1], current_year);
                let d = ymd(year, &digits[2..6], part.rule == Rule::YymmddDay00)
                    .map_err(|(off, m)| err(k + off, format!("{what}{m}")))?;
                if single {
                    date = Some(d);
                }
            }
            Rule::Yyyymmdd => {
                let year = digits[..4].iter().fold(0, |a, d| a * 10 + d);
                ymd(year as i32, &digits[4..8], false)
                    .map_err(|(off, m)| err(k + 2 + off, format!("{what}{m}")))?;
            }
            Rule::Hh => {
                let hh = digits[0] * 10 + digits[1];
                if hh > 23 {
                    return Err(err(k, format!("{what}hour {hh:02} is not an hour")));
                }
            }
            Rule::Hhmm => {
                let hh = digits[0] * 10 + digits[1];
                let mm = digits[2] * 10 + digits[3];
                if hh > 23 {
                    return Err(err(k, format!("{what}hour {hh:02} is not an hour (HHMM)")));
                }
                if mm > 59 {
                    return Err(err(
                        k + 2,
                        format!("{what}minute {mm:02} is not a minute (HHMM)"),
                    ));
                }
            }
            Rule::MmOptSs => {
                if !take.is_multiple_of(2) {
                    return Err(err(
                        k,
                        format!("{what}expected MM or MMSS, found {take} digits"),
                    ));
                }
                for (p, pair) in digits.chunks(2).enumerate() {
                    let v = pair[0] * 10 + pair[1];
                    if v > 59 {
                        return Err(err(
                            k + 2 * p,
                            format!("{what}{v:02} is not a minute or second"),
                        ));
                    }
                }
            }
            Rule::Hyphen => {
                if f.value[k] != '-' {
                    return Err(err(
                        k,
                        format!("{what}expected '-', found {}", describe(f.value[k])),
                    ));
                }
            }
        }
        k += take;
    }
    if k < len {
        let m = match def.fixed_len() {
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
        };
        return Err(err(k, m));
    }
    Ok(date)
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
