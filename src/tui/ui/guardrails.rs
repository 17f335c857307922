//! Guardrails on screen: the detail pane's section, `p`'s list and a policy's document.

use ratatui::text::{Line, Span};

use super::parts::shown;
use super::theme::Theme;
use crate::domain::guardrails::{Applied, type_label};
use crate::tui::state::{Data, State};

/// How the target is named: "payments-prod", "OU Workloads / Prod", "the root".
fn target_label(data: &Data, target: &str) -> String {
    let org = &data.inventory.org;
    if target == org.root_id {
        return "the root".into();
    }
    if let Some(a) = org.accounts.iter().find(|a| a.id.as_str() == target) {
        return shown(&a.name).into_owned();
    }
    let path = data.tree.ou_by_id(target).map(|i| data.tree.ou_path(i));
    format!("OU {}", shown(&path.unwrap_or_default().join(" / ")))
}

/// Why nothing can be shown yet (reading, failed, refused, off), or `None` when the
/// policies are known.
fn pending(
    state: &State,
    data: &Data,
    target: &str,
    applied: Option<&[Applied<'_>]>,
) -> Option<String> {
    if state.guardrails.off && !data.inventory.orgs.is_empty() {
        return Some("not read with several organizations".into());
    }
    if state.guardrails.off {
        return Some("not read ([org] policies = \"off\")".into());
    }
    if data.inventory.org_error.is_some() {
        return Some("not read: the organization itself could not be read".into());
    }
    if data.parents_for(target).chain(target).is_empty() {
        return Some("none known: only IAM Identity Center lists this".into());
    }
    if data.inventory.guardrails.denied.is_some() {
        return Some(
            "not readable: access denied (needs the management account or a delegated administrator)"
                .into(),
        );
    }
    if applied.is_some() {
        return None;
    }
    Some(match &state.guardrails.failed {
        Some(why) => format!("not read: {why}"),
        None => "reading…".into(),
    })
}

/// The detail pane's "Guardrails" section for `target` (an account, OU or the root).
pub fn section<'a>(state: &State, theme: &Theme, data: &'a Data, target: &str) -> Vec<Line<'a>> {
    let g = &data.inventory.guardrails;
    let applied = g.applied(data.parents_for(target), target);
    let mut lines = vec![
        Line::from(""),
        Line::from(vec![
            Span::styled("Guardrails", theme.title),
            Span::styled("  (p lists them)", theme.muted),
        ]),
    ];
    if let Some(note) = pending(state, data, target, applied.as_deref()) {
        lines.push(Line::from(Span::styled(format!("  {note}"), theme.muted)));
        return lines;
    }
    let applied = applied.unwrap_or_default();
    if applied.is_empty() {
        lines.push(Line::from(Span::styled("  no policy applies", theme.muted)));
    }
    let mut kind = "";
    for a in &applied {
        if a.policy.kind != kind {
            kind = &a.policy.kind;
            lines.push(Line::from(Span::styled(
                format!("  {}", type_label(kind)),
                theme.label,
            )));
        }
        lines.push(Line::from(vec![
            Span::raw(format!("    {}", shown(&a.policy.name))),
            Span::styled(format!(" · {}", a.attached_at), theme.muted),
        ]));
    }
    if let Some(off) = g.not_enabled_labels() {
        lines.push(Line::from(Span::styled(
            format!("  not enabled: {off}"),
            theme.muted,
        )));
    }
    lines
}

/// `p`: the policies that apply to `target`, the one at `cursor` marked.
pub fn list(state: &State, theme: &Theme, target: &str, cursor: usize) -> Vec<Line<'static>> {
    let Some(data) = &state.data else {
        return Vec::new();
    };
    let applied = data
        .inventory
        .guardrails
        .applied(data.parents_for(target), target);
    let mut lines = vec![
        Line::from(vec![
            Span::raw("Policies that apply to "),
            Span::styled(target_label(data, target), theme.title),
        ]),
        Line::from(""),
    ];
    if let Some(note) = pending(state, data, target, applied.as_deref()) {
        lines.push(Line::from(Span::styled(note, theme.muted)));
        return lines;
    }
    let applied = applied.unwrap_or_default();
    if applied.is_empty() {
        lines.push(Line::from(Span::styled("no policy applies", theme.muted)));
    }
    let kinds = applied
        .iter()
        .map(|a| type_label(&a.policy.kind).chars().count());
    let kind_width = kinds.max().unwrap_or(0);
    let name_width = applied
        .iter()
        .map(|a| shown(&a.policy.name).chars().count())
        .max()
        .unwrap_or(0);
    let first = cursor
        .saturating_sub(7)
        .min(applied.len().saturating_sub(14));
    for (i, a) in applied.iter().enumerate().skip(first).take(14) {
        let line = Line::from(vec![
            Span::raw(if i == cursor { "▸ " } else { "  " }),
            Span::styled(
                format!("{:<kind_width$}  ", type_label(&a.policy.kind)),
                theme.label,
            ),
            Span::raw(format!("{:<name_width$}", shown(&a.policy.name))),
            Span::styled(format!("  {}", a.attached_at), theme.muted),
        ]);
        lines.push(theme.select_if(line, i == cursor));
    }
    if let Some(off) = data.inventory.guardrails.not_enabled_labels() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            format!("not enabled in the organization: {off}"),
            theme.muted,
        )));
    }
    lines
}

/// One policy: name, id, type, who manages it, description, targets, then its document
/// from line `scroll`, `height` lines of it.
pub fn document(
    state: &State,
    theme: &Theme,
    id: &str,
    scroll: usize,
    height: usize,
) -> (String, Vec<Line<'static>>) {
    let doc = state
        .data
        .as_ref()
        .and_then(|d| d.inventory.guardrails.documents.get(id));
    let Some(doc) = doc else {
        let note = match &state.guardrails.document_failed {
            Some((failed, why)) if failed == id => format!("not read: {why}"),
            _ => "reading…".to_owned(),
        };
        return (
            id.to_owned(),
            vec![Line::from(Span::styled(note, theme.muted))],
        );
    };
    let s = &doc.summary;
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{:<12}", "Id"), theme.label),
            Span::raw(shown(&s.id).into_owned()),
        ]),
        Line::from(vec![
            Span::styled(format!("{:<12}", "Type"), theme.label),
            Span::raw(s.kind_and_owner()),
        ]),
    ];
    if !s.description.is_empty() {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<12}", "Description"), theme.label),
            Span::raw(shown(&s.description).into_owned()),
        ]));
    }
    let targets: Vec<String> = doc
        .targets
        .iter()
        .map(|t| shown(&t.name).into_owned())
        .collect();
    lines.push(Line::from(vec![
        Span::styled(format!("{:<12}", "Attached to"), theme.label),
        Span::raw(if targets.is_empty() {
            "nothing".to_owned()
        } else if doc.more_targets {
            format!("{}, and more", targets.join(", "))
        } else {
            targets.join(", ")
        }),
    ]));
    lines.push(Line::from(""));
    let body: Vec<String> = doc
        .pretty()
        .lines()
        .map(|l| crate::domain::untrusted::visible_text(l).into_owned())
        .collect();
    let total = body.len();
    lines.extend(body.into_iter().skip(scroll).take(height).map(Line::from));
    if total > height {
        lines.push(Line::from(Span::styled(
            format!(
                "lines {}-{} of {total}",
                scroll + 1,
                (scroll + height).min(total)
            ),
            theme.muted,
        )));
    }
    (shown(&s.name).into_owned(), lines)
}
