//! The screen's regions for a terminal size: drawing puts the panes in them, and `update()`
//! learns from them how many rows a page holds.

use ratatui::layout::{Constraint, Layout, Rect};

/// The screen's regions for a terminal of `size`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub banner: Rect,
    pub list: Rect,
    pub detail: Option<Rect>,
    pub status: Rect,
    pub hints: Rect,
}

/// Characters a banner adds around its text: icon, padding and the dismiss hint.
const BANNER_EXTRA: usize = 3 + "  (Esc to dismiss)".len();

/// Narrower terminals drop the detail pane and give the list all the width.
const DETAIL_MIN_WIDTH: u16 = 90;

/// The regions of a terminal of `size` with `banner` (its text, when one is shown) across the
/// top.
#[must_use]
pub fn areas(size: (u16, u16), banner: Option<&str>) -> Areas {
    let area = Rect::new(0, 0, size.0, size.1);
    // Long messages (AWS errors with their fix) wrap onto up to three lines.
    let banner_height = banner.map_or(0, |text| {
        let len = text.chars().count() + BANNER_EXTRA;
        let width = usize::from(size.0.max(1));
        u16::try_from(len.div_ceil(width).clamp(1, 3))
            .unwrap_or(3)
            // On a tiny terminal the tree keeps a row between its borders.
            .min(size.1.saturating_sub(5))
    });
    let [banner, main, status, hints] = Layout::vertical([
        Constraint::Length(banner_height),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    if area.width >= DETAIL_MIN_WIDTH {
        let [list, detail] =
            Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)])
                .areas(main);
        Areas {
            banner,
            list,
            detail: Some(detail),
            status,
            hints,
        }
    } else {
        Areas {
            banner,
            list: main,
            detail: None,
            status,
            hints,
        }
    }
}

/// Rows of the tree or results list that fit on screen (`searching`: the query takes one).
#[must_use]
pub fn list_height(size: (u16, u16), banner: Option<&str>, searching: bool) -> u16 {
    let inner = areas(size, banner).list.height.saturating_sub(2);
    inner.saturating_sub(u16::from(searching))
}
