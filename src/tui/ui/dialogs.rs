//! Dialogs: the role picker, the production confirmation and the MFA prompt.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::theme::Theme;
use super::{popup, remaining, shown};
use crate::domain::roles::RoleOption;
use crate::domain::safety::Confirmation;
use crate::tui::action::Action;
use crate::tui::keymap::KeyScope;
use crate::tui::message::AccessRequest;
use crate::tui::state::State;
use crate::tui::state::access::REGIONS;
use crate::tui::state::dialogs::Modal;

pub fn draw(frame: &mut Frame<'_>, state: &State, theme: &Theme, modal: &Modal, screen: Rect) {
    let document_title: String;
    let (title, mut lines, context) = match modal {
        Modal::Policies { target, cursor } => (
            "Guardrails",
            super::guardrails::list(state, theme, target, *cursor),
            KeyScope::Picker,
        ),
        Modal::PolicyDocument { id, scroll, .. } => {
            let height = usize::from(state.size.1.saturating_sub(12)).max(1);
            let (title, lines) = super::guardrails::document(state, theme, id, *scroll, height);
            document_title = title;
            (document_title.as_str(), lines, KeyScope::Picker)
        }
        Modal::RolePicker {
            account,
            roles,
            cursor,
        } => (
            "Choose a role",
            role_picker(state, theme, *account, roles, *cursor),
            KeyScope::Picker,
        ),
        Modal::ConfirmProduction {
            request,
            confirmation,
            input,
        } => (
            "Production",
            confirm_production(theme, request, confirmation, input),
            KeyScope::Prompt,
        ),
        Modal::MfaPrompt { serial, input } => {
            ("MFA", mfa_prompt(theme, serial, input), KeyScope::Prompt)
        }
        Modal::RegionPicker { account, cursor } => (
            "Region",
            region_picker(state, theme, *account, *cursor),
            KeyScope::Picker,
        ),
        Modal::MfaDevicePicker { devices, cursor } => (
            "MFA device",
            device_picker(theme, devices, *cursor),
            KeyScope::Picker,
        ),
        Modal::SsoSignIn {
            profile,
            url,
            code,
            console,
        } => (
            if *console {
                "Console sign-in"
            } else {
                "IAM Identity Center"
            },
            sso_sign_in(theme, profile, url.as_deref(), code.as_deref()),
            KeyScope::Prompt,
        ),
        Modal::SamlSignIn { idp } => ("SAML sign-in", saml_sign_in(theme, idp), KeyScope::Prompt),
        Modal::ExportName { account, input } => (
            "Export the session",
            export_name(state, theme, *account, input),
            KeyScope::Prompt,
        ),
        Modal::FanOutCommand { targets, input } => (
            "Run a command",
            fanout_command(state, theme, targets, input),
            KeyScope::Prompt,
        ),
        Modal::FanOutRolePicker {
            targets,
            roles,
            cursor,
            ..
        } => (
            "Choose a role",
            fanout_role_picker(theme, targets.len(), roles, *cursor),
            KeyScope::Picker,
        ),
        Modal::ConfirmFanOut {
            request,
            expected,
            input,
        } => (
            "Production",
            confirm_fanout(theme, request, expected, input),
            KeyScope::Prompt,
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

fn role_picker(
    state: &State,
    theme: &Theme,
    account: usize,
    roles: &[RoleOption],
    cursor: usize,
) -> Vec<Line<'static>> {
    let (name, id) = state
        .data
        .as_ref()
        .map_or((String::new(), String::new()), |d| {
            let a = &d.inventory.org.accounts[account];
            (shown(&a.name).into_owned(), a.id.to_string())
        });
    let last = state.last_roles.get(&id);
    let mut lines = vec![
        Line::from(vec![Span::raw("Role in "), Span::styled(name, theme.title)]),
        Line::from(""),
    ];
    for (i, r) in roles.iter().enumerate() {
        let mut spans = vec![
            Span::raw(if i == cursor { "▸ " } else { "  " }),
            Span::raw(shown(&r.name).into_owned()),
        ];
        if let Some(p) = &r.profile {
            spans.push(Span::styled(
                format!("  (profile {})", p.profile),
                theme.muted,
            ));
        }
        if r.sso {
            spans.push(Span::styled("  Identity Center", theme.muted));
        }
        if let Some(s) = &r.saml {
            spans.push(Span::styled(format!("  SAML {}", s.idp), theme.muted));
        }
        if last == Some(&r.key()) {
            spans.push(Span::styled("  last used", theme.label));
        }
        if let Some(e) = state.sessions.role_expiry(&id, &r.key()) {
            spans.push(Span::styled(
                format!("  cached {}", remaining(e, state.now)),
                theme.label,
            ));
        }
        let line = Line::from(spans);
        lines.push(theme.select_if(line, i == cursor));
    }
    lines
}

/// Twelve choices around the cursor: "default", then the regions.
fn region_picker(
    state: &State,
    theme: &Theme,
    account: usize,
    cursor: usize,
) -> Vec<Line<'static>> {
    let name = state.data.as_ref().map_or_else(String::new, |d| {
        shown(&d.inventory.org.accounts[account].name).into_owned()
    });
    let mut lines = vec![
        Line::from(vec![
            Span::raw("Sessions in "),
            Span::styled(name, theme.title),
            Span::raw(" use"),
        ]),
        Line::from(""),
    ];
    let choices = REGIONS.len() + 1;
    let first = cursor.saturating_sub(5).min(choices.saturating_sub(12));
    for i in first..(first + 12).min(choices) {
        let label = if i == 0 {
            "default (--region, the profile's, [org] region)".to_owned()
        } else {
            REGIONS[i - 1].to_owned()
        };
        let line = Line::from(vec![
            Span::raw(if i == cursor { "▸ " } else { "  " }),
            Span::raw(label),
        ]);
        lines.push(theme.select_if(line, i == cursor));
    }
    lines
}

fn confirm_production(
    theme: &Theme,
    request: &AccessRequest,
    confirmation: &Confirmation,
    input: &str,
) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled(
        format!("{} is a PRODUCTION account", shown(&request.account_name)),
        theme.production,
    ))];
    if let Some(warning) = confirmation.warning() {
        lines.push(Line::from(Span::styled(
            format!("≈ {warning} — this one is {}", request.account_id),
            theme.warning,
        )));
    }
    let (what, text) = if confirmation.by_id {
        ("Type its account id ", confirmation.text.clone())
    } else {
        ("Type ", shown(&confirmation.text).into_owned())
    };
    lines.extend([
        Line::from(""),
        Line::from(format!("Role: {}", shown(&request.role.name))),
        Line::from(vec![
            Span::raw(what),
            Span::styled(text, theme.title),
            Span::raw(" to continue:"),
        ]),
        Line::from(""),
        Line::from(vec![
            Span::styled("> ", theme.key),
            Span::raw(input.to_owned()),
            Span::styled("▏", theme.key),
        ]),
    ]);
    lines
}

fn mfa_prompt(theme: &Theme, serial: &str, input: &str) -> Vec<Line<'static>> {
    let typed: String = input
        .chars()
        .chain(std::iter::repeat_n('_', 6 - input.len().min(6)))
        .collect();
    vec![
        Line::from("MFA code for"),
        Line::from(Span::styled(serial.to_owned(), theme.muted)),
        Line::from(""),
        Line::from(vec![
            Span::styled("> ", theme.key),
            Span::styled(typed, theme.title),
        ]),
        Line::from(""),
        Line::from(Span::styled("6 digits from your MFA device", theme.muted)),
    ]
}

/// The devices that can sign API calls; the one chosen is remembered.
fn device_picker(theme: &Theme, devices: &[String], cursor: usize) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from("Several MFA devices can sign API calls."),
        Line::from(Span::styled(
            "Which one gives your codes? awsnav remembers it.",
            theme.muted,
        )),
        Line::from(""),
    ];
    for (i, d) in devices.iter().enumerate() {
        let line = Line::from(vec![
            Span::raw(if i == cursor { "▸ " } else { "  " }),
            Span::raw(d.clone()),
        ]);
        lines.push(theme.select_if(line, i == cursor));
    }
    lines
}

/// Names of `accounts`, as many as fit in a line or two, then how many more.
fn some_names(names: &[String]) -> String {
    let mut list = String::new();
    for (i, n) in names.iter().enumerate() {
        let n = shown(n);
        if list.len() + n.len() > 60 {
            return format!("{list} and {} more", names.len() - i);
        }
        if !list.is_empty() {
            list.push_str(", ");
        }
        list.push_str(&n);
    }
    list
}

fn export_name(state: &State, theme: &Theme, account: usize, input: &str) -> Vec<Line<'static>> {
    let name = state
        .data
        .as_ref()
        .map(|d| d.inventory.org.accounts[account].name.clone())
        .unwrap_or_default();
    vec![
        Line::from(vec![
            Span::raw("Write a session of "),
            Span::styled(shown(&name).into_owned(), theme.title),
            Span::raw(" into ~/.aws/credentials,"),
        ]),
        Line::from(Span::styled(
            "for tools that read only that file (CDK, older SDKs)",
            theme.muted,
        )),
        Line::from(Span::styled(
            "empty: ACCOUNT-ROLE; not [default] (the CLI writes it with --force)",
            theme.muted,
        )),
        Line::from(""),
        Line::from(vec![
            Span::raw("profile: "),
            Span::raw(input.to_owned()),
            Span::raw("▏"),
        ]),
    ]
}

fn fanout_command(
    state: &State,
    theme: &Theme,
    targets: &[usize],
    input: &str,
) -> Vec<Line<'static>> {
    let names: Vec<String> = state.data.as_ref().map_or_else(Vec::new, |d| {
        targets
            .iter()
            .map(|&a| d.inventory.org.accounts[a].name.clone())
            .collect()
    });
    vec![
        Line::from(vec![
            Span::raw("In "),
            Span::styled(
                format!(
                    "{} account{}",
                    names.len(),
                    if names.len() == 1 { "" } else { "s" }
                ),
                theme.title,
            ),
            Span::styled(format!(": {}", some_names(&names)), theme.muted),
        ]),
        Line::from(Span::styled(
            "run with sh -c, AWS_* and AWSNAV_* set for each account",
            theme.muted,
        )),
        Line::from(""),
        Line::from(vec![
            Span::raw("$ "),
            Span::raw(input.to_owned()),
            Span::raw("▏"),
        ]),
    ]
}

fn fanout_role_picker(
    theme: &Theme,
    targets: usize,
    roles: &[crate::tui::state::fanout::FanOutRole],
    cursor: usize,
) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(format!("Role in the {targets} accounts")),
        Line::from(""),
    ];
    for (i, r) in roles.iter().enumerate() {
        let mut spans = vec![
            Span::raw(if i == cursor { "▸ " } else { "  " }),
            Span::raw(shown(&r.role.name).into_owned()),
        ];
        if r.missing.is_empty() {
            spans.push(Span::styled("  offered in all", theme.label));
        } else {
            spans.push(Span::styled(
                format!(
                    "  not offered in {} (skipped): {}",
                    r.missing.len(),
                    some_names(&r.missing)
                ),
                theme.warning,
            ));
        }
        let line = Line::from(spans);
        lines.push(theme.select_if(line, i == cursor));
    }
    lines
}

fn confirm_fanout(
    theme: &Theme,
    request: &crate::tui::message::FanOutRequest,
    expected: &str,
    input: &str,
) -> Vec<Line<'static>> {
    let production: Vec<String> = request
        .planned
        .iter()
        .filter(|p| p.production && p.role.is_ok())
        .map(|p| shown(&p.account_name).into_owned())
        .collect();
    vec![
        Line::from(Span::styled(
            format!(
                "`{}` reaches {expected} PRODUCTION account(s):",
                request.command
            ),
            theme.production,
        )),
        Line::from(some_names(&production)),
        Line::from(""),
        Line::from(vec![
            Span::raw("Type "),
            Span::styled(expected.to_owned(), theme.title),
            Span::raw(" to run it there: "),
            Span::raw(input.to_owned()),
            Span::raw("▏"),
        ]),
    ]
}

fn saml_sign_in(theme: &Theme, idp: &str) -> Vec<Line<'static>> {
    vec![
        Line::from(vec![
            Span::raw("Signing in to "),
            Span::styled(shown(idp).into_owned(), theme.title),
            Span::raw(" in the browser window awsnav opened."),
        ]),
        Line::from(""),
        Line::from("Sign in there as your identity provider asks;"),
        Line::from("awsnav goes on by itself once it has the answer."),
    ]
}

fn sso_sign_in(
    theme: &Theme,
    profile: &str,
    url: Option<&str>,
    code: Option<&str>,
) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(vec![
            Span::raw("Signing in (profile "),
            Span::styled(profile.to_owned(), theme.title),
            Span::raw(")"),
        ]),
        Line::from(""),
    ];
    match url {
        None => lines.push(Line::from(Span::styled("starting…", theme.muted))),
        Some(url) => {
            if code.is_some() {
                lines.push(Line::from("Sign in at"));
                lines.push(Line::from(Span::styled(url.to_owned(), theme.key)));
            } else {
                lines.push(Line::from("Finish the sign-in in the browser it opened"));
                lines.push(Line::from(Span::styled(
                    super::fit_text(url, 66),
                    theme.muted,
                )));
            }
            if let Some(code) = code {
                lines.push(Line::from(""));
                lines.push(Line::from(vec![
                    Span::raw("and check that it shows the code "),
                    Span::styled(code.to_owned(), theme.title),
                ]));
            }
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                "waiting for the sign-in…",
                theme.muted,
            )));
        }
    }
    lines
}
