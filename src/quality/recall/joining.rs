//! Lots that join a recall after activation: made from recalled material, in a recalled machine window or with a recalled tool (the interface manufacturing calls when a job completes), and the cases they reopen.

use super::*;

/// What a re-opened case lost to a recall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lost {
    ReservedUnit,
    CustomPart,
}

/// Sends a case back to matching because a recall took its reserved unit
/// or its custom part, and lists it in the recall's trail (CASE_REOPENED).
pub(crate) async fn reopen_case(
    db: &impl ConnectionTrait,
    actor: &Actor,
    rc: &recall::Model,
    c: clinical_case::Model,
    lost: Lost,
) -> AppResult<clinical_case::Model> {
    let what = match lost {
        Lost::ReservedUnit => "reserved unit",
        Lost::CustomPart => "custom part",
    };
    let mut am = c.into_active_model();
    am.status = Set(CaseStatus::Open);
    am.decision = Set(None);
    am.reservation_id = Set(None);
    if lost == Lost::CustomPart {
        am.job_id = Set(None);
    }
    am.status_reason = Set(Some(format!(
        "recall {}: its {what} is recalled; match it again",
        rc.number
    )));
    am.updated_at = Set(Utc::now());
    let c = am.update(db).await?;
    event(
        db,
        rc.id,
        actor,
        "CASE_REOPENED",
        format!(
            "case {}: its {what} is recalled; re-opened for matching",
            c.number
        ),
    )
    .await?;
    Ok(c)
}

/// Why a lot made by a job joins a recall.
#[derive(Debug, Clone)]
pub(crate) struct Joining {
    pub(crate) recall: recall::Model,
    pub(crate) depth: i32,
    pub(crate) why: String,
}

/// A lot a job has just made joins every recall that covers it, so a job
/// running at activation can never release what the recall stops:
/// - made from material frozen in an ACTIVE or CLOSED recall (recalled
///   material stays recalled after closure): one step deeper than its
///   nearest parent;
/// - made on an ACTIVE recall's machine by a job that ran in its window, or
///   with an ACTIVE recall's tool: a root of that scope (depth 0).
///
/// It is frozen with the recall's lots (`LOT_ADDED`) and set RECALLED at
/// once; a case waiting for it as its custom part is re-opened
/// (`CASE_REOPENED`). Made from a RECALLED lot that no recall holds, it is
/// set RECALLED too.
pub async fn inherit_recalls(
    db: &impl ConnectionTrait,
    actor: &Actor,
    made: lot::Model,
    parents: &[i64],
    job: &production_job::Model,
    finished_at: DateTime<Utc>,
) -> AppResult<lot::Model> {
    let mut joining = through_material(db, parents).await?;
    // A scope's reason replaces the material's for the same recall.
    joining.extend(through_scope(db, job, finished_at).await?);
    if joining.is_empty() {
        return recalled_parents(db, actor, made, parents).await;
    }
    freeze(db, actor, &made, job, &joining).await?;
    let Some(Joining { recall: first, .. }) = joining.values().next() else {
        return Ok(made);
    };
    if made.state == LotState::Recalled {
        return Ok(made);
    }
    inventory::change_state(
        db,
        actor,
        made.id,
        LotState::Recalled,
        &format!("recall {}: {}", first.number, first.reason),
    )
    .await
}

/// The ACTIVE or CLOSED recalls that froze one of `parents`, by recall id,
/// each one step deeper than its nearest frozen parent.
async fn through_material(
    db: &impl ConnectionTrait,
    parents: &[i64],
) -> AppResult<BTreeMap<i64, Joining>> {
    let mut joining = BTreeMap::new();
    let frozen = recall_lot::Entity::find()
        .filter(recall_lot::Column::LotId.is_in(parents.iter().copied()))
        .all(db)
        .await?;
    if frozen.is_empty() {
        return Ok(joining);
    }
    let mut depth: BTreeMap<i64, i32> = BTreeMap::new();
    for f in &frozen {
        let d = depth.entry(f.recall_id).or_insert(f.depth + 1);
        *d = std::cmp::min(*d, f.depth + 1);
    }
    for rc in recall::Entity::find()
        .filter(recall::Column::Id.is_in(depth.keys().copied()))
        .filter(recall::Column::Status.is_in([RecallStatus::Active, RecallStatus::Closed]))
        .all(db)
        .await?
    {
        let d = depth.get(&rc.id).copied().unwrap_or(1);
        let why = if rc.status == RecallStatus::Closed {
            "from affected material of the closed recall"
        } else {
            "from affected material"
        };
        joining.insert(
            rc.id,
            Joining {
                recall: rc,
                depth: d,
                why: why.to_owned(),
            },
        );
    }
    Ok(joining)
}

/// The ACTIVE recalls whose scope covers the job itself, by recall id: run
/// on the recalled machine within its window, or with the recalled tool.
async fn through_scope(
    db: &impl ConnectionTrait,
    job: &production_job::Model,
    finished_at: DateTime<Utc>,
) -> AppResult<BTreeMap<i64, Joining>> {
    let mut joining = BTreeMap::new();
    let tools: HashSet<i64> = entity::job_tool::Entity::find()
        .filter(entity::job_tool::Column::JobId.eq(job.id))
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.tool_id)
        .collect();
    for rc in recall::Entity::find()
        .filter(recall::Column::Status.eq(RecallStatus::Active))
        .filter(
            recall::Column::ScopeKind
                .is_in([RecallScopeKind::MachineWindow, RecallScopeKind::Tool]),
        )
        .all(db)
        .await?
    {
        let why = match Scope::of_recall(&rc)? {
            Scope::MachineWindow {
                machine_id,
                from,
                to,
            } if job.machine_id == Some(machine_id)
                && job.started_at.is_some_and(|s| s < to)
                && finished_at >= from =>
            {
                "made on the recalled machine in its window"
            }
            Scope::Tool(t) if tools.contains(&t) => "made with the recalled tool",
            _ => continue,
        };
        joining.insert(
            rc.id,
            Joining {
                recall: rc,
                depth: 0,
                why: why.to_owned(),
            },
        );
    }
    Ok(joining)
}

/// A lot no recall takes in: recalled material no recall holds (set
/// RECALLED by hand) still makes recalled parts.
async fn recalled_parents(
    db: &impl ConnectionTrait,
    actor: &Actor,
    made: lot::Model,
    parents: &[i64],
) -> AppResult<lot::Model> {
    let recalled = lot::Entity::find()
        .filter(lot::Column::Id.is_in(parents.iter().copied()))
        .filter(lot::Column::State.eq(LotState::Recalled))
        .order_by_asc(lot::Column::Id)
        .one(db)
        .await?;
    match recalled {
        Some(p) if made.state != LotState::Recalled => {
            inventory::change_state(
                db,
                actor,
                made.id,
                LotState::Recalled,
                &format!("made from recalled lot {}", p.lot_number),
            )
            .await
        }
        _ => Ok(made),
    }
}

/// Freezes the made lot in each joining recall (`LOT_ADDED`) and re-opens,
/// once, the cases waiting for the job's part (`CASE_REOPENED` in the first
/// recall's trail).
async fn freeze(
    db: &impl ConnectionTrait,
    actor: &Actor,
    made: &lot::Model,
    job: &production_job::Model,
    joining: &BTreeMap<i64, Joining>,
) -> AppResult<()> {
    let on_hand: i64 = entity::stock_balance::Entity::find()
        .filter(entity::stock_balance::Column::LotId.eq(made.id))
        .all(db)
        .await?
        .iter()
        .map(|b| b.on_hand)
        .sum();
    let cases = clinical_case::Entity::find()
        .filter(clinical_case::Column::JobId.eq(job.id))
        .filter(clinical_case::Column::Status.eq(CaseStatus::InProduction))
        .order_by_asc(clinical_case::Column::Id)
        .all(db)
        .await?;
    let mut reopened = false;
    for j in joining.values() {
        recall_lot::ActiveModel {
            recall_id: Set(j.recall.id),
            lot_id: Set(made.id),
            depth: Set(j.depth),
            previous_state: Set(made.state),
            on_hand: Set(on_hand),
            reserved: Set(0),
        }
        .insert(db)
        .await?;
        event(
            db,
            j.recall.id,
            actor,
            "LOT_ADDED",
            format!(
                "lot {} ({on_hand} made by job {}) {} joined the recall",
                made.lot_number, job.number, j.why
            ),
        )
        .await?;
        if !reopened {
            for c in &cases {
                reopen_case(db, actor, &j.recall, c.clone(), Lost::CustomPart).await?;
            }
            reopened = true;
        }
    }
    Ok(())
}
