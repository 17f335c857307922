//! Temporary credentials as data: a key set, how it was obtained, MFA and role sessions.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Cached credentials are used until this long before they expire.
pub const REFRESH_MARGIN: time::Duration = time::Duration::minutes(5);

/// A set of AWS credentials. `Debug` never shows the secret parts.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub expiration: Option<OffsetDateTime>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tail: String = self
            .access_key_id
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        f.debug_struct("Credentials")
            .field("access_key_id", &format_args!("…{tail}"))
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("expiration", &self.expiration)
            .finish()
    }
}

impl Credentials {
    /// Usable at `now` with the refresh margin to spare.
    #[must_use]
    pub fn fresh_at(&self, now: OffsetDateTime) -> bool {
        self.expiration.is_none_or(|e| e - REFRESH_MARGIN > now)
    }
}

/// An IAM user's long-lived access key (what `awsnav auth` keeps). `Debug` shows only the key
/// id's last four characters.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKey {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccessKey(…{})", key_tail(&self.access_key_id))
    }
}

impl AccessKey {
    /// The key as credentials (no session token, no expiry).
    #[must_use]
    pub fn credentials(&self) -> Credentials {
        Credentials {
            access_key_id: self.access_key_id.clone(),
            secret_access_key: self.secret_access_key.clone(),
            session_token: None,
            expiration: None,
        }
    }
}

/// The last four characters of a key id: enough to tell keys apart, never enough to use one.
#[must_use]
pub fn key_tail(key_id: &str) -> String {
    let n = key_id.chars().count();
    key_id.chars().skip(n.saturating_sub(4)).collect()
}

/// How a role's credentials were obtained (the console needs to know).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// `AssumeRole` with the base credentials (with or without MFA parameters).
    Direct,
    /// `AssumeRole` with an MFA session from `GetSessionToken`.
    MfaSession,
    /// `AssumeRole` with another role's credentials (the base identity is a role).
    Chained,
    /// IAM Identity Center's `GetRoleCredentials`.
    Sso,
    /// `AssumeRoleWithSAML` with a SAML identity provider's assertion.
    Saml,
}

impl Via {
    /// Whether the console may be given a `SessionDuration` for these credentials: only for a
    /// direct `AssumeRole` (AWS refuses it for chained sessions, which last at most an hour).
    #[must_use]
    pub fn console_duration_allowed(self) -> bool {
        self == Self::Direct
    }
}

/// A cached assumed-role session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleSession {
    pub credentials: Credentials,
    pub account_id: String,
    pub role: String,
    pub role_arn: String,
    pub via: Via,
}

/// A cached MFA session: credentials from `GetSessionToken` and whose they are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaSession {
    pub credentials: Credentials,
    pub serial: String,
    /// The caller's ARN, so a cached session needs no `GetCallerIdentity`.
    pub identity_arn: String,
}

/// What an IAM user's MFA devices offer for API calls. FIDO security keys (`…:u2f/…`) sign
/// in to the console only: STS takes codes of virtual (`…:mfa/…`) and hardware TOTP devices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MfaDevices {
    None,
    One(String),
    /// Several TOTP devices: which one is the user's to say.
    Several(Vec<String>),
    /// Only FIDO keys, which cannot sign API calls.
    OnlyFido(Vec<String>),
}

impl MfaDevices {
    /// Sorts the devices `iam:ListMFADevices` listed.
    #[must_use]
    pub fn of(serials: Vec<String>) -> Self {
        let (fido, totp): (Vec<String>, Vec<String>) =
            serials.into_iter().partition(|s| is_fido(s));
        match (totp.len(), fido.is_empty()) {
            (0, true) => Self::None,
            (0, false) => Self::OnlyFido(fido),
            (1, _) => Self::One(totp.into_iter().next().unwrap_or_default()),
            _ => Self::Several(totp),
        }
    }
}

/// Whether a device serial is a FIDO security key's.
#[must_use]
pub fn is_fido(serial: &str) -> bool {
    serial.contains(":u2f/")
}

/// How long until `end`, as a person reads it: "12 h", "43 min", "<1 min", "expired".
#[must_use]
pub fn time_left(end: OffsetDateTime, now: OffsetDateTime) -> String {
    let secs = (end - now).whole_seconds();
    match secs {
        i64::MIN..=0 => "expired".into(),
        1..60 => "<1 min".into(),
        60..7200 => format!("{} min", secs / 60),
        _ => format!("{} h", secs / 3600),
    }
}

/// A role session as the tests of the credentials and their cache use it: secrets that must
/// never show, ending `expires_in_min` minutes after `now`.
#[cfg(test)]
pub mod fixture {
    use super::{Credentials, RoleSession, Via};
    use time::OffsetDateTime;

    /// 2026-11-21 12:00 UTC.
    pub const NOW: OffsetDateTime = time::macros::datetime!(2026-11-21 12:00 UTC);

    #[must_use]
    pub fn creds(expires_in_min: i64) -> Credentials {
        Credentials {
            access_key_id: "ASIAEXAMPLEKEY1234".into(),
            secret_access_key: "very-secret".into(),
            session_token: Some("token-secret".into()),
            expiration: Some(NOW + time::Duration::minutes(expires_in_min)),
        }
    }

    #[must_use]
    pub fn session(expires_in_min: i64) -> RoleSession {
        RoleSession {
            credentials: creds(expires_in_min),
            account_id: "111122223333".into(),
            role: "Admin".into(),
            role_arn: "arn:aws:iam::111122223333:role/Admin".into(),
            via: Via::MfaSession,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::session;
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let text = format!("{:?}", session(60));
        assert!(!text.contains("very-secret"), "{text}");
        assert!(!text.contains("token-secret"), "{text}");
        assert!(!text.contains("ASIAEXAMPLEKEY1234"), "{text}");
        assert!(text.contains("…1234"), "{text}");
    }

    #[test]
    fn fido_keys_are_passed_over_for_api_calls() {
        let u2f = "arn:aws:iam::1:u2f/user/alice/yubi-ABC".to_owned();
        let virt = "arn:aws:iam::1:mfa/alice".to_owned();
        let hw = "GAHT12345678".to_owned();
        assert_eq!(MfaDevices::of(vec![]), MfaDevices::None);
        assert_eq!(
            MfaDevices::of(vec![u2f.clone(), virt.clone()]),
            MfaDevices::One(virt.clone())
        );
        assert_eq!(
            MfaDevices::of(vec![u2f.clone()]),
            MfaDevices::OnlyFido(vec![u2f.clone()])
        );
        assert_eq!(
            MfaDevices::of(vec![u2f, hw.clone(), virt.clone()]),
            MfaDevices::Several(vec![hw, virt])
        );
    }
}
