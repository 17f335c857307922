//! IAM Identity Center (AWS SSO): the sign-in `awsnav login` (or `aws sso login`) cached, the accounts and roles
//! its portal offers, and role credentials from it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aws_config::{Region, SdkConfig};
use aws_credential_types::provider::token::ProvideToken as _;
use aws_sdk_sso::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use sha1::{Digest as _, Sha1};
use time::OffsetDateTime;

use super::config_files::AwsConfigFiles;
use super::pace::{Pacer, RetryPolicy};
use super::{AwsError, CallCounter, ErrorContext};
use crate::config::SsoConfig;
use crate::domain::credentials::Credentials;

/// Accounts and roles per portal page (the portal's own limit).
const PAGE: i32 = 100;
/// Listing requests in flight at most (fewer while the portal throttles).
const IN_FLIGHT: usize = 4;

/// Where an Identity Center sign-in lives: the profile, and the portal it signs in to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoSource {
    pub profile: String,
    /// The profile's `sso_session`; `None`: the legacy `sso_start_url` in the profile itself.
    pub session: Option<String>,
    pub start_url: String,
    /// `sso_region`: where the portal and the sign-in are.
    pub region: String,
    /// `sso_registration_scopes` (comma-separated in the file).
    pub scopes: Vec<String>,
}

/// One account the portal lists (its roles are read apart: [`SsoSource::roles_of`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoAccount {
    pub id: String,
    pub name: String,
    pub email: String,
}

/// What a listing found.
#[derive(Clone, Debug, Default)]
pub struct SsoListing {
    pub accounts: Vec<SsoAccount>,
}

/// Progress of a listing: accounts found so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SsoProgress {
    pub accounts: usize,
}

/// The roles the portal gives in some accounts: per account (in the order asked), its roles
/// (sorted) or why they could not be read.
pub type AccountRoles = Vec<(String, Result<Vec<String>, AwsError>)>;

/// The Identity Center source awsnav should use, if any: `[sso] profile` (which must have SSO
/// settings), else the org profile / `AWS_PROFILE` / `default` when it has them.
///
/// # Errors
/// When the AWS config files cannot be read, `[sso] profile` does not exist or has no SSO
/// settings, or the SSO settings are incomplete.
pub async fn resolve(
    config: &SsoConfig,
    org_profile: Option<&str>,
) -> Result<Option<SsoSource>, AwsError> {
    if !config.enabled {
        return Ok(None);
    }
    // An instance given by its portal URL and region (`[[sso]] start_url`): no profile.
    if config.profile.is_none()
        && let Some(start_url) = &config.start_url
    {
        return Ok(Some(SsoSource {
            profile: config.name.clone().unwrap_or_else(|| "sso".to_owned()),
            session: None,
            start_url: start_url.clone(),
            region: config.region.clone().unwrap_or_default(),
            scopes: Vec::new(),
        }));
    }
    // Read afresh (a sign-in of this run may have just written the config file), off the
    // async threads.
    let set = tokio::task::spawn_blocking(AwsConfigFiles::load)
        .await
        .map_err(|e| AwsError::ProfileFile(e.to_string()))?
        .map_err(AwsError::ProfileFile)?;
    let lookup = |name: &str| {
        if !set.has_profile(name) {
            return None;
        }
        // Set, even if empty: an empty `sso_session` names a session nobody defined, an empty
        // `sso_start_url` is one that is missing.
        let session = set.get_written(name, "sso_session");
        let session = session.as_deref();
        let legacy = set.get_written(name, "sso_start_url");
        if session.is_none() && legacy.is_none() {
            return None;
        }
        let (start_url, region, scopes) = match session {
            Some(s) if set.has_sso_session(s) => (
                set.sso_session_get(s, "sso_start_url"),
                set.sso_session_get(s, "sso_region"),
                set.sso_session_get(s, "sso_registration_scopes"),
            ),
            Some(s) => {
                return Some(Err(incomplete(
                    name,
                    format!("it names sso_session `{s}` but there is no [sso-session {s}]"),
                )));
            }
            None => (
                legacy,
                set.get(name, "sso_region"),
                set.get(name, "sso_registration_scopes"),
            ),
        };
        let scopes: Vec<String> = scopes
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let start_url = start_url
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty());
        let region = region.as_deref().map(str::trim).filter(|v| !v.is_empty());
        Some(match (start_url, region) {
            (Some(start_url), Some(region)) => Ok(SsoSource {
                profile: name.to_owned(),
                session: session.map(str::to_owned),
                start_url: start_url.to_owned(),
                region: region.to_owned(),
                scopes,
            }),
            (None, _) => Err(incomplete(name, "sso_start_url is missing".into())),
            (_, None) => Err(incomplete(name, "sso_region is missing".into())),
        })
    };
    if let Some(name) = &config.profile {
        if !set.has_profile(name) {
            return Err(incomplete(
                name,
                "there is no such profile ([sso] profile names it)".into(),
            ));
        }
        return match lookup(name) {
            Some(found) => found.map(Some),
            None => Err(incomplete(
                name,
                "it has neither sso_session nor sso_start_url ([sso] profile names it)".into(),
            )),
        };
    }
    let candidate = org_profile.map_or_else(
        || std::env::var("AWS_PROFILE").unwrap_or_else(|_| "default".to_owned()),
        str::to_owned,
    );
    lookup(&candidate).transpose()
}

fn incomplete(profile: &str, detail: String) -> AwsError {
    AwsError::SsoProfile {
        profile: profile.to_owned(),
        detail,
    }
}

impl SsoSource {
    /// This sign-in is missing, expired or refused, for `why`.
    pub(crate) fn login(&self, why: impl Into<String>) -> AwsError {
        AwsError::SsoLogin {
            profile: self.profile.clone(),
            why: why.into(),
        }
    }

    /// The access token `awsnav login` (or `aws sso login`) cached: through aws-config's token provider (which
    /// also refreshes it) for an `sso_session`, read directly for a legacy profile.
    ///
    /// # Errors
    /// [`AwsError::SsoLogin`] when there is no token, it cannot be read, or it has expired.
    pub async fn access_token(&self, sdk: &SdkConfig) -> Result<String, AwsError> {
        match &self.session {
            Some(session) => {
                let provider = aws_config::sso::SsoTokenProvider::builder()
                    .configure(sdk)
                    .session_name(session)
                    .start_url(&self.start_url)
                    .region(Region::new(self.region.clone()))
                    .build()
                    .await;
                let token = provider.provide_token().await.map_err(|e| {
                    let detail = super::chain(&e);
                    if detail.contains("expired") {
                        self.login("has expired")
                    } else {
                        self.login(format!("cannot be read ({detail})"))
                    }
                })?;
                Ok(token.token().to_owned())
            }
            None => self.legacy_token(OffsetDateTime::now_utc()),
        }
    }

    /// `~/.aws/sso/cache/<sha1 of the start URL>.json`, as the AWS CLI writes it.
    fn legacy_token(&self, now: OffsetDateTime) -> Result<String, AwsError> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Cached {
            access_token: String,
            expires_at: String,
        }
        let path = token_path(&self.start_url)
            .ok_or_else(|| self.login("cannot be found (no home directory)"))?;
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(self.login("was not found (no cached token)"));
            }
            Err(e) => {
                return Err(self.login(format!("cannot be read ({}: {e})", path.display())));
            }
        };
        let cached: Cached = serde_json::from_slice(&bytes).map_err(|e| {
            self.login(format!(
                "cannot be read ({} is not a token: {e})",
                path.display()
            ))
        })?;
        let expires = parse_expiry(&cached.expires_at).ok_or_else(|| {
            self.login(format!(
                "cannot be read ({} has expiresAt `{}`)",
                path.display(),
                cached.expires_at
            ))
        })?;
        if expires <= now {
            return Err(self.login("has expired"));
        }
        Ok(cached.access_token)
    }

    /// A portal client; `own_retries`: the SDK does not retry (the caller paces retries).
    fn client(&self, sdk: &SdkConfig, counter: &CallCounter, own_retries: bool) -> Client {
        let mut config = aws_sdk_sso::config::Builder::from(sdk)
            .region(Region::new(self.region.clone()))
            .interceptor(counter.clone());
        if own_retries {
            config = config.retry_config(aws_config::retry::RetryConfig::disabled());
        }
        Client::from_conf(config.build())
    }

    /// A portal of this sign-in: the token, a client, and the pace every request keeps.
    async fn portal(
        &self,
        sdk: &SdkConfig,
        requests_per_second: u32,
        counter: &CallCounter,
    ) -> Result<Portal, AwsError> {
        Ok(Portal {
            client: self.client(sdk, counter, true),
            token: self.access_token(sdk).await?,
            rate: Rate::new(requests_per_second),
            pacer: Pacer::new(IN_FLIGHT, RetryPolicy::from_sdk(sdk)),
            ctx: self.error_context(),
            counter: counter.clone(),
        })
    }

    /// Every account the portal lists, a page of 100 per request; roles are not read here
    /// (a handful of requests for a thousand accounts, where roles would take one each). Every
    /// attempt, retries included, waits its turn so that at most `requests_per_second` start
    /// in a second; throttled and failed attempts are retried with backoff.
    ///
    /// # Errors
    /// [`AwsError::SsoLogin`] when the sign-in is missing, expired or refused; any other
    /// error of `ListAccounts`.
    pub async fn list(
        &self,
        sdk: &SdkConfig,
        requests_per_second: u32,
        counter: &CallCounter,
        progress: &(dyn Fn(SsoProgress) + Send + Sync),
    ) -> Result<SsoListing, AwsError> {
        let portal = self.portal(sdk, requests_per_second, counter).await?;
        let mut accounts = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let page = portal
                .pacer
                .call(&portal.ctx, counter, "sso:ListAccounts", || async {
                    portal.rate.wait().await;
                    portal
                        .client
                        .list_accounts()
                        .access_token(&portal.token)
                        .max_results(PAGE)
                        .set_next_token(next.clone())
                        .send()
                        .await
                })
                .await
                .map_err(|e| self.refused(e))?;
            for a in page.account_list() {
                let Some(id) = a.account_id() else { continue };
                accounts.push(SsoAccount {
                    id: id.to_owned(),
                    name: a.account_name().unwrap_or(id).to_owned(),
                    email: a.email_address().unwrap_or_default().to_owned(),
                });
            }
            progress(SsoProgress {
                accounts: accounts.len(),
            });
            // A portal that hands back the token it was given would page forever.
            next = super::paging::next(page.next_token(), next.as_deref());
            if next.is_none() {
                return Ok(SsoListing { accounts });
            }
        }
    }

    /// The roles the portal gives in each of `accounts` (`ListAccountRoles`, every page),
    /// several at once at the same pace as [`SsoSource::list`]. An account whose roles cannot
    /// be read has its error in the answer; the others are still read.
    ///
    /// # Errors
    /// [`AwsError::SsoLogin`] when the sign-in is missing, expired or refused.
    pub async fn roles_of(
        &self,
        sdk: &SdkConfig,
        accounts: &[String],
        requests_per_second: u32,
        counter: &CallCounter,
    ) -> Result<AccountRoles, AwsError> {
        let portal = Arc::new(self.portal(sdk, requests_per_second, counter).await?);
        let mut tasks = tokio::task::JoinSet::new();
        for (i, id) in accounts.iter().enumerate() {
            let (portal, id) = (portal.clone(), id.clone());
            tasks.spawn(async move { (i, portal.account_roles(&id).await) });
        }
        let mut found: Vec<Option<Result<Vec<String>, AwsError>>> = std::iter::repeat_with(|| None)
            .take(accounts.len())
            .collect();
        while let Some(joined) = tasks.join_next().await {
            let Ok((i, result)) = joined else {
                continue; // a task that died: its account is answered below
            };
            match result.map_err(|e| self.refused(e)) {
                Ok(mut roles) => {
                    roles.sort_unstable_by_key(|r| r.to_lowercase());
                    roles.dedup();
                    found[i] = Some(Ok(roles));
                }
                Err(e @ AwsError::SsoLogin { .. }) => return Err(e),
                Err(e) => found[i] = Some(Err(e)),
            }
        }
        Ok(accounts
            .iter()
            .zip(found)
            .map(|(id, r)| {
                let r = r.unwrap_or_else(|| {
                    Err(AwsError::BadResponse {
                        action: "sso:ListAccountRoles",
                        detail: "the request was lost (its task ended early)".into(),
                    })
                });
                (id.clone(), r)
            })
            .collect())
    }

    /// Credentials for `role` in `account` (`GetRoleCredentials`).
    ///
    /// # Errors
    /// [`AwsError::SsoLogin`] when the sign-in is missing, expired or refused;
    /// [`AwsError::SsoNoRole`] when Identity Center does not give that role there.
    pub async fn role_credentials(
        &self,
        sdk: &SdkConfig,
        account: &str,
        role: &str,
        counter: &CallCounter,
    ) -> Result<Credentials, AwsError> {
        let token = self.access_token(sdk).await?;
        let out = self
            .client(sdk, counter, false)
            .get_role_credentials()
            .access_token(token)
            .account_id(account)
            .role_name(role)
            .send()
            .await
            .map_err(|e| {
                // The portal answers an unassigned role with ForbiddenException ("No access"),
                // which its model does not name; ResourceNotFoundException is the modelled one.
                if let SdkError::ServiceError(se) = &e
                    && (se.err().is_resource_not_found_exception()
                        || se.err().code() == Some("ForbiddenException"))
                {
                    return AwsError::SsoNoRole {
                        profile: self.profile.clone(),
                        account: account.to_owned(),
                        role: role.to_owned(),
                    };
                }
                self.error("sso:GetRoleCredentials", &e, &self.error_context())
            })?;
        let bad = |what: &str| AwsError::BadResponse {
            action: "sso:GetRoleCredentials",
            detail: format!("the answer has no {what}"),
        };
        let c = out
            .role_credentials()
            .ok_or_else(|| bad("roleCredentials"))?;
        let expiration =
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(c.expiration()) * 1_000_000)
                .map_err(|_| bad("valid expiration"))?;
        Ok(Credentials {
            access_key_id: c
                .access_key_id()
                .ok_or_else(|| bad("accessKeyId"))?
                .to_owned(),
            secret_access_key: c
                .secret_access_key()
                .ok_or_else(|| bad("secretAccessKey"))?
                .to_owned(),
            session_token: c.session_token().map(str::to_owned),
            expiration: Some(expiration),
        })
    }

    fn error_context(&self) -> ErrorContext {
        ErrorContext {
            profile: Some(self.profile.clone()),
            config_file: String::new(),
        }
    }

    /// A classified error, with a refused token turned into "sign in again".
    fn refused(&self, e: AwsError) -> AwsError {
        match e {
            AwsError::Service { code, message, .. } if code == "UnauthorizedException" => {
                self.login(format!(
                    "was refused by IAM Identity Center ({message}): it has expired or was signed out"
                ))
            }
            other => other,
        }
    }

    /// An SDK error of the portal, with a refused token turned into "sign in again".
    fn error<E>(
        &self,
        action: &'static str,
        err: &SdkError<E, HttpResponse>,
        ctx: &ErrorContext,
    ) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.refused(ctx.classify(action, err))
    }
}

/// What every listing request shares.
struct Portal {
    client: Client,
    token: String,
    rate: Rate,
    pacer: Pacer,
    ctx: ErrorContext,
    counter: CallCounter,
}

impl Portal {
    async fn account_roles(&self, account: &str) -> Result<Vec<String>, AwsError> {
        let mut roles = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let page = self
                .pacer
                .call(&self.ctx, &self.counter, "sso:ListAccountRoles", || async {
                    self.rate.wait().await;
                    self.client
                        .list_account_roles()
                        .access_token(&self.token)
                        .account_id(account)
                        .max_results(PAGE)
                        .set_next_token(next.clone())
                        .send()
                        .await
                })
                .await?;
            roles.extend(
                page.role_list()
                    .iter()
                    .filter_map(|r| r.role_name().map(str::to_owned)),
            );
            // A portal that hands back the token it was given would page forever.
            next = super::paging::next(page.next_token(), next.as_deref());
            if next.is_none() {
                return Ok(roles);
            }
        }
    }
}

/// Spaces request starts evenly: at most `rate` a second, whatever the concurrency.
struct Rate(tokio::sync::Mutex<tokio::time::Interval>);

impl Rate {
    fn new(rate: u32) -> Self {
        let mut interval = tokio::time::interval(Duration::from_secs(1) / rate.max(1));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Self(tokio::sync::Mutex::new(interval))
    }

    async fn wait(&self) {
        self.0.lock().await.tick().await;
    }
}

/// Where the AWS CLI caches the token of a legacy (start URL) sign-in.
pub(crate) fn token_path(start_url: &str) -> Option<PathBuf> {
    let home = home_dir()?;
    let hex = crate::domain::untrusted::hex(&Sha1::digest(start_url.as_bytes()));
    Some(home.join(".aws/sso/cache").join(format!("{hex}.json")))
}

/// The home directory the AWS CLI keeps its caches under: `HOME`, else the platform's.
pub(crate) fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().to_owned()))
}

/// `2026-11-21T10:00:00Z`, or the older CLI's `2026-11-21T10:00:00UTC`.
fn parse_expiry(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    let fixed = s.strip_suffix("UTC").map(|t| format!("{t}Z"));
    OffsetDateTime::parse(
        fixed.as_deref().unwrap_or(s),
        &time::format_description::well_known::Rfc3339,
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_formats_of_both_clis() {
        let a = parse_expiry("2026-11-21T10:00:00Z").unwrap();
        assert_eq!(parse_expiry("2026-11-21T10:00:00UTC"), Some(a));
        assert!(parse_expiry("tomorrow").is_none());
    }

    #[test]
    fn legacy_token_path_is_the_sha1_of_the_start_url() {
        let p = token_path("https://my-sso-portal.awsapps.com/start").unwrap();
        // The name the AWS CLI gives this start URL's token.
        assert!(
            p.ends_with(".aws/sso/cache/c7aaaf71fcc8777ae2475525ed049d39fe16c484.json"),
            "{}",
            p.display()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn pace_spaces_requests() {
        let pace = Rate::new(10);
        let start = tokio::time::Instant::now();
        for _ in 0..21 {
            pace.wait().await;
        }
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }
}
