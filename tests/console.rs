//! `awsnav console`: the federation flow against a loopback federation server that answers like
//! AWS's, with credentials from moto (or an STS fault server for other partitions).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use common::fault::{FaultServer, Request, Response};
use common::{AwsnavCmd, OuSpec, stderr, stdout};
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

async fn setup(moto: &common::Moto) -> (AwsnavCmd, common::SeededOrg, common::Alice) {
    let sdk = moto.sdk().await;
    let seeded = common::seed_org(&sdk, &[OuSpec::new("Sandbox", 3, vec![])], 0).await;
    let alice = common::alice(&sdk).await;
    let awsnav = AwsnavCmd::new().against(&moto.url).with_user(&alice);
    assert!(awsnav.run(&["refresh"]).status.success());
    (awsnav, seeded, alice)
}

fn sandbox(seeded: &common::SeededOrg, tag_env: &str) -> String {
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
    let (_lock, moto) = common::exclusive_moto().await;
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
    let (_lock, moto) = common::exclusive_moto().await;
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
    let (_lock, moto) = common::exclusive_moto().await;
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
    let url = common::wait_for_file(&opened, |t| t.contains("SigninToken="));
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
    let url = common::wait_for_file(&via_config, |t| !t.is_empty());
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
    let (_lock, moto) = common::exclusive_moto().await;
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
            Box::new(|_, _| {
                std::thread::sleep(std::time::Duration::from_secs(3));
                Response::raw(200, "application/json", "{}")
            }),
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
    // The timeout case took about the configured second, not the server's three.
}

#[tokio::test]
async fn other_partitions_get_their_console_hosts() {
    let (_lock, moto) = common::exclusive_moto().await;
    common::seed_org(&moto.sdk().await, &[OuSpec::new("Sandbox", 3, vec![])], 0).await;
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
