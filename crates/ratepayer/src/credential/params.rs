//! Argon2id cost parameters: the OWASP defaults, validation against the
//! OWASP floor and against ceilings that keep one login from exhausting the
//! server, and reading them from configuration.

use serde::{Deserialize, Serialize};

use super::CredentialError;

/// Argon2id cost: memory in KiB, passes over it, and lanes.
///
/// The default is OWASP's (Password Storage Cheat Sheet): m = 19,456 KiB
/// (19 MiB), t = 2, p = 1. [`HashParams::new`] and deserialisation refuse
/// anything under the weakest OWASP configuration (m ≥ 7,168 KiB and
/// m × t ≥ 35,840, e.g. 7 MiB × 5 or 46 MiB × 1) or over the ceilings
/// ([`HashParams::MAX_MEMORY_KIB`], [`HashParams::MAX_ITERATIONS`],
/// [`HashParams::MAX_PARALLELISM`]).
///
/// ```
/// use ratepayer::credential::HashParams;
///
/// let p: HashParams = serde_json::from_str(r#"{"memory_kib": 47104, "iterations": 1, "parallelism": 1}"#)
///     .map_err(|e| e.to_string())?;
/// assert_eq!(p.memory_kib(), 47104);
/// assert!(serde_json::from_str::<HashParams>(r#"{"memory_kib": 1024, "iterations": 1, "parallelism": 1}"#).is_err());
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "ParamsData")]
pub struct HashParams {
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
}

impl Default for HashParams {
    /// [`HashParams::OWASP`].
    fn default() -> HashParams {
        HashParams::OWASP
    }
}

impl HashParams {
    /// OWASP's recommendation: m = 19,456 KiB, t = 2, p = 1.
    pub const OWASP: HashParams = HashParams {
        memory_kib: 19_456,
        iterations: 2,
        parallelism: 1,
    };
    /// The least memory accepted by [`HashParams::new`]: 7 MiB.
    pub const MIN_MEMORY_KIB: u32 = 7_168;
    /// The least memory × passes accepted by [`HashParams::new`].
    pub const MIN_MEMORY_PASSES: u64 = 35_840;
    /// The most memory accepted anywhere, stored credentials included: 1 GiB.
    pub const MAX_MEMORY_KIB: u32 = 1_048_576;
    /// The most passes accepted anywhere.
    pub const MAX_ITERATIONS: u32 = 64;
    /// The most lanes accepted anywhere.
    pub const MAX_PARALLELISM: u32 = 16;

    /// Parameters at or above the OWASP floor and within the ceilings.
    pub fn new(
        memory_kib: u32,
        iterations: u32,
        parallelism: u32,
    ) -> Result<HashParams, CredentialError> {
        let mut problems = Vec::new();
        if memory_kib < Self::MIN_MEMORY_KIB {
            problems.push(format!(
                "memory_kib {memory_kib} is below {}",
                Self::MIN_MEMORY_KIB
            ));
        }
        if u64::from(memory_kib) * u64::from(iterations) < Self::MIN_MEMORY_PASSES {
            problems.push(format!(
                "memory_kib × iterations ({memory_kib} × {iterations}) is below {}",
                Self::MIN_MEMORY_PASSES
            ));
        }
        problems.extend(ceiling_problems(memory_kib, iterations, parallelism));
        if problems.is_empty() {
            Ok(HashParams {
                memory_kib,
                iterations,
                parallelism,
            })
        } else {
            Err(CredentialError::InvalidParams {
                problems: problems.join("; "),
            })
        }
    }

    /// Parameters below the OWASP floor, for tests only (they make hashing
    /// fast and cheap to crack); still within the ceilings and Argon2's own
    /// limits (m ≥ 8 × p, t ≥ 1, p ≥ 1).
    pub fn below_owasp_floor_for_tests(
        memory_kib: u32,
        iterations: u32,
        parallelism: u32,
    ) -> Result<HashParams, CredentialError> {
        let problems = ceiling_problems(memory_kib, iterations, parallelism);
        if problems.is_empty() {
            Ok(HashParams {
                memory_kib,
                iterations,
                parallelism,
            })
        } else {
            Err(CredentialError::InvalidParams {
                problems: problems.join("; "),
            })
        }
    }

    /// Memory in KiB (the PHC `m`).
    pub fn memory_kib(&self) -> u32 {
        self.memory_kib
    }

    /// Passes (the PHC `t`).
    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    /// Lanes (the PHC `p`).
    pub fn parallelism(&self) -> u32 {
        self.parallelism
    }

    /// The Argon2 parameters, with a 32-byte output.
    pub(crate) fn to_argon2(self) -> Result<argon2::Params, CredentialError> {
        argon2::Params::new(
            self.memory_kib,
            self.iterations,
            self.parallelism,
            Some(super::OUTPUT_BYTES),
        )
        .map_err(|e| CredentialError::InvalidParams {
            problems: e.to_string(),
        })
    }
}

/// What is over a ceiling or under Argon2's own minimums.
pub(crate) fn ceiling_problems(memory_kib: u32, iterations: u32, parallelism: u32) -> Vec<String> {
    let mut problems = Vec::new();
    if !(1..=HashParams::MAX_PARALLELISM).contains(&parallelism) {
        problems.push(format!(
            "parallelism {parallelism} is outside 1 to {}",
            HashParams::MAX_PARALLELISM
        ));
    }
    if !(1..=HashParams::MAX_ITERATIONS).contains(&iterations) {
        problems.push(format!(
            "iterations {iterations} is outside 1 to {}",
            HashParams::MAX_ITERATIONS
        ));
    }
    if u64::from(memory_kib) < 8 * u64::from(parallelism) || memory_kib > HashParams::MAX_MEMORY_KIB
    {
        problems.push(format!(
            "memory_kib {memory_kib} is outside 8 × parallelism to {}",
            HashParams::MAX_MEMORY_KIB
        ));
    }
    problems
}

/// The parameters as written in configuration.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ParamsData {
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
}

impl TryFrom<ParamsData> for HashParams {
    type Error = CredentialError;

    fn try_from(d: ParamsData) -> Result<HashParams, CredentialError> {
        HashParams::new(d.memory_kib, d.iterations, d.parallelism)
    }
}
