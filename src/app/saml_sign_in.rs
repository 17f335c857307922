//! Signing in to a SAML identity provider in the person's own Chromium-family browser, driven
//! through the Chrome DevTools Protocol over a pipe only awsnav holds ([`super::devtools_pipe`]):
//! a profile of awsnav's own (so the IdP's cookies stay
//! and the next sign-in needs no typing), the IdP's AWS app opened, and the assertion taken
//! from the form the IdP posts to AWS's sign-in endpoint — held there, answered by awsnav,
//! never sent on. The assertion is never written anywhere.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use chromiumoxide_cdp::cdp::browser_protocol::fetch::{
    self, EventRequestPaused, FulfillRequestParams, HeaderEntry, RequestPattern, RequestStage,
};
use chromiumoxide_cdp::cdp::browser_protocol::{network, page, target};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::devtools_pipe::{Browser, Event, Launch, PipeError};
use crate::config::SamlConfig;
use crate::domain::saml::{self, Assertion, SamlRole};

/// Browsers tried, in order, when `[[saml]] browser` names none.
const BROWSERS: &[&str] = &[
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "brave-browser",
    "microsoft-edge",
];
/// How long a person has to sign in.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_mins(5);
/// How long a silent sign-in (from the saved IdP session) may take.
pub const SILENT_TIMEOUT: Duration = Duration::from_secs(20);
/// A silent sign-in whose page has loaded and sat this long without posting to AWS is
/// waiting for a person: it has failed. (An identity provider posts a saved session's assertion at once.)
pub const SILENT_IDLE: Duration = Duration::from_secs(3);
/// Runs even a typed sign-in's browser headless (tests, a machine with no display).
pub const HEADLESS_VAR: &str = "AWSNAV_SAML_HEADLESS";

/// Why a sign-in did not give an assertion.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("no Chromium-family browser was found (tried {tried}): set [[saml]] browser")]
    NoBrowser { tried: String },
    #[error("the browser could not start ({0})")]
    Launch(String),
    #[error(
        "the browser window was closed before the identity provider sent its answer to AWS: nothing was stored"
    )]
    Closed,
    #[error("took too long: no answer from the identity provider in {} s", .0.as_secs())]
    Timeout(Duration),
    #[error("the identity provider asks for a sign-in (its page waited for a person)")]
    NeedsPerson,
    #[error("the identity provider answered HTTP {status} at {url}")]
    IdpError { status: i64, url: String },
    #[error("{0}")]
    Assertion(#[from] saml::SamlError),
    #[error("the browser: {0}")]
    Protocol(String),
}

/// Where the profile of `idp` is kept (0700): its cookies make the next sign-in silent.
#[must_use]
pub fn profile_dir(data_dir: &Path, idp: &str) -> PathBuf {
    data_dir
        .join("saml-profiles")
        .join(crate::domain::untrusted::file_name(idp))
}

/// The ACS address the IdP posts to for `config`.
#[must_use]
pub fn acs(config: &SamlConfig) -> String {
    config
        .acs
        .clone()
        .unwrap_or_else(|| saml::acs_url(config.region.as_deref()))
}

fn find_browser(config: &SamlConfig) -> Result<PathBuf, SignInError> {
    let candidates: Vec<&str> = config
        .browser
        .as_deref()
        .map_or_else(|| BROWSERS.to_vec(), |b| vec![b]);
    let path = std::env::var_os("PATH").unwrap_or_default();
    for c in &candidates {
        let p = Path::new(c);
        if p.is_absolute() && p.is_file() {
            return Ok(p.to_owned());
        }
        if let Some(found) = std::env::split_paths(&path)
            .map(|d| d.join(c))
            .find(|f| f.is_file())
        {
            return Ok(found);
        }
    }
    Err(SignInError::NoBrowser {
        tried: candidates.join(", "),
    })
}

/// Whether the browser must run without a window: asked (`--headless`, a silent sign-in) or
/// `AWSNAV_SAML_HEADLESS` is set.
fn headless(silent: bool) -> bool {
    silent || std::env::var_os(HEADLESS_VAR).is_some_and(|v| !v.is_empty() && v != "0")
}

/// The `SAMLResponse` of a form body posted to the ACS.
fn saml_response(body: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == "SAMLResponse")
        .map(|(_, v)| v.into_owned())
}

const DONE_PAGE: &str = "<!doctype html><title>awsnav</title><p style=\"font:16px sans-serif\">awsnav has the sign-in: you may close this window.</p>";

/// Opens `config.url` in the IdP's profile and waits for the assertion: the person signs in
/// however the IdP asks (or, with `silent`, the saved session signs in with no window). The
/// browser is closed either way, and dies with awsnav if awsnav is ended first.
///
/// # Errors
/// [`SignInError`] saying why; nothing is stored then.
pub async fn capture(
    config: &SamlConfig,
    data_dir: &Path,
    silent: bool,
) -> Result<Assertion, SignInError> {
    let program = find_browser(config)?;
    let dir = profile_dir(data_dir, &config.name);
    crate::store::private_file::create_private_dir(&dir)
        .map_err(|e| SignInError::Launch(format!("{}: {e}", dir.display())))?;
    let launch = Launch {
        program,
        user_data_dir: dir,
        headless: headless(silent),
        no_sandbox: is_root(),
    };
    let (browser, mut events) = Browser::launch(&launch).map_err(|e| match e {
        PipeError::Launch(why) => SignInError::Launch(why),
        other => SignInError::Protocol(other.to_string()),
    })?;
    let acs = acs(config);
    let limit = if silent {
        SILENT_TIMEOUT
    } else {
        SIGN_IN_TIMEOUT
    };
    let result = tokio::time::timeout(
        limit,
        wait_for_assertion(&browser, &mut events, &config.url, &acs, silent),
    )
    .await
    .unwrap_or(Err(SignInError::Timeout(limit)));
    browser.close().await;
    let encoded = result?;
    Ok(saml::parse(&encoded)?)
}

fn is_root() -> bool {
    #[cfg(unix)]
    {
        std::fs::metadata("/proc/self").is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// A protocol failure, or the window closed: a browser that is gone says the latter.
fn protocol(e: PipeError) -> SignInError {
    match e {
        PipeError::Gone => SignInError::Closed,
        other => SignInError::Protocol(other.to_string()),
    }
}

/// The page to sign in on: the browser's first tab (a window shows just the IdP), else a
/// new one.
async fn sign_in_page(
    browser: &Browser,
    events: &mut tokio::sync::mpsc::UnboundedReceiver<Event>,
) -> Result<String, SignInError> {
    browser
        .call(target::SetDiscoverTargetsParams::new(true), None)
        .await
        .map_err(protocol)?;
    let first_tab = async {
        while let Some(event) = events.recv().await {
            if let Some(created) = event.parse::<target::EventTargetCreated>()
                && created.target_info.r#type == "page"
            {
                return Some(created.target_info.target_id);
            }
        }
        None
    };
    let target = match tokio::time::timeout(Duration::from_secs(5), first_tab).await {
        Ok(Some(id)) => id,
        Ok(None) => return Err(SignInError::Closed),
        Err(_) => {
            browser
                .call(target::CreateTargetParams::new("about:blank"), None)
                .await
                .map_err(protocol)?
                .target_id
        }
    };
    let attached = browser
        .call(
            target::AttachToTargetParams {
                target_id: target,
                flatten: Some(true),
            },
            None,
        )
        .await
        .map_err(protocol)?;
    Ok(attached.session_id.into())
}

async fn wait_for_assertion(
    browser: &Browser,
    events: &mut tokio::sync::mpsc::UnboundedReceiver<Event>,
    url: &str,
    acs: &str,
    silent: bool,
) -> Result<String, SignInError> {
    let session = sign_in_page(browser, events).await?;
    let on_page = Some(session.as_str());
    browser
        .call(network::EnableParams::default(), on_page)
        .await
        .map_err(protocol)?;
    browser
        .call(page::EnableParams::default(), on_page)
        .await
        .map_err(protocol)?;
    browser
        .call(
            fetch::EnableParams {
                patterns: Some(vec![RequestPattern {
                    url_pattern: Some(format!("{}*", acs.trim_end_matches('/'))),
                    resource_type: None,
                    request_stage: Some(RequestStage::Request),
                }]),
                handle_auth_requests: None,
            },
            on_page,
        )
        .await
        .map_err(protocol)?;
    // The navigation is not waited for: the IdP's pages take as long as the person does.
    browser
        .send(&page::NavigateParams::new(url), on_page)
        .map_err(protocol)?;
    // In a silent sign-in, when the last page loaded (a new load starts the wait again).
    let mut idle_since: Option<tokio::time::Instant> = None;
    loop {
        let event = tokio::select! {
            event = events.recv() => event,
            () = async {
                match idle_since {
                    Some(at) => tokio::time::sleep_until(at + SILENT_IDLE).await,
                    None => std::future::pending().await,
                }
            } => return Err(SignInError::NeedsPerson),
        };
        // The browser went away (its window was closed, it was killed).
        let Some(event) = event else {
            return Err(SignInError::Closed);
        };
        if event.session_id.as_deref() != on_page {
            // The person closed the sign-in's tab or window.
            if event
                .parse::<target::EventDetachedFromTarget>()
                .is_some_and(|d| AsRef::<str>::as_ref(&d.session_id) == session)
            {
                return Err(SignInError::Closed);
            }
            continue;
        }
        if let Some(paused) = event.parse::<EventRequestPaused>() {
            let found = saml_response(&posted_body(&paused));
            let fulfil = FulfillRequestParams::builder()
                .request_id(paused.request_id.clone())
                .response_code(200)
                .response_headers(vec![HeaderEntry::new(
                    "Content-Type",
                    "text/html; charset=utf-8",
                )])
                .body(base64::engine::general_purpose::STANDARD.encode(DONE_PAGE))
                .build()
                .map_err(SignInError::Protocol)?;
            let _ = browser.send(&fulfil, on_page);
            if let Some(found) = found {
                return Ok(found);
            }
        } else if event.parse::<page::EventLoadEventFired>().is_some() {
            if silent {
                idle_since = Some(tokio::time::Instant::now());
            }
        } else if let Some(answer) = event.parse::<network::EventResponseReceived>() {
            let r = &answer.response;
            if answer.r#type == network::ResourceType::Document
                && r.status >= 400
                && !r.url.starts_with(acs)
            {
                return Err(SignInError::IdpError {
                    status: r.status,
                    url: r.url.clone(),
                });
            }
        }
    }
}

/// The body of a paused request, decoded.
fn posted_body(paused: &EventRequestPaused) -> Vec<u8> {
    paused
        .request
        .post_data_entries
        .iter()
        .flatten()
        .filter_map(|e| e.bytes.as_ref())
        .filter_map(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(AsRef::<str>::as_ref(b))
                .ok()
        })
        .flatten()
        .collect()
}

/// The assertions of this process by IdP: a run signs in once (one browser for `exec --each`
/// over many accounts), and again only when AWS would no longer take it. Memory only.
static ASSERTIONS: std::sync::LazyLock<
    tokio::sync::Mutex<std::collections::HashMap<String, Assertion>>,
> = std::sync::LazyLock::new(Default::default);

/// An assertion of `config`'s IdP AWS still takes: this process's, else a silent sign-in from
/// the browser's saved IdP session, else (with `interactive`) one the person does in the
/// browser. One sign-in at a time per process; the others wait for it and share it.
///
/// # Errors
/// [`AwsError::SamlLogin`] saying why.
pub async fn assertion(
    config: &SamlConfig,
    data_dir: &Path,
    cache_dir: &Path,
    interactive: &crate::app::access::mfa::Interactive,
) -> Result<Assertion, crate::aws::AwsError> {
    use crate::app::access::mfa::{Interactive, MfaRequest};
    let mut held = ASSERTIONS.lock().await;
    let now = OffsetDateTime::now_utc();
    if let Some(a) = held.get(&config.name).filter(|a| a.usable_at(now)) {
        return Ok(a.clone());
    }
    let failed = |why: String| crate::aws::AwsError::SamlLogin {
        idp: config.name.clone(),
        why,
    };
    let got = match (capture(config, data_dir, true).await, interactive) {
        (Ok(a), _) => a,
        (Err(silent), Interactive::None) => {
            return Err(failed(format!("needs you in the browser ({silent})")));
        }
        (Err(silent), Interactive::Ask(_)) => {
            tracing::info!(why = %silent, "no silent SAML sign-in; opening the browser");
            capture(config, data_dir, false)
                .await
                .map_err(|e| failed(format!("failed ({e})")))?
        }
        (Err(silent), Interactive::Tui(ui)) => {
            tracing::info!(why = %silent, "no silent SAML sign-in; opening the browser");
            // The TUI shows a dialog while the browser is open; Esc there cancels.
            let (reply, answered) = tokio::sync::oneshot::channel();
            let _ = ui.send(MfaRequest::Browser {
                idp: config.name.clone(),
                reply,
            });
            tokio::select! {
                r = capture(config, data_dir, false) => {
                    r.map_err(|e| failed(format!("failed ({e})")))?
                }
                _ = answered => {
                    return Err(crate::aws::AwsError::SamlCancelled {
                        idp: config.name.clone(),
                    });
                }
            }
        }
    };
    if let Err(e) = store_roles(cache_dir, &config.name, &got, now) {
        tracing::warn!(error = %e, "cannot keep the SAML roles");
    }
    held.insert(config.name.clone(), got.clone());
    Ok(got)
}

/// Forgets this process's assertion of `idp` (AWS refused it).
pub async fn forget(idp: &str) {
    ASSERTIONS.lock().await.remove(idp);
}

/// What awsnav keeps of a sign-in (never the assertion): the roles it gave, for the tree, the
/// role picker and `list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownSamlRoles {
    pub idp: String,
    #[serde(with = "time::serde::rfc3339")]
    pub read_at: OffsetDateTime,
    pub roles: Vec<KnownRole>,
}

/// One role of a sign-in, as kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownRole {
    pub account_id: String,
    pub role_name: String,
    pub role_arn: String,
    pub principal_arn: String,
}

impl From<&SamlRole> for KnownRole {
    fn from(r: &SamlRole) -> Self {
        Self {
            account_id: r.account_id.clone(),
            role_name: r.role_name.clone(),
            role_arn: r.role_arn.clone(),
            principal_arn: r.principal_arn.clone(),
        }
    }
}

/// The file of `idp`'s known roles.
#[must_use]
pub fn roles_path(cache_dir: &Path, idp: &str) -> PathBuf {
    cache_dir.join(format!(
        "saml-roles-{}.json",
        crate::domain::untrusted::file_name(idp)
    ))
}

/// Keeps the roles `assertion` gives (0600, atomic).
///
/// # Errors
/// When the file cannot be written.
pub fn store_roles(
    cache_dir: &Path,
    idp: &str,
    assertion: &Assertion,
    now: OffsetDateTime,
) -> std::io::Result<()> {
    let known = KnownSamlRoles {
        idp: idp.to_owned(),
        read_at: now,
        roles: assertion.roles.iter().map(KnownRole::from).collect(),
    };
    crate::store::private_file::write_private(
        &roles_path(cache_dir, idp),
        &serde_json::to_vec_pretty(&known).unwrap_or_default(),
    )
}

/// The roles every configured IdP gave at its last sign-in, as the role catalog offers them.
#[must_use]
pub fn catalog_roles(
    cache_dir: &Path,
    idps: &[SamlConfig],
) -> Vec<(String, String, crate::domain::roles::SamlRef)> {
    known_roles(cache_dir, idps)
        .into_iter()
        .flat_map(|k| {
            k.roles.into_iter().map(move |r| {
                (
                    r.account_id,
                    r.role_name,
                    crate::domain::roles::SamlRef {
                        idp: k.idp.clone(),
                        role_arn: r.role_arn,
                        principal_arn: r.principal_arn,
                    },
                )
            })
        })
        .collect()
}

/// The roles every configured IdP gave at its last sign-in.
#[must_use]
pub fn known_roles(cache_dir: &Path, idps: &[SamlConfig]) -> Vec<KnownSamlRoles> {
    idps.iter()
        .filter_map(|c| {
            let bytes = std::fs::read(roles_path(cache_dir, &c.name)).ok()?;
            serde_json::from_slice::<KnownSamlRoles>(&bytes)
                .ok()
                .filter(|k| k.idp == c.name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_assertion_is_taken_from_the_posted_form() {
        assert_eq!(
            saml_response(b"SAMLResponse=PHNhbWw%2B&RelayState=").as_deref(),
            Some("PHNhbWw+")
        );
        assert_eq!(saml_response(b"RelayState=x"), None);
        let c = SamlConfig {
            name: "okta".into(),
            region: Some("eu-west-1".into()),
            ..SamlConfig::default()
        };
        assert_eq!(acs(&c), "https://eu-west-1.signin.aws.amazon.com/saml");
        let d = profile_dir(Path::new("/data"), "../okta");
        assert!(d.starts_with("/data/saml-profiles"));
        assert_eq!(d.components().count(), 4, "{}", d.display());
    }
}
