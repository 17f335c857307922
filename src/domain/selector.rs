//! Which accounts a config rule applies to: OU path glob, tag, account id/name, name glob.

use super::model::Tags;

use glob::{MatchOptions, Pattern};

use super::inventory::Inventory;
use super::model::OrgTree;

/// What a selector looks at in an account.
#[derive(Clone, Copy, Debug)]
pub struct AccountView<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// Its organization (`[[org]] name`), with several.
    pub org: Option<&'a str>,
    /// OU names from the root's child down.
    pub path: &'a [String],
    pub tags: TagList<'a>,
}

/// An account's tags: an inventory's, or pairs read in place from the cache file.
#[derive(Clone, Copy, Debug)]
pub enum TagList<'a> {
    Tags(&'a Tags),
    Pairs(&'a [(&'a str, &'a str)]),
}

impl<'a> TagList<'a> {
    /// (key, value) in key order.
    pub fn iter(self) -> impl Iterator<Item = (&'a str, &'a str)> {
        let (tags, pairs) = match self {
            Self::Tags(t) => (Some(t), None),
            Self::Pairs(p) => (None, Some(p)),
        };
        tags.into_iter()
            .flat_map(|t| t.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .chain(pairs.into_iter().flatten().copied())
    }
}

impl<'a> From<&'a Tags> for TagList<'a> {
    fn from(tags: &'a Tags) -> Self {
        Self::Tags(tags)
    }
}

impl<'a> AccountView<'a> {
    /// An account known by its id and name alone: no OU, no tags.
    #[must_use]
    pub fn bare(id: &'a str, name: &'a str) -> Self {
        Self {
            id,
            name,
            org: None,
            path: &[],
            tags: TagList::Pairs(&[]),
        }
    }

    /// The view of account `i` of `inv`.
    #[must_use]
    pub fn of(inv: &'a Inventory, tree: &'a OrgTree, i: usize) -> Self {
        let a = &inv.org.accounts[i];
        Self {
            id: a.id.as_str(),
            name: &a.name,
            org: a.org.as_deref(),
            path: super::orgs::ou_path(inv, tree, i),
            tags: TagList::Tags(&a.tags),
        }
    }
}

/// A config rule for the accounts a selector names: the selector fields every rule has
/// (`ou`, `tag`, `account`, `name`), then the rule's own, and `target()`. One definition, so
/// a new selector (or a fix to one) reaches every kind of rule.
macro_rules! account_rule {
    (
        $(#[$meta:meta])*
        pub struct $rule:ident {
            $($(#[$field_meta:meta])* pub $field:ident: $ty:ty,)*
        }
    ) => {
        $(#[$meta])*
        pub struct $rule {
            /// OU path glob (`Workloads/Prod`, `*/Sandbox`); matches that OU and everything below.
            pub ou: Option<String>,
            /// `key=value` (value may be a glob, any case) or `key` alone.
            pub tag: Option<String>,
            /// Account ids or names.
            pub account: Vec<String>,
            /// Account name glob.
            pub name: Option<String>,
            /// The organization (`[[org]] name`), with several.
            pub org: Option<String>,
            $($(#[$field_meta])* pub $field: $ty,)*
        }

        impl $rule {
            /// The accounts this rule applies to.
            #[must_use]
            pub fn target(&self) -> $crate::domain::selector::RuleTarget<'_> {
                $crate::domain::selector::RuleTarget {
                    ou: self.ou.as_deref(),
                    tag: self.tag.as_deref(),
                    account: &self.account,
                    name: self.name.as_deref(),
                    org: self.org.as_deref(),
                }
            }
        }
    };
}
pub(crate) use account_rule;

/// What a config rule names: OU path glob, tag, account ids or names, name glob.
#[derive(Clone, Copy, Debug, Default)]
pub struct RuleTarget<'a> {
    pub ou: Option<&'a str>,
    pub tag: Option<&'a str>,
    pub account: &'a [String],
    pub name: Option<&'a str>,
    pub org: Option<&'a str>,
}

/// A compiled rule target; every part that is present must match.
#[derive(Clone, Debug, Default)]
pub struct Selector {
    ou: Option<Pattern>,
    tag: Option<(String, Option<Pattern>)>,
    accounts: Vec<String>,
    name: Option<Pattern>,
    org: Option<String>,
}

const PATH: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

const TEXT: MatchOptions = MatchOptions {
    case_sensitive: false,
    require_literal_separator: false,
    require_literal_leading_dot: false,
};

impl Selector {
    /// Compiles the parts of a rule. An empty selector matches every account.
    ///
    /// # Errors
    /// When a glob is invalid (the config loader reports it with its line).
    pub fn new(
        ou: Option<&str>,
        tag: Option<&str>,
        accounts: &[String],
        name: Option<&str>,
    ) -> Result<Self, glob::PatternError> {
        let tag = match tag {
            None => None,
            Some(t) => Some(match t.split_once('=') {
                Some((k, v)) => (k.trim().to_owned(), Some(Pattern::new(v.trim())?)),
                None => (t.trim().to_owned(), None),
            }),
        };
        Ok(Self {
            ou: ou.map(|g| Pattern::new(g.trim_matches('/'))).transpose()?,
            tag,
            accounts: accounts.to_vec(),
            name: name.map(Pattern::new).transpose()?,
            org: None,
        })
    }

    /// This selector, for the accounts of organization `org` only.
    #[must_use]
    pub fn in_org(self, org: Option<&str>) -> Self {
        Self {
            org: org.map(str::to_owned),
            ..self
        }
    }

    /// Compiles a config rule's target.
    ///
    /// # Errors
    /// When a glob is invalid.
    pub fn compile(target: &RuleTarget<'_>) -> Result<Self, glob::PatternError> {
        Ok(Self::new(target.ou, target.tag, target.account, target.name)?.in_org(target.org))
    }

    /// Whether this selector names accounts and nothing else, and `id` among them: the only
    /// kind of rule that can be judged without knowing an account's OU, tags or name.
    #[must_use]
    pub fn names_only(&self, id: &str) -> bool {
        self.ou.is_none()
            && self.tag.is_none()
            && self.name.is_none()
            && self.org.is_none()
            && self.accounts.iter().any(|a| a == id)
    }

    #[must_use]
    pub fn matches(&self, a: &AccountView<'_>) -> bool {
        if let Some(org) = &self.org
            && a.org != Some(org.as_str())
        {
            return false;
        }
        if let Some(ou) = &self.ou {
            // The OU itself or any OU above the account: a glob names a subtree.
            let hit = (1..=a.path.len()).any(|n| ou.matches_with(&a.path[..n].join("/"), PATH));
            if !hit {
                return false;
            }
        }
        if let Some((key, value)) = &self.tag {
            let found = a
                .tags
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v);
            match (found, value) {
                (None, _) => return false,
                (Some(v), Some(p)) if !p.matches_with(v, TEXT) => return false,
                _ => {}
            }
        }
        if !self.accounts.is_empty() && !self.accounts.iter().any(|x| x == a.id || x == a.name) {
            return false;
        }
        if let Some(name) = &self.name
            && !name.matches_with(a.name, TEXT)
        {
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view<'a>(path: &'a [String], tags: &'a Tags) -> AccountView<'a> {
        AccountView {
            id: "111122223333",
            name: "payments-prod",
            org: None,
            path,
            tags: tags.into(),
        }
    }

    fn path(p: &str) -> Vec<String> {
        p.split('/').map(String::from).collect()
    }

    #[test]
    fn ou_glob_names_a_subtree() {
        let tags = Tags::new();
        let deep = path("Workloads/Prod/Payments/Regional");
        let sel = |g| Selector::new(Some(g), None, &[], None).unwrap();
        assert!(sel("Workloads/Prod").matches(&view(&deep, &tags)));
        assert!(sel("Workloads/Prod/*").matches(&view(&deep, &tags)));
        assert!(sel("*/Prod").matches(&view(&deep, &tags)));
        assert!(sel("**/Regional").matches(&view(&deep, &tags)));
        assert!(!sel("Workloads/NonProd").matches(&view(&deep, &tags)));
        assert!(
            !sel("Prod").matches(&view(&deep, &tags)),
            "globs are anchored at the top"
        );
        let direct = path("Workloads/Prod");
        assert!(!sel("Workloads/Prod/*").matches(&view(&direct, &tags)));
        assert!(
            !sel("Workloads").matches(&view(&[], &tags)),
            "root accounts have no OU"
        );
    }

    #[test]
    fn tag_key_and_value_glob_any_case() {
        let tags: Tags = [("Env".to_owned(), "Production".to_owned())].into();
        let p = path("X");
        let sel = |t| Selector::new(None, Some(t), &[], None).unwrap();
        assert!(sel("env=production").matches(&view(&p, &tags)));
        assert!(sel("env=prod*").matches(&view(&p, &tags)));
        assert!(sel("env").matches(&view(&p, &tags)));
        assert!(!sel("env=dev").matches(&view(&p, &tags)));
        assert!(!sel("team").matches(&view(&p, &tags)));
    }

    #[test]
    fn all_parts_must_match() {
        let tags: Tags = [("env".to_owned(), "prod".to_owned())].into();
        let p = path("Workloads/Prod");
        let ids = vec!["111122223333".to_owned()];
        let sel = Selector::new(Some("Workloads"), Some("env=prod"), &ids, Some("pay*")).unwrap();
        assert!(sel.matches(&view(&p, &tags)));
        let other = vec!["999999999999".to_owned()];
        let sel = Selector::new(Some("Workloads"), Some("env=prod"), &other, None).unwrap();
        assert!(!sel.matches(&view(&p, &tags)));
        let by_name = vec!["payments-prod".to_owned()];
        assert!(
            Selector::new(None, None, &by_name, None)
                .unwrap()
                .matches(&view(&p, &tags))
        );
        assert!(Selector::default().matches(&view(&p, &tags)));
    }

    #[test]
    fn org_names_one_organization() {
        let tags = Tags::new();
        let p = path("Workloads");
        let sel = Selector::new(Some("Workloads"), None, &[], None)
            .unwrap()
            .in_org(Some("lab"));
        let mut lab = view(&p, &tags);
        lab.org = Some("lab");
        assert!(sel.matches(&lab));
        lab.org = Some("corp");
        assert!(!sel.matches(&lab));
        assert!(!sel.matches(&view(&p, &tags)), "an account of no named org");
    }
}
