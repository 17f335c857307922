//! The tree as the left pane shows it: its visible rows, the cursor, opening and closing OUs.

use std::collections::HashSet;

use super::cost::{SortKey, compare_accounts, compare_ous};
use super::{Data, State};
use crate::tui::action::Action;

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
    pub(super) fn moved(self, action: Action, len: usize, page: usize) -> Self {
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

impl State {
    pub(super) fn move_cursor(&mut self, action: Action) {
        let page = self.page();
        if let Some(search) = &mut self.search {
            search.cursor = search.cursor.moved(action, search.hits.len(), page);
            self.fill_visible_highlights();
        } else {
            self.tree_cursor = self.tree_cursor.moved(action, self.rows.len(), page);
        }
    }

    pub(super) fn tree_action(&mut self, action: Action) {
        if let Some(search) = &mut self.search {
            if search.editing {
                if action == Action::Open && !search.hits.is_empty() {
                    search.editing = false;
                    self.remember_query();
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

    pub(super) fn has_children(&self, row: Row) -> bool {
        let Some(data) = &self.data else { return false };
        let id = match row {
            Row::Root => &data.inventory.org.root_id,
            Row::Ou { ou, .. } => &data.inventory.org.org_units[ou].id,
            Row::Account { .. } => return false,
        };
        !data.tree.child_ous(id).is_empty() || !data.tree.child_accounts(id).is_empty()
    }

    pub(super) fn select_parent(&mut self, row: Row) {
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
    pub(super) fn reveal_account(&mut self, account: usize) {
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

    pub(super) fn rescroll(&mut self) {
        let page = self.page();
        self.tree_cursor = self.tree_cursor.scrolled(self.rows.len(), page);
        if let Some(search) = &mut self.search {
            search.cursor = search.cursor.scrolled(search.hits.len(), page);
        }
        self.fill_visible_highlights();
    }

    pub(crate) fn rebuild_rows(&mut self) {
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
pub(super) fn row_key(data: &Data, row: Row) -> String {
    let org = &data.inventory.org;
    match row {
        Row::Root => org.root_id.clone(),
        Row::Ou { ou, .. } => org.org_units[ou].id.clone(),
        Row::Account { account, .. } => org.accounts[account].id.to_string(),
    }
}

pub(super) fn same_row(a: Row, b: Row) -> bool {
    match (a, b) {
        (Row::Root, Row::Root) => true,
        (Row::Ou { ou: x, .. }, Row::Ou { ou: y, .. })
        | (Row::Account { account: x, .. }, Row::Account { account: y, .. }) => x == y,
        _ => false,
    }
}
