//! The cost cache: the last read of Cost Explorer for one profile, written atomically.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::private_file::{file_key, write_private};
use crate::domain::cost::CostSnapshot;

const FORMAT: u32 = 1;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cost::{MonthlyByAccount, YearMonth};
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
}
