//! `ecr login` and the `docker-credential-awsnav` Docker runs, with awsnav installed in a
//! folder of its own: a link that is this awsnav is recognised (silently once on `PATH`), a
//! missing one is described with the command that makes it, and nothing is written into the
//! install folder unless `--link-helper` asks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::common::{AwsnavCmd, stderr, stdout};
use crate::containers::{account, setup};

const HELPER: &str = "docker-credential-awsnav";

/// awsnav installed in `opt/awsnav/bin` (a hard link to the built binary, else a copy).
fn install(awsnav: &AwsnavCmd) -> PathBuf {
    let dir = awsnav.path("opt/awsnav/bin");
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("awsnav");
    if std::fs::hard_link(env!("CARGO_BIN_EXE_awsnav"), &exe).is_err() {
        std::fs::copy(env!("CARGO_BIN_EXE_awsnav"), &exe).unwrap();
    }
    exe
}

/// `program args` with awsnav's environment and `path` as `PATH`.
fn run(awsnav: &AwsnavCmd, program: &Path, path: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(program);
    cmd.env_clear();
    for (k, v) in awsnav.command(&[]).get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    cmd.env("PATH", path)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn ecr_login_recognises_the_helper_link_and_makes_none_unasked() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (mut awsnav, _proxy, seeded) = setup(moto).await;
    let (dev, _) = account(&seeded, false, 0);
    assert!(awsnav.run(&["refresh"]).status.success());
    std::fs::create_dir_all(awsnav.path("docker")).unwrap();
    awsnav.set(
        "DOCKER_CONFIG",
        &awsnav.path("docker").display().to_string(),
    );
    let exe = install(&awsnav);
    let inst = exe.parent().unwrap().to_owned();
    let home = awsnav.path("");
    let home = home.to_str().unwrap().trim_end_matches('/');
    let base = std::env::var("PATH").unwrap();
    let with_inst = format!("{}:{base}", inst.display());
    let login = [
        "ecr",
        "login",
        &dev,
        "--role",
        "Admin",
        "--mfa-code",
        "123456",
    ];
    let helper_lines = |out: &Output| -> Vec<String> {
        stderr(out)
            .lines()
            .filter(|l| l.contains(HELPER))
            .map(str::to_owned)
            .collect()
    };

    // None anywhere, awsnav run by its path off PATH: the command that makes it, in a
    // folder to put on PATH; nothing made.
    let out = run(&awsnav, &exe, &base, &login);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        helper_lines(&out),
        [format!(
            "awsnav: Docker finds no {HELPER} on PATH; make it with: ln -s {} {home}/.local/bin/{HELPER}, and add {home}/.local/bin to PATH (or run again with --link-helper)",
            exe.display()
        )]
    );
    assert_eq!(files_in(&inst), ["awsnav"], "nothing written beside awsnav");
    assert!(!awsnav.path(".local/bin").join(HELPER).exists());

    // The install folder on PATH: the link to make beside awsnav, still not made.
    let out = run(&awsnav, &exe, &with_inst, &login);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        helper_lines(&out),
        [format!(
            "awsnav: Docker finds no {HELPER} on PATH; make it with: ln -s {exe} {inst}/{HELPER} (or run again with --link-helper)",
            exe = exe.display(),
            inst = inst.display()
        )]
    );
    assert_eq!(files_in(&inst), ["awsnav"], "nothing written beside awsnav");

    // The link made as told, its folder off PATH: recognised, and what is missing said.
    symlink(&exe, inst.join(HELPER)).unwrap();
    let out = run(&awsnav, &exe, &base, &login);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        helper_lines(&out),
        [format!(
            "awsnav: {}/{HELPER} links to this awsnav, but Docker will not find it: {} is not on PATH (add it to PATH)",
            inst.display(),
            inst.display()
        )]
    );
    assert!(!stderr(&out).contains("File exists"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("ln -s"), "{}", stderr(&out));

    // On PATH: nothing to say.
    let out = run(&awsnav, &exe, &with_inst, &login);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(helper_lines(&out), Vec::<String>::new());
    assert_eq!(files_in(&inst), ["awsnav", HELPER]);

    // A link of the user's elsewhere on PATH, through the awsnav link they run: silent too.
    std::fs::remove_file(inst.join(HELPER)).unwrap();
    let bin = awsnav.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    symlink(&exe, bin.join("awsnav")).unwrap();
    symlink(bin.join("awsnav"), bin.join(HELPER)).unwrap();
    let with_bin = format!("{}:{base}", bin.display());
    let out = run(&awsnav, &bin.join("awsnav"), &with_bin, &login);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(helper_lines(&out), Vec::<String>::new());

    // Asked for: made beside the awsnav on PATH, and Docker's helper answers through it.
    std::fs::remove_file(bin.join(HELPER)).unwrap();
    let mut asked = login.to_vec();
    asked.push("--link-helper");
    let out = run(&awsnav, &exe, &with_inst, &asked);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        helper_lines(&out),
        [format!(
            "awsnav: linked {}/{HELPER} to {}",
            inst.display(),
            exe.display()
        )]
    );
    assert_eq!(std::fs::read_link(inst.join(HELPER)).unwrap(), exe);
    let listed = run(&awsnav, &inst.join(HELPER), &with_inst, &["list"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let registries: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(
        registries[format!("{dev}.dkr.ecr.us-east-1.amazonaws.com")],
        "AWS",
        "{}",
        stdout(&listed)
    );
    // Asked again: it is there.
    let out = run(&awsnav, &exe, &with_inst, &asked);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        helper_lines(&out),
        [format!(
            "awsnav: {}/{HELPER} on PATH is this awsnav already: nothing to link",
            inst.display()
        )]
    );
}
