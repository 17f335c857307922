//! Keys with MFA: the MFA session (`GetSessionToken`, one code per working session, shared by
//! every process through the cache and its lock), and `AssumeRole` through it with the
//! caller's own name on the session.

use time::OffsetDateTime;

use super::console_session::console_session;
use super::mfa::Discover;
use super::{Access, AccessTarget, Granted, LOCK_WAIT, MfaSource, lock_error, waiting_note};
use crate::aws::sdk::{self, AwsSettings};
use crate::aws::sts::{self, AssumeRequest};
use crate::aws::{AwsError, CallCounter, ErrorContext};
use crate::config::MfaMode;
use crate::domain::credentials::{Credentials, MfaSession, Via};

/// Role chaining (`AssumeRole` with temporary credentials) is limited to one hour.
const CHAINING_LIMIT: u32 = 3600;

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

impl Access {
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
        let discover = Discover {
            sdk: &sdk,
            counter: &counter,
            ctx: &ctx,
            mfa,
        };
        let (identity_arn, serial) = self
            .identity_and_device(self.auth.mfa_serial.clone(), base_profile, &discover)
            .await?;
        let Some(serial) = serial else {
            if require_mfa {
                return Err(AwsError::Mfa(format!(
                    "no MFA device was found for {identity_arn}: set [auth] mfa_serial to your device's ARN"
                )));
            }
            let credentials =
                sts::session_token(&sdk, None, self.auth.session_duration, &counter, &ctx).await?;
            let entry = MfaSession {
                credentials: credentials.clone(),
                serial: String::new(),
                identity_arn,
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
            identity_arn,
        };
        if let Err(e) = self.cache.store_mfa(&key, &entry) {
            tracing::warn!(error = %e, "cannot cache the MFA session");
        }
        Ok(credentials)
    }

    pub(super) fn has_mfa_session(&self, target: &AccessTarget, now: OffsetDateTime) -> bool {
        let key = Self::base_key(self.base_profile_for(&target.role).as_deref());
        self.cache.mfa(&key, now).is_some()
    }

    pub(super) async fn attempt(
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
            let discover = Discover {
                sdk: &sdk,
                counter: &counter,
                ctx: &ctx,
                mfa,
            };
            self.identity_and_device(wanted_serial, base_profile.as_deref(), &discover)
                .await?
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
}
