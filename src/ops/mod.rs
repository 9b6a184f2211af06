//! Operations: Prometheus metrics, online backup and restore of the embedded
//! database, and the lock that tells `restore` a server is using it.

pub mod backup;
pub mod metrics;
pub mod process;
