//! Where a password policy stands against NIST SP 800-63B-4 (§3.1.1.2,
//! password verifiers) and OWASP ASVS 5.0 (V6.2, password security):
//! [`PasswordPolicy::compliance_checks`] names every point checked, with
//! whether the policy meets it; [`PasswordPolicy::compliance_report`] keeps
//! the points broken, one finding each, with the references and an
//! explanation.

use serde::Serialize;

use super::policy::PasswordPolicy;

/// The NIST single-factor minimum.
const NIST_MIN_SINGLE_FACTOR: u32 = 15;
/// The NIST minimum with MFA, and the ASVS minimum.
const NIST_MIN_WITH_MFA: u32 = 8;
/// The longest password NIST and ASVS ask verifiers to permit, at least.
const MIN_MAX_LENGTH: u32 = 64;

/// One point of the guidance, checked against a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplianceCheck {
    /// The code of the finding when it is broken (see [`ComplianceFinding::code`]).
    pub code: &'static str,
    /// The guidance, most authoritative first.
    pub references: Vec<&'static str>,
    /// Whether the policy meets it.
    pub met: bool,
    /// How the library meets it, or why the policy does not.
    pub how: String,
}

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
    /// Every point of NIST SP 800-63B-4 §3.1.1.2 and OWASP ASVS 5.0 V6.2
    /// that a password policy decides, with whether this policy meets it:
    /// the points [`PasswordPolicy::compliance_report`] can raise, then
    /// those every policy meets by construction (normalisation, no
    /// truncation, every character accepted, how length is counted, the
    /// breached-password port). All are met by the NIST preset.
    pub fn compliance_checks(&self) -> Vec<ComplianceCheck> {
        let broken = self.compliance_report();
        let mut out: Vec<ComplianceCheck> = ALL_POINTS
            .iter()
            .map(|(code, references, how)| {
                let finding = broken.iter().find(|f| f.code == *code);
                ComplianceCheck {
                    code,
                    references: finding
                        .map_or_else(|| references.to_vec(), |f| f.references.clone()),
                    met: finding.is_none(),
                    how: finding.map_or_else(|| (*how).to_owned(), |f| f.explanation.clone()),
                }
            })
            .collect();
        out.extend(
            BUILT_IN
                .iter()
                .map(|(code, references, how)| ComplianceCheck {
                    code,
                    references: references.to_vec(),
                    met: true,
                    how: (*how).to_owned(),
                }),
        );
        out
    }

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
        if self.normalization != super::NormalizationForm::Nfkc {
            out.push(finding(
                "normalization_not_nfkc",
                &["NIST SP 800-63B-4 §3.1.1.2: verifiers SHOULD apply the Normalization Process for Stabilized Strings using either the NFKC or NFKD normalization"],
                format!(
                    "The policy normalises new passwords to {}, so compatibility forms (full-width `Ｐａｓｓｗｏｒｄ１`) are not folded before the blocklist and the hash; use NFKC.",
                    self.normalization
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

/// The points a policy's settings decide: code, references when met, how.
const ALL_POINTS: &[(&str, &[&str], &str)] = &[
    ("composition_rules", &["NIST SP 800-63B-4 §3.1.1.2: verifiers SHALL NOT impose other composition rules", "OWASP ASVS 5.0 V6.2.5: passwords of any composition can be used"], "No character class is required."),
    ("min_length_single_factor", &["NIST SP 800-63B-4 §3.1.1.2: at least 15 characters when the password is the only factor", "OWASP ASVS 5.0 V6.2.1: at least 8 characters, 15 strongly recommended"], "At least 15 characters when the password is the only factor, counted as a person sees them (grapheme clusters)."),
    ("min_length_with_mfa", &["NIST SP 800-63B-4 §3.1.1.2: at least 8 characters when the password is used only with another factor"], "At least 8 characters for a login with a second factor: the portal applies this minimum on password changes and resets only once the login has a confirmed authenticator app (TOTP), the single-factor minimum otherwise, and refuses to remove the authenticator while the password is shorter than that."),
    ("max_length_below_64", &["NIST SP 800-63B-4 §3.1.1.2: verifiers SHOULD permit at least 64 characters", "OWASP ASVS 5.0 V6.2.9: passwords of at least 64 characters are permitted"], "Passwords of 64 characters and more are accepted."),
    ("no_blocklist", &["NIST SP 800-63B-4 §3.1.1.2: verifiers SHALL compare prospective passwords against a blocklist of commonly used, expected or compromised values", "OWASP ASVS 5.0 V6.2.4: new passwords are checked against at least the top 3,000 passwords"], "The 10,000 most common passwords, common passphrases, two common words joined, repeated units, sequences and keyboard walks are refused."),
    ("periodic_expiry", &["NIST SP 800-63B-4 §3.1.1.2: verifiers SHALL NOT require passwords to be changed periodically", "OWASP ASVS 5.0 V6.2.10: no periodic rotation"], "Passwords never expire by age."),
    ("normalization_not_nfkc", &["NIST SP 800-63B-4 §3.1.1.2: verifiers SHOULD apply NFKC or NFKD normalization"], "New passwords are normalised to NFKC, invisible characters removed."),
    ("no_context_words", &["NIST SP 800-63B-4 §3.1.1.2: the blocklist includes context-specific words such as the name of the service and the username", "OWASP ASVS 5.0 V6.2.11: a documented list of context-specific words is used to prevent easy-to-guess passwords"], "Passwords containing the username, email, account number, street or the utility's name are refused."),
];

/// The points every policy meets by construction.
const BUILT_IN: &[(&str, &[&str], &str)] = &[
    ("no_truncation", &["NIST SP 800-63B-4 §3.1.1.2: verifiers SHALL verify the entire submitted password (not truncate it)", "OWASP ASVS 5.0 V6.2.8: the password is verified exactly as received, without truncation or case transformation"], "An over-long password is refused, never cut; the whole normalised password is hashed; case is kept."),
    ("all_characters_accepted", &["NIST SP 800-63B-4 §3.1.1.2: verifiers SHOULD accept all printing ASCII characters, the space and Unicode characters"], "Every character but control characters is accepted (control characters are refused with a message, not dropped)."),
    ("length_counting", &["NIST SP 800-63B-4 §3.1.1.2: each Unicode code point is counted as a single character"], "The maximum counts code points. The minimum counts grapheme clusters, which are never more than code points, so it is never laxer than NIST's count: a letter padded with combining marks does not reach it."),
    ("breached_passwords", &["OWASP ASVS 5.0 V6.2.12: new passwords are checked against a set of breached passwords", "NIST SP 800-63B-4 §3.1.1.2: the blocklist includes passwords from previous breach corpuses"], "PasswordPolicy::check_with_breaches asks the application's BreachedPasswords port (k-anonymity: a 5-hex SHA-1 prefix leaves); met when the application passes one (the portal does with Portal::with_breached_passwords)."),
];
