//! Electric billing from interval meter data: a URDB rate imported as an
//! [`ElectricTariff`] (with every field it did not use, and why), prepared
//! for a calendar year as a [`PreparedYear`], and billed from kWh per
//! interval for consumption only ([`ElectricMonth`]) or for a customer who
//! generates under one of SAM's metering options ([`GenerationMonth`]).
//! The surface mirrors the Python binding's `ratepayer.ElectricTariff`.
//!
//! Meter data crosses as a primitive array of doubles (Kotlin
//! `List<Double>`, Swift `[Double]`): a meter reading, not money. Each value
//! is read by its shortest decimal form (`0.1` is 0.1 kWh, exactly as the
//! Python binding reads a `float`), then rounded half-even to the micro-kWh.
//! NaN and infinities are refused with `RatepayerError.Bill`
//! (`electric.series`) naming the array and the index. Money comes back as
//! exact decimals (Kotlin `BigDecimal`), the series start as a local
//! date-time ([`IsoDateTime`], Kotlin `LocalDateTime`).

use std::sync::Arc;

use rust_decimal::Decimal;

use ratepayer::electric::{
    self, IntervalSeries, MeterChannels, Metering as CoreMetering, MeteringOptions,
};
use ratepayer::{Money as CoreMoney, RoundingPolicy};

use crate::bill::{lines_of, BillLine};
use crate::calendar::IsoDateTime;
use crate::money::{amount_of, ExactDecimal};
use crate::RatepayerError;

/// How exported energy is billed (SAM's `ur_metering_option` 0 to 4):
/// `NetMetering` (monthly net kWh per period, surplus carried as kWh, the
/// excess paid at the true-up at the year-end sell rate),
/// `NetMeteringDollar` (the surplus valued at the sell rates and carried as
/// a dollar credit), `NetBilling` (imports billed and exports credited
/// interval by interval, nothing carried), `NetBillingCarryover` (as net
/// billing, the month's credit banked for later months) and `BuyAllSellAll`
/// (all consumption bought, all generation sold).
pub type Metering = CoreMetering;

#[uniffi::remote(Enum)]
pub enum Metering {
    NetMetering,
    NetMeteringDollar,
    NetBilling,
    NetBillingCarryover,
    BuyAllSellAll,
}

/// A URDB field (or part of one) the importer did not use, and why.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UnusedField {
    /// Path of the field, for example `dgrules` or `coincidentratestructure`.
    pub field: String,
    /// Why it was not used.
    pub reason: String,
}

/// An electric tariff: energy and demand charges by period and tier,
/// 12×24 schedules, fixed and minimum charges and, for customers who
/// generate, sell rates and a default metering option. Immutable and
/// shareable between threads.
#[derive(Debug, uniffi::Object)]
pub struct ElectricTariff {
    inner: electric::ElectricTariff,
    unused: Vec<UnusedField>,
}

#[uniffi::export]
impl ElectricTariff {
    /// Imports one URDB rate object (or the URDB API's answer with one item)
    /// from JSON text, as tariff `id` (in US dollars). Fields the engine
    /// does not use are listed by [`ElectricTariff::unused`]. Text that is
    /// not a JSON rate raises `RatepayerError.Profile` with code
    /// `tariff.parse`; a rate that cannot be billed, `tariff.invalid` with
    /// every problem in `problems`.
    #[uniffi::constructor(default(id = "urdb"))]
    pub fn from_urdb(json_text: String, id: String) -> Result<Arc<ElectricTariff>, RatepayerError> {
        let imported = electric::urdb::import(&id, &json_text)?;
        Ok(Arc::new(ElectricTariff {
            inner: imported.tariff,
            unused: imported
                .unused
                .into_iter()
                .map(|u| UnusedField {
                    field: u.field,
                    reason: u.reason,
                })
                .collect(),
        }))
    }

    /// The tariff's id.
    pub fn id(&self) -> String {
        self.inner.id.clone()
    }

    /// The URDB fields not used, each with the reason, in field order
    /// (empty when every field was used).
    pub fn unused(&self) -> Vec<UnusedField> {
        self.unused.clone()
    }

    /// The metering option the rate names (URDB `dgrules`), or none.
    pub fn metering(&self) -> Option<Metering> {
        self.inner.metering
    }

    /// Validates the tariff and prepares it for calendar `year` (the energy
    /// and demand period of every hour, built once; weekends on the weekend
    /// schedules). An invalid tariff raises `RatepayerError.Profile`
    /// (`tariff.invalid`); a year outside 1900 to 2200,
    /// `RatepayerError.Bill` (`electric.year`).
    pub fn prepare(&self, year: i32) -> Result<Arc<PreparedYear>, RatepayerError> {
        Ok(Arc::new(PreparedYear {
            inner: self.inner.prepare(year, None)?,
        }))
    }
}

/// A tariff prepared for one calendar year: bill as many series of that
/// year with it as you like. Immutable and shareable between threads.
#[derive(Debug, uniffi::Object)]
pub struct PreparedYear {
    inner: electric::PreparedYear,
}

#[uniffi::export]
impl PreparedYear {
    /// The year prepared.
    pub fn year(&self) -> i32 {
        self.inner.year()
    }

    /// The id of the tariff prepared.
    pub fn tariff_id(&self) -> String {
        self.inner.tariff().id.clone()
    }

    /// Bills consumption: `kwh` per interval from `start` (local standard
    /// time of the utility, on an interval boundary, inside the prepared
    /// year), every `interval_minutes` (a divisor of 60; 60 by default).
    /// One [`ElectricMonth`] per calendar month with data, each billed whole
    /// as SAM does. Each value must be 0 to 10,000,000 kWh and is rounded
    /// half-even to the micro-kWh. `sam` rounds only the totals, as SAM
    /// computes (to compare with it); otherwise every line is rounded to
    /// the cent.
    ///
    /// Raises `RatepayerError.Bill`: `electric.series` for a NaN, infinite
    /// or negative value (naming its index) or a bad interval or start,
    /// `electric.outside_year` for data that runs outside the year.
    #[uniffi::method(default(interval_minutes = 60, sam = false))]
    pub fn bill(
        &self,
        kwh: Vec<f64>,
        start: IsoDateTime,
        interval_minutes: u32,
        sam: bool,
    ) -> Result<Vec<ElectricMonth>, RatepayerError> {
        // NaN and infinities named as `kwh_values` names them; then each
        // double read by its shortest decimal form, rounded half-even to the
        // micro-kWh (the core's one-multiplication path, exactly as
        // `kwh_values` and `from_kwh` read it).
        finite(&kwh, "kwh")?;
        let series = IntervalSeries::from_f64_kwh(start, step(interval_minutes)?, &kwh)?;
        let statement = self.inner.bill(&series, policy(sam))?;
        Ok(statement.months.iter().map(ElectricMonth::from).collect())
    }

    /// Bills a customer who generates: `delivered` (from the grid) and
    /// `received` (to the grid) kWh per interval from `start`, every
    /// `interval_minutes`, under `metering` (by default the rate's URDB
    /// `dgrules`), with net metering's `year_end_sell_rate` ($/kWh, 0 by
    /// default) and `true_up_month` (1 to 12, December by default). One
    /// [`GenerationMonth`] per calendar month with data, saying what was
    /// exported, credited and carried. `received` may be negative only as a
    /// generator's stand-by draw. `sam` as in [`PreparedYear::bill`].
    ///
    /// Raises `RatepayerError.Bill` with `electric.metering` when neither
    /// `metering` nor the rate names an option, `electric.series` for bad
    /// values or channels of different lengths; `RatepayerError.Profile`
    /// (`tariff.invalid`) for settings that do not fit the option.
    #[uniffi::method(default(
        interval_minutes = 60,
        metering = None,
        year_end_sell_rate = None,
        true_up_month = None,
        sam = false
    ))]
    #[allow(clippy::too_many_arguments)]
    pub fn bill_generation(
        &self,
        delivered: Vec<f64>,
        received: Vec<f64>,
        start: IsoDateTime,
        interval_minutes: u32,
        metering: Option<Metering>,
        year_end_sell_rate: Option<ExactDecimal>,
        true_up_month: Option<u32>,
        sam: bool,
    ) -> Result<Vec<GenerationMonth>, RatepayerError> {
        let d = kwh_values(&delivered, "delivered")?;
        let r = kwh_values(&received, "received")?;
        let step = step(interval_minutes)?;
        let tariff = self.inner.tariff();
        let metering = metering
            .or(tariff.metering)
            .ok_or_else(|| RatepayerError::Bill {
                code: "electric.metering".into(),
                detail: format!(
                    "the tariff `{}` names no metering option (URDB dgrules); give metering, one of {}",
                    tariff.id,
                    CoreMetering::ALL.map(CoreMetering::name).join(", ")
                ),
            })?;
        let mut options = MeteringOptions::new(metering);
        if let Some(rate) = year_end_sell_rate {
            options.year_end_sell_rate = rate;
        }
        if let Some(m) = true_up_month {
            options.true_up_month = m;
        }
        let channels = MeterChannels::from_kwh(start, step, &d, &r)?;
        let statement = self
            .inner
            .bill_generation(&channels, &options, policy(sam))?;
        Ok(statement.months.iter().map(GenerationMonth::from).collect())
    }
}

/// One month's electric bill and the figures behind it. Amounts are exact
/// decimals (with `sam`, only `total` is rounded to the cent).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ElectricMonth {
    /// The calendar month, 1 to 12.
    pub month: u32,
    /// The amount due.
    pub total: ExactDecimal,
    /// ISO 4217 code of every amount.
    pub currency: String,
    /// The bill's lines, in order (they add up to `total`, before its rounding with `sam`).
    pub lines: Vec<BillLine>,
    /// The whole bill as a printable table.
    pub text: String,
    /// Energy used, kWh.
    pub kwh: ExactDecimal,
    /// Highest interval demand, kW.
    pub peak_kw: ExactDecimal,
    /// The billing demand (the peak raised by ratchet and minimum), kW.
    pub billing_demand_kw: ExactDecimal,
    /// Energy charges.
    pub energy: ExactDecimal,
    /// Flat (monthly) demand charges.
    pub demand_flat: ExactDecimal,
    /// Time-of-use demand charges.
    pub demand_tou: ExactDecimal,
    /// Fixed charges.
    pub fixed: ExactDecimal,
    /// Minimum-charge top-up.
    pub minimum: ExactDecimal,
}

impl From<&electric::ElectricMonth> for ElectricMonth {
    fn from(m: &electric::ElectricMonth) -> Self {
        ElectricMonth {
            month: m.month,
            total: amount_of(&m.bill.total),
            currency: m.bill.currency.code().to_string(),
            lines: lines_of(&m.bill),
            text: m.bill.to_string(),
            kwh: m.kwh,
            peak_kw: m.peak_kw,
            billing_demand_kw: m.billing_demand_kw,
            energy: money(&m.energy),
            demand_flat: money(&m.demand_flat),
            demand_tou: money(&m.demand_tou),
            fixed: money(&m.fixed),
            minimum: money(&m.minimum),
        }
    }
}

/// One month's bill of a customer who generates: what was delivered,
/// received, imported, exported, credited and carried.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GenerationMonth {
    /// The calendar month, 1 to 12.
    pub month: u32,
    /// The amount due (negative when the customer is paid).
    pub total: ExactDecimal,
    /// ISO 4217 code of every amount.
    pub currency: String,
    /// The bill's lines, in order; credits are lines of kind `Credit`.
    pub lines: Vec<BillLine>,
    /// The whole bill as a printable table.
    pub text: String,
    /// kWh delivered by the grid (the import channel).
    pub delivered_kwh: ExactDecimal,
    /// kWh received by the grid (the export channel).
    pub received_kwh: ExactDecimal,
    /// kWh billed as imports after netting.
    pub imported_kwh: ExactDecimal,
    /// kWh credited as exports after netting.
    pub exported_kwh: ExactDecimal,
    /// Highest interval import demand, kW.
    pub peak_kw: ExactDecimal,
    /// The billing demand, kW.
    pub billing_demand_kw: ExactDecimal,
    /// Imports at the buy prices, before any credit.
    pub energy_gross: ExactDecimal,
    /// Energy charge after credits (SAM's `charge_w_sys_ec`).
    pub energy: ExactDecimal,
    /// Flat (monthly) demand charges.
    pub demand_flat: ExactDecimal,
    /// Time-of-use demand charges.
    pub demand_tou: ExactDecimal,
    /// Fixed charges.
    pub fixed: ExactDecimal,
    /// Minimum-charge top-up.
    pub minimum: ExactDecimal,
    /// Exported energy credited this month at the sell rates (positive; 0
    /// under kWh net metering).
    pub export_credit: ExactDecimal,
    /// Dollar credit brought forward from the month before.
    pub credit_in: ExactDecimal,
    /// The part of the credit brought in that this month used.
    pub credit_applied: ExactDecimal,
    /// Dollar credit carried to the next month.
    pub credit_out: ExactDecimal,
    /// Net metering: surplus kWh brought forward.
    pub kwh_credit_in: ExactDecimal,
    /// Net metering: surplus kWh carried to the next month.
    pub kwh_credit_out: ExactDecimal,
    /// Net metering: surplus kWh that could not be carried and are forfeited.
    pub kwh_forfeited: ExactDecimal,
    /// Net metering: the year's cumulative excess kWh after this month.
    pub excess_kwh: ExactDecimal,
    /// The true-up settlement paid to the customer this month (positive; 0
    /// outside the true-up month).
    pub true_up: ExactDecimal,
}

impl From<&electric::GenerationMonth> for GenerationMonth {
    fn from(m: &electric::GenerationMonth) -> Self {
        GenerationMonth {
            month: m.month,
            total: amount_of(&m.bill.total),
            currency: m.bill.currency.code().to_string(),
            lines: lines_of(&m.bill),
            text: m.bill.to_string(),
            delivered_kwh: m.delivered_kwh,
            received_kwh: m.received_kwh,
            imported_kwh: m.imported_kwh,
            exported_kwh: m.exported_kwh,
            peak_kw: m.peak_kw,
            billing_demand_kw: m.billing_demand_kw,
            energy_gross: money(&m.energy_gross),
            energy: money(&m.energy),
            demand_flat: money(&m.demand_flat),
            demand_tou: money(&m.demand_tou),
            fixed: money(&m.fixed),
            minimum: money(&m.minimum),
            export_credit: money(&m.export_credit),
            credit_in: money(&m.credit_in),
            credit_applied: money(&m.credit_applied),
            credit_out: money(&m.credit_out),
            kwh_credit_in: m.kwh_credit_in,
            kwh_credit_out: m.kwh_credit_out,
            kwh_forfeited: m.kwh_forfeited,
            excess_kwh: m.excess_kwh,
            true_up: money(&m.true_up),
        }
    }
}

/// An amount as an exact decimal (the currency's minor units when rounded).
fn money(m: &CoreMoney) -> ExactDecimal {
    amount_of(m)
}

/// A `RatepayerError.Bill` with code `electric.series`.
fn series_error(detail: String) -> RatepayerError {
    RatepayerError::Bill {
        code: "electric.series".into(),
        detail,
    }
}

/// The meter values of `what` as decimals: each finite double read by its
/// shortest decimal form (`ratepayer::electric::kwh_decimal`), exactly as
/// the Python binding reads a `float`.
fn kwh_values(values: &[f64], what: &str) -> Result<Vec<Decimal>, RatepayerError> {
    finite(values, what)?;
    values
        .iter()
        .enumerate()
        .map(|(i, &f)| {
            electric::kwh_decimal(f).ok_or_else(|| {
                series_error(format!("{what}[{i}] is {f}; give kWh within ±10,000,000"))
            })
        })
        .collect()
}

/// Refuses a NaN or an infinity among `values`, naming its index.
fn finite(values: &[f64], what: &str) -> Result<(), RatepayerError> {
    match values.iter().enumerate().find(|(_, f)| !f.is_finite()) {
        Some((i, f)) => Err(series_error(format!(
            "{what}[{i}] is {f}; give a finite number of kWh (a missing reading must be estimated, not sent as NaN)"
        ))),
        None => Ok(()),
    }
}

/// Interval length in minutes as the engine keeps it (the engine checks
/// that it divides an hour).
fn step(interval_minutes: u32) -> Result<u16, RatepayerError> {
    u16::try_from(interval_minutes).map_err(|_| {
        series_error(format!(
            "interval_minutes is {interval_minutes}; give 1, 5, 15, 30 or 60 (a divisor of 60)"
        ))
    })
}

/// Every line rounded to the cent (a utility's bill), or with `sam` only
/// the total (as SAM computes, to compare with it).
fn policy(sam: bool) -> RoundingPolicy {
    if sam {
        RoundingPolicy::TOTAL_ONLY_HALF_UP
    } else {
        RoundingPolicy::PER_LINE_HALF_UP
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::parse_date_time;

    fn rate() -> String {
        let row = format!("[{}]", ["0"; 24].join(","));
        let schedule = format!("[{}]", vec![row; 12].join(","));
        format!(
            r#"{{"energyratestructure": [[{{"rate": 0.1}}]], "energyweekdayschedule": {schedule},
                "energyweekendschedule": {schedule}, "fixedchargefirstmeter": 10,
                "fixedchargeunits": "$/month", "name": "Flat"}}"#
        )
    }

    fn jan_1() -> IsoDateTime {
        parse_date_time("2029-01-01T00:00").unwrap_or_default()
    }

    #[test]
    fn a_flat_rate_bills_january_and_lists_what_it_did_not_use() -> Result<(), RatepayerError> {
        let tariff = ElectricTariff::from_urdb(rate(), "flat".into())?;
        assert_eq!(
            tariff
                .unused()
                .iter()
                .map(|u| u.field.as_str())
                .collect::<Vec<_>>(),
            ["name"]
        );
        assert_eq!(tariff.metering(), None);
        let year = tariff.prepare(2029)?;
        let months = year.bill(vec![0.5; 31 * 24], jan_1(), 60, false)?;
        assert_eq!(months.len(), 1);
        let january = months
            .first()
            .map(|m| (m.total.to_string(), m.kwh.to_string()));
        // 372 kWh × 0.10 + 10.00; energy keeps the engine's micro-kWh scale.
        assert_eq!(january, Some(("47.20".into(), "372.000000".into())));
        Ok(())
    }

    #[test]
    fn doubles_read_by_their_shortest_decimal_form() -> Result<(), RatepayerError> {
        let v = kwh_values(&[0.1, 1e-7, 2.5e6, -0.0], "kwh")?;
        let text: Vec<String> = v.iter().map(Decimal::to_string).collect();
        assert_eq!(text, ["0.1", "0.0000001", "2500000", "0"]);
        Ok(())
    }

    #[test]
    fn doubles_bill_as_their_decimal_forms() -> Result<(), RatepayerError> {
        // Values with ties at the micro-kWh, long fractions and zeros: the
        // fast reading bills exactly as the decimal reading.
        let kwh: Vec<f64> = (0..744)
            .map(|i| match i % 5 {
                0 => 0.0000025,
                1 => 1.0000005 + f64::from(i) / 7.0,
                2 => 0.1,
                3 => 0.0,
                _ => f64::from(i) * 0.0133,
            })
            .collect();
        let year = ElectricTariff::from_urdb(rate(), "flat".into())?.prepare(2029)?;
        let fast = year.bill(kwh.clone(), jan_1(), 60, false)?;
        let decimals = kwh_values(&kwh, "kwh")?;
        let series = IntervalSeries::from_kwh(jan_1(), 60, &decimals)?;
        let exact = year.inner.bill(&series, policy(false))?;
        let exact: Vec<ElectricMonth> = exact.months.iter().map(ElectricMonth::from).collect();
        assert_eq!(format!("{fast:?}"), format!("{exact:?}"));
        Ok(())
    }

    #[test]
    fn bad_arrays_are_typed_errors_naming_the_index() -> Result<(), RatepayerError> {
        let year = ElectricTariff::from_urdb(rate(), "flat".into())?.prepare(2029)?;
        let mut kwh = vec![0.5; 48];
        kwh[10] = f64::NAN;
        let e = year.bill(kwh, jan_1(), 60, false);
        assert!(
            matches!(&e, Err(RatepayerError::Bill { code, detail }) if code == "electric.series" && detail.contains("kwh[10]")),
            "{e:?}"
        );
        let e = year.bill(vec![0.5, -1.0], jan_1(), 60, false);
        assert!(
            matches!(&e, Err(RatepayerError::Bill { code, detail }) if code == "electric.series" && detail.contains("interval 1")),
            "{e:?}"
        );
        let e = year.bill(vec![0.5; 8761], jan_1(), 60, false);
        assert!(
            matches!(&e, Err(RatepayerError::Bill { code, .. }) if code == "electric.outside_year"),
            "{e:?}"
        );
        let e = year.bill(vec![0.5; 4], jan_1(), 7, false);
        assert!(
            matches!(&e, Err(RatepayerError::Bill { code, .. }) if code == "electric.series"),
            "{e:?}"
        );
        let e = year.bill_generation(
            vec![1.0; 4],
            vec![0.0; 4],
            jan_1(),
            60,
            None,
            None,
            None,
            false,
        );
        assert!(
            matches!(&e, Err(RatepayerError::Bill { code, .. }) if code == "electric.metering"),
            "{e:?}"
        );
        let e = year.bill_generation(
            vec![1.0; 4],
            vec![0.0; 3],
            jan_1(),
            60,
            Some(Metering::NetBilling),
            None,
            None,
            false,
        );
        assert!(
            matches!(&e, Err(RatepayerError::Bill { code, .. }) if code == "electric.series"),
            "{e:?}"
        );
        let e = year.bill_generation(
            vec![1.0; 4],
            vec![0.0; 4],
            jan_1(),
            60,
            Some(Metering::NetMetering),
            None,
            Some(13),
            false,
        );
        assert!(
            matches!(&e, Err(RatepayerError::Profile { code, problems, .. }) if code == "tariff.invalid" && problems.len() == 1),
            "{e:?}"
        );
        Ok(())
    }

    #[test]
    fn unreadable_and_invalid_rates_are_profile_errors() {
        let e = ElectricTariff::from_urdb("{not json".into(), "x".into());
        assert!(
            matches!(&e, Err(RatepayerError::Profile { code, .. }) if code == "tariff.parse"),
            "{e:?}"
        );
        let e = ElectricTariff::from_urdb(r#"{"name": "nothing"}"#.into(), "x".into());
        assert!(
            matches!(&e, Err(RatepayerError::Profile { code, problems, .. }) if code == "tariff.invalid" && !problems.is_empty()),
            "{e:?}"
        );
    }
}
