//! One command in many accounts at once: which accounts and roles (the plan), one sign-in for
//! the run, credentials fetched a few at a time ahead of the commands, each command in its own
//! process group, every line and every end reported to a sink (the CLI prints, the TUI shows).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;
use time::OffsetDateTime;
use tokio::io::AsyncBufReadExt as _;
use tokio::sync::Semaphore;

use crate::app::access::{AccessTarget, MfaSource};
use crate::app::context::AppContext;
use crate::app::launch::{self, Session};
use crate::aws::AwsError;
use crate::domain::fanout_plan::{Pick, Selection, role_for};
use crate::domain::inventory::Inventory;
use crate::domain::model::OrgTree;
use crate::domain::roles::RoleOption;

/// How many credential requests run at once, whatever the command parallelism: STS and the
/// Identity Center portal throttle well before commands would.
pub const CREDENTIAL_REQUESTS: usize = 8;

/// An account of a run and the role it is entered with, or why it is skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    pub account_id: String,
    pub account_name: String,
    pub production: bool,
    pub role: Result<RoleOption, String>,
}

/// The accounts `each` less `except` names in `inv` (active ones, by name), with their roles.
#[must_use]
pub fn plan(
    ctx: &AppContext,
    inv: &Inventory,
    each: &[Pick],
    except: &[Pick],
    role: Option<&str>,
) -> Vec<Planned> {
    let tree = OrgTree::build(&inv.org);
    let last = ctx.prefs.load();
    let production = ctx.classifier.classify_all(inv, &tree);
    Selection::new(each, except)
        .accounts(inv, &tree)
        .into_iter()
        .map(|i| {
            let a = &inv.org.accounts[i];
            Planned {
                account_id: a.id.as_str().to_owned(),
                account_name: a.name.clone(),
                production: production[i],
                role: role_for(
                    &ctx.roles(inv, &tree, i),
                    role,
                    last.get(a.id.as_str()).map(String::as_str),
                ),
            }
        })
        .collect()
}

/// What happened in one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The command ran and exited.
    Ran { exit_code: i32 },
    /// No role to take there.
    Skipped(String),
    /// awsnav could not get in (or start the command).
    NoEntry(String),
    /// Stopped before its command started.
    NotRun,
}

/// One account's run, as `--output json` prints it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Record {
    pub account_id: String,
    pub account_name: String,
    pub role: Option<String>,
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    pub stdout: String,
    pub stderr: String,
    pub error: Option<String>,
}

/// What a run tells its sink, as it happens. `index` is the account's place in the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The account's command started.
    Started { index: usize },
    /// A line of the command's stdout (or stderr).
    Line {
        index: usize,
        line: String,
        stderr: bool,
    },
    /// The account is done, one way or another.
    Done {
        index: usize,
        outcome: Outcome,
        record: Box<Record>,
    },
}

/// Where a run's events go.
pub type Sink = Arc<dyn Fn(Event) + Send + Sync>;

/// Children running now, by process group, so a run can be stopped.
#[derive(Debug, Default)]
pub struct Running {
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

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Stops the run: no command starts any more, and every running one's process group gets
    /// SIGTERM.
    pub fn stop_all(&self) {
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

/// The first account alone: it makes the MFA session (one code for the run) or the Identity
/// Center sign-in, which every other account then reuses from the cache.
///
/// # Errors
/// What would fail everywhere (a wrong code, an expired sign-in, no credentials): the run
/// must stop before anything starts. A role this one account may not take is not an error
/// here; it is reported with the others.
pub async fn sign_in_first(
    ctx: &AppContext,
    planned: &[Planned],
    mfa: &MfaSource,
    duration: Option<u32>,
) -> Result<(), AwsError> {
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
        .of_account_as(&target.account_id, &target.role)
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
        Err(e) => Err(e),
    }
}

/// What a run needs besides its plan.
pub struct RunSpec {
    pub command: Vec<String>,
    pub mfa: Arc<MfaSource>,
    /// Role session length (`--duration`).
    pub duration: Option<u32>,
    /// Commands at once.
    pub parallel: usize,
}

/// Starts the command in every planned account (call [`sign_in_first`] before). Each task
/// ends with its outcome, also sent to `sink` as [`Event::Done`].
pub fn start(
    ctx: &Arc<AppContext>,
    planned: &[Planned],
    spec: RunSpec,
    sink: &Sink,
) -> (tokio::task::JoinSet<(Outcome, Record)>, Arc<Running>) {
    let creds = Arc::new(Semaphore::new(CREDENTIAL_REQUESTS));
    let runs = Arc::new(Semaphore::new(spec.parallel.max(1)));
    let running = Arc::new(Running::default());
    let command = Arc::new(spec.command);
    let owners = owners(ctx, planned);
    let mut tasks = tokio::task::JoinSet::new();
    for (index, p) in planned.iter().enumerate() {
        let task = Task {
            index,
            planned: p.clone(),
            ctx: owners
                .get(&p.account_id)
                .cloned()
                .unwrap_or_else(|| ctx.clone()),
            mfa: spec.mfa.clone(),
            duration: spec.duration,
            creds: creds.clone(),
            runs: runs.clone(),
            running: running.clone(),
            sink: sink.clone(),
            command: command.clone(),
        };
        let sink = sink.clone();
        tasks.spawn(async move {
            let (outcome, record) = run_one(task).await;
            sink(Event::Done {
                index,
                outcome: outcome.clone(),
                record: Box::new(record.clone()),
            });
            (outcome, record)
        });
    }
    (tasks, running)
}

/// With several organizations, the context each planned account is entered through: its
/// own organization's.
fn owners(
    ctx: &Arc<AppContext>,
    planned: &[Planned],
) -> std::collections::HashMap<String, Arc<AppContext>> {
    let mut owners = std::collections::HashMap::new();
    if ctx.orgs.is_empty() {
        return owners;
    }
    let arc_of = |org: &AppContext| {
        ctx.orgs
            .iter()
            .find(|(_, c)| std::ptr::eq(c.as_ref(), org))
            .map_or_else(|| ctx.clone(), |(_, c)| c.clone())
    };
    let ids: Vec<String> = planned.iter().map(|p| p.account_id.clone()).collect();
    for (org, ids) in ctx.group_by_org(&ids) {
        let arc = arc_of(org);
        for id in ids {
            owners.insert(id, arc.clone());
        }
    }
    // An Identity Center role: through the instance that gives it.
    for p in planned {
        if let Ok(role) = &p.role
            && role.sso
        {
            owners.insert(
                p.account_id.clone(),
                arc_of(ctx.of_account_as(&p.account_id, role)),
            );
        }
    }
    owners
}

/// Everything one account's task needs.
struct Task {
    index: usize,
    planned: Planned,
    ctx: Arc<AppContext>,
    mfa: Arc<MfaSource>,
    duration: Option<u32>,
    creds: Arc<Semaphore>,
    runs: Arc<Semaphore>,
    running: Arc<Running>,
    sink: Sink,
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
        sink,
        command,
    } = task;
    let record = Record {
        account_id: planned.account_id.clone(),
        account_name: planned.account_name.clone(),
        role: planned.role.as_ref().ok().map(RoleOption::label),
        ..Record::default()
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
        if running.stopping() {
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
    let Some((program, args)) = command.split_first() else {
        return (Outcome::NotRun, record);
    };
    if running.stopping() {
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
        command: session.command(program, args),
        program: program.clone(),
    };
    run_child(child, &running, &sink, record).await
}

/// A command ready to start in one account.
struct Child {
    index: usize,
    command: std::process::Command,
    program: String,
}

/// Starts the command in its own process group, passes its lines on as they come, and waits.
async fn run_child(
    child: Child,
    running: &Running,
    sink: &Sink,
    mut record: Record,
) -> (Outcome, Record) {
    let Child {
        index,
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
    sink(Event::Started { index });
    let pid = child.id();
    if let Some(pid) = pid {
        running.add(pid);
    }
    let out = child
        .stdout
        .take()
        .map(|s| tokio::spawn(pump(s, sink.clone(), index, false)));
    let err = child
        .stderr
        .take()
        .map(|s| tokio::spawn(pump(s, sink.clone(), index, true)));
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
    (outcome, record)
}

/// Reads a child's stream line by line, sending each to the sink and keeping it.
async fn pump(
    stream: impl tokio::io::AsyncRead + Unpin,
    sink: Sink,
    index: usize,
    stderr: bool,
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
                kept.push_str(line);
                kept.push('\n');
                sink(Event::Line {
                    index,
                    line: line.to_owned(),
                    stderr,
                });
            }
        }
    }
    kept
}

/// 2 when awsnav could not get into some account, else 1 when any command failed (or the run
/// was interrupted), else 0.
#[must_use]
pub fn run_status(results: &[(Outcome, Record)], interrupted: bool) -> u8 {
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
