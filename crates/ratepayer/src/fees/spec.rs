//! The fee schedule as data: payment channels, payment methods, fee models
//! and the rules that price each channel and method, as a utility profile's
//! `[fees]` section holds them.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::serde_decimal;

/// Where a payment is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The web portal.
    Online,
    /// The mobile app.
    MobileApp,
    /// A customer-service agent on the phone.
    PhoneAgent,
    /// The automated phone line (IVR).
    AutomatedPhone,
    /// A recurring automatic payment set up in the portal.
    Autopay,
    /// At the utility's office or a payment location.
    InPerson,
    /// By post.
    Mail,
    /// A bank draft set up with the utility (for example at City Hall).
    BankDraft,
}

impl Channel {
    /// Every channel, in a fixed order.
    pub const ALL: [Channel; 8] = [
        Channel::Online,
        Channel::MobileApp,
        Channel::PhoneAgent,
        Channel::AutomatedPhone,
        Channel::Autopay,
        Channel::InPerson,
        Channel::Mail,
        Channel::BankDraft,
    ];

    /// The name used in files, for example `"phone_agent"`.
    pub fn name(self) -> &'static str {
        match self {
            Channel::Online => "online",
            Channel::MobileApp => "mobile_app",
            Channel::PhoneAgent => "phone_agent",
            Channel::AutomatedPhone => "automated_phone",
            Channel::Autopay => "autopay",
            Channel::InPerson => "in_person",
            Channel::Mail => "mail",
            Channel::BankDraft => "bank_draft",
        }
    }

    /// How the channel reads in a sentence: "online", "in person", "by mail".
    pub fn phrase(self) -> &'static str {
        match self {
            Channel::Online => "online",
            Channel::MobileApp => "in the mobile app",
            Channel::PhoneAgent => "by phone with an agent",
            Channel::AutomatedPhone => "on the automated phone line",
            Channel::Autopay => "by AutoPay",
            Channel::InPerson => "in person",
            Channel::Mail => "by mail",
            Channel::BankDraft => "by bank draft",
        }
    }

    /// The utility's customary channels, where card networks do not allow a
    /// convenience fee: paying in person or by mail.
    pub fn is_customary(self) -> bool {
        matches!(self, Channel::InPerson | Channel::Mail)
    }

    /// Recurring payments (autopay and bank drafts).
    pub fn is_recurring(self) -> bool {
        matches!(self, Channel::Autopay | Channel::BankDraft)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// How a payment is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Credit card.
    CreditCard,
    /// Debit card.
    DebitCard,
    /// Prepaid card.
    PrepaidCard,
    /// Electronic check / ACH debit from a bank account.
    Echeck,
    /// Cash.
    Cash,
    /// Paper check.
    Check,
    /// Money order.
    MoneyOrder,
    /// A method stored in the portal, when the utility prices it as one.
    StoredMethod,
}

impl PaymentMethod {
    /// Every method, in a fixed order.
    pub const ALL: [PaymentMethod; 8] = [
        PaymentMethod::CreditCard,
        PaymentMethod::DebitCard,
        PaymentMethod::PrepaidCard,
        PaymentMethod::Echeck,
        PaymentMethod::Cash,
        PaymentMethod::Check,
        PaymentMethod::MoneyOrder,
        PaymentMethod::StoredMethod,
    ];

    /// The name used in files, for example `"credit_card"`.
    pub fn name(self) -> &'static str {
        match self {
            PaymentMethod::CreditCard => "credit_card",
            PaymentMethod::DebitCard => "debit_card",
            PaymentMethod::PrepaidCard => "prepaid_card",
            PaymentMethod::Echeck => "echeck",
            PaymentMethod::Cash => "cash",
            PaymentMethod::Check => "check",
            PaymentMethod::MoneyOrder => "money_order",
            PaymentMethod::StoredMethod => "stored_method",
        }
    }

    /// How the method reads in a sentence: "credit card", "e-check".
    pub fn label(self) -> &'static str {
        match self {
            PaymentMethod::CreditCard => "credit card",
            PaymentMethod::DebitCard => "debit card",
            PaymentMethod::PrepaidCard => "prepaid card",
            PaymentMethod::Echeck => "e-check",
            PaymentMethod::Cash => "cash",
            PaymentMethod::Check => "check",
            PaymentMethod::MoneyOrder => "money order",
            PaymentMethod::StoredMethod => "stored payment method",
        }
    }

    /// Credit, debit and prepaid cards.
    pub fn is_card(self) -> bool {
        matches!(
            self,
            PaymentMethod::CreditCard | PaymentMethod::DebitCard | PaymentMethod::PrepaidCard
        )
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for PaymentMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Finds the item of `all` whose `name` is `s`, or says what the names are.
fn parse_named<T: Copy>(
    s: &str,
    all: &[T],
    name: fn(T) -> &'static str,
    what: &str,
) -> Result<T, String> {
    all.iter().copied().find(|x| name(*x) == s).ok_or_else(|| {
        let names: Vec<&str> = all.iter().map(|x| name(*x)).collect();
        format!(
            "`{}` is not {what}; use one of {}",
            crate::money::excerpt(s),
            names.join(", ")
        )
    })
}

impl std::str::FromStr for Channel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_named(s, &Channel::ALL, Channel::name, "a channel")
    }
}

impl std::str::FromStr for PaymentMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_named(
            s,
            &PaymentMethod::ALL,
            PaymentMethod::name,
            "a payment method",
        )
    }
}

/// What the fee is, for the card networks' rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FeeKind {
    /// A convenience fee for paying through an alternative channel.
    #[default]
    Convenience,
    /// A surcharge on credit-card payments.
    Surcharge,
    /// A service fee under a government/utility service-fee program.
    ServiceFee,
}

/// One band of a fee tiered by payment amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeTier {
    /// Highest payment amount in this band; absent for the last band.
    #[serde(
        default,
        with = "serde_decimal::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub up_to: Option<Decimal>,
    /// Flat fee for payments in this band.
    #[serde(with = "serde_decimal")]
    pub fee: Decimal,
}

/// How a fee is computed from the payment amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case", deny_unknown_fields)]
pub enum FeeModel {
    /// No fee.
    None,
    /// The same fee for any amount.
    Flat {
        /// The fee.
        #[serde(with = "serde_decimal")]
        amount: Decimal,
    },
    /// A percentage of the amount.
    Percent {
        /// Percentage, for example 2.5 for 2.5 %.
        #[serde(with = "serde_decimal")]
        percent: Decimal,
    },
    /// A percentage, but at least `min` and at most `max`.
    PercentBounded {
        /// Percentage.
        #[serde(with = "serde_decimal")]
        percent: Decimal,
        /// Lowest fee.
        #[serde(with = "serde_decimal")]
        min: Decimal,
        /// Highest fee.
        #[serde(with = "serde_decimal")]
        max: Decimal,
    },
    /// A flat fee by band of payment amount.
    Tiered {
        /// Bands, lowest first; the last has no `up_to`.
        tiers: Vec<FeeTier>,
    },
}

/// Whether one payment covering several accounts pays the fee once or per account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FeeBasis {
    /// Once per payment.
    #[default]
    Transaction,
    /// Once per account the payment covers.
    Account,
}

/// A card network, for surcharge caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardBrand {
    /// Visa.
    Visa,
    /// Mastercard.
    Mastercard,
}

/// The fee for some channels and methods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeRuleSpec {
    /// Channels it covers.
    pub channels: Vec<Channel>,
    /// Methods it covers.
    pub methods: Vec<PaymentMethod>,
    /// How the fee is computed, for example `{ model = "flat", amount = 3.75 }`.
    pub fee: FeeModel,
    /// Once per payment or per account.
    #[serde(default)]
    pub per: FeeBasis,
    /// What kind of fee it is.
    #[serde(default)]
    pub kind: FeeKind,
    /// For a surcharge: the card network it applies to; absent for all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<CardBrand>,
    /// Who collects it, for the disclosure (for example `"Invoice Cloud"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_by: Option<String>,
}

/// A utility's fee schedule: which channel and method pairs are accepted and
/// what each costs. A pair no rule covers is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeScheduleSpec {
    /// The rules; a channel and method pair may be covered by one rule only.
    pub rules: Vec<FeeRuleSpec>,
    /// Enrolled in a government/utility service-fee program (card networks
    /// then allow fees on recurring card payments).
    #[serde(default)]
    pub service_fee_program: bool,
    /// US state (two letters) whose surcharge law applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The utility is a government entity (a city, county or district), which
    /// some state laws let surcharge card payments up to their costs (Maine).
    /// Absent when not said: such a state's rule is then a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_entity: Option<bool>,
    /// The merchant's card-acceptance cost, in percent, which caps a surcharge.
    #[serde(
        default,
        with = "serde_decimal::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub merchant_cost_percent: Option<Decimal>,
}

impl FeeScheduleSpec {
    /// Reads a fee schedule written in TOML (the body of a profile's `[fees]`).
    pub fn from_toml(text: &str) -> Result<FeeScheduleSpec, crate::TariffError> {
        crate::tariff::from_toml(text)
    }

    /// Reads a fee schedule written in JSON.
    pub fn from_json(text: &str) -> Result<FeeScheduleSpec, crate::TariffError> {
        crate::tariff::from_json(text)
    }
}
