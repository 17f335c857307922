//! Signing in to IAM Identity Center from either front end: which sign-in, which flow, and
//! the sign-in itself (the flows are in [`crate::aws::sso_oidc`]).

use crate::app::context::AppContext;
use crate::aws::sso::{self, SsoSource};
use crate::aws::sso_oidc::{self, CachedToken, Flow, SignInUi};
use crate::aws::{AwsError, AwsSettings, ErrorContext, sdk};
use crate::config::SsoConfig;

/// The Identity Center sign-in `profile` (else `[sso] profile`, the org profile,
/// `AWS_PROFILE`, `default`) describes; `None` when no such profile has its settings.
///
/// # Errors
/// When the AWS config files cannot be read or the profile's settings are incomplete.
pub async fn source(
    ctx: &AppContext,
    profile: Option<&str>,
) -> Result<Option<SsoSource>, AwsError> {
    let mut config = ctx.config.sso.clone();
    if let Some(p) = profile {
        // An `[[sso]]` entry by its name, else an AWS profile.
        config = match ctx
            .config
            .ssos
            .iter()
            .find(|s| s.name.as_deref() == Some(p))
        {
            Some(entry) => entry.clone(),
            None => SsoConfig {
                profile: Some(p.to_owned()),
                start_url: None,
                ..config
            },
        };
        config.enabled = true;
    }
    sso::resolve(&config, ctx.access.org_profile.as_deref()).await
}

/// Whether a browser opened here would be seen: not over SSH, and with a display on Linux.
#[must_use]
pub fn browser_here() -> bool {
    let set = |v: &str| std::env::var_os(v).is_some_and(|x| !x.is_empty());
    let ssh = set("SSH_CONNECTION") || set("SSH_TTY");
    let display = !cfg!(target_os = "linux") || set("DISPLAY") || set("WAYLAND_DISPLAY");
    !ssh && display
}

/// The flow to use: the device code when asked for, when no browser may open, or when a
/// browser here would not be seen; else the browser with a loopback redirect.
#[must_use]
pub fn flow(use_device_code: bool, no_browser: bool) -> Flow {
    if use_device_code || no_browser || !browser_here() {
        Flow::DeviceCode
    } else {
        Flow::Browser
    }
}

/// The SDK configuration for the sign-in's own region (no credentials: OIDC and the portal
/// take none).
async fn sdk_for(ctx: &AppContext, source: &SsoSource) -> Result<aws_config::SdkConfig, AwsError> {
    sdk::load(
        &AwsSettings {
            profile: None,
            region: Some(source.region.clone()),
            network: ctx.config.network,
            credentials: None,
        },
        &ErrorContext {
            profile: Some(source.profile.clone()),
            config_file: ctx.paths.config_file.display().to_string(),
        },
    )
    .await
}

/// Signs in for `source` with `flow`, and stores the token for every tool.
///
/// # Errors
/// [`AwsError::SsoLogin`] saying why; nothing is stored then.
pub async fn sign_in(
    ctx: &AppContext,
    source: &SsoSource,
    flow: Flow,
    ui: &dyn SignInUi,
) -> Result<CachedToken, AwsError> {
    let sdk = sdk_for(ctx, source).await?;
    sso_oidc::sign_in(&sdk, source, &source.scopes, flow, ui).await
}

/// Signs out of `source`: the portal's `Logout`, then the token removed. `false`: there was
/// no token.
///
/// # Errors
/// When the token file cannot be removed.
pub async fn sign_out(ctx: &AppContext, source: &SsoSource) -> Result<bool, AwsError> {
    let sdk = sdk_for(ctx, source).await?;
    sso_oidc::sign_out(&sdk, source).await
}
