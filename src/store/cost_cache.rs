//! The cost cache: the last read of Cost Explorer for one profile, written atomically.
//!
//! `list --json` and the navigator read it at every start with the default configuration, so
//! it is laid out to be read fast, as the inventory is (`inventory_codec`): a JSON file of a
//! thousand accounts' six months took longer to parse than the rest of `list --json`.
//!
//! ```text
//! magic "AWSNAV\0C" · format u32 · CRC-32 of what follows u32
//! meta: length u32, then JSON (read at, metric, months, currency, requests)
//! months: count u32, then per month: year i32, month u8
//! accounts: count u32, then per account: id (length u32 + UTF-8), then one amount f64 per
//!   month (NaN: Cost Explorer gave none)
//! ```
//!
//! Integers and amounts are little-endian. The earlier JSON file (`cost-KEY.json`) is still
//! read, and replaced at the next read of Cost Explorer; a damaged file is a miss.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::inventory_codec::Reader;
use super::private_file::{file_key, write_private};
use crate::domain::cost::{CostSnapshot, MonthlyByAccount, YearMonth};

/// The first bytes of a binary cost cache.
const MAGIC: &[u8; 8] = b"AWSNAV\0C";
const FORMAT: u32 = 2;
/// Magic, format, CRC.
const HEADER: usize = 16;
/// The format of the JSON layout before it.
const JSON_FORMAT: u32 = 1;

#[derive(Deserialize)]
struct Envelope {
    format: u32,
    snapshot: CostSnapshot,
}

/// What the binary layout keeps as JSON: everything but the amounts.
#[derive(Serialize, Deserialize)]
struct Meta {
    #[serde(with = "time::serde::rfc3339")]
    fetched_at: OffsetDateTime,
    metric: String,
    months: u8,
    currency: String,
    requests: u64,
}

/// The cost cache file for one profile (`cost-KEY.bin`; `cost-KEY.json` before).
#[derive(Clone, Debug)]
pub struct CostCache {
    path: PathBuf,
    json: PathBuf,
}

impl CostCache {
    #[must_use]
    pub fn new(cache_dir: &Path, profile: Option<&str>) -> Self {
        let key = file_key(profile.unwrap_or("default-chain"));
        Self {
            path: cache_dir.join(format!("cost-{key}.bin")),
            json: cache_dir.join(format!("cost-{key}.json")),
        }
    }

    /// The cached snapshot for `metric`, whatever its age; corrupt files are misses.
    #[must_use]
    pub fn load(&self, metric: &str) -> Option<CostSnapshot> {
        let snapshot = if let Ok(bytes) = std::fs::read(&self.path) {
            decode(&bytes)?
        } else {
            // What an earlier awsnav cached: still good, and each read of Cost Explorer costs.
            let env: Envelope = serde_json::from_slice(&std::fs::read(&self.json).ok()?).ok()?;
            (env.format == JSON_FORMAT).then_some(env.snapshot)?
        };
        (snapshot.metric == metric).then_some(snapshot)
    }

    /// Writes atomically (and removes the earlier JSON file).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn store(&self, snapshot: &CostSnapshot) -> std::io::Result<()> {
        write_private(&self.path, &encode(snapshot)?)?;
        match std::fs::remove_file(&self.json) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// `snapshot` in the binary layout.
fn encode(snapshot: &CostSnapshot) -> std::io::Result<Vec<u8>> {
    let meta = serde_json::to_vec(&Meta {
        fetched_at: snapshot.fetched_at,
        metric: snapshot.metric.clone(),
        months: snapshot.months,
        currency: snapshot.currency.clone(),
        requests: snapshot.requests,
    })
    .map_err(std::io::Error::other)?;
    let months: Vec<YearMonth> = {
        let mut all: Vec<YearMonth> = snapshot
            .monthly
            .values()
            .flat_map(BTreeMap::keys)
            .copied()
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    };
    let accounts = &snapshot.monthly;
    let mut out = Vec::with_capacity(
        HEADER + 4 + meta.len() + 4 + months.len() * 5 + accounts.len() * (16 + months.len() * 8),
    );
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // the CRC, once the rest is written
    let count = |out: &mut Vec<u8>, n: usize| {
        u32::try_from(n)
            .map(|n| out.extend_from_slice(&n.to_le_bytes()))
            .map_err(|_| std::io::Error::other("too many costs to cache"))
    };
    count(&mut out, meta.len())?;
    out.extend_from_slice(&meta);
    count(&mut out, months.len())?;
    for m in &months {
        out.extend_from_slice(&m.year.to_le_bytes());
        out.push(m.month);
    }
    count(&mut out, accounts.len())?;
    for (id, by_month) in accounts {
        count(&mut out, id.len())?;
        out.extend_from_slice(id.as_bytes());
        for m in &months {
            let amount = by_month.get(m).copied().unwrap_or(f64::NAN);
            out.extend_from_slice(&amount.to_le_bytes());
        }
    }
    let crc = crc32fast::hash(&out[HEADER..]);
    out[12..16].copy_from_slice(&crc.to_le_bytes());
    Ok(out)
}

/// A snapshot from the binary layout; `None` when the file is of another format, damaged, or
/// of a shape its lengths do not fit.
fn decode(bytes: &[u8]) -> Option<CostSnapshot> {
    if bytes.len() < HEADER || !bytes.starts_with(MAGIC) {
        return None;
    }
    let word = |at: usize| {
        bytes
            .get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
    };
    if word(8)? != FORMAT || word(12)? != crc32fast::hash(&bytes[HEADER..]) {
        return None;
    }
    let mut r = Reader::new(bytes, HEADER);
    let meta: Meta = serde_json::from_slice(r.bytes().ok()?).ok()?;
    let n_months = r.count(5).ok()?;
    let mut months = Vec::with_capacity(n_months);
    for _ in 0..n_months {
        let year = i32::from_le_bytes(r.array().ok()?);
        let [month] = r.array().ok()?;
        months.push(YearMonth { year, month });
    }
    let n_accounts = r.count(4 + n_months * 8).ok()?;
    // Written in order (a map's), so the maps are built from sorted runs in one pass each
    // rather than by thousands of searching inserts.
    let mut accounts = Vec::with_capacity(n_accounts);
    let mut amounts = Vec::with_capacity(n_months);
    for _ in 0..n_accounts {
        let id = r.str().ok()?.to_owned();
        amounts.clear();
        for &m in &months {
            let amount = f64::from_le_bytes(r.array().ok()?);
            if !amount.is_nan() {
                amounts.push((m, amount));
            }
        }
        accounts.push((id, amounts.iter().copied().collect::<BTreeMap<_, _>>()));
    }
    let monthly: MonthlyByAccount = accounts.into_iter().collect();
    r.at_end().then_some(CostSnapshot {
        fetched_at: meta.fetched_at,
        metric: meta.metric,
        months: meta.months,
        currency: meta.currency,
        monthly,
        requests: meta.requests,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cost::{MonthlyByAccount, YearMonth};
    use time::macros::datetime;

    fn snapshot() -> CostSnapshot {
        let month = |m| YearMonth {
            year: 2026,
            month: m,
        };
        let mut monthly = MonthlyByAccount::new();
        monthly.insert("111122223333".into(), [(month(11), 12.5)].into());
        // Months one account has and another does not; amounts of every kind.
        monthly.insert(
            "444455556666".into(),
            [(month(9), 0.0), (month(10), -3.25), (month(12), 1e21)].into(),
        );
        monthly.insert("777788889999".into(), BTreeMap::new());
        CostSnapshot {
            fetched_at: datetime!(2026-11-21 10:00:00.123 UTC),
            metric: "UnblendedCost".into(),
            months: 6,
            currency: "EUR".into(),
            monthly,
            requests: 3,
        }
    }

    #[test]
    fn snapshots_round_trip_per_metric() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CostCache::new(dir.path(), Some("billing"));
        let s = snapshot();
        cache.store(&s).unwrap();
        assert!(std::fs::read(&cache.path).unwrap().starts_with(MAGIC));
        assert_eq!(cache.load("UnblendedCost"), Some(s));
        assert_eq!(
            cache.load("AmortizedCost"),
            None,
            "another metric is another read"
        );
        std::fs::write(dir.path().join("cost-billing.bin"), b"AWSNAV\0Cbroken").unwrap();
        assert_eq!(cache.load("UnblendedCost"), None);
    }

    #[test]
    fn the_json_layout_before_is_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CostCache::new(dir.path(), None);
        let s = snapshot();
        let json = serde_json::json!({"format": 1, "snapshot": s});
        std::fs::write(&cache.json, serde_json::to_vec(&json).unwrap()).unwrap();
        assert_eq!(cache.load("UnblendedCost"), Some(s.clone()));
        cache.store(&s).unwrap();
        assert!(!cache.json.exists(), "replaced by the binary file");
        assert_eq!(cache.load("UnblendedCost"), Some(s));
    }

    #[test]
    fn any_damage_is_a_miss_never_a_panic() {
        let good = encode(&snapshot()).unwrap();
        assert_eq!(decode(&good), Some(snapshot()));
        // Every cut, and every byte changed, with the CRC made right again.
        for cut in 0..good.len() {
            assert_eq!(decode(&good[..cut]), None, "cut at {cut}");
        }
        for at in HEADER..good.len() {
            for b in [0, 1, 0x7f, 0xff] {
                let mut bytes = good.clone();
                bytes[at] = b;
                let crc = crc32fast::hash(&bytes[HEADER..]);
                bytes[12..16].copy_from_slice(&crc.to_le_bytes());
                let _ = decode(&bytes);
            }
        }
        let mut damaged = good.clone();
        damaged[HEADER + 7] ^= 1;
        assert_eq!(decode(&damaged), None, "the CRC no longer matches");
        let mut other = good;
        other[8] = 9;
        assert_eq!(decode(&other), None, "another format");
    }
}
