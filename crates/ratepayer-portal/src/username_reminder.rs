//! Forgot username: the customer types an account number, and each login
//! linked to that account is sent its username at its own verified email.
//! Nothing is shown to the one who asked: the answer is the same whether
//! the account exists, has logins, or has verified emails, and every
//! request counts on the client's address (no probing, no mail flooding).

use chrono::{DateTime, Utc};

use super::client::ClientContext;
use super::guard::{refusal, Scope};
use super::{Portal, PortalError};
use crate::store::AuditKind;

impl Portal {
    /// Asks for a username reminder for the account numbered `account`
    /// (typed as on the bill). Always `Ok` for a well-formed number (unless
    /// the client's address is throttled): each login linked to the account
    /// that has a verified email is sent its username there, after the
    /// commit, from a background thread (see [`Portal::flush_messages`]), so
    /// the answer never waits for the mail; nobody else learns anything. A malformed number is refused
    /// for its format only, which says nothing about any account.
    pub fn request_username_reminder(
        &self,
        account: &str,
        client: &ClientContext,
        now: DateTime<Utc>,
    ) -> Result<(), PortalError> {
        let number = self.canonical(account)?;
        let bucket = client.bucket();
        let mut tx = self.store.begin()?;
        let decision = self.scope_check(tx.as_mut(), Scope::SignInAddress, &bucket, now)?;
        if let Some(err) = refusal(decision, now) {
            return Err(err);
        }
        self.scope_failure(tx.as_mut(), Scope::SignInAddress, &bucket, now)?;
        let mut send: Vec<(String, String)> = Vec::new();
        for link in tx.links_of_account(self.utility(), &number)? {
            let Some(login) = tx.login(&link.login)? else {
                continue;
            };
            let verified = self.email_verified(tx.as_mut(), &login)?;
            if verified && !send.iter().any(|(_, u)| *u == login.username) {
                send.push((login.email.clone(), login.username.clone()));
            }
        }
        tx.append_audit(&self.event(
            AuditKind::UsernameReminderRequested,
            now,
            None,
            None,
            format!(
                "{} reminder(s) sent to verified emails{}",
                send.len(),
                client.audit_suffix()
            ),
        ))?;
        tx.commit()?;
        let notices = send
            .into_iter()
            .filter_map(|(email, username)| {
                self.email_notice(
                    &email,
                    "Your portal username",
                    format!(
                        "Someone asked for the username of the portal login linked to one of your accounts. Your username is: {username}\nIf it was not you, you can ignore this message."
                    ),
                )
            })
            .collect();
        self.send_detached(notices);
        Ok(())
    }
}
