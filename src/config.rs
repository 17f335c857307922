//! The config file (`~/.config/awsnav/config.toml`) and the paths awsnav reads and writes.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::selector::Target;

/// The commented default config, printed by `awsnav config default`.
pub const DEFAULT_CONFIG: &str = include_str!("../assets/default-config.toml");

/// Where awsnav keeps its files. Built from the environment once, in `main`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    pub config_file: PathBuf,
    pub cache_dir: PathBuf,
    pub log_dir: PathBuf,
}

impl Paths {
    /// Resolves paths from `AWSNAV_CONFIG` / `AWSNAV_CACHE_DIR` / `AWSNAV_LOG_DIR`, falling back
    /// to the platform's directories. `var` is the environment lookup (injected for tests).
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
        Ok(Self {
            config_file,
            cache_dir,
            log_dir,
        })
    }
}

/// Everything the config file can say. Unknown keys are errors.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub org: OrgConfig,
    pub auth: AuthConfig,
    pub roles: RolesConfig,
    pub production: ProductionConfig,
    pub console: ConsoleConfig,
    pub cost: CostConfig,
    /// Short names for accounts on the command line: alias → account name or id.
    pub aliases: BTreeMap<String, String>,
    pub ui: UiConfig,
    pub network: NetworkConfig,
    pub sso: SsoConfig,
    /// Action name → the keys that do it, patched over the default key table.
    pub keys: BTreeMap<String, KeyList>,
}

/// One key (`"S"`) or several (`["q", "ctrl+q"]`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

impl KeyList {
    #[must_use]
    pub fn keys(&self) -> &[String] {
        match self {
            Self::One(k) => std::slice::from_ref(k),
            Self::Many(ks) => ks,
        }
    }
}

impl Config {
    /// The key table: the defaults with `[keys]` applied.
    ///
    /// # Errors
    /// (action, message) for the first patch that cannot be applied.
    pub fn keymap(&self) -> Result<crate::tui::keymap::Keymap, (String, String)> {
        crate::tui::keymap::Keymap::new(self.keys.iter().map(|(k, v)| (k.as_str(), v.keys())))
    }
}

/// How long to wait for AWS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkConfig {
    /// Seconds to wait for a connection.
    pub connect_timeout_seconds: u64,
    /// Seconds one attempt of a request may take, answer included.
    pub timeout_seconds: u64,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        Self {
            connect_timeout_seconds: 5,
            timeout_seconds: 30,
        }
    }
}

/// IAM Identity Center (AWS SSO): where the accounts and roles you may use are listed.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SsoConfig {
    /// Asks Identity Center at all.
    pub enabled: bool,
    /// The profile whose `aws sso login` is used; `None`: `[org] profile`, else `AWS_PROFILE`
    /// or `default`, when that profile has `sso_session` or `sso_start_url`.
    pub profile: Option<String>,
    /// Portal requests per second (1-15; AWS throttles at 20).
    pub requests_per_second: u32,
}

impl Default for SsoConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            profile: None,
            requests_per_second: 10,
        }
    }
}

/// How awsnav gets into accounts.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Profile whose credentials assume roles; `None`: `[org] profile`, then the standard chain.
    pub profile: Option<String>,
    /// MFA device ARN (or hardware serial); `None`: the profile's `mfa_serial`, else discovered.
    pub mfa_serial: Option<String>,
    /// A command whose standard output is the current MFA code.
    pub mfa_process: Option<String>,
    pub mfa: MfaMode,
    /// Length of the cached MFA session (`GetSessionToken`), seconds.
    pub session_duration: u32,
    /// Length of assumed-role sessions, seconds; `None`: the profile's `duration_seconds` or 1 h.
    pub role_duration: Option<u32>,
    /// Sets `SourceIdentity` on `AssumeRole` (trust policies must allow `sts:SetSourceIdentity`).
    pub source_identity: bool,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            profile: None,
            mfa_serial: None,
            mfa_process: None,
            mfa: MfaMode::Auto,
            session_duration: 43_200,
            role_duration: None,
            source_identity: true,
        }
    }
}

/// Whether role assumption uses MFA.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MfaMode {
    /// When a device is configured or found for the caller.
    #[default]
    Auto,
    /// Always; an error when no device can be found.
    Always,
    Never,
}

/// The AWS console in the browser.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleConfig {
    /// Console session length for credentials from a direct `AssumeRole`, seconds.
    pub session_duration: u32,
    /// Command that opens a URL (`{url}` is replaced; else the URL is appended). Unset:
    /// `$BROWSER`, else the platform's opener.
    pub browser: Option<String>,
    /// Federation endpoint; unset: `AWSNAV_FEDERATION_URL`, else the partition's.
    pub federation_url: Option<String>,
    /// Console page when no `--service` / `--destination` is given.
    pub service: String,
    /// How long to wait for the federation endpoint, seconds.
    pub timeout_seconds: u64,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            session_duration: 43_200,
            browser: None,
            federation_url: None,
            service: "console".to_owned(),
            timeout_seconds: 10,
        }
    }
}

/// What accounts cost (Cost Explorer, which charges per request).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CostConfig {
    /// `false`: never send a Cost Explorer request.
    pub enabled: bool,
    /// Profile that reads Cost Explorer (the payer account); `None`: the org profile.
    pub profile: Option<String>,
    /// `UnblendedCost`, `AmortizedCost` or `NetUnblendedCost`.
    pub metric: String,
    /// How long fetched costs are used before asking again, hours.
    pub ttl_hours: u32,
    /// Months of history, the current one included.
    pub months: u8,
}

impl Default for CostConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            profile: None,
            metric: "UnblendedCost".to_owned(),
            ttl_hours: 8,
            months: 6,
        }
    }
}

/// Which roles are offered in which accounts.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RolesConfig {
    /// Role names offered in every account.
    pub default: Vec<String>,
    /// Offer the roles of `~/.aws/config` profiles that have a `role_arn`.
    pub import_profiles: bool,
    /// Rules applied in order: each adds or removes roles where it matches.
    #[serde(rename = "rule")]
    pub rules: Vec<RoleRule>,
}

impl Default for RolesConfig {
    fn default() -> Self {
        Self {
            default: vec!["OrganizationAccountAccessRole".to_owned()],
            import_profiles: true,
            rules: Vec::new(),
        }
    }
}

/// Where a rule applies: every given selector must match.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoleRule {
    /// OU path glob (`Workloads/Prod`, `*/Sandbox`); matches that OU and everything below.
    pub ou: Option<String>,
    /// `key=value` (value may be a glob, any case) or `key` alone.
    pub tag: Option<String>,
    /// Account ids or names.
    pub account: Vec<String>,
    /// Account name glob.
    pub name: Option<String>,
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

/// What counts as production and how getting into it is confirmed.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProductionConfig {
    /// `"name"`: type the account's name to confirm; anything else: type that text.
    pub confirm_with: String,
    /// Rules applied after the built-in ones, in order; the last match decides.
    #[serde(rename = "rule")]
    pub rules: Vec<ProductionRule>,
}

impl Default for ProductionConfig {
    fn default() -> Self {
        Self {
            confirm_with: "name".to_owned(),
            rules: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProductionRule {
    pub ou: Option<String>,
    pub tag: Option<String>,
    pub account: Vec<String>,
    pub name: Option<String>,
    /// `false` exempts matching accounts from the built-in rules.
    pub production: bool,
}

impl RoleRule {
    /// The accounts this rule applies to.
    #[must_use]
    pub fn target(&self) -> Target<'_> {
        Target {
            ou: self.ou.as_deref(),
            tag: self.tag.as_deref(),
            account: &self.account,
            name: self.name.as_deref(),
        }
    }
}

impl ProductionRule {
    /// The accounts this rule applies to.
    #[must_use]
    pub fn target(&self) -> Target<'_> {
        Target {
            ou: self.ou.as_deref(),
            tag: self.tag.as_deref(),
            account: &self.account,
            name: self.name.as_deref(),
        }
    }
}

impl Default for ProductionRule {
    fn default() -> Self {
        Self {
            ou: None,
            tag: None,
            account: Vec::new(),
            name: None,
            production: true,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OrgConfig {
    /// AWS profile that reads Organizations; `None` means the standard credential chain.
    pub profile: Option<String>,
    /// Region for the Organizations and STS clients; `None` means the profile's region.
    pub region: Option<String>,
    /// How many Organizations requests run at once during a sync.
    pub concurrency: usize,
}

impl Default for OrgConfig {
    fn default() -> Self {
        Self {
            profile: None,
            region: None,
            concurrency: 8,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    /// Tag keys whose values are shown on account rows, in this order.
    pub key_tags: Vec<String>,
    /// The built-in palette the colours start from.
    pub theme: crate::tui::ui::theme::Palette,
    /// Style name → spec (`"black on yellow bold"`), patched over the palette.
    pub colors: BTreeMap<String, String>,
}

impl Default for UiConfig {
    fn default() -> Self {
        Self {
            key_tags: ["env", "environment", "team", "owner"]
                .map(String::from)
                .to_vec(),
            theme: crate::tui::ui::theme::Palette::default(),
            colors: BTreeMap::new(),
        }
    }
}

impl UiConfig {
    /// The theme these settings describe; `no_color` is the `NO_COLOR` convention.
    ///
    /// # Errors
    /// The first `[ui.colors]` entry that is not understood, as (name, message).
    pub fn theme(&self, no_color: bool) -> Result<crate::tui::ui::theme::Theme, (String, String)> {
        crate::tui::ui::theme::Theme::build(
            self.theme,
            self.colors.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            no_color,
        )
    }
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
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text, path),
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
        let config: Self = toml::from_str(text).map_err(|e| {
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
        config.validate(text, path)?;
        Ok(config)
    }

    fn validate(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
        let at = Locate { text, path };
        self.validate_org(&at)?;
        self.validate_auth(&at)?;
        self.validate_rules(&at)
    }

    fn validate_org(&self, at: &Locate<'_>) -> Result<(), ConfigError> {
        if let Some(profile) = &self.org.profile
            && profile.trim().is_empty()
        {
            return Err(at.key(
                "profile",
                "[org] profile is empty".into(),
                "name a profile from ~/.aws/config, or remove the line to use the standard credential chain",
            ));
        }
        if let Some(region) = &self.org.region
            && !is_region_name(region)
        {
            return Err(at.key(
                "region",
                format!("[org] region `{region}` is not an AWS region name"),
                "use a region code such as \"us-east-1\", or remove the line to use the profile's region",
            ));
        }
        for (key, value) in [
            (
                "connect_timeout_seconds",
                self.network.connect_timeout_seconds,
            ),
            ("timeout_seconds", self.network.timeout_seconds),
        ] {
            if !(1..=600).contains(&value) {
                return Err(at.key_in(
                    "network",
                    key,
                    format!("[network] {key} = {value} is out of range"),
                    "use seconds from 1 to 600",
                ));
            }
        }
        if let Err((name, message)) = self.keymap() {
            return Err(at.key_in(
                "keys",
                &name,
                format!("[keys] {name}: {message}"),
                "write keys like \"S\", \"ctrl+d\", \"enter\" or a list [\"q\", \"ctrl+q\"], each used once; `awsnav config default` lists the actions",
            ));
        }
        if let Err((name, message)) = self.ui.theme(false) {
            return Err(at.key_in(
                "ui.colors",
                &name,
                format!("[ui.colors] {name}: {message}"),
                "write a style as colours and modifiers, e.g. \"black on yellow bold\"; `awsnav config default` lists the style names",
            ));
        }
        if !(1..=15).contains(&self.sso.requests_per_second) {
            return Err(at.key_in(
                "sso",
                "requests_per_second",
                format!(
                    "[sso] requests_per_second = {} is out of range",
                    self.sso.requests_per_second
                ),
                "use a number from 1 to 15 (AWS throttles at 20; default 10)",
            ));
        }
        if let Some(profile) = &self.sso.profile
            && profile.trim().is_empty()
        {
            return Err(at.key_in(
                "sso",
                "profile",
                "[sso] profile is empty".into(),
                "name a profile with sso_session or sso_start_url, or remove the line to use [org] profile",
            ));
        }
        if !(1..=64).contains(&self.org.concurrency) {
            return Err(at.key(
                "concurrency",
                format!(
                    "[org] concurrency = {} is out of range",
                    self.org.concurrency
                ),
                "use a number from 1 to 64 (default 8)",
            ));
        }
        Ok(())
    }

    fn validate_auth(&self, at: &Locate<'_>) -> Result<(), ConfigError> {
        if !(900..=129_600).contains(&self.auth.session_duration) {
            return Err(at.key(
                "session_duration",
                format!(
                    "[auth] session_duration = {} is out of range",
                    self.auth.session_duration
                ),
                "use seconds from 900 (15 min) to 129600 (36 h); default 43200 (12 h)",
            ));
        }
        if let Some(d) = self.auth.role_duration
            && !(900..=43_200).contains(&d)
        {
            return Err(at.key(
                "role_duration",
                format!("[auth] role_duration = {d} is out of range"),
                "use seconds from 900 (15 min) to 43200 (12 h), within the role's maximum session duration",
            ));
        }
        if !(900..=43_200).contains(&self.console.session_duration) {
            return Err(at.key_in(
                "console",
                "session_duration",
                format!(
                    "[console] session_duration = {} is out of range",
                    self.console.session_duration
                ),
                "use seconds from 900 (15 min) to 43200 (12 h)",
            ));
        }
        if let Some(u) = &self.console.federation_url
            && !url::Url::parse(u).is_ok_and(|p| matches!(p.scheme(), "http" | "https"))
        {
            return Err(at.key(
                "federation_url",
                format!("[console] federation_url `{u}` is not an http(s) URL"),
                "use e.g. \"https://signin.aws.amazon.com/federation\", or remove the line",
            ));
        }
        if !["UnblendedCost", "AmortizedCost", "NetUnblendedCost"]
            .contains(&self.cost.metric.as_str())
        {
            return Err(at.key_in(
                "cost",
                "metric",
                format!("[cost] metric `{}` is not supported", self.cost.metric),
                "use \"UnblendedCost\" (default), \"AmortizedCost\" or \"NetUnblendedCost\"",
            ));
        }
        if !(1..=168).contains(&self.cost.ttl_hours) {
            return Err(at.key_in(
                "cost",
                "ttl_hours",
                format!("[cost] ttl_hours = {} is out of range", self.cost.ttl_hours),
                "use 1 to 168 hours (default 8): Cost Explorer data changes a few times a day",
            ));
        }
        if !(2..=13).contains(&self.cost.months) {
            return Err(at.key_in(
                "cost",
                "months",
                format!("[cost] months = {} is out of range", self.cost.months),
                "use 2 to 13 months (default 6)",
            ));
        }
        if !(1..=300).contains(&self.console.timeout_seconds) {
            return Err(at.key(
                "timeout_seconds",
                format!(
                    "[console] timeout_seconds = {} is out of range",
                    self.console.timeout_seconds
                ),
                "use 1 to 300 seconds (default 10)",
            ));
        }
        if self.production.confirm_with.trim().is_empty() {
            return Err(at.key(
                "confirm_with",
                "[production] confirm_with is empty".into(),
                "use \"name\" (type the account name) or a word to type",
            ));
        }
        Ok(())
    }

    fn validate_rules(&self, at: &Locate<'_>) -> Result<(), ConfigError> {
        let roles = self.roles.rules.iter().map(|r| (r.target(), "roles"));
        let production = self
            .production
            .rules
            .iter()
            .map(|r| (r.target(), "production"));
        for (target, section) in roles.chain(production) {
            let Target { ou, tag, name, .. } = target;
            for (key, glob) in [("ou", ou), ("name", name)] {
                if let Some(g) = glob
                    && let Err(e) = glob::Pattern::new(g)
                {
                    return Err(at.value(
                        g,
                        format!("[[{section}.rule]] {key} = \"{g}\" is not a valid pattern: {e}"),
                        "use * for any text within one OU name, ** across levels",
                    ));
                }
            }
            if let Some(t) = tag
                && t.split_once('=').is_some_and(|(k, _)| k.trim().is_empty())
            {
                return Err(at.value(
                    t,
                    format!("[[{section}.rule]] tag = \"{t}\" has no key"),
                    "write tag = \"key=value\" or tag = \"key\"",
                ));
            }
        }
        Ok(())
    }
}

/// Builds errors that point at a place in the config text.
struct Locate<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Locate<'_> {
    /// At the first `key = …` line.
    fn key(&self, key: &str, message: String, fix: &str) -> ConfigError {
        self.error(locate_key(self.text, key), message, fix)
    }

    /// At `key = …` inside the `[section]` table (falls back to the first `key = …`).
    fn key_in(&self, section: &str, key: &str, message: String, fix: &str) -> ConfigError {
        let header = format!("[{section}]");
        let Some(start) = self.text.find(&header) else {
            return self.key(key, message, fix);
        };
        let (line, column) = locate_key(&self.text[start..], key);
        let (header_line, _) = line_column(self.text, start);
        if line == 1 && column == 1 {
            return self.key(key, message, fix);
        }
        self.error((header_line + line - 1, column), message, fix)
    }

    /// At the first occurrence of the quoted `value`.
    fn value(&self, value: &str, message: String, fix: &str) -> ConfigError {
        let offset = self.text.find(&format!("\"{value}\"")).unwrap_or(0);
        self.error(line_column(self.text, offset), message, fix)
    }

    fn error(&self, (line, column): (usize, usize), message: String, fix: &str) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_owned(),
            line,
            column,
            message,
            fix: fix.to_owned(),
        }
    }
}

fn is_region_name(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').count() >= 3
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// serde speaks Rust ("usize", "a sequence"); the user wrote TOML.
fn plain_types(message: &str) -> String {
    message
        .replace("expected usize", "expected a whole number")
        .replace(
            "expected a sequence",
            "expected a list such as [\"a\", \"b\"]",
        )
}

fn fix_for(message: &str) -> String {
    if message.starts_with("unknown field") {
        "remove the key or correct its spelling; `awsnav config default` lists every key".into()
    } else if message.starts_with("unknown variant") {
        "use one of the expected values".into()
    } else if message.starts_with("invalid type") || message.starts_with("invalid value") {
        "give the value the type shown in `awsnav config default`".into()
    } else {
        "correct the TOML syntax; `awsnav config default` shows a valid file".into()
    }
}

/// 1-based line and column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Best-effort position of `key = …` for errors found after parsing.
fn locate_key(text: &str, key: &str) -> (usize, usize) {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return line_column(text, offset + (line.len() - trimmed.len()));
        }
        offset += line.len();
    }
    (1, 1)
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

    #[test]
    fn missing_file_is_defaults() {
        let c = Config::load(Path::new("/nonexistent/awsnav/config.toml")).unwrap();
        assert_eq!(c, Config::default());
    }

    #[test]
    fn paths_honour_overrides() {
        let p = Paths::resolve(|k| match k {
            "AWSNAV_CONFIG" => Some("/x/c.toml".into()),
            "AWSNAV_CACHE_DIR" => Some("/x/cache".into()),
            "AWSNAV_LOG_DIR" => Some("/x/log".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(p.config_file, PathBuf::from("/x/c.toml"));
        assert_eq!(p.cache_dir, PathBuf::from("/x/cache"));
        assert_eq!(p.log_dir, PathBuf::from("/x/log"));
    }
}
