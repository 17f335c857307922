//! Opening the AWS console as a role: the sign-in link, and a browser to open it in.

use std::fmt;
use std::time::Duration;

use crate::aws::federation::{self, ConsoleError, Destination};
use crate::config::ConsoleConfig;
use crate::domain::credentials::{Credentials, Via};
use crate::domain::partition::{Partition, partition_of};

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
        // Identity Center's credentials last as long as the permission set says.
        Via::Sso => (None, None),
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
    let quoted = format!("'{}'", url.replace('\'', r"'\''"));
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
