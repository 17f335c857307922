//! The organization as awsnav sees it: accounts, OUs and the tree between them (pure data).

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A 12-digit AWS account id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

impl AccountId {
    /// Parses a 12-digit account id.
    ///
    /// # Errors
    /// When `s` is not exactly twelve ASCII digits.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(format!("`{s}` is not an AWS account id (12 digits)"))
        }
    }

    /// The id whose number is `n` (its low twelve digits), zero-padded.
    #[must_use]
    pub fn from_number(n: u64) -> Self {
        Self(format!("{:012}", n % 1_000_000_000_000))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AccountId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<AccountId> for String {
    fn from(id: AccountId) -> Self {
        id.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Lifecycle state of an account, as Organizations reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountStatus {
    Active,
    Suspended,
    PendingActivation,
    PendingClosure,
    Closed,
    Unknown,
}

impl AccountStatus {
    /// Maps the API's status/state string; unknown values do not fail discovery.
    #[must_use]
    pub fn from_api(s: &str) -> Self {
        match s {
            "ACTIVE" => Self::Active,
            "SUSPENDED" => Self::Suspended,
            "PENDING_ACTIVATION" => Self::PendingActivation,
            "PENDING_CLOSURE" => Self::PendingClosure,
            "CLOSED" => Self::Closed,
            _ => Self::Unknown,
        }
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Suspended => "SUSPENDED",
            Self::PendingActivation => "PENDING_ACTIVATION",
            Self::PendingClosure => "PENDING_CLOSURE",
            Self::Closed => "CLOSED",
            Self::Unknown => "UNKNOWN",
        }
    }

    /// Whether the account is usable; anything else is shown dimmed.
    #[must_use]
    pub fn is_active(self) -> bool {
        self == Self::Active
    }
}

/// An account's tags, key → value, sorted by key. A map in JSON; a sorted list in memory,
/// because an organization has thousands of accounts with a handful of tags each.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tags(Vec<(String, String)>);

impl Tags {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value` (replacing its old value).
    pub fn insert(&mut self, key: String, value: String) {
        match self.0.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (key, value)),
        }
    }

    #[must_use]
    pub fn get(&self, key: &str) -> Option<&String> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| &self.0[i].1)
    }

    /// (key, value) in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(_, v)| v)
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl Tags {
    /// Tags from `pairs` as a file keeps them (sorted by key, each key once): taken as they
    /// are when they are so, else sorted and deduplicated as [`Tags::insert`] would.
    #[must_use]
    pub fn from_pairs(mut pairs: Vec<(String, String)>) -> Self {
        if pairs.windows(2).all(|w| w[0].0 < w[1].0) {
            pairs.shrink_to_fit();
            Self(pairs)
        } else {
            pairs.into_iter().collect()
        }
    }
}

impl FromIterator<(String, String)> for Tags {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        let mut tags = Self::new();
        for (k, v) in iter {
            tags.insert(k, v);
        }
        tags.0.shrink_to_fit();
        tags
    }
}

impl<const N: usize> From<[(String, String); N]> for Tags {
    fn from(pairs: [(String, String); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl<'a> IntoIterator for &'a Tags {
    type Item = (&'a String, &'a String);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a String, &'a String),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl Serialize for Tags {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TagsVisitor;
        impl<'de> serde::de::Visitor<'de> for TagsVisitor {
            type Value = Tags;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of tag keys to values")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Tags, A::Error> {
                let mut pairs: Vec<(String, String)> =
                    Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
                while let Some(pair) = map.next_entry()? {
                    pairs.push(pair);
                }
                // Written sorted by key; sorted here anyway, the last of a repeated key winning.
                pairs.reverse();
                pairs.sort_by(|a, b| a.0.cmp(&b.0));
                pairs.dedup_by(|later, earlier| later.0 == earlier.0);
                pairs.shrink_to_fit();
                Ok(Tags(pairs))
            }
        }
        deserializer.deserialize_map(TagsVisitor)
    }
}

/// One member account of the organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    pub email: String,
    pub status: AccountStatus,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub joined: Option<OffsetDateTime>,
    /// The root or OU id directly above this account.
    pub parent_id: String,
    #[serde(default)]
    pub tags: Tags,
    /// IAM Identity Center's portal lists this account: it gives you roles here.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sso: bool,
    /// The roles IAM Identity Center gives you here (its permission sets), sorted, once read:
    /// they come from their own cache (`app::sso_roles`), not the inventory's. An inventory of
    /// an older awsnav may still hold them, and they are read as known.
    #[serde(default, skip_serializing)]
    pub sso_roles: Vec<String>,
    /// `sso_roles` were read (they may be none: an assignment removed since the sync).
    #[serde(skip)]
    pub sso_roles_read: bool,
    /// The configured organization (`[[org]] name`) it belongs to, with several; set when
    /// their inventories are read as one ([`crate::domain::orgs::combine`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
}

impl Account {
    /// IAM Identity Center gives you roles here (known or not yet read).
    #[must_use]
    pub fn in_identity_center(&self) -> bool {
        self.sso || !self.sso_roles.is_empty()
    }

    /// IAM Identity Center gives you roles here, and they have not been read yet.
    #[must_use]
    pub fn sso_roles_unknown(&self) -> bool {
        self.sso && !self.sso_roles_read && self.sso_roles.is_empty()
    }
}

/// The id of the group IAM Identity Center's accounts go in when Organizations does not list
/// them (and of the root when the organization cannot be read at all).
pub const IDENTITY_CENTER_OU: &str = "identity-center";

/// One organizational unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUnit {
    pub id: String,
    pub name: String,
    /// The root or OU id directly above this OU.
    pub parent_id: String,
}

/// The whole organization: a root, its OUs and its accounts, in discovery order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    pub root_id: String,
    #[serde(default)]
    pub org_id: Option<String>,
    #[serde(default)]
    pub management_account_id: Option<AccountId>,
    #[serde(default)]
    pub org_units: Vec<OrgUnit>,
    #[serde(default)]
    pub accounts: Vec<Account>,
}

/// A part of the organization a sync could not read, after retries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncGap {
    /// The request that kept failing, e.g. `organizations:ListAccountsForParent`.
    pub action: String,
    /// What it was about: a parent (root or OU) id or an account id.
    pub target: String,
    /// Why, as the user would read it.
    pub error: String,
}

impl fmt::Display for SyncGap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} for {}: {}", self.action, self.target, self.error)
    }
}

/// Index of the tree: children per parent and roll-ups, built once per inventory. Parents are
/// nodes: 0 is the root, `1 + i` the OU `i`; ids are looked up once, while building.
#[derive(Clone, Debug, Default)]
pub struct OrgTree {
    root_id: String,
    /// Child OU indexes per node, sorted by name.
    child_ous: Vec<Vec<usize>>,
    /// Account indexes per node, sorted by name.
    child_accounts: Vec<Vec<usize>>,
    ou_index: HashMap<String, usize>,
    /// Number of accounts beneath each OU (all levels), by OU index.
    ou_account_counts: Vec<usize>,
    /// OU path (names from the root's child down) per OU index.
    ou_paths: Vec<Vec<String>>,
    /// The OU directly above each account (`None`: the root), by account index.
    account_parents: Vec<Option<usize>>,
}

impl OrgTree {
    #[must_use]
    pub fn build(org: &Org) -> Self {
        let ou_index: HashMap<String, usize> = org
            .org_units
            .iter()
            .enumerate()
            .map(|(i, ou)| (ou.id.clone(), i))
            .collect();
        let node_of = |parent_id: &str| {
            if parent_id == org.root_id {
                Some(0)
            } else {
                ou_index.get(parent_id).map(|&i| i + 1)
            }
        };
        let nodes = org.org_units.len() + 1;
        let mut child_ous: Vec<Vec<usize>> = vec![Vec::new(); nodes];
        let mut child_accounts: Vec<Vec<usize>> = vec![Vec::new(); nodes];
        // The OU above each OU, by index (`None`: the root, or unknown).
        let ou_parents: Vec<Option<usize>> = org
            .org_units
            .iter()
            .map(|ou| ou_index.get(&ou.parent_id).copied())
            .collect();
        for (i, ou) in org.org_units.iter().enumerate() {
            if let Some(node) = node_of(&ou.parent_id) {
                child_ous[node].push(i);
            }
        }
        let mut account_parents = Vec::with_capacity(org.accounts.len());
        let mut ou_account_counts = vec![0; org.org_units.len()];
        for (i, acct) in org.accounts.iter().enumerate() {
            let node = node_of(&acct.parent_id);
            if let Some(node) = node {
                child_accounts[node].push(i);
            }
            let mut parent = node.and_then(|n| n.checked_sub(1));
            account_parents.push(parent);
            let mut guard = 0;
            while let Some(p) = parent {
                ou_account_counts[p] += 1;
                parent = ou_parents[p];
                guard += 1;
                if guard > org.org_units.len() {
                    break; // a cycle in bad data must not hang the app
                }
            }
        }
        for list in &mut child_ous {
            sort_by_name(
                list,
                |i| &org.org_units[i].name,
                |_, _| std::cmp::Ordering::Equal,
            );
        }
        for list in &mut child_accounts {
            sort_by_name(
                list,
                |i| &org.accounts[i].name,
                |_, _| std::cmp::Ordering::Equal,
            );
        }
        let ou_paths = ou_paths(org, &ou_parents);
        Self {
            root_id: org.root_id.clone(),
            child_ous,
            child_accounts,
            ou_index,
            ou_account_counts,
            ou_paths,
            account_parents,
        }
    }

    /// The node of a root or OU id.
    fn node(&self, parent_id: &str) -> Option<usize> {
        if parent_id == self.root_id {
            Some(0)
        } else {
            self.ou_index.get(parent_id).map(|&i| i + 1)
        }
    }

    /// Child OUs (indexes into `org.org_units`) of a root or OU id, sorted by name.
    #[must_use]
    pub fn child_ous(&self, parent_id: &str) -> &[usize] {
        self.node(parent_id)
            .and_then(|n| self.child_ous.get(n))
            .map_or(&[], Vec::as_slice)
    }

    /// Accounts (indexes into `org.accounts`) directly under a root or OU id, sorted by name.
    #[must_use]
    pub fn child_accounts(&self, parent_id: &str) -> &[usize] {
        self.node(parent_id)
            .and_then(|n| self.child_accounts.get(n))
            .map_or(&[], Vec::as_slice)
    }

    /// Accounts beneath an OU at every level.
    #[must_use]
    pub fn ou_account_count(&self, ou: usize) -> usize {
        self.ou_account_counts.get(ou).copied().unwrap_or(0)
    }

    #[must_use]
    pub fn ou_by_id(&self, id: &str) -> Option<usize> {
        self.ou_index.get(id).copied()
    }

    /// OU names from the root's child down to the account's parent.
    #[must_use]
    pub fn account_path(&self, account: usize) -> &[String] {
        self.account_parents
            .get(account)
            .copied()
            .flatten()
            .and_then(|p| self.ou_paths.get(p))
            .map_or(&[], Vec::as_slice)
    }

    /// The OU directly above account `account` (`None`: the root).
    #[must_use]
    pub fn account_parent(&self, account: usize) -> Option<usize> {
        self.account_parents.get(account).copied().flatten()
    }

    /// OU names from the root's child down to (and including) OU `ou`.
    #[must_use]
    pub fn ou_path(&self, ou: usize) -> &[String] {
        self.ou_paths.get(ou).map_or(&[], Vec::as_slice)
    }

    /// OU indexes from the root's child down to (and including) `ou`.
    #[must_use]
    pub fn ou_ancestry(&self, org: &Org, ou: usize) -> Vec<usize> {
        let mut chain = vec![ou];
        let mut parent = self.ou_by_id(&org.org_units[ou].parent_id);
        while let Some(p) = parent {
            if chain.contains(&p) {
                break;
            }
            chain.push(p);
            parent = self.ou_by_id(&org.org_units[p].parent_id);
        }
        chain.reverse();
        chain
    }
}

/// Sorts indexes by `name` as [`cmp_names`] orders names, equal names by `tie`, keeping the
/// order of what is still equal. Names in lower-case ASCII (most account names) are compared
/// as bytes, which is several times faster.
pub fn sort_by_name<'a>(
    indexes: &mut [usize],
    name: impl Fn(usize) -> &'a str,
    tie: impl Fn(usize, usize) -> std::cmp::Ordering,
) {
    let plain = |s: &str| !s.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii());
    let mut keyed: Vec<(&str, bool, usize)> = indexes
        .iter()
        .map(|&i| {
            let n = name(i);
            (n, plain(n), i)
        })
        .collect();
    keyed.sort_by(|&(x, px, i), &(y, py, j)| {
        let by_name = if px && py { x.cmp(y) } else { cmp_names(x, y) };
        by_name.then_with(|| tie(i, j))
    });
    for (slot, (_, _, i)) in indexes.iter_mut().zip(keyed) {
        *slot = i;
    }
}

/// Names in the order people expect: ignoring case, without allocating a lowered copy.
#[must_use]
pub fn cmp_names(left: &str, right: &str) -> std::cmp::Ordering {
    let (l, r) = (left.as_bytes(), right.as_bytes());
    for (at, (&lb, &rb)) in l.iter().zip(r).enumerate() {
        if !lb.is_ascii() || !rb.is_ascii() {
            // Equal so far and ASCII up to here, so `at` is a character boundary in both.
            return left[at..]
                .chars()
                .flat_map(char::to_lowercase)
                .cmp(right[at..].chars().flat_map(char::to_lowercase));
        }
        let (lb, rb) = (lb.to_ascii_lowercase(), rb.to_ascii_lowercase());
        if lb != rb {
            return lb.cmp(&rb);
        }
    }
    l.len().cmp(&r.len())
}

fn ou_paths(org: &Org, ou_parents: &[Option<usize>]) -> Vec<Vec<String>> {
    org.org_units
        .iter()
        .enumerate()
        .map(|(i, ou)| {
            let mut names = vec![ou.name.clone()];
            let mut parent = ou_parents[i];
            while let Some(p) = parent {
                if names.len() > org.org_units.len() {
                    break;
                }
                names.push(org.org_units[p].name.clone());
                parent = ou_parents[p];
            }
            names.reverse();
            names
        })
        .collect()
}

/// Who the current credentials are (STS `GetCallerIdentity`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
    pub user_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ou(id: &str, name: &str, parent: &str) -> OrgUnit {
        OrgUnit {
            id: id.into(),
            name: name.into(),
            parent_id: parent.into(),
        }
    }

    fn acct(id: &str, name: &str, parent: &str) -> Account {
        Account {
            id: AccountId::parse(id).unwrap(),
            name: name.into(),
            email: format!("{name}@example.com"),
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

    fn sample() -> Org {
        Org {
            root_id: "r-1".into(),
            org_units: vec![
                ou("ou-w", "Workloads", "r-1"),
                ou("ou-p", "Prod", "ou-w"),
                ou("ou-a", "Apps", "ou-p"),
                ou("ou-s", "Security", "r-1"),
            ],
            accounts: vec![
                acct("000000000001", "zeta", "ou-a"),
                acct("000000000002", "alpha", "ou-a"),
                acct("000000000003", "audit", "ou-s"),
                acct("000000000004", "mgmt", "r-1"),
            ],
            ..Org::default()
        }
    }

    #[test]
    fn account_ids_are_twelve_digits() {
        assert!(AccountId::parse("123456789012").is_ok());
        assert!(AccountId::parse("12345678901").is_err());
        assert!(AccountId::parse("12345678901a").is_err());
        assert!(serde_json::from_str::<AccountId>("\"1234\"").is_err());
    }

    #[test]
    fn tree_sorts_children_by_name() {
        let org = sample();
        let tree = OrgTree::build(&org);
        let names: Vec<_> = tree
            .child_accounts("ou-a")
            .iter()
            .map(|&i| org.accounts[i].name.as_str())
            .collect();
        assert_eq!(names, ["alpha", "zeta"]);
        let ous: Vec<_> = tree
            .child_ous("r-1")
            .iter()
            .map(|&i| org.org_units[i].name.as_str())
            .collect();
        assert_eq!(ous, ["Security", "Workloads"]);
        assert_eq!(tree.child_accounts("r-1").len(), 1);
    }

    #[test]
    fn counts_roll_up_through_every_level() {
        let org = sample();
        let tree = OrgTree::build(&org);
        assert_eq!(tree.ou_account_count(0), 2, "Workloads");
        assert_eq!(tree.ou_account_count(1), 2, "Prod");
        assert_eq!(tree.ou_account_count(2), 2, "Apps");
        assert_eq!(tree.ou_account_count(3), 1, "Security");
    }

    #[test]
    fn paths_run_from_the_root_child_down() {
        let org = sample();
        let tree = OrgTree::build(&org);
        assert_eq!(tree.account_path(0), ["Workloads", "Prod", "Apps"]);
        assert_eq!(tree.account_path(2), ["Security"]);
        assert!(tree.account_path(3).is_empty());
        assert_eq!(tree.ou_ancestry(&org, 2), vec![0, 1, 2]);
    }

    #[test]
    fn cyclic_data_does_not_hang() {
        let org = Org {
            root_id: "r-1".into(),
            org_units: vec![ou("ou-a", "A", "ou-b"), ou("ou-b", "B", "ou-a")],
            accounts: vec![acct("000000000001", "x", "ou-a")],
            ..Org::default()
        };
        let tree = OrgTree::build(&org);
        assert!(tree.account_path(0).len() <= 3);
        assert_eq!(tree.ou_ancestry(&org, 0).len(), 2);
    }

    #[test]
    fn unknown_status_does_not_fail() {
        assert_eq!(AccountStatus::from_api("NEW_THING"), AccountStatus::Unknown);
        assert_eq!(
            AccountStatus::from_api("PENDING_CLOSURE"),
            AccountStatus::PendingClosure
        );
        assert!(!AccountStatus::Suspended.is_active());
    }

    #[test]
    fn tags_are_a_sorted_map_in_json_and_in_memory() {
        let mut tags = Tags::new();
        tags.insert("team".into(), "pay".into());
        tags.insert("env".into(), "prod".into());
        tags.insert("team".into(), "payments".into());
        assert_eq!(tags.len(), 2);
        assert_eq!(tags.get("team").map(String::as_str), Some("payments"));
        assert_eq!(tags.get("nope"), None);
        assert_eq!(tags.keys().collect::<Vec<_>>(), ["env", "team"]);
        let json = serde_json::to_string(&tags).unwrap();
        assert_eq!(json, r#"{"env":"prod","team":"payments"}"#);
        assert_eq!(serde_json::from_str::<Tags>(&json).unwrap(), tags);
        // Out of order and repeated (the last value wins), as any JSON map may be.
        let odd: Tags = serde_json::from_str(r#"{"z":"1","a":"2","z":"3"}"#).unwrap();
        assert_eq!(
            odd.iter().collect::<Vec<_>>(),
            [
                (&"a".to_owned(), &"2".to_owned()),
                (&"z".to_owned(), &"3".to_owned())
            ]
        );
        assert!(serde_json::from_str::<Tags>("[1]").is_err());
    }

    #[test]
    fn names_sort_ignoring_case_whatever_the_script() {
        use std::cmp::Ordering::{Equal, Greater, Less};
        assert_eq!(cmp_names("alpha", "Beta"), Less);
        assert_eq!(cmp_names("Alpha", "alpha"), Equal);
        assert_eq!(cmp_names("pay", "payments"), Less);
        assert_eq!(cmp_names("zürich", "Zurich"), Greater);
        assert_eq!(cmp_names("ÉTÉ", "été"), Equal);
        assert_eq!(cmp_names("a-東京", "a-大阪"), "a-東京".cmp("a-大阪"));
        let mut names = ["b", "Ä", "a", "C", "ä"];
        names.sort_by(|x, y| cmp_names(x, y));
        let by_lowercase = {
            let mut n = names;
            n.sort_by_key(|s| s.to_lowercase());
            n
        };
        assert_eq!(names, by_lowercase);
    }
}
