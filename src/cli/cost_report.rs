//! `awsnav cost`: cost per account or per OU, as a table for people or JSON for programs.

use std::fmt::Write as _;

use anyhow::bail;
use serde::Serialize;

use super::args::CostBy;
use super::list::{Costs, MonthAmount};
use super::output::{pad, pad_left, write_stdout, write_text};
use super::refresh;
use crate::app::context::AppContext;
use crate::domain::cost::{format_amount, roll_up};
use crate::domain::inventory::Inventory;
use crate::domain::model::OrgTree;
use crate::domain::untrusted::visible;

/// One row of the report.
#[derive(Debug, Serialize)]
pub struct ReportRow {
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
    pub rows: Vec<ReportRow>,
    pub total_month_to_date: f64,
    pub total_last_month: f64,
    pub currency: String,
    pub as_of: String,
}

fn currency_of(costs: &Costs) -> String {
    if costs.snapshot.monthly.is_empty() {
        "USD".to_owned()
    } else {
        costs.snapshot.currency.clone()
    }
}

/// One row per account with data, most expensive this month first.
#[must_use]
pub fn by_account(inv: &Inventory, _tree: &OrgTree, costs: &Costs) -> Report {
    let summaries = costs.summaries();
    let mut rows: Vec<ReportRow> = inv
        .org
        .accounts
        .iter()
        .filter_map(|a| {
            let c = summaries.get(a.id.as_str())?;
            Some(ReportRow {
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
    let totals = roll_up(&inv.org, tree, |i| {
        let months = costs
            .snapshot
            .monthly
            .get(inv.org.accounts[i].id.as_str())?;
        Some(costs.window.figures(months))
    });
    let currency = currency_of(costs);
    let mut rows: Vec<ReportRow> = inv
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
            ReportRow {
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

fn finish(by: &'static str, rows: Vec<ReportRow>, costs: &Costs) -> Report {
    let window = &costs.window;
    let (mtd, last) = costs
        .snapshot
        .monthly
        .values()
        .fold((0.0, 0.0), |(m, l), months| {
            let c = window.figures(months);
            (m + c.month_to_date, l + c.last_month)
        });
    Report {
        by,
        rows,
        total_month_to_date: mtd,
        total_last_month: last,
        currency: currency_of(costs),
        as_of: costs.as_of_text(),
    }
}

impl Report {
    #[must_use]
    pub fn json(&self) -> String {
        let mut s = crate::domain::untrusted::json_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    #[must_use]
    pub fn table(&self) -> String {
        let head = if self.by == "ou" { "OU" } else { "ACCOUNT" };
        let width = self
            .rows
            .iter()
            .map(|r| super::output::width(&visible(&r.name)))
            .max()
            .unwrap_or(0)
            .max(head.len())
            .max(5);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}  {:<14}  {:>10}  {:>10}  {:>7}",
            pad(head, width),
            "ID",
            "MTD",
            "LAST MONTH",
            "CHANGE"
        );
        for r in &self.rows {
            let change = r
                .change_pct
                .map_or_else(String::new, |c| format!("{c:+.0}%"));
            let _ = writeln!(
                out,
                "{}  {:<14}  {}  {}  {:>7}",
                pad(&visible(&r.name), width),
                r.id,
                pad_left(&format_amount(r.month_to_date, &r.currency), 10),
                pad_left(&format_amount(r.last_month, &r.currency), 10),
                change
            );
        }
        let _ = writeln!(
            out,
            "{}  {:<14}  {}  {}",
            pad("TOTAL", width),
            "",
            pad_left(&format_amount(self.total_month_to_date, &self.currency), 10),
            pad_left(&format_amount(self.total_last_month, &self.currency), 10)
        );
        let _ = writeln!(out, "as of {}", self.as_of);
        out
    }
}

/// `awsnav cost`: a cost report by account (most expensive first) or by OU.
///
/// # Errors
/// When the inventory cannot be had, or cost is off or unavailable.
pub async fn cost(
    ctx: &AppContext,
    json: bool,
    by: CostBy,
    refresh_cost: bool,
) -> anyhow::Result<()> {
    let demo = ctx.is_demo();
    if demo {
        bail!("the demo organization has no costs; run without --demo");
    }
    if !ctx.config.cost.enabled {
        bail!(
            "cost reading is off ([cost] enabled = false in {})",
            ctx.paths.config_file.display()
        );
    }
    let inv = refresh::inventory(ctx, false).await?;
    let Some(costs) = super::list::account_costs(ctx, refresh_cost).await else {
        bail!("no cost data (see above)");
    };
    let tree = OrgTree::build(&inv.org);
    let report = match by {
        CostBy::Account => by_account(&inv, &tree, &costs),
        CostBy::Ou => by_ou(&inv, &tree, &costs),
    };
    if json {
        write_stdout(&report.json())
    } else {
        write_text(&report.table())
    }
}
