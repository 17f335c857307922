//! Signing in as an IAM user (or root) the way the console does, with no access key: AWS
//! Sign-In's OAuth 2.0 authorization code with PKCE, its token bound to a P-256 key by DPoP
//! (RFC 9449), as `aws login` of the AWS CLI does it. The token goes where and how the AWS
//! CLI writes it, so the SDK's own `login_session` provider (and botocore's) reads and renews
//! it; that provider is what turns it into credentials everywhere in awsnav.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_credential_types::provider::ProvideCredentials as _;
use aws_sdk_signin::Client;
use aws_sdk_signin::operation::create_o_auth2_token::CreateOAuth2TokenError;
use aws_sdk_signin::types::{CreateOAuth2TokenRequestBody, OAuth2ErrorCode};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::sso_oidc::SignInUi;
use crate::domain::credentials::Credentials;
use crate::domain::untrusted::hex;

/// The client of a sign-in with a browser on this machine (loopback redirect).
pub const SAME_DEVICE: &str = "arn:aws:signin:::devtools/same-device";
/// The client of a sign-in whose browser is elsewhere (the code is pasted back).
pub const CROSS_DEVICE: &str = "arn:aws:signin:::devtools/cross-device";
/// How long AWS keeps a console session (and so its refresh token) at most.
pub const SESSION_HOURS: i64 = 12;
/// The variable that moves the token cache, as the AWS CLI and the SDKs read it.
pub const CACHE_DIR_VAR: &str = "AWS_LOGIN_CACHE_DIRECTORY";

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The token file, field for field as the AWS CLI writes it (and the SDKs read it).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginToken {
    pub access_token: AccessToken,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    pub client_id: String,
    pub refresh_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// The DPoP key, SEC1 PEM: every refresh must be signed with it.
    pub dpop_key: String,
}

/// The short-lived credentials inside the token file.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessToken {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub account_id: String,
    pub expires_at: String,
}

impl std::fmt::Debug for LoginToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginToken")
            .field("account_id", &self.access_token.account_id)
            .field("expires_at", &self.access_token.expires_at)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("account_id", &self.account_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl LoginToken {
    /// When the short-lived credentials end (the session itself lasts longer).
    #[must_use]
    pub fn expires(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(&self.access_token.expires_at, &Rfc3339).ok()
    }
}

/// How the browser takes part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// A browser here comes back to a one-shot loopback listener.
    Browser,
    /// The browser is elsewhere: the person pastes back the code AWS shows there.
    Remote,
}

/// Where the person signing in is asked for the code of a [`Flow::Remote`] sign-in.
pub trait CodePrompt: Send + Sync {
    /// The code the browser showed; `None` when the person gave none.
    fn code(&self) -> Option<String>;
}

/// A sign-in that worked: the session's ARN (the profile's `login_session`) and its token.
#[derive(Debug)]
pub struct SignedIn {
    pub session_arn: String,
    pub token: LoginToken,
}

/// The directory of the token files: `AWS_LOGIN_CACHE_DIRECTORY`, else `~/.aws/login/cache`.
#[must_use]
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os(CACHE_DIR_VAR).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    Some(super::sso::home_dir()?.join(".aws/login/cache"))
}

/// The token file of a session: the SHA-256 of its ARN, in hex.
#[must_use]
pub fn token_path(session_arn: &str) -> Option<PathBuf> {
    let key = hex(&sha2::Sha256::digest(session_arn.trim().as_bytes()));
    Some(cache_dir()?.join(format!("{key}.json")))
}

/// The cached token of `session_arn`, if there is a readable one.
#[must_use]
pub fn read_token(session_arn: &str) -> Option<LoginToken> {
    let bytes = std::fs::read(token_path(session_arn)?).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Stores `token` for `session_arn`: mode 0600 in a 0700 directory, written atomically.
///
/// # Errors
/// When it cannot be written (no home directory, a read-only disk).
pub fn write_token(session_arn: &str, token: &LoginToken) -> Result<PathBuf, String> {
    let path = token_path(session_arn).ok_or("no home directory to keep it in")?;
    let text = serde_json::to_string_pretty(token).unwrap_or_default();
    crate::store::private_file::write_private(&path, text.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// Removes the token of `session_arn`; `false` when there was none.
///
/// # Errors
/// When the file is there and cannot be removed.
pub fn remove_token(session_arn: &str) -> Result<bool, String> {
    let Some(path) = token_path(session_arn) else {
        return Ok(false);
    };
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// The person's name in a session ARN: `alice` of `arn:aws:iam::1:user/team/alice`, `root`
/// of `arn:aws:iam::1:root`.
#[must_use]
pub fn user_name(session_arn: &str) -> &str {
    let resource = session_arn.splitn(6, ':').nth(5).unwrap_or(session_arn);
    resource.rsplit('/').next().unwrap_or(resource)
}

/// The account of a session ARN.
#[must_use]
pub fn account_of(session_arn: &str) -> Option<&str> {
    session_arn
        .split(':')
        .nth(4)
        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
}

/// The `sub` of an ID token (a JWT; its signature was checked by the service that sent it
/// over TLS, and nothing here grants more than the token's own credentials).
fn subject(id_token: &str) -> Option<String> {
    let payload = id_token.split('.').nth(1)?;
    let bytes = B64.decode(payload.trim_end_matches('=')).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get("sub")?.as_str().map(str::to_owned)
}

/// A DPoP proof (RFC 9449) for a POST to `url`: an ES256 JWT whose header carries the public
/// key, signed with the private one.
///
/// # Errors
/// Never for a key made by [`new_key`]; kept fallible for keys read from files.
pub fn dpop_proof(key: &p256::SecretKey, url: &str, now: OffsetDateTime) -> Result<String, String> {
    use p256::elliptic_curve::sec1::ToEncodedPoint as _;
    let point = key.public_key().to_encoded_point(false);
    let (Some(x), Some(y)) = (point.x(), point.y()) else {
        return Err("the DPoP key has no public point".into());
    };
    let header = serde_json::json!({
        "typ": "dpop+jwt",
        "alg": "ES256",
        "jwk": {"kty": "EC", "x": B64.encode(x), "y": B64.encode(y), "crv": "P-256"},
    });
    let mut jti = [0u8; 16];
    getrandom::fill(&mut jti).map_err(|e| format!("no randomness ({e})"))?;
    let payload = serde_json::json!({
        "jti": hex(&jti),
        "htm": "POST",
        "htu": url,
        "iat": now.unix_timestamp(),
    });
    let message = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(payload.to_string())
    );
    let signature: p256::ecdsa::Signature =
        p256::ecdsa::SigningKey::from(key).sign(message.as_bytes());
    Ok(format!("{message}.{}", B64.encode(signature.to_bytes())))
}

/// A new P-256 key for DPoP.
///
/// # Errors
/// When the system has no randomness.
pub fn new_key() -> Result<p256::SecretKey, String> {
    loop {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| format!("no randomness ({e})"))?;
        // Out of the curve's range once in 2^32 tries: draw again.
        if let Ok(key) = p256::SecretKey::from_slice(&bytes) {
            return Ok(key);
        }
    }
}

/// The key as the token file keeps it: SEC1 PEM, as the AWS CLI writes it.
fn pem(key: &p256::SecretKey) -> Result<String, String> {
    key.to_sec1_pem(p256::pkcs8::LineEnding::LF)
        .map(|p| p.to_string())
        .map_err(|e| format!("cannot write the DPoP key ({e})"))
}

/// Adds the DPoP proof to the token request, for the exact address it goes to.
#[derive(Debug)]
struct Dpop(Arc<p256::SecretKey>);

impl Intercept for Dpop {
    fn name(&self) -> &'static str {
        "awsnav::Dpop"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        let url = request.uri().to_owned();
        let proof = dpop_proof(&self.0, &url, OffsetDateTime::now_utc())?;
        request.headers_mut().insert("DPoP", proof);
        Ok(())
    }
}

/// Sign-In's address in this region and partition, with the SDK's own endpoint settings
/// (`AWS_ENDPOINT_URL_SIGNIN`, `AWS_ENDPOINT_URL`, `endpoint_url`): the one the token request
/// goes to, as the AWS CLI finds it, without sending anything.
async fn base_url(sdk: &SdkConfig) -> Result<String, String> {
    let capture = super::sdk::Capture::default();
    let client = Client::from_conf(
        aws_sdk_signin::config::Builder::from(sdk)
            .interceptor(capture.clone())
            .http_client(super::sdk::NeverSent)
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .build(),
    );
    let _ = client
        .create_o_auth2_token()
        .token_input(
            CreateOAuth2TokenRequestBody::builder()
                .client_id(" ")
                .grant_type(" ")
                .build()
                .map_err(|e| e.to_string())?,
        )
        .send()
        .await;
    let url = capture
        .address()
        .ok_or("no address for AWS Sign-In in this region")?;
    let url = url::Url::parse(&url).map_err(|e| e.to_string())?;
    Ok(url.origin().ascii_serialization())
}

/// 64 characters of PKCE's unreserved set, as the AWS CLI makes its verifier.
fn verifier() -> Result<String, String> {
    const SET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    let mut bytes = [0u8; 64];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness ({e})"))?;
    // A byte past the last whole multiple of the set's size is drawn again, so that every
    // character is as likely as the others.
    let mut out = String::with_capacity(64);
    let mut pool = bytes.to_vec();
    while out.len() < 64 {
        if pool.is_empty() {
            pool = vec![0u8; 64];
            getrandom::fill(&mut pool).map_err(|e| format!("no randomness ({e})"))?;
        }
        let b = pool.pop().unwrap_or_default();
        if usize::from(b) < 256 - 256 % SET.len() {
            out.push(char::from(SET[usize::from(b) % SET.len()]));
        }
    }
    Ok(out)
}

fn random_state() -> Result<String, String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness ({e})"))?;
    Ok(hex(&bytes))
}

/// The browser's address for a sign-in.
fn authorize_url(
    base: &str,
    client_id: &str,
    state: &str,
    challenge: &str,
    redirect: &str,
) -> Result<String, String> {
    let mut url = url::Url::parse(&format!("{base}/v1/authorize")).map_err(|e| e.to_string())?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("state", state)
        .append_pair("code_challenge_method", "SHA-256")
        .append_pair("scope", "openid")
        .append_pair("redirect_uri", redirect)
        .append_pair("code_challenge", challenge);
    Ok(url.into())
}

/// The code and state a remote sign-in's browser shows: base64 of `state=…&code=…`.
fn parse_pasted(text: &str) -> Option<(String, String)> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()?;
    let pairs: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(&bytes).into_owned().collect();
    Some((pairs.get("code")?.clone(), pairs.get("state")?.clone()))
}

/// Why the token service refused, for the person.
fn refused(e: &CreateOAuth2TokenError) -> String {
    use aws_smithy_types::error::metadata::ProvideErrorMetadata as _;
    match e {
        CreateOAuth2TokenError::AccessDeniedException(d) => match &d.error {
            OAuth2ErrorCode::AuthcodeExpired => {
                "took too long: the authorization code expired; sign in again".into()
            }
            OAuth2ErrorCode::InsufficientPermissions => "was refused: the user may not sign in to developer tools (it needs signin:AuthorizeOAuth2Access and signin:CreateOAuth2Token, e.g. AWS's SignInLocalDevelopmentAccess policy)".into(),
            OAuth2ErrorCode::TokenExpired => "has ended; sign in again".into(),
            OAuth2ErrorCode::UserCredentialsChanged => {
                "ended because the password changed; sign in again with the new one".into()
            }
            other => format!("was refused ({})", other.as_str()),
        },
        CreateOAuth2TokenError::ValidationException(v) => match &v.error {
            OAuth2ErrorCode::OauthInvalidGrant => "could not be completed: AWS Sign-In refused the grant (a code used twice, or not for this sign-in); sign in again".into(),
            other => format!("was refused as invalid ({}: {})", other.as_str(), v.message()),
        },
        other => format!(
            "failed ({}: {})",
            other.code().unwrap_or("error"),
            other.message().unwrap_or("no message")
        ),
    }
}

/// Exchanges the authorization code for the session's token, bound to `key`.
async fn exchange(
    sdk: &SdkConfig,
    key: &Arc<p256::SecretKey>,
    client_id: &str,
    code: &str,
    verifier: &str,
    redirect: &str,
) -> Result<SignedIn, String> {
    let client = Client::from_conf(
        aws_sdk_signin::config::Builder::from(sdk)
            .interceptor(Dpop(key.clone()))
            // An authorization code works once: a retry could only be refused.
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .build(),
    );
    let body = CreateOAuth2TokenRequestBody::builder()
        .client_id(client_id)
        .grant_type("authorization_code")
        .code(code)
        .code_verifier(verifier)
        .redirect_uri(redirect)
        .build()
        .map_err(|e| e.to_string())?;
    let out = client
        .create_o_auth2_token()
        .token_input(body)
        .send()
        .await
        .map_err(|e| match e.as_service_error() {
            Some(s) => refused(s),
            None => format!("could not reach AWS Sign-In ({})", super::chain(&e)),
        })?;
    let output = out
        .token_output
        .ok_or("AWS Sign-In answered with no token")?;
    let id_token = output.id_token().map(str::to_owned);
    let session_arn = id_token
        .as_deref()
        .and_then(subject)
        .ok_or("AWS Sign-In's answer does not say who signed in (no id token subject)")?;
    let account = account_of(&session_arn)
        .ok_or_else(|| format!("AWS Sign-In named an unexpected session ({session_arn})"))?
        .to_owned();
    let access = output
        .access_token()
        .ok_or("AWS Sign-In answered with no credentials")?;
    let expires =
        OffsetDateTime::now_utc() + time::Duration::seconds(i64::from(output.expires_in()));
    let expires = expires.replace_nanosecond(0).unwrap_or(expires);
    let token = LoginToken {
        access_token: AccessToken {
            access_key_id: access.access_key_id().to_owned(),
            secret_access_key: access.secret_access_key().to_owned(),
            session_token: access.session_token().to_owned(),
            account_id: account,
            expires_at: expires.format(&Rfc3339).unwrap_or_default(),
        },
        token_type: Some(output.token_type().to_owned()),
        client_id: client_id.to_owned(),
        refresh_token: output.refresh_token().to_owned(),
        id_token,
        dpop_key: pem(key)?,
    };
    Ok(SignedIn { session_arn, token })
}

/// Signs in with `flow`; nothing is stored (the caller keeps the token and edits the profile).
///
/// # Errors
/// Why it failed, as words that follow "the console sign-in …": refused, too slow, the wrong
/// `state`, no browser.
pub async fn sign_in(
    sdk: &SdkConfig,
    flow: Flow,
    ui: &dyn SignInUi,
    prompt: &dyn CodePrompt,
) -> Result<SignedIn, String> {
    let base = base_url(sdk).await?;
    let key = Arc::new(new_key()?);
    let verifier = verifier()?;
    let challenge = B64.encode(sha2::Sha256::digest(verifier.as_bytes()));
    let state = random_state()?;
    match flow {
        Flow::Browser => {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .map_err(|e| format!("cannot listen for the browser on 127.0.0.1 ({e})"))?;
            let port = listener.local_addr().map_err(|e| e.to_string())?.port();
            let redirect = format!("http://127.0.0.1:{port}/oauth/callback");
            let url = authorize_url(&base, SAME_DEVICE, &state, &challenge, &redirect)?;
            ui.show(&url, None);
            if !ui.open(&url) {
                return Err(
                    "needs a browser, and none could start: sign in with --no-browser".into(),
                );
            }
            let code = tokio::time::timeout(
                Duration::from_mins(10),
                super::sso_oidc::callback(&listener, &state),
            )
            .await
            .map_err(|_| "took too long: nobody came back from the browser".to_owned())??;
            exchange(sdk, &key, SAME_DEVICE, &code, &verifier, &redirect).await
        }
        Flow::Remote => {
            let redirect = format!("{base}/v1/sessions/confirmation");
            let url = authorize_url(&base, CROSS_DEVICE, &state, &challenge, &redirect)?;
            ui.show(&url, None);
            let pasted = prompt.code().ok_or("was cancelled: no code was given")?;
            let (code, returned) = parse_pasted(&pasted)
                .ok_or("could not read the code: paste the whole code the browser shows")?;
            if returned != state {
                return Err("came back with the wrong state: the code was not for this sign-in, nothing was stored".into());
            }
            exchange(sdk, &key, CROSS_DEVICE, &code, &verifier, &redirect).await
        }
    }
}

/// Credentials of the session `session_arn` through the SDK's own `login_session` provider:
/// the cached ones while they last, renewed with the refresh token (signed by the DPoP key)
/// when they end. The SDK writes the renewed token back.
///
/// # Errors
/// Why the session cannot give credentials (no token, refused refresh), in the SDK's words.
pub async fn credentials(sdk: &SdkConfig, session_arn: &str) -> Result<Credentials, String> {
    let mut config = aws_config::provider_config::ProviderConfig::default();
    if let Some(client) = sdk.http_client() {
        config = config.with_http_client(client);
    }
    config = config.with_region(sdk.region().cloned());
    let provider = aws_config::login::LoginCredentialsProvider::builder(session_arn)
        .configure(&config)
        .build();
    let c = provider
        .provide_credentials()
        .await
        .map_err(|e| super::chain(&e))?;
    Ok(crate::aws::sdk::from_sdk_credentials(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dpop_proof_verifies_with_the_key_in_its_header() {
        use p256::ecdsa::signature::Verifier as _;
        let key = new_key().unwrap();
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let proof = dpop_proof(
            &key,
            "https://us-east-1.signin.aws.amazon.com/v1/token",
            now,
        )
        .unwrap();
        let parts: Vec<&str> = proof.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value =
            serde_json::from_slice(&B64.decode(parts[0]).unwrap()).unwrap();
        let payload: serde_json::Value =
            serde_json::from_slice(&B64.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["alg"], "ES256");
        assert_eq!(payload["htm"], "POST");
        assert_eq!(payload["iat"], 1_800_000_000);
        assert_eq!(
            payload["htu"],
            "https://us-east-1.signin.aws.amazon.com/v1/token"
        );
        let x = B64.decode(header["jwk"]["x"].as_str().unwrap()).unwrap();
        let y = B64.decode(header["jwk"]["y"].as_str().unwrap()).unwrap();
        let point = p256::EncodedPoint::from_affine_coordinates(
            p256::FieldBytes::from_slice(&x),
            p256::FieldBytes::from_slice(&y),
            false,
        );
        let public = p256::ecdsa::VerifyingKey::from_encoded_point(&point).unwrap();
        let signature = p256::ecdsa::Signature::from_slice(&B64.decode(parts[2]).unwrap()).unwrap();
        let message = format!("{}.{}", parts[0], parts[1]);
        public.verify(message.as_bytes(), &signature).unwrap();
        assert!(public.verify(b"something else", &signature).is_err());
        // The key as the file keeps it reads back as the same key.
        let again = p256::SecretKey::from_sec1_pem(&pem(&key).unwrap()).unwrap();
        assert_eq!(again.to_bytes(), key.to_bytes());
    }

    #[test]
    fn the_verifier_is_64_unreserved_characters_and_the_challenge_its_hash() {
        let v = verifier().unwrap();
        assert_eq!(v.len(), 64);
        assert!(
            v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        );
        assert_ne!(v, verifier().unwrap());
        let url = authorize_url(
            "https://signin.example",
            SAME_DEVICE,
            "st",
            &B64.encode(sha2::Sha256::digest(v.as_bytes())),
            "http://127.0.0.1:9/oauth/callback",
        )
        .unwrap();
        let parsed = url::Url::parse(&url).unwrap();
        assert_eq!(parsed.path(), "/v1/authorize");
        let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
        assert_eq!(q["code_challenge_method"], "SHA-256");
        assert_eq!(q["client_id"], SAME_DEVICE);
        assert_eq!(q["scope"], "openid");
        assert_eq!(q["code_challenge"].len(), 43);
        assert!(!q["code_challenge"].contains('='));
    }

    #[test]
    fn pasted_codes_and_session_names() {
        let pasted = base64::engine::general_purpose::STANDARD.encode("state=abc&code=xyz");
        assert_eq!(
            parse_pasted(&format!(" {pasted}\n")),
            Some(("xyz".into(), "abc".into()))
        );
        assert_eq!(parse_pasted("not base64!"), None);
        assert_eq!(
            user_name("arn:aws:iam::123456789012:user/team/alice"),
            "alice"
        );
        assert_eq!(user_name("arn:aws:iam::123456789012:root"), "root");
        assert_eq!(
            account_of("arn:aws:iam::123456789012:user/alice"),
            Some("123456789012")
        );
        assert_eq!(account_of("arn:aws:iam::12:user/alice"), None);
        let jwt = format!(
            "e30.{}.sig",
            B64.encode(r#"{"sub":"arn:aws:iam::123456789012:user/alice"}"#)
        );
        assert_eq!(
            subject(&jwt).as_deref(),
            Some("arn:aws:iam::123456789012:user/alice")
        );
        // The file's name is the SHA-256 of the ARN, as the SDK looks for it.
        let p = token_path("arn:aws:iam::0123456789012:user/Admin").unwrap();
        assert_eq!(
            p.file_name().unwrap().to_str().unwrap(),
            "36db1d138ff460920374e4c3d8e01f53f9f73537e89c88d639f68393df0e2726.json"
        );
    }

    #[test]
    fn debug_shows_no_secret() {
        let t = LoginToken {
            access_token: AccessToken {
                access_key_id: "ASIASECRETID".into(),
                secret_access_key: "SECRETKEY".into(),
                session_token: "SESSIONTOKEN".into(),
                account_id: "123456789012".into(),
                expires_at: "2026-12-04T10:00:00Z".into(),
            },
            token_type: Some("aws_sigv4".into()),
            client_id: SAME_DEVICE.into(),
            refresh_token: "REFRESHTOKEN".into(),
            id_token: Some("IDTOKEN".into()),
            dpop_key: "PRIVATEKEY".into(),
        };
        let shown = format!("{t:?}");
        for secret in [
            "SECRET",
            "SESSIONTOKEN",
            "REFRESHTOKEN",
            "IDTOKEN",
            "PRIVATEKEY",
        ] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
