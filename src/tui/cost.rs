//! Cost in the TUI: what is shown per account and OU, the sort order, and their `update()` part.

use std::cmp::Ordering;

use time::OffsetDateTime;

use super::effects::Effect;
use super::state::{Banner, Data, State};
use crate::cost::{CostSummary, roll_up, summarize};
use crate::cost_cache::CostSnapshot;

/// Cost figures derived for the current inventory.
#[derive(Clone, Debug, PartialEq)]
pub struct CostView {
    /// Per account index; `None` where Cost Explorer has no data.
    pub accounts: Vec<Option<CostSummary>>,
    /// Per OU index: (month to date, last month) of everything beneath it.
    pub ous: Vec<(f64, f64)>,
    /// The whole organization: (month to date, last month).
    pub total: (f64, f64),
    pub currency: String,
    pub as_of: OffsetDateTime,
}

/// What is known about cost.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum CostStatus {
    /// Not asked yet, or `[cost] enabled = false`.
    #[default]
    Off,
    Loading,
    Known(Box<CostSnapshot>),
    /// Not available; the reason is shown once.
    Unavailable(String),
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

/// Derives the view from a snapshot for `data`'s accounts, as of `now`.
#[must_use]
pub fn view(data: &Data, snapshot: &CostSnapshot, months: usize, now: OffsetDateTime) -> CostView {
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
    CostView {
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
            self.status.banner = Some(Banner::warning(reason.clone()));
        }
        self.cost = status;
        self.recompute_costs();
        Vec::new()
    }

    /// Re-derives the cost view (after new costs or a new inventory).
    pub(super) fn recompute_costs(&mut self) {
        let months = usize::from(self.cost_months);
        let now = self.now;
        if let Some(data) = &mut self.data {
            data.costs = match &self.cost {
                CostStatus::Known(snapshot) => Some(view(data, snapshot, months, now)),
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
