//! Several organizations (`[[org]]`), each behind its own moto server: one tree, each read,
//! cached and entered with its own identity, one that fails never holding the others back.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

use std::collections::BTreeSet;

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
    std::fs::write(
        awsnav.path(".aws/config"),
        format!(
            "[profile corp]\nregion = us-east-1\nendpoint_url = {corp}\n\n[profile lab]\nregion = us-east-1\nendpoint_url = {lab}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        awsnav.path(".aws/credentials"),
        "[corp]\naws_access_key_id = testing\naws_secret_access_key = testing\n\n[lab]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
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
