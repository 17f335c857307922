//! The inventory cache: one file per profile, versioned, written atomically, in a binary layout
//! made to be read fast (`inventory_codec`). The JSON layout of earlier versions is still read
//! (a cache of theirs loads, and is written anew in the binary layout on the next sync); it
//! stays the layout of a shared inventory (`awsnav export`), which people read and publish.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::inventory_codec::{self, BinaryProblem};
use super::private_file::{file_key, write_private};
use time::OffsetDateTime;

use crate::domain::guardrails::Guardrails;
use crate::domain::inventory::Inventory;

/// The cache file's format: bumped whenever its shape changes; other versions are ignored
/// and rebuilt. 2: the binary layout of `inventory_codec`.
pub const CACHE_FORMAT: u32 = 2;

/// The format of the JSON layout: a shared inventory's (`awsnav export`), and the cache of
/// earlier versions (which still loads).
pub const EXPORT_FORMAT: u32 = 1;

/// The format of the file of policies read since a sync.
const GUARDRAILS_FORMAT: u32 = 1;

#[derive(Serialize)]
struct CacheFileRef<'a> {
    format: u32,
    inventory: &'a Inventory,
}

#[derive(Deserialize)]
struct CacheHeader {
    format: u32,
}

#[derive(Deserialize)]
struct CacheFile {
    format: u32,
    inventory: Inventory,
}

/// Why a cache file was not used. None of these is fatal: the caller syncs instead.
#[derive(Debug, thiserror::Error)]
pub enum CacheProblem {
    #[error("cache file {path} is unreadable ({source}); it will be rebuilt")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cache file {path} is corrupt ({detail}); it will be rebuilt")]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "cache file {path} has format {found}{}, this awsnav reads format {CACHE_FORMAT} (and {EXPORT_FORMAT}); it will be rebuilt",
        if *.found > CACHE_FORMAT { " (written by a newer awsnav)" } else { "" }
    )]
    OtherFormat { path: PathBuf, found: u32 },
}

#[derive(Debug, thiserror::Error)]
#[error("cannot write cache file {path}: {source}")]
pub struct CacheWriteError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// Why bytes are not an inventory file.
#[derive(Debug, PartialEq, Eq)]
pub enum Undecodable {
    /// Not JSON, truncated, or not the shape of an inventory.
    Corrupt(String),
    /// An inventory file of another format (`found`).
    OtherFormat(u32),
}

/// The inventory in `bytes`, written as [`InventoryCache::store`] writes it (also the shape of
/// a shared inventory, `awsnav export`).
///
/// # Errors
/// [`Undecodable`] saying whether the bytes are broken or of another format.
pub fn decode(bytes: &[u8]) -> Result<Inventory, Undecodable> {
    decode_where(bytes, |_| true)
}

/// [`decode`] keeping only the accounts whose id `keep` accepts; in the binary layout the
/// others are stepped over without being built.
///
/// # Errors
/// [`Undecodable`] saying whether the bytes are broken or of another format.
pub fn decode_where(bytes: &[u8], keep: impl Fn(&str) -> bool) -> Result<Inventory, Undecodable> {
    if inventory_codec::is_binary(bytes) {
        return inventory_codec::decode_where(bytes, CACHE_FORMAT, keep).map_err(|e| match e {
            BinaryProblem::OtherFormat(found) => Undecodable::OtherFormat(found),
            BinaryProblem::Corrupt(detail) => Undecodable::Corrupt(detail),
        });
    }
    // Checked as UTF-8 once, so the parser need not check every string again.
    let text = std::str::from_utf8(bytes).map_err(|e| Undecodable::Corrupt(e.to_string()))?;
    // One parse in the common case; only a file that is not this format is read twice, to
    // say which format it is.
    match serde_json::from_str::<CacheFile>(text) {
        Ok(mut file) if file.format == EXPORT_FORMAT => {
            file.inventory.org.accounts.retain(|a| keep(a.id.as_str()));
            Ok(file.inventory)
        }
        Ok(file) => Err(Undecodable::OtherFormat(file.format)),
        Err(e) => match serde_json::from_str::<CacheHeader>(text) {
            Ok(header) if header.format != EXPORT_FORMAT => {
                Err(Undecodable::OtherFormat(header.format))
            }
            _ => Err(Undecodable::Corrupt(e.to_string())),
        },
    }
}

/// `inventory` in the JSON layout of a shared inventory (`awsnav export`).
///
/// # Errors
/// Never in practice (serializing owned data).
pub fn encode(inventory: &Inventory) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&CacheFileRef {
        format: EXPORT_FORMAT,
        inventory,
    })
}

/// The inventory cache for one profile, and beside it the policies read since that inventory
/// was synced (a small file, so a read of some policies does not rewrite the whole inventory).
#[derive(Clone, Debug)]
pub struct InventoryCache {
    path: PathBuf,
    /// Where earlier versions kept it (JSON): read when `path` is not there yet.
    legacy_path: PathBuf,
    guardrails_path: PathBuf,
}

/// The policies file: which inventory they belong to, and what was read.
#[derive(Serialize, Deserialize)]
struct GuardrailsFile {
    format: u32,
    #[serde(with = "time::serde::rfc3339")]
    synced_at: OffsetDateTime,
    guardrails: Guardrails,
}

impl InventoryCache {
    /// The cache file for `profile` under `cache_dir`.
    #[must_use]
    pub fn new(cache_dir: &Path, profile: Option<&str>) -> Self {
        let key = file_key(profile.unwrap_or("default-chain"));
        Self {
            path: cache_dir.join(format!("inventory-{key}.bin")),
            legacy_path: cache_dir.join(format!("inventory-{key}.json")),
            guardrails_path: cache_dir.join(format!("guardrails-{key}.json")),
        }
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the cached inventory; `Ok(None)` when there is none yet.
    ///
    /// # Errors
    /// A [`CacheProblem`] when the file exists but cannot be used.
    pub fn load(&self) -> Result<Option<Inventory>, CacheProblem> {
        self.load_where(|_| true)
    }

    /// [`InventoryCache::load`] with only the accounts whose id `keep` accepts (and every OU):
    /// what getting into one account by its id needs.
    ///
    /// # Errors
    /// A [`CacheProblem`] when the file exists but cannot be used.
    pub fn load_where(
        &self,
        keep: impl Fn(&str) -> bool,
    ) -> Result<Option<Inventory>, CacheProblem> {
        let read = |path: &Path| match std::fs::read(path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(CacheProblem::Unreadable {
                path: path.to_owned(),
                source,
            }),
        };
        let (path, bytes) = match read(&self.path)? {
            Some(b) => (&self.path, b),
            None => match read(&self.legacy_path)? {
                Some(b) => (&self.legacy_path, b),
                None => return Ok(None),
            },
        };
        let mut inventory = decode_where(&bytes, keep).map_err(|e| match e {
            Undecodable::Corrupt(detail) => CacheProblem::Corrupt {
                path: path.clone(),
                detail,
            },
            Undecodable::OtherFormat(found) => CacheProblem::OtherFormat {
                path: path.clone(),
                found,
            },
        })?;
        if let Some(read) = self.guardrails_of(inventory.synced_at) {
            inventory.guardrails.merge(read);
        }
        Ok(Some(inventory))
    }

    /// The bytes of the cache file when it is in this version's binary layout (for reading
    /// it in place, `inventory_codec::view`); `None` otherwise (none, unreadable, or of an
    /// earlier version: [`InventoryCache::load`] says what is wrong with it).
    #[must_use]
    pub fn read_binary(&self) -> Option<Vec<u8>> {
        std::fs::read(&self.path)
            .ok()
            .filter(|b| inventory_codec::is_binary(b))
    }

    /// The policies read for the inventory synced at `synced_at` (none for another one, or
    /// when the file is missing or damaged: they are read again).
    #[must_use]
    pub fn guardrails_of(&self, synced_at: OffsetDateTime) -> Option<Guardrails> {
        let bytes = std::fs::read(&self.guardrails_path).ok()?;
        let file: GuardrailsFile = serde_json::from_slice(&bytes)
            .map_err(|e| tracing::warn!(error = %e, "policies cache unreadable: not used"))
            .ok()?;
        (file.format == GUARDRAILS_FORMAT && file.synced_at == synced_at).then_some(file.guardrails)
    }

    /// Keeps policies read for the inventory synced at `synced_at`, added to those kept
    /// before for it (atomically; another inventory's are dropped).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn add_guardrails(
        &self,
        synced_at: OffsetDateTime,
        read: &Guardrails,
    ) -> Result<(), CacheWriteError> {
        let mut guardrails = self.guardrails_of(synced_at).unwrap_or_default();
        guardrails.merge(read.clone());
        let body = serde_json::to_vec(&GuardrailsFile {
            format: GUARDRAILS_FORMAT,
            synced_at,
            guardrails,
        })
        .map_err(|e| CacheWriteError {
            path: self.guardrails_path.clone(),
            source: std::io::Error::other(e),
        })?;
        write_private(&self.guardrails_path, &body).map_err(|source| CacheWriteError {
            path: self.guardrails_path.clone(),
            source,
        })
    }

    /// Writes the inventory atomically: a failed write leaves the previous file intact.
    ///
    /// # Errors
    /// When the directory cannot be created or the file cannot be written.
    pub fn store(&self, inventory: &Inventory) -> Result<(), CacheWriteError> {
        let err = |source| CacheWriteError {
            path: self.path.clone(),
            source,
        };
        let body = inventory_codec::encode(inventory, CACHE_FORMAT)
            .map_err(|e| err(std::io::Error::other(e)))?;
        write_private(&self.path, &body).map_err(err)?;
        // An earlier version's file would only be read again if this one went missing.
        let _ = std::fs::remove_file(&self.legacy_path);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn sample() -> Inventory {
        Inventory {
            org: crate::domain::demo::org(),
            synced_at: datetime!(2026-11-01 10:00 UTC),
            profile: Some("mgmt".into()),
            identity: None,
            api_calls: 42,
            gaps: Vec::new(),
            org_error: None,
            guardrails: crate::domain::guardrails::Guardrails::default(),
            orgs: Vec::new(),
        }
    }

    #[test]
    fn policies_read_later_are_kept_beside_their_inventory_only() {
        use crate::domain::guardrails::PolicySummary;
        let dir = tempfile::tempdir().unwrap();
        let cache = InventoryCache::new(dir.path(), Some("mgmt"));
        let inv = sample();
        cache.store(&inv).unwrap();
        let read = |target: &str| {
            let mut g = Guardrails::default();
            g.attached.insert(
                target.into(),
                vec![PolicySummary {
                    id: "p-1".into(),
                    name: "Deny".into(),
                    description: String::new(),
                    kind: "SERVICE_CONTROL_POLICY".into(),
                    aws_managed: false,
                }],
            );
            g
        };
        cache.add_guardrails(inv.synced_at, &read("r-1")).unwrap();
        cache.add_guardrails(inv.synced_at, &read("ou-1")).unwrap();
        let loaded = cache.load().unwrap().unwrap();
        assert_eq!(
            loaded.guardrails.attached.keys().collect::<Vec<_>>(),
            ["ou-1", "r-1"],
            "both reads kept"
        );
        assert!(
            std::fs::read(cache.path()).unwrap()
                == inventory_codec::encode(&inv, CACHE_FORMAT).unwrap(),
            "the inventory file itself is not rewritten"
        );
        // A new sync: what was read for the old inventory does not apply.
        let newer = Inventory {
            synced_at: inv.synced_at + time::Duration::hours(1),
            ..sample()
        };
        cache.store(&newer).unwrap();
        assert!(cache.load().unwrap().unwrap().guardrails.is_empty());
        // A damaged policies file is ignored.
        cache.add_guardrails(newer.synced_at, &read("r-1")).unwrap();
        std::fs::write(dir.path().join("guardrails-mgmt.json"), b"{").unwrap();
        assert!(cache.load().unwrap().unwrap().guardrails.is_empty());
    }

    #[test]
    fn round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let cache = InventoryCache::new(&dir.path().join("c"), Some("mgmt"));
        assert!(cache.load().unwrap().is_none());
        cache.store(&sample()).unwrap();
        assert_eq!(cache.load().unwrap().unwrap(), sample());
    }

    #[cfg(unix)]
    #[test]
    fn cache_dir_is_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let cache = InventoryCache::new(&dir.path().join("c"), None);
        cache.store(&sample()).unwrap();
        let mode = std::fs::metadata(dir.path().join("c"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[test]
    fn corrupt_and_truncated_files_are_problems_not_panics() {
        let dir = tempfile::tempdir().unwrap();
        let cache = InventoryCache::new(dir.path(), None);
        cache.store(&sample()).unwrap();
        let good = std::fs::read(cache.path()).unwrap();
        std::fs::write(cache.path(), &good[..good.len() / 2]).unwrap();
        assert!(matches!(cache.load(), Err(CacheProblem::Corrupt { .. })));
        std::fs::write(cache.path(), b"\xff\xfe not json").unwrap();
        assert!(matches!(cache.load(), Err(CacheProblem::Corrupt { .. })));
    }

    #[test]
    fn other_format_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let cache = InventoryCache::new(dir.path(), None);
        std::fs::write(cache.path(), br#"{"format": 99, "inventory": {}}"#).unwrap();
        let err = cache.load().unwrap_err();
        assert!(matches!(err, CacheProblem::OtherFormat { found: 99, .. }));
        assert!(err.to_string().contains("will be rebuilt"));
    }

    #[test]
    fn a_cache_of_an_earlier_version_loads_and_is_replaced_on_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let cache = InventoryCache::new(dir.path(), None);
        let legacy = dir.path().join("inventory-default-chain.json");
        std::fs::write(&legacy, encode(&sample()).unwrap()).unwrap();
        assert_eq!(cache.load().unwrap(), Some(sample()));
        cache.store(&sample()).unwrap();
        assert!(!legacy.exists());
        assert!(inventory_codec::is_binary(
            &std::fs::read(cache.path()).unwrap()
        ));
        assert_eq!(cache.load().unwrap(), Some(sample()));
    }

    #[test]
    fn profile_names_are_sanitized() {
        let cache = InventoryCache::new(Path::new("/c"), Some("../evil/x"));
        assert_eq!(cache.path(), Path::new("/c/inventory-___evil_x.bin"));
    }
}
