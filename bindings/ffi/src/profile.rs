//! Utility profiles: load a built-in seed utility or a profile written in
//! TOML or JSON, validate one reporting every problem, and describe it.
//! [`Profile`] is the object the rest of the surface hangs off (bills, fee
//! quotes, passwords, registration, AutoPay).

use std::sync::Arc;

use ratepayer::profile::{builtin, UtilityProfile};
use ratepayer::TariffError;

use crate::error::Problem;
use crate::RatepayerError;

/// The text format of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ProfileFormat {
    /// TOML, as in the seed profiles under `examples/profiles`.
    Toml,
    /// JSON, the same fields.
    Json,
}

/// What a profile says about the utility.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProfileInfo {
    /// Stable identifier, for example `shelby`.
    pub id: String,
    /// The utility's name.
    pub name: String,
    /// IANA time zone.
    pub time_zone: String,
    /// ISO 4217 currency of its bills.
    pub currency: String,
    /// Its tariffs' identifiers, in order.
    pub tariff_ids: Vec<String>,
    /// True when it takes payments (has a fee schedule).
    pub takes_payments: bool,
    /// True when it has registration rules.
    pub has_registration: bool,
    /// True when it offers AutoPay.
    pub has_autopay: bool,
}

/// A validated utility profile with its compiled tariffs. Immutable and
/// shareable between threads.
#[derive(Debug, uniffi::Object)]
pub struct Profile {
    inner: UtilityProfile,
}

impl Profile {
    /// The core profile.
    pub fn core(&self) -> &UtilityProfile {
        &self.inner
    }

    fn wrap(inner: UtilityProfile) -> Arc<Profile> {
        Arc::new(Profile { inner })
    }
}

#[uniffi::export]
impl Profile {
    /// The built-in profile of a seed utility (`shelby`, `medford`, `gorod`,
    /// `crow-wing`, `cal-water`, `chicago`; see [`builtin_profile_ids`]).
    #[uniffi::constructor]
    pub fn builtin(id: String) -> Result<Arc<Profile>, RatepayerError> {
        Ok(Profile::wrap(builtin::load(&id)?))
    }

    /// Reads and validates a profile written in TOML; an invalid one raises
    /// `RatepayerError.Profile` listing every problem.
    #[uniffi::constructor]
    pub fn from_toml(text: String) -> Result<Arc<Profile>, RatepayerError> {
        Ok(Profile::wrap(UtilityProfile::from_toml(&text)?))
    }

    /// Reads and validates a profile written in JSON.
    #[uniffi::constructor]
    pub fn from_json(text: String) -> Result<Arc<Profile>, RatepayerError> {
        Ok(Profile::wrap(UtilityProfile::from_json(&text)?))
    }

    /// What the profile says about the utility.
    pub fn info(&self) -> ProfileInfo {
        let spec = self.inner.spec();
        ProfileInfo {
            id: spec.id.clone(),
            name: spec.name.clone(),
            time_zone: spec.time_zone.clone(),
            currency: spec.currency.code().to_string(),
            tariff_ids: self
                .inner
                .tariffs()
                .iter()
                .map(|t| t.id().to_string())
                .collect(),
            takes_payments: self.inner.fee_schedule().is_ok(),
            has_registration: spec.registration.is_some(),
            has_autopay: spec.autopay.is_some(),
        }
    }
}

/// Identifiers of the built-in profiles.
#[uniffi::export]
pub fn builtin_profile_ids() -> Vec<String> {
    builtin::ids().map(str::to_string).collect()
}

/// Every problem of a profile text, each with its path; empty when the
/// profile is valid. A text that does not parse gives one problem at the
/// path of the fault. Never raises for a bad profile: that is the answer.
#[uniffi::export]
pub fn validate_profile(
    text: String,
    format: ProfileFormat,
) -> Result<Vec<Problem>, RatepayerError> {
    let loaded = match format {
        ProfileFormat::Toml => UtilityProfile::from_toml(&text),
        ProfileFormat::Json => UtilityProfile::from_json(&text),
    };
    Ok(match loaded {
        Ok(_) => Vec::new(),
        Err(TariffError::Invalid { problems, .. }) => problems.iter().map(Problem::from).collect(),
        Err(TariffError::Parse {
            format,
            path,
            message,
        }) => vec![Problem {
            path,
            message: format!("the {format} could not be read: {message}"),
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_loads_and_an_unknown_one_is_a_profile_error() {
        for id in builtin_profile_ids() {
            let p = Profile::builtin(id.clone());
            assert_eq!(p.map(|p| p.info().id).ok(), Some(id));
        }
        assert!(matches!(
            Profile::builtin("nowhere".into()),
            Err(RatepayerError::Profile { .. })
        ));
    }

    #[test]
    fn validation_lists_every_problem() -> Result<(), RatepayerError> {
        let text = "id = \"\"\nname = \"x\"\ntime_zone = \"Mars/Base\"\ncurrency = \"USD\"\n";
        let problems = validate_profile(text.into(), ProfileFormat::Toml)?;
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["id", "time_zone"]);
        let e = Profile::from_toml(text.into());
        assert!(
            matches!(e, Err(RatepayerError::Profile { ref problems, .. }) if problems.len() == 2)
        );
        let parse = validate_profile("{".into(), ProfileFormat::Json)?;
        assert_eq!(parse.len(), 1);
        Ok(())
    }
}
