//! Everything a command needs, built once from the command line and the config file.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::app::access::Access;
use crate::app::cost_reader::CostReader;
use crate::app::shared_inventory::SharedSource;
use crate::app::sync::SyncRequest;
use crate::aws::config_files::AwsConfigFiles;
use crate::aws::{AwsSettings, ErrorContext};
use crate::config::{Config, KeyringBackend, Paths};
use crate::domain::inventory::Inventory;
use crate::domain::model::OrgTree;
use crate::domain::roles::{ProfileRole, ProfileRoles, RoleCatalog, RoleOption};
use crate::domain::safety::Classifier;
use crate::domain::selector::AccountView;
use crate::store::cost_cache::CostCache;
use crate::store::inventory_cache::{CacheProblem, InventoryCache};
use crate::store::key_store::{Backend, KeyStore, Passphrase};
use crate::store::prefs::Prefs;
use crate::store::session_cache::CredentialCache;
use crate::store::sso_role_cache::SsoRoleCache;

/// Settings from the command line that override the config file.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub profile: Option<String>,
    pub region: Option<String>,
    /// `AWSNAV_FEDERATION_URL`.
    pub federation_url: Option<String>,
    /// `$BROWSER`.
    pub browser: Option<String>,
    /// `AWSNAV_FILE_PASSPHRASE`: the key file's passphrase.
    pub file_passphrase: Option<String>,
    /// Asks for a secret without echo (`None`: nobody to ask).
    pub ask_secret: Option<fn(&str) -> Option<String>>,
}

/// What a run builds once: config, paths, and the services built from them.
#[derive(Clone, Debug)]
pub struct AppContext {
    pub paths: Paths,
    pub config: Config,
    pub region_override: Option<String>,
    pub sync: SyncRequest,
    pub inventory_cache: InventoryCache,
    /// The roles IAM Identity Center gave per account (`app::sso_roles`).
    pub sso_role_cache: SsoRoleCache,
    pub access: Access,
    pub catalog: RoleCatalog,
    pub classifier: Classifier,
    pub prefs: Prefs,
    pub cost: CostReader,
    /// `AWSNAV_FEDERATION_URL`, read once.
    pub federation_url_env: Option<String>,
    /// `$BROWSER`, read once.
    pub browser_env: Option<String>,
    /// `[org] source`: a shared inventory read instead of Organizations.
    pub shared: Option<SharedSource>,
    /// `--profile` as given on the command line (unlike `[org] profile`).
    pub profile_flag: Option<String>,
    /// How shell prompt marks look (the theme's, set by the caller that knows the theme).
    pub mark_styles: crate::app::shell_prompt::MarkStyles,
    /// Where the organization comes from: AWS, or the embedded demo organization.
    pub source: Source,
    /// With several `[[org]]`: each organization's name and the context that reads it and
    /// gets into its accounts (its identity, caches and cost). Empty with one organization.
    pub orgs: Vec<(String, Arc<AppContext>)>,
}

/// Where the organization comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Source {
    /// AWS and awsnav's caches of it.
    #[default]
    Aws,
    /// The embedded demo organization (`--demo`): nothing is sent to AWS, nothing real is
    /// entered.
    Demo,
}

/// The key store `[auth] keyring` names; its index (and the key file) beside the config file.
fn key_store(paths: &Paths, config: &Config, overrides: &Overrides) -> KeyStore {
    let dir = paths.config_file.parent().map_or_else(
        || std::path::PathBuf::from("."),
        std::path::Path::to_path_buf,
    );
    let backend = match config.auth.keyring {
        KeyringBackend::Auto => Backend::Os,
        KeyringBackend::File => Backend::File {
            path: config
                .auth
                .key_file
                .as_deref()
                .map_or_else(|| dir.join("keys.enc"), crate::config::paths::expand_home),
            passphrase: overrides
                .file_passphrase
                .clone()
                .map_or(Passphrase::Ask(overrides.ask_secret), Passphrase::Given),
        },
    };
    KeyStore::new(&dir, backend)
}

/// The roles of the AWS config files' profiles, read from them when first asked for.
#[derive(Debug)]
struct FileProfileRoles;

impl ProfileRoles for FileProfileRoles {
    fn all(&self) -> Vec<ProfileRole> {
        AwsConfigFiles::shared().profile_roles()
    }

    fn in_account(&self, account_id: &str) -> Vec<ProfileRole> {
        AwsConfigFiles::shared().profile_roles_in(account_id)
    }
}

impl AppContext {
    /// Whether the organization is the embedded demo one.
    #[must_use]
    pub fn is_demo(&self) -> bool {
        self.source == Source::Demo
    }

    /// Builds the context; imported profile roles are read from the AWS config files.
    pub fn new(paths: Paths, config: Config, overrides: Overrides) -> Self {
        let org_profile = overrides
            .profile
            .clone()
            .or_else(|| config.org.profile.clone());
        // A named organization's caches go by its name (two may read with one profile).
        let cache_key = match (&overrides.profile, &config.org.name) {
            (None, Some(name)) => Some(format!("org-{name}")),
            _ => org_profile.clone(),
        };
        let orgs = Self::org_contexts_of(&paths, &config, &overrides);
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
                credentials: None,
            },
            concurrency: config.org.concurrency,
            ctx: ctx.clone(),
            sso: config.sso.clone(),
            saml_accounts: Vec::new(),
            policies: config.org.policies,
        };
        let catalog = RoleCatalog::with_profile_source(&config.roles, Arc::new(FileProfileRoles))
            .with_iam_profile(config.auth.profile.is_some())
            .with_sso(config.sso.enabled)
            .with_saml(crate::app::saml_sign_in::catalog_roles(
                &paths.cache_dir,
                &config.saml,
            ));
        let mut sync = sync;
        sync.saml_accounts = catalog.saml_accounts();
        let keys = key_store(&paths, &config, &overrides);
        let access = Access {
            auth: config.auth.clone(),
            base_profile: config.auth.profile.clone().or(org_profile.clone()),
            region: sync.settings.region.clone(),
            network: config.network,
            ctx,
            cache: CredentialCache::new(&paths.cache_dir)
                .with_keyring(config.auth.sessions == crate::config::SessionStore::Keyring),
            sso: config.sso.clone(),
            org_profile: org_profile.clone(),
            prefs: Prefs::new(&paths.cache_dir),
            keys,
            saml: config.saml.clone(),
            saml_dirs: (paths.data_dir.clone(), paths.cache_dir.clone()),
        };
        let cost_profile = config.cost.profile.clone().or_else(|| org_profile.clone());
        let cost_key = match &config.org.name {
            Some(_) if config.cost.profile.is_none() => cache_key.clone(),
            _ => cost_profile.clone(),
        };
        let cost = CostReader {
            config: config.cost.clone(),
            cache: CostCache::new(&paths.cache_dir, cost_key.as_deref()),
            ctx: ErrorContext {
                profile: cost_profile.clone(),
                config_file: paths.config_file.display().to_string(),
            },
            profile: cost_profile,
            network: config.network,
        };
        Self {
            cost,
            inventory_cache: InventoryCache::new(&paths.cache_dir, cache_key.as_deref()),
            sso_role_cache: SsoRoleCache::new(&paths.cache_dir, cache_key.as_deref()),
            catalog,
            classifier: Classifier::new(&config.production),
            prefs: Prefs::new(&paths.cache_dir),
            region_override: overrides.region,
            federation_url_env: overrides.federation_url,
            browser_env: overrides.browser,
            shared: config.org.source.as_ref().map(|location| SharedSource {
                location: location.clone(),
                max_age: time::Duration::days(i64::from(config.org.source_max_age_days)),
                timeout: std::time::Duration::from_secs(config.network.timeout_seconds),
                config_file: paths.config_file.display().to_string(),
            }),
            access,
            sync,
            paths,
            config,
            mark_styles: crate::app::shell_prompt::MarkStyles::default(),
            source: Source::default(),
            profile_flag: overrides.profile.clone(),
            orgs,
        }
    }

    /// Each organization's context with several `[[org]]` (and no `--profile`, which names
    /// one reader for all); none otherwise.
    fn org_contexts_of(
        paths: &Paths,
        config: &Config,
        overrides: &Overrides,
    ) -> Vec<(String, Arc<Self>)> {
        if !config.is_multi_org() || overrides.profile.is_some() {
            return Vec::new();
        }
        config
            .org_names()
            .iter()
            .filter_map(|name| {
                let view = config.for_org(name)?;
                Some((
                    name.clone(),
                    Arc::new(Self::new(paths.clone(), view, overrides.clone())),
                ))
            })
            .collect()
    }

    /// The cached inventory: this organization's, or with several, theirs as one tree
    /// ([`crate::domain::orgs::combine`]; `None` when none was ever read).
    ///
    /// # Errors
    /// A [`CacheProblem`] of the one organization's cache (with several, an organization
    /// whose cache cannot be used is shown with the problem as its failure).
    pub fn load_inventory(&self) -> Result<Option<Inventory>, CacheProblem> {
        self.load_inventory_where(|_| true)
    }

    /// [`AppContext::load_inventory`] with only the accounts whose id `keep` accepts.
    ///
    /// # Errors
    /// As [`AppContext::load_inventory`].
    pub fn load_inventory_where(
        &self,
        keep: impl Fn(&str) -> bool + Sync,
    ) -> Result<Option<Inventory>, CacheProblem> {
        if self.orgs.is_empty() {
            return self.inventory_cache.load_where(keep);
        }
        // Each organization's cache read and decoded on a thread of its own.
        let keep = &keep;
        let parts: Vec<crate::domain::orgs::Part> = std::thread::scope(|scope| {
            let reads: Vec<_> = self
                .orgs
                .iter()
                .map(|(name, ctx)| {
                    scope.spawn(move || {
                        let (inventory, failure) = match ctx.inventory_cache.load_where(keep) {
                            Ok(inv) => (inv, None),
                            Err(problem) => (None, Some(problem.to_string())),
                        };
                        crate::domain::orgs::Part {
                            name: name.clone(),
                            inventory,
                            failure,
                        }
                    })
                })
                .collect();
            reads
                .into_iter()
                .zip(&self.orgs)
                .map(|(read, (name, _))| {
                    read.join().unwrap_or_else(|_| crate::domain::orgs::Part {
                        name: name.clone(),
                        inventory: None,
                        failure: Some("its cache could not be read".to_owned()),
                    })
                })
                .collect()
        });
        let any = parts.iter().any(|p| p.inventory.is_some());
        Ok(any.then(|| crate::domain::orgs::combine(parts, OffsetDateTime::now_utc())))
    }

    /// The context that gets into `account_id`: its organization's, found in their caches,
    /// with several; this one otherwise (or when no cache has the account).
    #[must_use]
    pub fn of_account(&self, account_id: &str) -> &Self {
        self.group_by_org(&[account_id.to_owned()])
            .first()
            .map_or(self, |(ctx, _)| *ctx)
    }

    /// The context that gets into `account_id` as `role`: for an Identity Center role with
    /// several organizations, the organization whose instance gives that role there (an
    /// account another organization's instance lists too); else its own organization's.
    #[must_use]
    pub fn of_account_as(
        &self,
        account_id: &str,
        role: &crate::domain::roles::RoleOption,
    ) -> &Self {
        if role.sso
            && let Some((_, ctx)) = self.orgs.iter().find(|(_, ctx)| {
                ctx.config.sso.enabled
                    && ctx
                        .sso_role_cache
                        .load()
                        .accounts
                        .get(account_id)
                        .is_some_and(|k| k.roles.contains(&role.name))
            })
        {
            return ctx;
        }
        self.of_account(account_id)
    }

    /// `account_ids` grouped by the organization whose context gets into them (each
    /// organization's cache read once); those no cache has go with this context.
    #[must_use]
    pub fn group_by_org(&self, account_ids: &[String]) -> Vec<(&Self, Vec<String>)> {
        if self.orgs.is_empty() {
            return vec![(self, account_ids.to_vec())];
        }
        let wanted: std::collections::HashSet<&str> =
            account_ids.iter().map(String::as_str).collect();
        let mut owner: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        // Where Organizations lists an account wins over where a sign-in source does.
        let caches: Vec<Option<Inventory>> = self
            .orgs
            .iter()
            .map(|(_, ctx)| {
                ctx.inventory_cache
                    .load_where(|id| wanted.contains(id))
                    .ok()
                    .flatten()
            })
            .collect();
        for own in [true, false] {
            for (n, inv) in caches.iter().enumerate() {
                let Some(inv) = inv else { continue };
                for a in &inv.org.accounts {
                    let listed = crate::domain::orgs::listed_by_organizations(
                        inv.org_error.is_none(),
                        &a.parent_id,
                    );
                    if listed == own {
                        owner.entry(a.id.to_string()).or_insert(n);
                    }
                }
            }
        }
        let mut groups: Vec<(&Self, Vec<String>)> = Vec::new();
        for id in account_ids {
            let ctx: &Self = owner.get(id).map_or(self, |&n| self.orgs[n].1.as_ref());
            match groups.iter_mut().find(|(c, _)| std::ptr::eq(*c, ctx)) {
                Some((_, ids)) => ids.push(id.clone()),
                None => groups.push((ctx, vec![id.clone()])),
            }
        }
        groups
    }

    /// The context of organization `name`, with several.
    #[must_use]
    pub fn of_org(&self, name: &str) -> Option<&Self> {
        self.orgs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, ctx)| ctx.as_ref())
    }

    /// The AWS config files, read once per run.
    #[must_use]
    pub fn aws_files(&self) -> &'static AwsConfigFiles {
        AwsConfigFiles::shared()
    }

    /// The roles offered in account `i` (see [`RoleCatalog::offered`]).
    #[must_use]
    pub fn roles(&self, inv: &Inventory, tree: &OrgTree, i: usize) -> Vec<RoleOption> {
        self.catalog.offered(inv, tree, i)
    }

    #[must_use]
    pub fn is_production(&self, inv: &Inventory, tree: &OrgTree, i: usize) -> bool {
        self.classifier
            .is_production(&AccountView::of(inv, tree, i))
    }

    /// Whether another account of the cached inventory goes by `name` or one that looks
    /// like it, or the name holds what does not show.
    fn name_is_shared(&self, account_id: &str, name: &str) -> bool {
        if crate::domain::untrusted::visible(name) != name {
            return true;
        }
        self.load_inventory().ok().flatten().is_some_and(|inv| {
            !crate::domain::lookalike::same_name_as(
                account_id,
                name,
                inv.org
                    .accounts
                    .iter()
                    .map(|a| (a.id.as_str(), a.name.as_str())),
            )
            .is_empty()
        })
    }

    /// How the console of `account_id` as `role` opens beside others: `isolation` (else
    /// `[console] isolation`), the container's name and look (from the cached inventory's OU
    /// path and tags, when it has the account), and the Chromium profile directory.
    #[must_use]
    pub fn console_opening(
        &self,
        account_id: &str,
        account_name: &str,
        role: &str,
        role_arn: &str,
        production: bool,
        isolation: Option<crate::config::Isolation>,
    ) -> crate::app::console_link::Opening {
        use crate::domain::console_look::{container_name, look, profile_dir_name};
        let rules = &self.config.console.color;
        let isolation = isolation.unwrap_or(self.config.console.isolation);
        let format = &self.config.console.container_name;
        // Firefox reuses a container by its name: an account that goes by another's name (or
        // one that looks like it) would open in that account's container, with its sessions
        // and its colour. Such a name gets the account's id.
        let container_format = if isolation == crate::config::Isolation::FirefoxContainer
            && !format.contains("{id}")
            && self.name_is_shared(account_id, account_name)
        {
            format!("{format} ({{id}})")
        } else {
            format.clone()
        };
        let look = if rules.is_empty() {
            look(
                rules,
                &AccountView::bare(account_id, account_name),
                production,
            )
        } else {
            let inv = self.load_inventory().ok().flatten();
            let found = inv.as_ref().and_then(|inv| {
                let i = inv
                    .org
                    .accounts
                    .iter()
                    .position(|a| a.id.as_str() == account_id)?;
                Some((inv, OrgTree::build(&inv.org), i))
            });
            match &found {
                Some((inv, tree, i)) => look(rules, &AccountView::of(inv, tree, *i), production),
                None => look(
                    rules,
                    &AccountView::bare(account_id, account_name),
                    production,
                ),
            }
        };
        crate::app::console_link::Opening {
            isolation,
            container: container_name(&container_format, account_name, role, account_id),
            look,
            profile_dir: self
                .paths
                .data_dir
                .join("browser-profiles")
                .join(profile_dir_name(account_id, role)),
            partition: crate::domain::partition::Partition::from_name(
                crate::domain::partition::partition_of(role_arn),
            ),
            logout_first: self.config.console.logout_first,
        }
    }

    /// The IAM Identity Center sign-in in use (`[sso]`), and when its token ends; `None`
    /// without one. The time is `None` when there is no readable token.
    pub async fn sso_sign_in(&self) -> Option<(String, Option<OffsetDateTime>)> {
        if !self.orgs.is_empty() {
            // With several organizations, the instance whose sign-in ends first (one that has
            // ended, or none yet, first of all): what the status bar and the warning are about.
            let mut soonest: Option<(String, Option<OffsetDateTime>)> = None;
            for (_, org) in &self.orgs {
                let Some((name, ends)) = Box::pin(org.sso_sign_in()).await else {
                    continue;
                };
                let sooner = match (&soonest, ends) {
                    (Some((_, Some(before))), Some(now)) => now < *before,
                    (Some((_, None)), _) => false,
                    (None | Some((_, Some(_))), _) => true,
                };
                if sooner {
                    soonest = Some((name, ends));
                }
            }
            return soonest;
        }
        let source = crate::aws::sso::resolve(&self.config.sso, self.access.org_profile.as_deref())
            .await
            .ok()
            .flatten()?;
        let ends = crate::aws::sso_oidc::read_token(&source).and_then(|t| t.expires());
        Some((source.profile, ends))
    }

    /// The region a session in `account_id` runs in: `--region`, the region chosen for that
    /// account in the TUI, the role profile's region, `[org] region`, the base profile's
    /// region, else us-east-1.
    pub async fn session_region(&self, account_id: &str, role: &RoleOption) -> String {
        if let Some(r) = self
            .region_override
            .clone()
            .or_else(|| self.prefs.regions().remove(account_id))
            .or_else(|| role.profile.as_ref().and_then(|p| p.region.clone()))
            .or_else(|| self.config.org.region.clone())
        {
            return r;
        }
        // The SDK's region chain, with its two fast steps done here: the environment, then
        // the profile in the files already read. Only where both say nothing does the chain
        // run (it asks the instance metadata service last).
        if let Some(r) = ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|r| !r.trim().is_empty()))
        {
            return r;
        }
        let profile = self
            .access
            .base_profile_for(role)
            .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
            .unwrap_or_else(|| "default".to_owned());
        if let Some(r) = self.aws_files().get(&profile, "region") {
            return r.into_owned();
        }
        let chain = aws_config::default_provider::region::DefaultRegionChain::builder()
            .profile_name(&profile);
        chain
            .build()
            .region()
            .await
            .map_or_else(|| "us-east-1".to_owned(), |r| r.to_string())
    }
}
