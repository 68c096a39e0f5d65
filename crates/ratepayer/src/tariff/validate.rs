//! Validation of a [`TariffSpec`]: every problem is collected, each with the
//! path of the field at fault (for example `versions[1].volumetric[0].blocks[2].up_to`).

use std::collections::BTreeSet;
use std::fmt;

use rust_decimal::Decimal;
use serde::Serialize;

use super::spec::{BlockSpec, PercentSpec, Proration, TariffSpec, VersionSpec};

/// One thing wrong with a tariff or profile, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Path of the field, for example `versions[0].fixed[1].amount`.
    pub path: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Collects problems under a path prefix.
pub(crate) struct Problems {
    list: Vec<Problem>,
}

impl Problems {
    pub(crate) fn new() -> Problems {
        Problems { list: Vec::new() }
    }

    pub(crate) fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.list.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    pub(crate) fn into_vec(self) -> Vec<Problem> {
        self.list
    }
}

/// Longest list of versions, blocks or charges accepted (a guard against
/// absurd input, far above any real tariff).
const MAX_ITEMS: usize = 200;

/// Checks a tariff and returns every problem found (empty when it is valid).
pub fn validate(spec: &TariffSpec) -> Vec<Problem> {
    let mut p = Problems::new();
    if spec.id.trim().is_empty() {
        p.add("id", "is empty; give the tariff a stable identifier");
    }
    if spec.name.trim().is_empty() {
        p.add("name", "is empty; give the tariff a name people can read");
    }
    check_proration(&spec.proration, &mut p);
    if spec.versions.is_empty() {
        p.add(
            "versions",
            "no version; a tariff needs at least one dated version of its rates",
        );
    }
    if spec.versions.len() > MAX_ITEMS {
        p.add(
            "versions",
            format!("has {} versions; at most {MAX_ITEMS}", spec.versions.len()),
        );
    }
    for (i, v) in spec.versions.iter().enumerate() {
        check_version(&format!("versions[{i}]"), v, spec.allow_credit, &mut p);
    }
    check_version_dates(&spec.versions, &mut p);
    p.into_vec()
}

fn check_proration(pr: &Proration, p: &mut Problems) {
    match pr {
        Proration::CalendarMonth => {}
        Proration::BillingCycle {
            min_days,
            max_days,
            days_per_month,
        } => {
            if *min_days == 0 || min_days > max_days {
                p.add(
                    "proration.min_days",
                    format!("must be at least 1 and at most max_days ({max_days}), got {min_days}"),
                );
            }
            if *max_days > 62 {
                p.add(
                    "proration.max_days",
                    format!("{max_days} days is not a monthly cycle; use at most 62"),
                );
            }
            check_days_per_month(*days_per_month, p);
        }
        Proration::Daily { days_per_month } => check_days_per_month(*days_per_month, p),
    }
}

fn check_days_per_month(d: Decimal, p: &mut Problems) {
    if d < Decimal::from(28) || d > Decimal::from(31) {
        p.add(
            "proration.days_per_month",
            format!("must be between 28 and 31, got {d}"),
        );
    }
}

fn check_version_dates(versions: &[VersionSpec], p: &mut Problems) {
    for (i, v) in versions.iter().enumerate() {
        if let Some(to) = v.effective_to {
            if to < v.effective_from {
                p.add(
                    format!("versions[{i}].effective_to"),
                    format!("{to} is before effective_from {}", v.effective_from),
                );
            }
        }
        let Some(next) = versions.get(i + 1) else {
            continue;
        };
        if next.effective_from <= v.effective_from {
            p.add(
                format!("versions[{}].effective_from", i + 1),
                format!(
                    "{} is not after the previous version's {}; list versions oldest first with distinct start dates",
                    next.effective_from, v.effective_from
                ),
            );
            continue;
        }
        if let Some(to) = v.effective_to {
            if to >= next.effective_from {
                p.add(
                    format!("versions[{i}].effective_to"),
                    format!(
                        "{to} overlaps versions[{}], which starts {}; end this version the day before",
                        i + 1,
                        next.effective_from
                    ),
                );
            } else if to.succ_opt() != Some(next.effective_from) {
                p.add(
                    format!("versions[{i}].effective_to"),
                    format!(
                        "{to} leaves a gap before versions[{}], which starts {}; no rates would apply in between",
                        i + 1,
                        next.effective_from
                    ),
                );
            }
        }
    }
}

fn check_amount(path: String, value: Decimal, credit: bool, p: &mut Problems) {
    if value.is_sign_negative() && !value.is_zero() && !credit {
        p.add(
            path,
            format!(
                "{value} is negative; a charge is not negative unless it is marked `credit = true`"
            ),
        );
    }
}

fn check_name(path: String, name: &str, p: &mut Problems) {
    if name.trim().is_empty() {
        p.add(path, "is empty; it is the line's description on the bill");
    }
}

fn check_len<T>(path: &str, items: &[T], p: &mut Problems) {
    if items.len() > MAX_ITEMS {
        p.add(
            path,
            format!("has {} entries; at most {MAX_ITEMS}", items.len()),
        );
    }
}

fn check_version(at: &str, v: &VersionSpec, allow_credit: bool, p: &mut Problems) {
    if v.label.trim().is_empty() {
        p.add(
            format!("{at}.label"),
            "is empty; the label names the version on bill lines",
        );
    }
    if let Some(hc) = v.therms_per_ccf {
        if hc <= Decimal::ZERO {
            p.add(
                format!("{at}.therms_per_ccf"),
                format!("must be above zero, got {hc}"),
            );
        }
    }
    check_len(&format!("{at}.fixed"), &v.fixed, p);
    check_len(&format!("{at}.volumetric"), &v.volumetric, p);
    check_len(&format!("{at}.surcharges"), &v.surcharges, p);
    let seasons = check_seasons(at, v, p);
    let mut groups: BTreeSet<&str> = BTreeSet::new();
    for (i, f) in v.fixed.iter().enumerate() {
        let at = format!("{at}.fixed[{i}]");
        check_name(format!("{at}.name"), &f.name, p);
        groups.insert(&f.group);
        if f.amount.is_none() && f.by_meter_size.is_empty() {
            p.add(
                format!("{at}.amount"),
                "missing; give `amount`, `by_meter_size`, or both",
            );
        }
        if let Some(a) = f.amount {
            check_amount(format!("{at}.amount"), a, f.credit, p);
        }
        let mut sizes = BTreeSet::new();
        for (j, s) in f.by_meter_size.iter().enumerate() {
            if !sizes.insert(s.size.trim()) {
                p.add(
                    format!("{at}.by_meter_size[{j}].size"),
                    format!("meter size `{}` is listed twice", s.size),
                );
            }
            check_amount(
                format!("{at}.by_meter_size[{j}].amount"),
                s.amount,
                f.credit,
                p,
            );
        }
    }
    for (i, c) in v.volumetric.iter().enumerate() {
        let at = format!("{at}.volumetric[{i}]");
        check_name(format!("{at}.name"), &c.name, p);
        groups.insert(&c.group);
        match (c.blocks.is_empty(), c.by_season.is_empty()) {
            (true, true) => p.add(
                format!("{at}.blocks"),
                "missing; give `blocks` or `by_season`",
            ),
            (false, false) => p.add(
                format!("{at}.by_season"),
                "give either `blocks` or `by_season`, not both",
            ),
            (false, true) => check_blocks(&format!("{at}.blocks"), &c.blocks, c.credit, p),
            (true, false) => {
                if seasons.is_empty() {
                    p.add(
                        format!("{at}.by_season"),
                        "the version defines no `seasons`",
                    );
                }
                let mut seen = BTreeSet::new();
                for (j, sb) in c.by_season.iter().enumerate() {
                    if !seasons.contains(sb.season.as_str()) {
                        p.add(
                            format!("{at}.by_season[{j}].season"),
                            format!("`{}` is not a season of this version", sb.season),
                        );
                    }
                    if !seen.insert(sb.season.as_str()) {
                        p.add(
                            format!("{at}.by_season[{j}].season"),
                            format!("`{}` is listed twice", sb.season),
                        );
                    }
                    check_blocks(
                        &format!("{at}.by_season[{j}].blocks"),
                        &sb.blocks,
                        c.credit,
                        p,
                    );
                }
                for s in seasons.iter().filter(|s| !seen.contains(*s)) {
                    p.add(
                        format!("{at}.by_season"),
                        format!(
                            "no blocks for season `{s}`; usage in that season would not be priced"
                        ),
                    );
                }
            }
        }
    }
    for (i, s) in v.surcharges.iter().enumerate() {
        let at = format!("{at}.surcharges[{i}]");
        check_name(format!("{at}.name"), &s.name, p);
        groups.insert(&s.group);
        check_amount(format!("{at}.rate"), s.rate, s.credit, p);
    }
    if let Some(m) = &v.minimum {
        check_name(format!("{at}.minimum.name"), &m.name, p);
        check_amount(format!("{at}.minimum.amount"), m.amount, false, p);
        check_applies_to(&format!("{at}.minimum"), &m.applies_to, &groups, p);
        groups.insert(&m.group);
    }
    for (i, r) in v.riders.iter().enumerate() {
        let at = format!("{at}.riders[{i}]");
        check_percent(&at, r, PercentKind::Rider, allow_credit, &groups, p);
        groups.insert(r.group.as_deref().unwrap_or("rider"));
    }
    for (i, t) in v.taxes.iter().enumerate() {
        let at = format!("{at}.taxes[{i}]");
        check_percent(&at, t, PercentKind::Tax, allow_credit, &groups, p);
        groups.insert(t.group.as_deref().unwrap_or("tax"));
    }
    if let Some(n) = &v.normative {
        if n.per_resident <= Decimal::ZERO {
            p.add(
                format!("{at}.normative.per_resident"),
                format!("must be above zero, got {}", n.per_resident),
            );
        }
    }
}

fn check_applies_to(at: &str, applies_to: &[String], groups: &BTreeSet<&str>, p: &mut Problems) {
    if applies_to.is_empty() {
        p.add(
            format!("{at}.applies_to"),
            "is empty; name the groups of lines it applies to",
        );
    }
    for (j, g) in applies_to.iter().enumerate() {
        if !groups.contains(g.as_str()) {
            let known: Vec<_> = groups.iter().copied().collect();
            p.add(
                format!("{at}.applies_to[{j}]"),
                format!(
                    "no line before it is in group `{g}`; groups so far: {}",
                    known.join(", ")
                ),
            );
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PercentKind {
    Rider,
    Tax,
}

fn check_percent(
    at: &str,
    r: &PercentSpec,
    kind: PercentKind,
    allow_credit: bool,
    groups: &BTreeSet<&str>,
    p: &mut Problems,
) {
    check_name(format!("{at}.name"), &r.name, p);
    let hundred = Decimal::ONE_HUNDRED;
    match kind {
        // A rider may be a discount (a low-income discount of -20 %), never
        // more than the whole base either way.
        PercentKind::Rider if r.percent < -hundred || r.percent > hundred => p.add(
            format!("{at}.percent"),
            format!(
                "must be between -100 and 100 (negative for a discount), got {}",
                r.percent
            ),
        ),
        PercentKind::Tax if r.percent < Decimal::ZERO || r.percent > hundred => p.add(
            format!("{at}.percent"),
            format!(
                "must be between 0 and 100, got {}; write a discount as a rider with a negative percent",
                r.percent
            ),
        ),
        _ => {}
    }
    if r.apply_to_credit && !allow_credit {
        p.add(
            format!("{at}.apply_to_credit"),
            "is true but the tariff does not allow credits, so no bill has a negative base; set `allow_credit = true` on the tariff, or remove `apply_to_credit`",
        );
    }
    check_applies_to(at, &r.applies_to, groups, p);
}

fn check_seasons<'a>(at: &str, v: &'a VersionSpec, p: &mut Problems) -> BTreeSet<&'a str> {
    let mut names = BTreeSet::new();
    if v.seasons.is_empty() {
        return names;
    }
    let mut owner: [Option<usize>; 12] = [None; 12];
    for (i, s) in v.seasons.iter().enumerate() {
        if !names.insert(s.name.as_str()) {
            p.add(
                format!("{at}.seasons[{i}].name"),
                format!("season `{}` is defined twice", s.name),
            );
        }
        for (j, &m) in s.months.iter().enumerate() {
            let slot = usize::try_from(m)
                .ok()
                .and_then(|m| m.checked_sub(1))
                .and_then(|k| owner.get_mut(k));
            match slot {
                None => p.add(
                    format!("{at}.seasons[{i}].months[{j}]"),
                    format!("{m} is not a month; use 1 to 12"),
                ),
                Some(Some(other)) => p.add(
                    format!("{at}.seasons[{i}].months[{j}]"),
                    format!(
                        "month {m} is already in season `{}`",
                        v.seasons.get(*other).map_or("", |s| s.name.as_str())
                    ),
                ),
                Some(slot) => *slot = Some(i),
            }
        }
    }
    let missing: Vec<String> = (1..=12)
        .zip(owner)
        .filter(|(_, o)| o.is_none())
        .map(|(m, _)| m.to_string())
        .collect();
    if !missing.is_empty() {
        p.add(
            format!("{at}.seasons"),
            format!(
                "months {} are not covered by any season",
                missing.join(", ")
            ),
        );
    }
    names
}

fn check_blocks(at: &str, blocks: &[BlockSpec], credit: bool, p: &mut Problems) {
    check_len(at, blocks, p);
    let mut prev_up_to = Some(Decimal::ZERO);
    for (i, b) in blocks.iter().enumerate() {
        let bat = format!("{at}[{i}]");
        check_amount(format!("{bat}.rate"), b.rate, credit, p);
        let from = b.from.or(prev_up_to);
        match (b.from, prev_up_to) {
            (Some(f), Some(prev)) if f < prev => p.add(
                format!("{bat}.from"),
                format!("{f} overlaps the block before, which runs up to {prev}; start this block at {prev}"),
            ),
            (Some(f), Some(prev)) if f > prev => p.add(
                format!("{bat}.from"),
                format!("{f} leaves a gap after the block before, which runs up to {prev}; usage in between would not be priced"),
            ),
            _ => {}
        }
        match (from, b.up_to) {
            (Some(f), Some(u)) if u <= f => p.add(
                format!("{bat}.up_to"),
                format!("{u} is not above the block's start {f}"),
            ),
            (_, None) if i + 1 < blocks.len() => p.add(
                format!("{bat}.up_to"),
                "missing; only the last block may be open-ended",
            ),
            _ => {}
        }
        if i + 1 == blocks.len() && b.up_to.is_some() {
            p.add(
                format!("{bat}.up_to"),
                "the last block must be open-ended (no `up_to`), or usage above it would not be priced",
            );
        }
        prev_up_to = b.up_to;
    }
}
