//! What a trace starts from: a heat, lots, a blank lot, a machine window or a tool.

use super::*;

/// Largest number of ids bound in one `IN (…)` list.
pub(crate) const CHUNK: usize = 10_000;

/// Deepest genealogy walked; real chains are 3–4 steps, this only stops a
/// corrupt cycle from running forever.
pub(crate) const MAX_DEPTH: i32 = 64;

/// Where a trace or a recall starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// These lots (any kind).
    Lots(Vec<i64>),
    /// Every lot of a heat number (bar lots carry it).
    Heat(String),
    /// One pre-milled blank lot.
    BlankLot(i64),
    /// Lots made on a machine by jobs that ran, at least in part, between
    /// `from` and `to`.
    MachineWindow {
        machine_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    /// Lots made by jobs that used a tool.
    Tool(i64),
}

impl Scope {
    /// Checks the scope's own shape (not whether it matches anything).
    pub fn validate(&self) -> AppResult<()> {
        match self {
            Scope::Lots(ids) if ids.is_empty() => {
                Err(AppError::bad_input("scope.lotIds", "name at least one lot"))
            }
            Scope::Heat(h) if h.trim().is_empty() => {
                Err(AppError::bad_input("scope.heatNumber", "must not be empty"))
            }
            Scope::MachineWindow { from, to, .. } if to <= from => Err(AppError::bad_input(
                "scope.machineWindow.to",
                format!("the window must end after it starts ({from} – {to})"),
            )),
            _ => Ok(()),
        }
    }

    /// One line for people: what the scope names.
    pub fn describe(&self) -> String {
        match self {
            Scope::Lots(ids) => format!("{} lot(s) by id", ids.len()),
            Scope::Heat(h) => format!("heat number {h}"),
            Scope::BlankLot(id) => format!("blank lot #{id}"),
            Scope::MachineWindow {
                machine_id,
                from,
                to,
            } => format!(
                "machine #{machine_id} from {} to {}",
                from.format("%Y-%m-%d %H:%M"),
                to.format("%Y-%m-%d %H:%M")
            ),
            Scope::Tool(id) => format!("tool #{id}"),
        }
    }

    /// The scope a stored recall was created with.
    pub fn of_recall(r: &recall::Model) -> AppResult<Self> {
        use entity::enums::RecallScopeKind as K;
        let missing = || AppError::Internal(format!("recall {} has an incomplete scope", r.number));
        Ok(match r.scope_kind {
            K::Lots => Scope::Lots(
                serde_json::from_str(r.scope_lot_ids.as_deref().ok_or_else(missing)?)
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            ),
            K::Heat => Scope::Heat(r.heat_number.clone().ok_or_else(missing)?),
            K::BlankLot => Scope::BlankLot(r.blank_lot_id.ok_or_else(missing)?),
            K::MachineWindow => Scope::MachineWindow {
                machine_id: r.machine_id.ok_or_else(missing)?,
                from: r.window_from.ok_or_else(missing)?,
                to: r.window_to.ok_or_else(missing)?,
            },
            K::Tool => Scope::Tool(r.tool_id.ok_or_else(missing)?),
        })
    }

    /// The query that selects the scope's root lot ids (one column).
    pub(crate) fn roots(&self, backend: DbBackend) -> Statement {
        use production_job::Column as J;
        match self {
            Scope::Lots(ids) => lot::Entity::find()
                .select_only()
                .column(lot::Column::Id)
                .filter(lot::Column::Id.is_in(ids.iter().copied()))
                .build(backend),
            Scope::Heat(h) => lot::Entity::find()
                .select_only()
                .column(lot::Column::Id)
                .filter(lot::Column::HeatNumber.eq(h.trim()))
                .build(backend),
            Scope::BlankLot(id) => lot::Entity::find()
                .select_only()
                .column(lot::Column::Id)
                .filter(lot::Column::Id.eq(*id))
                .filter(
                    lot::Column::ItemId.in_subquery(
                        item::Entity::find()
                            .select_only()
                            .column(item::Column::Id)
                            .filter(item::Column::Kind.eq(ItemKind::Blank))
                            .into_query(),
                    ),
                )
                .build(backend),
            Scope::MachineWindow {
                machine_id,
                from,
                to,
            } => production_job::Entity::find()
                .select_only()
                .column(J::FinishedLotId)
                .filter(J::MachineId.eq(*machine_id))
                .filter(J::FinishedLotId.is_not_null())
                .filter(J::StartedAt.lt(*to))
                .filter(J::FinishedAt.gte(*from))
                .build(backend),
            Scope::Tool(tool_id) => production_job::Entity::find()
                .select_only()
                .column(J::FinishedLotId)
                .filter(J::FinishedLotId.is_not_null())
                .filter(
                    J::Id.in_subquery(
                        job_tool::Entity::find()
                            .select_only()
                            .column(job_tool::Column::JobId)
                            .filter(job_tool::Column::ToolId.eq(*tool_id))
                            .into_query(),
                    ),
                )
                .build(backend),
        }
    }
}
