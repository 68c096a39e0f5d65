//! A utility's portal display rules (a profile's `[portal]`): data only; the
//! portal service that applies them lives in the `ratepayer-portal` crate.

use serde::{Deserialize, Serialize};

/// A utility's portal display rules (its profile's `[portal]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PortalPolicy {
    /// Only accounts enrolled in e-billing see past bills; others see the
    /// current bill only (seed 004). On by default.
    pub history_requires_ebilling: bool,
}

impl Default for PortalPolicy {
    fn default() -> Self {
        PortalPolicy {
            history_requires_ebilling: true,
        }
    }
}
