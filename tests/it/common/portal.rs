//! A loopback stand-in for the IAM Identity Center portal, which moto does not emulate: the
//! same paths, bearer header, JSON shapes, pagination and errors (401 for a token it does not
//! know, 404 for a role it does not give, 429 when throttling).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};
use sha1::{Digest as _, Sha1};

use super::fault::{FaultServer, Request, Response};

/// One account the portal lists, with the roles it gives there.
#[derive(Clone, Debug)]
pub struct PortalAccount {
    pub id: String,
    pub name: String,
    pub roles: Vec<String>,
}

impl PortalAccount {
    pub fn new(id: &str, name: &str, roles: &[&str]) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        }
    }
}

/// What the portal knows and how it pages.
#[derive(Clone, Debug)]
pub struct PortalSpec {
    pub token: String,
    pub accounts: Vec<PortalAccount>,
    /// `roleCredentials` per (account, role); a listed role without an entry gets made-up keys.
    pub credentials: HashMap<(String, String), Value>,
    /// The most accounts / roles per page, whatever `max_result` asks for.
    pub page: usize,
    pub role_page: usize,
    /// Every n-th request is answered 429 `TooManyRequestsException` (0: never).
    pub throttle_every: usize,
    /// Other instances this portal address answers for, each by its token: as AWS's regional
    /// portal does, the token says whose accounts are listed.
    pub others: Vec<(String, Vec<PortalAccount>)>,
}

impl PortalSpec {
    pub fn new(token: &str, accounts: Vec<PortalAccount>) -> Self {
        Self {
            token: token.to_owned(),
            accounts,
            credentials: HashMap::new(),
            page: 100,
            role_page: 100,
            throttle_every: 0,
            others: Vec::new(),
        }
    }
}

pub struct Portal {
    pub server: FaultServer,
    revoked: Arc<AtomicBool>,
}

impl Portal {
    pub fn start(spec: PortalSpec) -> Self {
        let revoked = Arc::new(AtomicBool::new(false));
        let gone = revoked.clone();
        let server = FaultServer::start(move |r, n| answer(&spec, &gone, r, n));
        Self { server, revoked }
    }

    pub fn url(&self) -> &str {
        &self.server.url
    }

    /// From now on every token is refused (as after a sign-out).
    pub fn revoke(&self) {
        self.revoked.store(true, Ordering::SeqCst);
    }

    /// Requests received on a path (`/assignment/accounts`, `/assignment/roles`,
    /// `/federation/credentials`).
    pub fn requests_to(&self, route: &str) -> Vec<Request> {
        self.server
            .requests()
            .into_iter()
            .filter(|r| r.route() == route)
            .collect()
    }
}

fn answer(spec: &PortalSpec, revoked: &AtomicBool, r: &Request, n: usize) -> Response {
    if spec.throttle_every > 0 && n % spec.throttle_every == spec.throttle_every - 1 {
        return Response::rest_error(429, "TooManyRequestsException", "Too many requests");
    }
    if r.method != "GET" {
        return Response::rest_error(405, "InvalidRequestException", "method not allowed");
    }
    let token = r.header("x-amz-sso_bearer_token");
    let accounts = if token == Some(&spec.token) {
        Some(&spec.accounts)
    } else {
        spec.others
            .iter()
            .find(|(t, _)| token == Some(t))
            .map(|(_, accounts)| accounts)
    };
    let Some(accounts) = accounts.filter(|_| !revoked.load(Ordering::SeqCst)) else {
        return Response::rest_error(
            401,
            "UnauthorizedException",
            "Session token not found or invalid",
        );
    };
    let start: usize = r
        .query("next_token")
        .map_or(0, |t| t.strip_prefix("page-").unwrap().parse().unwrap());
    let asked: usize = r.query("max_result").map_or(20, |m| m.parse().unwrap());
    let account = |id: &str| accounts.iter().find(|a| a.id == id);
    match r.route() {
        "/assignment/accounts" => {
            let list = accounts.iter().map(|a| {
                json!({
                    "accountId": a.id,
                    "accountName": a.name,
                    "emailAddress": format!("{}@example.com", a.name.to_lowercase().replace(' ', "-")),
                })
            });
            paged("accountList", list, start, asked.min(spec.page))
        }
        "/assignment/roles" => {
            let Some(a) = r.query("account_id").as_deref().and_then(account) else {
                return Response::rest_error(404, "ResourceNotFoundException", "No access");
            };
            let list = a
                .roles
                .iter()
                .map(|role| json!({ "roleName": role, "accountId": a.id }));
            paged("roleList", list, start, asked.min(spec.role_page))
        }
        "/federation/credentials" => {
            let (Some(id), Some(role)) = (r.query("account_id"), r.query("role_name")) else {
                return Response::rest_error(400, "InvalidRequestException", "missing parameter");
            };
            if !account(&id).is_some_and(|a| a.roles.contains(&role)) {
                // What the portal says for a role it does not give (not in its model).
                return Response::rest_error(403, "ForbiddenException", "No access");
            }
            let creds = spec
                .credentials
                .get(&(id.clone(), role.clone()))
                .cloned()
                .unwrap_or_else(|| made_up_credentials(&id, &role));
            Response::raw(
                200,
                "application/json",
                &json!({ "roleCredentials": creds }).to_string(),
            )
        }
        _ => Response::rest_error(404, "ResourceNotFoundException", "no such path"),
    }
}

/// One page of `items` from `start`, at most `size` long, with a `nextToken` when more follow.
fn paged(
    key: &str,
    items: impl ExactSizeIterator<Item = Value>,
    start: usize,
    size: usize,
) -> Response {
    let total = items.len();
    let list: Vec<Value> = items.skip(start).take(size).collect();
    let mut body = json!({ key: list });
    if start + size < total {
        body["nextToken"] = json!(format!("page-{}", start + size));
    }
    Response::raw(200, "application/json", &body.to_string())
}

fn in_an_hour_ms() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    i64::try_from(now.as_millis()).unwrap() + 3_600_000
}

/// Keys no service knows, distinct per account and role.
pub fn made_up_credentials(account: &str, role: &str) -> Value {
    json!({
        "accessKeyId": format!("ASIASSO{account}"),
        "secretAccessKey": format!("secret-for-{role}"),
        "sessionToken": format!("token-for-{account}-{role}"),
        "expiration": in_an_hour_ms(),
    })
}

/// Credentials moto accepts as `role` in `account` (what Identity Center's role would be).
pub async fn moto_credentials(sdk: &aws_config::SdkConfig, account: &str, role: &str) -> Value {
    let out = aws_sdk_sts::Client::new(sdk)
        .assume_role()
        .role_arn(format!(
            "arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_{role}_0123456789abcdef"
        ))
        .role_session_name("alice@example.com")
        .send()
        .await
        .unwrap();
    let c = out.credentials().unwrap();
    json!({
        "accessKeyId": c.access_key_id(),
        "secretAccessKey": c.secret_access_key(),
        "sessionToken": c.session_token(),
        "expiration": in_an_hour_ms(),
    })
}

/// The start URL of the `corp` sign-in the tests use.
pub const START_URL: &str = "https://corp.awsapps.com/start";

/// `~/.aws/config` with an `sso_session` profile named `corp`, and awsnav told to use it
/// (`[sso] profile`, then `awsnav_config`).
pub fn corp_profile(awsnav: &super::AwsnavCmd, awsnav_config: &str) {
    std::fs::write(
        awsnav.path(".aws/config"),
        format!(
            "[default]\nregion = us-east-1\n\n[profile corp]\nsso_session = corp\nregion = eu-central-1\n\n\
             [sso-session corp]\nsso_start_url = {START_URL}\nsso_region = eu-west-1\n\
             sso_registration_scopes = sso:account:access\n"
        ),
    )
    .unwrap();
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        format!("[sso]\nprofile = \"corp\"\n{awsnav_config}"),
    )
    .unwrap();
}

/// `aws sso login --profile corp`, as far as its cache goes: `token`, expiring in `expires_in`.
pub fn sign_in(home: &Path, token: &str, expires_in: time::Duration) {
    write_token(home, "corp", START_URL, token, expires_in);
}

/// Where the AWS CLI (and `awsnav login`) keep the token of a session name or (legacy) a
/// start URL, under `home`: `~/.aws/sso/cache/<sha1>.json`.
pub fn token_file(home: &Path, identifier: &str) -> std::path::PathBuf {
    let name = Sha1::digest(identifier.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .concat();
    home.join(".aws/sso/cache").join(format!("{name}.json"))
}

/// Writes the token `aws sso login` caches, under `home`, for a session name or (legacy) a
/// start URL. `expires_in` may be negative.
pub fn write_token(
    home: &Path,
    identifier: &str,
    start_url: &str,
    token: &str,
    expires_in: time::Duration,
) {
    let path = token_file(home, identifier);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let expires = (time::OffsetDateTime::now_utc() + expires_in)
        .replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    std::fs::write(
        path,
        json!({
            "startUrl": start_url,
            "region": "eu-west-1",
            "accessToken": token,
            "expiresAt": expires,
        })
        .to_string(),
    )
    .unwrap();
}
