//! A loopback HTTP server that answers like AWS does, for faults moto cannot produce
//! (throttling, access denied, empty pages with a `NextToken`, garbage bodies).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One request as received.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// When it arrived.
    pub at: std::time::Instant,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The operation: `X-Amz-Target`'s suffix (JSON protocols) or `Action=` (query protocol).
    pub fn operation(&self) -> String {
        if let Some(t) = self.header("x-amz-target") {
            return t.rsplit('.').next().unwrap_or(t).to_owned();
        }
        self.body
            .split('&')
            .find_map(|kv| kv.strip_prefix("Action="))
            .unwrap_or("")
            .to_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The path without its query string.
    pub fn route(&self) -> &str {
        self.path.split('?').next().unwrap_or("")
    }

    /// A query parameter, percent-decoded.
    pub fn query(&self, name: &str) -> Option<String> {
        let query = self.path.split_once('?')?.1;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub content_type: String,
    pub body: String,
    /// Announce a longer body than is sent, then close the connection mid-body.
    pub truncated: bool,
    /// Headers besides Content-Type and Content-Length.
    pub headers: Vec<(String, String)>,
    /// Held until the client gives up waiting and hangs up; sent only to a client still
    /// waiting [`HOLD_AT_MOST`] later.
    pub held: bool,
}

/// How long a held answer waits for the client to hang up: far longer than any timeout the
/// tests configure, so a client that never times out gets the answer and fails the test.
pub const HOLD_AT_MOST: std::time::Duration = std::time::Duration::from_secs(20);

impl Response {
    pub fn json(body: &serde_json::Value) -> Self {
        Self {
            status: 200,
            content_type: "application/x-amz-json-1.1".into(),
            body: body.to_string(),
            truncated: false,
            headers: Vec::new(),
            held: false,
        }
    }

    /// An awsJson1.1 error, as Organizations sends it (throttling is HTTP 400 there too).
    pub fn aws_error(status: u16, code: &str, message: &str) -> Self {
        Self {
            status,
            content_type: "application/x-amz-json-1.1".into(),
            body: serde_json::json!({ "__type": code, "Message": message }).to_string(),
            truncated: false,
            headers: Vec::new(),
            held: false,
        }
    }

    pub fn raw(status: u16, content_type: &str, body: &str) -> Self {
        Self {
            status,
            content_type: content_type.to_owned(),
            body: body.to_owned(),
            truncated: false,
            headers: Vec::new(),
            held: false,
        }
    }

    /// A REST-JSON error (the IAM Identity Center portal's kind): the type in
    /// `x-amzn-ErrorType`, the message in the body.
    pub fn rest_error(status: u16, code: &str, message: &str) -> Self {
        let mut r = Self::raw(
            status,
            "application/json",
            &serde_json::json!({ "message": message }).to_string(),
        );
        r.headers.push((
            "x-amzn-ErrorType".into(),
            format!("{code}:http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/"),
        ));
        r
    }

    /// A success whose body stops half-way: the connection closes before `Content-Length`.
    pub fn truncated(content_type: &str, body: &str) -> Self {
        Self {
            truncated: true,
            ..Self::raw(200, content_type, body)
        }
    }

    /// This answer, later than the client waits: the server holds it until the client hangs up
    /// (its timeout), and sends it only if the client is still there [`HOLD_AT_MOST`] later.
    #[must_use]
    pub fn held(self) -> Self {
        Self { held: true, ..self }
    }

    /// An STS (query protocol) error, as STS sends it.
    pub fn sts_error(status: u16, code: &str, message: &str) -> Self {
        Self::raw(
            status,
            "text/xml",
            &format!(
                "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                 <Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>\
                 <RequestId>fault-1</RequestId></ErrorResponse>"
            ),
        )
    }

    /// STS `GetSessionToken` / `AssumeRole` success with fixed credentials.
    pub fn sts_credentials(operation: &str, key: &str, expiration: &str) -> Self {
        let user = if operation == "AssumeRole" {
            "<AssumedRoleUser><AssumedRoleId>AROATEST:alice</AssumedRoleId>\
             <Arn>arn:aws:sts::111122223333:assumed-role/Admin/alice</Arn></AssumedRoleUser>"
        } else {
            ""
        };
        Self::raw(
            200,
            "text/xml",
            &format!(
                "<{operation}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                 <{operation}Result><Credentials><AccessKeyId>{key}</AccessKeyId>\
                 <SecretAccessKey>secret-{key}</SecretAccessKey><SessionToken>token-{key}</SessionToken>\
                 <Expiration>{expiration}</Expiration></Credentials>{user}</{operation}Result>\
                 <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></{operation}Response>"
            ),
        )
    }

    /// STS `GetCallerIdentity` (query protocol, XML).
    pub fn sts_identity(account: &str, arn: &str) -> Self {
        Self::raw(
            200,
            "text/xml",
            &format!(
                "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                 <GetCallerIdentityResult><Arn>{arn}</Arn><UserId>AIDATEST</UserId>\
                 <Account>{account}</Account></GetCallerIdentityResult>\
                 <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>\
                 </GetCallerIdentityResponse>"
            ),
        )
    }
}

type Handler = dyn Fn(&Request, usize) -> Response + Send + Sync;

/// A handler that forwards every request to `upstream` (moto) and returns its answer, so
/// tests can count and inspect what awsnav sends while moto does the work.
pub fn proxy(upstream: &str) -> impl Fn(&Request, usize) -> Response + Send + Sync + 'static {
    let addr = upstream.trim_start_matches("http://").to_owned();
    move |req, _| {
        forward(&addr, req).unwrap_or_else(|e| Response::raw(502, "text/plain", &e.to_string()))
    }
}

/// Whether a request goes to Organizations or Cost Explorer (by its JSON target).
pub fn is_org_or_cost(req: &Request) -> bool {
    req.header("x-amz-target").is_some_and(|t| {
        t.starts_with("AWSOrganizationsV20161128.") || t.starts_with("AWSInsightsIndexService.")
    })
}

/// An MFA-enforcing policy in front of `upstream` (moto): Organizations and Cost Explorer calls
/// signed with a long-term key (no session token) get AWS's explicit deny; everything else,
/// and calls signed with temporary credentials, are forwarded.
pub fn mfa_enforcing(
    upstream: &str,
) -> impl Fn(&Request, usize) -> Response + Send + Sync + 'static {
    let forward = proxy(upstream);
    move |req, n| {
        if is_org_or_cost(req) && req.header("x-amz-security-token").is_none() {
            Response::aws_error(
                400,
                "AccessDeniedException",
                &format!(
                    "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: {} with an explicit deny in an identity-based policy",
                    req.operation()
                ),
            )
        } else {
            forward(req, n)
        }
    }
}

/// STS as strict as AWS in front of `upstream` (moto): a TOTP code it has seen once is refused
/// (a code is good for one request), and so is a FIDO security key's serial (`…:u2f/…`), which
/// cannot sign API calls. Everything else is forwarded.
pub fn strict_sts(upstream: &str) -> impl Fn(&Request, usize) -> Response + Send + Sync + 'static {
    let forward = proxy(upstream);
    let seen: Mutex<Vec<String>> = Mutex::default();
    move |req, n| {
        let param = |name: &str| {
            req.body.split('&').find_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                (k == name).then(|| {
                    url::form_urlencoded::parse(format!("v={v}").as_bytes())
                        .next()
                        .map(|(_, v)| v.into_owned())
                        .unwrap_or_default()
                })
            })
        };
        if let Some(serial) = param("SerialNumber")
            && serial.contains(":u2f/")
        {
            return Response::sts_error(
                403,
                "AccessDenied",
                "MultiFactorAuthentication failed, unable to validate MFA code",
            );
        }
        if let Some(code) = param("TokenCode") {
            let mut seen = seen.lock().unwrap();
            if seen.contains(&code) {
                return Response::sts_error(
                    403,
                    "AccessDenied",
                    "MultiFactorAuthentication failed with invalid MFA one time pass code.",
                );
            }
            seen.push(code);
        }
        forward(req, n)
    }
}

/// Throttles about `percent` % of requests the way Organizations does (HTTP 400,
/// `TooManyRequestsException`) and forwards the rest to `upstream` (moto). Which requests are
/// throttled depends only on their sequence number, so a run can be repeated.
pub fn throttling_proxy(
    upstream: &str,
    percent: u64,
) -> impl Fn(&Request, usize) -> Response + Send + Sync + 'static {
    let forward = proxy(upstream);
    move |req, n| {
        let mut rng = fastrand::Rng::with_seed(n as u64);
        if rng.u64(0..100) < percent {
            return Response::aws_error(
                400,
                "TooManyRequestsException",
                "AWS Organizations can't complete your request because another request is already in progress. Try again later.",
            );
        }
        forward(req, n)
    }
}

pub fn forward(addr: &str, req: &Request) -> std::io::Result<Response> {
    let mut upstream = TcpStream::connect(addr)?;
    let mut head = format!("{} {} HTTP/1.1\r\n", req.method, req.path);
    for (k, v) in &req.headers {
        if !k.eq_ignore_ascii_case("connection") {
            let _ = write!(head, "{k}: {v}\r\n");
        }
    }
    head.push_str("Connection: close\r\n\r\n");
    upstream.write_all(head.as_bytes())?;
    upstream.write_all(req.body.as_bytes())?;
    let mut raw = Vec::new();
    upstream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(502);
    let content_type = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-type")
                .then(|| v.trim().to_owned())
        })
        .unwrap_or_else(|| "text/xml".to_owned());
    Ok(Response {
        status,
        content_type,
        body: body.to_owned(),
        truncated: false,
        headers: Vec::new(),
        held: false,
    })
}

/// The parts of a stand-in for a service (the Identity Center OIDC service, AWS Sign-In, a SAML
/// IdP): how it behaves (`spec`, which a test changes as it goes), what it has seen (`state`),
/// and the server answering each request from both and its own base URL.
pub fn stand_in<Spec, St>(
    spec: Spec,
    answer: impl Fn(&Spec, &str, &mut St, &Request) -> Response + Send + Sync + 'static,
) -> (FaultServer, Arc<Mutex<Spec>>, Arc<Mutex<St>>)
where
    Spec: Clone + Send + 'static,
    St: Default + Send + 'static,
{
    let spec = Arc::new(Mutex::new(spec));
    let state: Arc<Mutex<St>> = Arc::default();
    let base = Arc::new(Mutex::new(String::new()));
    let (s, st, b) = (spec.clone(), state.clone(), base.clone());
    let server = FaultServer::start(move |req, _| {
        let spec = s.lock().unwrap().clone();
        let base = b.lock().unwrap().clone();
        answer(&spec, &base, &mut st.lock().unwrap(), req)
    });
    server
        .url
        .trim_end_matches('/')
        .clone_into(&mut base.lock().unwrap());
    (server, spec, state)
}

/// The server; `requests()` lists what it received, in order.
pub struct FaultServer {
    pub url: String,
    log: Arc<Mutex<Vec<Request>>>,
}

impl FaultServer {
    /// `handler(request, n)` answers the n-th request (0-based).
    pub fn start(handler: impl Fn(&Request, usize) -> Response + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log: Arc<Mutex<Vec<Request>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let server_log = log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (log, handler) = (server_log.clone(), handler.clone());
                std::thread::spawn(move || serve(&stream, &log, &*handler));
            }
        });
        Self { url, log }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    pub fn count(&self, operation: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.operation() == operation)
            .count()
    }
}

fn serve(stream: &TcpStream, log: &Mutex<Vec<Request>>, handler: &Handler) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    loop {
        let mut first = String::new();
        if reader.read_line(&mut first).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = first.split_whitespace();
        let method = parts.next().unwrap_or("").to_owned();
        let path = parts.next().unwrap_or("").to_owned();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                headers.push((k.trim().to_owned(), v.trim().to_owned()));
            }
        }
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let request = Request {
            method,
            path,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            at: std::time::Instant::now(),
        };
        let n = {
            let mut log = log.lock().unwrap();
            log.push(request.clone());
            log.len() - 1
        };
        let response = handler(&request, n);
        if response.held && hangs_up(&mut reader, stream) {
            return;
        }
        let reason = if response.status < 400 { "OK" } else { "Error" };
        let mut out = stream.try_clone().unwrap();
        let (length, sent) = if response.truncated {
            let half = response.body.len() / 2;
            (response.body.len(), &response.body.as_bytes()[..half])
        } else {
            (response.body.len(), response.body.as_bytes())
        };
        let extra = response
            .headers
            .iter()
            .fold(String::new(), |mut out, (k, v)| {
                let _ = write!(out, "{k}: {v}\r\n");
                out
            });
        let head = format!(
            "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {length}\r\nx-amzn-RequestId: test-{n}\r\n{extra}\r\n",
            response.status, response.content_type,
        );
        if out.write_all(head.as_bytes()).is_err() || out.write_all(sent).is_err() {
            return;
        }
        if response.truncated {
            let _ = out.shutdown(std::net::Shutdown::Both);
            return;
        }
    }
}

/// Waits until the client closes the connection, at most [`HOLD_AT_MOST`]: true when it did.
fn hangs_up(reader: &mut BufReader<TcpStream>, stream: &TcpStream) -> bool {
    let deadline = std::time::Instant::now() + HOLD_AT_MOST;
    let mut byte = [0; 1];
    let hung_up = loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            break false;
        }
        match reader.read(&mut byte) {
            Ok(0) => break true,
            Ok(_) => {}
            Err(e) => {
                break !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                );
            }
        }
    };
    let _ = stream.set_read_timeout(None);
    hung_up
}

/// The key id a request is signed with (`Credential=AKIA…/date/region/service/…`).
pub fn signing_key(req: &Request) -> Option<String> {
    let auth = req.header("authorization")?;
    let rest = auth.split("Credential=").nth(1)?;
    Some(rest.split('/').next()?.to_owned())
}

/// IAM's rule on long-lived keys, which moto does not keep: a request signed with a key that
/// IAM never issued, or has deleted, is refused (`InvalidClientTokenId`). Requests signed with
/// temporary credentials (a session token) pass. `known` starts with the keys the test made;
/// keys made by `CreateAccessKey` through this proxy join it, keys deleted by
/// `DeleteAccessKey` leave it. With `fail_delete`, `DeleteAccessKey` is denied.
pub fn issued_keys_only(
    upstream: &str,
    known: Arc<Mutex<Vec<String>>>,
    fail_delete: bool,
) -> impl Fn(&Request, usize) -> Response + Send + Sync + 'static {
    let forward = proxy(upstream);
    move |req, n| {
        let op = req.operation();
        if req.header("x-amz-security-token").is_none()
            && let Some(key) = signing_key(req)
            && !known.lock().unwrap().contains(&key)
        {
            return Response::sts_error(
                403,
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
            );
        }
        if op == "DeleteAccessKey" && fail_delete {
            return Response::sts_error(
                403,
                "AccessDenied",
                "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:DeleteAccessKey",
            );
        }
        let response = forward(req, n);
        if response.status == 200 {
            if op == "CreateAccessKey"
                && let Some(id) = response
                    .body
                    .split("<AccessKeyId>")
                    .nth(1)
                    .and_then(|r| r.split('<').next())
            {
                known.lock().unwrap().push(id.to_owned());
            }
            if op == "DeleteAccessKey"
                && let Some(id) = req
                    .body
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("AccessKeyId="))
            {
                known.lock().unwrap().retain(|k| k != id);
            }
        }
        response
    }
}
