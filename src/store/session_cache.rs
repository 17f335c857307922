//! The session cache: MFA sessions and assumed roles, one 0600 file each in a 0700 directory;
//! with `[auth] sessions = "keyring"`, their secret parts in the OS keyring and only what is
//! not secret (whose, which role, until when) in the files.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::private_file::{file_key, write_private};
use crate::domain::credentials::{Credentials, MfaSession, RoleSession};

const FORMAT: u32 = 1;

/// A held cross-process lock on one credential (an `flock` on a file beside it): while it is
/// held, other awsnav processes that want the same credential wait, then read what this one
/// cached, so however many ask at once there is one MFA prompt and one request. The operating
/// system releases it when the holder ends, however it ends.
#[derive(Debug)]
pub struct SessionLock {
    _file: std::fs::File,
}

impl SessionLock {
    async fn take(path: &Path, wait: Duration, waiting: impl FnOnce()) -> std::io::Result<Self> {
        super::private_file::create_private_dir(path.parent().unwrap_or(Path::new(".")))?;
        let mut options = std::fs::OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let file = options.open(path)?;
        let deadline = std::time::Instant::now() + wait;
        let mut waiting = Some(waiting);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Self { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) => {}
                Err(std::fs::TryLockError::Error(e)) => return Err(e),
            }
            if std::time::Instant::now() >= deadline {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "another awsnav has been signing in for over {} s (lock {})",
                        wait.as_secs(),
                        path.display()
                    ),
                ));
            }
            if let Some(tell) = waiting.take() {
                tell();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    format: u32,
    entry: T,
    /// The entry's credentials are in the OS keyring, under the file's name.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    keyring: bool,
}

/// A cached session: something that holds credentials.
trait Session: Serialize + for<'de> Deserialize<'de> + Clone {
    fn credentials_mut(&mut self) -> &mut Credentials;
}

impl Session for MfaSession {
    fn credentials_mut(&mut self) -> &mut Credentials {
        &mut self.credentials
    }
}

impl Session for RoleSession {
    fn credentials_mut(&mut self) -> &mut Credentials {
        &mut self.credentials
    }
}

/// The credential cache directory (0700) with one file (0600) per entry.
#[derive(Clone, Debug)]
pub struct CredentialCache {
    dir: PathBuf,
    /// Secret parts in the OS keyring (`[auth] sessions = "keyring"`).
    in_keyring: bool,
}

impl CredentialCache {
    #[must_use]
    pub fn new(cache_dir: &Path) -> Self {
        Self {
            dir: cache_dir.join("credentials"),
            in_keyring: false,
        }
    }

    /// The cache with sessions' secret parts in the OS keyring (`true`) or in the files.
    #[must_use]
    pub fn with_keyring(self, in_keyring: bool) -> Self {
        Self { in_keyring, ..self }
    }

    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn role_path(&self, base: &str, account: &str, role: &str) -> PathBuf {
        self.dir.join(format!(
            "role-{}-{account}-{}.json",
            file_key(base),
            file_key(role)
        ))
    }

    fn mfa_path(&self, base: &str) -> PathBuf {
        self.dir.join(format!("mfa-{}.json", file_key(base)))
    }

    /// Takes the cross-process lock of the role session `base`/`account`/`role`, waiting up to
    /// `wait` for another process that holds it (see [`SessionLock`]).
    ///
    /// # Errors
    /// When the lock file cannot be made, or another process held it all that time.
    pub async fn lock_role(
        &self,
        base: &str,
        account: &str,
        role: &str,
        wait: Duration,
        waiting: impl FnOnce(),
    ) -> std::io::Result<SessionLock> {
        let name = format!("role-{}-{account}-{}.lock", file_key(base), file_key(role));
        SessionLock::take(&self.locks().join(name), wait, waiting).await
    }

    /// Lock files live beside the sessions, not among them.
    fn locks(&self) -> PathBuf {
        self.dir
            .parent()
            .map_or_else(|| self.dir.join("locks"), |p| p.join("locks"))
    }

    /// Takes the cross-process lock of the MFA session of `base` (see [`SessionLock`]).
    ///
    /// # Errors
    /// As [`CredentialCache::lock_role`].
    pub async fn lock_mfa(
        &self,
        base: &str,
        wait: Duration,
        waiting: impl FnOnce(),
    ) -> std::io::Result<SessionLock> {
        let name = format!("mfa-{}.lock", file_key(base));
        SessionLock::take(&self.locks().join(name), wait, waiting).await
    }

    /// A role session for `base` identity, if cached and fresh at `now`.
    #[must_use]
    pub fn role(
        &self,
        base: &str,
        account: &str,
        role: &str,
        now: OffsetDateTime,
    ) -> Option<RoleSession> {
        let s: RoleSession = read(&self.role_path(base, account, role), true)?;
        s.credentials.fresh_at(now).then_some(s)
    }

    /// Stores a role session.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn store_role(&self, base: &str, session: &RoleSession) -> std::io::Result<()> {
        self.write(
            &self.role_path(base, &session.account_id, &session.role),
            session,
        )
    }

    /// The MFA session for `base`, if cached and fresh at `now`.
    #[must_use]
    pub fn mfa(&self, base: &str, now: OffsetDateTime) -> Option<MfaSession> {
        let s: MfaSession = read(&self.mfa_path(base), true)?;
        s.credentials.fresh_at(now).then_some(s)
    }

    /// Stores an MFA session.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn store_mfa(&self, base: &str, session: &MfaSession) -> std::io::Result<()> {
        self.write(&self.mfa_path(base), session)
    }

    /// Writes atomically with mode 0600 in a 0700 directory; in keyring mode, the credentials
    /// go to the keyring first and the file keeps the rest.
    fn write<T: Session>(&self, path: &Path, entry: &T) -> std::io::Result<()> {
        let mut entry = entry.clone();
        if self.in_keyring {
            let creds = entry.credentials_mut();
            let secret = serde_json::to_string(&*creds).map_err(std::io::Error::other)?;
            super::key_store::set_secret(SESSIONS, &entry_name(path), &secret)
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            creds.access_key_id.clear();
            creds.secret_access_key.clear();
            creds.session_token = None;
        }
        let body = serde_json::to_vec(&Envelope {
            format: FORMAT,
            entry,
            keyring: self.in_keyring,
        })
        .map_err(std::io::Error::other)?;
        write_private(path, &body)
    }

    /// Every fresh role session's expiry (for "43 min left" displays): (account, role, expiry).
    #[must_use]
    pub fn role_expiries(
        &self,
        base: &str,
        now: OffsetDateTime,
    ) -> Vec<(String, String, OffsetDateTime)> {
        let prefix = format!("role-{}-", file_key(base));
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
            .filter_map(|e| read::<RoleSession>(&e.path(), false))
            .filter(|s| s.credentials.fresh_at(now))
            .filter_map(|s| Some((s.account_id, s.role, s.credentials.expiration?)))
            .collect()
    }
}

impl CredentialCache {
    /// Forgets every role session of the identity `base` (a sign-out): the files, and their
    /// secrets in the keyring. Returns how many there were.
    ///
    /// # Errors
    /// When a file cannot be removed.
    pub fn forget_roles(&self, base: &str) -> std::io::Result<usize> {
        let prefix = format!("role-{}-", file_key(base));
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Ok(0);
        };
        let mut removed = 0;
        for e in entries.filter_map(Result::ok) {
            let name = e.file_name().to_string_lossy().into_owned();
            let is_json = std::path::Path::new(&name)
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("json"));
            if !name.starts_with(&prefix) || !is_json {
                continue;
            }
            std::fs::remove_file(e.path())?;
            if self.in_keyring {
                let _ = super::key_store::delete_secret(SESSIONS, &entry_name(&e.path()));
            }
            removed += 1;
        }
        Ok(removed)
    }
}

/// The keyring's service name for cached sessions.
const SESSIONS: &str = "awsnav-sessions";

/// A session's name in the keyring: its file's name.
fn entry_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads an entry (its credentials from the keyring when they are there and `secrets`); a
/// missing, corrupt or other-format file, or a keyring that cannot give them, is simply not a
/// cache hit.
fn read<T: Session>(path: &Path, secrets: bool) -> Option<T> {
    let bytes = std::fs::read(path).ok()?;
    match serde_json::from_slice::<Envelope<T>>(&bytes) {
        Ok(env) if env.format == FORMAT => {
            let mut entry = env.entry;
            if env.keyring && secrets {
                let fresh = entry.credentials_mut().fresh_at(OffsetDateTime::now_utc());
                // An expired entry is not worth a trip to the keyring.
                if !fresh {
                    return None;
                }
                match super::key_store::get_secret(SESSIONS, &entry_name(path)) {
                    Ok(Some(secret)) => {
                        *entry.credentials_mut() = serde_json::from_str(&secret).ok()?;
                    }
                    Ok(None) => return None,
                    Err(e) => {
                        tracing::warn!(error = %e, "cached session not read from the keyring");
                        return None;
                    }
                }
            }
            Some(entry)
        }
        Ok(_) => {
            tracing::warn!(path = %path.display(), "credential cache entry of another format ignored");
            None
        }
        Err(e) => {
            // The error names a position, never the content.
            tracing::warn!(path = %path.display(), line = e.line(), "corrupt credential cache entry ignored");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::credentials::fixture::{NOW, creds, session};

    #[test]
    fn a_sign_out_forgets_that_identitys_role_sessions_only() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CredentialCache::new(dir.path());
        cache.store_role("saml-okta", &session(60)).unwrap();
        cache.store_role("saml-entra", &session(60)).unwrap();
        assert_eq!(cache.forget_roles("saml-okta").unwrap(), 1);
        assert!(
            cache
                .role("saml-okta", "111122223333", "Admin", NOW)
                .is_none()
        );
        assert!(
            cache
                .role("saml-entra", "111122223333", "Admin", NOW)
                .is_some()
        );
        assert_eq!(cache.forget_roles("saml-okta").unwrap(), 0);
    }

    #[test]
    fn role_sessions_round_trip_until_the_margin() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CredentialCache::new(dir.path());
        assert!(cache.role("me", "111122223333", "Admin", NOW).is_none());
        cache.store_role("me", &session(60)).unwrap();
        assert_eq!(
            cache.role("me", "111122223333", "Admin", NOW),
            Some(session(60))
        );
        assert!(
            cache.role("other", "111122223333", "Admin", NOW).is_none(),
            "per base identity"
        );
        let later = NOW + time::Duration::minutes(56);
        assert!(
            cache.role("me", "111122223333", "Admin", later).is_none(),
            "5 min margin"
        );
        assert_eq!(cache.role_expiries("me", NOW).len(), 1);
        assert!(cache.role_expiries("me", later).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn files_are_0600_in_a_0700_dir() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let cache = CredentialCache::new(dir.path());
        cache
            .store_mfa(
                "me",
                &MfaSession {
                    credentials: creds(600),
                    serial: "arn:aws:iam::000000000000:mfa/me".into(),
                    identity_arn: "arn:aws:iam::000000000000:user/me".into(),
                },
            )
            .unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(cache.dir()), 0o700);
        for e in std::fs::read_dir(cache.dir()).unwrap() {
            assert_eq!(mode(&e.unwrap().path()), 0o600);
        }
        assert!(cache.mfa("me", NOW).is_some());
    }

    #[test]
    fn corrupt_entries_are_misses() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CredentialCache::new(dir.path());
        cache.store_role("me", &session(60)).unwrap();
        let path = cache.role_path("me", "111122223333", "Admin");
        let good = std::fs::read(&path).unwrap();
        std::fs::write(&path, &good[..good.len() / 2]).unwrap();
        assert!(cache.role("me", "111122223333", "Admin", NOW).is_none());
        std::fs::write(&path, br#"{"format": 7, "entry": {}}"#).unwrap();
        assert!(cache.role("me", "111122223333", "Admin", NOW).is_none());
    }

    #[test]
    fn names_cannot_escape_the_directory() {
        let cache = CredentialCache::new(Path::new("/c"));
        let p = cache.role_path("../x", "111122223333", "a/../../b");
        assert_eq!(p.parent().unwrap(), Path::new("/c/credentials"));
    }
}
