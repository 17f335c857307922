//! `eks kubeconfig` against accounts whose names lie: a member account renamed after a
//! production one (its administrator may rename it) takes no production context, an old
//! context is never repointed to another account without --force, and a name's escape
//! sequences never reach the terminal through `kubectl config get-contexts`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

use std::path::Path;
use std::process::Command;

use crate::common::{AwsnavCmd, stderr, stdout};
use crate::containers::{account, create_cluster, setup};

const ROLE: [&str; 4] = [
    "--role",
    "OrganizationAccountAccessRole",
    "--mfa-code",
    "123456",
];

static EMAILS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A new account named `name` in the `Dev` OU: moto has no rename, and to awsnav an account
/// renamed and one created with that name are the same.
async fn account_named(moto: &crate::common::Moto, name: &str) -> String {
    let org = aws_sdk_organizations::Client::new(&moto.sdk().await);
    let root = org.list_roots().send().await.unwrap().roots()[0]
        .id()
        .unwrap()
        .to_owned();
    let ous = org
        .list_organizational_units_for_parent()
        .parent_id(&root)
        .send()
        .await
        .unwrap();
    let dev = ous
        .organizational_units()
        .iter()
        .find(|o| o.name() == Some("Dev"))
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    let created = org
        .create_account()
        .email(format!(
            "renamed-{}@example.test",
            EMAILS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ))
        .account_name(name)
        .send()
        .await
        .unwrap();
    let id = created
        .create_account_status()
        .unwrap()
        .account_id()
        .unwrap()
        .to_owned();
    org.move_account()
        .account_id(&id)
        .source_parent_id(&root)
        .destination_parent_id(&dev)
        .send()
        .await
        .unwrap();
    id
}

/// Each context of `kube` as `kubectl config view` reads it: its name, its cluster and the
/// account its user's `awsnav eks token` is for.
fn contexts(kube: &Path) -> Vec<(String, String, String)> {
    let view = Command::new("kubectl")
        .args(["config", "view", "-o", "json", "--kubeconfig"])
        .arg(kube)
        .output()
        .expect("kubectl (Debian kubernetes-client) is needed");
    assert!(view.status.success(), "{}", stderr(&view));
    let config: serde_json::Value = serde_json::from_slice(&view.stdout).unwrap();
    let users = config["users"].as_array().unwrap();
    let mut found: Vec<_> = config["contexts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let user = users
                .iter()
                .find(|u| u["name"] == c["context"]["user"])
                .unwrap();
            let args = user["user"]["exec"]["args"].as_array().unwrap();
            // The account is the one word that is not an option or an option's value.
            let account = args
                .iter()
                .map(|a| a.as_str().unwrap())
                .find(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
                .unwrap();
            (
                c["name"].as_str().unwrap().to_owned(),
                c["context"]["cluster"].as_str().unwrap().to_owned(),
                account.to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

fn sorted<const N: usize>(mut v: [(String, String, String); N]) -> Vec<(String, String, String)> {
    v.sort();
    v.to_vec()
}

fn kubeconfig(awsnav: &AwsnavCmd, select: &[&str], more: &[&str]) -> std::process::Output {
    let mut args = vec!["eks", "kubeconfig"];
    args.extend(select);
    args.extend(ROLE);
    args.extend(more);
    awsnav.run(&args)
}

#[tokio::test]
async fn an_account_renamed_after_a_production_one_takes_none_of_its_contexts() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (mut awsnav, _proxy, seeded) = setup(moto).await;
    let (prod, prod_name) = account(&seeded, true, 0);
    create_cluster(moto, &prod, "main").await;
    let kube = awsnav.path("kube/config");
    std::fs::create_dir_all(kube.parent().unwrap()).unwrap();
    awsnav.set("KUBECONFIG", &kube.display().to_string());
    let cluster_of = |id: &str| format!("arn:aws:eks:us-east-1:{id}:cluster/main");
    assert!(awsnav.run(&["refresh"]).status.success());

    // The production context, written while the name was the production account's alone.
    let out = kubeconfig(&awsnav, &[&prod], &["--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bare = format!("{prod_name}/main");
    assert_eq!(
        contexts(&kube),
        [(bare.clone(), cluster_of(&prod), prod.clone())]
    );

    // A member account's administrator names it as the production one, with a cluster
    // of the same name.
    let impostor = account_named(moto, &prod_name).await;
    create_cluster(moto, &impostor, "main").await;
    assert!(awsnav.run(&["refresh"]).status.success());

    // The impostor alone: the inventory knows the name is shared.
    let out = kubeconfig(&awsnav, &[&impostor], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(
        said.contains(&format!("would all go by `{prod_name}`"))
            && said.contains(&prod)
            && said.contains(&impostor),
        "{said}"
    );
    let impostors = format!("{prod_name} ({impostor})/main");
    assert_eq!(stdout(&out).trim(), impostors);
    assert_eq!(
        contexts(&kube),
        sorted([
            (bare.clone(), cluster_of(&prod), prod.clone()),
            (impostors.clone(), cluster_of(&impostor), impostor.clone()),
        ]),
        "the production context still points to production"
    );

    // Both, as an OU is written: neither takes the bare name, nothing moves to `@region`.
    let out = kubeconfig(&awsnav, &["--each", "ou:Dev"], &["--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("would all go by"), "{}", stderr(&out));
    let prods = format!("{prod_name} ({prod})/main");
    assert_eq!(
        contexts(&kube),
        sorted([
            (bare.clone(), cluster_of(&prod), prod.clone()),
            (prods.clone(), cluster_of(&prod), prod.clone()),
            (impostors.clone(), cluster_of(&impostor), impostor.clone()),
        ])
    );
    let printed = stdout(&out);
    assert!(
        printed.contains(&format!("{prods}  [PRODUCTION]")),
        "{printed}"
    );
    assert!(!printed.contains('@'), "{printed}");

    // The production account was once named `decoy` (its context is still so named), and
    // that name was then taken by a member account.
    let renamed = Command::new("kubectl")
        .args([
            "config",
            "rename-context",
            &bare,
            "decoy/main",
            "--kubeconfig",
        ])
        .arg(&kube)
        .output()
        .unwrap();
    assert!(renamed.status.success(), "{}", stderr(&renamed));
    let decoy = account_named(moto, "decoy").await;
    create_cluster(moto, &decoy, "main").await;
    assert!(awsnav.run(&["refresh"]).status.success());
    let before = std::fs::read(&kube).unwrap();
    let out = kubeconfig(&awsnav, &[&decoy], &[]);
    assert!(!out.status.success(), "repointed without --force");
    let said = stderr(&out);
    assert!(
        said.contains(&format!(
            "context `decoy/main` points to account {prod} (cluster {}), not account {decoy}",
            cluster_of(&prod)
        )) && said.contains("--force"),
        "{said}"
    );
    assert_eq!(
        std::fs::read(&kube).unwrap(),
        before,
        "the file is unchanged"
    );

    let out = kubeconfig(&awsnav, &[&decoy], &["--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("repointed (--force): context `decoy/main`"),
        "{}",
        stderr(&out)
    );
    let now = contexts(&kube);
    assert!(
        now.contains(&("decoy/main".to_owned(), cluster_of(&decoy), decoy.clone())),
        "{now:?}"
    );
}

#[tokio::test]
async fn escape_sequences_in_an_account_name_never_reach_kubectls_output() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (mut awsnav, _proxy, _seeded) = setup(moto).await;
    let name = "esc\x1b]2;owned\x07\x1b]52;c;b3duZWQ=\x07\x1b[2J\u{9b}31m\u{202e}\u{200b}red\nx";
    let id = account_named(moto, name).await;
    create_cluster(moto, &id, "main").await;
    let kube = awsnav.path("kube/config");
    std::fs::create_dir_all(kube.parent().unwrap()).unwrap();
    awsnav.set("KUBECONFIG", &kube.display().to_string());
    assert!(awsnav.run(&["refresh"]).status.success());

    let out = kubeconfig(&awsnav, &[&id], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = "esc_]2;owned__]52;c;b3duZWQ=__[2J_31mred x/main";
    assert_eq!(stdout(&out).trim(), expected);
    for text in [stdout(&out), stderr(&out)] {
        assert!(
            !text.contains(['\x1b', '\x07', '\u{9b}', '\u{202e}']),
            "{text:?}"
        );
    }
    let file = std::fs::read_to_string(&kube).unwrap();
    assert!(!file.contains(['\x1b', '\x07', '\u{9b}', '\u{202e}', '\u{200b}']));

    for args in [
        &["config", "get-contexts"][..],
        &["config", "get-contexts", "-o", "name"],
    ] {
        let got = Command::new("kubectl")
            .args(args)
            .arg("--kubeconfig")
            .arg(&kube)
            .output()
            .unwrap();
        assert!(got.status.success(), "{}", stderr(&got));
        assert!(!got.stdout.contains(&0x1b), "{:?}", stdout(&got));
        let shown = stdout(&got);
        assert!(
            !shown.contains(['\x07', '\u{9b}', '\u{202e}', '\u{200b}']),
            "{shown:?}"
        );
        assert!(shown.contains(expected), "{shown}");
    }
    assert_eq!(
        contexts(&kube),
        [(
            expected.to_owned(),
            format!("arn:aws:eks:us-east-1:{id}:cluster/main"),
            id
        )]
    );
}
