//! Getting into an account: cached sessions first, then MFA (one code per working session) and
//! `AssumeRole` with the caller's own name on the session.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use crate::aws::sdk::{self, AwsSettings};
use crate::aws::sso;
use crate::aws::sts::{self, AssumeRequest};
use crate::aws::{AwsError, CallCounter, ErrorContext};
use crate::config::{AuthConfig, MfaMode, SsoConfig};
use crate::domain::credentials::{
    AccessKey, Credentials, MfaDevices, MfaSession, RoleSession, Via,
};
use crate::domain::partition::Partition;
use crate::domain::roles::RoleOption;
use crate::store::key_store::KeyStore;
use crate::store::prefs::Prefs;
use crate::store::session_cache::CredentialCache;

/// Role chaining (`AssumeRole` with temporary credentials) is limited to one hour.
const CHAINING_LIMIT: u32 = 3600;

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
#[derive(Clone, Debug)]
pub struct Granted {
    pub credentials: Credentials,
    pub role_arn: String,
    pub via: Via,
    pub from_cache: bool,
    /// AWS requests this took (0 from the cache).
    pub api_calls: u64,
}

/// A question for the TUI's dialogs; `None` in reply means cancelled.
#[derive(Debug)]
pub enum MfaRequest {
    /// The code of the device `serial`.
    Code {
        serial: String,
        reply: oneshot::Sender<Option<String>>,
    },
    /// Which of these devices (several that can sign API calls) to use.
    Device {
        devices: Vec<String>,
        reply: oneshot::Sender<Option<String>>,
    },
    /// A SAML identity provider's sign-in is open in the browser; `None` in reply cancels it.
    Browser {
        idp: String,
        reply: oneshot::Sender<Option<String>>,
    },
}

/// A front end's way to ask a person for an MFA code (the command line's terminal prompt):
/// given the device, the typed answer, or why there is none.
#[derive(Clone)]
pub struct Asker(Arc<AskFn>);

/// Asks for the code of the device named; the answer or why there is none.
pub type AskFn = dyn Fn(&str) -> Result<String, String> + Send + Sync;

impl Asker {
    #[must_use]
    pub fn new(ask: Arc<AskFn>) -> Self {
        Self(ask)
    }
}

impl std::fmt::Debug for Asker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Asker")
    }
}

/// How a person can be asked for an MFA code.
#[derive(Clone, Debug, Default)]
pub enum Interactive {
    #[default]
    None,
    /// Ask with the front end's prompt (blocking; run off the async runtime's threads).
    Ask(Asker),
    /// Ask through the TUI's modal prompt.
    Tui(mpsc::UnboundedSender<MfaRequest>),
}

/// Where MFA codes come from, in this order: `--mfa-code`, `mfa_process`, a person.
#[derive(Clone, Debug, Default)]
pub struct MfaSource {
    pub code: Option<String>,
    pub process: Option<String>,
    pub interactive: Interactive,
}

impl MfaSource {
    /// A code for the device `serial`.
    ///
    /// # Errors
    /// [`AwsError::Mfa`] when no source can give a well-formed code.
    pub async fn get(&self, serial: &str) -> Result<String, AwsError> {
        if let Some(code) = &self.code {
            return well_formed(code);
        }
        if let Some(cmd) = &self.process {
            return run_mfa_process(cmd).await;
        }
        match &self.interactive {
            Interactive::Ask(Asker(ask)) => {
                let (serial, ask) = (serial.to_owned(), ask.clone());
                let code = tokio::task::spawn_blocking(move || ask(&serial))
                    .await
                    .map_err(|e| AwsError::Mfa(format!("MFA prompt failed: {e}")))?
                    .map_err(AwsError::Mfa)?;
                well_formed(&code)
            }
            Interactive::Tui(tx) => {
                let (reply, answer) = oneshot::channel();
                tx.send(MfaRequest::Code {
                    serial: serial.to_owned(),
                    reply,
                })
                .map_err(|_| AwsError::Mfa("the MFA prompt is gone".into()))?;
                match answer.await {
                    Ok(Some(code)) => well_formed(&code),
                    _ => Err(AwsError::MfaCancelled),
                }
            }
            Interactive::None => Err(AwsError::Mfa(format!(
                "an MFA code is needed for {serial}: pass --mfa-code CODE, set [auth] mfa_process, or run awsnav on a terminal"
            ))),
        }
    }

    /// Which of `devices` to use: the TUI asks; elsewhere the error names them and the setting.
    ///
    /// # Errors
    /// [`AwsError::Mfa`] naming the devices where no one can be asked;
    /// [`AwsError::MfaCancelled`] when the TUI's dialog is cancelled.
    pub async fn choose_device(&self, devices: &[String]) -> Result<String, AwsError> {
        if let Interactive::Tui(tx) = &self.interactive {
            let (reply, answer) = oneshot::channel();
            tx.send(MfaRequest::Device {
                devices: devices.to_vec(),
                reply,
            })
            .map_err(|_| AwsError::Mfa("the MFA prompt is gone".into()))?;
            return match answer.await {
                Ok(Some(serial)) if devices.contains(&serial) => Ok(serial),
                _ => Err(AwsError::MfaCancelled),
            };
        }
        Err(AwsError::Mfa(format!(
            "{} MFA devices can sign API calls ({}): set [auth] mfa_serial to the one awsnav should use",
            devices.len(),
            devices.join(", ")
        )))
    }
}

fn well_formed(code: &str) -> Result<String, AwsError> {
    let code = code.trim();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code.to_owned())
    } else {
        Err(AwsError::Mfa(
            "an MFA code is 6 digits (the current code shown by your MFA device)".into(),
        ))
    }
}

async fn run_mfa_process(cmd: &str) -> Result<String, AwsError> {
    let child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_mins(1), child)
        .await
        .map_err(|_| {
            AwsError::Mfa(format!(
                "[auth] mfa_process `{cmd}` did not answer within 60 s"
            ))
        })?
        .map_err(|e| AwsError::Mfa(format!("[auth] mfa_process `{cmd}` cannot run: {e}")))?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        let why = why.lines().next().unwrap_or("").trim();
        return Err(AwsError::Mfa(format!(
            "[auth] mfa_process `{cmd}` failed ({}){}",
            out.status,
            if why.is_empty() {
                String::new()
            } else {
                format!(": {why}")
            }
        )));
    }
    well_formed(&String::from_utf8_lossy(&out.stdout)).map_err(|_| {
        AwsError::Mfa(format!(
            "[auth] mfa_process `{cmd}` did not print a 6-digit code"
        ))
    })
}

/// What MFA device discovery needs.
#[derive(Clone, Copy)]
struct Discover<'a> {
    sdk: &'a aws_config::SdkConfig,
    counter: &'a CallCounter,
    ctx: &'a ErrorContext,
    mfa: &'a MfaSource,
}

/// What every request of one attempt shares.
#[derive(Clone, Copy)]
struct Call<'a> {
    sdk: &'a aws_config::SdkConfig,
    counter: &'a CallCounter,
    ctx: &'a ErrorContext,
    key: &'a str,
    /// A cached MFA session may be used (not when STS just refused one).
    use_cached_mfa: bool,
    now: OffsetDateTime,
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

    /// The cache key of Identity Center role sessions: the profile whose sign-in gets them,
    /// found the way [`sso::resolve`] finds it.
    #[must_use]
    pub fn sso_key(&self) -> String {
        let profile = self
            .sso
            .profile
            .clone()
            .or_else(|| self.org_profile.clone())
            .or_else(|| std::env::var("AWS_PROFILE").ok())
            .unwrap_or_else(|| "default".to_owned());
        format!("identity-center-{profile}")
    }

    /// The IAM Identity Center sign-in whose roles are used (found the way [`sso::resolve`]
    /// finds it).
    ///
    /// # Errors
    /// When the profile has no (or broken) Identity Center settings, or `[sso]` is off.
    pub async fn sso_source(&self) -> Result<sso::SsoSource, AwsError> {
        sso::resolve(&self.sso, self.org_profile.as_deref())
            .await?
            .ok_or_else(|| AwsError::SsoProfile {
                profile: self
                    .sso
                    .profile
                    .clone()
                    .or_else(|| self.org_profile.clone())
                    .unwrap_or_else(|| "default".into()),
                detail: if self.sso.enabled {
                    "it has neither sso_session nor sso_start_url, so Identity Center roles cannot be used (set [sso] profile)".into()
                } else {
                    "[sso] enabled = false, so Identity Center roles cannot be used".into()
                },
            })
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

    /// The SDK's settings for `source`'s portal (its region; no AWS credentials: the portal
    /// takes the sign-in's token).
    ///
    /// # Errors
    /// When the settings cannot be loaded.
    pub async fn portal_sdk(
        &self,
        source: &sso::SsoSource,
    ) -> Result<aws_config::SdkConfig, AwsError> {
        sdk::load(
            &AwsSettings {
                profile: None,
                region: Some(source.region.clone()),
                network: self.network,
                credentials: None,
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
    fn cached(&self, key: &str, target: &AccessTarget, now: OffsetDateTime) -> Option<Granted> {
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

    /// An Identity Center role's credentials: cached, else `GetRoleCredentials`.
    async fn sso_credentials(
        &self,
        target: &AccessTarget,
        now: OffsetDateTime,
    ) -> Result<Granted, AwsError> {
        let key = self.sso_key();
        let role_arn = |partition: &str| {
            // Identity Center does not say the role's ARN; this is its path and name prefix.
            format!(
                "arn:{partition}:iam::{}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_{}",
                target.account_id, target.role.name
            )
        };
        if let Some(granted) = self.cached(&key, target, now) {
            return Ok(granted);
        }
        let source = self.sso_source().await?;
        let sdk = self.portal_sdk(&source).await?;
        let counter = CallCounter::default();
        let credentials = source
            .role_credentials(&sdk, &target.account_id, &target.role.name, &counter)
            .await?;
        let role_arn = role_arn(Partition::of_region(&source.region).name());
        Ok(self.new_session(
            &key,
            target,
            (credentials, role_arn, Via::Sso),
            counter.calls(),
            "Identity Center role credentials",
        ))
    }

    /// A SAML role's credentials: the cached session, else `AssumeRoleWithSAML` with an
    /// assertion from the IdP (this process's, a silent sign-in, or one in the browser when a
    /// person is there). An assertion AWS refuses is forgotten and a new one asked for, once.
    async fn saml_credentials(
        &self,
        target: &AccessTarget,
        mfa: &MfaSource,
        now: OffsetDateTime,
    ) -> Result<Granted, AwsError> {
        let Some(from) = target.role.saml.clone() else {
            return Err(AwsError::Mfa("not a SAML role".into()));
        };
        let key = format!("saml-{}", from.idp);
        if let Some(granted) = self.cached(&key, target, now) {
            return Ok(granted);
        }
        let config = self
            .saml
            .iter()
            .find(|c| c.name == from.idp)
            .ok_or_else(|| AwsError::SamlLogin {
                idp: from.idp.clone(),
                why: "is not configured (no [[saml]] entry by that name)".into(),
            })?;
        let interactive = &mfa.interactive;
        let ctx = ErrorContext {
            profile: None,
            ..self.ctx.clone()
        };
        let sdk = sdk::load(
            &AwsSettings {
                profile: None,
                region: config.region.clone().or_else(|| self.region.clone()),
                network: self.network,
                credentials: None,
            },
            &ctx,
        )
        .await?;
        let counter = CallCounter::default();
        let (data_dir, cache_dir) = &self.saml_dirs;
        let mut attempt = 0;
        let (credentials, role_arn) = loop {
            attempt += 1;
            let assertion =
                crate::app::saml_sign_in::assertion(config, data_dir, cache_dir, interactive)
                    .await?;
            let Some(role) = assertion.role(&target.account_id, &target.role.name) else {
                return Err(AwsError::SamlLogin {
                    idp: from.idp.clone(),
                    why: format!(
                        "gives no role {} in account {} any more",
                        target.role.name, target.account_id
                    ),
                });
            };
            let duration = target
                .duration
                .and_then(|d| i32::try_from(d).ok())
                .or(config.session_duration)
                .or(assertion.session_duration)
                .unwrap_or(3600);
            match sts::assume_role_with_saml(
                &sdk,
                &role.role_arn,
                &role.principal_arn,
                &assertion.encoded,
                duration,
                &counter,
                &ctx,
            )
            .await
            {
                Ok(c) => break (c, role.role_arn.clone()),
                Err(e @ AwsError::CannotAssume { .. }) if attempt == 1 => {
                    tracing::info!(error = %e, "AWS refused the assertion; asking the IdP again");
                    crate::app::saml_sign_in::forget(&from.idp).await;
                }
                Err(e) => return Err(e),
            }
        };
        Ok(self.new_session(
            &key,
            target,
            (credentials, role_arn, Via::Saml),
            counter.calls(),
            "SAML role credentials",
        ))
    }

    /// The MFA session of the identity `base_profile` names (`None`: the standard chain): the
    /// cached one while fresh, else a new one (`GetSessionToken` with a code from `mfa`),
    /// cached for the next run. It reads what a long-term key may not where policies deny
    /// calls made without MFA.
    ///
    /// # Errors
    /// When no MFA device is found or configured, no code can be had, or STS refuses.
    pub async fn mfa_session(
        &self,
        base_profile: Option<&str>,
        mfa: &MfaSource,
        now: OffsetDateTime,
    ) -> Result<Credentials, AwsError> {
        self.session(base_profile, mfa, now, true).await
    }

    /// A session of the identity `base_profile` names (`GetSessionToken`), for tools that
    /// must not hold its long-lived key: the MFA session where an MFA device is configured or
    /// found, else a session without MFA (when `require_mfa` is false). Cached either way.
    ///
    /// # Errors
    /// When no code can be had, STS refuses, or (with `require_mfa`) no MFA device is found.
    pub async fn session(
        &self,
        base_profile: Option<&str>,
        mfa: &MfaSource,
        now: OffsetDateTime,
        require_mfa: bool,
    ) -> Result<Credentials, AwsError> {
        if let Some(profile) = base_profile
            && console_session(profile).is_some()
            && self.stored_key(base_profile)?.is_none()
        {
            return self.console_credentials(profile).await;
        }
        let key = Self::base_key(base_profile);
        let plain_key = format!("{key}--no-mfa");
        if let Some(m) = self.cache.mfa(&key, now) {
            return Ok(m.credentials);
        }
        if !require_mfa && let Some(m) = self.cache.mfa(&plain_key, now) {
            return Ok(m.credentials);
        }
        let _lock = self
            .cache
            .lock_mfa(&key, LOCK_WAIT, || waiting_note(mfa))
            .await
            .map_err(|e| lock_error(&e))?;
        if let Some(m) = self.cache.mfa(&key, now) {
            return Ok(m.credentials);
        }
        if !require_mfa && let Some(m) = self.cache.mfa(&plain_key, now) {
            return Ok(m.credentials);
        }
        let ctx = ErrorContext {
            profile: base_profile.map(str::to_owned),
            ..self.ctx.clone()
        };
        let sdk = sdk::load(
            &AwsSettings {
                profile: base_profile.map(str::to_owned),
                region: self.region.clone(),
                network: self.network,
                credentials: self.stored_key(base_profile)?.map(|(_, k)| k.credentials()),
            },
            &ctx,
        )
        .await?;
        let counter = CallCounter::default();
        let identity = sts::caller_identity(&sdk, &counter, &ctx).await?;
        let discover = Discover {
            sdk: &sdk,
            counter: &counter,
            ctx: &ctx,
            mfa,
        };
        let serial = self
            .resolve_serial(
                self.auth.mfa_serial.clone(),
                base_profile,
                &identity.arn,
                &discover,
            )
            .await?;
        let Some(serial) = serial else {
            if require_mfa {
                return Err(AwsError::Mfa(format!(
                    "no MFA device was found for {}: set [auth] mfa_serial to your device's ARN",
                    identity.arn
                )));
            }
            let credentials =
                sts::session_token(&sdk, None, self.auth.session_duration, &counter, &ctx).await?;
            let entry = MfaSession {
                credentials: credentials.clone(),
                serial: String::new(),
                identity_arn: identity.arn,
            };
            if let Err(e) = self.cache.store_mfa(&plain_key, &entry) {
                tracing::warn!(error = %e, "cannot cache the session");
            }
            return Ok(credentials);
        };
        let code = mfa.get(&serial).await?;
        let credentials = sts::mfa_session(
            &sdk,
            &serial,
            &code,
            self.auth.session_duration,
            &counter,
            &ctx,
        )
        .await?;
        let entry = MfaSession {
            credentials: credentials.clone(),
            serial,
            identity_arn: identity.arn,
        };
        if let Err(e) = self.cache.store_mfa(&key, &entry) {
            tracing::warn!(error = %e, "cannot cache the MFA session");
        }
        Ok(credentials)
    }

    /// The credentials of `profile`'s console session (`login_session`), renewed by the SDK's
    /// provider where they end: they already carry the MFA of the sign-in.
    async fn console_credentials(&self, profile: &str) -> Result<Credentials, AwsError> {
        let ctx = ErrorContext {
            profile: Some(profile.to_owned()),
            ..self.ctx.clone()
        };
        let sdk = sdk::load(
            &AwsSettings {
                profile: Some(profile.to_owned()),
                region: self.region.clone(),
                network: self.network,
                credentials: None,
            },
            &ctx,
        )
        .await?;
        let Some(provider) = sdk.credentials_provider() else {
            return Err(AwsError::ConsoleLogin {
                profile: profile.to_owned(),
                why: "has no credential provider".into(),
            });
        };
        let c = aws_credential_types::provider::ProvideCredentials::provide_credentials(&provider)
            .await
            .map_err(|e| AwsError::ConsoleLogin {
                profile: profile.to_owned(),
                why: format!("cannot give credentials ({})", crate::aws::chain(&e)),
            })?;
        Ok(crate::aws::sdk::from_sdk_credentials(&c))
    }

    fn has_mfa_session(&self, target: &AccessTarget, now: OffsetDateTime) -> bool {
        let key = Self::base_key(self.base_profile_for(&target.role).as_deref());
        self.cache.mfa(&key, now).is_some()
    }

    async fn attempt(
        &self,
        target: &AccessTarget,
        mfa: &MfaSource,
        now: OffsetDateTime,
        use_cached_mfa: bool,
    ) -> Result<Granted, AwsError> {
        let base_profile = self.base_profile_for(&target.role);
        let key = Self::base_key(base_profile.as_deref());
        if let Some(granted) = self.cached(&key, target, now) {
            return Ok(granted);
        }
        // One process at a time gets this role session; the others wait and take its result.
        let _lock = self
            .cache
            .lock_role(
                &key,
                &target.account_id,
                &target.role.name,
                LOCK_WAIT,
                || waiting_note(mfa),
            )
            .await
            .map_err(|e| lock_error(&e))?;
        if let Some(granted) = self.cached(&key, target, now) {
            return Ok(granted);
        }
        let ctx = ErrorContext {
            profile: base_profile.clone(),
            ..self.ctx.clone()
        };
        let sdk = sdk::load(
            &AwsSettings {
                profile: base_profile.clone(),
                region: self.region.clone(),
                network: self.network,
                credentials: self
                    .stored_key(base_profile.as_deref())?
                    .map(|(_, k)| k.credentials()),
            },
            &ctx,
        )
        .await?;
        let counter = CallCounter::default();
        let role_profile = target.role.profile.as_ref();
        let wanted_serial = role_profile
            .and_then(|p| p.mfa_serial.clone())
            .or_else(|| self.auth.mfa_serial.clone());

        let cached = if use_cached_mfa && self.auth.mfa != MfaMode::Never {
            self.cache
                .mfa(&key, now)
                .filter(|m| wanted_serial.as_ref().is_none_or(|w| *w == m.serial))
        } else {
            None
        };
        let (identity_arn, serial) = if let Some(m) = &cached {
            (m.identity_arn.clone(), Some(m.serial.clone()))
        } else {
            let identity = sts::caller_identity(&sdk, &counter, &ctx).await?;
            let discover = Discover {
                sdk: &sdk,
                counter: &counter,
                ctx: &ctx,
                mfa,
            };
            let serial = self
                .resolve_serial(
                    wanted_serial,
                    base_profile.as_deref(),
                    &identity.arn,
                    &discover,
                )
                .await?;
            (identity.arn, serial)
        };

        let call = Call {
            sdk: &sdk,
            counter: &counter,
            ctx: &ctx,
            key: &key,
            use_cached_mfa,
            now,
        };
        self.assume(&call, target, mfa, serial, cached, &identity_arn)
            .await
    }

    /// The MFA session to assume a role through: the cached one, else (one process at a time:
    /// a code is good for one request) the one another process cached while this one waited,
    /// else a new one, cached.
    async fn session_for_assume(
        &self,
        call: &Call<'_>,
        mfa: &MfaSource,
        serial: &str,
        cached: Option<MfaSession>,
        identity_arn: &str,
    ) -> Result<Credentials, AwsError> {
        let Call {
            sdk,
            counter,
            ctx,
            key,
            use_cached_mfa,
            now,
        } = *call;
        let _lock = match cached {
            Some(_) => None,
            None => Some(
                self.cache
                    .lock_mfa(key, LOCK_WAIT, || waiting_note(mfa))
                    .await
                    .map_err(|e| lock_error(&e))?,
            ),
        };
        let cached = cached.or_else(|| {
            use_cached_mfa
                .then(|| self.cache.mfa(key, now))
                .flatten()
                .filter(|m| m.serial == serial)
        });
        if let Some(m) = cached {
            return Ok(m.credentials);
        }
        let code = mfa.get(serial).await?;
        let c =
            sts::mfa_session(sdk, serial, &code, self.auth.session_duration, counter, ctx).await?;
        let entry = MfaSession {
            credentials: c.clone(),
            serial: serial.to_owned(),
            identity_arn: identity_arn.to_owned(),
        };
        if let Err(e) = self.cache.store_mfa(key, &entry) {
            tracing::warn!(error = %e, "cannot cache the MFA session");
        }
        Ok(c)
    }

    /// `AssumeRole` through an MFA session (cached or new), directly with MFA, or without.
    async fn assume(
        &self,
        call: &Call<'_>,
        target: &AccessTarget,
        mfa: &MfaSource,
        serial: Option<String>,
        cached: Option<MfaSession>,
        identity_arn: &str,
    ) -> Result<Granted, AwsError> {
        let Call {
            sdk,
            counter,
            ctx,
            key,
            ..
        } = *call;
        let role_profile = target.role.profile.as_ref();
        let partition = crate::domain::partition::partition_of(identity_arn).to_owned();
        let role_arn = target.role.arn(&partition, &target.account_id);
        let session_name = sts::session_name_from_arn(identity_arn);
        let duration = target
            .duration
            .or(self.auth.role_duration)
            .or(role_profile.and_then(|p| p.duration_seconds))
            .unwrap_or(CHAINING_LIMIT);
        let mut request = AssumeRequest {
            role_arn: &role_arn,
            session_name: &session_name,
            source_identity: self.auth.source_identity.then_some(session_name.as_str()),
            duration_seconds: duration,
            external_id: role_profile.and_then(|p| p.external_id.as_deref()),
            mfa: None,
        };

        let (credentials, via) = match serial {
            Some(serial) if duration > CHAINING_LIMIT => {
                // Over an hour: assume directly with MFA (an MFA session would chain).
                let code = mfa.get(&serial).await?;
                request.mfa = Some((&serial, &code));
                let c = sts::assume_role(sdk, None, &request, counter, ctx).await?;
                (c, Via::Direct)
            }
            Some(serial) => {
                let session = self
                    .session_for_assume(call, mfa, &serial, cached, identity_arn)
                    .await?;
                let c = sts::assume_role(sdk, Some(&session), &request, counter, ctx).await?;
                (c, Via::MfaSession)
            }
            None => (
                sts::assume_role(sdk, None, &request, counter, ctx).await?,
                if identity_arn.contains(":assumed-role/") {
                    Via::Chained
                } else {
                    Via::Direct
                },
            ),
        };
        Ok(self.new_session(
            key,
            target,
            (credentials, role_arn, via),
            counter.calls(),
            "assumed role",
        ))
    }

    /// A role session just obtained for `target` (its credentials, role ARN and how): cached
    /// under `key` (a failure to cache is only logged), logged as `what`, and handed out.
    fn new_session(
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

    /// The device of `identity` to use among those IAM listed.
    async fn pick_device(
        &self,
        identity: &str,
        devices: Vec<String>,
        mfa: &MfaSource,
    ) -> Result<Option<String>, AwsError> {
        match MfaDevices::of(devices) {
            MfaDevices::None => Ok(None),
            MfaDevices::One(serial) => Ok(Some(serial)),
            MfaDevices::OnlyFido(keys) => Err(AwsError::Mfa(format!(
                "API calls need a virtual or hardware (TOTP) MFA device, and {identity} has only FIDO security keys ({}), which sign in to the console only: add a virtual MFA device in IAM, or set [auth] mfa = \"never\" where MFA is not required",
                keys.join(", ")
            ))),
            MfaDevices::Several(devices) => {
                if let Some(chosen) = self.prefs.mfa_device(identity)
                    && devices.contains(&chosen)
                {
                    return Ok(Some(chosen));
                }
                let chosen = mfa.choose_device(&devices).await?;
                self.prefs.set_mfa_device(identity, &chosen);
                Ok(Some(chosen))
            }
        }
    }

    /// The MFA device: configured, else the base profile's `mfa_serial`, else the IAM user's
    /// device that can sign API calls (FIDO keys cannot): the only one, the one chosen before,
    /// or the one the TUI asks for. `None` when MFA is off or nothing is found (in `auto` mode).
    async fn resolve_serial(
        &self,
        wanted: Option<String>,
        base_profile: Option<&str>,
        identity_arn: &str,
        discover: &Discover<'_>,
    ) -> Result<Option<String>, AwsError> {
        let Discover {
            sdk,
            counter,
            ctx,
            mfa,
        } = *discover;
        if self.auth.mfa == MfaMode::Never {
            return Ok(None);
        }
        // A console session was signed in with the user's MFA, and STS takes no MFA code
        // from it (nor gives it an MFA session): roles are assumed from it directly.
        if base_profile.is_some_and(|p| console_session(p).is_some()) {
            return Ok(None);
        }
        let mut serial = wanted;
        if serial.is_none()
            && let Some(p) = base_profile
        {
            serial = crate::aws::config_files::profile_value(p, "mfa_serial");
        }
        if serial.is_none()
            && let Some(user) = sts::iam_user_name(identity_arn)
        {
            serial = match sts::list_mfa_devices(sdk, user, counter, ctx).await {
                Ok(found) => self.pick_device(identity_arn, found, mfa).await?,
                // Not allowed to list one's own devices: go on without MFA, as `auto` says.
                // Anything else (network, AWS trouble) would only fail again later.
                Err(e @ AwsError::AccessDenied { .. }) if self.auth.mfa == MfaMode::Auto => {
                    tracing::warn!(error = %e, "MFA device discovery denied; continuing without MFA");
                    None
                }
                Err(e) => return Err(e),
            };
        }
        if serial.is_none() && self.auth.mfa == MfaMode::Always {
            return Err(AwsError::Mfa(format!(
                "[auth] mfa = \"always\" but no MFA device was found for {identity_arn}: set [auth] mfa_serial to your device's ARN"
            )));
        }
        Ok(serial)
    }
}

/// The `login_session` of `profile`: a console sign-in is its base identity.
fn console_session(profile: &str) -> Option<String> {
    crate::aws::config_files::profile_value(profile, "login_session")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn codes_must_be_six_digits() {
        let src = |c: &str| MfaSource {
            code: Some(c.into()),
            ..MfaSource::default()
        };
        assert_eq!(src(" 123456\n").get("s").await.unwrap(), "123456");
        assert!(matches!(src("12345").get("s").await, Err(AwsError::Mfa(_))));
        assert!(matches!(
            src("12345a").get("s").await,
            Err(AwsError::Mfa(_))
        ));
    }

    #[tokio::test]
    async fn mfa_process_output_is_the_code() {
        let src = MfaSource {
            process: Some("echo 654321".into()),
            ..MfaSource::default()
        };
        assert_eq!(src.get("s").await.unwrap(), "654321");
        let bad = MfaSource {
            process: Some("echo oops >&2; exit 3".into()),
            ..MfaSource::default()
        };
        let err = bad.get("s").await.unwrap_err().to_string();
        assert!(err.contains("failed") && err.contains("oops"), "{err}");
    }

    #[tokio::test]
    async fn no_source_says_what_to_do() {
        let err = MfaSource::default()
            .get("arn:aws:iam::1:mfa/me")
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("--mfa-code"), "{err}");
        assert!(err.contains("mfa_process"), "{err}");
    }

    #[tokio::test]
    async fn tui_prompt_round_trip_and_cancel() {
        let (tx, mut rx) = mpsc::unbounded_channel::<MfaRequest>();
        let src = MfaSource {
            interactive: Interactive::Tui(tx),
            ..MfaSource::default()
        };
        let answer = tokio::spawn(async move {
            let Some(MfaRequest::Code { serial, reply }) = rx.recv().await else {
                panic!("a code request")
            };
            assert_eq!(serial, "dev");
            reply.send(Some("111222".into())).unwrap();
            let Some(MfaRequest::Code { reply, .. }) = rx.recv().await else {
                panic!("a code request")
            };
            reply.send(None).unwrap();
            let Some(MfaRequest::Device { devices, reply }) = rx.recv().await else {
                panic!("a device request")
            };
            assert_eq!(devices.len(), 2);
            reply.send(Some(devices[1].clone())).unwrap();
        });
        assert_eq!(src.get("dev").await.unwrap(), "111222");
        assert!(matches!(
            src.get("dev").await.unwrap_err(),
            AwsError::MfaCancelled
        ));
        let two = ["arn:aws:iam::1:mfa/phone".to_owned(), "GAHT1".to_owned()];
        assert_eq!(src.choose_device(&two).await.unwrap(), "GAHT1");
        let cli = MfaSource::default().choose_device(&two).await.unwrap_err();
        assert!(cli.to_string().contains("[auth] mfa_serial"), "{cli}");
        assert!(cli.to_string().contains("GAHT1"), "{cli}");
        answer.await.unwrap();
    }
}
