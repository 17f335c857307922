//! One sync: who am I, what is the organization, stored as the new cached inventory.

use std::time::Instant;

use time::OffsetDateTime;

use crate::aws::org::{Discovery, SyncProgress};
use crate::aws::{self, AwsError, AwsSettings, CallCounter, ErrorContext};
use crate::inventory::{CacheWriteError, Inventory, InventoryCache};

/// Everything a sync needs, owned so it can move into a background task.
#[derive(Clone, Debug)]
pub struct SyncRequest {
    pub settings: AwsSettings,
    pub concurrency: usize,
    pub ctx: ErrorContext,
}

/// What a finished sync reports besides the inventory.
#[derive(Clone, Copy, Debug)]
pub struct SyncStats {
    pub api_calls: u64,
    pub attempts: u64,
    /// Throttled answers (each retried after a backoff).
    pub throttled: u64,
    pub elapsed: std::time::Duration,
}

/// Reads identity and organization. `now` stamps the result. A sync that could not read
/// everything still returns what it read, with [`Inventory::gaps`] saying what is missing.
///
/// # Errors
/// When nothing useful can be read: missing profile, no credentials, no organization, access
/// denied…
pub async fn run(
    request: &SyncRequest,
    now: impl FnOnce() -> OffsetDateTime,
    progress: &(dyn Fn(SyncProgress) + Send + Sync),
) -> Result<(Inventory, SyncStats), AwsError> {
    let started = Instant::now();
    let sdk = aws::sdk::load(&request.settings, &request.ctx).await?;
    let counter = CallCounter::default();
    let identity = aws::sts::caller_identity(&sdk, &counter, &request.ctx).await?;
    tracing::info!(account = %identity.account, arn = %identity.arn, "caller identity");
    let discovery = Discovery {
        concurrency: request.concurrency,
        ctx: request.ctx.clone(),
    };
    let found = discovery.run(&sdk, &counter, progress).await?;
    let stats = SyncStats {
        api_calls: counter.calls(),
        attempts: counter.attempts(),
        throttled: found.pace.throttled,
        elapsed: started.elapsed(),
    };
    tracing::info!(
        api_calls = stats.api_calls,
        attempts = stats.attempts,
        throttled = stats.throttled,
        gaps = found.gaps.len(),
        elapsed_ms = u64::try_from(stats.elapsed.as_millis()).unwrap_or(u64::MAX),
        "sync finished"
    );
    Ok((
        Inventory {
            org: found.org,
            synced_at: now(),
            profile: request.settings.profile.clone(),
            identity: Some(identity),
            api_calls: stats.api_calls,
            gaps: found.gaps,
        },
        stats,
    ))
}

/// What [`store`] did with a sync's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    /// The result is the cache now.
    Written,
    /// The result was partial and the cache holds a complete snapshot from this time: kept.
    KeptPrevious(OffsetDateTime),
}

/// Caches a sync's result. A partial result never replaces a complete snapshot; it is cached
/// (marked partial) only when there is nothing better to keep.
///
/// # Errors
/// When the cache file cannot be written.
pub fn store(cache: &InventoryCache, inventory: &Inventory) -> Result<Stored, CacheWriteError> {
    if inventory.is_partial()
        && let Ok(Some(previous)) = cache.load()
        && !previous.is_partial()
    {
        tracing::warn!(synced_at = %previous.synced_at, "partial sync; the complete cache is kept");
        return Ok(Stored::KeptPrevious(previous.synced_at));
    }
    cache.store(inventory)?;
    Ok(Stored::Written)
}
