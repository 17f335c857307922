//! Opening the AWS console as a role: the sign-in link, and a browser to open it in.

use std::fmt;
use std::time::Duration;

use std::path::PathBuf;

use crate::aws::federation::{self, ConsoleError, Destination};
use crate::config::{ConsoleConfig, Isolation};
use crate::domain::console_look::{Look, container_url};
use crate::domain::credentials::{Credentials, Via};
use crate::domain::partition::{Partition, partition_of};
use crate::domain::untrusted;

/// A sign-in URL: it holds a token that signs anyone in for 15 minutes, so `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct SigninUrl(pub String);

impl fmt::Debug for SigninUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigninUrl(<redacted>)")
    }
}

/// A ready sign-in link, and a note for the user when the session is short.
#[derive(Clone, Debug)]
pub struct ConsoleLink {
    pub url: SigninUrl,
    pub note: Option<String>,
}

/// What a console link is made from.
#[derive(Clone, Copy, Debug)]
pub struct LinkRequest<'a> {
    pub credentials: &'a Credentials,
    pub via: Via,
    pub role_arn: &'a str,
    pub region: &'a str,
    pub destination: &'a Destination,
}

/// The federation endpoint: `[console] federation_url`, `AWSNAV_FEDERATION_URL`, or the
/// partition's own.
#[must_use]
pub fn endpoint(
    config: &ConsoleConfig,
    env_override: Option<&str>,
    partition: Partition,
) -> String {
    config
        .federation_url
        .clone()
        .or_else(|| env_override.map(str::to_owned))
        .unwrap_or_else(|| partition.federation_url().to_owned())
}

/// Gets a sign-in token and builds the login URL.
///
/// # Errors
/// [`ConsoleError`] when the federation endpoint refuses, fails or cannot be reached.
pub async fn link(
    config: &ConsoleConfig,
    env_override: Option<&str>,
    request: &LinkRequest<'_>,
) -> Result<ConsoleLink, ConsoleError> {
    let partition = Partition::from_name(partition_of(request.role_arn));
    let endpoint = endpoint(config, env_override, partition);
    let (duration, note) = match request.via {
        v if v.console_duration_allowed() => (Some(config.session_duration), None),
        // Identity Center's credentials last as long as the permission set says; a SAML
        // session as long as it was asked for (`[[saml]] session_duration`).
        Via::Sso | Via::Saml => (None, None),
        _ => (
            None,
            Some(
                "the role was assumed through another session (role chaining), so the console session lasts at most 1 hour"
                    .to_owned(),
            ),
        ),
    };
    let destination = match request.destination {
        Destination::Url(u) => u.clone(),
        Destination::Service(s) => partition.console_url(request.region, s),
    };
    let timeout = Duration::from_secs(config.timeout_seconds);
    let token =
        federation::fetch_signin_token(&endpoint, request.credentials, duration, timeout).await?;
    let url = federation::login_url(&endpoint, "awsnav", &destination, &token)?;
    Ok(ConsoleLink {
        url: SigninUrl(url),
        note,
    })
}

/// How one console opens beside the others: the isolation, and what it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opening {
    pub isolation: Isolation,
    /// The Firefox container's name.
    pub container: String,
    pub look: Look,
    /// The Chromium profile directory of this account and role.
    pub profile_dir: PathBuf,
    /// The role's partition: where AWS's sign-out is.
    pub partition: Partition,
    /// Sign out first (with isolation "none").
    pub logout_first: bool,
}

impl Default for Opening {
    /// One browser profile, no sign-out first.
    fn default() -> Self {
        Self {
            isolation: Isolation::None,
            container: String::new(),
            look: Look {
                color: crate::domain::console_look::ContainerColor::Toolbar,
                icon: crate::domain::console_look::ContainerIcon::Fingerprint,
            },
            profile_dir: PathBuf::new(),
            partition: Partition::Aws,
            logout_first: false,
        }
    }
}

/// A sign-in link ready to open the way `opening` says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleOpening {
    pub url: SigninUrl,
    pub opening: Opening,
}

/// The Chromium-family browsers looked for on PATH, in order, when `[console] chromium` is
/// unset.
pub const CHROMIUM_BROWSERS: [&str; 5] = [
    "google-chrome",
    "chromium",
    "chromium-browser",
    "brave-browser",
    "microsoft-edge",
];

/// The Chromium-family browser to start: `[console] chromium`, else the first of
/// [`CHROMIUM_BROWSERS`] on PATH (or Google Chrome's application on macOS).
///
/// # Errors
/// When none is configured or found.
pub fn chromium_command(configured: Option<&str>) -> Result<String, String> {
    if let Some(c) = configured.filter(|c| !c.trim().is_empty()) {
        return Ok(c.to_owned());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in CHROMIUM_BROWSERS {
        if std::env::split_paths(&path).any(|dir| is_executable(&dir.join(name))) {
            return Ok(name.to_owned());
        }
    }
    let mac = "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome";
    if cfg!(target_os = "macos") && std::path::Path::new(mac).exists() {
        return Ok(untrusted::sh_quoted(mac));
    }
    Err(format!(
        "no Chromium-family browser found on PATH ({}); set [console] chromium to one",
        CHROMIUM_BROWSERS.join(", ")
    ))
}

fn is_executable(path: &std::path::Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// What the browser is given for `link` with isolation "none": the link, or AWS's sign-out
/// going on to it.
#[must_use]
pub fn plain_url(link: &SigninUrl, opening: &Opening) -> SigninUrl {
    if opening.logout_first {
        SigninUrl(opening.partition.signout_then(&link.0))
    } else {
        link.clone()
    }
}

/// Opens the console the way `opening` says: the browser of [`open_in_browser`]; a Firefox
/// container (`[console] firefox`, else `[console] browser`, else `firefox`); or a
/// Chromium-family browser with the account and role's own profile directory (made 0700).
///
/// # Errors
/// A message naming what was tried, when no browser could be started.
pub fn open_console(
    config: &ConsoleConfig,
    browser_env: Option<&str>,
    console: &ConsoleOpening,
) -> Result<(), String> {
    let ConsoleOpening { url, opening } = console;
    match opening.isolation {
        Isolation::None => open_in_browser(
            &plain_url(url, opening),
            config.browser.as_deref(),
            browser_env,
        ),
        Isolation::FirefoxContainer => {
            let cmd = config
                .firefox
                .as_deref()
                .or(config.browser.as_deref())
                .unwrap_or("firefox");
            run_opener(
                cmd,
                "{url}",
                &container_url(&opening.container, &url.0, opening.look),
            )
            .map_err(|e| format!("Firefox `{cmd}`: {e}"))
        }
        Isolation::ChromiumProfile => {
            let cmd = chromium_command(config.chromium.as_deref())?;
            crate::store::private_file::create_private_dir(&opening.profile_dir).map_err(|e| {
                format!(
                    "cannot make the browser profile {}: {e}",
                    opening.profile_dir.display()
                )
            })?;
            let line = format!(
                "{cmd} --user-data-dir={} --no-first-run --no-default-browser-check",
                untrusted::sh_quoted(&opening.profile_dir.display().to_string())
            );
            run_opener(&line, "{url}", &url.0).map_err(|e| format!("`{cmd}`: {e}"))
        }
    }
}

/// Opens `url` with the configured command, else `$BROWSER` (`:`-separated, `%s` for the URL),
/// else the platform's opener.
///
/// # Errors
/// A message naming what was tried, when no browser could be started.
pub fn open_in_browser(
    url: &SigninUrl,
    configured: Option<&str>,
    browser_env: Option<&str>,
) -> Result<(), String> {
    if let Some(cmd) = configured {
        return run_opener(cmd, "{url}", &url.0)
            .map_err(|e| format!("[console] browser `{cmd}`: {e}"));
    }
    if let Some(list) = browser_env.filter(|b| !b.trim().is_empty()) {
        let mut last = String::new();
        for cmd in list.split(':').filter(|c| !c.trim().is_empty()) {
            match run_opener(cmd, "%s", &url.0) {
                Ok(()) => return Ok(()),
                Err(e) => last = format!("$BROWSER `{cmd}`: {e}"),
            }
        }
        return Err(last);
    }
    open::that_detached(&url.0).map_err(|e| format!("the platform's URL opener failed: {e}"))
}

/// Starts `cmd` (through `sh`) with the URL in place of `placeholder`, or appended. A command
/// that fails at once (not found, exits non-zero within half a second) is an error.
fn run_opener(cmd: &str, placeholder: &str, url: &str) -> Result<(), String> {
    let quoted = untrusted::sh_quoted(url);
    let line = if cmd.contains(placeholder) {
        cmd.replace(placeholder, &quoted)
    } else {
        format!("{cmd} {quoted}")
    };
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(&line)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    for _ in 0..10 {
        std::thread::sleep(Duration::from_millis(50));
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("exited with {status}")),
            Ok(None) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(()) // still running: a browser that stays in the foreground
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signin_urls_never_show_in_debug() {
        let u = SigninUrl("https://signin.aws.amazon.com/federation?SigninToken=SECRET".into());
        assert!(!format!("{u:?}").contains("SECRET"));
    }

    #[test]
    fn endpoint_precedence() {
        let mut config = ConsoleConfig::default();
        assert_eq!(
            endpoint(&config, None, Partition::UsGov),
            "https://signin.amazonaws-us-gov.com/federation"
        );
        assert_eq!(
            endpoint(&config, Some("http://127.0.0.1:1/f"), Partition::Aws),
            "http://127.0.0.1:1/f"
        );
        config.federation_url = Some("http://127.0.0.1:2/f".into());
        assert_eq!(
            endpoint(&config, Some("http://127.0.0.1:1/f"), Partition::Aws),
            "http://127.0.0.1:2/f"
        );
    }

    /// What the opener wrote to `path`, once it holds as much as `expected` (within 10 s).
    fn written(path: &std::path::Path, expected: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            if text.len() >= expected.len() || std::time::Instant::now() > deadline {
                return text;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn openers_get_the_url_and_failures_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("opened");
        let url = SigninUrl("https://example.test/?a=1&b='2'".into());
        let cmd = format!("printf %s {{url}} > {}", out.display());
        open_in_browser(&url, Some(&cmd), None).unwrap();
        assert_eq!(written(&out, &url.0), url.0);
        let env = format!("false:printf %s %s > {}", out.display());
        std::fs::remove_file(&out).unwrap();
        open_in_browser(&url, None, Some(&env)).unwrap();
        assert_eq!(written(&out, &url.0), url.0);
        let err = open_in_browser(&url, Some("exit 3"), None).unwrap_err();
        assert!(err.contains("exited"), "{err}");
        let err = open_in_browser(&url, None, Some("definitely-not-a-browser-xyz")).unwrap_err();
        assert!(err.contains("$BROWSER"), "{err}");
    }
}
