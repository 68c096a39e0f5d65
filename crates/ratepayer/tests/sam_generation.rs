//! SAM `utilityrate5` conformance with customer generation: every case in
//! `tests/data/sam_generation/cases` (44: SAM's own ssc test cases with
//! generation under the five metering options, and custom ones; see its
//! README) is imported from its URDB form (sell rates included), billed on
//! its hourly load and generation for 2029 (a year that starts on a Monday,
//! as SAM's does) with only the total rounded, and every monthly bill and
//! component must match SAM's within the case's tolerance ($0.01).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::str::FromStr;

use chrono::NaiveDate;
use ratepayer::electric::{urdb, MeterChannels, Metering, MeteringOptions};
use ratepayer::{LineKind, RoundingPolicy};
use rust_decimal::Decimal;
use serde_json::Value;

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/sam_generation")
}

fn column(name: &str) -> Vec<Decimal> {
    let text = std::fs::read_to_string(data().join("loads").join(name)).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next().map(str::trim), Some("kwh"), "{name}");
    let v: Vec<Decimal> = lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            Decimal::from_str(l.trim())
                .or_else(|_| Decimal::from_scientific(l.trim()))
                .unwrap()
        })
        .collect();
    assert_eq!(v.len(), 8760, "{name}");
    v
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(&format!("{}", v.as_f64().unwrap())).unwrap()
}

fn options(case: &Value) -> MeteringOptions {
    let metering = Metering::parse(case["metering"].as_str().unwrap()).unwrap();
    let mut o = MeteringOptions::new(metering);
    if let Some(y) = case.get("year_end_sell_rate") {
        o.year_end_sell_rate = dec(y);
    }
    if let Some(s) = case.get("ssc_settings") {
        if let Some(cm) = s.get("ur_nm_credit_month") {
            o.true_up_month = cm.as_u64().unwrap() as u32 + 1;
        }
        let flag = |k: &str| s.get(k).and_then(Value::as_u64).unwrap_or(0) == 1;
        o.credit_rollover = flag("ur_nm_credit_rollover");
        o.credit_expire = flag("ur_nb_credit_expire");
        o.apply_credit_current_month = flag("ur_nb_apply_credit_current_month");
    }
    o
}

#[test]
fn every_sam_generation_case_matches_within_a_cent() {
    let mut dir: Vec<_> = std::fs::read_dir(data().join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dir.sort();
    assert_eq!(dir.len(), 44, "the SAM generation set has 44 cases");
    let start = NaiveDate::from_ymd_opt(2029, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let mut failures = Vec::new();
    let mut seen = std::collections::BTreeMap::new();
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
        let load = column(case["load"].as_str().unwrap());
        let generation = column(case["generation"].as_str().unwrap());
        let channels = MeterChannels::from_kwh(start, 60, &load, &generation).unwrap();
        let opts = options(&case);
        *seen.entry(opts.metering.name()).or_insert(0) += 1;
        let year = imported.tariff.prepare(2029, None).unwrap();
        let st = year
            .bill_generation(&channels, &opts, RoundingPolicy::TOTAL_ONLY_HALF_UP)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(st.months.len(), 12, "{name}");
        let exp = &case["expected"];
        for (m, month) in st.months.iter().enumerate() {
            // The lines add up to the bill (only the total is rounded).
            let sum: Decimal = month.bill.lines.iter().map(|l| l.amount.amount()).sum();
            assert_eq!(
                RoundingPolicy::TOTAL_ONLY_HALF_UP.round(sum, 2),
                month.bill.total.amount(),
                "{name} month {}",
                m + 1
            );
            let checks = [
                ("monthly_bill", month.bill.total.amount()),
                ("energy_charge", month.energy.amount()),
                ("fixed_charge", month.fixed.amount()),
                ("demand_flat", month.demand_flat.amount()),
                ("demand_tou", month.demand_tou.amount()),
                ("minimum_charge", month.minimum.amount()),
                ("true_up_credit", month.true_up.amount()),
            ];
            for (k, got) in checks {
                let want = dec(&exp[k][m]);
                if (got - want).abs() > tol {
                    failures.push(format!("{name} {k} month {}: got {got}, SAM {want}", m + 1));
                }
            }
        }
        let want = dec(&exp["annual_bill"]);
        if (st.total.amount() - want).abs() > tol * Decimal::from(12) {
            failures.push(format!(
                "{name} annual: got {}, SAM {want}",
                st.total.amount()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(seen.len(), 5, "every metering option is covered: {seen:?}");
}

/// Credits are lines of their own kind, and the bill says what carried.
#[test]
fn a_carryover_bill_says_what_was_credited_and_carried() {
    let case: Value = serde_json::from_str(
        &std::fs::read_to_string(data().join("cases/ssc_nbc_tou_4period.json")).unwrap(),
    )
    .unwrap();
    let imported = urdb::import_value("nbc", &case["tariff"]).unwrap();
    let start = NaiveDate::from_ymd_opt(2029, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let channels = MeterChannels::from_kwh(
        start,
        60,
        &column(case["load"].as_str().unwrap()),
        &column(case["generation"].as_str().unwrap()),
    )
    .unwrap();
    let year = imported.tariff.prepare(2029, None).unwrap();
    let st = year
        .bill_generation(
            &channels,
            &MeteringOptions::new(Metering::NetBillingCarryover),
            RoundingPolicy::PER_LINE_HALF_UP,
        )
        .unwrap();
    for w in st.months.windows(2) {
        // What one month carries out, the next brings in.
        assert_eq!(w[0].credit_out, w[1].credit_in, "month {}", w[1].month);
    }
    let carried: Vec<_> = st
        .months
        .iter()
        .filter(|m| !m.credit_out.amount().is_zero())
        .collect();
    assert!(!carried.is_empty(), "some month carries a credit");
    for m in &st.months {
        let sum: Decimal = m.bill.lines.iter().map(|l| l.amount.amount()).sum();
        assert_eq!(sum, m.bill.total.amount());
        if !m.export_credit.amount().is_zero() {
            assert!(m
                .bill
                .lines
                .iter()
                .any(|l| l.kind() == LineKind::Credit && l.amount.is_negative()));
        }
    }
}
