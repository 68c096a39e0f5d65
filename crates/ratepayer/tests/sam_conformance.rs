//! SAM `utilityrate5` conformance: every case in `tests/data/sam/cases`
//! (copied from the shared conformance set; see its README) is imported from
//! its URDB form, billed on its hourly load for 2029 with only the total
//! rounded, and every monthly bill and component must match SAM's within the
//! case's tolerance ($0.01); monthly kWh, peak kW and billing demand must match
//! SAM's diagnostics. The same year billed through calendar-month billing
//! periods (`ElectricTariff::bill_periods`) gives the same bills.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::str::FromStr;

use chrono::NaiveDate;
use ratepayer::electric::{urdb, ElectricOptions, IntervalSeries};
use ratepayer::{BillingPeriod, RoundingPolicy};
use rust_decimal::Decimal;
use serde_json::Value;

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/sam")
}

fn load(name: &str) -> IntervalSeries {
    let text = std::fs::read_to_string(data().join("loads").join(name)).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("kwh"));
    let values: Vec<Decimal> = lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| Decimal::from_str(l.trim()).unwrap())
        .collect();
    assert_eq!(values.len(), 8760);
    let start = NaiveDate::from_ymd_opt(2029, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    IntervalSeries::from_kwh(start, 60, &values).unwrap()
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(&format!("{}", v.as_f64().unwrap())).unwrap()
}

#[test]
fn every_sam_case_matches_within_a_cent() {
    let mut dir: Vec<_> = std::fs::read_dir(data().join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dir.sort();
    assert_eq!(dir.len(), 14, "the SAM set has 14 cases");
    let mut failures = Vec::new();
    for path in dir {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let name = case["name"].as_str().unwrap().to_string();
        let tol = dec(&case["tolerance_usd"]);
        let imported =
            urdb::import_value(&name, &case["tariff"]).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            imported.unused.is_empty(),
            "{name}: unused fields {:?}",
            imported.unused
        );
        let series = load(case["load"].as_str().unwrap());
        let year = imported.tariff.prepare(2029, None).unwrap();
        let st = year
            .bill(&series, RoundingPolicy::TOTAL_ONLY_HALF_UP)
            .unwrap();
        assert_eq!(st.months.len(), 12, "{name}");
        let exp = &case["expected"];
        let mut worst = Decimal::ZERO;
        for (m, month) in st.months.iter().enumerate() {
            let checks = [
                (
                    "monthly_bill",
                    month
                        .bill
                        .lines
                        .iter()
                        .fold(Decimal::ZERO, |a, l| a + l.amount.amount()),
                ),
                ("total (rounded)", month.bill.total.amount()),
                ("energy_charge", month.energy.amount()),
                ("fixed_charge", month.fixed.amount()),
                ("demand_flat", month.demand_flat.amount()),
                ("demand_tou", month.demand_tou.amount()),
                ("minimum_charge", month.minimum.amount()),
            ];
            for (field, got) in checks {
                let key = if field == "total (rounded)" {
                    "monthly_bill"
                } else {
                    field
                };
                let want = dec(&exp[key][m]);
                if field != "total (rounded)" {
                    worst = worst.max((got - want).abs());
                }
                if (got - want).abs() > tol {
                    failures.push(format!(
                        "{name} month {}: {field} = {got}, SAM {want} (diff {})",
                        m + 1,
                        (got - want).round_dp(6)
                    ));
                }
            }
        }
        eprintln!(
            "{name}: largest unrounded difference from SAM ${}",
            worst.round_dp(9)
        );
        // Diagnostics: energy, peak and (where SAM reports it) billing demand.
        let diag = &case["diagnostics"];
        for (m, month) in st.months.iter().enumerate() {
            let mut figures = vec![
                ("monthly_kwh", month.kwh, Decimal::new(1, 3)),
                ("monthly_peak_kw", month.peak_kw, Decimal::new(1, 5)),
            ];
            if diag["billing_demand_kw"].is_array() {
                figures.push((
                    "billing_demand_kw",
                    month.billing_demand_kw,
                    Decimal::new(1, 5),
                ));
            }
            for (field, got, tol) in figures {
                let want = dec(&diag[field][m]);
                if (got - want).abs() > tol {
                    failures.push(format!(
                        "{name} month {}: {field} = {got}, SAM {want}",
                        m + 1
                    ));
                }
            }
        }
        // The same year through billing periods (calendar months, as the CLI's
        // --monthly bills them): the same bills, to the cent.
        let periods: Vec<BillingPeriod> = (1..=12)
            .map(|m| BillingPeriod::month_of(NaiveDate::from_ymd_opt(2029, m, 1).unwrap()))
            .collect();
        let options = ElectricOptions {
            rounding: RoundingPolicy::TOTAL_ONLY_HALF_UP,
            ..Default::default()
        };
        let by_period = imported
            .tariff
            .bill_periods(&series, &periods, &options)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        for (m, (a, b)) in by_period.iter().zip(&st.months).enumerate() {
            let want = dec(&exp["monthly_bill"][m]);
            let got = a
                .bill
                .lines
                .iter()
                .fold(Decimal::ZERO, |s, l| s + l.amount.amount());
            if (got - want).abs() > tol || a.bill.total != b.bill.total {
                failures.push(format!(
                    "{name} month {} by billing period: {got} (total {}), SAM {want}, statement {}",
                    m + 1,
                    a.bill.total,
                    b.bill.total
                ));
            }
        }
        let annual = dec(&exp["annual_bill"]);
        let got: Decimal = st
            .months
            .iter()
            .flat_map(|m| m.bill.lines.iter())
            .fold(Decimal::ZERO, |a, l| a + l.amount.amount());
        if (got - annual).abs() > tol {
            failures.push(format!("{name}: annual {got}, SAM {annual}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
