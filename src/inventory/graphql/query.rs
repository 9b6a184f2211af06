//! The inventory queries.

use super::*;

/// Inventory queries.
#[derive(Default)]
pub struct InventoryQuery;

#[Object]
impl InventoryQuery {
    /// Every location, by code.
    #[graphql(
        complexity = "2 + first.or(last).unwrap_or(50).clamp(0, 500) as usize * child_complexity"
    )]
    pub(crate) async fn locations(
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
    pub(crate) async fn stock(
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

    /// The quantities of all stock lines the filter selects (every page
    /// of `stock` with that filter together), per state.
    pub(crate) async fn stock_totals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Optional filters, as for `stock`.")] filter: Option<StockFilterInput>,
    ) -> async_graphql::Result<StockQuantities> {
        let f = filter.unwrap_or_default();
        let f = StockFilter {
            article_number: f.article_number,
            lot_number: f.lot_number,
            location: f.location,
            state: f.state,
            include_empty: false,
        };
        Ok(service::stock_totals(db(ctx)?, &f).await?.into())
    }

    /// On hand, reserved, available, quarantine and on-hold stock of one SKU.
    pub(crate) async fn sku_stock(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The SKU's article number.")] article_number: String,
    ) -> async_graphql::Result<SkuStock> {
        let db = db(ctx)?;
        let sku = service::sku_by_article(db, &article_number, "articleNumber").await?;
        let item = service::finished_item(db, &sku).await?;
        let lines = service::stock_of_item(db, item.id).await?;
        Ok(SkuStock {
            quantities: service::sum(&lines, today()).into(),
            reorder_point: item.reorder_point,
            lines: lines.into_iter().map(StockLineObj).collect(),
            sku: AbutmentSku(sku),
        })
    }

    /// One lot by global id, or by lot number (with the SKU's article number
    /// when several items use that number).
    pub(crate) async fn lot(
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
    pub(crate) async fn lots_expiring(
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
    pub(crate) async fn scan(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The scanned text, as the scanner types it: the group separator GS (U+001D) between fields is allowed; at most 500 characters."
        )]
        code: String,
    ) -> async_graphql::Result<ScanResult> {
        let db = db(ctx)?;
        let s = crate::inventory::gs1::parse(&code)
            .map_err(|e| AppError::bad_input("code", e.to_string()))?;
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
    pub(crate) async fn below_reorder_point(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<SkuStock>> {
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
    pub(crate) async fn reservations(
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
