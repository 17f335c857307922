//! Drawing: reads `State` and the theme it is handed, never changes either, builds only the
//! rows that are visible.

mod access;
mod cost;
mod detail;
mod dialogs;
mod fanout;
mod guardrails;
mod help;
mod identities;
mod parts;
mod search;
mod status;
pub mod theme;
mod tree;
mod wrap;

use ratatui::Frame;
use ratatui::layout::Rect;

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

#[cfg(test)]
mod tests {
    use super::*;

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
