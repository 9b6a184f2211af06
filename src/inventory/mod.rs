//! Inventory: locations, items and lots, the append-only stock ledger with
//! balances per lot and location, lot states, reservations, and GS1 scanning.
//! Every change of stock is one ledger row (reason, reference, actor, time)
//! written in the same transaction as the balance it changes; balances can
//! never go negative, nor reserved exceed on hand, by database constraint.

pub mod allocation;
pub mod export;
pub mod graphql;
pub mod gs1;
pub mod import;
pub mod ledger;
pub mod service;

use chrono::NaiveDate;
use entity::{enums::LotState, lot};

pub use crate::access::Actor;

/// A lot's state as users see it: the stored state, or EXPIRED once the
/// expiry date has passed (a lot is usable through its expiry day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum EffectiveState {
    /// Received, awaiting inspection.
    Quarantine,
    /// Released for use.
    Released,
    /// Blocked pending a decision.
    OnHold,
    /// Failed inspection.
    Rejected,
    /// Under a recall.
    Recalled,
    /// Past its expiry date.
    Expired,
}

impl std::fmt::Display for EffectiveState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EffectiveState::Quarantine => "QUARANTINE",
            EffectiveState::Released => "RELEASED",
            EffectiveState::OnHold => "ON_HOLD",
            EffectiveState::Rejected => "REJECTED",
            EffectiveState::Recalled => "RECALLED",
            EffectiveState::Expired => "EXPIRED",
        })
    }
}

/// The effective state of a lot on `today`.
pub fn effective_state(l: &lot::Model, today: NaiveDate) -> EffectiveState {
    effective_state_of(l.state, l.expiry_date, today)
}

/// The effective state of a lot in `state` that expires on `expiry`, on `today`.
pub fn effective_state_of(
    state: LotState,
    expiry: Option<NaiveDate>,
    today: NaiveDate,
) -> EffectiveState {
    if expiry.is_some_and(|e| e < today)
        && matches!(
            state,
            LotState::Released | LotState::Quarantine | LotState::OnHold
        )
    {
        return EffectiveState::Expired;
    }
    match state {
        LotState::Quarantine => EffectiveState::Quarantine,
        LotState::Released => EffectiveState::Released,
        LotState::OnHold => EffectiveState::OnHold,
        LotState::Rejected => EffectiveState::Rejected,
        LotState::Recalled => EffectiveState::Recalled,
    }
}

/// Today in UTC, the date lots expire by.
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}
