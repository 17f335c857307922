//! Builds the one `SdkConfig` every client comes from, and counts the requests clients make.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use super::{AwsError, ErrorContext};
use crate::config::NetworkConfig;
use crate::domain::credentials::Credentials;

/// Organizations and STS are global; this is where they answer when nothing says otherwise.
const FALLBACK_REGION: &str = "us-east-1";

/// Which profile and region to talk to AWS with, and how long to wait for it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AwsSettings {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub network: NetworkConfig,
    /// Credentials awsnav has itself (a key from its key store, an MFA or role session), in
    /// place of the profile's or the chain's; the profile, where it exists, still gives the
    /// region and endpoints.
    pub credentials: Option<Credentials>,
}

/// Loads the SDK config: the standard chain (or `settings.profile`), endpoints from the SDK's own
/// settings (`AWS_ENDPOINT_URL`, per-service variables, `endpoint_url` in the profile), and
/// retries with exponential backoff and jitter.
///
/// # Errors
/// When the named profile does not exist or the AWS config files cannot be parsed.
pub async fn load(settings: &AwsSettings, ctx: &ErrorContext) -> Result<SdkConfig, AwsError> {
    // With credentials given the profile need not exist: `auth add NAME` makes no profile.
    let profile = match (&settings.profile, &settings.credentials) {
        (Some(p), None) => {
            check_profile_exists(p, ctx)?;
            Some(p)
        }
        (Some(p), Some(_)) => check_profile_exists(p, ctx).is_ok().then_some(p),
        (None, _) => None,
    };
    // The SDK's own AWS_MAX_ATTEMPTS still decides when it is set.
    let attempts = std::env::var("AWS_MAX_ATTEMPTS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|&n: &u32| n >= 1)
        .unwrap_or(8);
    let http_client = super::http::sdk_client();
    let files = profile_files(profile.map(String::as_str));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client.clone())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(attempts)
                .with_initial_backoff(Duration::from_millis(200))
                .with_max_backoff(Duration::from_secs(20)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(
                    settings.network.connect_timeout_seconds,
                ))
                .operation_attempt_timeout(Duration::from_secs(settings.network.timeout_seconds))
                .build(),
        );
    if let Some(files) = &files {
        loader = loader.profile_files(files.clone());
    }
    if let Some(c) = &settings.credentials {
        if let Some(profile) = profile {
            loader = loader.profile_name(profile);
        }
        loader = loader.credentials_provider(sdk_credentials(c));
    } else if let Some(profile) = profile {
        // A named profile means that profile's credentials, even when credential variables
        // are set (as they are inside an awsnav shell).
        let mut provider = aws_config::profile::ProfileFileCredentialsProvider::builder()
            // Role and SSO profiles call STS / the portal through the same client.
            .configure(
                &aws_config::provider_config::ProviderConfig::default()
                    .with_http_client(http_client)
                    .with_region(settings.region.clone().map(Region::new)),
            )
            .profile_name(profile);
        if let Some(files) = files {
            provider = provider.profile_files(files);
        }
        loader = loader
            .profile_name(profile)
            .credentials_provider(provider.build());
    }
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    let config = loader.load().await;
    if config.region().is_none() {
        return Ok(config
            .into_builder()
            .region(Region::new(FALLBACK_REGION))
            .build());
    }
    Ok(config)
}

/// What the SDK reads of the AWS config files: the sections of the profiles in play (`profile`,
/// `AWS_PROFILE`, `default`, what they name as `source_profile`) and the non-profile sections,
/// cut from the files awsnav has read already, so a file of thousands of profiles is neither
/// read again nor parsed whole by the SDK. `None` (the SDK reads the files itself, and says
/// what is wrong) when awsnav could not read them.
fn profile_files(profile: Option<&str>) -> Option<aws_runtime::env_config::file::EnvConfigFiles> {
    use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
    let files = super::config_files::AwsConfigFiles::shared_result().ok()?;
    let env_profile = std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty());
    let wanted: Vec<&str> = profile.into_iter().chain(env_profile.as_deref()).collect();
    let (config, credentials) = files.only(&wanted);
    Some(
        EnvConfigFiles::builder()
            .with_contents(EnvConfigFileKind::Config, config)
            .with_contents(EnvConfigFileKind::Credentials, credentials)
            .build(),
    )
}

fn check_profile_exists(profile: &str, ctx: &ErrorContext) -> Result<(), AwsError> {
    // Files awsnav could not read: its reading says which file, which line and what is wrong.
    let files = super::config_files::AwsConfigFiles::shared_result()
        .map_err(|e| AwsError::ProfileFile(e.to_owned()))?;
    if files.has_profile(profile) {
        return Ok(());
    }
    Err(not_found(profile, ctx, &files.profile_names()))
}

fn not_found(profile: &str, ctx: &ErrorContext, available: &[&str]) -> AwsError {
    AwsError::ProfileNotFound {
        profile: profile.to_owned(),
        files: "~/.aws/config and ~/.aws/credentials (or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE)"
            .into(),
        config: ctx.config_file.clone(),
        available: if available.is_empty() {
            "(no profiles defined)".into()
        } else {
            available.join(", ")
        },
    }
}

/// Counts operations (API calls) and attempts (including retries) made by the clients it is
/// attached to.
#[derive(Clone, Debug, Default)]
pub struct CallCounter {
    inner: Arc<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    calls: AtomicU64,
    attempts: AtomicU64,
    /// Operations that were awsnav's own retries of an earlier one (see `pace`).
    retries: AtomicU64,
}

impl CallCounter {
    /// API calls made (one per operation, however many retries it took).
    #[must_use]
    pub fn calls(&self) -> u64 {
        self.inner
            .calls
            .load(Ordering::Relaxed)
            .saturating_sub(self.inner.retries.load(Ordering::Relaxed))
    }

    /// Records that the next operation repeats an earlier one: an attempt, not a new call.
    pub fn note_retry(&self) {
        self.inner.retries.fetch_add(1, Ordering::Relaxed);
    }

    /// HTTP attempts made, retries included.
    #[must_use]
    pub fn attempts(&self) -> u64 {
        self.inner.attempts.load(Ordering::Relaxed)
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "awsnav::CallCounter"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner.calls.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner.attempts.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// The SDK's form of `c`, for clients that act with these credentials.
#[must_use]
pub fn sdk_credentials(c: &Credentials) -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new(
        c.access_key_id.clone(),
        c.secret_access_key.clone(),
        c.session_token.clone(),
        c.expiration.map(|e| {
            std::time::UNIX_EPOCH
                + std::time::Duration::from_secs(u64::try_from(e.unix_timestamp()).unwrap_or(0))
        }),
        "awsnav",
    )
}

/// awsnav's form of credentials an SDK provider gave.
#[must_use]
pub fn from_sdk_credentials(c: &aws_credential_types::Credentials) -> Credentials {
    Credentials {
        access_key_id: c.access_key_id().to_owned(),
        secret_access_key: c.secret_access_key().to_owned(),
        session_token: c.session_token().map(str::to_owned),
        expiration: c.expiry().and_then(|t| {
            let secs = t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
            time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).ok()?).ok()
        }),
    }
}

/// The HTTP client of a request that is only built, never sent (its address captured): it
/// costs nothing to make (no TLS roots read) and refuses to send.
#[derive(Clone, Copy, Debug)]
pub struct NeverSent;

impl aws_smithy_runtime_api::client::http::HttpConnector for NeverSent {
    fn call(
        &self,
        _request: aws_smithy_runtime_api::client::orchestrator::HttpRequest,
    ) -> aws_smithy_runtime_api::client::http::HttpConnectorFuture {
        aws_smithy_runtime_api::client::http::HttpConnectorFuture::ready(Err(
            aws_smithy_runtime_api::client::result::ConnectorError::other(
                "not sent: only its address was wanted".into(),
                None,
            ),
        ))
    }
}

impl aws_smithy_runtime_api::client::http::HttpClient for NeverSent {
    fn http_connector(
        &self,
        _settings: &aws_smithy_runtime_api::client::http::HttpConnectorSettings,
        _components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
    ) -> aws_smithy_runtime_api::client::http::SharedHttpConnector {
        aws_smithy_runtime_api::client::http::SharedHttpConnector::new(*self)
    }
}

/// Notes where a request would go, and stops it there.
#[derive(Clone, Debug, Default)]
pub struct Capture(std::sync::Arc<std::sync::Mutex<Option<String>>>);

impl Capture {
    /// The address the request would have gone to.
    #[must_use]
    pub fn address(&self) -> Option<String> {
        self.0.lock().ok().and_then(|u| u.clone())
    }
}

impl aws_smithy_runtime_api::client::interceptors::Intercept for Capture {
    fn name(&self) -> &'static str {
        "awsnav::Capture"
    }

    fn read_before_transmit(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        if let Ok(mut at) = self.0.lock() {
            *at = Some(context.request().uri().to_owned());
        }
        Err("not sent: only its address was wanted".into())
    }
}
