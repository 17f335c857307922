//! What accounts and OUs cost: per-account month figures from monthly Cost Explorer results,
//! OU roll-ups, amounts formatted for people, and one read as a snapshot (pure; the read is
//! `app::cost_reader`, its file `store::cost_cache`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime};

use super::model::{Org, OrgTree};

/// A calendar month, `2026-11` (also its JSON form, so it can key a map).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub struct YearMonth {
    pub year: i32,
    pub month: u8,
}

impl YearMonth {
    #[must_use]
    pub fn of(date: Date) -> Self {
        Self {
            year: date.year(),
            month: u8::from(date.month()),
        }
    }

    /// The month before.
    #[must_use]
    pub fn previous(self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// Days in the month.
    #[must_use]
    pub fn days(self) -> u8 {
        Month::try_from(self.month).map_or(30, |m| m.length(self.year))
    }

    /// From a Cost Explorer period start, `2026-11-01`.
    #[must_use]
    pub fn parse(start: &str) -> Option<Self> {
        let mut parts = start.split('-');
        let year = parts.next()?.parse().ok()?;
        let month: u8 = parts.next()?.parse().ok()?;
        (1..=12).contains(&month).then_some(Self { year, month })
    }
}

impl From<YearMonth> for String {
    fn from(m: YearMonth) -> Self {
        m.to_string()
    }
}

/// Read from the text as it is: a cached read holds six of them per account, and going
/// through a `String` each would be as many allocations.
impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Month;
        impl serde::de::Visitor<'_> for Month {
            type Value = YearMonth;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a month (YYYY-MM)")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<YearMonth, E> {
                YearMonth::parse(s)
                    .ok_or_else(|| E::custom(format!("`{s}` is not a month (YYYY-MM)")))
            }
        }
        deserializer.deserialize_str(Month)
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// One account's cost: this month so far, last month, and the months before.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostSummary {
    pub month_to_date: f64,
    pub last_month: f64,
    pub currency: String,
    /// Oldest first, the current month last.
    pub history: Vec<(YearMonth, f64)>,
    /// Month to date against last month at the same point (prorated by day), in percent;
    /// `None` when last month cost nothing.
    pub change_pct: Option<f64>,
}

/// Monthly amounts per account id (as Cost Explorer groups them by `LINKED_ACCOUNT`).
pub type MonthlyByAccount = BTreeMap<String, BTreeMap<YearMonth, f64>>;

/// One account's figures: this month so far, last month, and this month against last month
/// at the same point, in percent (`None` when last month cost nothing).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figures {
    pub month_to_date: f64,
    pub last_month: f64,
    pub change_pct: Option<f64>,
}

/// The months an account's figures are taken over as of a day: this month, last month, and
/// the history window (oldest first, this month last). One per read, shared by every account.
#[derive(Clone, Debug, PartialEq)]
pub struct CostWindow {
    months: Vec<YearMonth>,
    current: YearMonth,
    last: YearMonth,
    /// How much of last month had passed at today's point of it.
    fraction: f64,
}

impl CostWindow {
    /// As of `today`, keeping `months` months of history (at least two).
    #[must_use]
    pub fn new(today: Date, months: usize) -> Self {
        let current = YearMonth::of(today);
        let last = current.previous();
        let mut window = vec![current];
        while window.len() < months.max(2) {
            let earliest = *window.last().unwrap_or(&current);
            window.push(earliest.previous());
        }
        window.reverse();
        Self {
            months: window,
            current,
            last,
            fraction: f64::from(today.day()) / f64::from(last.days().max(today.day())),
        }
    }

    /// One account's figures, from its months.
    #[must_use]
    pub fn figures(&self, by_month: &BTreeMap<YearMonth, f64>) -> Figures {
        let mtd = amount(by_month, self.current);
        let last = amount(by_month, self.last);
        // The same point of last month, assuming cost accrued evenly over its days.
        let same_point = last * self.fraction;
        Figures {
            month_to_date: mtd,
            last_month: last,
            change_pct: (same_point > 0.0).then(|| (mtd - same_point) / same_point * 100.0),
        }
    }

    /// One account's month by month amounts over the window, oldest first.
    pub fn history<'a>(
        &'a self,
        by_month: &'a BTreeMap<YearMonth, f64>,
    ) -> impl ExactSizeIterator<Item = (YearMonth, f64)> + 'a {
        self.months.iter().map(|&m| (m, amount(by_month, m)))
    }

    /// One account's summary.
    #[must_use]
    pub fn summary(&self, by_month: &BTreeMap<YearMonth, f64>, currency: &str) -> CostSummary {
        let Figures {
            month_to_date,
            last_month,
            change_pct,
        } = self.figures(by_month);
        CostSummary {
            month_to_date,
            last_month,
            currency: currency.to_owned(),
            history: self.history(by_month).collect(),
            change_pct,
        }
    }
}

fn amount(by_month: &BTreeMap<YearMonth, f64>, month: YearMonth) -> f64 {
    by_month.get(&month).copied().unwrap_or(0.0)
}

/// Summaries for every account with data, as of `today`, keeping `months` months of history.
#[must_use]
pub fn summarize(
    monthly: &MonthlyByAccount,
    currency: &str,
    today: Date,
    months: usize,
) -> BTreeMap<String, CostSummary> {
    let window = CostWindow::new(today, months);
    monthly
        .iter()
        .map(|(account, by_month)| (account.clone(), window.summary(by_month, currency)))
        .collect()
}

/// Totals beneath each OU (all levels), by OU index: (month to date, last month), from what
/// `cost` gives of each account (by index): its figures, where it has them.
#[must_use]
pub fn roll_up(
    org: &Org,
    tree: &OrgTree,
    cost: impl Fn(usize) -> Option<Figures>,
) -> Vec<(f64, f64)> {
    let mut totals = vec![(0.0, 0.0); org.org_units.len()];
    for (i, a) in org.accounts.iter().enumerate() {
        let Some(c) = cost(i) else {
            continue;
        };
        let mut parent = tree.ou_by_id(&a.parent_id);
        let mut guard = 0;
        while let Some(p) = parent {
            totals[p].0 += c.month_to_date;
            totals[p].1 += c.last_month;
            parent = tree.ou_by_id(&org.org_units[p].parent_id);
            guard += 1;
            if guard > org.org_units.len() {
                break;
            }
        }
    }
    totals
}

/// An amount for people: `$38.40`, `$1.2k`, `$3.4M`, `€12.00`, `12.00 CHF`.
#[must_use]
pub fn format_amount(amount: f64, currency: &str) -> String {
    let (symbol, suffix_code) = match currency {
        "USD" => ("$", false),
        "EUR" => ("€", false),
        "GBP" => ("£", false),
        "JPY" => ("¥", false),
        _ => ("", true),
    };
    let sign = if amount < 0.0 { "-" } else { "" };
    let a = amount.abs();
    let number = if a >= 999_950.0 {
        format!("{:.1}M", a / 1_000_000.0)
    } else if a >= 999.95 {
        format!("{:.1}k", a / 1_000.0)
    } else {
        format!("{a:.2}")
    };
    if suffix_code {
        format!("{sign}{number} {currency}")
    } else {
        format!("{sign}{symbol}{number}")
    }
}

/// One read of Cost Explorer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostSnapshot {
    #[serde(with = "time::serde::rfc3339")]
    pub fetched_at: OffsetDateTime,
    pub metric: String,
    /// Months of history the read covers.
    pub months: u8,
    pub currency: String,
    pub monthly: MonthlyByAccount,
    /// Requests the read took (each one is charged).
    pub requests: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::{Account, AccountId, AccountStatus, OrgUnit};
    use time::macros::date;

    fn ym(year: i32, month: u8) -> YearMonth {
        YearMonth { year, month }
    }

    #[test]
    fn months_read_back_as_keys_and_values_and_bad_ones_are_refused() {
        let nov = YearMonth {
            year: 2026,
            month: 11,
        };
        let map: BTreeMap<YearMonth, f64> = [(nov, 1.5)].into();
        let text = serde_json::to_string(&map).unwrap();
        assert_eq!(text, r#"{"2026-11":1.5}"#);
        assert_eq!(
            serde_json::from_str::<BTreeMap<YearMonth, f64>>(&text).unwrap(),
            map
        );
        assert_eq!(
            serde_json::from_str::<YearMonth>(r#""2026-11""#).unwrap(),
            nov
        );
        let bad = serde_json::from_str::<YearMonth>(r#""2026-13""#).unwrap_err();
        assert!(
            bad.to_string().contains("`2026-13` is not a month"),
            "{bad}"
        );
        assert!(serde_json::from_str::<YearMonth>("202611").is_err());
    }

    #[test]
    fn months_step_back_across_years() {
        assert_eq!(ym(2026, 1).previous(), ym(2025, 12));
        assert_eq!(ym(2024, 2).days(), 29);
        assert_eq!(YearMonth::parse("2026-11-01"), Some(ym(2026, 11)));
        assert_eq!(YearMonth::parse("2026-13-01"), None);
        assert_eq!(ym(2026, 3).to_string(), "2026-03");
    }

    #[test]
    fn summary_compares_with_the_same_point_of_last_month() {
        let mut monthly = MonthlyByAccount::new();
        monthly.insert(
            "111122223333".into(),
            [
                (ym(2026, 10), 3100.0),
                (ym(2026, 11), 1200.0),
                (ym(2026, 6), 10.0),
            ]
            .into(),
        );
        let s = summarize(&monthly, "USD", date!(2026 - 11 - 10), 6);
        let a = &s["111122223333"];
        assert!((a.month_to_date - 1200.0).abs() < 1e-9);
        assert!((a.last_month - 3100.0).abs() < 1e-9);
        // October has 31 days: by the 10th it had cost 1000; now 1200 → +20 %.
        assert!((a.change_pct.unwrap() - 20.0).abs() < 1e-9);
        let months: Vec<String> = a.history.iter().map(|(m, _)| m.to_string()).collect();
        assert_eq!(
            months,
            [
                "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"
            ]
        );
        assert!((a.history[0].1 - 10.0).abs() < 1e-9);
    }

    #[test]
    fn no_change_without_last_month() {
        let mut monthly = MonthlyByAccount::new();
        monthly.insert("1".into(), [(ym(2026, 11), 5.0)].into());
        let s = summarize(&monthly, "USD", date!(2026 - 11 - 3), 6);
        assert_eq!(s["1"].change_pct, None);
    }

    #[test]
    fn ou_totals_include_every_level() {
        let ou = |id: &str, parent: &str| OrgUnit {
            id: id.into(),
            name: id.into(),
            parent_id: parent.into(),
        };
        let acct = |n: u64, parent: &str| Account {
            id: AccountId::from_number(n),
            name: n.to_string(),
            email: String::new(),
            status: AccountStatus::Active,
            joined: None,
            parent_id: parent.into(),
            tags: crate::domain::model::Tags::new(),
            sso: false,
            sso_roles: Vec::new(),
            sso_roles_read: false,
            org: None,
        };
        let org = Org {
            root_id: "r".into(),
            org_units: vec![ou("w", "r"), ou("p", "w")],
            accounts: vec![acct(1, "p"), acct(2, "w"), acct(3, "r")],
            ..Org::default()
        };
        let tree = OrgTree::build(&org);
        let mut monthly = MonthlyByAccount::new();
        for (n, v) in [(1, 10.0), (2, 5.0), (3, 100.0)] {
            monthly.insert(
                AccountId::from_number(n).to_string(),
                [(ym(2026, 11), v)].into(),
            );
        }
        let costs = summarize(&monthly, "USD", date!(2026 - 11 - 3), 6);
        let window = CostWindow::new(date!(2026 - 11 - 3), 6);
        let totals = roll_up(&org, &tree, |i| {
            monthly
                .get(org.accounts[i].id.as_str())
                .map(|m| window.figures(m))
        });
        let one = AccountId::from_number(1);
        assert!(
            (costs[one.as_str()].month_to_date
                - window.figures(&monthly[one.as_str()]).month_to_date)
                .abs()
                < 1e-9,
            "a summary's figures are the window's"
        );
        assert!((totals[0].0 - 15.0).abs() < 1e-9, "w = p + its own");
        assert!((totals[1].0 - 10.0).abs() < 1e-9);
    }

    #[test]
    fn amounts_read_like_money() {
        assert_eq!(format_amount(38.4, "USD"), "$38.40");
        assert_eq!(format_amount(1234.0, "USD"), "$1.2k");
        assert_eq!(format_amount(999.99, "USD"), "$1.0k");
        assert_eq!(format_amount(3_400_000.0, "USD"), "$3.4M");
        assert_eq!(format_amount(-12.0, "EUR"), "-€12.00");
        assert_eq!(format_amount(12.0, "CHF"), "12.00 CHF");
    }
}
