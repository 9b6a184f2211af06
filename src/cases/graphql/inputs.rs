//! The case mutations' inputs and payloads.

use super::*;

/// A clinic to create.
#[derive(InputObject)]
pub struct CreateClinicInput {
    /// Unique short code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Street address.
    /// Newlines are allowed; at most 2,000 characters.
    pub address: String,
    /// City.
    pub city: String,
    /// ISO 3166 two-letter country code.
    pub country: String,
    /// Person to contact.
    pub contact_name: String,
    /// E-mail of the contact.
    pub email: String,
    /// Phone.
    pub phone: Option<String>,
}

/// A case to create.
#[derive(InputObject)]
pub struct CreateCaseInput {
    /// The ordering clinic's code.
    pub clinic: String,
    /// The clinic's order reference (unique per clinic).
    pub order_reference: String,
    /// A pseudonym for the patient: 4–32 letters, digits or '-', with a digit. Never a name.
    pub patient_pseudonym: String,
    /// Tooth in FDI notation: 11–18, 21–28, 31–38, 41–48.
    pub tooth: i32,
    /// Implant system name.
    pub system: Option<String>,
    /// The system's manufacturer, when two systems share a name.
    pub manufacturer: Option<String>,
    /// Platform name within the system.
    pub platform: Option<String>,
    /// The platform by global id (with `system`, it must belong to it).
    pub platform_id: Option<ID>,
    /// The restoration.
    pub restoration: Restoration,
    /// Wanted abutment type.
    pub abutment_type: AbutmentType,
    /// Wanted gingival height, mm (0–8).
    pub gingival_height_mm: Decimal,
    /// Wanted angulation, degrees (0–45; default 0).
    pub angulation_deg: Option<Decimal>,
    /// Engaging (default: yes for a single crown, no otherwise).
    pub engaging: Option<bool>,
    /// Preferred material (default: any).
    pub material: Option<Material>,
    /// When the clinic needs it; must be in the future.
    pub due_at: DateTime<Utc>,
}

/// The option to confirm: a lot (from `matching.options[].lot.id`) or a custom part.
#[derive(InputObject)]
pub struct ConfirmCaseInput {
    /// Global id of the case.
    pub case_id: ID,
    /// Reserve one unit of this lot.
    pub lot_id: Option<ID>,
    /// Or mill a custom part (true).
    pub custom: Option<bool>,
}

/// New matching tolerances.
#[derive(InputObject)]
pub struct MatchingPolicyInput {
    /// Gingival height tolerance, mm (0–3).
    pub gingival_tolerance_mm: Decimal,
    /// Angulation tolerance, degrees (0–15).
    pub angulation_tolerance_deg: Decimal,
}
