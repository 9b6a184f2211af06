//! Walking the genealogy up or down in one recursive statement, and brief facts of the lots reached.

use super::*;

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
pub(crate) fn walk_statement(
    backend: sea_orm::DbBackend,
    roots: Statement,
    direction: Direction,
    select: &str,
) -> Statement {
    walk_statement_with(backend, roots, direction, false, select)
}

/// [`walk_statement`], with `reached` materialised once when `select`
/// reads it more than once.
pub(crate) fn walk_statement_with(
    backend: sea_orm::DbBackend,
    roots: Statement,
    direction: Direction,
    materialized: bool,
    select: &str,
) -> Statement {
    let materialized = if materialized { "MATERIALIZED " } else { "" };
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
         reached(lot_id, depth) AS {materialized}( \
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
pub(crate) async fn walk_lots(
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
pub(crate) async fn chunked<T, F, Fut>(ids: &[i64], mut load: F) -> AppResult<Vec<T>>
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
