//! `awsnav completions SHELL` and `awsnav man`: the scripts each shell accepts, account names
//! completed from the cache by a real bash, and a manual page `man` renders.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use crate::common::{AwsnavCmd, stderr, stdout};
use awsnav::store::inventory_cache::InventoryCache;

/// An isolated home whose cache holds the demo organization, and an alias in the config.
fn with_cache() -> AwsnavCmd {
    let awsnav = AwsnavCmd::new();
    let cache = InventoryCache::new(&awsnav.path("awsnav/cache"), None);
    cache
        .store(&awsnav::domain::demo::inventory(
            time::OffsetDateTime::now_utc(),
        ))
        .unwrap();
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        "[aliases]\npay = \"payments-prod\"\n",
    )
    .unwrap();
    awsnav
}

fn shell(name: &str) -> String {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .unwrap();
    let path = String::from_utf8_lossy(&found.stdout).trim().to_owned();
    assert!(
        !path.is_empty(),
        "{name} is needed to check its completion script: scripts/test installs it"
    );
    path
}

#[test]
fn every_shell_accepts_its_script() {
    let awsnav = with_cache();
    for (name, check) in [("bash", "-n"), ("zsh", "-n"), ("fish", "--no-execute")] {
        let out = awsnav.run(&["completions", name]);
        assert!(out.status.success(), "{}", stderr(&out));
        let script = awsnav.path(&format!("completion.{name}"));
        std::fs::write(&script, stdout(&out)).unwrap();
        let checked = Command::new(shell(name))
            .arg(check)
            .arg(&script)
            .output()
            .unwrap();
        assert!(
            checked.status.success(),
            "{name} rejects its script: {}\n{}",
            String::from_utf8_lossy(&checked.stderr),
            stdout(&out)
        );
        assert!(stdout(&out).contains(env!("CARGO_BIN_EXE_awsnav")));
    }
}

/// Runs bash's completion function for `words` (the last one being completed).
fn bash_complete(awsnav: &AwsnavCmd, words: &[&str]) -> Vec<String> {
    let script = stdout(&awsnav.run(&["completions", "bash"]));
    let words_quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let program = format!(
        "{script}\nCOMP_WORDS=({})\nCOMP_CWORD={cword}\nCOMP_TYPE=9\n_clap_complete_awsnav awsnav '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        words_quoted.join(" "),
        words[cword],
        words[cword.saturating_sub(1)],
    );
    let env = awsnav.command(&[]);
    let out = Command::new(shell("bash"))
        .arg("-c")
        .arg(program)
        .env_clear()
        .envs(
            env.get_envs()
                .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned()))),
        )
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn bash_completes_commands_flags_and_cached_account_names() {
    let awsnav = with_cache();
    assert!(
        bash_complete(&awsnav, &["awsnav", "ex"]).contains(&"exec".to_owned()),
        "{:?}",
        bash_complete(&awsnav, &["awsnav", "ex"])
    );
    let accounts = bash_complete(&awsnav, &["awsnav", "exec", "payments-p"]);
    assert_eq!(accounts, ["payments-prod"]);
    let accounts = bash_complete(&awsnav, &["awsnav", "shell", "pay"]);
    assert_eq!(
        accounts,
        ["pay", "payments-dev", "payments-prod", "payments-staging"]
    );
    let flags = bash_complete(&awsnav, &["awsnav", "exec", "payments-prod", "--ro"]);
    assert_eq!(flags, ["--role"]);
    let accounts = bash_complete(
        &awsnav,
        &["awsnav", "credential-process", "--account", "log-"],
    );
    assert_eq!(accounts, ["log-archive"]);
}

#[test]
fn the_manual_page_renders() {
    let awsnav = AwsnavCmd::new();
    let out = awsnav.run(&["man"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let roff = stdout(&out);
    assert!(
        roff.starts_with(".ie") || roff.contains(".TH awsnav"),
        "{roff}"
    );
    let page = awsnav.path("awsnav.1");
    std::fs::write(&page, &roff).unwrap();
    let rendered = Command::new("man")
        .args(["-l", "-P", "cat"])
        .arg(&page)
        .env("MANWIDTH", "100")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&rendered.stdout);
    assert!(
        rendered.status.success(),
        "{}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    for needle in [
        "NAME",
        "SYNOPSIS",
        "credential-process",
        "completions",
        "--demo",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
}
