//! The portal's throttles and the work that hides what matched: counters
//! per client address, per username that matches no login, per account
//! number tried and per login's second factor (kept as [`SecurityRow`]s under keyed digests, so the store
//! never holds a typed username or address in the clear), the dummy
//! credential an unknown username is checked against (same Argon2id
//! parameters and pepper as real ones, so both cost the same), and the
//! counted re-authentication of sensitive changes, whose Argon2id check is
//! made before the change's write transaction ([`Prechecked`]), so it holds
//! no lock.

use chrono::{DateTime, Utc};

use super::client::ClientContext;
use super::sessions::Session;
use super::{Portal, PortalError};
use crate::store::{AuditKind, LoginRow, SecurityKind, SecurityRow, Tx};
use ratepayer::credential::{self, StoredCredential, Verification};
use ratepayer::login::{Decision, FailureCounter, ThrottlePolicy};
use ratepayer::password::NormalizedPassword;
use ratepayer::security::{hex, keyed_digest};

/// What a throttle counter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    /// Failed sign-ins and re-authentications from one client address.
    SignInAddress,
    /// Failed sign-ins with a username that matches no login.
    UnknownUsername,
    /// Failed registrations and links from one client address.
    ProofAddress,
    /// Failed registrations and links naming one account number.
    ProofAccount,
    /// Wrong second factors (authenticator or recovery codes, security
    /// answers) of one login. Only someone past the password (or acting
    /// for a signed-in login) can add to it, so it may lock; only a right
    /// second factor or a password reset clears it, not a right password.
    SecondFactor,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Scope::SignInAddress => "sign_in_address",
            Scope::UnknownUsername => "unknown_username",
            Scope::ProofAddress => "proof_address",
            Scope::ProofAccount => "proof_account",
            Scope::SecondFactor => "second_factor",
        }
    }
}

/// The refusal of a throttled call.
pub(super) fn refusal(decision: Decision, now: DateTime<Utc>) -> Option<PortalError> {
    let seconds = |until: DateTime<Utc>| {
        u32::try_from((until - now).num_seconds().max(1)).unwrap_or(u32::MAX)
    };
    match decision {
        Decision::Allowed => None,
        Decision::Delayed { until } => Some(PortalError::Throttled {
            retry_after_seconds: seconds(until),
        }),
        Decision::Locked { until } => Some(PortalError::Locked {
            retry_after_seconds: seconds(until),
        }),
    }
}

impl Portal {
    /// The throttle policy of the profile.
    pub(super) fn throttle_policy(&self) -> &ThrottlePolicy {
        &self.profile.spec().login.throttle
    }

    /// The policy a scope's counter follows: sign-in addresses get more
    /// free failures and never lock; proof counters never lock (a lock on
    /// an account number would keep its owner from registering).
    pub(super) fn scope_policy(&self, scope: Scope) -> ThrottlePolicy {
        let base = self.throttle_policy();
        match scope {
            Scope::SignInAddress | Scope::ProofAddress => base.for_address(),
            Scope::UnknownUsername | Scope::SecondFactor => base.clone(),
            Scope::ProofAccount => ThrottlePolicy {
                lock_after_failures: u32::MAX,
                ..base.clone()
            },
        }
    }

    /// The store key of a scope's counter: a keyed digest of the scope and
    /// its value.
    fn scope_key(&self, scope: Scope, value: &str) -> String {
        let mut message = Vec::with_capacity(value.len() + 24);
        message.extend_from_slice(scope.name().as_bytes());
        message.push(0);
        message.extend_from_slice(value.as_bytes());
        hex(&keyed_digest(self.key(), &message))
    }

    /// The counter of `scope` for `value`.
    pub(super) fn counter(
        &self,
        tx: &mut dyn Tx,
        scope: Scope,
        value: &str,
    ) -> Result<FailureCounter, PortalError> {
        let key = self.scope_key(scope, value);
        let row = tx.security_record(self.utility(), SecurityKind::Throttle, &key)?;
        Ok(match row {
            Some(r) => serde_json::from_value(r.data).unwrap_or_default(),
            None => FailureCounter::default(),
        })
    }

    /// Stores the counter of `scope` for `value` (removing it when empty).
    pub(super) fn save_counter(
        &self,
        tx: &mut dyn Tx,
        scope: Scope,
        value: &str,
        counter: &FailureCounter,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let key = self.scope_key(scope, value);
        if *counter == FailureCounter::default() {
            tx.delete_security_record(self.utility(), SecurityKind::Throttle, &key)?;
            return Ok(());
        }
        let data = serde_json::to_value(counter).map_err(|e| {
            PortalError::Config(format!("a throttle counter could not be written: {e}"))
        })?;
        tx.put_security_record(&SecurityRow {
            utility: self.utility().to_owned(),
            kind: SecurityKind::Throttle,
            key,
            login: None,
            updated_at: now,
            data,
        })?;
        Ok(())
    }

    /// The decision of `scope`'s counter for `value` at `now`.
    pub(super) fn scope_check(
        &self,
        tx: &mut dyn Tx,
        scope: Scope,
        value: &str,
        now: DateTime<Utc>,
    ) -> Result<Decision, PortalError> {
        Ok(self
            .counter(tx, scope, value)?
            .check(&self.scope_policy(scope), now))
    }

    /// Counts a failure on `scope`'s counter for `value`.
    pub(super) fn scope_failure(
        &self,
        tx: &mut dyn Tx,
        scope: Scope,
        value: &str,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let mut counter = self.counter(tx, scope, value)?;
        counter.record_failure(&self.scope_policy(scope), now);
        self.save_counter(tx, scope, value, &counter, now)
    }

    /// The credential an unknown username's password is checked against:
    /// a random password hashed once, on first use, with the portal's
    /// parameters and pepper, so the check costs what a real one does.
    pub(super) fn dummy_credential(&self) -> Result<StoredCredential, PortalError> {
        if let Some(c) = self.dummy.get() {
            return Ok(c.clone());
        }
        let mut secret = [0u8; 24];
        self.with_rng(|r| r.fill(&mut secret))?;
        let password = NormalizedPassword::new(&hex(&secret)).map_err(|f| {
            PortalError::Config(format!(
                "the dummy credential could not be made: {}",
                f.message
            ))
        })?;
        let stored = self.hash_password(&password)?;
        Ok(self.dummy.get_or_init(|| stored).clone())
    }

    /// The Argon2id work of a re-authentication, done before the write
    /// transaction of the change it guards: reads the session's login in a
    /// read transaction (without the write lock) and checks `password`
    /// against its credential outside any transaction. `None` when there is
    /// nothing to check (no password given, the session is not active, the
    /// login has an authenticator app and `skip_with_mfa` says the change
    /// then asks for a step-up instead, or the check itself failed): the
    /// write transaction then decides as it would have without it.
    pub(super) fn precheck_password(
        &self,
        session: &Session,
        password: Option<&str>,
        skip_with_mfa: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<Prechecked>, PortalError> {
        let Some(password) = password else {
            return Ok(None);
        };
        let credential = {
            let mut tx = self.store.begin_read()?;
            let Ok(login) = self.require_session_any_state(tx.as_mut(), session, now) else {
                return Ok(None);
            };
            if skip_with_mfa && self.mfa_enrolled(tx.as_mut(), &login.id)? {
                return Ok(None);
            }
            login.credential
        };
        let matched = match credential::verify(
            &credential,
            password,
            &self.secrets.hash_params,
            self.secrets.pepper.as_ref(),
        ) {
            Ok(Verification::Match { .. }) => true,
            Ok(Verification::Mismatch)
            | Err(ratepayer::credential::CredentialError::CandidateTooLong { .. }) => false,
            // Checked again in the transaction, which reports the error.
            Err(_) => return Ok(None),
        };
        Ok(Some(Prechecked {
            against: credential,
            matched,
        }))
    }

    /// Checks `password` against `login`'s credential (re-authentication
    /// before a sensitive change), counting a failure like a failed
    /// sign-in: on the login and on the client's address, audited, and
    /// refused without a check while either is throttled. Returns the
    /// refusal, if any, after writing the counts and the audit event on
    /// `tx`: the caller then commits `tx` and returns the refusal.
    ///
    /// With `pre` (the check made before the transaction by
    /// [`Portal::precheck_password`]) made against the credential stored
    /// now, its answer is used and no Argon2id work is done under the write
    /// lock; the throttles are still checked here first, on what the
    /// transaction reads, so concurrent attempts get no more tries than
    /// the same attempts one after the other. Without it, or when the
    /// credential changed since, the check is made here.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn reauthenticate_counted(
        &self,
        t: &mut dyn Tx,
        login: &mut LoginRow,
        password: &str,
        pre: Option<&Prechecked>,
        client: &ClientContext,
        what: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<PortalError>, PortalError> {
        let policy = self.throttle_policy().clone();
        let bucket = client.bucket();
        let decision = login.throttle.check(&policy, now).and(self.scope_check(
            t,
            Scope::SignInAddress,
            &bucket,
            now,
        )?);
        let failure = if let Some(err) = refusal(decision, now) {
            Some((
                err,
                format!("{what}: re-authentication refused before the check"),
            ))
        } else {
            let verdict = match pre.filter(|p| p.against == login.credential) {
                Some(p) if p.matched => Ok(Verification::Match {
                    needs_rehash: false,
                }),
                Some(_) => Ok(Verification::Mismatch),
                None => credential::verify(
                    &login.credential,
                    password,
                    &self.secrets.hash_params,
                    self.secrets.pepper.as_ref(),
                ),
            };
            match verdict {
                Ok(Verification::Match { .. }) => None,
                Ok(Verification::Mismatch)
                | Err(ratepayer::credential::CredentialError::CandidateTooLong { .. }) => {
                    login.throttle.record_failure(&policy, now);
                    self.scope_failure(t, Scope::SignInAddress, &bucket, now)?;
                    t.update_login(login)?;
                    Some((
                        PortalError::WrongCredentials,
                        format!(
                            "{what}: wrong password at re-authentication ({} in a row)",
                            login.throttle.failures()
                        ),
                    ))
                }
                Err(e) => return Err(e.into()),
            }
        };
        let Some((err, detail)) = failure else {
            return Ok(None);
        };
        t.append_audit(&self.event(
            AuditKind::ReauthenticationFailed,
            now,
            Some(&login.id),
            None,
            format!("{detail}{}", client.audit_suffix()),
        ))?;
        Ok(Some(err))
    }
}

/// A re-authentication's password checked before the write transaction
/// ([`Portal::precheck_password`]): the credential it was checked against
/// and whether it matched. Used only while that credential is still the
/// login's.
pub(super) struct Prechecked {
    against: StoredCredential,
    matched: bool,
}
