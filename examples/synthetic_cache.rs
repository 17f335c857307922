//! Writes a synthetic inventory cache, for startup benchmarks without AWS.
//!
//! `cargo run --release --example synthetic_cache -- CACHE_DIR ACCOUNTS [ROLE]` writes the
//! cache file awsnav reads for the default credential chain (no `[org] profile`) under
//! `CACHE_DIR`: `demo::synthetic(ACCOUNTS, 4, 4)`, synced now. With ROLE, it also caches a
//! role session (fake keys, valid for an hour) for ROLE in the first active account, as a previous
//! `awsnav exec` would have, and prints that account's id; with `all` after ROLE, in every
//! active account, printing how many. With `AWSNAV_SESSIONS=keyring` in
//! the environment, that session's keys go to the OS keyring (`[auth] sessions = "keyring"`).

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
    let dir = std::path::Path::new(&dir);
    let cache = InventoryCache::new(dir, None);
    cache.store(&inventory)?;
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
