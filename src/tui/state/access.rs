//! Getting into an account from the TUI: the role picker, the production confirmation, the MFA
//! prompt, then a shell (or the console, a link, an exported session); the region picker and
//! the sign-in dialogs. Their dialogs' keys and their part of `update()`.

use time::OffsetDateTime;

use super::State;
use super::dialogs::{Modal, edit_line};
use crate::app::console_link::ConsoleOpening;
use crate::aws::AwsError;
use crate::domain::roles::RoleOption;
use crate::domain::safety::Confirmation;
use crate::domain::untrusted::visible;
use crate::tui::action::Action;
use crate::tui::message::{AccessFailure, AccessRequest, Banner, Effect, Purpose, ShellLaunch};

/// The regions offered by the region picker (the commercial partition's).
pub const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "ca-west-1",
    "sa-east-1",
    "mx-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "af-south-1",
    "ap-east-1",
    "ap-south-1",
    "ap-south-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
];

impl State {
    /// Enter / `s` / `c` / `y` on an account: pick a role (asking when there are several).
    pub(super) fn start_access(&mut self, account: usize, purpose: Purpose) -> Vec<Effect> {
        self.purpose = purpose;
        let Some(data) = &self.data else {
            return Vec::new();
        };
        if let Some(name) = &self.nested_in {
            self.status.banner = Some(Banner::error(format!(
                "awsnav is running inside an awsnav shell for {}: exit that shell and start awsnav again",
                visible(name)
            )));
            return Vec::new();
        }
        let a = &data.inventory.org.accounts[account];
        if !a.status.is_active() {
            self.status.banner = Some(Banner::error(format!(
                "{} is {}: roles cannot be assumed there",
                visible(&a.name),
                a.status.as_str()
            )));
            return Vec::new();
        }
        if let Some(effects) = self.wait_for_sso_roles(account, purpose) {
            return effects;
        }
        let Some(data) = &self.data else {
            return Vec::new();
        };
        let a = &data.inventory.org.accounts[account];
        let roles = data.roles[account].clone();
        match roles.len() {
            0 => {
                self.status.banner = Some(Banner::error(format!(
                    "no role is offered in {}: add one with [roles] default or a [[roles.rule]] in the config file",
                    visible(&a.name)
                )));
                Vec::new()
            }
            1 => self.role_chosen(account, roles[0].clone()),
            _ => {
                let last = self.last_roles.get(a.id.as_str());
                let cursor = last
                    .and_then(|l| roles.iter().position(|r| r.key() == *l))
                    .unwrap_or(0);
                self.modal = Some(Modal::RolePicker {
                    account,
                    roles,
                    cursor,
                });
                Vec::new()
            }
        }
    }

    fn role_chosen(&mut self, account: usize, role: RoleOption) -> Vec<Effect> {
        let Some(data) = &self.data else {
            return Vec::new();
        };
        let a = &data.inventory.org.accounts[account];
        let request = AccessRequest {
            account_id: a.id.to_string(),
            account_name: a.name.clone(),
            role,
            production: data.production[account],
            purpose: self.purpose,
            export_as: (self.purpose == Purpose::Export).then(|| self.export_as.clone()),
        };
        if request.production {
            let same_name_as = data
                .lookalikes
                .others(account)
                .map(|j| data.inventory.org.accounts[j].id.to_string())
                .collect();
            let confirmation =
                Confirmation::new(&self.confirm_with, a.id.as_str(), &a.name, same_name_as);
            self.modal = Some(Modal::ConfirmProduction {
                request: Box::new(request),
                confirmation: Box::new(confirmation),
                input: String::new(),
            });
            return Vec::new();
        }
        self.request_access(request)
    }

    pub(super) fn request_access(&mut self, request: AccessRequest) -> Vec<Effect> {
        self.last_request = Some(request.clone());
        let what = match request.purpose {
            Purpose::Shell => "getting into",
            Purpose::Console | Purpose::CopyLink => "signing in to the console of",
            Purpose::Export => "exporting a session of",
        };
        self.status.pending = Some(format!(
            "{what} {} as {}…",
            visible(&request.account_name),
            visible(&request.role.name)
        ));
        vec![Effect::Access(Box::new(request))]
    }

    /// `e` on an account: asks for the profile to write, offering the last one.
    pub(super) fn start_export(&mut self) {
        if let Some(account) = self.selected_account() {
            self.modal = Some(Modal::ExportName {
                account,
                input: self.export_as.clone(),
            });
        }
    }

    /// The profile is named: a name that may not be written is refused before any access.
    fn export_named(&mut self, account: usize, input: &str) -> Vec<Effect> {
        let name = input.trim().to_owned();
        if !name.is_empty()
            && let Err(e) = crate::app::access_keys::check_export_name(&name, false)
        {
            self.status.banner = Some(Banner::error(e.to_string()));
            return Vec::new();
        }
        self.export_as = name;
        self.start_access(account, Purpose::Export)
    }

    /// Keys in the profile-name prompt of `e`.
    pub(super) fn on_export_key(
        &mut self,
        account: usize,
        mut input: String,
        action: Option<Action>,
        typed: Option<char>,
        backspace: bool,
    ) -> Vec<Effect> {
        match action {
            Some(Action::Back | Action::Quit) => Vec::new(),
            Some(Action::Open) => self.export_named(account, &input),
            _ => {
                edit_line(&mut input, typed, backspace, 64, |_| true);
                self.modal = Some(Modal::ExportName { account, input });
                Vec::new()
            }
        }
    }

    /// An access ended (done or not): nothing is pending, and its MFA or SAML dialog closes.
    fn access_ended(&mut self) {
        self.status.pending = None;
        if matches!(
            self.modal,
            Some(Modal::MfaPrompt { .. } | Modal::SamlSignIn { .. })
        ) {
            self.modal = None;
        }
    }

    /// The session was written (or why not).
    pub(super) fn on_exported(&mut self, result: Result<String, AccessFailure>) -> Vec<Effect> {
        self.access_ended();
        match result {
            Ok(done) => {
                self.status.banner = Some(Banner::info(done));
                Vec::new()
            }
            Err(failure) => self.access_failed(&failure),
        }
    }

    /// `R` on an account: the region picker, on the region chosen before (or "default").
    pub(super) fn open_region_picker(&mut self) {
        let Some((account, data)) = self.selected_account().zip(self.data.as_ref()) else {
            return;
        };
        let id = data.inventory.org.accounts[account].id.to_string();
        let cursor = self
            .regions
            .get(&id)
            .and_then(|r| REGIONS.iter().position(|x| x == r))
            .map_or(0, |i| i + 1);
        self.modal = Some(Modal::RegionPicker { account, cursor });
    }

    pub(super) fn on_region_key(
        &mut self,
        account: usize,
        cursor: usize,
        action: Option<Action>,
    ) -> Vec<Effect> {
        let cursor = match action {
            Some(Action::Back | Action::Quit) => return Vec::new(),
            Some(Action::Open) => return self.region_chosen(account, cursor),
            Some(Action::Up) => cursor.saturating_sub(1),
            Some(Action::Down) => (cursor + 1).min(REGIONS.len()),
            _ => cursor,
        };
        self.modal = Some(Modal::RegionPicker { account, cursor });
        Vec::new()
    }

    fn region_chosen(&mut self, account: usize, cursor: usize) -> Vec<Effect> {
        let Some(data) = &self.data else {
            return Vec::new();
        };
        let a = &data.inventory.org.accounts[account];
        let id = a.id.to_string();
        let region = cursor
            .checked_sub(1)
            .and_then(|i| REGIONS.get(i))
            .map(|r| (*r).to_owned());
        self.status.banner = Some(Banner::info(match &region {
            Some(r) => format!("sessions in {} use {r}", visible(&a.name)),
            None => format!(
                "sessions in {} use the default region again",
                visible(&a.name)
            ),
        }));
        match &region {
            Some(r) => {
                self.regions.insert(id.clone(), r.clone());
            }
            None => {
                self.regions.remove(&id);
            }
        }
        vec![Effect::SaveRegion {
            account_id: id,
            region,
        }]
    }

    /// Keys in the MFA device picker: Enter answers with the device, Esc cancels.
    pub(super) fn on_device_key(
        &mut self,
        devices: Vec<String>,
        mut cursor: usize,
        action: Option<Action>,
    ) -> Vec<Effect> {
        match action {
            Some(Action::Back | Action::Quit) => {
                self.status.pending = None;
                vec![Effect::CancelMfa]
            }
            Some(Action::Open) => vec![Effect::ChooseMfaDevice(
                devices[cursor.min(devices.len().saturating_sub(1))].clone(),
            )],
            other => {
                match other {
                    Some(Action::Up) => cursor = cursor.saturating_sub(1),
                    Some(Action::Down) => {
                        cursor = (cursor + 1).min(devices.len().saturating_sub(1));
                    }
                    _ => {}
                }
                self.modal = Some(Modal::MfaDevicePicker { devices, cursor });
                Vec::new()
            }
        }
    }

    /// Keys in the role picker: Enter gets into the account as the role, Esc cancels.
    pub(super) fn on_role_picker_key(
        &mut self,
        account: usize,
        roles: Vec<RoleOption>,
        mut cursor: usize,
        action: Option<Action>,
    ) -> Vec<Effect> {
        match action {
            Some(Action::Back | Action::Quit) => Vec::new(),
            Some(Action::Open) => {
                let role = roles[cursor.min(roles.len() - 1)].clone();
                self.role_chosen(account, role)
            }
            _ => {
                if action == Some(Action::Up) {
                    cursor = cursor.saturating_sub(1);
                } else if action == Some(Action::Down) {
                    cursor = (cursor + 1).min(roles.len().saturating_sub(1));
                }
                self.modal = Some(Modal::RolePicker {
                    account,
                    roles,
                    cursor,
                });
                Vec::new()
            }
        }
    }

    /// Keys in the production confirmation: what is typed, then Enter once it confirms.
    pub(super) fn on_production_key(
        &mut self,
        request: Box<AccessRequest>,
        confirmation: Box<Confirmation>,
        mut input: String,
        action: Option<Action>,
        typed: Option<char>,
        backspace: bool,
    ) -> Vec<Effect> {
        match action {
            Some(Action::Back | Action::Quit) => Vec::new(),
            Some(Action::Open) if confirmation.is_confirmed_by(&input) => {
                self.request_access(*request)
            }
            _ => {
                edit_line(&mut input, typed, backspace, 128, |_| true);
                self.modal = Some(Modal::ConfirmProduction {
                    request,
                    confirmation,
                    input,
                });
                Vec::new()
            }
        }
    }

    /// Keys in the MFA prompt: six digits, then Enter; Esc cancels.
    pub(super) fn on_mfa_key(
        &mut self,
        serial: String,
        mut input: String,
        action: Option<Action>,
        typed: Option<char>,
        backspace: bool,
    ) -> Vec<Effect> {
        match action {
            Some(Action::Back | Action::Quit) => {
                self.status.pending = None;
                vec![Effect::CancelMfa]
            }
            Some(Action::Open) if input.len() == 6 => vec![Effect::SubmitMfa(input)],
            _ => {
                edit_line(&mut input, typed, backspace, 6, |c| c.is_ascii_digit());
                self.modal = Some(Modal::MfaPrompt { serial, input });
                Vec::new()
            }
        }
    }

    pub(super) fn on_console_ready(
        &mut self,
        account_name: &str,
        purpose: Purpose,
        result: Result<ConsoleOpening, AccessFailure>,
        note: Option<String>,
    ) -> Vec<Effect> {
        self.access_ended();
        let console = match result {
            Ok(console) => console,
            Err(failure) => return self.access_failed(&failure),
        };
        let note = note.map_or_else(String::new, |n| format!(" — {n}"));
        let account_name = visible(account_name);
        if purpose == Purpose::CopyLink {
            self.status.banner = Some(Banner::info(format!(
                "console sign-in link for {account_name} copied to the clipboard (valid 15 minutes){note}"
            )));
            vec![Effect::CopyToClipboard(console.url)]
        } else {
            self.status.banner = Some(Banner::info(format!(
                "opening the console for {account_name} in the browser{note}"
            )));
            vec![Effect::OpenBrowser(Box::new(console))]
        }
    }

    pub(super) fn on_mfa_needed(&mut self, serial: String) {
        self.modal = Some(Modal::MfaPrompt {
            serial,
            input: String::new(),
        });
    }

    pub(super) fn on_access_finished(
        &mut self,
        result: Result<Box<ShellLaunch>, AccessFailure>,
    ) -> Vec<Effect> {
        self.access_ended();
        match result {
            Ok(launch) => {
                self.last_roles
                    .insert(launch.account_id.clone(), launch.role.key());
                self.recent.retain(|a| *a != launch.account_id);
                self.recent.insert(0, launch.account_id.clone());
                vec![Effect::Shell(launch)]
            }
            Err(failure) => self.access_failed(&failure),
        }
    }

    /// Keys while signing in to Identity Center: Esc (or Ctrl-c) cancels; the rest waits.
    pub(super) fn on_sso_modal_key(&mut self, modal: Modal, action: Option<Action>) -> Vec<Effect> {
        if matches!(action, Some(Action::Back | Action::Quit)) {
            self.status.pending = None;
            self.pending_access = None;
            self.sso_roles.after_sign_in = None;
            let what = if matches!(modal, Modal::SsoSignIn { console: true, .. }) {
                "Console"
            } else {
                "Identity Center"
            };
            self.status.banner = Some(Banner::info(format!(
                "{what} sign-in cancelled: nothing was done"
            )));
            return vec![Effect::CancelSsoSignIn];
        }
        self.modal = Some(modal);
        Vec::new()
    }

    /// Where the Identity Center sign-in is, shown in its dialog.
    pub(super) fn on_sso_prompt(&mut self, url: String, code: Option<String>) {
        if let Some(Modal::SsoSignIn {
            url: shown,
            code: shown_code,
            ..
        }) = &mut self.modal
        {
            *shown = Some(url);
            *shown_code = code;
        }
    }

    /// A failed access: an Identity Center sign-in that is missing or expired starts awsnav's
    /// own sign-in (a dialog), then the same access again; anything else is a banner.
    pub(super) fn access_failed(&mut self, failure: &AccessFailure) -> Vec<Effect> {
        if let AccessFailure::Aws(
            AwsError::SsoLogin { profile, .. } | AwsError::ConsoleLogin { profile, .. },
        ) = failure
            && let Some(request) = self.last_request.take()
        {
            let console = matches!(failure, AccessFailure::Aws(AwsError::ConsoleLogin { .. }));
            self.pending_access = Some(request);
            self.modal = Some(Modal::SsoSignIn {
                profile: profile.clone(),
                console,
                url: None,
                code: None,
            });
            self.status.pending = Some(if console {
                format!("signing in to the console ({profile})…")
            } else {
                format!("signing in to IAM Identity Center ({profile})…")
            });
            return vec![Effect::SsoSignIn {
                profile: profile.clone(),
                console,
            }];
        }
        self.status.banner = Some(failure_banner(failure));
        Vec::new()
    }

    /// Keys while a SAML sign-in is open in the browser: Esc (or q) cancels it.
    pub(super) fn on_saml_modal_key(&mut self, idp: String, action: Option<Action>) -> Vec<Effect> {
        if matches!(action, Some(Action::Back | Action::Quit)) {
            self.status.pending = None;
            self.status.banner = Some(Banner::info(format!(
                "the SAML sign-in to `{idp}` was cancelled: nothing was done"
            )));
            return vec![Effect::CancelMfa];
        }
        self.modal = Some(Modal::SamlSignIn { idp });
        Vec::new()
    }

    /// The Identity Center sign-in ended: go on with the access it was for, or say why not.
    pub(super) fn on_sso_signed_in(
        &mut self,
        result: Result<Option<OffsetDateTime>, String>,
    ) -> Vec<Effect> {
        if matches!(self.modal, Some(Modal::SsoSignIn { .. })) {
            self.modal = None;
        }
        self.status.pending = None;
        match result {
            Ok(ends) => {
                // A console sign-in ends with no Identity Center time to show.
                if ends.is_some() {
                    self.sso_until = ends;
                }
                match self.pending_access.take() {
                    Some(request) => self.request_access(request),
                    // The first run signed in to read the organization: read it now.
                    None if self.data.is_none() => vec![Effect::Sync],
                    None => self.sso_roles_after_sign_in(),
                }
            }
            Err(why) => {
                self.pending_access = None;
                self.sso_roles.after_sign_in = None;
                self.status.banner = Some(Banner::error(why));
                Vec::new()
            }
        }
    }
}

/// What a failed access says: a cancelled MFA prompt is the user's choice, not an error.
fn failure_banner(failure: &AccessFailure) -> Banner {
    match failure {
        AccessFailure::Aws(AwsError::MfaCancelled) => {
            Banner::info("MFA prompt cancelled: nothing was done")
        }
        AccessFailure::Aws(e @ AwsError::SamlCancelled { .. }) => Banner::info(e.to_string()),
        other => Banner::error(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::KeyScope;

    use crate::tui::message::Msg;
    use crate::tui::state::test_support::{NOW, keys, state};

    fn access(effects: &[Effect]) -> Option<&AccessRequest> {
        effects.iter().find_map(|e| match e {
            Effect::Access(r) => Some(&**r),
            _ => None,
        })
    }

    #[test]
    fn one_role_goes_straight_to_access() {
        let mut s = state(&["Admin"]);
        let effects = keys(&mut s, "/sandbox-alice⏎⏎");
        let request = access(&effects).expect("access requested");
        assert_eq!(request.account_name, "sandbox-alice");
        assert_eq!(request.role.name, "Admin");
        assert!(!request.production);
        assert!(s.status.pending.is_some());
    }

    #[test]
    fn several_roles_open_the_picker_at_the_last_used() {
        let mut s = state(&["Admin", "ReadOnly", "Billing"]);
        keys(&mut s, "/sandbox-alice⏎");
        let id = s.selected_account().map(|i| {
            s.data.as_ref().unwrap().inventory.org.accounts[i]
                .id
                .to_string()
        });
        s.last_roles.insert(id.unwrap(), "ReadOnly".into());
        assert!(keys(&mut s, "⏎").is_empty());
        assert!(matches!(s.modal, Some(Modal::RolePicker { cursor: 1, .. })));
        assert_eq!(s.key_scope(), KeyScope::Picker);
        let effects = keys(&mut s, "j⏎");
        assert_eq!(access(&effects).unwrap().role.name, "Billing");
        assert!(s.modal.is_none());
    }

    #[test]
    fn production_needs_the_exact_name() {
        let mut s = state(&["Admin"]);
        assert!(keys(&mut s, "/payments-prod⏎⏎").is_empty());
        assert!(matches!(s.modal, Some(Modal::ConfirmProduction { .. })));
        assert!(keys(&mut s, "payments-pro⏎").is_empty(), "not yet the name");
        assert!(keys(&mut s, "x⌫").is_empty());
        let effects = keys(&mut s, "d⏎");
        let request = access(&effects).unwrap();
        assert!(request.production);
        // Esc cancels without asking for anything.
        let mut s = state(&["Admin"]);
        keys(&mut s, "/payments-prod⏎⏎");
        assert!(keys(&mut s, "⎋").is_empty());
        assert!(s.modal.is_none());
    }

    #[test]
    fn typing_a_name_does_not_confirm_its_look_alike() {
        let mut s = state(&["Admin"]);
        let mut inv = s.data.take().unwrap().inventory;
        let index = |inv: &crate::domain::inventory::Inventory, name: &str| {
            inv.org
                .accounts
                .iter()
                .position(|a| a.name == name)
                .unwrap()
        };
        let real = index(&inv, "payments-prod");
        let fake = index(&inv, "sandbox-alice");
        inv.org.accounts[fake].name = "payments-prod\u{200b}".into();
        let real_id = inv.org.accounts[real].id.to_string();
        let fake_id = inv.org.accounts[fake].id.to_string();
        let mut s = s.with_inventory(inv);
        for (id, other) in [(&fake_id, &real_id), (&real_id, &fake_id)] {
            assert!(keys(&mut s, &format!("⎋⎋/{id}⏎⏎")).is_empty());
            let Some(Modal::ConfirmProduction { confirmation, .. }) = &s.modal else {
                panic!("no confirmation for {id}: {:?}", s.modal);
            };
            assert_eq!(&confirmation.text, id);
            assert_eq!(confirmation.same_name_as, std::slice::from_ref(other));
            // The name as it looks, and the name as it is, confirm nothing.
            assert!(keys(&mut s, "payments-prod⏎").is_empty());
            assert!(matches!(s.modal, Some(Modal::ConfirmProduction { .. })));
            let typed = "⌫".repeat(20);
            assert!(keys(&mut s, &format!("{typed}payments-prod\u{200b}⏎")).is_empty());
            let effects = keys(&mut s, &format!("{typed}{id}⏎"));
            assert_eq!(&access(&effects).unwrap().account_id, id);
        }
        // Two plain names that fold equal: neither is confirmed by a name.
        let mut inv = s.data.take().unwrap().inventory;
        inv.org.accounts[fake].name = "Payments-Prod".into();
        let mut s = s.with_inventory(inv);
        for id in [&fake_id, &real_id] {
            keys(&mut s, &format!("⎋⎋/{id}⏎⏎"));
            for name in ["payments-prod", "Payments-Prod"] {
                assert!(keys(&mut s, &format!("{}{name}⏎", "⌫".repeat(20))).is_empty());
            }
            let effects = keys(&mut s, &format!("{}{id}⏎", "⌫".repeat(20)));
            assert_eq!(&access(&effects).unwrap().account_id, id);
        }
        // Without a look-alike the name is typed, as always.
        let mut inv = s.data.take().unwrap().inventory;
        inv.org.accounts[fake].name = "sandbox-alice".into();
        let mut s = s.with_inventory(inv);
        keys(&mut s, &format!("⎋⎋/{real_id}⏎⏎"));
        assert!(keys(&mut s, &real_id).is_empty());
        assert!(keys(&mut s, "⏎").is_empty(), "the id is not the name");
        let effects = keys(&mut s, &format!("{}payments-prod⏎", "⌫".repeat(20)));
        assert_eq!(access(&effects).unwrap().account_id, real_id);
    }

    #[test]
    fn what_hides_in_a_name_shows_in_the_status_and_banners() {
        let s = state(&["Admin"]);
        let mut inv = s.data.as_ref().unwrap().inventory.clone();
        let a = inv
            .org
            .accounts
            .iter_mut()
            .find(|a| a.name == "sandbox-alice")
            .unwrap();
        a.name = "sandbox-alice\u{200b} ".into();
        let id = a.id.to_string();
        let mut s = s.with_inventory(inv);
        access(&keys(&mut s, &format!("/{id}⏎⏎"))).unwrap();
        let pending = s.status.pending.clone().unwrap();
        assert!(
            pending.contains(r"getting into sandbox-alice\u{200b}\x20 as Admin"),
            "{pending}"
        );
        let _ = s.update(Msg::ShellExited {
            account_name: "sandbox-alice\u{200b} ".into(),
            result: Ok(0),
        });
        let banner = &s.status.banner.as_ref().unwrap().text;
        assert!(
            banner.contains(r"back from sandbox-alice\u{200b}\x20 (shell exited with 0)"),
            "{banner}"
        );
    }

    #[test]
    fn mfa_prompt_takes_six_digits_only() {
        let mut s = state(&["Admin"]);
        keys(&mut s, "/sandbox-alice⏎⏎");
        let _ = s.update(Msg::MfaNeeded {
            serial: "arn:aws:iam::1:mfa/me".into(),
        });
        assert_eq!(s.key_scope(), KeyScope::Prompt);
        assert!(
            keys(&mut s, "12x34⏎").is_empty(),
            "four digits cannot be submitted"
        );
        let effects = keys(&mut s, "5678⏎");
        assert_eq!(effects, vec![Effect::SubmitMfa("123456".into())]);
        let _ = s.update(Msg::MfaNeeded {
            serial: "arn:aws:iam::1:mfa/me".into(),
        });
        assert_eq!(keys(&mut s, "⎋"), vec![Effect::CancelMfa]);
        assert!(s.status.pending.is_none());
    }

    #[test]
    fn finished_access_starts_a_shell_or_shows_why_not() {
        let mut s = state(&["Admin"]);
        keys(&mut s, "/sandbox-alice⏎⏎");
        let launch = ShellLaunch {
            account_id: "103059512017".into(),
            account_name: "sandbox-alice".into(),
            role: RoleOption::named("Admin"),
            production: false,
            region: "eu-west-1".into(),
            granted: crate::app::access::Granted {
                credentials: crate::domain::credentials::Credentials {
                    access_key_id: "ASIA".into(),
                    secret_access_key: "s".into(),
                    session_token: None,
                    expiration: None,
                },
                role_arn: "arn:aws:iam::103059512017:role/Admin".into(),
                via: crate::domain::credentials::Via::Direct,
                from_cache: false,
                api_calls: 1,
            },
        };
        let effects = s.update(Msg::AccessFinished(Ok(Box::new(launch.clone()))));
        assert_eq!(effects, vec![Effect::Shell(Box::new(launch))]);
        assert_eq!(
            s.last_roles.get("103059512017").map(String::as_str),
            Some("Admin")
        );
        assert!(s.status.pending.is_none());
        let effects = s.update(Msg::AccessFinished(Err(AwsError::WrongMfaCode {
            message: "MultiFactorAuthentication failed with invalid MFA one time pass code".into(),
        }
        .into())));
        assert!(effects.is_empty());
        assert!(s.status.banner.as_ref().unwrap().text.contains("MFA code"));
        // The TUI stays usable: the same account can be retried.
        assert!(access(&keys(&mut s, "⏎")).is_some());
    }

    #[test]
    fn an_expired_identity_center_sign_in_opens_the_sign_in_and_then_gets_in() {
        let mut s = state(&["Admin"]);
        keys(&mut s, "/sandbox-alice⏎");
        let request = access(&keys(&mut s, "s")).unwrap().clone();
        let effects = s.update(Msg::AccessFinished(Err(AccessFailure::Aws(
            AwsError::SsoLogin {
                profile: "corp".into(),
                why: "has expired".into(),
            },
        ))));
        assert_eq!(
            effects,
            vec![Effect::SsoSignIn {
                profile: "corp".into(),
                console: false,
            }]
        );
        let _ = s.update(Msg::SsoPrompt {
            url: "https://device.example/?user_code=ABCD".into(),
            code: Some("ABCD".into()),
        });
        assert!(matches!(&s.modal, Some(Modal::SsoSignIn { code: Some(c), .. }) if c == "ABCD"));
        // Signed in: the same access again.
        let effects = s.update(Msg::SsoSignedIn(Ok(Some(NOW + time::Duration::hours(8)))));
        assert_eq!(access(&effects), Some(&request));
        assert!(s.modal.is_none());
        assert_eq!(s.sso_until, Some(NOW + time::Duration::hours(8)));

        // Esc cancels a sign-in; a failed one says why.
        let _ = s.update(Msg::AccessFinished(Err(AccessFailure::Aws(
            AwsError::SsoLogin {
                profile: "corp".into(),
                why: "has expired".into(),
            },
        ))));
        assert_eq!(keys(&mut s, "⎋"), vec![Effect::CancelSsoSignIn]);
        assert!(s.modal.is_none());
        let _ = s.update(Msg::SsoSignedIn(Err("was refused in the browser".into())));
        assert!(s.status.banner.as_ref().unwrap().text.contains("refused"));
    }

    #[test]
    fn e_asks_for_a_profile_then_exports_the_session_there() {
        let mut s = state(&["Admin"]);
        keys(&mut s, "/sandbox-alice⏎");
        assert!(keys(&mut s, "e").is_empty());
        assert!(matches!(&s.modal, Some(Modal::ExportName { input, .. }) if input.is_empty()));
        // A name that may not be written is refused before anything is asked of AWS.
        assert!(keys(&mut s, "default⏎").is_empty());
        assert!(s.modal.is_none());
        let banner = &s.status.banner.as_ref().unwrap().text;
        assert!(banner.contains("--force"), "{banner}");
        keys(&mut s, "e");
        let effects = keys(&mut s, "cdk⌫⌫dk-dev⏎");
        let request = access(&effects).unwrap();
        assert_eq!(request.purpose, Purpose::Export);
        assert_eq!(request.export_as.as_deref(), Some("cdk-dev"));
        assert!(
            s.status
                .pending
                .as_ref()
                .unwrap()
                .contains("exporting a session of")
        );
        let done = "profile cdk-dev in /home/u/.aws/credentials holds sandbox-alice as Admin";
        let _ = s.update(Msg::Exported(Ok(done.to_owned())));
        assert_eq!(s.status.banner.as_ref().unwrap().text, done);
        assert!(s.status.pending.is_none());
        // The next `e` offers the same name; Esc cancels.
        keys(&mut s, "e");
        assert!(matches!(&s.modal, Some(Modal::ExportName { input, .. }) if input == "cdk-dev"));
        assert!(keys(&mut s, "⎋").is_empty());
        assert!(s.modal.is_none());
        let _ = s.update(Msg::Exported(Err(AccessFailure::Export(
            "cannot write /x: read-only".into(),
        ))));
        assert!(s.status.banner.as_ref().unwrap().text.contains("read-only"));
    }

    #[test]
    fn c_opens_the_console_and_y_copies_a_link() {
        let mut s = state(&["Admin"]);
        keys(&mut s, "/sandbox-alice⏎");
        let effects = keys(&mut s, "c");
        assert_eq!(access(&effects).unwrap().purpose, Purpose::Console);
        let console = ConsoleOpening {
            url: crate::app::console_link::SigninUrl(
                "https://example.test/federation?SigninToken=T".into(),
            ),
            opening: crate::app::console_link::Opening {
                isolation: crate::config::Isolation::FirefoxContainer,
                container: "sandbox-alice/Admin".into(),
                look: crate::domain::console_look::Look {
                    color: crate::domain::console_look::ContainerColor::Green,
                    icon: crate::domain::console_look::ContainerIcon::Tree,
                },
                profile_dir: "/nowhere".into(),
                partition: crate::domain::partition::Partition::Aws,
                logout_first: false,
            },
        };
        let effects = s.update(Msg::ConsoleReady {
            account_name: "sandbox-alice".into(),
            purpose: Purpose::Console,
            result: Ok(console.clone()),
            note: None,
        });
        assert_eq!(effects, vec![Effect::OpenBrowser(Box::new(console))]);
        let effects = keys(&mut s, "y");
        assert_eq!(access(&effects).unwrap().purpose, Purpose::CopyLink);
        let effects = s.update(Msg::ConsoleReady {
            account_name: "sandbox-alice".into(),
            purpose: Purpose::CopyLink,
            result: Err(crate::aws::federation::ConsoleError::ServerError {
                endpoint: "https://signin.aws.amazon.com/federation".into(),
                status: 500,
            }
            .into()),
            note: None,
        });
        assert!(effects.is_empty());
        assert!(s.status.banner.as_ref().unwrap().text.contains("HTTP 500"));
        // Enter still means a shell afterwards.
        assert_eq!(access(&keys(&mut s, "⏎")).unwrap().purpose, Purpose::Shell);
    }

    #[test]
    fn suspended_accounts_are_not_entered() {
        let mut s = state(&["Admin"]);
        assert!(keys(&mut s, "/hackathon-2019⏎⏎").is_empty());
        assert!(s.status.banner.as_ref().unwrap().text.contains("SUSPENDED"));
    }

    #[test]
    fn nested_and_roleless_accounts_explain_themselves() {
        let mut s = state(&[]);
        assert!(keys(&mut s, "/sandbox-alice⏎⏎").is_empty());
        assert!(
            s.status
                .banner
                .as_ref()
                .unwrap()
                .text
                .contains("no role is offered")
        );
        let mut s = state(&["Admin"]);
        s.nested_in = Some("outer".into());
        assert!(keys(&mut s, "/sandbox-alice⏎⏎").is_empty());
        assert!(
            s.status
                .banner
                .as_ref()
                .unwrap()
                .text
                .contains("inside an awsnav shell for outer")
        );
    }

    #[test]
    fn several_mfa_devices_are_picked_from_once() {
        let mut s = state(&["Admin"]);
        let devices = vec!["arn:aws:iam::1:mfa/phone".to_owned(), "GAHT1".to_owned()];
        let _ = s.update(Msg::MfaDeviceNeeded {
            devices: devices.clone(),
        });
        assert!(matches!(s.modal, Some(Modal::MfaDevicePicker { .. })));
        assert_eq!(s.key_scope(), KeyScope::Picker);
        let _ = keys(&mut s, "j");
        let effects = keys(&mut s, "⏎");
        assert_eq!(effects, vec![Effect::ChooseMfaDevice("GAHT1".into())]);
        assert!(s.modal.is_none());
        let _ = s.update(Msg::MfaDeviceNeeded { devices });
        assert_eq!(keys(&mut s, "⎋"), vec![Effect::CancelMfa]);
        assert!(s.modal.is_none());
    }
}
