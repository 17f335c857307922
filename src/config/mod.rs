//! The config file (`~/.config/awsnav/config.toml`): its schema, validation with errors that
//! point at the key, and the paths awsnav reads and writes.

pub mod edit;
mod locate;
pub mod paths;
pub mod schema;
mod validate;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use locate::{Locate, fix_for, line_column, plain_types};
pub use paths::Paths;
pub use schema::*;

/// The commented default config, printed by `awsnav config default`.
pub const DEFAULT_CONFIG: &str = include_str!("../../assets/default-config.toml");

/// A problem a front end finds in a setting it reads (the key table, colours): which key of
/// which section (dotted, `ui.colors`), what is wrong and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingProblem {
    pub section: String,
    pub key: String,
    pub message: String,
    pub fix: String,
}

/// A front end's check of the settings it reads, run when the config is loaded.
pub type Check = fn(&Config) -> Result<(), SettingProblem>;

#[allow(clippy::unnecessary_wraps)] // a `Check`, which may fail
fn no_check(_: &Config) -> Result<(), SettingProblem> {
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}\n  fix: {fix}")]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
        fix: String,
    },
    #[error("no home directory found to place awsnav's files; set {0}")]
    NoHome(String),
}

impl Config {
    /// Loads the config file; a missing file means defaults.
    ///
    /// # Errors
    /// When the file cannot be read, is not valid TOML, has unknown keys or bad values.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        Self::load_checked(path, no_check)
    }

    /// Loads the config file and also runs `check`, a front end's check of the settings it
    /// reads; a missing file means defaults.
    ///
    /// # Errors
    /// As [`Config::load`], and the first problem `check` finds, located in the file.
    pub fn load_checked(path: &Path, check: Check) -> Result<Self, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse_checked(&text, path, check),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(ConfigError::Read {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Parses config text; `path` only names the file in errors.
    ///
    /// # Errors
    /// When the text is not valid TOML, has unknown keys or bad values.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        Self::parse_checked(text, path, no_check)
    }

    /// Parses config text and runs `check` (see [`Config::load_checked`]).
    ///
    /// # Errors
    /// As [`Config::parse`], and the first problem `check` finds.
    pub fn parse_checked(text: &str, path: &Path, check: Check) -> Result<Self, ConfigError> {
        let mut config: Self = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map_or((1, 1), |span| line_column(text, span.start));
            let message = plain_types(e.message().trim());
            let fix = fix_for(&message);
            ConfigError::Invalid {
                path: path.to_owned(),
                line,
                column,
                message,
                fix,
            }
        })?;
        config.settle();
        config.validate(&Locate::new(text, path), check)?;
        Ok(config)
    }
}

/// Renders the effective config, for `awsnav config show`.
#[must_use]
pub fn describe(config: &Config, paths: &Paths) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "config file: {}", paths.config_file.display());
    let _ = writeln!(out, "cache dir:   {}", paths.cache_dir.display());
    let _ = writeln!(out, "log dir:     {}", paths.log_dir.display());
    let _ = writeln!(
        out,
        "org profile: {}",
        config
            .org
            .profile
            .as_deref()
            .unwrap_or("(standard credential chain)")
    );
    if let Some(role) = &config.org.role {
        let _ = writeln!(out, "org role:    {role}");
    }
    if let Some(source) = &config.org.source {
        let _ = writeln!(out, "org source:  {source} (read instead of Organizations)");
    }
    let _ = writeln!(
        out,
        "org region:  {}",
        config.org.region.as_deref().unwrap_or("(from the profile)")
    );
    let _ = writeln!(out, "concurrency: {}", config.org.concurrency);
    let _ = writeln!(out, "key tags:    {}", config.ui.key_tags.join(", "));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/tmp/config.toml"))
    }

    #[test]
    fn default_config_text_parses_to_defaults() {
        assert_eq!(parse(DEFAULT_CONFIG).unwrap(), Config::default());
    }

    #[test]
    fn empty_file_is_defaults() {
        assert_eq!(parse("").unwrap(), Config::default());
    }

    #[test]
    fn reads_org_settings() {
        let c =
            parse("[org]\nprofile = \"mgmt\"\nregion = \"eu-west-1\"\nconcurrency = 4\n").unwrap();
        assert_eq!(c.org.profile.as_deref(), Some("mgmt"));
        assert_eq!(c.org.region.as_deref(), Some("eu-west-1"));
        assert_eq!(c.org.concurrency, 4);
    }

    #[test]
    fn unknown_key_names_file_line_and_fix() {
        let err = parse("[org]\nprofile = \"a\"\nprofil = \"b\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("/tmp/config.toml:3:1: unknown field `profil`"),
            "{err}"
        );
        assert!(err.contains("fix: remove the key"), "{err}");
    }

    #[test]
    fn wrong_type_is_located() {
        let err = parse("[org]\nconcurrency = \"eight\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("/tmp/config.toml:2:15: invalid type"),
            "{err}"
        );
    }

    #[test]
    fn bad_region_is_located() {
        let err = parse("\n[org]\n  region = \"Frankfurt\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("/tmp/config.toml:3:3:"), "{err}");
        assert!(err.contains("not an AWS region name"), "{err}");
    }

    #[test]
    fn concurrency_out_of_range() {
        let err = parse("[org]\nconcurrency = 0\n").unwrap_err().to_string();
        assert!(err.contains("out of range"), "{err}");
    }

    const TWO_ORGS: &str = r#"
[[sso]]
name = "corp"
profile = "corp-sso"

[[sso]]
name = "lab"
profile = "lab-sso"

[[org]]
name = "corp"
profile = "corp-mgmt"
sso = "corp"

[[org]]
name = "lab"
profile = "lab-mgmt"
region = "eu-west-1"
sso = "lab"
cost = false
"#;

    #[test]
    fn several_organizations_each_with_their_identity() {
        let c = parse(TWO_ORGS).unwrap();
        assert!(c.is_multi_org());
        assert_eq!(c.org_names(), ["corp", "lab"]);
        assert_eq!(
            c.org.name.as_deref(),
            Some("corp"),
            "the first is the default view"
        );
        let lab = c.for_org("lab").unwrap();
        assert_eq!(lab.org.profile.as_deref(), Some("lab-mgmt"));
        assert_eq!(lab.org.region.as_deref(), Some("eu-west-1"));
        assert_eq!(lab.sso.profile.as_deref(), Some("lab-sso"));
        assert!(!lab.cost.enabled);
        assert!(c.for_org("corp").unwrap().cost.enabled);
        assert!(c.for_org("nope").is_none());
    }

    #[test]
    fn one_org_table_is_as_before() {
        let c = parse("[org]\nprofile = \"mgmt\"\n[sso]\nprofile = \"p\"\n").unwrap();
        assert!(!c.is_multi_org());
        assert!(c.org_names().is_empty());
        assert_eq!(c.orgs.len(), 1);
        assert_eq!(c.org.profile.as_deref(), Some("mgmt"));
        assert_eq!(c.sso.profile.as_deref(), Some("p"));
    }

    #[test]
    fn organization_lists_are_checked_where_they_are_written() {
        let err = |text: &str| parse(text).unwrap_err().to_string();
        let e = err("[[org]]\nprofile = \"a\"\n[[org]]\nname = \"b\"\nprofile = \"b\"\n");
        assert!(
            e.starts_with("/tmp/config.toml:1:1: this [[org]] has no name"),
            "{e}"
        );
        let e =
            err("[[org]]\nname = \"a\"\nprofile = \"a\"\n[[org]]\nname = \"a\"\nprofile = \"b\"\n");
        assert!(
            e.starts_with("/tmp/config.toml:5:1: [[org]] name `a` is used twice"),
            "{e}"
        );
        let e =
            err("[[org]]\nname = \"a\"\nprofile = \"a\"\n[[org]]\nname = \"b\"\nprofile = \"a\"\n");
        assert!(
            e.contains("`a` and `b` are read with the same identity"),
            "{e}"
        );
        let e = err("[[org]]\nname = \"a\"\nsso = \"x\"\n[[org]]\nname = \"b\"\n");
        assert!(
            e.starts_with("/tmp/config.toml:3:1: there is no [[sso]] named `x`"),
            "{e}"
        );
        let e = err("[[org]]\nname = \"a\"\n[[org]]\nname = \"b c\"\nprofile = \"b\"\n");
        assert!(e.contains("name `b c` is not a plain name"), "{e}");
        let e = err(
            "[[org]]\nname = \"a\"\n[[org]]\nname = \"b\"\nregion = \"Mars\"\nprofile = \"b\"\n",
        );
        assert!(
            e.starts_with("/tmp/config.toml:5:1: [[org]] region `Mars`"),
            "{e}"
        );
        let e = err("[[org]]\nname = \"a\"\nsaml = \"okta\"\n[[org]]\nname = \"b\"\n");
        assert!(e.contains("no [[saml]] provider named `okta`"), "{e}");
        let e = err(&format!("{TWO_ORGS}[[production.rule]]\norg = \"labs\"\n"));
        assert!(
            e.contains("[[production.rule]] org = \"labs\" names no [[org]]"),
            "{e}"
        );
        let e = err("[[sso]]\nname = \"a\"\nstart_url = \"https://a.awsapps.com/start\"\n");
        assert!(
            e.starts_with("/tmp/config.toml:3:1: [sso] start_url has no region"),
            "{e}"
        );
        let e = err("[sso]\nstart_url = \"http://a/start\"\nregion = \"eu-west-1\"\n");
        assert!(e.contains("is not an https:// address"), "{e}");
        let e = err(
            "[sso]\nprofile = \"p\"\nstart_url = \"https://a.awsapps.com/start\"\nregion = \"eu-west-1\"\n",
        );
        assert!(e.contains("has both profile and start_url"), "{e}");
        let e = err("org = []\n");
        assert!(e.contains("the org list is empty"), "{e}");
        let e = err("[[sso]]\nprofile = \"a\"\n[[sso]]\nname = \"b\"\n");
        assert!(e.contains("this [[sso]] has no name"), "{e}");
    }

    #[test]
    fn missing_file_is_defaults() {
        let c = Config::load(Path::new("/nonexistent/awsnav/config.toml")).unwrap();
        assert_eq!(c, Config::default());
    }
}
