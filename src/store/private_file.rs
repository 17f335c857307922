//! Files awsnav writes: private directories, atomic owner-only writes, safe file-name keys.

use std::io::Write as _;
use std::path::Path;

/// Makes sure `dir` is a folder for secrets: the folders missing on the way are created
/// readable by the owner only (0700); a folder that is there already is never changed, and
/// refused when another user could put or swap files in it (as ssh refuses such a folder).
///
/// # Errors
/// When the folder cannot be created, or is there and others can write in it or own it.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        if !dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
        only_ours(dir)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// `Err` saying why when another user could change what `dir` holds: it is someone else's
/// (root's aside), or others may write in it.
#[cfg(unix)]
fn only_ours(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt as _;
    let meta = std::fs::metadata(dir)?;
    let me = nix::unistd::geteuid().as_raw();
    let refused = |why: String| {
        std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "{} {why}: awsnav keeps credentials only in a folder no one else can write to; choose another folder",
                dir.display()
            ),
        )
    };
    if !meta.is_dir() {
        return Err(refused("is not a folder".to_owned()));
    }
    if meta.uid() != me && meta.uid() != 0 {
        return Err(refused(format!(
            "belongs to another user (uid {})",
            meta.uid()
        )));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(refused(format!(
            "can be written by other users (mode {mode:04o}; `chmod go-w` it if that is not meant)"
        )));
    }
    Ok(())
}

/// Creates the folders missing on the way to `dir`, readable by the owner only, and leaves
/// every folder that is there as it is — for files that hold no secret, which may go to a
/// folder a team shares (a kubeconfig).
///
/// # Errors
/// When a folder cannot be created.
pub fn create_dirs(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// Writes `bytes` to `path` atomically, mode 0600 from the first byte, in a folder only the
/// owner can write (see [`create_private_dir`]): the data goes to a temporary file beside it,
/// is synced, then renamed over `path`, so a failed write leaves the previous file intact.
///
/// # Errors
/// When the folder is not private, or the folder or the file cannot be written.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    write_owner_only(dir, path, bytes)
}

/// [`write_private`] for a file that holds no secret: the folder is created as there, or
/// left as it is (a team's shared folder), and the file is still 0600.
///
/// # Errors
/// When the folder or the file cannot be written.
pub fn write_new_config(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    create_dirs(dir)?;
    write_owner_only(dir, path, bytes)
}

/// The temporary file is 0600 when made (tempfile's default), so the bytes are never
/// readable by others, not even for an instant.
fn write_owner_only(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

pub use crate::domain::untrusted::file_key;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_leave_the_directory() {
        assert_eq!(file_key("../evil/x y"), "___evil_x_y");
        assert_eq!(file_key("prod-Admin_1"), "prod-Admin_1");
    }

    #[cfg(unix)]
    #[test]
    fn writes_are_private_and_replace_atomically() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/f.json");
        write_private(&path, b"one").unwrap();
        write_private(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("sub")), 0o700);
        assert_eq!(
            std::fs::read_dir(dir.path().join("sub")).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[cfg(unix)]
    fn mode_of(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[cfg(unix)]
    fn folder(mode: u32) -> tempfile::TempDir {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(mode)).unwrap();
        dir
    }

    /// A team's folder (group-writable, setgid) and a sticky one like /tmp keep their modes,
    /// and no secret is written where others can write.
    #[cfg(unix)]
    #[test]
    fn a_folder_that_is_there_is_never_changed() {
        for mode in [0o2775, 0o1777, 0o777, 0o770] {
            let dir = folder(mode);
            let err = write_private(&dir.path().join("secret.json"), b"{}").unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
            assert!(
                err.to_string().contains("can be written by other users"),
                "{err}"
            );
            assert_eq!(mode_of(dir.path()), mode, "{mode:o} was changed");
            assert!(!dir.path().join("secret.json").exists());
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
            // A file with no secret (a kubeconfig) may go there: 0600, the folder as it was.
            let config = dir.path().join("team-kubeconfig");
            write_new_config(&config, b"apiVersion: v1").unwrap();
            assert_eq!(mode_of(&config), 0o600);
            assert_eq!(mode_of(dir.path()), mode, "{mode:o} was changed");
        }
        // A folder others may read but not write is fine, and stays as it is.
        let dir = folder(0o755);
        write_private(&dir.path().join("f"), b"x").unwrap();
        assert_eq!(mode_of(dir.path()), 0o755);
        assert_eq!(mode_of(&dir.path().join("f")), 0o600);
        // Folders awsnav makes are 0700, every one of them.
        let top = folder(0o755);
        write_private(&top.path().join("a/b/f"), b"x").unwrap();
        assert_eq!(mode_of(&top.path().join("a")), 0o700);
        assert_eq!(mode_of(&top.path().join("a/b")), 0o700);
        assert!(
            create_private_dir(&top.path().join("a/b/f")).is_err(),
            "a file is no folder"
        );
    }
}
