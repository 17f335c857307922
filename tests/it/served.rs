//! Shells and commands served by awsnav's credential endpoint: the AWS CLI and boto3 in the
//! child act as the role (not as the user's own `[default]`), through the container credential
//! provider, and keep working while the role session is renewed under them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::fault::FaultServer;
use crate::common::{AwsnavCmd, OuSpec, stderr, stdout};

fn tree() -> Vec<OuSpec> {
    vec![OuSpec::new("Dev", 3, vec![])]
}

/// awsnav as alice (keys in its environment), the AWS CLI and the test Python on PATH, behind
/// a counting proxy in front of moto.
async fn setup(moto: &crate::common::Moto) -> (AwsnavCmd, FaultServer, String) {
    let (awsnav, proxy, _, dev) = setup_org(moto).await;
    (awsnav, proxy, dev)
}

/// [`setup`], with the organization seeded.
pub async fn setup_org(
    moto: &crate::common::Moto,
) -> (AwsnavCmd, FaultServer, crate::common::SeededOrg, String) {
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &tree(), 0).await;
    let alice = crate::common::alice(&sdk).await;
    let proxy = FaultServer::start(crate::common::fault::proxy(&moto.url));
    let mut awsnav = AwsnavCmd::new().against(&proxy.url);
    awsnav.set("AWS_ACCESS_KEY_ID", &alice.key);
    awsnav.set("AWS_SECRET_ACCESS_KEY", &alice.secret);
    let path = format!(
        "{}:{}:{}",
        crate::common::aws_cli().parent().unwrap().display(),
        crate::common::python().parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    awsnav.set("PATH", &path);
    let mut dev: Vec<_> = seeded
        .accounts
        .iter()
        .filter(|(_, a)| a.ou_path.iter().any(|o| o == "Dev"))
        .map(|(id, _)| id.clone())
        .collect();
    dev.sort();
    // The user's own files: a [default] of another identity, static keys and a process, and
    // another profile that must keep working.
    std::fs::write(
        awsnav.path(".aws/credentials"),
        "[default]\naws_access_key_id = AKIAOTHERIDENTITY001\naws_secret_access_key = other-secret\n\n[other]\naws_access_key_id = AKIAOTHERPROFILE0001\naws_secret_access_key = other-profile-secret\n",
    )
    .unwrap();
    std::fs::write(
        awsnav.path(".aws/config"),
        "[default]\nregion = us-east-1\ncredential_process = sh -c 'echo shadowing >&2; exit 1'\n\n[profile other]\nregion = us-east-1\n",
    )
    .unwrap();
    (awsnav, proxy, seeded, dev[0].clone())
}

/// boto3 asking who it is (the account and the key each time) until its key changes under it
/// (the session was renewed), and once more. It fails if the key stays the same for 20 s.
pub const LONG_LOOP: &str = r"
import boto3, sys, time
session = boto3.session.Session()
sts = session.client('sts')
def call():
    account = sts.get_caller_identity()['Account']
    key = session.get_credentials().get_frozen_credentials().access_key
    print(account, key, flush=True)
    return key
first = call()
deadline = time.monotonic() + 20
while call() == first:
    if time.monotonic() > deadline:
        sys.exit('the key never changed in 20 s')
    time.sleep(0.1)
call()
";

const WHO_BOTO3: &str = "import boto3; print(boto3.client('sts').get_caller_identity()['Account'])";

#[tokio::test]
async fn the_aws_cli_and_boto3_act_as_the_role_through_the_endpoint() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (awsnav, _proxy, dev) = setup(moto).await;
    let user_config = std::fs::read_to_string(awsnav.path(".aws/config")).unwrap();

    let script = r#"
        set -e
        aws sts get-caller-identity --query Account --output text
        python -c "$WHO_BOTO3"
        aws --profile other sts get-caller-identity --query Account --output text
        env | grep -E '^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)=' || echo no-key-variables
        echo "uri=$AWS_CONTAINER_CREDENTIALS_FULL_URI"
        python - <<'EOF'
import os, urllib.request, urllib.error
uri = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
for given in (None, "wrong", token):
    req = urllib.request.Request(uri, headers={"Authorization": given} if given else {})
    try:
        with urllib.request.urlopen(req) as r:
            print("status", r.status, r.read().decode()[:1])
    except urllib.error.HTTPError as e:
        print("status", e.code, repr(e.read().decode()))
EOF
    "#;
    let out = awsnav
        .command(&[
            "exec",
            &dev,
            "--role",
            "Admin",
            "--mfa-code",
            "123456",
            "--yes",
            "--",
            "sh",
            "-c",
            script,
        ])
        .env("WHO_BOTO3", WHO_BOTO3)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], dev, "the AWS CLI acts as the role: {text}");
    assert_eq!(lines[1], dev, "boto3 acts as the role: {text}");
    assert_eq!(
        lines[2], "123456789012",
        "another profile still works: {text}"
    );
    assert_eq!(lines[3], "no-key-variables");
    assert!(lines[4].starts_with("uri=http://127.0.0.1:"), "{text}");
    assert_eq!(lines[5], "status 401 ''");
    assert_eq!(lines[6], "status 401 ''");
    assert_eq!(lines[7], "status 200 {");
    assert!(!stderr(&out).contains("shadowing"), "{}", stderr(&out));

    // The endpoint is gone with the child; the user's files were not touched, the copies
    // are gone too.
    let addr = lines[4]
        .trim_start_matches("uri=http://")
        .split('/')
        .next()
        .unwrap();
    assert!(std::net::TcpStream::connect(addr).is_err());
    assert_eq!(
        std::fs::read_to_string(awsnav.path(".aws/config")).unwrap(),
        user_config
    );
    // The child's own directory (its copy of the credentials file) is gone; the copy of the
    // config file, made once for this version of it, stays for the next child, 0600.
    let runs = awsnav.path("awsnav/cache/run");
    let left: Vec<std::path::PathBuf> = std::fs::read_dir(&runs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
    let name = left[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("config-") && left[0].is_file(), "{name}");
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&left[0]).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&runs).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }
}

#[tokio::test]
async fn a_long_run_sees_its_session_renewed_without_a_new_code() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (awsnav, proxy, dev) = setup(moto).await;
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    // Sessions of 900 s renewed 898 s before they end: stale 2 s after they are made.
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        "[shell]\nrefresh_margin_seconds = 898\n",
    )
    .unwrap();
    let script = LONG_LOOP;
    let out = awsnav
        .command(&[
            "exec",
            &dev,
            "--role",
            "Admin",
            "--mfa-code",
            "123456",
            "--duration",
            "900",
            "--yes",
            "--",
            "python",
            "-c",
            script,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    let calls: Vec<(&str, &str)> = text.lines().map(|l| l.split_once(' ').unwrap()).collect();
    assert!(calls.len() >= 3, "{text}");
    assert!(
        calls.iter().all(|(a, _)| *a == dev),
        "every call as the role: {text}"
    );
    let mut keys: Vec<&str> = calls.iter().map(|(_, k)| *k).collect();
    keys.dedup();
    assert!(keys.len() >= 2, "the key changed under the child: {text}");
    assert_eq!(
        proxy.count("GetSessionToken"),
        1,
        "one code for the whole run"
    );
    assert!(proxy.count("AssumeRole") >= 2, "renewed by AssumeRole");
}

#[tokio::test]
async fn credentials_env_gives_todays_environment() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (awsnav, _proxy, dev) = setup(moto).await;
    let out = awsnav.run(&[
        "exec",
        &dev,
        "--role",
        "Admin",
        "--mfa-code",
        "123456",
        "--yes",
        "--credentials",
        "env",
        "--",
        "env",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let env: std::collections::HashMap<&str, &str> =
        text.lines().filter_map(|l| l.split_once('=')).collect();
    assert!(env["AWS_ACCESS_KEY_ID"].starts_with("ASIA"));
    assert!(env.contains_key("AWS_SECRET_ACCESS_KEY"));
    assert!(env.contains_key("AWS_SESSION_TOKEN"));
    assert!(env.contains_key("AWS_CREDENTIAL_EXPIRATION"));
    assert_eq!(env["AWSNAV_ACCOUNT_ID"], dev);
    assert!(!env.contains_key("AWS_CONTAINER_CREDENTIALS_FULL_URI"));
    assert!(!env.contains_key("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
    assert_eq!(
        env["AWS_CONFIG_FILE"],
        awsnav.path(".aws/config").display().to_string(),
        "the user's own files"
    );

    // The same in server mode: the container variables, no keys.
    let out = awsnav.run(&["exec", &dev, "--role", "Admin", "--yes", "--", "env"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let served: std::collections::HashMap<&str, &str> =
        text.lines().filter_map(|l| l.split_once('=')).collect();
    assert!(served.contains_key("AWS_CONTAINER_CREDENTIALS_FULL_URI"));
    assert_eq!(served["AWS_CONTAINER_AUTHORIZATION_TOKEN"].len(), 64);
    assert!(!served.contains_key("AWS_ACCESS_KEY_ID"));
    assert!(!served.contains_key("AWS_SESSION_TOKEN"));
    assert_eq!(served["AWSNAV_ACCOUNT_ID"], dev);
    let copy = std::path::Path::new(served["AWS_CONFIG_FILE"]);
    assert!(copy.starts_with(awsnav.path("awsnav/cache/run")), "{text}");
}

#[tokio::test]
async fn a_renewal_that_needs_a_code_nobody_can_give_is_an_error_the_child_sees() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (awsnav, _proxy, dev) = setup(moto).await;
    // The child throws away the cached sessions: renewing needs a new MFA code, and there is
    // neither an MFA command nor a dialog (nor the terminal, which the child has).
    let script = r#"rm -f "$AWSNAV_CACHE_DIR"/credentials/*; aws sts get-caller-identity"#;
    let out = awsnav.run(&[
        "exec",
        &dev,
        "--role",
        "Admin",
        "--mfa-code",
        "123456",
        "--yes",
        "--",
        "sh",
        "-c",
        script,
    ]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("awsnav: cannot renew the credentials of"),
        "one line from awsnav: {err}"
    );
    assert!(
        err.contains("\"Message\":\"awsnav: an MFA code is needed"),
        "the SDK in the child shows why: {err}"
    );
    assert_eq!(
        err.matches("cannot renew the credentials").count(),
        1,
        "one line, however often the SDK asks: {err}"
    );
}
