//! The real binary as a person uses it: started in tmux against moto, keys sent, screen read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::tmux::Tmux;
use crate::common::{AwsnavCmd, OuSpec};

fn tree() -> Vec<OuSpec> {
    vec![
        OuSpec::new(
            "Workloads",
            1,
            vec![OuSpec::new(
                "Prod",
                1,
                vec![OuSpec::new("Payments", 3, vec![])],
            )],
        ),
        OuSpec::new("Security", 2, vec![]),
    ]
}

#[tokio::test]
async fn browse_search_and_quit_against_moto() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    crate::common::seed_org(&moto.sdk().await, &tree(), 0).await;
    let awsnav = AwsnavCmd::new().against(&moto.url);
    let tmux = Tmux::start(&awsnav.shell_command(&[]), 120, 40);

    // The seeded tree appears once the background sync is done.
    let screen = tmux.wait_for(&["Workloads  (5)", "Security  (2)", "synced just now"]);
    assert!(
        screen.contains("123456789012"),
        "caller identity shown:\n{screen}"
    );
    assert!(
        screen.contains("Organization · 8 accounts · 4 OUs"),
        "{screen}"
    );

    // Fuzzy search finds an account three levels down and shows its OU path.
    tmux.keys(&["/"]);
    tmux.literal("wlpay01");
    let screen = tmux.wait_for(&["Search · 1 of 8", "workloads-prod-payments-01"]);
    assert!(screen.contains("Workloads/Prod/Payments"), "{screen}");
    assert!(
        screen.contains("Workloads / Prod / Payments"),
        "detail pane:\n{screen}"
    );

    // Enter browses the results, l reveals the hit in the tree with its OUs expanded.
    tmux.keys(&["Enter"]);
    tmux.keys(&["l"]);
    tmux.wait_for(&[
        "▾ Workloads",
        "▾ Prod",
        "▾ Payments",
        "workloads-prod-payments-02",
    ]);

    // Help, then quit; the program ends and tmux closes the pane.
    tmux.keys(&["?"]);
    tmux.wait_for(&["Typing a search"]);
    tmux.keys(&["Escape"]);
    // The help closes before q is sent: an Esc and a key read together are Alt and that key.
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux.screen().contains("Typing a search") {
        assert!(
            Instant::now() < deadline,
            "the help stays open:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux.is_running() {
        assert!(
            Instant::now() < deadline,
            "still running after q:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The first run, as a new user has it: no credentials the standard chain finds, a profile
/// with keys in `~/.aws`. awsnav opens on the way in, not on an error; picking the profile
/// reads the organization as it and keeps the choice in awsnav's config file.
#[tokio::test]
async fn the_first_run_opens_on_the_way_in_and_ends_on_the_organization() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    crate::common::seed_org(&moto.sdk().await, &tree(), 0).await;
    let mut awsnav = AwsnavCmd::new();
    awsnav.set("AWS_ENDPOINT_URL", &moto.url);
    awsnav.set("AWS_REGION", "us-east-1");
    std::fs::write(
        awsnav.path(".aws/config"),
        "[profile mgmt]\nregion = us-east-1\n[profile corp]\nsso_session = corp\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
    )
    .unwrap();
    std::fs::write(
        awsnav.path(".aws/credentials"),
        "[mgmt]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    let tmux = Tmux::start(&awsnav.shell_command(&[]), 120, 40);
    let screen = tmux.wait_for(&["Welcome to awsnav", "profile mgmt", "the demo organization"]);
    assert!(
        screen.contains("profile corp  (IAM Identity Center: signs in first)"),
        "{screen}"
    );
    assert!(screen.contains("no AWS credentials found"), "{screen}");
    assert!(
        !screen.contains("Attempted"),
        "no provider chain:\n{screen}"
    );
    // The profiles are listed in name order: corp, then mgmt.
    tmux.keys(&["j", "Enter"]);
    let screen = tmux.wait_for(&["Organization · 8 accounts · 4 OUs", "synced just now"]);
    assert!(
        screen.contains("reading the organization as profile mgmt"),
        "{screen}"
    );
    let config = std::fs::read_to_string(awsnav.path("awsnav/config.toml")).unwrap();
    assert!(config.contains("[org]\nprofile = \"mgmt\""), "{config}");
    tmux.keys(&["q"]);
}

#[tokio::test]
async fn cached_tree_shows_when_aws_fails() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    crate::common::seed_org(&moto.sdk().await, &tree(), 0).await;
    let awsnav = AwsnavCmd::new().against(&moto.url);
    assert!(awsnav.run(&["refresh"]).status.success());
    moto.reset(); // the organization is gone: the next sync fails

    let tmux = Tmux::start(&awsnav.shell_command(&[]), 100, 30);
    // Waiting for all three also waits for the whole frame to be on screen.
    tmux.wait_for(&[
        "Workloads  (5)",
        "AWS Organizations is not enabled",
        "synced ",
    ]);
    tmux.keys(&["Escape"]);
    tmux.keys(&["C-c"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux.is_running() {
        assert!(Instant::now() < deadline, "Ctrl-C did not quit");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test]
async fn shell_from_the_tui_with_mfa_and_back() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    crate::common::seed_org(&sdk, &[OuSpec::new("Sandbox", 3, vec![])], 0).await;
    let alice = crate::common::alice(&sdk).await;
    let awsnav = AwsnavCmd::new().against(&moto.url).with_user(&alice);
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        "[roles]\ndefault = [\"ReadOnly\", \"OrganizationAccountAccessRole\"]\n",
    )
    .unwrap();
    let tmux = Tmux::start(&awsnav.shell_command(&[]), 120, 36);
    tmux.wait_for(&["Sandbox  (3)", "synced just now"]);

    // Search the sandbox tagged env=prod and get in: the production confirmation first
    // (a wrong name does nothing), then the MFA prompt.
    tmux.keys(&["/"]);
    tmux.literal("sandbox-01");
    tmux.wait_for(&["Search · 1 of"]);
    tmux.keys(&["Enter"]);
    tmux.keys(&["Enter"]);
    // Two roles offered: pick the second.
    tmux.wait_for(&["Choose a role", "Role in sandbox-01", "ReadOnly"]);
    tmux.keys(&["j"]);
    tmux.wait_for(&["▸ OrganizationAccountAccessRole"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(&[
        "sandbox-01 is a PRODUCTION account",
        "Type sandbox-01 to continue",
    ]);
    tmux.literal("sandbox-0");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["> sandbox-0▏"]);
    tmux.literal("1");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["MFA code for", "arn:aws:iam::123456789012:mfa/alice"]);
    tmux.literal("123456");
    tmux.keys(&["Enter"]);

    // The TUI steps aside for the shell, which runs in the account.
    tmux.wait_for(&["exit the shell to return"]);
    tmux.literal("echo \"IN:$AWSNAV_ACCOUNT_NAME:$AWSNAV_ROLE:$AWSNAV_PRODUCTION\"");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["IN:sandbox-01:OrganizationAccountAccessRole:1"]);
    tmux.literal("exit 5");
    tmux.keys(&["Enter"]);

    // Back in the TUI, which says how the shell ended and shows the MFA session's time.
    let screen = tmux.wait_for(&["back from sandbox-01 (shell exited with 5)", "MFA 11 h"]);
    assert!(screen.contains("Search · 1 of"), "state kept:\n{screen}");

    // The terminal shrinks and grows: the screen is redrawn to fit each time.
    for (w, h) in [(60u16, 14u16), (20, 5), (140, 40)] {
        tmux.tmux(&[
            "resize-window",
            "-t",
            "t",
            "-x",
            &w.to_string(),
            "-y",
            &h.to_string(),
        ]);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let screen = tmux.screen();
            let lines: Vec<&str> = screen.lines().collect();
            let widest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
            let bottom_border = lines.iter().any(|l| l.starts_with('└'));
            if lines.len() == usize::from(h) && widest <= usize::from(w) && bottom_border {
                break;
            }
            assert!(Instant::now() < deadline, "{w}x{h} not redrawn:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    tmux.wait_for(&["Search · 1 of", "back from sandbox-01"]);

    // A second shell needs no code (the role session is cached): the last role is
    // preselected, then the confirmation.
    tmux.keys(&["s"]);
    tmux.wait_for(&["▸ OrganizationAccountAccessRole  last used"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["Type sandbox-01 to continue"]);
    tmux.literal("sandbox-01");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["exit the shell to return"]);
    tmux.literal("exit");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["back from sandbox-01 (shell exited with 0)"]);
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
}

#[tokio::test]
async fn e_exports_the_session_for_tools_that_read_only_the_credentials_file() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &[OuSpec::new("Sandbox", 3, vec![])], 0).await;
    let alice = crate::common::alice(&sdk).await;
    let awsnav = crate::common::awsnav_as(&alice, &moto.url);
    let id = seeded.first_non_prod_member();
    let name = seeded.accounts[&id].name.clone();
    let theirs = "[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = keep-me\n";
    std::fs::write(awsnav.path(".aws/credentials"), theirs).unwrap();
    let tmux = Tmux::start(&awsnav.shell_command(&[]), 120, 36);
    tmux.wait_for(&["Sandbox  (3)", "synced just now"]);
    tmux.keys(&["/"]);
    tmux.literal(&name);
    tmux.wait_for(&["Search · 1 of"]);
    tmux.keys(&["Enter"]);
    tmux.keys(&["e"]);
    tmux.wait_for(&["Export the session", "profile: ▏"]);
    tmux.literal("cdk");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["MFA code for"]);
    tmux.literal("123456");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&[
        "profile cdk in",
        &format!("holds {name} as OrganizationAccountAccessRole"),
    ]);
    tmux.keys(&["q"]);

    // The AWS CLI, reading only the credentials file, acts as the role.
    let out = Command::new(crate::common::aws_cli())
        .args([
            "sts",
            "get-caller-identity",
            "--profile",
            "cdk",
            "--query",
            "Account",
            "--output",
            "text",
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            awsnav.path(".aws/credentials"),
        )
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_ENDPOINT_URL", &moto.url)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        id,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(awsnav.path(".aws/credentials")).unwrap();
    assert!(text.starts_with(theirs), "the other profile kept: {text}");
    assert!(text.contains("x_security_token_expires = "), "{text}");
}

/// Whether a process has ended (gone, or a zombie nobody reaped yet).
fn ended(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
        stat.rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z'))
    })
}

fn wait_ended(pid: u32, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ended(pid) {
        assert!(
            Instant::now() < deadline,
            "awsnav (pid {pid}) still running after {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn sigterm_and_a_vanished_terminal_end_the_tui() {
    let awsnav = AwsnavCmd::new();
    for signal in ["TERM", "HUP (terminal closed)"] {
        let tmux = Tmux::start(&awsnav.shell_command(&["--demo"]), 100, 30);
        tmux.wait_for(&["Organization · 75 accounts"]);
        let out = tmux.tmux(&["display", "-p", "-t", "t", "#{pane_pid}"]);
        let pid: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        if signal == "TERM" {
            assert!(
                Command::new("kill")
                    .args(["-TERM", &pid.to_string()])
                    .status()
                    .unwrap()
                    .success()
            );
        } else {
            let _ = tmux.tmux(&["kill-server"]);
        }
        wait_ended(pid, signal);
    }
}

#[test]
fn a_panic_inside_the_loop_restores_the_terminal() {
    let mut awsnav = AwsnavCmd::new();
    awsnav.set("AWSNAV_DEBUG_PANIC_KEY", "%");
    // A shell runs awsnav, then reports and stays, so the restored terminal can be read.
    let script = awsnav.path("run.sh");
    std::fs::write(
        &script,
        format!(
            "{}\necho \"exit=$?\"\nexec sh\n",
            awsnav.shell_command(&["--demo"])
        ),
    )
    .unwrap();
    let tmux = Tmux::start(&format!("sh {}", script.display()), 100, 30);
    tmux.wait_for(&["Organization · 75 accounts"]);
    let alternate = |tmux: &Tmux| {
        String::from_utf8_lossy(
            &tmux
                .tmux(&["display", "-p", "-t", "t", "#{alternate_on}"])
                .stdout,
        )
        .trim()
        .to_owned()
    };
    assert_eq!(
        alternate(&tmux),
        "1",
        "the TUI draws on the alternate screen"
    );
    tmux.literal("%");
    let screen = tmux.wait_for(&["AWSNAV_DEBUG_PANIC_KEY % pressed", "exit=101"]);
    assert!(!screen.contains("Organization · 75"), "TUI gone:\n{screen}");
    assert_eq!(alternate(&tmux), "0", "back on the main screen");
    let cursor = tmux.tmux(&["display", "-p", "-t", "t", "#{cursor_flag}"]);
    assert_eq!(
        String::from_utf8_lossy(&cursor.stdout).trim(),
        "1",
        "cursor shown"
    );
    // Cooked mode again: the line is echoed and run only on Enter.
    tmux.literal("echo restored-$((40 + 2))");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["restored-42"]);
}

/// Identity Center alone: its group in the tree and its roles in the picker; then, with the
/// sign-in expired, the command line offers awsnav's own sign-in (the device code, approved by
/// the OIDC stand-in) and goes on once it is done or, declined, says what to run.
#[tokio::test]
async fn identity_center_in_the_tui_and_an_offered_sign_in() {
    use crate::common::portal::{Portal, PortalAccount, PortalSpec, moto_credentials, sign_in};
    const TOKEN: &str = "e2e-sso-token";
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let shop = "111100002222";
    let credentials = std::collections::HashMap::from([(
        (shop.to_owned(), "ReadOnlyAccess".to_owned()),
        moto_credentials(&moto.sdk().await, shop, "ReadOnlyAccess").await,
    )]);
    let portal = Portal::start(PortalSpec {
        credentials,
        ..PortalSpec::new(
            TOKEN,
            vec![
                PortalAccount::new(shop, "shop-dev", &["AdministratorAccess", "ReadOnlyAccess"]),
                PortalAccount::new("333300004444", "data-dev", &["ReadOnlyAccess"]),
            ],
        )
    });
    let mut awsnav = AwsnavCmd::new().against(&moto.url);
    awsnav.unset("AWS_ACCESS_KEY_ID");
    awsnav.unset("AWS_SECRET_ACCESS_KEY");
    awsnav.set("AWS_ENDPOINT_URL_SSO", portal.url());
    // No cost read: without credentials its warning would race the banner checked below.
    crate::common::portal::corp_profile(&awsnav, "[cost]\nenabled = false\n");
    let hour = time::Duration::hours(1);
    sign_in(awsnav.home.path(), TOKEN, hour);
    // awsnav signs in itself (no AWS CLI): the OIDC stand-in approves the device code.
    let oidc = crate::common::oidc::Oidc::start(crate::common::oidc::OidcSpec::new(TOKEN));
    awsnav.set("AWS_ENDPOINT_URL_SSO_OIDC", oidc.url());
    awsnav.set("BROWSER", "true");

    let tmux = Tmux::start(&awsnav.shell_command(&[]), 110, 30);
    let screen = tmux.wait_for(&["Identity Center", "shop-dev", "data-dev", "synced just now"]);
    assert!(
        screen.contains("These are the accounts IAM Identity Center gives you"),
        "the banner says why:\n{screen}"
    );
    assert!(
        screen.contains("SSO 59 min") || screen.contains("SSO 60 min"),
        "the sign-in's end:\n{screen}"
    );
    tmux.keys(&["/"]);
    tmux.literal("shop-dev");
    tmux.wait_for(&["Search · 1 of 2"]);
    tmux.keys(&["Enter"]);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for(&["Role in shop-dev", "AdministratorAccess  Identity Center"]);
    assert!(
        screen.contains("ReadOnlyAccess  Identity Center"),
        "{screen}"
    );
    assert!(
        !screen.contains("OrganizationAccountAccessRole"),
        "no IAM identity, no IAM roles:\n{screen}"
    );
    // The sign-in expires meanwhile: getting in opens the sign-in dialog, the stand-in
    // approves the code, and the shell opens.
    sign_in(awsnav.home.path(), TOKEN, -hour);
    tmux.keys(&["j", "Enter"]);
    tmux.wait_for(&[
        "IAM Identity Center",
        "check that it shows the code ABCD-EFGH",
    ]);
    tmux.wait_for(&["exit the shell to return"]);
    tmux.literal("echo \"IN:$AWSNAV_ACCOUNT_ID:$AWSNAV_ROLE\"");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&[&format!("IN:{shop}:ReadOnlyAccess")]);
    tmux.literal("exit");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["back from shop-dev"]);
    tmux.keys(&["q"]);
    drop(tmux);

    command_line_offers_the_sign_in(&awsnav, &oidc, TOKEN);
}

/// With the sign-in expired, the command line offers awsnav's own sign-in and goes on once it
/// is done; declined, it says what to run and signs nobody in.
fn command_line_offers_the_sign_in(
    awsnav: &AwsnavCmd,
    oidc: &crate::common::oidc::Oidc,
    token: &str,
) {
    use crate::common::portal::sign_in;
    let hour = time::Duration::hours(1);
    sign_in(awsnav.home.path(), token, -hour);
    let exec = awsnav.shell_command(&[
        "exec",
        "data-dev",
        "--role",
        "ReadOnlyAccess",
        "--",
        "sh",
        "-c",
        "echo inside $AWSNAV_ACCOUNT_ID",
    ]);
    let tmux = Tmux::start(&format!("{exec}; echo exit=$?; sleep 30"), 110, 30);
    tmux.wait_for(&["sign-in of profile `corp` is needed. Sign in now? [Y/n]"]);
    tmux.keys(&["y", "Enter"]);
    let screen = tmux.wait_for(&["exit="]);
    assert!(
        screen.contains("the code shown there is ABCD-EFGH"),
        "{screen}"
    );
    assert!(
        screen.contains("signed in to https://corp.awsapps.com/start"),
        "{screen}"
    );
    assert!(screen.contains("inside 333300004444"), "{screen}");
    assert!(screen.contains("exit=0"), "{screen}");
    drop(tmux);

    sign_in(awsnav.home.path(), token, -hour);
    oidc.revoke_refresh_tokens();
    let issued = oidc.issued();
    let refresh = awsnav.shell_command(&["refresh"]);
    let tmux = Tmux::start(&format!("{refresh}; echo exit=$?; sleep 30"), 110, 30);
    tmux.wait_for(&["now? [Y/n]"]);
    tmux.keys(&["n", "Enter"]);
    let screen = tmux.wait_for(&["exit="]);
    assert!(screen.contains("exit=1"), "{screen}");
    assert!(
        screen.contains("has expired: run `awsnav login --profile corp`"),
        "{screen}"
    );
    assert_eq!(oidc.issued(), issued, "declined: no sign-in");
}

#[tokio::test]
async fn the_organization_read_through_a_role_profile_asks_for_the_mfa_code_in_the_tui() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    crate::common::seed_org(&sdk, &[OuSpec::new("Sandbox", 3, vec![])], 0).await;
    let alice = crate::common::alice(&sdk).await;
    // Organizations refuses alice's own key; the role profile the AWS CLI way reads it.
    let proxy =
        crate::common::fault::FaultServer::start(crate::common::fault::mfa_enforcing(&moto.url));
    let mut awsnav = AwsnavCmd::new().against(&proxy.url);
    awsnav.unset("AWS_ACCESS_KEY_ID");
    awsnav.unset("AWS_SECRET_ACCESS_KEY");
    std::fs::write(
        awsnav.path(".aws/credentials"),
        format!(
            "[alice]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            alice.key, alice.secret
        ),
    )
    .unwrap();
    std::fs::write(
        awsnav.path(".aws/config"),
        format!(
            "[default]\nregion = us-east-1\n[profile orgreader]\nrole_arn = arn:aws:iam::123456789012:role/OrgReader\nsource_profile = alice\nmfa_serial = {}\nregion = us-east-1\n",
            alice.serial
        ),
    )
    .unwrap();
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        "[org]\nprofile = \"orgreader\"\n[cost]\nenabled = false\n",
    )
    .unwrap();
    let tmux = Tmux::start(&awsnav.shell_command(&[]), 110, 30);
    tmux.wait_for(&["MFA code for", &alice.serial]);
    tmux.literal("123456");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["Sandbox  (3)", "synced just now"]);
    assert_eq!(proxy.count("AssumeRole"), 1);
    tmux.keys(&["q"]);
}

#[tokio::test]
async fn a_key_typed_on_the_terminal_goes_to_the_keyring_and_reads_the_organization() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    crate::common::seed_org(&sdk, &[OuSpec::new("Sandbox", 3, vec![])], 0).await;
    let alice = crate::common::alice(&sdk).await;
    // Only alice's key is taken: awsnav has no other.
    let known = std::sync::Arc::new(std::sync::Mutex::new(vec![alice.key.clone()]));
    let proxy = crate::common::fault::FaultServer::start(crate::common::fault::issued_keys_only(
        &moto.url, known, false,
    ));
    let mut awsnav = AwsnavCmd::new().against(&proxy.url);
    awsnav.unset("AWS_ACCESS_KEY_ID");
    awsnav.unset("AWS_SECRET_ACCESS_KEY");
    let keyring = crate::common::keyring::SecretService::start(awsnav.home.path(), true);
    awsnav.set("DBUS_SESSION_BUS_ADDRESS", &keyring.address);
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        "[org]\nprofile = \"alice\"\n[auth]\nmfa = \"never\"\n[cost]\nenabled = false\n",
    )
    .unwrap();

    let add = format!(
        "{}; echo exit=$?; sleep 60",
        awsnav.shell_command(&["auth", "add", "alice"])
    );
    let tmux = Tmux::start(&add, 110, 30);
    tmux.wait_for(&["Access key id:"]);
    tmux.literal(&alice.key);
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["Secret access key (not shown):"]);
    tmux.literal(&alice.secret);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for(&["stored `alice`", "exit=0"]);
    assert!(
        !screen.contains(&alice.secret),
        "the secret was echoed:\n{screen}"
    );
    assert!(keyring.lookup("alice").unwrap().contains(&alice.secret));
    drop(tmux);

    let tmux = Tmux::start(&awsnav.shell_command(&[]), 110, 30);
    let screen = tmux.wait_for(&["key store: alice", "Sandbox  (3)", "synced just now"]);
    assert!(!screen.contains(&alice.secret));
    assert!(!screen.contains("PARTIAL"), "{screen}");
    tmux.keys(&["q"]);
}

/// The first run with nothing but a key on paper: `a` in the welcome takes it (the secret
/// never shown), AWS checks it, the key store keeps it, and the organization is read with it.
#[tokio::test]
async fn a_key_typed_into_the_welcome_reads_the_organization() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    crate::common::seed_org(&sdk, &[OuSpec::new("Sandbox", 3, vec![])], 0).await;
    let alice = crate::common::alice(&sdk).await;
    let mut awsnav = AwsnavCmd::new();
    awsnav.set("AWS_ENDPOINT_URL", &moto.url);
    awsnav.set("AWS_REGION", "us-east-1");
    let keyring = crate::common::keyring::SecretService::start(awsnav.home.path(), true);
    awsnav.set("DBUS_SESSION_BUS_ADDRESS", &keyring.address);
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        "[auth]\nmfa = \"never\"\n[cost]\nenabled = false\n",
    )
    .unwrap();
    let tmux = Tmux::start(&awsnav.shell_command(&[]), 120, 40);
    tmux.wait_for(&[
        "Welcome to awsnav",
        "profile default",
        "an IAM user's access key",
    ]);
    tmux.keys(&["a"]);
    tmux.wait_for(&["Access key id:"]);
    tmux.literal(&alice.key);
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["Secret access key (not shown):"]);
    tmux.literal(&alice.secret);
    let screen = tmux.wait_for(&["characters█"]);
    assert!(
        !screen.contains(&alice.secret),
        "the secret shows:\n{screen}"
    );
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for(&["Sandbox  (3)", "synced just now"]);
    assert!(!screen.contains(&alice.secret));
    assert!(keyring.lookup("default").unwrap().contains(&alice.secret));
    let config = std::fs::read_to_string(awsnav.path("awsnav/config.toml")).unwrap();
    assert!(config.contains("profile = \"default\""), "{config}");
    assert!(!config.contains(&alice.secret));
    tmux.keys(&["q"]);
}

/// The pane's title and its window's name.
fn titles(tmux: &Tmux) -> String {
    String::from_utf8_lossy(
        &tmux
            .tmux(&["display", "-p", "-t", "t", "#{pane_title}|#W"])
            .stdout,
    )
    .trim()
    .to_owned()
}

#[tokio::test]
async fn shells_mark_their_prompt_and_title_and_keep_the_users_rc_files() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(
        &sdk,
        &[
            OuSpec::new("Prod", 1, vec![]),
            OuSpec::new("Dev", 1, vec![]),
        ],
        0,
    )
    .await;
    let alice = crate::common::alice(&sdk).await;
    let in_ou = |ou: &str| {
        seeded
            .accounts
            .iter()
            .find(|(_, a)| a.ou_path.iter().any(|o| o == ou))
            .map(|(id, a)| (id.clone(), a.name.clone()))
            .unwrap()
    };
    let (prod, prod_name) = in_ou("Prod");
    let (dev, dev_name) = in_ou("Dev");
    let mut awsnav = AwsnavCmd::new().against(&moto.url).with_user(&alice);
    let home = awsnav.home.path().to_path_buf();
    std::fs::write(
        home.join(".bashrc"),
        "alias hello='echo hello-from-bashrc'\nPS1='bash$ '\n",
    )
    .unwrap();
    std::fs::write(
        home.join(".zshrc"),
        "alias hello='echo hello-from-zshrc'\nPROMPT='zsh%% '\n",
    )
    .unwrap();
    std::fs::create_dir_all(home.join(".config/fish")).unwrap();
    std::fs::write(
        home.join(".config/fish/config.fish"),
        "alias hello 'echo hello-from-config-fish'\n",
    )
    .unwrap();
    assert!(awsnav.run(&["refresh"]).status.success());

    for (shell, account, name, production) in [
        ("bash", &prod, &prod_name, true),
        ("zsh", &dev, &dev_name, false),
        ("fish", &dev, &dev_name, false),
    ] {
        check_marked_shell(&mut awsnav, shell, account, name, production);
    }
}

/// `awsnav shell` with `shell` in tmux: the mark (red PROD in production) in the prompt, the
/// title and window name while it runs, the user's rc file loaded, both restored after.
fn check_marked_shell(
    awsnav: &mut AwsnavCmd,
    shell: &str,
    account: &str,
    name: &str,
    production: bool,
) {
    let path = String::from_utf8_lossy(
        &Command::new("sh")
            .args(["-c", &format!("command -v {shell}")])
            .output()
            .unwrap()
            .stdout,
    )
    .trim()
    .to_owned();
    assert!(
        !path.is_empty(),
        "{shell} is needed (scripts/test installs it)"
    );
    awsnav.set("SHELL", &path);
    // Inside tmux, as a person would be: TMUX passes through.
    let run = format!(
        "{}; echo shell-ended; sleep 60",
        awsnav
            .shell_command(&[
                "shell",
                account,
                "--role",
                "Admin",
                "--mfa-code",
                "123456",
                "--yes",
            ])
            .replacen("env -i ", "env -i TMUX=\"$TMUX\" ", 1)
    );
    let tmux = Tmux::start(&run, 120, 30);
    // The title tmux gave the pane before awsnav set its own is the host's name.
    let before = String::from_utf8_lossy(&Command::new("hostname").output().unwrap().stdout)
        .trim()
        .to_owned();
    let mark = if production {
        format!("[{name}/Admin PROD]")
    } else {
        format!("[{name}/Admin]")
    };
    tmux.wait_for(&[&mark]);
    let coloured =
        String::from_utf8_lossy(&tmux.tmux(&["capture-pane", "-e", "-p", "-t", "t"]).stdout)
            .into_owned();
    if production {
        assert!(
            coloured.contains(&format!("\x1b[1m\x1b[31m{mark}"))
                || coloured.contains(&format!("\x1b[1;31m{mark}")),
            "{shell}: red PROD:\n{coloured:?}"
        );
    }
    assert!(
        titles(&tmux).starts_with(&format!("awsnav: {mark}|awsnav: {mark}")),
        "{shell}: {}",
        titles(&tmux)
    );
    tmux.literal("hello");
    tmux.keys(&["Enter"]);
    let rc = match shell {
        "bash" => "bashrc",
        "zsh" => "zshrc",
        _ => "config-fish",
    };
    tmux.wait_for(&[&format!("hello-from-{rc}")]);
    tmux.literal("exit");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["shell-ended"]);
    let after = titles(&tmux);
    assert!(
        !after.contains("awsnav"),
        "{shell}: title and window name restored: {after}"
    );
    assert!(after.starts_with(&format!("{before}|")), "{shell}: {after}");
}

#[tokio::test]
async fn a_command_runs_in_the_marked_accounts_from_the_tui_and_from_a_terminal() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &[OuSpec::new("Sandbox", 3, vec![])], 0).await;
    let alice = crate::common::alice(&sdk).await;
    let awsnav = AwsnavCmd::new().against(&moto.url).with_user(&alice);
    let tmux = Tmux::start(&awsnav.shell_command(&[]), 120, 30);
    tmux.wait_for(&["Sandbox  (3)", "synced just now"]);
    // Space on the OU marks its three accounts.
    tmux.keys(&["j", "Space"]);
    tmux.wait_for(&["3 marked"]);
    tmux.keys(&["x"]);
    tmux.wait_for(&["Run a command", "In 3 accounts"]);
    tmux.literal("echo \"ran in $AWSNAV_ACCOUNT_ID\"");
    tmux.keys(&["Enter"]);
    // One production account among them: type how many.
    tmux.wait_for(&["reaches 1 PRODUCTION account", "Type 1 to run it there"]);
    tmux.literal("1");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["MFA code for"]);
    tmux.literal("123456");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for(&["3/3 done", "succeeded in every account"]);
    assert_eq!(screen.matches("exit 0").count(), 3, "{screen}");
    // Enter on the first row: its output is its own account id.
    tmux.keys(&["Enter"]);
    let first = seeded
        .accounts
        .iter()
        .filter(|(_, a)| a.ou_path.iter().any(|o| o == "Sandbox"))
        .min_by(|a, b| a.1.name.cmp(&b.1.name))
        .unwrap()
        .0
        .clone();
    tmux.wait_for(&[&format!("ran in {first}")]);
    // Esc: the list; Esc: the tree (the run's view kept for X).
    tmux.keys(&["Escape"]);
    tmux.wait_for(&["3/3 done", "✓ sandbox-02"]);
    tmux.keys(&["Escape"]);
    tmux.wait_for(&["Organization ·", "3 marked"]);
    // The banner goes first, then Esc twice clears the marks.
    tmux.keys(&["Escape"]);
    tmux.wait_for(&["Esc again clears the marks"]);
    tmux.keys(&["Escape"]);
    let screen = tmux.wait_for(&["marks cleared"]);
    assert!(!screen.contains("3 marked"), "{screen}");
    tmux.keys(&["q"]);
    drop(tmux);

    // The command line on a terminal: one confirmation lists the production accounts.
    let tmux = Tmux::start(
        &format!(
            "{}; echo EXIT=$?; sleep 30",
            awsnav.shell_command(&["exec", "--each", "all", "--", "echo", "hello"])
        ),
        120,
        30,
    );
    let screen = tmux.wait_for(&["PRODUCTION account(s)", "Type "]);
    let prod = seeded
        .accounts
        .iter()
        .filter(|(_, a)| a.tags.get("env").map(String::as_str) == Some("prod"))
        .count();
    assert!(screen.contains(&format!("Type {prod} to run")), "{screen}");
    tmux.literal(&prod.to_string());
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for(&["EXIT=0"]);
    assert!(screen.contains("| hello"), "{screen}");
    assert!(screen.contains("0 failed"), "{screen}");
}

/// Guardrails as a person sees them: the detail pane's section for an account three levels
/// down, `p`'s list, a document; read once, and kept for the command line.
#[tokio::test]
async fn guardrails_in_the_detail_pane_the_list_and_a_document() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let seeded = seed_with_prod_lock(&moto.sdk().await).await;
    let proxy = crate::common::fault::FaultServer::start(crate::common::fault::proxy(&moto.url));
    let awsnav = AwsnavCmd::new().against(&proxy.url);
    let tmux = Tmux::start(&awsnav.shell_command(&[]), 120, 40);
    tmux.wait_for(&["Workloads  (5)", "synced just now"]);
    tmux.keys(&["/"]);
    tmux.literal("wlpay01");
    let screen = tmux.wait_for(&["Guardrails", "ProdLock · Workloads / Prod"]);
    assert!(screen.contains("FullAWSAccess · root"), "{screen}");
    assert!(screen.contains("not enabled: RCP"), "{screen}");
    // Its chain: the root, Workloads, Prod, Payments and the account, SCPs only.
    let read = proxy.count("ListPoliciesForTarget");
    assert!(read <= 5 * 2, "{read} requests");

    tmux.keys(&["Enter"]);
    tmux.keys(&["p"]);
    tmux.wait_for(&["Policies that apply to workloads-prod-payments-01"]);
    // The root's, Workloads' and Prod's FullAWSAccess, then ProdLock.
    tmux.keys(&["j", "j", "j"]);
    tmux.wait_for(&["▸ SCP  ProdLock"]);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for(&["cloudtrail:StopLogging", "ProdLock, made by the test"]);
    assert!(screen.contains("customer managed"), "{screen}");
    assert_eq!(proxy.count("DescribePolicy"), 1);
    tmux.keys(&["Escape"]);
    tmux.wait_for(&["▸ SCP  ProdLock"]);
    tmux.keys(&["Escape"]);
    tmux.wait_for(&["(p lists them)"]);
    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux.is_running() {
        assert!(
            Instant::now() < deadline,
            "still running:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // The command line finds them (and the document) kept: nothing more is asked.
    let before = proxy.requests().len();
    let account = seeded
        .accounts
        .iter()
        .find(|(_, a)| a.name == "workloads-prod-payments-01")
        .map(|(id, _)| id.clone())
        .unwrap();
    let out = awsnav.run(&["policies", &account, "--show", "ProdLock"]);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    assert!(crate::common::stdout(&out).contains("cloudtrail:StopLogging"));
    assert_eq!(proxy.requests().len(), before);
}

/// [`tree`] with service control policies enabled and `ProdLock` on Workloads / Prod.
async fn seed_with_prod_lock(sdk: &aws_config::SdkConfig) -> crate::common::SeededOrg {
    use aws_sdk_organizations::types::PolicyType;
    let seeded = crate::common::seed_org(sdk, &tree(), 0).await;
    let org = aws_sdk_organizations::Client::new(sdk);
    org.enable_policy_type()
        .root_id(&seeded.root_id)
        .policy_type(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    let workloads = org
        .list_organizational_units_for_parent()
        .parent_id(&seeded.root_id)
        .send()
        .await
        .unwrap()
        .organizational_units()
        .iter()
        .find(|ou| ou.name() == Some("Workloads"))
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    let prod = org
        .list_organizational_units_for_parent()
        .parent_id(&workloads)
        .send()
        .await
        .unwrap()
        .organizational_units()[0]
        .id()
        .unwrap()
        .to_owned();
    crate::common::attach_new_policy(
        &org,
        "ProdLock",
        "SERVICE_CONTROL_POLICY",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"cloudtrail:StopLogging","Resource":"*"}]}"#,
        &prod,
    )
    .await;
    seeded
}
