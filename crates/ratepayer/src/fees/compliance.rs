//! Compliance of a fee schedule with card-network rules and state law: a
//! report of findings, each an error (the data says the schedule breaks a
//! rule) or a warning (the data cannot decide, or a condition it cannot
//! check applies), naming the rule, the schedule entry, the source and how
//! to comply. Network caps and conditions and state laws are dated data with
//! their sources (`data/card_rules.toml`), not code.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::spec::{
    CardBrand, Channel, FeeKind, FeeModel, FeeRuleSpec, FeeScheduleSpec, PaymentMethod,
};
use crate::money::serde_decimal;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The data says the schedule breaks the rule: it must not load.
    Error,
    /// The data cannot decide, or the rule sets a condition the schedule
    /// cannot show (a notice to post): the utility must check it.
    Warning,
}

/// One way a fee schedule breaks, or may break, a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// Stable identifier of the rule, for example `card-convenience-fee-flat`.
    pub rule: &'static str,
    /// Path of the schedule entry at fault, for example `rules[2].fee`.
    pub path: String,
    /// What is wrong, the rule and its source, and how to comply.
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.severity {
            Severity::Error => "",
            Severity::Warning => "warning ",
        };
        write!(f, "{level}[{}] {}: {}", self.rule, self.path, self.message)
    }
}

/// A network's surcharge cap over a span of dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurchargeCap {
    /// The card network.
    pub brand: CardBrand,
    /// Highest surcharge, in percent.
    #[serde(with = "serde_decimal")]
    pub max_percent: Decimal,
    /// First day in force.
    pub from: NaiveDate,
    /// Last day in force, if it ended.
    #[serde(default)]
    pub to: Option<NaiveDate>,
    /// The network's rules document the cap comes from.
    pub source: String,
    /// When the cap was last checked against a source; absent when never.
    #[serde(default)]
    pub verified: Option<NaiveDate>,
    /// What was checked, and against what (or what is not known).
    #[serde(default)]
    pub note: String,
}

/// A condition a card network sets on card fees, over a span of dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkRule {
    /// The check it enables, for example `card-convenience-fee-flat`.
    pub id: String,
    /// The networks that set it.
    pub brands: Vec<CardBrand>,
    /// First day in force.
    pub from: NaiveDate,
    /// Last day in force, if it ended.
    #[serde(default)]
    pub to: Option<NaiveDate>,
    /// The condition in a sentence.
    pub summary: String,
    /// The network's rules document it comes from.
    pub source: String,
    /// When it was last checked against a source; absent when never.
    #[serde(default)]
    pub verified: Option<NaiveDate>,
    /// What was checked, and against what (or what is not known).
    #[serde(default)]
    pub note: String,
}

/// What a state's law says of card surcharges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateRuleKind {
    /// No surcharge on card payments.
    Ban,
    /// A surcharge of at most `max_percent`.
    Cap,
    /// Allowed, under conditions the data cannot check (`requirement`).
    Disclose,
}

/// A state's (or territory's) law on card surcharges over a span of dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateRule {
    /// Two-letter state or territory code, for example `CT` or `PR`.
    pub state: String,
    /// Its name.
    pub name: String,
    /// Ban, cap or disclosure.
    pub kind: StateRuleKind,
    /// For a cap: the highest surcharge, in percent.
    #[serde(default, with = "serde_decimal::option")]
    pub max_percent: Option<Decimal>,
    /// The cap is `max_percent` or the merchant's cost, whichever the merchant chooses.
    #[serde(default)]
    pub or_cost: bool,
    /// A surcharge may never exceed the merchant's cost of card acceptance.
    #[serde(default)]
    pub at_most_cost: bool,
    /// A government entity may surcharge (up to its costs) despite a ban.
    #[serde(default)]
    pub public_entity_exception: bool,
    /// The statute's definition of a surcharge may also catch a convenience
    /// fee charged only to card payers.
    #[serde(default)]
    pub convenience_fee_unclear: bool,
    /// Conditions the data cannot check (notices, receipts).
    #[serde(default)]
    pub requirement: Option<String>,
    /// First day in force (or a lower bound).
    pub from: NaiveDate,
    /// Last day in force, if it ended.
    #[serde(default)]
    pub to: Option<NaiveDate>,
    /// The statute or regulation.
    pub source: String,
    /// When it was last checked against a source; absent when never.
    #[serde(default)]
    pub verified: Option<NaiveDate>,
    /// What was checked, and against what (or what is not known).
    #[serde(default)]
    pub note: String,
}

/// The dated rules the check applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardRules {
    /// The day the data was last reviewed as a whole; schedules loaded with
    /// a profile are checked against the rules in force that day.
    pub reviewed: NaiveDate,
    /// Network surcharge caps.
    pub surcharge_caps: Vec<SurchargeCap>,
    /// Network conditions on card fees.
    pub network_rules: Vec<NetworkRule>,
    /// State and territory surcharge laws.
    pub state_rules: Vec<StateRule>,
}

/// The checks a [`NetworkRule`] can enable.
pub const NETWORK_RULE_IDS: [&str; 7] = [
    "surcharge-credit-only",
    "surcharge-at-most-cost",
    "card-convenience-fee-flat",
    "card-convenience-fee-alternative-channel",
    "card-convenience-fee-uniform",
    "no-convenience-fee-on-recurring",
    "service-fee-needs-program",
];

fn in_force(from: NaiveDate, to: Option<NaiveDate>, day: NaiveDate) -> bool {
    from <= day && to.is_none_or(|t| day <= t)
}

impl CardRules {
    /// The rules shipped with the library.
    pub fn builtin() -> Result<CardRules, crate::TariffError> {
        let rules: CardRules =
            crate::tariff::from_toml(include_str!("../../data/card_rules.toml"))?;
        let problems = rules.problems();
        if problems.is_empty() {
            Ok(rules)
        } else {
            Err(crate::TariffError::Invalid {
                id: "card_rules".into(),
                problems,
            })
        }
    }

    /// The rules shipped with the library, read once per process.
    pub fn shared() -> Result<&'static CardRules, crate::TariffError> {
        static RULES: std::sync::OnceLock<Result<CardRules, crate::TariffError>> =
            std::sync::OnceLock::new();
        RULES
            .get_or_init(CardRules::builtin)
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Every problem of the data: unknown network rule ids, a cap without a
    /// percentage, an entry without a source, or one never verified that
    /// does not say what is unknown.
    pub fn problems(&self) -> Vec<crate::tariff::Problem> {
        let mut out = Vec::new();
        let mut add = |path: String, message: String| {
            out.push(crate::tariff::Problem { path, message });
        };
        let mut provenance =
            |path: String, source: &str, verified: Option<NaiveDate>, note: &str| {
                if source.trim().is_empty() {
                    add(
                        format!("{path}.source"),
                        "is empty; cite the statute, regulation or network rules document".into(),
                    );
                }
                if verified.is_none() && note.trim().is_empty() {
                    add(
                        format!("{path}.note"),
                        "is empty but `verified` is absent; say what could not be verified".into(),
                    );
                }
            };
        for (i, c) in self.surcharge_caps.iter().enumerate() {
            provenance(
                format!("surcharge_caps[{i}]"),
                &c.source,
                c.verified,
                &c.note,
            );
        }
        for (i, r) in self.network_rules.iter().enumerate() {
            provenance(
                format!("network_rules[{i}]"),
                &r.source,
                r.verified,
                &r.note,
            );
        }
        for (i, r) in self.state_rules.iter().enumerate() {
            provenance(format!("state_rules[{i}]"), &r.source, r.verified, &r.note);
        }
        let mut add = |path: String, message: String| {
            out.push(crate::tariff::Problem { path, message });
        };
        for (i, r) in self.network_rules.iter().enumerate() {
            if !NETWORK_RULE_IDS.contains(&r.id.as_str()) {
                add(
                    format!("network_rules[{i}].id"),
                    format!(
                        "`{}` is not a check; use one of {}",
                        r.id,
                        NETWORK_RULE_IDS.join(", ")
                    ),
                );
            }
        }
        for (i, r) in self.state_rules.iter().enumerate() {
            if (r.kind == StateRuleKind::Cap) != r.max_percent.is_some() {
                add(
                    format!("state_rules[{i}].max_percent"),
                    "is given exactly when `kind = \"cap\"`".into(),
                );
            }
        }
        out
    }

    /// The cap of `brand` on `day`, if surcharging is allowed then.
    pub fn cap(&self, brand: CardBrand, day: NaiveDate) -> Option<&SurchargeCap> {
        self.surcharge_caps
            .iter()
            .find(|c| c.brand == brand && in_force(c.from, c.to, day))
    }

    /// The network condition `id` in force on `day`, if any network sets it then.
    pub fn network_rule(&self, id: &str, day: NaiveDate) -> Option<&NetworkRule> {
        self.network_rules
            .iter()
            .find(|r| r.id == id && in_force(r.from, r.to, day))
    }

    /// The law of `state` on `day`, if the data has one.
    pub fn state_rule(&self, state: &str, day: NaiveDate) -> Option<&StateRule> {
        self.state_rules
            .iter()
            .find(|r| r.state == state && in_force(r.from, r.to, day))
    }

    /// The states and territories the data has a law for, in order.
    pub fn states(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.state_rules.iter().map(|r| r.state.as_str()).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

struct Report<'a> {
    findings: Vec<Finding>,
    rules: &'a CardRules,
    day: NaiveDate,
}

impl Report<'_> {
    fn add(&mut self, severity: Severity, rule: &'static str, path: String, message: String) {
        self.findings.push(Finding {
            severity,
            rule,
            path,
            message,
        });
    }

    /// Adds an error for the network condition `id` when it is in force,
    /// citing its source.
    fn network(&mut self, id: &'static str, path: String, what: String) {
        if let Some(r) = self.rules.network_rule(id, self.day) {
            let message = format!("{what} ({})", r.source);
            self.add(Severity::Error, id, path, message);
        }
    }

    fn network_warning(&mut self, id: &'static str, path: String, what: String) {
        if let Some(r) = self.rules.network_rule(id, self.day) {
            let message = format!("{what} ({})", r.source);
            self.add(Severity::Warning, id, path, message);
        }
    }
}

/// Checks `spec` against `rules` as they stand on `as_of`: every finding,
/// errors and warnings, in schedule order.
pub fn check(spec: &FeeScheduleSpec, rules: &CardRules, as_of: NaiveDate) -> Vec<Finding> {
    let mut r = Report {
        findings: Vec::new(),
        rules,
        day: as_of,
    };
    let charges = |m: &FeeModel| !super::schedule_is_zero(m);
    let state = spec
        .state
        .as_deref()
        .and_then(|s| rules.state_rule(s, as_of));
    for (i, rule) in spec.rules.iter().enumerate() {
        let at = format!("rules[{i}]");
        let cards = rule.methods.iter().any(|m| m.is_card());
        if !charges(&rule.fee) || !cards {
            continue;
        }
        match rule.kind {
            FeeKind::Convenience => convenience(&mut r, &at, spec, rule, state),
            FeeKind::ServiceFee if !spec.service_fee_program => r.network(
                "service-fee-needs-program",
                format!("{at}.kind"),
                "a service fee is allowed only under a government/utility service-fee program; set `service_fee_program = true` if the utility is enrolled, or charge a flat convenience fee".into(),
            ),
            FeeKind::ServiceFee => {}
            FeeKind::Surcharge => surcharge(&mut r, &at, spec, rule, state),
        }
    }
    uniform_card_fees(&mut r, spec);
    fee_free_customary_channel(&mut r, spec);
    r.findings
}

fn convenience(
    r: &mut Report<'_>,
    at: &str,
    spec: &FeeScheduleSpec,
    rule: &FeeRuleSpec,
    state: Option<&StateRule>,
) {
    if !is_flat(&rule.fee) {
        r.network("card-convenience-fee-flat", format!("{at}.fee"),
            "a card convenience fee must be a flat amount, the same whatever the payment amount; use `model = \"flat\"`, or `kind = \"service_fee\"` under a service-fee program".into());
    }
    for c in rule.channels.iter().filter(|c| c.is_customary()) {
        r.network("card-convenience-fee-alternative-channel", format!("{at}.channels"),
            format!("a convenience fee may be charged only for paying through an alternative channel, not in the utility's customary channel `{c}`; remove `{c}` from the rule or make it fee-free"));
    }
    for c in rule.channels.iter().filter(|c| c.is_recurring()) {
        if !spec.service_fee_program {
            r.network("no-convenience-fee-on-recurring", format!("{at}.channels"),
                format!("a convenience fee must not apply to recurring card payments (`{c}`) unless the utility is enrolled in a government/utility service-fee program; set `service_fee_program = true` only if it is"));
        }
    }
    if let Some(s) = state.filter(|s| s.kind == StateRuleKind::Ban && s.convenience_fee_unclear) {
        r.add(Severity::Warning, "state-convenience-fee-may-be-surcharge", "state".into(),
            format!("{} bans surcharges ({}), and its definition of a surcharge may also catch this convenience fee charged only to card payers ({at}); have counsel confirm it is allowed, or charge it to every way of paying in the channel", s.name, s.source));
    }
}

/// True when the fee is the same whatever the amount: a flat fee, a 0 %
/// fee with a minimum (always the minimum), or bands that all charge alike.
fn is_flat(model: &FeeModel) -> bool {
    match model {
        FeeModel::None | FeeModel::Flat { .. } => true,
        FeeModel::Percent { percent } => percent.is_zero(),
        FeeModel::PercentBounded { percent, min, max } => percent.is_zero() || min == max,
        FeeModel::Tiered { tiers } => tiers.windows(2).all(|w| match w {
            [a, b] => a.fee == b.fee,
            _ => true,
        }),
    }
}

fn surcharge(
    r: &mut Report<'_>,
    at: &str,
    spec: &FeeScheduleSpec,
    rule: &FeeRuleSpec,
    state: Option<&StateRule>,
) {
    for m in rule
        .methods
        .iter()
        .filter(|m| **m != PaymentMethod::CreditCard)
    {
        r.network("surcharge-credit-only", format!("{at}.methods"),
            format!("a surcharge may apply to credit cards only, never to `{m}`; debit and prepaid cards are exempt even when run as credit; remove `{m}` from the rule"));
    }
    let percent = match rule.fee {
        FeeModel::Percent { percent } => Some(percent),
        _ => {
            r.add(Severity::Error, "surcharge-percent", format!("{at}.fee"),
                "a surcharge is capped as a percentage of the amount, so it must be `model = \"percent\"` to be checked against the caps".into());
            None
        }
    };
    let cost = spec.merchant_cost_percent;
    match (state, spec.state.as_deref()) {
        (Some(s), _) => state_surcharge(r, at, spec, s, percent),
        (None, None) => r.add(Severity::Warning, "state-surcharge-law", "state".into(),
            format!("is not set, so state law on the surcharge ({at}) cannot be checked (the data has laws for {}); set the utility's two-letter state", r.rules.states().join(", "))),
        (None, Some(code)) => {
            let known = r.rules.states().join(", ");
            r.add(Severity::Warning, "state-surcharge-law", "state".into(),
                format!("the data has no surcharge law for `{code}` (it has {known}), so the surcharge ({at}) is not checked against state law; have counsel confirm {code} allows it"));
        }
    }
    let Some(percent) = percent else { return };
    let brands = match rule.brand {
        Some(b) => vec![b],
        None => vec![CardBrand::Visa, CardBrand::Mastercard],
    };
    for b in brands {
        match r.rules.cap(b, r.day) {
            Some(cap) if percent > cap.max_percent => r.add(
                Severity::Error,
                if b == CardBrand::Visa { "surcharge-cap-visa" } else { "surcharge-cap-mastercard" },
                format!("{at}.fee.percent"),
                format!("{percent}% is above the {b:?} cap of {}% ({}); lower it to {}% or less, or set `brand` to a network that allows it", cap.max_percent, cap.source, cap.max_percent),
            ),
            Some(_) => {}
            None => r.add(Severity::Error, "surcharge-not-permitted", format!("{at}.brand"),
                format!("{b:?} did not permit surcharges on {}; remove the surcharge", r.day)),
        }
    }
    match cost {
        Some(c) if percent > c => r.network("surcharge-at-most-cost", format!("{at}.fee.percent"),
            format!("{percent}% is above the merchant's card-acceptance cost of {c}%; a surcharge may not exceed what the cards cost the utility; lower it to {c}% or less")),
        Some(_) => {}
        None => r.network_warning("surcharge-at-most-cost", "merchant_cost_percent".into(),
            format!("is not set, so whether the {percent}% surcharge ({at}) exceeds the merchant's card-acceptance cost cannot be decided; set `merchant_cost_percent`")),
    }
}

fn state_surcharge(
    r: &mut Report<'_>,
    at: &str,
    spec: &FeeScheduleSpec,
    s: &StateRule,
    percent: Option<Decimal>,
) {
    let cost = spec.merchant_cost_percent;
    let cite = &s.source;
    if s.kind == StateRuleKind::Ban {
        match (s.public_entity_exception, spec.public_entity) {
            // A government utility may surcharge up to its costs: checked below.
            (true, Some(true)) => {}
            (true, None) => {
                r.add(Severity::Warning, "state-surcharge-ban", "public_entity".into(),
                    format!("{} bans card surcharges except by a government entity, up to its card costs ({cite}); whether the utility is one is not set: set `public_entity = true` for a city, county or district utility, else remove the surcharge ({at})", s.name));
                return;
            }
            _ => {
                r.add(Severity::Error, "state-surcharge-ban", "state".into(),
                    format!("{} bans surcharges on card payments ({cite}); remove the surcharge ({at}), or charge a flat convenience fee in an alternative channel", s.name));
                return;
            }
        }
    }
    if let (Some(max), Some(p)) = (s.max_percent, percent) {
        if p > max {
            match (s.or_cost, cost) {
                (true, Some(c)) if p <= c => {}
                (true, None) => r.add(Severity::Warning, "state-surcharge-cap", format!("{at}.fee.percent"),
                    format!("{p}% is above {}'s cap of {max}%, allowed only up to the merchant's card cost ({cite}); set `merchant_cost_percent` to decide, or lower the surcharge to {max}%", s.name)),
                _ => r.add(Severity::Error, "state-surcharge-cap", format!("{at}.fee.percent"),
                    format!("{p}% is above {}'s cap of {max}%{} ({cite}); lower it to {max}% or less", s.name, if s.or_cost { " or the merchant's card cost" } else { "" })),
            }
        }
    }
    if s.at_most_cost {
        match (cost, percent) {
            (Some(c), Some(p)) if p > c => r.add(Severity::Error, "state-surcharge-cost", format!("{at}.fee.percent"),
                format!("{p}% is above the merchant's card cost of {c}%, which {} law does not let a surcharge exceed ({cite}); lower it to {c}% or less", s.name)),
            (None, _) => r.add(Severity::Warning, "state-surcharge-cost", "merchant_cost_percent".into(),
                format!("is not set; {} law does not let a surcharge exceed the merchant's card cost ({cite}), so {at} cannot be checked; set `merchant_cost_percent`", s.name)),
            _ => {}
        }
    }
    if let Some(req) = &s.requirement {
        r.add(Severity::Warning, "state-surcharge-disclosure", format!("{at}.kind"),
            format!("{} allows the surcharge only if the utility does what the data cannot check: {req} ({cite})", s.name));
    }
}

/// In each channel, every card type must carry the same convenience fee
/// (an error); other methods priced differently beside a card convenience
/// fee are a warning.
fn uniform_card_fees(r: &mut Report<'_>, spec: &FeeScheduleSpec) {
    let mut others: Vec<(usize, Vec<Channel>)> = Vec::new();
    for c in Channel::ALL {
        let mut seen: Option<(PaymentMethod, &FeeModel, usize)> = None;
        for (i, rule) in spec.rules.iter().enumerate() {
            if rule.kind != FeeKind::Convenience || !rule.channels.contains(&c) {
                continue;
            }
            for m in rule.methods.iter().filter(|m| m.is_card()) {
                match seen {
                    None => seen = Some((*m, &rule.fee, i)),
                    Some((first, fee, _)) if fee != &rule.fee => r.network("card-convenience-fee-uniform", format!("rules[{i}].fee"),
                        format!("in channel `{c}`, `{m}` is charged differently from `{first}`; a card convenience fee must be the same for every card type in a channel; give them one fee")),
                    Some(_) => {}
                }
            }
        }
        let Some((_, card_fee, _)) = seen else {
            continue;
        };
        if super::schedule_is_zero(card_fee) {
            continue;
        }
        for (i, rule) in spec.rules.iter().enumerate() {
            let differs = rule.channels.contains(&c)
                && rule.methods.iter().any(|m| !m.is_card())
                && &rule.fee != card_fee;
            if differs {
                match others.iter_mut().find(|(j, _)| *j == i) {
                    Some((_, cs)) => cs.push(c),
                    None => others.push((i, vec![c])),
                }
            }
        }
    }
    for (i, channels) in others {
        let names: Vec<&str> = channels.iter().map(|c| c.name()).collect();
        r.network_warning("card-convenience-fee-uniform", format!("rules[{i}].fee"),
            format!("in {} a card convenience fee applies but this rule prices other methods differently; the networks expect a convenience fee on every form of payment accepted in the channel; confirm it is allowed (a service-fee program, or a processor's own pricing), or charge one fee", names.join(", ")));
    }
}

/// A convenience fee needs a customary, fee-free way to pay beside it.
fn fee_free_customary_channel(r: &mut Report<'_>, spec: &FeeScheduleSpec) {
    let any_fee = spec.rules.iter().any(|x| {
        x.kind == FeeKind::Convenience
            && x.methods.iter().any(|m| m.is_card())
            && !super::schedule_is_zero(&x.fee)
    });
    let free_customary = spec
        .rules
        .iter()
        .any(|x| x.channels.iter().any(|c| c.is_customary()) && super::schedule_is_zero(&x.fee));
    if any_fee && !free_customary {
        r.network("card-convenience-fee-alternative-channel", "rules".into(),
            "a convenience fee is allowed only beside a customary way to pay without it (in person or by mail); add a fee-free in-person or mail rule".into());
    }
}

/// Checks `spec` against the rules shipped with the library, in force on the
/// day they were last reviewed: the check a schedule gets when it loads.
/// The errors become problems (paths as in `spec`, the rule in brackets);
/// the warnings are returned.
pub fn check_on_load(spec: &FeeScheduleSpec) -> Result<Vec<Finding>, Vec<crate::tariff::Problem>> {
    let rules = CardRules::shared().map_err(|e| {
        vec![crate::tariff::Problem {
            path: "rules".into(),
            message: format!("the card rules shipped with the library do not load: {e}"),
        }]
    })?;
    let (errors, warnings): (Vec<Finding>, Vec<Finding>) = check(spec, rules, rules.reviewed)
        .into_iter()
        .partition(|f| f.severity == Severity::Error);
    if errors.is_empty() {
        Ok(warnings)
    } else {
        Err(errors
            .into_iter()
            .map(|f| crate::tariff::Problem {
                path: f.path,
                message: format!("[{}] {}", f.rule, f.message),
            })
            .collect())
    }
}
