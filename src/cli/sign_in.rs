//! IAM Identity Center's sign-in, offered on the terminal when it is missing or expired.

use anyhow::{Context as _, bail};

use super::prompt;

/// With a person at the terminal, offers to run `aws sso login --profile P` after IAM
/// Identity Center's sign-in was missing, expired or refused. `Ok(true)`: it ran and
/// succeeded, so the caller tries again; `Ok(false)`: no terminal, or declined.
///
/// # Errors
/// When `aws` cannot be started or the sign-in fails.
pub fn offer_sso_login(profile: &str) -> anyhow::Result<bool> {
    if !prompt::person_present() {
        return Ok(false);
    }
    let Some(answer) = prompt::ask(&format!(
        "The IAM Identity Center sign-in of profile `{profile}` is needed. Run `aws sso login --profile {profile}` now? [Y/n] "
    ))?
    else {
        return Ok(false);
    };
    if answer.trim().to_lowercase().starts_with('n') {
        return Ok(false);
    }
    // Its output goes to stderr: stdout may be read by a program (`eval "$(awsnav env …)"`).
    let status = std::process::Command::new("aws")
        .args(["sso", "login", "--profile", profile])
        .stdout(std::io::stderr())
        .status()
        .context("cannot start `aws` (the AWS CLI v2 signs in to IAM Identity Center)")?;
    if !status.success() {
        bail!("`aws sso login --profile {profile}` failed ({status})");
    }
    Ok(true)
}
