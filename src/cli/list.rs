//! `awsnav list`: the accounts as JSON for programs (the documented contract) or a table.

use std::collections::BTreeMap;
use std::process::ExitCode;

use serde::Serialize;
use time::OffsetDateTime;

use super::guardrails::PolicyRecord;
use super::output::say;
use super::output::{pad, visible_cells, width, write_text};
use super::refresh;
use crate::app::context::AppContext;
use crate::app::cost_reader::CostState;
use crate::domain::cost::{CostSnapshot, CostSummary, CostWindow, Figures, YearMonth};
use crate::domain::guardrails::Parents;
use crate::domain::inventory::Inventory;
use crate::domain::lookalike::Lookalikes;
use crate::domain::model::{OrgTree, Tags, sort_by_name};
use crate::domain::selector::TagList;
use crate::domain::untrusted::HIDDEN_LEAD_BYTES;
use crate::store::inventory_codec::InventoryView;

/// One account in `list --json`. Field names and meanings are a public contract.
#[derive(Debug, Serialize)]
pub struct AccountRecord<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub status: &'static str,
    /// Its organization (`[[org]] name`); left out with one organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org: Option<&'a str>,
    /// OU names from the root's child down to the account's OU, within its organization.
    pub ou_path: &'a [String],
    pub ou_id: &'a str,
    pub tags: &'a Tags,
    pub joined: Option<String>,
    /// Roles awsnav can get into there: IAM Identity Center's, then those of role rules.
    pub roles: Vec<String>,
    /// The roles IAM Identity Center gives you there (empty without it; `null` where it
    /// lists the account but its roles have not been read yet: `list --json --roles`).
    pub sso_roles: Option<&'a [String]>,
    /// The roles SAML identity providers gave you there at their last sign-in (left out
    /// where none do).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub saml_roles: Vec<String>,
    pub production: bool,
    /// The ids of the other accounts whose names look like this one's (left out where none
    /// do): `Payments-Prod`, `payments-prod ` and `payments-prod\u200b` beside `payments-prod`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub same_name_as: Vec<&'a str>,
    /// Month-to-date and last month's cost, when cost is known.
    pub cost: Option<CostRecord>,
    /// Every organization policy that applies there (its own and inherited), once known:
    /// `awsnav policies` or the TUI reads them, `[org] policies = "sync"` at every refresh.
    pub policies: Option<Vec<PolicyRecord<'a>>>,
}

/// The `cost` object of `list --json`.
#[derive(Debug, Serialize)]
pub struct CostRecord {
    pub month_to_date: f64,
    pub last_month: f64,
    pub currency: String,
    /// Month to date against last month at the same point (prorated by day), percent.
    pub change_pct: Option<f64>,
    pub history: Vec<MonthAmount>,
    /// When Cost Explorer was read (RFC 3339).
    pub as_of: String,
}

#[derive(Debug, Serialize)]
pub struct MonthAmount {
    pub month: String,
    pub amount: f64,
}

/// Per-account costs from one read of Cost Explorer, as of a day. An account's figures are
/// worked out when it is shown, from its months in the read: none for accounts not listed.
pub struct Costs {
    pub snapshot: CostSnapshot,
    pub window: CostWindow,
}

impl Costs {
    /// `snapshot` as of `today`, with `months` months of history.
    #[must_use]
    pub fn new(snapshot: CostSnapshot, today: time::Date, months: usize) -> Self {
        Self {
            snapshot,
            window: CostWindow::new(today, months),
        }
    }

    /// Every account with data, summed up (`awsnav cost`).
    #[must_use]
    pub fn summaries(&self) -> BTreeMap<String, CostSummary> {
        let currency = &self.snapshot.currency;
        self.snapshot
            .monthly
            .iter()
            .map(|(account, months)| (account.clone(), self.window.summary(months, currency)))
            .collect()
    }

    /// When Cost Explorer was read, as `as_of` shows it (RFC 3339).
    #[must_use]
    pub fn as_of_text(&self) -> String {
        self.snapshot
            .fetched_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    }

    fn record(&self, account: &str) -> Option<CostRecord> {
        let months = self.snapshot.monthly.get(account)?;
        let Figures {
            month_to_date,
            last_month,
            change_pct,
        } = self.window.figures(months);
        Some(CostRecord {
            month_to_date: round2(month_to_date),
            last_month: round2(last_month),
            currency: self.snapshot.currency.clone(),
            change_pct: change_pct.map(round1),
            history: self
                .window
                .history(months)
                .map(|(m, a)| MonthAmount {
                    month: m.to_string(),
                    amount: round2(a),
                })
                .collect(),
            as_of: self.as_of_text(),
        })
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Roles offered and production flag of account `i`.
/// An account's offered roles, its SAML roles among them, and whether it is production.
pub type Enrich<'a> = dyn Fn(usize) -> (Vec<String>, Vec<String>, bool) + 'a;

/// Accounts sorted by name (case-insensitive), then id.
#[must_use]
pub fn records<'a>(
    inv: &'a Inventory,
    tree: &'a OrgTree,
    enrich: &Enrich<'_>,
    costs: Option<&Costs>,
) -> Vec<AccountRecord<'a>> {
    let parents = policy_parents(inv);
    let alike = lookalikes(inv);
    listing_order(inv)
        .into_iter()
        .map(|i| record(inv, tree, parents.as_ref(), &alike, enrich, costs, i))
        .collect()
}

/// Which accounts' names look like another's.
fn lookalikes(inv: &Inventory) -> Lookalikes {
    Lookalikes::of(inv.org.accounts.iter().map(|a| a.name.as_str()))
}

/// The ids of the accounts whose names look like that of account `i` of `accounts`.
fn same_name_as<'a, T>(
    alike: &Lookalikes,
    accounts: &'a [T],
    id: impl Fn(&'a T) -> &'a str,
    i: usize,
) -> Vec<&'a str> {
    alike.others(i).map(|j| id(&accounts[j])).collect()
}

/// The parents the policies of accounts need, when those of some account are known (an
/// account's are listed only once its own were read).
fn policy_parents(inv: &Inventory) -> Option<Parents> {
    let attached = &inv.guardrails.attached;
    attached
        .keys()
        .any(|k| crate::domain::model::AccountId::parse(k).is_ok())
        .then(|| Parents::with_accounts(&inv.org, |id| attached.contains_key(id)))
}

/// Account indexes by name (case-insensitive), then id.
fn listing_order(inv: &Inventory) -> Vec<usize> {
    let accounts = &inv.org.accounts;
    let mut order: Vec<usize> = (0..accounts.len()).collect();
    sort_by_name(
        &mut order,
        |i| &accounts[i].name,
        |a, b| accounts[a].id.cmp(&accounts[b].id),
    );
    order
}

/// The record of account `i`.
fn record<'a>(
    inv: &'a Inventory,
    tree: &'a OrgTree,
    parents: Option<&Parents>,
    alike: &Lookalikes,
    enrich: &Enrich<'_>,
    costs: Option<&Costs>,
    i: usize,
) -> AccountRecord<'a> {
    let a = &inv.org.accounts[i];
    let (roles, saml_roles, production) = enrich(i);
    let policies = parents.and_then(|p| {
        let applied = inv.guardrails.applied(p, a.id.as_str())?;
        Some(applied.iter().map(PolicyRecord::short).collect())
    });
    AccountRecord {
        id: a.id.as_str(),
        name: &a.name,
        email: &a.email,
        status: a.status.as_str(),
        org: a.org.as_deref(),
        ou_path: crate::domain::orgs::ou_path(inv, tree, i),
        ou_id: &a.parent_id,
        tags: &a.tags,
        joined: a.joined.and_then(|j| {
            j.format(&time::format_description::well_known::Rfc3339)
                .ok()
        }),
        roles,
        sso_roles: (!a.sso_roles_unknown()).then_some(a.sso_roles.as_slice()),
        saml_roles,
        production,
        same_name_as: same_name_as(alike, &inv.org.accounts, |a| a.id.as_str(), i),
        cost: costs.and_then(|c| c.record(a.id.as_str())),
        policies,
    }
}

/// The JSON array printed by `list --json`.
///
/// # Errors
/// Never in practice (serializing owned strings and maps).
pub fn json(
    inv: &Inventory,
    tree: &OrgTree,
    enrich: &Enrich<'_>,
    costs: Option<&Costs>,
) -> serde_json::Result<String> {
    crate::domain::untrusted::json_pretty(&records(inv, tree, enrich, costs))
}

/// Writes the JSON array of `list --json` and a newline to `out`, an account at a time as
/// it is made (thousands of accounts make megabytes). The same bytes as [`json`] gives, written
/// by hand: the fields straight from the inventory, strings without anything to escape copied
/// as they are; only `cost` and `policies`, when known, go through serde.
///
/// # Errors
/// When `out` cannot be written.
pub fn write_json<W: std::io::Write>(
    out: &mut W,
    inv: &Inventory,
    tree: &OrgTree,
    enrich: &Enrich<'_>,
    costs: Option<&Costs>,
) -> std::io::Result<()> {
    let parents = policy_parents(inv);
    let alike = lookalikes(inv);
    let as_of = costs.map(Costs::as_of_text);
    write_array(out, listing_order(inv), |buf, i| {
        let a = &inv.org.accounts[i];
        let (roles, saml_roles, production) = enrich(i);
        let policies: Option<Vec<PolicyRecord<'_>>> = parents.as_ref().and_then(|p| {
            let applied = inv.guardrails.applied(p, a.id.as_str())?;
            Some(applied.iter().map(PolicyRecord::short).collect())
        });
        write_account(
            buf,
            &Listed {
                id: a.id.as_str(),
                name: &a.name,
                email: &a.email,
                status: a.status.as_str(),
                org: a.org.as_deref(),
                ou_path: crate::domain::orgs::ou_path(inv, tree, i),
                ou_id: &a.parent_id,
                tags: TagList::Tags(&a.tags),
                joined: a.joined,
                roles: &roles,
                sso_roles: (!a.sso_roles_unknown()).then_some(a.sso_roles.as_slice()),
                saml_roles: &saml_roles,
                production,
                same_name_as: &same_name_as(&alike, &inv.org.accounts, |a| a.id.as_str(), i),
                cost: cost_of(costs, as_of.as_deref(), a.id.as_str()),
                policies: policies.as_ref(),
            },
        )
    })
}

/// What [`write_account`] writes of one account: the fields of [`AccountRecord`], from an
/// inventory's account or one read in place from the cache.
struct Listed<'a, 'r> {
    id: &'a str,
    name: &'a str,
    email: &'a str,
    status: &'static str,
    org: Option<&'a str>,
    ou_path: &'a [String],
    ou_id: &'a str,
    tags: TagList<'a>,
    joined: Option<OffsetDateTime>,
    roles: &'r [String],
    sso_roles: Option<&'r [String]>,
    saml_roles: &'r [String],
    production: bool,
    same_name_as: &'r [&'a str],
    cost: Option<AccountCost<'r>>,
    policies: Option<&'r Vec<PolicyRecord<'a>>>,
}

/// What [`write_cost`] writes of one account's cost: its months in the read, the read, and
/// when it was made (RFC 3339, formatted once for every account).
#[derive(Clone, Copy)]
struct AccountCost<'r> {
    costs: &'r Costs,
    months: &'r BTreeMap<YearMonth, f64>,
    as_of: &'r str,
}

/// `account`'s cost, when known.
fn cost_of<'r>(
    costs: Option<&'r Costs>,
    as_of: Option<&'r str>,
    account: &str,
) -> Option<AccountCost<'r>> {
    let costs = costs?;
    Some(AccountCost {
        costs,
        months: costs.snapshot.monthly.get(account)?,
        as_of: as_of?,
    })
}

/// How accounts read in place are enriched: the role catalog and production rules.
pub struct InPlace<'c> {
    pub catalog: &'c crate::domain::roles::RoleCatalog,
    pub classifier: &'c crate::domain::safety::Classifier,
}

/// One organization's cache read in place: its name (with several), the view, and Identity
/// Center's roles known per account (`None`: none are, or `[sso]` is off).
pub struct InPlacePart<'v, 'a> {
    pub org: Option<&'v str>,
    pub view: &'v InventoryView<'a>,
    pub sso: Option<&'v BTreeMap<String, crate::store::sso_role_cache::KnownRoles>>,
}

/// What one part's accounts need besides themselves: its OU tree, which OUs are
/// production, the parents its policies need.
struct PartTree {
    tree: OrgTree,
    ou_prod: Vec<bool>,
    parents: Option<Parents>,
}

impl PartTree {
    fn of(view: &InventoryView<'_>) -> Self {
        let rest = &view.rest;
        // The tree of OUs alone gives every account's OU path.
        let tree = OrgTree::build(&rest.org);
        let ou_prod =
            crate::domain::safety::Classifier::ou_production(&tree, rest.org.org_units.len());
        let attached = &rest.guardrails.attached;
        let parents = attached
            .keys()
            .any(|k| crate::domain::model::AccountId::parse(k).is_ok())
            .then(|| {
                let mut parents = Parents::with_accounts(&rest.org, |_| false);
                for a in view.accounts.iter().filter(|a| attached.contains_key(a.id)) {
                    parents.add_account(a.id, a.parent_id);
                }
                parents
            });
        Self {
            tree,
            ou_prod,
            parents,
        }
    }
}

/// [`write_json`] for inventories read in place from their caches
/// (`inventory_codec::view`): the same bytes, with no account built and no string of the
/// files copied but into the output. Several organizations' accounts are listed as one, by
/// name (each account is in one of them: see [`in_place_parts_apart`]).
///
/// # Errors
/// When `out` cannot be written.
pub fn write_json_in_place<W: std::io::Write>(
    out: &mut W,
    parts: &[InPlacePart<'_, '_>],
    with: &InPlace<'_>,
    costs: Option<&Costs>,
) -> std::io::Result<()> {
    let trees: Vec<PartTree> = parts.iter().map(|p| PartTree::of(p.view)).collect();
    let flat: Vec<(usize, &crate::store::inventory_codec::AccountRef<'_>)> = parts
        .iter()
        .enumerate()
        .flat_map(|(n, p)| p.view.accounts.iter().map(move |a| (n, a)))
        .collect();
    let alike = Lookalikes::of(flat.iter().map(|(_, a)| a.name));
    let as_of = costs.map(Costs::as_of_text);
    let mut order: Vec<usize> = (0..flat.len()).collect();
    sort_by_name(
        &mut order,
        |i| flat[i].1.name,
        |a, b| flat[a].1.id.cmp(flat[b].1.id),
    );
    write_array(out, order, |buf, i| {
        let (n, a) = flat[i];
        let (
            part,
            PartTree {
                tree,
                ou_prod,
                parents,
            },
        ) = (&parts[n], &trees[n]);
        let rest = &part.view.rest;
        let ou = tree.ou_by_id(a.parent_id);
        let account = crate::domain::selector::AccountView {
            id: a.id,
            name: a.name,
            org: part.org,
            path: ou.map_or(&[][..], |ou| tree.ou_path(ou)),
            tags: TagList::Pairs(part.view.tags(a)),
        };
        // Identity Center's roles, as `sso_roles::apply_cached` puts them into accounts.
        let known = part.sso.filter(|_| a.sso).and_then(|table| table.get(a.id));
        let sso_roles: &[String] = known.map_or(&[], |k| k.roles.as_slice());
        let offered = with
            .catalog
            .offered_in(&account, sso_roles, a.sso, rest.identity.is_some());
        let saml_roles = crate::domain::roles::RoleOption::saml_names(&offered);
        let roles: Vec<String> = offered.into_iter().map(|r| r.name).collect();
        let production = with
            .classifier
            .classify(&account, ou.is_some_and(|ou| ou_prod[ou]));
        let policies: Option<Vec<PolicyRecord<'_>>> = parents.as_ref().and_then(|p| {
            let applied = rest.guardrails.applied(p, a.id)?;
            Some(applied.iter().map(PolicyRecord::short).collect())
        });
        write_account(
            buf,
            &Listed {
                id: a.id,
                name: a.name,
                email: a.email,
                status: a.status.as_str(),
                org: part.org,
                ou_path: account.path,
                ou_id: a.parent_id,
                tags: account.tags,
                joined: a.joined,
                roles: &roles,
                sso_roles: (!(a.sso && known.is_none())).then_some(sso_roles),
                saml_roles: &saml_roles,
                production,
                same_name_as: &same_name_as(&alike, &flat, |(_, a)| a.id, i),
                cost: cost_of(costs, as_of.as_deref(), a.id),
                policies: policies.as_ref(),
            },
        )
    })
}

/// Whether several organizations' caches read in place can be listed as they are: every
/// account in one of them, and listed by Organizations (none only by a sign-in source,
/// which [`crate::domain::orgs::combine`] merges into its own organization's).
fn in_place_parts_apart(views: &[InventoryView<'_>]) -> bool {
    let mut seen = std::collections::HashSet::new();
    views.iter().all(|v| {
        let org_read = v.rest.org_error.is_none();
        org_read
            && v.accounts.iter().all(|a| {
                crate::domain::orgs::listed_by_organizations(org_read, a.parent_id)
                    && seen.insert(a.id)
            })
    })
}

/// A JSON array of the accounts `order` names, each written by `account` into a buffer that
/// goes out every 60 KiB: `[]` when there are none, serde's pretty layout otherwise.
fn write_array<W: std::io::Write>(
    out: &mut W,
    order: Vec<usize>,
    mut account: impl FnMut(&mut Vec<u8>, usize) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if order.is_empty() {
        out.write_all(b"[]\n")?;
        return out.flush();
    }
    let mut buf: Vec<u8> = Vec::with_capacity(64 << 10);
    buf.push(b'[');
    for (n, i) in order.into_iter().enumerate() {
        if n > 0 {
            buf.push(b',');
        }
        account(&mut buf, i)?;
        if buf.len() > 60 << 10 {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    buf.extend_from_slice(b"\n]\n");
    out.write_all(&buf)?;
    out.flush()
}

/// One account of [`write_json`], laid out as serde's pretty printer lays out an
/// [`AccountRecord`].
fn write_account(buf: &mut Vec<u8>, a: &Listed<'_, '_>) -> std::io::Result<()> {
    buf.extend_from_slice(b"\n  {\n    \"id\": ");
    json_str(buf, a.id);
    buf.extend_from_slice(b",\n    \"name\": ");
    json_str(buf, a.name);
    buf.extend_from_slice(b",\n    \"email\": ");
    json_str(buf, a.email);
    buf.extend_from_slice(b",\n    \"status\": ");
    json_str(buf, a.status);
    if let Some(org) = a.org {
        buf.extend_from_slice(b",\n    \"org\": ");
        json_str(buf, org);
    }
    buf.extend_from_slice(b",\n    \"ou_path\": ");
    json_strs(buf, a.ou_path.iter().map(String::as_str));
    buf.extend_from_slice(b",\n    \"ou_id\": ");
    json_str(buf, a.ou_id);
    buf.extend_from_slice(b",\n    \"tags\": ");
    let mut any = false;
    for (n, (k, v)) in a.tags.iter().enumerate() {
        buf.extend_from_slice(if n == 0 { b"{\n      " } else { b",\n      " });
        json_str(buf, k);
        buf.extend_from_slice(b": ");
        json_str(buf, v);
        any = true;
    }
    buf.extend_from_slice(if any { b"\n    }" } else { b"{}" });
    buf.extend_from_slice(b",\n    \"joined\": ");
    match a.joined {
        // RFC 3339 has nothing to escape.
        Some(j) => {
            buf.push(b'"');
            j.format_into(buf, &time::format_description::well_known::Rfc3339)
                .map_err(std::io::Error::other)?;
            buf.push(b'"');
        }
        None => buf.extend_from_slice(b"null"),
    }
    buf.extend_from_slice(b",\n    \"roles\": ");
    json_strs(buf, a.roles.iter().map(String::as_str));
    buf.extend_from_slice(b",\n    \"sso_roles\": ");
    match a.sso_roles {
        Some(roles) => json_strs(buf, roles.iter().map(String::as_str)),
        None => buf.extend_from_slice(b"null"),
    }
    if !a.saml_roles.is_empty() {
        buf.extend_from_slice(b",\n    \"saml_roles\": ");
        json_strs(buf, a.saml_roles.iter().map(String::as_str));
    }
    buf.extend_from_slice(if a.production {
        b",\n    \"production\": true"
    } else {
        b",\n    \"production\": false"
    });
    if !a.same_name_as.is_empty() {
        buf.extend_from_slice(b",\n    \"same_name_as\": ");
        json_strs(buf, a.same_name_as.iter().copied());
    }
    buf.extend_from_slice(b",\n    \"cost\": ");
    match a.cost {
        Some(cost) => write_cost(buf, cost)?,
        None => buf.extend_from_slice(b"null"),
    }
    buf.extend_from_slice(b",\n    \"policies\": ");
    nested(buf, a.policies)?;
    buf.extend_from_slice(b"\n  }");
    Ok(())
}

/// An account's `cost` object as serde's pretty printer lays out its [`CostRecord`] (see
/// [`Costs::record`]) inside an account, written straight from its months: thousands of
/// accounts each with a cost would otherwise be thousands of records built and serialized.
fn write_cost(buf: &mut Vec<u8>, cost: AccountCost<'_>) -> std::io::Result<()> {
    let window = &cost.costs.window;
    let Figures {
        month_to_date,
        last_month,
        change_pct,
    } = window.figures(cost.months);
    buf.extend_from_slice(b"{\n      \"month_to_date\": ");
    json_number(buf, round2(month_to_date))?;
    buf.extend_from_slice(b",\n      \"last_month\": ");
    json_number(buf, round2(last_month))?;
    buf.extend_from_slice(b",\n      \"currency\": ");
    json_str(buf, &cost.costs.snapshot.currency);
    buf.extend_from_slice(b",\n      \"change_pct\": ");
    match change_pct {
        Some(pct) => json_number(buf, round1(pct))?,
        None => buf.extend_from_slice(b"null"),
    }
    buf.extend_from_slice(b",\n      \"history\": [");
    let mut any = false;
    for (month, amount) in window.history(cost.months) {
        if any {
            buf.push(b',');
        }
        any = true;
        buf.extend_from_slice(b"\n        {\n          \"month\": \"");
        write_month(buf, month)?;
        buf.extend_from_slice(b"\",\n          \"amount\": ");
        json_number(buf, round2(amount))?;
        buf.extend_from_slice(b"\n        }");
    }
    if any {
        buf.extend_from_slice(b"\n      ");
    }
    buf.extend_from_slice(b"],\n      \"as_of\": ");
    json_str(buf, cost.as_of);
    buf.extend_from_slice(b"\n    }");
    Ok(())
}

/// `2026-11`, as [`YearMonth`] shows itself, without the formatting machinery: six of them
/// per account.
fn write_month(buf: &mut Vec<u8>, month: YearMonth) -> std::io::Result<()> {
    let digit = |n: u16| b'0' + u8::try_from(n % 10).unwrap_or(0);
    match u16::try_from(month.year).ok().filter(|&y| y <= 9999) {
        Some(y) if month.month <= 99 => {
            let m = u16::from(month.month);
            buf.extend_from_slice(&[
                digit(y / 1000),
                digit(y / 100),
                digit(y / 10),
                digit(y),
                b'-',
                digit(m / 10),
                digit(m),
            ]);
            Ok(())
        }
        _ => {
            use std::io::Write as _;
            write!(buf, "{month}")
        }
    }
}

/// A number as serde writes it (`null` when it is not finite).
fn json_number(buf: &mut Vec<u8>, value: f64) -> std::io::Result<()> {
    serde_json::to_writer(&mut *buf, &value).map_err(std::io::Error::other)
}

/// The bytes after which [`json_str`] cannot copy a string as it is: what JSON escapes (C0,
/// `"`, `\\`) and the first bytes of what the terminal-safe writer escapes (DEL, C1, the
/// bidirectional marks, the characters that do not show: [`HIDDEN_LEAD_BYTES`]).
const ESCAPES: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    let mut i = 0;
    while i < HIDDEN_LEAD_BYTES.len() {
        t[HIDDEN_LEAD_BYTES[i] as usize] = true;
        i += 1;
    }
    t
};

/// `s` as a JSON string, as [`crate::domain::untrusted::TerminalJson`] writes it.
fn json_str(buf: &mut Vec<u8>, s: &str) {
    // Nothing serde or the terminal-safe writer would escape: copied as it is.
    // Printable ASCII without `"` and `\\` (most names), tested without a branch per byte so
    // that the compiler checks many bytes at once; anything else takes the careful way.
    let plain = s.bytes().fold(0u8, |bad, b| {
        bad | u8::from(b < 0x20) | u8::from(b >= 0x7f) | u8::from(b == b'"') | u8::from(b == b'\\')
    }) == 0;
    if plain || !s.bytes().any(|b| ESCAPES[usize::from(b)]) {
        buf.reserve(s.len() + 2);
        buf.push(b'"');
        buf.extend_from_slice(s.as_bytes());
        buf.push(b'"');
        return;
    }
    let _ = serde::Serialize::serialize(s, &mut crate::domain::untrusted::json_serializer(buf));
}

/// An array of strings at the depth of an account's fields.
fn json_strs<'s>(buf: &mut Vec<u8>, items: impl Iterator<Item = &'s str>) {
    let mut any = false;
    for (n, s) in items.enumerate() {
        buf.extend_from_slice(if n == 0 { b"[\n      " } else { b",\n      " });
        json_str(buf, s);
        any = true;
    }
    buf.extend_from_slice(if any { b"\n    ]" } else { b"[]" });
}

/// `value` (`null` when `None`) pretty-printed at the depth of an account's fields.
fn nested<T: Serialize>(buf: &mut Vec<u8>, value: Option<&T>) -> std::io::Result<()> {
    let Some(value) = value else {
        buf.extend_from_slice(b"null");
        return Ok(());
    };
    let text = crate::domain::untrusted::json_pretty(value).map_err(std::io::Error::other)?;
    for (n, line) in text.lines().enumerate() {
        if n > 0 {
            buf.extend_from_slice(b"\n    ");
        }
        buf.extend_from_slice(line.as_bytes());
    }
    Ok(())
}

/// An aligned table for people. Where names look alike, a SAME NAME AS column gives the ids
/// of the others (left out where no two do, so most tables are as they were).
#[must_use]
pub fn table(inv: &Inventory, tree: &OrgTree, key_tags: &[String], enrich: &Enrich<'_>) -> String {
    let records = records(inv, tree, enrich, None);
    let alike = records.iter().any(|r| !r.same_name_as.is_empty());
    let rows: Vec<[String; 7]> = records
        .into_iter()
        .map(|r| {
            let tags: Vec<String> = key_tags
                .iter()
                .filter_map(|k| r.tags.get(k).map(|v| format!("{k}={v}")))
                .collect();
            [
                r.id.to_owned(),
                r.name.to_owned(),
                r.status.to_owned(),
                if r.production {
                    "PROD".to_owned()
                } else {
                    String::new()
                },
                r.same_name_as.join(","),
                if r.ou_path.is_empty() {
                    "/".to_owned()
                } else {
                    r.ou_path.join("/")
                },
                tags.join(" "),
            ]
        })
        .collect();
    let rows = visible_cells(rows);
    let header = [
        "ID",
        "NAME",
        "STATUS",
        "PROD",
        "SAME NAME AS",
        "OU PATH",
        "TAGS",
    ]
    .map(String::from);
    let mut widths = header.clone().map(|h| width(&h));
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            if i == 4 && !alike {
                continue;
            }
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&pad(cell, w));
                line.push_str("  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// What `awsnav list` was asked for.
#[derive(Clone, Copy, Debug, Default)]
#[allow(clippy::struct_excessive_bools, reason = "one per command-line flag")]
pub struct ListOpts {
    pub json: bool,
    pub refresh: bool,
    /// Read Identity Center's roles where they are not known first.
    pub roles: bool,
    pub refresh_cost: bool,
}

/// `awsnav list`.
///
/// # Errors
/// When the inventory cannot be had or stdout fails.
pub async fn list(ctx: &AppContext, opts: ListOpts) -> anyhow::Result<ExitCode> {
    let demo = ctx.is_demo();
    let ListOpts {
        json,
        refresh,
        roles,
        refresh_cost,
    } = opts;
    if json
        && !demo
        && !refresh
        && !roles
        && let Some(code) = list_json_in_place(ctx, refresh_cost).await
    {
        return code;
    }
    let mut inv = if demo {
        crate::domain::demo::inventory(OffsetDateTime::now_utc())
    } else {
        refresh::inventory(ctx, refresh).await?
    };
    if roles && !demo {
        let all: Vec<usize> = (0..inv.org.accounts.len()).collect();
        refresh::ensure_sso_roles(ctx, &mut inv, &all, true).await?;
    }
    let tree = OrgTree::build(&inv.org);
    let production = ctx.classifier.classify_all(&inv, &tree);
    let enrich = |i: usize| {
        // A new vector: collecting in place would keep each role's whole allocation.
        let offered = ctx.roles(&inv, &tree, i);
        let saml = crate::domain::roles::RoleOption::saml_names(&offered);
        let mut roles = Vec::with_capacity(offered.len());
        roles.extend(offered.into_iter().map(|r| r.name));
        (roles, saml, production[i])
    };
    let costs = if json && !demo {
        account_costs(ctx, refresh_cost).await
    } else {
        None
    };
    if json {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        match write_json(&mut out, &inv, &tree, &enrich, costs.as_ref()) {
            // `awsnav list --json | head` is not an error.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            other => other?,
        }
    } else {
        write_text(&table(&inv, &tree, &ctx.config.ui.key_tags, &enrich))?;
    }
    let code = refresh::completeness(&inv);
    // The process ends with this command: handing thousands of accounts back to the allocator
    // one string at a time would cost more than writing them did.
    std::mem::forget((tree, inv));
    Ok(code)
}

/// `list --json` straight from the cache file, read in place ([`write_json_in_place`]);
/// `None` when there is no cache of this version's layout or it cannot be used (the usual
/// way then reads, reports or rebuilds it).
async fn list_json_in_place(
    ctx: &AppContext,
    refresh_cost: bool,
) -> Option<anyhow::Result<ExitCode>> {
    // Each organization's cache (this one's alone, with one).
    let orgs: Vec<(Option<&str>, &AppContext)> = if ctx.orgs.is_empty() {
        vec![(None, ctx)]
    } else {
        ctx.orgs
            .iter()
            .map(|(name, org)| (Some(name.as_str()), org.as_ref()))
            .collect()
    };
    let bytes: Vec<Vec<u8>> = orgs
        .iter()
        .map(|(_, org)| org.inventory_cache.read_binary())
        .collect::<Option<_>>()?;
    // Several organizations' caches are read on threads of their own.
    let read = read_view;
    let views: Vec<_> = if orgs.len() == 1 {
        vec![read(orgs[0].1, &bytes[0])?]
    } else {
        std::thread::scope(|scope| {
            let reads: Vec<_> = orgs
                .iter()
                .zip(&bytes)
                .map(|((_, org), bytes)| scope.spawn(move || read(org, bytes)))
                .collect();
            reads
                .into_iter()
                .map(|r| r.join().ok().flatten())
                .collect::<Option<Vec<_>>>()
        })?
    };
    if views.len() > 1 && !in_place_parts_apart(&views) {
        return None;
    }
    for view in &views {
        if let Some(summary) = view.rest.partial_summary() {
            say!("awsnav: warning: the cached inventory is incomplete: {summary}");
        }
    }
    let tables: Vec<_> = orgs
        .iter()
        .zip(&views)
        .map(|((_, org), view)| {
            (org.config.sso.enabled && view.accounts.iter().any(|a| a.sso))
                .then(|| org.sso_role_cache.load())
        })
        .collect();
    let costs = account_costs(ctx, refresh_cost).await;
    let with = InPlace {
        catalog: &ctx.catalog,
        classifier: &ctx.classifier,
    };
    let parts: Vec<InPlacePart<'_, '_>> = orgs
        .iter()
        .zip(&views)
        .zip(&tables)
        .map(|(((org, _), view), table)| InPlacePart {
            org: *org,
            view,
            sso: table.as_ref().map(|t| &t.accounts),
        })
        .collect();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = match write_json_in_place(&mut out, &parts, &with, costs.as_ref()) {
        // `awsnav list --json | head` is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    };
    let code = if views.iter().any(|v| v.rest.is_partial()) {
        ExitCode::from(refresh::PARTIAL_EXIT)
    } else {
        ExitCode::SUCCESS
    };
    // The process ends with this command (see `list`).
    std::mem::forget(costs);
    std::mem::forget(parts);
    std::mem::forget(views);
    std::mem::forget(bytes);
    Some(written.map(|()| code).map_err(Into::into))
}

/// One organization's cache read in place, with the policies read since its sync.
fn read_view<'b>(org: &AppContext, bytes: &'b [u8]) -> Option<InventoryView<'b>> {
    let format = crate::store::inventory_cache::CACHE_FORMAT;
    let mut view = crate::store::inventory_codec::view(bytes, format).ok()?;
    if let Some(read) = org.inventory_cache.guardrails_of(view.rest.synced_at) {
        view.rest.guardrails.merge(read);
    }
    Some(view)
}

/// Per-account costs (cached within the TTL); `None` with a note on stderr when unavailable.
pub(super) async fn account_costs(ctx: &AppContext, force: bool) -> Option<Costs> {
    let now = OffsetDateTime::now_utc();
    let mfa = super::prompt::mfa_source(ctx, None, "to read Cost Explorer");
    match crate::app::org_reader::read_costs(ctx, &mfa, force, now).await {
        CostState::Known { snapshot, cached } => {
            if !cached {
                say!(
                    "awsnav: read costs with {} Cost Explorer request(s)",
                    snapshot.requests
                );
            }
            Some(Costs::new(
                snapshot,
                now.date(),
                usize::from(ctx.config.cost.months),
            ))
        }
        CostState::Unavailable { reason } => {
            say!("awsnav: {reason}");
            None
        }
        CostState::Disabled => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::demo;
    use time::macros::datetime;

    /// `list --json` the usual way: accounts built, enriched as `list` enriches them.
    fn listed_as_built(
        built: &Inventory,
        catalog: &crate::domain::roles::RoleCatalog,
        classifier: &crate::domain::safety::Classifier,
    ) -> Vec<u8> {
        let tree = OrgTree::build(&built.org);
        let production = classifier.classify_all(built, &tree);
        let enrich = |i: usize| {
            let offered = catalog.offered(built, &tree, i);
            let saml = crate::domain::roles::RoleOption::saml_names(&offered);
            let roles = offered.into_iter().map(|r| r.name).collect();
            (roles, saml, production[i])
        };
        let mut expected = Vec::new();
        write_json(&mut expected, built, &tree, &enrich, None).unwrap();
        expected
    }

    #[test]
    fn months_are_written_as_they_show_themselves() {
        for year in [-1, 0, 7, 999, 2026, 9999, 10_000, i32::MAX] {
            for month in [1, 9, 10, 12] {
                let m = YearMonth { year, month };
                let mut buf = Vec::new();
                write_month(&mut buf, m).unwrap();
                assert_eq!(String::from_utf8(buf).unwrap(), m.to_string());
            }
        }
    }

    #[test]
    fn json_has_the_contract_fields() {
        let inv = demo::inventory(datetime!(2026-11-21 12:00 UTC));
        let tree = OrgTree::build(&inv.org);
        let enrich = |i: usize| (vec![format!("R{i}")], Vec::new(), i.is_multiple_of(2));
        let v: serde_json::Value =
            serde_json::from_str(&json(&inv, &tree, &enrich, None).unwrap()).unwrap();
        let arr = v.as_array().unwrap();
        assert_eq!(arr.len(), inv.org.accounts.len());
        let ship = arr.iter().find(|a| a["name"] == "shipping-prod").unwrap();
        assert_eq!(
            ship["ou_path"],
            serde_json::json!(["Workloads", "Prod", "Shipping"])
        );
        assert_eq!(ship["status"], "ACTIVE");
        assert_eq!(ship["tags"]["env"], "prod");
        let i = inv
            .org
            .accounts
            .iter()
            .position(|a| a.name == "shipping-prod")
            .unwrap();
        assert_eq!(ship["roles"], serde_json::json!([format!("R{i}")]));
        assert_eq!(ship["production"], i.is_multiple_of(2));
        assert!(ship["cost"].is_null());
        assert_eq!(ship["sso_roles"], serde_json::json!([]));
        assert_eq!(ship["id"].as_str().unwrap().len(), 12);
        assert!(ship["email"].as_str().unwrap().contains('@'));
    }

    #[test]
    fn look_alike_names_name_each_other_in_the_json_and_the_table() {
        let mut inv = demo::inventory(datetime!(2026-11-21 12:00 UTC));
        let tree = OrgTree::build(&inv.org);
        let enrich = |_: usize| (Vec::new(), Vec::new(), false);
        // No two names alike: no field, no column (the output as it always was).
        let plain = json(&inv, &tree, &enrich, None).unwrap();
        assert!(!plain.contains("same_name_as"), "{plain}");
        let t = table(&inv, &tree, &[], &enrich);
        assert!(!t.contains("SAME NAME AS"), "{t}");
        let real = inv.org.accounts[0].clone();
        inv.org.accounts[1].name = format!("{}\u{200b}", real.name);
        inv.org.accounts[2].name = format!("{} ", real.name.to_uppercase());
        let (fake1, fake2) = (
            inv.org.accounts[1].id.to_string(),
            inv.org.accounts[2].id.to_string(),
        );
        let v: serde_json::Value =
            serde_json::from_str(&json(&inv, &tree, &enrich, None).unwrap()).unwrap();
        let by_id = |id: &str| {
            v.as_array()
                .unwrap()
                .iter()
                .find(|a| a["id"] == id)
                .unwrap()
                .clone()
        };
        assert_eq!(
            by_id(real.id.as_str())["same_name_as"],
            serde_json::json!([fake1, fake2])
        );
        assert_eq!(
            by_id(&fake1)["same_name_as"],
            serde_json::json!([real.id.as_str(), fake2])
        );
        assert_eq!(by_id(&fake1)["name"], format!("{}\u{200b}", real.name));
        let other = inv.org.accounts[3].id.to_string();
        assert!(by_id(&other).get("same_name_as").is_none());
        // The table: the column, the ids, and the names as they are shown.
        let t = table(&inv, &tree, &[], &enrich);
        let header = t.lines().next().unwrap();
        let at = |h: &str| header.find(h).unwrap();
        assert!(at("PROD") < at("SAME NAME AS") && at("SAME NAME AS") < at("OU PATH"));
        let row = |id: &str| t.lines().find(|l| l.starts_with(id)).unwrap().to_owned();
        assert!(
            row(real.id.as_str()).contains(&format!("{fake1},{fake2}")),
            "{t}"
        );
        assert!(
            row(&fake1).contains(&format!("{}\\u{{200b}}", real.name)),
            "{t}"
        );
        let upper = format!("{}\\x20", real.name.to_uppercase());
        assert!(row(&fake2).contains(&upper), "{t}");
        assert!(!row(&other).contains(real.id.as_str()), "{t}");
    }

    #[test]
    fn the_written_json_is_serdes_byte_for_byte() {
        let mut inv = demo::inventory(datetime!(2026-11-21 12:00 UTC));
        inv.org.accounts[0].name = "q\"\\\n\x1b]2;t\x07 \u{202e}\u{9b} 東京 ✓".into();
        inv.org.accounts[1].tags = Tags::new();
        inv.org.accounts[2].joined = None;
        inv.org.accounts[3].sso = true;
        inv.org.accounts[5].name = format!("{}\u{200b}", inv.org.accounts[6].name);
        // Policies known for one account (and so walked up for it).
        let target = inv.org.accounts[4].id.to_string();
        inv.guardrails.attached.insert(target, Vec::new());
        let tree = OrgTree::build(&inv.org);
        let enrich = |i: usize| {
            let roles = match i % 3 {
                0 => vec![],
                1 => vec!["Admin".to_owned()],
                _ => vec!["Admin".to_owned(), "Read\"Only".to_owned()],
            };
            let saml = if i % 3 == 2 {
                vec!["Read\"Only".to_owned()]
            } else {
                Vec::new()
            };
            (roles, saml, i.is_multiple_of(2))
        };
        // Amounts serde writes in each of its ways (a fraction, a whole number, an exponent,
        // negative), with and without last month (no change), and an account of the read
        // that the inventory does not have; a currency that needs escaping.
        let month = |m| YearMonth {
            year: 2026,
            month: m,
        };
        let amounts: [&[(u8, f64)]; 4] = [
            &[(11, 12.345), (10, 99.5)],
            &[(10, 1e21), (11, -0.004)],
            &[(11, 1e-7)],
            &[(11, 5e20), (10, 7.0), (9, 1234.567)],
        ];
        let mut monthly: crate::domain::cost::MonthlyByAccount = inv
            .org
            .accounts
            .iter()
            .zip(amounts)
            .map(|(a, months)| {
                let by_month = months.iter().map(|&(m, v)| (month(m), v)).collect();
                (a.id.to_string(), by_month)
            })
            .collect();
        monthly.insert("999999999999".into(), [(month(11), 1.0)].into());
        for currency in ["USD", "U\"S\u{1b}D"] {
            let snapshot = CostSnapshot {
                fetched_at: datetime!(2026-11-21 11:00 UTC),
                metric: "UnblendedCost".into(),
                months: 3,
                currency: currency.into(),
                monthly: monthly.clone(),
                requests: 1,
            };
            let costs = Costs::new(snapshot, datetime!(2026-11-21 12:00 UTC).date(), 3);
            for costs in [None, Some(&costs)] {
                let expected = json(&inv, &tree, &enrich, costs).unwrap() + "\n";
                let mut written = Vec::new();
                write_json(&mut written, &inv, &tree, &enrich, costs).unwrap();
                assert_eq!(String::from_utf8(written).unwrap(), expected);
            }
        }
        let empty = Inventory {
            org: crate::domain::model::Org::default(),
            ..inv
        };
        let mut written = Vec::new();
        write_json(
            &mut written,
            &empty,
            &OrgTree::build(&empty.org),
            &enrich,
            None,
        )
        .unwrap();
        assert_eq!(written, b"[]\n");
    }

    #[test]
    #[allow(clippy::too_many_lines)] // two organizations built, listed both ways
    fn several_organizations_read_in_place_list_what_their_one_tree_does() {
        use crate::domain::model::AccountId;
        use crate::domain::orgs::{Part, combine};
        use crate::domain::roles::{RoleCatalog, RoleRule, RolesConfig};
        use crate::domain::safety::{Classifier, ProductionConfig, ProductionRule};
        use crate::store::inventory_codec;
        let at = datetime!(2026-11-21 12:00 UTC);
        let corp = demo::inventory(at);
        // Another organization: the demo's tree with ids of its own, one name shared.
        let mut lab = demo::inventory(at);
        lab.org.root_id = "r-lab".into();
        for ou in &mut lab.org.org_units {
            ou.id = format!("{}-lab", ou.id);
            ou.parent_id = if ou.parent_id == corp.org.root_id {
                "r-lab".into()
            } else {
                format!("{}-lab", ou.parent_id)
            };
        }
        for (n, a) in lab.org.accounts.iter_mut().enumerate() {
            a.id = AccountId::from_number(900_000_000_000 + n as u64);
            a.parent_id = if a.parent_id == corp.org.root_id {
                "r-lab".into()
            } else {
                format!("{}-lab", a.parent_id)
            };
            if n > 0 {
                a.name = format!("lab-{}", a.name);
            }
        }
        let roles = RolesConfig {
            rules: vec![RoleRule {
                org: Some("lab".into()),
                add: vec!["LabAdmin".into()],
                ..RoleRule::default()
            }],
            ..RolesConfig::default()
        };
        let catalog = RoleCatalog::new(&roles, Vec::new());
        let classifier = Classifier::new(&ProductionConfig {
            rules: vec![ProductionRule {
                org: Some("lab".into()),
                ..ProductionRule::default()
            }],
            ..ProductionConfig::default()
        });
        let bytes: Vec<Vec<u8>> = [&corp, &lab]
            .iter()
            .map(|inv| inventory_codec::encode(inv, 2).unwrap())
            .collect();
        // The usual way: both decoded and combined into one tree, then listed.
        let built = combine(
            vec![
                Part {
                    name: "corp".into(),
                    inventory: Some(inventory_codec::decode(&bytes[0], 2).unwrap()),
                    failure: None,
                },
                Part {
                    name: "lab".into(),
                    inventory: Some(inventory_codec::decode(&bytes[1], 2).unwrap()),
                    failure: None,
                },
            ],
            at,
        );
        let expected = listed_as_built(&built, &catalog, &classifier);
        let views: Vec<_> = bytes
            .iter()
            .map(|b| inventory_codec::view(b, 2).unwrap())
            .collect();
        assert!(in_place_parts_apart(&views));
        let parts: Vec<InPlacePart<'_, '_>> = views
            .iter()
            .zip(["corp", "lab"])
            .map(|(view, org)| InPlacePart {
                org: Some(org),
                view,
                sso: None,
            })
            .collect();
        let mut written = Vec::new();
        let with = InPlace {
            catalog: &catalog,
            classifier: &classifier,
        };
        write_json_in_place(&mut written, &parts, &with, None).unwrap();
        let expected = String::from_utf8(expected).unwrap();
        assert!(expected.contains("\"org\": \"lab\""));
        assert!(expected.contains("\"LabAdmin\""));
        let written = String::from_utf8(written).unwrap();
        let first = written
            .lines()
            .zip(expected.lines())
            .position(|(w, e)| w != e);
        assert!(
            first.is_none() && written.len() == expected.len(),
            "first difference at line {first:?}: {:?}",
            first.map(|n| (
                written
                    .lines()
                    .skip(n.saturating_sub(8))
                    .take(10)
                    .collect::<Vec<_>>(),
                expected
                    .lines()
                    .skip(n.saturating_sub(8))
                    .take(10)
                    .collect::<Vec<_>>()
            ))
        );
    }

    #[test]
    fn read_in_place_the_cache_lists_exactly_what_the_inventory_does() {
        use crate::domain::roles::{RoleCatalog, RolesConfig};
        use crate::domain::safety::{Classifier, ProductionConfig};
        use crate::store::inventory_codec;
        use crate::store::sso_role_cache::KnownRoles;
        let mut inv = demo::inventory(datetime!(2026-11-21 12:00 UTC));
        inv.org.accounts[0].name = "q\"\\\n\x1b]2;t\x07 \u{202e}\u{9b} 東京 ✓".into();
        inv.org.accounts[1].tags = Tags::new();
        inv.org.accounts[2].joined = None;
        inv.org.accounts[8].name = inv.org.accounts[2].name.to_uppercase();
        for i in [3, 5, 6] {
            inv.org.accounts[i].sso = true;
        }
        let target = inv.org.accounts[4].id.to_string();
        inv.guardrails.attached.insert(target, Vec::new());
        let saml_account = inv.org.accounts[7].id.to_string();
        let catalog = RoleCatalog::new(&RolesConfig::default(), Vec::new())
            .with_sso(true)
            .with_saml([(
                saml_account.clone(),
                "Engineer".to_owned(),
                crate::domain::roles::SamlRef {
                    idp: "okta".into(),
                    role_arn: format!("arn:aws:iam::{saml_account}:role/Engineer"),
                    principal_arn: format!("arn:aws:iam::{saml_account}:saml-provider/okta"),
                },
            )]);
        let classifier = Classifier::new(&ProductionConfig::default());
        let known: BTreeMap<String, KnownRoles> = [3, 5]
            .iter()
            .map(|&i| {
                let roles = if i == 3 {
                    vec!["AdministratorAccess".to_owned()]
                } else {
                    vec![]
                };
                (
                    inv.org.accounts[i].id.to_string(),
                    KnownRoles {
                        roles,
                        read_at: datetime!(2026-11-21 11:00 UTC),
                    },
                )
            })
            .collect();
        let bytes = inventory_codec::encode(&inv, 2).unwrap();
        for sso in [None, Some(&known)] {
            // The usual way: accounts built, Identity Center's roles put in, then listed.
            let mut built = inventory_codec::decode(&bytes, 2).unwrap();
            if let Some(known) = sso {
                crate::app::sso_roles::apply(known, &mut built);
            }
            let expected = listed_as_built(&built, &catalog, &classifier);
            let view = inventory_codec::view(&bytes, 2).unwrap();
            let mut written = Vec::new();
            let with = InPlace {
                catalog: &catalog,
                classifier: &classifier,
            };
            let part = InPlacePart {
                org: None,
                view: &view,
                sso,
            };
            write_json_in_place(&mut written, &[part], &with, None).unwrap();
            let expected = String::from_utf8(expected).unwrap();
            assert!(
                expected.contains("\"saml_roles\": [\n      \"Engineer\"\n    ]"),
                "{expected}"
            );
            let same = format!(
                "\"same_name_as\": [\n      \"{}\"\n    ]",
                built.org.accounts[2].id
            );
            assert_eq!(
                expected.matches("\"same_name_as\"").count(),
                2,
                "{expected}"
            );
            assert!(expected.contains(&same), "{expected}");
            assert_eq!(String::from_utf8(written).unwrap(), expected);
        }
    }

    #[test]
    fn table_is_aligned_and_sorted() {
        let inv = demo::inventory(datetime!(2026-11-21 12:00 UTC));
        let tree = OrgTree::build(&inv.org);
        let t = table(&inv, &tree, &["env".into()], &|i| (vec![], vec![], i == 0));
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].starts_with("ID"));
        assert_eq!(lines.len(), inv.org.accounts.len() + 1);
        let name_col = lines[0].find("NAME").unwrap();
        assert!(
            lines[1..]
                .iter()
                .all(|l| l.len() > name_col && &l[name_col - 2..name_col] == "  ")
        );
        assert!(lines[1][name_col..].starts_with("acme-management"));
        assert!(t.contains("SUSPENDED"));
    }

    #[test]
    fn wide_names_keep_the_columns_in_line() {
        let mut inv = demo::inventory(datetime!(2026-11-21 12:00 UTC));
        inv.org.accounts[0].name = "東京-prod-🚀".into();
        inv.org.accounts[1].name = "zürich-analytics-dev".into();
        let tree = OrgTree::build(&inv.org);
        let t = table(&inv, &tree, &[], &|_| (vec![], vec![], false));
        let lines: Vec<&str> = t.lines().collect();
        let status_col = width(&lines[0][..lines[0].find("STATUS").unwrap()]);
        for line in &lines[1..] {
            // Every row's STATUS cell starts at the same display column.
            let at = [
                "ACTIVE",
                "SUSPENDED",
                "PENDING_CLOSURE",
                "CLOSED",
                "UNKNOWN",
            ]
            .iter()
            .filter_map(|s| line.find(s))
            .min()
            .unwrap();
            assert_eq!(width(&line[..at]), status_col, "{line}");
        }
    }
}
