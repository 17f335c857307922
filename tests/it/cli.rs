//! The awsnav binary as scripts use it: list, refresh, config; against moto.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{AwsnavCmd, OuSpec, stderr, stdout};
use serde_json::Value;

fn small_tree() -> Vec<OuSpec> {
    vec![
        OuSpec::new(
            "Workloads",
            1,
            vec![OuSpec::new(
                "Prod",
                2,
                vec![OuSpec::new("Payments", 3, vec![])],
            )],
        ),
        OuSpec::new("Security", 2, vec![]),
    ]
}

#[tokio::test]
async fn list_json_matches_the_seeded_org_field_by_field() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let seeded = crate::common::seed_org(&moto.sdk().await, &small_tree(), 1).await;
    let awsnav = AwsnavCmd::new().against(&moto.url);

    let out = awsnav.run(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("synced 10 accounts in 4 OUs"),
        "{}",
        stderr(&out)
    );
    let list: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), seeded.accounts.len());
    let names: Vec<&str> = list.iter().map(|a| a["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted, "sorted by name");
    for a in list {
        let expected = &seeded.accounts[a["id"].as_str().unwrap()];
        assert_eq!(a["name"], expected.name.as_str());
        assert_eq!(a["email"], expected.email.as_str());
        assert_eq!(a["status"], "ACTIVE");
        let path: Vec<&str> = a["ou_path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert_eq!(path, expected.ou_path);
        let tags: std::collections::BTreeMap<String, String> =
            serde_json::from_value(a["tags"].clone()).unwrap();
        assert_eq!(tags, expected.tags);
        // Default role rules: OrganizationAccountAccessRole everywhere.
        assert_eq!(
            a["roles"],
            serde_json::json!(["OrganizationAccountAccessRole"])
        );
        // Default production rules: an env tag of prod, or "prod" as a word of a name.
        let production = expected.tags.get("env").is_some_and(|e| e == "prod")
            || expected.ou_path.iter().any(|o| o == "Prod")
            || expected.name.split('-').any(|w| w == "prod");
        assert_eq!(a["production"], production, "{}", expected.name);
        assert!(a["cost"].is_null());
        assert!(a["joined"].as_str().unwrap().ends_with('Z'));
    }
    let payments = list
        .iter()
        .find(|a| a["name"] == "workloads-prod-payments-00")
        .unwrap();
    assert_eq!(
        payments["ou_path"],
        serde_json::json!(["Workloads", "Prod", "Payments"])
    );
}

#[tokio::test]
async fn cache_round_trip_and_corrupt_cache_recovery() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    crate::common::seed_org(&moto.sdk().await, &small_tree(), 0).await;
    let awsnav = AwsnavCmd::new().against(&moto.url);

    let out = awsnav.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let cache = awsnav.path("awsnav/cache/inventory-default-chain.bin");
    assert!(cache.exists());
    let first = stdout(&awsnav.run(&["list", "--json"]));

    // With AWS gone, list still answers from the cache: no request is needed.
    moto.reset();
    let out = awsnav.run(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), first);
    assert!(
        !stderr(&out).contains("synced"),
        "no sync: {}",
        stderr(&out)
    );

    // A corrupt cache is reported, ignored and rebuilt from AWS.
    crate::common::seed_org(&moto.sdk().await, &small_tree()[..1], 0).await;
    std::fs::write(&cache, b"{\"format\": 1, \"inventory\": {\"org\": tru").unwrap();
    let out = awsnav.run(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("is corrupt"), "{}", stderr(&out));
    assert!(stderr(&out).contains("will be rebuilt"), "{}", stderr(&out));
    let rebuilt: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(rebuilt.as_array().unwrap().len(), 1 + 6);
    assert_eq!(crate::common::cache_format(&cache), 2);

    // A cache from another format version is rebuilt too.
    std::fs::write(&cache, b"{\"format\": 99, \"inventory\": null}").unwrap();
    let out = awsnav.run(&["list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("format 99"), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("ID"), "{}", stdout(&out));
}

#[cfg(unix)]
#[tokio::test]
async fn cache_dir_is_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let (_lock, moto) = crate::common::exclusive_moto().await;
    crate::common::seed_org(&moto.sdk().await, &small_tree(), 0).await;
    let awsnav = AwsnavCmd::new().against(&moto.url);
    assert!(awsnav.run(&["refresh"]).status.success());
    let dir = awsnav.path("awsnav/cache");
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
}

#[tokio::test]
async fn no_organization_message_and_exit_code() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let awsnav = AwsnavCmd::new().against(&moto.url);
    let out = awsnav.run(&["list"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("AWS Organizations is not enabled"), "{err}");
    assert!(err.contains("[org] profile"), "{err}");
    assert!(stdout(&out).is_empty());
}

#[test]
fn no_credentials_message() {
    let mut awsnav = AwsnavCmd::new().against("http://127.0.0.1:9");
    awsnav.unset("AWS_ACCESS_KEY_ID");
    awsnav.unset("AWS_SECRET_ACCESS_KEY");
    let out = awsnav.run(&["list"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("no AWS credentials found"), "{err}");
    assert!(err.contains("awsnav login"), "{err}");
}

#[test]
fn missing_profile_names_the_available_ones() {
    let awsnav = AwsnavCmd::new().against("http://127.0.0.1:9");
    std::fs::write(
        awsnav.path(".aws/config"),
        "[default]\nregion = us-east-1\n[profile mgmt]\nregion = eu-west-1\n",
    )
    .unwrap();
    let out = awsnav.run(&["list", "--profile", "mgnt"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("profile `mgnt` not found"), "{err}");
    assert!(err.contains("default, mgmt"), "{err}");
}

#[test]
fn demo_list_needs_no_aws() {
    let awsnav = AwsnavCmd::new();
    let out = awsnav.run(&["list", "--demo", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(list.as_array().unwrap().len() >= 70);
    let table = stdout(&awsnav.run(&["list", "--demo"]));
    assert!(table.contains("log-archive"));
    assert!(table.contains("SUSPENDED"));
}

#[test]
fn bad_config_names_file_line_and_fix() {
    let awsnav = AwsnavCmd::new();
    let path = awsnav.path("awsnav/config.toml");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "[org]\nprofile = \"mgmt\"\nconcurency = 4\n").unwrap();
    let out = awsnav.run(&["list", "--demo"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains(&format!("{}:3:1", path.display())), "{err}");
    assert!(err.contains("unknown field `concurency`"), "{err}");
    assert!(err.contains("fix:"), "{err}");
    // The default config is still printable to fix things with.
    let out = awsnav.run(&["config", "default"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("[org]"));
}

#[test]
fn config_show_reports_paths() {
    let awsnav = AwsnavCmd::new();
    let out = awsnav.run(&["config", "show"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&awsnav.path("awsnav/cache").display().to_string()),
        "{text}"
    );
    assert!(text.contains("(standard credential chain)"), "{text}");
}

#[test]
fn the_navigator_without_a_terminal_says_what_to_use() {
    let awsnav = AwsnavCmd::new();
    let out = awsnav.run(&["--demo"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("needs a terminal") && err.contains("awsnav list --json"),
        "{err}"
    );
}

#[tokio::test]
async fn a_partial_sync_says_so_and_never_replaces_a_complete_cache() {
    use crate::common::fault::{FaultServer, Response};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let (_lock, moto) = crate::common::exclusive_moto().await;
    let seeded = crate::common::seed_org(&moto.sdk().await, &small_tree(), 1).await;
    let victim = seeded.accounts.keys().last().unwrap().clone();
    let refuse = Arc::new(AtomicBool::new(false));
    let forward = crate::common::fault::proxy(&moto.url);
    let (flag, target) = (refuse.clone(), victim.clone());
    let server = FaultServer::start(move |req, n| {
        if flag.load(Ordering::SeqCst)
            && req.operation() == "ListTagsForResource"
            && req.json()["ResourceId"] == target.as_str()
        {
            return Response::aws_error(400, "TooManyRequestsException", "Rate exceeded");
        }
        forward(req, n)
    });
    let mut awsnav = AwsnavCmd::new().against(&server.url);
    awsnav.set("AWS_MAX_ATTEMPTS", "2");
    let cache = awsnav.path("awsnav/cache/inventory-default-chain.bin");

    let out = awsnav.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let complete = std::fs::read(&cache).unwrap();

    // AWS keeps refusing one request: the result is partial, named, and the cache is kept.
    refuse.store(true, Ordering::SeqCst);
    let out = awsnav.run(&["refresh"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("partial sync: 1 request kept failing"),
        "{err}"
    );
    assert!(
        err.contains(&format!("organizations:ListTagsForResource for {victim}")),
        "{err}"
    );
    assert!(err.contains("AWS kept throttling"), "{err}");
    assert!(err.contains("complete inventory cached"), "{err}");
    assert_eq!(std::fs::read(&cache).unwrap(), complete, "cache untouched");

    // The cache still answers, complete.
    let out = awsnav.run(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(list.as_array().unwrap().len(), seeded.accounts.len());

    // With nothing better to keep, the partial result is cached, marked, and says so later.
    std::fs::remove_file(&cache).unwrap();
    let out = awsnav.run(&["list", "--json", "--refresh"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let list: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(list.as_array().unwrap().len(), seeded.accounts.len());
    let out = awsnav.run(&["list"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the cached inventory is incomplete: partial sync"),
        "{}",
        stderr(&out)
    );
    // A complete sync clears it.
    refuse.store(false, Ordering::SeqCst);
    let out = awsnav.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = awsnav.run(&["list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("incomplete"), "{}", stderr(&out));
}
