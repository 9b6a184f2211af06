//! The catalogue queries.

use super::*;

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
    pub(crate) async fn compatible_abutments(
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
        let filter = sku_filter(ctx, filter)?;
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
    pub(crate) async fn abutment_skus(
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
        let filter = sku_filter(ctx, filter)?;
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
    pub(crate) async fn abutment_sku(
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
    pub(crate) async fn implant_systems(
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
    pub(crate) async fn implant_system(
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
    pub(crate) async fn platform(
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
    pub(crate) async fn manufacturers(
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
