//! `awsnav refresh`, and the inventory every other command starts from: the cache, or a sync
//! when there is none.

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::process::ExitCode;

use time::OffsetDateTime;

use super::output::say;
use super::sign_in::{offer_for, offer_sso_login};
use crate::app::context::AppContext;
use crate::app::{org_reader, sso_roles, sync};
use crate::aws::AwsError;
use crate::aws::org::SyncProgress;
use crate::domain::inventory::{Inventory, age_text};
use crate::domain::lookalike::Lookalikes;
use crate::store::inventory_cache::CACHE_FORMAT;
use crate::store::inventory_codec;

/// `awsnav refresh`: read the organization and cache it; the exit code says whether every
/// part of it could be read.
///
/// # Errors
/// When the organization cannot be read.
pub async fn refresh(
    ctx: &AppContext,
    mfa_code: Option<&str>,
) -> anyhow::Result<std::process::ExitCode> {
    let demo = ctx.is_demo();
    if demo {
        say!("awsnav: the demo organization is built in; nothing to refresh");
        return Ok(std::process::ExitCode::SUCCESS);
    }
    let inv = sync_and_store(ctx, mfa_code).await?;
    Ok(completeness(&inv))
}

/// The cached inventory, or a fresh sync when there is none (or `refresh`).
///
/// # Errors
/// When a needed sync fails.
pub async fn inventory(ctx: &AppContext, refresh: bool) -> anyhow::Result<Inventory> {
    if !refresh && let Some(inv) = cached_inventory(ctx) {
        return Ok(inv);
    }
    sync_and_store(ctx, None).await
}

/// The cached inventory, if there is a usable one; never a sync. A cache that cannot be used
/// is reported on stderr.
#[must_use]
pub fn cached_inventory(ctx: &AppContext) -> Option<Inventory> {
    cached_inventory_where(ctx, |_| true)
}

/// [`cached_inventory`] with only the accounts whose id `keep` accepts (every OU kept): for
/// an account named by its id, which needs no other.
#[must_use]
pub fn cached_inventory_where(
    ctx: &AppContext,
    keep: impl Fn(&str) -> bool + Sync,
) -> Option<Inventory> {
    match ctx.load_inventory_where(keep) {
        Ok(Some(mut inv)) => {
            if let Some(summary) = inv.partial_summary() {
                say!("awsnav: warning: the cached inventory is incomplete: {summary}");
            }
            sso_roles::apply_cached(ctx, &mut inv);
            Some(inv)
        }
        Ok(None) => None,
        Err(problem) => {
            tracing::warn!(%problem, "cache not used");
            say!("awsnav: warning: {problem}");
            None
        }
    }
}

/// The accounts of the cached inventory whose names look like another's ([`Lookalikes`]):
/// id → the ids of those others. For a production prompt, which must not be passed by the
/// look-alike's name whether the account was named by its id or not; empty without a cache.
#[must_use]
pub fn cached_lookalikes(ctx: &AppContext) -> BTreeMap<String, Vec<String>> {
    let pairs = |accounts: &[(&str, &str)]| {
        let alike = Lookalikes::of(accounts.iter().map(|(_, name)| *name));
        (0..accounts.len())
            .filter(|i| alike.has(*i))
            .map(|i| {
                let others = alike.others(i).map(|j| accounts[j].0.to_owned());
                (accounts[i].0.to_owned(), others.collect())
            })
            .collect()
    };
    // The cache read in place when it can be: no account built for a look at the names.
    if ctx.orgs.is_empty()
        && let Some(bytes) = ctx.inventory_cache.read_binary()
        && let Ok(view) = inventory_codec::view(&bytes, CACHE_FORMAT)
    {
        let accounts: Vec<(&str, &str)> = view.accounts.iter().map(|a| (a.id, a.name)).collect();
        return pairs(&accounts);
    }
    match ctx.load_inventory() {
        Ok(Some(inv)) => {
            let accounts: Vec<(&str, &str)> = inv
                .org
                .accounts
                .iter()
                .map(|a| (a.id.as_str(), a.name.as_str()))
                .collect();
            pairs(&accounts)
        }
        _ => BTreeMap::new(),
    }
}

/// Syncs from AWS, stores the cache, reports on stderr (with progress on a terminal).
/// `mfa_code`: `--mfa-code`, for a reader that needs one (`[org] role`, `[org] mfa`).
///
/// # Errors
/// When the sync fails.
pub async fn sync_and_store(ctx: &AppContext, mfa_code: Option<&str>) -> anyhow::Result<Inventory> {
    if ctx.orgs.is_empty() {
        return sync_one(ctx, mfa_code, None).await;
    }
    sync_orgs(ctx, mfa_code).await
}

/// Syncs every organization at once, each stored in its own cache; one that fails is said
/// and keeps its cached accounts, and never holds the others back. Returns the organizations
/// as one tree.
///
/// # Errors
/// When every organization fails.
async fn sync_orgs(ctx: &AppContext, mfa_code: Option<&str>) -> anyhow::Result<Inventory> {
    let runs = ctx
        .orgs
        .iter()
        // Boxed: each run's future is large, and several side by side overflow the
        // compiler's layout depth in release builds.
        .map(|(name, org)| {
            Box::pin(async move { (name, sync_one(org, mfa_code, Some(name)).await) })
        });
    let mut failed = Vec::new();
    let mut first_error = None;
    for (name, result) in futures_util::future::join_all(runs).await {
        if let Err(e) = result {
            say!("awsnav: organization {name} was not read: {e:#}; its cached accounts are kept");
            failed.push((name.clone(), format!("{e:#}")));
            first_error.get_or_insert(e);
        }
    }
    if failed.len() == ctx.orgs.len()
        && let Some(first) = first_error
    {
        return Err(first);
    }
    let mut inv = ctx
        .load_inventory()?
        .ok_or_else(|| anyhow::anyhow!("no organization could be read"))?;
    for summary in &mut inv.orgs {
        if let Some((_, why)) = failed.iter().find(|(name, _)| *name == summary.name) {
            summary.failure = Some(why.clone());
        }
    }
    sso_roles::apply_cached(ctx, &mut inv);
    Ok(inv)
}

/// Syncs one organization (`org`: its name, with several) and stores its cache.
async fn sync_one(
    ctx: &AppContext,
    mfa_code: Option<&str>,
    org: Option<&str>,
) -> anyhow::Result<Inventory> {
    let mfa =
        super::prompt::mfa_source(ctx, mfa_code.map(str::to_owned), "to read the organization");
    // Several organizations' progress would overwrite each other's line.
    let tty = std::io::stderr().is_terminal() && org.is_none();
    let of = org.map_or_else(String::new, |name| format!("{name}: "));
    let progress = move |p: SyncProgress| {
        if tty {
            let (done, known) = p.done_and_known();
            let sso = if p.sso_accounts > 0 {
                format!(" · {} Identity Center accounts", p.sso_accounts)
            } else {
                String::new()
            };
            eprint!(
                "\r\x1b[2Ksyncing: {done}/{known} requests done · {} OUs · {} accounts{sso} · {} API calls",
                p.ous_found, p.accounts_found, p.api_calls
            );
        }
    };
    // The progress line is cleared after each run (the sign-in offer asks between them).
    let run = || async {
        let result = org_reader::sync(ctx, &mfa, OffsetDateTime::now_utc, &progress).await;
        if tty {
            eprint!("\r\x1b[2K");
        }
        result
    };
    let mut result = run().await;
    if let Err(e) = &result
        && offer_for(ctx, e).await?
    {
        result = run().await;
    }
    let (inv, stats) = result?;
    let throttled = if stats.throttled > 0 {
        format!(" ({} throttled answers retried)", stats.throttled)
    } else {
        String::new()
    };
    let count =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    say!(
        "{of}{} {} in {} with {} API calls in {:.1} s{throttled}",
        if inv.is_partial() {
            "read only"
        } else {
            "synced"
        },
        count(inv.org.accounts.len(), "account", "accounts"),
        count(inv.org.org_units.len(), "OU", "OUs"),
        stats.api_calls,
        stats.elapsed.as_secs_f64()
    );
    let with_sso = inv.org.accounts.iter().filter(|a| a.sso).count();
    if with_sso > 0 {
        say!(
            "IAM Identity Center gives you roles in {} (each account's roles are read when first needed)",
            count(with_sso, "account", "accounts")
        );
    }
    if let Some(shared) = &ctx.shared {
        say!(
            "read from the shared inventory {} (exported {})",
            shared.location,
            age_text(inv.synced_at, OffsetDateTime::now_utc())
        );
    }
    if let Some(why) = &inv.org_error {
        say!(
            "awsnav: the organization was not read, so these are the accounts IAM Identity Center gives you ({why})"
        );
    }
    if let Some(summary) = inv.partial_summary() {
        say!("awsnav: warning: {summary}");
    }
    if let Some(first) = inv.guardrails.unread.first() {
        say!(
            "awsnav: warning: the policies of {} could not be read ({first}); they are read again when needed",
            count(inv.guardrails.unread.len(), "target", "targets")
        );
    }
    match sync::store(&ctx.inventory_cache, &inv) {
        Ok(sync::Stored::Written) => {}
        Ok(sync::Stored::KeptPrevious(at)) => say!(
            "awsnav: the complete inventory cached {} was kept; run `awsnav refresh` again later",
            age_text(at, OffsetDateTime::now_utc())
        ),
        Err(e) => {
            tracing::warn!(error = %e, "cache write failed");
            say!("awsnav: warning: {e}");
        }
    }
    let mut inv = inv;
    sso_roles::apply_cached(ctx, &mut inv);
    Ok(inv)
}

/// Makes sure the IAM Identity Center roles of accounts `which` of `inv` are known: read from
/// the portal when they never were or are older than `[sso] roles_ttl_minutes` (with a line
/// saying so on a terminal when there are many), offering a sign-in when needed and `offer`.
/// Accounts whose roles could not be read (and are not known from before) are named in a
/// warning.
///
/// # Errors
/// When the portal cannot be asked (no sign-in, declined) and some roles are not known.
pub async fn ensure_sso_roles(
    ctx: &AppContext,
    inv: &mut Inventory,
    which: &[usize],
    offer: bool,
) -> anyhow::Result<()> {
    let tty = std::io::stderr().is_terminal() && which.len() > 1;
    let clear = || {
        if tty {
            eprint!("\r\x1b[2K");
        }
    };
    if tty {
        eprint!("\r\x1b[2Kreading the roles IAM Identity Center gives…");
    }
    let mut result = sso_roles::ensure(ctx, inv, which, OffsetDateTime::now_utc()).await;
    if let Err(AwsError::SsoLogin { profile, .. }) = &result
        && offer
    {
        clear();
        if offer_sso_login(ctx, profile).await? {
            result = sso_roles::ensure(ctx, inv, which, OffsetDateTime::now_utc()).await;
        }
    }
    clear();
    let done = match result {
        Ok(done) => done,
        // Many accounts: the others' roles, and every IAM role, still serve.
        Err(e) if which.len() > 1 => {
            say!(
                "awsnav: warning: the roles IAM Identity Center gives could not be read, so those not read before are left out: {e}"
            );
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    if done.read > 0 {
        tracing::info!(
            read = done.read,
            api_calls = done.api_calls,
            "Identity Center roles read"
        );
    }
    warn_unread_roles(&done.failed);
    Ok(())
}

/// Warns on stderr about accounts whose Identity Center roles could not be read.
fn warn_unread_roles(failed: &[(String, AwsError)]) {
    if let Some((id, e)) = failed.first() {
        let more = match failed.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        say!(
            "awsnav: warning: the roles IAM Identity Center gives in {id}{more} could not be read, so they are left out: {e}"
        );
    }
}

/// Exit status of `list` and `refresh` when the inventory is partial.
pub const PARTIAL_EXIT: u8 = 3;

/// The exit status of a command that showed `inv`: [`PARTIAL_EXIT`] when it is partial, so
/// scripts notice.
#[must_use]
pub fn completeness(inv: &Inventory) -> ExitCode {
    if inv.is_partial() {
        ExitCode::from(PARTIAL_EXIT)
    } else {
        ExitCode::SUCCESS
    }
}
