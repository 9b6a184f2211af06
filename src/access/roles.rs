//! The roles a user can hold.

use crate::error::{AppError, AppResult};

/// A role: what kind of work a user does.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, async_graphql::Enum, clap::ValueEnum,
)]
pub enum Role {
    /// Manages users, tokens and the catalogue; may do everything.
    Admin,
    /// Receives, moves, counts and ships stock.
    Warehouse,
    /// Looks up what fits and reserves stock for clinics' cases.
    Sales,
    /// Releases, holds and rejects lots; traces and runs recalls; reads the audit trail.
    Quality,
    /// Plans and schedules production jobs.
    Planner,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Warehouse,
        Role::Sales,
        Role::Quality,
        Role::Planner,
    ];

    /// The role's stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "ADMIN",
            Role::Warehouse => "WAREHOUSE",
            Role::Sales => "SALES",
            Role::Quality => "QUALITY",
            Role::Planner => "PLANNER",
        }
    }

    /// Parses one role name (case-insensitive).
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// Roles as stored: sorted, unique, comma-separated.
pub fn format_roles(roles: &[Role]) -> String {
    let mut r = roles.to_vec();
    r.sort();
    r.dedup();
    r.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}

/// Roles from their stored form; unknown names are skipped.
pub fn parse_roles(s: &str) -> Vec<Role> {
    s.split(',').filter_map(Role::parse).collect()
}

/// Validates a role list given by a user: at least one.
pub fn require_roles(roles: &[Role], field: &str) -> AppResult<()> {
    if roles.is_empty() {
        return Err(AppError::bad_input(field, "give at least one role"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_stored_form() {
        let s = format_roles(&[Role::Quality, Role::Admin, Role::Quality]);
        assert_eq!(s, "ADMIN,QUALITY");
        assert_eq!(parse_roles(&s), vec![Role::Admin, Role::Quality]);
        assert_eq!(Role::parse("warehouse"), Some(Role::Warehouse));
    }
}
