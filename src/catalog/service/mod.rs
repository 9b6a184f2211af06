//! Catalogue rules: resolving systems and platforms by id or by name,
//! filtering and sorting SKUs, the compatibility lookup, and SKU upserts.
//! Plain async functions over any connection, so they run inside a
//! transaction and are testable without GraphQL.

use chrono::Utc;
use entity::{
    abutment_sku,
    enums::{AbutmentType, Material, SkuStatus},
    implant_system, manufacturer, platform, sku_platform,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait, JoinType,
    PaginatorTrait, QueryFilter, QuerySelect, RelationTrait, Set,
};

use super::{gtin, name_key, units};
use crate::{
    error::{AppError, AppResult},
    paging::{Key, KeyVal, Page, col},
};
use sea_orm::{ActiveEnum, Order};

/// SKU input, its validation and the upsert that writes it.
mod sku_write;
pub use sku_write::*;

/// A manufacturer by row id.
pub async fn manufacturer(
    db: &impl ConnectionTrait,
    id: i64,
) -> AppResult<Option<manufacturer::Model>> {
    Ok(manufacturer::Entity::find_by_id(id).one(db).await?)
}

/// An implant system by row id.
pub async fn system(
    db: &impl ConnectionTrait,
    id: i64,
) -> AppResult<Option<implant_system::Model>> {
    Ok(implant_system::Entity::find_by_id(id).one(db).await?)
}

/// A platform by row id.
pub async fn platform(db: &impl ConnectionTrait, id: i64) -> AppResult<Option<platform::Model>> {
    Ok(platform::Entity::find_by_id(id).one(db).await?)
}

/// A SKU by row id.
pub async fn sku(db: &impl ConnectionTrait, id: i64) -> AppResult<Option<abutment_sku::Model>> {
    Ok(abutment_sku::Entity::find_by_id(id).one(db).await?)
}

/// A SKU by article number or GTIN.
pub async fn sku_by_code(
    db: &impl ConnectionTrait,
    article_number: Option<&str>,
    gtin_code: Option<&str>,
) -> AppResult<Option<abutment_sku::Model>> {
    let mut q = abutment_sku::Entity::find();
    match (article_number, gtin_code) {
        (Some(a), None) => q = q.filter(abutment_sku::Column::ArticleNumber.eq(a.trim())),
        (None, Some(g)) => {
            let g = gtin::normalize(g).map_err(|m| AppError::bad_input("gtin", m))?;
            q = q.filter(abutment_sku::Column::Gtin.eq(g));
        }
        _ => {
            return Err(AppError::bad_input(
                "articleNumber",
                "give exactly one of id, articleNumber or gtin",
            ));
        }
    }
    Ok(q.one(db).await?)
}

/// Finds an implant system by name (case-insensitive), optionally narrowed by
/// its manufacturer's name. Several systems of that name → `BAD_USER_INPUT`
/// asking for the manufacturer.
pub async fn system_by_name(
    db: &impl ConnectionTrait,
    manufacturer_name: Option<&str>,
    system_name: &str,
) -> AppResult<implant_system::Model> {
    let mut q = implant_system::Entity::find()
        .filter(implant_system::Column::NameKey.eq(name_key(system_name)));
    if let Some(m) = manufacturer_name {
        let maker = manufacturer::Entity::find()
            .filter(manufacturer::Column::NameKey.eq(name_key(m)))
            .one(db)
            .await?
            .ok_or_else(|| AppError::not_found("manufacturer", m))?;
        q = q.filter(implant_system::Column::ManufacturerId.eq(maker.id));
    }
    let mut found = q.limit(2).all(db).await?;
    match found.len() {
        0 => Err(AppError::not_found("implant system", system_name)),
        1 => Ok(found.remove(0)),
        _ => Err(AppError::bad_input(
            "manufacturer",
            format!(
                "several manufacturers have a system named `{system_name}`; name the manufacturer"
            ),
        )),
    }
}

/// How a caller names a platform: by id, or by system and platform names.
#[derive(Debug, Clone, Default)]
pub struct PlatformRef {
    /// Row id of the platform.
    pub id: Option<i64>,
    /// Manufacturer name, to tell apart systems of the same name.
    pub manufacturer: Option<String>,
    /// System name, e.g. `NobelActive`.
    pub system: Option<String>,
    /// Platform name within the system, e.g. `NP`.
    pub platform: Option<String>,
}

/// Resolves a platform reference; unknown names are `NOT_FOUND` naming them.
pub async fn resolve_platform(
    db: &impl ConnectionTrait,
    r: &PlatformRef,
) -> AppResult<platform::Model> {
    if let Some(id) = r.id {
        let found = platform(db, id)
            .await?
            .ok_or_else(|| AppError::not_found("platform", id.to_string()))?;
        return agrees_with_names(db, r, found).await;
    }
    let (Some(sys), Some(pf)) = (r.system.as_deref(), r.platform.as_deref()) else {
        return Err(AppError::bad_input(
            "platform",
            "give platformId, or both system and platform names",
        ));
    };
    let system = system_by_name(db, r.manufacturer.as_deref(), sys).await?;
    platform::Entity::find()
        .filter(platform::Column::SystemId.eq(system.id))
        .filter(platform::Column::NameKey.eq(name_key(pf)))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("platform", format!("{pf} of {}", system.name)))
}

/// A platform found by id, checked against the names given beside the id:
/// a system, platform or maker name that names another platform is refused,
/// never silently overruled by the id.
async fn agrees_with_names(
    db: &impl ConnectionTrait,
    r: &PlatformRef,
    found: platform::Model,
) -> AppResult<platform::Model> {
    if r.system.is_none() && r.platform.is_none() && r.manufacturer.is_none() {
        return Ok(found);
    }
    let sys = system(db, found.system_id)
        .await?
        .ok_or_else(|| AppError::not_found("implant system", found.system_id.to_string()))?;
    let maker = manufacturer::Entity::find_by_id(sys.manufacturer_id)
        .one(db)
        .await?;
    let maker_name = maker.as_ref().map_or("?", |m| m.name.as_str());
    let clash = |what: &str, given: &str| {
        AppError::bad_input(
            "platform",
            format!(
                "platformId is {} of {} ({maker_name}), but {what} `{given}` was given too: give one, or make them agree",
                found.name, sys.name
            ),
        )
    };
    if let Some(p) = r.platform.as_deref()
        && name_key(p) != found.name_key
    {
        return Err(clash("platform", p.trim()));
    }
    if let Some(s) = r.system.as_deref()
        && !s.trim().eq_ignore_ascii_case(&sys.name)
    {
        return Err(clash("system", s.trim()));
    }
    if let (Some(m), Some(maker)) = (r.manufacturer.as_deref(), &maker)
        && !m.trim().eq_ignore_ascii_case(&maker.name)
    {
        return Err(clash("manufacturer", m.trim()));
    }
    Ok(found)
}

/// Optional SKU filters, in API units; validated by [`SkuFilter::to_bounds`].
#[derive(Debug, Clone, Default)]
pub struct SkuFilter {
    /// Only these types.
    pub types: Vec<AbutmentType>,
    /// Only these materials.
    pub materials: Vec<Material>,
    /// Lowest gingival height, mm.
    pub gingival_height_min: Option<Decimal>,
    /// Highest gingival height, mm.
    pub gingival_height_max: Option<Decimal>,
    /// Exact angulation, degrees.
    pub angulation: Option<Decimal>,
    /// Lowest angulation, degrees.
    pub angulation_min: Option<Decimal>,
    /// Highest angulation, degrees.
    pub angulation_max: Option<Decimal>,
    /// Engaging (true) or non-engaging (false) only.
    pub engaging: Option<bool>,
    /// Include discontinued SKUs.
    pub include_discontinued: bool,
    /// Article number or name contains this text (case-insensitive).
    pub search: Option<String>,
    /// Only SKUs with (true) or without (false) units available now.
    pub in_stock: Option<InStock>,
}

/// The in-stock filter: whether stock is wanted, and the statement that
/// selects the ids of SKUs with units available now (inventory's answer,
/// [`super::stock::StockFacts::skus_in_stock`]).
#[derive(Debug, Clone)]
pub struct InStock {
    /// True: only SKUs with units available now; false: only those without.
    pub wanted: bool,
    /// `SELECT sku_id …` of the SKUs with units available now.
    pub skus: sea_orm::sea_query::SelectStatement,
}

impl SkuFilter {
    /// The in-stock condition on a column holding the SKU id; `None`
    /// without the filter.
    fn stock_condition<C: ColumnTrait>(&self, sku_id: C) -> Option<Condition> {
        self.in_stock.as_ref().map(|s| {
            Condition::all().add(if s.wanted {
                sku_id.in_subquery(s.skus.clone())
            } else {
                sku_id.not_in_subquery(s.skus.clone())
            })
        })
    }

    /// Conditions on the sort/filter keys (type, heights, angle, engaging,
    /// status), against the given columns: the SKU's own, or their copies on
    /// the fit rows. A bad value is `BAD_USER_INPUT` naming the filter field.
    fn key_condition<C: ColumnTrait>(
        &self,
        status: C,
        typ: C,
        gingival: C,
        angulation: C,
        engaging: C,
    ) -> AppResult<Condition> {
        let mut c = Condition::all();
        if !self.types.is_empty() {
            c = c.add(typ.is_in(self.types.iter().copied()));
        }
        let (glo, ghi) = units::limits::gingival();
        let (alo, ahi) = units::limits::angulation();
        let g_min = opt_milli(
            self.gingival_height_min,
            "filter.gingivalHeightMin",
            "mm",
            glo,
            ghi,
        )?;
        let g_max = opt_milli(
            self.gingival_height_max,
            "filter.gingivalHeightMax",
            "mm",
            glo,
            ghi,
        )?;
        let a_eq = opt_milli(self.angulation, "filter.angulation", "°", alo, ahi)?;
        let a_min = opt_milli(self.angulation_min, "filter.angulationMin", "°", alo, ahi)?;
        let a_max = opt_milli(self.angulation_max, "filter.angulationMax", "°", alo, ahi)?;
        if let (Some(lo), Some(hi)) = (g_min, g_max)
            && lo > hi
        {
            return Err(AppError::bad_input(
                "filter.gingivalHeightMax",
                "must not be below gingivalHeightMin",
            ));
        }
        if let (Some(lo), Some(hi)) = (a_min, a_max)
            && lo > hi
        {
            return Err(AppError::bad_input(
                "filter.angulationMax",
                "must not be below angulationMin",
            ));
        }
        if let Some(v) = g_min {
            c = c.add(gingival.gte(v));
        }
        if let Some(v) = g_max {
            c = c.add(gingival.lte(v));
        }
        if let Some(v) = a_eq {
            c = c.add(angulation.eq(v));
        }
        if let Some(v) = a_min {
            c = c.add(angulation.gte(v));
        }
        if let Some(v) = a_max {
            c = c.add(angulation.lte(v));
        }
        if let Some(e) = self.engaging {
            c = c.add(engaging.eq(e));
        }
        if !self.include_discontinued {
            c = c.add(status.eq(SkuStatus::Active));
        }
        Ok(c)
    }

    /// Conditions only the SKU row can answer (material, text search); `None`
    /// when the filter has none, so the lookup can skip the join.
    fn sku_only_condition(&self) -> Option<Condition> {
        let mut c = Condition::all();
        let mut any = false;
        if !self.materials.is_empty() {
            c = c.add(abutment_sku::Column::Material.is_in(self.materials.iter().copied()));
            any = true;
        }
        if let Some(s) = self
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            use sea_orm::sea_query::{Expr, Func};
            let pattern = format!("%{}%", s.to_lowercase().replace(['%', '_'], ""));
            let lower = |col: abutment_sku::Column| {
                Expr::expr(Func::lower(Expr::col((abutment_sku::Entity, col))))
            };
            c = c.add(
                Condition::any()
                    .add(lower(abutment_sku::Column::ArticleNumber).like(pattern.clone()))
                    .add(lower(abutment_sku::Column::Name).like(pattern)),
            );
            any = true;
        }
        any.then_some(c)
    }

    /// The whole filter on `abutment_sku`.
    pub fn condition(&self) -> AppResult<Condition> {
        use abutment_sku::Column as S;
        let keys = self.key_condition(
            S::Status,
            S::AbutmentType,
            S::GingivalHeightUm,
            S::AngulationMdeg,
            S::Engaging,
        )?;
        let c = match self.sku_only_condition() {
            Some(c) => keys.add(c),
            None => keys,
        };
        Ok(match self.stock_condition(S::Id) {
            Some(s) => c.add(s),
            None => c,
        })
    }

    /// The key part of the filter (and the in-stock filter) on the fit
    /// rows' copies.
    fn fit_condition(&self) -> AppResult<Condition> {
        use sku_platform::Column as F;
        let keys = self.key_condition(
            F::SkuStatus,
            F::SkuType,
            F::SkuGingivalHeightUm,
            F::SkuAngulationMdeg,
            F::SkuEngaging,
        )?;
        Ok(match self.stock_condition(F::SkuId) {
            Some(s) => keys.add(s),
            None => keys,
        })
    }
}

fn opt_milli(
    v: Option<Decimal>,
    field: &str,
    unit: &str,
    lo: Decimal,
    hi: Decimal,
) -> AppResult<Option<i32>> {
    v.map(|v| units::to_milli(v, field, unit, lo, hi))
        .transpose()
}

/// One page of SKUs that fit `platform_id` and pass the filter, each with its
/// fit record, plus the total count. Reads the fit rows' copied keys in index
/// order, so a page costs its own length, not the number of fitting SKUs.
pub async fn compatible_skus(
    db: &impl ConnectionTrait,
    platform_id: i64,
    filter: &SkuFilter,
    page: &Page,
) -> AppResult<(Vec<(abutment_sku::Model, sku_platform::Model)>, u64)> {
    use sku_platform::Column as F;
    let keys = filter.fit_condition()?;
    let sku_only = filter.sku_only_condition();
    let mut base = sku_platform::Entity::find()
        .filter(F::PlatformId.eq(platform_id))
        .filter(keys);
    if let Some(c) = &sku_only {
        base = base
            .join(JoinType::InnerJoin, sku_platform::Relation::Sku.def())
            .filter(c.clone());
    }
    let total: i64 = base
        .clone()
        .select_only()
        .column_as(F::Id.count(), "n")
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or(0);
    let query = if sku_only.is_some() {
        base.select_also(abutment_sku::Entity)
    } else {
        base.find_also_related(abutment_sku::Entity)
    };
    let e = sku_platform::Entity;
    let order = [
        (col((e, F::SkuType)), Order::Asc),
        (col((e, F::SkuGingivalHeightUm)), Order::Asc),
        (col((e, F::SkuAngulationMdeg)), Order::Asc),
        (col((e, F::SkuEngaging)), Order::Desc),
        (col((e, F::SkuArticleNumber)), Order::Asc),
        (col((e, F::Id)), Order::Asc),
    ];
    let rows = page.apply(query, &order).all(db).await?;
    let rows = rows
        .into_iter()
        .map(|(fit, s)| {
            s.map(|s| (s, fit))
                .ok_or_else(|| AppError::Internal("fit row without its SKU".into()))
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok((rows, u64::try_from(total).unwrap_or(0)))
}

/// The sort key of a fit row in [`compatible_skus`]' order.
pub fn fit_key(f: &sku_platform::Model) -> Key {
    vec![
        KeyVal::S(f.sku_type.to_value()),
        KeyVal::I(i64::from(f.sku_gingival_height_um)),
        KeyVal::I(i64::from(f.sku_angulation_mdeg)),
        KeyVal::B(f.sku_engaging),
        KeyVal::S(f.sku_article_number.clone()),
        KeyVal::I(f.id),
    ]
}

/// Copies a SKU's sort and filter keys onto a fit row.
pub fn set_fit_keys(am: &mut sku_platform::ActiveModel, sku: &abutment_sku::Model) {
    am.sku_status = Set(sku.status);
    am.sku_type = Set(sku.abutment_type);
    am.sku_gingival_height_um = Set(sku.gingival_height_um);
    am.sku_angulation_mdeg = Set(sku.angulation_mdeg);
    am.sku_engaging = Set(sku.engaging);
    am.sku_article_number = Set(sku.article_number.clone());
}

/// Brings the copied keys on every fit row of a changed SKU up to date.
pub async fn sync_fit_keys(
    db: &impl ConnectionTrait,
    sku: &abutment_sku::Model,
) -> Result<(), sea_orm::DbErr> {
    use sea_orm::sea_query::Expr;
    use sku_platform::Column as F;
    sku_platform::Entity::update_many()
        .col_expr(F::SkuStatus, Expr::value(sku.status))
        .col_expr(F::SkuType, Expr::value(sku.abutment_type))
        .col_expr(F::SkuGingivalHeightUm, Expr::value(sku.gingival_height_um))
        .col_expr(F::SkuAngulationMdeg, Expr::value(sku.angulation_mdeg))
        .col_expr(F::SkuEngaging, Expr::value(sku.engaging))
        .col_expr(F::SkuArticleNumber, Expr::value(sku.article_number.clone()))
        .filter(F::SkuId.eq(sku.id))
        .exec(db)
        .await?;
    Ok(())
}

/// One page of SKUs passing the filter, plus the total count.
pub async fn list_skus(
    db: &impl ConnectionTrait,
    filter: &SkuFilter,
    page: &Page,
) -> AppResult<(Vec<abutment_sku::Model>, u64)> {
    use abutment_sku::Column as S;
    let base = abutment_sku::Entity::find().filter(filter.condition()?);
    let e = abutment_sku::Entity;
    let order = [
        (col((e, S::AbutmentType)), Order::Asc),
        (col((e, S::GingivalHeightUm)), Order::Asc),
        (col((e, S::AngulationMdeg)), Order::Asc),
        (col((e, S::Engaging)), Order::Desc),
        (col((e, S::ArticleNumber)), Order::Asc),
        (col((e, S::Id)), Order::Asc),
    ];
    Ok(page.fetch(db, base, &order).await?)
}

/// The sort key of a SKU in [`list_skus`]' (catalogue) order.
pub fn sku_key(s: &abutment_sku::Model) -> Key {
    vec![
        KeyVal::S(s.abutment_type.to_value()),
        KeyVal::I(i64::from(s.gingival_height_um)),
        KeyVal::I(i64::from(s.angulation_mdeg)),
        KeyVal::B(s.engaging),
        KeyVal::S(s.article_number.clone()),
        KeyVal::I(s.id),
    ]
}

/// One page of implant systems whose name or maker's name contains `search`,
/// optionally of one maker and one connection type, by maker then name.
pub async fn list_systems(
    db: &impl ConnectionTrait,
    search: Option<&str>,
    manufacturer_name: Option<&str>,
    connection: Option<entity::enums::ConnectionType>,
    page: &Page,
) -> AppResult<(Vec<(implant_system::Model, String)>, u64)> {
    let mut q = implant_system::Entity::find().join(
        JoinType::InnerJoin,
        implant_system::Relation::Manufacturer.def(),
    );
    if let Some(s) = search.map(name_key).filter(|s| !s.is_empty()) {
        let pattern = format!("%{}%", s.replace(['%', '_'], ""));
        q = q.filter(
            Condition::any()
                .add(implant_system::Column::NameKey.like(pattern.clone()))
                .add(manufacturer::Column::NameKey.like(pattern)),
        );
    }
    if let Some(m) = manufacturer_name {
        q = q.filter(manufacturer::Column::NameKey.eq(name_key(m)));
    }
    if let Some(c) = connection {
        q = q.filter(implant_system::Column::Connection.eq(c));
    }
    let total = q.clone().count(db).await?;
    let order = [
        (
            col((manufacturer::Entity, manufacturer::Column::NameKey)),
            Order::Asc,
        ),
        (
            col((implant_system::Entity, implant_system::Column::NameKey)),
            Order::Asc,
        ),
        (
            col((implant_system::Entity, implant_system::Column::Id)),
            Order::Asc,
        ),
    ];
    let rows = page
        .apply(q.select_also(manufacturer::Entity), &order)
        .all(db)
        .await?;
    let rows = rows
        .into_iter()
        .map(|(s, m)| (s, m.map(|m| m.name_key).unwrap_or_default()))
        .collect();
    Ok((rows, total))
}

/// The sort key of a system (with its maker's name key) in
/// [`list_systems`]' order.
pub fn system_key((s, maker_key): &(implant_system::Model, String)) -> Key {
    vec![
        KeyVal::S(maker_key.clone()),
        KeyVal::S(s.name_key.clone()),
        KeyVal::I(s.id),
    ]
}

/// One page of manufacturers by name.
pub async fn list_manufacturers(
    db: &impl ConnectionTrait,
    page: &Page,
) -> AppResult<(Vec<manufacturer::Model>, u64)> {
    let q = manufacturer::Entity::find();
    let order = [
        (
            col((manufacturer::Entity, manufacturer::Column::NameKey)),
            Order::Asc,
        ),
        (
            col((manufacturer::Entity, manufacturer::Column::Id)),
            Order::Asc,
        ),
    ];
    Ok(page.fetch(db, q, &order).await?)
}

/// The sort key of a maker in [`list_manufacturers`]' order.
pub fn manufacturer_key(m: &manufacturer::Model) -> Key {
    vec![KeyVal::S(m.name_key.clone()), KeyVal::I(m.id)]
}
