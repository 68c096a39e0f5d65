//! Signing in: throttling per login and per account, the password check
//! (with a rehash when the parameters changed; a pending temporary password
//! is tried when it fails, see `temporary`), then the second step: the
//! authenticator code of a login with MFA (`pending`), the one-time-code
//! challenge (or, in the legacy preset, the security question) for an
//! unrecognised device, and "remember this device"; and changing the
//! password (which forgets every remembered device, and is the one call
//! open in the "must change password" state). A sign-in reads in a read
//! transaction, checks the password outside any transaction, and writes
//! its outcome in a write transaction that checks again what it relied on
//! (see [`Portal::login`]).

use chrono::{DateTime, Utc};

use super::client::ClientContext;
use super::guard::{refusal, Scope};
use super::pending::Step;
use super::sessions::Session;
use super::temporary::TemporaryUse;
use super::{Notice, Portal, PortalError};
use crate::store::{
    AccountRow, AuditKind, CodeRow, LoginRow, Role, StorageError, StorageErrorKind, Tx,
};
use ratepayer::credential::{self, StoredCredential, Verification};
use ratepayer::login::{self, challenge, device, ChallengeMethod, DeviceCheck, FailureCounter};
use ratepayer::password::{Mfa, NormalizedPassword, PasswordContext};
use ratepayer::verification::code::CodeError;
use ratepayer::verification::{Contact, Purpose};

/// What a customer types to sign in.
#[derive(Clone, PartialEq, Eq)]
pub struct LoginAttempt<'a> {
    /// The username (or email, where that is the username).
    pub username: &'a str,
    /// The password.
    pub password: &'a str,
    /// The remembered-device token the browser sent, if any.
    pub device_token: Option<&'a str>,
}

impl std::fmt::Debug for LoginAttempt<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginAttempt")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("device_token", &self.device_token.map(|_| "<redacted>"))
            .finish()
    }
}

/// The result of a correct password.
#[derive(Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    /// Signed in.
    SignedIn {
        /// The login's id.
        login_id: String,
        /// The new session's token (256 bits, hex): hand it to the browser
        /// or app, which passes it back to [`Portal::session`] on each call.
        session: String,
        /// A temporary password must be changed before anything else.
        must_change_password: bool,
        /// A new remembered-device token to set as a cookie (after a challenge
        /// passed with "remember this device").
        device_token: Option<String>,
    },
    /// An unrecognised device: a code was sent to the login's email.
    ChallengeRequired {
        /// The login's id.
        login_id: String,
        /// The challenge's id, to pass with the code.
        challenge_id: String,
    },
    /// The login has an authenticator app: pass its code, or a recovery
    /// code, to [`Portal::pass_second_factor`]. Only a right password gets
    /// here, so this answer legitimately differs from a login without one.
    SecondFactorRequired {
        /// The login's id.
        login_id: String,
        /// The waiting sign-in's id, to pass with the code.
        challenge_id: String,
    },
    /// Legacy preset, unrecognised device: answer the login's security
    /// question with [`Portal::answer_security_question`].
    QuestionRequired {
        /// The login's id.
        login_id: String,
        /// The waiting sign-in's id, to pass with the answer.
        challenge_id: String,
        /// The question to show.
        question: String,
    },
}

impl std::fmt::Debug for LoginOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoginOutcome::SignedIn {
                login_id,
                session: _,
                must_change_password,
                device_token,
            } => f
                .debug_struct("SignedIn")
                .field("login_id", login_id)
                .field("session", &"<redacted>")
                .field("must_change_password", must_change_password)
                .field("device_token", &device_token.as_ref().map(|_| "<redacted>"))
                .finish(),
            LoginOutcome::ChallengeRequired {
                login_id,
                challenge_id,
            } => f
                .debug_struct("ChallengeRequired")
                .field("login_id", login_id)
                .field("challenge_id", challenge_id)
                .finish(),
            LoginOutcome::SecondFactorRequired {
                login_id,
                challenge_id,
            } => f
                .debug_struct("SecondFactorRequired")
                .field("login_id", login_id)
                .field("challenge_id", challenge_id)
                .finish(),
            LoginOutcome::QuestionRequired {
                login_id,
                challenge_id,
                question,
            } => f
                .debug_struct("QuestionRequired")
                .field("login_id", login_id)
                .field("challenge_id", challenge_id)
                .field("question", question)
                .finish(),
        }
    }
}

/// How many times a sign-in starts again from its read when what it
/// checked the password against changed before its write (a password
/// change, a new temporary password, a registration of the username).
const SIGN_IN_ROUNDS: usize = 4;

/// How many write transactions a sign-in tries in all when the store
/// answers [`StorageErrorKind::Busy`] (a serialization failure, a lock not
/// had in time): the password check stays valid, the write re-reads all.
const SIGN_IN_WRITES: usize = 8;

/// What a sign-in checks outside any transaction, as its read found it.
struct CheckPlan {
    /// The login's credential; `None` for an unknown username (the dummy
    /// credential is checked, for the same work).
    credential: Option<StoredCredential>,
    /// The password is the login's pending temporary password: make the
    /// credential it becomes if the login's own password does not match.
    temporary: bool,
}

/// The outcome of the password work, carried into the write transaction.
struct Checked {
    /// The credential checked (`None`: the dummy).
    against: Option<StoredCredential>,
    /// Its verdict.
    verdict: Verification,
    /// The new credential when the parameters changed and it matched.
    rehash: Option<StoredCredential>,
    /// The credential a matching temporary password becomes.
    temporary: Option<StoredCredential>,
}

/// Where one pass of a sign-in got to.
enum Pass {
    /// Reading: check the password, then write.
    Check(CheckPlan),
    /// Reading: no check needed (refused before it); write.
    Write,
    /// Writing: what the check relied on changed; start again.
    Retry,
    /// Writing: commit, then answer (and send the notice, if any).
    Finish(Result<LoginOutcome, PortalError>, Option<Notice>),
}

/// The owned account whose counter throttles a login with it.
pub(super) fn throttled_account(
    tx: &mut dyn Tx,
    utility: &str,
    login: &str,
) -> Result<Option<AccountRow>, PortalError> {
    let link = tx
        .links_of_login(login)?
        .into_iter()
        .find(|l| l.role == Role::Owner && l.utility == utility);
    match link {
        Some(l) => Ok(tx.account(utility, &l.account)?),
        None => Ok(None),
    }
}

impl Portal {
    /// Signs a customer in from `client`.
    ///
    /// Nothing in the answer, its time or its bytes tells whether the
    /// username exists: an unknown username's password is checked against a
    /// dummy credential with the same Argon2id parameters, and the failure
    /// is counted on a counter of that username, as a wrong password is on
    /// the login and its account. Every failure also counts on the client's
    /// address. Too many failures delay further tries (the delays grow, and
    /// are forgotten after a day without failure); at the hard cap the
    /// login locks for a while (a password reset unlocks it at once). A
    /// remembered device of the login passes the login's and account's
    /// counters (not the address's): an attacker who knows a username
    /// cannot lock its customer out of a browser they used before. From an
    /// unrecognised device a one-time code is sent to the login's email
    /// before the login completes (in the legacy preset with security
    /// questions, the login's question is asked instead, when it set an
    /// answer). A login with an authenticator app is asked for its code
    /// ([`LoginOutcome::SecondFactorRequired`]) instead of the device
    /// challenge, and also from a remembered device unless the profile's
    /// `remembered_device_skips_mfa` is on.
    ///
    /// A pending temporary password ([`Portal::request_temporary_password`])
    /// is accepted in place of the password, once, even while the login's
    /// or account's counters refuse (never the address's): it is a recovery
    /// path. It lifts those locks, forgets every remembered device, and
    /// signs in with `must_change_password` (after the usual second step).
    ///
    /// It runs in three steps, so that the Argon2id work holds no lock: it
    /// reads the counters, the login and its device in a read transaction;
    /// checks the password (or the dummy credential) outside any
    /// transaction; then writes the outcome (counters, session, code,
    /// audit) in a write transaction that reads and decides everything
    /// again. Concurrent attempts therefore get exactly the tries that the
    /// same attempts one after the other would: one that a concurrent
    /// failure pushed past a limit is refused, its check discarded. When
    /// the credential changed between the read and the write, the sign-in
    /// starts again (a few times, then [`PortalError::Storage`] with
    /// `storage.busy`); when the store answers `storage.busy`, only the
    /// write is run again.
    pub fn login(
        &self,
        attempt: &LoginAttempt<'_>,
        client: &ClientContext,
        now: DateTime<Utc>,
    ) -> Result<LoginOutcome, PortalError> {
        let username = attempt.username.trim().to_lowercase();
        if attempt.password.len() > ratepayer::password::MAX_PASSWORD_BYTES {
            // Refused before the lookup, whatever the username, so the
            // answer says nothing about it.
            return Err(PortalError::Invalid {
                field: "password",
                message: format!(
                    "is over {} bytes; no password can be that long",
                    ratepayer::password::MAX_PASSWORD_BYTES
                ),
            });
        }
        let mut writes = 0;
        for _ in 0..SIGN_IN_ROUNDS {
            // 1. Read what the check needs, without the write lock.
            let plan = {
                let mut tx = self.store.begin_read()?;
                self.sign_in_pass(tx.as_mut(), &username, attempt, client, now, None)?
            };
            // 2. The Argon2id work, outside any transaction.
            let checked = match plan {
                Pass::Check(plan) => Some(self.sign_in_check(&plan, attempt.password)?),
                Pass::Write => None,
                Pass::Retry | Pass::Finish(..) => continue,
            };
            // 3. Re-check and record the outcome in a short write
            //    transaction (run again when the store is busy: the check
            //    above stays valid, the write re-reads everything).
            loop {
                writes += 1;
                let mut tx = self.store.begin()?;
                let pass = self.sign_in_pass(
                    tx.as_mut(),
                    &username,
                    attempt,
                    client,
                    now,
                    Some(checked.as_ref()),
                );
                match pass {
                    Ok(Pass::Finish(answer, notice)) => {
                        tx.commit()?;
                        if let Some(notice) = notice {
                            self.notifier.send(&notice);
                        }
                        return answer;
                    }
                    Ok(_) => break,
                    Err(PortalError::Storage(e))
                        if e.kind == StorageErrorKind::Busy && writes < SIGN_IN_WRITES =>
                    {
                        continue
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Err(PortalError::Storage(StorageError::new(
            StorageErrorKind::Busy,
            "signing in failed: the login changed while its password was checked, again and \
             again; retry the sign-in",
        )))
    }

    /// The password work of a sign-in, outside any transaction: the
    /// Argon2id check of the credential read (the login's, or the dummy
    /// for an unknown username), a new credential when the parameters
    /// changed, and the credential a matching temporary password becomes.
    fn sign_in_check(&self, plan: &CheckPlan, password: &str) -> Result<Checked, PortalError> {
        let credential = match &plan.credential {
            Some(c) => c.clone(),
            None => self.dummy_credential()?,
        };
        let verdict = credential::verify(
            &credential,
            password,
            &self.secrets.hash_params,
            self.secrets.pepper.as_ref(),
        );
        let verdict = match (plan.credential.is_some(), verdict) {
            (true, v) => v?,
            // An unknown username: the work is what matters, not the answer.
            (false, _) => Verification::Mismatch,
        };
        let rehash = match verdict {
            Verification::Match { needs_rehash: true } => {
                let normalized = NormalizedPassword::normalize(
                    password,
                    ratepayer::password::NormalizationForm::default(),
                );
                Some(self.hash_password(&normalized)?)
            }
            _ => None,
        };
        let temporary = if plan.temporary && verdict == Verification::Mismatch {
            Some(self.temporary_credential(password)?)
        } else {
            None
        };
        Ok(Checked {
            against: plan.credential.clone(),
            verdict,
            rehash,
            temporary,
        })
    }

    /// One pass of a sign-in over `tx`. Reading (`checked` `None`, a read
    /// transaction) it goes as far as the password check and says what to
    /// check ([`Pass::Check`]), or that the answer needs no check
    /// ([`Pass::Write`]: a refusal before it). Writing (`checked` the check
    /// made since, or `Some(None)` when none was needed; a write
    /// transaction) it reads everything again and decides on what it
    /// reads: the throttles are checked again (so concurrent attempts never
    /// get more tries than one after the other would: an attempt that
    /// raced past a limit is refused, its check discarded), and the check
    /// is used only if it was made against the credential stored now;
    /// otherwise [`Pass::Retry`] (the sign-in starts again).
    fn sign_in_pass(
        &self,
        tx: &mut dyn Tx,
        username: &str,
        attempt: &LoginAttempt<'_>,
        client: &ClientContext,
        now: DateTime<Utc>,
        checked: Option<Option<&Checked>>,
    ) -> Result<Pass, PortalError> {
        let reading = checked.is_none();
        let utility = self.utility();
        let policy = &self.profile.spec().login;
        let bucket = client.bucket();
        let suffix = client.audit_suffix();
        let address = self.scope_check(tx, Scope::SignInAddress, &bucket, now)?;
        let Some(mut login) = tx.login_by_username(utility, username)? else {
            let decision =
                address.and(self.scope_check(tx, Scope::UnknownUsername, username, now)?);
            let refused = refusal(decision, now);
            if reading {
                return Ok(match refused {
                    Some(_) => Pass::Write,
                    None => Pass::Check(CheckPlan {
                        credential: None,
                        temporary: false,
                    }),
                });
            }
            let detail = if let Some(err) = &refused {
                format!("refused before the password check: {}", err.code())
            } else {
                // The same work as a wrong password (one Argon2id check)
                // was done before this transaction; without it, start again.
                if !matches!(checked, Some(Some(_))) {
                    return Ok(Pass::Retry);
                }
                self.scope_failure(tx, Scope::UnknownUsername, username, now)?;
                self.scope_failure(tx, Scope::SignInAddress, &bucket, now)?;
                "unknown username".to_owned()
            };
            tx.append_audit(&self.event(
                AuditKind::LoginFailed,
                now,
                None,
                None,
                format!("{detail} `{}`{suffix}", ratepayer::money::excerpt(username)),
            ))?;
            return Ok(Pass::Finish(
                Err(refused.unwrap_or(PortalError::WrongCredentials)),
                None,
            ));
        };
        let checked = checked.flatten();
        let mut account = throttled_account(tx, utility, &login.id)?;
        let mut account_counter = account
            .as_ref()
            .map(|a| a.throttle.clone())
            .unwrap_or_default();
        let record = match attempt.device_token {
            Some(token) => device::lookup_key(&login.id, token, self.key()).and_then(|k| {
                tx.devices(&login.id)
                    .ok()?
                    .into_iter()
                    .find(|d| d.lookup_key() == k)
            }),
            None => None,
        };
        let mut remembered = challenge::check_device(
            policy,
            &login.id,
            attempt.device_token,
            record.as_ref(),
            now,
            self.key(),
        ) == DeviceCheck::Recognised;
        let decision = if remembered {
            address
        } else {
            address.and(login::throttle::check_login(
                &policy.throttle,
                &login.throttle,
                &account_counter,
                now,
            ))
        };
        let prehashed = checked.and_then(|c| c.temporary.as_ref());
        if reading {
            // A pending temporary password is the recovery path: it gets
            // past the login's and account's counters (never the
            // address's). Its credential is made outside the transaction.
            let temporary = refusal(address, now).is_none()
                && self.temporary_matches(tx, &login.id, attempt.password, now)?;
            return Ok(if refusal(decision, now).is_some() && !temporary {
                Pass::Write
            } else {
                Pass::Check(CheckPlan {
                    credential: Some(login.credential.clone()),
                    temporary,
                })
            });
        }
        let mut temporary = false;
        if let Some(err) = refusal(decision, now) {
            let used = if refusal(address, now).is_some() {
                TemporaryUse::NotUsed
            } else {
                self.use_temporary_password(tx, &mut login, attempt.password, prehashed, now)?
            };
            match used {
                TemporaryUse::NeedsHash => return Ok(Pass::Retry),
                TemporaryUse::Used => temporary = true,
                TemporaryUse::NotUsed => {
                    tx.append_audit(&self.event(
                        AuditKind::LoginFailed,
                        now,
                        Some(&login.id),
                        None,
                        format!("refused before the password check: {}{suffix}", err.code()),
                    ))?;
                    return Ok(Pass::Finish(Err(err), None));
                }
            }
        }
        let verdict = if temporary {
            Verification::Match {
                needs_rehash: false,
            }
        } else {
            // The check made outside the transaction counts only if it was
            // made against the credential stored now.
            match checked {
                Some(c) if c.against.as_ref() == Some(&login.credential) => c.verdict,
                _ => return Ok(Pass::Retry),
            }
        };
        let verdict = match verdict {
            Verification::Mismatch => {
                match self.use_temporary_password(
                    tx,
                    &mut login,
                    attempt.password,
                    prehashed,
                    now,
                )? {
                    TemporaryUse::NeedsHash => return Ok(Pass::Retry),
                    TemporaryUse::Used => {
                        temporary = true;
                        Verification::Match {
                            needs_rehash: false,
                        }
                    }
                    TemporaryUse::NotUsed => Verification::Mismatch,
                }
            }
            v => v,
        };
        if temporary {
            // Every remembered device was just forgotten.
            remembered = false;
            account_counter.record_recovery();
        }
        let Verification::Match { needs_rehash } = verdict else {
            login::throttle::record_login_failure(
                &policy.throttle,
                &mut login.throttle,
                &mut account_counter,
                now,
            );
            self.scope_failure(tx, Scope::SignInAddress, &bucket, now)?;
            self.save_counters(tx, &login, account.as_mut(), account_counter)?;
            tx.append_audit(&self.event(
                AuditKind::LoginFailed,
                now,
                Some(&login.id),
                None,
                format!(
                    "wrong password ({} in a row){suffix}",
                    login.throttle.failures()
                ),
            ))?;
            return Ok(Pass::Finish(Err(PortalError::WrongCredentials), None));
        };
        login::throttle::record_login_success(&mut login.throttle, &mut account_counter);
        if needs_rehash {
            match checked.and_then(|c| c.rehash.as_ref()) {
                Some(new) => login.credential = new.clone(),
                None => return Ok(Pass::Retry),
            }
        }
        self.save_counters(tx, &login, account.as_mut(), account_counter)?;
        if self.mfa_enrolled(tx, &login.id)? && !(remembered && policy.remembered_device_skips_mfa)
        {
            let challenge_id =
                self.start_pending(tx, &login.id, Step::SecondFactor, remembered, now)?;
            tx.append_audit(&self.event(
                AuditKind::SecondFactorChallenged,
                now,
                Some(&login.id),
                None,
                format!("password right; authenticator code asked for{suffix}"),
            ))?;
            return Ok(Pass::Finish(
                Ok(LoginOutcome::SecondFactorRequired {
                    login_id: login.id,
                    challenge_id,
                }),
                None,
            ));
        }
        let check = if remembered {
            DeviceCheck::Recognised
        } else {
            DeviceCheck::Challenge {
                method: policy.effective_challenge(),
            }
        };
        if let DeviceCheck::Challenge {
            method: ChallengeMethod::SecurityQuestion,
        } = check
        {
            // Legacy preset: the question, when the login set an answer;
            // without one, a one-time code as below.
            if let Some(answer) = self.security_answer(tx, &login.id)? {
                let challenge_id =
                    self.start_pending(tx, &login.id, Step::SecurityQuestion, false, now)?;
                tx.append_audit(&self.event(
                    AuditKind::DeviceChallenged,
                    now,
                    Some(&login.id),
                    None,
                    format!("password right; unrecognised device: security question asked{suffix}"),
                ))?;
                return Ok(Pass::Finish(
                    Ok(LoginOutcome::QuestionRequired {
                        login_id: login.id,
                        challenge_id,
                        question: answer.question().to_owned(),
                    }),
                    None,
                ));
            }
        }
        if check == DeviceCheck::Recognised {
            tx.append_audit(&self.event(
                AuditKind::LoginSucceeded,
                now,
                Some(&login.id),
                None,
                format!("remembered device{suffix}"),
            ))?;
            let session = self.start_session(tx, &login.id, &client.session_label(), now)?;
            return Ok(Pass::Finish(
                Ok(LoginOutcome::SignedIn {
                    session,
                    login_id: login.id,
                    must_change_password: login.must_change_password,
                    device_token: None,
                }),
                None,
            ));
        }
        let contact = Contact::email(&login.email).map_err(|e| PortalError::Invalid {
            field: "email",
            message: e.to_string(),
        })?;
        let (issued, mut record) = self.with_rng(|rng| {
            challenge::start_code_challenge(
                &contact,
                &self.profile.spec().verification.codes,
                rng,
                now,
                self.key(),
            )
        })?;
        if let Err(e) = self.spend_code_budget(tx, &mut record, now) {
            // The password was right: keep the counters it reset.
            tx.append_audit(&self.event(
                AuditKind::DeviceChallenged,
                now,
                Some(&login.id),
                None,
                format!("password right; no code sent: {}{suffix}", e.code()),
            ))?;
            return Ok(Pass::Finish(Err(e), None));
        }
        let challenge_id = self.new_id()?;
        tx.put_code(&CodeRow {
            id: challenge_id.clone(),
            login: login.id.clone(),
            record,
        })?;
        tx.append_audit(&self.event(
            AuditKind::DeviceChallenged,
            now,
            Some(&login.id),
            None,
            format!("password right; unrecognised device: code sent to the login's email{suffix}"),
        ))?;
        let notice = Notice {
            to: contact,
            subject: "Your sign-in code".into(),
            body: format!(
                "Your sign-in code is {}. If you did not try to sign in, change your password.",
                issued.code()
            ),
            dedupe_key: None,
        };
        Ok(Pass::Finish(
            Ok(LoginOutcome::ChallengeRequired {
                login_id: login.id,
                challenge_id,
            }),
            Some(notice),
        ))
    }

    pub(super) fn save_counters(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRow,
        account: Option<&mut AccountRow>,
        counter: FailureCounter,
    ) -> Result<(), PortalError> {
        tx.update_login(login)?;
        if let Some(a) = account {
            a.throttle = counter;
            tx.put_account(a)?;
        }
        Ok(())
    }

    /// Completes a challenged login with the code sent to the email, from
    /// `client` (named in the audit trail and the session list). With
    /// `remember` (a label such as "Firefox on laptop"), the device is
    /// remembered and its token returned. A wrong code counts an attempt.
    pub fn pass_device_challenge(
        &self,
        login_id: &str,
        challenge_id: &str,
        candidate: &str,
        remember: Option<&str>,
        client: &ClientContext,
        now: DateTime<Utc>,
    ) -> Result<LoginOutcome, PortalError> {
        let mut tx = self.store.begin()?;
        let login = self.require_login_any_state(tx.as_mut(), login_id)?;
        let mut row = tx
            .code(challenge_id)?
            .filter(|c| c.login == login_id && c.record.purpose() == Purpose::DeviceChallenge)
            .ok_or_else(|| PortalError::not_found("challenge", challenge_id))?;
        let contact = row.record.contact().clone();
        let passed = challenge::pass_code_challenge(
            login_id,
            &mut row.record,
            &contact,
            candidate,
            now,
            self.key(),
        );
        tx.put_code(&row)?;
        let passed = match passed {
            Ok(p) => {
                self.code_passed(tx.as_mut(), Purpose::DeviceChallenge, &contact, now)?;
                p
            }
            Err(e) => {
                if matches!(
                    e,
                    ratepayer::login::LoginError::Code(CodeError::WrongCode { .. })
                        | ratepayer::login::LoginError::Code(CodeError::WrongPurposeOrContact)
                ) {
                    self.code_failed(tx.as_mut(), Purpose::DeviceChallenge, &contact, now)?;
                }
                tx.append_audit(&self.event(
                    AuditKind::CodeRejected,
                    now,
                    Some(login_id),
                    None,
                    format!(
                        "device challenge refused: {}{}",
                        e.code(),
                        client.audit_suffix()
                    ),
                ))?;
                tx.commit()?;
                return Err(e.into());
            }
        };
        let device_token = match remember {
            Some(label) => Some(self.remember_device(tx.as_mut(), &passed, label, now)?),
            None => None,
        };
        tx.append_audit(&self.event(
            AuditKind::LoginSucceeded,
            now,
            Some(login_id),
            None,
            format!("device challenge passed{}", client.audit_suffix()),
        ))?;
        let session = self.start_session(tx.as_mut(), login_id, &client.session_label(), now)?;
        tx.commit()?;
        Ok(LoginOutcome::SignedIn {
            session,
            login_id: login.id,
            must_change_password: login.must_change_password,
            device_token,
        })
    }

    /// Changes the password after checking the current one (a wrong one
    /// counts like a failed sign-in, on the login and the client's address,
    /// and is audited); the new one must pass the policy (the NIST preset's
    /// minimum is 8 characters for a login with an authenticator app, 15
    /// without). Every remembered
    /// device is forgotten and the login's email is told. This is the one
    /// call a login in the "must change password" state (signed in with a
    /// temporary password, `current` being that password) may make; the new
    /// password may not be the temporary one, which then stops working.
    ///
    /// Every session of the login ends, this one included, and a new one
    /// starts for the caller: its token is returned (the session rotates
    /// on this change of privilege, and a stolen token stops working).
    pub fn change_password(
        &self,
        session: &Session,
        current: &str,
        new: &str,
        client: &ClientContext,
        now: DateTime<Utc>,
    ) -> Result<String, PortalError> {
        let login_id = session.login_id();
        // The Argon2id work (the current password's check, the new one's
        // hash) and the policy's checks of the new password (which may ask
        // a breached-password service) are done before the write
        // transaction, on what a read transaction shows; the write uses
        // them only if what they were made from is unchanged.
        let pre = self.precheck_password(session, Some(current), false, now)?;
        let prepared = self.prepare_new_password(session, new, now)?;
        let mut tx = self.store.begin()?;
        let mut login = self.require_session_any_state(tx.as_mut(), session, now)?;
        if let Some(err) = self.reauthenticate_counted(
            tx.as_mut(),
            &mut login,
            current,
            pre.as_ref(),
            client,
            "change password",
            now,
        )? {
            tx.commit()?;
            return Err(err);
        }
        let mfa = self.mfa_of(tx.as_mut(), login_id)?;
        let credential = self.new_credential(prepared, &login, mfa, new)?;
        self.finish_temporary_password(tx.as_mut(), login_id, new, now)?;
        login.credential = credential;
        login.must_change_password = false;
        tx.update_login(&login)?;
        let mut devices = tx.devices(login_id)?;
        let forgotten = device::on_password_changed(
            &mut devices,
            &login::PasswordChanged {
                login: login_id.to_owned(),
                at: now,
            },
        );
        for d in &devices {
            tx.put_device(d)?;
        }
        tx.append_audit(&self.event(
            AuditKind::PasswordChanged,
            now,
            Some(login_id),
            None,
            format!("password changed; {forgotten} remembered device(s) forgotten"),
        ))?;
        self.end_sessions(tx.as_mut(), login_id, None, "the password changed", now)?;
        let token = self.start_session(tx.as_mut(), login_id, &client.session_label(), now)?;
        tx.commit()?;
        self.email(
            &login.email,
            "Your password was changed",
            "Your portal password was changed. If this was not you, contact customer service."
                .into(),
        );
        Ok(token)
    }
}

impl Portal {
    /// Remembers the device that just passed a challenge (`passed`) under
    /// `label`: stores the record, audits it, and returns the token for the
    /// browser (shared by the device-code and second-factor sign-ins).
    pub(super) fn remember_device(
        &self,
        tx: &mut dyn Tx,
        passed: &login::ChallengePassed,
        label: &str,
        now: DateTime<Utc>,
    ) -> Result<String, PortalError> {
        let (issued, record) = self.with_rng(|rng| {
            device::remember(
                passed,
                label,
                &self.profile.spec().login,
                rng,
                now,
                self.key(),
            )
        })?;
        tx.put_device(&record)?;
        tx.append_audit(&self.event(
            AuditKind::DeviceTrusted,
            now,
            Some(passed.login()),
            None,
            format!("device `{}` remembered", record.label()),
        ))?;
        Ok(issued.token().to_owned())
    }
}

impl Portal {
    /// A new password checked before the write transaction of
    /// [`Portal::change_password`], on the login as a read transaction shows
    /// it ([`Portal::prepare_password`]); `None` when the session is not
    /// active.
    fn prepare_new_password(
        &self,
        session: &Session,
        new: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<PreparedPassword>, PortalError> {
        let (login, mfa) = {
            let mut tx = self.store.begin_read()?;
            let Ok(login) = self.require_session_any_state(tx.as_mut(), session, now) else {
                return Ok(None);
            };
            let mfa = self.mfa_of(tx.as_mut(), session.login_id())?;
            (login, mfa)
        };
        Ok(Some(self.prepare_password(login, mfa, new)))
    }

    /// Checks `new` against the policy for `login` (and the
    /// breached-password service, when the portal has one) and hashes it,
    /// outside any transaction. The policy's refusal is kept in the outcome,
    /// to be returned where the transaction would have found it.
    pub(super) fn prepare_password(
        &self,
        login: LoginRow,
        mfa: Mfa,
        new: &str,
    ) -> PreparedPassword {
        let context = PasswordContext {
            username: Some(&login.username),
            email: Some(&login.email),
            utility_name: Some(&self.profile.spec().name),
            ..Default::default()
        };
        let outcome = self
            .check_new_password(new, &context, mfa)
            .and_then(|normalized| self.hash_password(&normalized));
        PreparedPassword {
            outcome,
            login: login.id,
            username: login.username,
            email: login.email,
            mfa,
        }
    }

    /// The new credential for `login` (whose authenticator state is
    /// `mfa`), inside the write transaction: the one `prepared` made when
    /// it was made from the same login, username, email and authenticator
    /// state; otherwise checked and hashed here.
    pub(super) fn new_credential(
        &self,
        prepared: Option<PreparedPassword>,
        login: &LoginRow,
        mfa: Mfa,
        new: &str,
    ) -> Result<StoredCredential, PortalError> {
        match prepared {
            Some(p)
                if p.login == login.id
                    && p.username == login.username
                    && p.email == login.email
                    && p.mfa == mfa =>
            {
                p.outcome
            }
            _ => {
                let context = PasswordContext {
                    username: Some(&login.username),
                    email: Some(&login.email),
                    utility_name: Some(&self.profile.spec().name),
                    ..Default::default()
                };
                let normalized = self.check_new_password(new, &context, mfa)?;
                self.hash_password(&normalized)
            }
        }
    }
}

/// A new password checked and hashed before the write transaction (or the
/// policy's refusal), with what its policy check read: used only while
/// those are unchanged ([`Portal::new_credential`]).
pub(super) struct PreparedPassword {
    outcome: Result<StoredCredential, PortalError>,
    login: String,
    username: String,
    email: String,
    mfa: Mfa,
}
