//! The forward trace: every lot downstream with its stock, reservations, shipments, returns, cases and open jobs.

use super::*;

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
/// The walk and everything hanging off the lots it reaches come in one
/// statement ([`Facts`]); only full rows by id follow.
pub async fn forward(db: &impl ConnectionTrait, scope: &Scope) -> AppResult<ForwardTrace> {
    scope.validate()?;
    let backend = db.get_database_backend();
    let mut facts = Facts::read(db, Source::Walk(scope.roots(backend))).await?;
    if facts.lots.is_empty() {
        return Err(no_lot(scope));
    }
    let lots = std::mem::take(&mut facts.lots);
    let mut t = assemble(db, lots, facts).await?;
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
        return Err(no_lot(scope));
    }
    Ok(reached)
}

/// The refusal of a scope that matches no lot.
fn no_lot(scope: &Scope) -> AppError {
    AppError::bad_input(
        scope_field(scope),
        format!("{} matches no lot: nothing to trace", scope.describe()),
    )
}

/// The field of the input a scope came from, for errors.
pub fn scope_field(scope: &Scope) -> &'static str {
    match scope {
        Scope::Lots(_) => "scope.lotIds",
        Scope::Heat(_) => "scope.heatNumber",
        Scope::BlankLot(_) => "scope.blankLotId",
        Scope::MachineWindow { .. } => "scope.machineWindow.machineId",
        Scope::Tool(_) => "scope.toolId",
    }
}

/// The forward picture of a known set of lots (a recall's frozen lots).
pub async fn forward_of(
    db: &impl ConnectionTrait,
    reached: Vec<LotBrief>,
) -> AppResult<ForwardTrace> {
    let ids: Vec<i64> = reached.iter().map(|l| l.id).collect();
    let facts = Facts::read(db, Source::Ids(ids)).await?;
    assemble(db, reached, facts).await
}

/// The trace of the reached lots from their facts: the full rows they name
/// (locations, clinics, reservations, cases, open jobs) read by id side by
/// side, the consignees resolved, the totals counted.
async fn assemble(
    db: &impl ConnectionTrait,
    reached: Vec<LotBrief>,
    facts: Facts,
) -> AppResult<ForwardTrace> {
    let roots = reached
        .iter()
        .filter(|l| l.depth == 0)
        .map(|l| l.id)
        .collect();
    let Facts {
        balances,
        moves,
        reservation_ids,
        mut case_ids,
        job_ids,
        ..
    } = facts;
    let location_ids: Vec<i64> = unique(balances.iter().map(|b| b.location_id));
    let clinic_ids = unique(moves.iter().flat_map(|(_, f)| f.clinic_ids()));
    // A shipment's case is the case its reference names.
    case_ids.extend(moves.iter().filter_map(|(m, f)| {
        (m.reason == MovementReason::Shipment)
            .then_some(f.case)
            .flatten()
            .map(|(id, _)| id)
    }));
    let case_ids = unique(case_ids);
    let (locations, clinics, reservations, cases, open_jobs) = futures_util::try_join!(
        by_ids::<location::Entity>(db, &location_ids, location::Column::Id),
        by_ids::<clinic::Entity>(db, &clinic_ids, clinic::Column::Id),
        by_ids::<reservation::Entity>(db, &reservation_ids, reservation::Column::Id),
        by_ids::<clinical_case::Entity>(db, &case_ids, clinical_case::Column::Id),
        by_ids::<production_job::Entity>(db, &job_ids, production_job::Column::Id),
    )?;
    let clinics: HashMap<i64, clinic::Model> = clinics.into_iter().map(|c| (c.id, c)).collect();
    let lots = traced_lots(reached, locations, balances);
    let (shipments, returns) = dispatches(moves, &clinics);
    let exposure = exposure(&shipments, &returns, &clinics);
    let mut t = ForwardTrace {
        roots,
        lots,
        reservations,
        shipments,
        returns,
        exposure,
        cases,
        open_jobs,
        totals: Totals::default(),
    };
    t.totals = totals(&t);
    Ok(t)
}

/// The distinct ids, in order.
fn unique(ids: impl IntoIterator<Item = i64>) -> Vec<i64> {
    let mut v: Vec<i64> = ids.into_iter().collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Full rows by id (in chunks), by id; no statement for no ids.
async fn by_ids<E: EntityTrait>(
    db: &impl ConnectionTrait,
    ids: &[i64],
    id: E::Column,
) -> AppResult<Vec<E::Model>> {
    chunked(ids, |c| {
        E::find().filter(id.is_in(c)).order_by_asc(id).all(db)
    })
    .await
}

/// The reached lots with their stock by location, by depth and id.
fn traced_lots(
    reached: Vec<LotBrief>,
    locations: Vec<location::Model>,
    balances: Vec<stock_balance::Model>,
) -> Vec<TracedLot> {
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
    traced
}

/// Shipments and returns, by id, with their consignees.
fn dispatches(
    moves: Vec<(Movement, MoveFacts)>,
    clinics: &HashMap<i64, clinic::Model>,
) -> (Vec<Dispatch>, Vec<Dispatch>) {
    let (mut shipments, mut returns) = (Vec::new(), Vec::new());
    for (m, f) in moves {
        let (consignee, case_id, named) = resolve(&m, &f, clinics);
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
    (shipments, returns)
}

/// The totals of a trace's parts.
fn totals(t: &ForwardTrace) -> Totals {
    let on_hand = |bar: bool| -> i64 {
        t.lots
            .iter()
            .filter(|l| (l.lot.kind == ItemKind::Bar) == bar)
            .map(TracedLot::on_hand)
            .sum()
    };
    Totals {
        lots: t.lots.len() as i64,
        finished_lots: t
            .lots
            .iter()
            .filter(|l| l.lot.kind == ItemKind::Finished)
            .count() as i64,
        pieces_on_hand: on_hand(false),
        bar_mm_on_hand: on_hand(true),
        pieces_reserved: t.reservations.iter().map(|r| r.quantity).sum(),
        pieces_shipped: t.shipments.iter().map(|d| d.movement.quantity).sum(),
        pieces_returned: t.returns.iter().map(|d| d.movement.quantity).sum(),
        consignees: t.exposure.len() as i64,
        clinics: t.exposure.iter().filter(|e| e.clinic.is_some()).count() as i64,
        cases: t.cases.len() as i64,
        open_jobs: t.open_jobs.len() as i64,
    }
}
