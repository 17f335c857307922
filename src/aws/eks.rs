//! EKS: the clusters of an account and region, and the token `kubectl` shows a cluster —
//! a presigned `GetCallerIdentity` carrying the cluster's name, as `aws eks get-token` makes.

use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use base64::Engine as _;

use super::{AwsError, CallCounter, ErrorContext};
use crate::domain::credentials::Credentials;

/// A cluster as a kubeconfig needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    pub name: String,
    pub arn: String,
    pub endpoint: String,
    /// The cluster's CA, base64 PEM, as EKS gives it.
    pub certificate_authority: String,
    pub region: String,
}

/// The clusters in `sdk`'s account and region (`ListClusters`, then `DescribeCluster` each);
/// one still being created, with no endpoint yet, is left out.
///
/// # Errors
/// As classified: no access, throttling, no network.
pub async fn clusters(
    sdk: &SdkConfig,
    counter: &CallCounter,
    ctx: &ErrorContext,
) -> Result<Vec<Cluster>, AwsError> {
    let client = aws_sdk_eks::Client::from_conf(
        aws_sdk_eks::config::Builder::from(sdk)
            .interceptor(counter.clone())
            .build(),
    );
    let region = sdk.region().map(ToString::to_string).unwrap_or_default();
    let mut names = Vec::new();
    let mut pages = client.list_clusters().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| ctx.classify("eks:ListClusters", &e))?;
        names.extend(page.clusters().iter().cloned());
    }
    let mut out = Vec::new();
    for name in names {
        let described = client
            .describe_cluster()
            .name(&name)
            .send()
            .await
            .map_err(|e| ctx.classify("eks:DescribeCluster", &e))?;
        let Some(c) = described.cluster() else {
            continue;
        };
        let (Some(endpoint), Some(ca)) = (
            c.endpoint(),
            c.certificate_authority().and_then(|ca| ca.data()),
        ) else {
            continue;
        };
        out.push(Cluster {
            name: c.name().unwrap_or(&name).to_owned(),
            arn: c.arn().unwrap_or_default().to_owned(),
            endpoint: endpoint.to_owned(),
            certificate_authority: ca.to_owned(),
            region: region.clone(),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// How long the presigned request is good for, as the AWS CLI signs it.
const PRESIGNED_FOR: Duration = Duration::from_mins(1);

/// The token for `cluster`: `k8s-aws-v1.` and the base64url (unpadded) of a
/// `GetCallerIdentity` URL presigned for 60 s with `x-k8s-aws-id: cluster` signed in. The URL
/// is STS's in `sdk`'s region, with the SDK's own endpoint settings.
///
/// # Errors
/// When the STS address cannot be found or the request cannot be signed.
pub async fn token(
    sdk: &SdkConfig,
    credentials: &Credentials,
    cluster: &str,
    now: SystemTime,
) -> Result<String, AwsError> {
    let bad = |detail: String| AwsError::BadResponse {
        action: "eks token",
        detail,
    };
    let region = sdk
        .region()
        .map(ToString::to_string)
        .ok_or_else(|| bad("no region".to_owned()))?;
    let origin = sts_origin(sdk, credentials).await.map_err(bad)?;
    let mut url = url::Url::parse(&format!(
        "{origin}/?Action=GetCallerIdentity&Version=2011-06-15"
    ))
    .map_err(|e| bad(e.to_string()))?;
    let host = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => return Err(bad(format!("no host in {origin}"))),
    };
    let identity = super::sdk::sdk_credentials(credentials).into();
    let mut settings = aws_sigv4::http_request::SigningSettings::default();
    settings.signature_location = aws_sigv4::http_request::SignatureLocation::QueryParams;
    settings.expires_in = Some(PRESIGNED_FOR);
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(&region)
        .name("sts")
        .time(now)
        .settings(settings)
        .build()
        .map_err(|e| bad(e.to_string()))?
        .into();
    let headers = [("host", host.as_str()), ("x-k8s-aws-id", cluster)];
    let signable = aws_sigv4::http_request::SignableRequest::new(
        "GET",
        url.as_str(),
        headers.into_iter(),
        aws_sigv4::http_request::SignableBody::Bytes(&[]),
    )
    .map_err(|e| bad(e.to_string()))?;
    let (instructions, _) = aws_sigv4::http_request::sign(signable, &params)
        .map_err(|e| bad(e.to_string()))?
        .into_parts();
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in instructions.params() {
            query.append_pair(k, v);
        }
    }
    Ok(format!(
        "k8s-aws-v1.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url.as_str())
    ))
}

/// Where STS is in `sdk`'s region and partition, with the SDK's own endpoint settings
/// (`AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, `endpoint_url`), found without sending anything.
async fn sts_origin(sdk: &SdkConfig, credentials: &Credentials) -> Result<String, String> {
    let capture = super::sdk::Capture::default();
    let client = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(sdk)
            .interceptor(capture.clone())
            .http_client(super::sdk::NeverSent)
            .credentials_provider(super::sdk::sdk_credentials(credentials))
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .build(),
    );
    let _ = client.get_caller_identity().send().await;
    let url = capture
        .address()
        .ok_or("no address for STS in this region")?;
    let url = url::Url::parse(&url).map_err(|e| e.to_string())?;
    Ok(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_token_is_a_presigned_get_caller_identity_for_the_cluster() {
        let sdk = SdkConfig::builder()
            .region(aws_config::Region::new("eu-west-1"))
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        let creds = Credentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: "secret".into(),
            session_token: Some("tok/en+=".into()),
            expiration: None,
        };
        let at = SystemTime::UNIX_EPOCH + Duration::from_hours(500_000);
        let token = token(&sdk, &creds, "main", at).await.unwrap();
        let encoded = token.strip_prefix("k8s-aws-v1.").unwrap();
        assert!(!encoded.contains('='), "unpadded");
        let url = String::from_utf8(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(encoded)
                .unwrap(),
        )
        .unwrap();
        let url = url::Url::parse(&url).unwrap();
        assert_eq!(url.host_str(), Some("sts.eu-west-1.amazonaws.com"));
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["Action"], "GetCallerIdentity");
        assert_eq!(q["Version"], "2011-06-15");
        assert_eq!(q["X-Amz-Algorithm"], "AWS4-HMAC-SHA256");
        assert_eq!(q["X-Amz-Expires"], "60");
        assert_eq!(q["X-Amz-SignedHeaders"], "host;x-k8s-aws-id");
        assert_eq!(q["X-Amz-Date"], "20270115T080000Z");
        assert_eq!(
            q["X-Amz-Credential"],
            "ASIAEXAMPLE/20270115/eu-west-1/sts/aws4_request"
        );
        assert_eq!(q["X-Amz-Security-Token"], "tok/en+=");
        assert_eq!(q["X-Amz-Signature"].len(), 64);
        // Another cluster, another signature: its name is signed in.
        let other = super::token(&sdk, &creds, "other", at).await.unwrap();
        assert_ne!(token, other);
    }
}
