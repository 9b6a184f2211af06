//! Schema migrations of abutment-erp: one file per schema step, run in order by
//! the server at start-up (`abutment-erp migrate`) or by this crate's own CLI.
//! Every step uses the dialect-neutral schema builder, so SQLite and
//! PostgreSQL get the same tables, keys and constraints.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_catalogue;
mod m20261123_000002_access;
mod m20261123_000003_inventory;
mod m20261123_000004_manufacturing;
mod m20261124_000005_cases;
mod m20261124_000006_quality;
mod m20261125_000007_shipment_consignee;
mod m20261204_000008_console;
mod m20261208_000009_trace_indexes;
mod m20261208_000010_auth_epoch;

/// The ordered list of migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_catalogue::Migration),
            Box::new(m20261123_000002_access::Migration),
            Box::new(m20261123_000003_inventory::Migration),
            Box::new(m20261123_000004_manufacturing::Migration),
            Box::new(m20261124_000005_cases::Migration),
            Box::new(m20261124_000006_quality::Migration),
            Box::new(m20261125_000007_shipment_consignee::Migration),
            Box::new(m20261204_000008_console::Migration),
            Box::new(m20261208_000009_trace_indexes::Migration),
            Box::new(m20261208_000010_auth_epoch::Migration),
        ]
    }
}
