//! Forward and backward traceability through the lot genealogy.
//!
//! The walk itself is one recursive SQL query (`WITH RECURSIVE`) that runs
//! the same on SQLite and PostgreSQL over the two covering indexes of
//! `lot_genealogy` (parent → child and child → parent); nothing loads the
//! graph into memory. What hangs off the lots it finds (stock, open
//! reservations, shipments, returns, cases, jobs still running on the
//! material) is then read with one query per table over the lot ids, in
//! chunks, so a trace costs the same number of statements for ten lots or
//! ten thousand.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{
    clinic, clinical_case,
    enums::{ItemKind, JobStatus, MovementReason, ReservationStatus},
    item, job_material, job_tool, location, lot, lot_genealogy, production_job, recall,
    recall_action, reservation, shipment, stock_balance, stock_movement,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Statement,
};

use crate::error::{AppError, AppResult};

/// Largest number of ids bound in one `IN (…)` list.
const CHUNK: usize = 10_000;

/// Deepest genealogy walked; real chains are 3–4 steps, this only stops a
/// corrupt cycle from running forever.
const MAX_DEPTH: i32 = 64;

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
                "scope.to",
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
    fn roots(&self, backend: DbBackend) -> Statement {
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

/// Direction of a walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From material to what was made of it.
    Forward,
    /// From a part to what it was made of.
    Backward,
}

/// The recursive walk from `roots` as a statement: CTE `reached(lot_id,
/// depth)` holds every lot reachable (roots included) with the fewest
/// genealogy steps from a root, and `select` reads from it.
fn walk_statement(
    backend: sea_orm::DbBackend,
    roots: Statement,
    direction: Direction,
    select: &str,
) -> Statement {
    let (from, to) = match direction {
        Direction::Forward => ("parent_lot_id", "child_lot_id"),
        Direction::Backward => ("child_lot_id", "parent_lot_id"),
    };
    let sql = format!(
        "WITH RECURSIVE roots(lot_id) AS ({roots}), \
         walk(lot_id, depth) AS ( \
           SELECT lot_id, 0 FROM roots \
           UNION \
           SELECT g.{to}, w.depth + 1 FROM lot_genealogy g \
             JOIN walk w ON g.{from} = w.lot_id WHERE w.depth < {MAX_DEPTH} \
         ), \
         reached(lot_id, depth) AS ( \
           SELECT lot_id, MIN(depth) FROM walk WHERE lot_id IS NOT NULL GROUP BY lot_id \
         ) {select}",
        roots = roots.sql
    );
    Statement::from_sql_and_values(backend, sql, roots.values.map(|v| v.0).unwrap_or_default())
}

/// Every lot reachable from the roots (roots included), with the fewest
/// genealogy steps from a root: one recursive query.
pub async fn walk(
    db: &impl ConnectionTrait,
    roots: Statement,
    direction: Direction,
) -> AppResult<Vec<(i64, i32)>> {
    let stmt = walk_statement(
        db.get_database_backend(),
        roots,
        direction,
        "SELECT lot_id, CAST(depth AS BIGINT) AS depth FROM reached ORDER BY 2, 1",
    );
    let rows = db.query_all_raw(stmt).await?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("", "lot_id")?;
            let depth: i64 = r.try_get("", "depth")?;
            Ok((id, depth as i32))
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(AppError::from)
}

/// What a trace needs of a lot; the full row loads on demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotBrief {
    pub id: i64,
    pub item_id: i64,
    pub kind: ItemKind,
    pub lot_number: String,
    pub state: entity::enums::LotState,
    pub heat_number: Option<String>,
    /// Genealogy steps from the nearest root (0 = a root).
    pub depth: i32,
}

/// The walk of [`walk`] with each lot's brief, in the same statement.
async fn walk_lots(
    db: &impl ConnectionTrait,
    roots: Statement,
    direction: Direction,
) -> AppResult<Vec<LotBrief>> {
    let stmt = walk_statement(
        db.get_database_backend(),
        roots,
        direction,
        "SELECT l.id, l.item_id, i.kind, l.lot_number, l.state, l.heat_number, \
                CAST(r.depth AS BIGINT) AS depth \
         FROM reached r JOIN lot l ON l.id = r.lot_id JOIN item i ON i.id = l.item_id \
         ORDER BY 7, 1",
    );
    let rows = db.query_all_raw(stmt).await?;
    rows.iter()
        .map(|r| {
            let depth: i64 = r.try_get("", "depth")?;
            Ok(LotBrief {
                id: r.try_get("", "id")?,
                item_id: r.try_get("", "item_id")?,
                kind: r.try_get("", "kind")?,
                lot_number: r.try_get("", "lot_number")?,
                state: r.try_get("", "state")?,
                heat_number: r.try_get("", "heat_number")?,
                depth: depth as i32,
            })
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(AppError::from)
}

/// The briefs of known lots (a recall's frozen set), with their depths.
pub async fn briefs(db: &impl ConnectionTrait, lots: &[(i64, i32)]) -> AppResult<Vec<LotBrief>> {
    let ids: Vec<i64> = lots.iter().map(|(id, _)| *id).collect();
    let depth: HashMap<i64, i32> = lots.iter().copied().collect();
    type Row = (i64, i64, String, entity::enums::LotState, Option<String>);
    let rows: Vec<Row> = chunked(&ids, |c| {
        lot::Entity::find()
            .select_only()
            .column(lot::Column::Id)
            .column(lot::Column::ItemId)
            .column(lot::Column::LotNumber)
            .column(lot::Column::State)
            .column(lot::Column::HeatNumber)
            .filter(lot::Column::Id.is_in(c))
            .into_tuple::<Row>()
            .all(db)
    })
    .await?;
    let kinds: HashMap<i64, ItemKind> = item::Entity::find()
        .select_only()
        .column(item::Column::Id)
        .column(item::Column::Kind)
        .filter(item::Column::Id.is_in(rows.iter().map(|r| r.1).collect::<HashSet<_>>()))
        .into_tuple::<(i64, ItemKind)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut out: Vec<LotBrief> = rows
        .into_iter()
        .filter_map(|(id, item_id, lot_number, state, heat_number)| {
            Some(LotBrief {
                id,
                item_id,
                kind: *kinds.get(&item_id)?,
                lot_number,
                state,
                heat_number,
                depth: depth.get(&id).copied().unwrap_or_default(),
            })
        })
        .collect();
    out.sort_by_key(|l| (l.depth, l.id));
    Ok(out)
}

/// Runs `load` over `ids` in chunks and concatenates the rows.
async fn chunked<T, F, Fut>(ids: &[i64], mut load: F) -> AppResult<Vec<T>>
where
    F: FnMut(Vec<i64>) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>, sea_orm::DbErr>>,
{
    let mut out = Vec::new();
    for c in ids.chunks(CHUNK) {
        out.extend(load(c.to_vec()).await?);
    }
    Ok(out)
}

/// Units of a lot at one location.
#[derive(Debug, Clone)]
pub struct LotStock {
    pub location: location::Model,
    pub on_hand: i64,
    pub reserved: i64,
}

/// A lot a trace reached.
#[derive(Debug, Clone)]
pub struct TracedLot {
    pub lot: LotBrief,
    /// Where its stock lies now (non-zero balances).
    pub stock: Vec<LotStock>,
}

impl TracedLot {
    /// Units on hand, all locations.
    pub fn on_hand(&self) -> i64 {
        self.stock.iter().map(|s| s.on_hand).sum()
    }
}

/// Who received a shipment: a clinic, a named consignee outside the
/// clinic register, or (for a shipment recorded before shipments named
/// their consignee) only the shipment's reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Consignee {
    /// The clinic's code, the named consignee's name, or `ref:` and the
    /// reference.
    pub key: String,
    pub clinic_id: Option<i64>,
}

/// A consignee outside the clinic register, as named at shipping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub name: String,
    pub address: String,
    pub contact: Option<String>,
}

/// What a trace needs of a SHIPMENT or RETURN ledger row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub lot_id: i64,
    pub quantity: i64,
    pub reason: MovementReason,
    pub reference: String,
}

/// A shipment (or return) of a traced lot and who it went to (came from).
#[derive(Debug, Clone)]
pub struct Dispatch {
    pub movement: Movement,
    pub consignee: Consignee,
    /// The case it was shipped for, when the reference is a case number.
    pub case_id: Option<i64>,
    /// The named consignee's address and contact, for a shipment to one.
    pub named: Option<Named>,
}

/// What one consignee received of the traced lots.
#[derive(Debug, Clone)]
pub struct Exposure {
    pub consignee: Consignee,
    pub clinic: Option<clinic::Model>,
    pub shipped: i64,
    pub returned: i64,
    pub first_shipped: DateTime<Utc>,
    pub last_shipped: DateTime<Utc>,
    /// Units shipped per lot id.
    pub by_lot: BTreeMap<i64, i64>,
    /// A named consignee's address and contact, as given at its last shipment.
    pub named: Option<Named>,
}

/// Totals of a forward trace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub lots: i64,
    pub finished_lots: i64,
    /// Pieces (blanks, finished parts) on hand in every state and location.
    pub pieces_on_hand: i64,
    /// Millimetres of bar on hand.
    pub bar_mm_on_hand: i64,
    pub pieces_reserved: i64,
    pub pieces_shipped: i64,
    pub pieces_returned: i64,
    pub consignees: i64,
    pub clinics: i64,
    pub cases: i64,
    pub open_jobs: i64,
}

/// Everything downstream of a scope.
#[derive(Debug, Clone, Default)]
pub struct ForwardTrace {
    /// Root lots the scope named.
    pub roots: Vec<i64>,
    /// Every lot reached, roots first, then by depth and id.
    pub lots: Vec<TracedLot>,
    /// Open reservations on them.
    pub reservations: Vec<reservation::Model>,
    pub shipments: Vec<Dispatch>,
    pub returns: Vec<Dispatch>,
    /// Per consignee, most units first.
    pub exposure: Vec<Exposure>,
    /// Cases that received, hold a reservation of, or had made one of the lots.
    pub cases: Vec<clinical_case::Model>,
    /// Jobs not yet finished that consumed material from the lots or run
    /// in the scope (a machine window, a tool).
    pub open_jobs: Vec<production_job::Model>,
    pub totals: Totals,
}

/// Traces forward from a scope: every descendant lot at any depth and
/// where its units are now. A scope matching no lot is `BAD_USER_INPUT`.
pub async fn forward(db: &impl ConnectionTrait, scope: &Scope) -> AppResult<ForwardTrace> {
    let mut t = forward_of(db, reach(db, scope).await?).await?;
    add_open_jobs(&mut t, scope_jobs(db, scope).await?);
    Ok(t)
}

/// Jobs running now whose output the scope itself covers, whatever they
/// consume: on a machine scope, jobs running on the machine that started
/// before the window ends; on a tool scope, jobs running with the tool.
/// Their lots are not made yet; when they are, they fall in the scope.
pub async fn scope_jobs(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> AppResult<Vec<production_job::Model>> {
    use production_job::Column as J;
    let q = production_job::Entity::find().filter(J::Status.eq(JobStatus::InProgress));
    let q = match scope {
        Scope::MachineWindow { machine_id, to, .. } => q
            .filter(J::MachineId.eq(*machine_id))
            .filter(J::StartedAt.lt(*to)),
        Scope::Tool(tool_id) => q.filter(
            J::Id.in_subquery(
                job_tool::Entity::find()
                    .select_only()
                    .column(job_tool::Column::JobId)
                    .filter(job_tool::Column::ToolId.eq(*tool_id))
                    .into_query(),
            ),
        ),
        Scope::Lots(_) | Scope::Heat(_) | Scope::BlankLot(_) => return Ok(Vec::new()),
    };
    Ok(q.order_by_asc(J::Id).all(db).await?)
}

/// Adds jobs to a trace's open jobs (once each, by id) and its total.
pub fn add_open_jobs(t: &mut ForwardTrace, jobs: Vec<production_job::Model>) {
    if jobs.is_empty() {
        return;
    }
    t.open_jobs.extend(jobs);
    t.open_jobs.sort_by_key(|j| j.id);
    t.open_jobs.dedup_by_key(|j| j.id);
    t.totals.open_jobs = t.open_jobs.len() as i64;
}

/// The lots a scope reaches (its own and every descendant), without what
/// hangs off them. A scope matching no lot is `BAD_USER_INPUT`.
pub async fn reach(db: &impl ConnectionTrait, scope: &Scope) -> AppResult<Vec<LotBrief>> {
    scope.validate()?;
    let backend = db.get_database_backend();
    let reached = walk_lots(db, scope.roots(backend), Direction::Forward).await?;
    if reached.is_empty() {
        return Err(AppError::bad_input(
            scope_field(scope),
            format!("{} matches no lot: nothing to trace", scope.describe()),
        ));
    }
    Ok(reached)
}

/// The field of the input a scope came from, for errors.
pub fn scope_field(scope: &Scope) -> &'static str {
    match scope {
        Scope::Lots(_) => "scope.lotIds",
        Scope::Heat(_) => "scope.heatNumber",
        Scope::BlankLot(_) => "scope.blankLotId",
        Scope::MachineWindow { .. } => "scope.machineId",
        Scope::Tool(_) => "scope.toolId",
    }
}

/// The forward picture of a known set of lots (a trace just walked, or a
/// recall's frozen lots).
pub async fn forward_of(
    db: &impl ConnectionTrait,
    reached: Vec<LotBrief>,
) -> AppResult<ForwardTrace> {
    let ids: &[i64] = &reached.iter().map(|l| l.id).collect::<Vec<_>>();
    let roots = reached
        .iter()
        .filter(|l| l.depth == 0)
        .map(|l| l.id)
        .collect();
    // Independent reads, run side by side (on a pool they take separate
    // connections; in a transaction they queue on its one).
    let (locations, balances, reservations, moves, made_by, shipped_cases, issued) = futures_util::try_join!(
        async { Ok::<_, AppError>(location::Entity::find().all(db).await?) },
        chunked(ids, |c| {
            stock_balance::Entity::find()
                .filter(stock_balance::Column::LotId.is_in(c))
                .filter(stock_balance::Column::OnHand.gt(0))
                .all(db)
        }),
        chunked(ids, |c| {
            reservation::Entity::find()
                .filter(reservation::Column::LotId.is_in(c))
                .filter(reservation::Column::Status.eq(ReservationStatus::Open))
                .order_by_asc(reservation::Column::Id)
                .all(db)
        }),
        chunked(ids, |c| {
            use stock_movement::Column as M;
            stock_movement::Entity::find()
                .select_only()
                .columns([M::Id, M::At, M::LotId, M::Quantity, M::Reason, M::Reference])
                .filter(M::LotId.is_in(c))
                .filter(M::Reason.is_in([MovementReason::Shipment, MovementReason::Return]))
                .order_by_asc(M::Id)
                .into_tuple::<(i64, DateTime<Utc>, i64, i64, MovementReason, String)>()
                .all(db)
        }),
        chunked(ids, |c| {
            production_job::Entity::find()
                .filter(production_job::Column::FinishedLotId.is_in(c))
                .all(db)
        }),
        chunked(ids, |c| {
            clinical_case::Entity::find()
                .filter(clinical_case::Column::ShippedLotId.is_in(c))
                .all(db)
        }),
        chunked(ids, |c| {
            job_material::Entity::find()
                .filter(job_material::Column::LotId.is_in(c))
                .all(db)
        }),
    )?;
    let locations: HashMap<i64, location::Model> =
        locations.into_iter().map(|l| (l.id, l)).collect();
    let mut stock: HashMap<i64, Vec<LotStock>> = HashMap::new();
    for b in balances {
        if let Some(loc) = locations.get(&b.location_id) {
            stock.entry(b.lot_id).or_default().push(LotStock {
                location: loc.clone(),
                on_hand: b.on_hand,
                reserved: b.reserved,
            });
        }
    }
    let mut traced: Vec<TracedLot> = reached
        .into_iter()
        .map(|l| TracedLot {
            stock: stock.remove(&l.id).unwrap_or_default(),
            lot: l,
        })
        .collect();
    traced.sort_by_key(|t| (t.lot.depth, t.lot.id));

    let moves: Vec<Movement> = moves
        .into_iter()
        .map(|(id, at, lot_id, quantity, reason, reference)| Movement {
            id,
            at,
            lot_id,
            quantity,
            reason,
            reference,
        })
        .collect();
    let (resolved, clinics) = resolve_consignees(db, &moves).await?;
    let (mut shipments, mut returns) = (Vec::new(), Vec::new());
    for m in moves {
        let (consignee, case_id, named) = resolved
            .get(&m.id)
            .cloned()
            .unwrap_or_else(|| (by_reference(&m.reference), None, None));
        let d = Dispatch {
            movement: m,
            consignee,
            case_id,
            named,
        };
        if d.movement.reason == MovementReason::Shipment {
            shipments.push(d);
        } else {
            returns.push(d);
        }
    }

    // Cases: shipped one of the lots, hold a reservation on one, or had one made.
    let mut case_ids: HashSet<i64> = shipments.iter().filter_map(|d| d.case_id).collect();
    let mut cases = shipped_cases;
    let reservation_ids: Vec<i64> = reservations.iter().map(|r| r.id).collect();
    cases.extend(
        chunked(&reservation_ids, |c| {
            clinical_case::Entity::find()
                .filter(clinical_case::Column::ReservationId.is_in(c))
                .all(db)
        })
        .await?,
    );
    let job_ids: Vec<i64> = made_by.iter().map(|j| j.id).collect();
    cases.extend(
        chunked(&job_ids, |c| {
            clinical_case::Entity::find()
                .filter(clinical_case::Column::JobId.is_in(c))
                .all(db)
        })
        .await?,
    );
    let known: HashSet<i64> = cases.iter().map(|c| c.id).collect();
    case_ids.retain(|id| !known.contains(id));
    let extra: Vec<i64> = case_ids.into_iter().collect();
    cases.extend(
        chunked(&extra, |c| {
            clinical_case::Entity::find()
                .filter(clinical_case::Column::Id.is_in(c))
                .all(db)
        })
        .await?,
    );
    cases.sort_by_key(|c| c.id);
    cases.dedup_by_key(|c| c.id);

    // Jobs still running on the material: their output is not a lot yet.
    let issued_jobs: HashSet<i64> = issued.iter().map(|m| m.job_id).collect();
    let open_jobs = if issued_jobs.is_empty() {
        Vec::new()
    } else {
        production_job::Entity::find()
            .filter(production_job::Column::Id.is_in(issued_jobs))
            .filter(production_job::Column::Status.is_in([
                JobStatus::Planned,
                JobStatus::Scheduled,
                JobStatus::InProgress,
                JobStatus::Inspection,
            ]))
            .order_by_asc(production_job::Column::Id)
            .all(db)
            .await?
    };

    let exposure = exposure(&shipments, &returns, &clinics);
    let totals = Totals {
        lots: traced.len() as i64,
        finished_lots: traced
            .iter()
            .filter(|t| t.lot.kind == ItemKind::Finished)
            .count() as i64,
        pieces_on_hand: traced
            .iter()
            .filter(|t| t.lot.kind != ItemKind::Bar)
            .map(TracedLot::on_hand)
            .sum(),
        bar_mm_on_hand: traced
            .iter()
            .filter(|t| t.lot.kind == ItemKind::Bar)
            .map(TracedLot::on_hand)
            .sum(),
        pieces_reserved: reservations.iter().map(|r| r.quantity).sum(),
        pieces_shipped: shipments.iter().map(|d| d.movement.quantity).sum(),
        pieces_returned: returns.iter().map(|d| d.movement.quantity).sum(),
        consignees: exposure.len() as i64,
        clinics: exposure.iter().filter(|e| e.clinic.is_some()).count() as i64,
        cases: cases.len() as i64,
        open_jobs: open_jobs.len() as i64,
    };
    Ok(ForwardTrace {
        roots,
        lots: traced,
        reservations,
        shipments,
        returns,
        exposure,
        cases,
        open_jobs,
        totals,
    })
}

/// The consignee of a reference no case, clinic or recall explains.
fn by_reference(reference: &str) -> Consignee {
    Consignee {
        key: format!("ref:{reference}"),
        clinic_id: None,
    }
}

/// Who each shipment went to and each return came from: a shipment's
/// consignee is recorded with it (a clinic, or a name and address), and so
/// is a recall return's; otherwise (a shipment recorded before shipments
/// named their consignee, a case return) the reference is a case number
/// (→ its clinic) or a clinic's code, else it stands for itself.
type Resolved = HashMap<i64, (Consignee, Option<i64>, Option<Named>)>;

async fn resolve_consignees(
    db: &impl ConnectionTrait,
    moves: &[Movement],
) -> AppResult<(Resolved, HashMap<i64, clinic::Model>)> {
    let refs: Vec<String> = moves
        .iter()
        .map(|m| m.reference.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut cases: HashMap<String, (i64, i64)> = HashMap::new();
    let mut clinics: HashMap<i64, clinic::Model> = HashMap::new();
    for c in refs.chunks(CHUNK) {
        for (id, number, clinic_id) in clinical_case::Entity::find()
            .select_only()
            .column(clinical_case::Column::Id)
            .column(clinical_case::Column::Number)
            .column(clinical_case::Column::ClinicId)
            .filter(clinical_case::Column::Number.is_in(c.iter().cloned()))
            .into_tuple::<(i64, String, i64)>()
            .all(db)
            .await?
        {
            cases.insert(number, (id, clinic_id));
        }
        for cl in clinic::Entity::find()
            .filter(clinic::Column::Code.is_in(c.iter().cloned()))
            .all(db)
            .await?
        {
            clinics.insert(cl.id, cl);
        }
    }
    let by_code: HashMap<String, i64> = clinics.values().map(|c| (c.code.clone(), c.id)).collect();
    let return_ids: Vec<i64> = moves
        .iter()
        .filter(|m| m.reason == MovementReason::Return)
        .map(|m| m.id)
        .collect();
    let recall_returns: HashMap<i64, i64> = chunked(&return_ids, |c| {
        recall_action::Entity::find()
            .filter(recall_action::Column::MovementId.is_in(c))
            .all(db)
    })
    .await?
    .into_iter()
    .filter_map(|a| Some((a.movement_id?, a.consignee_id)))
    .collect();
    let shipment_ids: Vec<i64> = moves
        .iter()
        .filter(|m| m.reason == MovementReason::Shipment)
        .map(|m| m.id)
        .collect();
    let shipped_to: HashMap<i64, shipment::Model> = chunked(&shipment_ids, |c| {
        shipment::Entity::find()
            .filter(shipment::Column::MovementId.is_in(c))
            .all(db)
    })
    .await?
    .into_iter()
    .map(|s| (s.movement_id, s))
    .collect();
    let recall_consignees: HashMap<i64, entity::recall_consignee::Model> =
        if recall_returns.is_empty() {
            HashMap::new()
        } else {
            entity::recall_consignee::Entity::find()
                .filter(
                    entity::recall_consignee::Column::Id
                        .is_in(recall_returns.values().copied().collect::<HashSet<_>>()),
                )
                .all(db)
                .await?
                .into_iter()
                .map(|c| (c.id, c))
                .collect()
        };
    // Clinics known only through a case or a recall consignee.
    let missing: HashSet<i64> = cases
        .values()
        .map(|(_, c)| *c)
        .chain(recall_consignees.values().filter_map(|c| c.clinic_id))
        .chain(shipped_to.values().filter_map(|s| s.clinic_id))
        .filter(|id| !clinics.contains_key(id))
        .collect();
    if !missing.is_empty() {
        for cl in clinic::Entity::find()
            .filter(clinic::Column::Id.is_in(missing))
            .all(db)
            .await?
        {
            clinics.insert(cl.id, cl);
        }
    }
    let of_clinic = |id: i64| Consignee {
        key: clinics
            .get(&id)
            .map(|c| c.code.clone())
            .unwrap_or_else(|| format!("clinic#{id}")),
        clinic_id: Some(id),
    };
    let mut out = HashMap::new();
    for m in moves {
        let r = if let Some(s) = shipped_to.get(&m.id) {
            let case = cases.get(&m.reference).map(|(case_id, _)| *case_id);
            match (s.clinic_id, &s.consignee_name, &s.consignee_address) {
                (Some(id), _, _) => (of_clinic(id), case, None),
                (None, Some(name), Some(address)) => (
                    Consignee {
                        key: name.clone(),
                        clinic_id: None,
                    },
                    case,
                    Some(Named {
                        name: name.clone(),
                        address: address.clone(),
                        contact: s.consignee_contact.clone(),
                    }),
                ),
                _ => (by_reference(&m.reference), case, None),
            }
        } else if let Some(c) = recall_returns
            .get(&m.id)
            .and_then(|cid| recall_consignees.get(cid))
        {
            let consignee = match c.clinic_id {
                Some(id) => of_clinic(id),
                None => Consignee {
                    key: c.consignee.clone(),
                    clinic_id: None,
                },
            };
            (consignee, None, None)
        } else if let Some((case_id, clinic_id)) = cases.get(&m.reference) {
            (of_clinic(*clinic_id), Some(*case_id), None)
        } else if let Some(clinic_id) = by_code.get(&m.reference) {
            (of_clinic(*clinic_id), None, None)
        } else {
            (by_reference(&m.reference), None, None)
        };
        out.insert(m.id, r);
    }
    Ok((out, clinics))
}

/// Shipped and returned units per consignee, most shipped first.
fn exposure(
    shipments: &[Dispatch],
    returns: &[Dispatch],
    clinics: &HashMap<i64, clinic::Model>,
) -> Vec<Exposure> {
    let mut by: BTreeMap<Consignee, Exposure> = BTreeMap::new();
    for d in shipments {
        let at = d.movement.at;
        let e = by.entry(d.consignee.clone()).or_insert_with(|| Exposure {
            consignee: d.consignee.clone(),
            clinic: None,
            shipped: 0,
            returned: 0,
            first_shipped: at,
            last_shipped: at,
            by_lot: BTreeMap::new(),
            named: None,
        });
        if d.named.is_some() && at >= e.last_shipped {
            e.named = d.named.clone();
        }
        e.shipped += d.movement.quantity;
        e.first_shipped = e.first_shipped.min(at);
        e.last_shipped = e.last_shipped.max(at);
        *e.by_lot.entry(d.movement.lot_id).or_default() += d.movement.quantity;
    }
    for d in returns {
        if let Some(e) = by.get_mut(&d.consignee) {
            e.returned += d.movement.quantity;
        }
    }
    let mut out: Vec<Exposure> = by
        .into_values()
        .map(|mut e| {
            e.clinic = e
                .consignee
                .clinic_id
                .and_then(|id| clinics.get(&id).cloned());
            e
        })
        .collect();
    out.sort_by(|a, b| {
        b.shipped
            .cmp(&a.shipped)
            .then_with(|| a.consignee.key.cmp(&b.consignee.key))
    });
    out
}

/// A lot upstream of where a backward trace started.
#[derive(Debug, Clone)]
pub struct Ancestor {
    pub lot: lot::Model,
    pub item: item::Model,
    /// Steps from the start (0 = the start itself).
    pub depth: i32,
    /// The job that made it; none for material received from outside.
    pub job: Option<production_job::Model>,
    /// The edges to the lots it was made from.
    pub made_from: Vec<lot_genealogy::Model>,
}

/// Where a backward trace starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A lot.
    Lot(i64),
    /// A shipment: its SHIPMENT ledger row.
    Shipment(i64),
    /// A case: the lot shipped or reserved for it, or made by its job.
    Case(i64),
}

/// The lot a backward trace starts from.
pub async fn origin_lot(db: &impl ConnectionTrait, origin: Origin) -> AppResult<i64> {
    match origin {
        Origin::Lot(id) => Ok(crate::inventory::service::lot(db, id).await?.id),
        Origin::Shipment(id) => {
            let m = stock_movement::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| AppError::not_found("shipment", id.to_string()))?;
            if m.reason != MovementReason::Shipment {
                return Err(AppError::bad_input(
                    "shipmentId",
                    format!("movement {id} is a {}, not a SHIPMENT", m.reason),
                ));
            }
            Ok(m.lot_id)
        }
        Origin::Case(id) => {
            let c = clinical_case::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| AppError::not_found("case", id.to_string()))?;
            if let Some(l) = c.shipped_lot_id {
                return Ok(l);
            }
            if let Some(r) = c.reservation_id
                && let Some(r) = reservation::Entity::find_by_id(r).one(db).await?
            {
                return Ok(r.lot_id);
            }
            if let Some(j) = c.job_id
                && let Some(l) = production_job::Entity::find_by_id(j)
                    .one(db)
                    .await?
                    .and_then(|j| j.finished_lot_id)
            {
                return Ok(l);
            }
            Err(AppError::bad_input(
                "caseId",
                format!(
                    "case {} has no lot yet (it is {}): nothing to trace",
                    c.number, c.status
                ),
            ))
        }
    }
}

/// Traces backward from a lot: it and every lot upstream, each with the job
/// that made it and the edges to its material, nearest first.
pub async fn backward(db: &impl ConnectionTrait, start: i64) -> AppResult<Vec<Ancestor>> {
    let backend = db.get_database_backend();
    let roots = lot::Entity::find()
        .select_only()
        .column(lot::Column::Id)
        .filter(lot::Column::Id.eq(start))
        .build(backend);
    let reached = walk(db, roots, Direction::Backward).await?;
    let ids: Vec<i64> = reached.iter().map(|(id, _)| *id).collect();
    let depth: HashMap<i64, i32> = reached.iter().copied().collect();
    let lots = lot::Entity::find()
        .filter(lot::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?;
    let items: HashMap<i64, item::Model> = item::Entity::find()
        .filter(item::Column::Id.is_in(lots.iter().map(|l| l.item_id).collect::<HashSet<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let mut jobs: HashMap<i64, production_job::Model> = production_job::Entity::find()
        .filter(production_job::Column::FinishedLotId.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|j| Some((j.finished_lot_id?, j)))
        .collect();
    let mut edges: HashMap<i64, Vec<lot_genealogy::Model>> = HashMap::new();
    for e in lot_genealogy::Entity::find()
        .filter(lot_genealogy::Column::ChildLotId.is_in(ids))
        .order_by_asc(lot_genealogy::Column::Id)
        .all(db)
        .await?
    {
        edges.entry(e.child_lot_id).or_default().push(e);
    }
    let mut out: Vec<Ancestor> = lots
        .into_iter()
        .filter_map(|l| {
            Some(Ancestor {
                item: items.get(&l.item_id)?.clone(),
                depth: depth.get(&l.id).copied().unwrap_or_default(),
                job: jobs.remove(&l.id),
                made_from: edges.remove(&l.id).unwrap_or_default(),
                lot: l,
            })
        })
        .collect();
    out.sort_by_key(|a| (a.depth, a.lot.id));
    Ok(out)
}
