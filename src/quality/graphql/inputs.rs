//! The quality mutations' inputs and payloads.

use super::*;

/// What a trace or recall starts from: exactly one of `lotIds`,
/// `heatNumber`, `blankLotId`, `machineWindow` or `toolId`.
#[derive(OneofObject, Clone)]
pub enum RecallScopeInput {
    /// Lots (any kind) by global id.
    LotIds(Vec<ID>),
    /// Every lot of this heat number.
    HeatNumber(String),
    /// One pre-milled blank lot.
    BlankLotId(ID),
    /// Lots made on a machine by jobs that ran, at least in part, in a
    /// window.
    MachineWindow(MachineWindowInput),
    /// Lots made by jobs that used this tool.
    ToolId(ID),
}

/// A machine and a time window.
#[derive(InputObject, Clone)]
pub struct MachineWindowInput {
    /// The machine.
    pub(crate) machine_id: ID,
    /// Start of the window.
    pub(crate) from: DateTime<Utc>,
    /// End of the window.
    pub(crate) to: DateTime<Utc>,
}

impl RecallScopeInput {
    /// The scope; fields in errors are relative to the argument's parent
    /// (`scope.lotIds`).
    pub(crate) fn scope(&self) -> AppResult<Scope> {
        Ok(match self {
            RecallScopeInput::LotIds(l) => Scope::Lots(
                l.iter()
                    .map(|i| ids::decode(i, "Lot", "scope.lotIds"))
                    .collect::<AppResult<_>>()?,
            ),
            RecallScopeInput::HeatNumber(h) => Scope::Heat(h.clone()),
            RecallScopeInput::BlankLotId(b) => {
                Scope::BlankLot(ids::decode(b, "Lot", "scope.blankLotId")?)
            }
            RecallScopeInput::MachineWindow(w) => Scope::MachineWindow {
                machine_id: ids::decode(&w.machine_id, "Machine", "scope.machineWindow.machineId")?,
                from: w.from,
                to: w.to,
            },
            RecallScopeInput::ToolId(t) => Scope::Tool(ids::decode(t, "Tool", "scope.toolId")?),
        })
    }
}

/// A recall to create (as DRAFT).
#[derive(InputObject)]
pub struct CreateRecallInput {
    /// FDA class.
    pub(crate) class: RecallClass,
    /// Why: the defect and how it was found.
    /// Newlines are allowed; at most 2,000 characters.
    pub(crate) reason: String,
    /// What it covers.
    pub(crate) scope: RecallScopeInput,
}

/// A notification made to a consignee.
#[derive(InputObject)]
pub struct RecallNotificationInput {
    /// The recall.
    pub(crate) recall_id: ID,
    /// The consignee (from `recall { consignees { id } }`).
    pub(crate) consignee_id: ID,
    /// How.
    pub(crate) via: NotificationChannel,
    /// When (now when omitted; not in the future).
    pub(crate) at: Option<DateTime<Utc>>,
    /// Note (who was reached, the notice's reference…).
    /// Newlines are allowed; at most 2,000 characters.
    pub(crate) note: Option<String>,
}

/// Units a consignee returned, or confirmed used.
#[derive(InputObject)]
pub struct RecallAccountingInput {
    /// The recall.
    pub(crate) recall_id: ID,
    /// The consignee.
    pub(crate) consignee_id: ID,
    /// The affected lot.
    pub(crate) lot_id: ID,
    /// Units (at most what it received of the lot and has not yet accounted for).
    pub(crate) quantity: i64,
    /// For a return: the QUARANTINE location code to receive into (the first one when omitted).
    pub(crate) location: Option<String>,
    /// Note.
    /// Newlines are allowed; at most 2,000 characters.
    pub(crate) note: Option<String>,
}

/// Closing a recall.
#[derive(InputObject)]
pub struct CloseRecallInput {
    /// The recall.
    pub(crate) recall_id: ID,
    /// Required when units are still outstanding: why the recall can close anyway.
    /// Newlines are allowed; at most 2,000 characters.
    pub(crate) justification: Option<String>,
}

/// Cancelling a draft recall.
#[derive(InputObject)]
pub struct CancelRecallInput {
    /// The recall.
    pub(crate) recall_id: ID,
    /// Why.
    /// Newlines are allowed; at most 2,000 characters.
    pub(crate) reason: String,
}

// ------------------------------------------------------------------ payloads

/// The result of a recall mutation.
#[derive(SimpleObject)]
pub struct RecallPayload {
    /// The recall, when it worked.
    pub(crate) recall: Option<Recall>,
    /// What was wrong with the input; nothing was changed.
    pub(crate) user_errors: Vec<UserError>,
}

/// The result of activating a recall.
#[derive(SimpleObject)]
pub struct ActivateRecallPayload {
    /// The recall, now ACTIVE.
    pub(crate) recall: Option<Recall>,
    /// Lots affected.
    pub(crate) lots: i32,
    /// Of those, set RECALLED now (the rest already were).
    pub(crate) lots_recalled: i32,
    /// Open reservations released.
    pub(crate) reservations_released: i32,
    /// Cases re-opened for matching because their unit or part is recalled.
    pub(crate) cases_reopened: Vec<ClinicalCase>,
    /// Consignees to notify.
    pub(crate) consignees: i32,
    /// What was wrong; nothing was changed.
    pub(crate) user_errors: Vec<UserError>,
}

/// The result of recording a notification.
#[derive(SimpleObject)]
pub struct RecallConsigneePayload {
    /// The recall, with its consignees.
    pub(crate) recall: Option<Recall>,
    /// What was wrong; nothing was changed.
    pub(crate) user_errors: Vec<UserError>,
}

pub(crate) fn recall_payload(r: Result<recall::Model, Vec<UserError>>) -> RecallPayload {
    match r {
        Ok(r) => RecallPayload {
            recall: Some(Recall(r)),
            user_errors: vec![],
        },
        Err(e) => RecallPayload {
            recall: None,
            user_errors: e,
        },
    }
}

pub(crate) fn recall_id(id: &ID) -> AppResult<i64> {
    ids::decode(id, "Recall", "input.recallId")
}
