//! Tariff features beyond the seed profiles: charges by customer class,
//! declining blocks, per-day charges, JSON round trips of every built-in
//! tariff, and validation of a whole profile at once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use ratepayer::profile::{builtin, UtilityProfile};
use ratepayer::{BillError, Tariff, TariffError, Unit};

const CLASSES: &str = r#"
id = "classes"
name = "Water by class"
service = "water"
currency = "USD"
unit = "ccf"

[[versions]]
label = "2025"
effective_from = 2025-01-01
  [[versions.fixed]]
  name = "Residential customer charge"
  amount = 10
  classes = ["residential"]
  [[versions.fixed]]
  name = "Commercial customer charge"
  amount = 45
  classes = ["commercial"]
  [[versions.fixed]]
  name = "Fire line standby"
  per = "day"
  amount = 0.25
  classes = ["commercial"]
  [[versions.volumetric]]
  name = "Residential usage"
  classes = ["residential"]
  blocks = [{ up_to = 10, rate = 3 }, { rate = 4 }]
  [[versions.volumetric]]
  name = "Commercial usage (declining)"
  classes = ["commercial"]
  blocks = [{ up_to = 100, rate = 3 }, { up_to = 1000, rate = 2.5 }, { rate = 2 }]
"#;

#[test]
fn charges_follow_the_customer_class() {
    let t = Tariff::from_toml(CLASSES).unwrap();
    let input = metered("2025-04-01", "2025-04-30", "1500", Unit::Ccf);
    let res = t.bill(&input.class("Residential")).unwrap();
    // 10 + 10 x 3 + 1490 x 4
    assert_eq!(res.total.to_decimal_string(), "6000.00");
    assert!(res
        .lines
        .iter()
        .all(|l| !l.description().contains("Commercial")));
    let com = t.bill(&input.class("commercial")).unwrap();
    // 45 + 30 days x 0.25 + 100 x 3 + 900 x 2.5 + 500 x 2 (declining blocks)
    assert_eq!(com.total.to_decimal_string(), "3602.50");
    let tiers: Vec<_> = com.lines.iter().filter_map(|l| l.tier()).collect();
    assert_eq!(tiers, vec![1, 2, 3]);
    assert!(matches!(
        t.bill(&input),
        Err(BillError::ClassRequired { .. })
    ));
    assert!(matches!(
        t.bill(&input.class("industrial")),
        Err(BillError::UnknownClass { .. })
    ));
}

#[test]
fn every_builtin_tariff_round_trips_through_json() {
    for id in builtin::ids() {
        let profile = builtin::load(id).unwrap();
        for t in profile.tariffs() {
            let again =
                Tariff::from_json(&t.to_json()).unwrap_or_else(|e| panic!("{}: {e}", t.id()));
            assert_eq!(again.spec(), t.spec(), "{}", t.id());
        }
    }
}

#[test]
fn a_profile_reports_the_problems_of_all_its_parts() {
    let text = builtin::SOURCES[2].1 // gorod
        .replace("Asia/Barnaul", "Asia/Atlantis")
        .replace("first_day = 15", "first_day = 26")
        .replace("per_resident = 3.6 }", "per_resident = -1 }")
        .replace("currency = \"RUB\"\nunit = \"m3\"\n\n  [[tariffs.versions]]\n  label = \"2025 H1\"\n  effective_from = 2025-01-01\n  normative = { per_resident = 5.08 }", "currency = \"EUR\"\nunit = \"m3\"\n\n  [[tariffs.versions]]\n  label = \"2025 H1\"\n  effective_from = 2025-01-01\n  normative = { per_resident = 5.08 }");
    let e = UtilityProfile::from_toml(&text).unwrap_err();
    let TariffError::Invalid { problems, .. } = &e else {
        panic!("{e}")
    };
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert!(paths.contains(&"time_zone"), "{paths:?}");
    assert!(paths.contains(&"self_read"), "{paths:?}");
    assert!(paths.contains(&"tariffs[0].currency"), "{paths:?}");
    assert!(
        paths.contains(&"tariffs[1].versions[0].normative.per_resident"),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"tariffs[1].versions[1].normative.per_resident"),
        "{paths:?}"
    );
}

#[test]
fn a_daily_proration_tariff_counts_days() {
    let daily = CLASSES.replace(
        "unit = \"ccf\"",
        "unit = \"ccf\"\nproration = { method = \"daily\", days_per_month = 30 }",
    );
    let t = Tariff::from_toml(&daily).unwrap();
    let b = t
        .bill(&metered("2025-03-01", "2025-03-31", "0", Unit::Ccf).class("residential"))
        .unwrap();
    // 31 days / 30 = 1.0333.. months of the 10.00 charge
    assert_eq!(b.total.to_decimal_string(), "10.33");
}

#[test]
fn cal_water_uses_the_legacy_password_preset_and_others_nist() {
    use ratepayer::password::{Mfa, PasswordContext};
    let cal = builtin::load("cal-water").unwrap();
    let shelby = builtin::load("shelby").unwrap();
    let ctx = PasswordContext::default();
    assert!(
        cal.spec()
            .password
            .check("Tr0ub4dor&x", &ctx, Mfa::Off)
            .is_ok(),
        "8+ with all four classes"
    );
    assert!(
        shelby
            .spec()
            .password
            .check("Tr0ub4dor&x", &ctx, Mfa::Off)
            .is_err(),
        "NIST wants 15 single-factor"
    );
    assert!(!cal.spec().password.compliance_report().is_empty());
    assert!(shelby.spec().password.compliance_report().is_empty());
}
