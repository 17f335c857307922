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
    let text = readme();
    for key in [
        "[org]",
        "profile =",
        "region =",
        "concurrency =",
        "[ui]",
        "key_tags =",
    ] {
        assert!(text.contains(key), "README lacks {key}");
    }
}
