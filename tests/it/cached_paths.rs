//! Nothing on a cached path touches the network stack: with the inventory, the costs and the
//! role session cached, the commands people run all day open no trust-store file and connect
//! no socket. Building the HTTP client (the platform's certificates read, a connection opened)
//! costs more than the rest of such a command, so it must wait for the first request that is
//! about to be sent. Checked under `strace`, which sees every `openat` and `connect` of awsnav
//! and its children: a count of system calls, not a timing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use crate::common::{AwsnavCmd, OuSpec, stderr};

/// Where the tests find strace: `STRACE`, else `PATH`. scripts/test installs it.
fn strace() -> PathBuf {
    if let Some(path) = std::env::var_os("STRACE") {
        return path.into();
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join("strace"))
        .find(|p| p.is_file())
        .expect(
            "strace is needed to see what awsnav opens and connects: run scripts/test, which \
             installs it (Debian package strace), or set STRACE",
        )
}

/// What one command did that only the network stack does.
#[derive(Debug, Default)]
struct Touched {
    trust_store: Vec<String>,
    connects: Vec<String>,
}

/// Files that hold trusted certificates on Linux (what rustls-native-certs and OpenSSL read),
/// and the two files the test's environment names as the trust store.
fn is_trust_store(path: &str, marks: &[&Path]) -> bool {
    const SYSTEM: [&str; 6] = [
        "/etc/ssl/",
        "/etc/pki/",
        "/usr/lib/ssl/",
        "/usr/share/ca-certificates",
        "/etc/ca-certificates",
        "/usr/local/share/certs",
    ];
    SYSTEM.iter().any(|s| path.starts_with(s))
        || path == "/etc/ssl"
        || marks.iter().any(|m| Path::new(path).starts_with(m))
}

/// Runs `awsnav ARGS` under strace and reads what it opened and connected, itself and its
/// children. The command must succeed: a failure is not a cached path.
fn traced(awsnav: &AwsnavCmd, args: &[&str], marks: &[&Path]) -> Touched {
    let log = awsnav.path("strace.log");
    let strace = strace();
    let wrapper = [
        strace.to_str().unwrap(),
        "-f",
        "-qq",
        "-e",
        "trace=openat,connect",
        "-o",
        log.to_str().unwrap(),
        "--",
    ];
    let out = awsnav.command_via(&wrapper, args).output().unwrap();
    let said = stderr(&out);
    assert!(
        !said.contains("PTRACE") && !said.contains("ptrace"),
        "strace cannot trace here ({said}): the test needs ptrace (as root, or \
         kernel.yama.ptrace_scope 0/1)"
    );
    assert!(out.status.success(), "awsnav {args:?} failed: {said}");
    let text = std::fs::read_to_string(&log).unwrap();
    let mut touched = Touched::default();
    for line in text.lines() {
        if line.contains("connect(") {
            touched.connects.push(line.to_owned());
        } else if let Some(at) = line.find("openat(") {
            let path = line[at..].split('"').nth(1).unwrap_or_default();
            if is_trust_store(path, marks) {
                touched.trust_store.push(path.to_owned());
            }
        }
    }
    touched
}

#[tokio::test]
async fn cached_paths_open_no_trust_store_and_connect_nothing() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &[OuSpec::new("Sandbox", 2, vec![])], 0).await;
    let alice = crate::common::alice(&sdk).await;
    let account = seeded.first_non_prod_member();
    crate::common::seed_cost(moto, "123456789012", &account, "42.50");
    let mut awsnav = crate::common::awsnav_as(&alice, &moto.url);
    // The trust store the HTTP stack would read, named by the environment (the system's
    // roots, copied): a read of either is the client being built.
    let trust = awsnav.path("trust");
    std::fs::create_dir_all(trust.join("dir")).unwrap();
    let roots = [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
    ]
    .iter()
    .find_map(|p| std::fs::read(p).ok())
    .expect("the system's CA bundle (Debian package ca-certificates)");
    std::fs::write(trust.join("roots.pem"), roots).unwrap();
    awsnav.set("SSL_CERT_FILE", trust.join("roots.pem").to_str().unwrap());
    awsnav.set("SSL_CERT_DIR", trust.join("dir").to_str().unwrap());
    let marks = [trust.as_path()];

    // The control: a command that does send requests is seen doing both.
    let control = traced(&awsnav, &["refresh"], &marks);
    assert!(
        !control.connects.is_empty() && !control.trust_store.is_empty(),
        "the detector must see a refresh connect and read the trust store: {control:?}"
    );
    // What the commands below need, cached: the costs (a first `list --json`) and the role
    // session with its MFA session (a first `exec`).
    let out = awsnav.run(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = awsnav.run(&["exec", &account, "--mfa-code", "123456", "--", "true"]);
    assert!(out.status.success(), "{}", stderr(&out));

    // `shell` starts $SHELL; a shell that ends at once is enough to see awsnav's side.
    let exits = awsnav.path("exits");
    std::fs::write(&exits, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&exits, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    awsnav.set("SHELL", exits.to_str().unwrap());

    let a = account.as_str();
    let role = "OrganizationAccountAccessRole";
    let commands: Vec<Vec<&str>> = vec![
        vec!["--help"],
        vec!["exec", "--help"],
        vec!["list"],
        vec!["list", "--json"],
        vec!["which", a],
        vec!["env", a],
        vec!["env", a, "--format", "json"],
        vec!["exec", a, "--", "true"],
        vec!["exec", a, "--credentials", "env", "--", "true"],
        vec!["shell", a],
        vec!["credential-process", "--account", a, "--role", role],
        vec!["eks", "token", a, "--cluster", "main"],
        vec!["completions", "bash"],
    ];
    let mut found = Vec::new();
    for args in &commands {
        let touched = traced(&awsnav, args, &marks);
        if !touched.connects.is_empty() || !touched.trust_store.is_empty() {
            found.push(format!("awsnav {}: {touched:#?}", args.join(" ")));
        }
    }
    // Completion as the shell asks for it while the person types `awsnav exec <TAB>`.
    awsnav.set("AWSNAV_COMPLETE", "bash");
    awsnav.set("_CLAP_COMPLETE_INDEX", "2");
    awsnav.set("_CLAP_COMPLETE_COMP_TYPE", "9");
    awsnav.set("_CLAP_COMPLETE_SPACE", "true");
    awsnav.set("_CLAP_IFS", "\n");
    let completion = ["--", "awsnav", "exec", ""];
    let touched = traced(&awsnav, &completion, &marks);
    if !touched.connects.is_empty() || !touched.trust_store.is_empty() {
        found.push(format!("completing `awsnav exec <TAB>`: {touched:#?}"));
    }
    let offered = awsnav.run(&completion);
    assert!(
        crate::common::stdout(&offered).contains(a),
        "the completion offers the cached accounts: {}",
        crate::common::stdout(&offered)
    );
    assert!(
        found.is_empty(),
        "cached paths reached the network stack:\n{}",
        found.join("\n")
    );
}
