//! `awsnav export`: the inventory as the file a platform team shares, which people who may
//! not read Organizations point `[org] source` at.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use time::OffsetDateTime;

use super::output::say;
use super::output::write_stdout;
use super::refresh;
use crate::app::context::AppContext;
use crate::domain::inventory::age_text;
use crate::store::inventory_cache::encode;

/// Writes the cached (or, with `refresh`, a fresh) inventory to `output` or stdout.
///
/// # Errors
/// When there is no inventory to be had, it is partial, or the file cannot be written.
pub async fn export(
    ctx: &AppContext,
    output: Option<&Path>,
    refresh: bool,
) -> anyhow::Result<ExitCode> {
    let demo = ctx.is_demo();
    let inv = if demo {
        crate::domain::demo::inventory(OffsetDateTime::now_utc())
    } else {
        refresh::inventory(ctx, refresh).await?
    };
    if let Some(summary) = inv.partial_summary() {
        bail!(
            "the inventory is not complete, and others would take it for the whole organization ({summary}): run `awsnav refresh` until it is, then export"
        );
    }
    let bytes = encode(&inv).context("cannot encode the inventory")?;
    let Some(path) = output else {
        write_stdout(&String::from_utf8_lossy(&bytes))?;
        return Ok(ExitCode::SUCCESS);
    };
    write_shared(path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
    say!(
        "exported {} accounts in {} OUs (read {}) to {}",
        inv.org.accounts.len(),
        inv.org.org_units.len(),
        age_text(inv.synced_at, OffsetDateTime::now_utc()),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes `bytes` to `path` atomically, readable by others (it is meant to be shared; it
/// holds no credentials).
fn write_shared(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
