//! The one HTTP client every request goes through: hyper 1 with rustls (aws-lc), trusting the
//! platform's certificate store (or `SSL_CERT_FILE` / `SSL_CERT_DIR`), and honouring `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` in either case. SDK
//! clients get it through the `SdkConfig`; the federation request uses [`get`].

use std::time::Duration;

use aws_smithy_async::rt::sleep::{SharedAsyncSleep, TokioSleep};
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder, Connector};
use aws_smithy_runtime_api::client::http::{
    HttpClient as _, HttpConnector as _, HttpConnectorFuture, HttpConnectorSettings,
    SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::byte_stream::ByteStream;

/// The client SDK clients are built with (one connector per timeout setting, as the SDK asks).
/// The connector, and with it the trust store, is made when the first request is about to be
/// sent: a client that sends nothing (a presigned URL, a config read) reads no certificate. A
/// trust store that `SSL_CERT_FILE` / `SSL_CERT_DIR` name but that holds no certificate fails
/// the request with that said ([`trust_store_problem`]); the HTTP stack would end the process.
#[must_use]
pub fn sdk_client() -> SharedHttpClient {
    let stack = Builder::new().build_with_connector_fn(|settings, components| {
        connector(
            settings.cloned().unwrap_or_default(),
            components.and_then(RuntimeComponents::sleep_impl),
        )
    });
    // Looked at once, when the first connector is asked for.
    let problem = std::sync::OnceLock::new();
    aws_smithy_runtime_api::client::http::http_client_fn(move |settings, components| match problem
        .get_or_init(|| check_trust_store().err())
    {
        None => stack.http_connector(settings, components),
        Some(problem) => SharedHttpConnector::new(Refused(problem.clone())),
    })
}

/// A connector that fails every request with why it cannot send any.
#[derive(Debug)]
struct Refused(String);

impl aws_smithy_runtime_api::client::http::HttpConnector for Refused {
    fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
        HttpConnectorFuture::ready(Err(ConnectorError::user(self.0.clone().into())))
    }
}

/// A connector of the one stack: the same TLS, trust store and proxy rules as SDK clients.
fn connector(settings: HttpConnectorSettings, sleep: Option<SharedAsyncSleep>) -> Connector {
    let mut builder = Connector::builder();
    builder.set_connector_settings(Some(settings));
    builder.set_sleep_impl(sleep);
    builder.set_proxy_config(Some(ProxyConfig::from_env()));
    builder
        .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(tls_context())
        .build()
}

/// The platform's roots, or those of `SSL_CERT_FILE` / `SSL_CERT_DIR` when either is set (they
/// replace the system store, as they do for OpenSSL, curl and Python).
fn tls_context() -> TlsContext {
    TlsContext::builder()
        .with_trust_store(TrustStore::default().with_native_roots(true))
        .build()
        .unwrap_or_default()
}

/// What is wrong with the trust store `SSL_CERT_FILE` / `SSL_CERT_DIR` name (their values
/// here), when they name one and it holds no certificate: the HTTP stack would stop the process
/// the moment it loads it, so this is said before, in words. `None` when neither is set, or
/// either holds a PEM certificate.
#[must_use]
pub fn trust_store_problem(
    file: Option<&std::ffi::OsStr>,
    dir: Option<&std::ffi::OsStr>,
) -> Option<String> {
    let file = file.filter(|f| !f.is_empty());
    let dir = dir.filter(|d| !d.is_empty());
    if file.is_none() && dir.is_none() {
        return None;
    }
    let holds_a_certificate = |path: &std::path::Path| {
        std::fs::read(path).is_ok_and(|bytes| {
            String::from_utf8_lossy(&bytes).contains("-----BEGIN CERTIFICATE-----")
        })
    };
    if file.is_some_and(|f| holds_a_certificate(std::path::Path::new(f))) {
        return None;
    }
    let in_dirs = dir.is_some_and(|d| {
        std::env::split_paths(d).any(|dir| {
            std::fs::read_dir(dir)
                .is_ok_and(|entries| entries.flatten().any(|e| holds_a_certificate(&e.path())))
        })
    });
    if in_dirs {
        return None;
    }
    let named: Vec<String> = [("SSL_CERT_FILE", file), ("SSL_CERT_DIR", dir)]
        .into_iter()
        .filter_map(|(var, value)| Some(format!("{var}={}", value?.to_string_lossy())))
        .collect();
    Some(format!(
        "{} holds no certificate (PEM) to trust: point it at the file or directory of the CAs \
         to trust, or unset it to use the system's",
        named.join(" and ")
    ))
}

/// [`trust_store_problem`] of this process's environment.
///
/// # Errors
/// The problem, in words.
pub fn check_trust_store() -> Result<(), String> {
    trust_store_problem(
        std::env::var_os("SSL_CERT_FILE").as_deref(),
        std::env::var_os("SSL_CERT_DIR").as_deref(),
    )
    .map_or(Ok(()), Err)
}

/// An answer to [`get`]: the status and at most `limit` bytes of the body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Why a request got no answer. The texts never hold the query string of the request.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("the request timed out")]
    Timeout,
    #[error("{0}")]
    Tls(String),
    #[error("{0}")]
    Failed(String),
    #[error("{0} is not a usable URL")]
    BadUrl(String),
    #[error("the answer is larger than {0} bytes")]
    TooLarge(usize),
}

/// Sends a GET for `url` through the one stack and reads at most `limit` bytes of the answer.
///
/// # Errors
/// [`HttpError`] when the URL is unusable, the connection or TLS handshake fails, the request
/// takes longer than `timeout`, or the body is larger than `limit`.
pub async fn get(url: &str, timeout: Duration, limit: usize) -> Result<Answer, HttpError> {
    check_trust_store().map_err(HttpError::Tls)?;
    let request = HttpRequest::get(url).map_err(|_| HttpError::BadUrl(scrub(url)))?;
    let settings = HttpConnectorSettings::builder()
        .connect_timeout(timeout)
        .read_timeout(timeout)
        .build();
    let conn = connector(settings, Some(SharedAsyncSleep::new(TokioSleep::new())));
    let exchange = async {
        let response = conn
            .call(request)
            .await
            .map_err(|e| failure(&crate::aws::chain(&e)))?;
        let status = response.status().as_u16();
        let mut stream = ByteStream::new(response.into_body());
        let mut body = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| failure(&crate::aws::chain(&e)))?;
            if body.len() + chunk.len() > limit {
                return Err(HttpError::TooLarge(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer { status, body })
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .unwrap_or(Err(HttpError::Timeout))
}

/// A failed exchange, with TLS certificate problems told apart: they have their own fix.
fn failure(detail: &str) -> HttpError {
    let detail = scrub(detail);
    if is_certificate_problem(&detail) {
        HttpError::Tls(detail)
    } else if detail.contains("timed out") || detail.contains("timeout") {
        HttpError::Timeout
    } else {
        HttpError::Failed(detail)
    }
}

/// Whether an error text is rustls refusing the server's certificate.
#[must_use]
pub fn is_certificate_problem(detail: &str) -> bool {
    detail.contains("invalid peer certificate") || detail.contains("InvalidCertificate")
}

/// What to do when a server's certificate is not trusted; shown after the failure itself.
pub const TLS_HINT: &str = "the server's certificate is not trusted. If a corporate proxy or a \
private CA signs it, add that CA to the system's trust store, or set SSL_CERT_FILE to a PEM file \
(or SSL_CERT_DIR to a directory) holding it and the public roots";

/// Drops anything after a `?`, so a query string (which may hold a session) is never shown.
#[must_use]
pub fn scrub(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, part) in text.split('?').enumerate() {
        if i == 0 {
            out.push_str(part);
        } else {
            // Keep what follows the query string on the same piece: the reason of the failure
            // after the URL, e.g. `…/federation?Session=…: connection refused`.
            out.push_str(
                part.find(": ")
                    .map_or("", |at| &part[at..])
                    .trim_end_matches(|c: char| c.is_whitespace()),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_hides_query_strings_and_keeps_the_reason() {
        assert_eq!(
            scrub("http://x/federation?Session=secret: timeout"),
            "http://x/federation: timeout"
        );
        assert_eq!(
            scrub("http://x/federation?Session=secret"),
            "http://x/federation"
        );
        assert_eq!(scrub("no query here"), "no query here");
    }

    #[test]
    fn a_trust_store_without_a_certificate_is_said_in_words() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let good = dir.path().join("good.pem");
        std::fs::write(
            &good,
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let certs = dir.path().join("certs");
        std::fs::create_dir(&certs).unwrap();
        let os = |p: &std::path::Path| p.as_os_str().to_owned();
        assert_eq!(trust_store_problem(None, None), None);
        assert_eq!(trust_store_problem(Some(&os(&good)), None), None);
        let said = trust_store_problem(Some(&os(&empty)), None).unwrap();
        assert!(
            said.starts_with("SSL_CERT_FILE=") && said.contains("holds no certificate"),
            "{said}"
        );
        let said =
            trust_store_problem(Some(&os(&dir.path().join("missing"))), Some(&os(&certs))).unwrap();
        assert!(
            said.contains("SSL_CERT_FILE=") && said.contains(" and SSL_CERT_DIR="),
            "{said}"
        );
        std::fs::copy(&good, certs.join("ca.pem")).unwrap();
        assert_eq!(
            trust_store_problem(Some(&os(&empty)), Some(&os(&certs))),
            None
        );
    }

    #[test]
    fn certificate_problems_are_told_apart() {
        assert!(matches!(
            failure("io error: invalid peer certificate: UnknownIssuer"),
            HttpError::Tls(_)
        ));
        assert!(matches!(
            failure("connection refused (os error 111)"),
            HttpError::Failed(_)
        ));
        assert!(matches!(failure("operation timed out"), HttpError::Timeout));
    }
}
