//! Bills: what goes into a bill ([`BillInput`]), the [`Bill`] that comes out
//! with its line items, subtotals, taxes and total, and the errors of billing.
//! The calculation itself is in `engine`; period splitting in `segments`;
//! how a line holds its label in `labels`.

mod engine;
mod labels;
mod render;
mod segments;
pub(crate) use segments::months;

use std::fmt;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use thiserror::Error;

pub(crate) use labels::{intern, MetaRef};

use crate::{
    BillingPeriod, Currency, Money, MoneyError, PeriodError, Quantity, RoundingPolicy, Unit,
    UnitError,
};

/// What kind of charge a bill line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// A customer, service or infrastructure charge.
    Fixed,
    /// Usage priced by a rate or block.
    Usage,
    /// A fixed amount per unit on top of the rates.
    Surcharge,
    /// The top-up to a minimum bill.
    Minimum,
    /// A percentage rider such as a franchise fee.
    Rider,
    /// A tax.
    Tax,
    /// A credit for energy a customer sent to the grid: exported energy
    /// credited at a sell rate, a credit brought forward or carried to a
    /// later bill, or a true-up payment (electric bills of customers who
    /// generate).
    Credit,
}

/// The unit a line's quantity is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineUnit {
    /// Months (possibly a fraction) of a monthly charge.
    Month,
    /// Days of a daily charge.
    Day,
    /// Units of service.
    Service(Unit),
    /// The quantity is an amount of money and the rate a percentage of it.
    Percent,
    /// Kilowatts of demand (an electric demand charge).
    Kilowatt,
}

impl fmt::Display for LineUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineUnit::Month => f.write_str("month"),
            LineUnit::Day => f.write_str("day"),
            LineUnit::Service(u) => write!(f, "{u}"),
            LineUnit::Percent => f.write_str("%"),
            LineUnit::Kilowatt => f.write_str("kW"),
        }
    }
}

impl Serialize for LineUnit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What a line says about itself, shared by every bill of a tariff.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LineMeta {
    /// Description shown on the bill, for example `"Water usage, tier 2"`.
    pub description: String,
    /// Group, for riders, taxes, minimums and subtotals.
    pub group: String,
    /// Kind of charge.
    pub kind: LineKind,
    /// Label of the tariff version that priced it.
    pub version: Arc<str>,
    /// Block number (1-based) for tiered usage.
    pub tier: Option<u8>,
}

/// One line of a bill: `quantity × rate = amount` (for a percentage line,
/// `quantity × rate / 100`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillLine {
    meta: MetaRef,
    /// The part of the billing period this line covers.
    pub period: BillingPeriod,
    /// Months, days, units of service, or the amount a percentage applies to.
    pub quantity: Decimal,
    /// What the quantity counts.
    pub unit: LineUnit,
    /// Price per unit (or the percentage).
    pub rate: Decimal,
    /// The charge (rounded when the policy rounds each line).
    pub amount: Money,
}

impl BillLine {
    /// A line from its parts (for billing engines outside this module, such
    /// as [`crate::electric`]); `amount` is taken as given.
    pub(crate) fn from_parts(
        meta: MetaRef,
        period: BillingPeriod,
        quantity: Decimal,
        unit: LineUnit,
        rate: Decimal,
        amount: Money,
    ) -> BillLine {
        BillLine {
            meta,
            period,
            quantity,
            unit,
            rate,
            amount,
        }
    }

    /// Description shown on the bill.
    pub fn description(&self) -> &str {
        &self.meta.description
    }
    /// Group of the line.
    pub fn group(&self) -> &str {
        &self.meta.group
    }
    /// Kind of charge.
    pub fn kind(&self) -> LineKind {
        self.meta.kind
    }
    /// Label of the tariff version that priced it.
    pub fn version(&self) -> &str {
        &self.meta.version
    }
    /// Block number (1-based) for tiered usage.
    pub fn tier(&self) -> Option<u8> {
        self.meta.tier
    }
}

impl Serialize for BillLine {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("BillLine", 10)?;
        st.serialize_field("description", self.description())?;
        st.serialize_field("kind", &self.kind())?;
        st.serialize_field("group", self.group())?;
        st.serialize_field("period", &self.period)?;
        st.serialize_field("quantity", &self.quantity)?;
        st.serialize_field("unit", &self.unit)?;
        st.serialize_field("rate", &self.rate)?;
        st.serialize_field("amount", &self.amount.to_decimal_string())?;
        st.serialize_field("version", self.version())?;
        st.serialize_field("tier", &self.tier())?;
        st.end()
    }
}

/// The comparison of metered usage with the normative (deemed) volume, as a
/// customer with individual meters sees it: what the meter saved, in units
/// and in money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NormativeComparison {
    /// The deemed volume for the period.
    pub normative_usage: Quantity,
    /// What the bill would have been on the deemed volume.
    pub normative_total: Money,
    /// Deemed volume minus metered volume (negative when the meter read more).
    pub saved_units: Decimal,
    /// Normative total minus this bill's total.
    pub saved_money: Money,
}

/// A computed bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bill {
    /// Tariff billed.
    pub tariff_id: Arc<str>,
    /// The period billed.
    pub period: BillingPeriod,
    /// Currency of every amount.
    pub currency: Currency,
    /// The rounding policy applied.
    pub rounding: RoundingPolicy,
    /// Usage billed, in the tariff unit.
    pub usage: Quantity,
    /// True when the usage is the normative volume (unmetered service).
    pub usage_is_normative: bool,
    /// True when the usage rests on an estimated meter read.
    pub usage_is_estimated: bool,
    /// The line items, in order.
    pub lines: Vec<BillLine>,
    /// The amount due: the sum of the lines, rounded by the policy.
    pub total: Money,
    /// Saving against the normative volume, for metered service when the
    /// number of residents is known.
    pub normative: Option<NormativeComparison>,
}

impl Bill {
    /// Sum of the lines of one group, unrounded.
    pub fn group_total(&self, group: &str) -> Money {
        self.sum_where(|l| l.group() == group)
    }

    /// Subtotal of every group, in the order groups first appear.
    pub fn subtotals(&self) -> Vec<(String, Money)> {
        let mut groups: Vec<&str> = Vec::new();
        for l in &self.lines {
            if !groups.contains(&l.group()) {
                groups.push(l.group());
            }
        }
        groups
            .into_iter()
            .map(|g| (g.to_string(), self.group_total(g)))
            .collect()
    }

    /// Sum of the tax lines.
    pub fn taxes(&self) -> Money {
        self.sum_where(|l| l.kind() == LineKind::Tax)
    }

    /// Sum of every line but taxes.
    pub fn before_tax(&self) -> Money {
        self.sum_where(|l| l.kind() != LineKind::Tax)
    }

    fn sum_where(&self, keep: impl Fn(&BillLine) -> bool) -> Money {
        // The full total did not overflow, so no partial sum of its lines can.
        let sum = self
            .lines
            .iter()
            .filter(|l| keep(l))
            .fold(Decimal::ZERO, |acc, l| {
                acc.checked_add(l.amount.amount()).unwrap_or(acc)
            });
        Money::new(sum, self.currency)
    }
}

/// Everything needed to bill one account for one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BillInput<'a> {
    /// Days billed.
    pub period: BillingPeriod,
    /// Metered usage over the period; `None` for unmetered service, which is
    /// billed the normative volume.
    pub usage: Option<Quantity>,
    /// Meter size, for charges that depend on it.
    pub meter_size: Option<&'a str>,
    /// Customer class, for charges restricted to classes.
    pub customer_class: Option<&'a str>,
    /// Residents, for normative volumes.
    pub residents: Option<u32>,
    /// Gas heat content for this period, overriding the tariff's.
    pub therms_per_ccf: Option<Decimal>,
    /// True when the usage rests on an estimated read (shown on the bill).
    pub estimated: bool,
}

impl<'a> BillInput<'a> {
    /// Metered usage over a period.
    pub fn metered(period: BillingPeriod, usage: Quantity) -> BillInput<'a> {
        BillInput {
            period,
            usage: Some(usage),
            meter_size: None,
            customer_class: None,
            residents: None,
            therms_per_ccf: None,
            estimated: false,
        }
    }

    /// Metered usage from meter reads: the total of every meter of the
    /// service (see [`crate::meter::usage::service_usage`]), flagged as
    /// estimated when any read is.
    pub fn from_meters(
        period: BillingPeriod,
        usage: &crate::meter::usage::ServiceUsage,
    ) -> BillInput<'a> {
        BillInput {
            estimated: usage.estimated,
            ..BillInput::metered(period, usage.total)
        }
    }

    /// Unmetered service for `residents` people, billed the normative volume.
    pub fn unmetered(period: BillingPeriod, residents: u32) -> BillInput<'a> {
        BillInput {
            usage: None,
            residents: Some(residents),
            ..BillInput::metered(period, Quantity::new(Decimal::ZERO, Unit::CubicMetre))
        }
    }

    /// With a meter size.
    pub fn meter_size(mut self, size: &'a str) -> Self {
        self.meter_size = Some(size);
        self
    }

    /// With a customer class.
    pub fn class(mut self, class: &'a str) -> Self {
        self.customer_class = Some(class);
        self
    }

    /// With the number of residents (for the normative comparison).
    pub fn residents(mut self, n: u32) -> Self {
        self.residents = Some(n);
        self
    }

    /// With a gas heat content.
    pub fn therms_per_ccf(mut self, hc: Decimal) -> Self {
        self.therms_per_ccf = Some(hc);
        self
    }
}

/// Why a bill could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BillError {
    /// No version of the tariff covers a day of the period.
    #[error("tariff `{tariff}` has no rates in force on {date}; add a version covering it or bill a period the tariff covers")]
    NoRates {
        /// Tariff id.
        tariff: String,
        /// First uncovered day.
        date: chrono::NaiveDate,
    },
    /// A charge depends on meter size and none was given.
    #[error("`meter_size` is required: `{charge}` depends on the meter size; give one of {known}")]
    MeterSizeRequired {
        /// The charge.
        charge: String,
        /// Sizes the tariff knows.
        known: String,
    },
    /// The meter size is not in the tariff.
    #[error("`meter_size` `{size}` is not priced by `{charge}`; give one of {known}")]
    UnknownMeterSize {
        /// Size given.
        size: String,
        /// The charge.
        charge: String,
        /// Sizes the tariff knows.
        known: String,
    },
    /// Charges are restricted to classes and none was given.
    #[error("`customer_class` is required: this tariff prices by class; give one of {known}")]
    ClassRequired {
        /// Classes the tariff knows.
        known: String,
    },
    /// The class is not in the tariff.
    #[error("`customer_class` `{class}` is not priced by this tariff; give one of {known}")]
    UnknownClass {
        /// Class given.
        class: String,
        /// Classes the tariff knows.
        known: String,
    },
    /// Usage below zero.
    #[error("`usage` is {0}; usage cannot be negative (a credit is a separate adjustment)")]
    NegativeUsage(Decimal),
    /// Unmetered service without what the normative volume needs.
    #[error("`usage` is missing: {0}")]
    UsageRequired(&'static str),
    /// The usage unit does not convert to the tariff's.
    #[error("`usage` unit: {0}")]
    Unit(#[from] UnitError),
    /// An amount overflowed.
    #[error("the bill overflowed: {0}; check the usage and rates for absurd values")]
    Money(#[from] MoneyError),
    /// The period is not valid.
    #[error("`period`: {0}")]
    Period(#[from] PeriodError),
}
