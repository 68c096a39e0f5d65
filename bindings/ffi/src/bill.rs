//! Bills: what to bill (a period with usage, or with meter reads), and the
//! bill that comes back with its line items and total, every amount an
//! exact decimal.

use std::str::FromStr;

use ratepayer::meter::{service_usage, Meter, MeterReads, Read, ReadKind as CoreReadKind};
use ratepayer::money::parse_decimal;
use ratepayer::{
    Bill as CoreBill, BillInput, BillingPeriod, LineKind as CoreLineKind, Quantity, Unit,
};

use crate::calendar::IsoDate;
use crate::money::{amount_of, ExactDecimal};
use crate::profile::Profile;
use crate::RatepayerError;

/// What kind of charge a bill line is.
pub type LineKind = CoreLineKind;

#[uniffi::remote(Enum)]
pub enum LineKind {
    Fixed,
    Usage,
    Surcharge,
    Minimum,
    Rider,
    Tax,
    Credit,
}

/// How a meter read was obtained.
pub type ReadKind = CoreReadKind;

#[uniffi::remote(Enum)]
pub enum ReadKind {
    Actual,
    Estimated,
    CustomerSubmitted,
}

/// A bill for a period with its usage (or none, for unmetered service).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BillRequest {
    /// First day of service.
    pub from: IsoDate,
    /// Last day of service (included).
    pub to: IsoDate,
    /// Usage as typed, for example `"7400"`; absent for unmetered service
    /// (billed the normative volume for `residents`).
    #[uniffi(default)]
    pub usage: Option<String>,
    /// Unit of the usage: gal, kgal, ft3, ccf, m3, kwh or therm.
    pub unit: String,
    /// Meter size, for charges that depend on it (`5/8`, `2`).
    #[uniffi(default)]
    pub meter_size: Option<String>,
    /// Customer class, for tariffs that price by class.
    #[uniffi(default)]
    pub customer_class: Option<String>,
    /// Residents, for normative volumes.
    #[uniffi(default)]
    pub residents: Option<u32>,
    /// Gas heat content for this period, as typed (`"1.037"`).
    #[uniffi(default)]
    pub therms_per_ccf: Option<String>,
    /// True when the usage rests on an estimated read.
    #[uniffi(default)]
    pub estimated: bool,
}

/// One meter (its register and how its advance becomes consumption).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MeterSpec {
    /// Serial number or the utility's meter id.
    pub id: String,
    /// Where it is or what it measures ("kitchen hot water").
    #[uniffi(default = "")]
    pub location: String,
    /// Unit of consumption: gal, kgal, ft3, ccf, m3, kwh or therm.
    pub unit: String,
    /// Whole-number dials of the register (it rolls over at 10^dials).
    pub dials: u32,
    /// Digits the register shows after the point.
    #[uniffi(default = 0)]
    pub decimals: u32,
    /// Register units to consumption units, as typed (`"1"` when absent).
    #[uniffi(default)]
    pub multiplier: Option<String>,
}

/// A register value on a date (at the start of that day).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MeterRead {
    /// The day of the read.
    pub date: IsoDate,
    /// The register value as typed, before the multiplier.
    pub value: String,
    /// How it was obtained.
    pub kind: ReadKind,
}

/// One meter's opening and closing reads for the period.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MeterReading {
    /// The meter.
    pub meter: MeterSpec,
    /// The read that opens the period.
    pub opening: MeterRead,
    /// The read that closes the period.
    pub closing: MeterRead,
}

/// One line of a bill: `quantity × rate = amount`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BillLine {
    /// Description shown on the bill.
    pub description: String,
    /// Group, for riders, taxes and subtotals.
    pub group: String,
    /// Kind of charge.
    pub kind: LineKind,
    /// Label of the tariff version that priced it.
    pub version: String,
    /// Block number (1-based) for tiered usage.
    pub tier: Option<u8>,
    /// First day the line covers.
    pub from: IsoDate,
    /// Last day the line covers.
    pub to: IsoDate,
    /// Months, days, units, or the amount a percentage applies to.
    pub quantity: ExactDecimal,
    /// What the quantity counts (`month`, `day`, `gal`, `%`, ...).
    pub unit: String,
    /// Price per unit (or the percentage).
    pub rate: ExactDecimal,
    /// The charge.
    pub amount: ExactDecimal,
}

/// A computed bill.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Bill {
    /// Tariff billed.
    pub tariff_id: String,
    /// First day billed.
    pub from: IsoDate,
    /// Last day billed.
    pub to: IsoDate,
    /// ISO 4217 code of every amount.
    pub currency: String,
    /// Usage billed, in the tariff's unit.
    pub usage: ExactDecimal,
    /// The tariff's unit.
    pub usage_unit: String,
    /// True when the usage is the normative volume (unmetered service).
    pub usage_is_normative: bool,
    /// True when the usage rests on an estimated read.
    pub usage_is_estimated: bool,
    /// The line items, in order.
    pub lines: Vec<BillLine>,
    /// The amount due.
    pub total: ExactDecimal,
    /// The whole bill as a printable table.
    pub text: String,
}

impl From<&CoreBill> for Bill {
    fn from(b: &CoreBill) -> Self {
        Bill {
            tariff_id: b.tariff_id.to_string(),
            from: b.period.from(),
            to: b.period.to(),
            currency: b.currency.code().to_string(),
            usage: b.usage.value,
            usage_unit: b.usage.unit.to_string(),
            usage_is_normative: b.usage_is_normative,
            usage_is_estimated: b.usage_is_estimated,
            lines: lines_of(b),
            total: amount_of(&b.total),
            text: b.to_string(),
        }
    }
}

/// The line items of `b`, in order.
pub(crate) fn lines_of(b: &CoreBill) -> Vec<BillLine> {
    b.lines
        .iter()
        .map(|l| BillLine {
            description: l.description().to_string(),
            group: l.group().to_string(),
            kind: l.kind(),
            version: l.version().to_string(),
            tier: l.tier(),
            from: l.period.from(),
            to: l.period.to(),
            quantity: l.quantity,
            unit: l.unit.to_string(),
            rate: l.rate,
            amount: amount_of(&l.amount),
        })
        .collect()
}

fn decimal(field: &str, text: &str) -> Result<ExactDecimal, RatepayerError> {
    parse_decimal(text)
        .map_err(|e| RatepayerError::input("input.decimal", format!("`{field}`: {e}")))
}

fn unit(text: &str) -> Result<Unit, RatepayerError> {
    Ok(Unit::from_str(text)?)
}

/// A register value as typed: leading zeros are how registers show it
/// (`00123.456`), so they are dropped before the strict decimal parse.
fn read(r: &MeterRead) -> Result<Read, RatepayerError> {
    let digits = r.value.trim_start_matches('0');
    let value = if digits.is_empty() || digits.starts_with('.') {
        format!("0{digits}")
    } else {
        digits.to_string()
    };
    Ok(Read::new(r.date, decimal("value", &value)?, r.kind))
}

fn meter(m: &MeterSpec) -> Result<Meter, RatepayerError> {
    let multiplier = match &m.multiplier {
        Some(t) => decimal("multiplier", t)?,
        None => ExactDecimal::ONE,
    };
    Ok(
        Meter::new(m.id.clone(), m.location.clone(), unit(&m.unit)?, m.dials)
            .with_decimals(m.decimals)
            .with_multiplier(multiplier),
    )
}

#[uniffi::export]
impl Profile {
    /// Bills `request` under the profile's tariff `tariff_id`. Bad usage
    /// text raises `RatepayerError.Input`; a rule the request breaks (no
    /// meter size, a period the tariff does not cover) `RatepayerError.Bill`.
    pub fn bill(&self, tariff_id: String, request: BillRequest) -> Result<Bill, RatepayerError> {
        Ok(Bill::from(&self.core_bill(&tariff_id, &request)?))
    }

    /// Bills the period `from`..=`to` from meter reads: every meter's
    /// consumption (with rollover and multipliers) summed in the tariff's
    /// unit; the bill is flagged estimated when any read is.
    #[allow(clippy::too_many_arguments)]
    pub fn bill_from_reads(
        &self,
        tariff_id: String,
        from: IsoDate,
        to: IsoDate,
        meters: Vec<MeterReading>,
        meter_size: Option<String>,
        customer_class: Option<String>,
    ) -> Result<Bill, RatepayerError> {
        let tariff = self.core().tariff(&tariff_id)?;
        let period = BillingPeriod::new(from, to)?;
        let positions = meters
            .iter()
            .map(|m| {
                Ok(MeterReads {
                    meter: meter(&m.meter)?,
                    opening: read(&m.opening)?,
                    closing: read(&m.closing)?,
                    exchange: None,
                })
            })
            .collect::<Result<Vec<_>, RatepayerError>>()?;
        let usage = service_usage(&positions, tariff.unit(), None)?;
        let mut input = BillInput::from_meters(period, &usage);
        input.meter_size = meter_size.as_deref();
        input.customer_class = customer_class.as_deref();
        Ok(Bill::from(&tariff.bill(&input)?))
    }
}

impl Profile {
    /// The core's bill of `request` under tariff `tariff_id`.
    pub(crate) fn core_bill(
        &self,
        tariff_id: &str,
        request: &BillRequest,
    ) -> Result<CoreBill, RatepayerError> {
        let tariff = self.core().tariff(tariff_id)?;
        let period = BillingPeriod::new(request.from, request.to)?;
        let u = unit(&request.unit)?;
        let usage = request
            .usage
            .as_deref()
            .map(|t| decimal("usage", t).map(|v| Quantity::new(v, u)))
            .transpose()?;
        let therms = request
            .therms_per_ccf
            .as_deref()
            .map(|t| decimal("therms_per_ccf", t))
            .transpose()?;
        let input = BillInput {
            period,
            usage,
            meter_size: request.meter_size.as_deref(),
            customer_class: request.customer_class.as_deref(),
            residents: request.residents,
            therms_per_ccf: therms,
            estimated: request.estimated,
        };
        Ok(tariff.bill(&input)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::parse_date;

    fn request(usage: &str) -> Result<BillRequest, RatepayerError> {
        Ok(BillRequest {
            from: parse_date("2025-10-01")?,
            to: parse_date("2025-10-31")?,
            usage: Some(usage.into()),
            unit: "gal".into(),
            meter_size: Some("5/8".into()),
            customer_class: None,
            residents: None,
            therms_per_ccf: None,
            estimated: false,
        })
    }

    #[test]
    fn shelby_october_bill_matches_the_seed() -> Result<(), RatepayerError> {
        let shelby = Profile::builtin("shelby".into())?;
        let bill = shelby.bill("shelby-water-residential".into(), request("7400")?)?;
        assert_eq!(bill.total.to_string(), "57.22");
        assert_eq!(bill.lines.len(), 5);
        assert_eq!(
            bill.lines.first().map(|l| l.amount.to_string()),
            Some("13.10".into())
        );
        Ok(())
    }

    #[test]
    fn reads_give_the_same_bill_as_usage() -> Result<(), RatepayerError> {
        let shelby = Profile::builtin("shelby".into())?;
        let reading = MeterReading {
            meter: MeterSpec {
                id: "M1".into(),
                location: String::new(),
                unit: "gal".into(),
                dials: 7,
                decimals: 0,
                multiplier: None,
            },
            opening: MeterRead {
                date: parse_date("2025-10-01")?,
                value: "9999000".into(),
                kind: ReadKind::Actual,
            },
            closing: MeterRead {
                date: parse_date("2025-11-01")?,
                value: "0006400".into(),
                kind: ReadKind::Actual,
            },
        };
        let bill = shelby.bill_from_reads(
            "shelby-water-residential".into(),
            parse_date("2025-10-01")?,
            parse_date("2025-10-31")?,
            vec![reading],
            Some("5/8".into()),
            None,
        )?;
        assert_eq!(bill.total.to_string(), "57.22");
        Ok(())
    }

    #[test]
    fn bad_usage_and_missing_meter_size_are_typed_errors() -> Result<(), RatepayerError> {
        let shelby = Profile::builtin("shelby".into())?;
        let e = shelby.bill("shelby-water-residential".into(), request("7,400")?);
        assert!(matches!(e, Err(RatepayerError::Input { .. })), "{e:?}");
        let no_size = BillRequest {
            meter_size: None,
            ..request("7400")?
        };
        let e = shelby.bill("shelby-water-residential".into(), no_size);
        assert!(
            matches!(e, Err(RatepayerError::Bill { ref code, .. }) if code == "bill.meter_size_required"),
            "{e:?}"
        );
        Ok(())
    }
}
