//! The inventory object types: locations, items, lots, stock lines, movements, reservations, scans.

use super::*;

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
    pub(crate) async fn code(&self) -> &str {
        &self.0.code
    }
    /// Name.
    pub(crate) async fn name(&self) -> &str {
        &self.0.name
    }
    /// Site, zone or bin.
    pub(crate) async fn level(&self) -> LocationLevel {
        self.0.level
    }
    /// What the location is used for.
    pub(crate) async fn location_type(&self) -> LocationType {
        self.0.location_type
    }
    /// The enclosing location; null for a site.
    pub(crate) async fn parent(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Location>> {
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
    pub(crate) async fn kind(&self) -> ItemKind {
        self.0.kind
    }
    /// Item code: the SKU's article number, `BAR/<grade>/<Ø>` or `BLANK/<GTIN>`.
    pub(crate) async fn code(&self) -> &str {
        &self.0.code
    }
    /// Name.
    pub(crate) async fn name(&self) -> &str {
        &self.0.name
    }
    /// Unit of its quantities: MM of bar, or PCS.
    pub(crate) async fn unit(&self) -> StockUnit {
        self.0.unit
    }
    /// Reorder point (finished items): below it, the item is listed by `belowReorderPoint`.
    pub(crate) async fn reorder_point(&self) -> Option<i64> {
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
    pub(crate) async fn lot_number(&self) -> &str {
        &self.0.lot_number
    }
    /// The item.
    pub(crate) async fn item(&self, ctx: &Context<'_>) -> async_graphql::Result<Item> {
        Ok(Item(
            load::<item::Entity>(ctx, self.0.item_id, "item").await?,
        ))
    }
    /// The SKU, for a finished lot.
    pub(crate) async fn sku(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<AbutmentSku>> {
        let item = load::<item::Entity>(ctx, self.0.item_id, "item").await?;
        match item.sku_id {
            Some(s) => Ok(Some(AbutmentSku(
                load::<abutment_sku::Entity>(ctx, s, "SKU").await?,
            ))),
            None => Ok(None),
        }
    }
    /// The stored state.
    pub(crate) async fn state(&self) -> LotState {
        self.0.state
    }
    /// The state as it stands today: EXPIRED once past the expiry date.
    pub(crate) async fn effective_state(&self) -> EffectiveState {
        effective_state(&self.0, today())
    }
    /// Why the state was last changed.
    pub(crate) async fn state_reason(&self) -> Option<&str> {
        self.0.state_reason.as_deref()
    }
    /// Production date (finished lots).
    pub(crate) async fn production_date(&self) -> Option<Date> {
        self.0.production_date.map(Date)
    }
    /// Expiry date (sterile finished lots); usable through this day.
    pub(crate) async fn expiry_date(&self) -> Option<Date> {
        self.0.expiry_date.map(Date)
    }
    /// The UDI in GS1 human-readable form: GTIN, lot and expiry.
    pub(crate) async fn udi(&self) -> Option<&str> {
        self.0.udi.as_deref()
    }
    /// Heat number (bar lots): the mill's key for the melt.
    pub(crate) async fn heat_number(&self) -> Option<&str> {
        self.0.heat_number.as_deref()
    }
    /// Mill (bar lots).
    pub(crate) async fn mill(&self) -> Option<&str> {
        self.0.mill.as_deref()
    }
    /// Standard, e.g. ASTM F136 (bar lots).
    pub(crate) async fn standard(&self) -> Option<&str> {
        self.0.standard.as_deref()
    }
    /// Material grade (bar lots).
    pub(crate) async fn grade(&self) -> Option<&str> {
        self.0.grade.as_deref()
    }
    /// Bar diameter in mm (bar lots).
    pub(crate) async fn bar_diameter_mm(&self) -> Option<Decimal> {
        self.0.bar_diameter_um.map(|v| from_milli(v).into())
    }
    /// Length of one bar in mm (bar lots).
    pub(crate) async fn bar_length_mm(&self) -> Option<i32> {
        self.0.bar_length_mm
    }
    /// Certificate type, EN 10204 3.1 or 3.2 (bar lots).
    pub(crate) async fn certificate_type(&self) -> Option<&str> {
        self.0.certificate_type.as_deref()
    }
    /// Certificate reference (bar lots).
    pub(crate) async fn certificate_ref(&self) -> Option<&str> {
        self.0.certificate_ref.as_deref()
    }
    /// Chemistry results as given (bar lots).
    pub(crate) async fn chemistry(&self) -> Option<&str> {
        self.0.chemistry.as_deref()
    }
    /// Mechanical results as given (bar lots).
    pub(crate) async fn mechanical(&self) -> Option<&str> {
        self.0.mechanical.as_deref()
    }
    /// Supplier's GTIN (blank lots).
    pub(crate) async fn supplier_gtin(&self) -> Option<&str> {
        self.0.supplier_gtin.as_deref()
    }
    /// Supplier's lot (blank lots).
    pub(crate) async fn supplier_lot(&self) -> Option<&str> {
        self.0.supplier_lot.as_deref()
    }
    /// Where the lot lies and how much, per location.
    pub(crate) async fn stock(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<StockLineObj>> {
        Ok(self
            .lines(ctx)
            .await?
            .into_iter()
            .map(StockLineObj)
            .collect())
    }
    /// The lot's quantities summed over locations.
    pub(crate) async fn quantities(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<StockQuantities> {
        Ok(service::sum(&self.lines(ctx).await?, today()).into())
    }
    /// The lot's ledger, oldest first.
    #[graphql(
        complexity = "2 + first.or(last).unwrap_or(50).clamp(0, 500) as usize * child_complexity"
    )]
    pub(crate) async fn movements(
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
    /// The open reservations of this lot, oldest first (at most as many as
    /// the lot has units).
    pub(crate) async fn open_reservations(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<Reservation>> {
        let all = ctx
            .data::<DataLoader<ByParentLoader<reservation::Entity>>>()?
            .load_one(self.0.id)
            .await
            .map_err(loader_error)?
            .unwrap_or_default();
        Ok(all
            .into_iter()
            .filter(|r| r.status == ReservationStatus::Open)
            .map(Reservation)
            .collect())
    }
    /// The production job that made this lot; null for a lot received from outside.
    pub(crate) async fn produced_by(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::manufacturing::graphql::ProductionJob>> {
        crate::manufacturing::graphql::produced_by(ctx, self.0.id).await
    }
    /// The lots this lot was made from (one genealogy level up), with quantities.
    pub(crate) async fn made_from(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::manufacturing::graphql::GenealogyLink>> {
        crate::manufacturing::graphql::made_from(ctx, self.0.id).await
    }
    /// The lots made from this lot (one genealogy level down), with quantities.
    pub(crate) async fn used_in(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::manufacturing::graphql::GenealogyLink>> {
        crate::manufacturing::graphql::used_in(ctx, self.0.id).await
    }
}

impl Lot {
    /// The lot's non-empty balances, through the loaders, so a list of lots
    /// costs one query for balances and one for locations, whatever its length.
    pub(crate) async fn lines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<StockLine>> {
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
    fn parent_of(m: &Self::Model) -> Option<i64> {
        Some(m.lot_id)
    }
    fn order(q: sea_orm::Select<Self>) -> sea_orm::Select<Self> {
        use sea_orm::QueryOrder;
        q.order_by_asc(stock_balance::Column::LocationId)
    }
}

impl ByParent for reservation::Entity {
    fn parent_column() -> Self::Column {
        reservation::Column::LotId
    }
    fn parent_of(m: &Self::Model) -> Option<i64> {
        Some(m.lot_id)
    }
    fn order(q: sea_orm::Select<Self>) -> sea_orm::Select<Self> {
        use sea_orm::QueryOrder;
        q.order_by_asc(reservation::Column::Id)
    }
}

/// A balance: one lot at one location.
pub struct StockLineObj(pub StockLine);

/// A balance: one lot at one location.
#[Object(name = "StockLine")]
impl StockLineObj {
    /// The lot.
    pub(crate) async fn lot(&self) -> Lot {
        Lot(self.0.lot.clone())
    }
    /// The location.
    pub(crate) async fn location(&self) -> Location {
        Location(self.0.location.clone())
    }
    /// Physically present.
    pub(crate) async fn on_hand(&self) -> i64 {
        self.0.on_hand
    }
    /// Promised by open reservations.
    pub(crate) async fn reserved(&self) -> i64 {
        self.0.reserved
    }
    /// Can be promised now (0 unless released, unexpired, in a STOCK location).
    pub(crate) async fn available(&self) -> i64 {
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
    pub(crate) async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// Why.
    pub(crate) async fn reason(&self) -> MovementReason {
        self.0.reason
    }
    /// How many, in the item's unit.
    pub(crate) async fn quantity(&self) -> i64 {
        self.0.quantity
    }
    /// Where from; null for receipts and upward adjustments.
    #[graphql(name = "fromLocation")]
    pub(crate) async fn source_location(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Location>> {
        match self.0.from_location_id {
            Some(l) => Ok(Some(Location(
                load::<location::Entity>(ctx, l, "location").await?,
            ))),
            None => Ok(None),
        }
    }
    /// Where to; null for shipments, scrap and downward adjustments.
    pub(crate) async fn to_location(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Location>> {
        match self.0.to_location_id {
            Some(l) => Ok(Some(Location(
                load::<location::Entity>(ctx, l, "location").await?,
            ))),
            None => Ok(None),
        }
    }
    /// The reference document: case, job, order, count or reason.
    pub(crate) async fn reference(&self) -> &str {
        &self.0.reference
    }
    /// Who.
    pub(crate) async fn actor_name(&self) -> &str {
        &self.0.actor_name
    }
    /// Detail, e.g. `QUARANTINE → RELEASED` or `counted 8, system had 10`.
    pub(crate) async fn note(&self) -> Option<&str> {
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
    pub(crate) async fn lot(&self, ctx: &Context<'_>) -> async_graphql::Result<Lot> {
        Ok(Lot(load::<lot::Entity>(ctx, self.0.lot_id, "lot").await?))
    }
    /// The location.
    pub(crate) async fn location(&self, ctx: &Context<'_>) -> async_graphql::Result<Location> {
        Ok(Location(
            load::<location::Entity>(ctx, self.0.location_id, "location").await?,
        ))
    }
    /// How many.
    pub(crate) async fn quantity(&self) -> i64 {
        self.0.quantity
    }
    /// What for: a case, an order.
    pub(crate) async fn reference(&self) -> &str {
        &self.0.reference
    }
    /// Open, released or shipped.
    pub(crate) async fn status(&self) -> ReservationStatus {
        self.0.status
    }
    /// When it was made.
    pub(crate) async fn created_at(&self) -> DateTime<Utc> {
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
