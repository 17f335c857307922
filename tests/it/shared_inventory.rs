//! `awsnav export` and `[org] source`: a platform team exports the inventory, a developer who
//! may not read Organizations reads it from a file or an HTTPS URL, and gets in as with a live
//! read; damaged, newer or oversized inventories are clear errors that lose nothing cached.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::fault::{FaultServer, Request, Response};
use crate::common::net::{ThrowawayCa, display};
use crate::common::{AwsnavCmd, OuSpec, stderr, stdout};
use serde_json::Value;

fn is_organizations(req: &Request) -> bool {
    req.header("x-amz-target")
        .is_some_and(|t| t.starts_with("AWSOrganizationsV20161128."))
}

/// moto behind a proxy where Organizations refuses everyone, as it does a developer.
fn organizations_denied(moto: &str) -> FaultServer {
    let forward = crate::common::fault::proxy(moto);
    FaultServer::start(move |req, n| {
        if is_organizations(req) {
            Response::aws_error(
                400,
                "AccessDeniedException",
                "You don't have permissions to access this resource.",
            )
        } else {
            forward(req, n)
        }
    })
}

fn write_config(awsnav: &AwsnavCmd, text: &str) {
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(awsnav.path("awsnav/config.toml"), text).unwrap();
}

fn listed(awsnav: &AwsnavCmd) -> Vec<Value> {
    let out = awsnav.run(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str::<Value>(&stdout(&out))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// The platform team's side: a read of the organization, exported to a file.
async fn exported(
    moto: &crate::common::Moto,
) -> (
    crate::common::SeededOrg,
    tempfile::TempDir,
    std::path::PathBuf,
) {
    let seeded = crate::common::seed_org(
        &moto.sdk().await,
        &[
            OuSpec::new("Sandbox", 3, vec![]),
            OuSpec::new("Workloads", 0, vec![OuSpec::new("Prod", 2, vec![])]),
        ],
        0,
    )
    .await;
    let platform = AwsnavCmd::new().against(&moto.url);
    assert!(platform.run(&["refresh"]).status.success());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("inventory.json");
    let out = platform.run(&["export", "--output", &display(&file)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("exported"), "{}", stderr(&out));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644, "meant to be shared");
    }
    // Without --output: the same inventory on stdout.
    let printed = platform.run(&["export"]);
    let v: Value = serde_json::from_slice(&printed.stdout).unwrap();
    assert_eq!(v["format"], 1);
    (seeded, dir, file)
}

#[tokio::test]
async fn a_developer_reads_the_shared_file_and_gets_in_as_with_a_live_read() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (seeded, _dir, file) = exported(moto).await;
    let proxy = organizations_denied(&moto.url);
    let dev = AwsnavCmd::new().against(&proxy.url);
    write_config(
        &dev,
        &format!(
            "[org]\nsource = \"{}\"\n[auth]\nmfa = \"never\"\n",
            display(&file)
        ),
    );

    let out = dev.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("read from the shared inventory"),
        "{}",
        stderr(&out)
    );
    let accounts = listed(&dev);
    assert_eq!(accounts.len(), seeded.accounts.len());
    // Production rules and roles work on it as on a live read.
    let prod = accounts
        .iter()
        .find(|a| a["ou_path"] == serde_json::json!(["Workloads", "Prod"]))
        .unwrap();
    assert_eq!(prod["production"], true);
    assert_eq!(
        prod["roles"],
        serde_json::json!(["OrganizationAccountAccessRole"])
    );

    // Search by name, and getting in (an account no rule calls production).
    let plain = accounts
        .iter()
        .find(|a| a["production"] == false && a["ou_path"] == serde_json::json!(["Sandbox"]))
        .unwrap();
    let sandbox = plain["id"].as_str().unwrap().to_owned();
    let name = plain["name"].as_str().unwrap().to_owned();
    let out = dev.run(&["env", &name, "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let env: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(env["AWSNAV_ACCOUNT_ID"], sandbox.as_str());
    let out = dev.run(&["exec", &sandbox, "--", "true"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        proxy
            .requests()
            .iter()
            .filter(|r| is_organizations(r))
            .count(),
        0,
        "Organizations was asked"
    );
}

#[tokio::test]
async fn the_shared_inventory_at_an_https_url() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (seeded, _dir, file) = exported(moto).await;
    let body = std::fs::read_to_string(&file).unwrap();
    let server = FaultServer::start(move |req, _| {
        if req.route() == "/platform/awsnav.json" {
            Response::raw(200, "application/json", &body)
        } else {
            Response::raw(404, "text/plain", "not found")
        }
    });
    let ca = ThrowawayCa::new();
    let front = ca.https_front(&server.url);
    let proxy = organizations_denied(&moto.url);
    let mut dev = AwsnavCmd::new().against(&proxy.url);
    dev.set("SSL_CERT_FILE", &display(&ca.ca_file));
    write_config(
        &dev,
        &format!("[org]\nsource = \"{}/platform/awsnav.json\"\n", front.url),
    );
    let out = dev.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(listed(&dev).len(), seeded.accounts.len());

    // A wrong path is the server's 404, said so.
    write_config(
        &dev,
        &format!("[org]\nsource = \"{}/platform/nope.json\"\n", front.url),
    );
    let out = dev.run(&["refresh"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("HTTP 404"), "{}", stderr(&out));
    assert_eq!(
        listed(&dev).len(),
        seeded.accounts.len(),
        "the cache is kept"
    );
}

#[tokio::test]
async fn bad_shared_inventories_are_clear_errors_and_the_cache_is_kept() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (seeded, dir, file) = exported(moto).await;
    let proxy = organizations_denied(&moto.url);
    let dev = AwsnavCmd::new().against(&proxy.url);
    write_config(&dev, &format!("[org]\nsource = \"{}\"\n", display(&file)));
    assert!(dev.run(&["refresh"]).status.success());
    let good = std::fs::read(&file).unwrap();

    let broken = dir.path().join("broken.json");
    let cases: [(&str, Vec<u8>); 2] = [
        ("cut short", good[..good.len() / 2].to_vec()),
        (
            "newer awsnav",
            String::from_utf8_lossy(&good)
                .replacen("{\"format\":1,", "{\"format\":7,", 1)
                .into_bytes(),
        ),
    ];
    write_config(&dev, &format!("[org]\nsource = \"{}\"\n", display(&broken)));
    for (says, bytes) in cases {
        std::fs::write(&broken, bytes).unwrap();
        let out = dev.run(&["refresh"]);
        assert!(!out.status.success(), "{says}");
        assert!(stderr(&out).contains(says), "{says}: {}", stderr(&out));
        assert!(stderr(&out).contains("[org] source"), "{}", stderr(&out));
        assert_eq!(
            listed(&dev).len(),
            seeded.accounts.len(),
            "the cache is kept"
        );
    }
    let big = std::fs::File::create(&broken).unwrap();
    big.set_len(33 << 20).unwrap();
    let out = dev.run(&["refresh"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("larger than 32 MB"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        listed(&dev).len(),
        seeded.accounts.len(),
        "the cache is kept"
    );
}
