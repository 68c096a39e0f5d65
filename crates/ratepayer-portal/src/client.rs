//! Who is on the other end of a portal call: the client's network address
//! and user agent, passed by the application (from its web server or API
//! gateway), counted by the throttles and written into the audit trail.

use std::net::IpAddr;

use super::PortalError;

/// The longest user agent kept, in bytes.
pub const MAX_USER_AGENT_BYTES: usize = 512;

/// The client of one call: its address (IPv4 or IPv6) and user agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientContext {
    address: IpAddr,
    user_agent: String,
}

impl ClientContext {
    /// A client at `address` (`203.0.113.7`, `2001:db8::1`) with
    /// `user_agent` (may be empty). Refuses an address that is not an IP
    /// address, and a user agent over [`MAX_USER_AGENT_BYTES`] or with
    /// control characters, naming the field.
    pub fn new(address: &str, user_agent: &str) -> Result<ClientContext, PortalError> {
        let address = address
            .trim()
            .parse::<IpAddr>()
            .map_err(|_| PortalError::Invalid {
                field: "client_address",
                message: format!(
                    "`{}` is not an IPv4 or IPv6 address; pass the client's address as the web \
                     server sees it",
                    ratepayer::money::excerpt(address)
                ),
            })?;
        if user_agent.len() > MAX_USER_AGENT_BYTES || user_agent.chars().any(char::is_control) {
            return Err(PortalError::Invalid {
                field: "user_agent",
                message: format!(
                    "must be at most {MAX_USER_AGENT_BYTES} bytes without control characters; \
                     pass the User-Agent header as sent, or an empty string"
                ),
            });
        }
        Ok(ClientContext {
            address,
            user_agent: user_agent.to_owned(),
        })
    }

    /// The address.
    pub fn address(&self) -> IpAddr {
        self.address
    }

    /// The user agent.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// The throttling bucket of the address: the address itself for IPv4,
    /// its /64 network for IPv6 (one subscriber usually holds a whole /64,
    /// so counting single IPv6 addresses would let one attacker rotate
    /// through billions).
    pub(super) fn bucket(&self) -> String {
        match self.address {
            IpAddr::V4(a) => a.to_string(),
            IpAddr::V6(a) => {
                let [a, b, c, d, ..] = a.segments();
                format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
            }
        }
    }

    /// How a session's list names the client: `203.0.113.7 Firefox`.
    pub(super) fn session_label(&self) -> String {
        let agent = ratepayer::money::excerpt(&self.user_agent);
        if agent.is_empty() {
            self.address.to_string()
        } else {
            format!("{} {agent}", self.address)
        }
    }

    /// How the audit trail names the client: ` [client 203.0.113.7, "Firefox"]`.
    pub(super) fn audit_suffix(&self) -> String {
        format!(
            " [client {}, user agent {:?}]",
            self.address,
            ratepayer::money::excerpt(&self.user_agent)
        )
    }
}
