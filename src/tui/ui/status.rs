//! The bars: the banner across the top, the status bar (who, which profile, how fresh) and
//! the key hint bar.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::parts::{fit_text, remaining};
use super::theme::Theme;
use crate::domain::inventory::age_text;
use crate::tui::message::{Banner, Level};
use crate::tui::state::State;

/// The banner: its level's icon and colours, its text wrapped, and how to dismiss it.
pub fn draw_banner(frame: &mut Frame<'_>, theme: &Theme, banner: &Banner, area: Rect) {
    let style = match banner.level {
        Level::Error => theme.error,
        Level::Warning => theme.warning,
        Level::Info => theme.info,
    };
    let icon = match banner.level {
        Level::Error => "✖ ",
        Level::Warning => "! ",
        Level::Info => "i ",
    };
    let text = format!(" {icon}{}  (Esc to dismiss)", banner.text);
    frame.render_widget(
        Paragraph::new(text)
            .style(style)
            .wrap(ratatui::widgets::Wrap { trim: false }),
        area,
    );
}

pub fn draw_status(frame: &mut Frame<'_>, state: &State, theme: &Theme, area: Rect) {
    let mut left = format!(" {} ", state.status.source);
    if let Some(id) = state
        .data
        .as_ref()
        .and_then(|d| d.inventory.identity.as_ref())
    {
        let _ = write!(left, "│ {} │ {} ", id.account, id.arn);
    }
    let mut right = String::new();
    if let Some(run) = state.fanout.as_ref().filter(|r| !r.finished()) {
        let (done, all) = run.progress();
        let _ = write!(right, " run {done}/{all} (X) │");
    }
    if !state.marked.is_empty() {
        let _ = write!(right, " {} marked │", state.marked.len());
    }
    if let Some(costs) = state.data.as_ref().and_then(|d| d.costs.as_ref()) {
        let _ = write!(
            right,
            " org {} this month │",
            crate::domain::cost::format_amount(costs.total.0, &costs.currency)
        );
    } else if matches!(state.cost, crate::tui::message::CostStatus::Unavailable(_)) {
        right.push_str(" cost n/a │");
    }
    for (idp, e) in &state.sessions.saml {
        if *e > state.now {
            let _ = write!(right, " SAML {idp}, {} │", remaining(*e, state.now));
        }
    }
    if let Some(c) = &state.console_session {
        let _ = write!(right, " {} │", c.describe(state.now));
    }
    if let Some(e) = state.sso_until {
        let left = remaining(e, state.now);
        let _ = write!(right, " SSO {left} │");
    }
    if let Some(e) = state.sessions.mfa
        && e > state.now
    {
        let _ = write!(right, " MFA {} │", remaining(e, state.now));
    }
    let right = right
        + &if let Some(pending) = &state.status.pending {
            format!(" ⟳ {pending} ")
        } else if let Some(p) = &state.status.syncing {
            let (done, known) = p.done_and_known();
            if known == 0 {
                " ⟳ refreshing… ".to_owned()
            } else {
                let mut text = format!(
                    " ⟳ refreshing… {done}/{known} · {} accounts · {} calls ",
                    p.accounts_found, p.api_calls
                );
                if p.throttled > 0 {
                    let _ = write!(text, "· throttled {}× · pace {} ", p.throttled, p.pace);
                }
                text
            }
        } else if let Some(d) = &state.data {
            let partial = if d.inventory.is_partial() {
                "PARTIAL · "
            } else {
                ""
            };
            format!(
                " {partial}synced {} ",
                age_text(d.inventory.synced_at, state.now)
            )
        } else {
            " no data ".to_owned()
        };
    let width = usize::from(area.width);
    let right_len = right.chars().count();
    let left = fit_text(&left, width.saturating_sub(right_len));
    let pad = width.saturating_sub(left.chars().count() + right_len);
    let line = Line::from(vec![
        Span::raw(left),
        Span::raw(" ".repeat(pad)),
        Span::styled(right, theme.title),
    ]);
    frame.render_widget(Paragraph::new(line).style(theme.status_bar), area);
}

pub fn draw_hints(frame: &mut Frame<'_>, state: &State, theme: &Theme, area: Rect) {
    let mut spans = Vec::new();
    for (key, help) in state.keymap.hints(state.key_scope()) {
        spans.push(Span::styled(format!(" {key}"), theme.key));
        spans.push(Span::styled(format!(" {help} "), theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
