//! Utility profiles: everything that describes one utility as data (its time
//! zone, currency, rounding policy, tariffs and meter self-reading rules),
//! loaded from TOML or JSON and validated as a whole. The seed utilities ship
//! built in (see [`builtin`]).

pub mod builtin;
mod portal_policy;

pub use portal_policy::PortalPolicy;

use serde::{Deserialize, Serialize};

use crate::autopay::{AutopayPolicy, CalendarChoice};
use crate::calendar::{Calendar, CalendarError, CalendarSpec};
use crate::fees::{FeeError, FeeSchedule, FeeScheduleSpec};
use crate::login::LoginPolicy;
use crate::password::PasswordPolicy;
use crate::payment::PaymentPolicy;
use crate::registration::RegistrationPolicy;
use crate::self_read::SelfReadPolicy;
use crate::tariff::{from_json, from_toml, validate, Problem, TariffError};
use crate::verification::VerificationPolicy;
use crate::{Currency, RoundingPolicy, Tariff, TariffSpec};

/// A utility described as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileSpec {
    /// Stable identifier, for example `"shelby"`.
    pub id: String,
    /// The utility's name.
    pub name: String,
    /// IANA time zone of the utility, for example `"America/New_York"`.
    pub time_zone: String,
    /// Currency of its bills.
    pub currency: Currency,
    /// Rounding policy of its bills (tariffs may override it).
    #[serde(default)]
    pub rounding: RoundingPolicy,
    /// Customer self-reading of meters, where the utility offers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_read: Option<SelfReadPolicy>,
    /// Its convenience-fee schedule, where it takes payments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fees: Option<FeeScheduleSpec>,
    /// How it allocates payments and writes account numbers.
    #[serde(default)]
    pub payments: PaymentPolicy,
    /// How customers register and prove an account is theirs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration: Option<RegistrationPolicy>,
    /// The password policy (NIST SP 800-63B-4 unless the profile says otherwise).
    #[serde(default)]
    pub password: PasswordPolicy,
    /// Verification codes, temporary passwords and recovery tokens.
    #[serde(default)]
    pub verification: VerificationPolicy,
    /// Login throttling and the unrecognised-device challenge.
    #[serde(default)]
    pub login: LoginPolicy,
    /// Its office calendar, where it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<CalendarSpec>,
    /// Its AutoPay options and rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autopay: Option<AutopayPolicy>,
    /// Its portal display rules.
    #[serde(default)]
    pub portal: PortalPolicy,
    /// Its tariffs.
    #[serde(default)]
    pub tariffs: Vec<TariffSpec>,
}

/// A validated utility profile with its compiled tariffs.
#[derive(Debug, Clone)]
pub struct UtilityProfile {
    spec: ProfileSpec,
    time_zone: chrono_tz::Tz,
    tariffs: Vec<Tariff>,
    fees: Option<FeeSchedule>,
}

impl UtilityProfile {
    /// Validates `spec`, reporting every problem of the profile and of each of
    /// its tariffs at once (tariff paths start with `tariffs[i].`).
    pub fn new(spec: ProfileSpec) -> Result<UtilityProfile, TariffError> {
        let problems = check(&spec);
        let tz = spec.time_zone.parse::<chrono_tz::Tz>();
        match (problems.is_empty(), tz) {
            (true, Ok(time_zone)) => {
                let tariffs = spec
                    .tariffs
                    .iter()
                    .map(|t| {
                        let rounding = t.rounding.unwrap_or(spec.rounding);
                        Tariff::new(t.clone()).map(|t| t.with_rounding(rounding))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let fees = match &spec.fees {
                    Some(f) => Some(
                        FeeSchedule::load(f.clone(), spec.currency, spec.rounding).map_err(
                            |e| TariffError::Invalid {
                                id: spec.id.clone(),
                                problems: vec![Problem {
                                    path: "fees".into(),
                                    message: e.to_string(),
                                }],
                            },
                        )?,
                    ),
                    None => None,
                };
                Ok(UtilityProfile {
                    spec,
                    time_zone,
                    tariffs,
                    fees,
                })
            }
            _ => Err(TariffError::Invalid {
                id: spec.id.clone(),
                problems,
            }),
        }
    }

    /// Reads and validates a profile written in TOML.
    pub fn from_toml(text: &str) -> Result<UtilityProfile, TariffError> {
        UtilityProfile::new(from_toml(text)?)
    }

    /// Reads and validates a profile written in JSON.
    pub fn from_json(text: &str) -> Result<UtilityProfile, TariffError> {
        UtilityProfile::new(from_json(text)?)
    }

    /// The profile's data.
    pub fn spec(&self) -> &ProfileSpec {
        &self.spec
    }

    /// The utility's identifier.
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// The utility's time zone.
    pub fn time_zone(&self) -> chrono_tz::Tz {
        self.time_zone
    }

    /// Its tariffs, compiled.
    pub fn tariffs(&self) -> &[Tariff] {
        &self.tariffs
    }

    /// The utility's fee schedule.
    pub fn fee_schedule(&self) -> Result<&FeeSchedule, FeeError> {
        self.fees
            .as_ref()
            .ok_or_else(|| FeeError::NoSchedule(self.spec.id.clone()))
    }

    /// The compliance warnings of its fee schedule: rules of card networks
    /// and state law the data cannot decide, or conditions it cannot check
    /// (the errors refuse the profile). Empty without a schedule.
    pub fn fee_compliance(&self) -> &[crate::fees::Finding] {
        self.fees
            .as_ref()
            .map(FeeSchedule::compliance_warnings)
            .unwrap_or_default()
    }

    /// The calendar AutoPay drafts follow: the Federal Reserve's, or the
    /// profile's own when `[autopay] calendar = "profile"`.
    pub fn draft_calendar(&self) -> Result<Calendar, CalendarError> {
        let own = matches!(
            self.spec.autopay.as_ref().map(|a| a.calendar),
            Some(CalendarChoice::Profile)
        );
        match (&self.spec.calendar, own) {
            (Some(spec), true) => Calendar::from_spec(spec),
            _ => Ok(Calendar::fed()),
        }
    }

    /// The utility's AutoPay settings.
    pub fn autopay(&self) -> Option<&AutopayPolicy> {
        self.spec.autopay.as_ref()
    }

    /// The tariff with `id`.
    pub fn tariff(&self, id: &str) -> Result<&Tariff, TariffError> {
        self.tariffs.iter().find(|t| t.id() == id).ok_or_else(|| {
            let known: Vec<&str> = self.tariffs.iter().map(|t| t.id()).collect();
            TariffError::Invalid {
                id: self.spec.id.clone(),
                problems: vec![Problem {
                    path: "tariffs".into(),
                    message: format!(
                        "no tariff `{}`; the profile has {}",
                        crate::money::excerpt(id),
                        known.join(", ")
                    ),
                }],
            }
        })
    }
}

/// Every problem of a profile, including those of its tariffs.
pub fn check(spec: &ProfileSpec) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut add = |path: String, message: String| problems.push(Problem { path, message });
    if spec.id.trim().is_empty() {
        add(
            "id".into(),
            "is empty; give the profile a stable identifier".into(),
        );
    }
    if spec.time_zone.parse::<chrono_tz::Tz>().is_err() {
        add(
            "time_zone".into(),
            format!(
                "`{}` is not an IANA time zone; use a name such as America/Chicago",
                crate::money::excerpt(&spec.time_zone)
            ),
        );
    }
    if let Some(Err(e)) = spec.self_read.as_ref().map(SelfReadPolicy::validate) {
        add("self_read".into(), e.to_string());
    }
    if let Err(e) = spec.payments.account_number.validate() {
        add("payments.account_number".into(), e.to_string());
    }
    if let Some(r) = &spec.registration {
        if r.terms_version.trim().is_empty() {
            add(
                "registration.terms_version".into(),
                "is empty; name the version of the terms customers accept".into(),
            );
        }
        if r.proofs.is_empty() {
            add(
                "registration.proofs".into(),
                "is empty; list what a customer gives to prove the account is theirs".into(),
            );
        }
    }
    if let Some(fee) = spec.payments.returned_payment_fee {
        let units = spec.currency.minor_units();
        if fee.is_sign_negative() || fee.is_zero() || fee.normalize().scale() > units {
            add(
                "payments.returned_payment_fee".into(),
                format!(
                    "{fee} is not a fee; write an amount above zero with at most {units} digits \
                     after the point, or leave it out when the utility charges none"
                ),
            );
        }
    }
    for p in spec.verification.problems() {
        add(format!("verification.{}", p.path), p.message);
    }
    for p in spec.login.problems() {
        add(format!("login.{}", p.path), p.message);
    }
    if let Some(c) = &spec.calendar {
        for p in c.problems() {
            add(format!("calendar.{}", p.path), p.message);
        }
    }
    if let Some(a) = &spec.autopay {
        if a.calendar == CalendarChoice::Profile && spec.calendar.is_none() {
            add(
                "autopay.calendar".into(),
                "is `profile` but the profile has no `[calendar]`".into(),
            );
        }
        if let Some(Err(e)) = a.enrolment.as_ref().map(|e| e.validate()) {
            add("autopay.enrolment".into(), e.to_string());
        }
        for p in a.retry.problems() {
            add(format!("autopay.retry.{}", p.path), p.message);
        }
        if a.options.is_empty() {
            add(
                "autopay.options".into(),
                "is empty; list the AutoPay options the utility offers".into(),
            );
        }
        for (i, o) in a.options.iter().enumerate() {
            let priced = spec.fees.as_ref().is_some_and(|f| {
                o.methods.iter().all(|m| {
                    f.rules
                        .iter()
                        .any(|r| r.channels.contains(&o.channel) && r.methods.contains(m))
                })
            });
            if !priced {
                add(
                    format!("autopay.options[{i}].methods"),
                    format!(
                        "every method of `{}` must be priced for channel `{}` in `[fees]`",
                        o.name, o.channel
                    ),
                );
            }
        }
    }
    if let Some(f) = &spec.fees {
        for p in crate::fees::validate(f) {
            add(format!("fees.{}", p.path), p.message);
        }
        // Card-network rules and state law: the errors (warnings stay on the
        // loaded schedule, see `UtilityProfile::fee_compliance`).
        if let Err(errors) = crate::fees::check_on_load(f) {
            for p in errors {
                add(format!("fees.{}", p.path), p.message);
            }
        }
    }
    for (i, t) in spec.tariffs.iter().enumerate() {
        if spec.tariffs.iter().take(i).any(|o| o.id == t.id) {
            add(
                format!("tariffs[{i}].id"),
                format!("`{}` is used by an earlier tariff", t.id),
            );
        }
        if t.currency != spec.currency {
            add(
                format!("tariffs[{i}].currency"),
                format!(
                    "{} differs from the profile's currency {}",
                    t.currency, spec.currency
                ),
            );
        }
        for p in validate(t) {
            add(format!("tariffs[{i}].{}", p.path), p.message);
        }
    }
    problems
}
