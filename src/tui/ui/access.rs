//! Getting into an account on screen: the role picker, the production confirmation, the MFA
//! prompt and device picker, the region picker, `e`'s profile name and the sign-in dialogs.

use ratatui::text::{Line, Span};

use super::parts::{fit_text, remaining, shown};
use super::theme::Theme;
use crate::domain::roles::RoleOption;
use crate::domain::safety::Confirmation;
use crate::tui::message::AccessRequest;
use crate::tui::state::State;
use crate::tui::state::access::REGIONS;

pub fn role_picker(
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
pub fn region_picker(
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

pub fn confirm_production(
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

pub fn mfa_prompt(theme: &Theme, serial: &str, input: &str) -> Vec<Line<'static>> {
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
pub fn device_picker(theme: &Theme, devices: &[String], cursor: usize) -> Vec<Line<'static>> {
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

pub fn export_name(
    state: &State,
    theme: &Theme,
    account: usize,
    input: &str,
) -> Vec<Line<'static>> {
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

pub fn saml_sign_in(theme: &Theme, idp: &str) -> Vec<Line<'static>> {
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

pub fn sso_sign_in(
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
                lines.push(Line::from(Span::styled(fit_text(url, 66), theme.muted)));
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
