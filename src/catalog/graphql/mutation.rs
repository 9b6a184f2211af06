//! The catalogue mutations.

use super::*;

/// Catalogue mutations.
#[derive(Default)]
pub struct CatalogMutation;

#[Object]
impl CatalogMutation {
    /// Imports a catalogue CSV: all rows or none, upserting by natural key.
    pub(crate) async fn import_catalog_csv(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file and how to import it.")] input: ImportCatalogCsvInput,
        #[graphql(
            name = "idempotencyKey",
            desc = "Retry key: the same key and input return the first result."
        )]
        _idempotency_key: Option<String>,
    ) -> async_graphql::Result<ImportCatalogCsvPayload> {
        let db = db(ctx)?;
        let actor = crate::graphql::write::actor(ctx)?;
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
    pub(crate) async fn upsert_abutment_sku(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The SKU's values.")] input: UpsertAbutmentSkuInput,
        #[graphql(
            name = "idempotencyKey",
            desc = "Retry key: the same key and input return the first result."
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
                    .map(|e| e.under("input").into_user_error())
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
