//! A fan-out on screen: its dialogs (the command, the role, the production count), then the
//! results view, each account with a spinner, then its exit code and time; `Enter` shows an
//! account's output.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::parts::{fit, fit_text, pane, shown};
use super::theme::Theme;
use crate::tui::state::State;
use crate::tui::state::fanout::{FanOut, FanOutRow, FanOutStatus};

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn draw(frame: &mut Frame<'_>, state: &State, theme: &Theme, run: &FanOut, area: Rect) {
    if let Some(row) = run.output_of.and_then(|i| run.rows.get(i)) {
        draw_output(frame, theme, run, row, area);
    } else {
        draw_rows(frame, state, theme, run, area);
    }
}

/// One account's output, scrolled.
fn draw_output(frame: &mut Frame<'_>, theme: &Theme, run: &FanOut, row: &FanOutRow, area: Rect) {
    let height = usize::from(area.height.saturating_sub(2));
    let width = usize::from(area.width.saturating_sub(2));
    let title = format!(
        "{} ({}) · {} · {} lines",
        shown(&row.account_name),
        row.account_id,
        status_text(&row.status),
        row.output.len()
    );
    let lines: Vec<Line<'_>> = if row.output.is_empty() {
        vec![Line::from(Span::styled("(no output)", theme.muted))]
    } else {
        row.output
            .iter()
            .skip(run.scroll)
            .take(height)
            .map(|(text, stderr)| {
                let text = fit_text(text, width);
                if *stderr {
                    Line::from(Span::styled(text, theme.warning))
                } else {
                    Line::from(text)
                }
            })
            .collect()
    };
    frame.render_widget(Paragraph::new(lines).block(pane(theme, &title)), area);
}

/// Every account of the run: a spinner while it runs, then its exit code and time.
fn draw_rows(frame: &mut Frame<'_>, state: &State, theme: &Theme, run: &FanOut, area: Rect) {
    let height = usize::from(area.height.saturating_sub(2));
    let width = usize::from(area.width.saturating_sub(2));
    let (done, all) = run.progress();
    let title = format!(
        "Run · {} as {} · {done}/{all} done",
        fit_text(&run.command, 40),
        shown(&run.role)
    );
    let frame_no = usize::try_from((state.now.unix_timestamp_nanos() / 100_000_000).rem_euclid(10))
        .unwrap_or(0);
    let name_width = run
        .rows
        .iter()
        .map(|r| unicode_width::UnicodeWidthStr::width(&*shown(&r.account_name)))
        .max()
        .unwrap_or(0)
        .min(32);
    let offset = run
        .cursor
        .saturating_sub(height.saturating_sub(1))
        .min(run.rows.len().saturating_sub(height));
    let mut lines: Vec<Line<'_>> = Vec::with_capacity(height);
    if let Some(why) = &run.failed {
        lines.push(Line::from(Span::styled(
            fit_text(&format!("not started: {why}"), width),
            theme.error,
        )));
    }
    for (i, row) in run.rows.iter().enumerate().skip(offset).take(height) {
        let (icon, style) = match &row.status {
            FanOutStatus::Waiting => ("·", theme.muted),
            FanOutStatus::Running => (SPINNER[frame_no], theme.key),
            FanOutStatus::Done { exit_code: 0, .. } => ("✓", theme.label),
            FanOutStatus::Done { .. } | FanOutStatus::NoEntry(_) => ("✖", theme.error),
            FanOutStatus::Skipped(_) | FanOutStatus::NotRun => ("–", theme.muted),
        };
        let name = fit(&row.account_name, name_width);
        let pad = name_width.saturating_sub(unicode_width::UnicodeWidthStr::width(name.as_str()));
        let detail = fit_text(
            &status_text(&row.status),
            width.saturating_sub(name_width + 20),
        );
        let line = Line::from(vec![
            Span::styled(format!(" {icon} "), style),
            Span::raw(name),
            Span::raw(" ".repeat(pad + 1)),
            Span::styled(row.account_id.clone(), theme.muted),
            Span::raw("  "),
            Span::styled(detail, style),
        ]);
        lines.push(theme.select_if(line, i == run.cursor));
    }
    frame.render_widget(Paragraph::new(lines).block(pane(theme, &title)), area);
}

fn status_text(status: &FanOutStatus) -> String {
    match status {
        FanOutStatus::Waiting => "waiting".to_owned(),
        FanOutStatus::Running => "running".to_owned(),
        FanOutStatus::Done { exit_code, ms } => {
            format!(
                "exit {exit_code} · {:.1} s",
                f64::from(u32::try_from(*ms).unwrap_or(u32::MAX)) / 1000.0
            )
        }
        FanOutStatus::Skipped(why) => format!("skipped: {why}"),
        FanOutStatus::NoEntry(why) => format!("could not get in: {why}"),
        FanOutStatus::NotRun => "not run".to_owned(),
    }
}

pub fn command(state: &State, theme: &Theme, targets: &[usize], input: &str) -> Vec<Line<'static>> {
    let names: Vec<String> = state.data.as_ref().map_or_else(Vec::new, |d| {
        targets
            .iter()
            .map(|&a| d.inventory.org.accounts[a].name.clone())
            .collect()
    });
    vec![
        Line::from(vec![
            Span::raw("In "),
            Span::styled(
                format!(
                    "{} account{}",
                    names.len(),
                    if names.len() == 1 { "" } else { "s" }
                ),
                theme.title,
            ),
            Span::styled(format!(": {}", some_names(&names)), theme.muted),
        ]),
        Line::from(Span::styled(
            "run with sh -c, AWS_* and AWSNAV_* set for each account",
            theme.muted,
        )),
        Line::from(""),
        Line::from(vec![
            Span::raw("$ "),
            Span::raw(input.to_owned()),
            Span::raw("▏"),
        ]),
    ]
}

pub fn role_picker(
    theme: &Theme,
    targets: usize,
    roles: &[crate::tui::state::dialogs::FanOutRole],
    cursor: usize,
) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(format!("Role in the {targets} accounts")),
        Line::from(""),
    ];
    for (i, r) in roles.iter().enumerate() {
        let mut spans = vec![
            Span::raw(if i == cursor { "▸ " } else { "  " }),
            Span::raw(shown(&r.role.name).into_owned()),
        ];
        if r.missing.is_empty() {
            spans.push(Span::styled("  offered in all", theme.label));
        } else {
            spans.push(Span::styled(
                format!(
                    "  not offered in {} (skipped): {}",
                    r.missing.len(),
                    some_names(&r.missing)
                ),
                theme.warning,
            ));
        }
        let line = Line::from(spans);
        lines.push(theme.select_if(line, i == cursor));
    }
    lines
}

pub fn confirmation(
    theme: &Theme,
    request: &crate::tui::message::FanOutRequest,
    expected: &str,
    input: &str,
) -> Vec<Line<'static>> {
    let production: Vec<String> = request
        .planned
        .iter()
        .filter(|p| p.production && p.role.is_ok())
        .map(|p| shown(&p.account_name).into_owned())
        .collect();
    vec![
        Line::from(Span::styled(
            format!(
                "`{}` reaches {expected} PRODUCTION account(s):",
                request.command
            ),
            theme.production,
        )),
        Line::from(some_names(&production)),
        Line::from(""),
        Line::from(vec![
            Span::raw("Type "),
            Span::styled(expected.to_owned(), theme.title),
            Span::raw(" to run it there: "),
            Span::raw(input.to_owned()),
            Span::raw("▏"),
        ]),
    ]
}

/// Names of `accounts`, as many as fit in a line or two, then how many more.
fn some_names(names: &[String]) -> String {
    let mut list = String::new();
    for (i, n) in names.iter().enumerate() {
        let n = shown(n);
        if list.len() + n.len() > 60 {
            return format!("{list} and {} more", names.len() - i);
        }
        if !list.is_empty() {
            list.push_str(", ");
        }
        list.push_str(&n);
    }
    list
}
