//! The catalogue's object types and filters: makers, systems, platforms, SKUs, compatibility.

use super::*;

/// An implant maker, e.g. Straumann or Nobel Biocare.
pub struct Manufacturer(pub manufacturer::Model);

impl From<manufacturer::Model> for Manufacturer {
    fn from(m: manufacturer::Model) -> Self {
        Self(m)
    }
}

/// An implant maker, e.g. Straumann or Nobel Biocare.
#[Object]
impl Manufacturer {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("Manufacturer", self.0.id)
    }
    /// The maker's name.
    pub(crate) async fn name(&self) -> &str {
        &self.0.name
    }
    /// Country of the maker, when known.
    pub(crate) async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }
}

/// An implant system (product line) with its connection, e.g. NobelActive.
pub struct ImplantSystem(pub implant_system::Model);

impl From<implant_system::Model> for ImplantSystem {
    fn from(m: implant_system::Model) -> Self {
        Self(m)
    }
}

/// An implant system (product line) with its connection, e.g. NobelActive.
#[Object]
impl ImplantSystem {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("ImplantSystem", self.0.id)
    }
    /// The system's name without the maker, e.g. `NobelActive`.
    pub(crate) async fn name(&self) -> &str {
        &self.0.name
    }
    /// How abutments seat in this system's implants.
    pub(crate) async fn connection(&self) -> ConnectionType {
        self.0.connection
    }
    /// Facts about the connection, with uncertain values marked (?).
    pub(crate) async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// The maker of the system.
    pub(crate) async fn manufacturer(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Manufacturer> {
        Ok(
            load_one::<manufacturer::Entity>(ctx, self.0.manufacturer_id, "manufacturer")
                .await?
                .into(),
        )
    }
    /// The system's platforms, narrowest first.
    pub(crate) async fn platforms(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<Platform>> {
        Ok(load_children::<platform::Entity>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(Platform)
            .collect())
    }
}

/// A platform of an implant system (NP, RP, WP, 3.5 …): the unit of fit.
pub struct Platform(pub platform::Model);

impl From<platform::Model> for Platform {
    fn from(m: platform::Model) -> Self {
        Self(m)
    }
}

/// A platform of an implant system (NP, RP, WP, 3.5 …): the unit of fit.
#[Object]
impl Platform {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("Platform", self.0.id)
    }
    /// The platform's name within its system, e.g. `NP` or `3.5`.
    pub(crate) async fn name(&self) -> &str {
        &self.0.name
    }
    /// Platform diameter in millimetres (sources disagree for some; the name is the key).
    pub(crate) async fn diameter_mm(&self) -> Decimal {
        from_milli(self.0.diameter_um).into()
    }
    /// Seating positions of the connection's index (hex 6, octagon 8,
    /// tri-channel 3); null when the connection has no index.
    pub(crate) async fn index_positions(&self) -> Option<i32> {
        self.0.index_positions
    }
    /// The implant system the platform belongs to.
    pub(crate) async fn system(&self, ctx: &Context<'_>) -> async_graphql::Result<ImplantSystem> {
        Ok(
            load_one::<implant_system::Entity>(ctx, self.0.system_id, "implant system")
                .await?
                .into(),
        )
    }
}

/// One of our abutment articles.
pub struct AbutmentSku(pub abutment_sku::Model);

impl From<abutment_sku::Model> for AbutmentSku {
    fn from(m: abutment_sku::Model) -> Self {
        Self(m)
    }
}

/// One of our abutment articles.
#[Object]
impl AbutmentSku {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("AbutmentSku", self.0.id)
    }
    /// Our article number.
    pub(crate) async fn article_number(&self) -> &str {
        &self.0.article_number
    }
    /// GTIN-14 (the UDI device identifier), check digit validated.
    pub(crate) async fn gtin(&self) -> &str {
        &self.0.gtin
    }
    /// Human-readable name.
    pub(crate) async fn name(&self) -> &str {
        &self.0.name
    }
    /// Kind of abutment.
    pub(crate) async fn abutment_type(&self) -> AbutmentType {
        self.0.abutment_type
    }
    /// Material.
    pub(crate) async fn material(&self) -> Material {
        self.0.material
    }
    /// Gingival (cuff) height in millimetres.
    pub(crate) async fn gingival_height_mm(&self) -> Decimal {
        from_milli(self.0.gingival_height_um).into()
    }
    /// Angulation in degrees (0 for straight parts).
    pub(crate) async fn angulation_deg(&self) -> Decimal {
        from_milli(self.0.angulation_mdeg).into()
    }
    /// Post height in millimetres, when the part has a post.
    pub(crate) async fn post_height_mm(&self) -> Option<Decimal> {
        self.0.post_height_um.map(|v| from_milli(v).into())
    }
    /// Diameter in millimetres, when given.
    pub(crate) async fn diameter_mm(&self) -> Option<Decimal> {
        self.0.diameter_um.map(|v| from_milli(v).into())
    }
    /// Engaging (indexed, anti-rotation; for single crowns) or not (bridges, bars).
    pub(crate) async fn engaging(&self) -> bool {
        self.0.engaging
    }
    /// Shipped sterile-packed (and so with an expiry).
    pub(crate) async fn sterile(&self) -> bool {
        self.0.sterile
    }
    /// Shelf life in months of a sterile part; null when not sterile.
    pub(crate) async fn shelf_life_months(&self) -> Option<i32> {
        self.0.shelf_life_months
    }
    /// Whether the SKU is still sold.
    pub(crate) async fn status(&self) -> SkuStatus {
        self.0.status
    }
    /// What can be promised of this SKU now: units available, reserved, the
    /// earliest expiry of the available lots, or custom only. Loaded for a
    /// whole list at once.
    pub(crate) async fn availability(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<SkuAvailability> {
        let loader = ctx.data::<DataLoader<AvailabilityLoader, HashMapCache>>()?;
        let a = loader
            .load_one(self.0.id)
            .await
            .map_err(|e| AppError::Internal(format!("availability loader: {e}")))?
            .unwrap_or_default();
        Ok(SkuAvailability(a))
    }
    /// Every implant system platform this SKU fits, with the source of the claim.
    pub(crate) async fn fits(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<Compatibility>> {
        Ok(load_children::<sku_platform::Entity>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(Compatibility)
            .collect())
    }
}

/// What can be promised of a SKU now.
pub struct SkuAvailability(pub Availability);

/// What can be promised of a SKU now, by the same rule as reservations and
/// case matching: units of released, unexpired lots on stock shelves.
#[Object]
impl SkuAvailability {
    /// Units that can be promised now: released, unexpired, on a stock
    /// shelf, not reserved.
    pub(crate) async fn available(&self) -> i64 {
        self.0.available
    }
    /// Units of such lots already promised by open reservations.
    pub(crate) async fn reserved(&self) -> i64 {
        self.0.reserved
    }
    /// The earliest expiry date among the lots with available units (the
    /// lot a reservation would take first); null when nothing is available
    /// or the available lots do not expire.
    pub(crate) async fn earliest_expiry(&self) -> Option<Date> {
        self.0.earliest_expiry.map(Date)
    }
    /// True when nothing is available now: a case needing this SKU is
    /// served by a custom part (milled to order), as case matching would
    /// offer.
    pub(crate) async fn custom_only(&self) -> bool {
        self.0.available == 0
    }
}

/// A fit: this SKU fits this platform, according to a source.
pub struct Compatibility(pub sku_platform::Model);

/// A fit: this SKU fits this platform, according to a source.
#[Object]
impl Compatibility {
    /// Where the claim comes from: MANUFACTURER_SPEC, FIT_TEST, THIRD_PARTY_CLAIM …
    pub(crate) async fn source(&self) -> &str {
        &self.0.source
    }
    /// Remarks on the fit (test date, limits).
    pub(crate) async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// The platform fitted.
    pub(crate) async fn platform(&self, ctx: &Context<'_>) -> async_graphql::Result<Platform> {
        Ok(
            load_one::<platform::Entity>(ctx, self.0.platform_id, "platform")
                .await?
                .into(),
        )
    }
    /// The SKU that fits.
    pub(crate) async fn sku(&self, ctx: &Context<'_>) -> async_graphql::Result<AbutmentSku> {
        Ok(load_one::<abutment_sku::Entity>(ctx, self.0.sku_id, "SKU")
            .await?
            .into())
    }
}

connection_type!(
    ManufacturerConnection,
    ManufacturerEdge,
    Manufacturer,
    "manufacturers"
);
connection_type!(
    ImplantSystemConnection,
    ImplantSystemEdge,
    ImplantSystem,
    "implant systems"
);
connection_type!(
    AbutmentSkuConnection,
    AbutmentSkuEdge,
    AbutmentSku,
    "abutment SKUs"
);

/// A page of SKUs that fit one platform (Relay connection).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct CompatibleAbutmentConnection {
    /// The platform asked about, resolved from its id or names.
    pub platform: Platform,
    /// The fitting SKUs of this page, each with its cursor and fit record.
    pub edges: Vec<CompatibleAbutmentEdge>,
    /// Whether more pages exist, and the cursors to reach them.
    pub page_info: crate::graphql::pagination::PageInfo,
    /// How many SKUs fit, over all pages.
    pub total_count: u64,
}

#[ComplexObject]
impl CompatibleAbutmentConnection {
    /// The implant system of the platform.
    pub(crate) async fn system(&self, ctx: &Context<'_>) -> async_graphql::Result<ImplantSystem> {
        Ok(
            load_one::<implant_system::Entity>(ctx, self.platform.0.system_id, "implant system")
                .await?
                .into(),
        )
    }
}

/// A SKU that fits the platform, with the fit record.
#[derive(SimpleObject)]
pub struct CompatibleAbutmentEdge {
    /// Opaque position; pass it as `after` to continue.
    pub cursor: String,
    /// The SKU.
    pub node: AbutmentSku,
    /// Why we say it fits: source and notes.
    pub fit: Compatibility,
}

/// Optional filters on SKUs. Lengths in millimetres, angles in degrees.
#[derive(InputObject, Default)]
pub struct SkuFilterInput {
    /// Only these abutment types.
    #[graphql(default)]
    pub types: Vec<AbutmentType>,
    /// Only these materials.
    #[graphql(default)]
    pub materials: Vec<Material>,
    /// Lowest gingival height (mm, ≥ 0).
    pub gingival_height_min: Option<Decimal>,
    /// Highest gingival height (mm).
    pub gingival_height_max: Option<Decimal>,
    /// Exactly this angulation (degrees, 0–45).
    pub angulation: Option<Decimal>,
    /// Lowest angulation (degrees).
    pub angulation_min: Option<Decimal>,
    /// Highest angulation (degrees).
    pub angulation_max: Option<Decimal>,
    /// Engaging (true) or non-engaging (false) parts only.
    pub engaging: Option<bool>,
    /// Also list discontinued SKUs (default: active only).
    #[graphql(default)]
    pub include_discontinued: bool,
    /// Article number or name contains this text (case-insensitive).
    pub search: Option<String>,
    /// True: only SKUs with units available now (released, unexpired, on a
    /// stock shelf, not reserved); false: only SKUs without; null: either.
    /// Applied before paging, so `totalCount` and the pages count only
    /// these.
    pub in_stock: Option<bool>,
}

/// The filter of a query: the input, with the in-stock subquery from the
/// request's stock answers when `inStock` is given.
pub(crate) fn sku_filter(
    ctx: &Context<'_>,
    input: Option<SkuFilterInput>,
) -> async_graphql::Result<SkuFilter> {
    let Some(input) = input else {
        return Ok(SkuFilter::default());
    };
    let in_stock = match input.in_stock {
        Some(wanted) => Some(InStock {
            wanted,
            skus: ctx.data::<Stock>()?.0.skus_in_stock(),
        }),
        None => None,
    };
    let mut f = SkuFilter::from(input);
    f.in_stock = in_stock;
    Ok(f)
}

impl From<SkuFilterInput> for SkuFilter {
    fn from(f: SkuFilterInput) -> Self {
        SkuFilter {
            types: f.types,
            materials: f.materials,
            gingival_height_min: f.gingival_height_min.map(|d| d.0),
            gingival_height_max: f.gingival_height_max.map(|d| d.0),
            angulation: f.angulation.map(|d| d.0),
            angulation_min: f.angulation_min.map(|d| d.0),
            angulation_max: f.angulation_max.map(|d| d.0),
            engaging: f.engaging,
            include_discontinued: f.include_discontinued,
            search: f.search,
            in_stock: None,
        }
    }
}
