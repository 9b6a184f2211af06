//! Manufacturing: machines with capabilities, calendars and downtime, tools
//! with use counters, production jobs (stock runs on Swiss lathes, custom
//! parts on 5-axis mills), the material they consume and the lots they make
//! (lot genealogy), and the scheduler that plans them.

pub mod calendar;
pub mod graphql;
pub mod planning;
pub mod scheduling;
pub mod service;
