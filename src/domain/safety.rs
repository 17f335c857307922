//! Production classification: safe defaults, config rules on top, and the confirmation it needs.

use serde::Deserialize;

use super::inventory::Inventory;
use super::model::OrgTree;
use super::selector::{AccountView, RuleTarget, Selector};

/// Tag keys whose value says what environment an account is.
const ENV_TAG_KEYS: [&str; 3] = ["env", "environment", "stage"];
/// Values of those tags that mean production.
const PROD_VALUES: [&str; 3] = ["prod", "production", "prd"];
/// Words in an account or OU name that mean production.
const PROD_WORDS: [&str; 2] = ["prod", "production"];

/// Decides which accounts are production.
#[derive(Clone, Debug, Default)]
pub struct Classifier {
    rules: Vec<(Selector, bool)>,
}

impl Classifier {
    /// Compiles the config's rules (validated when the config was loaded).
    #[must_use]
    pub fn new(config: &ProductionConfig) -> Self {
        let rules = config
            .rules
            .iter()
            .filter_map(|r| {
                Selector::compile(&r.target())
                    .ok()
                    .map(|s| (s, r.production))
            })
            .collect();
        Self { rules }
    }

    /// Whether an account awsnav knows only by its id (not in any inventory) is production: the
    /// last rule that names it by id and says nothing else decides; `None` when no rule does,
    /// and the caller must assume the worst.
    #[must_use]
    pub fn production_of_unknown(&self, id: &str) -> Option<bool> {
        self.rules
            .iter()
            .rev()
            .find(|(selector, _)| selector.names_only(id))
            .map(|(_, production)| *production)
    }

    /// Built-in rules first (an env-like tag of prod/production/prd, or "prod"/"production" as a
    /// word of the account's or an enclosing OU's name); then config rules, the last match wins.
    #[must_use]
    pub fn is_production(&self, a: &AccountView<'_>) -> bool {
        let mut production = builtin(a);
        for (selector, value) in &self.rules {
            if selector.matches(a) {
                production = *value;
            }
        }
        production
    }
}

impl Classifier {
    /// [`Classifier::is_production`] of every account of `inv`, with each OU's name looked at
    /// once instead of once per account beneath it.
    #[must_use]
    pub fn classify_all(&self, inv: &Inventory, tree: &OrgTree) -> Vec<bool> {
        let ou_prod = Self::ou_production(tree, inv.org.org_units.len());
        (0..inv.org.accounts.len())
            .map(|i| {
                let parent = tree.account_parent(i).is_some_and(|ou| ou_prod[ou]);
                self.classify(&AccountView::of(inv, tree, i), parent)
            })
            .collect()
    }

    /// Whether each of the `count` OUs of `tree`, or one above it, has a production name.
    #[must_use]
    pub fn ou_production(tree: &OrgTree, count: usize) -> Vec<bool> {
        (0..count)
            .map(|ou| tree.ou_path(ou).iter().any(|name| has_prod_word(name)))
            .collect()
    }

    /// [`Classifier::is_production`] of `a`, its OUs' names already looked at
    /// ([`Classifier::ou_production`] of its parent: `parent_production`).
    #[must_use]
    pub fn classify(&self, a: &AccountView<'_>, parent_production: bool) -> bool {
        let mut production = prod_tag(a) || has_prod_word(a.name) || parent_production;
        for (selector, value) in &self.rules {
            if selector.matches(a) {
                production = *value;
            }
        }
        production
    }
}

/// A tag (`env`, `environment`, `stage`) whose value means production.
fn prod_tag(a: &AccountView<'_>) -> bool {
    a.tags.iter().any(|(k, v)| {
        ENV_TAG_KEYS.iter().any(|key| k.eq_ignore_ascii_case(key))
            && PROD_VALUES.iter().any(|p| v.trim().eq_ignore_ascii_case(p))
    })
}

fn builtin(a: &AccountView<'_>) -> bool {
    prod_tag(a) || has_prod_word(a.name) || a.path.iter().any(|ou| has_prod_word(ou))
}

/// `payments-prod`, `Prod`, `prod_eu1` yes; `NonProd`, `preprod`, `product` no.
fn has_prod_word(name: &str) -> bool {
    // Words are runs of ASCII letters; every other byte (a digit, `-`, any byte of a
    // non-ASCII character) ends one.
    name.as_bytes()
        .split(|b| !b.is_ascii_alphabetic())
        .any(|w| {
            PROD_WORDS
                .iter()
                .any(|p| w.eq_ignore_ascii_case(p.as_bytes()))
        })
}

/// What must be typed to confirm access to a production account: the name as it is shown
/// (a control in it as its escape, which can be typed), or the configured text.
#[must_use]
pub fn confirmation_text<'a>(
    config: &'a ProductionConfig,
    account_name: &'a str,
) -> std::borrow::Cow<'a, str> {
    if config.confirm_with == "name" {
        super::untrusted::visible(account_name)
    } else {
        std::borrow::Cow::Borrowed(config.confirm_with.as_str())
    }
}

/// What counts as production and how getting into it is confirmed.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProductionConfig {
    /// `"name"`: type the account's name to confirm; anything else: type that text.
    pub confirm_with: String,
    /// Rules applied after the built-in ones, in order; the last match decides.
    #[serde(rename = "rule")]
    pub rules: Vec<ProductionRule>,
}

impl Default for ProductionConfig {
    fn default() -> Self {
        Self {
            confirm_with: "name".to_owned(),
            rules: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProductionRule {
    pub ou: Option<String>,
    pub tag: Option<String>,
    pub account: Vec<String>,
    pub name: Option<String>,
    /// `false` exempts matching accounts from the built-in rules.
    pub production: bool,
}

impl ProductionRule {
    /// The accounts this rule applies to.
    #[must_use]
    pub fn target(&self) -> RuleTarget<'_> {
        RuleTarget {
            ou: self.ou.as_deref(),
            tag: self.tag.as_deref(),
            account: &self.account,
            name: self.name.as_deref(),
        }
    }
}

impl Default for ProductionRule {
    fn default() -> Self {
        Self {
            ou: None,
            tag: None,
            account: Vec::new(),
            name: None,
            production: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ProductionRule;
    use super::*;
    use crate::domain::model::Tags;

    fn check(c: &Classifier, name: &str, path: &str, tags: &[(&str, &str)]) -> bool {
        let path: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        let tags: Tags = tags
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        c.is_production(&AccountView {
            id: "111122223333",
            name,
            path: &path,
            tags: (&tags).into(),
        })
    }

    #[test]
    fn safe_without_configuration() {
        let c = Classifier::default();
        assert!(check(&c, "payments", "", &[("env", "prod")]));
        assert!(check(&c, "payments", "", &[("Environment", "Production")]));
        assert!(check(&c, "payments", "", &[("stage", "PRD")]));
        assert!(check(&c, "payments-prod", "", &[]));
        assert!(check(&c, "prod_eu1", "", &[]));
        assert!(check(&c, "payments", "Workloads/Prod/Payments", &[]));
        assert!(check(&c, "x", "Production", &[]));
    }

    #[test]
    fn lookalikes_are_not_production() {
        let c = Classifier::default();
        assert!(!check(
            &c,
            "payments-dev",
            "Workloads/NonProd",
            &[("env", "dev")]
        ));
        assert!(!check(&c, "preprod-sandbox", "", &[]));
        assert!(!check(&c, "product-catalog", "", &[]));
        assert!(!check(&c, "x", "", &[("owner", "prod-team")]));
    }

    #[test]
    fn config_rules_add_and_exempt_last_match_wins() {
        let config = ProductionConfig {
            rules: vec![
                ProductionRule {
                    ou: Some("Security".into()),
                    ..ProductionRule::default()
                },
                ProductionRule {
                    name: Some("*-prod-like".into()),
                    production: false,
                    ..ProductionRule::default()
                },
            ],
            ..ProductionConfig::default()
        };
        let c = Classifier::new(&config);
        assert!(check(&c, "log-archive", "Security", &[]));
        assert!(!check(&c, "sandbox-prod-like", "", &[]));
        assert!(!check(&c, "sandbox", "", &[]));
    }

    #[test]
    fn confirmation_is_the_name_unless_configured() {
        let mut config = ProductionConfig::default();
        assert_eq!(confirmation_text(&config, "payments-prod"), "payments-prod");
        config.confirm_with = "yes-prod".into();
        assert_eq!(confirmation_text(&config, "payments-prod"), "yes-prod");
    }

    #[test]
    fn classifying_all_at_once_agrees_with_one_by_one() {
        use crate::domain::model::OrgTree;
        let inv = crate::domain::demo::inventory(time::OffsetDateTime::UNIX_EPOCH);
        let tree = OrgTree::build(&inv.org);
        let config = ProductionConfig {
            rules: vec![
                ProductionRule {
                    ou: Some("Sandbox".into()),
                    ..ProductionRule::default()
                },
                ProductionRule {
                    name: Some("shipping-*".into()),
                    production: false,
                    ..ProductionRule::default()
                },
            ],
            ..ProductionConfig::default()
        };
        for c in [Classifier::default(), Classifier::new(&config)] {
            let all = c.classify_all(&inv, &tree);
            let one_by_one: Vec<bool> = (0..inv.org.accounts.len())
                .map(|i| c.is_production(&AccountView::of(&inv, &tree, i)))
                .collect();
            assert_eq!(all, one_by_one);
            assert!(all.iter().any(|p| *p) && all.iter().any(|p| !*p));
        }
    }

    #[test]
    fn an_unknown_account_is_judged_only_by_rules_that_name_its_id() {
        let rule = |account: &str, ou: Option<&str>, production| ProductionRule {
            account: vec![account.into()],
            ou: ou.map(str::to_owned),
            production,
            ..ProductionRule::default()
        };
        let c = Classifier::new(&ProductionConfig {
            rules: vec![
                rule("111122223333", None, true),
                rule("111122223333", None, false),
                rule("444455556666", Some("Sandbox"), false),
            ],
            ..ProductionConfig::default()
        });
        assert_eq!(
            c.production_of_unknown("111122223333"),
            Some(false),
            "the last wins"
        );
        assert_eq!(
            c.production_of_unknown("444455556666"),
            None,
            "a rule that also needs the OU cannot be judged"
        );
        assert_eq!(c.production_of_unknown("999999999999"), None);
    }
}
