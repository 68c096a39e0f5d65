//! The compiled fee schedule: validated, with a channel × method table for
//! constant-time lookup, each rule's disclosure text written once, the list
//! of fee-free ways to pay, and a fingerprint that changes with any rule.

use std::sync::Arc;

use rust_decimal::Decimal;
use serde::Serialize;

use super::spec::{
    Channel, FeeBasis, FeeKind, FeeModel, FeeRuleSpec, FeeScheduleSpec, PaymentMethod,
};
use super::FeeError;
use crate::tariff::Problem;
use crate::{Currency, Money, RoundingPolicy};

/// A way to pay: a channel and a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct PaymentOption {
    /// The channel.
    pub channel: Channel,
    /// The method.
    pub method: PaymentMethod,
}

#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub spec: FeeRuleSpec,
    pub disclosure: Arc<str>,
}

/// A validated fee schedule in one currency, ready to quote.
#[derive(Debug, Clone)]
pub struct FeeSchedule {
    pub(crate) spec: FeeScheduleSpec,
    pub(crate) currency: Currency,
    /// Rule index (+1; 0 = not accepted) by channel and method.
    table: [[u16; 8]; 8],
    pub(crate) rules: Vec<Rule>,
    pub(crate) fee_free: Arc<[PaymentOption]>,
    pub(crate) no_alternatives: Arc<[PaymentOption]>,
    pub(crate) fingerprint: u64,
    /// Compliance warnings found when it loaded (empty from [`FeeSchedule::new`]).
    warnings: Arc<[super::Finding]>,
}

const MAX_RULES: usize = 64;

/// Every problem of a fee schedule (paths start with `rules[i]`).
pub fn validate(spec: &FeeScheduleSpec) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut add = |path: String, message: String| problems.push(Problem { path, message });
    if spec.rules.len() > MAX_RULES {
        add(
            "rules".into(),
            format!("has {} rules; at most {MAX_RULES}", spec.rules.len()),
        );
    }
    let mut owner: [[Option<usize>; 8]; 8] = [[None; 8]; 8];
    for (i, r) in spec.rules.iter().enumerate() {
        let at = format!("rules[{i}]");
        if r.channels.is_empty() {
            add(
                format!("{at}.channels"),
                "is empty; name the channels the rule prices".into(),
            );
        }
        if r.methods.is_empty() {
            add(
                format!("{at}.methods"),
                "is empty; name the payment methods the rule prices".into(),
            );
        }
        for &c in &r.channels {
            for &m in &r.methods {
                let slot = owner
                    .get_mut(c.index())
                    .and_then(|row| row.get_mut(m.index()));
                match slot {
                    Some(Some(j)) => add(
                        format!("{at}.methods"),
                        format!("{m} in channel {c} is already priced by rules[{j}]; each pair may have one rule"),
                    ),
                    Some(slot) => *slot = Some(i),
                    None => {}
                }
            }
        }
        if r.brand.is_some() && r.kind != FeeKind::Surcharge {
            add(
                format!("{at}.brand"),
                "only a surcharge is set per card brand".into(),
            );
        }
        check_model(&format!("{at}.fee"), &r.fee, &mut add);
    }
    if let Some(p) = spec.merchant_cost_percent {
        if p < Decimal::ZERO || p > Decimal::ONE_HUNDRED {
            add(
                "merchant_cost_percent".into(),
                format!("must be between 0 and 100, got {p}"),
            );
        }
    }
    if let Some(s) = &spec.state {
        if s.len() != 2 || !s.chars().all(|c| c.is_ascii_uppercase()) {
            add(
                "state".into(),
                format!(
                    "`{}` is not a two-letter US state code such as NC",
                    crate::money::excerpt(s)
                ),
            );
        }
    }
    problems
}

fn negative(path: String, v: Decimal) -> Option<(String, String)> {
    (v.is_sign_negative() && !v.is_zero())
        .then(|| (path, format!("{v} is negative; a fee is never negative")))
}

fn check_model(at: &str, model: &FeeModel, add: &mut impl FnMut(String, String)) {
    let mut found: Vec<(String, String)> = Vec::new();
    match model {
        FeeModel::None => {}
        FeeModel::Flat { amount } => found.extend(negative(format!("{at}.amount"), *amount)),
        FeeModel::Percent { percent } => found.extend(negative(format!("{at}.percent"), *percent)),
        FeeModel::PercentBounded { percent, min, max } => {
            found.extend(negative(format!("{at}.percent"), *percent));
            found.extend(negative(format!("{at}.min"), *min));
            if max < min {
                found.push((format!("{at}.max"), format!("{max} is below min {min}")));
            }
        }
        FeeModel::Tiered { tiers } => {
            if tiers.is_empty() {
                found.push((
                    format!("{at}.tiers"),
                    "is empty; give at least one band".into(),
                ));
            }
            let mut prev: Option<Decimal> = None;
            for (j, t) in tiers.iter().enumerate() {
                found.extend(negative(format!("{at}.tiers[{j}].fee"), t.fee));
                let last = j + 1 == tiers.len();
                let path = format!("{at}.tiers[{j}].up_to");
                match (t.up_to, last) {
                    (None, false) => {
                        found.push((path, "missing; only the last band is open-ended".into()))
                    }
                    (Some(_), true) => {
                        found.push((path, "the last band must be open-ended (no `up_to`)".into()))
                    }
                    (Some(u), false) if prev.is_some_and(|p| u <= p) => {
                        found.push((path, format!("{u} is not above the band before")))
                    }
                    _ => {}
                }
                prev = t.up_to.or(prev);
            }
        }
    }
    if let FeeModel::Percent { percent } | FeeModel::PercentBounded { percent, .. } = model {
        if *percent > Decimal::ONE_HUNDRED {
            found.push((format!("{at}.percent"), format!("{percent} is above 100")));
        }
    }
    for (path, message) in found {
        add(path, message);
    }
}

/// True when `model` never charges anything, whatever the amount. A bounded
/// percentage with a minimum charges that minimum even at 0 %.
pub(crate) fn fee_is_zero(model: &FeeModel) -> bool {
    match model {
        FeeModel::None => true,
        FeeModel::Flat { amount } => amount.is_zero(),
        FeeModel::Percent { percent } => percent.is_zero(),
        FeeModel::PercentBounded { percent, min, max } => {
            max.is_zero() || (percent.is_zero() && min.is_zero())
        }
        FeeModel::Tiered { tiers } => tiers.iter().all(|t| t.fee.is_zero()),
    }
}

/// How every fee is rounded: half up (away from zero) to the currency's minor
/// unit, as card networks and utilities disclose fees ("2.5 % of 100.10 is
/// 2.50"). Applied to the fee a rule gives (a percentage, and also a flat,
/// tiered, minimum or maximum amount written with more digits), before it is
/// multiplied per account and added to the amount, so the total is always
/// the amount plus the rounded fee. It does not follow the bills' rounding
/// policy: a fee is charged on its own, never as a bill line.
pub const FEE_ROUNDING: RoundingPolicy = RoundingPolicy::PER_LINE_HALF_UP;

fn describe(model: &FeeModel, per: FeeBasis, currency: Currency) -> String {
    let money = |d: &Decimal| {
        Money::new(FEE_ROUNDING.round(*d, currency.minor_units()), currency).to_string()
    };
    let per = match per {
        FeeBasis::Transaction => "per payment",
        FeeBasis::Account => "per account paid",
    };
    match model {
        FeeModel::None => "no fee".into(),
        FeeModel::Flat { amount } => format!("{} {per}", money(amount)),
        FeeModel::Percent { percent } => format!("{}% of the amount {per}", percent.normalize()),
        FeeModel::PercentBounded { percent, min, max } if percent.is_zero() => format!(
            "{} {per} (a 0% fee with a {} minimum)",
            money(min),
            money(min)
        ),
        FeeModel::PercentBounded { percent, min, max } => format!(
            "{}% of the amount (at least {}, at most {}) {per}",
            percent.normalize(),
            money(min),
            money(max)
        ),
        FeeModel::Tiered { tiers } => {
            let bands: Vec<String> = tiers
                .iter()
                .map(|t| match t.up_to {
                    Some(u) => format!("{} up to {}", money(&t.fee), money(&u)),
                    None => format!("{} above that", money(&t.fee)),
                })
                .collect();
            format!("{} {per}", bands.join(", "))
        }
    }
}

fn disclosure(rule: &FeeRuleSpec, currency: Currency, free: &[PaymentOption]) -> String {
    if fee_is_zero(&rule.fee) {
        return "No fee applies to paying this way.".into();
    }
    let what = match rule.kind {
        FeeKind::Convenience => "A convenience fee",
        FeeKind::Surcharge => "A credit card surcharge",
        FeeKind::ServiceFee => "A service fee",
    };
    let mut text = format!(
        "{what} of {} applies",
        describe(&rule.fee, rule.per, currency)
    );
    if let Some(by) = &rule.collected_by {
        text.push_str(&format!(", collected by {by}"));
    }
    text.push_str(". It is shown before you confirm and is not refundable.");
    if !free.is_empty() {
        text.push_str(&format!(
            " You can pay without a fee {}.",
            describe_options(free)
        ));
    }
    text
}

/// Ways to pay grouped by channel: "in person (cash, check); by mail (check)".
pub(crate) fn describe_options(options: &[PaymentOption]) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in Channel::ALL {
        let methods: Vec<&str> = options
            .iter()
            .filter(|o| o.channel == c)
            .map(|o| o.method.label())
            .collect();
        if !methods.is_empty() {
            parts.push(format!("{} ({})", c.phrase(), methods.join(", ")));
        }
    }
    parts.join("; ")
}

/// FNV-1a, 64 bits: a stable fingerprint (not a secret, not a security check).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl FeeSchedule {
    /// Loads a utility's schedule: validates and compiles it as
    /// [`FeeSchedule::new`] does, then checks it against the card-network
    /// rules and state law shipped with the library ([`super::check_on_load`]).
    /// A rule the data says is broken is refused with the other problems;
    /// the warnings (what the data cannot decide) stay on the schedule,
    /// see [`FeeSchedule::compliance_warnings`].
    pub fn load(
        spec: FeeScheduleSpec,
        currency: Currency,
        rounding: RoundingPolicy,
    ) -> Result<FeeSchedule, FeeError> {
        let mut problems = validate(&spec);
        let warnings = match super::check_on_load(&spec) {
            Ok(w) => w,
            Err(errors) => {
                problems.extend(errors);
                Vec::new()
            }
        };
        if !problems.is_empty() {
            return Err(FeeError::Invalid { problems });
        }
        let mut schedule = FeeSchedule::new(spec, currency, rounding)?;
        schedule.warnings = warnings.into();
        Ok(schedule)
    }

    /// The compliance warnings found when the schedule loaded.
    pub fn compliance_warnings(&self) -> &[super::Finding] {
        &self.warnings
    }

    /// Validates `spec` and compiles it for quoting in `currency`; `rounding`
    /// is the bills' policy, kept in the fingerprint (fees themselves round
    /// by [`FEE_ROUNDING`]). No compliance check: use [`FeeSchedule::load`]
    /// for a utility's schedule.
    pub fn new(
        spec: FeeScheduleSpec,
        currency: Currency,
        rounding: RoundingPolicy,
    ) -> Result<FeeSchedule, FeeError> {
        let problems = validate(&spec);
        if !problems.is_empty() {
            return Err(FeeError::Invalid { problems });
        }
        let mut table = [[0u16; 8]; 8];
        let mut fee_free = Vec::new();
        for (i, r) in spec.rules.iter().enumerate() {
            for &c in &r.channels {
                for &m in &r.methods {
                    if let Some(slot) = table
                        .get_mut(c.index())
                        .and_then(|row| row.get_mut(m.index()))
                    {
                        *slot = u16::try_from(i + 1).unwrap_or(0);
                    }
                    if fee_is_zero(&r.fee) {
                        fee_free.push(PaymentOption {
                            channel: c,
                            method: m,
                        });
                    }
                }
            }
        }
        fee_free.sort_by_key(|o| (o.channel, o.method));
        let rules = spec
            .rules
            .iter()
            .map(|r| Rule {
                disclosure: disclosure(r, currency, &fee_free).into(),
                spec: r.clone(),
            })
            .collect();
        let canonical = serde_json::to_string(&(&spec, currency, rounding)).unwrap_or_default();
        Ok(FeeSchedule {
            fingerprint: fnv1a(canonical.as_bytes()),
            spec,
            currency,
            table,
            rules,
            fee_free: fee_free.into(),
            no_alternatives: Arc::from(Vec::new()),
            warnings: Arc::from(Vec::new()),
        })
    }

    /// The schedule's data.
    pub fn spec(&self) -> &FeeScheduleSpec {
        &self.spec
    }

    /// Currency of its fees.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Every way to pay that never carries a fee.
    pub fn fee_free_options(&self) -> &[PaymentOption] {
        &self.fee_free
    }

    /// Every accepted way to pay.
    pub fn accepted(&self) -> Vec<PaymentOption> {
        let mut out = Vec::new();
        for c in Channel::ALL {
            for m in PaymentMethod::ALL {
                if self.rule(c, m).is_some() {
                    out.push(PaymentOption {
                        channel: c,
                        method: m,
                    });
                }
            }
        }
        out
    }

    /// A fingerprint of every rule, the currency and the rounding policy; it
    /// changes when any of them does.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    pub(crate) fn rule(&self, channel: Channel, method: PaymentMethod) -> Option<&Rule> {
        let i = *self.table.get(channel.index())?.get(method.index())?;
        self.rules.get(usize::from(i).checked_sub(1)?)
    }

    /// The fee for `amount` under `model`, rounded half up to the currency's
    /// minor units ([`FEE_ROUNDING`]).
    pub(crate) fn fee_for(&self, model: &FeeModel, amount: Decimal) -> Option<Decimal> {
        let dp = self.currency.minor_units();
        let pct = |p: Decimal| {
            amount
                .checked_mul(p)
                .and_then(|v| v.checked_div(Decimal::ONE_HUNDRED))
        };
        let fee = match model {
            FeeModel::None => Some(Decimal::ZERO),
            FeeModel::Flat { amount } => Some(*amount),
            FeeModel::Percent { percent } => pct(*percent),
            FeeModel::PercentBounded { percent, min, max } => {
                pct(*percent).map(|f| f.max(*min).min(*max))
            }
            FeeModel::Tiered { tiers } => tiers
                .iter()
                .find(|t| t.up_to.is_none_or(|u| amount <= u))
                .map(|t| t.fee),
        }?;
        Some(FEE_ROUNDING.round(fee, dp))
    }
}
