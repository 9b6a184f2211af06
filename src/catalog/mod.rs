//! The implant catalogue: manufacturers, implant systems with their
//! connection, platforms, our abutment SKUs, and which SKU fits which
//! platform. It answers a sales rep's first question, "what fits this
//! implant?", and is loaded and kept current through CSV imports.

pub mod graphql;
pub mod gtin;
pub mod import;
pub mod service;
pub mod stock;
pub mod units;

/// The natural-key form of a name: trimmed, lower-case, inner white space
/// collapsed to one space. Lookups by name compare these.
pub fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    #[test]
    fn name_key_ignores_case_and_spacing() {
        assert_eq!(super::name_key("  Nobel  Active "), "nobel active");
        assert_eq!(super::name_key("NP"), "np");
    }
}
