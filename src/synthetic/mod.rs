//! A generator of large synthetic data sets, for benchmarks and scale tests.
//! Deterministic for a given seed. Each domain's data has its own generator
//! on top of the catalogue's output: [`generate_catalogue`],
//! [`generate_stock`] (lots and a ledger), [`generate_genealogy`] (a lot
//! genealogy with shipments), [`generate_shop`] and [`generate_open_cases`]
//! (mills and open cases to match); [`BenchDb`], the timing report, the SQL
//! profile and the growth charts are the benches' shared harness.

use chrono::{DateTime, Utc};
use entity::{enums::MovementReason, stock_movement};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryOrder, QuerySelect, Set};

mod bench;
mod catalogue;
pub mod chart;
mod genealogy;
mod shop;
mod stock;

pub use bench::{BenchDb, SqlProfile, env_usize, report};
pub use catalogue::{Catalogue, CatalogueSpec, generate_catalogue};
pub use genealogy::{Genealogy, GenealogySpec, generate_genealogy};
pub use shop::{generate_open_cases, generate_shop};
pub use stock::{Stock, StockSpec, generate_stock};

/// Rows collected before a batch of them is written.
const CHUNK: usize = 20_000;

/// The ids of a table, in order.
async fn ids_of<E: EntityTrait>(
    db: &impl ConnectionTrait,
    id: E::Column,
) -> Result<Vec<i64>, DbErr> {
    E::find()
        .select_only()
        .column(id)
        .order_by_asc(id)
        .into_tuple::<i64>()
        .all(db)
        .await
}

/// A ledger row by the system user at `at`.
fn movement(
    at: DateTime<Utc>,
    lot_id: i64,
    (from, to): (Option<i64>, Option<i64>),
    quantity: i64,
    reason: MovementReason,
    reference: String,
) -> stock_movement::ActiveModel {
    stock_movement::ActiveModel {
        at: Set(at),
        lot_id: Set(lot_id),
        from_location_id: Set(from),
        to_location_id: Set(to),
        quantity: Set(quantity),
        reason: Set(reason),
        reference: Set(reference),
        actor_user_id: Set(None),
        actor_name: Set("system".into()),
        idempotency_key: Set(None),
        note: Set(None),
        ..Default::default()
    }
}
