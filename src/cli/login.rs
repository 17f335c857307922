//! `awsnav login` / `awsnav logout`: IAM Identity Center sign-in without the AWS CLI; the token
//! is shared with the AWS CLI and every SDK.

use std::process::ExitCode;

use anyhow::Context as _;

use super::output::say;
use crate::app::context::AppContext;
use crate::app::sso_sign_in;
use crate::aws::sso::SsoSource;
use crate::aws::sso_login::SignInUi;

/// Shows the sign-in on the terminal (stderr) and opens the browser as `[console] browser`
/// / `$BROWSER` / the platform's opener would.
pub struct TerminalUi {
    pub browser: Option<String>,
    pub browser_env: Option<String>,
    pub no_browser: bool,
}

impl SignInUi for TerminalUi {
    fn show(&self, url: &str, user_code: Option<&str>) {
        match user_code {
            Some(code) => say!(
                "awsnav: to sign in to IAM Identity Center, open\n  {url}\nand check that the code shown there is {code}"
            ),
            None => say!(
                "awsnav: signing in to IAM Identity Center in the browser; if it does not open, visit\n  {url}"
            ),
        }
    }

    fn open(&self, url: &str) -> bool {
        !self.no_browser
            && crate::app::console_link::open_in_browser(
                &crate::app::console_link::SigninUrl(url.to_owned()),
                self.browser.as_deref(),
                self.browser_env.as_deref(),
            )
            .is_ok()
    }
}

/// The Identity Center sign-in `profile` (else `[sso] profile`, the org profile,
/// `AWS_PROFILE`, `default`) describes.
///
/// # Errors
/// When no such profile has Identity Center settings.
pub async fn source(ctx: &AppContext, profile: Option<&str>) -> anyhow::Result<SsoSource> {
    sso_sign_in::source(ctx, profile).await?.context(
        "no profile with IAM Identity Center settings (sso_session or sso_start_url): name one with --profile or [sso] profile",
    )
}

/// Signs in for `source` and says until when.
///
/// # Errors
/// When the sign-in fails (nothing is stored then).
pub async fn sign_in(
    ctx: &AppContext,
    source: &SsoSource,
    use_device_code: bool,
    no_browser: bool,
) -> anyhow::Result<()> {
    let flow = sso_sign_in::flow(use_device_code, no_browser);
    let ui = TerminalUi {
        browser: ctx.config.console.browser.clone(),
        browser_env: ctx.browser_env.clone(),
        no_browser,
    };
    let token = sso_sign_in::sign_in(ctx, source, flow, &ui).await?;
    say!(
        "awsnav: signed in to {} (profile {}) until {}",
        source.start_url,
        source.profile,
        token.expires_at
    );
    Ok(())
}

/// `awsnav login`.
///
/// # Errors
/// When there is no Identity Center profile or the sign-in fails.
pub async fn login(
    ctx: &AppContext,
    use_device_code: bool,
    no_browser: bool,
) -> anyhow::Result<ExitCode> {
    let source = source(ctx, ctx.profile_flag.as_deref()).await?;
    sign_in(ctx, &source, use_device_code, no_browser).await?;
    Ok(ExitCode::SUCCESS)
}

/// `awsnav logout`.
///
/// # Errors
/// When there is no Identity Center profile or the token file cannot be removed.
pub async fn logout(ctx: &AppContext) -> anyhow::Result<ExitCode> {
    let source = source(ctx, ctx.profile_flag.as_deref()).await?;
    if sso_sign_in::sign_out(ctx, &source).await? {
        say!("awsnav: signed out of {}", source.start_url);
    } else {
        say!("awsnav: not signed in to {}", source.start_url);
    }
    Ok(ExitCode::SUCCESS)
}
