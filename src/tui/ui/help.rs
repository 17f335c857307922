//! The help overlay, generated from the key table. When it is too tall for the terminal and
//! the terminal is wide enough, the two sections stand side by side.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::parts::popup;
use super::theme::Theme;
use crate::tui::keymap::{self, KeyScope};

/// The width of one section, in cells.
const COLUMN: usize = 52;

fn section(
    theme: &Theme,
    keymap: &keymap::Keymap,
    title: &'static str,
    context: KeyScope,
) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled(title, theme.title))];
    for (keys, help) in keymap.help_rows(context) {
        lines.push(Line::from(vec![
            Span::styled(format!("  {keys:<14}"), theme.key),
            Span::raw(help),
        ]));
    }
    lines
}

pub fn draw(frame: &mut Frame<'_>, theme: &Theme, keymap: &keymap::Keymap, screen: Rect) {
    let browse = section(theme, keymap, "Browsing", KeyScope::Browse);
    let search = section(theme, keymap, "Typing a search", KeyScope::SearchInput);
    let footer = Line::from(Span::styled("Esc, ? or q closes this help", theme.muted));
    // Both sections, a blank line after each, the footer, the borders.
    let stacked = browse.len() + search.len() + 3 + 2;
    let side_by_side =
        stacked > usize::from(screen.height) && usize::from(screen.width) >= 2 * COLUMN + 4;
    let mut lines = Vec::new();
    let width = if side_by_side {
        // Browsing's keys fill the left column and run on into the right one, above the
        // search's, so the two columns are as even as they can be.
        let total = browse.len() + 1 + search.len();
        let split = total.div_ceil(2).max(search.len() + 1).min(browse.len());
        let (left, rest) = browse.split_at(split);
        let mut right: Vec<Line<'static>> = rest.to_vec();
        if !right.is_empty() {
            right.push(Line::from(""));
        }
        right.extend(search);
        for i in 0..left.len().max(right.len()) {
            let l = left.get(i).cloned().unwrap_or_default();
            let pad = (COLUMN + 2).saturating_sub(l.width());
            let mut spans = l.spans;
            spans.push(Span::raw(" ".repeat(pad)));
            if let Some(r) = right.get(i) {
                spans.extend(r.spans.iter().cloned());
            }
            lines.push(Line::from(spans));
        }
        2 * COLUMN + 4
    } else {
        lines.extend(browse);
        lines.push(Line::from(""));
        lines.extend(search);
        COLUMN + 2
    };
    lines.push(Line::from(""));
    lines.push(footer);
    popup(
        frame,
        theme,
        screen,
        "Help",
        lines,
        u16::try_from(width).unwrap_or(u16::MAX),
    );
}
