//! CSV exports of on-hand stock and of the ledger, streamed page by page so
//! a large warehouse never sits in memory whole. Each line says what a
//! person needs to read it — article number, lot number, lot state, location
//! codes — beside the ids; each page is one statement joining the ledger or
//! the balances to their lot, item and locations (no lookups per row).

use axum::body::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    enums::{ItemKind, LotState, MovementReason, StockUnit},
    item, location, lot, stock_balance, stock_movement,
};
use futures_util::Stream;
use sea_orm::{
    ActiveEnum, ColumnTrait, Condition, DatabaseConnection, EntityTrait, FromQueryResult, JoinType,
    QueryFilter, QueryOrder, QuerySelect, RelationDef,
    sea_query::{Alias, Expr},
};
use tokio::sync::mpsc;

use super::{EffectiveState, effective_state_of, today};

const PAGE: u64 = 1_000;

type Chunk = Result<Bytes, std::io::Error>;

/// Columns of `GET /export/stock.csv`.
pub const STOCK_HEADER: [&str; 13] = [
    "article_number",
    "item_kind",
    "item_name",
    "lot_number",
    "lot_state",
    "effective_state",
    "expiry_date",
    "location_code",
    "on_hand",
    "reserved",
    "unit",
    "lot_id",
    "location_id",
];

/// Columns of `GET /export/ledger.csv`.
pub const LEDGER_HEADER: [&str; 17] = [
    "id",
    "at",
    "reason",
    "article_number",
    "lot_number",
    "lot_state",
    "from_location_code",
    "to_location_code",
    "quantity",
    "unit",
    "reference",
    "actor",
    "note",
    "idempotency_key",
    "lot_id",
    "from_location_id",
    "to_location_id",
];

fn rows_to_csv(header: Option<&[&str]>, rows: Vec<Vec<String>>) -> Chunk {
    let mut w = csv::Writer::from_writer(Vec::new());
    if let Some(h) = header {
        w.write_record(h).map_err(std::io::Error::other)?;
    }
    for r in rows {
        w.write_record(r).map_err(std::io::Error::other)?;
    }
    w.into_inner()
        .map(Bytes::from)
        .map_err(|e| std::io::Error::other(e.to_string()))
}

fn stream(mut rx: mpsc::Receiver<Chunk>) -> impl Stream<Item = Chunk> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// The GraphQL name of an effective state (`ON_HOLD`, `EXPIRED`, …).
fn state_name(s: EffectiveState) -> String {
    async_graphql::resolver_utils::enum_value(s).to_string()
}

fn balance_lot() -> RelationDef {
    stock_balance::Entity::belongs_to(lot::Entity)
        .from(stock_balance::Column::LotId)
        .to(lot::Column::Id)
        .into()
}

fn balance_location() -> RelationDef {
    stock_balance::Entity::belongs_to(location::Entity)
        .from(stock_balance::Column::LocationId)
        .to(location::Column::Id)
        .into()
}

fn lot_item() -> RelationDef {
    lot::Entity::belongs_to(item::Entity)
        .from(lot::Column::ItemId)
        .to(item::Column::Id)
        .into()
}

fn movement_lot() -> RelationDef {
    stock_movement::Entity::belongs_to(lot::Entity)
        .from(stock_movement::Column::LotId)
        .to(lot::Column::Id)
        .into()
}

fn movement_location(from: stock_movement::Column) -> RelationDef {
    stock_movement::Entity::belongs_to(location::Entity)
        .from(from)
        .to(location::Column::Id)
        .into()
}

/// One line of the stock export, as the join reads it.
#[derive(Debug, FromQueryResult)]
struct StockLine {
    lot_id: i64,
    location_id: i64,
    on_hand: i64,
    reserved: i64,
    lot_number: String,
    lot_state: LotState,
    expiry_date: Option<NaiveDate>,
    item_code: String,
    item_kind: ItemKind,
    item_name: String,
    unit: StockUnit,
    location_code: String,
}

/// One line of the ledger export, as the join reads it.
#[derive(Debug, FromQueryResult)]
struct LedgerLine {
    id: i64,
    at: DateTime<Utc>,
    lot_id: i64,
    from_location_id: Option<i64>,
    to_location_id: Option<i64>,
    quantity: i64,
    reason: MovementReason,
    reference: String,
    actor_name: String,
    idempotency_key: Option<String>,
    note: Option<String>,
    lot_number: String,
    lot_state: LotState,
    item_code: String,
    unit: StockUnit,
    from_location_code: Option<String>,
    to_location_code: Option<String>,
}

async fn stock_page(
    db: &DatabaseConnection,
    after: Option<(i64, i64)>,
) -> Result<Vec<StockLine>, sea_orm::DbErr> {
    let mut q = stock_balance::Entity::find()
        .select_only()
        .column(stock_balance::Column::LotId)
        .column(stock_balance::Column::LocationId)
        .column(stock_balance::Column::OnHand)
        .column(stock_balance::Column::Reserved)
        .column_as(lot::Column::LotNumber, "lot_number")
        .column_as(lot::Column::State, "lot_state")
        .column_as(lot::Column::ExpiryDate, "expiry_date")
        .column_as(item::Column::Code, "item_code")
        .column_as(item::Column::Kind, "item_kind")
        .column_as(item::Column::Name, "item_name")
        .column_as(item::Column::Unit, "unit")
        .column_as(location::Column::Code, "location_code")
        .join(JoinType::InnerJoin, balance_lot())
        .join(JoinType::InnerJoin, lot_item())
        .join(JoinType::InnerJoin, balance_location())
        .filter(stock_balance::Column::OnHand.gt(0));
    if let Some((lot_id, location_id)) = after {
        q = q.filter(
            Condition::any()
                .add(stock_balance::Column::LotId.gt(lot_id))
                .add(
                    Condition::all()
                        .add(stock_balance::Column::LotId.eq(lot_id))
                        .add(stock_balance::Column::LocationId.gt(location_id)),
                ),
        );
    }
    q.order_by_asc(stock_balance::Column::LotId)
        .order_by_asc(stock_balance::Column::LocationId)
        .limit(PAGE)
        .into_model::<StockLine>()
        .all(db)
        .await
}

async fn ledger_page(
    db: &DatabaseConnection,
    after: Option<i64>,
) -> Result<Vec<LedgerLine>, sea_orm::DbErr> {
    let (from, to) = (Alias::new("from_location"), Alias::new("to_location"));
    let mut q = stock_movement::Entity::find()
        .select_only()
        .column(stock_movement::Column::Id)
        .column(stock_movement::Column::At)
        .column(stock_movement::Column::LotId)
        .column(stock_movement::Column::FromLocationId)
        .column(stock_movement::Column::ToLocationId)
        .column(stock_movement::Column::Quantity)
        .column(stock_movement::Column::Reason)
        .column(stock_movement::Column::Reference)
        .column(stock_movement::Column::ActorName)
        .column(stock_movement::Column::IdempotencyKey)
        .column(stock_movement::Column::Note)
        .column_as(lot::Column::LotNumber, "lot_number")
        .column_as(lot::Column::State, "lot_state")
        .column_as(item::Column::Code, "item_code")
        .column_as(item::Column::Unit, "unit")
        .column_as(
            Expr::col((from.clone(), location::Column::Code)),
            "from_location_code",
        )
        .column_as(
            Expr::col((to.clone(), location::Column::Code)),
            "to_location_code",
        )
        .join(JoinType::InnerJoin, movement_lot())
        .join(JoinType::InnerJoin, lot_item())
        .join_as(
            JoinType::LeftJoin,
            movement_location(stock_movement::Column::FromLocationId),
            from,
        )
        .join_as(
            JoinType::LeftJoin,
            movement_location(stock_movement::Column::ToLocationId),
            to,
        );
    if let Some(id) = after {
        q = q.filter(stock_movement::Column::Id.gt(id));
    }
    q.order_by_asc(stock_movement::Column::Id)
        .limit(PAGE)
        .into_model::<LedgerLine>()
        .all(db)
        .await
}

/// On-hand stock, one line per lot and location with stock.
pub fn stock_csv(db: DatabaseConnection) -> impl Stream<Item = Chunk> {
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        let mut header = Some(&STOCK_HEADER[..]);
        let mut after = None;
        let t = today();
        loop {
            let page = match stock_page(&db, after).await {
                Ok(p) => p,
                Err(e) => {
                    // The body ends in an error, so the client sees a broken
                    // download rather than a file that looks complete.
                    let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                    return;
                }
            };
            let done = (page.len() as u64) < PAGE;
            after = page.last().map(|b| (b.lot_id, b.location_id)).or(after);
            let rows = page
                .into_iter()
                .map(|b| {
                    vec![
                        b.item_code,
                        b.item_kind.to_value(),
                        b.item_name,
                        b.lot_number,
                        b.lot_state.to_value(),
                        state_name(effective_state_of(b.lot_state, b.expiry_date, t)),
                        b.expiry_date.map(|d| d.to_string()).unwrap_or_default(),
                        b.location_code,
                        b.on_hand.to_string(),
                        b.reserved.to_string(),
                        b.unit.to_value(),
                        b.lot_id.to_string(),
                        b.location_id.to_string(),
                    ]
                })
                .collect();
            let chunk = rows_to_csv(header.take(), rows);
            if tx.send(chunk).await.is_err() || done {
                return;
            }
        }
    });
    stream(rx)
}

/// The whole ledger, oldest first.
pub fn ledger_csv(db: DatabaseConnection) -> impl Stream<Item = Chunk> {
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        let mut header = Some(&LEDGER_HEADER[..]);
        let mut after = None;
        loop {
            let page = match ledger_page(&db, after).await {
                Ok(p) => p,
                Err(e) => {
                    let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                    return;
                }
            };
            let done = (page.len() as u64) < PAGE;
            after = page.last().map(|m| m.id).or(after);
            let rows = page
                .into_iter()
                .map(|m| {
                    vec![
                        m.id.to_string(),
                        m.at.to_rfc3339(),
                        m.reason.to_value(),
                        m.item_code,
                        m.lot_number,
                        m.lot_state.to_value(),
                        m.from_location_code.unwrap_or_default(),
                        m.to_location_code.unwrap_or_default(),
                        m.quantity.to_string(),
                        m.unit.to_value(),
                        m.reference,
                        m.actor_name,
                        m.note.unwrap_or_default(),
                        m.idempotency_key.unwrap_or_default(),
                        m.lot_id.to_string(),
                        m.from_location_id
                            .map(|v| v.to_string())
                            .unwrap_or_default(),
                        m.to_location_id.map(|v| v.to_string()).unwrap_or_default(),
                    ]
                })
                .collect();
            let chunk = rows_to_csv(header.take(), rows);
            if tx.send(chunk).await.is_err() || done {
                return;
            }
        }
    });
    stream(rx)
}
