//! A hostile organization: account, OU, tag and policy names that hold shell code, prompt
//! escapes, terminal control sequences (a title set, a clipboard write, a screen clear), line
//! ends, bidirectional overrides and pages of text, read from moto (which takes them all) and
//! from a shared inventory. Nothing in them may run (a canary file must never appear), steer a
//! terminal, add a line to a table or a key to a file, or become dialog markup.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use serde_json::Value;

use crate::common::tmux::Tmux;
use crate::common::{AwsnavCmd, stderr, stdout};

const ROLE: &str = "OrganizationAccountAccessRole";

/// The names of the hostile accounts, each with shell code that would create a file in
/// `canary` if it ever ran.
fn account_names(canary: &Path) -> Vec<String> {
    let c = canary.display();
    vec![
        format!("bt`touch {c}/bt`"),
        format!("dollar$(touch {c}/dollar)%~!!\\$HOME${{HOME}}$((6*7))"),
        format!("ini\n[profile evil]\ncredential_process = touch {c}/ini\n#"),
        "esc\x1b]2;owned-title\x07\x1b]52;c;b3duZWQ=\x07\x1b[2J\x1b[H\x07bel".to_owned(),
        format!("rtl\u{202e}dorp\u{9b}31m\x01\x7f{}", "x".repeat(300)),
        "markup <b>bold</b> & 'q' \"dq\" \\101".to_owned(),
    ]
}

/// Every character a terminal would act on instead of showing: controls but the line end,
/// and the bidirectional overrides.
fn assert_no_raw_control(text: &str, what: &str) {
    for (i, c) in text.char_indices() {
        let steering = (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}');
        assert!(
            !steering,
            "{what}: raw {c:?} at byte {i}: {:?}",
            &text[i.saturating_sub(40)..(i + 40).min(text.len())]
        );
    }
}

fn assert_canary_untouched(canary: &Path) {
    let made: Vec<_> = std::fs::read_dir(canary)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(made.is_empty(), "a name ran as code: {made:?}");
}

struct Hostile {
    ids: Vec<String>,
    names: Vec<String>,
    policy_id: String,
}

/// Seeds moto: two nested OUs with hostile names, the hostile accounts in them with hostile
/// tags and emails, and a hostile SCP attached to the `esc` account.
async fn seed(sdk: &aws_config::SdkConfig, canary: &Path) -> Hostile {
    use aws_sdk_organizations::types::{OrganizationFeatureSet, PolicyType, Tag};
    let c = canary.display();
    let org = aws_sdk_organizations::Client::new(sdk);
    org.create_organization()
        .feature_set(OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let root = org.list_roots().send().await.unwrap().roots()[0]
        .id()
        .unwrap()
        .to_owned();
    org.enable_policy_type()
        .root_id(&root)
        .policy_type(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    let mut parent = root.clone();
    let mut ous = Vec::new();
    for name in [
        format!("OU`touch {c}/ou`"),
        format!("OU\x1b[31m%~\n$(touch {c}/ou2)\u{202e}"),
    ] {
        let ou = org
            .create_organizational_unit()
            .parent_id(&parent)
            .name(name)
            .send()
            .await
            .unwrap();
        ou.organizational_unit()
            .unwrap()
            .id()
            .unwrap()
            .clone_into(&mut parent);
        ous.push(parent.clone());
    }
    let names = account_names(canary);
    let mut ids = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let created = org
            .create_account()
            .email(format!("a{i}\x1b[31m$(touch {c}/email)@example.com"))
            .account_name(name)
            .tags(
                Tag::builder()
                    .key("team\x1b]2;tag-key\x07")
                    .value(format!("v$(touch {c}/tag)\n\x1b[5mblink"))
                    .build()
                    .unwrap(),
            )
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
            .destination_parent_id(&ous[i % 2])
            .send()
            .await
            .unwrap();
        ids.push(id);
    }
    let policy = org
        .create_policy()
        .name(format!("Pol\x1b]2;pol\x07`touch {c}/pol`"))
        .description("desc\x1b[2J\nsecond line\u{202e}")
        .r#type(PolicyType::ServiceControlPolicy)
        .content(r#"{"Version":"2012-10-17","Statement":[{"Sid":"s\u001b]2;x\u0007","Effect":"Deny","Action":"x:Y","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    let policy_id = policy
        .policy()
        .unwrap()
        .policy_summary()
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    org.attach_policy()
        .policy_id(&policy_id)
        .target_id(&ids[3])
        .send()
        .await
        .unwrap();
    Hostile {
        ids,
        names,
        policy_id,
    }
}

/// Runs `args`, which must succeed, and checks both streams for raw controls.
fn clean_run(awsnav: &AwsnavCmd, args: &[&str]) -> (String, String) {
    let out = awsnav.run(args);
    let (so, se) = (stdout(&out), stderr(&out));
    assert!(out.status.success(), "{args:?}: {se}");
    assert_no_raw_control(&so, &format!("stdout of {args:?}"));
    assert_no_raw_control(&se, &format!("stderr of {args:?}"));
    (so, se)
}

#[tokio::test]
async fn hostile_names_are_printed_as_data_everywhere() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let canary = tempfile::tempdir().unwrap();
    let sdk = moto.sdk().await;
    let h = seed(&sdk, canary.path()).await;
    let alice = crate::common::alice(&sdk).await;
    let awsnav = crate::common::awsnav_as(&alice, &moto.url);
    clean_run(&awsnav, &["refresh"]);

    // JSON keeps every name exactly.
    let (json, _) = clean_run(&awsnav, &["list", "--json"]);
    let listed: Vec<Value> = serde_json::from_str(&json).unwrap();
    for (id, name) in h.ids.iter().zip(&h.names) {
        let a = listed.iter().find(|a| a["id"] == id.as_str()).unwrap();
        assert_eq!(a["name"], name.as_str());
        assert!(a["tags"]["team\x1b]2;tag-key\x07"].is_string(), "{a}");
    }

    // The table: a row per account, names with their controls as escapes.
    let (table, _) = clean_run(&awsnav, &["list"]);
    assert_eq!(table.lines().count(), 1 + listed.len(), "{table}");
    assert!(
        table.contains(r"esc\x1b]2;owned-title\x07\x1b]52;c;b3duZWQ=\x07"),
        "{table}"
    );
    assert!(
        table.contains(r"ini\n[profile evil]\ncredential_process"),
        "{table}"
    );
    assert!(
        table.contains(r"rtl\u{202e}dorp\u{9b}31m\x01\x7f"),
        "{table}"
    );

    let mut which = vec!["which"];
    which.extend(h.ids.iter().map(String::as_str));
    let (found, _) = clean_run(&awsnav, &which);
    assert_eq!(found.lines().count(), h.ids.len(), "{found}");

    let (applied, _) = clean_run(&awsnav, &["policies", &h.ids[3]]);
    assert!(applied.contains(r"Pol\x1b]2;pol\x07`touch"), "{applied}");
    let (doc, _) = clean_run(&awsnav, &["policies", &h.ids[3], "--show", &h.policy_id]);
    assert!(doc.contains(r"desc\x1b[2J\nsecond line\u{202e}"), "{doc}");

    // exec --each: the plan, the prefixes of every line and the summary.
    let (plan, _) = clean_run(&awsnav, &["list", "--select", "all"]);
    assert_eq!(plan.lines().count(), listed.len() + 1, "{plan}");
    let (lines, summary) = clean_run(
        &awsnav,
        &[
            "exec",
            "--each",
            "all",
            "--role",
            ROLE,
            "--yes",
            "--mfa-code",
            "123456",
            "--",
            "echo",
            "hi",
        ],
    );
    assert_eq!(
        lines.lines().filter(|l| l.ends_with("| hi")).count(),
        listed.len(),
        "{lines}"
    );
    assert!(lines.contains(r"esc\x1b]2;owned-title"), "{lines}");
    assert!(summary.contains("succeeded"), "{summary}");
    // A failing run names the accounts in its summary.
    let (_, failed) = {
        let out = awsnav.run(&[
            "exec",
            "--each",
            "all",
            "--role",
            ROLE,
            "--yes",
            "--mfa-code",
            "123456",
            "--",
            "false",
        ]);
        (stdout(&out), stderr(&out))
    };
    assert_no_raw_control(&failed, "summary of failures");
    assert!(failed.contains(r"bt`touch"), "{failed}");

    // An ambiguous query lists candidates, escaped, in an error.
    let out = awsnav.run(&["exec", "e", "--", "true"]);
    assert!(!out.status.success());
    assert_no_raw_control(&stderr(&out), "an error");

    // A shared inventory carries the same names to someone who cannot read the organization.
    let shared = awsnav.path("shared.json");
    clean_run(
        &awsnav,
        &["export", "--output", &shared.display().to_string()],
    );
    let reader = AwsnavCmd::new().against(&moto.url);
    std::fs::create_dir_all(reader.path("awsnav")).unwrap();
    std::fs::write(
        reader.path("awsnav/config.toml"),
        format!("[org]\nsource = \"{}\"\n", shared.display()),
    )
    .unwrap();
    let (shared_table, _) = clean_run(&reader, &["list"]);
    assert_eq!(shared_table, table);
    assert_canary_untouched(canary.path());
}

#[tokio::test]
async fn generated_profiles_are_exactly_the_expected_ones_for_botocore() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let canary = tempfile::tempdir().unwrap();
    let sdk = moto.sdk().await;
    let h = seed(&sdk, canary.path()).await;
    let alice = crate::common::alice(&sdk).await;
    let awsnav = crate::common::awsnav_as(&alice, &moto.url);
    clean_run(&awsnav, &["refresh"]);
    let config = awsnav.path(".aws/config");
    let (_, said) = clean_run(&awsnav, &["config", "generate", "--write"]);
    assert!(said.contains("wrote"), "{said}");
    let text = std::fs::read_to_string(&config).unwrap();
    assert_no_raw_control(&text, "the generated config");

    // botocore reads the file as the AWS CLI and boto3 do.
    let script = r"
import json, sys
from botocore.configloader import raw_config_parse
parsed = raw_config_parse(sys.argv[1])
print(json.dumps({name: sorted(values) for name, values in parsed.items()}))
";
    let out = std::process::Command::new(crate::common::python())
        .args(["-c", script, &config.display().to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let sections: std::collections::BTreeMap<String, Vec<String>> =
        serde_json::from_slice(&out.stdout).unwrap();
    let mut expected: Vec<String> = h
        .names
        .iter()
        .map(|n| {
            format!(
                "profile {}",
                awsnav::app::aws_profiles::profile_name("", n, ROLE)
            )
        })
        .collect();
    let listed: Vec<Value> =
        serde_json::from_str(&clean_run(&awsnav, &["list", "--json"]).0).unwrap();
    let management = listed
        .iter()
        .find(|a| !h.ids.iter().any(|id| a["id"] == id.as_str()))
        .unwrap();
    expected.push(format!(
        "profile {}/{ROLE}",
        management["name"].as_str().unwrap()
    ));
    expected.push("default".to_owned());
    expected.sort();
    let found: Vec<String> = sections.keys().cloned().collect();
    assert_eq!(found, expected, "{text}");
    for (name, keys) in &sections {
        if name != "default" {
            assert_eq!(keys, &["credential_process", "region"], "{name}: {text}");
        }
    }
    assert!(
        !text
            .lines()
            .any(|l| l.trim_start().starts_with("[profile evil"))
    );
    assert_canary_untouched(canary.path());
}

/// Starts `awsnav shell ID` in tmux, with tmux's own variable kept so the window is renamed.
fn shell_in_tmux(awsnav: &AwsnavCmd, id: &str) -> Tmux {
    let command = awsnav
        .shell_command(&["shell", id, "--role", ROLE, "--yes", "--mfa-code", "123456"])
        .replacen("env -i ", "env -i TMUX=\"$TMUX\" ", 1);
    // What awsnav said stays on screen should it end early. Escapes that write the clipboard
    // are taken in from the start.
    Tmux::start_with(
        &[("set-clipboard", "on")],
        &format!("{command}; echo awsnav-exited-$?; sleep 60"),
        250,
        50,
    )
}

#[tokio::test]
async fn hostile_names_never_run_in_bash_zsh_or_fish_prompts() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let canary = tempfile::tempdir().unwrap();
    let sdk = moto.sdk().await;
    let h = seed(&sdk, canary.path()).await;
    let alice = crate::common::alice(&sdk).await;
    let mut awsnav = crate::common::awsnav_as(&alice, &moto.url);
    clean_run(&awsnav, &["refresh"]);
    std::fs::write(awsnav.path(".bashrc"), "PS1='\\$ '\n").unwrap();
    let zdotdir = awsnav.path("zdotdir");
    std::fs::create_dir_all(&zdotdir).unwrap();
    // What oh-my-zsh and most themes do: expansions in the prompt.
    std::fs::write(
        zdotdir.join(".zshrc"),
        "setopt prompt_subst prompt_bang\nPROMPT='%# '\n",
    )
    .unwrap();
    awsnav.set(
        "XDG_CONFIG_HOME",
        &awsnav.path(".config").display().to_string(),
    );
    for (shell, id, marked) in [
        ("/bin/bash", &h.ids[0], "[bt`touch "),
        ("/usr/bin/zsh", &h.ids[1], "[dollar$(touch "),
        ("/usr/bin/fish", &h.ids[1], "[dollar$(touch "),
        ("/bin/bash", &h.ids[1], "[dollar$(touch "),
        ("/usr/bin/zsh", &h.ids[0], "[bt`touch "),
        ("/bin/bash", &h.ids[3], "[esc\\x1b]2;owned-title"),
    ] {
        awsnav.set("SHELL", shell);
        if shell.ends_with("zsh") {
            awsnav.set("ZDOTDIR", &zdotdir.display().to_string());
        }
        let tmux = shell_in_tmux(&awsnav, id);
        let screen = tmux.wait_for(&[marked, "/OrganizationAccountAccessRole]"]);
        // Several prompts: bash and zsh mark each one again.
        tmux.keys(&["Enter"]);
        tmux.literal("echo ready-4''2");
        tmux.keys(&["Enter"]);
        let screen2 = tmux.wait_for(&["ready-42"]);
        // The whole name shows as it is, nothing in it expanded.
        assert!(
            screen.contains("$HOME${HOME}$((6*7))") || !marked.contains("dollar"),
            "{shell}: {screen}"
        );
        assert!(!screen2.contains("[dollar42") && !screen2.contains("owned-title\n"));
        // tmux has taken in everything printed before `ready-42` (a title, the clipboard): it
        // reads a pane's output in order. A detached tmux draws no status line to wait for.
        let title = tmux.tmux(&["display-message", "-p", "#{pane_title}"]);
        assert!(
            !String::from_utf8_lossy(&title.stdout).contains('\x1b'),
            "{shell}: the title holds an escape"
        );
        let buffers = tmux.tmux(&["list-buffers"]);
        assert!(
            buffers.stdout.is_empty(),
            "{shell}: a name wrote the clipboard"
        );
        tmux.literal("exit");
        tmux.keys(&["Enter"]);
        assert_canary_untouched(canary.path());
    }
}

/// tmux reads a window's name as a format, where `#(…)` runs a command. A renamed account's
/// `#(…)` is never put in a window's name, and the name awsnav gives back when the shell
/// ends (read from `#W`, whatever set it) is given as text.
#[tokio::test]
async fn tmux_never_runs_a_window_name() {
    use aws_sdk_organizations::types::OrganizationFeatureSet;
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let canary = tempfile::tempdir().unwrap();
    let c = canary.path().display();
    let sdk = moto.sdk().await;
    let org = aws_sdk_organizations::Client::new(&sdk);
    org.create_organization()
        .feature_set(OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let created = org
        .create_account()
        .email("t@example.com")
        .account_name(format!("tmux#(touch {c}/named)"))
        .send()
        .await
        .unwrap();
    let id = created
        .create_account_status()
        .unwrap()
        .account_id()
        .unwrap()
        .to_owned();
    let alice = crate::common::alice(&sdk).await;
    let mut awsnav = crate::common::awsnav_as(&alice, &moto.url);
    clean_run(&awsnav, &["refresh"]);
    std::fs::write(awsnav.path(".bashrc"), "PS1='\\$ '\n").unwrap();
    awsnav.set("SHELL", "/bin/bash");
    let command = awsnav
        .shell_command(&[
            "shell",
            &id,
            "--role",
            ROLE,
            "--yes",
            "--mfa-code",
            "123456",
        ])
        .replacen(
            "env -i ",
            "env -i TMUX=\"$TMUX\" TMUX_PANE=\"$TMUX_PANE\" ",
            1,
        );
    // The window's name before holds a format as text (`##` is tmux's `#`).
    let tmux = Tmux::start(
        &format!(
            "tmux rename-window -- 'before##(touch {c}/restored)'; {command}; echo awsnav-exited-$?; sleep 60"
        ),
        200,
        50,
    );
    tmux.wait_for(&["/OrganizationAccountAccessRole]"]);
    let inside = tmux.tmux(&["display-message", "-p", "-t", "t", "#W"]);
    let inside = String::from_utf8_lossy(&inside.stdout).into_owned();
    assert!(inside.contains("tmux_(touch"), "{inside}");
    assert!(!inside.contains('#'), "{inside}");
    tmux.literal("exit");
    tmux.keys(&["Enter"]);
    // awsnav gave the name back (`tmux rename-window`, waited for) before it ended. A detached
    // tmux draws no status line, whose formats could run a `#(…)` later.
    tmux.wait_for(&["awsnav-exited-0"]);
    let after = tmux.tmux(&["display-message", "-p", "-t", "t", "#W"]);
    assert_eq!(
        String::from_utf8_lossy(&after.stdout).trim(),
        format!("before#(touch {c}/restored)"),
        "the name as it was"
    );
    assert_canary_untouched(canary.path());
}

#[tokio::test]
async fn the_navigator_shows_hostile_names_without_obeying_them() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let canary = tempfile::tempdir().unwrap();
    let sdk = moto.sdk().await;
    seed(&sdk, canary.path()).await;
    // A person with an MFA device, who can get into the accounts.
    let alice = crate::common::alice(&sdk).await;
    let awsnav = crate::common::awsnav_as(&alice, &moto.url);
    clean_run(&awsnav, &["refresh"]);
    let tmux = Tmux::start_with(
        &[("set-clipboard", "on")],
        &awsnav.shell_command(&[]),
        200,
        50,
    );
    tmux.wait_for(&["Organization"]);
    // Open both OUs (the first row under the root, then the one inside it).
    tmux.keys(&["j", "Enter", "j", "Enter"]);
    tmux.wait_for(&["OU`touch", r"OU\x1b[31m%~\n$(touch"]);
    tmux.literal("/esc");
    let screen = tmux.wait_for(&[r"esc\x1b]2;owned-title"]);
    assert!(!screen.contains("owned-title\n"), "{screen}");
    tmux.keys(&["Enter"]);
    let detail = tmux.wait_for(&["Tags"]);
    assert!(detail.contains(r"team\x1b]2;tag-key\x07"), "{detail}");
    let styled = tmux.tmux(&["capture-pane", "-e", "-p", "-t", "t"]);
    let styled = String::from_utf8_lossy(&styled.stdout);
    // Only awsnav's own colours: every escape is a colour (SGR) sequence.
    for (i, _) in styled.match_indices('\x1b') {
        let rest = &styled[i + 1..];
        let sgr = rest.strip_prefix('[').is_some_and(|r| {
            r.chars()
                .find(|c| !(c.is_ascii_digit() || *c == ';' || *c == ':'))
                == Some('m')
        });
        assert!(
            sgr,
            "a raw escape reached the screen: {:?}",
            &rest[..rest.len().min(20)]
        );
    }
    for c in ['\x07', '\u{202e}', '\u{9b}'] {
        assert!(!styled.contains(c), "{c:?} reached the screen");
    }
    let title = tmux.tmux(&["display-message", "-p", "#{pane_title}"]);
    assert!(!String::from_utf8_lossy(&title.stdout).contains("owned"));
    assert!(
        tmux.tmux(&["list-buffers"]).stdout.is_empty(),
        "clipboard written"
    );
    // The shell key: the TUI hands the terminal to a shell and names the session on it.
    tmux.keys(&["Escape", "s"]);
    tmux.wait_for(&["MFA code for"]);
    tmux.literal("123456");
    tmux.keys(&["Enter"]);
    let banner = tmux.wait_for(&["exit the shell to return"]);
    assert!(banner.contains(r"esc\x1b]2;owned-title\x07"), "{banner}");
    let styled = tmux.tmux(&["capture-pane", "-e", "-p", "-t", "t"]);
    assert_no_raw_control(
        &String::from_utf8_lossy(&styled.stdout).replace('\x1b', ""),
        "the shell's banner",
    );
    tmux.literal("exit");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["back from"]);
    let title = tmux.tmux(&["display-message", "-p", "#{pane_title}"]);
    assert!(!String::from_utf8_lossy(&title.stdout).contains("owned"));
    assert!(
        tmux.tmux(&["list-buffers"]).stdout.is_empty(),
        "clipboard written by the shell's banner"
    );
    tmux.keys(&["q"]);
    assert_canary_untouched(canary.path());
}

#[tokio::test]
async fn the_mfa_dialog_gets_hostile_names_as_escaped_markup() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let canary = tempfile::tempdir().unwrap();
    let sdk = moto.sdk().await;
    let h = seed(&sdk, canary.path()).await;
    let alice = crate::common::alice(&sdk).await;
    let mut awsnav = crate::common::awsnav_as(&alice, &moto.url);
    clean_run(&awsnav, &["refresh"]);
    let record = crate::common::stand_in_zenity(&mut awsnav, "echo 123456");
    let out = awsnav.run(&["credential-process", "--account", &h.ids[5], "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = std::fs::read_to_string(&record).unwrap();
    assert!(
        shown.contains(r"markup &lt;b&gt;bold&lt;/b&gt; &amp; &#39;q&#39; &quot;dq&quot; \\101"),
        "{shown}"
    );
    assert!(!shown.contains("<b>"), "{shown}");
    // A name with controls reaches the dialog as escapes (the MFA session forgotten, so that
    // the dialog asks again).
    std::fs::remove_dir_all(awsnav.path("awsnav/cache/credentials")).unwrap();
    let out = awsnav.run(&["credential-process", "--account", &h.ids[3], "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = std::fs::read_to_string(&record).unwrap();
    assert_no_raw_control(&shown, "the dialog's text");
    assert!(shown.contains(r"esc\\x1b]2;owned-title"), "{shown}");
    assert_canary_untouched(canary.path());
}
