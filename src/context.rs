//! Everything a command needs, built once from the command line and the config file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::access::Access;
use crate::aws::{AwsSettings, ErrorContext};
use crate::config::{Config, Paths};
use crate::cost_cache::{CostCache, CostReader};
use crate::creds::CredentialCache;
use crate::files::write_private;
use crate::inventory::{Inventory, InventoryCache};
use crate::model::OrgTree;
use crate::roles::{self, RoleCatalog, RoleOption};
use crate::safety::Classifier;
use crate::selector::AccountView;
use crate::sync::SyncRequest;

/// Settings from the command line that override the config file.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub profile: Option<String>,
    pub region: Option<String>,
    /// `AWSNAV_FEDERATION_URL`.
    pub federation_url: Option<String>,
    /// `$BROWSER`.
    pub browser: Option<String>,
}

/// Config, paths and the services built from them.
#[derive(Clone, Debug)]
pub struct Context {
    pub paths: Paths,
    pub config: Config,
    pub region_override: Option<String>,
    pub sync: SyncRequest,
    pub inventory_cache: InventoryCache,
    pub access: Access,
    pub catalog: RoleCatalog,
    pub classifier: Classifier,
    pub last_roles: LastRoles,
    pub cost: CostReader,
    /// `AWSNAV_FEDERATION_URL`, read once.
    pub federation_url_env: Option<String>,
    /// `$BROWSER`, read once.
    pub browser_env: Option<String>,
}

impl Context {
    /// Builds the context; imported profile roles are read from the AWS config files.
    pub async fn new(paths: Paths, config: Config, overrides: Overrides) -> Self {
        let org_profile = overrides
            .profile
            .clone()
            .or_else(|| config.org.profile.clone());
        let ctx = ErrorContext {
            profile: org_profile.clone(),
            config_file: paths.config_file.display().to_string(),
        };
        let sync = SyncRequest {
            settings: AwsSettings {
                profile: org_profile.clone(),
                region: overrides
                    .region
                    .clone()
                    .or_else(|| config.org.region.clone()),
                network: config.network,
            },
            concurrency: config.org.concurrency,
            ctx: ctx.clone(),
            sso: config.sso.clone(),
        };
        let profile_roles = if config.roles.import_profiles {
            roles::load_profile_roles().await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "AWS config files unreadable; no profile roles imported");
                Vec::new()
            })
        } else {
            Vec::new()
        };
        let access = Access {
            auth: config.auth.clone(),
            base_profile: config.auth.profile.clone().or(org_profile.clone()),
            region: sync.settings.region.clone(),
            network: config.network,
            ctx,
            cache: CredentialCache::new(&paths.cache_dir),
            sso: config.sso.clone(),
            org_profile: org_profile.clone(),
        };
        let cost_profile = config.cost.profile.clone().or_else(|| org_profile.clone());
        let cost = CostReader {
            config: config.cost.clone(),
            cache: CostCache::new(&paths.cache_dir, cost_profile.as_deref()),
            ctx: ErrorContext {
                profile: cost_profile.clone(),
                config_file: paths.config_file.display().to_string(),
            },
            profile: cost_profile,
            network: config.network,
        };
        Self {
            cost,
            inventory_cache: InventoryCache::new(&paths.cache_dir, org_profile.as_deref()),
            catalog: RoleCatalog::new(&config.roles, profile_roles)
                .with_iam_profile(config.auth.profile.is_some())
                .with_sso(config.sso.enabled),
            classifier: Classifier::new(&config.production),
            last_roles: LastRoles::new(&paths.cache_dir),
            region_override: overrides.region,
            federation_url_env: overrides.federation_url,
            browser_env: overrides.browser,
            access,
            sync,
            paths,
            config,
        }
    }

    /// The roles offered in account `i` (see [`RoleCatalog::offered`]).
    #[must_use]
    pub fn roles(&self, inv: &Inventory, tree: &OrgTree, i: usize) -> Vec<RoleOption> {
        self.catalog.offered(inv, tree, i)
    }

    #[must_use]
    pub fn is_production(&self, inv: &Inventory, tree: &OrgTree, i: usize) -> bool {
        self.classifier.is_production(&view(inv, tree, i))
    }

    /// The region a session in `account_id` runs in: `--region`, the region chosen for that
    /// account in the TUI, the role profile's region, `[org] region`, the base profile's
    /// region, else us-east-1.
    pub async fn session_region(&self, account_id: &str, role: &RoleOption) -> String {
        if let Some(r) = self
            .region_override
            .clone()
            .or_else(|| self.last_roles.regions().remove(account_id))
            .or_else(|| role.profile.as_ref().and_then(|p| p.region.clone()))
            .or_else(|| self.config.org.region.clone())
        {
            return r;
        }
        let mut chain = aws_config::default_provider::region::DefaultRegionChain::builder();
        if let Some(p) = self.access.base_profile_for(role) {
            chain = chain.profile_name(&p);
        }
        chain
            .build()
            .region()
            .await
            .map_or_else(|| "us-east-1".to_owned(), |r| r.to_string())
    }
}

/// The view of account `i` that rules match against.
#[must_use]
pub fn view<'a>(inv: &'a Inventory, tree: &'a OrgTree, i: usize) -> AccountView<'a> {
    let a = &inv.org.accounts[i];
    AccountView {
        id: a.id.as_str(),
        name: &a.name,
        path: tree.account_path(i),
        tags: &a.tags,
    }
}

/// The role last used per account, so it can be preselected next time.
#[derive(Clone, Debug)]
pub struct LastRoles {
    path: PathBuf,
}

#[derive(Default, Serialize, Deserialize)]
struct LastRolesFile {
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
}

/// How many accounts the recent list keeps.
pub const RECENT_KEPT: usize = 20;

impl LastRoles {
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

    fn read(&self) -> LastRolesFile {
        std::fs::read(&self.path)
            .ok()
            .and_then(|b| serde_json::from_slice::<LastRolesFile>(&b).ok())
            .unwrap_or_default()
    }

    fn save(&self, mut file: LastRolesFile) {
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
    fn last_roles_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let last = LastRoles::new(dir.path());
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
