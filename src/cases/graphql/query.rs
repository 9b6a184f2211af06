//! The case queries.

use super::*;

/// Clinical case queries.
#[derive(Default)]
pub struct CasesQuery;

/// Clinics, cases, their matching and the cases at risk.
#[Object]
impl CasesQuery {
    /// Clinics, by code.
    #[graphql(
        complexity = "2 + first.or(last).unwrap_or(50).clamp(0, 500) as usize * child_complexity"
    )]
    pub(crate) async fn clinics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 50, capped).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (capped); not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor to continue before, paging backward.")] before: Option<String>,
    ) -> async_graphql::Result<ClinicConnection> {
        let page = crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_ctx(ctx)?;
        let (rows, total) = service::clinics_page(db(ctx)?, &page).await?;
        Ok(ClinicConnection::build(
            &page,
            rows,
            total,
            service::clinic_key,
            Clinic,
        ))
    }

    /// Cases, earliest due first; filter by status and clinic.
    #[graphql(
        complexity = "2 + first.or(last).unwrap_or(50).clamp(0, 500) as usize * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn clinical_cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Any of these statuses (all when empty).", default)] statuses: Vec<
            CaseStatus,
        >,
        #[graphql(desc = "Only this clinic's (code).")] clinic: Option<String>,
        #[graphql(desc = "Page size (default 50, capped).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (capped); not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Cursor to continue before, paging backward.")] before: Option<String>,
    ) -> async_graphql::Result<ClinicalCaseConnection> {
        let page = crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        }
        .page_ctx(ctx)?;

        let conn = db(ctx)?;
        let clinic_id = match clinic {
            Some(c) => Some(service::clinic_by_code(conn, &c).await?.id),
            None => None,
        };
        let (rows, total) = service::cases_page(conn, &statuses, clinic_id, &page).await?;
        Ok(ClinicalCaseConnection::build(
            &page,
            rows,
            total,
            service::case_key,
            ClinicalCase,
        ))
    }

    /// One case by global id or by number.
    pub(crate) async fn clinical_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id.")] id: Option<ID>,
        #[graphql(desc = "Case number, e.g. `CASE-000012`.")] number: Option<String>,
    ) -> async_graphql::Result<ClinicalCase> {
        let conn = db(ctx)?;
        let c = match (id, number) {
            (Some(id), None) => case_of(conn, &id).await?,
            (None, Some(n)) => service::case_by_number(conn, &n).await?,
            _ => return Err(AppError::bad_input("id", "give exactly one of id or number").into()),
        };
        Ok(ClinicalCase(c))
    }

    /// Open, reserved and in-production cases that may miss their due date, with why.
    pub(crate) async fn cases_at_risk(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<CaseAtRisk>> {
        Ok(service::at_risk(db(ctx)?)
            .await?
            .into_iter()
            .map(|(c, reason)| CaseAtRisk {
                case: ClinicalCase(c),
                reason,
            })
            .collect())
    }

    /// The tolerances of matching in force.
    pub(crate) async fn matching_policy(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<MatchingPolicy> {
        Ok(service::policy(db(ctx)?).await?.into())
    }
}
