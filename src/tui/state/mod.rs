//! The TUI's state and the only function that changes it: `update(msg) -> effects`.

pub mod access;
pub mod cost;
pub mod data;
pub mod dialogs;
pub mod fanout;
pub mod guardrails;
pub mod identities;
pub mod search;
pub mod sso_roles;
pub mod status;
#[cfg(test)]
mod test_support;
pub mod tree;

pub use data::{Data, Rules};
pub use search::SearchState;
pub use status::Status;
use tree::row_key;
pub use tree::{Cursor, Row};

use std::collections::{BTreeMap, HashSet};

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use time::OffsetDateTime;

use super::action::Action;
use super::keymap::{self, KeyScope};
use super::message::{AccessRequest, Banner, CostStatus, Effect, Level, Msg, Purpose};
use crate::aws::AwsError;
use crate::aws::org::SyncProgress;
use crate::domain::inventory::Inventory;
use crate::domain::untrusted::visible;
use cost::SortKey;
use dialogs::Modal;

#[derive(Debug)]
pub struct State {
    pub data: Option<Data>,
    pub expanded: HashSet<String>,
    pub rows: Vec<Row>,
    pub tree_cursor: Cursor,
    pub search: Option<SearchState>,
    pub help: bool,
    pub status: Status,
    pub now: OffsetDateTime,
    pub size: (u16, u16),
    /// Tag keys whose values show on account rows.
    pub key_tags: Vec<String>,
    pub quit: bool,
    pub rules: Rules,
    pub modal: Option<Modal>,
    /// Account id → the role last used there (preselected in the picker).
    pub last_roles: BTreeMap<String, String>,
    pub sessions: super::message::Sessions,
    /// Set when awsnav itself runs inside an awsnav shell (that account's name).
    pub nested_in: Option<String>,
    /// `[production] confirm_with`.
    pub confirm_with: String,
    /// What the access being set up (picker, confirmation) is for.
    pub purpose: Purpose,
    /// The profile `e` last wrote (empty: `ACCOUNT-ROLE`).
    pub export_as: String,
    pub cost: CostStatus,
    pub sort: SortKey,
    /// `[cost] months` of history shown.
    pub cost_months: u8,
    /// The key table (`[keys]` patches over the defaults).
    pub keymap: keymap::Keymap,
    /// Account ids marked as favourites.
    pub favourites: std::collections::BTreeSet<String>,
    /// Account ids got into, most recent first.
    pub recent: Vec<String>,
    /// Account id → the region chosen for sessions there.
    pub regions: BTreeMap<String, String>,
    /// Earlier search queries, oldest first (↑ in an empty search box).
    pub search_history: Vec<String>,
    /// Account ids marked with `space` (what `x` runs in).
    pub marked: std::collections::BTreeSet<String>,
    /// The last Esc said the next one clears the marks.
    pub esc_clears: bool,
    /// The last fan-out (one command in many accounts), and its results view.
    pub fanout: Option<fanout::FanOut>,
    /// When the IAM Identity Center sign-in ends.
    pub sso_until: Option<OffsetDateTime>,
    /// The console session of the base profile, where it has one.
    pub console_session: Option<crate::app::console_sign_in::ConsoleStatus>,
    /// The last access asked for (tried again after an Identity Center sign-in).
    pub last_request: Option<AccessRequest>,
    /// The access waiting for the Identity Center sign-in.
    pub pending_access: Option<AccessRequest>,
    /// Identity Center's roles per account: known, being read, failed.
    pub sso_roles: sso_roles::SsoRoles,
    /// Reading the organization's policies.
    pub guardrails: guardrails::GuardrailsState,
    /// The profiles of `~/.aws/config` (with whether each signs in to Identity Center), for
    /// the first run's choice.
    pub profiles: Vec<(String, bool)>,
    /// Every sign-in and its time left, as last read (`i`).
    pub identities: Vec<crate::app::identities::Identity>,
    /// The sign-ins already warned of as ending soon, with the end warned of.
    pub warned: Vec<(String, OffsetDateTime)>,
}

impl State {
    #[must_use]
    pub fn new(
        inventory: Option<Inventory>,
        source: &str,
        key_tags: Vec<String>,
        now: OffsetDateTime,
        size: (u16, u16),
    ) -> Self {
        let mut state = Self {
            data: None,
            expanded: HashSet::new(),
            rows: Vec::new(),
            tree_cursor: Cursor::default(),
            search: None,
            help: false,
            status: Status {
                source: source.to_owned(),
                ..Status::default()
            },
            now,
            size,
            key_tags,
            quit: false,
            rules: Rules::default(),
            keymap: keymap::Keymap::default(),
            favourites: std::collections::BTreeSet::new(),
            recent: Vec::new(),
            regions: BTreeMap::new(),
            search_history: Vec::new(),
            marked: std::collections::BTreeSet::new(),
            esc_clears: false,
            fanout: None,
            sso_until: None,
            console_session: None,
            profiles: Vec::new(),
            identities: Vec::new(),
            warned: Vec::new(),
            last_request: None,
            pending_access: None,
            sso_roles: sso_roles::SsoRoles::default(),
            guardrails: guardrails::GuardrailsState::default(),
            modal: None,
            last_roles: BTreeMap::new(),
            sessions: super::message::Sessions::default(),
            nested_in: None,
            confirm_with: "name".to_owned(),
            purpose: Purpose::Shell,
            export_as: String::new(),
            cost: CostStatus::Off,
            sort: SortKey::Name,
            cost_months: 6,
        };
        if let Some(inv) = inventory {
            state.set_inventory(inv);
        }
        state
    }

    /// Shows `inventory` (see [`State::set_inventory`]).
    #[must_use]
    pub fn with_inventory(mut self, inventory: Inventory) -> Self {
        self.set_inventory(inventory);
        self
    }

    /// Replaces the key table.
    #[must_use]
    pub fn with_keymap(mut self, keymap: keymap::Keymap) -> Self {
        self.keymap = keymap;
        self
    }

    /// Replaces the role and production rules (recomputing what they derive).
    #[must_use]
    pub fn with_rules(mut self, rules: Rules) -> Self {
        self.rules = rules;
        if let Some(data) = self.data.take() {
            self.data = Some(Data::new(data.inventory, &self.rules));
        }
        self
    }

    /// Which key table applies now.
    #[must_use]
    pub fn key_scope(&self) -> KeyScope {
        if let Some(modal) = &self.modal {
            return match modal {
                Modal::RolePicker { .. }
                | Modal::Policies { .. }
                | Modal::PolicyDocument { .. }
                | Modal::RegionPicker { .. }
                | Modal::MfaDevicePicker { .. }
                | Modal::FanOutRolePicker { .. }
                | Modal::Identities { .. }
                | Modal::Welcome { .. } => KeyScope::Picker,
                _ => KeyScope::Prompt,
            };
        }
        if self.help {
            KeyScope::Help
        } else if self.search.as_ref().is_some_and(|s| s.editing) {
            KeyScope::SearchInput
        } else {
            KeyScope::Browse
        }
    }

    /// How many list rows fit on screen (from the same layout `draw` uses).
    #[must_use]
    pub fn page(&self) -> usize {
        let banner = self.status.banner.as_ref().map(|b| b.text.as_str());
        usize::from(super::layout::list_height(
            self.size,
            banner,
            self.search.is_some(),
        ))
    }

    /// The account the detail pane describes, if an account is selected.
    #[must_use]
    pub fn selected_account(&self) -> Option<usize> {
        if let Some(search) = &self.search {
            return search.hits.get(search.cursor.selected).map(|h| h.account);
        }
        match self.rows.get(self.tree_cursor.selected)? {
            Row::Account { account, .. } => Some(*account),
            _ => None,
        }
    }

    /// The organization whose node is selected, with several organizations.
    #[must_use]
    pub fn selected_org_node(&self) -> Option<String> {
        let Some(Row::Ou { ou, .. }) = self.selected_row() else {
            return None;
        };
        let data = self.data.as_ref()?;
        let id = &data.inventory.org.org_units.get(ou)?.id;
        crate::domain::orgs::node_org(&data.inventory, id).map(|s| s.name.clone())
    }

    /// The selected tree row (`None` while a search is shown).
    #[must_use]
    pub fn selected_row(&self) -> Option<Row> {
        if self.search.is_some() {
            return None;
        }
        self.rows.get(self.tree_cursor.selected).copied()
    }

    /// Applies `msg` (the only way state changes) and returns what should happen because of it.
    #[must_use = "the effects update asks for must be run"]
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let mut effects = self.apply(msg);
        // Whatever moved the selection (or the clock): the roles it shows, read if needed.
        effects.extend(self.wanted_sso_roles());
        effects.extend(self.wanted_guardrails());
        effects
    }

    /// One of several organizations was read while others still are: shown at once.
    fn on_org_synced(&mut self, inv: Inventory) -> Vec<Effect> {
        self.set_inventory(inv);
        Vec::new()
    }

    /// A sync ended: its inventory replaces the shown one (and clears a warning), or its
    /// error is a banner over the data kept.
    fn on_sync_finished(&mut self, result: Result<Box<Inventory>, AwsError>) -> Vec<Effect> {
        self.status.syncing = None;
        match result {
            Ok(inv) => {
                if self
                    .status
                    .banner
                    .as_ref()
                    .is_some_and(|b| b.level != Level::Info)
                {
                    self.status.banner = None;
                }
                self.set_inventory(*inv);
            }
            Err(e) => {
                // Nothing to show and no identity that works: the way in is the first thing.
                if self.data.is_none()
                    && self.modal.is_none()
                    && matches!(
                        e,
                        AwsError::NoCredentials { .. } | AwsError::ProfileNotFound { .. }
                    )
                {
                    self.modal = Some(Modal::Welcome { cursor: 0 });
                }
                self.status.banner = Some(Banner::error(e.to_string()));
            }
        }
        Vec::new()
    }

    fn apply(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(key) => self.on_key(&key),
            Msg::Action(action) => self.on_action(action),
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.rescroll();
                Vec::new()
            }
            Msg::Tick(now) => self.on_tick(now),
            Msg::Identities(all) => self.on_identities(all),
            Msg::SyncProgress(p) => {
                self.status.syncing = Some(p);
                Vec::new()
            }
            Msg::SyncFinished(result) => self.on_sync_finished(result),
            Msg::OrgSynced(inv) => self.on_org_synced(*inv),
            Msg::KeyAdded(result) => self.on_key_added(result),
            Msg::Banner(b) => {
                self.status.notify(b);
                Vec::new()
            }
            Msg::MfaNeeded { serial } => {
                self.on_mfa_needed(serial);
                Vec::new()
            }
            Msg::MfaDeviceNeeded { devices } => {
                self.modal = Some(Modal::MfaDevicePicker { devices, cursor: 0 });
                Vec::new()
            }
            Msg::AccessFinished(result) => self.on_access_finished(result),
            Msg::ShellExited {
                account_name,
                result,
            } => {
                let account = visible(&account_name);
                self.status.banner = Some(match result {
                    Ok(code) => {
                        Banner::info(format!("back from {account} (shell exited with {code})"))
                    }
                    Err(e) => Banner::error(format!("the shell for {account} failed: {e}")),
                });
                Vec::new()
            }
            Msg::ConsoleReady {
                account_name,
                purpose,
                result,
                note,
            } => self.on_console_ready(&account_name, purpose, result, note),
            Msg::Sessions(s) => {
                self.sessions = s;
                Vec::new()
            }
            Msg::Exported(result) => self.on_exported(result),
            Msg::Cost(status) => self.on_cost(status),
            Msg::Terminate => {
                self.quit = true;
                vec![Effect::Quit]
            }
            Msg::FanOut(event) => {
                if matches!(
                    self.modal,
                    Some(Modal::MfaPrompt { .. } | Modal::SamlSignIn { .. })
                ) {
                    self.modal = None;
                }
                self.on_fanout_event(event);
                Vec::new()
            }
            Msg::SsoSignIn(ends) => {
                self.sso_until = ends;
                Vec::new()
            }
            Msg::SamlSignIn { idp } => {
                self.modal = Some(Modal::SamlSignIn { idp });
                Vec::new()
            }
            Msg::ConsoleSession(session) => {
                self.console_session = session;
                Vec::new()
            }
            Msg::SsoPrompt { url, code } => {
                self.on_sso_prompt(url, code);
                Vec::new()
            }
            Msg::SsoSignedIn(result) => self.on_sso_signed_in(result),
            Msg::SsoRoles { account_id, result } => self.on_sso_roles(account_id, result),
            Msg::Guardrails { found, unread } => self.on_guardrails(found, unread),
            Msg::PolicyDocument { id, result } => self.on_policy_document(id, result),
            Msg::FanOutFailed(why) => {
                if matches!(
                    self.modal,
                    Some(Modal::MfaPrompt { .. } | Modal::SamlSignIn { .. })
                ) {
                    self.modal = None;
                }
                self.on_fanout_failed(why);
                Vec::new()
            }
        }
    }

    fn on_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        if let Some(effects) = self.on_modal_key(key) {
            return effects;
        }
        let context = self.key_scope();
        if let Some(action) = self.keymap.lookup(context, key) {
            return self.on_action(action);
        }
        if context == KeyScope::SearchInput {
            let plain = !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
            match key.code {
                KeyCode::Char(c) if plain => self.edit_query(|q| q.push(c)),
                KeyCode::Backspace => self.edit_query(|q| {
                    q.pop();
                }),
                _ => {}
            }
        }
        Vec::new()
    }

    fn on_action(&mut self, action: Action) -> Vec<Effect> {
        if self.help {
            if matches!(action, Action::Back | Action::Help | Action::Quit) {
                self.help = false;
            }
            return Vec::new();
        }
        if action != Action::Back {
            self.esc_clears = false;
        }
        if let Some(effects) = self.on_fanout_action(action) {
            return effects;
        }
        match action {
            // `d` signs out only in the sign-ins view.
            Action::SignOut => {}
            Action::Mark => self.toggle_mark(),
            Action::Run => return self.start_fanout(),
            Action::Results => match &mut self.fanout {
                Some(run) => run.shown = true,
                None => {
                    self.status.banner = Some(Banner::info(
                        "no run yet: mark accounts with space, then x runs a command in them",
                    ));
                }
            },
            Action::Quit => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            Action::Help => self.help = true,
            Action::Refresh => {
                if self.status.syncing.is_none() {
                    self.status.syncing = Some(SyncProgress::default());
                    // On an organization's node (with several), that organization alone.
                    if let Some(name) = self.selected_org_node() {
                        return vec![Effect::SyncOrg(name)];
                    }
                    let mut effects = vec![Effect::Sync];
                    // Costs too, but from their cache while it is fresh (requests are paid).
                    if !matches!(self.cost, CostStatus::Off | CostStatus::Loading) {
                        effects.push(Effect::ReadCost { force: false });
                    }
                    return effects;
                }
            }
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => {
                if !self.recall_query(action) {
                    self.move_cursor(action);
                }
            }
            Action::Search => self.start_search(),
            Action::Region => self.open_region_picker(),
            Action::Policies => return self.open_policies(),
            Action::Identities => return self.open_identities(),
            Action::Export => self.start_export(),
            Action::Recent => {
                let hits = self.quick_hits();
                self.search = Some(SearchState {
                    quick: true,
                    hits,
                    ..SearchState::default()
                });
            }
            Action::Favourite => return self.toggle_favourite(),
            Action::Back => self.back(),
            Action::SortCost => self.cycle_sort(),
            Action::RefreshCost => return self.refresh_cost(),
            Action::Shell | Action::Console | Action::CopyLink => {
                if let Some(account) = self.selected_account() {
                    let purpose = match action {
                        Action::Console => Purpose::Console,
                        Action::CopyLink => Purpose::CopyLink,
                        _ => Purpose::Shell,
                    };
                    return self.start_access(account, purpose);
                }
            }
            Action::Open if self.search.as_ref().is_none_or(|s| !s.editing) => {
                if let Some(account) = self.selected_account() {
                    return self.start_access(account, Purpose::Shell);
                }
                self.tree_action(action);
            }
            Action::Open | Action::Expand | Action::Collapse => self.tree_action(action),
        }
        Vec::new()
    }

    /// `f`: marks or unmarks the selected account as a favourite.
    fn toggle_favourite(&mut self) -> Vec<Effect> {
        if let Some((i, data)) = self.selected_account().zip(self.data.as_ref()) {
            let a = &data.inventory.org.accounts[i];
            let id = a.id.to_string();
            let on = !self.favourites.contains(&id);
            self.status.banner = Some(Banner::info(if on {
                format!(
                    "★ {} is a favourite (' lists favourites and recent accounts)",
                    visible(&a.name)
                )
            } else {
                format!("{} is no longer a favourite", visible(&a.name))
            }));
            if on {
                self.favourites.insert(id.clone());
            } else {
                self.favourites.remove(&id);
            }
            return vec![Effect::SaveFavourite { account_id: id, on }];
        }
        Vec::new()
    }

    fn back(&mut self) {
        // First, a role picker waiting for Identity Center's roles is given up.
        if self.sso_roles.waiting.take().is_some() | self.sso_roles.fanout_waiting.take().is_some()
        {
            self.status.pending = None;
            return;
        }
        self.remember_query();
        if self.search.take().is_none() && !self.esc_on_marks() {
            self.status.banner = None;
        }
    }

    /// Replaces the data, keeping expanded OUs, the selection and an active search.
    pub fn set_inventory(&mut self, inventory: Inventory) {
        let selected = self
            .data
            .as_ref()
            .zip(self.rows.get(self.tree_cursor.selected))
            .map(|(d, r)| row_key(d, *r));
        if self.data.is_none() {
            self.expanded.insert(inventory.org.root_id.clone());
            if inventory.org_error.is_some() {
                // Identity Center's accounts alone: show them at once.
                self.expanded
                    .insert(crate::app::sync::IDENTITY_CENTER_OU.to_owned());
            }
        }
        let mut inventory = inventory;
        crate::app::sso_roles::apply(&self.sso_roles.known, &mut inventory);
        // A new inventory: roles and policies that failed before are worth asking for again.
        self.sso_roles.failed.clear();
        self.guardrails.failed = None;
        let mut data = Data::new(inventory, &self.rules);
        if let CostStatus::Known(snapshot) = &self.cost {
            data.costs = Some(data::CostFigures::new(
                &data,
                snapshot,
                usize::from(self.cost_months),
                self.now,
            ));
        }
        self.data = Some(data);
        self.rebuild_rows();
        if let (Some(key), Some(data)) = (selected, &self.data)
            && let Some(pos) = self.rows.iter().position(|r| row_key(data, *r) == key)
        {
            self.tree_cursor.selected = pos;
        }
        if self.search.as_ref().is_some_and(|s| s.quick) {
            let hits = self.quick_hits();
            if let Some(search) = &mut self.search {
                search.hits = hits;
            }
        } else if let (Some(search), Some(data)) = (&mut self.search, &self.data) {
            search.hits = data.index().query(&search.query);
        }
        self.rescroll();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::demo;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

    fn state() -> State {
        State::new(
            Some(demo::inventory(NOW)),
            "demo",
            vec!["env".into()],
            NOW,
            (120, 40),
        )
    }

    fn press(s: &mut State, code: KeyCode) -> Vec<Effect> {
        s.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    fn type_str(s: &mut State, text: &str) {
        for c in text.chars() {
            press(s, KeyCode::Char(c));
        }
    }

    fn account_name(s: &State) -> Option<String> {
        let data = s.data.as_ref()?;
        s.selected_account()
            .map(|a| data.inventory.org.accounts[a].name.clone())
    }

    #[test]
    fn starts_with_root_expanded_and_top_level_ous() {
        let s = state();
        assert_eq!(s.rows[0], Row::Root);
        let data = s.data.as_ref().unwrap();
        let top = data.tree.child_ous(&data.inventory.org.root_id).len()
            + data.tree.child_accounts(&data.inventory.org.root_id).len();
        assert_eq!(s.rows.len(), 1 + top);
    }

    #[test]
    fn expand_and_collapse_with_vim_keys() {
        let mut s = state();
        let before = s.rows.len();
        press(&mut s, KeyCode::Char('j'));
        press(&mut s, KeyCode::Char('l'));
        assert!(s.rows.len() > before);
        press(&mut s, KeyCode::Char('l'));
        assert_eq!(s.tree_cursor.selected, 2, "second l moves into the OU");
        press(&mut s, KeyCode::Char('h'));
        assert_eq!(s.tree_cursor.selected, 1, "h on a child goes to its parent");
        press(&mut s, KeyCode::Char('h'));
        assert_eq!(s.rows.len(), before, "h on an expanded OU collapses it");
        press(&mut s, KeyCode::Enter);
        assert!(s.rows.len() > before, "Enter toggles");
        press(&mut s, KeyCode::Enter);
        assert_eq!(s.rows.len(), before);
    }

    #[test]
    fn g_and_shift_g_jump() {
        let mut s = state();
        press(&mut s, KeyCode::Char('G'));
        assert_eq!(s.tree_cursor.selected, s.rows.len() - 1);
        press(&mut s, KeyCode::Char('g'));
        assert_eq!(s.tree_cursor.selected, 0);
        press(&mut s, KeyCode::Up);
        assert_eq!(s.tree_cursor.selected, 0);
    }

    #[test]
    fn search_filters_as_you_type_and_reveals_in_tree() {
        let mut s = state();
        press(&mut s, KeyCode::Char('/'));
        assert_eq!(s.key_scope(), KeyScope::SearchInput);
        type_str(&mut s, "shipprod");
        assert_eq!(account_name(&s).as_deref(), Some("shipping-prod"));
        press(&mut s, KeyCode::Backspace);
        assert_eq!(s.search.as_ref().unwrap().query, "shippro");
        press(&mut s, KeyCode::Char('d'));
        press(&mut s, KeyCode::Enter);
        assert_eq!(s.key_scope(), KeyScope::Browse);
        assert!(s.search.is_some(), "Enter while typing keeps the results");
        press(&mut s, KeyCode::Char('l'));
        assert!(s.search.is_none());
        assert_eq!(account_name(&s).as_deref(), Some("shipping-prod"));
        let page = s.page();
        let c = s.tree_cursor;
        assert!(c.selected >= c.offset && c.selected < c.offset + page);
    }

    #[test]
    fn q_is_typed_into_the_query_not_quit() {
        let mut s = state();
        press(&mut s, KeyCode::Char('/'));
        let effects = press(&mut s, KeyCode::Char('q'));
        assert!(effects.is_empty());
        assert!(!s.quit);
        assert_eq!(s.search.as_ref().unwrap().query, "q");
    }

    #[test]
    fn news_from_the_background_does_not_hide_an_error() {
        let mut s = state();
        let _ = s.update(Msg::SyncFinished(Err(AwsError::NoCredentials {
            profile: None,
            detail: "no credentials".into(),
            config: "c.toml".into(),
        })));
        let _ = s.update(Msg::Banner(Banner::info("costs read")));
        let _ = s.update(Msg::Cost(CostStatus::Unavailable("no access".into())));
        let shown = s.status.banner.clone().unwrap();
        assert_eq!(shown.level, Level::Error);
        assert!(shown.text.contains("no AWS credentials found"), "{shown:?}");
        // Dismissed, the next news shows; a warning then replaces an info.
        press(&mut s, KeyCode::Esc);
        let _ = s.update(Msg::Banner(Banner::info("costs read")));
        assert_eq!(s.status.banner.as_ref().unwrap().text, "costs read");
        let _ = s.update(Msg::Banner(Banner::warning("cache was corrupt")));
        assert_eq!(s.status.banner.as_ref().unwrap().level, Level::Warning);
    }

    #[test]
    fn esc_leaves_search_then_dismisses_banner() {
        let mut s = state();
        let _ = s.update(Msg::Banner(Banner::warning("cache was corrupt")));
        press(&mut s, KeyCode::Char('/'));
        type_str(&mut s, "log");
        press(&mut s, KeyCode::Esc);
        assert!(s.search.is_none());
        assert!(s.status.banner.is_some());
        press(&mut s, KeyCode::Esc);
        assert!(s.status.banner.is_none());
    }

    #[test]
    fn refresh_is_an_effect_and_not_doubled() {
        let mut s = state();
        assert_eq!(press(&mut s, KeyCode::Char('r')), vec![Effect::Sync]);
        assert!(press(&mut s, KeyCode::Char('r')).is_empty());
        let _ = s.update(Msg::SyncFinished(Err(AwsError::NoCredentials {
            profile: None,
            detail: "no credentials".into(),
            config: "c.toml".into(),
        })));
        assert_eq!(s.status.banner.as_ref().unwrap().level, Level::Error);
        assert!(s.data.is_some(), "old data stays");
        assert_eq!(press(&mut s, KeyCode::Char('r')), vec![Effect::Sync]);
    }

    #[test]
    fn an_organization_read_shows_at_once_and_the_sync_goes_on() {
        let mut s = state();
        assert_eq!(press(&mut s, KeyCode::Char('r')), vec![Effect::Sync]);
        let mut inv = demo::inventory(NOW);
        inv.org.accounts.truncate(3);
        let _ = s.update(Msg::OrgSynced(Box::new(inv)));
        assert_eq!(s.data.as_ref().unwrap().inventory.org.accounts.len(), 3);
        assert!(s.status.syncing.is_some(), "the others are still read");
        assert!(
            press(&mut s, KeyCode::Char('r')).is_empty(),
            "one sync at a time"
        );
        let _ = s.update(Msg::SyncFinished(Ok(Box::new(demo::inventory(NOW)))));
        assert!(s.status.syncing.is_none());
    }

    #[test]
    fn new_inventory_keeps_selection_and_expansion() {
        let mut s = state();
        press(&mut s, KeyCode::Char('/'));
        type_str(&mut s, "payments-dev");
        press(&mut s, KeyCode::Enter);
        press(&mut s, KeyCode::Right);
        let rows = s.rows.len();
        let mut inv = demo::inventory(NOW);
        inv.org.accounts.retain(|a| a.name != "audit");
        let _ = s.update(Msg::SyncFinished(Ok(Box::new(inv))));
        assert_eq!(account_name(&s).as_deref(), Some("payments-dev"));
        assert_eq!(s.rows.len(), rows);
    }

    #[test]
    fn help_opens_and_closes_without_quitting() {
        let mut s = state();
        press(&mut s, KeyCode::Char('?'));
        assert!(s.help);
        assert!(press(&mut s, KeyCode::Char('q')).is_empty());
        assert!(!s.help);
        assert_eq!(press(&mut s, KeyCode::Char('q')), vec![Effect::Quit]);
        assert!(s.quit);
    }

    #[test]
    fn no_data_does_not_panic() {
        let mut s = State::new(None, "default chain", vec![], NOW, (20, 5));
        for code in [
            KeyCode::Char('j'),
            KeyCode::Char('l'),
            KeyCode::Char('h'),
            KeyCode::Enter,
            KeyCode::Char('G'),
            KeyCode::Char('/'),
            KeyCode::Char('x'),
            KeyCode::Enter,
            KeyCode::Esc,
        ] {
            press(&mut s, code);
        }
        let _ = s.update(Msg::Resize(1, 1));
        assert!(s.selected_account().is_none());
    }

    #[test]
    fn cursor_stays_on_screen() {
        let c = Cursor {
            selected: 0,
            offset: 0,
        };
        let c = c.moved(Action::Bottom, 100, 10);
        assert_eq!((c.selected, c.offset), (99, 90));
        let c = c.moved(Action::PageUp, 100, 10);
        assert_eq!((c.selected, c.offset), (89, 89));
        let c = c.scrolled(5, 10);
        assert_eq!((c.selected, c.offset), (4, 4));
        let empty = Cursor::default().moved(Action::Down, 0, 10);
        assert_eq!((empty.selected, empty.offset), (0, 0));
    }
}
