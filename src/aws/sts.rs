//! STS and IAM: who the credentials are, MFA sessions, assuming roles, finding the MFA device.

use aws_config::SdkConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use time::OffsetDateTime;

use super::{AwsError, CallCounter, ErrorContext};
use crate::domain::credentials::Credentials;
use crate::domain::model::CallerIdentity;

/// An STS client acting with `sdk`'s credentials, or with `creds` when given.
fn client(
    sdk: &SdkConfig,
    creds: Option<&Credentials>,
    counter: &CallCounter,
) -> aws_sdk_sts::Client {
    let mut config = aws_sdk_sts::config::Builder::from(sdk).interceptor(counter.clone());
    if let Some(c) = creds {
        config = config.credentials_provider(SharedCredentialsProvider::new(
            super::sdk::sdk_credentials(c),
        ));
    }
    aws_sdk_sts::Client::from_conf(config.build())
}

/// `GetCallerIdentity` with the given config (or explicit credentials).
///
/// # Errors
/// An [`AwsError`] when there are no usable credentials or STS cannot be reached.
pub async fn caller_identity(
    sdk: &SdkConfig,
    counter: &CallCounter,
    ctx: &ErrorContext,
) -> Result<CallerIdentity, AwsError> {
    let out = client(sdk, None, counter)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| ctx.classify("sts:GetCallerIdentity", &e))?;
    Ok(CallerIdentity {
        account: out.account().unwrap_or_default().to_owned(),
        arn: out.arn().unwrap_or_default().to_owned(),
        user_id: out.user_id().unwrap_or_default().to_owned(),
    })
}

fn convert(
    c: Option<&aws_sdk_sts::types::Credentials>,
    action: &'static str,
) -> Result<Credentials, AwsError> {
    let c = c.ok_or(AwsError::BadResponse {
        action,
        detail: "no credentials in the answer".into(),
    })?;
    Ok(Credentials {
        access_key_id: c.access_key_id().to_owned(),
        secret_access_key: c.secret_access_key().to_owned(),
        session_token: Some(c.session_token().to_owned()),
        expiration: OffsetDateTime::from_unix_timestamp(c.expiration().secs()).ok(),
    })
}

/// `GetSessionToken` with an MFA code: the MFA session later role assumptions reuse.
///
/// # Errors
/// [`AwsError::WrongMfaCode`] for a rejected code; other [`AwsError`]s as classified.
pub async fn mfa_session(
    sdk: &SdkConfig,
    serial: &str,
    code: &str,
    duration_seconds: u32,
    counter: &CallCounter,
    ctx: &ErrorContext,
) -> Result<Credentials, AwsError> {
    session_token(sdk, Some((serial, code)), duration_seconds, counter, ctx).await
}

/// `GetSessionToken`, with an MFA serial and code when given: a session of the caller's
/// long-lived key.
///
/// # Errors
/// [`AwsError::WrongMfaCode`] for a rejected code; other [`AwsError`]s as classified.
pub async fn session_token(
    sdk: &SdkConfig,
    mfa: Option<(&str, &str)>,
    duration_seconds: u32,
    counter: &CallCounter,
    ctx: &ErrorContext,
) -> Result<Credentials, AwsError> {
    const ACTION: &str = "sts:GetSessionToken";
    let mut call = client(sdk, None, counter)
        .get_session_token()
        .duration_seconds(i32::try_from(duration_seconds).unwrap_or(43_200));
    if let Some((serial, code)) = mfa {
        call = call.serial_number(serial).token_code(code);
    }
    let out = call.send().await.map_err(|e| ctx.classify(ACTION, &e))?;
    convert(out.credentials(), ACTION)
}

/// What to assume and how.
#[derive(Clone, Debug)]
pub struct AssumeRequest<'a> {
    pub role_arn: &'a str,
    pub session_name: &'a str,
    pub source_identity: Option<&'a str>,
    pub duration_seconds: u32,
    pub external_id: Option<&'a str>,
    /// MFA serial and code, for a direct assumption with MFA.
    pub mfa: Option<(&'a str, &'a str)>,
}

/// `AssumeRole`, acting with `creds` (an MFA session) or the config's own credentials.
///
/// # Errors
/// [`AwsError::CannotAssume`] when the role is missing or does not trust the caller,
/// [`AwsError::WrongMfaCode`] for a rejected code, other [`AwsError`]s as classified.
pub async fn assume_role(
    sdk: &SdkConfig,
    creds: Option<&Credentials>,
    request: &AssumeRequest<'_>,
    counter: &CallCounter,
    ctx: &ErrorContext,
) -> Result<Credentials, AwsError> {
    const ACTION: &str = "sts:AssumeRole";
    let mut call = client(sdk, creds, counter)
        .assume_role()
        .role_arn(request.role_arn)
        .role_session_name(request.session_name)
        .duration_seconds(i32::try_from(request.duration_seconds).unwrap_or(3600));
    if let Some(si) = request.source_identity {
        call = call.source_identity(si);
    }
    if let Some(id) = request.external_id {
        call = call.external_id(id);
    }
    if let Some((serial, code)) = request.mfa {
        call = call.serial_number(serial).token_code(code);
    }
    let out = call
        .send()
        .await
        .map_err(|e| match ctx.classify(ACTION, &e) {
            AwsError::AccessDenied { message, .. } => AwsError::CannotAssume {
                role_arn: request.role_arn.to_owned(),
                message,
            },
            other => other,
        })?;
    convert(out.credentials(), ACTION)
}

/// The MFA devices of an IAM user, in IAM's order (`iam:ListMFADevices` with the user name
/// given explicitly, as some endpoints require).
///
/// # Errors
/// An [`AwsError`] when IAM refuses or cannot be reached.
pub async fn list_mfa_devices(
    sdk: &SdkConfig,
    user_name: &str,
    counter: &CallCounter,
    ctx: &ErrorContext,
) -> Result<Vec<String>, AwsError> {
    let config = aws_sdk_iam::config::Builder::from(sdk)
        .interceptor(counter.clone())
        .build();
    let out = aws_sdk_iam::Client::from_conf(config)
        .list_mfa_devices()
        .user_name(user_name)
        .send()
        .await
        .map_err(|e| ctx.classify("iam:ListMFADevices", &e))?;
    Ok(out
        .mfa_devices()
        .iter()
        .map(|d| d.serial_number().to_owned())
        .collect())
}

/// The caller's own name for `RoleSessionName` / `SourceIdentity`, so `CloudTrail` shows who:
/// `…:user/alice` → `alice`, `…:assumed-role/Role/alice@corp.com` → `alice@corp.com`.
#[must_use]
pub fn session_name_from_arn(arn: &str) -> String {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or(arn);
    let last = resource.rsplit('/').next().unwrap_or(resource);
    let clean: String = last
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "+=,.@-_".contains(*c))
        .take(64)
        .collect();
    if clean.len() < 2 {
        "awsnav".to_owned()
    } else {
        clean
    }
}

/// The IAM user name in a user ARN (`arn:aws:iam::1:user/path/alice` → `alice`).
#[must_use]
pub fn iam_user_name(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    resource.strip_prefix("user/")?.rsplit('/').next()
}

/// `AssumeRoleWithSAML`: the role `role_arn`, trusted through the IAM identity provider
/// `principal_arn`, for the holder of `assertion` (no AWS credentials: the assertion is them).
///
/// # Errors
/// [`AwsError::CannotAssume`] when AWS refuses the role or the assertion (expired, not for
/// this role), other [`AwsError`]s as classified.
pub async fn assume_role_with_saml(
    sdk: &SdkConfig,
    role_arn: &str,
    principal_arn: &str,
    assertion: &str,
    duration_seconds: i32,
    counter: &CallCounter,
    ctx: &ErrorContext,
) -> Result<Credentials, AwsError> {
    const ACTION: &str = "sts:AssumeRoleWithSAML";
    let out = client(sdk, None, counter)
        .assume_role_with_saml()
        .role_arn(role_arn)
        .principal_arn(principal_arn)
        .saml_assertion(assertion)
        .duration_seconds(duration_seconds)
        .send()
        .await
        .map_err(|e| match ctx.classify(ACTION, &e) {
            AwsError::AccessDenied { message, .. }
            | AwsError::Service { message, .. }
            | AwsError::BadCredentials { message, .. } => AwsError::CannotAssume {
                role_arn: role_arn.to_owned(),
                message,
            },
            other => other,
        })?;
    convert(out.credentials(), ACTION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_names_come_from_the_caller() {
        assert_eq!(
            session_name_from_arn("arn:aws:iam::123456789012:user/alice"),
            "alice"
        );
        assert_eq!(
            session_name_from_arn("arn:aws:iam::123456789012:user/eng/bob"),
            "bob"
        );
        assert_eq!(
            session_name_from_arn(
                "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_1/carol@corp.com"
            ),
            "carol@corp.com"
        );
        assert_eq!(
            session_name_from_arn("arn:aws:iam::123456789012:root"),
            "root"
        );
        assert_eq!(session_name_from_arn("weird"), "weird");
        assert_eq!(session_name_from_arn("arn:aws:iam::1:user/x"), "awsnav");
        assert_eq!(
            session_name_from_arn(&format!("arn:aws:iam::1:user/{}", "a".repeat(80))).len(),
            64
        );
    }

    #[test]
    fn user_names() {
        assert_eq!(
            iam_user_name("arn:aws:iam::1:user/eng/alice"),
            Some("alice")
        );
        assert_eq!(iam_user_name("arn:aws:sts::1:assumed-role/R/alice"), None);
    }
}
