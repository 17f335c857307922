//! IAM users with no access key: a console sign-in ([`crate::aws::signin`]) as a
//! profile's base identity, from either front end. The profile gets `login_session = <ARN>`
//! and the token goes where the AWS CLI keeps it, so the SDK (awsnav's, the AWS CLI's,
//! botocore's) turns it into credentials and renews it; awsnav notes when the session began,
//! to say how long it has left.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::app::context::AppContext;
use crate::aws::config_files::{AwsConfigFiles, config_file_path};
use crate::aws::signin::{self, CodePrompt, Flow, SESSION_HOURS};
use crate::aws::sso_oidc::SignInUi;
use crate::aws::{AwsError, AwsSettings, ErrorContext, sdk};

/// The settings that give a profile other credentials: a console session would come after
/// them in the SDK's order, so a sign-in there would not be used.
const OTHER_CREDENTIALS: &[(&str, &str)] = &[
    ("web_identity_token_file", "web identity"),
    ("sso_session", "IAM Identity Center"),
    ("sso_start_url", "IAM Identity Center"),
    ("sso_role_name", "IAM Identity Center"),
    ("aws_access_key_id", "access key"),
    ("role_arn", "assume role"),
    ("credential_process", "credential process"),
];

/// The profile a console sign-in is for: `--profile`, else `AWS_PROFILE`, else `default`.
#[must_use]
pub fn profile_name(flag: Option<&str>) -> String {
    flag.map(str::to_owned)
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".to_owned())
}

/// The `login_session` of `profile`, as the files read at start have it.
#[must_use]
pub fn session_of(profile: &str) -> Option<String> {
    AwsConfigFiles::shared()
        .get(profile, "login_session")
        .map(std::borrow::Cow::into_owned)
}

/// What awsnav notes of a console session beside the SDK's token: when it began.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Began {
    session: String,
    #[serde(with = "time::serde::rfc3339")]
    signed_in_at: OffsetDateTime,
}

fn began_path(ctx: &AppContext, session_arn: &str) -> PathBuf {
    ctx.paths.cache_dir.join(format!(
        "console-session-{}.json",
        crate::store::private_file::file_key(session_arn)
    ))
}

/// A console session as the status bar and `config show` tell it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleStatus {
    pub profile: String,
    pub session_arn: String,
    /// The user's name (`alice`), from the ARN.
    pub user: String,
    /// When AWS ends the session (its refresh token), where awsnav saw it begin.
    pub ends: Option<OffsetDateTime>,
    /// Whether a token is cached at all.
    pub signed_in: bool,
}

impl ConsoleStatus {
    /// "console session: alice, 11 h left" / "…, ended" / "…, not signed in".
    #[must_use]
    pub fn describe(&self, now: OffsetDateTime) -> String {
        let state = match self.ends {
            _ if !self.signed_in => "not signed in".to_owned(),
            Some(end) if end <= now => "ended".to_owned(),
            Some(end) if end - now >= time::Duration::hours(1) => {
                format!("{} h left", (end - now).whole_hours())
            }
            Some(end) => format!("{} min left", (end - now).whole_minutes().max(1)),
            None => "signed in".to_owned(),
        };
        format!("console session: {}, {state}", self.user)
    }
}

/// The console session of `profile`, if the profile has one.
#[must_use]
pub fn status(ctx: &AppContext, profile: &str) -> Option<ConsoleStatus> {
    let session_arn = session_of(profile)?;
    let signed_in = signin::read_token(&session_arn).is_some();
    let ends = std::fs::read(began_path(ctx, &session_arn))
        .ok()
        .and_then(|b| serde_json::from_slice::<Began>(&b).ok())
        .filter(|b| b.session == session_arn)
        .map(|b| b.signed_in_at + time::Duration::hours(SESSION_HOURS));
    Some(ConsoleStatus {
        profile: profile.to_owned(),
        user: signin::user_name(&session_arn).to_owned(),
        session_arn,
        ends,
        signed_in,
    })
}

/// The base profile whose console session the app uses (`[auth] profile`, `[org] profile`,
/// `AWS_PROFILE`, `default`), if it has one.
#[must_use]
pub fn base_status(ctx: &AppContext) -> Option<ConsoleStatus> {
    let profile = ctx
        .access
        .base_profile
        .clone()
        .unwrap_or_else(|| profile_name(None));
    status(ctx, &profile)
}

/// The SDK settings of Sign-In for `profile`: its region (else awsnav's, else `us-east-1`),
/// no credentials (the token request carries none).
async fn sdk_for(ctx: &AppContext, profile: &str) -> Result<aws_config::SdkConfig, AwsError> {
    let region = ctx
        .region_override
        .clone()
        .or_else(|| crate::aws::config_files::profile_value(profile, "region"))
        .or_else(|| ctx.access.region.clone())
        .unwrap_or_else(|| "us-east-1".to_owned());
    sdk::load(
        &AwsSettings {
            profile: None,
            region: Some(region),
            network: ctx.config.network,
            credentials: None,
        },
        &ErrorContext {
            profile: Some(profile.to_owned()),
            config_file: ctx.paths.config_file.display().to_string(),
        },
    )
    .await
}

fn login_error(profile: &str, why: impl Into<String>) -> AwsError {
    AwsError::ConsoleLogin {
        profile: profile.to_owned(),
        why: why.into(),
    }
}

/// How a sign-in ended.
#[derive(Debug)]
pub enum SignedIn {
    /// The cached session still works (renewed with its refresh token where it had to be):
    /// no browser was needed.
    Renewed { session_arn: String },
    /// A new sign-in in the browser.
    New {
        session_arn: String,
        token_file: PathBuf,
        config_file: PathBuf,
    },
}

/// Signs `profile` in: its cached session first (renewed with the refresh token, no browser),
/// else a new sign-in with `flow`; then the token is stored for every tool, the profile given
/// `login_session`, and the start noted.
///
/// # Errors
/// [`AwsError::ConsoleLogin`] saying why; nothing is stored then.
pub async fn sign_in(
    ctx: &AppContext,
    profile: &str,
    flow: Flow,
    ui: &dyn SignInUi,
    prompt: &dyn CodePrompt,
) -> Result<SignedIn, AwsError> {
    let sdk = sdk_for(ctx, profile).await?;
    if let Some(session_arn) = session_of(profile)
        && signin::read_token(&session_arn).is_some()
    {
        match signin::credentials(&sdk, &session_arn).await {
            Ok(_) => return Ok(SignedIn::Renewed { session_arn }),
            Err(why) => {
                tracing::info!(why = %why, "the console session could not be renewed; signing in again");
            }
        }
    }
    let files = AwsConfigFiles::shared();
    if let Some((_, style)) = OTHER_CREDENTIALS
        .iter()
        .find(|(key, _)| files.get(profile, key).is_some())
    {
        return Err(login_error(
            profile,
            format!(
                "cannot be used: the profile already has {style} credentials, which the SDKs would use first. Sign in for a new profile (--profile NAME), or take those settings out of it"
            ),
        ));
    }
    let signed = signin::sign_in(&sdk, flow, ui, prompt)
        .await
        .map_err(|why| login_error(profile, why))?;
    let token_file = signin::write_token(&signed.session_arn, &signed.token)
        .map_err(|e| login_error(profile, format!("cannot be stored ({e})")))?;
    let config_file = config_file_path()
        .ok_or_else(|| login_error(profile, "cannot be stored (no home directory)"))?;
    set_login_session(&config_file, profile, &signed.session_arn)
        .map_err(|e| login_error(profile, format!("cannot be written to the profile ({e:#})")))?;
    let began = Began {
        session: signed.session_arn.clone(),
        signed_in_at: OffsetDateTime::now_utc(),
    };
    if let Err(e) = crate::store::private_file::write_private(
        &began_path(ctx, &signed.session_arn),
        &serde_json::to_vec(&began).unwrap_or_default(),
    ) {
        tracing::warn!(error = %e, "cannot note when the console session began");
    }
    Ok(SignedIn::New {
        session_arn: signed.session_arn,
        token_file,
        config_file,
    })
}

/// Puts `login_session = ARN` into `profile`'s section of the config file: that one line,
/// every other byte kept.
fn set_login_session(
    config_file: &std::path::Path,
    profile: &str,
    arn: &str,
) -> anyhow::Result<()> {
    let text = match std::fs::read_to_string(config_file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(anyhow::anyhow!(
                "cannot read {}: {e}",
                config_file.display()
            ));
        }
    };
    let new = crate::store::aws_files_edit::with_setting(&text, profile, "login_session", arn);
    if new != text {
        crate::store::aws_config_block::replace_file(config_file, &new, false)?;
    }
    Ok(())
}

/// Signs `profile`'s console session out: the token removed (the profile keeps its
/// `login_session`, as the AWS CLI's `logout` leaves it). `None`: the profile has no session.
///
/// # Errors
/// When the token file cannot be removed.
pub fn sign_out(ctx: &AppContext, profile: &str) -> Result<Option<(String, bool)>, AwsError> {
    let Some(session_arn) = session_of(profile) else {
        return Ok(None);
    };
    let removed = signin::remove_token(&session_arn)
        .map_err(|e| login_error(profile, format!("could not be removed ({e})")))?;
    let _ = std::fs::remove_file(began_path(ctx, &session_arn));
    Ok(Some((session_arn, removed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_says_who_and_how_long() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let mut s = ConsoleStatus {
            profile: "dev".into(),
            session_arn: "arn:aws:iam::123456789012:user/alice".into(),
            user: "alice".into(),
            ends: Some(now + time::Duration::minutes(11 * 60 + 20)),
            signed_in: true,
        };
        assert_eq!(s.describe(now), "console session: alice, 11 h left");
        s.ends = Some(now + time::Duration::minutes(7));
        assert_eq!(s.describe(now), "console session: alice, 7 min left");
        s.ends = Some(now - time::Duration::minutes(1));
        assert_eq!(s.describe(now), "console session: alice, ended");
        s.signed_in = false;
        assert_eq!(s.describe(now), "console session: alice, not signed in");
    }
}
