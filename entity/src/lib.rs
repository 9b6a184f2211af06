//! sea-orm entities of abutment-erp, one module per table, plus the enums
//! stored in their columns. The enums derive both the database mapping and the
//! GraphQL enum, so one definition serves storage, API and CSV import.

pub mod abutment_sku;
pub mod enums;
pub mod implant_system;
pub mod manufacturer;
pub mod platform;
pub mod sku_platform;
