//! The seed utilities as built-in profiles: City of Shelby, Medford Water,
//! Gorod (Barnaul), Crow Wing Power, Cal Water, and the City of Chicago (seed 002's
//! payment rules). The TOML sources live in
//! the repository's `examples/profiles/` and are compiled into the library.

use super::UtilityProfile;
use crate::tariff::{Problem, TariffError};

/// The identifier and TOML text of every built-in profile.
pub const SOURCES: [(&str, &str); 6] = [
    (
        "shelby",
        include_str!("../../../../examples/profiles/shelby.toml"),
    ),
    (
        "medford",
        include_str!("../../../../examples/profiles/medford.toml"),
    ),
    (
        "gorod",
        include_str!("../../../../examples/profiles/gorod.toml"),
    ),
    (
        "crow-wing",
        include_str!("../../../../examples/profiles/crow-wing.toml"),
    ),
    (
        "cal-water",
        include_str!("../../../../examples/profiles/cal-water.toml"),
    ),
    (
        "chicago",
        include_str!("../../../../examples/profiles/chicago.toml"),
    ),
];

/// Identifiers of the built-in profiles.
pub fn ids() -> impl Iterator<Item = &'static str> {
    SOURCES.iter().map(|(id, _)| *id)
}

/// Loads the built-in profile `id`.
pub fn load(id: &str) -> Result<UtilityProfile, TariffError> {
    let (_, text) = SOURCES
        .iter()
        .find(|(k, _)| *k == id)
        .ok_or_else(|| TariffError::Invalid {
            id: crate::money::excerpt(id),
            problems: vec![Problem {
                path: "id".into(),
                message: format!(
                    "no built-in profile; use one of {}",
                    ids().collect::<Vec<_>>().join(", ")
                ),
            }],
        })?;
    UtilityProfile::from_toml(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_profile_loads() {
        for id in ids() {
            let p = load(id);
            assert!(p.is_ok(), "{id}: {:?}", p.err());
            assert_eq!(p.map(|p| p.id().to_string()).ok().as_deref(), Some(id));
        }
        assert!(load("nowhere").is_err());
    }
}
