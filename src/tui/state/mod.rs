//! The TUI's state and the only function that changes it: `update(msg) -> effects`.

pub mod access_flow;
pub mod cost_view;

use std::collections::{BTreeMap, HashSet};

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use time::OffsetDateTime;

use super::action::Action;
use super::effects::Effect;
use super::keymap::{self, KeyScope};
use crate::app::console_link::SigninUrl;
use crate::aws::org::SyncProgress;
use crate::domain::inventory::Inventory;
use crate::domain::model::OrgTree;
use crate::domain::roles::{RoleCatalog, RoleOption};
use crate::domain::safety::Classifier;
use crate::domain::search::{self, Hit, SearchIndex};
use crate::domain::selector::AccountView;
use access_flow::{Modal, Purpose, Sessions, ShellLaunch};
use cost_view::{CostStatus, CostView, SortKey, compare_accounts, compare_ous, view as cost_view};

/// Everything that happens to the app arrives as one of these.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Action(Action),
    Resize(u16, u16),
    Tick(OffsetDateTime),
    SyncProgress(SyncProgress),
    SyncFinished(Result<Box<Inventory>, String>),
    Banner(Banner),
    /// The credential flow needs an MFA code for this device.
    MfaNeeded {
        serial: String,
    },
    /// Credentials are in hand (start the shell), or why not.
    AccessFinished(Result<Box<ShellLaunch>, String>),
    /// The shell started from the TUI ended.
    ShellExited {
        account_name: String,
        result: Result<i32, String>,
    },
    /// Cached sessions and their expiries, re-read after each access.
    Sessions(Sessions),
    /// A console sign-in link is ready (or why not).
    ConsoleReady {
        account_name: String,
        purpose: Purpose,
        result: Result<SigninUrl, String>,
        note: Option<String>,
    },
    /// A cost read finished (or cost is off).
    Cost(CostStatus),
    /// A termination signal: quit whatever is open.
    Terminate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Info,
}

/// A message across the top of the screen until dismissed (Esc) or replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Banner {
    pub level: Level,
    pub text: String,
}

impl Banner {
    #[must_use]
    pub fn error(text: impl Into<String>) -> Self {
        Self {
            level: Level::Error,
            text: one_line(&text.into()),
        }
    }

    #[must_use]
    pub fn warning(text: impl Into<String>) -> Self {
        Self {
            level: Level::Warning,
            text: one_line(&text.into()),
        }
    }

    #[must_use]
    pub fn info(text: impl Into<String>) -> Self {
        Self {
            level: Level::Info,
            text: one_line(&text.into()),
        }
    }
}

/// Role rules and production rules: what is derived per account from the config.
#[derive(Clone, Debug)]
pub struct Rules {
    pub catalog: RoleCatalog,
    pub classifier: Classifier,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            catalog: RoleCatalog::new(&crate::config::RolesConfig::default(), Vec::new()),
            classifier: Classifier::default(),
        }
    }
}

/// Banners are one paragraph: line breaks and indentation from multi-line errors are folded.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The inventory and what is derived from it once per change.
#[derive(Debug)]
pub struct Data {
    pub inventory: Inventory,
    pub tree: OrgTree,
    pub index: SearchIndex,
    /// Roles offered, per account index.
    pub roles: Vec<Vec<RoleOption>>,
    /// Production flag, per account index.
    pub production: Vec<bool>,
    /// Cost figures, when cost is known.
    pub costs: Option<CostView>,
}

impl Data {
    #[must_use]
    pub fn new(inventory: Inventory, rules: &Rules) -> Self {
        let tree = OrgTree::build(&inventory.org);
        let index = SearchIndex::build(&inventory.org, &tree);
        let n = inventory.org.accounts.len();
        let offered = (0..n)
            .map(|i| rules.catalog.offered(&inventory, &tree, i))
            .collect();
        let production = (0..n)
            .map(|i| {
                rules
                    .classifier
                    .is_production(&AccountView::of(&inventory, &tree, i))
            })
            .collect();
        Self {
            inventory,
            tree,
            index,
            roles: offered,
            production,
            costs: None,
        }
    }
}

/// One visible line of the tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row {
    Root,
    /// Index into `org.org_units`.
    Ou {
        ou: usize,
        depth: u16,
    },
    /// Index into `org.accounts`.
    Account {
        account: usize,
        depth: u16,
    },
}

/// A selected line and the first line shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub selected: usize,
    pub offset: usize,
}

impl Cursor {
    fn moved(self, action: Action, len: usize, page: usize) -> Self {
        let last = len.saturating_sub(1);
        let page = page.max(1);
        let selected = match action {
            Action::Up => self.selected.saturating_sub(1),
            Action::Down => (self.selected + 1).min(last),
            Action::PageUp => self.selected.saturating_sub(page),
            Action::PageDown => (self.selected + page).min(last),
            Action::Top => 0,
            Action::Bottom => last,
            _ => self.selected,
        };
        Self { selected, ..self }.scrolled(len, page)
    }

    /// Keeps the selection inside `len` and on screen.
    #[must_use]
    pub fn scrolled(self, len: usize, page: usize) -> Self {
        let page = page.max(1);
        let selected = self.selected.min(len.saturating_sub(1));
        let mut offset = self.offset.min(len.saturating_sub(1));
        if selected < offset {
            offset = selected;
        } else if selected >= offset + page {
            offset = selected + 1 - page;
        }
        Self { selected, offset }
    }
}

/// An active search: the query, its ranked hits and the cursor in them.
#[derive(Clone, Debug, Default)]
pub struct SearchState {
    /// The favourites-and-recent list rather than a search.
    pub quick: bool,
    pub query: String,
    /// Keys go to the query (true) or move in the results (false).
    pub editing: bool,
    pub hits: Vec<Hit>,
    pub cursor: Cursor,
}

/// Where the data comes from and how fresh it is.
#[derive(Clone, Debug, Default)]
pub struct Status {
    /// "demo", a profile name, or "default chain".
    pub source: String,
    pub syncing: Option<SyncProgress>,
    pub banner: Option<Banner>,
    /// An access in progress ("getting into X as Y…").
    pub pending: Option<String>,
}

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
    pub sessions: Sessions,
    /// Set when awsnav itself runs inside an awsnav shell (that account's name).
    pub nested_in: Option<String>,
    /// `[production] confirm_with`.
    pub confirm_with: String,
    /// What the access being set up (picker, confirmation) is for.
    pub purpose: Purpose,
    pub cost: CostStatus,
    pub sort: SortKey,
    /// `[cost] months` of history shown.
    pub cost_months: u8,
    /// Colours and styles (`[ui] theme`, `[ui.colors]`, `NO_COLOR`).
    pub theme: crate::tui::ui::theme::Theme,
    /// The key table (`[keys]` patches over the defaults).
    pub keymap: keymap::Keymap,
    /// Account ids marked as favourites.
    pub favourites: std::collections::BTreeSet<String>,
    /// Account ids got into, most recent first.
    pub recent: Vec<String>,
    /// Account id → the region chosen for sessions there.
    pub regions: BTreeMap<String, String>,
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
            theme: crate::tui::ui::theme::Theme::default(),
            keymap: keymap::Keymap::default(),
            favourites: std::collections::BTreeSet::new(),
            recent: Vec::new(),
            regions: BTreeMap::new(),
            modal: None,
            last_roles: BTreeMap::new(),
            sessions: Sessions::default(),
            nested_in: None,
            confirm_with: "name".to_owned(),
            purpose: Purpose::Shell,
            cost: CostStatus::Off,
            sort: SortKey::Name,
            cost_months: 6,
        };
        if let Some(inv) = inventory {
            state.set_inventory(inv);
        }
        state
    }

    /// Replaces the key table.
    #[must_use]
    pub fn with_keymap(mut self, keymap: keymap::Keymap) -> Self {
        self.keymap = keymap;
        self
    }

    /// Replaces the colours and styles.
    #[must_use]
    pub fn with_theme(mut self, theme: crate::tui::ui::theme::Theme) -> Self {
        self.theme = theme;
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
                Modal::RolePicker { .. } | Modal::RegionPicker { .. } => KeyScope::Picker,
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
        usize::from(super::ui::list_height(self))
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

    /// The selected tree row (`None` while a search is shown).
    #[must_use]
    pub fn selected_row(&self) -> Option<Row> {
        if self.search.is_some() {
            return None;
        }
        self.rows.get(self.tree_cursor.selected).copied()
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(key) => self.on_key(&key),
            Msg::Action(action) => self.on_action(action),
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.rescroll();
                Vec::new()
            }
            Msg::Tick(now) => {
                self.now = now;
                Vec::new()
            }
            Msg::SyncProgress(p) => {
                self.status.syncing = Some(p);
                Vec::new()
            }
            Msg::SyncFinished(result) => {
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
                    Err(text) => self.status.banner = Some(Banner::error(text)),
                }
                Vec::new()
            }
            Msg::Banner(b) => {
                self.status.banner = Some(b);
                Vec::new()
            }
            Msg::MfaNeeded { serial } => {
                self.on_mfa_needed(serial);
                Vec::new()
            }
            Msg::AccessFinished(result) => self.on_access_finished(result),
            Msg::ShellExited {
                account_name,
                result,
            } => {
                self.status.banner = Some(match result {
                    Ok(code) => Banner::info(format!(
                        "back from {account_name} (shell exited with {code})"
                    )),
                    Err(e) => Banner::error(format!("the shell for {account_name} failed: {e}")),
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
            Msg::Cost(status) => self.on_cost(status),
            Msg::Terminate => {
                self.quit = true;
                vec![Effect::Quit]
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
        match action {
            Action::Quit => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            Action::Help => self.help = true,
            Action::Refresh => {
                if self.status.syncing.is_none() {
                    self.status.syncing = Some(SyncProgress::default());
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
            | Action::Bottom => self.move_cursor(action),
            Action::Search => {
                if self.search.as_ref().is_some_and(|s| s.quick) {
                    self.search = None;
                }
                let search = self.search.get_or_insert_with(SearchState::default);
                search.editing = true;
            }
            Action::Region => self.open_region_picker(),
            Action::Recent => {
                let hits = self.quick_hits();
                self.search = Some(SearchState {
                    quick: true,
                    hits,
                    ..SearchState::default()
                });
            }
            Action::Favourite => {
                if let Some((i, data)) = self.selected_account().zip(self.data.as_ref()) {
                    let a = &data.inventory.org.accounts[i];
                    let id = a.id.to_string();
                    let on = !self.favourites.contains(&id);
                    self.status.banner = Some(Banner::info(if on {
                        format!(
                            "★ {} is a favourite (' lists favourites and recent accounts)",
                            a.name
                        )
                    } else {
                        format!("{} is no longer a favourite", a.name)
                    }));
                    if on {
                        self.favourites.insert(id.clone());
                    } else {
                        self.favourites.remove(&id);
                    }
                    return vec![Effect::SaveFavourite { account_id: id, on }];
                }
            }
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

    fn back(&mut self) {
        if self.search.take().is_none() {
            self.status.banner = None;
        }
    }

    fn move_cursor(&mut self, action: Action) {
        let page = self.page();
        if let Some(search) = &mut self.search {
            search.cursor = search.cursor.moved(action, search.hits.len(), page);
            self.fill_visible_highlights();
        } else {
            self.tree_cursor = self.tree_cursor.moved(action, self.rows.len(), page);
        }
    }

    fn tree_action(&mut self, action: Action) {
        if let Some(search) = &mut self.search {
            if search.editing {
                if action == Action::Open && !search.hits.is_empty() {
                    search.editing = false;
                }
            } else if action == Action::Expand
                && let Some(account) = self.selected_account()
            {
                self.reveal_account(account);
            }
            return;
        }
        let Some(row) = self.selected_row() else {
            return;
        };
        let Some(data) = &self.data else { return };
        let key = row_key(data, row);
        match (action, row) {
            (Action::Open, Row::Root | Row::Ou { .. }) => {
                if !self.expanded.remove(&key) {
                    self.expanded.insert(key);
                }
                self.rebuild_rows();
            }
            (Action::Expand, Row::Root | Row::Ou { .. }) => {
                if self.expanded.insert(key) {
                    self.rebuild_rows();
                } else if self.has_children(row) {
                    self.move_cursor(Action::Down);
                }
            }
            (Action::Collapse, _) => {
                if self.expanded.contains(&key) && !matches!(row, Row::Account { .. }) {
                    self.expanded.remove(&key);
                    self.rebuild_rows();
                } else {
                    self.select_parent(row);
                }
            }
            _ => {}
        }
    }

    fn has_children(&self, row: Row) -> bool {
        let Some(data) = &self.data else { return false };
        let id = match row {
            Row::Root => &data.inventory.org.root_id,
            Row::Ou { ou, .. } => &data.inventory.org.org_units[ou].id,
            Row::Account { .. } => return false,
        };
        !data.tree.child_ous(id).is_empty() || !data.tree.child_accounts(id).is_empty()
    }

    fn select_parent(&mut self, row: Row) {
        let Some(data) = &self.data else { return };
        let org = &data.inventory.org;
        let parent_id = match row {
            Row::Root => return,
            Row::Ou { ou, .. } => &org.org_units[ou].parent_id,
            Row::Account { account, .. } => &org.accounts[account].parent_id,
        };
        let target = if *parent_id == org.root_id {
            Some(Row::Root)
        } else {
            data.tree
                .ou_by_id(parent_id)
                .map(|ou| Row::Ou { ou, depth: 0 })
        };
        if let Some(pos) = target.and_then(|t| self.rows.iter().position(|r| same_row(*r, t))) {
            self.tree_cursor.selected = pos;
            self.rescroll();
        }
    }

    /// Leaves search, expands the account's OUs and selects it in the tree.
    fn reveal_account(&mut self, account: usize) {
        let Some(data) = &self.data else { return };
        let org = &data.inventory.org;
        self.expanded.insert(org.root_id.clone());
        if let Some(parent) = data.tree.ou_by_id(&org.accounts[account].parent_id) {
            for ou in data.tree.ou_ancestry(org, parent) {
                self.expanded.insert(org.org_units[ou].id.clone());
            }
        }
        self.search = None;
        self.rebuild_rows();
        if let Some(pos) = self
            .rows
            .iter()
            .position(|r| matches!(r, Row::Account { account: a, .. } if *a == account))
        {
            self.tree_cursor.selected = pos;
            // Show the account in the middle of the screen rather than at the very edge.
            self.tree_cursor.offset = pos.saturating_sub(self.page() / 2);
        }
        self.rescroll();
    }

    fn edit_query(&mut self, edit: impl FnOnce(&mut String)) {
        let Some(search) = &mut self.search else {
            return;
        };
        let old = search.query.clone();
        edit(&mut search.query);
        if search.query == old {
            return;
        }
        let Some(data) = &self.data else { return };
        search.hits = if search::can_refine(&old, &search.query) {
            data.index.refine(&search.query, &search.hits)
        } else {
            data.index.query(&search.query)
        };
        search.cursor = Cursor::default();
        self.fill_visible_highlights();
    }

    /// Highlights beyond the precomputed first hits are computed as they scroll into view.
    fn fill_visible_highlights(&mut self) {
        let page = self.page();
        let (Some(search), Some(data)) = (&mut self.search, &self.data) else {
            return;
        };
        let start = search.cursor.offset.min(search.hits.len());
        let end = (start + page).min(search.hits.len());
        data.index
            .fill_highlights(&search.query, &mut search.hits[start..end]);
    }

    fn rescroll(&mut self) {
        let page = self.page();
        self.tree_cursor = self.tree_cursor.scrolled(self.rows.len(), page);
        if let Some(search) = &mut self.search {
            search.cursor = search.cursor.scrolled(search.hits.len(), page);
        }
        self.fill_visible_highlights();
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
        let mut data = Data::new(inventory, &self.rules);
        if let CostStatus::Known(snapshot) = &self.cost {
            data.costs = Some(cost_view(
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
            search.hits = data.index.query(&search.query);
        }
        self.rescroll();
    }

    /// Favourites (by name), then recent accounts (most recent first), each once.
    fn quick_hits(&self) -> Vec<Hit> {
        let Some(data) = &self.data else {
            return Vec::new();
        };
        let org = &data.inventory.org;
        let index_of = |id: &str| org.accounts.iter().position(|a| a.id.as_str() == id);
        let mut favourites: Vec<usize> = self
            .favourites
            .iter()
            .filter_map(|id| index_of(id))
            .collect();
        favourites.sort_by_key(|&i| org.accounts[i].name.to_lowercase());
        let recent = self
            .recent
            .iter()
            .filter(|id| !self.favourites.contains(*id))
            .filter_map(|id| index_of(id));
        favourites
            .into_iter()
            .chain(recent)
            .map(|account| Hit {
                account,
                score: 0,
                highlights: None,
            })
            .collect()
    }

    pub(super) fn rebuild_rows(&mut self) {
        let selected = self.rows.get(self.tree_cursor.selected).copied();
        self.rows.clear();
        let Some(data) = &self.data else { return };
        let org = &data.inventory.org;
        self.rows.push(Row::Root);
        if self.expanded.contains(&org.root_id) {
            push_children(
                &mut self.rows,
                data,
                &self.expanded,
                self.sort,
                &org.root_id,
                1,
            );
        }
        // The selection follows its row when the order changes (sorting, new costs).
        if let Some(row) = selected
            && let Some(pos) = self.rows.iter().position(|r| same_row(*r, row))
        {
            self.tree_cursor.selected = pos;
        }
        self.rescroll();
    }
}

fn push_children(
    rows: &mut Vec<Row>,
    data: &Data,
    expanded: &HashSet<String>,
    sort: SortKey,
    parent: &str,
    depth: u16,
) {
    let mut ous = data.tree.child_ous(parent).to_vec();
    let mut accounts = data.tree.child_accounts(parent).to_vec();
    if sort != SortKey::Name {
        ous.sort_by(|&a, &b| compare_ous(data, sort, a, b));
        accounts.sort_by(|&a, &b| compare_accounts(data, sort, a, b));
    }
    for ou in ous {
        rows.push(Row::Ou { ou, depth });
        let id = &data.inventory.org.org_units[ou].id;
        if expanded.contains(id) && depth < 16 {
            push_children(rows, data, expanded, sort, id, depth + 1);
        }
    }
    for account in accounts {
        rows.push(Row::Account { account, depth });
    }
}

/// A stable identity for a row across data refreshes.
fn row_key(data: &Data, row: Row) -> String {
    let org = &data.inventory.org;
    match row {
        Row::Root => org.root_id.clone(),
        Row::Ou { ou, .. } => org.org_units[ou].id.clone(),
        Row::Account { account, .. } => org.accounts[account].id.to_string(),
    }
}

fn same_row(a: Row, b: Row) -> bool {
    match (a, b) {
        (Row::Root, Row::Root) => true,
        (Row::Ou { ou: x, .. }, Row::Ou { ou: y, .. })
        | (Row::Account { account: x, .. }, Row::Account { account: y, .. }) => x == y,
        _ => false,
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
    fn esc_leaves_search_then_dismisses_banner() {
        let mut s = state();
        s.update(Msg::Banner(Banner::warning("cache was corrupt")));
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
        s.update(Msg::SyncFinished(Err("no credentials".into())));
        assert_eq!(s.status.banner.as_ref().unwrap().level, Level::Error);
        assert!(s.data.is_some(), "old data stays");
        assert_eq!(press(&mut s, KeyCode::Char('r')), vec![Effect::Sync]);
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
        s.update(Msg::SyncFinished(Ok(Box::new(inv))));
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
        s.update(Msg::Resize(1, 1));
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
