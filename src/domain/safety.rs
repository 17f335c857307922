//! Production classification: safe defaults, config rules on top, and the confirmation it needs.

use std::fmt::Write as _;

use serde::Deserialize;

use super::inventory::Inventory;
use super::model::OrgTree;
use super::selector::{AccountView, Selector};
use super::untrusted::visible;

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

/// What must be typed to confirm access to a production account, and what to warn of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirmation {
    /// The exact text to type.
    pub text: String,
    /// `text` is the account's id: its name would not tell it from another.
    pub by_id: bool,
    /// The ids of the other accounts whose names look like this one's.
    pub same_name_as: Vec<String>,
    /// The name holds characters that are not shown as they are, or spaces at an end.
    pub name_not_plain: bool,
}

impl Confirmation {
    /// With `confirm_with = "name"` the account's name is typed, unless the name is not shown
    /// as it is ([`visible`] changes it: a control, a character that does not show, a space
    /// at an end) or the names of `same_name_as` look like it ([`super::lookalike`]): then its
    /// id, so that typing the name that is seen can never confirm the look-alike. Any other
    /// `confirm_with` is the text to type.
    #[must_use]
    pub fn new(confirm_with: &str, id: &str, name: &str, same_name_as: Vec<String>) -> Self {
        let name_not_plain = visible(name) != name;
        let by_name = confirm_with == "name";
        let by_id = by_name && (name_not_plain || !same_name_as.is_empty());
        let text = if by_id {
            id
        } else if by_name {
            name
        } else {
            confirm_with
        };
        Self {
            text: text.to_owned(),
            by_id,
            same_name_as,
            name_not_plain,
        }
    }

    /// Many accounts at once (a fan-out that reaches production): how many of them are
    /// production is typed, not a name.
    #[must_use]
    pub fn of_many(production: usize) -> Self {
        Self {
            text: production.to_string(),
            by_id: false,
            same_name_as: Vec::new(),
            name_not_plain: false,
        }
    }

    /// Whether the line `typed` confirms: exactly the text, but for its line end.
    #[must_use]
    pub fn is_confirmed_by(&self, typed: &str) -> bool {
        typed.trim_end_matches(['\r', '\n']) == self.text
    }

    /// What to type, as a prompt names it: `` `payments-prod` ``, or
    /// `` its account id `123456789012` ``.
    #[must_use]
    pub fn what_to_type(&self) -> String {
        if self.by_id {
            format!("its account id `{}`", self.text)
        } else {
            format!("`{}`", visible(&self.text))
        }
    }

    /// Why to look twice at the account: `same name as 111122223333, 444455556666`, and that
    /// its name holds characters not shown as they are; `None` when neither.
    #[must_use]
    pub fn warning(&self) -> Option<String> {
        let mut why = Vec::new();
        if let Some((first, rest)) = self.same_name_as.split_first() {
            let mut ids = first.clone();
            for id in rest.iter().take(2) {
                ids.push_str(", ");
                ids.push_str(id);
            }
            if rest.len() > 2 {
                let _ = write!(ids, " and {} more", rest.len() - 2);
            }
            why.push(format!("same name as {ids}"));
        }
        if self.name_not_plain {
            why.push("its name holds characters that do not show as they are".to_owned());
        }
        (!why.is_empty()).then(|| why.join("; "))
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

crate::domain::selector::account_rule! {
    #[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    pub struct ProductionRule {
        /// `false` exempts matching accounts from the built-in rules.
        pub production: bool,
    }
}

impl Default for ProductionRule {
    fn default() -> Self {
        Self {
            ou: None,
            tag: None,
            account: Vec::new(),
            name: None,
            org: None,
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
            org: None,
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
        let c = Confirmation::new("name", "111122223333", "payments-prod", Vec::new());
        assert_eq!(c.text, "payments-prod");
        assert!(!c.by_id && c.warning().is_none());
        assert_eq!(c.what_to_type(), "`payments-prod`");
        assert!(c.is_confirmed_by("payments-prod"));
        assert!(c.is_confirmed_by("payments-prod\r\n"));
        for wrong in [
            "payments-pro",
            "Payments-Prod",
            " payments-prod",
            "payments-prod ",
            "",
        ] {
            assert!(!c.is_confirmed_by(wrong), "{wrong:?}");
        }
        let c = Confirmation::new("yes-prod", "111122223333", "payments-prod", Vec::new());
        assert_eq!(c.text, "yes-prod");
        assert!(c.is_confirmed_by("yes-prod\n") && !c.is_confirmed_by("payments-prod"));
    }

    #[test]
    fn a_name_that_is_not_plain_or_looks_like_another_is_confirmed_by_id() {
        for name in [
            "payments-prod\u{200b}",
            "payments-prod ",
            " payments-prod",
            "payments\u{a0}prod",
            "payments-prod\x1b[0m",
            "payments-prod\u{202e}",
        ] {
            let c = Confirmation::new("name", "111122223333", name, Vec::new());
            assert_eq!(c.text, "111122223333", "{name:?}");
            assert!(c.by_id && c.name_not_plain);
            assert!(!c.is_confirmed_by("payments-prod"), "{name:?}");
            assert!(!c.is_confirmed_by(name), "{name:?}");
            assert!(c.is_confirmed_by("111122223333"));
            assert_eq!(c.what_to_type(), "its account id `111122223333`");
            let warning = c.warning().unwrap();
            assert!(warning.contains("do not show"), "{warning}");
        }
        // A plain name with a look-alike: the id too, and the prompt says which accounts.
        let c = Confirmation::new(
            "name",
            "111122223333",
            "payments-prod",
            vec!["444455556666".into()],
        );
        assert_eq!(c.text, "111122223333");
        assert!(c.by_id && !c.name_not_plain);
        assert!(!c.is_confirmed_by("payments-prod"));
        assert_eq!(c.warning().unwrap(), "same name as 444455556666");
        let many: Vec<String> = (1..=5).map(|i| format!("{i}{i}{i}")).collect();
        let c = Confirmation::new("name", "9", "payments-prod\u{200b}", many);
        assert_eq!(
            c.warning().unwrap(),
            "same name as 111, 222, 333 and 2 more; its name holds characters that do not show as they are"
        );
        // A configured text stays the text to type; the warning is still given.
        let c = Confirmation::new("yes-prod", "1", "payments-prod", vec!["2".into()]);
        assert_eq!((c.text.as_str(), c.by_id), ("yes-prod", false));
        assert_eq!(c.warning().unwrap(), "same name as 2");
    }

    #[test]
    fn typing_a_name_never_confirms_its_look_alike() {
        use crate::domain::lookalike::Lookalikes;
        let accounts = [
            ("111111111111", "payments-prod"),
            ("222222222222", "payments-prod\u{200b}"),
            ("333333333333", "Payments-Prod"),
            ("444444444444", "ledger-prod"),
        ];
        let alike = Lookalikes::of(accounts.iter().map(|(_, n)| *n));
        for (i, (id, name)) in accounts.iter().enumerate() {
            let same = alike.others(i).map(|j| accounts[j].0.to_owned()).collect();
            let c = Confirmation::new("name", id, name, same);
            let by_name = *name == "ledger-prod";
            assert!(!c.is_confirmed_by("payments-prod"), "{name:?}");
            assert_eq!(c.is_confirmed_by(name), by_name, "{name:?}");
            assert!(c.is_confirmed_by(id) || by_name, "{name:?}");
        }
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
