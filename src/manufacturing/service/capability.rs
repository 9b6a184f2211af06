//! Which machine can make what: materials, bar diameters, angulation, implant systems.

use super::*;

/// What a job needs of a machine.
#[derive(Debug, Clone)]
pub struct Requirement {
    pub kind: JobKind,
    pub material: Material,
    /// Largest diameter of the part (STOCK): the bar must be at least this.
    pub part_diameter_um: Option<i32>,
    /// The implant system of a CUSTOM part's blank.
    pub system_id: Option<i64>,
    pub angulation_mdeg: i32,
    pub screw_channel_mdeg: i32,
}

/// A machine with the capabilities the rules look at.
#[derive(Debug, Clone)]
pub struct Capable {
    pub machine: machine::Model,
    pub materials: HashSet<Material>,
    pub systems: HashSet<i64>,
}

/// Largest angulation a 4-axis mill can cut, in millidegrees.
pub(crate) const MILL_4_AXIS_MAX_ANGLE: i32 = 20_000;

impl Capable {
    /// Why this machine cannot make the part, or `None` when it can.
    pub fn refusal(&self, r: &Requirement) -> Option<String> {
        let m = &self.machine;
        if m.status == MachineStatus::Retired {
            return Some("retired".into());
        }
        match r.kind {
            JobKind::Stock if !m.kind.takes_bar() => {
                return Some("mills blanks; stock parts are turned from bar".into());
            }
            JobKind::Custom if m.kind.takes_bar() => {
                return Some("turns bar; custom parts are milled from blanks".into());
            }
            _ => {}
        }
        if !self.materials.contains(&r.material) {
            return Some(format!("not qualified for {}", r.material));
        }
        if r.kind == JobKind::Stock
            && let (Some(d), Some(max)) = (r.part_diameter_um, m.bar_max_diameter_um)
            && d > max
        {
            return Some(format!(
                "part Ø{} mm exceeds its largest bar Ø{} mm",
                f64::from(d) / 1000.0,
                f64::from(max) / 1000.0
            ));
        }
        if r.kind == JobKind::Custom {
            if !r.system_id.is_some_and(|s| self.systems.contains(&s)) {
                return Some("its blank holder does not take this implant system".into());
            }
            if m.kind == MachineKind::Mill4Axis
                && (r.angulation_mdeg > MILL_4_AXIS_MAX_ANGLE || r.screw_channel_mdeg > 0)
            {
                return Some("a 4-axis mill cuts up to 20° and no angled screw channel".into());
            }
        }
        None
    }
}

/// Every non-retired machine with its capabilities (three queries).
pub async fn capable_machines(db: &impl ConnectionTrait) -> AppResult<Vec<Capable>> {
    let ms = machine::Entity::find()
        .filter(machine::Column::Status.ne(MachineStatus::Retired))
        .order_by_asc(machine::Column::Code)
        .all(db)
        .await?;
    let mut mats: HashMap<i64, HashSet<Material>> = HashMap::new();
    for r in machine_material::Entity::find().all(db).await? {
        mats.entry(r.machine_id).or_default().insert(r.material);
    }
    let mut systems: HashMap<i64, HashSet<i64>> = HashMap::new();
    for r in machine_system::Entity::find().all(db).await? {
        systems.entry(r.machine_id).or_default().insert(r.system_id);
    }
    Ok(ms
        .into_iter()
        .map(|m| Capable {
            materials: mats.remove(&m.id).unwrap_or_default(),
            systems: systems.remove(&m.id).unwrap_or_default(),
            machine: m,
        })
        .collect())
}

/// The requirement of a stored job.
pub async fn requirement(
    db: &impl ConnectionTrait,
    j: &production_job::Model,
) -> AppResult<Requirement> {
    let (part_diameter_um, system_id) = match j.kind {
        JobKind::Stock => {
            let sku = match j.sku_id {
                Some(id) => catalog::sku(db, id).await?,
                None => None,
            };
            (sku.and_then(|s| s.diameter_um), None)
        }
        JobKind::Custom => {
            let p = match j.platform_id {
                Some(id) => catalog::platform(db, id).await?,
                None => None,
            };
            (None, p.map(|p| p.system_id))
        }
    };
    Ok(Requirement {
        kind: j.kind,
        material: j.material,
        part_diameter_um,
        system_id,
        angulation_mdeg: j.angulation_mdeg.unwrap_or(0),
        screw_channel_mdeg: j.screw_channel_mdeg.unwrap_or(0),
    })
}
