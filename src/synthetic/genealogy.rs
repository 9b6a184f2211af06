//! The synthetic lot genealogy: bar heats → machined lots → finished lots →
//! shipped units, with merges inside each heat, stock on a shelf and
//! shipments to clinics through a consistent ledger.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    clinic,
    enums::{ItemKind, LocationLevel, LocationType, LotState, MovementReason, StockUnit},
    item, location, lot, lot_genealogy, stock_balance, stock_movement,
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::{CHUNK, movement};
use crate::csv_import::insert_batched;

/// Size of a synthetic lot genealogy: bar heats → machined lots → finished
/// lots → shipped units, with merges inside each heat.
#[derive(Debug, Clone, Copy)]
pub struct GenealogySpec {
    /// Heat numbers.
    pub heats: usize,
    /// Bar lots per heat.
    pub bars_per_heat: usize,
    /// Machined lots per bar; every second one also takes bar from the next bar of its heat.
    pub machined_per_bar: usize,
    /// Finished lots per machined lot; each also takes from another machined lot of its heat.
    pub finished_per_machined: usize,
    /// Shipped units (serialised lots of one) per finished lot.
    pub units_per_finished: usize,
    /// Clinics the units are shipped to.
    pub clinics: usize,
    /// RNG seed.
    pub seed: u64,
}

impl GenealogySpec {
    /// The benchmark's size: 260 heats × 50 bars → 26,000 machined →
    /// 104,000 finished → 2,496,000 units: 2.64 M lots, 2.74 M edges,
    /// about 10,150 lots downstream of each heat.
    pub fn benchmark() -> Self {
        Self {
            heats: 260,
            bars_per_heat: 50,
            machined_per_bar: 2,
            finished_per_machined: 4,
            units_per_finished: 24,
            clinics: 500,
            seed: 11,
        }
    }
}

/// Ids of a generated genealogy.
#[derive(Debug, Clone, Default)]
pub struct Genealogy {
    /// Heat numbers.
    pub heats: Vec<String>,
    /// Bar lot ids.
    pub bars: Vec<i64>,
    /// Machined lot ids.
    pub machined: Vec<i64>,
    /// Finished lot ids.
    pub finished: Vec<i64>,
    /// Unit lot ids.
    pub units: Vec<i64>,
    /// Genealogy edges written.
    pub edges: usize,
}

/// Generates a four-layer genealogy into a migrated database: bar lots
/// (with heat numbers), machined lots, finished lots with stock on a shelf,
/// and units each produced and shipped to a clinic (by its code) through a
/// consistent ledger, so `verify` finds no difference.
pub async fn generate_genealogy(
    db: &impl ConnectionTrait,
    spec: GenealogySpec,
) -> Result<Genealogy, DbErr> {
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let now = Utc::now();
    let bin = shelf(db, now).await?;
    clinics(db, spec.clinics, now).await?;
    let items = items(db, now).await?;
    let lots = Lots {
        today: now.date_naive(),
        now,
    };
    let heats: Vec<String> = (0..spec.heats).map(|h| format!("GH-{h:05}")).collect();
    let bars = lots.bars(db, items[0], &heats, spec.bars_per_heat).await?;
    let n = bars.len() * spec.machined_per_bar;
    let machined = lots
        .layer(db, items[1], (0..n).map(|i| format!("GM-{i:07}")))
        .await?;
    let n = machined.len() * spec.finished_per_machined;
    let finished = lots
        .layer(db, items[2], (0..n).map(|i| format!("GF-{i:07}")))
        .await?;
    let mut edges = Edges {
        rows: Vec::with_capacity(CHUNK),
        written: 0,
        now,
    };
    edges.machined(db, &spec, &bars, &machined).await?;
    edges
        .finished(db, &mut rng, &spec, &machined, &finished)
        .await?;
    finished_stock(db, &mut rng, &finished, bin, now).await?;
    let units = Units {
        spec: &spec,
        lots: &lots,
        item_id: items[3],
        bin,
    };
    let units = units.make(db, &mut rng, &finished, &mut edges).await?;
    Ok(Genealogy {
        heats,
        bars,
        machined,
        finished,
        units,
        edges: edges.written,
    })
}

/// The one shelf all stock lies on; returns its id.
async fn shelf(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<i64, DbErr> {
    let loc = location::ActiveModel {
        code: Set("GEN/STOCK".into()),
        name: Set("GEN/STOCK".into()),
        level: Set(LocationLevel::Bin),
        location_type: Set(LocationType::Stock),
        parent_id: Set(None),
        created_at: Set(now),
        ..Default::default()
    };
    Ok(loc.insert(db).await?.id)
}

/// `n` clinics, coded `GEN-CL-0000` on.
async fn clinics(db: &impl ConnectionTrait, n: usize, now: DateTime<Utc>) -> Result<(), DbErr> {
    insert_batched::<clinic::Entity, _>(
        db,
        (0..n)
            .map(|i| clinic::ActiveModel {
                code: Set(format!("GEN-CL-{i:04}")),
                name: Set(format!("Synthetic clinic {i}")),
                address: Set(format!("{i} Main Street")),
                city: Set("Zurich".into()),
                country: Set("CH".into()),
                contact_name: Set("Dr. Synthetic".into()),
                email: Set(format!("clinic{i}@example.org")),
                phone: Set(None),
                created_at: Set(now),
                ..Default::default()
            })
            .collect(),
    )
    .await
}

/// One item per layer: bar, machined, finished, unit; returns their ids.
async fn items(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Vec<i64>, DbErr> {
    let mut item_ids = Vec::new();
    for (code, kind, unit) in [
        ("GEN-BAR", ItemKind::Bar, StockUnit::Mm),
        ("GEN-MACHINED", ItemKind::Blank, StockUnit::Pcs),
        ("GEN-FINISHED", ItemKind::Finished, StockUnit::Pcs),
        ("GEN-UNIT", ItemKind::Finished, StockUnit::Pcs),
    ] {
        let m = item::ActiveModel {
            kind: Set(kind),
            code: Set(code.into()),
            name: Set(code.into()),
            unit: Set(unit),
            sku_id: Set(None),
            platform_id: Set(None),
            reorder_point: Set(None),
            created_at: Set(now),
            ..Default::default()
        };
        item_ids.push(m.insert(db).await?.id);
    }
    Ok(item_ids)
}

/// Makes the lots of each layer, all released and made today.
struct Lots {
    today: NaiveDate,
    now: DateTime<Utc>,
}

impl Lots {
    fn row(&self, item_id: i64, number: String, heat: Option<String>) -> lot::ActiveModel {
        lot::ActiveModel {
            item_id: Set(item_id),
            lot_number: Set(number),
            state: Set(LotState::Released),
            state_reason: Set(None),
            production_date: Set(Some(self.today)),
            expiry_date: Set(None),
            heat_number: Set(heat),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            ..Default::default()
        }
    }

    /// `bars_per_heat` bar lots of each heat, with a certificate and grade.
    async fn bars(
        &self,
        db: &impl ConnectionTrait,
        item_id: i64,
        heats: &[String],
        bars_per_heat: usize,
    ) -> Result<Vec<i64>, DbErr> {
        let mut rows = Vec::with_capacity(heats.len() * bars_per_heat);
        for (h, heat) in heats.iter().enumerate() {
            for b in 0..bars_per_heat {
                let mut l = self.row(item_id, format!("GB-{h:05}-{b:03}"), Some(heat.clone()));
                l.certificate_type = Set(Some("EN 10204 3.1".into()));
                l.grade = Set(Some("Grade 23".into()));
                rows.push(l);
            }
        }
        self.insert(db, item_id, rows, 0).await
    }

    /// Lots of one layer, numbered `numbers`; returns their ids in order.
    async fn layer(
        &self,
        db: &impl ConnectionTrait,
        item_id: i64,
        numbers: impl Iterator<Item = String>,
    ) -> Result<Vec<i64>, DbErr> {
        let rows = numbers.map(|n| self.row(item_id, n, None)).collect();
        self.insert(db, item_id, rows, 0).await
    }

    /// Inserts `rows` of an item in order; returns the ids of that item's
    /// lots above `after`, in order.
    async fn insert(
        &self,
        db: &impl ConnectionTrait,
        item_id: i64,
        rows: Vec<lot::ActiveModel>,
        after: i64,
    ) -> Result<Vec<i64>, DbErr> {
        for chunk in rows.chunks(CHUNK) {
            insert_batched::<lot::Entity, _>(db, chunk.to_vec()).await?;
        }
        lot::Entity::find()
            .select_only()
            .column(lot::Column::Id)
            .filter(lot::Column::ItemId.eq(item_id))
            .filter(lot::Column::Id.gt(after))
            .order_by_asc(lot::Column::Id)
            .into_tuple::<i64>()
            .all(db)
            .await
    }
}

/// Genealogy edges, written in batches and counted.
struct Edges {
    rows: Vec<lot_genealogy::ActiveModel>,
    written: usize,
    now: DateTime<Utc>,
}

impl Edges {
    fn push(&mut self, parent: i64, child: i64, quantity: i64) {
        self.rows.push(lot_genealogy::ActiveModel {
            parent_lot_id: Set(parent),
            child_lot_id: Set(child),
            quantity: Set(quantity),
            job_id: Set(None),
            created_at: Set(self.now),
            ..Default::default()
        });
    }

    /// Writes the edges held, if a batch is full (or `always`); returns
    /// whether it wrote.
    async fn flush(&mut self, db: &impl ConnectionTrait, always: bool) -> Result<bool, DbErr> {
        if !always && self.rows.len() < CHUNK {
            return Ok(false);
        }
        self.written += self.rows.len();
        insert_batched::<lot_genealogy::Entity, _>(db, std::mem::take(&mut self.rows)).await?;
        Ok(true)
    }

    /// Machined lots: from their bar, every second one also from the
    /// heat's next bar.
    async fn machined(
        &mut self,
        db: &impl ConnectionTrait,
        spec: &GenealogySpec,
        bars: &[i64],
        machined: &[i64],
    ) -> Result<(), DbErr> {
        for (i, m) in machined.iter().enumerate() {
            let b = i / spec.machined_per_bar;
            self.push(bars[b], *m, 400);
            if i % 2 == 1 {
                let heat = b / spec.bars_per_heat;
                let next = heat * spec.bars_per_heat + (b + 1) % spec.bars_per_heat;
                self.push(bars[next], *m, 100);
            }
            self.flush(db, false).await?;
        }
        Ok(())
    }

    /// Finished lots: from their machined lot and a random other one of the
    /// same heat.
    async fn finished(
        &mut self,
        db: &impl ConnectionTrait,
        rng: &mut StdRng,
        spec: &GenealogySpec,
        machined: &[i64],
        finished: &[i64],
    ) -> Result<(), DbErr> {
        let per_heat = spec.bars_per_heat * spec.machined_per_bar;
        for (i, f) in finished.iter().enumerate() {
            let m = i / spec.finished_per_machined;
            self.push(machined[m], *f, 20);
            let heat = m / per_heat;
            let other = heat * per_heat + rng.random_range(0..per_heat);
            if other != m {
                self.push(machined[other], *f, 4);
            }
            self.flush(db, false).await?;
        }
        Ok(())
    }
}

/// Finished stock on the shelf, a random quantity of each lot, received
/// through the ledger.
async fn finished_stock(
    db: &impl ConnectionTrait,
    rng: &mut StdRng,
    finished: &[i64],
    bin: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut balances = Vec::with_capacity(CHUNK);
    let mut moves = Vec::with_capacity(CHUNK);
    for f in finished {
        let q = rng.random_range(1..8_i64);
        balances.push(stock_balance::ActiveModel {
            lot_id: Set(*f),
            location_id: Set(bin),
            on_hand: Set(q),
            reserved: Set(0),
        });
        let output = MovementReason::ProductionOutput;
        moves.push(movement(
            now,
            *f,
            (None, Some(bin)),
            q,
            output,
            "synthetic".into(),
        ));
        if balances.len() >= CHUNK {
            insert_batched::<stock_balance::Entity, _>(db, std::mem::take(&mut balances)).await?;
            insert_batched::<stock_movement::Entity, _>(db, std::mem::take(&mut moves)).await?;
        }
    }
    insert_batched::<stock_balance::Entity, _>(db, balances).await?;
    insert_batched::<stock_movement::Entity, _>(db, moves).await
}

/// Makes the shipped units: a lot of one each, made from its finished lot,
/// produced onto the shelf and shipped to a random clinic.
struct Units<'a> {
    spec: &'a GenealogySpec,
    lots: &'a Lots,
    item_id: i64,
    bin: i64,
}

impl Units<'_> {
    /// Lots inserted per round before their ids are read back.
    const ROUND: usize = 200_000;

    /// Makes every finished lot's units with their edges and ledger rows;
    /// returns the unit lot ids in order.
    async fn make(
        &self,
        db: &impl ConnectionTrait,
        rng: &mut StdRng,
        finished: &[i64],
        edges: &mut Edges,
    ) -> Result<Vec<i64>, DbErr> {
        let total = finished.len() * self.spec.units_per_finished;
        let mut units = Vec::with_capacity(total);
        let mut moves = Vec::with_capacity(CHUNK);
        let mut start = 0;
        while start < total {
            let end = (start + Self::ROUND).min(total);
            let rows = (start..end)
                .map(|n| self.lots.row(self.item_id, format!("GU-{n:08}"), None))
                .collect();
            let first = units.len();
            let after = units.last().copied().unwrap_or(0);
            let ids = self.lots.insert(db, self.item_id, rows, after).await?;
            units.extend(ids);
            for (k, u) in units[first..].iter().enumerate() {
                let f = finished[(first + k) / self.spec.units_per_finished];
                self.ship(rng, f, *u, edges, &mut moves);
                if edges.flush(db, false).await? {
                    insert_batched::<stock_movement::Entity, _>(db, std::mem::take(&mut moves))
                        .await?;
                }
            }
            start = end;
        }
        edges.flush(db, true).await?;
        insert_batched::<stock_movement::Entity, _>(db, moves).await?;
        Ok(units)
    }

    /// The edge from finished lot `f` to unit `u`, and the unit's output and
    /// shipment to a random clinic.
    fn ship(
        &self,
        rng: &mut StdRng,
        f: i64,
        u: i64,
        edges: &mut Edges,
        moves: &mut Vec<stock_movement::ActiveModel>,
    ) {
        edges.push(f, u, 1);
        let clinic = format!(
            "GEN-CL-{:04}",
            rng.random_range(0..self.spec.clinics.max(1))
        );
        let now = edges.now;
        let output = MovementReason::ProductionOutput;
        moves.push(movement(
            now,
            u,
            (None, Some(self.bin)),
            1,
            output,
            "synthetic".into(),
        ));
        let shipped = MovementReason::Shipment;
        moves.push(movement(now, u, (Some(self.bin), None), 1, shipped, clinic));
    }
}
