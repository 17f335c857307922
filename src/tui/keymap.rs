//! The one key table: which key does what, in which mode, and how help and hints describe it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use std::collections::BTreeMap;

use super::action::Action;
use crate::config::KeyList;

/// Where a binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyScope {
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
    pub contexts: &'static [KeyScope],
    /// What the binding does, for the help screen.
    pub help: &'static str,
    /// A word or two for the hint bar; empty: not shown there (help shows every binding).
    pub hint: &'static str,
}

use Key::{Char, Code, Ctrl};
use KeyScope::{Browse, Help, Picker, Prompt, SearchInput};

/// Every key binding. The help overlay and the hint bar are generated from this table.
#[rustfmt::skip]
pub const BINDINGS: &[Binding] = &[
    Binding { keys: &[Char('j'), Code(KeyCode::Down)], action: Action::Down, contexts: &[Browse], help: "move down", hint: "" },
    Binding { keys: &[Char('k'), Code(KeyCode::Up)], action: Action::Up, contexts: &[Browse], help: "move up", hint: "" },
    Binding { keys: &[Code(KeyCode::Down), Ctrl('n')], action: Action::Down, contexts: &[SearchInput], help: "next result", hint: "" },
    Binding { keys: &[Code(KeyCode::Up), Ctrl('p')], action: Action::Up, contexts: &[SearchInput], help: "previous result", hint: "" },
    Binding { keys: &[Code(KeyCode::PageDown), Ctrl('d')], action: Action::PageDown, contexts: &[Browse, SearchInput, Picker], help: "page down", hint: "" },
    Binding { keys: &[Code(KeyCode::PageUp), Ctrl('u')], action: Action::PageUp, contexts: &[Browse, SearchInput, Picker], help: "page up", hint: "" },
    Binding { keys: &[Char('g'), Code(KeyCode::Home)], action: Action::Top, contexts: &[Browse], help: "go to top", hint: "" },
    Binding { keys: &[Char('G'), Code(KeyCode::End)], action: Action::Bottom, contexts: &[Browse], help: "go to bottom", hint: "" },
    Binding { keys: &[Code(KeyCode::Enter)], action: Action::Open, contexts: &[Browse], help: "expand OU / get into account", hint: "open" },
    Binding { keys: &[Char('s')], action: Action::Shell, contexts: &[Browse], help: "shell in the account", hint: "shell" },
    Binding { keys: &[Char('c')], action: Action::Console, contexts: &[Browse], help: "open the AWS console", hint: "console" },
    Binding { keys: &[Char('y')], action: Action::CopyLink, contexts: &[Browse], help: "copy a console sign-in link", hint: "" },
    Binding { keys: &[Char('e')], action: Action::Export, contexts: &[Browse], help: "export the session to a profile", hint: "" },
    Binding { keys: &[Char('l'), Code(KeyCode::Right)], action: Action::Expand, contexts: &[Browse], help: "expand / show hit in tree", hint: "" },
    Binding { keys: &[Char('h'), Code(KeyCode::Left)], action: Action::Collapse, contexts: &[Browse], help: "collapse / go to parent", hint: "collapse" },
    Binding { keys: &[Char('/')], action: Action::Search, contexts: &[Browse], help: "fuzzy search", hint: "search" },
    Binding { keys: &[Code(KeyCode::Enter)], action: Action::Open, contexts: &[SearchInput], help: "browse the results", hint: "browse results" },
    Binding { keys: &[Code(KeyCode::Esc)], action: Action::Back, contexts: &[Browse, SearchInput, Help], help: "back / clear search", hint: "back" },
    Binding { keys: &[Char('f')], action: Action::Favourite, contexts: &[Browse], help: "mark / unmark favourite", hint: "" },
    Binding { keys: &[Char('\'')], action: Action::Recent, contexts: &[Browse], help: "favourite and recent accounts", hint: "" },
    Binding { keys: &[Char('r')], action: Action::Refresh, contexts: &[Browse], help: "refresh from AWS", hint: "refresh" },
    Binding { keys: &[Char('R')], action: Action::Region, contexts: &[Browse], help: "region for sessions in the account", hint: "" },
    Binding { keys: &[Char('p')], action: Action::Policies, contexts: &[Browse], help: "policies that fence it (guardrails)", hint: "" },
    Binding { keys: &[Char('i')], action: Action::Identities, contexts: &[Browse], help: "sign-ins and their time left", hint: "" },
    Binding { keys: &[Char(' ')], action: Action::Mark, contexts: &[Browse], help: "mark for a run (an OU: its accounts)", hint: "" },
    Binding { keys: &[Char('x')], action: Action::Run, contexts: &[Browse], help: "run a command in the marked accounts", hint: "" },
    Binding { keys: &[Char('X')], action: Action::Results, contexts: &[Browse], help: "the last run's results", hint: "" },
    Binding { keys: &[Char('C')], action: Action::RefreshCost, contexts: &[Browse], help: "read costs again", hint: "" },
    Binding { keys: &[Char('o')], action: Action::SortCost, contexts: &[Browse], help: "sort by name / cost", hint: "" },
    Binding { keys: &[Char('?')], action: Action::Help, contexts: &[Browse, Help], help: "help", hint: "help" },
    Binding { keys: &[Char('q')], action: Action::Quit, contexts: &[Browse, Help], help: "quit", hint: "quit" },
    Binding { keys: &[Ctrl('c')], action: Action::Quit, contexts: &[Browse, SearchInput, Help], help: "quit", hint: "" },
    Binding { keys: &[Char('j'), Code(KeyCode::Down)], action: Action::Down, contexts: &[Picker], help: "next role", hint: "" },
    Binding { keys: &[Char('k'), Code(KeyCode::Up)], action: Action::Up, contexts: &[Picker], help: "previous role", hint: "" },
    Binding { keys: &[Code(KeyCode::Enter)], action: Action::Open, contexts: &[Picker], help: "use this role", hint: "choose" },
    Binding { keys: &[Char('d')], action: Action::SignOut, contexts: &[Picker], help: "sign out (in the sign-ins view)", hint: "" },
    Binding { keys: &[Code(KeyCode::Enter)], action: Action::Open, contexts: &[Prompt], help: "submit", hint: "submit" },
    Binding { keys: &[Code(KeyCode::Esc), Ctrl('c')], action: Action::Back, contexts: &[Picker, Prompt], help: "cancel", hint: "cancel" },
];

/// One binding of the live table: the default's keys, or the user's.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Bound {
    keys: Vec<Key>,
    action: Action,
    contexts: Vec<KeyScope>,
    help: &'static str,
    hint: &'static str,
}

/// The key table in use: [`BINDINGS`] with the config file's `[keys]` patches applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<Bound>,
}

impl Default for Keymap {
    fn default() -> Self {
        Self {
            bindings: BINDINGS
                .iter()
                .map(|b| Bound {
                    keys: b.keys.to_vec(),
                    action: b.action,
                    contexts: b.contexts.to_vec(),
                    help: b.help,
                    hint: b.hint,
                })
                .collect(),
        }
    }
}

/// Contexts where a patch applies: those where keys are commands, not typed text.
const PATCHABLE: &[KeyScope] = &[Browse, Help, Picker];

impl Keymap {
    /// The defaults with the config's `[keys]` applied.
    ///
    /// # Errors
    /// (action, message) for the first patch that cannot be applied.
    pub fn from_config(keys: &BTreeMap<String, KeyList>) -> Result<Self, (String, String)> {
        Self::new(keys.iter().map(|(k, v)| (k.as_str(), v.keys())))
    }

    /// The defaults with `patches` (action name → keys) applied: each named action gets exactly
    /// the keys given wherever keys are commands (browsing, help, the role picker).
    ///
    /// # Errors
    /// (action name, message) for an unknown action or key, or a key left bound twice.
    pub fn new<'a>(
        patches: impl IntoIterator<Item = (&'a str, &'a [String])>,
    ) -> Result<Self, (String, String)> {
        let mut map = Self::default();
        let mut changed: Vec<Action> = Vec::new();
        for (name, keys) in patches {
            let Some(action) = Action::from_name(name) else {
                let names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
                return Err((
                    name.to_owned(),
                    format!("no action called `{name}`; actions: {}", names.join(", ")),
                ));
            };
            let keys = keys
                .iter()
                .map(|k| parse_key(k).map_err(|e| (name.to_owned(), e)))
                .collect::<Result<Vec<Key>, _>>()?;
            changed.push(action);
            let mut rebuilt = Vec::with_capacity(map.bindings.len() + 2);
            for mut b in std::mem::take(&mut map.bindings) {
                // Ctrl-c always quits or cancels.
                if b.action != action || b.keys.contains(&Ctrl('c')) {
                    rebuilt.push(b);
                    continue;
                }
                let (commands, typing): (Vec<KeyScope>, Vec<KeyScope>) =
                    b.contexts.iter().partition(|c| PATCHABLE.contains(c));
                if commands.is_empty() {
                    rebuilt.push(b);
                } else if typing.is_empty() {
                    b.keys.clone_from(&keys);
                    rebuilt.push(b);
                } else {
                    // Where text is typed the defaults stay: a letter there is text.
                    rebuilt.push(Bound {
                        keys: keys.clone(),
                        contexts: commands,
                        ..b.clone()
                    });
                    b.contexts = typing;
                    rebuilt.push(b);
                }
            }
            map.bindings = rebuilt;
        }
        // A key given in the config file is taken from the action that had it by default, so
        // a new default key never breaks a config that already uses it.
        let taken: Vec<(Key, KeyScope)> = map
            .bindings
            .iter()
            .filter(|b| changed.contains(&b.action))
            .flat_map(|b| {
                b.keys
                    .iter()
                    .flat_map(|k| b.contexts.iter().map(move |c| (*k, *c)))
            })
            .collect();
        for b in map
            .bindings
            .iter_mut()
            .filter(|b| !changed.contains(&b.action))
        {
            let contexts = b.contexts.clone();
            b.keys
                .retain(|k| *k == Ctrl('c') || !contexts.iter().any(|c| taken.contains(&(*k, *c))));
        }
        for context in [Browse, SearchInput, Help, Picker, Prompt] {
            let mut seen: Vec<(Key, Action)> = Vec::new();
            for b in map
                .bindings
                .iter()
                .filter(|b| b.contexts.contains(&context))
            {
                for k in &b.keys {
                    if let Some((_, other)) = seen.iter().find(|(s, a)| s == k && *a != b.action) {
                        // Blame the action the config file changed.
                        let blamed = if changed.contains(&b.action) {
                            b.action
                        } else {
                            *other
                        };
                        return Err((
                            blamed.name().to_owned(),
                            format!(
                                "`{}` would do both `{}` and `{}`",
                                key_label(*k),
                                other.name(),
                                b.action.name()
                            ),
                        ));
                    }
                    seen.push((*k, b.action));
                }
            }
        }
        Ok(map)
    }

    /// The action a key event means in `context`, if any.
    #[must_use]
    pub fn lookup(&self, context: KeyScope, event: &KeyEvent) -> Option<Action> {
        self.bindings
            .iter()
            .filter(|b| b.contexts.contains(&context))
            .find(|b| b.keys.iter().any(|k| matches(*k, event)))
            .map(|b| b.action)
    }

    /// `(keys, help)` for the hint bar in `context`, in table order, one entry per help text.
    #[must_use]
    pub fn hints(&self, context: KeyScope) -> Vec<(String, &'static str)> {
        let mut out: Vec<(String, &'static str)> = Vec::new();
        for b in self
            .bindings
            .iter()
            .filter(|b| !b.hint.is_empty() && b.contexts.contains(&context))
        {
            let Some(first) = b.keys.first() else {
                continue;
            };
            if out.iter().any(|(_, h)| *h == b.hint) {
                continue;
            }
            out.push((key_label(*first), b.hint));
        }
        out
    }

    /// The first key bound to `action` in `context`, as the hint bar shows keys.
    #[must_use]
    pub fn key_of(&self, context: KeyScope, action: Action) -> Option<String> {
        self.bindings
            .iter()
            .find(|b| b.action == action && b.contexts.contains(&context))
            .and_then(|b| b.keys.first())
            .map(|k| key_label(*k))
    }

    /// `(keys, help)` for every binding in `context`, for the help overlay.
    #[must_use]
    pub fn help_rows(&self, context: KeyScope) -> Vec<(String, &'static str)> {
        self.bindings
            .iter()
            .filter(|b| b.contexts.contains(&context) && !b.keys.is_empty())
            .map(|b| {
                let keys: Vec<String> = b.keys.iter().map(|k| key_label(*k)).collect();
                (keys.join(" "), b.help)
            })
            .collect()
    }
}

/// `"j"`, `"G"`, `"ctrl+d"` (or `ctrl-d`, `^d`), `"enter"`, `"esc"`, `"up"`, `"pgdn"`,
/// `"home"`, `"space"`, `"tab"`.
///
/// # Errors
/// A message naming the key that is not understood.
pub fn parse_key(text: &str) -> Result<Key, String> {
    let lower = text.to_ascii_lowercase();
    let ctrl = lower
        .strip_prefix("ctrl+")
        .or_else(|| lower.strip_prefix("ctrl-"))
        .or_else(|| lower.strip_prefix('^'));
    if let Some(rest) = ctrl {
        let mut chars = rest.chars();
        if let (Some(c), None) = (chars.next(), chars.next())
            && c.is_ascii_alphabetic()
        {
            return Ok(Ctrl(c));
        }
        return Err(format!(
            "`{text}`: ctrl goes with one letter, e.g. \"ctrl+d\""
        ));
    }
    let mut chars = text.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Ok(Char(c));
    }
    Ok(Code(match lower.as_str() {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pgup" | "pageup" => KeyCode::PageUp,
        "pgdn" | "pagedown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "tab" => KeyCode::Tab,
        "backspace" => KeyCode::Backspace,
        "space" => return Ok(Char(' ')),
        _ => {
            return Err(format!(
                "`{text}` is not a key (one character, ctrl+letter, enter, esc, up, down, left, right, pgup, pgdn, home, end, tab, space)"
            ));
        }
    }))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn vim_and_arrow_keys_move() {
        assert_eq!(
            Keymap::default().lookup(Browse, &key(KeyCode::Char('j'))),
            Some(Action::Down)
        );
        assert_eq!(
            Keymap::default().lookup(Browse, &key(KeyCode::Down)),
            Some(Action::Down)
        );
        assert_eq!(
            Keymap::default().lookup(Browse, &key(KeyCode::Char('G'))),
            Some(Action::Bottom)
        );
        assert_eq!(
            Keymap::default().lookup(Browse, &key(KeyCode::Char('l'))),
            Some(Action::Expand)
        );
    }

    #[test]
    fn typing_a_query_is_not_a_command() {
        assert_eq!(
            Keymap::default().lookup(SearchInput, &key(KeyCode::Char('q'))),
            None
        );
        assert_eq!(
            Keymap::default().lookup(SearchInput, &key(KeyCode::Char('j'))),
            None
        );
        assert_eq!(
            Keymap::default().lookup(SearchInput, &key(KeyCode::Down)),
            Some(Action::Down)
        );
    }

    #[test]
    fn ctrl_c_quits_everywhere() {
        let ev = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for ctx in [Browse, SearchInput, Help] {
            assert_eq!(Keymap::default().lookup(ctx, &ev), Some(Action::Quit));
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

    fn patched(patches: &[(&str, &[&str])]) -> Result<Keymap, (String, String)> {
        let owned: Vec<(String, Vec<String>)> = patches
            .iter()
            .map(|(a, ks)| {
                (
                    (*a).to_owned(),
                    ks.iter().map(|k| (*k).to_owned()).collect(),
                )
            })
            .collect();
        Keymap::new(owned.iter().map(|(a, ks)| (a.as_str(), ks.as_slice())))
    }

    #[test]
    fn patches_replace_keys_where_they_are_commands() {
        let map = patched(&[
            ("shell", &["S"]),
            ("quit", &["x", "ctrl+q"]),
            ("page_down", &["J"]),
        ])
        .unwrap();
        let ch = |c| key(KeyCode::Char(c));
        assert_eq!(map.lookup(Browse, &ch('S')), Some(Action::Shell));
        assert_eq!(map.lookup(Browse, &ch('s')), None);
        assert_eq!(map.lookup(Browse, &ch('x')), Some(Action::Quit));
        assert_eq!(map.lookup(Browse, &ch('q')), None);
        let ctrl_q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL);
        assert_eq!(map.lookup(Help, &ctrl_q), Some(Action::Quit));
        // Ctrl-c still quits, and typing a search still types.
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(map.lookup(SearchInput, &ctrl_c), Some(Action::Quit));
        assert_eq!(map.lookup(Browse, &ch('J')), Some(Action::PageDown));
        assert_eq!(map.lookup(SearchInput, &ch('J')), None);
        assert_eq!(
            map.lookup(SearchInput, &key(KeyCode::PageDown)),
            Some(Action::PageDown)
        );
        assert!(map.hints(Browse).contains(&("S".to_owned(), "shell")));
        assert!(map.hints(Browse).contains(&("x".to_owned(), "quit")));
    }

    #[test]
    fn bad_patches_are_named() {
        let (name, err) = patched(&[("teleport", &["t"])]).unwrap_err();
        assert_eq!(name, "teleport");
        assert!(err.contains("actions: up, down"), "{err}");
        let (_, err) = patched(&[("shell", &["ctrl+"])]).unwrap_err();
        assert!(err.contains("ctrl goes with one letter"), "{err}");
        let (_, err) = patched(&[("shell", &["hyper"])]).unwrap_err();
        assert!(err.contains("`hyper` is not a key"), "{err}");
        let (_, err) = patched(&[("shell", &["q"]), ("search", &["q"])]).unwrap_err();
        assert!(err.contains("`q` would do both"), "{err}");
        // A key the config gives is taken from the action that had it by default.
        let map = patched(&[("shell", &["q"])]).unwrap();
        let q = key(KeyCode::Char('q'));
        assert_eq!(map.lookup(Browse, &q), Some(Action::Shell));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(map.lookup(Browse, &ctrl_c), Some(Action::Quit));
    }

    #[test]
    fn keys_parse_in_every_spelling() {
        assert_eq!(parse_key("S"), Ok(Char('S')));
        assert_eq!(parse_key("ctrl+d"), Ok(Ctrl('d')));
        assert_eq!(parse_key("Ctrl-D"), Ok(Ctrl('d')));
        assert_eq!(parse_key("^d"), Ok(Ctrl('d')));
        assert_eq!(parse_key("PgDn"), Ok(Code(KeyCode::PageDown)));
        assert_eq!(parse_key("space"), Ok(Char(' ')));
    }

    #[test]
    fn hints_come_from_the_table() {
        let h = Keymap::default().hints(Browse);
        assert!(h.contains(&("/".to_owned(), "search")));
        assert!(h.contains(&("q".to_owned(), "quit")));
        assert_eq!(h.iter().filter(|(_, t)| *t == "quit").count(), 1);
    }
}
