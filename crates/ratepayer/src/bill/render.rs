//! A bill as a plain-text table, the way a customer reads it: one row per
//! line item, then subtotals, taxes and the total.

use std::fmt;

use rust_decimal::Decimal;

use super::{Bill, LineUnit};

/// Quantity and unit columns: a percentage line shows the amount it applies to.
fn qty_unit(q: Decimal, unit: LineUnit, bill: &Bill) -> (String, String) {
    match unit {
        LineUnit::Percent => (format!("{}", q.normalize()), bill.currency.to_string()),
        _ => (format!("{}", q.round_dp(4).normalize()), unit.to_string()),
    }
}

impl fmt::Display for Bill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Bill for {} ({} days), tariff {}",
            self.period,
            self.period.days(),
            self.tariff_id
        )?;
        let kind = match (self.usage_is_normative, self.usage_is_estimated) {
            (true, _) => " (normative)",
            (false, true) => " (estimated read)",
            (false, false) => "",
        };
        writeln!(
            f,
            "Usage: {} {}{kind}",
            self.usage.value.round_dp(4).normalize(),
            self.usage.unit
        )?;
        writeln!(
            f,
            "{:<58} {:>10} {:<6} {:>9} {:>10}  Version",
            "Description", "Quantity", "Unit", "Rate", "Amount"
        )?;
        for l in &self.lines {
            let rate = match l.unit {
                LineUnit::Percent => format!("{}%", l.rate.normalize()),
                _ => format!("{}", l.rate.normalize()),
            };
            let (q, u) = qty_unit(l.quantity, l.unit, self);
            writeln!(
                f,
                "{:<58} {:>10} {:<6} {:>9} {:>10}  {} ({} to {})",
                l.description(),
                q,
                u,
                rate,
                l.amount.to_decimal_string(),
                l.version(),
                l.period.from(),
                l.period.to()
            )?;
        }
        for (group, amount) in self.subtotals() {
            writeln!(
                f,
                "  subtotal {group:<40} {:>45}",
                amount.to_decimal_string()
            )?;
        }
        writeln!(f, "  taxes {:>89}", self.taxes().to_decimal_string())?;
        writeln!(f, "TOTAL {:>95}", self.total.to_string())?;
        if let Some(n) = &self.normative {
            writeln!(
                f,
                "Against the normative {} ({}): saved {} and {}",
                n.normative_usage,
                n.normative_total,
                n.saved_units.round_dp(4).normalize(),
                n.saved_money
            )?;
        }
        Ok(())
    }
}
