//! CSV exports of on-hand stock and of the ledger, streamed page by page so
//! a large warehouse never sits in memory whole.

use axum::body::Bytes;
use entity::{location, lot, stock_balance, stock_movement};
use futures_util::Stream;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio::sync::mpsc;

use super::{effective_state, today};

const PAGE: u64 = 1_000;

type Chunk = Result<Bytes, std::io::Error>;

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

/// On-hand stock, one line per lot and location with stock.
pub fn stock_csv(db: DatabaseConnection) -> impl Stream<Item = Chunk> {
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        let header = [
            "lot_id",
            "lot_number",
            "item_id",
            "state",
            "effective_state",
            "expiry_date",
            "location",
            "on_hand",
            "reserved",
        ];
        let mut first = true;
        let mut last: (i64, i64) = (i64::MIN, i64::MIN);
        let t = today();
        loop {
            let page = stock_balance::Entity::find()
                .filter(stock_balance::Column::OnHand.gt(0))
                .filter(
                    sea_orm::Condition::any()
                        .add(stock_balance::Column::LotId.gt(last.0))
                        .add(
                            sea_orm::Condition::all()
                                .add(stock_balance::Column::LotId.eq(last.0))
                                .add(stock_balance::Column::LocationId.gt(last.1)),
                        ),
                )
                .order_by_asc(stock_balance::Column::LotId)
                .order_by_asc(stock_balance::Column::LocationId)
                .limit(PAGE)
                .all(&db)
                .await;
            let page = match page {
                Ok(p) => p,
                Err(e) => {
                    let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                    return;
                }
            };
            let done = (page.len() as u64) < PAGE;
            if let Some(b) = page.last() {
                last = (b.lot_id, b.location_id);
            }
            let lot_ids: Vec<i64> = page.iter().map(|b| b.lot_id).collect();
            let loc_ids: Vec<i64> = page.iter().map(|b| b.location_id).collect();
            let lots: std::collections::HashMap<i64, lot::Model> = match lot::Entity::find()
                .filter(lot::Column::Id.is_in(lot_ids))
                .all(&db)
                .await
            {
                Ok(v) => v.into_iter().map(|l| (l.id, l)).collect(),
                Err(_) => return,
            };
            let locs: std::collections::HashMap<i64, String> = match location::Entity::find()
                .filter(location::Column::Id.is_in(loc_ids))
                .all(&db)
                .await
            {
                Ok(v) => v.into_iter().map(|l| (l.id, l.code)).collect(),
                Err(_) => return,
            };
            let rows = page
                .iter()
                .filter_map(|b| {
                    let l = lots.get(&b.lot_id)?;
                    Some(vec![
                        l.id.to_string(),
                        l.lot_number.clone(),
                        l.item_id.to_string(),
                        format!("{:?}", l.state).to_uppercase(),
                        format!("{:?}", effective_state(l, t)).to_uppercase(),
                        l.expiry_date.map(|d| d.to_string()).unwrap_or_default(),
                        locs.get(&b.location_id).cloned().unwrap_or_default(),
                        b.on_hand.to_string(),
                        b.reserved.to_string(),
                    ])
                })
                .collect();
            let chunk = rows_to_csv(first.then_some(&header[..]), rows);
            first = false;
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
        let header = [
            "id",
            "at",
            "lot_id",
            "from_location_id",
            "to_location_id",
            "quantity",
            "reason",
            "reference",
            "actor",
            "idempotency_key",
            "note",
        ];
        let mut first = true;
        let mut last = i64::MIN;
        loop {
            let page = match stock_movement::Entity::find()
                .filter(stock_movement::Column::Id.gt(last))
                .order_by_asc(stock_movement::Column::Id)
                .limit(PAGE)
                .all(&db)
                .await
            {
                Ok(p) => p,
                Err(e) => {
                    let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                    return;
                }
            };
            let done = (page.len() as u64) < PAGE;
            if let Some(m) = page.last() {
                last = m.id;
            }
            let rows = page
                .into_iter()
                .map(|m| {
                    vec![
                        m.id.to_string(),
                        m.at.to_rfc3339(),
                        m.lot_id.to_string(),
                        m.from_location_id
                            .map(|v| v.to_string())
                            .unwrap_or_default(),
                        m.to_location_id.map(|v| v.to_string()).unwrap_or_default(),
                        m.quantity.to_string(),
                        sea_orm::ActiveEnum::to_value(&m.reason),
                        m.reference,
                        m.actor_name,
                        m.idempotency_key.unwrap_or_default(),
                        m.note.unwrap_or_default(),
                    ]
                })
                .collect();
            let chunk = rows_to_csv(first.then_some(&header[..]), rows);
            first = false;
            if tx.send(chunk).await.is_err() || done {
                return;
            }
        }
    });
    stream(rx)
}
