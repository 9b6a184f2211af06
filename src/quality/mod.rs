//! Quality: traceability and recalls. A forward trace follows the lot
//! genealogy from a scope (lots, a bar heat, a blank lot, a machine and time
//! window, a tool) to every descendant lot, its stock, reservations,
//! shipments per clinic and cases; a backward trace follows a lot, shipment
//! or case up to its bar heats and blank lots with their certificates. A
//! recall freezes a forward trace, stops the stock, lists the consignees,
//! and is run to closure on a reconciliation.

pub mod graphql;
pub mod recall;
pub mod trace;
