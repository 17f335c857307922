//! The dialog that is open, drawn in a popup over the screen with the keys it takes; its
//! lines come from the part of the screen it belongs to.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::parts::popup;
use super::theme::Theme;
use super::{access, fanout, guardrails, identities};
use crate::tui::action::Action;
use crate::tui::keymap::KeyScope;
use crate::tui::state::State;
use crate::tui::state::dialogs::Modal;

pub fn draw(frame: &mut Frame<'_>, state: &State, theme: &Theme, modal: &Modal, screen: Rect) {
    let prompt = |title: &'static str, lines| (title, lines, KeyScope::Prompt);
    let picker = |title: &'static str, lines| (title, lines, KeyScope::Picker);
    let document_title: String;
    let (title, mut lines, context) = match modal {
        Modal::Welcome { cursor } => picker(
            "Welcome to awsnav",
            identities::welcome(state, theme, *cursor),
        ),
        Modal::Identities { cursor } => picker("Sign-ins", identities::list(state, theme, *cursor)),
        Modal::KeyEntry { .. } => prompt("An access key", identities::key_entry(theme, modal)),
        Modal::Policies { target, cursor } => picker(
            "Guardrails",
            guardrails::list(state, theme, target, *cursor),
        ),
        Modal::PolicyDocument { id, scroll, .. } => {
            let height = usize::from(state.size.1.saturating_sub(12)).max(1);
            let (title, lines) = guardrails::document(state, theme, id, *scroll, height);
            document_title = title;
            (document_title.as_str(), lines, KeyScope::Picker)
        }
        Modal::RolePicker {
            account,
            roles,
            cursor,
        } => picker(
            "Choose a role",
            access::role_picker(state, theme, *account, roles, *cursor),
        ),
        Modal::ConfirmProduction {
            request,
            confirmation,
            input,
        } => prompt(
            "Production",
            access::confirm_production(theme, request, confirmation, input),
        ),
        Modal::MfaPrompt { serial, input } => {
            prompt("MFA", access::mfa_prompt(theme, serial, input))
        }
        Modal::RegionPicker { account, cursor } => picker(
            "Region",
            access::region_picker(state, theme, *account, *cursor),
        ),
        Modal::MfaDevicePicker { devices, cursor } => {
            picker("MFA device", access::device_picker(theme, devices, *cursor))
        }
        Modal::SsoSignIn {
            profile,
            url,
            code,
            console,
        } => prompt(
            if *console {
                "Console sign-in"
            } else {
                "IAM Identity Center"
            },
            access::sso_sign_in(theme, profile, url.as_deref(), code.as_deref()),
        ),
        Modal::SamlSignIn { idp } => prompt("SAML sign-in", access::saml_sign_in(theme, idp)),
        Modal::ExportName { account, input } => prompt(
            "Export the session",
            access::export_name(state, theme, *account, input),
        ),
        Modal::FanOutCommand { targets, input } => prompt(
            "Run a command",
            fanout::command(state, theme, targets, input),
        ),
        Modal::FanOutRolePicker {
            targets,
            roles,
            cursor,
            ..
        } => picker(
            "Choose a role",
            fanout::role_picker(theme, targets.len(), roles, *cursor),
        ),
        Modal::ConfirmFanOut {
            request,
            expected,
            input,
        } => prompt(
            "Production",
            fanout::confirmation(theme, request, expected, input),
        ),
    };
    lines.push(Line::from(""));
    lines.push(hint_line(state, theme, modal, context));
    show(
        frame,
        theme,
        screen,
        title,
        lines,
        matches!(modal, Modal::PolicyDocument { .. }),
    );
}

/// The dialog in a popup as wide as its widest line (a document may be wider).
fn show(
    frame: &mut Frame<'_>,
    theme: &Theme,
    screen: Rect,
    title: &str,
    lines: Vec<Line<'static>>,
    document: bool,
) {
    let widest = lines
        .iter()
        .map(Line::width)
        .max()
        .unwrap_or(20)
        .clamp(30, if document { 90 } else { 70 });
    popup(
        frame,
        theme,
        screen,
        title,
        lines,
        u16::try_from(widest + 4).unwrap_or(74),
    );
}

/// The keys the dialog takes, as the hint bar shows them.
fn hint_line(state: &State, theme: &Theme, modal: &Modal, context: KeyScope) -> Line<'static> {
    let hints = if matches!(modal, Modal::PolicyDocument { .. }) {
        // Scrolling, not choosing.
        [
            (Action::Down, "down"),
            (Action::Up, "up"),
            (Action::PageDown, "page"),
            (Action::Back, "back"),
        ]
        .into_iter()
        .filter_map(|(a, help)| Some((state.keymap.key_of(context, a)?, help)))
        .collect()
    } else {
        state.keymap.hints(context)
    };
    let mut hint = Vec::new();
    for (key, help) in hints {
        hint.push(Span::styled(format!("{key} "), theme.key));
        hint.push(Span::styled(format!("{help}  "), theme.muted));
    }
    Line::from(hint)
}
