//! SAML identity providers through a real browser: Debian's Chromium (headless), driven by
//! awsnav through the DevTools protocol exactly as in use, against a loopback stand-in IdP
//! whose login form the test types into as a person would.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

use crate::common::idp::{Idp, IdpSpec, type_sign_in};
use crate::common::{AwsnavCmd, stderr};

const PASSWORD: &str = "correct horse";

fn chromium() -> String {
    let path = "/usr/bin/chromium";
    assert!(
        std::path::Path::new(path).exists(),
        "Debian's chromium is needed: run scripts/test (it installs it)"
    );
    path.to_owned()
}

struct Setup {
    awsnav: AwsnavCmd,
    idp: Idp,
    profile_dir: std::path::PathBuf,
}

fn roles(accounts: &[&str]) -> Vec<String> {
    accounts
        .iter()
        .flat_map(|a| {
            [
                format!("arn:aws:iam::{a}:role/Admin,arn:aws:iam::{a}:saml-provider/okta"),
                format!("arn:aws:iam::{a}:saml-provider/okta,arn:aws:iam::{a}:role/ReadOnly"),
            ]
        })
        .collect()
}

/// An IdP for `accounts` and awsnav configured for it, its browser with the test's hands
/// ([`crate::common::idp::browser_with_hands`]) to type into.
fn setup(accounts: &[&str], endpoint: Option<&str>) -> Setup {
    setup_with(accounts, endpoint, |awsnav| {
        chromium();
        crate::common::idp::browser_with_hands(awsnav.home.path())
            .display()
            .to_string()
    })
}

fn setup_with(
    accounts: &[&str],
    endpoint: Option<&str>,
    browser: impl FnOnce(&AwsnavCmd) -> String,
) -> Setup {
    let idp = Idp::start(IdpSpec {
        roles: roles(accounts),
        acs: String::new(),
        valid_seconds: 300,
        broken: false,
    });
    let acs = format!("{}/saml", idp.server.url);
    idp.set(|s| s.acs.clone_from(&acs));
    let mut awsnav = match endpoint {
        Some(url) => AwsnavCmd::new().against(url),
        None => AwsnavCmd::new(),
    };
    awsnav.unset("AWS_ACCESS_KEY_ID");
    awsnav.unset("AWS_SECRET_ACCESS_KEY");
    awsnav.set("AWSNAV_SAML_HEADLESS", "1");
    let data = awsnav.path("awsnav/data");
    awsnav.set("AWSNAV_DATA_DIR", &data.display().to_string());
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    let browser = browser(&awsnav);
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        format!(
            "[[saml]]\nname = \"okta\"\nurl = \"{}\"\nbrowser = \"{browser}\"\nacs = \"{acs}\"\n",
            idp.app_url(),
        ),
    )
    .unwrap();
    Setup {
        awsnav,
        idp,
        profile_dir: data.join("saml-profiles/okta"),
    }
}

#[tokio::test]
async fn the_first_sign_in_is_typed_and_the_next_one_is_silent() {
    let Setup {
        awsnav,
        idp,
        profile_dir,
    } = setup(&["111111111111", "222222222222"], None);
    let child = awsnav
        .command(&["login", "--saml", "okta"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // What finds a browser's listening sockets finds this one's: the test's hands are a
    // DevTools port (the browser awsnav starts has none: the next test).
    let port = wait_for_port_file(&profile_dir).await;
    let pids: Vec<u32> = crate::common::idp::browser_processes(&profile_dir)
        .into_iter()
        .map(|(pid, _)| pid)
        .collect();
    assert!(
        crate::common::idp::listening_ports(&pids).contains(&port),
        "port {port} is not seen as listening"
    );
    type_sign_in(&profile_dir, PASSWORD).await;
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(
        said.contains("signed in to okta as alice@corp.example: 4 role(s) in 2 account(s)"),
        "{said}"
    );
    assert!(said.contains("222222222222  ReadOnly"), "{said}");
    assert_eq!((idp.logins(), idp.issued()), (1, 1));
    assert_eq!(
        idp.server
            .requests()
            .iter()
            .filter(|r| r.route() == "/saml")
            .count(),
        0,
        "the assertion is taken in the browser, never sent on"
    );
    let mode = |p: &std::path::Path| {
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(p).unwrap().permissions())
            & 0o777
    };
    assert_eq!(mode(&profile_dir), 0o700);

    // The second sign-in is silent: the browser's saved IdP session, no window, no typing.
    let out = awsnav.run(&["login", "--saml", "okta", "--headless"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!((idp.logins(), idp.issued()), (1, 2));

    // The assertion is in no file awsnav wrote, nor in what it said.
    for a in idp.assertions() {
        let needle = &a[a.len() / 2..a.len() / 2 + 40];
        assert!(!said.contains(needle));
        for entry in crate::common::files_under(awsnav.home.path(), Some(&profile_dir)) {
            let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).into_owned();
            assert!(
                !text.contains(needle),
                "{} holds the assertion",
                entry.display()
            );
        }
    }
}

#[tokio::test]
async fn failures_are_clear_and_store_nothing() {
    let Setup { awsnav, idp, .. } = setup(&["111111111111"], None);
    // No saved session: a silent sign-in cannot be done, and says so as soon as the IdP's
    // page waits for a person.
    let started = std::time::Instant::now();
    let out = awsnav.run(&["login", "--saml", "okta", "--headless"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("the identity provider asks for a sign-in"),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
    // The IdP's error page.
    idp.set(|s| s.broken = true);
    let out = awsnav.run(&["login", "--saml", "okta", "--headless"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("the identity provider answered HTTP 500"),
        "{}",
        stderr(&out)
    );
    // The window closed before the IdP answered.
    idp.set(|s| s.broken = false);
    let shown = idp.login_pages();
    let child = awsnav
        .command(&["login", "--saml", "okta"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    crate::common::idp::close_browser(&awsnav.path("awsnav/data/saml-profiles/okta"), &idp, shown)
        .await;
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("the browser window was closed"),
        "{}",
        stderr(&out)
    );
    // An IdP nobody configured.
    let out = awsnav.run(&["login", "--saml", "entra"]);
    assert!(
        stderr(&out).contains("no SAML identity provider `entra`"),
        "{}",
        stderr(&out)
    );
    assert!(!awsnav.path("awsnav/cache/saml-roles-okta.json").exists());
}

/// The port of the `DevToolsActivePort` file the browser of `profile_dir` writes.
async fn wait_for_port_file(profile_dir: &std::path::Path) -> u16 {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if let Ok(text) = std::fs::read_to_string(profile_dir.join("DevToolsActivePort"))
            && let Some(Ok(port)) = text.lines().next().map(str::parse)
        {
            return port;
        }
        assert!(std::time::Instant::now() < deadline, "no DevTools port");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The browser awsnav starts takes commands on a pipe only awsnav holds: while a sign-in waits
/// for the person, no process of the browser listens on any TCP port (another user on the
/// machine, or a container with host networking, would otherwise control it), its flags are
/// spelled as Chromium reads them, and ending awsnav however it ends ends the browser.
#[tokio::test]
async fn the_browser_listens_on_no_port_and_dies_with_awsnav() {
    let Setup {
        awsnav,
        idp,
        profile_dir,
    } = setup_with(&["111111111111"], None, |_| chromium());
    for (round, signal) in ["KILL", "TERM", "INT"].into_iter().enumerate() {
        let child = awsnav
            .command(&["login", "--saml", "okta"])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // The sign-in page: the browser now waits for a person.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while idp.login_pages() < round + 1 {
            assert!(
                std::time::Instant::now() < deadline,
                "the sign-in page never showed"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let browser = crate::common::idp::browser_processes(&profile_dir);
        assert!(!browser.is_empty(), "no browser is running");
        let pids: Vec<u32> = browser.iter().map(|(pid, _)| *pid).collect();
        assert_eq!(
            crate::common::idp::listening_ports(&pids),
            Vec::<u16>::new(),
            "the browser listens"
        );
        assert!(!profile_dir.join("DevToolsActivePort").exists());
        let (_, main) = browser
            .iter()
            .find(|(_, args)| args.iter().any(|a| a == "--remote-debugging-pipe"))
            .expect("the browser is driven over a pipe");
        assert!(main.iter().any(|a| a == "--no-first-run"), "{main:?}");
        assert!(
            main.iter().any(|a| a == "--disable-background-networking"),
            "{main:?}"
        );
        assert!(!main.iter().any(|a| a.starts_with("---")), "{main:?}");
        assert!(
            !main.iter().any(|a| a.contains("remote-debugging-port")),
            "{main:?}"
        );

        let status = std::process::Command::new("kill")
            .args(["-s", signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let out = child.wait_with_output().unwrap();
        assert!(!out.status.success());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while !crate::common::idp::browser_processes(&profile_dir).is_empty() {
            assert!(
                std::time::Instant::now() < deadline,
                "the browser outlived awsnav (SIG{signal}): {:?}",
                crate::common::idp::browser_processes(&profile_dir)
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

/// Runs `awsnav login --saml okta`, typing the sign-in into its browser.
async fn typed_login(awsnav: &AwsnavCmd, profile_dir: &std::path::Path) {
    let child = awsnav
        .command(&["login", "--saml", "okta"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    type_sign_in(profile_dir, PASSWORD).await;
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test]
async fn the_assertions_accounts_are_listed_and_exec_acts_as_the_role() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sts = crate::common::fault::FaultServer::start(crate::common::idp::saml_sts(&moto.url));
    // moto answers GetCallerIdentity for SAML sessions of its default account only.
    let accounts = ["123456789012", "222222222222", "333333333333"];
    let Setup {
        mut awsnav,
        idp,
        profile_dir,
    } = setup(&accounts, Some(&sts.url));
    awsnav.set("AWSNAV_LOG", "trace");
    typed_login(&awsnav, &profile_dir).await;

    // Nothing reads Organizations here (no AWS credentials at all): the assertion's accounts
    // are the tree, each with its SAML roles.
    let out = awsnav.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: serde_json::Value =
        serde_json::from_str(&crate::common::stdout(&awsnav.run(&["list", "--json"]))).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 3, "{listed:?}");
    for a in listed {
        assert_eq!(
            a["saml_roles"],
            serde_json::json!(["Admin", "ReadOnly"]),
            "{a}"
        );
        assert_eq!(a["roles"], serde_json::json!(["Admin", "ReadOnly"]), "{a}");
        assert_eq!(a["ou_path"], serde_json::json!(["SAML"]), "{a}");
    }

    // exec acts as the role (the AWS CLI inside), through a silent sign-in: no typing.
    let out = awsnav.run(&[
        "exec",
        "123456789012",
        "--role",
        "saml:Admin",
        "--",
        crate::common::aws_cli().to_str().unwrap(),
        "sts",
        "get-caller-identity",
        "--output",
        "text",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let who = crate::common::stdout(&out);
    assert!(who.contains("123456789012"), "{who}");
    assert!(
        who.contains("assumed-role/Admin/alice@corp.example"),
        "{who}"
    );
    assert_eq!(idp.logins(), 1, "the second sign-in is silent");
    assert_eq!(sts.count("AssumeRoleWithSAML"), 1);

    // The pair sent is the assertion's own (the proxy refuses any other, as AWS does).
    let sent = sts
        .requests()
        .into_iter()
        .find(|r| r.operation() == "AssumeRoleWithSAML")
        .unwrap();
    assert!(
        sent.body
            .contains("PrincipalArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Asaml-provider%2Fokta"),
        "{}",
        sent.body
    );
    assert!(
        sent.header("authorization").is_none(),
        "no AWS credentials are sent"
    );

    // Fan-out over the three accounts: one sign-in for the whole run, one AssumeRoleWithSAML
    // per account.
    let issued = idp.issued();
    let out = awsnav.run(&[
        "exec",
        "--each",
        "ou:SAML",
        "--role",
        "saml:ReadOnly",
        "--",
        "true",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(idp.issued(), issued + 1, "one browser sign-in for the run");
    assert_eq!(sts.count("AssumeRoleWithSAML"), 4);
    assert_eq!(idp.logins(), 1);

    // The assertion is in no file, log or output.
    for a in idp.assertions() {
        let needle = &a[a.len() / 2..a.len() / 2 + 40];
        assert!(!crate::common::stdout(&out).contains(needle));
        assert!(!stderr(&out).contains(needle));
        for entry in crate::common::files_under(awsnav.home.path(), Some(&profile_dir)) {
            let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).into_owned();
            assert!(
                !text.contains(needle),
                "{} holds the assertion",
                entry.display()
            );
        }
    }
}

#[tokio::test]
async fn the_tui_shows_the_browser_sign_in_and_esc_cancels_it() {
    use crate::common::tmux::Tmux;
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sts = crate::common::fault::FaultServer::start(crate::common::idp::saml_sts(&moto.url));
    let accounts = ["123456789012", "222222222222"];
    let Setup {
        mut awsnav,
        idp,
        profile_dir,
    } = setup(&accounts, Some(&sts.url));
    typed_login(&awsnav, &profile_dir).await;
    assert!(awsnav.run(&["refresh"]).status.success());
    // The IdP's session is gone (cookies cleared): the next sign-in needs the person. Its
    // assertions last a minute and a second, so the TUI's own is soon too old to use (awsnav
    // keeps a minute in hand).
    std::fs::remove_dir_all(&profile_dir).unwrap();
    idp.set(|s| s.valid_seconds = 61);
    awsnav.set("SHELL", "/bin/sh");

    let tmux = Tmux::start(&awsnav.shell_command(&[]), 140, 36);
    tmux.wait_for(&["SAML  (2)"]);
    tmux.keys(&["/"]);
    tmux.literal("123456789012");
    tmux.wait_for(&["Search · 1 of"]);
    tmux.keys(&["Enter"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["Choose a role", "Admin  SAML okta"]);
    tmux.keys(&["Enter"]);
    // The silent sign-in fails; the dialog says the browser is open; the person signs in.
    tmux.wait_for(&["SAML sign-in", "Signing in to okta in the browser window"]);
    type_sign_in(&profile_dir, PASSWORD).await;
    tmux.wait_for(&["exit the shell to return"]);
    tmux.literal("echo \"IN:$AWSNAV_ACCOUNT_ID:$AWSNAV_ROLE\"");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["IN:123456789012:Admin"]);
    tmux.literal("exit");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["back from 123456789012", "SAML okta, 59 min"]);
    assert_eq!(idp.logins(), 2);

    // Again with the session gone: Esc in the dialog cancels, nothing is done.
    std::fs::remove_dir_all(&profile_dir).unwrap();
    tmux.keys(&["Escape"]);
    tmux.keys(&["Escape"]);
    tmux.keys(&["/"]);
    tmux.literal("222222222222");
    tmux.wait_for(&["Search · 1 of"]);
    tmux.keys(&["Enter"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["Choose a role", "ReadOnly  SAML okta"]);
    idp.wait_until_the_last_assertion_is_too_old().await;
    tmux.keys(&["j"]);
    tmux.wait_for(&["▸ ReadOnly"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["Signing in to okta in the browser window"]);
    tmux.keys(&["Escape"]);
    tmux.wait_for(&["SAML sign-in to `okta` was cancelled: nothing was done"]);
    assert_eq!(sts.count("AssumeRoleWithSAML"), 1);
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
}

#[tokio::test]
async fn the_shells_endpoint_renews_through_a_silent_sign_in() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sts = crate::common::fault::FaultServer::start(crate::common::idp::saml_sts(&moto.url));
    let Setup {
        awsnav,
        idp,
        profile_dir,
    } = setup(&["123456789012"], Some(&sts.url));
    typed_login(&awsnav, &profile_dir).await;
    assert!(awsnav.run(&["refresh"]).status.success());
    // Sessions of 15 minutes renewed 50 minutes ahead: every request the child makes renews;
    // assertions AWS takes for a minute only, never kept by awsnav (it keeps a minute in
    // hand): each renewal signs in again, silently.
    let config = std::fs::read_to_string(awsnav.path("awsnav/config.toml")).unwrap();
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        format!("[shell]\nrefresh_margin_seconds = 3000\n\n{config}session_duration = 900\n"),
    )
    .unwrap();
    idp.set(|s| s.valid_seconds = 60);
    let aws = crate::common::aws_cli();
    let script = format!(
        "{0} sts get-caller-identity --output text && {0} sts get-caller-identity --output text",
        aws.display()
    );
    let issued = idp.issued();
    let out = awsnav.run(&[
        "exec",
        "123456789012",
        "--role",
        "saml:Admin",
        "--",
        "sh",
        "-c",
        &script,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        crate::common::stdout(&out)
            .matches("assumed-role/Admin/alice@corp.example")
            .count(),
        2
    );
    assert!(
        sts.count("AssumeRoleWithSAML") >= 3,
        "renewed by the endpoint: {} calls, {}",
        sts.count("AssumeRoleWithSAML"),
        stderr(&out)
    );
    assert!(
        idp.issued() >= issued + 2,
        "a later renewal signed in again: {} then {}",
        issued,
        idp.issued()
    );
    assert_eq!(idp.logins(), 1, "silently: nothing typed");
}
