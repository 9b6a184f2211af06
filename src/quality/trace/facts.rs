//! What hangs off the lots of a forward trace, read in one statement: the
//! walk (or a known set of lots) as a materialised CTE, and over it one arm
//! per kind of fact — the lots' briefs, their non-zero balances, their
//! SHIPMENT and RETURN rows with everything that names the consignee, the
//! open reservations, the cases and the open jobs on their material — each
//! joined by index from the lot ids. One round trip whatever the number of
//! lots; the few full rows (clinics, locations, reservations, cases, jobs)
//! follow by id.

use sea_orm::{ActiveEnum, DbErr, QueryResult, Value};

use super::*;

/// Where the lots of a fact read come from.
pub(crate) enum Source {
    /// The forward walk from a roots statement; the lots' briefs come too.
    Walk(Statement),
    /// Known lots (a recall's frozen set), whose briefs the caller has.
    Ids(Vec<i64>),
}

/// A shipment record: the clinic, or a named consignee's name, address and contact.
#[derive(Debug, Clone, Default)]
pub(crate) struct ShipmentRecord {
    pub clinic_id: Option<i64>,
    pub name: Option<String>,
    pub address: Option<String>,
    pub contact: Option<String>,
}

/// What the database holds about who a SHIPMENT or RETURN row went to (came from).
#[derive(Debug, Clone, Default)]
pub(crate) struct MoveFacts {
    /// Its shipment record (SHIPMENT rows recorded with one).
    pub shipment: Option<ShipmentRecord>,
    /// The case whose number is the reference: (case id, clinic id).
    pub case: Option<(i64, i64)>,
    /// The clinic whose code is the reference.
    pub code_clinic: Option<i64>,
    /// For a RETURN a recall recorded: its consignee's (clinic id, name).
    pub recall: Option<(Option<i64>, String)>,
}

/// The facts of a set of lots.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    /// The lots' briefs (only for [`Source::Walk`]), by depth and id.
    pub lots: Vec<LotBrief>,
    /// Non-zero balances, by lot and location.
    pub balances: Vec<stock_balance::Model>,
    /// SHIPMENT and RETURN rows, by id.
    pub moves: Vec<(Movement, MoveFacts)>,
    /// Open reservations, by id.
    pub reservation_ids: Vec<i64>,
    /// Cases shipped one of the lots, holding an open reservation of one, or
    /// whose job made one (not those named by a shipment's reference).
    pub case_ids: Vec<i64>,
    /// Jobs not yet finished that were issued material from the lots.
    pub job_ids: Vec<i64>,
}

/// Bigint and text columns of the statement's common row.
const NUMS: usize = 10;
const TEXTS: usize = 6;

/// An enumeration's stored value as an SQL literal (our own constants).
fn lit<E: ActiveEnum<Value = String>>(v: E) -> String {
    format!("'{}'", v.to_value())
}

/// One arm of the union: kind `k`, bigint columns, text columns, a time,
/// padded with typed nulls (PostgreSQL types a union's columns from them).
fn arm(backend: DbBackend, k: i64, nums: &[&str], texts: &[&str], at: &str, from: &str) -> String {
    let mut cols = vec![format!("CAST({k} AS BIGINT) AS k")];
    for i in 0..NUMS {
        let e = nums.get(i).copied().unwrap_or("NULL");
        cols.push(format!("CAST({e} AS BIGINT) AS n{i}"));
    }
    for i in 0..TEXTS {
        let e = texts.get(i).copied().unwrap_or("NULL");
        cols.push(format!("CAST({e} AS TEXT) AS t{i}"));
    }
    let at = match (at, backend) {
        ("", DbBackend::Postgres) => "CAST(NULL AS TIMESTAMPTZ)",
        ("", _) => "NULL",
        (e, _) => e,
    };
    cols.push(format!("{at} AS at"));
    format!("SELECT {} FROM reached r {from}", cols.join(", "))
}

/// The arms over `reached` (lot briefs only when `with_lots`). `CROSS
/// JOIN` keeps SQLite's join order: from the lot ids into each table's index.
fn arms(backend: DbBackend, with_lots: bool) -> String {
    let shipment = lit(MovementReason::Shipment);
    let ret = lit(MovementReason::Return);
    let open = lit(ReservationStatus::Open);
    let running = [
        JobStatus::Planned,
        JobStatus::Scheduled,
        JobStatus::InProgress,
        JobStatus::Inspection,
    ]
    .map(lit)
    .join(", ");
    let moves = format!(
        "CROSS JOIN stock_movement m \
         LEFT JOIN shipment s ON s.movement_id = m.id \
         LEFT JOIN clinical_case c ON c.number = m.reference \
         LEFT JOIN clinic cl ON cl.code = m.reference \
         LEFT JOIN recall_consignee rc ON m.reason = {ret} AND rc.id = \
           (SELECT ra.consignee_id FROM recall_action ra WHERE ra.movement_id = m.id \
            ORDER BY ra.id DESC LIMIT 1) \
         WHERE m.lot_id = r.lot_id AND m.reason IN ({shipment}, {ret})"
    );
    let mut out = Vec::new();
    if with_lots {
        out.push(arm(
            backend,
            0,
            &["l.id", "l.item_id", "r.depth"],
            &["i.kind", "l.lot_number", "l.state", "l.heat_number"],
            "",
            "CROSS JOIN lot l CROSS JOIN item i WHERE l.id = r.lot_id AND i.id = l.item_id",
        ));
    }
    out.extend([
        arm(
            backend,
            1,
            &["b.lot_id", "b.location_id", "b.on_hand", "b.reserved"],
            &[],
            "",
            "CROSS JOIN stock_balance b WHERE b.lot_id = r.lot_id AND b.on_hand > 0",
        ),
        arm(
            backend,
            2,
            &[
                "m.id",
                "m.lot_id",
                "m.quantity",
                "s.id",
                "s.clinic_id",
                "c.id",
                "c.clinic_id",
                "cl.id",
                "rc.id",
                "rc.clinic_id",
            ],
            &[
                "m.reason",
                "m.reference",
                "s.consignee_name",
                "s.consignee_address",
                "s.consignee_contact",
                "rc.consignee",
            ],
            "m.at",
            &moves,
        ),
        arm(
            backend,
            3,
            &["v.id"],
            &[],
            "",
            &format!("CROSS JOIN reservation v WHERE v.lot_id = r.lot_id AND v.status = {open}"),
        ),
        arm(
            backend,
            4,
            &["c.id"],
            &[],
            "",
            "CROSS JOIN clinical_case c WHERE c.shipped_lot_id = r.lot_id",
        ),
        arm(
            backend,
            4,
            &["c.id"],
            &[],
            "",
            &format!(
                "CROSS JOIN reservation v CROSS JOIN clinical_case c \
                 WHERE v.lot_id = r.lot_id AND v.status = {open} AND c.reservation_id = v.id"
            ),
        ),
        arm(
            backend,
            4,
            &["c.id"],
            &[],
            "",
            "CROSS JOIN production_job j CROSS JOIN clinical_case c \
             WHERE j.finished_lot_id = r.lot_id AND c.job_id = j.id",
        ),
        arm(
            backend,
            5,
            &["j.id"],
            &[],
            "",
            &format!(
                "CROSS JOIN job_material jm CROSS JOIN production_job j \
                 WHERE jm.lot_id = r.lot_id AND j.id = jm.job_id AND j.status IN ({running})"
            ),
        ),
    ]);
    out.join(" UNION ALL ")
}

/// The statement: `reached(lot_id, depth)` from the source, then the arms.
fn statement(backend: DbBackend, source: Source) -> Statement {
    match source {
        Source::Walk(roots) => walk_statement_with(
            backend,
            roots,
            Direction::Forward,
            true,
            &arms(backend, true),
        ),
        Source::Ids(ids) => {
            let each = match backend {
                DbBackend::Postgres => "jsonb_array_elements_text(CAST($1 AS JSONB))",
                _ => "json_each(?)",
            };
            let sql = format!(
                "WITH reached(lot_id, depth) AS MATERIALIZED \
                 (SELECT CAST(value AS BIGINT), 0 FROM {each}) {}",
                arms(backend, false)
            );
            let json = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
            Statement::from_sql_and_values(backend, sql, [Value::from(json)])
        }
    }
}

impl Facts {
    /// Reads the facts of the source's lots in one statement.
    pub(crate) async fn read(db: &impl ConnectionTrait, source: Source) -> AppResult<Self> {
        if matches!(&source, Source::Ids(ids) if ids.is_empty()) {
            return Ok(Self::default());
        }
        let rows = db
            .query_all_raw(statement(db.get_database_backend(), source))
            .await?;
        let mut f = Self::default();
        for r in &rows {
            f.add(r).map_err(AppError::from)?;
        }
        f.lots.sort_by_key(|l| (l.depth, l.id));
        f.balances.sort_by_key(|b| (b.lot_id, b.location_id));
        f.moves.sort_by_key(|(m, _)| m.id);
        for ids in [&mut f.reservation_ids, &mut f.case_ids, &mut f.job_ids] {
            ids.sort_unstable();
            ids.dedup();
        }
        Ok(f)
    }

    /// Adds one row of the statement.
    fn add(&mut self, r: &QueryResult) -> Result<(), DbErr> {
        let (n, t) = (num(r), text(r));
        let req = |i: usize| -> Result<i64, DbErr> { n(i)?.ok_or_else(|| missing(i)) };
        let text = |i: usize| -> Result<String, DbErr> { t(i)?.ok_or_else(|| missing(i)) };
        match r.try_get_by_index::<i64>(0)? {
            0 => self.lots.push(LotBrief {
                id: req(0)?,
                item_id: req(1)?,
                depth: req(2)? as i32,
                kind: ItemKind::try_from_value(&text(0)?)?,
                lot_number: text(1)?,
                state: entity::enums::LotState::try_from_value(&text(2)?)?,
                heat_number: t(3)?,
            }),
            1 => self.balances.push(stock_balance::Model {
                lot_id: req(0)?,
                location_id: req(1)?,
                on_hand: req(2)?,
                reserved: req(3)?,
            }),
            2 => self.moves.push(move_row(r)?),
            3 => self.reservation_ids.push(req(0)?),
            4 => self.case_ids.push(req(0)?),
            _ => self.job_ids.push(req(0)?),
        }
        Ok(())
    }
}

/// A SHIPMENT or RETURN row of the statement.
fn move_row(r: &QueryResult) -> Result<(Movement, MoveFacts), DbErr> {
    let (n, t) = (num(r), text(r));
    let req = |i: usize| -> Result<i64, DbErr> { n(i)?.ok_or_else(|| missing(i)) };
    let m = Movement {
        id: req(0)?,
        lot_id: req(1)?,
        quantity: req(2)?,
        reason: MovementReason::try_from_value(&t(0)?.ok_or_else(|| missing(0))?)?,
        reference: t(1)?.unwrap_or_default(),
        at: r.try_get_by_index::<DateTime<Utc>>(1 + NUMS + TEXTS)?,
    };
    let shipment = n(3)?.map(|_| -> Result<_, DbErr> {
        Ok(ShipmentRecord {
            clinic_id: n(4)?,
            name: t(2)?,
            address: t(3)?,
            contact: t(4)?,
        })
    });
    let facts = MoveFacts {
        shipment: shipment.transpose()?,
        case: n(5)?.zip(n(6)?),
        code_clinic: n(7)?,
        recall: match n(8)? {
            Some(_) => Some((n(9)?, t(5)?.unwrap_or_default())),
            None => None,
        },
    };
    Ok((m, facts))
}

/// Bigint column `n{i}` of a row (by position: `k` is column 0).
fn num(r: &QueryResult) -> impl Fn(usize) -> Result<Option<i64>, DbErr> + '_ {
    move |i| r.try_get_by_index(1 + i)
}

/// Text column `t{i}` of a row.
fn text(r: &QueryResult) -> impl Fn(usize) -> Result<Option<String>, DbErr> + '_ {
    move |i| r.try_get_by_index(1 + NUMS + i)
}

fn missing(i: usize) -> DbErr {
    DbErr::Type(format!("trace facts: column {i} is null"))
}
