//! Desktop dialogs (zenity, kdialog, osascript) that ask a person for one line — an MFA code —
//! where there is no terminal to ask on: a GUI starting `credential_process`, a shell's or
//! `serve`'s credential endpoint renewing while a child holds the terminal.

use crate::domain::untrusted;

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

    /// The arguments that show `text` (plain text, names in it included) under `title`:
    /// zenity and kdialog read their text as markup and osascript as a script, so each gets
    /// it escaped for what it reads.
    #[must_use]
    pub fn args(self, title: &str, text: &str) -> Vec<String> {
        let title = untrusted::title(title);
        match self {
            Self::Zenity => vec![
                "--entry".into(),
                "--title".into(),
                title,
                "--text".into(),
                untrusted::pango_markup(text),
            ],
            Self::Kdialog => vec![
                "--title".into(),
                title,
                "--inputbox".into(),
                untrusted::qt_rich_text(text),
            ],
            Self::Osascript => vec![
                "-e".into(),
                format!(
                    "text returned of (display dialog {} default answer \"\" with title {})",
                    untrusted::applescript_string(text),
                    untrusted::applescript_string(&title)
                ),
            ],
        }
    }

    /// Shows `text` and reads the answer. `Ok(None)`: cancelled.
    ///
    /// # Errors
    /// When the program cannot be started or fails otherwise.
    pub fn ask(self, title: &str, text: &str) -> std::io::Result<Option<String>> {
        let mut cmd = std::process::Command::new(self.program());
        cmd.args(self.args(title, text));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialog_text_is_escaped_for_what_each_program_reads() {
        let text = "MFA code for arn:aws:iam::1:mfa/me\nto get into <b>x</b> & `y` \"z\" \\101\x1b";
        let zenity = Dialog::Zenity.args("awsnav: MFA code", text);
        assert_eq!(
            zenity[4],
            "MFA code for arn:aws:iam::1:mfa/me\nto get into &lt;b&gt;x&lt;/b&gt; &amp; `y` &quot;z&quot; \\\\101\\\\x1b"
        );
        let kdialog = Dialog::Kdialog.args("awsnav: MFA code", text);
        assert!(kdialog[3].starts_with("<qt>MFA code") && kdialog[3].contains("&lt;b&gt;"));
        let osa = Dialog::Osascript.args("t\"", text);
        assert_eq!(
            osa[1],
            r#"text returned of (display dialog "MFA code for arn:aws:iam::1:mfa/me\nto get into <b>x</b> & `y` \"z\" \\101\\x1b" default answer "" with title "t\"")"#
        );
    }
}
