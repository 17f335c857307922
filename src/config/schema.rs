//! What the config file can say: one struct per section, defaults included. Unknown keys are
//! errors. The role and production rules are the domain's own types.

use std::collections::BTreeMap;

use serde::Deserialize;

pub use crate::domain::roles::{RoleRule, RolesConfig};
pub use crate::domain::safety::{ProductionConfig, ProductionRule};

/// Everything the config file can say. Unknown keys are errors.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The organization this configuration reads and gets into: `[org]`, or the `[[org]]`
    /// entry a per-organization view was made for ([`Config::for_org`]). Set from `orgs`.
    #[serde(skip)]
    pub org: OrgConfig,
    /// `[org]`, or one `[[org]]` entry (each named) per organization.
    #[serde(rename = "org", deserialize_with = "one_or_many")]
    pub orgs: Vec<OrgConfig>,
    pub auth: AuthConfig,
    pub roles: RolesConfig,
    pub production: ProductionConfig,
    pub console: ConsoleConfig,
    pub cost: CostConfig,
    /// Short names for accounts on the command line: alias → account name or id.
    pub aliases: BTreeMap<String, String>,
    pub ui: UiConfig,
    pub network: NetworkConfig,
    /// The IAM Identity Center instance of this configuration's organization: `[sso]`, or
    /// the `[[sso]]` entry its `[[org]]` names. Set from `ssos`.
    #[serde(skip)]
    pub sso: SsoConfig,
    /// `[sso]`, or one `[[sso]]` entry (each named) per IAM Identity Center instance.
    #[serde(rename = "sso", deserialize_with = "one_or_many")]
    pub ssos: Vec<SsoConfig>,
    /// `[[saml]]`: SAML identity providers signed in to through a real browser.
    pub saml: Vec<SamlConfig>,
    pub shell: ShellConfig,
    /// Action name → the keys that do it, patched over the default key table.
    pub keys: BTreeMap<String, KeyList>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            org: OrgConfig::default(),
            orgs: vec![OrgConfig::default()],
            auth: AuthConfig::default(),
            roles: RolesConfig::default(),
            production: ProductionConfig::default(),
            console: ConsoleConfig::default(),
            cost: CostConfig::default(),
            aliases: BTreeMap::new(),
            ui: UiConfig::default(),
            network: NetworkConfig::default(),
            sso: SsoConfig::default(),
            ssos: vec![SsoConfig::default()],
            saml: Vec::new(),
            shell: ShellConfig::default(),
            keys: BTreeMap::new(),
        }
    }
}

/// A table (`[org]`) or an array of tables (`[[org]]`), read as a list.
fn one_or_many<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct OneOrMany<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for OneOrMany<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a table, or an array of tables")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Vec<T>, A::Error> {
            T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(|one| vec![one])
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Vec<T>, A::Error> {
            Vec::<T>::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
        }
    }
    deserializer.deserialize_any(OneOrMany(std::marker::PhantomData))
}

impl Config {
    /// Whether several organizations are configured (`[[org]]` with more than one entry).
    #[must_use]
    pub fn is_multi_org(&self) -> bool {
        self.orgs.len() > 1
    }

    /// The names of the configured organizations (empty with one organization).
    #[must_use]
    pub fn org_names(&self) -> Vec<String> {
        if !self.is_multi_org() {
            return Vec::new();
        }
        self.orgs.iter().filter_map(|o| o.name.clone()).collect()
    }

    /// Sets `org` and `sso` from the lists read: the first organization, and the Identity
    /// Center instance it names (else the first).
    pub(super) fn settle(&mut self) {
        if let Some(first) = self.orgs.first() {
            self.org = first.clone();
        }
        self.sso = self.sso_of(&self.org);
    }

    /// The Identity Center instance `org` names, else the only (or first) one.
    fn sso_of(&self, org: &OrgConfig) -> SsoConfig {
        org.sso
            .as_deref()
            .and_then(|name| self.ssos.iter().find(|s| s.name.as_deref() == Some(name)))
            .or_else(|| self.ssos.first())
            .cloned()
            .unwrap_or_default()
    }

    /// The configuration as organization `name` sees it: its `[[org]]` entry as `org`, its
    /// Identity Center instance as `sso` (none when it names none and several are
    /// configured), its SAML provider (or those no other organization names), its profile
    /// as the one roles are assumed from, and its cost switch. `None`: no such organization.
    #[must_use]
    pub fn for_org(&self, name: &str) -> Option<Self> {
        let org = self
            .orgs
            .iter()
            .find(|o| o.name.as_deref() == Some(name))?
            .clone();
        let mut view = self.clone();
        view.sso = if org.sso.is_some() || self.ssos.len() == 1 {
            self.sso_of(&org)
        } else {
            SsoConfig {
                enabled: false,
                ..SsoConfig::default()
            }
        };
        view.saml = match &org.saml {
            Some(own) => self
                .saml
                .iter()
                .filter(|s| &s.name == own)
                .cloned()
                .collect(),
            None => self
                .saml
                .iter()
                .filter(|s| !self.orgs.iter().any(|o| o.saml.as_ref() == Some(&s.name)))
                .cloned()
                .collect(),
        };
        if org.profile.is_some() {
            view.auth.profile = None;
        }
        if let Some(on) = org.cost {
            view.cost.enabled = view.cost.enabled && on;
        }
        view.orgs = vec![org.clone()];
        view.org = org;
        Some(view)
    }
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

/// Shells and commands in an account (`shell`, `exec`, the TUI's `s`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShellConfig {
    /// How the child gets credentials: a loopback endpoint that refreshes them, or fixed
    /// environment variables.
    pub credentials: ShellCredentials,
    /// A role session is renewed this long before it ends, seconds.
    pub refresh_margin_seconds: u32,
    /// Mark the shell's prompt with the account and role.
    pub prompt: bool,
    /// The mark: `{account}`, `{role}`, `{id}`, and `{prod}` (" PROD" in production, else "").
    pub prompt_format: String,
    /// Name the tmux window after the account while the shell runs.
    pub tmux_window_name: bool,
}

impl Default for ShellConfig {
    fn default() -> Self {
        Self {
            credentials: ShellCredentials::Server,
            refresh_margin_seconds: 900,
            prompt: true,
            prompt_format: "[{account}/{role}{prod}]".to_owned(),
            tmux_window_name: true,
        }
    }
}

/// How a shell or command gets its credentials.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ShellCredentials {
    /// A loopback credential endpoint in the awsnav process (the container credential
    /// provider every SDK reads), renewed ahead of expiry.
    #[default]
    Server,
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`, fixed for the run.
    Env,
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
    /// How `[[org]] sso` names this instance (required with several `[[sso]]` entries).
    pub name: Option<String>,
    /// Asks Identity Center at all.
    pub enabled: bool,
    /// The profile whose Identity Center sign-in is used (`awsnav login`); `None`: `[org] profile`, else `AWS_PROFILE`
    /// or `default`, when that profile has `sso_session` or `sso_start_url`.
    pub profile: Option<String>,
    /// The instance's AWS access portal URL, instead of a profile that holds it (with
    /// `region`); `awsnav login --profile NAME` signs in to it by its `name`.
    pub start_url: Option<String>,
    /// The instance's region (with `start_url`).
    pub region: Option<String>,
    /// Portal requests per second (1-15; AWS throttles at 20).
    pub requests_per_second: u32,
    /// How long an account's roles, once read, are used before they are read again
    /// (in the background while shown in the TUI), minutes (1-10080).
    pub roles_ttl_minutes: u32,
}

impl Default for SsoConfig {
    fn default() -> Self {
        Self {
            name: None,
            enabled: true,
            profile: None,
            start_url: None,
            region: None,
            requests_per_second: 10,
            roles_ttl_minutes: 60,
        }
    }
}

/// One SAML identity provider (`[[saml]]`): its AWS app, signed in to in a Chromium-family
/// browser that awsnav drives, so every IdP and every MFA method works.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamlConfig {
    /// How it is named on the command line (`login --saml NAME`) and in the TUI.
    pub name: String,
    /// The IdP's AWS app: the address a person clicks in the IdP's portal.
    pub url: String,
    /// The browser: a Chromium-family program name or path. Unset: the first of
    /// chromium, google-chrome, brave-browser, microsoft-edge on PATH.
    pub browser: Option<String>,
    /// Seconds a role session lasts (900-43200; the role's maximum still applies). Unset: the
    /// assertion's `SessionDuration`, else an hour.
    pub session_duration: Option<i32>,
    /// The region whose sign-in endpoint (ACS) the IdP posts to, and STS's. Unset: the global one.
    pub region: Option<String>,
    /// The ACS address the IdP posts the assertion to, when not AWS's for `region` (an IdP
    /// app set up with a regional or partition endpoint).
    pub acs: Option<String>,
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
    /// Where a code is asked for when no `mfa_process` gives it.
    pub mfa_prompt: MfaPrompt,
    /// Where long-lived keys are kept: the OS keyring, or an encrypted file.
    pub keyring: KeyringBackend,
    /// The encrypted key file (`keyring = "file"`); `None`: `keys.enc` beside the config file.
    pub key_file: Option<String>,
    /// Where MFA and role sessions are cached: 0600 files, or the OS keyring too.
    pub sessions: SessionStore,
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
            mfa_prompt: MfaPrompt::Auto,
            keyring: KeyringBackend::Auto,
            key_file: None,
            sessions: SessionStore::File,
            mfa: MfaMode::Auto,
            session_duration: 43_200,
            role_duration: None,
            source_identity: true,
        }
    }
}

/// Where `awsnav auth` keeps long-lived keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyringBackend {
    /// The platform's keyring (Keychain, Credential Manager, the Secret Service).
    #[default]
    Auto,
    /// A file encrypted with a passphrase (`AWSNAV_FILE_PASSPHRASE`, or asked for).
    File,
}

/// Where MFA and role sessions are cached.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionStore {
    /// One 0600 file each in a 0700 directory (fast; they last hours).
    #[default]
    File,
    /// Their secret parts in the OS keyring; the files keep only what is not secret.
    Keyring,
}

/// Where an MFA code is asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MfaPrompt {
    /// The terminal when there is one, else a desktop dialog where one can be shown.
    #[default]
    Auto,
    Terminal,
    Zenity,
    Kdialog,
    Osascript,
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
    /// How consoles of several accounts stay open side by side.
    pub isolation: Isolation,
    /// The Firefox container's name: `{account}`, `{role}`, `{id}`.
    pub container_name: String,
    /// The command that starts Firefox for `firefox-container` (`{url}` is replaced; else
    /// the URL is appended). Unset: `[console] browser`, else `firefox`.
    pub firefox: Option<String>,
    /// The Chromium-family browser for `chromium-profile`: a command or a path. Unset: the
    /// first of google-chrome, chromium, chromium-browser, brave-browser, microsoft-edge on
    /// PATH.
    pub chromium: Option<String>,
    /// With isolation "none": sign out of AWS first, then sign in.
    pub logout_first: bool,
    /// `[[console.color]]`: container colours and icons by OU, tag, account or name.
    pub color: Vec<crate::domain::console_look::ConsoleColorRule>,
}

/// How consoles of several accounts stay open side by side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Isolation {
    /// One browser profile: a new console replaces the last one.
    #[default]
    None,
    /// A Firefox container per account and role (the "Open external links in a container"
    /// extension's `ext+container:` links).
    FirefoxContainer,
    /// A Chromium-family browser with its own profile directory per account and role.
    ChromiumProfile,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            session_duration: 43_200,
            browser: None,
            federation_url: None,
            service: "console".to_owned(),
            timeout_seconds: 10,
            isolation: Isolation::None,
            container_name: "{account}/{role}".to_owned(),
            firefox: None,
            chromium: None,
            logout_first: false,
            color: Vec::new(),
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
    /// A role (ARN) awsnav assumes to read Cost Explorer; `None`: `[org] role`.
    pub role: Option<String>,
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
            role: None,
            metric: "UnblendedCost".to_owned(),
            ttl_hours: 8,
            months: 6,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OrgConfig {
    /// How the organization is named in the tree, in `org:` selectors and by `--org`
    /// (required with several `[[org]]` entries).
    pub name: Option<String>,
    /// The `[[sso]]` entry (its name) whose IAM Identity Center lists this organization's
    /// accounts and roles.
    pub sso: Option<String>,
    /// The `[[saml]]` provider (its name) that gives roles in this organization.
    pub saml: Option<String>,
    /// `false`: never read this organization's costs (`[cost] enabled` still applies).
    pub cost: Option<bool>,
    /// AWS profile that reads Organizations; `None` means the standard credential chain.
    pub profile: Option<String>,
    /// A role (ARN) awsnav assumes to read Organizations.
    pub role: Option<String>,
    /// Whether reading with your own credentials goes through the MFA session.
    pub mfa: OrgMfa,
    /// A shared inventory (a file, or an HTTPS URL) read instead of Organizations.
    pub source: Option<String>,
    /// A shared inventory exported longer ago than this is refused as stale, days.
    pub source_max_age_days: u32,
    /// Region for the Organizations and STS clients; `None` means the profile's region.
    pub region: Option<String>,
    /// How many Organizations requests run at once during a sync.
    pub concurrency: usize,
    /// When the organization's policies (guardrails) are read.
    pub policies: PolicyReading,
}

/// When the policies fencing each account and OU are read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyReading {
    /// The first time an account's or OU's guardrails are needed (shown, listed).
    #[default]
    Lazy,
    /// For every OU and account during a refresh, so `list --json` is complete.
    Sync,
    /// Never.
    Off,
}

/// When the organization is read through the MFA session of your own credentials.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrgMfa {
    /// Never: the credentials as they are.
    #[default]
    Never,
    /// When a read with the credentials as they are is denied.
    Auto,
    /// From the start.
    Always,
}

impl Default for OrgConfig {
    fn default() -> Self {
        Self {
            name: None,
            sso: None,
            saml: None,
            cost: None,
            profile: None,
            role: None,
            mfa: OrgMfa::Never,
            source: None,
            source_max_age_days: 30,
            region: None,
            concurrency: 8,
            policies: PolicyReading::Lazy,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    /// Tag keys whose values are shown on account rows, in this order.
    pub key_tags: Vec<String>,
    /// The built-in palette the colours start from.
    pub theme: Palette,
    /// Style name → spec (`"black on yellow bold"`), patched over the palette.
    pub colors: BTreeMap<String, String>,
}

impl Default for UiConfig {
    fn default() -> Self {
        Self {
            key_tags: ["env", "environment", "team", "owner"]
                .map(String::from)
                .to_vec(),
            theme: Palette::default(),
            colors: BTreeMap::new(),
        }
    }
}

/// The built-in colour palettes (`[ui] theme`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Palette {
    #[default]
    Default,
    /// Strong foreground/background pairs, no dim or dark-grey text.
    HighContrast,
    /// No colours, only bold, underline and reverse video (what `NO_COLOR` gets).
    Mono,
}
