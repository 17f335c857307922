//! Every file in `tests/config_examples/valid` parses; every file in `invalid/` fails with exactly
//! the message in its `.err` file (file, line, column, problem and fix).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use awsnav::config::Config;

fn examples(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/config_examples")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no examples in {}", dir.display());
    files
}

#[test]
fn valid_examples_parse() {
    for file in examples("valid") {
        let text = std::fs::read_to_string(&file).unwrap();
        Config::parse_checked(&text, &file, awsnav::tui::check_settings)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    }
}

#[test]
fn invalid_examples_fail_with_their_message() {
    for file in examples("invalid") {
        let text = std::fs::read_to_string(&file).unwrap();
        let shown = Path::new("invalid").join(file.file_name().unwrap());
        let err = Config::parse_checked(&text, &shown, awsnav::tui::check_settings)
            .expect_err(&shown.display().to_string());
        let expected = std::fs::read_to_string(file.with_extension("err")).unwrap();
        assert_eq!(err.to_string(), expected.trim_end(), "{}", file.display());
    }
}

#[test]
fn full_example_reads_every_key() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/config_examples/valid/full.toml");
    let config = Config::parse(&std::fs::read_to_string(&file).unwrap(), &file).unwrap();
    assert_eq!(config.org.profile.as_deref(), Some("mgmt"));
    assert_eq!(config.org.region.as_deref(), Some("eu-central-1"));
    assert_eq!(config.org.concurrency, 16);
    assert_eq!(config.ui.key_tags, ["env", "team", "cost-center"]);
    assert_eq!(
        config.ui.theme,
        awsnav::tui::ui::theme::Palette::HighContrast
    );
    assert_eq!(config.ui.colors["production"], "magenta bold");
    let theme = awsnav::tui::ui::theme::Theme::from_config(&config.ui, false).unwrap();
    assert_eq!(
        theme.selected.bg,
        Some(ratatui::style::Color::Rgb(0xff, 0xd7, 0x00))
    );
    let keys = awsnav::tui::keymap::Keymap::from_config(&config.keys).unwrap();
    let x = crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char('x'),
        crossterm::event::KeyModifiers::NONE,
    );
    assert_eq!(
        keys.lookup(awsnav::tui::keymap::KeyScope::Browse, &x),
        Some(awsnav::tui::action::Action::Quit)
    );
    assert_eq!(config.network.connect_timeout_seconds, 2);
    assert_eq!(config.network.timeout_seconds, 12);
    assert!(config.sso.enabled);
    assert_eq!(config.sso.profile.as_deref(), Some("corp-sso"));
    assert_eq!(config.sso.requests_per_second, 4);
}
