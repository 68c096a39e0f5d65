//! The OpenEI URDB JSON importer: one URDB rate object (an element of the
//! API's `items`) becomes an [`ElectricTariff`], together with every field
//! it did not use and why. Nothing is dropped silently.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::schedule::Schedule;
use super::tariff::{
    ChargeUnit, DemandTier, ElectricTariff, EnergyTier, EnergyUnit, PeriodCharge, Ratchet,
};
use super::ElectricError;
use crate::tariff::Problem;
use crate::Currency;

/// A URDB field (or a part of one) that the importer did not use.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnusedField {
    /// Path of the field, for example `dgrules` or `energyratestructure[0][1].sell`.
    pub field: String,
    /// Why it was not used.
    pub reason: String,
}

/// The result of an import: the tariff and what was left out of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The tariff.
    pub tariff: ElectricTariff,
    /// Every field not used, with the reason, in field order.
    pub unused: Vec<UnusedField>,
}

/// The largest limit kept as a number; SAM writes "no limit" as 1e38.
const UNBOUNDED: f64 = 1e28;

/// Imports one URDB rate object from JSON text, as tariff `id` in US dollars.
///
/// Reads `energyratestructure` (tiers `max`, `rate`, `adj`, `unit`),
/// `energyweekdayschedule`/`energyweekendschedule`, `demandratestructure`
/// with its schedules and `demandrateunit`, `flatdemandstructure` with
/// `flatdemandmonths` and `flatdemandunit`, `fixedchargefirstmeter` with
/// `fixedchargeunits` (or the legacy `fixedmonthlycharge`), `mincharge` with
/// `minchargeunits` (or the legacy `minmonthlycharge`/`annualmincharge`),
/// `lookbackpercent`/`lookbackrange`/`lookbackmonths` or
/// `demandratchetpercentage` (the ratchet), and `startdate`/`enddate` (the
/// days the rate is in effect; billing outside them is refused). Schedules
/// are 0-based, as URDB writes them. The API's answer `{"items": [rate]}`
/// is accepted with one item. A rate with no energy, demand or fixed
/// charge is refused. Every problem is returned at once.
pub fn import(id: &str, json: &str) -> Result<Imported, ElectricError> {
    let v: Value = serde_json::from_str(json).map_err(|e| ElectricError::Json(e.to_string()))?;
    import_value(id, &v)
}

/// [`import`] from a parsed JSON value: one rate object, or the URDB API's
/// answer `{"items": [rate]}` with exactly one rate.
pub fn import_value(id: &str, v: &Value) -> Result<Imported, ElectricError> {
    let v = match v.as_object().and_then(|o| o.get("items")) {
        Some(items) => match items.as_array().map(Vec::as_slice) {
            Some([one]) => one,
            Some([]) => return Err(ElectricError::Json(
                "`items` is empty: the URDB answer holds no rate; ask the API for the rate's label"
                    .into(),
            )),
            Some(many) => {
                let names: Vec<String> = many
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let label = r.get("label").and_then(Value::as_str).unwrap_or("?");
                        let name = r.get("name").and_then(Value::as_str).unwrap_or("?");
                        format!("items[{i}]: {label} ({name})")
                    })
                    .collect();
                return Err(ElectricError::Json(format!(
                    "`items` holds {} rates ({}); import one: give the rate object, or an answer with one item",
                    many.len(),
                    names.join("; ")
                )));
            }
            None => {
                return Err(ElectricError::Json(format!(
                    "`items` is {}, not a list of rates",
                    kind(items)
                )))
            }
        },
        None => v,
    };
    let Some(obj) = v.as_object() else {
        return Err(ElectricError::Json(format!(
            "the top level is {}, not an object",
            kind(v)
        )));
    };
    let mut cx = Cx::default();
    let mut t = ElectricTariff::flat(id, Currency::USD, Decimal::ZERO);

    if let Some(s) = cx.take(obj, "energyratestructure") {
        let periods = cx.periods(s, "energyratestructure", energy_tier);
        // Sell rates (exported energy) where any tier gives one; 0 elsewhere.
        if periods.iter().flatten().any(|(_, sell)| sell.is_some()) {
            t.sell_rates = periods
                .iter()
                .map(|tiers| tiers.iter().map(|(_, s)| s.unwrap_or_default()).collect())
                .collect();
        }
        t.energy_periods = periods
            .into_iter()
            .map(|tiers| tiers.into_iter().map(|(tier, _)| tier).collect())
            .collect();
    }
    if let Some(v) = cx.take(obj, "dgrules") {
        match v.as_str().and_then(super::generation::Metering::from_dgrules) {
            Some(m) => t.metering = Some(m),
            None => cx.unused(
                "dgrules",
                "not a metering rule this importer knows (\"Net Metering\", \"Net Billing Instantaneous\", \"Net Billing Hourly\", \"Buy All Sell All\"); bills of customers who generate need a metering option given with the call",
            ),
        }
    }
    let wd = cx
        .take(obj, "energyweekdayschedule")
        .map(|s| cx.schedule(s, "energyweekdayschedule"));
    let we = cx
        .take(obj, "energyweekendschedule")
        .map(|s| cx.schedule(s, "energyweekendschedule"));
    t.energy_schedule = cx.schedules(wd, we, t.energy_periods.len(), "energy");

    if let Some(s) = cx.take(obj, "demandratestructure") {
        t.demand_periods = cx.periods(s, "demandratestructure", demand_tier);
    }
    let wd = cx
        .take(obj, "demandweekdayschedule")
        .map(|s| cx.schedule(s, "demandweekdayschedule"));
    let we = cx
        .take(obj, "demandweekendschedule")
        .map(|s| cx.schedule(s, "demandweekendschedule"));
    if t.demand_periods.is_empty() {
        for (name, s) in [
            ("demandweekdayschedule", &wd),
            ("demandweekendschedule", &we),
        ] {
            if s.is_some() {
                cx.unused(name, "there is no demandratestructure for it to schedule");
            }
        }
    } else {
        t.demand_schedule = cx.schedules(wd, we, t.demand_periods.len(), "demand");
    }
    for unit_field in ["demandrateunit", "flatdemandunit"] {
        if let Some(u) = cx.take(obj, unit_field) {
            if !u.as_str().is_some_and(|s| s.eq_ignore_ascii_case("kw")) {
                cx.problem(unit_field, format!("is {}; only kW demand is supported (kVA and hp are not): convert the rates to kW", short(u)));
            }
        }
    }

    if let Some(s) = cx.take(obj, "flatdemandstructure") {
        t.flat_demand = cx.periods(s, "flatdemandstructure", demand_tier);
    }
    if let Some(m) = cx.take(obj, "flatdemandmonths") {
        match m.as_array().filter(|a| a.len() == 12) {
            Some(a) => {
                for (i, x) in a.iter().enumerate() {
                    match x.as_u64().and_then(|n| u8::try_from(n).ok()) {
                        Some(n) => {
                            if let Some(slot) = t.flat_demand_months.get_mut(i) {
                                *slot = n;
                            }
                        }
                        None => cx.problem(
                            &format!("flatdemandmonths[{i}]"),
                            format!("is {}; give a period number 0 to 255", short(x)),
                        ),
                    }
                }
                if t.flat_demand.is_empty() {
                    cx.unused(
                        "flatdemandmonths",
                        "there is no flatdemandstructure for it to schedule",
                    );
                }
            }
            None => cx.problem(
                "flatdemandmonths",
                "must be a list of 12 period numbers, January first".into(),
            ),
        }
    } else if t.flat_demand.len() > 1 {
        cx.problem(
            "flatdemandmonths",
            "is missing; with several flatdemandstructure periods, give the period of each month"
                .into(),
        );
    }

    // Fixed charges.
    let fixed_units = cx.take(obj, "fixedchargeunits");
    let legacy_fixed = cx.take(obj, "fixedmonthlycharge");
    if let Some(a) = cx.take(obj, "fixedchargefirstmeter") {
        if let Some(amount) = cx.money(a, "fixedchargefirstmeter") {
            let unit = cx.charge_unit(fixed_units, "fixedchargeunits");
            t.fixed.push(PeriodCharge { amount, unit });
        }
        if legacy_fixed.is_some() {
            cx.unused(
                "fixedmonthlycharge",
                "superseded by fixedchargefirstmeter (legacy field)",
            );
        }
    } else if let Some(a) = legacy_fixed {
        if let Some(amount) = cx.money(a, "fixedmonthlycharge") {
            t.fixed.push(PeriodCharge {
                amount,
                unit: ChargeUnit::PerMonth,
            });
        }
        if fixed_units.is_some() {
            cx.unused(
                "fixedchargeunits",
                "there is no fixedchargefirstmeter for it to qualify",
            );
        }
    } else if fixed_units.is_some() {
        cx.unused(
            "fixedchargeunits",
            "there is no fixedchargefirstmeter for it to qualify",
        );
    }

    // Minimum charges: one is billed.
    let min_units = cx.take(obj, "minchargeunits");
    let legacy_monthly = cx.take(obj, "minmonthlycharge");
    let legacy_annual = cx.take(obj, "annualmincharge");
    if let Some(a) = cx.take(obj, "mincharge") {
        if let Some(amount) = cx.money(a, "mincharge") {
            let unit = cx.charge_unit(min_units, "minchargeunits");
            t.minimum = Some(PeriodCharge { amount, unit });
        }
        for (n, v) in [
            ("minmonthlycharge", &legacy_monthly),
            ("annualmincharge", &legacy_annual),
        ] {
            if v.is_some() {
                cx.unused(n, "superseded by mincharge (legacy field)");
            }
        }
    } else {
        if min_units.is_some() {
            cx.unused("minchargeunits", "there is no mincharge for it to qualify");
        }
        if let Some(a) = legacy_monthly {
            if let Some(amount) = cx.money(a, "minmonthlycharge") {
                t.minimum = Some(PeriodCharge {
                    amount,
                    unit: ChargeUnit::PerMonth,
                });
            }
            if legacy_annual.is_some() {
                cx.unused(
                    "annualmincharge",
                    "a tariff bills one minimum charge and minmonthlycharge was used",
                );
            }
        } else if let Some(a) = legacy_annual {
            if let Some(amount) = cx.money(a, "annualmincharge") {
                t.minimum = Some(PeriodCharge {
                    amount,
                    unit: ChargeUnit::PerYear,
                });
            }
        }
    }

    // Ratchet: `lookbackpercent` over `lookbackrange` months, or over the
    // flagged `lookbackmonths` of the year before; or per-month
    // `demandratchetpercentage`.
    let pct = cx.take(obj, "lookbackpercent");
    let range = cx.take(obj, "lookbackrange");
    let lmonths = cx.take(obj, "lookbackmonths");
    let per_month = cx.take(obj, "demandratchetpercentage");
    let lookback = match range {
        None => None,
        Some(r) => match r
            .as_u64()
            .and_then(|n| u8::try_from(n).ok())
            .filter(|n| *n <= 36)
        {
            Some(n) => Some(n),
            None => {
                cx.problem(
                    "lookbackrange",
                    format!("is {}; give a whole number of months, 0 to 36", short(r)),
                );
                None
            }
        },
    };
    let mut flags: Option<[bool; 12]> = None;
    if let Some(lm) = lmonths {
        match lm.as_array().filter(|a| a.len() == 12) {
            Some(a) => {
                let mut f = [false; 12];
                for (i, x) in a.iter().enumerate() {
                    let b = match x {
                        Value::Bool(b) => Some(*b),
                        Value::Number(n) => n.as_u64().filter(|&n| n <= 1).map(|n| n == 1),
                        _ => None,
                    };
                    match (b, f.get_mut(i)) {
                        (Some(b), Some(slot)) => *slot = b,
                        _ => cx.problem(
                            &format!("lookbackmonths[{i}]"),
                            format!("is {}; give true or false", short(x)),
                        ),
                    }
                }
                flags = Some(f);
            }
            None => cx.problem(
                "lookbackmonths",
                "must be a list of 12 true/false values, January first".into(),
            ),
        }
    }
    let mut by_month: Option<[Decimal; 12]> = None;
    if let Some(pm) = per_month {
        match pm.as_array().filter(|a| a.len() == 12) {
            Some(a) => {
                let mut v = [Decimal::ZERO; 12];
                for (i, x) in a.iter().enumerate() {
                    let path = format!("demandratchetpercentage[{i}]");
                    if let (Some(n), Some(slot)) = (cx.number(x, &path), v.get_mut(i)) {
                        if n.is_sign_negative() || n > Decimal::ONE {
                            cx.problem(
                                &path,
                                format!("is {n}; give the fraction of the month's peak that ratchets, 0 to 1 (0.8 for 80 %)"),
                            );
                        } else {
                            *slot = n;
                        }
                    }
                }
                by_month = Some(v);
            }
            None => cx.problem(
                "demandratchetpercentage",
                "must be a list of 12 fractions, January first".into(),
            ),
        }
        if pct.is_some() {
            cx.problem(
                "demandratchetpercentage",
                "is given with lookbackpercent; give the ratchet one way: one percentage (lookbackpercent) or one per month".into(),
            );
        }
    }
    let percent = pct.and_then(|p| cx.number(p, "lookbackpercent"));
    if let Some(p) = percent {
        if p.is_sign_negative() || p > Decimal::ONE {
            cx.problem(
                "lookbackpercent",
                format!("is {p}; give a fraction from 0 to 1 (0.8 for 80 %)"),
            );
        }
    }
    let ratchet = match (percent, by_month) {
        (Some(p), None) => {
            let mut v = [p; 12];
            if let Some(f) = flags {
                for (slot, on) in v.iter_mut().zip(f) {
                    if !on {
                        *slot = Decimal::ZERO;
                    }
                }
            }
            match (lookback.unwrap_or(0), flags.is_some()) {
                // Flagged months with no range: the flagged months among the
                // 11 before the billed one (a year's window, as URDB means).
                (0, true) => Some((v, 11)),
                (0, false) if p > Decimal::ZERO => {
                    cx.problem(
                        "lookbackrange",
                        "is 0 or missing, and there is no lookbackmonths: the ratchet has no month to look back at; give lookbackrange (months) or lookbackmonths".into(),
                    );
                    None
                }
                (n, _) => Some((v, n)),
            }
        }
        (None, Some(v)) => {
            if flags.is_some() {
                cx.unused(
                    "lookbackmonths",
                    "demandratchetpercentage already gives each month's percentage",
                );
            }
            Some((v, lookback.filter(|n| *n > 0).unwrap_or(11)))
        }
        (Some(_), Some(_)) => None,
        (None, None) => {
            if lmonths.is_some() {
                cx.unused(
                    "lookbackmonths",
                    "there is no lookbackpercent for it to qualify",
                );
            }
            if range.is_some() {
                cx.unused(
                    "lookbackrange",
                    "there is no lookbackpercent for it to qualify",
                );
            }
            None
        }
    };
    if let Some((v, n)) = ratchet {
        t.ratchet = Some(Ratchet {
            percent_by_month: v,
            lookback_months: n,
            tou_demand: true,
        });
    }

    // Dates in effect.
    for (field, slot) in [
        ("startdate", &mut t.effective_from),
        ("enddate", &mut t.effective_to),
    ] {
        if let Some(v) = cx.take(obj, field) {
            match date_of(v) {
                Some(d) => *slot = Some(d),
                None => cx.problem(
                    field,
                    format!("is {}; give a date (YYYY-MM-DD) or seconds since 1970 (UTC), as the URDB API writes it", short(v)),
                ),
            }
        }
    }

    // A rate must charge something.
    let charges_energy = cx.taken.contains(&"energyratestructure");
    if !charges_energy
        && t.demand_periods.is_empty()
        && t.flat_demand.is_empty()
        && t.fixed.is_empty()
    {
        cx.problem(
            "energyratestructure",
            "is missing, and the rate has no demand or fixed charge either: it would bill $0; give the rate's energyratestructure (with its schedules), demand charges or fixed charge".into(),
        );
    }

    // Everything else is reported.
    for (k, v) in obj {
        if !cx.taken.contains(&k.as_str()) {
            let reason = reason_for(k, v);
            // An empty key is still named, so nobody reads it as no field.
            cx.unused(if k.is_empty() { "\"\" (empty key)" } else { k }, reason);
        }
    }

    if cx.problems.is_empty() {
        cx.problems.extend(t.problems());
    }
    if !cx.problems.is_empty() {
        return Err(ElectricError::Invalid {
            problems: cx.problems,
        });
    }
    cx.unused.sort_by(|a, b| a.field.cmp(&b.field));
    Ok(Imported {
        tariff: t,
        unused: cx.unused,
    })
}

fn reason_for(k: &str, v: &Value) -> &'static str {
    const INFO: &[&str] = &[
        "name",
        "label",
        "uri",
        "utility",
        "eiaid",
        "sector",
        "description",
        "source",
        "sourceparent",
        "approved",
        "country",
        "servicetype",
        "supersedes",
        "revisions",
        "is_default",
        "latest_update",
        "utility_name",
        "basicinformationcomments",
        "energycomments",
        "demandcomments",
        "dgrules_comments",
    ];
    const APPLICABILITY: &[&str] = &[
        "peakkwcapacitymin",
        "peakkwcapacitymax",
        "peakkwcapacityhistory",
        "peakkwhusagemin",
        "peakkwhusagemax",
        "peakkwhusagehistory",
        "voltageminimum",
        "voltagemaximum",
        "voltagecategory",
        "phasewiring",
    ];
    if INFO.contains(&k) {
        return "descriptive: it does not change a bill";
    }
    if APPLICABILITY.contains(&k) {
        return "eligibility criteria: they decide who may take the tariff, not the bill";
    }
    match k {
        "demandwindow" => {
            "the demand window is the series' interval length: give the series at that interval"
        }
        "fixedchargeeaaddl" => {
            "the charge for each additional meter is not billed: a bill here is for one meter"
        }
        "demandreactivepowercharge" => {
            "reactive power (kVAR) is not metered by an interval kWh series"
        }
        "energyattrs" | "demandattrs" | "fixedattrs" => {
            "free-text attributes: review them by hand, they are not billed"
        }
        "coincidentratestructure"
        | "coincidentrateschedule"
        | "coincidentrateunit"
        | "coincidentsched" => {
            "coincident demand needs the system peak hours, which a customer's series does not give"
        }
        "demandunits" | "demandmax" | "demandmin" => {
            "demand applicability fields: they decide who may take the tariff, not the bill"
        }
        _ if k.contains("comment") => "descriptive: it does not change a bill",
        _ if v.is_null() => "empty (null)",
        _ => "not a URDB field this importer bills",
    }
}

/// A URDB date: seconds since 1970 (UTC), or text starting `YYYY-MM-DD`.
fn date_of(v: &Value) -> Option<chrono::NaiveDate> {
    match v {
        Value::Number(n) => {
            let secs = n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                    .map(|f| f as i64)
            })?;
            chrono::DateTime::from_timestamp(secs, 0).map(|t| t.date_naive())
        }
        Value::String(s) => {
            let head = s.get(..10)?;
            chrono::NaiveDate::parse_from_str(head, "%Y-%m-%d").ok()
        }
        _ => None,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

#[derive(Default)]
struct Cx<'a> {
    taken: Vec<&'a str>,
    unused: Vec<UnusedField>,
    problems: Vec<Problem>,
}

type TierReader<T> = fn(&mut Cx<'_>, &Map<String, Value>, &str) -> Option<T>;

impl<'a> Cx<'a> {
    fn take(&mut self, obj: &'a Map<String, Value>, k: &'static str) -> Option<&'a Value> {
        let v = obj.get(k)?;
        self.taken.push(k);
        if v.is_null() {
            self.unused(k, "empty (null)");
            return None;
        }
        Some(v)
    }

    fn unused(&mut self, field: &str, reason: &str) {
        self.unused.push(UnusedField {
            field: field.to_string(),
            reason: reason.to_string(),
        });
    }

    fn problem(&mut self, path: &str, message: String) {
        self.problems.push(Problem {
            path: path.to_string(),
            message,
        });
    }

    /// A number as an exact decimal (the shortest decimal that reads back as the same double).
    fn number(&mut self, v: &Value, path: &str) -> Option<Decimal> {
        let d = match v {
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Some(Decimal::from(i))
                } else if let Some(u) = n.as_u64() {
                    Some(Decimal::from(u))
                } else {
                    n.as_f64()
                        .filter(|f| f.is_finite() && f.abs() < UNBOUNDED)
                        .and_then(|f| Decimal::from_str(&format!("{f}")).ok())
                }
            }
            _ => None,
        };
        if d.is_none() {
            let fix = if v.is_number() {
                "give a number below 1e28 in size"
            } else {
                "give a JSON number such as 0.1 (not text, a list or an object)"
            };
            self.problem(path, format!("is {}; {fix}", short(v)));
        }
        d
    }

    fn money(&mut self, v: &Value, path: &str) -> Option<Decimal> {
        self.number(v, path)
    }

    fn charge_unit(&mut self, v: Option<&Value>, path: &str) -> ChargeUnit {
        let Some(v) = v else {
            return ChargeUnit::PerMonth;
        };
        match v.as_str().map(str::to_ascii_lowercase).as_deref() {
            Some("$/month") => ChargeUnit::PerMonth,
            Some("$/day") => ChargeUnit::PerDay,
            Some("$/year") => ChargeUnit::PerYear,
            _ => {
                self.problem(
                    path,
                    format!("is {}; use \"$/month\", \"$/day\" or \"$/year\"", short(v)),
                );
                ChargeUnit::PerMonth
            }
        }
    }

    fn periods<T>(&mut self, v: &Value, name: &str, tier: TierReader<T>) -> Vec<Vec<T>> {
        let Some(periods) = v.as_array() else {
            self.problem(
                name,
                format!(
                    "is {}; give a list of periods, each a list of tiers",
                    kind(v)
                ),
            );
            return Vec::new();
        };
        let mut out = Vec::with_capacity(periods.len());
        for (p, tiers) in periods.iter().enumerate() {
            let Some(tiers) = tiers.as_array() else {
                self.problem(
                    &format!("{name}[{p}]"),
                    format!("is {}; give a list of tier objects", kind(tiers)),
                );
                continue;
            };
            let mut row = Vec::with_capacity(tiers.len());
            for (i, t) in tiers.iter().enumerate() {
                let path = format!("{name}[{p}][{i}]");
                match t.as_object() {
                    Some(o) => {
                        if let Some(x) = tier(self, o, &path) {
                            row.push(x);
                        }
                    }
                    None => self.problem(
                        &path,
                        format!(
                            "is {}; give a tier object such as {{\"max\": 500, \"rate\": 0.1}}",
                            kind(t)
                        ),
                    ),
                }
            }
            out.push(row);
        }
        out
    }

    /// `max`, `rate + adj` of a tier, reporting unknown keys.
    fn tier_common(
        &mut self,
        o: &Map<String, Value>,
        path: &str,
        extra: &[&str],
    ) -> Option<(Option<Decimal>, Decimal)> {
        let max = match o.get("max") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) if n.as_f64().is_some_and(|f| f >= UNBOUNDED) => None,
            Some(v) => Some(self.number(v, &format!("{path}.max"))?),
        };
        let mut part = |k: &str| -> Option<Decimal> {
            match o.get(k) {
                None | Some(Value::Null) => Some(Decimal::ZERO),
                Some(v) => self.number(v, &format!("{path}.{k}")),
            }
        };
        let rate = part("rate")?;
        let adj = part("adj")?;
        for (k, _) in o {
            if ["max", "rate", "adj"].contains(&k.as_str()) || extra.contains(&k.as_str()) {
                continue;
            }
            let reason = match k.as_str() {
                "sell" => "demand tiers have no sell rate (sell rates are on energy tiers)",
                "unit" => "demand tiers are in kW (see demandrateunit / flatdemandunit)",
                _ => "not a URDB tier field this importer bills",
            };
            self.unused(&format!("{path}.{k}"), reason);
        }
        let rate = rate.checked_add(adj).or_else(|| {
            self.problem(
                &format!("{path}.rate"),
                "rate + adj is too large; check the figures".into(),
            );
            None
        })?;
        Some((max, rate))
    }
}

fn energy_tier(
    cx: &mut Cx<'_>,
    o: &Map<String, Value>,
    path: &str,
) -> Option<(EnergyTier, Option<Decimal>)> {
    let (max, rate) = cx.tier_common(o, path, &["unit", "sell"])?;
    let sell = match o.get("sell") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let s = cx.number(v, &format!("{path}.sell"))?;
            if s.is_sign_negative() && !s.is_zero() {
                cx.problem(
                    &format!("{path}.sell"),
                    format!(
                        "is {s}; a sell rate cannot be negative (0 credits exports at nothing)"
                    ),
                );
                return None;
            }
            Some(s)
        }
    };
    let unit = match o.get("unit") {
        None | Some(Value::Null) => EnergyUnit::Kwh,
        Some(v) => match v.as_str().map(str::to_ascii_lowercase).as_deref() {
            Some("kwh") => EnergyUnit::Kwh,
            Some("kwh daily") | Some("kwh/day") => EnergyUnit::KwhDaily,
            Some("kwh/kw") => EnergyUnit::KwhPerKw,
            Some("kwh/kw daily") => EnergyUnit::KwhPerKwDaily,
            _ => {
                cx.problem(
                    &format!("{path}.unit"),
                    format!(
                        "is {}; use \"kWh\", \"kWh daily\", \"kWh/kW\" or \"kWh/kW daily\"",
                        short(v)
                    ),
                );
                return None;
            }
        },
    };
    Some((EnergyTier { max, rate, unit }, sell))
}

fn demand_tier(cx: &mut Cx<'_>, o: &Map<String, Value>, path: &str) -> Option<DemandTier> {
    let (max, rate) = cx.tier_common(o, path, &[])?;
    Some(DemandTier { max, rate })
}

impl Cx<'_> {
    fn schedule(&mut self, v: &Value, name: &str) -> Option<[[u8; 24]; 12]> {
        let rows = v.as_array().filter(|a| a.len() == 12);
        let Some(rows) = rows else {
            self.problem(
                name,
                "must be 12 rows (January first) of 24 period numbers (hour 0 first)".into(),
            );
            return None;
        };
        let mut out = [[0u8; 24]; 12];
        let mut ok = true;
        for (m, (row, slot)) in rows.iter().zip(out.iter_mut()).enumerate() {
            match row.as_array().filter(|a| a.len() == 24) {
                Some(cells) => {
                    for (h, (c, s)) in cells.iter().zip(slot.iter_mut()).enumerate() {
                        match c.as_u64().and_then(|n| u8::try_from(n).ok()) {
                            Some(n) => *s = n,
                            None => {
                                ok = false;
                                self.problem(
                                    &format!("{name}[{m}][{h}]"),
                                    format!(
                                        "is {}; give a 0-based period number 0 to 255",
                                        short(c)
                                    ),
                                );
                            }
                        }
                    }
                }
                None => {
                    ok = false;
                    self.problem(
                        &format!("{name}[{m}]"),
                        "must be 24 period numbers, hour 0 first".into(),
                    );
                }
            }
        }
        ok.then_some(out)
    }

    /// Weekday and weekend grids; a missing weekend grid is the weekday one,
    /// and a single period needs no grid.
    fn schedules(
        &mut self,
        weekday: Option<Option<[[u8; 24]; 12]>>,
        weekend: Option<Option<[[u8; 24]; 12]>>,
        periods: usize,
        what: &str,
    ) -> Schedule {
        match (weekday, weekend) {
            (Some(Some(d)), Some(Some(e))) => Schedule {
                weekday: d,
                weekend: e,
            },
            (Some(Some(d)), None) => Schedule {
                weekday: d,
                weekend: d,
            },
            (None, Some(Some(e))) => Schedule {
                weekday: e,
                weekend: e,
            },
            (None, None) if periods > 1 => {
                self.problem(&format!("{what}weekdayschedule"), format!("is missing; with {periods} {what} periods, give the period of every month and hour"));
                Schedule::uniform(0)
            }
            _ => Schedule::uniform(0),
        }
    }
}
