//! The labels of every line a generation bill can have, interned once per
//! prepared year (formatting and interning a label per line would cost more
//! than billing the line).

use std::sync::Arc;

use super::super::bill::PreparedYear;
use super::super::tariff::DemandTier;
use crate::bill::{intern, LineKind, LineMeta};

type Meta = &'static LineMeta;

/// Labels by energy period and source tier, or by demand period and tier.
pub(crate) type Grid = Vec<Vec<Meta>>;

/// Every label of a generation bill under one prepared tariff.
#[derive(Debug)]
pub struct Labels {
    pub(crate) import: Grid,
    pub(crate) import_load: Grid,
    pub(crate) export: Grid,
    pub(crate) sold: Grid,
    pub(crate) standby: Grid,
    pub(crate) flat: Grid,
    pub(crate) flat_gen: Grid,
    pub(crate) tou: Grid,
    pub(crate) tou_gen: Grid,
    pub(crate) brought_forward: Meta,
    pub(crate) year_end_rollover: Meta,
    pub(crate) carried: Meta,
    pub(crate) settled: Meta,
    pub(crate) expired: Meta,
    pub(crate) true_up_kwh: Meta,
    pub(crate) true_up_balance: Meta,
    pub(crate) fixed: Meta,
    pub(crate) minimum: Meta,
}

impl PreparedYear {
    /// The labels of this tariff's generation bills (made once).
    pub(crate) fn generation_labels(&self) -> Arc<Labels> {
        self.generation_labels
            .get_or_init(|| Arc::new(self.make_labels()))
            .clone()
    }

    fn make_labels(&self) -> Labels {
        let tariff = &*self.tariff;
        // The version label the consumption lines of this year carry.
        let version: Arc<str> = self.fixed_meta.version.clone();
        let meta = |description: String, group: &str, kind: LineKind, tier: Option<usize>| {
            intern(LineMeta {
                description,
                group: group.to_string(),
                kind,
                version: version.clone(),
                tier: tier.and_then(|t| u8::try_from(t + 1).ok()),
            })
        };
        let np = tariff.energy_periods.len();
        let energy = |what: &str, group: &str, kind: LineKind| -> Grid {
            tariff
                .energy_periods
                .iter()
                .enumerate()
                .map(|(p, tiers)| {
                    (0..tiers.len())
                        .map(|t| {
                            meta(
                                suffixed(what, np > 1, p, tiers.len() > 1, t),
                                group,
                                kind,
                                Some(t),
                            )
                        })
                        .collect()
                })
                .collect()
        };
        let demand = |periods: &[Vec<DemandTier>], what: &str, group: &str| -> Grid {
            let n = periods.len();
            periods
                .iter()
                .enumerate()
                .map(|(p, tiers)| {
                    (0..tiers.len())
                        .map(|t| {
                            meta(
                                suffixed(what, n > 1, p, tiers.len() > 1, t),
                                group,
                                LineKind::Usage,
                                Some(t),
                            )
                        })
                        .collect()
                })
                .collect()
        };
        let credit = |d: &str| meta(d.to_string(), "Credits", LineKind::Credit, None);
        Labels {
            // The consumption engine's own labels where the lines are the same.
            import: self.energy_meta.clone(),
            import_load: energy("Energy (load meter)", "Energy", LineKind::Usage),
            export: energy("Exported energy credited", "Credits", LineKind::Credit),
            sold: energy("Generation sold", "Credits", LineKind::Credit),
            standby: energy(
                "Generation meter stand-by energy",
                "Energy",
                LineKind::Usage,
            ),
            flat: self.flat_meta.clone(),
            flat_gen: demand(&tariff.flat_demand, "Demand, generation meter", "Demand"),
            tou: self.tou_meta.clone(),
            tou_gen: demand(
                &tariff.demand_periods,
                "Demand (time of use), generation meter",
                "Demand (time of use)",
            ),
            brought_forward: credit("Credit brought forward"),
            year_end_rollover: credit("Excess kWh credited at the year-end rate"),
            carried: credit("Credit carried to next month"),
            settled: credit("Credit balance settled at the true-up (paid below)"),
            expired: credit("Credit balance expired at the true-up"),
            true_up_kwh: credit("True-up: excess kWh paid at the year-end rate"),
            true_up_balance: credit("True-up: credit balance paid"),
            fixed: self.fixed_meta,
            minimum: self.minimum_meta,
        }
    }
}

/// "`what`, period p, tier t" with the parts that tell lines apart.
fn suffixed(what: &str, periods: bool, p: usize, tiers: bool, t: usize) -> String {
    let mut d = what.to_string();
    if periods {
        d.push_str(&format!(", period {}", p + 1));
    }
    if tiers {
        d.push_str(&format!(", tier {}", t + 1));
    }
    d
}
