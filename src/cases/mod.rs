//! Clinical cases: clinics order one abutment per implant of a patient
//! (named by pseudonym only); each case is matched to finished stock (first
//! expired, first out) or to a custom milling job with the scheduler's ETA,
//! decided (a reserved unit or a scheduled job), and shipped through the
//! ledger.

pub mod graphql;
pub mod service;
