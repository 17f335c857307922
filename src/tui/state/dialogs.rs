//! The dialog that is open (`Modal`): it takes the keyboard until it is answered or
//! cancelled, and each part of the state answers the keys of its own dialogs.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::State;
use crate::domain::roles::RoleOption;
use crate::domain::safety::Confirmation;
use crate::tui::message::{AccessRequest, Effect, FanOutRequest};

/// A role of the fan-out's role picker, and the target accounts that do not offer it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FanOutRole {
    pub role: RoleOption,
    pub missing: Vec<String>,
}

/// A dialog that takes the keyboard until it is answered or cancelled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Modal {
    RolePicker {
        account: usize,
        roles: Vec<RoleOption>,
        cursor: usize,
    },
    ConfirmProduction {
        request: Box<AccessRequest>,
        confirmation: Box<Confirmation>,
        input: String,
    },
    MfaPrompt {
        serial: String,
        input: String,
    },
    /// The region for sessions in an account: `cursor` 0 is "the default", then [`REGIONS`].
    RegionPicker {
        account: usize,
        cursor: usize,
    },
    /// Which MFA device to use, when several can sign API calls (asked once, remembered).
    MfaDevicePicker {
        devices: Vec<String>,
        cursor: usize,
    },
    /// `e`: the profile the session of `account` is written to.
    ExportName {
        account: usize,
        input: String,
    },
    /// `x`: the command to run in `targets` (account indices).
    FanOutCommand {
        targets: Vec<usize>,
        input: String,
    },
    /// The role of a run, with the targets that do not offer each one.
    FanOutRolePicker {
        targets: Vec<usize>,
        command: String,
        roles: Vec<FanOutRole>,
        cursor: usize,
    },
    /// Signing in to a SAML identity provider in the browser window awsnav opened.
    SamlSignIn {
        idp: String,
    },
    /// Signing in to IAM Identity Center (or, with `console`, a console session): where (and
    /// the code to check), until it is done.
    SsoSignIn {
        profile: String,
        console: bool,
        url: Option<String>,
        code: Option<String>,
    },
    /// A run that reaches production: type how many production accounts it holds.
    ConfirmFanOut {
        request: Box<FanOutRequest>,
        expected: String,
        input: String,
    },
    /// The first run, with no identity that works: a profile of `~/.aws/config` to read the
    /// organization as, or the demo.
    Welcome {
        cursor: usize,
    },
    /// `a` in the welcome: an IAM user's access key typed in, for the key store under
    /// `name`: its id first, then (`key_id` known) its secret, never shown.
    KeyEntry {
        name: String,
        key_id: Option<String>,
        input: String,
    },
    /// `i`: every sign-in and its time left.
    Identities {
        cursor: usize,
    },
    /// `p`: the policies that apply to `target` (a root, OU or account id).
    Policies {
        target: String,
        cursor: usize,
    },
    /// One of them: its document, scrolled down `scroll` lines (Esc goes back to the list).
    PolicyDocument {
        target: String,
        cursor: usize,
        id: String,
        scroll: usize,
    },
}

impl State {
    /// Keys while a modal is open. Returns `None` when no modal is open.
    pub(super) fn on_modal_key(&mut self, key: &KeyEvent) -> Option<Vec<Effect>> {
        self.modal.as_ref()?;
        let context = self.key_scope();
        let modal = self.modal.take()?;
        let action = self.keymap.lookup(context, key);
        let typed = typed_char(key);
        let backspace = key.code == KeyCode::Backspace;
        let effects = match modal {
            sign_in @ Modal::SsoSignIn { .. } => self.on_sso_modal_key(sign_in, action),
            Modal::Identities { cursor } => self.on_identities_key(cursor, action),
            Modal::Welcome { cursor } => self.on_welcome_key(cursor, action, typed),
            Modal::KeyEntry {
                name,
                key_id,
                input,
            } => self.on_key_entry_key(name, key_id, input, action, typed, backspace),
            policies @ (Modal::Policies { .. } | Modal::PolicyDocument { .. }) => {
                self.on_policies_key(policies, action)
            }
            Modal::ExportName { account, input } => {
                self.on_export_key(account, input, action, typed, backspace)
            }
            run @ (Modal::FanOutCommand { .. }
            | Modal::FanOutRolePicker { .. }
            | Modal::ConfirmFanOut { .. }) => {
                self.on_fanout_modal_key(run, action, typed, backspace)
            }
            Modal::RolePicker {
                account,
                roles,
                cursor,
            } => self.on_role_picker_key(account, roles, cursor, action),
            Modal::RegionPicker { account, cursor } => self.on_region_key(account, cursor, action),
            Modal::MfaDevicePicker { devices, cursor } => {
                self.on_device_key(devices, cursor, action)
            }
            Modal::ConfirmProduction {
                request,
                confirmation,
                input,
            } => self.on_production_key(request, confirmation, input, action, typed, backspace),
            Modal::SamlSignIn { idp } => self.on_saml_modal_key(idp, action),
            Modal::MfaPrompt { serial, input } => {
                self.on_mfa_key(serial, input, action, typed, backspace)
            }
        };
        Some(effects)
    }
}

/// One key's edit of a line being typed into a prompt: Backspace takes its last character
/// off; a typed character `accept` takes goes on while the line is shorter than `most`
/// characters.
pub(super) fn edit_line(
    input: &mut String,
    typed: Option<char>,
    backspace: bool,
    most: usize,
    accept: fn(char) -> bool,
) {
    if backspace {
        input.pop();
    } else if let Some(c) = typed.filter(|&c| accept(c))
        && input.chars().count() < most
    {
        input.push(c);
    }
}

/// The character a key types into a prompt (none with Ctrl or Alt).
fn typed_char(key: &KeyEvent) -> Option<char> {
    match key.code {
        KeyCode::Char(c)
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    }
}
