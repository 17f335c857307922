//! The one terminal prompt: a question on the controlling terminal (`/dev/tty`), never on
//! stdout, which a program may be reading (`eval "$(awsnav env …)"`). Where there is no
//! terminal (an IDE or a GUI starting `credential_process`), a desktop dialog asks
//! ([`crate::app::dialog`]).

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::sync::Arc;

use crate::app::access::{Asker, MfaSource};
use crate::app::context::AppContext;

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

/// Where the command line gets MFA codes: `--mfa-code`, `[auth] mfa_process`, else a prompt on
/// the terminal, or a desktop dialog where there is none (`[auth] mfa_prompt`). `about` says
/// what the code is for ([`crate::app::enter::purpose`]).
#[must_use]
pub fn mfa_source(ctx: &AppContext, code: Option<String>, about: &str) -> MfaSource {
    let terminal = (std::io::stdin().is_terminal() || std::io::stderr().is_terminal()).then(|| {
        Asker::new(Arc::new(|serial: &str| {
            ask(&format!("MFA code for {serial}: "))
                .map_err(|e| e.to_string())?
                .ok_or_else(|| "no terminal to ask for the MFA code: pass --mfa-code".to_owned())
        }))
    });
    crate::app::enter::mfa_source(ctx, code, about, terminal)
}
