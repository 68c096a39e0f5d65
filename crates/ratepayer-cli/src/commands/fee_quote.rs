//! `ratepayer fee quote`: what a payment costs before the customer confirms
//! it, from a profile's fee schedule: amount, fee, total, the fee-free ways
//! to pay and the disclosure to show.

use ratepayer::Money;
use serde_json::json;

use crate::cli::FeeQuoteArgs;
use crate::error::CliError;
use crate::input;
use crate::output::{print_json, println_out};

/// Runs the command.
pub fn run(args: &FeeQuoteArgs, json: bool) -> Result<(), CliError> {
    let profile = input::profile(&args.profile)?;
    let schedule = profile.fee_schedule().map_err(CliError::domain)?;
    let amount = Money::parse(&args.amount, schedule.currency())
        .map_err(|e| CliError::Domain(format!("--amount: {e}")))?;
    let quote = schedule
        .quote(amount, args.channel, args.method, args.accounts)
        .map_err(CliError::domain)?;
    let alternatives: Vec<_> = quote
        .fee_free_alternatives
        .iter()
        .map(|o| json!({ "channel": o.channel, "method": o.method }))
        .collect();
    if json {
        return print_json(&json!({
            "amount": quote.amount.to_decimal_string(),
            "fee": quote.fee.to_decimal_string(),
            "total": quote.total.to_decimal_string(),
            "currency": quote.amount.currency().code(),
            "channel": quote.channel,
            "method": quote.method,
            "accounts": quote.accounts,
            "kind": quote.kind,
            "fee_free_alternatives": alternatives,
            "disclosure": &*quote.disclosure,
        }));
    }
    let currency = quote.amount.currency();
    let free: Vec<String> = quote
        .fee_free_alternatives
        .iter()
        .map(|o| format!("{} by {}", o.channel, o.method))
        .collect();
    let text = format!(
        "Payment of {} through {} by {} ({} account(s))\n  {:<10} {:>12} {currency}\n  {:<10} {:>12} {currency}\n  {:<10} {:>12} {currency}\nFee-free ways to pay: {}\n{}",
        quote.amount,
        quote.channel,
        quote.method,
        quote.accounts,
        "amount",
        quote.amount.to_decimal_string(),
        "fee",
        quote.fee.to_decimal_string(),
        "total",
        quote.total.to_decimal_string(),
        if free.is_empty() { "none (this one is free)".to_string() } else { free.join(", ") },
        quote.disclosure
    );
    println_out(&text)
}
