//! A loopback stand-in for IAM Identity Center's OIDC service (SSO OIDC), which moto does not
//! emulate: the REST-JSON paths (`/client/register`, `/device_authorization`, `/token`), the
//! browser's `/authorize` (which redirects to the client's loopback with a code), every grant
//! type of `CreateToken`, and the service's errors (`authorization_pending`, `slow_down`,
//! `access_denied`, `expired_token`, `invalid_client`, `invalid_grant`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::fault::{FaultServer, Request, Response, stand_in};

/// How the stand-in behaves.
#[derive(Clone, Debug)]
pub struct OidcSpec {
    /// The access token the portal stand-in knows; every issued token is this one.
    pub access_token: String,
    /// Polls answered `authorization_pending` before a device code is approved.
    pub pending_polls: usize,
    /// The first poll after that is answered `slow_down`.
    pub slow_down_once: bool,
    /// The user refuses the sign-in.
    pub deny: bool,
    /// Every request fails with 503.
    pub down: bool,
    /// Seconds a client registration lasts.
    pub registration_seconds: i64,
    /// Seconds an access token lasts.
    pub token_seconds: i64,
}

impl OidcSpec {
    pub fn new(access_token: &str) -> Self {
        Self {
            access_token: access_token.to_owned(),
            pending_polls: 2,
            slow_down_once: false,
            deny: false,
            down: false,
            registration_seconds: 90 * 24 * 3600,
            token_seconds: 3600,
        }
    }
}

#[derive(Debug, Default)]
struct State {
    /// client id → (secret, expiry as unix seconds, redirect URIs).
    clients: HashMap<String, (String, i64, Vec<String>)>,
    /// device code → polls so far.
    devices: HashMap<String, usize>,
    /// authorization code → (client id, code challenge, redirect URI).
    codes: HashMap<String, (String, String, String)>,
    /// refresh tokens still valid.
    refresh: Vec<String>,
    slowed: bool,
    issued: usize,
    seq: usize,
}

pub struct Oidc {
    pub server: FaultServer,
    spec: Arc<Mutex<OidcSpec>>,
    state: Arc<Mutex<State>>,
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn error(code: &str, kind: &str, status: u16) -> Response {
    let mut r = Response::raw(
        status,
        "application/json",
        &json!({ "error": code, "error_description": format!("stand-in: {code}") }).to_string(),
    );
    r.headers.push((
        "x-amzn-ErrorType".into(),
        format!("{kind}:http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/"),
    ));
    r
}

impl Oidc {
    pub fn start(spec: OidcSpec) -> Self {
        let (server, spec, state) = stand_in(spec, |spec, _, state, req| answer(spec, state, req));
        Self {
            server,
            spec,
            state,
        }
    }

    pub fn url(&self) -> &str {
        &self.server.url
    }

    /// Changes how it behaves from now on.
    pub fn set(&self, change: impl FnOnce(&mut OidcSpec)) {
        change(&mut self.spec.lock().unwrap());
    }

    /// Tokens issued so far (every grant).
    pub fn issued(&self) -> usize {
        self.state.lock().unwrap().issued
    }

    /// Forgets every client registration (as when registrations expire).
    pub fn expire_clients(&self) {
        for c in self.state.lock().unwrap().clients.values_mut() {
            c.1 = now() - 1;
        }
    }

    /// Forgets every refresh token.
    pub fn revoke_refresh_tokens(&self) {
        self.state.lock().unwrap().refresh.clear();
    }

    pub fn count(&self, route: &str) -> usize {
        self.server
            .requests()
            .iter()
            .filter(|r| r.route() == route)
            .count()
    }
}

fn client_ok(state: &State, body: &Value) -> bool {
    let id = body["clientId"].as_str().unwrap_or_default();
    let secret = body["clientSecret"].as_str().unwrap_or_default();
    state
        .clients
        .get(id)
        .is_some_and(|(s, expires, _)| s == secret && *expires > now())
}

fn tokens(spec: &OidcSpec, state: &mut State) -> Response {
    state.issued += 1;
    state.seq += 1;
    let refresh = format!("refresh-{}", state.seq);
    state.refresh.push(refresh.clone());
    Response::raw(
        200,
        "application/json",
        &json!({
            "accessToken": spec.access_token,
            "tokenType": "Bearer",
            "expiresIn": spec.token_seconds,
            "refreshToken": refresh,
        })
        .to_string(),
    )
}

fn answer(spec: &OidcSpec, state: &mut State, req: &Request) -> Response {
    if spec.down {
        return error("server_error", "InternalServerException", 503);
    }
    let body = req.json();
    match (req.method.as_str(), req.route()) {
        ("POST", "/client/register") => {
            state.seq += 1;
            let id = format!("client-{}", state.seq);
            let secret = format!("client-secret-{}", state.seq);
            let expires = now() + spec.registration_seconds;
            let redirects = body["redirectUris"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            state
                .clients
                .insert(id.clone(), (secret.clone(), expires, redirects));
            Response::raw(
                200,
                "application/json",
                &json!({
                    "clientId": id,
                    "clientSecret": secret,
                    "clientIdIssuedAt": now(),
                    "clientSecretExpiresAt": expires,
                })
                .to_string(),
            )
        }
        ("POST", "/device_authorization") => {
            if !client_ok(state, &body) {
                return error("invalid_client", "InvalidClientException", 400);
            }
            state.seq += 1;
            let device = format!("device-{}", state.seq);
            state.devices.insert(device.clone(), 0);
            Response::raw(
                200,
                "application/json",
                &json!({
                    "deviceCode": device,
                    "userCode": "ABCD-EFGH",
                    "verificationUri": "https://device.sso.example.test/",
                    "verificationUriComplete": "https://device.sso.example.test/?user_code=ABCD-EFGH",
                    "expiresIn": 600,
                    "interval": 1,
                })
                .to_string(),
            )
        }
        ("POST", "/token") => token(spec, state, &body),
        ("GET", "/authorize") => {
            let q = |k: &str| req.query(k).unwrap_or_default();
            let client = q("client_id");
            let redirect = q("redirect_uri");
            let known = state
                .clients
                .get(&client)
                .is_some_and(|(_, exp, uris)| *exp > now() && uris.contains(&redirect));
            if !known || q("response_type") != "code" || q("code_challenge_method") != "S256" {
                return Response::raw(400, "text/plain", "bad authorize request");
            }
            let target = if spec.deny {
                format!("{redirect}?error=access_denied&state={}", q("state"))
            } else {
                state.seq += 1;
                let code = format!("code-{}", state.seq);
                state.codes.insert(
                    code.clone(),
                    (client, q("code_challenge"), redirect.clone()),
                );
                format!("{redirect}?code={code}&state={}", q("state"))
            };
            let mut r = Response::raw(302, "text/plain", "");
            r.headers.push(("Location".into(), target));
            r
        }
        _ => Response::raw(404, "text/plain", "no such route"),
    }
}

fn token(spec: &OidcSpec, state: &mut State, body: &Value) -> Response {
    if !client_ok(state, body) {
        return error("invalid_client", "InvalidClientException", 400);
    }
    match body["grantType"].as_str().unwrap_or_default() {
        "urn:ietf:params:oauth:grant-type:device_code" => {
            let device = body["deviceCode"].as_str().unwrap_or_default();
            let Some(polls) = state.devices.get_mut(device) else {
                return error("expired_token", "ExpiredTokenException", 400);
            };
            *polls += 1;
            if *polls <= spec.pending_polls {
                return error(
                    "authorization_pending",
                    "AuthorizationPendingException",
                    400,
                );
            }
            if spec.slow_down_once && !state.slowed {
                state.slowed = true;
                return error("slow_down", "SlowDownException", 400);
            }
            if spec.deny {
                return error("access_denied", "AccessDeniedException", 400);
            }
            state.devices.remove(device);
            tokens(spec, state)
        }
        "authorization_code" => {
            let code = body["code"].as_str().unwrap_or_default();
            let Some((client, challenge, redirect)) = state.codes.remove(code) else {
                return error("invalid_grant", "InvalidGrantException", 400);
            };
            let verifier = body["codeVerifier"].as_str().unwrap_or_default();
            let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(Sha256::digest(verifier.as_bytes()));
            if client != body["clientId"].as_str().unwrap_or_default()
                || computed != challenge
                || redirect != body["redirectUri"].as_str().unwrap_or_default()
            {
                return error("invalid_grant", "InvalidGrantException", 400);
            }
            tokens(spec, state)
        }
        "refresh_token" => {
            let refresh = body["refreshToken"].as_str().unwrap_or_default();
            if !state.refresh.iter().any(|r| r == refresh) {
                return error("invalid_grant", "InvalidGrantException", 400);
            }
            state.refresh.retain(|r| r != refresh);
            tokens(spec, state)
        }
        _ => error(
            "unsupported_grant_type",
            "UnsupportedGrantTypeException",
            400,
        ),
    }
}
