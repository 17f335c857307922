//! Docker's logins to ECR: which registry is whose, what `awsnav ecr login` recorded for it,
//! and the registry passwords, cached (0600) until they end.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::aws::ecr::RegistryLogin;
use crate::domain::partition::Partition;

/// An ECR registry: `ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registry {
    pub account_id: String,
    pub region: String,
    /// The host, as Docker names the registry.
    pub host: String,
}

impl Registry {
    /// The registry of `account_id` in `region`.
    #[must_use]
    pub fn of(account_id: &str, region: &str) -> Self {
        Self {
            account_id: account_id.to_owned(),
            region: region.to_owned(),
            host: format!(
                "{account_id}.dkr.ecr.{region}.{}",
                Partition::of_region(region).api_domain()
            ),
        }
    }

    /// The registry a server URL Docker gives names (`https://` and a path allowed); `None`
    /// for one that is not ECR's.
    #[must_use]
    pub fn parse(server_url: &str) -> Option<Self> {
        let s = server_url.trim();
        let s = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
            .unwrap_or(s);
        let host = s.split('/').next()?.to_ascii_lowercase();
        let host = host.split(':').next()?.to_owned();
        let mut parts = host.split('.');
        let account_id = parts.next()?;
        if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if parts.next()? != "dkr" || !matches!(parts.next()?, "ecr" | "ecr-fips") {
            return None;
        }
        let region = parts.next()?;
        let valid_region = !region.is_empty()
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let rest: Vec<&str> = parts.collect();
        if !valid_region
            || !matches!(
                rest.as_slice(),
                ["amazonaws", "com"] | ["amazonaws", "com", "cn"]
            )
        {
            return None;
        }
        Some(Self {
            account_id: account_id.to_owned(),
            region: region.to_owned(),
            host,
        })
    }
}

/// What `awsnav ecr login` recorded for a registry.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Recorded {
    pub account_id: String,
    pub account_name: String,
    /// The role, as `--role` names it (`sso:NAME` for Identity Center).
    pub role: String,
    pub production: bool,
}

fn recorded_file(data_dir: &Path) -> PathBuf {
    data_dir.join("ecr-registries.json")
}

/// The registries recorded so far.
///
/// # Errors
/// When the file is there but cannot be read.
pub fn recorded(data_dir: &Path) -> anyhow::Result<BTreeMap<String, Recorded>> {
    let path = recorded_file(data_dir);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            anyhow::anyhow!(
                "{} is damaged ({e}): remove it and run `awsnav ecr login` again",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    }
}

/// Records `host` as `recorded`.
///
/// # Errors
/// When the file cannot be read or written.
pub fn record(data_dir: &Path, host: &str, recorded: Recorded) -> anyhow::Result<()> {
    let mut all = self::recorded(data_dir)?;
    all.insert(host.to_owned(), recorded);
    let bytes = serde_json::to_vec_pretty(&all)?;
    crate::store::private_file::write_private(&recorded_file(data_dir), &bytes)?;
    Ok(())
}

/// A registry password kept for its role until it ends.
#[derive(Serialize, Deserialize)]
struct Cached {
    role: String,
    username: String,
    secret: String,
    #[serde(with = "time::serde::rfc3339")]
    expires: OffsetDateTime,
}

/// A cached password is used until this long before it ends.
const MARGIN: time::Duration = time::Duration::minutes(5);

fn cache_file(cache_dir: &Path, host: &str) -> PathBuf {
    cache_dir.join("ecr").join(format!(
        "{}.json",
        crate::store::private_file::file_key(host)
    ))
}

/// The cached login for `host` as `role`, while it has some time left; a damaged file is
/// no login.
#[must_use]
pub fn cached(
    cache_dir: &Path,
    host: &str,
    role: &str,
    now: OffsetDateTime,
) -> Option<RegistryLogin> {
    let bytes = std::fs::read(cache_file(cache_dir, host)).ok()?;
    let c: Cached = serde_json::from_slice(&bytes).ok()?;
    (c.role == role && c.expires - MARGIN > now).then(|| RegistryLogin {
        username: c.username,
        secret: c.secret,
        expires: Some(c.expires),
        proxy_endpoint: format!("https://{host}"),
    })
}

/// Keeps `login` for `host` as `role` (0600 under 0700, atomically).
///
/// # Errors
/// When the file cannot be written.
pub fn keep(
    cache_dir: &Path,
    host: &str,
    role: &str,
    login: &RegistryLogin,
) -> std::io::Result<()> {
    let Some(expires) = login.expires else {
        return Ok(());
    };
    let c = Cached {
        role: role.to_owned(),
        username: login.username.clone(),
        secret: login.secret.clone(),
        expires,
    };
    let bytes = serde_json::to_vec(&c).map_err(std::io::Error::other)?;
    crate::store::private_file::write_private(&cache_file(cache_dir, host), &bytes)
}

/// Drops the cached login for `host` (`docker logout`).
pub fn forget(cache_dir: &Path, host: &str) {
    let _ = std::fs::remove_file(cache_file(cache_dir, host));
}

/// Where Docker keeps its `config.json`: `$DOCKER_CONFIG`, else `~/.docker`.
#[must_use]
pub fn docker_config_file(env: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    if let Some(dir) = env("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    env("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".docker").join("config.json"))
}

/// Sets Docker's `credHelpers` entry for `host` to `awsnav` in `file`: every other byte kept,
/// written atomically (a new file is 0600). `false` when it was so already.
///
/// # Errors
/// When the file is damaged (it is then left as it is) or cannot be written.
pub fn set_cred_helper(file: &Path, host: &str) -> anyhow::Result<bool> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => anyhow::bail!("cannot read {}: {e}", file.display()),
    };
    let Some(new) = crate::domain::docker_config::with_cred_helper(&text, host, "awsnav")
        .map_err(|why| anyhow::anyhow!("{} is left as it is: {why}", file.display()))?
    else {
        return Ok(false);
    };
    if text.is_empty() {
        crate::store::private_file::write_private(file, new.as_bytes())?;
    } else {
        crate::store::aws_config_block::replace_file(file, &new, false)?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries_are_read_from_what_docker_gives() {
        let r = Registry::parse("https://111111111111.dkr.ecr.eu-west-1.amazonaws.com").unwrap();
        assert_eq!(r, Registry::of("111111111111", "eu-west-1"));
        assert_eq!(
            Registry::parse("111111111111.dkr.ecr.cn-north-1.amazonaws.com.cn/app:1")
                .unwrap()
                .host,
            "111111111111.dkr.ecr.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            Registry::of("111111111111", "cn-north-1").host,
            "111111111111.dkr.ecr.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            Registry::parse("111111111111.dkr.ecr-fips.us-east-1.amazonaws.com")
                .unwrap()
                .region,
            "us-east-1"
        );
        for other in [
            "ghcr.io",
            "https://index.docker.io/v1/",
            "11111111111.dkr.ecr.us-east-1.amazonaws.com",
            "111111111111.dkr.ecr.us-east-1.amazonaws.com.evil.example",
            "111111111111.dkr.ecr..amazonaws.com",
            "",
        ] {
            assert_eq!(Registry::parse(other), None, "{other}");
        }
    }

    #[test]
    fn a_cached_login_is_kept_private_for_its_role_until_near_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let now = OffsetDateTime::now_utc();
        let host = "111111111111.dkr.ecr.eu-west-1.amazonaws.com";
        let login = RegistryLogin {
            username: "AWS".into(),
            secret: "pw".into(),
            expires: Some(now + time::Duration::hours(12)),
            proxy_endpoint: String::new(),
        };
        keep(dir.path(), host, "Admin", &login).unwrap();
        assert_eq!(cached(dir.path(), host, "Admin", now).unwrap().secret, "pw");
        assert!(
            cached(dir.path(), host, "ReadOnly", now).is_none(),
            "another role"
        );
        assert!(cached(dir.path(), host, "Admin", now + time::Duration::hours(12)).is_none());
        let f = cache_file(dir.path(), host);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(
                std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        std::fs::write(&f, "{damaged").unwrap();
        assert!(cached(dir.path(), host, "Admin", now).is_none());
        forget(dir.path(), host);
        assert!(!cache_file(dir.path(), host).exists());
    }
}
