//! Integration tests through the GraphQL schema (and a few over real HTTP and
//! the CLI), each on a fresh database: SQLite by default, PostgreSQL when
//! `TEST_DATABASE_URL` is set.

mod access;
mod auth_cache;
mod availability;
mod case_batch;
mod cases;
mod catalog;
mod cli;
mod console;
mod console_admin;
mod console_planner;
mod console_quality;
mod console_sales;
mod console_warehouse;
mod edges;
mod gs1;
mod http;
mod http_spec;
mod import;
mod inventory;
mod manufacturing;
mod n_plus_one;
mod node;
mod ops;
mod pagination;
mod quality;
mod readme;
mod schema;
mod support;
mod warehouse_api;
