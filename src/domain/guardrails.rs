//! Guardrails: the organization policies (service and resource control policies, tag, backup,
//! AI opt-out…) attached to the root, the OUs and the accounts, and which of them apply to an
//! account or OU — its own and every one inherited from above, in order from the root down.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::model::{IDENTITY_CENTER_OU, Org};

/// The policy types in the order they are shown, with their short names and labels. Types
/// Organizations adds later are shown after these under a name made from theirs.
const TYPES: &[(&str, &str, &str)] = &[
    ("SERVICE_CONTROL_POLICY", "scp", "SCP"),
    ("RESOURCE_CONTROL_POLICY", "rcp", "RCP"),
    ("TAG_POLICY", "tag", "tag"),
    ("BACKUP_POLICY", "backup", "backup"),
    ("AISERVICES_OPT_OUT_POLICY", "ai-opt-out", "AI opt-out"),
    ("CHATBOT_POLICY", "chatbot", "chatbot"),
    (
        "DECLARATIVE_POLICY_EC2",
        "declarative-ec2",
        "declarative (EC2)",
    ),
];

/// `scp`, `tag`, `ai-opt-out`… for a policy type (`SERVICE_CONTROL_POLICY`…).
#[must_use]
pub fn type_short(kind: &str) -> String {
    TYPES.iter().find(|t| t.0 == kind).map_or_else(
        || {
            kind.trim_end_matches("_POLICY")
                .to_lowercase()
                .replace('_', "-")
        },
        |t| t.1.to_owned(),
    )
}

/// `SCP`, `tag`, `AI opt-out`… for a policy type, as the detail pane and tables show it.
#[must_use]
pub fn type_label(kind: &str) -> String {
    TYPES
        .iter()
        .find(|t| t.0 == kind)
        .map_or_else(|| type_short(kind), |t| t.2.to_owned())
}

/// The policy type `--type` names: a short name (`scp`, `tag`…) or Organizations' own
/// (`SERVICE_CONTROL_POLICY`), any case.
#[must_use]
pub fn parse_type(s: &str) -> Option<String> {
    let s = s.trim();
    if let Some(t) = TYPES
        .iter()
        .find(|t| t.1.eq_ignore_ascii_case(s) || t.0.eq_ignore_ascii_case(s))
    {
        return Some(t.0.to_owned());
    }
    let upper = s.to_uppercase().replace('-', "_");
    (upper.ends_with("_POLICY") && upper.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .then_some(upper)
}

/// Where `kind` sorts among policy types.
fn type_rank(kind: &str) -> usize {
    TYPES
        .iter()
        .position(|t| t.0 == kind)
        .unwrap_or(TYPES.len())
}

/// The policy types shown as "not enabled" when the root does not have them: the ones above.
pub fn main_types() -> impl Iterator<Item = &'static str> {
    TYPES.iter().map(|t| t.0)
}

/// One policy, as `ListPoliciesForTarget` describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySummary {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// `SERVICE_CONTROL_POLICY`, `TAG_POLICY`…
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub aws_managed: bool,
}

impl PolicySummary {
    /// "SCP · AWS managed", "tag · customer managed".
    #[must_use]
    pub fn kind_and_owner(&self) -> String {
        format!(
            "{} · {}",
            type_label(&self.kind),
            if self.aws_managed {
                "AWS managed"
            } else {
                "customer managed"
            }
        )
    }
}

/// Something a policy is attached to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyTarget {
    pub id: String,
    pub name: String,
    /// `ROOT`, `ORGANIZATIONAL_UNIT` or `ACCOUNT`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A policy's document (`DescribePolicy`) and where it is attached (`ListTargetsForPolicy`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDocument {
    pub summary: PolicySummary,
    pub content: String,
    /// Where it is attached: the first page (a policy on every account has thousands).
    pub targets: Vec<PolicyTarget>,
    /// There are more targets than `targets`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub more_targets: bool,
}

impl PolicyDocument {
    /// The content pretty-printed when it is JSON (policies are), keys in the order the
    /// policy's author wrote them; else as it is.
    #[must_use]
    pub fn pretty(&self) -> String {
        pretty_json(&self.content).unwrap_or_else(|| self.content.clone())
    }
}

/// `text` pretty-printed with its keys in the order they were written; `None` when it is not
/// one JSON value.
#[must_use]
pub fn pretty_json(text: &str) -> Option<String> {
    let mut out = Vec::with_capacity(text.len() * 2);
    let mut from = serde_json::Deserializer::from_str(text);
    let mut to = super::untrusted::json_serializer(&mut out);
    serde_transcode::transcode(&mut from, &mut to)
        .ok()
        .and_then(|()| from.end().ok())
        .and_then(|()| String::from_utf8(out).ok())
}

/// What awsnav knows of the organization's policies (kept with the inventory).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guardrails {
    /// Policy types enabled on the root (`None`: not read yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<Vec<String>>,
    /// Target (root, OU or account id) → the policies attached to it directly, of every
    /// enabled type; a target is here once all of them were read.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attached: BTreeMap<String, Vec<PolicySummary>>,
    /// Why policies cannot be read with these credentials (access denied), in a few words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denied: Option<String>,
    /// Documents opened, by policy id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub documents: BTreeMap<String, PolicyDocument>,
    /// Reads that kept failing during a sync (`[org] policies = "sync"`): those targets stay
    /// unknown and are read when needed. They do not make the inventory partial.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<super::model::SyncGap>,
}

/// One policy that applies to an account or OU, and where it is attached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied<'a> {
    pub policy: &'a PolicySummary,
    /// The root, OU or account id it is attached to.
    pub attached_to: &'a str,
    /// "root", "Workloads / Prod", "this account", "this OU".
    pub attached_at: String,
}

/// The root, OUs and accounts of an organization as a chain of parents (built once per
/// inventory: a lookup per step, however large the organization).
#[derive(Debug, Default)]
pub struct Parents {
    root: String,
    parent: HashMap<String, String>,
    names: HashMap<String, String>,
}

impl Parents {
    #[must_use]
    pub fn new(org: &Org) -> Self {
        Self::with_accounts(org, |_| true)
    }

    /// The parents of every OU, and of the accounts `wanted` says (a chain is asked for those
    /// only).
    #[must_use]
    pub fn with_accounts(org: &Org, wanted: impl Fn(&str) -> bool) -> Self {
        let mut parent = HashMap::with_capacity(org.org_units.len());
        let mut names = HashMap::with_capacity(org.org_units.len());
        // The group of accounts only IAM Identity Center lists is not part of the tree
        // policies are attached to: those accounts have no chain.
        for ou in org
            .org_units
            .iter()
            .filter(|ou| ou.id != IDENTITY_CENTER_OU)
        {
            parent.insert(ou.id.clone(), ou.parent_id.clone());
            names.insert(ou.id.clone(), ou.name.clone());
        }
        for a in org
            .accounts
            .iter()
            .filter(|a| a.parent_id != IDENTITY_CENTER_OU && wanted(a.id.as_str()))
        {
            parent.insert(a.id.to_string(), a.parent_id.clone());
        }
        Self {
            root: org.root_id.clone(),
            parent,
            names,
        }
    }

    /// Adds account `id` under `parent`, so that [`Parents::chain`] knows it.
    pub fn add_account(&mut self, id: &str, parent: &str) {
        if parent != IDENTITY_CENTER_OU {
            self.parent.insert(id.to_owned(), parent.to_owned());
        }
    }

    /// `target` and everything above it, from the root down (empty for a target outside the
    /// tree: unknown, or only in IAM Identity Center).
    #[must_use]
    pub fn chain<'s>(&'s self, target: &'s str) -> Vec<&'s str> {
        let mut chain = vec![target];
        let mut at = target;
        while at != self.root {
            let Some(up) = self.parent.get(at) else {
                return Vec::new();
            };
            if chain.contains(&up.as_str()) || chain.len() > 64 {
                return Vec::new(); // a loop: not a tree
            }
            chain.push(up);
            at = up;
        }
        chain.reverse();
        chain
    }

    /// How a target in `target`'s chain is named: "root", the OU path ("Workloads / Prod"),
    /// or "this account" / "this OU" for the target itself.
    fn label(&self, chain: &[&str], at: usize) -> String {
        let id = chain[at];
        if id == self.root {
            return "root".into();
        }
        if at + 1 == chain.len() {
            return if self.names.contains_key(id) {
                "this OU".into()
            } else {
                "this account".into()
            };
        }
        chain[1..=at]
            .iter()
            .map(|id| self.names.get(*id).map_or(*id, String::as_str))
            .collect::<Vec<_>>()
            .join(" / ")
    }
}

impl Guardrails {
    /// The targets in `chain` whose policies are not known yet.
    #[must_use]
    pub fn missing<'c>(&self, chain: &[&'c str]) -> Vec<&'c str> {
        chain
            .iter()
            .copied()
            .filter(|t| !self.attached.contains_key(*t))
            .collect()
    }

    /// Every policy that applies to `target` (an account or OU id): those attached above it
    /// from the root down, then its own; by type in the order shown, then as attached. `None`
    /// while some of that chain is not read (or `target` is unknown).
    #[must_use]
    pub fn applied(&self, parents: &Parents, target: &str) -> Option<Vec<Applied<'_>>> {
        // Not known for the target itself: nothing to walk up for.
        if !self.attached.contains_key(target) {
            return None;
        }
        let chain = parents.chain(target);
        if chain.is_empty() {
            return None;
        }
        let mut out = Vec::new();
        for (at, id) in chain.iter().enumerate() {
            let (key, attached) = self.attached.get_key_value(*id)?;
            for policy in attached {
                out.push(Applied {
                    policy,
                    attached_to: key,
                    attached_at: parents.label(&chain, at),
                });
            }
        }
        // Stable: the root-down order is kept within a type.
        out.sort_by(|a, b| {
            (type_rank(&a.policy.kind), &a.policy.kind)
                .cmp(&(type_rank(&b.policy.kind), &b.policy.kind))
        });
        Some(out)
    }

    /// The main policy types the root does not have enabled (`None` while not known).
    #[must_use]
    pub fn not_enabled(&self) -> Option<Vec<&'static str>> {
        let enabled = self.enabled.as_ref()?;
        Some(
            main_types()
                .filter(|t| !enabled.iter().any(|e| e == t))
                .collect(),
        )
    }

    /// Those types as they are shown, `RCP, backup, AI opt-out`; `None` when every one is
    /// enabled or it is not known.
    #[must_use]
    pub fn not_enabled_labels(&self) -> Option<String> {
        let off = self.not_enabled().filter(|o| !o.is_empty())?;
        Some(
            off.iter()
                .map(|k| type_label(k))
                .collect::<Vec<_>>()
                .join(", "),
        )
    }

    /// Adds what a read found (policies per target, the root's types, a denial).
    pub fn merge(&mut self, read: Guardrails) {
        if read.enabled.is_some() {
            self.enabled = read.enabled;
        }
        self.attached.extend(read.attached);
        self.documents.extend(read.documents);
        self.unread.extend(read.unread);
        if read.denied.is_some() {
            self.denied = read.denied;
        }
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::{Account, AccountId, AccountStatus, OrgUnit, Tags};

    fn policy(id: &str, kind: &str) -> PolicySummary {
        PolicySummary {
            id: id.into(),
            name: format!("{id}-name"),
            description: String::new(),
            kind: kind.into(),
            aws_managed: false,
        }
    }

    fn org() -> Org {
        let ou = |id: &str, name: &str, parent: &str| OrgUnit {
            id: id.into(),
            name: name.into(),
            parent_id: parent.into(),
        };
        Org {
            root_id: "r-1".into(),
            org_units: vec![ou("ou-w", "Workloads", "r-1"), ou("ou-p", "Prod", "ou-w")],
            accounts: vec![Account {
                id: AccountId::parse("111111111111").unwrap(),
                name: "shop-prod".into(),
                email: String::new(),
                status: AccountStatus::Active,
                joined: None,
                parent_id: "ou-p".into(),
                tags: Tags::new(),
                sso: false,
                sso_roles: Vec::new(),
                sso_roles_read: false,
                org: None,
            }],
            ..Org::default()
        }
    }

    #[test]
    fn applied_runs_from_the_root_down_grouped_by_type() {
        let org = org();
        let parents = Parents::new(&org);
        assert_eq!(
            parents.chain("111111111111"),
            ["r-1", "ou-w", "ou-p", "111111111111"]
        );
        let mut g = Guardrails::default();
        g.attached.insert(
            "r-1".into(),
            vec![policy("p-root", "SERVICE_CONTROL_POLICY")],
        );
        g.attached
            .insert("ou-w".into(), vec![policy("p-tag", "TAG_POLICY")]);
        g.attached.insert(
            "ou-p".into(),
            vec![policy("p-prod", "SERVICE_CONTROL_POLICY")],
        );
        assert!(
            g.applied(&parents, "111111111111").is_none(),
            "the account is not read"
        );
        assert_eq!(g.missing(&parents.chain("111111111111")), ["111111111111"]);
        g.attached.insert(
            "111111111111".into(),
            vec![policy("p-acct", "SERVICE_CONTROL_POLICY")],
        );
        let applied = g.applied(&parents, "111111111111").unwrap();
        let rows: Vec<(&str, &str)> = applied
            .iter()
            .map(|a| (a.policy.id.as_str(), a.attached_at.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("p-root", "root"),
                ("p-prod", "Workloads / Prod"),
                ("p-acct", "this account"),
                ("p-tag", "Workloads"),
            ]
        );
        let ou: Vec<_> = g
            .applied(&parents, "ou-p")
            .unwrap()
            .into_iter()
            .map(|a| a.attached_at)
            .collect();
        assert_eq!(ou, ["root", "this OU", "Workloads"]);
        assert!(
            g.applied(&parents, "999999999999").is_none(),
            "unknown target"
        );
        let mut with_group = org.clone();
        with_group.org_units.push(OrgUnit {
            id: IDENTITY_CENTER_OU.into(),
            name: "Identity Center".into(),
            parent_id: "r-1".into(),
        });
        with_group.accounts[0].parent_id = IDENTITY_CENTER_OU.into();
        let parents = Parents::new(&with_group);
        assert!(
            parents.chain("111111111111").is_empty()
                && parents.chain(IDENTITY_CENTER_OU).is_empty(),
            "only Identity Center lists it: outside the organization's tree"
        );
    }

    #[test]
    fn documents_are_pretty_printed_in_their_own_key_order() {
        let doc = |content: &str| PolicyDocument {
            summary: policy("p-1", "SERVICE_CONTROL_POLICY"),
            content: content.into(),
            targets: Vec::new(),
            more_targets: false,
        };
        assert_eq!(
            doc(r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Deny"}]}"#).pretty(),
            "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Sid\": \"A\",\n      \"Effect\": \"Deny\"\n    }\n  ]\n}"
        );
        assert_eq!(doc("not json {").pretty(), "not json {", "shown as it is");
        assert_eq!(doc("{} trailing").pretty(), "{} trailing");
    }

    #[test]
    fn types_have_short_names_labels_and_parse_either_way() {
        assert_eq!(type_short("SERVICE_CONTROL_POLICY"), "scp");
        assert_eq!(type_label("AISERVICES_OPT_OUT_POLICY"), "AI opt-out");
        assert_eq!(type_short("SECURITYHUB_POLICY"), "securityhub");
        assert_eq!(parse_type("SCP").as_deref(), Some("SERVICE_CONTROL_POLICY"));
        assert_eq!(parse_type("tag_policy").as_deref(), Some("TAG_POLICY"));
        assert_eq!(
            parse_type("inspector-policy").as_deref(),
            Some("INSPECTOR_POLICY")
        );
        assert_eq!(parse_type("firewall"), None);
        let g = Guardrails {
            enabled: Some(vec!["SERVICE_CONTROL_POLICY".into(), "TAG_POLICY".into()]),
            ..Guardrails::default()
        };
        assert_eq!(
            g.not_enabled().unwrap(),
            [
                "RESOURCE_CONTROL_POLICY",
                "BACKUP_POLICY",
                "AISERVICES_OPT_OUT_POLICY",
                "CHATBOT_POLICY",
                "DECLARATIVE_POLICY_EC2"
            ]
        );
        assert!(Guardrails::default().not_enabled().is_none());
        assert_eq!(
            g.not_enabled_labels().as_deref(),
            Some("RCP, backup, AI opt-out, chatbot, declarative (EC2)")
        );
    }
}
