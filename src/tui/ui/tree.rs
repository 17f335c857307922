//! The tree in the left pane: the OU tree's visible rows, or what to do while there is no
//! data yet.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::parts::{NAME_WIDTH, SAME_NAME, fit, pane, shown};
use super::theme::Theme;
use crate::domain::cost::format_amount;
use crate::domain::model::Account;
use crate::tui::message::CostStatus;
use crate::tui::state::{Data, Row, State};

/// The left pane while there is no data: the first sync going on, or what to do.
pub fn draw_empty(frame: &mut Frame<'_>, state: &State, theme: &Theme, area: Rect) {
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

/// The OU tree: the rows on screen, the selected one marked.
pub fn draw(frame: &mut Frame<'_>, state: &State, theme: &Theme, data: &Data, area: Rect) {
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
    let orgs = data.inventory.orgs.len();
    let title = if orgs > 0 {
        format!(
            "Organizations · {orgs} · {}",
            count(org.accounts.len(), "account", "accounts")
        )
    } else {
        format!(
            "Organization · {} · {}",
            count(org.accounts.len(), "account", "accounts"),
            count(org.org_units.len(), "OU", "OUs")
        )
    };
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
            if !data.inventory.orgs.is_empty() {
                return Line::from(vec![
                    Span::styled(marker, theme.root),
                    Span::styled("Organizations", theme.root),
                    Span::styled(format!("  ({})", data.inventory.orgs.len()), theme.muted),
                ]);
            }
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
            // An organization's node: its management account, and whether its last sync
            // failed (what is shown is then its cache).
            if let Some(summary) = crate::domain::orgs::node_org(&data.inventory, &unit.id) {
                if let Some(m) = &summary.management_account_id {
                    spans.push(Span::styled(format!("  ◆{m}"), theme.muted));
                }
                if summary.failure.is_some() {
                    spans.push(Span::styled("  ⚠ not read", theme.warning));
                }
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
    let management = data.inventory.org.management_account_id.as_ref() == Some(&a.id)
        || data
            .inventory
            .orgs
            .iter()
            .any(|s| s.management_account_id.as_ref() == Some(&a.id));
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
                |c| format_amount(c.month_to_date, &costs.currency),
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
