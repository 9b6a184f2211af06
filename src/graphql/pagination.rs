//! Relay cursor connections: `first`/`after` and `last`/`before`, opaque
//! keyset cursors (the row's sort key, never an offset), a capped page size,
//! and one extra row fetched to know whether more follow.
//!
//! `first` and `last` together are refused as `BAD_USER_INPUT` on `last`
//! (the Relay spec allows them but discourages it). `after` and `before` may
//! be combined with either, as the spec says: both narrow the list, `first`
//! takes from the start of what is left and `last` from its end.
//!
//! `pageInfo` follows the spec: walking forward, `hasNextPage` says whether
//! rows follow and `hasPreviousPage` is true when `after` was given; walking
//! backward, `hasPreviousPage` says whether rows precede and `hasNextPage` is
//! true when `before` was given.

use async_graphql::{Context, SimpleObject};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

pub use crate::paging::{Direction, Key, KeyVal, Page};
use crate::{
    config::ApiLimits,
    error::{AppError, AppResult},
};

/// The paging arguments of a connection field.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    /// `first`.
    pub first: Option<i32>,
    /// `after`.
    pub after: Option<String>,
    /// `last`.
    pub last: Option<i32>,
    /// `before`.
    pub before: Option<String>,
}

impl PageArgs {
    /// Forward-only arguments.
    pub fn forward(first: Option<i32>, after: Option<String>) -> Self {
        PageArgs {
            first,
            after,
            ..Default::default()
        }
    }

    /// Validates the arguments against the configured cap.
    pub fn page(&self, limits: &ApiLimits) -> AppResult<Page> {
        let size = |field: &str, n: Option<i32>| -> AppResult<Option<u64>> {
            match n {
                None => Ok(None),
                Some(n) if n < 1 => Err(AppError::bad_input(field, "must be at least 1")),
                Some(n) if n as u64 > u64::from(limits.max_page_size) => Err(AppError::bad_input(
                    field,
                    format!(
                        "page size {n} is over the cap of {}; ask for fewer and page with `{}`",
                        limits.max_page_size,
                        if field == "first" { "after" } else { "before" }
                    ),
                )),
                Some(n) => Ok(Some(n as u64)),
            }
        };
        let first = size("first", self.first)?;
        let last = size("last", self.last)?;
        let (limit, direction) = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(AppError::bad_input(
                    "last",
                    "give `first` or `last`, not both: page forward with `first`/`after` or backward with `last`/`before`",
                ));
            }
            (None, Some(n)) => (n, Direction::Backward),
            (Some(n), None) => (n, Direction::Forward),
            (None, None) => (u64::from(limits.default_page_size), Direction::Forward),
        };
        Ok(Page {
            limit,
            direction,
            after: self
                .after
                .as_deref()
                .map(|c| decode_cursor(c, "after"))
                .transpose()?,
            before: self
                .before
                .as_deref()
                .map(|c| decode_cursor(c, "before"))
                .transpose()?,
        })
    }

    /// From the GraphQL context's limits.
    pub fn page_ctx(&self, ctx: &Context<'_>) -> AppResult<Page> {
        let limits = ctx
            .data::<ApiLimits>()
            .map_err(|_| AppError::Internal("ApiLimits missing from schema data".into()))?;
        self.page(limits)
    }
}

/// Splits fetched rows into the page and its `pageInfo`, pairing each row
/// with the cursor of its sort key.
pub fn finish<T>(
    page: &Page,
    rows: Vec<T>,
    key: impl Fn(&T) -> Key,
) -> (Vec<(String, T)>, PageInfo) {
    let (rows, more) = page.finish(rows);
    let items: Vec<(String, T)> = rows
        .into_iter()
        .map(|r| (encode_cursor(&key(&r)), r))
        .collect();
    let (has_next_page, has_previous_page) = match page.direction {
        Direction::Forward => (more, page.after.is_some()),
        Direction::Backward => (page.before.is_some(), more),
    };
    let info = PageInfo {
        has_next_page,
        has_previous_page,
        start_cursor: items.first().map(|(c, _)| c.clone()),
        end_cursor: items.last().map(|(c, _)| c.clone()),
    };
    (items, info)
}

const CURSOR_PREFIX: &str = "k1:";

/// An opaque cursor for a row with sort key `key`.
pub fn encode_cursor(key: &Key) -> String {
    let json = serde_json::to_string(key).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{json}"))
}

/// The sort key behind a cursor; `field` names the argument in the error.
pub fn decode_cursor(cursor: &str, field: &str) -> AppResult<Key> {
    let bad = || AppError::bad_input(field, "not a cursor returned by this API");
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let json = text.strip_prefix(CURSOR_PREFIX).ok_or_else(bad)?;
    let key: Key = serde_json::from_str(json).map_err(|_| bad())?;
    if key.is_empty() {
        return Err(bad());
    }
    Ok(key)
}

/// Paging state of a connection.
#[derive(Debug, Clone, SimpleObject)]
pub struct PageInfo {
    /// True when more items follow this page.
    pub has_next_page: bool,
    /// True when items precede this page.
    pub has_previous_page: bool,
    /// Cursor of the first edge of the page.
    pub start_cursor: Option<String>,
    /// Cursor of the last edge; pass it as `after` for the next page.
    pub end_cursor: Option<String>,
}

/// Declares a Relay connection type and its edge type for a node type, each
/// with descriptions.
#[macro_export]
macro_rules! connection_type {
    ($conn:ident, $edge:ident, $node:ty, $what:literal) => {
        #[doc = concat!("A page of ", $what, " (Relay connection).")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $conn {
            /// The items of this page, each with its cursor.
            pub edges: Vec<$edge>,
            /// Whether more pages exist, and the cursors to reach them.
            pub page_info: $crate::graphql::pagination::PageInfo,
            /// How many items match in all pages together.
            pub total_count: u64,
        }

        #[doc = concat!("One of ", $what, " with its cursor.")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            /// Opaque position of this item; pass it as `after` (or `before`) to continue.
            pub cursor: String,
            /// The item.
            pub node: $node,
        }

        impl $conn {
            /// Builds the connection from fetched rows (one extra allowed);
            /// `key` gives a row's sort key, for its cursor.
            pub fn build<T>(
                page: &$crate::paging::Page,
                rows: Vec<T>,
                total_count: u64,
                key: impl Fn(&T) -> $crate::paging::Key,
                to_node: impl Fn(T) -> $node,
            ) -> Self {
                let (items, page_info) = $crate::graphql::pagination::finish(page, rows, key);
                Self {
                    edges: items
                        .into_iter()
                        .map(|(cursor, r)| $edge {
                            cursor,
                            node: to_node(r),
                        })
                        .collect(),
                    page_info,
                    total_count,
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let k = vec![KeyVal::S("a".into()), KeyVal::I(41)];
        assert_eq!(decode_cursor(&encode_cursor(&k), "after").unwrap(), k);
        assert!(decode_cursor("not-a-cursor", "after").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("offset:3"), "before").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("k1:[]"), "before").is_err());
    }

    #[test]
    fn page_size_over_the_cap_is_refused_with_the_cap_named() {
        let limits = ApiLimits::default();
        let err = PageArgs::forward(Some(501), None)
            .page(&limits)
            .unwrap_err();
        assert!(err.to_string().contains("cap of 500"), "{err}");
        assert!(PageArgs::forward(Some(0), None).page(&limits).is_err());
        let both = PageArgs {
            first: Some(2),
            last: Some(2),
            ..Default::default()
        };
        assert!(
            both.page(&limits)
                .unwrap_err()
                .to_string()
                .starts_with("last:")
        );
        let p = PageArgs::forward(None, None).page(&limits).unwrap();
        assert_eq!((p.limit, p.direction), (50, Direction::Forward));
    }

    #[test]
    fn finish_detects_more_rows_from_the_extra_one_and_puts_a_backward_page_in_order() {
        let p = Page::first(2);
        let (items, info) = finish(&p, vec![1, 2, 3], |n| vec![KeyVal::I(*n)]);
        assert_eq!(items.len(), 2);
        assert!(info.has_next_page && !info.has_previous_page);
        let back = Page {
            direction: Direction::Backward,
            ..Page::first(2)
        };
        // Fetched in reverse order: 9, 8, 7.
        let (items, info) = finish(&back, vec![9, 8, 7], |n| vec![KeyVal::I(*n)]);
        assert_eq!(
            items.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
            vec![8, 9]
        );
        assert!(info.has_previous_page && !info.has_next_page);
    }
}
