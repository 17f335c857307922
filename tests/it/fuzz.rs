//! Property-based fuzzing of everything awsnav parses from disk: the config file, the
//! inventory cache, the cost cache, credential cache entries and the last-roles file.
//!
//! Inputs are arbitrary text and bytes, and real files (the example configs, caches awsnav
//! wrote itself) with random bytes deleted, inserted, replaced or the tail cut off. Nothing may
//! panic; a config error must name the file with a line and column; a cache that loads must
//! survive a store/load round trip. `PROPTEST_CASES` raises the number of cases (default per
//! property below).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use awsnav::config::Config;
use awsnav::store::inventory_cache::{CacheProblem, InventoryCache};
use proptest::prelude::*;
use time::macros::datetime;

/// One edit of a byte string: positions are taken modulo its length.
#[derive(Clone, Debug)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Replace(usize, u8),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1..40usize).prop_map(|(at, n)| Edit::Delete(at, n)),
        (
            any::<usize>(),
            prop::collection::vec(
                prop_oneof![
                    // Bytes that matter to TOML and JSON, plus anything at all.
                    Just(b'"'),
                    Just(b'['),
                    Just(b']'),
                    Just(b'{'),
                    Just(b'}'),
                    Just(b'='),
                    Just(b','),
                    Just(b'\n'),
                    Just(b'\\'),
                    Just(b'#'),
                    any::<u8>()
                ],
                1..8
            )
        )
            .prop_map(|(at, b)| Edit::Insert(at, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Replace(at, b)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = bytes.len().max(1);
        match e {
            Edit::Delete(at, n) => {
                let at = at % len;
                let end = (at + n).min(bytes.len());
                if at < end {
                    bytes.drain(at..end);
                }
            }
            Edit::Insert(at, b) => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, b.iter().copied());
            }
            Edit::Replace(at, b) => {
                if !bytes.is_empty() {
                    let at = at % bytes.len();
                    bytes[at] = *b;
                }
            }
            Edit::Truncate(at) => bytes.truncate(at % len),
        }
    }
    bytes
}

fn examples() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/config_examples/valid");
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    out.sort();
    out
}

fn config_path() -> PathBuf {
    PathBuf::from("/home/me/.config/awsnav/config.toml")
}

fn check_config(text: &str) {
    if let Err(e) = Config::parse(text, &config_path()) {
        let msg = e.to_string();
        assert!(
            msg.starts_with("/home/me/.config/awsnav/config.toml:"),
            "names the file: {msg}"
        );
        let position = msg.split(':').nth(1).unwrap_or("");
        assert!(position.parse::<usize>().is_ok(), "names a line: {msg}");
        assert!(msg.contains("\n  fix: "), "says what to do: {msg}");
    }
}

/// A real cache file for the demo organization, as awsnav writes it.
fn cache_bytes() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let cache = InventoryCache::new(dir.path(), None);
    cache
        .store(&awsnav::domain::demo::inventory(
            datetime!(2026-11-21 12:00 UTC),
        ))
        .unwrap();
    std::fs::read(cache.path()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn config_any_text_is_parsed_or_explained(text in "\\PC*") {
        check_config(&text);
    }

    #[test]
    fn config_edited_examples_are_parsed_or_explained(
        which in 0..4usize,
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let examples = examples();
        let bytes = apply(examples[which % examples.len()].clone(), &edits);
        check_config(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn inventory_cache_edited_files_load_or_are_problems(
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let cache = InventoryCache::new(dir.path(), None);
        std::fs::write(cache.path(), apply(cache_bytes_cached().clone(), &edits)).unwrap();
        check_inventory_cache(&cache)?;
    }

    #[test]
    fn inventory_cache_any_bytes_load_or_are_problems(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let dir = tempfile::tempdir().unwrap();
        let cache = InventoryCache::new(dir.path(), None);
        std::fs::write(cache.path(), &bytes).unwrap();
        check_inventory_cache(&cache)?;
    }

    #[test]
    fn session_cost_and_last_role_files_never_panic(
        which in 0..4usize,
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let (dir, files) = small_caches();
        let path = &files[which % files.len()];
        let damaged = apply(std::fs::read(path).unwrap(), &edits);
        std::fs::write(path, &damaged).unwrap();
        read_small_caches(dir.path());
        // Reading never rewrites a file: a damaged one is left as it was.
        prop_assert_eq!(std::fs::read(path).unwrap(), damaged);
        // And the next write replaces it with one that reads back.
        small_caches_in(dir.path());
        read_small_caches_exactly(dir.path());
    }
}

/// A damaged inventory cache is a problem that says so, never a panic or an empty success; a
/// file that still loads survives a store/load round trip unchanged.
fn check_inventory_cache(cache: &InventoryCache) -> Result<(), TestCaseError> {
    match cache.load() {
        Ok(Some(inv)) => {
            cache.store(&inv).unwrap();
            prop_assert_eq!(cache.load().unwrap().unwrap(), inv);
        }
        Ok(None) => prop_assert!(false, "the file exists, yet nothing was reported"),
        Err(e @ (CacheProblem::Corrupt { .. } | CacheProblem::OtherFormat { .. })) => {
            prop_assert!(e.to_string().contains("will be rebuilt"), "{e}");
        }
        Err(other) => prop_assert!(false, "{other}"),
    }
    Ok(())
}

fn cache_bytes_cached() -> &'static Vec<u8> {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES.get_or_init(cache_bytes)
}

const NOW: time::OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

/// A cache directory with one of each small cache file, as awsnav writes them.
fn small_caches() -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let files = small_caches_in(dir.path());
    (dir, files)
}

fn small_caches_in(dir: &Path) -> Vec<PathBuf> {
    use awsnav::domain::credentials::{Credentials, MfaSession, RoleSession, Via};
    use awsnav::store::session_cache::CredentialCache;
    let creds = Credentials {
        access_key_id: "ASIAFUZZ".into(),
        secret_access_key: "secret".into(),
        session_token: Some("token".into()),
        expiration: Some(NOW + time::Duration::hours(1)),
    };
    let cache = CredentialCache::new(dir);
    cache
        .store_role(
            "me",
            &RoleSession {
                account_id: "111122223333".into(),
                role: "Admin".into(),
                role_arn: "arn:aws:iam::111122223333:role/Admin".into(),
                credentials: creds.clone(),
                via: Via::MfaSession,
            },
        )
        .unwrap();
    cache
        .store_mfa(
            "me",
            &MfaSession {
                serial: "arn:aws:iam::111122223333:mfa/me".into(),
                identity_arn: "arn:aws:iam::111122223333:user/me".into(),
                credentials: creds,
            },
        )
        .unwrap();
    awsnav::store::prefs::Prefs::new(dir).remember("111122223333", "Admin");
    let cost = awsnav::store::cost_cache::CostCache::new(dir, None);
    cost.store(&awsnav::domain::demo::cost_snapshot(NOW))
        .unwrap();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    assert_eq!(files.len(), 4, "{files:?}");
    files
}

fn read_small_caches(dir: &Path) {
    let cache = awsnav::store::session_cache::CredentialCache::new(dir);
    let _ = cache.role("me", "111122223333", "Admin", NOW);
    let _ = cache.mfa("me", NOW);
    let _ = cache.role_expiries("me", NOW);
    let _ = awsnav::store::prefs::Prefs::new(dir).load();
    let cost = awsnav::store::cost_cache::CostCache::new(dir, None);
    let _ = cost.load("UnblendedCost");
}

/// After a fresh write, every small cache reads back what was written.
fn read_small_caches_exactly(dir: &Path) {
    let cache = awsnav::store::session_cache::CredentialCache::new(dir);
    assert!(cache.role("me", "111122223333", "Admin", NOW).is_some());
    assert!(cache.mfa("me", NOW).is_some());
    assert_eq!(
        awsnav::store::prefs::Prefs::new(dir).load()["111122223333"],
        "Admin"
    );
    let cost = awsnav::store::cost_cache::CostCache::new(dir, None);
    assert_eq!(
        cost.load("UnblendedCost"),
        Some(awsnav::domain::demo::cost_snapshot(NOW))
    );
}
