//! Organizations' policies: the types enabled on the root, the policies attached to a target
//! (`ListPoliciesForTarget`, one call per target and type, every page), a policy's document
//! (`DescribePolicy`) and its targets (`ListTargetsForPolicy`). Paced and retried like the
//! sync.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_sdk_organizations::Client;
use aws_sdk_organizations::types::{PolicyType, PolicyTypeStatus};
use tokio::task::JoinSet;

use super::pace::{Pacer, RetryPolicy};
use super::{AwsError, CallCounter, ErrorContext};
use crate::domain::guardrails::{Guardrails, PolicyDocument, PolicySummary, PolicyTarget};
use crate::domain::model::SyncGap;

const LIST_FOR_TARGET: &str = "organizations:ListPoliciesForTarget";

/// The policy types `root` has enabled (`ENABLED`, not pending).
pub(crate) fn enabled_on(root: &aws_sdk_organizations::types::Root) -> Vec<String> {
    root.policy_types()
        .iter()
        .filter(|t| t.status() == Some(&PolicyTypeStatus::Enabled))
        .filter_map(|t| t.r#type().map(|k| k.as_str().to_owned()))
        .collect()
}

/// A reader of policies; cheap to clone (shared client and pace).
#[derive(Clone)]
pub struct Policies(Arc<Inner>);

struct Inner {
    client: Client,
    pacer: Pacer,
    ctx: ErrorContext,
    counter: CallCounter,
}

/// What reading the policies of some targets found.
#[derive(Debug, Default)]
pub struct Found {
    /// The root's enabled types (when they were read), policies per target read in full, and
    /// the denial when Organizations refused.
    pub guardrails: Guardrails,
    /// Requests that kept failing (throttled, network): those targets stay unknown.
    pub gaps: Vec<SyncGap>,
}

impl Policies {
    /// A reader with at most `concurrency` requests in flight.
    #[must_use]
    pub fn new(
        sdk: &SdkConfig,
        counter: &CallCounter,
        concurrency: usize,
        ctx: ErrorContext,
    ) -> Self {
        let config = aws_sdk_organizations::config::Builder::from(sdk)
            .interceptor(counter.clone())
            .retry_config(RetryConfig::disabled())
            .build();
        Self(Arc::new(Inner {
            client: Client::from_conf(config),
            pacer: Pacer::new(concurrency, RetryPolicy::from_sdk(sdk)),
            ctx,
            counter: counter.clone(),
        }))
    }

    /// The policy types enabled on the root (`ListRoots`).
    ///
    /// # Errors
    /// As any Organizations call.
    pub async fn enabled_types(&self) -> Result<Vec<String>, AwsError> {
        let s = &self.0;
        let roots = s
            .pacer
            .call(&s.ctx, &s.counter, "organizations:ListRoots", || {
                s.client.list_roots().send()
            })
            .await?;
        Ok(roots.roots().first().map_or_else(Vec::new, enabled_on))
    }

    /// The policies of type `kind` attached to `target` directly, every page.
    ///
    /// # Errors
    /// As any Organizations call.
    pub async fn for_target(
        &self,
        target: &str,
        kind: &str,
    ) -> Result<Vec<PolicySummary>, AwsError> {
        let s = &self.0;
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = s
                .pacer
                .call(&s.ctx, &s.counter, LIST_FOR_TARGET, || {
                    s.client
                        .list_policies_for_target()
                        .target_id(target)
                        .filter(PolicyType::from(kind))
                        .set_next_token(token.clone())
                        .send()
                })
                .await?;
            out.extend(page.policies().iter().filter_map(|p| {
                Some(PolicySummary {
                    id: p.id()?.to_owned(),
                    name: p.name().unwrap_or_default().to_owned(),
                    description: p.description().unwrap_or_default().to_owned(),
                    kind: p.r#type().map_or(kind, PolicyType::as_str).to_owned(),
                    aws_managed: p.aws_managed(),
                })
            }));
            token = super::paging::next(page.next_token(), token.as_deref());
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    /// The policies attached to each of `targets`, of each of `kinds` (one request per target
    /// and type, several at once). A target is in the answer once all its types were read;
    /// an access denied stops the reading and is the answer's `denied`.
    pub async fn read(&self, targets: &[String], kinds: &[String]) -> Found {
        let mut tasks = JoinSet::new();
        for target in targets {
            for kind in kinds {
                let (me, target, kind) = (self.clone(), target.clone(), kind.clone());
                tasks.spawn(async move {
                    let result = me.for_target(&target, &kind).await;
                    (target, result)
                });
            }
        }
        let mut found = Found::default();
        let mut partial: BTreeMap<String, (usize, Vec<PolicySummary>)> = BTreeMap::new();
        let mut failed = std::collections::BTreeSet::new();
        while let Some(joined) = tasks.join_next().await {
            let Ok((target, result)) = joined else {
                continue;
            };
            match result {
                Ok(policies) => {
                    let entry = partial.entry(target).or_default();
                    entry.0 += 1;
                    entry.1.extend(policies);
                }
                Err(AwsError::AccessDenied { message, .. }) => {
                    tasks.abort_all();
                    found.guardrails.denied = Some(format!(
                        "Organizations refused to list policies ({LIST_FOR_TARGET}: {message}); they need the management account or a delegated administrator"
                    ));
                    return found;
                }
                Err(e) => {
                    tracing::warn!(target = %target, error = %e, "policies not read");
                    if failed.insert(target.clone()) {
                        found.gaps.push(SyncGap {
                            action: LIST_FOR_TARGET.into(),
                            target,
                            error: e.to_string(),
                        });
                    }
                }
            }
        }
        for (target, (types_read, policies)) in partial {
            if types_read == kinds.len() && !failed.contains(&target) {
                found.guardrails.attached.insert(target, policies);
            }
        }
        // A target with no enabled type to ask about has nothing attached.
        if kinds.is_empty() {
            for target in targets {
                found.guardrails.attached.insert(target.clone(), Vec::new());
            }
        }
        found
    }

    /// A policy's document and every target it is attached to.
    ///
    /// # Errors
    /// As any Organizations call (`PolicyNotFoundException` for an unknown id).
    pub async fn document(&self, id: &str) -> Result<PolicyDocument, AwsError> {
        let s = &self.0;
        let out = s
            .pacer
            .call(&s.ctx, &s.counter, "organizations:DescribePolicy", || {
                s.client.describe_policy().policy_id(id).send()
            })
            .await?;
        let bad = |what: &str| AwsError::BadResponse {
            action: "organizations:DescribePolicy",
            detail: format!("the answer has no {what}"),
        };
        let policy = out.policy().ok_or_else(|| bad("Policy"))?;
        let p = policy
            .policy_summary()
            .ok_or_else(|| bad("PolicySummary"))?;
        let summary = PolicySummary {
            id: p.id().unwrap_or(id).to_owned(),
            name: p.name().unwrap_or_default().to_owned(),
            description: p.description().unwrap_or_default().to_owned(),
            kind: p.r#type().map_or("", PolicyType::as_str).to_owned(),
            aws_managed: p.aws_managed(),
        };
        let content = policy.content().unwrap_or_default().to_owned();
        // One page of targets: a policy attached everywhere (FullAWSAccess) has thousands.
        let page = s
            .pacer
            .call(
                &s.ctx,
                &s.counter,
                "organizations:ListTargetsForPolicy",
                || {
                    s.client
                        .list_targets_for_policy()
                        .policy_id(id)
                        .max_results(20)
                        .send()
                },
            )
            .await?;
        let targets = page
            .targets()
            .iter()
            .filter_map(|t| {
                Some(PolicyTarget {
                    id: t.target_id()?.to_owned(),
                    name: t.name().unwrap_or_default().to_owned(),
                    kind: t.r#type().map_or("", |k| k.as_str()).to_owned(),
                })
            })
            .collect();
        Ok(PolicyDocument {
            summary,
            content,
            targets,
            more_targets: page.next_token().is_some_and(|t| !t.is_empty()),
        })
    }
}
