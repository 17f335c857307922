//! The key store with real parts: GNOME Keyring's Secret Service on a private D-Bus session
//! bus (checked through `secret-tool`), IAM users and keys in moto, and a loopback proxy in
//! front of moto that refuses keys IAM never issued or has deleted, as AWS does. Every run is
//! traced (`AWSNAV_LOG=trace`), and afterwards no file under the home directory (config,
//! caches, log, the AWS files) nor any output holds the secret.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use crate::common::fault::{FaultServer, issued_keys_only, signing_key};
use crate::common::keyring::{SecretService, files_containing};
use crate::common::{Alice, AwsnavCmd, stderr, stdout};
use serde_json::Value;

struct Setup {
    awsnav: AwsnavCmd,
    proxy: FaultServer,
    alice: Alice,
    /// Keys the proxy takes as issued.
    known: Arc<Mutex<Vec<String>>>,
}

/// alice in moto, the proxy in front of it, and awsnav with no credentials of its own: no
/// key variables, no credentials file. MFA codes come from `mfa_process`.
async fn setup(moto: &crate::common::Moto, fail_delete: bool) -> Setup {
    let sdk = moto.sdk().await;
    let alice = crate::common::alice(&sdk).await;
    let known = Arc::new(Mutex::new(vec![alice.key.clone()]));
    let proxy = FaultServer::start(issued_keys_only(&moto.url, known.clone(), fail_delete));
    let mut awsnav = AwsnavCmd::new().against(&proxy.url);
    awsnav.unset("AWS_ACCESS_KEY_ID");
    awsnav.unset("AWS_SECRET_ACCESS_KEY");
    awsnav.set("AWSNAV_LOG", "trace");
    write_config(&awsnav, "[auth]\nmfa_process = \"printf 123456\"\n");
    Setup {
        awsnav,
        proxy,
        alice,
        known,
    }
}

fn write_config(awsnav: &AwsnavCmd, text: &str) {
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(awsnav.path("awsnav/config.toml"), text).unwrap();
}

/// `awsnav auth add NAME --env` with `key` and `secret`.
fn add(awsnav: &AwsnavCmd, name: &str, key: &str, secret: &str) -> std::process::Output {
    awsnav
        .command(&["auth", "add", name, "--env"])
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .output()
        .unwrap()
}

fn listed(awsnav: &AwsnavCmd) -> Value {
    let out = awsnav.run(&["auth", "list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

fn tail(key: &str) -> &str {
    &key[key.len() - 4..]
}

/// Neither output nor any file under the home directory holds `secret`.
fn assert_secret_kept(awsnav: &AwsnavCmd, outputs: &[&std::process::Output], secret: &str) {
    for out in outputs {
        assert!(!stdout(out).contains(secret), "stdout: {}", stdout(out));
        assert!(!stderr(out).contains(secret), "stderr: {}", stderr(out));
    }
    let found = files_containing(awsnav.home.path(), secret);
    assert!(found.is_empty(), "the secret is in {found:?}");
    // The trace log was written: the check above read it.
    assert!(awsnav.path("awsnav/log/awsnav.log").exists());
}

async fn access_keys(moto: &crate::common::Moto) -> Vec<String> {
    let iam = aws_sdk_iam::Client::new(&moto.sdk().await);
    let out = iam
        .list_access_keys()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    out.access_key_metadata()
        .iter()
        .map(|k| k.access_key_id().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_key_lives_in_the_secret_service_and_is_the_base_identity() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let Setup {
        mut awsnav,
        proxy,
        alice,
        ..
    } = setup(moto, false).await;
    let keyring = SecretService::start(awsnav.home.path(), true);
    awsnav.set("DBUS_SESSION_BUS_ADDRESS", &keyring.address);

    let added = add(&awsnav, "alice", &alice.key, &alice.secret);
    assert!(added.status.success(), "{}", stderr(&added));
    assert!(
        stderr(&added).contains("arn:aws:iam::123456789012:user/alice"),
        "{}",
        stderr(&added)
    );
    assert!(stderr(&added).contains(&format!("…{}", tail(&alice.key))));
    let checked = proxy.requests();
    assert_eq!(
        checked
            .iter()
            .filter(|r| r.operation() == "GetCallerIdentity")
            .map(signing_key)
            .collect::<Vec<_>>(),
        [Some(alice.key.clone())]
    );
    let stored = keyring
        .lookup("alice")
        .expect("no item in the Secret Service");
    assert!(stored.contains(&alice.secret) && stored.contains(&alice.key));

    let list = listed(&awsnav);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["name"], "alice");
    assert_eq!(list[0]["key_id_last4"], tail(&alice.key));
    assert_eq!(list[0]["user_arn"], "arn:aws:iam::123456789012:user/alice");
    assert_eq!(list[0]["stored_in"], "keyring");
    let table = awsnav.run(&["auth", "list"]);
    assert!(stdout(&table).contains(&format!("…{}", tail(&alice.key))));
    assert!(!stdout(&table).contains(&alice.key));

    // The base identity: the key named like AWS_PROFILE (no such profile in the AWS files,
    // and no other credentials anywhere: the proxy refuses every key but alice's).
    awsnav.set("AWS_PROFILE", "alice");
    let shown = awsnav.run(&["config", "show"]);
    assert!(
        stdout(&shown).contains("key store: alice"),
        "{}",
        stdout(&shown)
    );
    let before = proxy.requests().len();
    let exec = awsnav.run(&[
        "exec",
        "210987654321",
        "--role",
        "Admin",
        "--yes",
        "--",
        "sh",
        "-c",
        "echo $AWSNAV_ACCOUNT_ID",
    ]);
    assert!(exec.status.success(), "{}", stderr(&exec));
    assert_eq!(stdout(&exec).trim(), "210987654321");
    let sent = &proxy.requests()[before..];
    let signed_by = |op: &str| {
        sent.iter()
            .filter(|r| r.operation() == op)
            .map(signing_key)
            .collect::<Vec<_>>()
    };
    assert_eq!(signed_by("GetCallerIdentity"), [Some(alice.key.clone())]);
    assert_eq!(signed_by("GetSessionToken"), [Some(alice.key.clone())]);
    assert_eq!(
        sent.iter()
            .filter(|r| r.operation() == "AssumeRole")
            .count(),
        1
    );

    let removed = awsnav.run(&["auth", "remove", "alice"]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    assert_eq!(keyring.lookup("alice"), None);
    assert_eq!(listed(&awsnav), serde_json::json!([]));
    let again = awsnav.run(&["auth", "remove", "alice"]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("no key is stored under `alice`"));

    assert_secret_kept(
        &awsnav,
        &[&added, &table, &shown, &exec, &removed],
        &alice.secret,
    );
}

#[tokio::test]
async fn a_key_aws_refuses_is_not_stored() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let Setup { mut awsnav, .. } = setup(moto, false).await;
    let keyring = SecretService::start(awsnav.home.path(), true);
    awsnav.set("DBUS_SESSION_BUS_ADDRESS", &keyring.address);
    let secret = "never-issued-secret-0123456789";
    let out = add(&awsnav, "mallory", "AKIANEVERISSUED00000", secret);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("AWS refused the key …0000")
            && stderr(&out).contains("nothing was stored"),
        "{}",
        stderr(&out)
    );
    assert_eq!(keyring.lookup("mallory"), None);
    assert_eq!(listed(&awsnav), serde_json::json!([]));

    // A session key is not a long-lived key.
    let temp = awsnav
        .command(&["auth", "add", "temp", "--env"])
        .env("AWS_ACCESS_KEY_ID", "ASIATEMPORARY0000000")
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("AWS_SESSION_TOKEN", "token")
        .output()
        .unwrap();
    assert!(!temp.status.success());
    assert!(stderr(&temp).contains("temporary key"), "{}", stderr(&temp));
    assert_secret_kept(&awsnav, &[&out, &temp], secret);
}

#[tokio::test]
async fn import_moves_the_keys_and_the_aws_cli_still_gets_credentials() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let Setup {
        mut awsnav,
        proxy,
        alice,
        ..
    } = setup(moto, false).await;
    let keyring = SecretService::start(awsnav.home.path(), true);
    awsnav.set("DBUS_SESSION_BUS_ADDRESS", &keyring.address);
    let original = format!(
        "# team keys\n[default]\naws_access_key_id = AKIADEFAULTEXAMPLE01\naws_secret_access_key = default-secret\n\n[alice]\nregion = us-east-1\naws_access_key_id = {}\n; keep this comment\naws_secret_access_key={}\noutput = json\n",
        alice.key, alice.secret
    );
    let credentials = awsnav.path(".aws/credentials");
    std::fs::write(&credentials, &original).unwrap();
    let config_before = std::fs::read_to_string(awsnav.path(".aws/config")).unwrap();

    let out = awsnav.run(&["auth", "import", "alice", "--remove"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(keyring.lookup("alice").unwrap().contains(&alice.secret));
    // Exactly the two key lines are gone; every other byte is kept.
    let expected = original
        .replace(&format!("aws_access_key_id = {}\n", alice.key), "")
        .replace(&format!("aws_secret_access_key={}\n", alice.secret), "");
    assert_eq!(std::fs::read_to_string(&credentials).unwrap(), expected);
    let backup = awsnav.path(".aws/credentials.awsnav-backup");
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), original);
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let config = std::fs::read_to_string(awsnav.path(".aws/config")).unwrap();
    assert!(config.starts_with(&config_before), "{config}");
    assert!(
        config.ends_with(&format!(
            "[profile alice]\ncredential_process = {} credential-process --key alice\n",
            env!("CARGO_BIN_EXE_awsnav")
        )),
        "{config}"
    );

    // The AWS CLI gets a session through the credential_process line: signed by the stored
    // key, with MFA, and the long-lived key never reaches it.
    let before = proxy.requests().len();
    let env: Vec<_> = awsnav
        .command(&[])
        .get_envs()
        .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned())))
        .collect();
    let cli = std::process::Command::new(crate::common::aws_cli())
        .args([
            "sts",
            "get-caller-identity",
            "--profile",
            "alice",
            "--output",
            "json",
        ])
        .env_clear()
        .envs(env)
        .output()
        .unwrap();
    assert!(cli.status.success(), "{}", stderr(&cli));
    let who: Value = serde_json::from_str(&stdout(&cli)).unwrap();
    assert_eq!(who["Account"], "123456789012");
    let sent = &proxy.requests()[before..];
    let session = sent
        .iter()
        .find(|r| r.operation() == "GetSessionToken")
        .expect("no GetSessionToken");
    assert_eq!(signing_key(session), Some(alice.key.clone()));
    assert!(session.body.contains("SerialNumber="), "{}", session.body);
    let called = sent
        .iter()
        .rfind(|r| r.operation() == "GetCallerIdentity")
        .unwrap();
    assert!(called.header("x-amz-security-token").is_some());
    assert_ne!(signing_key(called), Some(alice.key.clone()));
    assert!(!stdout(&cli).contains(&alice.secret));

    // Importing again finds nothing to import.
    let again = awsnav.run(&["auth", "import", "alice"]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("has no access key"),
        "{}",
        stderr(&again)
    );

    // The backup holds the key by design (mode 0600); nothing else does.
    std::fs::remove_file(&backup).unwrap();
    assert_secret_kept(&awsnav, &[&out, &cli, &again], &alice.secret);
}

#[tokio::test]
async fn rotate_makes_a_new_key_and_deletes_the_old_one() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let Setup {
        mut awsnav,
        alice,
        known,
        ..
    } = setup(moto, false).await;
    let keyring = SecretService::start(awsnav.home.path(), true);
    awsnav.set("DBUS_SESSION_BUS_ADDRESS", &keyring.address);
    assert!(
        add(&awsnav, "alice", &alice.key, &alice.secret)
            .status
            .success()
    );

    let out = awsnav.run(&["auth", "rotate", "alice"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let keys = access_keys(moto).await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    let new = keys[0].clone();
    assert_ne!(new, alice.key);
    assert!(!known.lock().unwrap().contains(&alice.key));
    let stored = keyring.lookup("alice").unwrap();
    assert!(
        stored.contains(&new) && !stored.contains(&alice.key),
        "{stored}"
    );
    assert_eq!(listed(&awsnav)[0]["key_id_last4"], tail(&new));
    assert!(
        stderr(&out).contains(&format!("…{}", tail(&new))),
        "{}",
        stderr(&out)
    );

    // The new key works (the proxy refuses the deleted one).
    let session = awsnav.run(&["credential-process", "--key", "alice"]);
    assert!(session.status.success(), "{}", stderr(&session));
    let new_secret: Value = serde_json::from_str(&stored).unwrap();
    let new_secret = new_secret["secret_access_key"].as_str().unwrap().to_owned();
    assert_secret_kept(&awsnav, &[&out, &session], &new_secret);
    assert_secret_kept(&awsnav, &[&out, &session], &alice.secret);
}

#[tokio::test]
async fn a_failed_delete_leaves_the_new_key_stored_and_names_the_old_one() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let Setup {
        mut awsnav, alice, ..
    } = setup(moto, true).await;
    let keyring = SecretService::start(awsnav.home.path(), true);
    awsnav.set("DBUS_SESSION_BUS_ADDRESS", &keyring.address);
    assert!(
        add(&awsnav, "alice", &alice.key, &alice.secret)
            .status
            .success()
    );

    let out = awsnav.run(&["auth", "rotate", "alice"]);
    assert!(!out.status.success());
    let keys = access_keys(moto).await;
    assert_eq!(keys.len(), 2, "{keys:?}");
    let new = keys.iter().find(|k| **k != alice.key).unwrap().clone();
    let err = stderr(&out);
    assert!(
        err.contains(&format!("new key …{} is stored and working", tail(&new))),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "aws iam delete-access-key --user-name alice --access-key-id {}",
            alice.key
        )),
        "{err}"
    );
    // Nothing lost: the new key is stored and works.
    assert!(keyring.lookup("alice").unwrap().contains(&new));
    let session = awsnav.run(&["credential-process", "--key", "alice"]);
    assert!(session.status.success(), "{}", stderr(&session));
    assert_secret_kept(&awsnav, &[&out, &session], &alice.secret);
}

#[tokio::test]
async fn the_file_backend_seals_keys_with_a_passphrase() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let Setup {
        mut awsnav,
        proxy,
        alice,
        ..
    } = setup(moto, false).await;
    write_config(
        &awsnav,
        "[auth]\nkeyring = \"file\"\nmfa_process = \"printf 123456\"\n",
    );
    // No Secret Service anywhere.
    let nowhere = format!("unix:path={}", awsnav.path("no-bus").display());
    awsnav.set("DBUS_SESSION_BUS_ADDRESS", &nowhere);
    awsnav.set("AWSNAV_FILE_PASSPHRASE", "correct horse battery staple");
    let added = add(&awsnav, "alice", &alice.key, &alice.secret);
    assert!(added.status.success(), "{}", stderr(&added));
    assert!(
        stderr(&added).contains("encrypted key file"),
        "{}",
        stderr(&added)
    );
    let sealed = std::fs::read(awsnav.path("awsnav/keys.enc")).unwrap();
    assert!(sealed.starts_with(b"awsnav-keys v1"));
    assert_eq!(listed(&awsnav)[0]["stored_in"], "file");

    let session = awsnav.run(&["credential-process", "--key", "alice"]);
    assert!(session.status.success(), "{}", stderr(&session));
    let signed = proxy
        .requests()
        .iter()
        .rfind(|r| r.operation() == "GetSessionToken")
        .and_then(signing_key);
    assert_eq!(signed, Some(alice.key.clone()));

    // A cached session answers without the key file: clear it to make the key needed.
    std::fs::remove_dir_all(awsnav.path("awsnav/cache")).unwrap();
    awsnav.set("AWSNAV_FILE_PASSPHRASE", "wrong");
    let wrong = awsnav.run(&["credential-process", "--key", "alice"]);
    assert!(!wrong.status.success());
    assert!(
        stderr(&wrong).contains("cannot be opened with this passphrase"),
        "{}",
        stderr(&wrong)
    );
    awsnav.unset("AWSNAV_FILE_PASSPHRASE");
    let none = awsnav.run(&["credential-process", "--key", "alice"]);
    assert!(!none.status.success());
    assert!(
        stderr(&none).contains("set AWSNAV_FILE_PASSPHRASE"),
        "{}",
        stderr(&none)
    );
    assert_secret_kept(&awsnav, &[&added, &session, &wrong, &none], &alice.secret);
    assert_secret_kept(&awsnav, &[], &alice.key);
}

#[tokio::test]
async fn a_missing_or_locked_keyring_is_a_clear_error_and_nothing_is_written() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let Setup {
        mut awsnav,
        proxy,
        alice,
        ..
    } = setup(moto, false).await;

    // No Secret Service on the bus address.
    let nowhere = format!("unix:path={}", awsnav.path("no-bus").display());
    awsnav.set("DBUS_SESSION_BUS_ADDRESS", &nowhere);
    let missing = add(&awsnav, "alice", &alice.key, &alice.secret);
    assert!(!missing.status.success());
    let err = stderr(&missing);
    assert!(err.contains("no OS keyring is reachable"), "{err}");
    assert!(err.contains("keyring = \"file\""), "{err}");
    assert!(err.contains("does not keep keys in plaintext"), "{err}");
    assert_eq!(
        proxy.count("GetCallerIdentity"),
        0,
        "checked a key it could not store"
    );

    // A Secret Service whose keyring is locked (nobody to unlock it).
    let keyring = SecretService::start(awsnav.home.path(), false);
    awsnav.set("DBUS_SESSION_BUS_ADDRESS", &keyring.address);
    let locked = add(&awsnav, "alice", &alice.key, &alice.secret);
    assert!(!locked.status.success());
    let err = stderr(&locked);
    assert!(
        err.contains("the OS keyring refused") && err.contains("unlock"),
        "{err}"
    );
    assert_eq!(keyring.lookup("alice"), None);
    assert_eq!(listed(&awsnav), serde_json::json!([]));
    assert_secret_kept(&awsnav, &[&missing, &locked], &alice.secret);
}

#[tokio::test]
async fn sessions_can_live_in_the_keyring_too() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let Setup {
        mut awsnav,
        proxy,
        alice,
        ..
    } = setup(moto, false).await;
    write_config(
        &awsnav,
        "[auth]\nsessions = \"keyring\"\nmfa_process = \"printf 123456\"\n",
    );
    let keyring = SecretService::start(awsnav.home.path(), true);
    awsnav.set("DBUS_SESSION_BUS_ADDRESS", &keyring.address);
    assert!(
        add(&awsnav, "alice", &alice.key, &alice.secret)
            .status
            .success()
    );

    let first = awsnav.run(&["credential-process", "--key", "alice"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let served: Value = serde_json::from_str(&stdout(&first)).unwrap();
    let session_secret = served["SecretAccessKey"].as_str().unwrap().to_owned();
    let token = served["SessionToken"].as_str().unwrap().to_owned();
    // In the keyring, not in the cache file (which says until when).
    let stored = keyring
        .lookup_in("awsnav-sessions", "mfa-alice")
        .expect("the MFA session is not in the keyring");
    assert!(stored.contains(&session_secret));
    let file =
        std::fs::read_to_string(awsnav.path("awsnav/cache/credentials/mfa-alice.json")).unwrap();
    assert!(
        file.contains("\"keyring\":true") && file.contains("expiration"),
        "{file}"
    );

    // The next run reads it back: no second GetSessionToken.
    let second = awsnav.run(&["credential-process", "--key", "alice"]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(stdout(&second), stdout(&first));
    assert_eq!(proxy.count("GetSessionToken"), 1);
    for secret in [&session_secret, &token, &alice.secret] {
        let found = files_containing(awsnav.home.path(), secret);
        assert!(found.is_empty(), "a secret is in {found:?}");
    }

    // Keyring sessions with the key file are refused, saying why.
    write_config(
        &awsnav,
        "[auth]\nsessions = \"keyring\"\nkeyring = \"file\"\n",
    );
    let refused = awsnav.run(&["auth", "list"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("sessions"),
        "{}",
        stderr(&refused)
    );
}

#[tokio::test]
async fn rotate_goes_through_the_mfa_session_where_iam_requires_mfa() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let alice = crate::common::alice(&sdk).await;
    let known = Arc::new(Mutex::new(vec![alice.key.clone()]));
    let keys_checked = issued_keys_only(&moto.url, known, false);
    // alice's policy: no IAM key changes without MFA (an explicit deny for calls signed with
    // the long-lived key, as `aws:MultiFactorAuthPresent` gives).
    let proxy = FaultServer::start(move |req, n| {
        let op = req.operation();
        if op.ends_with("AccessKey") && req.header("x-amz-security-token").is_none() {
            return crate::common::fault::Response::sts_error(
                403,
                "AccessDenied",
                &format!(
                    "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:{op} with an explicit deny in an identity-based policy"
                ),
            );
        }
        keys_checked(req, n)
    });
    let mut awsnav = AwsnavCmd::new().against(&proxy.url);
    awsnav.unset("AWS_ACCESS_KEY_ID");
    awsnav.unset("AWS_SECRET_ACCESS_KEY");
    awsnav.set("AWSNAV_LOG", "trace");
    write_config(&awsnav, "[auth]\nmfa_process = \"printf 123456\"\n");
    let keyring = SecretService::start(awsnav.home.path(), true);
    awsnav.set("DBUS_SESSION_BUS_ADDRESS", &keyring.address);
    assert!(
        add(&awsnav, "alice", &alice.key, &alice.secret)
            .status
            .success()
    );

    let out = awsnav.run(&["auth", "rotate", "alice"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(proxy.count("GetSessionToken"), 1);
    let creates: Vec<bool> = proxy
        .requests()
        .iter()
        .filter(|r| r.operation() == "CreateAccessKey")
        .map(|r| r.header("x-amz-security-token").is_some())
        .collect();
    assert_eq!(
        creates,
        [false, true],
        "refused with the key, then made through MFA"
    );
    let keys = access_keys(moto).await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_ne!(keys[0], alice.key);
    assert!(keyring.lookup("alice").unwrap().contains(&keys[0]));
    assert_secret_kept(&awsnav, &[&out], &alice.secret);
}
