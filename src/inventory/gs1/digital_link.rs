//! GS1 Digital Link URIs: `https://{host}/{prefix…}/{primary key AI}/{value}
//! /{qualifier AI}/{value}…?{AI}={value}&…#fragment`, on any host.
//!
//! The path is searched for the first segment that is a primary-key AI
//! (see [`PRIMARY_KEYS`]) after which the segments pair up as AI / value;
//! anything before it is a path prefix and ignored. Query parameters whose
//! name is 2–4 digits are elements; any other parameter (`linkType`,
//! tracking parameters) and the fragment are ignored. Values are
//! percent-decoded (`%2F` is `/`); a GTIN-8, -12 or -13 in AI 01 is padded to
//! GTIN-14, as the Digital Link standard allows it to be written.

use super::{Field, Gs1Error, check_ai_form, error};

/// The AIs that can be the primary key of a GS1 Digital Link URI.
pub const PRIMARY_KEYS: &[&str] = &[
    "00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006", "8010", "8013",
    "8017", "8018",
];

/// A piece of the input: its characters and their positions.
type Piece = Vec<(char, usize)>;

fn text(p: &[(char, usize)]) -> String {
    p.iter().map(|&(c, _)| c).collect()
}

/// Splits a Digital Link URI starting at `start` into fields.
pub(super) fn fields(s: &[char], start: usize, out: &mut Vec<Field>) -> Result<(), Gs1Error> {
    let scheme = s
        .iter()
        .skip(start)
        .position(|&c| c == ':')
        .map_or(0, |k| k + 3);
    let mut i = start + scheme;
    let host_start = i;
    while s.get(i).is_some_and(|c| !matches!(c, '/' | '?' | '#')) {
        i += 1;
    }
    if i == host_start {
        return Err(error(host_start, "the URI has no host"));
    }
    let path_start = i;
    let mut segments: Vec<Piece> = Vec::new();
    while s.get(i) == Some(&'/') {
        i += 1;
        let mut seg = Vec::new();
        while let Some(&c) = s.get(i).filter(|c| !matches!(c, '/' | '?' | '#')) {
            seg.push((c, i));
            i += 1;
        }
        segments.push(seg);
    }
    if segments.last().is_some_and(Vec::is_empty) {
        segments.pop();
    }
    let mut query: Vec<(Piece, Piece)> = Vec::new();
    if s.get(i) == Some(&'?') {
        i += 1;
        let mut param: Piece = Vec::new();
        loop {
            match s.get(i) {
                Some('&') | Some('#') | None => {
                    if !param.is_empty() {
                        let eq = param.iter().position(|&(c, _)| c == '=');
                        let (k, v) = match eq {
                            Some(e) => (param[..e].to_vec(), param[e + 1..].to_vec()),
                            None => (param.clone(), Vec::new()),
                        };
                        query.push((k, v));
                        param.clear();
                    }
                    if s.get(i) != Some(&'&') {
                        break;
                    }
                }
                Some(&c) => param.push((c, i)),
            }
            i += 1;
        }
    }

    let is_pair_ai =
        |p: &Piece| (2..=4).contains(&p.len()) && p.iter().all(|(c, _)| c.is_ascii_digit());
    let key_at = (0..segments.len()).find(|&k| {
        PRIMARY_KEYS.contains(&text(&segments[k]).as_str())
            && (segments.len() - k).is_multiple_of(2)
            && segments[k..].iter().step_by(2).all(is_pair_ai)
    });
    let Some(key_at) = key_at else {
        return Err(error(
            path_start,
            "not a GS1 Digital Link URI: its path has no GS1 primary key such as /01/{GTIN} \
             (so not a GS1 element string or GS1 Digital Link URI either)",
        ));
    };
    for pair in segments[key_at..].chunks(2) {
        out.push(field(&pair[0], &pair[1], s.len())?);
    }
    for (k, v) in &query {
        if is_pair_ai(k) {
            out.push(field(k, v, s.len())?);
        }
    }
    Ok(())
}

/// One AI / value pair; the value percent-decoded.
fn field(ai: &Piece, value: &Piece, input_len: usize) -> Result<Field, Gs1Error> {
    let code = text(ai);
    let code_pos = ai.first().map_or(0, |&(_, p)| p);
    check_ai_form(&code, code_pos)?;
    let end = value
        .last()
        .map_or(code_pos + code.len() + 1, |&(_, p)| p + 1)
        .min(input_len);
    let mut chars = Vec::new();
    let mut pos = Vec::new();
    let mut k = 0;
    while let Some(&(c, p)) = value.get(k) {
        if c == '%' {
            let hex: String = value.iter().skip(k + 1).take(2).map(|&(c, _)| c).collect();
            match u8::from_str_radix(&hex, 16) {
                Ok(b) if hex.len() == 2 && b.is_ascii() => {
                    chars.push(char::from(b));
                    pos.push(p);
                    k += 3;
                    continue;
                }
                _ => {
                    return Err(Gs1Error {
                        position: p,
                        ai: Some(code.clone()),
                        title: super::table::lookup(&code).map(|d| d.title),
                        message: format!(
                            "bad percent-encoding %{hex} (expected % and two hex digits of an ASCII character)"
                        ),
                    });
                }
            }
        }
        chars.push(c);
        pos.push(p);
        k += 1;
    }
    if code == "01" && chars.iter().all(char::is_ascii_digit) && [8, 12, 13].contains(&chars.len())
    {
        let first = pos.first().copied().unwrap_or(end);
        while chars.len() < 14 {
            chars.insert(0, '0');
            pos.insert(0, first);
        }
    }
    Ok(Field {
        code,
        code_pos,
        value: chars,
        pos,
        end,
    })
}
