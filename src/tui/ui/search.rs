//! The search in the left pane: the query, its ranked hits with the matched characters
//! marked, and the favourites-and-recent list shown the same way.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::parts::{NAME_WIDTH, SAME_NAME, fit, highlighted, pane};
use super::theme::Theme;
use crate::tui::state::{Data, SearchState};

/// The lines above the hits: the query (or what the quick list is), and why it is empty.
fn results_header<'a>(theme: &Theme, search: &'a SearchState) -> Vec<Line<'a>> {
    let muted = |text: &'static str| Line::from(Span::styled(text, theme.muted));
    if search.quick {
        let mut lines = vec![muted(
            "★ favourites (f marks one), then the accounts you got into last",
        )];
        if search.hits.is_empty() {
            lines.push(muted("none yet: press f on an account, or get into one"));
        }
        return lines;
    }
    let caret = if search.editing { "▏" } else { "" };
    let mut lines = vec![Line::from(vec![
        Span::styled("/ ", theme.key),
        Span::styled(search.query.as_str(), theme.title),
        Span::styled(caret, theme.key),
    ])];
    if search.query.trim().is_empty() {
        lines.push(muted("type to search names, ids, OU paths and tag values"));
    } else if search.hits.is_empty() {
        lines.push(muted("no matching account"));
    }
    lines
}

/// The search box and the hits on screen (or the favourites-and-recent list).
pub fn draw(
    frame: &mut Frame<'_>,
    theme: &Theme,
    data: &Data,
    search: &SearchState,
    favourites: &std::collections::BTreeSet<String>,
    area: Rect,
) {
    let height = usize::from(area.height.saturating_sub(3));
    let width = usize::from(area.width.saturating_sub(2));
    let cursor = search.cursor.scrolled(search.hits.len(), height);
    let mut lines = Vec::with_capacity(height + 1);
    lines.extend(results_header(theme, search));
    let org = &data.inventory.org;
    for (i, hit) in search
        .hits
        .iter()
        .enumerate()
        .skip(cursor.offset)
        .take(height)
    {
        let a = &org.accounts[hit.account];
        let hl = hit.highlights.clone().unwrap_or_default();
        let production = data.production.get(hit.account).copied().unwrap_or(false);
        let base = if !a.status.is_active() {
            theme.inactive
        } else if production {
            theme.production
        } else {
            theme.account
        };
        let name = fit(&a.name, NAME_WIDTH);
        let pad = NAME_WIDTH.saturating_sub(unicode_width::UnicodeWidthStr::width(name.as_str()));
        let name_positions: Vec<usize> = if name == a.name {
            hl.name.clone()
        } else {
            Vec::new()
        };
        let mut spans = Vec::new();
        if search.quick {
            spans.push(if favourites.contains(a.id.as_str()) {
                Span::styled("★ ", theme.key)
            } else {
                Span::raw("  ")
            });
        }
        spans.extend(highlighted_owned(theme, &name, &name_positions, base));
        spans.push(Span::raw(" ".repeat(pad + 1)));
        spans.push(Span::styled(a.id.as_str(), theme.muted));
        spans.push(if production {
            Span::styled(" PROD ", theme.production)
        } else {
            Span::raw("      ")
        });
        let path = data.tree.account_path(hit.account).join("/");
        let path = if path.is_empty() {
            "(root)".to_owned()
        } else {
            path
        };
        let alike = data.lookalikes.has(hit.account);
        // The mark goes after the path, which gives it room.
        let mark = if alike {
            unicode_width::UnicodeWidthStr::width(SAME_NAME)
        } else {
            0
        };
        let room = width.saturating_sub(NAME_WIDTH + 20 + mark);
        let shown = fit(&path, room);
        let path_positions = if shown == path {
            hl.path.clone()
        } else {
            Vec::new()
        };
        spans.extend(highlighted_owned(
            theme,
            &shown,
            &path_positions,
            theme.label,
        ));
        if !a.status.is_active() {
            spans.push(Span::styled(format!(" {}", a.status.as_str()), base));
        }
        if alike {
            spans.push(Span::styled(SAME_NAME, theme.warning));
        }
        let line = Line::from(spans);
        lines.push(if i == cursor.selected && !search.editing {
            theme.select(line)
        } else if i == cursor.selected {
            line.patch_style(theme.title)
        } else {
            line
        });
    }
    let title = if search.quick {
        let n = search.hits.len();
        format!(
            "Favourites & recent · {n} {}",
            if n == 1 { "account" } else { "accounts" }
        )
    } else {
        format!(
            "Search · {} of {} accounts",
            search.hits.len(),
            org.accounts.len()
        )
    };
    frame.render_widget(Paragraph::new(lines).block(pane(theme, &title)), area);
}

fn highlighted_owned(
    theme: &Theme,
    text: &str,
    positions: &[usize],
    base: ratatui::style::Style,
) -> Vec<Span<'static>> {
    highlighted(theme, text, positions, base)
        .into_iter()
        .map(|s| Span::styled(s.content.into_owned(), s.style))
        .collect()
}
