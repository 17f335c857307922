//! Reading the organization where policies deny every call made without MFA: a loopback proxy
//! in front of moto answers Organizations and Cost Explorer calls signed with a long-term key
//! (no session token) the way an MFA-enforcing policy does, with an explicit deny, and forwards
//! calls signed with temporary credentials.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::fault::{FaultServer, Request};
use crate::common::{AwsnavCmd, OuSpec, stderr, stdout};
use serde_json::Value;

const ORG_READER: &str = "arn:aws:iam::123456789012:role/OrgReader";

fn guarded(req: &Request) -> bool {
    crate::common::fault::is_org_or_cost(req)
}

fn mfa_enforcing(moto: &str) -> FaultServer {
    FaultServer::start(crate::common::fault::mfa_enforcing(moto))
}

/// An org in moto, alice (with an MFA device), and awsnav as alice behind the proxy.
async fn setup(
    moto: &crate::common::Moto,
) -> (AwsnavCmd, FaultServer, crate::common::Alice, usize) {
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &[OuSpec::new("Sandbox", 3, vec![])], 0).await;
    let alice = crate::common::alice(&sdk).await;
    let proxy = mfa_enforcing(&moto.url);
    let awsnav = AwsnavCmd::new().against(&proxy.url).with_user(&alice);
    (awsnav, proxy, alice, seeded.accounts.len())
}

fn write_config(awsnav: &AwsnavCmd, text: &str) {
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(awsnav.path("awsnav/config.toml"), text).unwrap();
}

fn listed(awsnav: &AwsnavCmd) -> usize {
    let out = awsnav.run(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    v.as_array().unwrap().len()
}

#[tokio::test]
async fn org_role_reads_the_organization_through_the_mfa_session() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (awsnav, proxy, _alice, accounts) = setup(moto).await;
    write_config(&awsnav, &format!("[org]\nrole = \"{ORG_READER}\"\n"));

    // No terminal and no code: a clear error, nothing read.
    let out = awsnav.run(&["refresh"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--mfa-code"), "{}", stderr(&out));

    let out = awsnav.run(&["refresh", "--mfa-code", "123456"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(proxy.count("GetSessionToken"), 1);
    assert_eq!(proxy.count("AssumeRole"), 1);
    assert_eq!(
        listed(&awsnav),
        accounts,
        "every account, the management one included"
    );

    // Cost Explorer is read with the same role: no denial, no "n/a".
    let out = awsnav.run(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("cost n/a"), "{}", stderr(&out));
    let ce = proxy
        .requests()
        .iter()
        .filter(|r| {
            r.header("x-amz-target")
                .is_some_and(|t| t.starts_with("AWSInsightsIndexService."))
        })
        .count();
    assert!(ce >= 1, "Cost Explorer was read");

    // The role session is cached like any other: the next refresh needs no code and no STS.
    let out = awsnav.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(proxy.count("GetSessionToken"), 1);
    assert_eq!(proxy.count("AssumeRole"), 1);
}

#[tokio::test]
async fn org_mfa_auto_reads_again_with_the_mfa_session() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (awsnav, proxy, _alice, accounts) = setup(moto).await;
    write_config(&awsnav, "[org]\nmfa = \"auto\"\n");
    let out = awsnav.run(&["refresh", "--mfa-code", "123456"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(proxy.count("GetSessionToken"), 1);
    assert_eq!(proxy.count("AssumeRole"), 0);
    let denied = proxy
        .requests()
        .iter()
        .filter(|r| guarded(r) && r.header("x-amz-security-token").is_none())
        .count();
    assert!(denied >= 1, "the first read was made with the key as it is");
    assert_eq!(listed(&awsnav), accounts);
}

#[tokio::test]
async fn a_denied_read_names_both_fixes() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (awsnav, proxy, _alice, _) = setup(moto).await;
    let out = awsnav.run(&["refresh", "--mfa-code", "123456"]);
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("[org] mfa = \"always\""), "{err}");
    assert!(err.contains("[org] role"), "{err}");
    assert_eq!(
        proxy.count("GetSessionToken"),
        0,
        "mfa = never asks for no session"
    );
}

#[tokio::test]
async fn a_role_profile_with_mfa_serial_as_org_profile_is_assumed_by_awsnav() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (mut awsnav, proxy, alice, accounts) = setup(moto).await;
    // The way the AWS CLI is set up: keys in one profile, the role with MFA in another.
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
            "[default]\nregion = us-east-1\n[profile orgreader]\nrole_arn = {ORG_READER}\nsource_profile = alice\nmfa_serial = {}\nregion = eu-west-1\n",
            alice.serial
        ),
    )
    .unwrap();
    write_config(&awsnav, "[org]\nprofile = \"orgreader\"\n");
    let out = awsnav.run(&["refresh", "--mfa-code", "123456"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(proxy.count("GetSessionToken"), 1);
    assert_eq!(proxy.count("AssumeRole"), 1);
    assert_eq!(listed(&awsnav), accounts);
}
