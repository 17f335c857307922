//! The one key table: which key does what, in which mode, and how help and hints describe it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

/// Where a binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// Browsing the tree or a finished search's results.
    Browse,
    /// Typing a search query (printable keys go to the query).
    SearchInput,
    /// The help overlay.
    Help,
    /// Choosing from a list in a dialog (the role picker).
    Picker,
    /// Typing into a dialog (MFA code, production confirmation).
    Prompt,
}

/// A key as written in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Ctrl(char),
    Code(KeyCode),
}

/// One row of the key table.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub contexts: &'static [Context],
    /// What the binding does, for the help screen.
    pub help: &'static str,
    /// A word or two for the hint bar; empty: not shown there (help shows every binding).
    pub hint: &'static str,
}

use Context::{Browse, Help, Picker, Prompt, SearchInput};
use Key::{Char, Code, Ctrl};

/// Every key binding. The help overlay and the hint bar are generated from this table.
#[rustfmt::skip]
pub const BINDINGS: &[Binding] = &[
    Binding { keys: &[Char('j'), Code(KeyCode::Down)], action: Action::Down, contexts: &[Browse], help: "move down", hint: "" },
    Binding { keys: &[Char('k'), Code(KeyCode::Up)], action: Action::Up, contexts: &[Browse], help: "move up", hint: "" },
    Binding { keys: &[Code(KeyCode::Down), Ctrl('n')], action: Action::Down, contexts: &[SearchInput], help: "next result", hint: "" },
    Binding { keys: &[Code(KeyCode::Up), Ctrl('p')], action: Action::Up, contexts: &[SearchInput], help: "previous result", hint: "" },
    Binding { keys: &[Code(KeyCode::PageDown), Ctrl('d')], action: Action::PageDown, contexts: &[Browse, SearchInput], help: "page down", hint: "" },
    Binding { keys: &[Code(KeyCode::PageUp), Ctrl('u')], action: Action::PageUp, contexts: &[Browse, SearchInput], help: "page up", hint: "" },
    Binding { keys: &[Char('g'), Code(KeyCode::Home)], action: Action::Top, contexts: &[Browse], help: "go to top", hint: "" },
    Binding { keys: &[Char('G'), Code(KeyCode::End)], action: Action::Bottom, contexts: &[Browse], help: "go to bottom", hint: "" },
    Binding { keys: &[Code(KeyCode::Enter)], action: Action::Open, contexts: &[Browse], help: "expand OU / get into account", hint: "open" },
    Binding { keys: &[Char('s')], action: Action::Shell, contexts: &[Browse], help: "shell in the account", hint: "shell" },
    Binding { keys: &[Char('c')], action: Action::Console, contexts: &[Browse], help: "open the AWS console", hint: "console" },
    Binding { keys: &[Char('y')], action: Action::CopyLink, contexts: &[Browse], help: "copy a console sign-in link", hint: "" },
    Binding { keys: &[Char('l'), Code(KeyCode::Right)], action: Action::Expand, contexts: &[Browse], help: "expand / show hit in tree", hint: "" },
    Binding { keys: &[Char('h'), Code(KeyCode::Left)], action: Action::Collapse, contexts: &[Browse], help: "collapse / go to parent", hint: "collapse" },
    Binding { keys: &[Char('/')], action: Action::Search, contexts: &[Browse], help: "fuzzy search", hint: "search" },
    Binding { keys: &[Code(KeyCode::Enter)], action: Action::Open, contexts: &[SearchInput], help: "browse the results", hint: "browse results" },
    Binding { keys: &[Code(KeyCode::Esc)], action: Action::Back, contexts: &[Browse, SearchInput, Help], help: "back / clear search", hint: "back" },
    Binding { keys: &[Char('r')], action: Action::Refresh, contexts: &[Browse], help: "refresh from AWS", hint: "refresh" },
    Binding { keys: &[Char('R')], action: Action::RefreshCost, contexts: &[Browse], help: "read costs again", hint: "" },
    Binding { keys: &[Char('o')], action: Action::SortCost, contexts: &[Browse], help: "sort by name / cost", hint: "" },
    Binding { keys: &[Char('?')], action: Action::Help, contexts: &[Browse, Help], help: "help", hint: "help" },
    Binding { keys: &[Char('q')], action: Action::Quit, contexts: &[Browse, Help], help: "quit", hint: "quit" },
    Binding { keys: &[Ctrl('c')], action: Action::Quit, contexts: &[Browse, SearchInput, Help], help: "quit", hint: "" },
    Binding { keys: &[Char('j'), Code(KeyCode::Down)], action: Action::Down, contexts: &[Picker], help: "next role", hint: "" },
    Binding { keys: &[Char('k'), Code(KeyCode::Up)], action: Action::Up, contexts: &[Picker], help: "previous role", hint: "" },
    Binding { keys: &[Code(KeyCode::Enter)], action: Action::Open, contexts: &[Picker], help: "use this role", hint: "choose" },
    Binding { keys: &[Code(KeyCode::Enter)], action: Action::Open, contexts: &[Prompt], help: "submit", hint: "submit" },
    Binding { keys: &[Code(KeyCode::Esc), Ctrl('c')], action: Action::Back, contexts: &[Picker, Prompt], help: "cancel", hint: "cancel" },
];

/// The action a key event means in `context`, if any.
#[must_use]
pub fn lookup(context: Context, event: &KeyEvent) -> Option<Action> {
    BINDINGS
        .iter()
        .filter(|b| b.contexts.contains(&context))
        .find(|b| b.keys.iter().any(|k| matches(*k, event)))
        .map(|b| b.action)
}

fn matches(key: Key, event: &KeyEvent) -> bool {
    let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
    match key {
        Char(c) => !ctrl && event.code == KeyCode::Char(c),
        Ctrl(c) => ctrl && event.code == KeyCode::Char(c),
        Code(code) => !ctrl && event.code == code,
    }
}

/// How a key is written in help and hints: `j`, `↓`, `^c`, `Enter`.
#[must_use]
pub fn key_label(key: Key) -> String {
    match key {
        Char(' ') => "Space".into(),
        Char(c) => c.to_string(),
        Ctrl(c) => format!("^{c}"),
        Code(code) => match code {
            KeyCode::Down => "↓".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            other => format!("{other:?}"),
        },
    }
}

/// `(keys, help)` for the hint bar in `context`, in table order, one entry per help text.
#[must_use]
pub fn hints(context: Context) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    for b in BINDINGS
        .iter()
        .filter(|b| !b.hint.is_empty() && b.contexts.contains(&context))
    {
        if out.iter().any(|(_, h)| *h == b.hint) {
            continue;
        }
        out.push((key_label(b.keys[0]), b.hint));
    }
    out
}

/// `(keys, help)` for every binding, grouped by context, for the help overlay.
#[must_use]
pub fn help_rows(context: Context) -> Vec<(String, &'static str)> {
    BINDINGS
        .iter()
        .filter(|b| b.contexts.contains(&context))
        .map(|b| {
            let keys: Vec<String> = b.keys.iter().map(|k| key_label(*k)).collect();
            (keys.join(" "), b.help)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn vim_and_arrow_keys_move() {
        assert_eq!(lookup(Browse, &key(KeyCode::Char('j'))), Some(Action::Down));
        assert_eq!(lookup(Browse, &key(KeyCode::Down)), Some(Action::Down));
        assert_eq!(
            lookup(Browse, &key(KeyCode::Char('G'))),
            Some(Action::Bottom)
        );
        assert_eq!(
            lookup(Browse, &key(KeyCode::Char('l'))),
            Some(Action::Expand)
        );
    }

    #[test]
    fn typing_a_query_is_not_a_command() {
        assert_eq!(lookup(SearchInput, &key(KeyCode::Char('q'))), None);
        assert_eq!(lookup(SearchInput, &key(KeyCode::Char('j'))), None);
        assert_eq!(lookup(SearchInput, &key(KeyCode::Down)), Some(Action::Down));
    }

    #[test]
    fn ctrl_c_quits_everywhere() {
        let ev = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for ctx in [Browse, SearchInput, Help] {
            assert_eq!(lookup(ctx, &ev), Some(Action::Quit));
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        for ctx in [Browse, SearchInput, Help, Picker, Prompt] {
            let mut seen = Vec::new();
            for b in BINDINGS.iter().filter(|b| b.contexts.contains(&ctx)) {
                for k in b.keys {
                    assert!(!seen.contains(k), "{k:?} bound twice in {ctx:?}");
                    seen.push(*k);
                }
            }
        }
    }

    #[test]
    fn hints_come_from_the_table() {
        let h = hints(Browse);
        assert!(h.contains(&("/".to_owned(), "search")));
        assert!(h.contains(&("q".to_owned(), "quit")));
        assert_eq!(h.iter().filter(|(_, t)| *t == "quit").count(), 1);
    }
}
