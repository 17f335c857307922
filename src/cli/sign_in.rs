//! IAM Identity Center's sign-in, and a console session's, offered on the terminal when it is
//! missing or expired.

use super::{login, prompt};
use crate::app::context::AppContext;

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
    let source = login::source(ctx, Some(profile)).await?;
    login::sign_in(ctx, &source, false, false).await?;
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
    login::console_sign_in(ctx, profile, false).await?;
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
