//! A kubeconfig's clusters, users and contexts for EKS clusters reached through awsnav:
//! merged into the file by name, as `kubectl config set-*` does, everything else kept; an
//! entry that points to another account or cluster is never repointed unless forced.

use serde_yaml_ng::{Mapping, Value};

use super::untrusted::{kube_name, visible};

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
    /// The exec plugin: the program and its arguments (`eks token … ACCOUNT`).
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

/// The account, cluster and region an `awsnav eks token` exec plugin gets its token for,
/// read from its arguments: what an awsnav user entry points to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecTarget {
    pub account: String,
    pub cluster: String,
    pub region: Option<String>,
}

impl ExecTarget {
    /// The target of `args` (`eks token --cluster NAME --region R --role ROLE [--yes] ACCOUNT`,
    /// options in any order); `None` for arguments that are not such a command.
    #[must_use]
    pub fn of_args<S: AsRef<str>>(args: &[S]) -> Option<Self> {
        // The options of `eks token` (and the global ones) that take a value.
        const VALUED: &[&str] = &[
            "cluster", "region", "role", "mfa-code", "duration", "profile",
        ];
        let mut args = args.iter().map(AsRef::as_ref);
        if (args.next(), args.next()) != (Some("eks"), Some("token")) {
            return None;
        }
        let (mut account, mut cluster, mut region) = (None, None, None);
        while let Some(arg) = args.next() {
            if let Some(option) = arg.strip_prefix("--") {
                let (key, inline) = match option.split_once('=') {
                    Some((k, v)) => (k, Some(v)),
                    None => (option, None),
                };
                if !VALUED.contains(&key) {
                    continue;
                }
                let value = inline.or_else(|| args.next())?;
                match key {
                    "cluster" => cluster = Some(value.to_owned()),
                    "region" => region = Some(value.to_owned()),
                    _ => {}
                }
            } else if account.replace(arg.to_owned()).is_some() {
                return None;
            }
        }
        Some(Self {
            account: account?,
            cluster: cluster?,
            region,
        })
    }
}

/// An entry of the file that this merge would point elsewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repoint {
    /// `context` or `user`.
    pub kind: &'static str,
    pub name: String,
    /// What it points to now, as the file says.
    pub now: String,
    /// What the merge would point it to.
    pub then: String,
}

impl std::fmt::Display for Repoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} `{}` points to {}, not {}",
            self.kind,
            visible(&self.name),
            visible(&self.now),
            visible(&self.then)
        )
    }
}

/// Why a kubeconfig was not merged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// The file is not a kubeconfig awsnav can edit.
    #[error("{0}")]
    Unreadable(String),
    /// Entries of the file would be pointed to another account or cluster.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Repoints(Vec<Repoint>),
}

/// A merged kubeconfig, and what it points elsewhere (only when forced).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merged {
    pub text: String,
    pub repointed: Vec<Repoint>,
}

/// `text` (a kubeconfig, or nothing) with `entries` set: each cluster, user and context
/// replaced by name or added; `current-context` and every other entry kept.
///
/// A context or user of the same name that points to another account or cluster (its user's
/// `eks token` arguments name the account and cluster; a cluster entry is named by its ARN,
/// which names both) is repointed only when `force`: a member account renamed after a
/// production one must not take over the production context. One not written by awsnav
/// points to nothing awsnav can tell, and is kept too.
///
/// # Errors
/// [`MergeError::Unreadable`] when `text` is not a YAML mapping, or one of its lists is not a
/// list; [`MergeError::Repoints`], listing them all, when an entry would be repointed and not
/// `force`.
pub fn merged(text: &str, entries: &[Entry], force: bool) -> Result<Merged, MergeError> {
    let unreadable = MergeError::Unreadable;
    let mut doc: Value = if text.trim().is_empty() {
        Value::Mapping(Mapping::new())
    } else {
        serde_yaml_ng::from_str(text).map_err(|e| unreadable(format!("it is not YAML ({e})")))?
    };
    let top = doc
        .as_mapping_mut()
        .ok_or_else(|| unreadable("it is not a YAML mapping".to_owned()))?;
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
    let mut repointed = Vec::new();
    for e in entries {
        // Checked against the file as this merge leaves it so far: two entries of one run
        // cannot take one name either.
        let stale = Entry::user_name(&e.context, !e.production);
        repointed.extend(context_repoint(top, e));
        repointed.extend(user_repoint(top, &e.user, e));
        repointed.extend(user_repoint(top, &stale, e));
        let cluster = mapping([
            (
                "certificate-authority-data",
                Value::from(e.certificate_authority.as_str()),
            ),
            ("server", Value::from(e.server.as_str())),
        ]);
        set_named(top, "clusters", &e.cluster, "cluster", cluster).map_err(unreadable)?;
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
        )
        .map_err(unreadable)?;
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
                        ("accountName", Value::from(kube_name(&e.account_name))),
                        ("role", Value::from(e.role.as_str())),
                        ("production", Value::from(e.production)),
                    ]),
                ),
            ])]),
        );
        set_named(top, "contexts", &e.context, "context", context).map_err(unreadable)?;
        // A context named before with the other mark points at a user no longer made.
        remove_named(top, "users", &stale);
    }
    if !force && !repointed.is_empty() {
        return Err(MergeError::Repoints(repointed));
    }
    let text = serde_yaml_ng::to_string(&doc).map_err(|e| unreadable(e.to_string()))?;
    Ok(Merged { text, repointed })
}

/// The entry named `name` in the list `list` of `top`.
fn named<'a>(top: &'a Mapping, list: &str, name: &str) -> Option<&'a Value> {
    top.get(list)?
        .as_sequence()?
        .iter()
        .find(|i| i.get("name").and_then(Value::as_str) == Some(name))
}

/// What the user entry `name` runs `eks token` for, if it is awsnav's.
fn user_target(top: &Mapping, name: &str) -> Option<ExecTarget> {
    let args = named(top, "users", name)?
        .get("user")?
        .get("exec")?
        .get("args")?
        .as_sequence()?;
    let args: Option<Vec<&str>> = args.iter().map(Value::as_str).collect();
    ExecTarget::of_args(&args?)
}

fn describe_account(account: &str, cluster: &str) -> String {
    format!("account {account} (cluster {cluster})")
}

/// The context of `e`'s name, when the file has one that points to another account or
/// cluster: its account is its user's (else awsnav's extension's), its cluster its cluster
/// entry's name.
fn context_repoint(top: &Mapping, e: &Entry) -> Option<Repoint> {
    let old = named(top, "contexts", &e.context)?.get("context");
    let field = |k: &str| old.and_then(|c| c.get(k)).and_then(Value::as_str);
    let (cluster, user) = (field("cluster").unwrap_or(""), field("user").unwrap_or(""));
    let account = user_target(top, user).map(|t| t.account).or_else(|| {
        old?.get("extensions")?
            .as_sequence()?
            .iter()
            .find(|x| x.get("name").and_then(Value::as_str) == Some("awsnav"))?
            .get("extension")?
            .get("account")?
            .as_str()
            .map(str::to_owned)
    });
    if account.as_deref() == Some(e.account_id.as_str()) && cluster == e.cluster {
        return None;
    }
    Some(Repoint {
        kind: "context",
        name: e.context.clone(),
        now: match account {
            Some(a) => describe_account(&a, cluster),
            None => format!("cluster {cluster} as user {user}, which is not awsnav's"),
        },
        then: describe_account(&e.account_id, &e.cluster),
    })
}

/// The user `name`, when the file has one whose token is for another account or cluster
/// than `e`'s.
fn user_repoint(top: &Mapping, name: &str, e: &Entry) -> Option<Repoint> {
    named(top, "users", name)?;
    let old = user_target(top, name);
    let new = ExecTarget::of_args(&e.args);
    if old.is_some() && old == new {
        return None;
    }
    let show = |t: Option<ExecTarget>| match t {
        Some(t) => format!(
            "account {} (cluster {} in {})",
            t.account,
            t.cluster,
            t.region.as_deref().unwrap_or("its region")
        ),
        None => "no `awsnav eks token`".to_owned(),
    };
    Some(Repoint {
        kind: "user",
        name: name.to_owned(),
        now: show(old),
        then: show(new),
    })
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

    const A: &str = "111111111111";
    const B: &str = "222222222222";

    fn entry_in(account: &str, context: &str, cluster: &str, production: bool) -> Entry {
        let mut args: Vec<String> = [
            "eks",
            "token",
            "--cluster",
            cluster,
            "--region",
            "us-east-1",
            "--role",
            "Admin",
            account,
        ]
        .map(str::to_owned)
        .to_vec();
        if production {
            args.push("--yes".into());
        }
        Entry {
            context: context.into(),
            cluster: format!("arn:aws:eks:us-east-1:{account}:cluster/{cluster}"),
            user: Entry::user_name(context, production),
            server: "https://ABC.gr7.us-east-1.eks.amazonaws.com".into(),
            certificate_authority: "LS0tLS1CRUdJTg==".into(),
            command: "/usr/bin/awsnav".into(),
            args,
            production,
            account_id: account.into(),
            account_name: "dev".into(),
            role: "Admin".into(),
        }
    }

    fn entry(context: &str, production: bool) -> Entry {
        entry_in(A, context, "main", production)
    }

    fn merge(text: &str, entries: &[Entry]) -> String {
        merged(text, entries, false).unwrap().text
    }

    fn names(doc: &Value, list: &str) -> Vec<String> {
        doc[list]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_owned())
            .collect()
    }

    const MINE: &str = "apiVersion: v1\nkind: Config\ncurrent-context: kind-local\nclusters:\n- name: kind-local\n  cluster:\n    server: https://127.0.0.1:6443\ncontexts:\n- name: kind-local\n  context:\n    cluster: kind-local\n    user: kind-local\nusers:\n- name: kind-local\n  user:\n    token: abc\n";

    #[test]
    fn entries_are_merged_by_name_and_the_rest_kept() {
        let once = merge(MINE, &[entry("dev/main", false)]);
        let twice = merge(
            &once,
            &[
                entry("dev/main", false),
                entry_in(B, "prod/main", "main", true),
            ],
        );
        let doc: Value = serde_yaml_ng::from_str(&twice).unwrap();
        assert_eq!(doc["current-context"], "kind-local");
        assert_eq!(
            names(&doc, "contexts"),
            ["kind-local", "dev/main", "prod/main"]
        );
        assert_eq!(
            names(&doc, "users"),
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
        let again = merge(&twice, &[entry("dev/main", true)]);
        let doc: Value = serde_yaml_ng::from_str(&again).unwrap();
        assert_eq!(
            names(&doc, "users"),
            [
                "kind-local",
                "awsnav:PRODUCTION:prod/main",
                "awsnav:PRODUCTION:dev/main"
            ]
        );
    }

    #[test]
    fn a_context_is_never_repointed_to_another_account_unless_forced() {
        let prod = merge(MINE, &[entry_in(A, "prod/main", "main", true)]);
        // Another account now goes by the production one's name.
        let impostor = entry_in(B, "prod/main", "main", false);
        let Err(MergeError::Repoints(found)) =
            merged(&prod, std::slice::from_ref(&impostor), false)
        else {
            panic!("repointed without --force");
        };
        let said: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(
            said,
            [
                format!(
                    "context `prod/main` points to account {A} (cluster arn:aws:eks:us-east-1:{A}:cluster/main), not account {B} (cluster arn:aws:eks:us-east-1:{B}:cluster/main)"
                ),
                // The production user, which the context's new one would replace.
                format!(
                    "user `awsnav:PRODUCTION:prod/main` points to account {A} (cluster main in us-east-1), not account {B} (cluster main in us-east-1)"
                )
            ]
        );
        assert_eq!(
            merged(&prod, &[], false).unwrap().text,
            prod,
            "the file as it was"
        );

        // Forced: repointed, and said so.
        let forced = merged(&prod, &[impostor], true).unwrap();
        assert_eq!(forced.repointed, found);
        let doc: Value = serde_yaml_ng::from_str(&forced.text).unwrap();
        assert_eq!(names(&doc, "users"), ["kind-local", "awsnav:prod/main"]);
        assert_eq!(doc["users"][1]["user"]["exec"]["args"][8], B);
    }

    #[test]
    fn the_same_account_and_cluster_is_refreshed_without_force() {
        let prod = merge(MINE, &[entry_in(A, "prod/main", "main", true)]);
        let mut later = entry_in(A, "prod/main", "main", false);
        later.role = "ReadOnly".into();
        later.args[7] = "ReadOnly".into();
        later.server = "https://NEW.gr7.us-east-1.eks.amazonaws.com".into();
        let out = merged(&prod, &[later], false).unwrap();
        assert!(out.repointed.is_empty());
        let doc: Value = serde_yaml_ng::from_str(&out.text).unwrap();
        assert_eq!(doc["users"][1]["user"]["exec"]["args"][7], "ReadOnly");
        assert_eq!(
            doc["clusters"][1]["cluster"]["server"],
            "https://NEW.gr7.us-east-1.eks.amazonaws.com"
        );
    }

    #[test]
    fn another_cluster_of_the_same_account_is_a_repoint() {
        let one = merge("", &[entry_in(A, "dev/main", "main", false)]);
        let mut other = entry_in(A, "dev/main", "main", false);
        other.cluster = format!("arn:aws:eks:eu-west-1:{A}:cluster/main");
        other.args[5] = "eu-west-1".into();
        let Err(MergeError::Repoints(found)) = merged(&one, &[other], false) else {
            panic!("repointed without --force");
        };
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!((found[0].kind, found[1].kind), ("context", "user"));
        assert!(found[1].now.contains("us-east-1"), "{:?}", found[1]);
        assert!(found[1].then.contains("eu-west-1"), "{:?}", found[1]);
    }

    #[test]
    fn users_and_contexts_awsnav_did_not_write_are_kept() {
        // A user of that name for another account, with no context.
        let stray = merge("", &[entry_in(A, "x", "main", false)]);
        let stray = stray.replace("name: x\n", "name: gone\n");
        let Err(MergeError::Repoints(found)) =
            merged(&stray, &[entry_in(B, "x", "main", false)], false)
        else {
            panic!("repointed a user");
        };
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].kind, found[0].name.as_str()),
            ("user", "awsnav:x")
        );
        // A context of the user's own, as `aws eks update-kubeconfig --alias` writes it.
        let theirs = "contexts:\n- name: prod/main\n  context:\n    cluster: arn:aws:eks:us-east-1:111111111111:cluster/main\n    user: theirs\nusers:\n- name: theirs\n  user:\n    exec:\n      command: aws\n      args: [eks, get-token, --cluster-name, main]\n";
        let Err(MergeError::Repoints(found)) =
            merged(theirs, &[entry_in(A, "prod/main", "main", true)], false)
        else {
            panic!("replaced the user's own context");
        };
        assert_eq!(found.len(), 1);
        assert!(found[0].now.contains("not awsnav's"), "{:?}", found[0]);
        assert!(merged(theirs, &[entry_in(A, "prod/main", "main", true)], true).is_ok());
    }

    #[test]
    fn two_accounts_of_one_run_cannot_share_a_name() {
        let Err(MergeError::Repoints(found)) = merged(
            "",
            &[
                entry_in(A, "prod/main", "main", true),
                entry_in(B, "prod/main", "main", true),
            ],
            false,
        ) else {
            panic!("the second took the first's context");
        };
        assert!(found.iter().any(|r| r.kind == "context"), "{found:?}");
    }

    #[test]
    fn repoints_are_shown_without_controls() {
        let prod = merge("", &[entry_in(A, "p\x1b[2J", "main", false)]);
        let err = merged(&prod, &[entry_in(B, "p\x1b[2J", "main", false)], false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(r"`p\x1b[2J`") && !err.contains('\x1b'),
            "{err}"
        );
    }

    #[test]
    fn exec_arguments_name_the_account_and_cluster() {
        let t = |args: &[&str]| ExecTarget::of_args(args);
        let want = Some(ExecTarget {
            account: A.into(),
            cluster: "main".into(),
            region: Some("us-east-1".into()),
        });
        let written = [
            "eks",
            "token",
            "--cluster",
            "main",
            "--region",
            "us-east-1",
            "--role",
            "Admin",
            A,
        ];
        assert_eq!(t(&written), want);
        assert_eq!(
            t(&[
                "eks",
                "token",
                A,
                "--yes",
                "--region=us-east-1",
                "--cluster",
                "main"
            ]),
            want
        );
        // A cluster named like an account is still the cluster.
        assert_eq!(
            t(&["eks", "token", "--cluster", B, "--region", "us-east-1", A])
                .map(|t| (t.account, t.cluster)),
            Some((A.to_owned(), B.to_owned()))
        );
        assert_eq!(
            t(&["eks", "token", "--cluster", "main"]),
            None,
            "no account"
        );
        assert_eq!(t(&["eks", "token", A]), None, "no cluster");
        assert_eq!(t(&["eks", "token", "--cluster", "main", A, B]), None);
        assert_eq!(t(&["eks", "get-token", "--cluster-name", "main"]), None);
        assert_eq!(t(&["eks", "token", "--cluster"]), None);
    }

    #[test]
    fn names_from_the_organization_stay_data() {
        let hostile = "evil\n- name: x\n  user: {token: stolen}\n# \"quote\" 'q' : &a *a !tag %x";
        let mut e = entry(&format!("{hostile}/main"), false);
        e.account_name = hostile.to_owned();
        let out = merge("", &[e.clone()]);
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
            Some("evil - name: x user: {token: stolen} # \"quote\" 'q' : &a *a !tag %x")
        );
        // Controls in a name are escaped by the YAML writer, never written raw; the
        // account's name is written as a kubeconfig name, without invisible characters.
        let mut esc = entry("esc\x1b]2;x\x07\u{85}/main", false);
        esc.account_name = "esc\x1b]2;x\x07\u{9b}\u{202e}\u{200b}".into();
        let out = merge("", &[esc.clone()]);
        assert!(
            !out.contains(['\x1b', '\x07', '\u{85}', '\u{9b}', '\u{202e}', '\u{200b}']),
            "{out}"
        );
        let doc: Value = serde_yaml_ng::from_str(&out).unwrap();
        assert_eq!(
            doc["contexts"][0]["name"].as_str(),
            Some(esc.context.as_str())
        );
    }

    #[test]
    fn an_empty_file_becomes_a_kubeconfig_and_junk_is_refused() {
        let out = merge("", &[entry("dev/main", false)]);
        let doc: Value = serde_yaml_ng::from_str(&out).unwrap();
        assert_eq!(doc["kind"], "Config");
        assert_eq!(doc["contexts"][0]["name"], "dev/main");
        assert!(merged("- a\n- b\n", &[], false).is_err());
        assert!(merged("clusters: 3\n", &[entry("x/y", false)], false).is_err());
        assert!(merged("key: [unclosed\n", &[], false).is_err());
    }
}
