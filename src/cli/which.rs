//! `awsnav which`: the account behind ARNs and account ids, for reading logs, alerts and
//! `CloudTrail` events.

use std::process::ExitCode;

use serde::Serialize;
use time::OffsetDateTime;

use super::output::{pad, visible_cells, width, write_stdout, write_text};
use super::refresh;
use crate::app::context::AppContext;
use crate::domain::arn::{Arn, looks_like_arn};
use crate::domain::inventory::Inventory;
use crate::domain::model::{AccountId, OrgTree};

/// What one argument of `which` names.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Which {
    /// The argument as given.
    pub input: String,
    /// The account id it names; `None` when it names none.
    pub account_id: Option<String>,
    /// The account, when the organization has it.
    pub account: Option<WhichAccount>,
    /// Why the argument names no account of the organization.
    pub error: Option<String>,
}

#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct WhichAccount {
    pub name: String,
    /// Its organization (`[[org]] name`); left out with one organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// OU names from the root's child down to the account's OU, within its organization.
    pub ou_path: Vec<String>,
    pub production: bool,
}

/// The account id an argument names: a 12-digit id, or an ARN's account field.
///
/// # Errors
/// Why it names none, phrased for the user.
pub fn account_of(input: &str) -> Result<String, String> {
    let text = input.trim();
    if looks_like_arn(text) {
        let arn = Arn::parse(text).map_err(|e| e.to_string())?;
        return arn
            .account
            .ok_or_else(|| format!("the ARN names no account ({} ARNs carry none)", arn.service));
    }
    AccountId::parse(text)
        .map(|id| id.to_string())
        .map_err(|_| format!("`{text}` is neither an ARN nor a 12-digit account id"))
}

/// Each input, looked up in `inv`.
#[must_use]
pub fn resolve(ctx: &AppContext, inv: &Inventory, inputs: &[String]) -> Vec<Which> {
    let tree = OrgTree::build(&inv.org);
    let production = ctx.classifier.classify_all(inv, &tree);
    inputs
        .iter()
        .map(|input| match account_of(input) {
            Err(error) => Which {
                input: input.clone(),
                account_id: None,
                account: None,
                error: Some(error),
            },
            Ok(id) => {
                let found = inv.org.accounts.iter().position(|a| a.id.as_str() == id);
                Which {
                    input: input.clone(),
                    account: found.map(|i| WhichAccount {
                        name: inv.org.accounts[i].name.clone(),
                        org: inv.org.accounts[i].org.clone(),
                        ou_path: crate::domain::orgs::ou_path(inv, &tree, i).to_vec(),
                        production: production[i],
                    }),
                    error: found.is_none().then(|| {
                        format!(
                            "account {id} is not in the organization{}",
                            if ctx.orgs.is_empty() { "" } else { "s" }
                        )
                    }),
                    account_id: Some(id),
                }
            }
        })
        .collect()
}

/// The lines `which` prints, one per argument in order: id, name, OU path and PROD in
/// columns; the id (or the argument) and why, for one that names no account of the
/// organization.
#[must_use]
pub fn table(found: &[Which]) -> String {
    let rows: Vec<[String; 4]> = found
        .iter()
        .map(|w| match (&w.account_id, &w.account) {
            (Some(id), Some(a)) => [
                id.clone(),
                a.name.clone(),
                {
                    let path = if a.ou_path.is_empty() {
                        "/".to_owned()
                    } else {
                        a.ou_path.join("/")
                    };
                    match &a.org {
                        Some(org) => format!("{org}: {path}"),
                        None => path,
                    }
                },
                if a.production { "PROD" } else { "" }.to_owned(),
            ],
            _ => [
                w.account_id.clone().unwrap_or_else(|| w.input.clone()),
                format!("({})", w.error.as_deref().unwrap_or_default()),
                String::new(),
                String::new(),
            ],
        })
        .collect();
    let rows = visible_cells(rows);
    let widths: Vec<usize> = (0..3)
        .map(|c| {
            rows.iter()
                .filter(|r| !r[2].is_empty())
                .map(|r| width(&r[c]))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &rows {
        let line = if row[2].is_empty() {
            format!("{}  {}", pad(&row[0], widths[0]), row[1])
        } else {
            format!(
                "{}  {}  {}  {}",
                pad(&row[0], widths[0]),
                pad(&row[1], widths[1]),
                pad(&row[2], widths[2]),
                row[3]
            )
        };
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `awsnav which ARN-OR-ID…`: exit code 1 when any argument names no account of the
/// organization.
///
/// # Errors
/// When the inventory cannot be had or stdout fails.
pub async fn which(ctx: &AppContext, inputs: &[String], json: bool) -> anyhow::Result<ExitCode> {
    let demo = ctx.is_demo();
    let inv = if demo {
        crate::domain::demo::inventory(OffsetDateTime::now_utc())
    } else {
        refresh::inventory(ctx, false).await?
    };
    let found = resolve(ctx, &inv, inputs);
    if json {
        write_stdout(&format!(
            "{}\n",
            crate::domain::untrusted::json_pretty(&found)?
        ))?;
    } else {
        write_text(&table(&found))?;
    }
    Ok(if found.iter().all(|w| w.account.is_some()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
