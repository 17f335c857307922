//! Fetched costs and their cache. Cost Explorer charges per request and changes a few times a
//! day, so a read is kept for `[cost] ttl_hours` and only `R` / `--refresh-cost` forces one.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::aws::{self, AwsError, AwsSettings, CallCounter, ErrorContext};
use crate::config::CostConfig;
use crate::cost::MonthlyByAccount;
use crate::files::{file_key, write_private};

const FORMAT: u32 = 1;

/// Cost Explorer only answers in us-east-1.
const COST_REGION: &str = "us-east-1";

/// One read of Cost Explorer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostSnapshot {
    #[serde(with = "time::serde::rfc3339")]
    pub fetched_at: OffsetDateTime,
    pub metric: String,
    /// Months of history the read covers.
    pub months: u8,
    pub currency: String,
    pub monthly: MonthlyByAccount,
    /// Requests the read took (each one is charged).
    pub requests: u64,
}

/// What is known about cost right now.
#[derive(Clone, Debug, PartialEq)]
pub enum CostState {
    /// `[cost] enabled = false`: nothing is ever asked.
    Disabled,
    Known {
        snapshot: CostSnapshot,
        /// Served from the cache (no request sent).
        cached: bool,
    },
    /// Not available, and why (shown once; columns say "n/a").
    Unavailable { reason: String },
}

#[derive(Deserialize)]
struct Envelope {
    format: u32,
    snapshot: CostSnapshot,
}

#[derive(Serialize)]
struct EnvelopeRef<'a> {
    format: u32,
    snapshot: &'a CostSnapshot,
}

/// The cost cache file for one profile.
#[derive(Clone, Debug)]
pub struct CostCache {
    path: PathBuf,
}

impl CostCache {
    #[must_use]
    pub fn new(cache_dir: &Path, profile: Option<&str>) -> Self {
        let key = file_key(profile.unwrap_or("default-chain"));
        Self {
            path: cache_dir.join(format!("cost-{key}.json")),
        }
    }

    /// The cached snapshot for `metric`, whatever its age; corrupt files are misses.
    #[must_use]
    pub fn load(&self, metric: &str) -> Option<CostSnapshot> {
        let bytes = std::fs::read(&self.path).ok()?;
        let env: Envelope = serde_json::from_slice(&bytes).ok()?;
        (env.format == FORMAT && env.snapshot.metric == metric).then_some(env.snapshot)
    }

    /// Writes atomically.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn store(&self, snapshot: &CostSnapshot) -> std::io::Result<()> {
        let body = serde_json::to_vec(&EnvelopeRef {
            format: FORMAT,
            snapshot,
        })
        .map_err(std::io::Error::other)?;
        write_private(&self.path, &body)
    }
}

/// Everything a cost read needs.
#[derive(Clone, Debug)]
pub struct CostReader {
    pub config: CostConfig,
    /// `[cost] profile`, else the org profile.
    pub profile: Option<String>,
    pub ctx: ErrorContext,
    pub cache: CostCache,
    pub network: crate::config::NetworkConfig,
}

impl CostReader {
    /// Costs as of `now`: the cache within its TTL unless `force`, else one paginated read.
    pub async fn read(&self, force: bool, now: OffsetDateTime) -> CostState {
        if !self.config.enabled {
            return CostState::Disabled;
        }
        let ttl = Duration::hours(i64::from(self.config.ttl_hours));
        if !force
            && let Some(s) = self.cache.load(&self.config.metric)
            && now - s.fetched_at < ttl
            && s.months >= self.config.months
        {
            return CostState::Known {
                snapshot: s,
                cached: true,
            };
        }
        match self.fetch(now).await {
            Ok(snapshot) => {
                if let Err(e) = self.cache.store(&snapshot) {
                    tracing::warn!(error = %e, "cannot cache costs");
                }
                CostState::Known {
                    snapshot,
                    cached: false,
                }
            }
            Err(e) => CostState::Unavailable {
                reason: reason(&e, self.profile.as_deref()),
            },
        }
    }

    async fn fetch(&self, now: OffsetDateTime) -> Result<CostSnapshot, AwsError> {
        let settings = AwsSettings {
            profile: self.profile.clone(),
            region: Some(COST_REGION.to_owned()),
            network: self.network,
        };
        let sdk = aws::sdk::load(&settings, &self.ctx).await?;
        let today = now.date();
        let mut start = today.replace_day(1).unwrap_or(today);
        for _ in 1..self.config.months {
            start = (start - Duration::days(1)).replace_day(1).unwrap_or(start);
        }
        let end = today + Duration::days(1);
        let counter = CallCounter::default();
        let read = aws::cost::monthly_by_account(
            &sdk,
            &self.config.metric,
            start,
            end,
            &counter,
            &self.ctx,
        )
        .await?;
        Ok(CostSnapshot {
            fetched_at: now,
            metric: self.config.metric.clone(),
            months: self.config.months,
            currency: read.currency,
            monthly: read.monthly,
            requests: read.requests,
        })
    }
}

/// One line saying why cost is not shown, and what to do.
fn reason(e: &AwsError, profile: Option<&str>) -> String {
    let who = profile.map_or_else(
        || "these credentials".to_owned(),
        |p| format!("profile `{p}`"),
    );
    match e {
        AwsError::AccessDenied { .. } => format!(
            "cost n/a: {who} may not read Cost Explorer (ce:GetCostAndUsage in the payer account; set [cost] profile)"
        ),
        AwsError::Service { code, .. } if code == "DataUnavailableException" => {
            "cost n/a: Cost Explorer has no data (enable it in the management account; data appears within 24 h)".to_owned()
        }
        AwsError::Throttled { .. } => "cost n/a: Cost Explorer is throttling requests; try again later".to_owned(),
        other => format!("cost n/a: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::YearMonth;
    use time::macros::datetime;

    #[test]
    fn snapshots_round_trip_per_metric() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CostCache::new(dir.path(), Some("billing"));
        let mut monthly = MonthlyByAccount::new();
        monthly.insert(
            "111122223333".into(),
            [(
                YearMonth {
                    year: 2026,
                    month: 11,
                },
                12.5,
            )]
            .into(),
        );
        let s = CostSnapshot {
            fetched_at: datetime!(2026-11-21 10:00 UTC),
            metric: "UnblendedCost".into(),
            months: 6,
            currency: "USD".into(),
            monthly,
            requests: 1,
        };
        cache.store(&s).unwrap();
        assert_eq!(cache.load("UnblendedCost"), Some(s));
        assert_eq!(
            cache.load("AmortizedCost"),
            None,
            "another metric is another read"
        );
        std::fs::write(dir.path().join("cost-billing.json"), b"{broken").unwrap();
        assert_eq!(cache.load("UnblendedCost"), None);
    }

    #[test]
    fn reasons_say_what_to_do() {
        let denied = AwsError::AccessDenied {
            action: "ce:GetCostAndUsage",
            message: "no".into(),
            config: String::new(),
        };
        assert!(reason(&denied, Some("mgmt")).contains("set [cost] profile"));
        let unavailable = AwsError::Service {
            action: "ce:GetCostAndUsage",
            code: "DataUnavailableException".into(),
            message: "no data".into(),
        };
        assert!(reason(&unavailable, None).contains("enable it in the management account"));
        let throttled = AwsError::Throttled {
            action: "ce:GetCostAndUsage",
            message: "slow down".into(),
        };
        assert!(reason(&throttled, None).contains("throttling"));
    }

    #[tokio::test]
    async fn disabled_sends_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let reader = CostReader {
            config: CostConfig {
                enabled: false,
                ..CostConfig::default()
            },
            profile: None,
            ctx: ErrorContext::default(),
            cache: CostCache::new(dir.path(), None),
            network: crate::config::NetworkConfig::default(),
        };
        assert_eq!(
            reader.read(true, datetime!(2026-11-21 10:00 UTC)).await,
            CostState::Disabled
        );
    }
}
