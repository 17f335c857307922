//! Getting into an account: a fresh cached role session first, else the way in the role
//! came from — keys with MFA and `AssumeRole` ([`sts`](self::sts)), IAM Identity Center
//! ([`identity_center`]), a SAML identity provider ([`saml`]), a console session
//! ([`console_session`]) — each ending in [`Access::new_session`], which caches what it got.
//! MFA codes, devices and the prompts that ask for them are in [`mfa`].

mod console_session;
mod identity_center;
pub mod mfa;
mod saml;
mod sts;

use std::time::Duration;

use time::OffsetDateTime;

use crate::aws::sdk::{self, AwsSettings};
use crate::aws::{AwsError, ErrorContext};
use crate::config::{AuthConfig, SsoConfig};
use crate::domain::credentials::{AccessKey, Credentials, RoleSession, Via};
use crate::domain::roles::RoleOption;
use crate::store::key_store::KeyStore;
use crate::store::prefs::Prefs;
use crate::store::session_cache::CredentialCache;

pub use mfa::{AskFn, Asker, Interactive, MfaRequest, MfaSource};

/// What to get credentials for.
#[derive(Clone, Debug)]
pub struct AccessTarget {
    pub account_id: String,
    pub account_name: String,
    pub role: RoleOption,
    /// `--duration`, seconds.
    pub duration: Option<u32>,
}

/// Credentials for a target and how they were obtained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Granted {
    pub credentials: Credentials,
    pub role_arn: String,
    pub via: Via,
    pub from_cache: bool,
    /// AWS requests this took (0 from the cache).
    pub api_calls: u64,
}

/// How long a process waits for another that is signing in (which may be waiting for a
/// person to type a code) before giving up.
const LOCK_WAIT: Duration = Duration::from_mins(2);

/// Says on the terminal why nothing happens for a moment; never inside the TUI.
fn waiting_note(mfa: &MfaSource) {
    use std::io::IsTerminal as _;
    if matches!(mfa.interactive, Interactive::Ask(_)) && std::io::stderr().is_terminal() {
        eprintln!("awsnav: waiting for another awsnav to finish signing in…");
    }
}

fn lock_error(e: &std::io::Error) -> AwsError {
    AwsError::Mfa(format!("cannot sign in: {e}"))
}

/// Gets credentials into accounts for one base identity.
#[derive(Clone, Debug)]
pub struct Access {
    pub auth: AuthConfig,
    /// `[auth] profile`, else `[org] profile`; `None`: the standard chain.
    pub base_profile: Option<String>,
    pub region: Option<String>,
    pub network: crate::config::NetworkConfig,
    pub ctx: ErrorContext,
    pub cache: CredentialCache,
    /// IAM Identity Center: where its roles' credentials come from.
    pub sso: SsoConfig,
    /// `[org] profile` (or `--profile`): the SSO sign-in when `[sso] profile` is unset.
    pub org_profile: Option<String>,
    /// Where the MFA device chosen among several is remembered.
    pub prefs: Prefs,
    /// Long-lived keys kept by `awsnav auth`: used before the profile's or the chain's.
    pub keys: KeyStore,
    /// `[[saml]]`: the identity providers SAML roles come from.
    pub saml: Vec<crate::config::SamlConfig>,
    /// Where the SAML browser profiles (data) and the roles they gave (cache) are kept.
    pub saml_dirs: (std::path::PathBuf, std::path::PathBuf),
}

impl Access {
    /// The profile whose credentials assume `role` (for an Identity Center role: the profile
    /// whose sign-in gets them).
    #[must_use]
    pub fn base_profile_for(&self, role: &RoleOption) -> Option<String> {
        if role.sso {
            return self
                .sso
                .profile
                .clone()
                .or_else(|| self.org_profile.clone());
        }
        role.profile
            .as_ref()
            .and_then(|p| p.source_profile.clone())
            .or_else(|| self.base_profile.clone())
    }

    /// The key-store name of the identity `profile` names: the profile, else `AWS_PROFILE`,
    /// else `default` — unless credential variables are set, which the standard chain reads
    /// before any profile.
    #[must_use]
    pub fn key_name(profile: Option<&str>) -> Option<String> {
        let var = |v: &str| std::env::var(v).ok().filter(|s| !s.trim().is_empty());
        profile
            .map(str::to_owned)
            .or_else(|| var("AWS_PROFILE"))
            .or_else(|| {
                var("AWS_ACCESS_KEY_ID")
                    .is_none()
                    .then(|| "default".to_owned())
            })
    }

    /// The key stored for the identity `profile` names, with its name; `None` when the key
    /// store holds none (known from its index: the keyring is opened only when it does).
    ///
    /// # Errors
    /// When a key is stored but the keyring (or the key file) cannot give it.
    pub fn stored_key(
        &self,
        profile: Option<&str>,
    ) -> Result<Option<(String, AccessKey)>, AwsError> {
        let Some(name) = Self::key_name(profile) else {
            return Ok(None);
        };
        if self.keys.record(&name).is_none() {
            return Ok(None);
        }
        let key = self.keys.get(&name)?;
        if key.is_none() {
            tracing::warn!(
                name,
                "the key store's index names a key the keyring does not hold"
            );
        }
        Ok(key.map(|k| (name, k)))
    }

    /// Where the base credentials of `profile` come from, for people: `key store: NAME`, the
    /// profile, or the standard chain.
    #[must_use]
    pub fn base_source(&self, profile: Option<&str>) -> String {
        match Self::key_name(profile).filter(|n| self.keys.record(n).is_some()) {
            Some(name) => format!("key store: {name}"),
            None => profile.map_or_else(
                || "standard credential chain".to_owned(),
                |p| format!("profile {p}"),
            ),
        }
    }

    /// The cache key of a base identity: one per identity, however it is named. The standard
    /// chain reads `AWS_PROFILE`, else `default` (when no key is in the environment), so a
    /// role profile whose `source_profile` is that profile has the chain's MFA session and
    /// role sessions, not sessions of its own.
    #[must_use]
    pub fn base_key(profile: Option<&str>) -> String {
        match profile {
            Some(p) if Self::key_name(None).as_deref() != Some(p) => p.to_owned(),
            _ => "default-chain".to_owned(),
        }
    }

    /// The SDK's settings acting with `credentials` (a role session) in `region`, with the
    /// user's endpoint and network settings.
    ///
    /// # Errors
    /// When the settings cannot be loaded.
    pub async fn sdk_as(
        &self,
        credentials: &Credentials,
        region: &str,
    ) -> Result<aws_config::SdkConfig, AwsError> {
        sdk::load(
            &AwsSettings {
                profile: None,
                region: Some(region.to_owned()),
                network: self.network,
                credentials: Some(credentials.clone()),
            },
            &self.ctx,
        )
        .await
    }

    /// Credentials for `target`: a fresh cached session, or new ones from STS (or, for an
    /// Identity Center role, from its portal).
    ///
    /// # Errors
    /// An [`AwsError`] saying what to do: wrong MFA code, not allowed to assume, expired
    /// base credentials or SSO sign-in, no MFA code available…
    pub async fn credentials(
        &self,
        target: &AccessTarget,
        mfa: &MfaSource,
        now: OffsetDateTime,
    ) -> Result<Granted, AwsError> {
        if target.role.sso {
            return Box::pin(self.sso_credentials(target, now)).await;
        }
        if target.role.saml.is_some() {
            return Box::pin(self.saml_credentials(target, mfa, now)).await;
        }
        match self.attempt(target, mfa, now, true).await {
            // A cached MFA session can be revoked or expire early: start over once without it.
            Err(AwsError::BadCredentials { .. }) if self.has_mfa_session(target, now) => {
                tracing::info!("cached MFA session rejected; asking for a new one");
                self.attempt(target, mfa, now, false).await
            }
            other => other,
        }
    }

    /// A fresh cached session of `target`'s role for the identity `key`.
    pub(super) fn cached(
        &self,
        key: &str,
        target: &AccessTarget,
        now: OffsetDateTime,
    ) -> Option<Granted> {
        let s = self
            .cache
            .role(key, &target.account_id, &target.role.name, now)?;
        tracing::info!(account = %target.account_id, role = %target.role.name, via = ?s.via, "role session from cache");
        Some(Granted {
            role_arn: s.role_arn,
            credentials: s.credentials,
            via: s.via,
            from_cache: true,
            api_calls: 0,
        })
    }

    /// A role session just obtained for `target` (its credentials, role ARN and how): cached
    /// under `key` (a failure to cache is only logged), logged as `what`, and handed out.
    pub(super) fn new_session(
        &self,
        key: &str,
        target: &AccessTarget,
        (credentials, role_arn, via): (Credentials, String, Via),
        api_calls: u64,
        what: &'static str,
    ) -> Granted {
        let session = RoleSession {
            credentials,
            account_id: target.account_id.clone(),
            role: target.role.name.clone(),
            role_arn,
            via,
        };
        if let Err(e) = self.cache.store_role(key, &session) {
            tracing::warn!(error = %e, ?via, "cannot cache the role session");
        }
        tracing::info!(account = %target.account_id, role = %target.role.name, api_calls, "{what}");
        Granted {
            credentials: session.credentials,
            role_arn: session.role_arn,
            via,
            from_cache: false,
            api_calls,
        }
    }
}
