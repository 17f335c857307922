//! `awsnav exec --each`: one command across an OU, a tag or the whole organization, against
//! moto with the real AWS CLI as the command (through a counting proxy, and a fault where AWS
//! cannot be made to refuse).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use crate::common::fault::{FaultServer, Response};
use crate::common::{AwsnavCmd, OuSpec, SeededOrg, stderr, stdout};
use serde_json::Value;

fn tree() -> Vec<OuSpec> {
    vec![
        OuSpec::new(
            "Workloads",
            0,
            vec![
                OuSpec::new("Dev", 3, vec![]),
                OuSpec::new("Test", 2, vec![]),
            ],
        ),
        OuSpec::new("Sandbox", 2, vec![]),
    ]
}

/// Account ids by name.
fn ids(seeded: &SeededOrg) -> BTreeMap<String, String> {
    seeded
        .accounts
        .iter()
        .map(|(id, a)| (a.name.clone(), id.clone()))
        .collect()
}

fn in_ou(seeded: &SeededOrg, ou: &str) -> BTreeSet<String> {
    seeded
        .accounts
        .iter()
        .filter(|(_, a)| a.ou_path.iter().any(|o| o == ou))
        .map(|(id, _)| id.clone())
        .collect()
}

fn production(seeded: &SeededOrg) -> BTreeSet<String> {
    seeded
        .accounts
        .iter()
        .filter(|(_, a)| a.tags.get("env").map(String::as_str) == Some("prod"))
        .map(|(id, _)| id.clone())
        .collect()
}

const WHO: [&str; 7] = [
    "aws",
    "sts",
    "get-caller-identity",
    "--query",
    "Account",
    "--output",
    "text",
];

fn exec_each(awsnav: &AwsnavCmd, selection: &[&str], command: &[&str]) -> std::process::Output {
    let mut args = vec!["exec"];
    args.extend_from_slice(selection);
    args.push("--");
    args.extend_from_slice(command);
    awsnav.run(&args)
}

#[tokio::test]
async fn each_account_of_a_selection_runs_the_command_as_itself() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &tree(), 0).await;
    let alice = crate::common::alice(&sdk).await;
    let proxy = FaultServer::start(crate::common::fault::proxy(&moto.url));
    let awsnav = crate::common::awsnav_as(&alice, &proxy.url);
    assert!(awsnav.run(&["refresh"]).status.success());
    let by_name = ids(&seeded);
    let prod = production(&seeded);

    // A union of an OU and a name, less a glob and production: prefix output, one line each.
    let out = exec_each(
        &awsnav,
        &[
            "--each",
            "ou:Workloads/Dev",
            "--each",
            "name:sandbox-00",
            "--except",
            "name:*-dev-01",
            "--except",
            "tag:env=prod",
            "--mfa-code",
            "123456",
        ],
        &WHO,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let mut expected: BTreeSet<String> = in_ou(&seeded, "Dev");
    expected.insert(by_name["sandbox-00"].clone());
    expected.remove(&by_name["workloads-dev-01"]);
    expected.retain(|id| !prod.contains(id));
    assert!(expected.len() >= 2, "{expected:?}");
    let text = stdout(&out);
    let mut seen = BTreeSet::new();
    for line in text.lines() {
        let (name, id) = line.split_once(" | ").expect(line);
        assert_eq!(by_name[name.trim()], id, "{line}");
        seen.insert(id.to_owned());
    }
    assert_eq!(seen, expected, "{text}");
    assert_eq!(
        proxy.count("GetSessionToken"),
        1,
        "one MFA session serves the whole run"
    );
    assert!(
        stderr(&out).contains(&format!("{} succeeded, 0 failed", expected.len())),
        "{}",
        stderr(&out)
    );

    // A tag, as JSON; role sessions from the run before are reused.
    let assumed = proxy.count("AssumeRole");
    let out = exec_each(
        &awsnav,
        &["--each", "tag:env=dev", "--output", "json"],
        &WHO,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let runs: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let dev: BTreeSet<String> = seeded
        .accounts
        .iter()
        .filter(|(_, a)| a.tags.get("env").map(String::as_str) == Some("dev"))
        .map(|(id, _)| id.clone())
        .collect();
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), dev.len());
    for run in runs {
        let id = run["account_id"].as_str().unwrap();
        assert!(dev.contains(id), "{run}");
        assert_eq!(run["stdout"].as_str().unwrap().trim(), id);
        assert_eq!(run["exit_code"], 0);
        assert_eq!(run["role"], "OrganizationAccountAccessRole");
        assert!(run["error"].is_null());
        assert!(run["duration_ms"].as_u64().is_some());
    }
    let reused = dev.iter().filter(|id| seen.contains(*id)).count();
    assert_eq!(
        proxy.count("AssumeRole") - assumed,
        dev.len() - reused,
        "cached role sessions are reused"
    );

    // list --select shows exactly that selection with its roles.
    let listed = awsnav.run(&["list", "--select", "tag:env=dev", "--json"]);
    let listed: Value = serde_json::from_str(&stdout(&listed)).unwrap();
    let listed: BTreeSet<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(a["role"], "OrganizationAccountAccessRole");
            a["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(listed, dev);

    grouped_blocks_are_headed_by_their_account(&awsnav, &seeded);
}

/// Grouped output: one block per account, headed by its name, id and exit code.
fn grouped_blocks_are_headed_by_their_account(awsnav: &AwsnavCmd, seeded: &SeededOrg) {
    let out = exec_each(
        awsnav,
        &[
            "--each",
            "ou:Workloads/Test",
            "--output",
            "grouped",
            "--yes",
        ],
        &WHO,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for id in in_ou(seeded, "Test") {
        let name = &seeded.accounts[&id].name;
        let header = text
            .lines()
            .position(|l| l.starts_with(&format!("── {name} ({id}) · exit 0")))
            .expect(&text);
        assert_eq!(text.lines().nth(header + 1), Some(id.as_str()), "{text}");
    }
}

#[tokio::test]
async fn failures_skips_and_refusals_are_summed_up_and_the_rest_still_runs() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &tree(), 0).await;
    let alice = crate::common::alice(&sdk).await;
    let by_name = ids(&seeded);
    let refused = by_name["workloads-dev-02"].clone();
    // AWS refuses the role in one account; everything else goes to moto.
    let forward = crate::common::fault::proxy(&moto.url);
    let needle = format!("{refused}%3Arole");
    let proxy = FaultServer::start(move |req, n| {
        if req.operation() == "AssumeRole" && req.body.contains(&needle) {
            return Response::sts_error(
                403,
                "AccessDenied",
                "User is not authorized to perform: sts:AssumeRole",
            );
        }
        forward(req, n)
    });
    let awsnav = crate::common::awsnav_as(&alice, &proxy.url);
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    // A role only the sandbox offers: elsewhere the account is skipped, with the reason.
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        "[[roles.rule]]\nou = \"Sandbox\"\nadd = [\"Special\"]\n",
    )
    .unwrap();
    assert!(awsnav.run(&["refresh"]).status.success());

    // A command that fails in one account: exit status 1, the failure named.
    let fails_in = by_name["workloads-dev-00"].clone();
    let script = format!(
        "if [ \"$AWSNAV_ACCOUNT_ID\" = {fails_in} ]; then echo broken >&2; exit 3; fi; echo ok"
    );
    let out = exec_each(
        &awsnav,
        &[
            "--each",
            "ou:Workloads",
            "--except",
            &format!("account:{refused}"),
            "--mfa-code",
            "123456",
            "--yes",
        ],
        &["sh", "-c", &script],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("1 failed"), "{err}");
    let failed = err.lines().find(|l| l.contains(&fails_in)).expect(&err);
    assert!(
        failed.contains("exit 3") && failed.contains("broken"),
        "{failed}"
    );
    assert_eq!(stdout(&out).matches("| ok").count(), 3, "{}", stdout(&out));

    // A role AWS refuses in one account: exit status 2, the others still run.
    let out = exec_each(
        &awsnav,
        &["--each", "ou:Workloads/Dev", "--yes"],
        &["sh", "-c", "echo in $AWSNAV_ACCOUNT_ID"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("1 could not get in"), "{err}");
    assert!(
        err.lines()
            .any(|l| l.contains(&refused) && l.contains("you may not assume")),
        "{err}"
    );
    for id in in_ou(&seeded, "Dev") {
        assert_eq!(
            stdout(&out).contains(&format!("in {id}")),
            id != refused,
            "{}",
            stdout(&out)
        );
    }

    // --role where it is not offered: skipped, with the reason; the sandbox runs.
    let out = exec_each(
        &awsnav,
        &[
            "--each", "all", "--role", "Special", "--yes", "--output", "json",
        ],
        &["true"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let runs: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let ran: BTreeSet<&str> = runs
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["exit_code"] == 0)
        .map(|r| r["account_id"].as_str().unwrap())
        .collect();
    let sandbox = in_ou(&seeded, "Sandbox");
    assert_eq!(ran, sandbox.iter().map(String::as_str).collect());
    let err = stderr(&out);
    assert!(err.contains("skipped:"), "{err}");
    assert!(err.contains("Special is not offered here"), "{err}");
}

#[tokio::test]
async fn production_needs_yes_off_a_terminal_and_ctrl_c_stops_every_child() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &tree(), 0).await;
    let alice = crate::common::alice(&sdk).await;
    let proxy = FaultServer::start(crate::common::fault::proxy(&moto.url));
    let awsnav = crate::common::awsnav_as(&alice, &proxy.url);
    assert!(awsnav.run(&["refresh"]).status.success());
    let prod = production(&seeded);
    assert!(!prod.is_empty());

    let marker = awsnav.path("ran-somewhere");
    let out = exec_each(
        &awsnav,
        &["--each", "all", "--mfa-code", "123456"],
        &["sh", "-c", &format!("touch {}", marker.display())],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("PRODUCTION") && err.contains("--yes"), "{err}");
    for id in &prod {
        assert!(
            err.contains(id.as_str()),
            "every production account is listed: {err}"
        );
    }
    assert!(!marker.exists(), "nothing ran");
    assert_eq!(proxy.count("AssumeRole"), 0, "nobody signed in");

    // Ctrl-C (SIGINT) while every command sleeps: each child's process group is stopped and
    // the summary printed.
    let tag = format!("awsnav-each-{}", std::process::id());
    let sleep = format!("sleep 59.{}", std::process::id());
    let mut child = awsnav
        .command(&[
            "exec",
            "--each",
            "all",
            "--yes",
            "--mfa-code",
            "123456",
            "--",
            "sh",
            "-c",
            &format!("{sleep} & wait"),
            &tag,
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let running = |tag: &str| -> usize {
        std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
            .filter(|c| String::from_utf8_lossy(c).contains(tag))
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while running(&tag) < seeded.accounts.len().min(8) {
        assert!(Instant::now() < deadline, "the commands never started");
        std::thread::sleep(Duration::from_millis(100));
    }
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "awsnav did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = child.wait_with_output().unwrap();
    assert_eq!(status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("interrupted"), "{err}");
    assert!(err.contains("accounts in"), "the summary is printed: {err}");
    // No child (nor its own `sleep`) is left.
    let deadline = Instant::now() + Duration::from_secs(5);
    while running(&tag) > 0 || running(&sleep) > 0 {
        assert!(Instant::now() < deadline, "children left running");
        std::thread::sleep(Duration::from_millis(100));
    }
}
