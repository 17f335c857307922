//! The left pane: the OU tree, or the search box and its ranked results.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use super::{fit, highlighted, pane, shown};
use crate::domain::cost::format_amount;
use crate::domain::model::Account;
use crate::tui::message::CostStatus;
use crate::tui::state::{Data, Row, SearchState, State};

/// Width of the name column in tree rows.
const NAME_WIDTH: usize = 26;

/// The mark of an account whose name looks like another's (the detail pane says whose).
const SAME_NAME: &str = " ≈same name";

pub fn draw(frame: &mut Frame<'_>, state: &State, theme: &Theme, area: Rect) {
    let Some(data) = &state.data else {
        draw_empty(frame, state, theme, area);
        return;
    };
    if let Some(search) = &state.search {
        draw_results(frame, theme, data, search, &state.favourites, area);
    } else {
        draw_tree(frame, state, theme, data, area);
    }
}

fn draw_empty(frame: &mut Frame<'_>, state: &State, theme: &Theme, area: Rect) {
    let text = if state.status.syncing.is_some() {
        vec![
            Line::from("Reading the organization from AWS…"),
            Line::from(""),
            Line::from(Span::styled(
                "The tree appears as soon as the first sync finishes; later starts show the cache at once.",
                theme.muted,
            )),
        ]
    } else {
        vec![
            Line::from("No organization data yet."),
            Line::from(""),
            Line::from(vec![
                Span::raw("Press "),
                Span::styled("r", theme.key),
                Span::raw(" to retry after fixing the problem above, or run "),
                Span::styled("awsnav --demo", theme.key),
                Span::raw(" to explore a demo organization."),
            ]),
        ]
    };
    frame.render_widget(
        Paragraph::new(text)
            .wrap(ratatui::widgets::Wrap { trim: true })
            .block(pane(theme, "Organization")),
        area,
    );
}

fn draw_tree(frame: &mut Frame<'_>, state: &State, theme: &Theme, data: &Data, area: Rect) {
    let height = usize::from(area.height.saturating_sub(2));
    let width = usize::from(area.width.saturating_sub(2));
    let cursor = state.tree_cursor.scrolled(state.rows.len(), height);
    let lines: Vec<Line<'_>> = state
        .rows
        .iter()
        .enumerate()
        .skip(cursor.offset)
        .take(height)
        .map(|(i, row)| {
            let line = tree_line(state, theme, data, *row, width);
            theme.select_if(line, i == cursor.selected)
        })
        .collect();
    let org = &data.inventory.org;
    let count =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let title = format!(
        "Organization · {} · {}",
        count(org.accounts.len(), "account", "accounts"),
        count(org.org_units.len(), "OU", "OUs")
    );
    frame.render_widget(Paragraph::new(lines).block(pane(theme, &title)), area);
}

fn tree_line<'a>(
    state: &'a State,
    theme: &Theme,
    data: &'a Data,
    row: Row,
    width: usize,
) -> Line<'a> {
    let org = &data.inventory.org;
    match row {
        Row::Root => {
            let marker = if state.expanded.contains(&org.root_id) {
                "▾ "
            } else {
                "▸ "
            };
            let mut spans = vec![
                Span::styled(marker, theme.root),
                Span::styled("Root", theme.root),
                Span::styled(format!("  {}", org.root_id), theme.muted),
            ];
            if let Some(id) = &org.org_id {
                spans.push(Span::styled(format!(" · {id}"), theme.muted));
            }
            Line::from(spans)
        }
        Row::Ou { ou, depth } => {
            let unit = &org.org_units[ou];
            let marker = if state.expanded.contains(&unit.id) {
                "▾ "
            } else {
                "▸ "
            };
            let indent = "  ".repeat(usize::from(depth));
            let count = data.tree.ou_account_count(ou);
            let name_room = width.saturating_sub(indent.len() + 2 + 8);
            let mut spans = vec![
                Span::raw(indent),
                Span::styled(marker, theme.ou),
                Span::styled(fit(&unit.name, name_room), theme.ou),
                Span::styled(format!("  ({count})"), theme.muted),
            ];
            if let Some(costs) = &data.costs {
                spans.push(Span::styled(
                    format!("  {}", format_amount(costs.ous[ou].0, &costs.currency)),
                    theme.label,
                ));
            }
            Line::from(spans)
        }
        Row::Account { account, depth } => {
            let a = &org.accounts[account];
            let indent = "  ".repeat(usize::from(depth));
            let mark = if state.marked.contains(a.id.as_str()) {
                Span::styled("✓ ", theme.key)
            } else if state.favourites.contains(a.id.as_str()) {
                Span::styled("★ ", theme.key)
            } else {
                Span::raw("  ")
            };
            let mut spans = vec![Span::raw(indent), mark];
            spans.extend(account_cells(state, theme, data, account, a));
            Line::from(spans)
        }
    }
}

/// Name, id, status (when not active) and key tags of an account row.
fn account_cells<'a>(
    state: &'a State,
    theme: &Theme,
    data: &'a Data,
    index: usize,
    a: &'a Account,
) -> Vec<Span<'a>> {
    let production = data.production.get(index).copied().unwrap_or(false);
    let style = if !a.status.is_active() {
        theme.inactive
    } else if production {
        theme.production
    } else {
        theme.account
    };
    let management = data.inventory.org.management_account_id.as_ref() == Some(&a.id);
    let name = fit(&a.name, NAME_WIDTH);
    let pad = NAME_WIDTH.saturating_sub(unicode_width::UnicodeWidthStr::width(name.as_str()));
    let mut spans = vec![
        Span::styled(name, style),
        Span::raw(" ".repeat(pad + 1)),
        Span::styled(
            a.id.as_str(),
            if a.status.is_active() {
                theme.muted
            } else {
                style
            },
        ),
    ];
    match (&data.costs, &state.cost) {
        (Some(costs), _) => {
            let amount = costs.accounts[index].as_ref().map_or_else(
                || "-".to_owned(),
                |c| format_amount(c.month_to_date, &c.currency),
            );
            spans.push(Span::styled(format!(" {amount:>8}"), theme.label));
        }
        (None, CostStatus::Unavailable(_)) => spans.push(Span::styled("      n/a", theme.muted)),
        _ => {}
    }
    if production {
        spans.push(Span::styled(" PROD", theme.production));
    }
    if management {
        spans.push(Span::styled(" ◆mgmt", theme.label));
    }
    if !a.status.is_active() {
        spans.push(Span::styled(format!(" {}", a.status.as_str()), style));
    }
    if data.lookalikes.has(index) {
        spans.push(Span::styled(SAME_NAME, theme.warning));
    }
    for key in &state.key_tags {
        if let Some(v) = a.tags.get(key) {
            spans.push(Span::styled(
                format!(" {}:{}", shown(key), shown(v)),
                theme.muted,
            ));
        }
    }
    spans
}

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

fn draw_results(
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
