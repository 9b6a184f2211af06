//! abutment-erp: the inventory and manufacturing ERP for a maker of dental
//! implant abutments, served as GraphQL.
//!
//! The binary, the integration tests and the benches all build the service the
//! same way: [`db::connect`] and [`db::migrate`], then [`schema`] and [`app`].

pub mod access;
pub mod cases;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod csv_import;
pub mod db;
pub mod error;
pub mod graphql;
pub mod http;
pub mod import;
pub mod inventory;
pub mod manufacturing;
pub mod ops;
pub mod paging;
pub mod quality;
pub mod quantity;
pub mod seed;
#[cfg(feature = "synthetic")]
pub mod synthetic;
pub mod telemetry;

pub use graphql::{AppSchema, schema};
pub use http::app;
