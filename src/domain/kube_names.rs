//! The name each account goes by in its kubeconfig contexts (`NAME/CLUSTER`): its name made
//! safe for a terminal, or `NAME (ID)` where another account would go by the same one.
//!
//! A member account's administrator can rename it, so a name says nothing about which
//! account it is: were contexts merged by a name two accounts share, the one written last
//! would take the other's context (a production one) and push it aside. So neither gets the
//! bare name, nor does either of two names that only look alike; the account id tells them
//! apart.

use std::collections::{BTreeMap, BTreeSet};

use super::kubeconfig::Entry;
use super::lookalike::folded_name;
use super::untrusted::kube_name;

/// An account to name: its id and its name as the organization gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Named<'a> {
    pub id: &'a str,
    pub name: &'a str,
}

/// A name two or more accounts would have gone by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shared {
    pub name: String,
    /// Their ids, sorted.
    pub ids: Vec<String>,
}

/// The names accounts go by in their contexts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Labels {
    names: BTreeMap<String, String>,
    with_id: BTreeSet<String>,
}

impl Labels {
    /// What `id` goes by: its [`kube_name`], with ` (ID)` where that is shared.
    #[must_use]
    pub fn of(&self, id: &str) -> String {
        let name = self.names.get(id).map_or("_", String::as_str);
        if self.with_id.contains(id) {
            format!("{name} ({id})")
        } else {
            name.to_owned()
        }
    }
}

/// Names the accounts of `written` (whose contexts are being written) and builds their
/// entries with `build`: any two accounts, of `written` or of `known` (the rest of the
/// organization), that would go by one name, or whose entries would share a context or user
/// name, both go by `NAME (ID)` instead, until no two do. Returns the entries and the names
/// that were shared by an account of `written`.
pub fn name_accounts<F>(
    written: &[Named<'_>],
    known: &[Named<'_>],
    build: F,
) -> (Vec<Entry>, Vec<Shared>)
where
    F: Fn(&Labels) -> Vec<Entry>,
{
    let mut labels = Labels::default();
    for a in known.iter().chain(written) {
        labels.names.insert(a.id.to_owned(), kube_name(a.name));
    }
    let mine: BTreeSet<&str> = written.iter().map(|a| a.id).collect();
    let mut shared = Vec::new();
    loop {
        // Labels that only look alike (case, width, accents, invisible characters) clash
        // too: a person tells contexts apart by eye.
        let mut by_label: BTreeMap<String, (String, Vec<&str>)> = BTreeMap::new();
        for id in labels.names.keys() {
            let label = labels.of(id);
            by_label
                .entry(folded_name(&label).into_owned())
                .or_insert_with(|| (label, Vec::new()))
                .1
                .push(id);
        }
        let mut clashing: Vec<(String, Vec<String>)> = by_label
            .into_values()
            .filter(|(_, ids)| ids.len() > 1)
            .map(|(name, ids)| (name, ids.into_iter().map(str::to_owned).collect()))
            .collect();
        let entries = build(&labels);
        if clashing.is_empty() {
            clashing = clashing_entries(&entries);
        }
        let mut grew = false;
        for (name, ids) in clashing {
            let bare: Vec<String> = ids
                .iter()
                .filter(|id| !labels.with_id.contains(*id))
                .cloned()
                .collect();
            if bare.is_empty() {
                continue;
            }
            if ids.iter().any(|id| mine.contains(id.as_str())) {
                shared.push(Shared { name, ids });
            }
            labels.with_id.extend(bare);
            grew = true;
        }
        // Each round gives at least one more account its id, so this ends; a clash left when
        // all have theirs is the merge's to refuse.
        if !grew {
            return (entries, shared);
        }
    }
}

/// The context and user names that entries of more than one account would take, with those
/// accounts.
fn clashing_entries(entries: &[Entry]) -> Vec<(String, Vec<String>)> {
    let mut by_name: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for e in entries {
        by_name.entry(&e.context).or_default().insert(&e.account_id);
        by_name.entry(&e.user).or_default().insert(&e.account_id);
    }
    by_name
        .into_iter()
        .filter(|(_, ids)| ids.len() > 1)
        .map(|(name, ids)| {
            (
                name.to_owned(),
                ids.into_iter().map(str::to_owned).collect(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROD: &str = "111111111111";
    const MEMBER: &str = "222222222222";
    const OTHER: &str = "333333333333";

    fn named<'a>(id: &'a str, name: &'a str) -> Named<'a> {
        Named { id, name }
    }

    /// One cluster `main` per account, production for `PROD`, named as awsnav names it.
    fn build(written: &[Named<'_>]) -> impl Fn(&Labels) -> Vec<Entry> {
        let ids: Vec<String> = written.iter().map(|a| a.id.to_owned()).collect();
        move |labels: &Labels| {
            ids.iter()
                .map(|id| {
                    let context = format!("{}/main", labels.of(id));
                    let production = id == PROD;
                    Entry {
                        user: Entry::user_name(&context, production),
                        context,
                        cluster: format!("arn:aws:eks:us-east-1:{id}:cluster/main"),
                        server: String::new(),
                        certificate_authority: String::new(),
                        command: "awsnav".into(),
                        args: vec![],
                        production,
                        account_id: id.clone(),
                        account_name: String::new(),
                        role: "Admin".into(),
                    }
                })
                .collect()
        }
    }

    fn contexts(written: &[Named<'_>], known: &[Named<'_>]) -> (Vec<String>, Vec<Shared>) {
        let (entries, shared) = name_accounts(written, known, build(written));
        (entries.into_iter().map(|e| e.context).collect(), shared)
    }

    #[test]
    fn names_no_one_shares_are_kept() {
        let written = [named(PROD, "payments-prod"), named(MEMBER, "payments-dev")];
        let (got, shared) = contexts(&written, &written);
        assert_eq!(got, ["payments-prod/main", "payments-dev/main"]);
        assert!(shared.is_empty());
    }

    #[test]
    fn a_shared_name_gives_neither_account_the_bare_context() {
        let written = [named(PROD, "payments-prod"), named(MEMBER, "payments-prod")];
        let (got, shared) = contexts(&written, &[]);
        assert_eq!(
            got,
            [
                format!("payments-prod ({PROD})/main"),
                format!("payments-prod ({MEMBER})/main")
            ]
        );
        assert_eq!(
            shared,
            [Shared {
                name: "payments-prod".into(),
                ids: vec![PROD.into(), MEMBER.into()]
            }]
        );
    }

    #[test]
    fn a_name_is_shared_with_the_rest_of_the_organization_too() {
        // Only the member account's contexts are written; the inventory knows the other.
        let written = [named(MEMBER, "payments-prod")];
        let known = [named(PROD, "payments-prod"), named(OTHER, "sandbox")];
        let (got, shared) = contexts(&written, &known);
        assert_eq!(got, [format!("payments-prod ({MEMBER})/main")]);
        assert_eq!(shared.len(), 1);
        // A name only others share is not reported.
        let (_, shared) = contexts(
            &[named(OTHER, "sandbox")],
            &[named(PROD, "x"), named(MEMBER, "x")],
        );
        assert!(shared.is_empty());
    }

    #[test]
    fn names_that_look_alike_are_shared() {
        // Invisible characters, bidi marks, controls and spaces do not make a name another.
        for lookalike in [
            "pay\u{200b}ments-prod",
            "payments-prod\u{feff}",
            "\u{202d}payments-prod",
            " payments-prod\n",
        ] {
            let written = [named(PROD, "payments-prod"), named(MEMBER, lookalike)];
            let (got, _) = contexts(&written, &[]);
            assert_eq!(
                got[1],
                format!("payments-prod ({MEMBER})/main"),
                "{lookalike:?}"
            );
        }
        // Nor do case, width, accents or a Cyrillic letter: the names stay as they are, each
        // with its account's id.
        for lookalike in [
            "Payments-Prod",
            "ｐａｙｍｅｎｔｓ-prod",
            "paymënts-prod",
            "p\u{430}yments-prod",
        ] {
            let written = [named(PROD, "payments-prod"), named(MEMBER, lookalike)];
            let (got, _) = contexts(&written, &[]);
            assert_eq!(
                got[0],
                format!("payments-prod ({PROD})/main"),
                "{lookalike:?}"
            );
            assert_eq!(
                got[1],
                format!("{lookalike} ({MEMBER})/main"),
                "{lookalike:?}"
            );
        }
    }

    #[test]
    fn a_name_made_to_look_like_an_id_label_gets_its_own_id() {
        // Two `prod`s, and a third account named as the first's label.
        let fake = format!("prod ({PROD})");
        let written = [
            named(PROD, "prod"),
            named(MEMBER, "prod"),
            named(OTHER, &fake),
        ];
        let (got, shared) = contexts(&written, &[]);
        assert_eq!(
            got,
            [
                format!("prod ({PROD})/main"),
                format!("prod ({MEMBER})/main"),
                format!("prod ({PROD}) ({OTHER})/main")
            ]
        );
        assert_eq!(shared.len(), 2);
    }

    #[test]
    fn a_user_name_made_to_look_like_a_production_one_is_told_apart() {
        // `awsnav:` + `PRODUCTION:prod/main` is the production context's user's name.
        let written = [named(PROD, "prod"), named(MEMBER, "PRODUCTION:prod")];
        let (entries, shared) = name_accounts(&written, &[], build(&written));
        let users: BTreeSet<&str> = entries.iter().map(|e| e.user.as_str()).collect();
        assert_eq!(users.len(), 2, "{users:?}");
        assert_eq!(
            entries[1].context,
            format!("PRODUCTION:prod ({MEMBER})/main")
        );
        assert_eq!(shared.len(), 1);
    }

    #[test]
    fn labels_carry_no_control() {
        let written = [named(PROD, "a\x1b]2;x\x07\nb")];
        let (got, _) = contexts(&written, &[]);
        assert_eq!(got, ["a_]2;x_ b/main"]);
    }
}
