//! A SAML identity provider: `AssumeRoleWithSAML` with an assertion from the IdP's sign-in
//! ([`crate::app::saml_sign_in`]).

use time::OffsetDateTime;

use super::{Access, AccessTarget, Granted, MfaSource};
use crate::aws::sdk::{self, AwsSettings};
use crate::aws::sts;
use crate::aws::{AwsError, CallCounter, ErrorContext};
use crate::domain::credentials::Via;

impl Access {
    /// A SAML role's credentials: the cached session, else `AssumeRoleWithSAML` with an
    /// assertion from the IdP (this process's, a silent sign-in, or one in the browser when a
    /// person is there). An assertion AWS refuses is forgotten and a new one asked for, once.
    pub(super) async fn saml_credentials(
        &self,
        target: &AccessTarget,
        mfa: &MfaSource,
        now: OffsetDateTime,
    ) -> Result<Granted, AwsError> {
        let Some(from) = target.role.saml.clone() else {
            return Err(AwsError::Mfa("not a SAML role".into()));
        };
        let key = format!("saml-{}", from.idp);
        if let Some(granted) = self.cached(&key, target, now) {
            return Ok(granted);
        }
        let config = self
            .saml
            .iter()
            .find(|c| c.name == from.idp)
            .ok_or_else(|| AwsError::SamlLogin {
                idp: from.idp.clone(),
                why: "is not configured (no [[saml]] entry by that name)".into(),
            })?;
        let interactive = &mfa.interactive;
        let ctx = ErrorContext {
            profile: None,
            ..self.ctx.clone()
        };
        let sdk = sdk::load(
            &AwsSettings {
                profile: None,
                region: config.region.clone().or_else(|| self.region.clone()),
                network: self.network,
                credentials: None,
            },
            &ctx,
        )
        .await?;
        let counter = CallCounter::default();
        let (data_dir, cache_dir) = &self.saml_dirs;
        let mut attempt = 0;
        let (credentials, role_arn) = loop {
            attempt += 1;
            let assertion =
                crate::app::saml_sign_in::assertion(config, data_dir, cache_dir, interactive)
                    .await?;
            let Some(role) = assertion.role(&target.account_id, &target.role.name) else {
                return Err(AwsError::SamlLogin {
                    idp: from.idp.clone(),
                    why: format!(
                        "gives no role {} in account {} any more",
                        target.role.name, target.account_id
                    ),
                });
            };
            let duration = target
                .duration
                .and_then(|d| i32::try_from(d).ok())
                .or(config.session_duration)
                .or(assertion.session_duration)
                .unwrap_or(3600);
            match sts::assume_role_with_saml(
                &sdk,
                &role.role_arn,
                &role.principal_arn,
                &assertion.encoded,
                duration,
                &counter,
                &ctx,
            )
            .await
            {
                Ok(c) => break (c, role.role_arn.clone()),
                Err(e @ AwsError::CannotAssume { .. }) if attempt == 1 => {
                    tracing::info!(error = %e, "AWS refused the assertion; asking the IdP again");
                    crate::app::saml_sign_in::forget(&from.idp).await;
                }
                Err(e) => return Err(e),
            }
        };
        Ok(self.new_session(
            &key,
            target,
            (credentials, role_arn, Via::Saml),
            counter.calls(),
            "SAML role credentials",
        ))
    }
}
