//! A validated tariff, compiled for fast billing: dates resolved, seasons
//! turned into a month table, line descriptions shared by every bill.

use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::spec::{BlockSpec, FixedBasis, PercentSpec, TariffSpec, VersionSpec};
use super::validate::validate;
use super::TariffError;
use crate::bill::{LineKind, LineMeta};
use crate::{Currency, RoundingPolicy, Unit};

/// A validated tariff, ready to bill. Build one with [`Tariff::new`],
/// [`Tariff::from_toml`] or [`Tariff::from_json`]. Cheap to share across
/// threads (`Send + Sync`); billing never mutates it.
#[derive(Debug, Clone)]
pub struct Tariff {
    pub(crate) spec: TariffSpec,
    pub(crate) id: Arc<str>,
    pub(crate) rounding: RoundingPolicy,
    pub(crate) versions: Vec<Version>,
}

#[derive(Debug, Clone)]
pub(crate) struct Version {
    pub label: Arc<str>,
    pub from: NaiveDate,
    /// Last day, inclusive; `None` for open-ended.
    pub to: Option<NaiveDate>,
    pub therms_per_ccf: Option<Decimal>,
    /// Season index of each month (January first); all 0 without seasons.
    pub season_of_month: [u8; 12],
    pub fixed: Vec<Fixed>,
    pub volumetric: Vec<Volumetric>,
    pub surcharges: Vec<Surcharge>,
    pub minimum: Option<Minimum>,
    pub riders: Vec<Percent>,
    pub taxes: Vec<Percent>,
    pub normative_per_resident: Option<Decimal>,
    /// Every customer class a charge is restricted to.
    pub classes: Vec<String>,
    /// Every meter size a fixed charge is priced by (trimmed, first-seen order).
    pub sizes: Vec<String>,
    /// The line that keeps a bill from going below zero when the tariff
    /// does not allow credits.
    pub credit_limit: Arc<LineMeta>,
}

#[derive(Debug, Clone)]
pub(crate) struct Fixed {
    pub meta: Arc<LineMeta>,
    pub per: FixedBasis,
    pub amount: Option<Decimal>,
    pub by_size: Vec<(String, Decimal)>,
    pub classes: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Block {
    pub meta: Arc<LineMeta>,
    pub from: Decimal,
    pub up_to: Option<Decimal>,
    pub rate: Decimal,
}

#[derive(Debug, Clone)]
pub(crate) struct Volumetric {
    /// Blocks by season index (one entry when the charge is all-year).
    pub by_season: Vec<Vec<Block>>,
    pub classes: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Surcharge {
    pub meta: Arc<LineMeta>,
    pub rate: Decimal,
    pub classes: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Minimum {
    pub meta: Arc<LineMeta>,
    pub amount: Decimal,
    pub applies_to: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Percent {
    pub meta: Arc<LineMeta>,
    pub percent: Decimal,
    pub applies_to: Vec<String>,
    /// Applies to a negative base too (the tariff allows credits and the
    /// percentage says `apply_to_credit`); otherwise the base is floored at zero.
    pub on_credit: bool,
}

/// True when a charge restricted to `classes` applies to `class`.
pub(crate) fn applies(classes: &[String], class: Option<&str>) -> bool {
    classes.is_empty() || class.is_some_and(|c| classes.iter().any(|k| k.eq_ignore_ascii_case(c)))
}

impl Tariff {
    /// Validates `spec` and compiles it. Every problem is reported at once in
    /// [`TariffError::Invalid`].
    pub fn new(spec: TariffSpec) -> Result<Tariff, TariffError> {
        let problems = validate(&spec);
        if !problems.is_empty() {
            return Err(TariffError::Invalid {
                id: spec.id.clone(),
                problems,
            });
        }
        let versions = spec
            .versions
            .iter()
            .enumerate()
            .map(|(i, v)| compile_version(v, spec.versions.get(i + 1), spec.allow_credit))
            .collect();
        Ok(Tariff {
            id: spec.id.as_str().into(),
            rounding: spec.rounding.unwrap_or_default(),
            spec,
            versions,
        })
    }

    /// The tariff's identifier.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The data the tariff was built from.
    pub fn spec(&self) -> &TariffSpec {
        &self.spec
    }

    /// Currency of its amounts.
    pub fn currency(&self) -> Currency {
        self.spec.currency
    }

    /// Unit of its volumetric rates.
    pub fn unit(&self) -> Unit {
        self.spec.unit
    }

    /// True when a bill may total below zero (see [`TariffSpec::allow_credit`]).
    pub fn allows_credit(&self) -> bool {
        self.spec.allow_credit
    }

    /// The rounding policy bills are computed under.
    pub fn rounding(&self) -> RoundingPolicy {
        self.rounding
    }

    /// The same tariff billed under another rounding policy.
    pub fn with_rounding(mut self, rounding: RoundingPolicy) -> Tariff {
        self.rounding = rounding;
        self.spec.rounding = Some(rounding);
        self
    }

    /// The label of the version in force on `day`, if any.
    pub fn version_label_on(&self, day: NaiveDate) -> Option<&str> {
        self.version_index_on(day)
            .and_then(|i| self.versions.get(i))
            .map(|v| &*v.label)
    }

    pub(crate) fn version_index_on(&self, day: NaiveDate) -> Option<usize> {
        self.versions
            .iter()
            .rposition(|v| v.from <= day)
            .filter(|&i| {
                self.versions
                    .get(i)
                    .is_some_and(|v| v.to.is_none_or(|to| day <= to))
            })
    }
}

fn meta(
    version: &Arc<str>,
    description: String,
    group: &str,
    kind: LineKind,
    tier: Option<u8>,
) -> Arc<LineMeta> {
    Arc::new(LineMeta {
        description,
        group: group.to_string(),
        kind,
        version: version.clone(),
        tier,
    })
}

fn compile_blocks(
    version: &Arc<str>,
    name: &str,
    season: Option<&str>,
    group: &str,
    blocks: &[BlockSpec],
) -> Vec<Block> {
    let tiered = blocks.len() > 1;
    let mut prev = Decimal::ZERO;
    blocks
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let tier = if tiered {
                u8::try_from(i + 1).ok()
            } else {
                None
            };
            let mut description = name.to_string();
            if let Some(s) = season {
                description.push_str(", ");
                description.push_str(s);
            }
            if let Some(t) = tier {
                description.push_str(&format!(", tier {t}"));
            }
            let from = b.from.unwrap_or(prev);
            prev = b.up_to.unwrap_or(from);
            Block {
                meta: meta(version, description, group, LineKind::Usage, tier),
                from,
                up_to: b.up_to,
                rate: b.rate,
            }
        })
        .collect()
}

fn compile_percent(
    version: &Arc<str>,
    p: &PercentSpec,
    kind: LineKind,
    default_group: &str,
    allow_credit: bool,
) -> Percent {
    let group = p.group.as_deref().unwrap_or(default_group);
    Percent {
        meta: meta(version, p.name.clone(), group, kind, None),
        percent: p.percent,
        applies_to: p.applies_to.clone(),
        on_credit: allow_credit && p.apply_to_credit,
    }
}

/// Description of the line that brings a negative total to zero.
pub(crate) const CREDIT_LIMIT: &str = "Credit limit (the bill does not go below zero)";

fn compile_version(v: &VersionSpec, next: Option<&VersionSpec>, allow_credit: bool) -> Version {
    let label: Arc<str> = v.label.as_str().into();
    let mut season_of_month = [0u8; 12];
    for (i, s) in v.seasons.iter().enumerate() {
        for &m in &s.months {
            if let Some(slot) = usize::try_from(m)
                .ok()
                .and_then(|m| m.checked_sub(1))
                .and_then(|k| season_of_month.get_mut(k))
            {
                *slot = u8::try_from(i).unwrap_or(0);
            }
        }
    }
    let fixed = v
        .fixed
        .iter()
        .map(|f| Fixed {
            meta: meta(&label, f.name.clone(), &f.group, LineKind::Fixed, None),
            per: f.per,
            amount: f.amount,
            by_size: f
                .by_meter_size
                .iter()
                .map(|s| (s.size.trim().to_string(), s.amount))
                .collect(),
            classes: f.classes.clone(),
        })
        .collect();
    let volumetric = v
        .volumetric
        .iter()
        .map(|c| {
            let by_season = if c.by_season.is_empty() {
                vec![compile_blocks(&label, &c.name, None, &c.group, &c.blocks)]
            } else {
                v.seasons
                    .iter()
                    .map(|s| {
                        let blocks = c
                            .by_season
                            .iter()
                            .find(|b| b.season == s.name)
                            .map_or(&[][..], |b| &b.blocks);
                        compile_blocks(&label, &c.name, Some(&s.name), &c.group, blocks)
                    })
                    .collect()
            };
            Volumetric {
                by_season,
                classes: c.classes.clone(),
            }
        })
        .collect();
    let surcharges = v
        .surcharges
        .iter()
        .map(|s| Surcharge {
            meta: meta(&label, s.name.clone(), &s.group, LineKind::Surcharge, None),
            rate: s.rate,
            classes: s.classes.clone(),
        })
        .collect();
    let minimum = v.minimum.as_ref().map(|m| Minimum {
        meta: meta(&label, m.name.clone(), &m.group, LineKind::Minimum, None),
        amount: m.amount,
        applies_to: m.applies_to.clone(),
    });
    let mut classes: Vec<String> = Vec::new();
    let all = v
        .fixed
        .iter()
        .flat_map(|f| &f.classes)
        .chain(v.volumetric.iter().flat_map(|c| &c.classes))
        .chain(v.surcharges.iter().flat_map(|s| &s.classes));
    for c in all {
        if !classes.iter().any(|k| k.eq_ignore_ascii_case(c)) {
            classes.push(c.clone());
        }
    }
    let mut sizes: Vec<String> = Vec::new();
    for s in v.fixed.iter().flat_map(|f| &f.by_meter_size) {
        let s = s.size.trim();
        if !sizes.iter().any(|k| k == s) {
            sizes.push(s.to_string());
        }
    }
    Version {
        from: v.effective_from,
        to: v
            .effective_to
            .or_else(|| next.and_then(|n| n.effective_from.pred_opt())),
        therms_per_ccf: v.therms_per_ccf,
        season_of_month,
        fixed,
        volumetric,
        surcharges,
        minimum,
        riders: v
            .riders
            .iter()
            .map(|r| compile_percent(&label, r, LineKind::Rider, "rider", allow_credit))
            .collect(),
        taxes: v
            .taxes
            .iter()
            .map(|t| compile_percent(&label, t, LineKind::Tax, "tax", allow_credit))
            .collect(),
        normative_per_resident: v.normative.as_ref().map(|n| n.per_resident),
        classes,
        sizes,
        credit_limit: meta(
            &label,
            CREDIT_LIMIT.to_string(),
            "adjustment",
            LineKind::Minimum,
            None,
        ),
        label,
    }
}
