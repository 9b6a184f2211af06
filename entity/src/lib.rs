//! sea-orm entities of abutment-erp, one module per table, plus the enums
//! stored in their columns. The enums derive both the database mapping and the
//! GraphQL enum, so one definition serves storage, API and CSV import.

pub mod abutment_sku;
pub mod api_token;
pub mod app_user;
pub mod audit_log;
pub mod clinic;
pub mod clinical_case;
pub mod enums;
pub mod idempotency_key;
pub mod implant_system;
pub mod item;
pub mod job_material;
pub mod job_tool;
pub mod location;
pub mod lot;
pub mod lot_genealogy;
pub mod machine;
pub mod machine_downtime;
pub mod machine_material;
pub mod machine_shift;
pub mod machine_system;
pub mod manufacturer;
pub mod platform;
pub mod production_job;
pub mod recall;
pub mod recall_action;
pub mod recall_consignee;
pub mod recall_event;
pub mod recall_lot;
pub mod reservation;
pub mod schedule_run;
pub mod setting;
pub mod shipment;
pub mod sku_platform;
pub mod stock_balance;
pub mod stock_movement;
pub mod tool;
pub mod web_session;
