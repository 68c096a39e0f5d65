//! `ratepayer profile validate PROFILE`: loads a profile and reports every
//! problem at once (exit 1 when there is any, including a fee rule that
//! breaks card-network rules or state law), or what the valid profile holds
//! with its fee-compliance warnings (exit 0).

use std::path::Path;

use ratepayer::profile::{builtin, UtilityProfile};
use ratepayer::TariffError;
use serde_json::json;

use crate::error::CliError;
use crate::input;
use crate::output::{print_json, println_out};

/// Runs the command.
pub fn run(profile: &str, json: bool) -> Result<(), CliError> {
    let path = Path::new(profile);
    let loaded = if !path.exists() && builtin::ids().any(|id| id == profile) {
        builtin::load(profile)
    } else {
        let text = input::read_text(path)?;
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            UtilityProfile::from_json(&text)
        } else {
            UtilityProfile::from_toml(&text)
        }
    };
    match loaded {
        Ok(p) => valid(&p, json),
        Err(e) => {
            if json {
                let problems: Vec<_> = match &e {
                    TariffError::Parse { path, message, .. } => {
                        vec![json!({ "path": path, "message": message })]
                    }
                    TariffError::Invalid { problems, .. } => problems
                        .iter()
                        .map(|p| json!({ "path": p.path, "message": p.message }))
                        .collect(),
                };
                print_json(&json!({ "valid": false, "problems": problems }))?;
            }
            Err(CliError::Domain(format!("{profile}: {e}")))
        }
    }
}

fn valid(p: &UtilityProfile, json: bool) -> Result<(), CliError> {
    let spec = p.spec();
    let tariffs: Vec<&str> = p.tariffs().iter().map(|t| t.id()).collect();
    let autopay: Vec<&str> = p
        .autopay()
        .map(|a| a.options.iter().map(|o| o.name.as_str()).collect())
        .unwrap_or_default();
    let warnings = p.fee_compliance();
    if json {
        return print_json(&json!({
            "valid": true,
            "warnings": warnings,
            "id": p.id(),
            "name": spec.name,
            "time_zone": spec.time_zone,
            "currency": spec.currency.code(),
            "tariffs": tariffs,
            "fees": spec.fees.is_some(),
            "calendar": spec.calendar.is_some(),
            "autopay_options": autopay,
        }));
    }
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let rows = [
        ("id", p.id().to_string()),
        ("name", spec.name.clone()),
        ("time zone", spec.time_zone.clone()),
        ("currency", spec.currency.code().to_string()),
        ("tariffs", tariffs.join(", ")),
        ("fee schedule", yes_no(spec.fees.is_some()).to_string()),
        (
            "office calendar",
            yes_no(spec.calendar.is_some()).to_string(),
        ),
        ("AutoPay options", autopay.join(", ")),
    ];
    let mut out = format!("profile `{}` is valid\n", p.id());
    for (k, v) in rows {
        out.push_str(&format!("  {k:<16} {v}\n"));
    }
    if !warnings.is_empty() {
        out.push_str(&format!(
            "{} fee compliance warning(s): rules the card-rule data cannot decide; check each\n",
            warnings.len()
        ));
        for w in warnings {
            out.push_str(&format!(
                "  - fees.{}: [{}] {}\n",
                w.path, w.rule, w.message
            ));
        }
    }
    println_out(out.trim_end())
}
