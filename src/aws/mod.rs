//! The typed boundary to AWS: clients from one `SdkConfig`, the app's own types out, one error.

pub mod config_files;
pub mod cost_explorer;
pub mod ecr;
pub mod eks;
pub mod federation;
pub mod http;
pub mod iam;
pub mod org;
pub mod pace;
pub mod paging;
pub mod policies;
pub mod sdk;
pub mod signin;
pub mod sso;
pub mod sso_oidc;
pub mod sts;

use std::error::Error as StdError;
use std::fmt::Write as _;

use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

pub use sdk::{AwsSettings, CallCounter};

/// What went wrong talking to AWS, phrased so the user knows what to do next.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    /// `detail` (the SDK's provider chain, every provider it tried) goes to the log, not to
    /// the person: it runs for lines and never says what to do.
    #[error(
        "no AWS credentials found{}: sign in with `awsnav login`, store a key with `awsnav auth add`, or set [org] profile in {config}",
        profile_suffix(.profile.as_deref())
    )]
    NoCredentials {
        profile: Option<String>,
        detail: String,
        config: String,
    },
    #[error(
        "AWS profile `{profile}` not found in {files}. Set [org] profile in {config} to one of: {available}"
    )]
    ProfileNotFound {
        profile: String,
        files: String,
        config: String,
        available: String,
    },
    #[error("cannot read the AWS config files: {0}")]
    ProfileFile(String),
    #[error(
        "AWS Organizations is not enabled for this account ({message}). Use credentials of an account in an organization: set [org] profile in {config} to a profile in the management account"
    )]
    OrgNotInUse { message: String, config: String },
    #[error("access denied calling {action} ({message}). {}", access_hint(.action, .config))]
    AccessDenied {
        action: &'static str,
        message: String,
        config: String,
    },
    #[error(
        "the AWS credentials{} were rejected as expired or invalid ({code}: {message}). Refresh them (awsnav login, new keys) and retry",
        profile_suffix(.profile.as_deref())
    )]
    BadCredentials {
        profile: Option<String>,
        code: String,
        message: String,
    },
    #[error(
        "AWS kept throttling {action} after retries ({message}). Wait a minute and refresh, or lower [org] concurrency"
    )]
    Throttled {
        action: &'static str,
        message: String,
    },
    #[error(
        "cannot reach AWS for {action}: {detail}. Check the network, proxy or endpoint settings"
    )]
    Network {
        action: &'static str,
        detail: String,
    },
    #[error("cannot reach AWS for {action}: {detail}: {hint}", hint = http::TLS_HINT)]
    Untrusted {
        action: &'static str,
        detail: String,
    },
    #[error(
        "AWS answered {action} with HTTP {status} and no AWS error{}",
        if *.status >= 500 { ", even after retries: the service or a proxy on the way is in trouble. Try again in a minute" } else { ": a proxy on the way may be refusing it. Check the network, proxy or endpoint settings" }
    )]
    HttpStatus { action: &'static str, status: u16 },
    #[error("AWS answered {action} with something awsnav cannot read: {detail}")]
    BadResponse {
        action: &'static str,
        detail: String,
    },
    #[error(
        "the MFA code was not accepted ({message}). Wait for the next code from your device and try again"
    )]
    WrongMfaCode { message: String },
    #[error(
        "you may not assume {role_arn} ({message}). The role may not exist in that account, or its trust policy does not allow you (check MFA and sts:SetSourceIdentity in the trust policy, or set [auth] source_identity = false)"
    )]
    CannotAssume { role_arn: String, message: String },
    #[error("{0}")]
    Mfa(String),
    #[error("the key store: {0}")]
    KeyStore(#[from] crate::store::key_store::KeyStoreError),
    #[error("the MFA prompt was cancelled: nothing was done")]
    MfaCancelled,
    #[error(
        "the IAM Identity Center sign-in of profile `{profile}` {why}: run `awsnav login --profile {profile}`, then try again"
    )]
    SsoLogin { profile: String, why: String },
    #[error(
        "the console sign-in of profile `{profile}` {why}: run `awsnav login --console --profile {profile}`, then try again"
    )]
    ConsoleLogin { profile: String, why: String },
    #[error("the SAML sign-in to `{idp}` {why}: run `awsnav login --saml {idp}`, then try again")]
    SamlLogin { idp: String, why: String },
    #[error("the SAML sign-in to `{idp}` was cancelled: nothing was done")]
    SamlCancelled { idp: String },
    #[error(
        "IAM Identity Center profile `{profile}` is incomplete: {detail}. Fix it in ~/.aws/config (see `aws configure sso`)"
    )]
    SsoProfile { profile: String, detail: String },
    #[error(
        "IAM Identity Center does not give you role {role} in account {account} (sign-in of profile `{profile}`): choose a role it offers there, or run `awsnav refresh` to read them again"
    )]
    SsoNoRole {
        profile: String,
        account: String,
        role: String,
    },
    #[error(
        "cannot use the shared inventory {location}: {detail}. Fix [org] source in {config}, or ask whoever publishes it for a new one (awsnav export)"
    )]
    Source {
        location: String,
        detail: String,
        config: String,
    },
    #[error("{action} failed: {code}: {message}")]
    Service {
        action: &'static str,
        code: String,
        message: String,
    },
}

impl AwsError {
    /// Whether this is Organizations refusing the credentials (not a network or other fault).
    #[must_use]
    pub fn is_organizations_denied(&self) -> bool {
        matches!(self, Self::AccessDenied { action, .. } if action.starts_with("organizations:"))
    }
}

/// What to do about a denied call, by service.
fn access_hint(action: &str, config: &str) -> String {
    match action.split(':').next() {
        Some("organizations") => format!(
            "These credentials may not read the organization. Where policies deny calls made without MFA, set [org] mfa = \"always\" (or \"auto\"); or set [org] role to a role in the management account (or a delegated administrator) that awsnav assumes, or [org] profile to a profile there, in {config}"
        ),
        Some("ce") => format!(
            "These credentials may not read Cost Explorer: use the payer account (set [cost] profile in {config}) or turn cost off ([cost] enabled = false)"
        ),
        Some("iam") => format!(
            "These credentials may not list your MFA devices: set [auth] mfa_serial in {config}, or allow {action} on your own user"
        ),
        _ => format!(
            "The credentials' policies do not allow {action}: check them, or set [auth] profile in {config}"
        ),
    }
}

fn profile_suffix(profile: Option<&str>) -> String {
    profile.map_or_else(String::new, |p| format!(" for profile `{p}`"))
}

/// Context that error messages name: the profile and the config file to fix.
#[derive(Clone, Debug, Default)]
pub struct ErrorContext {
    pub profile: Option<String>,
    pub config_file: String,
}

pub(crate) const THROTTLING: &[&str] = &[
    "TooManyRequestsException",
    "Throttling",
    "ThrottlingException",
    "RequestLimitExceeded",
    "LimitExceededException",
];

impl ErrorContext {
    /// Turns an SDK error into an [`AwsError`] the user can act on.
    pub fn classify<E>(&self, action: &'static str, err: &SdkError<E, HttpResponse>) -> AwsError
    where
        E: ProvideErrorMetadata + StdError + 'static,
    {
        if let Some(cred) = find_source::<CredentialsError>(err) {
            // A profile signed in like the console: its session is missing, ended or refused.
            if let Some(profile) = &self.profile
                && config_files::profile_value(profile, "login_session").is_some()
            {
                return AwsError::ConsoleLogin {
                    profile: profile.clone(),
                    why: format!("cannot give credentials ({})", chain(cred)),
                };
            }
            let detail = chain(cred);
            tracing::warn!(profile = ?self.profile, chain = %detail, "no AWS credentials");
            return AwsError::NoCredentials {
                profile: self.profile.clone(),
                detail,
                config: self.config_file.clone(),
            };
        }
        match err {
            SdkError::ServiceError(se) => {
                let e = se.err();
                let status = se.raw().status().as_u16();
                // No AWS error code: a proxy or load balancer answered, not the service, or
                // the answer could not be parsed at all.
                if e.code().is_none() {
                    return if status >= 400 {
                        AwsError::HttpStatus { action, status }
                    } else {
                        AwsError::BadResponse {
                            action,
                            detail: format!("HTTP {status} with a body that is not a valid answer"),
                        }
                    };
                }
                let code = e.code().unwrap_or("Unknown").to_owned();
                let message = e.message().unwrap_or("no message").to_owned();
                if message.contains("MultiFactorAuthentication failed") {
                    return AwsError::WrongMfaCode { message };
                }
                match code.as_str() {
                    "AWSOrganizationsNotInUseException" => AwsError::OrgNotInUse {
                        message,
                        config: self.config_file.clone(),
                    },
                    "AccessDeniedException" | "AccessDenied" => AwsError::AccessDenied {
                        action,
                        message,
                        config: self.config_file.clone(),
                    },
                    "ExpiredToken"
                    | "ExpiredTokenException"
                    | "RequestExpired"
                    | "InvalidClientTokenId"
                    | "UnrecognizedClientException"
                    | "SignatureDoesNotMatch"
                    | "InvalidSignatureException" => AwsError::BadCredentials {
                        profile: self.profile.clone(),
                        code,
                        message,
                    },
                    c if THROTTLING.contains(&c) => AwsError::Throttled { action, message },
                    _ => AwsError::Service {
                        action,
                        code,
                        message,
                    },
                }
            }
            SdkError::TimeoutError(_) => AwsError::Network {
                action,
                detail: "the request timed out".into(),
            },
            SdkError::DispatchFailure(_) => {
                let detail = chain(err);
                if http::is_certificate_problem(&detail) {
                    AwsError::Untrusted { action, detail }
                } else {
                    AwsError::Network { action, detail }
                }
            }
            SdkError::ResponseError(re) if re.raw().status().as_u16() >= 400 => {
                AwsError::HttpStatus {
                    action,
                    status: re.raw().status().as_u16(),
                }
            }
            SdkError::ResponseError(_) => AwsError::BadResponse {
                action,
                detail: chain(err),
            },
            _ => AwsError::Service {
                action,
                code: "Client".into(),
                message: chain(err),
            },
        }
    }
}

/// The error and its sources, joined: the SDK's top-level messages alone say little.
pub(crate) fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            let _ = write!(out, ": {text}");
        }
        source = s.source();
    }
    out
}

fn find_source<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod access_hint_tests {
    use super::AwsError;

    fn denied(action: &'static str) -> String {
        AwsError::AccessDenied {
            action,
            message: "no".into(),
            config: "/c.toml".into(),
        }
        .to_string()
    }

    #[test]
    fn each_service_says_its_own_fix() {
        assert!(denied("organizations:ListRoots").contains("management account"));
        assert!(denied("ce:GetCostAndUsage").contains("[cost] profile in /c.toml"));
        assert!(denied("iam:ListMFADevices").contains("[auth] mfa_serial"));
        let sts = denied("sts:GetSessionToken");
        assert!(sts.contains("do not allow sts:GetSessionToken"), "{sts}");
        assert!(!sts.contains("organization"), "{sts}");
    }
}
