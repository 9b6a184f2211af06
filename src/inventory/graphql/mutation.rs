//! The inventory mutations.

use super::*;

/// Inventory mutations. Stock-changing ones take `idempotencyKey`.
#[derive(Default)]
pub struct InventoryMutation;

pub(crate) fn lot_id(id: &ID) -> AppResult<i64> {
    ids::decode(id, "Lot", "input.lotId")
}

#[Object]
impl InventoryMutation {
    /// Creates a location in the tree.
    pub(crate) async fn create_location(
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
        .await
        .under("input");
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
    pub(crate) async fn receive_finished_lot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lot.")] input: ReceiveFinishedLotInput,
        #[graphql(
            name = "idempotencyKey",
            desc = "Retry key: the same key and input return the first result."
        )]
        _idempotency_key: Option<String>,
    ) -> async_graphql::Result<LotPayload> {
        let (txn, a) = begin(ctx).await?;
        let res = match receipt_of(&txn, input).await {
            Ok(r) => service::receive_finished(&txn, &a, &r).await.under("input"),
            Err(e) => Err(e),
        };
        Ok(LotPayload::of(finish(txn, res).await?))
    }

    /// Receives a titanium bar lot with its certificate into quarantine.
    pub(crate) async fn receive_bar_lot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lot and its certificate.")] input: ReceiveBarLotInput,
        #[graphql(
            name = "idempotencyKey",
            desc = "Retry key: the same key and input return the first result."
        )]
        _idempotency_key: Option<String>,
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
        let res = service::receive_bar(&txn, &a, &r).await.under("input");
        Ok(LotPayload::of(finish(txn, res).await?))
    }

    /// Receives a lot of pre-milled blanks into quarantine.
    pub(crate) async fn receive_blank_lot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lot.")] input: ReceiveBlankLotInput,
        #[graphql(
            name = "idempotencyKey",
            desc = "Retry key: the same key and input return the first result."
        )]
        _idempotency_key: Option<String>,
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
        let res = service::receive_blank(&txn, &a, &r).await.under("input");
        Ok(LotPayload::of(finish(txn, res).await?))
    }

    /// Moves free units of a lot between locations.
    pub(crate) async fn transfer_stock(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to move where.")] input: TransferStockInput,
        #[graphql(
            name = "idempotencyKey",
            desc = "Retry key: the same key and input return the first result."
        )]
        _idempotency_key: Option<String>,
    ) -> async_graphql::Result<MovementPayload> {
        let input = &input;
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
                )
                .await
                .under("input")
                .map(Some)
            })
        })
        .await?;
        Ok(MovementPayload::of(res))
    }

    /// Records a cycle count; a difference is booked as an adjustment.
    pub(crate) async fn count_stock(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The count.")] input: CountStockInput,
        #[graphql(
            name = "idempotencyKey",
            desc = "Retry key: the same key and input return the first result."
        )]
        _idempotency_key: Option<String>,
    ) -> async_graphql::Result<MovementPayload> {
        let input = &input;
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
                )
                .await
                .under("input")
            })
        })
        .await?;
        Ok(MovementPayload::of(res))
    }

    /// Scraps free units of a lot.
    pub(crate) async fn scrap_stock(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to scrap and why.")] input: ScrapStockInput,
        #[graphql(
            name = "idempotencyKey",
            desc = "Retry key: the same key and input return the first result."
        )]
        _idempotency_key: Option<String>,
    ) -> async_graphql::Result<MovementPayload> {
        let input = &input;
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
                )
                .await
                .under("input")
                .map(Some)
            })
        })
        .await?;
        Ok(MovementPayload::of(res))
    }

    /// Releases, holds, rejects or recalls a lot (quality).
    pub(crate) async fn change_lot_state(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lot, the new state and why.")] input: ChangeLotStateInput,
    ) -> async_graphql::Result<LotPayload> {
        let input = &input;
        let res = run(ctx, |w| {
            Box::pin(async move {
                let id = lot_id(&input.lot_id)?;
                service::change_state(w.txn, w.actor, id, input.state, &input.reason)
                    .await
                    .under("input")
            })
        })
        .await?;
        Ok(LotPayload::of(res))
    }

    /// Reserves units for a reference: from a lot, or FEFO from a SKU's usable stock.
    pub(crate) async fn reserve_stock(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to reserve.")] input: ReserveStockInput,
        #[graphql(
            name = "idempotencyKey",
            desc = "Retry key: the same key and input return the first result."
        )]
        _idempotency_key: Option<String>,
    ) -> async_graphql::Result<ReservationPayload> {
        let input = &input;
        let res = run(ctx, |w| {
            Box::pin(async move {
                let r = ReserveRequest {
                    reference: input.reference.clone(),
                    quantity: input.quantity,
                    lot_id: input.lot_id.as_ref().map(lot_id).transpose()?,
                    article_number: input.article_number.clone(),
                };
                service::reserve(w.txn, w.actor, &r).await.under("input")
            })
        })
        .await?;
        Ok(ReservationPayload::of(res))
    }

    /// Sets or removes a SKU's reorder point.
    pub(crate) async fn set_reorder_point(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The SKU and its reorder point.")] input: SetReorderPointInput,
    ) -> async_graphql::Result<ReorderPointPayload> {
        let (txn, _) = begin(ctx).await?;
        let res = service::set_reorder_point(&txn, &input.article_number, input.reorder_point)
            .await
            .under("input");
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
    pub(crate) async fn import_stock_csv(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The CSV text, header `article_number,lot_number,quantity,location,production_date[,expiry_date][,reference]`. Newlines are allowed; at most 2,000,000 characters (the request body limit applies too). Control characters are refused cell by cell, each with its line and column."
        )]
        csv: String,
        #[graphql(desc = "Check and report without writing.", default)] dry_run: bool,
        #[graphql(
            name = "idempotencyKey",
            desc = "Retry key: the same key and input return the first result."
        )]
        _idempotency_key: Option<String>,
    ) -> async_graphql::Result<crate::catalog::graphql::ImportCatalogCsvPayload> {
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
    pub(crate) async fn release_reservation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The reservation.")] input: ReservationInput,
        #[graphql(
            name = "idempotencyKey",
            desc = "Retry key: the same key and input return the first result."
        )]
        _idempotency_key: Option<String>,
    ) -> async_graphql::Result<ReservationPayload> {
        let input = &input;
        let res = run(ctx, |w| {
            Box::pin(async move {
                let id = ids::decode(&input.reservation_id, "Reservation", "input.reservationId")?;
                service::release_reservation(w.txn, w.actor, id)
                    .await
                    .map(|r| vec![r])
            })
        })
        .await?;
        Ok(ReservationPayload::of(res))
    }

    /// Ships a reservation's units (a SHIPMENT out of stock) to the
    /// consignee named: a clinic by code, or a name and address.
    pub(crate) async fn ship_reservation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The reservation and who receives it.")] input: ShipReservationInput,
        #[graphql(
            name = "idempotencyKey",
            desc = "Retry key: the same key and input return the first result."
        )]
        _idempotency_key: Option<String>,
    ) -> async_graphql::Result<ReservationPayload> {
        let input = &input;
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
                service::ship_reservation(w.txn, w.actor, id, &to)
                    .await
                    .under("input")
                    .map(|r| vec![r])
            })
        })
        .await?;
        Ok(ReservationPayload::of(res))
    }

    /// Picks a reservation's units for packing: the scanned label of the
    /// unit in hand must be of the reservation's lot, else nothing is
    /// recorded (`input.code` names both lots). Writes a PICK ledger row;
    /// no stock moves (the units stay reserved at their location until
    /// `shipReservation`).
    pub(crate) async fn pick_reservation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The reservation and the unit's label.")] input: PickReservationInput,
        #[graphql(
            name = "idempotencyKey",
            desc = "Retry key: the same key and input return the first result."
        )]
        _idempotency_key: Option<String>,
    ) -> async_graphql::Result<MovementPayload> {
        let input = &input;
        let res = run(ctx, |w| {
            Box::pin(async move {
                let id = ids::decode(&input.reservation_id, "Reservation", "input.reservationId")?;
                service::pick_reservation(w.txn, w.actor, id, &input.code)
                    .await
                    .under("input")
                    .map(Some)
            })
        })
        .await?;
        Ok(MovementPayload::of(res))
    }
}
