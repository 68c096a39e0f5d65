//! The 4-period TOU tariff the electric benchmarks bill: weekday off-peak,
//! shoulder and peak, a weekend period, 3 energy tiers each, a 2-tier TOU
//! demand charge on the same periods and a $25 monthly fixed charge.

use ratepayer::electric::{
    ChargeUnit, DemandTier, ElectricTariff, EnergyTier, EnergyUnit, PeriodCharge, Schedule,
};
use ratepayer::Currency;
use rust_decimal::Decimal;

/// The tariff, as `id`.
pub fn tou4(id: &str) -> ElectricTariff {
    let tiers = |base: i64| {
        vec![
            EnergyTier {
                max: Some(Decimal::from(500)),
                rate: Decimal::new(base, 4),
                unit: EnergyUnit::Kwh,
            },
            EnergyTier {
                max: Some(Decimal::from(1500)),
                rate: Decimal::new(base + 150, 4),
                unit: EnergyUnit::Kwh,
            },
            EnergyTier {
                max: None,
                rate: Decimal::new(base + 300, 4),
                unit: EnergyUnit::Kwh,
            },
        ]
    };
    let mut weekday = [[0u8; 24]; 12];
    for row in weekday.iter_mut() {
        for (h, p) in row.iter_mut().enumerate() {
            *p = match h {
                16..=20 => 2,
                7..=15 | 21 => 1,
                _ => 0,
            };
        }
    }
    let schedule = Schedule {
        weekday,
        weekend: [[3; 24]; 12],
    };
    let demand = |rate: i64| {
        vec![
            DemandTier {
                max: Some(Decimal::from(50)),
                rate: Decimal::new(rate, 2),
            },
            DemandTier {
                max: None,
                rate: Decimal::new(rate + 200, 2),
            },
        ]
    };
    let mut t = ElectricTariff::flat(id, Currency::USD, Decimal::ZERO);
    t.energy_periods = vec![tiers(800), tiers(1200), tiers(2400), tiers(700)];
    t.energy_schedule = schedule.clone();
    t.demand_periods = vec![demand(0), demand(450), demand(1275), demand(0)];
    t.demand_schedule = schedule;
    t.fixed = vec![PeriodCharge {
        amount: Decimal::new(2500, 2),
        unit: ChargeUnit::PerMonth,
    }];
    t
}
