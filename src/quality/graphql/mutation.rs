//! The quality mutations.

use super::*;

/// Recalls: create, activate, notify, account for returns and uses, close.
#[derive(Default)]
pub struct QualityMutation;

#[Object]
impl QualityMutation {
    /// Creates a DRAFT recall; a scope that matches no lot is refused and nothing is created.
    pub(crate) async fn create_recall(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The recall.")] input: CreateRecallInput,
    ) -> async_graphql::Result<RecallPayload> {
        let input = &input;
        let r = run(ctx, |w| {
            Box::pin(async move {
                let scope = input.scope.scope().under("input")?;
                service::create(
                    w.txn,
                    w.actor,
                    &NewRecall {
                        class: input.class,
                        reason: input.reason.clone(),
                        scope,
                    },
                )
                .await
                .under("input")
            })
        })
        .await?;
        Ok(recall_payload(r))
    }

    /// Activates a DRAFT recall in one transaction: every affected lot
    /// RECALLED, open reservations released and their cases re-opened, the
    /// consignees listed. Activating twice is `CONFLICT`.
    pub(crate) async fn activate_recall(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The recall.")] recall_id: ID,
    ) -> async_graphql::Result<ActivateRecallPayload> {
        let recall_id = &recall_id;
        let r = run(ctx, |w| {
            Box::pin(
                async move { service::activate(w.txn, w.actor, recall_id_of(recall_id)?).await },
            )
        })
        .await?;
        Ok(match r {
            Ok(Activation {
                recall,
                lots,
                lots_recalled,
                reservations_released,
                cases_reopened,
                consignees,
            }) => ActivateRecallPayload {
                recall: Some(Recall(recall)),
                lots: lots as i32,
                lots_recalled: lots_recalled as i32,
                reservations_released: reservations_released as i32,
                cases_reopened: cases_reopened.into_iter().map(ClinicalCase).collect(),
                consignees: consignees as i32,
                user_errors: vec![],
            },
            Err(e) => ActivateRecallPayload {
                recall: None,
                lots: 0,
                lots_recalled: 0,
                reservations_released: 0,
                cases_reopened: vec![],
                consignees: 0,
                user_errors: e,
            },
        })
    }

    /// Cancels a DRAFT recall.
    pub(crate) async fn cancel_recall(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The recall and why.")] input: CancelRecallInput,
    ) -> async_graphql::Result<RecallPayload> {
        let input = &input;
        let r = run(ctx, |w| {
            Box::pin(async move {
                service::cancel(w.txn, w.actor, recall_id(&input.recall_id)?, &input.reason)
                    .await
                    .under("input")
            })
        })
        .await?;
        Ok(recall_payload(r))
    }

    /// Records that a consignee of an ACTIVE recall was notified.
    pub(crate) async fn record_recall_notification(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notification.")] input: RecallNotificationInput,
    ) -> async_graphql::Result<RecallConsigneePayload> {
        let input = &input;
        let r = run(ctx, |w| {
            Box::pin(async move {
                let id = recall_id(&input.recall_id)?;
                service::notify(
                    w.txn,
                    w.actor,
                    id,
                    consignee_id(&input.consignee_id)?,
                    input.via,
                    input.at,
                    input.note.clone(),
                )
                .await
                .under("input")?;
                service::get(w.txn, id).await
            })
        })
        .await?;
        Ok(match r {
            Ok(r) => RecallConsigneePayload {
                recall: Some(Recall(r)),
                user_errors: vec![],
            },
            Err(e) => RecallConsigneePayload {
                recall: None,
                user_errors: e,
            },
        })
    }

    /// Records units a consignee returned: a RETURN into quarantine through
    /// the ledger, linked to the recall. More than it received and has not
    /// accounted for is refused.
    pub(crate) async fn record_recall_return(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What came back.")] input: RecallAccountingInput,
    ) -> async_graphql::Result<RecallPayload> {
        let input = &input;
        let r = run(ctx, |w| {
            Box::pin(async move {
                let acc = accounting(input)?;
                service::record_return(w.txn, w.actor, &acc)
                    .await
                    .under("input")?;
                service::get(w.txn, acc.recall_id).await
            })
        })
        .await?;
        Ok(recall_payload(r))
    }

    /// Records units a consignee confirms were used (implanted).
    pub(crate) async fn record_recall_usage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What was used.")] input: RecallAccountingInput,
    ) -> async_graphql::Result<RecallPayload> {
        let input = &input;
        let r = run(ctx, |w| {
            Box::pin(async move {
                let acc = accounting(input)?;
                service::record_usage(w.txn, w.actor, &acc)
                    .await
                    .under("input")?;
                service::get(w.txn, acc.recall_id).await
            })
        })
        .await?;
        Ok(recall_payload(r))
    }

    /// Closes an ACTIVE recall on its reconciliation: every consignee
    /// notified, no job still running on affected material or in the scope
    /// (`CONFLICT` naming them: complete or scrap them first), and
    /// outstanding units zero or justified.
    pub(crate) async fn close_recall(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The recall and, if needed, the justification.")] input: CloseRecallInput,
    ) -> async_graphql::Result<RecallPayload> {
        let input = &input;
        let r = run(ctx, |w| {
            Box::pin(async move {
                service::close(
                    w.txn,
                    w.actor,
                    recall_id(&input.recall_id)?,
                    input.justification.as_deref(),
                )
                .await
                .under("input")
            })
        })
        .await?;
        Ok(recall_payload(r))
    }
}

pub(crate) fn recall_id_of(id: &ID) -> AppResult<i64> {
    ids::decode(id, "Recall", "recallId")
}
