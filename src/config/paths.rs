//! Where awsnav keeps its files: the config file, the cache and log directories.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::ConfigError;

/// Where awsnav keeps its files. Built from the environment once, in `main`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    pub config_file: PathBuf,
    pub cache_dir: PathBuf,
    pub log_dir: PathBuf,
    /// What awsnav keeps that is neither config nor cache: the consoles' browser profiles.
    pub data_dir: PathBuf,
}

impl Paths {
    /// Resolves paths from `AWSNAV_CONFIG` / `AWSNAV_CACHE_DIR` / `AWSNAV_LOG_DIR` /
    /// `AWSNAV_DATA_DIR`, falling back to the platform's directories. `var` is the environment lookup (injected for tests).
    ///
    /// # Errors
    /// When no home directory can be found and no override is set.
    pub fn resolve(var: impl Fn(&str) -> Option<OsString>) -> Result<Self, ConfigError> {
        let dirs = directories::ProjectDirs::from("", "", "awsnav");
        let pick = |name: &str, fallback: Option<PathBuf>| -> Result<PathBuf, ConfigError> {
            var(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .or(fallback)
                .ok_or_else(|| ConfigError::NoHome(name.to_owned()))
        };
        let config_file = pick(
            "AWSNAV_CONFIG",
            dirs.as_ref().map(|d| d.config_dir().join("config.toml")),
        )?;
        let cache_dir = pick(
            "AWSNAV_CACHE_DIR",
            dirs.as_ref().map(|d| d.cache_dir().to_path_buf()),
        )?;
        let log_dir = pick(
            "AWSNAV_LOG_DIR",
            dirs.as_ref().map(|d| {
                d.state_dir()
                    .map_or_else(|| d.cache_dir().join("logs"), Path::to_path_buf)
            }),
        )?;
        let data_dir = pick(
            "AWSNAV_DATA_DIR",
            dirs.as_ref().map(|d| d.data_dir().to_path_buf()),
        )?;
        Ok(Self {
            config_file,
            cache_dir,
            log_dir,
            data_dir,
        })
    }
}

/// A path from a setting: `~/x` → the home directory's `x`; anything else as it is.
pub fn expand_home(path: &str) -> PathBuf {
    match path.strip_prefix("~/") {
        Some(rest) => directories::BaseDirs::new()
            .map_or_else(|| PathBuf::from(path), |d| d.home_dir().join(rest)),
        None => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_honour_overrides() {
        let p = Paths::resolve(|k| match k {
            "AWSNAV_CONFIG" => Some("/x/c.toml".into()),
            "AWSNAV_CACHE_DIR" => Some("/x/cache".into()),
            "AWSNAV_LOG_DIR" => Some("/x/log".into()),
            "AWSNAV_DATA_DIR" => Some("/x/data".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(p.config_file, PathBuf::from("/x/c.toml"));
        assert_eq!(p.cache_dir, PathBuf::from("/x/cache"));
        assert_eq!(p.log_dir, PathBuf::from("/x/log"));
        assert_eq!(p.data_dir, PathBuf::from("/x/data"));
    }
}
