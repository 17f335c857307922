//! Guardrails: the organization's policies as moto keeps them (its AWS-managed `FullAWSAccess` on
//! the root, every OU and every account, and the SCPs and tag policy attached here), read
//! lazily through a counting proxy, or at every refresh with `[org] policies = "sync"`; an
//! access denied and throttling through the fault server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::fault::{FaultServer, Response};
use crate::common::{AwsnavCmd, OuSpec, SeededOrg, stderr, stdout};
use aws_sdk_organizations::types::PolicyType;
use serde_json::Value;

const SCP: &str = "SERVICE_CONTROL_POLICY";
const LIST: &str = "ListPoliciesForTarget";

/// The seeded organization, and who is where.
struct Org {
    seeded: SeededOrg,
    /// In Workloads / Prod / Payments, with an SCP of its own.
    deep: String,
    /// In Sandbox.
    sandbox: String,
    /// The management account, under the root.
    management: String,
    ous: std::collections::BTreeMap<String, String>,
}

/// Workloads (1) → Prod (1) → Payments (2), and Sandbox (1); SCP and tag policies enabled;
/// `DenyLeave` on the root, `ProdLock` on Workloads / Prod, `NoIamUsers` on one Payments
/// account, the tag policy `CostCenter` on Workloads.
async fn seed(moto: &crate::common::Moto) -> Org {
    let sdk = moto.sdk().await;
    let tree = [
        OuSpec::new(
            "Workloads",
            1,
            vec![OuSpec::new(
                "Prod",
                1,
                vec![OuSpec::new("Payments", 2, vec![])],
            )],
        ),
        OuSpec::new("Sandbox", 1, vec![]),
    ];
    let seeded = crate::common::seed_org(&sdk, &tree, 0).await;
    let org = aws_sdk_organizations::Client::new(&sdk);
    for kind in [SCP, "TAG_POLICY"] {
        org.enable_policy_type()
            .root_id(&seeded.root_id)
            .policy_type(PolicyType::from(kind))
            .send()
            .await
            .unwrap();
    }
    let ous = ou_paths(&org, &seeded.root_id).await;
    let by_path = |path: &[&str]| {
        seeded
            .accounts
            .iter()
            .find(|(_, a)| a.ou_path == path)
            .map(|(id, _)| id.clone())
            .unwrap()
    };
    let deep = by_path(&["Workloads", "Prod", "Payments"]);
    let sandbox = by_path(&["Sandbox"]);
    let management = by_path(&[]);
    let deny = |action: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"{action}","Resource":"*"}}]}}"#
        )
    };
    for (name, kind, content, target) in [
        (
            "DenyLeave",
            SCP,
            deny("organizations:LeaveOrganization"),
            seeded.root_id.clone(),
        ),
        (
            "ProdLock",
            SCP,
            deny("cloudtrail:StopLogging"),
            ous["Workloads / Prod"].clone(),
        ),
        ("NoIamUsers", SCP, deny("iam:CreateUser"), deep.clone()),
        (
            "CostCenter",
            "TAG_POLICY",
            r#"{"tags":{"team":{"tag_key":{"@@assign":"team"}}}}"#.to_owned(),
            ous["Workloads"].clone(),
        ),
    ] {
        crate::common::attach_new_policy(&org, name, kind, &content, &target).await;
    }
    Org {
        seeded,
        deep,
        sandbox,
        management,
        ous,
    }
}

/// Every OU's path ("Workloads / Prod") → id.
async fn ou_paths(
    org: &aws_sdk_organizations::Client,
    root: &str,
) -> std::collections::BTreeMap<String, String> {
    let mut ous = std::collections::BTreeMap::new();
    let mut stack = vec![(root.to_owned(), String::new())];
    while let Some((parent, path)) = stack.pop() {
        let children = org
            .list_organizational_units_for_parent()
            .parent_id(&parent)
            .send()
            .await
            .unwrap();
        for ou in children.organizational_units() {
            let p = if path.is_empty() {
                ou.name().unwrap().to_owned()
            } else {
                format!("{path} / {}", ou.name().unwrap())
            };
            ous.insert(p.clone(), ou.id().unwrap().to_owned());
            stack.push((ou.id().unwrap().to_owned(), p));
        }
    }
    ous
}

fn write_config(awsnav: &AwsnavCmd, text: &str) {
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(awsnav.path("awsnav/config.toml"), text).unwrap();
}

fn json(awsnav: &AwsnavCmd, args: &[&str]) -> Value {
    let out = awsnav.run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// (name, attached at) of each row, in order.
fn rows(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["attached_at"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

fn by_id<'a>(list: &'a Value, id: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap()
}

#[tokio::test]
async fn lazy_reading_asks_only_for_what_is_shown_once_and_shows_where_each_policy_is_attached() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let org = seed(moto).await;
    let proxy = FaultServer::start(crate::common::fault::proxy(&moto.url));
    let awsnav = AwsnavCmd::new().against(&proxy.url);

    let out = awsnav.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(proxy.count(LIST), 0, "lazy: a refresh reads no policy");

    // The deep account: its chain is the root, three OUs and itself, two types each.
    let deep = json(&awsnav, &["policies", &org.deep, "--json"]);
    assert_eq!(
        proxy.count(LIST),
        5 * 2,
        "one request per target and enabled type"
    );
    assert_eq!(
        rows(&deep),
        pairs(&[
            ("FullAWSAccess", "root"),
            ("DenyLeave", "root"),
            ("FullAWSAccess", "Workloads"),
            ("FullAWSAccess", "Workloads / Prod"),
            ("ProdLock", "Workloads / Prod"),
            ("FullAWSAccess", "Workloads / Prod / Payments"),
            ("FullAWSAccess", "this account"),
            ("NoIamUsers", "this account"),
            ("CostCenter", "Workloads"),
        ])
    );
    let first = &deep[0];
    assert_eq!(first["type"], SCP);
    assert_eq!(first["attached_to"], org.seeded.root_id.as_str());
    assert_eq!(first["aws_managed"], true);
    let tag = &deep[8];
    assert_eq!(tag["type"], "TAG_POLICY");
    assert_eq!(tag["attached_to"], org.ous["Workloads"].as_str());
    assert_eq!(tag["description"], "CostCenter, made by the test");

    // A second look asks nothing; a sibling in Sandbox asks only for Sandbox and itself.
    let again = json(&awsnav, &["policies", &org.deep, "--json"]);
    assert_eq!(again, deep);
    assert_eq!(proxy.count(LIST), 10);
    let sandbox = json(&awsnav, &["policies", &org.sandbox, "--json"]);
    assert_eq!(proxy.count(LIST), 10 + 2 * 2);
    assert_eq!(
        rows(&sandbox),
        pairs(&[
            ("FullAWSAccess", "root"),
            ("DenyLeave", "root"),
            ("FullAWSAccess", "Sandbox"),
            ("FullAWSAccess", "this account"),
        ])
    );
    // An OU shows what its accounts inherit from it; --type filters.
    let prod = json(
        &awsnav,
        &["policies", "Workloads/Prod", "--type", "scp", "--json"],
    );
    assert_eq!(
        rows(&prod),
        pairs(&[
            ("FullAWSAccess", "root"),
            ("DenyLeave", "root"),
            ("FullAWSAccess", "Workloads"),
            ("FullAWSAccess", "this OU"),
            ("ProdLock", "this OU"),
        ])
    );
    assert_eq!(proxy.count(LIST), 14, "known from the deep account's chain");

    list_json_has_what_is_known(&awsnav, &org, &proxy);
    documents_are_read_when_opened(&awsnav, &org, &proxy);
    table_says_what_is_not_enabled(&awsnav, &org);
}

fn list_json_has_what_is_known(awsnav: &AwsnavCmd, org: &Org, proxy: &FaultServer) {
    let organizations = || {
        proxy
            .requests()
            .iter()
            .filter(|r| r.operation().contains("Polic") || r.operation() == "ListRoots")
            .count()
    };
    let before = organizations();
    let list = json(awsnav, &["list", "--json"]);
    let deep = &by_id(&list, &org.deep)["policies"];
    let names: Vec<(&str, &str)> = deep
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["attached_to"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(names.len(), 9);
    assert_eq!(names[4], ("ProdLock", org.ous["Workloads / Prod"].as_str()));
    assert_eq!(
        deep[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["attached_to", "id", "name", "type"],
        "list --json carries the short record"
    );
    assert!(by_id(&list, &org.sandbox)["policies"].is_array());
    assert_eq!(
        by_id(&list, &org.management)["policies"],
        Value::Null,
        "not read yet: null, not an empty list"
    );
    assert_eq!(organizations(), before, "list --json reads no policy");
}

fn documents_are_read_when_opened(awsnav: &AwsnavCmd, org: &Org, proxy: &FaultServer) {
    let doc = json(
        awsnav,
        &["policies", &org.deep, "--show", "ProdLock", "--json"],
    );
    assert_eq!(proxy.count("DescribePolicy"), 1);
    assert_eq!(doc["name"], "ProdLock");
    assert_eq!(
        doc["content"]["Statement"][0]["Action"],
        "cloudtrail:StopLogging"
    );
    let targets: Vec<&str> = doc["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(targets, [org.ous["Workloads / Prod"].as_str()]);
    // As written: the statement's keys keep their order (Effect, Action, Resource).
    let out = awsnav.run(&["policies", &org.deep, "--show", "ProdLock", "--json"]);
    let raw = stdout(&out);
    let (effect, action) = (
        raw.find("\"Effect\"").unwrap(),
        raw.find("\"Action\"").unwrap(),
    );
    assert!(effect < action, "{raw}");
    assert!(raw.trim_start().starts_with("{\n  \"id\""), "{raw}");
    let out = awsnav.run(&["policies", &org.deep, "--show", "ProdLock"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("ProdLock (p-"), "{text}");
    assert!(
        text.contains("\"Effect\": \"Deny\""),
        "pretty-printed: {text}"
    );
    assert_eq!(proxy.count("DescribePolicy"), 1, "kept with the inventory");
    let out = awsnav.run(&["policies", &org.sandbox, "--show", "ProdLock"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no policy `ProdLock` applies to account"),
        "{}",
        stderr(&out)
    );
}

fn table_says_what_is_not_enabled(awsnav: &AwsnavCmd, org: &Org) {
    let out = awsnav.run(&["policies", &org.sandbox]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("ATTACHED AT"), "{text}");
    assert!(
        text.contains("not enabled in the organization: RCP, backup, AI opt-out"),
        "{text}"
    );
    let out = awsnav.run(&["policies", &org.sandbox, "--json"]);
    assert!(
        stderr(&out).contains("not enabled in the organization: RCP"),
        "--json says it on stderr: {}",
        stderr(&out)
    );
    let out = awsnav.run(&["policies", &org.sandbox, "--type", "rcp"]);
    assert!(
        stderr(&out).contains("RCP policies are not enabled in this organization"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn sync_reads_every_target_once_per_enabled_type() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let org = seed(moto).await;
    let proxy = FaultServer::start(crate::common::fault::proxy(&moto.url));
    let awsnav = AwsnavCmd::new().against(&proxy.url);
    write_config(&awsnav, "[org]\npolicies = \"sync\"\n");
    let out = awsnav.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let targets = 1 + org.seeded.ous + org.seeded.accounts.len();
    assert_eq!(proxy.count(LIST), targets * 2);
    let list = json(&awsnav, &["list", "--json"]);
    for account in list.as_array().unwrap() {
        assert!(account["policies"].is_array(), "{account}");
    }
    assert_eq!(
        by_id(&list, &org.deep)["policies"]
            .as_array()
            .unwrap()
            .len(),
        9
    );
    let before = proxy.requests().len();
    let _ = json(&awsnav, &["policies", &org.management, "--json"]);
    assert_eq!(proxy.requests().len(), before, "all known from the refresh");

    // "off": nothing read, and `policies` says so.
    write_config(&awsnav, "[org]\npolicies = \"off\"\n");
    let out = awsnav.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(proxy.count(LIST), targets * 2);
    let out = awsnav.run(&["policies", &org.deep]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("[org] policies = \"off\""),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn access_denied_is_a_note_and_throttling_is_retried_or_a_gap() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let org = seed(moto).await;
    let forward = crate::common::fault::proxy(&moto.url);
    let proxy = FaultServer::start(move |req, n| {
        if req.operation() == LIST {
            return Response::aws_error(
                400,
                "AccessDeniedException",
                "You don't have permissions to access this resource.",
            );
        }
        forward(req, n)
    });
    let awsnav = AwsnavCmd::new().against(&proxy.url);
    let out = awsnav.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = awsnav.run(&["policies", &org.deep]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("management account or a delegated administrator"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    // The rest works, and the denial is remembered: no request is sent for it again.
    let asked = proxy.count(LIST);
    let list = json(&awsnav, &["list", "--json"]);
    assert_eq!(by_id(&list, &org.deep)["policies"], Value::Null);
    let _ = awsnav.run(&["policies", &org.sandbox]);
    assert_eq!(proxy.count(LIST), asked);

    // Throttled a few times: retried, and the answer is whole.
    let forward = crate::common::fault::proxy(&moto.url);
    let throttled = std::sync::atomic::AtomicUsize::new(0);
    let proxy = FaultServer::start(move |req, n| {
        if req.operation() == LIST
            && throttled.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 3
        {
            return Response::aws_error(
                400,
                "TooManyRequestsException",
                "AWS Organizations can't complete your request because another request is already in progress. Try again later.",
            );
        }
        forward(req, n)
    });
    let awsnav = AwsnavCmd::new().against(&proxy.url);
    assert!(awsnav.run(&["refresh"]).status.success());
    let deep = json(&awsnav, &["policies", &org.deep, "--json"]);
    assert_eq!(deep.as_array().unwrap().len(), 9);
    assert_eq!(proxy.count(LIST), 10 + 3, "three throttled answers retried");

    // Throttled for good: the read fails, names the request, and nothing is kept.
    let forward = crate::common::fault::proxy(&moto.url);
    let proxy = FaultServer::start(move |req, n| {
        if req.operation() == LIST {
            return Response::aws_error(400, "TooManyRequestsException", "Rate exceeded");
        }
        forward(req, n)
    });
    let mut awsnav = AwsnavCmd::new().against(&proxy.url);
    awsnav.set("AWS_MAX_ATTEMPTS", "2");
    assert!(awsnav.run(&["refresh"]).status.success());
    let out = awsnav.run(&["policies", &org.sandbox]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("could not all be read"),
        "{}",
        stderr(&out)
    );
    let list = json(&awsnav, &["list", "--json"]);
    assert_eq!(by_id(&list, &org.sandbox)["policies"], Value::Null);
}
