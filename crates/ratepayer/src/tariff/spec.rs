//! The tariff as data: the serde structures a TOML or JSON tariff file is read
//! into. Nothing here is checked; [`crate::tariff::Tariff::new`] validates a
//! [`TariffSpec`] and reports every problem at once.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::serde_decimal;
use crate::{Currency, RoundingPolicy, Unit};

/// The kind of service a tariff prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    /// Drinking water.
    Water,
    /// Waste water.
    Sewer,
    /// Natural gas.
    Gas,
    /// Electricity.
    Electric,
    /// Hot water supplied by a district system.
    HotWater,
}

/// How monthly amounts (fixed charges, block sizes, minimum bills, normative
/// volumes) are scaled to a billing period that is not exactly one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum Proration {
    /// Each calendar month the period touches counts for the share of its days
    /// covered: a whole calendar month is exactly 1, January 15 to February 14
    /// of a leap year is 17/31 + 14/29.
    #[default]
    CalendarMonth,
    /// A period of `min_days..=max_days` days is one full month (a normal
    /// meter-reading cycle); any other period counts `days / days_per_month`.
    BillingCycle {
        /// Shortest normal cycle, for example 27.
        min_days: u32,
        /// Longest normal cycle, for example 33.
        max_days: u32,
        /// Days in a month for prorated periods, for example 30.
        #[serde(with = "serde_decimal")]
        days_per_month: Decimal,
    },
    /// Every period counts `days / days_per_month` months.
    Daily {
        /// Days in a month, for example 30 or 30.4375.
        #[serde(with = "serde_decimal")]
        days_per_month: Decimal,
    },
}

/// A tariff: the rates for one service and customer class, with its dated
/// versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TariffSpec {
    /// Stable identifier, for example `"shelby-water-residential"`.
    pub id: String,
    /// Name shown to people.
    pub name: String,
    /// The utility that publishes it.
    #[serde(default)]
    pub utility: String,
    /// The service priced.
    pub service: Service,
    /// Currency of every amount in the tariff.
    pub currency: Currency,
    /// Unit in which volumetric rates and block sizes are written.
    pub unit: Unit,
    /// Rounding policy; a profile's policy applies when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounding: Option<RoundingPolicy>,
    /// How monthly amounts are scaled to the billing period.
    #[serde(default)]
    pub proration: Proration,
    /// True when a bill may total below zero (a credit the customer keeps).
    /// False by default: when credits (`credit = true` charges, negative
    /// riders) exceed the charges, a "credit limit" line brings the total to
    /// exactly zero, and riders and taxes never apply to a negative base.
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_credit: bool,
    /// The dated versions of the rates, oldest first.
    pub versions: Vec<VersionSpec>,
}

/// The rates in force from one date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionSpec {
    /// Name of the version shown on bill lines, for example `"FY2026"`.
    pub label: String,
    /// First day the rates apply.
    pub effective_from: NaiveDate,
    /// Last day the rates apply; by default the day before the next version
    /// (or for ever, for the last one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_to: Option<NaiveDate>,
    /// Gas heat content, to bill metered volume in therms.
    #[serde(
        default,
        with = "serde_decimal::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub therms_per_ccf: Option<Decimal>,
    /// Seasons, when rates change with the month. Every month must belong to
    /// exactly one season.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seasons: Vec<SeasonSpec>,
    /// Customer or service charges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<FixedChargeSpec>,
    /// Charges per unit of usage, uniform or in blocks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumetric: Vec<VolumetricSpec>,
    /// Fixed per-unit surcharges (for example a drought surcharge).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub surcharges: Vec<SurchargeSpec>,
    /// A minimum bill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<MinimumSpec>,
    /// Percentage riders (for example a franchise fee, or a low-income
    /// discount with a negative percentage), applied to chosen groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub riders: Vec<PercentSpec>,
    /// Taxes, applied to chosen groups after riders.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taxes: Vec<PercentSpec>,
    /// Deemed consumption for unmetered service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normative: Option<NormativeSpec>,
}

/// A season: a name and the months (1 to 12) it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeasonSpec {
    /// Season name, for example `"summer"`.
    pub name: String,
    /// Months 1 to 12.
    pub months: Vec<u32>,
}

/// What a fixed charge is counted per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FixedBasis {
    /// Per month, prorated by the tariff's [`Proration`].
    #[default]
    Month,
    /// Per day of service.
    Day,
}

/// The amount of a fixed charge for one meter size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeterSizeAmount {
    /// Meter size as the utility writes it, for example `"5/8"` or `"1"`.
    pub size: String,
    /// The charge for that size.
    #[serde(with = "serde_decimal")]
    pub amount: Decimal,
}

/// A customer, service or infrastructure charge independent of usage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedChargeSpec {
    /// Line description, for example `"Service charge (administration and infrastructure)"`.
    pub name: String,
    /// Per month (prorated) or per day.
    #[serde(default)]
    pub per: FixedBasis,
    /// The amount for every meter size, or the default where a size is not listed.
    #[serde(
        default,
        with = "serde_decimal::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount: Option<Decimal>,
    /// Amounts by meter size.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_meter_size: Vec<MeterSizeAmount>,
    /// Customer classes it applies to; empty for every class.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<String>,
    /// Group the line belongs to, for riders, taxes and minimums.
    #[serde(default = "group_service")]
    pub group: String,
    /// True for a credit: the amount may then be negative.
    #[serde(default)]
    pub credit: bool,
}

/// One block of a volumetric rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockSpec {
    /// Lower bound (usage per month, in the tariff unit); by default the
    /// previous block's `up_to`, or 0 for the first block.
    #[serde(
        default,
        with = "serde_decimal::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub from: Option<Decimal>,
    /// Upper bound; absent for the last, open-ended block.
    #[serde(
        default,
        with = "serde_decimal::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub up_to: Option<Decimal>,
    /// Price per unit in this block.
    #[serde(with = "serde_decimal")]
    pub rate: Decimal,
}

/// The blocks in force during one season.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeasonBlocks {
    /// Name of a season of the version.
    pub season: String,
    /// The blocks.
    pub blocks: Vec<BlockSpec>,
}

/// A charge per unit of usage: uniform (one open block), inclining or
/// declining blocks, all year or by season.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VolumetricSpec {
    /// Line description, for example `"Water usage"`.
    pub name: String,
    /// Blocks used all year.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<BlockSpec>,
    /// Blocks by season (instead of `blocks`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_season: Vec<SeasonBlocks>,
    /// Customer classes it applies to; empty for every class.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<String>,
    /// Group the lines belong to.
    #[serde(default = "group_usage")]
    pub group: String,
    /// True for a credit: rates may then be negative.
    #[serde(default)]
    pub credit: bool,
}

/// A fixed amount per unit of usage on top of the rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurchargeSpec {
    /// Line description, for example `"Drought surcharge"`.
    pub name: String,
    /// Amount per unit of usage.
    #[serde(with = "serde_decimal")]
    pub rate: Decimal,
    /// Customer classes it applies to; empty for every class.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<String>,
    /// Group the line belongs to.
    #[serde(default = "group_surcharge")]
    pub group: String,
    /// True for a credit: the rate may then be negative.
    #[serde(default)]
    pub credit: bool,
}

/// A minimum bill: when the chosen groups add up to less than `amount` per
/// month (prorated), an adjustment line makes up the difference.
///
/// The minimum is a floor on the whole bill: when a period crosses a version
/// change, each version's `amount` is prorated by its part of the period and
/// the sum is compared with the charges of the whole period (in the groups
/// any of the minimums name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinimumSpec {
    /// Line description; by default `"Minimum bill adjustment"`.
    #[serde(default = "minimum_name")]
    pub name: String,
    /// Minimum per month.
    #[serde(with = "serde_decimal")]
    pub amount: Decimal,
    /// Groups counted towards the minimum.
    #[serde(default = "groups_service_usage")]
    pub applies_to: Vec<String>,
    /// Group of the adjustment line.
    #[serde(default = "group_minimum")]
    pub group: String,
}

/// A percentage of the sum of chosen groups: a rider or a tax.
///
/// The sum it applies to (its base) is floored at zero: a credit larger than
/// the charges gives no negative tax or fee, unless the tariff allows credits
/// (`allow_credit`) and this percentage says `apply_to_credit = true`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PercentSpec {
    /// Line description, for example `"Franchise fee"` or `"State sales tax"`.
    pub name: String,
    /// Percentage, for example `3` for 3 %. A rider may be negative (a
    /// discount, -100 to 100); a tax is 0 to 100.
    #[serde(with = "serde_decimal")]
    pub percent: Decimal,
    /// Groups the percentage applies to.
    pub applies_to: Vec<String>,
    /// Group of the resulting line; by default `"rider"` or `"tax"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// True to apply the percentage to a negative base as well (a tax
    /// refunded on a credit); needs the tariff's `allow_credit`. False by
    /// default: a negative base counts as zero.
    #[serde(default, skip_serializing_if = "is_false")]
    pub apply_to_credit: bool,
}

/// Deemed (normative) consumption for service without an individual meter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NormativeSpec {
    /// Volume per resident per month, in the tariff unit.
    #[serde(with = "serde_decimal")]
    pub per_resident: Decimal,
}

fn is_false(b: &bool) -> bool {
    !*b
}
fn group_service() -> String {
    "service".into()
}
fn group_usage() -> String {
    "usage".into()
}
fn group_surcharge() -> String {
    "surcharge".into()
}
fn group_minimum() -> String {
    "minimum".into()
}
fn minimum_name() -> String {
    "Minimum bill adjustment".into()
}
fn groups_service_usage() -> Vec<String> {
    vec!["service".into(), "usage".into()]
}
