//! Compliance of a fee schedule with card-network rules and state law: a
//! report of findings, each naming the rule it breaks and why. Network caps
//! and state bans are dated data (`data/card_rules.toml`), not code.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::spec::{CardBrand, Channel, FeeKind, FeeModel, FeeScheduleSpec, PaymentMethod};
use crate::money::serde_decimal;

/// One way a fee schedule breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable identifier of the rule broken, for example `card-convenience-fee-flat`.
    pub rule: &'static str,
    /// Path of the schedule entry at fault, for example `rules[2].fee`.
    pub path: String,
    /// What is wrong, the rule it breaks, and how to comply.
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}: {}", self.rule, self.path, self.message)
    }
}

/// A network's surcharge cap over a span of dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Where the rule comes from.
    pub source: String,
}

/// A state's ban on surcharges over a span of dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurchargeBan {
    /// Two-letter state code.
    pub state: String,
    /// First day in force (or a lower bound).
    pub from: NaiveDate,
    /// Last day in force, if it ended.
    #[serde(default)]
    pub to: Option<NaiveDate>,
    /// Where the rule comes from.
    pub source: String,
}

/// The dated rules the check applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardRules {
    /// Network surcharge caps.
    pub surcharge_caps: Vec<SurchargeCap>,
    /// State surcharge bans.
    pub surcharge_bans: Vec<SurchargeBan>,
}

fn in_force(from: NaiveDate, to: Option<NaiveDate>, day: NaiveDate) -> bool {
    from <= day && to.is_none_or(|t| day <= t)
}

impl CardRules {
    /// The rules shipped with the library.
    pub fn builtin() -> Result<CardRules, crate::TariffError> {
        crate::tariff::from_toml(include_str!("../../data/card_rules.toml"))
    }

    /// The cap of `brand` on `day`, if surcharging is allowed then.
    pub fn cap(&self, brand: CardBrand, day: NaiveDate) -> Option<&SurchargeCap> {
        self.surcharge_caps
            .iter()
            .find(|c| c.brand == brand && in_force(c.from, c.to, day))
    }

    /// The ban in `state` on `day`, if any.
    pub fn ban(&self, state: &str, day: NaiveDate) -> Option<&SurchargeBan> {
        self.surcharge_bans
            .iter()
            .find(|b| b.state == state && in_force(b.from, b.to, day))
    }
}

struct Report(Vec<Finding>);

impl Report {
    fn add(&mut self, rule: &'static str, path: String, message: String) {
        self.0.push(Finding {
            rule,
            path,
            message,
        });
    }
}

/// Checks `spec` against `rules` as they stand on `as_of`.
pub fn check(spec: &FeeScheduleSpec, rules: &CardRules, as_of: NaiveDate) -> Vec<Finding> {
    let mut r = Report(Vec::new());
    let card_fee = |m: &FeeModel| !matches!(m, FeeModel::None) && !super::schedule_is_zero(m);
    for (i, rule) in spec.rules.iter().enumerate() {
        let at = format!("rules[{i}]");
        let cards: Vec<PaymentMethod> = rule
            .methods
            .iter()
            .copied()
            .filter(|m| m.is_card())
            .collect();
        let charges = card_fee(&rule.fee);
        match rule.kind {
            FeeKind::Convenience if charges && !cards.is_empty() => {
                if !matches!(rule.fee, FeeModel::Flat { .. }) {
                    r.add("card-convenience-fee-flat", format!("{at}.fee"),
                        "a card convenience fee must be a flat amount, the same whatever the payment amount; use `model = \"flat\"`, or `kind = \"service_fee\"` under a service-fee program".into());
                }
                for c in rule.channels.iter().filter(|c| c.is_customary()) {
                    r.add("card-convenience-fee-alternative-channel", format!("{at}.channels"),
                        format!("a convenience fee may be charged only for paying through an alternative channel, not in the utility's customary channel `{c}`"));
                }
                for c in rule.channels.iter().filter(|c| c.is_recurring()) {
                    if !spec.service_fee_program {
                        r.add("no-convenience-fee-on-recurring", format!("{at}.channels"),
                            format!("a convenience fee must not apply to recurring card payments (`{c}`) unless the utility is enrolled in a government/utility service-fee program; set `service_fee_program = true` only if it is"));
                    }
                }
            }
            FeeKind::ServiceFee if charges && !spec.service_fee_program => {
                r.add("service-fee-needs-program", format!("{at}.kind"),
                    "a service fee is allowed only under a government/utility service-fee program; set `service_fee_program = true` if the utility is enrolled, or charge a flat convenience fee".into());
            }
            FeeKind::Surcharge if charges => surcharge(&mut r, &at, spec, rule, rules, as_of),
            _ => {}
        }
    }
    uniform_card_fees(&mut r, spec);
    fee_free_customary_channel(&mut r, spec);
    r.0
}

fn surcharge(
    r: &mut Report,
    at: &str,
    spec: &FeeScheduleSpec,
    rule: &super::FeeRuleSpec,
    rules: &CardRules,
    as_of: NaiveDate,
) {
    for m in rule
        .methods
        .iter()
        .filter(|m| **m != PaymentMethod::CreditCard)
    {
        r.add("surcharge-credit-only", format!("{at}.methods"),
            format!("a surcharge may apply to credit cards only, never to `{m}`; debit and prepaid cards are exempt even when run as credit"));
    }
    if let Some(state) = &spec.state {
        if let Some(ban) = rules.ban(state, as_of) {
            r.add("surcharge-banned-in-state", "state".into(),
                format!("{state} bans surcharges on card payments ({}); remove the surcharge or charge a flat convenience fee in an alternative channel", ban.source));
        }
    }
    let FeeModel::Percent { percent } = rule.fee else {
        r.add("surcharge-percent", format!("{at}.fee"),
            "a surcharge is capped as a percentage of the amount, so it must be `model = \"percent\"` to be checked against the caps".into());
        return;
    };
    let brands = match rule.brand {
        Some(b) => vec![b],
        None => vec![CardBrand::Visa, CardBrand::Mastercard],
    };
    for b in brands {
        match rules.cap(b, as_of) {
            Some(cap) if percent > cap.max_percent => r.add(
                if b == CardBrand::Visa { "surcharge-cap-visa" } else { "surcharge-cap-mastercard" },
                format!("{at}.fee.percent"),
                format!("{percent}% is above the {b:?} cap of {}% ({}); lower it or set `brand` to a network that allows it", cap.max_percent, cap.source),
            ),
            Some(_) => {}
            None => r.add("surcharge-not-permitted", format!("{at}.brand"),
                format!("{b:?} did not permit surcharges on {as_of}")),
        }
    }
    match spec.merchant_cost_percent {
        Some(cost) if percent > cost => r.add("surcharge-merchant-cost", format!("{at}.fee.percent"),
            format!("{percent}% is above the merchant's card-acceptance cost of {cost}%; a surcharge may not exceed what the cards cost the utility")),
        Some(_) => {}
        None => r.add("surcharge-merchant-cost", "merchant_cost_percent".into(),
            "is not set; a surcharge may not exceed the merchant's card-acceptance cost, so give that cost to check against".into()),
    }
}

/// In each channel, every card type must carry the same convenience fee.
fn uniform_card_fees(r: &mut Report, spec: &FeeScheduleSpec) {
    for c in Channel::ALL {
        let mut seen: Option<(PaymentMethod, &FeeModel, usize)> = None;
        for (i, rule) in spec.rules.iter().enumerate() {
            if rule.kind != FeeKind::Convenience || !rule.channels.contains(&c) {
                continue;
            }
            for m in rule.methods.iter().filter(|m| m.is_card()) {
                match seen {
                    None => seen = Some((*m, &rule.fee, i)),
                    Some((first, fee, _)) if fee != &rule.fee => r.add("card-convenience-fee-uniform", format!("rules[{i}].fee"),
                        format!("in channel `{c}`, `{m}` is charged differently from `{first}`; a card convenience fee must be the same for every card type in a channel")),
                    Some(_) => {}
                }
            }
        }
    }
}

/// A convenience fee needs a customary, fee-free way to pay beside it.
fn fee_free_customary_channel(r: &mut Report, spec: &FeeScheduleSpec) {
    let any_fee = spec
        .rules
        .iter()
        .any(|x| x.kind == FeeKind::Convenience && !super::schedule_is_zero(&x.fee));
    let free_customary = spec
        .rules
        .iter()
        .any(|x| x.channels.iter().any(|c| c.is_customary()) && super::schedule_is_zero(&x.fee));
    if any_fee && !free_customary {
        r.add("card-convenience-fee-alternative-channel", "rules".into(),
            "a convenience fee is allowed only beside a customary way to pay without it (in person or by mail); add a fee-free in-person or mail rule".into());
    }
}
