//! IAM: an IAM user's access keys (made, listed and deleted when a key is rotated).

use aws_config::SdkConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use time::OffsetDateTime;

use super::{AwsError, CallCounter, ErrorContext};
use crate::domain::credentials::{AccessKey, Credentials};

/// An IAM client acting with `sdk`'s credentials, or with `creds` when given.
fn client(
    sdk: &SdkConfig,
    creds: Option<&Credentials>,
    counter: &CallCounter,
) -> aws_sdk_iam::Client {
    let mut config = aws_sdk_iam::config::Builder::from(sdk).interceptor(counter.clone());
    if let Some(c) = creds {
        config = config.credentials_provider(SharedCredentialsProvider::new(
            super::sdk::sdk_credentials(c),
        ));
    }
    aws_sdk_iam::Client::from_conf(config.build())
}

fn date(d: Option<&aws_smithy_types::DateTime>) -> Option<OffsetDateTime> {
    d.and_then(|d| OffsetDateTime::from_unix_timestamp(d.secs()).ok())
}

/// One of a user's access keys as IAM lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    pub access_key_id: String,
    pub created: Option<OffsetDateTime>,
    pub active: bool,
}

/// `iam:ListAccessKeys` of `user`.
///
/// # Errors
/// An [`AwsError`] when IAM refuses or cannot be reached.
pub async fn access_keys(
    sdk: &SdkConfig,
    creds: Option<&Credentials>,
    user: &str,
    counter: &CallCounter,
    ctx: &ErrorContext,
) -> Result<Vec<KeyInfo>, AwsError> {
    let out = client(sdk, creds, counter)
        .list_access_keys()
        .user_name(user)
        .send()
        .await
        .map_err(|e| ctx.classify("iam:ListAccessKeys", &e))?;
    Ok(out
        .access_key_metadata()
        .iter()
        .map(|k| KeyInfo {
            access_key_id: k.access_key_id().unwrap_or_default().to_owned(),
            created: date(k.create_date()),
            active: k
                .status()
                .is_none_or(|s| *s == aws_sdk_iam::types::StatusType::Active),
        })
        .collect())
}

/// `iam:CreateAccessKey` for `user`: the new key and when IAM made it.
///
/// # Errors
/// An [`AwsError`] when IAM refuses (two keys already, not allowed) or cannot be reached.
pub async fn create_access_key(
    sdk: &SdkConfig,
    creds: Option<&Credentials>,
    user: &str,
    counter: &CallCounter,
    ctx: &ErrorContext,
) -> Result<(AccessKey, Option<OffsetDateTime>), AwsError> {
    const ACTION: &str = "iam:CreateAccessKey";
    let out = client(sdk, creds, counter)
        .create_access_key()
        .user_name(user)
        .send()
        .await
        .map_err(|e| ctx.classify(ACTION, &e))?;
    let key = out.access_key().ok_or(AwsError::BadResponse {
        action: ACTION,
        detail: "no key in the answer".into(),
    })?;
    Ok((
        AccessKey {
            access_key_id: key.access_key_id().to_owned(),
            secret_access_key: key.secret_access_key().to_owned(),
        },
        date(key.create_date()),
    ))
}

/// `iam:DeleteAccessKey` of `user`'s key `key_id`.
///
/// # Errors
/// An [`AwsError`] when IAM refuses or cannot be reached.
pub async fn delete_access_key(
    sdk: &SdkConfig,
    creds: Option<&Credentials>,
    user: &str,
    key_id: &str,
    counter: &CallCounter,
    ctx: &ErrorContext,
) -> Result<(), AwsError> {
    client(sdk, creds, counter)
        .delete_access_key()
        .user_name(user)
        .access_key_id(key_id)
        .send()
        .await
        .map_err(|e| ctx.classify("iam:DeleteAccessKey", &e))?;
    Ok(())
}

/// `iam:UpdateAccessKey` to `Inactive`: `user`'s key `key_id` stops working, and can be
/// turned on again.
///
/// # Errors
/// An [`AwsError`] when IAM refuses or cannot be reached.
pub async fn deactivate_access_key(
    sdk: &SdkConfig,
    creds: Option<&Credentials>,
    user: &str,
    key_id: &str,
    counter: &CallCounter,
    ctx: &ErrorContext,
) -> Result<(), AwsError> {
    client(sdk, creds, counter)
        .update_access_key()
        .user_name(user)
        .access_key_id(key_id)
        .status(aws_sdk_iam::types::StatusType::Inactive)
        .send()
        .await
        .map_err(|e| ctx.classify("iam:UpdateAccessKey", &e))?;
    Ok(())
}
