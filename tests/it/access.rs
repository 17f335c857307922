//! Getting into accounts against moto (through a counting proxy) and an STS fault server:
//! MFA sessions, `AssumeRole`, the credential cache, and every way out (exec, env, shell,
//! credential-process) as the real AWS CLI and shells consume them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

use crate::common::fault::{FaultServer, Response};
use crate::common::{AwsnavCmd, OuSpec, stderr, stdout};
use serde_json::Value;
use std::fmt::Write as _;

fn tree() -> Vec<OuSpec> {
    vec![
        OuSpec::new(
            "Workloads",
            0,
            vec![
                OuSpec::new("Prod", 1, vec![]),
                OuSpec::new("Dev", 4, vec![]),
            ],
        ),
        OuSpec::new("Sandbox", 3, vec![]),
    ]
}

/// Ids of seeded accounts that the default rules do not call production, in name order.
fn non_production(seeded: &crate::common::SeededOrg) -> Vec<String> {
    let mut found: Vec<(&String, &String)> = seeded
        .accounts
        .iter()
        .filter(|(_, a)| {
            !a.ou_path.is_empty()
                && a.tags.get("env").is_some_and(|e| e != "prod")
                && !a.ou_path.iter().any(|o| o == "Prod")
        })
        .map(|(id, a)| (&a.name, id))
        .collect();
    found.sort();
    found.into_iter().map(|(_, id)| id.clone()).collect()
}

#[tokio::test]
async fn mfa_session_is_reused_and_exec_runs_as_the_role() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &tree(), 0).await;
    let alice = crate::common::alice(&sdk).await;
    let proxy = FaultServer::start(crate::common::fault::proxy(&moto.url));
    let awsnav = crate::common::awsnav_as(&alice, &proxy.url);
    assert!(awsnav.run(&["refresh"]).status.success());
    let ids = non_production(&seeded);
    let (dev0, dev1, sandbox) = (ids[0].clone(), ids[1].clone(), ids[2].clone());

    // 1. The real AWS CLI, run by exec, acts as the assumed role in that account.
    let out = awsnav.run(&[
        "exec",
        &dev0,
        "--mfa-code",
        "123456",
        "--",
        "aws",
        "sts",
        "get-caller-identity",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let who: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(who["Account"], dev0.as_str());
    assert!(
        who["Arn"]
            .as_str()
            .unwrap()
            .contains(":assumed-role/OrganizationAccountAccessRole/alice"),
        "{who}"
    );
    assert_eq!(proxy.count("GetSessionToken"), 1);
    assert_eq!(
        proxy.count("ListMFADevices"),
        1,
        "the device was discovered"
    );
    let gst = proxy
        .requests()
        .into_iter()
        .find(|r| r.operation() == "GetSessionToken")
        .unwrap();
    assert!(gst.body.contains("TokenCode=123456"), "{}", gst.body);
    assert!(
        gst.body
            .contains(&format!("SerialNumber={}", urlencode(&alice.serial))),
        "{}",
        gst.body
    );
    let assume = proxy
        .requests()
        .into_iter()
        .find(|r| r.operation() == "AssumeRole")
        .unwrap();
    assert!(
        assume.body.contains("RoleSessionName=alice"),
        "{}",
        assume.body
    );
    assert!(
        assume.body.contains("SourceIdentity=alice"),
        "{}",
        assume.body
    );
    assert!(
        !assume.body.contains("TokenCode"),
        "assumed with the MFA session, not the code"
    );

    // 2. Another account: no code given, no terminal — the cached MFA session suffices.
    let out = awsnav.run(&["exec", &dev1, "--", "true"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(proxy.count("GetSessionToken"), 1, "MFA session reused");
    assert_eq!(proxy.count("AssumeRole"), 2);

    // 3. The same account again: the role session itself is cached, no request at all.
    let before = proxy.requests().len();
    let out = awsnav.run(&["exec", &dev1, "--", "true"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(proxy.requests().len(), before);

    // 4. An expired cached role session is replaced.
    let file = awsnav.path(&format!(
        "awsnav/cache/credentials/role-default-chain-{dev1}-OrganizationAccountAccessRole.json"
    ));
    let mut entry: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    entry["entry"]["credentials"]["expiration"] = "2020-01-01T00:00:00Z".into();
    std::fs::write(&file, entry.to_string()).unwrap();
    let out = awsnav.run(&["exec", &dev1, "--", "true"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(proxy.count("AssumeRole"), 3);

    // 5. Over an hour: assumed directly with MFA (a session would be role chaining).
    let out = awsnav.run(&[
        "exec",
        &sandbox,
        "--duration",
        "7200",
        "--mfa-code",
        "222333",
        "--",
        "true",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let last = proxy
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.operation() == "AssumeRole")
        .unwrap();
    assert!(
        last.body.contains("TokenCode=222333") && last.body.contains("DurationSeconds=7200"),
        "{}",
        last.body
    );
    assert_eq!(proxy.count("GetSessionToken"), 1);

    // Exit codes pass through.
    let out = awsnav.run(&["exec", &dev1, "--", "sh", "-c", "exit 42"]);
    assert_eq!(out.status.code(), Some(42));

    // Cache files: 0600 in a 0700 directory.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = awsnav.path("awsnav/cache/credentials");
        assert_eq!(
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert!(files.len() >= 4, "{files:?}");
        for f in files {
            assert_eq!(
                std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
                0o600,
                "{}",
                f.display()
            );
        }
    }

    // Secrets never reach the log file.
    let log = std::fs::read_to_string(awsnav.path("awsnav/log/awsnav.log")).unwrap();
    assert!(!log.contains(&alice.secret), "base secret in the log");
    for f in std::fs::read_dir(awsnav.path("awsnav/cache/credentials")).unwrap() {
        let v: Value = serde_json::from_slice(&std::fs::read(f.unwrap().path()).unwrap()).unwrap();
        let secret = v["entry"]["credentials"]["secret_access_key"]
            .as_str()
            .unwrap()
            .to_owned();
        let token = v["entry"]["credentials"]["session_token"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            !log.contains(&secret) && !log.contains(&token),
            "a cached secret is in the log"
        );
    }
}

/// The isolated environment an `AwsnavCmd` runs with, for other programs.
fn isolated_env(awsnav: &AwsnavCmd) -> Vec<(std::ffi::OsString, std::ffi::OsString)> {
    awsnav
        .command(&[])
        .get_envs()
        .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned())))
        .collect()
}

fn urlencode(s: &str) -> String {
    s.replace(':', "%3A").replace('/', "%2F")
}

#[tokio::test]
async fn credential_process_and_env_are_consumed_by_the_aws_cli_and_shells() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &tree(), 0).await;
    let alice = crate::common::alice(&sdk).await;
    let awsnav = crate::common::awsnav_as(&alice, &moto.url);
    assert!(awsnav.run(&["refresh"]).status.success());
    let dev0 = non_production(&seeded)[0].clone();

    // credential_process in a profile, used by the AWS CLI.
    let config = awsnav.path(".aws/config");
    std::fs::write(
        &config,
        format!(
            "[default]\nregion = us-east-1\n[profile dev0]\nregion = us-east-1\ncredential_process = {} credential-process --account {dev0} --mfa-code 123456\n",
            env!("CARGO_BIN_EXE_awsnav")
        ),
    )
    .unwrap();
    let env = isolated_env(&awsnav);
    let out = std::process::Command::new(crate::common::aws_cli())
        .args([
            "sts",
            "get-caller-identity",
            "--profile",
            "dev0",
            "--output",
            "json",
        ])
        .env_clear()
        .envs(env.clone())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let who: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(who["Account"], dev0.as_str());

    // env, evaluated by bash.
    let script = format!(
        "eval \"$({} env {dev0})\" && echo \"$AWSNAV_ACCOUNT_ID|$AWSNAV_ROLE|$AWSNAV_PRODUCTION|${{AWS_PROFILE-unset}}|$AWS_REGION\" && aws sts get-caller-identity --query Account --output text",
        env!("CARGO_BIN_EXE_awsnav")
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &script])
        .env_clear()
        .envs(env)
        .env("AWS_PROFILE", "should-be-removed")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        format!("{dev0}|OrganizationAccountAccessRole|0|unset|us-east-1")
    );
    assert_eq!(lines.next().unwrap(), dev0);

    // fish and JSON formats.
    let fish = stdout(&awsnav.run(&["env", &dev0, "--format", "fish"]));
    assert!(
        fish.contains(&format!("set -gx AWSNAV_ACCOUNT_ID '{dev0}';")),
        "{fish}"
    );
    assert!(fish.contains("set -e AWS_PROFILE;"), "{fish}");
    let json: Value =
        serde_json::from_str(&stdout(&awsnav.run(&["env", &dev0, "--format", "json"]))).unwrap();
    assert_eq!(json["AWSNAV_ACCOUNT_ID"], dev0.as_str());
    assert!(json["AWS_SESSION_TOKEN"].as_str().unwrap().len() > 10);

    // .env read by python-dotenv, the ini profile by botocore: the same session. (The
    // session is cached, so every format gives the same keys.)
    let dotenv = awsnav.path("session.env");
    std::fs::write(
        &dotenv,
        stdout(&awsnav.run(&["env", &dev0, "--format", "dotenv"])),
    )
    .unwrap();
    let read = std::process::Command::new(crate::common::python())
        .args([
            "-c",
            "import json, sys\nfrom dotenv import dotenv_values\nprint(json.dumps(dotenv_values(sys.argv[1])))",
            dotenv.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(read.status.success(), "{}", stderr(&read));
    let read: Value = serde_json::from_str(&stdout(&read)).unwrap();
    for (k, v) in json.as_object().unwrap() {
        if !v.is_null() {
            assert_eq!(&read[k], v, "{k}");
        }
    }
    let ini = stdout(&awsnav.run(&["env", &dev0, "--format", "ini"]));
    let section = ini
        .lines()
        .next()
        .unwrap()
        .trim_matches(['[', ']'])
        .to_owned();
    let file = awsnav.path("exported-credentials");
    std::fs::write(&file, &ini).unwrap();
    let read = std::process::Command::new(crate::common::python())
        .args([
            "-c",
            "import sys, botocore.session\nc = botocore.session.Session(profile=sys.argv[1]).get_credentials()\nprint(c.access_key, c.token)",
            &section,
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("AWS_SHARED_CREDENTIALS_FILE", &file)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .output()
        .unwrap();
    assert!(read.status.success(), "{}", stderr(&read));
    assert_eq!(
        stdout(&read).trim(),
        format!(
            "{} {}",
            json["AWS_ACCESS_KEY_ID"].as_str().unwrap(),
            json["AWS_SESSION_TOKEN"].as_str().unwrap()
        )
    );

    // --export-as: one section of ~/.aws/credentials, every other byte kept, 0600, backed up
    // before the first change; written twice, still one section; long-lived keys and
    // [default] are left alone unless --force.
    let creds = awsnav.path(".aws/credentials");
    let before = "# mine\n[keeper]\naws_access_key_id = AKIAKEEPER000000\naws_secret_access_key = k\n\n[work]\nregion = eu-west-1\naws_session_token = old\n";
    std::fs::write(&creds, before).unwrap();
    for _ in 0..2 {
        let out = awsnav.run(&["env", &dev0, "--export-as", "work"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).is_empty());
    }
    let after = std::fs::read_to_string(&creds).unwrap();
    assert!(
        after.starts_with("# mine\n[keeper]\naws_access_key_id = AKIAKEEPER000000\naws_secret_access_key = k\n\n[work]\nregion = eu-west-1\naws_access_key_id = "),
        "{after}"
    );
    assert_eq!(after.matches("[work]").count(), 1);
    assert_eq!(after.matches("aws_session_token").count(), 1, "{after}");
    assert!(after.contains("x_security_token_expires = "), "{after}");
    assert_eq!(
        std::fs::read_to_string(awsnav.path(".aws/credentials.awsnav-backup")).unwrap(),
        before
    );
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&creds).unwrap().permissions())
            & 0o777,
        0o600
    );
    let read = std::process::Command::new(crate::common::python())
        .args([
            "-c",
            "import botocore.session\nc = botocore.session.Session(profile='work').get_credentials()\nprint(c.token)",
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("AWS_SHARED_CREDENTIALS_FILE", &creds)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .output()
        .unwrap();
    assert_eq!(
        stdout(&read).trim(),
        json["AWS_SESSION_TOKEN"].as_str().unwrap()
    );
    let refused = awsnav.run(&["env", &dev0, "--export-as", "keeper"]);
    assert!(
        stderr(&refused).contains("holds a long-lived key"),
        "{}",
        stderr(&refused)
    );
    let refused = awsnav.run(&["env", &dev0, "--export-as", "default"]);
    assert!(
        stderr(&refused).contains("add --force"),
        "{}",
        stderr(&refused)
    );
    assert!(std::fs::read_to_string(&creds).unwrap() == after);
}

#[tokio::test]
async fn production_needs_yes_without_a_terminal_and_nesting_is_refused() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    crate::common::seed_org(&sdk, &tree(), 0).await;
    let alice = crate::common::alice(&sdk).await;
    let awsnav = crate::common::awsnav_as(&alice, &moto.url);
    assert!(awsnav.run(&["refresh"]).status.success());

    let out = awsnav.run(&[
        "exec",
        "workloads-prod-00",
        "--mfa-code",
        "123456",
        "--",
        "true",
    ]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("PRODUCTION") && err.contains("--yes"), "{err}");
    let out = awsnav.run(&[
        "exec",
        "workloads-prod-00",
        "--yes",
        "--mfa-code",
        "123456",
        "--",
        "sh",
        "-c",
        "echo $AWSNAV_PRODUCTION",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "1");

    let mut nested = crate::common::awsnav_as(&alice, &moto.url);
    nested.set("AWSNAV_ACCOUNT_ID", "111122223333");
    nested.set("AWSNAV_ACCOUNT_NAME", "outer");
    let out = nested.run(&["shell", "sandbox-00"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("already inside an awsnav shell for outer") && err.contains("--nested"),
        "{err}"
    );

    // Without a code, a terminal or mfa_process, the MFA step says what to do.
    let fresh = crate::common::awsnav_as(&alice, &moto.url);
    assert!(fresh.run(&["refresh"]).status.success());
    let out = fresh.run(&["exec", "sandbox-00", "--", "true"]);
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(
        err.contains("--mfa-code") && err.contains("mfa_process"),
        "{err}"
    );

    // mfa_process supplies the code.
    std::fs::create_dir_all(fresh.path("awsnav")).unwrap();
    std::fs::write(
        fresh.path("awsnav/config.toml"),
        "[auth]\nmfa_process = \"echo 777888\"\n",
    )
    .unwrap();
    let out = fresh.run(&["exec", "sandbox-00", "--", "true"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test]
async fn ambiguous_and_unknown_accounts_list_candidates() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    crate::common::seed_org(&sdk, &tree(), 0).await;
    let awsnav = AwsnavCmd::new().against(&moto.url);
    assert!(awsnav.run(&["refresh"]).status.success());
    let out = awsnav.run(&["env", "workloads-dev"]);
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(
        err.contains("matches several accounts")
            && err.contains("workloads-dev-00")
            && err.contains("workloads-dev-01"),
        "{err}"
    );
    let out = awsnav.run(&["env", "nothing-like-this"]);
    assert!(
        stderr(&out).contains("no account matches"),
        "{}",
        stderr(&out)
    );
}

/// STS that fails the way AWS does for one operation; the org comes from moto.
async fn with_sts_fault(
    fault: impl Fn(&str) -> Option<Response> + Send + Sync + 'static,
) -> (AwsnavCmd, FaultServer, crate::common::MotoLease) {
    let (lock, moto) = crate::common::exclusive_moto().await;
    crate::common::seed_org(&moto.sdk().await, &tree(), 0).await;
    let mut awsnav = AwsnavCmd::new().against(&moto.url);
    assert!(awsnav.run(&["refresh"]).status.success());
    let sts = FaultServer::start(move |req, _| {
        let op = req.operation();
        if let Some(r) = fault(&op) {
            return r;
        }
        match op.as_str() {
            "GetCallerIdentity" => {
                Response::sts_identity("123456789012", "arn:aws:iam::123456789012:user/alice")
            }
            "GetSessionToken" | "AssumeRole" => {
                Response::sts_credentials(&op, "ASIAFAULT", "2099-01-01T00:00:00Z")
            }
            other => Response::sts_error(400, "InvalidAction", other),
        }
    });
    awsnav.set("AWS_ENDPOINT_URL_STS", &sts.url);
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        "[auth]\nmfa_serial = \"arn:aws:iam::123456789012:mfa/alice\"\n",
    )
    .unwrap();
    (awsnav, sts, lock)
}

/// One STS fault: the operation that fails, how, and what awsnav must say and keep.
struct StsFault {
    op: &'static str,
    status: u16,
    code: &'static str,
    message: &'static str,
    /// What the error must say.
    said: &'static [&'static str],
    /// The operation's requests expected (a wrong code is not retried; throttling is).
    tries: Option<usize>,
    /// Whether the MFA session got on the way is kept (a role refused needs no new code).
    mfa_session_kept: Option<bool>,
    env: &'static [(&'static str, &'static str)],
}

#[tokio::test]
async fn each_sts_fault_is_named_and_handled_its_way() {
    let faults = [
        StsFault {
            op: "GetSessionToken",
            status: 403,
            code: "AccessDenied",
            message: "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
            said: &["MFA code was not accepted", "next code"],
            tries: Some(1),
            mfa_session_kept: Some(false),
            env: &[],
        },
        StsFault {
            op: "AssumeRole",
            status: 403,
            code: "AccessDenied",
            message: "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole",
            said: &["you may not assume arn:aws:iam::", "trust policy"],
            tries: None,
            mfa_session_kept: Some(true),
            env: &[],
        },
        StsFault {
            op: "GetCallerIdentity",
            status: 400,
            code: "ExpiredToken",
            message: "The security token included in the request is expired",
            said: &["expired or invalid", "ExpiredToken"],
            tries: None,
            mfa_session_kept: None,
            env: &[],
        },
        StsFault {
            op: "AssumeRole",
            status: 400,
            code: "Throttling",
            message: "Rate exceeded",
            said: &["kept throttling sts:AssumeRole"],
            // AWS_MAX_ATTEMPTS is honoured.
            tries: Some(3),
            mfa_session_kept: None,
            env: &[("AWS_MAX_ATTEMPTS", "3")],
        },
    ];
    for f in faults {
        let (op, status, code, message) = (f.op, f.status, f.code, f.message);
        let (mut awsnav, sts, _lock) = with_sts_fault(move |asked| {
            (asked == op).then(|| Response::sts_error(status, code, message))
        })
        .await;
        for (k, v) in f.env {
            awsnav.set(k, v);
        }
        let code_given = if op == "GetSessionToken" {
            "000000"
        } else {
            "123456"
        };
        let out = awsnav.run(&["env", "sandbox-00", "--mfa-code", code_given]);
        assert!(!out.status.success(), "{op} {code}");
        let err = stderr(&out);
        for part in f.said {
            assert!(err.contains(part), "{op} {code}: {err}");
        }
        if let Some(n) = f.tries {
            assert_eq!(sts.count(op), n, "{op} {code}");
        }
        if let Some(kept) = f.mfa_session_kept {
            assert_eq!(
                awsnav
                    .path("awsnav/cache/credentials/mfa-default-chain.json")
                    .exists(),
                kept,
                "{op} {code}"
            );
        }
    }
}

#[tokio::test]
async fn sts_throttling_is_retried_then_reported() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let n = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = n.clone();
    // The first two AssumeRole attempts are throttled, then it answers.
    let (awsnav, sts, _lock) = with_sts_fault(move |op| {
        (op == "AssumeRole" && seen.fetch_add(1, Ordering::SeqCst) < 2)
            .then(|| Response::sts_error(400, "Throttling", "Rate exceeded"))
    })
    .await;
    let out = awsnav.run(&[
        "env",
        "sandbox-00",
        "--mfa-code",
        "123456",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sts.count("AssumeRole"), 3);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["AWS_ACCESS_KEY_ID"], "ASIAFAULT");
}

#[tokio::test]
async fn auth_profile_credentials_win_over_credential_variables() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &tree(), 0).await;
    let alice = crate::common::alice(&sdk).await;
    // The environment holds other credentials (as inside an awsnav shell); [auth] profile
    // names alice's, which must be the ones used.
    let awsnav = AwsnavCmd::new().against(&moto.url);
    assert!(awsnav.run(&["refresh"]).status.success());
    std::fs::write(
        awsnav.path(".aws/credentials"),
        format!(
            "[identity]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            alice.key, alice.secret
        ),
    )
    .unwrap();
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        "[auth]\nprofile = \"identity\"\n",
    )
    .unwrap();
    let dev = non_production(&seeded)[0].clone();
    let out = awsnav.run(&[
        "exec",
        &dev,
        "--mfa-code",
        "123456",
        "--",
        "aws",
        "sts",
        "get-caller-identity",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let who: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(who["Arn"].as_str().unwrap().ends_with("/alice"), "{who}");
    assert!(
        awsnav
            .path("awsnav/cache/credentials/mfa-identity.json")
            .exists()
    );
}

#[tokio::test]
async fn trace_logging_never_records_secrets() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &tree(), 0).await;
    let alice = crate::common::alice(&sdk).await;
    let mut awsnav = crate::common::awsnav_as(&alice, &moto.url);
    awsnav.set("AWSNAV_LOG", "trace");
    assert!(awsnav.run(&["refresh"]).status.success());
    let dev = non_production(&seeded)[0].clone();
    let out = awsnav.run(&["exec", &dev, "--mfa-code", "123456", "--", "true"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = awsnav.run(&["exec", &dev, "--", "true"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let log = std::fs::read_to_string(awsnav.path("awsnav/log/awsnav.log")).unwrap();
    assert!(log.len() > 1000, "trace logging is on: {} bytes", log.len());
    let mut secrets = vec![alice.secret.clone()];
    for f in std::fs::read_dir(awsnav.path("awsnav/cache/credentials")).unwrap() {
        let v: Value = serde_json::from_slice(&std::fs::read(f.unwrap().path()).unwrap()).unwrap();
        let c = &v["entry"]["credentials"];
        secrets.push(c["secret_access_key"].as_str().unwrap().to_owned());
        secrets.push(c["session_token"].as_str().unwrap().to_owned());
    }
    assert!(secrets.len() >= 5);
    for s in &secrets {
        assert!(!log.contains(s.as_str()), "a secret is in the trace log");
        assert!(!stderr(&out).contains(s.as_str()) && !stdout(&out).contains(s.as_str()));
    }
}

#[tokio::test]
async fn a_region_chosen_for_an_account_is_used_there_unless_region_is_given() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &tree(), 0).await;
    let alice = crate::common::alice(&sdk).await;
    let awsnav = crate::common::awsnav_as(&alice, &moto.url);
    assert!(awsnav.run(&["refresh"]).status.success());
    let ids = non_production(&seeded);
    let (chosen, other) = (ids[0].clone(), ids[1].clone());
    // What the TUI's region picker stores.
    awsnav::store::prefs::Prefs::new(&awsnav.path("awsnav/cache"))
        .set_region(&chosen, Some("eu-north-1"));
    let region = |account: &str, extra: &[&str]| {
        let mut args = vec!["exec", account, "--mfa-code", "123456"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--", "sh", "-c", "echo $AWS_REGION/$AWS_DEFAULT_REGION"]);
        let out = awsnav.run(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out).trim().to_owned()
    };
    assert_eq!(region(&chosen, &[]), "eu-north-1/eu-north-1");
    assert_eq!(region(&other, &[]), "us-east-1/us-east-1");
    assert_eq!(
        region(&chosen, &["--region", "ap-south-1"]),
        "ap-south-1/ap-south-1"
    );
}

/// Whether a request is for Organizations (its JSON target names the service).
fn is_organizations(req: &crate::common::fault::Request) -> bool {
    req.header("x-amz-target")
        .is_some_and(|t| t.starts_with("AWSOrganizationsV20161128."))
}

#[tokio::test]
async fn getting_in_by_id_never_waits_for_the_organization() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &tree(), 0).await;
    let alice = crate::common::alice(&sdk).await;
    // Organizations refuses alice, as it does a developer; everything else reaches moto.
    let forward = crate::common::fault::proxy(&moto.url);
    let aws = FaultServer::start(move |req, n| {
        if is_organizations(req) {
            Response::aws_error(
                400,
                "AccessDeniedException",
                "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: organizations:ListRoots with an explicit deny",
            )
        } else {
            forward(req, n)
        }
    });
    let awsnav = crate::common::awsnav_as(&alice, &aws.url);
    let dev0 = non_production(&seeded)[0].clone();
    let role = "OrganizationAccountAccessRole";

    // No inventory at all: the account is unknown, so it is production until awsnav is told.
    let out = awsnav.run(&[
        "credential-process",
        "--account",
        &dev0,
        "--role",
        role,
        "--mfa-code",
        "123456",
    ]);
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("treated as PRODUCTION"), "{err}");
    assert!(
        err.contains("awsnav refresh") && err.contains(&format!("account = [\"{dev0}\"]")),
        "{err}"
    );
    assert!(err.contains("--yes"), "{err}");

    // With --yes: the credentials, and not one Organizations request.
    let out = awsnav.run(&[
        "credential-process",
        "--account",
        &dev0,
        "--role",
        role,
        "--mfa-code",
        "123456",
        "--yes",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let creds: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(creds["Version"], 1);
    assert!(creds["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert!(
        !awsnav
            .path("awsnav/cache/inventory-default-chain.bin")
            .exists()
    );

    // A rule naming the id says it is not production: no --yes needed, and `env` works too.
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        format!("[[production.rule]]\naccount = [\"{dev0}\"]\nproduction = false\n"),
    )
    .unwrap();
    let out = awsnav.run(&["env", &dev0, "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let env: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(env["AWSNAV_ACCOUNT_ID"], dev0.as_str());
    assert_eq!(env["AWSNAV_PRODUCTION"], "0");
    assert!(!stderr(&out).contains("PRODUCTION"), "{}", stderr(&out));
    assert_eq!(
        aws.requests()
            .iter()
            .filter(|r| is_organizations(r))
            .count(),
        0,
        "getting in asked Organizations"
    );

    // A name still needs an inventory, and here the organization cannot be read.
    let out = awsnav.run(&["env", "sandbox"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("organizations"), "{}", stderr(&out));
}

#[tokio::test]
async fn many_processes_at_once_sign_in_once() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &tree(), 0).await;
    let alice = crate::common::alice(&sdk).await;
    let sts = FaultServer::start(crate::common::fault::strict_sts(&moto.url));
    let mut awsnav = crate::common::awsnav_as(&alice, &sts.url);
    awsnav.set("AWSNAV_LOG", "trace");
    assert!(awsnav.run(&["refresh"]).status.success());
    let dev0 = non_production(&seeded)[0].clone();
    let args = [
        "credential-process",
        "--account",
        dev0.as_str(),
        "--role",
        "OrganizationAccountAccessRole",
        "--mfa-code",
        "123456",
    ];

    // 16 cold processes at the same moment, each with the same (one-time) code.
    let children: Vec<_> = (0..16)
        .map(|_| {
            awsnav
                .command(&args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let keys: Vec<String> = outputs
        .iter()
        .map(|out| {
            assert!(out.status.success(), "{}", stderr(out));
            let v: Value = serde_json::from_str(&stdout(out)).unwrap();
            assert_no_secret_logged(&awsnav, out, &alice, &v);
            v["AccessKeyId"].as_str().unwrap().to_owned()
        })
        .collect();
    assert!(
        keys.iter().all(|k| *k == keys[0]),
        "one role session for all"
    );
    assert_eq!(sts.count("GetSessionToken"), 1);
    assert_eq!(sts.count("AssumeRole"), 1);
}

#[tokio::test]
async fn a_signing_in_process_that_dies_blocks_nobody() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &tree(), 0).await;
    let alice = crate::common::alice(&sdk).await;
    let awsnav = crate::common::awsnav_as(&alice, &moto.url);
    assert!(awsnav.run(&["refresh"]).status.success());
    let dev0 = non_production(&seeded)[0].clone();
    // The first process waits for its code (an MFA command that takes its time) holding the
    // locks, and is killed there.
    let started = awsnav.path("mfa-started");
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        format!(
            "[auth]\nmfa_process = \"touch {}; sleep 30; echo 123456\"\n",
            started.display()
        ),
    )
    .unwrap();
    let args = ["env", dev0.as_str(), "--format", "json"];
    let mut holder = awsnav.command(&args).spawn().unwrap();
    crate::common::wait_for_file(&started, |_| true);
    holder.kill().unwrap();
    let _ = holder.wait();

    // The next one gets in at once with its own code.
    let begun = std::time::Instant::now();
    let mut next = awsnav.command(&[&args[..], &["--mfa-code", "654321"]].concat());
    let out = next.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        begun.elapsed() < std::time::Duration::from_secs(20),
        "waited {:?} for a dead holder",
        begun.elapsed()
    );
}

/// IAM listing `devices` for alice (a FIDO key first, as the console registers it), strict STS,
/// the rest from moto.
fn with_devices(moto: &str, devices: Vec<String>) -> FaultServer {
    let strict = crate::common::fault::strict_sts(moto);
    FaultServer::start(move |req, n| {
        if req.operation() == "ListMFADevices" {
            let mut members = String::new();
            for d in &devices {
                let _ = write!(
                    members,
                    "<member><UserName>alice</UserName><SerialNumber>{d}</SerialNumber><EnableDate>2026-01-01T00:00:00Z</EnableDate></member>"
                );
            }
            return Response::raw(
                200,
                "text/xml",
                &format!(
                    "<ListMFADevicesResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><ListMFADevicesResult><IsTruncated>false</IsTruncated><MFADevices>{members}</MFADevices></ListMFADevicesResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListMFADevicesResponse>"
                ),
            );
        }
        strict(req, n)
    })
}

#[tokio::test]
async fn fido_keys_are_passed_over_and_several_devices_are_named() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &tree(), 0).await;
    let alice = crate::common::alice(&sdk).await;
    let dev0 = non_production(&seeded)[0].clone();
    let fido = "arn:aws:iam::123456789012:u2f/user/alice/yubikey-ABCDEF".to_owned();

    // A FIDO key listed first: awsnav takes the virtual device, which STS accepts.
    let iam = with_devices(&moto.url, vec![fido.clone(), alice.serial.clone()]);
    let awsnav = crate::common::awsnav_as(&alice, &iam.url);
    assert!(awsnav.run(&["refresh"]).status.success());
    let out = awsnav.run(&["exec", &dev0, "--mfa-code", "123456", "--", "true"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let sts = iam
        .requests()
        .into_iter()
        .find(|r| r.operation() == "GetSessionToken")
        .unwrap();
    assert!(!sts.body.contains("u2f"), "{}", sts.body);

    // Only FIDO keys: the error says API calls need a TOTP device.
    let iam = with_devices(&moto.url, vec![fido.clone()]);
    let awsnav = crate::common::awsnav_as(&alice, &iam.url);
    assert!(awsnav.run(&["refresh"]).status.success());
    let out = awsnav.run(&["exec", &dev0, "--mfa-code", "123456", "--", "true"]);
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(
        err.contains("only FIDO security keys") && err.contains(&fido),
        "{err}"
    );
    assert!(err.contains("virtual or hardware"), "{err}");
    assert_eq!(iam.count("GetSessionToken"), 0);

    // Two TOTP devices on the command line: both named, and the setting that picks one.
    let iam = with_devices(
        &moto.url,
        vec![fido, alice.serial.clone(), "GAHT12345678".into()],
    );
    let awsnav = crate::common::awsnav_as(&alice, &iam.url);
    assert!(awsnav.run(&["refresh"]).status.success());
    let out = awsnav.run(&["exec", &dev0, "--mfa-code", "123456", "--", "true"]);
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(
        err.contains(&alice.serial) && err.contains("GAHT12345678"),
        "{err}"
    );
    assert!(err.contains("[auth] mfa_serial"), "{err}");

    // A FIDO serial named by hand is refused by STS, as AWS refuses it.
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        "[auth]\nmfa_serial = \"arn:aws:iam::123456789012:u2f/user/alice/yubikey-ABCDEF\"\n",
    )
    .unwrap();
    let out = awsnav.run(&["exec", &dev0, "--mfa-code", "123456", "--", "true"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("MFA code was not accepted"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn without_a_terminal_the_code_comes_from_a_desktop_dialog() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &tree(), 0).await;
    let alice = crate::common::alice(&sdk).await;
    let mut awsnav = crate::common::awsnav_as(&alice, &moto.url);
    awsnav.set("AWSNAV_LOG", "trace");
    assert!(awsnav.run(&["refresh"]).status.success());
    let prod = seeded
        .accounts
        .iter()
        .find(|(_, a)| a.ou_path.iter().any(|o| o == "Prod"))
        .map(|(id, _)| id.clone())
        .unwrap();

    // The dialog is cancelled: a clean refusal, nothing cached.
    let record = crate::common::stand_in_zenity(&mut awsnav, "exit 1");
    let args = ["credential-process", "--account", prod.as_str(), "--yes"];
    let out = awsnav.run(&args);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("cancelled"), "{}", stderr(&out));
    assert!(record.exists(), "the dialog was shown");

    // It answers: credentials, and the dialog named the account, the role and PRODUCTION.
    let record = crate::common::stand_in_zenity(&mut awsnav, "echo 123456");
    let out = awsnav.run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let creds: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(creds["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    let shown = std::fs::read_to_string(&record).unwrap();
    assert!(shown.contains("--entry"), "{shown}");
    assert!(
        shown.contains(&prod) && shown.contains("OrganizationAccountAccessRole"),
        "{shown}"
    );
    assert!(shown.contains("PRODUCTION"), "{shown}");
    assert!(shown.contains(&alice.serial), "{shown}");
    assert_no_secret_logged(&awsnav, &out, &alice, &creds);
}

/// A traced run left neither the long-lived secret nor the session's in the log or stderr.
fn assert_no_secret_logged(
    awsnav: &AwsnavCmd,
    out: &std::process::Output,
    alice: &crate::common::Alice,
    creds: &Value,
) {
    let log = std::fs::read_to_string(awsnav.path("awsnav/log/awsnav.log")).unwrap();
    assert!(log.contains("awsnav starting"), "the log was written");
    for secret in [
        alice.secret.as_str(),
        creds["SecretAccessKey"].as_str().unwrap(),
        creds["SessionToken"].as_str().unwrap(),
    ] {
        assert!(!log.contains(secret), "a secret is in the log");
        assert!(!stderr(out).contains(secret), "a secret is on stderr");
    }
}

/// One MFA code per working day, whichever source offered the role: a role awsnav's rules
/// offer and one a `~/.aws/config` role profile (`source_profile`, `mfa_serial`) offers share
/// the base identity's MFA session and the role session cache, in either order.
#[tokio::test]
async fn one_mfa_session_whichever_source_offered_the_role() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &tree(), 0).await;
    let alice = crate::common::alice(&sdk).await;
    let proxy = FaultServer::start(crate::common::fault::proxy(&moto.url));
    let ids = non_production(&seeded);
    let (dev0, dev1) = (ids[0].clone(), ids[1].clone());
    // As people set it up: the keys in a profile the standard chain is pointed at, role
    // profiles for some accounts with that profile as their source and the device named.
    let person = || {
        let mut awsnav = crate::common::awsnav_as(&alice, &proxy.url);
        awsnav.unset("AWS_ACCESS_KEY_ID");
        awsnav.unset("AWS_SECRET_ACCESS_KEY");
        awsnav.set("AWS_PROFILE", "alice");
        std::fs::create_dir_all(awsnav.path(".aws")).unwrap();
        std::fs::write(
            awsnav.path(".aws/credentials"),
            format!(
                "[alice]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
                alice.key, alice.secret
            ),
        )
        .unwrap();
        awsnav
    };
    let profiles = |account: &str| {
        format!(
            "[profile alice]\nregion = us-east-1\n[profile team-admin]\nrole_arn = arn:aws:iam::{account}:role/OrganizationAccountAccessRole\nsource_profile = alice\nmfa_serial = {}\nregion = us-east-1\n",
            alice.serial
        )
    };

    // A rule's role first, then a profile's: one code.
    let awsnav = person();
    std::fs::write(awsnav.path(".aws/config"), profiles(&dev1)).unwrap();
    assert!(awsnav.run(&["refresh"]).status.success());
    let out = awsnav.run(&["exec", &dev0, "--mfa-code", "123456", "--", "true"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = awsnav.run(&["exec", &dev1, "--", "true"]);
    assert!(
        out.status.success(),
        "a second code was asked for: {}",
        stderr(&out)
    );
    assert_eq!(proxy.count("GetSessionToken"), 1, "one MFA session");

    // A profile's role first, then a rule's: one code.
    let awsnav = person();
    std::fs::write(awsnav.path(".aws/config"), profiles(&dev0)).unwrap();
    assert!(awsnav.run(&["refresh"]).status.success());
    let out = awsnav.run(&["exec", &dev0, "--mfa-code", "123456", "--", "true"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = awsnav.run(&["exec", &dev1, "--", "true"]);
    assert!(
        out.status.success(),
        "a second code was asked for: {}",
        stderr(&out)
    );
    assert_eq!(proxy.count("GetSessionToken"), 2, "one MFA session more");

    // A role session cached before a profile for its account is added is still the one.
    let awsnav = person();
    std::fs::write(
        awsnav.path(".aws/config"),
        "[profile alice]\nregion = us-east-1\n",
    )
    .unwrap();
    assert!(awsnav.run(&["refresh"]).status.success());
    let out = awsnav.run(&["env", &dev0, "--mfa-code", "123456"]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::write(awsnav.path(".aws/config"), profiles(&dev0)).unwrap();
    let before = proxy.requests().len();
    let out = awsnav.run(&["env", &dev0]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        proxy.requests().len(),
        before,
        "the cached role session, no request"
    );
}
