//! GraphQL types and resolvers of the catalogue. Resolvers are thin: read the
//! context, call one service function, convert the error.

use async_graphql::{
    ComplexObject, Context, ID, InputObject, Object, SimpleObject,
    dataloader::{DataLoader, HashMapCache},
};
use entity::{
    abutment_sku,
    enums::{AbutmentType, ConnectionType, Material, SkuStatus},
    implant_system, manufacturer, platform, sku_platform,
};
use sea_orm::{DatabaseConnection, QueryOrder, Select};

use super::{
    service::{self, PlatformRef, SkuFilter, SkuInput, UpsertOutcome},
    units::from_milli,
};
use crate::{
    connection_type,
    error::{AppError, ErrorCode, UserError},
    graphql::{
        batch::BatchQueue,
        db, ids,
        loaders::{self, ById, ByIdLoader, ByParent, ByParentLoader, loader_error, required},
        pagination::PageArgs,
        scalars::Decimal,
    },
    impl_by_id,
    import::{self, ImportError, ImportKind, ImportReport},
};

impl_by_id!(manufacturer, implant_system, platform, abutment_sku);

impl ByParent for platform::Entity {
    fn parent_column() -> Self::Column {
        platform::Column::SystemId
    }
    fn parent_of(m: &Self::Model) -> i64 {
        m.system_id
    }
    fn order(q: Select<Self>) -> Select<Self> {
        q.order_by_asc(platform::Column::DiameterUm)
            .order_by_asc(platform::Column::NameKey)
    }
}

impl ByParent for sku_platform::Entity {
    fn parent_column() -> Self::Column {
        sku_platform::Column::SkuId
    }
    fn parent_of(m: &Self::Model) -> i64 {
        m.sku_id
    }
    fn order(q: Select<Self>) -> Select<Self> {
        q.order_by_asc(sku_platform::Column::PlatformId)
    }
}

/// Attaches the catalogue's DataLoaders to a request.
pub fn attach_loaders(
    r: async_graphql::Request,
    db: &DatabaseConnection,
    q: &BatchQueue,
) -> async_graphql::Request {
    r.data(loaders::by_id::<manufacturer::Entity>(db, q))
        .data(loaders::by_id::<implant_system::Entity>(db, q))
        .data(loaders::by_id::<platform::Entity>(db, q))
        .data(loaders::by_id::<abutment_sku::Entity>(db, q))
        .data(loaders::by_parent::<platform::Entity>(db, q))
        .data(loaders::by_parent::<sku_platform::Entity>(db, q))
}

async fn load_one<E: ById>(
    ctx: &Context<'_>,
    id: i64,
    what: &str,
) -> async_graphql::Result<E::Model>
where
    E::Model: Sync,
{
    let loader = ctx.data::<DataLoader<ByIdLoader<E>, HashMapCache>>()?;
    required(loader.load_one(id).await.map_err(loader_error)?, what, id)
}

async fn load_children<E: ByParent>(
    ctx: &Context<'_>,
    parent: i64,
) -> async_graphql::Result<Vec<E::Model>>
where
    E::Model: Sync,
{
    let loader = ctx.data::<DataLoader<ByParentLoader<E>>>()?;
    Ok(loader
        .load_one(parent)
        .await
        .map_err(loader_error)?
        .unwrap_or_default())
}

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
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Country of the maker, when known.
    async fn country(&self) -> Option<&str> {
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
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// How abutments seat in this system's implants.
    async fn connection(&self) -> ConnectionType {
        self.0.connection
    }
    /// Facts about the connection, with uncertain values marked (?).
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// The maker of the system.
    async fn manufacturer(&self, ctx: &Context<'_>) -> async_graphql::Result<Manufacturer> {
        Ok(
            load_one::<manufacturer::Entity>(ctx, self.0.manufacturer_id, "manufacturer")
                .await?
                .into(),
        )
    }
    /// The system's platforms, narrowest first.
    async fn platforms(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Platform>> {
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
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Platform diameter in millimetres (sources disagree for some; the name is the key).
    async fn diameter_mm(&self) -> Decimal {
        from_milli(self.0.diameter_um).into()
    }
    /// Seating positions of the connection's index (hex 6, octagon 8,
    /// tri-channel 3); null when the connection has no index.
    async fn index_positions(&self) -> Option<i32> {
        self.0.index_positions
    }
    /// The implant system the platform belongs to.
    async fn system(&self, ctx: &Context<'_>) -> async_graphql::Result<ImplantSystem> {
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
    async fn article_number(&self) -> &str {
        &self.0.article_number
    }
    /// GTIN-14 (the UDI device identifier), check digit validated.
    async fn gtin(&self) -> &str {
        &self.0.gtin
    }
    /// Human-readable name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Kind of abutment.
    async fn abutment_type(&self) -> AbutmentType {
        self.0.abutment_type
    }
    /// Material.
    async fn material(&self) -> Material {
        self.0.material
    }
    /// Gingival (cuff) height in millimetres.
    async fn gingival_height_mm(&self) -> Decimal {
        from_milli(self.0.gingival_height_um).into()
    }
    /// Angulation in degrees (0 for straight parts).
    async fn angulation_deg(&self) -> Decimal {
        from_milli(self.0.angulation_mdeg).into()
    }
    /// Post height in millimetres, when the part has a post.
    async fn post_height_mm(&self) -> Option<Decimal> {
        self.0.post_height_um.map(|v| from_milli(v).into())
    }
    /// Diameter in millimetres, when given.
    async fn diameter_mm(&self) -> Option<Decimal> {
        self.0.diameter_um.map(|v| from_milli(v).into())
    }
    /// Engaging (indexed, anti-rotation; for single crowns) or not (bridges, bars).
    async fn engaging(&self) -> bool {
        self.0.engaging
    }
    /// Shipped sterile-packed (and so with an expiry).
    async fn sterile(&self) -> bool {
        self.0.sterile
    }
    /// Shelf life in months of a sterile part; null when not sterile.
    async fn shelf_life_months(&self) -> Option<i32> {
        self.0.shelf_life_months
    }
    /// Whether the SKU is still sold.
    async fn status(&self) -> SkuStatus {
        self.0.status
    }
    /// Every implant system platform this SKU fits, with the source of the claim.
    async fn fits(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Compatibility>> {
        Ok(load_children::<sku_platform::Entity>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(Compatibility)
            .collect())
    }
}

/// A fit: this SKU fits this platform, according to a source.
pub struct Compatibility(pub sku_platform::Model);

/// A fit: this SKU fits this platform, according to a source.
#[Object]
impl Compatibility {
    /// Where the claim comes from: MANUFACTURER_SPEC, FIT_TEST, THIRD_PARTY_CLAIM …
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// Remarks on the fit (test date, limits).
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// The platform fitted.
    async fn platform(&self, ctx: &Context<'_>) -> async_graphql::Result<Platform> {
        Ok(
            load_one::<platform::Entity>(ctx, self.0.platform_id, "platform")
                .await?
                .into(),
        )
    }
    /// The SKU that fits.
    async fn sku(&self, ctx: &Context<'_>) -> async_graphql::Result<AbutmentSku> {
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
    async fn system(&self, ctx: &Context<'_>) -> async_graphql::Result<ImplantSystem> {
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
        }
    }
}

/// Catalogue queries.
#[derive(Default)]
pub struct CatalogQuery;

#[Object]
impl CatalogQuery {
    /// "What fits this implant?": our SKUs that fit a platform, named by
    /// `platformId` or by `system` and `platform` names (case-insensitive,
    /// e.g. `NobelActive` / `NP`; add `manufacturer` when two makers use the
    /// same system name). Sorted by type, gingival height, angulation,
    /// engaging first, article number.
    #[graphql(
        complexity = "5 + first.or(last).unwrap_or(50).clamp(0, 500) as usize * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn compatible_abutments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the platform.")] platform_id: Option<ID>,
        #[graphql(desc = "Manufacturer name, to disambiguate the system.")] manufacturer: Option<
            String,
        >,
        #[graphql(desc = "Implant system name, e.g. `NobelActive`.")] system: Option<String>,
        #[graphql(desc = "Platform name within the system, e.g. `NP`.")] platform: Option<String>,
        #[graphql(desc = "Optional filters.")] filter: Option<SkuFilterInput>,
        #[graphql(desc = "Page size (default 50, capped).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (capped); not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor to continue before, paging backward.")] before: Option<String>,
    ) -> async_graphql::Result<CompatibleAbutmentConnection> {
        let db = db(ctx)?;
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_ctx(ctx)?;
        let r = PlatformRef {
            id: platform_id
                .map(|id| ids::decode(&id, "Platform", "platformId"))
                .transpose()?,
            manufacturer,
            system,
            platform,
        };
        let p = service::resolve_platform(db, &r).await?;
        // Every edge's fit points at this platform: hand it to the loader.
        ctx.data::<DataLoader<ByIdLoader<platform::Entity>, HashMapCache>>()?
            .feed_one(p.id, p.clone())
            .await;
        let filter: SkuFilter = filter.map(Into::into).unwrap_or_default();
        let (rows, total_count) = service::compatible_skus(db, p.id, &filter, &page).await?;
        let (items, page_info) =
            crate::graphql::pagination::finish(&page, rows, |(_, fit)| service::fit_key(fit));
        Ok(CompatibleAbutmentConnection {
            platform: Platform(p),
            edges: items
                .into_iter()
                .map(|(cursor, (sku, fit))| CompatibleAbutmentEdge {
                    cursor,
                    node: AbutmentSku(sku),
                    fit: Compatibility(fit),
                })
                .collect(),
            page_info,
            total_count,
        })
    }

    /// Our SKUs, filtered, in catalogue order.
    #[graphql(
        complexity = "2 + first.or(last).unwrap_or(50).clamp(0, 500) as usize * child_complexity"
    )]
    async fn abutment_skus(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Optional filters.")] filter: Option<SkuFilterInput>,
        #[graphql(desc = "Page size (default 50, capped).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (capped); not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor to continue before, paging backward.")] before: Option<String>,
    ) -> async_graphql::Result<AbutmentSkuConnection> {
        let db = db(ctx)?;
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_ctx(ctx)?;
        let filter: SkuFilter = filter.map(Into::into).unwrap_or_default();
        let (rows, total) = service::list_skus(db, &filter, &page).await?;
        Ok(AbutmentSkuConnection::build(
            &page,
            rows,
            total,
            service::sku_key,
            AbutmentSku,
        ))
    }

    /// One SKU by global id, article number or GTIN (exactly one of them).
    async fn abutment_sku(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id.")] id: Option<ID>,
        #[graphql(desc = "Article number.")] article_number: Option<String>,
        #[graphql(desc = "GTIN (8, 12, 13 or 14 digits).")] gtin: Option<String>,
    ) -> async_graphql::Result<AbutmentSku> {
        let db = db(ctx)?;
        let found = match id {
            Some(id) if article_number.is_none() && gtin.is_none() => {
                service::sku(db, ids::decode(&id, "AbutmentSku", "id")?).await?
            }
            Some(_) => {
                return Err(AppError::bad_input(
                    "id",
                    "give exactly one of id, articleNumber or gtin",
                )
                .into());
            }
            None => service::sku_by_code(db, article_number.as_deref(), gtin.as_deref()).await?,
        };
        let key = article_number.or(gtin).unwrap_or_else(|| "given id".into());
        Ok(found
            .ok_or_else(|| AppError::not_found("abutment SKU", key))?
            .into())
    }

    /// Implant systems whose name or maker's name contains `search`
    /// (case-insensitive), optionally of one maker or connection type.
    #[graphql(
        complexity = "2 + first.or(last).unwrap_or(50).clamp(0, 500) as usize * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn implant_systems(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Text in the system's or the maker's name.")] search: Option<String>,
        #[graphql(desc = "Exact maker name (case-insensitive).")] manufacturer: Option<String>,
        #[graphql(desc = "Only systems with this connection.")] connection: Option<ConnectionType>,
        #[graphql(desc = "Page size (default 50, capped).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (capped); not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor to continue before, paging backward.")] before: Option<String>,
    ) -> async_graphql::Result<ImplantSystemConnection> {
        let db = db(ctx)?;
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_ctx(ctx)?;
        let (rows, total) = service::list_systems(
            db,
            search.as_deref(),
            manufacturer.as_deref(),
            connection,
            &page,
        )
        .await?;
        Ok(ImplantSystemConnection::build(
            &page,
            rows,
            total,
            service::system_key,
            |(s, _)| ImplantSystem(s),
        ))
    }

    /// One implant system by global id, or by name (plus maker when ambiguous).
    async fn implant_system(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id.")] id: Option<ID>,
        #[graphql(desc = "Maker name.")] manufacturer: Option<String>,
        #[graphql(desc = "System name, e.g. `Bone Level`.")] name: Option<String>,
    ) -> async_graphql::Result<ImplantSystem> {
        let db = db(ctx)?;
        let m = match (id, name) {
            (Some(id), None) => service::system(db, ids::decode(&id, "ImplantSystem", "id")?)
                .await?
                .ok_or_else(|| AppError::not_found("implant system", id.to_string()))?,
            (None, Some(name)) => {
                service::system_by_name(db, manufacturer.as_deref(), &name).await?
            }
            _ => return Err(AppError::bad_input("name", "give exactly one of id or name").into()),
        };
        Ok(m.into())
    }

    /// One platform by global id, or by system and platform names.
    async fn platform(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id.")] id: Option<ID>,
        #[graphql(desc = "Maker name, to disambiguate the system.")] manufacturer: Option<String>,
        #[graphql(desc = "System name.")] system: Option<String>,
        #[graphql(desc = "Platform name within the system.")] name: Option<String>,
    ) -> async_graphql::Result<Platform> {
        let db = db(ctx)?;
        let r = PlatformRef {
            id: id
                .map(|id| ids::decode(&id, "Platform", "id"))
                .transpose()?,
            manufacturer,
            system,
            platform: name,
        };
        Ok(service::resolve_platform(db, &r).await?.into())
    }

    /// Implant makers by name.
    #[graphql(
        complexity = "2 + first.or(last).unwrap_or(50).clamp(0, 500) as usize * child_complexity"
    )]
    async fn manufacturers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 50, capped).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (capped); not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor to continue before, paging backward.")] before: Option<String>,
    ) -> async_graphql::Result<ManufacturerConnection> {
        let db = db(ctx)?;
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_ctx(ctx)?;
        let (rows, total) = service::list_manufacturers(db, &page).await?;
        Ok(ManufacturerConnection::build(
            &page,
            rows,
            total,
            service::manufacturer_key,
            Manufacturer,
        ))
    }
}

/// A catalogue CSV to import.
#[derive(InputObject)]
pub struct ImportCatalogCsvInput {
    /// What the CSV holds.
    pub kind: ImportKind,
    /// The CSV text, header line first. Newlines are allowed; at most
    /// 2,000,000 characters (the request body limit applies too).
    /// Control characters are refused cell by cell, each with its line and column.
    pub csv: String,
    /// File name used in error messages (default: the kind's usual name, e.g. `skus.csv`).
    pub file_name: Option<String>,
    /// Check and report without writing anything.
    #[graphql(default)]
    pub dry_run: bool,
}

/// Result of a catalogue import: a report, or every bad row.
#[derive(SimpleObject)]
pub struct ImportCatalogCsvPayload {
    /// What was (or in a dry run would be) created, updated or left unchanged; null on errors.
    pub report: Option<ImportReport>,
    /// The problems found, each naming line and column, in line order: at most
    /// the first 1,000, then one entry without a line counting the rest.
    /// Nothing was written when non-empty.
    pub user_errors: Vec<UserError>,
    /// How many problems the file has in all, listed in `userErrors` or not; 0 on success.
    pub error_count: u64,
}

/// A SKU to create or update (matched by article number).
#[derive(InputObject)]
pub struct UpsertAbutmentSkuInput {
    /// Our article number (the natural key).
    pub article_number: String,
    /// GTIN; 8, 12, 13 or 14 digits with a valid check digit; stored as GTIN-14.
    pub gtin: String,
    /// Human-readable name.
    pub name: String,
    /// Kind of abutment.
    pub abutment_type: AbutmentType,
    /// Material.
    pub material: Material,
    /// Gingival (cuff) height, 0–10 mm.
    pub gingival_height_mm: Decimal,
    /// Angulation, 0–45°.
    pub angulation_deg: Decimal,
    /// Post height, 0–20 mm.
    pub post_height_mm: Option<Decimal>,
    /// Diameter, 0.5–15 mm.
    pub diameter_mm: Option<Decimal>,
    /// Engaging (indexed) part.
    pub engaging: bool,
    /// Sterile-packed; then `shelfLifeMonths` is required.
    pub sterile: bool,
    /// Shelf life of a sterile part, 1–120 months.
    pub shelf_life_months: Option<i32>,
    /// Sold or discontinued (default ACTIVE).
    #[graphql(default_with = "SkuStatus::Active")]
    pub status: SkuStatus,
}

/// Result of a SKU upsert.
#[derive(SimpleObject)]
pub struct UpsertAbutmentSkuPayload {
    /// The SKU as stored; null on errors.
    pub sku: Option<AbutmentSku>,
    /// Whether the SKU was created, changed or already so; null on errors.
    pub outcome: Option<UpsertOutcome>,
    /// Every problem with the input; nothing was written when non-empty.
    pub user_errors: Vec<UserError>,
}

/// An import's result as a payload: the report, or every bad row as a user error.
pub fn import_payload(
    r: Result<ImportReport, ImportError>,
) -> async_graphql::Result<ImportCatalogCsvPayload> {
    match r {
        Ok(report) => Ok(ImportCatalogCsvPayload {
            report: Some(report),
            user_errors: vec![],
            error_count: 0,
        }),
        Err(ImportError::Rows(rows)) => {
            let error_count = rows.total();
            let note = rows.unlisted_note();
            let mut user_errors: Vec<UserError> = rows
                .listed
                .into_iter()
                .map(|r| UserError {
                    code: ErrorCode::BadUserInput,
                    field: r.column.iter().cloned().collect(),
                    line: Some(r.line),
                    message: r.to_string(),
                })
                .collect();
            user_errors.extend(note.map(|message| UserError {
                code: ErrorCode::BadUserInput,
                field: vec![],
                line: None,
                message,
            }));
            Ok(ImportCatalogCsvPayload {
                report: None,
                user_errors,
                error_count,
            })
        }
        Err(ImportError::Db(e)) => Err(AppError::Db(e).into()),
    }
}

/// Catalogue mutations.
#[derive(Default)]
pub struct CatalogMutation;

#[Object]
impl CatalogMutation {
    /// Imports a catalogue CSV: all rows or none, upserting by natural key.
    async fn import_catalog_csv(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file and how to import it.")] input: ImportCatalogCsvInput,
        #[graphql(
            name = "idempotencyKey",
            desc = "A key of your choice: a retry with the same key and input returns the first result without importing again."
        )]
        _idempotency_key: Option<String>,
    ) -> async_graphql::Result<ImportCatalogCsvPayload> {
        let db = db(ctx)?;
        let actor = match ctx.data::<crate::access::Caller>()?.principal() {
            Some(p) => crate::inventory::Actor::from(p),
            None => return Err(AppError::Unauthenticated.into()),
        };
        if input.kind == ImportKind::Stock {
            return Err(
                AppError::bad_input("input.kind", "stock is imported with importStockCsv").into(),
            );
        }
        let file = input
            .file_name
            .unwrap_or_else(|| input.kind.file_name().to_owned());
        let r = import::import_csv(
            db,
            &actor,
            input.kind,
            &file,
            input.csv.as_bytes(),
            input.dry_run,
        )
        .await;
        import_payload(r)
    }

    /// Creates or updates one SKU by article number; every invalid field is reported.
    async fn upsert_abutment_sku(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The SKU's values.")] input: UpsertAbutmentSkuInput,
        #[graphql(
            name = "idempotencyKey",
            desc = "A key of your choice: a retry with the same key and input returns the first result."
        )]
        _idempotency_key: Option<String>,
    ) -> async_graphql::Result<UpsertAbutmentSkuPayload> {
        let db = db(ctx)?;
        let input = SkuInput {
            article_number: input.article_number,
            gtin: input.gtin,
            name: input.name,
            abutment_type: input.abutment_type,
            material: input.material,
            gingival_height_mm: input.gingival_height_mm.0,
            angulation_deg: input.angulation_deg.0,
            post_height_mm: input.post_height_mm.map(|d| d.0),
            diameter_mm: input.diameter_mm.map(|d| d.0),
            engaging: input.engaging,
            sterile: input.sterile,
            shelf_life_months: input.shelf_life_months,
            status: input.status,
        };
        match service::upsert_sku(db, &input).await {
            Ok((m, outcome)) => Ok(UpsertAbutmentSkuPayload {
                sku: Some(m.into()),
                outcome: Some(outcome),
                user_errors: vec![],
            }),
            Err(errs) => {
                let user_errors = errs
                    .into_iter()
                    .map(AppError::into_user_error)
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(UpsertAbutmentSkuPayload {
                    sku: None,
                    outcome: None,
                    user_errors,
                })
            }
        }
    }
}
