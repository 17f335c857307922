//! The user's preferences, kept between runs: last roles, favourites, recent accounts, regions.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::private_file::write_private;

/// What the user chose before, per account: the last role (preselected next time), favourites,
/// recent accounts and the region for sessions. One small JSON file, `last-roles.json`.
#[derive(Clone, Debug)]
pub struct Prefs {
    path: PathBuf,
}

#[derive(Default, Serialize, Deserialize)]
struct PrefsFile {
    roles: BTreeMap<String, String>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    updated: Option<OffsetDateTime>,
    /// Account ids got into, most recent first.
    #[serde(default)]
    recent: Vec<String>,
    /// Account ids marked as favourites.
    #[serde(default)]
    favourites: Vec<String>,
    /// Account id → the region chosen for sessions there.
    #[serde(default)]
    regions: BTreeMap<String, String>,
    /// Identity ARN → the MFA device chosen for it (when it has several).
    #[serde(default)]
    mfa_devices: BTreeMap<String, String>,
}

/// How many accounts the recent list keeps.
pub const RECENT_KEPT: usize = 20;

impl Prefs {
    #[must_use]
    pub fn new(cache_dir: &std::path::Path) -> Self {
        Self {
            path: cache_dir.join("last-roles.json"),
        }
    }

    /// Account id → role name; empty when the file is missing or unreadable.
    #[must_use]
    pub fn load(&self) -> BTreeMap<String, String> {
        self.read().roles
    }

    fn read(&self) -> PrefsFile {
        std::fs::read(&self.path)
            .ok()
            .and_then(|b| serde_json::from_slice::<PrefsFile>(&b).ok())
            .unwrap_or_default()
    }

    fn save(&self, mut file: PrefsFile) {
        file.updated = Some(OffsetDateTime::now_utc());
        let result = serde_json::to_vec(&file)
            .map_err(std::io::Error::other)
            .and_then(|body| write_private(&self.path, &body));
        if let Err(e) = result {
            tracing::warn!(error = %e, "cannot remember roles, recent accounts and favourites");
        }
    }

    /// Account ids got into, most recent first.
    #[must_use]
    pub fn recent(&self) -> Vec<String> {
        self.read().recent
    }

    /// Account ids marked as favourites.
    #[must_use]
    pub fn favourites(&self) -> Vec<String> {
        self.read().favourites
    }

    /// Records `role` as the last used in `account`, and `account` as the most recent;
    /// failures are logged, never fatal.
    pub fn remember(&self, account: &str, role: &str) {
        let mut file = self.read();
        // Getting in again as before changes nothing: no write (and no wait for the disk)
        // on the path taken most often.
        if file.roles.get(account).is_some_and(|r| r == role)
            && file.recent.first().is_some_and(|a| a == account)
        {
            return;
        }
        file.roles.insert(account.to_owned(), role.to_owned());
        file.recent.retain(|a| a != account);
        file.recent.insert(0, account.to_owned());
        file.recent.truncate(RECENT_KEPT);
        self.save(file);
    }

    /// Account id → the region chosen for sessions there.
    #[must_use]
    pub fn regions(&self) -> BTreeMap<String, String> {
        self.read().regions
    }

    /// Remembers `region` for sessions in `account`; `None` forgets it.
    pub fn set_region(&self, account: &str, region: Option<&str>) {
        let mut file = self.read();
        match region {
            Some(r) => {
                file.regions.insert(account.to_owned(), r.to_owned());
            }
            None => {
                file.regions.remove(account);
            }
        }
        self.save(file);
    }

    /// The MFA device chosen before for `identity`.
    #[must_use]
    pub fn mfa_device(&self, identity: &str) -> Option<String> {
        self.read().mfa_devices.remove(identity)
    }

    /// Remembers `serial` as the MFA device of `identity`.
    pub fn set_mfa_device(&self, identity: &str, serial: &str) {
        let mut file = self.read();
        file.mfa_devices
            .insert(identity.to_owned(), serial.to_owned());
        self.save(file);
    }

    /// Marks or unmarks `account` as a favourite.
    pub fn set_favourite(&self, account: &str, on: bool) {
        let mut file = self.read();
        file.favourites.retain(|a| a != account);
        if on {
            file.favourites.push(account.to_owned());
        }
        self.save(file);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_account_and_role_again_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let prefs = Prefs::new(dir.path());
        prefs.remember("111122223333", "Admin");
        let written = std::fs::read(&prefs.path).unwrap();
        // A mark only this test writes (JSON allows a space after the value) shows whether
        // the file is written again.
        std::fs::write(&prefs.path, [&written[..], b" "].concat()).unwrap();
        let marked = std::fs::read(&prefs.path).unwrap();
        prefs.remember("111122223333", "Admin");
        assert_eq!(
            std::fs::read(&prefs.path).unwrap(),
            marked,
            "not written again"
        );
        prefs.remember("111122223333", "ReadOnly");
        assert_ne!(
            std::fs::read(&prefs.path).unwrap(),
            marked,
            "another role is"
        );
        let marked = std::fs::read(&prefs.path).unwrap();
        prefs.remember("444455556666", "ReadOnly");
        prefs.remember("111122223333", "ReadOnly");
        assert_ne!(
            std::fs::read(&prefs.path).unwrap(),
            marked,
            "the account is the most recent again"
        );
        assert_eq!(prefs.recent(), ["111122223333", "444455556666"]);
    }

    #[test]
    fn last_roles_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let last = Prefs::new(dir.path());
        assert!(last.load().is_empty());
        last.remember("111122223333", "Admin");
        last.remember("444455556666", "ReadOnly");
        last.remember("111122223333", "Operator");
        let roles = last.load();
        assert_eq!(roles["111122223333"], "Operator");
        assert_eq!(roles.len(), 2);
        assert_eq!(last.recent(), ["111122223333", "444455556666"]);
        last.set_favourite("444455556666", true);
        last.set_favourite("777788889999", true);
        last.set_favourite("777788889999", false);
        assert_eq!(last.favourites(), ["444455556666"]);
        last.set_region("444455556666", Some("eu-north-1"));
        last.set_region("111122223333", Some("ap-south-1"));
        last.set_region("111122223333", None);
        assert_eq!(
            last.regions().into_iter().collect::<Vec<_>>(),
            [("444455556666".to_owned(), "eu-north-1".to_owned())]
        );
        assert_eq!(last.load()["111122223333"], "Operator", "roles kept");
        for n in 0..30 {
            last.remember(&format!("{n:012}"), "R");
        }
        assert_eq!(last.recent().len(), RECENT_KEPT);
        assert_eq!(last.recent()[0], format!("{:012}", 29));
        std::fs::write(dir.path().join("last-roles.json"), b"garbage").unwrap();
        assert!(last.load().is_empty());
        assert!(last.recent().is_empty() && last.favourites().is_empty());
    }
}
