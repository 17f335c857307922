//! Organizations discovery: walks root → OUs → accounts (+ tags), paced adaptively.
//!
//! Requests go through a [`Pacer`]: awsnav's own retries (exponential backoff with full
//! jitter) and an AIMD limit on requests in flight that halves on throttling and grows back
//! with successes. A request that still fails after its retries leaves a [`SyncGap`] and the
//! rest of the walk goes on; the caller learns the result is partial.

use crate::domain::model::Tags;
use std::sync::Arc;

use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_sdk_organizations::Client;
use time::OffsetDateTime;
use tokio::task::JoinSet;

use super::pace::{PaceStats, Pacer, RetryPolicy};
use super::paging::next;
use super::{AwsError, CallCounter, ErrorContext};
use crate::domain::model::{Account, AccountId, AccountStatus, Org, OrgUnit, SyncGap};

/// How far a sync has come, for progress displays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncProgress {
    pub ous_found: usize,
    pub parents_listed: usize,
    pub parents_total: usize,
    pub accounts_found: usize,
    pub tags_fetched: usize,
    pub api_calls: u64,
    /// Throttled answers so far (each was retried).
    pub throttled: u64,
    /// Requests allowed in flight right now (lower while AWS throttles).
    pub pace: usize,
    /// Requests that failed for good: the result will be partial.
    pub gaps: usize,
    /// Accounts IAM Identity Center listed (their roles are read when first needed).
    pub sso_accounts: usize,
}

impl SyncProgress {
    /// Work items finished and known so far (grows as the tree is discovered).
    #[must_use]
    pub fn done_and_known(&self) -> (usize, usize) {
        (
            self.parents_listed + self.tags_fetched + self.gaps,
            self.parents_total + self.accounts_found,
        )
    }
}

/// Options for one discovery run.
#[derive(Clone, Debug)]
pub struct Discovery {
    /// Most requests in flight (the pace starts here and never exceeds it).
    pub concurrency: usize,
    pub ctx: ErrorContext,
}

/// What a discovery found: the organization, what it could not read, and how it was paced.
#[derive(Clone, Debug)]
pub struct Discovered {
    pub org: Org,
    /// The policy types enabled on the root (`ListRoots`).
    pub policy_types: Vec<String>,
    /// Empty when every request succeeded.
    pub gaps: Vec<SyncGap>,
    pub pace: PaceStats,
}

enum Found {
    Ous(Vec<OrgUnit>),
    Accounts(Vec<Account>),
    Tags(usize, Tags),
    /// A request failed for good.
    Gap(SyncGap),
}

/// What every task needs, shared.
struct Shared {
    client: Client,
    pacer: Pacer,
    ctx: ErrorContext,
    counter: CallCounter,
}

impl Discovery {
    /// Reads the whole organization. Every page of every listing is followed.
    ///
    /// # Errors
    /// When the organization cannot be read at all (no credentials, access denied, not in an
    /// organization, root unreadable). Other failures become gaps in the result.
    pub async fn run(
        &self,
        sdk: &SdkConfig,
        counter: &CallCounter,
        progress: &(dyn Fn(SyncProgress) + Send + Sync),
    ) -> Result<Discovered, AwsError> {
        // Organizations throttles hard (TooManyRequestsException, HTTP 400) and a sync makes one
        // request per account, so awsnav paces and retries this client itself: the SDK's
        // retry quota runs dry part-way through a large organization, and its adaptive mode
        // slows the whole client to half a request per second after a few throttles.
        let policy = RetryPolicy::from_sdk(sdk);
        let config = aws_sdk_organizations::config::Builder::from(sdk)
            .interceptor(counter.clone())
            .retry_config(RetryConfig::disabled())
            .build();
        let shared = Arc::new(Shared {
            client: Client::from_conf(config),
            pacer: Pacer::new(self.concurrency, policy),
            ctx: self.ctx.clone(),
            counter: counter.clone(),
        });

        let (root_id, policy_types) = root(&shared).await?;
        let (org_id, management_account_id) = describe(&shared).await?;

        let mut org = Org {
            root_id: root_id.clone(),
            org_id,
            management_account_id,
            ..Org::default()
        };
        let mut gaps = Vec::new();
        let mut state = SyncProgress::default();
        let mut tasks: JoinSet<Result<Found, AwsError>> = JoinSet::new();
        spawn_parent(&mut tasks, &shared, &root_id);
        state.parents_total = 1;

        while let Some(joined) = tasks.join_next().await {
            let found = joined.map_err(|e| AwsError::Service {
                action: "discovery",
                code: "TaskFailed".into(),
                message: e.to_string(),
            })??;
            match found {
                Found::Ous(ous) => {
                    for ou in ous {
                        spawn_parent(&mut tasks, &shared, &ou.id);
                        state.parents_total += 1;
                        state.ous_found += 1;
                        org.org_units.push(ou);
                    }
                }
                Found::Accounts(accounts) => {
                    state.parents_listed += 1;
                    for account in accounts {
                        let index = org.accounts.len();
                        spawn_tags(&mut tasks, &shared, index, &account.id);
                        state.accounts_found += 1;
                        org.accounts.push(account);
                    }
                }
                Found::Tags(index, tags) => {
                    state.tags_fetched += 1;
                    if let Some(a) = org.accounts.get_mut(index) {
                        a.tags = tags;
                    }
                }
                Found::Gap(gap) => {
                    tracing::warn!(%gap, "gave up on a request");
                    // A parent counts once, finished by its account listing: a failed OU
                    // listing is one more item, finished by failing.
                    if gap.action == LIST_OUS {
                        state.parents_total += 1;
                    }
                    state.gaps += 1;
                    gaps.push(gap);
                }
            }
            let pace = shared.pacer.stats();
            state.api_calls = counter.calls();
            state.throttled = pace.throttled;
            state.pace = pace.limit;
            progress(state);
        }
        let pace = shared.pacer.stats();
        tracing::info!(
            ous = org.org_units.len(),
            accounts = org.accounts.len(),
            gaps = gaps.len(),
            api_calls = counter.calls(),
            attempts = counter.attempts(),
            throttled = pace.throttled,
            lowest_pace = pace.lowest_limit,
            "organization discovered"
        );
        Ok(Discovered {
            org,
            policy_types,
            gaps,
            pace,
        })
    }
}

impl Shared {
    async fn call<T, E, F, Fut>(&self, action: &'static str, send: F) -> Result<T, AwsError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<
                Output = Result<
                    T,
                    aws_smithy_runtime_api::client::result::SdkError<
                        E,
                        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
                    >,
                >,
            >,
        E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.pacer
            .call(&self.ctx, &self.counter, action, send)
            .await
    }
}

/// Whether a failure of one request should end the sync rather than leave a gap: these say
/// nothing else will work either.
fn is_fatal(err: &AwsError) -> bool {
    matches!(
        err,
        AwsError::NoCredentials { .. }
            | AwsError::BadCredentials { .. }
            | AwsError::AccessDenied { .. }
            | AwsError::OrgNotInUse { .. }
            | AwsError::ProfileNotFound { .. }
            | AwsError::ProfileFile(_)
    )
}

/// A task's result: found, a gap, or (fatal) an error.
fn settle(
    result: Result<Found, AwsError>,
    action: &'static str,
    target: &str,
) -> Result<Found, AwsError> {
    match result {
        Err(e) if !is_fatal(&e) => Ok(Found::Gap(SyncGap {
            action: action.to_owned(),
            target: target.to_owned(),
            error: e.to_string(),
        })),
        other => other,
    }
}

/// The root's id and the policy types enabled on it.
async fn root(shared: &Shared) -> Result<(String, Vec<String>), AwsError> {
    let roots = shared
        .call("organizations:ListRoots", || {
            shared.client.list_roots().send()
        })
        .await?;
    let root = roots.roots().first();
    let Some(id) = root.and_then(|r| r.id()) else {
        return Err(AwsError::BadResponse {
            action: "organizations:ListRoots",
            detail: "the organization has no root".into(),
        });
    };
    Ok((
        id.to_owned(),
        root.map_or_else(Vec::new, super::policies::enabled_on),
    ))
}

/// The organization id and management account; `None`s when `DescribeOrganization` is denied
/// (a delegated administrator may list without describing).
async fn describe(shared: &Shared) -> Result<(Option<String>, Option<AccountId>), AwsError> {
    match shared
        .call("organizations:DescribeOrganization", || {
            shared.client.describe_organization().send()
        })
        .await
    {
        Ok(out) => {
            let org = out.organization();
            Ok((
                org.and_then(|o| o.id()).map(str::to_owned),
                org.and_then(|o| o.master_account_id())
                    .and_then(|id| AccountId::parse(id).ok()),
            ))
        }
        Err(AwsError::AccessDenied { .. }) => Ok((None, None)),
        Err(other) => Err(other),
    }
}

const LIST_OUS: &str = "organizations:ListOrganizationalUnitsForParent";
const LIST_ACCOUNTS: &str = "organizations:ListAccountsForParent";
const LIST_TAGS: &str = "organizations:ListTagsForResource";

/// Lists a parent's child OUs and its accounts, each as its own task.
fn spawn_parent(tasks: &mut JoinSet<Result<Found, AwsError>>, shared: &Arc<Shared>, parent: &str) {
    let (s, p) = (shared.clone(), parent.to_owned());
    tasks.spawn(async move {
        let result = list_ous(&s, &p).await.map(Found::Ous);
        settle(result, LIST_OUS, &p)
    });
    let (s, p) = (shared.clone(), parent.to_owned());
    tasks.spawn(async move {
        let result = list_accounts(&s, &p).await.map(Found::Accounts);
        settle(result, LIST_ACCOUNTS, &p)
    });
}

fn spawn_tags(
    tasks: &mut JoinSet<Result<Found, AwsError>>,
    shared: &Arc<Shared>,
    index: usize,
    id: &AccountId,
) {
    let (s, id) = (shared.clone(), id.to_string());
    tasks.spawn(async move {
        let result = list_tags(&s, &id).await.map(|t| Found::Tags(index, t));
        settle(result, LIST_TAGS, &id)
    });
}

async fn list_ous(shared: &Shared, parent: &str) -> Result<Vec<OrgUnit>, AwsError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = shared
            .call(LIST_OUS, || {
                shared
                    .client
                    .list_organizational_units_for_parent()
                    .parent_id(parent)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        out.extend(page.organizational_units().iter().filter_map(|ou| {
            Some(OrgUnit {
                id: ou.id()?.to_owned(),
                name: ou.name().unwrap_or_default().to_owned(),
                parent_id: parent.to_owned(),
            })
        }));
        token = next(page.next_token(), token.as_deref());
        if token.is_none() {
            return Ok(out);
        }
    }
}

async fn list_accounts(shared: &Shared, parent: &str) -> Result<Vec<Account>, AwsError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = shared
            .call(LIST_ACCOUNTS, || {
                shared
                    .client
                    .list_accounts_for_parent()
                    .parent_id(parent)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        for a in page.accounts() {
            let Some(id) = a.id().and_then(|id| AccountId::parse(id).ok()) else {
                tracing::warn!(id = ?a.id(), "skipping an account with an invalid id");
                continue;
            };
            // `State` supersedes the deprecated `Status`; older endpoints only send `Status`.
            let status = a.state().map_or_else(
                || {
                    a.status().map_or(AccountStatus::Unknown, |s| {
                        AccountStatus::from_api(s.as_str())
                    })
                },
                |s| AccountStatus::from_api(s.as_str()),
            );
            out.push(Account {
                id,
                name: a.name().unwrap_or_default().to_owned(),
                email: a.email().unwrap_or_default().to_owned(),
                status,
                joined: a
                    .joined_timestamp()
                    .and_then(|t| OffsetDateTime::from_unix_timestamp(t.secs()).ok()),
                parent_id: parent.to_owned(),
                tags: crate::domain::model::Tags::new(),
                sso: false,
                sso_roles: Vec::new(),
                sso_roles_read: false,
                org: None,
            });
        }
        token = next(page.next_token(), token.as_deref());
        if token.is_none() {
            return Ok(out);
        }
    }
}

async fn list_tags(shared: &Shared, id: &str) -> Result<Tags, AwsError> {
    let mut tags = Tags::new();
    let mut token: Option<String> = None;
    loop {
        let page = shared
            .call(LIST_TAGS, || {
                shared
                    .client
                    .list_tags_for_resource()
                    .resource_id(id)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        for t in page.tags() {
            tags.insert(t.key().to_owned(), t.value().to_owned());
        }
        token = next(page.next_token(), token.as_deref());
        if token.is_none() {
            return Ok(tags);
        }
    }
}
