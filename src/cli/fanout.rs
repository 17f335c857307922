//! `awsnav exec --each …`: one command in many accounts at once (the engine is
//! [`crate::app::fanout`]; this prints as it goes, sums up, and stops on Ctrl-C), and
//! `list --select …`: which accounts such a run would use, with their roles.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde::Serialize;

use super::args::{AccessOpts, EachOpts, EachOutput};
use super::output::say;
use super::output::{pad, width, write_stdout, write_text};
use super::prompt::mfa_source;
use super::{prompt, refresh};
use crate::app::context::AppContext;
use crate::app::fanout::{self, Event, Outcome, Planned, Record, RunSpec, Running};
use crate::domain::fanout_plan::Pick;
use crate::domain::roles::RoleOption;
use crate::domain::untrusted::{visible, visible_lines};

/// The accounts `each` less `except` names, with their roles (see [`fanout::plan`]).
///
/// # Errors
/// When the inventory cannot be had.
pub async fn plan(
    ctx: &AppContext,
    each: &[Pick],
    except: &[Pick],
    role: Option<&str>,
) -> anyhow::Result<Vec<Planned>> {
    let mut inv = refresh::inventory(ctx, false).await?;
    // Identity Center's roles in the chosen accounts, read now where they never were.
    let tree = crate::domain::model::OrgTree::build(&inv.org);
    let which = crate::domain::fanout_plan::Selection::new(each, except).accounts(&inv, &tree);
    refresh::ensure_sso_roles(ctx, &mut inv, &which, true).await?;
    Ok(fanout::plan(ctx, &inv, each, except, role))
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
        write_stdout(&format!(
            "{}\n",
            crate::domain::untrusted::json_pretty(&records)?
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let name_width = planned
        .iter()
        .map(|p| width(&visible(&p.account_name)))
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
            pad(&visible(&p.account_name), name_width)
        );
    }
    let runs = planned.iter().filter(|p| p.role.is_ok()).count();
    let _ = writeln!(
        out,
        "{} accounts: {runs} would run, {} skipped",
        planned.len(),
        planned.len() - runs
    );
    write_text(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints a run's lines as they come (prefix) or in a block per account (grouped).
struct Printer {
    output: EachOutput,
    names: Vec<String>,
    name_width: usize,
    colour: bool,
    /// Lines kept for grouped output, per account; also the lock that keeps lines whole.
    blocks: Mutex<BTreeMap<usize, String>>,
}

impl Printer {
    fn prefix(&self, index: usize) -> String {
        let name = self.names.get(index).map_or("", String::as_str);
        let padded = pad(name, self.name_width);
        if self.colour {
            // Six colours that read on dark and light backgrounds; red is left to errors.
            let colour = [32, 33, 34, 35, 36, 92][index % 6];
            format!("\x1b[{colour}m{padded}\x1b[0m | ")
        } else {
            format!("{padded} | ")
        }
    }

    fn event(&self, event: Event) {
        use std::io::Write as _;
        let mut blocks = self
            .blocks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match (self.output, event) {
            (
                EachOutput::Prefix,
                Event::Line {
                    index,
                    line,
                    stderr,
                },
            ) => {
                let text = format!("{}{line}\n", self.prefix(index));
                let _ = if stderr {
                    std::io::stderr().write_all(text.as_bytes())
                } else {
                    std::io::stdout().write_all(text.as_bytes())
                };
            }
            (EachOutput::Grouped, Event::Line { index, line, .. }) => {
                let block = blocks.entry(index).or_default();
                block.push_str(&line);
                block.push('\n');
            }
            (
                EachOutput::Grouped,
                Event::Done {
                    index,
                    outcome: Outcome::Ran { exit_code },
                    record,
                },
            ) => {
                let lines = blocks.remove(&index).unwrap_or_default();
                let text = format!(
                    "── {} ({}) · exit {exit_code} · {:.1} s\n{lines}",
                    visible(&record.account_name),
                    record.account_id,
                    Duration::from_millis(record.duration_ms).as_secs_f64()
                );
                let _ = std::io::stdout().write_all(text.as_bytes());
            }
            _ => {}
        }
    }
}

/// Asks for one confirmation of every production account of a run: off a terminal, `--yes`
/// is required; on one, the accounts are listed (saying which look like others by name:
/// `lookalikes`, id → the others' ids) and their count must be typed.
fn confirm_production(
    production: &[&Planned],
    lookalikes: &BTreeMap<String, Vec<String>>,
) -> anyhow::Result<()> {
    let list = production
        .iter()
        .map(|p| {
            let alike = lookalikes
                .get(&p.account_id)
                .map_or_else(String::new, |ids| {
                    format!(" ≈ same name as {}", ids.join(", "))
                });
            format!("  {} ({}){alike}", visible(&p.account_name), p.account_id)
        })
        .collect::<Vec<_>>()
        .join("\n");
    let count = production.len();
    if !prompt::person_present() {
        bail!(
            "the selection holds {count} PRODUCTION account(s): pass --yes to confirm (there is no terminal to ask on):\n{list}"
        );
    }
    eprintln!("\x1b[1;31mThe selection holds {count} PRODUCTION account(s):\x1b[0m\n{list}");
    let confirmation = crate::domain::safety::Confirmation::of_many(count);
    let answer = prompt::ask(&format!(
        "Type {} to run the command in all of them: ",
        confirmation.text
    ))?
    .ok_or_else(|| anyhow::anyhow!("not confirmed: nothing was run"))?;
    if confirmation.is_confirmed_by(answer.trim()) {
        Ok(())
    } else {
        bail!("not confirmed: nothing was run")
    }
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
        .map(|(_, r)| width(&visible(&r.account_name)))
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
    let who = |r: &Record| {
        format!(
            "{}  {}",
            pad(&visible(&r.account_name), name_width),
            r.account_id
        )
    };
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
    each: &EachOpts,
    access: &AccessOpts,
    command: &[String],
) -> anyhow::Result<ExitCode> {
    let demo = ctx.is_demo();
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
        confirm_production(&production, &refresh::cached_lookalikes(ctx))?;
    }
    let started = Instant::now();
    let mfa = Arc::new(mfa_source(
        ctx,
        access.mfa_code.clone(),
        &format!("to run a command in {} accounts", planned.len()),
    ));
    fanout::sign_in_first(ctx, &planned, &mfa, access.duration)
        .await
        .context("cannot sign in for the run: nothing was run")?;
    let printer = Arc::new(Printer {
        output: each.output,
        names: planned
            .iter()
            .map(|p| visible(&p.account_name).into_owned())
            .collect(),
        name_width: planned
            .iter()
            .map(|p| width(&visible(&p.account_name)))
            .max()
            .unwrap_or(0),
        colour: each.output == EachOutput::Prefix
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        blocks: Mutex::default(),
    });
    let sink = printer.clone();
    let spec = RunSpec {
        command: command.to_vec(),
        mfa,
        duration: access.duration,
        parallel: usize::from(each.parallel),
    };
    let sink: fanout::Sink = Arc::new(move |e| sink.event(e));
    let (tasks, running) = fanout::start(&Arc::new(ctx.clone()), &planned, spec, &sink);
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
        write_stdout(&format!(
            "{}\n",
            crate::domain::untrusted::json_pretty(&records)?
        ))?;
    }
    eprint!(
        "{}",
        visible_lines(&summary(&results, started.elapsed(), interrupted))
    );
    Ok(ExitCode::from(fanout::run_status(&results, interrupted)))
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
                say!("awsnav: interrupted: stopping every command");
                running.stop_all();
            }
        }
    }
    (results, interrupted)
}
