//! `awsnav exec --each …`: one command in many accounts at once, and `list --select …`: which
//! accounts such a run would use, with their roles.

use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde::Serialize;
use time::OffsetDateTime;
use tokio::io::AsyncBufReadExt as _;
use tokio::sync::Semaphore;

use super::enter::{AccessOpts, mfa_source};
use super::output::{pad, width, write_stdout};
use super::{prompt, refresh};
use crate::app::access::AccessTarget;
use crate::app::context::AppContext;
use crate::app::launch::{self, Session};
use crate::domain::each::{Pick, Selection, role_for};
use crate::domain::model::OrgTree;
use crate::domain::roles::RoleOption;

/// How many credential requests run at once, whatever `--parallel` says: STS and the
/// Identity Center portal throttle well before commands would.
const CREDENTIAL_REQUESTS: usize = 8;

/// How a many-account run shows its output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum EachOutput {
    /// Every line as it comes, prefixed with the account's name.
    #[default]
    Prefix,
    /// Each account's output in one block when its command ends.
    Grouped,
    /// One JSON document at the end.
    Json,
}

/// The many-account options of `exec`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct EachOpts {
    /// Run in every active account a selector names: all, ou:GLOB, tag:KEY=VALUE,
    /// name:GLOB, account:ID-OR-NAME (repeat for a union).
    #[arg(long = "each", value_name = "SELECTOR")]
    pub each: Vec<Pick>,
    /// Leave out the accounts a selector names.
    #[arg(long = "except", value_name = "SELECTOR", requires = "each")]
    pub except: Vec<Pick>,
    /// How many commands run at once.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256), requires = "each")]
    pub parallel: u16,
    /// prefix (every line, as it comes), grouped (a block per account) or json.
    #[arg(
        long,
        value_enum,
        value_name = "HOW",
        default_value_t,
        requires = "each"
    )]
    pub output: EachOutput,
}

/// An account of a run and the role it is entered with, or why it is skipped.
#[derive(Clone, Debug)]
pub struct Planned {
    pub account_id: String,
    pub account_name: String,
    pub production: bool,
    pub role: Result<RoleOption, String>,
}

/// The accounts `each` less `except` names (active ones, by name), with their roles.
///
/// # Errors
/// When the inventory cannot be had.
pub async fn plan(
    ctx: &AppContext,
    each: &[Pick],
    except: &[Pick],
    role: Option<&str>,
) -> anyhow::Result<Vec<Planned>> {
    let inv = refresh::inventory(ctx, false).await?;
    let tree = OrgTree::build(&inv.org);
    let last = ctx.prefs.load();
    let production = ctx.classifier.classify_all(&inv, &tree);
    Ok(Selection::new(each, except)
        .accounts(&inv, &tree)
        .into_iter()
        .map(|i| {
            let a = &inv.org.accounts[i];
            Planned {
                account_id: a.id.as_str().to_owned(),
                account_name: a.name.clone(),
                production: production[i],
                role: role_for(
                    &ctx.roles(&inv, &tree, i),
                    role,
                    last.get(a.id.as_str()).map(String::as_str),
                ),
            }
        })
        .collect())
}

/// One row of `list --select --json`.
#[derive(Debug, Serialize)]
struct PlannedRecord<'a> {
    id: &'a str,
    name: &'a str,
    production: bool,
    role: Option<String>,
    skipped: Option<&'a str>,
}

/// `awsnav list --select …`: exactly the accounts an `exec --each` with the same selectors
/// would use, with the role each would take (or why it would be skipped).
///
/// # Errors
/// When the inventory cannot be had or stdout fails.
pub async fn list_selected(
    ctx: &AppContext,
    each: &[Pick],
    except: &[Pick],
    role: Option<&str>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let planned = plan(ctx, each, except, role).await?;
    if json {
        let records: Vec<PlannedRecord<'_>> = planned
            .iter()
            .map(|p| PlannedRecord {
                id: &p.account_id,
                name: &p.account_name,
                production: p.production,
                role: p.role.as_ref().ok().map(RoleOption::label),
                skipped: p.role.as_ref().err().map(String::as_str),
            })
            .collect();
        write_stdout(&format!("{}\n", serde_json::to_string_pretty(&records)?))?;
        return Ok(ExitCode::SUCCESS);
    }
    let name_width = planned
        .iter()
        .map(|p| width(&p.account_name))
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for p in &planned {
        let prod = if p.production { "PROD" } else { "    " };
        let role = match &p.role {
            Ok(r) => r.label(),
            Err(why) => format!("(skipped: {why})"),
        };
        let _ = writeln!(
            out,
            "{}  {}  {prod}  {role}",
            p.account_id,
            pad(&p.account_name, name_width)
        );
    }
    let runs = planned.iter().filter(|p| p.role.is_ok()).count();
    let _ = writeln!(
        out,
        "{} accounts: {runs} would run, {} skipped",
        planned.len(),
        planned.len() - runs
    );
    write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// What happened in one account.
#[derive(Clone, Debug)]
enum Outcome {
    /// The command ran and exited.
    Ran { exit_code: i32 },
    /// No role to take there.
    Skipped(String),
    /// awsnav could not get in (or start the command).
    NoEntry(String),
    /// Stopped (Ctrl-C) before its command started.
    NotRun,
}

/// One account's run, as `--output json` prints it.
#[derive(Clone, Debug, Serialize)]
struct Record {
    account_id: String,
    account_name: String,
    role: Option<String>,
    exit_code: Option<i32>,
    duration_ms: u64,
    stdout: String,
    stderr: String,
    error: Option<String>,
}

/// Where lines go while commands run.
struct Printer {
    output: EachOutput,
    name_width: usize,
    colour: bool,
    /// One writer at a time, so lines never interleave.
    lock: Mutex<()>,
}

impl Printer {
    fn prefix(&self, index: usize, name: &str) -> String {
        let padded = pad(name, self.name_width);
        if self.colour {
            // Six colours that read on dark and light backgrounds; red is left to errors.
            let colour = [32, 33, 34, 35, 36, 92][index % 6];
            format!("\x1b[{colour}m{padded}\x1b[0m | ")
        } else {
            format!("{padded} | ")
        }
    }

    fn line(&self, index: usize, name: &str, line: &str, to_stderr: bool) {
        use std::io::Write as _;
        let text = format!("{}{line}\n", self.prefix(index, name));
        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if to_stderr {
            let _ = std::io::stderr().write_all(text.as_bytes());
        } else {
            let _ = std::io::stdout().write_all(text.as_bytes());
        }
    }

    fn block(&self, record: &Record, combined: &str) {
        use std::io::Write as _;
        let status = match (&record.exit_code, &record.error) {
            (Some(c), _) => format!("exit {c}"),
            (None, Some(e)) => format!("not run: {e}"),
            (None, None) => "not run".to_owned(),
        };
        let mut text = format!(
            "── {} ({}) · {status} · {:.1} s\n",
            record.account_name,
            record.account_id,
            Duration::from_millis(record.duration_ms).as_secs_f64()
        );
        text.push_str(combined);
        if !combined.is_empty() && !combined.ends_with('\n') {
            text.push('\n');
        }
        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = std::io::stdout().write_all(text.as_bytes());
    }
}

/// Children running now, by process group, so Ctrl-C can stop them all.
#[derive(Default)]
struct Running {
    groups: Mutex<Vec<u32>>,
    stopping: AtomicBool,
}

impl Running {
    fn add(&self, pid: u32) {
        self.groups
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(pid);
    }

    fn remove(&self, pid: u32) {
        self.groups
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|p| *p != pid);
    }

    /// Stops what runs: SIGTERM to every child's process group.
    fn stop_all(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        let groups = self
            .groups
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        for pid in groups {
            terminate_group(pid);
        }
    }
}

#[cfg(unix)]
fn terminate_group(pid: u32) {
    use nix::sys::signal::{Signal, killpg};
    if let Ok(pid) = i32::try_from(pid) {
        let _ = killpg(nix::unistd::Pid::from_raw(pid), Signal::SIGTERM);
    }
}

#[cfg(not(unix))]
fn terminate_group(_pid: u32) {}

/// Asks for one confirmation of every production account of a run: off a terminal, `--yes`
/// is required; on one, the accounts are listed and their count must be typed.
fn confirm_production(production: &[&Planned]) -> anyhow::Result<()> {
    let list = production
        .iter()
        .map(|p| format!("  {} ({})", p.account_name, p.account_id))
        .collect::<Vec<_>>()
        .join("\n");
    let count = production.len();
    if !prompt::person_present() {
        bail!(
            "the selection holds {count} PRODUCTION account(s): pass --yes to confirm (there is no terminal to ask on):\n{list}"
        );
    }
    eprintln!("\x1b[1;31mThe selection holds {count} PRODUCTION account(s):\x1b[0m\n{list}");
    let answer = prompt::ask(&format!("Type {count} to run the command in all of them: "))?
        .ok_or_else(|| anyhow::anyhow!("not confirmed: nothing was run"))?;
    if answer.trim() == count.to_string() {
        Ok(())
    } else {
        bail!("not confirmed: nothing was run")
    }
}

/// Reads a child's stream line by line, sending each to `printer` (prefix output) and keeping
/// it for the record.
async fn pump(
    stream: impl tokio::io::AsyncRead + Unpin,
    printer: Arc<Printer>,
    index: usize,
    name: String,
    to_stderr: bool,
    combined: Arc<Mutex<String>>,
) -> String {
    let mut reader = tokio::io::BufReader::new(stream);
    let mut kept = String::new();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buf);
                let line = line.strip_suffix('\n').unwrap_or(&line);
                let line = line.strip_suffix('\r').unwrap_or(line);
                match printer.output {
                    EachOutput::Prefix => printer.line(index, &name, line, to_stderr),
                    EachOutput::Grouped => {
                        let mut c = combined
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        c.push_str(line);
                        c.push('\n');
                    }
                    EachOutput::Json => {}
                }
                kept.push_str(line);
                kept.push('\n');
            }
        }
    }
    kept
}

/// Everything one account's task needs.
struct Task {
    index: usize,
    planned: Planned,
    ctx: Arc<AppContext>,
    mfa: Arc<crate::app::access::MfaSource>,
    duration: Option<u32>,
    creds: Arc<Semaphore>,
    runs: Arc<Semaphore>,
    running: Arc<Running>,
    printer: Arc<Printer>,
    command: Arc<Vec<String>>,
}

async fn run_one(task: Task) -> (Outcome, Record) {
    let Task {
        index,
        planned,
        ctx,
        mfa,
        duration,
        creds,
        runs,
        running,
        printer,
        command,
    } = task;
    let record = Record {
        account_id: planned.account_id.clone(),
        account_name: planned.account_name.clone(),
        role: planned.role.as_ref().ok().map(RoleOption::label),
        exit_code: None,
        duration_ms: 0,
        stdout: String::new(),
        stderr: String::new(),
        error: None,
    };
    let role = match planned.role.clone() {
        Ok(role) => role,
        Err(why) => {
            let record = Record {
                error: Some(why.clone()),
                ..record
            };
            return (Outcome::Skipped(why), record);
        }
    };
    let target = AccessTarget {
        account_id: planned.account_id.clone(),
        account_name: planned.account_name.clone(),
        role: role.clone(),
        duration,
    };
    let granted = {
        let _permit = creds.acquire().await;
        if running.stopping.load(Ordering::SeqCst) {
            return (Outcome::NotRun, record);
        }
        ctx.access
            .credentials(&target, &mfa, OffsetDateTime::now_utc())
            .await
    };
    let granted = match granted {
        Ok(g) => g,
        Err(e) => {
            let why = e.to_string();
            let record = Record {
                error: Some(why.clone()),
                ..record
            };
            return (Outcome::NoEntry(why), record);
        }
    };
    let region = ctx.session_region(&planned.account_id, &role).await;
    let _permit = runs.acquire().await;
    if running.stopping.load(Ordering::SeqCst) {
        return (Outcome::NotRun, record);
    }
    let session = Session {
        account_id: &planned.account_id,
        account_name: &planned.account_name,
        role: &role.name,
        production: planned.production,
        region: &region,
        credentials: &granted.credentials,
        server: None,
    };
    let child = Child {
        index,
        name: planned.account_name.clone(),
        command: session.command(&command[0], &command[1..]),
        program: command[0].clone(),
    };
    run_child(child, &running, &printer, record).await
}

/// A command ready to start in one account.
struct Child {
    index: usize,
    name: String,
    command: std::process::Command,
    program: String,
}

/// Starts the command in its own process group, passes its lines on as they come, and waits.
async fn run_child(
    child: Child,
    running: &Running,
    printer: &Arc<Printer>,
    mut record: Record,
) -> (Outcome, Record) {
    let Child {
        index,
        name,
        command: mut std_command,
        program,
    } = child;
    std_command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        // Its own process group: Ctrl-C reaches awsnav, which stops each whole group.
        std_command.process_group(0);
    }
    let started = Instant::now();
    let mut child = match tokio::process::Command::from(std_command).spawn() {
        Ok(c) => c,
        Err(e) => {
            let why = format!("cannot start `{program}`: {e}");
            record.error = Some(why.clone());
            return (Outcome::NoEntry(why), record);
        }
    };
    let pid = child.id();
    if let Some(pid) = pid {
        running.add(pid);
    }
    let combined = Arc::new(Mutex::new(String::new()));
    let pumped = |stream: Option<Box<dyn tokio::io::AsyncRead + Unpin + Send>>, to_stderr| {
        stream.map(|s| {
            tokio::spawn(pump(
                s,
                printer.clone(),
                index,
                name.clone(),
                to_stderr,
                combined.clone(),
            ))
        })
    };
    let out = pumped(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
        false,
    );
    let err = pumped(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
        true,
    );
    let status = child.wait().await;
    if let Some(pid) = pid {
        running.remove(pid);
    }
    if let Some(out) = out {
        record.stdout = out.await.unwrap_or_default();
    }
    if let Some(err) = err {
        record.stderr = err.await.unwrap_or_default();
    }
    record.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let outcome = match status {
        Ok(status) => {
            let code = launch::exit_code(status);
            record.exit_code = Some(code);
            Outcome::Ran { exit_code: code }
        }
        Err(e) => {
            let why = format!("waiting for `{program}` failed: {e}");
            record.error = Some(why.clone());
            Outcome::NoEntry(why)
        }
    };
    if printer.output == EachOutput::Grouped {
        let combined = combined
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        printer.block(&record, &combined);
    }
    (outcome, record)
}

/// The summary on stderr: counts, then the failures, the skipped accounts and those awsnav
/// could not get into, each with its reason.
fn summary(results: &[(Outcome, Record)], elapsed: Duration, interrupted: bool) -> String {
    let count = |f: fn(&Outcome) -> bool| results.iter().filter(|(o, _)| f(o)).count();
    let ok = count(|o| matches!(o, Outcome::Ran { exit_code: 0 }));
    let failed = count(|o| matches!(o, Outcome::Ran { exit_code } if *exit_code != 0));
    let skipped = count(|o| matches!(o, Outcome::Skipped(_)));
    let no_entry = count(|o| matches!(o, Outcome::NoEntry(_)));
    let not_run = count(|o| matches!(o, Outcome::NotRun));
    let mut out = format!(
        "awsnav: {} accounts in {:.1} s: {ok} succeeded, {failed} failed, {skipped} skipped, {no_entry} could not get in",
        results.len(),
        elapsed.as_secs_f64()
    );
    if interrupted || not_run > 0 {
        let _ = write!(out, ", {not_run} not run (interrupted)");
    }
    out.push('\n');
    let name_width = results
        .iter()
        .map(|(_, r)| width(&r.account_name))
        .max()
        .unwrap_or(0);
    let mut section = |title: &str, rows: Vec<(String, String)>| {
        if rows.is_empty() {
            return;
        }
        let _ = writeln!(out, "  {title}:");
        for (who, why) in rows {
            let _ = writeln!(out, "    {who}  {why}");
        }
    };
    let who = |r: &Record| format!("{}  {}", pad(&r.account_name, name_width), r.account_id);
    section(
        "failed",
        results
            .iter()
            .filter_map(|(o, r)| match o {
                Outcome::Ran { exit_code } if *exit_code != 0 => {
                    let first = r
                        .stderr
                        .lines()
                        .chain(r.stdout.lines())
                        .find(|l| !l.trim().is_empty())
                        .unwrap_or("");
                    Some((who(r), format!("exit {exit_code}  {first}")))
                }
                _ => None,
            })
            .collect(),
    );
    section(
        "could not get in",
        results
            .iter()
            .filter_map(|(o, r)| match o {
                Outcome::NoEntry(why) => Some((who(r), first_line(why))),
                _ => None,
            })
            .collect(),
    );
    section(
        "skipped",
        results
            .iter()
            .filter_map(|(o, r)| match o {
                Outcome::Skipped(why) => Some((who(r), why.clone())),
                _ => None,
            })
            .collect(),
    );
    out
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_owned()
}

/// `awsnav exec --each …`: the command in every selected account, `--parallel` at a time.
/// Exit status 0 when every command exited 0, 1 when any failed, 2 when awsnav could not get
/// into some account.
///
/// # Errors
/// When the inventory cannot be had, the selection is empty, production is not confirmed, or
/// the first account's sign-in (the one MFA code of the run) fails.
pub async fn exec_each(
    ctx: &AppContext,
    demo: bool,
    each: &EachOpts,
    access: &AccessOpts,
    command: &[String],
) -> anyhow::Result<ExitCode> {
    if demo {
        bail!(
            "the demo organization is not real: there is nothing to run commands in (run without --demo)"
        );
    }
    if command.is_empty() {
        bail!("no command given: awsnav exec --each SELECTOR -- COMMAND [ARGS…]");
    }
    let planned = plan(ctx, &each.each, &each.except, access.role.as_deref()).await?;
    if planned.is_empty() {
        bail!("no active account matches the selection (see `awsnav list --select …`)");
    }
    let production: Vec<&Planned> = planned
        .iter()
        .filter(|p| p.production && p.role.is_ok())
        .collect();
    if !production.is_empty() && !access.yes {
        confirm_production(&production)?;
    }
    let started = Instant::now();
    let mfa = Arc::new(mfa_source(
        ctx,
        access.mfa_code.clone(),
        &format!("to run a command in {} accounts", planned.len()),
    ));
    let shared = Arc::new(ctx.clone());
    sign_in_first(ctx, &planned, &mfa, access.duration).await?;
    let printer = Arc::new(Printer {
        output: each.output,
        name_width: planned
            .iter()
            .map(|p| width(&p.account_name))
            .max()
            .unwrap_or(0),
        colour: each.output == EachOutput::Prefix
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        lock: Mutex::new(()),
    });
    let creds = Arc::new(Semaphore::new(CREDENTIAL_REQUESTS));
    let runs = Arc::new(Semaphore::new(usize::from(each.parallel)));
    let running = Arc::new(Running::default());
    let command = Arc::new(command.to_vec());
    let mut tasks = tokio::task::JoinSet::new();
    for (index, p) in planned.iter().enumerate() {
        tasks.spawn(run_one(Task {
            index,
            planned: p.clone(),
            ctx: shared.clone(),
            mfa: mfa.clone(),
            duration: access.duration,
            creds: creds.clone(),
            runs: runs.clone(),
            running: running.clone(),
            printer: printer.clone(),
            command: command.clone(),
        }));
    }
    let (mut results, interrupted) = wait_all(tasks, &running).await;
    // In the order of the selection, whatever order they ended in.
    results.sort_by_key(|(_, r)| {
        planned
            .iter()
            .position(|p| p.account_id == r.account_id)
            .unwrap_or(usize::MAX)
    });
    if each.output == EachOutput::Json {
        let records: Vec<&Record> = results.iter().map(|(_, r)| r).collect();
        write_stdout(&format!("{}\n", serde_json::to_string_pretty(&records)?))?;
    }
    eprint!("{}", summary(&results, started.elapsed(), interrupted));
    Ok(ExitCode::from(run_status(&results, interrupted)))
}

/// 2 when awsnav could not get into some account, else 1 when any command failed (or the run
/// was interrupted), else 0.
fn run_status(results: &[(Outcome, Record)], interrupted: bool) -> u8 {
    if results
        .iter()
        .any(|(o, _)| matches!(o, Outcome::NoEntry(_)))
    {
        2
    } else {
        u8::from(
            interrupted
                || results
                    .iter()
                    .any(|(o, _)| matches!(o, Outcome::Ran { exit_code } if *exit_code != 0)),
        )
    }
}

/// The first account alone: it makes the MFA session (one code for the run) or the Identity
/// Center sign-in, which every other account then reuses from the cache.
///
/// # Errors
/// What would fail everywhere (a wrong code, an expired sign-in, no credentials): the run
/// stops before anything starts. A role this one account may not take is not an error here;
/// it is reported with the others.
async fn sign_in_first(
    ctx: &AppContext,
    planned: &[Planned],
    mfa: &crate::app::access::MfaSource,
    duration: Option<u32>,
) -> anyhow::Result<()> {
    use crate::aws::AwsError;
    let Some((first, Ok(role))) = planned
        .iter()
        .find(|p| p.role.is_ok())
        .map(|p| (p, &p.role))
    else {
        return Ok(());
    };
    let target = AccessTarget {
        account_id: first.account_id.clone(),
        account_name: first.account_name.clone(),
        role: role.clone(),
        duration,
    };
    match ctx
        .access
        .credentials(&target, mfa, OffsetDateTime::now_utc())
        .await
    {
        Ok(_)
        | Err(
            AwsError::CannotAssume { .. }
            | AwsError::AccessDenied { .. }
            | AwsError::SsoNoRole { .. },
        ) => Ok(()),
        Err(e) => Err(e).context("cannot sign in for the run: nothing was run"),
    }
}

/// Every task's result; Ctrl-C stops every command (the run goes on to the summary).
async fn wait_all(
    mut tasks: tokio::task::JoinSet<(Outcome, Record)>,
    running: &Running,
) -> (Vec<(Outcome, Record)>, bool) {
    let mut results = Vec::with_capacity(tasks.len());
    let mut interrupted = false;
    loop {
        tokio::select! {
            next = tasks.join_next() => match next {
                Some(Ok(result)) => results.push(result),
                Some(Err(e)) => tracing::warn!(error = %e, "a run task failed"),
                None => break,
            },
            _ = tokio::signal::ctrl_c(), if !interrupted => {
                interrupted = true;
                eprintln!("awsnav: interrupted: stopping every command");
                running.stop_all();
            }
        }
    }
    (results, interrupted)
}
