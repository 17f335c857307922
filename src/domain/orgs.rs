//! Several organizations as one tree: under a root of awsnav's own, one node per configured
//! organization (its root, named after it), its OUs and accounts below as they are.

use time::OffsetDateTime;

use super::inventory::Inventory;
pub use super::inventory::OrgSummary;
use super::model::{AccountId, Org, OrgUnit};

/// The id of the root above the organizations' nodes.
pub const ROOT: &str = "r-awsnav-organizations";

/// One organization's part of the tree: its inventory (fresh or cached; `None` when it was
/// never read), and why its last sync failed when it did.
#[derive(Clone, Debug)]
pub struct Part {
    pub name: String,
    pub inventory: Option<Inventory>,
    pub failure: Option<String>,
}

/// The organizations as one inventory: a node per organization, in the order configured,
/// every account marked with its organization. An account two organizations' sources list
/// (an Identity Center instance or a SAML provider of one naming an account of another) is
/// one account, where its own organization lists it, with the roles of both. `now` stamps an
/// inventory of organizations none of which was ever read.
#[must_use]
pub fn combine(parts: Vec<Part>, now: OffsetDateTime) -> Inventory {
    let mut org = Org {
        root_id: ROOT.to_owned(),
        ..Org::default()
    };
    let mut out = Inventory {
        org: Org::default(),
        synced_at: now,
        profile: None,
        identity: None,
        api_calls: 0,
        gaps: Vec::new(),
        org_error: None,
        guardrails: super::guardrails::Guardrails::default(),
        orgs: Vec::new(),
    };
    let mut oldest: Option<OffsetDateTime> = None;
    let total: usize = parts
        .iter()
        .map(|p| p.inventory.as_ref().map_or(0, |i| i.org.accounts.len()))
        .sum();
    org.accounts.reserve_exact(total);
    // Account ids by their number (twelve digits fit): no string copied or hashed per account.
    let mut index: std::collections::HashMap<u64, usize> =
        std::collections::HashMap::with_capacity(total);
    // Accounts an organization lists only through its sign-in sources (not Organizations)
    // go after every organization's own, so that their own organization keeps them.
    let mut borrowed = Vec::new();
    for part in parts {
        let mut summary = OrgSummary {
            name: part.name.clone(),
            node: format!("r-awsnav-org-{}", part.name),
            management_account_id: None,
            synced_at: None,
            failure: part.failure,
            accounts: 0,
        };
        let Some(mut inv) = part.inventory else {
            org.org_units.push(OrgUnit {
                id: summary.node.clone(),
                name: part.name,
                parent_id: ROOT.to_owned(),
            });
            out.orgs.push(summary);
            continue;
        };
        let root = inv.org.root_id.clone();
        // Two organizations' roots never share an id in AWS; a copy or a test might.
        let node = if root.is_empty() || org.org_units.iter().any(|o| o.id == root) {
            summary.node.clone()
        } else {
            root.clone()
        };
        summary.node.clone_from(&node);
        summary
            .management_account_id
            .clone_from(&inv.org.management_account_id);
        summary.synced_at = Some(inv.synced_at);
        oldest = Some(oldest.map_or(inv.synced_at, |o| o.min(inv.synced_at)));
        org.org_units.push(OrgUnit {
            id: node.clone(),
            name: part.name.clone(),
            parent_id: ROOT.to_owned(),
        });
        let reparent = |parent: String| if parent == root { node.clone() } else { parent };
        org.org_units.reserve(inv.org.org_units.len());
        for mut ou in std::mem::take(&mut inv.org.org_units) {
            ou.parent_id = reparent(ou.parent_id);
            org.org_units.push(ou);
        }
        for mut account in std::mem::take(&mut inv.org.accounts) {
            if account.parent_id == root {
                account.parent_id.clone_from(&node);
            }
            account.org = Some(part.name.clone());
            let number = id_number(&account.id);
            // Listed by a sign-in source only, or (never in AWS; a copy might) by two
            // organizations: merged into the one that has it.
            if !listed_by_organizations(inv.org_error.is_none(), &account.parent_id)
                || index.contains_key(&number)
            {
                borrowed.push(account);
            } else {
                summary.accounts += 1;
                index.insert(number, org.accounts.len());
                org.accounts.push(account);
            }
        }
        absorb(&mut out, &part.name, inv);
        out.orgs.push(summary);
    }
    merge_borrowed(&mut org, &mut out.orgs, index, borrowed);
    // awsnav's own root has no policies: the organizations' chains end at their roots.
    if !out.guardrails.attached.is_empty() {
        out.guardrails.attached.insert(ROOT.to_owned(), Vec::new());
    }
    out.synced_at = oldest.unwrap_or(now);
    out.org = org;
    out
}

/// What the combined inventory keeps of organization `name`'s besides its tree: its
/// requests, gaps, why it was not read, its identity (the first), its policies.
fn absorb(out: &mut Inventory, name: &str, inv: Inventory) {
    out.api_calls += inv.api_calls;
    out.gaps.extend(inv.gaps.into_iter().map(|mut g| {
        g.error = format!("{} ({name})", g.error);
        g
    }));
    if let Some(why) = inv.org_error {
        let line = format!("{name}: {why}");
        out.org_error = Some(match out.org_error.take() {
            Some(before) => format!("{before}; {line}"),
            None => line,
        });
    }
    if out.identity.is_none() {
        out.identity = inv.identity;
    }
    out.guardrails.merge(inv.guardrails);
}

/// Puts the accounts organizations list only through a sign-in source (or a second time)
/// into the tree: into the account the tree has, with its roles added, else as an account of
/// the organization that listed it.
fn merge_borrowed(
    org: &mut Org,
    summaries: &mut [OrgSummary],
    mut index: std::collections::HashMap<u64, usize>,
    borrowed: Vec<super::model::Account>,
) {
    for account in borrowed {
        if let Some(&i) = index.get(&id_number(&account.id)) {
            let own = &mut org.accounts[i];
            own.sso |= account.sso;
            for role in account.sso_roles {
                if !own.sso_roles.contains(&role) {
                    own.sso_roles.push(role);
                }
            }
            own.sso_roles.sort();
        } else {
            if let Some(s) = summaries
                .iter_mut()
                .find(|s| Some(&s.name) == account.org.as_ref())
            {
                s.accounts += 1;
            }
            index.insert(id_number(&account.id), org.accounts.len());
            org.accounts.push(account);
        }
    }
}

/// An account id's number (twelve digits).
fn id_number(id: &AccountId) -> u64 {
    id.as_str().parse().unwrap_or(u64::MAX)
}

/// Account `i`'s OU path within its organization: the tree's path without the
/// organization's node, which a combined inventory puts first.
#[must_use]
pub fn ou_path<'t>(inv: &Inventory, tree: &'t super::model::OrgTree, i: usize) -> &'t [String] {
    let path = tree.account_path(i);
    if inv.orgs.is_empty() {
        path
    } else {
        path.get(1..).unwrap_or_default()
    }
}

/// Whether an organization's inventory lists an account through Organizations (`org_read`:
/// the organization itself was read), not only through a sign-in source, whose accounts go
/// in Identity Center's group: the account is then that organization's own.
#[must_use]
pub fn listed_by_organizations(org_read: bool, parent_id: &str) -> bool {
    org_read && !parent_id.starts_with(super::model::IDENTITY_CENTER_OU)
}

/// The organization whose node `ou_id` is, in a combined inventory.
#[must_use]
pub fn node_org<'a>(inv: &'a Inventory, ou_id: &str) -> Option<&'a OrgSummary> {
    inv.orgs.iter().find(|s| s.node == ou_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::{Account, AccountStatus, OrgTree, Tags};
    use time::macros::datetime;

    fn account(id: &str, name: &str, parent: &str) -> Account {
        Account {
            id: AccountId::parse(id).unwrap(),
            name: name.into(),
            email: String::new(),
            status: AccountStatus::Active,
            joined: None,
            parent_id: parent.into(),
            tags: Tags::new(),
            sso: false,
            sso_roles: Vec::new(),
            sso_roles_read: false,
            org: None,
        }
    }

    fn inventory(root: &str, accounts: Vec<Account>, at: OffsetDateTime) -> Inventory {
        Inventory {
            org: Org {
                root_id: root.into(),
                org_units: vec![OrgUnit {
                    id: format!("ou-{root}"),
                    name: "Workloads".into(),
                    parent_id: root.into(),
                }],
                accounts,
                ..Org::default()
            },
            synced_at: at,
            profile: None,
            identity: None,
            api_calls: 3,
            gaps: Vec::new(),
            org_error: None,
            guardrails: crate::domain::guardrails::Guardrails::default(),
            orgs: Vec::new(),
        }
    }

    #[test]
    fn each_organization_is_a_node_with_its_tree_below() {
        let t = datetime!(2026-12-01 10:00 UTC);
        let corp = inventory(
            "r-corp",
            vec![
                account("111111111111", "corp-mgmt", "r-corp"),
                account("111111111112", "pay", "ou-r-corp"),
            ],
            t,
        );
        let mut lab_shared = account("111111111112", "pay", "identity-center");
        lab_shared.sso = true;
        lab_shared.sso_roles = vec!["LabAdmin".into()];
        let lab = inventory(
            "r-lab",
            vec![account("222222222221", "lab-mgmt", "r-lab"), lab_shared],
            t - time::Duration::hours(1),
        );
        let inv = combine(
            vec![
                Part {
                    name: "corp".into(),
                    inventory: Some(corp),
                    failure: None,
                },
                Part {
                    name: "lab".into(),
                    inventory: Some(lab),
                    failure: Some("throttled".into()),
                },
                Part {
                    name: "new".into(),
                    inventory: None,
                    failure: None,
                },
            ],
            t,
        );
        let tree = OrgTree::build(&inv.org);
        let tops: Vec<_> = tree
            .child_ous(ROOT)
            .iter()
            .map(|&i| inv.org.org_units[i].name.as_str())
            .collect();
        assert_eq!(tops, ["corp", "lab", "new"]);
        assert_eq!(inv.org.accounts.len(), 3, "the shared account is one");
        let pay = inv
            .org
            .accounts
            .iter()
            .position(|a| a.name == "pay")
            .unwrap();
        assert_eq!(inv.org.accounts[pay].org.as_deref(), Some("corp"));
        assert!(inv.org.accounts[pay].sso, "with the roles of both");
        assert_eq!(inv.org.accounts[pay].sso_roles, ["LabAdmin"]);
        assert_eq!(tree.account_path(pay), ["corp", "Workloads"]);
        assert_eq!(ou_path(&inv, &tree, pay), ["Workloads"]);
        assert_eq!(inv.orgs[1].failure.as_deref(), Some("throttled"));
        assert_eq!(inv.orgs[0].accounts, 2);
        assert_eq!(inv.orgs[1].accounts, 1);
        assert_eq!(inv.orgs[2].synced_at, None);
        assert_eq!(
            inv.synced_at,
            t - time::Duration::hours(1),
            "the oldest part"
        );
        assert_eq!(inv.api_calls, 6);
        assert_eq!(
            node_org(&inv, "r-lab").map(|s| s.name.as_str()),
            Some("lab")
        );
    }
}
