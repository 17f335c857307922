//! IAM Identity Center: the sign-in whose roles are used, and a role's credentials from its
//! portal (`GetRoleCredentials`).

use time::OffsetDateTime;

use super::{Access, AccessTarget, Granted};
use crate::aws::sdk::{self, AwsSettings};
use crate::aws::sso;
use crate::aws::{AwsError, CallCounter};
use crate::domain::credentials::Via;
use crate::domain::partition::Partition;

impl Access {
    /// The cache key of Identity Center role sessions: the profile whose sign-in gets them,
    /// found the way [`sso::resolve`] finds it.
    #[must_use]
    pub fn sso_key(&self) -> String {
        let by_url = self.sso.start_url.as_ref().and(self.sso.name.clone());
        let profile = self
            .sso
            .profile
            .clone()
            .or(by_url)
            .or_else(|| self.org_profile.clone())
            .or_else(|| std::env::var("AWS_PROFILE").ok())
            .unwrap_or_else(|| "default".to_owned());
        format!("identity-center-{profile}")
    }

    /// The IAM Identity Center sign-in whose roles are used (found the way [`sso::resolve`]
    /// finds it).
    ///
    /// # Errors
    /// When the profile has no (or broken) Identity Center settings, or `[sso]` is off.
    pub async fn sso_source(&self) -> Result<sso::SsoSource, AwsError> {
        sso::resolve(&self.sso, self.org_profile.as_deref())
            .await?
            .ok_or_else(|| AwsError::SsoProfile {
                profile: self
                    .sso
                    .profile
                    .clone()
                    .or_else(|| self.org_profile.clone())
                    .unwrap_or_else(|| "default".into()),
                detail: if self.sso.enabled {
                    "it has neither sso_session nor sso_start_url, so Identity Center roles cannot be used (set [sso] profile)".into()
                } else {
                    "[sso] enabled = false, so Identity Center roles cannot be used".into()
                },
            })
    }

    /// The SDK's settings for `source`'s portal (its region; no AWS credentials: the portal
    /// takes the sign-in's token).
    ///
    /// # Errors
    /// When the settings cannot be loaded.
    pub async fn portal_sdk(
        &self,
        source: &sso::SsoSource,
    ) -> Result<aws_config::SdkConfig, AwsError> {
        sdk::load(
            &AwsSettings {
                profile: None,
                region: Some(source.region.clone()),
                network: self.network,
                credentials: None,
            },
            &self.ctx,
        )
        .await
    }

    /// An Identity Center role's credentials: cached, else `GetRoleCredentials`.
    pub(super) async fn sso_credentials(
        &self,
        target: &AccessTarget,
        now: OffsetDateTime,
    ) -> Result<Granted, AwsError> {
        let key = self.sso_key();
        let role_arn = |partition: &str| {
            // Identity Center does not say the role's ARN; this is its path and name prefix.
            format!(
                "arn:{partition}:iam::{}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_{}",
                target.account_id, target.role.name
            )
        };
        if let Some(granted) = self.cached(&key, target, now) {
            return Ok(granted);
        }
        let source = self.sso_source().await?;
        let sdk = self.portal_sdk(&source).await?;
        let counter = CallCounter::default();
        let credentials = source
            .role_credentials(&sdk, &target.account_id, &target.role.name, &counter)
            .await?;
        let role_arn = role_arn(Partition::of_region(&source.region).name());
        Ok(self.new_session(
            &key,
            target,
            (credentials, role_arn, Via::Sso),
            counter.calls(),
            "Identity Center role credentials",
        ))
    }
}
