//! The credential endpoint of a shell or command: a loopback HTTP server in the awsnav process
//! that answers the container credential provider every AWS SDK and the AWS CLI have
//! (`AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN`). The child asks
//! again before the credentials it holds expire, and the endpoint hands out the cached role
//! session or a new one, so nothing running in the child ever meets `ExpiredToken`.
//!
//! It listens on 127.0.0.1 only, answers only a request carrying its random token (compared in
//! constant time; anything else gets a bare 401), and lives exactly as long as the child: it
//! stops when the [`Endpoint`] is dropped.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use subtle::ConstantTimeEq as _;
use time::format_description::well_known::Rfc3339;
use tokio::net::TcpListener;
use tokio::sync::Mutex;

use crate::domain::credentials::Credentials;

/// The path credentials are served at.
const PATH: &str = "/awsnav/credentials";

/// Gets the credentials to hand out: the cached role session, or a new one.
pub type Fetch = Arc<
    dyn Fn() -> Pin<Box<dyn Future<Output = Result<Credentials, String>> + Send>> + Send + Sync,
>;

/// A running endpoint. Dropping it stops it: the port refuses connections from then on.
#[derive(Debug)]
pub struct Endpoint {
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    pub url: String,
    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
    pub token: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Endpoint {
    /// Starts serving what `fetch` gets, on a free loopback port. `on_error` hears every
    /// failure (to tell the person at the terminal); the child gets it as the SDKs show it.
    ///
    /// # Errors
    /// When no loopback port can be had or no random token made.
    pub async fn start(
        fetch: Fetch,
        on_error: Arc<dyn Fn(&str) + Send + Sync>,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let url = format!("http://{}{PATH}", listener.local_addr()?);
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
        let token = bytes.iter().fold(String::with_capacity(64), |mut t, b| {
            use std::fmt::Write as _;
            let _ = write!(t, "{b:02x}");
            t
        });
        let state = Arc::new(State {
            token: token.clone(),
            fetch,
            on_error,
            one_at_a_time: Mutex::new(()),
        });
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let state = state.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(state.answer(&req).await) }
                    });
                    let io = hyper_util::rt::TokioIo::new(stream);
                    if let Err(e) = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await
                    {
                        tracing::debug!(error = %e, "credential endpoint connection ended");
                    }
                });
            }
        });
        tracing::info!(url, "credential endpoint started");
        Ok(Self { url, token, task })
    }
}

struct State {
    token: String,
    fetch: Fetch,
    on_error: Arc<dyn Fn(&str) + Send + Sync>,
    /// Requests that arrive together share one renewal.
    one_at_a_time: Mutex<()>,
}

impl State {
    async fn answer(&self, req: &Request<Incoming>) -> Response<Full<Bytes>> {
        let given = req
            .headers()
            .get(hyper::header::AUTHORIZATION)
            .map_or(&[][..], |v| v.as_bytes());
        let authorized: bool = given.ct_eq(self.token.as_bytes()).into();
        if !authorized {
            tracing::warn!("credential endpoint: a request without the right token refused");
            return plain(StatusCode::UNAUTHORIZED, "");
        }
        if req.method() != hyper::Method::GET || req.uri().path() != PATH {
            return plain(StatusCode::NOT_FOUND, "");
        }
        let _turn = self.one_at_a_time.lock().await;
        match (self.fetch)().await {
            Ok(c) => {
                let body = serde_json::json!({
                    "AccessKeyId": c.access_key_id,
                    "SecretAccessKey": c.secret_access_key,
                    "Token": c.session_token,
                    "Expiration": c.expiration.and_then(|e| e.format(&Rfc3339).ok()),
                });
                json(StatusCode::OK, &body)
            }
            Err(message) => {
                (self.on_error)(&message);
                let body = serde_json::json!({
                    "Code": "CredentialsUnavailable",
                    "Message": format!("awsnav: {message}"),
                });
                json(StatusCode::SERVICE_UNAVAILABLE, &body)
            }
        }
    }
}

fn plain(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = status;
    r
}

fn json(status: StatusCode, body: &serde_json::Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    async fn get(url: &str, token: Option<&str>) -> (u16, String) {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let rest = url.trim_start_matches("http://");
        let (addr, path) = rest.split_once('/').unwrap();
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let auth = token.map_or(String::new(), |t| format!("Authorization: {t}\r\n"));
        let req =
            format!("GET /{path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n");
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        let status = out[9..12].parse().unwrap();
        let body = out.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
        (status, body)
    }

    #[tokio::test]
    async fn serves_with_the_token_only_and_stops_when_dropped() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        let fetch: Fetch = Arc::new(move || {
            let n = counted.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move {
                Ok(Credentials {
                    access_key_id: format!("ASIA{n}"),
                    secret_access_key: "s".into(),
                    session_token: Some("t".into()),
                    expiration: Some(time::macros::datetime!(2026-11-30 12:00 UTC)),
                })
            })
        });
        let endpoint = Endpoint::start(fetch, Arc::new(|_| {})).await.unwrap();
        assert!(endpoint.url.starts_with("http://127.0.0.1:"));
        assert_eq!(endpoint.token.len(), 64);
        assert_eq!(get(&endpoint.url, None).await, (401, String::new()));
        assert_eq!(get(&endpoint.url, Some("wrong")).await.0, 401);
        let (status, body) = get(&endpoint.url, Some(&endpoint.token)).await;
        assert_eq!(status, 200);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["AccessKeyId"], "ASIA0");
        assert_eq!(v["Token"], "t");
        assert_eq!(v["Expiration"], "2026-11-30T12:00:00Z");
        assert_eq!(calls.load(Ordering::SeqCst), 1, "401s fetch nothing");
        let addr = endpoint
            .url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        drop(endpoint);
        tokio::task::yield_now().await;
        assert!(tokio::net::TcpStream::connect(&addr).await.is_err());
    }

    #[tokio::test]
    async fn a_failure_is_an_error_the_sdk_shows() {
        let fetch: Fetch = Arc::new(|| Box::pin(async { Err("the MFA session ended".to_owned()) }));
        let heard = Arc::new(std::sync::Mutex::new(Vec::new()));
        let told = heard.clone();
        let endpoint = Endpoint::start(
            fetch,
            Arc::new(move |m: &str| told.lock().unwrap().push(m.to_owned())),
        )
        .await
        .unwrap();
        let (status, body) = get(&endpoint.url, Some(&endpoint.token)).await;
        assert_eq!(status, 503);
        assert!(body.contains("the MFA session ended"), "{body}");
        assert_eq!(heard.lock().unwrap().as_slice(), ["the MFA session ended"]);
    }
}
