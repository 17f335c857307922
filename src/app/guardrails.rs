//! Guardrails read when first needed: the policies of an account or OU and of everything above
//! it, asked of Organizations only for the targets not known yet (one request per target and
//! enabled type), with the organization's reader, and kept with the cached inventory.

use time::OffsetDateTime;

use super::access::MfaSource;
use super::context::AppContext;
use super::org_reader::Reader;
use crate::aws::policies::{Found, Policies};
use crate::aws::sdk::{self, AwsSettings};
use crate::aws::{AwsError, CallCounter};
use crate::config::PolicyReading;
use crate::domain::guardrails::{Guardrails, Parents, PolicyDocument};
use crate::domain::inventory::Inventory;

/// What a read asked and found.
#[derive(Debug, Default)]
pub struct Read {
    pub found: Found,
    pub api_calls: u64,
}

/// The targets whose policies `targets` (account or OU ids) need and are not known: each
/// one and everything above it, in the tree `parents` gives. Empty when refused or all known.
#[must_use]
pub fn missing_in(inv: &Inventory, parents: &Parents, targets: &[&str]) -> Vec<String> {
    if inv.guardrails.denied.is_some() {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for target in targets {
        for id in inv.guardrails.missing(&parents.chain(target)) {
            if !out.iter().any(|o| o == id) {
                out.push(id.to_owned());
            }
        }
    }
    out
}

/// An Organizations client with the organization's reader's credentials.
async fn reader(
    ctx: &AppContext,
    mfa: &MfaSource,
    counter: &CallCounter,
) -> Result<Policies, AwsError> {
    let credentials = Reader::organization(ctx)
        .credentials(ctx, mfa, OffsetDateTime::now_utc())
        .await?;
    let sdk = sdk::load(
        &AwsSettings {
            credentials,
            ..ctx.sync.settings.clone()
        },
        &ctx.sync.ctx,
    )
    .await?;
    Ok(Policies::new(
        &sdk,
        counter,
        ctx.sync.concurrency,
        ctx.sync.ctx.clone(),
    ))
}

/// Reads the policies of `targets` (and the root's enabled types when `enabled` is not
/// known).
///
/// # Errors
/// When the reader's credentials cannot be had, or the root cannot be read.
pub async fn read(
    ctx: &AppContext,
    mfa: &MfaSource,
    enabled: Option<Vec<String>>,
    targets: &[String],
) -> Result<Read, AwsError> {
    let counter = CallCounter::default();
    let policies = reader(ctx, mfa, &counter).await?;
    let enabled = match enabled {
        Some(e) => e,
        None => match policies.enabled_types().await {
            Ok(e) => e,
            Err(AwsError::AccessDenied { message, .. }) => {
                return Ok(Read {
                    found: Found {
                        guardrails: Guardrails {
                            denied: Some(format!(
                                "Organizations refused to list the root's policy types ({message})"
                            )),
                            ..Guardrails::default()
                        },
                        gaps: Vec::new(),
                    },
                    api_calls: counter.calls(),
                });
            }
            Err(e) => return Err(e),
        },
    };
    let mut found = policies.read(targets, &enabled).await;
    found.guardrails.enabled = Some(enabled);
    tracing::info!(
        targets = targets.len(),
        read = found.guardrails.attached.len(),
        gaps = found.gaps.len(),
        api_calls = counter.calls(),
        "policies read"
    );
    Ok(Read {
        found,
        api_calls: counter.calls(),
    })
}

/// Keeps what a read found with the cached inventory synced at `synced_at` (not with a
/// shared one: that is someone else's file); the next sync leaves them behind.
pub fn remember(ctx: &AppContext, synced_at: OffsetDateTime, guardrails: &Guardrails) {
    if ctx.shared.is_some() || guardrails.is_empty() {
        return;
    }
    if let Err(e) = ctx.inventory_cache.add_guardrails(synced_at, guardrails) {
        tracing::warn!(error = %e, "policies not cached");
    }
}

/// What [`ensure`] did.
#[derive(Debug, Default)]
pub struct Ensured {
    pub api_calls: u64,
    pub gaps: Vec<crate::domain::model::SyncGap>,
}

/// Makes sure the policies that apply to `targets` are known in `inv` (whose tree `parents`
/// gives): those not known are read, added, and cached. Nothing when policies are off.
///
/// # Errors
/// When the reader's credentials cannot be had, or the root cannot be read.
pub async fn ensure(
    ctx: &AppContext,
    mfa: &MfaSource,
    inv: &mut Inventory,
    parents: &Parents,
    targets: &[&str],
) -> Result<Ensured, AwsError> {
    if ctx.config.org.policies == PolicyReading::Off {
        return Ok(Ensured::default());
    }
    let missing = missing_in(inv, parents, targets);
    if missing.is_empty() && (inv.guardrails.enabled.is_some() || inv.guardrails.denied.is_some()) {
        return Ok(Ensured::default());
    }
    let read = read(ctx, mfa, inv.guardrails.enabled.clone(), &missing).await?;
    remember(ctx, inv.synced_at, &read.found.guardrails);
    inv.guardrails.merge(read.found.guardrails);
    Ok(Ensured {
        api_calls: read.api_calls,
        gaps: read.found.gaps,
    })
}

/// A policy's document: the cached one, else `DescribePolicy` and `ListTargetsForPolicy`
/// (then cached).
///
/// # Errors
/// When the reader's credentials cannot be had, or Organizations refuses or does not know it.
pub async fn document(
    ctx: &AppContext,
    mfa: &MfaSource,
    cached: Option<&PolicyDocument>,
    id: &str,
    synced_at: OffsetDateTime,
) -> Result<PolicyDocument, AwsError> {
    if let Some(doc) = cached {
        return Ok(doc.clone());
    }
    let counter = CallCounter::default();
    let doc = reader(ctx, mfa, &counter).await?.document(id).await?;
    let mut kept = Guardrails::default();
    kept.documents.insert(doc.summary.id.clone(), doc.clone());
    remember(ctx, synced_at, &kept);
    Ok(doc)
}
