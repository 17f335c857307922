//! How a console opened side by side looks: the Firefox container's name, colour and icon,
//! and the directory of its own Chromium profile.

use serde::Deserialize;

use super::selector::{AccountView, Selector};

/// The colours of Firefox containers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContainerColor {
    Blue,
    Turquoise,
    Green,
    Yellow,
    Orange,
    Red,
    Pink,
    Purple,
    Toolbar,
}

impl ContainerColor {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Blue => "blue",
            Self::Turquoise => "turquoise",
            Self::Green => "green",
            Self::Yellow => "yellow",
            Self::Orange => "orange",
            Self::Red => "red",
            Self::Pink => "pink",
            Self::Purple => "purple",
            Self::Toolbar => "toolbar",
        }
    }

    /// Colours an account may get by its name when no rule gives one: every one but red,
    /// which says production.
    const BY_NAME: [Self; 7] = [
        Self::Blue,
        Self::Turquoise,
        Self::Green,
        Self::Yellow,
        Self::Orange,
        Self::Pink,
        Self::Purple,
    ];
}

/// The icons of Firefox containers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContainerIcon {
    Fingerprint,
    Briefcase,
    Dollar,
    Cart,
    Circle,
    Gift,
    Vacation,
    Food,
    Fruit,
    Pet,
    Tree,
    Chill,
    Fence,
}

impl ContainerIcon {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Fingerprint => "fingerprint",
            Self::Briefcase => "briefcase",
            Self::Dollar => "dollar",
            Self::Cart => "cart",
            Self::Circle => "circle",
            Self::Gift => "gift",
            Self::Vacation => "vacation",
            Self::Food => "food",
            Self::Fruit => "fruit",
            Self::Pet => "pet",
            Self::Tree => "tree",
            Self::Chill => "chill",
            Self::Fence => "fence",
        }
    }
}

crate::domain::selector::account_rule! {
    /// `[[console.color]]`: a colour and an icon for the accounts a selector names.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    pub struct ConsoleColorRule {
        pub color: Option<ContainerColor>,
        pub icon: Option<ContainerIcon>,
    }
}

/// A container's colour and icon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Look {
    pub color: ContainerColor,
    pub icon: ContainerIcon,
}

/// The look of `account`'s console: red with a fence in production whatever the rules say
/// of its colour; else the last matching rule's colour, or one picked by the account's name
/// (the same every time); the last matching rule's icon, else a fingerprint.
#[must_use]
pub fn look(rules: &[ConsoleColorRule], account: &AccountView<'_>, production: bool) -> Look {
    let mut color = None;
    let mut icon = None;
    for rule in rules {
        let Ok(selector) = Selector::compile(&rule.target()) else {
            continue; // validated when the config was loaded
        };
        if selector.matches(account) {
            color = rule.color.or(color);
            icon = rule.icon.or(icon);
        }
    }
    if production {
        return Look {
            color: ContainerColor::Red,
            icon: icon.unwrap_or(ContainerIcon::Fence),
        };
    }
    let by_name = || {
        // FNV-1a: stable across runs and builds, unlike std's hasher.
        let hash = account.id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let len = ContainerColor::BY_NAME.len() as u64;
        ContainerColor::BY_NAME[usize::try_from(hash % len).unwrap_or(0)]
    };
    Look {
        color: color
            .filter(|c| *c != ContainerColor::Red)
            .unwrap_or_else(by_name),
        icon: icon.unwrap_or(ContainerIcon::Fingerprint),
    }
}

/// `[console] container_name` filled in: `{account}`, `{role}`, `{id}`; shown in Firefox's
/// tab bar, so without controls (as a title).
#[must_use]
pub fn container_name(format: &str, account: &str, role: &str, id: &str) -> String {
    super::untrusted::title(&super::untrusted::fill(
        format,
        &[("account", account), ("role", role), ("id", id)],
    ))
}

/// The link the "Open external links in a container" Firefox extension opens in container
/// `name` (made when missing, with `look`): `ext+container:name=…&url=…&color=…&icon=…`, each
/// value percent-encoded, the sign-in link included.
#[must_use]
pub fn container_url(name: &str, login: &str, look: Look) -> String {
    use super::arn::encode_component as enc;
    format!(
        "ext+container:name={}&url={}&color={}&icon={}",
        enc(name),
        enc(login),
        look.color.name(),
        look.icon.name()
    )
}

/// A directory name for a Chromium profile of `account_id` and `role`: readable, and the same
/// on every open.
#[must_use]
pub fn profile_dir_name(account_id: &str, role: &str) -> String {
    super::untrusted::file_name(&format!("{account_id}-{role}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::Tags;

    fn view<'a>(id: &'a str, name: &'a str, path: &'a [String], tags: &'a Tags) -> AccountView<'a> {
        AccountView {
            id,
            name,
            org: None,
            path,
            tags: tags.into(),
        }
    }

    #[test]
    fn production_is_red_and_rules_colour_the_rest() {
        let tags = Tags::new();
        let dev = ["Workloads".to_owned(), "Dev".to_owned()];
        let rules = vec![
            ConsoleColorRule {
                ou: Some("Workloads/Dev".into()),
                color: Some(ContainerColor::Green),
                icon: Some(ContainerIcon::Tree),
                ..ConsoleColorRule::default()
            },
            ConsoleColorRule {
                name: Some("*-prod".into()),
                color: Some(ContainerColor::Blue),
                icon: Some(ContainerIcon::Dollar),
                ..ConsoleColorRule::default()
            },
        ];
        let a = view("111111111111", "web-dev", &dev, &tags);
        assert_eq!(
            look(&rules, &a, false),
            Look {
                color: ContainerColor::Green,
                icon: ContainerIcon::Tree
            }
        );
        let p = view("222222222222", "web-prod", &[], &tags);
        assert_eq!(
            look(&rules, &p, true),
            Look {
                color: ContainerColor::Red,
                icon: ContainerIcon::Dollar
            },
            "a rule's colour never hides production"
        );
        assert_eq!(look(&[], &p, true).icon, ContainerIcon::Fence);
    }

    #[test]
    fn other_accounts_keep_one_colour_that_is_never_red() {
        let tags = Tags::new();
        let red_rule = vec![ConsoleColorRule {
            color: Some(ContainerColor::Red),
            ..ConsoleColorRule::default()
        }];
        let mut seen = std::collections::HashSet::new();
        for n in 0..50_u64 {
            let id = format!("{:012}", n * 7919);
            let a = view(&id, "x", &[], &tags);
            let first = look(&[], &a, false);
            assert_eq!(first, look(&[], &a, false));
            assert_ne!(first.color, ContainerColor::Red);
            assert_ne!(look(&red_rule, &a, false).color, ContainerColor::Red);
            seen.insert(first.color.name());
        }
        assert!(seen.len() > 3, "names spread over the colours: {seen:?}");
    }

    #[test]
    fn container_links_parse_back() {
        let login = "https://signin.aws.amazon.com/federation?Action=login&Issuer=awsnav&Destination=https%3A%2F%2Fx&SigninToken=a%2Bb";
        let look = Look {
            color: ContainerColor::Red,
            icon: ContainerIcon::Fence,
        };
        let link = container_url("pay prod/Admin&Co", login, look);
        let query = link.strip_prefix("ext+container:").unwrap();
        let pairs: std::collections::HashMap<String, String> =
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
        assert_eq!(pairs["name"], "pay prod/Admin&Co");
        assert_eq!(pairs["url"], login);
        assert_eq!(pairs["color"], "red");
        assert_eq!(pairs["icon"], "fence");
        assert_eq!(pairs.len(), 4);
        // A hostile name is one value: it can add no parameter and no line.
        let name = container_name("{account}", "x&url=https://evil#\n\x1b]2;t\x07", "R", "1");
        let link = container_url(&name, login, look);
        assert!(!link.contains(['\n', '\x1b', '#', ' ']), "{link}");
        let pairs: std::collections::HashMap<String, String> =
            url::form_urlencoded::parse(link.strip_prefix("ext+container:").unwrap().as_bytes())
                .into_owned()
                .collect();
        assert_eq!(pairs["name"], "x&url=https://evil#]2;t");
        assert_eq!(pairs["url"], login);
        assert_eq!(pairs.len(), 4);
    }

    #[test]
    fn names_and_profile_directories() {
        assert_eq!(
            container_name("{account}/{role}", "pay-dev", "Admin", "1"),
            "pay-dev/Admin"
        );
        assert_eq!(
            profile_dir_name("111122223333", "sso:Admin Access/x"),
            "111122223333-sso_Admin_Access_x"
        );
        assert_eq!(
            profile_dir_name("111122223333", "../../\0x"),
            "111122223333-.._.._\0x".replace('\0', "_")
        );
        assert_eq!(
            container_name("{account}/{role}", "{role}", "Admin", "1"),
            "{role}/Admin"
        );
    }
}
