//! Which accounts a many-account run uses: `--each` selectors (a union), less `--except`
//! ones, active accounts only; and the role each would be entered with, or why it is skipped.

use std::str::FromStr;

use super::inventory::Inventory;
use super::model::{AccountStatus, OrgTree};
use super::roles::RoleOption;
use super::selector::{AccountView, Selector};

/// One selector of `--each` / `--except` / `--select`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pick {
    /// Every account.
    All,
    /// An OU path glob: that OU and everything below (as in role rules).
    Ou(String),
    /// `KEY=VALUE` (the value may be a glob) or `KEY`.
    Tag(String),
    /// An account name glob.
    Name(String),
    /// An account id or name.
    Account(String),
    /// Every account of an organization (`[[org]] name`), with several.
    Org(String),
}

/// Why a selector cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{text}` is not a selector: {why}; use all, ou:GLOB, tag:KEY=VALUE, name:GLOB, account:ID-OR-NAME or org:NAME"
)]
pub struct PickError {
    text: String,
    why: String,
}

impl FromStr for Pick {
    type Err = PickError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |why: &str| PickError {
            text: text.to_owned(),
            why: why.to_owned(),
        };
        if text.trim() == "all" {
            return Ok(Self::All);
        }
        let (kind, value) = text.split_once(':').ok_or_else(|| err("it has no kind"))?;
        let value = value.trim();
        if value.is_empty() {
            return Err(err("it names nothing after the colon"));
        }
        let check = |glob: &str| {
            glob::Pattern::new(glob)
                .map(|_| ())
                .map_err(|e| err(&format!("`{glob}` is not a valid pattern ({e})")))
        };
        match kind.trim() {
            "ou" => check(value.trim_matches('/')).map(|()| Self::Ou(value.to_owned())),
            "tag" => {
                let (key, v) = value.split_once('=').unwrap_or((value, ""));
                if key.trim().is_empty() {
                    return Err(err("the tag has no key"));
                }
                check(v.trim()).map(|()| Self::Tag(value.to_owned()))
            }
            "name" => check(value).map(|()| Self::Name(value.to_owned())),
            "account" => Ok(Self::Account(value.to_owned())),
            "org" => Ok(Self::Org(value.to_owned())),
            other => Err(err(&format!("`{other}` is not a kind of selector"))),
        }
    }
}

impl Pick {
    fn selector(&self) -> Selector {
        let one = |accounts: &[String]| Selector::new(None, None, accounts, None);
        let built = match self {
            Self::All => Ok(Selector::default()),
            Self::Ou(g) => Selector::new(Some(g), None, &[], None),
            Self::Tag(t) => Selector::new(None, Some(t), &[], None),
            Self::Name(g) => Selector::new(None, None, &[], Some(g)),
            Self::Account(a) => one(std::slice::from_ref(a)),
            Self::Org(o) => Ok(Selector::default().in_org(Some(o))),
        };
        // Patterns were checked when the selector was read.
        built.unwrap_or_default()
    }
}

/// `--each` (a union) less `--except`.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    each: Vec<Selector>,
    except: Vec<Selector>,
}

impl Selection {
    #[must_use]
    pub fn new(each: &[Pick], except: &[Pick]) -> Self {
        Self {
            each: each.iter().map(Pick::selector).collect(),
            except: except.iter().map(Pick::selector).collect(),
        }
    }

    /// The active accounts of `inv` the selection names, by name.
    #[must_use]
    pub fn accounts(&self, inv: &Inventory, tree: &OrgTree) -> Vec<usize> {
        let mut picked: Vec<usize> = (0..inv.org.accounts.len())
            .filter(|&i| inv.org.accounts[i].status == AccountStatus::Active)
            .filter(|&i| {
                let view = AccountView::of(inv, tree, i);
                self.each.iter().any(|s| s.matches(&view))
                    && !self.except.iter().any(|s| s.matches(&view))
            })
            .collect();
        picked.sort_by(|&a, &b| {
            inv.org.accounts[a]
                .name
                .cmp(&inv.org.accounts[b].name)
                .then_with(|| a.cmp(&b))
        });
        picked
    }
}

/// The role an account of a run is entered with: `wanted` when it is offered there, else the
/// one last used there, else the only one offered; why the account is skipped otherwise.
///
/// # Errors
/// Why no role can be taken there, phrased for the summary.
pub fn role_for(
    offered: &[RoleOption],
    wanted: Option<&str>,
    last_used: Option<&str>,
) -> Result<RoleOption, String> {
    let names = || {
        offered
            .iter()
            .map(RoleOption::label)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(w) = wanted {
        return RoleOption::find(offered, w).cloned().ok_or_else(|| {
            if offered.is_empty() {
                format!("{w} is not offered here (no role is)")
            } else {
                format!("{w} is not offered here (offered: {})", names())
            }
        });
    }
    if let Some(last) = last_used
        && let Some(r) = offered.iter().find(|r| r.key() == last)
    {
        return Ok(r.clone());
    }
    match offered {
        [one] => Ok(one.clone()),
        [] => Err("no role is offered here".to_owned()),
        _ => Err(format!(
            "several roles are offered ({}); choose one with --role",
            names()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::demo;

    fn names(inv: &Inventory, picked: &[usize]) -> Vec<String> {
        picked
            .iter()
            .map(|&i| inv.org.accounts[i].name.clone())
            .collect()
    }

    #[test]
    fn selectors_are_read_and_bad_ones_explained() {
        assert_eq!("all".parse::<Pick>().unwrap(), Pick::All);
        assert_eq!(
            "ou:Workloads/Prod".parse::<Pick>().unwrap(),
            Pick::Ou("Workloads/Prod".into())
        );
        assert_eq!(
            "tag:env=prod*".parse::<Pick>().unwrap(),
            Pick::Tag("env=prod*".into())
        );
        assert_eq!(
            "account:123456789012".parse::<Pick>().unwrap(),
            Pick::Account("123456789012".into())
        );
        let err = |s: &str| s.parse::<Pick>().unwrap_err().to_string();
        assert!(err("prod").contains("has no kind"), "{}", err("prod"));
        assert!(err("team:x").contains("`team` is not a kind"));
        assert!(err("name:").contains("names nothing"));
        assert!(err("name:[x").contains("not a valid pattern"));
        assert!(err("tag:=x").contains("no key"));
    }

    #[test]
    fn union_less_exceptions_of_active_accounts_only() {
        let inv = demo::inventory(time::OffsetDateTime::UNIX_EPOCH);
        let tree = OrgTree::build(&inv.org);
        let pick = |each: &[&str], except: &[&str]| {
            let p = |l: &[&str]| l.iter().map(|s| s.parse().unwrap()).collect::<Vec<_>>();
            names(
                &inv,
                &Selection::new(&p(each), &p(except)).accounts(&inv, &tree),
            )
        };
        let all = pick(&["all"], &[]);
        let active = inv
            .org
            .accounts
            .iter()
            .filter(|a| a.status == AccountStatus::Active)
            .count();
        assert_eq!(all.len(), active);
        assert!(
            active < inv.org.accounts.len(),
            "the demo has inactive ones"
        );
        let data = pick(&["ou:Data"], &[]);
        assert!(data.contains(&"analytics-dev".to_owned()), "{data:?}");
        let union = pick(&["ou:Data", "name:audit"], &[]);
        assert_eq!(union.len(), data.len() + 1);
        assert!(union.contains(&"audit".to_owned()));
        let no_prod = pick(&["ou:Data"], &["tag:env=prod"]);
        assert!(!no_prod.contains(&"analytics-prod".to_owned()));
        assert!(no_prod.contains(&"analytics-dev".to_owned()));
        assert_eq!(
            pick(&["account:analytics-dev", "account:100112774096"], &[]),
            ["analytics-dev", "audit"]
        );
    }

    #[test]
    fn the_role_is_the_wanted_one_the_last_one_or_the_only_one() {
        let admin = RoleOption::named("Admin");
        let read = RoleOption::named("ReadOnly");
        let both = [admin.clone(), read.clone()];
        assert_eq!(role_for(&both, Some("ReadOnly"), None), Ok(read.clone()));
        assert!(
            role_for(std::slice::from_ref(&admin), Some("ReadOnly"), None)
                .unwrap_err()
                .contains("offered: Admin")
        );
        assert_eq!(role_for(&both, None, Some(&read.key())), Ok(read.clone()));
        assert!(role_for(&both, None, None).unwrap_err().contains("--role"));
        assert_eq!(
            role_for(std::slice::from_ref(&admin), None, None),
            Ok(admin)
        );
        assert!(role_for(&[], None, None).unwrap_err().contains("no role"));
    }
}
