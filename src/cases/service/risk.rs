//! Cases at risk of missing their due date, with the reasons.

use super::*;

/// Why a case may miss its due date, or None when it is on track.
pub async fn risk(
    db: &impl ConnectionTrait,
    c: &clinical_case::Model,
    p: &Policy,
    board: &mut EtaBoard,
) -> AppResult<Option<String>> {
    let now = Utc::now();
    match c.status {
        CaseStatus::Open if c.due_at <= now => Ok(Some("due date passed, not matched".into())),
        CaseStatus::Open => {
            let m = match_case(db, c, p, board).await?;
            Ok(match m.options.first() {
                None => Some("no option: nothing fits and no machine can mill it".into()),
                Some(o) if !o.meets_due_date => Some(format!(
                    "best option is ready {}, after the due date",
                    o.ready_at
                        .map_or("never".into(), |t| t.format("%Y-%m-%d %H:%M").to_string())
                )),
                _ => None,
            })
        }
        CaseStatus::InProduction => {
            let Some(j) = c.job_id else { return Ok(None) };
            let job = mfg::job(db, j).await?;
            let late = match (job.status, job.planned_end) {
                (JobStatus::Done | JobStatus::Inspection, _) if c.due_at < now => {
                    Some("due date passed, part not shipped".into())
                }
                (JobStatus::Scrapped | JobStatus::Cancelled, _) => {
                    Some(format!("its job {} is {}", job.number, job.status))
                }
                (_, Some(end)) if end > c.due_at => Some(format!(
                    "job {} is planned to end {}, after the due date",
                    job.number,
                    end.format("%Y-%m-%d %H:%M")
                )),
                (_, None) if job.status.is_open() => {
                    Some(format!("job {} is not planned", job.number))
                }
                _ => None,
            };
            // A job that has not started may also lack its blank: say both.
            let blank = match job.status {
                JobStatus::Planned | JobStatus::Scheduled => lacks_blank(db, &job).await?,
                _ => None,
            };
            Ok(match (late, blank) {
                (Some(l), Some(b)) => Some(format!("{l}; {b}")),
                (l, b) => l.or(b),
            })
        }
        CaseStatus::Reserved if c.due_at < now => Ok(Some("due date passed, not shipped".into())),
        _ => Ok(None),
    }
}

/// Why a booked custom job will not get a blank: the released blanks of its
/// platform go to the jobs planned before it, and none is left for it.
pub(crate) async fn lacks_blank(
    db: &impl ConnectionTrait,
    job: &production_job::Model,
) -> AppResult<Option<String>> {
    let Some(platform) = job.platform_id else {
        return Ok(None);
    };
    let in_stock = mfg::blanks_available(db, platform).await?;
    let mut ahead = 0;
    for j in mfg::jobs_awaiting_blanks(db, platform).await? {
        if j.id == job.id {
            break;
        }
        ahead += mfg::material_needed(&j);
    }
    Ok((ahead + mfg::material_needed(job) > in_stock).then(|| {
        format!(
            "job {} has no blank: {in_stock} released for this platform, {ahead} promised to jobs planned before it",
            job.number
        )
    }))
}

/// Open, reserved and in-production cases that may miss their due date,
/// with the reason, earliest due first.
pub async fn at_risk(db: &impl ConnectionTrait) -> AppResult<Vec<(clinical_case::Model, String)>> {
    let p = policy(db).await?;
    let mut board = EtaBoard::default();
    let mut out = Vec::new();
    for c in cases(
        db,
        &[
            CaseStatus::Open,
            CaseStatus::Reserved,
            CaseStatus::InProduction,
        ],
        None,
    )
    .await?
    {
        if let Some(r) = risk(db, &c, &p, &mut board).await? {
            out.push((c, r));
        }
    }
    Ok(out)
}
