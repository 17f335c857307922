//! Whether Docker finds `docker-credential-awsnav` and it is this awsnav: looked up on `PATH`
//! as Docker looks (the first executable file of that name), and beside awsnav; the link to
//! make where it is missing, made only when asked.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// The name Docker runs the helper by (`"credHelpers": {HOST: "awsnav"}`).
pub const HELPER_PROGRAM: &str = "docker-credential-awsnav";

/// Where Docker would find the helper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HelperState {
    /// The first on `PATH` is this awsnav (through links, or a hard link).
    Ready { path: PathBuf },
    /// The first on `PATH` is another program: Docker runs that.
    Other { path: PathBuf },
    /// None on `PATH`; `link`, beside awsnav, is this awsnav, but its folder is not on `PATH`.
    OffPath { link: PathBuf },
    /// None on `PATH`; something else is at `link` beside awsnav (a link gone stale, a file).
    Taken { link: PathBuf },
    /// None anywhere: `link` to be made, pointing to `target`; `on_path` says whether its
    /// folder is on `PATH`.
    Missing {
        link: PathBuf,
        target: PathBuf,
        on_path: bool,
    },
}

/// Where Docker finds the helper with `path_var` as `PATH`, for the awsnav at `own`. A link
/// to be made goes beside the `awsnav` on `PATH` (which may itself be a link to `own`: the
/// helper then follows it through upgrades), else into a folder on `PATH` in `home`, else
/// into `home`'s `.local/bin`, else beside `own`.
#[must_use]
pub fn find(path_var: Option<&OsStr>, own: &Path, home: Option<&Path>) -> HelperState {
    let dirs = path_dirs(path_var);
    if let Some(path) = first_executable(&dirs, HELPER_PROGRAM) {
        return if same_file(&path, own) {
            HelperState::Ready { path }
        } else {
            HelperState::Other { path }
        };
    }
    let beside = own.with_file_name(HELPER_PROGRAM);
    if beside.symlink_metadata().is_ok() {
        return if same_file(&beside, own) {
            HelperState::OffPath { link: beside }
        } else {
            HelperState::Taken { link: beside }
        };
    }
    if let Some(awsnav) = dirs
        .iter()
        .map(|d| d.join("awsnav"))
        .find(|a| is_executable(a) && same_file(a, own))
    {
        return HelperState::Missing {
            link: awsnav.with_file_name(HELPER_PROGRAM),
            target: awsnav,
            on_path: true,
        };
    }
    let own_target = own.to_path_buf();
    if let Some(home) = home {
        if let Some(dir) = dirs.iter().find(|d| d.starts_with(home) && d.is_dir()) {
            return HelperState::Missing {
                link: dir.join(HELPER_PROGRAM),
                target: own_target,
                on_path: true,
            };
        }
        return HelperState::Missing {
            link: home.join(".local/bin").join(HELPER_PROGRAM),
            target: own_target,
            on_path: false,
        };
    }
    HelperState::Missing {
        link: beside,
        target: own_target,
        on_path: false,
    }
}

/// Makes `link` a symbolic link to `target`, with its folder.
///
/// # Errors
/// When the folder or the link cannot be made (one already there included).
pub fn make_link(link: &Path, target: &Path) -> std::io::Result<()> {
    if let Some(dir) = link.parent() {
        std::fs::create_dir_all(dir)?;
    }
    #[cfg(unix)]
    return std::os::unix::fs::symlink(target, link);
    #[cfg(not(unix))]
    {
        let _ = target;
        Err(std::io::Error::other(
            "symbolic links are made on Unix only",
        ))
    }
}

/// The folders of `PATH` Docker looks in: Go's `exec.LookPath` refuses a result found
/// through a relative one (an empty entry is the current folder).
fn path_dirs(path_var: Option<&OsStr>) -> Vec<PathBuf> {
    path_var
        .map(|p| {
            std::env::split_paths(p)
                .filter(|d| d.is_absolute())
                .collect()
        })
        .unwrap_or_default()
}

/// The first `dirs/name` that is an executable file (links followed), as `exec.LookPath`.
fn first_executable(dirs: &[PathBuf], name: &str) -> Option<PathBuf> {
    dirs.iter().map(|d| d.join(name)).find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    meta.is_file()
}

/// Whether `a` and `b` (links followed) are one file.
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::{PermissionsExt as _, symlink};

    const OWN_DIR: &str = "opt/awsnav-1.2/bin";

    /// An install folder with an executable `awsnav`, a home, and another program.
    struct Layout {
        _dir: tempfile::TempDir,
        root: PathBuf,
        own: PathBuf,
    }

    fn executable(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn layout() -> Layout {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let own = root.join(OWN_DIR).join("awsnav");
        executable(&own);
        std::fs::create_dir_all(root.join("home/.local/bin")).unwrap();
        std::fs::create_dir_all(root.join("usr/bin")).unwrap();
        Layout {
            _dir: dir,
            root,
            own,
        }
    }

    impl Layout {
        fn at(&self, rel: &str) -> PathBuf {
            self.root.join(rel)
        }

        fn find(&self, path: &[&str]) -> HelperState {
            let path = std::env::join_paths(path.iter().map(|p| {
                if p.starts_with('/') || p.is_empty() || *p == "." {
                    PathBuf::from(p)
                } else {
                    self.at(p)
                }
            }))
            .unwrap();
            find(Some(&path), &self.own, Some(&self.at("home")))
        }
    }

    #[test]
    fn a_helper_on_path_that_is_this_awsnav_is_ready() {
        let l = layout();
        // A link to a link to awsnav, in a folder of PATH after one without it.
        symlink(&l.own, l.at("usr/bin/awsnav")).unwrap();
        symlink(
            l.at("usr/bin/awsnav"),
            l.at("home/.local/bin/docker-credential-awsnav"),
        )
        .unwrap();
        assert_eq!(
            l.find(&["usr/bin", "home/.local/bin"]),
            HelperState::Ready {
                path: l.at("home/.local/bin/docker-credential-awsnav")
            }
        );
        // A hard link is the same program too.
        std::fs::hard_link(&l.own, l.at("usr/bin/docker-credential-awsnav")).unwrap();
        assert_eq!(
            l.find(&["usr/bin"]),
            HelperState::Ready {
                path: l.at("usr/bin/docker-credential-awsnav")
            }
        );
    }

    #[test]
    fn the_first_on_path_is_what_docker_runs() {
        let l = layout();
        executable(&l.at("usr/bin/docker-credential-awsnav"));
        symlink(&l.own, l.at("home/.local/bin/docker-credential-awsnav")).unwrap();
        assert_eq!(
            l.find(&["usr/bin", "home/.local/bin"]),
            HelperState::Other {
                path: l.at("usr/bin/docker-credential-awsnav")
            }
        );
        // A file that is not executable is passed over, as Docker passes it over.
        std::fs::set_permissions(
            l.at("usr/bin/docker-credential-awsnav"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        assert!(matches!(
            l.find(&["usr/bin", "home/.local/bin"]),
            HelperState::Ready { .. }
        ));
    }

    #[test]
    fn a_link_beside_awsnav_off_path_is_recognised() {
        let l = layout();
        let beside = l.own.with_file_name(HELPER_PROGRAM);
        symlink(&l.own, &beside).unwrap();
        assert_eq!(
            l.find(&["usr/bin"]),
            HelperState::OffPath {
                link: beside.clone()
            }
        );
        assert_eq!(
            l.find(&[OWN_DIR]),
            HelperState::Ready {
                path: beside.clone()
            }
        );
        // A link gone stale (awsnav moved) is something else there.
        std::fs::remove_file(&beside).unwrap();
        symlink(l.at("gone/awsnav"), &beside).unwrap();
        assert_eq!(l.find(&["usr/bin"]), HelperState::Taken { link: beside });
    }

    #[test]
    fn a_missing_helper_is_to_be_linked_beside_the_awsnav_on_path() {
        let l = layout();
        symlink(&l.own, l.at("usr/bin/awsnav")).unwrap();
        assert_eq!(
            l.find(&["", ".", "usr/bin"]),
            HelperState::Missing {
                link: l.at("usr/bin/docker-credential-awsnav"),
                target: l.at("usr/bin/awsnav"),
                on_path: true,
            }
        );
        // awsnav not on PATH: a folder of PATH in home, else ~/.local/bin, not on PATH.
        assert_eq!(
            l.find(&["usr/bin/none", "home/.local/bin"]),
            HelperState::Missing {
                link: l.at("home/.local/bin/docker-credential-awsnav"),
                target: l.own.clone(),
                on_path: true,
            }
        );
        assert_eq!(
            l.find(&[]),
            HelperState::Missing {
                link: l.at("home/.local/bin/docker-credential-awsnav"),
                target: l.own.clone(),
                on_path: false,
            }
        );
        assert_eq!(
            find(None, &l.own, None),
            HelperState::Missing {
                link: l.own.with_file_name(HELPER_PROGRAM),
                target: l.own.clone(),
                on_path: false,
            }
        );
        // Nothing was made by looking.
        assert!(!l.own.with_file_name(HELPER_PROGRAM).exists());
        assert!(!l.at("usr/bin/docker-credential-awsnav").exists());
    }

    #[test]
    fn a_link_asked_for_is_made_with_its_folder() {
        let l = layout();
        let link = l.at("home/bin/new/docker-credential-awsnav");
        make_link(&link, &l.own).unwrap();
        assert_eq!(std::fs::read_link(&link).unwrap(), l.own);
        assert!(make_link(&link, &l.own).is_err(), "never over one there");
        assert_eq!(l.find(&["home/bin/new"]), HelperState::Ready { path: link });
    }
}
