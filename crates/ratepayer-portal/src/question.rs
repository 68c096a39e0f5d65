//! The security question of the legacy preset (Cal Water, seed 004): a
//! login sets its question and answer (the password again; the answer
//! normalised — NFKC, case-folded, white space collapsed — and stored only
//! as a keyed digest, [`ratepayer::login::SecurityAnswerRecord`]), and a
//! sign-in from an unrecognised device answers it
//! ([`LoginOutcome::QuestionRequired`](super::LoginOutcome::QuestionRequired)),
//! throttled like a password.
//!
//! Profiles outside the legacy preset never offer it: a knowledge-based
//! answer is not an authenticator under NIST SP 800-63B (its answers can be
//! guessed or looked up), so the NIST preset uses a one-time code, and a
//! second factor is an authenticator app.

use chrono::{DateTime, Utc};

use super::client::ClientContext;
use super::pending::Step;
use super::session::LoginOutcome;
use super::sessions::Session;
use super::{Portal, PortalError};
use crate::store::{AuditKind, SecurityKind, Tx};
use ratepayer::login::{ChallengeMethod, SecurityAnswerRecord};

/// The longest question, in characters.
const MAX_QUESTION_CHARS: usize = 200;
/// The longest answer, in characters.
const MAX_ANSWER_CHARS: usize = 200;

impl Portal {
    /// The login's security answer record, if it set one.
    pub(super) fn security_answer(
        &self,
        tx: &mut dyn Tx,
        login_id: &str,
    ) -> Result<Option<SecurityAnswerRecord>, PortalError> {
        let row = tx.security_record(self.utility(), SecurityKind::SecurityAnswer, login_id)?;
        Ok(row.and_then(|r| serde_json::from_value(r.data).ok()))
    }

    /// Sets (or replaces) the login's security question and answer: only in
    /// the legacy preset with security questions, after the password again
    /// (counted when wrong). The answer is stored as a keyed digest of its
    /// normalised form, never in the clear, and never audited.
    pub fn set_security_answer(
        &self,
        session: &Session,
        password: &str,
        question: &str,
        answer: &str,
        client: &ClientContext,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let login_id = session.login_id();
        if self.profile.spec().login.effective_challenge() != ChallengeMethod::SecurityQuestion {
            return Err(PortalError::Forbidden(
                "this utility does not use security questions (a knowledge-based answer is not an authenticator under NIST SP 800-63B); add an authenticator app instead".into(),
            ));
        }
        let q = question.trim();
        if q.is_empty() || q.chars().count() > MAX_QUESTION_CHARS || q.chars().any(char::is_control)
        {
            return Err(PortalError::Invalid {
                field: "question",
                message: format!(
                    "must have 1 to {MAX_QUESTION_CHARS} characters, without control characters"
                ),
            });
        }
        if answer.chars().count() > MAX_ANSWER_CHARS {
            return Err(PortalError::Invalid {
                field: "answer",
                message: format!("must have at most {MAX_ANSWER_CHARS} characters"),
            });
        }
        let record = SecurityAnswerRecord::new(login_id, q, answer, now, self.key())?;
        let pre = self.precheck_password(session, Some(password), false, now)?;
        let mut tx = self.store.begin()?;
        let mut login = self.require_session(tx.as_mut(), session, now)?;
        if let Some(err) = self.reauthenticate_counted(
            tx.as_mut(),
            &mut login,
            password,
            pre.as_ref(),
            client,
            "set the security answer",
            now,
        )? {
            tx.commit()?;
            return Err(err);
        }
        self.put_login_record(
            tx.as_mut(),
            SecurityKind::SecurityAnswer,
            login_id,
            &record,
            now,
        )?;
        tx.append_audit(&self.event(
            AuditKind::SecurityAnswerSet,
            now,
            Some(login_id),
            None,
            format!("security question and answer set{}", client.audit_suffix()),
        ))?;
        tx.commit()?;
        self.email(
            &login.email,
            "Your security question was changed",
            "The security question of your portal login was set or changed. If this was not you, contact customer service.".into(),
        );
        Ok(())
    }

    /// Completes a sign-in that returned
    /// [`LoginOutcome::QuestionRequired`] with the answer (compared after
    /// normalising, in constant time). With `remember`, the device is
    /// remembered ("don't ask the security questions on this computer").
    /// Every refusal is [`PortalError::WrongCredentials`], counted like a
    /// wrong password; after five the sign-in must start again.
    pub fn answer_security_question(
        &self,
        login_id: &str,
        challenge_id: &str,
        answer: &str,
        remember: Option<&str>,
        client: &ClientContext,
        now: DateTime<Utc>,
    ) -> Result<LoginOutcome, PortalError> {
        let policy = self.profile.spec().login.clone();
        self.complete_pending(
            login_id,
            challenge_id,
            Step::SecurityQuestion,
            remember,
            client,
            now,
            |tx, login| {
                let Some(record) = self.security_answer(tx, &login.id)? else {
                    return Ok(Err("no security answer on file".into()));
                };
                Ok(ratepayer::login::pass_question_challenge(
                    &policy,
                    &record,
                    &login.id,
                    answer,
                    now,
                    self.key(),
                )
                .map(|_| "security answer".to_owned())
                .map_err(|e| e.code().to_owned()))
            },
        )
    }
}
