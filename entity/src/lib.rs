//! sea-orm entities of abutment-erp, one module per table, plus the enums
//! stored in their columns. The enums derive both the database mapping and the
//! GraphQL enum, so one definition serves storage, API and CSV import.

pub mod abutment_sku;
pub mod api_token;
pub mod app_user;
pub mod audit_log;
pub mod enums;
pub mod idempotency_key;
pub mod implant_system;
pub mod item;
pub mod location;
pub mod lot;
pub mod manufacturer;
pub mod platform;
pub mod reservation;
pub mod sku_platform;
pub mod stock_balance;
pub mod stock_movement;
