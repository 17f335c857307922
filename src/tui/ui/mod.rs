//! Drawing: reads `State` and the theme it is handed, never changes either, builds only the
//! rows that are visible.

mod access;
mod cost;
mod detail;
mod dialogs;
mod fanout;
mod guardrails;
mod help;
mod search;
mod status;
pub mod theme;
mod tree;
mod wrap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use time::OffsetDateTime;

use super::layout::{Areas, areas};
use super::state::State;
use crate::domain::untrusted;
use theme::Theme;

pub fn draw(frame: &mut Frame<'_>, state: &State, theme: &Theme) {
    let banner = state.status.banner.as_ref().map(|b| b.text.as_str());
    let mut state_areas = areas(state.size, banner);
    // The frame is the truth for size; `state.size` may lag one resize behind.
    if frame.area() != Rect::new(0, 0, state.size.0, state.size.1) {
        state_areas = clamp(state_areas, frame.area());
    }
    if let Some(banner) = &state.status.banner {
        status::draw_banner(frame, theme, banner, state_areas.banner);
    }
    if let Some(run) = state.fanout.as_ref().filter(|r| r.shown) {
        let main = state_areas
            .detail
            .map_or(state_areas.list, |d| state_areas.list.union(d));
        fanout::draw(frame, state, theme, run, main);
    } else {
        let list = state_areas.list;
        match (&state.data, &state.search) {
            (None, _) => tree::draw_empty(frame, state, theme, list),
            (Some(data), Some(search)) => {
                search::draw(frame, theme, data, search, &state.favourites, list);
            }
            (Some(data), None) => tree::draw(frame, state, theme, data, list),
        }
        if let Some(detail) = state_areas.detail {
            detail::draw(frame, state, theme, detail);
        }
    }
    status::draw_status(frame, state, theme, state_areas.status);
    status::draw_hints(frame, state, theme, state_areas.hints);
    if state.help {
        help::draw(frame, theme, &state.keymap, frame.area());
    }
    if let Some(m) = &state.modal {
        dialogs::draw(frame, state, theme, m, frame.area());
    }
    hide_controls(frame.buffer_mut());
}

/// Width of the name column in the tree's and the search's account rows.
const NAME_WIDTH: usize = 26;

/// The mark of an account whose name looks like another's (the detail pane says whose).
const SAME_NAME: &str = " ≈same name";

/// Takes out of every cell the characters that would steer the terminal rather than be shown
/// (ratatui leaves out controls, but keeps bidirectional overrides with the cell before them):
/// whatever a name holds, and wherever it is drawn, none of it reaches the terminal. The panes
/// show such characters as escapes ([`untrusted::visible`]); this is the net beneath them.
fn hide_controls(buffer: &mut ratatui::buffer::Buffer) {
    for cell in &mut buffer.content {
        if cell.symbol().chars().any(untrusted::is_hidden) {
            let clean: String = cell
                .symbol()
                .chars()
                .filter(|c| !untrusted::is_hidden(*c))
                .collect();
            cell.set_symbol(if clean.is_empty() { " " } else { &clean });
        }
    }
}

fn clamp(a: Areas, bounds: Rect) -> Areas {
    Areas {
        banner: a.banner.intersection(bounds),
        list: a.list.intersection(bounds),
        detail: a.detail.map(|d| d.intersection(bounds)),
        status: a.status.intersection(bounds),
        hints: a.hints.intersection(bounds),
    }
}

/// Draws `lines` in a bordered box centred on `screen`, `width` wide (at most the screen) and
/// as tall as the lines, over whatever is beneath; a line too long wraps.
fn popup(
    frame: &mut Frame<'_>,
    theme: &Theme,
    screen: Rect,
    title: &str,
    lines: Vec<Line<'_>>,
    width: u16,
) {
    let width = width.min(screen.width);
    let lines = wrap::wrapped(lines, usize::from(width.saturating_sub(2)));
    let height = u16::try_from(lines.len() + 2)
        .unwrap_or(u16::MAX)
        .min(screen.height);
    let area = Rect::new(
        screen.x + (screen.width - width) / 2,
        screen.y + (screen.height - height) / 2,
        width,
        height,
    );
    frame.render_widget(ratatui::widgets::Clear, area);
    frame.render_widget(Paragraph::new(lines).block(pane(theme, title)), area);
}

fn pane<'a>(theme: &Theme, title: &'a str) -> Block<'a> {
    Block::bordered()
        .border_style(theme.border)
        .title(Span::styled(format!(" {title} "), theme.title))
}

/// A field of the detail pane: its label in a column, then its value.
fn field<'a>(theme: &Theme, label: &'a str, value: impl Into<Span<'a>>) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{label:<10}"), theme.label),
        value.into(),
    ])
}

/// Splits `text` into spans, styling the characters at `positions` (char indices).
fn highlighted<'a>(
    theme: &Theme,
    text: &'a str,
    positions: &[usize],
    base: ratatui::style::Style,
) -> Vec<Span<'a>> {
    if positions.is_empty() {
        return vec![Span::styled(text, base)];
    }
    let mut spans = Vec::new();
    let mut current = String::new();
    let mut current_hit = false;
    for (i, c) in text.chars().enumerate() {
        let hit = positions.binary_search(&i).is_ok();
        if hit != current_hit && !current.is_empty() {
            let style = if current_hit {
                base.patch(theme.matched)
            } else {
                base
            };
            spans.push(Span::styled(std::mem::take(&mut current), style));
        }
        current_hit = hit;
        current.push(c);
    }
    if !current.is_empty() {
        let style = if current_hit {
            base.patch(theme.matched)
        } else {
            base
        };
        spans.push(Span::styled(current, style));
    }
    spans
}

/// "12 h", "43 min", "expired".
fn remaining(expiry: OffsetDateTime, now: OffsetDateTime) -> String {
    let secs = (expiry - now).whole_seconds();
    match secs {
        i64::MIN..=0 => "expired".into(),
        1..60 => "<1 min".into(),
        60..7200 => format!("{} min", secs / 60),
        _ => format!("{} h", secs / 3600),
    }
}

/// A name as shown: controls, bidirectional overrides, characters that do not show and
/// spaces at its ends as escapes (`\x1b`, `\u{200b}`, `\x20`).
fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    untrusted::visible(text)
}

/// Truncates a name to `width` display columns with an ellipsis, [`shown`] first.
fn fit(name: &str, width: usize) -> String {
    truncated(&shown(name), width)
}

/// Truncates text laid out by awsnav (a status line, a command's output line) to `width`
/// display columns with an ellipsis; its own spaces kept, anything hidden in it escaped.
fn fit_text(text: &str, width: usize) -> String {
    truncated(&untrusted::visible_text(text), width)
}

fn truncated(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar as _;
    let mut out = String::new();
    let mut used = 0;
    let total: usize = text.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return text.to_owned();
    }
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn names_show_what_hides_in_them_and_text_keeps_its_layout() {
        assert_eq!(fit("payments-prod\u{200b}", 30), r"payments-prod\u{200b}");
        assert_eq!(fit("payments-prod ", 30), r"payments-prod\x20");
        assert_eq!(fit("pay\u{a0}ments-prod", 12), r"pay\u{a0}me…");
        assert_eq!(fit("👩\u{200d}👧 family", 30), "👩\u{200d}👧 family");
        // A command's output line or a status line: its own spaces are layout.
        assert_eq!(fit_text("  indented\u{feff} ", 30), r"  indented\u{feff} ");
        assert_eq!(fit_text(" source │ 1 ", 30), " source │ 1 ");
    }

    #[test]
    fn remaining_reads_naturally() {
        let now = datetime!(2026-11-21 12:00 UTC);
        assert_eq!(remaining(now + time::Duration::hours(11), now), "11 h");
        assert_eq!(remaining(now + time::Duration::minutes(43), now), "43 min");
        assert_eq!(remaining(now + time::Duration::seconds(30), now), "<1 min");
        assert_eq!(remaining(now - time::Duration::seconds(30), now), "expired");
    }

    #[test]
    fn nothing_that_hides_reaches_a_cell() {
        let mut buffer = ratatui::buffer::Buffer::empty(Rect::new(0, 0, 8, 1));
        buffer.set_string(
            0,
            0,
            "a\u{200b}b\u{a0}c\u{2060}",
            ratatui::style::Style::new(),
        );
        hide_controls(&mut buffer);
        let shown: String = buffer
            .content
            .iter()
            .map(ratatui::buffer::Cell::symbol)
            .collect();
        assert!(!shown.chars().any(untrusted::is_hidden), "{shown:?}");
        assert!(shown.starts_with('a') && shown.contains('b'), "{shown:?}");
    }
}
