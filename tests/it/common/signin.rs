//! A loopback stand-in for AWS Sign-In, which moto does not emulate: the browser's
//! `/v1/authorize` (same-device: a redirect to the client's loopback with a code; cross-device:
//! a page showing the code to paste back), and `CreateOAuth2Token` at `/v1/token` as the
//! service answers it (REST-JSON, a DPoP proof checked on every request and the refresh token
//! bound to its key), with its errors: `AUTHCODE_EXPIRED`, `INSUFFICIENT_PERMISSIONS`,
//! `TOKEN_EXPIRED`, `invalid_grant`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use p256::ecdsa::signature::Verifier as _;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::fault::{FaultServer, Request, Response, stand_in};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;
pub const SAME_DEVICE: &str = "arn:aws:signin:::devtools/same-device";
pub const CROSS_DEVICE: &str = "arn:aws:signin:::devtools/cross-device";

/// How the stand-in behaves: each fault a switch of its own.
#[derive(Clone, Debug)]
#[allow(clippy::struct_excessive_bools)]
pub struct SigninSpec {
    /// Who signs in: the ID token's `sub`.
    pub user_arn: String,
    /// The credentials every token carries (a key moto knows as the user's).
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Seconds the credentials last.
    pub token_seconds: i64,
    /// The person refuses the sign-in in the browser.
    pub deny: bool,
    /// Codes are too old when exchanged.
    pub expire_codes: bool,
    /// The user may not sign in to developer tools.
    pub insufficient: bool,
    /// Refreshes are refused: the console session ended.
    pub refuse_refresh: bool,
}

impl SigninSpec {
    pub fn new(user_arn: &str, access_key_id: &str, secret_access_key: &str) -> Self {
        Self {
            user_arn: user_arn.to_owned(),
            access_key_id: access_key_id.to_owned(),
            secret_access_key: secret_access_key.to_owned(),
            token_seconds: 900,
            deny: false,
            expire_codes: false,
            insufficient: false,
            refuse_refresh: false,
        }
    }
}

/// A code given at `/v1/authorize`.
#[derive(Clone, Debug)]
struct Code {
    client: String,
    challenge: String,
    redirect: String,
}

#[derive(Debug, Default)]
struct State {
    codes: HashMap<String, Code>,
    /// Refresh token → the DPoP key (x, y) it is bound to.
    refresh: HashMap<String, (String, String)>,
    /// Codes shown to paste back (cross-device), newest last.
    shown: Vec<String>,
    seq: usize,
    issued: usize,
    refreshed: usize,
    /// Every token issued so far: session tokens, refresh tokens, id tokens.
    secrets: Vec<String>,
}

pub struct Signin {
    pub server: FaultServer,
    spec: Arc<Mutex<SigninSpec>>,
    state: Arc<Mutex<State>>,
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// An error as Sign-In sends it: the exception in `x-amzn-ErrorType`, the OAuth code in `error`.
fn error(status: u16, exception: &str, code: &str) -> Response {
    let mut r = Response::raw(
        status,
        "application/json",
        &json!({ "error": code, "message": format!("stand-in: {code}") }).to_string(),
    );
    r.headers
        .push(("x-amzn-ErrorType".into(), exception.into()));
    r
}

impl Signin {
    pub fn start(spec: SigninSpec) -> Self {
        let (server, spec, state) = stand_in(spec, answer);
        Self {
            server,
            spec,
            state,
        }
    }

    pub fn url(&self) -> &str {
        &self.server.url
    }

    pub fn set(&self, change: impl FnOnce(&mut SigninSpec)) {
        change(&mut self.spec.lock().unwrap());
    }

    /// Tokens issued by a code exchange.
    pub fn issued(&self) -> usize {
        self.state.lock().unwrap().issued
    }

    /// Tokens renewed with a refresh token.
    pub fn refreshed(&self) -> usize {
        self.state.lock().unwrap().refreshed
    }

    /// The code the last cross-device page showed.
    pub fn shown_code(&self) -> Option<String> {
        self.state.lock().unwrap().shown.last().cloned()
    }

    /// Every secret it issued (session, refresh and ID tokens), to look for where they must
    /// not be.
    pub fn secrets(&self) -> Vec<String> {
        self.state.lock().unwrap().secrets.clone()
    }

    pub fn count(&self, route: &str) -> usize {
        self.server
            .requests()
            .iter()
            .filter(|r| r.route() == route)
            .count()
    }
}

/// The DPoP proof of `req`, checked as RFC 9449 says: an ES256 JWT of type `dpop+jwt` signed
/// by the key in its header, for this method and address, made just now. The key, or why not.
fn dpop_key(req: &Request, base: &str) -> Result<(String, String), String> {
    let proof = req.header("dpop").ok_or("no DPoP header")?;
    let parts: Vec<&str> = proof.split('.').collect();
    let [h, p, sig] = parts[..] else {
        return Err("not a JWT".into());
    };
    let header: Value = serde_json::from_slice(&B64.decode(h).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let payload: Value = serde_json::from_slice(&B64.decode(p).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    if header["typ"] != "dpop+jwt" || header["alg"] != "ES256" || header["jwk"]["crv"] != "P-256" {
        return Err(format!("bad header {header}"));
    }
    let x = header["jwk"]["x"].as_str().unwrap_or_default().to_owned();
    let y = header["jwk"]["y"].as_str().unwrap_or_default().to_owned();
    let point = p256::EncodedPoint::from_affine_coordinates(
        p256::FieldBytes::from_slice(&B64.decode(&x).map_err(|e| e.to_string())?),
        p256::FieldBytes::from_slice(&B64.decode(&y).map_err(|e| e.to_string())?),
        false,
    );
    let key = p256::ecdsa::VerifyingKey::from_encoded_point(&point).map_err(|e| e.to_string())?;
    let signature =
        p256::ecdsa::Signature::from_slice(&B64.decode(sig).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    key.verify(format!("{h}.{p}").as_bytes(), &signature)
        .map_err(|_| "bad signature".to_owned())?;
    let htu = format!("{base}{}", req.route());
    if payload["htm"] != "POST" || payload["htu"] != htu.as_str() {
        return Err(format!(
            "proof for {} {}, not POST {htu}",
            payload["htm"], payload["htu"]
        ));
    }
    let iat = payload["iat"].as_i64().unwrap_or_default();
    if (now() - iat).abs() > 300 || payload["jti"].as_str().is_none_or(str::is_empty) {
        return Err("stale proof or no jti".into());
    }
    Ok((x, y))
}

fn id_token(sub: &str) -> String {
    let header = B64.encode(json!({"alg": "RS256", "typ": "JWT"}).to_string());
    let payload = B64.encode(json!({"sub": sub, "iat": now(), "exp": now() + 900}).to_string());
    format!("{header}.{payload}.stand-in-signature")
}

fn tokens(spec: &SigninSpec, state: &mut State, jwk: (String, String), with_id: bool) -> Response {
    state.seq += 1;
    let refresh = format!("refresh-{}-{}", state.seq, now());
    let session = format!("console-session-token-{}", state.seq);
    state.refresh.insert(refresh.clone(), jwk);
    let id = id_token(&spec.user_arn);
    state.secrets.extend([refresh.clone(), session.clone()]);
    let mut body = json!({
        "accessToken": {
            "accessKeyId": spec.access_key_id,
            "secretAccessKey": spec.secret_access_key,
            "sessionToken": session,
        },
        "tokenType": "aws_sigv4",
        "expiresIn": spec.token_seconds,
        "refreshToken": refresh,
    });
    if with_id {
        state.secrets.push(id.clone());
        body["idToken"] = id.into();
    }
    Response::raw(200, "application/json", &body.to_string())
}

fn answer(spec: &SigninSpec, base: &str, state: &mut State, req: &Request) -> Response {
    match (req.method.as_str(), req.route()) {
        ("GET", "/v1/authorize") => {
            let q = |k: &str| req.query(k).unwrap_or_default();
            let client = q("client_id");
            if q("response_type") != "code"
                || q("code_challenge_method") != "SHA-256"
                || q("scope") != "openid"
                || ![SAME_DEVICE, CROSS_DEVICE].contains(&client.as_str())
                || q("code_challenge").len() != 43
                || q("state").is_empty()
            {
                return Response::raw(400, "text/plain", "bad authorize request");
            }
            let redirect = q("redirect_uri");
            if spec.deny {
                let mut r = Response::raw(302, "text/plain", "");
                r.headers.push((
                    "Location".into(),
                    format!("{redirect}?error=access_denied&state={}", q("state")),
                ));
                return r;
            }
            state.seq += 1;
            let code = format!("code-{}", state.seq);
            state.codes.insert(
                code.clone(),
                Code {
                    client: client.clone(),
                    challenge: q("code_challenge"),
                    redirect: redirect.clone(),
                },
            );
            if client == CROSS_DEVICE {
                let shown = base64::engine::general_purpose::STANDARD
                    .encode(format!("state={}&code={code}", q("state")));
                state.shown.push(shown.clone());
                return Response::raw(
                    200,
                    "text/html",
                    &format!("<p>Authorization code</p><code>{shown}</code>"),
                );
            }
            let mut r = Response::raw(302, "text/plain", "");
            r.headers.push((
                "Location".into(),
                format!("{redirect}?code={code}&state={}", q("state")),
            ));
            r
        }
        ("POST", "/v1/token") => {
            let jwk = match dpop_key(req, base) {
                Ok(k) => k,
                Err(why) => {
                    let mut r = error(400, "ValidationException", "invalid_request");
                    r.body = json!({"error": "invalid_request", "message": format!("DPoP: {why}")})
                        .to_string();
                    return r;
                }
            };
            let body = req.json();
            let s = |k: &str| body[k].as_str().unwrap_or_default().to_owned();
            match s("grantType").as_str() {
                "authorization_code" => {
                    let Some(code) = state.codes.remove(&s("code")) else {
                        return error(400, "ValidationException", "invalid_grant");
                    };
                    if spec.expire_codes {
                        return error(403, "AccessDeniedException", "AUTHCODE_EXPIRED");
                    }
                    let computed = B64.encode(Sha256::digest(s("codeVerifier").as_bytes()));
                    if code.client != s("clientId")
                        || code.challenge != computed
                        || code.redirect != s("redirectUri")
                    {
                        return error(400, "ValidationException", "invalid_grant");
                    }
                    if spec.insufficient {
                        return error(403, "AccessDeniedException", "INSUFFICIENT_PERMISSIONS");
                    }
                    state.issued += 1;
                    tokens(spec, state, jwk, true)
                }
                "refresh_token" => {
                    let refresh = s("refreshToken");
                    match state.refresh.get(&refresh) {
                        Some(bound) if *bound == jwk => {}
                        _ => return error(400, "ValidationException", "invalid_grant"),
                    }
                    if spec.refuse_refresh {
                        return error(403, "AccessDeniedException", "TOKEN_EXPIRED");
                    }
                    state.refresh.remove(&refresh);
                    state.refreshed += 1;
                    tokens(spec, state, jwk, false)
                }
                _ => error(400, "ValidationException", "unsupported_grant_type"),
            }
        }
        _ => Response::raw(404, "text/plain", "no such route"),
    }
}
