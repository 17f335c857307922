//! Reading costs: the cache within `[cost] ttl_hours`, else one paginated Cost Explorer read.
//! Cost Explorer charges per request and changes a few times a day, so only `C` /
//! `--refresh-cost` forces a read.

use time::{Duration, OffsetDateTime};

use crate::aws::{self, AwsError, AwsSettings, CallCounter, ErrorContext};
use crate::config::CostConfig;

use crate::domain::cost::CostSnapshot;
use crate::domain::credentials::Credentials;
use crate::store::cost_cache::CostCache;

/// Cost Explorer only answers in us-east-1.
const COST_REGION: &str = "us-east-1";

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
    /// Costs as of `now`: the cache within its TTL unless `force`, else one paginated read
    /// with the credentials as they are (`app::org_reader::read_costs` reads with a role or
    /// the MFA session).
    pub async fn read(&self, force: bool, now: OffsetDateTime) -> CostState {
        if let Some(state) = self.without_reading(force, now) {
            return state;
        }
        self.state_of(self.fetch(now, None).await)
    }

    /// What is known without a request: off, or a fresh cached read (unless `force`).
    #[must_use]
    pub fn without_reading(&self, force: bool, now: OffsetDateTime) -> Option<CostState> {
        if !self.config.enabled {
            return Some(CostState::Disabled);
        }
        let ttl = Duration::hours(i64::from(self.config.ttl_hours));
        if !force
            && let Some(s) = self.cache.load(&self.config.metric)
            && now - s.fetched_at < ttl
            && s.months >= self.config.months
        {
            return Some(CostState::Known {
                snapshot: s,
                cached: true,
            });
        }
        None
    }

    /// The state a read ends in; a read costs are cached from.
    #[must_use]
    pub fn state_of(&self, read: Result<CostSnapshot, AwsError>) -> CostState {
        match read {
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

    /// One paginated read of Cost Explorer, with `credentials` when given.
    ///
    /// # Errors
    /// What Cost Explorer (or the credentials) fail with.
    pub async fn fetch(
        &self,
        now: OffsetDateTime,
        credentials: Option<&Credentials>,
    ) -> Result<CostSnapshot, AwsError> {
        let settings = AwsSettings {
            profile: self.profile.clone(),
            region: Some(COST_REGION.to_owned()),
            network: self.network,
            credentials: credentials.cloned(),
        };
        let sdk = aws::sdk::load(&settings, &self.ctx).await?;
        let today = now.date();
        let mut start = today.replace_day(1).unwrap_or(today);
        for _ in 1..self.config.months {
            start = (start - Duration::days(1)).replace_day(1).unwrap_or(start);
        }
        let end = today + Duration::days(1);
        let counter = CallCounter::default();
        let read = aws::cost_explorer::monthly_by_account(
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
    use time::macros::datetime;

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
