//! Cost in the TUI: the sort order of accounts (by name or by cost), and cost's part of
//! `update()` (what is known, read again, figures derived).

use std::cmp::Ordering;

use super::data::CostFigures;
use super::{Data, State};
use crate::tui::message::{Banner, CostStatus, Effect};

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
                CostStatus::Known(snapshot) => Some(CostFigures::new(data, snapshot, months, now)),
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
    use time::OffsetDateTime;
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
        let _ = s.update(Msg::Cost(CostStatus::Known(std::sync::Arc::new(
            demo::cost_snapshot(NOW),
        ))));
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
        let _ = s.update(Msg::Cost(CostStatus::Known(std::sync::Arc::new(
            demo::cost_snapshot(NOW),
        ))));
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
