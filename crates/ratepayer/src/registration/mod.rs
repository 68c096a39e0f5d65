//! Registration: the proof a utility asks for (its recipe: Shelby's account
//! and customer numbers, Medford's customer-account number and ZIP, Crow
//! Wing's account number, name and email plus a tax ID for businesses, Cal
//! Water's ZIP match), the rules on email, username, terms and channel, the
//! deadline before a due date, and rejections with a public and an internal
//! view ([`rejection`]).
//!
//! The deadline (Medford: 24 hours before the due date) gates the current
//! bill, not the registration: a login registered later than the deadline is
//! created, but AutoPay and paperless billing chosen now start with the next
//! bill, and the current bill must be paid by other means.

pub mod normalize;
pub mod rejection;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::payment::{
    normalize as account_number, validate_email, AccountNumber, AccountNumberFormat,
};
pub use rejection::{InternalReason, PublicResponse, Rejection, NOT_VERIFIED};

/// A proof of ownership the utility asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Proof {
    /// The account number from the bill.
    AccountNumber,
    /// The customer number from the bill (Shelby).
    CustomerNumber,
    /// The ZIP code of the service address (Medford, Cal Water).
    Zip,
    /// The last name, or the business name for a business (Crow Wing).
    LastNameOrBusiness,
    /// The email on the account (Crow Wing).
    AccountEmail,
    /// A tax ID, for commercial customers only (Crow Wing).
    TaxIdIfCommercial,
}

/// What a username may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum UsernameRule {
    /// The login is the email address (Medford).
    #[default]
    Email,
    /// Any name of 6 to 64 letters, digits, `.`, `_`, `-`, `@`; need not be an email (Shelby).
    Free,
}

/// Where a registration comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationChannel {
    /// The web portal.
    Web,
    /// The mobile app.
    App,
    /// A phone call: refused for security (seed 001).
    Phone,
}

/// A utility's registration rules (its profile's `[registration]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationPolicy {
    /// The proofs asked for, beside the account number (always asked).
    pub proofs: Vec<Proof>,
    /// What a username may be.
    #[serde(default)]
    pub username: UsernameRule,
    /// The version of the terms a customer must accept.
    pub terms_version: String,
    /// Hours before a bill's due date after which a new registration no
    /// longer covers that bill (Medford: 24).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_hours_before_due: Option<u32>,
    /// One utility account per login unless staff link them (Cal Water).
    #[serde(default)]
    pub one_account_per_login: bool,
}

/// The utility's record of an account, to match the proofs against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRecord {
    /// The account number.
    pub account_number: AccountNumber,
    /// The customer number, where the utility has one.
    #[serde(default)]
    pub customer_number: Option<String>,
    /// The service address's ZIP code.
    #[serde(default)]
    pub zip: Option<String>,
    /// The account holder's last name (people) or the business name.
    #[serde(default)]
    pub name: Option<String>,
    /// The email on file.
    #[serde(default)]
    pub email: Option<String>,
    /// A commercial customer.
    #[serde(default)]
    pub commercial: bool,
    /// The tax ID on file (commercial customers).
    #[serde(default)]
    pub tax_id: Option<String>,
    /// The login it is registered to, if any.
    #[serde(default)]
    pub login: Option<String>,
}

/// How registration looks accounts and usernames up (the storage port implements it).
pub trait Directory {
    /// The account with this number.
    fn account(&self, number: &AccountNumber) -> Option<AccountRecord>;
    /// True when a login already has this username (compared lower-cased).
    fn username_taken(&self, username_lower: &str) -> bool;
}

/// What the customer typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationForm {
    /// Account number (for Medford the hyphenated customer-account number).
    pub account_number: String,
    /// Customer number, where asked.
    #[serde(default)]
    pub customer_number: Option<String>,
    /// ZIP code, where asked.
    #[serde(default)]
    pub zip: Option<String>,
    /// Last name or business name, where asked.
    #[serde(default)]
    pub name: Option<String>,
    /// Tax ID, for commercial customers where asked.
    #[serde(default)]
    pub tax_id: Option<String>,
    /// Email: required; the main contact channel.
    pub email: String,
    /// Username (ignored when the username is the email).
    #[serde(default)]
    pub username: Option<String>,
    /// The terms version the customer accepted.
    #[serde(default)]
    pub accepted_terms_version: Option<String>,
}

/// The record of accepted terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermsAcceptance {
    /// The version accepted.
    pub version: String,
    /// When.
    pub accepted_at: DateTime<Utc>,
}

/// Whether a registration covers the bill open now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum CurrentBill {
    /// AutoPay and paperless chosen now can apply to it.
    Covered,
    /// Registered after the deadline: preferences start with the next bill.
    NotCovered {
        /// The deadline that was missed.
        deadline: DateTime<Utc>,
    },
}

/// An accepted registration, ready to create the login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Registration {
    /// The account proven.
    pub account: AccountNumber,
    /// The username, lower-cased for uniqueness.
    pub username: String,
    /// The email (domain lower-cased).
    pub email: String,
    /// The terms accepted, with the time.
    pub terms: TermsAcceptance,
    /// Whether the bill open now is covered.
    pub current_bill: CurrentBill,
}

fn invalid(field: &'static str, problem: impl Into<String>) -> Rejection {
    Rejection::new(InternalReason::InvalidField {
        field,
        problem: problem.into(),
    })
}

fn required<'a>(field: &'static str, v: &'a Option<String>) -> Result<&'a str, Rejection> {
    v.as_deref()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| invalid(field, "is required"))
}

/// Does the typed value match the record's, after `norm`? A missing record
/// value never matches.
fn same(
    norm: fn(&str) -> Result<String, normalize::FieldError>,
    typed: &str,
    on_file: Option<&str>,
) -> bool {
    match (norm(typed), on_file.map(norm)) {
        (Ok(a), Some(Ok(b))) => crate::security::constant_time_eq(a.as_bytes(), b.as_bytes()),
        _ => false,
    }
}

fn check_username(
    rule: UsernameRule,
    form: &RegistrationForm,
    email: &str,
) -> Result<String, Rejection> {
    match rule {
        UsernameRule::Email => Ok(email.to_lowercase()),
        UsernameRule::Free => {
            let u = required("username", &form.username)?.trim();
            let ok_chars = u
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
            if !(6..=64).contains(&u.chars().count()) || !ok_chars {
                return Err(invalid(
                    "username",
                    "must be 6 to 64 letters, digits, '.', '_', '-' or '@'",
                ));
            }
            Ok(u.to_lowercase())
        }
    }
}

/// Where and when a registration is attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrationContext {
    /// The channel it comes through.
    pub channel: RegistrationChannel,
    /// The due date of the account's open bill, for the deadline.
    pub open_bill_due: Option<NaiveDate>,
    /// The utility's time zone.
    pub time_zone: chrono_tz::Tz,
    /// Now (passed in, never read from a clock).
    pub now: DateTime<Utc>,
}

/// A registration form whose fields are well formed (proofs not compared).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedForm {
    /// The account number, canonical.
    pub account: AccountNumber,
    /// The email, validated.
    pub email: String,
    /// The username, lower-cased.
    pub username: String,
}

/// Checks everything about a registration that does not depend on the
/// account's record: the channel, the account number's format, the email,
/// the username's form, the terms, and the format of every proof asked
/// for. A refusal here says nothing about any account, so the portal
/// reports it (and checks the password against the policy) before it
/// looks anything up.
pub fn check_form(
    form: &RegistrationForm,
    policy: &RegistrationPolicy,
    format: &AccountNumberFormat,
    channel: RegistrationChannel,
) -> Result<CheckedForm, Rejection> {
    if channel == RegistrationChannel::Phone {
        return Err(Rejection::new(InternalReason::ChannelRefused {
            channel: "phone",
        }));
    }
    let account = account_number(&form.account_number, format)
        .map_err(|e| invalid("account_number", e.to_string()))?;
    let email = validate_email(&form.email).map_err(|e| invalid("email", e.form_message()))?;
    let username = check_username(policy.username, form, &email)?;
    if form.accepted_terms_version.as_deref().map(str::trim) != Some(policy.terms_version.as_str())
    {
        return Err(Rejection::new(InternalReason::TermsNotAccepted));
    }
    check_proof_formats(form, policy)?;
    Ok(CheckedForm {
        account,
        email,
        username,
    })
}

/// Checks a registration. Form errors are reported before the proofs are
/// compared, and every failure to prove ownership gets the same public
/// response after the same work.
pub fn register(
    form: &RegistrationForm,
    policy: &RegistrationPolicy,
    format: &AccountNumberFormat,
    directory: &dyn Directory,
    ctx: RegistrationContext,
) -> Result<Registration, Rejection> {
    let RegistrationContext {
        channel,
        open_bill_due,
        time_zone: tz,
        now,
    } = ctx;
    let CheckedForm {
        account,
        email,
        username,
    } = check_form(form, policy, format, channel)?;
    check_proofs(form, &email, &account, policy, directory)?;
    if directory.username_taken(&username) {
        return Err(Rejection::new(InternalReason::UsernameTaken));
    }
    let current_bill = match (policy.deadline_hours_before_due, open_bill_due) {
        (Some(hours), Some(due)) => {
            let start = crate::autopay::enrolment::local_start_of_day(due, tz)
                .map_err(|e| invalid("account_number", e.to_string()))?
                .with_timezone(&Utc);
            let deadline = start - chrono::Duration::hours(i64::from(hours));
            if now < deadline {
                CurrentBill::Covered
            } else {
                CurrentBill::NotCovered { deadline }
            }
        }
        _ => CurrentBill::Covered,
    };
    Ok(Registration {
        account,
        username,
        email,
        terms: TermsAcceptance {
            version: policy.terms_version.clone(),
            accepted_at: now,
        },
        current_bill,
    })
}

/// The format of every proof `policy` asks for, before anything is looked up.
fn check_proof_formats(
    form: &RegistrationForm,
    policy: &RegistrationPolicy,
) -> Result<(), Rejection> {
    for proof in &policy.proofs {
        match proof {
            Proof::AccountNumber | Proof::AccountEmail | Proof::TaxIdIfCommercial => {}
            Proof::CustomerNumber => {
                normalize::number(required("customer_number", &form.customer_number)?)
                    .map_err(|e| invalid("customer_number", e.to_string()))?;
            }
            Proof::Zip => {
                normalize::zip(required("zip", &form.zip)?)
                    .map_err(|e| invalid("zip", e.to_string()))?;
            }
            Proof::LastNameOrBusiness => {
                normalize::name(required("name", &form.name)?)
                    .map_err(|e| invalid("name", e.to_string()))?;
            }
        }
    }
    Ok(())
}

/// The record compared with when no account has the number typed, so that
/// a missing account costs the same comparisons as a present one.
fn stand_in(account: &AccountNumber) -> AccountRecord {
    AccountRecord {
        account_number: account.clone(),
        customer_number: Some("0000000000".into()),
        zip: Some("00000".into()),
        name: Some("nobody".into()),
        email: Some("nobody@invalid.invalid".into()),
        commercial: false,
        tax_id: Some("000000000".into()),
        login: None,
    }
}

/// Checks the proofs of ownership `policy` asks for against the account's
/// record: their format first, then the lookup, then every comparison (in
/// constant time, none skipped: a missing account is compared with a
/// stand-in record, and the first failure is chosen only once all are
/// done), then that nobody holds the account yet. `email` is the typed
/// email, validated (compared with the account's for
/// [`Proof::AccountEmail`]). Returns the account's record.
fn check_proofs(
    form: &RegistrationForm,
    email: &str,
    account: &AccountNumber,
    policy: &RegistrationPolicy,
    directory: &dyn Directory,
) -> Result<AccountRecord, Rejection> {
    check_proof_formats(form, policy)?;
    let found = directory.account(account);
    let record = found.clone().unwrap_or_else(|| stand_in(account));
    let mut first: Option<InternalReason> = None;
    let mut fail = |reason: InternalReason| {
        if first.is_none() {
            first = Some(reason);
        }
    };
    if found.is_none() {
        fail(InternalReason::NoMatch);
    }
    for proof in &policy.proofs {
        match proof {
            Proof::AccountNumber => {}
            Proof::CustomerNumber => {
                if !same(
                    normalize::number,
                    form.customer_number.as_deref().unwrap_or(""),
                    record.customer_number.as_deref(),
                ) {
                    fail(InternalReason::ProofMismatch {
                        field: "customer_number",
                    });
                }
            }
            Proof::Zip => {
                if !same(
                    normalize::zip,
                    form.zip.as_deref().unwrap_or(""),
                    record.zip.as_deref(),
                ) {
                    fail(InternalReason::ZipMismatch);
                }
            }
            Proof::LastNameOrBusiness => {
                if !same(
                    normalize::name,
                    form.name.as_deref().unwrap_or(""),
                    record.name.as_deref(),
                ) {
                    fail(InternalReason::ProofMismatch { field: "name" });
                }
            }
            Proof::AccountEmail => {
                let on_file = record
                    .email
                    .as_deref()
                    .and_then(|e| validate_email(e).ok())
                    .map(|e| e.to_lowercase())
                    .unwrap_or_default();
                let typed = email.to_lowercase();
                let equal = crate::security::constant_time_eq(on_file.as_bytes(), typed.as_bytes());
                if !equal || on_file.is_empty() {
                    fail(InternalReason::ProofMismatch { field: "email" });
                }
            }
            Proof::TaxIdIfCommercial => {
                // Compared whether or not the account is commercial (the
                // same work); the result counts only for commercial ones.
                let typed = form.tax_id.as_deref().unwrap_or("");
                let equal = same(normalize::tax_id, typed, record.tax_id.as_deref());
                if record.commercial && !equal {
                    fail(InternalReason::ProofMismatch { field: "tax_id" });
                }
            }
        }
    }
    if record.login.is_some() {
        fail(if policy.one_account_per_login {
            InternalReason::AccountOnAnotherLogin
        } else {
            InternalReason::AlreadyRegistered
        });
    }
    match first {
        Some(reason) => Err(Rejection::new(reason)),
        None => Ok(record),
    }
}

/// Proves that whoever typed `form` holds the account it names, with the
/// same recipe and the same rejections as [`register`], for linking a
/// further account to a login: the account number and the policy's proofs
/// only (`form.email` is the email typed, compared with the account's where
/// the recipe asks for it; username and terms are not looked at). An
/// account already held by a login is refused like any failed proof.
pub fn prove(
    form: &RegistrationForm,
    policy: &RegistrationPolicy,
    format: &AccountNumberFormat,
    directory: &dyn Directory,
) -> Result<AccountRecord, Rejection> {
    let account = account_number(&form.account_number, format)
        .map_err(|e| invalid("account_number", e.to_string()))?;
    let email = if policy.proofs.contains(&Proof::AccountEmail) {
        validate_email(&form.email).map_err(|e| invalid("email", e.form_message()))?
    } else {
        String::new()
    };
    check_proofs(form, &email, &account, policy, directory)
}

#[cfg(test)]
mod tests;
