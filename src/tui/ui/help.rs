//! The help overlay, generated from the key table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{pane, theme};
use crate::tui::keymap::{self, Context};

pub fn draw(frame: &mut Frame<'_>, screen: Rect) {
    let mut lines = Vec::new();
    for (title, context) in [
        ("Browsing", Context::Browse),
        ("Typing a search", Context::SearchInput),
    ] {
        lines.push(Line::from(Span::styled(title, theme::title())));
        for (keys, help) in keymap::help_rows(context) {
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
    let height = u16::try_from(lines.len() + 2)
        .unwrap_or(u16::MAX)
        .min(screen.height);
    let width = 54.min(screen.width);
    let area = Rect::new(
        screen.x + (screen.width - width) / 2,
        screen.y + (screen.height - height) / 2,
        width,
        height,
    );
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(pane("Help")), area);
}
