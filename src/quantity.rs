//! One range per kind of quantity, used by every way in: GraphQL inputs,
//! CSV imports and the CLI all call [`Range::check`], so a value one path
//! takes the others take too, and the message reads the same everywhere.
//! The bounds are sane upper limits for one maker's operations, far above
//! any real figure and far below what would overflow a sum of them.

use crate::error::{AppError, AppResult};

/// An inclusive range of whole numbers, with the unit a message names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// What is counted, for messages: "units", "bars", "mm".
    pub unit: &'static str,
    /// Smallest allowed value.
    pub min: i64,
    /// Largest allowed value.
    pub max: i64,
}

/// Units (or, for bar stock, millimetres) moved, received, reserved,
/// scrapped or returned in one movement of one lot.
pub const STOCK: Range = Range {
    unit: "units",
    min: 1,
    max: 10_000_000,
};
/// A counted or expected balance at one location.
pub const COUNT: Range = Range {
    unit: "units",
    min: 0,
    max: 10_000_000,
};
/// A SKU's reorder point.
pub const REORDER_POINT: Range = Range {
    unit: "units",
    min: 0,
    max: 1_000_000,
};
/// Bars in one delivery.
pub const BARS: Range = Range {
    unit: "bars",
    min: 1,
    max: 10_000,
};
/// Length of one bar.
pub const BAR_LENGTH_MM: Range = Range {
    unit: "mm",
    min: 10,
    max: 6_000,
};
/// Parts of one production job.
pub const JOB_PARTS: Range = Range {
    unit: "parts",
    min: 1,
    max: 100_000,
};
/// A tool's life limit.
pub const TOOL_LIFE: Range = Range {
    unit: "uses",
    min: 1,
    max: 1_000_000,
};
/// A SKU's shelf life.
pub const SHELF_LIFE_MONTHS: Range = Range {
    unit: "months",
    min: 1,
    max: 120,
};

impl Range {
    /// `value` when it is in range, else a refusal naming `field`.
    pub fn check(&self, value: i64, field: &str) -> AppResult<i64> {
        if (self.min..=self.max).contains(&value) {
            Ok(value)
        } else {
            Err(AppError::bad_input(field, self.message(value)))
        }
    }

    /// The refusal's text for `value`.
    pub fn message(&self, value: i64) -> String {
        format!(
            "must be {}–{} {}, got {value}",
            self.min, self.max, self.unit
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_out_of_range_is_refused_naming_field_and_range() {
        assert_eq!(STOCK.check(5, "q").unwrap(), 5);
        let e = STOCK.check(2_147_483_648, "input.quantity").unwrap_err();
        assert_eq!(e.field(), Some("input.quantity"));
        assert!(e.to_string().contains("1–10000000 units"), "{e}");
        assert!(COUNT.check(0, "c").is_ok());
        assert!(COUNT.check(-1, "c").is_err());
    }
}
