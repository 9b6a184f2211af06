//! Stock as the catalogue shows it: what can be promised of a SKU now.
//!
//! Inventory sits above the catalogue (it names SKUs), so the catalogue does
//! not call it. It declares here what it needs to know ([`StockFacts`]);
//! `inventory::allocation` answers with its one rule of usable stock, and
//! `graphql::execute` gives the answer to each request. A SKU's
//! `availability` is loaded through [`AvailabilityLoader`] (one query per
//! list, whatever its length), and the `inStock` filter is a subquery
//! ([`StockFacts::skus_in_stock`]) applied in SQL before paging.

use std::{collections::HashMap, sync::Arc, time::Duration};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use chrono::NaiveDate;
use futures_util::future::BoxFuture;
use sea_orm::{DatabaseConnection, sea_query::SelectStatement};

use crate::{error::AppResult, graphql::batch::BatchQueue};

/// What can be promised of one SKU now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Availability {
    /// Usable units (released, unexpired, on a stock shelf) not reserved.
    pub available: i64,
    /// Units of usable lots promised by open reservations.
    pub reserved: i64,
    /// The earliest expiry among lots with available units; `None` when
    /// none is available or the available lots carry no expiry.
    pub earliest_expiry: Option<NaiveDate>,
}

/// The inventory's answers the catalogue needs.
pub trait StockFacts: Send + Sync + 'static {
    /// The availability of each SKU (every id given gets an entry).
    fn availability(
        &self,
        db: DatabaseConnection,
        sku_ids: Vec<i64>,
    ) -> BoxFuture<'static, AppResult<HashMap<i64, Availability>>>;

    /// A statement selecting the ids of the SKUs with available units, for
    /// `IN (…)` filters.
    fn skus_in_stock(&self) -> SelectStatement;
}

/// The stock answers of a request (attached by `graphql::execute`).
#[derive(Clone)]
pub struct Stock(pub Arc<dyn StockFacts>);

/// Loads [`Availability`] by SKU id.
pub struct AvailabilityLoader {
    db: DatabaseConnection,
    facts: Arc<dyn StockFacts>,
}

impl Loader<i64> for AvailabilityLoader {
    type Value = Availability;
    type Error = Arc<crate::error::AppError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Availability>, Self::Error> {
        self.facts
            .availability(self.db.clone(), keys.to_vec())
            .await
            .map_err(Arc::new)
    }
}

/// The request's availability loader and stock answers, to attach.
pub fn attach(
    r: async_graphql::Request,
    db: &DatabaseConnection,
    queue: &BatchQueue,
    facts: Arc<dyn StockFacts>,
) -> async_graphql::Request {
    let loader = DataLoader::with_cache(
        AvailabilityLoader {
            db: db.clone(),
            facts: facts.clone(),
        },
        queue.spawner(),
        HashMapCache::default(),
    )
    .delay(Duration::ZERO)
    .max_batch_size(5_000);
    r.data(loader).data(Stock(facts))
}
