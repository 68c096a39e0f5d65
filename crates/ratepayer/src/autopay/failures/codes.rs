//! ACH return reason codes, which of them may be presented again (R01, R09),
//! and how they read to a customer.

use super::*;
use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

/// The NACHA return reason codes AutoPay acts on.
///
/// Only R01 and R09 may be re-presented; every other code suspends AutoPay.
/// Written and parsed as the code (`"R01"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum AchReturnCode {
    /// R01: insufficient funds (re-presentable).
    R01,
    /// R02: the account is closed.
    R02,
    /// R03: no account, or the account cannot be located.
    R03,
    /// R04: the account number is not valid.
    R04,
    /// R07: the customer revoked the authorisation.
    R07,
    /// R08: the customer stopped payment.
    R08,
    /// R09: uncollected funds (re-presentable).
    R09,
    /// R10: the customer says the debit was not authorised.
    R10,
    /// R16: the account is frozen.
    R16,
    /// R20: the account does not allow debits of this kind.
    R20,
    /// R29: the business customer says the debit was not authorised.
    R29,
}

impl AchReturnCode {
    /// Every code, in code order.
    pub const ALL: [AchReturnCode; 11] = [
        AchReturnCode::R01,
        AchReturnCode::R02,
        AchReturnCode::R03,
        AchReturnCode::R04,
        AchReturnCode::R07,
        AchReturnCode::R08,
        AchReturnCode::R09,
        AchReturnCode::R10,
        AchReturnCode::R16,
        AchReturnCode::R20,
        AchReturnCode::R29,
    ];

    /// The code, for example `"R01"`.
    pub fn code(self) -> &'static str {
        match self {
            AchReturnCode::R01 => "R01",
            AchReturnCode::R02 => "R02",
            AchReturnCode::R03 => "R03",
            AchReturnCode::R04 => "R04",
            AchReturnCode::R07 => "R07",
            AchReturnCode::R08 => "R08",
            AchReturnCode::R09 => "R09",
            AchReturnCode::R10 => "R10",
            AchReturnCode::R16 => "R16",
            AchReturnCode::R20 => "R20",
            AchReturnCode::R29 => "R29",
        }
    }

    /// Why the bank returned the debit, in words for the customer (a clause
    /// that follows "because").
    pub fn description(self) -> &'static str {
        match self {
            AchReturnCode::R01 => "there were not enough funds in the account",
            AchReturnCode::R02 => "the account is closed",
            AchReturnCode::R03 => "the bank could not find the account",
            AchReturnCode::R04 => "the account number is not valid",
            AchReturnCode::R07 => "you withdrew your permission for AutoPay debits",
            AchReturnCode::R08 => "payment on the debit was stopped",
            AchReturnCode::R09 => "the funds in the account were not yet available",
            AchReturnCode::R10 => "you told your bank the debit was not authorised",
            AchReturnCode::R16 => "the account is frozen",
            AchReturnCode::R20 => "the account does not allow this kind of debit",
            AchReturnCode::R29 => "the account holder told the bank the debit was not authorised",
        }
    }

    /// True when NACHA allows the returned entry to be re-presented (R01, R09).
    pub fn is_representable(self) -> bool {
        matches!(self, AchReturnCode::R01 | AchReturnCode::R09)
    }
}

impl fmt::Display for AchReturnCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for AchReturnCode {
    type Err = FailureError;

    /// Parses a code such as `"R01"` (surrounding spaces and letter case ignored).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        AchReturnCode::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| FailureError::UnknownReturnCode {
                code: crate::money::excerpt(s),
            })
    }
}

impl TryFrom<String> for AchReturnCode {
    type Error = FailureError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<AchReturnCode> for String {
    fn from(code: AchReturnCode) -> String {
        code.code().to_owned()
    }
}
