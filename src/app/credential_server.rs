//! The credential endpoint of a shell or command: a loopback HTTP server in the awsnav process
//! that answers the container credential provider every AWS SDK and the AWS CLI have
//! (`AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN`). The child asks
//! again before the credentials it holds expire, and the endpoint hands out the cached role
//! session or a new one, so nothing running in the child ever meets `ExpiredToken`.
//!
//! It listens on 127.0.0.1 only, answers only a request carrying its random token (compared in
//! constant time; anything else gets a bare 401), and lives exactly as long as the child: it
//! stops when the [`Endpoint`] is dropped. A web page in the person's browser must not reach
//! it, even through DNS rebinding: a request with an `Origin` or `Sec-Fetch-*` header (which
//! browsers send and SDKs never do), or whose `Host` is not `127.0.0.1:PORT` or
//! `localhost:PORT`, gets a bare 403. Headers must arrive within [`HEADER_TIMEOUT`] and fit
//! in [`MAX_HEADER_BYTES`].

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
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

/// The longest a client may take to send a request's headers.
pub const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The most a request's headers may take (hyper's smallest buffer).
pub const MAX_HEADER_BYTES: usize = 8192;

/// Gets the credentials to hand out: the cached role session, or a new one.
pub type Fetch = Arc<
    dyn Fn() -> Pin<Box<dyn Future<Output = Result<Credentials, String>> + Send>> + Send + Sync,
>;

/// A request that passed the checks (host, browser, token, method): its path, who sent it,
/// and what its token may be served.
#[derive(Clone, Debug)]
pub struct Asked {
    pub path: String,
    pub client: SocketAddr,
    pub scope: Scope,
}

/// What a token may be served.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "serves", rename_all = "snake_case")]
pub enum Scope {
    /// Everything the endpoint serves.
    All,
    /// One account's one role: the account's id, and the role as a path names it
    /// (`Admin`, `sso:Admin`).
    Role { account: String, role: String },
}

/// The tokens an endpoint takes: what each may be served, `None` for a token it does not
/// know. Compare in constant time ([`token_is`]).
pub type Tokens = Arc<dyn Fn(&[u8]) -> Option<Scope> + Send + Sync>;

/// Whether the `given` `Authorization` value is `token`, in constant time.
#[must_use]
pub fn token_is(given: &[u8], token: &str) -> bool {
    given.ct_eq(token.as_bytes()).into()
}

/// Where a standing server proves it is the one a client was told about, without a token:
/// `GET /awsnav/identity?nonce=HEX` is answered with HMAC-SHA256(key, nonce), which only the
/// holder of the server's key (kept 0600 beside its tokens) can compute. `--print-env` asks
/// before it hands out a token for the port, so a token is never given for a port another
/// program holds.
pub const IDENTITY_PATH: &str = "/awsnav/identity";

/// The proof of `key` for `nonce`: HMAC-SHA256, in hex.
#[must_use]
pub fn identity_proof(key: &[u8], nonce: &str) -> String {
    use hmac::{KeyInit as _, Mac as _};
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(nonce.as_bytes());
    crate::domain::untrusted::hex(&mac.finalize().into_bytes())
}

/// What an endpoint answers a request with.
#[derive(Debug)]
pub enum Reply {
    Credentials(Credentials),
    /// 404 with this message.
    NotFound(String),
    /// 403 with this message (a production account that was not confirmed).
    Refused(String),
    /// 503 with this message: the SDK in the client shows it.
    Failed(String),
}

/// Answers requests: what a standing server serves at each path.
pub type Route = Arc<dyn Fn(Asked) -> Pin<Box<dyn Future<Output = Reply> + Send>> + Send + Sync>;

/// The `Host` values a request may carry.
#[derive(Clone, Debug)]
pub enum Hosts {
    /// `127.0.0.1:PORT` or `localhost:PORT`.
    Loopback(u16),
    /// Exactly the address bound (a bridge's, or another loopback address).
    Address(SocketAddr),
    /// An IP address (never a DNS name, which a web page could rebind) or `localhost`, with
    /// `PORT`: for a server bound to a bridge or every address, reached by another address.
    AnyAddress(u16),
}

impl Hosts {
    fn allow(&self, host: &str) -> bool {
        match self {
            Self::Loopback(port) => [format!("127.0.0.1:{port}"), format!("localhost:{port}")]
                .iter()
                .any(|h| h.eq_ignore_ascii_case(host)),
            Self::Address(addr) => host.parse::<SocketAddr>().is_ok_and(|h| h == *addr),
            Self::AnyAddress(port) => host.parse::<SocketAddr>().map_or_else(
                |_| host.eq_ignore_ascii_case(&format!("localhost:{port}")),
                |a| a.port() == *port,
            ),
        }
    }
}

/// At most this many connections are served at once; others wait to be accepted.
const MAX_CONNECTIONS: usize = 512;

/// The longest an answer may take (an MFA dialog included) before the client gets a 503.
pub const ANSWER_TIMEOUT: std::time::Duration = std::time::Duration::from_mins(3);

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

/// A random token for `Authorization`: 32 bytes in hex.
///
/// # Errors
/// When the system has no randomness to give.
pub fn new_token() -> std::io::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(crate::domain::untrusted::hex(&bytes))
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
        let port = listener.local_addr()?.port();
        // Requests that arrive together share one renewal.
        let one_at_a_time = Arc::new(Mutex::new(()));
        let route: Route = Arc::new(move |asked: Asked| {
            let (fetch, on_error, one_at_a_time) =
                (fetch.clone(), on_error.clone(), one_at_a_time.clone());
            Box::pin(async move {
                if asked.path != PATH {
                    return Reply::NotFound(String::new());
                }
                let _turn = one_at_a_time.lock().await;
                match fetch().await {
                    Ok(c) => Reply::Credentials(c),
                    Err(message) => {
                        on_error(&message);
                        Reply::Failed(message)
                    }
                }
            })
        });
        let token = new_token()?;
        let theirs = token.clone();
        let tokens: Tokens =
            Arc::new(move |given: &[u8]| token_is(given, &theirs).then_some(Scope::All));
        let mut endpoint =
            Self::serve(listener, Hosts::Loopback(port), token, tokens, None, route)?;
        endpoint.url = format!("http://127.0.0.1:{port}{PATH}");
        Ok(endpoint)
    }

    /// Serves `route` on `listener` to requests that carry one of `tokens` and a `Host` that
    /// `hosts` allows; with `identity_key`, answers [`IDENTITY_PATH`] too. `url` is the
    /// listener's base (`http://ADDR:PORT`), `token` the one to give a client.
    ///
    /// # Errors
    /// When the listener's address cannot be read.
    pub fn serve(
        listener: TcpListener,
        hosts: Hosts,
        token: String,
        tokens: Tokens,
        identity_key: Option<Vec<u8>>,
        route: Route,
    ) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let url = format!("http://{addr}");
        let state = Arc::new(State {
            hosts,
            tokens,
            identity_key,
            route,
        });
        let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        let task = tokio::spawn(async move {
            loop {
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    break;
                };
                let Ok((stream, client)) = listener.accept().await else {
                    continue;
                };
                let state = state.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(state.answer(&req, client).await) }
                    });
                    let io = hyper_util::rt::TokioIo::new(stream);
                    if let Err(e) = hyper::server::conn::http1::Builder::new()
                        .timer(hyper_util::rt::TokioTimer::new())
                        .header_read_timeout(HEADER_TIMEOUT)
                        .max_buf_size(MAX_HEADER_BYTES)
                        .serve_connection(io, service)
                        .await
                    {
                        tracing::debug!(error = %e, "credential endpoint connection ended");
                    }
                    drop(slot);
                });
            }
        });
        tracing::info!(url, "credential endpoint started");
        Ok(Self { url, token, task })
    }
}

struct State {
    hosts: Hosts,
    tokens: Tokens,
    identity_key: Option<Vec<u8>>,
    route: Route,
}

impl State {
    /// Whether `req` could come from a web page: it carries a browser's `Origin` or
    /// `Sec-Fetch-*` header, or names another host (DNS rebinding).
    fn is_from_a_browser(&self, req: &Request<Incoming>) -> bool {
        let headers = req.headers();
        let host = headers
            .get(hyper::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        headers.contains_key(hyper::header::ORIGIN)
            || headers.keys().any(|k| k.as_str().starts_with("sec-fetch-"))
            || !self.hosts.allow(host)
    }

    async fn answer(&self, req: &Request<Incoming>, client: SocketAddr) -> Response<Full<Bytes>> {
        if self.is_from_a_browser(req) {
            tracing::warn!("credential endpoint: a request from a browser or another host refused");
            return plain(StatusCode::FORBIDDEN, "");
        }
        if let Some(key) = &self.identity_key
            && req.uri().path() == IDENTITY_PATH
            && req.method() == hyper::Method::GET
        {
            let nonce = req
                .uri()
                .query()
                .and_then(|q| q.strip_prefix("nonce="))
                .filter(|n| {
                    (16..=128).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_hexdigit())
                });
            return match nonce {
                Some(nonce) => json(
                    StatusCode::OK,
                    &serde_json::json!({ "Proof": identity_proof(key, nonce) }),
                ),
                None => plain(StatusCode::BAD_REQUEST, ""),
            };
        }
        let given = req
            .headers()
            .get(hyper::header::AUTHORIZATION)
            .map_or(&[][..], |v| v.as_bytes());
        let Some(scope) = (self.tokens)(given) else {
            tracing::warn!("credential endpoint: a request without the right token refused");
            return plain(StatusCode::UNAUTHORIZED, "");
        };
        if req.method() != hyper::Method::GET {
            return plain(StatusCode::METHOD_NOT_ALLOWED, "");
        }
        let asked = Asked {
            path: req.uri().path().to_owned(),
            client,
            scope,
        };
        let reply = tokio::time::timeout(ANSWER_TIMEOUT, (self.route)(asked))
            .await
            .unwrap_or_else(|_| Reply::Failed("no answer in time".to_owned()));
        match reply {
            Reply::Credentials(c) => {
                let body = serde_json::json!({
                    "AccessKeyId": c.access_key_id,
                    "SecretAccessKey": c.secret_access_key,
                    "Token": c.session_token,
                    "Expiration": c.expiration.and_then(|e| e.format(&Rfc3339).ok()),
                });
                json(StatusCode::OK, &body)
            }
            Reply::NotFound(m) if m.is_empty() => plain(StatusCode::NOT_FOUND, ""),
            Reply::NotFound(m) => error(StatusCode::NOT_FOUND, "NotFound", &m),
            Reply::Refused(m) => error(StatusCode::FORBIDDEN, "AccessDenied", &m),
            Reply::Failed(m) => error(
                StatusCode::SERVICE_UNAVAILABLE,
                "CredentialsUnavailable",
                &m,
            ),
        }
    }
}

/// The error body the SDKs show: `{"Code": …, "Message": "awsnav: …"}`.
fn error(status: StatusCode, code: &str, message: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({
        "Code": code,
        "Message": format!("awsnav: {message}"),
    });
    json(status, &body)
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
        let addr = url.trim_start_matches("http://").split('/').next().unwrap();
        let auth = token.map_or(String::new(), |t| format!("Authorization: {t}\r\n"));
        send(url, &format!("Host: {addr}\r\n{auth}")).await
    }

    /// A GET of `url` with `headers` (each ending in CRLF) as written.
    async fn send(url: &str, headers: &str) -> (u16, String) {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let rest = url.trim_start_matches("http://");
        let (addr, path) = rest.split_once('/').unwrap();
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let req = format!("GET /{path} HTTP/1.1\r\n{headers}Connection: close\r\n\r\n");
        let _ = s.write_all(req.as_bytes()).await;
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out).await;
        let out = String::from_utf8_lossy(&out);
        let status = out.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        let body = out.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
        (status, body)
    }

    #[test]
    fn the_identity_proof_is_hmac_sha256_in_hex() {
        // RFC 4231, test case 2.
        assert_eq!(
            identity_proof(b"Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[tokio::test]
    async fn browsers_and_other_hosts_are_refused_even_with_the_token() {
        let fetch: Fetch = Arc::new(|| {
            Box::pin(async {
                Ok(Credentials {
                    access_key_id: "ASIA".into(),
                    secret_access_key: "s".into(),
                    session_token: None,
                    expiration: None,
                })
            })
        });
        let endpoint = Endpoint::start(fetch, Arc::new(|_| {})).await.unwrap();
        let url = &endpoint.url;
        let port = url.split(':').nth(2).unwrap().split('/').next().unwrap();
        let auth = format!("Authorization: {}\r\n", endpoint.token);
        let ok = |host: &str| format!("Host: {host}\r\n{auth}");
        assert_eq!(send(url, &ok(&format!("127.0.0.1:{port}"))).await.0, 200);
        assert_eq!(send(url, &ok(&format!("localhost:{port}"))).await.0, 200);
        // DNS rebinding: the page's own name in Host.
        assert_eq!(send(url, &ok(&format!("evil.example:{port}"))).await.0, 403);
        assert_eq!(send(url, &ok("127.0.0.1")).await.0, 403);
        assert_eq!(send(url, &auth).await.0, 403, "no Host");
        let host = format!("127.0.0.1:{port}");
        for browser in [
            "Origin: http://evil.example\r\n",
            "Origin: null\r\n",
            "Sec-Fetch-Site: cross-site\r\n",
        ] {
            let (status, body) = send(url, &format!("{}{browser}", ok(&host))).await;
            assert_eq!((status, body.as_str()), (403, ""), "{browser}");
        }
        // Headers past the limit are refused, not read without end.
        let big = format!(
            "{}X-Pad: {}\r\n",
            ok(&host),
            "a".repeat(MAX_HEADER_BYTES * 2)
        );
        assert_ne!(send(url, &big).await.0, 200);
    }

    #[test]
    fn a_server_bound_elsewhere_accepts_its_address_and_never_a_dns_name() {
        let bridge: SocketAddr = "169.254.170.2:8080".parse().unwrap();
        let exact = Hosts::Address(bridge);
        assert!(exact.allow("169.254.170.2:8080"));
        for other in [
            "169.254.170.2:8081",
            "127.0.0.1:8080",
            "evil.example:8080",
            "",
        ] {
            assert!(!exact.allow(other), "{other}");
        }
        let any = Hosts::AnyAddress(8080);
        for ok in [
            "192.0.2.7:8080",
            "[fd00::1]:8080",
            "localhost:8080",
            "LOCALHOST:8080",
        ] {
            assert!(any.allow(ok), "{ok}");
        }
        for refused in [
            "evil.example:8080",
            "192.0.2.7:9999",
            "192.0.2.7",
            "localhost",
        ] {
            assert!(!any.allow(refused), "{refused}");
        }
        let loopback = Hosts::Loopback(8080);
        assert!(loopback.allow("127.0.0.1:8080") && loopback.allow("localhost:8080"));
        assert!(!loopback.allow("192.0.2.7:8080"));
    }

    #[tokio::test]
    async fn a_client_that_never_finishes_its_headers_is_cut_off() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let fetch: Fetch = Arc::new(|| Box::pin(async { Err("unused".to_owned()) }));
        let endpoint = Endpoint::start(fetch, Arc::new(|_| {})).await.unwrap();
        let addr = endpoint
            .url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap();
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /awsnav/credentials HTTP/1.1\r\nHost: x")
            .await
            .unwrap();
        let mut out = Vec::new();
        let read = tokio::time::timeout(HEADER_TIMEOUT * 3, s.read_to_end(&mut out)).await;
        assert!(
            read.is_ok(),
            "the connection is closed after the header timeout"
        );
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
        // The listening task ends on the runtime's next turns, not at once.
        let mut closed = false;
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(&addr).await.is_err() {
                closed = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(
            closed,
            "{addr} still answers after the endpoint was dropped"
        );
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
