//! The one terminal prompt: a question on the controlling terminal (`/dev/tty`), never on
//! stdout, which a program may be reading (`eval "$(awsnav env …)"`); and, where there is no
//! terminal (an IDE or a GUI starting `credential_process`), a desktop dialog.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

/// Asks `question` on the controlling terminal and reads one line (without its line end).
/// `Ok(None)` when there is no terminal to ask on.
///
/// # Errors
/// When the terminal cannot be written or read.
pub fn ask(question: &str) -> std::io::Result<Option<String>> {
    let Ok(tty) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
    else {
        return Ok(None);
    };
    let mut out = &tty;
    write!(out, "{question}")?;
    out.flush()?;
    let mut line = String::new();
    std::io::BufReader::new(&tty).read_line(&mut line)?;
    Ok(Some(line.trim_end_matches(['\r', '\n']).to_owned()))
}

/// Asks `question` on the controlling terminal and reads a secret without echo; `None` when
/// there is no terminal (or it cannot be read).
#[must_use]
pub fn ask_secret(question: &str) -> Option<String> {
    rpassword::prompt_password(question).ok()
}

/// Whether a person can answer: stdin is a terminal (a program piping into awsnav cannot).
#[must_use]
pub fn person_present() -> bool {
    std::io::stdin().is_terminal()
}

/// A desktop dialog program that asks for one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialog {
    Zenity,
    Kdialog,
    Osascript,
}

impl Dialog {
    /// The dialog a desktop here offers: osascript on macOS; zenity, then kdialog, where there
    /// is a display and the program is installed.
    #[must_use]
    pub fn available() -> Option<Self> {
        if cfg!(target_os = "macos") {
            return Some(Self::Osascript);
        }
        let display = ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()));
        if !display {
            return None;
        }
        [Self::Zenity, Self::Kdialog]
            .into_iter()
            .find(|d| on_path(d.program()))
    }

    #[must_use]
    pub fn program(self) -> &'static str {
        match self {
            Self::Zenity => "zenity",
            Self::Kdialog => "kdialog",
            Self::Osascript => "osascript",
        }
    }

    /// Shows `text` and reads the answer. `Ok(None)`: cancelled.
    ///
    /// # Errors
    /// When the program cannot be started or fails otherwise.
    pub fn ask(self, title: &str, text: &str) -> std::io::Result<Option<String>> {
        let mut cmd = std::process::Command::new(self.program());
        match self {
            Self::Zenity => cmd.args(["--entry", "--title", title, "--text", text]),
            Self::Kdialog => cmd.args(["--title", title, "--inputbox", text]),
            Self::Osascript => {
                let quoted = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
                cmd.args([
                    "-e",
                    &format!(
                        "text returned of (display dialog \"{}\" default answer \"\" with title \"{}\")",
                        quoted(text),
                        quoted(title)
                    ),
                ])
            }
        };
        let out = cmd
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()?;
        // Every one of them exits 1 when the dialog is cancelled or closed.
        if out.status.code() == Some(1) {
            return Ok(None);
        }
        if !out.status.success() {
            return Err(std::io::Error::other(format!(
                "{} failed ({})",
                self.program(),
                out.status
            )));
        }
        Ok(Some(String::from_utf8_lossy(&out.stdout).trim().to_owned()))
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}
