//! The README stays true: it documents every key binding and the commands it promises.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use awsnav::tui::keymap::BINDINGS;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

#[test]
fn every_key_binding_is_documented() {
    let text = readme();
    for b in BINDINGS {
        assert!(
            text.contains(b.help),
            "README does not describe `{}`",
            b.help
        );
    }
}

#[test]
fn names_the_demo_and_test_commands() {
    let text = readme();
    assert!(text.contains("cargo run --release -- --demo"));
    assert!(text.contains("scripts/test"));
    let ci = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).unwrap();
    assert!(
        ci.contains("scripts/test"),
        ".ci/run calls the README's test command"
    );
}

#[test]
fn documents_every_config_key() {
    // Every section and key of the commented default config (`awsnav config default`).
    let text = readme();
    for line in awsnav::config::DEFAULT_CONFIG.lines() {
        let line = line.trim_start_matches(['#', ' ']).trim_end();
        if line.starts_with('[') && line.ends_with(']') && !line.contains(' ') {
            assert!(text.contains(line), "README lacks {line}");
        } else if let Some((key, _)) = line.split_once(" = ")
            && !key.is_empty()
            && key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        {
            assert!(text.contains(&format!("{key} =")), "README lacks {key} =");
        }
    }
}
