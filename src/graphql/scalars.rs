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
