//! Reading a code into fields: raw element strings (FNC1 as GS), the bracketed form, each AI's length from the table.

use super::*;

pub(crate) fn starts_with_ignore_case(s: &[char], i: usize, prefix: &str) -> bool {
    let n = prefix.chars().count();
    s.get(i..i + n).is_some_and(|w| {
        w.iter()
            .zip(prefix.chars())
            .all(|(a, b)| a.eq_ignore_ascii_case(&b))
    })
}

/// One element as found in the input, before its data is checked.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) code: String,
    /// Position of the AI's first digit.
    pub(crate) code_pos: usize,
    pub(crate) value: Vec<char>,
    /// Position in the input of each character of `value`.
    pub(crate) pos: Vec<usize>,
    /// Position just after the value.
    pub(crate) end: usize,
}

impl Field {
    pub(crate) fn at(&self, k: usize) -> usize {
        self.pos.get(k).copied().unwrap_or(self.end)
    }
}

pub(crate) fn error(position: usize, message: impl Into<String>) -> Gs1Error {
    Gs1Error {
        position,
        ai: None,
        title: None,
        message: message.into(),
    }
}

pub(crate) fn ai_error(position: usize, code: &str, message: impl Into<String>) -> Gs1Error {
    Gs1Error {
        position,
        ai: Some(code.to_string()),
        title: table::lookup(code).map(|d| d.title),
        message: message.into(),
    }
}

/// Describes a character for an error message.
pub(crate) fn describe(c: char) -> String {
    match c {
        GS => "GS (U+001D)".to_string(),
        ' ' => "a space".to_string(),
        c if c.is_ascii_graphic() => format!("'{c}'"),
        c => format!("U+{:04X}", u32::from(c)),
    }
}

/// Splits the raw form starting at `i` into fields.
pub(crate) fn raw_fields(
    s: &[char],
    mut i: usize,
    fields: &mut Vec<Field>,
) -> Result<(), Gs1Error> {
    // FNC1 in first position, as sent by scanners without AIM prefixes.
    if s.get(i) == Some(&GS) {
        i += 1;
        if i >= s.len() {
            return Err(error(i, "no data after the leading GS"));
        }
    }
    while i < s.len() {
        let code_pos = i;
        let (code, def) = read_raw_ai(s, i)?;
        i += code.len();
        let data_end = match def.fixed_len() {
            Some(n) => (i + n).min(s.len()),
            None => s
                .get(i..)
                .unwrap_or_default()
                .iter()
                .position(|&c| c == GS)
                .map_or(s.len(), |k| i + k),
        };
        fields.push(Field {
            code,
            code_pos,
            value: s.get(i..data_end).unwrap_or_default().to_vec(),
            pos: (i..data_end).collect(),
            end: data_end,
        });
        i = data_end;
        if s.get(i) == Some(&GS) {
            i += 1;
        }
    }
    Ok(())
}

/// Reads the AI at `i` in the raw form; its length follows from its first
/// two digits.
pub(crate) fn read_raw_ai(s: &[char], i: usize) -> Result<(String, &'static AiDef), Gs1Error> {
    let digit_at = |k: usize| -> Result<char, Gs1Error> {
        match s.get(k) {
            Some(&c) if c.is_ascii_digit() => Ok(c),
            Some(&c) => Err(error(
                k,
                format!("expected an AI (digits), found {}", describe(c)),
            )),
            None => Err(error(i, "input ends in the middle of an AI")),
        }
    };
    let prefix: String = [digit_at(i)?, digit_at(i + 1)?].iter().collect();
    let Some(len) = table::ai_len_for_prefix(&prefix) else {
        return Err(error(
            i,
            format!("no GS1 Application Identifier starts with {prefix}"),
        ));
    };
    let mut code = prefix;
    for k in 2..len {
        code.push(digit_at(i + k)?);
    }
    match table::lookup(&code) {
        Some(def) => Ok((code, def)),
        None => Err(Gs1Error {
            position: i,
            message: format!(
                "unknown AI {code}: it is not in the GS1 table, so where its data ends cannot be known in a raw string"
            ),
            ai: Some(code),
            title: None,
        }),
    }
}

/// Whether a `(` at `i` starts an element: `(` 2–4 digits `)`.
pub(crate) fn starts_element(s: &[char], i: usize) -> bool {
    if s.get(i) != Some(&'(') {
        return false;
    }
    let digits = s
        .get(i + 1..)
        .unwrap_or_default()
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    (2..=4).contains(&digits) && s.get(i + 1 + digits) == Some(&')')
}

/// Splits the bracketed form starting at `i` (which holds a `(`) into fields.
pub(crate) fn bracketed_fields(
    s: &[char],
    mut i: usize,
    fields: &mut Vec<Field>,
) -> Result<(), Gs1Error> {
    while i < s.len() {
        match s.get(i) {
            Some('(') => i += 1,
            Some(&c) => {
                return Err(error(
                    i,
                    format!(
                        "expected '(' to start the next element, found {}",
                        describe(c)
                    ),
                ));
            }
            None => break,
        }
        let code_pos = i;
        while s.get(i).is_some_and(char::is_ascii_digit) {
            i += 1;
        }
        let code: String = s.get(code_pos..i).unwrap_or_default().iter().collect();
        match s.get(i) {
            Some(')') if code.is_empty() => {
                return Err(error(code_pos, "empty AI in parentheses"));
            }
            Some(')') => {}
            Some(&c) if code.is_empty() => {
                return Err(error(
                    i,
                    format!("expected AI digits after '(', found {}", describe(c)),
                ));
            }
            Some(&c) => {
                return Err(error(
                    i,
                    format!("expected ')' after AI {code}, found {}", describe(c)),
                ));
            }
            None => {
                return Err(error(i, "input ends before the ')' closing the AI"));
            }
        }
        check_ai_form(&code, code_pos)?;
        i = skip_whitespace(s, i + 1);
        let (mut value, mut pos) = (Vec::new(), Vec::new());
        while let Some(&c) = s.get(i) {
            if c.is_whitespace() || (c == '(' && starts_element(s, i)) {
                break;
            }
            if c == '\\' && s.get(i + 1) == Some(&'(') {
                value.push('(');
                pos.push(i + 1);
                i += 2;
                continue;
            }
            value.push(c);
            pos.push(i);
            i += 1;
        }
        fields.push(Field {
            code,
            code_pos,
            value,
            pos,
            end: i,
        });
        i = skip_whitespace(s, i);
    }
    Ok(())
}

/// Checks that an AI written between delimiters (brackets, URI path or
/// query) could be a GS1 AI: 2–4 digits, as many as its first two digits
/// imply when the table knows AIs starting with them.
pub(crate) fn check_ai_form(code: &str, code_pos: usize) -> Result<(), Gs1Error> {
    if !(2..=4).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error(
            code_pos,
            format!("AI {code} is not an AI: an AI has 2 to 4 digits"),
        ));
    }
    if let Some(len) = code.get(..2).and_then(table::ai_len_for_prefix)
        && len != code.len()
    {
        return Err(error(
            code_pos,
            format!(
                "AI {code} cannot exist: the AIs starting with {} have {len} digits",
                &code[..2]
            ),
        ));
    }
    Ok(())
}

pub(crate) fn skip_whitespace(s: &[char], mut i: usize) -> usize {
    while s.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    i
}
