//! The quality queries.

use super::*;

/// Traceability and recalls.
#[derive(Default)]
pub struct QualityQuery;

#[Object]
impl QualityQuery {
    /// Traces forward from a scope: every descendant lot at any depth, its
    /// stock, open reservations, shipments per clinic and the cases.
    pub(crate) async fn trace_forward(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Where to start.")] scope: RecallScopeInput,
    ) -> async_graphql::Result<ForwardTraceObj> {
        let scope = scope.scope()?;
        Ok(ForwardTraceObj(trace::forward(db(ctx)?, &scope).await?))
    }

    /// Traces backward from a finished lot, a shipment or a case (give one):
    /// every lot upstream with its device history record, down to the bar
    /// heats and blank lots with their certificates.
    pub(crate) async fn trace_backward(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A lot.")] lot_id: Option<ID>,
        #[graphql(desc = "A shipment: the global id of its SHIPMENT ledger row.")]
        shipment_id: Option<ID>,
        #[graphql(desc = "A case.")] case_id: Option<ID>,
    ) -> async_graphql::Result<BackwardTrace> {
        let conn = db(ctx)?;
        let origin = match (&lot_id, &shipment_id, &case_id) {
            (Some(l), None, None) => Origin::Lot(ids::decode(l, "Lot", "lotId")?),
            (None, Some(s), None) => {
                Origin::Shipment(ids::decode(s, "StockMovement", "shipmentId")?)
            }
            (None, None, Some(c)) => Origin::Case(ids::decode(c, "ClinicalCase", "caseId")?),
            _ => {
                return Err(AppError::bad_input(
                    "lotId",
                    "give exactly one of lotId, shipmentId or caseId",
                )
                .into());
            }
        };
        let start = trace::origin_lot(conn, origin).await?;
        let lots = trace::backward(conn, start).await?;
        let first = lots
            .iter()
            .find(|a| a.lot.id == start)
            .map(|a| a.lot.clone())
            .ok_or_else(|| AppError::not_found("lot", start.to_string()))?;
        Ok(BackwardTrace {
            start: Lot(first),
            lots: lots.into_iter().map(TraceAncestor).collect(),
        })
    }

    /// A mock recall: traces a scope without changing anything and says how
    /// long it took and what it found.
    pub(crate) async fn mock_recall(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What a recall would cover.")] scope: RecallScopeInput,
    ) -> async_graphql::Result<MockRecall> {
        let scope = scope.scope()?;
        let (trace, took) = service::mock(db(ctx)?, &scope).await?;
        Ok(MockRecall {
            trace,
            elapsed_ms: took.as_secs_f64() * 1000.0,
            scope: scope.describe(),
        })
    }

    /// Recalls, newest first.
    #[graphql(
        complexity = "2 + first.or(last).unwrap_or(50).clamp(0, 500) as usize * child_complexity"
    )]
    pub(crate) async fn recalls(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only recalls in this status.")] status: Option<RecallStatus>,
        #[graphql(desc = "Page size (default 50, capped).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (capped); not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor to continue before, paging backward.")] before: Option<String>,
    ) -> async_graphql::Result<RecallConnection> {
        let page = crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_ctx(ctx)?;
        let (rows, total) = service::list(db(ctx)?, status, &page).await?;
        Ok(RecallConnection::build(
            &page,
            rows,
            total,
            service::recall_key,
            Recall,
        ))
    }

    /// A recall by global id or number.
    pub(crate) async fn recall(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id.")] id: Option<ID>,
        #[graphql(desc = "Number, e.g. `RC-2026-0001`.")] number: Option<String>,
    ) -> async_graphql::Result<Recall> {
        let conn = db(ctx)?;
        Ok(Recall(match (&id, &number) {
            (Some(i), None) => service::get(conn, ids::decode(i, "Recall", "id")?).await?,
            (None, Some(n)) => service::by_number(conn, n).await?,
            _ => {
                return Err(AppError::bad_input("id", "give exactly one of id or number").into());
            }
        }))
    }
}
