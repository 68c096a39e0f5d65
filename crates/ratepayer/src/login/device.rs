//! Remembered devices (seed 004: "don't ask the security questions on this
//! computer"): after a passed challenge, a device token is set in a cookie;
//! presenting it later skips the challenge. Another browser, blocked
//! cookies or private browsing present no token, so they are challenged.
//!
//! A token is 32 random bytes (256 bits) in hex; only a keyed digest of it,
//! bound to the login, is stored, and it is also the record's storage index
//! ([`lookup_key`]). A record expires `remember_device_days` after it was
//! created, can be revoked one by one ([`DeviceRecord::revoke`]) or all at
//! once for a login ([`revoke_all`]), and every record of a login is revoked
//! when its password changes ([`on_password_changed`]).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::challenge::ChallengePassed;
use super::{LoginError, LoginPolicy};
use crate::security::RandomSource;
use crate::verification::{
    after_minutes, digest_hex, digest_matches, normalise_hex_token, random_hex, REDACTED,
};

/// Random bytes per device token (256 bits).
pub const DEVICE_TOKEN_BYTES: usize = 32;
/// The longest device label kept, in characters.
pub const MAX_LABEL_CHARS: usize = 100;

const LABEL: &str = "ratepayer/device-token/v1";

/// A device token just issued: set it in a long-lived, `Secure`,
/// `HttpOnly` cookie, then drop it. `Debug` redacts it.
pub struct IssuedDeviceToken {
    token: String,
}

impl IssuedDeviceToken {
    /// The token: 64 lower-case hex characters.
    pub fn token(&self) -> &str {
        &self.token
    }
}

impl fmt::Debug for IssuedDeviceToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedDeviceToken")
            .field("token", &REDACTED)
            .finish()
    }
}

/// Why a remembered device was forgotten.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevokeReason {
    /// The customer removed this device.
    Customer,
    /// The customer signed out everywhere, or staff revoked every device.
    AllDevices,
    /// The password changed.
    PasswordChanged,
}

/// When and why a device was forgotten.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    /// When.
    pub at: DateTime<Utc>,
    /// Why.
    pub reason: RevokeReason,
}

/// A password change, as the credentials module reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordChanged {
    /// The login whose password changed.
    pub login: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// The stored side of a remembered device. `Debug` redacts the digest.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceRecord {
    id: String,
    login: String,
    digest: String,
    label: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    revoked: Option<Revocation>,
}

impl fmt::Debug for DeviceRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceRecord")
            .field("id", &self.id)
            .field("login", &self.login)
            .field("digest", &REDACTED)
            .field("label", &self.label)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("revoked", &self.revoked)
            .finish()
    }
}

impl DeviceRecord {
    /// A public identifier (16 hex characters) to list and remove devices by.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The login it is remembered for.
    pub fn login(&self) -> &str {
        &self.login
    }
    /// What the customer sees in the device list ("Firefox on Windows").
    pub fn label(&self) -> &str {
        &self.label
    }
    /// When it was remembered.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    /// The first instant at which it is no longer recognised.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }
    /// When and why it was forgotten.
    pub fn revoked(&self) -> Option<Revocation> {
        self.revoked
    }
    /// The index to store it under ([`lookup_key`] of its login and token).
    pub fn lookup_key(&self) -> &str {
        &self.digest
    }
    /// True when neither revoked nor expired at `now`.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.revoked.is_none() && now < self.expires_at
    }
    /// Forgets this device (kept for the list, never recognised again). A
    /// device already revoked keeps its first revocation.
    pub fn revoke(&mut self, reason: RevokeReason, now: DateTime<Utc>) {
        self.revoked.get_or_insert(Revocation { at: now, reason });
    }
}

/// The storage index of a token presented for `login`, or `None` when the
/// cookie cannot be a token.
pub fn lookup_key(login: &str, presented: &str, key: &[u8]) -> Option<String> {
    let token = normalise_hex_token(presented, DEVICE_TOKEN_BYTES)?;
    Some(digest_hex(
        key,
        LABEL,
        &[login.as_bytes(), token.as_bytes()],
    ))
}

/// "Don't ask again on this computer": remembers the device that just
/// passed the challenge, for `policy.remember_device_days`.
pub fn remember(
    passed: &ChallengePassed,
    label: &str,
    policy: &LoginPolicy,
    rng: &mut dyn RandomSource,
    now: DateTime<Utc>,
    key: &[u8],
) -> Result<(IssuedDeviceToken, DeviceRecord), LoginError> {
    policy.validate()?;
    let token = random_hex(rng, DEVICE_TOKEN_BYTES)?;
    let id = random_hex(rng, 8)?;
    let login = passed.login();
    let label: String = label
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_LABEL_CHARS)
        .collect();
    let record = DeviceRecord {
        id,
        login: login.to_owned(),
        digest: digest_hex(key, LABEL, &[login.as_bytes(), token.as_bytes()]),
        label,
        created_at: now,
        expires_at: after_minutes(now, policy.remember_device_days.saturating_mul(24 * 60)),
        revoked: None,
    };
    Ok((IssuedDeviceToken { token }, record))
}

/// True when `presented` is the token of `record`, for `login`, and the
/// record is active at `now`. The digest is compared in constant time.
pub fn recognises(
    record: &DeviceRecord,
    login: &str,
    presented: &str,
    now: DateTime<Utc>,
    key: &[u8],
) -> bool {
    let Some(token) = normalise_hex_token(presented, DEVICE_TOKEN_BYTES) else {
        return false;
    };
    let parts: [&[u8]; 2] = [login.as_bytes(), token.as_bytes()];
    let matches = digest_matches(key, LABEL, &parts, &record.digest);
    matches && record.login == login && record.is_active(now)
}

/// Revokes every active device of `login` ("sign out everywhere"); returns
/// how many were revoked.
pub fn revoke_all(
    records: &mut [DeviceRecord],
    login: &str,
    reason: RevokeReason,
    now: DateTime<Utc>,
) -> usize {
    let mut count = 0;
    for r in records
        .iter_mut()
        .filter(|r| r.login == login && r.revoked.is_none())
    {
        r.revoke(reason, now);
        count += 1;
    }
    count
}

/// A password change forgets every device of that login; returns how many
/// were revoked.
pub fn on_password_changed(records: &mut [DeviceRecord], event: &PasswordChanged) -> usize {
    revoke_all(
        records,
        &event.login,
        RevokeReason::PasswordChanged,
        event.at,
    )
}

#[cfg(test)]
#[path = "device_tests.rs"]
mod tests;
