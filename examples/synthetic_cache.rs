//! Writes a synthetic inventory cache, for startup benchmarks without AWS.
//!
//! `cargo run --release --example synthetic_cache -- CACHE_DIR ACCOUNTS` writes the cache
//! file awsnav reads for the default credential chain (no `[org] profile`) under `CACHE_DIR`:
//! `demo::synthetic(ACCOUNTS, 4, 4)`, synced now.

use awsnav::store::inventory_cache::InventoryCache;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(accounts)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: synthetic_cache CACHE_DIR ACCOUNTS");
    };
    let accounts: usize = accounts.parse()?;
    let mut inventory = awsnav::domain::demo::inventory(time::OffsetDateTime::now_utc());
    inventory.org = awsnav::domain::demo::synthetic(accounts, 4, 4);
    inventory.profile = None;
    let cache = InventoryCache::new(std::path::Path::new(&dir), None);
    cache.store(&inventory)?;
    println!("{}", cache.path().display());
    Ok(())
}
