//! The roles IAM Identity Center gives in each account, read when first needed: a refresh
//! lists only the accounts (a handful of requests for a thousand), and an account's roles are
//! read when it is selected in the TUI, named on the command line, or everything is asked for
//! (`config generate`, `list --json --roles`). They are cached with the time they were read
//! and read again once older than `[sso] roles_ttl_minutes`.

use std::collections::HashMap;

use time::OffsetDateTime;

use super::context::AppContext;
use crate::aws::{AwsError, CallCounter};
use crate::domain::inventory::Inventory;
use crate::store::sso_role_cache::{KnownRoles, RoleTable};

/// Puts the cached roles into the accounts of `inv` the portal lists, whatever their age.
/// Reads the cache file only when there are such accounts; returns what it holds.
pub fn apply_cached(ctx: &AppContext, inv: &mut Inventory) -> RoleTable {
    if !ctx.orgs.is_empty() {
        // Each organization's Identity Center instance: an account two of them list has the
        // roles of both.
        let mut all = RoleTable::default();
        for (_, org) in ctx.orgs.iter().filter(|(_, o)| o.config.sso.enabled) {
            for (id, known) in org.sso_role_cache.load().accounts {
                match all.accounts.entry(id) {
                    std::collections::btree_map::Entry::Vacant(e) => {
                        e.insert(known);
                    }
                    std::collections::btree_map::Entry::Occupied(mut e) => {
                        let both = e.get_mut();
                        for role in known.roles {
                            if !both.roles.contains(&role) {
                                both.roles.push(role);
                            }
                        }
                        both.roles.sort();
                        both.read_at = both.read_at.min(known.read_at);
                    }
                }
            }
        }
        apply(&all.accounts, inv);
        return all;
    }
    if !ctx.config.sso.enabled
        || !inv
            .org
            .accounts
            .iter()
            .any(crate::domain::model::Account::in_identity_center)
    {
        return RoleTable::default();
    }
    let table = ctx.sso_role_cache.load();
    apply(&table.accounts, inv);
    table
}

/// Puts `known` roles into the accounts of `inv` the portal lists.
pub fn apply(known: &std::collections::BTreeMap<String, KnownRoles>, inv: &mut Inventory) {
    if known.is_empty() {
        return;
    }
    for a in inv
        .org
        .accounts
        .iter_mut()
        .filter(|a| a.in_identity_center())
    {
        if let Some(k) = known.get(a.id.as_str()) {
            a.sso_roles.clone_from(&k.roles);
            a.sso_roles_read = true;
        }
    }
}

/// Roles older than this are read again.
#[must_use]
pub fn ttl(ctx: &AppContext) -> time::Duration {
    time::Duration::minutes(i64::from(ctx.config.sso.roles_ttl_minutes))
}

/// Whether roles read at `read_at` (`None`: never) should be read again at `now`.
#[must_use]
pub fn due(read_at: Option<OffsetDateTime>, ttl: time::Duration, now: OffsetDateTime) -> bool {
    read_at.is_none_or(|at| now - at >= ttl || at > now + time::Duration::minutes(5))
}

/// What one read of the portal gave: per account, its roles or why they could not be read.
#[derive(Debug)]
pub struct RolesRead {
    pub results: Vec<(String, Result<KnownRoles, AwsError>)>,
    pub api_calls: u64,
}

/// Reads the roles of `accounts` from the portal (several at once, at `[sso]
/// requests_per_second`) and caches those read. `now` stamps them.
///
/// # Errors
/// [`AwsError::SsoLogin`] when the sign-in is missing, expired or refused; when the profile
/// has no Identity Center settings or the portal's region cannot be configured.
pub async fn read(
    ctx: &AppContext,
    accounts: &[String],
    now: OffsetDateTime,
) -> Result<RolesRead, AwsError> {
    if !ctx.orgs.is_empty() {
        return read_every_instance(ctx, accounts, now).await;
    }
    read_one_instance(ctx, accounts, now).await
}

/// [`read`] with several organizations: each account's roles from every Identity Center
/// instance that lists it (its cache says so), together; an account's roles fail only when
/// no instance could read them.
async fn read_every_instance(
    ctx: &AppContext,
    accounts: &[String],
    now: OffsetDateTime,
) -> Result<RolesRead, AwsError> {
    let wanted: std::collections::HashSet<&str> = accounts.iter().map(String::as_str).collect();
    let mut roles: std::collections::BTreeMap<String, KnownRoles> =
        std::collections::BTreeMap::new();
    let mut failed: std::collections::BTreeMap<String, AwsError> =
        std::collections::BTreeMap::new();
    let mut api_calls = 0;
    let mut last_error = None;
    for (_, org) in ctx.orgs.iter().filter(|(_, o)| o.config.sso.enabled) {
        let Ok(Some(inv)) = org.inventory_cache.load_where(|id| wanted.contains(id)) else {
            continue;
        };
        let ids: Vec<String> = inv
            .org
            .accounts
            .iter()
            .filter(|a| a.sso)
            .map(|a| a.id.to_string())
            .collect();
        if ids.is_empty() {
            continue;
        }
        match read_one_instance(org, &ids, now).await {
            Ok(read) => {
                api_calls += read.api_calls;
                for (id, result) in read.results {
                    match result {
                        Ok(known) => {
                            failed.remove(&id);
                            let both = roles.entry(id).or_insert_with(|| KnownRoles {
                                roles: Vec::new(),
                                read_at: known.read_at,
                            });
                            both.roles.extend(known.roles);
                            both.roles.sort();
                            both.roles.dedup();
                        }
                        Err(e) if !roles.contains_key(&id) => {
                            failed.insert(id, e);
                        }
                        Err(_) => {}
                    }
                }
            }
            Err(e) => last_error = Some(e),
        }
    }
    if roles.is_empty()
        && let Some(e) = last_error
    {
        return Err(e);
    }
    let mut results: Vec<(String, Result<KnownRoles, AwsError>)> =
        roles.into_iter().map(|(id, k)| (id, Ok(k))).collect();
    results.extend(failed.into_iter().map(|(id, e)| (id, Err(e))));
    Ok(RolesRead { results, api_calls })
}

/// [`read`] from the one Identity Center instance of `ctx`.
async fn read_one_instance(
    ctx: &AppContext,
    accounts: &[String],
    now: OffsetDateTime,
) -> Result<RolesRead, AwsError> {
    let source = ctx.access.sso_source().await?;
    let sdk = ctx.access.portal_sdk(&source).await?;
    let counter = CallCounter::default();
    let answers = source
        .roles_of(&sdk, accounts, ctx.config.sso.requests_per_second, &counter)
        .await?;
    let results: Vec<(String, Result<KnownRoles, AwsError>)> = answers
        .into_iter()
        .map(|(id, r)| {
            let known = r.map(|roles| KnownRoles {
                roles,
                read_at: now,
            });
            (id, known)
        })
        .collect();
    let read = results
        .iter()
        .filter_map(|(id, r)| Some((id.clone(), r.as_ref().ok()?.clone())));
    if let Err(e) = ctx.sso_role_cache.add(&source.start_url, read, now) {
        tracing::warn!(error = %e, "cannot cache Identity Center roles");
    }
    tracing::info!(
        accounts = accounts.len(),
        api_calls = counter.calls(),
        "Identity Center roles read"
    );
    Ok(RolesRead {
        results,
        api_calls: counter.calls(),
    })
}

/// What [`ensure`] did.
#[derive(Debug, Default)]
pub struct Ensured {
    /// Accounts whose roles were read from the portal.
    pub read: usize,
    pub api_calls: u64,
    /// Accounts whose roles could not be read and are not known either.
    pub failed: Vec<(String, AwsError)>,
    /// Accounts whose roles could not be read again: their older roles are used.
    pub stale: usize,
}

/// Makes sure the roles of accounts `which` of `inv` are known and younger than the TTL:
/// those that are not are read from the portal and cached. Roles that cannot be read again
/// but are known from before are used as they are (a cached role session may not need the
/// portal at all).
///
/// # Errors
/// When the portal cannot be asked (the sign-in is missing or expired, no Identity Center
/// settings) and some of those accounts' roles are not known at all.
pub async fn ensure(
    ctx: &AppContext,
    inv: &mut Inventory,
    which: &[usize],
    now: OffsetDateTime,
) -> Result<Ensured, AwsError> {
    if ctx.orgs.is_empty() && !ctx.config.sso.enabled {
        return Ok(Ensured::default());
    }
    let table = apply_cached(ctx, inv);
    let ttl = ttl(ctx);
    let wanted: Vec<usize> = which
        .iter()
        .copied()
        .filter(|&i| {
            let a = &inv.org.accounts[i];
            a.in_identity_center()
                && due(
                    table.accounts.get(a.id.as_str()).map(|k| k.read_at),
                    ttl,
                    now,
                )
        })
        .collect();
    if wanted.is_empty() {
        return Ok(Ensured::default());
    }
    let ids: Vec<String> = wanted
        .iter()
        .map(|&i| inv.org.accounts[i].id.to_string())
        .collect();
    let index: HashMap<&str, usize> = wanted
        .iter()
        .zip(&ids)
        .map(|(&i, id)| (id.as_str(), i))
        .collect();
    let read = match read(ctx, &ids, now).await {
        Ok(read) => read,
        Err(e)
            if wanted
                .iter()
                .all(|&i| !inv.org.accounts[i].sso_roles.is_empty()) =>
        {
            tracing::info!(error = %e, "Identity Center roles not read again; the cached ones are used");
            return Ok(Ensured {
                stale: wanted.len(),
                ..Ensured::default()
            });
        }
        Err(e) => return Err(e),
    };
    let mut done = Ensured {
        api_calls: read.api_calls,
        ..Ensured::default()
    };
    for (id, result) in read.results {
        let i = index[id.as_str()];
        match result {
            Ok(known) => {
                inv.org.accounts[i].sso_roles = known.roles;
                inv.org.accounts[i].sso_roles_read = true;
                done.read += 1;
            }
            Err(e) if !inv.org.accounts[i].sso_roles.is_empty() => {
                tracing::info!(account = %id, error = %e, "Identity Center roles not read again; the cached ones are used");
                done.stale += 1;
            }
            Err(e) => done.failed.push((id, e)),
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn roles_are_due_when_unknown_old_or_from_the_future() {
        let now = datetime!(2026-11-30 10:00 UTC);
        let ttl = time::Duration::minutes(60);
        assert!(due(None, ttl, now));
        assert!(!due(Some(now - time::Duration::minutes(59)), ttl, now));
        assert!(due(Some(now - time::Duration::minutes(60)), ttl, now));
        assert!(
            due(Some(now + time::Duration::hours(2)), ttl, now),
            "a clock set back must not keep roles forever"
        );
    }

    #[test]
    fn cached_roles_go_to_the_accounts_the_portal_lists() {
        let mut inv = crate::domain::demo::inventory(datetime!(2026-11-30 10:00 UTC));
        inv.org.accounts[0].sso = true;
        let id0 = inv.org.accounts[0].id.to_string();
        let id1 = inv.org.accounts[1].id.to_string();
        let known: std::collections::BTreeMap<String, KnownRoles> = [&id0, &id1]
            .into_iter()
            .map(|id| {
                (
                    id.clone(),
                    KnownRoles {
                        roles: vec!["AdministratorAccess".into()],
                        read_at: datetime!(2026-11-30 09:00 UTC),
                    },
                )
            })
            .collect();
        apply(&known, &mut inv);
        assert_eq!(inv.org.accounts[0].sso_roles, ["AdministratorAccess"]);
        assert!(
            inv.org.accounts[1].sso_roles.is_empty(),
            "an account the portal no longer lists gets none"
        );
    }
}
