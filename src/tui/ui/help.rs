//! The help overlay, generated from the key table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{popup, theme};
use crate::tui::keymap::{self, Context};

pub fn draw(frame: &mut Frame<'_>, keymap: &keymap::Keymap, screen: Rect) {
    let mut lines = Vec::new();
    for (title, context) in [
        ("Browsing", Context::Browse),
        ("Typing a search", Context::SearchInput),
    ] {
        lines.push(Line::from(Span::styled(title, theme::title())));
        for (keys, help) in keymap.help_rows(context) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<14}"), theme::key()),
                Span::raw(help),
            ]));
        }
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(
        "Esc, ? or q closes this help",
        theme::muted(),
    )));
    popup(frame, screen, "Help", lines, 54);
}
