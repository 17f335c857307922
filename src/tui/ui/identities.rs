//! The sign-ins view (`i`): every identity awsnav can get in with, whether it is signed in and
//! its time left, and what Enter and `d` do there.

use ratatui::text::{Line, Span};

use super::parts::shown;
use super::theme::Theme;
use crate::app::identities::Kind;
use crate::tui::state::State;

pub fn list(state: &State, theme: &Theme, cursor: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if state.identities.is_empty() {
        // With AWS there is always the base identity: nothing is the demo, or not read yet.
        lines.push(Line::from(Span::styled(
            "none known (the demo organization has no sign-ins)",
            theme.muted,
        )));
        return lines;
    }
    let kind_width = state
        .identities
        .iter()
        .map(|i| i.kind.label().chars().count())
        .max()
        .unwrap_or(0);
    let name_width = state
        .identities
        .iter()
        .map(|i| shown(&i.full_name()).chars().count())
        .max()
        .unwrap_or(0)
        .min(32);
    for (n, i) in state.identities.iter().enumerate() {
        let full = i.full_name();
        let name = shown(&full);
        let left = i.left();
        let line = Line::from(vec![
            Span::raw(if n == cursor { "▸ " } else { "  " }),
            Span::styled(format!("{:<kind_width$}  ", i.kind.label()), theme.label),
            Span::raw(format!("{name:<name_width$}  ")),
            Span::styled(
                left,
                if i.signed_in {
                    theme.title
                } else {
                    theme.muted
                },
            ),
        ]);
        lines.push(theme.select_if(line, n == cursor));
    }
    lines.push(Line::from(""));
    // The selected one's detail: where it signs in, whose it is, how old a key is.
    if let Some(chosen) = state.identities.get(cursor) {
        lines.push(Line::from(Span::styled(
            shown(&chosen.detail).into_owned(),
            theme.muted,
        )));
    }
    let what = match state.identities.get(cursor).map(|i| i.kind) {
        Some(Kind::IdentityCenter | Kind::ConsoleSession) => "Enter signs in, d signs out",
        Some(Kind::Saml) => "d signs out (forgets its sessions)",
        _ => "",
    };
    if !what.is_empty() {
        lines.push(Line::from(Span::styled(what, theme.muted)));
    }
    lines
}

/// The first run's choice: the profiles of `~/.aws/config` to read the organization as, and
/// the demo; and the other ways in, which are commands.
pub fn welcome(state: &State, theme: &Theme, cursor: usize) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from("awsnav found no AWS identity that works here. Read the organization as:"),
        Line::from(""),
    ];
    if state.profiles.is_empty() {
        lines.push(Line::from(Span::styled(
            "  (no profile in ~/.aws/config)",
            theme.muted,
        )));
    }
    for (n, (profile, sso)) in state.profiles.iter().enumerate() {
        let line = Line::from(vec![
            Span::raw(if n == cursor { "▸ " } else { "  " }),
            Span::raw(format!("profile {}", shown(profile))),
            Span::styled(
                if *sso {
                    "  (IAM Identity Center: signs in first)"
                } else {
                    ""
                },
                theme.muted,
            ),
        ]);
        lines.push(theme.select_if(line, n == cursor));
    }
    let demo = state.profiles.len();
    lines.push(theme.select_if(
        Line::from(vec![
            Span::raw(if cursor >= demo { "▸ " } else { "  " }),
            Span::raw("the demo organization (nothing is sent to AWS)"),
        ]),
        cursor >= demo,
    ));
    lines.push(Line::from(""));
    for way in [
        "Enter  read as it (Identity Center signs in first)",
        "a      an IAM user's access key, typed in, into the key store",
        "c      a console sign-in as that profile (no access keys)",
        "Esc    close · a SAML provider: awsnav login --saml NAME",
    ] {
        lines.push(Line::from(Span::styled(way, theme.muted)));
    }
    lines
}

/// The access key being typed in: its id as typed, then its secret as dots' count only.
pub fn key_entry(theme: &Theme, modal: &crate::tui::state::dialogs::Modal) -> Vec<Line<'static>> {
    let crate::tui::state::dialogs::Modal::KeyEntry {
        name,
        key_id,
        input,
    } = modal
    else {
        return Vec::new();
    };
    let mut lines = vec![
        Line::from(vec![
            Span::raw("An IAM user's access key, checked with AWS, kept in the key store as "),
            Span::styled(shown(name).into_owned(), theme.title),
        ]),
        Line::from(""),
    ];
    match key_id.as_deref() {
        None => lines.push(Line::from(vec![
            Span::styled("Access key id: ", theme.label),
            Span::raw(format!("{}█", shown(input))),
        ])),
        Some(id) => {
            lines.push(Line::from(vec![
                Span::styled("Access key id: ", theme.label),
                Span::raw(shown(id).into_owned()),
            ]));
            lines.push(Line::from(vec![
                Span::styled("Secret access key (not shown): ", theme.label),
                Span::raw(format!("{} characters█", input.chars().count())),
            ]));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "Enter next · Esc back to the welcome",
        theme.muted,
    )));
    lines
}
