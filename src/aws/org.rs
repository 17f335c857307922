//! Organizations discovery: walks root → OUs → accounts (+ tags) with bounded concurrency.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_config::SdkConfig;
use aws_sdk_organizations::Client;
use aws_smithy_runtime::client::retries::{RetryPartition, TokenBucket};
use time::OffsetDateTime;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::{AwsError, CallCounter, ErrorContext};
use crate::model::{Account, AccountId, AccountStatus, Org, OrgUnit};

/// How far a sync has come, for progress displays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncProgress {
    pub ous_found: usize,
    pub parents_listed: usize,
    pub parents_total: usize,
    pub accounts_found: usize,
    pub tags_fetched: usize,
    pub api_calls: u64,
}

impl SyncProgress {
    /// Work items finished and known so far (grows as the tree is discovered).
    #[must_use]
    pub fn done_and_known(&self) -> (usize, usize) {
        (
            self.parents_listed + self.tags_fetched,
            self.parents_total + self.accounts_found,
        )
    }
}

/// Options for one discovery run.
#[derive(Clone, Debug)]
pub struct Discovery {
    pub concurrency: usize,
    pub ctx: ErrorContext,
}

enum Found {
    Ous(Vec<OrgUnit>),
    Accounts(Vec<Account>),
    Tags(usize, BTreeMap<String, String>),
}

impl Discovery {
    /// Reads the whole organization. Every page of every listing is followed.
    ///
    /// # Errors
    /// The first [`AwsError`] any request ends with (after the SDK's retries).
    pub async fn run(
        &self,
        sdk: &SdkConfig,
        counter: &CallCounter,
        progress: &(dyn Fn(SyncProgress) + Send + Sync),
    ) -> Result<Org, AwsError> {
        // Organizations throttles hard (TooManyRequestsException, HTTP 400) and a sync makes one
        // request per account: the SDK's default retry quota would run dry part-way through a
        // large organization, so this client's retries are bounded by attempts alone.
        let partition = RetryPartition::custom("awsnav-organizations")
            .token_bucket(TokenBucket::unlimited())
            .build();
        // Standard retries (exponential backoff with jitter): the SDK's adaptive mode slows the
        // whole client to half a request per second after a few throttles, which turns a
        // large sync into an hour. Bounded concurrency keeps the pressure down instead.
        let config = aws_sdk_organizations::config::Builder::from(sdk)
            .interceptor(counter.clone())
            .retry_partition(partition)
            .build();
        let client = Client::from_conf(config);
        let ctx = Arc::new(self.ctx.clone());

        let roots = client
            .list_roots()
            .send()
            .await
            .map_err(|e| ctx.classify("organizations:ListRoots", &e))?;
        let Some(root_id) = roots
            .roots()
            .first()
            .and_then(|r| r.id())
            .map(str::to_owned)
        else {
            return Err(AwsError::BadResponse {
                action: "organizations:ListRoots",
                detail: "the organization has no root".into(),
            });
        };
        let (org_id, management_account_id) = describe(&client, &ctx).await?;

        let limit = Arc::new(Semaphore::new(self.concurrency.max(1)));
        let mut org = Org {
            root_id: root_id.clone(),
            org_id,
            management_account_id,
            ..Org::default()
        };
        let mut state = SyncProgress::default();
        let mut tasks: JoinSet<Result<Found, AwsError>> = JoinSet::new();
        spawn_parent(&mut tasks, &client, &limit, &ctx, &root_id);
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
                        spawn_parent(&mut tasks, &client, &limit, &ctx, &ou.id);
                        state.parents_total += 1;
                        state.ous_found += 1;
                        org.org_units.push(ou);
                    }
                }
                Found::Accounts(accounts) => {
                    state.parents_listed += 1;
                    for account in accounts {
                        let index = org.accounts.len();
                        spawn_tags(&mut tasks, &client, &limit, &ctx, index, &account.id);
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
            }
            state.api_calls = counter.calls();
            progress(state);
        }
        tracing::info!(
            ous = org.org_units.len(),
            accounts = org.accounts.len(),
            api_calls = counter.calls(),
            attempts = counter.attempts(),
            "organization discovered"
        );
        Ok(org)
    }
}

/// The organization id and management account; `None`s when `DescribeOrganization` is denied
/// (a delegated administrator may list without describing).
async fn describe(
    client: &Client,
    ctx: &ErrorContext,
) -> Result<(Option<String>, Option<AccountId>), AwsError> {
    match client.describe_organization().send().await {
        Ok(out) => {
            let org = out.organization();
            Ok((
                org.and_then(|o| o.id()).map(str::to_owned),
                org.and_then(|o| o.master_account_id())
                    .and_then(|id| AccountId::parse(id).ok()),
            ))
        }
        Err(e) => match ctx.classify("organizations:DescribeOrganization", &e) {
            AwsError::AccessDenied { .. } => Ok((None, None)),
            other => Err(other),
        },
    }
}

/// Lists a parent's child OUs and its accounts, each as its own task.
fn spawn_parent(
    tasks: &mut JoinSet<Result<Found, AwsError>>,
    client: &Client,
    limit: &Arc<Semaphore>,
    ctx: &Arc<ErrorContext>,
    parent: &str,
) {
    let (c, l, x, p) = (
        client.clone(),
        limit.clone(),
        ctx.clone(),
        parent.to_owned(),
    );
    tasks.spawn(async move {
        let _permit = l.acquire_owned().await;
        let ous = list_ous(&c, &x, &p).await?;
        Ok(Found::Ous(ous))
    });
    let (c, l, x, p) = (
        client.clone(),
        limit.clone(),
        ctx.clone(),
        parent.to_owned(),
    );
    tasks.spawn(async move {
        let _permit = l.acquire_owned().await;
        list_accounts(&c, &x, &p).await.map(Found::Accounts)
    });
}

fn spawn_tags(
    tasks: &mut JoinSet<Result<Found, AwsError>>,
    client: &Client,
    limit: &Arc<Semaphore>,
    ctx: &Arc<ErrorContext>,
    index: usize,
    id: &AccountId,
) {
    let (c, l, x, id) = (client.clone(), limit.clone(), ctx.clone(), id.to_string());
    tasks.spawn(async move {
        let _permit = l.acquire_owned().await;
        list_tags(&c, &x, &id).await.map(|t| Found::Tags(index, t))
    });
}

async fn list_ous(
    client: &Client,
    ctx: &ErrorContext,
    parent: &str,
) -> Result<Vec<OrgUnit>, AwsError> {
    let mut out = Vec::new();
    let mut pages = client
        .list_organizational_units_for_parent()
        .parent_id(parent)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| ctx.classify("organizations:ListOrganizationalUnitsForParent", &e))?;
        out.extend(page.organizational_units().iter().filter_map(|ou| {
            Some(OrgUnit {
                id: ou.id()?.to_owned(),
                name: ou.name().unwrap_or_default().to_owned(),
                parent_id: parent.to_owned(),
            })
        }));
    }
    Ok(out)
}

async fn list_accounts(
    client: &Client,
    ctx: &ErrorContext,
    parent: &str,
) -> Result<Vec<Account>, AwsError> {
    let mut out = Vec::new();
    let mut pages = client
        .list_accounts_for_parent()
        .parent_id(parent)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| ctx.classify("organizations:ListAccountsForParent", &e))?;
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
                tags: BTreeMap::new(),
            });
        }
    }
    Ok(out)
}

async fn list_tags(
    client: &Client,
    ctx: &ErrorContext,
    id: &str,
) -> Result<BTreeMap<String, String>, AwsError> {
    let mut tags = BTreeMap::new();
    let mut pages = client
        .list_tags_for_resource()
        .resource_id(id)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| ctx.classify("organizations:ListTagsForResource", &e))?;
        for t in page.tags() {
            tags.insert(t.key().to_owned(), t.value().to_owned());
        }
    }
    Ok(tags)
}
