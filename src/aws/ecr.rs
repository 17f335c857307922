//! ECR: the password `docker login` takes for an account's registries.

use aws_config::SdkConfig;
use base64::Engine as _;
use time::OffsetDateTime;

use super::{AwsError, CallCounter, ErrorContext};

/// What Docker needs for a registry, and until when.
#[derive(Clone)]
pub struct RegistryLogin {
    pub username: String,
    pub secret: String,
    pub expires: Option<OffsetDateTime>,
    /// `https://ACCOUNT.dkr.ecr.REGION.amazonaws.com`.
    pub proxy_endpoint: String,
}

impl std::fmt::Debug for RegistryLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryLogin")
            .field("username", &self.username)
            .field("secret", &"<redacted>")
            .field("expires", &self.expires)
            .field("proxy_endpoint", &self.proxy_endpoint)
            .finish()
    }
}

/// `GetAuthorizationToken` in `sdk`'s account and region, its token split into user and
/// password.
///
/// # Errors
/// As classified, or when the answer has no token.
pub async fn login(
    sdk: &SdkConfig,
    counter: &CallCounter,
    ctx: &ErrorContext,
) -> Result<RegistryLogin, AwsError> {
    let client = aws_sdk_ecr::Client::from_conf(
        aws_sdk_ecr::config::Builder::from(sdk)
            .interceptor(counter.clone())
            .build(),
    );
    let out = client
        .get_authorization_token()
        .send()
        .await
        .map_err(|e| ctx.classify("ecr:GetAuthorizationToken", &e))?;
    let bad = |detail: &str| AwsError::BadResponse {
        action: "ecr:GetAuthorizationToken",
        detail: detail.to_owned(),
    };
    let data = out
        .authorization_data()
        .first()
        .ok_or_else(|| bad("no authorization data"))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(data.authorization_token().unwrap_or_default())
        .map_err(|_| bad("the token is not base64"))?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad("the token is not text"))?;
    let (username, secret) = decoded
        .split_once(':')
        .ok_or_else(|| bad("the token is not USER:PASSWORD"))?;
    Ok(RegistryLogin {
        username: username.to_owned(),
        secret: secret.to_owned(),
        expires: data
            .expires_at()
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t.secs()).ok()),
        proxy_endpoint: data.proxy_endpoint().unwrap_or_default().to_owned(),
    })
}
