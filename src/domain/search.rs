//! Fuzzy search over accounts (name, id, OU path, tag values), ranked, with match positions.
//! Text is compared folded (`zur` finds `zürich`, see [`super::fold`]); positions are those of
//! the text as written.

use std::fmt::Write as _;

use fuzzy_matcher::FuzzyMatcher as _;
use fuzzy_matcher::skim::SkimMatcherV2;

use super::fold::{Folded, fold};
use super::model::{Org, OrgTree};

/// Which part of an account a term matched best.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Name,
    Id,
    Path,
    Tags,
}

/// Character positions to highlight in the name and in the `/`-joined OU path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Highlights {
    pub name: Vec<usize>,
    pub path: Vec<usize>,
}

/// One matching account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// Index into `org.accounts`.
    pub account: usize,
    pub score: i64,
    /// Filled for the first hits by [`SearchIndex::query`]; others on demand.
    pub highlights: Option<Highlights>,
}

struct Entry {
    /// The name folded: what terms match.
    name: Folded,
    id: String,
    /// Index into `SearchIndex::paths`: accounts in one OU share its path.
    path: usize,
    /// Index into `SearchIndex::tag_texts`: many accounts carry the same tag values.
    tags: usize,
    /// The folded name in lower case, for the cheap pre-check.
    lower_name: String,
}

/// A string shared by many accounts, folded, with its lower case for the pre-check.
struct Shared {
    text: Folded,
    lower: String,
}

/// How many hits get their highlight positions computed up front.
pub const HIGHLIGHT_AHEAD: usize = 200;

/// Name matches count double: people search for accounts by name first.
const NAME_WEIGHT: i64 = 2;

/// The searchable text of every account, built once per inventory.
pub struct SearchIndex {
    entries: Vec<Entry>,
    paths: Vec<Shared>,
    tag_texts: Vec<Shared>,
    matcher: SkimMatcherV2,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("entries", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl SearchIndex {
    #[must_use]
    pub fn build(org: &Org, tree: &OrgTree) -> Self {
        let mut paths = Interner::default();
        let mut tag_texts = Interner::default();
        let entries = org
            .accounts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let tags = a
                    .tags
                    .values()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(" ");
                let name = Folded::new(&a.name);
                Entry {
                    lower_name: name.text.to_lowercase(),
                    name,
                    id: a.id.as_str().to_owned(),
                    path: paths.intern(tree.account_path(i).join("/")),
                    tags: tag_texts.intern(tags),
                }
            })
            .collect();
        Self {
            entries,
            paths: paths.items,
            tag_texts: tag_texts.items,
            matcher: SkimMatcherV2::default().smart_case(),
        }
    }

    /// All accounts matching `query`, best first. Whitespace separates terms that must all match
    /// (each in any field). An empty query matches nothing.
    #[must_use]
    pub fn query(&self, query: &str) -> Vec<Hit> {
        self.rank(query, 0..self.entries.len())
    }

    /// Like [`query`](Self::query) but only among `previous` hits: valid when `query` extends the
    /// query that produced them (typing more characters can only narrow a fuzzy match).
    #[must_use]
    pub fn refine(&self, query: &str, previous: &[Hit]) -> Vec<Hit> {
        self.rank(query, previous.iter().map(|h| h.account))
    }

    fn rank(&self, query: &str, candidates: impl Iterator<Item = usize>) -> Vec<Hit> {
        let query = &*account_of_arn(query);
        let mut terms: Vec<Term> = query
            .split_whitespace()
            .map(|t| Term::new(t, self.paths.len(), self.tag_texts.len()))
            .collect();
        if terms.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<Hit> = candidates
            .filter_map(|account| {
                let entry = self.entries.get(account)?;
                let mut total = 0;
                for term in &mut terms {
                    total += self.best_field(entry, term)?.1;
                }
                Some(Hit {
                    account,
                    score: total,
                    highlights: None,
                })
            })
            .collect();
        hits.sort_unstable_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then_with(|| {
                    self.entries[a.account]
                        .name
                        .text
                        .cmp(&self.entries[b.account].name.text)
                })
                .then_with(|| a.account.cmp(&b.account))
        });
        let ahead = hits.len().min(HIGHLIGHT_AHEAD);
        self.fill_highlights(query, &mut hits[..ahead]);
        hits
    }

    /// Computes highlight positions for these hits where missing.
    pub fn fill_highlights(&self, query: &str, hits: &mut [Hit]) {
        let query = &*account_of_arn(query);
        let mut terms: Vec<Term> = query
            .split_whitespace()
            .map(|t| Term::new(t, self.paths.len(), self.tag_texts.len()))
            .collect();
        for hit in hits.iter_mut().filter(|h| h.highlights.is_none()) {
            let Some(entry) = self.entries.get(hit.account) else {
                continue;
            };
            let mut hl = Highlights::default();
            for term in &mut terms {
                match self.best_field(entry, term).map(|(f, _)| f) {
                    Some(Field::Name) => {
                        if let Some((_, idx)) =
                            self.matcher.fuzzy_indices(&entry.name.text, &term.text)
                        {
                            hl.name.extend(entry.name.original_positions(idx));
                        }
                    }
                    Some(Field::Path) => {
                        let path = &self.paths[entry.path].text;
                        if let Some((_, idx)) = self.matcher.fuzzy_indices(&path.text, &term.text) {
                            hl.path.extend(path.original_positions(idx));
                        }
                    }
                    _ => {}
                }
            }
            hl.name.sort_unstable();
            hl.name.dedup();
            hl.path.sort_unstable();
            hl.path.dedup();
            hit.highlights = Some(hl);
        }
    }

    /// The field where `term` scores best (name weighted), and that weighted score.
    fn best_field(&self, entry: &Entry, term: &mut Term) -> Option<(Field, i64)> {
        let mut best: Option<(Field, i64)> = None;
        let mut consider = |field: Field, score: Option<i64>| {
            if let Some(s) = score
                && best.is_none_or(|(_, b)| s > b)
            {
                best = Some((field, s));
            }
        };
        let folded = term.folded.as_bytes();
        if is_subsequence(folded, entry.lower_name.as_bytes()) {
            let score = self.matcher.fuzzy_match(&entry.name.text, &term.text);
            consider(Field::Name, score.map(|s| s * NAME_WEIGHT));
        }
        if is_subsequence(folded, entry.id.as_bytes()) {
            consider(Field::Id, self.matcher.fuzzy_match(&entry.id, &term.text));
        }
        // Paths and tag texts repeat across accounts: score each distinct one once per term.
        let path = term.path_scores[entry.path]
            .get_or(|| self.score_shared(&self.paths[entry.path], &term.text, folded));
        consider(Field::Path, path);
        let tags = term.tag_scores[entry.tags]
            .get_or(|| self.score_shared(&self.tag_texts[entry.tags], &term.text, folded));
        consider(Field::Tags, tags);
        best
    }

    fn score_shared(&self, shared: &Shared, text: &str, folded: &[u8]) -> Option<i64> {
        if is_subsequence(folded, shared.lower.as_bytes()) {
            self.matcher.fuzzy_match(&shared.text.text, text)
        } else {
            None
        }
    }
}

#[derive(Default)]
struct Interner {
    items: Vec<Shared>,
    index: std::collections::HashMap<String, usize>,
}

impl Interner {
    fn intern(&mut self, text: String) -> usize {
        if let Some(&i) = self.index.get(&text) {
            return i;
        }
        let i = self.items.len();
        let folded = Folded::new(&text);
        self.items.push(Shared {
            lower: folded.text.to_lowercase(),
            text: folded,
        });
        self.index.insert(text, i);
        i
    }
}

/// A shared string's score for one term, once computed.
#[derive(Clone, Copy)]
enum Memo {
    Unscored,
    Scored(Option<i64>),
}

impl Memo {
    fn get_or(&mut self, score: impl FnOnce() -> Option<i64>) -> Option<i64> {
        match *self {
            Self::Scored(s) => s,
            Self::Unscored => {
                let s = score();
                *self = Self::Scored(s);
                s
            }
        }
    }
}

/// One whitespace-separated word of the query, with its memo of shared-string scores.
struct Term {
    text: String,
    folded: String,
    path_scores: Vec<Memo>,
    tag_scores: Vec<Memo>,
}

impl Term {
    fn new(text: &str, paths: usize, tag_texts: usize) -> Self {
        let text = fold(text).into_owned();
        Self {
            folded: text.to_lowercase(),
            text,
            path_scores: vec![Memo::Unscored; paths],
            tag_scores: vec![Memo::Unscored; tag_texts],
        }
    }
}

/// Whether `needle`'s bytes appear in order in `hay`: a necessary condition for a fuzzy match,
/// far cheaper than scoring.
fn is_subsequence(needle: &[u8], hay: &[u8]) -> bool {
    let mut rest = hay;
    for &b in needle {
        match rest.iter().position(|&c| c == b) {
            Some(p) => rest = &rest[p + 1..],
            None => return false,
        }
    }
    true
}

/// A query that is a whole ARN naming an account searches for that account's id (an ARN
/// pasted from a log or an alert finds its account); any other query is itself.
fn account_of_arn(query: &str) -> std::borrow::Cow<'_, str> {
    if super::arn::looks_like_arn(query)
        && let Ok(super::arn::Arn {
            account: Some(id), ..
        }) = super::arn::Arn::parse(query)
    {
        return std::borrow::Cow::Owned(id);
    }
    std::borrow::Cow::Borrowed(query)
}

/// Whether results for `old` can be refined for `new` instead of searching everything.
#[must_use]
pub fn can_refine(old: &str, new: &str) -> bool {
    // A query becoming a whole ARN turns into its account's id, which is no narrowing.
    if super::arn::looks_like_arn(new) {
        return false;
    }
    // Smart case: an uppercase letter switches to case-sensitive matching, which can match
    // fewer *or* different positions; only a same-case extension is a pure narrowing.
    !old.trim().is_empty()
        && new.starts_with(old)
        && !old.ends_with(char::is_whitespace)
        && old.chars().any(char::is_uppercase) == new.chars().any(char::is_uppercase)
        && !new[old.len()..].contains(char::is_whitespace)
}

/// Why a command-line account name did not pick one account.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ResolveError {
    #[error("no account matches `{0}` (try `awsnav list`)")]
    NotFound(String),
    #[error("`{query}` matches several accounts; be more specific or use an id:\n{candidates}")]
    Ambiguous { query: String, candidates: String },
}

/// A fuzzy query picks an account only when its best hit scores this much more than the next
/// (3/2: half as much again).
const CLEAR_LEAD: (i64, i64) = (3, 2);

/// The account named on the command line: an id, an alias (config `[aliases]`), an exact name
/// (any case), or a fuzzy query with one clear best match.
///
/// # Errors
/// [`ResolveError`] when nothing or several accounts match; the error lists candidates.
pub fn resolve(
    org: &Org,
    tree: &OrgTree,
    aliases: &std::collections::BTreeMap<String, String>,
    query: &str,
) -> Result<usize, ResolveError> {
    let query = query.trim();
    let target = aliases.get(query).map_or(query, String::as_str);
    if let Some(i) = org.accounts.iter().position(|a| a.id.as_str() == target) {
        return Ok(i);
    }
    let mut exact: Vec<usize> = (0..org.accounts.len())
        .filter(|&i| org.accounts[i].name.eq_ignore_ascii_case(target))
        .collect();
    if exact.is_empty() {
        // `zurich-analytics-dev` names `zürich-analytics-dev`: the same name folded.
        let wanted = fold(target).to_lowercase();
        exact = (0..org.accounts.len())
            .filter(|&i| fold(&org.accounts[i].name).to_lowercase() == wanted)
            .collect();
    }
    if exact.len() == 1 {
        return Ok(exact[0]);
    }
    let index = SearchIndex::build(org, tree);
    let hits = if exact.len() > 1 {
        exact
            .iter()
            .map(|&account| Hit {
                account,
                score: 0,
                highlights: None,
            })
            .collect()
    } else {
        index.query(target)
    };
    match hits.as_slice() {
        [] => Err(ResolveError::NotFound(query.to_owned())),
        [one] => Ok(one.account),
        [first, second, ..]
            if first.score > 0 && first.score * CLEAR_LEAD.1 >= second.score * CLEAR_LEAD.0 =>
        {
            Ok(first.account)
        }
        _ => {
            let mut candidates = String::new();
            for h in hits.iter().take(8) {
                let a = &org.accounts[h.account];
                let path = tree.account_path(h.account).join("/");
                let _ = writeln!(
                    candidates,
                    "  {}  {}  {}",
                    a.id,
                    super::untrusted::visible(&a.name),
                    super::untrusted::visible(if path.is_empty() { "/" } else { &path })
                );
            }
            if hits.len() > 8 {
                let _ = writeln!(candidates, "  … and {} more", hits.len() - 8);
            }
            Err(ResolveError::Ambiguous {
                query: query.to_owned(),
                candidates: candidates.trim_end().to_owned(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::demo;
    use std::collections::BTreeMap;

    fn index() -> (Org, SearchIndex) {
        let org = demo::org();
        let tree = OrgTree::build(&org);
        let idx = SearchIndex::build(&org, &tree);
        (org, idx)
    }

    fn names(org: &Org, hits: &[Hit]) -> Vec<String> {
        hits.iter()
            .map(|h| org.accounts[h.account].name.clone())
            .collect()
    }

    #[test]
    fn exact_name_ranks_first() {
        let (org, idx) = index();
        let hits = idx.query("payments-prod");
        assert_eq!(names(&org, &hits)[0], "payments-prod");
    }

    #[test]
    fn fuzzy_abbreviation_finds_account() {
        let (org, idx) = index();
        let hits = idx.query("paypr");
        assert_eq!(names(&org, &hits)[0], "payments-prod");
        let hl = hits[0].highlights.as_ref().unwrap();
        assert_eq!(hl.name, vec![0, 1, 2, 9, 10]);
    }

    #[test]
    fn terms_must_all_match() {
        let (org, idx) = index();
        let hits = names(&org, &idx.query("checkout staging"));
        assert_eq!(hits[0], "checkout-staging");
        assert!(hits.iter().all(|n| n.contains("checkout")), "{hits:?}");
    }

    #[test]
    fn matches_ids_paths_and_tags() {
        let (org, idx) = index();
        let id = org.accounts[5].id.to_string();
        assert_eq!(idx.query(&id)[0].account, 5);
        let by_path = names(&org, &idx.query("Workloads/Prod/Shipping"));
        assert_eq!(by_path[0], "shipping-prod");
        let by_tag = names(&org, &idx.query("secops@acme"));
        assert!(by_tag.contains(&"log-archive".to_owned()), "{by_tag:?}");
    }

    #[test]
    fn path_match_highlights_path() {
        let (_, idx) = index();
        let hits = idx.query("Suspended");
        let hl = hits[0].highlights.as_ref().unwrap();
        assert_eq!(hl.path, (0..9).collect::<Vec<_>>());
    }

    #[test]
    fn empty_and_unmatched_queries() {
        let (_, idx) = index();
        assert!(idx.query("").is_empty());
        assert!(idx.query("   ").is_empty());
        assert!(idx.query("zzzzqqq").is_empty());
    }

    #[test]
    fn refine_equals_full_query() {
        let (_, idx) = index();
        let first = idx.query("pa");
        for q in ["pay", "paym", "payme"] {
            assert!(can_refine("pa", q));
            assert_eq!(idx.refine(q, &first), idx.query(q), "{q}");
        }
    }

    #[test]
    fn a_whole_arn_finds_its_account() {
        let (org, idx) = index();
        let id = org.accounts[0].id.as_str().to_owned();
        let arn = format!("arn:aws:lambda:eu-west-1:{id}:function:resize");
        let hits = idx.query(&arn);
        assert_eq!(hits.len(), 1);
        assert_eq!(org.accounts[hits[0].account].id.as_str(), id);
        // Typed one character at a time, the last step searches again rather than refining.
        let partial = &arn[..arn.len() - 1];
        assert!(!can_refine(partial, &arn));
        assert!(idx.query("arn:aws:s3:::bucket").is_empty());
    }

    #[test]
    fn refine_rules() {
        assert!(can_refine("pa", "pay"));
        assert!(!can_refine("pa", "p"), "deleting widens");
        assert!(!can_refine("pa", "paY"), "switching to case-sensitive");
        assert!(!can_refine("", "p"));
        assert!(!can_refine("pa", "pa x"), "a new term");
    }

    #[test]
    fn resolve_by_id_alias_name_and_clear_fuzzy_match() {
        let org = demo::org();
        let tree = OrgTree::build(&org);
        let aliases: std::collections::BTreeMap<String, String> =
            [("pp".to_owned(), "payments-prod".to_owned())].into();
        let name = |i: usize| org.accounts[i].name.clone();
        let id = org.accounts[3].id.to_string();
        assert_eq!(
            resolve(&org, &tree, &aliases, &id).map(name),
            Ok(org.accounts[3].name.clone())
        );
        assert_eq!(
            resolve(&org, &tree, &aliases, "pp").map(name).unwrap(),
            "payments-prod"
        );
        assert_eq!(
            resolve(&org, &tree, &aliases, "LOG-ARCHIVE")
                .map(name)
                .unwrap(),
            "log-archive"
        );
        assert_eq!(
            resolve(&org, &tree, &aliases, "shipprod")
                .map(name)
                .unwrap(),
            "shipping-prod"
        );
        let err = resolve(&org, &tree, &aliases, "prod").unwrap_err();
        let ResolveError::Ambiguous { candidates, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(candidates.lines().count() >= 2, "{candidates}");
        assert!(err.to_string().contains("several accounts"));
        assert_eq!(
            resolve(&org, &tree, &aliases, "zzzqqq"),
            Err(ResolveError::NotFound("zzzqqq".into()))
        );
    }

    #[test]
    fn unicode_names_do_not_panic() {
        let mut org = demo::org();
        org.accounts[0].name = "złote-konto-ünïcödé-🚀-حساب".into();
        let tree = OrgTree::build(&org);
        let idx = SearchIndex::build(&org, &tree);
        let hits = idx.query("złote 🚀");
        assert_eq!(hits[0].account, 0);
        let hits = idx.query("حساب");
        assert_eq!(hits[0].account, 0);
    }

    #[test]
    fn diacritics_and_widths_are_ignored_and_highlights_stay_on_the_original() {
        let mut org = demo::org();
        org.accounts[0].name = "zürich-analytics-dev".into();
        org.accounts[1].name = "résumé-builder".into();
        org.accounts[2].name = "ｚｅｎ-tools".into();
        let tree = OrgTree::build(&org);
        let idx = SearchIndex::build(&org, &tree);
        let hits = idx.query("zur");
        assert_eq!(hits[0].account, 0, "{hits:?}");
        assert_eq!(hits[0].highlights.as_ref().unwrap().name, [0, 1, 2]);
        let hits = idx.query("resume");
        assert_eq!(hits[0].account, 1, "{hits:?}");
        // r é s u m é: every character of the original, accents included.
        assert_eq!(
            hits[0].highlights.as_ref().unwrap().name,
            [0, 1, 2, 3, 4, 5]
        );
        assert_eq!(idx.query("zen-t")[0].account, 2);
        // Accents in the query fold too.
        assert_eq!(idx.query("zür")[0].account, 0);
        assert_eq!(
            resolve(&org, &tree, &BTreeMap::new(), "zurich-analytics-dev"),
            Ok(0)
        );
        assert_eq!(
            resolve(&org, &tree, &BTreeMap::new(), "RESUME-BUILDER"),
            Ok(1)
        );
    }

    #[test]
    fn an_exact_name_wins_over_its_folded_twin() {
        let mut org = demo::org();
        org.accounts[0].name = "zurich-x".into();
        org.accounts[1].name = "zürich-x".into();
        let tree = OrgTree::build(&org);
        assert_eq!(resolve(&org, &tree, &BTreeMap::new(), "zürich-x"), Ok(1));
        assert_eq!(resolve(&org, &tree, &BTreeMap::new(), "zurich-x"), Ok(0));
    }
}
