//! Tariffs: the serde model ([`spec`]), its validation ([`validate`]), the
//! compiled [`Tariff`] that bills, and loading from TOML and JSON text.

mod compiled;
pub mod spec;
mod validate;

use thiserror::Error;

pub use compiled::Tariff;
pub(crate) use compiled::{applies, Fixed, Version};
pub use spec::*;
pub use validate::{validate, Problem};

/// Why a tariff could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TariffError {
    /// The text is not well-formed TOML or JSON, or a field has the wrong type.
    #[error("the {format} tariff could not be read at `{path}`: {message}")]
    Parse {
        /// `"TOML"` or `"JSON"`.
        format: &'static str,
        /// Path of the field at fault (`.` for the document itself).
        path: String,
        /// What the parser said.
        message: String,
    },
    /// The tariff or profile was read but breaks rules; every problem is listed.
    #[error("`{id}` is not valid; {n} problem(s) to fix:\n{list}", n = problems.len(), list = list(problems))]
    Invalid {
        /// The tariff's id.
        id: String,
        /// Every problem, each with its path.
        problems: Vec<Problem>,
    },
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The longest tariff text accepted (1 MiB).
pub const MAX_TEXT_LEN: usize = 1 << 20;

pub(crate) fn too_long(format: &'static str, len: usize) -> Option<TariffError> {
    (len > MAX_TEXT_LEN).then(|| TariffError::Parse {
        format,
        path: ".".into(),
        message: format!("the text is {len} bytes; at most {MAX_TEXT_LEN} are accepted"),
    })
}

/// Reads any serde type from TOML, naming the path of a field at fault.
pub(crate) fn from_toml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, TariffError> {
    if let Some(e) = too_long("TOML", text.len()) {
        return Err(e);
    }
    let value: toml::Table = toml::from_str(text).map_err(|e| TariffError::Parse {
        format: "TOML",
        path: ".".into(),
        message: e.message().to_string() + &location(text, e.span()),
    })?;
    serde_path_to_error::deserialize(toml::Value::Table(value)).map_err(|e| TariffError::Parse {
        format: "TOML",
        path: e.path().to_string(),
        message: e.into_inner().message().to_string(),
    })
}

fn location(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    let Some(start) = span.map(|s| s.start) else {
        return String::new();
    };
    let before = text.get(..start).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!(" (line {line}, column {col})")
}

/// Reads any serde type from JSON, naming the path of a field at fault.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, TariffError> {
    if let Some(e) = too_long("JSON", text.len()) {
        return Err(e);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| TariffError::Parse {
        format: "JSON",
        path: e.path().to_string(),
        message: e.into_inner().to_string(),
    })?;
    de.end().map_err(|e| TariffError::Parse {
        format: "JSON",
        path: ".".into(),
        message: e.to_string(),
    })?;
    Ok(value)
}

impl Tariff {
    /// Reads and validates a tariff written in TOML.
    pub fn from_toml(text: &str) -> Result<Tariff, TariffError> {
        Tariff::new(from_toml(text)?)
    }

    /// Reads and validates a tariff written in JSON.
    pub fn from_json(text: &str) -> Result<Tariff, TariffError> {
        Tariff::new(from_json(text)?)
    }

    /// The tariff as pretty JSON (the same data it was read from).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.spec).unwrap_or_default()
    }
}
