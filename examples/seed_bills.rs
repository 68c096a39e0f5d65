//! Bills sample customers of the five seed utilities and prints their bills:
//! the main job until the end-to-end portal demo exists.

use std::process::ExitCode;
use std::str::FromStr;

use chrono::NaiveDate;
use ratepayer::fees::{Channel, PaymentMethod};
use ratepayer::profile::builtin;
use ratepayer::{BillInput, BillingPeriod, Quantity, Unit};
use rust_decimal::Decimal;

/// One sample customer: profile, tariff, period, usage and account details.
struct Sample {
    who: &'static str,
    profile: &'static str,
    tariff: &'static str,
    from: &'static str,
    to: &'static str,
    usage: Option<(&'static str, Unit)>,
    meter_size: Option<&'static str>,
    residents: Option<u32>,
}

const SAMPLES: &[Sample] = &[
    Sample {
        who: "Shelby household, 5/8\" meter, 7,400 gal in October",
        profile: "shelby",
        tariff: "shelby-water-residential",
        from: "2025-10-01",
        to: "2025-10-31",
        usage: Some(("7400", Unit::Gallon)),
        meter_size: Some("5/8"),
        residents: None,
    },
    Sample {
        who: "Shelby household across the July 1 rate change",
        profile: "shelby",
        tariff: "shelby-water-residential",
        from: "2025-06-16",
        to: "2025-07-15",
        usage: Some(("9.2", Unit::Kgal)),
        meter_size: Some("5/8"),
        residents: None,
    },
    Sample {
        who: "Shelby gas customer, 64 CCF in January",
        profile: "shelby",
        tariff: "shelby-gas-residential",
        from: "2025-01-01",
        to: "2025-01-31",
        usage: Some(("64", Unit::Ccf)),
        meter_size: None,
        residents: None,
    },
    Sample {
        who: "Shelby electric customer who moved in on the 20th",
        profile: "shelby",
        tariff: "shelby-electric-residential",
        from: "2025-03-20",
        to: "2025-03-31",
        usage: Some(("96", Unit::Kwh)),
        meter_size: None,
        residents: None,
    },
    Sample {
        who: "Medford household, 1\" meter, summer cycle",
        profile: "medford",
        tariff: "medford-water-residential",
        from: "2025-07-08",
        to: "2025-08-06",
        usage: Some(("21", Unit::Ccf)),
        meter_size: Some("1"),
        residents: None,
    },
    Sample {
        who: "Cal Water household, 5/8x3/4 meter",
        profile: "cal-water",
        tariff: "cal-water-residential",
        from: "2025-05-01",
        to: "2025-05-31",
        usage: Some(("14", Unit::Ccf)),
        meter_size: Some("5/8x3/4"),
        residents: None,
    },
    Sample {
        who: "Crow Wing Power member",
        profile: "crow-wing",
        tariff: "crow-wing-residential",
        from: "2025-02-01",
        to: "2025-02-28",
        usage: Some(("1240", Unit::Kwh)),
        meter_size: None,
        residents: None,
    },
    Sample {
        who: "Barnaul flat with a cold-water meter, 3 residents",
        profile: "gorod",
        tariff: "gorod-cold-water",
        from: "2025-09-01",
        to: "2025-09-30",
        usage: Some(("8.4", Unit::CubicMetre)),
        meter_size: None,
        residents: Some(3),
    },
    Sample {
        who: "Barnaul flat without a hot-water meter, 2 residents",
        profile: "gorod",
        tariff: "gorod-hot-water",
        from: "2025-09-01",
        to: "2025-09-30",
        usage: None,
        meter_size: None,
        residents: Some(2),
    },
];

fn run() -> Result<(), Box<dyn std::error::Error>> {
    for s in SAMPLES {
        let profile = builtin::load(s.profile)?;
        let tariff = profile.tariff(s.tariff)?;
        let period = BillingPeriod::new(NaiveDate::from_str(s.from)?, NaiveDate::from_str(s.to)?)?;
        let mut input = match (s.usage, s.residents) {
            (Some((v, unit)), _) => {
                BillInput::metered(period, Quantity::new(Decimal::from_str(v)?, unit))
            }
            (None, Some(n)) => BillInput::unmetered(period, n),
            (None, None) => return Err("a sample needs usage or residents".into()),
        };
        input.meter_size = s.meter_size;
        input.residents = s.residents;
        let bill = tariff.bill(&input)?;
        println!("== {} — {}\n{bill}", profile.spec().name, s.who);
    }
    // Paying the first Shelby bill: the fee is quoted before the customer confirms (seed 000).
    let shelby = builtin::load("shelby")?;
    let fees = shelby.fee_schedule()?;
    let due = ratepayer::Money::parse("57.22", shelby.spec().currency)?;
    for (channel, method) in [
        (Channel::Online, PaymentMethod::CreditCard),
        (Channel::Online, PaymentMethod::Echeck),
        (Channel::BankDraft, PaymentMethod::Echeck),
    ] {
        let quote = fees.quote(due, channel, method, 1)?;
        println!("== City of Shelby — paying 57.22 USD\n{quote}");
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
