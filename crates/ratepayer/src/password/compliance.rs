//! Where a password policy departs from NIST SP 800-63B-4 (§3.1.1.2,
//! password verifiers) and OWASP ASVS 5.0 (V6.2, password security): one
//! finding per point broken, with the references and an explanation.

use serde::Serialize;

use super::policy::PasswordPolicy;

/// The NIST single-factor minimum.
const NIST_MIN_SINGLE_FACTOR: u32 = 15;
/// The NIST minimum with MFA, and the ASVS minimum.
const NIST_MIN_WITH_MFA: u32 = 8;
/// The longest password NIST and ASVS ask verifiers to permit, at least.
const MIN_MAX_LENGTH: u32 = 64;

/// One point of the guidance that the policy breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplianceFinding {
    /// A stable machine code: `composition_rules`, `min_length_single_factor`,
    /// `min_length_with_mfa`, `max_length_below_64`, `no_blocklist`,
    /// `periodic_expiry` or `no_context_words`.
    pub code: &'static str,
    /// The guidance broken, most authoritative first.
    pub references: Vec<&'static str>,
    /// What the policy does, what the guidance says and why it matters.
    pub explanation: String,
}

fn finding(
    code: &'static str,
    references: &[&'static str],
    explanation: String,
) -> ComplianceFinding {
    ComplianceFinding {
        code,
        references: references.to_vec(),
        explanation,
    }
}

impl PasswordPolicy {
    /// The points of NIST SP 800-63B-4 and OWASP ASVS 5.0 this policy breaks;
    /// empty for the NIST preset. `min_length` is read as the single-factor
    /// minimum.
    pub fn compliance_report(&self) -> Vec<ComplianceFinding> {
        let mut out = Vec::new();
        if self.composition.any() {
            out.push(finding(
                "composition_rules",
                &[
                    "NIST SP 800-63B-4 §3.1.1.2: verifiers SHALL NOT impose other composition rules (e.g. requiring mixtures of different character types)",
                    "OWASP ASVS 5.0 V6.2.5: passwords of any composition can be used, with no required minimum of upper- or lower-case characters, numbers or special characters",
                ],
                format!(
                    "The policy requires {}. Composition rules push people towards predictable patterns (`Password1!`) that attackers try first, without making passwords stronger; require length instead.",
                    required_classes(self)
                ),
            ));
        }
        if self.min_length < NIST_MIN_SINGLE_FACTOR {
            let mut refs = vec!["NIST SP 800-63B-4 §3.1.1.2: verifiers SHALL require passwords used as a single-factor authentication mechanism to be at least 15 characters"];
            if self.min_length < NIST_MIN_WITH_MFA {
                refs.push("OWASP ASVS 5.0 V6.2.1: user-set passwords are at least 8 characters, and 15 is strongly recommended");
            }
            out.push(ComplianceFinding {
                code: "min_length_single_factor",
                references: refs,
                explanation: format!(
                    "The policy accepts passwords of {} characters for accounts where the password is the only factor; NIST requires at least {NIST_MIN_SINGLE_FACTOR} (8 only when multi-factor authentication is on). Length is what makes a password hard to guess.",
                    self.min_length
                ),
            });
        }
        if self.min_length_with_mfa < NIST_MIN_WITH_MFA {
            out.push(finding(
                "min_length_with_mfa",
                &["NIST SP 800-63B-4 §3.1.1.2: passwords used only as part of multi-factor authentication SHALL be at least 8 characters"],
                format!(
                    "With multi-factor authentication on, the policy accepts passwords of {} characters; the floor is {NIST_MIN_WITH_MFA}.",
                    self.min_length_with_mfa
                ),
            ));
        }
        if self.max_length < MIN_MAX_LENGTH {
            out.push(finding(
                "max_length_below_64",
                &[
                    "NIST SP 800-63B-4 §3.1.1.2: verifiers SHOULD permit a maximum password length of at least 64 characters",
                    "OWASP ASVS 5.0 V6.2.9: passwords of at least 64 characters are permitted",
                ],
                format!(
                    "The policy refuses passwords over {} characters, which rules out passphrases and the long random passwords of password managers.",
                    self.max_length
                ),
            ));
        }
        if !self.blocklist {
            out.push(finding(
                "no_blocklist",
                &[
                    "NIST SP 800-63B-4 §3.1.1.2: verifiers SHALL compare a prospective password against a blocklist of commonly used, expected or compromised values",
                    "OWASP ASVS 5.0 V6.2.4: new passwords are checked against at least the top 3,000 passwords that match the policy",
                    "OWASP ASVS 5.0 V6.2.12: new passwords are checked against a set of breached passwords",
                ],
                "The policy does not compare new passwords with a list of common and breached passwords, so `123456789012345` or `Password1!` can be chosen; those are the first guesses of any attack.".into(),
            ));
        }
        if let Some(days) = self.expiry_days {
            out.push(finding(
                "periodic_expiry",
                &[
                    "NIST SP 800-63B-4 §3.1.1.2: verifiers SHALL NOT require passwords to be changed periodically (but SHALL force a change on evidence of compromise)",
                    "OWASP ASVS 5.0 V6.2.10: a password stays valid until it is discovered to be compromised or the user rotates it; no periodic rotation",
                ],
                format!(
                    "The policy forces a change every {days} days. Forced rotation leads to small, predictable changes (`Summer2025!` → `Autumn2025!`); force a change only when a password is known to be compromised."
                ),
            ));
        }
        if !self.context_words {
            out.push(finding(
                "no_context_words",
                &["OWASP ASVS 5.0 V6.2.11: a documented list of context-specific words is used to prevent easy-to-guess passwords"],
                "The policy accepts passwords built from the customer's username, email, account number, street or the utility's name, which anyone who knows the customer would try.".into(),
            ));
        }
        out
    }
}

/// "an upper-case letter, a digit and a special character".
fn required_classes(policy: &PasswordPolicy) -> String {
    let c = &policy.composition;
    let classes: Vec<&str> = [
        (c.uppercase, "an upper-case letter"),
        (c.lowercase, "a lower-case letter"),
        (c.digit, "a digit"),
        (c.special, "a special character"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect();
    match classes.as_slice() {
        [] => "no character class".into(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
