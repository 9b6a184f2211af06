//! GraphQL types and resolvers of inventory. Every mutation runs in one
//! write transaction: all of it happens, or none of it.

use async_graphql::{
    ComplexObject, Context, ID, InputObject, Object, SimpleObject,
    dataloader::{DataLoader, HashMapCache},
};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    abutment_sku,
    enums::{
        ItemKind, LocationLevel, LocationType, LotState, Material, MovementReason,
        ReservationStatus, StockUnit,
    },
    item, location, lot, reservation, stock_balance, stock_movement,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{
    EffectiveState, effective_state,
    service::{
        self, Quantities, ReceiveBar, ReceiveBlank, ReceiveFinished, ReserveRequest, StockFilter,
        StockLine,
    },
    today,
};
use crate::graphql::{
    loaders::load,
    write::{actor, begin, finish, run},
};
use crate::{
    catalog::{graphql::AbutmentSku, service::PlatformRef, units::from_milli},
    connection_type,
    error::{AppError, AppResult, UserError},
    graphql::{
        db, ids,
        loaders::{ByIdLoader, ByParent, ByParentLoader, loader_error, required},
        pagination::PageArgs,
        scalars::{Date, Decimal},
    },
    impl_by_id,
};

impl_by_id!(location, item, lot);

/// A place where stock lies.
pub struct Location(pub location::Model);

/// A place where stock lies: site → zone → bin, each with a use.
#[Object]
impl Location {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("Location", self.0.id)
    }
    /// Unique code, e.g. `MAIN/STOCK/A-01`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Site, zone or bin.
    async fn level(&self) -> LocationLevel {
        self.0.level
    }
    /// What the location is used for.
    async fn location_type(&self) -> LocationType {
        self.0.location_type
    }
    /// The enclosing location; null for a site.
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Location>> {
        match self.0.parent_id {
            Some(p) => Ok(Some(Location(
                load::<location::Entity>(ctx, p, "location").await?,
            ))),
            None => Ok(None),
        }
    }
}

/// A stock item: bar specification, supplier blank, or one of our SKUs.
pub struct Item(pub item::Model);

/// A stock item: bar specification, supplier blank, or one of our SKUs.
#[Object]
impl Item {
    /// Bar, blank or finished part.
    async fn kind(&self) -> ItemKind {
        self.0.kind
    }
    /// Item code: the SKU's article number, `BAR/<grade>/<Ø>` or `BLANK/<GTIN>`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Unit of its quantities: MM of bar, or PCS.
    async fn unit(&self) -> StockUnit {
        self.0.unit
    }
    /// Reorder point (finished items): below it, the item is listed by `belowReorderPoint`.
    async fn reorder_point(&self) -> Option<i64> {
        self.0.reorder_point
    }
}

/// Quantities, in the item's unit. Every unit on hand is in exactly one of
/// `available`, `reserved`, `releasedElsewhere`, `quarantine`, `onHold`,
/// `expired`, `rejected` and `recalled`: they add up to `onHand`.
#[derive(SimpleObject)]
pub struct StockQuantities {
    /// Physically present, any state, any location.
    pub on_hand: i64,
    /// Promised by open reservations, of usable stock (released, unexpired,
    /// in a STOCK location).
    pub reserved: i64,
    /// Can be promised now: released, unexpired lots in STOCK locations, minus reserved.
    pub available: i64,
    /// Released and unexpired, but not in a STOCK location (inspection,
    /// production, dispatch): usable once put away.
    pub released_elsewhere: i64,
    /// In lots awaiting inspection.
    pub quarantine: i64,
    /// In lots on hold.
    pub on_hold: i64,
    /// In lots past their expiry date.
    pub expired: i64,
    /// In lots that failed inspection.
    pub rejected: i64,
    /// In lots under a recall.
    pub recalled: i64,
    /// Not a bucket: promised by open reservations of lots that are blocked
    /// now (on hold, expired, or released but off the stock shelves); those
    /// units are counted in their lot's state, and the reservations cannot
    /// ship until the lot is usable again.
    pub reserved_blocked: i64,
}

impl From<Quantities> for StockQuantities {
    fn from(q: Quantities) -> Self {
        StockQuantities {
            on_hand: q.on_hand,
            reserved: q.reserved,
            available: q.available,
            released_elsewhere: q.released_elsewhere,
            quarantine: q.quarantine,
            on_hold: q.on_hold,
            expired: q.expired,
            rejected: q.rejected,
            recalled: q.recalled,
            reserved_blocked: q.reserved_blocked,
        }
    }
}

/// A lot of an item.
pub struct Lot(pub lot::Model);

/// A lot: its state, dates, UDI, certificate data and stock.
#[Object]
impl Lot {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("Lot", self.0.id)
    }
    /// Lot number (unique per item).
    async fn lot_number(&self) -> &str {
        &self.0.lot_number
    }
    /// The item.
    async fn item(&self, ctx: &Context<'_>) -> async_graphql::Result<Item> {
        Ok(Item(
            load::<item::Entity>(ctx, self.0.item_id, "item").await?,
        ))
    }
    /// The SKU, for a finished lot.
    async fn sku(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<AbutmentSku>> {
        let item = load::<item::Entity>(ctx, self.0.item_id, "item").await?;
        match item.sku_id {
            Some(s) => Ok(Some(AbutmentSku(
                load::<abutment_sku::Entity>(ctx, s, "SKU").await?,
            ))),
            None => Ok(None),
        }
    }
    /// The stored state.
    async fn state(&self) -> LotState {
        self.0.state
    }
    /// The state as it stands today: EXPIRED once past the expiry date.
    async fn effective_state(&self) -> EffectiveState {
        effective_state(&self.0, today())
    }
    /// Why the state was last changed.
    async fn state_reason(&self) -> Option<&str> {
        self.0.state_reason.as_deref()
    }
    /// Production date (finished lots).
    async fn production_date(&self) -> Option<Date> {
        self.0.production_date.map(Date)
    }
    /// Expiry date (sterile finished lots); usable through this day.
    async fn expiry_date(&self) -> Option<Date> {
        self.0.expiry_date.map(Date)
    }
    /// The UDI in GS1 human-readable form: GTIN, lot and expiry.
    async fn udi(&self) -> Option<&str> {
        self.0.udi.as_deref()
    }
    /// Heat number (bar lots): the mill's key for the melt.
    async fn heat_number(&self) -> Option<&str> {
        self.0.heat_number.as_deref()
    }
    /// Mill (bar lots).
    async fn mill(&self) -> Option<&str> {
        self.0.mill.as_deref()
    }
    /// Standard, e.g. ASTM F136 (bar lots).
    async fn standard(&self) -> Option<&str> {
        self.0.standard.as_deref()
    }
    /// Material grade (bar lots).
    async fn grade(&self) -> Option<&str> {
        self.0.grade.as_deref()
    }
    /// Bar diameter in mm (bar lots).
    async fn bar_diameter_mm(&self) -> Option<Decimal> {
        self.0.bar_diameter_um.map(|v| from_milli(v).into())
    }
    /// Length of one bar in mm (bar lots).
    async fn bar_length_mm(&self) -> Option<i32> {
        self.0.bar_length_mm
    }
    /// Certificate type, EN 10204 3.1 or 3.2 (bar lots).
    async fn certificate_type(&self) -> Option<&str> {
        self.0.certificate_type.as_deref()
    }
    /// Certificate reference (bar lots).
    async fn certificate_ref(&self) -> Option<&str> {
        self.0.certificate_ref.as_deref()
    }
    /// Chemistry results as given (bar lots).
    async fn chemistry(&self) -> Option<&str> {
        self.0.chemistry.as_deref()
    }
    /// Mechanical results as given (bar lots).
    async fn mechanical(&self) -> Option<&str> {
        self.0.mechanical.as_deref()
    }
    /// Supplier's GTIN (blank lots).
    async fn supplier_gtin(&self) -> Option<&str> {
        self.0.supplier_gtin.as_deref()
    }
    /// Supplier's lot (blank lots).
    async fn supplier_lot(&self) -> Option<&str> {
        self.0.supplier_lot.as_deref()
    }
    /// Where the lot lies and how much, per location.
    async fn stock(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<StockLineObj>> {
        Ok(self
            .lines(ctx)
            .await?
            .into_iter()
            .map(StockLineObj)
            .collect())
    }
    /// The lot's quantities summed over locations.
    async fn quantities(&self, ctx: &Context<'_>) -> async_graphql::Result<StockQuantities> {
        Ok(service::sum(&self.lines(ctx).await?, today()).into())
    }
    /// The lot's ledger, oldest first.
    #[graphql(
        complexity = "2 + first.or(last).unwrap_or(50).clamp(0, 500) as usize * child_complexity"
    )]
    async fn movements(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 50, capped).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (capped); not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor to continue before, paging backward.")] before: Option<String>,
    ) -> async_graphql::Result<StockMovementConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_ctx(ctx)?;
        let (rows, total) = service::movements(db(ctx)?, self.0.id, &page).await?;
        Ok(StockMovementConnection::build(
            &page,
            rows,
            total,
            service::movement_key,
            StockMovement,
        ))
    }
    /// The production job that made this lot; null for a lot received from outside.
    async fn produced_by(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::manufacturing::graphql::ProductionJob>> {
        crate::manufacturing::graphql::produced_by(ctx, self.0.id).await
    }
    /// The lots this lot was made from (one genealogy level up), with quantities.
    async fn made_from(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::manufacturing::graphql::GenealogyLink>> {
        crate::manufacturing::graphql::made_from(ctx, self.0.id).await
    }
    /// The lots made from this lot (one genealogy level down), with quantities.
    async fn used_in(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::manufacturing::graphql::GenealogyLink>> {
        crate::manufacturing::graphql::used_in(ctx, self.0.id).await
    }
}

impl Lot {
    /// The lot's non-empty balances, through the loaders, so a list of lots
    /// costs one query for balances and one for locations, whatever its length.
    async fn lines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<StockLine>> {
        let balances = ctx
            .data::<DataLoader<ByParentLoader<stock_balance::Entity>>>()?
            .load_one(self.0.id)
            .await
            .map_err(loader_error)?
            .unwrap_or_default();
        let balances: Vec<_> = balances.into_iter().filter(|b| b.on_hand > 0).collect();
        let locations = ctx
            .data::<DataLoader<ByIdLoader<location::Entity>, HashMapCache>>()?
            .load_many(balances.iter().map(|b| b.location_id))
            .await
            .map_err(loader_error)?;
        balances
            .into_iter()
            .map(|b| {
                Ok(StockLine {
                    lot: self.0.clone(),
                    location: required(
                        locations.get(&b.location_id).cloned(),
                        "location",
                        b.location_id,
                    )?,
                    on_hand: b.on_hand,
                    reserved: b.reserved,
                })
            })
            .collect()
    }
}

impl ByParent for stock_balance::Entity {
    fn parent_column() -> Self::Column {
        stock_balance::Column::LotId
    }
    fn parent_of(m: &Self::Model) -> i64 {
        m.lot_id
    }
    fn order(q: sea_orm::Select<Self>) -> sea_orm::Select<Self> {
        use sea_orm::QueryOrder;
        q.order_by_asc(stock_balance::Column::LocationId)
    }
}

/// A balance: one lot at one location.
pub struct StockLineObj(pub StockLine);

/// A balance: one lot at one location.
#[Object(name = "StockLine")]
impl StockLineObj {
    /// The lot.
    async fn lot(&self) -> Lot {
        Lot(self.0.lot.clone())
    }
    /// The location.
    async fn location(&self) -> Location {
        Location(self.0.location.clone())
    }
    /// Physically present.
    async fn on_hand(&self) -> i64 {
        self.0.on_hand
    }
    /// Promised by open reservations.
    async fn reserved(&self) -> i64 {
        self.0.reserved
    }
    /// Can be promised now (0 unless released, unexpired, in a STOCK location).
    async fn available(&self) -> i64 {
        self.0.available(today())
    }
}

/// One row of the stock ledger.
pub struct StockMovement(pub stock_movement::Model);

/// One row of the append-only stock ledger.
#[Object]
impl StockMovement {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("StockMovement", self.0.id)
    }
    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// Why.
    async fn reason(&self) -> MovementReason {
        self.0.reason
    }
    /// How many, in the item's unit.
    async fn quantity(&self) -> i64 {
        self.0.quantity
    }
    /// Where from; null for receipts and upward adjustments.
    #[graphql(name = "fromLocation")]
    async fn source_location(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Location>> {
        match self.0.from_location_id {
            Some(l) => Ok(Some(Location(
                load::<location::Entity>(ctx, l, "location").await?,
            ))),
            None => Ok(None),
        }
    }
    /// Where to; null for shipments, scrap and downward adjustments.
    async fn to_location(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Location>> {
        match self.0.to_location_id {
            Some(l) => Ok(Some(Location(
                load::<location::Entity>(ctx, l, "location").await?,
            ))),
            None => Ok(None),
        }
    }
    /// The reference document: case, job, order, count or reason.
    async fn reference(&self) -> &str {
        &self.0.reference
    }
    /// Who.
    async fn actor_name(&self) -> &str {
        &self.0.actor_name
    }
    /// Detail, e.g. `QUARANTINE → RELEASED` or `counted 8, system had 10`.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}

connection_type!(LocationConnection, LocationEdge, Location, "locations");
connection_type!(
    StockLineConnection,
    StockLineEdge,
    StockLineObj,
    "stock lines"
);
connection_type!(LotConnection, LotEdge, Lot, "lots");
connection_type!(
    ReservationConnection,
    ReservationEdge,
    Reservation,
    "reservations"
);
connection_type!(
    StockMovementConnection,
    StockMovementEdge,
    StockMovement,
    "stock movements"
);

/// Units promised to a reference.
pub struct Reservation(pub reservation::Model);

/// Units of a lot at a location promised to a reference.
#[Object]
impl Reservation {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("Reservation", self.0.id)
    }
    /// The lot.
    async fn lot(&self, ctx: &Context<'_>) -> async_graphql::Result<Lot> {
        Ok(Lot(load::<lot::Entity>(ctx, self.0.lot_id, "lot").await?))
    }
    /// The location.
    async fn location(&self, ctx: &Context<'_>) -> async_graphql::Result<Location> {
        Ok(Location(
            load::<location::Entity>(ctx, self.0.location_id, "location").await?,
        ))
    }
    /// How many.
    async fn quantity(&self) -> i64 {
        self.0.quantity
    }
    /// What for: a case, an order.
    async fn reference(&self) -> &str {
        &self.0.reference
    }
    /// Open, released or shipped.
    async fn status(&self) -> ReservationStatus {
        self.0.status
    }
    /// When it was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Stock of one SKU.
#[derive(SimpleObject)]
pub struct SkuStock {
    /// The SKU.
    pub sku: AbutmentSku,
    /// Its quantities over all lots and locations.
    pub quantities: StockQuantities,
    /// Its reorder point, when set.
    pub reorder_point: Option<i64>,
    /// Balances per lot and location.
    pub lines: Vec<StockLineObj>,
}

/// Filters on stock lines.
#[derive(InputObject, Default)]
pub struct StockFilterInput {
    /// Only lots of this SKU.
    pub article_number: Option<String>,
    /// Only lots with this number.
    pub lot_number: Option<String>,
    /// Only this location (code).
    pub location: Option<String>,
    /// Only lots in this stored state.
    pub state: Option<LotState>,
}

/// What a barcode scan found.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ScanResult {
    /// What the scan found in our records: a received lot, a label whose lot
    /// has not been received yet, an item without lot, or a GTIN that is not ours.
    pub status: ScanStatus,
    /// The GTIN read (AI 01), as GTIN-14.
    pub gtin: Option<String>,
    /// The lot number read (AI 10).
    pub lot_number: Option<String>,
    /// The serial number read (AI 21).
    pub serial: Option<String>,
    /// The production date read (AI 11; day 00 = end of month).
    #[graphql(skip)]
    pub production_date: Option<NaiveDate>,
    /// The expiry date read (AI 17; day 00 = end of month).
    #[graphql(skip)]
    pub expiry_date: Option<NaiveDate>,
    /// Every element read, in the order of the code (a repeated AI once).
    pub elements: Vec<ScanElement>,
    /// Our SKU with that GTIN, when it is one of ours.
    pub sku: Option<AbutmentSku>,
    /// The lot, with its state and stock by location; null unless the status
    /// is RECEIVED.
    pub lot: Option<Lot>,
    /// Where the label disagrees with our records (e.g. another expiry date),
    /// and what to do with a label not received yet.
    pub warnings: Vec<String>,
}

/// One GS1 element of a scanned code.
#[derive(SimpleObject)]
pub struct ScanElement {
    /// The Application Identifier, e.g. `01`, `3103`, `7003`.
    pub ai: String,
    /// Its data title in the GS1 General Specifications (e.g. `BATCH/LOT`,
    /// `NET WEIGHT (kg)`); null for a well-formed AI that is not in the table.
    pub title: Option<String>,
    /// The data as read (percent-decoded from a Digital Link URI).
    pub value: String,
}

/// What a scanned label is, for our records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum ScanStatus {
    /// The lot on the label is one of ours: `lot` is set.
    Received,
    /// The GTIN is one of ours, but no lot with the label's lot number has
    /// been received (e.g. a delivery at the dock): `lot` is null; receive it
    /// with `receiveFinishedLot(input: {code: …})`.
    NotReceived,
    /// The GTIN is one of ours and the label carries no lot (AI 10).
    NoLot,
    /// The GTIN is not one of our SKUs nor a blank we have received.
    UnknownGtin,
    /// The code carries no GTIN (AI 01), e.g. a pallet label with only an SSCC.
    NoGtin,
}

/// Inventory queries.
#[derive(Default)]
pub struct InventoryQuery;

#[Object]
impl InventoryQuery {
    /// Every location, by code.
    #[graphql(
        complexity = "2 + first.or(last).unwrap_or(50).clamp(0, 500) as usize * child_complexity"
    )]
    async fn locations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 50, capped).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (capped); not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor to continue before, paging backward.")] before: Option<String>,
    ) -> async_graphql::Result<LocationConnection> {
        let page = crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_ctx(ctx)?;
        let (rows, total) = service::locations(db(ctx)?, &page).await?;
        Ok(LocationConnection::build(
            &page,
            rows,
            total,
            service::location_key,
            Location,
        ))
    }

    /// Non-empty balances by lot number and location, filtered by SKU, lot,
    /// location or state.
    #[graphql(
        complexity = "2 + first.or(last).unwrap_or(50).clamp(0, 500) as usize * child_complexity"
    )]
    async fn stock(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Optional filters.")] filter: Option<StockFilterInput>,
        #[graphql(desc = "Page size (default 50, capped).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (capped); not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor to continue before, paging backward.")] before: Option<String>,
    ) -> async_graphql::Result<StockLineConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_ctx(ctx)?;
        let f = filter.unwrap_or_default();
        let f = StockFilter {
            article_number: f.article_number,
            lot_number: f.lot_number,
            location: f.location,
            state: f.state,
            include_empty: false,
        };
        let (rows, total) = service::stock_page(db(ctx)?, &f, &page).await?;
        Ok(StockLineConnection::build(
            &page,
            rows,
            total,
            service::stock_line_key,
            StockLineObj,
        ))
    }

    /// On hand, reserved, available, quarantine and on-hold stock of one SKU.
    async fn sku_stock(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The SKU's article number.")] article_number: String,
    ) -> async_graphql::Result<SkuStock> {
        let db = db(ctx)?;
        let sku = service::sku_by_article(db, &article_number, "articleNumber").await?;
        let item = service::finished_item(db, &sku).await?;
        let f = StockFilter {
            article_number: Some(article_number),
            ..Default::default()
        };
        let lines = service::stock(db, &f).await?;
        Ok(SkuStock {
            quantities: service::sum(&lines, today()).into(),
            reorder_point: item.reorder_point,
            lines: lines.into_iter().map(StockLineObj).collect(),
            sku: AbutmentSku(sku),
        })
    }

    /// One lot by global id, or by lot number (with the SKU's article number
    /// when several items use that number).
    async fn lot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id.")] id: Option<ID>,
        #[graphql(desc = "Lot number.")] lot_number: Option<String>,
        #[graphql(desc = "Article number of the SKU, to disambiguate.")] article_number: Option<
            String,
        >,
    ) -> async_graphql::Result<Lot> {
        let db = db(ctx)?;
        if let Some(id) = id {
            return Ok(Lot(service::lot(db, ids::decode(&id, "Lot", "id")?).await?));
        }
        let Some(n) = lot_number else {
            return Err(AppError::bad_input("lotNumber", "give id or lotNumber").into());
        };
        let mut q = lot::Entity::find().filter(lot::Column::LotNumber.eq(n.trim()));
        if let Some(a) = article_number {
            let sku = service::sku_by_article(db, &a, "articleNumber").await?;
            let item = service::finished_item(db, &sku).await?;
            q = q.filter(lot::Column::ItemId.eq(item.id));
        }
        let mut found = q.all(db).await.map_err(AppError::from)?;
        match found.len() {
            0 => Err(AppError::not_found("lot", n).into()),
            1 => Ok(Lot(found.remove(0))),
            _ => Err(AppError::bad_input(
                "articleNumber",
                format!("several items have a lot `{n}`; give articleNumber"),
            )
            .into()),
        }
    }

    /// Lots with stock that expire within `withinDays` days (or already
    /// have), soonest first.
    #[graphql(
        complexity = "2 + first.or(last).unwrap_or(50).clamp(0, 500) as usize * child_complexity"
    )]
    async fn lots_expiring(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Days from today (0–3650).")] within_days: i32,
        #[graphql(desc = "Page size (default 50, capped).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (capped); not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor to continue before, paging backward.")] before: Option<String>,
    ) -> async_graphql::Result<LotConnection> {
        if !(0..=3650).contains(&within_days) {
            return Err(AppError::bad_input("withinDays", "must be 0–3650").into());
        }
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_ctx(ctx)?;
        let (rows, total) = service::lots_expiring(db(ctx)?, i64::from(within_days), &page).await?;
        Ok(LotConnection::build(
            &page,
            rows,
            total,
            service::expiring_key,
            Lot,
        ))
    }

    /// Reads a GS1 barcode as a scanner sends it — a raw element string (with
    /// or without symbology identifier `]d2`/`]C1`/`]e0`/`]Q3`/`]J1`, GS
    /// separators), the bracketed form `(01)…(10)…`, or a GS1 Digital Link
    /// URI on any domain — and returns every element read and the SKU and lot
    /// it names. A malformed or non-GS1 code is `BAD_USER_INPUT` saying what
    /// is wrong, in which AI and at which character (0-based); a label whose
    /// lot has not been received is `status: NOT_RECEIVED` with `lot: null`.
    async fn scan(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The scanned text, as the scanner types it: the group separator GS (U+001D) between fields is allowed; at most 500 characters."
        )]
        code: String,
    ) -> async_graphql::Result<ScanResult> {
        let db = db(ctx)?;
        let s = super::gs1::parse(&code).map_err(|e| AppError::bad_input("code", e.to_string()))?;
        let elements = s
            .elements
            .iter()
            .map(|e| ScanElement {
                ai: e.ai.clone(),
                title: e.title.map(str::to_owned),
                value: e.value.clone(),
            })
            .collect();
        let mut result = ScanResult {
            status: ScanStatus::NoGtin,
            gtin: s.gtin.clone(),
            lot_number: s.lot.clone(),
            serial: s.serial.clone(),
            production_date: s.production_date,
            expiry_date: s.expiry_date,
            elements,
            sku: None,
            lot: None,
            warnings: Vec::new(),
        };
        let Some(gtin) = s.gtin.clone() else {
            return Ok(result);
        };
        let sku = abutment_sku::Entity::find()
            .filter(abutment_sku::Column::Gtin.eq(gtin.clone()))
            .one(db)
            .await
            .map_err(AppError::from)?;
        let item = match &sku {
            Some(sku) => {
                item::Entity::find()
                    .filter(item::Column::SkuId.eq(sku.id))
                    .one(db)
                    .await
            }
            None => {
                item::Entity::find()
                    .filter(item::Column::Code.eq(format!("BLANK/{gtin}")))
                    .one(db)
                    .await
            }
        }
        .map_err(AppError::from)?;
        if sku.is_none() && item.is_none() {
            result.status = ScanStatus::UnknownGtin;
            return Ok(result);
        }
        result.sku = sku.map(AbutmentSku);
        let Some(n) = &s.lot else {
            result.status = ScanStatus::NoLot;
            return Ok(result);
        };
        let found = match &item {
            Some(i) => lot::Entity::find()
                .filter(lot::Column::ItemId.eq(i.id))
                .filter(lot::Column::LotNumber.eq(n.clone()))
                .one(db)
                .await
                .map_err(AppError::from)?,
            None => None,
        };
        match found {
            Some(l) => {
                if let (Some(read), Some(ours)) = (s.expiry_date, l.expiry_date)
                    && read != ours
                {
                    result.warnings.push(format!(
                        "the label says expiry {read}, our record says {ours}"
                    ));
                }
                result.status = ScanStatus::Received;
                result.lot = Some(Lot(l));
            }
            None => {
                result.status = ScanStatus::NotReceived;
                result.warnings.push(format!(
                    "lot {n} of GTIN {gtin} has not been received; receiveFinishedLot with this code receives it"
                ));
            }
        }
        Ok(result)
    }

    /// SKUs whose available stock is below their reorder point.
    async fn below_reorder_point(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SkuStock>> {
        Ok(service::below_reorder_point(db(ctx)?)
            .await?
            .into_iter()
            .map(|(sku, item, q)| SkuStock {
                sku: AbutmentSku(sku),
                quantities: q.into(),
                reorder_point: item.reorder_point,
                lines: vec![],
            })
            .collect())
    }

    /// Reservations made for a reference, oldest first.
    #[graphql(
        complexity = "2 + first.or(last).unwrap_or(50).clamp(0, 500) as usize * child_complexity"
    )]
    async fn reservations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The reference (case, order).")] reference: String,
        #[graphql(desc = "Page size (default 50, capped).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (capped); not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor to continue before, paging backward.")] before: Option<String>,
    ) -> async_graphql::Result<ReservationConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_ctx(ctx)?;
        let (rows, total) = service::reservations_page(db(ctx)?, &reference, &page).await?;
        Ok(ReservationConnection::build(
            &page,
            rows,
            total,
            service::reservation_key,
            Reservation,
        ))
    }
}

#[ComplexObject]
impl ScanResult {
    /// The production date read (AI 11; day 00 = end of month).
    async fn production_date(&self) -> Option<Date> {
        self.production_date.map(Date)
    }
    /// The expiry date read (AI 17; day 00 = end of month).
    async fn expiry_date(&self) -> Option<Date> {
        self.expiry_date.map(Date)
    }
}

/// Result of a mutation that changes a lot.
#[derive(SimpleObject)]
pub struct LotPayload {
    /// The lot after the change; null on errors.
    pub lot: Option<Lot>,
    /// What was wrong; nothing changed when non-empty.
    pub user_errors: Vec<UserError>,
}

impl LotPayload {
    fn of(r: Result<lot::Model, Vec<UserError>>) -> Self {
        match r {
            Ok(l) => LotPayload {
                lot: Some(Lot(l)),
                user_errors: vec![],
            },
            Err(e) => LotPayload {
                lot: None,
                user_errors: e,
            },
        }
    }
}

/// Result of a stock movement.
#[derive(SimpleObject)]
pub struct MovementPayload {
    /// The ledger row written; null on errors (and for a count that matched).
    pub movement: Option<StockMovement>,
    /// What was wrong; nothing changed when non-empty.
    pub user_errors: Vec<UserError>,
}

impl MovementPayload {
    fn of(r: Result<Option<stock_movement::Model>, Vec<UserError>>) -> Self {
        match r {
            Ok(m) => MovementPayload {
                movement: m.map(StockMovement),
                user_errors: vec![],
            },
            Err(e) => MovementPayload {
                movement: None,
                user_errors: e,
            },
        }
    }
}

/// Result of a reservation mutation.
#[derive(SimpleObject)]
pub struct ReservationPayload {
    /// The reservations made or changed (FEFO may split over lots); empty on errors.
    pub reservations: Vec<Reservation>,
    /// What was wrong; nothing changed when non-empty.
    pub user_errors: Vec<UserError>,
}

impl ReservationPayload {
    fn of(r: Result<Vec<reservation::Model>, Vec<UserError>>) -> Self {
        match r {
            Ok(v) => ReservationPayload {
                reservations: v.into_iter().map(Reservation).collect(),
                user_errors: vec![],
            },
            Err(e) => ReservationPayload {
                reservations: vec![],
                user_errors: e,
            },
        }
    }
}

/// A new location.
#[derive(InputObject)]
pub struct CreateLocationInput {
    /// Unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Site, zone or bin.
    pub level: LocationLevel,
    /// Its use.
    pub location_type: LocationType,
    /// Code of the enclosing location (none for a site).
    pub parent: Option<String>,
}

/// Result of creating a location.
#[derive(SimpleObject)]
pub struct LocationPayload {
    /// The new location; null on errors.
    pub location: Option<Location>,
    /// What was wrong; nothing changed when non-empty.
    pub user_errors: Vec<UserError>,
}

/// A finished lot to receive.
#[derive(InputObject)]
pub struct ReceiveFinishedLotInput {
    /// The SKU's article number; or give `gtin` or `code`.
    pub article_number: Option<String>,
    /// The SKU's GTIN (8, 12, 13 or 14 digits), instead of the article number.
    pub gtin: Option<String>,
    /// The scanned label, as `scan` reads it (the group separator GS, U+001D, is allowed; at most 500 characters): its GTIN names the SKU, its lot (AI 10), production date (AI 11) and expiry (AI 17) fill the fields not given; a field given that disagrees with the label is refused.
    pub code: Option<String>,
    /// Lot number: 1–20 characters of GS1 character set 82 (it goes into the
    /// UDI); required unless `code` carries one.
    pub lot_number: Option<String>,
    /// Pieces.
    pub quantity: i64,
    /// Code of a RECEIVING location.
    pub location: String,
    /// Production date; required unless `code` carries one (AI 11).
    pub production_date: Option<Date>,
    /// Expiry date; default: the label's (AI 17), else for a sterile SKU
    /// production date + shelf life.
    pub expiry_date: Option<Date>,
    /// Reference document (delivery note, opening stock).
    pub reference: String,
}

/// Turns the mutation's input into a receipt: the SKU from exactly one
/// identity (article number, GTIN or scanned code; several only when they
/// agree), the lot and dates from the input or the label.
async fn receipt_of(
    db: &impl sea_orm::ConnectionTrait,
    input: ReceiveFinishedLotInput,
) -> AppResult<ReceiveFinished> {
    let scan = match &input.code {
        Some(c) => Some(
            super::gs1::parse(c).map_err(|e| AppError::bad_input("input.code", e.to_string()))?,
        ),
        None => None,
    };
    let code_gtin =
        match &scan {
            Some(s) => Some(s.gtin.clone().ok_or_else(|| {
                AppError::bad_input("input.code", "the code has no GTIN (AI 01)")
            })?),
            None => None,
        };
    let gtin = match (&input.gtin, code_gtin) {
        (Some(g), from_code) => {
            let g = crate::catalog::gtin::normalize(g)
                .map_err(|m| AppError::bad_input("input.gtin", m))?;
            if let Some(c) = from_code
                && c != g
            {
                return Err(AppError::bad_input(
                    "input.gtin",
                    format!("GTIN {g} differs from the GTIN {c} of the code"),
                ));
            }
            Some((g, "input.gtin"))
        }
        (None, from_code) => from_code.map(|c| (c, "input.code")),
    };
    let article_number = match (&input.article_number, gtin) {
        (Some(a), None) => a.clone(),
        (None, Some((g, field))) => {
            crate::catalog::service::sku_by_code(db, None, Some(&g))
                .await?
                .ok_or_else(|| AppError::bad_input(field, format!("no SKU has GTIN {g}")))?
                .article_number
        }
        (Some(a), Some((g, field))) => {
            let sku = service::sku_by_article(db, a, "input.articleNumber").await?;
            if sku.gtin != g {
                return Err(AppError::bad_input(
                    field,
                    format!(
                        "GTIN {g} is not the GTIN of article {} ({})",
                        sku.article_number, sku.gtin
                    ),
                ));
            }
            a.clone()
        }
        (None, None) => {
            return Err(AppError::bad_input(
                "input.articleNumber",
                "give articleNumber, gtin or code (the scanned label)",
            ));
        }
    };
    let label_lot = scan.as_ref().and_then(|s| s.lot.clone());
    let lot_number = match (input.lot_number, label_lot) {
        (Some(n), Some(l)) if n.trim() != l => {
            return Err(AppError::bad_input(
                "input.lotNumber",
                format!("`{}` differs from the label's lot `{l}`", n.trim()),
            ));
        }
        (Some(n), _) => n,
        (None, Some(l)) => l,
        (None, None) => {
            return Err(AppError::bad_input(
                "input.lotNumber",
                "is required unless the code carries a lot (AI 10)",
            ));
        }
    };
    let pick = |given: Option<NaiveDate>, label: Option<NaiveDate>, field: &str, ai: &str| match (
        given, label,
    ) {
        (Some(g), Some(l)) if g != l => Err(AppError::bad_input(
            field,
            format!("{g} differs from the label's {l} (AI {ai})"),
        )),
        (Some(g), _) => Ok(Some(g)),
        (None, l) => Ok(l),
    };
    let expiry_date = pick(
        input.expiry_date.map(NaiveDate::from),
        scan.as_ref().and_then(|s| s.expiry_date),
        "input.expiryDate",
        "17",
    )?;
    let production_date = pick(
        input.production_date.map(NaiveDate::from),
        scan.as_ref().and_then(|s| s.production_date),
        "input.productionDate",
        "11",
    )?
    .ok_or_else(|| {
        AppError::bad_input(
            "input.productionDate",
            "is required unless the code carries a production date (AI 11)",
        )
    })?;
    Ok(ReceiveFinished {
        article_number,
        lot_number,
        quantity: input.quantity,
        location: input.location,
        production_date,
        expiry_date,
        reference: input.reference,
    })
}

/// A titanium bar lot to receive.
#[derive(InputObject)]
pub struct ReceiveBarLotInput {
    /// The mill's heat number.
    pub heat_number: String,
    /// Our lot number for this delivery.
    pub lot_number: String,
    /// The mill.
    pub mill: String,
    /// Standard, e.g. `ASTM F136`.
    pub standard: String,
    /// Material grade.
    pub grade: Material,
    /// Bar diameter, mm (3–40).
    pub diameter_mm: Decimal,
    /// Length of each bar, mm.
    pub bar_length_mm: i32,
    /// Number of bars; the lot's quantity is bars × length in mm.
    pub bars: i64,
    /// EN 10204 certificate type: `3.1` or `3.2`.
    pub certificate_type: String,
    /// Certificate number or document reference.
    pub certificate_ref: String,
    /// Chemistry results, as on the certificate.
    /// Newlines are allowed; at most 2,000 characters.
    pub chemistry: Option<String>,
    /// Mechanical results, as on the certificate.
    /// Newlines are allowed; at most 2,000 characters.
    pub mechanical: Option<String>,
    /// Code of a RECEIVING location.
    pub location: String,
    /// Reference document (delivery note, purchase order).
    pub reference: String,
}

/// A lot of pre-milled blanks to receive.
#[derive(InputObject)]
pub struct ReceiveBlankLotInput {
    /// The blank maker's GTIN.
    pub supplier_gtin: String,
    /// The blank maker's lot (becomes our lot number).
    pub supplier_lot: String,
    /// Implant system of the pre-machined connection.
    pub system: String,
    /// Platform of the pre-machined connection.
    pub platform: String,
    /// Maker of the system, when the system name is ambiguous.
    pub manufacturer: Option<String>,
    /// Pieces.
    pub quantity: i64,
    /// Code of a RECEIVING location.
    pub location: String,
    /// Reference document.
    pub reference: String,
}

/// Units of a lot to move.
#[derive(InputObject)]
pub struct TransferStockInput {
    /// The lot.
    pub lot_id: ID,
    /// From this location (code).
    pub from: String,
    /// To this location (code).
    pub to: String,
    /// How many.
    pub quantity: i64,
    /// Reference document.
    pub reference: String,
}

/// A cycle count of one lot at one location.
#[derive(InputObject)]
pub struct CountStockInput {
    /// The lot.
    pub lot_id: ID,
    /// The location (code).
    pub location: String,
    /// The quantity the counter was shown; if stock moved since, the count is stale.
    pub expected: i64,
    /// The quantity counted.
    pub counted: i64,
    /// Reference (count sheet).
    pub reference: String,
}

/// Units to scrap.
#[derive(InputObject)]
pub struct ScrapStockInput {
    /// The lot.
    pub lot_id: ID,
    /// The location (code).
    pub location: String,
    /// How many.
    pub quantity: i64,
    /// Why.
    /// Newlines are allowed; at most 2,000 characters.
    pub reason: String,
}

/// A lot state change.
#[derive(InputObject)]
pub struct ChangeLotStateInput {
    /// The lot.
    pub lot_id: ID,
    /// The new state.
    pub state: LotState,
    /// Why (inspection report, deviation number).
    /// Newlines are allowed; at most 2,000 characters.
    pub reason: String,
}

/// Units to reserve.
#[derive(InputObject)]
pub struct ReserveStockInput {
    /// What for: a case or order reference.
    pub reference: String,
    /// How many.
    pub quantity: i64,
    /// Reserve from this lot…
    pub lot_id: Option<ID>,
    /// …or from this SKU's stock, first-expired-first-out.
    pub article_number: Option<String>,
}

/// A reservation to act on.
#[derive(InputObject)]
pub struct ReservationInput {
    /// The reservation.
    pub reservation_id: ID,
}

/// Who receives a shipment: a clinic by its code, or a consignee outside
/// the clinic register (a distributor, a lab, a hospital) by name and
/// address. Give one of the two.
#[derive(InputObject)]
pub struct ShipmentConsigneeInput {
    /// A clinic's code; its name, address and contact are on file.
    pub clinic: Option<String>,
    /// The name of a consignee that is not a clinic (with `address`).
    pub name: Option<String>,
    /// The postal address of a named consignee.
    pub address: Option<String>,
    /// How to reach a named consignee (e-mail or phone), for recall notices.
    pub contact: Option<String>,
}

/// A reservation to ship, and who receives it.
#[derive(InputObject)]
pub struct ShipReservationInput {
    /// The reservation.
    pub reservation_id: ID,
    /// Who receives the units. Required: a shipment without one, or to an
    /// unknown clinic, is refused (`BAD_USER_INPUT` naming the field).
    pub consignee: Option<ShipmentConsigneeInput>,
}

/// A reorder point.
#[derive(InputObject)]
pub struct SetReorderPointInput {
    /// The SKU.
    pub article_number: String,
    /// Pieces; null removes it.
    pub reorder_point: Option<i64>,
}

/// Result of setting a reorder point.
#[derive(SimpleObject)]
pub struct ReorderPointPayload {
    /// The SKU's stock item; null on errors.
    pub item: Option<Item>,
    /// What was wrong; nothing changed when non-empty.
    pub user_errors: Vec<UserError>,
}

/// Inventory mutations. Stock-changing ones take `idempotencyKey`.
#[derive(Default)]
pub struct InventoryMutation;

fn lot_id(id: &ID) -> AppResult<i64> {
    ids::decode(id, "Lot", "input.lotId")
}

#[Object]
impl InventoryMutation {
    /// Creates a location in the tree.
    async fn create_location(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The location.")] input: CreateLocationInput,
    ) -> async_graphql::Result<LocationPayload> {
        let (txn, _) = begin(ctx).await?;
        let r = service::create_location(
            &txn,
            &input.code,
            &input.name,
            input.level,
            input.location_type,
            input.parent.as_deref(),
        )
        .await;
        Ok(match finish(txn, r).await? {
            Ok(l) => LocationPayload {
                location: Some(Location(l)),
                user_errors: vec![],
            },
            Err(e) => LocationPayload {
                location: None,
                user_errors: e,
            },
        })
    }

    /// Receives a finished lot (opening stock or purchase) into quarantine,
    /// naming the SKU by article number, GTIN or the scanned label.
    async fn receive_finished_lot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lot.")] input: ReceiveFinishedLotInput,
        #[graphql(desc = "Retry key: the same key and input return the first result.")]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<LotPayload> {
        let (txn, a) = begin(ctx).await?;
        let res = match receipt_of(&txn, input).await {
            Ok(r) => service::receive_finished(&txn, &a, &r, idempotency_key.as_deref()).await,
            Err(e) => Err(e),
        };
        Ok(LotPayload::of(finish(txn, res).await?))
    }

    /// Receives a titanium bar lot with its certificate into quarantine.
    async fn receive_bar_lot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lot and its certificate.")] input: ReceiveBarLotInput,
        #[graphql(desc = "Retry key: the same key and input return the first result.")]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<LotPayload> {
        let (txn, a) = begin(ctx).await?;
        let r = ReceiveBar {
            heat_number: input.heat_number,
            lot_number: input.lot_number,
            mill: input.mill,
            standard: input.standard,
            grade: input.grade,
            diameter_mm: input.diameter_mm.0,
            bar_length_mm: input.bar_length_mm,
            bars: input.bars,
            certificate_type: input.certificate_type,
            certificate_ref: input.certificate_ref,
            chemistry: input.chemistry,
            mechanical: input.mechanical,
            location: input.location,
            reference: input.reference,
        };
        let res = service::receive_bar(&txn, &a, &r, idempotency_key.as_deref()).await;
        Ok(LotPayload::of(finish(txn, res).await?))
    }

    /// Receives a lot of pre-milled blanks into quarantine.
    async fn receive_blank_lot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lot.")] input: ReceiveBlankLotInput,
        #[graphql(desc = "Retry key: the same key and input return the first result.")]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<LotPayload> {
        let (txn, a) = begin(ctx).await?;
        let r = ReceiveBlank {
            supplier_gtin: input.supplier_gtin,
            supplier_lot: input.supplier_lot,
            platform: PlatformRef {
                id: None,
                manufacturer: input.manufacturer,
                system: Some(input.system),
                platform: Some(input.platform),
            },
            quantity: input.quantity,
            location: input.location,
            reference: input.reference,
        };
        let res = service::receive_blank(&txn, &a, &r, idempotency_key.as_deref()).await;
        Ok(LotPayload::of(finish(txn, res).await?))
    }

    /// Moves free units of a lot between locations.
    async fn transfer_stock(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to move where.")] input: TransferStockInput,
        #[graphql(desc = "Retry key: the same key and input return the first result.")]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<MovementPayload> {
        let (input, key) = (&input, idempotency_key.as_deref());
        let res = run(ctx, |w| {
            Box::pin(async move {
                let id = lot_id(&input.lot_id)?;
                service::transfer(
                    w.txn,
                    w.actor,
                    id,
                    &input.from,
                    &input.to,
                    input.quantity,
                    &input.reference,
                    key,
                )
                .await
                .map(Some)
            })
        })
        .await?;
        Ok(MovementPayload::of(res))
    }

    /// Records a cycle count; a difference is booked as an adjustment.
    async fn count_stock(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The count.")] input: CountStockInput,
        #[graphql(desc = "Retry key: the same key and input return the first result.")]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<MovementPayload> {
        let (input, key) = (&input, idempotency_key.as_deref());
        let res = run(ctx, |w| {
            Box::pin(async move {
                let id = lot_id(&input.lot_id)?;
                service::count(
                    w.txn,
                    w.actor,
                    id,
                    &input.location,
                    input.expected,
                    input.counted,
                    &input.reference,
                    key,
                )
                .await
            })
        })
        .await?;
        Ok(MovementPayload::of(res))
    }

    /// Scraps free units of a lot.
    async fn scrap_stock(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to scrap and why.")] input: ScrapStockInput,
        #[graphql(desc = "Retry key: the same key and input return the first result.")]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<MovementPayload> {
        let (input, key) = (&input, idempotency_key.as_deref());
        let res = run(ctx, |w| {
            Box::pin(async move {
                let id = lot_id(&input.lot_id)?;
                service::scrap(
                    w.txn,
                    w.actor,
                    id,
                    &input.location,
                    input.quantity,
                    &input.reason,
                    key,
                )
                .await
                .map(Some)
            })
        })
        .await?;
        Ok(MovementPayload::of(res))
    }

    /// Releases, holds, rejects or recalls a lot (quality).
    async fn change_lot_state(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lot, the new state and why.")] input: ChangeLotStateInput,
    ) -> async_graphql::Result<LotPayload> {
        let input = &input;
        let res = run(ctx, |w| {
            Box::pin(async move {
                let id = lot_id(&input.lot_id)?;
                service::change_state(w.txn, w.actor, id, input.state, &input.reason).await
            })
        })
        .await?;
        Ok(LotPayload::of(res))
    }

    /// Reserves units for a reference: from a lot, or FEFO from a SKU's usable stock.
    async fn reserve_stock(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to reserve.")] input: ReserveStockInput,
        #[graphql(desc = "Retry key: the same key and input return the first result.")]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<ReservationPayload> {
        let (input, key) = (&input, idempotency_key.as_deref());
        let res = run(ctx, |w| {
            Box::pin(async move {
                let r = ReserveRequest {
                    reference: input.reference.clone(),
                    quantity: input.quantity,
                    lot_id: input.lot_id.as_ref().map(lot_id).transpose()?,
                    article_number: input.article_number.clone(),
                };
                service::reserve(w.txn, w.actor, &r, key).await
            })
        })
        .await?;
        Ok(ReservationPayload::of(res))
    }

    /// Sets or removes a SKU's reorder point.
    async fn set_reorder_point(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The SKU and its reorder point.")] input: SetReorderPointInput,
    ) -> async_graphql::Result<ReorderPointPayload> {
        let (txn, _) = begin(ctx).await?;
        let res =
            service::set_reorder_point(&txn, &input.article_number, input.reorder_point).await;
        Ok(match finish(txn, res).await? {
            Ok(i) => ReorderPointPayload {
                item: Some(Item(i)),
                user_errors: vec![],
            },
            Err(e) => ReorderPointPayload {
                item: None,
                user_errors: e,
            },
        })
    }

    /// Imports finished stock (opening stock, receipts) from CSV into
    /// quarantine: all rows or none, every bad row reported with its line.
    async fn import_stock_csv(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The CSV text, header `article_number,lot_number,quantity,location,production_date[,expiry_date][,reference]`. Newlines are allowed; at most 2,000,000 characters (the request body limit applies too). Control characters are refused cell by cell, each with its line and column."
        )]
        csv: String,
        #[graphql(desc = "Check and report without writing.", default)] dry_run: bool,
        #[graphql(desc = "Retry key: the same key and input return the first result.")]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<crate::catalog::graphql::ImportCatalogCsvPayload> {
        let _ = idempotency_key;
        let a = actor(ctx)?;
        let kind = crate::import::ImportKind::Stock;
        let r = crate::import::import_csv(
            db(ctx)?,
            &a,
            kind,
            kind.file_name(),
            csv.as_bytes(),
            dry_run,
        )
        .await;
        crate::catalog::graphql::import_payload(r)
    }

    /// Gives a reservation's units back.
    async fn release_reservation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The reservation.")] input: ReservationInput,
        #[graphql(desc = "Retry key: the same key and input return the first result.")]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<ReservationPayload> {
        let (input, key) = (&input, idempotency_key.as_deref());
        let res = run(ctx, |w| {
            Box::pin(async move {
                let id = ids::decode(&input.reservation_id, "Reservation", "input.reservationId")?;
                service::release_reservation(w.txn, w.actor, id, key)
                    .await
                    .map(|r| vec![r])
            })
        })
        .await?;
        Ok(ReservationPayload::of(res))
    }

    /// Ships a reservation's units (a SHIPMENT out of stock) to the
    /// consignee named: a clinic by code, or a name and address.
    async fn ship_reservation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The reservation and who receives it.")] input: ShipReservationInput,
        #[graphql(desc = "Retry key: the same key and input return the first result.")]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<ReservationPayload> {
        let (input, key) = (&input, idempotency_key.as_deref());
        let res = run(ctx, |w| {
            Box::pin(async move {
                let id = ids::decode(&input.reservation_id, "Reservation", "input.reservationId")?;
                let consignee = input.consignee.as_ref().map(|c| service::ConsigneeInput {
                    clinic: c.clinic.clone(),
                    name: c.name.clone(),
                    address: c.address.clone(),
                    contact: c.contact.clone(),
                });
                let to = service::ship_to(w.txn, consignee.as_ref(), "input.consignee").await?;
                service::ship_reservation(w.txn, w.actor, id, &to, key)
                    .await
                    .map(|r| vec![r])
            })
        })
        .await?;
        Ok(ReservationPayload::of(res))
    }
}
