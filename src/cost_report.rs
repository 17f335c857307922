//! `awsnav cost`: cost per account or per OU, as a table for people or JSON for programs.

use std::fmt::Write as _;

use serde::Serialize;

use crate::cost::{format_amount, roll_up};
use crate::inventory::Inventory;
use crate::list::{Costs, MonthAmount};
use crate::model::OrgTree;

/// One row of the report.
#[derive(Debug, Serialize)]
pub struct Row {
    /// Account name, or the OU path.
    pub name: String,
    /// Account id or OU id.
    pub id: String,
    pub month_to_date: f64,
    pub last_month: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_pct: Option<f64>,
    pub currency: String,
    /// Month by month, oldest first (accounts only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<MonthAmount>,
}

/// Rows, their total, and what they are.
#[derive(Debug, Serialize)]
pub struct Report {
    pub by: &'static str,
    pub rows: Vec<Row>,
    pub total_month_to_date: f64,
    pub total_last_month: f64,
    pub currency: String,
    pub as_of: String,
}

fn currency_of(costs: &Costs) -> String {
    costs
        .by_account
        .values()
        .next()
        .map_or_else(|| "USD".to_owned(), |c| c.currency.clone())
}

fn as_of(costs: &Costs) -> String {
    costs
        .as_of
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// One row per account with data, most expensive this month first.
#[must_use]
pub fn by_account(inv: &Inventory, _tree: &OrgTree, costs: &Costs) -> Report {
    let mut rows: Vec<Row> = inv
        .org
        .accounts
        .iter()
        .filter_map(|a| {
            let c = costs.by_account.get(a.id.as_str())?;
            Some(Row {
                name: a.name.clone(),
                id: a.id.to_string(),
                month_to_date: c.month_to_date,
                last_month: c.last_month,
                change_pct: c.change_pct,
                currency: c.currency.clone(),
                history: c
                    .history
                    .iter()
                    .map(|(m, a)| MonthAmount {
                        month: m.to_string(),
                        amount: (a * 100.0).round() / 100.0,
                    })
                    .collect(),
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        b.month_to_date
            .total_cmp(&a.month_to_date)
            .then_with(|| a.name.cmp(&b.name))
    });
    finish("account", rows, costs)
}

/// One row per OU (everything beneath it), in path order.
#[must_use]
pub fn by_ou(inv: &Inventory, tree: &OrgTree, costs: &Costs) -> Report {
    let totals = roll_up(&inv.org, tree, &costs.by_account);
    let currency = currency_of(costs);
    let mut rows: Vec<Row> = inv
        .org
        .org_units
        .iter()
        .enumerate()
        .map(|(i, ou)| {
            let path: Vec<&str> = tree
                .ou_ancestry(&inv.org, i)
                .into_iter()
                .map(|o| inv.org.org_units[o].name.as_str())
                .collect();
            Row {
                name: path.join("/"),
                id: ou.id.clone(),
                month_to_date: totals[i].0,
                last_month: totals[i].1,
                change_pct: None,
                currency: currency.clone(),
                history: Vec::new(),
            }
        })
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    let mut report = finish("ou", Vec::new(), costs);
    report.rows = rows;
    report
}

fn finish(by: &'static str, rows: Vec<Row>, costs: &Costs) -> Report {
    let (mtd, last) = costs.by_account.values().fold((0.0, 0.0), |(m, l), c| {
        (m + c.month_to_date, l + c.last_month)
    });
    Report {
        by,
        rows,
        total_month_to_date: mtd,
        total_last_month: last,
        currency: currency_of(costs),
        as_of: as_of(costs),
    }
}

impl Report {
    #[must_use]
    pub fn json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    #[must_use]
    pub fn table(&self) -> String {
        let head = if self.by == "ou" { "OU" } else { "ACCOUNT" };
        let width = self
            .rows
            .iter()
            .map(|r| r.name.chars().count())
            .max()
            .unwrap_or(0)
            .max(head.len())
            .max(5);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{head:<width$}  {:<14}  {:>10}  {:>10}  {:>7}",
            "ID", "MTD", "LAST MONTH", "CHANGE"
        );
        for r in &self.rows {
            let change = r
                .change_pct
                .map_or_else(String::new, |c| format!("{c:+.0}%"));
            let _ = writeln!(
                out,
                "{:<width$}  {:<14}  {:>10}  {:>10}  {:>7}",
                r.name,
                r.id,
                format_amount(r.month_to_date, &r.currency),
                format_amount(r.last_month, &r.currency),
                change
            );
        }
        let _ = writeln!(
            out,
            "{:<width$}  {:<14}  {:>10}  {:>10}",
            "TOTAL",
            "",
            format_amount(self.total_month_to_date, &self.currency),
            format_amount(self.total_last_month, &self.currency)
        );
        let _ = writeln!(out, "as of {}", self.as_of);
        out
    }
}
