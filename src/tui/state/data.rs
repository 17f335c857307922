//! The inventory shown and what is derived from it once per change (roles offered, production,
//! look-alike names, cost figures), and the rules it is derived by.

use time::OffsetDateTime;

use crate::domain::cost::{CostSnapshot, CostWindow, Figures, YearMonth, roll_up};
use crate::domain::inventory::Inventory;
use crate::domain::lookalike::Lookalikes;
use crate::domain::model::OrgTree;
use crate::domain::roles::{RoleCatalog, RoleOption};
use crate::domain::safety::Classifier;
use crate::domain::search::SearchIndex;

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

/// The inventory and what is derived from it once per change.
#[derive(Debug)]
pub struct Data {
    pub inventory: Inventory,
    pub tree: OrgTree,
    /// The search's index, built when the first search is typed (not before the first frame).
    index: std::sync::OnceLock<SearchIndex>,
    /// Roles offered, per account index.
    pub roles: Vec<Vec<RoleOption>>,
    /// Production flag, per account index.
    pub production: Vec<bool>,
    /// Which accounts' names look like another's.
    pub lookalikes: Lookalikes,
    /// Cost figures, when cost is known.
    pub costs: Option<CostFigures>,
    /// Who is above whom, for guardrails (built the first time they are shown): of the OUs
    /// alone, and of the accounts too.
    ou_parents: std::sync::OnceLock<crate::domain::guardrails::Parents>,
    parents: std::sync::OnceLock<crate::domain::guardrails::Parents>,
}

impl Data {
    #[must_use]
    pub fn new(inventory: Inventory, rules: &Rules) -> Self {
        let tree = OrgTree::build(&inventory.org);
        let n = inventory.org.accounts.len();
        let offered = (0..n)
            .map(|i| rules.catalog.offered(&inventory, &tree, i))
            .collect();
        let production = rules.classifier.classify_all(&inventory, &tree);
        let lookalikes = Lookalikes::of(inventory.org.accounts.iter().map(|a| a.name.as_str()));
        Self {
            inventory,
            tree,
            index: std::sync::OnceLock::new(),
            roles: offered,
            production,
            lookalikes,
            costs: None,
            ou_parents: std::sync::OnceLock::new(),
            parents: std::sync::OnceLock::new(),
        }
    }

    /// The search's index of every account.
    pub fn index(&self) -> &SearchIndex {
        self.index
            .get_or_init(|| SearchIndex::build(&self.inventory.org, &self.tree))
    }

    /// The chain of parents of every account and OU (see [`crate::domain::guardrails::Parents`]).
    pub fn parents(&self) -> &crate::domain::guardrails::Parents {
        self.parents
            .get_or_init(|| crate::domain::guardrails::Parents::new(&self.inventory.org))
    }

    /// Parents that know `target`'s chain: those of the OUs alone for an OU or the root (the
    /// first frame shows the root's), of every account too for an account.
    pub fn parents_for(&self, target: &str) -> &crate::domain::guardrails::Parents {
        if crate::domain::model::AccountId::parse(target).is_ok() {
            return self.parents();
        }
        self.ou_parents.get_or_init(|| {
            crate::domain::guardrails::Parents::with_accounts(&self.inventory.org, |_| false)
        })
    }
}

/// Cost figures derived for the current inventory: three numbers per account, worked out once
/// (the tree, the sorting and the OU totals read them); an account's month by month history
/// is worked out from the read when its detail is shown.
#[derive(Clone, Debug, PartialEq)]
pub struct CostFigures {
    /// Per account index; `None` where Cost Explorer has no data.
    pub accounts: Vec<Option<Figures>>,
    /// Per OU index: (month to date, last month) of everything beneath it.
    pub ous: Vec<(f64, f64)>,
    /// The whole organization: (month to date, last month).
    pub total: (f64, f64),
    pub currency: String,
    pub as_of: OffsetDateTime,
    /// The months the figures and histories are taken over.
    pub window: CostWindow,
    /// The read they are of, for an account's history.
    pub snapshot: std::sync::Arc<CostSnapshot>,
}

impl CostFigures {
    /// Derives the figures from a snapshot for `data`'s accounts, as of `now`.
    #[must_use]
    pub fn new(
        data: &Data,
        snapshot: &std::sync::Arc<CostSnapshot>,
        months: usize,
        now: OffsetDateTime,
    ) -> Self {
        // Only the accounts of the inventory: Cost Explorer may know of others.
        let window = CostWindow::new(now.date(), months);
        let org = &data.inventory.org;
        let accounts: Vec<Option<Figures>> = org
            .accounts
            .iter()
            .map(|a| Some(window.figures(snapshot.monthly.get(a.id.as_str())?)))
            .collect();
        let ous = roll_up(org, &data.tree, |i| accounts[i]);
        let total = accounts.iter().flatten().fold((0.0, 0.0), |(m, l), c| {
            (m + c.month_to_date, l + c.last_month)
        });
        Self {
            accounts,
            ous,
            total,
            currency: snapshot.currency.clone(),
            as_of: snapshot.fetched_at,
            window,
            snapshot: snapshot.clone(),
        }
    }

    /// Account `id`'s month by month amounts, oldest first.
    #[must_use]
    pub fn history(&self, id: &str) -> Vec<(YearMonth, f64)> {
        self.snapshot
            .monthly
            .get(id)
            .map(|months| self.window.history(months).collect())
            .unwrap_or_default()
    }
}
