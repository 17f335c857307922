//! Writes a synthetic inventory cache, for startup benchmarks without AWS.
//!
//! `cargo run --release --example synthetic_cache -- CACHE_DIR ACCOUNTS [ROLE]` writes the
//! cache file awsnav reads for the default credential chain (no `[org] profile`) under
//! `CACHE_DIR`: `demo::synthetic(ACCOUNTS, 4, 4)`, synced now, and the cost cache of its
//! active accounts (`demo::cost_snapshot_of`: six months, read now), as the default
//! configuration (costs on) reads them. With ROLE, it also caches a
//! role session (fake keys, valid for an hour) for ROLE in the first active account, as a previous
//! `awsnav exec` would have, and prints that account's id; with `all` after ROLE, in every
//! active account, printing how many. With `AWSNAV_SESSIONS=keyring` in
//! the environment, that session's keys go to the OS keyring (`[auth] sessions = "keyring"`).
//! With `AWSNAV_SYNTHETIC_ORG=NAME` (and `AWSNAV_SYNTHETIC_SHIFT=N`, 1-9), it writes the cache
//! of `[[org]] name = NAME` instead, its root, OU and account ids its own (account ids shifted
//! by N × 10¹¹) and its account names starting with NAME, so that several such organizations
//! make one tree.

use awsnav::app::access::Access;
use awsnav::domain::credentials::{Credentials, RoleSession, Via};
use awsnav::store::inventory_cache::InventoryCache;
use awsnav::store::session_cache::CredentialCache;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(accounts)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: synthetic_cache CACHE_DIR ACCOUNTS [ROLE]");
    };
    let accounts: usize = accounts.parse()?;
    let now = time::OffsetDateTime::now_utc();
    let mut inventory = awsnav::domain::demo::inventory(now);
    inventory.org = awsnav::domain::demo::synthetic(accounts, 4, 4);
    inventory.profile = None;
    let org = std::env::var("AWSNAV_SYNTHETIC_ORG").ok();
    if let Some(name) = &org {
        let shift: u64 = std::env::var("AWSNAV_SYNTHETIC_SHIFT")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1);
        let own = |id: &str| format!("{id}-{name}");
        inventory.org.root_id = own(&inventory.org.root_id);
        for ou in &mut inventory.org.org_units {
            ou.id = own(&ou.id);
            ou.parent_id = own(&ou.parent_id);
        }
        for account in &mut inventory.org.accounts {
            let n: u64 = account.id.as_str().parse()?;
            account.id = awsnav::domain::model::AccountId::from_number(n + shift * 100_000_000_000);
            account.parent_id = own(&account.parent_id);
            // Another organization's accounts go by names of their own.
            account.name = format!("{name}-{}", account.name);
        }
        inventory.org.management_account_id = inventory.org.accounts.first().map(|a| a.id.clone());
    }
    let dir = std::path::Path::new(&dir);
    let key = org.as_ref().map(|name| format!("org-{name}"));
    let cache = InventoryCache::new(dir, key.as_deref());
    cache.store(&inventory)?;
    if org.is_none() {
        // What Cost Explorer said of every active account, as `list --json` and the navigator
        // read it with the default configuration (costs on).
        let costs = awsnav::domain::demo::cost_snapshot_of(&inventory.org, now);
        awsnav::store::cost_cache::CostCache::new(dir, None).store(&costs)?;
    }
    let Some(role) = args.next() else {
        println!("{}", cache.path().display());
        return Ok(());
    };
    let every = args.next().is_some_and(|a| a == "all");
    let active: Vec<_> = inventory
        .org
        .accounts
        .iter()
        .filter(|a| a.status.is_active())
        .take(if every { usize::MAX } else { 1 })
        .collect();
    if active.is_empty() {
        anyhow::bail!("no active account");
    }
    let in_keyring = std::env::var("AWSNAV_SESSIONS").is_ok_and(|v| v == "keyring");
    let sessions = CredentialCache::new(dir).with_keyring(in_keyring);
    for account in &active {
        let session = RoleSession {
            credentials: Credentials {
                access_key_id: "ASIABENCHMARK0000000".into(),
                secret_access_key: "benchmark-secret".into(),
                session_token: Some("benchmark-token".into()),
                expiration: Some(now + time::Duration::hours(1)),
            },
            account_id: account.id.to_string(),
            role: role.clone(),
            role_arn: format!("arn:aws:iam::{}:role/{role}", account.id),
            via: Via::MfaSession,
        };
        sessions.store_role(&Access::base_key(None), &session)?;
    }
    if every {
        println!("{}", active.len());
    } else {
        println!("{}", active[0].id);
    }
    Ok(())
}
