//! A console session (`aws login`, `login_session` in a profile) as a base identity: its
//! credentials come from the SDK's own provider, and already carry the sign-in's MFA.

use super::Access;
use crate::aws::sdk::{self, AwsSettings};
use crate::aws::{AwsError, ErrorContext};
use crate::domain::credentials::Credentials;

impl Access {
    /// The credentials of `profile`'s console session (`login_session`), renewed by the SDK's
    /// provider where they end: they already carry the MFA of the sign-in.
    pub(super) async fn console_credentials(&self, profile: &str) -> Result<Credentials, AwsError> {
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
}

/// The `login_session` of `profile`: a console sign-in is its base identity.
pub(super) fn console_session(profile: &str) -> Option<String> {
    crate::aws::config_files::profile_value(profile, "login_session")
}
