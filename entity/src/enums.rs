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
