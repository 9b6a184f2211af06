//! Items: what a lot is of (a finished SKU, bar of a grade and diameter, a blank).

use super::*;

/// The item with `code`, created by `make` when there is none.
pub async fn get_or_create_item(
    db: &impl ConnectionTrait,
    code: &str,
    make: impl FnOnce() -> item::ActiveModel,
) -> AppResult<item::Model> {
    if let Some(i) = item::Entity::find()
        .filter(item::Column::Code.eq(code))
        .one(db)
        .await?
    {
        return Ok(i);
    }
    Ok(make().insert(db).await?)
}

/// The stock item of a SKU (made on first use).
pub async fn finished_item(
    db: &impl ConnectionTrait,
    sku: &abutment_sku::Model,
) -> AppResult<item::Model> {
    if let Some(i) = item::Entity::find()
        .filter(item::Column::SkuId.eq(sku.id))
        .one(db)
        .await?
    {
        return Ok(i);
    }
    get_or_create_item(db, &sku.article_number, || item::ActiveModel {
        kind: Set(ItemKind::Finished),
        code: Set(sku.article_number.clone()),
        name: Set(sku.name.clone()),
        unit: Set(StockUnit::Pcs),
        sku_id: Set(Some(sku.id)),
        platform_id: Set(None),
        reorder_point: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .await
}

/// A SKU by article number, for inventory inputs.
pub async fn sku_by_article(
    db: &impl ConnectionTrait,
    article: &str,
    field: &str,
) -> AppResult<abutment_sku::Model> {
    catalog::sku_by_code(db, Some(article), None)
        .await?
        .ok_or_else(|| AppError::bad_input(field, format!("unknown SKU `{article}`")))
}

/// The item code of titanium bar of a grade and diameter:
/// `BAR/<grade>/<Ø mm>`, e.g. `BAR/TI_GRADE_5/5.5`. Built and read only here.
pub fn bar_code(grade: Material, diameter_um: i32) -> String {
    format!(
        "BAR/{}/{}",
        sea_orm::ActiveEnum::to_value(&grade),
        units::from_milli(diameter_um)
    )
}

/// The prefix of the codes of every bar of a grade.
pub fn bar_code_prefix(grade: Material) -> String {
    format!("BAR/{}/", sea_orm::ActiveEnum::to_value(&grade))
}

/// The diameter (µm) of a bar item code made by [`bar_code`].
pub fn bar_diameter_um(code: &str) -> Option<i32> {
    let d = code.strip_prefix("BAR/")?.rsplit('/').next()?;
    let d: rust_decimal::Decimal = d.parse().ok()?;
    units::to_milli(
        d,
        "",
        "mm",
        rust_decimal::Decimal::ZERO,
        rust_decimal::Decimal::new(1000, 0),
    )
    .ok()
}
