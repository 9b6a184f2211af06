//! The manufacturing mutations' inputs and payloads.

use super::*;

/// A machine to create.
#[derive(InputObject)]
pub struct CreateMachineInput {
    /// Unique code, e.g. `MILL-5`.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Kind of machine.
    pub kind: MachineKind,
    /// IANA time zone of its calendar (default `UTC`).
    pub time_zone: Option<String>,
    /// Materials it is qualified to cut.
    pub materials: Vec<Material>,
    /// Smallest bar diameter it takes, mm (lathes).
    pub bar_min_diameter_mm: Option<Decimal>,
    /// Largest bar diameter it takes, mm (lathes).
    pub bar_max_diameter_mm: Option<Decimal>,
    /// Implant systems whose blanks its holder takes (mills), by global id.
    #[graphql(default)]
    pub blank_system_ids: Vec<ID>,
    /// Free-text notes.
    /// Newlines are allowed; at most 2,000 characters.
    pub notes: Option<String>,
}

/// Changes to a machine; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateMachineInput {
    /// New display name.
    pub name: Option<String>,
    /// New status (OUT_OF_SERVICE takes it out of the plan).
    pub status: Option<MachineStatus>,
    /// New list of materials.
    pub materials: Option<Vec<Material>>,
    /// New smallest bar diameter, mm.
    pub bar_min_diameter_mm: Option<Decimal>,
    /// New largest bar diameter, mm.
    pub bar_max_diameter_mm: Option<Decimal>,
    /// New list of blank-holder systems.
    pub blank_system_ids: Option<Vec<ID>>,
    /// New notes.
    /// Newlines are allowed; at most 2,000 characters.
    pub notes: Option<String>,
}

/// One weekly shift.
#[derive(InputObject)]
pub struct ShiftInput {
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub weekday: i16,
    /// Start, `HH:MM` local time.
    pub start: String,
    /// End, `HH:MM` local time, after the start (`24:00` for midnight).
    pub end: String,
}

/// A machine's weekly calendar.
#[derive(InputObject)]
pub struct MachineCalendarInput {
    /// IANA time zone, e.g. `Europe/Zurich`.
    pub time_zone: String,
    /// Every shift of the week; none may overlap another on its weekday.
    pub shifts: Vec<ShiftInput>,
}

/// A downtime window to book.
#[derive(InputObject)]
pub struct AddDowntimeInput {
    /// The machine.
    pub machine_id: ID,
    /// Maintenance, breakdown or calibration.
    pub kind: DowntimeKind,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End; after the start.
    pub ends_at: DateTime<Utc>,
    /// Why.
    /// Newlines are allowed; at most 2,000 characters.
    pub reason: String,
}

/// A tool to create.
#[derive(InputObject)]
pub struct CreateToolInput {
    /// Unique code.
    pub code: String,
    /// Description, e.g. `Bur set Ø1.0/2.0 mm`.
    pub name: String,
    /// The machine it is mounted on.
    pub machine_id: Option<ID>,
    /// Parts it may cut in its life.
    pub life_limit: i32,
}

/// A production job to create.
#[derive(InputObject)]
pub struct CreateJobInput {
    /// STOCK (a run of one SKU from bar) or CUSTOM (one part for a case, from a blank).
    pub kind: JobKind,
    /// STOCK: the SKU's article number.
    pub article_number: Option<String>,
    /// CUSTOM: the platform by global id (or give system and platform).
    pub platform_id: Option<ID>,
    /// CUSTOM: the implant system's name.
    pub system: Option<String>,
    /// CUSTOM: the platform's name within the system.
    pub platform: Option<String>,
    /// CUSTOM: the system's manufacturer, when two systems share a name.
    pub manufacturer: Option<String>,
    /// CUSTOM: abutment type (default STRAIGHT).
    pub abutment_type: Option<AbutmentType>,
    /// Material (STOCK: the SKU's; CUSTOM default Ti-6Al-4V ELI).
    pub material: Option<Material>,
    /// CUSTOM: engaging connection (default true).
    pub engaging: Option<bool>,
    /// Parts to make (CUSTOM: 1).
    #[graphql(default = 1)]
    pub quantity: i32,
    /// Setup minutes (default 45 STOCK, 10 CUSTOM).
    pub setup_minutes: Option<i32>,
    /// Cycle minutes per part (default 6 STOCK, 20 CUSTOM).
    pub cycle_minutes: Option<i32>,
    /// STOCK: bar length per part with cut-off, mm (default 22).
    pub bar_mm_per_part: Option<i32>,
    /// CUSTOM: gingival height, mm (0.5–5).
    pub gingival_height_mm: Option<Decimal>,
    /// CUSTOM: angulation, degrees (0–30).
    pub angulation_deg: Option<Decimal>,
    /// CUSTOM: post height, mm (4–6).
    pub post_height_mm: Option<Decimal>,
    /// CUSTOM: margin height, mm (0–3).
    pub margin_height_mm: Option<Decimal>,
    /// CUSTOM: screw-channel angle, degrees (0–25).
    pub screw_channel_angle_deg: Option<Decimal>,
    /// The case a CUSTOM part is for.
    pub case_reference: Option<String>,
    /// When it must be done.
    pub due_at: DateTime<Utc>,
    /// 1 (low) – 10 (urgent), default 5.
    #[graphql(default = 5)]
    pub priority: i32,
}

/// A lot to issue to a job.
#[derive(InputObject)]
pub struct MaterialPickInput {
    /// The raw-material lot.
    pub lot_id: ID,
    /// How much (mm of bar, blanks); default what the job still needs.
    pub quantity: Option<i64>,
}

/// Starting a job.
#[derive(InputObject)]
pub struct StartJobInput {
    /// Machine; default the planned one.
    pub machine_id: Option<ID>,
    /// Who runs it.
    pub operator: String,
    /// CAM program and version, e.g. `ABT-ST-45 v3.2`.
    pub cam_program: String,
    /// Tools; default the active tools mounted on the machine.
    pub tool_ids: Option<Vec<ID>>,
    /// Lots to issue; default released lots, oldest first.
    pub material: Option<Vec<MaterialPickInput>>,
}

/// Completing machining.
#[derive(InputObject)]
pub struct CompleteJobInput {
    /// Parts made (1 – the job's quantity).
    pub quantity_made: i32,
    /// QUARANTINE location for the finished lot (default the first by code).
    pub location: Option<String>,
}

/// A final inspection.
#[derive(InputObject)]
pub struct InspectJobInput {
    /// PASS or FAIL.
    pub result: InspectionResult,
    /// PASS: parts accepted (default all made); the rest are scrapped.
    pub quantity_accepted: Option<i32>,
    /// Findings.
    /// Newlines are allowed; at most 2,000 characters.
    pub note: Option<String>,
}

/// A hypothetical job to estimate.
#[derive(InputObject)]
pub struct JobEtaInput {
    /// The platform by global id (or give system and platform).
    pub platform_id: Option<ID>,
    /// The implant system's name.
    pub system: Option<String>,
    /// The platform's name within the system.
    pub platform: Option<String>,
    /// The system's manufacturer, when two systems share a name.
    pub manufacturer: Option<String>,
    /// Material (default Ti-6Al-4V ELI).
    pub material: Option<Material>,
    /// Angulation, degrees.
    pub angulation_deg: Option<Decimal>,
    /// Screw-channel angle, degrees.
    pub screw_channel_angle_deg: Option<Decimal>,
    /// Working minutes (default setup 10 + cycle 20).
    pub minutes: Option<i32>,
    /// Due date to compare with.
    pub due_at: Option<DateTime<Utc>>,
}

/// Filter for job lists.
#[derive(InputObject, Default)]
pub struct JobFilterInput {
    /// Any of these statuses.
    #[graphql(default)]
    pub statuses: Vec<JobStatus>,
    /// Only this kind.
    pub kind: Option<JobKind>,
    /// Only on this machine.
    pub machine_id: Option<ID>,
    /// Only for this case.
    pub case_reference: Option<String>,
}

// ------------------------------------------------------------------ payloads

/// Result of a machine mutation.
#[derive(SimpleObject)]
pub struct MachinePayload {
    /// The machine after the change; null on errors.
    pub machine: Option<Machine>,
    /// What was wrong; nothing changed when non-empty.
    pub user_errors: Vec<UserError>,
}

/// Result of a downtime mutation.
#[derive(SimpleObject)]
pub struct DowntimePayload {
    /// The downtime window; null on errors.
    pub downtime: Option<Downtime>,
    /// What was wrong; nothing changed when non-empty.
    pub user_errors: Vec<UserError>,
}

/// Result of a tool mutation.
#[derive(SimpleObject)]
pub struct ToolPayload {
    /// The tool; null on errors.
    pub tool: Option<Tool>,
    /// What was wrong; nothing changed when non-empty.
    pub user_errors: Vec<UserError>,
}

/// Result of a job mutation.
#[derive(SimpleObject)]
pub struct JobPayload {
    /// The job after the change; null on errors.
    pub job: Option<ProductionJob>,
    /// Things to watch, e.g. a tool that would pass its life limit.
    pub warnings: Vec<String>,
    /// What was wrong; nothing changed when non-empty.
    pub user_errors: Vec<UserError>,
}

/// Result of a scheduler run.
#[derive(SimpleObject)]
pub struct SchedulePayload {
    /// The run; null on errors.
    pub run: Option<ScheduleRun>,
    /// What was wrong; nothing changed when non-empty.
    pub user_errors: Vec<UserError>,
}

macro_rules! payload {
    ($t:ident, $field:ident, $model:ty, $wrap:ident) => {
        impl $t {
            pub(crate) fn of(r: Result<$model, Vec<UserError>>) -> Self {
                match r {
                    Ok(m) => $t {
                        $field: Some($wrap(m)),
                        user_errors: vec![],
                    },
                    Err(e) => $t {
                        $field: None,
                        user_errors: e,
                    },
                }
            }
        }
    };
}

payload!(MachinePayload, machine, machine::Model, Machine);
payload!(DowntimePayload, downtime, machine_downtime::Model, Downtime);
payload!(ToolPayload, tool, tool::Model, Tool);
payload!(SchedulePayload, run, schedule_run::Model, ScheduleRun);

impl JobPayload {
    pub(crate) fn of(r: Result<(production_job::Model, Vec<String>), Vec<UserError>>) -> Self {
        match r {
            Ok((j, w)) => JobPayload {
                job: Some(ProductionJob(j)),
                warnings: w,
                user_errors: vec![],
            },
            Err(e) => JobPayload {
                job: None,
                warnings: vec![],
                user_errors: e,
            },
        }
    }
}
