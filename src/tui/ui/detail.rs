//! The right pane: everything about the selected account, OU or the organization.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::parts::{field, pane, remaining, shown};
use super::theme::Theme;
use crate::tui::state::{Data, Row, State};

pub fn draw(frame: &mut Frame<'_>, state: &State, theme: &Theme, area: Rect) {
    let Some(data) = &state.data else {
        frame.render_widget(pane(theme, "Details"), area);
        return;
    };
    let mut lines = if let Some(account) = state.selected_account() {
        account_lines(state, theme, data, account)
    } else {
        match state.selected_row() {
            Some(Row::Ou { ou, .. }) => ou_lines(theme, data, ou, state.now),
            Some(Row::Root) => root_lines(theme, data),
            _ => Vec::new(),
        }
    };
    if let Some(target) = state.guardrail_target() {
        lines.extend(super::guardrails::section(state, theme, data, &target));
    }
    // A long value wraps under itself, not under its label.
    let lines = super::wrap::wrapped(lines, usize::from(area.width.saturating_sub(2)));
    frame.render_widget(Paragraph::new(lines).block(pane(theme, "Details")), area);
}

fn account_lines<'a>(
    state: &'a State,
    theme: &Theme,
    data: &'a Data,
    index: usize,
) -> Vec<Line<'a>> {
    let org = &data.inventory.org;
    let a = &org.accounts[index];
    let path = data.tree.account_path(index);
    let status_style = if a.status.is_active() {
        theme.account
    } else {
        theme.inactive
    };
    let production = data.production.get(index).copied().unwrap_or(false);
    let mut lines = vec![if production {
        Line::from(vec![
            Span::styled(shown(&a.name), theme.production.patch(theme.title)),
            Span::styled("  PRODUCTION", theme.production),
        ])
    } else {
        Line::from(Span::styled(shown(&a.name), theme.title))
    }];
    if data.lookalikes.has(index) {
        let ids: Vec<&str> = data
            .lookalikes
            .others(index)
            .map(|j| org.accounts[j].id.as_str())
            .collect();
        lines.push(Line::from(Span::styled(
            format!("≈ same name as {}: check the id", ids.join(", ")),
            theme.warning,
        )));
    }
    lines.extend([
        Line::from(""),
        field(theme, "ID", a.id.as_str()),
        field(theme, "Email", shown(&a.email)),
        field(
            theme,
            "Status",
            Span::styled(a.status.as_str(), status_style),
        ),
        field(
            theme,
            "OU path",
            if path.is_empty() {
                "(root)".to_owned()
            } else {
                shown(&path.join(" / ")).into_owned()
            },
        ),
        field(
            theme,
            "Joined",
            a.joined
                .map_or_else(|| "unknown".to_owned(), |j| j.date().to_string()),
        ),
    ]);
    if org.management_account_id.as_ref() == Some(&a.id) {
        lines.push(field(theme, "Kind", "management account"));
    }
    if let Some(region) = state.regions.get(a.id.as_str()) {
        lines.push(field(theme, "Region", format!("{region} (R changes it)")));
    }
    lines.push(Line::from(""));
    let cost = super::cost::fields(state, theme, data, index);
    if !cost.is_empty() {
        lines.extend(cost);
        lines.push(Line::from(""));
    }
    lines.extend(role_lines(state, theme, data, index));
    lines.push(Line::from(""));
    if a.tags.is_empty() {
        lines.push(Line::from(Span::styled("no tags", theme.muted)));
    } else {
        lines.push(Line::from(Span::styled("Tags", theme.title)));
        let width = a
            .tags
            .keys()
            .map(|k| shown(k).chars().count())
            .max()
            .unwrap_or(0);
        for (k, v) in &a.tags {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<width$}  ", shown(k)), theme.label),
                Span::raw(shown(v)),
            ]));
        }
    }
    lines
}

fn ou_lines<'a>(
    theme: &Theme,
    data: &'a Data,
    ou: usize,
    now: time::OffsetDateTime,
) -> Vec<Line<'a>> {
    let org = &data.inventory.org;
    let unit = &org.org_units[ou];
    if let Some(summary) = crate::domain::orgs::node_org(&data.inventory, &unit.id) {
        let mut lines = vec![
            Line::from(Span::styled(
                format!("Organization {}", shown(&summary.name)),
                theme.title,
            )),
            Line::from(""),
            field(theme, "Root id", unit.id.as_str()),
        ];
        if let Some(m) = &summary.management_account_id {
            lines.push(management(theme, org, m));
        }
        lines.push(field(theme, "Accounts", summary.accounts.to_string()));
        lines.push(field(
            theme,
            "Read",
            summary.synced_at.map_or_else(
                || "never".to_owned(),
                |at| crate::domain::inventory::age_text(at, now),
            ),
        ));
        if let Some(why) = &summary.failure {
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                format!("⚠ not read: {}", shown(why)),
                theme.warning,
            )));
            lines.push(Line::from(Span::styled(
                "r here reads it again",
                theme.muted,
            )));
        }
        return lines;
    }
    let path: Vec<&str> = data
        .tree
        .ou_ancestry(org, ou)
        .into_iter()
        .map(|i| org.org_units[i].name.as_str())
        .collect();
    vec![
        Line::from(Span::styled(shown(&unit.name), theme.title)),
        Line::from(""),
        field(theme, "OU id", unit.id.as_str()),
        field(theme, "Path", shown(&path.join(" / ")).into_owned()),
        field(
            theme,
            "Accounts",
            format!("{} (all levels)", data.tree.ou_account_count(ou)),
        ),
        field(
            theme,
            "Directly",
            data.tree.child_accounts(&unit.id).len().to_string(),
        ),
        field(
            theme,
            "Sub-OUs",
            data.tree.child_ous(&unit.id).len().to_string(),
        ),
    ]
}

/// The management account's line: its id, and its name where the tree has it.
fn management(
    theme: &Theme,
    org: &crate::domain::model::Org,
    id: &crate::domain::model::AccountId,
) -> Line<'static> {
    let name = org
        .accounts
        .iter()
        .find(|a| &a.id == id)
        .map_or(String::new(), |a| format!(" ({})", shown(&a.name)));
    field(theme, "Mgmt", format!("{id}{name}"))
}

fn root_lines<'a>(theme: &Theme, data: &'a Data) -> Vec<Line<'a>> {
    let org = &data.inventory.org;
    if !data.inventory.orgs.is_empty() {
        let mut lines = vec![
            Line::from(Span::styled("Organizations", theme.title)),
            Line::from(""),
        ];
        for summary in &data.inventory.orgs {
            let state = if summary.failure.is_some() {
                "  ⚠ not read"
            } else {
                ""
            };
            lines.push(field(
                theme,
                &summary.name,
                format!("{} accounts{state}", summary.accounts),
            ));
        }
        lines.push(field(theme, "Accounts", org.accounts.len().to_string()));
        return lines;
    }
    let mut lines = vec![
        Line::from(Span::styled("Organization root", theme.title)),
        Line::from(""),
        field(theme, "Root id", org.root_id.as_str()),
    ];
    if let Some(id) = &org.org_id {
        lines.push(field(theme, "Org id", id.as_str()));
    }
    if let Some(m) = &org.management_account_id {
        lines.push(management(theme, org, m));
    }
    let inactive = org
        .accounts
        .iter()
        .filter(|a| !a.status.is_active())
        .count();
    lines.push(field(theme, "Accounts", org.accounts.len().to_string()));
    lines.push(field(theme, "Inactive", inactive.to_string()));
    lines.push(field(theme, "OUs", org.org_units.len().to_string()));
    lines
}

/// The roles offered in account `index`: Identity Center's and IAM's under headings of their
/// own, with the last one used and live credentials marked.
fn role_lines<'a>(state: &'a State, theme: &Theme, data: &'a Data, index: usize) -> Vec<Line<'a>> {
    let a = &data.inventory.org.accounts[index];
    let mut lines = Vec::new();
    let roles = data.roles.get(index).map_or(&[][..], Vec::as_slice);
    if a.sso_roles_unknown() {
        // Read in the background since the account was selected.
        let id = a.id.as_str();
        let note = if let Some(why) = state.sso_roles.failed.get(id) {
            format!("  not read: {why}")
        } else {
            "  reading…".to_owned()
        };
        lines.push(Line::from(Span::styled(
            "Identity Center roles",
            theme.title,
        )));
        lines.push(Line::from(Span::styled(note, theme.muted)));
    }
    if roles.is_empty() {
        if !a.sso_roles_unknown() {
            lines.push(Line::from(Span::styled("no role offered", theme.muted)));
        }
    } else {
        let last = state.last_roles.get(a.id.as_str());
        let any_sso = a.sso_roles_unknown() || roles.iter().any(|r| r.sso);
        // Identity Center's roles and the IAM roles under headings of their own.
        for (sso, heading) in [(true, "Identity Center roles"), (false, "Roles")] {
            let group: Vec<_> = roles.iter().filter(|r| r.sso == sso).collect();
            if group.is_empty() {
                continue;
            }
            let heading = if any_sso && !sso {
                lines.push(Line::from(""));
                "IAM roles"
            } else {
                heading
            };
            lines.push(Line::from(Span::styled(heading, theme.title)));
            for r in group {
                let mut spans = vec![Span::raw(format!("  {}", shown(&r.name)))];
                if last == Some(&r.key()) {
                    spans.push(Span::styled(" · last used", theme.label));
                }
                if let Some(e) = state.sessions.role_expiry(a.id.as_str(), &r.key()) {
                    spans.push(Span::styled(
                        format!(" · credentials {} left", remaining(e, state.now)),
                        theme.label,
                    ));
                }
                lines.push(Line::from(spans));
            }
        }
    }
    lines
}
