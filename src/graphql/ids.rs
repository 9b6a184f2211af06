//! Opaque global ids: `base64url("<Type>:<row id>")`, so `node(id:)` can find
//! any object and clients never build ids themselves.

use async_graphql::ID;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::error::{AppError, AppResult};

/// The global id of row `id` of GraphQL type `kind`.
pub fn encode(kind: &str, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{kind}:{id}")))
}

/// Splits a global id into its type and row id.
pub fn decode_any(id: &ID, field: &str) -> AppResult<(String, i64)> {
    let bad = || AppError::bad_input(field, format!("`{}` is not an id of this API", id.0));
    let raw = URL_SAFE_NO_PAD.decode(id.0.as_bytes()).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (kind, n) = text.split_once(':').ok_or_else(bad)?;
    let n = n.parse().map_err(|_| bad())?;
    Ok((kind.to_owned(), n))
}

/// The row id behind a global id that must be of type `kind`.
pub fn decode(id: &ID, kind: &str, field: &str) -> AppResult<i64> {
    let (k, n) = decode_any(id, field)?;
    if k != kind {
        return Err(AppError::bad_input(
            field,
            format!("expected an id of a {kind}, got one of a {k}"),
        ));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_check_their_type() {
        let id = encode("Platform", 7);
        assert_eq!(decode(&id, "Platform", "id").unwrap(), 7);
        assert!(decode(&id, "AbutmentSku", "id").is_err());
        assert!(decode(&ID("%%".into()), "Platform", "id").is_err());
    }
}
