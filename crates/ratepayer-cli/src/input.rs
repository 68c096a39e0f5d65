//! Loading what commands name on the command line: profiles (a file or a
//! built-in id), tariff files, calendars (`fed` or a profile's) and text files.

use std::path::Path;

use ratepayer::calendar::Calendar;
use ratepayer::profile::{builtin, UtilityProfile};
use ratepayer::Tariff;

use crate::error::CliError;

/// Reads a whole text file.
pub fn read_text(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| CliError::io(path, "read", &e))
}

fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// Loads a profile from a file (TOML, or JSON when it ends in `.json`), or
/// the built-in profile of that id when no such file exists.
pub fn profile(name: &str) -> Result<UtilityProfile, CliError> {
    let path = Path::new(name);
    if !path.exists() {
        if builtin::ids().any(|id| id == name) {
            return builtin::load(name).map_err(CliError::domain);
        }
        return Err(CliError::Domain(format!(
            "no profile file `{name}`, and it is not a built-in profile; give the path of a profile file or one of {}",
            builtin::ids().collect::<Vec<_>>().join(", ")
        )));
    }
    let text = read_text(path)?;
    let loaded = if is_json(path) {
        UtilityProfile::from_json(&text)
    } else {
        UtilityProfile::from_toml(&text)
    };
    loaded.map_err(|e| CliError::Domain(format!("{}: {e}", path.display())))
}

/// Loads a tariff file (TOML, or JSON when it ends in `.json`).
pub fn tariff_file(path: &Path) -> Result<Tariff, CliError> {
    let text = read_text(path)?;
    let loaded = if is_json(path) {
        Tariff::from_json(&text)
    } else {
        Tariff::from_toml(&text)
    };
    loaded.map_err(|e| CliError::Domain(format!("{}: {e}", path.display())))
}

/// The calendar names `--calendar` takes besides a profile file: `fed` and
/// the built-in profiles.
fn known_calendars() -> String {
    std::iter::once("fed")
        .chain(builtin::ids())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The profile a `--calendar NAME` names: a profile file or a built-in id.
/// Any other name is refused, listing the known ones (never a silent Fed).
fn calendar_profile(name: &str) -> Result<UtilityProfile, CliError> {
    if !Path::new(name).exists() && !builtin::ids().any(|id| id == name) {
        return Err(CliError::Domain(format!(
            "`{}` is not a calendar; the known calendars are {} (fed is the Federal Reserve's, the others the built-in profiles'), or give the path of a profile file",
            crate::usage_csv::excerpt(name),
            known_calendars()
        )));
    }
    profile(name)
}

/// The calendar a profile drafts AutoPay on: its `[autopay] calendar` (the
/// Federal Reserve's or its own `[calendar]`), else its `[calendar]`. A
/// profile with neither is refused: its banking days are unknown, and the
/// Federal Reserve's are not silently assumed for it.
pub fn draft_calendar(name: &str) -> Result<(UtilityProfile, Calendar), CliError> {
    let p = calendar_profile(name)?;
    let calendar = match (p.autopay(), &p.spec().calendar) {
        (Some(_), _) => p.draft_calendar().map_err(CliError::domain)?,
        (None, Some(spec)) => Calendar::from_spec(spec).map_err(CliError::domain)?,
        (None, None) => {
            return Err(CliError::Domain(format!(
                "profile `{}` has no banking calendar (no `[autopay] calendar` and no `[calendar]`), so its draft dates are unknown; use --calendar fed, or add a [calendar] section to the profile",
                p.id()
            )))
        }
    };
    Ok((p, calendar))
}

/// `fed`, or the profile's own `[calendar]` (its office calendar).
pub fn office_calendar(name: &str) -> Result<Calendar, CliError> {
    if name == "fed" {
        return Ok(Calendar::fed());
    }
    let p = calendar_profile(name)?;
    match &p.spec().calendar {
        Some(spec) => Calendar::from_spec(spec).map_err(CliError::domain),
        None => Err(CliError::Domain(format!(
            "profile `{}` has no `[calendar]`; use --calendar fed, or add a [calendar] section to the profile",
            p.id()
        ))),
    }
}
