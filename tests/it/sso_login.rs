//! `awsnav login` / `logout`: IAM Identity Center sign-in without the AWS CLI, against
//! loopback stand-ins for SSO OIDC and the portal (moto has neither). The tests play the
//! browser: a stand-in on PATH follows the authorize URL to awsnav's loopback redirect, or
//! the device code is approved after a few polls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt as _;

use crate::common::oidc::{Oidc, OidcSpec};
use crate::common::portal::{
    Portal, PortalAccount, PortalSpec, START_URL, corp_profile, moto_credentials,
};
use crate::common::{AwsnavCmd, stderr, stdout};
use serde_json::Value;

const TOKEN: &str = "aoaAAAAAGissued-by-the-oidc-stand-in";
const SHOP: &str = "111100002222";

/// awsnav with no IAM credentials, the `corp` sign-in profile, and both stand-ins.
async fn setup(moto: &crate::common::Moto, spec: OidcSpec) -> (AwsnavCmd, Oidc, Portal, String) {
    let sdk = moto.sdk().await;
    let creds = HashMap::from([(
        (SHOP.to_owned(), "ReadOnlyAccess".to_owned()),
        moto_credentials(&sdk, SHOP, "ReadOnlyAccess").await,
    )]);
    let key = creds[&(SHOP.to_owned(), "ReadOnlyAccess".to_owned())]["accessKeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let portal = Portal::start(PortalSpec {
        credentials: creds,
        ..PortalSpec::new(
            TOKEN,
            vec![PortalAccount::new(SHOP, "shop-dev", &["ReadOnlyAccess"])],
        )
    });
    let oidc = Oidc::start(spec);
    let mut awsnav = AwsnavCmd::new().against(&moto.url);
    awsnav.unset("AWS_ACCESS_KEY_ID");
    awsnav.unset("AWS_SECRET_ACCESS_KEY");
    awsnav.set("AWS_ENDPOINT_URL_SSO", portal.url());
    awsnav.set("AWS_ENDPOINT_URL_SSO_OIDC", oidc.url());
    corp_profile(&awsnav, "");
    (awsnav, oidc, portal, key)
}

fn token_file(awsnav: &AwsnavCmd) -> std::path::PathBuf {
    crate::common::portal::token_file(awsnav.home.path(), "corp")
}

fn boto3_key(awsnav: &AwsnavCmd, portal: &Portal, oidc: &Oidc) -> std::process::Output {
    std::fs::write(
        awsnav.path(".aws/config"),
        std::fs::read_to_string(awsnav.path(".aws/config")).unwrap()
            + "\n[profile shop]\nsso_session = corp\nsso_account_id = 111100002222\nsso_role_name = ReadOnlyAccess\n",
    )
    .unwrap();
    std::process::Command::new(crate::common::python())
        .args([
            "-c",
            "import boto3\nc = boto3.Session(profile_name='shop').get_credentials()\nprint(c.get_frozen_credentials().access_key)",
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("HOME", awsnav.home.path())
        .env("AWS_CONFIG_FILE", awsnav.path(".aws/config"))
        .env("AWS_ENDPOINT_URL_SSO", portal.url())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", oidc.url())
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_device_code_sign_in_writes_the_token_the_aws_cli_and_sdks_use() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (mut awsnav, oidc, portal, key) = setup(moto, OidcSpec::new(TOKEN)).await;
    let urls = crate::common::stand_in_browser(&mut awsnav, false, None);
    awsnav.set("AWSNAV_LOG", "trace");
    let out = awsnav.run(&["login", "--use-device-code"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("ABCD-EFGH"),
        "the code to check is shown: {err}"
    );
    assert!(
        err.contains("signed in to https://corp.awsapps.com/start"),
        "{err}"
    );
    assert!(
        std::fs::read_to_string(&urls)
            .unwrap()
            .contains("user_code=ABCD-EFGH"),
        "the browser was opened on the verification URL"
    );
    assert!(oidc.count("/token") >= 3, "polled until approved");

    // The file, as the AWS CLI writes it.
    let path = token_file(&awsnav);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let cached: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(cached["accessToken"], TOKEN);
    assert_eq!(cached["startUrl"], START_URL);
    assert_eq!(cached["region"], "eu-west-1");
    for field in [
        "expiresAt",
        "refreshToken",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
    ] {
        assert!(cached[field].is_string(), "{field}: {cached}");
    }
    // Secrets stay out of the log and stderr.
    let log = std::fs::read_to_string(awsnav.path("awsnav/log/awsnav.log")).unwrap();
    for secret in [
        TOKEN,
        cached["refreshToken"].as_str().unwrap(),
        cached["clientSecret"].as_str().unwrap(),
    ] {
        assert!(
            !log.contains(secret) && !err.contains(secret),
            "a secret leaked"
        );
    }
    awsnav.unset("AWSNAV_LOG");

    // boto3 gets the role's credentials from the portal with it; so does awsnav's exec.
    let py = boto3_key(&awsnav, &portal, &oidc);
    assert!(py.status.success(), "{}", stderr(&py));
    assert_eq!(stdout(&py).trim(), key);
    let out = awsnav.run(&[
        "exec",
        SHOP,
        "--role",
        "sso:ReadOnlyAccess",
        "--credentials",
        "env",
        "--yes",
        "--",
        "sh",
        "-c",
        "echo $AWS_ACCESS_KEY_ID",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), key);

    let shown = stdout(&awsnav.run(&["config", "show"]));
    assert!(
        shown.contains("identity center: profile corp, signed in until"),
        "{shown}"
    );

    // logout: the portal's Logout, then the file gone.
    let out = awsnav.run(&["logout"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!path.exists());
    assert!(
        portal
            .server
            .requests()
            .iter()
            .any(|r| r.route() == "/logout")
    );
    let shown = stdout(&awsnav.run(&["config", "show"]));
    assert!(shown.contains("not signed in: awsnav login"), "{shown}");
}

#[tokio::test]
async fn the_browser_sign_in_uses_pkce_and_a_loopback_redirect() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (mut awsnav, oidc, _portal, _key) = setup(moto, OidcSpec::new(TOKEN)).await;
    let urls = crate::common::stand_in_browser(&mut awsnav, true, None);
    let out = awsnav.run(&["login"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let url = std::fs::read_to_string(&urls).unwrap();
    let url = url::Url::parse(url.trim()).unwrap();
    let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(url.path(), "/authorize");
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(q["redirect_uri"].starts_with("http://127.0.0.1:"));
    assert!(q["state"].len() >= 32);
    let cached: Value =
        serde_json::from_slice(&std::fs::read(token_file(&awsnav)).unwrap()).unwrap();
    assert_eq!(cached["accessToken"], TOKEN);
    assert_eq!(oidc.count("/device_authorization"), 0);

    // A refusal in the browser is a clear error, and the token file is left as it was.
    std::fs::remove_file(awsnav.path("browser-urls")).unwrap();
    let before = std::fs::read(token_file(&awsnav)).unwrap();
    oidc.revoke_refresh_tokens();
    oidc.set(|s| s.deny = true);
    let out = awsnav.run(&["login"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("refused in the browser"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(token_file(&awsnav)).unwrap(), before);
}

#[tokio::test]
async fn refresh_tokens_renew_silently_and_failures_change_nothing() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (mut awsnav, oidc, _portal, _key) = setup(moto, OidcSpec::new(TOKEN)).await;
    let urls = crate::common::stand_in_browser(&mut awsnav, false, None);
    assert!(awsnav.run(&["login", "--no-browser"]).status.success());
    assert!(!urls.exists(), "--no-browser opens nothing");
    let path = token_file(&awsnav);

    // Expired access token, valid refresh token: renewed, no browser, no device code.
    let mut cached: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    cached["expiresAt"] = "2020-01-01T00:00:00Z".into();
    std::fs::write(&path, cached.to_string()).unwrap();
    let devices = oidc.count("/device_authorization");
    let out = awsnav.run(&["login", "--no-browser"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        oidc.count("/device_authorization"),
        devices,
        "no new sign-in"
    );
    let renewed: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_ne!(renewed["expiresAt"], "2020-01-01T00:00:00Z");
    assert_ne!(renewed["refreshToken"], cached["refreshToken"]);

    // The refresh token refused: a new sign-in (device code again), slowed down once by the
    // service (five more seconds between polls, as the protocol says).
    oidc.revoke_refresh_tokens();
    oidc.set(|s| s.slow_down_once = true);
    let polls = oidc.count("/token");
    let out = awsnav.run(&["login", "--no-browser"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(oidc.count("/device_authorization"), devices + 1);
    let times: Vec<std::time::Instant> = oidc
        .server
        .requests()
        .iter()
        .filter(|r| r.route() == "/token")
        .skip(polls)
        .map(|r| r.at)
        .collect();
    let gaps: Vec<u128> = times
        .windows(2)
        .map(|w| (w[1] - w[0]).as_millis())
        .collect();
    assert!(
        gaps.iter().any(|&g| g >= 5_500),
        "after slow_down the polls are five seconds further apart: {gaps:?}"
    );

    // Denied, a registration that expired, the service down: clear errors, file unchanged.
    let before = std::fs::read(&path).unwrap();
    oidc.revoke_refresh_tokens();
    oidc.set(|s| s.deny = true);
    let out = awsnav.run(&["login", "--no-browser"]);
    assert!(
        stderr(&out).contains("refused in the browser"),
        "{}",
        stderr(&out)
    );
    oidc.set(|s| {
        s.deny = false;
        s.down = true;
    });
    let out = awsnav.run(&["login", "--no-browser"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("failed at"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&path).unwrap(), before);
    oidc.set(|s| s.down = false);
    oidc.expire_clients();
    let out = awsnav.run(&["login", "--no-browser"]);
    assert!(
        out.status.success(),
        "a new registration is made: {}",
        stderr(&out)
    );
}
