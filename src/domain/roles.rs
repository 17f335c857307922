//! Which roles are offered where: config rules, and roles of existing `~/.aws/config` profiles.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};

use super::inventory::Inventory;
use super::model::OrgTree;
use super::selector::{AccountView, Selector};

/// A role in `~/.aws/config`: a profile with a `role_arn`, honoured as the user wrote it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileRole {
    pub profile: String,
    pub role_arn: String,
    pub account_id: String,
    pub role_name: String,
    pub source_profile: Option<String>,
    pub mfa_serial: Option<String>,
    pub duration_seconds: Option<u32>,
    pub external_id: Option<String>,
    pub region: Option<String>,
}

/// One role offered in one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleOption {
    pub name: String,
    /// Set when a profile defines this role for this account: its settings are used (shared
    /// with the catalog: a role is offered in every account of a large organization).
    pub profile: Option<Arc<ProfileRole>>,
    /// An IAM Identity Center role (permission set): its credentials come from the portal.
    pub sso: bool,
    /// A role a SAML identity provider gives: its credentials come from `AssumeRoleWithSAML`.
    pub saml: Option<Arc<SamlRef>>,
}

/// Where a SAML role comes from: the identity provider (`[[saml]] name`) and the two ARNs its
/// assertion pairs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SamlRef {
    pub idp: String,
    pub role_arn: String,
    pub principal_arn: String,
}

impl RoleOption {
    /// A role assumed with `AssumeRole`, with no profile settings.
    #[must_use]
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            profile: None,
            sso: false,
            saml: None,
        }
    }

    /// A role the SAML identity provider of `saml` gives.
    #[must_use]
    pub fn saml(name: &str, saml: Arc<SamlRef>) -> Self {
        Self {
            saml: Some(saml),
            ..Self::named(name)
        }
    }

    /// An IAM Identity Center role (permission set) called `name`.
    #[must_use]
    pub fn sso(name: &str) -> Self {
        Self {
            sso: true,
            ..Self::named(name)
        }
    }

    /// How the role is remembered and looked up: its name, or `sso:NAME` for an Identity Center
    /// role, so an IAM role and a permission set of the same name stay apart. (IAM role names
    /// cannot contain `:`.)
    #[must_use]
    pub fn key(&self) -> String {
        if self.sso {
            format!("sso:{}", self.name)
        } else if self.saml.is_some() {
            format!("saml:{}", self.name)
        } else {
            self.name.clone()
        }
    }

    /// Which kind of role this is, as `--role KIND:NAME` names it.
    fn kind(&self) -> &'static str {
        if self.sso {
            "sso"
        } else if self.saml.is_some() {
            "saml"
        } else {
            "iam"
        }
    }

    /// The offered role that `--role WANTED` means: `sso:NAME` or `iam:NAME` says which kind;
    /// a plain name takes the IAM role when both kinds have it (as before Identity Center).
    #[must_use]
    pub fn find<'a>(offered: &'a [Self], wanted: &str) -> Option<&'a Self> {
        let (kind, name) = match wanted.split_once(':') {
            Some((k @ ("sso" | "iam" | "saml"), n)) => (Some(k), n),
            _ => (None, wanted),
        };
        let mut matching = offered
            .iter()
            .filter(|r| r.name.eq_ignore_ascii_case(name) && kind.is_none_or(|k| r.kind() == k));
        let first = matching.next()?;
        Some(if first.kind() == "iam" {
            first
        } else {
            matching.find(|r| r.kind() == "iam").unwrap_or(first)
        })
    }

    /// The role `--role WANTED` takes: the offered one it names, else a role of that name
    /// (`sso:NAME` an Identity Center one), which AWS allows or refuses.
    #[must_use]
    pub fn wanted(offered: &[Self], wanted: &str) -> Self {
        Self::find(offered, wanted)
            .cloned()
            .unwrap_or_else(|| match wanted.strip_prefix("sso:") {
                Some(name) => Self::sso(name),
                None => Self::named(wanted.strip_prefix("iam:").unwrap_or(wanted)),
            })
    }

    /// The names of the SAML roles among `roles`.
    #[must_use]
    pub fn saml_names(roles: &[Self]) -> Vec<String> {
        roles
            .iter()
            .filter(|r| r.saml.is_some())
            .map(|r| r.name.clone())
            .collect()
    }

    /// How the role is shown where it could be mistaken for another: "Admin (Identity Center)".
    #[must_use]
    pub fn label(&self) -> String {
        if self.sso {
            format!("{} (Identity Center)", self.name)
        } else if let Some(s) = &self.saml {
            format!("{} (SAML {})", self.name, s.idp)
        } else {
            self.name.clone()
        }
    }

    /// The role's ARN: the assertion's, the profile's, or built from the account and
    /// partition.
    #[must_use]
    pub fn arn(&self, partition: &str, account_id: &str) -> String {
        if let Some(s) = &self.saml {
            return s.role_arn.clone();
        }
        self.profile.as_ref().map_or_else(
            || format!("arn:{partition}:iam::{account_id}:role/{}", self.name),
            |p| p.role_arn.clone(),
        )
    }
}

/// Where the roles of `~/.aws/config` profiles come from: every one, or those of one account
/// (which a big file answers without reading every profile).
pub trait ProfileRoles: Send + Sync + std::fmt::Debug {
    fn all(&self) -> Vec<ProfileRole>;
    fn in_account(&self, account_id: &str) -> Vec<ProfileRole>;
}

/// Profile roles by account id.
type ByAccount = HashMap<String, Vec<Arc<ProfileRole>>>;

/// How many accounts' profile roles are looked up one at a time before all are read at once
/// (a command names one account or a few; the navigator and `list` show them all).
const ONE_AT_A_TIME: usize = 8;

/// The profile roles of a catalog: read all at once when first needed for many accounts,
/// or an account at a time for a few.
#[derive(Clone, Debug, Default)]
struct Profiles {
    source: Option<Arc<dyn ProfileRoles>>,
    all: Arc<OnceLock<ByAccount>>,
    some: Arc<Mutex<ByAccount>>,
}

impl Profiles {
    fn loaded(profiles: Vec<ProfileRole>) -> Self {
        let all = OnceLock::new();
        let _ = all.set(by_account(profiles));
        Self {
            source: None,
            all: Arc::new(all),
            some: Arc::default(),
        }
    }

    /// The profile roles of account `id`.
    fn of(&self, id: &str) -> Vec<Arc<ProfileRole>> {
        let from_all = |all: &ByAccount| all.get(id).cloned().unwrap_or_default();
        if let Some(all) = self.all.get() {
            return from_all(all);
        }
        let Some(source) = &self.source else {
            return Vec::new();
        };
        {
            let mut some = self
                .some
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(found) = some.get(id) {
                return found.clone();
            }
            if some.len() < ONE_AT_A_TIME {
                let found: Vec<Arc<ProfileRole>> =
                    source.in_account(id).into_iter().map(Arc::new).collect();
                some.insert(id.to_owned(), found.clone());
                return found;
            }
        }
        from_all(self.all.get_or_init(|| by_account(source.all())))
    }
}

fn by_account(profiles: Vec<ProfileRole>) -> ByAccount {
    let mut by: ByAccount = HashMap::new();
    for p in profiles {
        by.entry(p.account_id.clone())
            .or_default()
            .push(Arc::new(p));
    }
    by
}

/// The role rules compiled, plus imported profiles by account.
#[derive(Clone, Debug, Default)]
pub struct RoleCatalog {
    default: Vec<String>,
    rules: Vec<(Selector, Vec<String>, Vec<String>)>,
    profiles: Profiles,
    /// `[auth] profile` is set: IAM credentials to assume roles with exist even when the
    /// organization was not read with any.
    iam_profile: bool,
    /// `[sso] enabled = false`: Identity Center's roles in a cached inventory are not offered.
    sso_off: bool,
    /// The roles SAML identity providers gave at their last sign-in, by account id.
    saml: Arc<SamlByAccount>,
}

/// SAML roles by account id: each role's name and where it comes from.
type SamlByAccount = HashMap<String, Vec<(String, Arc<SamlRef>)>>;

impl RoleCatalog {
    #[must_use]
    pub fn new(config: &RolesConfig, profiles: Vec<ProfileRole>) -> Self {
        let rules = config
            .rules
            .iter()
            .filter_map(|r| {
                Selector::compile(&r.target())
                    .ok()
                    .map(|s| (s, r.add.clone(), r.remove.clone()))
            })
            .collect();
        Self {
            default: config.default.clone(),
            rules,
            profiles: Profiles::loaded(if config.import_profiles {
                profiles
            } else {
                Vec::new()
            }),
            iam_profile: false,
            sso_off: false,
            saml: Arc::default(),
        }
    }

    /// Offers the roles SAML identity providers gave (`(account, role name, where from)`).
    #[must_use]
    pub fn with_saml(mut self, roles: impl IntoIterator<Item = (String, String, SamlRef)>) -> Self {
        let mut by_account = SamlByAccount::new();
        for (account, name, from) in roles {
            let list = by_account.entry(account).or_default();
            if !list.iter().any(|(n, r)| *n == name && r.idp == from.idp) {
                list.push((name, Arc::new(from)));
            }
        }
        self.saml = Arc::new(by_account);
        self
    }

    /// The accounts SAML identity providers give roles in.
    #[must_use]
    pub fn saml_accounts(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.saml.keys().cloned().collect();
        ids.sort_unstable();
        ids
    }

    /// The names of the SAML roles offered in `account_id`.
    #[must_use]
    pub fn saml_role_names(&self, account_id: &str) -> Vec<String> {
        self.saml
            .get(account_id)
            .map(|l| l.iter().map(|(n, _)| n.clone()).collect())
            .unwrap_or_default()
    }

    /// The catalog with profile roles from `source`, read when first needed: an account's
    /// alone for the first few accounts asked about, then all at once.
    #[must_use]
    pub fn with_profile_source(config: &RolesConfig, source: Arc<dyn ProfileRoles>) -> Self {
        let mut catalog = Self::new(config, Vec::new());
        if config.import_profiles {
            catalog.profiles = Profiles {
                source: Some(source),
                ..Profiles::default()
            };
        }
        catalog
    }

    /// Says whether `[sso] enabled` is on (see [`RoleCatalog::offered`]).
    #[must_use]
    pub fn with_sso(mut self, enabled: bool) -> Self {
        self.sso_off = !enabled;
        self
    }

    /// Says whether `[auth] profile` is set (see [`RoleCatalog::offered`]).
    #[must_use]
    pub fn with_iam_profile(mut self, set: bool) -> Self {
        self.iam_profile = set;
        self
    }

    /// The roles offered in account `i` of `inv`: IAM Identity Center's first (those read so
    /// far), then the configured and profile roles. Those are left out where Identity Center
    /// offers roles and there is no IAM identity to assume them with (the organization was not
    /// read with credentials and no `[auth] profile` is set).
    #[must_use]
    pub fn offered(&self, inv: &Inventory, tree: &OrgTree, i: usize) -> Vec<RoleOption> {
        let account = &inv.org.accounts[i];
        self.offered_in(
            &AccountView::of(inv, tree, i),
            &account.sso_roles,
            account.in_identity_center(),
            inv.identity.is_some(),
        )
    }

    /// [`RoleCatalog::offered`] for account `a`, given Identity Center's roles there (`sso`),
    /// whether the portal lists it (`in_sso`), and whether the organization was read with
    /// credentials (`identity`).
    #[must_use]
    pub fn offered_in(
        &self,
        a: &AccountView<'_>,
        sso: &[String],
        in_sso: bool,
        identity: bool,
    ) -> Vec<RoleOption> {
        let (sso, in_sso): (&[String], bool) = if self.sso_off {
            (&[], false)
        } else {
            (sso, in_sso)
        };
        let mut roles: Vec<RoleOption> = sso.iter().map(|r| RoleOption::sso(r)).collect();
        let saml = self.saml.get(a.id);
        if (!in_sso && saml.is_none()) || identity || self.iam_profile {
            roles.extend(self.roles_for(a));
        }
        roles.extend(
            saml.into_iter()
                .flatten()
                .map(|(name, from)| RoleOption::saml(name, from.clone())),
        );
        roles.shrink_to_fit();
        roles
    }

    /// Roles offered in this account: the default list, changed by every matching rule in
    /// order, then roles from profiles (a profile for a listed role supplies its settings).
    #[must_use]
    pub fn roles_for(&self, account: &AccountView<'_>) -> Vec<RoleOption> {
        let mut names: Vec<String> = self.default.clone();
        for (selector, add, remove) in &self.rules {
            if selector.matches(account) {
                names.retain(|n| !remove.contains(n));
                for a in add {
                    if !names.contains(a) {
                        names.push(a.clone());
                    }
                }
            }
        }
        let profiles = self.profiles.of(account.id);
        let mut roles: Vec<RoleOption> = names
            .into_iter()
            .map(|name| RoleOption {
                profile: profiles.iter().find(|p| p.role_name == name).cloned(),
                name,
                sso: false,
                saml: None,
            })
            .collect();
        for p in profiles {
            if !roles.iter().any(|r| r.name == p.role_name) {
                roles.push(RoleOption {
                    name: p.role_name.clone(),
                    profile: Some(p),
                    sso: false,
                    saml: None,
                });
            }
        }
        roles
    }
}

/// A profile's role, when it has a usable `role_arn`.
pub fn profile_role<'a>(name: &str, get: impl Fn(&str) -> Option<&'a str>) -> Option<ProfileRole> {
    let role_arn = get("role_arn")?.trim().to_owned();
    let (account_id, role_name) = parse_role_arn(&role_arn)?;
    let owned = |k: &str| {
        get(k)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    Some(ProfileRole {
        profile: name.to_owned(),
        account_id,
        role_name,
        source_profile: owned("source_profile"),
        mfa_serial: owned("mfa_serial"),
        duration_seconds: get("duration_seconds").and_then(|d| d.trim().parse().ok()),
        external_id: owned("external_id"),
        region: owned("region"),
        role_arn,
    })
}

/// `arn:aws:iam::123456789012:role/path/Name` → (`123456789012`, `Name`).
#[must_use]
pub fn parse_role_arn(arn: &str) -> Option<(String, String)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_partition), Some("iam"), Some(_region), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let name = resource.strip_prefix("role/")?.rsplit('/').next()?;
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) || name.is_empty() {
        return None;
    }
    Some((account.to_owned(), name.to_owned()))
}

/// Which roles are offered in which accounts.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RolesConfig {
    /// Role names offered in every account.
    pub default: Vec<String>,
    /// Offer the roles of `~/.aws/config` profiles that have a `role_arn`.
    pub import_profiles: bool,
    /// Rules applied in order: each adds or removes roles where it matches.
    #[serde(rename = "rule")]
    pub rules: Vec<RoleRule>,
}

impl Default for RolesConfig {
    fn default() -> Self {
        Self {
            default: vec!["OrganizationAccountAccessRole".to_owned()],
            import_profiles: true,
            rules: Vec::new(),
        }
    }
}

crate::domain::selector::account_rule! {
    /// Where a rule applies: every given selector must match.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    pub struct RoleRule {
        pub add: Vec<String>,
        pub remove: Vec<String>,
    }
}

#[cfg(test)]
mod tests {
    use super::RoleRule;
    use super::*;
    use crate::domain::model::Tags;

    fn view<'a>(id: &'a str, path: &'a [String], tags: &'a Tags) -> AccountView<'a> {
        AccountView {
            id,
            name: "acct",
            org: None,
            path,
            tags: tags.into(),
        }
    }

    fn names(roles: &[RoleOption]) -> Vec<&str> {
        roles.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn default_is_organization_access_role_everywhere() {
        let c = RoleCatalog::new(&RolesConfig::default(), vec![]);
        let tags = Tags::new();
        assert_eq!(
            names(&c.roles_for(&view("111122223333", &[], &tags))),
            ["OrganizationAccountAccessRole"]
        );
    }

    #[test]
    fn rules_add_and_remove_by_ou_tag_and_account() {
        let config = RolesConfig {
            default: vec!["Admin".into(), "ReadOnly".into()],
            import_profiles: true,
            rules: vec![
                RoleRule {
                    ou: Some("Workloads/Prod".into()),
                    remove: vec!["Admin".into()],
                    add: vec!["Operator".into()],
                    ..RoleRule::default()
                },
                RoleRule {
                    tag: Some("team=payments".into()),
                    add: vec!["PaymentsDeploy".into()],
                    ..RoleRule::default()
                },
                RoleRule {
                    account: vec!["999999999999".into()],
                    add: vec!["BreakGlass".into()],
                    ..RoleRule::default()
                },
            ],
        };
        let c = RoleCatalog::new(&config, vec![]);
        let prod: Vec<String> = vec!["Workloads".into(), "Prod".into(), "Payments".into()];
        let tags: Tags = [("team".to_owned(), "payments".to_owned())].into();
        assert_eq!(
            names(&c.roles_for(&view("111122223333", &prod, &tags))),
            ["ReadOnly", "Operator", "PaymentsDeploy"]
        );
        let none = Tags::new();
        assert_eq!(
            names(&c.roles_for(&view("999999999999", &[], &none))),
            ["Admin", "ReadOnly", "BreakGlass"]
        );
    }

    #[test]
    fn profiles_add_roles_and_lend_settings() {
        let p = profile_role("pay-admin", |k| match k {
            "role_arn" => Some("arn:aws:iam::111122223333:role/Admin"),
            "mfa_serial" => Some("arn:aws:iam::000000000000:mfa/alice"),
            "duration_seconds" => Some("7200"),
            "source_profile" => Some("identity"),
            _ => None,
        })
        .unwrap();
        let q = profile_role("pay-deploy", |k| {
            (k == "role_arn").then_some("arn:aws:iam::111122223333:role/ci/Deployer")
        })
        .unwrap();
        let config = RolesConfig {
            default: vec!["Admin".into()],
            ..RolesConfig::default()
        };
        let c = RoleCatalog::new(&config, vec![p, q]);
        let tags = Tags::new();
        let roles = c.roles_for(&view("111122223333", &[], &tags));
        assert_eq!(names(&roles), ["Admin", "Deployer"]);
        let admin = roles[0].profile.as_ref().unwrap();
        assert_eq!(admin.duration_seconds, Some(7200));
        assert_eq!(admin.source_profile.as_deref(), Some("identity"));
        assert_eq!(
            roles[1].arn("aws", "111122223333"),
            "arn:aws:iam::111122223333:role/ci/Deployer"
        );
        let other = c.roles_for(&view("444455556666", &[], &tags));
        assert_eq!(
            other[0].arn("aws-us-gov", "444455556666"),
            "arn:aws-us-gov:iam::444455556666:role/Admin"
        );
        let off = RoleCatalog::new(
            &RolesConfig {
                import_profiles: false,
                ..config
            },
            vec![],
        );
        assert_eq!(
            names(&off.roles_for(&view("111122223333", &[], &tags))),
            ["Admin"]
        );
    }

    #[test]
    fn identity_center_roles_come_first_and_iam_roles_need_an_identity() {
        let mut inv = crate::domain::demo::inventory(time::OffsetDateTime::UNIX_EPOCH);
        inv.org.accounts[0].sso_roles = vec!["AdministratorAccess".into()];
        let tree = OrgTree::build(&inv.org);
        let catalog = RoleCatalog::new(&RolesConfig::default(), vec![]);
        let with = catalog.offered(&inv, &tree, 0);
        assert_eq!(
            names(&with),
            ["AdministratorAccess", "OrganizationAccountAccessRole"]
        );
        assert!(with[0].sso && !with[1].sso);
        assert_eq!(with[0].label(), "AdministratorAccess (Identity Center)");
        assert_eq!(
            names(&catalog.offered(&inv, &tree, 1)),
            ["OrganizationAccountAccessRole"],
            "no Identity Center roles there"
        );
        inv.identity = None;
        assert_eq!(
            names(&catalog.offered(&inv, &tree, 0)),
            ["AdministratorAccess"]
        );
        assert_eq!(
            names(&catalog.offered(&inv, &tree, 1)),
            ["OrganizationAccountAccessRole"],
            "an account without Identity Center roles keeps the configured ones"
        );
        inv.org.accounts[2].sso = true;
        assert!(
            catalog.offered(&inv, &tree, 2).is_empty(),
            "Identity Center's roles there are not read yet, and no IAM identity to assume others"
        );
        let with_auth = catalog.clone().with_iam_profile(true);
        assert_eq!(with_auth.offered(&inv, &tree, 0).len(), 2);
        assert_eq!(
            names(&catalog.with_sso(false).offered(&inv, &tree, 0)),
            ["OrganizationAccountAccessRole"],
            "[sso] enabled = false: the cached Identity Center roles are not offered"
        );
    }

    #[test]
    fn role_flags_say_which_kind_and_a_plain_name_prefers_iam() {
        let offered = [
            RoleOption::sso("Admin"),
            RoleOption::sso("ReadOnlyAccess"),
            RoleOption::named("admin"),
        ];
        let found = |w: &str| RoleOption::find(&offered, w).map(RoleOption::key);
        assert_eq!(found("Admin").as_deref(), Some("admin"), "IAM, as before");
        assert_eq!(found("sso:admin").as_deref(), Some("sso:Admin"));
        assert_eq!(found("iam:Admin").as_deref(), Some("admin"));
        assert_eq!(
            found("readonlyaccess").as_deref(),
            Some("sso:ReadOnlyAccess")
        );
        assert_eq!(found("iam:ReadOnlyAccess"), None);
        assert_eq!(found("Other"), None);
    }

    #[test]
    fn role_arns_are_parsed_strictly() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/Admin"),
            Some(("123456789012".into(), "Admin".into()))
        );
        assert!(parse_role_arn("arn:aws:iam::123:role/Admin").is_none());
        assert!(parse_role_arn("arn:aws:iam::123456789012:user/alice").is_none());
        assert!(parse_role_arn("not an arn").is_none());
    }
}
