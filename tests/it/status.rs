//! `awsnav status`: every identity awsnav can get in with and its time left, read from what is
//! cached (an MFA session got against moto, an Identity Center token as the AWS CLI writes it,
//! a SAML provider never signed in to), for people and as JSON for prompts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

use serde_json::Value;
use sha1::Digest as _;

use crate::common::{OuSpec, stderr, stdout};

#[tokio::test]
async fn status_says_each_identitys_time_left_without_asking_aws() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &[OuSpec::new("Dev", 1, vec![])], 0).await;
    let alice = crate::common::alice(&sdk).await;
    let proxy = crate::common::fault::FaultServer::start(crate::common::fault::proxy(&moto.url));
    let awsnav = crate::common::awsnav_as(&alice, &proxy.url);
    assert!(awsnav.run(&["refresh"]).status.success());

    // Nothing signed in yet but the chain's keys.
    std::fs::create_dir_all(awsnav.path(".aws/sso/cache")).unwrap();
    std::fs::write(
        awsnav.path(".aws/config"),
        "[profile corp]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\nregion = us-east-1\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
    )
    .unwrap();
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        "[sso]\nprofile = \"corp\"\n[[saml]]\nname = \"okta\"\nurl = \"https://okta.example/app\"\n",
    )
    .unwrap();
    let status = |awsnav: &crate::common::AwsnavCmd| -> Vec<Value> {
        let out = awsnav.run(&["status", "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_str(&stdout(&out)).unwrap()
    };
    let before = proxy.requests().len();
    let all = status(&awsnav);
    let kind = |all: &[Value], k: &str| all.iter().find(|i| i["kind"] == k).cloned().unwrap();
    assert_eq!(kind(&all, "base")["signed_in"], false);
    assert_eq!(kind(&all, "identity_center")["signed_in"], false);
    assert_eq!(kind(&all, "identity_center")["name"], "corp");
    assert_eq!(
        kind(&all, "identity_center")["detail"],
        "https://corp.awsapps.com/start"
    );
    assert_eq!(kind(&all, "saml")["signed_in"], false);
    assert_eq!(kind(&all, "saml")["sign_in"], "awsnav login --saml okta");

    // An MFA session, and an Identity Center token ending in 9 minutes.
    let dev = seeded.accounts.keys().next().unwrap();
    let out = awsnav.run(&["exec", dev, "--mfa-code", "123456", "--", "true"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ends = time::OffsetDateTime::now_utc() + time::Duration::minutes(9);
    let file = format!("{:x}.json", sha1::Sha1::digest(b"corp"));
    std::fs::write(
        awsnav.path(&format!(".aws/sso/cache/{file}")),
        serde_json::json!({
            "startUrl": "https://corp.awsapps.com/start",
            "region": "us-east-1",
            "accessToken": "secret-token",
            "expiresAt": ends.format(&time::format_description::well_known::Rfc3339).unwrap(),
        })
        .to_string(),
    )
    .unwrap();
    let before_status = proxy.requests().len();
    let all = status(&awsnav);
    assert_eq!(
        proxy.requests().len(),
        before_status,
        "status sends nothing to AWS"
    );
    assert!(before <= before_status);
    let base = kind(&all, "base");
    assert_eq!(base["signed_in"], true);
    assert!(base["seconds_left"].as_i64().unwrap() > 3600, "{base}");
    let ic = kind(&all, "identity_center");
    assert_eq!(ic["signed_in"], true);
    let left = ic["seconds_left"].as_i64().unwrap();
    assert!((480..=540).contains(&left), "{ic}");
    assert!(!stdout(&awsnav.run(&["status", "--json"])).contains("secret-token"));

    // A standing server names the sign-in ending within ten minutes, once, in its log.
    let mut serve = awsnav
        .command(&["serve", "--port", "0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let err = serve.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead as _;
        for line in std::io::BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let warned = loop {
        let line = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("no warning from awsnav serve");
        if line.contains("warning") {
            break line;
        }
    };
    assert!(
        warned.contains("the Identity Center sign-in corp ends in")
            && warned.contains("awsnav login --profile corp"),
        "{warned}"
    );
    let _ = serve.kill();
    let _ = serve.wait();

    // The table for people.
    let out = awsnav.run(&["status"]);
    let table = stdout(&out);
    assert!(table.starts_with("KIND"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("Identity Center") && l.contains("corp") && l.contains(" min")),
        "{table}"
    );
    assert!(
        table.lines().any(|l| l.starts_with("SAML")
            && l.contains("not signed in")
            && l.contains("sign in: awsnav login --saml okta")),
        "{table}"
    );
}
