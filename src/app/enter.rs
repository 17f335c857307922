//! Getting into an account, once for both front ends: where MFA codes come from, the role
//! session got and remembered, and then a shell or a command run in the account — its
//! credential endpoint, its prompt and title marks, the session announced the one way
//! ([`super::launch::announce`]), the terminal handed over and taken back. A front end does
//! only what it alone can ([`FrontEnd`]); choosing the account and confirming production are
//! its dialogs, on the one rule of [`crate::domain::safety`].

use std::io::IsTerminal as _;
use std::sync::Arc;

use time::OffsetDateTime;

use super::access::{AccessTarget, Asker, Granted, Interactive, MfaSource};
use super::context::AppContext;
use super::dialog::Dialog;
use super::launch::{self, Session};
use crate::aws::AwsError;
use crate::config::{MfaPrompt, ShellCredentials};
use crate::domain::roles::RoleOption;
use crate::domain::untrusted::visible;

/// What only a front end can do while a child runs in an account.
pub trait FrontEnd {
    /// Steps aside so that a child can have the terminal (the TUI leaves its screen; the
    /// command line has nothing to do).
    fn hand_over_terminal(&mut self) -> impl std::future::Future<Output = ()>;
    /// Takes the terminal back once the child has exited.
    fn take_back_terminal(&mut self);
    /// Whether the person comes back to this front end when the child exits (the TUI), or
    /// leaves (the command line ends with the child).
    fn comes_back(&self) -> bool {
        false
    }
}

/// An account got into: its role, whether it is production, the session's region and its
/// credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entered {
    pub account_id: String,
    pub account_name: String,
    pub role: RoleOption,
    pub production: bool,
    pub region: String,
    pub granted: Granted,
}

impl Entered {
    #[must_use]
    pub fn session(&self) -> Session<'_> {
        Session {
            account_id: &self.account_id,
            account_name: &self.account_name,
            role: &self.role.name,
            production: self.production,
            region: &self.region,
            credentials: &self.granted.credentials,
            server: None,
        }
    }

    /// What [`super::access::Access::credentials`] is asked for this account and role.
    #[must_use]
    pub fn target(&self, duration: Option<u32>) -> AccessTarget {
        AccessTarget {
            account_id: self.account_id.clone(),
            account_name: self.account_name.clone(),
            role: self.role.clone(),
            duration,
        }
    }
}

/// What is to be told when a code is asked: "to get into payments-prod (…) as Admin —
/// PRODUCTION".
#[must_use]
pub fn purpose(verb: &str, target: &AccessTarget, production: bool) -> String {
    format!(
        "to {verb} {} ({}) as {}{}",
        visible(&target.account_name),
        target.account_id,
        visible(&target.role.name),
        if production { " — PRODUCTION" } else { "" }
    )
}

/// Where MFA codes come from: `code` (`--mfa-code`), `[auth] mfa_process`, else the front
/// end's `terminal` prompt where it has one, or a desktop dialog (`[auth] mfa_prompt`) where
/// there is none — as for a credential endpoint renewing while a child holds the terminal.
/// `about` says what the code is for ([`purpose`]).
#[must_use]
pub fn mfa_source(
    ctx: &AppContext,
    code: Option<String>,
    about: &str,
    terminal: Option<Asker>,
) -> MfaSource {
    let dialog = match ctx.config.auth.mfa_prompt {
        MfaPrompt::Terminal => None,
        MfaPrompt::Auto if terminal.is_some() => None,
        MfaPrompt::Auto => Dialog::available(),
        MfaPrompt::Zenity => Some(Dialog::Zenity),
        MfaPrompt::Kdialog => Some(Dialog::Kdialog),
        MfaPrompt::Osascript => Some(Dialog::Osascript),
    };
    let interactive = match (dialog, terminal) {
        (Some(dialog), _) => {
            let about = about.to_owned();
            Interactive::Ask(Asker::new(Arc::new(move |serial: &str| {
                let text = format!("MFA code for {serial}\n{about}");
                dialog
                    .ask("awsnav: MFA code", &text)
                    .map_err(|e| format!("the MFA dialog ({}) failed: {e}", dialog.program()))?
                    .ok_or_else(|| "the MFA dialog was cancelled: nothing was done".to_owned())
            })))
        }
        (None, Some(terminal)) => Interactive::Ask(terminal),
        (None, None) => Interactive::None,
    };
    MfaSource {
        code,
        process: ctx.config.auth.mfa_process.clone(),
        interactive,
    }
}

/// Credentials for `target` through [`super::access::Access`], as of `now`; where a sign-in
/// they need has ended (Identity Center, a console session) and `sign_in_again` signs in,
/// tried once more. The role is remembered as the account's last.
///
/// # Errors
/// What AWS refused, or what `sign_in_again` says.
pub async fn get_in<E, F, Fut>(
    ctx: &AppContext,
    target: &AccessTarget,
    mfa: &MfaSource,
    now: OffsetDateTime,
    sign_in_again: F,
) -> Result<Granted, E>
where
    E: From<AwsError>,
    F: FnOnce(AwsError) -> Fut,
    Fut: std::future::Future<Output = Result<(), E>>,
{
    // With several organizations, the account's own organization's identity gets in (an
    // Identity Center role: the instance that gives it).
    let ctx = ctx.of_account_as(&target.account_id, &target.role);
    let granted = match ctx.access.credentials(target, mfa, now).await {
        Err(e @ (AwsError::SsoLogin { .. } | AwsError::ConsoleLogin { .. })) => {
            sign_in_again(e).await?;
            ctx.access.credentials(target, mfa, now).await?
        }
        other => other?,
    };
    ctx.prefs.remember(&target.account_id, &target.role.key());
    Ok(granted)
}

/// A shell's marks: its prompt (the start it needs) and the terminal title, while it runs.
pub struct ShellMarks {
    pub shell: super::shell_prompt::MarkedShell,
    _title: Option<super::shell_prompt::TerminalTitle>,
}

impl ShellMarks {
    /// The marks `[shell]` asks for on `shell` in the account; none where they cannot be made
    /// (a warning says why) or the shell is not one awsnav knows.
    #[must_use]
    pub fn start(ctx: &AppContext, shell: &str, entered: &Entered) -> Self {
        use super::shell_prompt::{Mark, MarkedShell, TerminalTitle};
        let config = &ctx.config.shell;
        let mut mark = Mark::new(
            &config.prompt_format,
            &entered.account_name,
            &entered.role.name,
            &entered.account_id,
            entered.production,
        );
        mark.sgr = if entered.production {
            ctx.mark_styles.production.clone()
        } else {
            ctx.mark_styles.other.clone()
        };
        let shell = if config.prompt {
            MarkedShell::new(shell, &mark, &ctx.paths.cache_dir.join("run")).unwrap_or_else(|e| {
                say!("awsnav: the prompt is not marked ({e})");
                MarkedShell::default()
            })
        } else {
            MarkedShell::default()
        };
        let title = std::io::stderr().is_terminal().then(|| {
            TerminalTitle::set(
                &format!("awsnav: {}", mark.text.trim()),
                config.tmux_window_name,
            )
        });
        Self {
            shell,
            _title: title,
        }
    }
}

/// The credential endpoint for a child in `target`'s account, when `how` says so. Codes it
/// needs while the child holds the terminal come from `[auth] mfa_process` or a desktop
/// dialog; a renewal that fails is said on stderr, once a minute at most.
///
/// # Errors
/// When the endpoint or its files cannot be made.
pub async fn serve_child(
    ctx: &AppContext,
    target: AccessTarget,
    production: bool,
    how: ShellCredentials,
) -> anyhow::Result<Option<launch::Served>> {
    use anyhow::Context as _;
    if how == ShellCredentials::Env {
        return Ok(None);
    }
    let mfa = mfa_source(
        ctx,
        None,
        &purpose("renew the credentials of", &target, production),
        None,
    );
    let account = visible(&target.account_name).into_owned();
    let last: std::sync::Mutex<Option<(String, std::time::Instant)>> = std::sync::Mutex::default();
    let on_error = Arc::new(move |why: &str| {
        // One line at a time: an SDK retrying must not fill the terminal.
        let mut last = last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if last
            .as_ref()
            .is_some_and(|(m, at)| m == why && at.elapsed() < std::time::Duration::from_mins(1))
        {
            return;
        }
        *last = Some((why.to_owned(), std::time::Instant::now()));
        eprintln!(
            "\r\nawsnav: cannot renew the credentials of {account}: {}. Exit and run `awsnav shell {account}` (or exec) again for a fresh session\r",
            visible(why)
        );
    });
    // Renewed through the identity it was entered with.
    let access = &ctx.of_account_as(&target.account_id, &target.role).access;
    let served = launch::serve(
        access,
        target,
        mfa,
        time::Duration::seconds(i64::from(ctx.config.shell.refresh_margin_seconds)),
        &ctx.paths.cache_dir.join("run"),
        on_error,
    )
    .await
    .context("cannot start the credential endpoint")?;
    Ok(Some(served))
}

/// What runs in the account.
#[derive(Clone, Copy, Debug)]
pub enum Child<'a> {
    /// `$SHELL`, marked, the session announced before it.
    Shell,
    /// One command and its arguments.
    Command(&'a str, &'a [String]),
}

/// Why a child could not run.
#[derive(Debug, thiserror::Error)]
pub enum ChildFailure {
    #[error("cannot start `{program}`: {source}")]
    Start {
        program: String,
        source: std::io::Error,
    },
    #[error("`{program}` could not be waited for: {source}")]
    Wait {
        program: String,
        source: std::io::Error,
    },
    /// The credential endpoint a command was to use.
    #[error("{0}")]
    Endpoint(String),
}

/// Runs `child` in the account of `entered`, with the terminal: the credential endpoint when
/// `how` says so (without one, where it cannot be made, and a line says so, a shell gets
/// fixed credentials; a command's failure to get one is an error), a shell's marks and its
/// announcement, the terminal handed over by `front` and taken back after. Ctrl-C meanwhile
/// is the child's. Returns its exit code.
///
/// # Errors
/// When the endpoint a command needs cannot be made, or the child cannot run.
pub async fn run_in_account(
    ctx: Option<&AppContext>,
    front: &mut impl FrontEnd,
    entered: &Entered,
    duration: Option<u32>,
    how: ShellCredentials,
    child: Child<'_>,
) -> Result<i32, ChildFailure> {
    front.hand_over_terminal().await;
    let back = if front.comes_back() {
        "return"
    } else {
        "leave"
    };
    let result = run_handed_over(ctx, entered, (duration, how), child, back).await;
    front.take_back_terminal();
    result
}

async fn run_handed_over(
    ctx: Option<&AppContext>,
    entered: &Entered,
    (duration, how): (Option<u32>, ShellCredentials),
    child: Child<'_>,
    back: &str,
) -> Result<i32, ChildFailure> {
    let mut session = entered.session();
    if matches!(child, Child::Shell) {
        say!("awsnav: {} — exit the shell to {back}", session.announced());
    }
    let served = match ctx {
        Some(ctx) => {
            match serve_child(ctx, entered.target(duration), entered.production, how).await {
                Ok(served) => served,
                Err(e) if matches!(child, Child::Shell) => {
                    say!("awsnav: {e:#}; the shell gets fixed credentials instead");
                    None
                }
                Err(e) => return Err(ChildFailure::Endpoint(format!("{e:#}"))),
            }
        }
        None => None,
    };
    session.server = served.as_ref().map(|s| &s.by);
    // While the child runs, a line ten minutes before a sign-in its renewals need ends.
    let watcher = served.as_ref().zip(ctx).map(|(_, ctx)| {
        let which = super::identities::relied_on(&ctx.access, &entered.role);
        super::identities::watch(
            Arc::new(ctx.clone()),
            Some(which),
            Arc::new(|line: &str| {
                eprintln!("\r\nawsnav: {line}\r");
            }),
        )
    });
    let shell = launch::user_shell();
    let (program, args, marks) = match child {
        Child::Shell => (
            shell.as_str(),
            &[][..],
            ctx.map(|ctx| ShellMarks::start(ctx, &shell, entered)),
        ),
        Child::Command(program, args) => (program, args, None),
    };
    let mut command = match &marks {
        Some(m) => {
            let mut c = session.command(program, &m.shell.args);
            c.envs(m.shell.env.iter().map(|(k, v)| (*k, v)));
            c
        }
        None => session.command(program, args),
    };
    command.stdin(std::process::Stdio::inherit());
    let mut running = tokio::process::Command::from(command)
        .spawn()
        .map_err(|source| ChildFailure::Start {
            program: program.to_owned(),
            source,
        })?;
    // Ctrl-C belongs to the child while it runs; awsnav waits for it and reports its status.
    let ignore = tokio::spawn(async { while tokio::signal::ctrl_c().await.is_ok() {} });
    let status = running.wait().await;
    ignore.abort();
    // The endpoint, the watcher and the marks end with the child.
    if let Some(w) = watcher {
        w.abort();
    }
    drop(marks);
    drop(served);
    status
        .map(launch::exit_code)
        .map_err(|source| ChildFailure::Wait {
            program: program.to_owned(),
            source,
        })
}
