//! Custom scalars.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

/// An exact decimal number. Sent as a string (e.g. `"1.5"`) so no digit is
/// lost to floating point; accepted as a string or a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Decimal(pub rust_decimal::Decimal);

/// An exact decimal number. Sent as a string (e.g. `"1.5"`) so no digit is
/// lost to floating point; accepted as a string or a number.
#[Scalar(name = "Decimal")]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        let text = match &value {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            _ => return Err(InputValueError::expected_type(value)),
        };
        text.parse::<rust_decimal::Decimal>()
            .map(Decimal)
            .map_err(|_| InputValueError::custom(format!("`{text}` is not a decimal number")))
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

impl From<rust_decimal::Decimal> for Decimal {
    fn from(d: rust_decimal::Decimal) -> Self {
        Decimal(d)
    }
}

/// The URL of RFC 3339, which specifies `DateTime` (and `Date`'s `full-date`).
pub const RFC3339_URL: &str = "https://datatracker.ietf.org/doc/html/rfc3339";

/// The description of the `DateTime` scalar (chrono's `DateTime<Utc>`,
/// already named `DateTime` with `@specifiedBy` RFC 3339; its built-in
/// description names the Rust type, so the schema overrides it).
pub const DATE_TIME_DESCRIPTION: &str = "An instant in time: an RFC 3339 date and time with an offset, \
e.g. `2026-12-01T08:00:00Z` or `2026-12-01T09:00:00+01:00`. Sent back in UTC \
(`+00:00`). Every `...At` field and every time window is one.";

/// A calendar day without a time or a time zone, as RFC 3339 `full-date`
/// (ISO 8601 calendar date) `YYYY-MM-DD`, e.g. `2026-12-01`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub chrono::NaiveDate);

/// A calendar day without a time or a time zone: an RFC 3339 `full-date`
/// (ISO 8601 calendar date) `YYYY-MM-DD`, e.g. `2026-12-01`. Production and
/// expiry dates are days; an expiry date is usable through that day.
#[Scalar(
    name = "Date",
    specified_by_url = "https://datatracker.ietf.org/doc/html/rfc3339#section-5.6"
)]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map(Date)
                .map_err(|e| {
                    InputValueError::custom(format!("`{s}` is not a date (YYYY-MM-DD): {e}"))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

impl From<chrono::NaiveDate> for Date {
    fn from(d: chrono::NaiveDate) -> Self {
        Date(d)
    }
}

impl From<Date> for chrono::NaiveDate {
    fn from(d: Date) -> Self {
        d.0
    }
}
