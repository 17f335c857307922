//! The roles IAM Identity Center gave in each account, and when each was read: one file per
//! profile beside the inventory, written atomically. A refresh lists only the accounts; an
//! account's roles are read when first needed and kept here with their time, so a TTL can
//! say when to read them again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::private_file::{file_key, write_private};

const FORMAT: u32 = 1;

/// Entries older than this are dropped when the file is written (accounts that left the
/// portal, or were never looked at again).
const FORGET_AFTER: time::Duration = time::Duration::days(30);

/// The roles of one account, and when the portal said so.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownRoles {
    pub roles: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub read_at: OffsetDateTime,
}

/// What the file holds: the portal (start URL) the roles are from, and account id → roles.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleTable {
    #[serde(default)]
    pub start_url: String,
    #[serde(default)]
    pub accounts: BTreeMap<String, KnownRoles>,
}

#[derive(Deserialize)]
struct Envelope {
    format: u32,
    table: RoleTable,
}

#[derive(Serialize)]
struct EnvelopeRef<'a> {
    format: u32,
    table: &'a RoleTable,
}

/// The Identity Center role cache of one profile.
#[derive(Clone, Debug)]
pub struct SsoRoleCache {
    path: PathBuf,
}

impl SsoRoleCache {
    #[must_use]
    pub fn new(cache_dir: &Path, profile: Option<&str>) -> Self {
        let key = file_key(profile.unwrap_or("default-chain"));
        Self {
            path: cache_dir.join(format!("sso-roles-{key}.json")),
        }
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What is cached, whatever its age; a missing, corrupt or foreign file is an empty table
    /// (the roles are read again, nothing else is lost).
    #[must_use]
    pub fn load(&self) -> RoleTable {
        let Ok(bytes) = std::fs::read(&self.path) else {
            return RoleTable::default();
        };
        match serde_json::from_slice::<Envelope>(&bytes) {
            Ok(env) if env.format == FORMAT => env.table,
            Ok(env) => {
                tracing::warn!(format = env.format, path = %self.path.display(), "Identity Center role cache of another format: not used");
                RoleTable::default()
            }
            Err(e) => {
                tracing::warn!(error = %e, path = %self.path.display(), "Identity Center role cache unreadable: not used");
                RoleTable::default()
            }
        }
    }

    /// Adds `read` (roles of `start_url`'s portal) to what is cached and writes it atomically:
    /// a table of another portal is replaced, entries read more than 30 days before `now`
    /// are dropped. Another process writing at the same time may lose its entries to this
    /// one; they are read again when next needed.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn add(
        &self,
        start_url: &str,
        read: impl IntoIterator<Item = (String, KnownRoles)>,
        now: OffsetDateTime,
    ) -> std::io::Result<RoleTable> {
        let mut table = self.load();
        if table.start_url != start_url {
            table = RoleTable {
                start_url: start_url.to_owned(),
                accounts: BTreeMap::new(),
            };
        }
        table.accounts.extend(read);
        table
            .accounts
            .retain(|_, known| now - known.read_at < FORGET_AFTER);
        let body = serde_json::to_vec(&EnvelopeRef {
            format: FORMAT,
            table: &table,
        })
        .map_err(std::io::Error::other)?;
        write_private(&self.path, &body)?;
        Ok(table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(unix)]
    use std::os::unix::fs::PermissionsExt as _;
    use time::macros::datetime;

    fn known(roles: &[&str], read_at: OffsetDateTime) -> KnownRoles {
        KnownRoles {
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            read_at,
        }
    }

    #[test]
    fn entries_add_up_per_portal_and_old_ones_are_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let cache = SsoRoleCache::new(dir.path(), Some("corp"));
        assert_eq!(cache.load(), RoleTable::default(), "no file: nothing known");
        let now = datetime!(2026-11-30 10:00 UTC);
        let url = "https://corp.awsapps.com/start";
        cache
            .add(url, [("111".into(), known(&["Admin"], now))], now)
            .unwrap();
        cache
            .add(
                url,
                [
                    ("222".into(), known(&["ReadOnly"], now)),
                    (
                        "333".into(),
                        known(&["Old"], now - time::Duration::days(31)),
                    ),
                ],
                now,
            )
            .unwrap();
        let table = cache.load();
        assert_eq!(table.start_url, url);
        assert_eq!(
            table.accounts.keys().collect::<Vec<_>>(),
            ["111", "222"],
            "both writes kept, the month-old entry dropped"
        );
        #[cfg(unix)]
        {
            let mode = std::fs::metadata(cache.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        // Another portal: what the first one said no longer applies.
        cache
            .add(
                "https://other.awsapps.com/start",
                [("444".into(), known(&["X"], now))],
                now,
            )
            .unwrap();
        assert_eq!(cache.load().accounts.keys().collect::<Vec<_>>(), ["444"]);
    }

    #[test]
    fn a_corrupt_file_is_an_empty_table_and_the_next_write_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let cache = SsoRoleCache::new(dir.path(), None);
        std::fs::write(cache.path(), b"{\"format\":1,\"table\":{\"accounts\":").unwrap();
        assert_eq!(cache.load(), RoleTable::default());
        std::fs::write(cache.path(), b"{\"format\":9,\"table\":{}}").unwrap();
        assert_eq!(cache.load(), RoleTable::default(), "another format");
        let now = datetime!(2026-11-30 10:00 UTC);
        cache
            .add("u", [("111".into(), known(&["Admin"], now))], now)
            .unwrap();
        assert_eq!(cache.load().accounts["111"].roles, ["Admin"]);
    }
}
