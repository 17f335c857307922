//! The AWS console, signed in as a role: the federation endpoint's `getSigninToken`, then the
//! `login` URL. Partition-aware; the endpoint is configurable because nothing emulates it.

use std::time::Duration;

use url::Url;

use super::http::{self, HttpError};
use crate::domain::credentials::Credentials;

/// Where the console opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// A service's home page in the region (`s3`, `ec2`, `cloudwatch`; `console` for the start).
    Service(String),
    /// A full console URL.
    Url(String),
}

/// Why no console link could be made; never contains credentials or tokens.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    #[error("the AWS sign-in endpoint {endpoint} refused the credentials (HTTP {status}){hint}")]
    Refused {
        endpoint: String,
        status: u16,
        hint: &'static str,
    },
    #[error("the AWS sign-in endpoint {endpoint} failed (HTTP {status}); try again in a moment")]
    ServerError { endpoint: String, status: u16 },
    #[error("the AWS sign-in endpoint {endpoint} answered something that is not a sign-in token")]
    Garbled { endpoint: String },
    #[error(
        "cannot reach the AWS sign-in endpoint {endpoint}: {detail}. Check the network, the proxy settings (HTTPS_PROXY, NO_PROXY) or AWSNAV_FEDERATION_URL"
    )]
    Unreachable { endpoint: String, detail: String },
    #[error(
        "cannot sign in at {endpoint}: {detail}: {hint}",
        hint = http::TLS_HINT
    )]
    Untrusted { endpoint: String, detail: String },
    #[error("{0} is not a usable URL")]
    BadUrl(String),
}

/// The federation session JSON: exactly the three credential fields.
#[must_use]
pub fn session_json(c: &Credentials) -> String {
    serde_json::json!({
        "sessionId": c.access_key_id,
        "sessionKey": c.secret_access_key,
        "sessionToken": c.session_token.as_deref().unwrap_or_default(),
    })
    .to_string()
}

/// The `getSigninToken` request URL. `session_duration` is only for credentials from a direct
/// `AssumeRole`: AWS answers 400 when it is sent for role-chained ones.
///
/// # Errors
/// When `endpoint` is not a URL.
pub fn signin_token_url(
    endpoint: &str,
    credentials: &Credentials,
    session_duration: Option<u32>,
) -> Result<Url, ConsoleError> {
    let mut url = Url::parse(endpoint).map_err(|_| ConsoleError::BadUrl(endpoint.to_owned()))?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("Action", "getSigninToken");
        if let Some(d) = session_duration {
            q.append_pair("SessionDuration", &d.to_string());
        }
        q.append_pair("Session", &session_json(credentials));
    }
    Ok(url)
}

/// The `login` URL that signs the browser in and lands on `destination`.
///
/// # Errors
/// When `endpoint` is not a URL.
pub fn login_url(
    endpoint: &str,
    issuer: &str,
    destination: &str,
    token: &str,
) -> Result<String, ConsoleError> {
    let mut url = Url::parse(endpoint).map_err(|_| ConsoleError::BadUrl(endpoint.to_owned()))?;
    url.query_pairs_mut()
        .append_pair("Action", "login")
        .append_pair("Issuer", issuer)
        .append_pair("Destination", destination)
        .append_pair("SigninToken", token);
    Ok(url.into())
}

/// Asks the federation endpoint for a sign-in token, through the one HTTP stack.
///
/// # Errors
/// [`ConsoleError`] for refusals (4xx), server errors (5xx), unreadable answers, untrusted
/// certificates, and network failures or timeouts.
pub async fn fetch_signin_token(
    endpoint: &str,
    credentials: &Credentials,
    session_duration: Option<u32>,
    timeout: Duration,
) -> Result<String, ConsoleError> {
    let url = signin_token_url(endpoint, credentials, session_duration)?;
    let shown = endpoint.to_owned();
    let answer = http::get(url.as_str(), timeout, 64 * 1024)
        .await
        .map_err(|e| match e {
            HttpError::Tls(detail) => ConsoleError::Untrusted {
                endpoint: shown.clone(),
                detail,
            },
            HttpError::TooLarge(_) => ConsoleError::Garbled {
                endpoint: shown.clone(),
            },
            other => ConsoleError::Unreachable {
                endpoint: shown.clone(),
                detail: other.to_string(),
            },
        })?;
    let status = answer.status;
    if (400..500).contains(&status) {
        return Err(ConsoleError::Refused {
            endpoint: shown,
            status,
            hint: if session_duration.is_some() {
                ": the credentials may be expired, or the console session duration is longer than the role allows"
            } else {
                ": the credentials may be expired"
            },
        });
    }
    if status >= 500 {
        return Err(ConsoleError::ServerError {
            endpoint: shown,
            status,
        });
    }
    serde_json::from_slice::<serde_json::Value>(&answer.body)
        .ok()
        .and_then(|v| v.get("SigninToken")?.as_str().map(str::to_owned))
        .filter(|t| !t.is_empty())
        .ok_or(ConsoleError::Garbled { endpoint: shown })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::partition::Partition;

    fn creds() -> Credentials {
        Credentials {
            access_key_id: "ASIAKEY".into(),
            secret_access_key: "secret/+=".into(),
            session_token: Some("token&x".into()),
            expiration: None,
        }
    }

    #[test]
    fn signin_token_request_carries_exactly_the_session() {
        let url = signin_token_url(
            "https://signin.aws.amazon.com/federation",
            &creds(),
            Some(3600),
        )
        .unwrap();
        let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(q[0], ("Action".into(), "getSigninToken".into()));
        assert_eq!(q[1], ("SessionDuration".into(), "3600".into()));
        let session: serde_json::Value = serde_json::from_str(&q[2].1).unwrap();
        assert_eq!(
            session,
            serde_json::json!({"sessionId": "ASIAKEY", "sessionKey": "secret/+=", "sessionToken": "token&x"})
        );
        let chained =
            signin_token_url("https://signin.aws.amazon.com/federation", &creds(), None).unwrap();
        assert!(!chained.query_pairs().any(|(k, _)| k == "SessionDuration"));
    }

    #[test]
    fn login_url_fields() {
        let dest = Partition::Aws.console_url("us-east-1", "s3");
        let url = login_url(
            "https://signin.aws.amazon.com/federation",
            "awsnav",
            &dest,
            "TOKEN+/=",
        )
        .unwrap();
        let parsed = Url::parse(&url).unwrap();
        assert_eq!(parsed.host_str(), Some("signin.aws.amazon.com"));
        let q: std::collections::HashMap<String, String> =
            parsed.query_pairs().into_owned().collect();
        assert_eq!(q["Action"], "login");
        assert_eq!(q["Issuer"], "awsnav");
        assert_eq!(q["Destination"], dest);
        assert_eq!(q["SigninToken"], "TOKEN+/=");
        assert!(login_url("not a url", "i", "d", "t").is_err());
    }
}
