//! Exact conversions between the API's decimal millimetres and degrees and the
//! whole micrometres and millidegrees the database stores.

use rust_decimal::Decimal;

use crate::error::{AppError, AppResult};

/// Decimal places a length or angle may have (micrometre / millidegree).
pub const SCALE: u32 = 3;

/// Stored thousandths (µm or m°) as a decimal (mm or °), trailing zeros removed.
pub fn from_milli(v: i32) -> Decimal {
    Decimal::new(i64::from(v), SCALE).normalize()
}

/// A decimal as whole thousandths, refusing more than 3 decimal places,
/// values outside `min..=max`, and overflow. `field` names the input in errors;
/// `unit` is shown in messages (`mm`, `°`).
pub fn to_milli(v: Decimal, field: &str, unit: &str, min: Decimal, max: Decimal) -> AppResult<i32> {
    if v.normalize().scale() > SCALE {
        return Err(AppError::bad_input(
            field,
            format!("at most {SCALE} decimal places allowed, got {v}"),
        ));
    }
    if v < min || v > max {
        let msg = if v < Decimal::ZERO && min >= Decimal::ZERO {
            format!("must not be negative, got {v} {unit}")
        } else {
            format!("must be between {min} and {max} {unit}, got {v} {unit}")
        };
        return Err(AppError::bad_input(field, msg));
    }
    let milli = (v * Decimal::new(1000, 0)).trunc();
    i32::try_from(milli.mantissa() / 10i128.pow(milli.scale()))
        .map_err(|_| AppError::bad_input(field, format!("{v} {unit} is out of range")))
}

/// Parses a decimal written in a CSV cell or an argument.
pub fn parse_decimal(text: &str, field: &str) -> AppResult<Decimal> {
    text.trim().parse::<Decimal>().map_err(|_| {
        AppError::bad_input(field, format!("`{}` is not a decimal number", text.trim()))
    })
}

/// Limits of catalogue dimensions, in the API's units.
pub mod limits {
    use rust_decimal::Decimal;

    /// Gingival (cuff) height: 0–10 mm.
    pub fn gingival() -> (Decimal, Decimal) {
        (Decimal::ZERO, Decimal::new(10, 0))
    }
    /// Angulation: 0–45°.
    pub fn angulation() -> (Decimal, Decimal) {
        (Decimal::ZERO, Decimal::new(45, 0))
    }
    /// Post height: 0–20 mm.
    pub fn post_height() -> (Decimal, Decimal) {
        (Decimal::ZERO, Decimal::new(20, 0))
    }
    /// Diameters (platform, abutment): 0.5–15 mm.
    pub fn diameter() -> (Decimal, Decimal) {
        (Decimal::new(5, 1), Decimal::new(15, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn millimetres_round_trip_exactly() {
        let (lo, hi) = limits::gingival();
        assert_eq!(to_milli(d("1.5"), "h", "mm", lo, hi).unwrap(), 1500);
        assert_eq!(to_milli(d("0.800"), "h", "mm", lo, hi).unwrap(), 800);
        assert_eq!(from_milli(1500).to_string(), "1.5");
        assert_eq!(from_milli(0).to_string(), "0");
    }

    #[test]
    fn out_of_range_and_too_precise_values_are_refused() {
        let (lo, hi) = limits::angulation();
        let e = to_milli(d("46"), "angulation", "°", lo, hi).unwrap_err();
        assert!(e.to_string().contains("between 0 and 45"), "{e}");
        let e = to_milli(d("-1"), "gingivalHeight", "mm", lo, hi).unwrap_err();
        assert!(e.to_string().contains("must not be negative"), "{e}");
        assert!(to_milli(d("1.0005"), "h", "mm", lo, hi).is_err());
    }
}
