//! Long-lived IAM access keys out of plaintext: in the OS keyring (macOS Keychain, Windows
//! Credential Manager, the Secret Service on Linux) or, where there is none, in a file
//! encrypted with a passphrase (XChaCha20-Poly1305, the key from scrypt). Never in
//! `~/.aws/credentials`, never in a plaintext fallback. What is stored where — names, the last
//! four characters of key ids, users' ARNs, ages — is in an index beside the caches, which
//! holds no secret, so `auth list` and the status bar never open the keyring.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use chacha20poly1305::aead::{Aead as _, KeyInit as _};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::private_file::write_private;
pub use crate::domain::credentials::{AccessKey, key_tail};

/// The keyring's service name for awsnav's entries.
const SERVICE: &str = "awsnav";

/// Where keys are kept (`[auth] keyring`).
#[derive(Clone, Debug)]
pub enum Backend {
    /// The platform's keyring.
    Os,
    /// An encrypted file, unlocked with a passphrase.
    File {
        path: PathBuf,
        passphrase: Passphrase,
    },
}

/// Where the file backend's passphrase comes from.
#[derive(Clone)]
pub enum Passphrase {
    /// Given (from `AWSNAV_FILE_PASSPHRASE`).
    Given(String),
    /// To be asked for; `None` when nobody can be asked.
    Ask(Option<fn(&str) -> Option<String>>),
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Given(_) => "Passphrase(<given>)",
            Self::Ask(_) => "Passphrase(<asked>)",
        })
    }
}

/// What `auth list` shows of a stored key: no secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    pub name: String,
    /// The key id's last four characters.
    pub key_tail: String,
    pub user_arn: String,
    /// When the key was made (IAM's date, or when it was stored when IAM did not say).
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    /// `keyring` or `file`.
    pub stored_in: String,
}

/// Why the key store could not do what was asked. Never holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    #[error(
        "no OS keyring is reachable ({0}). awsnav does not keep keys in plaintext: start your keyring (GNOME Keyring, KWallet, KeePassXC's Secret Service), or set [auth] keyring = \"file\" to keep them in a file encrypted with a passphrase"
    )]
    Unavailable(String),
    #[error("the OS keyring refused ({0}): unlock it and try again")]
    Refused(String),
    #[error("the key file {0} cannot be opened with this passphrase")]
    WrongPassphrase(PathBuf),
    #[error(
        "the key file {0} needs its passphrase: set AWSNAV_FILE_PASSPHRASE, or run on a terminal"
    )]
    NoPassphrase(PathBuf),
    #[error("the two passphrases differ; nothing was stored")]
    PassphrasesDiffer,
    #[error("the key file {path} is not an awsnav key file ({detail})")]
    BadFile { path: PathBuf, detail: String },
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The key store: the backend, and the index of what is in it.
#[derive(Clone, Debug)]
pub struct KeyStore {
    backend: Backend,
    index: PathBuf,
    /// The file backend's passphrase once asked for: asked once per run.
    asked: Arc<OnceLock<String>>,
}

#[derive(Default, Serialize, Deserialize)]
struct Index {
    keys: BTreeMap<String, KeyRecord>,
}

impl KeyStore {
    /// The store with `backend`, its index under `dir`.
    #[must_use]
    pub fn new(dir: &Path, backend: Backend) -> Self {
        Self {
            backend,
            index: dir.join("key-store.json"),
            asked: Arc::default(),
        }
    }

    /// What is stored, by name (from the index: the keyring is not opened).
    #[must_use]
    pub fn list(&self) -> Vec<KeyRecord> {
        self.read_index().keys.into_values().collect()
    }

    /// The record of `name`, if a key is stored under it.
    #[must_use]
    pub fn record(&self, name: &str) -> Option<KeyRecord> {
        self.read_index().keys.remove(name)
    }

    /// Stores `key` under `record.name` (replacing what was there).
    ///
    /// # Errors
    /// When the backend cannot be reached or refuses, or the index cannot be written.
    pub fn put(&self, key: &AccessKey, record: &KeyRecord) -> Result<(), KeyStoreError> {
        let secret = serde_json::to_string(key).unwrap_or_default();
        match &self.backend {
            Backend::Os => keyring_entry(&record.name)?
                .set_password(&secret)
                .map_err(keyring_error)?,
            Backend::File { path, passphrase } => {
                let (mut keys, pass) = self.open_file(path, passphrase)?;
                keys.insert(record.name.clone(), key.clone());
                seal_file(path, &keys, &pass)?;
            }
        }
        let mut index = self.read_index();
        index.keys.insert(
            record.name.clone(),
            KeyRecord {
                stored_in: self.backend_name().to_owned(),
                ..record.clone()
            },
        );
        self.write_index(&index)
    }

    /// The key stored under `name`; `None` when there is none.
    ///
    /// # Errors
    /// When the backend cannot be reached, refuses, or cannot be decrypted.
    pub fn get(&self, name: &str) -> Result<Option<AccessKey>, KeyStoreError> {
        match &self.backend {
            Backend::Os => match keyring_entry(name)?.get_password() {
                Ok(secret) => Ok(serde_json::from_str(&secret).ok()),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(keyring_error(e)),
            },
            Backend::File { path, passphrase } => {
                if !path.exists() {
                    return Ok(None);
                }
                Ok(self.open_file(path, passphrase)?.0.remove(name))
            }
        }
    }

    /// Removes the key stored under `name`; whether there was one.
    ///
    /// # Errors
    /// When the backend cannot be reached or refuses.
    pub fn remove(&self, name: &str) -> Result<bool, KeyStoreError> {
        let found = match &self.backend {
            Backend::Os => match keyring_entry(name)?.delete_credential() {
                Ok(()) => true,
                Err(keyring::Error::NoEntry) => false,
                Err(e) => return Err(keyring_error(e)),
            },
            Backend::File { path, passphrase } => {
                if path.exists() {
                    let (mut keys, pass) = self.open_file(path, passphrase)?;
                    let found = keys.remove(name).is_some();
                    seal_file(path, &keys, &pass)?;
                    found
                } else {
                    false
                }
            }
        };
        let mut index = self.read_index();
        let indexed = index.keys.remove(name).is_some();
        self.write_index(&index)?;
        Ok(found || indexed)
    }

    /// Opens the key file now (asking for its passphrase) when it holds keys: for the TUI,
    /// which cannot ask once it draws. Nothing to do for the OS keyring.
    ///
    /// # Errors
    /// When the passphrase is wrong or cannot be had, or the file is damaged.
    pub fn unlock(&self) -> Result<(), KeyStoreError> {
        match &self.backend {
            Backend::File { path, passphrase } if path.exists() && !self.list().is_empty() => {
                self.open_file(path, passphrase).map(|_| ())
            }
            _ => Ok(()),
        }
    }

    /// Whether keys can be stored: the OS keyring is reachable (the file backend always is;
    /// its passphrase is asked for when it is opened).
    ///
    /// # Errors
    /// [`KeyStoreError::Unavailable`] naming why, and the `"file"` option.
    pub fn ready(&self) -> Result<(), KeyStoreError> {
        match self.backend {
            Backend::Os => match keyring::Entry::store_status() {
                Ok(()) => Ok(()),
                Err(e) => Err(KeyStoreError::Unavailable(e.to_string())),
            },
            Backend::File { .. } => Ok(()),
        }
    }

    /// `keyring` or `file`.
    #[must_use]
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Os => "keyring",
            Backend::File { .. } => "file",
        }
    }

    fn open_file(
        &self,
        path: &Path,
        passphrase: &Passphrase,
    ) -> Result<(BTreeMap<String, AccessKey>, String), KeyStoreError> {
        let pass = match passphrase {
            Passphrase::Given(p) => p.clone(),
            Passphrase::Ask(_) if self.asked.get().is_some() => {
                self.asked.get().cloned().unwrap_or_default()
            }
            Passphrase::Ask(Some(ask)) => {
                let question = if path.exists() {
                    format!("Passphrase of {}: ", path.display())
                } else {
                    format!("New passphrase for {}: ", path.display())
                };
                let pass = ask(&question)
                    .filter(|p| !p.is_empty())
                    .ok_or_else(|| KeyStoreError::NoPassphrase(path.to_owned()))?;
                // A new file's passphrase is asked twice: a typo would lock its keys away.
                if !path.exists() && ask("Repeat the passphrase: ").as_deref() != Some(&pass) {
                    return Err(KeyStoreError::PassphrasesDiffer);
                }
                self.asked.get_or_init(|| pass).clone()
            }
            Passphrase::Ask(None) => return Err(KeyStoreError::NoPassphrase(path.to_owned())),
        };
        if !path.exists() {
            return Ok((BTreeMap::new(), pass));
        }
        let bytes = std::fs::read(path).map_err(|source| KeyStoreError::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok((open_sealed(path, &bytes, &pass)?, pass))
    }

    fn read_index(&self) -> Index {
        std::fs::read(&self.index)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    fn write_index(&self, index: &Index) -> Result<(), KeyStoreError> {
        let body = serde_json::to_vec_pretty(index).unwrap_or_default();
        write_private(&self.index, &body).map_err(|source| KeyStoreError::Io {
            path: self.index.clone(),
            source,
        })
    }
}

fn keyring_entry(name: &str) -> Result<keyring::Entry, KeyStoreError> {
    entry_of(SERVICE, name)
}

fn entry_of(service: &str, name: &str) -> Result<keyring::Entry, KeyStoreError> {
    keyring::Entry::new(service, name).map_err(|e| {
        // The entry only says there is no store; why is in the store's own start-up result.
        KeyStoreError::Unavailable(match keyring::Entry::store_status() {
            Err(why) => why.to_string(),
            Ok(()) => e.to_string(),
        })
    })
}

/// Keeps `secret` under `name` of `service` in the OS keyring (cached sessions).
///
/// # Errors
/// When the keyring cannot be reached or refuses.
pub(crate) fn set_secret(service: &str, name: &str, secret: &str) -> Result<(), KeyStoreError> {
    entry_of(service, name)?
        .set_password(secret)
        .map_err(keyring_error)
}

/// The secret under `name` of `service` in the OS keyring; `None` when there is none.
///
/// # Errors
/// When the keyring cannot be reached or refuses.
pub(crate) fn get_secret(service: &str, name: &str) -> Result<Option<String>, KeyStoreError> {
    match entry_of(service, name)?.get_password() {
        Ok(secret) => Ok(Some(secret)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(keyring_error(e)),
    }
}

/// Removes the secret under `name` of `service` from the OS keyring; none there is no error.
///
/// # Errors
/// When the keyring cannot be reached or refuses.
pub(crate) fn delete_secret(service: &str, name: &str) -> Result<(), KeyStoreError> {
    match entry_of(service, name)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(keyring_error(e)),
    }
}

fn keyring_error(e: keyring::Error) -> KeyStoreError {
    match e {
        keyring::Error::NoStorageAccess(detail) => KeyStoreError::Refused(detail.to_string()),
        keyring::Error::PlatformFailure(detail) => KeyStoreError::Unavailable(detail.to_string()),
        other => KeyStoreError::Refused(other.to_string()),
    }
}

/// The key file's first line: what it is and how it is sealed.
const MAGIC: &[u8] = b"awsnav-keys v1 scrypt xchacha20poly1305\n";
const SALT: usize = 16;
const NONCE: usize = 24;

/// The file's key from the passphrase (scrypt, 2^15 × 8: a tenth of a second here).
fn file_key(pass: &str, salt: &[u8]) -> Result<[u8; 32], KeyStoreError> {
    let params = scrypt::Params::new(15, 8, 1).map_err(|e| KeyStoreError::BadFile {
        path: PathBuf::new(),
        detail: e.to_string(),
    })?;
    let mut key = [0u8; 32];
    scrypt::scrypt(pass.as_bytes(), salt, &params, &mut key).map_err(|e| {
        KeyStoreError::BadFile {
            path: PathBuf::new(),
            detail: e.to_string(),
        }
    })?;
    Ok(key)
}

fn seal_file(
    path: &Path,
    keys: &BTreeMap<String, AccessKey>,
    pass: &str,
) -> Result<(), KeyStoreError> {
    let mut salt = [0u8; SALT];
    let mut nonce = [0u8; NONCE];
    getrandom::fill(&mut salt)
        .and_then(|()| getrandom::fill(&mut nonce))
        .map_err(|e| KeyStoreError::Io {
            path: path.to_owned(),
            source: std::io::Error::other(e.to_string()),
        })?;
    let key = file_key(pass, &salt)?;
    let plain = serde_json::to_vec(keys).unwrap_or_default();
    let sealed = XChaCha20Poly1305::new((&key).into())
        .encrypt(&XNonce::from(nonce), plain.as_slice())
        .map_err(|_| KeyStoreError::BadFile {
            path: path.to_owned(),
            detail: "encryption failed".into(),
        })?;
    let mut body = MAGIC.to_vec();
    body.extend_from_slice(&salt);
    body.extend_from_slice(&nonce);
    body.extend_from_slice(&sealed);
    write_private(path, &body).map_err(|source| KeyStoreError::Io {
        path: path.to_owned(),
        source,
    })
}

fn open_sealed(
    path: &Path,
    bytes: &[u8],
    pass: &str,
) -> Result<BTreeMap<String, AccessKey>, KeyStoreError> {
    let bad = |detail: &str| KeyStoreError::BadFile {
        path: path.to_owned(),
        detail: detail.to_owned(),
    };
    let rest = bytes
        .strip_prefix(MAGIC)
        .ok_or_else(|| bad("it does not start as one"))?;
    if rest.len() < SALT + NONCE + 16 {
        return Err(bad("it is cut short"));
    }
    let (salt, rest) = rest.split_at(SALT);
    let (nonce, sealed) = rest.split_at(NONCE);
    let key = file_key(pass, salt)?;
    let nonce = XNonce::try_from(nonce).map_err(|_| bad("its nonce is the wrong size"))?;
    let plain = XChaCha20Poly1305::new((&key).into())
        .decrypt(&nonce, sealed)
        .map_err(|_| KeyStoreError::WrongPassphrase(path.to_owned()))?;
    serde_json::from_slice(&plain).map_err(|_| bad("what it holds is not keys"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> AccessKey {
        AccessKey {
            access_key_id: format!("AKIAEXAMPLE000000{n:03}"),
            secret_access_key: format!("very-secret-{n}"),
        }
    }

    fn record(name: &str) -> KeyRecord {
        KeyRecord {
            name: name.into(),
            key_tail: "0001".into(),
            user_arn: "arn:aws:iam::111122223333:user/alice".into(),
            created: time::macros::datetime!(2026-11-01 00:00 UTC),
            stored_in: String::new(),
        }
    }

    #[test]
    fn the_file_backend_seals_keys_and_knows_its_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.enc");
        let store = |pass: &str| {
            KeyStore::new(
                dir.path(),
                Backend::File {
                    path: path.clone(),
                    passphrase: Passphrase::Given(pass.into()),
                },
            )
        };
        let good = store("correct horse");
        good.put(&key(1), &record("alice")).unwrap();
        good.put(&key(2), &record("bob")).unwrap();
        assert_eq!(good.get("alice").unwrap(), Some(key(1)));
        assert_eq!(good.get("carol").unwrap(), None);
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("very-secret") && !text.contains("AKIAEXAMPLE"));
        assert!(matches!(
            store("wrong").get("alice"),
            Err(KeyStoreError::WrongPassphrase(_))
        ));
        let names: Vec<String> = good.list().into_iter().map(|r| r.name).collect();
        assert_eq!(names, ["alice", "bob"]);
        assert_eq!(good.list()[0].stored_in, "file");
        assert!(good.remove("alice").unwrap());
        assert_eq!(good.get("alice").unwrap(), None);
        assert_eq!(good.get("bob").unwrap(), Some(key(2)));
        let index = std::fs::read_to_string(dir.path().join("key-store.json")).unwrap();
        assert!(!index.contains("very-secret"), "{index}");
        std::fs::write(&path, b"not a key file").unwrap();
        assert!(matches!(
            good.get("bob"),
            Err(KeyStoreError::BadFile { .. })
        ));
        let asked = KeyStore::new(
            dir.path(),
            Backend::File {
                path: path.clone(),
                passphrase: Passphrase::Ask(None),
            },
        );
        assert!(matches!(
            asked.get("bob"),
            Err(KeyStoreError::NoPassphrase(_))
        ));
    }

    #[test]
    fn debug_and_tails_show_no_key() {
        assert_eq!(format!("{:?}", key(7)), "AccessKey(…0007)");
        assert_eq!(key_tail("AKIAIOSFODNN7EXAMPLE"), "MPLE");
    }
}
