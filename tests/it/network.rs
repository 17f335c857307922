//! A company network on loopback: every request awsnav sends (SDK calls, the federation
//! sign-in) goes through one HTTP stack that trusts a CA known only through `SSL_CERT_FILE` /
//! `SSL_CERT_DIR`, and through the proxy of `HTTPS_PROXY` / `HTTP_PROXY` unless `NO_PROXY`
//! names the host, whichever case the variables are spelled in.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::fault::{FaultServer, Response};
use crate::common::net::{ForwardProxy, ThrowawayCa, display};
use crate::common::{AwsnavCmd, OuSpec, stderr, stdout};

const TOKEN: &str = "SIGNIN-TOKEN-through-the-stack";

/// A federation endpoint that answers `getSigninToken` like AWS.
fn federation() -> FaultServer {
    FaultServer::start(|req, _| {
        if req.method == "GET" && req.path.starts_with("/federation?Action=getSigninToken") {
            Response::raw(
                200,
                "application/json",
                &serde_json::json!({ "SigninToken": TOKEN }).to_string(),
            )
        } else {
            Response::raw(400, "text/plain", "bad request")
        }
    })
}

/// moto seeded with an org and alice (an IAM user with an MFA device), and a sandbox account.
async fn seeded(moto: &crate::common::Moto) -> (crate::common::Alice, String) {
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &[OuSpec::new("Sandbox", 2, vec![])], 0).await;
    let alice = crate::common::alice(&sdk).await;
    (alice, seeded.first_non_prod_member())
}

fn console_print(awsnav: &AwsnavCmd, account: &str) -> std::process::Output {
    awsnav.run(&["console", account, "--mfa-code", "123456", "--print"])
}

#[tokio::test]
async fn the_sign_in_trusts_a_ca_known_only_through_ssl_cert_file_or_dir() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (alice, account) = seeded(moto).await;
    let ca = ThrowawayCa::new();
    let fed = federation();
    let front = ca.https_front(&fed.url);
    let mut awsnav = AwsnavCmd::new().against(&moto.url).with_user(&alice);
    awsnav.set(
        "AWSNAV_FEDERATION_URL",
        &format!("{}/federation", front.url),
    );
    assert!(awsnav.run(&["refresh"]).status.success());

    // Without the CA: a clear TLS error that says what to set, and no secret in it.
    let out = console_print(&awsnav, &account);
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("not trusted"), "{err}");
    assert!(
        err.contains("SSL_CERT_FILE") && err.contains("SSL_CERT_DIR"),
        "{err}"
    );
    assert!(err.contains(&front.url), "names the endpoint: {err}");
    assert!(
        !err.contains("Session=") && !err.contains("sessionKey"),
        "{err}"
    );
    assert_eq!(fed.requests().len(), 0, "nothing reached the endpoint");

    // With the CA in SSL_CERT_FILE: the link is made.
    awsnav.set("SSL_CERT_FILE", &display(&ca.ca_file));
    let out = console_print(&awsnav, &account);
    assert!(out.status.success(), "{}", stderr(&out));
    let link = url::Url::parse(stdout(&out).trim()).unwrap();
    assert_eq!(link.host_str(), Some("localhost"));
    assert!(
        link.query_pairs()
            .any(|(k, v)| k == "SigninToken" && v == TOKEN),
        "{link}"
    );
    assert_eq!(fed.requests().len(), 1);

    // With the CA in a directory named by SSL_CERT_DIR instead.
    awsnav.unset("SSL_CERT_FILE");
    awsnav.set("SSL_CERT_DIR", &display(&ca.ca_dir()));
    let out = console_print(&awsnav, &account);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(fed.requests().len(), 2);
}

#[tokio::test]
async fn sdk_calls_trust_the_same_ca_and_fail_clearly_without_it() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (alice, _account) = seeded(moto).await;
    let ca = ThrowawayCa::new();
    let front = ca.https_front(&moto.url);
    let mut awsnav = AwsnavCmd::new().against(&front.url).with_user(&alice);
    awsnav.set("AWS_MAX_ATTEMPTS", "1");

    let out = awsnav.run(&["refresh"]);
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("not trusted") && err.contains("SSL_CERT_FILE"),
        "{err}"
    );

    awsnav.set("SSL_CERT_FILE", &display(&ca.ca_file));
    let out = awsnav.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(front.handshakes() > 0);
    let list: serde_json::Value =
        serde_json::from_str(&stdout(&awsnav.run(&["list", "--json"]))).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 3, "{list}");
}

/// Sync, `AssumeRole` and the console sign-in, each one through the proxy of `proxy_var`, then
/// none of them once `no_proxy_var` names the host.
async fn every_request_through_the_proxy(proxy_var: &str, no_proxy_var: &str) {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (alice, account) = seeded(moto).await;
    let ca = ThrowawayCa::new();
    let fed = federation();
    let aws = ca.https_front(&moto.url);
    let signin = ca.https_front(&fed.url);
    let proxy = ForwardProxy::start();
    let mut awsnav = AwsnavCmd::new().against(&aws.url).with_user(&alice);
    awsnav.set(
        "AWSNAV_FEDERATION_URL",
        &format!("{}/federation", signin.url),
    );
    awsnav.set("SSL_CERT_FILE", &display(&ca.ca_file));
    awsnav.set(proxy_var, &proxy.url);
    let aws_host = format!("localhost:{}", aws.port);
    let signin_host = format!("localhost:{}", signin.port);

    // A sync (Organizations, STS) goes through the proxy.
    let out = awsnav.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let after_sync = proxy.tunnels_to(&aws_host);
    assert!(after_sync > 0, "{:?}", proxy.log());

    // Getting in: the MFA session and AssumeRole go through it.
    let out = awsnav.run(&["exec", &account, "--mfa-code", "123456", "--", "true"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let after_exec = proxy.tunnels_to(&aws_host);
    assert!(after_exec > after_sync, "{:?}", proxy.log());

    // The console sign-in goes through it (the role session is cached now: no AWS call).
    let out = console_print(&awsnav, &account);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(proxy.tunnels_to(&signin_host), 1, "{:?}", proxy.log());
    assert_eq!(fed.requests().len(), 1);
    let log = proxy.log();
    assert!(
        log.tunnels
            .iter()
            .all(|t| *t == aws_host || *t == signin_host),
        "{log:?}"
    );

    // A host in NO_PROXY is reached directly: nothing more goes through the proxy.
    let before = proxy.log().tunnels.len();
    awsnav.set(no_proxy_var, "example.invalid, localhost");
    let out = awsnav.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = awsnav.run(&[
        "exec",
        &account,
        "--mfa-code",
        "123456",
        "--duration",
        "7200",
        "--",
        "true",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = console_print(&awsnav, &account);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(fed.requests().len(), 2, "the sign-in happened");
    assert_eq!(proxy.log().tunnels.len(), before, "{:?}", proxy.log());
}

#[tokio::test]
async fn https_proxy_carries_every_request_and_no_proxy_bypasses_it() {
    every_request_through_the_proxy("HTTPS_PROXY", "NO_PROXY").await;
}

#[tokio::test]
async fn lower_case_proxy_variables_are_honoured_too() {
    every_request_through_the_proxy("https_proxy", "no_proxy").await;
}

#[tokio::test]
async fn http_proxy_carries_plain_http_requests() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (alice, account) = seeded(moto).await;
    let fed = federation();
    let proxy = ForwardProxy::start();
    let mut awsnav = AwsnavCmd::new().against(&moto.url).with_user(&alice);
    awsnav.set("AWSNAV_FEDERATION_URL", &format!("{}/federation", fed.url));
    awsnav.set("HTTP_PROXY", &proxy.url);

    let out = awsnav.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = console_print(&awsnav, &account);
    assert!(out.status.success(), "{}", stderr(&out));
    let log = proxy.log();
    let moto_prefix = format!("{}/", moto.url);
    assert!(
        log.forwarded.iter().any(|u| u.starts_with(&moto_prefix)),
        "{log:?}"
    );
    assert!(
        log.forwarded
            .iter()
            .any(|u| u.starts_with(&format!("{}/federation?", fed.url))),
        "{log:?}"
    );
    assert!(log.tunnels.is_empty(), "{log:?}");
}

/// `SSL_CERT_FILE` naming a file with no certificate (a typo'd bundle, an empty file): a clear
/// error that names it, from a sync and from a console sign-in, never a panic.
#[test]
fn a_trust_store_without_a_certificate_is_a_clear_error() {
    let mut awsnav = AwsnavCmd::new().against("http://127.0.0.1:9");
    let empty = awsnav.path("empty.pem");
    std::fs::write(&empty, "").unwrap();
    awsnav.set("SSL_CERT_FILE", empty.to_str().unwrap());
    awsnav.set("AWSNAV_FEDERATION_URL", "http://127.0.0.1:9/federation");
    for args in [
        &["refresh"][..],
        &["console", "123456789012", "--print", "--yes"][..],
    ] {
        let out = awsnav.run(args);
        let err = stderr(&out);
        assert!(!out.status.success(), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            err.contains(&format!("SSL_CERT_FILE={}", empty.display()))
                && err.contains("holds no certificate"),
            "{args:?}: {err}"
        );
    }
}
