//! A loopback stand-in for a SAML identity provider's AWS app: a login form a person (the test,
//! through the DevTools protocol) types into, a session cookie that lasts, and an
//! auto-submitting form that POSTs a `SAMLResponse` with several `Role` values to the ACS,
//! as Okta, Entra ID or Keycloak do.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use base64::Engine as _;

use super::fault::{FaultServer, Request, Response, stand_in};

/// How the stand-in behaves.
#[derive(Clone, Debug)]
pub struct IdpSpec {
    /// `ROLE_ARN,PROVIDER_ARN` values of the `Role` attribute.
    pub roles: Vec<String>,
    /// Where the assertion is posted.
    pub acs: String,
    /// Seconds the assertion may be used.
    pub valid_seconds: i64,
    /// The app answers 500 (an IdP error page).
    pub broken: bool,
}

#[derive(Debug, Default)]
struct State {
    /// Sign-ins typed into the form.
    logins: usize,
    /// Assertions issued.
    issued: usize,
    /// Every `SAMLResponse` issued (to look for where it must not be).
    assertions: Vec<String>,
    /// When AWS starts refusing the last one issued.
    last_not_on_or_after: Option<time::OffsetDateTime>,
}

pub struct Idp {
    pub server: FaultServer,
    spec: Arc<Mutex<IdpSpec>>,
    state: Arc<Mutex<State>>,
}

const SESSION: &str = "idp_session=signed-in-alice";

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// A `SAMLResponse` for `spec`, and the time from which AWS refuses it (its `NotOnOrAfter`).
fn assertion(spec: &IdpSpec) -> (String, time::OffsetDateTime) {
    let fmt = |t: time::OffsetDateTime| {
        t.replace_nanosecond(0)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let not_on_or_after = (now() + time::Duration::seconds(spec.valid_seconds))
        .replace_nanosecond(0)
        .unwrap();
    let until = fmt(not_on_or_after);
    let values = spec.roles.iter().fold(String::new(), |mut s, r| {
        s += "<saml2:AttributeValue>";
        s += r;
        s += "</saml2:AttributeValue>";
        s
    });
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><saml2p:Response xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="r{}" Version="2.0" IssueInstant="{}" Destination="{}"><saml2:Issuer>http://idp.stand-in.test</saml2:Issuer><saml2:Assertion ID="a{}" Version="2.0" IssueInstant="{}"><saml2:Subject><saml2:NameID>alice@corp.example</saml2:NameID><saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml2:SubjectConfirmationData NotOnOrAfter="{until}" Recipient="{}"/></saml2:SubjectConfirmation></saml2:Subject><saml2:Conditions NotOnOrAfter="{until}"><saml2:AudienceRestriction><saml2:Audience>urn:amazon:webservices</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions><saml2:AttributeStatement><saml2:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">{values}</saml2:Attribute><saml2:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><saml2:AttributeValue>alice@corp.example</saml2:AttributeValue></saml2:Attribute><saml2:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration"><saml2:AttributeValue>3600</saml2:AttributeValue></saml2:Attribute></saml2:AttributeStatement></saml2:Assertion></saml2p:Response>"#,
        now().unix_timestamp_nanos(),
        fmt(now()),
        spec.acs,
        now().unix_timestamp_nanos(),
        fmt(now()),
        spec.acs,
    );
    (
        base64::engine::general_purpose::STANDARD.encode(xml),
        not_on_or_after,
    )
}

fn html(body: &str) -> Response {
    Response::raw(200, "text/html; charset=utf-8", body)
}

fn redirect(to: &str) -> Response {
    let mut r = Response::raw(302, "text/plain", "");
    r.headers.push(("Location".into(), to.into()));
    r
}

fn answer(spec: &IdpSpec, state: &mut State, req: &Request) -> Response {
    let signed_in = req
        .header("cookie")
        .is_some_and(|c| c.split(';').any(|p| p.trim() == SESSION));
    match (req.method.as_str(), req.route()) {
        ("GET", "/app/amazon_aws") => {
            if spec.broken {
                return Response::raw(500, "text/html", "<h1>Something went wrong</h1>");
            }
            if !signed_in {
                return redirect("/login");
            }
            state.issued += 1;
            let (response, not_on_or_after) = assertion(spec);
            state.assertions.push(response.clone());
            state.last_not_on_or_after = Some(not_on_or_after);
            html(&format!(
                r#"<!doctype html><body onload="document.forms[0].submit()"><form method="post" action="{}"><input type="hidden" name="SAMLResponse" value="{response}"><input type="hidden" name="RelayState" value=""><noscript><button>Continue</button></noscript></form></body>"#,
                spec.acs
            ))
        }
        ("GET", "/login") => html(
            r#"<!doctype html><title>Sign in</title><form method="post" action="/login"><input name="username" id="username"><input name="password" id="password" type="password"><button id="submit" type="submit">Sign in</button></form>"#,
        ),
        ("POST", "/login") => {
            let fields: std::collections::HashMap<String, String> =
                url::form_urlencoded::parse(req.body.as_bytes())
                    .into_owned()
                    .collect();
            if fields.get("username").map(String::as_str) == Some("alice")
                && fields.get("password").map(String::as_str) == Some("correct horse")
            {
                state.logins += 1;
                let mut r = redirect("/app/amazon_aws");
                r.headers.push((
                    "Set-Cookie".into(),
                    format!("{SESSION}; Path=/; Max-Age=86400; HttpOnly"),
                ));
                r
            } else {
                Response::raw(401, "text/html", "<h1>Wrong password</h1>")
            }
        }
        _ => Response::raw(404, "text/plain", "no such page"),
    }
}

impl Idp {
    pub fn start(spec: IdpSpec) -> Self {
        let (server, spec, state) = stand_in(spec, |spec, _, state, req| answer(spec, state, req));
        Self {
            server,
            spec,
            state,
        }
    }

    /// The IdP's AWS app, as a person clicks it in the IdP's portal.
    pub fn app_url(&self) -> String {
        format!("{}/app/amazon_aws", self.server.url)
    }

    pub fn set(&self, change: impl FnOnce(&mut IdpSpec)) {
        change(&mut self.spec.lock().unwrap());
    }

    /// Sign-ins typed into the form.
    pub fn logins(&self) -> usize {
        self.state.lock().unwrap().logins
    }

    /// Assertions issued.
    pub fn issued(&self) -> usize {
        self.state.lock().unwrap().issued
    }

    /// Waits until awsnav no longer uses the last assertion issued: it keeps one only while AWS
    /// would take it for more than a minute. Then the next sign-in is a new one.
    pub async fn wait_until_the_last_assertion_is_too_old(&self) {
        let until = self
            .state
            .lock()
            .unwrap()
            .last_not_on_or_after
            .expect("no assertion was issued");
        let too_old = until - time::Duration::minutes(1);
        assert!(
            too_old - now() < time::Duration::seconds(10),
            "the last assertion stays usable until {too_old}: make valid_seconds a little over 60"
        );
        while now() < too_old {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Sign-in pages served (`GET /login`): a browser waiting for a person.
    pub fn login_pages(&self) -> usize {
        self.server
            .requests()
            .iter()
            .filter(|r| r.method == "GET" && r.route() == "/login")
            .count()
    }

    pub fn assertions(&self) -> Vec<String> {
        self.state.lock().unwrap().assertions.clone()
    }
}

/// The browser for tests where a person types into the sign-in: Debian's Chromium with a
/// DevTools port added, the test's hands ([`type_sign_in`] finds it through the
/// `DevToolsActivePort` file in the profile). awsnav itself never opens one: it drives the
/// browser over a pipe only it holds.
pub fn browser_with_hands(dir: &std::path::Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let path = dir.join("chromium-with-hands");
    std::fs::write(
        &path,
        "#!/bin/sh\nexec /usr/bin/chromium \"$@\" --remote-debugging-port=0\n",
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// The processes of the browser that has `profile_dir` as its profile, with their command
/// lines.
pub fn browser_processes(profile_dir: &std::path::Path) -> Vec<(u32, Vec<String>)> {
    let wanted = format!("--user-data-dir={}", profile_dir.display());
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = raw
            .split(|&b| b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if args.contains(&wanted) {
            found.push((pid, args));
        }
    }
    found
}

/// The TCP ports (v4 and v6) that the processes `pids` listen on, read from `/proc`: each
/// process's socket inodes against the listening sockets of `/proc/net/tcp` and `tcp6`.
pub fn listening_ports(pids: &[u32]) -> Vec<u16> {
    let mut inodes = std::collections::HashSet::new();
    for pid in pids {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if let Ok(link) = std::fs::read_link(fd.path())
                && let Some(inode) = link
                    .to_string_lossy()
                    .strip_prefix("socket:[")
                    .and_then(|s| s.strip_suffix(']'))
            {
                inodes.insert(inode.to_owned());
            }
        }
    }
    let mut ports = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // local_address, st (0A: LISTEN), inode
            if cols.len() > 9 && cols[3] == "0A" && inodes.contains(cols[9]) {
                let port = cols[1].rsplit(':').next().unwrap();
                ports.push(u16::from_str_radix(port, 16).unwrap());
            }
        }
    }
    ports
}

/// Types the sign-in into the browser awsnav started for `profile_dir`, as a person would:
/// through the DevTools port of [`browser_with_hands`], found by the `DevToolsActivePort`
/// file Chromium writes there.
pub async fn type_sign_in(profile_dir: &std::path::Path, password: &str) {
    use futures_util::StreamExt as _;
    let port_file = profile_dir.join("DevToolsActivePort");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    // The file may still name an earlier browser (a silent attempt before this one): try
    // until the one that is running answers.
    let (browser, mut handler) = loop {
        if let Ok(text) = std::fs::read_to_string(&port_file)
            && let [port, path] = text.lines().collect::<Vec<_>>()[..]
            && let Ok(connected) =
                chromiumoxide::Browser::connect(format!("ws://127.0.0.1:{port}{path}")).await
        {
            break connected;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the browser never started"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let events = tokio::spawn(async move { while handler.next().await.is_some() {} });
    let page = loop {
        let pages = browser.pages().await.unwrap_or_default();
        let mut found = None;
        for p in pages {
            if p.url()
                .await
                .ok()
                .flatten()
                .is_some_and(|u| u.contains("/login"))
            {
                found = Some(p);
            }
        }
        if let Some(p) = found {
            break p;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the sign-in page never showed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    // The page may still be loading: look for each field until it is there.
    let find = |selector: &'static str| {
        let page = page.clone();
        async move {
            loop {
                if let Ok(e) = page.find_element(selector).await {
                    return e;
                }
                assert!(
                    std::time::Instant::now() < deadline,
                    "{selector} never showed"
                );
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    };
    find("#username")
        .await
        .click()
        .await
        .unwrap()
        .type_str("alice")
        .await
        .unwrap();
    find("#password")
        .await
        .click()
        .await
        .unwrap()
        .type_str(password)
        .await
        .unwrap();
    find("#submit").await.click().await.unwrap();
    events.abort();
}

/// STS's rules on `AssumeRoleWithSAML`, which moto does not keep (it reads only the first
/// `Role` value and checks nothing): the requested RoleArn/PrincipalArn pair must be one of the
/// assertion's, and the assertion must not have expired. What passes is handed to moto with
/// that one role, as moto reads it. Every other request goes to moto as it is.
pub fn saml_sts(upstream: &str) -> impl Fn(&Request, usize) -> Response + Send + Sync + 'static {
    let addr = upstream.trim_start_matches("http://").to_owned();
    move |req, _| {
        if req.operation() != "AssumeRoleWithSAML" {
            return super::fault::forward(&addr, req)
                .unwrap_or_else(|e| Response::raw(502, "text/plain", &e.to_string()));
        }
        let form: std::collections::HashMap<String, String> =
            url::form_urlencoded::parse(req.body.as_bytes())
                .into_owned()
                .collect();
        let Ok(assertion) = awsnav::domain::saml::parse(&form["SAMLAssertion"]) else {
            return Response::sts_error(400, "InvalidIdentityToken", "malformed SAML assertion");
        };
        if assertion
            .not_on_or_after
            .is_none_or(|end| end <= time::OffsetDateTime::now_utc())
        {
            return Response::sts_error(
                400,
                "ExpiredTokenException",
                "Token must be redeemed within 5 minutes of issuance",
            );
        }
        let (role, principal) = (&form["RoleArn"], &form["PrincipalArn"]);
        if !assertion
            .roles
            .iter()
            .any(|r| &r.role_arn == role && &r.principal_arn == principal)
        {
            return Response::sts_error(
                403,
                "AccessDenied",
                "Not authorized to perform sts:AssumeRoleWithSAML",
            );
        }
        let only = IdpSpec {
            roles: vec![format!("{role},{principal}")],
            acs: String::new(),
            valid_seconds: 300,
            broken: false,
        };
        // moto takes the session's length from the assertion alone: AWS's is the request's.
        let seconds = form
            .get("DurationSeconds")
            .cloned()
            .unwrap_or_else(|| "3600".into());
        let moto_view = assertion_for_moto(&only, &seconds);
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter().map(|(k, v)| {
                if k == "SAMLAssertion" {
                    (k.as_str(), moto_view.as_str())
                } else {
                    (k.as_str(), v.as_str())
                }
            }))
            .finish();
        let mut rewritten = req.clone();
        rewritten.body = body;
        for (k, v) in &mut rewritten.headers {
            if k.eq_ignore_ascii_case("content-length") {
                *v = rewritten.body.len().to_string();
            }
        }
        super::fault::forward(&addr, &rewritten)
            .unwrap_or_else(|e| Response::raw(502, "text/plain", &e.to_string()))
    }
}

/// The assertion as moto parses it: `samlp`/`saml` prefixes, one `Role` value.
fn assertion_for_moto(spec: &IdpSpec, seconds: &str) -> String {
    let xml = format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:Assertion><saml:AttributeStatement><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role"><saml:AttributeValue>{}</saml:AttributeValue></saml:Attribute><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><saml:AttributeValue>alice@corp.example</saml:AttributeValue></saml:Attribute><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration"><saml:AttributeValue>{seconds}</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>"#,
        spec.roles[0]
    );
    base64::engine::general_purpose::STANDARD.encode(xml)
}

/// Closes the browser awsnav started for `profile_dir` once `idp` has served it the sign-in
/// page (more than `shown` sign-in pages in all), as a person closing the window while looking
/// at it would (the browser process ends).
pub async fn close_browser(profile_dir: &std::path::Path, idp: &Idp, shown: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while idp.login_pages() <= shown {
        assert!(
            std::time::Instant::now() < deadline,
            "the browser never showed the sign-in page"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let pattern = format!("user-data-dir={}", profile_dir.display());
    let _ = std::process::Command::new("pkill")
        .args(["-TERM", "-f", &pattern])
        .status();
}
