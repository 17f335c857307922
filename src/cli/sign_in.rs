//! Signing in from the command line: `awsnav login` / `awsnav logout` (IAM Identity Center
//! without the AWS CLI, the token shared with the AWS CLI and every SDK; a console session;
//! a SAML provider), and the sign-in offered on the terminal when one is missing or expired.

use std::process::ExitCode;

use anyhow::Context as _;

use super::output::say;
use super::prompt;
use crate::app::context::AppContext;
use crate::app::sso_sign_in;
use crate::aws::sso::SsoSource;
use crate::aws::sso_oidc::SignInUi;

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

/// Asks on the terminal for the code a remote console sign-in's browser shows.
struct PastedCode;

impl crate::aws::signin::CodePrompt for PastedCode {
    fn code(&self) -> Option<String> {
        super::prompt::ask("Enter the authorization code displayed in your browser: ")
            .ok()
            .flatten()
            .filter(|c| !c.trim().is_empty())
    }
}

/// Console sign-in's words on the terminal, and its browser.
struct ConsoleUi(TerminalUi);

impl SignInUi for ConsoleUi {
    fn show(&self, url: &str, _user_code: Option<&str>) {
        if self.0.no_browser {
            say!(
                "awsnav: to sign in as an IAM user, open this address in a browser on any device, sign in, then paste the code it shows here:\n  {url}"
            );
        } else {
            say!(
                "awsnav: signing in to the AWS console in the browser; if it does not open, visit\n  {url}"
            );
        }
    }

    fn open(&self, url: &str) -> bool {
        self.0.open(url)
    }
}

/// Signs `profile` in as an IAM user, and says how it went.
///
/// # Errors
/// When the sign-in fails (nothing is stored then).
pub async fn console_sign_in(
    ctx: &AppContext,
    profile: &str,
    no_browser: bool,
) -> anyhow::Result<()> {
    use crate::app::console_sign_in::{self, SignedIn};
    let no_browser = no_browser || !sso_sign_in::browser_here();
    let flow = if no_browser {
        crate::aws::signin::Flow::Remote
    } else {
        crate::aws::signin::Flow::Browser
    };
    let ui = ConsoleUi(TerminalUi {
        browser: ctx.config.console.browser.clone(),
        browser_env: ctx.browser_env.clone(),
        no_browser,
    });
    match console_sign_in::sign_in(ctx, profile, flow, &ui, &PastedCode).await? {
        SignedIn::Renewed { session_arn } => say!(
            "awsnav: profile {profile} is signed in as {session_arn} (the console session was renewed without the browser)"
        ),
        SignedIn::New {
            session_arn,
            config_file,
            ..
        } => say!(
            "awsnav: profile {profile} now signs in as {session_arn} (login_session in {}); awsnav, the AWS CLI and the SDKs renew its credentials for up to {} h",
            config_file.display(),
            crate::aws::signin::SESSION_HOURS
        ),
    }
    Ok(())
}

/// `awsnav login --console`.
///
/// # Errors
/// When the sign-in fails.
pub async fn console_login(ctx: &AppContext, no_browser: bool) -> anyhow::Result<ExitCode> {
    let profile = crate::app::console_sign_in::profile_name(ctx.profile_flag.as_deref());
    console_sign_in(ctx, &profile, no_browser).await?;
    Ok(ExitCode::SUCCESS)
}

/// `awsnav logout --console`.
///
/// # Errors
/// When the token file cannot be removed.
pub fn console_logout(ctx: &AppContext) -> anyhow::Result<ExitCode> {
    let profile = crate::app::console_sign_in::profile_name(ctx.profile_flag.as_deref());
    match crate::app::console_sign_in::sign_out(ctx, &profile)? {
        Some((arn, true)) => say!(
            "awsnav: signed {arn} out of profile {profile}; tools that hold its credentials keep them until they end (at most 15 minutes)"
        ),
        Some((arn, false)) => say!("awsnav: {arn} (profile {profile}) was not signed in"),
        None => say!("awsnav: profile {profile} has no console session (login_session)"),
    }
    Ok(ExitCode::SUCCESS)
}

/// `awsnav logout [--console]`.
///
/// # Errors
/// As [`logout`] and [`console_logout`].
pub async fn logout_command(ctx: &AppContext, console: bool) -> anyhow::Result<ExitCode> {
    if console {
        console_logout(ctx)
    } else {
        logout(ctx).await
    }
}

/// `awsnav login [--console | --saml NAME]`.
///
/// # Errors
/// As [`login`] and [`console_login`].
pub async fn login_command(
    ctx: &AppContext,
    args: &super::args::LoginArgs,
) -> anyhow::Result<ExitCode> {
    if let Some(idp) = &args.saml {
        saml_login(ctx, idp, args.headless).await
    } else if args.console {
        console_login(ctx, args.no_browser).await
    } else {
        login(ctx, args.use_device_code, args.no_browser).await
    }
}

/// The `[[saml]]` identity provider called `name`.
///
/// # Errors
/// When none is configured by that name.
pub fn saml_config<'c>(
    ctx: &'c AppContext,
    name: &str,
) -> anyhow::Result<&'c crate::config::SamlConfig> {
    ctx.config
        .saml
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| {
            let known: Vec<&str> = ctx.config.saml.iter().map(|c| c.name.as_str()).collect();
            anyhow::anyhow!(
                "no SAML identity provider `{name}` in {}: add a [[saml]] entry with name = \"{name}\" and the IdP's AWS app url{}",
                ctx.paths.config_file.display(),
                if known.is_empty() {
                    String::new()
                } else {
                    format!(" (configured: {})", known.join(", "))
                }
            )
        })
}

/// `awsnav login --saml NAME [--headless]`.
///
/// # Errors
/// When the sign-in fails (nothing is stored then).
pub async fn saml_login(ctx: &AppContext, name: &str, headless: bool) -> anyhow::Result<ExitCode> {
    use crate::app::saml_sign_in;
    let config = saml_config(ctx, name)?;
    if !headless {
        say!(
            "awsnav: signing in to {name} in the browser ({}); sign in as the identity provider asks",
            config.url
        );
    }
    let assertion = saml_sign_in::capture(config, &ctx.paths.data_dir, headless)
        .await
        .map_err(|e| anyhow::anyhow!("the SAML sign-in to {name} failed: {e}"))?;
    let now = time::OffsetDateTime::now_utc();
    if let Err(e) = saml_sign_in::store_roles(&ctx.paths.cache_dir, name, &assertion, now) {
        say!("awsnav: warning: the roles could not be kept ({e})");
    }
    let accounts: std::collections::BTreeSet<&str> = assertion
        .roles
        .iter()
        .map(|r| r.account_id.as_str())
        .collect();
    say!(
        "awsnav: signed in to {name}{}: {} role(s) in {} account(s)",
        assertion
            .session_name
            .as_deref()
            .map(|s| format!(" as {s}"))
            .unwrap_or_default(),
        assertion.roles.len(),
        accounts.len()
    );
    for r in &assertion.roles {
        say!("  {}  {}", r.account_id, r.role_name);
    }
    Ok(ExitCode::SUCCESS)
}

/// With a person at the terminal, offers to sign in to IAM Identity Center (awsnav's own
/// sign-in, as `awsnav login --profile P`) after its sign-in was missing, expired or refused.
/// `Ok(true)`: signed in, so the caller tries again; `Ok(false)`: no terminal, or declined.
///
/// # Errors
/// When the sign-in fails.
pub async fn offer_sso_login(ctx: &AppContext, profile: &str) -> anyhow::Result<bool> {
    if !yes_by_default(&format!(
        "The IAM Identity Center sign-in of profile `{profile}` is needed. Sign in now? [Y/n] "
    ))? {
        return Ok(false);
    }
    let source = source(ctx, Some(profile)).await?;
    sign_in(ctx, &source, false, false).await?;
    Ok(true)
}

/// With a person at the terminal, offers the console sign-in of `profile` (as
/// `awsnav login --console --profile P`) after its session ended or was refused.
/// `Ok(true)`: signed in, so the caller tries again; `Ok(false)`: no terminal, or declined.
///
/// # Errors
/// When the sign-in fails.
pub async fn offer_console_login(ctx: &AppContext, profile: &str) -> anyhow::Result<bool> {
    if !yes_by_default(&format!(
        "The console session of profile `{profile}` has ended. Sign in now? [Y/n] "
    ))? {
        return Ok(false);
    }
    console_sign_in(ctx, profile, false).await?;
    Ok(true)
}

/// Asks `question` of the person at the terminal: `true` unless they answer no (or there is
/// no terminal to ask on).
fn yes_by_default(question: &str) -> std::io::Result<bool> {
    if !prompt::person_present() {
        return Ok(false);
    }
    Ok(prompt::ask(question)?.is_some_and(|a| !a.trim().to_lowercase().starts_with('n')))
}

/// Offers the sign-in `error` asks for (Identity Center's or a console session's); `Ok(true)`
/// when it was done, so the caller tries again.
///
/// # Errors
/// When the sign-in fails.
pub async fn offer_for(ctx: &AppContext, error: &crate::aws::AwsError) -> anyhow::Result<bool> {
    match error {
        crate::aws::AwsError::SsoLogin { profile, .. } => offer_sso_login(ctx, profile).await,
        crate::aws::AwsError::ConsoleLogin { profile, .. } => {
            offer_console_login(ctx, profile).await
        }
        _ => Ok(false),
    }
}
