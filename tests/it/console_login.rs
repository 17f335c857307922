//! `awsnav login --console`: an IAM user with no access key signs in like the console, against
//! a loopback stand-in for AWS Sign-In (moto has none). The tests play the browser (a stand-in
//! on PATH follows the authorize redirect); the token awsnav writes is read by the SDK's own
//! `login_session` provider (inside awsnav: exec, refresh) and by boto3; requests then go to
//! moto through a proxy that sees which key signed them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt as _;

use crate::common::fault::{FaultServer, proxy, signing_key};
use crate::common::signin::{SAME_DEVICE, Signin, SigninSpec};
use crate::common::tmux::Tmux;
use crate::common::{AwsnavCmd, OuSpec, stderr, stdout};
use serde_json::Value;

const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
const CONFIG: &str = "# the team's profiles\n[default]\nregion = us-east-1\n\n[profile dev]\nregion = us-east-1\noutput = json   ; kept as it is\n\n[profile other]\nregion = eu-west-1\n";

struct Setup {
    awsnav: AwsnavCmd,
    signin: Signin,
    proxy: FaultServer,
    key: String,
    secret: String,
    member: String,
    member_name: String,
}

/// awsnav with no credentials at all, the `dev` profile, an organization in moto behind a
/// proxy, and the Sign-In stand-in handing out alice's (moto) key as the session's.
async fn setup(moto: &crate::common::Moto) -> Setup {
    let sdk = moto.sdk().await;
    let org = crate::common::seed_org(&sdk, &[OuSpec::new("Sandbox", 2, vec![])], 0).await;
    let alice = crate::common::alice(&sdk).await;
    let proxy = FaultServer::start(proxy(&moto.url));
    let signin = Signin::start(SigninSpec::new(ALICE, &alice.key, &alice.secret));
    let mut awsnav = AwsnavCmd::new().against(&proxy.url);
    awsnav.unset("AWS_ACCESS_KEY_ID");
    awsnav.unset("AWS_SECRET_ACCESS_KEY");
    awsnav.set("AWS_ENDPOINT_URL_SIGNIN", signin.url());
    std::fs::write(awsnav.path(".aws/config"), CONFIG).unwrap();
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        "[org]\nprofile = \"dev\"\n[roles]\ndefault = [\"OrganizationAccountAccessRole\"]\n",
    )
    .unwrap();
    Setup {
        awsnav,
        signin,
        proxy,
        key: alice.key,
        secret: alice.secret,
        member: org.first_non_prod_member(),
        member_name: org.accounts[&org.first_non_prod_member()].name.clone(),
    }
}

fn token_path(awsnav: &AwsnavCmd) -> std::path::PathBuf {
    use sha2::Digest as _;
    let hex = awsnav::domain::untrusted::hex(&sha2::Sha256::digest(ALICE.as_bytes()));
    awsnav.path(&format!(".aws/login/cache/{hex}.json"))
}

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Moves the session's credentials into the past, as 15 minutes later.
fn expire(path: &std::path::Path) {
    let mut token = read_json(path);
    token["accessToken"]["expiresAt"] = "2020-01-01T00:00:00Z".into();
    std::fs::write(path, token.to_string()).unwrap();
}

#[tokio::test]
async fn a_console_sign_in_gives_a_profile_credentials_every_tool_uses() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let Setup {
        mut awsnav,
        signin,
        proxy,
        key,
        member,
        ..
    } = setup(moto).await;
    awsnav.set("AWSNAV_LOG", "trace");
    let urls = crate::common::stand_in_browser(&mut awsnav, true, None);
    let out = awsnav.run(&["login", "--console", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(ALICE), "{}", stderr(&out));

    // The authorize request as the AWS CLI makes it: PKCE with SHA-256, a loopback redirect.
    let url = std::fs::read_to_string(&urls).unwrap();
    let url = url::Url::parse(url.trim()).unwrap();
    let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(url.path(), "/v1/authorize");
    assert_eq!(q["client_id"], SAME_DEVICE);
    assert_eq!(q["code_challenge_method"], "SHA-256");
    assert!(q["redirect_uri"].starts_with("http://127.0.0.1:"), "{q:?}");
    assert!(q["redirect_uri"].ends_with("/oauth/callback"), "{q:?}");

    // The profile has one more line; every other byte is kept.
    let config = std::fs::read_to_string(awsnav.path(".aws/config")).unwrap();
    assert_eq!(
        config,
        CONFIG.replace(
            "; kept as it is\n",
            &format!("; kept as it is\nlogin_session = {ALICE}\n")
        )
    );
    // The token where the SDKs look for it, 0600 in a 0700 directory, with the DPoP key.
    let path = token_path(&awsnav);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    let token = read_json(&path);
    assert_eq!(token["accessToken"]["accessKeyId"], key.as_str());
    assert_eq!(token["accessToken"]["accountId"], "123456789012");
    assert_eq!(token["clientId"], SAME_DEVICE);
    assert!(
        token["dpopKey"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN EC PRIVATE KEY-----\n")
    );
    assert_eq!(signin.issued(), 1);

    // boto3 reads the session from the profile.
    let py = std::process::Command::new(crate::common::python())
        .args([
            "-c",
            "import boto3\nc = boto3.Session(profile_name='dev').get_credentials().get_frozen_credentials()\nprint(c.access_key, c.token)",
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("HOME", awsnav.home.path())
        .env("AWS_CONFIG_FILE", awsnav.path(".aws/config"))
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&py.stdout).trim(),
        format!(
            "{key} {}",
            token["accessToken"]["sessionToken"].as_str().unwrap()
        )
    );

    // The organization is read, and a role assumed, as alice's session: no MFA asked (the
    // sign-in had it), no session of her own made, requests signed with the session's key.
    let out = awsnav.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = awsnav.run(&["exec", &member, "--", "true"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let requests = proxy.requests();
    let assume: Vec<_> = requests
        .iter()
        .filter(|r| r.operation() == "AssumeRole")
        .collect();
    assert_eq!(assume.len(), 1);
    assert_eq!(signing_key(assume[0]).as_deref(), Some(key.as_str()));
    assert_eq!(
        assume[0].header("x-amz-security-token"),
        token["accessToken"]["sessionToken"].as_str()
    );
    assert!(
        assume[0].body.contains("RoleSessionName=alice"),
        "{}",
        assume[0].body
    );
    assert_eq!(proxy.count("GetSessionToken"), 0);
    assert_eq!(proxy.count("ListMFADevices"), 0);
    let org_calls: Vec<_> = requests
        .iter()
        .filter(|r| {
            r.header("x-amz-target")
                .is_some_and(|t| t.contains("Organizations"))
        })
        .collect();
    assert!(!org_calls.is_empty());
    assert!(
        org_calls
            .iter()
            .all(|r| signing_key(r).as_deref() == Some(key.as_str()))
    );

    // config show says whose session it is and how long it lasts.
    let shown = stdout(&awsnav.run(&["config", "show"]));
    assert!(
        shown.contains("console session: alice, 11 h left (profile dev)"),
        "{shown}"
    );

    // No token, refresh token or key in any other file, the log included, or in the output.
    let secrets = signin.secrets();
    assert!(!secrets.is_empty());
    let dpop = token["dpopKey"]
        .as_str()
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_owned();
    for file in crate::common::files_under(awsnav.home.path(), Some(&path)) {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        for s in secrets.iter().chain([&dpop]) {
            assert!(
                !text.contains(s.as_str()),
                "{} holds a secret",
                file.display()
            );
        }
    }
    for s in secrets.iter().chain([&dpop]) {
        assert!(!stderr(&out).contains(s.as_str()));
    }
}

#[tokio::test]
async fn refresh_comes_before_a_new_sign_in_and_every_refusal_is_clear() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let Setup {
        mut awsnav,
        signin,
        member,
        ..
    } = setup(moto).await;
    crate::common::stand_in_browser(&mut awsnav, true, None);
    assert!(
        awsnav
            .run(&["login", "--console", "--profile", "dev"])
            .status
            .success()
    );
    let path = token_path(&awsnav);
    let first = read_json(&path);
    let out = awsnav.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));

    // Ended credentials, a valid refresh token: renewed with no browser (nothing recorded),
    // signed with the same DPoP key; the SDK writes the renewed token back.
    let urls = crate::common::stand_in_browser(&mut awsnav, false, None);
    std::fs::remove_file(&urls).ok();
    expire(&path);
    let out = awsnav.run(&["login", "--console", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("renewed without the browser"),
        "{}",
        stderr(&out)
    );
    assert!(!urls.exists(), "no browser for a refresh");
    assert_eq!((signin.issued(), signin.refreshed()), (1, 1));
    let renewed = read_json(&path);
    assert_ne!(renewed["refreshToken"], first["refreshToken"]);
    assert_eq!(renewed["dpopKey"], first["dpopKey"]);
    assert_ne!(renewed["accessToken"]["expiresAt"], "2020-01-01T00:00:00Z");

    // The same inside exec: the SDK's provider renews, the command runs.
    expire(&path);
    let out = awsnav.run(&["exec", &member, "--", "true"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(signin.refreshed(), 2);

    // The console session ended (refresh refused): off a terminal the error names the
    // sign-in; a new sign-in in the browser gets in again.
    expire(&path);
    signin.set(|s| s.refuse_refresh = true);
    let out = awsnav.run(&["refresh"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("awsnav login --console --profile dev"),
        "{}",
        stderr(&out)
    );
    crate::common::stand_in_browser(&mut awsnav, true, None);
    let out = awsnav.run(&["login", "--console", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(signin.issued(), 2);
    signin.set(|s| s.refuse_refresh = false);
    let out = awsnav.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));

    // Every failed sign-in leaves the token file and the config as they were.
    let before = (
        std::fs::read(&path).unwrap(),
        std::fs::read(awsnav.path(".aws/config")).unwrap(),
    );
    let failing = |awsnav: &AwsnavCmd, expected: &str| {
        expire(&path);
        let out = awsnav.run(&["login", "--console", "--profile", "dev"]);
        assert!(!out.status.success());
        assert!(stderr(&out).contains(expected), "{}", stderr(&out));
        std::fs::write(&path, &before.0).unwrap();
    };
    signin.set(|s| s.refuse_refresh = true);
    crate::common::stand_in_browser(&mut awsnav, true, None);
    signin.set(|s| s.deny = true);
    failing(&awsnav, "refused in the browser");
    signin.set(|s| {
        s.deny = false;
        s.expire_codes = true;
    });
    failing(&awsnav, "the authorization code expired");
    signin.set(|s| {
        s.expire_codes = false;
        s.insufficient = true;
    });
    failing(&awsnav, "signin:CreateOAuth2Token");
    assert_eq!(std::fs::read(&path).unwrap(), before.0);
    assert_eq!(std::fs::read(awsnav.path(".aws/config")).unwrap(), before.1);

    // An answer without this sign-in's state (another local process's, a page's forged
    // redirect) is refused and ignored: the browser's own answer still signs in.
    signin.set(|s| s.insufficient = false);
    let forged = crate::common::stand_in_browser(&mut awsnav, true, Some("forged"));
    expire(&path);
    let out = awsnav.run(&["login", "--console", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut forged_answer = forged.clone().into_os_string();
    forged_answer.push(".forged");
    assert_eq!(
        std::fs::read_to_string(&forged_answer).unwrap().trim(),
        "400",
        "the forged answer was not refused"
    );

    // A profile with other credentials is refused before any browser opens.
    let out = awsnav.run(&["login", "--console", "--profile", "other"]);
    assert!(out.status.success() || stderr(&out).contains("refused"));
    std::fs::write(
        awsnav.path(".aws/config"),
        format!("{CONFIG}\n[profile keyed]\naws_access_key_id = AKIAEXAMPLE\n"),
    )
    .unwrap();
    let out = awsnav.run(&["login", "--console", "--profile", "keyed"]);
    assert!(
        stderr(&out).contains("already has access key credentials"),
        "{}",
        stderr(&out)
    );

    // logout removes the token; the profile keeps its login_session, as the AWS CLI leaves it.
    std::fs::write(&path, &before.0).unwrap();
    std::fs::write(awsnav.path(".aws/config"), &before.1).unwrap();
    let out = awsnav.run(&["logout", "--console", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!path.exists());
    assert!(
        std::fs::read_to_string(awsnav.path(".aws/config"))
            .unwrap()
            .contains("login_session = ")
    );
}

#[tokio::test]
async fn a_key_is_retired_only_once_a_console_session_works() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let Setup {
        mut awsnav,
        signin: _signin,
        key,
        secret,
        ..
    } = setup(moto).await;
    // alice's key goes into the key store first (the encrypted file: no Secret Service here).
    let config = std::fs::read_to_string(awsnav.path("awsnav/config.toml")).unwrap();
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        format!("{config}[auth]\nkeyring = \"file\"\n"),
    )
    .unwrap();
    let nowhere = format!("unix:path={}", awsnav.path("no-bus").display());
    awsnav.set("DBUS_SESSION_BUS_ADDRESS", &nowhere);
    awsnav.set("AWSNAV_FILE_PASSPHRASE", "correct horse battery staple");
    let out = awsnav
        .command(&["auth", "add", "alice", "--env"])
        .env("AWS_ACCESS_KEY_ID", &key)
        .env("AWS_SECRET_ACCESS_KEY", &secret)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = awsnav.run(&["auth", "list"]);
    assert!(
        stderr(&out).contains("awsnav login --console"),
        "{}",
        stderr(&out)
    );

    // No console session yet: nothing changes.
    let out = awsnav.run(&["auth", "remove", "alice", "--deactivate"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("left as it is"), "{}", stderr(&out));
    assert!(stdout(&awsnav.run(&["auth", "list"])).contains("alice"));

    // Signed in: the key is turned off in IAM and leaves the key store.
    crate::common::stand_in_browser(&mut awsnav, true, None);
    assert!(
        awsnav
            .run(&["login", "--console", "--profile", "dev"])
            .status
            .success()
    );
    let out = awsnav.run(&["auth", "remove", "alice", "--deactivate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let keys = aws_sdk_iam::Client::new(&sdk)
        .list_access_keys()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    let status = keys
        .access_key_metadata()
        .iter()
        .find(|k| k.access_key_id() == Some(key.as_str()))
        .and_then(|k| k.status().cloned());
    assert_eq!(status, Some(aws_sdk_iam::types::StatusType::Inactive));
    assert!(!stdout(&awsnav.run(&["auth", "list"])).contains("alice"));
}

#[tokio::test]
async fn a_remote_sign_in_takes_the_code_pasted_back_on_the_terminal() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let Setup { awsnav, signin, .. } = setup(moto).await;
    // The pane stays after awsnav ends, to read what it said.
    let command = format!(
        "{}; sleep 60",
        awsnav.shell_command(&["login", "--console", "--no-browser", "--profile", "dev"])
    );
    let tmux = Tmux::start(&command, 200, 30);
    tmux.wait_for(&[
        "paste the code it shows here",
        "Enter the authorization code",
    ]);
    // The address may wrap: join the screen's lines back up.
    let screen = tmux.screen().replace('\n', "");
    let start = screen.find("http://127.0.0.1").unwrap();
    let url: String = screen[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let url = url.split("Enter").next().unwrap().to_owned();
    let url = url::Url::parse(&url).unwrap();
    let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], crate::common::signin::CROSS_DEVICE);
    assert!(
        q["redirect_uri"].ends_with("/v1/sessions/confirmation"),
        "{q:?}"
    );
    // The person opens the address elsewhere and is shown the code.
    let page = std::process::Command::new("curl")
        .args(["-s", "-f", url.as_str()])
        .output()
        .unwrap();
    assert!(page.status.success());
    let page = String::from_utf8_lossy(&page.stdout).into_owned();
    let code = signin.shown_code().unwrap();
    assert!(page.contains(&code));
    tmux.literal(&code);
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["now signs in as arn:aws:iam::123456789012:user/alice"]);
    assert!(token_path(&awsnav).exists());
}

#[tokio::test]
async fn an_ended_console_session_in_the_tui_signs_in_again_and_the_shell_opens() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let Setup {
        mut awsnav,
        signin,
        member_name,
        ..
    } = setup(moto).await;
    crate::common::stand_in_browser(&mut awsnav, true, None);
    assert!(
        awsnav
            .run(&["login", "--console", "--profile", "dev"])
            .status
            .success()
    );
    assert!(awsnav.run(&["refresh"]).status.success());
    // Fifteen minutes later, and the console session has ended: no refresh works.
    let path = token_path(&awsnav);
    expire(&path);
    signin.set(|s| s.refuse_refresh = true);
    awsnav.set("SHELL", "/bin/sh");

    let tmux = Tmux::start(&awsnav.shell_command(&[]), 140, 36);
    tmux.wait_for(&["Sandbox  (2)", "console session: alice"]);
    tmux.keys(&["/"]);
    tmux.literal(&member_name);
    tmux.wait_for(&["Search · 1 of"]);
    tmux.keys(&["Enter"]);
    tmux.keys(&["Enter"]);
    // The dialog, the browser's sign-in, then on with the same access: the shell.
    tmux.wait_for(&["exit the shell to return"]);
    assert_eq!(signin.issued(), 2, "a new sign-in, in the browser");
    tmux.literal("echo \"IN:$AWSNAV_ACCOUNT_NAME:$AWSNAV_ROLE\"");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&[&format!("IN:{member_name}:OrganizationAccountAccessRole")]);
    tmux.literal("exit");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&[
        &format!("back from {member_name}"),
        "console session: alice, 11 h left",
    ]);
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
}

#[tokio::test]
async fn on_a_terminal_an_ended_session_is_offered_again_and_the_command_goes_on() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let Setup {
        mut awsnav,
        signin,
        member,
        ..
    } = setup(moto).await;
    crate::common::stand_in_browser(&mut awsnav, true, None);
    assert!(
        awsnav
            .run(&["login", "--console", "--profile", "dev"])
            .status
            .success()
    );
    assert!(awsnav.run(&["refresh"]).status.success());
    expire(&token_path(&awsnav));
    signin.set(|s| s.refuse_refresh = true);
    let command = format!(
        "{}; echo \"EXIT:$?\"; sleep 60",
        awsnav.shell_command(&["exec", &member, "--", "echo", "ran-inside"])
    );
    let tmux = Tmux::start(&command, 160, 30);
    tmux.wait_for(&["The console session of profile `dev` has ended. Sign in now? [Y/n]"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["ran-inside", "EXIT:0"]);
    assert_eq!(signin.issued(), 2);
}
