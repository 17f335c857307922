//! Account names that look the same: a member account's administrator can rename it to
//! `Payments-Prod`, `payments-prod ` or `pаyments-prod` (a Cyrillic `а`) beside the real
//! `payments-prod`. Names are folded to what a person sees, and accounts whose folded names
//! are equal are look-alikes of each other.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use super::fold::fold;
use super::untrusted::{is_hidden, is_joiner};

/// `name` as a person reads it: compatibility forms (full-width, ligatures, mathematical
/// letters) to plain letters and accents dropped ([`fold`]), the commonest Cyrillic and
/// Greek letters that look Latin made Latin, lower case, characters that do not show
/// dropped, and runs of spaces of any kind one space, none at either end.
#[must_use]
pub fn folded_name(name: &str) -> Cow<'_, str> {
    let plain = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.'));
    if plain {
        // Most names: nothing to fold.
        return Cow::Borrowed(name);
    }
    let decomposed = fold(name);
    let mut out = String::with_capacity(decomposed.len());
    let mut space = false;
    for c in decomposed.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if is_hidden(c) || is_joiner(c) {
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        let c = latin_look(c).unwrap_or(c);
        out.extend(c.to_lowercase());
    }
    Cow::Owned(out)
}

/// The Latin letter or sign `c` looks like, for the Cyrillic and Greek letters and the
/// dashes most often put in a name's place. Capitals map to capitals (`В` looks like `B`,
/// `в` does not look like `b`).
fn latin_look(c: char) -> Option<char> {
    // Each arm: the Cyrillic letters, then the Greek ones.
    Some(match c {
        'А' | 'Α' => 'A',
        'В' | 'Β' => 'B',
        'С' => 'C',
        'Е' | 'Ё' | 'Ε' => 'E',
        'Н' | 'Η' => 'H',
        'І' | 'Ӏ' | 'Ι' => 'I',
        'Ј' => 'J',
        'К' | 'Κ' => 'K',
        'М' | 'Μ' => 'M',
        'Ν' => 'N',
        'О' | 'Ο' => 'O',
        'Р' | 'Ρ' => 'P',
        'Ѕ' => 'S',
        'Т' | 'Τ' => 'T',
        'Х' | 'Χ' => 'X',
        'У' | 'Υ' => 'Y',
        'Ζ' => 'Z',
        'а' | 'α' => 'a',
        'с' => 'c',
        'ԁ' => 'd',
        'е' => 'e',
        'һ' => 'h',
        'і' | 'ι' => 'i',
        'ј' => 'j',
        'κ' => 'k',
        'ӏ' => 'l',
        'о' | 'ο' => 'o',
        'р' | 'ρ' => 'p',
        'ԛ' => 'q',
        'ѕ' => 's',
        'υ' => 'u',
        'ν' => 'v',
        'ԝ' => 'w',
        'х' => 'x',
        'у' => 'y',
        // Dashes and the minus sign.
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{fe58}' => '-',
        _ => return None,
    })
}

/// For a list of names, which of them look the same ([`folded_name`] equal). Built once per
/// inventory; asked per account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lookalikes {
    /// Per name, its group in `groups`, or [`Lookalikes::NONE`] when it looks like no other.
    group_of: Vec<u32>,
    /// The indices of the names of each group of two or more, in order.
    groups: Vec<Vec<u32>>,
}

impl Lookalikes {
    const NONE: u32 = u32::MAX;

    /// The look-alikes among `names` (indices are the order of `names`).
    #[must_use]
    pub fn of<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let names = names.into_iter();
        let mut first: HashMap<Cow<'a, str>, u32> = HashMap::with_capacity(names.size_hint().0);
        let mut group_of: Vec<u32> = Vec::with_capacity(names.size_hint().0);
        let mut groups: Vec<Vec<u32>> = Vec::new();
        for (i, name) in names.enumerate() {
            let i = u32::try_from(i).unwrap_or(Self::NONE - 1);
            group_of.push(Self::NONE);
            match first.entry(folded_name(name)) {
                Entry::Vacant(e) => {
                    e.insert(i);
                }
                Entry::Occupied(e) => {
                    let f = *e.get() as usize;
                    let mut g = group_of[f];
                    if g == Self::NONE {
                        g = u32::try_from(groups.len()).unwrap_or(Self::NONE - 1);
                        groups.push(vec![*e.get()]);
                        group_of[f] = g;
                    }
                    groups[g as usize].push(i);
                    group_of[i as usize] = g;
                }
            }
        }
        Self { group_of, groups }
    }

    /// The other names that look like name `i`, in order (none for most).
    pub fn others(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let group = self
            .group_of
            .get(i)
            .filter(|g| **g != Self::NONE)
            .and_then(|g| self.groups.get(*g as usize));
        group
            .into_iter()
            .flatten()
            .map(|j| *j as usize)
            .filter(move |j| *j != i)
    }

    /// Whether name `i` looks like another.
    #[must_use]
    pub fn has(&self, i: usize) -> bool {
        self.group_of.get(i).is_some_and(|g| *g != Self::NONE)
    }

    /// Whether no two names look the same.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// The ids of the accounts of `accounts` (id, name) other than `id` whose names look like
/// `name`: for one account, without building [`Lookalikes`] for all.
#[must_use]
pub fn same_name_as<'a>(
    id: &str,
    name: &str,
    accounts: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<String> {
    let wanted = folded_name(name);
    accounts
        .into_iter()
        .filter(|(other, n)| *other != id && folded_name(n) == wanted)
        .map(|(other, _)| other.to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_to_what_a_person_reads() {
        assert_eq!(folded_name("payments-prod"), "payments-prod");
        assert!(matches!(folded_name("payments-prod"), Cow::Borrowed(_)));
        for alike in [
            "Payments-Prod",
            "PAYMENTS-PROD",
            "payments-prod ",
            " payments-prod",
            "payments-prod\u{200b}",
            "pay\u{200d}ments-prod",
            "payments-prod\u{feff}",
            "pay\u{ad}ments-prod",
            "payments-prod\u{2060}",
            "payments-prod\u{fe0f}",
            "payments-prod\u{3164}",
            "ｐａｙｍｅｎｔｓ－ｐｒｏｄ",
            "pаyments-prod",
            "paymеnts-prоd",
            "payments\u{2010}prod",
            "payments\u{2212}prod",
            "pαyments-prοd",
            "páyments-prod",
            "payme\u{301}nts-prod",
            "𝐩𝐚𝐲𝐦𝐞𝐧𝐭𝐬-𝐩𝐫𝐨𝐝",
            "payments-prod\x1b",
            "payments-prod\u{202e}",
        ] {
            assert_eq!(folded_name(alike), "payments-prod", "{alike:?}");
        }
        // Spaces of any kind, repeated or at either end, are one space between words.
        for alike in [
            "team  a",
            "team\u{a0}a",
            "team\u{3000}a",
            "team\u{2009}a",
            "  team a\t",
            "team\na",
        ] {
            assert_eq!(folded_name(alike), "team a", "{alike:?}");
        }
        assert_eq!(folded_name(" \u{200b} "), "");
    }

    #[test]
    fn names_that_look_different_stay_different() {
        for other in [
            "payments-prod2",
            "payments_prod",
            "payments-pr0d",
            "paymentsprod",
            "payments-dev",
            "вank",
        ] {
            assert_ne!(folded_name(other), folded_name("payments-prod"), "{other}");
        }
        // A lower-case в does not look like b; a capital В looks like B.
        assert_ne!(folded_name("вank"), folded_name("bank"));
        assert_eq!(folded_name("Вank"), folded_name("bank"));
        // Other scripts keep their letters.
        assert_eq!(folded_name("東京-prod"), "東京-prod");
        assert_ne!(folded_name("東京-prod"), folded_name("京都-prod"));
    }

    #[test]
    fn each_name_knows_the_others_that_look_like_it() {
        let names = [
            "payments-prod",
            "ledger",
            "Payments-Prod",
            "payments-prod\u{200b}",
            "ledger-dev",
            "LEDGER ",
            "solo",
        ];
        let alike = Lookalikes::of(names);
        let others = |i: usize| alike.others(i).collect::<Vec<_>>();
        assert_eq!(others(0), [2, 3]);
        assert_eq!(others(2), [0, 3]);
        assert_eq!(others(3), [0, 2]);
        assert_eq!(others(1), [5]);
        assert_eq!(others(5), [1]);
        assert!(others(4).is_empty() && others(6).is_empty() && others(99).is_empty());
        assert!(alike.has(0) && alike.has(5) && !alike.has(4) && !alike.has(99));
        assert!(!alike.is_empty());
        let none = Lookalikes::of(["a", "b", "c"]);
        assert!(none.is_empty() && !none.has(0) && none.others(1).next().is_none());
        assert!(Lookalikes::of([]).is_empty());
    }

    #[test]
    fn one_account_is_compared_with_all_the_others() {
        let accounts = [
            ("111111111111", "payments-prod"),
            ("222222222222", "payments-prod\u{200b}"),
            ("333333333333", "ledger"),
            ("444444444444", "Payments-Prod"),
        ];
        assert_eq!(
            same_name_as("111111111111", "payments-prod", accounts),
            ["222222222222", "444444444444"]
        );
        assert_eq!(
            same_name_as("222222222222", "payments-prod\u{200b}", accounts),
            ["111111111111", "444444444444"]
        );
        assert!(same_name_as("333333333333", "ledger", accounts).is_empty());
    }

    #[test]
    fn ten_thousand_names_with_look_alikes_among_them() {
        let mut org = crate::domain::demo::synthetic(10_000, 4, 4);
        org.accounts[9_999].name = format!("{} ", org.accounts[17].name.to_uppercase());
        let alike = Lookalikes::of(org.accounts.iter().map(|a| a.name.as_str()));
        assert_eq!(alike.others(17).collect::<Vec<_>>(), [9_999]);
        assert_eq!(alike.others(9_999).collect::<Vec<_>>(), [17]);
        assert_eq!((0..10_000).filter(|i| alike.has(*i)).count(), 2);
    }
}
