//! The AWS config files (`~/.aws/config`, `~/.aws/credentials`, or `AWS_CONFIG_FILE` /
//! `AWS_SHARED_CREDENTIALS_FILE`), read with the SDK's own parser: the roles of profiles, and
//! single settings of a profile.

use std::borrow::Cow;

use aws_types::os_shim_internal::{Env, Fs};

use crate::domain::roles::{ProfileRole, profile_role};

/// Reads every profile with a `role_arn` from the AWS config files (`AWS_CONFIG_FILE`,
/// `AWS_SHARED_CREDENTIALS_FILE` or `~/.aws`).
///
/// # Errors
/// When a file exists but cannot be parsed.
pub async fn load_profile_roles() -> Result<Vec<ProfileRole>, String> {
    let files = aws_runtime::env_config::file::EnvConfigFiles::default();
    let set =
        aws_config::profile::load(&Fs::real(), &Env::real(), &files, None::<Cow<'static, str>>)
            .await
            .map_err(|e| e.to_string())?;
    let mut names: Vec<&str> = set.profiles().collect();
    names.sort_unstable();
    Ok(names
        .into_iter()
        .filter_map(|name| {
            let p = set.get_profile(name)?;
            profile_role(name, |k| p.get(k))
        })
        .collect())
}

/// One setting of a profile in the AWS config files (`None` when unset or unreadable).
pub async fn profile_value(profile: &str, key: &str) -> Option<String> {
    let files = aws_runtime::env_config::file::EnvConfigFiles::default();
    let set = aws_config::profile::load(&Fs::real(), &Env::real(), &files, None)
        .await
        .ok()?;
    set.get_profile(profile)?
        .get(key)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}
