//! The command line's one error type: a domain error (exit code 1) whose
//! message says what was wrong and how to fix it. Usage errors (exit code 2)
//! are clap's own and never reach this type.

use std::fmt;
use std::path::Path;

/// A failure of a command, printed on stderr; the process exits with 1
/// ([`CliError::Usage`]: 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// A rule of the domain refused the input (an invalid profile, a bill
    /// that cannot be computed, a payment method not accepted, ...).
    Domain(String),
    /// A file could not be read or written.
    Io {
        /// The file.
        path: String,
        /// What was being done ("read", "write", ...).
        action: &'static str,
        /// What the system said.
        message: String,
    },
    /// A line of a CSV input is wrong: every problem found, with its line.
    Csv {
        /// The file.
        path: String,
        /// `(line, message)` pairs, in file order (at most [`MAX_REPORTED`]).
        problems: Vec<(u64, String)>,
        /// How many problems there were in all.
        total: u64,
    },
    /// The command asked for something this build does not do yet.
    NotSupported(String),
    /// Options that do not go together or one that is missing for the
    /// choice made (exit code 2, as clap's usage errors).
    Usage(String),
}

/// The most CSV problems listed in one message (the total is always given).
pub const MAX_REPORTED: usize = 20;

impl CliError {
    /// The process exit code: 2 for a usage error, 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            _ => 1,
        }
    }

    /// A domain error from anything that displays (the core's errors).
    pub fn domain(e: impl fmt::Display) -> CliError {
        CliError::Domain(e.to_string())
    }

    /// A failure to read or write `path`.
    pub fn io(path: &Path, action: &'static str, e: &std::io::Error) -> CliError {
        CliError::Io {
            path: path.display().to_string(),
            action,
            message: e.to_string(),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Domain(m) => f.write_str(m),
            CliError::Io {
                path,
                action,
                message,
            } => write!(
                f,
                "cannot {action} `{path}`: {message}; check the path and its permissions"
            ),
            CliError::Csv {
                path,
                problems,
                total,
            } => {
                write!(f, "`{path}` has {total} problem(s) to fix:")?;
                for (line, message) in problems {
                    write!(f, "\n  - line {line}: {message}")?;
                }
                let shown = problems.len() as u64;
                if *total > shown {
                    write!(f, "\n  ... and {} more", total - shown)?;
                }
                Ok(())
            }
            CliError::NotSupported(m) => write!(f, "not supported yet: {m}"),
            CliError::Usage(m) => write!(f, "{m}\n\nFor more information, try '--help'."),
        }
    }
}

impl std::error::Error for CliError {}

/// Collects CSV problems: keeps the first [`MAX_REPORTED`] and counts all.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Problems {
    /// The problems kept, `(line, message)`.
    pub kept: Vec<(u64, String)>,
    /// How many were found.
    pub total: u64,
}

impl Problems {
    /// Records a problem on `line`.
    pub fn add(&mut self, line: u64, message: impl Into<String>) {
        self.total += 1;
        if self.kept.len() < MAX_REPORTED {
            self.kept.push((line, message.into()));
        }
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The error for `path`, or `Ok` when there was no problem.
    pub fn into_result(self, path: &Path) -> Result<(), CliError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(CliError::Csv {
                path: path.display().to_string(),
                problems: self.kept,
                total: self.total,
            })
        }
    }
}
