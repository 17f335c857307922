//! A fan-out from the TUI, one command in many accounts: `space` marks accounts (an OU: its
//! active accounts), `x` asks for a command and runs it in the marked accounts (or the
//! selected one) with one role, one production confirmation and one MFA prompt; the results
//! view follows the run.

use super::dialogs::{FanOutRole, Modal, edit_line};
use super::{Row, State};
use crate::app::fanout::{Event, Outcome, Planned};
use crate::domain::roles::RoleOption;
use crate::domain::untrusted::visible;
use crate::tui::action::Action;
use crate::tui::message::{Banner, Effect, FanOutRequest};

/// Where one account of the fan-out is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FanOutStatus {
    /// Waiting for credentials or a free slot.
    Waiting,
    Running,
    Done {
        exit_code: i32,
        ms: u64,
    },
    Skipped(String),
    NoEntry(String),
    NotRun,
}

/// One account of the results view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FanOutRow {
    pub account_id: String,
    pub account_name: String,
    pub status: FanOutStatus,
    /// Output lines as they came (`true`: from stderr).
    pub output: Vec<(String, bool)>,
}

/// The last fan-out: each account's progress and output, and its results view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FanOut {
    pub command: String,
    pub role: String,
    pub rows: Vec<FanOutRow>,
    pub cursor: usize,
    /// The account whose output is shown, and how far it is scrolled.
    pub output_of: Option<usize>,
    pub scroll: usize,
    /// Shown instead of the tree (the run goes on when it is not).
    pub shown: bool,
    /// Why the run could not start (the sign-in failed).
    pub failed: Option<String>,
}

impl FanOut {
    /// Accounts done (whatever the outcome), of all.
    #[must_use]
    pub fn progress(&self) -> (usize, usize) {
        let done = self
            .rows
            .iter()
            .filter(|r| !matches!(r.status, FanOutStatus::Waiting | FanOutStatus::Running))
            .count();
        (done, self.rows.len())
    }

    /// Whether every account is done.
    #[must_use]
    pub fn finished(&self) -> bool {
        self.failed.is_some() || self.progress().0 == self.rows.len()
    }
}

impl State {
    /// The active accounts beneath an OU (all levels).
    fn active_accounts_under(&self, ou_id: &str) -> Vec<usize> {
        let Some(data) = &self.data else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut stack = vec![ou_id.to_owned()];
        while let Some(parent) = stack.pop() {
            out.extend(
                data.tree
                    .child_accounts(&parent)
                    .iter()
                    .copied()
                    .filter(|&a| data.inventory.org.accounts[a].status.is_active()),
            );
            stack.extend(
                data.tree
                    .child_ous(&parent)
                    .iter()
                    .map(|&ou| data.inventory.org.org_units[ou].id.clone()),
            );
        }
        out
    }

    /// `space`: marks the selected account, or every active account of the selected OU (or
    /// the whole organization on the root); again: unmarks.
    pub(super) fn toggle_mark(&mut self) {
        let Some(data) = &self.data else { return };
        let accounts: Vec<usize> = match (self.selected_account(), self.selected_row()) {
            (Some(a), _) => {
                let account = &data.inventory.org.accounts[a];
                if !account.status.is_active() {
                    self.status.banner = Some(Banner::error(format!(
                        "{} is {}: nothing can run there",
                        visible(&account.name),
                        account.status.as_str()
                    )));
                    return;
                }
                vec![a]
            }
            (None, Some(Row::Ou { ou, .. })) => {
                let id = data.inventory.org.org_units[ou].id.clone();
                self.active_accounts_under(&id)
            }
            (None, Some(Row::Root)) => {
                let root = data.inventory.org.root_id.clone();
                self.active_accounts_under(&root)
            }
            _ => return,
        };
        let Some(data) = &self.data else { return };
        let ids: Vec<String> = accounts
            .iter()
            .map(|&a| data.inventory.org.accounts[a].id.to_string())
            .collect();
        if ids.iter().all(|id| self.marked.contains(id)) {
            for id in &ids {
                self.marked.remove(id);
            }
        } else {
            self.marked.extend(ids);
        }
    }

    /// Esc with marks and nothing else to close: the first says what the second does.
    pub(super) fn esc_on_marks(&mut self) -> bool {
        if self.marked.is_empty() {
            return false;
        }
        if self.esc_clears {
            self.status.banner = Some(Banner::info(format!("{} marks cleared", self.marked.len())));
            self.marked.clear();
            self.esc_clears = false;
        } else {
            self.status.banner = Some(Banner::info(format!(
                "{} accounts marked: Esc again clears the marks",
                self.marked.len()
            )));
            self.esc_clears = true;
        }
        true
    }

    /// The accounts `x` runs in: the marked ones, else the selected one.
    fn fanout_targets(&self) -> Vec<usize> {
        let Some(data) = &self.data else {
            return Vec::new();
        };
        if self.marked.is_empty() {
            return self
                .selected_account()
                .filter(|&a| data.inventory.org.accounts[a].status.is_active())
                .into_iter()
                .collect();
        }
        let mut targets: Vec<usize> = (0..data.inventory.org.accounts.len())
            .filter(|&a| {
                self.marked
                    .contains(data.inventory.org.accounts[a].id.as_str())
            })
            .collect();
        targets.sort_by(|&a, &b| {
            data.inventory.org.accounts[a]
                .name
                .cmp(&data.inventory.org.accounts[b].name)
        });
        targets
    }

    /// `x`: asks for the command to run, and meanwhile reads the Identity Center roles of the
    /// targets that were never read.
    pub(super) fn start_fanout(&mut self) -> Vec<Effect> {
        if let Some(name) = &self.nested_in {
            self.status.banner = Some(Banner::error(format!(
                "awsnav is running inside an awsnav shell for {}: exit that shell and start awsnav again",
                visible(name)
            )));
            return Vec::new();
        }
        let targets = self.fanout_targets();
        if targets.is_empty() {
            self.status.banner = Some(Banner::error(
                "mark accounts with space (on an OU: its accounts), or select an active account, then x"
                    .to_owned(),
            ));
            return Vec::new();
        }
        let effects = self.read_fanout_roles(&targets);
        self.modal = Some(Modal::FanOutCommand {
            targets,
            input: String::new(),
        });
        effects
    }

    /// The command is typed: pick the role (offered in all, or the picker says where not).
    pub(super) fn fanout_command_typed(
        &mut self,
        targets: Vec<usize>,
        command: String,
    ) -> Vec<Effect> {
        if command.trim().is_empty() {
            return Vec::new();
        }
        // Identity Center's roles still being read: the picker waits for them.
        if let Some(reading) = self.fanout_roles_reading(&targets) {
            self.status.pending = Some(format!(
                "reading the roles IAM Identity Center gives in {reading} accounts…"
            ));
            self.sso_roles.fanout_waiting = Some((targets, command));
            return Vec::new();
        }
        let Some(data) = &self.data else {
            return Vec::new();
        };
        let mut roles: Vec<FanOutRole> = Vec::new();
        for &a in &targets {
            for r in &data.roles[a] {
                if !roles.iter().any(|x| x.role.key() == r.key()) {
                    roles.push(FanOutRole {
                        role: r.clone(),
                        missing: Vec::new(),
                    });
                }
            }
        }
        for run_role in &mut roles {
            run_role.missing = targets
                .iter()
                .filter(|&&a| !data.roles[a].iter().any(|r| r.key() == run_role.role.key()))
                .map(|&a| data.inventory.org.accounts[a].name.clone())
                .collect();
        }
        roles.sort_by_key(|r| r.missing.len());
        match roles.as_slice() {
            [] => {
                self.status.banner = Some(Banner::error(
                    "no role is offered in these accounts: add one with [roles] in the config file"
                        .to_owned(),
                ));
                Vec::new()
            }
            [only] if only.missing.is_empty() => {
                let role = only.role.clone();
                self.fanout_role_chosen(&targets, command, role)
            }
            _ => {
                self.modal = Some(Modal::FanOutRolePicker {
                    targets,
                    command,
                    roles,
                    cursor: 0,
                });
                Vec::new()
            }
        }
    }

    /// The role is chosen: the plan (accounts without it are skipped), then one production
    /// confirmation when the run reaches production.
    pub(super) fn fanout_role_chosen(
        &mut self,
        targets: &[usize],
        command: String,
        role: RoleOption,
    ) -> Vec<Effect> {
        let Some(data) = &self.data else {
            return Vec::new();
        };
        let planned: Vec<Planned> = targets
            .iter()
            .map(|&a| {
                let offered = data.roles[a].iter().any(|r| r.key() == role.key());
                Planned {
                    account_id: data.inventory.org.accounts[a].id.to_string(),
                    account_name: data.inventory.org.accounts[a].name.clone(),
                    production: data.production[a],
                    role: if offered {
                        Ok(role.clone())
                    } else {
                        Err(format!("{} is not offered here", role.name))
                    },
                }
            })
            .collect();
        let request = FanOutRequest {
            command,
            role,
            planned,
        };
        let production = request
            .planned
            .iter()
            .filter(|p| p.production && p.role.is_ok())
            .count();
        if production > 0 {
            self.modal = Some(Modal::ConfirmFanOut {
                request: Box::new(request),
                expected: crate::domain::safety::Confirmation::of_many(production).text,
                input: String::new(),
            });
            return Vec::new();
        }
        self.fanout_confirmed(request)
    }

    /// Starts the run and shows its results view.
    pub(super) fn fanout_confirmed(&mut self, request: FanOutRequest) -> Vec<Effect> {
        self.fanout = Some(FanOut {
            command: request.command.clone(),
            role: request.role.name.clone(),
            rows: request
                .planned
                .iter()
                .map(|p| FanOutRow {
                    account_id: p.account_id.clone(),
                    account_name: p.account_name.clone(),
                    status: match &p.role {
                        Ok(_) => FanOutStatus::Waiting,
                        Err(why) => FanOutStatus::Skipped(why.clone()),
                    },
                    output: Vec::new(),
                })
                .collect(),
            cursor: 0,
            output_of: None,
            scroll: 0,
            shown: true,
            failed: None,
        });
        self.status.pending = Some(format!(
            "running `{}` in {} accounts…",
            request.command,
            request.planned.len()
        ));
        vec![Effect::FanOut(Box::new(request))]
    }

    /// What the run reports.
    pub(super) fn on_fanout_event(&mut self, event: Event) {
        let Some(run) = &mut self.fanout else { return };
        match event {
            Event::Started { index } => {
                if let Some(row) = run.rows.get_mut(index) {
                    row.status = FanOutStatus::Running;
                }
            }
            Event::Line {
                index,
                line,
                stderr,
            } => {
                if let Some(row) = run.rows.get_mut(index) {
                    row.output.push((line, stderr));
                }
            }
            Event::Done {
                index,
                outcome,
                record,
            } => {
                if let Some(row) = run.rows.get_mut(index) {
                    row.status = match outcome {
                        Outcome::Ran { exit_code } => FanOutStatus::Done {
                            exit_code,
                            ms: record.duration_ms,
                        },
                        Outcome::Skipped(why) => FanOutStatus::Skipped(why),
                        Outcome::NoEntry(why) => FanOutStatus::NoEntry(why),
                        Outcome::NotRun => FanOutStatus::NotRun,
                    };
                }
            }
        }
        if run.finished() {
            self.status.pending = None;
            let failed = run
                .rows
                .iter()
                .filter(|r| !matches!(r.status, FanOutStatus::Done { exit_code: 0, .. }))
                .count();
            self.status.banner = Some(if failed == 0 {
                Banner::info(format!("`{}` succeeded in every account", run.command))
            } else {
                Banner::warning(format!(
                    "`{}`: {failed} of {} accounts did not succeed",
                    run.command,
                    run.rows.len()
                ))
            });
        }
    }

    /// The run could not start: the sign-in failed.
    pub(super) fn on_fanout_failed(&mut self, why: String) {
        self.status.pending = None;
        if let Some(run) = &mut self.fanout {
            run.failed = Some(why.clone());
            for row in &mut run.rows {
                if row.status == FanOutStatus::Waiting {
                    row.status = FanOutStatus::NotRun;
                }
            }
        }
        self.status.banner = Some(Banner::error(why));
    }

    /// Keys while the results view is shown. `None`: not shown.
    pub(super) fn on_fanout_action(&mut self, action: Action) -> Option<Vec<Effect>> {
        let page = self.page().max(1);
        let run = self.fanout.as_mut().filter(|r| r.shown)?;
        let last = run.rows.len().saturating_sub(1);
        match (action, run.output_of) {
            (Action::Quit, _) => return None,
            (Action::Back, Some(_)) => {
                run.output_of = None;
                run.scroll = 0;
            }
            (Action::Back, None) => run.shown = false,
            (Action::Open, None) => {
                run.output_of = Some(run.cursor);
                run.scroll = 0;
            }
            (Action::Down, None) => run.cursor = (run.cursor + 1).min(last),
            (Action::Up, None) => run.cursor = run.cursor.saturating_sub(1),
            (Action::PageDown, None) => run.cursor = (run.cursor + page).min(last),
            (Action::PageUp, None) => run.cursor = run.cursor.saturating_sub(page),
            (Action::Top, None) => run.cursor = 0,
            (Action::Bottom, None) => run.cursor = last,
            (Action::Down, Some(_)) => run.scroll += 1,
            (Action::Up, Some(_)) => run.scroll = run.scroll.saturating_sub(1),
            (Action::PageDown, Some(_)) => run.scroll += page,
            (Action::PageUp, Some(_)) => run.scroll = run.scroll.saturating_sub(page),
            (Action::Top, Some(_)) => run.scroll = 0,
            (Action::Bottom, Some(i)) => {
                run.scroll = run.rows[i].output.len().saturating_sub(page);
            }
            (Action::Help, _) => self.help = true,
            _ => {}
        }
        if let Some(i) = run.output_of {
            let most = run.rows[i].output.len().saturating_sub(page);
            run.scroll = run.scroll.min(most);
        }
        Some(Vec::new())
    }
}

impl State {
    /// Keys in the run's dialogs: the command, the role picker, the production confirmation.
    pub(super) fn on_fanout_modal_key(
        &mut self,
        modal: Modal,
        action: Option<Action>,
        typed: Option<char>,
        backspace: bool,
    ) -> Vec<Effect> {
        let edit = |input: &mut String| edit_line(input, typed, backspace, 1000, |_| true);
        match (modal, action) {
            (_, Some(Action::Back | Action::Quit)) => Vec::new(),
            (Modal::FanOutCommand { targets, input }, Some(Action::Open)) => {
                self.fanout_command_typed(targets, input)
            }
            (Modal::FanOutCommand { targets, mut input }, _) => {
                edit(&mut input);
                self.modal = Some(Modal::FanOutCommand { targets, input });
                Vec::new()
            }
            (
                Modal::FanOutRolePicker {
                    targets,
                    command,
                    roles,
                    cursor,
                },
                Some(Action::Open),
            ) => {
                let role = roles[cursor.min(roles.len() - 1)].role.clone();
                self.fanout_role_chosen(&targets, command, role)
            }
            (
                Modal::FanOutRolePicker {
                    targets,
                    command,
                    roles,
                    cursor,
                },
                other,
            ) => {
                let cursor = match other {
                    Some(Action::Up) => cursor.saturating_sub(1),
                    Some(Action::Down) => (cursor + 1).min(roles.len().saturating_sub(1)),
                    _ => cursor,
                };
                self.modal = Some(Modal::FanOutRolePicker {
                    targets,
                    command,
                    roles,
                    cursor,
                });
                Vec::new()
            }
            (
                Modal::ConfirmFanOut {
                    request,
                    expected,
                    input,
                },
                Some(Action::Open),
            ) if input.trim() == expected => self.fanout_confirmed(*request),
            (
                Modal::ConfirmFanOut {
                    request,
                    expected,
                    mut input,
                },
                _,
            ) => {
                edit(&mut input);
                self.modal = Some(Modal::ConfirmFanOut {
                    request,
                    expected,
                    input,
                });
                Vec::new()
            }
            (other, _) => {
                self.modal = Some(other);
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fanout::Record;

    use crate::tui::message::Msg;
    use crate::tui::state::test_support::{keys, state};

    /// Selects the tree row of the OU named `name`.
    fn select_ou(s: &mut State, name: &str) {
        let data = s.data.as_ref().unwrap();
        let pos = s
            .rows
            .iter()
            .position(|r| matches!(r, Row::Ou { ou, .. } if data.inventory.org.org_units[*ou].name == name))
            .unwrap();
        s.tree_cursor.selected = pos;
    }

    fn names(s: &State) -> Vec<String> {
        let data = s.data.as_ref().unwrap();
        let mut names: Vec<String> = data
            .inventory
            .org
            .accounts
            .iter()
            .filter(|a| s.marked.contains(a.id.as_str()))
            .map(|a| a.name.clone())
            .collect();
        names.sort();
        names
    }

    const DATA: [&str; 6] = [
        "analytics-dev",
        "analytics-prod",
        "data-lake-dev",
        "data-lake-prod",
        "ml-inference-prod",
        "ml-training",
    ];

    #[test]
    fn space_marks_an_account_or_an_ous_accounts_and_esc_twice_clears() {
        let mut s = state(&["Admin"]);
        select_ou(&mut s, "Data");
        keys(&mut s, " ");
        assert_eq!(names(&s), DATA);
        keys(&mut s, " ");
        assert!(s.marked.is_empty(), "again: unmarked");
        keys(&mut s, "/audit⏎ ⎋");
        assert_eq!(names(&s), ["audit"]);
        select_ou(&mut s, "Data");
        keys(&mut s, " ");
        assert_eq!(names(&s).len(), 7, "the OU's accounts join the marks");
        keys(&mut s, "⎋");
        assert_eq!(
            names(&s).len(),
            7,
            "the first Esc only says what the next does"
        );
        assert!(s.status.banner.as_ref().unwrap().text.contains("Esc again"));
        keys(&mut s, "⎋");
        assert!(s.marked.is_empty());
        // Another key in between: the next Esc warns again.
        keys(&mut s, " ⎋j⎋");
        assert!(!s.marked.is_empty());
    }

    #[test]
    fn x_asks_the_command_one_role_one_confirmation_then_runs_and_shows_results() {
        let mut s = state(&["Admin", "ReadOnly"]);
        select_ou(&mut s, "Data");
        keys(&mut s, " x");
        assert!(matches!(s.modal, Some(Modal::FanOutCommand { .. })));
        keys(&mut s, "aws s3 lz⌫s⏎");
        let Some(Modal::FanOutRolePicker { roles, .. }) = &s.modal else {
            panic!("{:?}", s.modal)
        };
        assert_eq!(roles.len(), 2);
        assert!(roles.iter().all(|r| r.missing.is_empty()));
        keys(&mut s, "⏎");
        let Some(Modal::ConfirmFanOut { expected, .. }) = &s.modal else {
            panic!("{:?}", s.modal)
        };
        assert_eq!(expected, "3", "three production accounts in Data");
        assert!(keys(&mut s, "2⏎").is_empty(), "a wrong count runs nothing");
        let effects = keys(&mut s, "⌫3⏎");
        let [Effect::FanOut(request)] = effects.as_slice() else {
            panic!("{effects:?}")
        };
        assert_eq!(request.command, "aws s3 ls");
        assert_eq!(request.role.name, "Admin");
        let planned: Vec<&str> = request
            .planned
            .iter()
            .map(|p| p.account_name.as_str())
            .collect();
        assert_eq!(planned, DATA);

        // The run reports; the results view follows it.
        let run = s.fanout.as_ref().unwrap();
        assert!(run.shown);
        assert_eq!(run.progress(), (0, 6));
        let record = |i: usize, exit_code| Record {
            account_id: request.planned[i].account_id.clone(),
            exit_code: Some(exit_code),
            duration_ms: 1200,
            ..Record::default()
        };
        let _ = s.update(Msg::FanOut(Event::Started { index: 0 }));
        let _ = s.update(Msg::FanOut(Event::Line {
            index: 0,
            line: "bucket-a".into(),
            stderr: false,
        }));
        for i in 0..6 {
            let code = i32::from(i == 4);
            let _ = s.update(Msg::FanOut(Event::Done {
                index: i,
                outcome: Outcome::Ran { exit_code: code },
                record: Box::new(record(i, code)),
            }));
        }
        let run = s.fanout.as_ref().unwrap();
        assert!(run.finished());
        assert_eq!(
            run.rows[4].status,
            FanOutStatus::Done {
                exit_code: 1,
                ms: 1200
            }
        );
        assert!(s.status.banner.as_ref().unwrap().text.contains("1 of 6"));
        // Enter shows the output; Esc the list; Esc the tree; X the results again.
        keys(&mut s, "⏎");
        assert_eq!(s.fanout.as_ref().unwrap().output_of, Some(0));
        assert_eq!(
            s.fanout.as_ref().unwrap().rows[0].output,
            [("bucket-a".to_owned(), false)]
        );
        keys(&mut s, "⎋⎋");
        assert!(!s.fanout.as_ref().unwrap().shown);
        keys(&mut s, "X");
        assert!(s.fanout.as_ref().unwrap().shown);
    }

    #[test]
    fn a_role_not_offered_everywhere_says_where_and_skips_those() {
        let mut s = state(&["Admin"]);
        // A role only one account offers.
        let data = s.data.as_mut().unwrap();
        let audit = data
            .inventory
            .org
            .accounts
            .iter()
            .position(|a| a.name == "analytics-dev")
            .unwrap();
        data.roles[audit].push(RoleOption::named("Special"));
        select_ou(&mut s, "Data");
        keys(&mut s, " xtrue⏎");
        let Some(Modal::FanOutRolePicker { roles, .. }) = &s.modal else {
            panic!("{:?}", s.modal)
        };
        assert_eq!(roles[0].role.name, "Admin");
        assert_eq!(roles[1].role.name, "Special");
        assert_eq!(roles[1].missing.len(), 5);
        keys(&mut s, "↓⏎");
        // Only analytics-dev runs, and it is not production: no confirmation.
        let run = s.fanout.as_ref().unwrap();
        let skipped = run
            .rows
            .iter()
            .filter(|r| matches!(r.status, FanOutStatus::Skipped(_)))
            .count();
        assert_eq!(skipped, 5);
        // The sign-in fails: nothing waits any more.
        let _ = s.update(Msg::FanOutFailed(
            "nothing was run: the MFA code was wrong".into(),
        ));
        let run = s.fanout.as_ref().unwrap();
        assert!(run.finished());
        assert!(run.rows.iter().all(|r| r.status != FanOutStatus::Waiting));
    }
}
