//! The search box and its ranked results, and the favourites-and-recent list shown the same way.

use super::State;
use super::tree::Cursor;
use crate::domain::search::{self, Hit};
use crate::tui::action::Action;

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
    /// The query shown is an earlier one brought back with ↑: how far back (0: the last).
    pub recalled: Option<usize>,
}

/// How many earlier queries ↑ can bring back.
pub const HISTORY_KEPT: usize = 50;

impl State {
    /// `/`: a new, empty query. A finished search (its results being browsed) is kept in the
    /// history, not reopened.
    pub(super) fn start_search(&mut self) {
        match &self.search {
            Some(s) if s.editing && !s.quick => {}
            _ => {
                self.remember_query();
                self.search = Some(SearchState {
                    editing: true,
                    ..SearchState::default()
                });
            }
        }
    }

    /// Puts the current query (when there is one) at the end of the history, once.
    pub(super) fn remember_query(&mut self) {
        let Some(search) = self.search.as_ref().filter(|s| !s.quick) else {
            return;
        };
        let query = search.query.trim();
        if query.is_empty() {
            return;
        }
        let query = query.to_owned();
        self.search_history.retain(|q| *q != query);
        self.search_history.push(query);
        let over = self.search_history.len().saturating_sub(HISTORY_KEPT);
        self.search_history.drain(..over);
    }

    /// ↑ in an empty search box brings back the last query, ↑ again the one before, ↓ goes
    /// forward again (to an empty box after the last). `false` when the key means moving in
    /// the results instead.
    pub(super) fn recall_query(&mut self, action: Action) -> bool {
        let Some(search) = &self.search else {
            return false;
        };
        if !search.editing || !(search.query.is_empty() || search.recalled.is_some()) {
            return false;
        }
        let kept = self.search_history.len();
        let next = match (action, search.recalled) {
            (Action::Up, None) if kept > 0 => Some(0),
            (Action::Up, Some(back)) => Some((back + 1).min(kept.saturating_sub(1))),
            (Action::Down, Some(0)) => None,
            (Action::Down, Some(back)) => Some(back - 1),
            _ => return false,
        };
        let text = next
            .and_then(|back| self.search_history.iter().rev().nth(back).cloned())
            .unwrap_or_default();
        self.edit_query(|q| *q = text);
        if let Some(search) = &mut self.search {
            search.recalled = next;
        }
        true
    }

    pub(super) fn edit_query(&mut self, edit: impl FnOnce(&mut String)) {
        let Some(search) = &mut self.search else {
            return;
        };
        search.recalled = None;
        let old = search.query.clone();
        edit(&mut search.query);
        if search.query == old {
            return;
        }
        let Some(data) = &self.data else { return };
        search.hits = if search::can_refine(&old, &search.query) {
            data.index().refine(&search.query, &search.hits)
        } else {
            data.index().query(&search.query)
        };
        search.cursor = Cursor::default();
        self.fill_visible_highlights();
    }

    /// Highlights beyond the precomputed first hits are computed as they scroll into view.
    pub(super) fn fill_visible_highlights(&mut self) {
        let page = self.page();
        let (Some(search), Some(data)) = (&mut self.search, &self.data) else {
            return;
        };
        let start = search.cursor.offset.min(search.hits.len());
        let end = (start + page).min(search.hits.len());
        data.index()
            .fill_highlights(&search.query, &mut search.hits[start..end]);
    }

    /// Favourites (by name), then recent accounts (most recent first), each once.
    pub(super) fn quick_hits(&self) -> Vec<Hit> {
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
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use time::macros::datetime;

    use super::*;
    use crate::domain::demo;
    use crate::tui::message::Msg;

    fn state() -> State {
        let now = datetime!(2026-11-21 12:00 UTC);
        State::new(Some(demo::inventory(now)), "demo", vec![], now, (120, 40))
    }

    fn press(s: &mut State, code: KeyCode) {
        let _ = s.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    fn type_str(s: &mut State, text: &str) {
        for c in text.chars() {
            press(s, KeyCode::Char(c));
        }
    }

    fn query(s: &State) -> &str {
        s.search.as_ref().map_or("<none>", |q| q.query.as_str())
    }

    #[test]
    fn slash_after_a_finished_search_starts_an_empty_query() {
        let mut s = state();
        press(&mut s, KeyCode::Char('/'));
        type_str(&mut s, "ship");
        press(&mut s, KeyCode::Enter);
        assert!(!s.search.as_ref().unwrap().editing, "browsing the results");
        press(&mut s, KeyCode::Char('/'));
        assert_eq!(query(&s), "");
        assert!(s.search.as_ref().unwrap().editing);
        type_str(&mut s, "pay");
        assert_eq!(query(&s), "pay", "typing does not append to the old query");
        assert!(!s.search.as_ref().unwrap().hits.is_empty());
    }

    #[test]
    fn up_in_an_empty_query_brings_back_earlier_ones() {
        let mut s = state();
        for q in ["ship", "pay", "ship"] {
            press(&mut s, KeyCode::Char('/'));
            type_str(&mut s, q);
            press(&mut s, KeyCode::Enter);
        }
        assert_eq!(s.search_history, ["pay", "ship"], "each once, newest last");
        press(&mut s, KeyCode::Esc);
        press(&mut s, KeyCode::Char('/'));
        press(&mut s, KeyCode::Up);
        assert_eq!(query(&s), "ship");
        let hits = s.search.as_ref().unwrap().hits.len();
        assert!(hits > 0, "the recalled query is searched");
        press(&mut s, KeyCode::Up);
        assert_eq!(query(&s), "pay");
        press(&mut s, KeyCode::Up);
        assert_eq!(query(&s), "pay", "stops at the oldest");
        press(&mut s, KeyCode::Down);
        assert_eq!(query(&s), "ship");
        press(&mut s, KeyCode::Down);
        assert_eq!(query(&s), "", "past the newest: empty again");
        // With a typed query, ↑ and ↓ move in the results as before.
        type_str(&mut s, "prod");
        press(&mut s, KeyCode::Down);
        assert_eq!(query(&s), "prod");
        assert_eq!(s.search.as_ref().unwrap().cursor.selected, 1);
        // A recalled query that is edited is a new query.
        press(&mut s, KeyCode::Esc);
        press(&mut s, KeyCode::Char('/'));
        press(&mut s, KeyCode::Up);
        type_str(&mut s, "-x");
        assert_eq!(query(&s), "prod-x");
        assert!(s.search.as_ref().unwrap().recalled.is_none());
    }
}
