//! A kubeconfig's clusters, users and contexts for EKS clusters reached through awsnav:
//! merged into the file by name, as `kubectl config set-*` does, everything else kept.

use serde_yaml_ng::{Mapping, Value};

/// One EKS cluster as a context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// `account/cluster`: the context's name.
    pub context: String,
    /// The cluster's ARN: the cluster entry's name.
    pub cluster: String,
    /// The user entry's name; a production one says so (`kubectl config get-contexts`
    /// shows it beside the context).
    pub user: String,
    pub server: String,
    /// Base64 PEM, as EKS gives it.
    pub certificate_authority: String,
    /// The exec plugin: the program and its arguments.
    pub command: String,
    pub args: Vec<String>,
    pub production: bool,
    pub account_id: String,
    pub account_name: String,
    pub role: String,
}

impl Entry {
    /// The user entry's name for `context`: `awsnav:CONTEXT`, `awsnav:PRODUCTION:CONTEXT`.
    #[must_use]
    pub fn user_name(context: &str, production: bool) -> String {
        if production {
            format!("awsnav:PRODUCTION:{context}")
        } else {
            format!("awsnav:{context}")
        }
    }
}

/// `text` (a kubeconfig, or nothing) with `entries` set: each cluster, user and context
/// replaced by name or added; `current-context` and every other entry kept.
///
/// # Errors
/// When `text` is not a YAML mapping, or one of its lists is not a list.
pub fn merged(text: &str, entries: &[Entry]) -> Result<String, String> {
    let mut doc: Value = if text.trim().is_empty() {
        Value::Mapping(Mapping::new())
    } else {
        serde_yaml_ng::from_str(text).map_err(|e| format!("it is not YAML ({e})"))?
    };
    let top = doc.as_mapping_mut().ok_or("it is not a YAML mapping")?;
    for (k, v) in [
        ("apiVersion", "v1"),
        ("kind", "Config"),
        ("current-context", ""),
    ] {
        if !top.contains_key(k) {
            top.insert(Value::from(k), Value::from(v));
        }
    }
    if !top.contains_key("preferences") {
        top.insert(Value::from("preferences"), Value::Mapping(Mapping::new()));
    }
    for e in entries {
        let cluster = mapping([
            (
                "certificate-authority-data",
                Value::from(e.certificate_authority.as_str()),
            ),
            ("server", Value::from(e.server.as_str())),
        ]);
        set_named(top, "clusters", &e.cluster, "cluster", cluster)?;
        let exec = mapping([
            (
                "apiVersion",
                Value::from("client.authentication.k8s.io/v1beta1"),
            ),
            ("command", Value::from(e.command.as_str())),
            (
                "args",
                Value::Sequence(e.args.iter().map(|a| Value::from(a.as_str())).collect()),
            ),
            ("interactiveMode", Value::from("IfAvailable")),
            ("provideClusterInfo", Value::from(false)),
        ]);
        set_named(
            top,
            "users",
            &e.user,
            "user",
            mapping([("exec", Value::Mapping(exec))]),
        )?;
        let mut context = mapping([
            ("cluster", Value::from(e.cluster.as_str())),
            ("user", Value::from(e.user.as_str())),
        ]);
        context.insert(
            Value::from("extensions"),
            Value::Sequence(vec![mapping_value([
                ("name", Value::from("awsnav")),
                (
                    "extension",
                    mapping_value([
                        ("account", Value::from(e.account_id.as_str())),
                        ("accountName", Value::from(e.account_name.as_str())),
                        ("role", Value::from(e.role.as_str())),
                        ("production", Value::from(e.production)),
                    ]),
                ),
            ])]),
        );
        set_named(top, "contexts", &e.context, "context", context)?;
        // A context named before with the other mark points at a user no longer made.
        let stale = Entry::user_name(&e.context, !e.production);
        remove_named(top, "users", &stale);
    }
    serde_yaml_ng::to_string(&doc).map_err(|e| e.to_string())
}

fn mapping<const N: usize>(pairs: [(&str, Value); N]) -> Mapping {
    let mut m = Mapping::new();
    for (k, v) in pairs {
        m.insert(Value::from(k), v);
    }
    m
}

fn mapping_value<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Mapping(mapping(pairs))
}

/// Sets `{name: NAME, FIELD: value}` in the list `list` of `top`, in place of the entry of
/// that name, else at the end.
fn set_named(
    top: &mut Mapping,
    list: &str,
    name: &str,
    field: &str,
    value: Mapping,
) -> Result<(), String> {
    let entry = mapping_value([("name", Value::from(name)), (field, Value::Mapping(value))]);
    let items = top
        .entry(Value::from(list))
        .or_insert_with(|| Value::Sequence(Vec::new()));
    if items.is_null() {
        *items = Value::Sequence(Vec::new());
    }
    let items = items
        .as_sequence_mut()
        .ok_or_else(|| format!("its {list} is not a list"))?;
    match items
        .iter_mut()
        .find(|i| i.get("name").and_then(Value::as_str) == Some(name))
    {
        Some(old) => *old = entry,
        None => items.push(entry),
    }
    Ok(())
}

fn remove_named(top: &mut Mapping, list: &str, name: &str) {
    if let Some(items) = top.get_mut(list).and_then(Value::as_sequence_mut) {
        items.retain(|i| i.get("name").and_then(Value::as_str) != Some(name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(context: &str, production: bool) -> Entry {
        Entry {
            context: context.into(),
            cluster: format!("arn:aws:eks:us-east-1:111111111111:cluster/{context}"),
            user: Entry::user_name(context, production),
            server: "https://ABC.gr7.us-east-1.eks.amazonaws.com".into(),
            certificate_authority: "LS0tLS1CRUdJTg==".into(),
            command: "/usr/bin/awsnav".into(),
            args: vec![
                "eks".into(),
                "token".into(),
                "--cluster".into(),
                "main".into(),
            ],
            production,
            account_id: "111111111111".into(),
            account_name: "dev".into(),
            role: "Admin".into(),
        }
    }

    #[test]
    fn entries_are_merged_by_name_and_the_rest_kept() {
        let mine = "apiVersion: v1\nkind: Config\ncurrent-context: kind-local\nclusters:\n- name: kind-local\n  cluster:\n    server: https://127.0.0.1:6443\ncontexts:\n- name: kind-local\n  context:\n    cluster: kind-local\n    user: kind-local\nusers:\n- name: kind-local\n  user:\n    token: abc\n";
        let once = merged(mine, &[entry("dev/main", false)]).unwrap();
        let twice = merged(&once, &[entry("dev/main", false), entry("prod/main", true)]).unwrap();
        let doc: Value = serde_yaml_ng::from_str(&twice).unwrap();
        assert_eq!(doc["current-context"], "kind-local");
        let names = |list: &str| -> Vec<String> {
            doc[list]
                .as_sequence()
                .unwrap()
                .iter()
                .map(|i| i["name"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(names("contexts"), ["kind-local", "dev/main", "prod/main"]);
        assert_eq!(
            names("users"),
            [
                "kind-local",
                "awsnav:dev/main",
                "awsnav:PRODUCTION:prod/main"
            ]
        );
        assert_eq!(doc["users"][0]["user"]["token"], "abc");
        let exec = &doc["users"][1]["user"]["exec"];
        assert_eq!(exec["command"], "/usr/bin/awsnav");
        assert_eq!(exec["args"][3], "main");
        assert_eq!(
            doc["contexts"][2]["context"]["extensions"][0]["extension"]["production"],
            true
        );

        // The account turned production: its user is renamed, the old one gone.
        let again = merged(&twice, &[entry("dev/main", true)]).unwrap();
        let doc: Value = serde_yaml_ng::from_str(&again).unwrap();
        let users: Vec<&str> = doc["users"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|u| u["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            users,
            [
                "kind-local",
                "awsnav:PRODUCTION:prod/main",
                "awsnav:PRODUCTION:dev/main"
            ]
        );
    }

    #[test]
    fn names_from_the_organization_stay_data() {
        let hostile = "evil\n- name: x\n  user: {token: stolen}\n# \"quote\" 'q' : &a *a !tag %x";
        let mut e = entry(&format!("{hostile}/main"), false);
        e.account_name = hostile.to_owned();
        let out = merged("", &[e.clone()]).unwrap();
        let doc: Value = serde_yaml_ng::from_str(&out).unwrap();
        assert_eq!(doc["contexts"].as_sequence().unwrap().len(), 1);
        assert_eq!(
            doc["users"].as_sequence().unwrap().len(),
            1,
            "no user added by a name"
        );
        assert_eq!(
            doc["contexts"][0]["name"].as_str(),
            Some(e.context.as_str())
        );
        assert_eq!(
            doc["contexts"][0]["context"]["extensions"][0]["extension"]["accountName"].as_str(),
            Some(hostile)
        );
    }

    #[test]
    fn an_empty_file_becomes_a_kubeconfig_and_junk_is_refused() {
        let out = merged("", &[entry("dev/main", false)]).unwrap();
        let doc: Value = serde_yaml_ng::from_str(&out).unwrap();
        assert_eq!(doc["kind"], "Config");
        assert_eq!(doc["contexts"][0]["name"], "dev/main");
        assert!(merged("- a\n- b\n", &[]).is_err());
        assert!(merged("clusters: 3\n", &[entry("x/y", false)]).is_err());
        assert!(merged("key: [unclosed\n", &[]).is_err());
    }
}
