//! IAM Identity Center's sign-in, offered on the terminal when it is missing or expired.

use super::{login, prompt};
use crate::app::context::AppContext;

/// With a person at the terminal, offers to sign in to IAM Identity Center (awsnav's own
/// sign-in, as `awsnav login --profile P`) after its sign-in was missing, expired or refused.
/// `Ok(true)`: signed in, so the caller tries again; `Ok(false)`: no terminal, or declined.
///
/// # Errors
/// When the sign-in fails.
pub async fn offer_sso_login(ctx: &AppContext, profile: &str) -> anyhow::Result<bool> {
    if !prompt::person_present() {
        return Ok(false);
    }
    let Some(answer) = prompt::ask(&format!(
        "The IAM Identity Center sign-in of profile `{profile}` is needed. Sign in now? [Y/n] "
    ))?
    else {
        return Ok(false);
    };
    if answer.trim().to_lowercase().starts_with('n') {
        return Ok(false);
    }
    let source = login::source(ctx, Some(profile)).await?;
    login::sign_in(ctx, &source, false, false).await?;
    Ok(true)
}
