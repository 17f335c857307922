//! `awsnav console`: the federation flow against a loopback federation server that answers like
//! AWS's, with credentials from moto (or an STS fault server for other partitions).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt as _;
use std::sync::{Arc, Mutex};

use crate::common::fault::{FaultServer, Request, Response};
use crate::common::{AwsnavCmd, OuSpec, stderr, stdout};
use serde_json::Value;

const TOKEN: &str = "SIGNIN-TOKEN-abc+/=";

/// Query strings the federation server received, in order.
type Seen = Arc<Mutex<Vec<HashMap<String, String>>>>;
/// A fault server's answer function.
type Handler = Box<dyn Fn(&Request, usize) -> Response + Send + Sync>;

fn query(req: &Request) -> HashMap<String, String> {
    let url = url::Url::parse(&format!("http://x{}", req.path)).unwrap();
    url.query_pairs().into_owned().collect()
}

/// A federation endpoint that records what it was asked and answers like AWS.
fn federation() -> (FaultServer, Seen) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let server = FaultServer::start(move |req, _| {
        let q = query(req);
        log.lock().unwrap().push(q.clone());
        if req.method != "GET"
            || !req.path.starts_with("/federation?")
            || q.get("Action").map(String::as_str) != Some("getSigninToken")
        {
            return Response::raw(400, "text/plain", "bad request");
        }
        Response::raw(
            200,
            "application/json",
            &serde_json::json!({ "SigninToken": TOKEN }).to_string(),
        )
    });
    (server, seen)
}

async fn setup(
    moto: &crate::common::Moto,
) -> (AwsnavCmd, crate::common::SeededOrg, crate::common::Alice) {
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &[OuSpec::new("Sandbox", 3, vec![])], 0).await;
    let alice = crate::common::alice(&sdk).await;
    let awsnav = AwsnavCmd::new().against(&moto.url).with_user(&alice);
    assert!(awsnav.run(&["refresh"]).status.success());
    (awsnav, seeded, alice)
}

fn sandbox(seeded: &crate::common::SeededOrg, tag_env: &str) -> String {
    seeded
        .accounts
        .iter()
        .find(|(_, a)| a.tags.get("env").map(String::as_str) == Some(tag_env))
        .map(|(id, _)| id.clone())
        .unwrap()
}

fn write_config(awsnav: &AwsnavCmd, text: &str) {
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(awsnav.path("awsnav/config.toml"), text).unwrap();
}

#[tokio::test]
async fn printed_link_is_checked_field_by_field() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (mut awsnav, seeded, _alice) = setup(moto).await;
    let (fed, seen) = federation();
    awsnav.set("AWSNAV_FEDERATION_URL", &format!("{}/federation", fed.url));
    let account = sandbox(&seeded, "dev");

    // Through the MFA session: role chaining, so no SessionDuration, and a note saying so.
    let out = awsnav.run(&[
        "console",
        &account,
        "--mfa-code",
        "123456",
        "--service",
        "s3",
        "--print",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("at most 1 hour"), "{}", stderr(&out));
    let link = url::Url::parse(stdout(&out).trim()).unwrap();
    assert_eq!(link.host_str(), Some("127.0.0.1"));
    assert_eq!(link.path(), "/federation");
    let q: HashMap<String, String> = link.query_pairs().into_owned().collect();
    assert_eq!(q["Action"], "login");
    assert_eq!(q["Issuer"], "awsnav");
    assert_eq!(q["SigninToken"], TOKEN);
    assert_eq!(
        q["Destination"],
        "https://us-east-1.console.aws.amazon.com/s3/home?region=us-east-1"
    );

    let asked = seen.lock().unwrap().last().cloned().unwrap();
    assert!(!asked.contains_key("SessionDuration"), "{asked:?}");
    // The session holds exactly the assumed credentials (the cached role session).
    let env: Value =
        serde_json::from_str(&stdout(&awsnav.run(&["env", &account, "--format", "json"]))).unwrap();
    let session: Value = serde_json::from_str(&asked["Session"]).unwrap();
    assert_eq!(
        session,
        serde_json::json!({
            "sessionId": env["AWS_ACCESS_KEY_ID"],
            "sessionKey": env["AWS_SECRET_ACCESS_KEY"],
            "sessionToken": env["AWS_SESSION_TOKEN"],
        })
    );

    // --destination goes through unchanged.
    let dest =
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards";
    let out = awsnav.run(&["console", &account, "--destination", dest, "--print"]);
    let link = url::Url::parse(stdout(&out).trim()).unwrap();
    let q: HashMap<String, String> = link.query_pairs().into_owned().collect();
    assert_eq!(q["Destination"], dest);

    // The sign-in token never reaches the log.
    let log = std::fs::read_to_string(awsnav.path("awsnav/log/awsnav.log")).unwrap();
    assert!(
        !log.contains(TOKEN) && !log.contains("SigninToken"),
        "token in the log"
    );
}

#[tokio::test]
async fn direct_assume_role_sends_the_configured_session_duration() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (mut awsnav, seeded, _alice) = setup(moto).await;
    let (fed, seen) = federation();
    awsnav.set("AWSNAV_FEDERATION_URL", &format!("{}/federation", fed.url));
    write_config(
        &awsnav,
        "[auth]\nmfa = \"never\"\n\n[console]\nsession_duration = 7200\nservice = \"ec2\"\n",
    );
    let account = sandbox(&seeded, "dev");
    let out = awsnav.run(&["console", &account, "--print", "--region", "eu-west-1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("at most 1 hour"));
    let asked = seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(
        asked.get("SessionDuration").map(String::as_str),
        Some("7200")
    );
    let link = url::Url::parse(stdout(&out).trim()).unwrap();
    let q: HashMap<String, String> = link.query_pairs().into_owned().collect();
    assert_eq!(
        q["Destination"],
        "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1"
    );
}

#[tokio::test]
async fn browser_is_started_and_a_failing_one_prints_the_link() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (mut awsnav, seeded, _alice) = setup(moto).await;
    let (fed, _seen) = federation();
    awsnav.set("AWSNAV_FEDERATION_URL", &format!("{}/federation", fed.url));
    let account = sandbox(&seeded, "dev");
    let opened = awsnav.path("opened-url");
    let script = awsnav.path("open.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > {}\n", opened.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    awsnav.set("BROWSER", &format!("{}:never-reached", script.display()));
    awsnav.set("AWSNAV_LOG", "trace");
    let out = awsnav.run(&["console", &account, "--mfa-code", "123456"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The whole flow at TRACE: the sign-in token reaches the browser and nothing else.
    let log = std::fs::read_to_string(awsnav.path("awsnav/log/awsnav.log")).unwrap();
    assert!(log.contains(" INFO "), "logged:\n{log}");
    for (what, text) in [
        ("log", &log),
        ("stdout", &stdout(&out)),
        ("stderr", &stderr(&out)),
    ] {
        assert!(!text.contains(TOKEN), "sign-in token in {what}");
        assert!(
            !text.contains("SigninToken"),
            "sign-in link in {what}: {}",
            text.lines()
                .filter(|l| l.contains("SigninToken"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    awsnav.unset("AWSNAV_LOG");
    assert!(
        stdout(&out).is_empty(),
        "the URL is printed only when asked for"
    );
    assert!(stderr(&out).contains("console opened"), "{}", stderr(&out));
    let url = crate::common::wait_for_file(&opened, |t| t.contains("SigninToken="));
    assert!(
        url.contains("Action=login") && url.contains("SigninToken="),
        "{url}"
    );

    // A configured command wins over $BROWSER.
    let via_config = awsnav.path("via-config");
    write_config(
        &awsnav,
        &format!(
            "[console]\nbrowser = \"printf %s {{url}} > {}\"\n",
            via_config.display()
        ),
    );
    assert!(awsnav.run(&["console", &account]).status.success());
    let url = crate::common::wait_for_file(&via_config, |t| !t.is_empty());
    assert!(url.contains("Action=login"), "{url}");

    // No browser can start: the link is printed with a message, not lost.
    write_config(&awsnav, "");
    awsnav.set("BROWSER", "false");
    let out = awsnav.run(&["console", &account]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("could not start a browser"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("Action=login"));
}

#[tokio::test]
async fn federation_errors_are_clear_and_show_no_secrets() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (mut awsnav, seeded, alice) = setup(moto).await;
    let account = sandbox(&seeded, "dev");
    write_config(&awsnav, "[console]\ntimeout_seconds = 1\n");
    let cases: Vec<(Handler, &str)> = vec![
        (
            Box::new(|_, _| Response::raw(400, "text/plain", "Invalid credentials parameter")),
            "refused the credentials (HTTP 400)",
        ),
        (
            Box::new(|_, _| Response::raw(500, "text/html", "<html>oops</html>")),
            "failed (HTTP 500)",
        ),
        (
            Box::new(|_, _| Response::raw(200, "application/json", "{\"Signin")),
            "not a sign-in token",
        ),
        (
            Box::new(|_, _| Response::raw(200, "application/json", "{}").held()),
            "cannot reach the AWS sign-in endpoint",
        ),
    ];
    for (i, (handler, expected)) in cases.into_iter().enumerate() {
        let server = FaultServer::start(handler);
        awsnav.set(
            "AWSNAV_FEDERATION_URL",
            &format!("{}/federation", server.url),
        );
        let mut args = vec!["console", account.as_str(), "--print"];
        if i == 0 {
            args.extend(["--mfa-code", "123456"]);
        }
        let out = awsnav.run(&args);
        assert!(!out.status.success(), "case {i}");
        let err = stderr(&out);
        assert!(err.contains(expected), "case {i}: {err}");
        assert!(stdout(&out).is_empty());
        assert!(
            !err.contains("Session=") && !err.contains("sessionKey"),
            "case {i}: {err}"
        );
        assert!(!err.contains(&alice.secret));
    }
    // The timeout case ended with the configured second: the server held its answer until
    // awsnav gave up.
}

#[tokio::test]
async fn other_partitions_get_their_console_hosts() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    crate::common::seed_org(&moto.sdk().await, &[OuSpec::new("Sandbox", 3, vec![])], 0).await;
    for (partition, region, console) in [
        (
            "aws-us-gov",
            "us-gov-west-1",
            "https://console.amazonaws-us-gov.com/ec2/home?region=us-gov-west-1",
        ),
        (
            "aws-cn",
            "cn-north-1",
            "https://console.amazonaws.cn/ec2/home?region=cn-north-1",
        ),
    ] {
        let mut awsnav = AwsnavCmd::new().against(&moto.url);
        assert!(awsnav.run(&["refresh"]).status.success());
        let identity = format!("arn:{partition}:iam::123456789012:user/alice");
        let sts = FaultServer::start(move |req, _| match req.operation().as_str() {
            "GetCallerIdentity" => Response::sts_identity("123456789012", &identity),
            op @ "AssumeRole" => Response::sts_credentials(op, "ASIAPART", "2099-01-01T00:00:00Z"),
            other => Response::sts_error(400, "InvalidAction", other),
        });
        awsnav.set("AWS_ENDPOINT_URL_STS", &sts.url);
        let (fed, seen) = federation();
        awsnav.set("AWSNAV_FEDERATION_URL", &format!("{}/federation", fed.url));
        write_config(&awsnav, "[auth]\nmfa = \"never\"\n");
        let out = awsnav.run(&[
            "console",
            "sandbox-00",
            "--yes",
            "--print",
            "--region",
            region,
            "--service",
            "ec2",
        ]);
        assert!(out.status.success(), "{partition}: {}", stderr(&out));
        let link = url::Url::parse(stdout(&out).trim()).unwrap();
        let q: HashMap<String, String> = link.query_pairs().into_owned().collect();
        assert_eq!(q["Destination"], console, "{partition}");
        let assume = sts
            .requests()
            .into_iter()
            .find(|r| r.operation() == "AssumeRole")
            .unwrap();
        assert!(
            assume
                .body
                .contains(&format!("arn%3A{partition}%3Aiam%3A%3A")),
            "{}",
            assume.body
        );
        let asked = seen.lock().unwrap().last().cloned().unwrap();
        let session: Value = serde_json::from_str(&asked["Session"]).unwrap();
        assert_eq!(session["sessionId"], "ASIAPART");
        assert_eq!(
            asked.get("SessionDuration").map(String::as_str),
            Some("43200")
        );
    }
}

/// A stand-in program at `path` that appends its arguments, one per line, and a blank line
/// to `record`.
fn recorder(path: &std::path::Path, record: &std::path::Path) {
    std::fs::write(
        path,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >> {r}\necho >> {r}\n",
            r = record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The argument lists `recorder` wrote, once there are `n`.
fn recorded(record: &std::path::Path, n: usize) -> Vec<Vec<String>> {
    let text = crate::common::wait_for_file(record, |t| t.matches("\n\n").count() >= n);
    text.split("\n\n")
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.lines().map(str::to_owned).collect())
        .collect()
}

fn name_of(seeded: &crate::common::SeededOrg, id: &str) -> String {
    seeded.accounts[id].name.clone()
}

#[tokio::test]
async fn firefox_containers_carry_name_colour_icon_and_the_sign_in_link() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (mut awsnav, seeded, _alice) = setup(moto).await;
    let (fed, _seen) = federation();
    awsnav.set("AWSNAV_FEDERATION_URL", &format!("{}/federation", fed.url));
    let bin = awsnav.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let record = awsnav.path("firefox-args");
    recorder(&bin.join("firefox"), &record);
    awsnav.set(
        "PATH",
        &format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
    );
    write_config(
        &awsnav,
        "[console]\nisolation = \"firefox-container\"\n\n[[console.color]]\nou = \"Sandbox\"\ncolor = \"green\"\nicon = \"tree\"\n",
    );
    let (dev, prod) = (sandbox(&seeded, "dev"), sandbox(&seeded, "prod"));
    for account in [&dev, &prod] {
        let out = awsnav.run(&["console", account, "--mfa-code", "123456", "--yes"]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let runs = recorded(&record, 2);
    for (args, account, colour, icon) in [
        (&runs[0], &dev, "green", "tree"),
        // Production stays red whatever a rule says of its colour; the rule's icon holds.
        (&runs[1], &prod, "red", "tree"),
    ] {
        assert_eq!(args.len(), 1, "{args:?}");
        let query = args[0].strip_prefix("ext+container:").expect(&args[0]);
        let q: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(
            q["name"],
            format!(
                "{}/OrganizationAccountAccessRole",
                name_of(&seeded, account)
            )
        );
        assert_eq!(q["color"], colour);
        assert_eq!(q["icon"], icon);
        let login = url::Url::parse(&q["url"]).unwrap();
        assert_eq!(login.path(), "/federation");
        let login: HashMap<String, String> = login.query_pairs().into_owned().collect();
        assert_eq!(login["Action"], "login");
        assert_eq!(login["SigninToken"], TOKEN);
    }

    // A member account renamed to the production account's name: Firefox would reuse the
    // production container (its sessions, its red) for it. Both get their ids instead.
    let org = aws_sdk_organizations::Client::new(&moto.sdk().await);
    let twin = org
        .create_account()
        .email("twin@example.com")
        .account_name(name_of(&seeded, &prod))
        .send()
        .await
        .unwrap()
        .create_account_status()
        .unwrap()
        .account_id()
        .unwrap()
        .to_owned();
    assert!(awsnav.run(&["refresh"]).status.success());
    for account in [&prod, &twin] {
        let out = awsnav.run(&["console", account, "--mfa-code", "123456", "--yes"]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let runs = recorded(&record, 4);
    for (args, account) in [(&runs[2], &prod), (&runs[3], &twin)] {
        let query = args[0].strip_prefix("ext+container:").expect(&args[0]);
        let q: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(
            q["name"],
            format!(
                "{}/OrganizationAccountAccessRole ({account})",
                name_of(&seeded, &prod)
            )
        );
    }

    // --isolation none on the command line: the plain link through $BROWSER.
    let plain = awsnav.path("plain");
    recorder(&bin.join("plain-browser"), &plain);
    awsnav.set("BROWSER", &bin.join("plain-browser").display().to_string());
    let out = awsnav.run(&["console", &dev, "--isolation", "none"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let args = recorded(&plain, 1).remove(0);
    assert!(args[0].contains("/federation?Action=login"), "{args:?}");
}

#[tokio::test]
async fn chromium_profiles_are_one_per_account_and_role_and_kept() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (mut awsnav, seeded, _alice) = setup(moto).await;
    let (fed, _seen) = federation();
    awsnav.set("AWSNAV_FEDERATION_URL", &format!("{}/federation", fed.url));
    let chrome = awsnav.path("fake-chrome");
    let record = awsnav.path("chrome-args");
    recorder(&chrome, &record);
    write_config(
        &awsnav,
        &format!("[console]\nchromium = \"{}\"\n", chrome.display()),
    );
    let (dev, staging) = (sandbox(&seeded, "dev"), sandbox(&seeded, "staging"));
    for (account, role) in [
        (&dev, "OrganizationAccountAccessRole"),
        (&staging, "OrganizationAccountAccessRole"),
        (&dev, "OrganizationAccountAccessRole"),
        (&dev, "ReadOnly"),
    ] {
        let out = awsnav.run(&[
            "console",
            account,
            "--role",
            role,
            "--isolation",
            "chromium-profile",
            "--mfa-code",
            "123456",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let runs = recorded(&record, 4);
    let dirs: Vec<String> = runs
        .iter()
        .map(|args| {
            assert!(args.contains(&"--no-first-run".to_owned()), "{args:?}");
            assert!(args.last().unwrap().contains("Action=login"), "{args:?}");
            args.iter()
                .find_map(|a| a.strip_prefix("--user-data-dir="))
                .expect("a profile directory")
                .to_owned()
        })
        .collect();
    assert_ne!(dirs[0], dirs[1], "another account, another profile");
    assert_eq!(
        dirs[0], dirs[2],
        "the same account and role, the same profile"
    );
    assert_ne!(dirs[0], dirs[3], "another role, another profile");
    for dir in &dirs {
        assert!(
            dir.starts_with(&awsnav.path("").display().to_string()),
            "{dir}"
        );
        let mode = std::fs::metadata(dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{dir}");
    }
}

#[tokio::test]
async fn logout_first_signs_out_of_aws_and_goes_on_to_the_sign_in() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (mut awsnav, seeded, _alice) = setup(moto).await;
    let (fed, _seen) = federation();
    awsnav.set("AWSNAV_FEDERATION_URL", &format!("{}/federation", fed.url));
    let browser = awsnav.path("browser");
    let record = awsnav.path("browser-args");
    recorder(&browser, &record);
    awsnav.set("BROWSER", &browser.display().to_string());
    write_config(&awsnav, "[console]\nlogout_first = true\n");
    let out = awsnav.run(&["console", &sandbox(&seeded, "dev"), "--mfa-code", "123456"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let opened = recorded(&record, 1).remove(0).remove(0);
    let signout = url::Url::parse(&opened).unwrap();
    assert_eq!(signout.host_str(), Some("us-east-1.signin.aws.amazon.com"));
    assert_eq!(signout.path(), "/oauth");
    let q: HashMap<String, String> = signout.query_pairs().into_owned().collect();
    assert_eq!(q["Action"], "logout");
    let login = url::Url::parse(&q["redirect_uri"]).unwrap();
    let login: HashMap<String, String> = login.query_pairs().into_owned().collect();
    assert_eq!(login["SigninToken"], TOKEN);
    // y's link and --print stay plain.
    let out = awsnav.run(&["console", &sandbox(&seeded, "dev"), "--print"]);
    assert!(
        stdout(&out).contains("/federation?Action=login"),
        "{}",
        stdout(&out)
    );
}

#[tokio::test]
async fn an_arn_signs_in_to_its_account_on_the_resources_page() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (mut awsnav, seeded, _alice) = setup(moto).await;
    let (fed, seen) = federation();
    awsnav.set("AWSNAV_FEDERATION_URL", &format!("{}/federation", fed.url));
    let account = sandbox(&seeded, "dev");
    let arn = format!("arn:aws:lambda:eu-west-1:{account}:function:resize");
    let out = awsnav.run(&["console", &arn, "--mfa-code", "123456", "--print"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let link = url::Url::parse(stdout(&out).trim()).unwrap();
    let q: HashMap<String, String> = link.query_pairs().into_owned().collect();
    assert_eq!(
        q["Destination"],
        "https://eu-west-1.console.aws.amazon.com/lambda/home?region=eu-west-1#/functions/resize"
    );
    // The session is the role in the ARN's account.
    let asked = seen.lock().unwrap().last().cloned().unwrap();
    let session: Value = serde_json::from_str(&asked["Session"]).unwrap();
    let env: Value =
        serde_json::from_str(&stdout(&awsnav.run(&["env", &account, "--format", "json"]))).unwrap();
    assert_eq!(session["sessionId"], env["AWS_ACCESS_KEY_ID"]);
    assert_eq!(
        env["AWSNAV_ACCOUNT_ID"], account,
        "env names the same account"
    );

    // S3 ARNs name no account: --account gives it, its region the session's.
    let out = awsnav.run(&["console", "arn:aws:s3:::build-artifacts", "--print"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--account"), "{}", stderr(&out));
    let out = awsnav.run(&[
        "console",
        "arn:aws:s3:::build-artifacts",
        "--account",
        &account,
        "--region",
        "eu-central-1",
        "--print",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let link = url::Url::parse(stdout(&out).trim()).unwrap();
    let q: HashMap<String, String> = link.query_pairs().into_owned().collect();
    assert_eq!(
        q["Destination"],
        "https://eu-central-1.console.aws.amazon.com/s3/buckets/build-artifacts?region=eu-central-1&tab=objects"
    );

    // An account outside the organization is named, and nothing is signed in.
    let before = seen.lock().unwrap().len();
    let out = awsnav.run(&[
        "console",
        "arn:aws:sqs:eu-west-1:999999999999:jobs",
        "--print",
    ]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("999999999999") && err.contains("not in the organization"),
        "{err}"
    );
    // A malformed ARN says what is wrong with it.
    let out = awsnav.run(&["console", "arn:aws:sqs:eu-west-1", "--print"]);
    assert!(stderr(&out).contains("six parts"), "{}", stderr(&out));
    let out = awsnav.run(&["console", "arn:aws:sqs:eu-west-1:12ab:q", "--print"]);
    assert!(stderr(&out).contains("12-digit"), "{}", stderr(&out));
    assert_eq!(seen.lock().unwrap().len(), before);
}

#[tokio::test]
async fn which_names_the_account_behind_arns_and_ids() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (awsnav, seeded, _alice) = setup(moto).await;
    let (dev, prod) = (sandbox(&seeded, "dev"), sandbox(&seeded, "prod"));
    let arn = format!("arn:aws:iam::{prod}:role/Deployer");
    let out = awsnav.run(&["which", &arn, &dev]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let words = |l: &str| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        words(lines[0]),
        [
            prod.clone(),
            name_of(&seeded, &prod),
            "Sandbox".into(),
            "PROD".into()
        ]
    );
    assert_eq!(
        words(lines[1]),
        [dev.clone(), name_of(&seeded, &dev), "Sandbox".into()]
    );

    let out = awsnav.run(&[
        "which",
        &dev,
        "999999999999",
        "arn:aws:s3:::b",
        "nonsense",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json[0]["account"]["name"], name_of(&seeded, &dev));
    assert_eq!(json[0]["account"]["production"], false);
    assert_eq!(
        json[0]["account"]["ou_path"],
        serde_json::json!(["Sandbox"])
    );
    assert_eq!(json[1]["account_id"], "999999999999");
    assert!(json[1]["account"].is_null());
    assert!(
        json[1]["error"]
            .as_str()
            .unwrap()
            .contains("not in the organization")
    );
    assert!(
        json[2]["error"]
            .as_str()
            .unwrap()
            .contains("names no account")
    );
    assert!(
        json[3]["error"]
            .as_str()
            .unwrap()
            .contains("neither an ARN")
    );
}
