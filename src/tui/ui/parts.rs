//! What the drawing files share: a bordered pane, a popup, a detail field, matched characters
//! marked, names and text fitted to a width, and time left.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use time::OffsetDateTime;

use super::theme::Theme;
use super::wrap;
use crate::domain::untrusted;

/// Width of the name column in the tree's and the search's account rows.
pub(super) const NAME_WIDTH: usize = 26;

/// The mark of an account whose name looks like another's (the detail pane says whose).
pub(super) const SAME_NAME: &str = " ≈same name";

/// Draws `lines` in a bordered box centred on `screen`, `width` wide (at most the screen) and
/// as tall as the lines, over whatever is beneath; a line too long wraps.
pub(super) fn popup(
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

pub(super) fn pane<'a>(theme: &Theme, title: &'a str) -> Block<'a> {
    Block::bordered()
        .border_style(theme.border)
        .title(Span::styled(format!(" {title} "), theme.title))
}

/// A field of the detail pane: its label in a column, then its value.
pub(super) fn field<'a>(theme: &Theme, label: &'a str, value: impl Into<Span<'a>>) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{label:<10}"), theme.label),
        value.into(),
    ])
}

/// Splits `text` into spans, styling the characters at `positions` (char indices).
pub(super) fn highlighted<'a>(
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
pub(super) fn remaining(expiry: OffsetDateTime, now: OffsetDateTime) -> String {
    crate::domain::credentials::time_left(expiry, now)
}

/// A name as shown: controls, bidirectional overrides, characters that do not show and
/// spaces at its ends as escapes (`\x1b`, `\u{200b}`, `\x20`).
pub(super) fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    untrusted::visible(text)
}

/// Truncates a name to `width` display columns with an ellipsis, [`shown`] first.
pub(super) fn fit(name: &str, width: usize) -> String {
    truncated(&shown(name), width)
}

/// Truncates text laid out by awsnav (a status line, a command's output line) to `width`
/// display columns with an ellipsis; its own spaces kept, anything hidden in it escaped.
pub(super) fn fit_text(text: &str, width: usize) -> String {
    truncated(&untrusted::visible_text(text), width)
}

pub(super) fn truncated(text: &str, width: usize) -> String {
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
}
