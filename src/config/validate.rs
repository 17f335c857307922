//! What the types cannot say: ranges, region names, patterns, and the checks a front end adds
//! for the settings it reads (key table, colours). Every error points at its key.

use super::locate::Locate;
use super::{Check, Config, ConfigError};
use crate::domain::selector::RuleTarget;

impl Config {
    /// Checks what the types cannot: ranges, names, patterns, and (through `check`) the
    /// settings a front end reads.
    pub(super) fn validate(&self, at: &Locate<'_>, check: Check) -> Result<(), ConfigError> {
        self.validate_org(at)?;
        self.validate_readers(at)?;
        if let Err(p) = check(self) {
            return Err(at.key_in(&p.section, &p.key, p.message, &p.fix));
        }
        self.validate_auth(at)?;
        self.validate_shell(at)?;
        self.validate_saml(at)?;
        self.validate_rules(at)
    }

    fn validate_saml(&self, at: &Locate<'_>) -> Result<(), ConfigError> {
        let web = |u: &str| {
            url::Url::parse(u)
                .is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some())
        };
        for (i, s) in self.saml.iter().enumerate() {
            let problem = if !crate::domain::untrusted::is_plain_word(&s.name) {
                Some((
                    "name",
                    format!("[[saml]] name `{}` is not a plain name", s.name),
                    "use letters, digits, `-`, `_` or `.`, e.g. \"okta\"",
                ))
            } else if self.saml[..i].iter().any(|o| o.name == s.name) {
                Some((
                    "name",
                    format!("[[saml]] name `{}` is used twice", s.name),
                    "give each identity provider its own name",
                ))
            } else if !web(&s.url) {
                Some((
                    "url",
                    format!("[[saml]] url `{}` is not a web address", s.url),
                    "use the IdP's AWS app address, e.g. \"https://corp.okta.com/home/amazon_aws/0oa…/272\"",
                ))
            } else if s
                .session_duration
                .is_some_and(|d| !(900..=43_200).contains(&d))
            {
                Some((
                    "session_duration",
                    format!(
                        "[[saml]] session_duration = {} is out of range",
                        s.session_duration.unwrap_or_default()
                    ),
                    "use 900 to 43200 seconds",
                ))
            } else if s.region.as_deref().is_some_and(|r| !is_region_name(r)) {
                Some((
                    "region",
                    format!(
                        "[[saml]] region `{}` is not an AWS region name",
                        s.region.as_deref().unwrap_or_default()
                    ),
                    "use a region code such as \"eu-west-1\", or remove the line",
                ))
            } else if s.acs.as_deref().is_some_and(|a| !web(a)) {
                Some((
                    "acs",
                    format!(
                        "[[saml]] acs `{}` is not a web address",
                        s.acs.as_deref().unwrap_or_default()
                    ),
                    "use AWS's, e.g. \"https://signin.aws.amazon.com/saml\", or remove the line",
                ))
            } else {
                None
            };
            if let Some((key, message, fix)) = problem {
                return Err(at.rule_value("saml", i, key, message, fix));
            }
        }
        Ok(())
    }

    fn validate_org(&self, at: &Locate<'_>) -> Result<(), ConfigError> {
        self.validate_org_list(at)?;
        for (i, org) in self.orgs.iter().enumerate() {
            let section = if self.is_multi_org() {
                "[[org]]"
            } else {
                "[org]"
            };
            if let Some(profile) = &org.profile
                && profile.trim().is_empty()
            {
                return Err(at.entry(
                    "org",
                    i,
                    "profile",
                    format!("{section} profile is empty"),
                    "name a profile from ~/.aws/config, or remove the line to use the standard credential chain",
                ));
            }
            if let Some(region) = &org.region
                && !is_region_name(region)
            {
                return Err(at.entry(
                    "org",
                    i,
                    "region",
                    format!("{section} region `{region}` is not an AWS region name"),
                    "use a region code such as \"us-east-1\", or remove the line to use the profile's region",
                ));
            }
            if !(1..=64).contains(&org.concurrency) {
                return Err(at.entry(
                    "org",
                    i,
                    "concurrency",
                    format!(
                        "{section} concurrency = {} is out of range",
                        org.concurrency
                    ),
                    "use a number from 1 to 64 (default 8)",
                ));
            }
        }
        for (key, value) in [
            (
                "connect_timeout_seconds",
                self.network.connect_timeout_seconds,
            ),
            ("timeout_seconds", self.network.timeout_seconds),
        ] {
            if !(1..=600).contains(&value) {
                return Err(at.key_in(
                    "network",
                    key,
                    format!("[network] {key} = {value} is out of range"),
                    "use seconds from 1 to 600",
                ));
            }
        }
        self.validate_sso(at)?;
        Ok(())
    }

    /// `[sso]` or each `[[sso]]`: its profile or portal, region, pace and TTL.
    fn validate_sso(&self, at: &Locate<'_>) -> Result<(), ConfigError> {
        for (i, sso) in self.ssos.iter().enumerate() {
            let portal = sso.start_url.as_deref().map(str::trim);
            let problem = match (portal, &sso.region, &sso.profile) {
                (Some(_), _, Some(_)) => Some((
                    "start_url",
                    "[sso] has both profile and start_url".to_owned(),
                    "keep one: the profile that holds the sign-in, or its start_url and region",
                )),
                (Some(url), _, None)
                    if !url::Url::parse(url)
                        .is_ok_and(|u| u.scheme() == "https" && u.host().is_some()) =>
                {
                    Some((
                        "start_url",
                        format!("[sso] start_url `{url}` is not an https:// address"),
                        "use the AWS access portal URL, e.g. \"https://corp.awsapps.com/start\"",
                    ))
                }
                (Some(_), None, None) => Some((
                    "start_url",
                    "[sso] start_url has no region".to_owned(),
                    "add region = \"…\": the instance's region",
                )),
                (_, Some(r), _) if !is_region_name(r) => Some((
                    "region",
                    format!("[sso] region `{r}` is not an AWS region name"),
                    "use a region code such as \"eu-west-1\"",
                )),
                _ => None,
            };
            if let Some((key, message, fix)) = problem {
                return Err(at.entry("sso", i, key, message, fix));
            }
            if !(1..=15).contains(&sso.requests_per_second) {
                return Err(at.entry(
                    "sso",
                    i,
                    "requests_per_second",
                    format!(
                        "[sso] requests_per_second = {} is out of range",
                        sso.requests_per_second
                    ),
                    "use a number from 1 to 15 (AWS throttles at 20; default 10)",
                ));
            }
            if !(1..=10_080).contains(&sso.roles_ttl_minutes) {
                return Err(at.entry(
                    "sso",
                    i,
                    "roles_ttl_minutes",
                    format!(
                        "[sso] roles_ttl_minutes = {} is out of range",
                        sso.roles_ttl_minutes
                    ),
                    "use minutes from 1 to 10080 (a week; default 60)",
                ));
            }
            if let Some(profile) = &sso.profile
                && profile.trim().is_empty()
            {
                return Err(at.entry(
                    "sso",
                    i,
                    "profile",
                    "[sso] profile is empty".into(),
                    "name a profile with sso_session or sso_start_url, or remove the line to use [org] profile",
                ));
            }
        }
        Ok(())
    }

    /// `[[org]]` and `[[sso]]`: each entry named, names unique and plain, what an
    /// organization names configured, and no two organizations read with one identity.
    fn validate_org_list(&self, at: &Locate<'_>) -> Result<(), ConfigError> {
        if self.orgs.is_empty() {
            return Err(at.key_in(
                "org",
                "",
                "the org list is empty".into(),
                "write one [org] table, or one [[org]] table per organization",
            ));
        }
        named_entries(at, "sso", self.ssos.iter().map(|s| s.name.as_deref()))?;
        named_entries(at, "org", self.orgs.iter().map(|o| o.name.as_deref()))?;
        for (i, org) in self.orgs.iter().enumerate() {
            if let Some(sso) = &org.sso
                && !self.ssos.iter().any(|s| s.name.as_ref() == Some(sso))
            {
                return Err(at.entry(
                    "org",
                    i,
                    "sso",
                    format!("there is no [[sso]] named `{sso}`"),
                    "name one of the [[sso]] entries, or add one with this name",
                ));
            }
            if let Some(saml) = &org.saml
                && !self.saml.iter().any(|s| &s.name == saml)
            {
                return Err(at.entry(
                    "org",
                    i,
                    "saml",
                    format!("there is no [[saml]] provider named `{saml}`"),
                    "name one of the [[saml]] providers, or add one with this name",
                ));
            }
            let identity = |o: &crate::config::OrgConfig| {
                (
                    o.profile.clone(),
                    o.role.clone(),
                    o.source.clone(),
                    o.sso.clone(),
                    o.saml.clone(),
                )
            };
            if let Some(twin) = self.orgs[..i].iter().find(|o| identity(o) == identity(org)) {
                return Err(at.entry(
                    "org",
                    i,
                    "name",
                    format!(
                        "organizations `{}` and `{}` are read with the same identity",
                        twin.name.as_deref().unwrap_or_default(),
                        org.name.as_deref().unwrap_or_default()
                    ),
                    "give each [[org]] its own profile, role, source, sso or saml",
                ));
            }
        }
        Ok(())
    }

    /// What reads the organization: `[org] role`, `[cost] role`, `[org] source`.
    fn validate_readers(&self, at: &Locate<'_>) -> Result<(), ConfigError> {
        if let Some(arn) = &self.cost.role
            && crate::domain::roles::parse_role_arn(arn).is_none()
        {
            return Err(at.key_in(
                "cost",
                "role",
                format!("[cost] role `{arn}` is not an IAM role ARN"),
                "write the role's ARN, e.g. \"arn:aws:iam::111111111111:role/CostReader\"",
            ));
        }
        for (i, org) in self.orgs.iter().enumerate() {
            if let Some(arn) = &org.role
                && crate::domain::roles::parse_role_arn(arn).is_none()
            {
                return Err(at.entry(
                    "org",
                    i,
                    "role",
                    format!("[org] role `{arn}` is not an IAM role ARN"),
                    "write the role's ARN, e.g. \"arn:aws:iam::111111111111:role/OrgReader\"",
                ));
            }
            if let Some(source) = &org.source {
                let plain_http = source.trim().to_ascii_lowercase().starts_with("http://");
                if source.trim().is_empty() || plain_http {
                    return Err(at.entry(
                        "org",
                        i,
                        "source",
                        format!("[org] source `{source}` is not a file or an https:// URL"),
                        "give the path of an inventory from `awsnav export`, or its https:// URL",
                    ));
                }
            }
            if !(1..=3650).contains(&org.source_max_age_days) {
                return Err(at.entry(
                    "org",
                    i,
                    "source_max_age_days",
                    format!(
                        "[org] source_max_age_days = {} is out of range",
                        org.source_max_age_days
                    ),
                    "use 1 to 3650 days (default 30)",
                ));
            }
        }
        Ok(())
    }

    fn validate_shell(&self, at: &Locate<'_>) -> Result<(), ConfigError> {
        if self.shell.refresh_margin_seconds > 3_000 {
            return Err(at.key_in(
                "shell",
                "refresh_margin_seconds",
                format!(
                    "[shell] refresh_margin_seconds = {} is out of range",
                    self.shell.refresh_margin_seconds
                ),
                "use 0 to 3000 seconds (default 900): a role session through the MFA session lasts one hour",
            ));
        }
        Ok(())
    }

    fn validate_auth(&self, at: &Locate<'_>) -> Result<(), ConfigError> {
        if self.auth.sessions == super::SessionStore::Keyring
            && self.auth.keyring == super::KeyringBackend::File
        {
            return Err(at.key_in(
                "auth",
                "sessions",
                "[auth] sessions = \"keyring\" needs the OS keyring, and keyring = \"file\"".into(),
                "remove sessions (they stay in 0600 files: the key file's passphrase would be asked for every session), or use keyring = \"auto\"",
            ));
        }
        if !(900..=129_600).contains(&self.auth.session_duration) {
            return Err(at.key_in(
                "auth",
                "session_duration",
                format!(
                    "[auth] session_duration = {} is out of range",
                    self.auth.session_duration
                ),
                "use seconds from 900 (15 min) to 129600 (36 h); default 43200 (12 h)",
            ));
        }
        if let Some(d) = self.auth.role_duration
            && !(900..=43_200).contains(&d)
        {
            return Err(at.key_in(
                "auth",
                "role_duration",
                format!("[auth] role_duration = {d} is out of range"),
                "use seconds from 900 (15 min) to 43200 (12 h), within the role's maximum session duration",
            ));
        }
        if !(900..=43_200).contains(&self.console.session_duration) {
            return Err(at.key_in(
                "console",
                "session_duration",
                format!(
                    "[console] session_duration = {} is out of range",
                    self.console.session_duration
                ),
                "use seconds from 900 (15 min) to 43200 (12 h)",
            ));
        }
        if let Some(u) = &self.console.federation_url
            && !url::Url::parse(u).is_ok_and(|p| matches!(p.scheme(), "http" | "https"))
        {
            return Err(at.key_in(
                "console",
                "federation_url",
                format!("[console] federation_url `{u}` is not an http(s) URL"),
                "use e.g. \"https://signin.aws.amazon.com/federation\", or remove the line",
            ));
        }
        if !["UnblendedCost", "AmortizedCost", "NetUnblendedCost"]
            .contains(&self.cost.metric.as_str())
        {
            return Err(at.key_in(
                "cost",
                "metric",
                format!("[cost] metric `{}` is not supported", self.cost.metric),
                "use \"UnblendedCost\" (default), \"AmortizedCost\" or \"NetUnblendedCost\"",
            ));
        }
        if !(1..=168).contains(&self.cost.ttl_hours) {
            return Err(at.key_in(
                "cost",
                "ttl_hours",
                format!("[cost] ttl_hours = {} is out of range", self.cost.ttl_hours),
                "use 1 to 168 hours (default 8): Cost Explorer data changes a few times a day",
            ));
        }
        if !(2..=13).contains(&self.cost.months) {
            return Err(at.key_in(
                "cost",
                "months",
                format!("[cost] months = {} is out of range", self.cost.months),
                "use 2 to 13 months (default 6)",
            ));
        }
        if !(1..=300).contains(&self.console.timeout_seconds) {
            return Err(at.key_in(
                "console",
                "timeout_seconds",
                format!(
                    "[console] timeout_seconds = {} is out of range",
                    self.console.timeout_seconds
                ),
                "use 1 to 300 seconds (default 10)",
            ));
        }
        if self.production.confirm_with.trim().is_empty() {
            return Err(at.key_in(
                "production",
                "confirm_with",
                "[production] confirm_with is empty".into(),
                "use \"name\" (type the account name) or a word to type",
            ));
        }
        Ok(())
    }

    fn validate_rules(&self, at: &Locate<'_>) -> Result<(), ConfigError> {
        let roles = self
            .roles
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.target(), "roles.rule", i));
        let production = self
            .production
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.target(), "production.rule", i));
        let colours = self
            .console
            .color
            .iter()
            .enumerate()
            .map(|(i, r)| (r.target(), "console.color", i));
        for (target, table, index) in roles.chain(production).chain(colours) {
            let RuleTarget {
                ou, tag, name, org, ..
            } = target;
            if let Some(org) = org
                && !self.orgs.iter().any(|o| o.name.as_deref() == Some(org))
            {
                return Err(at.rule_value(
                    table,
                    index,
                    "org",
                    format!("[[{table}]] org = \"{org}\" names no [[org]]"),
                    "use the name of one of the [[org]] entries",
                ));
            }
            for (key, glob) in [("ou", ou), ("name", name)] {
                if let Some(g) = glob
                    && let Err(e) = glob::Pattern::new(g)
                {
                    return Err(at.rule_value(
                        table,
                        index,
                        key,
                        format!("[[{table}]] {key} = \"{g}\" is not a valid pattern: {e}"),
                        "use * for any text within one OU name, ** across levels",
                    ));
                }
            }
            if let Some(t) = tag
                && t.split_once('=').is_some_and(|(k, _)| k.trim().is_empty())
            {
                return Err(at.rule_value(
                    table,
                    index,
                    "tag",
                    format!("[[{table}]] tag = \"{t}\" has no key"),
                    "write tag = \"key=value\" or tag = \"key\"",
                ));
            }
        }
        Ok(())
    }
}

/// With several entries in `section`, each has a plain name no other has.
fn named_entries<'n>(
    at: &Locate<'_>,
    section: &str,
    names: impl Iterator<Item = Option<&'n str>>,
) -> Result<(), ConfigError> {
    let names: Vec<Option<&str>> = names.collect();
    for (i, name) in names.iter().enumerate() {
        let problem = match name {
            None if names.len() > 1 => Some((
                format!("this [[{section}]] has no name"),
                "give each entry a name = \"…\" (letters, digits, `-`, `_`, `.`)",
            )),
            Some(n) if !crate::domain::untrusted::is_plain_word(n) => Some((
                format!("[[{section}]] name `{n}` is not a plain name"),
                "use letters, digits, `-`, `_` or `.`, e.g. \"acme\"",
            )),
            Some(n) if names[..i].contains(&Some(n)) => Some((
                format!("[[{section}]] name `{n}` is used twice"),
                "give each entry its own name",
            )),
            _ => None,
        };
        if let Some((message, fix)) = problem {
            let key = if name.is_some() { "name" } else { "" };
            return Err(if key.is_empty() {
                at.at(
                    &[
                        super::locate::Seg::Key(section),
                        super::locate::Seg::Index(i),
                    ],
                    message,
                    fix,
                )
            } else {
                at.entry(section, i, key, message, fix)
            });
        }
    }
    Ok(())
}

fn is_region_name(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').count() >= 3
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
