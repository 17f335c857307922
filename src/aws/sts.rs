//! STS: who the current credentials belong to.

use aws_config::SdkConfig;

use super::{AwsError, CallCounter, ErrorContext};
use crate::model::CallerIdentity;

/// `GetCallerIdentity` with the given config.
///
/// # Errors
/// An [`AwsError`] when there are no usable credentials or STS cannot be reached.
pub async fn caller_identity(
    sdk: &SdkConfig,
    counter: &CallCounter,
    ctx: &ErrorContext,
) -> Result<CallerIdentity, AwsError> {
    let config = aws_sdk_sts::config::Builder::from(sdk)
        .interceptor(counter.clone())
        .build();
    let client = aws_sdk_sts::Client::from_conf(config);
    let out = client
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
