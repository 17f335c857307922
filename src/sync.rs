//! One sync: who am I, what is the organization, stored as the new cached inventory.

use std::time::Instant;

use time::OffsetDateTime;

use crate::aws::org::{Discovery, SyncProgress};
use crate::aws::{self, AwsError, AwsSettings, CallCounter, ErrorContext};
use crate::inventory::Inventory;

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
    pub elapsed: std::time::Duration,
}

/// Reads identity and organization. `now` stamps the result.
///
/// # Errors
/// The first [`AwsError`]: missing profile, no credentials, no organization, access denied…
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
    let org = discovery.run(&sdk, &counter, progress).await?;
    let stats = SyncStats {
        api_calls: counter.calls(),
        attempts: counter.attempts(),
        elapsed: started.elapsed(),
    };
    tracing::info!(
        api_calls = stats.api_calls,
        attempts = stats.attempts,
        elapsed_ms = u64::try_from(stats.elapsed.as_millis()).unwrap_or(u64::MAX),
        "sync finished"
    );
    Ok((
        Inventory {
            org,
            synced_at: now(),
            profile: request.settings.profile.clone(),
            identity: Some(identity),
            api_calls: stats.api_calls,
        },
        stats,
    ))
}
