//! awsnav's marked block in the AWS config file (`config generate --write`): replaced in place,
//! everything outside it kept byte for byte, the old file backed up, the new one written
//! atomically with the old permissions.

use std::path::{Path, PathBuf};

/// The first and last lines of the block awsnav owns in the AWS config file.
pub const BEGIN: &str = "# >>> awsnav generated profiles (awsnav config generate --write) >>>";
pub const END: &str = "# <<< awsnav generated profiles <<<";

/// `existing` with its awsnav block replaced by `block` (or `block` appended after a blank
/// line when there is none). Everything outside the block stays byte for byte.
///
/// # Errors
/// When the file has a begin marker without an end marker (or the other way round): awsnav
/// will not guess where its block ends.
pub fn merge(existing: &str, block: &str) -> Result<String, String> {
    let begin = find_line(existing, BEGIN);
    let end = find_line(existing, END);
    match (begin, end) {
        (Some(b), Some(e)) if b < e => {
            let after = existing[e..]
                .find('\n')
                .map_or(existing.len(), |n| e + n + 1);
            Ok(format!("{}{block}{}", &existing[..b], &existing[after..]))
        }
        (None, None) => {
            let mut out = existing.to_owned();
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(block);
            Ok(out)
        }
        _ => Err(format!(
            "the file has a broken awsnav block: it needs both `{BEGIN}` and, after it, `{END}` on lines of their own"
        )),
    }
}

/// The byte offset of the line that is exactly `marker`.
fn find_line(text: &str, marker: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end_matches(['\n', '\r']) == marker {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

/// What `write` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Written {
    /// The file already held exactly this block.
    Unchanged,
    /// The file was written; the previous version is at `backup` (when there was one).
    Updated { backup: Option<PathBuf> },
}

/// Puts `block` into the AWS config file at `path`: a backup of the old file beside it
/// (`<name>.awsnav-backup`), then an atomic replace that keeps the file's permissions.
///
/// # Errors
/// When the file cannot be read or written, or its awsnav block is broken.
pub fn write(path: &Path, block: &str) -> anyhow::Result<Written> {
    use anyhow::Context as _;
    let existing = match std::fs::read_to_string(path) {
        Ok(s) => Some(s),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let merged = merge(existing.as_deref().unwrap_or(""), block)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    if existing.as_deref() == Some(merged.as_str()) {
        return Ok(Written::Unchanged);
    }
    let backup = replace_file(path, &merged, existing.is_some())?;
    Ok(Written::Updated { backup })
}

/// Replaces the file at `path` with `text`: first a backup of the old file beside it
/// (`<name>.awsnav-backup`, mode 0600: the shared credentials file holds keys), when `backup`
/// and there is one; then an atomic replace that keeps the file's permissions. Returns the
/// backup's path.
///
/// # Errors
/// When the file or its backup cannot be written.
pub fn replace_file(path: &Path, text: &str, backup: bool) -> anyhow::Result<Option<PathBuf>> {
    replace(path, text, backup, Mode::Kept)
}

/// [`replace_file`] for a file that is to hold new secrets: 0600 whatever its mode was, and
/// from the first byte (the new keys are never readable by others, not even until a chmod).
///
/// # Errors
/// When the file or its backup cannot be written.
pub fn replace_private_file(
    path: &Path,
    text: &str,
    backup: bool,
) -> anyhow::Result<Option<PathBuf>> {
    replace(path, text, backup, Mode::OwnerOnly)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The old file's.
    Kept,
    /// 0600.
    OwnerOnly,
}

fn replace(path: &Path, text: &str, backup: bool, mode: Mode) -> anyhow::Result<Option<PathBuf>> {
    use anyhow::Context as _;
    let dir = path.parent().unwrap_or(Path::new("."));
    super::private_file::create_dirs(dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let backup = match std::fs::read(path) {
        Ok(old) if backup => {
            let mut name = path.file_name().unwrap_or_default().to_os_string();
            name.push(".awsnav-backup");
            let to = dir.join(name);
            // tempfile makes the file 0600.
            let mut tmp = tempfile::NamedTempFile::new_in(dir)
                .with_context(|| format!("cannot write in {}", dir.display()))?;
            std::io::Write::write_all(&mut tmp, &old)?;
            tmp.as_file().sync_all()?;
            tmp.persist(&to).map_err(|e| e.error).with_context(|| {
                format!("cannot back up {} to {}", path.display(), to.display())
            })?;
            Some(to)
        }
        _ => None,
    };
    // tempfile makes the file 0600: the text is never readable by others before the mode is
    // chosen.
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, text.as_bytes())?;
    tmp.as_file().sync_all()?;
    if mode == Mode::Kept
        && let Ok(meta) = std::fs::metadata(path)
    {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(backup)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A credentials file others could read gets new keys only as a 0600 file: the new file
    /// is never, even for an instant, of the old mode (watched by a thread as it is written).
    #[cfg(unix)]
    #[test]
    fn new_secrets_are_owner_only_from_the_first_byte() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        std::fs::write(&path, "[a]\naws_access_key_id = AKIAOLD\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watcher = {
            let (dir, done) = (dir.path().to_owned(), done.clone());
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    for e in std::fs::read_dir(&dir).unwrap().flatten() {
                        // The mode and the text of one file: the one opened (a rename may
                        // put another file at the name between two looks).
                        let Ok(mut f) = std::fs::File::open(e.path()) else {
                            continue;
                        };
                        let mut text = String::new();
                        if let Ok(m) = f.metadata()
                            && std::io::Read::read_to_string(&mut f, &mut text).is_ok()
                            && text.contains("NEWSECRET")
                        {
                            seen.push(m.permissions().mode() & 0o777);
                        }
                    }
                }
                seen
            })
        };
        for _ in 0..200 {
            replace_private_file(&path, "[a]\naws_secret_access_key = NEWSECRET\n", true).unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        let seen = watcher.join().unwrap();
        assert!(!seen.is_empty(), "the watcher saw nothing");
        assert!(seen.iter().all(|&m| m == 0o600), "{seen:?}");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("credentials.awsnav-backup")), 0o600);
        // A file whose mode is kept keeps it.
        replace_file(&path, "x", false).unwrap();
        assert_eq!(mode(&path), 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        replace_file(&path, "y", false).unwrap();
        assert_eq!(mode(&path), 0o640);
    }

    #[test]
    fn a_broken_block_is_refused() {
        let err = merge(&format!("[default]\n{BEGIN}\n[profile a]\n"), "x").unwrap_err();
        assert!(err.contains("broken awsnav block"), "{err}");
    }
}
