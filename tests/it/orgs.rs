//! Several organizations (`[[org]]`), each behind its own moto server: one tree, each read,
//! cached and entered with its own identity, one that fails never holding the others back.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::common::fault::FaultServer;
use crate::common::{AwsnavCmd, OuSpec, stderr, stdout};
use serde_json::Value;

/// awsnav with profiles `corp` and `lab`, each pointing at its own server, and a config of
/// two organizations read with them.
fn two_orgs(corp: &str, lab: &str) -> AwsnavCmd {
    let awsnav = AwsnavCmd::new();
    write_profiles(&awsnav, corp, lab);
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        r#"
[auth]
mfa = "never"

[[org]]
name = "corp"
profile = "corp"

[[org]]
name = "lab"
profile = "lab"

[[production.rule]]
org = "lab"
ou = "Sandbox"
"#,
    )
    .unwrap();
    awsnav
}

fn write_profiles(awsnav: &AwsnavCmd, corp: &str, lab: &str) {
    crate::common::org_profiles(awsnav, &[("corp", corp), ("lab", lab)]);
}

fn listed(awsnav: &AwsnavCmd, args: &[&str]) -> Vec<Value> {
    let out = awsnav.run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_str::<Value>(&stdout(&out))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn ids_of<'a>(accounts: impl Iterator<Item = &'a Value>) -> BTreeSet<String> {
    accounts
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn two_organizations_are_one_tree_each_read_and_entered_with_its_own_identity() {
    let (_corp_lease, corp_moto) = crate::common::exclusive_moto().await;
    let (_lab_lease, lab_moto) = crate::common::exclusive_moto().await;
    let corp_seeded = crate::common::seed_org(
        &corp_moto.sdk().await,
        &[OuSpec::new(
            "Workloads",
            2,
            vec![OuSpec::new("Prod", 1, vec![])],
        )],
        0,
    )
    .await;
    let lab_seeded = crate::common::seed_org(
        &lab_moto.sdk().await,
        &[OuSpec::new("Sandbox", 3, vec![])],
        0,
    )
    .await;
    let corp = FaultServer::start(crate::common::fault::proxy(&corp_moto.url));
    let lab = FaultServer::start(crate::common::fault::proxy(&lab_moto.url));
    let awsnav = two_orgs(&corp.url, &lab.url);

    // 1. One refresh reads both, each through its own profile and server.
    let out = awsnav.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(said.contains("corp: synced"), "{said}");
    assert!(said.contains("lab: synced"), "{said}");
    assert!(corp.count("ListAccountsForParent") > 0);
    assert!(lab.count("ListAccountsForParent") > 0);

    // 2. list --json: every account once, with its organization and its OU path within it.
    let all = listed(&awsnav, &["list", "--json"]);
    // Both servers' management accounts are moto's one account id: listed by two
    // organizations, it is one account (the first's). The members' ids are their own.
    let members = |seeded: &crate::common::SeededOrg| -> BTreeSet<String> {
        seeded
            .accounts
            .iter()
            .filter(|(_, a)| !a.ou_path.is_empty())
            .map(|(id, _)| id.clone())
            .collect()
    };
    let (corp_ids, lab_ids) = (members(&corp_seeded), members(&lab_seeded));
    assert_eq!((corp_ids.len(), lab_ids.len()), (3, 3));
    let of = |org: &str| ids_of(all.iter().filter(|a| a["org"] == org));
    assert!(corp_ids.is_subset(&of("corp")), "{all:#?}");
    assert!(lab_ids.is_subset(&of("lab")), "{all:#?}");
    assert_eq!(
        all.len(),
        ids_of(all.iter()).len(),
        "no account twice: {all:#?}"
    );
    for a in &all {
        let id = a["id"].as_str().unwrap();
        if let Some(seeded) = corp_seeded
            .accounts
            .get(id)
            .or_else(|| lab_seeded.accounts.get(id))
        {
            assert_eq!(a["ou_path"], serde_json::json!(seeded.ou_path), "{a:#?}");
        }
        // `org = "lab"` in a production rule: lab's Sandbox is production.
        if a["org"] == "lab" && a["ou_path"] == serde_json::json!(["Sandbox"]) {
            assert_eq!(a["production"], true, "{a:#?}");
        }
    }
    // ...and it names no account of corp: corp's are as when corp is the only one.
    let corp_alone = listed(&awsnav, &["--org", "corp", "list", "--json"]);
    for a in corp_alone {
        let same = all.iter().find(|b| b["id"] == a["id"]).unwrap();
        assert_eq!(same["production"], a["production"], "{a:#?}");
    }

    // 3. org: selects one organization; --org acts as if it were the only one.
    let lab_only = listed(&awsnav, &["list", "--json", "--select", "org:lab"]);
    assert_eq!(ids_of(lab_only.iter()), lab_ids, "{lab_only:#?}");
    let alone = listed(&awsnav, &["--org", "lab", "list", "--json"]);
    let mut alone_ids = ids_of(alone.iter());
    assert!(
        alone_ids.remove("123456789012"),
        "lab's own management account"
    );
    assert_eq!(alone_ids, lab_ids);
    assert!(
        alone.iter().all(|a| a.get("org").is_none()),
        "one organization: no org field"
    );
    let out = awsnav.run(&["--org", "nope", "list"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no organization named `nope`") && stderr(&out).contains("corp, lab"),
        "{}",
        stderr(&out)
    );

    // 4. which names the organization.
    let lab_member = lab_ids.iter().next().unwrap().clone();
    let out = awsnav.run(&["which", &lab_member]);
    assert!(
        stdout(&out).contains("lab: Sandbox"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );

    // 5. Getting into a lab account goes through lab's identity and server, never corp's.
    let corp_before = corp.count("AssumeRole");
    let out = awsnav.run(&["env", &lab_member, "--format", "json", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let env: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(env["AWS_ACCESS_KEY_ID"].is_string(), "{env}");
    assert_eq!(lab.count("AssumeRole"), 1);
    assert_eq!(corp.count("AssumeRole"), corp_before);
    let corp_member = corp_ids.iter().next().unwrap().clone();
    let out = awsnav.run(&["env", &corp_member, "--format", "json", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(corp.count("AssumeRole"), corp_before + 1);
    assert_eq!(lab.count("AssumeRole"), 1);

    // 6. config generate: each profile says its organization, so two never collide; one
    //    source_profile for every organization is refused.
    let out = awsnav.run(&["config", "generate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let block = stdout(&out);
    let headers: Vec<&str> = block
        .lines()
        .filter(|l| l.starts_with("[profile "))
        .collect();
    assert!(
        headers
            .iter()
            .any(|h| h.starts_with("[profile lab.sandbox-00/"))
            && headers
                .iter()
                .any(|h| h.starts_with("[profile corp.workloads-00/")),
        "{block}"
    );
    assert!(
        headers
            .iter()
            .all(|h| h.starts_with("[profile corp.") || h.starts_with("[profile lab.")),
        "{block}"
    );
    let out = awsnav.run(&["config", "generate", "--style", "assume-role"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--org NAME"), "{}", stderr(&out));

    // 7. The organizations' caches are apart: each named after its organization.
    let cache = awsnav.path("awsnav/cache");
    let names: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().any(|n| n.starts_with("inventory-org-corp"))
            && names.iter().any(|n| n.starts_with("inventory-org-lab")),
        "{names:?}"
    );

    // 8. corp's server gone: lab is read, corp's accounts stay from its cache, and the exit
    //    code says the result is partial.
    let dead = format!("http://127.0.0.1:{}", crate::common::free_port());
    write_profiles(&awsnav, &dead, &lab.url);
    let lab_reads = lab.count("ListAccountsForParent");
    let out = awsnav.run(&["refresh"]);
    let said = stderr(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("organization corp was not read"), "{said}");
    assert!(said.contains("lab: synced"), "{said}");
    assert!(lab.count("ListAccountsForParent") > lab_reads);
    let after = listed(&awsnav, &["list", "--json"]);
    assert_eq!(ids_of(after.iter()), ids_of(all.iter()));
}

#[tokio::test]
async fn three_organizations_with_their_own_management_accounts_costs_and_fan_out() {
    let names = ["alpha", "beta", "gamma"];
    let payers = ["111111111111", "222222222222", "333333333333"];
    let mut motos = Vec::new();
    let mut seeded = Vec::new();
    for (n, payer) in payers.iter().enumerate() {
        let moto = crate::common::Moto::start_as(payer);
        let sdk = crate::common::sdk_for(&moto.url).await;
        let org =
            crate::common::seed_org(&sdk, &[OuSpec::new("Workloads", n + 1, vec![])], 0).await;
        motos.push(moto);
        seeded.push(org);
    }
    // One account of each organization costs something this month.
    let members: Vec<Vec<String>> = seeded
        .iter()
        .map(|s| {
            s.accounts
                .iter()
                .filter(|(_, a)| !a.ou_path.is_empty())
                .map(|(id, _)| id.clone())
                .collect()
        })
        .collect();
    for (n, moto) in motos.iter().enumerate() {
        crate::common::seed_cost(moto, payers[n], &members[n][0], &format!("{}00.5", n + 1));
    }
    let proxies: Vec<FaultServer> = motos
        .iter()
        .map(|m| FaultServer::start(crate::common::fault::proxy(&m.url)))
        .collect();
    let awsnav = AwsnavCmd::new();
    crate::common::org_profiles(
        &awsnav,
        &names
            .iter()
            .zip(&proxies)
            .map(|(n, p)| (*n, p.url.as_str()))
            .collect::<Vec<_>>(),
    );
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    let mut config = "[auth]\nmfa = \"never\"\n".to_owned();
    for name in names {
        let _ = write!(
            config,
            "\n[[org]]\nname = \"{name}\"\nprofile = \"{name}\"\n"
        );
    }
    std::fs::write(awsnav.path("awsnav/config.toml"), config).unwrap();

    // 1. Each organization's own management account, under it.
    let out = awsnav.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let all = listed(&awsnav, &["list", "--json"]);
    for (n, name) in names.iter().enumerate() {
        let mgmt = all.iter().find(|a| a["id"] == payers[n]).unwrap();
        assert_eq!(mgmt["org"], *name, "{mgmt:#?}");
        let mut expected: BTreeSet<String> = members[n].iter().cloned().collect();
        expected.insert(payers[n].to_owned());
        assert_eq!(ids_of(all.iter().filter(|a| a["org"] == *name)), expected);
    }

    // 2. Cost: read in each organization's management account, one request each, then kept.
    for (n, proxy) in proxies.iter().enumerate() {
        assert_eq!(proxy.count("GetCostAndUsage"), 1, "{}", names[n]);
        let costly = all
            .iter()
            .find(|a| a["id"] == members[n][0].as_str())
            .unwrap();
        let amount = costly["cost"]["month_to_date"].as_f64().unwrap();
        assert!(
            (amount - format!("{}00.5", n + 1).parse::<f64>().unwrap()).abs() < 1e-9,
            "{costly:#?}"
        );
    }
    let _ = listed(&awsnav, &["list", "--json"]);
    assert!(proxies.iter().all(|p| p.count("GetCostAndUsage") == 1));

    // 3. Fan-out over one organization: only its accounts, only through its server.
    let before: Vec<usize> = proxies.iter().map(|p| p.count("AssumeRole")).collect();
    let out = awsnav.run(&[
        "exec",
        "--each",
        "org:gamma",
        "--except",
        "account:333333333333",
        "--output",
        "json",
        "--yes",
        "--",
        "true",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let runs: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let ran: BTreeSet<String> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["account_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ran, members[2].iter().cloned().collect());
    assert_eq!(proxies[0].count("AssumeRole"), before[0]);
    assert_eq!(proxies[1].count("AssumeRole"), before[1]);
    assert_eq!(proxies[2].count("AssumeRole"), before[2] + members[2].len());

    // 4. status names each organization's identity.
    let out = awsnav.run(&["status", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let status: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let bases: Vec<(&str, &str)> = status
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "base")
        .map(|i| (i["org"].as_str().unwrap(), i["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        bases,
        [("alpha", "alpha"), ("beta", "beta"), ("gamma", "gamma")]
    );
}

#[tokio::test]
async fn the_navigator_shows_each_organization_its_failure_search_across_and_the_sign_ins() {
    use crate::common::fault::Response;
    use crate::common::tmux::Tmux;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let (_corp_lease, corp_moto) = crate::common::exclusive_moto().await;
    let (_lab_lease, lab_moto) = crate::common::exclusive_moto().await;
    crate::common::seed_org(
        &corp_moto.sdk().await,
        &[OuSpec::new("Workloads", 2, vec![])],
        0,
    )
    .await;
    crate::common::seed_org(
        &lab_moto.sdk().await,
        &[OuSpec::new("Sandbox", 3, vec![])],
        0,
    )
    .await;
    let corp = FaultServer::start(crate::common::fault::proxy(&corp_moto.url));
    // lab's server: forwards to its moto, or refuses Organizations once `down`.
    let down = Arc::new(AtomicBool::new(false));
    let lab = {
        let (down, forward) = (down.clone(), crate::common::fault::proxy(&lab_moto.url));
        FaultServer::start(move |req, n| {
            if down.load(Ordering::SeqCst) && req.operation().starts_with("List") {
                Response::aws_error(
                    400,
                    "AccessDeniedException",
                    "You don't have permissions to access this resource.",
                )
            } else {
                forward(req, n)
            }
        })
    };
    let awsnav = two_orgs(&corp.url, &lab.url);
    let tmux = Tmux::start(&awsnav.shell_command(&[]), 120, 32);

    // 1. One node per organization, with its account count and management account.
    tmux.wait_for(&["Organizations · 2", "corp  (", "lab  ("]);
    let screen = tmux.wait_for(&["synced just now"]);
    assert!(screen.contains("◆123456789012"), "{screen}");

    // 2. A search spans both, each hit's path starting with its organization.
    tmux.keys(&["/"]);
    tmux.literal("sandbox");
    let screen = tmux.wait_for(&["Search · 3 of"]);
    assert!(screen.contains("lab/Sandbox"), "{screen}");
    tmux.keys(&["Escape"]);
    tmux.wait_for(&["Organizations · 2"]);

    // 3. lab refuses: r on its node reads it alone; its cached subtree stays, marked, and a
    //    banner names it. corp is not read again.
    down.store(true, Ordering::SeqCst);
    let corp_reads = corp.count("ListAccountsForParent");
    // Down from the root to lab's node (the detail pane names it).
    for _ in 0..4 {
        if tmux.screen().contains("Organization lab") {
            break;
        }
        tmux.keys(&["j"]);
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    tmux.wait_for(&["Organization lab"]);
    tmux.keys(&["r"]);
    let screen = tmux.wait_for(&["⚠ not read", "not read: lab"]);
    // Its three members (the management account is moto's one id, corp's).
    assert!(
        screen.contains("lab  (3)"),
        "lab keeps its cached accounts:\n{screen}"
    );
    assert_eq!(
        corp.count("ListAccountsForParent"),
        corp_reads,
        "corp is not read again"
    );

    // 4. The sign-ins view lists each organization's identity.
    tmux.keys(&["Escape"]);
    tmux.keys(&["i"]);
    let screen = tmux.wait_for(&["corp: corp", "lab: lab"]);
    assert!(screen.contains("base identity"), "{screen}");
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
}

/// Two organizations, each with its own IAM Identity Center instance (one named by a profile,
/// one by its portal URL), behind one portal address that answers by the token as AWS's does.
/// An account both instances list is one account with the roles of both, and each role is
/// used through the instance that gives it.
#[tokio::test]
async fn two_identity_center_instances_each_give_their_roles() {
    use crate::common::portal::{Portal, PortalAccount, PortalSpec, write_token};
    let (_corp_lease, corp_moto) = crate::common::exclusive_moto().await;
    let (_lab_lease, lab_moto) = crate::common::exclusive_moto().await;
    let corp_seeded = crate::common::seed_org(
        &corp_moto.sdk().await,
        &[OuSpec::new("Workloads", 1, vec![])],
        0,
    )
    .await;
    let lab_seeded = crate::common::seed_org(
        &lab_moto.sdk().await,
        &[OuSpec::new("Sandbox", 1, vec![])],
        0,
    )
    .await;
    let member = |s: &crate::common::SeededOrg| {
        s.accounts
            .iter()
            .find(|(_, a)| !a.ou_path.is_empty())
            .map(|(id, a)| (id.clone(), a.name.clone()))
            .unwrap()
    };
    let (corp_id, corp_name) = member(&corp_seeded);
    let (lab_id, lab_name) = member(&lab_seeded);
    // lab's instance also gives a role in corp's account.
    let portal = Portal::start(PortalSpec {
        others: vec![(
            "lab-token".to_owned(),
            vec![
                PortalAccount::new(&lab_id, &lab_name, &["LabReader"]),
                PortalAccount::new(&corp_id, &corp_name, &["LabAuditor"]),
            ],
        )],
        ..PortalSpec::new(
            "corp-token",
            vec![PortalAccount::new(&corp_id, &corp_name, &["CorpAdmin"])],
        )
    });
    let corp = FaultServer::start(crate::common::fault::proxy(&corp_moto.url));
    let lab = FaultServer::start(crate::common::fault::proxy(&lab_moto.url));
    let mut awsnav = two_orgs(&corp.url, &lab.url);
    awsnav.set("AWS_ENDPOINT_URL_SSO", portal.url());
    let lab_start = "https://lab.awsapps.com/start";
    std::fs::write(
        awsnav.path(".aws/config"),
        format!(
            "[profile corp]\nregion = us-east-1\nendpoint_url = {}\n\n[profile lab]\nregion = us-east-1\nendpoint_url = {}\n\n\
             [profile corp-sso]\nsso_session = corp\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
            corp.url, lab.url
        ),
    )
    .unwrap();
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        format!(
            "[auth]\nmfa = \"never\"\n\n[[sso]]\nname = \"corp\"\nprofile = \"corp-sso\"\n\n\
             [[sso]]\nname = \"lab\"\nstart_url = \"{lab_start}\"\nregion = \"us-east-1\"\n\n\
             [[org]]\nname = \"corp\"\nprofile = \"corp\"\nsso = \"corp\"\n\n\
             [[org]]\nname = \"lab\"\nprofile = \"lab\"\nsso = \"lab\"\n"
        ),
    )
    .unwrap();
    let hour = time::Duration::hours(1);
    write_token(
        awsnav.home.path(),
        "corp",
        "https://corp.awsapps.com/start",
        "corp-token",
        hour,
    );
    write_token(awsnav.home.path(), lab_start, lab_start, "lab-token", hour);

    // 1. Each instance lists its accounts; corp's account is one, with the roles of both.
    let out = awsnav.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let all = listed(&awsnav, &["list", "--json", "--roles"]);
    let corp_account = all.iter().find(|a| a["id"] == corp_id.as_str()).unwrap();
    assert_eq!(corp_account["org"], "corp");
    assert_eq!(
        corp_account["sso_roles"],
        serde_json::json!(["CorpAdmin", "LabAuditor"]),
        "{corp_account:#?}"
    );
    let lab_account = all.iter().find(|a| a["id"] == lab_id.as_str()).unwrap();
    assert_eq!(lab_account["sso_roles"], serde_json::json!(["LabReader"]));
    assert_eq!(
        all.iter().filter(|a| a["id"] == corp_id.as_str()).count(),
        1,
        "one account"
    );

    // 2. Each role through the instance that gives it: its token.
    let credentials = |token: &str| {
        portal
            .requests_to("/federation/credentials")
            .iter()
            .filter(|r| r.header("x-amz-sso_bearer_token") == Some(token))
            .count()
    };
    for (account, role, token, other) in [
        (&corp_id, "CorpAdmin", "corp-token", "lab-token"),
        (&corp_id, "LabAuditor", "lab-token", "corp-token"),
        (&lab_id, "LabReader", "lab-token", "corp-token"),
    ] {
        let (before, other_before) = (credentials(token), credentials(other));
        let out = awsnav.run(&["env", account, "--role", role, "--format", "json", "--yes"]);
        assert!(out.status.success(), "{role}: {}", stderr(&out));
        assert_eq!(credentials(token), before + 1, "{role}");
        assert_eq!(credentials(other), other_before, "{role}");
    }

    // 3. status lists both instances, each with its organization.
    let out = awsnav.run(&["status", "--json"]);
    let status: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let instances: Vec<(&str, &str, bool)> = status
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "identity_center")
        .map(|i| {
            (
                i["org"].as_str().unwrap(),
                i["name"].as_str().unwrap(),
                i["signed_in"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        instances,
        [("corp", "corp-sso", true), ("lab", "lab", true)]
    );
}
