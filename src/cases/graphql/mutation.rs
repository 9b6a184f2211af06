//! The case mutations.

use super::*;
use crate::manufacturing::planning::ShopWrite;

/// Clinical case mutations.
#[derive(Default)]
pub struct CasesMutation;

/// Clinics, cases, matching decisions, shipping and cancelling.
#[Object]
impl CasesMutation {
    /// Creates a clinic.
    pub(crate) async fn create_clinic(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The clinic.")] input: CreateClinicInput,
    ) -> async_graphql::Result<ClinicPayload> {
        let (txn, _a) = write::begin(ctx).await?;
        ShopWrite::lock_only(&txn).await?;
        let r = service::create_clinic(
            &txn,
            &NewClinic {
                code: input.code,
                name: input.name,
                address: input.address,
                city: input.city,
                country: input.country,
                contact_name: input.contact_name,
                email: input.email,
                phone: input.phone,
            },
        )
        .await
        .under("input");
        Ok(match finish(txn, r).await? {
            Ok(c) => ClinicPayload {
                clinic: Some(Clinic(c)),
                user_errors: vec![],
            },
            Err(e) => ClinicPayload {
                clinic: None,
                user_errors: e,
            },
        })
    }

    /// Creates a case (OPEN) after checking tooth, platform, pseudonym and due date.
    pub(crate) async fn create_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case.")] input: CreateCaseInput,
    ) -> async_graphql::Result<CasePayload> {
        let (txn, a) = write::begin(ctx).await?;
        ShopWrite::lock_only(&txn).await?;
        let r = async {
            let id = input
                .platform_id
                .as_ref()
                .map(|i| ids::decode(i, "Platform", "input.platformId"))
                .transpose()?;
            let c = NewCase {
                clinic_code: input.clinic.clone(),
                order_reference: input.order_reference.clone(),
                patient_pseudonym: input.patient_pseudonym.clone(),
                tooth: input.tooth,
                platform: PlatformRef {
                    id,
                    manufacturer: input.manufacturer.clone(),
                    system: input.system.clone(),
                    platform: input.platform.clone(),
                },
                restoration: input.restoration,
                abutment_type: input.abutment_type,
                gingival_height_um: milli(
                    &input.gingival_height_mm,
                    "input.gingivalHeightMm",
                    "mm",
                    8,
                )?,
                angulation_mdeg: match &input.angulation_deg {
                    Some(d) => milli(d, "input.angulationDeg", "°", 45)?,
                    None => 0,
                },
                engaging: input.engaging,
                material: input.material,
                due_at: input.due_at,
            };
            service::create_case(&txn, &a, &c).await.under("input")
        }
        .await;
        Ok(case_payload(finish(txn, r).await?))
    }

    /// Confirms an option of an OPEN case: reserves one unit of the lot
    /// through the ledger, or creates the custom job and reschedules. An
    /// option no longer valid is `CONFLICT`, nothing changed; confirming the
    /// same lot again returns the case as it is.
    pub(crate) async fn confirm_case_match(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Case and option.")] input: ConfirmCaseInput,
    ) -> async_graphql::Result<CasePayload> {
        let input = &input;
        let r = write::run(ctx, |w| {
            Box::pin(async move {
                let shop = ShopWrite::begin(w.txn, &w.actor.name).await?;
                let c = case_of(w.txn, &input.case_id).await?;
                let choice = match (&input.lot_id, input.custom) {
                    (Some(l), None | Some(false)) => {
                        Choice::Lot(ids::decode(l, "Lot", "input.lotId")?)
                    }
                    (None, Some(true)) => Choice::Custom,
                    _ => {
                        return Err(AppError::bad_input(
                            "input.lotId",
                            "give a lotId from the case's options, or custom: true",
                        ));
                    }
                };
                let c = service::confirm(w.txn, w.actor, c, choice).await?;
                if matches!(choice, Choice::Custom) {
                    shop.finish("case job added").await?;
                }
                Ok(c)
            })
        })
        .await?;
        Ok(case_payload(r))
    }

    /// Matches every OPEN case at once, earliest due first, with the same
    /// rules: each takes its best option; no unit is promised twice. All or
    /// nothing.
    pub(crate) async fn match_open_cases(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<BatchMatchPayload> {
        let (txn, a) = write::begin(ctx).await?;
        let shop = ShopWrite::begin(&txn, &a.name).await?;
        let r = async {
            let lines = service::match_open_cases(&txn, &a).await?;
            if lines
                .iter()
                .any(|l| l.case.status == CaseStatus::InProduction)
            {
                shop.finish("cases matched").await?;
            }
            Ok(lines)
        }
        .await;
        Ok(match finish(txn, r).await? {
            Ok(lines) => {
                let count =
                    |s: CaseStatus| lines.iter().filter(|l| l.case.status == s).count() as i32;
                BatchMatchPayload {
                    reserved: count(CaseStatus::Reserved),
                    in_production: count(CaseStatus::InProduction),
                    unmatched: count(CaseStatus::Open),
                    lines: lines
                        .into_iter()
                        .map(|l| BatchMatchLine {
                            case: ClinicalCase(l.case),
                            unmatched_reason: l.unmatched,
                        })
                        .collect(),
                    user_errors: vec![],
                }
            }
            Err(e) => BatchMatchPayload {
                lines: vec![],
                reserved: 0,
                in_production: 0,
                unmatched: 0,
                user_errors: e,
            },
        })
    }

    /// Ships a case: its reserved unit, or its custom part once released,
    /// leaves through the ledger (SHIPMENT, reference = case number).
    pub(crate) async fn ship_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the case.")] case_id: ID,
    ) -> async_graphql::Result<CasePayload> {
        let case_id = &case_id;
        let r = write::run(ctx, |w| {
            Box::pin(async move {
                ShopWrite::lock_only(w.txn).await?;
                let c = case_of(w.txn, case_id).await?;
                service::ship_case(w.txn, w.actor, c).await
            })
        })
        .await?;
        Ok(case_payload(r))
    }

    /// Takes a shipped case's unit back into quarantine through the ledger
    /// (RETURN, linked to the shipment) and closes the case.
    pub(crate) async fn return_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the case.")] case_id: ID,
        #[graphql(desc = "Why it came back. Newlines are allowed; at most 2,000 characters.")]
        reason: String,
    ) -> async_graphql::Result<CasePayload> {
        let (txn, a) = write::begin(ctx).await?;
        ShopWrite::lock_only(&txn).await?;
        let r = async {
            let c = case_of(&txn, &case_id).await?;
            service::return_case(&txn, &a, c, &reason).await
        }
        .await;
        Ok(case_payload(finish(txn, r).await?))
    }

    /// Closes a shipped case: delivered, nothing more expected.
    pub(crate) async fn close_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the case.")] case_id: ID,
    ) -> async_graphql::Result<CasePayload> {
        let (txn, _a) = write::begin(ctx).await?;
        ShopWrite::lock_only(&txn).await?;
        let r = async {
            let c = case_of(&txn, &case_id).await?;
            service::close_case(&txn, c).await
        }
        .await;
        Ok(case_payload(finish(txn, r).await?))
    }

    /// Cancels a case: releases its reservation, or cancels its job if not started.
    pub(crate) async fn cancel_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the case.")] case_id: ID,
        #[graphql(desc = "Why. Newlines are allowed; at most 2,000 characters.")] reason: String,
    ) -> async_graphql::Result<CasePayload> {
        let (txn, a) = write::begin(ctx).await?;
        let shop = ShopWrite::begin(&txn, &a.name).await?;
        let r = async {
            let c = case_of(&txn, &case_id).await?;
            let had_job = c.status == CaseStatus::InProduction;
            let c = service::cancel_case(&txn, &a, c, &reason).await?;
            if had_job {
                shop.finish("case cancelled").await?;
            }
            Ok(c)
        }
        .await;
        Ok(case_payload(finish(txn, r).await?))
    }

    /// Sets the matching tolerances.
    pub(crate) async fn set_matching_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tolerances.")] input: MatchingPolicyInput,
    ) -> async_graphql::Result<MatchingPolicyPayload> {
        let (txn, a) = write::begin(ctx).await?;
        ShopWrite::lock_only(&txn).await?;
        let r = async {
            let p = Policy {
                gingival_tolerance_um: milli(
                    &input.gingival_tolerance_mm,
                    "input.gingivalToleranceMm",
                    "mm",
                    3,
                )?,
                angulation_tolerance_mdeg: milli(
                    &input.angulation_tolerance_deg,
                    "input.angulationToleranceDeg",
                    "°",
                    15,
                )?,
            };
            service::set_policy(&txn, &a, p).await.under("input")
        }
        .await;
        Ok(match finish(txn, r).await? {
            Ok(p) => MatchingPolicyPayload {
                policy: Some(p.into()),
                user_errors: vec![],
            },
            Err(e) => MatchingPolicyPayload {
                policy: None,
                user_errors: e,
            },
        })
    }
}
