//! What the state's unit tests share: the demo organization with given roles, and keys typed
//! one character at a time (`⏎` Enter, `⎋` Esc, `⌫` Backspace, `↓` Down).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use time::OffsetDateTime;
use time::macros::datetime;

use super::{Rules, State};
use crate::config::RolesConfig;
use crate::domain::demo;
use crate::domain::roles::RoleCatalog;
use crate::tui::message::{Effect, Msg};

pub const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

/// The demo organization, every account offering `roles`.
pub fn state(roles: &[&str]) -> State {
    let config = RolesConfig {
        default: roles.iter().map(|r| (*r).to_owned()).collect(),
        ..RolesConfig::default()
    };
    State::new(Some(demo::inventory(NOW)), "demo", vec![], NOW, (120, 40)).with_rules(Rules {
        catalog: RoleCatalog::new(&config, vec![]),
        classifier: crate::domain::safety::Classifier::default(),
    })
}

/// Types `text`, returning every effect asked for.
pub fn keys(s: &mut State, text: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for c in text.chars() {
        let code = match c {
            '⏎' => KeyCode::Enter,
            '⎋' => KeyCode::Esc,
            '⌫' => KeyCode::Backspace,
            '↓' => KeyCode::Down,
            c => KeyCode::Char(c),
        };
        effects.extend(s.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))));
    }
    effects
}
