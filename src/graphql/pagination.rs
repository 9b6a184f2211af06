//! Relay-style forward pagination: `first`/`after`, opaque cursors, a capped
//! page size, and one extra row fetched to know whether a next page exists.

use async_graphql::{Context, SimpleObject};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::{
    config::ApiLimits,
    error::{AppError, AppResult},
};

/// Where a page starts and how long it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Rows to skip.
    pub offset: u64,
    /// Rows wanted on the page.
    pub limit: u64,
}

impl PageRequest {
    /// Validates `first`/`after` against the configured cap.
    pub fn new(first: Option<i32>, after: Option<&str>, limits: &ApiLimits) -> AppResult<Self> {
        let limit = match first {
            None => u64::from(limits.default_page_size),
            Some(n) if n < 1 => {
                return Err(AppError::bad_input("first", "must be at least 1"));
            }
            Some(n) if n as u64 > u64::from(limits.max_page_size) => {
                return Err(AppError::bad_input(
                    "first",
                    format!(
                        "page size {n} is over the cap of {}; ask for fewer and page with `after`",
                        limits.max_page_size
                    ),
                ));
            }
            Some(n) => n as u64,
        };
        let offset = match after {
            None => 0,
            Some(c) => decode_cursor(c)? + 1,
        };
        Ok(Self { offset, limit })
    }

    /// From the GraphQL context's limits.
    pub fn from_ctx(ctx: &Context<'_>, first: Option<i32>, after: Option<&str>) -> AppResult<Self> {
        let limits = ctx
            .data::<ApiLimits>()
            .map_err(|_| AppError::Internal("ApiLimits missing from schema data".into()))?;
        Self::new(first, after, limits)
    }

    /// Rows to fetch: one more than the page, to detect a next page.
    pub fn fetch_limit(&self) -> u64 {
        self.limit + 1
    }

    /// Splits fetched rows into the page and whether more follow, and pairs
    /// each row with its cursor.
    pub fn finish<T>(&self, mut rows: Vec<T>) -> (Vec<(String, T)>, PageInfo) {
        let has_next_page = rows.len() as u64 > self.limit;
        rows.truncate(self.limit as usize);
        let items: Vec<(String, T)> = rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| (encode_cursor(self.offset + i as u64), r))
            .collect();
        let info = PageInfo {
            has_next_page,
            has_previous_page: self.offset > 0,
            start_cursor: items.first().map(|(c, _)| c.clone()),
            end_cursor: items.last().map(|(c, _)| c.clone()),
        };
        (items, info)
    }
}

const CURSOR_PREFIX: &str = "offset:";

/// An opaque cursor for the row at `offset`.
pub fn encode_cursor(offset: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{offset}"))
}

/// The offset behind a cursor.
pub fn decode_cursor(cursor: &str) -> AppResult<u64> {
    let bad = || AppError::bad_input("after", "not a cursor returned by this API");
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    text.strip_prefix(CURSOR_PREFIX)
        .and_then(|n| n.parse().ok())
        .ok_or_else(bad)
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
            /// Opaque position of this item; pass it as `after` to continue.
            pub cursor: String,
            /// The item.
            pub node: $node,
        }

        impl $conn {
            /// Builds the connection from fetched rows (one extra allowed).
            pub fn build<T>(
                page: &$crate::graphql::pagination::PageRequest,
                rows: Vec<T>,
                total_count: u64,
                to_node: impl Fn(T) -> $node,
            ) -> Self {
                let (items, page_info) = page.finish(rows);
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
        assert_eq!(decode_cursor(&encode_cursor(41)).unwrap(), 41);
        assert!(decode_cursor("not-a-cursor").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("offset:x")).is_err());
    }

    #[test]
    fn page_size_over_the_cap_is_refused_with_the_cap_named() {
        let limits = ApiLimits::default();
        let err = PageRequest::new(Some(501), None, &limits).unwrap_err();
        assert!(err.to_string().contains("cap of 500"), "{err}");
        assert!(PageRequest::new(Some(0), None, &limits).is_err());
        let p = PageRequest::new(None, Some(&encode_cursor(9)), &limits).unwrap();
        assert_eq!((p.offset, p.limit), (10, 50));
    }

    #[test]
    fn finish_detects_the_next_page_from_the_extra_row() {
        let p = PageRequest {
            offset: 0,
            limit: 2,
        };
        let (items, info) = p.finish(vec![1, 2, 3]);
        assert_eq!(items.len(), 2);
        assert!(info.has_next_page);
        let (_, info) = p.finish(vec![1, 2]);
        assert!(!info.has_next_page);
    }
}
