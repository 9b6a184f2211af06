//! GTIN (GS1 Global Trade Item Number) validation.
//!
//! Every GTIN is kept as GTIN-14: shorter forms (GTIN-8, -12, -13) are padded
//! with leading zeros, as GS1 specifies. The last digit is a mod-10 check
//! digit over the others, weighted 3, 1, 3, 1 … from the right.

/// The check digit for the given digits (all but the check digit).
pub fn check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(*d) * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Validates a GTIN and returns it as 14 digits; the error says what is wrong,
/// e.g. `check digit should be 3`.
pub fn normalize(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("is required".into());
    }
    if !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{t}` must contain digits only"));
    }
    if ![8, 12, 13, 14].contains(&t.len()) {
        return Err(format!(
            "`{t}` has {} digits; a GTIN has 8, 12, 13 or 14",
            t.len()
        ));
    }
    let padded = format!("{t:0>14}");
    let digits: Vec<u8> = padded.bytes().map(|b| b - b'0').collect();
    let expected = check_digit(&digits[..13]);
    if digits[13] != expected {
        return Err(format!("check digit should be {expected}"));
    }
    Ok(padded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gs1_example_gtins_are_valid() {
        // GS1's own example GTINs from the General Specifications.
        assert_eq!(normalize("09521234543213").unwrap(), "09521234543213");
        assert_eq!(normalize("9521234543213").unwrap(), "09521234543213");
        assert_eq!(normalize("4006381333931").unwrap(), "04006381333931");
    }

    #[test]
    fn a_wrong_check_digit_names_the_right_one() {
        assert_eq!(
            normalize("09521234543210").unwrap_err(),
            "check digit should be 3"
        );
    }

    #[test]
    fn malformed_gtins_are_refused() {
        assert!(normalize("").is_err());
        assert!(normalize("0952123454321X").is_err());
        assert!(normalize("123").is_err());
    }
}
