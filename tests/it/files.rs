//! Bad files around awsnav: a malformed AWS config, cache paths that cannot be read or
//! written, caches from another format, corrupt credential files, and a write killed half-way.
//! Each ends in a clear message, and nothing that was good is lost.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{AwsnavCmd, OuSpec, stderr, stdout};
use serde_json::Value;

fn tree() -> Vec<OuSpec> {
    vec![OuSpec::new("Dev", 2, vec![])]
}

fn accounts_listed(out: &std::process::Output) -> usize {
    let list: Value = serde_json::from_str(&stdout(out)).unwrap();
    list.as_array().unwrap().len()
}

#[test]
fn a_malformed_aws_config_file_is_named() {
    let awsnav = AwsnavCmd::new();
    std::fs::write(
        awsnav.path(".aws/config"),
        "[profile mgmt\nregion = us-east-1\n",
    )
    .unwrap();
    let out = awsnav.run(&["--profile", "mgmt", "refresh"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.starts_with("awsnav: "), "{err}");
    assert!(err.contains("cannot read the AWS config files"), "{err}");
    assert!(
        err.contains(".aws/config on line 1"),
        "names file and line: {err}"
    );
    assert!(
        err.contains("must end with ']'"),
        "says what is wrong: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[tokio::test]
async fn unusable_cache_paths_are_warnings_and_the_answer_still_comes() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let seeded = crate::common::seed_org(&moto.sdk().await, &tree(), 0).await;
    let awsnav = AwsnavCmd::new().against(&moto.url);

    // The cache file is a directory: cannot be read, cannot be replaced.
    let cache = awsnav.path("awsnav/cache/inventory-default-chain.bin");
    std::fs::create_dir_all(cache.join("in-the-way")).unwrap();
    let out = awsnav.run(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(accounts_listed(&out), seeded.accounts.len());
    let err = stderr(&out);
    assert!(err.contains("is unreadable"), "{err}");
    assert!(err.contains("it will be rebuilt"), "{err}");
    assert!(err.contains("cannot write cache file"), "{err}");
    assert!(
        cache.join("in-the-way").is_dir(),
        "nothing of the user's removed"
    );

    // The cache directory is a file.
    let awsnav = AwsnavCmd::new().against(&moto.url);
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(awsnav.path("awsnav/cache"), "not a directory").unwrap();
    let out = awsnav.run(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(accounts_listed(&out), seeded.accounts.len());
    assert!(
        stderr(&out).contains("cannot write cache file"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(awsnav.path("awsnav/cache")).unwrap(),
        "not a directory"
    );
}

#[tokio::test]
async fn a_cache_from_a_newer_awsnav_is_rebuilt_with_a_note() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let seeded = crate::common::seed_org(&moto.sdk().await, &tree(), 0).await;
    let awsnav = AwsnavCmd::new().against(&moto.url);
    let cache = awsnav.path("awsnav/cache/inventory-default-chain.bin");
    std::fs::create_dir_all(cache.parent().unwrap()).unwrap();
    std::fs::write(
        &cache,
        r#"{"format": 3, "inventory": {"shape": "unknown"}}"#,
    )
    .unwrap();
    let out = awsnav.run(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(accounts_listed(&out), seeded.accounts.len());
    let err = stderr(&out);
    assert!(
        err.contains(
            "has format 3 (written by a newer awsnav), this awsnav reads format 2 (and 1)"
        ),
        "{err}"
    );
    assert_eq!(crate::common::cache_format(&cache), 2);
}

#[tokio::test]
async fn a_cache_write_killed_half_way_leaves_the_previous_cache() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    crate::common::seed_org(&sdk, &tree(), 0).await;
    let awsnav = AwsnavCmd::new().against(&moto.url);
    assert!(awsnav.run(&["refresh"]).status.success());
    let cache = awsnav.path("awsnav/cache/inventory-default-chain.bin");
    let good = std::fs::read(&cache).unwrap();
    assert!(good.len() < 8 * 1024, "{}", good.len());

    // The organization grows past what the file-size limit lets awsnav write: the kernel
    // stops the write (SIGXFSZ) half-way through the new cache file.
    crate::common::seed_more(&sdk, "Grown", 60).await;
    let mut awsnav = awsnav;
    awsnav.set("AWSNAV_LOG", "off");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -f 16 && exec {}",
            awsnav.shell_command(&["refresh"])
        ))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success(), "the write was stopped");
    assert_eq!(
        std::fs::read(&cache).unwrap(),
        good,
        "previous cache intact"
    );

    // And it still answers.
    let out = awsnav.run(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(accounts_listed(&out), 3);
}

#[tokio::test]
async fn corrupt_credential_files_are_replaced_not_fatal() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &tree(), 0).await;
    let alice = crate::common::alice(&sdk).await;
    let mut awsnav = AwsnavCmd::new().with_user(&alice);
    awsnav.set("AWS_ENDPOINT_URL", &moto.url);
    awsnav.set("AWS_REGION", "us-east-1");
    assert!(awsnav.run(&["refresh"]).status.success());
    let account = seeded.first_non_prod_member();
    let args = ["exec", &account, "--mfa-code", "123456", "--", "true"];
    assert!(awsnav.run(&args).status.success());
    let dir = awsnav.path("awsnav/cache/credentials");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        files.len(),
        2,
        "an MFA session and a role session: {files:?}"
    );

    for damage in [
        |b: &[u8]| b[..b.len() / 2].to_vec(),
        |_: &[u8]| b"\x00\xff garbage".to_vec(),
        |_: &[u8]| Vec::new(),
    ] {
        for f in &files {
            let bytes = std::fs::read(f).unwrap();
            std::fs::write(f, damage(&bytes)).unwrap();
        }
        let out = awsnav.run(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"));
        for f in &files {
            let fresh: Value = serde_json::from_slice(&std::fs::read(f).unwrap())
                .unwrap_or_else(|e| panic!("{} rewritten whole: {e}", f.display()));
            assert!(fresh.is_object());
        }
    }
}
