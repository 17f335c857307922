//! Where an awsnav shell is, on screen: its prompt marked with the account and role (red
//! `PROD` in production) without touching the user's rc files, and the terminal title (and the
//! tmux window name) naming them while it runs.
//!
//! - bash: `--rcfile` with a file that sources `~/.bashrc`, then adds a `PROMPT_COMMAND` step
//!   that puts the mark in front of `PS1` (after any prompt framework has drawn it);
//! - zsh: `ZDOTDIR` pointing at a directory whose `.zshenv` / `.zshrc` source the user's, then
//!   add a `precmd` hook that does the same to `PROMPT`;
//! - fish: `--init-command` wrapping `fish_prompt` after `config.fish` has loaded.
//!
//! Any other shell starts as it is, unmarked.

use std::io::Write as _;
use std::path::Path;

use crate::domain::untrusted::{self, MAX_MARK_CHARS, ZshPromptOptions};

/// The shells whose prompt awsnav can mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShellKind {
    Bash,
    Zsh,
    Fish,
    Other,
}

impl ShellKind {
    /// The kind of the shell program `program` (a path or a name).
    #[must_use]
    pub fn of(program: &str) -> Self {
        let name = Path::new(program)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match name.trim_start_matches('-') {
            "bash" => Self::Bash,
            "zsh" => Self::Zsh,
            "fish" => Self::Fish,
            _ => Self::Other,
        }
    }
}

/// How marks look, as SGR parameters (`1;31`): in production and elsewhere; empty for plain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkStyles {
    pub production: String,
    pub other: String,
}

impl Default for MarkStyles {
    fn default() -> Self {
        Self {
            production: "1;31".to_owned(),
            other: "1".to_owned(),
        }
    }
}

/// What the mark says and how it looks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    /// The text (`[payments-prod/Admin PROD]`).
    pub text: String,
    /// How it looks: SGR parameters (`1;38;5;9`), from the theme's `production` or `title`
    /// style; empty for plain text.
    pub sgr: String,
}

impl Mark {
    /// `format` filled in: `{account}`, `{role}`, `{id}`, and `{prod}` (" PROD" in production).
    /// The names are cut to [`MAX_MARK_CHARS`]; each prompt language escapes the text.
    #[must_use]
    pub fn new(format: &str, account: &str, role: &str, id: &str, production: bool) -> Self {
        let text = untrusted::fill(
            format,
            &[
                ("account", &untrusted::shortened(account, MAX_MARK_CHARS)),
                ("role", &untrusted::shortened(role, MAX_MARK_CHARS)),
                ("id", id),
                ("prod", if production { " PROD" } else { "" }),
            ],
        );
        Self {
            text,
            sgr: if production { "1;31" } else { "1" }.to_owned(),
        }
    }

    /// For bash's `PS1` with `promptvars` on or off: the text by [`untrusted::bash_prompt`],
    /// escapes inside `\[ \]`.
    fn bash(&self, promptvars: bool) -> String {
        let text = untrusted::bash_prompt(&self.text, promptvars);
        if self.sgr.is_empty() {
            format!("{text} ")
        } else {
            format!("\\[\\e[{}m\\]{text}\\[\\e[0m\\] ", self.sgr)
        }
    }

    /// For zsh's `PROMPT` read with `options`: the text by [`untrusted::zsh_prompt`], escapes
    /// inside `%{ %}`.
    fn zsh(&self, options: ZshPromptOptions) -> String {
        let text = untrusted::zsh_prompt(&self.text, options);
        if self.sgr.is_empty() {
            format!("{text} ")
        } else {
            format!("%{{\x1b[{}m%}}{text}%{{\x1b[0m%}} ", self.sgr)
        }
    }

    /// For fish: the mark printed by a wrapped `fish_prompt`.
    fn fish(&self) -> String {
        let text = untrusted::fish_quoted(&format!("{} ", untrusted::visible_text(&self.text)));
        let (colour, reset) = if self.sgr.is_empty() {
            (String::new(), "")
        } else {
            (format!("printf '\\e[{}m'; ", self.sgr), "; printf '\\e[0m'")
        };
        format!(
            "functions -q fish_prompt; and functions -c fish_prompt __awsnav_user_prompt; \
             function fish_prompt; {colour}echo -n {text}{reset}; \
             functions -q __awsnav_user_prompt; and __awsnav_user_prompt; end; \
             if set -q AWSNAV_TITLE; function fish_title; echo $AWSNAV_TITLE; end; end"
        )
    }
}

/// The variable holding the zsh mark for `options` (the start-up file picks it by the options
/// in force at each prompt).
fn zsh_mark_variable(options: ZshPromptOptions) -> &'static str {
    match options.suffix() {
        "_SUBST" => "AWSNAV_PROMPT_MARK_SUBST",
        "_BANG" => "AWSNAV_PROMPT_MARK_BANG",
        "_SUBST_BANG" => "AWSNAV_PROMPT_MARK_SUBST_BANG",
        _ => "AWSNAV_PROMPT_MARK",
    }
}

const BASHRC: &str = r#"# Written by awsnav for one shell; removed when it exits. Your ~/.bashrc is read first.
if [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi
__awsnav_mark() {
  local mark="$AWSNAV_PROMPT_MARK"
  shopt -q promptvars || mark="$AWSNAV_PROMPT_MARK_NOVARS"
  case "$PS1" in
    "$mark"*) ;;
    *) PS1="$mark$PS1" ;;
  esac
  [ -n "$AWSNAV_TITLE" ] && printf '\033]2;%s\007' "$AWSNAV_TITLE"
}
PROMPT_COMMAND="${PROMPT_COMMAND:+$PROMPT_COMMAND;}__awsnav_mark"
"#;

const ZSHENV: &str = r#"# Written by awsnav for one shell; removed when it exits.
if [ -f "${AWSNAV_USER_ZDOTDIR:-$HOME}/.zshenv" ]; then . "${AWSNAV_USER_ZDOTDIR:-$HOME}/.zshenv"; fi
"#;

const ZSHRC: &str = r#"# Written by awsnav for one shell; removed when it exits. Your .zshrc is read first.
ZDOTDIR="${AWSNAV_USER_ZDOTDIR:-$HOME}"
if [ -f "$ZDOTDIR/.zshrc" ]; then . "$ZDOTDIR/.zshrc"; fi
__awsnav_mark() {
  local v=AWSNAV_PROMPT_MARK
  [[ -o promptsubst ]] && v+=_SUBST
  [[ -o promptbang ]] && v+=_BANG
  local mark="${(P)v}"
  [[ "$PROMPT" == "$mark"* ]] || PROMPT="$mark$PROMPT"
  [[ -n "$AWSNAV_TITLE" ]] && printf '\033]2;%s\007' "$AWSNAV_TITLE"
}
autoload -Uz add-zsh-hook && add-zsh-hook precmd __awsnav_mark
"#;

/// How to start a shell so its prompt carries the mark: arguments, environment, and the
/// directory of start-up files (removed when this is dropped).
#[derive(Debug, Default)]
pub struct MarkedShell {
    pub args: Vec<String>,
    pub env: Vec<(&'static str, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl MarkedShell {
    /// The start of `shell` with `mark` (start-up files under `run_dir`, 0700); unmarked for a
    /// shell awsnav does not know.
    ///
    /// # Errors
    /// When the start-up files cannot be written.
    pub fn new(shell: &str, mark: &Mark, run_dir: &Path) -> std::io::Result<Self> {
        let mut marked = Self::start(shell, mark, run_dir)?;
        if ShellKind::of(shell) != ShellKind::Other {
            // Each prompt names the account in the title again: a title the user's own prompt
            // sets would otherwise win.
            marked.env.push((
                "AWSNAV_TITLE",
                untrusted::title(&format!("awsnav: {}", mark.text.trim())),
            ));
        }
        Ok(marked)
    }

    fn start(shell: &str, mark: &Mark, run_dir: &Path) -> std::io::Result<Self> {
        let kind = ShellKind::of(shell);
        let dir = || -> std::io::Result<tempfile::TempDir> {
            crate::store::private_file::create_private_dir(run_dir)?;
            tempfile::Builder::new()
                .prefix("shell-")
                .tempdir_in(run_dir)
        };
        Ok(match kind {
            ShellKind::Bash => {
                let dir = dir()?;
                let rc = dir.path().join("bashrc");
                std::fs::write(&rc, BASHRC)?;
                Self {
                    args: vec!["--rcfile".into(), rc.display().to_string(), "-i".into()],
                    env: vec![
                        ("AWSNAV_PROMPT_MARK", mark.bash(true)),
                        ("AWSNAV_PROMPT_MARK_NOVARS", mark.bash(false)),
                    ],
                    _dir: Some(dir),
                }
            }
            ShellKind::Zsh => {
                let dir = dir()?;
                std::fs::write(dir.path().join(".zshenv"), ZSHENV)?;
                std::fs::write(dir.path().join(".zshrc"), ZSHRC)?;
                let user = std::env::var("ZDOTDIR").unwrap_or_default();
                let mut env: Vec<(&'static str, String)> = ZshPromptOptions::ALL
                    .iter()
                    .map(|o| (zsh_mark_variable(*o), mark.zsh(*o)))
                    .collect();
                env.push(("ZDOTDIR", dir.path().display().to_string()));
                if !user.is_empty() {
                    env.push(("AWSNAV_USER_ZDOTDIR", user));
                }
                Self {
                    args: Vec::new(),
                    env,
                    _dir: Some(dir),
                }
            }
            ShellKind::Fish => Self {
                args: vec!["--init-command".into(), mark.fish()],
                env: Vec::new(),
                _dir: None,
            },
            ShellKind::Other => Self::default(),
        })
    }
}

/// The terminal's title naming the account while a shell runs, and the tmux window too; both
/// put back when dropped. The title goes on the terminal's title stack (saved, then restored:
/// xterm, VTE, tmux and most others keep one).
#[derive(Debug)]
pub struct TerminalTitle {
    tty: Option<std::fs::File>,
    /// The tmux window's name before, and whether tmux named it by itself.
    tmux: Option<(String, bool)>,
}

impl TerminalTitle {
    /// Sets the title to `title` (on the controlling terminal, when there is one) and, inside
    /// tmux with `tmux_window`, the window name.
    #[must_use]
    pub fn set(title: &str, tmux_window: bool) -> Self {
        let clean = untrusted::title(title);
        let tty = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/tty")
            .ok()
            .and_then(|mut tty| {
                write!(tty, "\x1b[22;2t\x1b]2;{clean}\x07")
                    .and_then(|()| tty.flush())
                    .ok()
                    .map(|()| tty)
            });
        let tmux = (tmux_window && std::env::var_os("TMUX").is_some())
            .then(|| {
                let name = tmux(&["display-message", "-p", "#W"])?;
                let automatic = tmux(&["show-window-options", "-v", "automatic-rename"])
                    .is_none_or(|v| v != "off");
                tmux(&["rename-window", "--", &untrusted::tmux_window_name(title)])?;
                Some((name, automatic))
            })
            .flatten();
        Self { tty, tmux }
    }
}

impl Drop for TerminalTitle {
    fn drop(&mut self) {
        if let Some(tty) = &mut self.tty {
            let _ = write!(tty, "\x1b[23;2t");
            let _ = tty.flush();
        }
        if let Some((name, automatic)) = &self.tmux {
            // The name as it was, as text: tmux would run a `#(…)` in it.
            let _ = tmux(&["rename-window", "--", &untrusted::tmux_literal(name)]);
            if *automatic {
                let _ = tmux(&["set-window-option", "automatic-rename", "on"]);
            }
        }
    }
}

/// A tmux command's output (trimmed), `None` when it fails. It acts on the window of the
/// pane awsnav runs in (`TMUX_PANE`), not on whichever window is current by then.
fn tmux(args: &[&str]) -> Option<String> {
    let mut args = args.to_vec();
    let pane = std::env::var("TMUX_PANE").unwrap_or_default();
    if !pane.is_empty() {
        args.insert(1, "-t");
        args.insert(2, &pane);
    }
    let out = std::process::Command::new("tmux")
        .args(&args)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shells_are_known_by_name() {
        assert_eq!(ShellKind::of("/usr/bin/bash"), ShellKind::Bash);
        assert_eq!(ShellKind::of("-zsh"), ShellKind::Zsh);
        assert_eq!(ShellKind::of("/opt/homebrew/bin/fish"), ShellKind::Fish);
        assert_eq!(ShellKind::of("/bin/sh"), ShellKind::Other);
    }

    #[test]
    fn the_mark_is_safe_in_each_prompt_language() {
        let prod = Mark::new(
            "[{account}/{role}{prod}]",
            "pay$100%`x`!",
            "Admin",
            "1",
            true,
        );
        assert_eq!(prod.text, "[pay$100%`x`!/Admin PROD]");
        assert_eq!(
            prod.bash(true),
            r"\[\e[1;31m\][pay\134\044100%\134\140x\134\140\041/Admin PROD]\[\e[0m\] "
        );
        assert_eq!(
            prod.zsh(ZshPromptOptions::default()),
            "%{\x1b[1;31m%}[pay$100%%`x`!/Admin PROD]%{\x1b[0m%} "
        );
        assert_eq!(
            prod.zsh(ZshPromptOptions {
                subst: true,
                bang: true
            }),
            "%{\x1b[1;31m%}[pay\\$100%%\\`x\\`!!/Admin PROD]%{\x1b[0m%} "
        );
        assert!(
            prod.fish().contains(
                r"printf '\e[1;31m'; echo -n '[pay$100%`x`!/Admin PROD] '; printf '\e[0m'"
            )
        );
        let dev = Mark {
            sgr: String::new(),
            ..Mark::new("({id} {role})", "dev", "ReadOnly", "111", false)
        };
        assert_eq!(dev.bash(true), "(111 ReadOnly) ");
        assert_eq!(dev.zsh(ZshPromptOptions::default()), "(111 ReadOnly) ");
    }

    #[test]
    fn controls_in_names_never_reach_a_prompt_or_title() {
        let mark = Mark::new("[{account}]", "a\x1b]2;x\x07\nb{role}", "R", "1", false);
        assert_eq!(mark.text, "[a\x1b]2;x\x07\nb{role}]");
        for text in [
            mark.bash(true),
            mark.zsh(ZshPromptOptions::default()),
            mark.fish(),
        ] {
            let without_sgr = text.replace("\x1b[1m", "").replace("\x1b[0m", "");
            assert!(!without_sgr.contains(['\x1b', '\x07', '\n']), "{text:?}");
        }
        let run = tempfile::tempdir().unwrap();
        let shell = MarkedShell::new("/bin/bash", &mark, run.path()).unwrap();
        let title = &shell
            .env
            .iter()
            .find(|(k, _)| *k == "AWSNAV_TITLE")
            .unwrap()
            .1;
        assert_eq!(title, "awsnav: [a]2;xb{role}]");
        let long = Mark::new("[{account}]", &"x".repeat(1000), "R", "1", false);
        assert!(long.text.chars().count() < MAX_MARK_CHARS + 3);
    }

    #[test]
    fn start_up_files_live_as_long_as_the_shell() {
        let run = tempfile::tempdir().unwrap();
        let mark = Mark::new("[{account}]", "dev", "R", "1", false);
        let bash = MarkedShell::new("/bin/bash", &mark, run.path()).unwrap();
        assert_eq!(bash.args[0], "--rcfile");
        let rc = std::path::PathBuf::from(&bash.args[1]);
        assert!(
            std::fs::read_to_string(&rc)
                .unwrap()
                .contains(". \"$HOME/.bashrc\"")
        );
        drop(bash);
        assert!(!rc.exists());
        let zsh = MarkedShell::new("zsh", &mark, run.path()).unwrap();
        let zdotdir = &zsh.env.iter().find(|(k, _)| *k == "ZDOTDIR").unwrap().1;
        assert!(Path::new(zdotdir).join(".zshrc").exists());
        assert!(
            MarkedShell::new("/bin/dash", &mark, run.path())
                .unwrap()
                .args
                .is_empty()
        );
    }
}
