//! Output helpers shared by the commands: JSON printing (pretty, on stdout)
//! and the JSON forms of dates, periods and bills.

use std::io::Write;

use ratepayer::{Bill, BillingPeriod, LineUnit};
use serde_json::{json, Value};

use crate::error::CliError;

/// Prints `value` as pretty JSON on stdout.
pub fn print_json(value: &Value) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).map_err(CliError::domain)?;
    println_out(&text)
}

/// Prints `text` and a newline on stdout; a closed pipe is not an error.
pub fn println_out(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}") {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::Io {
            path: "stdout".into(),
            action: "write to",
            message: e.to_string(),
        }),
        _ => Ok(()),
    }
}

/// Prints `text` and a newline on stderr; a failure to write there is
/// ignored (there is nowhere left to report it), never a panic.
pub fn eprintln_err(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// `{"from", "to"}` of a period.
pub fn period_json(p: &BillingPeriod) -> Value {
    json!({ "from": p.from().to_string(), "to": p.to().to_string() })
}

/// A bill in the stable JSON shape: `{"period", "lines", "total", ...}`.
pub fn bill_json(bill: &Bill) -> Value {
    let lines: Vec<Value> = bill
        .lines
        .iter()
        .map(|l| {
            let unit = match l.unit {
                LineUnit::Percent => "%".to_string(),
                u => u.to_string(),
            };
            json!({
                "description": l.description(),
                "quantity": l.quantity.normalize().to_string(),
                "unit": unit,
                "rate": l.rate.normalize().to_string(),
                "amount": l.amount.to_decimal_string(),
                "kind": l.kind(),
                "group": l.group(),
                "version": l.version(),
                "tier": l.tier(),
                "period": period_json(&l.period),
            })
        })
        .collect();
    let subtotals: Vec<Value> = bill
        .subtotals()
        .into_iter()
        .map(|(group, amount)| json!({ "group": group, "amount": amount.to_decimal_string() }))
        .collect();
    let mut v = json!({
        "tariff": &*bill.tariff_id,
        "currency": bill.currency.code(),
        "period": period_json(&bill.period),
        "days": bill.period.days(),
        "usage": {
            "value": bill.usage.value.normalize().to_string(),
            "unit": bill.usage.unit.symbol(),
            "normative": bill.usage_is_normative,
            "estimated": bill.usage_is_estimated,
        },
        "lines": lines,
        "subtotals": subtotals,
        "taxes": bill.taxes().to_decimal_string(),
        "total": bill.total.to_decimal_string(),
    });
    if let (Some(n), Some(obj)) = (&bill.normative, v.as_object_mut()) {
        obj.insert(
            "normative".into(),
            json!({
                "usage": n.normative_usage.value.normalize().to_string(),
                "unit": n.normative_usage.unit.symbol(),
                "total": n.normative_total.to_decimal_string(),
                "saved_units": n.saved_units.normalize().to_string(),
                "saved_money": n.saved_money.to_decimal_string(),
            }),
        );
    }
    v
}
