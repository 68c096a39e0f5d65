//! MFA in the Python binding: the authenticator enrolment shown once
//! (`TotpEnrolment`) and the second factor a call takes as keyword
//! arguments (`totp=` or `recovery_code=`). The portal methods themselves
//! are in `portal.rs`.

use pyo3::prelude::*;

use ratepayer::mfa::TotpEnrolment as CoreEnrolment;
use ratepayer_portal::SecondFactor;

use crate::errors::{PortalError, Raise};

/// What the customer's authenticator app needs, shown once while enrolling:
/// the secret in base32 and the `otpauth://` URI (for a QR code). Both are
/// secrets; `repr` hides them.
#[pyclass(module = "ratepayer", frozen, get_all)]
pub struct TotpEnrolment {
    /// The secret in base32 (upper case, no padding).
    pub secret_base32: String,
    /// The provisioning URI.
    pub uri: String,
}

impl From<CoreEnrolment> for TotpEnrolment {
    fn from(e: CoreEnrolment) -> TotpEnrolment {
        TotpEnrolment {
            secret_base32: e.secret_base32().to_owned(),
            uri: e.uri().to_owned(),
        }
    }
}

#[pymethods]
impl TotpEnrolment {
    fn __repr__(&self) -> String {
        "TotpEnrolment(secret_base32='<redacted>', uri='<redacted>')".to_owned()
    }
}

/// The second factor of `totp=` or `recovery_code=` (exactly one, when
/// `required`; at most one otherwise).
pub fn factor(
    totp: Option<String>,
    recovery_code: Option<String>,
    required: bool,
) -> PyResult<Option<SecondFactor>> {
    match (totp, recovery_code) {
        (Some(t), None) => Ok(Some(SecondFactor::Totp(t))),
        (None, Some(r)) => Ok(Some(SecondFactor::RecoveryCode(r))),
        (None, None) if !required => Ok(None),
        _ => Err(Raise::new::<PortalError>(
            "invalid.second_factor",
            "give exactly one of `totp` (the authenticator's code) or `recovery_code`",
        )
        .into()),
    }
}
