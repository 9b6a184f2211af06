//! The matching policy: how far gingival height and angulation may differ.

use super::*;

/// Tolerances of matching, stored as settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// How far a SKU's gingival height may be from the wanted one, µm.
    pub gingival_tolerance_um: i32,
    /// How far a SKU's angulation may be from the wanted one, millidegrees.
    pub angulation_tolerance_mdeg: i32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            gingival_tolerance_um: 500,
            angulation_tolerance_mdeg: 5_000,
        }
    }
}

pub(crate) const GH_KEY: &str = "matching.gingival_tolerance_um";
pub(crate) const ANG_KEY: &str = "matching.angulation_tolerance_mdeg";

/// The matching policy in force.
pub async fn policy(db: &impl ConnectionTrait) -> AppResult<Policy> {
    let mut p = Policy::default();
    for s in setting::Entity::find()
        .filter(setting::Column::Key.is_in([GH_KEY, ANG_KEY]))
        .all(db)
        .await?
    {
        let v: i32 = s
            .value
            .parse()
            .map_err(|_| AppError::Internal(format!("setting {} is not a number", s.key)))?;
        match s.key.as_str() {
            GH_KEY => p.gingival_tolerance_um = v,
            _ => p.angulation_tolerance_mdeg = v,
        }
    }
    Ok(p)
}

/// Changes the matching policy.
pub async fn set_policy(db: &impl ConnectionTrait, actor: &Actor, p: Policy) -> AppResult<Policy> {
    if !(0..=3_000).contains(&p.gingival_tolerance_um) {
        return Err(AppError::bad_input("gingivalToleranceMm", "must be 0–3 mm"));
    }
    if !(0..=15_000).contains(&p.angulation_tolerance_mdeg) {
        return Err(AppError::bad_input(
            "angulationToleranceDeg",
            "must be 0–15°",
        ));
    }
    for (k, v) in [
        (GH_KEY, p.gingival_tolerance_um),
        (ANG_KEY, p.angulation_tolerance_mdeg),
    ] {
        let am = setting::ActiveModel {
            key: Set(k.to_owned()),
            value: Set(v.to_string()),
            updated_by: Set(actor.name.clone()),
            updated_at: Set(Utc::now()),
        };
        if setting::Entity::find_by_id(k.to_owned())
            .one(db)
            .await?
            .is_some()
        {
            am.update(db).await?;
        } else {
            am.insert(db).await?;
        }
    }
    Ok(p)
}
