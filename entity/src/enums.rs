//! Enumerations stored as upper-case text: readable in SQL and CSV, and stable
//! across SQLite and PostgreSQL.

use sea_orm::entity::prelude::*;

/// How an abutment seats in an implant: the implant system's connection.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ConnectionType {
    /// Internal hexagon (6 seating positions for engaging parts).
    #[sea_orm(string_value = "INTERNAL_HEX")]
    InternalHex,
    /// External hexagon on the implant's top (Brånemark style).
    #[sea_orm(string_value = "EXTERNAL_HEX")]
    ExternalHex,
    /// Internal conical (Morse taper) with an index: hex, octagon, grooves or lobes.
    #[sea_orm(string_value = "INTERNAL_CONICAL_INDEXED")]
    InternalConicalIndexed,
    /// Internal conical (Morse taper) without an index.
    #[sea_orm(string_value = "INTERNAL_CONICAL_NON_INDEXED")]
    InternalConicalNonIndexed,
    /// Tri-channel (tri-lobe), 3 seating positions.
    #[sea_orm(string_value = "TRI_CHANNEL")]
    TriChannel,
    /// Internal octagon, 8 seating positions.
    #[sea_orm(string_value = "INTERNAL_OCTAGON")]
    InternalOctagon,
    /// Any other connection; describe it in the system's notes.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// The kind of abutment a SKU is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum AbutmentType {
    /// Temporary abutment (PEEK or titanium) for a limited time in the mouth.
    #[sea_orm(string_value = "TEMPORARY")]
    Temporary,
    /// Straight stock abutment, usually cemented.
    #[sea_orm(string_value = "STRAIGHT")]
    Straight,
    /// Angled stock abutment (e.g. 15° or 25°).
    #[sea_orm(string_value = "ANGLED")]
    Angled,
    /// Castable (UCLA) abutment: gold-alloy base with a burn-out sleeve.
    #[sea_orm(string_value = "CASTABLE")]
    Castable,
    /// Ball attachment for overdentures.
    #[sea_orm(string_value = "BALL")]
    Ball,
    /// Locator-type attachment for overdentures.
    #[sea_orm(string_value = "LOCATOR")]
    Locator,
    /// Multi-unit abutment for screw-retained bridges.
    #[sea_orm(string_value = "MULTI_UNIT")]
    MultiUnit,
    /// Titanium base for a two-piece (hybrid) custom abutment.
    #[sea_orm(string_value = "TI_BASE")]
    TiBase,
}

/// The material an abutment is made of.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Material {
    /// Ti-6Al-4V ELI (ASTM F136, "grade 23"): the default titanium alloy.
    #[sea_orm(string_value = "TI_6AL_4V_ELI")]
    #[graphql(name = "TI_6AL_4V_ELI")]
    Ti6Al4VEli,
    /// Ti-6Al-4V grade 5.
    #[sea_orm(string_value = "TI_6AL_4V_GRADE_5")]
    #[graphql(name = "TI_6AL_4V_GRADE_5")]
    Ti6Al4VGrade5,
    /// Commercially pure titanium grade 4 (ASTM F67).
    #[sea_orm(string_value = "CP_TI_GRADE_4")]
    #[graphql(name = "CP_TI_GRADE_4")]
    CpTiGrade4,
    /// Ti-6Al-7Nb.
    #[sea_orm(string_value = "TI_6AL_7NB")]
    #[graphql(name = "TI_6AL_7NB")]
    Ti6Al7Nb,
    /// Polyether ether ketone, for temporaries.
    #[sea_orm(string_value = "PEEK")]
    Peek,
    /// Gold alloy, for castable bases.
    #[sea_orm(string_value = "GOLD_ALLOY")]
    GoldAlloy,
    /// Cobalt-chromium alloy.
    #[sea_orm(string_value = "CO_CR")]
    CoCr,
    /// Zirconia.
    #[sea_orm(string_value = "ZIRCONIA")]
    Zirconia,
}

/// Whether a SKU is still sold.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum SkuStatus {
    /// Sold and made.
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    /// No longer sold; kept for traceability of lots already made.
    #[sea_orm(string_value = "DISCONTINUED")]
    Discontinued,
}

/// Level of a location in the tree.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum LocationLevel {
    /// A site (plant, warehouse building).
    #[sea_orm(string_value = "SITE")]
    Site,
    /// A zone within a site.
    #[sea_orm(string_value = "ZONE")]
    Zone,
    /// A bin or shelf within a zone: where stock lies.
    #[sea_orm(string_value = "BIN")]
    Bin,
}

/// What a location is used for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum LocationType {
    /// Goods in: lots are received here.
    #[sea_orm(string_value = "RECEIVING")]
    Receiving,
    /// Stock that can be promised (when the lot is released and unexpired).
    #[sea_orm(string_value = "STOCK")]
    Stock,
    /// Segregated stock awaiting inspection or decision.
    #[sea_orm(string_value = "QUARANTINE")]
    Quarantine,
    /// At a machine, issued to production.
    #[sea_orm(string_value = "PRODUCTION")]
    Production,
    /// Packed, awaiting dispatch.
    #[sea_orm(string_value = "SHIPPING")]
    Shipping,
    /// Scrapped material.
    #[sea_orm(string_value = "SCRAP")]
    Scrap,
}

/// Kind of stock item.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ItemKind {
    /// Titanium bar, counted in millimetres of length.
    #[sea_orm(string_value = "BAR")]
    Bar,
    /// Pre-milled blank with one system's connection, counted in pieces.
    #[sea_orm(string_value = "BLANK")]
    Blank,
    /// A finished abutment of one of our SKUs, counted in pieces.
    #[sea_orm(string_value = "FINISHED")]
    Finished,
}

/// Unit of a quantity.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum StockUnit {
    /// Millimetres (of bar length).
    #[sea_orm(string_value = "MM")]
    Mm,
    /// Pieces.
    #[sea_orm(string_value = "PCS")]
    Pcs,
}

/// Stored state of a lot. `EXPIRED` is not stored: it is derived from the
/// expiry date (see the lot's `effectiveState`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum LotState {
    /// Received, awaiting inspection: not usable.
    #[sea_orm(string_value = "QUARANTINE")]
    Quarantine,
    /// Inspected and released: usable.
    #[sea_orm(string_value = "RELEASED")]
    Released,
    /// Blocked pending a decision: not usable.
    #[sea_orm(string_value = "ON_HOLD")]
    OnHold,
    /// Failed inspection: not usable, to be scrapped or returned.
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    /// Under a recall: not usable.
    #[sea_orm(string_value = "RECALLED")]
    Recalled,
}

/// Why stock moved.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum MovementReason {
    /// Goods received (into a receiving location).
    #[sea_orm(string_value = "RECEIPT")]
    Receipt,
    /// Moved between locations.
    #[sea_orm(string_value = "TRANSFER")]
    Transfer,
    /// Material issued to a production job.
    #[sea_orm(string_value = "ISSUE_TO_PRODUCTION")]
    IssueToProduction,
    /// Parts made by a production job.
    #[sea_orm(string_value = "PRODUCTION_OUTPUT")]
    ProductionOutput,
    /// Units promised to a reference (on hand unchanged, reserved up).
    #[sea_orm(string_value = "RESERVATION")]
    Reservation,
    /// A reservation given back (reserved down).
    #[sea_orm(string_value = "RESERVATION_RELEASE")]
    ReservationRelease,
    /// Units shipped out.
    #[sea_orm(string_value = "SHIPMENT")]
    Shipment,
    /// Units returned by a customer.
    #[sea_orm(string_value = "RETURN")]
    Return,
    /// A correction after a count.
    #[sea_orm(string_value = "ADJUSTMENT")]
    Adjustment,
    /// Units scrapped.
    #[sea_orm(string_value = "SCRAP")]
    Scrap,
    /// The lot's state changed (quantity is the lot's total on hand; no stock moves).
    #[sea_orm(string_value = "STATE_CHANGE")]
    StateChange,
    /// A reservation's units taken from their location for packing, checked
    /// against the scanned label (no stock moves: they stay on hand and
    /// reserved there until shipped).
    #[sea_orm(string_value = "PICK")]
    Pick,
}

/// Status of a reservation.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ReservationStatus {
    /// Holding units.
    #[sea_orm(string_value = "OPEN")]
    Open,
    /// Given back.
    #[sea_orm(string_value = "RELEASED")]
    Released,
    /// Shipped.
    #[sea_orm(string_value = "SHIPPED")]
    Shipped,
}

/// Kind of machine.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum MachineKind {
    /// Swiss-type CNC lathe: stock abutments from bar.
    #[sea_orm(string_value = "SWISS_LATHE")]
    SwissLathe,
    /// 5-axis dental mill: custom abutments from pre-milled blanks.
    #[sea_orm(string_value = "MILL_5_AXIS")]
    Mill5Axis,
    /// 4-axis mill: custom parts from blanks, with smaller angulations.
    #[sea_orm(string_value = "MILL_4_AXIS")]
    Mill4Axis,
    /// Conventional CNC lathe: stock parts from bar.
    #[sea_orm(string_value = "CNC_LATHE")]
    CncLathe,
}

impl MachineKind {
    /// Whether the machine turns parts from bar (else it mills blanks).
    pub fn takes_bar(self) -> bool {
        matches!(self, MachineKind::SwissLathe | MachineKind::CncLathe)
    }
}

/// Whether a machine can be planned.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum MachineStatus {
    /// In service: planned inside its calendar, outside downtime.
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    /// Out of service until further notice: nothing is planned on it.
    #[sea_orm(string_value = "OUT_OF_SERVICE")]
    OutOfService,
    /// Retired for good.
    #[sea_orm(string_value = "RETIRED")]
    Retired,
}

/// Why a machine is not available for a while.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum DowntimeKind {
    /// Planned maintenance.
    #[sea_orm(string_value = "MAINTENANCE")]
    Maintenance,
    /// Unplanned breakdown.
    #[sea_orm(string_value = "BREAKDOWN")]
    Breakdown,
    /// Calibration or qualification run.
    #[sea_orm(string_value = "CALIBRATION")]
    Calibration,
}

/// State of a tool.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ToolStatus {
    /// In use.
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    /// Taken out of use.
    #[sea_orm(string_value = "RETIRED")]
    Retired,
}

/// Kind of production job.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum JobKind {
    /// A run of N pieces of one of our SKUs, turned from bar.
    #[sea_orm(string_value = "STOCK")]
    Stock,
    /// One custom abutment for a case, milled from a blank.
    #[sea_orm(string_value = "CUSTOM")]
    Custom,
}

/// Status of a production job.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum JobStatus {
    /// Created, not yet placed on a machine by the scheduler.
    #[sea_orm(string_value = "PLANNED")]
    Planned,
    /// Placed on a machine with a planned start and end.
    #[sea_orm(string_value = "SCHEDULED")]
    Scheduled,
    /// Material issued, running on its machine.
    #[sea_orm(string_value = "IN_PROGRESS")]
    InProgress,
    /// Machining done; the finished lot waits in quarantine for inspection.
    #[sea_orm(string_value = "INSPECTION")]
    Inspection,
    /// Inspected and accepted.
    #[sea_orm(string_value = "DONE")]
    Done,
    /// Abandoned after material was issued, or failed inspection.
    #[sea_orm(string_value = "SCRAPPED")]
    Scrapped,
    /// Cancelled before it started.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

impl JobStatus {
    /// Whether the scheduler still plans the job.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            JobStatus::Planned | JobStatus::Scheduled | JobStatus::InProgress
        )
    }
}

/// Outcome of a job's final inspection.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum InspectionResult {
    /// Accepted.
    #[sea_orm(string_value = "PASS")]
    Pass,
    /// Rejected.
    #[sea_orm(string_value = "FAIL")]
    Fail,
}

/// The restoration the abutment carries.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Restoration {
    /// One crown on one implant: the abutment must engage (anti-rotation).
    #[sea_orm(string_value = "SINGLE_CROWN")]
    SingleCrown,
    /// A bridge over several implants: non-engaging abutments allowed.
    #[sea_orm(string_value = "BRIDGE")]
    Bridge,
    /// A bar or an overdenture: non-engaging abutments allowed.
    #[sea_orm(string_value = "BAR_OVERDENTURE")]
    BarOverdenture,
}

/// Where a clinical case stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum CaseStatus {
    /// Ordered, not yet decided.
    #[sea_orm(string_value = "OPEN")]
    Open,
    /// A unit of finished stock is reserved for it.
    #[sea_orm(string_value = "RESERVED")]
    Reserved,
    /// A custom job makes its abutment.
    #[sea_orm(string_value = "IN_PRODUCTION")]
    InProduction,
    /// Shipped to the clinic.
    #[sea_orm(string_value = "SHIPPED")]
    Shipped,
    /// Done (delivered, nothing more expected).
    #[sea_orm(string_value = "CLOSED")]
    Closed,
    /// Withdrawn; its reservation released, its job cancelled.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// How a case is served.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum CaseDecision {
    /// A unit of a finished SKU from stock.
    #[sea_orm(string_value = "STOCK")]
    Stock,
    /// A custom abutment milled for it.
    #[sea_orm(string_value = "CUSTOM")]
    Custom,
}

/// FDA recall class: how serious the risk is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum RecallClass {
    /// Class I: serious adverse health consequences or death are likely.
    #[sea_orm(string_value = "CLASS_I")]
    #[graphql(name = "CLASS_I")]
    ClassI,
    /// Class II: temporary or medically reversible harm, or a remote chance of serious harm.
    #[sea_orm(string_value = "CLASS_II")]
    #[graphql(name = "CLASS_II")]
    ClassII,
    /// Class III: harm is unlikely.
    #[sea_orm(string_value = "CLASS_III")]
    #[graphql(name = "CLASS_III")]
    ClassIII,
}

/// Where a recall is in its life.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum RecallStatus {
    /// Created; its impact can be previewed; nothing is stopped yet.
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    /// Activated: affected stock is RECALLED, consignees are being notified and return units.
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    /// Reconciled and closed.
    #[sea_orm(string_value = "CLOSED")]
    Closed,
    /// Dropped before activation.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// What a recall's scope names.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum RecallScopeKind {
    /// A list of lots (any kind).
    #[sea_orm(string_value = "LOTS")]
    Lots,
    /// Every bar lot of a heat number.
    #[sea_orm(string_value = "HEAT")]
    Heat,
    /// One pre-milled blank lot.
    #[sea_orm(string_value = "BLANK_LOT")]
    BlankLot,
    /// Lots made on a machine by jobs that ran in a time window.
    #[sea_orm(string_value = "MACHINE_WINDOW")]
    MachineWindow,
    /// Lots made by jobs that used a tool.
    #[sea_orm(string_value = "TOOL")]
    Tool,
}

/// What a consignee did with recalled units.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum RecallActionKind {
    /// Units sent back to us (a RETURN movement in the ledger).
    #[sea_orm(string_value = "RETURN")]
    Return,
    /// Units the consignee confirms were used (implanted) and cannot come back.
    #[sea_orm(string_value = "USED")]
    Used,
}

/// How a consignee was notified of a recall.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum NotificationChannel {
    /// E-mail (field safety notice attached).
    #[sea_orm(string_value = "EMAIL")]
    Email,
    /// Telephone call.
    #[sea_orm(string_value = "PHONE")]
    Phone,
    /// Registered letter.
    #[sea_orm(string_value = "LETTER")]
    Letter,
    /// In person, by a sales rep.
    #[sea_orm(string_value = "VISIT")]
    Visit,
    /// Through the customer portal or an EDI message.
    #[sea_orm(string_value = "PORTAL")]
    Portal,
}

/// Prints each enumeration as the API and the database spell it
/// (`ON_HOLD`, `CLASS_II`), for messages and CSV cells.
macro_rules! display_as_stored {
    ($($e:ty),* $(,)?) => {$(
        impl std::fmt::Display for $e {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.to_value())
            }
        }
    )*};
}

display_as_stored!(
    ConnectionType,
    AbutmentType,
    Material,
    SkuStatus,
    LocationLevel,
    LocationType,
    ItemKind,
    StockUnit,
    LotState,
    MovementReason,
    ReservationStatus,
    MachineKind,
    MachineStatus,
    DowntimeKind,
    ToolStatus,
    JobKind,
    JobStatus,
    InspectionResult,
    Restoration,
    CaseStatus,
    CaseDecision,
    RecallClass,
    RecallStatus,
    RecallScopeKind,
    RecallActionKind,
    NotificationChannel,
);

#[cfg(test)]
mod display_tests {
    use super::*;

    fn api_names<E>() -> Vec<(String, String)>
    where
        E: async_graphql::resolver_utils::EnumType + sea_orm::Iterable + std::fmt::Display + Copy,
    {
        E::iter()
            .map(|v| {
                let api = match async_graphql::resolver_utils::enum_value(v) {
                    async_graphql::Value::Enum(n) => n.to_string(),
                    other => other.to_string(),
                };
                (v.to_string(), api)
            })
            .collect()
    }

    #[test]
    fn every_enumeration_prints_as_its_api_name() {
        let all = [
            api_names::<ConnectionType>(),
            api_names::<AbutmentType>(),
            api_names::<Material>(),
            api_names::<SkuStatus>(),
            api_names::<LocationLevel>(),
            api_names::<LocationType>(),
            api_names::<ItemKind>(),
            api_names::<StockUnit>(),
            api_names::<LotState>(),
            api_names::<MovementReason>(),
            api_names::<ReservationStatus>(),
            api_names::<MachineKind>(),
            api_names::<MachineStatus>(),
            api_names::<DowntimeKind>(),
            api_names::<ToolStatus>(),
            api_names::<JobKind>(),
            api_names::<JobStatus>(),
            api_names::<InspectionResult>(),
            api_names::<Restoration>(),
            api_names::<CaseStatus>(),
            api_names::<CaseDecision>(),
            api_names::<RecallClass>(),
            api_names::<RecallStatus>(),
            api_names::<RecallScopeKind>(),
            api_names::<RecallActionKind>(),
            api_names::<NotificationChannel>(),
        ];
        for (shown, api) in all.into_iter().flatten() {
            assert_eq!(shown, api);
        }
    }
}
