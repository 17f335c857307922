//! Credentials for Docker and kubectl: ECR's registry passwords through Docker's
//! credential-helper protocol, and EKS contexts whose exec plugin is awsnav — against moto,
//! with `kubectl config view` reading what awsnav wrote.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use crate::common::fault::{FaultServer, Response};
use crate::common::{AwsnavCmd, OuSpec, SeededOrg, stderr, stdout};

/// awsnav as alice behind a counting proxy in front of moto. ECR's answer carries the end
/// AWS gives (twelve hours on), where moto's is a fixed date in 2015.
pub(crate) async fn setup(moto: &crate::common::Moto) -> (AwsnavCmd, FaultServer, SeededOrg) {
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &[OuSpec::new("Dev", 3, vec![])], 0).await;
    let alice = crate::common::alice(&sdk).await;
    let forward = crate::common::fault::proxy(&moto.url);
    let proxy = FaultServer::start(move |req, n| {
        let mut r = forward(req, n);
        if req.operation() == "GetAuthorizationToken" {
            let mut v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            let ends = time::OffsetDateTime::now_utc().unix_timestamp() + 12 * 3600;
            v["authorizationData"][0]["expiresAt"] = ends.into();
            r = Response::json(&v);
        }
        r
    });
    let awsnav = crate::common::awsnav_as(&alice, &proxy.url);
    (awsnav, proxy, seeded)
}

pub(crate) fn account(seeded: &SeededOrg, production: bool, nth: usize) -> (String, String) {
    seeded
        .accounts
        .iter()
        .filter(|(_, a)| a.ou_path == ["Dev"] && (a.tags["env"] == "prod") == production)
        .map(|(id, a)| (id.clone(), a.name.clone()))
        .nth(nth)
        .unwrap()
}

/// `docker-credential-awsnav ACTION` with `input` on stdin (no newline), as Docker runs it.
fn helper(awsnav: &AwsnavCmd, bin: &std::path::Path, action: &str, input: &str) -> Output {
    let mut cmd = Command::new(bin.join("docker-credential-awsnav"));
    cmd.env_clear().arg(action);
    for (k, v) in awsnav.command(&[]).get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn docker_gets_each_accounts_registry_password_from_awsnav() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (mut awsnav, proxy, seeded) = setup(moto).await;
    assert!(awsnav.run(&["refresh"]).status.success());
    let (dev, dev_name) = account(&seeded, false, 0);
    let (prod, _) = account(&seeded, true, 0);
    // The helper on PATH as a user links it; Docker's own file with other settings.
    let bin = awsnav.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_awsnav"),
        bin.join("docker-credential-awsnav"),
    )
    .unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    awsnav.set("PATH", &path);
    awsnav.set(
        "DOCKER_CONFIG",
        &awsnav.path("docker").display().to_string(),
    );
    std::fs::create_dir_all(awsnav.path("docker")).unwrap();
    let theirs = "{\n  \"auths\": {\n    \"ghcr.io\": {\n      \"auth\": \"dXNlcjpwYXNz\"\n    }\n  },\n  \"credHelpers\": {\n    \"gcr.io\": \"gcloud\"\n  },\n  \"psFormat\": \"table {{.ID}}\\t{{.Names}}\"\n}\n";
    std::fs::write(awsnav.path("docker/config.json"), theirs).unwrap();

    let out = awsnav.run(&[
        "ecr",
        "login",
        &dev_name,
        "--role",
        "Admin",
        "--mfa-code",
        "123456",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let host = format!("{dev}.dkr.ecr.us-east-1.amazonaws.com");
    assert!(
        stderr(&out).contains(&format!("Docker asks awsnav for {host}")),
        "{}",
        stderr(&out)
    );
    let now = std::fs::read_to_string(awsnav.path("docker/config.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&now).unwrap();
    assert_eq!(v["credHelpers"][&host], "awsnav");
    assert_eq!(v["credHelpers"]["gcr.io"], "gcloud");
    let inserted = format!("\n\t\t\"{host}\": \"awsnav\",");
    assert_eq!(
        now.replacen(&inserted, "", 1),
        theirs,
        "every other byte kept"
    );
    assert_eq!(proxy.count("GetAuthorizationToken"), 1);

    // Docker asks: the server URL on stdin, no newline; the password of that account.
    let out = helper(&awsnav, &bin, "get", &host);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["ServerURL"], host.as_str());
    assert_eq!(got["Username"], "AWS");
    assert_eq!(
        got["Secret"],
        format!("{dev}-auth-token"),
        "the account's own registry"
    );
    assert_eq!(
        proxy.count("GetAuthorizationToken"),
        1,
        "cached until it ends"
    );
    let cached: Vec<_> = crate::common::files_under(&awsnav.path("awsnav/cache/ecr"), None);
    assert_eq!(cached.len(), 1);
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&cached[0]).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let https = helper(&awsnav, &bin, "get", &format!("https://{host}"));
    assert!(https.status.success());

    // list, erase (docker logout), then a fresh password.
    let out = helper(&awsnav, &bin, "list", "");
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed, serde_json::json!({ host.clone(): "AWS" }));
    assert!(helper(&awsnav, &bin, "erase", &host).status.success());
    assert!(cached[0].metadata().is_err(), "the cached password is gone");
    assert!(helper(&awsnav, &bin, "get", &host).status.success());
    assert_eq!(proxy.count("GetAuthorizationToken"), 2);

    // A registry `ecr login` did not set up: the account's default role (its only one).
    let (other, _) = account(&seeded, false, 1);
    let out = helper(
        &awsnav,
        &bin,
        "get",
        &format!("{other}.dkr.ecr.us-east-1.amazonaws.com"),
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["Secret"], format!("{other}-auth-token"));

    // Another registry: Docker goes on without. A production account's: not until confirmed.
    let out = helper(&awsnav, &bin, "get", "ghcr.io");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out).trim(),
        "credentials not found in native keychain"
    );
    let prod_host = format!("{prod}.dkr.ecr.us-east-1.amazonaws.com");
    let out = helper(&awsnav, &bin, "get", &prod_host);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains(&format!("awsnav ecr login {prod} --yes")),
        "{}",
        stdout(&out)
    );
    let out = awsnav.run(&["ecr", "login", &prod, "--role", "Admin"]);
    assert!(!out.status.success(), "production needs --yes");
    let out = awsnav.run(&["ecr", "login", &prod, "--role", "Admin", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = helper(&awsnav, &bin, "get", &prod_host);
    assert!(out.status.success(), "{}", stdout(&out));
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["Secret"], format!("{prod}-auth-token"));

    // docker login would store a password: refused, with why.
    let out = helper(
        &awsnav,
        &bin,
        "store",
        &format!("{{\"ServerURL\":\"{host}\",\"Username\":\"AWS\",\"Secret\":\"x\"}}"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("docker login is not needed"),
        "{}",
        stdout(&out)
    );
    // No password ever reaches stderr or the log.
    let log = std::fs::read_to_string(awsnav.path("awsnav/log/awsnav.log")).unwrap_or_default();
    assert!(!log.contains("-auth-token"), "{log}");
}

/// Creates an EKS cluster in `account` (through a role there, as moto keeps one org per
/// account).
pub(crate) async fn create_cluster(moto: &crate::common::Moto, account: &str, name: &str) {
    let sdk = moto.sdk().await;
    let sts = aws_sdk_sts::Client::new(&sdk);
    let c = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/Admin"))
        .role_session_name("seed")
        .send()
        .await
        .unwrap();
    let c = c.credentials().unwrap();
    let creds = aws_credential_types::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
        None,
        "seed",
    );
    let config = aws_sdk_eks::config::Builder::from(&sdk)
        .credentials_provider(creds)
        .build();
    aws_sdk_eks::Client::from_conf(config)
        .create_cluster()
        .name(name)
        .role_arn(format!("arn:aws:iam::{account}:role/eks"))
        .resources_vpc_config(
            aws_sdk_eks::types::VpcConfigRequest::builder()
                .subnet_ids("subnet-1")
                .build(),
        )
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn kubectl_reads_contexts_for_clusters_in_two_accounts_and_their_tokens_are_valid() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (mut awsnav, proxy, seeded) = setup(moto).await;
    let (a, a_name) = account(&seeded, false, 0);
    let (b, b_name) = account(&seeded, false, 1);
    let (prod, prod_name) = account(&seeded, true, 0);
    create_cluster(moto, &a, "main").await;
    create_cluster(moto, &b, "main").await;
    create_cluster(moto, &b, "batch").await;
    create_cluster(moto, &prod, "payments").await;
    let kube = awsnav.path("kube/config");
    std::fs::create_dir_all(kube.parent().unwrap()).unwrap();
    let theirs = "apiVersion: v1\nkind: Config\ncurrent-context: kind-local\nclusters:\n- name: kind-local\n  cluster:\n    server: https://127.0.0.1:6443\ncontexts:\n- name: kind-local\n  context:\n    cluster: kind-local\n    user: kind-local\nusers:\n- name: kind-local\n  user:\n    token: local-token\n";
    std::fs::write(&kube, theirs).unwrap();
    awsnav.set("KUBECONFIG", &kube.display().to_string());

    // The Dev OU has a production account: not without --yes.
    let base = [
        "eks",
        "kubeconfig",
        "--each",
        "ou:Dev",
        "--role",
        "OrganizationAccountAccessRole",
        "--mfa-code",
        "123456",
    ];
    let out = awsnav.run(&base);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("PRODUCTION accounts are chosen"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains(&prod), "{}", stderr(&out));
    let mut with_yes = base.to_vec();
    with_yes.push("--yes");
    let out = awsnav.run(&with_yes);
    assert!(out.status.success(), "{}", stderr(&out));
    let eks: Vec<String> = proxy
        .requests()
        .iter()
        .filter(|r| r.route().starts_with("/clusters"))
        .map(|r| r.route().to_owned())
        .collect();
    assert_eq!(
        eks.iter().filter(|r| *r == "/clusters").count(),
        3,
        "ListClusters once per account: {eks:?}"
    );
    assert_eq!(
        eks.len(),
        3 + 4,
        "DescribeCluster once per cluster: {eks:?}"
    );

    let view = Command::new("kubectl")
        .args(["config", "view", "-o", "json", "--kubeconfig"])
        .arg(&kube)
        .output()
        .expect("kubectl (Debian kubernetes-client) is needed");
    assert!(view.status.success(), "{}", stderr(&view));
    let config: serde_json::Value = serde_json::from_slice(&view.stdout).unwrap();
    assert_eq!(
        config["current-context"], "kind-local",
        "the current context is kept"
    );
    let mut contexts: Vec<String> = config["contexts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    contexts.sort();
    let mut expected = vec![
        "kind-local".to_owned(),
        format!("{a_name}/main"),
        format!("{b_name}/batch"),
        format!("{b_name}/main"),
        format!("{prod_name}/payments"),
    ];
    expected.sort();
    assert_eq!(contexts, expected);
    let context = |name: &str| {
        config["contexts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["context"]
            .clone()
    };
    let user = |name: &str| {
        config["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["name"] == name)
            .unwrap()["user"]
            .clone()
    };
    let prod_context = context(&format!("{prod_name}/payments"));
    assert_eq!(
        prod_context["user"],
        format!("awsnav:PRODUCTION:{prod_name}/payments"),
        "production is marked"
    );
    assert_eq!(
        user("kind-local")["token"],
        "REDACTED",
        "kubectl read the user's own entry"
    );
    let a_context = context(&format!("{a_name}/main"));
    assert_eq!(a_context["user"], format!("awsnav:{a_name}/main"));
    assert!(
        a_context["cluster"]
            .as_str()
            .unwrap()
            .starts_with(&format!("arn:aws:eks:us-east-1:{a}:cluster/main")),
        "{a_context}"
    );
    let exec = user(&format!("awsnav:{a_name}/main"))["exec"].clone();
    assert_eq!(exec["command"], env!("CARGO_BIN_EXE_awsnav"));
    let args: Vec<String> = exec["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        args,
        [
            "eks",
            "token",
            "--cluster",
            "main",
            "--region",
            "us-east-1",
            "--role",
            "OrganizationAccountAccessRole",
            a.as_str()
        ]
    );
    let prod_exec = user(&format!("awsnav:PRODUCTION:{prod_name}/payments"))["exec"].clone();
    assert_eq!(
        prod_exec["args"].as_array().unwrap().last().unwrap(),
        "--yes"
    );
    assert!(awsnav.path("kube/config.awsnav-backup").exists());

    // The exec plugin, run as kubectl runs it.
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = awsnav
        .command(&refs)
        .env(
            "KUBERNETES_EXEC_INFO",
            r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":false}}"#,
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let cred: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cred["kind"], "ExecCredential");
    assert_eq!(cred["apiVersion"], "client.authentication.k8s.io/v1beta1");
    let ends = time::OffsetDateTime::parse(
        cred["status"]["expirationTimestamp"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let left = ends - time::OffsetDateTime::now_utc();
    assert!(
        left > time::Duration::minutes(13) && left <= time::Duration::minutes(14),
        "{left}"
    );
    let token = cred["status"]["token"].as_str().unwrap();
    let url = {
        use base64::Engine as _;
        let encoded = token.strip_prefix("k8s-aws-v1.").unwrap();
        String::from_utf8(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(encoded)
                .unwrap(),
        )
        .unwrap()
    };
    let parsed = url::Url::parse(&url).unwrap();
    let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
    assert_eq!(q["Action"], "GetCallerIdentity");
    assert_eq!(q["X-Amz-Expires"], "60");
    assert_eq!(q["X-Amz-SignedHeaders"], "host;x-k8s-aws-id");
    assert!(q["X-Amz-Credential"].ends_with("/us-east-1/sts/aws4_request"));
    assert!(
        q.contains_key("X-Amz-Security-Token"),
        "a role session's token"
    );
    assert_eq!(
        parsed.origin().ascii_serialization(),
        proxy.url.trim_end_matches('/')
    );

    // The same request as `aws eks get-token` signs it (the AWS CLI's own TokenGenerator,
    // at the same instant, with the same role session): the same signature.
    let session = awsnav.run(&[
        "env",
        &a,
        "--role",
        "OrganizationAccountAccessRole",
        "--format",
        "json",
    ]);
    assert!(session.status.success(), "{}", stderr(&session));
    let theirs = aws_cli_token(&awsnav, &stdout(&session), &q["X-Amz-Date"], "main");
    let theirs = url::Url::parse(&theirs).unwrap();
    let tq: std::collections::HashMap<_, _> = theirs.query_pairs().into_owned().collect();
    assert_eq!(theirs.origin(), parsed.origin());
    assert_eq!(tq, q, "the AWS CLI signs exactly this request");
    // Another cluster's name is another signature.
    let other = aws_cli_token(&awsnav, &stdout(&session), &q["X-Amz-Date"], "batch");
    assert!(!other.contains(&q["X-Amz-Signature"]));
}

/// The URL inside the token the AWS CLI's `eks get-token` code makes for `cluster` with the
/// credentials of `session` (`awsnav env --format json`), signed at `date`.
fn aws_cli_token(awsnav: &AwsnavCmd, session: &str, date: &str, cluster: &str) -> String {
    let script = r#"
import sys, json, base64, datetime
from unittest import mock
import botocore.session
from awscli.customizations.eks.get_token import STSClientFactory, TokenGenerator
creds, date, cluster = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
session = botocore.session.Session()
session.set_credentials(creds["AWS_ACCESS_KEY_ID"], creds["AWS_SECRET_ACCESS_KEY"], creds["AWS_SESSION_TOKEN"])
at = datetime.datetime.strptime(date, "%Y%m%dT%H%M%SZ")
with mock.patch("botocore.auth.get_current_datetime", return_value=at):
    token = TokenGenerator(STSClientFactory(session).get_sts_client(region_name="us-east-1")).get_token(cluster)
encoded = token[len("k8s-aws-v1."):]
print(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode())
"#;
    let out = Command::new(crate::common::aws_cli_python())
        .env_clear()
        .args(["-c", script, session, date, cluster])
        .env("PATH", std::env::var("PATH").unwrap())
        .env("AWS_ENDPOINT_URL", awsnav_env(awsnav, "AWS_ENDPOINT_URL"))
        // The pure-Python signer, whose clock the script can set.
        .env("BOTO_DISABLE_CRT", "true")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).trim().to_owned()
}

fn awsnav_env(awsnav: &AwsnavCmd, key: &str) -> String {
    awsnav
        .command(&[])
        .get_envs()
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}
