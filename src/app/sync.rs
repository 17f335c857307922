//! One sync: who am I, what is the organization, what IAM Identity Center offers, stored as
//! the new cached inventory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use time::OffsetDateTime;

use crate::aws::org::{Discovered, Discovery, SyncProgress};
use crate::aws::sso::{self, SsoAccount, SsoListing, SsoProgress, SsoSource};
use crate::aws::{self, AwsError, AwsSettings, CallCounter, ErrorContext};

use crate::config::{PolicyReading, SsoConfig};
use crate::domain::credentials::Credentials;
use crate::domain::inventory::Inventory;
use crate::domain::model::{
    Account, AccountId, AccountStatus, CallerIdentity, Org, OrgUnit, SyncGap,
};
use crate::store::inventory_cache::{CacheWriteError, InventoryCache};

/// Everything a sync needs, owned so it can move into a background task.
#[derive(Clone, Debug)]
pub struct SyncRequest {
    pub settings: AwsSettings,
    pub concurrency: usize,
    pub ctx: ErrorContext,
    /// IAM Identity Center: whether and where to list the accounts and roles it offers.
    pub sso: SsoConfig,
    /// `[org] policies`: "sync" reads every target's policies during the sync.
    pub policies: PolicyReading,
    /// The accounts SAML identity providers gave roles in at their last sign-in: shown even
    /// where Organizations does not list them (or cannot be read).
    pub saml_accounts: Vec<String>,
}

/// What a finished sync reports besides the inventory.
#[derive(Clone, Copy, Debug)]
pub struct SyncStats {
    pub api_calls: u64,
    pub attempts: u64,
    /// Throttled answers (each retried after a backoff).
    pub throttled: u64,
    pub elapsed: std::time::Duration,
    /// Organizations refused these credentials (the inventory holds only Identity Center's
    /// accounts).
    pub org_denied: bool,
}

pub use crate::domain::model::IDENTITY_CENTER_OU;
const IDENTITY_CENTER_ROOT: &str = "r-identity-center";

/// Reads identity and organization, and what IAM Identity Center offers when a profile with
/// an SSO sign-in is configured, both at once. `now` stamps the result. A sync that could
/// not read everything still returns what it read, with [`Inventory::gaps`] saying what is
/// missing.
///
/// # Errors
/// When nothing useful can be read: missing profile, no credentials, no organization, access
/// denied, an expired SSO sign-in…
pub async fn run(
    request: &SyncRequest,
    credentials: Option<&Credentials>,
    now: impl FnOnce() -> OffsetDateTime,
    progress: &(dyn Fn(SyncProgress) + Send + Sync),
) -> Result<(Inventory, SyncStats), AwsError> {
    let started = Instant::now();
    // Credentials awsnav got itself (a stored key, an assumed role, an MFA session) read the
    // organization, whether or not the profile exists.
    let settings = AwsSettings {
        credentials: credentials.cloned(),
        ..request.settings.clone()
    };
    let sdk = aws::sdk::load(&settings, &request.ctx).await?;
    // A broken SSO profile awsnav only found by looking (not `[sso] profile`) must not stop
    // Organizations from being read: it becomes a gap that says how to fix or silence it.
    let (sso, sso_problem) =
        match sso::resolve(&request.sso, request.settings.profile.as_deref()).await {
            Ok(found) => (found, None),
            Err(e) if request.sso.profile.is_none() => (None, Some(e)),
            Err(e) => return Err(e),
        };
    let counter = CallCounter::default();
    let latest = Mutex::new(SyncProgress::default());
    let report = |update: &dyn Fn(&mut SyncProgress)| {
        let now = {
            let mut p = latest
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            update(&mut p);
            *p
        };
        progress(now);
    };
    let org_progress = |p: SyncProgress| {
        report(&|l| {
            *l = SyncProgress {
                sso_accounts: l.sso_accounts,
                ..p
            };
        });
    };
    let sso_progress = |p: SsoProgress| {
        report(&|l| {
            l.sso_accounts = p.accounts;
        });
    };
    let org = async {
        let identity = aws::sts::caller_identity(&sdk, &counter, &request.ctx).await?;
        tracing::info!(account = %identity.account, arn = %identity.arn, "caller identity");
        let discovery = Discovery {
            concurrency: request.concurrency,
            ctx: request.ctx.clone(),
        };
        let found = discovery.run(&sdk, &counter, &org_progress).await?;
        Ok::<_, AwsError>((identity, found))
    };
    let listing = async {
        match &sso {
            Some(source) => Some(
                source
                    .list(
                        &sdk,
                        request.sso.requests_per_second,
                        &counter,
                        &sso_progress,
                    )
                    .await,
            ),
            None => None,
        }
    };
    // Boxed: the two together would make every caller's future large.
    let (org, listing) = tokio::join!(Box::pin(org), Box::pin(listing));
    let throttled = org.as_ref().map_or(0, |(_, found)| found.pace.throttled);
    let org_denied = matches!(&org, Err(e) if e.is_organizations_denied());
    let policy_types = org.as_ref().ok().map(|(_, f)| f.policy_types.clone());
    let mut inventory = with_saml(combine(org, listing, sso.as_ref()), &request.saml_accounts)?;
    read_policies(request, &sdk, &counter, policy_types, &mut inventory).await;
    if let Some(e) = sso_problem {
        inventory.gaps.push(SyncGap {
            action: "sso".into(),
            target: "IAM Identity Center".into(),
            error: format!("{e} (or set [sso] enabled = false)"),
        });
    }
    inventory.synced_at = now();
    inventory.profile.clone_from(&request.settings.profile);
    let stats = SyncStats {
        api_calls: counter.calls(),
        attempts: counter.attempts(),
        throttled,
        elapsed: started.elapsed(),
        org_denied,
    };
    inventory.api_calls = stats.api_calls;
    tracing::info!(
        api_calls = stats.api_calls,
        attempts = stats.attempts,
        throttled = stats.throttled,
        gaps = inventory.gaps.len(),
        sso = sso.is_some(),
        elapsed_ms = u64::try_from(stats.elapsed.as_millis()).unwrap_or(u64::MAX),
        "sync finished"
    );
    Ok((inventory, stats))
}

/// The root's enabled policy types (unless `[org] policies = "off"`), and with "sync" the
/// policies of the root, every OU and every account, one request per target and enabled type.
/// A denial is a note; requests that kept failing are gaps (the sync is partial).
async fn read_policies(
    request: &SyncRequest,
    sdk: &aws_config::SdkConfig,
    counter: &CallCounter,
    policy_types: Option<Vec<String>>,
    inventory: &mut Inventory,
) {
    let Some(types) = policy_types else {
        return;
    };
    if request.policies == PolicyReading::Off {
        return;
    }
    inventory.guardrails.enabled = Some(types);
    if request.policies != PolicyReading::Sync {
        return;
    }
    let org = &inventory.org;
    // Not the group of accounts only IAM Identity Center lists: no policy of this
    // organization is attached there.
    let targets: Vec<String> = std::iter::once(org.root_id.clone())
        .chain(
            org.org_units
                .iter()
                .filter(|ou| ou.id != IDENTITY_CENTER_OU)
                .map(|ou| ou.id.clone()),
        )
        .chain(
            org.accounts
                .iter()
                .filter(|a| a.parent_id != IDENTITY_CENTER_OU)
                .map(|a| a.id.to_string()),
        )
        .collect();
    let kinds = inventory.guardrails.enabled.clone().unwrap_or_default();
    let reader =
        aws::policies::Policies::new(sdk, counter, request.concurrency, request.ctx.clone());
    let found = reader.read(&targets, &kinds).await;
    tracing::info!(
        targets = targets.len(),
        read = found.guardrails.attached.len(),
        gaps = found.gaps.len(),
        "policies read"
    );
    inventory.guardrails.merge(found.guardrails);
    // Not gaps of the sync: a throttled policy read must not keep a new tree out of the cache.
    inventory.guardrails.unread.extend(found.gaps);
}

/// Errors that mean these credentials cannot read the organization at all, as opposed to
/// trouble on the way (network, throttling) that a later sync may not have.
fn org_unreadable(e: &AwsError) -> bool {
    matches!(
        e,
        AwsError::NoCredentials { .. }
            | AwsError::AccessDenied { .. }
            | AwsError::OrgNotInUse { .. }
    )
}

/// Why the organization could not be read, in a few words (the full error is logged).
fn short_reason(e: &AwsError) -> String {
    match e {
        AwsError::NoCredentials { profile, .. } => match profile {
            Some(p) => format!("no AWS credentials for profile `{p}`"),
            None => "no AWS credentials to read it with".into(),
        },
        AwsError::AccessDenied { action, .. } => format!("access denied to {action}"),
        AwsError::OrgNotInUse { .. } => "the account is not in an organization".into(),
        other => other.to_string(),
    }
}

/// The inventory from what Organizations and IAM Identity Center answered (time, profile and
/// call count are filled in by the caller).
fn combine(
    org: Result<(CallerIdentity, Discovered), AwsError>,
    listing: Option<Result<SsoListing, AwsError>>,
    sso: Option<&SsoSource>,
) -> Result<Inventory, AwsError> {
    let empty = |org: Org, identity, gaps, org_error| Inventory {
        org,
        synced_at: OffsetDateTime::UNIX_EPOCH,
        profile: None,
        identity,
        api_calls: 0,
        gaps,
        org_error,
        guardrails: crate::domain::guardrails::Guardrails::default(),
        orgs: Vec::new(),
    };
    match (org, listing) {
        (Ok((identity, found)), None) => Ok(empty(found.org, Some(identity), found.gaps, None)),
        (Ok((identity, mut found)), Some(Ok(listing))) => {
            merge_sso(&mut found.org, listing.accounts);
            Ok(empty(found.org, Some(identity), found.gaps, None))
        }
        (Ok((identity, mut found)), Some(Err(e))) => {
            tracing::warn!(error = %e, "IAM Identity Center could not be read");
            found.gaps.push(SyncGap {
                action: "sso:ListAccounts".into(),
                target: sso.map_or_else(String::new, |s| s.start_url.clone()),
                error: e.to_string(),
            });
            Ok(empty(found.org, Some(identity), found.gaps, None))
        }
        (Err(e), None) => Err(e),
        // Identity Center gives nothing either: the organization's error is the answer.
        (Err(e), Some(Ok(listing))) if listing.accounts.is_empty() => Err(e),
        (Err(e), Some(Ok(listing))) => {
            tracing::info!(error = %e, "organization unreadable; showing IAM Identity Center's accounts");
            let mut org = Org {
                root_id: IDENTITY_CENTER_ROOT.into(),
                ..Org::default()
            };
            merge_sso(&mut org, listing.accounts);
            let mut gaps = Vec::new();
            let org_error = if org_unreadable(&e) {
                Some(short_reason(&e))
            } else {
                // Trouble on the way: partial, so a complete cache is kept.
                gaps.push(SyncGap {
                    action: "organizations".into(),
                    target: "the organization".into(),
                    error: e.to_string(),
                });
                None
            };
            Ok(empty(org, None, gaps, org_error))
        }
        (Err(e), Some(Err(sso_e))) => Err(if org_unreadable(&e) { sso_e } else { e }),
    }
}

/// The id of the group of accounts only SAML identity providers give roles in.
pub const SAML_OU: &str = "saml";

/// The combined inventory with the SAML identity providers' accounts put in; where the
/// organization could not be read, those accounts alone.
fn with_saml(
    combined: Result<Inventory, AwsError>,
    accounts: &[String],
) -> Result<Inventory, AwsError> {
    match combined {
        Ok(mut inv) => {
            merge_saml(&mut inv.org, accounts);
            Ok(inv)
        }
        Err(e) if !accounts.is_empty() => {
            tracing::info!(error = %e, "organization unreadable; showing the SAML identity providers' accounts");
            Ok(saml_only(&e, accounts))
        }
        Err(e) => Err(e),
    }
}

/// An inventory of the SAML identity providers' accounts alone (the organization could not
/// be read: `e` says why).
fn saml_only(e: &AwsError, accounts: &[String]) -> Inventory {
    let mut org = Org {
        root_id: IDENTITY_CENTER_ROOT.into(),
        ..Org::default()
    };
    merge_saml(&mut org, accounts);
    let (gaps, org_error) = if org_unreadable(e) {
        (Vec::new(), Some(short_reason(e)))
    } else {
        (
            vec![SyncGap {
                action: "organizations".into(),
                target: "the organization".into(),
                error: e.to_string(),
            }],
            None,
        )
    };
    Inventory {
        org,
        synced_at: OffsetDateTime::UNIX_EPOCH,
        profile: None,
        identity: None,
        api_calls: 0,
        gaps,
        org_error,
        guardrails: crate::domain::guardrails::Guardrails::default(),
        orgs: Vec::new(),
    }
}

/// Puts the accounts SAML identity providers give roles in into `org`: those it does not list
/// go under a "SAML" group, named by their id (an assertion names no account).
pub fn merge_saml(org: &mut Org, accounts: &[String]) {
    let known: std::collections::HashSet<String> =
        org.accounts.iter().map(|a| a.id.to_string()).collect();
    let mut grouped = false;
    for id in accounts.iter().filter(|id| !known.contains(*id)) {
        let Ok(parsed) = AccountId::parse(id) else {
            continue;
        };
        grouped = true;
        org.accounts.push(Account {
            id: parsed,
            name: id.clone(),
            email: String::new(),
            status: AccountStatus::Active,
            joined: None,
            parent_id: SAML_OU.into(),
            tags: crate::domain::model::Tags::new(),
            sso: false,
            sso_roles: Vec::new(),
            sso_roles_read: false,
            org: None,
        });
    }
    if grouped && !org.org_units.iter().any(|ou| ou.id == SAML_OU) {
        org.org_units.push(OrgUnit {
            id: SAML_OU.into(),
            name: "SAML".into(),
            parent_id: org.root_id.clone(),
        });
    }
}

/// Puts IAM Identity Center's accounts into `org`: an account Organizations listed is marked
/// as one the portal gives roles in (read when first needed); any other goes under an
/// "Identity Center" group.
pub fn merge_sso(org: &mut Org, accounts: Vec<SsoAccount>) {
    let mut index: HashMap<String, usize> = org
        .accounts
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.to_string(), i))
        .collect();
    let mut grouped = false;
    for a in accounts {
        if let Some(&i) = index.get(&a.id) {
            org.accounts[i].sso = true;
            continue;
        }
        let Ok(id) = AccountId::parse(&a.id) else {
            tracing::warn!(account = %a.id, "IAM Identity Center listed an account id that is not one");
            continue;
        };
        grouped = true;
        index.insert(a.id.clone(), org.accounts.len());
        org.accounts.push(Account {
            id,
            name: a.name,
            email: a.email,
            status: AccountStatus::Active,
            joined: None,
            parent_id: IDENTITY_CENTER_OU.into(),
            tags: crate::domain::model::Tags::new(),
            sso: true,
            sso_roles: Vec::new(),
            sso_roles_read: false,
            org: None,
        });
    }
    if grouped && !org.org_units.iter().any(|ou| ou.id == IDENTITY_CENTER_OU) {
        org.org_units.push(OrgUnit {
            id: IDENTITY_CENTER_OU.into(),
            name: "Identity Center".into(),
            parent_id: org.root_id.clone(),
        });
    }
}

/// What [`store`] did with a sync's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    /// The result is the cache now.
    Written,
    /// The result was partial and the cache holds a complete snapshot from this time: kept.
    KeptPrevious(OffsetDateTime),
}

/// Caches a sync's result. A partial result never replaces a complete snapshot; it is cached
/// (marked partial) only when there is nothing better to keep.
///
/// # Errors
/// When the cache file cannot be written.
pub fn store(cache: &InventoryCache, inventory: &Inventory) -> Result<Stored, CacheWriteError> {
    if inventory.is_partial()
        && let Ok(Some(previous)) = cache.load()
        && !previous.is_partial()
    {
        tracing::warn!(synced_at = %previous.synced_at, "partial sync; the complete cache is kept");
        return Ok(Stored::KeptPrevious(previous.synced_at));
    }
    cache.store(inventory)?;
    Ok(Stored::Written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::org::Discovered;

    fn sso(id: &str, name: &str) -> SsoAccount {
        SsoAccount {
            id: id.into(),
            name: name.into(),
            email: format!("{name}@example.com"),
        }
    }

    fn org() -> Org {
        Org {
            root_id: "r-1".into(),
            org_units: vec![OrgUnit {
                id: "ou-1".into(),
                name: "Prod".into(),
                parent_id: "r-1".into(),
            }],
            accounts: vec![Account {
                id: AccountId::parse("111111111111").unwrap(),
                name: "shop-prod".into(),
                email: "shop@example.com".into(),
                status: AccountStatus::Active,
                joined: None,
                parent_id: "ou-1".into(),
                tags: crate::domain::model::Tags::new(),
                sso: false,
                sso_roles: Vec::new(),
                sso_roles_read: false,
                org: None,
            }],
            ..Org::default()
        }
    }

    fn identity() -> CallerIdentity {
        CallerIdentity {
            account: "111111111111".into(),
            arn: "arn:aws:iam::111111111111:user/me".into(),
            user_id: "AIDA".into(),
        }
    }

    fn discovered(org: Org) -> Discovered {
        Discovered {
            org,
            policy_types: Vec::new(),
            gaps: Vec::new(),
            pace: crate::aws::pace::PaceStats::default(),
        }
    }

    fn listing() -> SsoListing {
        SsoListing {
            accounts: vec![
                sso("111111111111", "Shop Production"),
                sso("222222222222", "contractor-sandbox"),
                sso("not-an-id", "broken"),
            ],
        }
    }

    #[test]
    fn an_account_known_to_both_is_one_row_and_the_rest_are_grouped() {
        let mut org = org();
        merge_sso(&mut org, listing().accounts);
        assert_eq!(
            org.accounts.len(),
            2,
            "one row per account, the bad id skipped"
        );
        assert_eq!(
            org.accounts[0].name, "shop-prod",
            "Organizations' name is kept"
        );
        assert_eq!(org.accounts[0].parent_id, "ou-1");
        assert!(org.accounts[0].sso, "marked: the portal gives roles there");
        assert_eq!(org.accounts[1].parent_id, IDENTITY_CENTER_OU);
        assert!(org.accounts[1].sso);
        assert!(
            org.accounts.iter().all(|a| a.sso_roles.is_empty()),
            "roles are read later"
        );
        let group = org.org_units.last().unwrap();
        assert_eq!(
            (group.name.as_str(), group.parent_id.as_str()),
            ("Identity Center", "r-1")
        );
        let tree = crate::domain::model::OrgTree::build(&org);
        assert_eq!(tree.account_path(1), ["Identity Center"]);
        // Merging again adds no second group and no second row.
        merge_sso(&mut org, listing().accounts);
        assert_eq!(org.org_units.len(), 2);
        assert_eq!(org.accounts.len(), 2);
    }

    #[test]
    fn no_group_when_organizations_lists_every_account() {
        let mut org = org();
        merge_sso(&mut org, vec![sso("111111111111", "x")]);
        assert_eq!(org.org_units.len(), 1);
    }

    #[test]
    fn unreadable_org_gives_identity_center_accounts_alone() {
        let denied = AwsError::AccessDenied {
            action: "organizations:ListRoots",
            message: "no".into(),
            config: "c".into(),
        };
        let inv = combine(Err(denied), Some(Ok(listing())), None).unwrap();
        assert!(!inv.is_partial(), "nothing more can be read: complete");
        assert_eq!(
            inv.org_error.as_deref(),
            Some("access denied to organizations:ListRoots")
        );
        assert!(inv.identity.is_none());
        assert_eq!(inv.org.accounts.len(), 2);
        assert!(
            inv.org
                .accounts
                .iter()
                .all(|a| a.parent_id == IDENTITY_CENTER_OU)
        );
        assert_eq!(inv.org.org_units[0].parent_id, inv.org.root_id);
    }

    #[test]
    fn an_empty_listing_leaves_the_organizations_error() {
        let denied = AwsError::AccessDenied {
            action: "organizations:ListRoots",
            message: "no".into(),
            config: "c".into(),
        };
        let err = combine(Err(denied), Some(Ok(SsoListing::default())), None).unwrap_err();
        assert!(matches!(err, AwsError::AccessDenied { .. }), "{err}");
    }

    #[test]
    fn trouble_on_the_way_to_organizations_makes_a_partial_result() {
        let network = AwsError::Network {
            action: "organizations:ListRoots",
            detail: "refused".into(),
        };
        let inv = combine(Err(network), Some(Ok(listing())), None).unwrap();
        assert!(inv.is_partial(), "a complete cache must not be replaced");
        assert!(inv.org_error.is_none());
    }

    #[test]
    fn an_expired_sign_in_is_a_gap_next_to_the_org_and_the_error_alone() {
        let expired = || AwsError::SsoLogin {
            profile: "corp".into(),
            why: "has expired".into(),
        };
        let inv = combine(
            Ok((identity(), discovered(org()))),
            Some(Err(expired())),
            None,
        )
        .unwrap();
        assert!(inv.is_partial());
        assert!(
            inv.gaps[0].error.contains("awsnav login --profile corp"),
            "{:?}",
            inv.gaps
        );
        let no_creds = AwsError::NoCredentials {
            profile: None,
            detail: "none".into(),
            config: "c".into(),
        };
        let err = combine(Err(no_creds), Some(Err(expired())), None).unwrap_err();
        assert!(matches!(err, AwsError::SsoLogin { .. }), "{err}");
        let throttled = AwsError::Throttled {
            action: "organizations:ListRoots",
            message: "slow".into(),
        };
        let err = combine(Err(throttled), Some(Err(expired())), None).unwrap_err();
        assert!(matches!(err, AwsError::Throttled { .. }), "{err}");
    }

    #[test]
    fn without_identity_center_nothing_changes() {
        let inv = combine(Ok((identity(), discovered(org()))), None, None).unwrap();
        assert_eq!(inv.org, org());
        assert!(!inv.is_partial() && inv.org_error.is_none());
    }
}
