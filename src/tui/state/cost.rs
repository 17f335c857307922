//! Cost in the TUI: what is shown per account and OU, the sort order, and their `update()` part.

use std::cmp::Ordering;

use time::OffsetDateTime;

use super::{Data, State};
use crate::domain::cost::{CostSnapshot, CostSummary, roll_up, summarize};
use crate::tui::message::{Banner, CostStatus, Effect};

/// Cost figures derived for the current inventory.
#[derive(Clone, Debug, PartialEq)]
pub struct CostFigures {
    /// Per account index; `None` where Cost Explorer has no data.
    pub accounts: Vec<Option<CostSummary>>,
    /// Per OU index: (month to date, last month) of everything beneath it.
    pub ous: Vec<(f64, f64)>,
    /// The whole organization: (month to date, last month).
    pub total: (f64, f64),
    pub currency: String,
    pub as_of: OffsetDateTime,
}

/// Account order within each OU (key `o` cycles).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortKey {
    #[default]
    Name,
    MonthToDate,
    LastMonth,
    Change,
}

impl SortKey {
    #[must_use]
    pub fn next(self) -> Self {
        match self {
            Self::Name => Self::MonthToDate,
            Self::MonthToDate => Self::LastMonth,
            Self::LastMonth => Self::Change,
            Self::Change => Self::Name,
        }
    }

    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::MonthToDate => "cost this month",
            Self::LastMonth => "cost last month",
            Self::Change => "cost change",
        }
    }
}

/// Derives the figures from a snapshot for `data`'s accounts, as of `now`.
#[must_use]
pub fn figures(
    data: &Data,
    snapshot: &CostSnapshot,
    months: usize,
    now: OffsetDateTime,
) -> CostFigures {
    let by_account = summarize(&snapshot.monthly, &snapshot.currency, now.date(), months);
    let org = &data.inventory.org;
    let ous = roll_up(org, &data.tree, &by_account);
    let accounts: Vec<Option<CostSummary>> = org
        .accounts
        .iter()
        .map(|a| by_account.get(a.id.as_str()).cloned())
        .collect();
    let total = accounts.iter().flatten().fold((0.0, 0.0), |(m, l), c| {
        (m + c.month_to_date, l + c.last_month)
    });
    CostFigures {
        accounts,
        ous,
        total,
        currency: snapshot.currency.clone(),
        as_of: snapshot.fetched_at,
    }
}

/// Orders two accounts by `key` (most expensive first; name breaks ties).
#[must_use]
pub fn compare_accounts(data: &Data, key: SortKey, a: usize, b: usize) -> Ordering {
    let name = |i: usize| data.inventory.org.accounts[i].name.to_lowercase();
    let figure = |i: usize| -> f64 {
        let Some(Some(c)) = data.costs.as_ref().map(|v| &v.accounts[i]) else {
            return f64::NEG_INFINITY;
        };
        match key {
            SortKey::Name => 0.0,
            SortKey::MonthToDate => c.month_to_date,
            SortKey::LastMonth => c.last_month,
            SortKey::Change => c.change_pct.unwrap_or(f64::NEG_INFINITY),
        }
    };
    if key == SortKey::Name {
        return name(a).cmp(&name(b));
    }
    figure(b)
        .total_cmp(&figure(a))
        .then_with(|| name(a).cmp(&name(b)))
}

/// Orders two OUs: by name, or by their totals when sorting by cost.
#[must_use]
pub fn compare_ous(data: &Data, key: SortKey, a: usize, b: usize) -> Ordering {
    let name = |i: usize| data.inventory.org.org_units[i].name.to_lowercase();
    let Some(v) = data.costs.as_ref().filter(|_| key != SortKey::Name) else {
        return name(a).cmp(&name(b));
    };
    let figure = |i: usize| {
        if key == SortKey::LastMonth {
            v.ous[i].1
        } else {
            v.ous[i].0
        }
    };
    figure(b)
        .total_cmp(&figure(a))
        .then_with(|| name(a).cmp(&name(b)))
}

impl State {
    /// The background cost read finished.
    pub(super) fn on_cost(&mut self, status: CostStatus) -> Vec<Effect> {
        if let CostStatus::Unavailable(reason) = &status {
            self.status.notify(Banner::warning(reason.clone()));
        }
        self.cost = status;
        self.recompute_costs();
        Vec::new()
    }

    /// Re-derives the cost figures (after new costs or a new inventory).
    pub(super) fn recompute_costs(&mut self) {
        let months = usize::from(self.cost_months);
        let now = self.now;
        if let Some(data) = &mut self.data {
            data.costs = match &self.cost {
                CostStatus::Known(snapshot) => Some(figures(data, snapshot, months, now)),
                _ => None,
            };
        }
        self.rebuild_rows();
    }

    pub(super) fn cycle_sort(&mut self) {
        self.sort = self.sort.next();
        self.status.banner = Some(Banner::info(format!(
            "accounts sorted by {}",
            self.sort.label()
        )));
        self.rebuild_rows();
    }

    pub(super) fn refresh_cost(&mut self) -> Vec<Effect> {
        if self.cost == CostStatus::Loading {
            return Vec::new();
        }
        self.cost = CostStatus::Loading;
        vec![Effect::ReadCost { force: true }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::demo;
    use crate::tui::message::Msg;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

    fn state() -> State {
        State::new(Some(demo::inventory(NOW)), "demo", vec![], NOW, (120, 40))
    }

    fn press(s: &mut State, c: char) -> Vec<Effect> {
        s.update(Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )))
    }

    #[test]
    fn r_uses_cached_cost_and_shift_c_forces_it() {
        let mut s = state();
        let _ = s.update(Msg::Cost(CostStatus::Known(Box::new(demo::cost_snapshot(
            NOW,
        )))));
        assert_eq!(
            press(&mut s, 'r'),
            vec![Effect::Sync, Effect::ReadCost { force: false }]
        );
        assert_eq!(press(&mut s, 'C'), vec![Effect::ReadCost { force: true }]);
        assert!(press(&mut s, 'C').is_empty(), "one read at a time");
        let mut off = state();
        assert_eq!(
            press(&mut off, 'r'),
            vec![Effect::Sync],
            "cost off: no cost request"
        );
    }

    #[test]
    fn totals_and_sorting() {
        let mut s = state();
        let _ = s.update(Msg::Cost(CostStatus::Known(Box::new(demo::cost_snapshot(
            NOW,
        )))));
        let data = s.data.as_ref().unwrap();
        let costs = data.costs.as_ref().unwrap();
        let sum: f64 = costs
            .accounts
            .iter()
            .flatten()
            .map(|c| c.month_to_date)
            .sum();
        assert!((costs.total.0 - sum).abs() < 1e-6);
        assert!(costs.accounts.iter().flatten().count() >= 70);
        for key in [
            SortKey::MonthToDate,
            SortKey::LastMonth,
            SortKey::Change,
            SortKey::Name,
        ] {
            press(&mut s, 'o');
            assert_eq!(s.sort, key);
        }
        // Sorted by cost this month, the top-level OUs come most expensive first.
        press(&mut s, 'o');
        let data = s.data.as_ref().unwrap();
        let costs = data.costs.as_ref().unwrap();
        let tops: Vec<f64> = s
            .rows
            .iter()
            .filter_map(|r| match r {
                crate::tui::state::Row::Ou { ou, depth: 1 } => Some(costs.ous[*ou].0),
                _ => None,
            })
            .collect();
        assert!(tops.windows(2).all(|w| w[0] >= w[1]), "{tops:?}");
    }

    #[test]
    fn unavailable_cost_is_said_once_and_keeps_the_tree() {
        let mut s = state();
        let _ = s.update(Msg::Cost(CostStatus::Unavailable(
            "cost n/a: access denied".into(),
        )));
        assert!(s.status.banner.as_ref().unwrap().text.contains("cost n/a"));
        assert!(s.data.as_ref().unwrap().costs.is_none());
        assert!(!s.rows.is_empty());
    }
}
