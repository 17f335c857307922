//! The TUI's vocabulary: what happens to it (`Msg`), what `update()` asks for (`Effect`), and
//! the small types they carry. The state and the runner both import it; it imports neither.

use crossterm::event::KeyEvent;
use time::OffsetDateTime;

use super::action::Action;
use crate::app::console_link::{ConsoleOpening, SigninUrl};
use crate::app::fanout::Planned;
use crate::aws::AwsError;
use crate::aws::federation::ConsoleError;
use crate::aws::org::SyncProgress;
use crate::domain::cost::CostSnapshot;
use crate::domain::inventory::Inventory;
use crate::domain::roles::RoleOption;

/// Everything that happens to the app arrives as one of these.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Action(Action),
    Resize(u16, u16),
    Tick(OffsetDateTime),
    /// Every sign-in and its time left, as read from what is cached.
    Identities(Vec<crate::app::identities::Identity>),
    SyncProgress(SyncProgress),
    SyncFinished(Result<Box<Inventory>, AwsError>),
    /// A key typed in the welcome: stored under its name, or why not.
    KeyAdded(Result<String, String>),
    /// With several organizations, one of them was read (or failed) while others still are:
    /// the organizations as one tree, shown at once; the sync goes on.
    OrgSynced(Box<Inventory>),
    Banner(Banner),
    /// The credential flow needs an MFA code for this device.
    MfaNeeded {
        serial: String,
    },
    /// The credential flow needs to know which of these MFA devices to use.
    MfaDeviceNeeded {
        devices: Vec<String>,
    },
    /// Credentials are in hand (start the shell), or why not.
    AccessFinished(Result<Box<ShellLaunch>, AccessFailure>),
    /// The shell started from the TUI ended.
    ShellExited {
        account_name: String,
        result: Result<i32, crate::app::enter::ChildFailure>,
    },
    /// Cached sessions and their expiries, re-read after each access.
    Sessions(Sessions),
    /// A console sign-in link is ready (or why not).
    ConsoleReady {
        account_name: String,
        purpose: Purpose,
        result: Result<ConsoleOpening, AccessFailure>,
        note: Option<String>,
    },
    /// A session was exported (`e`): what the banner says, or why not.
    Exported(Result<String, AccessFailure>),
    /// A cost read finished (or cost is off).
    Cost(CostStatus),
    /// A termination signal: quit whatever is open.
    Terminate,
    /// What a fan-out (one command in many accounts) reports.
    FanOut(crate::app::fanout::Event),
    /// A fan-out could not start (its sign-in failed).
    FanOutFailed(String),
    /// When the IAM Identity Center sign-in ends (`None`: no token).
    SsoSignIn(Option<OffsetDateTime>),
    /// A SAML identity provider's sign-in is open in the browser.
    SamlSignIn {
        idp: String,
    },
    /// The base profile's console session (after a sync or a sign-in).
    ConsoleSession(Option<crate::app::console_sign_in::ConsoleStatus>),
    /// Where to sign in to Identity Center (and the code to check, for a device sign-in).
    SsoPrompt {
        url: String,
        code: Option<String>,
    },
    /// The Identity Center sign-in the TUI started ended: when the new token ends, or why not.
    SsoSignedIn(Result<Option<OffsetDateTime>, String>),
    /// Policies were read (what was found, and the first request that kept failing), or
    /// why not.
    Guardrails {
        found: Result<crate::domain::guardrails::Guardrails, AwsError>,
        unread: Option<String>,
    },
    /// A policy's document was read, or why not.
    PolicyDocument {
        id: String,
        result: Result<crate::domain::guardrails::PolicyDocument, AwsError>,
    },
    /// The roles Identity Center gives in an account were read (or why not).
    SsoRoles {
        account_id: String,
        result: Result<crate::store::sso_role_cache::KnownRoles, AwsError>,
    },
}

/// A side effect requested by `update()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Read the organization from AWS (or the demo) and replace the shown inventory.
    Sync,
    /// With several organizations: read this one again (the others from their caches).
    SyncOrg(String),
    /// Check an access key with AWS and keep it in the key store under `name`.
    AddKey {
        name: String,
        key: crate::domain::credentials::AccessKey,
    },
    Quit,
    /// Get credentials for a role (MFA prompt and all), then ask for a shell.
    Access(Box<AccessRequest>),
    /// The MFA code typed into the prompt.
    SubmitMfa(String),
    /// The MFA device picked among several.
    ChooseMfaDevice(String),
    CancelMfa,
    /// Suspend the TUI and run `$SHELL` in the account (done by the event loop itself).
    Shell(Box<ShellLaunch>),
    /// Open a console sign-in link in the browser, beside other consoles as configured.
    OpenBrowser(Box<ConsoleOpening>),
    /// Put a console sign-in link on the clipboard with OSC 52 (done by the event loop).
    CopyToClipboard(SigninUrl),
    /// Read costs (the cache within its TTL unless `force`).
    ReadCost {
        force: bool,
    },
    /// Mark (`on`) or unmark an account as a favourite, on disk.
    SaveFavourite {
        account_id: String,
        on: bool,
    },
    /// Remember (or with `None` forget) the region for sessions in an account.
    SaveRegion {
        account_id: String,
        region: Option<String>,
    },
    /// Run a command in many accounts (a fan-out); every line and end comes back as
    /// `Msg::FanOut`.
    FanOut(Box<FanOutRequest>),
    /// Sign in to IAM Identity Center for `profile` (awsnav's own sign-in), or with `console`
    /// sign `profile`'s console session in again.
    SsoSignIn {
        profile: String,
        console: bool,
    },
    /// Stop the sign-in going on.
    CancelSsoSignIn,
    /// Read the roles IAM Identity Center gives in an account (and cache them).
    ReadSsoRoles {
        account_id: String,
    },
    /// The same for several accounts at once (each answers with its own message).
    ReadSsoRolesOf {
        accounts: Vec<String>,
    },
    /// Read the policies attached to these targets (and the root's enabled types when not
    /// known), and keep them with the cached inventory.
    ReadGuardrails {
        targets: Vec<String>,
        enabled: Option<Vec<String>>,
        /// The shown inventory's, which they are kept with.
        synced_at: OffsetDateTime,
        /// Asked for (`p`): an MFA code may be asked too; a read in the background never asks.
        ask: bool,
    },
    /// Read a policy's document and targets.
    ReadPolicyDocument {
        id: String,
        synced_at: OffsetDateTime,
    },
    /// Read every sign-in and its time left (answered with `Msg::Identities`).
    ReadIdentities,
    /// Read the organization as this profile of `~/.aws/config` from now on (kept as
    /// `[org] profile` in awsnav's config file).
    UseProfile(String),
    /// Show the demo organization from now on (nothing is sent to AWS).
    UseDemo,
    /// Sign out of one of them (an Identity Center sign-in, a console session, a SAML
    /// provider's sessions); the sign-ins are read again after.
    SignOut {
        kind: crate::app::identities::Kind,
        name: String,
    },
}

/// Why getting into an account from the TUI ended without credentials or a console link.
#[derive(Debug, thiserror::Error)]
pub enum AccessFailure {
    /// The demo organization has nothing real to get into.
    #[error(
        "demo organization: there is nothing real to get into. With your own organization this would {what} in {account} as {role}"
    )]
    Demo {
        what: &'static str,
        account: String,
        role: String,
    },
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(transparent)]
    Console(#[from] ConsoleError),
    /// The session could not be written into the credentials file.
    #[error("{0}")]
    Export(String),
}

/// What the credentials are for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Purpose {
    /// `$SHELL` in the account.
    #[default]
    Shell,
    /// The AWS console in the browser.
    Console,
    /// A console sign-in link, copied to the clipboard.
    CopyLink,
    /// The session written into the shared credentials file (`env --export-as`).
    Export,
}

/// What to get credentials for (sent to the effect runner).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessRequest {
    pub account_id: String,
    pub account_name: String,
    pub role: RoleOption,
    pub production: bool,
    pub purpose: Purpose,
    /// With [`Purpose::Export`]: the profile to write (empty: `ACCOUNT-ROLE`).
    pub export_as: Option<String>,
}

/// A shell to start: the account got into ([`crate::app::enter::Entered`]).
pub type ShellLaunch = crate::app::enter::Entered;

/// Cached sessions, for "43 min left" displays.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sessions {
    /// (account id, role, expiry).
    pub roles: Vec<(String, String, OffsetDateTime)>,
    pub mfa: Option<OffsetDateTime>,
    /// Per SAML identity provider, when its longest cached role session ends.
    pub saml: Vec<(String, OffsetDateTime)>,
}

impl Sessions {
    #[must_use]
    pub fn role_expiry(&self, account: &str, role: &str) -> Option<OffsetDateTime> {
        self.roles
            .iter()
            .find(|(a, r, _)| a == account && r == role)
            .map(|(_, _, e)| *e)
    }
}

/// Most severe first: `Error < Warning < Info` in this order, so `min` is the more severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warning,
    Info,
}

/// A message across the top of the screen until dismissed (Esc) or replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Banner {
    pub level: Level,
    pub text: String,
}

impl Banner {
    #[must_use]
    pub fn error(text: impl Into<String>) -> Self {
        Self {
            level: Level::Error,
            text: one_line(&text.into()),
        }
    }

    #[must_use]
    pub fn warning(text: impl Into<String>) -> Self {
        Self {
            level: Level::Warning,
            text: one_line(&text.into()),
        }
    }

    #[must_use]
    pub fn info(text: impl Into<String>) -> Self {
        Self {
            level: Level::Info,
            text: one_line(&text.into()),
        }
    }
}

/// Banners are one paragraph: line breaks and indentation from multi-line errors are folded.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What is known about cost.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum CostStatus {
    /// Not asked yet, or `[cost] enabled = false`.
    #[default]
    Off,
    Loading,
    Known(std::sync::Arc<CostSnapshot>),
    /// Not available; the reason is shown once.
    Unavailable(String),
}

/// A fan-out to start: one command in many accounts (sent to the effect runner).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FanOutRequest {
    /// What was typed; run as `sh -c COMMAND`.
    pub command: String,
    pub role: RoleOption,
    pub planned: Vec<Planned>,
}
