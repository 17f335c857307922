//! Signing in to IAM Identity Center without the AWS CLI: SSO OIDC through the official SDK
//! (authorization code with PKCE and a loopback redirect, or device authorization), the
//! token written where and how the AWS CLI writes it, renewed with its refresh token.

use std::path::PathBuf;
use std::time::Duration;

use aws_config::{Region, SdkConfig};
use aws_sdk_ssooidc::Client;
use aws_smithy_types::error::metadata::ProvideErrorMetadata as _;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::AwsError;
use super::sso::SsoSource;

/// The scope every sign-in asks for.
pub const ACCOUNT_ACCESS: &str = "sso:account:access";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Renew an access token this long before it ends.
const RENEW_AHEAD: time::Duration = time::Duration::minutes(5);

/// The token file, field for field as the AWS CLI writes it (and every SDK reads it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CachedToken {
    pub start_url: String,
    pub region: String,
    pub access_token: String,
    pub expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_expires_at: Option<String>,
}

impl CachedToken {
    /// When the access token ends.
    #[must_use]
    pub fn expires(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(&self.expires_at, &Rfc3339).ok()
    }

    fn registration(&self) -> Option<Registration> {
        let expires =
            OffsetDateTime::parse(self.registration_expires_at.as_deref()?, &Rfc3339).ok()?;
        Some(Registration {
            client_id: self.client_id.clone()?,
            client_secret: self.client_secret.clone()?,
            expires,
        })
    }
}

/// A client registration with the OIDC service.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Registration {
    client_id: String,
    client_secret: String,
    expires: OffsetDateTime,
}

/// How the browser takes part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Authorization code with PKCE: the browser comes back to a loopback listener.
    Browser,
    /// Device authorization: the user opens a URL and confirms a code, anywhere.
    DeviceCode,
}

/// What the person signing in sees and does.
pub trait SignInUi: Send + Sync {
    /// Shows where to sign in (and the code to check, for a device sign-in).
    fn show(&self, url: &str, user_code: Option<&str>);
    /// Opens `url` in a browser; `false` when none could start.
    fn open(&self, url: &str) -> bool;
}

/// The file the AWS CLI keeps this sign-in's token in: `~/.aws/sso/cache/<sha1>.json` of the
/// `sso_session` name, or of the start URL for a legacy profile.
#[must_use]
pub fn token_path(source: &SsoSource) -> Option<PathBuf> {
    super::sso::token_path(source.session.as_deref().unwrap_or(&source.start_url))
}

/// The cached token of `source`, if there is a readable one.
#[must_use]
pub fn read_token(source: &SsoSource) -> Option<CachedToken> {
    let bytes = std::fs::read(token_path(source)?).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn rfc3339(t: OffsetDateTime) -> String {
    // The AWS CLI writes whole seconds in UTC with a Z.
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

fn write_token(source: &SsoSource, token: &CachedToken) -> Result<(), AwsError> {
    let path =
        token_path(source).ok_or_else(|| source.login("cannot be stored (no home directory)"))?;
    let text = serde_json::to_string_pretty(token).unwrap_or_default();
    // `write_private` makes the directory (0700) as well.
    crate::store::private_file::write_private(&path, text.as_bytes())
        .map_err(|e| source.login(format!("cannot be stored ({}: {e})", path.display())))
}

fn client(sdk: &SdkConfig, source: &SsoSource) -> Client {
    Client::from_conf(
        aws_sdk_ssooidc::config::Builder::from(sdk)
            .region(Region::new(source.region.clone()))
            .build(),
    )
}

/// The OIDC service's address, for the browser's `/authorize`: the SDK's own endpoint
/// settings (`AWS_ENDPOINT_URL_SSO_OIDC`, `AWS_ENDPOINT_URL`), else the region's.
fn oidc_base(region: &str) -> String {
    ["AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.trim().is_empty()))
        .map_or_else(
            || format!("https://oidc.{region}.amazonaws.com"),
            |u| u.trim_end_matches('/').to_owned(),
        )
}

/// Why an OIDC call failed, for the person: the service's error code and what to do.
fn oidc_error<
    E: std::error::Error
        + aws_smithy_types::error::metadata::ProvideErrorMetadata
        + Send
        + Sync
        + 'static,
>(
    source: &SsoSource,
    what: &str,
    e: &aws_smithy_runtime_api::client::result::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> AwsError {
    let code = e.code().unwrap_or_default();
    let why = match code {
        "AccessDeniedException" => "was refused in the browser".to_owned(),
        "ExpiredTokenException" => "took too long: the code expired; sign in again".to_owned(),
        "InvalidClientException" => {
            "used a client registration the service no longer knows; sign in again".to_owned()
        }
        "InvalidGrantException" => {
            "could not be completed (the service refused the grant); sign in again".to_owned()
        }
        _ => format!("failed at {what} ({})", super::chain(e)),
    };
    source.login(why)
}

/// A registration from the token file while it lasts, else a new one.
async fn registration(
    oidc: &Client,
    source: &SsoSource,
    flow: Flow,
    redirect: Option<&str>,
    scopes: &[String],
    now: OffsetDateTime,
) -> Result<Registration, AwsError> {
    if flow == Flow::DeviceCode
        && let Some(r) = read_token(source).and_then(|t| t.registration())
        && r.expires > now + time::Duration::hours(1)
    {
        return Ok(r);
    }
    register(oidc, source, redirect, scopes, now).await
}

/// A new client registration.
async fn register(
    oidc: &Client,
    source: &SsoSource,
    redirect: Option<&str>,
    scopes: &[String],
    now: OffsetDateTime,
) -> Result<Registration, AwsError> {
    let mut request = oidc
        .register_client()
        .client_name("awsnav")
        .client_type("public")
        .set_scopes(Some(scopes.to_vec()));
    if let Some(uri) = redirect {
        request = request
            .grant_types("authorization_code")
            .grant_types("refresh_token")
            .redirect_uris(uri)
            .issuer_url(&source.start_url);
    }
    let out = request
        .send()
        .await
        .map_err(|e| oidc_error(source, "RegisterClient", &e))?;
    Ok(Registration {
        client_id: out.client_id().unwrap_or_default().to_owned(),
        client_secret: out.client_secret().unwrap_or_default().to_owned(),
        expires: OffsetDateTime::from_unix_timestamp(out.client_secret_expires_at())
            .unwrap_or(now + time::Duration::days(90)),
    })
}

fn cached(
    source: &SsoSource,
    reg: &Registration,
    access_token: String,
    expires_in: i32,
    refresh_token: Option<String>,
    now: OffsetDateTime,
) -> CachedToken {
    CachedToken {
        start_url: source.start_url.clone(),
        region: source.region.clone(),
        access_token,
        expires_at: rfc3339(now + time::Duration::seconds(i64::from(expires_in))),
        refresh_token,
        client_id: Some(reg.client_id.clone()),
        client_secret: Some(reg.client_secret.clone()),
        registration_expires_at: Some(rfc3339(reg.expires)),
    }
}

/// The cached token renewed with its refresh token (no browser); `None` when it cannot be
/// (no refresh token, the registration ended, the service refuses it).
///
/// # Errors
/// When the renewed token cannot be stored.
pub async fn refresh(
    sdk: &SdkConfig,
    source: &SsoSource,
    now: OffsetDateTime,
) -> Result<Option<CachedToken>, AwsError> {
    let Some(token) = read_token(source) else {
        return Ok(None);
    };
    let (Some(reg), Some(refresh_token)) = (token.registration(), token.refresh_token.clone())
    else {
        return Ok(None);
    };
    if reg.expires <= now {
        return Ok(None);
    }
    let out = match client(sdk, source)
        .create_token()
        .client_id(&reg.client_id)
        .client_secret(&reg.client_secret)
        .grant_type("refresh_token")
        .refresh_token(refresh_token)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => {
            tracing::info!(error = %super::chain(&e), "the SSO refresh token was refused");
            return Ok(None);
        }
    };
    let renewed = cached(
        source,
        &reg,
        out.access_token().unwrap_or_default().to_owned(),
        out.expires_in(),
        out.refresh_token()
            .map(str::to_owned)
            .or(token.refresh_token),
        now,
    );
    write_token(source, &renewed)?;
    Ok(Some(renewed))
}

/// A valid token: the cached one while it lasts, renewed with its refresh token shortly
/// before it ends; `None` when only a new sign-in can give one.
///
/// # Errors
/// When a renewed token cannot be stored.
pub async fn valid_token(
    sdk: &SdkConfig,
    source: &SsoSource,
    now: OffsetDateTime,
) -> Result<Option<CachedToken>, AwsError> {
    if let Some(t) = read_token(source)
        && t.expires().is_some_and(|e| e > now + RENEW_AHEAD)
    {
        return Ok(Some(t));
    }
    refresh(sdk, source, now).await
}

/// Signs in (the refresh token first, then `flow`), stores the token for the AWS CLI and
/// the SDKs, and returns it.
///
/// # Errors
/// [`AwsError::SsoLogin`] saying why: refused, expired, the wrong `state`, the service down.
/// The token file is left as it was.
pub async fn sign_in(
    sdk: &SdkConfig,
    source: &SsoSource,
    scopes: &[String],
    flow: Flow,
    ui: &dyn SignInUi,
) -> Result<CachedToken, AwsError> {
    let now = OffsetDateTime::now_utc();
    if let Some(t) = refresh(sdk, source, now).await? {
        return Ok(t);
    }
    let mut scopes = scopes.to_vec();
    if !scopes.iter().any(|s| s == ACCOUNT_ACCESS) {
        scopes.insert(0, ACCOUNT_ACCESS.to_owned());
    }
    let oidc = client(sdk, source);
    let token = match flow {
        Flow::DeviceCode => device(&oidc, source, &scopes, ui, now).await?,
        Flow::Browser => browser(&oidc, source, &scopes, ui, now).await?,
    };
    write_token(source, &token)?;
    Ok(token)
}

async fn device(
    oidc: &Client,
    source: &SsoSource,
    scopes: &[String],
    ui: &dyn SignInUi,
    now: OffsetDateTime,
) -> Result<CachedToken, AwsError> {
    let mut reg = registration(oidc, source, Flow::DeviceCode, None, scopes, now).await?;
    let start = |reg: &Registration| {
        oidc.start_device_authorization()
            .client_id(&reg.client_id)
            .client_secret(&reg.client_secret)
            .start_url(&source.start_url)
            .send()
    };
    let auth = match start(&reg).await {
        Ok(auth) => auth,
        // A cached registration the service no longer knows: register again, once.
        Err(e) if e.code() == Some("InvalidClientException") => {
            reg = register(oidc, source, None, scopes, now).await?;
            start(&reg)
                .await
                .map_err(|e| oidc_error(source, "StartDeviceAuthorization", &e))?
        }
        Err(e) => return Err(oidc_error(source, "StartDeviceAuthorization", &e)),
    };
    let url = auth
        .verification_uri_complete()
        .or(auth.verification_uri())
        .unwrap_or_default()
        .to_owned();
    ui.show(&url, auth.user_code());
    let _ = ui.open(&url);
    let mut interval = Duration::from_secs(u64::try_from(auth.interval().max(1)).unwrap_or(5));
    let deadline = std::time::Instant::now()
        + Duration::from_secs(u64::try_from(auth.expires_in().max(1)).unwrap_or(600));
    let device_code = auth.device_code().unwrap_or_default().to_owned();
    loop {
        tokio::time::sleep(interval).await;
        if std::time::Instant::now() > deadline {
            return Err(source.login("took too long: the code expired; sign in again"));
        }
        match oidc
            .create_token()
            .client_id(&reg.client_id)
            .client_secret(&reg.client_secret)
            .grant_type(DEVICE_GRANT)
            .device_code(&device_code)
            .send()
            .await
        {
            Ok(out) => {
                return Ok(cached(
                    source,
                    &reg,
                    out.access_token().unwrap_or_default().to_owned(),
                    out.expires_in(),
                    out.refresh_token().map(str::to_owned),
                    OffsetDateTime::now_utc(),
                ));
            }
            Err(e) => match e.code() {
                Some("AuthorizationPendingException") => {}
                Some("SlowDownException") => interval += Duration::from_secs(5),
                _ => return Err(oidc_error(source, "CreateToken", &e)),
            },
        }
    }
}

/// 32 random bytes, base64url: PKCE's verifier and the `state`.
fn random_token(source: &SsoSource) -> Result<String, AwsError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| source.login(format!("cannot start: no randomness ({e})")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

async fn browser(
    oidc: &Client,
    source: &SsoSource,
    scopes: &[String],
    ui: &dyn SignInUi,
    now: OffsetDateTime,
) -> Result<CachedToken, AwsError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| source.login(format!("cannot listen for the browser on 127.0.0.1 ({e})")))?;
    let port = listener
        .local_addr()
        .map_err(|e| source.login(format!("cannot listen for the browser ({e})")))?
        .port();
    let redirect = format!("http://127.0.0.1:{port}/oauth/callback");
    let reg = registration(oidc, source, Flow::Browser, Some(&redirect), scopes, now).await?;
    let verifier = random_token(source)?;
    let state = random_token(source)?;
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let mut url = url::Url::parse(&format!("{}/authorize", oidc_base(&source.region)))
        .map_err(|e| source.login(format!("cannot make the sign-in address ({e})")))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &reg.client_id)
        .append_pair("redirect_uri", &redirect)
        .append_pair("state", &state)
        .append_pair("code_challenge_method", "S256")
        .append_pair("scopes", &scopes.join(" "))
        .append_pair("code_challenge", &challenge);
    ui.show(url.as_str(), None);
    if !ui.open(url.as_str()) {
        return Err(
            source.login("needs a browser, and none could start: sign in with --use-device-code")
        );
    }
    let code = tokio::time::timeout(Duration::from_mins(5), callback(&listener, &state))
        .await
        .map_err(|_| source.login("took too long: nobody came back from the browser"))?
        .map_err(|why| source.login(why))?;
    let out = oidc
        .create_token()
        .client_id(&reg.client_id)
        .client_secret(&reg.client_secret)
        .grant_type("authorization_code")
        .code(code)
        .code_verifier(verifier)
        .redirect_uri(&redirect)
        .send()
        .await
        .map_err(|e| oidc_error(source, "CreateToken", &e))?;
    Ok(cached(
        source,
        &reg,
        out.access_token().unwrap_or_default().to_owned(),
        out.expires_in(),
        out.refresh_token().map(str::to_owned),
        OffsetDateTime::now_utc(),
    ))
}

/// How long a connection to the loopback redirect has to send its request.
const CALLBACK_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// The most a request to the loopback redirect may be: a browser's is well under 4 KiB.
const CALLBACK_MAX_REQUEST: usize = 16 * 1024;
/// Connections read at once; more are closed unread.
const CALLBACK_MAX_CONNECTIONS: usize = 64;

/// Waits for the browser's request to the loopback redirect that carries this sign-in's
/// `state`, and gives its code, or the error the service sent instead.
///
/// Any local process can connect to the port, so nothing it sends can end or stall the
/// sign-in: each connection is read on its own task, within [`CALLBACK_READ_TIMEOUT`] and
/// [`CALLBACK_MAX_REQUEST`]; a request without the right `state` (an `error=access_denied`
/// included) is answered 400 and ignored, and the sign-in goes on.
pub(super) async fn callback(
    listener: &tokio::net::TcpListener,
    state: &str,
) -> Result<String, String> {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = accepted
                    .map_err(|e| format!("the browser's answer could not be read ({e})"))?;
                if connections.len() >= CALLBACK_MAX_CONNECTIONS {
                    continue;
                }
                let state = state.to_owned();
                connections.spawn(async move {
                    tokio::time::timeout(CALLBACK_READ_TIMEOUT, redirect_request(stream, &state))
                        .await
                        .ok()
                        .flatten()
                });
            }
            Some(done) = connections.join_next() => {
                if let Ok(Some(outcome)) = done {
                    return outcome;
                }
            }
        }
    }
}

/// Reads one request to the loopback redirect and answers it: `Some` with the code (or the
/// refusal) when it carries `state`, `None` when it is not this sign-in's answer.
async fn redirect_request(
    mut stream: tokio::net::TcpStream,
    state: &str,
) -> Option<Result<String, String>> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        head.extend_from_slice(&chunk[..n]);
        if head.len() > CALLBACK_MAX_REQUEST {
            let _ = stream
                .write_all(b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .await;
            return None;
        }
    }
    let head = String::from_utf8_lossy(&head);
    let target = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or_default()
        .to_owned();
    let reply = |status: &str, body: &str| {
        format!(
            "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let Some(query) = target.strip_prefix("/oauth/callback?") else {
        let _ = stream
            .write_all(reply("404 Not Found", "").as_bytes())
            .await;
        return None;
    };
    let pairs: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
    let ours = pairs
        .get("state")
        .is_some_and(|s| subtle::ConstantTimeEq::ct_eq(s.as_bytes(), state.as_bytes()).into());
    if !ours {
        let _ = stream
            .write_all(
                reply(
                    "400 Bad Request",
                    "awsnav: this answer is not for the sign-in awsnav is waiting for.",
                )
                .as_bytes(),
            )
            .await;
        return None;
    }
    let _ = stream
        .write_all(reply("200 OK", "awsnav: you may close this window.").as_bytes())
        .await;
    if let Some(error) = pairs.get("error") {
        return Some(Err(if error == "access_denied" {
            "was refused in the browser".to_owned()
        } else {
            format!("was refused ({})", crate::domain::untrusted::visible(error))
        }));
    }
    Some(match pairs.get("code") {
        Some(code) => Ok(code.clone()),
        None => Err("came back from the browser without a code".to_owned()),
    })
}

/// Signs out: the portal's `Logout`, then the token file removed.
///
/// # Errors
/// When the token file cannot be removed.
pub async fn sign_out(sdk: &SdkConfig, source: &SsoSource) -> Result<bool, AwsError> {
    let Some(token) = read_token(source) else {
        return Ok(false);
    };
    let portal = aws_sdk_sso::Client::from_conf(
        aws_sdk_sso::config::Builder::from(sdk)
            .region(Region::new(source.region.clone()))
            .build(),
    );
    if let Err(e) = portal
        .logout()
        .access_token(&token.access_token)
        .send()
        .await
    {
        tracing::info!(error = %super::chain(&e), "the portal's Logout failed; the token is removed anyway");
    }
    if let Some(path) = token_path(source) {
        std::fs::remove_file(&path)
            .map_err(|e| source.login(format!("cannot be removed ({}: {e})", path.display())))?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    /// Sends `request` to the redirect at `port` and gives the status line of the answer.
    async fn ask(port: u16, request: &str) -> String {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        // The server may close before all of an oversized request is sent.
        let _ = s.write_all(request.as_bytes()).await;
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer).await;
        answer.lines().next().unwrap_or_default().to_owned()
    }

    fn get(query: &str) -> String {
        format!("GET /oauth/callback?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    }

    /// Another local process connects first and says nothing, then sends a refusal and a
    /// forged code without this sign-in's state, and an endless header: each is answered or
    /// dropped, and the browser's real answer still ends the sign-in.
    #[tokio::test]
    async fn other_processes_cannot_end_or_stall_a_sign_in() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let waiting = tokio::spawn(async move { callback(&listener, "the-state").await });
        let _idle = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        assert_eq!(
            ask(port, &get("error=access_denied")).await,
            "HTTP/1.1 400 Bad Request"
        );
        assert_eq!(
            ask(port, &get("error=access_denied&state=guess")).await,
            "HTTP/1.1 400 Bad Request"
        );
        assert_eq!(
            ask(port, &get("code=attackers&state=the-stat")).await,
            "HTTP/1.1 400 Bad Request"
        );
        assert_eq!(
            ask(port, "GET /favicon.ico HTTP/1.1\r\n\r\n").await,
            "HTTP/1.1 404 Not Found"
        );
        let endless = format!(
            "GET /oauth/callback?x HTTP/1.1\r\nX: {}",
            "a".repeat(40_000)
        );
        // Refused (the answer may be lost to the reset of a connection closed unread).
        let answer = ask(port, &endless).await;
        assert!(
            ["", "HTTP/1.1 431 Request Header Fields Too Large"].contains(&answer.as_str()),
            "{answer}"
        );
        assert!(!waiting.is_finished(), "the sign-in ended early");
        assert_eq!(
            ask(port, &get("code=the-code&state=the-state")).await,
            "HTTP/1.1 200 OK"
        );
        let got = tokio::time::timeout(Duration::from_secs(10), waiting)
            .await
            .expect("an idle connection stalled the sign-in")
            .unwrap();
        assert_eq!(got, Ok("the-code".to_owned()));
    }

    #[tokio::test]
    async fn a_refusal_with_the_state_ends_the_sign_in() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let waiting = tokio::spawn(async move { callback(&listener, "s").await });
        assert_eq!(
            ask(port, &get("error=access_denied&state=s")).await,
            "HTTP/1.1 200 OK"
        );
        assert_eq!(
            waiting.await.unwrap(),
            Err("was refused in the browser".to_owned())
        );
    }
}
